//! tollgate's offline OSV advisory database.
//!
//! - [`import`]: OSV records (JSON, YAML, directories, `all.zip` exports) → an index, in
//!   one streaming pass with bounded memory.
//! - [`update`]: download the per-ecosystem exports and re-import when they changed.
//! - [`Index`]: the on-disk index; opens in milliseconds, looks up
//!   (ecosystem, normalized name) without parsing OSV JSON.
//! - [`Matcher`]: locked packages → findings (`vulnerability`, `malicious`,
//!   `unmaintained`, `unsound`, `notice`), aliases merged.
//! - [`coverage_warnings`]: `db-stale` / `db-no-coverage` for the scanned ecosystems.
//! - [`apply_ignores`]: the ignore list with expiry dates.

mod coverage;
mod cvss;
mod error;
mod ignore;
mod import;
mod index;
mod location;
mod matching;
mod osv;
mod remedy;
mod update;

pub use coverage::{DB_NO_COVERAGE, DB_STALE, coverage_warnings};
pub use cvss::{CvssError, base_score};
pub use error::Error;
pub use ignore::{IgnoreOutcome, IgnoreRule, apply_ignores};
pub use import::{ImportReport, ImportWarning, Previous, import};
pub use index::{
    EcosystemStats, FORMAT_VERSION, INDEX_FILE, Index, IndexHeader, SourceStats, source_of,
};
pub use location::{DB_ENV, resolve_db_dir};
pub use matching::{MatchOutcome, Matcher, match_package};
pub use osv::{Advisory, AdvisoryKind, Scoring, parse_json, parse_yaml};
pub use remedy::fix_command;
pub use update::{ExportStatus, UpdateReport, http_options as update_http_options, update};
