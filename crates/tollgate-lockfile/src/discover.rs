//! Discovery: which files under the given paths are lockfiles.

use std::path::{Path, PathBuf};

use tollgate_model::{FileError, LockfileFormat};

use crate::detect_format;

/// Folders that hold installed or built dependencies, never a project's own lockfiles.
const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "bower_components",
    "target",
    ".venv",
    "venv",
    "site-packages",
    "__pycache__",
    ".tox",
    ".nox",
    ".git",
    ".hg",
    ".svn",
    ".yarn",
    ".pnpm-store",
];

/// A lockfile found by [`discover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredFile {
    /// Where to read it.
    pub path: PathBuf,
    /// How to name it in output: the path as given or as reached by walking.
    pub display: String,
    /// Its format, from its name.
    pub format: LockfileFormat,
}

/// Finds lockfiles. A file path is taken as it is (and is an error if its name is not a
/// lockfile's); a directory is walked, honouring `.gitignore`/`.ignore` files and skipping
/// dependency and build folders ([`SKIPPED_DIRS`]). Hidden folders such as `.github` are
/// walked: lockfiles live there too. Results are sorted by path.
pub fn discover<P: AsRef<Path>>(paths: &[P]) -> (Vec<DiscoveredFile>, Vec<FileError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        let root = root.as_ref();
        let display = root.display().to_string();
        match std::fs::metadata(root) {
            Err(e) => errors.push(file_error(&display, format!("cannot read: {e}"))),
            Ok(meta) if meta.is_dir() => walk(root, &mut files, &mut errors),
            Ok(_) => match detect_format(root) {
                Some(format) => files.push(DiscoveredFile {
                    path: root.to_owned(),
                    display,
                    format,
                }),
                None => errors.push(file_error(
                    &display,
                    "not a lockfile tollgate recognizes; expected package-lock.json, \
                     npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, bun.lock, uv.lock, \
                     poetry.lock, pdm.lock, Pipfile.lock, pylock*.toml, requirements*.txt \
                     or Cargo.lock"
                        .to_owned(),
                )),
            },
        }
    }
    files.sort_by(|a, b| a.display.cmp(&b.display));
    files.dedup_by(|a, b| a.path == b.path);
    (files, errors)
}

fn walk(root: &Path, files: &mut Vec<DiscoveredFile>, errors: &mut Vec<FileError>) {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && entry.depth() > 0 && SKIPPED_DIRS.iter().any(|d| entry.file_name() == *d))
        })
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                if let Some(format) = detect_format(entry.path()) {
                    files.push(DiscoveredFile {
                        path: entry.path().to_owned(),
                        display: entry.path().display().to_string(),
                        format,
                    });
                }
            }
            Err(e) => errors.push(file_error(
                &root.display().to_string(),
                format!("while walking: {e}"),
            )),
        }
    }
}

fn file_error(path: &str, message: String) -> FileError {
    FileError {
        code: None,
        path: path.to_owned(),
        line: None,
        column: None,
        message,
    }
}
