//! The store: `config.toml`, `audits.toml` and `imports.lock` of a cargo-vet `supply-chain/`
//! directory, read into a typed model in which every entry knows its file and line.
//!
//! Each file is read on its own ([`AuditsFile::parse`], [`ConfigFile::parse`],
//! [`ImportsLock::parse`]): TOML syntax, key names, versions (with the ecosystem's rules),
//! version ranges, dates and ecosystem-qualified keys are checked there, and every problem
//! is collected with its line. [`Store::load`] then checks what needs all three files:
//! criteria names, and that every import of `config.toml` has its audits in
//! `imports.lock` (evaluation never fetches: like `cargo vet --locked`, it reads the lock).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;
use tollgate_model::{Ecosystem, FileError};
use tollgate_policy::error::LineIndex;
use tollgate_policy::range::VersionRange;
use toml::Spanned;

use crate::criteria::{BUILTIN, SAFE_TO_DEPLOY, SAFE_TO_RUN};
use crate::error::Error;
use crate::key::{PackageKey, split_ecosystem};
use crate::raw::{self, OneOrMany, RawAuditsFile, Text};
use crate::version::VetVersion;

/// The store files' names inside the store directory.
pub const CONFIG_FILE: &str = "config.toml";
/// See [`CONFIG_FILE`].
pub const AUDITS_FILE: &str = "audits.toml";
/// See [`CONFIG_FILE`].
pub const IMPORTS_FILE: &str = "imports.lock";

/// Where an entry is written, so that a user can check it without trusting tollgate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The file, as the store directory was named plus the file name.
    pub path: String,
    /// The 1-based line of the entry (its `[[table]]` header, or its key).
    pub line: u32,
}

/// A list of criteria names and where it is written.
#[derive(Debug, Clone)]
pub struct CriteriaList {
    /// The names as written.
    pub names: Vec<String>,
    /// Where the list is written.
    pub at: Location,
}

/// A whole store.
#[derive(Debug, Clone)]
pub struct Store {
    /// The store directory.
    pub dir: PathBuf,
    /// `config.toml` (empty when the file does not exist).
    pub config: ConfigFile,
    /// `audits.toml` (empty when the file does not exist).
    pub audits: AuditsFile,
    /// `imports.lock` (empty when the file does not exist).
    pub imports: ImportsLock,
    /// Things that do not stop evaluation but that a user should know (a peer in
    /// imports.lock that config.toml does not import, entries cargo-vet would refuse).
    pub warnings: Vec<FileError>,
}

/// `audits.toml`, or one peer's audits in `imports.lock`.
#[derive(Debug, Clone, Default)]
pub struct AuditsFile {
    /// `[criteria.NAME]`: custom criteria.
    pub criteria: Vec<CriterionDef>,
    /// `[[audits.NAME]]`: full audits, delta audits and violations.
    pub audits: BTreeMap<PackageKey, Vec<Audit>>,
    /// `[[wildcard-audits.NAME]]`: every version a crates.io account publishes in a date range.
    pub wildcard_audits: BTreeMap<PackageKey, Vec<PublisherGrant>>,
    /// `[[trusted.NAME]]`: versions published by a trusted account in a date range.
    pub trusted: BTreeMap<PackageKey, Vec<PublisherGrant>>,
}

/// `[criteria.NAME]`.
#[derive(Debug, Clone)]
pub struct CriterionDef {
    /// The name.
    pub name: String,
    /// `description`, or `description-url`.
    pub description: Option<String>,
    /// `implies`: criteria this one includes.
    pub implies: Vec<String>,
    /// Where it is defined.
    pub at: Location,
}

/// One `[[audits.NAME]]` entry.
#[derive(Debug, Clone)]
pub struct Audit {
    /// `who`.
    pub who: Vec<String>,
    /// `criteria`.
    pub criteria: CriteriaList,
    /// What was audited.
    pub kind: AuditKind,
    /// `notes`.
    pub notes: Option<String>,
    /// `importable` (default true): whether peers importing this file may use the entry.
    pub importable: bool,
    /// `aggregated-from`: the audit sets this entry was copied from.
    pub aggregated_from: Vec<String>,
    /// Where the entry is written.
    pub at: Location,
}

