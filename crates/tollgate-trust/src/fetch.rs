//! `imports.lock` from the imports' sources: the only part of the crate that touches the
//! network. Evaluation never fetches; it reads `imports.lock`, like `cargo vet --locked`.
//!
//! Each import's audits.toml is fetched (HTTPS, or plain HTTP to a loopback address for
//! tests and local mirrors; tollgate also reads local paths, relative to the store), parsed
//! and checked like the store's own file, stripped of the packages the import excludes and
//! of entries their authors marked `importable = false`, and written under
//! `[audits.NAME]`. The `[[publisher]]` and `[[unpublished]]` records cargo-vet keeps are
//! carried over unchanged (refreshing them needs crates.io's API, which cargo-vet does).
//! The new file is parsed again before it atomically replaces the old one, so a failed or
//! hostile download leaves the previous `imports.lock` in place.
//!
//! Downloads go through `tollgate-registry`'s [`HttpClient`] (one place for proxies, TLS
//! roots, user agent, retries, timeouts; redirects followed by it, never from `https` to
//! `http`), which the caller builds (see [`http_options`]).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use tollgate_registry::{Fetched, HttpClient, HttpOptions};
use toml::Value;

use crate::edit;
use crate::error::Error;
use crate::key::PackageKey;
use crate::store::{AUDITS_FILE, AuditsFile, CONFIG_FILE, ConfigFile, IMPORTS_FILE, ImportsLock};

/// The largest audits file accepted (mozilla's is about 0.5 MB).
const MAX_AUDITS_BYTES: u64 = 64 << 20;

/// The header cargo-vet writes at the top of imports.lock.
const IMPORTS_HEADER: &str = "\n# cargo-vet imports lock\n\n";

/// What happened to one import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// The import's name.
    pub name: String,
    /// Where its audits came from (`imports.lock` when kept).
    pub source: String,
    /// Whether the audits were fetched now (else kept from the previous imports.lock).
    pub fetched: bool,
    /// Number of `[[audits]]` entries now in imports.lock for it.
    pub audits: usize,
}

/// Which imports to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch<'a> {
    /// Every import; with `offline`, only those with a local source.
    All {
        /// Keep remote imports as they are in imports.lock.
        offline: bool,
    },
    /// Only this import; the others are kept.
    One(&'a str),
}

/// The client settings for fetching audits files: the registry client's defaults with a
/// longer overall limit (a large peer's audits file on a slow link).
pub fn http_options() -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_secs(300),
        connect_timeout: Duration::from_secs(30),
        ..HttpOptions::default()
    }
}

/// Refreshes `imports.lock` in the store `dir`, downloading remote sources with `http`.
pub fn fetch(dir: &Path, which: Fetch<'_>, http: &HttpClient) -> Result<Vec<ImportOutcome>, Error> {
    let config_path = dir.join(CONFIG_FILE);
    let config_text = read(&config_path)?;
    let config = ConfigFile::parse(&config_path.display().to_string(), &config_text)?;
    let lock_path = dir.join(IMPORTS_FILE);
    let previous = previous_lock(&lock_path)?;
    let mut peers = toml::Table::new();
    let mut outcomes = Vec::new();
    for (name, import) in &config.imports {
        let refresh = match which {
            Fetch::One(only) => only == name,
            Fetch::All { offline } => !offline || import.urls.iter().all(|url| is_local(url)),
        };
        let (table, source) = if refresh {
            let table = fetch_import(dir, name, &import.urls, &import.exclude, http)?;
            (table, import.urls.join(", "))
        } else {
            let kept = previous_peer(&previous, name).ok_or_else(|| Error::Fetch {
                import: name.clone(),
                url: import.urls.join(", "),
                reason: "not in imports.lock and not fetched (offline); run `tollgate trust fetch` with network access".to_owned(),
            })?;
            (kept, lock_path.display().to_string())
        };
        outcomes.push(ImportOutcome {
            name: name.clone(),
            source,
            fetched: refresh,
            audits: count_entries(&table, "audits"),
        });
        peers.insert(name.clone(), Value::Table(table));
    }
    write_lock(&lock_path, &previous, peers)?;
    Ok(outcomes)
}

