//! `tollgate install`: real two-phase installs of the fixtures in tests/fixtures/sandbox.
//! Offline: the npm package is a local tarball and the crate has no dependency. Skipped
//! (with a message) when npm or cargo is not installed.

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

mod common;
use common::available;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sandbox")
        .join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// A fake home holding the secrets a hostile install script goes for.
fn fake_home() -> TempDir {
    let home = TempDir::new().expect("home");
    std::fs::create_dir_all(home.path().join(".ssh")).expect("mkdir");
    std::fs::write(home.path().join(".ssh/id_rsa"), "planted-ssh-secret").expect("plant");
    std::fs::write(
        home.path().join(".npmrc"),
        "//registry.npmjs.org/:_authToken=planted-npm-token\n",
    )
    .expect("plant");
    home
}

#[test]
fn hostile_postinstall_is_judged_malicious_and_never_runs() {
    if !available("npm") {
        println!("skipped: npm is not installed");
        return;
    }
    let home = fake_home();
    let work = TempDir::new().expect("work");
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let package = work.path().join("hostile");
    copy_dir(&fixture("hostile-npm"), &package);
    std::fs::write(package.join("port"), port.to_string()).expect("port");
    let packed = std::process::Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(work.path())
        .current_dir(&package)
        .env("HOME", home.path())
        .status()
        .expect("npm pack");
    assert!(packed.success());
    let project = work.path().join("project");
    std::fs::create_dir(&project).expect("mkdir");
    std::fs::write(
        project.join("package.json"),
        r#"{"name":"victim","version":"1.0.0","private":true,"dependencies":{"hostile":"file:../hostile-1.0.0.tgz"}}"#,
    )
    .expect("package.json");

    Command::cargo_bin("tollgate")
        .expect("binary")
        .env("HOME", home.path())
        .current_dir(&project)
        // The fetch phase runs in the sandbox: the local tarball outside the project must
        // be allowed.
        .args(["install", "--allow-missing-db", "npm", "--allow-read"])
        .arg(work.path())
        .args(["--", "--offline", "--no-audit", "--no-fund"])
        .timeout(Duration::from_secs(120))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the install-time code of hostile is judged malicious",
        ))
        .stderr(predicate::str::contains("planted-npm-token").not());
    assert!(
        !project.join("node_modules").exists(),
        "the refused install left nothing behind"
    );
    match listener.accept() {
        Ok((mut stream, _)) => {
            let mut received = String::new();
            let _ = stream.read_to_string(&mut received);
            panic!("the postinstall reached the listener: {received}");
        }
        Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock),
    }
}

#[test]
fn build_script_reading_ssh_fails_only_that_read() {
    if !available("cargo") {
        println!("skipped: cargo is not installed");
        return;
    }
    let real_home = std::env::var_os("HOME").expect("HOME");
    let real_home = Path::new(&real_home);
    let cargo_home =
        std::env::var_os("CARGO_HOME").unwrap_or_else(|| real_home.join(".cargo").into());
    let rustup_home =
        std::env::var_os("RUSTUP_HOME").unwrap_or_else(|| real_home.join(".rustup").into());
    let home = fake_home();
    let work = TempDir::new().expect("work");
    let project = work.path().join("crate");
    copy_dir(&fixture("ssh-reading-crate"), &project);

    Command::cargo_bin("tollgate")
        .expect("binary")
        .env("HOME", home.path())
        .env("CARGO_HOME", cargo_home)
        .env("RUSTUP_HOME", rustup_home)
        .env_remove("CARGO_TARGET_DIR")
        .current_dir(&project)
        .args(["install", "--allow-missing-db", "cargo"])
        .timeout(Duration::from_secs(300))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cargo tried to open ~/.ssh/id_rsa (denied)",
        ))
        .stderr(predicate::str::contains("STOLE").not());
    assert!(
        project.join("target/debug/ssh-reading-crate").is_file(),
        "the build completed"
    );
}

