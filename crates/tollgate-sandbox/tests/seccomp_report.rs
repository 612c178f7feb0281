//! seccomp refusals are reported (`tollgate_sandbox::notify`): a refused system call still
//! fails with `EPERM` inside, and tollgate's listener records it as a `syscall` denial with
//! the call's name and the program, even when the program swallows the error and prints
//! nothing. Each probe first succeeds outside the sandbox. Also: no sandboxed process holds
//! the listener, refusals in the command's children are reported too, the same holds as
//! uid 65534, and with reporting off the filter refuses the same calls.

mod common;

use common::Lab;
use tollgate_sandbox::denials::{Denial, DenialKind};

const NOBODY: u32 = 65534;

/// `python3 probe.py WHAT` makes one system call the filter refuses and prints
/// `WHAT errno N` (0: it worked). Exit 0 either way: the failure is swallowed.
const PROBE: &str = r#"import ctypes, platform, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
NR = {"x86_64": {"keyctl": 250, "unshare": 272}, "aarch64": {"keyctl": 219, "unshare": 97}}[platform.machine()]
def call(name, *args):
    ctypes.set_errno(0)
    result = libc.syscall(NR[name], *[ctypes.c_long(arg) for arg in args])
    return 0 if result >= 0 else ctypes.get_errno()
what = sys.argv[1]
if what == "keyctl":
    error = call("keyctl", 0, -3, 0)  # KEYCTL_GET_KEYRING_ID of the session keyring
elif what == "unshare":
    error = call("unshare", 0x10000000)  # CLONE_NEWUSER
elif what == "mptcp":
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262).close()
        error = 0
    except OSError as e:
        error = e.errno
print(what, "errno", error)
"#;

/// Sets a `user.*` attribute on a project file; silent and exit 0 either way, exit 3 when
/// the call failed with something other than `EPERM`.
const SILENT_SETXATTR: &str = "import errno, os\n\
open('f', 'w').close()\n\
try:\n    os.setxattr('f', 'user.planted', b'1')\n    print('set')\n\
except OSError as e:\n    raise SystemExit(0 if e.errno == errno.EPERM else 3)\n";

fn inside(lab: &Lab, script: &str) -> (std::process::Output, Vec<Denial>) {
    common::run_in(&common::full_plan(lab.policy()), script, None)
}

fn syscall_denial<'a>(denials: &'a [Denial], name: &str) -> Option<&'a Denial> {
    denials
        .iter()
        .find(|denial| denial.kind == DenialKind::Syscall && denial.target.as_deref() == Some(name))
}

