//! `install-scripts`: only allow-listed packages may run code at install or build time.
//!
//! Whether a package runs install-time code comes from an [`InstallCodeSource`]. Until
//! the install-time analysis (`tollgate-analysis`) is wired in, [`LockHints`] answers
//! from what the lock records: npm `hasInstallScript`, pnpm `requiresBuild`, and Python
//! packages locked with an sdist only. Cargo.lock records nothing about `build.rs`, so
//! crates are not judged by [`LockHints`].
//!
//! An allow entry may pin the digest of the package's install-time code (`digest =
//! "sha256:..."`): when the source reports a different digest, the package is reported
//! as changed. [`LockHints`] knows no digests, so that part needs the analysis.

use tollgate_model::{Evidence, Finding, Lockfile, Package};

use super::{Locked, RuleRef, locked, package_finding};
use crate::config::Config;

/// A package running install-time code without being allowed to.
pub const CODE_NOT_ALLOWED: &str = "install-scripts";
/// An allowed package whose install-time code no longer has the recorded digest.
pub const CODE_CHANGED: &str = "install-scripts-changed";

/// What is known about one package's install-time code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallCode {
    /// Why the package is believed to run code (`hasInstallScript in the lock`).
    pub reason: String,
    /// Digest of the install-time code (`sha256:<hex>`), when the source computed one.
    pub digest: Option<String>,
    /// Where the code is (script file and line), when known.
    pub evidence: Vec<Evidence>,
}

/// Tells whether a package runs code at install or build time.
pub trait InstallCodeSource {
    /// `Some` when the package runs install-time code, `None` when it does not or when
    /// nothing is known.
    fn install_code(&self, lockfile: &Lockfile, package: &Package) -> Option<InstallCode>;
}

/// Answers from the lock's own [`tollgate_model::InstallHints`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LockHints;

impl InstallCodeSource for LockHints {
    fn install_code(&self, lockfile: &Lockfile, package: &Package) -> Option<InstallCode> {
        let hints = &package.install;
        let reason = if hints.has_install_script == Some(true) {
            "the lock marks it as having install scripts (hasInstallScript)"
        } else if hints.requires_build == Some(true) {
            "the lock marks it as requiring a build (requiresBuild)"
        } else if hints.sdist_only == Some(true) {
            "only a source distribution is locked, so installing runs its build backend"
        } else {
            return None;
        };
        Some(InstallCode {
            reason: reason.to_owned(),
            digest: None,
            evidence: vec![Evidence {
                path: lockfile.path.clone(),
                line: package.line,
                snippet: None,
                note: Some(reason.to_owned()),
            }],
        })
    }
}

/// Runs the check over every locked package.
pub fn check(
    inventory: &tollgate_lockfile::Inventory,
    config: &Config,
    source: &dyn InstallCodeSource,
) -> Vec<Finding> {
    locked(inventory)
        .filter_map(|entry| check_package(entry, config, source))
        .collect()
}

fn check_package(
    entry: Locked<'_>,
    config: &Config,
    source: &dyn InstallCodeSource,
) -> Option<Finding> {
    let code = source.install_code(entry.lockfile, entry.package)?;
    let section = &config.install_scripts;
    let package = entry.package;
    let allowed = section.allow.iter().find(|a| a.rule.matches(package));
    let (finding_code, rule, summary) = match allowed {
        None => (
            CODE_NOT_ALLOWED,
            RuleRef {
                id: "install-scripts.allow",
                line: section.line,
            },
            format!(
                "{} {} runs code at install time and is not on the install-scripts allow-list: {}",
                package.name, package.version, code.reason
            ),
        ),
        Some(allow) => {
            let (Some(expected), Some(actual)) = (&allow.digest, &code.digest) else {
                return None;
            };
            if expected == actual {
                return None;
            }
            (
                CODE_CHANGED,
                RuleRef {
                    id: "install-scripts.allow",
                    line: Some(allow.rule.line),
                },
                format!(
                    "{} {} is allowed to run install-time code, but that code changed: digest {actual}, allowed {expected}",
                    package.name, package.version
                ),
            )
        }
    };
    let mut finding = package_finding(finding_code, section.level, entry, config, rule, summary)?;
    finding.evidence.extend(code.evidence);
    Some(finding)
}
