//! The global `-q/--quiet` and `-v/--verbose` flags: notes go to stderr unless `-q`; `-q`
//! never hides the report or an error; `-v` adds what tollgate is doing. Both are accepted
//! before or after the subcommand.

mod common;

use std::path::Path;

fn scan(dir: &Path, flags: &[&str]) -> std::process::Output {
    common::tollgate()
        .current_dir(dir)
        .args(flags)
        .args(["scan", "--allow-missing-db", "--db"])
        .arg(dir.join("no-db"))
        .arg(".")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn quiet_hides_notes_not_the_report_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    common::cargo_lock(dir.path(), &[("serde", "1.0.0")]);

    let normal = scan(dir.path(), &[]);
    assert_eq!(normal.status.code(), Some(0), "{}", text(&normal.stderr));
    assert!(
        text(&normal.stderr).contains("note: "),
        "{}",
        text(&normal.stderr)
    );

    for flags in [&["-q"][..], &["--quiet"]] {
        let quiet = scan(dir.path(), flags);
        assert_eq!(quiet.status.code(), Some(0));
        assert_eq!(text(&quiet.stderr), "", "{flags:?}");
        assert_eq!(quiet.stdout, normal.stdout, "the report is the same");
    }
    // After the subcommand too.
    let after = common::tollgate()
        .current_dir(dir.path())
        .args(["scan", "-q", "--allow-missing-db", "--db"])
        .arg(dir.path().join("no-db"))
        .arg(".")
        .output()
        .unwrap();
    assert_eq!(text(&after.stderr), "");

    // An error still shows, and still exits 2.
    common::write(dir.path(), "sub/package-lock.json", "{ not json");
    let broken = scan(dir.path(), &["-q"]);
    assert_eq!(broken.status.code(), Some(2));
    let stderr = text(&broken.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("note: "), "{stderr}");
}

#[test]
fn verbose_says_what_it_does() {
    let dir = tempfile::tempdir().unwrap();
    common::cargo_lock(dir.path(), &[("serde", "1.0.0"), ("log", "0.4.0")]);
    let verbose = scan(dir.path(), &["-v"]);
    assert_eq!(verbose.status.code(), Some(0));
    let stderr = text(&verbose.stderr);
    assert!(
        stderr.contains("info: parsed 1 lockfiles (2 packages) in "),
        "{stderr}"
    );
    assert!(stderr.contains("note: "), "-v keeps the notes: {stderr}");
    assert!(
        !text(&verbose.stdout).contains("info: "),
        "stdout is the report"
    );

    let both = scan(dir.path(), &["-q", "-v"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(
        text(&both.stderr).contains("cannot be used with"),
        "{}",
        text(&both.stderr)
    );
}
