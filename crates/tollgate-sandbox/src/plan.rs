//! A [`Policy`] resolved against the running kernel: the exact paths, network mode and
//! scopes that will be enforced, the protections that are missing, and the sandboxed
//! [`Command`] itself. (`--explain` is in `explain.rs`.)

use std::ffi::{CString, OsStr, OsString};
use std::fmt;
use std::os::fd::OwnedFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use landlock::{
    ABI, Access, AccessFs, AccessNet, NetPort, Ruleset, RulesetAttr, RulesetCreated,
    RulesetCreatedAttr, Scope, path_beneath_rules,
};

use crate::launch::{self, Confinement, Namespaces};
use crate::view::View;
use crate::{KernelSupport, Policy, SandboxError, env, seccomp};

/// A protection the kernel (or the chosen options) cannot provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    /// No Landlock at all: the file system is not restricted.
    NoLandlock,
    /// Landlock ABI < 3: truncating files in read-only paths is not denied.
    NoTruncateRule,
    /// Landlock ABI < 5: ioctl on device files is not restricted.
    NoDeviceIoctlRule,
    /// Landlock ABI < 6: signals and abstract unix sockets outside are reachable.
    NoScopes,
    /// No user namespace: no private network namespace and, as root, host capabilities kept.
    NoUserNamespace,
    /// The network cannot be cut (no network namespace) and Landlock cannot restrict TCP.
    NoNetworkRestriction,
    /// No network namespace: only TCP is restricted (by Landlock); UDP and DNS are open.
    TcpOnlyNetworkRestriction,
    /// No seccomp filter: other socket families and protocols (MPTCP), the keyring,
    /// extended attributes, io_uring and new namespaces are not refused.
    NoSeccomp,
    /// The registry-only proxy needs a network namespace (user namespaces): TCP to the
    /// allowed hosts' ports goes to any host, UDP and DNS are open.
    NoRegistryProxy,
    /// No constructed file-system view: named unix sockets and metadata writes (`chmod`,
    /// `utime`) outside the allowed paths are not denied, and there is no PID namespace.
    NoMountView,
}

impl fmt::Display for Weakness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Weakness::NoLandlock => "Landlock is missing: the file system is not restricted",
            Weakness::NoTruncateRule => {
                "Landlock ABI < 3: truncation of read-only files is not denied"
            }
            Weakness::NoDeviceIoctlRule => "Landlock ABI < 5: device ioctls are not restricted",
            Weakness::NoScopes => {
                "Landlock ABI < 6: signals and abstract unix sockets outside are not scoped"
            }
            Weakness::NoUserNamespace => {
                "user namespaces unavailable: no network namespace, and root keeps its capabilities"
            }
            Weakness::NoNetworkRestriction => "the network is not restricted at all",
            Weakness::TcpOnlyNetworkRestriction => {
                "only TCP is restricted (Landlock); UDP and DNS are reachable"
            }
            Weakness::NoSeccomp => {
                "no seccomp filter: other socket protocols (MPTCP), the keyring, xattrs, io_uring and new namespaces are allowed"
            }
            Weakness::NoRegistryProxy => {
                "no network namespace for the registry-only proxy: TCP to the registries' ports reaches any host; UDP and DNS are reachable"
            }
            Weakness::NoMountView => {
                "no constructed file-system view (needs user namespaces and mount_setattr, Linux 5.12): host unix sockets reachable, chmod/utime outside not denied, other processes visible in /proc"
            }
        })
    }
}

/// How the network is restricted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Network {
    /// New network namespace (nothing but a down loopback), and Landlock denies TCP too.
    Namespace,
    /// Landlock allows TCP connect to these ports only; UDP is not restricted.
    LandlockPorts(Vec<u16>),
    /// New network namespace whose only way out is tollgate's proxy on its loopback
    /// (Landlock allows TCP connect to the proxy's port only), to these hosts.
    Proxy(Vec<crate::proxy::AllowedHost>),
    /// Not restricted.
    Open,
}

