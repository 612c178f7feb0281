//! The only place that runs code between `fork` and `exec`. Everything is prepared in the
//! parent; the children only make system calls on that data, so they stay
//! async-signal-safe even when the parent has several threads.
//!
//! With namespaces the child becomes a small process tree:
//! 1. the forked child detaches from the terminal, enters a new user, mount, PID, IPC, UTS
//!    (and network) namespace and maps its ids (to an unprivileged id when tollgate runs as
//!    root), then forks and only waits, passing on the exit status;
//! 2. its child is PID 1 of the new PID namespace: it joins a fresh session keyring, builds
//!    the constructed file-system view ([`crate::view`]), forks the command and reaps until
//!    the command ends. When PID 1 exits the kernel kills everything left in the namespace,
//!    so nothing the command started outlives it (no double-forked logger, no grandchild
//!    holding the output pipe open);
//! 3. the command's process drops every capability, applies Landlock and the seccomp filter
//!    and returns to the standard library, which `exec`s the program.
//!
//! With the registry proxy ([`crate::proxy`]), the first child also brings up the new
//! network namespace's loopback, listens on it and sends the listening socket and the read
//! end of a "lifetime" pipe to tollgate; PID 1 keeps the write end, so tollgate's proxy sees
//! the sandbox end when PID 1 does. The parent side of that exchange is here too
//! ([`receive_listener`], [`wait_for_connection`]): it is where this crate's system calls
//! on raw descriptors live.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::io;
use std::net::TcpListener;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::Command;

use crate::view::View;

/// `close_range` flag: mark the descriptors close-on-exec instead of closing them now (so
/// the standard library's own exec-error pipe keeps working).
const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;

/// The uid and gid the sandboxed code gets inside its user namespace when tollgate runs as
/// root: uid 0 there would own every root-owned file of the host.
const UNPRIVILEGED_ID: u32 = 65534;

/// The namespaces to enter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Namespaces {
    flags: libc::c_int,
}

impl Namespaces {
    /// User, mount, PID, IPC and UTS namespaces, and a network namespace when `cut_network`.
    pub(crate) fn new(cut_network: bool) -> Namespaces {
        let mut flags = libc::CLONE_NEWUSER
            | libc::CLONE_NEWNS
            | libc::CLONE_NEWPID
            | libc::CLONE_NEWIPC
            | libc::CLONE_NEWUTS;
        if cut_network {
            flags |= libc::CLONE_NEWNET;
        }
        Namespaces { flags }
    }
}

/// Landlock as the child applies it: the ruleset built in the parent, plus rules for the
/// file systems that only exist inside the view (its `/tmp`, `/dev/shm` and `/proc`).
#[derive(Debug)]
pub(crate) struct Landlock {
    pub(crate) ruleset: OwnedFd,
    /// NUL-terminated paths inside the view and the access rights granted beneath them.
    pub(crate) view_rules: Vec<(std::ffi::CString, u64)>,
}

/// Everything the child applies, in order.
#[derive(Debug)]
pub(crate) struct Confinement {
    pub(crate) namespaces: Option<Namespaces>,
    pub(crate) view: Option<View>,
    pub(crate) landlock: Option<Landlock>,
    pub(crate) seccomp: Option<Vec<libc::sock_filter>>,
    /// The same filter answering its refusals through a listener, and the sandbox's end of
    /// the socket pair the listener is sent over to tollgate ([`crate::notify`]).
    pub(crate) seccomp_notify: Option<(Vec<libc::sock_filter>, OwnedFd)>,
    /// The sandbox's end of the socket pair to tollgate's proxy (needs `namespaces` with a
    /// network namespace).
    pub(crate) proxy: Option<OwnedFd>,
}

/// Room for "4294967295 4294967295 1\n".
const ID_MAP_LEN: usize = 32;

