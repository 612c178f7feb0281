//! Escape suite, second part (issue 11): the ways out that Landlock and the network
//! namespace alone left open, closed by the constructed file-system view, the PID/IPC/UTS
//! namespaces, the session keyring and the seccomp filter. As in `escape.rs`, every payload
//! is first shown to work outside the sandbox, then to fail inside. A probe that cannot
//! work outside on this machine says so and skips visibly.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Lab, assert_blocked, assert_failed_inside};

/// `python3 -c CODE`, quoted for bash.
fn python(code: &str) -> String {
    format!("python3 -c '{code}'")
}

#[test]
fn connect_named_unix_socket_outside() {
    // Stands for docker.sock, the ssh-agent, gpg-agent and the D-Bus session bus: Landlock
    // does not govern connect() to a named socket, even in a denied directory.
    let lab = Lab::new();
    let path = lab.home.path().join(".ssh/agent.sock");
    let _listener = UnixListener::bind(&path).expect("bind unix socket");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let script = python(&format!(
        "import socket; s=socket.socket(socket.AF_UNIX); s.connect(\"{}\")",
        path.display()
    ));
    assert_blocked(&lab, &script);
}

#[test]
fn host_run_directory_is_not_visible() {
    let lab = Lab::new();
    let script = "test -d /run && test -n \"$(ls -A /run)\"";
    if !lab.outside(script).status.success() {
        println!("skipped: /run is empty or missing on this machine");
        return;
    }
    assert_blocked(&lab, script);
}

#[test]
fn mptcp_bypasses_the_port_rule() {
    let lab = Lab::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    // IPPROTO_MPTCP = 262; an MPTCP client falls back to TCP against a plain listener.
    let script = python(&format!(
        "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262); s.connect((\"127.0.0.1\", {port}))"
    ));
    if !lab.outside(&script).status.success() {
        println!("skipped: MPTCP is not enabled on this kernel (net.mptcp.enabled)");
        return;
    }
    // Inside, only another port is allowed (no network namespace then: Landlock's TCP rule
    // is what is meant to stop it).
    let mut policy = lab.policy();
    policy.connect_ports = vec![port.wrapping_add(1).max(1)];
    let inside = lab.inside_with(policy, &script, None);
    assert_failed_inside(&inside, &script);
    let stderr = String::from_utf8_lossy(&inside.stderr);
    assert!(stderr.contains("Operation not permitted"), "{stderr}");
}

#[test]
fn raw_and_packet_sockets_are_refused() {
    let lab = Lab::new();
    // AF_PACKET needs CAP_NET_RAW on the host; a ping socket (ICMP datagram) does not.
    let script = python(
        "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)",
    );
    if !lab.outside(&script).status.success() {
        println!("skipped: ping sockets are not permitted outside (net.ipv4.ping_group_range)");
        return;
    }
    assert_blocked(&lab, &script);
}

#[test]
fn chmod_of_a_file_outside() {
    let lab = Lab::new();
    let key = lab.home.path().join(".ssh/id_rsa");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let script = format!("chmod 0644 {}", key.display());
    assert_blocked(&lab, &script);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("restore");
    let _ = lab.inside(&script);
    let mode = std::fs::metadata(&key).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "ESCAPE: the sandbox changed the key's mode");
}

#[test]
fn utime_of_a_file_outside() {
    let lab = Lab::new();
    let victim = lab.outside.path().join("victim");
    let script = format!("touch -d 2001-01-01 {}", victim.display());
    assert_blocked(&lab, &script);
    std::fs::write(&victim, "original").expect("restore (fresh mtime)");
    let _ = lab.inside(&script);
    let mtime = std::fs::metadata(&victim).expect("stat").mtime();
    assert!(
        mtime > 1_100_000_000,
        "ESCAPE: the sandbox changed the mtime"
    );
}

#[test]
fn setxattr_even_in_the_project() {
    let lab = Lab::new();
    std::fs::write(lab.project.path().join("file"), "x").expect("file");
    let script = python("import os; os.setxattr(\"file\", \"user.planted\", b\"1\")");
    if !lab.outside(&script).status.success() {
        println!("skipped: this file system has no user extended attributes");
        return;
    }
    std::fs::remove_file(lab.project.path().join("file")).expect("remove");
    std::fs::write(lab.project.path().join("file"), "x").expect("file");
    let inside = lab.inside(&script);
    assert_failed_inside(&inside, &script);
}

