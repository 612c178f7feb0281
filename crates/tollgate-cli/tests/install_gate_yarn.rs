//! `tollgate install yarn`'s resolve step, offline. Yarn classic has no lockfile-only
//! mode, so adding a package (or installing without a yarn.lock) is refused before anything
//! runs (exit 2, project untouched; the generation is read from the project, so this needs
//! no yarn). Yarn Berry (`.yarnrc.yml`, `nodeLinker: node-modules`) resolves with
//! `--mode=update-lockfile` against a loopback npm registry with tarballs the test writes:
//! a package whose postinstall reads `~/.npmrc` is refused by the verdict step with
//! package.json restored and no yarn.lock; a clean one is resolved, fetched, judged and its
//! postinstall run in the sandbox. The Berry test is skipped (with a printed reason) unless
//! the `yarn` on PATH is 2 or later (e.g. `npm install --prefix DIR @yarnpkg/cli-dist`,
//! then `DIR/node_modules/.bin` first on PATH).

mod common;

use std::path::Path;

use predicates::str::contains;
use tempfile::TempDir;

const SUSPICIOUS: &str = "scripted-gate-fixture";
const CLEAN: &str = "building-gate-fixture";

const READS_NPMRC: &str = "const fs = require('fs');\nconst os = require('os');\ntry {\n  fs.readFileSync(os.homedir() + '/.npmrc');\n} catch (e) {}\n";
const BUILDS: &str = "require('fs').writeFileSync(__dirname + '/built.txt', 'built\\n');\n";

const MANIFEST: &str =
    "{\n  \"name\": \"scratch\",\n  \"version\": \"1.0.0\",\n  \"private\": true\n}\n";

fn yarn(
    work: &TempDir,
    project: &Path,
    registry: &str,
    args: &[&str],
) -> assert_cmd::assert::Assert {
    let mut command = common::tollgate();
    command
        .current_dir(project)
        .env("HOME", work.path())
        .env("NPM_CONFIG_REGISTRY", format!("{registry}/"))
        .args(["install", "--allow-missing-db", "yarn"]);
    // A yarn installed outside the sandbox's toolchain paths (a test prefix) must be
    // readable inside, or the sandbox finds another one on PATH.
    for dir in common::program_dirs("yarn") {
        command.arg("--allow-read").arg(dir);
    }
    command
        .arg("--")
        .args(args)
        .timeout(std::time::Duration::from_secs(180))
        .assert()
}

#[test]
fn yarn_classic_cannot_resolve_without_fetching_and_is_refused() {
    let work = TempDir::new().unwrap();
    let project = work.path().join("project");
    common::write(&project, "package.json", MANIFEST);
    let unreachable = "http://127.0.0.1:9";
    yarn(&work, &project, unreachable, &[SUSPICIOUS])
        .code(2)
        .stderr(contains("Yarn classic (1.x) has no lockfile-only mode"))
        .stderr(contains("nothing was run and the project is unchanged"));
    yarn(&work, &project, unreachable, &[])
        .code(2)
        .stderr(contains("there is no yarn.lock"));
    let manifest = std::fs::read_to_string(project.join("package.json")).unwrap();
    assert_eq!(manifest, MANIFEST);
    assert!(!project.join("yarn.lock").exists());
    assert!(!project.join("node_modules").exists());
}

/// Whether the `yarn` on PATH is Berry (2 or later).
fn berry_available() -> bool {
    std::process::Command::new("yarn")
        .arg("--version")
        .current_dir(std::env::temp_dir())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| {
            let version = String::from_utf8_lossy(&output.stdout).into_owned();
            version.trim().split('.').next()?.parse::<u32>().ok()
        })
        .is_some_and(|major| major >= 2)
}

#[test]
fn yarn_berry_resolves_lockfile_only_and_the_verdict_judges_the_fetch() {
    if !common::available("npm") || !berry_available() {
        println!("skipped: the yarn on PATH is not Yarn >= 2 (or npm is missing)");
        return;
    }
    let registry = common::npm_registry(vec![
        (
            SUSPICIOUS,
            common::scripted_tarball(SUSPICIOUS, READS_NPMRC),
        ),
        (CLEAN, common::scripted_tarball(CLEAN, BUILDS)),
    ]);
    let yarnrc = format!(
        "npmRegistryServer: \"{registry}\"\nunsafeHttpWhitelist: [\"127.0.0.1\"]\nnodeLinker: node-modules\nenableTelemetry: false\n"
    );
    let setup = || {
        let work = TempDir::new().unwrap();
        let project = work.path().join("project");
        common::write(&project, "package.json", MANIFEST);
        common::write(&project, ".yarnrc.yml", &yarnrc);
        (work, project)
    };

    let (work, project) = setup();
    yarn(&work, &project, &registry, &[SUSPICIOUS])
        .code(1)
        .stderr(contains(
            "resolve (no artifacts, no third-party code): yarn add --mode=update-lockfile",
        ))
        .stderr(contains(
            "fetch (network on, third-party code off): yarn install --immutable --mode=skip-build",
        ))
        .stderr(contains(format!(
            "refused: the install-time code of {SUSPICIOUS} is judged suspicious"
        )));
    let manifest = std::fs::read_to_string(project.join("package.json")).unwrap();
    assert_eq!(manifest, MANIFEST, "package.json restored byte for byte");
    assert!(!project.join("yarn.lock").exists());
    assert!(!project.join("node_modules").exists());
    assert!(
        !project.join(".yarn").exists(),
        "Berry's install state removed"
    );

    let (work, project) = setup();
    yarn(&work, &project, &registry, &[CLEAN])
        .success()
        .stderr(contains(
            "verdict: judging the code of 1 fetched package(s)",
        ));
    let lock = std::fs::read_to_string(project.join("yarn.lock")).unwrap();
    assert!(lock.contains(&format!("{CLEAN}@npm:1.0.0")), "{lock}");
    let built = project.join("node_modules").join(CLEAN).join("built.txt");
    assert_eq!(
        std::fs::read_to_string(built).expect("the postinstall ran"),
        "built\n"
    );
}
