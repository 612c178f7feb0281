//! Shared body of the fuzz targets: feed arbitrary bytes to one lockfile parser, or to the
//! trust store's parsers.
//!
//! A parser may return `Ok` or `Err` on any input; it must never panic, hang or run away with memory.

use tollgate_model::{Ecosystem, Lockfile, LockfileFormat, Package};
use tollgate_trust::{AuditsFile, ConfigFile, ImportsLock, Options, Store};

/// Parses `data` as `format`, the way `tollgate inventory` would after reading a file.
pub fn parse(format: LockfileFormat, data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tollgate_lockfile::parse_str("fuzz-input", text, format);
    }
}

/// Parses `text` as each store file, edits it as config.toml, and evaluates it as
/// audits.toml against a crate, an npm and a PyPI package.
pub fn trust_store(text: &str) {
    let _ = ConfigFile::parse("config.toml", text);
    let _ = ImportsLock::parse("imports.lock", text);
    let _ = tollgate_trust::edit::add_import(text, "peer", "https://example.org/audits.toml");
    let Ok(audits) = AuditsFile::parse("audits.toml", text) else {
        return;
    };
    let store = Store {
        dir: "supply-chain".into(),
        config: ConfigFile::default(),
        audits,
        imports: ImportsLock::default(),
        warnings: Vec::new(),
    };
    let mut crates = Lockfile::new("fuzz/Cargo.lock", LockfileFormat::CargoLock);
    crates
        .packages
        .push(Package::new(Ecosystem::CratesIo, "serde", "1.0.0"));
    let mut npm = Lockfile::new("fuzz/package-lock.json", LockfileFormat::PackageLock);
    npm.packages
        .push(Package::new(Ecosystem::Npm, "lodash", "4.17.21"));
    let mut pypi = Lockfile::new("fuzz/requirements.txt", LockfileFormat::Requirements);
    pypi.packages
        .push(Package::new(Ecosystem::PyPI, "requests", "2.31.0"));
    let inventory = tollgate_lockfile::Inventory {
        lockfiles: vec![crates, npm, pypi],
        errors: Vec::new(),
    };
    let _ = tollgate_trust::evaluate(&store, &inventory, &Options::default());
}
