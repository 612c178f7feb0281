//! `tollgate install bun`, offline: a loopback npm registry served by the test with
//! tarballs it writes itself. The resolve step is `bun add --lockfile-only
//! --ignore-scripts`, the fetch `bun install --frozen-lockfile --ignore-scripts
//! --linker=hoisted`; then the verdict step judges the scripted packages under
//! `node_modules`: a postinstall reading `~/.npmrc` is refused (package.json as it was, no
//! bun.lock, no node_modules), a clean one is installed and its postinstall run by the
//! execute phase (`npm rebuild`) in the sandbox. Skipped (with a printed reason) when bun
//! or npm is missing.

mod common;

use std::path::{Path, PathBuf};

use predicates::str::contains;
use tempfile::TempDir;

const SUSPICIOUS: &str = "scripted-gate-fixture";
const CLEAN: &str = "building-gate-fixture";

const READS_NPMRC: &str = "const fs = require('fs');\nconst os = require('os');\ntry {\n  fs.readFileSync(os.homedir() + '/.npmrc');\n} catch (e) {}\n";
const BUILDS: &str = "require('fs').writeFileSync(__dirname + '/built.txt', 'built\\n');\n";

const MANIFEST: &str =
    "{\n  \"name\": \"scratch\",\n  \"version\": \"1.0.0\",\n  \"private\": true\n}\n";

fn project() -> (TempDir, PathBuf) {
    let work = TempDir::new().unwrap();
    let project = work.path().join("project");
    common::write(&project, "package.json", MANIFEST);
    (work, project)
}

fn bun(work: &TempDir, project: &Path, registry: &str, name: &str) -> assert_cmd::assert::Assert {
    let registry = format!("{registry}/");
    let mut command = common::tollgate();
    command
        .current_dir(project)
        .env("HOME", work.path())
        .env_remove("XDG_CACHE_HOME")
        .env_remove("BUN_INSTALL")
        .env_remove("BUN_INSTALL_CACHE_DIR")
        .env("NPM_CONFIG_REGISTRY", &registry)
        .env("BUN_CONFIG_REGISTRY", &registry)
        .args(["install", "--allow-missing-db", "bun"]);
    for dir in common::program_dirs("bun") {
        command.arg("--allow-read").arg(dir);
    }
    command
        .args(["--", name])
        .timeout(std::time::Duration::from_secs(180))
        .assert()
}

#[test]
fn bun_resolves_lockfile_only_and_the_verdict_judges_the_fetch() {
    if !common::available("bun") || !common::available("npm") {
        println!("skipped: bun or npm is not installed");
        return;
    }
    let registry = common::npm_registry(vec![
        (
            SUSPICIOUS,
            common::scripted_tarball(SUSPICIOUS, READS_NPMRC),
        ),
        (CLEAN, common::scripted_tarball(CLEAN, BUILDS)),
    ]);

    let (work, project) = project();
    bun(&work, &project, &registry, SUSPICIOUS)
        .code(1)
        .stderr(contains(
            "resolve (no artifacts, no third-party code): bun add --lockfile-only --ignore-scripts",
        ))
        .stderr(contains(
            "fetch (network on, third-party code off): bun install --frozen-lockfile --ignore-scripts --linker=hoisted",
        ))
        .stderr(contains(format!(
            "refused: the install-time code of {SUSPICIOUS} is judged suspicious"
        )));
    let manifest = std::fs::read_to_string(project.join("package.json")).unwrap();
    assert_eq!(manifest, MANIFEST, "package.json restored byte for byte");
    assert!(!project.join("bun.lock").exists());
    assert!(!project.join("node_modules").exists());

    let (work, project) = self::project();
    bun(&work, &project, &registry, CLEAN)
        .success()
        .stderr(contains(
            "verdict: judging the code of 1 fetched package(s)",
        ));
    let lock = std::fs::read_to_string(project.join("bun.lock")).unwrap();
    assert!(lock.contains(CLEAN), "{lock}");
    let built = project.join("node_modules").join(CLEAN).join("built.txt");
    assert_eq!(
        std::fs::read_to_string(built).expect("the postinstall ran"),
        "built\n"
    );
}