/// A resolved sandbox, ready to explain or run. Owns the private temporary directory and
/// removes it when dropped.
#[derive(Debug)]
pub struct Plan {
    pub(crate) policy: Policy,
    pub(crate) support: KernelSupport,
    pub(crate) read_only: Vec<PathBuf>,
    pub(crate) read_write: Vec<PathBuf>,
    /// Without the view: `$TMPDIR`, a fresh directory on the host. With it: the empty
    /// directory the view's root is mounted on (`$TMPDIR` is the view's own tmpfs `/tmp`).
    pub(crate) private_tmp: PathBuf,
    pub(crate) network: Network,
    pub(crate) weaknesses: Vec<Weakness>,
    /// The project's writable outputs when the rest of it is read-only (absolute paths).
    pub(crate) outputs: Vec<PathBuf>,
    /// Files the view shows as a copy with their secrets removed, instead of binding them.
    pub(crate) redacted: Vec<(PathBuf, Vec<u8>)>,
    /// The registry proxy, with [`Network::Proxy`].
    proxy: Option<crate::proxy::Proxy>,
    /// Answers and records the seccomp filter's refusals ([`crate::notify`]).
    supervisor: crate::notify::Supervisor,
}

impl Plan {
    /// Resolves `policy` against `support`. Fails when a path the user allowed does not
    /// exist; missing default paths are skipped.
    pub fn new(policy: Policy, support: KernelSupport) -> Result<Plan, SandboxError> {
        for path in policy
            .read_only
            .iter()
            .chain(&policy.read_write)
            .chain(std::iter::once(&policy.project))
        {
            std::fs::metadata(path).map_err(|source| SandboxError::Path {
                path: path.clone(),
                source,
            })?;
        }
        // With the view it stays empty (the new root is mounted on it in the child's mount
        // namespace) and must be traversable by a command started under another uid.
        let mode = if support.mount_view() { 0o755 } else { 0o700 };
        let private_tmp = create_private_tmp(mode)?;
        let mut read_only: Vec<PathBuf> = Vec::new();
        for path in Policy::system_read_only()
            .iter()
            .map(PathBuf::from)
            .chain(policy.toolchains())
        {
            if path.exists() && !read_only.contains(&path) {
                read_only.push(path);
            }
        }
        read_only.extend(policy.read_only.iter().cloned());
        read_only.extend(
            policy
                .caches
                .iter()
                .flat_map(|cache| cache.read_only_paths(&policy.home))
                .filter(|path| path.exists()),
        );
        let mut read_write: Vec<PathBuf> = Policy::system_read_write()
            .iter()
            .map(PathBuf::from)
            .chain(
                policy
                    .caches
                    .iter()
                    .flat_map(|cache| cache.paths(&policy.home)),
            )
            .filter(|path| path.exists())
            .collect();
        let redacted = if support.mount_view() {
            // The fetch phase needs the tokens of cargo's config as much as `.npmrc`'s.
            let mut redacted = if policy.keep_credentials {
                Vec::new()
            } else {
                redact_cargo_configs(&policy, &mut read_only)
            };
            redacted.extend(crate::redact::project_secrets(
                &policy.project,
                policy.keep_credentials,
            ));
            redacted
        } else {
            Vec::new()
        };
        let outputs: Vec<PathBuf> = match &policy.outputs {
            None => {
                read_write.push(policy.project.clone());
                Vec::new()
            }
            Some(outputs) => {
                read_only.push(policy.project.clone());
                outputs
                    .iter()
                    .map(|path| policy.project.join(path))
                    .collect()
            }
        };
        if !support.mount_view() {
            read_write.push(private_tmp.clone());
        }
        read_write.extend(policy.read_write.iter().cloned());
        let (network, weaknesses) = assess(&policy, &support);
        let proxy = match &network {
            Network::Proxy(hosts) => Some(crate::proxy::Proxy::new(hosts.clone())),
            _ => None,
        };
        Ok(Plan {
            policy,
            support,
            read_only,
            read_write,
            private_tmp,
            network,
            weaknesses,
            outputs,
            redacted,
            proxy,
            supervisor: crate::notify::Supervisor::default(),
        })
    }

    /// Protections that will be missing.
    pub fn weaknesses(&self) -> &[Weakness] {
        &self.weaknesses
    }