/// Adds `[imports.NAME]` to config.toml and its audits to imports.lock. The source is
/// fetched and checked first: nothing is written unless it is a valid audits file.
pub fn import(
    dir: &Path,
    name: &str,
    url: &str,
    http: &HttpClient,
) -> Result<ImportOutcome, Error> {
    let config_path = dir.join(CONFIG_FILE);
    let config_text = read(&config_path)?;
    fetch_import(dir, name, &[url.to_owned()], &BTreeSet::new(), http)?;
    let edited = edit::add_import(&config_text, name, url).map_err(|reason| {
        Error::Invalid(vec![tollgate_model::FileError {
            code: None,
            path: config_path.display().to_string(),
            line: None,
            column: None,
            message: reason,
        }])
    })?;
    write_atomically(&config_path, &edited)?;
    let outcomes = fetch(dir, Fetch::One(name), http)?;
    outcomes
        .into_iter()
        .find(|outcome| outcome.name == name)
        .ok_or_else(|| Error::Fetch {
            import: name.to_owned(),
            url: url.to_owned(),
            reason: "config.toml does not list the import after adding it".to_owned(),
        })
}

/// Fetches, checks and filters every source of one import into one table.
fn fetch_import(
    dir: &Path,
    name: &str,
    urls: &[String],
    exclude: &BTreeSet<PackageKey>,
    http: &HttpClient,
) -> Result<toml::Table, Error> {
    let mut merged = toml::Table::new();
    for url in urls {
        let failed = |reason: String| Error::Fetch {
            import: name.to_owned(),
            url: url.clone(),
            reason,
        };
        let text = read_source(dir, url, http).map_err(failed)?;
        AuditsFile::parse(url, &text).map_err(|error| failed(error.to_string()))?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| failed(e.to_string()))?;
        merge(&mut merged, filtered(table, exclude)).map_err(failed)?;
    }
    Ok(merged)
}

/// The peer's tables without excluded packages and non-importable audits.
fn filtered(mut table: toml::Table, exclude: &BTreeSet<PackageKey>) -> toml::Table {
    for section in ["audits", "wildcard-audits", "trusted"] {
        let Some(Value::Table(packages)) = table.get_mut(section) else {
            continue;
        };
        packages
            .retain(|key, _| PackageKey::parse(key).map_or(true, |key| !exclude.contains(&key)));
        if section != "audits" {
            continue;
        }
        for (_, entries) in packages.iter_mut() {
            if let Value::Array(entries) = entries {
                entries.retain(|entry| {
                    entry.get("importable").and_then(Value::as_bool) != Some(false)
                });
            }
        }
        packages.retain(|_, entries| entries.as_array().is_none_or(|e| !e.is_empty()));
    }
    table
}

/// Adds one source's tables to an import's: entries are concatenated, and a criteria
/// defined by two sources must be defined the same way.
fn merge(into: &mut toml::Table, from: toml::Table) -> Result<(), String> {
    for (section, value) in from {
        let Value::Table(from_packages) = value else {
            continue;
        };
        let into_packages = into
            .entry(section.clone())
            .or_insert_with(|| Value::Table(toml::Table::new()));
        let Value::Table(into_packages) = into_packages else {
            continue;
        };
        for (key, entry) in from_packages {
            match (into_packages.get_mut(&key), entry) {
                (None, entry) => {
                    into_packages.insert(key, entry);
                }
                (Some(Value::Array(existing)), Value::Array(more)) => existing.extend(more),
                (Some(existing), entry) if *existing == entry => {}
                _ => return Err(format!("two sources define `{section}.{key}` differently")),
            }
        }
    }
    Ok(())
}

