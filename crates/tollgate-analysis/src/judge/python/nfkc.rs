//! Python reads identifiers in NFKC form (PEP 3131): `ℯ𝓍ℯ𝒸(code)` calls `exec`. The
//! analysis sees what Python sees by rewriting every non-ASCII identifier of a file to
//! its NFKC form before the walk, and reports identifiers that look like other letters
//! but read as plain ASCII names: only an obfuscator writes `exec` that way.

use tree_sitter::Node;
use unicode_normalization::UnicodeNormalization;

use super::super::signal::{Reach, Signal, SignalKind};
use crate::facts::{line_of, text_of};

/// Most look-alike names quoted in the signal.
const MAX_QUOTED: usize = 3;

/// The source with its non-ASCII identifiers in NFKC form, and a signal for those that
/// become ASCII. `None` when nothing changes (every ASCII file). `root` is the parse tree
/// of `source`: the caller keeps it when nothing changes, so most files are parsed once.
pub(super) fn normalize_identifiers(
    root: Node<'_>,
    source: &str,
) -> Option<(String, Option<Signal>)> {
    if source.is_ascii() {
        return None;
    }
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut look_alikes: Vec<(u32, String, String)> = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" {
            note(node, source, &mut edits, &mut look_alikes);
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for (range, replacement) in edits {
        if range.start < at {
            continue;
        }
        out.push_str(&source[at..range.start]);
        out.push_str(&replacement);
        at = range.end;
    }
    out.push_str(&source[at..]);
    let signal = look_alikes.first().map(|(line, _, _)| {
        let quoted: Vec<String> = look_alikes
            .iter()
            .take(MAX_QUOTED)
            .map(|(_, written, read)| format!("`{written}` reads as `{read}`"))
            .collect();
        Signal::new(
            SignalKind::Obfuscator,
            *line,
            Reach::Always,
            format!("identifiers in look-alike letters: {}", quoted.join(", ")),
        )
    });
    Some((out, signal))
}

fn note(
    node: Node<'_>,
    source: &str,
    edits: &mut Vec<(std::ops::Range<usize>, String)>,
    look_alikes: &mut Vec<(u32, String, String)>,
) {
    let written = text_of(node, source);
    if written.is_ascii() {
        return;
    }
    let read: String = written.nfkc().collect();
    if read == written {
        return;
    }
    if read.is_ascii() {
        look_alikes.push((line_of(node), written.to_owned(), read.clone()));
    }
    edits.push((node.byte_range(), read));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalize(source: &str) -> Option<(String, Option<Signal>)> {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        let tree = crate::facts::parse(&language, source).expect("parses");
        normalize_identifiers(tree.root_node(), source)
    }

    #[test]
    fn math_letters_read_as_ascii_names() {
        let (text, signal) = normalize("x = 1\nℯ𝓍ℯ𝒸(code)  # ℯ𝓍ℯ𝒸\n").expect("rewritten");
        assert_eq!(text, "x = 1\nexec(code)  # ℯ𝓍ℯ𝒸\n");
        let signal = signal.expect("look-alike signal");
        assert_eq!(signal.line, 2);
        assert!(signal.why.contains("`exec`"), "{}", signal.why);
    }

    #[test]
    fn other_scripts_are_left_alone() {
        assert!(normalize("名前 = 'x'\nθ = 2\n").is_none());
        assert!(normalize("s = 'ℯ𝓍ℯ𝒸'\n").is_none());
    }
}
