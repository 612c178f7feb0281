//! The checks [`Store::load`] makes once all three files are read: criteria names known,
//! imports locked, peers' undefined criteria, and (in a store cargo-vet also reads) the
//! npm and PyPI entries cargo-vet would refuse.

use std::collections::BTreeSet;

use tollgate_model::{Ecosystem, FileError};

use super::{AuditKind, CriteriaList, Location, Store};
use crate::key::PackageKey;
use crate::version::VetVersion;

impl Store {
    /// Checks what needs more than one file; records warnings on the way.
    pub(super) fn cross_check(&mut self, imports_path: &str) -> Vec<FileError> {
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
