//! Why an archive was refused.

use crate::ArchiveKind;

/// Why an archive was refused. Every variant names the entry it is about (or the last
/// entry read, for problems between entries); the caller adds the archive's own name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// The archive is truncated or corrupt (bad header, checksum, CRC, or early end).
    #[error("corrupt or truncated {kind} archive {location}: {message}")]
    Corrupt {
        /// The container format.
        kind: ArchiveKind,
        /// `at entry `x``, `after entry `x`` or `before the first entry`.
        location: String,
        /// What the decoder reported.
        message: String,
    },
    /// An entry's path is absolute (`/x`, `C:\x`, `\\server\x`).
    #[error("entry `{entry}` has an absolute path; expected a path relative to the archive root")]
    AbsolutePath {
        /// The path as written in the archive.
        entry: String,
    },
    /// An entry's path has a `..` component.
    #[error("entry `{entry}` has a `..` component; expected a path inside the archive root")]
    PathTraversal {
        /// The path as written in the archive.
        entry: String,
    },
    /// An entry's path is not valid UTF-8 or contains a NUL byte.
    #[error("entry `{entry}` has an unreadable path ({reason}); expected a UTF-8 path")]
    InvalidPath {
        /// The path, lossily decoded.
        entry: String,
        /// Why it is unreadable.
        reason: &'static str,
    },
    /// A symbolic or hard link points outside the archive root.
    #[error(
        "{} link `{entry}` points outside the archive root (to `{target}`)",
        if *.hard { "hard" } else { "symbolic" }
    )]
    LinkOutside {
        /// The link's path.
        entry: String,
        /// The target as written in the archive.
        target: String,
        /// Whether it is a hard link.
        hard: bool,
    },
    /// A device file, FIFO or socket.
    #[error("entry `{entry}` is a {file_type}; expected regular files, directories and links only")]
    SpecialFile {
        /// The entry's path.
        entry: String,
        /// `character device`, `block device`, `FIFO`, `socket`.
        file_type: &'static str,
    },
    /// An entry type or feature this crate deliberately does not read.
    #[error("entry `{entry}` uses {feature}, which tollgate does not read")]
    Unsupported {
        /// The entry's path.
        entry: String,
        /// What it uses (`GNU sparse file`, `encryption`, ...).
        feature: String,
    },
    /// One file is larger than [`Limits::max_file_bytes`](crate::Limits::max_file_bytes).
    #[error("entry `{entry}` is larger than the per-file limit of {limit} bytes")]
    FileTooLarge {
        /// The entry's path.
        entry: String,
        /// The limit.
        limit: u64,
    },
    /// The archive decompresses to more than [`Limits::max_total_bytes`](crate::Limits::max_total_bytes).
    #[error("archive decompresses to more than the limit of {limit} bytes ({location})")]
    TotalTooLarge {
        /// Where the limit was reached.
        location: String,
        /// The limit.
        limit: u64,
    },
    /// The archive expands more than [`Limits::max_ratio`](crate::Limits::max_ratio) times its size.
    #[error(
        "archive of {compressed} bytes expands more than {limit} times its size ({location}): \
         likely a decompression bomb"
    )]
    RatioExceeded {
        /// Where the limit was reached.
        location: String,
        /// The archive's size in bytes.
        compressed: u64,
        /// The ratio limit.
        limit: u64,
    },
    /// More entries than [`Limits::max_entries`](crate::Limits::max_entries).
    #[error("archive has more than {limit} entries")]
    TooManyEntries {
        /// The limit.
        limit: usize,
    },
}
