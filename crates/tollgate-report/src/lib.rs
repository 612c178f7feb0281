//! Rendering: the last stage of the data flow. Turns an inventory or a list of findings
//! into text for people (tables, Markdown) or for machines (JSON, SARIF, and the SBOMs:
//! CycloneDX and SPDX).
//!
//! Renderers write to any `io::Write` and never decide exit codes; the CLI does.

mod checks_doc;
pub mod cyclonedx;
pub mod diff;
pub mod findings;
pub mod install;
pub mod inventory;
pub mod markdown;
mod safe;
pub mod sarif;
mod sbom;
pub mod spdx;
mod table;
pub mod trust;

pub use safe::SafeLines;
pub use sbom::SbomOptions;

/// `1 lockfile`, `2 lockfiles`, `0 lockfiles`: a count with its noun, plural unless one.
/// Every noun used in reports takes a plain `s`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
