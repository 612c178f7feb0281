//! The files of one package, held in memory and addressed by their path inside the
//! package (the archive's single top-level folder, `package/` for npm, `name-1.0/` for
//! sdists and crates, is removed).

use std::collections::BTreeMap;
use std::path::Path;

use tollgate_archive::{ArchiveEntry, ArchiveKind, Limits, read_archive};

use crate::error::AnalysisError;

/// Most files read from a directory (a package directory is not a whole disk).
const MAX_DIRECTORY_FILES: usize = 100_000;
/// Largest file read from a directory.
const MAX_DIRECTORY_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Deepest directory nesting walked.
const MAX_DIRECTORY_DEPTH: usize = 32;

/// The files of a package, by relative `/`-separated path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageFiles {
    files: BTreeMap<String, Vec<u8>>,
    /// Size of the archive the files came from (0 for a directory).
    pub archive_bytes: u64,
}

impl PackageFiles {
    /// Test files of a package from (path under `package/`, text) pairs.
    #[cfg(test)]
    pub(crate) fn from_texts(entries: &[(&str, &str)]) -> PackageFiles {
        PackageFiles::from_entries(
            entries
                .iter()
                .map(|(p, c)| (format!("package/{p}"), c.as_bytes().to_vec())),
        )
    }

    /// Files from `(path, contents)` pairs; a common top-level folder is removed.
    pub fn from_entries(entries: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        let files: BTreeMap<String, Vec<u8>> = entries.into_iter().collect();
        PackageFiles {
            files: strip_common_root(files),
            archive_bytes: 0,
        }
    }

    /// Reads an archive held in memory, refusing anything unsafe (see `tollgate-archive`).
    /// `display` names the archive in errors.
    pub fn from_archive(display: &str, bytes: &[u8]) -> Result<Self, AnalysisError> {
        // The content decides; the name is only a fallback for the error message.
        let kind = ArchiveKind::from_magic(bytes).ok_or_else(|| AnalysisError::UnknownArchive {
            path: display.to_owned(),
            named_as: ArchiveKind::from_filename(display).map(|kind| kind.as_str()),
        })?;
        let entries = read_archive(bytes, kind, &Limits::default()).map_err(|source| {
            AnalysisError::Archive {
                path: display.to_owned(),
                source,
            }
        })?;
        let mut files = Self::from_entries(
            entries
                .into_iter()
                .map(|ArchiveEntry { path, contents }| (path, contents)),
        );
        files.archive_bytes = bytes.len() as u64;
        Ok(files)
    }

    /// Reads an unpacked package directory. Symbolic links are not followed.
    pub fn from_directory(root: &Path) -> Result<Self, AnalysisError> {
        let mut files = BTreeMap::new();
        let mut pending = vec![(root.to_path_buf(), String::new(), 0usize)];
        while let Some((dir, prefix, depth)) = pending.pop() {
            let read = std::fs::read_dir(&dir).map_err(|source| AnalysisError::Io {
                path: dir.display().to_string(),
                source,
            })?;
            for entry in read {
                let entry = entry.map_err(|source| AnalysisError::Io {
                    path: dir.display().to_string(),
                    source,
                })?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let relative = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}/{name}")
                };
                let file_type = entry.file_type().map_err(|source| AnalysisError::Io {
                    path: entry.path().display().to_string(),
                    source,
                })?;
                if file_type.is_dir() {
                    if name != ".git" && depth < MAX_DIRECTORY_DEPTH {
                        pending.push((entry.path(), relative, depth + 1));
                    }
                } else if file_type.is_file() {
                    if files.len() >= MAX_DIRECTORY_FILES {
                        return Err(AnalysisError::TooManyFiles {
                            path: root.display().to_string(),
                            limit: MAX_DIRECTORY_FILES,
                        });
                    }
                    let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    if size > MAX_DIRECTORY_FILE_BYTES {
                        continue;
                    }
                    let contents =
                        std::fs::read(entry.path()).map_err(|source| AnalysisError::Io {
                            path: entry.path().display().to_string(),
                            source,
                        })?;
                    files.insert(relative, contents);
                }
            }
        }
        Ok(PackageFiles {
            files,
            archive_bytes: 0,
        })
    }

    /// The bytes of the file at `path`, if the package has it.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// The text of the file at `path` (invalid UTF-8 replaced), if the package has it.
    pub fn text(&self, path: &str) -> Option<String> {
        self.get(path)
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
    }

    /// Whether the package has a file at `path`.
    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// Every path, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Removes the single top-level folder every path shares, if there is one.
fn strip_common_root(files: BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    let mut root: Option<&str> = None;
    for path in files.keys() {
        let Some((first, _)) = path.split_once('/') else {
            return files;
        };
        match root {
            None => root = Some(first),
            Some(existing) if existing == first => {}
            Some(_) => return files,
        }
    }
    let Some(root) = root.map(|r| format!("{r}/")) else {
        return files;
    };
    files
        .into_iter()
        .map(|(path, contents)| {
            let stripped = path.strip_prefix(&root).unwrap_or(&path).to_owned();
            (stripped, contents)
        })
        .collect()
}

/// Joins a relative reference (`./lib/x`, `../y.js`) to the folder of `from`, resolving
/// `.` and `..`; `None` when it climbs out of the package.
pub(crate) fn join_relative(from: &str, reference: &str) -> Option<String> {
    let mut parts: Vec<&str> = match from.rsplit_once('/') {
        Some((dir, _)) => dir.split('/').collect(),
        None => Vec::new(),
    };
    for part in reference.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_root_is_removed_only_when_shared() {
        let files = PackageFiles::from_entries([
            ("package/package.json".to_owned(), b"{}".to_vec()),
            ("package/lib/a.js".to_owned(), b"".to_vec()),
        ]);
        assert!(files.contains("package.json"));
        assert!(files.contains("lib/a.js"));
        let mixed = PackageFiles::from_entries([
            ("a/x".to_owned(), Vec::new()),
            ("b/y".to_owned(), Vec::new()),
        ]);
        assert!(mixed.contains("a/x"));
    }

    #[test]
    fn bad_archives_are_refused_with_their_name() {
        let truncated = PackageFiles::from_archive("evil-1.0.0.tgz", &[0x1f, 0x8b, 8, 0]);
        let message = truncated.unwrap_err().to_string();
        assert!(message.starts_with("evil-1.0.0.tgz: "), "{message}");
        let unknown = PackageFiles::from_archive("evil.rar", b"x").unwrap_err();
        assert!(matches!(unknown, AnalysisError::UnknownArchive { .. }));
    }

    #[test]
    fn relative_references_resolve_inside_the_package() {
        assert_eq!(
            join_relative("scripts/install.js", "./lib/x.js").as_deref(),
            Some("scripts/lib/x.js")
        );
        assert_eq!(
            join_relative("scripts/install.js", "../x.js").as_deref(),
            Some("x.js")
        );
        assert_eq!(join_relative("install.js", "../../etc/passwd"), None);
    }
}
