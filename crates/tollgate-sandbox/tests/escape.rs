//! The escape suite: every way out that issue 6 lists, each proven to work outside the
//! sandbox and to fail inside it. Needs Linux with Landlock ABI >= 6 and unprivileged user
//! namespaces (CI has both); it fails loudly rather than skipping when they are missing.
//! Listeners bind 127.0.0.1 only; secrets are planted in a temporary fake `$HOME`.

mod common;

use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::os::unix::net::{SocketAddr, UnixListener};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Lab, assert_blocked, assert_failed_inside, file_content};

#[test]
fn benign_work_still_runs_inside() {
    let lab = Lab::new();
    std::fs::write(lab.project.path().join("input"), "hello").expect("input");
    let script = "cat input > output && echo tmp > \"$TMPDIR/t\" && cat \"$TMPDIR/t\" >> output && ls /usr/bin >/dev/null";
    let output = lab.inside(script);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        file_content(&lab.project.path().join("output")),
        "hellotmp\n"
    );
}

#[test]
fn read_planted_ssh_key() {
    let lab = Lab::new();
    assert_blocked(&lab, "cat \"$HOME/.ssh/id_rsa\"");
}

#[test]
fn read_planted_aws_credentials() {
    let lab = Lab::new();
    assert_blocked(&lab, "cat \"$HOME/.aws/credentials\"");
}

#[test]
fn list_home_directory() {
    let lab = Lab::new();
    assert_blocked(&lab, "ls -a \"$HOME\" | grep -q .ssh");
}

#[test]
fn read_parent_environ() {
    let lab = Lab::new();
    // The test process itself is the sandbox's parent.
    let script = format!("cat /proc/{}/environ | grep -qa PATH=", std::process::id());
    assert_blocked(&lab, &script);
}

#[test]
fn tcp_connect_to_localhost() {
    let lab = Lab::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    assert_blocked(&lab, &format!("exec 3<>/dev/tcp/127.0.0.1/{port}"));
}

#[test]
fn udp_send_to_localhost() {
    let lab = Lab::new();
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let port = socket.local_addr().expect("addr").port();
    let script = format!("echo outside-proof > /dev/udp/127.0.0.1/{port}");
    let plain = lab.outside(&script);
    assert!(plain.status.success());
    let mut buffer = [0u8; 64];
    let received = socket
        .recv(&mut buffer)
        .expect("the datagram sent outside arrives");
    assert_eq!(&buffer[..received], b"outside-proof\n");
    let sandboxed = lab.inside(&script.replace("outside-proof", "inside-leak"));
    assert_failed_inside(&sandboxed, &script);
    assert!(
        socket.recv(&mut buffer).is_err(),
        "a datagram from inside arrived"
    );
}

#[test]
fn dns_lookup() {
    let lab = Lab::new();
    let script = "getent ahosts crates.io";
    if !lab.outside(script).status.success() {
        println!("skipped: this machine cannot resolve crates.io even outside the sandbox");
        return;
    }
    assert_blocked(&lab, script);
}

#[test]
fn write_outside_allowed_paths() {
    let lab = Lab::new();
    let target = lab.path(&lab.outside, "dropped");
    assert_blocked(&lab, &format!("echo x > {target}"));
    assert_blocked(&lab, "echo x > \"$HOME/.bashrc\"");
}

#[test]
fn write_to_host_tmp() {
    // Inside, /tmp is the view's own tmpfs: writing there works but never reaches the host.
    let lab = Lab::new();
    let name = format!("/tmp/tollgate-escape-test-{}", std::process::id());
    let script = format!("echo x > {name}");
    let plain = lab.outside(&script);
    assert!(plain.status.success(), "{plain:?}");
    assert!(std::path::Path::new(&name).exists());
    std::fs::remove_file(&name).expect("clean up");
    let _ = lab.inside(&script);
    assert!(
        !std::path::Path::new(&name).exists(),
        "ESCAPE: the sandbox wrote to the host /tmp"
    );
}

#[test]
fn write_through_symlink() {
    let lab = Lab::new();
    let victim = lab.outside.path().join("victim");
    symlink(&victim, lab.project.path().join("link")).expect("symlink");
    let script = "echo overwritten > link";
    assert_blocked(&lab, script);
    std::fs::write(&victim, "original").expect("restore");
    let sandboxed = lab.inside(script);
    assert_failed_inside(&sandboxed, script);
    assert_eq!(file_content(&victim), "original");
}

