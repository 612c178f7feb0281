//! Registry-only network: an HTTP proxy that tollgate runs outside the sandbox and that is
//! the only thing the sandboxed command can reach.
//!
//! Design (why this one): the sandboxed command gets a new network namespace of its own,
//! whose only interface is its loopback. Its first process brings that loopback up, makes a
//! TCP listening socket on `127.0.0.1:`[`PORT`] *inside* the namespace and hands the
//! descriptor to tollgate over a unix socket pair (`SCM_RIGHTS`, see `launch.rs`). tollgate
//! accepts on it from a thread in its own, host, network namespace: the accepted connection
//! belongs to the sandbox's namespace, the connection tollgate opens to a registry belongs
//! to the host's. So no forwarder runs inside, no socket file is mounted into the view, no
//! veth or routing is needed, and there is no route out but this one: UDP, DNS and any
//! direct TCP connection meet an empty namespace (`ENETUNREACH`), and Landlock allows TCP
//! connect to [`PORT`] only. Package managers are pointed at it by `HTTPS_PROXY` and
//! friends ([`environment`]).
//!
//! The proxy accepts `CONNECT host:port` (TLS stays end to end, tollgate sees no content)
//! and, for `http://` registries, `GET`/`HEAD` with an absolute URI; only to an
//! [`AllowedHost`], matched by exact host name and port. A host that is not allowed, an IP
//! address that the configuration does not itself name, anything else, gets `403` and is
//! recorded as a [`Denial`] (read back with [`Plan::denials`](crate::Plan::denials)). Names
//! are resolved by tollgate, outside, so the sandbox needs no DNS.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::denials::{Denial, DenialKind};

/// The proxy's port on the sandbox's own loopback (the namespace is empty, so it is free).
pub const PORT: u16 = 3128;

/// Largest request head accepted (request line and headers).
const MAX_HEAD: usize = 16 * 1024;

/// Connections served at once; more get `503` (a runaway loop cannot exhaust threads).
const MAX_CONNECTIONS: usize = 128;

/// At most this many denials are kept per command.
const MAX_DENIALS: usize = 200;

/// How long a client may take to send its request head, and a registry to accept.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A host the proxy lets the sandbox reach: exact name (or address, when the configuration
/// names one) and port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AllowedHost {
    /// Host name, lower case, without brackets for an IPv6 address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl AllowedHost {
    /// The host and port of an `http://` or `https://` URL (`sparse+` prefix allowed);
    /// `None` for another scheme or a malformed authority.
    pub fn from_url(url: &str) -> Option<AllowedHost> {
        let url = url.trim().trim_start_matches("sparse+");
        let (scheme, rest) = url.split_once("://")?;
        let default_port = match scheme.to_ascii_lowercase().as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let authority = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
        let (host, port) = split_authority(authority, Some(default_port))?;
        Some(AllowedHost { host, port })
    }

    /// `HOST` (ports 443 and 80) or `HOST:PORT`, as given to `--allow-host`.
    pub fn parse(spec: &str) -> Option<Vec<AllowedHost>> {
        match split_authority(spec.trim(), None) {
            Some((host, port)) => Some(vec![AllowedHost { host, port }]),
            None => {
                let (host, _) = split_authority(spec.trim(), Some(443))?;
                Some(
                    [443, 80]
                        .map(|port| AllowedHost {
                            host: host.clone(),
                            port,
                        })
                        .to_vec(),
                )
            }
        }
    }
}

impl std::fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// `host:port` (or `[v6]:port`) split and checked: the host lower-cased, made only of
/// letters, digits, `.`, `-`, `_` (or an IPv6 address in brackets). Without a port,
/// `default_port` is used, or `None` returned when there is none.
fn split_authority(authority: &str, default_port: Option<u16>) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, tail) = rest.split_once(']')?;
        host.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match tail.strip_prefix(':') {
            Some(port) => Some(port),
            None if tail.is_empty() => None,
            None => return None,
        };
        (host, port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(port) => port.parse::<u16>().ok().filter(|&port| port != 0)?,
        None => default_port?,
    };
    let valid = !host.is_empty()
        && (host.contains(':')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')));
    valid.then(|| (host.to_ascii_lowercase(), port))
}

