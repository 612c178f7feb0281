//! The inventory model: one vocabulary for every lockfile format and every check.
//!
//! Parsers (`tollgate-lockfile`) produce [`Lockfile`]s full of [`Package`]s; every later
//! stage (advisories, install-time code, policy, reports) consumes them and produces
//! [`Finding`]s. Nothing here parses or does I/O: this crate is the contract between
//! the stages, and its serde shape is the documented JSON output (`docs/json.md`).

pub mod defaults;
mod ecosystem;
mod finding;
mod graph;
mod name;
mod package;
mod provenance;
mod purl;
mod text;

pub use ecosystem::{Ecosystem, UnknownEcosystem};
pub use finding::{Evidence, Finding, Severity, UnknownSeverity};
pub use graph::{DependencyGraph, MAX_PATHS};
pub use name::normalize_name;
pub use package::{
    Artifact, ArtifactKind, DependencyEdge, FileError, Hash, InstallHints, LocalPackage, Lockfile,
    LockfileFormat, Package, RequirementKind, Scope, Source,
};
pub use provenance::{Attestation, Provenance, ProvenanceHistory};
pub use purl::package_url;
pub use text::escape_text;
