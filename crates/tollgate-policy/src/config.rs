//! `tollgate.toml`: the policy model and its validation.
//!
//! The file is read in two steps. serde reads it into `Raw*` structs that keep the byte
//! span of every value (`toml::Spanned`) and refuse unknown keys; validation then parses
//! ecosystems, version ranges, SPDX expressions and dates into the [`Config`] the checks
//! use, collecting every problem with its line and column. No check runs on a file that
//! did not validate.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;

use serde::Deserialize;
use tollgate_model::{Ecosystem, Severity};
use toml::Spanned;

use crate::error::{ConfigError, ConfigErrors, LineIndex, LoadError, closest};
use crate::range::VersionRange;

/// The policy file name looked for at the repository root.
pub const FILE_NAME: &str = "tollgate.toml";

/// The commented starter policy `tollgate init` writes.
pub const STARTER: &str = include_str!("../data/starter.toml");

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
        self.ecosystem.is_none_or(|e| e == package.ecosystem)
            && name_matches(package.ecosystem, &self.name, &package.name)
            && self
                .version
                .as_ref()
                .is_none_or(|range| range.matches(&package.version))
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

struct Validator<'a> {
    path: &'a str,
    text: &'a str,
    lines: LineIndex,
    errors: Vec<ConfigError>,
}

impl<'a> Validator<'a> {
    fn new(path: &'a str, text: &'a str) -> Self {
        Validator {
            path,
            text,
            lines: LineIndex::new(text),
            errors: Vec::new(),
        }
    }

    fn into_errors(mut self) -> ConfigErrors {
        self.errors
            .sort_by_key(|error| error.span.as_ref().map_or(0, |span| span.start));
        ConfigErrors {
            path: self.path.to_owned(),
            source_text: self.text.to_owned(),
            errors: self.errors,
        }
    }

    fn error(&mut self, span: Range<usize>, message: String, hint: Option<String>) {
        let (line, column) = self.lines.position(self.text, span.start);
        self.errors.push(ConfigError {
            span: Some(span),
            line: Some(line),
            column: Some(column),
            message,
            hint,
        });
    }

    fn line(&self, span: &Range<usize>) -> u32 {
        self.lines.line(span.start)
    }

    fn push_toml_error(&mut self, error: &toml::de::Error) {
        let message = error.message().trim().to_owned();
        let hint = unknown_key_hint(&message);
        match error.span() {
            Some(span) => self.error(span, message, hint),
            None => self.errors.push(ConfigError {
                span: None,
                line: None,
                column: None,
                message,
                hint,
            }),
        }
    }

    /// A section's line (when the file has it) and its content (defaults when it does not).
    fn section<T: Default>(&self, raw: Option<Spanned<T>>) -> (Option<u32>, T) {
        match raw {
            Some(raw) => (Some(self.line(&raw.span())), raw.into_inner()),
            None => (None, T::default()),
        }
    }

    fn build(&mut self, raw: RawConfig) -> Config {
        Config {
            path: self.path.to_owned(),
            advisories: self.advisories(raw.advisories),
            bans: self.bans(raw.bans),
            sources: self.sources(raw.sources),
            hashes: self.hashes(raw.hashes),
            install_scripts: self.install_scripts(raw.install_scripts),
            licenses: self.licenses(raw.licenses),
            cooldown: self.cooldown(raw.cooldown),
            names: self.names(raw.names),
            trust: self.trust(raw.trust),
        }
    }

