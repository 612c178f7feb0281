//! `tollgate hook`: Claude Code `PreToolUse` payloads (recorded in the shape Claude Code
//! sends) on stdin; exit 0 lets the call run, exit 2 blocks it with the reason on stderr.
//! No network: `--offline`, an empty cache of the test's own, the fixture advisory index.

use predicates::str::contains;

mod common;

/// A `PreToolUse` payload for the Bash tool proposing `command`.
fn payload(command: &str) -> String {
    serde_json::json!({
        "session_id": "0f3c1e2a-test",
        "transcript_path": "/tmp/transcript.jsonl",
        "cwd": "/tmp/project",
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command, "description": "Install a dependency"},
    })
    .to_string()
}

/// `tollgate hook --offline ARGS` with `stdin`, in a scratch directory.
fn hook(args: &[&str], stdin: String) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    common::tollgate()
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", dir.path())
        .env("HOME", dir.path())
        .args(["hook", "--offline"])
        .args(args)
        .write_stdin(stdin)
        .assert()
}

#[test]
fn a_typosquat_install_is_blocked_with_the_reason() {
    hook(
        &["--allow-missing-db"],
        payload("cd app && pip install reqeusts"),
    )
    .code(2)
    .stderr(contains("tollgate blocked this command"))
    .stderr(contains("`requests`"))
    .stderr(contains("names-typosquat"));
    hook(&["--allow-missing-db"], payload("npm i -D expresss"))
        .code(2)
        .stderr(contains("`express`"));
    hook(&["--allow-missing-db"], payload("cargo add proc-macro1"))
        .code(2)
        .stderr(contains("proc-macro2"));
}

#[test]
fn a_malicious_package_is_blocked() {
    let db = common::fixture_db();
    let db = db.path().to_str().unwrap();
    hook(
        &["--allow-missing-db", "--db", db],
        payload("cargo add chrono_anchor@0.1.0"),
    )
    .code(2)
    .stderr(contains("[malicious]"));
}

#[test]
fn clean_installs_and_other_commands_pass() {
    hook(
        &["--allow-missing-db"],
        payload("npm install lodash@4.17.21 && uv add requests"),
    )
    .code(0)
    .stderr("");
    // Not an install: passes without an index, a cache or a policy.
    hook(&[], payload("ls -la && git status && npm run build"))
        .code(0)
        .stderr("");
    let edit = serde_json::json!({
        "hook_event_name": "PreToolUse",
        "tool_name": "Edit",
        "tool_input": {"file_path": "/tmp/x", "old_string": "a", "new_string": "b"},
    });
    hook(&[], edit.to_string()).code(0);
}

/// Fails closed: an install it cannot check, or a payload it cannot read, is blocked.
#[test]
fn what_cannot_be_checked_is_blocked() {
    hook(&[], payload("pip install requests"))
        .code(2)
        .stderr(contains("cannot check"))
        .stderr(contains("no advisory index"));
    hook(&["--allow-missing-db"], "not json".into())
        .code(2)
        .stderr(contains("not a pre-tool JSON object"));
}
