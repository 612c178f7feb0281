//! The registry client: verified, cached, parallel artifact downloads.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use tollgate_model::{ArtifactKind, Package};

use crate::artifact::{self, Plan, PlannedDownload, expand_dl_template};
use crate::cache::Cache;
use crate::config::RegistryConfig;
use crate::error::RegistryError;
use crate::hash::{Algorithm, Expectation};
use crate::hosts::HostAllowList;
use crate::http::{Fetched, HttpClient, HttpOptions};
use crate::metadata::{CratesIndexConfig, SimpleProject};

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// HTTP timeouts and retries.
    pub http: HttpOptions,
    /// Use the cache only; a miss is an error.
    pub offline: bool,
    /// How long cached metadata stays fresh.
    pub metadata_ttl: Duration,
    /// Most downloads or lookups in flight at once.
    pub concurrency: usize,
    /// Largest artifact accepted.
    pub max_artifact_bytes: u64,
    /// Largest metadata document accepted (npm packuments of old, busy packages run to
    /// tens of MiB).
    pub max_metadata_bytes: u64,
    /// Draw a progress bar on stderr when it is a terminal.
    pub progress: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            http: HttpOptions::default(),
            offline: false,
            metadata_ttl: Duration::from_secs(24 * 60 * 60),
            concurrency: 8,
            max_artifact_bytes: 512 * 1024 * 1024,
            max_metadata_bytes: 256 * 1024 * 1024,
            progress: true,
        }
    }
}

/// Whether a download was checked against the lockfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The bytes match the strongest hash the lockfile records.
    Verified {
        /// The algorithm used.
        algorithm: Algorithm,
        /// The matching digest, lowercase hex.
        digest: String,
    },
    /// The lockfile gives nothing to verify against; the bytes are what the registry sent.
    Unverified {
        /// Why (no hash, only a Yarn Berry checksum, only unsupported algorithms).
        reason: String,
    },
}

/// A downloaded artifact.
#[derive(Debug, Clone)]
pub struct Download {
    /// Where it was (or would have been) fetched from.
    pub url: String,
    /// The artifact's file name.
    pub filename: String,
    /// What kind of artifact it is.
    pub kind: ArtifactKind,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Where the bytes sit in the cache.
    pub cache_path: PathBuf,
    /// Whether they were verified against the lockfile.
    pub verification: Verification,
    /// Whether they came from the cache.
    pub from_cache: bool,
}

/// Talks to npm, PyPI and crates.io-style registries through one cache.
#[derive(Debug, Clone)]
pub struct RegistryClient {
    pub(crate) http: HttpClient,
    pub(crate) cache: Cache,
    pub(crate) config: RegistryConfig,
    pub(crate) options: ClientOptions,
}

/// The Accept header of PEP 691 (JSON simple API).
pub(crate) const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

impl RegistryClient {
    /// A client for the registries of `config`, caching under `cache`.
    pub fn new(config: RegistryConfig, cache: Cache, options: ClientOptions) -> Self {
        RegistryClient {
            http: HttpClient::new(options.http.clone()),
            cache,
            config,
            options,
        }
    }

    /// The registry configuration in use.
    pub fn config(&self) -> &RegistryConfig {
        &self.config
    }

    /// This client, downloading only from the hosts of `allowed`: any other address a
    /// lockfile names (a `resolved` URL, a registry source, a direct URL), and any redirect
    /// to another host, is [`RegistryError::HostRefused`] (or an HTTP error with
    /// [`RegistryError::refused_host`]) before a request is sent or the cache is read. The
    /// file host a configured PyPI index lists and the `dl` host of a configured cargo
    /// registry are added to `allowed` as they are learned.
    pub fn with_allowed_hosts(mut self, allowed: HostAllowList) -> Self {
        self.http = self.http.with_allowed_hosts(allowed);
        self
    }

    /// [`RegistryError::HostRefused`] when this client is limited and `url`'s host is not
    /// allowed.
    fn check_host(&self, package: &Package, url: &str) -> Result<(), RegistryError> {
        match self.http.allowed_hosts().and_then(|list| list.refusal(url)) {
            Some(host) => Err(RegistryError::HostRefused {
                package: package.purl.clone(),
                url: url.to_owned(),
                host,
            }),
            None => Ok(()),
        }
    }

