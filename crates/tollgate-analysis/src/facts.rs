//! What a source file does, as far as the rules care: the modules it imports, the calls
//! it makes, its string literals and how it touches the environment. Each language module
//! fills a [`Facts`] from a tree-sitter syntax tree; the rules never see the tree.

use tree_sitter::{Node, Tree};

/// Longest callee or argument text kept (the rest of a minified line is noise).
const MAX_TEXT: usize = 400;

/// A piece of text at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Site {
    /// The text (a module name, a literal's contents, a variable name).
    pub text: String,
    /// 1-based line.
    pub line: u32,
}

/// One call (or `new`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    /// The callee as written, whitespace removed (`child_process.exec`, `os.system`).
    pub callee: String,
    /// The argument list as written (shortened).
    pub args: String,
    /// The first argument when it is a string literal.
    pub first_string: Option<String>,
    /// 1-based line.
    pub line: u32,
}

impl Call {
    /// The last `.`- or `::`-separated segment of the callee (`exec` for `cp.exec`).
    pub fn last_segment(&self) -> &str {
        last_segment(&self.callee)
    }
}

/// The last `.`- or `::`-separated segment of a dotted path.
pub(crate) fn last_segment(path: &str) -> &str {
    path.rsplit(['.', ':']).next().unwrap_or(path)
}

/// Everything the rules look at in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Facts {
    /// Imported module names (`child_process`, `urllib.request`, `std::net::TcpStream`).
    pub imports: Vec<Site>,
    /// Calls and constructions.
    pub calls: Vec<Call>,
    /// String literal contents (raw, escapes not decoded).
    pub strings: Vec<Site>,
    /// Places where the whole environment is read (dumped, listed, serialised).
    pub env_dumps: Vec<Site>,
    /// Names of environment variables read one by one.
    pub env_reads: Vec<Site>,
    /// Variables bound to an imported module (`const cp = require("child_process")`).
    pub aliases: Vec<(String, String)>,
    /// References to other files of the package to follow (`./lib/x`, `helpers`, `build/x.rs`).
    pub local_refs: Vec<String>,
}

/// The 1-based line of a node.
pub(crate) fn line_of(node: Node<'_>) -> u32 {
    u32::try_from(node.start_position().row)
        .unwrap_or(u32::MAX - 1)
        .saturating_add(1)
}

/// The source text of a node, or "" if the range is not valid UTF-8 boundaries.
pub(crate) fn text_of<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

/// A node's text with whitespace removed and cut to [`MAX_TEXT`] bytes.
pub(crate) fn compact(node: Node<'_>, source: &str) -> String {
    let mut out = String::new();
    for c in text_of(node, source).chars().filter(|c| !c.is_whitespace()) {
        if out.len() >= MAX_TEXT {
            break;
        }
        out.push(c);
    }
    out
}

/// A node's text cut to [`MAX_TEXT`] bytes.
pub(crate) fn shortened(node: Node<'_>, source: &str) -> String {
    let text = text_of(node, source);
    let mut end = text.len().min(MAX_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or("").to_owned()
}

/// Strips one pair of matching quotes (and a Python string prefix like `b`, `r`, `f`).
pub(crate) fn unquote(text: &str) -> String {
    let body = text.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    for quote in ["\"\"\"", "'''", "\"", "'", "`"] {
        if let Some(inner) = body
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner.to_owned();
        }
    }
    body.to_owned()
}

/// Visits every node of `tree` in document order without recursion (syntax trees of
/// hostile files can be arbitrarily deep).
pub(crate) fn walk(tree: &Tree, mut visit: impl FnMut(Node<'_>)) {
    let mut cursor = tree.walk();
    loop {
        visit(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Parses `source` with `language`; `None` when the parser gives up (it only does on
/// cancellation, which tollgate never requests).
pub(crate) fn parse(language: &tree_sitter::Language, source: &str) -> Option<Tree> {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(language).ok()?;
    parser.parse(source, None)
}
