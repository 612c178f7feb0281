//! `tollgate diff` and the policy: each lockfile under its nearest `tollgate.toml` as
//! committed at the base (`--policy-from head` for the head's, `--config` for one file), the
//! `policy-changed` warning, and `--fail-on` by verdict name. The repository and database
//! are `common::diff_repo`'s. No network.

use serde_json::Value;

mod common;
use common::diff_repo::*;
use common::{git, tollgate};

/// The lockfiles of one `diff` report with the policy each ran under.
fn policies(json: &Value) -> Vec<(String, String)> {
    json["lockfiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let policy = l["policy"].as_str().unwrap_or("(none)");
            (l["path"].as_str().unwrap().to_owned(), policy.to_owned())
        })
        .collect()
}

#[test]
fn each_lockfile_is_checked_under_its_nearest_policy() {
    // The base's policies: the root one bans the new lodash and is-odd; web/ has its
    // own, which bans nothing, so web/pnpm-lock.yaml's new is-odd is not banned.
    let root_policy = "[bans]\ndeny = [\n  { ecosystem = \"npm\", name = \"is-odd\" },\n  { ecosystem = \"npm\", name = \"lodash\", version = \">=4.17.21\" },\n]\n";
    let repo = repository_with(&[
        ("tollgate.toml", root_policy),
        ("web/tollgate.toml", "[bans]\ndeny = []\n"),
    ]);
    let db = database();
    let dir = repo.path();
    let bans = |json: &Value, path: &str, name: &str| {
        codes(&change(json, path, name)["new_findings"])
            .into_iter()
            .filter(|(code, _)| code == "bans")
            .count()
    };

    let json = diff_json(dir, db.path(), &["HEAD~1", "HEAD"], 1);
    assert_eq!(
        policies(&json),
        [
            ("Cargo.lock".into(), "tollgate.toml".into()),
            ("package-lock.json".into(), "tollgate.toml".into()),
            ("py/uv.lock".into(), "tollgate.toml".into()),
            ("web/pnpm-lock.yaml".into(), "web/tollgate.toml".into()),
        ]
    );
    assert_eq!(bans(&json, "package-lock.json", "lodash"), 1, "{json:#}");
    assert_eq!(bans(&json, "web/pnpm-lock.yaml", "is-odd"), 0, "{json:#}");
    // The table names each lockfile's policy too.
    let table = tollgate()
        .current_dir(dir)
        .args(["diff", "HEAD~1", "HEAD", "--db"])
        .arg(db.path())
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("web/pnpm-lock.yaml (npm, modified, policy web/tollgate.toml at HEAD~1 ("),
        "{table}"
    );

    // --config: one policy for every lockfile.
    let json = diff_json(
        dir,
        db.path(),
        &["HEAD~1", "HEAD", "--config", "tollgate.toml"],
        1,
    );
    assert!(
        policies(&json)
            .iter()
            .all(|(_, policy)| policy == "tollgate.toml"),
        "{json:#}"
    );
    assert_eq!(bans(&json, "web/pnpm-lock.yaml", "is-odd"), 1, "{json:#}");
}

#[test]
fn a_policy_changed_between_the_revisions_is_a_warning() {
    let repo = repository();
    let db = database();
    let dir = repo.path();
    let policy_changes = |json: &Value| -> Vec<String> {
        json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["code"] == "policy-changed")
            .map(|w| w["path"].as_str().unwrap().to_owned())
            .collect()
    };
    // No policy in either revision: nothing to say.
    let json = diff_json(dir, db.path(), &["HEAD~1", "HEAD"], 1);
    assert!(policy_changes(&json).is_empty(), "{json:#}");
    // A pull request that loosens the policy it is reviewed under says so.
    std::fs::write(
        dir.join("web/tollgate.toml"),
        "[bans]\ndeny = [{ ecosystem = \"npm\", name = \"is-odd\" }]\n",
    )
    .unwrap();
    git(dir, &["add", "web/tollgate.toml"]);
    git(dir, &["commit", "-q", "-m", "policy"]);
    std::fs::write(dir.join("web/tollgate.toml"), "[bans]\ndeny = []\n").unwrap();
    git(dir, &["commit", "-q", "-am", "loosen the policy"]);
    let json = diff_json(dir, db.path(), &["HEAD~1", "HEAD"], 0);
    assert_eq!(policy_changes(&json), ["web/tollgate.toml"], "{json:#}");
    // Against the working tree: an untracked new policy counts too.
    std::fs::write(dir.join("tollgate.toml"), "[bans]\ndeny = []\n").unwrap();
    let json = diff_json(dir, db.path(), &["HEAD"], 0);
    assert_eq!(policy_changes(&json), ["tollgate.toml"], "{json:#}");
}

