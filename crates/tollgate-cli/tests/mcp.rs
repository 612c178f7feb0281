//! `tollgate mcp`: a scripted JSON-RPC session over stdio (initialize, the initialized
//! notification, tools/list, tools/call), as an MCP client sends it. No network:
//! `--offline`, an empty cache of the test's own, the fixture advisory index.

use serde_json::{Value, json};

mod common;

/// Sends `messages` (one per line) to `tollgate mcp --offline ARGS` and returns the replies.
fn session(args: &[&str], messages: &[Value]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let mut stdin: String = messages.iter().map(|m| format!("{m}\n")).collect();
    stdin.push_str("not json\n");
    let output = common::tollgate()
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", dir.path())
        .env("HOME", dir.path())
        .args(["mcp", "--offline"])
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let replies: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("every stdout line is one JSON message"))
        .collect();
    // The last reply answers the line that was not JSON: a parse error, and the loop went on
    // to the end of input.
    let last = replies.last().unwrap();
    assert_eq!(last["error"]["code"], -32700);
    replies[..replies.len() - 1].to_vec()
}

fn request(id: u64, method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

fn check(id: u64, name: &str, version: Option<&str>) -> Value {
    let mut arguments = json!({ "ecosystem": "crates.io", "name": name });
    if let Some(version) = version {
        arguments["version"] = json!(version);
    }
    request(
        id,
        "tools/call",
        json!({ "name": "check_package", "arguments": arguments }),
    )
}

#[test]
fn initialize_list_and_check_packages() {
    let db = common::fixture_db();
    let db = db.path().to_str().unwrap();
    let replies = session(
        &["--allow-missing-db", "--db", db],
        &[
            request(
                1,
                "initialize",
                json!({"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "scripted", "version": "1"}}),
            ),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            request(2, "tools/list", json!({})),
            check(3, "chrono_anchor", Some("0.1.0")),
            check(4, "proc-macro1", None),
            request(
                5,
                "tools/call",
                json!({"name": "check_package", "arguments": {}}),
            ),
            request(6, "no/such/method", json!({})),
        ],
    );
    // The notification got no reply: six requests, six replies, in order.
    let ids: Vec<u64> = replies.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);

    assert_eq!(replies[0]["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(replies[0]["result"]["serverInfo"]["name"], "tollgate");
    let tools: Vec<&str> = replies[1]["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["check_package", "scan_project", "install"]);

    // A crate with a malicious-package record in the fixture index.
    let malicious = &replies[2]["result"];
    assert_eq!(malicious["isError"], false);
    let text = malicious["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("do not install"), "{text}");
    assert_eq!(
        malicious["structuredContent"]["report"]["name"],
        "chrono_anchor"
    );
    let findings = malicious["structuredContent"]["report"]["findings"]
        .as_array()
        .unwrap();
    assert!(!findings.is_empty());

    // A squat of proc-macro2, named without a version.
    let squat = replies[3]["result"]["content"][0]["text"].as_str().unwrap();
    assert!(squat.starts_with("do not install"), "{squat}");
    assert!(squat.contains("names-typosquat"), "{squat}");

    assert_eq!(replies[4]["error"]["code"], -32602);
    assert_eq!(replies[5]["error"]["code"], -32601);
}

#[test]
fn a_check_that_cannot_be_made_is_a_tool_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-index");
    let replies = session(
        &["--db", missing.to_str().unwrap()],
        &[check(1, "serde", Some("1.0.200"))],
    );
    let result = &replies[0]["result"];
    assert_eq!(result["isError"], true, "{result}");
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("could not check (exit 2)")
    );
}

#[test]
fn scan_project_reports_the_lockfiles_findings() {
    let db = common::fixture_db();
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("Cargo.lock"),
        "version = 4\n\n[[package]]\nname = \"chrono_anchor\"\nversion = \"0.1.0\"\n\
         source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\
         checksum = \"0000000000000000000000000000000000000000000000000000000000000000\"\n",
    )
    .unwrap();
    let replies = session(
        &["--db", db.path().to_str().unwrap()],
        &[request(
            1,
            "tools/call",
            json!({"name": "scan_project",
                   "arguments": {"path": project.path().to_str().unwrap()}}),
        )],
    );
    let result = &replies[0]["result"];
    let text = result["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("findings:"), "{text}");
    assert!(
        text.contains("chrono_anchor") || text.contains("malicious"),
        "{text}"
    );
}