#[test]
fn setuid_bit_in_the_project() {
    // As root, a setuid file made in the project would be a setuid-root binary for every
    // other user of the machine.
    let lab = Lab::new();
    std::fs::write(lab.project.path().join("tool"), "#!/bin/sh\n").expect("file");
    let script = "chmod 4755 tool && test -u tool";
    assert_blocked(&lab, script);
    std::fs::set_permissions(
        lab.project.path().join("tool"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("reset");
    let _ = lab.inside(script);
    let mode = std::fs::metadata(lab.project.path().join("tool"))
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o6000, 0, "ESCAPE: setuid bit set");
    let create = python(
        "import os; fd=os.open(\"made\", os.O_CREAT|os.O_WRONLY, 0o4755); os.close(fd); assert os.stat(\"made\").st_mode & 0o4000",
    );
    assert_blocked(&lab, &create.replace("made", "made-outside"));
}

#[test]
fn new_user_namespace() {
    let lab = Lab::new();
    assert_blocked(&lab, "unshare --user true");
}

#[test]
fn root_is_not_uid_zero_inside() {
    let lab = Lab::new();
    let script = "test \"$(id -u)\" = 0";
    if !lab.outside(script).status.success() {
        println!("skipped: not running as root");
        return;
    }
    assert_blocked(&lab, script);
}

#[test]
fn shadow_is_not_in_the_view() {
    let lab = Lab::new();
    let script = "test -e /etc/shadow";
    if !lab.outside(script).status.success() {
        println!("skipped: this machine has no /etc/shadow");
        return;
    }
    assert_blocked(&lab, script);
}

#[test]
fn other_processes_are_not_visible() {
    let lab = Lab::new();
    let mut sleeper = Command::new("sh")
        .args(["-c", "sleep 60", "planted-cmdline-secret"])
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn");
    // The bracket keeps the pattern from matching the payload's own command line.
    let script = "grep -qsa 'planted-cmdline-secre[t]' /proc/[0-9]*/cmdline";
    assert_blocked(&lab, script);
    let _ = sleeper.kill();
    let _ = sleeper.wait();
}

#[test]
#[allow(unsafe_code)]
fn sysv_shared_memory_of_the_host() {
    let lab = Lab::new();
    let key: libc::key_t = 0x7011_0000 | (std::process::id() as libc::key_t & 0xffff);
    const SECRET: &[u8] = b"planted-shm";
    // SAFETY: a fresh segment of SECRET's size; written through the pointer shmat returns,
    // then detached; removed at the end of the test.
    let id = unsafe {
        let id = libc::shmget(key, SECRET.len(), libc::IPC_CREAT | 0o666);
        assert!(id >= 0, "shmget: {}", std::io::Error::last_os_error());
        let address = libc::shmat(id, std::ptr::null(), 0);
        assert_ne!(address as isize, -1, "shmat");
        std::ptr::copy_nonoverlapping(SECRET.as_ptr(), address.cast::<u8>(), SECRET.len());
        libc::shmdt(address);
        id
    };
    let script = python(&format!(
        "import ctypes,sys; libc=ctypes.CDLL(None); libc.shmat.restype=ctypes.c_void_p; i=libc.shmget({key}, 0, 0); sys.exit(1) if i < 0 else None; p=libc.shmat(i, None, 0); sys.stdout.write(ctypes.string_at(p, 11).decode())"
    ));
    let plain = lab.outside(&script);
    let inside = lab.inside(&script);
    // SAFETY: removes the segment made above.
    unsafe { libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()) };
    assert_eq!(String::from_utf8_lossy(&plain.stdout), "planted-shm");
    assert_failed_inside(&inside, &script);
}

#[test]
#[allow(unsafe_code)]
fn session_keyring_of_the_parent() {
    // The test process gets a session keyring of its own holding a key, like a user's
    // login session; its children possess that key and can read it.
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    const KEY_SPEC_SESSION_KEYRING: libc::c_long = -3;
    // SAFETY: keyctl/add_key with NUL-terminated strings and a live payload buffer.
    let added = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        );
        libc::syscall(
            libc::SYS_add_key,
            c"user".as_ptr(),
            c"tollgate-escape".as_ptr(),
            b"planted-key".as_ptr(),
            11usize,
            KEY_SPEC_SESSION_KEYRING,
        )
    };
    if added < 0 {
        println!(
            "skipped: no kernel keyring ({})",
            std::io::Error::last_os_error()
        );
        return;
    }
    if !cfg!(target_arch = "x86_64") {
        println!("skipped: the payload uses x86_64 system call numbers");
        return;
    }
    let lab = Lab::new();
    // request_key = 249, keyctl = 250, KEYCTL_READ = 11 on x86_64.
    let script = python(
        "import ctypes,sys; libc=ctypes.CDLL(None, use_errno=True); k=libc.syscall(249, b\"user\", b\"tollgate-escape\", None, 0); sys.exit(1) if k < 0 else None; b=ctypes.create_string_buffer(64); n=libc.syscall(250, 11, k, b, 64); sys.exit(1) if n < 0 else sys.stdout.write(b.raw[:n].decode())",
    );
    let plain = lab.outside(&script);
    assert_eq!(
        String::from_utf8_lossy(&plain.stdout),
        "planted-key",
        "{plain:?}"
    );
    let inside = lab.inside(&script);
    assert_failed_inside(&inside, &script);
}