/// `"<inside> <outside> 1\n"` written into `buffer` without allocating (the ids are only
/// known in the child, after `Command::uid`/`gid` took effect). Returns the used length.
fn id_map(inside: u32, outside: u32, buffer: &mut [u8; ID_MAP_LEN]) -> usize {
    let mut length = 0;
    for id in [inside, outside] {
        let mut digits = [0u8; 10];
        let mut rest = id;
        let mut count = 0;
        loop {
            digits[count] = b'0' + (rest % 10) as u8;
            count += 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        for index in (0..count).rev() {
            buffer[length] = digits[index];
            length += 1;
        }
        buffer[length] = b' ';
        length += 1;
    }
    buffer[length] = b'1';
    buffer[length + 1] = b'\n';
    length + 2
}

/// The id inside the user namespace for a host id: itself, except root.
fn inside_id(outside: u32) -> u32 {
    if outside == 0 {
        UNPRIVILEGED_ID
    } else {
        outside
    }
}

/// The uid and gid the sandboxed command has inside its user namespace, for `--explain`.
pub(crate) fn inside_ids() -> (u32, u32) {
    // SAFETY: getuid and getgid cannot fail and touch no memory.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    (inside_id(uid), inside_id(gid))
}

/// Makes `command` enter the sandbox in its child process, just before `exec`.
pub(crate) fn confine(command: &mut Command, confinement: Confinement) {
    // SAFETY: getpid cannot fail.
    let parent = unsafe { libc::getpid() };
    let child_setup = move || -> io::Result<()> {
        detach(parent)?;
        if let Some(namespaces) = confinement.namespaces {
            enter(namespaces)?;
            let lifetime = match &confinement.proxy {
                Some(channel) => open_proxy_listener(channel.as_raw_fd())?,
                None => -1,
            };
            become_pid_one()?;
            join_new_session_keyring()?;
            set_hostname()?;
            if let Some(view) = &confinement.view {
                view.apply()?;
            }
            fork_command(lifetime)?;
            drop_capabilities()?;
        }
        match &confinement.landlock {
            Some(landlock) => restrict_landlock(landlock)?,
            None => set_no_new_privs()?,
        }
        match (&confinement.seccomp, &confinement.seccomp_notify) {
            (Some(program), Some((notifying, channel))) => {
                crate::notify::install(notifying, program, channel.as_raw_fd())?;
            }
            (Some(program), None) => crate::seccomp::install(program)?,
            (None, _) => {}
        }
        Ok(())
    };
    // SAFETY: the closure only makes system calls on data prepared before the fork (no
    // allocation, no lock, nothing freed), which is what `pre_exec` requires.
    unsafe {
        command.pre_exec(child_setup);
    }
}

/// New session (no controlling terminal: `TIOCSTI` cannot inject keystrokes into the
/// user's shell), killed if tollgate dies, inherited descriptors closed at exec.
fn detach(parent: libc::pid_t) -> io::Result<()> {
    // SAFETY: setsid, prctl, getppid and the close_range syscall take no pointers.
    unsafe {
        if libc::setsid() < 0 {
            return Err(io::Error::last_os_error());
        }
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
            return Err(io::Error::last_os_error());
        }
        if libc::getppid() != parent {
            // tollgate died before the death signal was armed.
            return Err(io::Error::from_raw_os_error(libc::ESRCH));
        }
        if libc::syscall(
            libc::SYS_close_range,
            3 as libc::c_uint,
            libc::c_uint::MAX,
            CLOSE_RANGE_CLOEXEC,
        ) != 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// `unshare` into the new namespaces and map the caller's ids.
fn enter(namespaces: Namespaces) -> io::Result<()> {
    // Read before unshare: inside the new namespace they read as the overflow id until mapped.
    // SAFETY: getuid and getgid cannot fail and touch no memory.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    // SAFETY: prctl and unshare take no pointers.
    unsafe {
        // A uid change before this point (`Command::uid`) clears "dumpable", which makes
        // /proc/self owned by root and the id maps below unwritable; exec resets it anyway.
        if libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0) != 0 {
            return Err(io::Error::last_os_error());
        }
        if libc::unshare(namespaces.flags) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    write_proc(c"/proc/self/setgroups", b"deny")?;
    let mut buffer = [0u8; ID_MAP_LEN];
    let length = id_map(inside_id(uid), uid, &mut buffer);
    write_proc(c"/proc/self/uid_map", &buffer[..length])?;
    let length = id_map(inside_id(gid), gid, &mut buffer);
    write_proc(c"/proc/self/gid_map", &buffer[..length])
}

/// Forks so that the child is PID 1 of the new PID namespace. The parent stays outside it,
/// waits and exits with the child's status; it never returns.
fn become_pid_one() -> io::Result<()> {
    let mut alive = [0 as libc::c_int; 2];
    // SAFETY: `alive` has room for the two descriptors.
    if unsafe { libc::pipe2(alive.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let [read_end, write_end] = alive;
    // SAFETY: fork in a single-threaded child; both sides only make system calls.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            // SAFETY: close, prctl and poll on descriptors and a local struct.
            unsafe {
                libc::close(write_end);
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The parent holds the write end until it exits: a hang-up means it died
                // before the death signal was armed (getppid reads 0 across the namespace).
                let mut poll = libc::pollfd {
                    fd: read_end,
                    events: libc::POLLIN,
                    revents: 0,
                };
                if libc::poll(&mut poll, 1, 0) != 0 {
                    return Err(io::Error::from_raw_os_error(libc::ESRCH));
                }
                libc::close(read_end);
            }
            Ok(())
        }
        child => {
            // SAFETY: closing descriptors this process no longer needs (the exec-error pipe
            // and the output pipes, so that their readers see the command's end, not ours);
            // not dumpable, for the same reason as PID 1 (see `fork_command`).
            unsafe {
                libc::close(read_end);
                close_all_but(write_end);
                libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
            }
            pass_on_status(wait_for(child))
        }
    }
}

/// PID 1 forks the command and reaps every process of the namespace until the command
/// ends, then exits with its status (which kills what is left). Only the child returns.
/// PID 1 keeps only `keep` open (the proxy's lifetime pipe, or -1).
fn fork_command(keep: libc::c_int) -> io::Result<()> {
    // SAFETY: fork in a single-threaded process; the parent only waits.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(()),
        command => {
            // SAFETY: closing every descriptor: PID 1 needs none. Not dumpable: this process
            // is a copy of tollgate, never exec'd, so its /proc/1/environ is tollgate's whole
            // environment (tokens included); Landlock already denies it to the sandboxed
            // processes, and this makes it need CAP_SYS_PTRACE on the host as well.
            unsafe {
                close_all_but(keep);
                libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
            }
            loop {
                let mut status: libc::c_int = 0;
                // SAFETY: waitpid writes into a local.
                let reaped = unsafe { libc::waitpid(-1, &mut status, 0) };
                if reaped == command {
                    pass_on_status(status);
                }
                if reaped < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                    // SAFETY: _exit never returns.
                    unsafe { libc::_exit(1) };
                }
            }
        }
    }
}

