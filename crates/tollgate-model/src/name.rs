//! Package-name normalization, so that `Django`, `django` and `DJANGO` are one package.

use crate::Ecosystem;

/// Normalizes a package name the way the ecosystem's registry compares names.
///
/// - PyPI: PEP 503 (lowercase; runs of `-`, `_` and `.` become one `-`).
/// - npm: names are case-sensitive on the registry (new names must be lowercase, but old
///   mixed-case packages exist), so the name is kept as written.
/// - crates.io: crates.io treats `-` and `_` as the same and compares case-insensitively;
///   the lockfile, however, records the canonical spelling, and advisories use it too, so
///   the name is kept as written.
pub fn normalize_name(ecosystem: Ecosystem, name: &str) -> String {
    match ecosystem {
        Ecosystem::PyPI => pep503(name),
        Ecosystem::Npm | Ecosystem::CratesIo => name.to_owned(),
    }
}

/// PEP 503 normalization: `re.sub(r"[-_.]+", "-", name).lower()`.
fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator_run {
                out.push('-');
            }
            in_separator_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_separator_run = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_examples() {
        // The examples of PEP 503 and the packaging guide's "name normalization" page.
        for name in [
            "friendly-bard",
            "Friendly-Bard",
            "FRIENDLY-BARD",
            "friendly.bard",
            "friendly_bard",
            "friendly--bard",
            "FrIeNdLy-._.-bArD",
        ] {
            assert_eq!(
                normalize_name(Ecosystem::PyPI, name),
                "friendly-bard",
                "{name}"
            );
        }
    }

    #[test]
    fn npm_and_cargo_names_are_kept() {
        assert_eq!(
            normalize_name(Ecosystem::Npm, "@Scope/JSONStream"),
            "@Scope/JSONStream"
        );
        assert_eq!(
            normalize_name(Ecosystem::CratesIo, "serde_json"),
            "serde_json"
        );
    }
}
