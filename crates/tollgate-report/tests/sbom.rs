//! The SBOM renderers over real lockfile fixtures: a Cargo.lock workspace (snapshots of
//! both documents, with a scored vulnerability and an ignored one) and an npm
//! package-lock v3 (counts, scopes, licenses, references). Schema validation runs in
//! `scripts/validate_sbom.py` (CI); these tests pin the content.

use std::collections::HashSet;

use serde_json::Value;
use tollgate_lockfile::Inventory;
use tollgate_model::{Evidence, Finding, LockfileFormat, Severity};
use tollgate_report::SbomOptions;
use tollgate_report::cyclonedx::cyclonedx_bom;
use tollgate_report::findings::ScanReport;
use tollgate_report::spdx::spdx_document;

const FIXTURES: &str = "../tollgate-lockfile/tests/fixtures";

fn inventory(fixture: &str, display: &str, format: LockfileFormat) -> Inventory {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{fixture}")).unwrap();
    let lockfile = tollgate_lockfile::parse_str(display, &text, format).unwrap();
    Inventory {
        lockfiles: vec![lockfile],
        errors: Vec::new(),
    }
}

fn options() -> SbomOptions {
    SbomOptions {
        timestamp: "2026-12-01T00:00:00Z".to_owned(),
    }
}

fn cargo() -> Inventory {
    inventory(
        "cargo/v4-workspace.lock",
        "Cargo.lock",
        LockfileFormat::CargoLock,
    )
}

