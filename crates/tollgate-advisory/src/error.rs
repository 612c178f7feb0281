//! Errors of the advisory index. Bad records are not errors: they are skipped and reported
//! as [`crate::ImportWarning`]s.

use std::path::PathBuf;

/// What went wrong with the index, an import source, or a download.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What tollgate was doing (`reading`, `creating the index`, ...).
        action: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No index exists at the location.
    #[error(
        "no advisory index at {} (run `tollgate db update` or `tollgate db import PATH`)",
        path.display()
    )]
    Missing {
        /// The index file looked for.
        path: PathBuf,
    },
    /// The index file is not one this version of tollgate can read.
    #[error("{}: not a usable advisory index: {reason} (rebuild it with `tollgate db update` or `tollgate db import`)", path.display())]
    Corrupt {
        /// The index file.
        path: PathBuf,
        /// What was expected.
        reason: String,
    },
    /// An import read no valid record; the index was left as it was.
    #[error(
        "no valid advisory record in {sources} ({skipped} skipped as invalid); the index was left unchanged"
    )]
    NothingImported {
        /// The paths given.
        sources: String,
        /// Records skipped as invalid.
        skipped: u64,
    },
    /// A partial import cannot keep the rest of an index it cannot read.
    #[error("{}: the existing index cannot be read ({reason}); pass --replace to build a new index from these files alone", path.display())]
    PreviousUnusable {
        /// The index file.
        path: PathBuf,
        /// Why it cannot be read.
        reason: String,
    },
    /// A zip file could not be opened as a zip archive.
    #[error("{}: not a readable zip archive: {reason}", path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// The zip reader's complaint.
        reason: String,
    },
    /// A download failed.
    #[error("{url}: {reason}")]
    Download {
        /// The address.
        url: String,
        /// What went wrong (status, network error).
        reason: String,
    },
    /// No default index location could be determined.
    #[error("no cache directory found for the advisory index: pass --db DIR or set TOLLGATE_DB")]
    NoLocation,
}

impl Error {
    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            path: path.into(),
            action,
            source,
        }
    }
}
