//! `tollgate mcp`: a Model Context Protocol server on standard input/output, so a coding
//! agent can ask the gate before it adds a dependency. Tools: `check_package` (what
//! `tollgate check` answers), `scan_project` (`tollgate scan`) and `install` (`tollgate
//! install`, the whole gate: refusals leave the project as it was).
//!
//! The transport is MCP's stdio transport: one JSON-RPC 2.0 message per line. It is a small
//! loop rather than the `rmcp` SDK because the SDK brings an async runtime and proc-macro
//! crates (`rmcp-macros`, `schemars_derive`) for four methods, against the rule that
//! build-time code in our own dependency tree stays rare (`docs/dependencies.md`).
//!
//! Each tool runs this same binary as a child process with the subcommand's `--format
//! json`, so the answer is exactly what the command line gives (one pipeline, never re-wired
//! here) and nothing a subcommand prints can corrupt the protocol stream on stdout.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;
use serde_json::{Value, json};

use crate::exit::Status;

/// The protocol revision answered when the client asks for one this server does not know.
const PROTOCOL_VERSION: &str = "2025-06-18";
/// Revisions this server speaks (the tool and result shapes it uses are common to them).
const KNOWN_VERSIONS: [&str; 3] = ["2024-11-05", "2025-03-26", "2025-06-18"];
/// The longest message line accepted; longer input is refused, not buffered without bound.
const MAX_LINE: usize = 1 << 20;

/// The managers `install` accepts: the `tollgate install` subcommand's own list.
fn managers() -> Vec<&'static str> {
    tollgate_sandbox::fetch::Manager::ALL
        .iter()
        .map(|manager| manager.name())
        .collect()
}

/// `tollgate mcp`: the hook's flags (policy file, `--offline`, `--db`, `--allow-missing-db`),
/// passed on to every tool call.
pub use crate::commands::hook::HookArgs as McpArgs;

/// Serves requests until standard input ends.
pub fn run(args: &McpArgs) -> anyhow::Result<Status> {
    let exe = std::env::current_exe().context("cannot find the tollgate binary to run tools")?;
    let server = Server { args, exe };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut stdout = std::io::stdout().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = input
            .by_ref()
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .context("cannot read standard input")?;
        if read == 0 {
            return Ok(Status::Clean);
        }
        let reply = if line.len() > MAX_LINE {
            // Skip the rest of the oversized line so the next message is read whole.
            skip_line(&mut input)?;
            Some(error_reply(
                Value::Null,
                -32700,
                "message longer than 1 MiB",
            ))
        } else if line.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            server.handle(&line)
        };
        if let Some(reply) = reply {
            serde_json::to_writer(&mut stdout, &reply)?;
            stdout.write_all(b"\n")?;
            stdout.flush()?;
        }
    }
}

fn skip_line(input: &mut impl BufRead) -> anyhow::Result<()> {
    let mut rest = Vec::new();
    loop {
        rest.clear();
        let read = input
            .by_ref()
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut rest)?;
        if read == 0 || rest.last() == Some(&b'\n') {
            return Ok(());
        }
    }
}

struct Server<'a> {
    args: &'a McpArgs,
    exe: PathBuf,
}