/// A scored advisory on memchr, and an ignored one on itoa 0.4.8.
fn cargo_report(inventory: &Inventory) -> ScanReport {
    let lock = &inventory.lockfiles[0];
    let package = |name: &str, version: &str| {
        lock.packages
            .iter()
            .find(|p| p.name == name && p.version == version)
            .unwrap()
    };
    let mut scored = Finding::for_package(
        "vulnerability",
        Severity::Critical,
        package("memchr", "2.8.3"),
        "Cargo.lock",
        "memchr reads past the end",
    );
    scored.id = Some("RUSTSEC-2099-0001".into());
    scored.aliases = vec!["GHSA-aaaa-bbbb-cccc".into(), "CVE-2099-1".into()];
    scored.fixed = Some("2.8.4".into());
    scored.url = Some("https://rustsec.org/advisories/RUSTSEC-2099-0001".into());
    scored.evidence = vec![Evidence {
        path: "Cargo.lock".into(),
        line: scored.line,
        snippet: None,
        note: Some(
            "RUSTSEC-2099-0001 affects <2.8.4; severity: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H = 9.8"
                .into(),
        ),
    }];
    let mut ignored = Finding::for_package(
        "vulnerability",
        Severity::Medium,
        package("itoa", "0.4.8"),
        "Cargo.lock",
        "itoa formats wrongly",
    );
    ignored.id = Some("RUSTSEC-2099-0002".into());
    let mut policy = Finding::for_package(
        "bans",
        Severity::High,
        package("ryu", "1.0.23"),
        "Cargo.lock",
        "ryu is banned",
    );
    policy.id = Some("bans.deny".into());
    ScanReport {
        findings: vec![scored, policy],
        ignored: vec![(ignored, "the formatting path is not used".into())],
        ..ScanReport::default()
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

#[test]
fn cyclonedx_of_a_cargo_workspace() {
    let inventory = cargo();
    let bom = cyclonedx_bom(&inventory, &cargo_report(&inventory), &options());
    insta::assert_snapshot!(pretty(&bom));
}

#[test]
fn spdx_of_a_cargo_workspace() {
    insta::assert_snapshot!(pretty(&spdx_document(&cargo(), &options())));
}

#[test]
fn cyclonedx_vulnerabilities_rate_affect_and_analyse() {
    let inventory = cargo();
    let bom = cyclonedx_bom(&inventory, &cargo_report(&inventory), &options());
    let vulnerabilities = bom["vulnerabilities"].as_array().unwrap();
    assert_eq!(
        vulnerabilities.len(),
        2,
        "policy findings are not vulnerabilities"
    );
    let scored = &vulnerabilities[0];
    assert_eq!(scored["id"], "RUSTSEC-2099-0001");
    assert_eq!(scored["source"]["name"], "RustSec");
    assert_eq!(scored["ratings"][0]["severity"], "critical");
    assert_eq!(scored["ratings"][0]["score"], 9.8);
    assert_eq!(scored["ratings"][0]["method"], "CVSSv31");
    assert_eq!(scored["affects"][0]["ref"], "pkg:cargo/memchr@2.8.3");
    assert!(scored.get("analysis").is_none());
    let ignored = &vulnerabilities[1];
    assert_eq!(ignored["id"], "RUSTSEC-2099-0002");
    assert_eq!(ignored["analysis"]["state"], "not_affected");
    assert_eq!(
        ignored["analysis"]["detail"],
        "the formatting path is not used"
    );
    assert_eq!(ignored["affects"][0]["ref"], "pkg:cargo/itoa@0.4.8");
}

#[test]
fn cyclonedx_graph_follows_the_lock() {
    let inventory = cargo();
    let bom = cyclonedx_bom(&inventory, &ScanReport::default(), &options());
    let components = bom["components"].as_array().unwrap();
    assert_eq!(components.len(), inventory.package_count());
    let refs: HashSet<&str> = components
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), components.len(), "bom-refs are unique");
    let aho = bom["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == "pkg:cargo/aho-corasick@1.1.5")
        .unwrap();
    assert_eq!(
        aho["dependsOn"],
        serde_json::json!(["pkg:cargo/memchr@2.8.3"])
    );
    assert!(bom.get("vulnerabilities").is_none());
}

#[test]
fn npm_lock_components_carry_scope_license_and_hashes() {
    let inventory = inventory(
        "npm/package-lock.v3.json",
        "package-lock.json",
        LockfileFormat::PackageLock,
    );
    let bom = cyclonedx_bom(&inventory, &ScanReport::default(), &options());
    let components = bom["components"].as_array().unwrap();
    assert_eq!(components.len(), inventory.package_count());
    let lock = &inventory.lockfiles[0];
    for component in components {
        let package = lock
            .packages
            .iter()
            .find(|p| p.purl == component["purl"])
            .unwrap();
        let expected_scope = if package.scope.dev || package.scope.optional {
            "optional"
        } else {
            "required"
        };
        assert_eq!(component["scope"], expected_scope, "{}", package.purl);
        if package.hashes.iter().any(|h| h.algorithm == "sha512") {
            assert!(
                component["hashes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|h| h["alg"] == "SHA-512"),
                "{}",
                package.purl
            );
        }
    }
    assert!(
        components.iter().any(|c| c["scope"] == "optional")
            && components.iter().any(|c| c["scope"] == "required"),
        "the fixture has both scopes"
    );
    let spdx = spdx_document(&inventory, &options());
    let packages = spdx["packages"].as_array().unwrap();
    assert_eq!(
        packages.len(),
        inventory.package_count() + 1,
        "plus the lockfile's project"
    );
    let ids: HashSet<&str> = packages
        .iter()
        .map(|p| p["SPDXID"].as_str().unwrap())
        .collect();
    for relationship in spdx["relationships"].as_array().unwrap() {
        let from = relationship["spdxElementId"].as_str().unwrap();
        let to = relationship["relatedSpdxElement"].as_str().unwrap();
        assert!(from == "SPDXRef-DOCUMENT" || ids.contains(from), "{from}");
        assert!(ids.contains(to), "{to}");
    }
    assert!(packages.iter().any(|p| p["licenseDeclared"] == "MIT"));
}

#[test]
fn same_input_same_document_and_time_changes_the_serial() {
    let inventory = cargo();
    let report = ScanReport::default();
    let a = cyclonedx_bom(&inventory, &report, &options());
    assert_eq!(a, cyclonedx_bom(&inventory, &report, &options()));
    let later = SbomOptions {
        timestamp: "2026-12-02T00:00:00Z".to_owned(),
    };
    let b = cyclonedx_bom(&inventory, &report, &later);
    assert_ne!(a["serialNumber"], b["serialNumber"]);
    assert_eq!(b["metadata"]["timestamp"], "2026-12-02T00:00:00Z");
}