    fn advisories(&mut self, raw: RawAdvisories) -> AdvisoriesConfig {
        let mut ignore = Vec::with_capacity(raw.ignore.len());
        for entry in raw.ignore {
            let line = self.line(&entry.span());
            let entry = entry.into_inner();
            let expires = match &entry.expires {
                None => None,
                Some(text) => match jiff::civil::Date::from_str(text.get_ref().trim()) {
                    Ok(date) => Some(date),
                    Err(error) => {
                        self.error(
                            text.span(),
                            format!("`expires` is not a date: {error}"),
                            Some("write the last day the ignore applies as \"YYYY-MM-DD\"".into()),
                        );
                        continue;
                    }
                },
            };
            if entry.reason.get_ref().trim().is_empty() {
                self.error(
                    entry.reason.span(),
                    "`reason` is empty".into(),
                    Some("say why the advisory does not apply, for the next reader".into()),
                );
            }
            ignore.push(IgnoreEntry {
                id: entry.id.into_inner(),
                reason: entry.reason.into_inner(),
                expires,
                line,
            });
        }
        let max_db_age = raw.max_db_age.and_then(|text| self.duration(&text));
        let unscored =
            raw.unscored
                .and_then(|text| match text.get_ref().trim().parse::<Severity>() {
                    Ok(severity) => Some(severity),
                    Err(_) => {
                        self.error(
                            text.span(),
                            format!("`unscored` is not a severity: `{}`", text.get_ref()),
                            Some("one of info, low, medium, high, critical".into()),
                        );
                        None
                    }
                });
        AdvisoriesConfig {
            ignore,
            max_db_age,
            unscored,
        }
    }

    /// A friendly duration (`7d`, `36h`, `2 weeks`) with days taken as 24 hours.
    fn duration(&mut self, text: &Text) -> Option<jiff::SignedDuration> {
        let parsed = jiff::Span::from_str(text.get_ref().trim())
            .map_err(|e| e.to_string())
            .and_then(|span| {
                span.to_duration(jiff::SpanRelativeTo::days_are_24_hours())
                    .map_err(|e| e.to_string())
            });
        match parsed {
            Ok(duration) if duration.is_positive() => Some(duration),
            Ok(_) => {
                self.error(text.span(), "the duration must be positive".into(), None);
                None
            }
            Err(error) => {
                self.error(
                    text.span(),
                    format!("`{}` is not a duration: {error}", text.get_ref()),
                    Some("write it like \"7d\", \"36h\" or \"2 weeks\"".into()),
                );
                None
            }
        }
    }

    fn ecosystem(&mut self, text: &Option<Text>) -> Result<Option<Ecosystem>, ()> {
        let Some(text) = text else { return Ok(None) };
        match Ecosystem::from_str(text.get_ref()) {
            Ok(ecosystem) => Ok(Some(ecosystem)),
            Err(error) => {
                let hint = closest(text.get_ref(), ["npm", "PyPI", "crates.io"])
                    .map(|near| format!("did you mean `{near}`?"));
                self.error(text.span(), error.to_string(), hint);
                Err(())
            }
        }
    }

    fn package_rule(
        &mut self,
        span: Range<usize>,
        ecosystem: &Option<Text>,
        name: &Text,
        version: &Option<Text>,
    ) -> Option<PackageRule> {
        let ecosystem = self.ecosystem(ecosystem).ok()?;
        if name.get_ref().trim().is_empty() {
            self.error(name.span(), "`name` is empty".into(), None);
            return None;
        }
        let range = match (version, ecosystem) {
            (None, _) => None,
            (Some(text), None) => {
                self.error(
                    text.span(),
                    "a version range needs an `ecosystem`: npm, PyPI and Cargo ranges are written differently".into(),
                    Some("add `ecosystem = \"npm\"` (or \"PyPI\", \"crates.io\") to this entry".into()),
                );
                return None;
            }
            (Some(text), Some(ecosystem)) => match VersionRange::parse(ecosystem, text.get_ref()) {
                Ok(range) => Some(range),
                Err(reason) => {
                    let example = match ecosystem {
                        Ecosystem::Npm => "\">=1.2.0 <2\" or \"^1.2.0\"",
                        Ecosystem::PyPI => "\">=1.2,<2\"",
                        Ecosystem::CratesIo => "\">=1.2, <2\" or \"^1.2\"",
                    };
                    self.error(
                        text.span(),
                        format!(
                            "bad {ecosystem} version range `{}`: {reason}",
                            text.get_ref()
                        ),
                        Some(format!("{ecosystem} ranges look like {example}")),
                    );
                    return None;
                }
            },
        };
        Some(PackageRule {
            ecosystem,
            name: name.get_ref().trim().to_owned(),
            version: range,
            version_text: version.as_ref().map(|v| v.get_ref().clone()),
            line: self.line(&span),
        })
    }

