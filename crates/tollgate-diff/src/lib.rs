//! What a change to the lockfiles changes in what runs: the comparison behind `tollgate diff`.
//!
//! [`compare`] takes the inventory of a base and of a head (a pull request's merge base and
//! its tip, or two lockfile paths) and gives, per lockfile path, every package that was
//! added, removed, upgraded, downgraded or moved to another source (registry → git, URL or
//! path), with versions ordered by each ecosystem's rules (`tollgate-version`).
//! [`review`] then attaches to each change the findings the head brings that the base did
//! not have and the ones that went away, the license change, and with `--deep` the change in
//! the install-time code verdict. [`git`] reads the lockfiles of a revision from git's object
//! store, without a checkout.
//!
//! The checks themselves are not here: the CLI runs the gate pipeline (`tollgate-gate`) over
//! the [`changed_packages`] of each side, and this crate only compares what it found.

pub mod git;
pub mod review;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use tollgate_lockfile::Inventory;
use tollgate_model::{Ecosystem, FileError, Finding, Lockfile, LockfileFormat, Package, Source};
use tollgate_version::Scheme;

pub use review::{CodeChange, LicenseChange, ProvenanceChange};

/// Why a comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// `git` could not be started.
    #[error("running git: {0}")]
    GitMissing(#[source] std::io::Error),
    /// A git command failed.
    #[error("git {command} failed: {message}")]
    Git {
        /// The subcommand and its arguments.
        command: String,
        /// What git said on standard error.
        message: String,
    },
    /// A revision is not one git knows, or not one tollgate passes to git.
    #[error("`{revision}` is not a revision of this repository: {reason}")]
    BadRevision {
        /// The revision as given.
        revision: String,
        /// Why it was refused.
        reason: String,
    },
    /// No default branch to compare with.
    #[error(
        "no default branch to compare with (none of origin/HEAD, main, master exists); give \
         BASE explicitly"
    )]
    NoDefaultBranch,
    /// A file of the working tree could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// What happened to one package between base and head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Only in the head.
    Added,
    /// Only in the base.
    Removed,
    /// A higher version in the head.
    Upgraded,
    /// A lower version in the head.
    Downgraded,
    /// Another version whose order cannot be told (a version the ecosystem's rules do not
    /// parse).
    Changed,
    /// The same version from another kind of source (registry → git, URL or path).
    SourceChanged,
}

impl ChangeKind {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Upgraded => "upgraded",
            ChangeKind::Downgraded => "downgraded",
            ChangeKind::Changed => "changed",
            ChangeKind::SourceChanged => "source-changed",
        }
    }
}

/// One package change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageChange {
    /// What happened.
    pub kind: ChangeKind,
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The name as the head locks it (the base's for a removal).
    pub name: String,
    /// The base's version (`null` when added).
    pub old_version: Option<String>,
    /// The head's version (`null` when removed).
    pub new_version: Option<String>,
    /// The base's package URL.
    pub old_purl: Option<String>,
    /// The head's package URL.
    pub new_purl: Option<String>,
    /// Where the base's version came from.
    pub old_source: Option<Source>,
    /// Where the head's version comes from.
    pub new_source: Option<Source>,
    /// The kind of source differs between base and head (also on an upgrade).
    pub source_changed: bool,
    /// The head's line for the package (the base's for a removal).
    pub line: Option<u32>,
    /// A direct dependency of the project, when the lock says.
    pub direct: Option<bool>,
    /// Findings of the head's version that the base's did not have.
    pub new_findings: Vec<Finding>,
    /// Findings of the base's version that the head's no longer has.
    pub resolved_findings: Vec<Finding>,
    /// The license changed (known on both sides and different).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<LicenseChange>,
    /// With `--deep`: what changed in the install-time code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_code: Option<CodeChange>,
    /// The registry's provenance differs between the versions (both known). The
    /// `[provenance]` policy's `provenance-downgrade` finding comes through the gate
    /// pipeline, in `new_findings`; this only records the facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<ProvenanceChange>,
}

/// How one lockfile path differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// Only in the head.
    Added,
    /// Only in the base.
    Removed,
    /// In both, with other contents.
    Modified,
}

impl FileStatus {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Added => "added",
            FileStatus::Removed => "removed",
            FileStatus::Modified => "modified",
        }
    }
}

/// The changes of one lockfile path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockfileDiff {
    /// The path (relative to the repository root for git revisions).
    pub path: String,
    /// The head's format (the base's when removed).
    pub format: LockfileFormat,
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// Added, removed or modified.
    pub status: FileStatus,
    /// Package changes, by name then kind.
    pub changes: Vec<PackageChange>,
    /// The policy file the checks of this lockfile ran under (`<default>`: no
    /// tollgate.toml applies), as `scan`'s `lockfiles[].policy`; set by the caller that
    /// runs the checks, absent when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Which side's copy of `policy` applied: the base's or the head's label (`main
    /// (3f2a9c1d0b4e)`, `working tree`); absent when the policy is not a revision's (two
    /// lockfile paths, `--config`) or no checks ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_revision: Option<String>,
}

