//! Why a download or lookup failed.

use std::path::PathBuf;
use std::sync::Arc;

use crate::hash::Algorithm;
use crate::http::HttpError;

/// Why a download or lookup failed. `Clone` so batch answers can be shared.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The bytes do not match the lockfile's hash: the artifact is not what was locked.
    /// Nothing was cached. The install-time analysis reports this as a critical
    /// `hash-mismatch` finding.
    #[error(
        "{package}: the artifact downloaded from {url} does not match the lockfile: \
         {algorithm} expected {expected}, got {actual}",
        algorithm = algorithm.as_str()
    )]
    HashMismatch {
        /// The package's purl.
        package: String,
        /// Where the bytes came from.
        url: String,
        /// The algorithm compared.
        algorithm: Algorithm,
        /// The lockfile's digest.
        expected: String,
        /// The downloaded bytes' digest.
        actual: String,
    },
    /// The registry answered 404/410.
    #[error("{package}: not found on the registry ({url})")]
    NotFound {
        /// The package's purl.
        package: String,
        /// The address asked.
        url: String,
    },
    /// Offline mode and the cache does not have it.
    #[error("{what}: not in the cache and --offline forbids fetching {url}")]
    OfflineMiss {
        /// The package's purl, or `metadata`.
        what: String,
        /// The address that would have been fetched.
        url: String,
    },
    /// The package has no registry artifact (git or path dependency, unpinned, ...).
    #[error("{package}: nothing to download: {reason}")]
    NoArtifact {
        /// The package's purl.
        package: String,
        /// Why.
        reason: String,
    },
    /// The address is on no configured registry host (a client limited with
    /// [`RegistryClient::with_allowed_hosts`](crate::RegistryClient::with_allowed_hosts)):
    /// nothing was requested from it, and the cache was not consulted.
    #[error("{package}: {host} is not a configured registry host; refusing to download {url}")]
    HostRefused {
        /// The package's purl.
        package: String,
        /// The address that would have been fetched.
        url: String,
        /// Its `host:port`.
        host: String,
    },
    /// The network request failed.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The registry's answer could not be parsed.
    #[error("{url}: unexpected registry response: {message}")]
    BadMetadata {
        /// The address.
        url: String,
        /// What the parser said.
        message: String,
    },
    /// Reading or writing the cache failed.
    #[error("cache {}: {source}", path.display())]
    Cache {
        /// The cache root.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: Arc<std::io::Error>,
    },
}

impl RegistryError {
    /// The `host:port` refused, when the client would not contact a host (the address
    /// itself or a redirect's target): [`RegistryError::HostRefused`], or an HTTP error
    /// with [`HttpError::refused_host`].
    pub fn refused_host(&self) -> Option<&str> {
        match self {
            RegistryError::HostRefused { host, .. } => Some(host),
            RegistryError::Http(error) => error.refused_host.as_deref(),
            _ => None,
        }
    }
}
