//! The CI integration files at the repository root: `action.yml` (the composite GitHub
//! Action) and `.pre-commit-hooks.yaml` parse, use only flags `tollgate diff` has, and the
//! hook's `files` pattern matches exactly the lockfile names discovery recognizes.

mod common;

use std::path::{Path, PathBuf};

use predicates::Predicate as _;
use serde_yaml_ng::Value;

fn repository_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(name)
}

fn yaml(name: &str) -> Value {
    let text = std::fs::read_to_string(repository_file(name)).unwrap();
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn action_runs_diff_with_real_flags() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    for input in ["fail-on", "config", "working-directory"] {
        assert!(
            action["inputs"].get(input).is_some(),
            "action.yml has no `{input}` input"
        );
    }
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    assert!(
        steps.iter().any(|step| step["uses"]
            .as_str()
            .is_some_and(|uses| uses.starts_with("github/codeql-action/upload-sarif@"))),
        "no SARIF upload step"
    );
    let scripts: Vec<&str> = steps
        .iter()
        .filter_map(|step| step["run"].as_str())
        .collect();
    let diff_lines: Vec<&str> = scripts
        .iter()
        .flat_map(|script| script.lines())
        .filter(|line| line.trim_start().starts_with("tollgate diff"))
        .collect();
    assert_eq!(diff_lines.len(), 2, "one markdown run and one sarif run");
    let script = scripts.join("\n");
    for expected in ["--format markdown", "--format sarif", "GITHUB_STEP_SUMMARY"] {
        assert!(script.contains(expected), "action.yml lacks `{expected}`");
    }
    let help = common::tollgate()
        .args(["diff", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let flags = script
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .map(|word| word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()));
    for flag in flags {
        // `--locked`, `--path`, `--root` belong to cargo install, `--no-tags` and `--depth`
        // to git fetch: the others are tollgate's.
        if ["--locked", "--path", "--root", "--no-tags", "--depth"]
            .iter()
            .any(|other| flag.starts_with(other))
        {
            continue;
        }
        assert!(help.contains(flag), "`tollgate diff` has no flag {flag}");
    }
}

#[test]
fn pre_commit_hook_matches_the_lockfiles_discovery_finds() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hook = hooks
        .as_sequence()
        .unwrap()
        .iter()
        .find(|hook| hook["id"] == "tollgate-scan")
        .expect("a tollgate-scan hook");
    assert_eq!(hook["entry"], "tollgate scan");
    let files = predicates::str::is_match(hook["files"].as_str().unwrap()).unwrap();
    let names = [
        "package-lock.json",
        "web/npm-shrinkwrap.json",
        "yarn.lock",
        "apps/site/pnpm-lock.yaml",
        "bun.lock",
        "uv.lock",
        "poetry.lock",
        "pdm.lock",
        "Pipfile.lock",
        "Cargo.lock",
        "pylock.toml",
        "pylock.dev.toml",
        "requirements.txt",
        "requirements-dev.txt",
        "requirements/base.txt",
        // Not lockfiles.
        "package.json",
        "Cargo.toml",
        "pyproject.toml",
        "notes.txt",
        "yarn.lock.orig",
        "pylock.toml.bak",
    ];
    for name in names {
        let recognized = tollgate_lockfile::detect_format(Path::new(name)).is_some();
        assert_eq!(
            files.eval(name),
            recognized,
            "`files` and discovery disagree on {name}"
        );
    }
}