impl Server<'_> {
    /// The reply to one message; `None` for a notification.
    fn handle(&self, line: &[u8]) -> Option<Value> {
        let message: Value = match serde_json::from_slice(line) {
            Ok(message) => message,
            Err(error) => return Some(error_reply(Value::Null, -32700, &error.to_string())),
        };
        let id = message.get("id").cloned();
        let Some(method) = message.get("method").and_then(Value::as_str) else {
            return id.map(|id| error_reply(id, -32600, "not a request: no method"));
        };
        // A notification (no id) gets no reply, whatever its method.
        let id = id?;
        let params = message.get("params").cloned().unwrap_or(Value::Null);
        let result = match method {
            "initialize" => Ok(initialize(&params)),
            "ping" => Ok(json!({})),
            "tools/list" => Ok(json!({ "tools": tools() })),
            "tools/call" => self.call(&params),
            _ => Err((-32601, format!("unknown method {method}"))),
        };
        Some(match result {
            Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
            Err((code, message)) => error_reply(id, code, &message),
        })
    }

    fn call(&self, params: &Value) -> Result<Value, (i64, String)> {
        let name = params.get("name").and_then(Value::as_str).unwrap_or("");
        let empty = json!({});
        let arguments = params.get("arguments").unwrap_or(&empty);
        let text = |key: &str| arguments.get(key).and_then(Value::as_str);
        let invalid = |why: &str| (-32602, format!("{name}: {why}"));
        match name {
            "check_package" => {
                let ecosystem = text("ecosystem").ok_or_else(|| invalid("needs `ecosystem`"))?;
                let package = text("name").ok_or_else(|| invalid("needs `name`"))?;
                let package = match text("version") {
                    Some(version) => format!("{package}@{version}"),
                    None => package.to_owned(),
                };
                let mut command = self.tollgate("check");
                if self.args.offline {
                    command.arg("--offline");
                }
                command.args(["--format", "json", "--", ecosystem, &package]);
                Ok(self.outcome(command, Tool::Check))
            }
            "scan_project" => {
                let path = text("path").ok_or_else(|| invalid("needs `path`"))?;
                let mut command = self.tollgate("scan");
                command.args(["--format", "json", "--"]).arg(path);
                Ok(self.outcome(command, Tool::Scan))
            }
            "install" => {
                let manager = text("manager").ok_or_else(|| invalid("needs `manager`"))?;
                if !managers().contains(&manager) {
                    return Err(invalid(&format!(
                        "`manager` is one of {}",
                        managers().join(", ")
                    )));
                }
                let packages = string_list(arguments.get("args"))
                    .ok_or_else(|| invalid("`args` is a list of strings"))?;
                let project = text("path").map_or_else(|| Path::new("."), Path::new);
                let mut command = self.tollgate("install");
                command.arg(manager).arg("--").args(packages);
                command.current_dir(project);
                Ok(self.outcome(command, Tool::Install))
            }
            _ => Err((-32602, format!("unknown tool {name}"))),
        }
    }

    /// `tollgate SUBCOMMAND` with the server's own flags.
    fn tollgate(&self, subcommand: &str) -> Command {
        let mut command = Command::new(&self.exe);
        command.arg(subcommand).stdin(Stdio::null());
        if let Some(config) = &self.args.config {
            command.arg("--config").arg(config);
        }
        if let Some(db) = &self.args.location.db {
            command.arg("--db").arg(db);
        }
        if self.args.allow_missing_db {
            command.arg("--allow-missing-db");
        }
        command
    }

    /// Runs a tool's command and turns its exit status and output into an MCP tool result.
    fn outcome(&self, mut command: Command, tool: Tool) -> Value {
        let output = match command.output() {
            Ok(output) => output,
            Err(error) => return tool_error(&format!("cannot run tollgate: {error}")),
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let report: Option<Value> = serde_json::from_str(&stdout).ok();
        let verdict = match (output.status.code(), tool) {
            (Some(0), Tool::Check) => "clean: no check failed; you may add this package",
            (Some(0), Tool::Scan) => "clean: nothing at or above the failure threshold",
            (Some(0), Tool::Install) => "installed: every check passed",
            (Some(1), Tool::Check) => "do not install: a check failed (see findings)",
            (Some(1), Tool::Scan) => "findings: the project has dependencies that fail a check",
            (Some(1), Tool::Install) => "refused: nothing was installed (see the reasons)",
            _ => {
                return tool_error(&format!(
                    "could not check (exit {}): {}",
                    output
                        .status
                        .code()
                        .map_or_else(|| "by signal".to_owned(), |code| code.to_string()),
                    stderr.trim()
                ));
            }
        };
        let mut text = verdict.to_owned();
        for line in report.as_ref().map(finding_lines).unwrap_or_default() {
            text.push_str("\n- ");
            text.push_str(&line);
        }
        if !stderr.trim().is_empty() {
            text.push_str("\n\n");
            text.push_str(&tollgate_model::escape_text(stderr.trim()));
        }
        if tool == Tool::Install && !stdout.trim().is_empty() {
            text.push_str("\n\n");
            text.push_str(stdout.trim());
        }
        let mut result = json!({
            "content": [{ "type": "text", "text": text }],
            "isError": false,
        });
        if let Some(report) = report {
            result["structuredContent"] = json!({ "verdict": verdict, "report": report });
        }
        result
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Check,
    Scan,
    Install,
}

/// One line per finding of a JSON report (`check`'s and `scan`'s both have `findings`), for
/// agents that read only the text content. Foreign text is escaped.
fn finding_lines(report: &Value) -> Vec<String> {
    let field = |finding: &Value, key: &str| -> String {
        let text = finding.get(key).and_then(Value::as_str).unwrap_or_default();
        tollgate_model::escape_text(text).into_owned()
    };
    report
        .get("findings")
        .and_then(Value::as_array)
        .map(|findings| {
            findings
                .iter()
                .map(|finding| {
                    format!(
                        "{} {}: {}",
                        field(finding, "severity"),
                        field(finding, "code"),
                        field(finding, "summary")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn string_list(value: Option<&Value>) -> Option<Vec<&str>> {
    match value {
        None => Some(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(Value::as_str).collect(),
        Some(_) => None,
    }
}

fn initialize(params: &Value) -> Value {
    let asked = params.get("protocolVersion").and_then(Value::as_str);
    let version = asked
        .filter(|asked| KNOWN_VERSIONS.contains(asked))
        .unwrap_or(PROTOCOL_VERSION);
    json!({
        "protocolVersion": version,
        "capabilities": { "tools": {} },
        "serverInfo": { "name": "tollgate", "version": env!("CARGO_PKG_VERSION") },
        "instructions": "Call check_package before adding any dependency, and install \
            dependencies with the install tool instead of running npm/pip/cargo yourself.",
    })
}

fn tools() -> Value {
    json!([
        {
            "name": "check_package",
            "description": "Before adding a dependency: does it exist, is it a likely typosquat, \
                banned, too new, known malicious or vulnerable? Without a version, the version \
                an install would get now.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "ecosystem": { "type": "string", "description": "npm, PyPI or crates.io" },
                    "name": { "type": "string" },
                    "version": { "type": "string" }
                },
                "required": ["ecosystem", "name"]
            }
        },
        {
            "name": "scan_project",
            "description": "Every lockfile under path against the advisory index and the \
                project's tollgate.toml policy.",
            "inputSchema": {
                "type": "object",
                "properties": { "path": { "type": "string" } },
                "required": ["path"]
            }
        },
        {
            "name": "install",
            "description": "Install packages through tollgate's gate: checked before anything is \
                fetched, install-time code judged and run in a sandbox; a refusal leaves the \
                project as it was.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "manager": { "type": "string", "enum": managers() },
                    "args": {
                        "type": "array",
                        "items": { "type": "string" },
                        "description": "what follows `--` for the package manager, e.g. [\"lodash\"]"
                    },
                    "path": { "type": "string", "description": "the project directory" }
                },
                "required": ["manager"]
            }
        }
    ])
}

fn tool_error(message: &str) -> Value {
    json!({ "content": [{ "type": "text", "text": message }], "isError": true })
}

fn error_reply(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}