/// What an audit entry certifies.
#[derive(Debug, Clone)]
pub enum AuditKind {
    /// `version = "X"`: version X, in its entirety.
    Full {
        /// The version.
        version: VetVersion,
    },
    /// `delta = "A -> B"`: the change from A to B preserves the criteria.
    Delta {
        /// A.
        from: VetVersion,
        /// B.
        to: VetVersion,
    },
    /// `violation = "RANGE"`: the versions in RANGE do not meet the criteria.
    Violation {
        /// The range, parsed with the ecosystem's range syntax.
        range: VersionRange,
        /// The range as written.
        text: String,
    },
}

/// The crates.io publisher a wildcard audit or trusted entry names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PublisherId {
    /// `user-id`: a crates.io account.
    UserId(u64),
    /// `trusted-publisher`: a crates.io trusted-publishing identity (`github:org/repo`).
    TrustedPublisher(String),
}

/// A `[[wildcard-audits.NAME]]` or `[[trusted.NAME]]` entry: versions of a crate published
/// by one account on days in `[start, end)` meet the criteria.
#[derive(Debug, Clone)]
pub struct PublisherGrant {
    /// `who` (wildcard audits only).
    pub who: Vec<String>,
    /// `criteria`.
    pub criteria: CriteriaList,
    /// `user-id` or `trusted-publisher`.
    pub publisher: PublisherId,
    /// `start`: the first publication day covered.
    pub start: jiff::civil::Date,
    /// `end`: the first publication day no longer covered.
    pub end: jiff::civil::Date,
    /// `notes`.
    pub notes: Option<String>,
    /// Where the entry is written.
    pub at: Location,
}

/// `config.toml`.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    /// `[cargo-vet] version`: the cargo-vet release that wrote the store, when present.
    pub store_version: Option<String>,
    /// `[imports.NAME]`: peer audit sets, by name.
    pub imports: BTreeMap<String, Import>,
    /// `[policy.KEY]`.
    pub policy: Vec<PolicyEntry>,
    /// `[[exemptions.NAME]]`.
    pub exemptions: BTreeMap<PackageKey, Vec<Exemption>>,
}

/// `[imports.NAME]`.
#[derive(Debug, Clone)]
pub struct Import {
    /// `url`: one or more addresses of the peer's audits.toml (tollgate also accepts a local
    /// path, relative to the store directory).
    pub urls: Vec<String>,
    /// `exclude`: packages whose entries are not taken from this peer.
    pub exclude: BTreeSet<PackageKey>,
    /// `criteria-map`: the peer's criteria → local criteria they imply.
    pub criteria_map: BTreeMap<String, CriteriaList>,
    /// Where the import is written.
    pub at: Location,
}

/// `[policy.KEY]`.
#[derive(Debug, Clone)]
pub struct PolicyEntry {
    /// The package.
    pub package: PackageKey,
    /// The version of a `"CRATE:VERSION"` key.
    pub version: Option<VetVersion>,
    /// `audit-as-crates-io`.
    pub audit_as_crates_io: Option<bool>,
    /// `criteria`.
    pub criteria: Option<CriteriaList>,
    /// `dev-criteria`.
    pub dev_criteria: Option<CriteriaList>,
    /// `dependency-criteria` (crates only; it needs the dependency graph, which a lockfile
    /// does not give per edge kind, so it is read and checked but not applied).
    pub dependency_criteria: BTreeMap<String, CriteriaList>,
    /// Where the entry is written.
    pub at: Location,
}

/// `[[exemptions.NAME]]`.
#[derive(Debug, Clone)]
pub struct Exemption {
    /// `version`.
    pub version: VetVersion,
    /// `criteria`.
    pub criteria: CriteriaList,
    /// `suggest` (default true).
    pub suggest: bool,
    /// `notes`.
    pub notes: Option<String>,
    /// Where the entry is written.
    pub at: Location,
}

/// `imports.lock`.
#[derive(Debug, Clone, Default)]
pub struct ImportsLock {
    /// `[[unpublished.CRATE]]`: first-party crates audited as a published version. They are
    /// workspace members, which lockfile inventories leave out, so they are only counted.
    pub unpublished: BTreeMap<PackageKey, Vec<Location>>,
    /// `[[publisher.CRATE]]`: who published which version when, as cargo-vet last fetched
    /// it from crates.io. Wildcard audits and trusted entries are matched against these.
    pub publishers: BTreeMap<PackageKey, Vec<Publisher>>,
    /// `[audits.PEER]`: each peer's audits as last fetched.
    pub peers: BTreeMap<String, AuditsFile>,
}

