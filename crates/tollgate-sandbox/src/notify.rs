//! Reporting what the seccomp filter refuses. The filter ([`crate::seccomp`]) answers a
//! refused system call with `SECCOMP_RET_USER_NOTIF` instead of `EPERM` when it is
//! installed with a listener: the kernel then suspends the calling thread and hands the
//! call to the listener, here a thread of tollgate (outside the sandbox), which records the
//! system call (name, and the arguments that made it refused) and the program's name, and
//! then answers `EPERM`. The sandboxed program sees exactly what it saw before (`EPERM`);
//! nothing is ever allowed through the listener: tollgate never sends
//! `SECCOMP_USER_NOTIF_FLAG_CONTINUE`, and it never reads or writes the caller's memory.
//!
//! Descriptor hygiene: the listener is created by the command's process as its very last
//! step before `exec`, sent to tollgate over a socket pair (`SCM_RIGHTS`, [`crate::fdpass`]) and closed, so no
//! sandboxed process holds it (it could answer its own refused calls). PID 1 and the
//! process outside the PID namespace never see it: they are forked earlier and close every
//! descriptor. tollgate's copy is close-on-exec and lives only while the sandbox does.
//!
//! Failing closed: if tollgate's thread is gone, never received the listener or gives up on
//! it, the kernel answers every refused call with `ENOSYS` (still refused). If the kernel
//! refuses a listener (before Linux 5.0, or an outer filter already has one: `EBUSY`), the
//! plain `EPERM` filter is installed instead and nothing is reported.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::denials::{Denial, DenialKind};

/// At most this many distinct refusals are kept per plan (a program that loops over a
/// refused call is reported once per distinct call, and cannot grow tollgate's memory).
const MAX_DENIALS: usize = 200;

/// How long [`Supervisor::take_denials`] waits for the listeners of commands that have
/// ended: the kernel signals the end as soon as the last process under the filter is
/// reaped, which with the PID namespace is before the command's exit status reaches
/// tollgate. It only matters when the caller asks while a command still runs, or when,
/// without a PID namespace (`--allow-weaker`), a background process outlives the command
/// (its later refusals are then recorded for the next call).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// tollgate's side: the threads that answer the notifications of each command.
#[derive(Debug, Default)]
pub(crate) struct Supervisor {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when a listener's last process has ended.
    ended: Condvar,
}

#[derive(Debug, Default)]
struct State {
    denials: Vec<Denial>,
    /// Listeners received and still answering.
    serving: usize,
}

impl Supervisor {
    /// Starts a thread that receives the listener over `channel`, then records and answers
    /// every notification with `EPERM` until every sandboxed process has exited.
    pub(crate) fn serve(&self, channel: UnixStream) {
        let shared = Arc::clone(&self.shared);
        std::thread::spawn(move || {
            let Ok([listener]) = crate::fdpass::receive::<1>(&channel) else {
                // The command never started, or the kernel refused a listener (the plain
                // filter is installed then): nothing to answer.
                return;
            };
            drop(channel);
            if let Ok(mut state) = shared.state.lock() {
                state.serving += 1;
            }
            answer_until_ended(&listener, &shared.state);
            // Closing the listener before saying so: a process that somehow still used the
            // filter would get ENOSYS from now on, never a call let through.
            drop(listener);
            if let Ok(mut state) = shared.state.lock() {
                state.serving -= 1;
            }
            shared.ended.notify_all();
        });
    }

    /// The refusals recorded since the last call. Each refusal is recorded before the
    /// refused call returns, so once a command has exited all of its refusals are here; this
    /// also waits (briefly) for the listeners of ended commands to finish.
    pub(crate) fn take_denials(&self) -> Vec<Denial> {
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        let Ok(mut state) = self.shared.state.lock() else {
            return Vec::new();
        };
        while state.serving > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.shared.ended.wait_timeout(state, left) {
                Ok((next, _)) => state = next,
                Err(_) => return Vec::new(),
            }
        }
        std::mem::take(&mut state.denials)
    }
}

