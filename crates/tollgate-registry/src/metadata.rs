//! Registry metadata: npm packuments, the PyPI JSON and simple APIs, crates.io sparse
//! index lines, reduced to what tollgate's checks need (publish time, license, yanked,
//! install scripts, wheel availability, whether the name exists). Provenance has its own
//! module (`provenance`).

use std::collections::BTreeMap;

use serde::Deserialize;
use tollgate_model::{Ecosystem, defaults, normalize_name};

use crate::artifact::crate_index_path;
use crate::client::{RegistryClient, SIMPLE_JSON, collect_parallel, parallel_for, parse_json};
use crate::error::RegistryError;

/// One metadata question: a package, optionally one version of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetadataRequest {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The package name as written.
    pub name: String,
    /// A version to describe in detail (PyPI needs it for that version's license).
    pub version: Option<String>,
}

/// What the registry says about a package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageMetadata {
    /// `false` when the registry answered 404: the name does not exist there.
    pub exists: bool,
    /// The address the answer came from.
    pub url: String,
    /// Per-version facts, keyed by version as the registry writes it.
    pub versions: BTreeMap<String, VersionMetadata>,
}

/// What the registry says about one version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionMetadata {
    /// Publish time (RFC 3339) when the registry records one: npm `time`, PyPI's earliest
    /// upload, the crates index `pubtime`.
    pub published: Option<String>,
    /// The license as declared: an SPDX expression (npm `license`, PyPI
    /// `License-Expression`) or free text (PyPI `License`). Not in the crates index.
    pub license: Option<String>,
    /// PyPI `License ::` trove classifiers.
    pub license_classifiers: Vec<String>,
    /// Yanked (crates.io, PyPI) or deprecated (npm: the deprecation message).
    pub yanked: bool,
    /// npm's deprecation message, when set.
    pub deprecated: Option<String>,
    /// npm lifecycle scripts that run at install time (`preinstall`, `install`,
    /// `postinstall`, `prepare`).
    pub install_scripts: BTreeMap<String, String>,
    /// PyPI: whether the release has at least one wheel / an sdist (`None` elsewhere).
    pub has_wheel: Option<bool>,
    /// PyPI: whether the release has an sdist.
    pub has_sdist: Option<bool>,
}

impl RegistryClient {
    /// Describes one package (see [`MetadataRequest`]).
    pub fn metadata(&self, request: &MetadataRequest) -> Result<PackageMetadata, RegistryError> {
        match request.ecosystem {
            Ecosystem::Npm => self.npm_metadata(&request.name),
            Ecosystem::PyPI => self.pypi_metadata(&request.name, request.version.as_deref()),
            Ecosystem::CratesIo => self.crate_metadata(&request.name),
        }
    }

    /// Answers many requests in parallel (identical requests are fetched once), in input
    /// order.
    pub fn metadata_batch(
        &self,
        requests: &[MetadataRequest],
    ) -> Vec<Result<PackageMetadata, RegistryError>> {
        let mut unique: Vec<&MetadataRequest> = Vec::new();
        let mut position = BTreeMap::new();
        let slots: Vec<usize> = requests
            .iter()
            .map(|request| {
                let key = (
                    request.ecosystem,
                    request.name.as_str(),
                    request.version.as_deref(),
                );
                *position.entry(key).or_insert_with(|| {
                    unique.push(request);
                    unique.len() - 1
                })
            })
            .collect();
        let answers = collect_parallel(unique.len(), |sink| {
            parallel_for(
                unique.len(),
                self.options.concurrency,
                self.progress_bar(unique.len(), "registry metadata"),
                |index| {
                    if let Some(request) = unique.get(index) {
                        sink(index, self.metadata(request));
                    }
                },
            );
        });
        slots
            .into_iter()
            .map(|slot| match answers.get(slot) {
                Some(answer) => answer.clone(),
                None => Err(RegistryError::NoArtifact {
                    package: String::new(),
                    reason: "lookup did not run".to_owned(),
                }),
            })
            .collect()
    }

