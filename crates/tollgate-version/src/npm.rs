//! npm's version ordering (node-semver precedence), with the loose forms npm accepts.
//!
//! node-semver compares `major.minor.patch` numerically, then the pre-release identifiers
//! (a version with a pre-release sorts before the same version without one; numeric
//! identifiers compare as numbers and sort before alphanumeric ones, which compare by
//! ASCII), and ignores build metadata. Loose input that npm and OSV data use is accepted:
//! a leading `v` or `=`, surrounding spaces, missing minor/patch (`1` is `1.0.0`), a
//! pre-release without its hyphen (`1.2.3beta`), and components after the third, which
//! node-semver's loose coercion drops (they are kept as build metadata, so they never
//! change the order). Numbers of any length compare correctly (no overflow).

use std::cmp::Ordering;
use std::fmt;

use crate::Error;

/// A parsed npm version.
#[derive(Debug, Clone)]
pub struct NpmVersion {
    /// `major`, `minor`, `patch` as digit strings without leading zeros (`""` is zero).
    core: [String; 3],
    /// Pre-release identifiers; empty for a release.
    pre: Vec<Identifier>,
    /// The original text (for display).
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Identifier {
    /// Digits only, leading zeros stripped.
    Numeric(String),
    AlphaNumeric(String),
}

impl NpmVersion {
    /// Parses a version the way npm's loose mode does. `text` names the input in errors.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = |why: &str| Error::Invalid {
            version: text.to_owned(),
            scheme: "npm semver",
            reason: why.to_owned(),
        };
        let trimmed = text.trim();
        let rest = trimmed.trim_start_matches(['v', 'V', '=', ' ']);
        let mut core: [String; 3] = Default::default();
        let mut rest = rest;
        let mut components = 0;
        for (index, slot) in core.iter_mut().enumerate() {
            if index > 0 {
                match rest.strip_prefix('.') {
                    Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => rest = after,
                    _ => break,
                }
            }
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits == 0 {
                return Err(invalid("expected a number"));
            }
            let (number, after) = rest.split_at(digits);
            *slot = number.trim_start_matches('0').to_owned();
            rest = after;
            components += 1;
        }
        let pre_text = if let Some(after) = rest.strip_prefix('-') {
            after
        } else if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            rest
        } else {
            ""
        };
        let pre_text = pre_text.split('+').next().unwrap_or_default();
        // A fourth component (`1.2.3.4`) is tolerated; `1.2.x` is a range, not a version.
        let remainder_ok = rest.is_empty()
            || rest.starts_with(['-', '+'])
            || (components == 3 && rest.starts_with('.'))
            || rest.starts_with(|c: char| c.is_ascii_alphabetic());
        if !remainder_ok {
            return Err(invalid("unexpected text after the version numbers"));
        }
        let pre = if pre_text.is_empty() {
            Vec::new()
        } else {
            pre_text.split('.').map(Identifier::parse).collect()
        };
        Ok(NpmVersion {
            core,
            pre,
            text: trimmed.to_owned(),
        })
    }

    /// Whether this is a pre-release.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }
}

impl Identifier {
    fn parse(part: &str) -> Identifier {
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            Identifier::Numeric(part.trim_start_matches('0').to_owned())
        } else {
            Identifier::AlphaNumeric(part.to_owned())
        }
    }
}

/// Compares two digit strings without leading zeros as numbers.
fn cmp_digits(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Ord for Identifier {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Identifier::Numeric(a), Identifier::Numeric(b)) => cmp_digits(a, b),
            (Identifier::Numeric(_), Identifier::AlphaNumeric(_)) => Ordering::Less,
            (Identifier::AlphaNumeric(_), Identifier::Numeric(_)) => Ordering::Greater,
            (Identifier::AlphaNumeric(a), Identifier::AlphaNumeric(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Identifier {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for NpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.core.iter().zip(&other.core) {
            match cmp_digits(a, b) {
                Ordering::Equal => {}
                unequal => return unequal,
            }
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => self.pre.cmp(&other.pre),
        }
    }
}

impl PartialOrd for NpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for NpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NpmVersion {}

impl fmt::Display for NpmVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> NpmVersion {
        NpmVersion::parse(s).unwrap()
    }

    #[test]
    fn semver_spec_precedence_chain() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for pair in chain.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn loose_forms() {
        assert_eq!(v("v1.2.3"), v("1.2.3"));
        assert_eq!(v("=1.2.3"), v("1.2.3"));
        assert_eq!(v("1.2.3+build"), v("1.2.3+other"));
        assert!(v("1.36.0rc1") > v("1.35.0"));
        assert!(v("0.3.0") > v("0"));
        assert_eq!(v("1.1.3.4.5"), v("1.1.3"));
        assert!(v("1.2.3-r100") < v("1.2.3-r2"));
        assert!(v("1.2.3-5-foo") > v("1.2.3-5"));
    }

    #[test]
    fn huge_numbers_compare_without_overflow() {
        assert!(v("999999999999999999999999999991") < v("999999999999999999999999999999"));
        assert!(v("10000000000000000000000") > v("9999999999999999999999"));
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "abc", "1.2.3 || 2", "latest", "1.2.x"] {
            assert!(NpmVersion::parse(bad).is_err(), "{bad}");
        }
    }
}
