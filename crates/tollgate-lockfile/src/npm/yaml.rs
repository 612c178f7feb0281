//! A reader for the restricted YAML that pnpm and Yarn Berry write, with line numbers.
//!
//! Both tools emit block mappings and sequences indented with spaces, plain / single- /
//! double-quoted scalars, and one-line flow collections (`{integrity: sha512-…}`,
//! `[x64]`, `{}`); pnpm also writes several documents separated by `---`. That subset
//! is read here line by line, which keeps each entry's line and runs at several hundred
//! MB/s (a general YAML parser builds far more than a lockfile needs). Anything outside
//! the subset (anchors are read as plain text; complex `?` keys, tabs used for
//! indentation, unterminated quotes or flows, block scalars) is a syntax error naming
//! the line, never a panic. Nesting is limited to [`MAX_DEPTH`] levels.

use std::borrow::Cow;

use crate::Error;

/// The deepest nesting of blocks and flows accepted (lockfiles need about six).
const MAX_DEPTH: usize = 64;

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node<'a> {
    /// A scalar, unquoted; an empty value (`key:` with nothing below) is an empty scalar.
    Scalar(Cow<'a, str>),
    /// A mapping, in file order.
    Map(Vec<Entry<'a>>),
    /// A sequence.
    Seq(Vec<Node<'a>>),
}

/// One mapping entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry<'a> {
    /// The key, unquoted.
    pub(crate) key: Cow<'a, str>,
    /// The value.
    pub(crate) value: Node<'a>,
    /// The 1-based line of the key.
    pub(crate) line: u32,
}

const EMPTY: &[Entry<'static>] = &[];

impl<'a> Node<'a> {
    /// The value of `key` when this is a mapping that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.entries()
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    /// The entries of a mapping; none for anything else.
    pub(crate) fn entries(&self) -> &[Entry<'a>] {
        match self {
            Node::Map(entries) => entries,
            _ => EMPTY,
        }
    }

    /// The text of a non-empty scalar.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    /// A scalar `true`.
    pub(crate) fn is_true(&self) -> bool {
        self.as_str() == Some("true")
    }
}

/// The documents of `text` (one for a file without `---` separators).
pub(crate) fn parse_documents<'a>(path: &str, text: &'a str) -> Result<Vec<Node<'a>>, Error> {
    let mut documents = Vec::new();
    let mut lines = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if raw.starts_with("---") || raw.starts_with("...") {
            if !lines.is_empty() {
                documents.push(Parser::new(path, std::mem::take(&mut lines)).document()?);
            }
            continue;
        }
        let content = raw.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if content.starts_with('\t') {
            return Err(Error::syntax(
                path,
                Some(number),
                Some(column(raw, content)),
                "tab used for indentation (YAML indents with spaces)",
            ));
        }
        lines.push(Line {
            indent: raw.len() - content.len(),
            content: content.trim_end(),
            number,
        });
    }
    if !lines.is_empty() {
        documents.push(Parser::new(path, lines).document()?);
    }
    Ok(documents)
}

fn column(raw: &str, rest: &str) -> u32 {
    u32::try_from(raw.len() - rest.len() + 1).unwrap_or(u32::MAX)
}

/// One non-blank, non-comment line.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    indent: usize,
    content: &'a str,
    number: u32,
}

impl Line<'_> {
    fn is_seq_item(&self) -> bool {
        self.content == "-" || self.content.starts_with("- ")
    }
}

struct Parser<'p, 'a> {
    path: &'p str,
    lines: Vec<Line<'a>>,
    pos: usize,
}

impl<'p, 'a> Parser<'p, 'a> {
    fn new(path: &'p str, lines: Vec<Line<'a>>) -> Self {
        Parser {
            path,
            lines,
            pos: 0,
        }
    }

    fn error(&self, line: u32, message: impl Into<String>) -> Error {
        Error::syntax(self.path, Some(line), None, message)
    }

