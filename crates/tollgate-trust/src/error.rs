//! Errors of the trust store: every problem names the file, the line and column when they
//! are known, and what was expected. Problems are [`FileError`]s, the workspace's type for
//! "something is wrong in this file", so the CLI reports them like lockfile errors.

use std::fmt;

use tollgate_model::FileError;

/// Why a store could not be read, fetched or used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more store files are not valid; every problem is listed, in file order.
    #[error("{}", Problems(.0))]
    Invalid(Vec<FileError>),
    /// A file or directory could not be read or written.
    #[error("{path}: cannot {action}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// What was being done (`read`, `write`, ...).
        action: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// There is no store where one was expected.
    #[error(
        "{path}: no cargo-vet store here (expected config.toml and audits.toml; create them with `cargo vet init`, or by hand as docs/trust.md shows)"
    )]
    MissingStore {
        /// The directory that was looked for.
        path: String,
    },
    /// An import could not be fetched or is not a valid audits file.
    #[error("import `{import}` ({url}): {reason}")]
    Fetch {
        /// The import's name in config.toml.
        import: String,
        /// Where it was fetched from.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A criteria name that the store does not define.
    #[error("{origin}: `{name}` is not a criteria of the store (known: {})", .known.join(", "))]
    UnknownCriteria {
        /// The name as given.
        name: String,
        /// Where it was given (`--criteria`, `tollgate.toml:4`).
        origin: String,
        /// The criteria the store defines.
        known: Vec<String>,
    },
}

impl Error {
    /// The error as file problems, for reports that list errors per file.
    pub fn problems(&self) -> Vec<FileError> {
        match self {
            Error::Invalid(problems) => problems.clone(),
            Error::Io { path, .. } | Error::MissingStore { path } => vec![FileError {
                code: None,
                path: path.clone(),
                line: None,
                column: None,
                message: self.to_string(),
            }],
            Error::Fetch { url, .. } => vec![FileError {
                code: None,
                path: url.clone(),
                line: None,
                column: None,
                message: self.to_string(),
            }],
            Error::UnknownCriteria { origin, .. } => vec![FileError {
                code: None,
                path: origin.clone(),
                line: None,
                column: None,
                message: self.to_string(),
            }],
        }
    }

    pub(crate) fn io(path: &std::path::Path, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.display().to_string(),
            action,
            source,
        }
    }
}

/// Displays problems one per line.
struct Problems<'a>(&'a [FileError]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            problem.fmt(f)?;
        }
        Ok(())
    }
}
