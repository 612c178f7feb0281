//! Shared body of the fuzz targets: feed arbitrary bytes to one lockfile parser.
//!
//! A parser may return `Ok` or `Err` on any input; it must never panic, hang or run away with memory.

use tollgate_model::LockfileFormat;

/// Parses `data` as `format`, the way `tollgate inventory` would after reading a file.
pub fn parse(format: LockfileFormat, data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tollgate_lockfile::parse_str("fuzz-input", text, format);
    }
}
