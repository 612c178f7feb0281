//! Errors of the install-time analysis.

/// Why a package could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The file's content is neither a gzip-compressed tar nor a zip, whatever its name.
    #[error("{path}: not a package archive: {}", match named_as {
        Some(kind) => format!("named like a {kind} file but its content is not one"),
        None => "neither gzip-compressed tar nor zip content".to_owned(),
    })]
    UnknownArchive {
        /// The archive.
        path: String,
        /// The kind its file name claims, when it claims one.
        named_as: Option<&'static str>,
    },
    /// The archive was refused by the safe reader.
    #[error("{path}: {source}")]
    Archive {
        /// The archive.
        path: String,
        /// Why it was refused.
        source: tollgate_archive::ArchiveError,
    },
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A directory holds more files than a package may.
    #[error("{path}: more than {limit} files; not a package directory")]
    TooManyFiles {
        /// The directory.
        path: String,
        /// The limit.
        limit: usize,
    },
    /// The package has no manifest tollgate recognises.
    #[error("{path}: no package.json, setup.py, pyproject.toml, PKG-INFO or Cargo.toml found")]
    NoManifest {
        /// The archive or directory.
        path: String,
    },
}
