//! Findings: what every check (advisories, install-time code, policy) reports, with evidence.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Ecosystem, Package};

/// How serious a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a build by default.
    Info,
    /// Low.
    Low,
    /// Medium (also used when an advisory gives no severity).
    Medium,
    /// High.
    High,
    /// Critical: known-malicious packages, hash mismatches, critical CVSS scores.
    Critical,
}

impl Severity {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The severity of a CVSS base score (CVSS v3/v4 qualitative rating scale).
    pub fn from_cvss_score(score: f64) -> Severity {
        match score {
            s if s >= 9.0 => Severity::Critical,
            s if s >= 7.0 => Severity::High,
            s if s >= 4.0 => Severity::Medium,
            s if s > 0.0 => Severity::Low,
            _ => Severity::Info,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity name that tollgate does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSeverity(pub String);

impl fmt::Display for UnknownSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown severity `{}` (expected info, low, medium, high or critical)",
            self.0
        )
    }
}

impl std::error::Error for UnknownSeverity {}

impl FromStr for Severity {
    type Err = UnknownSeverity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "none" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" | "moderate" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(UnknownSeverity(s.to_owned())),
        }
    }
}

/// One piece of evidence: a place a user can open to check the finding themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The file (a lockfile, a config file, or a path inside a package archive).
    pub path: String,
    /// The 1-based line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The text at that place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// What this piece of evidence shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A finding about one package (or one file), from any check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable diagnostic code (`vulnerability`, `malicious`, `unmaintained`,
    /// `hash-mismatch`, `bans`, ...), documented in `docs/checks.md`.
    pub code: String,
    /// How serious it is.
    pub severity: Severity,
    /// The package's ecosystem, when the finding is about a package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<Ecosystem>,
    /// Package name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Package version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Package URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// The lockfile (or config file) the finding points at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockfile: Option<String>,
    /// The 1-based line in that file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The advisory or rule id (`GHSA-...`, `RUSTSEC-...`, `install-script/network`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Other ids of the same advisory (CVE, GHSA, PYSEC, ...).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// One line saying what is wrong.
    pub summary: String,
    /// The nearest version that fixes it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// The affected range as the advisory states it (`>=1.0.0, <1.2.3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affected: Option<String>,
    /// Where to read more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The places that justify the finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Dependency chains from a direct dependency or workspace member to the package,
    /// each a list of `name@version` ending at the package (advisory findings; empty
    /// where the lockfile records no edges).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<Vec<String>>,
    /// Whether the package is a direct dependency (advisory findings; absent where the
    /// lockfile does not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct: Option<bool>,
    /// The command that moves to the nearest fixed version (`cargo update -p NAME
    /// --precise V`, `npm install NAME@V`, `uv lock --upgrade-package NAME`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The advisory carries no score (no CVSS vector of its own or of an alias, no
    /// database rating): `severity` is then the policy's `[advisories] unscored` level.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unscored: bool,
}

impl Finding {
    /// A finding about `package` found in `lockfile`, pointing at the package's line.
    pub fn for_package(
        code: impl Into<String>,
        severity: Severity,
        package: &Package,
        lockfile: &str,
        summary: impl Into<String>,
    ) -> Self {
        Finding {
            code: code.into(),
            severity,
            ecosystem: Some(package.ecosystem),
            name: Some(package.name.clone()),
            version: Some(package.version.clone()),
            purl: Some(package.purl.clone()),
            lockfile: Some(lockfile.to_owned()),
            line: package.line,
            id: None,
            aliases: Vec::new(),
            summary: summary.into(),
            fixed: None,
            affected: None,
            url: None,
            evidence: Vec::new(),
            paths: Vec::new(),
            direct: None,
            fix: None,
            unscored: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Info < Severity::Low);
        assert_eq!("moderate".parse(), Ok(Severity::Medium));
        assert!("severe".parse::<Severity>().is_err());
    }

    #[test]
    fn cvss_rating_scale_boundaries() {
        assert_eq!(Severity::from_cvss_score(9.0), Severity::Critical);
        assert_eq!(Severity::from_cvss_score(8.9), Severity::High);
        assert_eq!(Severity::from_cvss_score(4.0), Severity::Medium);
        assert_eq!(Severity::from_cvss_score(3.9), Severity::Low);
        assert_eq!(Severity::from_cvss_score(0.0), Severity::Info);
    }
}
