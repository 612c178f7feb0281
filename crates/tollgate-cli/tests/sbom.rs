//! `tollgate scan --format cyclonedx|spdx` end to end: the advisory fixture's Cargo.lock
//! against the fixture database, with a policy ignore; the documents are reproducible
//! under `SOURCE_DATE_EPOCH`, count what the inventory counts, and validate against the
//! shipped official schemas (`scripts/validate_sbom.py`, when Python's jsonschema is
//! installed; CI runs the script over every fixture and corpus lockfile as well).

use std::path::{Path, PathBuf};
use std::process::Command as Process;

mod common;
use common::{advisory_fixtures, fixture_db, tollgate};

/// The advisory fixture's lockfile in a temporary project whose policy ignores
/// RUSTSEC-2020-0071.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        advisory_fixtures().join("Cargo.lock"),
        dir.path().join("Cargo.lock"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tollgate.toml"),
        "[advisories]\nignore = [\n  { id = \"RUSTSEC-2020-0071\", reason = \"not reachable\", expires = \"2999-01-01\" },\n]\n",
    )
    .unwrap();
    dir
}

fn sbom(format: &str, db: &Path, lock: &Path) -> Vec<u8> {
    tollgate()
        .env("SOURCE_DATE_EPOCH", "1764547200")
        .args(["scan", "--quiet", "--format", format, "--db"])
        .arg(db)
        .arg(lock)
        .assert()
        .code(1) // the fixture has malicious crates
        .get_output()
        .stdout
        .clone()
}

fn inventory_count(lock: &Path) -> usize {
    let output = tollgate()
        .args(["inventory", "--format", "json"])
        .arg(lock)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output).unwrap();
    json["lockfiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["packages"].as_array().unwrap().len())
        .sum()
}

#[test]
fn cyclonedx_lists_every_package_and_the_findings() {
    let db = fixture_db();
    let dir = project();
    let lock = dir.path().join("Cargo.lock");
    let output = sbom("cyclonedx", db.path(), &lock);
    assert_eq!(
        output,
        sbom("cyclonedx", db.path(), &lock),
        "reproducible under SOURCE_DATE_EPOCH"
    );
    let bom: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["metadata"]["timestamp"], "2025-12-01T00:00:00Z");
    let components = bom["components"].as_array().unwrap();
    assert_eq!(components.len(), inventory_count(&lock));
    let vulnerabilities = bom["vulnerabilities"].as_array().unwrap();
    let malicious = vulnerabilities
        .iter()
        .find(|v| v["affects"][0]["ref"] == "pkg:cargo/chrono_anchor@0.1.0")
        .expect("the malicious crate is a vulnerability");
    assert_eq!(malicious["ratings"][0]["severity"], "critical");
    assert!(malicious.get("analysis").is_none());
    let ignored = vulnerabilities
        .iter()
        .find(|v| v["id"] == "RUSTSEC-2020-0071")
        .expect("the ignored advisory is listed");
    assert_eq!(ignored["analysis"]["state"], "not_affected");
    assert_eq!(ignored["analysis"]["detail"], "not reachable");
    validate(&output, "cyclonedx");
}

#[test]
fn spdx_describes_the_lockfile_and_every_package() {
    let db = fixture_db();
    let dir = project();
    let lock = dir.path().join("Cargo.lock");
    let output = sbom("spdx", db.path(), &lock);
    let document: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(document["spdxVersion"], "SPDX-2.3");
    assert_eq!(document["creationInfo"]["created"], "2025-12-01T00:00:00Z");
    let packages = document["packages"].as_array().unwrap();
    assert_eq!(packages.len(), inventory_count(&lock) + 1);
    let relationships = document["relationships"].as_array().unwrap();
    assert_eq!(relationships[0]["relationshipType"], "DESCRIBES");
    assert!(
        relationships
            .iter()
            .any(|r| r["relationshipType"] == "DEPENDS_ON")
    );
    validate(&output, "spdx");
}

#[test]
fn a_bad_source_date_epoch_is_an_error() {
    let dir = project();
    tollgate()
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["scan", "--allow-missing-db", "--db"])
        .arg(dir.path().join("no-db"))
        .args(["--format", "spdx"])
        .arg(dir.path().join("Cargo.lock"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("SOURCE_DATE_EPOCH"));
}

/// Runs the schema validator on `document` when Python's jsonschema is there.
fn validate(document: &[u8], name: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/validate_sbom.py");
    let available = Process::new("python3")
        .args(["-c", "import jsonschema, referencing"])
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        eprintln!("python3 with jsonschema not found: schema validation left to CI");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join(format!("{name}.json"));
    std::fs::write(&path, document).unwrap();
    let output = Process::new("python3")
        .arg(&script)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}
