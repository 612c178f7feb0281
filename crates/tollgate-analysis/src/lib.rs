//! Install-time code: which packages run code when they are installed or built, and what
//! that code does.
//!
//! Three layers, each usable alone:
//!
//! 1. [`lockmap`]: the map from the lockfile alone (offline, instant): every package is
//!    `runs-code`, `no-code` or `unknown`, with the lockfile line that says so, and the
//!    package manager's own gate (npm `ignore-scripts`, pnpm `allowBuilds`, Bun
//!    `trustedDependencies`, Yarn `enableScripts`, uv `no-build`, ...) read from the
//!    project files next to the lockfile.
//! 2. [`hooks`]: the exact map from a package's files: npm lifecycle scripts and
//!    `binding.gyp`, a Python sdist's `setup.py` and build backend, a crate's build script
//!    and proc-macro library.
//! 3. [`analyze`]: the files those hooks run (and the local files they load, two levels
//!    deep) are parsed with tree-sitter (JavaScript, Python, Rust) or the shell scanner, and
//!    the rules of [`Rule`] report network use, credential reads, environment harvesting,
//!    obfuscation, process execution, download-and-run and writes outside the package.
//!
//! [`deep`] runs layers 2 and 3 over an inventory through any [`deep::ArtifactSource`].

pub mod analyze;
pub mod deep;
mod error;
mod facts;
mod files;
pub mod gate;
pub mod hooks;
mod javascript;
mod judge;
pub mod lockmap;
pub mod memory;
mod model;
mod patterns;
mod python;
mod rules;
mod rust_source;
mod shell;
pub mod verdict_cache;
pub mod wheel;

pub use analyze::{analyze_package, analyze_package_with, findings_for_package};
pub use error::AnalysisError;
pub use files::PackageFiles;
pub use judge::{
    CodePhase, DEFAULT_MEMORY_LIMIT, JudgeOptions, MALICIOUS_AT, PASSIVE_FACTOR, Reason,
    SUSPICIOUS_AT, VERDICT_CODE, Verdict, VerdictLevel, verdict_finding, verdict_severity,
};
pub use model::{CodeFinding, CodeKind, CodeState, Hook, PackageReport, Phase, Rule};

/// `text` cut to at most `max` bytes at a character boundary, with `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", text.get(..end).unwrap_or(""))
}
