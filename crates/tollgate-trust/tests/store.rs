//! Malformed stores: every problem names the file, the line (and column where TOML gives
//! one) and what was expected; evaluation never starts on a store that did not load.

use tollgate_model::FileError;
use tollgate_trust::{Error, Store};

/// Loads a store made of `files` (name, text) and returns its problems.
fn problems(files: &[(&str, &str)]) -> Vec<FileError> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    match Store::load(dir.path()) {
        Ok(_) => panic!("the store loaded"),
        Err(Error::Invalid(problems)) => problems,
        Err(other) => panic!("{other}"),
    }
}

fn one(files: &[(&str, &str)]) -> FileError {
    let mut all = problems(files);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

#[test]
fn toml_syntax_errors_have_line_and_column() {
    let problem = one(&[(
        "audits.toml",
        "[[audits.serde]]\ncriteria = \"safe-to-deploy\"\nversion = 1.0.0\n",
    )]);
    assert!(problem.path.ends_with("audits.toml"));
    assert_eq!(problem.line, Some(3));
    assert!(problem.column.is_some(), "{problem:?}");
}

#[test]
fn misspelled_keys_are_refused_not_ignored() {
    let problem = one(&[(
        "audits.toml",
        "\n[[audits.serde]]\ncritera = \"safe-to-deploy\"\nversion = \"1.0.0\"\n",
    )]);
    assert_eq!(problem.line, Some(3));
    assert!(
        problem.message.contains("unknown field `critera`"),
        "{}",
        problem.message
    );
}

#[test]
fn versions_follow_the_ecosystem_and_every_problem_is_listed() {
    let audits = "\
[[audits.serde]]
criteria = \"safe-to-deploy\"
version = \"1.0\"

[[audits.serde]]
criteria = \"safe-to-deploy\"
delta = \"1.0.0 to 1.0.1\"

[[audits.serde]]
criteria = \"safe-to-deploy\"
version = \"1.0.0\"
delta = \"1.0.0 -> 1.0.1\"

[[audits.\"npm:left-pad\"]]
criteria = \"safe-to-deploy\"
violation = \"^1.x.q\"

[[audits.\"pypi:requests\"]]
criteria = \"safe-to-deploy\"
version = \"2.0\"
";
    let all = problems(&[("audits.toml", audits)]);
    let lines: Vec<Option<u32>> = all.iter().map(|p| p.line).collect();
    assert_eq!(lines, [Some(3), Some(7), Some(9), Some(16)], "{all:?}");
    assert!(
        all[0].message.contains("bad crates.io version"),
        "{}",
        all[0].message
    );
    assert!(all[1].message.contains("FROM -> TO"), "{}", all[1].message);
    assert!(
        all[2].message.contains("exactly one of"),
        "{}",
        all[2].message
    );
    assert!(
        all[3].message.contains("bad violation range"),
        "{}",
        all[3].message
    );
}

#[test]
fn criteria_must_be_defined() {
    let problem = one(&[(
        "audits.toml",
        "[[audits.serde]]\nwho = \"a\"\ncriteria = \"safe-to-depoly\"\nversion = \"1.0.0\"\n",
    )]);
    assert_eq!(problem.line, Some(3));
    assert!(
        problem
            .message
            .contains("`safe-to-depoly` is not a criteria")
    );
    let problem = one(&[(
        "audits.toml",
        "[criteria.safe-to-deploy]\ndescription = \"mine\"\n",
    )]);
    assert!(problem.message.contains("built-in"), "{}", problem.message);
    let problem = one(&[(
        "config.toml",
        "[[exemptions.serde]]\nversion = \"1.0.0\"\ncriteria = \"crypto\"\n",
    )]);
    assert!(problem.path.ends_with("config.toml"));
    assert_eq!(problem.line, Some(3));
}

#[test]
fn keys_name_known_ecosystems_and_publisher_tables_take_crates_only() {
    let problem = one(&[(
        "audits.toml",
        "[[audits.\"maven:junit\"]]\ncriteria = \"safe-to-run\"\nversion = \"4.13\"\n",
    )]);
    assert_eq!(problem.line, Some(1));
    assert!(
        problem.message.contains("`npm:` or `pypi:`"),
        "{}",
        problem.message
    );
    let problem = one(&[(
        "audits.toml",
        "[[wildcard-audits.\"npm:lodash\"]]\ncriteria = \"safe-to-run\"\nuser-id = 1\nstart = \"2024-01-01\"\nend = \"2025-01-01\"\n",
    )]);
    assert!(
        problem.message.contains("crates.io publisher records"),
        "{}",
        problem.message
    );
    let problem = one(&[(
        "audits.toml",
        "[[trusted.serde]]\ncriteria = \"safe-to-run\"\nuser-id = 1\nstart = \"2024-13-01\"\nend = \"2025-01-01\"\n",
    )]);
    assert_eq!(problem.line, Some(4));
    assert!(
        problem.message.contains("not a date"),
        "{}",
        problem.message
    );
}

#[test]
fn imports_must_be_locked_and_unimported_peers_are_ignored() {
    let config = "[imports.friends]\nurl = \"https://friends.example/audits.toml\"\n";
    let problem = one(&[("config.toml", config)]);
    assert!(problem.path.ends_with("imports.lock"));
    assert!(
        problem.message.contains("tollgate trust fetch"),
        "{}",
        problem.message
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    std::fs::write(
        dir.path().join("imports.lock"),
        "[[audits.stranger.audits.serde]]\ncriteria = \"safe-to-deploy\"\nversion = \"1.0.0\"\n",
    )
    .unwrap();
    let store = Store::load(dir.path()).unwrap();
    assert_eq!(store.warnings.len(), 1);
    assert!(store.warnings[0].message.contains("not used"));
}

#[test]
fn problems_of_every_file_are_reported_together() {
    let all = problems(&[
        (
            "config.toml",
            "[policy.\"npm:lodash\"]\naudit-as-crates-io = true\n",
        ),
        ("audits.toml", "[[audits.serde]]\n"),
        (
            "imports.lock",
            "[[publisher.serde]]\nversion = \"1.0.0\"\nwhen = \"2024-01-01\"\n",
        ),
    ]);
    let files: Vec<&str> = all
        .iter()
        .map(|p| p.path.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        files,
        ["config.toml", "audits.toml", "imports.lock"],
        "{all:?}"
    );
}

#[test]
fn a_directory_without_store_files_is_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let error = Store::load(dir.path()).unwrap_err();
    assert!(matches!(error, Error::MissingStore { .. }), "{error}");
}

#[test]
fn entries_cargo_vet_would_refuse_are_warned_about_in_a_shared_store() {
    let dir = tempfile::tempdir().unwrap();
    let audits = "\
[[audits.\"pypi:django\"]]
criteria = \"safe-to-deploy\"
version = \"4.2\"

[[audits.\"npm:left-pad\"]]
criteria = \"safe-to-deploy\"
version = \"1.3.0\"

[[audits.\"npm:event-stream\"]]
criteria = \"safe-to-run\"
violation = \">=3.3.6 <4\"
";
    std::fs::write(dir.path().join("audits.toml"), audits).unwrap();
    let policy = "[policy.\"npm:left-pad\"]\ncriteria = \"safe-to-run\"\n";
    std::fs::write(dir.path().join("config.toml"), policy).unwrap();
    assert!(
        Store::load(dir.path()).unwrap().warnings.is_empty(),
        "not shared with cargo-vet"
    );

    let shared = format!("[cargo-vet]\nversion = \"0.10\"\n\n{policy}");
    std::fs::write(dir.path().join("config.toml"), shared).unwrap();
    let store = Store::load(dir.path()).unwrap();
    let warnings: Vec<(Option<u32>, &str)> = store
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings[0].1.contains("`4.2` (pypi:django) is not SemVer"),
        "{warnings:?}"
    );
    assert_eq!(warnings[0].0, Some(1));
    assert!(
        warnings[1].1.contains("not a Cargo version requirement"),
        "{warnings:?}"
    );
    assert!(
        warnings[2].1.contains("policy key `npm:left-pad`"),
        "{warnings:?}"
    );
}
