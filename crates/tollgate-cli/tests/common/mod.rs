//! Helpers shared by the CLI test binaries (each `tests/*.rs` that declares `mod common;`).

#![allow(dead_code)] // Each test binary uses its own subset.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The advisory crate's fixture OSV records and lockfiles.
pub fn advisory_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tollgate-advisory/tests/fixtures")
}

/// The `tollgate` binary, isolated from the developer's `TOLLGATE_DB`.
pub fn tollgate() -> Command {
    let mut command = Command::cargo_bin("tollgate").unwrap();
    command.env_remove("TOLLGATE_DB");
    command
}

/// A database imported from the fixture OSV records.
pub fn fixture_db() -> tempfile::TempDir {
    let db = tempfile::tempdir().unwrap();
    tollgate()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(advisory_fixtures().join("osv"))
        .assert()
        .success();
    db
}

/// Whether `program --version` runs (tests that need a package manager skip without it).
pub fn available(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Writes `text` to `dir/name`, making parent directories.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// One HTTP answer of [`serve`]: status line, content type, body.
pub type Reply = (&'static str, &'static str, Vec<u8>);

/// A loopback HTTP server answering each request's path with `reply`, for at most
/// `count` requests; returns its base URL (`http://127.0.0.1:PORT`, no trailing slash).
pub fn serve(count: usize, reply: impl Fn(&str) -> Reply + Send + 'static) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let (status, kind, body) = reply(path);
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    base
}

/// Runs git in `dir` with a fixed identity and no global configuration; panics on failure.
pub fn git(dir: &Path, args: &[&str]) {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {output:?}");
}

/// One OSV record for `name` in `ecosystem`, modified at `modified`.
pub fn record(id: &str, ecosystem: &str, name: &str, modified: &str) -> String {
    serde_json::json!({
        "id": id,
        "modified": modified,
        "summary": format!("{id} summary"),
        "affected": [{
            "package": { "ecosystem": ecosystem, "name": name },
            "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": "2.0.0" }] }],
        }],
    })
    .to_string()
}

/// A Cargo.lock in `dir` locking `packages` (name, version) from crates.io.
pub fn cargo_lock(dir: &Path, packages: &[(&str, &str)]) -> PathBuf {
    let mut text = String::from("version = 4\n");
    for (name, version) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        ));
    }
    write(dir, "Cargo.lock", &text)
}

/// The current time as RFC 3339, for records and indexes that must look fresh.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}
