//! `tollgate shim`: wrappers first on PATH send installs through the gate and pass the rest
//! to the real program. The "real" npm is a fake script later on PATH (so the test needs no
//! npm), which records each run; the registry is a loopback server.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;

/// Serves an npm packument (one old release) for any name.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                line.clear();
            }
            let name = request
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_owned();
            let body = serde_json::json!({
                "name": name, "dist-tags": {"latest": "1.0.0"},
                "versions": {"1.0.0": {"name": name, "version": "1.0.0", "license": "MIT"}},
                "time": {"1.0.0": "2024-01-01T00:00:00Z"},
            })
            .to_string();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    base
}

fn fake_npm(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let script = dir.join("npm");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\n[ \"$1\" = --version ] && echo fake-npm-9.9.9\n[ \"$1\" = fail ] && exit 7\nexit 0\n",
            dir.join("runs").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn typosquat_through_the_shim_is_refused_and_the_rest_passes_through() {
    let work = tempfile::tempdir().unwrap();
    let shims = work.path().join("shims");
    let real = work.path().join("real");
    fake_npm(&real);
    let printed = common::tollgate()
        .args(["shim", "install", "--dir"])
        .arg(&shims)
        .output()
        .unwrap();
    assert!(printed.status.success());
    let line = String::from_utf8(printed.stdout).unwrap();
    assert!(
        line.starts_with("export PATH=\"") && line.contains("shims"),
        "{line}"
    );
    let db = common::fixture_db();
    let path = format!(
        "{}:{}:{}",
        shims.display(),
        real.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let project = work.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("package.json"), "{}\n").unwrap();
    let npm = |args: &[&str]| {
        std::process::Command::new("npm")
            .args(args)
            .current_dir(&project)
            .env("PATH", &path)
            .env("HOME", work.path())
            .env("XDG_CACHE_HOME", work.path().join("cache"))
            .env("TOLLGATE_DB", db.path())
            .env("NPM_CONFIG_REGISTRY", serve())
            .output()
            .unwrap()
    };
    let refused = npm(&["install", "expresss"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("express") && stderr.contains("refused"),
        "{stderr}"
    );
    assert!(!real.join("runs").exists(), "the real npm never ran");
    assert_eq!(
        std::fs::read_to_string(project.join("package.json")).unwrap(),
        "{}\n"
    );

    let version = npm(&["--version"]);
    assert!(version.status.success());
    assert_eq!(String::from_utf8_lossy(&version.stdout), "fake-npm-9.9.9\n");
    assert_eq!(
        npm(&["fail"]).status.code(),
        Some(7),
        "exit code passed through"
    );

    let status = common::tollgate()
        .args(["shim", "status", "--dir"])
        .arg(&shims)
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&status.stdout).contains("wrappers: 12 of 12"));
    common::tollgate()
        .args(["shim", "uninstall", "--dir"])
        .arg(&shims)
        .assert()
        .success();
    assert!(!shims.join("npm").exists());
}
