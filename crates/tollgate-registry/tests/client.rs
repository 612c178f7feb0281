//! The client against a local HTTP server: downloads, verification, caching, offline
//! mode, retries, metadata. No internet.

mod support;

use std::time::{Duration, Instant};

use support::{Route, Server};
use tollgate_model::{Artifact, ArtifactKind, Ecosystem, Hash, Package, Source};
use tollgate_registry::{
    Address, Algorithm, Cache, ClientOptions, HttpOptions, MetadataRequest, Origin, RegistryClient,
    RegistryConfig, RegistryError, Verification,
};

fn options(offline: bool) -> ClientOptions {
    ClientOptions {
        http: HttpOptions {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            retries: 2,
            initial_backoff: Duration::from_millis(5),
        },
        offline,
        progress: false,
        ..ClientOptions::default()
    }
}

fn configured(url: &str) -> Address {
    Address {
        url: url.to_owned(),
        origin: Origin::Env {
            variable: "TEST".into(),
        },
    }
}

/// A config whose every registry is the local server.
fn config_for(server: &Server) -> RegistryConfig {
    RegistryConfig {
        npm: configured(&server.base),
        pip_index: configured(&server.url("/simple/")),
        uv_index: configured(&server.url("/simple/")),
        cargo_index: configured(&server.url("/index/")),
        ..RegistryConfig::default()
    }
}

fn client(server: &Server, cache: &tempfile::TempDir, offline: bool) -> RegistryClient {
    RegistryClient::new(
        config_for(server),
        Cache::new(cache.path()),
        options(offline),
    )
}

fn hash(algorithm: Algorithm, bytes: &[u8]) -> Hash {
    Hash {
        algorithm: algorithm.as_str().into(),
        digest: algorithm.digest_hex(bytes),
    }
}

/// An npm package whose lock entry names `url` and records `hashes`.
fn npm_package(name: &str, url: &str, hashes: Vec<Hash>) -> Package {
    let mut package = Package::new(Ecosystem::Npm, name, "1.0.0");
    package.artifacts.push(Artifact {
        kind: ArtifactKind::Tarball,
        filename: None,
        url: Some(url.to_owned()),
        hashes: hashes.clone(),
        size: None,
        upload_time: None,
    });
    package.hashes = hashes;
    package
}

const TARBALL: &[u8] = b"pretend this is a gzipped tarball";

#[test]
fn downloads_verifies_caches_and_reuses() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    server.route("/a/-/a-1.0.0.tgz", Route::ok(TARBALL));
    let package = npm_package(
        "a",
        &server.url("/a/-/a-1.0.0.tgz"),
        vec![
            hash(Algorithm::Sha1, TARBALL),
            hash(Algorithm::Sha512, TARBALL),
        ],
    );
    let client = client(&server, &cache, false);

    let first = client.fetch(&package).unwrap();
    assert_eq!(first.bytes, TARBALL);
    assert!(!first.from_cache);
    assert_eq!(first.filename, "a-1.0.0.tgz");
    // The strongest recorded algorithm is the one checked.
    assert_eq!(
        first.verification,
        Verification::Verified {
            algorithm: Algorithm::Sha512,
            digest: Algorithm::Sha512.digest_hex(TARBALL)
        }
    );
    assert_eq!(
        first.cache_path,
        cache
            .path()
            .join("artifacts/sha512")
            .join(Algorithm::Sha512.digest_hex(TARBALL))
    );
    assert_eq!(std::fs::read(&first.cache_path).unwrap(), TARBALL);

    let second = client.fetch(&package).unwrap();
    assert!(second.from_cache);
    assert_eq!(second.bytes, TARBALL);
    assert_eq!(server.hits("/a/-/a-1.0.0.tgz"), 1);
    assert!(server.user_agents()[0].starts_with("tollgate/"));
}

