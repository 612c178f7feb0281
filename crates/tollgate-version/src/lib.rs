//! Versions and OSV ranges, with each ecosystem's own ordering rules.
//!
//! - npm: node-semver precedence with npm's loose forms ([`NpmVersion`]).
//! - PyPI: PEP 440 via `pep440_rs`, with `packaging`'s legacy ordering for the rest
//!   ([`PypiVersion`]).
//! - crates.io: Cargo's SemVer via the `semver` crate (build metadata ignored when
//!   ordering, as SemVer 2.0 says).
//!
//! [`OsvRange::evaluate`] implements the OSV schema's range evaluation for `ECOSYSTEM` and
//! `SEMVER` ranges (`introduced`, `fixed`, `last_affected`, `limit` events). `GIT` ranges
//! name commits, not versions, and are not evaluated here (lockfiles pin registry versions).

mod npm;
mod pypi;
mod range;

use std::cmp::Ordering;
use std::fmt;

use tollgate_model::Ecosystem;

pub use npm::NpmVersion;
pub use pypi::{LegacyVersion, PypiVersion};
pub use range::{OsvRange, RangeEvent, RangeKind, RangeVerdict, versions_list_contains};

/// A version text that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The text is not a version of the scheme.
    #[error("`{version}` is not a valid {scheme} version: {reason}")]
    Invalid {
        /// The text as given.
        version: String,
        /// The scheme it was parsed with (`npm semver`, `PEP 440`, `Cargo semver`).
        scheme: &'static str,
        /// What was wrong.
        reason: String,
    },
}

/// The ordering rules a version is parsed and compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// node-semver, loose.
    Npm,
    /// PEP 440 with the legacy fallback.
    Pypi,
    /// Strict SemVer 2.0 as Cargo uses it.
    Cargo,
}

impl Scheme {
    /// The scheme of an ecosystem's own versions (OSV `ECOSYSTEM` ranges, locked versions).
    pub fn of_ecosystem(ecosystem: Ecosystem) -> Scheme {
        match ecosystem {
            Ecosystem::Npm => Scheme::Npm,
            Ecosystem::PyPI => Scheme::Pypi,
            Ecosystem::CratesIo => Scheme::Cargo,
        }
    }

    /// The scheme of an OSV range of `kind` for a package of `ecosystem`: `SEMVER` ranges
    /// use SemVer 2.0 precedence (Cargo's parser for crates.io, node-semver's otherwise,
    /// which agrees with SemVer 2.0 on valid input).
    pub fn for_range(ecosystem: Ecosystem, kind: RangeKind) -> Scheme {
        match (kind, ecosystem) {
            (RangeKind::Ecosystem, _) | (RangeKind::Semver, Ecosystem::CratesIo) => {
                Scheme::of_ecosystem(ecosystem)
            }
            (RangeKind::Semver, _) => Scheme::Npm,
        }
    }

    /// Parses `text` with this scheme.
    pub fn parse(self, text: &str) -> Result<Version, Error> {
        match self {
            Scheme::Npm => NpmVersion::parse(text).map(Version::Npm),
            Scheme::Pypi => PypiVersion::parse(text).map(Version::Pypi),
            Scheme::Cargo => semver::Version::parse(text.trim())
                .map(Version::Cargo)
                .map_err(|e| Error::Invalid {
                    version: text.to_owned(),
                    scheme: "Cargo semver",
                    reason: e.to_string(),
                }),
        }
    }
}

/// A parsed version of one of the schemes.
#[derive(Debug, Clone)]
pub enum Version {
    /// An npm version.
    Npm(NpmVersion),
    /// A PyPI version.
    Pypi(PypiVersion),
    /// A crates.io version.
    Cargo(semver::Version),
}

impl Version {
    /// Compares two versions of the same scheme; `None` when the schemes differ.
    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        match (self, other) {
            (Version::Npm(a), Version::Npm(b)) => Some(a.cmp(b)),
            (Version::Pypi(a), Version::Pypi(b)) => Some(a.cmp(b)),
            (Version::Cargo(a), Version::Cargo(b)) => Some(a.cmp_precedence(b)),
            _ => None,
        }
    }

    /// Whether this is a pre-release.
    pub fn is_prerelease(&self) -> bool {
        match self {
            Version::Npm(v) => v.is_prerelease(),
            Version::Pypi(v) => v.is_prerelease(),
            Version::Cargo(v) => !v.pre.is_empty(),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Npm(v) => v.fmt(f),
            Version::Pypi(v) => v.fmt(f),
            Version::Cargo(v) => v.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_ignores_build_metadata_when_ordering() {
        let a = Scheme::Cargo.parse("1.2.3+build").unwrap();
        let b = Scheme::Cargo.parse("1.2.3+other").unwrap();
        assert_eq!(a.compare(&b), Some(Ordering::Equal));
        assert!(Scheme::Cargo.parse("v1.2.3").is_err());
    }

    #[test]
    fn different_schemes_do_not_compare() {
        let a = Scheme::Cargo.parse("1.2.3").unwrap();
        let b = Scheme::Npm.parse("1.2.3").unwrap();
        assert_eq!(a.compare(&b), None);
    }

    #[test]
    fn range_schemes() {
        assert_eq!(
            Scheme::for_range(Ecosystem::CratesIo, RangeKind::Semver),
            Scheme::Cargo
        );
        assert_eq!(
            Scheme::for_range(Ecosystem::PyPI, RangeKind::Ecosystem),
            Scheme::Pypi
        );
        assert_eq!(
            Scheme::for_range(Ecosystem::PyPI, RangeKind::Semver),
            Scheme::Npm
        );
    }
}
