//! The pre-install gate for one package: the question `tollgate check` asks and
//! `tollgate hook` asks for every package an agent's install command names.
//!
//! [`Checker::check`] takes `NAME` or `NAME@VERSION` and answers with a [`CheckReport`]:
//! the policy checks that make sense before installing (names, bans, cooldown, provenance:
//! the policy crate's `run_checks`), the version's provenance, the advisory index's findings for the version, and any
//! malicious-package record of the name whatever the version. Without a version it checks
//! the one an install would get now ([`resolve`]). It fails closed: an empty or invalid
//! name, a missing advisory index and missing registry metadata are [`GateError`]s unless
//! the checker was told to allow gaps, which it then lists in the report's `notes`.
//! [`Checker::check_inventory`] ([`pipeline`]) checks a whole resolved set the same way,
//! for `tollgate install`, through [`pipeline::check`], the one stage `scan` and
//! `policy` call too. [`command`] finds the packages of shell install commands (`pip install X`, `npm i X`).
//!
//! Registry facts come through [`PackageFacts`] (the CLI's registry client implements it),
//! so this crate does no I/O of its own besides reading the advisory index it is given.

pub mod command;
pub mod ignores;
pub mod pipeline;
pub mod resolve;

pub use pipeline::{Checked, PolicyScope, refusals};

use serde::Serialize;
use tollgate_advisory::{AdvisoryKind, Index};
use tollgate_lockfile::Inventory;
use tollgate_model::{Ecosystem, Finding, Lockfile, LockfileFormat, Package, Provenance};
use tollgate_policy::checks::names::{NameVerdict, judge_name};
use tollgate_policy::{Config, Level, MetadataError, MetadataSource};

/// What the gate needs of a registry beyond the policy checks' [`MetadataSource`].
pub trait PackageFacts: MetadataSource {
    /// Every version of `name` the registry lists (`Ok(None)`: the registry does not know
    /// the name). An error when it cannot be asked (offline with nothing cached, no network).
    fn versions(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Result<Option<Vec<ListedVersion>>, MetadataError>;

    /// What runs when `name@version` is installed, as the registry says (`None`: it does
    /// not say, or cannot be asked).
    fn install_time_code(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
    ) -> Option<Vec<String>>;
}

/// Knows nothing: for callers that were not asked to consult registries (`tollgate diff`
/// without `--registry-metadata`). The resolved-set checks need only [`MetadataSource`];
/// choosing an installable version fails closed.
impl PackageFacts for tollgate_policy::Offline {
    fn versions(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Result<Option<Vec<ListedVersion>>, MetadataError> {
        Err(MetadataError {
            ecosystem,
            name: name.to_owned(),
            message: "registry metadata not consulted".to_owned(),
        })
    }

    fn install_time_code(&self, _: Ecosystem, _: &str, _: &str) -> Option<Vec<String>> {
        None
    }
}

/// One version a registry lists, for choosing the one an install would get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedVersion {
    /// The version as the registry writes it.
    pub version: String,
    /// When it was published, when the registry says.
    pub published: Option<jiff::Timestamp>,
    /// Yanked (PyPI, crates.io) or deprecated (npm).
    pub yanked: bool,
}

/// Why a package could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// The name is empty or one no registry of the ecosystem accepts.
    #[error("`{name}` is not a valid {ecosystem} package name: {reason}")]
    InvalidName {
        /// The ecosystem.
        ecosystem: Ecosystem,
        /// The name as given.
        name: String,
        /// Which rule it breaks.
        reason: String,
    },
    /// No usable advisory index.
    #[error(
        "no usable advisory index, so advisories (and malicious-package records) cannot be \
         checked; pass --allow-missing-db to check without them"
    )]
    MissingIndex(#[source] tollgate_advisory::Error),
    /// No registry metadata for a version given.
    #[error(
        "no registry metadata for {name} (offline with nothing cached, or the registry cannot \
         be reached); pass --allow-missing-db to check without it"
    )]
    MissingMetadata {
        /// The package.
        name: String,
        /// The lookup that failed.
        #[source]
        source: MetadataError,
    },
    /// No registry answer to say which version an install would get.
    #[error(
        "cannot tell which version of {name} an install would get (offline with nothing \
         cached, or the registry cannot be reached); give NAME@VERSION, or pass \
         --allow-missing-db to check the name alone"
    )]
    Unresolved {
        /// The package.
        name: String,
        /// The lookup that failed.
        #[source]
        source: MetadataError,
    },
    /// The advisory index could not be read.
    #[error("reading the advisory index")]
    Index(#[from] tollgate_advisory::Error),
    /// A lockfile could not be matched against the advisory index.
    #[error("matching {lockfile} against {}", index.display())]
    Matching {
        /// The lockfile's display path.
        lockfile: String,
        /// The index.
        index: std::path::PathBuf,
        /// What failed.
        #[source]
        source: tollgate_advisory::Error,
    },
}