#[test]
fn double_forked_payload_outlives_the_command() {
    let lab = Lab::new();
    let marker = lab.project.path().join("still-alive");
    let script = "(sleep 1; echo alive > still-alive) >/dev/null 2>&1 </dev/null & exit 0";
    let plain = lab.outside(script);
    assert!(plain.status.success());
    std::thread::sleep(Duration::from_millis(2000));
    assert!(
        marker.exists(),
        "the payload must outlive its parent outside"
    );
    std::fs::remove_file(&marker).expect("clean up");
    let inside = lab.inside(script);
    assert!(inside.status.success(), "{inside:?}");
    std::thread::sleep(Duration::from_millis(2000));
    assert!(
        !marker.exists(),
        "ESCAPE: a process outlived the sandboxed command"
    );
}

#[test]
fn grandchild_holding_stderr_does_not_hold_up_tollgate() {
    let lab = Lab::new();
    let script = "sleep 3 & exit 0";
    // Outside, the pipe stays open after the command exits, as long as the sleep runs.
    let mut plain = Command::new("/bin/bash")
        .args(["-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stderr = plain.stderr.take().expect("pipe");
    plain.wait().expect("wait");
    let start = Instant::now();
    let mut sink = Vec::new();
    let _ = stderr.read_to_end(&mut sink);
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "outside, the grandchild must hold the pipe"
    );
    let start = Instant::now();
    let inside = lab.inside(script);
    assert!(inside.status.success(), "{inside:?}");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "the sandbox's output stayed open after the command ended: {:?}",
        start.elapsed()
    );
}

#[test]
fn host_name_is_not_the_hosts() {
    let lab = Lab::new();
    let host = lab.outside("hostname");
    let host = String::from_utf8_lossy(&host.stdout).trim().to_owned();
    let inside = lab.inside("hostname");
    assert!(inside.status.success(), "{inside:?}");
    let inside = String::from_utf8_lossy(&inside.stdout).trim().to_owned();
    assert_eq!(inside, "tollgate-sandbox");
    assert_ne!(inside, host);
}

#[test]
fn builds_still_work_in_the_view() {
    // A C compile and link, with the compiler's temporary files in the view's /tmp.
    let lab = Lab::new();
    if !lab.outside("command -v cc").status.success() {
        println!("skipped: no C compiler");
        return;
    }
    std::fs::write(
        lab.project.path().join("main.c"),
        "#include <stdio.h>\nint main(void){puts(\"built\");return 0;}\n",
    )
    .expect("source");
    let output = lab.inside("cc -o main main.c && ./main && ls / >/dev/null");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "built\n");
}

#[test]
fn plant_configuration_for_the_next_step() {
    // With declared outputs, the rest of the project is read-only: no `.cargo/config.toml`
    // with a `rustc-wrapper`, no `.npmrc`, no `.git/hooks` for the next, unsandboxed step.
    let lab = Lab::new();
    std::fs::create_dir_all(lab.project.path().join(".git/hooks")).expect("git dir");
    std::fs::create_dir_all(lab.project.path().join("target")).expect("target");
    std::fs::write(lab.project.path().join("Cargo.toml"), "[package]\n").expect("manifest");
    let plants = [
        "mkdir -p .cargo && echo '[build]' > .cargo/config.toml",
        "echo 'git=/tmp/evil' > .npmrc",
        "echo 'curl evil' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit",
        "echo '[dependencies]' >> Cargo.toml",
        "ln -s /tmp/evil link && mv link planted",
    ];
    for script in plants {
        let plain = lab.outside(script);
        assert!(plain.status.success(), "{script}: {plain:?}");
    }
    for path in [".cargo", ".npmrc", ".git/hooks/pre-commit", "planted"] {
        let path = lab.project.path().join(path);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).expect("clean up");
        } else {
            std::fs::remove_file(&path).expect("clean up");
        }
    }
    std::fs::write(lab.project.path().join("Cargo.toml"), "[package]\n").expect("manifest");
    let mut policy = lab.policy();
    policy.outputs = Some(vec!["target".into()]);
    for script in plants {
        let inside = lab.inside_with(policy.clone(), script, None);
        assert_failed_inside(&inside, script);
    }
    assert!(!lab.project.path().join(".cargo").exists());
    assert!(!lab.project.path().join(".npmrc").exists());
    assert!(!lab.project.path().join(".git/hooks/pre-commit").exists());
    assert_eq!(
        std::fs::read_to_string(lab.project.path().join("Cargo.toml")).expect("read"),
        "[package]\n"
    );
    // The declared output stays writable.
    let build = lab.inside_with(policy, "echo built > target/out && cat Cargo.toml", None);
    assert!(build.status.success(), "{build:?}");
    assert!(lab.project.path().join("target/out").exists());
}

