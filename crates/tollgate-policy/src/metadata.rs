//! What the checks need to know from package registries, behind a trait so that the
//! checks stay offline and testable. The registry client (`tollgate-registry`) implements
//! [`MetadataSource`] with its cache; [`Offline`] knows nothing and [`InMemoryMetadata`]
//! serves tests.

use std::collections::HashMap;

use tollgate_model::{Ecosystem, Provenance, ProvenanceHistory};

/// A registry lookup that failed (network, parse, rate limit).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("registry metadata for {ecosystem} package `{name}`: {message}")]
pub struct MetadataError {
    /// The ecosystem asked about.
    pub ecosystem: Ecosystem,
    /// The package asked about.
    pub name: String,
    /// What went wrong.
    pub message: String,
}

/// One package version to prefetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PackageKey<'a> {
    /// Ecosystem.
    pub ecosystem: Ecosystem,
    /// Name as locked.
    pub name: &'a str,
    /// Version as locked.
    pub version: &'a str,
}

/// Registry metadata, answered from a cache where possible. `Ok(None)` means "not known"
/// (offline, or the registry does not record it), never "no".
pub trait MetadataSource {
    /// Called once with every package the checks may ask about, so that an implementation
    /// can batch and parallelize its requests. The default does nothing.
    fn prefetch(&self, _packages: &[PackageKey<'_>]) {}

    /// When this version was published.
    fn publish_time(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
    ) -> Result<Option<jiff::Timestamp>, MetadataError>;

    /// The license (an SPDX expression or free text) the registry gives for this version.
    fn license(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
    ) -> Result<Option<String>, MetadataError>;

    /// Whether the registry has a package of this name.
    fn exists(&self, ecosystem: Ecosystem, name: &str) -> Result<Option<bool>, MetadataError>;

    /// The provenance of every version of `name` the registry lists (`Ok(None)`: not known).
    fn provenance(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Result<Option<ProvenanceHistory>, MetadataError>;
}

/// Knows nothing: checks that need metadata fall back to what the lock records.
#[derive(Debug, Clone, Copy, Default)]
pub struct Offline;

impl MetadataSource for Offline {
    fn publish_time(
        &self,
        _: Ecosystem,
        _: &str,
        _: &str,
    ) -> Result<Option<jiff::Timestamp>, MetadataError> {
        Ok(None)
    }

    fn license(&self, _: Ecosystem, _: &str, _: &str) -> Result<Option<String>, MetadataError> {
        Ok(None)
    }

    fn exists(&self, _: Ecosystem, _: &str) -> Result<Option<bool>, MetadataError> {
        Ok(None)
    }

    fn provenance(
        &self,
        _: Ecosystem,
        _: &str,
    ) -> Result<Option<ProvenanceHistory>, MetadataError> {
        Ok(None)
    }
}

/// Metadata held in memory: for tests, and for callers that fetched it some other way.
/// Names are compared as given; unknown packages answer "does not exist" only when
/// [`InMemoryMetadata::complete`] is set.
#[derive(Debug, Clone, Default)]
pub struct InMemoryMetadata {
    versions: HashMap<(Ecosystem, String, String), VersionFacts>,
    names: HashMap<(Ecosystem, String), ()>,
    provenance: HashMap<(Ecosystem, String), ProvenanceHistory>,
    /// Whether the map lists every package that exists (so a missing name does not exist).
    pub complete: bool,
}

#[derive(Debug, Clone, Default)]
struct VersionFacts {
    published: Option<jiff::Timestamp>,
    license: Option<String>,
}

impl InMemoryMetadata {
    /// Records a package version with its publish time and license.
    pub fn insert(
        &mut self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
        published: Option<jiff::Timestamp>,
        license: Option<&str>,
    ) {
        self.names.insert((ecosystem, name.to_owned()), ());
        self.versions.insert(
            (ecosystem, name.to_owned(), version.to_owned()),
            VersionFacts {
                published,
                license: license.map(str::to_owned),
            },
        );
    }

    /// Records the provenance of a package version (the package's history is what
    /// [`MetadataSource::provenance`] answers).
    pub fn insert_provenance(
        &mut self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
        provenance: Provenance,
    ) {
        self.provenance
            .entry((ecosystem, name.to_owned()))
            .or_default()
            .insert(version.to_owned(), provenance);
    }

    fn facts(&self, ecosystem: Ecosystem, name: &str, version: &str) -> Option<&VersionFacts> {
        self.versions
            .get(&(ecosystem, name.to_owned(), version.to_owned()))
    }
}

impl MetadataSource for InMemoryMetadata {
    fn publish_time(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
    ) -> Result<Option<jiff::Timestamp>, MetadataError> {
        Ok(self
            .facts(ecosystem, name, version)
            .and_then(|facts| facts.published))
    }

    fn license(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
    ) -> Result<Option<String>, MetadataError> {
        Ok(self
            .facts(ecosystem, name, version)
            .and_then(|facts| facts.license.clone()))
    }

    fn exists(&self, ecosystem: Ecosystem, name: &str) -> Result<Option<bool>, MetadataError> {
        let known = self.names.contains_key(&(ecosystem, name.to_owned()));
        Ok(match (known, self.complete) {
            (true, _) => Some(true),
            (false, true) => Some(false),
            (false, false) => None,
        })
    }

    fn provenance(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Result<Option<ProvenanceHistory>, MetadataError> {
        Ok(self.provenance.get(&(ecosystem, name.to_owned())).cloned())
    }
}
