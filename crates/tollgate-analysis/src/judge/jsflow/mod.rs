//! JavaScript data flow for the verdict: which names hold host identity, secrets or
//! downloaded data, and whether that data reaches the network, a DNS name or a command
//! line that sends it; downloads written outside the package and then started; sockets
//! piped into a shell; clipboard reads next to a wallet-address pattern.
//!
//! Per file and flow-insensitive (a name carries a label when any assignment to it does),
//! like the first pass of the Python side: malware keeps its flows short and in one file,
//! and a name-based pass stays linear in the file's size. JavaScript has no function-level
//! reach here, so every signal counts as code that runs; that is why the flows that only
//! libraries also have (host names in requests, API keys sent to their own service) count
//! only when the same call names a fixed address.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use tree_sitter::{Node, Tree};

use super::signal::{Reach, Signal, SignalKind};
use crate::facts::{compact, line_of, text_of, unquote};
use crate::patterns::credential_location;

/// The user, host name, addresses or working directory.
const HOST: u8 = 1;
/// The whole environment, or a credential file's content.
const SECRET: u8 = 2;
/// What a download returned.
const DOWNLOADED: u8 = 4;
/// A path outside the package (temporary folder, home, `APPDATA`).
const OUTSIDE: u8 = 8;
/// The environment object itself (`process.env`, `const env = process.env`): a member
/// of it is one variable, labelled by its name, not the whole environment.
const ENV: u8 = 32;
/// A token-like environment variable (`NPM_TOKEN`, `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`).
const TOKEN: u8 = 16;

/// Most nodes visited per file: a hostile file can be huge.
const MAX_NODES: usize = 1_000_000;
/// Passes over the bindings, so that `a = b; b = secret` also labels `a`.
const PASSES: usize = 2;

/// Calls whose result is host identity.
const HOST_CALLS: &[&str] = &[
    "os.hostname",
    "os.userInfo",
    "os.networkInterfaces",
    "process.cwd",
];
/// Calls that return a path outside the package.
const OUTSIDE_CALLS: &[&str] = &["os.tmpdir", "os.homedir"];
/// Calls that send what they are given, or whose result is a download.
const NETWORK_CALLS: &[&str] = &[
    "https.request",
    "http.request",
    "https.get",
    "http.get",
    "fetch",
    "axios",
    "axios.get",
    "axios.post",
    "axios.put",
    "axios.request",
    "got",
    "got.get",
    "got.post",
    "request",
    "request.get",
    "request.post",
    "needle",
    "needle.get",
    "needle.post",
    "superagent.get",
    "superagent.post",
];
/// Calls that connect a socket.
const SOCKET_CALLS: &[&str] = &["net.connect", "net.createConnection", "tls.connect"];
/// Calls that read a file.
const READ_CALLS: &[&str] = &[
    "fs.readFileSync",
    "fs.readFile",
    "fs.promises.readFile",
    "fsPromises.readFile",
];
/// Calls that write a file (path first, data second).
const WRITE_CALLS: &[&str] = &["fs.writeFileSync", "fs.writeFile", "fs.promises.writeFile"];
/// Calls that start a program with a command line or a file.
const EXEC_CALLS: &[&str] = &[
    "child_process.exec",
    "child_process.execSync",
    "child_process.spawn",
    "child_process.spawnSync",
    "child_process.execFile",
    "child_process.execFileSync",
    "child_process.fork",
];
/// Shells a reverse shell starts.
const SHELLS: &[&str] = &[
    "/bin/sh",
    "/bin/bash",
    "/bin/zsh",
    "sh",
    "bash",
    "cmd",
    "cmd.exe",
    "powershell",
    "powershell.exe",
];
/// Words of a command line that sends data.
const SENDING_TOOLS: &[&str] = &[
    "curl ",
    "wget ",
    "nc ",
    "ncat ",
    "invoke-webrequest",
    "invoke-restmethod",
    "iwr ",
    "irm ",
];
/// Clipboard reads.
const CLIPBOARD_READS: &[&str] = &["get-clipboard", "pbpaste", "xclip", "xsel"];
/// Modules that read the clipboard.
const CLIPBOARD_MODULES: &[&str] = &["clipboardy", "copy-paste", "node-clipboardy"];
/// Wallet-address patterns of a clipboard swapper.
const WALLET_PATTERNS: &[&str] = &["bc1", "0x[a-fa-f0-9]{40}", "[13][a-km-za-hj-np-z1-9]"];

