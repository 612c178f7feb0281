//! OSV records: the raw schema as published, and the compact digest the index stores.
//!
//! Only the fields that matching and reporting need survive the digest: id, aliases,
//! summary, modified, kind, severity (already computed), one reference URL, and for each
//! package the version ranges and lists. `GIT` ranges name commits, which a lockfile's
//! registry packages never carry, so they are dropped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tollgate_model::{Ecosystem, Severity, normalize_name};
use tollgate_version::{OsvRange, RangeEvent, RangeKind};

use crate::cvss;

/// What kind of advisory a record is; becomes the finding's `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdvisoryKind {
    /// A RustSec informational notice.
    Notice,
    /// A RustSec "unmaintained" advisory.
    Unmaintained,
    /// A RustSec "unsound" advisory.
    Unsound,
    /// A vulnerability.
    Vulnerability,
    /// A known-malicious package (OSV `MAL-*` records).
    Malicious,
}

impl AdvisoryKind {
    /// The finding code: `vulnerability`, `malicious`, `unmaintained`, `unsound`, `notice`.
    pub fn code(self) -> &'static str {
        match self {
            AdvisoryKind::Notice => "notice",
            AdvisoryKind::Unmaintained => "unmaintained",
            AdvisoryKind::Unsound => "unsound",
            AdvisoryKind::Vulnerability => "vulnerability",
            AdvisoryKind::Malicious => "malicious",
        }
    }
}

/// What an advisory's severity rests on, best first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scoring {
    /// Nothing: no usable CVSS vector, no database rating. The severity is a placeholder
    /// until matching borrows an alias's score or the policy's `unscored` level applies.
    #[default]
    Unscored,
    /// The database's own rating (GHSA's `database_specific.severity`).
    Database,
    /// A CVSS base score; also what the kind implies (malicious, informational).
    Score,
}

/// One advisory as stored in the index, for one package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The OSV id.
    pub id: String,
    /// The record's aliases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// One line saying what is wrong.
    pub summary: String,
    /// The record's `modified` time, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// The finding kind.
    pub kind: AdvisoryKind,
    /// The severity, computed at import.
    pub severity: Severity,
    /// Where the severity comes from (`CVSS:3.1/... = 9.8`, `database severity HIGH`, ...).
    pub severity_basis: String,
    /// What the severity rests on.
    #[serde(default)]
    pub scoring: Scoring,
    /// Where to read more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The package's `SEMVER` and `ECOSYSTEM` ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<OsvRange>,
    /// The package's explicitly listed affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

/// A digested record: its advisory for every (ecosystem, normalized name) it affects.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    /// The OSV id.
    pub id: String,
    /// The record's `modified` time.
    pub modified: Option<String>,
    /// Whether the record is withdrawn.
    pub withdrawn: bool,
    /// One entry per affected package of a known ecosystem.
    pub packages: Vec<(Ecosystem, String, Advisory)>,
}

/// The raw OSV schema, as lenient as the published data needs (`null` for lists, unknown
/// fields ignored).
#[derive(Debug, Deserialize)]
struct RawRecord {
    id: String,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    severity: Option<Vec<RawSeverity>>,
    #[serde(default)]
    affected: Option<Vec<RawAffected>>,
    #[serde(default)]
    references: Option<Vec<RawReference>>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct RawSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Debug, Deserialize)]
struct RawAffected {
    #[serde(default)]
    package: Option<RawPackage>,
    #[serde(default)]
    ranges: Option<Vec<RawRange>>,
    #[serde(default)]
    versions: Option<Vec<String>>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct RawPackage {
    ecosystem: String,
    name: String,
}

#[derive(Debug, Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: String,
    events: Vec<RangeEvent>,
}

#[derive(Debug, Deserialize)]
struct RawReference {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    url: String,
}

/// Longest summary kept (advisories without a summary fall back to their details).
const MAX_SUMMARY_CHARS: usize = 200;

/// Parses an OSV record from JSON text.
pub fn parse_json(text: &[u8]) -> Result<Digest, String> {
    let raw: RawRecord = serde_json::from_slice(text).map_err(|e| format!("invalid JSON: {e}"))?;
    digest(raw)
}

