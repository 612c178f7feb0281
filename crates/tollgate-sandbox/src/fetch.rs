//! The sandbox of a package manager's fetch phase (`npm ci --ignore-scripts`, `cargo fetch`,
//! `pip download`, ...). The manager is asked not to run third-party code, but it is a large
//! program reading files an attacker controls (lockfiles, manifests, tarballs), and pip
//! cannot be kept from building direct references at all. So the fetch runs in the view
//! too, with what a download needs and nothing else of the home directory: the manager's
//! configuration and credential files read-only (they are where its registry tokens live,
//! and the fetch needs them), its cache writable, the network only through tollgate's
//! registry proxy ([`crate::proxy`]) to the registry hosts the caller lists, the project
//! writable (the fetch writes `node_modules`, a lockfile or `.venv`) except its `.env`
//! files. `~/.ssh`, `~/.aws`, `~/.config` and the rest of `$HOME` are not in it, and of
//! the environment only the manager's own variables and the sandbox's basics
//! ([`crate::fetch_env`]).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::fetch_env;
use crate::policy::{Cache, Policy, cargo_home};
use crate::proxy::AllowedHost;

/// The package managers whose fetch phase tollgate sandboxes: the one list of managers
/// `tollgate install` drives (the CLI parses it with [`Manager::ALL`] and
/// [`Manager::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// npm.
    Npm,
    /// pnpm.
    Pnpm,
    /// Yarn: classic, or Berry (2+) with the node-modules linker.
    Yarn,
    /// Bun (`bun install`, hoisted node_modules).
    Bun,
    /// pip (`pip download`).
    Pip,
    /// uv.
    Uv,
    /// cargo (`cargo fetch`).
    Cargo,
}

impl Manager {
    /// Every manager, in the order help texts list them.
    pub const ALL: [Manager; 7] = [
        Manager::Npm,
        Manager::Pnpm,
        Manager::Yarn,
        Manager::Bun,
        Manager::Pip,
        Manager::Uv,
        Manager::Cargo,
    ];

    /// The program's name (`npm`, `pip`), which is also how the command line names it.
    pub fn name(self) -> &'static str {
        match self {
            Manager::Npm => "npm",
            Manager::Pnpm => "pnpm",
            Manager::Yarn => "yarn",
            Manager::Bun => "bun",
            Manager::Pip => "pip",
            Manager::Uv => "uv",
            Manager::Cargo => "cargo",
        }
    }

    /// What it installs from, for help texts.
    pub fn describe(self) -> &'static str {
        match self {
            Manager::Npm => "npm (package-lock.json)",
            Manager::Pnpm => "pnpm (pnpm-lock.yaml)",
            Manager::Yarn => {
                "Yarn (yarn.lock; classic from a lockfile, or Berry with nodeLinker: node-modules)"
            }
            Manager::Bun => "Bun (bun.lock; installed with the hoisted linker)",
            Manager::Pip => "pip (requirements files; wheels only in the fetch phase)",
            Manager::Uv => "uv (uv.lock)",
            Manager::Cargo => "cargo (Cargo.lock)",
        }
    }
}

/// A name that is none of [`Manager::ALL`].
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a package manager tollgate drives (npm, pnpm, yarn, bun, pip, uv, cargo)")]
pub struct UnknownManager(pub String);

impl std::str::FromStr for Manager {
    type Err = UnknownManager;

    fn from_str(name: &str) -> Result<Manager, UnknownManager> {
        Manager::ALL
            .into_iter()
            .find(|manager| manager.name() == name)
            .ok_or_else(|| UnknownManager(name.to_owned()))
    }
}

/// What the fetch may reach and what the user added (`--allow-read`, `--allow-write`,
/// `--allow-host`, `--allow-weaker`, `--pass-env`).
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// Paths read-only (e.g. a local tarball or direct reference outside the project).
    pub read_only: Vec<PathBuf>,
    /// Paths read-write.
    pub read_write: Vec<PathBuf>,
    /// The hosts the fetch may reach, by name, through the registry proxy: the configured
    /// registries, the public ones and the user's `--allow-host`. Empty: no network.
    pub hosts: Vec<AllowedHost>,
    /// Accept weaker isolation on this kernel.
    pub allow_weaker: bool,
    /// Variables the user passes by name (`--pass-env`), beyond the manager's own.
    pub pass_env: Vec<OsString>,
}

/// The fetch-phase policy of `manager` in `project`. The whole project is writable, except
/// for pip, whose `pip download` writes only `.tollgate` (it builds direct references, so
/// it must not plant anything).
pub fn policy(manager: Manager, project: &Path, home: &Path, extra: &Extra) -> Policy {
    let mut policy = Policy::new(project, home);
    let (cache, config) = needs(manager, home);
    // A path missing on the host is left out of the view, and `$HOME` there is not
    // writable: on a first install the manager could not create its cache. Making the
    // directories is what the manager would do itself; if it fails they stay absent.
    for dir in cache_dirs(manager, home)
        .iter()
        .chain(&writable_state(manager, home))
    {
        let _ = std::fs::create_dir_all(dir);
    }
    policy.caches = vec![cache];
    policy.read_only = config.into_iter().filter(|path| path.exists()).collect();
    policy.read_only.extend(extra.read_only.iter().cloned());
    policy.read_write = writable_state(manager, home)
        .into_iter()
        .filter(|path| path.exists())
        .collect();
    policy.read_write.extend(extra.read_write.iter().cloned());
    policy.allow_hosts = extra.hosts.clone();
    // Index URLs with tokens (`PIP_INDEX_URL`, `NPM_TOKEN` for `${NPM_TOKEN}` in .npmrc,
    // `CARGO_REGISTRIES_*_TOKEN`) are often in the environment: the manager's own
    // variables pass, no other (`crate::fetch_env`).
    let referenced = fetch_env::referenced(&fetch_env::interpolating_files(manager, home));
    policy.pass_env = fetch_env::passed(
        manager,
        std::env::vars_os().map(|(name, _)| name),
        &referenced,
    );
    policy.pass_env.extend(extra.pass_env.iter().cloned());
    policy.keep_credentials = true;
    policy.outputs = (manager == Manager::Pip).then(|| vec![PathBuf::from(".tollgate")]);
    policy.allow_weaker = extra.allow_weaker;
    policy
}