#[test]
fn write_through_hard_link() {
    let lab = Lab::new();
    let victim = lab.path(&lab.outside, "victim");
    let script = format!("ln -f {victim} hard && echo appended >> hard");
    assert_blocked(&lab, &script);
    std::fs::write(lab.outside.path().join("victim"), "original").expect("restore");
    let sandboxed = lab.inside(&script);
    assert_failed_inside(&sandboxed, &script);
    assert_eq!(file_content(&lab.outside.path().join("victim")), "original");
}

struct Sleeper(Child);

impl Sleeper {
    fn start() -> Sleeper {
        Sleeper(
            Command::new("sleep")
                .arg("60")
                .stdin(Stdio::null())
                .spawn()
                .expect("spawn sleep"),
        )
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn signal_process_outside() {
    let lab = Lab::new();
    let sleeper = Sleeper::start();
    assert_blocked(&lab, &format!("kill -CONT {}", sleeper.0.id()));
}

#[test]
fn ptrace_process_outside() {
    let lab = Lab::new();
    let sleeper = Sleeper::start();
    let script = format!(
        "python3 -c 'import ctypes,sys; libc=ctypes.CDLL(None); pid={}; \
         ok=libc.ptrace(16,pid,0,0)==0; ok and libc.ptrace(17,pid,0,0); sys.exit(0 if ok else 1)'",
        sleeper.0.id()
    );
    assert_blocked(&lab, &script);
}

#[test]
fn connect_abstract_unix_socket() {
    let lab = Lab::new();
    let name = format!("tollgate-escape-{}", std::process::id());
    let address = SocketAddr::from_abstract_name(name.as_bytes()).expect("abstract name");
    let _listener = UnixListener::bind_addr(&address).expect("bind abstract socket");
    let script = format!(
        "python3 -c 'import socket; s=socket.socket(socket.AF_UNIX); s.connect(\"\\0{name}\")'"
    );
    assert_blocked(&lab, &script);
}

#[test]
fn setuid_binary_does_not_raise_privileges() {
    let lab = Lab::new();
    let tools = tempfile::TempDir::new().expect("tools dir");
    std::fs::set_permissions(tools.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let setuid_id = tools.path().join("id");
    std::fs::copy("/usr/bin/id", &setuid_id).expect("copy id");
    std::fs::set_permissions(&setuid_id, std::fs::Permissions::from_mode(0o4755)).expect("setuid");
    let script = format!("{} -u", setuid_id.display());
    let nobody = Some(65534);
    // Outside, `nobody` running the setuid-root copy becomes euid 0.
    let plain = lab.outside_as(&script, nobody);
    assert_eq!(
        String::from_utf8_lossy(&plain.stdout).trim(),
        "0",
        "{plain:?}"
    );
    // Inside (binary allowed read+exec), no_new_privs keeps euid 65534.
    let mut policy = lab.policy();
    policy.read_only.push(tools.path().to_path_buf());
    let sandboxed = lab.inside_with(policy, &script, nobody);
    assert!(sandboxed.status.success(), "{sandboxed:?}");
    assert_eq!(String::from_utf8_lossy(&sandboxed.stdout).trim(), "65534");
}

#[test]
fn root_capabilities_over_the_host_are_gone() {
    let lab = Lab::new();
    // Raising priority needs CAP_SYS_NICE in the initial user namespace.
    let script = "python3 -c 'import os; os.nice(-1)'";
    if !lab.outside(script).status.success() {
        println!("skipped: not running as root, nothing to drop");
        return;
    }
    assert_blocked(&lab, script);
}

#[test]
fn planted_secrets_stay_unread_by_a_full_search() {
    let lab = Lab::new();
    let mut output =
        lab.inside("grep -rs planted- / --include=id_rsa --include=credentials 2>/dev/null; true");
    let mut stdout = String::new();
    output
        .stdout
        .as_slice()
        .read_to_string(&mut stdout)
        .expect("utf8");
    output.stdout.clear();
    assert!(!stdout.contains("planted-"), "{stdout}");
}
