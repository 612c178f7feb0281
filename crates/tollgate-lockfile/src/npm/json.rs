//! JSON helpers shared by the package-lock and bun.lock parsers: objects kept in file
//! order, finding the line of an entry's key, JSONC clean-up and error positions.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

use crate::Error;
use crate::lines::LineIndex;

/// A JSON object deserialized as its entries in file order (serde_json's `Map` sorts keys
/// unless a crate-wide feature is on, and the line scan needs file order).
#[derive(Debug)]
pub(crate) struct Ordered<V>(pub(crate) Vec<(String, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
            type Value = Ordered<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // The size hint comes from the input; cap it so a lie cannot allocate much.
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
                while let Some(entry) = map.next_entry::<String, V>()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }

        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}

/// Finds the lines of object keys by scanning the text forward, so a file whose entries
/// are visited in file order is scanned once.
///
/// JSON parsers give no positions, so the finder looks for the key's JSON spelling
/// followed by `:` and the first byte of the value kind the caller expects (`{` for an
/// object entry, `[` for an array). That skips the same name written as a string value
/// (`"requires": {"a": "^1"}`). A key that is not found (written with unusual escapes)
/// gets no line; after a few misses the finder stops looking, so a hostile file cannot
/// make the scan quadratic.
pub(crate) struct KeyFinder<'a> {
    text: &'a str,
    index: LineIndex,
    cursor: usize,
    misses: u32,
}

/// How many keys may be missing before the finder gives up.
const MAX_MISSES: u32 = 8;

impl<'a> KeyFinder<'a> {
    /// A finder over `text`, starting at its beginning.
    pub(crate) fn new(text: &'a str) -> Self {
        KeyFinder {
            text,
            index: LineIndex::new(text),
            cursor: 0,
            misses: 0,
        }
    }

    /// The line of the next `"key": <opening>` after the cursor; moves the cursor past it.
    pub(crate) fn find(&mut self, key: &str, opening: u8) -> Option<u32> {
        if self.misses >= MAX_MISSES {
            return None;
        }
        let needle = serde_json::to_string(key).ok()?;
        let bytes = self.text.as_bytes();
        let mut from = self.cursor;
        while let Some(found) = self.text.get(from..).and_then(|rest| rest.find(&needle)) {
            let start = from + found;
            let after_key = start + needle.len();
            let colon = skip_whitespace(bytes, after_key);
            if bytes.get(colon) == Some(&b':') {
                let value = skip_whitespace(bytes, colon + 1);
                if bytes.get(value) == Some(&opening) {
                    self.cursor = value;
                    return Some(self.index.line(start));
                }
            }
            from = after_key;
        }
        self.misses += 1;
        None
    }
}

/// The line of the first `"key"` in `text` (for a top-level marker such as
/// `lockfileVersion`, which appears once).
pub(crate) fn first_key_line(text: &str, key: &str) -> Option<u32> {
    let offset = text.find(&format!("\"{key}\""))?;
    Some(crate::lines::line_of_offset(text.as_bytes(), offset))
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|b| b.is_ascii_whitespace()) {
        at += 1;
    }
    at
}

/// A serde_json error as a syntax error at its line and column.
pub(crate) fn syntax_error(path: &str, error: &serde_json::Error, what: &str) -> Error {
    let known = |n: usize| (n > 0).then(|| u32::try_from(n).unwrap_or(u32::MAX));
    // serde_json's message ends with " at line L column C"; the position is reported
    // separately, so drop it from the text.
    let message = error.to_string();
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(text, _)| text);
    Error::syntax(
        path,
        known(error.line()),
        known(error.column()),
        format!("invalid {what}: {message}"),
    )
}

/// JSONC (comments, trailing commas) turned into JSON of the same length: comments and
/// trailing commas become spaces, so byte offsets and lines are unchanged.
pub(crate) fn jsonc_to_json(text: &str) -> String {
    let mut out = text.as_bytes().to_vec();
    let mut i = 0;
    // Position of the last `,` outside strings and comments not yet followed by a value.
    let mut pending_comma: Option<usize> = None;
    while let Some(&b) = out.get(i) {
        match b {
            b'"' => {
                pending_comma = None;
                i = skip_string(&out, i);
                continue;
            }
            b'/' if out.get(i + 1) == Some(&b'/') => {
                while out.get(i).is_some_and(|&c| c != b'\n') {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if out.get(i + 1) == Some(&b'*') => {
                let end = find_comment_end(&out, i + 2);
                for c in out.iter_mut().take(end).skip(i) {
                    if *c != b'\n' {
                        *c = b' ';
                    }
                }
                i = end;
                continue;
            }
            b',' => pending_comma = Some(i),
            b'}' | b']' => {
                if let Some(comma) = pending_comma.take() {
                    out[comma] = b' ';
                }
            }
            c if c.is_ascii_whitespace() => {}
            _ => pending_comma = None,
        }
        i += 1;
    }
    // Only ASCII bytes outside strings were replaced by spaces, so the text stays UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The index after the string starting at `start` (a `"`), or the end of the input.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn find_comment_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while i + 1 < bytes.len() {
        if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            return i + 2;
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_object_keys_in_order_and_skips_string_values() {
        let text = "{\n \"requires\": {\"a\": \"^1\"},\n \"a\": {\n  \"b\": {}\n }\n}";
        let mut finder = KeyFinder::new(text);
        assert_eq!(finder.find("a", b'{'), Some(3));
        assert_eq!(finder.find("b", b'{'), Some(4));
        assert_eq!(finder.find("a", b'{'), None);
    }

    #[test]
    fn jsonc_keeps_offsets() {
        let text = "{\"a\": [1, 2,], // note\n \"s\": \"x,]\", /* c */ }";
        let json = jsonc_to_json(text);
        assert_eq!(json.len(), text.len());
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["s"], "x,]");
        assert_eq!(value["a"][1], 2);
    }

    #[test]
    fn ordered_keeps_file_order() {
        let map: Ordered<u8> = serde_json::from_str(r#"{"b": 1, "a": 2}"#).unwrap();
        assert_eq!(map.0, vec![("b".to_owned(), 1), ("a".to_owned(), 2)]);
    }
}