    /// Fails with [`SandboxError::Weaker`] when protections are missing and the policy
    /// did not accept weaker isolation.
    pub fn check(&self) -> Result<(), SandboxError> {
        if self.weaknesses.is_empty() || self.policy.allow_weaker {
            Ok(())
        } else {
            Err(SandboxError::Weaker(self.weaknesses.clone()))
        }
    }

    /// The private temporary directory on the host (`$TMPDIR` inside the sandbox when there
    /// is no constructed view; with it, the view's root is mounted there).
    pub fn private_tmp(&self) -> &Path {
        &self.private_tmp
    }

    /// Call once the command from [`Plan::command`] has started (`spawn` returned: the view
    /// is built and the new root no longer hangs on the host directory). With the view, the
    /// empty mount-point directory is removed right away, so that nothing is left on the host
    /// even if tollgate is killed with `SIGKILL`; the next [`Plan::command`] makes it again.
    pub fn started(&self) {
        if self.support.mount_view() {
            let _ = std::fs::remove_dir(&self.private_tmp);
        }
    }

    /// `$TMPDIR` as the sandboxed command sees it.
    pub(crate) fn tmp_inside(&self) -> PathBuf {
        if self.support.mount_view() {
            PathBuf::from("/tmp")
        } else {
            self.private_tmp.clone()
        }
    }

    /// The denials of the command that just ended: first the registry proxy's refusals and
    /// the system calls the seccomp filter refused (both recorded by tollgate; taken, so
    /// call this once per command, after it ended), then those in its
    /// `output` (see [`crate::denials`]): what the kernel refused, and with the view, paths
    /// that exist on the host but were not in it.
    pub fn denials(&self, output: &str) -> Vec<crate::denials::Denial> {
        let hidden = |path: &Path| self.hides(path);
        let mut denials = self
            .proxy
            .as_ref()
            .map(crate::proxy::Proxy::take_denials)
            .unwrap_or_default();
        denials.extend(self.supervisor.take_denials());
        denials.extend(crate::denials::scan_with(
            output,
            &self.policy.home,
            &hidden,
        ));
        denials
    }

    /// The hosts reachable through the registry proxy (empty without it).
    pub fn allowed_hosts(&self) -> &[crate::proxy::AllowedHost] {
        match &self.network {
            Network::Proxy(hosts) => hosts,
            _ => &[],
        }
    }

    /// Whether `path` exists on the host but not in the view.
    fn hides(&self, path: &Path) -> bool {
        if !self.support.mount_view() || !path.is_absolute() {
            return false;
        }
        let visible = self
            .read_only
            .iter()
            .chain(&self.read_write)
            .any(|allowed| path.starts_with(allowed));
        !visible && std::fs::symlink_metadata(path).is_ok()
    }

    /// The user's home directory, for shortening paths in reports.
    pub fn home(&self) -> &Path {
        &self.policy.home
    }

    /// The sandboxed command for `program args...`, in the project directory with the
    /// scrubbed environment and `/dev/null` as standard input (install-time code gets no
    /// terminal to read from). Call [`Plan::check`] first.
    pub fn command<S: AsRef<OsStr>>(
        &self,
        program: &OsStr,
        args: impl IntoIterator<Item = S>,
    ) -> Result<Command, SandboxError> {
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(&self.policy.project)
            .env_clear()
            .envs(self.environment())
            .stdin(Stdio::null());
        let cut_network = matches!(self.network, Network::Namespace | Network::Proxy(_));
        let namespaces = self
            .support
            .user_namespaces
            .then(|| Namespaces::new(cut_network));
        let proxy = match &self.proxy {
            Some(proxy) => {
                let (ours, theirs) =
                    std::os::unix::net::UnixStream::pair().map_err(SandboxError::ProxyChannel)?;
                proxy.serve(ours);
                Some(OwnedFd::from(theirs))
            }
            None => None,
        };
        let view = if self.support.mount_view() {
            // `started` removed it after the previous command.
            match std::fs::DirBuilder::new()
                .mode(0o755)
                .create(&self.private_tmp)
            {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(source) => {
                    return Err(SandboxError::TempDir {
                        dir: self.private_tmp.clone(),
                        source,
                    });
                }
            }
            Some(self.view()?.0)
        } else {
            None
        };
        let confinement = Confinement {
            namespaces,
            landlock: self.landlock(view.is_some())?,
            view,
            seccomp_notify: self.seccomp_notify()?,
            seccomp: self.support.seccomp.then(seccomp::program),
            proxy,
        };
        launch::confine(&mut command, confinement);
        Ok(command)
    }

