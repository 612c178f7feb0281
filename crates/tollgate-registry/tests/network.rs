//! Against the real public registries: opt-in only.
//!
//! Run: `TOLLGATE_NETWORK_TESTS=1 cargo test --release -p tollgate-registry --test network
//! -- --ignored --nocapture`. Prints archive-reading throughput for the artifacts fetched.

use std::time::Instant;

use tollgate_archive::{ArchiveKind, Limits, read_archive};
use tollgate_model::{Ecosystem, Hash, Package, Source, defaults};
use tollgate_registry::{
    Cache, ClientOptions, MetadataRequest, RegistryClient, RegistryConfig, RegistryError,
    Verification,
};

fn enabled() -> bool {
    let on = std::env::var("TOLLGATE_NETWORK_TESTS").is_ok_and(|v| v == "1");
    if !on {
        eprintln!("skipped: set TOLLGATE_NETWORK_TESTS=1 to talk to the public registries");
    }
    on
}

fn public_client(cache: &tempfile::TempDir) -> RegistryClient {
    RegistryClient::new(
        RegistryConfig::default(),
        Cache::new(cache.path()),
        ClientOptions::default(),
    )
}

/// Reads the artifact and prints MB/s of archive (compressed bytes) per second.
fn read_and_measure(label: &str, filename: &str, bytes: &[u8]) {
    let kind = ArchiveKind::from_filename(filename).unwrap();
    let started = Instant::now();
    let rounds = 5;
    let mut unpacked = 0;
    for _ in 0..rounds {
        let entries = read_archive(bytes, kind, &Limits::default()).unwrap();
        unpacked = entries.iter().map(|e| e.contents.len()).sum::<usize>();
    }
    let seconds = started.elapsed().as_secs_f64() / f64::from(rounds);
    eprintln!(
        "{label}: {filename} {:.2} MB archive -> {:.2} MB unpacked in {:.1} ms = {:.0} MB/s of archive, {:.0} MB/s unpacked",
        bytes.len() as f64 / 1e6,
        unpacked as f64 / 1e6,
        seconds * 1e3,
        bytes.len() as f64 / 1e6 / seconds,
        unpacked as f64 / 1e6 / seconds,
    );
}

#[test]
#[ignore = "talks to the public registries; set TOLLGATE_NETWORK_TESTS=1"]
fn real_registries_metadata_downloads_and_archives() {
    if !enabled() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let client = public_client(&cache);

    assert!(client.exists(Ecosystem::Npm, "left-pad").unwrap());
    assert!(
        !client
            .exists(Ecosystem::Npm, "tollgate-no-such-package-7f3a9c")
            .unwrap()
    );
    assert!(client.exists(Ecosystem::PyPI, "PyYAML").unwrap());
    assert!(
        !client
            .exists(Ecosystem::CratesIo, "tollgate-no-such-crate-7f3a9c")
            .unwrap()
    );

    let requests = [
        MetadataRequest {
            ecosystem: Ecosystem::Npm,
            name: "esbuild".into(),
            version: None,
        },
        MetadataRequest {
            ecosystem: Ecosystem::PyPI,
            name: "PyYAML".into(),
            version: Some("6.0.2".into()),
        },
        MetadataRequest {
            ecosystem: Ecosystem::CratesIo,
            name: "serde".into(),
            version: None,
        },
    ];
    let answers = client.metadata_batch(&requests);
    let esbuild = answers[0].as_ref().unwrap();
    assert!(esbuild.versions["0.25.0"].published.is_some());
    assert!(
        esbuild.versions["0.25.0"]
            .install_scripts
            .contains_key("postinstall")
    );
    let pyyaml = &answers[1].as_ref().unwrap().versions["6.0.2"];
    assert_eq!(pyyaml.has_sdist, Some(true));
    assert_eq!(pyyaml.has_wheel, Some(true));
    assert!(
        answers[2]
            .as_ref()
            .unwrap()
            .versions
            .contains_key("1.0.219")
    );

    let packages = [
        Package::new(Ecosystem::Npm, "typescript", "5.9.3"),
        Package::new(Ecosystem::Npm, "@esbuild/linux-x64", "0.25.0"),
        Package::new(Ecosystem::PyPI, "PyYAML", "6.0.2"),
        {
            let mut serde = Package::new(Ecosystem::CratesIo, "serde", "1.0.219");
            serde.source = Source::Registry {
                url: Some(defaults::CRATES_IO_LOCK_SOURCE.into()),
            };
            serde
        },
    ];
    let refs: Vec<&Package> = packages.iter().collect();
    let started = Instant::now();
    let downloads = client.fetch_all(&refs);
    eprintln!(
        "downloaded {} artifacts in {:?}",
        refs.len(),
        started.elapsed()
    );
    for (package, download) in packages.iter().zip(&downloads) {
        let download = download.as_ref().unwrap();
        assert!(matches!(
            download.verification,
            Verification::Unverified { .. }
        ));
        read_and_measure(&package.purl, &download.filename, &download.bytes);
    }

    // A wrong lockfile hash against the real registry is a mismatch, not a download.
    let mut tampered = Package::new(Ecosystem::CratesIo, "serde", "1.0.219");
    tampered.hashes = vec![Hash {
        algorithm: "sha256".into(),
        digest: "00".repeat(32),
    }];
    let err = public_client(&tempfile::tempdir().unwrap())
        .fetch(&tampered)
        .unwrap_err();
    assert!(matches!(err, RegistryError::HashMismatch { .. }), "{err}");
}

/// Provenance on the public registries: a package published with npm provenance (sigstore)
/// and one from before provenance existed (left-pad), PyPA's sampleproject (PEP 740
/// attestations since 4.0.0), and crates.io's API shape (every version of serde carries the
/// `trustpub_data` key, so none reads as unknown). Not run where this was written: the
/// registries reachable there were mirrors without these fields.
#[test]
#[ignore = "talks to the public registries; set TOLLGATE_NETWORK_TESTS=1"]
fn real_registries_provenance() {
    if !enabled() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let client = public_client(&cache);
    let sigstore = client.provenance(Ecosystem::Npm, "sigstore").unwrap();
    assert!(sigstore.values().any(|p| p.is_present()), "{sigstore:?}");
    let left_pad = client.provenance(Ecosystem::Npm, "left-pad").unwrap();
    assert_eq!(
        left_pad.get("1.3.0"),
        Some(&tollgate_model::Provenance::Absent)
    );
    let sample = client.provenance(Ecosystem::PyPI, "sampleproject").unwrap();
    assert!(
        sample.get("4.0.0").is_some_and(|p| p.is_present()),
        "{sample:?}"
    );
    let serde = client.provenance(Ecosystem::CratesIo, "serde").unwrap();
    assert!(!serde.is_empty());
    assert!(
        serde
            .values()
            .all(|p| *p != tollgate_model::Provenance::Unknown),
        "{serde:?}"
    );
}