#[test]
fn a_hash_mismatch_is_an_error_and_nothing_is_cached() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    server.route("/evil/-/evil-1.0.0.tgz", Route::ok(b"tampered".to_vec()));
    let package = npm_package(
        "evil",
        &server.url("/evil/-/evil-1.0.0.tgz"),
        vec![hash(Algorithm::Sha512, TARBALL)],
    );
    let err = client(&server, &cache, false).fetch(&package).unwrap_err();
    match &err {
        RegistryError::HashMismatch {
            algorithm,
            expected,
            actual,
            ..
        } => {
            assert_eq!(*algorithm, Algorithm::Sha512);
            assert_eq!(expected, &Algorithm::Sha512.digest_hex(TARBALL));
            assert_eq!(actual, &Algorithm::Sha512.digest_hex(b"tampered"));
        }
        other => panic!("expected a hash mismatch, got {other}"),
    }
    assert!(err.to_string().contains("pkg:npm/evil@1.0.0"));
    assert!(!cache.path().join("artifacts").exists());
}

#[test]
fn a_package_without_hash_is_downloaded_but_unverified_and_found_offline() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    server.route("/b/-/b-1.0.0.tgz", Route::ok(TARBALL));
    let package = npm_package("b", &server.url("/b/-/b-1.0.0.tgz"), Vec::new());
    let online = client(&server, &cache, false).fetch(&package).unwrap();
    assert!(matches!(
        online.verification,
        Verification::Unverified { ref reason } if reason.contains("no hash")
    ));
    let offline = client(&server, &cache, true).fetch(&package).unwrap();
    assert!(offline.from_cache);
    assert_eq!(offline.bytes, TARBALL);
    assert_eq!(server.hits("/b/-/b-1.0.0.tgz"), 1);
}

#[test]
fn a_yarn_berry_checksum_is_reported_as_unverifiable() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    server.route("/c/-/c-1.0.0.tgz", Route::ok(TARBALL));
    let berry = Hash {
        algorithm: "yarn-berry-cache".into(),
        digest: "abcd".into(),
    };
    let package = npm_package("c", &server.url("/c/-/c-1.0.0.tgz"), vec![berry]);
    let download = client(&server, &cache, false).fetch(&package).unwrap();
    assert!(matches!(
        download.verification,
        Verification::Unverified { ref reason } if reason.contains("Yarn Berry")
    ));
}

#[test]
fn offline_mode_errors_on_a_cache_miss() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    let package = npm_package(
        "d",
        &server.url("/d/-/d-1.0.0.tgz"),
        vec![hash(Algorithm::Sha512, TARBALL)],
    );
    let err = client(&server, &cache, true).fetch(&package).unwrap_err();
    assert!(matches!(err, RegistryError::OfflineMiss { .. }), "{err}");
    assert_eq!(server.hits("/d/-/d-1.0.0.tgz"), 0);
}

#[test]
fn not_found_is_a_typed_error() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    let package = npm_package("gone", &server.url("/gone/-/gone-1.0.0.tgz"), Vec::new());
    let err = client(&server, &cache, false).fetch(&package).unwrap_err();
    assert!(matches!(err, RegistryError::NotFound { .. }), "{err}");
}

#[test]
fn server_errors_are_retried_then_given_up() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    server.route("/flaky/-/flaky-1.0.0.tgz", Route::flaky(TARBALL, 2));
    let package = npm_package("flaky", &server.url("/flaky/-/flaky-1.0.0.tgz"), Vec::new());
    client(&server, &cache, false).fetch(&package).unwrap();
    assert_eq!(server.hits("/flaky/-/flaky-1.0.0.tgz"), 3);

    server.route("/down/-/down-1.0.0.tgz", Route::status(500));
    let package = npm_package("down", &server.url("/down/-/down-1.0.0.tgz"), Vec::new());
    let err = client(&server, &cache, false).fetch(&package).unwrap_err();
    match err {
        RegistryError::Http(http) => {
            assert_eq!(http.status, Some(500));
            assert_eq!(http.attempts, 3);
        }
        other => panic!("expected an HTTP error, got {other}"),
    }
    // A client error is not retried.
    server.route("/forbidden/-/forbidden-1.0.0.tgz", Route::status(403));
    let package = npm_package(
        "forbidden",
        &server.url("/forbidden/-/forbidden-1.0.0.tgz"),
        Vec::new(),
    );
    assert!(client(&server, &cache, false).fetch(&package).is_err());
    assert_eq!(server.hits("/forbidden/-/forbidden-1.0.0.tgz"), 1);
}