#[test]
fn pip_fetch_phase_builds_a_direct_reference_in_the_sandbox() {
    // `pip download --only-binary=:all:` still runs a direct reference's setup.py to read its
    // metadata: that is third-party code in the fetch phase.
    let setuptools = std::process::Command::new("python3")
        .args(["-c", "import setuptools"])
        .status()
        .is_ok_and(|status| status.success());
    if !setuptools {
        println!("skipped: python3 with setuptools is not installed");
        return;
    }
    let home = fake_home();
    let work = TempDir::new().expect("work");
    let stolen = work.path().join("stolen");
    let package = work.path().join("hostile");
    std::fs::create_dir_all(&package).expect("mkdir");
    // It always fails after the theft, so no wheel is ever installed anywhere.
    std::fs::write(
        package.join("setup.py"),
        format!(
            "import os, sys\n\
             try:\n    key = open(os.path.expanduser('~/.ssh/id_rsa')).read()\n    open({stolen:?}, 'w').write(key)\n\
             except OSError as error:\n    print(f'hostile: reading ~/.ssh/id_rsa: {{error}}', file=sys.stderr)\n\
             sys.exit(1)\n",
            stolen = stolen.display().to_string()
        ),
    )
    .expect("setup.py");
    let project = work.path().join("project");
    std::fs::create_dir_all(&project).expect("mkdir");
    let reference = format!("hostile @ file://{}", package.display());
    let fetch_args = [
        "download",
        "--only-binary=:all:",
        "--dest",
        "wheels",
        "--no-index",
        "--no-build-isolation",
        reference.as_str(),
    ];
    // Outside, the fetch command as tollgate runs it steals the key.
    let _ = std::process::Command::new("python3")
        .args(["-m", "pip"])
        .args(fetch_args)
        .env("HOME", home.path())
        .current_dir(&project)
        .output()
        .expect("pip outside");
    assert_eq!(
        std::fs::read_to_string(&stolen).ok().as_deref(),
        Some("planted-ssh-secret"),
        "the direct reference's code must run in a plain pip download"
    );
    std::fs::remove_file(&stolen).expect("clean up");
    Command::cargo_bin("tollgate")
        .expect("binary")
        .env("HOME", home.path())
        .current_dir(&project)
        .args(["install", "--allow-missing-db"])
        .arg("pip")
        .arg("--allow-read")
        .arg(&package)
        .args([
            "--",
            "--no-index",
            "--no-build-isolation",
            reference.as_str(),
        ])
        .timeout(Duration::from_secs(120))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "pip's resolve tried to open ~/.ssh/id_rsa (denied)",
        ))
        .stderr(predicate::str::contains("planted-ssh-secret").not());
    assert!(!stolen.exists(), "ESCAPE: the fetch phase read ~/.ssh");
}

/// The `planting-npm` fixture packed into `work`, shown to plant all three files outside,
/// and a project depending on it (with a `.git/hooks` directory to plant into).
fn planting_project(work: &Path, home: &Path) -> std::path::PathBuf {
    let package = work.join("planting");
    copy_dir(&fixture("planting-npm"), &package);
    let project = work.join("project");
    std::fs::create_dir_all(project.join(".git/hooks")).expect("mkdir");
    // Outside, the script plants all three files.
    let plain = std::process::Command::new("node")
        .arg(package.join("plant.js"))
        .env("INIT_CWD", &project)
        .output()
        .expect("node");
    assert!(plain.status.success(), "{plain:?}");
    for file in [".npmrc", ".git/hooks/pre-commit", ".cargo/config.toml"] {
        assert!(
            project.join(file).is_file(),
            "{file} must be planted outside"
        );
        std::fs::remove_file(project.join(file)).expect("clean up");
    }
    std::fs::remove_dir(project.join(".cargo")).expect("clean up");
    let packed = std::process::Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(work)
        .current_dir(&package)
        .env("HOME", home)
        .status()
        .expect("npm pack");
    assert!(packed.success());
    std::fs::write(
        project.join("package.json"),
        r#"{"name":"victim","version":"1.0.0","private":true,"dependencies":{"planting":"file:../planting-1.0.0.tgz"}}"#,
    )
    .expect("package.json");
    project
}

