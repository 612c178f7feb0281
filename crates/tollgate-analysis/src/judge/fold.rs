//! Constant folding of the string building attackers use to hide names and payloads:
//! literals with their escapes, concatenation, repetition, `''.join(map(chr, [...]))` and
//! its comprehension forms (with `^`, `+`, `-` of a constant), `chr(n)`, `[::-1]`,
//! `bytes.fromhex`, `bytes([...])`, base64/hex/zlib/rot13 decoders of foldable input, and
//! names bound to such values. Python only here; `javascript.rs` folds its own forms.
//!
//! Every path is bounded: recursion depth, output length, list length.

use std::collections::HashMap;

use tree_sitter::Node;

use super::decode;
use crate::facts::text_of;

/// Deepest nesting folded.
const MAX_DEPTH: usize = 48;
/// Longest folded string.
const MAX_LEN: usize = 1024 * 1024;

/// Folds Python expressions of one file.
pub(crate) struct Folder<'a> {
    pub source: &'a str,
    /// Names bound to a folded string at module level.
    pub consts: &'a HashMap<String, String>,
    /// Names bound to a list or tuple of folded strings (`parts = ['power', 'shell']`),
    /// for `''.join(parts)`.
    pub lists: &'a HashMap<String, Vec<String>>,
}

impl Folder<'_> {
    /// The string value of `node`, when it is built from constants only.
    pub(crate) fn fold(&self, node: Node<'_>) -> Option<String> {
        self.fold_at(node, 0)
    }

    /// The value of an f-string whose interpolations are not all constants, with `*` for
    /// each unknown one (`f'/home/{user}/.profile'` is `/home/*/.profile`): enough to see
    /// where a path built at run time points. `None` for anything but an f-string.
    /// Concatenations with `+` are sketched the same way (`home + '/.bashrc'` is
    /// `*/.bashrc`) when at least one part is known.
    pub(crate) fn sketch(&self, node: Node<'_>) -> Option<String> {
        if node.kind() == "binary_operator" {
            return self.sketch_sum(node);
        }
        if node.kind() != "string" {
            return None;
        }
        let mut out = String::new();
        let mut interpolated = false;
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "string_content" | "escape_sequence" => {
                    unescape_into(text_of(child, self.source), &mut out)
                }
                "interpolation" => {
                    interpolated = true;
                    let value = child
                        .child_by_field_name("expression")
                        .and_then(|e| self.fold_at(e, 1));
                    out.push_str(value.as_deref().unwrap_or("*"));
                }
                _ => {}
            }
            if out.len() > MAX_LEN {
                return None;
            }
        }
        interpolated.then_some(out)
    }

    /// `a + 'b' + c` with unknown parts as `*`; `None` when no part is known or the
    /// operator is not `+`.
    fn sketch_sum(&self, node: Node<'_>) -> Option<String> {
        let mut parts = Vec::new();
        let mut pending = vec![node];
        while let Some(next) = pending.pop() {
            if parts.len() > 64 {
                return None;
            }
            let is_sum = next.kind() == "binary_operator"
                && next
                    .child_by_field_name("operator")
                    .is_some_and(|op| op.kind() == "+");
            if is_sum {
                pending.extend(next.child_by_field_name("right"));
                pending.extend(next.child_by_field_name("left"));
            } else {
                // Only f-strings are sketched inside a sum: any other operator would come
                // straight back here.
                let sketched = || {
                    (next.kind() == "string")
                        .then(|| self.sketch(next))
                        .flatten()
                };
                parts.push(self.fold_at(next, 1).or_else(sketched));
            }
        }
        if parts.iter().all(Option::is_none) || parts.iter().all(Option::is_some) {
            return None;
        }
        let out: String = parts.iter().map(|p| p.as_deref().unwrap_or("*")).collect();
        (out.len() <= MAX_LEN).then_some(out)
    }

    fn fold_at(&self, node: Node<'_>, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let next = depth + 1;
        let out = match node.kind() {
            "string" => string_value(node, self.source)?,
            "concatenated_string" => {
                let mut out = String::new();
                let mut cursor = node.walk();
                for part in node.named_children(&mut cursor) {
                    out.push_str(&self.fold_at(part, next)?);
                }
                out
            }
            "parenthesized_expression" => self.fold_at(node.named_child(0)?, next)?,
            "identifier" => self.consts.get(text_of(node, self.source))?.clone(),
            "binary_operator" => self.binary(node, next)?,
            "subscript" => self.reversed(node, next)?,
            "call" => self.call(node, next)?,
            _ => return None,
        };
        (out.len() <= MAX_LEN).then_some(out)
    }

    fn binary(&self, node: Node<'_>, depth: usize) -> Option<String> {
        let left = node.child_by_field_name("left")?;
        let right = node.child_by_field_name("right")?;
        let operator = node
            .child_by_field_name("operator")
            .map(|o| text_of(o, self.source))?;
        match operator {
            "+" => Some(self.fold_at(left, depth)? + &self.fold_at(right, depth)?),
            "*" => {
                let (text, count) = match (self.fold_at(left, depth), integer(right, self.source)) {
                    (Some(text), Some(count)) => (text, count),
                    _ => (self.fold_at(right, depth)?, integer(left, self.source)?),
                };
                let count = usize::try_from(count).ok()?;
                (text.len().saturating_mul(count) <= MAX_LEN).then(|| text.repeat(count))
            }
            _ => None,
        }
    }

    /// `s[::-1]`.
    fn reversed(&self, node: Node<'_>, depth: usize) -> Option<String> {
        let value = node.child_by_field_name("value")?;
        let index = node.child_by_field_name("subscript")?;
        let slice: String = text_of(index, self.source)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        (slice == "::-1").then(|| {
            self.fold_at(value, depth)
                .map(|s| s.chars().rev().collect())
        })?
    }

    fn call(&self, node: Node<'_>, depth: usize) -> Option<String> {
        let function = node.child_by_field_name("function")?;
        let arguments = node.child_by_field_name("arguments")?;
        let callee: String = text_of(function, self.source)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        // `f(x for x in y)`: the generator is the whole argument list.
        let first = if arguments.kind() == "generator_expression" {
            Some(arguments)
        } else {
            arguments.named_child(0)
        };
        let last_segment = callee.rsplit('.').next().unwrap_or(&callee);
        if callee.ends_with("codecs.decode") {
            let text = self.fold_at(first?, depth)?;
            let codec = arguments
                .named_child(1)
                .and_then(|c| self.fold_at(c, depth))
                .unwrap_or_default();
            return codec
                .replace('_', "")
                .eq_ignore_ascii_case("rot13")
                .then(|| decode::rot13(&text));
        }
        match last_segment {
            "chr" => {
                char::from_u32(u32::try_from(integer(first?, self.source)?).ok()?).map(String::from)
            }
            "join" => {
                let separator = self.fold_at(function.child_by_field_name("object")?, depth)?;
                let parts = self.sequence(first?, depth)?;
                Some(parts.join(&separator))
            }
            "fromhex" | "unhexlify" => lossy(decode::hex(&self.fold_at(first?, depth)?)?),
            "b64decode" | "decodebytes" | "standard_b64decode" | "urlsafe_b64decode"
            | "decodestring" => lossy(decode::base64(&self.fold_at(first?, depth)?)?),
            "decompress" => {
                let inner = self.fold_at(first?, depth)?;
                lossy(decode::inflate(&latin1_bytes(&inner))?)
            }
            "decode" | "encode" | "str" | "bytes" | "bytearray" => {
                if let Some(object) = function.child_by_field_name("object") {
                    if matches!(last_segment, "decode" | "encode") {
                        let text = self.fold_at(object, depth)?;
                        let codec = first
                            .and_then(|f| self.fold_at(f, depth))
                            .unwrap_or_default();
                        return Some(if codec.replace('_', "").eq_ignore_ascii_case("rot13") {
                            decode::rot13(&text)
                        } else {
                            text
                        });
                    }
                }
                let first = first?;
                if matches!(first.kind(), "list" | "tuple") {
                    let bytes: Option<Vec<u8>> = children(first)
                        .map(|c| integer(c, self.source).and_then(|n| u8::try_from(n).ok()))
                        .collect();
                    return lossy(bytes?);
                }
                self.fold_at(first, depth)
            }
            _ => None,
        }
    }

    /// The strings of a sequence argument to `join`: a list/tuple of foldable items,
    /// `map(chr, [ints])`, or `chr(x op k) for x in [ints]` (generator or list form).
    /// The strings of a list or tuple literal whose every item folds.
    pub(crate) fn fold_list(&self, node: Node<'_>) -> Option<Vec<String>> {
        match node.kind() {
            "list" | "tuple" => self.sequence(node, 1),
            _ => None,
        }
    }

    fn sequence(&self, node: Node<'_>, depth: usize) -> Option<Vec<String>> {
        match node.kind() {
            "identifier" if self.lists.contains_key(text_of(node, self.source)) => {
                self.lists.get(text_of(node, self.source)).cloned()
            }
            "list" | "tuple" => children(node)
                .take(100_000)
                .map(|item| self.fold_at(item, depth))
                .collect(),
            "call" => {
                let function = text_of(node.child_by_field_name("function")?, self.source);
                let arguments = node.child_by_field_name("arguments")?;
                if function != "map"
                    || arguments.named_child(0).map(|f| text_of(f, self.source)) != Some("chr")
                {
                    return None;
                }
                let list = arguments.named_child(1)?;
                chars_of(list, self.source, Some)
            }
            "generator_expression" | "list_comprehension" => {
                let body = node.child_by_field_name("body")?;
                let clause = children(node).find(|c| c.kind() == "for_in_clause")?;
                let variable = text_of(clause.child_by_field_name("left")?, self.source);
                let list = clause.child_by_field_name("right")?;
                // body: chr(x), chr(x ^ k), chr(x - k), chr(x + k)
                if text_of(body.child_by_field_name("function")?, self.source) != "chr" {
                    return None;
                }
                let inner = body.child_by_field_name("arguments")?.named_child(0)?;
                let transform = self.transform(inner, variable)?;
                chars_of(list, self.source, transform)
            }
            _ => self
                .fold_at(node, depth)
                .map(|s| s.chars().map(String::from).collect()),
        }
    }

    /// `x`, `x ^ k`, `x - k`, `x + k` as a function of the loop variable.
    fn transform(&self, inner: Node<'_>, variable: &str) -> Option<impl Fn(i64) -> Option<i64>> {
        if inner.kind() == "identifier" && text_of(inner, self.source) == variable {
            return Some(Box::new(Some) as Box<dyn Fn(i64) -> Option<i64>>);
        }
        if inner.kind() != "binary_operator" {
            return None;
        }
        let left = inner.child_by_field_name("left")?;
        if text_of(left, self.source) != variable {
            return None;
        }
        let k = integer(inner.child_by_field_name("right")?, self.source)?;
        let operator = text_of(inner.child_by_field_name("operator")?, self.source);
        let f: Box<dyn Fn(i64) -> Option<i64>> = match operator {
            "^" => Box::new(move |x| Some(x ^ k)),
            "-" => Box::new(move |x| x.checked_sub(k)),
            "+" => Box::new(move |x| x.checked_add(k)),
            _ => return None,
        };
        Some(f)
    }
}

