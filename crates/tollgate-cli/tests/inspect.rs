//! `tollgate inspect` on archives of the install-time labelled set.

use assert_cmd::Command;

fn labelled(archive: &str) -> String {
    format!(
        "{}/../tollgate-analysis/tests/labelled/built/{archive}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn malicious_archive_exits_1_with_evidence() {
    let output = Command::cargo_bin("tollgate")
        .unwrap()
        .args(["inspect", "--format", "json"])
        .arg(labelled("lab-eslint-scope-style-3.7.2.tgz"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["name"], "lab-eslint-scope-style");
    let first = &report["findings"][0];
    assert_eq!(first["rule"], "exfiltration");
    assert_eq!(first["severity"], "critical");
    assert_eq!(first["phase"], "postinstall");
    assert_eq!(first["file"], "lib/build.js");
}

#[test]
fn benign_archive_exits_0_and_lists_its_hook() {
    let output = Command::cargo_bin("tollgate")
        .unwrap()
        .arg("inspect")
        .arg(labelled("lab-cc-build-0.1.0.crate"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("lab-cc-build 0.1.0 (crates.io): runs-code (build-rs)\n"),
        "{text}"
    );
    assert!(text.contains("hook build.rs -> build.rs"), "{text}");
}

#[test]
fn name_at_version_needs_an_ecosystem() {
    let output = Command::cargo_bin("tollgate")
        .unwrap()
        .args(["inspect", "left-pad@1.3.0", "--offline"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("give --ecosystem"));
}