/// What the flow found in one JavaScript file.
pub(crate) struct JsFlow {
    pub signals: Vec<Signal>,
    /// Line ranges (inclusive) of top-level functions nothing that runs calls
    /// ([`reach::passive_lines`]).
    pub passive_lines: Vec<(u32, u32)>,
}

impl JsFlow {
    /// Marks the signals on passive lines as code that runs only when called.
    pub(crate) fn apply_reach(&self, signals: &mut [Signal]) {
        for signal in signals {
            if self
                .passive_lines
                .iter()
                .any(|(start, end)| (*start..=*end).contains(&signal.line))
            {
                signal.reach = Reach::OnCall;
            }
        }
    }
}

/// The flow signals and reach of one parsed JavaScript file.
pub(crate) fn analyse(tree: &Tree, source: &str) -> JsFlow {
    let collected = collect(tree, source);
    JsFlow {
        passive_lines: reach::passive_lines(tree, source, &collected.references),
        signals: if reaches_a_sink(source) {
            signals(source, collected.nodes, collected.scopes)
        } else {
            Vec::new()
        },
    }
}

/// The flow signals of one parsed JavaScript file.
fn signals(source: &str, nodes: Vec<Node<'_>>, scopes: Scopes) -> Vec<Signal> {
    let mut flow = Flow {
        source,
        scopes,
        memo: RefCell::new(HashMap::new()),
        modules: HashMap::new(),
        taint: HashMap::new(),
        values: HashMap::new(),
        requests: HashSet::new(),
        shells: HashSet::new(),
        streams: HashMap::new(),
        written: HashSet::new(),
        signals: Vec::new(),
    };
    for _ in 0..PASSES {
        // Labels found in one pass can change what the next one computes.
        flow.memo.borrow_mut().clear();
        for node in &nodes {
            flow.bind(*node);
        }
    }
    flow.memo.borrow_mut().clear();
    for node in &nodes {
        if node.kind() == "call_expression" {
            flow.sink(*node);
        }
    }
    flow.clipper(&nodes);
    flow.signals.sort_by_key(|s| (s.kind, s.line));
    flow.signals.dedup_by_key(|s| s.kind);
    flow.signals
}

/// Where each binding and name sits: tree-sitter's `Node::parent` walks down from the
/// root, so asking it per identifier would be quadratic in a bundle; the scopes are
/// recorded once, on the walk that collects the nodes.
#[derive(Default)]
struct Scopes {
    /// The scope of each identifier and binding node, by node id.
    of_node: HashMap<usize, usize>,
    /// Each function scope's enclosing scope.
    parent: HashMap<usize, usize>,
    /// Each function scope's plain parameter names.
    parameters: HashMap<usize, Vec<String>>,
}

impl Scopes {
    fn of(&self, node: Node<'_>) -> usize {
        self.of_node.get(&node.id()).copied().unwrap_or(0)
    }

    /// The scope and its enclosing ones, innermost first, ending with the top level.
    fn chain(&self, scope: usize) -> impl Iterator<Item = usize> + '_ {
        let mut next = Some(scope);
        std::iter::from_fn(move || {
            let current = next?;
            next = (current != 0).then(|| self.parent.get(&current).copied().unwrap_or(0));
            Some(current)
        })
    }
}

/// Whether a file names any module or global a flow can end in: most files of a large
/// package reach neither the network nor a program, and labelling them costs as much as
/// parsing.
fn reaches_a_sink(source: &str) -> bool {
    use std::sync::OnceLock;
    static SINKS: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    SINKS
        .get_or_init(|| {
            aho_corasick::AhoCorasick::new([
                "http",
                "fetch",
                "net",
                "dns",
                "child_process",
                "axios",
                "got",
                "request",
                "needle",
                "superagent",
                "tls",
                "socket",
                "clipboard",
            ])
            .expect("the constant sink words build")
        })
        .is_match(source)
}