#[test]
fn npm_postinstall_cannot_plant_configuration_in_the_project() {
    if !available("npm") {
        println!("skipped: npm is not installed");
        return;
    }
    let home = fake_home();
    let work = TempDir::new().expect("work");
    let project = planting_project(work.path(), home.path());
    Command::cargo_bin("tollgate")
        .expect("binary")
        .env("HOME", home.path())
        .current_dir(&project)
        // The fetch phase runs in the sandbox: the local tarball outside the project must
        // be allowed.
        .args([
            "install",
            "--allow-missing-db",
            "--allow",
            "planting",
            "npm",
            "--allow-read",
        ])
        .arg(work.path())
        .args(["--", "--offline", "--no-audit", "--no-fund"])
        .timeout(Duration::from_secs(120))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("EROFS"))
        .stderr(predicate::str::contains(
            "postinstall of planting tried to open",
        ));
    for file in [".npmrc", ".git/hooks/pre-commit", ".cargo/config.toml"] {
        assert!(!project.join(file).exists(), "ESCAPE: {file} was planted");
    }
    assert!(project.join("node_modules/planting/plant.js").is_file());
}

/// A package manager that reads the user's SSH key: what a compromised manager, or a
/// tarball or project file that exploits one, does when the gate first runs it (resolve).
const STEALING_MANAGER: &str = "#!/bin/sh\ncat \"$HOME/.ssh/id_rsa\" || exit 1\n";

#[test]
fn every_resolve_and_fetch_phase_runs_in_the_sandbox() {
    let home = fake_home();
    let work = TempDir::new().expect("work");
    let (bin, path) = common::fake_bin(work.path());
    // Yarn's project is a Berry one (`.yarnrc.yml`), whose resolve step runs first; Yarn
    // classic without a yarn.lock is refused before anything runs (`install_gate_yarn.rs`).
    for (manager, program, first_step) in [
        ("npm", "npm", "resolve"),
        ("pnpm", "pnpm", "resolve"),
        ("yarn", "yarn", "resolve"),
        ("uv", "uv", "resolve"),
        ("cargo", "cargo", "resolve"),
    ] {
        let fake = common::fake_program(&bin, program, STEALING_MANAGER);
        let project = work.path().join(format!("project-{manager}"));
        std::fs::create_dir_all(&project).expect("mkdir");
        if manager == "yarn" {
            std::fs::write(project.join(".yarnrc.yml"), "nodeLinker: node-modules\n")
                .expect("yarnrc");
        }
        let plain = std::process::Command::new(&fake)
            .env("HOME", home.path())
            .output()
            .expect("run outside");
        assert!(
            String::from_utf8_lossy(&plain.stdout).contains("planted-ssh-secret"),
            "the fake {program} must read the key outside"
        );
        Command::cargo_bin("tollgate")
            .expect("binary")
            .env("HOME", home.path())
            .env("PATH", &path)
            .current_dir(&project)
            .args(["install", "--allow-missing-db", manager])
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2)
            .stdout(predicate::str::contains("planted-ssh-secret").not())
            .stderr(predicate::str::contains("planted-ssh-secret").not())
            .stderr(predicate::str::contains(format!(
                "{manager}'s {first_step} tried to open ~/.ssh/id_rsa (denied)"
            )));
        std::fs::remove_file(&fake).expect("clean up");
    }
}