/// One `[[publisher.CRATE]]` record.
#[derive(Debug, Clone)]
pub struct Publisher {
    /// The version.
    pub version: VetVersion,
    /// The publication day (UTC).
    pub when: jiff::civil::Date,
    /// Who published it.
    pub publisher: PublisherId,
    /// `user-login`, for messages.
    pub login: Option<String>,
    /// Where the record is written.
    pub at: Location,
}

impl Store {
    /// Reads the store in `dir`. A missing `imports.lock` is an empty one (an error only
    /// when config.toml imports something); the directory must hold `config.toml` or
    /// `audits.toml`.
    pub fn load(dir: &Path) -> Result<Store, Error> {
        let config_text = read_optional(&dir.join(CONFIG_FILE))?;
        let audits_text = read_optional(&dir.join(AUDITS_FILE))?;
        let imports_text = read_optional(&dir.join(IMPORTS_FILE))?;
        if config_text.is_none() && audits_text.is_none() {
            return Err(Error::MissingStore {
                path: dir.display().to_string(),
            });
        }
        let display = |file: &str| dir.join(file).display().to_string();
        // Every file is parsed even when an earlier one fails, so all problems show at once.
        let mut problems = Vec::new();
        let config = collect(
            config_text.map(|text| ConfigFile::parse(&display(CONFIG_FILE), &text)),
            &mut problems,
        );
        let audits = collect(
            audits_text.map(|text| AuditsFile::parse(&display(AUDITS_FILE), &text)),
            &mut problems,
        );
        let imports = collect(
            imports_text.map(|text| ImportsLock::parse(&display(IMPORTS_FILE), &text)),
            &mut problems,
        );
        let (Some(config), Some(audits), Some(imports)) = (config, audits, imports) else {
            return Err(Error::Invalid(problems));
        };
        let mut store = Store {
            dir: dir.to_path_buf(),
            config,
            audits,
            imports,
            warnings: Vec::new(),
        };
        let problems = store.cross_check(&display(IMPORTS_FILE));
        if problems.is_empty() {
            Ok(store)
        } else {
            Err(Error::Invalid(problems))
        }
    }

    /// The local criteria names: the built-in ones and those audits.toml defines.
    pub fn criteria_names(&self) -> Vec<String> {
        BUILTIN
            .iter()
            .map(|name| (*name).to_owned())
            .chain(self.audits.criteria.iter().map(|def| def.name.clone()))
            .collect()
    }

    /// Checks what needs more than one file; records warnings on the way.
    fn cross_check(&mut self, imports_path: &str) -> Vec<FileError> {
        let known: BTreeSet<String> = self.criteria_names().into_iter().collect();
        let mut problems = Vec::new();
        let mut check = |list: &CriteriaList| {
            for name in &list.names {
                if !known.contains(name) {
                    problems.push(unknown_criteria(list, name, &known));
                }
            }
        };
        for def in &self.audits.criteria {
            let implies = CriteriaList {
                names: def.implies.clone(),
                at: def.at.clone(),
            };
            check(&implies);
        }
        self.audits.criteria_lists().for_each(&mut check);
        for import in self.config.imports.values() {
            import.criteria_map.values().for_each(&mut check);
        }
        for entry in &self.config.policy {
            entry.criteria.iter().for_each(&mut check);
            entry.dev_criteria.iter().for_each(&mut check);
            entry.dependency_criteria.values().for_each(&mut check);
        }
        for exemption in self.config.exemptions.values().flatten() {
            check(&exemption.criteria);
        }
        if self.config.store_version.is_some() {
            let warnings = self.cargo_vet_compatibility();
            self.warnings.extend(warnings);
        }
        for (name, import) in &self.config.imports {
            if !self.imports.peers.contains_key(name) {
                problems.push(FileError {
                    code: None,
                    path: imports_path.to_owned(),
                    line: None,
                    column: None,
                    message: format!(
                        "config.toml imports `{name}` ({}:{}) but imports.lock has no audits for it: run `tollgate trust fetch` (or `cargo vet`) to fetch them",
                        import.at.path, import.at.line
                    ),
                });
            }
        }
        for (name, peer) in &self.imports.peers {
            if self.config.imports.contains_key(name) {
                self.warnings.extend(peer.undefined_criteria(name));
            } else {
                self.warnings.push(FileError {
                    code: None,
                    path: imports_path.to_owned(),
                    line: None,
                    column: None,
                    message: format!(
                        "imports.lock holds audits of `{name}`, which config.toml does not import: they are not used"
                    ),
                });
            }
        }
        problems
    }
}

