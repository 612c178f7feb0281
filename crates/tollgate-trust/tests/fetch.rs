//! `import` and `fetch` against a server on 127.0.0.1 (never the internet).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tollgate_trust::fetch::Fetch;
use tollgate_trust::{Error, Store};

/// The registry crate's client, as the CLI builds it, without retries (a loopback server
/// does not fail transiently).
fn http() -> tollgate_registry::HttpClient {
    tollgate_registry::HttpClient::new(tollgate_registry::HttpOptions {
        retries: 0,
        ..tollgate_trust::fetch::http_options()
    })
}

fn fetch(
    store: &Path,
    which: Fetch<'_>,
) -> Result<Vec<tollgate_trust::fetch::ImportOutcome>, Error> {
    tollgate_trust::fetch::fetch(store, which, &http())
}

fn import(
    store: &Path,
    name: &str,
    url: &str,
) -> Result<tollgate_trust::fetch::ImportOutcome, Error> {
    tollgate_trust::fetch::import(store, name, url, &http())
}

const CONFIG: &str = "# our cargo-vet config\n\n[cargo-vet]\nversion = \"0.10\"\n\n[[exemptions.serde]]\nversion = \"1.0.0\" # until the audit lands\ncriteria = \"safe-to-deploy\"\n";

fn peer_audits() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/peer/audits.toml");
    std::fs::read_to_string(path).unwrap()
}

/// Serves `body` at every path and records each request path.
struct Server {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

fn serve(body: String) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/supply-chain/audits.toml",
        listener.local_addr().unwrap()
    );
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            log.lock()
                .unwrap()
                .push(request.split(' ').nth(1).unwrap_or_default().to_owned());
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    Server { url, requests }
}

fn store_with_config() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("supply-chain");
    std::fs::create_dir(&store).unwrap();
    std::fs::write(store.join("config.toml"), CONFIG).unwrap();
    (dir, store)
}

#[test]
fn import_adds_the_peer_to_config_and_its_audits_to_the_lock() {
    let server = serve(peer_audits());
    let (_dir, store) = store_with_config();
    let mode = |file: &str| std::fs::metadata(store.join(file)).unwrap().permissions();
    let user_mode = mode("config.toml");
    let outcome = import(&store, "peer", &server.url).unwrap();
    // `private-note` is marked importable = false by its author.
    assert_eq!((outcome.fetched, outcome.audits), (true, 3));

    let config = std::fs::read_to_string(store.join("config.toml")).unwrap();
    assert!(
        config.starts_with(CONFIG),
        "the user's text is kept as it was"
    );
    assert!(config.ends_with(&format!("\n[imports.peer]\nurl = \"{}\"\n", server.url)));

    // The files keep the user's permissions, not the temporary file's private ones.
    assert_eq!(mode("config.toml"), user_mode);
    assert_eq!(mode("imports.lock"), user_mode);

    let loaded = Store::load(&store).unwrap();
    let peer = &loaded.imports.peers["peer"];
    assert_eq!(peer.audit_count(), 3);
    assert!(peer.defines("reviewed"));
    assert_eq!(
        server.requests.lock().unwrap().len(),
        2,
        "checked, then fetched"
    );
}

#[test]
fn fetch_replaces_the_lock_only_with_a_valid_audit_set() {
    let good = serve(peer_audits());
    let (_dir, store) = store_with_config();
    import(&store, "peer", &good.url).unwrap();
    // Publisher records are cargo-vet's to refresh; fetch keeps them.
    let lock_path = store.join("imports.lock");
    let lock = std::fs::read_to_string(&lock_path).unwrap();
    let with_publisher = format!(
        "[[publisher.serde]]\nversion = \"1.0.0\"\nwhen = \"2024-01-02\"\nuser-id = 3618\nuser-login = \"dtolnay\"\n\n{lock}"
    );
    std::fs::write(&lock_path, &with_publisher).unwrap();
    let outcomes = fetch(&store, Fetch::All { offline: false }).unwrap();
    assert_eq!(outcomes.len(), 1);
    let refreshed = Store::load(&store).unwrap();
    assert_eq!(refreshed.imports.publisher_count(), 1);

    // The server now answers with a captive portal's page: the lock is not touched.
    let before = std::fs::read_to_string(&lock_path).unwrap();
    let bad = serve("<html>please log in</html>".to_owned());
    let config = std::fs::read_to_string(store.join("config.toml")).unwrap();
    std::fs::write(
        store.join("config.toml"),
        config.replace(&good.url, &bad.url),
    )
    .unwrap();
    let error = fetch(&store, Fetch::All { offline: false }).unwrap_err();
    assert!(matches!(error, Error::Fetch { .. }), "{error}");
    assert_eq!(std::fs::read_to_string(&lock_path).unwrap(), before);
}

#[test]
fn offline_fetch_keeps_remote_imports_and_touches_no_network() {
    let server = serve(peer_audits());
    let (_dir, store) = store_with_config();
    import(&store, "peer", &server.url).unwrap();
    let requests = server.requests.lock().unwrap().len();
    let outcomes = fetch(&store, Fetch::All { offline: true }).unwrap();
    assert!(!outcomes[0].fetched);
    assert_eq!(outcomes[0].audits, 3);
    assert_eq!(server.requests.lock().unwrap().len(), requests);
}

#[test]
fn local_paths_are_read_and_plain_http_elsewhere_is_refused() {
    let (dir, store) = store_with_config();
    std::fs::write(dir.path().join("peer.toml"), peer_audits()).unwrap();
    let outcome = import(&store, "local", "../peer.toml").unwrap();
    assert_eq!(outcome.audits, 3);
    let error = import(&store, "mitm", "http://audits.example/audits.toml").unwrap_err();
    assert!(error.to_string().contains("use https://"), "{error}");
    let config = std::fs::read_to_string(store.join("config.toml")).unwrap();
    assert!(
        !config.contains("mitm"),
        "a refused import leaves config.toml alone"
    );
}