/// What one walk over a file's tree gives the flow and the reach.
struct Collected<'t> {
    nodes: Vec<Node<'t>>,
    /// Calls, constructions and identifiers given as arguments (with `true`), for
    /// [`reach::passive_lines`].
    references: Vec<(Node<'t>, bool)>,
    scopes: Scopes,
}

/// The nodes the flow looks at (bindings, imports, calls, regular expressions) in
/// document order, from the first [`MAX_NODES`], and the scopes of all of them.
fn collect<'t>(tree: &'t Tree, source: &str) -> Collected<'t> {
    let mut nodes = Vec::new();
    let mut references = Vec::new();
    // The kind of each node on the path from the root, for the parent's kind.
    let mut path: Vec<&'static str> = Vec::new();
    let mut scopes = Scopes::default();
    // Open function scopes: (depth of the function node, scope id).
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut visited = 0usize;
    let mut cursor = tree.walk();
    loop {
        visited += 1;
        if visited > MAX_NODES {
            return Collected {
                nodes,
                references,
                scopes,
            };
        }
        let node = cursor.node();
        path.truncate(depth);
        let kind = node.kind();
        match kind {
            "call_expression" | "new_expression" => references.push((node, false)),
            "identifier" if path.last() == Some(&"arguments") => references.push((node, true)),
            _ => {}
        }
        path.push(kind);
        while open.last().is_some_and(|(at, _)| *at >= depth) {
            open.pop();
        }
        let current = open.last().map_or(0, |(_, scope)| *scope);
        if matches!(
            node.kind(),
            "identifier"
                | "variable_declarator"
                | "object_pattern"
                | "assignment_expression"
                | "augmented_assignment_expression"
        ) {
            scopes.of_node.insert(node.id(), current);
        }
        if is_scope(node) {
            let scope = node.id() + 1;
            scopes.parent.insert(scope, current);
            scopes
                .parameters
                .insert(scope, parameter_names(node, source));
            open.push((depth, scope));
        }
        if matches!(
            node.kind(),
            "variable_declarator"
                | "assignment_expression"
                | "augmented_assignment_expression"
                | "import_statement"
                | "call_expression"
                | "regex"
        ) {
            nodes.push(node);
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return Collected {
                    nodes,
                    references,
                    scopes,
                };
            }
            depth -= 1;
        }
    }
}

struct Flow<'s> {
    source: &'s str,
    scopes: Scopes,
    /// [`Flow::labels`] per node id within one pass.
    memo: RefCell<HashMap<usize, u8>>,
    /// Local names bound to a module or one of its members (`cp` → `child_process`,
    /// `exec` → `child_process.exec`).
    modules: HashMap<String, String>,
    /// Labels per (scope, name): a scope is the innermost enclosing function's node id + 1,
    /// 0 for the file's top level ([`scope_of`]).
    taint: HashMap<(usize, String), u8>,
    /// The text each name was last bound to (for the address a request names).
    values: HashMap<String, String>,
    /// Names bound to a request or a socket.
    requests: HashSet<String>,
    /// Names bound to a started shell.
    shells: HashSet<String>,
    /// Names bound to `fs.createWriteStream(PATH)`, with PATH's text.
    streams: HashMap<String, String>,
    /// Paths (as written) that downloaded data was written to, outside the package.
    written: HashSet<String>,
    signals: Vec<Signal>,
}