    fn package_rules(&mut self, raw: Vec<Spanned<RawPackage>>) -> Vec<PackageRule> {
        raw.into_iter()
            .filter_map(|entry| {
                let span = entry.span();
                let entry = entry.into_inner();
                self.package_rule(span, &entry.ecosystem, &entry.name, &entry.version)
            })
            .collect()
    }

    fn bans(&mut self, raw: Option<Spanned<RawBans>>) -> BansConfig {
        let (_, raw) = self.section(raw);
        let deny = raw
            .deny
            .into_iter()
            .filter_map(|entry| {
                let span = entry.span();
                let entry = entry.into_inner();
                let rule =
                    self.package_rule(span, &entry.ecosystem, &entry.name, &entry.version)?;
                Some(BanRule {
                    rule,
                    reason: entry.reason,
                    use_instead: entry.use_instead,
                })
            })
            .collect();
        BansConfig {
            level: raw.level.unwrap_or(Level::Deny),
            deny,
            allow: self.package_rules(raw.allow),
        }
    }

    fn sources(&mut self, raw: Option<Spanned<RawSources>>) -> SourcesConfig {
        let (line, raw) = self.section(raw);
        use tollgate_model::defaults as d;
        let mut registries = BTreeMap::new();
        let defaults = [
            (
                Ecosystem::Npm,
                raw.registries.npm,
                vec![d::NPM_REGISTRY, d::YARN_REGISTRY],
            ),
            (
                Ecosystem::PyPI,
                raw.registries.pypi,
                vec![d::PYPI_SIMPLE_INDEX, d::PYPI_FILES],
            ),
            (
                Ecosystem::CratesIo,
                raw.registries.crates_io,
                vec![d::CRATES_IO_LOCK_SOURCE, d::CRATES_IO_SPARSE_LOCK_SOURCE],
            ),
        ];
        for (ecosystem, configured, default) in defaults {
            let list =
                configured.unwrap_or_else(|| default.into_iter().map(str::to_owned).collect());
            registries.insert(ecosystem, list);
        }
        SourcesConfig {
            level: raw.level.unwrap_or(Level::Deny),
            registries,
            git: raw.git,
            require_git_commit: raw.require_git_commit.unwrap_or(true),
            allow_path: raw.allow_path.unwrap_or(false),
            allow_url: raw.allow_url.unwrap_or(false),
            line,
        }
    }

    fn hashes(&mut self, raw: Option<Spanned<RawHashes>>) -> HashesConfig {
        let (line, raw) = self.section(raw);
        HashesConfig {
            level: raw.level.unwrap_or(Level::Warn),
            require_lockfile: raw.require_lockfile.unwrap_or(true),
            exclude: self.package_rules(raw.exclude),
            line,
        }
    }

    fn install_scripts(&mut self, raw: Option<Spanned<RawInstallScripts>>) -> InstallScriptsConfig {
        let (line, raw) = self.section(raw);
        let allow = raw
            .allow
            .into_iter()
            .filter_map(|entry| {
                let span = entry.span();
                let entry = entry.into_inner();
                let rule =
                    self.package_rule(span, &entry.ecosystem, &entry.name, &entry.version)?;
                let digest = entry.digest.and_then(|digest| self.digest(digest));
                Some(ScriptAllow { rule, digest })
            })
            .collect();
        InstallScriptsConfig {
            level: raw.level.unwrap_or(Level::Warn),
            allow,
            line,
        }
    }

    fn digest(&mut self, digest: Text) -> Option<String> {
        let text = digest.get_ref().trim().to_ascii_lowercase();
        let valid = text
            .strip_prefix("sha256:")
            .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        if valid {
            Some(text)
        } else {
            self.error(
                digest.span(),
                format!("`{}` is not a sha256 digest", digest.get_ref()),
                Some("write `sha256:` followed by 64 hex digits, as `tollgate scan --format json` prints it".into()),
            );
            None
        }
    }