    fn document(mut self) -> Result<Node<'a>, Error> {
        let Some(first) = self.lines.first().copied() else {
            return Ok(Node::Map(Vec::new()));
        };
        let node = if first.indent == 0 && !first.is_seq_item() && !first.content.contains(':') {
            // A document that is a single scalar (`not yaml`): not a lockfile, but valid YAML.
            self.pos = 1;
            scalar(self.path, first.number, first.content)?
        } else {
            self.block(first.indent, 0)?
        };
        if let Some(extra) = self.lines.get(self.pos) {
            return Err(self.error(
                extra.number,
                format!(
                    "unexpected indentation (expected a key at column {})",
                    first.indent + 1
                ),
            ));
        }
        Ok(node)
    }

    /// The block (mapping or sequence) whose lines start at `indent`.
    fn block(&mut self, indent: usize, depth: usize) -> Result<Node<'a>, Error> {
        let Some(first) = self.lines.get(self.pos).copied() else {
            return Ok(Node::Scalar(Cow::Borrowed("")));
        };
        if depth > MAX_DEPTH {
            return Err(self.error(
                first.number,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        if first.is_seq_item() {
            self.sequence(indent, depth)
        } else {
            self.mapping(indent, depth)
        }
    }

    fn mapping(&mut self, indent: usize, depth: usize) -> Result<Node<'a>, Error> {
        let mut entries = Vec::new();
        while let Some(line) = self.lines.get(self.pos).copied() {
            if line.indent < indent || (line.indent == indent && line.is_seq_item()) {
                break;
            }
            if line.indent > indent {
                return Err(self.error(
                    line.number,
                    format!(
                        "unexpected indentation (expected a key at column {})",
                        indent + 1
                    ),
                ));
            }
            self.pos += 1;
            let (key, rest) = split_key(self.path, line)?;
            let value = self.value_of(line, indent, rest, depth)?;
            entries.push(Entry {
                key,
                value,
                line: line.number,
            });
        }
        Ok(Node::Map(entries))
    }

    fn sequence(&mut self, indent: usize, depth: usize) -> Result<Node<'a>, Error> {
        let mut items = Vec::new();
        while let Some(line) = self.lines.get(self.pos).copied() {
            if line.indent != indent || !line.is_seq_item() {
                if line.indent > indent {
                    return Err(self.error(line.number, "unexpected indentation in a sequence"));
                }
                break;
            }
            let rest = line.content.get(1..).unwrap_or_default();
            let item = rest.trim_start_matches(' ');
            if item.is_empty() {
                self.pos += 1;
                items.push(self.nested(line, indent, depth)?);
            } else if item.starts_with(['\'', '"', '[', '{']) || find_key_end(item).is_none() {
                self.pos += 1;
                items.push(inline(self.path, line.number, item, depth)?);
            } else {
                // `- key: value`: a mapping whose first line shares the dash's line. Read it
                // as if the key stood on its own line at the key's column.
                let key_indent = indent + (line.content.len() - item.len());
                if let Some(slot) = self.lines.get_mut(self.pos) {
                    slot.indent = key_indent;
                    slot.content = item;
                }
                items.push(self.mapping(key_indent, depth + 1)?);
            }
        }
        Ok(Node::Seq(items))
    }

    /// The value after `key:` on `line` (`rest`), or the block below it.
    fn value_of(
        &mut self,
        line: Line<'a>,
        indent: usize,
        rest: &'a str,
        depth: usize,
    ) -> Result<Node<'a>, Error> {
        if rest.is_empty() {
            return self.nested(line, indent, depth);
        }
        if rest.starts_with('|') || rest.starts_with('>') {
            return Err(self.error(
                line.number,
                "block scalars (`|`, `>`) are not used by lockfiles",
            ));
        }
        inline(self.path, line.number, rest, depth)
    }

    /// The block below `line`: more indented lines, or a sequence at the same indent.
    fn nested(&mut self, line: Line<'a>, indent: usize, depth: usize) -> Result<Node<'a>, Error> {
        match self.lines.get(self.pos).copied() {
            Some(next) if next.indent > indent => self.block(next.indent, depth + 1),
            Some(next) if next.indent == indent && next.is_seq_item() && !line.is_seq_item() => {
                self.block(next.indent, depth + 1)
            }
            _ => Ok(Node::Scalar(Cow::Borrowed(""))),
        }
    }
}

/// Splits `key: rest` (the key unquoted, the rest trimmed).
fn split_key<'a>(path: &str, line: Line<'a>) -> Result<(Cow<'a, str>, &'a str), Error> {
    let content = line.content;
    let fail = |message: &str| {
        Error::syntax(
            path,
            Some(line.number),
            Some(line.indent as u32 + 1),
            message,
        )
    };
    if content.starts_with("? ") {
        return Err(fail(
            "complex mapping keys (`? `) are not used by lockfiles",
        ));
    }
    let (key, after) = if content.starts_with(['\'', '"']) {
        let (key, after) = quoted(content).map_err(fail)?;
        (key, after.trim_start_matches(' '))
    } else {
        let end = find_key_end(content).ok_or_else(|| fail("expected `key: value`"))?;
        (Cow::Borrowed(content[..end].trim_end()), &content[end..])
    };
    let rest = after
        .strip_prefix(':')
        .ok_or_else(|| fail("expected `:` after the key"))?;
    Ok((key, strip_comment(rest.trim_start_matches(' '))))
}