/// The answer, as `tollgate check --format json` prints it.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The package name.
    pub name: String,
    /// The version asked about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The version checked: the one asked about, or without one, the version an install
    /// would get now (`null`: none could be determined).
    pub checked_version: Option<String>,
    /// The popular package the name imitates, if any.
    pub typosquat_of: Option<TyposquatReport>,
    /// Whether the registry has the package (`null`: not known).
    pub exists: Option<bool>,
    /// When the version was published (`null`: not known).
    pub published: Option<String>,
    /// What runs when the version is installed, as the registry describes it (`null`: not
    /// known; an empty list: nothing).
    pub install_time_code: Option<Vec<String>>,
    /// What the registry records about where the version came from (`unknown` without a
    /// version, registry metadata or a registry that says). Shown, never a pass: it lowers
    /// nothing.
    pub provenance: Provenance,
    /// Findings (typosquat, ban, too new, not found, advisories), as in `tollgate scan`.
    pub findings: Vec<Finding>,
    /// What was not checked, and why.
    pub notes: Vec<String>,
}

/// The popular package a name imitates.
#[derive(Debug, Serialize)]
pub struct TyposquatReport {
    /// The popular name.
    pub target: String,
    /// How it is imitated.
    pub technique: String,
}

/// Restricts `config` to the checks that make sense for packages not installed yet: no
/// sources, hashes, licenses or install-scripts (the lock may not record what they need,
/// and `install`/`diff` judge those facts themselves), names at least `warn`. Idempotent.
pub fn restrict(config: &mut Config) {
    config.sources.level = Level::Allow;
    config.hashes.level = Level::Allow;
    config.licenses.level = Level::Allow;
    config.licenses.unknown = Level::Allow;
    config.install_scripts.level = Level::Allow;
    if config.names.level == Level::Allow {
        config.names.level = Level::Warn;
    }
}

/// Everything a check needs, loaded once for any number of packages.
pub struct Checker<'a> {
    config: Config,
    facts: &'a dyn PackageFacts,
    /// `None` only when gaps are allowed; `missing_index` then says why.
    index: Option<Index>,
    missing_index: Option<String>,
    allow_missing: bool,
}