    /// Whether `name` exists on the ecosystem's configured registry.
    pub fn exists(&self, ecosystem: Ecosystem, name: &str) -> Result<bool, RegistryError> {
        let request = MetadataRequest {
            ecosystem,
            name: name.to_owned(),
            version: None,
        };
        if ecosystem == Ecosystem::PyPI {
            // The simple index is the configured source of truth and much smaller.
            let url = self.simple_index_url(name);
            return Ok(self.cached_metadata(&url, Some(SIMPLE_JSON))?.is_some());
        }
        Ok(self.metadata(&request)?.exists)
    }

    /// The PEP 691 project page of `name` on the configured index.
    pub(crate) fn simple_index_url(&self, name: &str) -> String {
        format!(
            "{}{}/",
            self.config.pip_index.url,
            normalize_name(Ecosystem::PyPI, name)
        )
    }

    /// The packument of `name` on its configured registry. Scoped names keep their `@` and
    /// encode the slash, as the npm CLI does.
    pub(crate) fn npm_packument_url(&self, name: &str) -> String {
        format!(
            "{}{}",
            self.config.npm_registry_for(name).url,
            name.replacen('/', "%2f", 1)
        )
    }

    fn npm_metadata(&self, name: &str) -> Result<PackageMetadata, RegistryError> {
        let url = self.npm_packument_url(name);
        let Some(body) = self.cached_metadata(&url, Some("application/json"))? else {
            return Ok(missing(url));
        };
        let packument: Packument = parse_json(&url, &body)?;
        Ok(packument.into_metadata(url))
    }

    fn pypi_metadata(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<PackageMetadata, RegistryError> {
        // The JSON API exists only on PyPI itself; private indexes serve the simple API,
        // and asking PyPI about them would answer for the wrong index (and tell PyPI the
        // names of private packages).
        if self.config.pip_index.url != defaults::PYPI_SIMPLE_INDEX {
            return self.simple_metadata(name);
        }
        let normalized = normalize_name(Ecosystem::PyPI, name);
        let project_url = format!("{}{normalized}/json", defaults::PYPI_JSON_API);
        // The per-version document carries that version's license; some mirrors and
        // proxies serve only the project document, so fall back to it on a 404 (the
        // license is then the latest version's, recorded under that version only).
        let urls = version
            .map(|version| format!("{}{normalized}/{version}/json", defaults::PYPI_JSON_API))
            .into_iter()
            .chain(std::iter::once(project_url.clone()));
        for url in urls {
            if let Some(body) = self.cached_metadata(&url, Some("application/json"))? {
                let project: PypiProject = parse_json(&url, &body)?;
                return Ok(project.into_metadata(url));
            }
        }
        Ok(missing(project_url))
    }

    /// A configured index other than PyPI: versions, upload times (PEP 700) and yanked
    /// state from its project page, PEP 691 JSON or PEP 503 HTML. The simple API has no
    /// licenses.
    fn simple_metadata(&self, name: &str) -> Result<PackageMetadata, RegistryError> {
        let url = self.simple_index_url(name);
        let Some(body) = self.cached_metadata(&url, Some(SIMPLE_JSON))? else {
            return Ok(missing(url));
        };
        let files = simple_files(&url, &body)?;
        let mut by_version: BTreeMap<String, Vec<PypiFile>> = BTreeMap::new();
        for file in files {
            if let Some(version) = file_version(&file.filename) {
                by_version.entry(version).or_default().push(PypiFile {
                    packagetype: if file.filename.ends_with(".whl") {
                        "bdist_wheel"
                    } else {
                        "sdist"
                    }
                    .to_owned(),
                    upload_time_iso_8601: file.upload_time.clone(),
                    yanked: file.is_yanked(),
                });
            }
        }
        Ok(PackageMetadata {
            exists: true,
            url,
            versions: by_version
                .into_iter()
                .map(|(version, files)| (version, files_metadata(&files)))
                .collect(),
        })
    }

    fn crate_metadata(&self, name: &str) -> Result<PackageMetadata, RegistryError> {
        let url = format!("{}{}", self.config.cargo_index.url, crate_index_path(name));
        let Some(body) = self.cached_metadata(&url, None)? else {
            return Ok(missing(url));
        };
        let mut versions = BTreeMap::new();
        for (index, line) in String::from_utf8_lossy(&body).lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let entry: CrateIndexLine =
                serde_json::from_str(line).map_err(|err| RegistryError::BadMetadata {
                    url: url.clone(),
                    message: format!("line {}: {err}", index + 1),
                })?;
            versions.insert(
                entry.vers,
                VersionMetadata {
                    published: entry.pubtime,
                    yanked: entry.yanked,
                    ..VersionMetadata::default()
                },
            );
        }
        Ok(PackageMetadata {
            exists: true,
            url,
            versions,
        })
    }
}