/// The byte index of the `:` ending a plain key: followed by a space or the line's end.
fn find_key_end(content: &str) -> Option<usize> {
    let bytes = content.as_bytes();
    let mut from = 0;
    while let Some(at) = content.get(from..)?.find(':') {
        let index = from + at;
        match bytes.get(index + 1) {
            None | Some(b' ') => return Some(index),
            _ => from = index + 1,
        }
    }
    None
}

/// Drops a trailing ` # comment` from a plain value (quoted and flow values keep `#`).
fn strip_comment(value: &str) -> &str {
    if value.starts_with(['\'', '"', '{', '[']) {
        return value;
    }
    value.find(" #").map_or(value, |at| value[..at].trim_end())
}

/// A scalar or flow collection written inline.
fn inline<'a>(path: &str, line: u32, text: &'a str, depth: usize) -> Result<Node<'a>, Error> {
    if text.starts_with(['{', '[']) {
        let mut flow = Flow {
            text,
            pos: 0,
            depth,
            line,
        };
        let node = flow
            .value()
            .map_err(|m| Error::syntax(path, Some(line), Some(flow.column()), m))?;
        flow.skip_spaces();
        if !flow.rest().is_empty() && !flow.rest().starts_with('#') {
            return Err(Error::syntax(
                path,
                Some(line),
                Some(flow.column()),
                "unexpected text after a flow collection",
            ));
        }
        return Ok(node);
    }
    scalar(path, line, text)
}

/// A whole-value scalar, unquoted.
fn scalar<'a>(path: &str, line: u32, text: &'a str) -> Result<Node<'a>, Error> {
    if !text.starts_with(['\'', '"']) {
        return Ok(Node::Scalar(Cow::Borrowed(text)));
    }
    let (value, after) = quoted(text).map_err(|m| Error::syntax(path, Some(line), None, m))?;
    let after = after.trim_start_matches(' ');
    if !after.is_empty() && !after.starts_with('#') {
        return Err(Error::syntax(
            path,
            Some(line),
            None,
            "unexpected text after a quoted scalar",
        ));
    }
    Ok(Node::Scalar(value))
}

/// A quoted scalar at the start of `text`, and the text after it.
fn quoted(text: &str) -> Result<(Cow<'_, str>, &str), &'static str> {
    if let Some(body) = text.strip_prefix('\'') {
        let mut value = String::new();
        let mut rest = body;
        loop {
            let at = rest.find('\'').ok_or("unterminated single-quoted scalar")?;
            if rest.as_bytes().get(at + 1) == Some(&b'\'') {
                value.push_str(&rest[..=at]);
                rest = &rest[at + 2..];
            } else if value.is_empty() {
                return Ok((Cow::Borrowed(&rest[..at]), &rest[at + 1..]));
            } else {
                value.push_str(&rest[..at]);
                return Ok((Cow::Owned(value), &rest[at + 1..]));
            }
        }
    }
    let body = text.strip_prefix('"').ok_or("expected a quote")?;
    let end = body
        .find(['"', '\\'])
        .ok_or("unterminated double-quoted scalar")?;
    if body.as_bytes().get(end) == Some(&b'"') {
        return Ok((Cow::Borrowed(&body[..end]), &body[end + 1..]));
    }
    let mut value = String::from(&body[..end]);
    let mut chars = body[end..].char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Ok((Cow::Owned(value), &body[end + at + 1..])),
            '\\' => {
                let escaped = chars.next().ok_or("unterminated double-quoted scalar")?.1;
                match escaped {
                    'n' => value.push('\n'),
                    't' => value.push('\t'),
                    'r' => value.push('\r'),
                    '0' => value.push('\0'),
                    'u' | 'x' | 'U' => {
                        let width = match escaped {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut code = 0u32;
                        for _ in 0..width {
                            let digit = chars
                                .next()
                                .and_then(|(_, d)| d.to_digit(16))
                                .ok_or("invalid hex escape in a double-quoted scalar")?;
                            code = code * 16 + digit;
                        }
                        value.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                    }
                    other => value.push(other),
                }
            }
            other => value.push(other),
        }
    }
    Err("unterminated double-quoted scalar")
}

/// A one-line flow collection reader.
struct Flow<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
    /// The line the flow is on, for its entries.
    line: u32,
}

