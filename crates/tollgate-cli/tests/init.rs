//! `tollgate init`: writes a starter policy that validates, refuses to overwrite it.

use assert_cmd::Command;
use predicates::str::contains;

#[test]
fn writes_a_valid_starter_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("tollgate")
        .unwrap()
        .args(["init"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("tollgate.toml"));
    let path = dir.path().join("tollgate.toml");
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("minimum-release-age = 7"));
    tollgate_policy::Config::load(&path).unwrap();

    std::fs::write(&path, "# mine\n").unwrap();
    Command::cargo_bin("tollgate")
        .unwrap()
        .arg("init")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("already exists"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");

    Command::cargo_bin("tollgate")
        .unwrap()
        .args(["init", "--force"])
        .arg(dir.path())
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
}