#[test]
fn the_base_revision_s_policy_applies_unless_policy_from_head() {
    let repo = repository();
    let db = database();
    let dir = repo.path();
    // A base with the fixed requests, then a head that downgrades it (PYSEC-2099-1 is
    // back) and adds an ignore for that advisory to its own new policy.
    std::fs::write(
        dir.join("py/uv.lock"),
        uv_lock(&[("requests", "2.31.0"), ("idna", "3.7")]),
    )
    .unwrap();
    git(dir, &["commit", "-q", "-am", "fix requests"]);
    std::fs::write(
        dir.join("py/uv.lock"),
        uv_lock(&[("requests", "2.30.0"), ("idna", "3.7")]),
    )
    .unwrap();
    std::fs::write(
        dir.join("py/tollgate.toml"),
        "[advisories]\nignore = [{ id = \"PYSEC-2099-1\", reason = \"trust me\" }]\n",
    )
    .unwrap();
    git(dir, &["add", "py/tollgate.toml"]);
    git(dir, &["commit", "-q", "-am", "downgrade and ignore"]);
    let pysec = |json: &Value| codes(&change(json, "py/uv.lock", "requests")["new_findings"]);
    let vulnerable = [("vulnerability".to_owned(), "PYSEC-2099-1".to_owned())];

    // The default: the base's policy (none: the defaults), so the ignore does not count.
    let json = diff_json(dir, db.path(), &["HEAD~1", "HEAD"], 1);
    assert_eq!(pysec(&json), vulnerable, "{json:#}");
    let lockfile = &json["lockfiles"][0];
    assert_eq!(lockfile["policy"], "<default>");
    assert!(
        lockfile["policy_revision"]
            .as_str()
            .unwrap()
            .starts_with("HEAD~1 ("),
        "{json:#}"
    );
    let warning = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "policy-changed")
        .unwrap_or_else(|| panic!("{json:#}"));
    assert_eq!(warning["path"], "py/tollgate.toml");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("applies the base's policy files (HEAD~1 ("),
        "{warning:#}"
    );
    // The same for the working tree as head (the policy file is on disk there).
    diff_json(dir, db.path(), &["HEAD~1"], 1);

    // --policy-from head: the head's new file applies, and hides the advisory.
    for args in [
        &["HEAD~1", "HEAD", "--policy-from", "head"][..],
        &["HEAD~1", "--policy-from", "head"],
    ] {
        let json = diff_json(dir, db.path(), args, 0);
        assert_eq!(pysec(&json), [], "{args:?}: {json:#}");
        assert_eq!(json["lockfiles"][0]["policy"], "py/tollgate.toml");
    }

    // A base policy that does not parse is an error naming the revision and the path,
    // never the defaults.
    std::fs::write(dir.join("py/tollgate.toml"), "[advisories\n").unwrap();
    git(dir, &["commit", "-q", "-am", "broken policy"]);
    std::fs::write(
        dir.join("py/uv.lock"),
        uv_lock(&[("requests", "2.31.0"), ("idna", "3.7")]),
    )
    .unwrap();
    git(dir, &["commit", "-q", "-am", "head"]);
    tollgate()
        .current_dir(dir)
        .args(["diff", "HEAD~1", "HEAD", "--db"])
        .arg(db.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("py/tollgate.toml at HEAD~1 ("));
    // --policy-from with two lockfile paths has nothing to choose from.
    tollgate()
        .current_dir(dir)
        .args([
            "diff",
            "py/uv.lock",
            "py/uv.lock",
            "--policy-from",
            "base",
            "--db",
        ])
        .arg(db.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--policy-from"));
}

#[test]
fn fail_on_takes_verdict_names() {
    let repo = repository();
    let db = database();
    let dir = repo.path();
    // HEAD -> HEAD~1 brings back lodash's advisory (high): `suspicious` is the high of a
    // suspicious verdict's finding, `malicious` the critical of a malicious one.
    diff_json(
        dir,
        db.path(),
        &["HEAD", "HEAD~1", "--fail-on", "suspicious"],
        1,
    );
    diff_json(
        dir,
        db.path(),
        &["HEAD", "HEAD~1", "--fail-on", "malicious"],
        0,
    );
    // HEAD~1 -> HEAD brings the MAL record (critical).
    diff_json(
        dir,
        db.path(),
        &["HEAD~1", "HEAD", "--fail-on", "malicious"],
        1,
    );
    // `scan` and `policy` take the same names; PYSEC-2099-1 has no score (`unscored`,
    // high by default).
    for (level, code) in [("suspicious", 1), ("malicious", 0)] {
        tollgate()
            .current_dir(dir)
            .args(["scan", "py/uv.lock", "--fail-on", level, "--db"])
            .arg(db.path())
            .assert()
            .code(code);
    }
    tollgate()
        .args(["scan", "--fail-on", "clean"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nor a verdict"));
    for command in ["diff", "scan", "policy"] {
        tollgate()
            .args([command, "--help"])
            .assert()
            .success()
            .stdout(predicates::str::contains("suspicious"));
    }
}
