//! `tollgate run` reports what the seccomp filter refused, in its text report and in the
//! JSON `denials` (`"kind": "syscall"`, `"source": "seccomp"`, the call's name and the
//! program), while the call still fails with `EPERM`. The escape suite proper is
//! crates/tollgate-sandbox/tests/seccomp_report.rs.

use assert_cmd::Command;
use tempfile::TempDir;

/// `keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING)`, its failure swallowed; prints
/// the errno (0: it worked).
const KEYCTL: &str = r#"import ctypes, platform
libc = ctypes.CDLL(None, use_errno=True)
nr = {"x86_64": 250, "aarch64": 219}[platform.machine()]
ctypes.set_errno(0)
result = libc.syscall(nr, ctypes.c_long(0), ctypes.c_long(-3), ctypes.c_long(0))
print("keyctl errno", 0 if result >= 0 else ctypes.get_errno())
"#;

fn tollgate(project: &TempDir, home: &TempDir) -> Command {
    let mut command = Command::cargo_bin("tollgate").expect("binary");
    command
        .env("HOME", home.path())
        .current_dir(project.path())
        .arg("run");
    command
}

#[test]
fn a_refused_system_call_is_reported_in_text_and_json() {
    let (project, home) = (TempDir::new().expect("dir"), TempDir::new().expect("dir"));
    let plain = std::process::Command::new("python3")
        .args(["-c", KEYCTL])
        .output()
        .expect("run outside");
    assert!(
        String::from_utf8_lossy(&plain.stdout).contains("keyctl errno 0"),
        "keyctl works outside: {plain:?}"
    );

    let text = tollgate(&project, &home)
        .args(["--", "python3", "-c", KEYCTL])
        .output()
        .expect("run");
    assert_eq!(text.status.code(), Some(0), "the probe swallows the error");
    assert!(String::from_utf8_lossy(&text.stdout).contains("keyctl errno 1"));
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        stderr
            .contains("tollgate: the sandbox denied the command (refused by the seccomp filter):"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the command made the system call keyctl in python"),
        "{stderr}"
    );

    let json = tollgate(&project, &home)
        .args(["--format", "json", "--", "python3", "-c", KEYCTL])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&json.stderr).contains("keyctl errno 1"));
    let report: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("standard output is only the JSON");
    assert_eq!(report["exit_code"], 0);
    let denials = report["denials"].as_array().expect("denials");
    let denial = denials
        .iter()
        .find(|denial| denial["kind"] == "syscall")
        .unwrap_or_else(|| panic!("a syscall denial: {report}"));
    assert_eq!(denial["source"], "seccomp");
    assert_eq!(denial["target"], "keyctl");
    assert_eq!(denial["why"], "seccomp filter, EPERM");
    assert!(
        denial["program"]
            .as_str()
            .is_some_and(|program| program.starts_with("python")),
        "{denial}"
    );
    // The other fields of every denial are still there.
    let keys: Vec<&str> = denial
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["kind", "program", "source", "target", "why"]);
}

#[test]
fn explain_says_refusals_are_reported() {
    let (project, home) = (TempDir::new().expect("dir"), TempDir::new().expect("dir"));
    tollgate(&project, &home)
        .arg("--explain")
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "every refusal is reported (tollgate's listener records the call and answers EPERM)",
        ));
}