/// Compares every lockfile path of `base` with the same path of `head`. Paths that parse
/// to the same packages (or are absent from both) give nothing.
pub fn compare(base: &Inventory, head: &Inventory) -> Vec<LockfileDiff> {
    let mut paths: BTreeMap<&str, (Option<&Lockfile>, Option<&Lockfile>)> = BTreeMap::new();
    for lockfile in &base.lockfiles {
        paths.entry(&lockfile.path).or_default().0 = Some(lockfile);
    }
    for lockfile in &head.lockfiles {
        paths.entry(&lockfile.path).or_default().1 = Some(lockfile);
    }
    paths
        .into_iter()
        .filter_map(|(path, (old, new))| {
            let (format, ecosystem, status) = match (old, new) {
                (_, Some(new)) => (
                    new.format,
                    new.ecosystem,
                    if old.is_some() {
                        FileStatus::Modified
                    } else {
                        FileStatus::Added
                    },
                ),
                (Some(old), None) => (old.format, old.ecosystem, FileStatus::Removed),
                (None, None) => return None,
            };
            let empty: &[Package] = &[];
            let changes = compare_packages(
                old.map_or(empty, |l| &l.packages),
                new.map_or(empty, |l| &l.packages),
            );
            (!changes.is_empty()).then(|| LockfileDiff {
                path: path.to_owned(),
                format,
                ecosystem,
                status,
                changes,
                policy: None,
                policy_revision: None,
            })
        })
        .collect()
}

/// The changes between two package lists of one lockfile. A name may be locked at several
/// versions (npm nests them): the versions only one side has are paired in version order
/// (the oldest removed with the oldest added, and so on), and what is left over is an
/// addition or a removal.
pub fn compare_packages(old: &[Package], new: &[Package]) -> Vec<PackageChange> {
    type Key<'p> = (Ecosystem, &'p str);
    let mut names: BTreeMap<Key<'_>, (Vec<&Package>, Vec<&Package>)> = BTreeMap::new();
    for package in old {
        names
            .entry((package.ecosystem, &package.normalized_name))
            .or_default()
            .0
            .push(package);
    }
    for package in new {
        names
            .entry((package.ecosystem, &package.normalized_name))
            .or_default()
            .1
            .push(package);
    }
    let mut changes = Vec::new();
    for ((ecosystem, _), (olds, news)) in names {
        let versions = |list: &[&Package]| -> BTreeSet<String> {
            list.iter().map(|p| p.version.clone()).collect()
        };
        let (old_versions, new_versions) = (versions(&olds), versions(&news));
        // Same version on both sides: a change only if the kind of source changed.
        for package in &news {
            if !old_versions.contains(&package.version) {
                continue;
            }
            let before = olds.iter().find(|p| p.version == package.version);
            if let Some(before) = before.filter(|b| !same_source_kind(&b.source, &package.source)) {
                changes.push(change(
                    ChangeKind::SourceChanged,
                    Some(before),
                    Some(package),
                ));
            }
        }
        let mut gone: Vec<&Package> = olds
            .iter()
            .copied()
            .filter(|p| !new_versions.contains(&p.version))
            .collect();
        let mut came: Vec<&Package> = news
            .iter()
            .copied()
            .filter(|p| !old_versions.contains(&p.version))
            .collect();
        let scheme = Scheme::of_ecosystem(ecosystem);
        let order = |a: &&Package, b: &&Package| version_order(scheme, &a.version, &b.version);
        gone.sort_by(|a, b| order(a, b).unwrap_or(Ordering::Equal));
        gone.dedup_by(|a, b| a.version == b.version);
        came.sort_by(|a, b| order(a, b).unwrap_or(Ordering::Equal));
        came.dedup_by(|a, b| a.version == b.version);
        let pairs = gone.len().min(came.len());
        for (before, after) in gone.iter().zip(&came) {
            let kind = match version_order(scheme, &after.version, &before.version) {
                Some(Ordering::Greater) => ChangeKind::Upgraded,
                Some(Ordering::Less) => ChangeKind::Downgraded,
                _ => ChangeKind::Changed,
            };
            changes.push(change(kind, Some(before), Some(after)));
        }
        for before in &gone[pairs..] {
            changes.push(change(ChangeKind::Removed, Some(before), None));
        }
        for after in &came[pairs..] {
            changes.push(change(ChangeKind::Added, None, Some(after)));
        }
    }
    changes
}

/// `a` against `b` by the ecosystem's rules; `None` when either does not parse.
fn version_order(scheme: Scheme, a: &str, b: &str) -> Option<Ordering> {
    let (a, b) = (scheme.parse(a).ok()?, scheme.parse(b).ok()?);
    a.compare(&b)
}