/// Parses an OSV record from YAML text (the PyPA advisory database's format).
pub fn parse_yaml(text: &[u8]) -> Result<Digest, String> {
    let raw: RawRecord =
        serde_yaml_ng::from_slice(text).map_err(|e| format!("invalid YAML: {e}"))?;
    digest(raw)
}

fn digest(raw: RawRecord) -> Result<Digest, String> {
    if raw.id.trim().is_empty() {
        return Err("empty `id`".to_owned());
    }
    let aliases = raw.aliases.clone().unwrap_or_default();
    let summary = summary_of(&raw);
    let url = reference_url(raw.references.as_deref().unwrap_or_default());
    // Entries for one package are merged: some records list a package once per range.
    let mut per_package: BTreeMap<(Ecosystem, String), Advisory> = BTreeMap::new();
    for affected in raw.affected.as_deref().unwrap_or_default() {
        let Some(package) = &affected.package else {
            continue;
        };
        let Ok(ecosystem) = package.ecosystem.parse::<Ecosystem>() else {
            continue; // Another ecosystem (Maven, Go, ...): not tollgate's.
        };
        let ranges = version_ranges(ecosystem, affected)?;
        let versions = affected.versions.clone().unwrap_or_default();
        if ranges.is_empty() && versions.is_empty() {
            continue;
        }
        let kind = kind_of(&raw.id, affected);
        let key = (ecosystem, normalize_name(ecosystem, &package.name));
        let advisory = per_package.entry(key).or_insert_with(|| {
            let (severity, severity_basis, scoring) = severity_of(kind, &raw);
            Advisory {
                id: raw.id.clone(),
                aliases: aliases.clone(),
                summary: summary.clone(),
                modified: raw.modified.clone(),
                kind,
                severity,
                severity_basis,
                scoring,
                url: url.clone(),
                ranges: Vec::new(),
                versions: Vec::new(),
            }
        });
        advisory.ranges.extend(ranges);
        advisory.versions.extend(versions);
    }
    Ok(Digest {
        id: raw.id,
        modified: raw.modified,
        withdrawn: raw.withdrawn.is_some(),
        packages: per_package
            .into_iter()
            .map(|((ecosystem, name), advisory)| (ecosystem, name, advisory))
            .collect(),
    })
}

/// The entry's `SEMVER` and `ECOSYSTEM` ranges, each checked to parse; `GIT` ranges are
/// dropped; any other type makes the record invalid.
fn version_ranges(ecosystem: Ecosystem, affected: &RawAffected) -> Result<Vec<OsvRange>, String> {
    let mut ranges = Vec::new();
    for raw in affected.ranges.as_deref().unwrap_or_default() {
        let kind = match raw.kind.as_str() {
            "SEMVER" => RangeKind::Semver,
            "ECOSYSTEM" => RangeKind::Ecosystem,
            "GIT" => continue,
            other => return Err(format!("unknown range type `{other}`")),
        };
        let range = OsvRange {
            kind,
            events: raw.events.clone(),
        };
        range
            .validate(ecosystem)
            .map_err(|e| format!("unparsable range version: {e}"))?;
        ranges.push(range);
    }
    Ok(ranges)
}

/// `MAL-*` records (OpenSSF malicious-packages) and RustSec records in the `malicious`
/// category are known-malicious packages; RustSec's `informational` field marks the
/// informational kinds.
fn kind_of(id: &str, affected: &RawAffected) -> AdvisoryKind {
    let database_specific = affected.database_specific.as_ref();
    let in_malicious_category = database_specific
        .and_then(|db| db.get("categories"))
        .and_then(serde_json::Value::as_array)
        .is_some_and(|categories| categories.iter().any(|c| c.as_str() == Some("malicious")));
    if id.starts_with("MAL-") || in_malicious_category {
        return AdvisoryKind::Malicious;
    }
    let informational = database_specific
        .and_then(|db| db.get("informational"))
        .and_then(serde_json::Value::as_str);
    match informational {
        None => AdvisoryKind::Vulnerability,
        Some("unmaintained") => AdvisoryKind::Unmaintained,
        Some("unsound") => AdvisoryKind::Unsound,
        Some(_) => AdvisoryKind::Notice,
    }
}

