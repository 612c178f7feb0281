//! A minimal aligned-column text table (no colours: output is often piped or logged).
//! Every cell is escaped (`tollgate_model::escape_text`): cells hold foreign text.

use std::io::{self, Write};

/// Writes `rows` under `header`, each column padded to its widest cell.
pub(crate) fn write_table<W: Write>(
    out: &mut W,
    header: &[&str],
    rows: &[Vec<String>],
) -> io::Result<()> {
    write_table_fit(out, header, rows, None)
}

/// Narrowest the flexible (last) column is cut to before the table is let overflow.
const MIN_FLEXIBLE: usize = 20;

/// Like [`write_table`], but when `width` is given and the table is wider, the last column
/// (a free-text summary) is cut to fit with `…`; the other columns (ids, versions,
/// locations) are never cut.
pub(crate) fn write_table_fit<W: Write>(
    out: &mut W,
    header: &[&str],
    rows: &[Vec<String>],
    width: Option<usize>,
) -> io::Result<()> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| tollgate_model::escape_text(cell).into_owned())
                .collect()
        })
        .collect();
    let mut rows = rows;
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    if let (Some(limit), Some(last)) = (width, widths.len().checked_sub(1)) {
        let fixed: usize = widths[..last].iter().map(|w| w + 2).sum();
        if fixed + MIN_FLEXIBLE > limit {
            return write_stacked(out, header, &rows, &widths, limit);
        }
        let room = limit.saturating_sub(fixed).max(MIN_FLEXIBLE);
        if widths[last] > room {
            widths[last] = room;
            for row in &mut rows {
                if let Some(cell) = row.get_mut(last) {
                    if cell.chars().count() > room {
                        let cut: String = cell.chars().take(room - 1).collect();
                        *cell = format!("{cut}…");
                    }
                }
            }
        }
    }
    let rows = rows.as_slice();
    write_row(out, &widths, header.iter().copied())?;
    for row in rows {
        write_row(out, &widths, row.iter().map(String::as_str))?;
    }
    Ok(())
}

/// Indent of a stacked row's continuation lines.
const INDENT: &str = "    ";

/// The table for a terminal too narrow for its fixed columns: each row's first columns
/// (as many as fit, at least one) on one line, then the other cells and the free text,
/// word-wrapped on indented lines. No cell but the free text is ever split, and every
/// line fits unless a single cell is wider than the terminal.
fn write_stacked<W: Write>(
    out: &mut W,
    header: &[&str],
    rows: &[Vec<String>],
    widths: &[usize],
    limit: usize,
) -> io::Result<()> {
    let last = widths.len() - 1;
    let mut split = 1;
    let mut used = widths[0];
    while split < last && used + 2 + widths[split] <= limit {
        used += 2 + widths[split];
        split += 1;
    }
    write_row(out, &widths[..split], header[..split].iter().copied())?;
    let room = limit.saturating_sub(INDENT.len()).max(MIN_FLEXIBLE);
    for row in rows {
        write_row(
            out,
            &widths[..split],
            row.iter().take(split).map(String::as_str),
        )?;
        let rest: Vec<&str> = row[split.min(row.len())..]
            .iter()
            .map(String::as_str)
            .filter(|cell| !cell.is_empty())
            .collect();
        for line in wrap(&rest.join("  "), room) {
            writeln!(out, "{INDENT}{line}")?;
        }
    }
    Ok(())
}

/// `text` in lines of at most `room` characters, broken at spaces (a longer word is
/// split).
fn wrap(text: &str, room: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > room {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..room).collect());
        }
        let length = line.chars().count();
        if length > 0 && length + 1 + word.len() > room {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.extend(word);
    }
    if !line.trim().is_empty() {
        lines.push(line);
    }
    lines
}

fn write_row<'a, W: Write>(
    out: &mut W,
    widths: &[usize],
    cells: impl Iterator<Item = &'a str>,
) -> io::Result<()> {
    let mut line = String::new();
    for (i, (cell, width)) in cells.zip(widths).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        line.push_str(cell);
        if i + 1 < widths.len() {
            line.extend(std::iter::repeat_n(
                ' ',
                width.saturating_sub(cell.chars().count()),
            ));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_columns() {
        let mut out = Vec::new();
        write_table(&mut out, &["a", "bb"], &[vec!["ccc".into(), "d".into()]]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a    bb\nccc  d\n");
    }

    #[test]
    fn too_narrow_for_the_fixed_columns_rows_stack_and_the_text_wraps() {
        let rows = [vec![
            "unscored (high)".to_owned(),
            "RUSTSEC-2020-0071".to_owned(),
            "Cargo.lock:1234".to_owned(),
            "Potential segfault in the time crate when a locale is read".to_owned(),
        ]];
        let mut out = Vec::new();
        write_table_fit(
            &mut out,
            &["severity", "id", "location", "summary"],
            &rows,
            Some(40),
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "severity         id");
        assert_eq!(lines[1], "unscored (high)  RUSTSEC-2020-0071");
        assert!(
            lines[2].starts_with("    Cargo.lock:1234  Potential"),
            "{text}"
        );
        let words: Vec<&str> = lines[2..]
            .iter()
            .flat_map(|l| l.split_whitespace())
            .collect();
        assert_eq!(
            words.join(" "),
            "Cargo.lock:1234 Potential segfault in the time crate when a locale is read"
        );
    }

    #[test]
    fn only_the_last_column_is_cut_to_fit() {
        let long = "x".repeat(100);
        let mut out = Vec::new();
        let rows = [vec!["RUSTSEC-2020-0071".to_owned(), long]];
        write_table_fit(&mut out, &["id", "summary"], &rows, Some(50)).unwrap();
        let text = String::from_utf8(out).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert!(row.starts_with("RUSTSEC-2020-0071  "), "{row}");
        assert_eq!(row.chars().count(), 50, "{row}");
        assert!(row.ends_with('…'));
    }
}