/// In the command's process, the last step before `exec`: installs `notifying` with a
/// listener and sends the listener over `channel`; when the kernel refuses a listener,
/// installs the plain `fallback` filter instead. No allocation.
pub(crate) fn install(
    notifying: &[libc::sock_filter],
    fallback: &[libc::sock_filter],
    channel: libc::c_int,
) -> io::Result<()> {
    let listener = match crate::seccomp::install_with_listener(notifying) {
        Ok(listener) => listener,
        Err(_) => {
            // SAFETY: closing a descriptor this process owns: tollgate's thread sees the end
            // of the channel without a listener and stops.
            unsafe { libc::close(channel) };
            return crate::seccomp::install(fallback);
        }
    };
    // From here on every refused call of this process waits for tollgate's answer; the
    // calls below (sendmsg, close, then execve) are all allowed by the filter.
    let sent = crate::fdpass::send(channel, [listener]);
    // SAFETY: closing descriptors this process owns; no sandboxed program may hold the
    // listener (it could answer its own refused calls).
    unsafe {
        libc::close(listener);
        libc::close(channel);
    }
    // Not sent: the listener is gone with the close above, so refused calls get ENOSYS;
    // fail the start anyway, the report would be incomplete.
    sent
}

/// Records and answers every notification on `listener` with `EPERM` until no process uses
/// the filter any more (`POLLHUP`) or the listener fails (then the kernel answers `ENOSYS`).
fn answer_until_ended(listener: &OwnedFd, state: &Mutex<State>) {
    loop {
        let mut poll = libc::pollfd {
            fd: listener.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll on one local pollfd.
        let ready = unsafe { libc::poll(&mut poll, 1, -1) };
        if ready < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        if poll.revents & libc::POLLIN == 0 {
            // POLLHUP: every process under the filter has exited (or POLLERR/POLLNVAL).
            return;
        }
        let request = match receive_notification(listener) {
            Ok(request) => request,
            // The caller was killed between poll and receive, or a signal came: go on.
            Err(error)
                if matches!(error.raw_os_error(), Some(libc::ENOENT) | Some(libc::EINTR)) =>
            {
                continue;
            }
            // Anything else would make the loop spin: give up, the kernel answers ENOSYS.
            Err(_) => return,
        };
        // The caller is suspended until answered, so its name is read now; the id check
        // afterwards makes sure the pid was not reused by another process in between (the
        // caller may have been killed meanwhile).
        let mut program = program_name(request.pid);
        if !id_valid(listener, request.id) {
            program = None;
        }
        // Recorded before the answer: once the refused call returns, its report exists.
        if let Ok(mut state) = state.lock() {
            record(&mut state.denials, &request.data, program);
        }
        respond_eperm(listener, request.id);
    }
}

/// `SECCOMP_IOCTL_NOTIF_RECV`.
fn receive_notification(listener: &OwnedFd) -> io::Result<libc::seccomp_notif> {
    // SAFETY: the ioctl writes a local of the kernel's layout, which must be zeroed first.
    unsafe {
        let mut request: libc::seccomp_notif = std::mem::zeroed();
        if libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_RECV,
            &mut request,
        ) != 0
        {
            return Err(io::Error::last_os_error());
        }
        Ok(request)
    }
}

/// `SECCOMP_IOCTL_NOTIF_ID_VALID`: the notification is still pending (its caller alive and
/// waiting).
fn id_valid(listener: &OwnedFd, id: u64) -> bool {
    let mut id = id;
    // SAFETY: the ioctl reads one local u64.
    unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_ID_VALID,
            &mut id,
        ) == 0
    }
}

