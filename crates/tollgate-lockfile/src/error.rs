//! The errors a lockfile parser reports. Every variant names the file; most name the line.

use tollgate_model::FileError;

/// Why a lockfile could not be inventoried.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not UTF-8 text (a binary or mis-encoded file).
    #[error(
        "{path}:{line}: not UTF-8 text (invalid byte at offset {offset}); expected a text lockfile"
    )]
    NotText {
        /// The file.
        path: String,
        /// The line of the first invalid byte.
        line: u32,
        /// The byte offset of the first invalid byte.
        offset: usize,
    },
    /// The file is not valid in its syntax (JSON, TOML, YAML, ...).
    #[error("{}: {message}", location(path, *line, *column))]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line, when known.
        line: Option<u32>,
        /// 1-based column, when known.
        column: Option<u32>,
        /// What was found and what was expected.
        message: String,
    },
    /// The file declares a format version tollgate does not read.
    #[error("{}: unsupported {what} `{found}`; tollgate reads {supported}", location(path, *line, None))]
    UnsupportedVersion {
        /// The file.
        path: String,
        /// 1-based line of the version marker, when known.
        line: Option<u32>,
        /// Which marker (`lockfileVersion`, `__metadata.version`, ...).
        what: &'static str,
        /// The value found.
        found: String,
        /// The versions tollgate reads.
        supported: &'static str,
    },
}

fn location(path: &str, line: Option<u32>, column: Option<u32>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!("{path}:{line}:{column}"),
        (Some(line), None) => format!("{path}:{line}"),
        _ => path.to_owned(),
    }
}

impl Error {
    /// A syntax or structure error at a known place.
    pub fn syntax(
        path: &str,
        line: Option<u32>,
        column: Option<u32>,
        message: impl Into<String>,
    ) -> Self {
        Error::Syntax {
            path: path.to_owned(),
            line,
            column,
            message: message.into(),
        }
    }

    /// The error as an entry of the inventory's `errors` list.
    pub fn to_file_error(&self) -> FileError {
        let (path, line, column, message) = match self {
            Error::Io { path, source } => (path, None, None, format!("cannot read: {source}")),
            Error::NotText { path, line, offset } => (
                path,
                Some(*line),
                None,
                format!(
                    "not UTF-8 text (invalid byte at offset {offset}); expected a text lockfile"
                ),
            ),
            Error::Syntax {
                path,
                line,
                column,
                message,
            } => (path, *line, *column, message.clone()),
            Error::UnsupportedVersion {
                path,
                line,
                what,
                found,
                supported,
            } => (
                path,
                *line,
                None,
                format!("unsupported {what} `{found}`; tollgate reads {supported}"),
            ),
        };
        FileError {
            code: None,
            path: path.clone(),
            line,
            column,
            message,
        }
    }
}

/// The bytes as UTF-8 text (a leading byte-order mark is dropped), or [`Error::NotText`].
pub(crate) fn utf8_text<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = crate::lines::line_of_offset(&bytes[..offset], offset);
        Error::NotText {
            path: path.to_owned(),
            line,
            offset,
        }
    })
}