impl Store {
    /// In a store cargo-vet also reads (config.toml has `[cargo-vet]`), the npm and PyPI
    /// entries that cargo-vet would refuse: it reads every version as SemVer, every
    /// violation as a Cargo requirement, and a policy key `A:B` as crate A version B.
    fn cargo_vet_compatibility(&self) -> Vec<FileError> {
        let refused = |at: &Location, what: String| FileError {
            code: None,
            path: at.path.clone(),
            line: Some(at.line),
            column: None,
            message: format!("cargo-vet will refuse this file: {what}"),
        };
        let not_semver = |text: &str| VetVersion::parse(Ecosystem::CratesIo, text).is_err();
        let mut warnings = Vec::new();
        let foreign = |key: &&PackageKey| key.ecosystem != Ecosystem::CratesIo;
        for (key, audits) in self.audits.audits.iter().filter(|(k, _)| foreign(k)) {
            for audit in audits {
                let texts = match &audit.kind {
                    AuditKind::Full { version } => vec![version.to_string()],
                    AuditKind::Delta { from, to } => vec![from.to_string(), to.to_string()],
                    AuditKind::Violation { text, .. } => {
                        if semver::VersionReq::parse(text).is_err() {
                            warnings.push(refused(
                                &audit.at,
                                format!("`{text}` ({key}) is not a Cargo version requirement"),
                            ));
                        }
                        Vec::new()
                    }
                };
                for text in texts.iter().filter(|t| not_semver(t)) {
                    warnings.push(refused(
                        &audit.at,
                        format!("`{text}` ({key}) is not SemVer"),
                    ));
                }
            }
        }
        for (key, exemptions) in self.config.exemptions.iter().filter(|(k, _)| foreign(k)) {
            for exemption in exemptions
                .iter()
                .filter(|e| not_semver(&e.version.to_string()))
            {
                warnings.push(refused(
                    &exemption.at,
                    format!("`{}` ({key}) is not SemVer", exemption.version),
                ));
            }
        }
        for entry in self
            .config
            .policy
            .iter()
            .filter(|e| e.package.ecosystem != Ecosystem::CratesIo)
        {
            warnings.push(refused(
                &entry.at,
                format!(
                    "it reads the policy key `{}` as a crate name and version",
                    entry.package
                ),
            ));
        }
        warnings.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        warnings
    }
}

impl AuditsFile {
    /// Parses audits.toml text; `path` names the file in problems and evidence.
    pub fn parse(path: &str, text: &str) -> Result<AuditsFile, Error> {
        let mut loader = Loader::new(path, text);
        let raw: RawAuditsFile = loader.toml(text)?;
        let file = loader.audits_file(raw);
        loader.finish(file)
    }

    /// Whether `name` is built in or defined by this file.
    pub fn defines(&self, name: &str) -> bool {
        BUILTIN.contains(&name) || self.criteria.iter().any(|def| def.name == name)
    }

    /// A warning for every criteria name a peer's entry uses without defining it: such a
    /// name certifies nothing here.
    fn undefined_criteria(&self, peer: &str) -> Vec<FileError> {
        self.criteria_lists()
            .flat_map(|list| list.names.iter().map(move |name| (list, name)))
            .filter(|(_, name)| !self.defines(name))
            .map(|(list, name)| FileError {
                code: None,
                path: list.at.path.clone(),
                line: Some(list.at.line),
                column: None,
                message: format!(
                    "`{peer}` does not define the criteria `{name}`: entries certify nothing by it"
                ),
            })
            .collect()
    }

    /// Every criteria list of every entry.
    fn criteria_lists(&self) -> impl Iterator<Item = &CriteriaList> {
        let audits = self.audits.values().flatten().map(|audit| &audit.criteria);
        let grants = self
            .wildcard_audits
            .values()
            .chain(self.trusted.values())
            .flatten()
            .map(|grant| &grant.criteria);
        audits.chain(grants)
    }

    /// Number of `[[audits]]` entries (full, delta and violation).
    pub fn audit_count(&self) -> usize {
        self.audits.values().map(Vec::len).sum()
    }

