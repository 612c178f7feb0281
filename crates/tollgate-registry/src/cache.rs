//! The on-disk cache: content-addressed artifacts and time-limited metadata.
//!
//! Layout under the cache root (`$XDG_CACHE_HOME/tollgate` by default):
//!
//! - `artifacts/<algo>/<hex>`: a downloaded artifact, named by the digest it was
//!   verified against (or, for unverified downloads, its own SHA-256);
//! - `by-url/<sha256 of url>`: `<algo>/<hex>` of the artifact last fetched from that
//!   address, so unverified artifacts can be found again offline;
//! - `metadata/<sha256 of url>`: a registry response body; its age is its mtime.
//!
//! Every file is written to a temporary file in the same directory and renamed into
//! place, so a reader never sees a partial file and nothing outside the root is touched
//! (paths are built only from algorithm names and hex digests).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::config::ConfigInputs;
use crate::hash::Algorithm;

/// The cache directory tree.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// A cache rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Cache { root: root.into() }
    }

    /// `$XDG_CACHE_HOME/tollgate`, else `~/.cache/tollgate`.
    pub fn default_root(inputs: &ConfigInputs) -> Option<PathBuf> {
        inputs
            .env
            .get("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| inputs.home.as_ref().map(|home| home.join(".cache")))
            .map(|base| base.join("tollgate"))
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where an artifact with this digest lives. `hex` must be hex digits only.
    pub fn artifact_path(&self, algorithm: Algorithm, hex: &str) -> PathBuf {
        self.root
            .join("artifacts")
            .join(algorithm.as_str())
            .join(hex)
    }

    /// The cached artifact with this digest, if present.
    pub fn artifact(&self, algorithm: Algorithm, hex: &str) -> io::Result<Option<Vec<u8>>> {
        read_if_present(&self.artifact_path(algorithm, hex))
    }

    /// Stores an artifact under its digest; the caller has verified it.
    pub fn put_artifact(
        &self,
        algorithm: Algorithm,
        hex: &str,
        bytes: &[u8],
    ) -> io::Result<PathBuf> {
        let path = self.artifact_path(algorithm, hex);
        write_atomic(&path, bytes)?;
        Ok(path)
    }

    /// The digest of the artifact last fetched from `url`.
    pub fn artifact_for_url(&self, url: &str) -> io::Result<Option<(Algorithm, String)>> {
        let Some(text) = read_if_present(&self.url_index_path(url))? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&text);
        let parsed = text.trim().split_once('/').and_then(|(name, hex)| {
            let algorithm = Algorithm::ALL.into_iter().find(|a| a.as_str() == name)?;
            hex.bytes()
                .all(|b| b.is_ascii_hexdigit())
                .then(|| (algorithm, hex.to_owned()))
        });
        Ok(parsed)
    }

    /// Records that `url` served the artifact with this digest.
    pub fn remember_url(&self, url: &str, algorithm: Algorithm, hex: &str) -> io::Result<()> {
        write_atomic(
            &self.url_index_path(url),
            format!("{}/{hex}\n", algorithm.as_str()).as_bytes(),
        )
    }

    /// A metadata body fetched from `url` less than `ttl` ago.
    pub fn metadata(&self, url: &str, ttl: Duration) -> io::Result<Option<Vec<u8>>> {
        let path = self.metadata_path(url);
        let fresh = match fs::metadata(&path) {
            Ok(meta) => meta
                .modified()
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok())
                .is_some_and(|age| age <= ttl),
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        if fresh {
            read_if_present(&path)
        } else {
            Ok(None)
        }
    }

    /// A metadata body fetched from `url`, however old (offline mode).
    pub fn stale_metadata(&self, url: &str) -> io::Result<Option<Vec<u8>>> {
        read_if_present(&self.metadata_path(url))
    }

    /// Stores a metadata body fetched from `url`.
    pub fn put_metadata(&self, url: &str, body: &[u8]) -> io::Result<()> {
        write_atomic(&self.metadata_path(url), body)
    }

    fn url_index_path(&self, url: &str) -> PathBuf {
        self.root
            .join("by-url")
            .join(Algorithm::Sha256.digest_hex(url.as_bytes()))
    }

    fn metadata_path(&self, url: &str) -> PathBuf {
        self.root
            .join("metadata")
            .join(Algorithm::Sha256.digest_hex(url.as_bytes()))
    }
}

fn read_if_present(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// Writes `bytes` to a temporary file next to `path` and renames it into place.
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("cache path has no parent directory"))?;
    fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    // No fsync: a file torn by a crash fails the digest check on the next read and is
    // fetched again, so durability is not worth a sync per artifact.
    temp.write_all(bytes)?;
    temp.persist(path).map_err(|err| err.error)?;
    Ok(())
}
