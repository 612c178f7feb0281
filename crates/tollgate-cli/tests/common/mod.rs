//! Helpers shared by the CLI test binaries (each `tests/*.rs` that declares `mod common;`).

#![allow(dead_code)] // Each test binary uses its own subset.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The advisory crate's fixture OSV records and lockfiles.
pub fn advisory_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tollgate-advisory/tests/fixtures")
}

/// The `tollgate` binary, isolated from the developer's `TOLLGATE_DB`.
pub fn tollgate() -> Command {
    let mut command = Command::cargo_bin("tollgate").unwrap();
    command.env_remove("TOLLGATE_DB");
    command
}

/// A database imported from the fixture OSV records.
pub fn fixture_db() -> tempfile::TempDir {
    let db = tempfile::tempdir().unwrap();
    tollgate()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(advisory_fixtures().join("osv"))
        .assert()
        .success();
    db
}
