//! `tollgate run --explain`: exactly what a [`Plan`] enforces on this kernel, layer by
//! layer (namespaces, the constructed view, Landlock, network, seccomp, privileges,
//! environment), and every gap as a `WEAKER:` line.

use std::fmt::Write as _;
use std::path::Path;

use crate::Plan;
use crate::plan::Network;
use crate::view::MountKind;

impl Plan {
    /// Human-readable description of exactly what is enforced (`tollgate run --explain`).
    pub fn explain(&self) -> String {
        let mut out = String::new();
        let home = &self.policy.home;
        let available = |yes: bool| if yes { "available" } else { "unavailable" };
        let _ = writeln!(
            out,
            "kernel: Landlock ABI {} (rules built for ABI {}), user namespaces {}, seccomp {}, mount_setattr {}",
            self.support.landlock_abi,
            self.support.ruleset_abi() as i32,
            available(self.support.user_namespaces),
            available(self.support.seccomp),
            available(self.support.mount_setattr),
        );
        let _ = writeln!(out, "working directory: {}", self.policy.project.display());
        self.explain_namespaces(&mut out);
        self.explain_view(&mut out);
        if self.support.landlock_abi >= 1 {
            let _ = writeln!(
                out,
                "file system (Landlock; every path not listed is denied, $HOME included):"
            );
            for path in &self.read_only {
                let _ = writeln!(out, "  read+exec   {}", shorten(path, home));
            }
            for path in &self.read_write {
                let _ = writeln!(out, "  read+write  {}", shorten(path, home));
            }
            for path in &self.outputs {
                let _ = writeln!(
                    out,
                    "  read+write  {} (build output; the rest of the project is read-only)",
                    shorten(path, home)
                );
            }
            if self.support.mount_view() {
                let _ = writeln!(out, "  read+write  /tmp, /dev/shm (the view's own tmpfs)");
                let _ = writeln!(out, "  read+exec   /proc (the new PID namespace's)");
            }
        } else {
            let _ = writeln!(out, "file system: NOT restricted (no Landlock)");
        }
        let _ = writeln!(out, "network: {}", self.describe_network());
        if self.support.seccomp {
            let _ = writeln!(out, "seccomp filter (refused with EPERM):");
            for line in crate::seccomp::describe() {
                let _ = writeln!(out, "  {line}");
            }
            if self.policy.report_syscalls {
                let _ = writeln!(
                    out,
                    "  every refusal is reported (tollgate's listener records the call and answers EPERM)"
                );
            }
        } else {
            let _ = writeln!(out, "seccomp filter: NONE");
        }
        let scope = if self.scoped() {
            "only processes and abstract unix sockets created inside the sandbox (Landlock scopes)"
        } else {
            "NOT scoped (Landlock ABI < 6)"
        };
        let _ = writeln!(out, "signals and abstract unix sockets: {scope}");
        if self.support.landlock_abi >= 1 {
            let _ = writeln!(
                out,
                "ptrace and /proc/<pid>/{{environ,mem}} of processes outside: denied (Landlock)"
            );
        }
        let _ = writeln!(
            out,
            "privileges: no_new_privs (setuid and file capabilities ignored on exec){}",
            if self.support.user_namespaces {
                "; every capability dropped before exec (bounding, ambient, effective, permitted)"
            } else {
                ""
            }
        );
        let names: Vec<String> = self
            .environment()
            .into_iter()
            // Names only, never values; a name is the user's environment's, so control
            // characters in it are shown escaped, not sent to the terminal.
            .map(|(name, _)| name.to_string_lossy().escape_debug().to_string())
            .collect();
        let _ = writeln!(
            out,
            "environment (everything else removed): {}",
            names.join(" ")
        );
        if self.support.mount_view() {
            let _ = writeln!(
                out,
                "temporary directory: /tmp ($TMPDIR; a tmpfs of the view, gone when the command ends); host /tmp not visible"
            );
        } else {
            let _ = writeln!(
                out,
                "temporary directory: {} ($TMPDIR, removed afterwards); host /tmp denied",
                self.private_tmp.display()
            );
        }
        let _ = writeln!(
            out,
            "terminal: standard input /dev/null, new session, no controlling terminal; descriptors above 2 closed"
        );
        if self.weaknesses.is_empty() {
            let _ = writeln!(out, "weaker than the full sandbox: nothing");
        } else {
            for weakness in &self.weaknesses {
                let _ = writeln!(out, "WEAKER: {weakness}");
            }
        }
        out
    }