fn syscall_denials(denials: &[Denial]) -> Vec<&Denial> {
    denials
        .iter()
        .filter(|denial| denial.kind == DenialKind::Syscall)
        .collect()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `probe.py what` outside (as `uid`) and asserts it works, then inside and asserts
/// it got `EPERM` and was reported as `name` with the program and `why`.
fn assert_refused_and_reported(lab: &Lab, what: &str, name: &str, why: &str, uid: Option<u32>) {
    std::fs::write(lab.project.path().join("probe.py"), PROBE).expect("probe");
    let script = format!("python3 probe.py {what}");
    let outside = lab.outside_as(&script, uid);
    assert!(
        stdout(&outside).contains(&format!("{what} errno 0")),
        "{what} must work outside to prove anything: {outside:?}"
    );
    let (output, denials) = common::run_in(&common::full_plan(lab.policy()), &script, uid);
    assert!(
        stdout(&output).contains(&format!("{what} errno 1")),
        "ESCAPE or not EPERM: {what} inside: {output:?}"
    );
    let denial = syscall_denial(&denials, name)
        .unwrap_or_else(|| panic!("the refused {name} is reported: {denials:?}"));
    let program = denial.program.as_deref().unwrap_or_default();
    assert!(program.starts_with("python"), "the program: {denial:?}");
    assert_eq!(denial.why.as_deref(), Some(why));
    assert_eq!(
        denial.to_string(),
        format!("made the system call {name} in {program} (refused: {why})")
    );
}

#[test]
fn keyctl_is_refused_and_reported() {
    let lab = Lab::new();
    assert_refused_and_reported(&lab, "keyctl", "keyctl", "seccomp filter, EPERM", None);
}

#[test]
fn a_new_user_namespace_is_refused_and_reported() {
    let lab = Lab::new();
    assert_refused_and_reported(
        &lab,
        "unshare",
        "unshare",
        "seccomp filter, EPERM: unshare(0x10000000)",
        None,
    );
}

#[test]
fn an_mptcp_socket_is_refused_and_reported() {
    let lab = Lab::new();
    assert_refused_and_reported(
        &lab,
        "mptcp",
        "socket",
        "seccomp filter, EPERM: socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)",
        None,
    );
}

#[test]
fn refusals_are_reported_for_an_unprivileged_user_too() {
    let lab = Lab::new();
    if !lab.outside("test \"$(id -u)\" = 0").status.success() {
        println!("skipped: the test must run as root to start the probe as uid {NOBODY}");
        return;
    }
    std::os::unix::fs::chown(lab.project.path(), Some(NOBODY), Some(NOBODY)).expect("chown");
    assert_refused_and_reported(
        &lab,
        "mptcp",
        "socket",
        "seccomp filter, EPERM: socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)",
        Some(NOBODY),
    );
}

#[test]
fn a_silently_swallowed_refusal_is_reported() {
    let lab = Lab::new();
    std::fs::write(lab.project.path().join("xattr.py"), SILENT_SETXATTR).expect("probe");
    let outside = lab.outside("python3 xattr.py");
    assert!(
        stdout(&outside).contains("set"),
        "setxattr must work outside to prove anything: {outside:?}"
    );
    let (output, denials) = inside(&lab, "python3 xattr.py");
    assert!(output.status.success(), "EPERM as before: {output:?}");
    assert!(
        !stdout(&output).contains("set"),
        "ESCAPE: setxattr worked inside"
    );
    assert!(output.stderr.is_empty(), "the probe prints nothing");
    let denial = syscall_denial(&denials, "setxattr")
        .unwrap_or_else(|| panic!("the refused setxattr is reported: {denials:?}"));
    assert!(
        denial
            .line
            .contains("setxattr refused by the seccomp filter")
    );
}

#[test]
fn refusals_are_reported_once_per_command_and_not_again() {
    let lab = Lab::new();
    let outside = lab.outside("unshare --user true");
    assert!(
        outside.status.success(),
        "unshare works outside: {outside:?}"
    );
    let plan = common::full_plan(lab.policy());
    let (output, denials) = common::run_in(
        &plan,
        "unshare --user true; unshare --user true; true",
        None,
    );
    assert!(output.status.success());
    let unshares = syscall_denials(&denials);
    assert_eq!(unshares.len(), 1, "{denials:?}");
    assert_eq!(unshares[0].target.as_deref(), Some("unshare"));
    assert_eq!(unshares[0].program.as_deref(), Some("unshare"));
    // A command with no refused call reports none (the plan's next command starts afresh).
    let (output, denials) = common::run_in(&plan, "ls / > /dev/null", None);
    assert!(output.status.success());
    assert!(syscall_denials(&denials).is_empty(), "{denials:?}");
}

#[test]
fn refusals_in_background_children_are_reported() {
    let lab = Lab::new();
    std::fs::write(lab.project.path().join("probe.py"), PROBE).expect("probe");
    // The child is not waited for; the shell only polls for its output (for up to 20 s:
    // a fixed short sleep lost the race on a loaded machine). The filter is inherited.
    let (output, denials) = inside(
        &lab,
        "(python3 probe.py keyctl > out &) ; for _ in $(seq 400); do grep -q errno out 2>/dev/null && break; sleep 0.05; done",
    );
    assert!(output.status.success(), "{output:?}");
    let written = std::fs::read_to_string(lab.project.path().join("out")).unwrap_or_default();
    assert!(written.contains("keyctl errno 1"), "{written:?}");
    assert!(
        syscall_denial(&denials, "keyctl").is_some(),
        "the child's refusal is reported: {denials:?}"
    );
}

/// The listener is tollgate's alone: no sandboxed process has a descriptor of it (it
/// could answer its own refused calls), before or after a refusal.
#[test]
fn no_sandboxed_process_holds_the_listener() {
    let lab = Lab::new();
    std::fs::write(lab.project.path().join("probe.py"), PROBE).expect("probe");
    let script = "list() { for fd in /proc/[0-9]*/fd/*; do readlink \"$fd\"; done 2>/dev/null; }; \
                  list; python3 probe.py keyctl; sleep 0.2 & list; wait; echo listed";
    let (output, denials) = inside(&lab, script);
    let seen = stdout(&output);
    assert!(
        seen.contains("listed") && seen.contains("/dev/null"),
        "{seen}"
    );
    assert!(
        !seen.contains("seccomp"),
        "a sandboxed process holds the listener: {seen}"
    );
    assert!(syscall_denial(&denials, "keyctl").is_some(), "{denials:?}");
}

#[test]
fn without_reporting_the_same_calls_are_refused_and_nothing_is_recorded() {
    let lab = Lab::new();
    std::fs::write(lab.project.path().join("probe.py"), PROBE).expect("probe");
    let mut policy = lab.policy();
    policy.report_syscalls = false;
    let (output, denials) =
        common::run_in(&common::full_plan(policy), "python3 probe.py keyctl", None);
    assert!(
        stdout(&output).contains("keyctl errno 1"),
        "ESCAPE: keyctl without the listener: {output:?}"
    );
    assert!(syscall_denials(&denials).is_empty(), "{denials:?}");
}
