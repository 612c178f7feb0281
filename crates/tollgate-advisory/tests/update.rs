//! `db update` against a local HTTP server (never the internet).

mod common;

use tollgate_advisory::{ExportStatus, Index};
use tollgate_model::Ecosystem;

/// `db update` through the registry crate's client, as the CLI runs it, with no retries
/// (a loopback server does not fail transiently).
fn update(
    dir: &std::path::Path,
    base: &str,
    ecosystems: &[Ecosystem],
) -> Result<tollgate_advisory::UpdateReport, tollgate_advisory::Error> {
    let options = tollgate_registry::HttpOptions {
        retries: 0,
        ..tollgate_advisory::update_http_options()
    };
    let http = tollgate_registry::HttpClient::new(options);
    tollgate_advisory::update(dir, base, ecosystems, &http)
}

#[test]
fn downloads_imports_then_skips_unchanged_exports() {
    let export = common::export_zip(&common::fixtures().join("osv"));
    let server = common::serve(vec![("crates.io/all.zip".to_owned(), export)]);
    let db = tempfile::tempdir().unwrap();

    let first = update(db.path(), &server.base, &[Ecosystem::CratesIo]).unwrap();
    assert!(
        matches!(first.exports[0].1, ExportStatus::Downloaded { .. }),
        "{first:?}"
    );
    assert_eq!(first.import.as_ref().unwrap().header.records, 7);
    let index = Index::open(db.path()).unwrap();
    assert_eq!(
        index
            .lookup(Ecosystem::CratesIo, "chrono_anchor")
            .unwrap()
            .len(),
        1
    );

    let second = update(db.path(), &server.base, &[Ecosystem::CratesIo]).unwrap();
    assert_eq!(second.exports[0].1, ExportStatus::Unchanged);
    assert!(
        second.import.is_none(),
        "an unchanged export is not re-imported"
    );
    let log = server.log.lock().unwrap().clone();
    assert_eq!(
        log,
        [
            "/crates.io/all.zip 200 OK",
            "/crates.io/all.zip 304 Not Modified"
        ]
    );
}

#[test]
fn failed_or_invalid_downloads_keep_the_previous_index() {
    let export = common::export_zip(&common::fixtures().join("osv"));
    let good = common::serve(vec![("crates.io/all.zip".to_owned(), export)]);
    let db = tempfile::tempdir().unwrap();
    update(db.path(), &good.base, &[Ecosystem::CratesIo]).unwrap();

    let bad = common::serve(vec![(
        "crates.io/all.zip".to_owned(),
        b"<html>captive portal</html>".to_vec(),
    )]);
    let report = update(db.path(), &bad.base, &[Ecosystem::CratesIo, Ecosystem::Npm]).unwrap();
    let errors: Vec<String> = report
        .exports
        .iter()
        .map(|(_, status)| match status {
            ExportStatus::Failed { error } => error.clone(),
            other => panic!("expected a failure, got {other:?}"),
        })
        .collect();
    assert!(errors[0].contains("not a readable zip"), "{errors:?}");
    assert!(errors[1].contains("404"), "{errors:?}");
    assert!(report.import.is_none());
    let index = Index::open(db.path()).unwrap();
    assert_eq!(index.lookup(Ecosystem::CratesIo, "time").unwrap().len(), 1);
}
