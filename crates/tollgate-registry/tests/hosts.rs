//! A client limited to the configured hosts refuses other hosts and redirects to them
//! before any request; the streaming, conditional GET writes to a file and answers 304.
//! Loopback servers only.

mod support;

use std::time::Duration;

use support::{Route, Server};
use tollgate_model::{Artifact, ArtifactKind, Ecosystem, Package};
use tollgate_registry::{
    Address, Cache, ClientOptions, HostAllowList, HttpClient, HttpOptions, Origin, RegistryClient,
    RegistryConfig, RegistryError, Streamed, Validators,
};

fn http_options() -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        retries: 0,
        initial_backoff: Duration::from_millis(5),
    }
}

/// A client whose npm registry is `registry`, limited to the configured hosts.
fn limited_client(registry: &Server, cache: &tempfile::TempDir) -> RegistryClient {
    let config = RegistryConfig {
        npm: Address {
            url: registry.base.clone(),
            origin: Origin::Env {
                variable: "TEST".into(),
            },
        },
        ..RegistryConfig::default()
    };
    let allowed = HostAllowList::from_config(&config);
    let options = ClientOptions {
        http: http_options(),
        progress: false,
        ..ClientOptions::default()
    };
    RegistryClient::new(config, Cache::new(cache.path()), options).with_allowed_hosts(allowed)
}

/// An npm package whose lock entry resolves to `url`, with no hash to check.
fn npm_package(url: &str) -> Package {
    let mut package = Package::new(Ecosystem::Npm, "left-pad", "1.0.0");
    package.artifacts.push(Artifact {
        kind: ArtifactKind::Tarball,
        filename: None,
        url: Some(url.to_owned()),
        hashes: Vec::new(),
        size: None,
        upload_time: None,
    });
    package
}

#[test]
fn a_host_that_is_not_configured_is_refused_before_any_request() {
    let registry = Server::start();
    let other = Server::start();
    other.route("/left-pad-1.0.0.tgz", Route::ok("tarball"));
    let cache = tempfile::tempdir().unwrap();
    let client = limited_client(&registry, &cache);

    let error = client
        .fetch(&npm_package(&other.url("/left-pad-1.0.0.tgz")))
        .unwrap_err();
    assert!(
        matches!(error, RegistryError::HostRefused { .. }),
        "{error}"
    );
    let other_host = other
        .base
        .trim_start_matches("http://")
        .trim_end_matches('/');
    assert_eq!(error.refused_host(), Some(other_host));
    assert_eq!(other.hits("/left-pad-1.0.0.tgz"), 0);

    registry.route("/left-pad-1.0.0.tgz", Route::ok("tarball"));
    let download = client
        .fetch(&npm_package(&registry.url("/left-pad-1.0.0.tgz")))
        .unwrap();
    assert_eq!(download.bytes, b"tarball");
}

#[test]
fn a_redirect_to_another_host_is_refused_and_one_to_the_same_host_followed() {
    let registry = Server::start();
    let other = Server::start();
    other.route("/evil.tgz", Route::ok("evil"));
    registry.route("/a.tgz", Route::redirect(&other.url("/evil.tgz")));
    registry.route("/b.tgz", Route::redirect("/files/b.tgz"));
    registry.route("/files/b.tgz", Route::ok("good"));
    let cache = tempfile::tempdir().unwrap();
    let client = limited_client(&registry, &cache);

    let error = client
        .fetch(&npm_package(&registry.url("/a.tgz")))
        .unwrap_err();
    assert!(error.refused_host().is_some(), "{error}");
    assert!(error.to_string().contains("redirected to"), "{error}");
    assert_eq!(other.hits("/evil.tgz"), 0);

    let download = client.fetch(&npm_package(&registry.url("/b.tgz"))).unwrap();
    assert_eq!(download.bytes, b"good");
}

#[test]
fn an_unlimited_client_follows_redirects_across_hosts() {
    let first = Server::start();
    let second = Server::start();
    second.route("/x", Route::ok("there"));
    first.route("/x", Route::redirect(&second.url("/x")));
    let client = HttpClient::new(http_options());
    let fetched = client.get(&first.url("/x"), None, 1024).unwrap();
    assert_eq!(fetched, tollgate_registry::Fetched::Body(b"there".to_vec()));
}

