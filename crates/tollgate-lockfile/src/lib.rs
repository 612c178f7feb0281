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
    let (files, errors) = discover(paths);
    parse_discovered(&files, errors)
}

/// Parses discovered files into an inventory; `errors` (from discovery) are kept, and every
/// file that cannot be read or parsed adds one. Files are parsed on as many threads as
/// the machine has cores (a monorepo holds dozens of lockfiles); the result does not
/// depend on the thread count: lockfiles stay in discovery (path) order.
pub fn parse_discovered(files: &[DiscoveredFile], errors: Vec<FileError>) -> Inventory {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    parse_on_threads(files, errors, cores)
}

/// [`parse_discovered`] on at most `threads` threads.
fn parse_on_threads(
    files: &[DiscoveredFile],
    mut errors: Vec<FileError>,
    threads: usize,
) -> Inventory {
    let parse = |file: &DiscoveredFile| parse_file(&file.path, &file.display, file.format);
    let threads = threads.min(files.len());
    let results: Vec<Result<Lockfile, Error>> = if threads <= 1 {
        files.iter().map(parse).collect()
    } else {
        parse_in_parallel(files, threads, parse)
    };
    let mut lockfiles = Vec::with_capacity(files.len());
    for result in results {
        match result {
            Ok(lockfile) => lockfiles.push(lockfile),
            Err(error) => errors.push(error.to_file_error()),
        }
    }
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    Inventory { lockfiles, errors }
}

/// `parse` over `files` on `threads` scoped threads that take the next file from a shared
/// counter (lockfile sizes vary by orders of magnitude, so fixed chunks would leave threads
/// idle). Results come back in `files` order.
fn parse_in_parallel<T: Send>(
    files: &[DiscoveredFile],
    threads: usize,
    parse: impl Fn(&DiscoveredFile) -> T + Sync,
) -> Vec<T> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut indexed: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(file) = files.get(index) else {
                            return done;
                        };
                        done.push((index, parse(file)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            // A parser panic is a bug; re-raise it on the caller's thread rather than
            // silently dropping that worker's lockfiles.
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    indexed.sort_unstable_by_key(|(index, _)| *index);
    indexed.into_iter().map(|(_, result)| result).collect()
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

    /// The parallel parse gives what parsing one file after another gives, in path order,
    /// errors included.
    #[test]
    fn parallel_inventory_equals_sequential_parsing() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let (mut files, discovery_errors) = discover(&[&fixtures]);
        // An unreadable file among the others: its error must come back, in order.
        files.insert(
            files.len() / 2,
            DiscoveredFile {
                path: fixtures.join("no-such-dir/Cargo.lock"),
                display: "no-such-dir/Cargo.lock".to_owned(),
                format: LockfileFormat::CargoLock,
            },
        );
        assert!(
            files.len() > 10,
            "expected the test fixtures, found {}",
            files.len()
        );
        let mut sequential = Inventory {
            lockfiles: Vec::new(),
            errors: discovery_errors.clone(),
        };
        for file in &files {
            match parse_file(&file.path, &file.display, file.format) {
                Ok(lockfile) => sequential.lockfiles.push(lockfile),
                Err(error) => sequential.errors.push(error.to_file_error()),
            }
        }
        sequential.errors.sort_by(|a, b| a.path.cmp(&b.path));
        assert!(!sequential.errors.is_empty() && !sequential.lockfiles.is_empty());
        assert_eq!(parse_on_threads(&files, discovery_errors, 3), sequential);
    }
}
