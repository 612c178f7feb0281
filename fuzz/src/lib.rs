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

/// Reads `data` as a package archive under each name kind (the content decides, the name
/// only hints), then analyses what was read: hooks, rules and the verdict.
pub fn archive(data: &[u8]) {
    for name in ["fuzz.tgz", "fuzz.tar.gz", "fuzz.zip", "fuzz.whl", "fuzz.crate"] {
        if let Ok(files) = tollgate_analysis::PackageFiles::from_archive(name, data) {
            let _ = tollgate_analysis::analyze_package(name, &files);
        }
    }
}

/// Judges `data` as the code of a package in every place the verdict looks: `setup.py`
/// (install), a `.pth` file (startup), a package `__init__` (import), an npm install
/// script and main module, and a crate's `build.rs`. This drives the decoders, the
/// constant folding and the data flow over attacker-shaped text.
pub fn judge(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let python = tollgate_analysis::PackageFiles::from_entries([
        ("p-1/PKG-INFO".to_owned(), b"Metadata-Version: 2.1\nName: p\nVersion: 1\n".to_vec()),
        ("p-1/setup.py".to_owned(), data.to_vec()),
        ("p-1/p.pth".to_owned(), data.to_vec()),
        ("p-1/p/__init__.py".to_owned(), data.to_vec()),
    ]);
    let _ = tollgate_analysis::analyze_package("python", &python);
    let manifest = serde_json::json!({
        "name": "p", "version": "1.0.0", "main": "index.js",
        "scripts": {"postinstall": text},
    });
    let npm = tollgate_analysis::PackageFiles::from_entries([
        ("package/package.json".to_owned(), manifest.to_string().into_bytes()),
        ("package/index.js".to_owned(), data.to_vec()),
    ]);
    let _ = tollgate_analysis::analyze_package("npm", &npm);
    let rust = tollgate_analysis::PackageFiles::from_entries([
        (
            "p-1/Cargo.toml".to_owned(),
            b"[package]\nname = \"p\"\nversion = \"1.0.0\"\n".to_vec(),
        ),
        ("p-1/build.rs".to_owned(), data.to_vec()),
    ]);
    let _ = tollgate_analysis::analyze_package("crate", &rust);
}
