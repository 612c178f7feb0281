//! The execute phase's network (`tollgate install --network-for PACKAGE`,
//! [`Policy::with_registry_network`]): the package's install script reaches the allowed
//! "registry" only through tollgate's proxy, also on an `--allow-connect` port, and nothing
//! else: no direct TCP (not even on the `--allow-connect` port, which used to give any
//! host), no other port or name through the proxy, not the registry's server by address.
//! Every probe is first run outside the sandbox, where it must work (the servers are real);
//! a control shows that the old direct-port policy let the same probe out.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Output;

use common::Lab;
use tollgate_sandbox::denials::{Denial, DenialKind};
use tollgate_sandbox::proxy::AllowedHost;
use tollgate_sandbox::{Cache, KernelSupport, Plan, Policy};

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

/// A lab with three servers: the registry, one on the `--allow-connect` port, one other.
struct Setup {
    lab: Lab,
    registry: u16,
    extra: u16,
    other: u16,
}

fn setup() -> Setup {
    let lab = Lab::new();
    std::fs::write(
        lab.project.path().join("net_probe.py"),
        include_str!("fixtures/net_probe.py"),
    )
    .expect("probe");
    std::fs::create_dir_all(lab.project.path().join("node_modules")).expect("node_modules");
    Setup {
        lab,
        registry: server("registry-ok"),
        extra: server("extra-ok"),
        other: server("other-ok"),
    }
}

impl Setup {
    /// The offline execute-phase policy of npm (`node_modules` the only output, npm's cache
    /// read-only) with `--allow-connect EXTRA`, as the CLI had it before the proxy.
    fn direct_policy(&self) -> Policy {
        let mut policy = self.lab.policy();
        policy.outputs = Some(vec!["node_modules".into()]);
        policy.caches = vec![Cache::NpmRebuild];
        policy.connect_ports = vec![self.extra];
        policy
    }

    /// What `--network-for` gets now: the registry only, through the proxy.
    fn policy(&self) -> Policy {
        let registry = AllowedHost {
            host: "localhost".into(),
            port: self.registry,
        };
        self.direct_policy()
            .with_registry_network(&[registry], &[self.extra])
    }

    fn probe(mode: &str, host: &str, port: u16) -> String {
        format!("python3 net_probe.py {mode} {host} {port}")
    }

    /// Runs `script` outside (must succeed), then inside `policy`, with its denials.
    fn both(&self, script: &str, inside: &str, uid: Option<u32>) -> (Output, Vec<Denial>) {
        let plain = self.lab.outside_as(script, uid);
        assert!(
            plain.status.success(),
            "the probe must work outside the sandbox to prove anything: {script}\n{}",
            String::from_utf8_lossy(&plain.stderr)
        );
        self.inside(self.policy(), inside, uid)
    }

    fn inside(&self, policy: Policy, script: &str, uid: Option<u32>) -> (Output, Vec<Denial>) {
        let plan = Plan::new(policy, KernelSupport::probe()).expect("plan");
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
        "ESCAPE: reached {target} from the execute phase\n{}",
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
fn no_direct_tcp_even_on_the_allow_connect_port() {
    let setup = setup();
    let probe = Setup::probe("direct", "localhost", setup.extra);
    // Control: the policy `--network-for` used to get lets the probe out (any host).
    let (old, _) = setup.inside(setup.direct_policy(), &probe, None);
    assert!(
        old.status.success(),
        "control: the direct-port policy reaches the server: {}",
        String::from_utf8_lossy(&old.stderr)
    );
    let (output, _) = setup.both(&probe, &probe, None);
    assert!(
        !output.status.success(),
        "ESCAPE: direct TCP on the --allow-connect port"
    );
    for port in [setup.registry, setup.other] {
        let probe = Setup::probe("direct", "127.0.0.1", port);
        let (output, _) = setup.both(&probe, &probe, None);
        assert!(!output.status.success(), "ESCAPE: direct TCP to {port}");
    }
}

#[test]
fn the_registry_is_reached_through_the_proxy_also_on_the_extra_port() {
    let setup = setup();
    for (port, body) in [(setup.registry, "registry-ok"), (setup.extra, "extra-ok")] {
        let (output, denials) = setup.both(
            &Setup::probe("direct", "localhost", port),
            &Setup::probe("tunnel", "localhost", port),
            None,
        );
        assert!(
            output.status.success(),
            "CONNECT localhost:{port} works: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stdout).contains(body));
        assert!(denials.is_empty(), "{denials:?}");
    }
}

#[test]
fn another_host_or_port_through_the_proxy_is_refused_and_reported() {
    let setup = setup();
    let other = setup.other;
    for mode in ["tunnel", "get"] {
        let (output, denials) = setup.both(
            &Setup::probe("direct", "localhost", other),
            &Setup::probe(mode, "localhost", other),
            None,
        );
        refused(
            &output,
            &denials,
            &format!("localhost:{other}"),
            "not a configured registry",
        );
    }
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
    let probe = Setup::probe("direct", "localhost", setup.extra);
    let (output, _) = setup.both(&probe, &probe, Some(NOBODY));
    assert!(
        !output.status.success(),
        "ESCAPE: direct TCP as uid {NOBODY}"
    );
}