/// Registry, git, path, URL or unknown alike. A registry address change (a mirror) is not
/// a source change; the policy's `sources` check judges addresses.
fn same_source_kind(a: &Source, b: &Source) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn change(kind: ChangeKind, old: Option<&Package>, new: Option<&Package>) -> PackageChange {
    let main = new.or(old).expect("a change has at least one side");
    PackageChange {
        kind,
        ecosystem: main.ecosystem,
        name: main.name.clone(),
        old_version: old.map(|p| p.version.clone()),
        new_version: new.map(|p| p.version.clone()),
        old_purl: old.map(|p| p.purl.clone()),
        new_purl: new.map(|p| p.purl.clone()),
        old_source: old.map(|p| p.source.clone()),
        new_source: new.map(|p| p.source.clone()),
        source_changed: match (old, new) {
            (Some(old), Some(new)) => !same_source_kind(&old.source, &new.source),
            _ => false,
        },
        line: main.line,
        direct: main.direct,
        new_findings: Vec::new(),
        resolved_findings: Vec::new(),
        license: None,
        install_code: None,
        provenance: None,
    }
}

/// The packages each side has that the comparison is about: the base's versions that went
/// away or changed, and the head's that came or changed, in lockfiles of the same paths.
/// The checks run over these alone, so a thousand-package lockfile with three changes costs
/// three packages of checking.
pub fn changed_packages(
    base: &Inventory,
    head: &Inventory,
    diffs: &[LockfileDiff],
) -> (Inventory, Inventory) {
    let pick = |inventory: &Inventory, old: bool| -> Inventory {
        let lockfiles = inventory
            .lockfiles
            .iter()
            .filter_map(|lockfile| {
                let diff = diffs.iter().find(|d| d.path == lockfile.path)?;
                let wanted: BTreeSet<&str> = diff
                    .changes
                    .iter()
                    .filter_map(|c| if old { &c.old_purl } else { &c.new_purl }.as_deref())
                    .collect();
                let mut slice = lockfile.clone();
                slice.packages.retain(|p| wanted.contains(p.purl.as_str()));
                slice.warnings.clear();
                Some(slice)
            })
            .collect();
        Inventory {
            lockfiles,
            errors: Vec::new(),
        }
    };
    (pick(base, true), pick(head, false))
}

/// Counts for the summary line and the JSON `summary`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Lockfiles with changes.
    pub lockfiles: usize,
    /// Packages added.
    pub added: usize,
    /// Packages removed.
    pub removed: usize,
    /// Packages upgraded.
    pub upgraded: usize,
    /// Packages downgraded.
    pub downgraded: usize,
    /// Other version changes (order unknown).
    pub changed: usize,
    /// Changes whose kind of source differs (including upgrades that also moved).
    pub source_changed: usize,
    /// New findings.
    pub new_findings: usize,
    /// Findings that went away.
    pub resolved_findings: usize,
}

impl Summary {
    /// Counts over `diffs`.
    pub fn of(diffs: &[LockfileDiff]) -> Summary {
        let mut summary = Summary {
            lockfiles: diffs.len(),
            ..Summary::default()
        };
        for change in diffs.iter().flat_map(|d| &d.changes) {
            match change.kind {
                ChangeKind::Added => summary.added += 1,
                ChangeKind::Removed => summary.removed += 1,
                ChangeKind::Upgraded => summary.upgraded += 1,
                ChangeKind::Downgraded => summary.downgraded += 1,
                ChangeKind::Changed => summary.changed += 1,
                ChangeKind::SourceChanged => {}
            }
            if change.source_changed {
                summary.source_changed += 1;
            }
            summary.new_findings += change.new_findings.len();
            summary.resolved_findings += change.resolved_findings.len();
        }
        summary
    }
}

/// The whole answer, as `tollgate diff --format json` prints it (docs/json.md).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DiffReport {
    /// What the base is.
    pub base: String,
    /// What the head is.
    pub head: String,
    /// The counts.
    pub summary: Summary,
    /// Lockfiles with changes, by path.
    pub lockfiles: Vec<LockfileDiff>,
    /// What was not checked, and why.
    pub notes: Vec<String>,
    /// Warnings (parser warnings of the head, packages `--deep` could not analyse).
    pub warnings: Vec<FileError>,
    /// Files that could not be read or parsed, on either side.
    pub errors: Vec<FileError>,
}

impl DiffReport {
    /// Every new finding, in lockfile order.
    pub fn new_findings(&self) -> impl Iterator<Item = &Finding> {
        self.lockfiles
            .iter()
            .flat_map(|d| &d.changes)
            .flat_map(|c| &c.new_findings)
    }
}

#[cfg(test)]
mod tests;
