//! What a sandboxed command may touch: the user-facing description, before it meets the
//! kernel. Defaults cover the system and toolchain paths a package manager needs to run;
//! everything beyond them is added explicitly and shows up in `--explain`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A package-manager cache the command may write to (it never holds credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// `~/.npm` (npm, pnpm and yarn classic content caches) and `~/.cache/node-gyp`.
    Npm,
    /// `$CARGO_HOME/registry`, `$CARGO_HOME/git` and cargo's lock files.
    Cargo,
    /// For `npm rebuild` after the fetch phase filled the cache: `~/.npm` read-only except
    /// its `_logs`, and `~/.cache/node-gyp` writable (headers), so install scripts cannot
    /// rewrite cached packages or index entries for the next install.
    NpmRebuild,
    /// For a build after `cargo fetch` (which downloads and unpacks every source): cargo's
    /// lock and last-use files writable, `$CARGO_HOME/registry` and `git` read-only, so a
    /// build script cannot edit another crate's sources for the user's next plain build.
    CargoBuild,
    /// `~/.cache/pip`.
    Pip,
    /// `~/.cache/uv`.
    Uv,
}

impl Cache {
    /// The cache a program needs, guessed from its file name (`cargo`, `npm`, ...).
    pub fn for_program(program: &Path) -> Option<Cache> {
        let name = program.file_name()?.to_str()?;
        match name {
            "cargo" | "rustc" => Some(Cache::Cargo),
            "npm" | "npx" | "node" | "pnpm" | "yarn" | "node-gyp" => Some(Cache::Npm),
            "uv" | "uvx" => Some(Cache::Uv),
            _ if name.starts_with("pip") || name.starts_with("python") => Some(Cache::Pip),
            _ => None,
        }
    }

    /// Directories (read-write) and files (read-write, must already exist) of this cache.
    pub(crate) fn paths(self, home: &Path) -> Vec<PathBuf> {
        let cargo_entries = |entries: &[&str]| -> Vec<PathBuf> {
            let cargo_home = cargo_home(home);
            entries.iter().map(|entry| cargo_home.join(entry)).collect()
        };
        match self {
            Cache::Npm => vec![home.join(".npm"), home.join(".cache/node-gyp")],
            Cache::NpmRebuild => vec![home.join(".npm/_logs"), home.join(".cache/node-gyp")],
            Cache::Cargo => cargo_entries(&[
                "registry",
                "git",
                ".package-cache",
                ".package-cache-mutate",
                ".global-cache",
            ]),
            Cache::CargoBuild => {
                cargo_entries(&[".package-cache", ".package-cache-mutate", ".global-cache"])
            }
            Cache::Pip => vec![home.join(".cache/pip")],
            Cache::Uv => vec![home.join(".cache/uv")],
        }
    }
}

impl Cache {
    /// Paths of this cache that are only read.
    pub(crate) fn read_only_paths(self, home: &Path) -> Vec<PathBuf> {
        match self {
            Cache::CargoBuild => {
                let cargo_home = cargo_home(home);
                vec![cargo_home.join("registry"), cargo_home.join("git")]
            }
            Cache::NpmRebuild => vec![home.join(".npm")],
            Cache::Npm | Cache::Cargo | Cache::Pip | Cache::Uv => Vec::new(),
        }
    }
}

/// `$CARGO_HOME`, or `~/.cargo`.
pub(crate) fn cargo_home(home: &Path) -> PathBuf {
    std::env::var_os("CARGO_HOME").map_or_else(|| home.join(".cargo"), PathBuf::from)
}

/// `$RUSTUP_HOME`, or `~/.rustup`.
fn rustup_home(home: &Path) -> PathBuf {
    std::env::var_os("RUSTUP_HOME").map_or_else(|| home.join(".rustup"), PathBuf::from)
}

/// What a sandboxed command is allowed to do. Build one with [`Policy::new`] and the
/// `allow_*` methods.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The project directory: read-write, and the working directory of the command.
    pub project: PathBuf,
    /// The user's home directory (only to locate toolchains and caches inside it).
    pub home: PathBuf,
    /// Extra paths the user allowed read-only.
    pub read_only: Vec<PathBuf>,
    /// Extra paths the user allowed read-write.
    pub read_write: Vec<PathBuf>,
    /// Package-manager caches the command may write to.
    pub caches: Vec<Cache>,
    /// TCP ports the command may connect to (on any host). Empty means no network at all.
    /// Ignored when `allow_hosts` is set.
    pub connect_ports: Vec<u16>,
    /// Hosts the command may reach, only through tollgate's HTTP proxy
    /// ([`crate::proxy`]): a new network namespace whose one way out is the proxy, which
    /// allows CONNECT (and plain HTTP GET) to these hosts and nothing else. Empty: no proxy.
    pub allow_hosts: Vec<crate::proxy::AllowedHost>,
    /// Extra environment variables to pass through, by name.
    pub pass_env: Vec<OsString>,
    /// Variables to set inside the sandbox (after scrubbing), e.g. a package manager's config.
    pub set_env: Vec<(OsString, OsString)>,
    /// Run even if the kernel cannot enforce every protection.
    pub allow_weaker: bool,
    /// `None`: the whole project is writable. `Some(paths)`: the project is read-only except
    /// these build outputs (relative to the project, or absolute), so that the command cannot
    /// plant configuration (`.cargo/config.toml`, `.npmrc`, `.git/hooks`, ...) for the next
    /// step. Outputs that do not exist when the command starts stay absent.
    pub outputs: Option<Vec<PathBuf>>,
    /// Show the project's `.npmrc`/`.pypirc` with their credentials (the fetch phase needs
    /// them). `.env` files are hidden either way.
    pub keep_credentials: bool,
    /// Report what the seccomp filter refuses (the `notify` module: a listener thread of
    /// tollgate records each refused call and answers it with `EPERM`). `false` installs the
    /// plain filter: the same refusals, nothing recorded (for measuring the listener's cost).
    pub report_syscalls: bool,
}