/// Closes every descriptor except `keep` (-1: none).
///
/// # Safety
/// Only for the forked helpers, which use no descriptor afterwards except `keep`.
unsafe fn close_all_but(keep: libc::c_int) {
    // SAFETY: close_range takes no pointers; an empty range is not attempted.
    unsafe {
        if keep > 0 {
            libc::syscall(
                libc::SYS_close_range,
                0 as libc::c_uint,
                (keep - 1) as libc::c_uint,
                0,
            );
        }
        let from = if keep >= 0 { keep + 1 } else { 0 };
        libc::syscall(
            libc::SYS_close_range,
            from as libc::c_uint,
            libc::c_uint::MAX,
            0,
        );
    }
}

/// Waits for `child`, retrying on `EINTR`; returns its wait status.
fn wait_for(child: libc::pid_t) -> libc::c_int {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: waitpid writes into a local.
        let waited = unsafe { libc::waitpid(child, &mut status, 0) };
        if waited == child {
            return status;
        }
        if waited < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            // 128 + SIGKILL: the child is gone without a status we could read.
            return 137 << 8;
        }
    }
}

/// Exits with the same code, or 128 + signal for a killed child (the shell convention,
/// which is what tollgate reports either way).
fn pass_on_status(status: libc::c_int) -> ! {
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        1
    };
    // SAFETY: _exit never returns and runs no destructor or atexit handler.
    unsafe { libc::_exit(code) }
}

