//! Python semantics for the verdict: resolves what each call really calls (import
//! aliases, `x = exec`, `getattr(__builtins__, 'ex'+'ec')`, `globals()[...]`,
//! `vars(__builtins__)[...]`, `__import__(...)`), folds the strings it is given, tracks
//! data from sources (decoders, downloads, secrets, host identity) through variables,
//! lambdas and function returns into sinks (exec, the network, programs), and tells
//! module-level code (runs on import) from functions nobody at module level calls.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::fold::{Folder, children, string_value};
use super::signal::{Reach, Signal, SignalKind};
use crate::facts::{line_of, parse, text_of};
use crate::patterns::credential_location;

/// Data labels carried by values.
const DECODED: u8 = 1;
const DOWNLOADED: u8 = 2;
const SECRET: u8 = 4;
const HOST: u8 = 8;
/// A CI system's, registry's or cloud account's credential (`GITHUB_TOKEN`, `NPM_TOKEN`,
/// `AWS_SECRET_ACCESS_KEY`): sent by libraries to their own service, so it counts only
/// when code that runs on its own sends it to a fixed address of another host.
const TOKEN: u8 = 16;

/// Most built strings kept per file, and their total size.
const MAX_BUILT_STRINGS: usize = 500;
const MAX_BUILT_BYTES: usize = 256 * 1024;

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
    /// Strings the code builds at run time from constants (`''.join(chr(x) for ...)`,
    /// concatenation, f-strings with `*` for what is unknown): (line, value), scanned as
    /// text like the literals, since hiding a path or a host is why they are built.
    pub built_strings: Vec<(u32, String)>,
    /// Whether the node budget ran out.
    pub truncated: bool,
    /// Line ranges (inclusive) of functions nothing at module level calls: text signals
    /// found there are passive too.
    pub passive_lines: Vec<(u32, u32)>,
    /// Functions of other modules that this file's running code calls, as (module as
    /// written in the import, function name): `from .loader import run` and then `run()`
    /// at module level makes `run` in `loader` code that runs on import.
    pub called_imports: Vec<(String, String)>,
    /// Code written to script files through a handle, per path: (first line, path, text).
    /// Moved to [`PyFacts::payloads`] once the file is walked.
    pub written_scripts: Vec<(u32, String, String)>,
}

impl PyFacts {
    /// The reach of a line of the file.
    /// Keeps a built string (bounded: a hostile file can build millions).
    fn built(&mut self, line: u32, text: &str) {
        let kept: usize = self.built_strings.iter().map(|(_, s)| s.len()).sum();
        if self.built_strings.len() < MAX_BUILT_STRINGS && kept + text.len() <= MAX_BUILT_BYTES {
            self.built_strings.push((line, text.to_owned()));
        }
    }

