//! Turning one file's raw TOML tables into the typed model of the store, with every
//! problem located by line.

/// Turns one file's raw tables into the typed model, collecting every problem.
use std::ops::Range;
use std::str::FromStr;

use tollgate_model::{Ecosystem, FileError};
use tollgate_policy::error::LineIndex;
use tollgate_policy::range::VersionRange;
use toml::Spanned;

use super::{
    Audit, AuditKind, AuditsFile, ConfigFile, CriteriaList, CriterionDef, Exemption, Import,
    ImportsLock, Location, PolicyEntry, Publisher, PublisherGrant, PublisherId,
};
use crate::criteria::{BUILTIN, SAFE_TO_DEPLOY, SAFE_TO_RUN};
use crate::error::Error;
use crate::key::{PackageKey, split_ecosystem};
use crate::raw::{self, OneOrMany, RawAuditsFile, Text};
use crate::version::VetVersion;

pub(super) struct Loader<'a> {
    path: &'a str,
    text: &'a str,
    lines: LineIndex,
    problems: Vec<FileError>,
}

impl<'a> Loader<'a> {
    pub(super) fn new(path: &'a str, text: &'a str) -> Self {
        Loader {
            path,
            text,
            lines: LineIndex::new(text),
            problems: Vec::new(),
        }
    }

    /// Deserializes the file; a syntax or shape error is the file's only problem.
    pub(super) fn toml<T: serde::de::DeserializeOwned>(&mut self, text: &str) -> Result<T, Error> {
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

    pub(super) fn finish<T>(mut self, value: T) -> Result<T, Error> {
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

    pub(super) fn audits_file(&mut self, raw: RawAuditsFile) -> AuditsFile {
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

    pub(super) fn config_file(&mut self, raw: raw::RawConfig) -> ConfigFile {
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

    pub(super) fn imports_lock(&mut self, raw: raw::RawImportsLock) -> ImportsLock {
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
