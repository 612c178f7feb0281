//! Lockfile discovery and parsing: the first two stages of tollgate's data flow.
//!
//! [`inventory`] walks the given paths, finds lockfiles by name ([`detect_format`]), parses
//! each one with the parser for its format, and returns every [`Lockfile`] it could read
//! together with a [`FileError`] for every file it could not. One bad file never stops the
//! scan of the others.
//!
//! Each format lives in its own module and exposes `parse(path, text) -> Result<Lockfile>`;
//! `path` is only used to name the file in errors and in the result.

mod discover;
mod error;
mod lines;
mod npm;
mod python;
mod rust;

use std::path::Path;

use serde::{Deserialize, Serialize};
use tollgate_model::{FileError, Lockfile, LockfileFormat};

pub use discover::{DiscoveredFile, discover};
pub use error::Error;

/// Everything found under the scanned paths.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// The lockfiles that parsed, in path order.
    pub lockfiles: Vec<Lockfile>,
    /// The files that could not be read or parsed, in path order.
    pub errors: Vec<FileError>,
}

impl Inventory {
    /// Number of packages over all lockfiles.
    pub fn package_count(&self) -> usize {
        self.lockfiles.iter().map(|l| l.packages.len()).sum()
    }
}

/// Finds the lockfiles under `paths` (files are taken as they are, directories are walked)
/// and parses every one of them.
pub fn inventory<P: AsRef<Path>>(paths: &[P]) -> Inventory {
    let (files, mut errors) = discover(paths);
    let mut lockfiles = Vec::with_capacity(files.len());
    for file in &files {
        match parse_file(&file.path, &file.display, file.format) {
            Ok(lockfile) => lockfiles.push(lockfile),
            Err(error) => errors.push(error.to_file_error()),
        }
    }
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    Inventory { lockfiles, errors }
}

/// The lockfile format a file name denotes, or `None` if it names no lockfile.
///
/// `yarn.lock` is reported as [`LockfileFormat::YarnClassic`]; the parser tells classic
/// from Berry by the content and sets the format it found.
pub fn detect_format(path: &Path) -> Option<LockfileFormat> {
    let name = path.file_name()?.to_str()?;
    let format = match name {
        "package-lock.json" => LockfileFormat::PackageLock,
        "npm-shrinkwrap.json" => LockfileFormat::NpmShrinkwrap,
        "yarn.lock" => LockfileFormat::YarnClassic,
        "pnpm-lock.yaml" => LockfileFormat::PnpmLock,
        "bun.lock" => LockfileFormat::BunLock,
        "uv.lock" => LockfileFormat::UvLock,
        "poetry.lock" => LockfileFormat::PoetryLock,
        "pdm.lock" => LockfileFormat::PdmLock,
        "Pipfile.lock" => LockfileFormat::PipfileLock,
        "Cargo.lock" => LockfileFormat::CargoLock,
        "pylock.toml" => LockfileFormat::Pylock,
        _ if name.starts_with("pylock.") && name.ends_with(".toml") => LockfileFormat::Pylock,
        _ if is_requirements_file(path, name) => LockfileFormat::Requirements,
        _ => return None,
    };
    Some(format)
}

/// `requirements*.txt` anywhere, and any `*.txt` inside a `requirements/` folder.
fn is_requirements_file(path: &Path, name: &str) -> bool {
    if !name.ends_with(".txt") {
        return false;
    }
    name.starts_with("requirements")
        || path
            .parent()
            .and_then(|dir| dir.file_name())
            .is_some_and(|dir| dir == "requirements")
}

/// Reads and parses one lockfile of a known format. `display` is the path used in the
/// result and in errors.
pub fn parse_file(path: &Path, display: &str, format: LockfileFormat) -> Result<Lockfile, Error> {
    if format == LockfileFormat::Requirements {
        return python::requirements::parse_file(path, display);
    }
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: display.to_owned(),
        source,
    })?;
    let text = error::utf8_text(display, &bytes)?;
    parse_str(display, text, format)
}

/// Parses lockfile text of a known format. Requirements files parsed this way cannot
/// follow `-r`/`-c` includes (there is no file system); those lines become warnings.
pub fn parse_str(display: &str, text: &str, format: LockfileFormat) -> Result<Lockfile, Error> {
    use LockfileFormat::*;
    match format {
        PackageLock | NpmShrinkwrap => npm::package_lock::parse(display, text, format),
        YarnClassic | YarnBerry => npm::yarn::parse(display, text),
        PnpmLock => npm::pnpm::parse(display, text),
        BunLock => npm::bun::parse(display, text),
        UvLock => python::uv::parse(display, text),
        PoetryLock => python::poetry::parse(display, text),
        PdmLock => python::pdm::parse(display, text),
        PipfileLock => python::pipfile::parse(display, text),
        Pylock => python::pylock::parse(display, text),
        Requirements => python::requirements::parse(display, text),
        CargoLock => rust::cargo_lock::parse(display, text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats_by_name() {
        let cases = [
            ("a/package-lock.json", Some(LockfileFormat::PackageLock)),
            ("npm-shrinkwrap.json", Some(LockfileFormat::NpmShrinkwrap)),
            ("x/Cargo.lock", Some(LockfileFormat::CargoLock)),
            ("pylock.toml", Some(LockfileFormat::Pylock)),
            ("pylock.dev.toml", Some(LockfileFormat::Pylock)),
            ("requirements-dev.txt", Some(LockfileFormat::Requirements)),
            ("requirements/base.txt", Some(LockfileFormat::Requirements)),
            ("notes.txt", None),
            ("package.json", None),
        ];
        for (path, expected) in cases {
            assert_eq!(detect_format(Path::new(path)), expected, "{path}");
        }
    }
}
