//! `db update`: download the per-ecosystem OSV exports (`{base}{ecosystem}/all.zip`),
//! keep them in the database directory, and rebuild the index when one changed.
//!
//! Each export is fetched with `If-None-Match` / `If-Modified-Since` from its last
//! download, so an unchanged export costs one request and no re-import. A new export is
//! streamed to a temporary file, checked to be a readable zip, then renamed into place;
//! the index is rebuilt from every stored export and itself replaced atomically, so a
//! killed update leaves the previous export and index usable.
//!
//! The HTTP goes through `tollgate-registry`'s client ([`HttpClient::get_to_file`]): the
//! same proxy, TLS roots, user agent, retries and redirect rules as every other download.
//! The caller builds it (see [`http_options`]) so that tests can point it at loopback.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tempfile::NamedTempFile;
use tollgate_model::Ecosystem;
use tollgate_registry::{HttpClient, HttpOptions, Streamed, Validators};

use crate::Error;
use crate::import::{ImportReport, Importer, Previous};

/// The largest export accepted (npm's is about 150 MB today).
const MAX_EXPORT_BYTES: u64 = 4 << 30;
const EXPORTS_DIR: &str = "exports";
const EXPORT_FILE: &str = "all.zip";
const META_FILE: &str = "download.json";

/// What is remembered about a downloaded export, for conditional requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct DownloadMeta {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// What happened to one ecosystem's export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ExportStatus {
    /// The server said the export has not changed since the last download.
    Unchanged,
    /// A new export was downloaded.
    Downloaded {
        /// Its size.
        bytes: u64,
    },
    /// The download failed; the previous export (if any) is kept.
    Failed {
        /// What went wrong.
        error: String,
    },
}

/// The outcome of `db update`.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateReport {
    /// Per requested ecosystem.
    pub exports: Vec<(Ecosystem, ExportStatus)>,
    /// The import, when the index was rebuilt.
    pub import: Option<ImportReport>,
}

/// The client settings an update needs: exports are hundreds of MB, so a whole request
/// may take up to 30 minutes on a slow link (the registry client's default is 2).
pub fn http_options() -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_secs(1800),
        connect_timeout: Duration::from_secs(30),
        ..HttpOptions::default()
    }
}

/// Downloads the exports of `ecosystems` from `base` (a URL ending in `/`) into `dir` with
/// `http` (built with [`http_options`], or a caller's variant) and rebuilds the index if
/// any changed or no index exists yet.
pub fn update(
    dir: &Path,
    base: &str,
    ecosystems: &[Ecosystem],
    http: &HttpClient,
) -> Result<UpdateReport, Error> {
    let base = if base.ends_with('/') {
        base.to_owned()
    } else {
        format!("{base}/")
    };
    let mut exports = Vec::new();
    for &ecosystem in ecosystems {
        let status = match fetch_export(http, dir, &base, ecosystem) {
            Ok(status) => status,
            Err(e) => ExportStatus::Failed {
                error: e.to_string(),
            },
        };
        exports.push((ecosystem, status));
    }
    let changed = exports
        .iter()
        .any(|(_, s)| matches!(s, ExportStatus::Downloaded { .. }));
    let index_exists = dir.join(crate::index::INDEX_FILE).exists();
    let import = if changed || !index_exists {
        let stored = stored_exports(dir);
        if stored.is_empty() {
            None
        } else {
            let mut importer = Importer::new(dir)?;
            for export in &stored {
                importer.add_path(export)?;
            }
            Some(importer.finish(
                stored.iter().map(|p| p.display().to_string()).collect(),
                Previous::Merge,
            )?)
        }
    } else {
        None
    };
    Ok(UpdateReport { exports, import })
}

fn export_dir(dir: &Path, ecosystem: Ecosystem) -> PathBuf {
    dir.join(EXPORTS_DIR).join(ecosystem.as_str())
}

/// Every export downloaded so far, in a stable order.
fn stored_exports(dir: &Path) -> Vec<PathBuf> {
    Ecosystem::ALL
        .iter()
        .map(|&e| export_dir(dir, e).join(EXPORT_FILE))
        .filter(|p| p.is_file())
        .collect()
}

fn fetch_export(
    http: &HttpClient,
    dir: &Path,
    base: &str,
    ecosystem: Ecosystem,
) -> Result<ExportStatus, Error> {
    let target_dir = export_dir(dir, ecosystem);
    std::fs::create_dir_all(&target_dir)
        .map_err(|e| Error::io(&target_dir, "creating the export directory", e))?;
    let url = format!("{base}{}/{EXPORT_FILE}", ecosystem.as_str());
    let target = target_dir.join(EXPORT_FILE);
    let meta_path = target_dir.join(META_FILE);
    let previous: Option<DownloadMeta> = std::fs::read(&meta_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(|meta: &DownloadMeta| meta.url == url && target.is_file());
    let validators = previous
        .as_ref()
        .map_or_else(Validators::default, |meta| Validators {
            etag: meta.etag.clone(),
            last_modified: meta.last_modified.clone(),
        });
    // Streamed into the export's own directory, so the rename below stays on one
    // filesystem and a failed download never touches the stored export.
    let mut temp = NamedTempFile::new_in(&target_dir)
        .map_err(|e| Error::io(&target_dir, "creating a temporary file", e))?;
    let streamed = http
        .get_to_file(&url, &validators, MAX_EXPORT_BYTES, temp.as_file_mut())
        .map_err(|e| Error::Download {
            url: url.clone(),
            // The error's own text repeats the address, which `Error::Download` names.
            reason: match e.attempts {
                0 | 1 => e.message,
                n => format!("{} (after {n} attempts)", e.message),
            },
        })?;
    let (bytes, validators) = match streamed {
        Streamed::NotModified => return Ok(ExportStatus::Unchanged),
        Streamed::NotFound => {
            return Err(Error::Download {
                url: url.clone(),
                reason: "the server has no such export (HTTP 404)".to_owned(),
            });
        }
        Streamed::Written { bytes, validators } => (bytes, validators),
    };
    verify_zip(temp.path())?;
    temp.as_file()
        .sync_all()
        .map_err(|e| Error::io(temp.path(), "syncing the download", e))?;
    temp.persist(&target)
        .map_err(|e| Error::io(&target, "renaming the download into place", e.error))?;
    let meta = DownloadMeta {
        url,
        etag: validators.etag,
        last_modified: validators.last_modified,
    };
    write_meta(&target_dir, &meta_path, &meta)?;
    Ok(ExportStatus::Downloaded { bytes })
}

/// Checks that a downloaded file opens as a zip archive (a captive portal's HTML page or a
/// truncated transfer does not).
fn verify_zip(path: &Path) -> Result<(), Error> {
    let file = File::open(path).map_err(|e| Error::io(path, "reading the download", e))?;
    zip::ZipArchive::new(std::io::BufReader::new(file))
        .map(drop)
        .map_err(|e| Error::Zip {
            path: path.to_owned(),
            reason: e.to_string(),
        })
}

fn write_meta(dir: &Path, path: &Path, meta: &DownloadMeta) -> Result<(), Error> {
    let mut temp =
        NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, "creating a temporary file", e))?;
    let json = serde_json::to_vec_pretty(meta).unwrap_or_default();
    temp.write_all(&json)
        .map_err(|e| Error::io(path, "writing download metadata", e))?;
    temp.persist(path)
        .map_err(|e| Error::io(path, "writing download metadata", e.error))?;
    Ok(())
}