/// Variables that point package managers, git and curl at the proxy, and clear the
/// exceptions the user's environment may carry (which would send traffic around it, into
/// the empty namespace).
pub(crate) fn environment() -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    let url = format!("http://127.0.0.1:{PORT}");
    let mut set: Vec<(std::ffi::OsString, std::ffi::OsString)> = [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "npm_config_proxy",
        "npm_config_https_proxy",
        "YARN_HTTP_PROXY",
        "YARN_HTTPS_PROXY",
        "PIP_PROXY",
        "CARGO_HTTP_PROXY",
    ]
    .iter()
    .map(|name| ((*name).into(), url.clone().into()))
    .collect();
    for name in ["NO_PROXY", "no_proxy", "npm_config_noproxy"] {
        set.push((name.into(), "".into()));
    }
    set
}

/// The proxy of one plan: what it allows and what it refused.
#[derive(Debug)]
pub(crate) struct Proxy {
    allowed: Arc<Vec<AllowedHost>>,
    denials: Arc<Mutex<Vec<Denial>>>,
}

impl Proxy {
    pub(crate) fn new(allowed: Vec<AllowedHost>) -> Proxy {
        Proxy {
            allowed: Arc::new(allowed),
            denials: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Serves the sandbox at the other end of `channel`: a thread waits for the listening
    /// socket and the sandbox's lifetime descriptor (sent by the sandbox's first process),
    /// then accepts until every process of the sandbox has ended. If the sandbox never
    /// sends them (the command was not started, or failed first), the thread ends when the
    /// channel closes.
    pub(crate) fn serve(&self, channel: UnixStream) {
        let allowed = Arc::clone(&self.allowed);
        let denials = Arc::clone(&self.denials);
        std::thread::spawn(move || {
            let Ok((listener, lifetime)) = crate::launch::receive_listener(&channel) else {
                return;
            };
            drop(channel);
            accept_until_ended(&listener, &lifetime, &allowed, &denials);
        });
    }

    /// The denials recorded since the last call (one plan runs its commands one by one).
    pub(crate) fn take_denials(&self) -> Vec<Denial> {
        self.denials
            .lock()
            .map(|mut denials| std::mem::take(&mut *denials))
            .unwrap_or_default()
    }
}

fn accept_until_ended(
    listener: &TcpListener,
    lifetime: &OwnedFd,
    allowed: &Arc<Vec<AllowedHost>>,
    denials: &Arc<Mutex<Vec<Denial>>>,
) {
    let active = Arc::new(AtomicUsize::new(0));
    while let Ok(true) = crate::launch::wait_for_connection(listener, lifetime) {
        let Ok((client, _)) = listener.accept() else {
            continue;
        };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            let _ = (&client).write_all(b"HTTP/1.1 503 Service Unavailable\r\n\r\n");
            continue;
        }
        let allowed = Arc::clone(allowed);
        let denials = Arc::clone(denials);
        let active = Arc::clone(&active);
        std::thread::spawn(move || {
            // A failed relay is the client's or the registry's business: it sees the error.
            let _ = handle(client, &allowed, &denials);
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// What a request asks for.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    /// `CONNECT`: a tunnel. Otherwise a plain HTTP request, forwarded with this origin-form
    /// request line.
    tunnel: bool,
    host: String,
    port: u16,
    /// For plain HTTP: `METHOD /path VERSION`.
    origin_line: String,
}

/// Why a request is refused (the `403` and the recorded denial).
#[derive(Debug, PartialEq, Eq)]
struct Refusal {
    target: String,
    why: String,
}

/// Reads the request line: a CONNECT to an allowed host, or a GET/HEAD of an absolute
/// `http://` URI on one.
fn parse_request_line(line: &str, allowed: &[AllowedHost]) -> Result<Request, Refusal> {
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal {
            target: line.chars().take(200).collect(),
            why: "not an HTTP proxy request".to_owned(),
        });
    };
    let refuse = |why: &str| Refusal {
        target: target.chars().take(200).collect(),
        why: why.to_owned(),
    };
    let (tunnel, authority, path) = match method {
        "CONNECT" => (true, target, ""),
        "GET" | "HEAD" => {
            let Some(rest) = target.strip_prefix("http://") else {
                return Err(refuse(
                    "only CONNECT and GET/HEAD of an http:// URL are proxied",
                ));
            };
            let (authority, path) = match rest.find(['/', '?']) {
                Some(at) => rest.split_at(at),
                None => (rest, "/"),
            };
            (false, authority, path)
        }
        _ => {
            return Err(refuse(
                "only CONNECT and GET/HEAD of an http:// URL are proxied",
            ));
        }
    };
    if authority.contains('@') {
        return Err(refuse("credentials in the proxy request"));
    }
    let default_port = (!tunnel).then_some(80);
    let Some((host, port)) = split_authority(authority, default_port) else {
        return Err(refuse("malformed host"));
    };
    if !allowed
        .iter()
        .any(|entry| entry.host == host && entry.port == port)
    {
        let why = if host.parse::<IpAddr>().is_ok() {
            "an IP address, not a configured registry host name"
        } else {
            "not a configured registry"
        };
        return Err(Refusal {
            target: AllowedHost { host, port }.to_string(),
            why: why.to_owned(),
        });
    }
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_owned()
    };
    Ok(Request {
        tunnel,
        host,
        port,
        origin_line: format!("{method} {path} {version}"),
    })
}

fn handle(
    client: TcpStream,
    allowed: &[AllowedHost],
    denials: &Mutex<Vec<Denial>>,
) -> io::Result<()> {
    client.set_read_timeout(Some(TIMEOUT))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let read = (&mut reader)
            .take((MAX_HEAD - before) as u64)
            .read_until(b'\n', &mut head)?;
        if read == 0 {
            return Ok(());
        }
        if matches!(&head[before..], b"\r\n" | b"\n") {
            if before == 0 {
                head.clear(); // blank lines before the request line are allowed
                continue;
            }
            break;
        }
        if head.len() >= MAX_HEAD {
            return respond(&client, "431 Request Header Fields Too Large");
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default().trim_end_matches('\r');
    let request = match parse_request_line(request_line, allowed) {
        Ok(request) => request,
        Err(refusal) => {
            record(denials, refusal);
            return respond(&client, "403 Forbidden");
        }
    };
    let Some(upstream) = connect(&request.host, request.port) else {
        return respond(&client, "502 Bad Gateway");
    };
    let mut upstream_writer = upstream.try_clone()?;
    if request.tunnel {
        (&client).write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    } else {
        // Hop-by-hop headers go; `Connection: close` keeps the client from sending its next
        // request, perhaps for another host, down this connection.
        let mut forwarded = format!("{}\r\n", request.origin_line);
        for header in lines {
            let header = header.trim_end_matches('\r');
            let name = header.split(':').next().unwrap_or_default().trim();
            if header.is_empty()
                || [
                    "proxy-connection",
                    "proxy-authorization",
                    "connection",
                    "keep-alive",
                ]
                .iter()
                .any(|hop| name.eq_ignore_ascii_case(hop))
            {
                continue;
            }
            forwarded.push_str(header);
            forwarded.push_str("\r\n");
        }
        forwarded.push_str("Connection: close\r\n\r\n");
        upstream_writer.write_all(forwarded.as_bytes())?;
    }
    client.set_read_timeout(None)?;
    // Bytes the client sent after its head (a TLS hello) are in the reader's buffer.
    let buffered = reader.buffer().to_vec();
    upstream_writer.write_all(&buffered)?;
    let mut client_writer = client.try_clone()?;
    let mut from_upstream = upstream.try_clone()?;
    let down = std::thread::spawn(move || {
        let _ = io::copy(&mut from_upstream, &mut client_writer);
        let _ = client_writer.shutdown(std::net::Shutdown::Write);
    });
    let mut from_client = reader.into_inner();
    let _ = io::copy(&mut from_client, &mut upstream_writer);
    let _ = upstream_writer.shutdown(std::net::Shutdown::Write);
    let _ = down.join();
    Ok(())
}

/// Connects to `host:port`, resolved here, outside the sandbox.
fn connect(host: &str, port: u16) -> Option<TcpStream> {
    let addresses = (host, port).to_socket_addrs().ok()?;
    addresses
        .into_iter()
        .find_map(|address| TcpStream::connect_timeout(&address, TIMEOUT).ok())
}

fn respond(mut client: &TcpStream, status: &str) -> io::Result<()> {
    write!(
        client,
        "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    client.flush()
}

/// Keeps a refusal (before the `403` goes out, so it is recorded by the time the client
/// can react to it), once per target.
fn record(denials: &Mutex<Vec<Denial>>, refusal: Refusal) {
    let Ok(mut denials) = denials.lock() else {
        return;
    };
    if denials.len() >= MAX_DENIALS
        || denials
            .iter()
            .any(|seen| seen.target.as_deref() == Some(refusal.target.as_str()))
    {
        return;
    }
    denials.push(Denial {
        kind: DenialKind::Host,
        line: format!("proxy refused {}: {}", refusal.target, refusal.why),
        target: Some(refusal.target),
        why: Some(refusal.why),
        program: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<AllowedHost> {
        let mut hosts = vec![
            AllowedHost::from_url("https://registry.npmjs.org/").expect("npm"),
            AllowedHost::from_url("http://127.0.0.1:4873/").expect("ip"),
        ];
        hosts.extend(AllowedHost::parse("Mirror.Example").expect("mirror"));
        hosts
    }

    #[test]
    fn urls_and_flags_become_host_and_port() {
        assert_eq!(
            AllowedHost::from_url("sparse+https://user@Index.Crates.io/x"),
            Some(AllowedHost {
                host: "index.crates.io".into(),
                port: 443
            })
        );
        assert_eq!(
            AllowedHost::from_url("http://[::1]:8080/simple/")
                .map(|h| h.to_string())
                .as_deref(),
            Some("[::1]:8080")
        );
        assert_eq!(AllowedHost::from_url("git+ssh://github.com/x"), None);
        assert_eq!(
            AllowedHost::parse("a.example:8443").map(|v| v.len()),
            Some(1)
        );
        assert_eq!(AllowedHost::parse("a.example").map(|v| v.len()), Some(2));
        assert_eq!(AllowedHost::parse("bad host"), None);
        assert_eq!(AllowedHost::parse("a.example:0"), None);
    }

    #[test]
    fn connect_only_to_allowed_names_and_ports() {
        let allowed = allowed();
        let ok = parse_request_line("CONNECT registry.npmjs.org:443 HTTP/1.1", &allowed)
            .expect("allowed");
        assert!(ok.tunnel);
        assert!(parse_request_line("CONNECT REGISTRY.npmjs.org:443 HTTP/1.1", &allowed).is_ok());
        let refused = |line: &str| parse_request_line(line, &allowed).expect_err(line);
        assert_eq!(
            refused("CONNECT evil.example:443 HTTP/1.1"),
            Refusal {
                target: "evil.example:443".into(),
                why: "not a configured registry".into()
            }
        );
        assert_eq!(
            refused("CONNECT registry.npmjs.org:22 HTTP/1.1").why,
            "not a configured registry"
        );
        assert_eq!(
            refused("CONNECT 104.16.0.35:443 HTTP/1.1").why,
            "an IP address, not a configured registry host name"
        );
        // The configuration names this address itself.
        assert!(parse_request_line("GET http://127.0.0.1:4873/pkg HTTP/1.1", &allowed).is_ok());
        refused("CONNECT registry.npmjs.org.:443 HTTP/1.1");
        refused("CONNECT user@registry.npmjs.org:443 HTTP/1.1");
        refused("CONNECT registry.npmjs.org HTTP/1.1");
        refused("POST http://127.0.0.1:4873/ HTTP/1.1");
        refused("GET https://registry.npmjs.org/ HTTP/1.1");
        refused("GET / HTTP/1.1");
        refused("garbage");
    }

    #[test]
    fn plain_http_is_forwarded_in_origin_form() {
        let request = parse_request_line("GET http://mirror.example/a/b?c HTTP/1.1", &allowed())
            .expect("allowed");
        assert_eq!(
            request,
            Request {
                tunnel: false,
                host: "mirror.example".into(),
                port: 80,
                origin_line: "GET /a/b?c HTTP/1.1".into()
            }
        );
        let bare =
            parse_request_line("HEAD http://mirror.example HTTP/1.0", &allowed()).expect("allowed");
        assert_eq!(bare.origin_line, "HEAD / HTTP/1.0");
    }
}
