//! `scan --deep` downloads only from the configured registries. Two loopback servers: the
//! configured npm registry (`NPM_CONFIG_REGISTRY`) and a second port nobody configured. A
//! package-lock entry resolved at the second port, and one whose registry address redirects
//! there, are refused before any request reaches it: each is a `deep-source-refused`
//! finding naming the package, the lockfile and the host, and the scan exits 1. A policy's
//! `[sources] registries` adds its hosts.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// A tarball with a postinstall hook, from the analysis crate's labelled fixtures.
fn tarball() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tollgate-analysis/tests/labelled/built/lab-config-postinstall-1.0.0.tgz");
    std::fs::read(path).unwrap()
}

/// A loopback HTTP server that counts every connection and records each request path.
struct Server {
    base: String,
    connections: Arc<AtomicUsize>,
    paths: Arc<Mutex<Vec<String>>>,
}

/// One answer: status line, extra headers, body.
type Answer = (&'static str, Vec<(String, String)>, Vec<u8>);

impl Server {
    fn start(answer: impl Fn(&str) -> Answer + Send + 'static) -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let paths = Arc::new(Mutex::new(Vec::new()));
        let (seen, recorded) = (connections.clone(), paths.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                seen.fetch_add(1, Ordering::SeqCst);
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                let _ = reader.read_line(&mut request);
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                    line.clear();
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                recorded.lock().unwrap().push(path.clone());
                let (status, headers, body) = answer(&path);
                let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("Connection: close\r\n\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Server {
            base,
            connections,
            paths,
        }
    }

    fn host(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }
}

struct Setup {
    work: tempfile::TempDir,
    project: PathBuf,
    registry: Server,
    other: Server,
}

/// The configured registry serves the tarball and redirects `/bounce/...` to the other
/// server; the other server would serve the tarball to anyone who asked.
fn setup() -> Setup {
    let other = Server::start(|_| ("200 OK", Vec::new(), tarball()));
    let target = format!("{}/bounce/-/bounce-1.0.0.tgz", other.base);
    let registry = Server::start(move |path| {
        if path.starts_with("/bounce/") {
            let location = vec![("Location".to_owned(), target.clone())];
            ("302 Found", location, Vec::new())
        } else if path.ends_with(".tgz") {
            ("200 OK", Vec::new(), tarball())
        } else {
            ("404 Not Found", Vec::new(), Vec::new())
        }
    });
    let work = tempfile::tempdir().unwrap();
    let project = work.path().join("project");
    let entry = |name: &str, base: &str| {
        serde_json::json!({
            "version": "1.0.0",
            "resolved": format!("{base}/{name}/-/{name}-1.0.0.tgz"),
            "hasInstallScript": true,
        })
    };
    let lock = serde_json::json!({
        "name": "project",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": true,
        "packages": {
            "": {
                "name": "project",
                "version": "1.0.0",
                "dependencies": {
                    "lab-config-postinstall": "1.0.0", "far": "1.0.0", "bounce": "1.0.0"
                },
            },
            "node_modules/lab-config-postinstall": entry("lab-config-postinstall", &registry.base),
            "node_modules/far": entry("far", &other.base),
            "node_modules/bounce": entry("bounce", &registry.base),
        },
    });
    common::write(
        &project,
        "package-lock.json",
        &serde_json::to_string_pretty(&lock).unwrap(),
    );
    Setup {
        work,
        project,
        registry,
        other,
    }
}

fn scan(setup: &Setup, args: &[&str]) -> std::process::Output {
    common::tollgate()
        .current_dir(&setup.project)
        .env("HOME", setup.work.path())
        .env("XDG_CACHE_HOME", setup.work.path().join("cache"))
        .env("XDG_CONFIG_HOME", setup.work.path().join("config"))
        .env("NPM_CONFIG_REGISTRY", format!("{}/", setup.registry.base))
        .env_remove("COLUMNS")
        .args(["scan", "--deep", "--allow-missing-db", "--db"])
        .arg(setup.work.path().join("no-db"))
        .args(args)
        .arg(".")
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap()
}

fn findings(output: &std::process::Output, code: &str) -> Vec<Value> {
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .cloned()
        .collect()
}

#[test]
fn a_host_that_is_no_configured_registry_is_refused_with_a_finding() {
    let setup = setup();
    // The `sources` policy check would fail the scan on its own (the lock names
    // registries that are not the public one): off, so the exit status is the refusal's.
    common::write(
        &setup.project,
        "tollgate.toml",
        "[sources]\nlevel = \"allow\"\n",
    );
    let output = scan(&setup, &["--format", "json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "fails closed: {stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let failing: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["deep-source-refused"; 2], "{report:#}");

    assert_eq!(
        setup.other.connections.load(Ordering::SeqCst),
        0,
        "nothing reached the unconfigured server: {:?}",
        setup.other.paths()
    );
    let served = setup.registry.paths();
    assert!(
        served.contains(&"/lab-config-postinstall/-/lab-config-postinstall-1.0.0.tgz".to_owned()),
        "the configured registry's package was downloaded: {served:?}"
    );
    assert!(
        served.contains(&"/bounce/-/bounce-1.0.0.tgz".to_owned()),
        "the redirect was asked for: {served:?}"
    );

    let refused = findings(&output, "deep-source-refused");
    let mut names: Vec<&str> = refused
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["bounce", "far"], "{refused:#?}");
    for finding in &refused {
        assert_eq!(finding["severity"], "high");
        assert!(
            finding["lockfile"]
                .as_str()
                .unwrap()
                .ends_with("package-lock.json"),
            "{finding}"
        );
        let summary = finding["summary"].as_str().unwrap();
        assert!(summary.contains(setup.other.host()), "{summary}");
        assert!(finding["line"].as_u64().is_some(), "{finding}");
    }
    let bounce = refused.iter().find(|f| f["name"] == "bounce").unwrap();
    let evidence = bounce["evidence"][0]["snippet"].as_str().unwrap();
    assert!(evidence.contains("redirected to"), "{evidence}");

    // The configured registry's package was analysed; the refused ones were not, and are
    // not demoted to warnings.
    assert_eq!(findings(&output, "install-code").len(), 1);
    assert!(!stderr.contains("not analysed: "), "{stderr}");
}

#[test]
fn the_table_names_the_refused_package_and_host() {
    let setup = setup();
    let output = scan(&setup, &["--format", "table", "-v"]);
    assert_eq!(output.status.code(), Some(1));
    // `-v` lists the hosts downloads may come from: the configured one, not the other.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let hosts = stderr
        .lines()
        .find(|line| line.starts_with("info: downloads only from"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(hosts.contains(setup.registry.host()), "{hosts}");
    assert!(!hosts.contains(setup.other.host()), "{hosts}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|line| line.contains("deep-source-refused") && line.contains("far"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains("package-lock.json"), "{line}");
    assert!(stdout.contains(setup.other.host()), "{stdout}");
    assert_eq!(setup.other.connections.load(Ordering::SeqCst), 0);
}

#[test]
fn a_policy_source_allows_its_host() {
    let setup = setup();
    common::write(
        &setup.project,
        "tollgate.toml",
        &format!(
            "[sources]\nregistries = {{ npm = [\"{}/\", \"{}/\"] }}\n",
            setup.registry.base, setup.other.base
        ),
    );
    let output = scan(&setup, &["--format", "json"]);
    assert!(
        findings(&output, "deep-source-refused").is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let asked = setup.other.paths();
    assert!(
        asked.contains(&"/far/-/far-1.0.0.tgz".to_owned())
            && asked.contains(&"/bounce/-/bounce-1.0.0.tgz".to_owned()),
        "{asked:?}"
    );
}

#[test]
fn inspect_refuses_a_redirect_to_another_host() {
    let setup = setup();
    let output = common::tollgate()
        .current_dir(&setup.project)
        .env("HOME", setup.work.path())
        .env("XDG_CACHE_HOME", setup.work.path().join("cache"))
        .env("XDG_CONFIG_HOME", setup.work.path().join("config"))
        .env("NPM_CONFIG_REGISTRY", format!("{}/", setup.registry.base))
        .args(["inspect", "pkg:npm/bounce@1.0.0"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(setup.other.host()) && stderr.contains("not a configured registry"),
        "{stderr}"
    );
    assert_eq!(setup.other.connections.load(Ordering::SeqCst), 0);
}

#[test]
fn diff_deep_reports_the_refusal_as_a_new_finding() {
    let setup = setup();
    common::write(
        &setup.project,
        "tollgate.toml",
        "[sources]\nlevel = \"allow\"\n",
    );
    // The base locks only the configured registry's package; the head adds the other two.
    let head = std::fs::read_to_string(setup.project.join("package-lock.json")).unwrap();
    let mut base: Value = serde_json::from_str(&head).unwrap();
    let packages = base["packages"].as_object_mut().unwrap();
    packages.remove("node_modules/far");
    packages.remove("node_modules/bounce");
    common::write(&setup.project, "old/package-lock.json", &base.to_string());
    let output = common::tollgate()
        .current_dir(&setup.project)
        .env("HOME", setup.work.path())
        .env("XDG_CACHE_HOME", setup.work.path().join("cache"))
        .env("XDG_CONFIG_HOME", setup.work.path().join("config"))
        .env("NPM_CONFIG_REGISTRY", format!("{}/", setup.registry.base))
        .args([
            "diff",
            "--deep",
            "--allow-missing-db",
            "--format",
            "json",
            "--db",
        ])
        .arg(setup.work.path().join("no-db"))
        .args(["old/package-lock.json", "package-lock.json"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let changes = json["lockfiles"][0]["changes"].as_array().unwrap();
    for name in ["far", "bounce"] {
        let change = changes
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{json:#}"));
        let codes: Vec<&str> = change["new_findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&"deep-source-refused"), "{name}: {codes:?}");
    }
    assert_eq!(setup.other.connections.load(Ordering::SeqCst), 0);
}
