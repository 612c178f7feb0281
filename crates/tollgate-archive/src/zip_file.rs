//! Zip archives: Python wheels and `.zip` sdists.

use std::io::Cursor;

use zip::result::ZipError;

use crate::meter::{Budget, Metered, read_bounded};
use crate::path;
use crate::{ArchiveError, ArchiveKind, Collector, Limits, LinkKind};

/// The longest symbolic-link target read (Linux's `PATH_MAX`).
const MAX_LINK_TARGET_BYTES: u64 = 4096;

/// Unix file-type bits (`S_IFMT`) and the special types refused.
const S_IFMT: u32 = 0o170_000;
const SPECIAL_TYPES: [(u32, &str); 4] = [
    (0o020_000, "character device"),
    (0o060_000, "block device"),
    (0o010_000, "FIFO"),
    (0o140_000, "socket"),
];

/// Reads every entry of the central directory into `out`.
pub(crate) fn read(bytes: &[u8], limits: &Limits, out: &mut Collector) -> Result<(), ArchiveError> {
    let budget = Budget::new(ArchiveKind::Zip, bytes.len(), limits);
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|err| zip_error(&budget, err, "in the central directory".to_owned()))?;
    if archive.len() > limits.max_entries {
        return Err(ArchiveError::TooManyEntries {
            limit: limits.max_entries,
        });
    }
    for index in 0..archive.len() {
        let mut file = archive
            .by_index(index)
            .map_err(|err| zip_error(&budget, err, format!("at entry #{index}")))?;
        let raw = entry_name(&file)?;
        let path = path::normalize(&raw)?;
        if file.encrypted() {
            return Err(ArchiveError::Unsupported {
                entry: raw,
                feature: "encryption".to_owned(),
            });
        }
        if let Some(file_type) = file
            .unix_mode()
            .and_then(|mode| SPECIAL_TYPES.iter().find(|(t, _)| mode & S_IFMT == *t))
        {
            return Err(ArchiveError::SpecialFile {
                entry: raw,
                file_type: file_type.1,
            });
        }
        if file.is_dir() {
            continue;
        }
        let location = || format!("at entry `{raw}`");
        if file.is_symlink() {
            let target = read_bounded(Metered::new(&mut file, &budget), 0, MAX_LINK_TARGET_BYTES)
                .map_err(|err| budget.error(&err, location()))?
                .ok_or_else(|| ArchiveError::Corrupt {
                    kind: ArchiveKind::Zip,
                    location: location(),
                    message: format!(
                        "symbolic link target longer than {MAX_LINK_TARGET_BYTES} bytes"
                    ),
                })?;
            let target = path::decode(&target)?;
            out.add_link(path::resolve_link(&path, target, LinkKind::Symbolic)?);
            continue;
        }
        if path.is_empty() {
            return Err(ArchiveError::InvalidPath {
                entry: raw,
                reason: "a file cannot be the archive root",
            });
        }
        let too_large = || ArchiveError::FileTooLarge {
            entry: raw.clone(),
            limit: limits.max_file_bytes,
        };
        // The declared size is untrusted; it only lets an honest oversized file fail early.
        let declared = file.size();
        if declared > limits.max_file_bytes {
            return Err(too_large());
        }
        let contents = read_bounded(
            Metered::new(&mut file, &budget),
            declared,
            limits.max_file_bytes,
        )
        .map_err(|err| budget.error(&err, location()))?
        .ok_or_else(too_large)?;
        out.add_file(path, contents);
    }
    Ok(())
}

/// The entry's name: UTF-8 when the archive says so, else decoded as CP437 (zip's legacy
/// encoding, which maps every byte to a character).
fn entry_name<R: std::io::Read>(file: &zip::read::ZipFile<'_, R>) -> Result<String, ArchiveError> {
    file.name()
        .map(|name| name.into_owned())
        .map_err(|_| ArchiveError::InvalidPath {
            entry: String::from_utf8_lossy(file.name_raw()).into_owned(),
            reason: "it is flagged UTF-8 but is not",
        })
}

/// Maps the zip crate's error: I/O errors may carry a crossed limit, the rest is corruption.
fn zip_error(budget: &Budget, err: ZipError, location: String) -> ArchiveError {
    match err {
        ZipError::Io(io) => budget.error(&io, location),
        other => ArchiveError::Corrupt {
            kind: ArchiveKind::Zip,
            location,
            message: other.to_string(),
        },
    }
}
