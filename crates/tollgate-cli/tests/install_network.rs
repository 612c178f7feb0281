//! `tollgate install npm --network-for PACKAGE`: the package's install script gets the
//! registry-only network (tollgate's proxy, the configured registries and `--allow-host`,
//! here the loopback stand-in for a registry),
//! never direct TCP, even on an `--allow-connect` port. Offline: the package is a local
//! tarball, the "registry" and the other server are loopback listeners. Skipped (with a
//! message) when npm is not installed.

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

mod common;
use common::available;

use assert_cmd::Command;
use tempfile::TempDir;

/// A postinstall that asks the proxy for a tunnel to each of `$1 $2` and then connects to
/// `$2` directly, printing what happened to each.
const DOWNLOADER: &str = r#"const http = require('http'), net = require('net');
const [registry, other] = process.argv.slice(2);
const proxy = new URL(process.env.HTTPS_PROXY || 'http://127.0.0.1:1');
function tunnel(target) {
  return new Promise((done) => {
    const request = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: target });
    request.on('connect', (response, socket) => { console.error(`tunnel ${target}: ${response.statusCode}`); socket.destroy(); done(); });
    request.on('error', (error) => { console.error(`tunnel ${target}: ${error.code}`); done(); });
    request.end();
  });
}
function direct(target) {
  return new Promise((done) => {
    const [host, port] = target.split(':');
    const socket = net.connect({ host, port: Number(port) }, () => { console.error(`direct ${target}: connected`); socket.destroy(); done(); });
    socket.on('error', (error) => { console.error(`direct ${target}: ${error.code}`); done(); });
  });
}
(async () => { await tunnel(registry); await tunnel(other); await direct(other); })();
"#;

fn listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (listener, port)
}

/// Packs the `downloader` package (postinstall `node download.js REGISTRY OTHER`) into `work`.
fn pack_downloader(work: &Path, home: &Path, registry: &str, other: &str) {
    let dir = work.join("downloader");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let manifest = format!(
        r#"{{"name":"downloader","version":"1.0.0","scripts":{{"postinstall":"node download.js {registry} {other}"}}}}"#
    );
    std::fs::write(dir.join("package.json"), manifest).expect("manifest");
    std::fs::write(dir.join("download.js"), DOWNLOADER).expect("script");
    let packed = std::process::Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(work)
        .current_dir(&dir)
        .env("HOME", home)
        .status()
        .expect("npm pack");
    assert!(packed.success());
}

#[test]
fn network_for_reaches_the_registry_through_the_proxy_and_nothing_else() {
    if !available("npm") {
        println!("skipped: npm is not installed");
        return;
    }
    let home = TempDir::new().expect("home");
    let work = TempDir::new().expect("work");
    let (_registry, registry_port) = listener();
    let (_other, other_port) = listener();
    let registry = format!("localhost:{registry_port}");
    let other = format!("localhost:{other_port}");
    pack_downloader(work.path(), home.path(), &registry, &other);
    // Outside, the direct connection works (so a refusal inside proves the sandbox).
    let plain = std::process::Command::new("node")
        .arg(work.path().join("downloader/download.js"))
        .args([&registry, &other])
        .env_remove("HTTPS_PROXY")
        .output()
        .expect("node");
    let plain = String::from_utf8_lossy(&plain.stderr);
    assert!(
        plain.contains(&format!("direct {other}: connected")),
        "{plain}"
    );
    let project = work.path().join("project");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::write(
        project.join("package.json"),
        r#"{"name":"victim","version":"1.0.0","private":true,"dependencies":{"downloader":"file:../downloader-1.0.0.tgz"}}"#,
    )
    .expect("package.json");
    let output = Command::cargo_bin("tollgate")
        .expect("binary")
        .env("HOME", home.path())
        .current_dir(&project)
        .args(["install", "--allow-missing-db", "--allow", "downloader"])
        .args(["--network-for", "downloader", "--allow-connect"])
        .arg(other_port.to_string())
        .args(["--allow-host", &registry, "npm", "--allow-read"])
        .arg(work.path())
        .args(["--", "--offline", "--no-audit", "--no-fund"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("tunnel {registry}: 200")),
        "the configured registry is reachable through the proxy: {stderr}"
    );
    assert!(
        stderr.contains("network registry-only, through tollgate's proxy"),
        "{stderr}"
    );
    // `--allow-connect` adds a port to the allowed hosts, not a host: `localhost` is an
    // allowed host, so `localhost:OTHER` is allowed through the proxy, but never directly.
    assert!(
        stderr.contains(&format!("tunnel {other}: 200")),
        "--allow-connect's port on the registry host: {stderr}"
    );
    assert!(
        !stderr.contains(&format!("direct {other}: connected")),
        "ESCAPE: direct TCP from the execute phase: {stderr}"
    );
}

#[test]
fn network_for_refuses_and_reports_a_host_that_is_not_a_registry() {
    if !available("npm") {
        println!("skipped: npm is not installed");
        return;
    }
    let home = TempDir::new().expect("home");
    let work = TempDir::new().expect("work");
    let (_registry, registry_port) = listener();
    let (_other, other_port) = listener();
    let registry = format!("localhost:{registry_port}");
    // Reachable outside (a loopback listener), but not a registry and not allowed.
    let other = format!("127.0.0.1:{other_port}");
    std::net::TcpStream::connect(("127.0.0.1", other_port)).expect("reachable outside");
    pack_downloader(work.path(), home.path(), &registry, &other);
    let project = work.path().join("project");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::write(
        project.join("package.json"),
        r#"{"name":"victim","version":"1.0.0","private":true,"dependencies":{"downloader":"file:../downloader-1.0.0.tgz"}}"#,
    )
    .expect("package.json");
    let output = Command::cargo_bin("tollgate")
        .expect("binary")
        .env("HOME", home.path())
        .current_dir(&project)
        .args(["install", "--allow-missing-db", "--allow", "downloader"])
        .args(["--network-for", "downloader", "--allow-host", &registry])
        .args(["npm", "--allow-read"])
        .arg(work.path())
        .args(["--", "--offline", "--no-audit", "--no-fund"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("tunnel {registry}: 200")),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("tunnel {other}: 403")), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "postinstall of downloader tried to connect to {other} (refused: an IP address, not a configured registry host name)"
        )),
        "the refusal is reported against the package: {stderr}"
    );
    assert!(
        !stderr.contains(&format!("direct {other}: connected")),
        "ESCAPE: direct TCP from the execute phase: {stderr}"
    );
}