    /// A download address learned from an allowed registry is allowed too.
    fn learned(&self, planned: PlannedDownload) -> PlannedDownload {
        if let Some(list) = self.http.allowed_hosts() {
            list.allow_url(&planned.url);
        }
        planned
    }

    /// Decides what would be downloaded for `package`, consulting the registry (or the
    /// metadata cache) when the lock does not give the address.
    pub fn plan(&self, package: &Package) -> Result<PlannedDownload, RegistryError> {
        let plan =
            artifact::plan(package, &self.config).map_err(|reason| RegistryError::NoArtifact {
                package: package.purl.clone(),
                reason: reason.0,
            })?;
        match plan {
            Plan::Ready(planned) => Ok(planned),
            Plan::PypiIndexLookup {
                index,
                wanted,
                expectation,
            } => {
                self.check_host(package, &index)?;
                self.plan_from_simple_index(package, &index, wanted.as_deref(), expectation)
                    .map(|planned| self.learned(planned))
            }
            Plan::CrateTemplate { index, expectation } => {
                let config_url = format!("{index}config.json");
                self.check_host(package, &config_url)?;
                let body = self.cached_metadata(&config_url, None)?.ok_or_else(|| {
                    RegistryError::NotFound {
                        package: package.purl.clone(),
                        url: config_url.clone(),
                    }
                })?;
                let index_config: CratesIndexConfig = parse_json(&config_url, &body)?;
                let sha256 = match &expectation {
                    Expectation::Check(e) if e.algorithm == Algorithm::Sha256 => {
                        Some(e.digest.as_str())
                    }
                    _ => None,
                };
                Ok(self.learned(PlannedDownload {
                    url: expand_dl_template(
                        &index_config.dl,
                        &package.name,
                        &package.version,
                        sha256,
                    ),
                    filename: artifact::crate_filename(package),
                    kind: ArtifactKind::Crate,
                    expectation,
                }))
            }
        }
    }

    /// Finds the file in the PEP 691 listing: the one the lock names, else this version's
    /// sdist, else its first wheel.
    fn plan_from_simple_index(
        &self,
        package: &Package,
        index: &str,
        wanted: Option<&str>,
        expectation: Expectation,
    ) -> Result<PlannedDownload, RegistryError> {
        let url = format!("{index}{}/", package.normalized_name);
        let body = self
            .cached_metadata(&url, Some(SIMPLE_JSON))?
            .ok_or_else(|| RegistryError::NotFound {
                package: package.purl.clone(),
                url: url.clone(),
            })?;
        let project: SimpleProject = parse_json(&url, &body)?;
        let file = project.file_for(wanted, &package.version).ok_or_else(|| {
            RegistryError::NoArtifact {
                package: package.purl.clone(),
                reason: format!("{url} lists no file for version {}", package.version),
            }
        })?;
        let kind = if file.filename.ends_with(".whl") {
            ArtifactKind::Wheel
        } else {
            ArtifactKind::Sdist
        };
        Ok(PlannedDownload {
            url: resolve_relative(&url, &file.url),
            filename: file.filename.clone(),
            kind,
            expectation,
        })
    }

    /// Downloads the exact locked artifact of `package`, verified against the lockfile's
    /// strongest hash before it enters the cache.
    ///
    /// A hash mismatch is [`RegistryError::HashMismatch`]: the bytes are dropped, never
    /// cached. In offline mode a cache miss is [`RegistryError::OfflineMiss`].
    pub fn fetch(&self, package: &Package) -> Result<Download, RegistryError> {
        let planned = self.plan(package)?;
        self.fetch_planned(package, planned)
    }