/// The cache and the configuration files (read-only; missing ones are skipped) of `manager`.
fn needs(manager: Manager, home: &Path) -> (Cache, Vec<PathBuf>) {
    let in_home = |entries: &[&str]| -> Vec<PathBuf> {
        entries.iter().map(|entry| home.join(entry)).collect()
    };
    let mut config = in_home(&[".gitconfig", ".config/git"]);
    let cache = match manager {
        Manager::Npm => {
            config.extend(in_home(&[".npmrc"]));
            config.push(PathBuf::from("/etc/npmrc"));
            Cache::Npm
        }
        Manager::Pnpm => {
            config.extend(in_home(&[".npmrc", ".config/pnpm"]));
            Cache::Npm
        }
        Manager::Yarn => {
            config.extend(in_home(&[".npmrc", ".yarnrc"]));
            Cache::Npm
        }
        // Bun's own cache (`~/.bun/install/cache`) is its writable state; it reads npm's
        // `.npmrc` and its `bunfig.toml` for registries and tokens.
        Manager::Bun => {
            config.extend(in_home(&[".npmrc", ".bunfig.toml"]));
            Cache::Npm
        }
        Manager::Pip => {
            config.extend(in_home(&[".config/pip", ".pip", ".netrc"]));
            config.extend(["/etc/pip.conf", "/etc/xdg/pip"].map(PathBuf::from));
            config.extend(std::env::var_os("PIP_CONFIG_FILE").map(PathBuf::from));
            Cache::Pip
        }
        Manager::Uv => {
            config.extend(in_home(&[".config/uv", ".netrc"]));
            config.push(PathBuf::from("/etc/uv"));
            Cache::Uv
        }
        Manager::Cargo => {
            let cargo_home = cargo_home(home);
            config.extend(["credentials.toml", "credentials"].map(|name| cargo_home.join(name)));
            Cache::Cargo
        }
    };
    (cache, config)
}

/// The cache directories of `manager` (cargo's lock files are left to cargo).
fn cache_dirs(manager: Manager, home: &Path) -> Vec<PathBuf> {
    match manager {
        Manager::Npm | Manager::Pnpm | Manager::Yarn | Manager::Bun => vec![home.join(".npm")],
        Manager::Pip => vec![home.join(".cache/pip")],
        Manager::Uv => vec![home.join(".cache/uv")],
        Manager::Cargo => {
            let cargo_home = cargo_home(home);
            vec![cargo_home.join("registry"), cargo_home.join("git")]
        }
    }
}

/// State the manager writes outside its content cache (pnpm's store, yarn's cache).
fn writable_state(manager: Manager, home: &Path) -> Vec<PathBuf> {
    let entries: &[&str] = match manager {
        Manager::Pnpm => &[".local/share/pnpm", ".cache/pnpm", ".local/state/pnpm"],
        Manager::Yarn => &[".cache/yarn", ".yarn"],
        Manager::Bun => &[".bun/install/cache"],
        Manager::Npm | Manager::Pip | Manager::Uv | Manager::Cargo => &[],
    };
    entries.iter().map(|entry| home.join(entry)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_read_only_and_nothing_else_of_home() {
        let home = tempfile::tempdir().expect("home");
        for file in [".npmrc", ".ssh/id_rsa", ".aws/credentials"] {
            let path = home.path().join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, "x").expect("write");
        }
        let registry = AllowedHost::from_url("https://registry.npmjs.org/").expect("url");
        let extra = Extra {
            hosts: vec![registry.clone()],
            ..Extra::default()
        };
        let policy = policy(Manager::Npm, Path::new("/p"), home.path(), &extra);
        let in_home: Vec<&PathBuf> = policy
            .read_only
            .iter()
            .filter(|path| path.starts_with(home.path()))
            .collect();
        assert_eq!(in_home, vec![&home.path().join(".npmrc")]);
        // Made for a first install (otherwise absent from the view, and unwritable).
        assert!(home.path().join(".npm").is_dir());
        assert!(policy.read_write.is_empty());
        assert!(policy.connect_ports.is_empty());
        assert_eq!(policy.allow_hosts, vec![registry]);
        assert!(policy.keep_credentials);
        assert_eq!(policy.outputs, None);
        let pip = super::policy(
            Manager::Pip,
            Path::new("/p"),
            home.path(),
            &Extra::default(),
        );
        assert_eq!(pip.outputs, Some(vec![PathBuf::from(".tollgate")]));
    }
}
