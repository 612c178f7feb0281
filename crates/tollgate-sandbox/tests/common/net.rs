//! What the network escape tests share (`escape_proxy.rs`, `escape_execute_network.rs`):
//! loopback HTTP servers to reach, the probe script (`fixtures/net_probe.py`), and the
//! check that the proxy refused and recorded a connection.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Output;

use tollgate_sandbox::denials::{Denial, DenialKind};

use super::Lab;

/// A loopback HTTP server answering every request with `body`; returns its port.
pub fn server(body: &'static str) -> u16 {
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

/// A lab whose project holds the probe script.
pub fn probe_lab() -> Lab {
    let lab = Lab::new();
    std::fs::write(
        lab.project.path().join("net_probe.py"),
        include_str!("../fixtures/net_probe.py"),
    )
    .expect("probe");
    lab
}

/// The probe's command line: `mode` is `direct`, `tunnel`, `get` or `udp`.
pub fn probe(mode: &str, host: &str, port: u16) -> String {
    format!("python3 net_probe.py {mode} {host} {port}")
}

/// Asserts that the probe failed inside and that the proxy recorded refusing `target`
/// for `why`.
pub fn refused(output: &Output, denials: &[Denial], target: &str, why: &str) {
    assert!(
        !output.status.success(),
        "ESCAPE: reached {target} inside the sandbox\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        denials.iter().any(|denial| denial.kind == DenialKind::Host
            && denial.target.as_deref() == Some(target)
            && denial.why.as_deref() == Some(why)),
        "denial of {target} ({why}) recorded: {denials:?}"
    );
}