/// Answers notification `id` with `EPERM`: the only answer tollgate ever gives (never
/// `SECCOMP_USER_NOTIF_FLAG_CONTINUE`, which would let the call through).
fn respond_eperm(listener: &OwnedFd, id: u64) {
    // SAFETY: the ioctl reads a local of the kernel's layout.
    unsafe {
        let mut response: libc::seccomp_notif_resp = std::mem::zeroed();
        response.id = id;
        response.error = -libc::EPERM;
        response.flags = 0;
        // ENOENT: the caller was killed meanwhile; its refusal is recorded all the same.
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SEND,
            &mut response,
        );
    }
}

/// The caller's `comm` (at most 15 bytes, chosen by the program itself: escaped when shown).
fn program_name(pid: u32) -> Option<String> {
    let comm = std::fs::read(format!("/proc/{pid}/comm")).ok()?;
    let comm = String::from_utf8_lossy(&comm)
        .trim_end_matches('\n')
        .to_owned();
    (!comm.is_empty()).then_some(comm)
}

/// Records one refusal, once per (call as described, program), at most [`MAX_DENIALS`].
fn record(denials: &mut Vec<Denial>, data: &libc::seccomp_data, program: Option<String>) {
    let nr = libc::c_long::from(data.nr);
    let target = match syscall_name(nr) {
        Some(name) => name.to_owned(),
        None => format!("system call {nr}"),
    };
    let call = describe_call(&target, nr, &data.args);
    let shown = program.as_deref().unwrap_or("?");
    let line = format!("{shown}: {call} refused by the seccomp filter (EPERM)");
    if denials.len() >= MAX_DENIALS || denials.iter().any(|denial| denial.line == line) {
        return;
    }
    let why = if call == target {
        "seccomp filter, EPERM".to_owned()
    } else {
        format!("seccomp filter, EPERM: {call}")
    };
    denials.push(Denial {
        kind: DenialKind::Syscall,
        target: Some(target),
        line,
        why: Some(why),
        program,
    });
}

/// The call with the arguments the filter decided on, where that says more than the name:
/// `socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)`, `unshare(0x10000000)`.
fn describe_call(name: &str, nr: libc::c_long, args: &[u64; 6]) -> String {
    // The filter only looks at the low 32 bits of each argument.
    let low = |index: usize| args[index] as u32;
    if nr == libc::SYS_socket || nr == libc::SYS_socketpair {
        let kind = low(1) & !((libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC) as u32);
        format!(
            "{name}({}, {}, {})",
            domain_name(low(0)),
            type_name(kind),
            protocol_name(low(0), low(2)),
        )
    } else if nr == libc::SYS_unshare || nr == libc::SYS_clone {
        // clone's flags are its first argument on x86_64 and aarch64 alike.
        format!("{name}({:#x})", low(0))
    } else if nr == libc::SYS_ioctl {
        format!("{name}({}, {:#x})", low(0), low(1))
    } else {
        name.to_owned()
    }
}

fn domain_name(domain: u32) -> String {
    let name = match domain as libc::c_int {
        libc::AF_UNIX => "AF_UNIX",
        libc::AF_INET => "AF_INET",
        libc::AF_INET6 => "AF_INET6",
        libc::AF_NETLINK => "AF_NETLINK",
        libc::AF_PACKET => "AF_PACKET",
        libc::AF_VSOCK => "AF_VSOCK",
        libc::AF_ALG => "AF_ALG",
        libc::AF_BLUETOOTH => "AF_BLUETOOTH",
        _ => return format!("domain {domain}"),
    };
    name.to_owned()
}

fn type_name(kind: u32) -> String {
    let name = match kind as libc::c_int {
        libc::SOCK_STREAM => "SOCK_STREAM",
        libc::SOCK_DGRAM => "SOCK_DGRAM",
        libc::SOCK_RAW => "SOCK_RAW",
        libc::SOCK_SEQPACKET => "SOCK_SEQPACKET",
        _ => return format!("type {kind}"),
    };
    name.to_owned()
}

