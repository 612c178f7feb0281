//! `tollgate.toml`: the policy model and its validation.
//!
//! The file is read in two steps. serde reads it into `Raw*` structs that keep the byte
//! span of every value (`toml::Spanned`) and refuse unknown keys; validation then parses
//! ecosystems, version ranges, SPDX expressions and dates into the [`Config`] the checks
//! use, collecting every problem with its line and column. No check runs on a file that
//! did not validate.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use serde::Deserialize;
use tollgate_model::{Ecosystem, Severity};
use toml::Spanned;

use crate::error::{ConfigErrors, LoadError};
use crate::range::VersionRange;

#[cfg(test)]
mod tests;
mod validate;

use validate::Validator;

/// The policy file name looked for at the repository root.
pub const FILE_NAME: &str = "tollgate.toml";

/// The commented starter policy `tollgate init` writes.
pub const STARTER: &str = include_str!("../../data/starter.toml");

/// What a check does with what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Report as an error (severity `high`): fails the build at the default threshold.
    Deny,
    /// Report as a warning (severity `info`): shown, fails only with `--fail-on info`.
    Warn,
    /// Do not run the check.
    Allow,
}

impl Level {
    /// The finding severity of this level; `None` for `allow`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Deny => Some(Severity::High),
            Level::Warn => Some(Severity::Info),
            Level::Allow => None,
        }
    }
}

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file the policy came from (used in evidence); `<default>` for the built-in one.
    pub path: String,
    /// `[advisories]`: ignore list and database age limit, used by `scan`.
    pub advisories: AdvisoriesConfig,
    /// `[bans]`.
    pub bans: BansConfig,
    /// `[sources]`.
    pub sources: SourcesConfig,
    /// `[hashes]`.
    pub hashes: HashesConfig,
    /// `[install-scripts]`.
    pub install_scripts: InstallScriptsConfig,
    /// `[licenses]`.
    pub licenses: LicensesConfig,
    /// `[cooldown]`.
    pub cooldown: CooldownConfig,
    /// `[names]`.
    pub names: NamesConfig,
    /// `[trust]`: audit records in cargo-vet's format (the check lives in `tollgate-trust`).
    pub trust: TrustConfig,
    /// `[provenance]`.
    pub provenance: ProvenanceConfig,
}

/// A rule naming packages: ecosystem (all when absent), name, optional version range.
#[derive(Debug, Clone)]
pub struct PackageRule {
    /// Only packages of this ecosystem; every ecosystem when `None`.
    pub ecosystem: Option<Ecosystem>,
    /// The package name; compared after the ecosystem's normalization.
    pub name: String,
    /// Only these versions; every version when `None`.
    pub version: Option<VersionRange>,
    /// The range as written, for messages.
    pub version_text: Option<String>,
    /// The line of the rule in the policy file.
    pub line: u32,
}

impl PackageRule {
    /// Whether the rule names this package.
    pub fn matches(&self, package: &tollgate_model::Package) -> bool {
        self.matches_named(package.ecosystem, &package.name, &package.version)
    }

    /// Whether the rule names the package `name` `version` of `ecosystem` (for a package
    /// known from its files rather than from a lockfile).
    pub fn matches_named(&self, ecosystem: Ecosystem, name: &str, version: &str) -> bool {
        self.ecosystem.is_none_or(|e| e == ecosystem)
            && name_matches(ecosystem, &self.name, name)
            && self
                .version
                .as_ref()
                .is_none_or(|range| range.matches(version))
    }

