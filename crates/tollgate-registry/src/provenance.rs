//! Per-version provenance from registry metadata, for the `[provenance]` policy checks and
//! `tollgate check`:
//!
//! - npm: the packument's `versions[V].dist.attestations` (a SLSA provenance statement
//!   when `provenance.predicateType` is a SLSA URL) and `versions[V]._npmUser.trustedPublisher`
//!   (published through trusted publishing);
//! - PyPI: PEP 740's `provenance` key on each file of the PEP 691 project page (a URL, or
//!   `null` for a file without attestations); a version has provenance when every one of
//!   its files has, none when any file lacks it (an installer may pick that file);
//! - crates.io: `versions[].trustpub_data` of the web API's crate document (an object when
//!   the version was published through trusted publishing, `null` when not). The sparse
//!   index does not carry it, and alternative registries have no such API, so crates of a
//!   replaced or alternative index are unknown.
//!
//! Each document is parsed as loose JSON: a field missing where the registry would write it,
//! or of an unexpected shape, makes that version [`Provenance::Unknown`], never `Absent`,
//! and never an error for the other versions. A document that is not JSON at all is a
//! [`RegistryError::BadMetadata`].

use std::collections::BTreeMap;

use serde_json::Value;
use tollgate_model::{Attestation, Ecosystem, Provenance, ProvenanceHistory, defaults};

use crate::client::{RegistryClient, SIMPLE_JSON, parse_json};
use crate::error::RegistryError;
use crate::metadata::file_version;

