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

/// Issue 13 item 3 for `tollgate policy`: each lockfile under the nearest tollgate.toml
/// at or above it (up to the repository root), whatever the order of the paths.
#[test]
fn several_paths_each_get_their_nearest_policy() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let lock = "version = 4\n\n[[package]]\nname = \"badcrate\"\nversion = \"1.0.0\"\n\
                source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\
                checksum = \"0000000000000000000000000000000000000000000000000000000000000000\"\n";
    for dir in ["a", "b"] {
        std::fs::create_dir(repo.path().join(dir)).unwrap();
        std::fs::write(repo.path().join(dir).join("Cargo.lock"), lock).unwrap();
    }
    std::fs::write(
        repo.path().join("a/tollgate.toml"),
        "[bans]\ndeny = [{ ecosystem = \"crates.io\", name = \"badcrate\", reason = \"a's policy\" }]\n",
    )
    .unwrap();
    let policy = |paths: &[&str]| {
        let output = Command::cargo_bin("tollgate")
            .unwrap()
            .current_dir(repo.path())
            .args(["policy", "--format", "json"])
            .args(paths)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let bans: Vec<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "bans")
            .map(|f| f["lockfile"].as_str().unwrap().to_owned())
            .collect();
        (output.status.code(), bans, json)
    };
    for order in [["a", "b"], ["b", "a"]] {
        let (code, bans, json) = policy(&order);
        assert_eq!(code, Some(1), "{json}");
        assert_eq!(bans, ["a/Cargo.lock"], "{json}");
        let applied: Vec<&str> = json["lockfiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["policy"].as_str().unwrap())
            .collect();
        assert!(
            applied.contains(&"<default>")
                && applied.iter().any(|p| p.ends_with("a/tollgate.toml")),
            "{json}"
        );
    }
    let (code, bans, json) = policy(&["b"]);
    assert_eq!((code, bans.len()), (Some(0), 0), "{json}");
}