impl<'a> Checker<'a> {
    /// A checker with `config` restricted to the checks that make sense for a package not
    /// installed yet (no sources, hashes, licenses or install-scripts; names at least
    /// `warn`). `index` is the result of opening the advisory index: an error is a
    /// [`GateError::MissingIndex`] unless `allow_missing`.
    pub fn new(
        mut config: Config,
        facts: &'a dyn PackageFacts,
        index: Result<Index, tollgate_advisory::Error>,
        allow_missing: bool,
    ) -> Result<Checker<'a>, GateError> {
        restrict(&mut config);
        let (index, missing_index) = match index {
            Ok(index) => (Some(index), None),
            Err(error) if allow_missing => (None, Some(error.to_string())),
            Err(error) => return Err(GateError::MissingIndex(error)),
        };
        Ok(Checker {
            config,
            facts,
            index,
            missing_index,
            allow_missing,
        })
    }

    /// A checker for `tollgate install`: as [`Checker::new`], and names at `deny` unless
    /// the policy turns them off (the install default refuses typosquats and names that do
    /// not exist).
    pub fn for_install(
        mut config: Config,
        facts: &'a dyn PackageFacts,
        index: Result<Index, tollgate_advisory::Error>,
        allow_missing: bool,
    ) -> Result<Checker<'a>, GateError> {
        if config.names.level == Level::Warn {
            config.names.level = Level::Deny;
        }
        Checker::new(config, facts, index, allow_missing)
    }

    /// The advisory index, when there is one (for its age and coverage).
    pub fn index(&self) -> Option<&Index> {
        self.index.as_ref()
    }

    /// Checks `spec` (`NAME` or `NAME@VERSION`; a leading `@` is an npm scope).
    pub fn check(&self, ecosystem: Ecosystem, spec: &str) -> Result<CheckReport, GateError> {
        let (name, version) = split_package(spec.trim());
        resolve::validate_name(ecosystem, name).map_err(|reason| GateError::InvalidName {
            ecosystem,
            name: name.to_owned(),
            reason,
        })?;
        let mut notes = Vec::new();
        if let Some(reason) = &self.missing_index {
            notes.push(format!("advisories not checked: {reason}"));
        }
        let checked = match version {
            Some(version) => {
                self.require_metadata(ecosystem, name, &mut notes)?;
                Some(version.to_owned())
            }
            None => self.installable(ecosystem, name, &mut notes)?,
        };
        let mut lockfile = Lockfile::new("<command line>", format_of(ecosystem));
        lockfile.packages.push(Package::new(
            ecosystem,
            name,
            checked.as_deref().unwrap_or_default(),
        ));
        let inventory = Inventory {
            lockfiles: vec![lockfile],
            errors: Vec::new(),
        };
        let metadata: &dyn MetadataSource = self.facts;
        let context = tollgate_policy::Context::new(metadata, jiff::Timestamp::now());
        let mut findings = tollgate_policy::run_checks(&inventory, &self.config, &context);
        if let Some(index) = &self.index {
            findings.extend(advisory_findings(index, &inventory, checked.is_some())?);
        }
        let install_time_code = checked
            .as_deref()
            .and_then(|v| self.facts.install_time_code(ecosystem, name, v));
        if install_time_code.is_none() {
            notes.push(match checked {
                None => "install-time code not checked: no version to check".into(),
                Some(_) => "install-time code unknown: the registry metadata does not say \
                            (crates.io never does; `tollgate inspect` reads the package itself)"
                    .into(),
            });
        }
        let typosquat_of = judge_name(ecosystem, name, &self.config, context.popular, metadata)
            .into_iter()
            .find_map(|verdict| match verdict {
                NameVerdict::Typosquat(found) => Some(TyposquatReport {
                    target: found.target,
                    technique: found.technique.describe(),
                }),
                NameVerdict::NotFound => None,
            });
        let published = checked
            .as_deref()
            .and_then(|v| self.facts.publish_time(ecosystem, name, v).ok().flatten())
            .map(|t| t.to_string());
        let provenance = checked
            .as_deref()
            .and_then(|v| {
                let history = self.facts.provenance(ecosystem, name).ok().flatten()?;
                history.get(v).cloned()
            })
            .unwrap_or_default();
        Ok(CheckReport {
            ecosystem,
            name: name.to_owned(),
            version: version.map(str::to_owned),
            checked_version: checked,
            typosquat_of,
            exists: self.facts.exists(ecosystem, name).ok().flatten(),
            published,
            install_time_code,
            provenance,
            findings,
            notes,
        })
    }

    /// Registry metadata for `name` must be at hand (existence, publish time, install
    /// scripts): without it the answer would be a guess.
    fn require_metadata(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        notes: &mut Vec<String>,
    ) -> Result<(), GateError> {
        match self.facts.exists(ecosystem, name) {
            Ok(_) => Ok(()),
            Err(error) if self.allow_missing => {
                notes.push(format!("registry metadata not checked: {error}"));
                Ok(())
            }
            Err(source) => Err(GateError::MissingMetadata {
                name: name.to_owned(),
                source,
            }),
        }
    }

    /// The version an install of `name` would get now, noted; `None` when the name has no
    /// installable release (or, with gaps allowed, when the registry cannot be asked).
    fn installable(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        notes: &mut Vec<String>,
    ) -> Result<Option<String>, GateError> {
        let versions = match self.facts.versions(ecosystem, name) {
            Ok(Some(versions)) => versions,
            Ok(None) => {
                notes.push(format!(
                    "no version checked: the {ecosystem} registry does not know {name}"
                ));
                return Ok(None);
            }
            Err(error) if self.allow_missing => {
                notes.push(format!("no version checked: {error}"));
                return Ok(None);
            }
            Err(source) => {
                return Err(GateError::Unresolved {
                    name: name.to_owned(),
                    source,
                });
            }
        };
        let cooldown = resolve::cooldown_days(&self.config, ecosystem, name);
        let choice = resolve::installable(ecosystem, &versions, cooldown, jiff::Timestamp::now());
        notes.push(match &choice {
            Some(choice) => choice.describe(),
            None => format!("no version checked: {name} has no installable release"),
        });
        Ok(choice.map(|choice| choice.version))
    }
}

