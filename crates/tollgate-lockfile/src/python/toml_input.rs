//! Reading TOML lockfiles (uv, Poetry, PDM, pylock and Cargo) into serde structures in one
//! parse, with errors that name the file, line and column.
//!
//! Parsers deserialize into their own structs and wrap the entries they report in
//! [`toml::Spanned`], so every package gets its line without a second pass over the text.

use serde::Deserialize;

use std::cell::Cell;

use crate::Error;

/// Deserializes `text` as `T`. `what` names the expected document ("a uv.lock document") for
/// the error message.
pub(crate) fn from_str<'de, T: Deserialize<'de>>(
    path: &str,
    text: &'de str,
    what: &str,
) -> Result<T, Error> {
    toml::from_str(text).map_err(|error| {
        let message = format!(
            "invalid TOML or unexpected structure (expected {what}): {}",
            error.message().trim_end()
        );
        match error.span() {
            Some(span) => {
                let (line, column) = line_and_column(text, span.start);
                Error::syntax(path, Some(line), Some(column), message)
            }
            None => Error::syntax(path, None, None, message),
        }
    })
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub(crate) fn line_and_column(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let line = crate::lines::line_of_offset(text.as_bytes(), offset);
    let before = text.as_bytes().get(..offset).unwrap_or_default();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = text
        .get(line_start..offset)
        .map_or(1, |prefix| prefix.chars().count() + 1);
    (line, u32::try_from(column).unwrap_or(u32::MAX))
}

/// Maps the byte spans of [`toml::Spanned`] values to 1-based lines. Parsers ask in file
/// order, so counting newlines from the previous answer keeps the whole pass linear
/// without indexing every line first; an earlier offset restarts the count.
pub(crate) struct SpanLines<'a> {
    text: &'a [u8],
    /// The last offset asked for and its line.
    cursor: Cell<(usize, u32)>,
}

impl<'a> SpanLines<'a> {
    /// Prepares to map offsets of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        SpanLines {
            text: text.as_bytes(),
            cursor: Cell::new((0, 1)),
        }
    }

    /// The line on which `value` starts.
    pub(crate) fn line_of<T>(&self, value: &toml::Spanned<T>) -> u32 {
        let offset = value.span().start.min(self.text.len());
        let (mut from, mut line) = self.cursor.get();
        if offset < from {
            (from, line) = (0, 1);
        }
        let newlines = self
            .text
            .get(from..offset)
            .map_or(0, |bytes| bytes.iter().filter(|&&b| b == b'\n').count());
        line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.cursor.set((offset, line));
        line
    }
}

/// A `MAJOR.MINOR` lock-version marker, checked against the majors a parser reads: the
/// version string to record, or [`Error::UnsupportedVersion`] at the marker's line.
pub(crate) fn checked_lock_version(
    path: &str,
    lines: &SpanLines<'_>,
    version: &toml::Spanned<String>,
    supported_majors: &[&str],
    what: &'static str,
    supported: &'static str,
) -> Result<String, crate::Error> {
    let found = version.get_ref();
    let major = found.split('.').next().unwrap_or_default();
    if supported_majors.contains(&major) {
        Ok(found.clone())
    } else {
        Err(crate::Error::UnsupportedVersion {
            path: path.to_owned(),
            line: Some(lines.line_of(version)),
            what,
            found: found.clone(),
            supported,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let text = "a = 1\nbé = x\n";
        assert_eq!(line_and_column(text, 0), (1, 1));
        // `x` is byte 12 (é is two bytes) and the 6th character of line 2.
        assert_eq!(line_and_column(text, 12), (2, 6));
        assert_eq!(line_and_column(text, 999), (3, 1));
    }

    #[test]
    fn span_lines_in_and_out_of_order() {
        let text = "a = 1\nb = 2\n\nc = 3\n";
        let table: toml::Table = toml::from_str(text).unwrap();
        assert_eq!(table.len(), 3);
        #[derive(serde::Deserialize)]
        struct Doc {
            a: toml::Spanned<i64>,
            b: toml::Spanned<i64>,
            c: toml::Spanned<i64>,
        }
        let doc: Doc = toml::from_str(text).unwrap();
        let lines = SpanLines::new(text);
        assert_eq!(lines.line_of(&doc.b), 2);
        assert_eq!(lines.line_of(&doc.c), 4);
        assert_eq!(lines.line_of(&doc.a), 1);
        assert_eq!(lines.line_of(&doc.c), 4);
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Doc {
            version: u32,
        }
        let error =
            from_str::<Doc>("x.lock", "# c\nversion = \"three\"\n", "a test document").unwrap_err();
        let file_error = error.to_file_error();
        assert_eq!(file_error.line, Some(2));
        assert_eq!(file_error.column, Some(11));
        assert!(
            file_error.message.contains("expected a test document"),
            "{}",
            file_error.message
        );
    }
}