/// Writes the new imports.lock after checking that it parses.
fn write_lock(path: &Path, previous: &toml::Table, peers: toml::Table) -> Result<(), Error> {
    let mut lock = toml::Table::new();
    for section in ["unpublished", "publisher"] {
        if let Some(value) = previous.get(section) {
            lock.insert(section.to_owned(), value.clone());
        }
    }
    lock.insert("audits".to_owned(), Value::Table(peers));
    let body = toml::to_string(&lock).map_err(|error| Error::Fetch {
        import: "(all)".to_owned(),
        url: path.display().to_string(),
        reason: format!("cannot write imports.lock: {error}"),
    })?;
    let text = format!("{IMPORTS_HEADER}{body}");
    ImportsLock::parse(&path.display().to_string(), &text)?;
    write_atomically(path, &text)
}

/// The previous imports.lock as a table; empty when there is none.
fn previous_lock(path: &Path) -> Result<toml::Table, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            // Checked like any store file, so a corrupt lock is reported, not carried over.
            ImportsLock::parse(&path.display().to_string(), &text)?;
            toml::from_str(&text).map_err(|error| {
                Error::Invalid(vec![tollgate_model::FileError {
                    code: None,
                    path: path.display().to_string(),
                    line: None,
                    column: None,
                    message: error.to_string(),
                }])
            })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(toml::Table::new()),
        Err(error) => Err(Error::io(path, "read", error)),
    }
}

fn previous_peer(previous: &toml::Table, name: &str) -> Option<toml::Table> {
    match previous.get("audits")?.get(name)? {
        Value::Table(table) => Some(table.clone()),
        _ => None,
    }
}

fn count_entries(table: &toml::Table, section: &str) -> usize {
    match table.get(section) {
        Some(Value::Table(packages)) => packages
            .values()
            .map(|entries| entries.as_array().map_or(0, Vec::len))
            .sum(),
        _ => 0,
    }
}

/// Where a `url` points: a remote address, or a local file.
enum Origin {
    Remote(String),
    Local(PathBuf),
}

fn is_local(url: &str) -> bool {
    matches!(locate(Path::new("."), url), Ok(Origin::Local(_)))
}

/// Plain HTTP is accepted for loopback addresses only: anyone on the network path of an
/// HTTP download could rewrite the audits this project trusts.
fn locate(dir: &Path, url: &str) -> Result<Origin, String> {
    if url.starts_with("https://") {
        return Ok(Origin::Remote(url.to_owned()));
    }
    if let Some(rest) = url.strip_prefix("http://") {
        let authority = rest.split('/').next().unwrap_or_default();
        let host = if authority.starts_with('[') {
            authority.split_inclusive(']').next().unwrap_or_default()
        } else {
            authority.split(':').next().unwrap_or_default()
        };
        return if !authority.contains('@') && matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            Ok(Origin::Remote(url.to_owned()))
        } else {
            Err("plain http:// would let anyone on the network path rewrite the audits you trust; use https://".to_owned())
        };
    }
    if let Some(path) = url.strip_prefix("file://") {
        return Ok(Origin::Local(PathBuf::from(path)));
    }
    if url.contains("://") {
        return Err("unsupported address: use https://, file:// or a path".to_owned());
    }
    Ok(Origin::Local(dir.join(url)))
}

fn read_source(dir: &Path, url: &str, http: &HttpClient) -> Result<String, String> {
    match locate(dir, url)? {
        Origin::Local(path) => std::fs::read_to_string(&path)
            .map_err(|error| format!("cannot read {}: {error}", path.display())),
        Origin::Remote(url) => download(&url, http),
    }
}

