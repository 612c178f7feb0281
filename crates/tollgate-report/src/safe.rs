//! The last line of defence for text output: a writer that makes every control character
//! visible and defuses any line that would begin with `::` (a GitHub Actions workflow
//! command). Renderers escape foreign fields themselves (`tollgate_model::escape_text`);
//! this catches a field a renderer forgot, for every command that prints text. JSON
//! passes through unchanged (serde already escapes control characters, and no line of
//! pretty-printed JSON starts with `::`).

use std::io::{self, Write};

/// Wraps a writer; lines are written when complete (and on flush / drop).
pub struct SafeLines<W: Write> {
    inner: W,
    line: Vec<u8>,
    /// Keep SGR colour sequences (`ESC [ digits ; ... m`): for a renderer that colours
    /// its own output after escaping every foreign field.
    color: bool,
}

impl<W: Write> SafeLines<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        SafeLines {
            inner,
            line: Vec::new(),
            color: false,
        }
    }

    /// Wraps `inner`, letting SGR colour sequences through (and nothing else).
    pub fn with_color(inner: W) -> Self {
        SafeLines {
            inner,
            line: Vec::new(),
            color: true,
        }
    }

    fn emit(&mut self, newline: bool) -> io::Result<()> {
        let text = String::from_utf8_lossy(&self.line);
        let escaped = if self.color {
            escape_keeping_sgr(&text)
        } else {
            tollgate_model::escape_text(&text).into_owned()
        };
        if escaped.trim_start().starts_with("::") {
            self.inner.write_all(b"\\")?;
        }
        self.inner.write_all(escaped.as_bytes())?;
        if newline {
            self.inner.write_all(b"\n")?;
        }
        self.line.clear();
        Ok(())
    }
}

/// `escape_text`, except for well-formed SGR sequences, which are kept.
fn escape_keeping_sgr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\u{1b}') {
        out.push_str(&tollgate_model::escape_text(&rest[..at]));
        let after = &rest[at + 1..];
        let params = after.strip_prefix('[').map(|p| {
            p.len()
                - p.trim_start_matches(|c: char| c.is_ascii_digit() || c == ';')
                    .len()
        });
        match params {
            Some(len) if after[1 + len..].starts_with('m') => {
                out.push_str(&rest[at..at + 3 + len]);
                rest = &after[2 + len..];
            }
            _ => {
                out.push_str("\\u{1b}");
                rest = after;
            }
        }
    }
    out.push_str(&tollgate_model::escape_text(rest));
    out
}

impl<W: Write> Write for SafeLines<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &byte in buf {
            if byte == b'\n' {
                self.emit(true)?;
            } else {
                self.line.push(byte);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.emit(false)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for SafeLines<W> {
    fn drop(&mut self) {
        // Errors surface on the explicit flush; a drop can only try.
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_mode_keeps_only_sgr_sequences() {
        let mut out = Vec::new();
        {
            let mut safe = SafeLines::with_color(&mut out);
            writeln!(safe, "\u{1b}[31mhigh\u{1b}[0m \u{1b}]0;title\u{7}").unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\u{1b}[31mhigh\u{1b}[0m \\u{1b}]0;title\\u{7}\n"
        );
    }

    #[test]
    fn control_characters_and_workflow_commands_are_defused() {
        let mut out = Vec::new();
        {
            let mut safe = SafeLines::new(&mut out);
            write!(safe, "name: evil\n::error::x\u{1b}[31m\n  ::warning::y\nok").unwrap();
            safe.flush().unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "name: evil\n\\::error::x\\u{1b}[31m\n\\  ::warning::y\nok"
        );
    }
}