impl Policy {
    /// The default policy for `project`: system and toolchain paths read-only, the project
    /// read-write, no network, no cache, nothing else of `home`.
    pub fn new(project: impl Into<PathBuf>, home: impl Into<PathBuf>) -> Policy {
        Policy {
            project: project.into(),
            home: home.into(),
            read_only: Vec::new(),
            read_write: Vec::new(),
            caches: Vec::new(),
            connect_ports: Vec::new(),
            allow_hosts: Vec::new(),
            pass_env: Vec::new(),
            set_env: Vec::new(),
            allow_weaker: false,
            outputs: None,
            keep_credentials: false,
            report_syscalls: true,
        }
    }

    /// This policy with the registry-only network of a phase that needs one (the execute
    /// phase of a `--network-for` package): only `hosts`, through tollgate's proxy
    /// ([`crate::proxy`]), each also on every port of `extra_ports` (`--allow-connect`);
    /// direct TCP to any host (`connect_ports`) is cleared, so the only way out is the proxy.
    pub fn with_registry_network(
        mut self,
        hosts: &[crate::proxy::AllowedHost],
        extra_ports: &[u16],
    ) -> Policy {
        let mut allowed = hosts.to_vec();
        for host in hosts {
            allowed.extend(extra_ports.iter().map(|&port| crate::proxy::AllowedHost {
                host: host.host.clone(),
                port,
            }));
        }
        allowed.sort();
        allowed.dedup();
        self.allow_hosts = allowed;
        self.connect_ports.clear();
        self
    }

    /// System paths that every program needs to start: read-only and executable. Paths that
    /// do not exist on this machine are skipped. `/etc` is listed entry by entry so that
    /// files such as `/etc/shadow` stay out of reach even for root.
    pub(crate) fn system_read_only() -> &'static [&'static str] {
        &[
            "/usr",
            "/bin",
            "/sbin",
            "/lib",
            "/lib32",
            "/lib64",
            "/libx32",
            "/opt",
            "/etc/ld.so.cache",
            "/etc/ld.so.conf",
            "/etc/ld.so.conf.d",
            "/etc/passwd",
            "/etc/group",
            "/etc/nsswitch.conf",
            "/etc/hosts",
            "/etc/host.conf",
            "/etc/resolv.conf",
            "/etc/gai.conf",
            "/etc/localtime",
            "/etc/timezone",
            "/etc/ssl",
            "/etc/ca-certificates",
            "/etc/pki",
            "/etc/alternatives",
            "/etc/os-release",
            "/etc/lsb-release",
            "/etc/debian_version",
            "/etc/redhat-release",
            "/etc/mime.types",
            "/etc/protocols",
            "/etc/services",
            "/etc/python3",
            "/etc/python3.11",
            "/proc",
            "/sys/devices/system/cpu",
            "/sys/fs/cgroup",
            "/dev/urandom",
            "/dev/random",
        ]
    }

    /// Device files every program may read and write.
    pub(crate) fn system_read_write() -> &'static [&'static str] {
        &["/dev/null", "/dev/zero", "/dev/full"]
    }

    /// cargo's user configuration files (`$CARGO_HOME/config.toml`, `config`).
    pub(crate) fn cargo_configs(&self) -> Vec<PathBuf> {
        let cargo_home = cargo_home(&self.home);
        vec![cargo_home.join("config.toml"), cargo_home.join("config")]
    }

    /// Toolchains: read-only and executable, never credentials (`~/.cargo/credentials.toml`,
    /// `~/.npmrc`, `~/.pypirc` are not listed). The directories on `$PATH` are included
    /// (programs must be found), except `/` and the home directory itself or its parents.
    pub(crate) fn toolchains(&self) -> Vec<PathBuf> {
        let home = &self.home;
        let cargo_home = cargo_home(home);
        let mut paths = vec![
            rustup_home(home),
            cargo_home.join("bin"),
            cargo_home.join("config.toml"),
            cargo_home.join("config"),
            std::env::var_os("PYENV_ROOT").map_or_else(|| home.join(".pyenv"), PathBuf::from),
        ];
        if let Some(search_path) = std::env::var_os("PATH") {
            // A directory inside the project (an activated `.venv/bin`) keeps the project's
            // access: listed read-only here, it would become a read-only mount in the view.
            paths.extend(std::env::split_paths(&search_path).filter(|dir| {
                dir.is_absolute() && !home.starts_with(dir) && !dir.starts_with(&self.project)
            }));
        }
        paths.extend(
            [
                ".nvm",
                ".volta",
                ".bun/bin",
                ".local/bin",
                ".local/lib",
                ".local/share/uv/python",
                ".cache/node-gyp",
            ]
            .iter()
            .map(|entry| home.join(entry)),
        );
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::AllowedHost;

    #[test]
    fn registry_network_replaces_direct_ports_with_proxied_hosts() {
        let mut policy = Policy::new("/p", "/h");
        policy.connect_ports = vec![443, 8080];
        let hosts = [AllowedHost {
            host: "registry.npmjs.org".into(),
            port: 443,
        }];
        let policy = policy.with_registry_network(&hosts, &[8080, 443]);
        assert!(policy.connect_ports.is_empty());
        let shown: Vec<String> = policy.allow_hosts.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["registry.npmjs.org:443", "registry.npmjs.org:8080"]);
    }
}