/// Writes a package directory with `package.json` and files, packs it into `into`.
fn pack(into: &Path, name: &str, manifest: &str, files: &[(&str, &str)], home: &Path) {
    let dir = into.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("package.json"), manifest).expect("manifest");
    for (file, content) in files {
        std::fs::write(dir.join(file), content).expect("file");
    }
    let packed = std::process::Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(into)
        .current_dir(&dir)
        .env("HOME", home)
        .status()
        .expect("npm pack");
    assert!(packed.success());
}

#[test]
fn npm_postinstall_cannot_hijack_another_packages_shim_or_files() {
    if !available("npm") {
        println!("skipped: npm is not installed");
        return;
    }
    let home = fake_home();
    let work = TempDir::new().expect("work");
    let hijack = "const fs = require('fs'), path = require('path');\n\
        const root = path.join(process.env.INIT_CWD, 'node_modules');\n\
        fs.writeFileSync(path.join(root, 'tool/cli.js'), '#!/usr/bin/env node\\nconsole.log(\"hijacked\")\\n');\n\
        fs.rmSync(path.join(root, '.bin/tool'));\n\
        fs.writeFileSync(path.join(root, '.bin/tool'), '#!/bin/sh\\necho hijacked\\n');\n\
        fs.writeFileSync(path.join(root, '.bin/planted'), '#!/bin/sh\\necho planted\\n');\n";
    pack(
        work.path(),
        "tool",
        r#"{"name":"tool","version":"1.0.0","bin":{"tool":"cli.js"}}"#,
        &[("cli.js", "#!/usr/bin/env node\nconsole.log('genuine')\n")],
        home.path(),
    );
    pack(
        work.path(),
        "hijacker",
        r#"{"name":"hijacker","version":"1.0.0","scripts":{"postinstall":"node hijack.js"}}"#,
        &[("hijack.js", hijack)],
        home.path(),
    );
    // Outside, a plain `npm install` runs the postinstall, which hijacks the shim.
    let outside = work.path().join("outside");
    let manifest = r#"{"name":"victim","version":"1.0.0","private":true,"dependencies":{"tool":"file:../tool-1.0.0.tgz","hijacker":"file:../hijacker-1.0.0.tgz"}}"#;
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(outside.join("package.json"), manifest).expect("manifest");
    let plain = std::process::Command::new("npm")
        .args(["install", "--offline", "--no-audit", "--no-fund"])
        .current_dir(&outside)
        .env("HOME", home.path())
        .output()
        .expect("npm install");
    assert!(plain.status.success(), "{plain:?}");
    assert!(
        std::fs::read_to_string(outside.join("node_modules/.bin/tool"))
            .expect("shim")
            .contains("hijacked"),
        "the postinstall must hijack the shim outside"
    );
    let project = work.path().join("project");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::write(project.join("package.json"), manifest).expect("manifest");
    Command::cargo_bin("tollgate")
        .expect("binary")
        .env("HOME", home.path())
        .current_dir(&project)
        .args(["install", "--allow-missing-db", "npm", "--allow-read"])
        .arg(work.path())
        .args(["--", "--offline", "--no-audit", "--no-fund"])
        .timeout(Duration::from_secs(120))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "CRITICAL: the postinstall of hijacker changed node_modules/.bin/tool, outside its own package (undone)",
        ))
        .stderr(predicate::str::contains(
            "changed node_modules/tool/cli.js, outside its own package (could NOT be undone: reinstall)",
        ))
        .stderr(predicate::str::contains(
            "added node_modules/.bin/planted, outside its own package (undone)",
        ));
    let shim = project.join("node_modules/.bin/tool");
    assert!(
        std::fs::symlink_metadata(&shim)
            .expect("shim")
            .file_type()
            .is_symlink(),
        "ESCAPE: the shim was not put back"
    );
    assert!(!project.join("node_modules/.bin/planted").exists());
}