/// The severity and what it is based on. Known-malicious packages are critical;
/// informational advisories are `info` (like cargo-audit's warnings, they do not fail a
/// build unless asked); vulnerabilities use, in order: the base score of a CVSS v4.0
/// vector, then of a CVSS v3.x vector (v4 first, as GitHub shows it when an advisory
/// has both), the database's own rating (GHSA's `database_specific.severity`), and
/// [`Scoring::Unscored`] when none of these exists (matching then looks for an alias's
/// score). A vector that does not parse is passed over and named in the evidence of the
/// fallback.
fn severity_of(kind: AdvisoryKind, raw: &RawRecord) -> (Severity, String, Scoring) {
    match kind {
        AdvisoryKind::Malicious => {
            return (
                Severity::Critical,
                "known-malicious package".to_owned(),
                Scoring::Score,
            );
        }
        AdvisoryKind::Unmaintained | AdvisoryKind::Unsound | AdvisoryKind::Notice => {
            return (
                Severity::Info,
                format!("informational ({})", kind.code()),
                Scoring::Score,
            );
        }
        AdvisoryKind::Vulnerability => {}
    }
    let severities = raw.severity.as_deref().unwrap_or_default();
    let vectors = ["CVSS_V4", "CVSS_V3"]
        .into_iter()
        .flat_map(|kind| severities.iter().filter(move |s| s.kind == kind));
    let mut unscored = Vec::new();
    for entry in vectors {
        match cvss::base_score(&entry.score) {
            Ok(score) => {
                return (
                    Severity::from_cvss_score(score),
                    format!("{} = {score:.1}", entry.score),
                    Scoring::Score,
                );
            }
            Err(error) => unscored.push(error.to_string()),
        }
    }
    let unscored = if unscored.is_empty() {
        String::new()
    } else {
        format!(" ({})", unscored.join("; "))
    };
    let database_rating = raw
        .database_specific
        .as_ref()
        .and_then(|db| db.get("severity"))
        .and_then(serde_json::Value::as_str);
    if let Some(rating) = database_rating {
        if let Ok(severity) = rating.parse::<Severity>() {
            return (
                severity,
                format!("database severity {rating}{unscored}"),
                Scoring::Database,
            );
        }
    }
    (
        Severity::High,
        format!("unscored: no CVSS vector and no database rating{unscored}"),
        Scoring::Unscored,
    )
}

fn summary_of(raw: &RawRecord) -> String {
    let text = raw
        .summary
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| {
            raw.details
                .as_deref()
                .and_then(|d| d.lines().find(|l| !l.trim().is_empty()))
        })
        .unwrap_or(raw.id.as_str())
        .trim();
    if text.chars().count() <= MAX_SUMMARY_CHARS {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MAX_SUMMARY_CHARS - 1).collect();
        short.push('…');
        short
    }
}

