//! Versions in audit records, each read with its ecosystem's rules (`tollgate-version`).
//!
//! crates.io versions are Cargo SemVer, and may carry cargo-vet's git revision suffix
//! (`1.2.3@git:<40 hex digits>`, for delta audits of git dependencies). Two crate versions
//! are the same version when their SemVer is equal *including* build metadata, as in
//! cargo-vet (crates.io never publishes two versions that differ only by it). npm
//! versions follow node-semver, PyPI versions PEP 440: `1.0` and `1.0.0` are the same
//! PyPI release, as pip treats them.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;
use tollgate_model::Ecosystem;
use tollgate_version::{Scheme, Version};

/// A version named by an audit record.
#[derive(Debug, Clone)]
pub struct VetVersion {
    parsed: Version,
    git_rev: Option<String>,
    text: String,
}

impl VetVersion {
    /// Parses `text` as a version of `ecosystem`; the error says what was expected.
    pub fn parse(ecosystem: Ecosystem, text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (version, git_rev) = match text.split_once('@') {
            Some((version, rev)) if ecosystem == Ecosystem::CratesIo => {
                (version.trim_end(), Some(git_rev(rev)?))
            }
            _ => (text, None),
        };
        let parsed = Scheme::of_ecosystem(ecosystem)
            .parse(version)
            .map_err(|error| error.to_string())?;
        Ok(VetVersion {
            parsed,
            git_rev,
            text: text.to_owned(),
        })
    }

    /// Whether both name the same release.
    pub fn same(&self, other: &VetVersion) -> bool {
        self.identity(other) == Ordering::Equal
    }

    /// A total order whose equality is [`Self::same`], for looking versions up: the
    /// ecosystem's order, except that crate versions differing only in build metadata
    /// are told apart, then the git revision.
    pub(crate) fn identity(&self, other: &VetVersion) -> Ordering {
        let by_version = match (&self.parsed, &other.parsed) {
            (Version::Cargo(a), Version::Cargo(b)) => a.cmp(b),
            (Version::Npm(a), Version::Npm(b)) => a.cmp(b),
            (Version::Pypi(a), Version::Pypi(b)) => a.cmp(b),
            (a, b) => scheme_rank(a).cmp(&scheme_rank(b)),
        };
        by_version.then_with(|| self.git_rev.cmp(&other.git_rev))
    }

    /// The ecosystem's order; `None` for git revisions (commits are not ordered) and for
    /// versions of different ecosystems.
    pub fn compare(&self, other: &VetVersion) -> Option<Ordering> {
        if self.git_rev.is_some() || other.git_rev.is_some() {
            return None;
        }
        self.parsed.compare(&other.parsed)
    }

    /// Whether this names a git commit rather than a published release.
    pub fn is_git(&self) -> bool {
        self.git_rev.is_some()
    }

    /// The first three release numbers (`1.2` → `[1, 2, 0]`), for measuring how far apart
    /// two versions are when suggesting an audit.
    pub(crate) fn release_numbers(&self) -> [u64; 3] {
        let mut numbers = [0u64; 3];
        let release = self
            .text
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .next()
            .unwrap_or_default();
        for (slot, part) in numbers.iter_mut().zip(release.split('.')) {
            *slot = part.parse().unwrap_or(u64::MAX);
        }
        numbers
    }
}

/// Orders versions of different schemes (which never meet in one package's graph).
fn scheme_rank(version: &Version) -> u8 {
    match version {
        Version::Npm(_) => 0,
        Version::Pypi(_) => 1,
        Version::Cargo(_) => 2,
    }
}

/// The commit of a `@git:<hash>` suffix.
fn git_rev(rev: &str) -> Result<String, String> {
    let hash = rev
        .trim_start()
        .strip_prefix("git:")
        .ok_or_else(|| format!("`@{rev}`: a revision suffix must be `@git:<commit>`"))?;
    if hash.len() == 40 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hash.to_ascii_lowercase())
    } else {
        Err(format!("`{hash}` is not a 40-digit git commit hash"))
    }
}

impl fmt::Display for VetVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for VetVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(ecosystem: Ecosystem, text: &str) -> VetVersion {
        VetVersion::parse(ecosystem, text).unwrap()
    }

    #[test]
    fn cargo_versions_keep_build_metadata_and_pre_releases_apart() {
        let c = Ecosystem::CratesIo;
        assert!(v(c, "0.2.1+wasi-snapshot-preview1").same(&v(c, "0.2.1+wasi-snapshot-preview1")));
        assert!(!v(c, "0.2.1+wasi-snapshot-preview1").same(&v(c, "0.2.1")));
        assert!(!v(c, "1.0.0-rc.1").same(&v(c, "1.0.0")));
        assert_eq!(
            v(c, "1.0.0-rc.1").compare(&v(c, "1.0.0")),
            Some(Ordering::Less)
        );
        assert!(VetVersion::parse(c, "1.0").is_err());
    }

    #[test]
    fn git_revisions_are_exact_and_unordered() {
        let c = Ecosystem::CratesIo;
        let hash = "9366e0af8da529c958b4cd4fcbe492d951c86f5c";
        let git = v(c, &format!("0.72.0@git:{hash}"));
        assert!(git.is_git());
        assert!(!git.same(&v(c, "0.72.0")));
        assert_eq!(git.compare(&v(c, "0.72.0")), None);
        assert!(VetVersion::parse(c, "0.72.0@git:abc").is_err());
        assert!(VetVersion::parse(c, "0.72.0@svn:1").is_err());
    }

    #[test]
    fn pypi_and_npm_use_their_own_equality() {
        assert!(v(Ecosystem::PyPI, "1.0").same(&v(Ecosystem::PyPI, "1.0.0")));
        assert!(
            v(Ecosystem::PyPI, "2.0.post1").compare(&v(Ecosystem::PyPI, "2.0"))
                == Some(Ordering::Greater)
        );
        assert!(v(Ecosystem::Npm, "v1.2.3").same(&v(Ecosystem::Npm, "1.2.3")));
        assert_eq!(v(Ecosystem::PyPI, "2.31").release_numbers(), [2, 31, 0]);
    }
}