impl RegistryClient {
    /// The provenance of every version of `name` (cached like the rest of the metadata). An
    /// empty history: the name is not on the registry, or the registry has no provenance to
    /// ask about (every version unknown).
    pub fn provenance(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Result<ProvenanceHistory, RegistryError> {
        let (url, accept, parse): (String, Option<&str>, fn(&Value) -> ProvenanceHistory) =
            match ecosystem {
                Ecosystem::Npm => (
                    self.npm_packument_url(name),
                    Some("application/json"),
                    npm_provenance,
                ),
                Ecosystem::PyPI => (
                    self.simple_index_url(name),
                    Some(SIMPLE_JSON),
                    pypi_provenance,
                ),
                Ecosystem::CratesIo => {
                    let on_crates_io =
                        self.config.cargo_index.url == defaults::CRATES_IO_SPARSE_INDEX;
                    let plain = !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                    if !on_crates_io || !plain {
                        return Ok(ProvenanceHistory::new());
                    }
                    (
                        format!("{}crates/{name}", defaults::CRATES_IO_API),
                        Some("application/json"),
                        crates_provenance,
                    )
                }
            };
        match self.cached_metadata(&url, accept)? {
            Some(body) => Ok(parse(&parse_json::<Value>(&url, &body)?)),
            None => Ok(ProvenanceHistory::new()),
        }
    }
}

/// npm: every version of a packument.
fn npm_provenance(packument: &Value) -> ProvenanceHistory {
    let Some(versions) = packument.get("versions").and_then(Value::as_object) else {
        return ProvenanceHistory::new();
    };
    versions
        .iter()
        .map(|(version, manifest)| (version.clone(), npm_version(manifest)))
        .collect()
}

/// One npm version manifest. `dist` is always present in a registry's manifest, so its
/// absence means an answer of a shape tollgate does not know.
fn npm_version(manifest: &Value) -> Provenance {
    let Some(dist) = manifest.get("dist").and_then(Value::as_object) else {
        return Provenance::Unknown;
    };
    let mut found = Vec::new();
    let mut unclear = false;
    match dist.get("attestations") {
        None | Some(Value::Null) => {}
        Some(attestations) => {
            let slsa = attestations
                .pointer("/provenance/predicateType")
                .and_then(Value::as_str)
                .is_some_and(|kind| kind.starts_with("https://slsa.dev/provenance/"));
            if slsa {
                found.push(Attestation::NpmProvenance);
            } else {
                unclear = true;
            }
        }
    }
    match manifest.pointer("/_npmUser/trustedPublisher") {
        None | Some(Value::Null) => {}
        Some(Value::Object(_)) => found.push(Attestation::NpmTrustedPublisher),
        Some(_) => unclear = true,
    }
    if found.is_empty() && unclear {
        Provenance::Unknown
    } else {
        Provenance::from_attestations(found)
    }
}

/// PyPI: the files of a PEP 691 page, grouped by the version in their names.
fn pypi_provenance(page: &Value) -> ProvenanceHistory {
    /// What the files of one version say so far.
    #[derive(Clone, Copy)]
    enum Files {
        AllAttested,
        SomeUnknown,
        SomeMissing,
    }
    let Some(files) = page.get("files").and_then(Value::as_array) else {
        return ProvenanceHistory::new();
    };
    let mut versions: BTreeMap<String, Files> = BTreeMap::new();
    for file in files {
        let Some(version) = file
            .get("filename")
            .and_then(Value::as_str)
            .and_then(file_version)
        else {
            continue;
        };
        let this = match file.get("provenance") {
            Some(Value::String(url)) if !url.is_empty() => Files::AllAttested,
            Some(Value::Null) => Files::SomeMissing,
            _ => Files::SomeUnknown,
        };
        let state = versions.entry(version).or_insert(Files::AllAttested);
        *state = match (*state, this) {
            (Files::SomeMissing, _) | (_, Files::SomeMissing) => Files::SomeMissing,
            (Files::SomeUnknown, _) | (_, Files::SomeUnknown) => Files::SomeUnknown,
            (Files::AllAttested, Files::AllAttested) => Files::AllAttested,
        };
    }
    versions
        .into_iter()
        .map(|(version, state)| {
            let provenance = match state {
                Files::AllAttested => {
                    Provenance::from_attestations(vec![Attestation::PypiAttestations])
                }
                Files::SomeMissing => Provenance::Absent,
                Files::SomeUnknown => Provenance::Unknown,
            };
            (version, provenance)
        })
        .collect()
}

/// crates.io: `versions[]` of the crate document.
fn crates_provenance(document: &Value) -> ProvenanceHistory {
    let Some(versions) = document.get("versions").and_then(Value::as_array) else {
        return ProvenanceHistory::new();
    };
    versions
        .iter()
        .filter_map(|entry| {
            let version = entry.get("num")?.as_str()?.to_owned();
            let provenance = match entry.get("trustpub_data") {
                Some(Value::Object(_)) => {
                    Provenance::from_attestations(vec![Attestation::CratesTrustedPublishing])
                }
                Some(Value::Null) => Provenance::Absent,
                _ => Provenance::Unknown,
            };
            Some((version, provenance))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/provenance/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn present(attestations: &[Attestation]) -> Provenance {
        Provenance::Present {
            attestations: attestations.to_vec(),
        }
    }

    #[test]
    fn npm_attestations_and_trusted_publisher() {
        let history = npm_provenance(&fixture("npm-packument.json"));
        assert_eq!(
            history["1.0.0"],
            present(&[Attestation::NpmProvenance, Attestation::NpmTrustedPublisher])
        );
        assert_eq!(history["1.1.0"], present(&[Attestation::NpmProvenance]));
        assert_eq!(history["1.2.0"], Provenance::Absent);
        assert_eq!(history["1.3.0-rc.1"], Provenance::Unknown, "wrong shape");
        assert_eq!(history["0.9.0"], Provenance::Unknown, "no dist");
    }

    #[test]
    fn pypi_pep_740_per_file() {
        let history = pypi_provenance(&fixture("pypi-simple.json"));
        assert_eq!(history["2.0.0"], present(&[Attestation::PypiAttestations]));
        assert_eq!(history["2.1.0"], Provenance::Absent, "the sdist lacks it");
        assert_eq!(
            history["1.9.0"],
            Provenance::Unknown,
            "index without PEP 740"
        );
        assert_eq!(history["2.2.0"], Provenance::Unknown, "wrong type");
    }

    #[test]
    fn crates_trustpub_data() {
        let history = crates_provenance(&fixture("crates-api.json"));
        assert_eq!(
            history["0.3.0"],
            present(&[Attestation::CratesTrustedPublishing])
        );
        assert_eq!(history["0.2.0"], Provenance::Absent);
        assert_eq!(history["0.1.0"], Provenance::Unknown, "no key");
        assert_eq!(history["0.4.0"], Provenance::Unknown, "wrong type");
    }

    /// Documents of the wrong shape give no facts, and nothing panics.
    #[test]
    fn hostile_shapes_are_unknown() {
        for text in [
            "null",
            "[]",
            "42",
            r#"{"versions": 1, "files": {}}"#,
            r#"{"versions": {"1.0.0": null, "2.0.0": {"dist": []}}}"#,
            r#"{"versions": [null, {"num": 7}, {"num": "1.0.0", "trustpub_data": []}]}"#,
            r#"{"files": [null, {"filename": 3}, {"filename": "x-1.0.tar.gz"}]}"#,
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            for parse in [npm_provenance, pypi_provenance, crates_provenance] {
                assert!(
                    parse(&value).values().all(|p| *p == Provenance::Unknown),
                    "{text}"
                );
            }
        }
    }
}