#[test]
fn npm_tarball_address_comes_from_the_configured_registry() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    server.route("/left-pad/-/left-pad-1.3.0.tgz", Route::ok(TARBALL));
    let mut package = Package::new(Ecosystem::Npm, "left-pad", "1.3.0");
    package.hashes = vec![hash(Algorithm::Sha512, TARBALL)];
    let download = client(&server, &cache, false).fetch(&package).unwrap();
    assert_eq!(download.url, server.url("/left-pad/-/left-pad-1.3.0.tgz"));
}

#[test]
fn pypi_artifact_found_through_the_pep691_index() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    let sdist = b"sdist bytes".to_vec();
    server.route(
        "/simple/pyyaml/",
        Route::ok(
            r#"{"meta":{"api-version":"1.1"},"name":"pyyaml","files":[
                {"filename":"PyYAML-6.0.2-cp312-cp312-manylinux_2_17_x86_64.whl","url":"../../files/w.whl","hashes":{}},
                {"filename":"pyyaml-6.0.2.tar.gz","url":"../../files/pyyaml-6.0.2.tar.gz","hashes":{}},
                {"filename":"pyyaml-6.0.1.tar.gz","url":"../../files/old.tar.gz","hashes":{}}]}"#,
        ),
    );
    server.route("/files/pyyaml-6.0.2.tar.gz", Route::ok(sdist.clone()));
    let mut package = Package::new(Ecosystem::PyPI, "PyYAML", "6.0.2");
    package.hashes = vec![hash(Algorithm::Sha256, &sdist)];
    let download = client(&server, &cache, false).fetch(&package).unwrap();
    assert_eq!(download.kind, ArtifactKind::Sdist);
    assert_eq!(download.filename, "pyyaml-6.0.2.tar.gz");
    assert_eq!(download.bytes, sdist);
    assert!(matches!(
        download.verification,
        Verification::Verified { .. }
    ));
}

#[test]
fn crate_address_comes_from_the_sparse_index_template() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    let krate = b"crate bytes".to_vec();
    server.route(
        "/index/config.json",
        Route::ok(format!(
            r#"{{"dl":"{}dl/{{crate}}/{{version}}.crate"}}"#,
            server.base
        )),
    );
    server.route("/dl/serde/1.0.0.crate", Route::ok(krate.clone()));
    let mut package = Package::new(Ecosystem::CratesIo, "serde", "1.0.0");
    package.source = Source::Registry {
        url: Some(tollgate_model::defaults::CRATES_IO_LOCK_SOURCE.into()),
    };
    package.hashes = vec![hash(Algorithm::Sha256, &krate)];
    let download = client(&server, &cache, false).fetch(&package).unwrap();
    assert_eq!(download.url, server.url("/dl/serde/1.0.0.crate"));
    assert_eq!(download.filename, "serde-1.0.0.crate");
}

/// Serves `count` distinct bodies of `size` bytes and returns their lock entries.
fn serve_packages(server: &Server, count: usize, size: usize) -> Vec<Package> {
    (0..count)
        .map(|i| {
            let body: Vec<u8> = (0..size).map(|j| ((i * 31 + j) % 251) as u8).collect();
            let path = format!("/p{i}/-/p{i}-1.0.0.tgz");
            let package = npm_package(
                &format!("p{i}"),
                &server.url(&path),
                vec![hash(Algorithm::Sha512, &body)],
            );
            server.route(&path, Route::ok(body));
            package
        })
        .collect()
}

#[test]
fn parallel_downloads_keep_input_order() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    let packages = serve_packages(&server, 16, 4096);
    let refs: Vec<&Package> = packages.iter().collect();
    let results = client(&server, &cache, false).fetch_all(&refs);
    assert_eq!(results.len(), 16);
    for (i, result) in results.iter().enumerate() {
        let download = result.as_ref().unwrap();
        assert_eq!(download.filename, format!("p{i}-1.0.0.tgz"));
        assert!(matches!(
            download.verification,
            Verification::Verified { .. }
        ));
    }
}

