//! Safe, in-memory reading of package archives.
//!
//! Package archives come from the network and are read before anyone has decided to trust
//! them, so this crate treats every byte as hostile:
//!
//! - nothing is ever written to disk: entries are returned as byte buffers;
//! - every entry path is normalized to a relative `a/b/c` form, and absolute paths
//!   (`/etc/passwd`, `C:\x`), `..` components and NUL bytes are refused;
//! - symbolic and hard links that point outside the archive root are refused; links that
//!   stay inside are **recorded and skipped** (see [`ArchiveContents::links`]): package
//!   managers either drop them (npm's pacote) or they only alias content that is already
//!   in the archive, so their target is analysed anyway;
//! - device files, FIFOs, sockets, sparse files and encrypted zip entries are refused;
//! - the size limits of [`Limits`] are enforced *while* decompressing, on the
//!   decompressed stream itself, so a decompression bomb is stopped after at most
//!   `max_total_bytes` of output, never after it has been inflated in full;
//! - truncated or corrupt archives (bad gzip trailer or CRC, bad tar header checksum,
//!   bad zip CRC) are refused: the gzip stream is read to its end to verify its CRC.
//!
//! Later entries with the same path replace earlier ones, as extracting the archive would.
//!
//! ```
//! use tollgate_archive::{read_archive, ArchiveKind, Limits};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let bytes: Vec<u8> = {
//! #     let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
//! #     zip.start_file("pkg/setup.py", zip::write::SimpleFileOptions::default())?;
//! #     std::io::Write::write_all(&mut zip, b"print('hi')")?;
//! #     zip.finish()?.into_inner()
//! # };
//! let kind = ArchiveKind::from_filename("pkg-1.0.zip").ok_or("not an archive")?;
//! let entries = read_archive(&bytes, kind, &Limits::default())?;
//! assert_eq!(entries[0].path, "pkg/setup.py");
//! # Ok(())
//! # }
//! ```

mod error;
mod meter;
mod path;
mod tar_gz;
mod zip_file;

use std::collections::HashMap;
use std::fmt;

pub use error::ArchiveError;

/// The container format of an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArchiveKind {
    /// A gzip-compressed tar: npm `.tgz`, Python sdist `.tar.gz`, `.crate`.
    TarGz,
    /// A zip: Python wheels (`.whl`) and `.zip` sdists.
    Zip,
}

impl ArchiveKind {
    /// The kind of an archive from its file name (case-insensitive), or `None` when the
    /// name has no known archive extension.
    pub fn from_filename(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if [".tgz", ".tar.gz", ".crate"]
            .iter()
            .any(|ext| lower.ends_with(ext))
        {
            Some(ArchiveKind::TarGz)
        } else if [".zip", ".whl"].iter().any(|ext| lower.ends_with(ext)) {
            Some(ArchiveKind::Zip)
        } else {
            None
        }
    }

    /// The kind of an archive from its first bytes: the gzip magic (`1f 8b`) or a zip
    /// local-file or empty-archive header (`PK\x03\x04`, `PK\x05\x06`). Attackers name
    /// files as they like (a wheel uploaded as `.tar.gz`), so the content decides.
    pub fn from_magic(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            Some(ArchiveKind::TarGz)
        } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            Some(ArchiveKind::Zip)
        } else {
            None
        }
    }

    /// A short name for messages (`tar.gz`, `zip`).
    pub fn as_str(self) -> &'static str {
        match self {
            ArchiveKind::TarGz => "tar.gz",
            ArchiveKind::Zip => "zip",
        }
    }
}

impl fmt::Display for ArchiveKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Resource limits applied while reading one archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes the archive may decompress to in total (for tar.gz: the whole tar
    /// stream, headers included; for zip: the sum of the entries read).
    pub max_total_bytes: u64,
    /// Largest single regular file.
    pub max_file_bytes: u64,
    /// Most entries of any kind (files, directories, links).
    pub max_entries: usize,
    /// Largest allowed ratio of decompressed bytes to the archive's size. Outputs under
    /// [`RATIO_GRACE_BYTES`] are never refused for their ratio: a tiny archive of a
    /// well-compressible text file is not a bomb.
    pub max_ratio: u64,
}

/// Decompressed output below this size is exempt from [`Limits::max_ratio`].
pub const RATIO_GRACE_BYTES: u64 = 1024 * 1024;

impl Default for Limits {
    /// 512 MiB in total, 64 MiB per file, 100,000 entries, a ratio of 200: far above any
    /// real package (the largest npm tarballs unpack to a few hundred MiB) and far below
    /// what would hurt the machine.
    fn default() -> Self {
        Limits {
            max_total_bytes: 512 * 1024 * 1024,
            max_file_bytes: 64 * 1024 * 1024,
            max_entries: 100_000,
            max_ratio: 200,
        }
    }
}

