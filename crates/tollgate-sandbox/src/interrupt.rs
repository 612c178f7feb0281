//! Ctrl-C, `kill` and a closed terminal while a sandboxed command runs: tollgate must end
//! the command and still clean up (the private directory, the report) instead of dying
//! with it. [`Interrupts::install`] blocks `SIGINT`, `SIGTERM` and `SIGHUP` in the calling
//! thread (call it before starting any other thread, so that they all inherit the mask) and
//! starts one thread that waits for them; when one arrives it kills the watched child
//! (tollgate's direct child, whose death takes the whole PID namespace with it) and records
//! the signal for the caller, who then cleans up and exits with 128 + signal.
//!
//! The standard library resets the signal mask in every child it spawns, so package
//! managers run outside the sandbox (the fetch phase) still get the signals normally.
#![allow(unsafe_code)]

use std::io;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};

/// The signals handled.
const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

static WATCHED: AtomicI32 = AtomicI32::new(0);
static RECEIVED: AtomicI32 = AtomicI32::new(0);
static INSTALLED: OnceLock<io::Result<()>> = OnceLock::new();

/// Handle to the process-wide interrupt watcher.
#[derive(Debug, Clone, Copy)]
pub struct Interrupts;

impl Interrupts {
    /// Blocks the signals in this thread and starts the waiting thread (once per process).
    pub fn install() -> io::Result<Interrupts> {
        let result = INSTALLED.get_or_init(|| {
            let set = signal_set();
            // SAFETY: `set` is an initialised signal set.
            let blocked =
                unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
            if blocked != 0 {
                return Err(io::Error::from_raw_os_error(blocked));
            }
            std::thread::Builder::new()
                .name("tollgate-signals".into())
                .spawn(move || wait_for_signals(set))
                .map(drop)
        });
        match result {
            Ok(()) => Ok(Interrupts),
            Err(error) => Err(io::Error::new(error.kind(), error.to_string())),
        }
    }

    /// Kill `pid` when a signal arrives (or now, if one already did).
    pub fn watch(self, pid: u32) {
        let pid = i32::try_from(pid).unwrap_or(0);
        WATCHED.store(pid, Ordering::SeqCst);
        if RECEIVED.load(Ordering::SeqCst) != 0 && pid > 0 {
            kill(pid);
        }
    }

    /// Stop watching (the child has been waited for).
    pub fn unwatch(self) {
        WATCHED.store(0, Ordering::SeqCst);
    }

    /// The signal that interrupted tollgate, if any.
    pub fn received(self) -> Option<i32> {
        match RECEIVED.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(signal),
        }
    }
}

fn signal_set() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set; sigaddset only adds valid signal numbers.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in SIGNALS {
            libc::sigaddset(&mut set, signal);
        }
        set
    }
}

fn wait_for_signals(set: libc::sigset_t) {
    loop {
        let mut signal: libc::c_int = 0;
        // SAFETY: sigwait writes the signal number into a local.
        if unsafe { libc::sigwait(&set, &mut signal) } != 0 {
            continue;
        }
        RECEIVED.store(signal, Ordering::SeqCst);
        let pid = WATCHED.load(Ordering::SeqCst);
        if pid > 0 {
            kill(pid);
        }
    }
}

fn kill(pid: i32) {
    // SAFETY: kill takes integers. The pid is cleared right after the child is waited for,
    // so a stale pid (reused by another process) is only possible in that short window.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}
