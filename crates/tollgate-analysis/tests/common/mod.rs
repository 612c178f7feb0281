//! Helpers shared by the verdict tests: a package built from `(path, text)` pairs and
//! judged, and what to assert on the verdict.

#![allow(dead_code)] // each test file uses its own subset

use tollgate_analysis::{PackageFiles, Verdict, VerdictLevel, analyze_package};

pub fn verdict(files: &[(&str, &str)]) -> Verdict {
    // One top-level folder, as in a real sdist or npm tarball; it is stripped on reading.
    let entries = files
        .iter()
        .map(|(path, text)| (format!("fixture-1.0/{path}"), text.as_bytes().to_vec()));
    analyze_package("fixture", &PackageFiles::from_entries(entries))
        .expect("analysable")
        .verdict
}

pub fn assert_level(files: &[(&str, &str)], level: VerdictLevel) -> Verdict {
    let verdict = verdict(files);
    assert_eq!(verdict.level, level, "{verdict:#?}");
    verdict
}

pub const PKG_INFO: (&str, &str) = (
    "PKG-INFO",
    "Metadata-Version: 2.1\nName: fixture\nVersion: 1.0\n",
);

pub fn b64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

pub fn rules(verdict: &Verdict) -> Vec<&str> {
    verdict.reasons.iter().map(|r| r.rule.as_str()).collect()
}

pub fn setup_py(body: &str) -> Verdict {
    verdict(&[PKG_INFO, ("setup.py", body)])
}