    /// `name` or `name@range`, for messages.
    pub fn describe(&self) -> String {
        match &self.version_text {
            Some(range) => format!("{} {range}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Whether a policy name names `name` in `ecosystem`: PyPI names compare after PEP 503
/// normalization, crates.io names case-insensitively with `-` and `_` equal (as crates.io
/// does), npm names exactly. A trailing `*` matches any suffix (`@myorg/*`).
pub fn name_matches(ecosystem: Ecosystem, pattern: &str, name: &str) -> bool {
    let canonical = |text: &str| match ecosystem {
        Ecosystem::PyPI => tollgate_model::normalize_name(ecosystem, text),
        Ecosystem::CratesIo => text.to_ascii_lowercase().replace('_', "-"),
        Ecosystem::Npm => text.to_owned(),
    };
    let name = canonical(name);
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(&canonical(prefix)),
        None => name == canonical(pattern),
    }
}

/// `[advisories]`.
#[derive(Debug, Clone, Default)]
pub struct AdvisoriesConfig {
    /// Advisories to ignore until a date.
    pub ignore: Vec<IgnoreEntry>,
    /// Warn when the advisory index is older than this.
    pub max_db_age: Option<jiff::SignedDuration>,
    /// `unscored`: the severity given to advisories with no score at all (default `high`:
    /// fail closed, an unknown impact is not a small one).
    pub unscored: Option<Severity>,
}

impl AdvisoriesConfig {
    /// The severity of an unscored advisory under this policy.
    pub fn unscored_severity(&self) -> Severity {
        self.unscored.unwrap_or(Severity::High)
    }
}

/// One `[[advisories.ignore]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// Advisory id or alias.
    pub id: String,
    /// Why it is ignored.
    pub reason: String,
    /// The last day the ignore applies; after it the ignore is itself reported. `None`:
    /// the ignore never expires (allowed, and listed in every scan summary).
    pub expires: Option<jiff::civil::Date>,
    /// Line in the policy file.
    pub line: u32,
}

/// `[bans]`.
#[derive(Debug, Clone)]
pub struct BansConfig {
    /// Level.
    pub level: Level,
    /// Banned packages.
    pub deny: Vec<BanRule>,
    /// When not empty for an ecosystem, only these packages may be used in it.
    pub allow: Vec<PackageRule>,
}

/// One banned package.
#[derive(Debug, Clone)]
pub struct BanRule {
    /// What is banned.
    pub rule: PackageRule,
    /// Why.
    pub reason: Option<String>,
    /// What to use instead.
    pub use_instead: Option<String>,
}

/// `[sources]`.
#[derive(Debug, Clone)]
pub struct SourcesConfig {
    /// Level.
    pub level: Level,
    /// Allowed registry addresses per ecosystem (prefix match after trimming `/`).
    pub registries: BTreeMap<Ecosystem, Vec<String>>,
    /// Allowed git hosts or host/organisation prefixes (`github.com/myorg`).
    pub git: Vec<String>,
    /// Whether a git dependency must be pinned to a full commit in the lock.
    pub require_git_commit: bool,
    /// Whether local path/link dependencies are accepted.
    pub allow_path: bool,
    /// Whether direct-URL dependencies are accepted.
    pub allow_url: bool,
    /// The line of `[sources]`, or of the key that allowed something.
    pub line: Option<u32>,
}

/// `[hashes]`.
#[derive(Debug, Clone)]
pub struct HashesConfig {
    /// Level.
    pub level: Level,
    /// Whether a manifest without a lockfile of its ecosystem next to it (or above it,
    /// for workspaces) fails.
    pub require_lockfile: bool,
    /// Packages exempt from the hash requirement.
    pub exclude: Vec<PackageRule>,
    /// The line of `[hashes]`.
    pub line: Option<u32>,
}

/// `[install-scripts]`.
#[derive(Debug, Clone)]
pub struct InstallScriptsConfig {
    /// Level.
    pub level: Level,
    /// Packages allowed to run install-time code.
    pub allow: Vec<ScriptAllow>,
    /// The line of `[install-scripts]`.
    pub line: Option<u32>,
}

/// One package allowed to run install-time code.
#[derive(Debug, Clone)]
pub struct ScriptAllow {
    /// Which package and versions.
    pub rule: PackageRule,
    /// The recorded digest of its install-time code (`sha256:<hex>`), when pinned.
    pub digest: Option<String>,
}

/// `[licenses]`.
#[derive(Debug, Clone)]
pub struct LicensesConfig {
    /// Level.
    pub level: Level,
    /// Accepted SPDX license ids (and `WITH` exceptions as `id WITH exception`).
    pub allow: Vec<String>,
    /// Extra licenses accepted for some packages.
    pub exceptions: Vec<LicenseException>,
    /// Licenses to use instead of what the lock or registry says.
    pub clarify: Vec<Clarification>,
    /// Level for packages whose license is unknown.
    pub unknown: Level,
    /// Line of `allow`.
    pub line: Option<u32>,
}

/// Extra licenses for one package.
#[derive(Debug, Clone)]
pub struct LicenseException {
    /// Which package.
    pub rule: PackageRule,
    /// The extra accepted license ids.
    pub allow: Vec<String>,
}

/// The license to assume for one package.
#[derive(Debug, Clone)]
pub struct Clarification {
    /// Which package.
    pub rule: PackageRule,
    /// A valid SPDX expression.
    pub expression: String,
}

/// `[cooldown]`.
#[derive(Debug, Clone)]
pub struct CooldownConfig {
    /// Level.
    pub level: Level,
    /// Versions younger than this many days are reported; `None` turns the check off.
    pub minimum_release_age_days: Option<u32>,
    /// Packages exempt (names, `prefix*` patterns).
    pub exclude: Vec<PackageRule>,
    /// Line of `minimum-release-age`.
    pub line: Option<u32>,
}

/// `[names]`.
#[derive(Debug, Clone)]
pub struct NamesConfig {
    /// Level.
    pub level: Level,
    /// Report likely typosquats of popular packages.
    pub typosquat: bool,
    /// Report names the registry does not know (needs registry metadata).
    pub check_exists: bool,
    /// Names never reported.
    pub allow: Vec<PackageRule>,
    /// Line of `[names]`.
    pub line: Option<u32>,
}

/// `[provenance]`: what the registry must record about where a release came from. Off
/// unless `require` names packages or `no-downgrade` is set. Provenance is evidence, never a
/// pass: nothing here lowers another check's finding.
#[derive(Debug, Clone)]
pub struct ProvenanceConfig {
    /// Level of `provenance-missing` and `provenance-downgrade` (default `deny`).
    pub level: Level,
    /// Packages whose locked version must have provenance.
    pub require: Vec<PackageRule>,
    /// Report a version without provenance when an earlier version had it.
    pub no_downgrade: bool,
    /// Line of `no-downgrade` (else of `[provenance]`).
    pub no_downgrade_line: Option<u32>,
}

impl ProvenanceConfig {
    /// Whether any provenance check is asked for.
    pub fn enabled(&self) -> bool {
        self.level != Level::Allow && (self.no_downgrade || !self.require.is_empty())
    }
}

/// `[trust]`: whether and how locked packages are checked against the audit records of a
/// cargo-vet store. Levels left unset are decided by `tollgate-trust`: on when the store
/// directory exists, off otherwise (docs/checks.md).
#[derive(Debug, Clone, Default)]
pub struct TrustConfig {
    /// Level for packages without the required audits (`trust-unaudited`); `None` when the
    /// file does not set it.
    pub level: Option<Level>,
    /// Level for locked versions an audit records as a violation (`trust-violation`);
    /// `None` when the file does not set it.
    pub violation: Option<Level>,
    /// The store directory, relative to the policy file's directory; `None` for the
    /// default (`supply-chain`, as cargo-vet).
    pub store: Option<String>,
    /// Criteria top-level crates and npm/PyPI packages must meet (the store's `[policy]`
    /// can lower them for crates only some first-party crates use); empty for the default
    /// (`safe-to-deploy`).
    pub criteria: Vec<String>,
    /// Criteria for packages the lockfile marks as development-only; empty for the default
    /// (`safe-to-run`, as cargo-vet's dev-dependencies).
    pub dev_criteria: Vec<String>,
    /// The line of `[trust]`.
    pub line: Option<u32>,
}

// ---------------------------------------------------------------------------------------
// The raw file.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    advisories: RawAdvisories,
    bans: Option<Spanned<RawBans>>,
    sources: Option<Spanned<RawSources>>,
    hashes: Option<Spanned<RawHashes>>,
    install_scripts: Option<Spanned<RawInstallScripts>>,
    licenses: Option<Spanned<RawLicenses>>,
    cooldown: Option<Spanned<RawCooldown>>,
    names: Option<Spanned<RawNames>>,
    trust: Option<Spanned<RawTrust>>,
    provenance: Option<Spanned<RawProvenance>>,
}

type Text = Spanned<String>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAdvisories {
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
    max_db_age: Option<Text>,
    unscored: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawIgnore {
    id: Text,
    reason: Text,
    expires: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPackage {
    ecosystem: Option<Text>,
    name: Text,
    version: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawBan {
    ecosystem: Option<Text>,
    name: Text,
    version: Option<Text>,
    reason: Option<String>,
    use_instead: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawBans {
    level: Option<Level>,
    #[serde(default)]
    deny: Vec<Spanned<RawBan>>,
    #[serde(default)]
    allow: Vec<Spanned<RawPackage>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRegistries {
    npm: Option<Vec<String>>,
    pypi: Option<Vec<String>>,
    crates_io: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSources {
    level: Option<Level>,
    #[serde(default)]
    registries: RawRegistries,
    #[serde(default)]
    git: Vec<String>,
    require_git_commit: Option<bool>,
    allow_path: Option<bool>,
    allow_url: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawHashes {
    level: Option<Level>,
    require_lockfile: Option<bool>,
    #[serde(default)]
    exclude: Vec<Spanned<RawPackage>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawScriptAllow {
    ecosystem: Option<Text>,
    name: Text,
    version: Option<Text>,
    digest: Option<Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawInstallScripts {
    level: Option<Level>,
    #[serde(default)]
    allow: Vec<Spanned<RawScriptAllow>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawException {
    ecosystem: Option<Text>,
    name: Text,
    version: Option<Text>,
    allow: Vec<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawClarify {
    ecosystem: Option<Text>,
    name: Text,
    version: Option<Text>,
    expression: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLicenses {
    level: Option<Level>,
    allow: Option<Spanned<Vec<Text>>>,
    #[serde(default)]
    exceptions: Vec<Spanned<RawException>>,
    #[serde(default)]
    clarify: Vec<Spanned<RawClarify>>,
    unknown: Option<Level>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCooldown {
    level: Option<Level>,
    minimum_release_age: Option<Spanned<u32>>,
    #[serde(default)]
    exclude: Vec<Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawNames {
    level: Option<Level>,
    typosquat: Option<bool>,
    check_exists: Option<bool>,
    #[serde(default)]
    allow: Vec<Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawProvenance {
    level: Option<Level>,
    #[serde(default)]
    require: Vec<Spanned<RawPackage>>,
    no_downgrade: Option<Spanned<bool>>,
}

/// A criteria name or a list of them, as cargo-vet writes criteria.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawNameList {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTrust {
    level: Option<Level>,
    violation: Option<Level>,
    store: Option<Text>,
    criteria: Option<Spanned<RawNameList>>,
    dev_criteria: Option<Spanned<RawNameList>>,
}

// ---------------------------------------------------------------------------------------
// Loading and validation.

impl Default for Config {
    /// The policy used when there is no `tollgate.toml` (every default; see docs/config.md).
    fn default() -> Self {
        Validator::new("<default>", "").build(RawConfig::default())
    }
}

impl Config {
    /// Reads and validates the policy file at `path`.
    pub fn load(path: &Path) -> Result<Config, LoadError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: display.clone(),
            source,
        })?;
        Ok(Config::parse(&display, &text)?)
    }

    /// Finds the policy: `explicit` when given, else `tollgate.toml` in `root`, else the
    /// built-in default.
    pub fn discover(explicit: Option<&Path>, root: &Path) -> Result<Config, LoadError> {
        if let Some(path) = explicit {
            return Config::load(path);
        }
        let candidate = root.join(FILE_NAME);
        if candidate.is_file() {
            Config::load(&candidate)
        } else {
            Ok(Config::default())
        }
    }

    /// Validates policy text; `path` names the file in errors and evidence.
    pub fn parse(path: &str, text: &str) -> Result<Config, ConfigErrors> {
        let mut validator = Validator::new(path, text);
        let raw: RawConfig = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(error) => {
                validator.push_toml_error(&error);
                return Err(validator.into_errors());
            }
        };
        let config = validator.build(raw);
        if validator.errors.is_empty() {
            Ok(config)
        } else {
            Err(validator.into_errors())
        }
    }
}