    fn license_id(&mut self, text: &Text) -> Option<String> {
        let id = text.get_ref().trim();
        let (license, exception) = match id.split_once(" WITH ") {
            Some((license, exception)) => (license.trim(), Some(exception.trim())),
            None => (id, None),
        };
        let license_ok = spdx::license_id(license).is_some() || license.starts_with("LicenseRef-");
        let exception_ok = exception.is_none_or(|e| spdx::exception_id(e).is_some());
        if license_ok && exception_ok {
            return Some(id.to_owned());
        }
        let hint = spdx::imprecise_license_id(license)
            .map(|(found, _)| format!("did you mean `{}`?", found.name))
            .or_else(|| Some("use an SPDX license id from https://spdx.org/licenses/".into()));
        self.error(
            text.span(),
            format!("`{id}` is not an SPDX license id"),
            hint,
        );
        None
    }

    fn licenses(&mut self, raw: Option<Spanned<RawLicenses>>) -> LicensesConfig {
        let (section_line, raw) = self.section(raw);
        let line = raw
            .allow
            .as_ref()
            .map_or(section_line, |allow| Some(self.line(&allow.span())));
        let allow = raw
            .allow
            .map(Spanned::into_inner)
            .unwrap_or_default()
            .iter()
            .filter_map(|id| self.license_id(id))
            .collect();
        let exceptions = raw
            .exceptions
            .into_iter()
            .filter_map(|entry| {
                let span = entry.span();
                let entry = entry.into_inner();
                let rule =
                    self.package_rule(span, &entry.ecosystem, &entry.name, &entry.version)?;
                let allow = entry
                    .allow
                    .iter()
                    .filter_map(|id| self.license_id(id))
                    .collect();
                Some(LicenseException { rule, allow })
            })
            .collect();
        let clarify = raw
            .clarify
            .into_iter()
            .filter_map(|entry| {
                let span = entry.span();
                let entry = entry.into_inner();
                let rule =
                    self.package_rule(span, &entry.ecosystem, &entry.name, &entry.version)?;
                let expression = entry.expression.get_ref().trim().to_owned();
                if let Err(error) = spdx::Expression::parse(&expression) {
                    self.error(
                        entry.expression.span(),
                        format!(
                            "`{expression}` is not a valid SPDX expression: {}",
                            error.reason
                        ),
                        Some("write an SPDX expression such as \"MIT OR Apache-2.0\"".into()),
                    );
                    return None;
                }
                Some(Clarification { rule, expression })
            })
            .collect();
        LicensesConfig {
            level: raw.level.unwrap_or(Level::Deny),
            allow,
            exceptions,
            clarify,
            unknown: raw.unknown.unwrap_or(Level::Warn),
            line,
        }
    }

    fn cooldown(&mut self, raw: Option<Spanned<RawCooldown>>) -> CooldownConfig {
        let (section_line, raw) = self.section(raw);
        let line = raw
            .minimum_release_age
            .as_ref()
            .map_or(section_line, |age| Some(self.line(&age.span())));
        let exclude = raw
            .exclude
            .iter()
            .filter_map(|name| self.package_rule(name.span(), &None, name, &None))
            .collect();
        CooldownConfig {
            level: raw.level.unwrap_or(Level::Warn),
            minimum_release_age_days: raw.minimum_release_age.map(Spanned::into_inner),
            exclude,
            line,
        }
    }

    fn names(&mut self, raw: Option<Spanned<RawNames>>) -> NamesConfig {
        let (line, raw) = self.section(raw);
        let allow = raw
            .allow
            .iter()
            .filter_map(|name| self.package_rule(name.span(), &None, name, &None))
            .collect();
        NamesConfig {
            level: raw.level.unwrap_or(Level::Warn),
            typosquat: raw.typosquat.unwrap_or(true),
            check_exists: raw.check_exists.unwrap_or(true),
            allow,
            line,
        }
    }

