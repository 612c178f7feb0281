//! Which policy `tollgate diff` applies to each lockfile. For two git revisions it is the
//! trusted side's: by default the base's `tollgate.toml` files, read from git objects (the
//! nearest at or above each lockfile's path at the base), because in a pull request the
//! head's policy is written by the author of the dependency change and a head that adds an
//! `allow` or an ignore would otherwise relax its own review. `--policy-from head` applies
//! the head's (for a working tree, the files on disk, as `scan` finds them); `--config`
//! overrides both; two lockfile paths keep the on-disk discovery.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use tollgate_diff::git::PolicyFiles;
use tollgate_lockfile::DiscoveredFile;
use tollgate_policy::{Config, lockfile_dir};

use crate::commands::policies::{PolicyGroup, policy_groups};
use crate::commands::policy::parse_config;

/// The side of a diff of two revisions whose policy applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyFrom {
    /// The base's policy files (the trusted side of a pull request).
    Base,
    /// The head's policy files (the working tree's when HEAD is not given).
    Head,
}

/// The policy files of both sides of a diff of two git revisions.
pub struct RevisionPolicies {
    /// The base's label (`main (3f2a9c1d0b4e)`).
    pub base_label: String,
    /// The base's policy files.
    pub base: PolicyFiles,
    /// The head's label (`working tree` for the working tree).
    pub head_label: String,
    /// The head's policy files.
    pub head: PolicyFiles,
    /// The head is the working tree: its policy is discovered on disk, as `scan` does.
    pub head_is_worktree: bool,
    /// The repository root, that the policy files' paths are relative to.
    pub root: PathBuf,
}

/// The policies that apply, and how the report names where they came from.
pub struct Applied {
    /// One group per policy, with the lockfiles it applies to.
    pub groups: Vec<PolicyGroup>,
    /// The label of the revision whose policy files applied; `None` for files on disk
    /// outside a revision (two lockfile paths, `--config`).
    pub revision: Option<String>,
    /// What applied, for the `policy-changed` warning (`the base's policy files (main
    /// (3f2a9c1d0b4e))`).
    pub description: String,
}

/// The policies for `files` (every lockfile path of either side).
pub fn applied(
    config: Option<&Path>,
    from: Option<PolicyFrom>,
    revisions: Option<&RevisionPolicies>,
    files: &[DiscoveredFile],
) -> anyhow::Result<Applied> {
    if let Some(config) = config {
        return Ok(Applied {
            groups: policy_groups(Some(config), &[], files)?,
            revision: None,
            description: format!("the policy given with --config ({})", config.display()),
        });
    }
    let Some(revisions) = revisions else {
        if from.is_some() {
            bail!(
                "--policy-from chooses between two git revisions; for two lockfile paths the \
                 nearest tollgate.toml on disk applies (or give --config)"
            );
        }
        return Ok(Applied {
            groups: policy_groups(None, &[], files)?,
            revision: None,
            description: "the policy files on disk".to_owned(),
        });
    };
    let from = from.unwrap_or(PolicyFrom::Base);
    let (groups, label) = match from {
        PolicyFrom::Base => (
            groups_at(
                &revisions.base,
                &revisions.base_label,
                &revisions.root,
                files,
            )?,
            &revisions.base_label,
        ),
        PolicyFrom::Head if revisions.head_is_worktree => {
            (policy_groups(None, &[], files)?, &revisions.head_label)
        }
        PolicyFrom::Head => (
            groups_at(
                &revisions.head,
                &revisions.head_label,
                &revisions.root,
                files,
            )?,
            &revisions.head_label,
        ),
    };
    let description = match from {
        PolicyFrom::Base => format!("the base's policy files ({label})"),
        PolicyFrom::Head => format!("the head's policy files ({label}, --policy-from head)"),
    };
    Ok(Applied {
        groups,
        revision: Some(label.clone()),
        description,
    })
}

/// Groups `files` by the nearest policy file of `policies` (a revision's, named `label`),
/// each parsed once. A file that is not valid is an error naming the revision and path:
/// falling back to the defaults would silently drop the trusted side's rules.
fn groups_at(
    policies: &PolicyFiles,
    label: &str,
    root: &Path,
    files: &[DiscoveredFile],
) -> anyhow::Result<Vec<PolicyGroup>> {
    let mut groups: Vec<PolicyGroup> = Vec::new();
    for file in files {
        let nearest = policies.nearest(&file.display);
        let path = nearest.map(|(path, _)| PathBuf::from(path));
        if let Some(group) = groups.iter_mut().find(|g| g.file == path) {
            group.lockfiles.push(file.display.clone());
            continue;
        }
        let config = match nearest {
            Some((path, bytes)) => {
                let display = format!("{path} at {label}");
                let text = std::str::from_utf8(bytes)
                    .with_context(|| format!("{display} is not UTF-8 text"))?;
                parse_config(&display, text)?
            }
            None => Config::default(),
        };
        groups.push(PolicyGroup {
            config,
            root: path
                .as_deref()
                .map_or_else(|| root.to_owned(), |path| root.join(lockfile_dir(path))),
            file: path,
            lockfiles: vec![file.display.clone()],
            roots: Vec::new(),
        });
    }
    Ok(groups)
}
