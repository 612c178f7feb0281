//! Parsers for the npm ecosystem's lockfiles: npm, Yarn, pnpm and Bun.

pub(crate) mod bun;
mod hashes;
mod json;
pub(crate) mod package_lock;
pub(crate) mod pnpm;
mod source;
mod yaml;
pub(crate) mod yarn;

use tollgate_model::FileError;

/// A non-fatal problem at `line` of `path`.
fn warning(path: &str, line: Option<u32>, message: String) -> FileError {
    FileError {
        code: None,
        path: path.to_owned(),
        line,
        column: None,
        message,
    }
}
