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
}

impl<W: Write> SafeLines<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        SafeLines {
            inner,
            line: Vec::new(),
        }
    }

    fn emit(&mut self, newline: bool) -> io::Result<()> {
        let text = String::from_utf8_lossy(&self.line);
        let escaped = tollgate_model::escape_text(&text);
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
