//! The store: `config.toml`, `audits.toml` and `imports.lock` of a cargo-vet `supply-chain/`
//! directory, read into a typed model in which every entry knows its file and line.
//!
//! Each file is read on its own ([`AuditsFile::parse`], [`ConfigFile::parse`],
//! [`ImportsLock::parse`]): TOML syntax, key names, versions (with the ecosystem's rules),
//! version ranges, dates and ecosystem-qualified keys are checked there, and every problem
//! is collected with its line. [`Store::load`] then checks what needs all three files:
//! criteria names, and that every import of `config.toml` has its audits in
//! `imports.lock` (evaluation never fetches: like `cargo vet --locked`, it reads the lock).
//!
//! `check` holds the checks that need all three files, `loader` turns one file's raw
//! TOML tables into the typed model.

mod check;
mod loader;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use tollgate_model::FileError;
use tollgate_policy::range::VersionRange;

use loader::Loader;

use crate::criteria::BUILTIN;
use crate::error::Error;
use crate::key::PackageKey;
use crate::raw::{self, RawAuditsFile};
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