    /// Number of `[[wildcard-audits]]` entries.
    pub fn wildcard_count(&self) -> usize {
        self.wildcard_audits.values().map(Vec::len).sum()
    }

    /// Number of `[[trusted]]` entries.
    pub fn trusted_count(&self) -> usize {
        self.trusted.values().map(Vec::len).sum()
    }
}

impl ConfigFile {
    /// Parses config.toml text; `path` names the file in problems and evidence.
    pub fn parse(path: &str, text: &str) -> Result<ConfigFile, Error> {
        let mut loader = Loader::new(path, text);
        let raw: raw::RawConfig = loader.toml(text)?;
        let file = loader.config_file(raw);
        loader.finish(file)
    }

    /// Number of `[[exemptions]]` entries.
    pub fn exemption_count(&self) -> usize {
        self.exemptions.values().map(Vec::len).sum()
    }
}

impl ImportsLock {
    /// Parses imports.lock text; `path` names the file in problems and evidence.
    pub fn parse(path: &str, text: &str) -> Result<ImportsLock, Error> {
        let mut loader = Loader::new(path, text);
        let raw: raw::RawImportsLock = loader.toml(text)?;
        let file = loader.imports_lock(raw);
        loader.finish(file)
    }

    /// Number of `[[publisher]]` records.
    pub fn publisher_count(&self) -> usize {
        self.publishers.values().map(Vec::len).sum()
    }

    /// Number of `[[unpublished]]` records.
    pub fn unpublished_count(&self) -> usize {
        self.unpublished.values().map(Vec::len).sum()
    }
}

/// The parsed file (the default for an absent one), or `None` with its problems recorded.
fn collect<T: Default>(
    parsed: Option<Result<T, Error>>,
    problems: &mut Vec<FileError>,
) -> Option<T> {
    match parsed {
        None => Some(T::default()),
        Some(Ok(file)) => Some(file),
        Some(Err(error)) => {
            problems.extend(error.problems());
            None
        }
    }
}

/// Reads a file that may be absent.
fn read_optional(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(Error::io(path, "read", error)),
    }
}

fn unknown_criteria(list: &CriteriaList, name: &str, known: &BTreeSet<String>) -> FileError {
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    FileError {
        code: None,
        path: list.at.path.clone(),
        line: Some(list.at.line),
        column: None,
        message: format!(
            "`{name}` is not a criteria: define it as [criteria.{name}] in audits.toml, or use one of {}",
            known.join(", ")
        ),
    }
}

/// Turns one file's raw tables into the typed model, collecting every problem.
struct Loader<'a> {
    path: &'a str,
    text: &'a str,
    lines: LineIndex,
    problems: Vec<FileError>,
}

impl<'a> Loader<'a> {
    fn new(path: &'a str, text: &'a str) -> Self {
        Loader {
            path,
            text,
            lines: LineIndex::new(text),
            problems: Vec::new(),
        }
    }

    /// Deserializes the file; a syntax or shape error is the file's only problem.
    fn toml<T: serde::de::DeserializeOwned>(&mut self, text: &str) -> Result<T, Error> {
        toml::from_str(text).map_err(|error| {
            let span = error.span().unwrap_or(0..0);
            let (line, column) = self.lines.position(self.text, span.start);
            let known_position = error.span().is_some();
            Error::Invalid(vec![FileError {
                code: None,
                path: self.path.to_owned(),
                line: known_position.then_some(line),
                column: known_position.then_some(column),
                message: error.message().trim().to_owned(),
            }])
        })
    }