/// In the new network namespace: brings its loopback up, listens on
/// `127.0.0.1:`[`crate::proxy::PORT`], and sends the listening socket and the read end of a
/// new pipe over `channel`. Returns the pipe's write end, which PID 1 keeps open for as
/// long as the sandbox lives.
fn open_proxy_listener(channel: libc::c_int) -> io::Result<libc::c_int> {
    // SAFETY: system calls on descriptors made here and on locals of the kernel's layout
    // (zeroed structs are valid for all of them); nothing is allocated.
    unsafe {
        let listener = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if listener < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut request: libc::ifreq = std::mem::zeroed();
        for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
            *slot = *byte as libc::c_char;
        }
        request.ifr_ifru.ifru_flags = (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
        if libc::ioctl(listener, libc::SIOCSIFFLAGS, &request) != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut address: libc::sockaddr_in = std::mem::zeroed();
        address.sin_family = libc::AF_INET as libc::sa_family_t;
        address.sin_port = crate::proxy::PORT.to_be();
        address.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
        if libc::bind(
            listener,
            (&address as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        ) != 0
            || libc::listen(listener, 128) != 0
        {
            return Err(io::Error::last_os_error());
        }
        let mut lifetime = [0 as libc::c_int; 2];
        if libc::pipe2(lifetime.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            return Err(io::Error::last_os_error());
        }
        crate::fdpass::send(channel, [listener, lifetime[0]])?;
        libc::close(listener);
        libc::close(lifetime[0]);
        libc::close(channel);
        Ok(lifetime[1])
    }
}

/// In tollgate: receives what [`open_proxy_listener`] sent (blocking until it is sent, or
/// until every copy of the sandbox's end of `channel` is closed).
pub(crate) fn receive_listener(channel: &UnixStream) -> io::Result<(TcpListener, OwnedFd)> {
    let [listener, lifetime] = crate::fdpass::receive::<2>(channel)?;
    Ok((TcpListener::from(listener), lifetime))
}

/// Waits until `listener` has a connection to accept (`Ok(true)`) or the sandbox has ended
/// (`lifetime` hung up: `Ok(false)`).
pub(crate) fn wait_for_connection(listener: &TcpListener, lifetime: &OwnedFd) -> io::Result<bool> {
    let mut fds = [
        libc::pollfd {
            fd: listener.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: lifetime.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    loop {
        // SAFETY: poll on a local array whose length is passed.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if ready < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        // Nothing is ever written to the pipe: any event on it is the sandbox's end.
        if fds[1].revents != 0 {
            return Ok(false);
        }
        return Ok(fds[0].revents & libc::POLLIN != 0);
    }
}

/// A fresh, empty session keyring: keys of the user's session (added by the parent shell,
/// an agent, a login manager) are no longer possessed, so they cannot be read through
/// `/proc/keys` or `keyctl`. (The seccomp filter refuses `keyctl` as well.)
fn join_new_session_keyring() -> io::Result<()> {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: a NULL name asks for an anonymous keyring.
    let result = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    if result < 0 {
        let error = io::Error::last_os_error();
        // A kernel without keys has no keyring to leak.
        if error.raw_os_error() != Some(libc::ENOSYS) {
            return Err(error);
        }
    }
    Ok(())
}

/// The UTS namespace gets its own host name, so the host's does not identify the machine.
fn set_hostname() -> io::Result<()> {
    const NAME: &[u8] = b"tollgate-sandbox";
    // SAFETY: NAME is a live buffer whose length is passed.
    if unsafe { libc::sethostname(NAME.as_ptr().cast(), NAME.len()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Empties the bounding and ambient sets and the current capabilities. The command runs as
/// a non-zero uid inside, so `exec` would clear them too; this makes it explicit and
/// independent of the uid.
fn drop_capabilities() -> io::Result<()> {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: libc::c_int,
    }
    #[repr(C)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
    // SAFETY: prctl with integers; capset with pointers to locals of the kernel's layout.
    unsafe {
        for capability in 0..64 {
            if libc::prctl(libc::PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 {
                if io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
                    break; // past the last capability this kernel knows
                }
                return Err(io::Error::last_os_error());
            }
        }
        if libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        ) != 0
        {
            return Err(io::Error::last_os_error());
        }
        let header = Header {
            version: LINUX_CAPABILITY_VERSION_3,
            pid: 0,
        };
        let data = [
            Data {
                effective: 0,
                permitted: 0,
                inheritable: 0,
            },
            Data {
                effective: 0,
                permitted: 0,
                inheritable: 0,
            },
        ];
        if libc::syscall(libc::SYS_capset, &header as *const Header, data.as_ptr()) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// `struct landlock_path_beneath_attr`, packed like the kernel's.
#[repr(C, packed)]
struct PathBeneath {
    allowed_access: u64,
    parent_fd: libc::c_int,
}

/// Adds the view's own rules to the ruleset and restricts this process.
fn restrict_landlock(landlock: &Landlock) -> io::Result<()> {
    const LANDLOCK_RULE_PATH_BENEATH: libc::c_long = 1;
    let ruleset = landlock.ruleset.as_raw_fd();
    for (path, access) in &landlock.view_rules {
        // SAFETY: `path` is NUL-terminated; `rule` is a local of the kernel's layout.
        unsafe {
            let fd = libc::open(path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC);
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            let rule = PathBeneath {
                allowed_access: *access,
                parent_fd: fd,
            };
            let added = libc::syscall(
                libc::SYS_landlock_add_rule,
                ruleset,
                LANDLOCK_RULE_PATH_BENEATH,
                &rule as *const PathBeneath,
                0,
            );
            let error = io::Error::last_os_error();
            libc::close(fd);
            if added != 0 {
                return Err(error);
            }
        }
    }
    set_no_new_privs()?;
    // SAFETY: landlock_restrict_self takes a descriptor and flags.
    if unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Writes `content` to a `/proc/self` file in one `write`, as the kernel requires.
fn write_proc(path: &CStr, content: &[u8]) -> io::Result<()> {
    // SAFETY: `path` is NUL-terminated; `content` is a live slice whose length is passed.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let written = libc::write(fd, content.as_ptr().cast(), content.len());
        let write_error = io::Error::last_os_error();
        libc::close(fd);
        if usize::try_from(written).ok() != Some(content.len()) {
            return Err(write_error);
        }
    }
    Ok(())
}

/// `no_new_privs`: setuid bits and file capabilities are ignored on exec.
fn set_no_new_privs() -> io::Result<()> {
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether a child of this process can create a user namespace (containers and
/// distributions often forbid it). The network namespace is not created here (it costs
/// about a millisecond); inside a user namespace of our own it is always permitted, and if it
/// were not, the launch itself fails rather than run with network.
///
/// The probe is a `clone(CLONE_NEWUSER)` that shares this process's memory (`CLONE_VM`,
/// `CLONE_VFORK`) and whose child exits at once: the kernel makes the same checks as for
/// `unshare(CLONE_NEWUSER)` (the namespace limits, the sysctls, the LSM hook), without the
/// copy of tollgate's page tables and the copy-on-write faults a `fork` costs on every start.
pub(crate) fn can_unshare_user() -> bool {
    /// The child's whole life: return, which ends it with `exit(0)`.
    extern "C" fn exit_at_once(_: *mut libc::c_void) -> libc::c_int {
        0
    }
    // Room for the child's one frame (the clone wrapper calls the function, which returns).
    let mut stack = [0u128; 256];
    // SAFETY: the child runs only `exit_at_once`, on its own stack (the top of `stack`,
    // 16-byte aligned), and touches no other memory; CLONE_VFORK suspends this thread until
    // it has exited, so `stack` outlives it, and the parent reaps it below.
    unsafe {
        let top = stack.as_mut_ptr().add(stack.len()).cast::<libc::c_void>();
        let child = libc::clone(
            exit_at_once,
            top,
            libc::CLONE_NEWUSER | libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            std::ptr::null_mut(),
        );
        if child < 0 {
            return false;
        }
        let status = wait_for(child);
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_maps_are_formatted_like_the_kernel_expects() {
        let mut buffer = [0u8; ID_MAP_LEN];
        let length = id_map(0, 0, &mut buffer);
        assert_eq!(&buffer[..length], b"0 0 1\n");
        let length = id_map(u32::MAX, 7, &mut buffer);
        assert_eq!(&buffer[..length], b"4294967295 7 1\n");
    }

    /// The shared-memory probe agrees with the plain one (a forked child that unshares).
    #[test]
    fn the_user_namespace_probe_agrees_with_unshare_in_a_child() {
        // SAFETY: the child only calls unshare and _exit.
        let plain = unsafe {
            match libc::fork() {
                -1 => panic!("fork: {}", io::Error::last_os_error()),
                0 => libc::_exit(if libc::unshare(libc::CLONE_NEWUSER) == 0 {
                    0
                } else {
                    1
                }),
                child => {
                    let status = wait_for(child);
                    libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
                }
            }
        };
        assert_eq!(can_unshare_user(), plain);
    }

    #[test]
    fn root_is_mapped_to_an_unprivileged_id() {
        assert_eq!(inside_id(0), UNPRIVILEGED_ID);
        assert_eq!(inside_id(1000), 1000);
    }
}