impl Flow<'_> {
    fn text(&self, node: Node<'_>) -> &str {
        text_of(node, self.source)
    }

    /// What a callee or value expression names, as a dotted path rooted in a module
    /// (`require('child_process').exec`, `cp.exec` with `cp` bound to it) or a global.
    fn resolve(&self, node: Node<'_>) -> Option<String> {
        self.resolve_within(node, 0)
    }

    /// [`Flow::resolve`] to a bounded depth: `a.b.c...` a million members long is a
    /// hostile file, not a module path.
    fn resolve_within(&self, node: Node<'_>, depth: usize) -> Option<String> {
        if depth > 32 {
            return None;
        }
        match node.kind() {
            "identifier" => {
                let name = self.text(node);
                self.modules.get(name).cloned().or_else(|| {
                    matches!(name, "fetch" | "process" | "require" | "eval" | "Function")
                        .then(|| name.to_owned())
                })
            }
            "member_expression" => {
                let object = self.resolve_within(node.child_by_field_name("object")?, depth + 1)?;
                let property = node.child_by_field_name("property")?;
                Some(format!("{object}.{}", self.text(property)))
            }
            "subscript_expression" => {
                let object = self.resolve_within(node.child_by_field_name("object")?, depth + 1)?;
                let index = node.child_by_field_name("index")?;
                (index.kind() == "string")
                    .then(|| format!("{object}.{}", unquote(self.text(index))))
            }
            "call_expression" => required_module(node, self.source),
            "parenthesized_expression" | "await_expression" => {
                self.resolve_within(node.named_child(0)?, depth + 1)
            }
            _ => None,
        }
    }

    /// The labels of the value of an expression.
    /// The labels of an expression, remembered per node until the next pass: nested
    /// calls (`a(b(c(...)))` in minified code) would otherwise be labelled once per
    /// enclosing call, quadratic in the nesting.
    fn labels(&self, node: Node<'_>, depth: usize) -> u8 {
        if depth > 24 {
            return 0;
        }
        if let Some(labels) = self.memo.borrow().get(&node.id()) {
            return *labels;
        }
        let labels = self.labels_uncached(node, depth);
        self.memo.borrow_mut().insert(node.id(), labels);
        labels
    }

    fn labels_uncached(&self, node: Node<'_>, depth: usize) -> u8 {
        match node.kind() {
            "identifier" => self.lookup(node),
            "member_expression" | "subscript_expression" => self.member_labels(node, depth),
            "call_expression" => self.call_labels(node, depth),
            "string" | "template_string" => {
                let text = self.text(node).to_ascii_lowercase();
                let outside = ["/tmp/", "%temp%", "%appdata%", "appdata", "\\temp\\"]
                    .iter()
                    .any(|p| text.contains(p));
                let mut labels = if outside { OUTSIDE } else { 0 };
                for child in named_children(node) {
                    labels |= self.labels(child, depth + 1);
                }
                labels
            }
            // A function's or class's body is not its value: what it returns is
            // labelled where it is called.
            "function_expression"
            | "function"
            | "arrow_function"
            | "function_declaration"
            | "generator_function"
            | "method_definition"
            | "class"
            | "class_body"
            | "statement_block" => 0,
            _ => named_children(node)
                .into_iter()
                .fold(0, |l, c| l | self.labels(c, depth + 1)),
        }
    }

    fn member_labels(&self, node: Node<'_>, depth: usize) -> u8 {
        let text = compact(node, self.source);
        if text == "process.env" {
            return SECRET | ENV;
        }
        let object = node
            .child_by_field_name("object")
            .map_or(0, |object| self.labels(object, depth + 1));
        if object & ENV == 0 {
            return object;
        }
        // `process.env.NPM_TOKEN`, `env['USER']`; a computed index is configuration.
        let variable = node
            .child_by_field_name("property")
            .or_else(|| node.child_by_field_name("index"))
            .filter(|p| matches!(p.kind(), "property_identifier" | "string"))
            .map(|p| unquote(self.text(p)))
            .unwrap_or_default();
        (object & !(ENV | SECRET)) | env_variable_labels(&variable)
    }

    fn call_labels(&self, node: Node<'_>, depth: usize) -> u8 {
        let Some(function) = node.child_by_field_name("function") else {
            return 0;
        };
        let callee = self.resolve(function).unwrap_or_default();
        let arguments: Vec<Node<'_>> = node
            .child_by_field_name("arguments")
            .map(named_children)
            .unwrap_or_default();
        let from_arguments = arguments
            .iter()
            .fold(0, |l, a| l | self.labels(*a, depth + 1));
        if HOST_CALLS.contains(&callee.as_str()) {
            return HOST;
        }
        if OUTSIDE_CALLS.contains(&callee.as_str()) {
            return OUTSIDE;
        }
        if NETWORK_CALLS.contains(&callee.as_str()) {
            return DOWNLOADED;
        }
        if READ_CALLS.contains(&callee.as_str()) {
            let path = arguments.first().map(|a| self.text(*a)).unwrap_or("");
            return if credential_location(&path.replace(['\'', '"', ' ', ','], "/")).is_some() {
                SECRET
            } else {
                0
            };
        }
        if EXEC_CALLS.contains(&callee.as_str()) {
            // The output of `whoami`, `hostname`, `id`: host identity.
            let command = arguments
                .first()
                .map(|a| self.text(*a).to_ascii_lowercase())
                .unwrap_or_default();
            let identity = ["whoami", "hostname", "uname", "ipconfig", "ifconfig"]
                .iter()
                .any(|c| command.contains(c));
            return if identity { HOST } else { 0 };
        }
        // Methods and helpers carry what they are given (`JSON.stringify(x)`,
        // `Buffer.from(x).toString('hex')`, `path.join(os.tmpdir(), 'a')`).
        let object = if function.kind() == "member_expression" {
            function
                .child_by_field_name("object")
                .map_or(0, |o| self.labels(o, depth + 1))
        } else {
            0
        };
        object | from_arguments
    }

    fn label(&mut self, scope: usize, name: String, labels: u8) {
        if labels != 0 {
            *self.taint.entry((scope, name)).or_default() |= labels;
        }
    }

    /// The labels of an identifier: its binding in the innermost scope that has one,
    /// stopping at a function whose parameter of that name shadows the outer ones (a
    /// bundle's many `options` are different values).
    fn lookup(&self, identifier: Node<'_>) -> u8 {
        let name = self.text(identifier);
        for scope in self.scopes.chain(self.scopes.of(identifier)) {
            if let Some(labels) = self.taint.get(&(scope, name.to_owned())) {
                return *labels;
            }
            let shadowed = self
                .scopes
                .parameters
                .get(&scope)
                .is_some_and(|names| names.iter().any(|n| n == name));
            if shadowed {
                return 0;
            }
        }
        0
    }

    /// Where `x = ...` binds: the innermost scope already holding `x`, else the current.
    fn assigned_scope(&self, identifier: Node<'_>) -> usize {
        let name = self.text(identifier);
        let current = self.scopes.of(identifier);
        self.scopes
            .chain(current)
            .find(|scope| self.taint.contains_key(&(*scope, name.to_owned())))
            .unwrap_or(current)
    }

    /// Records what one node binds: module aliases, labels, requests, shells, streams.
    fn bind(&mut self, node: Node<'_>) {
        match node.kind() {
            "variable_declarator" => {
                let (Some(name), Some(value)) = (
                    node.child_by_field_name("name"),
                    node.child_by_field_name("value"),
                ) else {
                    return;
                };
                if name.kind() == "object_pattern" {
                    self.destructure(name, value);
                } else if name.kind() == "identifier" {
                    let scope = self.scopes.of(node);
                    let name = self.text(name).to_owned();
                    self.bind_value(name, value, scope);
                }
            }
            "assignment_expression" | "augmented_assignment_expression" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return;
                };
                if let Some(root) = root_identifier(left) {
                    let name = self.text(root).to_owned();
                    let scope = self.assigned_scope(root);
                    if left.kind() == "identifier" {
                        self.bind_value(name, right, scope);
                    } else {
                        let labels = self.labels(right, 0);
                        self.label(scope, name, labels);
                    }
                }
            }
            "import_statement" => self.import(node),
            "call_expression" => self.callback_parameters(node),
            _ => {}
        }
    }

    fn bind_value(&mut self, name: String, value: Node<'_>, scope: usize) {
        if let Some(resolved) = self.resolve(value) {
            if matches!(
                value.kind(),
                "identifier" | "member_expression" | "call_expression" | "subscript_expression"
            ) && (value.kind() != "call_expression"
                || required_module(value, self.source).is_some())
            {
                self.modules.insert(name.clone(), resolved);
            }
        }
        let labels = self.labels(value, 0);
        self.label(scope, name.clone(), labels);
        let call = innermost_call(value);
        if let Some(call) = call {
            let callee = call
                .child_by_field_name("function")
                .and_then(|f| self.resolve(f))
                .unwrap_or_default();
            let first = call
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0));
            if NETWORK_CALLS.contains(&callee.as_str()) || SOCKET_CALLS.contains(&callee.as_str()) {
                self.requests.insert(name.clone());
            }
            if EXEC_CALLS.contains(&callee.as_str())
                && first.is_some_and(|f| SHELLS.contains(&unquote(self.text(f)).as_str()))
            {
                self.shells.insert(name.clone());
            }
            if callee == "fs.createWriteStream" {
                if let Some(first) = first {
                    let path = self.text(first).to_owned();
                    if self.labels(first, 0) & OUTSIDE != 0 {
                        self.streams.insert(name.clone(), path);
                    }
                }
            }
        }
        if value.kind() == "new_expression" {
            let constructor = value
                .child_by_field_name("constructor")
                .and_then(|c| self.resolve(c))
                .unwrap_or_default();
            if matches!(constructor.as_str(), "net.Socket" | "tls.TLSSocket" | "ws") {
                self.requests.insert(name.clone());
            }
        }
        let text = self.text(value);
        let kept = text.get(..text.len().min(400)).unwrap_or("").to_owned();
        self.values.insert(name, kept);
    }

    /// `const { exec, spawn: run } = require('child_process')`.
    fn destructure(&mut self, pattern: Node<'_>, value: Node<'_>) {
        let base = self.resolve(value);
        let labels = self.labels(value, 0);
        for child in named_children(pattern) {
            let (key, local) = match child.kind() {
                "shorthand_property_identifier_pattern" => (child, child),
                "pair_pattern" => match (
                    child.child_by_field_name("key"),
                    child.child_by_field_name("value"),
                ) {
                    (Some(k), Some(v)) if v.kind() == "identifier" => (k, v),
                    _ => continue,
                },
                _ => continue,
            };
            let local = self.text(local).to_owned();
            if let Some(base) = &base {
                self.modules
                    .insert(local.clone(), format!("{base}.{}", self.text(key)));
            }
            self.label(self.scopes.of(pattern), local, labels);
        }
    }

    /// `import cp from 'child_process'`, `import * as os from 'os'`,
    /// `import { exec } from 'child_process'`.
    fn import(&mut self, node: Node<'_>) {
        let Some(module) = node.child_by_field_name("source") else {
            return;
        };
        let module = unquote(self.text(module));
        let module = module.strip_prefix("node:").unwrap_or(&module).to_owned();
        let mut stack: Vec<Node<'_>> = named_children(node);
        while let Some(child) = stack.pop() {
            match child.kind() {
                "import_clause" | "named_imports" => stack.extend(named_children(child)),
                "identifier" => {
                    self.modules
                        .insert(self.text(child).to_owned(), module.clone());
                }
                "namespace_import" => {
                    if let Some(name) = child.named_child(0) {
                        self.modules
                            .insert(self.text(name).to_owned(), module.clone());
                    }
                }
                "import_specifier" => {
                    let Some(name) = child.child_by_field_name("name") else {
                        continue;
                    };
                    let local = child.child_by_field_name("alias").unwrap_or(name);
                    self.modules.insert(
                        self.text(local).to_owned(),
                        format!("{module}.{}", self.text(name)),
                    );
                }
                _ => {}
            }
        }
    }

    /// The first parameter of a callback gets the labels of what calls it back: a
    /// download's response (`https.get(url, res => ...)`, `fetch(u).then(r => ...)`),
    /// a stream's chunks (`res.on('data', d => ...)`).
    fn callback_parameters(&mut self, node: Node<'_>) {
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        let callee = self.resolve(function).unwrap_or_default();
        let labels = if NETWORK_CALLS.contains(&callee.as_str()) {
            DOWNLOADED
        } else if function.kind() == "member_expression" {
            let method = function
                .child_by_field_name("property")
                .map(|p| self.text(p))
                .unwrap_or("");
            let object = function.child_by_field_name("object");
            if matches!(method, "then" | "on" | "once") {
                object.map_or(0, |o| self.labels(o, 0))
            } else {
                0
            }
        } else {
            0
        };
        if labels == 0 {
            return;
        }
        let Some(arguments) = node.child_by_field_name("arguments") else {
            return;
        };
        for argument in named_children(arguments) {
            if !matches!(argument.kind(), "arrow_function" | "function_expression") {
                continue;
            }
            let parameter = argument
                .child_by_field_name("parameter")
                .or_else(|| {
                    argument
                        .child_by_field_name("parameters")
                        .and_then(|p| p.named_child(0))
                })
                .filter(|p| p.kind() == "identifier");
            if let Some(parameter) = parameter {
                let name = self.text(parameter).to_owned();
                self.label(argument.id() + 1, name, labels);
            }
        }
    }
}