    fn trust(&mut self, raw: Option<Spanned<RawTrust>>) -> TrustConfig {
        let (line, raw) = self.section(raw);
        let store = raw.store.and_then(|store| {
            let path = store.get_ref().trim();
            if path.is_empty() {
                self.error(
                    store.span(),
                    "`store` is empty".into(),
                    Some("name the cargo-vet store directory, e.g. \"supply-chain\"".into()),
                );
                return None;
            }
            Some(path.to_owned())
        });
        TrustConfig {
            level: raw.level,
            violation: raw.violation,
            store,
            criteria: self.criteria_names(raw.criteria),
            dev_criteria: self.criteria_names(raw.dev_criteria),
            line,
        }
    }

    /// A criteria list; its names are checked against the store when the store is read.
    fn criteria_names(&mut self, raw: Option<Spanned<RawNameList>>) -> Vec<String> {
        let Some(raw) = raw else { return Vec::new() };
        let span = raw.span();
        let names = match raw.into_inner() {
            RawNameList::One(name) => vec![name],
            RawNameList::Many(names) => names,
        };
        let names: Vec<String> = names.iter().map(|n| n.trim().to_owned()).collect();
        if names.is_empty() || names.iter().any(String::is_empty) {
            self.error(
                span,
                "criteria names must not be empty".into(),
                Some("write a criteria name such as \"safe-to-deploy\", or a list of them".into()),
            );
            return Vec::new();
        }
        names
    }
}