    /// The notifying seccomp filter and the sandbox's end of the channel its listener is
    /// sent over; the supervisor thread waits on tollgate's end.
    fn seccomp_notify(&self) -> Result<Option<(Vec<libc::sock_filter>, OwnedFd)>, SandboxError> {
        if !self.support.seccomp || !self.policy.report_syscalls {
            return Ok(None);
        }
        let (ours, theirs) =
            std::os::unix::net::UnixStream::pair().map_err(SandboxError::SeccompChannel)?;
        self.supervisor.serve(ours);
        Ok(Some((
            seccomp::notifying(&seccomp::program()),
            OwnedFd::from(theirs),
        )))
    }

    /// The read-write paths, with the project's outputs that exist now (a package manager
    /// may have made `node_modules` after the plan was made).
    pub(crate) fn writable(&self) -> Vec<PathBuf> {
        let mut paths = self.read_write.clone();
        // An output that leads out of the project (a `target -> ~/.ssh` symlink checked into
        // a repository) would make that place writable: only outputs really inside count.
        let project = self.policy.project.canonicalize();
        paths.extend(
            self.outputs
                .iter()
                .filter(|path| match (path.canonicalize(), &project) {
                    (Ok(real), Ok(project)) => real.starts_with(project) && real != *project,
                    _ => false,
                })
                .cloned(),
        );
        paths
    }

    /// The constructed view and what it mounts.
    pub(crate) fn view(&self) -> Result<(View, Vec<crate::view::Mount>), SandboxError> {
        let root = self
            .private_tmp
            .canonicalize()
            .map_err(|source| SandboxError::TempDir {
                dir: self.private_tmp.clone(),
                source,
            })?;
        View::new(
            &root,
            &self.read_only,
            &self.writable(),
            &self.policy.home,
            &self.policy.project,
            &self.redacted,
        )
    }

    /// The environment inside: the allow-list, the user's extra names, the private tmp.
    pub(crate) fn environment(&self) -> Vec<(OsString, OsString)> {
        let mut set = self.policy.set_env.clone();
        if self.proxy.is_some() {
            set.extend(crate::proxy::environment());
        }
        for name in ["TMPDIR", "TMP", "TEMP"] {
            set.push((name.into(), self.tmp_inside().into_os_string()));
        }
        env::scrubbed(std::env::vars_os(), &self.policy.pass_env, &set)
    }

    /// Landlock for the child: the ruleset (every allowed host path opened here, in the
    /// parent) and, with the view, the rules for its own `/tmp`, `/dev/shm` and `/proc`,
    /// which only exist in the child. `None` when the kernel has no Landlock.
    fn landlock(&self, with_view: bool) -> Result<Option<launch::Landlock>, SandboxError> {
        let Some(ruleset) = self.ruleset()? else {
            return Ok(None);
        };
        let Some(ruleset) = Option::<OwnedFd>::from(ruleset) else {
            return Ok(None);
        };
        let abi = self.support.ruleset_abi();
        let mut view_rules = Vec::new();
        if with_view {
            let all = AccessFs::from_all(abi).bits();
            view_rules.push((CString::from(c"/tmp"), all));
            view_rules.push((CString::from(c"/dev/shm"), all));
            view_rules.push((CString::from(c"/proc"), AccessFs::from_read(abi).bits()));
            // Listing directories anywhere in the view: it holds only what is allowed, and
            // tools walk up from their working directory (`ls /`, `find /`).
            view_rules.push((CString::from(c"/"), AccessFs::ReadDir as u64));
            for (path, _) in &self.redacted {
                let path = CString::new(path.as_os_str().as_encoded_bytes())
                    .map_err(|_| SandboxError::NulInPath(path.clone()))?;
                // A file takes only file rights (READ_DIR on it is EINVAL).
                view_rules.push((path, AccessFs::ReadFile as u64));
            }
        }
        Ok(Some(launch::Landlock {
            ruleset,
            view_rules,
        }))
    }

