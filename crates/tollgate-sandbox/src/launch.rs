//! The only place that runs code between `fork` and `exec`: entering the namespaces,
//! detaching from the terminal and applying Landlock to the child before it runs the
//! sandboxed program. Everything is prepared in the parent; the child only makes system
//! calls, so it stays async-signal-safe even when the parent has several threads.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;

use landlock::RulesetCreated;

/// `close_range` flag: mark the descriptors close-on-exec instead of closing them now (so
/// the standard library's own exec-error pipe keeps working).
const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;

/// The namespaces to enter; the caller's uid and gid are mapped to themselves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Namespaces {
    /// `CLONE_NEWUSER`, plus `CLONE_NEWNET` when the network is cut.
    flags: libc::c_int,
}

impl Namespaces {
    /// A user namespace, and a network namespace when `cut_network`.
    pub(crate) fn new(cut_network: bool) -> Namespaces {
        let mut flags = libc::CLONE_NEWUSER;
        if cut_network {
            flags |= libc::CLONE_NEWNET;
        }
        Namespaces { flags }
    }
}

/// Room for "4294967295 4294967295 1\n".
const ID_MAP_LEN: usize = 32;

/// `"<id> <id> 1\n"` written into `buffer` without allocating (the ids are only known in
/// the child, after `Command::uid`/`gid` took effect). Returns the used length.
fn id_map(id: u32, buffer: &mut [u8; ID_MAP_LEN]) -> usize {
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
    let mut length = 0;
    for _ in 0..2 {
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

/// Makes `command` enter the sandbox in its child process, just before `exec`.
pub(crate) fn confine(
    command: &mut Command,
    namespaces: Option<Namespaces>,
    ruleset: Option<RulesetCreated>,
) {
    // SAFETY: getpid cannot fail.
    let parent = unsafe { libc::getpid() };
    let mut ruleset = ruleset;
    let child_setup = move || -> io::Result<()> {
        detach(parent)?;
        if let Some(namespaces) = namespaces {
            enter(namespaces)?;
        }
        if let Some(ruleset) = ruleset.take() {
            // landlock_restrict_self also sets no_new_privs first. Map the error to a plain
            // errno: formatting the crate's error would allocate in the forked child.
            ruleset
                .restrict_self()
                .map_err(|_| io::Error::from_raw_os_error(libc::EPERM))?;
        } else {
            set_no_new_privs()?;
        }
        Ok(())
    };
    // SAFETY: the closure only makes system calls on data prepared before the fork (no
    // allocation on the success path, no lock), which is what `pre_exec` requires.
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
    let length = id_map(uid, &mut buffer);
    write_proc(c"/proc/self/uid_map", &buffer[..length])?;
    let length = id_map(gid, &mut buffer);
    write_proc(c"/proc/self/gid_map", &buffer[..length])
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

/// `no_new_privs` alone, for the weaker mode without Landlock.
fn set_no_new_privs() -> io::Result<()> {
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether a child of this process can create a user namespace (containers and
/// distributions often forbid it). Forks a child that only tries. The network namespace is
/// not created here (it costs about a millisecond); inside a user namespace of our own it is
/// always permitted, and if it were not, the launch itself fails rather than run with network.
pub(crate) fn can_unshare_user() -> bool {
    // SAFETY: the child only calls unshare and _exit, both async-signal-safe; the parent
    // waits for it so no zombie is left behind.
    unsafe {
        match libc::fork() {
            -1 => false,
            0 => {
                let ok = libc::unshare(libc::CLONE_NEWUSER) == 0;
                libc::_exit(if ok { 0 } else { 1 })
            }
            child => {
                let mut status: libc::c_int = 0;
                loop {
                    let waited = libc::waitpid(child, &mut status, 0);
                    if waited == child {
                        break libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
                    }
                    if waited < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted
                    {
                        break false;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_maps_are_formatted_like_the_kernel_expects() {
        let mut buffer = [0u8; ID_MAP_LEN];
        let length = id_map(0, &mut buffer);
        assert_eq!(&buffer[..length], b"0 0 1\n");
        let length = id_map(u32::MAX, &mut buffer);
        assert_eq!(&buffer[..length], b"4294967295 4294967295 1\n");
    }
}