    /// Adds `text` to what is written to the script at `path` (bounded like the built
    /// strings).
    fn script_text(&mut self, line: u32, path: &str, text: &str) {
        let kept: usize = self.written_scripts.iter().map(|(_, _, t)| t.len()).sum();
        if kept + text.len() > MAX_BUILT_BYTES {
            return;
        }
        let count = self.written_scripts.len();
        match self.written_scripts.iter_mut().find(|(_, p, _)| p == path) {
            Some((_, _, written)) => written.push_str(text),
            None if count < MAX_BUILT_STRINGS => {
                self.written_scripts
                    .push((line, path.to_owned(), text.to_owned()));
            }
            None => {}
        }
    }

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

mod callee;
mod nfkc;
mod sinks;
mod state;
#[cfg(test)]
mod tests;
mod util;

use callee::*;
use util::*;

pub(crate) use util::looks_like_code;

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
    // Start-up files written to (`persistence-write`).
    "bashrc",
    "zshrc",
    "bash_profile",
    "zprofile",
    ".profile",
    "config.fish",
    "autostart",
    "LaunchAgents",
    "systemd",
    "/etc/cron",
    "rc.local",
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

/// Whether `source` calls a function it imports by name at module level (`from .x import
/// run` and `run()` at the start of a line): that function runs on import even when this
/// file has no trigger word, so such a file is parsed anyway.
pub(crate) fn calls_an_import_at_module_level(source: &str) -> bool {
    let mut imported: Vec<&str> = Vec::new();
    for line in source.lines() {
        if let Some((_, names)) = line
            .trim_start()
            .strip_prefix("from ")
            .and_then(|rest| rest.split_once(" import "))
        {
            imported.extend(
                names
                    .split(',')
                    .filter_map(|n| n.split_whitespace().last())
                    .map(|n| n.trim_matches(|c| c == '(' || c == ')')),
            );
        }
    }
    !imported.is_empty()
        && source.lines().any(|line| {
            // Indented too: module-level code inside `try:` or `if` blocks.
            let line = line.trim_start();
            let end = line
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(line.len());
            end > 0 && line[end..].starts_with('(') && imported.contains(&&line[..end])
        })
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
    let normalized = nfkc::normalize_identifiers(&language, source);
    let (source, look_alike) = match normalized {
        Some((ref text, ref signal)) => (text.as_str(), signal.clone()),
        None => (source, None),
    };
    let Some(tree) = parse(&language, source) else {
        return facts;
    };
    let root = tree.root_node();
    let mut state = State {
        source,
        aliases: HashMap::new(),
        consts: HashMap::new(),
        lists: HashMap::new(),
        taint: HashMap::new(),
        scope: 0,
        wrote_download: HashSet::new(),
        wrote_decoded: HashSet::new(),
        handles: HashMap::new(),
        saves_download: HashMap::new(),
        reached: HashSet::new(),
        all_reached,
        visited: 0,
        functions: HashMap::new(),
        from_imports: Vec::new(),
        run_directly: HashSet::new(),
        connections: HashSet::new(),
    };
    let nodes = collect(root, source, &mut state.visited);
    state.functions = functions(&nodes, source);
    facts.truncated = state.visited >= MAX_NODES;
    // Bindings first (twice: a binding may use one made further down).
    for _ in 0..2 {
        for item in &nodes {
            state.bind(item, &mut facts);
        }
    }
    state.reach(&nodes, entries);
    facts.called_imports = state.called_imports();
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
            "string" => {
                let bare = item
                    .parent
                    .is_some_and(|p| p.kind() == "expression_statement");
                state.literal(item.node, bare, reach, &mut facts, &mut seen_payloads)
            }
            "attribute" if text_of(item.node, source) == "os.environ" => {
                state.environ(item, reach, &mut facts)
            }
            _ => {}
        }
    }
    for (line, path, text) in std::mem::take(&mut facts.written_scripts) {
        facts.payloads.push((
            line,
            text,
            format!("code written to `{}`", crate::shorten(&path, 80)),
        ));
    }
    facts.signals.extend(identifier_shapes(&nodes, source));
    // Computed for every file, also when all functions count as run (setup.py): which
    // lines are outside module-level code tells setup.py's own top-level actions from
    // its command classes and helpers.
    // A class body with a call statement of its own (`os.system(...)` between the
    // methods) acts when the class is defined; one that only binds attributes holds data
    // for its methods (a lexer's keyword lists and token tables), so its text counts
    // like its methods'.
    let calling_classes: HashSet<&str> = nodes
        .iter()
        .filter(|i| i.node.kind() == "call" && i.innermost.is_none())
        .filter(|i| i.parent.is_some_and(|p| p.kind() == "expression_statement"))
        .filter_map(|i| i.class.as_deref())
        .collect();
    for item in &nodes {
        if item.function.is_none() && item.class.is_none() && item.node.kind() == "class_definition"
        {
            let name = item
                .node
                .child_by_field_name("name")
                .map(|n| text_of(n, source))
                .unwrap_or("");
            if !state.reached.contains(name) && !calling_classes.contains(name) {
                facts
                    .passive_lines
                    .push((line_of(item.node), end_line(item.node)));
            }
        }
        // Functions and methods nothing runs; a method goes by its class's name.
        if item.function.is_none() && item.node.kind() == "function_definition" {
            let own = item
                .node
                .child_by_field_name("name")
                .map(|n| text_of(n, source))
                .unwrap_or("");
            let name = item.class.as_deref().unwrap_or(own);
            if !state.reached.contains(name) {
                facts
                    .passive_lines
                    .push((line_of(item.node), end_line(item.node)));
            }
        }
    }
    if let Some(mut signal) = look_alike {
        signal.reach = facts.reach_of_line(signal.line);
        facts.signals.push(signal);
    }
    facts
}

/// The last line (1-based) of a node.
fn end_line(node: Node<'_>) -> u32 {
    u32::try_from(node.end_position().row)
        .unwrap_or(u32::MAX)
        .saturating_add(1)
}

