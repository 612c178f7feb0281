//! Limits enforced on the decompressed stream while it is produced.
//!
//! Every decompressing reader is wrapped in a [`Metered`] reader that counts its output
//! against one shared [`Budget`]. When a limit is crossed the read fails with a
//! [`LimitHit`] inside the `io::Error`, so the decoder stops at once; the format readers
//! turn it into the matching [`ArchiveError`] with [`Budget::error`].

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read};

use crate::{ArchiveError, ArchiveKind, Limits, RATIO_GRACE_BYTES};

/// Which limit a read crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitHit {
    Total,
    Ratio,
}

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitHit::Total => "total size limit reached",
            LimitHit::Ratio => "compression ratio limit reached",
        })
    }
}

impl std::error::Error for LimitHit {}

/// The decompressed-byte allowance of one archive.
pub(crate) struct Budget {
    kind: ArchiveKind,
    compressed: u64,
    max_total: u64,
    max_ratio: u64,
    /// Bytes past which the ratio limit is crossed (never below the grace size).
    ratio_allowance: u64,
    used: Cell<u64>,
}

impl Budget {
    pub(crate) fn new(kind: ArchiveKind, compressed_len: usize, limits: &Limits) -> Self {
        let compressed = u64::try_from(compressed_len).unwrap_or(u64::MAX);
        Budget {
            kind,
            compressed,
            max_total: limits.max_total_bytes,
            max_ratio: limits.max_ratio,
            ratio_allowance: compressed
                .saturating_mul(limits.max_ratio)
                .max(RATIO_GRACE_BYTES),
            used: Cell::new(0),
        }
    }

    /// Counts `n` more decompressed bytes, failing when a limit is crossed.
    pub(crate) fn charge(&self, n: usize) -> Result<(), LimitHit> {
        let used = self
            .used
            .get()
            .saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        self.used.set(used);
        if used > self.max_total {
            Err(LimitHit::Total)
        } else if used > self.ratio_allowance {
            Err(LimitHit::Ratio)
        } else {
            Ok(())
        }
    }

    /// The error for a failed read at `location`: a limit if one was hit, else corruption.
    pub(crate) fn error(&self, err: &io::Error, location: String) -> ArchiveError {
        match limit_hit(err) {
            Some(hit) => self.limit_error(hit, location),
            None => ArchiveError::Corrupt {
                kind: self.kind,
                location,
                message: err.to_string(),
            },
        }
    }

    /// The error for a crossed limit at `location`.
    pub(crate) fn limit_error(&self, hit: LimitHit, location: String) -> ArchiveError {
        match hit {
            LimitHit::Total => ArchiveError::TotalTooLarge {
                location,
                limit: self.max_total,
            },
            LimitHit::Ratio => ArchiveError::RatioExceeded {
                location,
                compressed: self.compressed,
                limit: self.max_ratio,
            },
        }
    }
}

/// The [`LimitHit`] inside an I/O error, looking through wrappers such as the tar
/// crate's, which re-wrap the inner error with a message.
fn limit_hit(err: &io::Error) -> Option<LimitHit> {
    let mut source: Option<&(dyn std::error::Error + 'static)> =
        err.get_ref().map(|inner| inner as _);
    while let Some(current) = source {
        if let Some(hit) = current.downcast_ref::<LimitHit>() {
            return Some(*hit);
        }
        if let Some(io) = current.downcast_ref::<io::Error>() {
            if let Some(hit) = io.get_ref().and_then(|e| e.downcast_ref::<LimitHit>()) {
                return Some(*hit);
            }
        }
        source = current.source();
    }
    None
}

/// A reader that charges everything it yields to a [`Budget`].
pub(crate) struct Metered<'b, R> {
    inner: R,
    budget: &'b Budget,
}

impl<'b, R> Metered<'b, R> {
    pub(crate) fn new(inner: R, budget: &'b Budget) -> Self {
        Metered { inner, budget }
    }
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.budget.charge(n).map_err(io::Error::other)?;
        Ok(n)
    }
}

/// Reads one regular file of at most `max_file_bytes`, returning `None` when it is larger.
/// `size_hint` (the size the archive declares, untrusted) only pre-sizes the buffer.
pub(crate) fn read_bounded(
    reader: impl Read,
    size_hint: u64,
    max_file_bytes: u64,
) -> io::Result<Option<Vec<u8>>> {
    /// Never trust a declared size for more than this much up-front allocation.
    const MAX_PREALLOCATION: u64 = 8 * 1024 * 1024;
    let capacity = usize::try_from(size_hint.min(MAX_PREALLOCATION)).unwrap_or(0);
    let mut contents = Vec::with_capacity(capacity);
    reader
        .take(max_file_bytes.saturating_add(1))
        .read_to_end(&mut contents)?;
    if u64::try_from(contents.len()).unwrap_or(u64::MAX) > max_file_bytes {
        Ok(None)
    } else {
        Ok(Some(contents))
    }
}
