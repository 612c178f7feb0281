//! Registry-only network (`Policy::allow_hosts`): the sandbox reaches an allowed loopback
//! "registry" through tollgate's proxy, and nothing else: not another port or name, not
//! the same server by IP address, not anything directly, not UDP. Every probe is first run
//! outside the sandbox, where it must work (the servers are real), so that a failure
//! inside proves the sandbox stopped it. As root, the refusals are repeated as uid 65534.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::process::Output;
use std::time::Duration;

use common::Lab;
use tollgate_sandbox::denials::{Denial, DenialKind};
use tollgate_sandbox::proxy::AllowedHost;
use tollgate_sandbox::{KernelSupport, Plan, Policy};

const NOBODY: u32 = 65534;

/// A loopback HTTP server answering every request with `body`; returns its port.
fn server(body: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut request = Vec::new();
                let mut byte = [0u8; 1];
                while !request.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut byte) {
                        Ok(1) => request.push(byte[0]),
                        _ => return,
                    }
                }
                let _ = write!(
                    stream,
                    "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    port
}

struct Setup {
    lab: Lab,
    registry: u16,
    other: u16,
}

fn setup() -> Setup {
    let lab = Lab::new();
    std::fs::write(
        lab.project.path().join("net_probe.py"),
        include_str!("fixtures/net_probe.py"),
    )
    .expect("probe");
    Setup {
        lab,
        registry: server("registry-ok"),
        other: server("other-ok"),
    }
}

impl Setup {
    fn policy(&self) -> Policy {
        let mut policy = self.lab.policy();
        policy.allow_hosts = vec![AllowedHost {
            host: "localhost".into(),
            port: self.registry,
        }];
        policy
    }

    fn probe(mode: &str, host: &str, port: u16) -> String {
        format!("python3 net_probe.py {mode} {host} {port}")
    }

    /// Runs `script` outside (must succeed) and returns what it does inside, with the
    /// proxy's denials.
    fn both(&self, outside: &str, inside: &str, uid: Option<u32>) -> (Output, Vec<Denial>) {
        let plain = self.lab.outside_as(outside, uid);
        assert!(
            plain.status.success(),
            "the probe must work outside the sandbox to prove anything: {outside}\n{}",
            String::from_utf8_lossy(&plain.stderr)
        );
        self.inside(inside, uid)
    }

    fn inside(&self, script: &str, uid: Option<u32>) -> (Output, Vec<Denial>) {
        let plan = Plan::new(self.policy(), KernelSupport::probe()).expect("plan");
        plan.check()
            .expect("this machine must support the full sandbox");
        let mut command = plan
            .command("/bin/bash".as_ref(), ["-c", script])
            .expect("command");
        if let Some(uid) = uid {
            use std::os::unix::process::CommandExt;
            command.uid(uid).gid(uid);
        }
        let output = command.output().expect("run inside");
        let denials = plan.denials(&String::from_utf8_lossy(&output.stderr));
        (output, denials)
    }
}

fn refused(output: &Output, denials: &[Denial], target: &str, why: &str) {
    assert!(
        !output.status.success(),
        "ESCAPE: reached {target} inside the sandbox\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("403"),
        "the proxy answers 403: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        denials.iter().any(|denial| denial.kind == DenialKind::Host
            && denial.target.as_deref() == Some(target)
            && denial.why.as_deref() == Some(why)),
        "denial of {target} ({why}) recorded: {denials:?}"
    );
}