#[test]
fn the_fetch_sandbox_reaches_the_configured_registry_and_nothing_else() {
    let home = fake_home();
    let work = TempDir::new().expect("work");
    let bin = work.path().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    // A stand-in npm that asks the proxy for tunnels (what an exploited manager or a
    // direct reference's build would do to send what it can read).
    std::fs::copy(fixture("connect-probe"), bin.join("npm")).expect("fake npm");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let registry = TcpListener::bind("127.0.0.1:0").expect("bind");
    let registry_port = registry.local_addr().expect("addr").port();
    let other = TcpListener::bind("127.0.0.1:0").expect("bind");
    let other_port = other.local_addr().expect("addr").port();
    for port in [registry_port, other_port] {
        std::net::TcpStream::connect(("localhost", port)).expect("reachable outside");
    }
    let project = work.path().join("project");
    std::fs::create_dir_all(&project).expect("mkdir");
    let output = Command::cargo_bin("tollgate")
        .expect("binary")
        .env("HOME", home.path())
        .env("PATH", &path)
        .env(
            "NPM_CONFIG_REGISTRY",
            format!("http://localhost:{registry_port}/"),
        )
        .env(
            "PROBE_TARGETS",
            format!("localhost:{registry_port} localhost:{other_port} evil.example:443"),
        )
        .current_dir(&project)
        // Not an npm variable: the fetch phase gets it only when passed by name.
        .args([
            "install",
            "--allow-missing-db",
            "--pass-env",
            "PROBE_TARGETS",
            "npm",
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("localhost:{registry_port}: HTTP/1.1 200")),
        "the configured registry is reachable: {stderr}"
    );
    for target in [
        format!("localhost:{other_port}"),
        "evil.example:443".to_owned(),
    ] {
        assert!(
            stderr.contains(&format!(
                "npm's resolve tried to connect to {target} (refused: not a configured registry)"
            )),
            "{target} refused and reported: {stderr}"
        );
    }
}

/// pnpm's and yarn's execute phases for real (not only `--help`): the `planting-npm`
/// postinstall runs in the sandbox (its output is seen), cannot plant configuration in the
/// project, and the package is installed. Skipped with a message when the manager (or
/// npm, which packs the fixture and is yarn's execute phase) is not installed.
#[test]
fn pnpm_and_yarn_execute_phases_run_install_scripts_in_the_sandbox() {
    for manager in ["pnpm", "yarn"] {
        if !available(manager) || !available("npm") {
            println!("skipped {manager}: {manager} or npm is not installed");
            continue;
        }
        let home = fake_home();
        let work = TempDir::new().expect("work");
        let project = planting_project(work.path(), home.path());
        if manager == "yarn" {
            // Yarn classic has no resolve step in the gate: the lockfile must exist (made
            // here without running any script).
            let locked = std::process::Command::new("yarn")
                .args(["install", "--ignore-scripts", "--offline", "--no-progress"])
                .current_dir(&project)
                .env("HOME", home.path())
                .output()
                .expect("yarn");
            assert!(locked.status.success(), "{locked:?}");
            std::fs::remove_dir_all(project.join("node_modules")).expect("clean up");
        }
        let output = Command::cargo_bin("tollgate")
            .expect("binary")
            .env("HOME", home.path())
            .current_dir(&project)
            .args([
                "install",
                "--allow-missing-db",
                "--allow",
                "planting",
                manager,
            ])
            .arg("--allow-read")
            .arg(work.path())
            .args(["--", "--offline"])
            .timeout(Duration::from_secs(120))
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{manager}: {stdout}{stderr}");
        assert!(
            format!("{stdout}{stderr}").contains("EROFS: read-only file system"),
            "{manager}: the postinstall ran and its write was refused: {stdout}{stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "tried to open {}",
                project.join(".npmrc").display()
            )),
            "{manager}: the denial is reported: {stderr}"
        );
        for file in [".npmrc", ".git/hooks/pre-commit", ".cargo/config.toml"] {
            assert!(
                !project.join(file).exists(),
                "ESCAPE ({manager}): {file} was planted"
            );
        }
        assert!(project.join("node_modules/planting/plant.js").is_file());
    }
}