fn missing(url: String) -> PackageMetadata {
    PackageMetadata {
        exists: false,
        url,
        versions: BTreeMap::new(),
    }
}

// ---------------------------------------------------------------------------------------
// npm

#[derive(Deserialize)]
struct Packument {
    #[serde(default)]
    versions: BTreeMap<String, NpmVersion>,
    #[serde(default)]
    time: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct NpmVersion {
    #[serde(default)]
    license: Option<serde_json::Value>,
    #[serde(default)]
    licenses: Option<serde_json::Value>,
    #[serde(default)]
    scripts: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    deprecated: Option<serde_json::Value>,
}

/// The lifecycle scripts npm runs when installing a package as a dependency.
const NPM_INSTALL_SCRIPTS: [&str; 4] = ["preinstall", "install", "postinstall", "prepare"];

impl Packument {
    fn into_metadata(self, url: String) -> PackageMetadata {
        let time = self.time;
        let versions = self
            .versions
            .into_iter()
            .map(|(version, manifest)| {
                let license = manifest
                    .license
                    .as_ref()
                    .and_then(npm_license)
                    .or_else(|| manifest.licenses.as_ref().and_then(npm_license));
                let install_scripts = manifest
                    .scripts
                    .into_iter()
                    .filter(|(name, _)| NPM_INSTALL_SCRIPTS.contains(&name.as_str()))
                    .filter_map(|(name, body)| Some((name, body.as_str()?.to_owned())))
                    .collect();
                let deprecated = manifest
                    .deprecated
                    .and_then(|d| d.as_str().map(str::to_owned))
                    .filter(|d| !d.is_empty());
                let published = time
                    .get(&version)
                    .and_then(|t| t.as_str())
                    .map(str::to_owned);
                let metadata = VersionMetadata {
                    published,
                    license,
                    yanked: false,
                    deprecated,
                    install_scripts,
                    ..VersionMetadata::default()
                };
                (version, metadata)
            })
            .collect();
        PackageMetadata {
            exists: true,
            url,
            versions,
        }
    }
}

/// npm licenses come as `"MIT"`, `{"type": "MIT"}` or (old) a list of those.
fn npm_license(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Object(map) => map.get("type").and_then(npm_license),
        serde_json::Value::Array(items) => {
            let names: Vec<String> = items.iter().filter_map(npm_license).collect();
            match names.len() {
                0 => None,
                1 => names.into_iter().next(),
                _ => Some(format!("({})", names.join(" OR "))),
            }
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// PyPI

#[derive(Deserialize)]
struct PypiProject {
    info: PypiInfo,
    /// Files of the requested version (both endpoints fill it; for the project endpoint
    /// it is the latest version's).
    #[serde(default)]
    urls: Vec<PypiFile>,
    /// Every version's files (project endpoint only).
    #[serde(default)]
    releases: Option<BTreeMap<String, Vec<PypiFile>>>,
}

#[derive(Deserialize)]
struct PypiInfo {
    version: String,
    #[serde(default)]
    license: Option<String>,
    #[serde(default)]
    license_expression: Option<String>,
    #[serde(default)]
    classifiers: Vec<String>,
    #[serde(default)]
    yanked: bool,
}

#[derive(Deserialize)]
struct PypiFile {
    #[serde(default)]
    packagetype: String,
    #[serde(default)]
    upload_time_iso_8601: Option<String>,
    #[serde(default)]
    yanked: bool,
}

impl PypiProject {
    fn into_metadata(self, url: String) -> PackageMetadata {
        let mut versions: BTreeMap<String, VersionMetadata> = self
            .releases
            .unwrap_or_default()
            .into_iter()
            .map(|(version, files)| (version, files_metadata(&files)))
            .collect();
        let mut current = files_metadata(&self.urls);
        current.yanked |= self.info.yanked;
        current.license = self
            .info
            .license_expression
            .filter(|l| !l.trim().is_empty())
            .or(self.info.license.filter(|l| !l.trim().is_empty()));
        current.license_classifiers = self
            .info
            .classifiers
            .into_iter()
            .filter(|c| c.starts_with("License ::"))
            .collect();
        versions.insert(self.info.version, current);
        PackageMetadata {
            exists: true,
            url,
            versions,
        }
    }
}

/// Upload time (earliest file), wheel/sdist availability and yanked state of a file list.
fn files_metadata(files: &[PypiFile]) -> VersionMetadata {
    let published = files
        .iter()
        .filter_map(|f| f.upload_time_iso_8601.clone())
        .min();
    VersionMetadata {
        published,
        yanked: !files.is_empty() && files.iter().all(|f| f.yanked),
        has_wheel: Some(files.iter().any(|f| f.packagetype == "bdist_wheel")),
        has_sdist: Some(files.iter().any(|f| f.packagetype == "sdist")),
        ..VersionMetadata::default()
    }
}

/// A PEP 691 project page.
#[derive(Debug, Deserialize)]
pub(crate) struct SimpleProject {
    #[serde(default)]
    files: Vec<SimpleFile>,
}

/// One file of a PEP 691 project page.
#[derive(Debug, Deserialize)]
pub(crate) struct SimpleFile {
    pub(crate) filename: String,
    pub(crate) url: String,
    /// PEP 700.
    #[serde(default, rename = "upload-time")]
    upload_time: Option<String>,
    /// `true` or the reason (a string); absent or `false` when not yanked.
    #[serde(default)]
    yanked: serde_json::Value,
}

impl SimpleFile {
    fn is_yanked(&self) -> bool {
        match &self.yanked {
            serde_json::Value::Bool(yanked) => *yanked,
            serde_json::Value::String(_) => true,
            _ => false,
        }
    }
}

/// The files of a project page: PEP 691 JSON, or the anchors of a PEP 503 HTML page
/// (`data-yanked` marks a yanked file).
fn simple_files(url: &str, body: &[u8]) -> Result<Vec<SimpleFile>, RegistryError> {
    if body.trim_ascii_start().starts_with(b"{") {
        let project: SimpleProject = parse_json(url, body)?;
        return Ok(project.files);
    }
    let text = String::from_utf8_lossy(body);
    let mut files = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("<a ") {
        rest = &rest[start..];
        let Some(tag_end) = rest.find('>') else { break };
        let tag = &rest[..tag_end];
        let after = &rest[tag_end + 1..];
        let Some(text_end) = after.find("</a>") else {
            break;
        };
        files.push(SimpleFile {
            filename: after[..text_end].trim().to_owned(),
            url: String::new(),
            upload_time: None,
            yanked: serde_json::Value::Bool(tag.contains("data-yanked")),
        });
        rest = &after[text_end..];
    }
    Ok(files)
}

impl SimpleProject {
    /// The file named `wanted`, else `version`'s sdist, else its first wheel.
    pub(crate) fn file_for(&self, wanted: Option<&str>, version: &str) -> Option<&SimpleFile> {
        if let Some(wanted) = wanted {
            return self.files.iter().find(|f| f.filename == wanted);
        }
        let of_version = |f: &&SimpleFile| file_version(&f.filename).as_deref() == Some(version);
        self.files
            .iter()
            .filter(of_version)
            .find(|f| !f.filename.ends_with(".whl"))
            .or_else(|| self.files.iter().find(of_version))
    }
}

/// The version part of a wheel (`name-ver-...whl`) or sdist (`name-ver.tar.gz`) file name.
pub(crate) fn file_version(filename: &str) -> Option<String> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        return stem.split('-').nth(1).map(str::to_owned);
    }
    let stem = [".tar.gz", ".zip", ".tar.bz2", ".tgz"]
        .iter()
        .find_map(|ext| filename.strip_suffix(ext))?;
    stem.rsplit_once('-').map(|(_, version)| version.to_owned())
}

// ---------------------------------------------------------------------------------------
// crates.io

/// A sparse index's `config.json`.
#[derive(Debug, Deserialize)]
pub(crate) struct CratesIndexConfig {
    pub(crate) dl: String,
}

#[derive(Deserialize)]
struct CrateIndexLine {
    vers: String,
    #[serde(default)]
    yanked: bool,
    #[serde(default)]
    pubtime: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_license_shapes() {
        let parse = |s: &str| npm_license(&serde_json::from_str(s).unwrap());
        assert_eq!(parse(r#""MIT""#), Some("MIT".into()));
        assert_eq!(parse(r#"{"type":"ISC","url":"x"}"#), Some("ISC".into()));
        assert_eq!(
            parse(r#"[{"type":"MIT"},{"type":"Apache-2.0"}]"#),
            Some("(MIT OR Apache-2.0)".into())
        );
        assert_eq!(parse("null"), None);
    }

    #[test]
    fn simple_pages_json_and_html() {
        let json = br#"{"meta":{"api-version":"1.1"},"name":"p","files":[
            {"filename":"p-1.0.tar.gz","url":"x","hashes":{},"upload-time":"2024-01-01T00:00:00Z"},
            {"filename":"p-1.1-py3-none-any.whl","url":"y","hashes":{},"yanked":"broken"}]}"#;
        let files = simple_files("u", json).expect("json");
        assert_eq!(files.len(), 2);
        assert_eq!(
            files[0].upload_time.as_deref(),
            Some("2024-01-01T00:00:00Z")
        );
        assert!(!files[0].is_yanked() && files[1].is_yanked());
        let html = b"<html><body><a href=\"/f/p-1.0.tar.gz#sha256=00\">p-1.0.tar.gz</a>\n\
            <a href=\"/f/p-2.0.tar.gz\" data-yanked=\"\">p-2.0.tar.gz</a></body></html>";
        let files = simple_files("u", html).expect("html");
        let names: Vec<&str> = files.iter().map(|f| f.filename.as_str()).collect();
        assert_eq!(names, ["p-1.0.tar.gz", "p-2.0.tar.gz"]);
        assert!(!files[0].is_yanked() && files[1].is_yanked());
        assert!(simple_files("u", b"{not json").is_err());
    }

    #[test]
    fn simple_file_versions() {
        assert_eq!(
            file_version("PyYAML-6.0.2-cp312-cp312-manylinux_2_17_x86_64.whl").as_deref(),
            Some("6.0.2")
        );
        assert_eq!(
            file_version("pyyaml-6.0.2.tar.gz").as_deref(),
            Some("6.0.2")
        );
        assert_eq!(file_version("readme.txt"), None);
    }
}
