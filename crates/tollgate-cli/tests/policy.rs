//! `tollgate policy`: config validation with diagnostics, and the checks on real lockfiles.

use assert_cmd::Command;
use predicates::str::contains;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tollgate-policy/tests/fixtures")
        .join(name)
}

#[test]
fn invalid_policy_points_at_line_and_column_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tollgate.toml");
    std::fs::write(&config, "[licenses]\nallow = [\"MIT\", \"Apache2\"]\n").unwrap();
    Command::cargo_bin("tollgate")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(["policy", "--config"])
        .arg(&config)
        .arg(fixture("typomania"))
        .assert()
        .code(2)
        .stderr(contains("`Apache2` is not an SPDX license id"))
        .stderr(contains("tollgate.toml:2:17"))
        .stderr(contains("did you mean `Apache-2.0`?"));
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tollgate.toml");
    std::fs::write(&config, "[cooldown]\nminimum-release-days = 3\n").unwrap();
    Command::cargo_bin("tollgate")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(["policy", "--config"])
        .arg(&config)
        .arg(fixture("typomania"))
        .assert()
        .code(2)
        .stderr(contains("did you mean `minimum-release-age`?"));
}

#[test]
fn findings_in_json_with_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tollgate.toml");
    std::fs::write(&config, "[sources]\nlevel = \"deny\"\n").unwrap();
    let output = Command::cargo_bin("tollgate")
        .unwrap()
        .args(["policy", "--format", "json", "--config"])
        .arg(&config)
        .arg(fixture("uv-git"))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let finding = &json["findings"][0];
    assert_eq!(finding["code"], "sources-git-host");
    assert_eq!(finding["severity"], "high");
    assert_eq!(finding["id"], "sources.git");
    assert_eq!(finding["evidence"][1]["line"], 1);
    assert_eq!(json["advisories"]["checked"], false);
}

#[test]
fn warnings_do_not_fail_by_default() {
    // install-scripts is `warn` by default: reported at severity info, exit 0.
    Command::cargo_bin("tollgate")
        .unwrap()
        .args(["policy"])
        .arg(fixture("scripts"))
        .assert()
        .code(0)
        .stdout(contains("install-scripts"));
}