    fn explain_namespaces(&self, out: &mut String) {
        if !self.support.user_namespaces {
            let _ = writeln!(out, "namespaces: NONE (user namespaces unavailable)");
            return;
        }
        let (uid, gid) = crate::launch::inside_ids();
        let network = if matches!(self.network, Network::Namespace | Network::Proxy(_)) {
            ", network"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "namespaces: user (uid {uid}, gid {gid} inside; root is never mapped to 0), mount, PID (the command's whole process tree ends with it), IPC, UTS{network}; a new session keyring"
        );
    }

    fn explain_view(&self, out: &mut String) {
        if !self.support.mount_view() {
            let _ = writeln!(
                out,
                "file-system view: NONE (the host tree, filtered by Landlock only)"
            );
            return;
        }
        let mounts = match self.view() {
            Ok((_, mounts)) => mounts,
            Err(error) => {
                let _ = writeln!(out, "file-system view: cannot be planned: {error}");
                return;
            }
        };
        let _ = writeln!(
            out,
            "file-system view (new root on a tmpfs; nothing else of the host exists inside, no host socket):"
        );
        for mount in mounts {
            let path = shorten(&mount.path, &self.policy.home);
            let kind = match &mount.kind {
                MountKind::ReadOnly => "read-only ",
                MountKind::ReadWrite => "read-write",
                MountKind::Device => "device    ",
                MountKind::Tmpfs => "tmpfs     ",
                MountKind::Proc => "proc      ",
                MountKind::Redacted => {
                    let _ = writeln!(out, "  redacted    {path} (a copy without its tokens)");
                    continue;
                }
                MountKind::Symlink(target) => {
                    let _ = writeln!(out, "  symlink     {path} -> {}", target.display());
                    continue;
                }
            };
            let _ = writeln!(out, "  {kind}  {path}");
        }
    }

    /// The network rule in one line, as `--explain` prints it.
    pub fn describe_network(&self) -> String {
        match &self.network {
            Network::Namespace => {
                let tcp = if self.restricts_tcp() {
                    "; Landlock also denies TCP bind/connect"
                } else {
                    ""
                };
                format!("none (new network namespace: no TCP, UDP or DNS{tcp})")
            }
            Network::LandlockPorts(ports) if ports.is_empty() => {
                "TCP connect and bind denied (Landlock); UDP and DNS NOT restricted".to_owned()
            }
            Network::LandlockPorts(ports) => {
                let list: Vec<String> = ports.iter().map(u16::to_string).collect();
                format!(
                    "TCP connect only to port(s) {} on any host (Landlock); TCP bind denied; UDP and DNS NOT restricted",
                    list.join(", ")
                )
            }
            Network::Proxy(hosts) => {
                let list: Vec<String> = hosts.iter().map(ToString::to_string).collect();
                format!(
                    "only through tollgate's proxy (new network namespace; HTTPS_PROXY=http://127.0.0.1:{}; CONNECT, or GET/HEAD of http:// URLs, by host name to: {}; every other host and IP address refused and reported; no UDP, no DNS: names are resolved by tollgate outside)",
                    crate::proxy::PORT,
                    list.join(", ")
                )
            }
            Network::Open => "NOT restricted".to_owned(),
        }
    }
}

/// `~/...` for paths inside the home directory, to keep `--explain` readable.
fn shorten(path: &Path, home: &Path) -> String {
    match path.strip_prefix(home) {
        Ok(rest) if !home.as_os_str().is_empty() => format!("~/{}", rest.display()),
        _ => path.display().to_string(),
    }
}
