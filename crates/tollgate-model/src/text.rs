//! Foreign text made safe to print. Package names, versions, advisory summaries, file
//! names inside archives: any of it may be written by an attacker, and printed raw a
//! newline followed by `::error::` becomes a GitHub Actions workflow command, an ANSI
//! escape repaints the terminal, a bidi override reorders what the reader sees. Every
//! renderer passes foreign strings through [`escape_text`] first.

use std::borrow::Cow;

/// `text` with every control character (C0, DEL, C1, so newlines and ANSI escapes too)
/// and every bidirectional-override character written as a visible `\u{..}` escape
/// (`\n`, `\r`, `\t` as those two-character sequences). With no line break left, a
/// foreign string can never start a line of output. Unchanged text is not copied.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            c if needs_escape(c) => escaped.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_bidi_overrides_become_visible() {
        assert_eq!(escape_text("serde"), "serde");
        assert!(matches!(escape_text("serde"), Cow::Borrowed(_)));
        assert_eq!(escape_text("a\n::error::x"), "a\\n::error::x");
        assert_eq!(escape_text("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(escape_text("x\u{202e}y\u{85}"), "x\\u{202e}y\\u{85}");
    }
}
