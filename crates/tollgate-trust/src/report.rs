//! The outcome of an evaluation, as `tollgate trust` prints it and `--format json`
//! serializes it (docs/json.md): per package a verdict with the store entries that justify
//! it, and the counts.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;
use tollgate_model::Ecosystem;

use crate::store::PublisherId;

/// The evaluation of an inventory against a store.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The criteria required of every package (unless a policy entry or dev scope says
    /// otherwise).
    pub criteria: Vec<String>,
    /// The criteria required of development-only packages.
    pub dev_criteria: Vec<String>,
    /// Every evaluated package, once per (package, version), in lockfile order.
    pub packages: Vec<PackageResult>,
    /// Locked packages that are not audited (git, path, other registries, unpinned).
    pub out_of_scope: Vec<OutOfScope>,
    /// What limited the evaluation (a Cargo.lock whose dependency graph could not be read).
    pub notes: Vec<String>,
}

/// Counts of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Evaluated packages.
    pub packages: usize,
    /// Vetted by the store's own audits, wildcard audits and trusted entries.
    pub vetted_by_audit: usize,
    /// Vetted, with at least one imported audit on the way.
    pub vetted_by_import: usize,
    /// Vetted, with an exemption on the way.
    pub vetted_by_exemption: usize,
    /// Required to meet no criteria by the store's `[policy]`.
    pub not_required: usize,
    /// Not vetted.
    pub unvetted: usize,
    /// Failed by a violation entry.
    pub violations: usize,
    /// Not evaluated (see [`OutOfScope`]).
    pub out_of_scope: usize,
}

/// One evaluated package.
#[derive(Debug, Clone, Serialize)]
pub struct PackageResult {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The name as locked.
    pub name: String,
    /// The version as locked.
    pub version: String,
    /// The package URL.
    pub purl: String,
    /// Every lockfile entry of this package and version.
    pub locations: Vec<Place>,
    /// The criteria it must meet.
    pub required: Vec<String>,
    /// The outcome.
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// A lockfile entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The lockfile.
    pub lockfile: String,
    /// The entry's line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// The outcome for one package.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Verdict {
    /// Every required criteria is reached.
    Vetted {
        /// The weakest kind of entry the proof needs.
        vetted_by: VettedBy,
        /// The entries of the proof, root first.
        evidence: Vec<Step>,
    },
    /// Some required criteria is not reached.
    Unvetted {
        /// The criteria that are reached (possibly none).
        found: Vec<String>,
        /// The closest versions below and above that are vetted for something.
        nearest: Vec<Nearby>,
        /// The smallest audit that would vet the package.
        #[serde(skip_serializing_if = "Option::is_none")]
        suggestion: Option<Suggestion>,
        /// Why, where more can be said (publisher records, dev-dependencies).
        notes: Vec<String>,
    },
    /// A violation entry covers the locked version.
    Violation {
        /// The violation entries.
        evidence: Vec<Step>,
    },
    /// The store's `[policy]` requires no criteria of it (e.g. it is used only by a
    /// first-party crate with `criteria = []`).
    NotRequired {
        /// The policy entries that decide it.
        evidence: Vec<Step>,
    },
}

/// The weakest kind of entry a proof needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VettedBy {
    /// The store's own entries only.
    Audit,
    /// At least one imported audit.
    Import,
    /// At least one exemption.
    Exemption,
}

/// One entry used as evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// What kind of entry.
    pub kind: StepKind,
    /// The version a delta starts from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The version the entry vets (absent for violations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A violation's range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    /// The criteria as the entry writes them.
    pub criteria: Vec<String>,
    /// Who made the entry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub who: Vec<String>,
    /// The import the entry came from; absent for the store's own entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<String>,
    /// Where the entry is written.
    pub path: String,
    /// Its line.
    pub line: u32,
    /// For wildcard audits and trusted entries: the publisher record they matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<PublisherRecord>,
    /// The entry's notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// The kind of an evidence entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// `[[audits]] version`.
    FullAudit,
    /// `[[audits]] delta`.
    DeltaAudit,
    /// `[[wildcard-audits]]`.
    WildcardAudit,
    /// `[[trusted]]`.
    Trusted,
    /// `[[exemptions]]`.
    Exemption,
    /// `[[audits]] violation`.
    Violation,
    /// `[policy.CRATE]` `criteria`, or `dependency-criteria` for one dependency.
    Policy,
}

/// The `[[publisher]]` record of imports.lock a wildcard audit or trusted entry matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublisherRecord {
    /// Who published the version: `user-id` or `trusted-publisher`, as imports.lock writes it.
    #[serde(flatten)]
    pub publisher: PublisherId,
    /// Their crates.io login, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// The publication day.
    pub when: String,
    /// Where the record is written.
    pub path: String,
    /// Its line.
    pub line: u32,
}