/// Turns toml's "unknown field `levle`, expected one of `level`, `deny`" into a
/// "did you mean" hint.
fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match closest(unknown, candidates.iter().copied()) {
        Some(near) => Some(format!("did you mean `{near}`?")),
        None if !candidates.is_empty() => Some(format!(
            "the keys allowed here are {}",
            candidates.join(", ")
        )),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<ConfigError> {
        Config::parse("tollgate.toml", text).unwrap_err().errors
    }

    #[test]
    fn starter_and_empty_policies_validate() {
        let starter = Config::parse("tollgate.toml", STARTER).unwrap();
        assert_eq!(starter.cooldown.minimum_release_age_days, Some(7));
        assert!(starter.licenses.allow.iter().any(|id| id == "MIT"));
        let empty = Config::parse("tollgate.toml", "").unwrap();
        assert_eq!(empty.bans.level, Level::Deny);
        assert_eq!(empty.names.level, Level::Warn);
        assert!(empty.sources.require_git_commit);
    }

    #[test]
    fn unknown_key_points_at_it_with_a_suggestion() {
        let errors = problems("[bans]\nlevle = \"deny\"\n");
        let [error] = errors.as_slice() else {
            panic!("{errors:?}")
        };
        assert_eq!((error.line, error.column), (Some(2), Some(1)));
        assert!(error.message.contains("levle"), "{}", error.message);
        assert_eq!(error.hint.as_deref(), Some("did you mean `level`?"));
    }

    #[test]
    fn unknown_section_is_refused() {
        let errors = problems("[licence]\nallow = []\n");
        assert_eq!(errors[0].line, Some(1));
        assert_eq!(errors[0].hint.as_deref(), Some("did you mean `licenses`?"));
    }

    #[test]
    fn bad_version_ranges_per_ecosystem() {
        let text = "[bans]\ndeny = [\n  { ecosystem = \"PyPI\", name = \"a\", version = \"=>1.0\" },\n  { ecosystem = \"npm\", name = \"b\", version = \"^1.x.q\" },\n  { ecosystem = \"cargo\", name = \"c\", version = \">=1.0\" },\n]\n";
        let errors = problems(text);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (Some(3), Some(47)));
        assert!(errors[0].message.contains("bad PyPI version range"));
        assert!(errors[0].hint.as_deref().unwrap().contains(">=1.2,<2"));
        assert_eq!(errors[1].line, Some(4));
    }

    #[test]
    fn range_without_ecosystem_is_refused() {
        let errors = problems("[bans]\ndeny = [{ name = \"a\", version = \"1.0\" }]\n");
        assert!(errors[0].message.contains("needs an `ecosystem`"));
    }

    #[test]
    fn invalid_spdx_ids_and_expressions() {
        let text = "[licenses]\nallow = [\"MIT\", \"Apache2\"]\nclarify = [{ name = \"x\", expression = \"MIT OR OR BSD\" }]\n";
        let errors = problems(text);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (Some(2), Some(17)));
        assert_eq!(
            errors[0].hint.as_deref(),
            Some("did you mean `Apache-2.0`?")
        );
        assert_eq!(errors[1].line, Some(3));
        assert!(errors[1].message.contains("not a valid SPDX expression"));
    }

    #[test]
    fn ignore_entries_take_an_optional_date() {
        let ok = Config::parse(
            "t",
            "[advisories]\nmax-db-age = \"36h\"\nignore = [{ id = \"GHSA-1\", reason = \"unused\", expires = \"2026-06-30\" }]\n",
        )
        .unwrap();
        assert_eq!(
            ok.advisories.ignore[0].expires,
            Some(jiff::civil::date(2026, 6, 30))
        );
        assert_eq!(ok.advisories.ignore[0].line, 3);
        assert_eq!(
            ok.advisories.max_db_age,
            Some(jiff::SignedDuration::from_hours(36))
        );
        let forever = Config::parse(
            "t",
            "[advisories]\nignore = [{ id = \"A\", reason = \"r\" }]\n",
        )
        .unwrap();
        assert_eq!(forever.advisories.ignore[0].expires, None);
        let errors = problems(
            "[advisories]\nignore = [{ id = \"A\", reason = \"r\", expires = \"next year\" }]\n",
        );
        assert!(errors[0].message.contains("not a date"));
    }

    #[test]
    fn bad_level_and_ecosystem() {
        let errors = problems("[names]\nlevel = \"block\"\n");
        assert!(errors[0].message.contains("block"), "{errors:?}");
        let errors = problems("[bans]\ndeny = [{ ecosystem = \"nmp\", name = \"a\" }]\n");
        assert_eq!(errors[0].hint.as_deref(), Some("did you mean `npm`?"));
    }

    #[test]
    fn trust_section_keeps_unset_levels_undecided() {
        let empty = Config::parse("t", "").unwrap();
        assert_eq!(empty.trust.level, None);
        assert!(empty.trust.criteria.is_empty());
        let config = Config::parse(
            "t",
            "[trust]\nlevel = \"deny\"\nstore = \"audits\"\ncriteria = \"crypto-reviewed\"\ndev-criteria = [\"safe-to-run\"]\n",
        )
        .unwrap();
        assert_eq!(config.trust.level, Some(Level::Deny));
        assert_eq!(config.trust.violation, None);
        assert_eq!(config.trust.store.as_deref(), Some("audits"));
        assert_eq!(config.trust.criteria, ["crypto-reviewed"]);
        assert_eq!(config.trust.dev_criteria, ["safe-to-run"]);
        assert_eq!(config.trust.line, Some(1));
        let errors = problems("[trust]\ncriteria = []\nstore = \" \"\n");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].line, Some(2));
        assert!(errors[1].message.contains("`store` is empty"));
    }

    #[test]
    fn rules_match_with_registry_name_rules() {
        let config = Config::parse(
            "t",
            "[bans]\ndeny = [{ ecosystem = \"PyPI\", name = \"Typing_Extensions\", version = \"<5\" }, { name = \"@evil/*\" }]\n",
        )
        .unwrap();
        let pkg = tollgate_model::Package::new(Ecosystem::PyPI, "typing-extensions", "4.12.2");
        assert!(config.bans.deny[0].rule.matches(&pkg));
        let newer = tollgate_model::Package::new(Ecosystem::PyPI, "typing-extensions", "5.0");
        assert!(!config.bans.deny[0].rule.matches(&newer));
        let scoped = tollgate_model::Package::new(Ecosystem::Npm, "@evil/pkg", "1.0.0");
        assert!(config.bans.deny[1].rule.matches(&scoped));
    }
}
