//! The three package ecosystems, spelled as OSV spells them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A package ecosystem. Serialized with OSV's spelling (`npm`, `PyPI`, `crates.io`) so that
/// advisories and inventory entries compare without translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Ecosystem {
    /// The npm registry (npm, yarn, pnpm, bun).
    #[serde(rename = "npm")]
    Npm,
    /// The Python Package Index (pip, uv, poetry, pdm, pipenv).
    #[serde(rename = "PyPI")]
    PyPI,
    /// crates.io (cargo).
    #[serde(rename = "crates.io")]
    CratesIo,
}

impl Ecosystem {
    /// Every ecosystem, in a stable order.
    pub const ALL: [Ecosystem; 3] = [Ecosystem::Npm, Ecosystem::PyPI, Ecosystem::CratesIo];

    /// The OSV spelling of the ecosystem.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::CratesIo => "crates.io",
        }
    }

    /// The package-URL type of the ecosystem (`npm`, `pypi`, `cargo`).
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::CratesIo => "cargo",
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ecosystem name that tollgate does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEcosystem(pub String);

impl fmt::Display for UnknownEcosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown ecosystem `{}` (expected npm, PyPI or crates.io; aliases: pypi, cargo, crates)",
            self.0
        )
    }
}

impl std::error::Error for UnknownEcosystem {}

impl FromStr for Ecosystem {
    type Err = UnknownEcosystem;

    /// Accepts OSV's spelling and the usual aliases, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "npm" => Ok(Ecosystem::Npm),
            "pypi" | "python" | "pip" => Ok(Ecosystem::PyPI),
            "crates.io" | "cargo" | "crates" | "rust" => Ok(Ecosystem::CratesIo),
            _ => Err(UnknownEcosystem(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_osv_spelling_and_aliases() {
        assert_eq!("PyPI".parse(), Ok(Ecosystem::PyPI));
        assert_eq!("pypi".parse(), Ok(Ecosystem::PyPI));
        assert_eq!("cargo".parse(), Ok(Ecosystem::CratesIo));
        assert_eq!("crates.io".parse(), Ok(Ecosystem::CratesIo));
        assert_eq!("npm".parse(), Ok(Ecosystem::Npm));
        assert!("maven".parse::<Ecosystem>().is_err());
    }

    #[test]
    fn serializes_with_osv_spelling() {
        assert_eq!(
            serde_json::to_string(&Ecosystem::CratesIo).unwrap(),
            "\"crates.io\""
        );
        assert_eq!(serde_json::to_string(&Ecosystem::PyPI).unwrap(), "\"PyPI\"");
    }
}
