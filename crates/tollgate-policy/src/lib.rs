//! tollgate's policy: one `tollgate.toml` for bans, sources, hashes, an install-script
//! allow-list, licenses, a release-age cooldown, suspicious names and provenance, for npm,
//! PyPI and crates.io alike.
//!
//! [`Config::load`] reads and validates the file (typed errors with line, column and a
//! hint: [`ConfigErrors`]); [`run_checks`] runs every check over an inventory and returns
//! model [`Finding`]s; [`run_project_checks`] adds the checks that look at files beside
//! the lockfiles (manifests without a lockfile, package-manager cooldown settings).
//! Registry metadata comes through the [`MetadataSource`] trait and install-time code
//! through [`InstallCodeSource`], so the checks themselves do no I/O on the network.
//! Each check and its configuration keys are documented in `docs/checks.md`.

pub mod checks;
pub mod config;
pub mod discovery;
pub mod error;
pub mod metadata;
pub mod range;
pub mod typosquat;

use std::path::PathBuf;

use tollgate_model::Finding;

pub use checks::install_scripts::{InstallCode, InstallCodeSource, LockHints};
pub use config::{Config, Level};
pub use discovery::{lockfile_dir, nearest_policy_file};
pub use error::{ConfigError, ConfigErrors, LoadError};
pub use metadata::{InMemoryMetadata, MetadataError, MetadataSource, Offline, PackageKey};
pub use typosquat::PopularNames;

/// The sources of outside knowledge the checks use.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// Registry metadata (publish times, licenses, existence, provenance).
    pub metadata: &'a dyn MetadataSource,
    /// Install-time code per package.
    pub install_code: &'a dyn InstallCodeSource,
    /// The popular-name lists.
    pub popular: &'a PopularNames,
    /// The current time (cooldown ages).
    pub now: jiff::Timestamp,
}

impl<'a> Context<'a> {
    /// A context with the shipped popular names and install-time code from lock hints.
    pub fn new(metadata: &'a dyn MetadataSource, now: jiff::Timestamp) -> Self {
        Context {
            metadata,
            install_code: &LockHints,
            popular: PopularNames::shipped(),
            now,
        }
    }
}

/// Runs every per-package check over `inventory`, in a stable order (check by check,
/// then lockfile order).
pub fn run_checks(
    inventory: &tollgate_lockfile::Inventory,
    config: &Config,
    context: &Context<'_>,
) -> Vec<Finding> {
    let keys: Vec<PackageKey<'_>> = checks::locked(inventory)
        .map(|entry| PackageKey {
            ecosystem: entry.package.ecosystem,
            name: &entry.package.name,
            version: &entry.package.version,
        })
        .collect();
    context.metadata.prefetch(&keys);
    let mut findings = Vec::new();
    if config.bans.level != Level::Allow {
        findings.extend(checks::bans::check(inventory, config));
    }
    if config.sources.level != Level::Allow {
        findings.extend(checks::sources::check(inventory, config));
    }
    if config.hashes.level != Level::Allow {
        findings.extend(checks::hashes::check(inventory, config));
    }
    if config.install_scripts.level != Level::Allow {
        findings.extend(checks::install_scripts::check(
            inventory,
            config,
            context.install_code,
        ));
    }
    if config.licenses.level != Level::Allow || config.licenses.unknown != Level::Allow {
        findings.extend(checks::licenses::check(inventory, config, context.metadata));
    }
    if config.cooldown.level != Level::Allow {
        findings.extend(checks::cooldown::check(
            inventory,
            config,
            context.metadata,
            context.now,
        ));
    }
    if config.names.level != Level::Allow {
        findings.extend(checks::names::check(
            inventory,
            config,
            context.popular,
            context.metadata,
        ));
    }
    if config.provenance.enabled() {
        findings.extend(checks::provenance::check(
            inventory,
            config,
            context.metadata,
        ));
    }
    findings
}

/// Runs the checks that look at files rather than at locked packages: manifests under
/// `roots` without a lockfile (`hashes`), and the package-manager cooldown settings in
/// each scanned directory and each directory holding one of the inventory's lockfiles
/// (`cooldown`).
pub fn run_project_checks(
    roots: &[PathBuf],
    inventory: &tollgate_lockfile::Inventory,
    config: &Config,
    now: jiff::Timestamp,
) -> Vec<Finding> {
    let mut findings = checks::hashes::manifests_without_lockfile(roots, config);
    let mut directories: Vec<PathBuf> = roots.iter().filter(|r| r.is_dir()).cloned().collect();
    directories.extend(inventory.lockfiles.iter().filter_map(|lockfile| {
        let dir = std::path::Path::new(&lockfile.path).parent()?;
        Some(if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.to_path_buf()
        })
    }));
    directories.sort();
    directories.dedup();
    findings.extend(checks::cooldown::package_manager_settings(
        &directories,
        config,
        now,
    ));
    findings
}
