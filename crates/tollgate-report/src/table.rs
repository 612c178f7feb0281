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
