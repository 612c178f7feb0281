//! The execute phase's network (`tollgate install --network-for PACKAGE`,
//! [`Policy::with_registry_network`]): the package's install script reaches the allowed
//! "registry" only through tollgate's proxy, also on an `--allow-connect` port, and nothing
//! else: no direct TCP (not even on the `--allow-connect` port, which used to give any
//! host), no other port or name through the proxy, not the registry's server by address.
//! Every probe is first run outside the sandbox, where it must work (the servers are real);
//! a control shows that the old direct-port policy let the same probe out.

mod common;

use std::process::Output;

use common::Lab;
use common::net::{probe, probe_lab, refused, server};
use tollgate_sandbox::denials::Denial;
use tollgate_sandbox::proxy::AllowedHost;
use tollgate_sandbox::{Cache, Policy};

const NOBODY: u32 = 65534;

/// A lab with three servers: the registry, one on the `--allow-connect` port, one other.
struct Setup {
    lab: Lab,
    registry: u16,
    extra: u16,
    other: u16,
}

fn setup() -> Setup {
    let lab = probe_lab();
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

    /// Runs `script` outside (must succeed), then `inside` in the execute phase's policy,
    /// with its denials.
    fn both(&self, script: &str, inside: &str, uid: Option<u32>) -> (Output, Vec<Denial>) {
        self.lab.both(self.policy(), script, inside, uid)
    }

    fn inside(&self, policy: Policy, script: &str, uid: Option<u32>) -> (Output, Vec<Denial>) {
        common::run_in(&common::full_plan(policy), script, uid)
    }
}

#[test]
fn no_direct_tcp_even_on_the_allow_connect_port() {
    let setup = setup();
    let script = probe("direct", "localhost", setup.extra);
    // Control: the policy `--network-for` used to get lets the probe out (any host).
    let (old, _) = setup.inside(setup.direct_policy(), &script, None);
    assert!(
        old.status.success(),
        "control: the direct-port policy reaches the server: {}",
        String::from_utf8_lossy(&old.stderr)
    );
    let (output, _) = setup.both(&script, &script, None);
    assert!(
        !output.status.success(),
        "ESCAPE: direct TCP on the --allow-connect port"
    );
    for port in [setup.registry, setup.other] {
        let script = probe("direct", "127.0.0.1", port);
        let (output, _) = setup.both(&script, &script, None);
        assert!(!output.status.success(), "ESCAPE: direct TCP to {port}");
    }
}

#[test]
fn the_registry_is_reached_through_the_proxy_also_on_the_extra_port() {
    let setup = setup();
    for (port, body) in [(setup.registry, "registry-ok"), (setup.extra, "extra-ok")] {
        let (output, denials) = setup.both(
            &probe("direct", "localhost", port),
            &probe("tunnel", "localhost", port),
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
            &probe("direct", "localhost", other),
            &probe(mode, "localhost", other),
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
    let script = probe("direct", "localhost", setup.extra);
    let (output, _) = setup.both(&script, &script, Some(NOBODY));
    assert!(
        !output.status.success(),
        "ESCAPE: direct TCP as uid {NOBODY}"
    );
}