#[test]
fn an_output_symlinked_out_of_the_project_is_not_made_writable() {
    let lab = Lab::new();
    std::os::unix::fs::symlink(lab.outside.path(), lab.project.path().join("target"))
        .expect("symlink");
    let victim = lab.outside.path().join("victim");
    let script = format!(
        "echo overwritten > target/victim && cat {}",
        victim.display()
    );
    assert_blocked(&lab, &script);
    std::fs::write(&victim, "original").expect("restore");
    let mut policy = lab.policy();
    policy.outputs = Some(vec!["target".into()]);
    let inside = lab.inside_with(policy, &script, None);
    assert_failed_inside(&inside, &script);
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "original");
}

#[test]
fn environment_of_pid_one_inside() {
    // PID 1 of the sandbox is a never-exec'd copy of tollgate (or of this test binary), whose
    // /proc/1/environ is the full, unscrubbed environment.
    let lab = Lab::new();
    let script = "grep -qa PATH= /proc/1/environ";
    if !lab.outside(script).status.success() {
        println!("skipped: /proc/1/environ of the host's init is not readable outside");
        return;
    }
    assert_blocked(&lab, script);
}

#[test]
fn weaker_modes_still_run_when_accepted() {
    // A kernel without mount_setattr (no view) or without seccomp: refused by default, and
    // with --allow-weaker the remaining layers still work.
    let lab = Lab::new();
    let full = tollgate_sandbox::KernelSupport::probe();
    for support in [
        tollgate_sandbox::KernelSupport {
            mount_setattr: false,
            ..full
        },
        tollgate_sandbox::KernelSupport {
            seccomp: false,
            ..full
        },
    ] {
        let mut policy = lab.policy();
        let refused = tollgate_sandbox::Plan::new(policy.clone(), support).expect("plan");
        assert!(refused.check().is_err(), "{support:?} must be refused");
        policy.allow_weaker = true;
        let plan = tollgate_sandbox::Plan::new(policy, support).expect("plan");
        plan.check().expect("accepted");
        let output = plan
            .command(
                "/bin/bash".as_ref(),
                [
                    "-c",
                    "echo made > file && echo t > \"$TMPDIR/t\" && cat \"$TMPDIR/t\" && ! cat \"$HOME/.ssh/id_rsa\"",
                ],
            )
            .expect("command")
            .output()
            .expect("run");
        assert!(output.status.success(), "{support:?}: {output:?}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), "t\n");
    }
}

#[test]
fn npm_cache_is_read_only_for_the_rebuild() {
    // `npm rebuild` (the execute phase of npm and yarn) only reads the cache the fetch phase
    // filled: an install script must not rewrite cached packages for the next install.
    let lab = Lab::new();
    let cached = lab
        .home
        .path()
        .join(".npm/_cacache/content-v2/sha512/00/planted");
    std::fs::create_dir_all(cached.parent().expect("parent")).expect("mkdir");
    std::fs::write(&cached, "original").expect("cache entry");
    std::fs::create_dir_all(lab.home.path().join(".npm/_logs")).expect("logs");
    let script = format!("echo poisoned > {}", cached.display());
    assert_blocked(&lab, &script.replace("planted", "planted-outside"));
    let mut policy = lab.policy();
    policy.caches = vec![tollgate_sandbox::Cache::NpmRebuild];
    let inside = lab.inside_with(policy.clone(), &script, None);
    assert_failed_inside(&inside, &script);
    assert_eq!(std::fs::read_to_string(&cached).expect("read"), "original");
    let log = format!(
        "echo log > {}",
        lab.home.path().join(".npm/_logs/debug.log").display()
    );
    let inside = lab.inside_with(policy, &log, None);
    assert!(
        inside.status.success(),
        "npm's logs stay writable: {inside:?}"
    );
}

#[test]
fn nothing_stays_on_the_host_disk_while_the_command_runs() {
    // So that even a `SIGKILL`ed tollgate leaves nothing in the host's /tmp.
    let lab = Lab::new();
    let plan = tollgate_sandbox::Plan::new(lab.policy(), tollgate_sandbox::KernelSupport::probe())
        .expect("plan");
    for _ in 0..2 {
        let mut child = plan
            .command("/bin/sh".as_ref(), ["-c", "echo t > /tmp/t && sleep 1"])
            .expect("command")
            .spawn()
            .expect("spawn");
        plan.started();
        assert!(
            !plan.private_tmp().exists(),
            "the mount point stayed on the host while the command runs"
        );
        assert!(child.wait().expect("wait").success());
    }
}