/// A vetted version near the locked one.
#[derive(Debug, Clone, Serialize)]
pub struct Nearby {
    /// The version.
    pub version: String,
    /// The criteria it is vetted for.
    pub criteria: Vec<String>,
    /// The entries that vet it.
    pub evidence: Vec<Step>,
}

/// The audit that would vet a package.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    /// The criteria to certify.
    pub criteria: Vec<String>,
    /// Review the change from this version (absent: review `to` in full).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The version to reach.
    pub to: String,
    /// The cargo-vet command that shows what to review (crates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The entry to add to audits.toml after the review.
    pub record: String,
}

/// A locked package that is not evaluated, and why.
#[derive(Debug, Clone, Serialize)]
pub struct OutOfScope {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The name.
    pub name: String,
    /// The version (empty when unpinned).
    pub version: String,
    /// The lockfile entry.
    #[serde(flatten)]
    pub place: Place,
    /// Why it is not audited.
    pub reason: String,
}

impl Report {
    /// Counts per outcome.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            packages: self.packages.len(),
            out_of_scope: self.out_of_scope.len(),
            ..Summary::default()
        };
        for package in &self.packages {
            match &package.verdict {
                Verdict::Vetted { vetted_by, .. } => match vetted_by {
                    VettedBy::Audit => summary.vetted_by_audit += 1,
                    VettedBy::Import => summary.vetted_by_import += 1,
                    VettedBy::Exemption => summary.vetted_by_exemption += 1,
                },
                Verdict::Unvetted { .. } => summary.unvetted += 1,
                Verdict::Violation { .. } => summary.violations += 1,
                Verdict::NotRequired { .. } => summary.not_required += 1,
            }
        }
        summary
    }

    /// Whether every evaluated package is vetted (or needs nothing).
    pub fn all_vetted(&self) -> bool {
        self.packages.iter().all(|p| {
            matches!(
                p.verdict,
                Verdict::Vetted { .. } | Verdict::NotRequired { .. }
            )
        })
    }

    /// The result of every evaluated lockfile entry, by (lockfile, line, name, version).
    pub fn by_entry(&self) -> HashMap<(&str, Option<u32>, &str, &str), &PackageResult> {
        self.packages
            .iter()
            .flat_map(|result| {
                result.locations.iter().map(move |place| {
                    let entry = (
                        place.lockfile.as_str(),
                        place.line,
                        result.name.as_str(),
                        result.version.as_str(),
                    );
                    (entry, result)
                })
            })
            .collect()
    }
}

impl fmt::Display for Step {
    /// One line: what the entry says, who says it, and where it is written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let to = self.to.as_deref().unwrap_or_default();
        match self.kind {
            StepKind::FullAudit => write!(f, "full audit of {to}")?,
            StepKind::DeltaAudit => {
                write!(
                    f,
                    "delta audit {} -> {to}",
                    self.from.as_deref().unwrap_or_default()
                )?;
            }
            StepKind::WildcardAudit => write!(f, "wildcard audit of {to}")?,
            StepKind::Trusted => write!(f, "trusted publisher of {to}")?,
            StepKind::Exemption => write!(f, "exemption of {to}")?,
            StepKind::Violation => {
                write!(f, "violation {}", self.range.as_deref().unwrap_or_default())?;
            }
            StepKind::Policy => {
                write!(f, "[policy] of {to}")?;
                if let Some(notes) = &self.notes {
                    write!(f, " ({notes})")?;
                }
                let criteria = if self.criteria.is_empty() {
                    "no criteria".to_owned()
                } else {
                    self.criteria.join(", ")
                };
                return write!(f, " requires {criteria} at {}:{}", self.path, self.line);
            }
        }
        write!(f, " for {}", self.criteria.join(", "))?;
        if !self.who.is_empty() {
            write!(f, " by {}", self.who.join(", "))?;
        }
        if let Some(import) = &self.import {
            write!(f, " (imported from {import})")?;
        }
        write!(f, " at {}:{}", self.path, self.line)?;
        if let Some(record) = &self.publisher {
            write!(
                f,
                ", matching {} published on {} ({}:{})",
                publisher_text(&record.publisher),
                record.when,
                record.path,
                record.line
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Suggestion {
    /// One line: what to review and the command that shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.from {
            Some(from) => write!(f, "audit the change {from} -> {}", self.to)?,
            None => write!(f, "audit {} in full", self.to)?,
        }
        write!(f, " for {}", self.criteria.join(", "))?;
        if let Some(command) = &self.command {
            write!(f, " (`{command}`)")?;
        }
        Ok(())
    }
}

/// A publisher as a phrase.
pub(crate) fn publisher_text(publisher: &PublisherId) -> String {
    match publisher {
        PublisherId::UserId(id) => format!("crates.io user {id}"),
        PublisherId::TrustedPublisher(identity) => format!("trusted publisher {identity}"),
    }
}
