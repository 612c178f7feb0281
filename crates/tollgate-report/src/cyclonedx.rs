//! CycloneDX 1.6 JSON: `tollgate scan --format cyclonedx`.
//!
//! One `library` component per locked package (bom-ref: the purl, made unique), with its
//! lockfile hashes, license, scope (`optional` for dev and optional dependencies) and
//! where it comes from; `dependencies` from the lock's own edges; and the scan's
//! advisory findings as `vulnerabilities`, one per advisory id, affecting the components
//! it was found in. An advisory hidden by an `[[advisories.ignore]]` entry is listed with
//! `analysis.state = not_affected` and the ignore's reason, so downstream tools suppress
//! it the way tollgate did. Policy and install-time code findings are not vulnerabilities
//! and are left out.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde_json::{Value, json};
use tollgate_lockfile::Inventory;
use tollgate_model::{Finding, Severity, Source};

use crate::findings::ScanReport;
use crate::sbom::{Entry, SbomOptions, document_uuid, entries, hashes, spdx_expression};

/// The schema the output conforms to.
pub const CYCLONEDX_SCHEMA: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";

/// The finding codes that come from advisories: these become `vulnerabilities`.
const ADVISORY_CODES: [&str; 5] = [
    "vulnerability",
    "malicious",
    "unmaintained",
    "unsound",
    "notice",
];

/// Writes the inventory and the report's advisory findings as a CycloneDX 1.6 BOM.
pub fn write_cyclonedx<W: Write>(
    out: &mut W,
    inventory: &Inventory,
    report: &ScanReport,
    options: &SbomOptions,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &cyclonedx_bom(inventory, report, options))?;
    writeln!(out)
}

/// The BOM as a JSON value.
pub fn cyclonedx_bom(inventory: &Inventory, report: &ScanReport, options: &SbomOptions) -> Value {
    let entries = entries(inventory);
    let components: Vec<Value> = entries.iter().map(component).collect();
    let dependencies: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let depends_on: Vec<&str> = entry
                .depends_on
                .iter()
                .map(|&i| entries[i].reference.as_str())
                .collect();
            json!({ "ref": entry.reference, "dependsOn": depends_on })
        })
        .collect();
    let vulnerabilities = vulnerabilities(&entries, report);
    let serial = document_uuid(
        std::iter::once(options.timestamp.as_str())
            .chain(entries.iter().map(|e| e.reference.as_str())),
    );
    let mut bom = json!({
        "$schema": CYCLONEDX_SCHEMA,
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{serial}"),
        "version": 1,
        "metadata": {
            "timestamp": options.timestamp,
            "tools": {
                "components": [{
                    "type": "application",
                    "name": "tollgate",
                    "version": env!("CARGO_PKG_VERSION"),
                }]
            },
        },
        "components": components,
        "dependencies": dependencies,
    });
    if !vulnerabilities.is_empty() {
        bom["vulnerabilities"] = Value::Array(vulnerabilities);
    }
    bom
}

fn component(entry: &Entry<'_>) -> Value {
    let package = entry.package;
    let mut component = json!({
        "type": "library",
        "bom-ref": entry.reference,
        "name": package.name,
        "purl": package.purl,
        "scope": if package.scope.dev || package.scope.optional { "optional" } else { "required" },
    });
    if !package.version.is_empty() {
        component["version"] = json!(package.version);
    }
    let hashes: Vec<Value> = hashes(package)
        .into_iter()
        .map(|(alg, _, content)| json!({ "alg": alg, "content": content }))
        .collect();
    if !hashes.is_empty() {
        component["hashes"] = Value::Array(hashes);
    }
    if let Some(license) = package.license.as_deref().filter(|l| !l.trim().is_empty()) {
        component["licenses"] = match spdx_expression(license) {
            Some(expression) => json!([{ "expression": expression }]),
            None => json!([{ "license": { "name": license } }]),
        };
    }
    let references = external_references(entry);
    if !references.is_empty() {
        component["externalReferences"] = Value::Array(references);
    }
    component["properties"] =
        json!([{ "name": "tollgate:lockfile", "value": entry.lockfile.path }]);
    component
}

/// Where the package is fetched from: the lock's artifact addresses, or its git or URL
/// source.
fn external_references(entry: &Entry<'_>) -> Vec<Value> {
    let mut references: Vec<Value> = Vec::new();
    match &entry.package.source {
        Source::Git { url, .. } => references.push(json!({ "type": "vcs", "url": url })),
        Source::Url { url } => references.push(json!({ "type": "distribution", "url": url })),
        Source::Registry { .. } | Source::Path { .. } | Source::Unknown => {}
    }
    let mut urls: Vec<&str> = entry
        .package
        .artifacts
        .iter()
        .filter_map(|a| a.url.as_deref())
        .collect();
    urls.sort_unstable();
    urls.dedup();
    for url in urls {
        if !references.iter().any(|r| r["url"] == url) {
            references.push(json!({ "type": "distribution", "url": url }));
        }
    }
    references
}