pub(crate) fn children(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    // With a cursor: `named_child(i)` walks from the first child each time, which makes a
    // loop over a 10,000-element literal list quadratic.
    let mut cursor = node.walk();
    let list: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
    list.into_iter()
}

/// The characters of a list of integers under `transform`.
fn chars_of(
    list: Node<'_>,
    source: &str,
    transform: impl Fn(i64) -> Option<i64>,
) -> Option<Vec<String>> {
    if !matches!(list.kind(), "list" | "tuple") {
        return None;
    }
    children(list)
        .take(100_000)
        .map(|item| {
            let code = transform(integer(item, source)?)?;
            char::from_u32(u32::try_from(code).ok()?).map(String::from)
        })
        .collect()
}

/// An integer literal (decimal, hex, octal, binary; a leading `-`).
pub(crate) fn integer(node: Node<'_>, source: &str) -> Option<i64> {
    let text = text_of(node, source).replace('_', "");
    if node.kind() == "unary_operator" {
        let operand = node.child_by_field_name("argument")?;
        return text
            .starts_with('-')
            .then(|| integer(operand, source).map(|n| -n))?;
    }
    if node.kind() != "integer" {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let (digits, radix) = if let Some(hex) = lower.strip_prefix("0x") {
        (hex, 16)
    } else if let Some(octal) = lower.strip_prefix("0o") {
        (octal, 8)
    } else if let Some(binary) = lower.strip_prefix("0b") {
        (binary, 2)
    } else {
        (lower.as_str(), 10)
    };
    i64::from_str_radix(digits, radix).ok()
}

/// Bytes as the text the folder carries: UTF-8 when valid, else one char per byte.
fn lossy(bytes: Vec<u8>) -> Option<String> {
    Some(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => error.into_bytes().into_iter().map(char::from).collect(),
    })
}

