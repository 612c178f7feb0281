//! Trust: audit records in cargo-vet's format, imported from peer organisations, evaluated
//! offline against the locked packages of crates.io, npm and PyPI.
//!
//! A store is cargo-vet's `supply-chain/` directory: `audits.toml` (criteria, audits,
//! wildcard audits, trusted publishers), `config.toml` (imports, policy, exemptions) and
//! `imports.lock` (peers' audits and crates.io publisher records as last fetched).
//! [`Store::load`] reads it with every problem located by file and line;
//! [`evaluate()`] decides for each locked package whether a chain of audits vets it for the
//! required criteria, with the entries that prove it or, when none does, the nearest
//! audited versions and the audit to add; [`check::findings`] turns that into policy
//! findings for `tollgate scan` (`trust-unaudited`, `trust-violation`); [`fetch`] refreshes
//! `imports.lock` from the imports' URLs (the only network access), and
//! [`edit::add_import`] adds an import to `config.toml` without rewriting the rest of it.
//!
//! tollgate's extension: a table key may name an npm or PyPI package (`npm:lodash`,
//! `pypi:requests`), whose versions follow that registry's rules (docs/trust.md).

pub mod check;
pub mod criteria;
pub mod edit;
pub mod error;
pub mod evaluate;
pub mod fetch;
mod graph;
pub mod key;
mod raw;
pub mod report;
mod requirements;
pub mod store;
pub mod version;

pub use criteria::{SAFE_TO_DEPLOY, SAFE_TO_RUN};
pub use error::Error;
pub use evaluate::{Options, evaluate};
pub use key::PackageKey;
pub use report::{PackageResult, Report, Summary, Verdict, VettedBy};
pub use store::{AuditsFile, ConfigFile, ImportsLock, Store};
pub use version::VetVersion;

/// The store directory cargo-vet uses by default, beside Cargo.lock.
pub const DEFAULT_STORE_DIR: &str = "supply-chain";