    /// Downloads `planned` for `package` (see [`RegistryClient::fetch`]).
    pub fn fetch_planned(
        &self,
        package: &Package,
        planned: PlannedDownload,
    ) -> Result<Download, RegistryError> {
        self.check_host(package, &planned.url)?;
        if let Some(download) = self.cached_download(&planned)? {
            return Ok(download);
        }
        if self.options.offline {
            return Err(RegistryError::OfflineMiss {
                what: package.purl.clone(),
                url: planned.url,
            });
        }
        let bytes = match self
            .http
            .get(&planned.url, None, self.options.max_artifact_bytes)?
        {
            Fetched::Body(bytes) => bytes,
            Fetched::NotFound => {
                return Err(RegistryError::NotFound {
                    package: package.purl.clone(),
                    url: planned.url,
                });
            }
        };
        let (algorithm, digest, verification) = match &planned.expectation {
            Expectation::Check(expected) => {
                let actual = expected.algorithm.digest_hex(&bytes);
                if actual != expected.digest {
                    return Err(RegistryError::HashMismatch {
                        package: package.purl.clone(),
                        url: planned.url,
                        algorithm: expected.algorithm,
                        expected: expected.digest.clone(),
                        actual,
                    });
                }
                let verification = Verification::Verified {
                    algorithm: expected.algorithm,
                    digest: actual.clone(),
                };
                (expected.algorithm, actual, verification)
            }
            Expectation::Unverifiable(reason) => (
                Algorithm::Sha256,
                Algorithm::Sha256.digest_hex(&bytes),
                Verification::Unverified {
                    reason: reason.clone(),
                },
            ),
        };
        let cache_path = self
            .cache
            .put_artifact(algorithm, &digest, &bytes)
            .and_then(|path| {
                self.cache.remember_url(&planned.url, algorithm, &digest)?;
                Ok(path)
            })
            .map_err(|source| RegistryError::Cache {
                path: self.cache.root().to_owned(),
                source: Arc::new(source),
            })?;
        Ok(Download {
            url: planned.url,
            filename: planned.filename,
            kind: planned.kind,
            bytes,
            cache_path,
            verification,
            from_cache: false,
        })
    }

    /// The cached artifact for `planned`, re-checked against its digest (a damaged cache
    /// entry is ignored and fetched again).
    fn cached_download(
        &self,
        planned: &PlannedDownload,
    ) -> Result<Option<Download>, RegistryError> {
        let cache_error = |source| RegistryError::Cache {
            path: self.cache.root().to_owned(),
            source: Arc::new(source),
        };
        let (algorithm, digest, verification) = match &planned.expectation {
            Expectation::Check(expected) => (
                expected.algorithm,
                expected.digest.clone(),
                Verification::Verified {
                    algorithm: expected.algorithm,
                    digest: expected.digest.clone(),
                },
            ),
            Expectation::Unverifiable(reason) => {
                match self
                    .cache
                    .artifact_for_url(&planned.url)
                    .map_err(cache_error)?
                {
                    Some((algorithm, digest)) => (
                        algorithm,
                        digest,
                        Verification::Unverified {
                            reason: reason.clone(),
                        },
                    ),
                    None => return Ok(None),
                }
            }
        };
        let Some(bytes) = self
            .cache
            .artifact(algorithm, &digest)
            .map_err(cache_error)?
        else {
            return Ok(None);
        };
        if algorithm.digest_hex(&bytes) != digest {
            return Ok(None);
        }
        Ok(Some(Download {
            url: planned.url.clone(),
            filename: planned.filename.clone(),
            kind: planned.kind,
            cache_path: self.cache.artifact_path(algorithm, &digest),
            bytes,
            verification,
            from_cache: true,
        }))
    }

    /// Fetches every package's artifact in parallel (at most `concurrency` at once) and
    /// hands each result to `each` as it arrives, from a worker thread, so callers can
    /// analyse and drop the bytes without holding them all. `each` gets the index of the
    /// package in `packages`.
    pub fn fetch_each<F>(&self, packages: &[&Package], each: F)
    where
        F: Fn(usize, Result<Download, RegistryError>) + Sync,
    {
        parallel_for(
            packages.len(),
            self.options.concurrency,
            self.progress_bar(packages.len(), "downloading"),
            |index| {
                if let Some(package) = packages.get(index) {
                    each(index, self.fetch(package));
                }
            },
        );
    }

    /// Like [`RegistryClient::fetch_each`], collecting the results in input order.
    pub fn fetch_all(&self, packages: &[&Package]) -> Vec<Result<Download, RegistryError>> {
        collect_parallel(packages.len(), |sink| {
            self.fetch_each(packages, sink);
        })
    }

