//! `tollgate install-code`: the lock-only install-time code map.

use assert_cmd::Command;
use predicates::str::contains;

const LOCK_WITH_INSTALL_SCRIPT: &str = r#"{
  "name": "demo",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": { "name": "demo", "dependencies": { "esbuild": "0.19.12", "left-pad": "1.3.0" } },
    "node_modules/esbuild": {
      "version": "0.19.12",
      "resolved": "https://registry.npmjs.org/esbuild/-/esbuild-0.19.12.tgz",
      "integrity": "sha512-aARqgq8roFBj054KvQr5f1sFu0D65G+miZRCuJyJ0G13Zwx7vRar5Zhn2tkQNzIXcBrNVsv/8stehpj+GAjgbg==",
      "hasInstallScript": true
    },
    "node_modules/left-pad": {
      "version": "1.3.0",
      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
      "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQE3b5qpoj1a7jGQ9JiE3jGCqzf7TXtxcdRkmVc9nG0v1lOw=="
    }
  }
}
"#;

#[test]
fn marks_install_scripts_from_the_lock_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("package-lock.json"),
        LOCK_WITH_INSTALL_SCRIPT,
    )
    .unwrap();
    let output = Command::cargo_bin("tollgate")
        .unwrap()
        .args(["install-code", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let maps: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let entries = maps[0]["entries"].as_array().unwrap();
    let state = |name: &str| {
        entries
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} mapped"))
            .clone()
    };
    let esbuild = state("esbuild");
    assert_eq!(esbuild["state"], "runs-code");
    assert_eq!(esbuild["evidence"]["line"], 7);
    // package-lock v3 records `hasInstallScript` only when true: its absence means no scripts.
    assert_eq!(state("left-pad")["state"], "no-code");

    Command::cargo_bin("tollgate")
        .unwrap()
        .arg("install-code")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(contains("esbuild"))
        .stdout(contains("runs-code (npm-script)"));
}
