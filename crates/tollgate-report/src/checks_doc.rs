//! What each diagnostic code means, read from docs/checks.md (embedded at build time, so
//! the SARIF rules and the documentation cannot drift apart): the `| \`code\` | what |`
//! table rows and the `Codes: \`code\` (what), ...` paragraphs of each check's section.
//! A code listed without a description gets its section's name.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// docs/checks.md as it was when this crate was built.
const CHECKS_MD: &str = include_str!("../../../docs/checks.md");

/// The description of `code` in docs/checks.md, if it documents it.
pub fn description(code: &str) -> Option<&'static str> {
    static PARSED: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| parse(CHECKS_MD))
        .get(code)
        .map(String::as_str)
}

/// Every code `markdown` documents, with its description.
fn parse(markdown: &str) -> BTreeMap<String, String> {
    let mut codes = BTreeMap::new();
    let mut section = String::new();
    let mut lines = markdown.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(title) = line.strip_prefix("## ") {
            section = title.replace('`', "");
        } else if let Some(row) = line.strip_prefix("| `") {
            let mut cells = row.split(" | ");
            let (Some(first), Some(what)) = (cells.next(), cells.next()) else {
                continue;
            };
            // `a`, `b` (id `a/<level>`): the codes are the backticked words before any `(`.
            let names = first.split('(').next().unwrap_or_default();
            for name in format!("`{names}").split('`').skip(1).step_by(2) {
                codes.insert(name.to_owned(), what.trim().to_owned());
            }
        } else if let Some(rest) = line.strip_prefix("Codes:") {
            let mut paragraph = rest.to_owned();
            while let Some(next) = lines.next_if(|l| !l.trim().is_empty()) {
                paragraph.push(' ');
                paragraph.push_str(next);
            }
            codes_paragraph(&paragraph, &section, &mut codes);
        }
    }
    codes
}

/// `` `a` (what a is), `b`. Default level: ... `` → a: what a is; b: the section's check.
fn codes_paragraph(paragraph: &str, section: &str, codes: &mut BTreeMap<String, String>) {
    let mut rest = paragraph;
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('`') else { break };
        let name = &after[..end];
        rest = &after[end + 1..];
        let what = match rest.trim_start().strip_prefix('(') {
            Some(inner) => {
                let close = inner.find(')').unwrap_or(inner.len());
                let what = inner[..close].to_owned();
                rest = &inner[close..];
                what
            }
            None => format!("the `{section}` policy check"),
        };
        codes.insert(name.to_owned(), capitalize(&what));
        // The list ends at its first full stop ("Default level: ...").
        if rest.trim_start_matches(')').trim_start().starts_with('.') {
            break;
        }
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tables_and_codes_paragraphs() {
        let parsed = parse(
            "## `bans`\n\nCodes: `bans` (a denied package), `bans-not-allowed` (allow-list\nmode). \
             Default level: deny.\n\n## `hashes`\n\nCodes: `hashes-missing`, `hashes-no-lockfile`. \
             Default level: warn, `not-a-code`.\n\n| code | what | severity |\n|---|---|---|\n\
             | `unmaintained`, `notice` | RustSec informational advisories | `info` |\n\
             | `install-code` (id `install-code/<level>`) | the verdict | `critical` |\n",
        );
        assert_eq!(parsed["bans"], "A denied package");
        assert_eq!(parsed["bans-not-allowed"], "Allow-list mode");
        assert_eq!(parsed["hashes-missing"], "The `hashes` policy check");
        assert_eq!(parsed["notice"], "RustSec informational advisories");
        assert_eq!(parsed["install-code"], "the verdict");
        assert!(!parsed.contains_key("not-a-code"));
        assert!(!parsed.contains_key("install-code/<level>"));
    }

    #[test]
    fn the_shipped_documentation_describes_every_check_code() {
        for code in [
            "vulnerability",
            "malicious",
            "bans",
            "sources-url",
            "hashes-missing",
            "install-scripts",
            "licenses-denied",
            "cooldown",
            "names-typosquat",
            "trust-unaudited",
            "install-code",
            "hash-mismatch",
            "deep-source-refused",
        ] {
            assert!(description(code).is_some_and(|d| d.len() > 5), "{code}");
        }
        assert_eq!(
            description("trust-violation").map(|d| d.starts_with("A locked version")),
            Some(true)
        );
    }
}