/// Throughput of verified, cached parallel downloads from a local server.
/// Run: `cargo test --release -p tollgate-registry --test client -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark; run with --release"]
fn bench_parallel_download_throughput() {
    let server = Server::start();
    let packages = serve_packages(&server, 64, 1 << 20);
    let refs: Vec<&Package> = packages.iter().collect();
    for concurrency in [1, 8] {
        let cache = tempfile::tempdir().unwrap();
        let client = RegistryClient::new(
            config_for(&server),
            Cache::new(cache.path()),
            ClientOptions {
                concurrency,
                ..options(false)
            },
        );
        let started = Instant::now();
        let results = client.fetch_all(&refs);
        let elapsed = started.elapsed();
        assert!(results.iter().all(Result::is_ok));
        eprintln!(
            "parallel download, concurrency {concurrency}: 64 x 1 MiB (sha512-verified, cached) \
             in {elapsed:?} = {:.0} MiB/s",
            64.0 / elapsed.as_secs_f64()
        );
    }
}

#[test]
fn npm_metadata_times_licenses_and_scripts() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    server.route(
        "/@scope%2fpkg",
        Route::ok(
            r#"{"name":"@scope/pkg","time":{"created":"2020-01-01T00:00:00.000Z","1.0.0":"2020-01-02T00:00:00.000Z"},
               "versions":{"1.0.0":{"license":{"type":"MIT"},"scripts":{"test":"jest","postinstall":"node x.js"},
               "deprecated":"use other"}}}"#,
        ),
    );
    let client = client(&server, &cache, false);
    let request = MetadataRequest {
        ecosystem: Ecosystem::Npm,
        name: "@scope/pkg".into(),
        version: None,
    };
    let metadata = client.metadata(&request).unwrap();
    assert!(metadata.exists);
    let version = &metadata.versions["1.0.0"];
    assert_eq!(
        version.published.as_deref(),
        Some("2020-01-02T00:00:00.000Z")
    );
    assert_eq!(version.license.as_deref(), Some("MIT"));
    assert_eq!(version.deprecated.as_deref(), Some("use other"));
    assert_eq!(
        version.install_scripts.keys().collect::<Vec<_>>(),
        ["postinstall"]
    );
    assert!(!client.exists(Ecosystem::Npm, "no-such-package").unwrap());
}

#[test]
fn crates_index_lines_and_batching() {
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    server.route(
        "/index/se/rd/serde",
        Route::ok(
            "{\"name\":\"serde\",\"vers\":\"1.0.0\",\"cksum\":\"aa\",\"yanked\":true}\n\
             {\"name\":\"serde\",\"vers\":\"1.0.1\",\"cksum\":\"bb\",\"yanked\":false,\"pubtime\":\"2025-01-01T00:00:00Z\"}\n",
        ),
    );
    let client = client(&server, &cache, false);
    let request = MetadataRequest {
        ecosystem: Ecosystem::CratesIo,
        name: "serde".into(),
        version: None,
    };
    let missing = MetadataRequest {
        name: "nope".into(),
        ..request.clone()
    };
    let answers = client.metadata_batch(&[request.clone(), missing, request.clone()]);
    let first = answers[0].as_ref().unwrap();
    assert!(first.versions["1.0.0"].yanked);
    assert_eq!(
        first.versions["1.0.1"].published.as_deref(),
        Some("2025-01-01T00:00:00Z")
    );
    assert!(!answers[1].as_ref().unwrap().exists);
    assert_eq!(answers[2].as_ref().unwrap(), first);
    // Identical requests are fetched once, and the metadata cache answers the next time.
    assert_eq!(server.hits("/index/se/rd/serde"), 1);
    client.metadata(&request).unwrap();
    assert_eq!(server.hits("/index/se/rd/serde"), 1);
    // Offline, the cached copy answers and an uncached one is a clear error.
    let offline = self::client(&server, &cache, true);
    assert!(offline.metadata(&request).unwrap().exists);
    let err = offline
        .metadata(&MetadataRequest {
            name: "other".into(),
            ..request
        })
        .unwrap_err();
    assert!(matches!(err, RegistryError::OfflineMiss { .. }), "{err}");
}