/// Every function definition: name → (the scope of its body, its parameter names in
/// order). A name defined twice keeps its first definition.
fn functions(items: &[Item<'_>], source: &str) -> HashMap<String, (usize, Vec<String>)> {
    let mut functions = HashMap::new();
    for item in items {
        let node = item.node;
        if node.kind() != "function_definition" {
            continue;
        }
        let Some(name) = node.child_by_field_name("name") else {
            continue;
        };
        let mut parameters = Vec::new();
        if let Some(list) = node.child_by_field_name("parameters") {
            for parameter in children(list) {
                let name = match parameter.kind() {
                    "identifier" => Some(parameter),
                    "default_parameter" | "typed_default_parameter" => {
                        parameter.child_by_field_name("name")
                    }
                    "typed_parameter" => parameter.named_child(0),
                    _ => None,
                };
                if let Some(name) = name {
                    parameters.push(text_of(name, source).to_owned());
                }
            }
        }
        functions
            .entry(text_of(name, source).to_owned())
            .or_insert((node.id() + 1, parameters));
    }
    functions
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
    /// The top-level class whose body holds the node (outside any function).
    class: Option<String>,
}

/// A node still to visit: the node, its parent, its enclosing top-level function or class,
/// its innermost enclosing function, and the top-level class whose body it is in.
type Pending<'t> = (
    Node<'t>,
    Option<Node<'t>>,
    Option<String>,
    Option<Node<'t>>,
    Option<String>,
);

/// Every node in document order, with its enclosing top-level function or class (a
/// method's name is its class's: calling the class runs its methods). A class body
/// outside its methods runs when the class is defined, so it keeps the enclosing code's
/// function (module level for a top-level class).
fn collect<'t>(root: Node<'t>, source: &str, visited: &mut usize) -> Vec<Item<'t>> {
    let mut items = Vec::new();
    let mut stack: Vec<Pending<'t>> = vec![(root, None, None, None, None)];
    while let Some((node, parent, function, innermost, class)) = stack.pop() {
        *visited += 1;
        if *visited >= MAX_NODES {
            break;
        }
        let name = || {
            node.child_by_field_name("name")
                .map(|n| text_of(n, source).to_owned())
                .unwrap_or_default()
        };
        let inner = match (&function, node.kind()) {
            (None, "function_definition") => Some(class.clone().unwrap_or_else(name)),
            (None, "if_statement") if is_main_guard(node) => Some("__main__".to_owned()),
            _ => function.clone(),
        };
        let inner_class = match (&function, node.kind()) {
            (None, "class_definition") if class.is_none() => Some(name()),
            _ => class.clone(),
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
            class: class.clone(),
        });
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = node.children(&mut cursor).collect();
        for child in children.into_iter().rev() {
            stack.push((
                child,
                Some(node),
                inner.clone(),
                inner_function,
                inner_class.clone(),
            ));
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
    /// Names bound to lists of constant strings, for `''.join(name)`.
    lists: HashMap<String, Vec<String>>,
    /// Labels of names, per scope (0: module level, else the function node's id).
    taint: HashMap<(usize, String), u8>,
    /// The scope of the node being looked at.
    scope: usize,
    /// Scopes that write downloaded data to a file (`f.write(r.content)`, `urlretrieve`):
    /// a program they start may be that file.
    wrote_download: HashSet<usize>,
    /// Scopes that write decoded data to a file (`open(f, 'w').write(b64decode(...))`): a
    /// program they start may run it (a script dropped from an embedded payload).
    wrote_decoded: HashSet<usize>,
    /// File objects opened from a path, per scope: (scope, handle) → the path's text
    /// (`with open(path, 'wb') as f:`), so a write through `f` is known to land at `path`.
    handles: HashMap<(usize, String), String>,
    /// Functions that save downloaded data at the path one of their parameters names
    /// (`def download(url, path)`): function name → parameter positions. A caller's
    /// variable handed there names a downloaded file afterwards.
    saves_download: HashMap<String, HashSet<usize>>,
    reached: HashSet<String>,
    all_reached: bool,
    visited: usize,
    /// The functions this file defines, by name: their taint scope and parameter names,
    /// so that data handed to them in a call taints their parameters.
    functions: HashMap<String, (usize, Vec<String>)>,
    /// `from MODULE import NAME as LOCAL`: (local, module, name).
    from_imports: Vec<(String, String, String)>,
    /// Names that module-level code calls itself.
    run_directly: HashSet<String>,
    /// Names bound to a network client or socket (`s = socket.socket(...)`,
    /// `session = requests.Session()`): their send methods are network calls.
    connections: HashSet<String>,
}
