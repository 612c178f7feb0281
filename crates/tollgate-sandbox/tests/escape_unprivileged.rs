//! The escapes of issue 11 again, with the payload run as an ordinary user (uid 65534,
//! `nobody`, which every Linux system has) instead of root: the sandbox must hold for both.
//! The test process must be root to start the payload under another uid; otherwise each
//! test says so and skips.

mod common;

use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::net::UnixListener;
use std::time::Duration;

use common::{Lab, assert_blocked_as};

const NOBODY: u32 = 65534;

/// A lab whose project and outside directory belong to `nobody`; `None` when not root.
fn lab() -> Option<Lab> {
    let lab = Lab::new();
    if !lab.outside("test \"$(id -u)\" = 0").status.success() {
        println!("skipped: the tests must run as root to start payloads as uid {NOBODY}");
        return None;
    }
    for dir in [lab.project.path(), lab.outside.path()] {
        chown(dir, Some(NOBODY), Some(NOBODY)).expect("chown");
    }
    chown(
        lab.outside.path().join("victim"),
        Some(NOBODY),
        Some(NOBODY),
    )
    .expect("chown");
    Some(lab)
}

#[test]
fn named_unix_socket_outside() {
    let Some(lab) = lab() else { return };
    let path = lab.home.path().join(".ssh/agent.sock");
    let _listener = UnixListener::bind(&path).expect("bind");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let script = format!(
        "python3 -c 'import socket; s=socket.socket(socket.AF_UNIX); s.connect(\"{}\")'",
        path.display()
    );
    assert_blocked_as(&lab, &script, NOBODY);
}

#[test]
fn chmod_of_an_own_file_outside() {
    let Some(lab) = lab() else { return };
    let victim = lab.outside.path().join("victim");
    let script = format!("chmod 0777 {}", victim.display());
    assert_blocked_as(&lab, &script, NOBODY);
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).expect("reset");
    let _ = lab.inside_with(lab.policy(), &script, Some(NOBODY));
    let mode = std::fs::metadata(&victim)
        .expect("stat")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o644, "ESCAPE: mode changed");
}

#[test]
fn mptcp_socket() {
    let Some(lab) = lab() else { return };
    let script =
        "python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)'";
    if !lab.outside_as(script, Some(NOBODY)).status.success() {
        println!("skipped: MPTCP is not enabled on this kernel");
        return;
    }
    assert_blocked_as(&lab, script, NOBODY);
}

#[test]
fn new_user_namespace() {
    let Some(lab) = lab() else { return };
    let script = "unshare --user true";
    if !lab.outside_as(script, Some(NOBODY)).status.success() {
        println!("skipped: unprivileged user namespaces are not allowed outside either");
        return;
    }
    assert_blocked_as(&lab, script, NOBODY);
}

#[test]
fn processes_of_other_users_are_not_visible() {
    let Some(lab) = lab() else { return };
    let mut sleeper = std::process::Command::new("sh")
        .args(["-c", "sleep 60", "planted-cmdline-secret"])
        .spawn()
        .expect("spawn");
    let script = "grep -qsa 'planted-cmdline-secre[t]' /proc/[0-9]*/cmdline";
    assert_blocked_as(&lab, script, NOBODY);
    let _ = sleeper.kill();
    let _ = sleeper.wait();
}

#[test]
fn double_forked_payload_outlives_the_command() {
    let Some(lab) = lab() else { return };
    let marker = lab.project.path().join("still-alive");
    let script = "(sleep 1; echo alive > still-alive) >/dev/null 2>&1 </dev/null & exit 0";
    assert!(lab.outside_as(script, Some(NOBODY)).status.success());
    std::thread::sleep(Duration::from_millis(2000));
    assert!(
        marker.exists(),
        "the payload must outlive its parent outside"
    );
    std::fs::remove_file(&marker).expect("clean up");
    let inside = lab.inside_with(lab.policy(), script, Some(NOBODY));
    assert!(inside.status.success(), "{inside:?}");
    std::thread::sleep(Duration::from_millis(2000));
    assert!(!marker.exists(), "ESCAPE: a process outlived the command");
}

#[test]
fn benign_work_still_runs() {
    let Some(lab) = lab() else { return };
    let output = lab.inside_with(
        lab.policy(),
        "echo made > file && echo t > \"$TMPDIR/t\" && cat file \"$TMPDIR/t\" && test \"$(id -u)\" = 65534",
        Some(NOBODY),
    );
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "made\nt\n");
}
