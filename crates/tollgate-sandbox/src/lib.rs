//! tollgate's sandbox: runs a command where it cannot read the user's secrets, reach the
//! network, see or outlive into processes outside, or write outside the paths it was given.
//!
//! The building blocks are all unprivileged kernel features (no setuid, no root needed):
//! - a constructed file-system view (the `view` module): a new mount namespace whose
//!   root is a tmpfs holding only bind mounts of the allowed paths (read-only system and
//!   toolchain paths, read-write project or only its build outputs, caches), a fresh `/tmp`,
//!   `/dev/shm` and `/proc`, and no host socket,
//! - new user (root mapped to an unprivileged uid, every capability dropped), PID (a reaping
//!   PID 1, so nothing outlives the command), IPC, UTS and network namespaces (no interface
//!   but a down loopback), or Landlock TCP rules when the user allows specific ports, and a
//!   new session keyring,
//! - Landlock file-system rules on the same paths as a second layer, Landlock scopes (ABI 6)
//!   for signals and abstract unix sockets, and its ptrace restriction,
//! - a seccomp filter as a third layer for what neither governs (socket protocols such as
//!   MPTCP, the keyring, xattrs and setuid bits, io_uring, new namespaces, mounts, ...),
//!   whose every refusal tollgate records,
//! - `no_new_privs`, an environment reduced to an allow-list, `/dev/null` as standard input,
//!   a new session (no controlling terminal) and a parent-death signal.
//!
//! Use [`Policy`] to describe what is allowed, [`KernelSupport::probe`] to learn what the
//! running kernel can enforce, and [`Plan::new`] to combine both; [`Plan::explain`] prints
//! exactly what will be enforced and [`Plan::command`] builds the sandboxed
//! [`std::process::Command`]. [`Plan::denials`] gives what was refused: the system calls
//! the seccomp filter refused (a listener thread of tollgate records each one and answers
//! `EPERM`, see the `notify` module; [`Policy::report_syscalls`]), with
//! [`Policy::allow_hosts`] the refusals of the registry-only [`proxy`], and the denials the
//! kernel reported to the program, read from its error output; [`interrupt`] lets the
//! caller kill the sandbox and clean up on `SIGINT`/`SIGTERM`/`SIGHUP`.

pub mod denials;
mod env;
mod explain;
mod fdpass;
pub mod fetch;
mod fetch_env;
pub mod guard;
pub mod interrupt;
mod launch;
mod notify;
mod plan;
mod policy;
mod probe;
pub mod proxy;
mod redact;
mod seccomp;
mod view;

pub use plan::{Plan, Weakness};
pub use policy::{Cache, Policy};
pub use probe::KernelSupport;

use std::path::PathBuf;

/// Everything that can go wrong while preparing a sandbox.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A path the user asked to allow does not exist or cannot be opened.
    #[error("cannot open {path} to allow it in the sandbox: {source}")]
    Path {
        /// The path that was asked for.
        path: PathBuf,
        /// Why it could not be opened.
        source: std::io::Error,
    },
    /// The kernel lacks protections the policy needs and weaker isolation was not accepted.
    #[error(
        "the kernel cannot enforce: {}; refusing to run (pass --allow-weaker to accept weaker isolation)",
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    Weaker(Vec<Weakness>),
    /// Building the Landlock ruleset failed.
    #[error("building the Landlock ruleset: {0}")]
    Landlock(#[from] landlock::RulesetError),
    /// The private temporary directory could not be created.
    #[error("creating the private temporary directory under {dir}: {source}")]
    TempDir {
        /// Where it was being created.
        dir: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The socket pair to the registry proxy could not be made.
    #[error("creating the channel to the registry proxy: {0}")]
    ProxyChannel(std::io::Error),
    /// The socket pair for the seccomp filter's listener could not be made.
    #[error("creating the channel for the seccomp listener: {0}")]
    SeccompChannel(std::io::Error),
    /// A path contains a NUL byte and cannot be passed to the kernel.
    #[error("path {0} contains a NUL byte")]
    NulInPath(PathBuf),
}