/// The advisory findings (kept and ignored), one vulnerability per advisory id and
/// analysis, in id order.
fn vulnerabilities(entries: &[Entry<'_>], report: &ScanReport) -> Vec<Value> {
    let mut by_place: HashMap<(&str, &str), Vec<&Entry<'_>>> = HashMap::new();
    for entry in entries {
        by_place
            .entry((entry.lockfile.path.as_str(), entry.package.purl.as_str()))
            .or_default()
            .push(entry);
    }
    let reference_of = |finding: &Finding| -> Option<String> {
        let candidates = by_place.get(&(finding.lockfile.as_deref()?, finding.purl.as_deref()?))?;
        let entry = candidates
            .iter()
            .find(|e| e.package.line == finding.line)
            .or(candidates.first())?;
        Some(entry.reference.clone())
    };
    let kept = report.findings.iter().map(|f| (f, None));
    let ignored = report.ignored.iter().map(|(f, reason)| (f, Some(reason)));
    // (id, ignore reason) → the findings.
    let mut groups: BTreeMap<(String, Option<&String>), Vec<&Finding>> = BTreeMap::new();
    for (finding, reason) in kept.chain(ignored) {
        if !ADVISORY_CODES.contains(&finding.code.as_str()) {
            continue;
        }
        let id = finding.id.clone().unwrap_or_else(|| finding.code.clone());
        groups.entry((id, reason)).or_default().push(finding);
    }
    groups
        .into_iter()
        .map(|((id, reason), findings)| {
            let mut affects: Vec<String> =
                findings.iter().filter_map(|f| reference_of(f)).collect();
            affects.sort();
            affects.dedup();
            let reference = match reason {
                Some(_) => format!("{id}#ignored"),
                None => id.clone(),
            };
            vulnerability(
                &id,
                &reference,
                &findings,
                &affects,
                reason.map(String::as_str),
            )
        })
        .collect()
}

fn vulnerability(
    id: &str,
    reference: &str,
    findings: &[&Finding],
    affects: &[String],
    ignore_reason: Option<&str>,
) -> Value {
    // The findings of one id share the advisory; the first carries what they share.
    let first = findings[0];
    let severity = findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(first.severity);
    let mut rating = json!({ "severity": severity_name(severity) });
    if let Some((vector, score)) = findings.iter().find_map(|f| cvss(f)) {
        rating["vector"] = json!(vector);
        if let Some(method) = cvss_method(vector) {
            rating["method"] = json!(method);
        }
        if let Some(score) = score {
            rating["score"] = json!(score);
        }
    }
    let mut vulnerability = json!({
        "bom-ref": reference,
        "id": id,
        "source": source(id, first.url.as_deref()),
        "ratings": [rating],
        "description": first.summary,
        "affects": affects.iter().map(|r| json!({ "ref": r })).collect::<Vec<_>>(),
    });
    let mut aliases: Vec<&str> = first.aliases.iter().map(String::as_str).collect();
    aliases.sort_unstable();
    aliases.dedup();
    if !aliases.is_empty() {
        vulnerability["references"] = aliases
            .iter()
            .map(|alias| json!({ "id": alias, "source": source(alias, None) }))
            .collect();
    }
    if let Some(url) = &first.url {
        vulnerability["advisories"] = json!([{ "url": url }]);
    }
    if let Some(fixed) = &first.fixed {
        vulnerability["recommendation"] = json!(format!("upgrade to {fixed} or later"));
    }
    if let Some(reason) = ignore_reason {
        vulnerability["analysis"] = json!({ "state": "not_affected", "detail": reason });
    }
    vulnerability
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
    }
}

/// The database an id comes from, by its prefix.
fn source(id: &str, url: Option<&str>) -> Value {
    let name = match id.split('-').next().unwrap_or_default() {
        "GHSA" => "GitHub Advisory Database",
        "RUSTSEC" => "RustSec",
        "PYSEC" => "PyPA Advisory Database",
        "MAL" => "OpenSSF Malicious Packages",
        "CVE" => "NVD",
        _ => "OSV",
    };
    let url = url.map_or_else(
        || format!("https://osv.dev/vulnerability/{id}"),
        str::to_owned,
    );
    json!({ "name": name, "url": url })
}

/// The CVSS vector a finding's evidence names (`... severity: CVSS:3.1/AV:N/... = 9.8`,
/// as the advisory matcher writes it) and the base score after it.
fn cvss(finding: &Finding) -> Option<(&str, Option<f64>)> {
    finding.evidence.iter().find_map(|evidence| {
        let note = evidence.note.as_deref()?;
        let start = note.find("CVSS:")?;
        let rest = &note[start..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let vector = &rest[..end];
        let score = rest[end..]
            .strip_prefix(" = ")
            .and_then(|s| s.split(|c: char| !(c.is_ascii_digit() || c == '.')).next())
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| (0.0..=10.0).contains(s));
        Some((vector, score))
    })
}

fn cvss_method(vector: &str) -> Option<&'static str> {
    if vector.starts_with("CVSS:4.") {
        Some("CVSSv4")
    } else if vector.starts_with("CVSS:3.1") {
        Some("CVSSv31")
    } else if vector.starts_with("CVSS:3.0") {
        Some("CVSSv3")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_model::Evidence;

    fn finding_with_note(note: &str) -> Finding {
        let package = tollgate_model::Package::new(tollgate_model::Ecosystem::Npm, "a", "1.0.0");
        let mut finding = Finding::for_package(
            "vulnerability",
            Severity::High,
            &package,
            "package-lock.json",
            "x",
        );
        finding.evidence = vec![Evidence {
            path: "package-lock.json".into(),
            line: None,
            snippet: None,
            note: Some(note.into()),
        }];
        finding
    }

    #[test]
    fn cvss_vector_and_score_come_from_the_evidence() {
        let finding = finding_with_note(
            "GHSA-x affects <1.2.3; severity: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H = 9.8",
        );
        let (vector, score) = cvss(&finding).expect("a vector");
        assert_eq!(vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        assert_eq!(score, Some(9.8));
        assert_eq!(cvss_method(vector), Some("CVSSv31"));
        assert!(
            cvss(&finding_with_note(
                "GHSA-x affects <1; severity: high (database)"
            ))
            .is_none()
        );
        let (_, score) = cvss(&finding_with_note("severity: CVSS:4.0/AV:N = 99")).unwrap();
        assert_eq!(score, None, "an impossible score is dropped");
    }
}