/// The best reference to read: the advisory itself, else a web page, else any.
fn reference_url(references: &[RawReference]) -> Option<String> {
    let of_kind = |wanted: &str| {
        references
            .iter()
            .find(|r| r.kind.as_deref() == Some(wanted))
            .map(|r| r.url.clone())
    };
    of_kind("ADVISORY")
        .or_else(|| of_kind("WEB"))
        .or_else(|| references.first().map(|r| r.url.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUSTSEC_INFORMATIONAL: &str = r#"{
      "id": "RUSTSEC-2020-0053", "modified": "2021-01-01T00:00:00Z",
      "summary": "dirs is unmaintained",
      "affected": [{"package": {"ecosystem": "crates.io", "name": "dirs"},
        "database_specific": {"informational": "unmaintained"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0.0.0-0"}]}]}],
      "references": [{"type": "PACKAGE", "url": "https://example.invalid/p"},
                     {"type": "ADVISORY", "url": "https://example.invalid/a"}]
    }"#;

    #[test]
    fn informational_rustsec_record() {
        let digest = parse_json(RUSTSEC_INFORMATIONAL.as_bytes()).unwrap();
        let (ecosystem, name, advisory) = &digest.packages[0];
        assert_eq!((*ecosystem, name.as_str()), (Ecosystem::CratesIo, "dirs"));
        assert_eq!(advisory.kind, AdvisoryKind::Unmaintained);
        assert_eq!(advisory.severity, Severity::Info);
        assert_eq!(advisory.url.as_deref(), Some("https://example.invalid/a"));
    }

    #[test]
    fn cvss_v3_severity_and_pypi_normalization() {
        let record = r#"{"id": "PYSEC-1", "details": "\nFirst line.\nMore.",
          "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
          "affected": [{"package": {"ecosystem": "PyPI", "name": "Foo_Bar"},
            "ranges": [{"type": "GIT", "repo": "x", "events": [{"introduced": "abc"}]},
                       {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}"#;
        let digest = parse_json(record.as_bytes()).unwrap();
        let (_, name, advisory) = &digest.packages[0];
        assert_eq!(name, "foo-bar");
        assert_eq!(advisory.severity, Severity::Critical);
        assert_eq!(advisory.summary, "First line.");
        assert_eq!(advisory.ranges.len(), 1, "the GIT range is dropped");
    }

    /// A record shaped like RUSTSEC-2024-0421 (idna), which carries only a CVSS v4.0 vector.
    #[test]
    fn cvss_v4_vectors_are_scored_before_v3_and_database_ratings() {
        let severity_of_record = |severity: &str| {
            let record = format!(
                r#"{{"id": "RUSTSEC-1", "severity": [{severity}],
                  "database_specific": {{"severity": "LOW"}},
                  "affected": [{{"package": {{"ecosystem": "crates.io", "name": "idna"}},
                    "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "0"}}]}}]}}]}}"#
            );
            let advisory = parse_json(record.as_bytes()).unwrap().packages.remove(0).2;
            (advisory.severity, advisory.severity_basis)
        };
        let v4 = r#"{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N"}"#;
        let v3 = r#"{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}"#;
        let (severity, basis) = severity_of_record(&format!("{v3}, {v4}"));
        assert_eq!(severity, Severity::Medium);
        assert!(basis.ends_with("SA:N = 6.3"), "{basis}");
        let broken_v4 = r#"{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N"}"#;
        let (severity, basis) = severity_of_record(&format!("{broken_v4}, {v3}"));
        assert_eq!(
            (severity, basis.as_str()),
            (
                Severity::Critical,
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H = 9.8"
            )
        );
        let (severity, basis) = severity_of_record(broken_v4);
        assert_eq!(
            severity,
            Severity::Low,
            "the database rating is the fallback"
        );
        assert!(
            basis.starts_with("database severity LOW (invalid CVSS vector `CVSS:4.0/AV:N`"),
            "{basis}"
        );
    }

    #[test]
    fn malicious_records_are_critical() {
        let record = r#"{"id": "MAL-2025-1", "summary": "Malicious code in x (npm)",
          "affected": [{"package": {"ecosystem": "npm", "name": "x"}, "versions": ["1.0.0"]}]}"#;
        let advisory = &parse_json(record.as_bytes()).unwrap().packages[0].2;
        assert_eq!(advisory.kind, AdvisoryKind::Malicious);
        assert_eq!(advisory.severity, Severity::Critical);
    }

    #[test]
    fn invalid_records_say_why() {
        let bad_range = r#"{"id": "X-1", "affected": [{"package": {"ecosystem": "npm", "name": "x"},
          "ranges": [{"type": "WEIRD", "events": []}]}]}"#;
        assert!(
            parse_json(bad_range.as_bytes())
                .unwrap_err()
                .contains("WEIRD")
        );
        let bad_version = r#"{"id": "X-2", "affected": [{"package": {"ecosystem": "crates.io", "name": "x"},
          "ranges": [{"type": "SEMVER", "events": [{"introduced": "one"}]}]}]}"#;
        assert!(
            parse_json(bad_version.as_bytes())
                .unwrap_err()
                .contains("one")
        );
        assert!(parse_json(b"{").unwrap_err().starts_with("invalid JSON"));
    }

    #[test]
    fn yaml_records_parse() {
        let yaml = "id: PYSEC-2\nmodified: 2021-01-01T00:00:00Z\naffected:\n- package:\n    name: django\n    ecosystem: PyPI\n  versions: ['1.0']\n";
        let digest = parse_yaml(yaml.as_bytes()).unwrap();
        assert_eq!(digest.packages[0].1, "django");
        assert_eq!(digest.modified.as_deref(), Some("2021-01-01T00:00:00Z"));
    }
}