fn protocol_name(domain: u32, protocol: u32) -> String {
    let inet = matches!(domain as libc::c_int, libc::AF_INET | libc::AF_INET6);
    let name = match protocol as libc::c_int {
        libc::IPPROTO_MPTCP if inet => "IPPROTO_MPTCP",
        libc::IPPROTO_ICMP if inet => "IPPROTO_ICMP",
        libc::IPPROTO_ICMPV6 if inet => "IPPROTO_ICMPV6",
        _ => return format!("{protocol}"),
    };
    name.to_owned()
}

/// The name of a system call the filter may refuse with `EPERM`.
pub(crate) fn syscall_name(nr: libc::c_long) -> Option<&'static str> {
    crate::seccomp::NAMES
        .iter()
        .find(|(number, _)| *number == nr)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(nr: libc::c_long, args: [u64; 6]) -> libc::seccomp_data {
        libc::seccomp_data {
            nr: nr as i32,
            arch: 0,
            instruction_pointer: 0,
            args,
        }
    }

    #[test]
    fn a_refused_socket_is_described_by_its_arguments() {
        let mut denials = Vec::new();
        let mptcp = data(libc::SYS_socket, [2, 1 | 0o2_000_000, 262, 0, 0, 0]);
        record(&mut denials, &mptcp, Some("python3".into()));
        record(&mut denials, &mptcp, Some("python3".into()));
        let unshare = data(libc::SYS_unshare, [0x1000_0000, 0, 0, 0, 0, 0]);
        record(&mut denials, &unshare, None);
        assert_eq!(denials.len(), 2, "the same call of the same program once");
        assert_eq!(denials[0].kind, DenialKind::Syscall);
        assert_eq!(denials[0].target.as_deref(), Some("socket"));
        assert_eq!(denials[0].program.as_deref(), Some("python3"));
        assert_eq!(
            denials[0].why.as_deref(),
            Some("seccomp filter, EPERM: socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)")
        );
        assert_eq!(denials[1].target.as_deref(), Some("unshare"));
        assert_eq!(denials[1].program, None);
        assert!(denials[1].line.contains("unshare(0x10000000)"));
    }

    #[test]
    fn records_are_capped() {
        let mut denials = Vec::new();
        for fd in 0..(MAX_DENIALS as u64 + 50) {
            record(
                &mut denials,
                &data(libc::SYS_ioctl, [fd, 0x5412, 0, 0, 0, 0]),
                None,
            );
        }
        assert_eq!(denials.len(), MAX_DENIALS);
    }

    /// Fail closed: with the listener closed (tollgate's thread gone), a refused call is
    /// still refused, with ENOSYS. Runs in a forked child, which only makes system calls.
    #[test]
    fn without_a_listener_a_refused_call_is_still_refused() {
        if !crate::seccomp::available() || !crate::seccomp::SUPPORTED {
            return;
        }
        let notifying = crate::seccomp::notifying(&crate::seccomp::program());
        // SAFETY: the child only makes system calls on data prepared before the fork.
        unsafe {
            match libc::fork() {
                -1 => panic!("fork: {}", io::Error::last_os_error()),
                0 => {
                    if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                        libc::_exit(10);
                    }
                    let Ok(listener) = crate::seccomp::install_with_listener(&notifying) else {
                        libc::_exit(11);
                    };
                    libc::close(listener);
                    // KEYCTL_GET_KEYRING_ID of the session keyring: allowed outside.
                    let result = libc::syscall(libc::SYS_keyctl, 0, -3, 0);
                    let errno = *libc::__errno_location();
                    libc::_exit(if result == -1 && errno == libc::ENOSYS {
                        0
                    } else {
                        12
                    });
                }
                child => {
                    let mut status = 0;
                    assert_eq!(libc::waitpid(child, &mut status, 0), child);
                    assert!(libc::WIFEXITED(status), "status {status}");
                    assert_eq!(libc::WEXITSTATUS(status), 0, "refused with ENOSYS");
                }
            }
        }
    }
}