#[test]
fn the_streaming_get_sends_validators_and_keeps_the_file_on_304() {
    let server = Server::start();
    server.route(
        "/all.zip",
        Route::ok("export bytes")
            .with_header("ETag", "\"v1\"")
            .with_header("Last-Modified", "Tue, 01 Dec 2026 00:00:00 GMT"),
    );
    let client = HttpClient::new(http_options());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("download");
    let mut file = std::fs::File::create(&path).unwrap();

    let first = client
        .get_to_file(
            &server.url("/all.zip"),
            &Validators::default(),
            1024,
            &mut file,
        )
        .unwrap();
    let validators = Validators {
        etag: Some("\"v1\"".to_owned()),
        last_modified: Some("Tue, 01 Dec 2026 00:00:00 GMT".to_owned()),
    };
    assert_eq!(
        first,
        Streamed::Written {
            bytes: 12,
            validators: validators.clone(),
        }
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"export bytes");

    server.route("/all.zip", Route::status(304));
    let second = client
        .get_to_file(&server.url("/all.zip"), &validators, 1024, &mut file)
        .unwrap();
    assert_eq!(second, Streamed::NotModified);
    let sent = server.request_headers("/all.zip");
    let last = sent.last().unwrap();
    assert!(
        last.iter()
            .any(|h| h.eq_ignore_ascii_case("if-none-match: \"v1\"")),
        "{last:?}"
    );
    assert!(
        last.iter().any(|h| h
            .to_ascii_lowercase()
            .starts_with("if-modified-since: tue, 01 dec 2026")),
        "{last:?}"
    );

    server.route("/big.zip", Route::ok(vec![b'x'; 2048]));
    let error = client
        .get_to_file(
            &server.url("/big.zip"),
            &Validators::default(),
            1024,
            &mut file,
        )
        .unwrap_err();
    assert!(error.message.contains("larger than the limit"), "{error}");
    server.route("/gone.zip", Route::status(404));
    let gone = client
        .get_to_file(
            &server.url("/gone.zip"),
            &Validators::default(),
            1024,
            &mut file,
        )
        .unwrap();
    assert_eq!(gone, Streamed::NotFound);
}

/// An address the test configures.
fn configured(url: &str) -> Address {
    Address {
        url: url.to_owned(),
        origin: Origin::Env {
            variable: "TEST".into(),
        },
    }
}

#[test]
fn a_python_index_the_lock_names_is_refused_and_the_configured_indexs_file_host_learned() {
    let index = Server::start();
    let files = Server::start();
    let elsewhere = Server::start();
    index.route(
        "/simple/pyyaml/",
        Route::ok(format!(
            r#"{{"meta":{{"api-version":"1.1"}},"name":"pyyaml","files":[
                {{"filename":"pyyaml-6.0.2.tar.gz","url":"{}","hashes":{{}}}}]}}"#,
            files.url("/f/pyyaml-6.0.2.tar.gz")
        )),
    );
    files.route("/f/pyyaml-6.0.2.tar.gz", Route::ok("sdist"));
    elsewhere.route("/simple/pyyaml/", Route::ok("{}"));
    let config = RegistryConfig {
        pip_index: configured(&index.url("/simple/")),
        uv_index: configured(&index.url("/simple/")),
        ..RegistryConfig::default()
    };
    let allowed = HostAllowList::from_config(&config);
    let cache = tempfile::tempdir().unwrap();
    let options = ClientOptions {
        http: http_options(),
        progress: false,
        ..ClientOptions::default()
    };
    let client = RegistryClient::new(config, Cache::new(cache.path()), options)
        .with_allowed_hosts(allowed.clone());

    // The configured index lists its files on another host: that host is the index's own.
    let package = Package::new(Ecosystem::PyPI, "PyYAML", "6.0.2");
    let download = client.fetch(&package).unwrap();
    assert_eq!(download.bytes, b"sdist");
    assert_eq!(allowed.refusal(&files.url("/other")), None, "learned");

    // An index the lock names and nobody configured is not asked.
    let mut named = Package::new(Ecosystem::PyPI, "PyYAML", "6.0.2");
    named.source = tollgate_model::Source::Registry {
        url: Some(elsewhere.url("/simple/")),
    };
    let error = client.fetch(&named).unwrap_err();
    assert!(
        matches!(error, RegistryError::HostRefused { .. }),
        "{error}"
    );
    assert_eq!(elsewhere.hits("/simple/pyyaml/"), 0);
}

#[test]
fn a_cached_artifact_from_a_refused_host_is_not_served() {
    let registry = Server::start();
    let other = Server::start();
    other.route("/left-pad-1.0.0.tgz", Route::ok("tarball"));
    let cache = tempfile::tempdir().unwrap();
    let package = npm_package(&other.url("/left-pad-1.0.0.tgz"));
    let unlimited = RegistryClient::new(
        RegistryConfig::default(),
        Cache::new(cache.path()),
        ClientOptions {
            http: http_options(),
            progress: false,
            ..ClientOptions::default()
        },
    );
    unlimited.fetch(&package).unwrap();
    assert_eq!(other.hits("/left-pad-1.0.0.tgz"), 1);

    let error = limited_client(&registry, &cache)
        .fetch(&package)
        .unwrap_err();
    assert!(
        matches!(error, RegistryError::HostRefused { .. }),
        "{error}"
    );
    assert_eq!(other.hits("/left-pad-1.0.0.tgz"), 1);
}