/// The inverse of [`lossy`] for one-char-per-byte text.
fn latin1_bytes(text: &str) -> Vec<u8> {
    if text.chars().all(|c| (c as u32) < 256) {
        text.chars().map(|c| c as u8).collect()
    } else {
        text.as_bytes().to_vec()
    }
}

/// The value of a Python string literal: escapes decoded (unless raw), `None` for an
/// f-string with interpolations.
pub(crate) fn string_value(node: Node<'_>, source: &str) -> Option<String> {
    let mut out = String::new();
    let mut raw = false;
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "string_start" => raw = text_of(child, source).to_ascii_lowercase().contains('r'),
            "string_content" => {
                let text = text_of(child, source);
                if raw {
                    out.push_str(text);
                } else {
                    unescape_into(text, &mut out);
                }
            }
            "escape_sequence" => unescape_into(text_of(child, source), &mut out),
            "interpolation" => return None,
            _ => {}
        }
        if out.len() > MAX_LEN {
            return None;
        }
    }
    Some(out)
}

/// Decodes Python escapes (`\x41`, `\u0041`, `\101`, `\n`, ...) into `out`.
pub(crate) fn unescape_into(text: &str, out: &mut String) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(next) = chars.next() else {
            out.push('\\');
            break;
        };
        let mut code = |count: usize, radix: u32, first: Option<char>| {
            let mut digits: String = first.into_iter().collect();
            while digits.len() < count {
                match chars.peek() {
                    Some(d) if d.is_digit(radix) => {
                        digits.push(*d);
                        chars.next();
                    }
                    _ => break,
                }
            }
            u32::from_str_radix(&digits, radix)
                .ok()
                .and_then(char::from_u32)
        };
        let decoded = match next {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            '0'..='7' => code(3, 8, Some(next)),
            'x' => code(2, 16, None),
            'u' => code(4, 16, None),
            'U' => code(8, 16, None),
            '\\' | '\'' | '"' => Some(next),
            '\n' => None,
            other => {
                out.push('\\');
                Some(other)
            }
        };
        out.extend(decoded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(expr: &str) -> Option<String> {
        let source = format!("x = {expr}\n");
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        let tree = crate::facts::parse(&language, &source)?;
        let assignment = tree.root_node().named_child(0)?.named_child(0)?;
        let right = assignment.child_by_field_name("right")?;
        let consts = HashMap::from([("K".to_owned(), "ex".to_owned())]);
        let lists = HashMap::from([("P".to_owned(), vec!["power".to_owned(), "shell".to_owned()])]);
        Folder {
            source: &source,
            consts: &consts,
            lists: &lists,
        }
        .fold(right)
    }

    #[test]
    fn string_building_folds() {
        assert_eq!(fold("'ex' + 'ec'").as_deref(), Some("exec"));
        assert_eq!(fold("''.join(P)").as_deref(), Some("powershell"));
        assert_eq!(fold("K + 'ec'").as_deref(), Some("exec"));
        assert_eq!(fold("'\\x65\\x78\\x65\\x63'").as_deref(), Some("exec"));
        assert_eq!(
            fold("''.join(map(chr, [101, 120, 101, 99]))").as_deref(),
            Some("exec")
        );
        assert_eq!(
            fold("''.join(chr(c ^ 1) for c in [100, 121, 100, 98])").as_deref(),
            Some("exec")
        );
        assert_eq!(
            fold("''.join([chr(c - 1) for c in [102, 121, 102, 100]])").as_deref(),
            Some("exec")
        );
        assert_eq!(fold("'cexe'[::-1]").as_deref(), Some("exec"));
        assert_eq!(
            fold("bytes.fromhex('65786563').decode()").as_deref(),
            None,
            "short hex is not decoded"
        );
        assert_eq!(
            fold("bytes.fromhex('696d706f7274206f733b206f732e73797374656d28)').decode()"),
            None,
            "odd or bad hex is refused"
        );
        assert_eq!(
            fold("codecs.decode('rkrp', 'rot13')").as_deref(),
            Some("exec")
        );
        assert_eq!(
            fold("base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImlkIik=').decode()").as_deref(),
            Some("import os; os.system(\"id\")")
        );
        assert_eq!(
            fold("bytes([101, 120, 101, 99]).decode()").as_deref(),
            Some("exec")
        );
        assert_eq!(fold("f'{x}ec'"), None);
        assert_eq!(fold("'a' * 3").as_deref(), Some("aaa"));
        assert_eq!(fold("'a' * 99999999999"), None, "bounded");
    }
}