    /// The Landlock ruleset, created in the parent (opening every allowed path) so that the
    /// child only has to apply it. `None` when the kernel has no Landlock.
    fn ruleset(&self) -> Result<Option<RulesetCreated>, SandboxError> {
        let abi = self.support.ruleset_abi();
        if abi == ABI::Unsupported {
            return Ok(None);
        }
        let mut ruleset = Ruleset::default().handle_access(AccessFs::from_all(abi))?;
        if self.restricts_tcp() {
            ruleset = ruleset.handle_access(AccessNet::from_all(abi))?;
        }
        if self.scoped() {
            ruleset = ruleset.scope(Scope::from_all(abi))?;
        }
        let mut created = ruleset
            .create()?
            .add_rules(path_beneath_rules(
                &self.read_only,
                AccessFs::from_read(abi),
            ))?
            .add_rules(path_beneath_rules(
                &self.writable(),
                AccessFs::from_all(abi),
            ))?;
        let ports = match &self.network {
            Network::LandlockPorts(ports) => ports.clone(),
            Network::Proxy(_) => vec![crate::proxy::PORT],
            Network::Namespace | Network::Open => Vec::new(),
        };
        for port in ports {
            created = created.add_rule(NetPort::new(port, AccessNet::ConnectTcp))?;
        }
        Ok(Some(created))
    }

    pub(crate) fn restricts_tcp(&self) -> bool {
        self.support.landlock_abi >= 4 && self.network != Network::Open
    }

    pub(crate) fn scoped(&self) -> bool {
        self.support.landlock_abi >= 6
    }
}

impl Drop for Plan {
    fn drop(&mut self) {
        // Best effort: a leftover empty directory in the system tmp is harmless.
        let _ = std::fs::remove_dir_all(&self.private_tmp);
    }
}

/// cargo's user configuration files that hold a token: taken out of `read_only` and returned
/// with their redacted content. Only files whose path has no symbolic link in it (the view
/// writes the copy at that path).
fn redact_cargo_configs(policy: &Policy, read_only: &mut Vec<PathBuf>) -> Vec<(PathBuf, Vec<u8>)> {
    let mut redacted = Vec::new();
    for path in policy.cargo_configs() {
        let canonical = path.canonicalize().ok();
        if canonical.as_ref() != Some(&path) {
            continue;
        }
        let Ok(content) = std::fs::read_to_string(&path) else {
            continue;
        };
        if let Some(clean) = crate::redact::cargo_config_without_tokens(&content) {
            read_only.retain(|allowed| *allowed != path);
            redacted.push((path, clean.into_bytes()));
        }
    }
    redacted
}

/// Chooses the network mode and lists what is missing.
fn assess(policy: &Policy, support: &KernelSupport) -> (Network, Vec<Weakness>) {
    let abi = support.landlock_abi;
    let mut weaknesses = Vec::new();
    if abi < 1 {
        weaknesses.push(Weakness::NoLandlock);
    } else {
        if abi < 3 {
            weaknesses.push(Weakness::NoTruncateRule);
        }
        if abi < 5 {
            weaknesses.push(Weakness::NoDeviceIoctlRule);
        }
        if abi < 6 {
            weaknesses.push(Weakness::NoScopes);
        }
    }
    if !support.user_namespaces {
        weaknesses.push(Weakness::NoUserNamespace);
    }
    if !support.seccomp {
        weaknesses.push(Weakness::NoSeccomp);
    }
    if !support.mount_view() {
        weaknesses.push(Weakness::NoMountView);
    }
    if !policy.allow_hosts.is_empty() {
        if support.user_namespaces {
            return (Network::Proxy(policy.allow_hosts.clone()), weaknesses);
        }
        // Without a namespace of its own the proxy cannot be the only way out: the
        // registries' ports, on any host, are the closest Landlock can do.
        weaknesses.push(Weakness::NoRegistryProxy);
        let mut ports: Vec<u16> = policy.allow_hosts.iter().map(|host| host.port).collect();
        ports.sort_unstable();
        ports.dedup();
        let network = if abi >= 4 {
            Network::LandlockPorts(ports)
        } else {
            weaknesses.push(Weakness::NoNetworkRestriction);
            Network::Open
        };
        return (network, weaknesses);
    }
    let network = match (
        policy.connect_ports.is_empty(),
        support.user_namespaces,
        abi >= 4,
    ) {
        (true, true, _) => Network::Namespace,
        (_, _, true) => {
            if policy.connect_ports.is_empty() {
                weaknesses.push(Weakness::TcpOnlyNetworkRestriction);
            }
            Network::LandlockPorts(policy.connect_ports.clone())
        }
        (_, _, false) => {
            weaknesses.push(Weakness::NoNetworkRestriction);
            Network::Open
        }
    };
    (network, weaknesses)
}

