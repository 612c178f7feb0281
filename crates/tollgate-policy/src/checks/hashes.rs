//! `hashes`: every locked registry or URL package must carry an integrity hash; every
//! requirements-file pin must have `--hash` (what pip's `--require-hashes` enforces); a
//! manifest (package.json, pyproject.toml, Pipfile, Cargo.toml) must have a lockfile of
//! its ecosystem beside it or in a parent directory (a workspace root).
//! Git and path packages are exempt from the hash rule: a pinned commit (checked by
//! `sources`) or the local tree is their integrity.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tollgate_model::{Ecosystem, Finding, LockfileFormat, Source};

use super::{Locked, RuleRef, locked, package_finding, policy_evidence};
use crate::config::Config;

/// A locked package without any hash.
pub const CODE_MISSING: &str = "hashes-missing";
/// A requirements-file line without `--hash`.
pub const CODE_REQUIREMENTS: &str = "hashes-requirements";
/// A manifest with no lockfile.
pub const CODE_NO_LOCKFILE: &str = "hashes-no-lockfile";

/// Runs the per-package part of the check.
pub fn check(inventory: &tollgate_lockfile::Inventory, config: &Config) -> Vec<Finding> {
    locked(inventory)
        .filter_map(|entry| check_package(entry, config))
        .collect()
}

fn check_package(entry: Locked<'_>, config: &Config) -> Option<Finding> {
    let package = entry.package;
    // Git and path sources have no artifact hash to record; a bundled package is covered
    // by its bundling parent's hash.
    if matches!(package.source, Source::Git { .. } | Source::Path { .. })
        || package.covered_by.is_some()
    {
        return None;
    }
    let hashed =
        !package.hashes.is_empty() || package.artifacts.iter().any(|a| !a.hashes.is_empty());
    if hashed
        || config
            .hashes
            .exclude
            .iter()
            .any(|rule| rule.matches(package))
    {
        return None;
    }
    let rule = RuleRef {
        id: "hashes",
        line: config.hashes.line,
    };
    let (code, summary) = if entry.lockfile.format == LockfileFormat::Requirements {
        (
            CODE_REQUIREMENTS,
            format!(
                "{} {} has no --hash in {}: pip cannot verify what it downloads",
                package.name,
                if package.version.is_empty() {
                    "(unpinned)"
                } else {
                    &package.version
                },
                entry.lockfile.path
            ),
        )
    } else {
        (
            CODE_MISSING,
            format!(
                "{} {} has no integrity hash in {}",
                package.name, package.version, entry.lockfile.path
            ),
        )
    };
    package_finding(code, config.hashes.level, entry, config, rule, summary)
}

/// The manifests under `roots` that have no lockfile of their ecosystem in their own
/// directory or any parent up to the root they were found under. `node_modules`, hidden
/// and git-ignored directories are skipped.
pub fn manifests_without_lockfile(roots: &[PathBuf], config: &Config) -> Vec<Finding> {
    if !config.hashes.require_lockfile {
        return Vec::new();
    }
    let Some(severity) = config.hashes.level.severity() else {
        return Vec::new();
    };
    let mut cache = HashMap::new();
    let mut findings = Vec::new();
    for root in roots.iter().filter(|root| root.is_dir()) {
        let walker = ignore::WalkBuilder::new(root)
            .filter_entry(|entry| entry.file_name() != "node_modules")
            .build();
        for entry in walker.flatten() {
            let path = entry.path();
            let Some(ecosystem) = manifest_ecosystem(path) else {
                continue;
            };
            let covered = path
                .ancestors()
                .skip(1)
                .take_while(|dir| dir.starts_with(root))
                .any(|dir| dir_has_lockfile(dir, ecosystem, &mut cache));
            if !covered {
                let display = path.display().to_string();
                let mut finding = Finding {
                    code: CODE_NO_LOCKFILE.into(),
                    severity,
                    ecosystem: Some(ecosystem),
                    name: None,
                    version: None,
                    purl: None,
                    lockfile: Some(display.clone()),
                    line: None,
                    id: Some("hashes.require-lockfile".into()),
                    aliases: Vec::new(),
                    summary: format!(
                        "{display} has no {ecosystem} lockfile beside it or in a parent directory: installs resolve versions afresh and cannot be verified"
                    ),
                    fixed: None,
                    affected: None,
                    url: None,
                    paths: Vec::new(),
                    direct: None,
                    fix: None,
                    unscored: false,
                    evidence: Vec::new(),
                };
                let rule = RuleRef {
                    id: "hashes.require-lockfile",
                    line: config.hashes.line,
                };
                finding.evidence.push(policy_evidence(config, rule));
                findings.push(finding);
            }
        }
    }
    findings
}

fn manifest_ecosystem(path: &Path) -> Option<Ecosystem> {
    match path.file_name()?.to_str()? {
        "package.json" => Some(Ecosystem::Npm),
        "pyproject.toml" | "Pipfile" => Some(Ecosystem::PyPI),
        "Cargo.toml" => Some(Ecosystem::CratesIo),
        _ => None,
    }
}

fn dir_has_lockfile(
    dir: &Path,
    ecosystem: Ecosystem,
    cache: &mut HashMap<(PathBuf, Ecosystem), bool>,
) -> bool {
    *cache
        .entry((dir.to_path_buf(), ecosystem))
        .or_insert_with(|| {
            std::fs::read_dir(dir).is_ok_and(|entries| {
                entries.flatten().any(|entry| {
                    let path = entry.path();
                    let by_name = tollgate_lockfile::detect_format(&path)
                        .is_some_and(|format| format.ecosystem() == ecosystem);
                    // `requirements/` directories hold requirements files.
                    by_name
                        || (ecosystem == Ecosystem::PyPI
                            && path.is_dir()
                            && entry.file_name() == "requirements")
                })
            })
        })
}