#[test]
fn the_allowed_registry_is_reached_through_the_proxy_only() {
    let setup = setup();
    let port = setup.registry;
    let (output, denials) = setup.both(
        &Setup::probe("direct", "localhost", port),
        &Setup::probe("tunnel", "localhost", port),
        None,
    );
    assert!(
        output.status.success(),
        "CONNECT to the allowed registry works: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("registry-ok"));
    assert!(denials.is_empty(), "{denials:?}");
    // Plain HTTP (an http:// registry) through the proxy, as absolute-URI GET.
    let (output, _) = setup.inside(&Setup::probe("get", "localhost", port), None);
    assert!(
        output.status.success(),
        "GET through the proxy works: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    // The same registry, directly: the namespace has no way out but the proxy.
    let (output, _) = setup.inside(&Setup::probe("direct", "localhost", port), None);
    assert!(!output.status.success(), "ESCAPE: direct connection worked");
}

#[test]
fn another_port_or_name_is_refused_and_reported() {
    let setup = setup();
    let other = setup.other;
    let (output, denials) = setup.both(
        &Setup::probe("direct", "localhost", other),
        &Setup::probe("tunnel", "localhost", other),
        None,
    );
    refused(
        &output,
        &denials,
        &format!("localhost:{other}"),
        "not a configured registry",
    );
    let (output, denials) = setup.both(
        &Setup::probe("direct", "localhost", other),
        &Setup::probe("get", "localhost", other),
        None,
    );
    refused(
        &output,
        &denials,
        &format!("localhost:{other}"),
        "not a configured registry",
    );
    // A name that is not allowed, even on the registry's port (resolved by tollgate, so it
    // never needs to exist).
    let (output, denials) = setup.inside(
        &Setup::probe("tunnel", "evil.example", setup.registry),
        None,
    );
    refused(
        &output,
        &denials,
        &format!("evil.example:{}", setup.registry),
        "not a configured registry",
    );
    let shown = denials[0].to_string();
    assert_eq!(
        shown,
        format!(
            "tried to connect to evil.example:{} (refused: not a configured registry)",
            setup.registry
        )
    );
}

#[test]
fn an_ip_literal_is_refused_even_for_the_registry_server() {
    let setup = setup();
    let port = setup.registry;
    let (output, denials) = setup.both(
        &Setup::probe("direct", "127.0.0.1", port),
        &Setup::probe("tunnel", "127.0.0.1", port),
        None,
    );
    refused(
        &output,
        &denials,
        &format!("127.0.0.1:{port}"),
        "an IP address, not a configured registry host name",
    );
}

#[test]
fn udp_and_direct_tcp_go_nowhere() {
    let setup = setup();
    let receiver = UdpSocket::bind("127.0.0.1:0").expect("udp bind");
    receiver
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    let port = receiver.local_addr().expect("addr").port();
    let probe = Setup::probe("udp", "127.0.0.1", port);
    assert!(setup.lab.outside(&probe).status.success());
    let mut buffer = [0u8; 64];
    let received = receiver.recv(&mut buffer).expect("received outside");
    assert_eq!(&buffer[..received], b"udp-probe");
    let _ = setup.inside(&probe, None);
    assert!(
        receiver.recv(&mut buffer).is_err(),
        "ESCAPE: a datagram from inside the sandbox arrived"
    );
    // TCP past the proxy: the registry directly, by address.
    let (output, _) = setup.both(
        &Setup::probe("direct", "127.0.0.1", setup.registry),
        &Setup::probe("direct", "127.0.0.1", setup.registry),
        None,
    );
    assert!(!output.status.success(), "ESCAPE: direct TCP worked");
}

#[test]
fn refusals_hold_as_an_ordinary_user() {
    let setup = setup();
    if !setup.lab.outside("test \"$(id -u)\" = 0").status.success() {
        println!("skipped: the tests must run as root to start payloads as uid {NOBODY}");
        return;
    }
    let other = setup.other;
    let (output, denials) = setup.both(
        &Setup::probe("direct", "localhost", other),
        &Setup::probe("tunnel", "localhost", other),
        Some(NOBODY),
    );
    refused(
        &output,
        &denials,
        &format!("localhost:{other}"),
        "not a configured registry",
    );
    let port = setup.registry;
    let (output, denials) = setup.both(
        &Setup::probe("direct", "127.0.0.1", port),
        &Setup::probe("tunnel", "127.0.0.1", port),
        Some(NOBODY),
    );
    refused(
        &output,
        &denials,
        &format!("127.0.0.1:{port}"),
        "an IP address, not a configured registry host name",
    );
    let (output, _) = setup.inside(&Setup::probe("tunnel", "localhost", port), Some(NOBODY));
    assert!(
        output.status.success(),
        "the allowed registry works as uid {NOBODY}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
