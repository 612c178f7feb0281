//! The fetch phase's environment (`tollgate_sandbox::fetch`): a package manager run by
//! `tollgate install` sees its own configuration and credential variables and the
//! sandbox's basics, and no other secret of the user's environment. The stand-in managers
//! record what they see; each is first run outside, where it must see the secret.

use std::path::Path;
use std::time::Duration;

mod common;

use assert_cmd::Command;
use tempfile::TempDir;

/// A package manager that writes the variables it was started with into the project
/// (writable in the fetch phase of these managers) and fails, which ends the install.
const RECORDING_MANAGER: &str = "#!/bin/sh\nenv > \"$PWD/seen-env\"\nexit 1\n";

/// Secrets that belong to no package manager.
const SECRETS: &[(&str, &str)] = &[
    ("AWS_SECRET_ACCESS_KEY", "planted-aws-secret"),
    ("GITHUB_TOKEN", "planted-github-token"),
    (
        "HTTPS_PROXY",
        "http://user:planted-proxy-password@proxy.example:3128",
    ),
];

/// Per manager: the program, a variable of its own that it must still get, and a
/// variable of another manager that it must not.
const MANAGERS: &[(&str, &str, &str)] = &[
    ("npm", "npm_config_registry", "CARGO_REGISTRY_TOKEN"),
    ("pnpm", "pnpm_config_store_dir", "UV_INDEX_URL"),
    ("yarn", "YARN_NPM_AUTH_TOKEN", "PIP_INDEX_URL"),
    ("uv", "UV_INDEX_URL", "NPM_TOKEN"),
    ("cargo", "CARGO_REGISTRY_TOKEN", "npm_config_registry"),
];

fn command(program: &Path, home: &Path, path: &str, project: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(program);
    command
        .env("HOME", home)
        .env("PATH", path)
        .current_dir(project);
    for (name, value) in SECRETS {
        command.env(name, value);
    }
    for (_, own, _) in MANAGERS {
        command.env(own, format!("value-of-{own}"));
    }
    command
}

fn seen(project: &Path) -> String {
    let file = project.join("seen-env");
    let seen = std::fs::read_to_string(&file).expect("the stand-in manager ran");
    std::fs::remove_file(file).expect("clean up");
    seen
}

#[test]
fn the_fetch_phase_gets_the_managers_variables_and_no_other_secret() {
    let home = TempDir::new().expect("home");
    // A registry token interpolated by the user's own .npmrc is the manager's.
    std::fs::write(
        home.path().join(".npmrc"),
        "//registry.example/:_authToken=${MY_REGISTRY_TOKEN}\n",
    )
    .expect("npmrc");
    let work = TempDir::new().expect("work");
    let (bin, path) = common::fake_bin(work.path());
    for (program, own, other) in MANAGERS {
        let fake = common::fake_program(&bin, program, RECORDING_MANAGER);
        let project = work.path().join(format!("project-{program}"));
        std::fs::create_dir_all(&project).expect("mkdir");
        if *program == "yarn" {
            std::fs::write(project.join(".yarnrc.yml"), "nodeLinker: node-modules\n")
                .expect("yarnrc");
        }
        let mut outside = command(&fake, home.path(), &path, &project);
        outside.env("MY_REGISTRY_TOKEN", "planted-registry-token");
        outside.output().expect("run outside");
        let plain = seen(&project);
        for (name, value) in SECRETS {
            assert!(
                plain.contains(&format!("{name}={value}")),
                "the fake {program} must see {name} outside"
            );
        }
        let mut inside = Command::from_std(command(
            Path::new(env!("CARGO_BIN_EXE_tollgate")),
            home.path(),
            &path,
            &project,
        ));
        inside
            .env("MY_REGISTRY_TOKEN", "planted-registry-token")
            .env_remove("TOLLGATE_DB")
            .args(["install", "--allow-missing-db", program])
            .timeout(Duration::from_secs(60))
            .assert()
            .failure();
        let sandboxed = seen(&project);
        for (name, value) in SECRETS {
            assert!(
                !sandboxed.contains(value),
                "ESCAPE: {program}'s fetch phase saw {name}:\n{sandboxed}"
            );
        }
        assert!(
            sandboxed.contains(&format!("{own}=value-of-{own}")),
            "{program} keeps its own {own}:\n{sandboxed}"
        );
        assert!(
            !sandboxed.contains(&format!("{other}=")),
            "{program} does not get {other}:\n{sandboxed}"
        );
        let npm_family = matches!(*program, "npm" | "pnpm" | "yarn");
        assert_eq!(
            sandboxed.contains("MY_REGISTRY_TOKEN=planted-registry-token"),
            npm_family,
            "{program}: the token ~/.npmrc interpolates is passed to the managers that read it"
        );
        std::fs::remove_file(&fake).expect("clean up");
    }
}

#[test]
fn explain_names_the_fetch_phases_variables_and_never_their_values() {
    let home = TempDir::new().expect("home");
    let project = TempDir::new().expect("project");
    let path = std::env::var("PATH").unwrap_or_default();
    let output = Command::from_std(command(
        Path::new(env!("CARGO_BIN_EXE_tollgate")),
        home.path(),
        &path,
        project.path(),
    ))
    .env_remove("TOLLGATE_DB")
    .args(["install", "--allow-missing-db", "--explain", "npm"])
    .timeout(Duration::from_secs(60))
    .assert()
    .success()
    .get_output()
    .stdout
    .clone();
    let text = String::from_utf8_lossy(&output);
    let (fetch, execute) = text
        .split_once("execute phase (install-time code):")
        .expect("both phases explained");
    let fetch_env = fetch
        .lines()
        .find(|line| line.starts_with("environment"))
        .expect("the fetch phase's environment");
    assert!(fetch_env.contains("npm_config_registry"), "{fetch_env}");
    // `HTTPS_PROXY` is listed: tollgate sets it to its own proxy (the user's value is gone).
    for (name, _) in SECRETS.iter().filter(|(name, _)| *name != "HTTPS_PROXY") {
        assert!(!fetch_env.contains(name), "{name} in {fetch_env}");
    }
    assert!(execute.contains("environment"), "{execute}");
    assert!(
        !text.contains("value-of-") && !text.contains("planted"),
        "{text}"
    );
}
