//! Registry access for tollgate: where to download from, downloading the exact locked
//! artifact, verifying it, caching it, and registry metadata.
//!
//! - [`config`]: registry addresses from the user's own npm, pip, uv and cargo settings,
//!   each with its [`Origin`] for `--explain`.
//! - [`RegistryClient::fetch`] / [`RegistryClient::fetch_each`]: download the artifact a
//!   lockfile pins (npm tarball, the sdist or wheel the lock names, the `.crate`), verify
//!   it against the strongest hash the lockfile records *before* it enters the cache, in
//!   parallel, with a progress bar on a terminal. A mismatch is
//!   [`RegistryError::HashMismatch`].
//! - [`Cache`]: content-addressed artifacts (`artifacts/<algo>/<hex>`) and metadata with a
//!   time to live; `offline` uses it alone.
//! - [`RegistryClient::metadata_batch`] / [`RegistryClient::exists`]: publish times,
//!   licenses, yanked state, install scripts, wheel availability, name existence.
//! - [`RegistryClient::provenance`]: per-version provenance (npm attestations and trusted
//!   publishing, PyPI PEP 740, crates.io trusted publishing).
//!
//! - [`HostAllowList`] / [`RegistryClient::with_allowed_hosts`]: download only from the
//!   configured registries (and the public defaults); other hosts and redirects to them
//!   are refused before any request.
//! - [`HttpClient::get_to_file`]: a streaming, conditional GET (`ETag`/`Last-Modified`,
//!   304) for large downloads such as advisory exports.
//!
//! Public registry addresses come only from [`tollgate_model::defaults`].

mod artifact;
mod cache;
mod client;
pub mod config;
mod error;
mod hash;
mod hosts;
mod http;
mod metadata;
mod provenance;

pub use artifact::PlannedDownload;
pub use cache::Cache;
pub use client::{ClientOptions, Download, RegistryClient, Verification, progress_bar};
pub use config::{Address, ConfigInputs, Origin, RegistryConfig};
pub use error::RegistryError;
pub use hash::{Algorithm, Expectation, ExpectedHash, expectation};
pub use hosts::{HostAllowList, host_key};
pub use http::{Fetched, HttpClient, HttpError, HttpOptions, Streamed, USER_AGENT, Validators};
/// The progress bar type [`progress_bar`] returns.
pub use indicatif::ProgressBar;
pub use metadata::{MetadataRequest, PackageMetadata, VersionMetadata};
