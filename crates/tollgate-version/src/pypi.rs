//! PyPI versions: PEP 440 (via `pep440_rs`), with the pre-PEP 440 "legacy" fallback.
//!
//! Old releases on PyPI (and old advisories) carry versions PEP 440 cannot parse
//! (`0.9-doduo`). Older `packaging` releases ordered those as `LegacyVersion`: before every
//! PEP 440 version, and among themselves by a key built from their digit and letter runs.
//! pip-audit and OSV tooling still meet such versions, so they are ordered the same way
//! here instead of being rejected.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A PyPI version: PEP 440 when it parses, else a legacy version.
#[derive(Debug, Clone)]
pub enum PypiVersion {
    /// A PEP 440 version.
    Pep440(pep440_rs::Version),
    /// A version only `packaging`'s old `LegacyVersion` accepted; sorts before all PEP 440
    /// versions.
    Legacy(LegacyVersion),
}

impl PypiVersion {
    /// Parses a PyPI version. Only empty (or whitespace) text is refused.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(Error::Invalid {
                version: text.to_owned(),
                scheme: "PEP 440",
                reason: "empty version".to_owned(),
            });
        }
        Ok(match pep440_rs::Version::from_str(trimmed) {
            Ok(version) => PypiVersion::Pep440(version),
            Err(_) => PypiVersion::Legacy(LegacyVersion::new(trimmed)),
        })
    }

    /// Whether this is a PEP 440 pre-release or development release.
    pub fn is_prerelease(&self) -> bool {
        match self {
            PypiVersion::Pep440(v) => v.any_prerelease(),
            PypiVersion::Legacy(_) => false,
        }
    }
}

impl Ord for PypiVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PypiVersion::Pep440(a), PypiVersion::Pep440(b)) => a.cmp(b),
            (PypiVersion::Legacy(a), PypiVersion::Legacy(b)) => a.cmp(b),
            (PypiVersion::Legacy(_), PypiVersion::Pep440(_)) => Ordering::Less,
            (PypiVersion::Pep440(_), PypiVersion::Legacy(_)) => Ordering::Greater,
        }
    }
}

impl PartialOrd for PypiVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for PypiVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for PypiVersion {}

impl fmt::Display for PypiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PypiVersion::Pep440(v) => v.fmt(f),
            PypiVersion::Legacy(v) => f.write_str(&v.text),
        }
    }
}

/// A legacy (non-PEP 440) version with `packaging`'s `_legacy_cmpkey` as its order.
#[derive(Debug, Clone)]
pub struct LegacyVersion {
    text: String,
    key: Vec<String>,
}

impl LegacyVersion {
    fn new(text: &str) -> Self {
        LegacyVersion {
            text: text.to_owned(),
            key: legacy_key(&text.to_lowercase()),
        }
    }
}

impl PartialEq for LegacyVersion {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for LegacyVersion {}

impl Ord for LegacyVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl PartialOrd for LegacyVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `packaging` 20's `_legacy_cmpkey` (without the constant epoch of -1).
fn legacy_key(lowercase: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for part in legacy_parts(lowercase) {
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    }
    parts
}

/// `packaging` 20's `_parse_version_parts`: splits on runs of digits, runs of letters, `.`
/// and `-` (keeping the text between matches), maps a few names, zero-pads numbers to 8.
fn legacy_parts(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut other = String::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        let class = |c: char| {
            if c.is_ascii_digit() {
                1
            } else if c.is_ascii_lowercase() {
                2
            } else if c == '.' || c == '-' {
                3
            } else {
                0
            }
        };
        let kind = class(c);
        if kind == 0 {
            other.push(c);
            chars.next();
            continue;
        }
        if !other.is_empty() {
            tokens.push(std::mem::take(&mut other));
        }
        let mut token = String::new();
        if kind == 3 {
            token.push(c);
            chars.next();
        } else {
            while let Some(&next) = chars.peek() {
                if class(next) != kind {
                    break;
                }
                token.push(next);
                chars.next();
            }
        }
        tokens.push(token);
    }
    if !other.is_empty() {
        tokens.push(other);
    }
    let mut parts = Vec::with_capacity(tokens.len() + 1);
    for token in tokens {
        let mapped = match token.as_str() {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            other => other,
        };
        if mapped.is_empty() || mapped == "." {
            continue;
        }
        if mapped.starts_with(|c: char| c.is_ascii_digit()) {
            parts.push(format!("{mapped:0>8}"));
        } else {
            parts.push(format!("*{mapped}"));
        }
    }
    parts.push("*final".to_owned());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> PypiVersion {
        PypiVersion::parse(s).unwrap()
    }

    #[test]
    fn pep440_ordering_examples() {
        // The ordering example of PEP 440's "Summary of permitted suffixes and relative
        // ordering" section.
        let chain = [
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ];
        for pair in chain.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1.0"), v("1.0.0"));
        assert!(v("1!1.0") > v("2.0"));
    }

    #[test]
    fn legacy_versions_sort_before_pep440_and_among_themselves() {
        assert!(matches!(v("0.1-bulbasaur"), PypiVersion::Legacy(_)));
        assert!(v("0.1-bulbasaur") < v("0.1-charmander"));
        assert!(v("0.9-ivysaur") < v("1.0"));
        assert!(v("-class.-jw.util.version.version-dev") < v("1.0"));
        assert!(PypiVersion::parse("  ").is_err());
    }
}
