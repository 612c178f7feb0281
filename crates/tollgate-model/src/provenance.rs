//! Provenance: what a registry records about how a release was built and published
//! (npm's signed SLSA provenance and trusted publishing, PyPI's PEP 740 attestations,
//! crates.io's trusted publishing). It is evidence about where a release came from, never a
//! pass: a release built by a compromised repository's workflow carries valid provenance
//! too, so no check lets provenance lower a verdict or hide a finding.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One kind of evidence a registry records for a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attestation {
    /// npm: a signed SLSA provenance statement (`dist.attestations.provenance`).
    NpmProvenance,
    /// npm: published through trusted publishing (`_npmUser.trustedPublisher`).
    NpmTrustedPublisher,
    /// PyPI: a PEP 740 provenance object on every file of the release.
    PypiAttestations,
    /// crates.io: published through trusted publishing (`trustpub_data`).
    CratesTrustedPublishing,
}

impl Attestation {
    /// The name used in JSON and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Attestation::NpmProvenance => "npm-provenance",
            Attestation::NpmTrustedPublisher => "npm-trusted-publisher",
            Attestation::PypiAttestations => "pypi-attestations",
            Attestation::CratesTrustedPublishing => "crates-trusted-publishing",
        }
    }
}

/// Provenance of the versions of one package a registry lists, keyed by version as it writes
/// it. A version missing from the map is [`Provenance::Unknown`].
pub type ProvenanceHistory = BTreeMap<String, Provenance>;

/// What is known of one version's provenance. `Unknown` is never `Absent`: a registry that
/// does not say, a field of an unexpected shape, or metadata that was not consulted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Provenance {
    /// The registry records this evidence for the version (sorted, never empty).
    Present {
        /// The kinds of evidence.
        attestations: Vec<Attestation>,
    },
    /// The registry answered, in a shape that carries provenance, and records none.
    Absent,
    /// Not known.
    #[default]
    Unknown,
}

impl Provenance {
    /// `Present` with `attestations` sorted and deduplicated; `Absent` when empty.
    pub fn from_attestations(mut attestations: Vec<Attestation>) -> Provenance {
        attestations.sort_unstable();
        attestations.dedup();
        if attestations.is_empty() {
            Provenance::Absent
        } else {
            Provenance::Present { attestations }
        }
    }

    /// Whether the registry records provenance for the version.
    pub fn is_present(&self) -> bool {
        matches!(self, Provenance::Present { .. })
    }

    /// `npm-provenance, npm-trusted-publisher`, `none` or `unknown`, for messages.
    pub fn describe(&self) -> String {
        match self {
            Provenance::Present { attestations } => attestations
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            Provenance::Absent => "none".to_owned(),
            Provenance::Unknown => "unknown".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_and_messages() {
        let present = Provenance::from_attestations(vec![
            Attestation::NpmTrustedPublisher,
            Attestation::NpmProvenance,
            Attestation::NpmProvenance,
        ]);
        assert_eq!(
            serde_json::to_string(&present).unwrap(),
            r#"{"status":"present","attestations":["npm-provenance","npm-trusted-publisher"]}"#
        );
        assert_eq!(present.describe(), "npm-provenance, npm-trusted-publisher");
        assert_eq!(
            Provenance::from_attestations(Vec::new()),
            Provenance::Absent
        );
        assert_eq!(
            serde_json::to_string(&Provenance::Unknown).unwrap(),
            r#"{"status":"unknown"}"#
        );
        let read: Provenance = serde_json::from_str(r#"{"status":"absent"}"#).unwrap();
        assert_eq!(read, Provenance::Absent);
    }
}