/// `name@version` → (name, version); a leading `@` is an npm scope, not a version.
pub fn split_package(spec: &str) -> (&str, Option<&str>) {
    match spec.rfind('@') {
        Some(at) if at > 0 => {
            let (name, version) = spec.split_at(at);
            let version = version.trim_start_matches('@');
            (name, Some(version).filter(|v| !v.is_empty()))
        }
        _ => (spec, None),
    }
}

/// The lockfile format a package of `ecosystem` is checked as (for the advisory matcher
/// and the policy checks, which read the ecosystem from it).
fn format_of(ecosystem: Ecosystem) -> LockfileFormat {
    match ecosystem {
        Ecosystem::Npm => LockfileFormat::PackageLock,
        Ecosystem::PyPI => LockfileFormat::UvLock,
        Ecosystem::CratesIo => LockfileFormat::CargoLock,
    }
}

/// Known vulnerabilities and malicious-package reports of one name asked about before
/// installing (`check`): the records of its version when known (the pipeline's matching),
/// and every malicious-package record of the name whatever the version: a name once used
/// for malware is not one to add without looking. (A resolved set is matched by exact
/// version only, see [`pipeline`]: a MAL record of chalk 5.6.1 does not make chalk 4.1.2
/// malicious, and refusing every project that depends on such a name would make the gate
/// unusable.)
fn advisory_findings(
    index: &Index,
    inventory: &Inventory,
    version_known: bool,
) -> Result<Vec<Finding>, GateError> {
    let mut findings = Vec::new();
    if version_known {
        findings = pipeline::match_advisories(index, inventory)?.0;
    }
    for lockfile in &inventory.lockfiles {
        for package in &lockfile.packages {
            for advisory in index.lookup(package.ecosystem, &package.normalized_name)? {
                let reported = findings.iter().any(|f| {
                    f.id.as_deref() == Some(advisory.id.as_str())
                        || f.aliases.contains(&advisory.id)
                });
                if advisory.kind != AdvisoryKind::Malicious || reported {
                    continue;
                }
                let mut finding = Finding::for_package(
                    AdvisoryKind::Malicious.code(),
                    advisory.severity,
                    package,
                    &lockfile.path,
                    format!(
                        "{} has a malicious-package record for other versions than the one \
                         checked: {}",
                        package.name, advisory.summary
                    ),
                );
                finding.id = Some(advisory.id.clone());
                finding.aliases = advisory.aliases.clone();
                finding.url = advisory.url.clone();
                findings.push(finding);
            }
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_versions_but_not_scopes() {
        assert_eq!(split_package("lodash@4.17.21"), ("lodash", Some("4.17.21")));
        assert_eq!(split_package("@types/node"), ("@types/node", None));
        assert_eq!(
            split_package("@types/node@20.1.0"),
            ("@types/node", Some("20.1.0"))
        );
        assert_eq!(split_package("serde@"), ("serde", None));
    }
}