    fn finish<T>(mut self, value: T) -> Result<T, Error> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            self.problems.sort_by_key(|p| (p.line, p.column));
            Err(Error::Invalid(self.problems))
        }
    }

    fn at(&self, span: &Range<usize>) -> Location {
        Location {
            path: self.path.to_owned(),
            line: self.lines.line(span.start),
        }
    }

    fn problem(&mut self, span: &Range<usize>, message: String) {
        let (line, column) = self.lines.position(self.text, span.start);
        self.problems.push(FileError {
            code: None,
            path: self.path.to_owned(),
            line: Some(line),
            column: Some(column),
            message,
        });
    }

    fn criteria(&self, raw: Spanned<OneOrMany>) -> CriteriaList {
        let at = self.at(&raw.span());
        CriteriaList {
            names: raw.into_inner().0,
            at,
        }
    }

    fn key(&mut self, key: &Spanned<String>) -> Option<PackageKey> {
        match PackageKey::parse(key.get_ref()) {
            Ok(key) => Some(key),
            Err(message) => {
                self.problem(&key.span(), message);
                None
            }
        }
    }

    fn version(&mut self, ecosystem: Ecosystem, text: &Text) -> Option<VetVersion> {
        self.version_at(ecosystem, text.get_ref(), &text.span())
    }

    fn version_at(
        &mut self,
        ecosystem: Ecosystem,
        text: &str,
        span: &Range<usize>,
    ) -> Option<VetVersion> {
        match VetVersion::parse(ecosystem, text) {
            Ok(version) => Some(version),
            Err(reason) => {
                self.problem(span, format!("bad {ecosystem} version: {reason}"));
                None
            }
        }
    }

    fn date(&mut self, text: &Text) -> Option<jiff::civil::Date> {
        match jiff::civil::Date::from_str(text.get_ref().trim()) {
            Ok(date) => Some(date),
            Err(error) => {
                self.problem(
                    &text.span(),
                    format!("`{}` is not a date (YYYY-MM-DD): {error}", text.get_ref()),
                );
                None
            }
        }
    }

    fn audits_file(&mut self, raw: RawAuditsFile) -> AuditsFile {
        let mut file = AuditsFile::default();
        for (name, def) in raw.criteria {
            if let Some(def) = self.criterion(&name, def) {
                file.criteria.push(def);
            }
        }
        for (key, entries) in raw.audits {
            let Some(package) = self.key(&key) else {
                continue;
            };
            let audits: Vec<Audit> = entries
                .into_iter()
                .filter_map(|entry| self.audit(package.ecosystem, entry))
                .collect();
            file.audits.entry(package).or_default().extend(audits);
        }
        for (key, entries) in raw.wildcard_audits {
            let Some(package) = self.crate_key(&key, "wildcard-audits") else {
                continue;
            };
            let grants: Vec<PublisherGrant> = entries
                .into_iter()
                .filter_map(|entry| self.grant(entry, false))
                .collect();
            file.wildcard_audits
                .entry(package)
                .or_default()
                .extend(grants);
        }
        for (key, entries) in raw.trusted {
            let Some(package) = self.crate_key(&key, "trusted") else {
                continue;
            };
            let grants: Vec<PublisherGrant> = entries
                .into_iter()
                .filter_map(|entry| self.grant(entry, true))
                .collect();
            file.trusted.entry(package).or_default().extend(grants);
        }
        file
    }

    fn criterion(
        &mut self,
        name: &Spanned<String>,
        def: Spanned<raw::RawCriterion>,
    ) -> Option<CriterionDef> {
        let at = self.at(&def.span());
        let def = def.into_inner();
        if BUILTIN.contains(&name.get_ref().as_str()) {
            self.problem(
                &name.span(),
                format!(
                    "`{}` is a built-in criteria and cannot be redefined ({SAFE_TO_DEPLOY} implies {SAFE_TO_RUN})",
                    name.get_ref()
                ),
            );
            return None;
        }
        let description = def.description.or(def.description_url);
        if description.is_none() {
            self.problem(
                &name.span(),
                format!(
                    "criteria `{}` needs a `description` or a `description-url`",
                    name.get_ref()
                ),
            );
        }
        Some(CriterionDef {
            name: name.get_ref().clone(),
            description,
            implies: def.implies.map(|i| i.into_inner().0).unwrap_or_default(),
            at,
        })
    }

    fn audit(&mut self, ecosystem: Ecosystem, entry: Spanned<raw::RawAudit>) -> Option<Audit> {
        let span = entry.span();
        let entry = entry.into_inner();
        let kind = match (&entry.version, &entry.delta, &entry.violation) {
            (Some(version), None, None) => AuditKind::Full {
                version: self.version(ecosystem, version)?,
            },
            (None, Some(delta), None) => self.delta(ecosystem, delta)?,
            (None, None, Some(range)) => self.violation(ecosystem, range)?,
            _ => {
                self.problem(
                    &span,
                    "an audit needs exactly one of `version = \"X\"`, `delta = \"A -> B\"` or `violation = \"RANGE\"`".to_owned(),
                );
                return None;
            }
        };
        Some(Audit {
            who: entry.who.map(|w| w.0).unwrap_or_default(),
            criteria: self.criteria(entry.criteria),
            kind,
            notes: entry.notes,
            importable: entry.importable.unwrap_or(true),
            aggregated_from: entry.aggregated_from.map(|a| a.0).unwrap_or_default(),
            at: self.at(&span),
        })
    }

    fn delta(&mut self, ecosystem: Ecosystem, delta: &Text) -> Option<AuditKind> {
        let Some((from, to)) = delta.get_ref().split_once("->") else {
            self.problem(
                &delta.span(),
                format!("`{}` is not a delta: write `FROM -> TO`", delta.get_ref()),
            );
            return None;
        };
        let span = delta.span();
        let from = self.version_at(ecosystem, from, &span);
        let to = self.version_at(ecosystem, to, &span);
        Some(AuditKind::Delta {
            from: from?,
            to: to?,
        })
    }

    fn violation(&mut self, ecosystem: Ecosystem, range: &Text) -> Option<AuditKind> {
        match VersionRange::parse(ecosystem, range.get_ref()) {
            Ok(parsed) => Some(AuditKind::Violation {
                range: parsed,
                text: range.get_ref().clone(),
            }),
            Err(reason) => {
                self.problem(&range.span(), format!("bad violation range: {reason}"));
                None
            }
        }
    }

    /// A key of a table that only crates.io can have (publisher data exists for crates only).
    fn crate_key(&mut self, key: &Spanned<String>, table: &str) -> Option<PackageKey> {
        let package = self.key(key)?;
        if package.ecosystem != Ecosystem::CratesIo {
            self.problem(
                &key.span(),
                format!(
                    "`{package}`: [{table}] entries are matched against crates.io publisher records; there are none for {}",
                    package.ecosystem
                ),
            );
            return None;
        }
        Some(package)
    }

    /// A wildcard audit, or with `trusted` a trusted entry.
    fn grant(&mut self, entry: Spanned<raw::RawGrant>, trusted: bool) -> Option<PublisherGrant> {
        let span = entry.span();
        let entry = entry.into_inner();
        if trusted && (entry.who.is_some() || entry.renew.is_some()) {
            self.problem(
                &span,
                "a [[trusted]] entry takes `criteria`, `user-id` or `trusted-publisher`, `start`, `end` and `notes`; `who` and `renew` belong to [[wildcard-audits]]".to_owned(),
            );
        }
        let publisher = self.publisher_id(&span, entry.user_id, entry.trusted_publisher);
        let start = self.date(&entry.start);
        let end = self.date(&entry.end);
        Some(PublisherGrant {
            who: entry.who.map(|w| w.0).unwrap_or_default(),
            criteria: self.criteria(entry.criteria),
            publisher: publisher?,
            start: start?,
            end: end?,
            notes: entry.notes,
            at: self.at(&span),
        })
    }

    fn publisher_id(
        &mut self,
        span: &Range<usize>,
        user_id: Option<Spanned<u64>>,
        trusted_publisher: Option<Text>,
    ) -> Option<PublisherId> {
        match (user_id, trusted_publisher) {
            (Some(id), None) => Some(PublisherId::UserId(id.into_inner())),
            (None, Some(publisher)) => Some(PublisherId::TrustedPublisher(publisher.into_inner())),
            _ => {
                self.problem(
                    span,
                    "needs exactly one of `user-id` (a crates.io account) or `trusted-publisher`"
                        .to_owned(),
                );
                None
            }
        }
    }

    fn config_file(&mut self, raw: raw::RawConfig) -> ConfigFile {
        let mut file = ConfigFile {
            store_version: raw.cargo_vet.map(|c| c.version.into_inner()),
            ..ConfigFile::default()
        };
        for (name, import) in raw.imports {
            let at = self.at(&name.span());
            let import = import.into_inner();
            let exclude = import
                .exclude
                .iter()
                .filter_map(|key| self.key(key))
                .collect();
            let criteria_map = import
                .criteria_map
                .into_iter()
                .map(|(theirs, ours)| (theirs.into_inner(), self.criteria(ours)))
                .collect();
            let urls = import.url.into_inner().0;
            if urls.is_empty() {
                self.problem(
                    &name.span(),
                    format!("import `{}` has no `url`", name.get_ref()),
                );
            }
            file.imports.insert(
                name.into_inner(),
                Import {
                    urls,
                    exclude,
                    criteria_map,
                    at,
                },
            );
        }
        for (key, entry) in raw.policy {
            if let Some(entry) = self.policy(&key, entry) {
                file.policy.push(entry);
            }
        }
        for (key, entries) in raw.exemptions {
            let Some(package) = self.key(&key) else {
                continue;
            };
            let exemptions: Vec<Exemption> = entries
                .into_iter()
                .filter_map(|entry| {
                    let span = entry.span();
                    let entry = entry.into_inner();
                    let version = self.version(package.ecosystem, &entry.version)?;
                    let criteria = match entry.criteria {
                        Some(criteria) => self.criteria(criteria),
                        None => CriteriaList {
                            names: Vec::new(),
                            at: self.at(&span),
                        },
                    };
                    Some(Exemption {
                        version,
                        criteria,
                        suggest: entry.suggest.unwrap_or(true),
                        notes: entry.notes,
                        at: self.at(&span),
                    })
                })
                .collect();
            file.exemptions
                .entry(package)
                .or_default()
                .extend(exemptions);
        }
        file
    }

    /// A policy key: `CRATE`, `"CRATE:VERSION"` (cargo-vet), or `npm:NAME` / `pypi:NAME`.
    fn policy(
        &mut self,
        key: &Spanned<String>,
        entry: Spanned<raw::RawPolicy>,
    ) -> Option<PolicyEntry> {
        let span = key.span();
        let (package, version) = match split_ecosystem(key.get_ref()) {
            Ok(Some((ecosystem, name))) => (PackageKey::new(ecosystem, name), None),
            Ok(None) => match key.get_ref().split_once(':') {
                Some((name, version)) => (
                    PackageKey::new(Ecosystem::CratesIo, name),
                    Some(self.version_at(Ecosystem::CratesIo, version, &span)?),
                ),
                None => (PackageKey::new(Ecosystem::CratesIo, key.get_ref()), None),
            },
            Err(message) => {
                self.problem(&span, message);
                return None;
            }
        };
        let entry = entry.into_inner();
        if package.ecosystem != Ecosystem::CratesIo
            && (entry.audit_as_crates_io.is_some() || !entry.dependency_criteria.is_empty())
        {
            self.problem(
                &span,
                format!(
                    "`{package}`: `audit-as-crates-io` and `dependency-criteria` apply to crates only; an npm or PyPI policy entry takes `criteria` and `dev-criteria`"
                ),
            );
        }
        Some(PolicyEntry {
            package,
            version,
            audit_as_crates_io: entry.audit_as_crates_io,
            criteria: entry.criteria.map(|c| self.criteria(c)),
            dev_criteria: entry.dev_criteria.map(|c| self.criteria(c)),
            dependency_criteria: entry
                .dependency_criteria
                .into_iter()
                .map(|(name, criteria)| (name.into_inner(), self.criteria(criteria)))
                .collect(),
            at: self.at(&span),
        })
    }

    fn imports_lock(&mut self, raw: raw::RawImportsLock) -> ImportsLock {
        let mut lock = ImportsLock::default();
        for (key, entries) in raw.unpublished {
            let Some(package) = self.crate_key(&key, "unpublished") else {
                continue;
            };
            let records: Vec<Location> = entries
                .into_iter()
                .filter_map(|entry| {
                    let span = entry.span();
                    let entry = entry.into_inner();
                    self.version(Ecosystem::CratesIo, &entry.version)?;
                    self.version(Ecosystem::CratesIo, &entry.audited_as)?;
                    Some(self.at(&span))
                })
                .collect();
            lock.unpublished.entry(package).or_default().extend(records);
        }
        for (key, entries) in raw.publisher {
            let Some(package) = self.crate_key(&key, "publisher") else {
                continue;
            };
            let records: Vec<Publisher> = entries
                .into_iter()
                .filter_map(|entry| {
                    let span = entry.span();
                    let entry = entry.into_inner();
                    let version = self.version(Ecosystem::CratesIo, &entry.version);
                    let when = self.date(&entry.when);
                    let publisher =
                        self.publisher_id(&span, entry.user_id, entry.trusted_publisher);
                    Some(Publisher {
                        version: version?,
                        when: when?,
                        publisher: publisher?,
                        login: entry.user_login.or(entry.user_name),
                        at: self.at(&span),
                    })
                })
                .collect();
            lock.publishers.entry(package).or_default().extend(records);
        }
        for (peer, audits) in raw.audits {
            let file = self.audits_file(audits);
            lock.peers.insert(peer.into_inner(), file);
        }
        lock
    }
}