/// Whether a node opens a scope of its own.
fn is_scope(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "function_declaration"
            | "function_expression"
            | "function"
            | "arrow_function"
            | "method_definition"
            | "generator_function"
            | "generator_function_declaration"
    )
}

/// A function's plain parameter names (with a default, or rest, too).
fn parameter_names(function: Node<'_>, source: &str) -> Vec<String> {
    let single = function.child_by_field_name("parameter");
    let listed = function
        .child_by_field_name("parameters")
        .map(named_children)
        .unwrap_or_default();
    single
        .into_iter()
        .chain(listed)
        .filter_map(|parameter| match parameter.kind() {
            "assignment_pattern" => parameter.child_by_field_name("left"),
            "rest_pattern" => parameter.named_child(0),
            _ => Some(parameter),
        })
        .filter(|p| p.kind() == "identifier")
        .map(|p| text_of(p, source).to_owned())
        .collect()
}

/// The labels of one environment variable by its name.
fn env_variable_labels(name: &str) -> u8 {
    let upper = name.to_ascii_uppercase();
    if matches!(
        upper.as_str(),
        "USER" | "USERNAME" | "LOGNAME" | "HOSTNAME" | "COMPUTERNAME" | "USERDOMAIN"
    ) {
        HOST
    } else if [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "_KEY",
        "CREDENTIAL",
        "AUTH",
    ]
    .iter()
    .any(|w| upper.contains(w))
    {
        TOKEN
    } else {
        0
    }
}