impl<'a> Flow<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    fn column(&self) -> u32 {
        u32::try_from(self.pos + 1).unwrap_or(u32::MAX)
    }

    fn skip_spaces(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches(' ').len();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_spaces();
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Node<'a>, &'static str> {
        self.skip_spaces();
        if self.depth > MAX_DEPTH {
            return Err("flow collections nested too deeply");
        }
        if self.eat('{') {
            self.depth += 1;
            let mut entries = Vec::new();
            if !self.eat('}') {
                loop {
                    let key = match self.item()? {
                        Node::Scalar(key) => key,
                        _ => return Err("expected a scalar key in a flow mapping"),
                    };
                    let value = if self.eat(':') {
                        self.value()?
                    } else {
                        Node::Scalar(Cow::Borrowed(""))
                    };
                    entries.push(Entry {
                        key,
                        value,
                        line: self.line,
                    });
                    if self.eat('}') {
                        break;
                    }
                    if !self.eat(',') {
                        return Err("expected `,` or `}` in a flow mapping");
                    }
                }
            }
            self.depth -= 1;
            return Ok(Node::Map(entries));
        }
        if self.eat('[') {
            self.depth += 1;
            let mut items = Vec::new();
            if !self.eat(']') {
                loop {
                    items.push(self.value()?);
                    if self.eat(']') {
                        break;
                    }
                    if !self.eat(',') {
                        return Err("expected `,` or `]` in a flow sequence");
                    }
                }
            }
            self.depth -= 1;
            return Ok(Node::Seq(items));
        }
        self.item()
    }

    /// A scalar inside a flow: quoted, or plain up to `,` `}` `]` or `: `.
    fn item(&mut self) -> Result<Node<'a>, &'static str> {
        self.skip_spaces();
        let rest = self.rest();
        if rest.starts_with(['\'', '"']) {
            let (value, after) = quoted(rest)?;
            self.pos += rest.len() - after.len();
            return Ok(Node::Scalar(value));
        }
        let bytes = rest.as_bytes();
        let mut end = 0;
        while let Some(&b) = bytes.get(end) {
            let ends_key =
                b == b':' && matches!(bytes.get(end + 1), None | Some(b' ' | b',' | b'}' | b']'));
            if matches!(b, b',' | b'}' | b']' | b'{' | b'[') || ends_key {
                break;
            }
            end += 1;
        }
        if end == rest.len() {
            return Err("unterminated flow collection");
        }
        self.pos += end;
        Ok(Node::Scalar(Cow::Borrowed(rest[..end].trim_end())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node<'_> {
        let mut docs = parse_documents("t.yaml", text).unwrap();
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    #[test]
    fn reads_pnpm_shapes_with_lines() {
        let text = "lockfileVersion: '9.0'\n\npackages:\n\n  '@a/b@1.0.0':\n    resolution: {integrity: sha512-x==, tarball: 'https://h/x.tgz'}\n    cpu: [x64, arm64]\n    engines: {node: '>=8'}\n    deps:\n      - one\n      - k: v\n        j: w\n";
        let doc = one(text);
        assert_eq!(
            doc.get("lockfileVersion").and_then(Node::as_str),
            Some("9.0")
        );
        let packages = doc.get("packages").unwrap().entries();
        assert_eq!(packages[0].key, "@a/b@1.0.0");
        assert_eq!(packages[0].line, 5);
        let resolution = packages[0].value.get("resolution").unwrap();
        assert_eq!(
            resolution.get("integrity").and_then(Node::as_str),
            Some("sha512-x==")
        );
        assert_eq!(
            resolution.get("tarball").and_then(Node::as_str),
            Some("https://h/x.tgz")
        );
        let cpu = packages[0].value.get("cpu").unwrap();
        assert_eq!(
            cpu,
            &Node::Seq(vec![
                Node::Scalar("x64".into()),
                Node::Scalar("arm64".into())
            ])
        );
        let Some(Node::Seq(deps)) = packages[0].value.get("deps") else {
            panic!()
        };
        assert_eq!(deps[1].get("j").and_then(Node::as_str), Some("w"));
    }

    #[test]
    fn quoted_scalars() {
        let doc = one("a: 'it''s'\n\"b c\": \"x\\u0041\\\"\"\nd: plain # comment\n");
        assert_eq!(doc.get("a").and_then(Node::as_str), Some("it's"));
        assert_eq!(doc.get("b c").and_then(Node::as_str), Some("xA\""));
        assert_eq!(doc.get("d").and_then(Node::as_str), Some("plain"));
    }

    #[test]
    fn several_documents() {
        let docs = parse_documents("t", "---\na: 1\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
    }

    #[test]
    fn errors_name_the_line() {
        for (text, line) in [
            ("a: 1\n  b: 2\n", 2),
            ("a:\n  b: {x: 1\n", 2),
            ("a: 'open\n", 1),
            ("a:\n\tb: 1\n", 2),
            ("a:\n  ? x: 1\n", 2),
        ] {
            match parse_documents("t", text) {
                Err(Error::Syntax { line: Some(l), .. }) => assert_eq!(l, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let deep = "[".repeat(200);
        assert!(parse_documents("t", &format!("a: {deep}\n")).is_err());
        let mut block = String::new();
        for i in 0..200 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        assert!(parse_documents("t", &block).is_err());
    }
}
