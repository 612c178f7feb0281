//! Helpers shared by the CLI test binaries (each `tests/*.rs` that declares `mod common;`).

#![allow(dead_code)] // Each test binary uses its own subset.

pub mod diff_repo;

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

/// An npm tarball (`package/...`) of `name` 1.0.0 whose postinstall runs `node install.js`,
/// with `install_js` as that file.
pub fn scripted_tarball(name: &str, install_js: &str) -> Vec<u8> {
    let manifest = format!(
        r#"{{"name":"{name}","version":"1.0.0","license":"MIT","scripts":{{"postinstall":"node install.js"}}}}"#
    );
    npm_tarball(&[("package.json", &manifest), ("install.js", install_js)])
}

/// A gzipped npm tarball of `files` (path under `package/`, text), with fixed metadata so
/// its bytes, and the lockfile hash of them, do not change between runs.
pub fn npm_tarball(files: &[(&str, &str)]) -> Vec<u8> {
    let gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gzip);
    for &(path, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        tar.append_data(&mut header, format!("package/{path}"), text.as_bytes())
            .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// A loopback npm registry serving, for each `(name, tarball)` of [`scripted_tarball`],
/// the packument at `/NAME` (one version, 1.0.0, with its postinstall) and the tarball;
/// 404 otherwise. Returns its base URL.
pub fn npm_registry(packages: Vec<(&'static str, Vec<u8>)>) -> String {
    let root = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let known = root.clone();
    let base = serve(usize::MAX, move |path| {
        let root = known.get().map_or("", String::as_str);
        for (name, bytes) in &packages {
            if path == format!("/{name}/-/{name}-1.0.0.tgz") {
                return ("200 OK", "application/octet-stream", bytes.clone());
            }
            if path == format!("/{name}") {
                let packument = serde_json::json!({
                    "name": name,
                    "dist-tags": {"latest": "1.0.0"},
                    "versions": {"1.0.0": {
                        "name": name, "version": "1.0.0", "license": "MIT",
                        "scripts": {"postinstall": "node install.js"},
                        "dist": {"tarball": format!("{root}/{name}/-/{name}-1.0.0.tgz")},
                    }},
                    "time": {"1.0.0": "2024-01-01T00:00:00Z"},
                });
                return (
                    "200 OK",
                    "application/json",
                    packument.to_string().into_bytes(),
                );
            }
        }
        ("404 Not Found", "application/json", b"{}".to_vec())
    });
    root.set(base.clone()).unwrap();
    base
}

/// The directory of `program` as found on PATH, and that of the package its link points
/// into (`.bin/yarn` -> `../@yarnpkg/cli-dist/bin/yarn.js`): a manager installed under a
/// test prefix is outside the sandbox's toolchain paths, and must be given with
/// `--allow-read` or the sandbox runs another one found later on PATH.
pub fn program_dirs(program: &str) -> Vec<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let Some(found) = std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
    else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = found.parent().map(Path::to_path_buf).into_iter().collect();
    if let Ok(target) = found.canonicalize() {
        dirs.extend(target.ancestors().nth(2).map(Path::to_path_buf));
    }
    dirs
}

/// npm's `integrity` for `bytes`: `sha512-` and the base64 (standard alphabet, padded) of
/// the SHA-512 digest, as a package-lock records it.
pub fn npm_integrity(bytes: &[u8]) -> String {
    let hex = tollgate_registry::Algorithm::Sha512.digest_hex(bytes);
    let digest: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::from("sha512-");
    for chunk in digest.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A wheel of `dist` 1.0 (`py3-none-any`): its metadata, a module (`VALUE = 1`) and
/// `files` (path, text), which may replace the module or add a `.pth` file (which runs at
/// every interpreter start once installed).
pub fn wheel(dist: &str, files: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let module = dist.replace('-', "_");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let info = format!("{module}-1.0.dist-info");
    let init = format!("{module}/__init__.py");
    let mut all = vec![
        (
            format!("{info}/METADATA"),
            format!("Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n"),
        ),
        (
            format!("{info}/WHEEL"),
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
                .to_owned(),
        ),
        (format!("{info}/RECORD"), String::new()),
    ];
    if !files.iter().any(|(path, _)| *path == init) {
        all.push((init, "VALUE = 1\n".to_owned()));
    }
    all.extend(
        files
            .iter()
            .map(|(path, text)| ((*path).to_owned(), (*text).to_owned())),
    );
    for (path, text) in all {
        zip.start_file(path, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The file name of [`wheel`]`(dist, ..)`.
pub fn wheel_name(dist: &str) -> String {
    format!("{}-1.0-py3-none-any.whl", dist.replace('-', "_"))
}

/// A loopback PEP 691 simple index of one project, `name`, serving `files` (file name,
/// bytes) at `/files/FILE` with their SHA-256 in the listing; 404 otherwise. Returns the
/// base URL (the index is `BASE/simple/`).
pub fn simple_index(name: &'static str, files: Vec<(String, Vec<u8>)>) -> String {
    serve(usize::MAX, move |path| {
        if path == format!("/simple/{name}/") {
            let listed: Vec<serde_json::Value> = files
                .iter()
                .map(|(file, bytes)| {
                    serde_json::json!({
                        "filename": file,
                        "url": format!("/files/{file}"),
                        "hashes": {"sha256": tollgate_registry::Algorithm::Sha256.digest_hex(bytes)},
                        "upload-time": "2024-01-01T00:00:00Z",
                    })
                })
                .collect();
            let page = serde_json::json!({
                "meta": {"api-version": "1.1"},
                "name": name,
                "files": listed,
            });
            return (
                "200 OK",
                "application/vnd.pypi.simple.v1+json",
                page.to_string().into_bytes(),
            );
        }
        for (file, bytes) in &files {
            if path == format!("/files/{file}") {
                return ("200 OK", "application/octet-stream", bytes.clone());
            }
        }
        ("404 Not Found", "text/plain", Vec::new())
    })
}

/// The real interpreter (not a pyenv shim), if python3 with venv and pip runs.
pub fn python() -> Option<PathBuf> {
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys, venv, pip; print(sys.executable)"])
        .output()
        .ok()?;
    let path = String::from_utf8(output.stdout).ok()?;
    output.status.success().then(|| PathBuf::from(path.trim()))
}

/// Whether `module` is installed in the venv at `venv` (any Python version).
pub fn venv_has(venv: &Path, module: &str) -> bool {
    std::fs::read_dir(venv.join("lib"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|python| python.path().join("site-packages").join(module).exists())
}

/// A `bin` directory under `work` for stand-in programs, and a `PATH` that finds them
/// before the real ones.
pub fn fake_bin(work: &Path) -> (PathBuf, String) {
    let bin = work.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir bin");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (bin, path)
}

/// Writes the executable script `bin/name`; returns its path.
pub fn fake_program(bin: &Path, name: &str, script: &str) -> PathBuf {
    let program = bin.join(name);
    std::fs::write(&program, script).expect("fake program");
    std::fs::set_permissions(
        &program,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    program
}
