//! Which policy applies to which scanned lockfile (`--config` for all of them, else the
//! nearest `tollgate.toml` of each, see `tollgate_policy::discovery`), loaded once per
//! file; the gate's pipeline runs each policy on its lockfiles. Shared by `scan`,
//! `policy` and `diff`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tollgate_lockfile::DiscoveredFile;
use tollgate_policy::{Config, lockfile_dir, nearest_policy_file};

use crate::commands::policy::{load_config, policy_root};

/// One policy and what it applies to.
pub struct PolicyGroup {
    /// The policy (`Config::default()` where no file applies).
    pub config: Config,
    /// The file, `None` for the built-in defaults.
    pub file: Option<PathBuf>,
    /// The directory the policy's relative paths (trust store, ...) resolve against.
    pub root: PathBuf,
    /// Display paths of the lockfiles it applies to.
    pub lockfiles: Vec<String>,
    /// The scanned roots (command-line paths) it applies to, for the project checks.
    pub roots: Vec<PathBuf>,
}

impl PolicyGroup {
    /// How the report names the policy.
    pub fn label(&self) -> String {
        self.file
            .as_ref()
            .map_or_else(|| "<default>".to_owned(), |file| file.display().to_string())
    }
}

/// Groups `files` (and the scanned `paths`) by the policy that applies to them. At least
/// one group when `paths` is not empty, so a scan with no lockfile still has a policy
/// (`diff` passes no paths: only its lockfiles need one).
pub fn policy_groups(
    explicit: Option<&Path>,
    paths: &[PathBuf],
    files: &[DiscoveredFile],
) -> anyhow::Result<Vec<PolicyGroup>> {
    if let Some(explicit) = explicit {
        let config = load_config(Some(explicit), Path::new("."))?;
        return Ok(vec![PolicyGroup {
            config,
            file: Some(explicit.to_path_buf()),
            root: lockfile_dir(explicit),
            lockfiles: files.iter().map(|f| f.display.clone()).collect(),
            roots: paths.to_vec(),
        }]);
    }
    let mut by_file: BTreeMap<Option<PathBuf>, (Vec<String>, Vec<PathBuf>)> = BTreeMap::new();
    for file in files {
        let policy = nearest_policy_file(&lockfile_dir(&file.path));
        by_file
            .entry(policy)
            .or_default()
            .0
            .push(file.display.clone());
    }
    for path in paths {
        let start = if path.is_dir() {
            path.clone()
        } else {
            lockfile_dir(path)
        };
        by_file
            .entry(nearest_policy_file(&start))
            .or_default()
            .1
            .push(path.clone());
    }
    let mut groups = Vec::new();
    for (file, (lockfiles, roots)) in by_file {
        let (config, root) = match &file {
            Some(file) => (load_config(Some(file), Path::new("."))?, lockfile_dir(file)),
            None => (Config::default(), policy_root(paths)),
        };
        groups.push(PolicyGroup {
            config,
            file,
            root,
            lockfiles,
            roots,
        });
    }
    Ok(groups)
}
