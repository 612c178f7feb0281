//! `tollgate install pnpm`'s verdict step, offline: a loopback npm registry served by the
//! test with tarballs it writes itself. After pnpm's fetch phase (`--ignore-scripts`) the
//! scripted packages are judged where pnpm put them (its virtual store,
//! `node_modules/.pnpm/<name>@<version>/node_modules/<name>`): a postinstall that reads
//! `~/.npmrc` is suspicious and refused without an allow (installed with one), one that evals
//! decoded code is malicious and refused; each refusal leaves package.json as it was, no
//! pnpm-lock.yaml and no node_modules. A clean postinstall is run by the execute phase.
//! Skipped (with a printed reason) when pnpm is missing.

mod common;

use std::path::{Path, PathBuf};

use predicates::str::contains;
use tempfile::TempDir;

const SUSPICIOUS: &str = "scripted-gate-fixture";
const MALICIOUS: &str = "decoding-gate-fixture";
const CLEAN: &str = "building-gate-fixture";

const READS_NPMRC: &str = "const fs = require('fs');\nconst os = require('os');\ntry {\n  fs.readFileSync(os.homedir() + '/.npmrc');\n} catch (e) {}\n";
const EVALS_DECODED: &str = "eval(Buffer.from('Y29uc29sZS5sb2coMSk=', 'base64').toString());\n";
const BUILDS: &str = "require('fs').writeFileSync(__dirname + '/built.txt', 'built\\n');\n";

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
    let registry = common::npm_registry(vec![
        (
            SUSPICIOUS,
            common::scripted_tarball(SUSPICIOUS, READS_NPMRC),
        ),
        (
            MALICIOUS,
            common::scripted_tarball(MALICIOUS, EVALS_DECODED),
        ),
        (CLEAN, common::scripted_tarball(CLEAN, BUILDS)),
    ]);
    Setup {
        work,
        project,
        registry,
    }
}

fn install(setup: &Setup, name: &str) -> assert_cmd::assert::Assert {
    let registry = format!("{}/", setup.registry);
    common::tollgate()
        .current_dir(&setup.project)
        .env("HOME", setup.work.path())
        .env_remove("XDG_CACHE_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("XDG_STATE_HOME")
        .env_remove("XDG_CONFIG_HOME")
        // tollgate (registry hosts, the gate's metadata) reads npm's setting; pnpm >= 11
        // reads its own `pnpm_config_*` names only.
        .env("NPM_CONFIG_REGISTRY", &registry)
        .env("pnpm_config_registry", &registry)
        .args(["install", "--allow-missing-db", "pnpm", "--", name])
        .timeout(std::time::Duration::from_secs(180))
        .assert()
}

fn assert_untouched(project: &Path) {
    let manifest = std::fs::read_to_string(project.join("package.json")).unwrap();
    assert_eq!(manifest, MANIFEST, "package.json restored byte for byte");
    assert!(!project.join("pnpm-lock.yaml").exists(), "no lockfile left");
    assert!(
        !project.join("node_modules").exists(),
        "no node_modules left"
    );
}

fn skip() -> bool {
    let missing = !common::available("pnpm");
    if missing {
        println!("skipped: pnpm is not installed");
    }
    missing
}

#[test]
fn pnpm_suspicious_install_code_is_refused_from_the_virtual_store() {
    if skip() {
        return;
    }
    let setup = setup(None);
    install(&setup, SUSPICIOUS)
        .code(1)
        .stderr(contains(format!(
            "refused: the install-time code of {SUSPICIOUS} is judged suspicious"
        )))
        .stderr(contains(format!(
            "node_modules/.pnpm/{SUSPICIOUS}@1.0.0/node_modules/{SUSPICIOUS}"
        )))
        .stderr(contains("install.js:4"));
    assert_untouched(&setup.project);

    let policy = format!(
        "[install-scripts]\nallow = [\n  {{ ecosystem = \"npm\", name = \"{SUSPICIOUS}\" }},\n]\n"
    );
    let setup = self::setup(Some(&policy));
    install(&setup, SUSPICIOUS)
        .success()
        .stderr(contains("allowed by the install-scripts allow-list"));
    assert!(
        setup
            .project
            .join("node_modules")
            .join(SUSPICIOUS)
            .join("install.js")
            .is_file()
    );
}

#[test]
fn pnpm_malicious_install_code_is_refused() {
    if skip() {
        return;
    }
    let setup = setup(None);
    install(&setup, MALICIOUS)
        .code(1)
        .stderr(contains(format!(
            "refused: the install-time code of {MALICIOUS} is judged malicious"
        )))
        .stderr(contains("nothing was run; the project is restored"));
    assert_untouched(&setup.project);
}

#[test]
fn pnpm_clean_install_code_is_judged_and_then_run_in_the_sandbox() {
    if skip() {
        return;
    }
    let setup = setup(None);
    install(&setup, CLEAN).success().stderr(contains(
        "verdict: judging the code of 1 fetched package(s)",
    ));
    let built = setup
        .project
        .join("node_modules")
        .join(CLEAN)
        .join("built.txt");
    assert_eq!(
        std::fs::read_to_string(built).expect("the postinstall ran"),
        "built\n"
    );
    assert!(setup.project.join("pnpm-lock.yaml").is_file());
}