/// A fresh `tollgate-sandbox-*` directory (with `mode`) in the system temporary directory.
fn create_private_tmp(mode: u32) -> Result<PathBuf, SandboxError> {
    let base = std::env::temp_dir();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let mut last_error = None;
    for attempt in 0..16u32 {
        let dir = base.join(format!(
            "tollgate-sandbox-{}-{nanos:x}-{attempt}",
            std::process::id()
        ));
        match std::fs::DirBuilder::new().mode(mode).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                last_error = Some(error);
            }
            Err(source) => return Err(SandboxError::TempDir { dir: base, source }),
        }
    }
    Err(SandboxError::TempDir {
        dir: base,
        source: last_error.unwrap_or_else(|| std::io::ErrorKind::AlreadyExists.into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn support(landlock_abi: i32, user_namespaces: bool) -> KernelSupport {
        KernelSupport {
            landlock_abi,
            user_namespaces,
            seccomp: true,
            mount_setattr: true,
        }
    }

    #[test]
    fn full_kernel_has_no_weakness() {
        let policy = Policy::new("/", "/nonexistent-home");
        let (network, weaknesses) = assess(&policy, &support(6, true));
        assert_eq!(network, Network::Namespace);
        assert!(weaknesses.is_empty());
    }

    #[test]
    fn missing_features_are_listed() {
        let policy = Policy::new("/", "/nonexistent-home");
        let (network, weaknesses) = assess(&policy, &support(4, false));
        assert_eq!(network, Network::LandlockPorts(vec![]));
        assert_eq!(
            weaknesses,
            vec![
                Weakness::NoDeviceIoctlRule,
                Weakness::NoScopes,
                Weakness::NoUserNamespace,
                Weakness::NoMountView,
                Weakness::TcpOnlyNetworkRestriction
            ]
        );
        let (network, weaknesses) = assess(&policy, &support(0, false));
        assert_eq!(network, Network::Open);
        assert!(weaknesses.contains(&Weakness::NoLandlock));
        assert!(weaknesses.contains(&Weakness::NoNetworkRestriction));
    }

    #[test]
    fn allowed_ports_use_landlock_without_network_namespace() {
        let mut policy = Policy::new("/", "/nonexistent-home");
        policy.connect_ports = vec![443];
        let (network, weaknesses) = assess(&policy, &support(6, true));
        assert_eq!(network, Network::LandlockPorts(vec![443]));
        assert!(weaknesses.is_empty());
    }

    #[test]
    fn weaker_plan_is_refused_unless_accepted() {
        let project = tempfile::tempdir().expect("tempdir");
        let mut policy = Policy::new(project.path(), "/nonexistent-home");
        let plan = Plan::new(policy.clone(), support(5, true)).expect("plan");
        assert!(
            matches!(plan.check(), Err(SandboxError::Weaker(w)) if w == vec![Weakness::NoScopes])
        );
        policy.allow_weaker = true;
        let plan = Plan::new(policy, support(5, true)).expect("plan");
        assert!(plan.check().is_ok());
        assert!(plan.explain().contains("WEAKER: Landlock ABI < 6"));
    }

    #[test]
    fn missing_user_path_is_an_error_naming_it() {
        let mut policy = Policy::new("/", "/nonexistent-home");
        policy.read_only.push(PathBuf::from("/definitely/not/here"));
        let error = Plan::new(policy, support(6, true)).expect_err("must fail");
        assert!(
            error.to_string().contains("/definitely/not/here"),
            "{error}"
        );
    }
}