/// One regular file of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    /// The normalized relative path: `/`-separated, no leading `./`, no `.` or `..`.
    pub path: String,
    /// The file's bytes.
    pub contents: Vec<u8>,
}

/// Whether a link is symbolic or hard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// A symbolic link: its target is relative to the link's own directory.
    Symbolic,
    /// A hard link: its target is a path from the archive root.
    Hard,
}

/// A link that stays inside the archive root; recorded, not followed or returned as a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLink {
    /// The link's normalized path.
    pub path: String,
    /// The normalized path it points to, from the archive root (which may not exist).
    pub target: String,
    /// Symbolic or hard.
    pub kind: LinkKind,
}

/// Everything [`read_archive_contents`] found: the regular files and the skipped links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveContents {
    /// Regular files, in archive order (a repeated path keeps its first position and its
    /// last contents).
    pub entries: Vec<ArchiveEntry>,
    /// Links that point inside the archive: not returned as files.
    pub links: Vec<SkippedLink>,
}

/// Reads the regular files of an archive held in memory, refusing anything unsafe.
///
/// The error names the offending entry; the caller adds the archive's own name.
pub fn read_archive(
    bytes: &[u8],
    kind: ArchiveKind,
    limits: &Limits,
) -> Result<Vec<ArchiveEntry>, ArchiveError> {
    read_archive_contents(bytes, kind, limits).map(|contents| contents.entries)
}

/// Like [`read_archive`], but also reports the links that were skipped.
pub fn read_archive_contents(
    bytes: &[u8],
    kind: ArchiveKind,
    limits: &Limits,
) -> Result<ArchiveContents, ArchiveError> {
    let mut collector = Collector::default();
    match kind {
        ArchiveKind::TarGz => tar_gz::read(bytes, limits, &mut collector)?,
        ArchiveKind::Zip => zip_file::read(bytes, limits, &mut collector)?,
    }
    Ok(collector.contents)
}

/// Gathers entries, applying "a later entry with the same path wins".
#[derive(Default)]
struct Collector {
    contents: ArchiveContents,
    index_by_path: HashMap<String, usize>,
}

impl Collector {
    fn add_file(&mut self, path: String, contents: Vec<u8>) {
        match self.index_by_path.get(&path) {
            Some(&index) => {
                if let Some(existing) = self.contents.entries.get_mut(index) {
                    existing.contents = contents;
                }
            }
            None => {
                self.index_by_path
                    .insert(path.clone(), self.contents.entries.len());
                self.contents.entries.push(ArchiveEntry { path, contents });
            }
        }
    }

    fn add_link(&mut self, link: SkippedLink) {
        self.contents.links.push(link);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_from_filename() {
        assert_eq!(
            ArchiveKind::from_filename("esbuild-0.25.0.tgz"),
            Some(ArchiveKind::TarGz)
        );
        assert_eq!(
            ArchiveKind::from_filename("PyYAML-6.0.2.TAR.GZ"),
            Some(ArchiveKind::TarGz)
        );
        assert_eq!(
            ArchiveKind::from_filename("serde-1.0.0.crate"),
            Some(ArchiveKind::TarGz)
        );
        assert_eq!(
            ArchiveKind::from_filename("six-1.16.0-py2.py3-none-any.whl"),
            Some(ArchiveKind::Zip)
        );
        assert_eq!(
            ArchiveKind::from_filename("foo-1.0.zip"),
            Some(ArchiveKind::Zip)
        );
        assert_eq!(ArchiveKind::from_filename("foo-1.0.tar.bz2"), None);
        assert_eq!(ArchiveKind::from_filename("package.json"), None);
    }

    #[test]
    fn kind_from_magic() {
        assert_eq!(
            ArchiveKind::from_magic(&[0x1f, 0x8b, 8, 0]),
            Some(ArchiveKind::TarGz)
        );
        assert_eq!(
            ArchiveKind::from_magic(b"PK\x03\x04rest"),
            Some(ArchiveKind::Zip)
        );
        assert_eq!(ArchiveKind::from_magic(b"<html>"), None);
        assert_eq!(ArchiveKind::from_magic(b""), None);
    }

    #[test]
    fn later_entry_with_same_path_wins_in_first_position() {
        let mut collector = Collector::default();
        collector.add_file("a".into(), b"1".to_vec());
        collector.add_file("b".into(), b"2".to_vec());
        collector.add_file("a".into(), b"3".to_vec());
        let paths: Vec<_> = collector
            .contents
            .entries
            .iter()
            .map(|e| (e.path.as_str(), e.contents.as_slice()))
            .collect();
        assert_eq!(paths, [("a", &b"3"[..]), ("b", &b"2"[..])]);
    }
}
