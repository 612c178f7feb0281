//! `tollgate install npm`'s verdict step and the policy's `[install-scripts] allow` list,
//! offline: a loopback npm registry served by the test with tarballs it writes itself. A
//! package whose postinstall reads `~/.npmrc` is judged suspicious: refused without an
//! allow, installed with an allow entry in the project's `tollgate.toml`, refused when the
//! entry pins another digest (the refusal says so and gives the digest of the code judged,
//! which, pinned, lets it install). A package that evals decoded code is malicious and
//! refused even with an allow entry. Skipped (with a printed reason) when npm is missing.

mod common;

use std::path::{Path, PathBuf};

use predicates::str::contains;
use tempfile::TempDir;

const SUSPICIOUS: &str = "scripted-gate-fixture";
const MALICIOUS: &str = "decoding-gate-fixture";

const READS_NPMRC: &str = "const fs = require('fs');\nconst os = require('os');\ntry {\n  fs.readFileSync(os.homedir() + '/.npmrc');\n} catch (e) {}\n";
const EVALS_DECODED: &str = "eval(Buffer.from('Y29uc29sZS5sb2coMSk=', 'base64').toString());\n";

/// The loopback registry with both fixtures.
fn serve() -> String {
    common::npm_registry(vec![
        (
            SUSPICIOUS,
            common::scripted_tarball(SUSPICIOUS, READS_NPMRC),
        ),
        (
            MALICIOUS,
            common::scripted_tarball(MALICIOUS, EVALS_DECODED),
        ),
    ])
}

const MANIFEST: &str =
    "{\n  \"name\": \"scratch\",\n  \"version\": \"1.0.0\",\n  \"private\": true\n}\n";

struct Setup {
    work: TempDir,
    project: PathBuf,
    registry: String,
}

fn setup(policy: Option<&str>) -> Setup {
    let work = TempDir::new().unwrap();
    let project = work.path().join("project");
    common::write(&project, "package.json", MANIFEST);
    if let Some(policy) = policy {
        common::write(&project, "tollgate.toml", policy);
    }
    Setup {
        work,
        project,
        registry: serve(),
    }
}

fn setup_with(policy: &str) -> Setup {
    setup(Some(policy))
}

fn install(setup: &Setup, name: &str) -> assert_cmd::assert::Assert {
    common::tollgate()
        .current_dir(&setup.project)
        .env("HOME", setup.work.path())
        .env("XDG_CACHE_HOME", setup.work.path().join("cache"))
        .env("NPM_CONFIG_CACHE", setup.work.path().join("npm-cache"))
        .env("NPM_CONFIG_REGISTRY", &setup.registry)
        .args(["install", "--allow-missing-db", "npm", "--", name])
        .timeout(std::time::Duration::from_secs(180))
        .assert()
}

fn allow_entry(name: &str, digest: Option<&str>) -> String {
    let digest = digest.map_or_else(String::new, |digest| format!(", digest = \"{digest}\""));
    format!(
        "[install-scripts]\nallow = [\n  {{ ecosystem = \"npm\", name = \"{name}\"{digest} }},\n]\n"
    )
}

fn assert_untouched(project: &Path) {
    let manifest = std::fs::read_to_string(project.join("package.json")).unwrap();
    assert_eq!(manifest, MANIFEST, "package.json restored byte for byte");
    assert!(!project.join("package-lock.json").exists());
}

fn installed(project: &Path, name: &str) -> bool {
    project
        .join("node_modules")
        .join(name)
        .join("install.js")
        .is_file()
}

#[test]
fn suspicious_install_code_needs_an_allow() {
    if !common::available("npm") {
        println!("skipped: npm is not installed");
        return;
    }
    let setup = setup(None);
    install(&setup, SUSPICIOUS)
        .code(1)
        .stderr(contains(format!(
            "refused: the install-time code of {SUSPICIOUS} is judged suspicious"
        )))
        .stderr(contains("install.js:4"));
    assert_untouched(&setup.project);

    let setup = setup_with(&allow_entry(SUSPICIOUS, None));
    install(&setup, SUSPICIOUS)
        .success()
        .stderr(contains("allowed by the install-scripts allow-list"))
        .stderr(contains("tollgate.toml, line 3"));
    assert!(installed(&setup.project, SUSPICIOUS));
}

#[test]
fn a_pinned_digest_counts_only_when_it_is_the_code_judged() {
    if !common::available("npm") {
        println!("skipped: npm is not installed");
        return;
    }
    let other = format!("sha256:{}", "0".repeat(64));
    let setup = setup_with(&allow_entry(SUSPICIOUS, Some(&other)));
    let output = install(&setup, SUSPICIOUS)
        .code(1)
        .stderr(contains("judged suspicious"))
        .stderr(contains(format!("it pins digest {other}")))
        .get_output()
        .stderr
        .clone();
    assert_untouched(&setup.project);
    let stderr = String::from_utf8(output).unwrap();
    let marker = "the code judged here has digest ";
    let start = stderr.find(marker).expect("the refusal gives the digest") + marker.len();
    let actual: String = stderr[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
        .collect();
    assert!(actual.starts_with("sha256:") && actual != other, "{actual}");

    let setup = setup_with(&allow_entry(SUSPICIOUS, Some(&actual)));
    install(&setup, SUSPICIOUS)
        .success()
        .stderr(contains("allowed by the install-scripts allow-list"));
    assert!(installed(&setup.project, SUSPICIOUS));
}

#[test]
fn malicious_install_code_is_refused_even_when_allowed() {
    if !common::available("npm") {
        println!("skipped: npm is not installed");
        return;
    }
    let setup = setup_with(&allow_entry(MALICIOUS, None));
    install(&setup, MALICIOUS)
        .code(1)
        .stderr(contains(format!(
            "refused: the install-time code of {MALICIOUS} is judged malicious"
        )))
        .stderr(contains("never lets malicious code run"));
    assert_untouched(&setup.project);
    assert!(!installed(&setup.project, MALICIOUS));
}
