//! SPDX 2.3 JSON: `tollgate scan --format spdx`.
//!
//! The document describes one package per scanned lockfile (the project it locks, named
//! by the lockfile's path), which depends on the lockfile's top-level packages; every
//! locked package is an SPDX package with its purl, checksums and declared license
//! (`NOASSERTION` where the lock records none that reads as an SPDX expression), and
//! depends on what the lock's edges say. Dev-only top-level packages are
//! `DEV_DEPENDENCY_OF` the project instead. tollgate concludes no license and analyses no
//! files, so `licenseConcluded` is `NOASSERTION` and `filesAnalyzed` is false.

use std::collections::HashSet;
use std::io::{self, Write};

use serde_json::{Value, json};
use tollgate_lockfile::Inventory;
use tollgate_model::Source;

use crate::sbom::{Entry, SbomOptions, document_uuid, entries, hashes, spdx_expression};

const NOASSERTION: &str = "NOASSERTION";

/// Writes the inventory as an SPDX 2.3 document.
pub fn write_spdx<W: Write>(
    out: &mut W,
    inventory: &Inventory,
    options: &SbomOptions,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &spdx_document(inventory, options))?;
    writeln!(out)
}

/// The document as a JSON value.
pub fn spdx_document(inventory: &Inventory, options: &SbomOptions) -> Value {
    let entries = entries(inventory);
    let mut used: HashSet<String> = HashSet::new();
    let ids: Vec<String> = entries
        .iter()
        .map(|e| {
            let package = e.package;
            let label = format!(
                "{}-{}-{}",
                package.ecosystem.purl_type(),
                package.name,
                package.version
            );
            spdx_id(&mut used, "Package", &label)
        })
        .collect();
    let mut packages: Vec<Value> = Vec::new();
    let mut relationships: Vec<Value> = Vec::new();
    for (index, lockfile) in inventory.lockfiles.iter().enumerate() {
        let root = spdx_id(&mut used, "Lockfile", &(index + 1).to_string());
        packages.push(json!({
            "SPDXID": root,
            "name": lockfile.path,
            "downloadLocation": NOASSERTION,
            "filesAnalyzed": false,
            "licenseConcluded": NOASSERTION,
            "licenseDeclared": NOASSERTION,
            "copyrightText": NOASSERTION,
            "primaryPackagePurpose": "APPLICATION",
            "comment": format!("the project locked by {} ({})", lockfile.path, lockfile.format),
        }));
        relationships.push(relationship("SPDXRef-DOCUMENT", "DESCRIBES", &root));
        for (i, entry) in entries.iter().enumerate() {
            if !std::ptr::eq(entry.lockfile, lockfile) || !entry.top_level {
                continue;
            }
            if entry.package.scope.dev {
                relationships.push(relationship(&ids[i], "DEV_DEPENDENCY_OF", &root));
            } else {
                relationships.push(relationship(&root, "DEPENDS_ON", &ids[i]));
            }
        }
    }
    for (i, entry) in entries.iter().enumerate() {
        packages.push(package(entry, &ids[i]));
        for &child in &entry.depends_on {
            relationships.push(relationship(&ids[i], "DEPENDS_ON", &ids[child]));
        }
    }
    let uuid = document_uuid(
        std::iter::once(options.timestamp.as_str()).chain(ids.iter().map(String::as_str)),
    );
    let name = match inventory.lockfiles.as_slice() {
        [one] => format!("tollgate scan of {}", one.path),
        _ => "tollgate scan".to_owned(),
    };
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": format!("https://spdx.org/spdxdocs/tollgate-{uuid}"),
        "creationInfo": {
            "created": options.timestamp,
            "creators": [format!("Tool: tollgate-{}", env!("CARGO_PKG_VERSION"))],
        },
        "packages": packages,
        "relationships": relationships,
    })
}

fn package(entry: &Entry<'_>, id: &str) -> Value {
    let package = entry.package;
    let declared = package
        .license
        .as_deref()
        .and_then(spdx_expression)
        .unwrap_or(NOASSERTION);
    let mut value = json!({
        "SPDXID": id,
        "name": package.name,
        "downloadLocation": download_location(entry),
        "filesAnalyzed": false,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": declared,
        "copyrightText": NOASSERTION,
        "primaryPackagePurpose": "LIBRARY",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": package.purl,
        }],
    });
    if !package.version.is_empty() {
        value["versionInfo"] = json!(package.version);
    }
    let checksums: Vec<Value> = hashes(package)
        .into_iter()
        .map(|(_, algorithm, digest)| json!({ "algorithm": algorithm, "checksumValue": digest }))
        .collect();
    if !checksums.is_empty() {
        value["checksums"] = Value::Array(checksums);
    }
    value
}

/// SPDX's download location: the artifact the lock names, the git repository at its
/// commit, the direct URL; `NOASSERTION` for local paths and unnamed registries.
fn download_location(entry: &Entry<'_>) -> String {
    let package = entry.package;
    match &package.source {
        Source::Git { url, commit, .. } => {
            let url = if url.starts_with("git+") {
                url.clone()
            } else {
                format!("git+{url}")
            };
            match commit {
                Some(commit) => format!("{url}@{commit}"),
                None => url,
            }
        }
        Source::Url { url } => url.clone(),
        Source::Registry { .. } => {
            let mut urls: Vec<&str> = package
                .artifacts
                .iter()
                .filter_map(|a| a.url.as_deref())
                .collect();
            urls.sort_unstable();
            urls.first()
                .map_or(NOASSERTION.to_owned(), |u| (*u).to_owned())
        }
        Source::Path { .. } | Source::Unknown => NOASSERTION.to_owned(),
    }
}

/// `SPDXRef-KIND-LABEL` with every character SPDX ids do not allow (anything but letters,
/// digits, `.` and `-`) turned into `-`, and a counter when the document already has it.
fn spdx_id(used: &mut HashSet<String>, kind: &str, label: &str) -> String {
    let clean: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let base = format!("SPDXRef-{kind}-{clean}");
    let mut candidate = base.clone();
    let mut n = 1;
    while !used.insert(candidate.clone()) {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    candidate
}

fn relationship(from: &str, kind: &str, to: &str) -> Value {
    json!({
        "spdxElementId": from,
        "relationshipType": kind,
        "relatedSpdxElement": to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_ids_are_clean_and_unique() {
        let mut used = HashSet::new();
        assert_eq!(
            spdx_id(&mut used, "Package", "npm-@scope/a-1.0.0"),
            "SPDXRef-Package-npm--scope-a-1.0.0"
        );
        assert_eq!(
            spdx_id(&mut used, "Package", "npm-@scope/a-1.0.0"),
            "SPDXRef-Package-npm--scope-a-1.0.0-2"
        );
        assert_eq!(
            spdx_id(&mut used, "Package", "npm--scope-a-1.0.0"),
            "SPDXRef-Package-npm--scope-a-1.0.0-3"
        );
    }
}
