//! Registry-only network (`Policy::allow_hosts`): the sandbox reaches an allowed loopback
//! "registry" through tollgate's proxy, and nothing else: not another port or name, not
//! the same server by IP address, not anything directly, not UDP. Every probe is first run
//! outside the sandbox, where it must work (the servers are real), so that a failure
//! inside proves the sandbox stopped it. As root, the refusals are repeated as uid 65534.

mod common;

use std::net::UdpSocket;
use std::process::Output;
use std::time::Duration;

use common::Lab;
use common::net::{probe, probe_lab, server};
use tollgate_sandbox::Policy;
use tollgate_sandbox::denials::Denial;
use tollgate_sandbox::proxy::AllowedHost;

const NOBODY: u32 = 65534;

struct Setup {
    lab: Lab,
    registry: u16,
    other: u16,
}

fn setup() -> Setup {
    Setup {
        lab: probe_lab(),
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

    /// Runs `outside` outside (must succeed) and returns what `inside` does inside, with
    /// the proxy's denials.
    fn both(&self, outside: &str, inside: &str, uid: Option<u32>) -> (Output, Vec<Denial>) {
        self.lab.both(self.policy(), outside, inside, uid)
    }

    fn inside(&self, script: &str, uid: Option<u32>) -> (Output, Vec<Denial>) {
        common::run_in(&common::full_plan(self.policy()), script, uid)
    }
}

/// Refused and recorded, and answered by the proxy with `403`.
fn refused(output: &Output, denials: &[Denial], target: &str, why: &str) {
    common::net::refused(output, denials, target, why);
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("403"),
        "the proxy answers 403: {}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn the_allowed_registry_is_reached_through_the_proxy_only() {
    let setup = setup();
    let port = setup.registry;
    let (output, denials) = setup.both(
        &probe("direct", "localhost", port),
        &probe("tunnel", "localhost", port),
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
    let (output, _) = setup.inside(&probe("get", "localhost", port), None);
    assert!(
        output.status.success(),
        "GET through the proxy works: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    // The same registry, directly: the namespace has no way out but the proxy.
    let (output, _) = setup.inside(&probe("direct", "localhost", port), None);
    assert!(!output.status.success(), "ESCAPE: direct connection worked");
}

#[test]
fn another_port_or_name_is_refused_and_reported() {
    let setup = setup();
    let other = setup.other;
    let (output, denials) = setup.both(
        &probe("direct", "localhost", other),
        &probe("tunnel", "localhost", other),
        None,
    );
    refused(
        &output,
        &denials,
        &format!("localhost:{other}"),
        "not a configured registry",
    );
    let (output, denials) = setup.both(
        &probe("direct", "localhost", other),
        &probe("get", "localhost", other),
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
    let (output, denials) = setup.inside(&probe("tunnel", "evil.example", setup.registry), None);
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
        &probe("direct", "127.0.0.1", port),
        &probe("tunnel", "127.0.0.1", port),
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
    let script = probe("udp", "127.0.0.1", port);
    assert!(setup.lab.outside(&script).status.success());
    let mut buffer = [0u8; 64];
    let received = receiver.recv(&mut buffer).expect("received outside");
    assert_eq!(&buffer[..received], b"udp-probe");
    let _ = setup.inside(&script, None);
    assert!(
        receiver.recv(&mut buffer).is_err(),
        "ESCAPE: a datagram from inside the sandbox arrived"
    );
    // TCP past the proxy: the registry directly, by address.
    let (output, _) = setup.both(
        &probe("direct", "127.0.0.1", setup.registry),
        &probe("direct", "127.0.0.1", setup.registry),
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
        &probe("direct", "localhost", other),
        &probe("tunnel", "localhost", other),
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
        &probe("direct", "127.0.0.1", port),
        &probe("tunnel", "127.0.0.1", port),
        Some(NOBODY),
    );
    refused(
        &output,
        &denials,
        &format!("127.0.0.1:{port}"),
        "an IP address, not a configured registry host name",
    );
    let (output, _) = setup.inside(&probe("tunnel", "localhost", port), Some(NOBODY));
    assert!(
        output.status.success(),
        "the allowed registry works as uid {NOBODY}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