    /// GETs a metadata document through the metadata cache: `Ok(None)` is a 404.
    pub(crate) fn cached_metadata(
        &self,
        url: &str,
        accept: Option<&str>,
    ) -> Result<Option<Vec<u8>>, RegistryError> {
        let cache_error = |source| RegistryError::Cache {
            path: self.cache.root().to_owned(),
            source: Arc::new(source),
        };
        if self.options.offline {
            return match self.cache.stale_metadata(url).map_err(cache_error)? {
                Some(body) => Ok(Some(body)),
                None => Err(RegistryError::OfflineMiss {
                    what: "metadata".to_owned(),
                    url: url.to_owned(),
                }),
            };
        }
        if let Some(body) = self
            .cache
            .metadata(url, self.options.metadata_ttl)
            .map_err(cache_error)?
        {
            return Ok(Some(body));
        }
        match self
            .http
            .get(url, accept, self.options.max_metadata_bytes)?
        {
            Fetched::Body(body) => {
                self.cache.put_metadata(url, &body).map_err(cache_error)?;
                Ok(Some(body))
            }
            Fetched::NotFound => Ok(None),
        }
    }

    /// A progress bar when enabled and stderr is a terminal, else a hidden one.
    pub(crate) fn progress_bar(&self, len: usize, what: &'static str) -> ProgressBar {
        progress_bar(len, what, self.options.progress)
    }
}

/// tollgate's one progress bar style, drawn on stderr: hidden unless `enabled`, stderr is
/// a terminal and there are at least two steps.
pub fn progress_bar(len: usize, what: &'static str, enabled: bool) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() || len < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(u64::try_from(len).unwrap_or(u64::MAX));
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what);
    bar
}

/// Parses a JSON document, naming its address on failure.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    url: &str,
    body: &[u8],
) -> Result<T, RegistryError> {
    serde_json::from_slice(body).map_err(|err| RegistryError::BadMetadata {
        url: url.to_owned(),
        message: err.to_string(),
    })
}

/// Resolves a possibly relative file URL of a simple index page against the page
/// (RFC 3986 reference resolution for the path forms indexes use).
fn resolve_relative(page: &str, href: &str) -> String {
    if href.contains("://") {
        return href.to_owned();
    }
    let origin_end = page
        .find("://")
        .and_then(|start| page[start + 3..].find('/').map(|i| start + 3 + i))
        .unwrap_or(page.len());
    let (origin, page_path) = page.split_at(origin_end);
    let joined = if href.starts_with('/') {
        href.to_owned()
    } else {
        let base_dir = page_path.rsplit_once('/').map_or("", |(dir, _)| dir);
        format!("{base_dir}/{href}")
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in joined.split('/').skip(1) {
        match segment {
            "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    format!("{origin}/{}", segments.join("/"))
}

/// Runs `work(i)` for `i in 0..len` on up to `concurrency` scoped threads.
pub(crate) fn parallel_for(
    len: usize,
    concurrency: usize,
    bar: ProgressBar,
    work: impl Fn(usize) + Sync,
) {
    let next = AtomicUsize::new(0);
    let workers = concurrency.clamp(1, len.max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= len {
                        break;
                    }
                    work(index);
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
}

/// Collects results delivered out of order by index into a vector in input order.
pub(crate) fn collect_parallel<T: Send>(
    len: usize,
    run: impl FnOnce(&(dyn Fn(usize, T) + Sync)),
) -> Vec<T> {
    let slots: Mutex<Vec<Option<T>>> = Mutex::new((0..len).map(|_| None).collect());
    run(&|index, value| {
        if let Ok(mut slots) = slots.lock() {
            if let Some(slot) = slots.get_mut(index) {
                *slot = Some(value);
            }
        }
    });
    slots
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_simple_index_links() {
        let page = "https://files.example/simple/pkg/";
        assert_eq!(
            resolve_relative(page, "../../packages/a.tar.gz"),
            "https://files.example/packages/a.tar.gz"
        );
        assert_eq!(
            resolve_relative(page, "/packages/a.tar.gz"),
            "https://files.example/packages/a.tar.gz"
        );
        assert_eq!(
            resolve_relative(page, "https://cdn.example/a.whl"),
            "https://cdn.example/a.whl"
        );
    }

    #[test]
    fn parallel_results_keep_input_order() {
        let results = collect_parallel(50, |sink| {
            parallel_for(50, 7, ProgressBar::hidden(), |i| sink(i, i * 2));
        });
        assert_eq!(results, (0..50).map(|i| i * 2).collect::<Vec<_>>());
    }
}