fn download(url: &str, http: &HttpClient) -> Result<String, String> {
    // `Error::Fetch` names the address; the client's own text would repeat it.
    let body = match http.get(url, None, MAX_AUDITS_BYTES) {
        Ok(Fetched::Body(body)) => body,
        Ok(Fetched::NotFound) => return Err("not found (HTTP 404)".to_owned()),
        Err(error) if error.attempts > 1 => {
            return Err(format!(
                "{} (after {} attempts)",
                error.message, error.attempts
            ));
        }
        Err(error) => return Err(error.message),
    };
    String::from_utf8(body).map_err(|_| format!("{url} is not UTF-8 text, so not an {AUDITS_FILE}"))
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|error| Error::io(path, "read", error))
}

/// Replaces `path` with `text` through a temporary file in the same directory and a
/// rename, so readers see the old file or the new one, never a half-written one. The file
/// keeps its permissions (a new imports.lock gets config.toml's): temporary files are
/// created private.
fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io(dir, "create a temporary file in", e))?;
    let template = std::fs::metadata(path).or_else(|_| std::fs::metadata(dir.join(CONFIG_FILE)));
    if let Ok(template) = template {
        temp.as_file()
            .set_permissions(template.permissions())
            .map_err(|e| Error::io(path, "set the permissions of", e))?;
    }
    temp.write_all(text.as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io(path, "write", e))?;
    temp.persist(path)
        .map_err(|e| Error::io(path, "replace", e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        let dir = Path::new("/store");
        assert!(matches!(
            locate(dir, "https://a.example/x"),
            Ok(Origin::Remote(_))
        ));
        assert!(matches!(
            locate(dir, "http://127.0.0.1:8080/x"),
            Ok(Origin::Remote(_))
        ));
        assert!(matches!(
            locate(dir, "http://[::1]:80/x"),
            Ok(Origin::Remote(_))
        ));
        assert!(locate(dir, "http://audits.example/x").is_err());
        assert!(locate(dir, "http://127.0.0.1@evil.example/x").is_err());
        assert!(locate(dir, "ftp://a/x").is_err());
        match locate(dir, "../peer/audits.toml") {
            Ok(Origin::Local(path)) => assert_eq!(path, Path::new("/store/../peer/audits.toml")),
            _ => panic!("a path is local"),
        }
    }

    #[test]
    fn filters_excluded_packages_and_private_audits() {
        let table: toml::Table = toml::from_str(
            "[[audits.a]]\ncriteria = \"safe-to-run\"\nversion = \"1.0.0\"\n[[audits.a]]\ncriteria = \"safe-to-run\"\nversion = \"2.0.0\"\nimportable = false\n[[audits.\"npm:b\"]]\ncriteria = \"safe-to-run\"\nversion = \"1.0.0\"\n",
        )
        .unwrap();
        let exclude = [PackageKey::parse("npm:b").unwrap()].into_iter().collect();
        let kept = filtered(table, &exclude);
        assert_eq!(count_entries(&kept, "audits"), 1);
        assert!(kept["audits"].get("npm:b").is_none());
        let only_private: toml::Table = toml::from_str(
            "[[audits.a]]\ncriteria = \"safe-to-run\"\nversion = \"1.0.0\"\nimportable = false\n",
        )
        .unwrap();
        let kept = filtered(only_private, &BTreeSet::new());
        assert!(kept["audits"].get("a").is_none(), "no empty table is left");
    }

    #[test]
    fn merging_two_sources_concatenates_and_refuses_conflicts() {
        let mut into: toml::Table =
            toml::from_str("[criteria.c]\ndescription = \"x\"\n[[audits.a]]\ncriteria = \"c\"\nversion = \"1.0.0\"\n").unwrap();
        let same: toml::Table =
            toml::from_str("[criteria.c]\ndescription = \"x\"\n[[audits.a]]\ncriteria = \"c\"\nversion = \"2.0.0\"\n").unwrap();
        merge(&mut into, same).unwrap();
        assert_eq!(count_entries(&into, "audits"), 2);
        let different: toml::Table = toml::from_str("[criteria.c]\ndescription = \"y\"\n").unwrap();
        assert!(
            merge(&mut into, different)
                .unwrap_err()
                .contains("criteria.c")
        );
    }
}