/// Whether a call's text names a fixed address: a URL, an IPv4 address literal, or a host
/// name literal given as an option's `host`/`hostname`.
fn names_an_address(text: &str) -> bool {
    let literals = || text.split(['\'', '"', '`']).skip(1).step_by(2);
    let ipv4 = |l: &str| l.split('.').count() == 4 && l.split('.').all(|p| p.parse::<u8>().is_ok());
    let host_name = |l: &str| {
        l.contains('.')
            && !l.contains(' ')
            && l.rsplit('.')
                .next()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
    };
    text.contains("://")
        || literals().any(ipv4)
        || text.contains("host") && literals().any(host_name)
}

/// What labelled data is, for the reason text.
fn describe(labels: u8) -> &'static str {
    if labels & SECRET != 0 {
        "the environment or a credential file"
    } else if labels & TOKEN != 0 {
        "a token from the environment"
    } else {
        "host identity (user, host name, addresses, working directory)"
    }
}

/// `require('x')` (also `node:x`): the module it loads.
fn required_module(node: Node<'_>, source: &str) -> Option<String> {
    let function = node.child_by_field_name("function")?;
    if text_of(function, source) != "require" {
        return None;
    }
    let first = node.child_by_field_name("arguments")?.named_child(0)?;
    if first.kind() != "string" {
        return None;
    }
    let module = unquote(text_of(first, source));
    Some(module.strip_prefix("node:").unwrap_or(&module).to_owned())
}

/// The call an expression ends in (`await fetch(u)`, `require('net').connect(...)`).
fn innermost_call(mut node: Node<'_>) -> Option<Node<'_>> {
    // A loop: a hostile file can nest parentheses a million deep.
    loop {
        match node.kind() {
            "call_expression" => return Some(node),
            "await_expression" | "parenthesized_expression" => node = node.named_child(0)?,
            _ => return None,
        }
    }
}

/// `a` of `a.b.c` or `a[0]`.
fn root_identifier(mut node: Node<'_>) -> Option<Node<'_>> {
    loop {
        match node.kind() {
            "identifier" => return Some(node),
            "member_expression" | "subscript_expression" => {
                node = node.child_by_field_name("object")?;
            }
            _ => return None,
        }
    }
}

fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Whether `word` occurs in `text` as a whole identifier.
fn contains_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-'))
        .any(|w| w == word)
}

mod reach;
mod sinks;
#[cfg(test)]
mod tests;
