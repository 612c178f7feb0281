//! The registry client as the commands use it: configured from the user's own npm, pip/uv
//! and cargo settings, with the default cache, and adapted to the policy checks'
//! [`MetadataSource`] (publish times, licenses, name existence, provenance), with a small
//! distilled cache so that a warm scan does not re-read whole registry documents.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use tollgate_gate::{ListedVersion, PackageFacts};
use tollgate_model::{Ecosystem, LockfileFormat, ProvenanceHistory};
use tollgate_policy::{MetadataError, MetadataSource, PackageKey};
use tollgate_registry::{
    Cache, ClientOptions, ConfigInputs, MetadataRequest, PackageMetadata, RegistryClient,
    RegistryConfig,
};

/// A client configured from the running process: registry addresses from the user's
/// package-manager configuration, the default cache directory. `offline` answers from
/// the cache only.
pub fn client_from_process(offline: bool) -> anyhow::Result<RegistryClient> {
    Ok(process_client(offline, LockfileFormat::Requirements)?.0)
}

/// tollgate's cache root: `$XDG_CACHE_HOME/tollgate`, else `~/.cache/tollgate`, else
/// `.tollgate-cache` in the current directory.
pub fn cache_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    Cache::default_root(&ConfigInputs::from_process(cwd))
        .unwrap_or_else(|| PathBuf::from(".tollgate-cache"))
}

/// The client and its cache root. Python names are looked up on the index of the tool
/// that writes `python` (uv's settings can name another index than pip's).
fn process_client(
    offline: bool,
    python: LockfileFormat,
) -> anyhow::Result<(RegistryClient, PathBuf)> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let inputs = ConfigInputs::from_process(cwd);
    let mut config = RegistryConfig::discover(&inputs);
    // The client's Python lookups (names, versions, files) read `pip_index`.
    config.pip_index = config.python_index_for(python).clone();
    let root = Cache::default_root(&inputs).unwrap_or_else(|| PathBuf::from(".tollgate-cache"));
    let options = ClientOptions {
        offline,
        // `-q`: no progress bars either.
        progress: !crate::output::quiet(),
        ..ClientOptions::default()
    };
    let client = RegistryClient::new(config, Cache::new(root.clone()), options);
    Ok((client, root))
}

/// How long a distilled answer is trusted, like the client's own metadata cache.
const DISTILLED_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// What the policy checks need of a package's registry metadata, and nothing more. Registry
/// documents are large (an npm packument can be megabytes, a crates index file lists every
/// release); this is kept on disk beside them so that a warm scan reads a few hundred bytes
/// per package instead of re-parsing those documents.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Distilled {
    exists: bool,
    /// version → (publish time, license).
    versions: BTreeMap<String, (Option<String>, Option<String>)>,
    /// Versions the registry marks yanked (npm: deprecated). Entries written before this
    /// field existed read as none yanked.
    #[serde(default)]
    yanked: BTreeSet<String>,
    /// Every version's provenance, once a check asked for it (a separate registry document
    /// for PyPI and crates.io, so only fetched when asked). `None`, as in entries written
    /// before this field existed, means "not asked yet": never "no provenance".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provenance: Option<ProvenanceHistory>,
}

impl From<PackageMetadata> for Distilled {
    fn from(metadata: PackageMetadata) -> Self {
        let yanked = metadata
            .versions
            .iter()
            .filter(|(_, facts)| facts.yanked)
            .map(|(version, _)| version.clone())
            .collect();
        Distilled {
            exists: metadata.exists,
            versions: metadata
                .versions
                .into_iter()
                .map(|(version, facts)| (version, (facts.published, facts.license)))
                .collect(),
            yanked,
            provenance: None,
        }
    }
}

/// Registry metadata for the policy checks, one request per package name, distilled and
/// cached on disk for 24 hours and in memory for this process.
pub struct RegistryMetadata {
    client: RegistryClient,
    distilled_dir: PathBuf,
    answers: Mutex<HashMap<(Ecosystem, String), Result<Distilled, String>>>,
}

impl RegistryMetadata {
    /// Metadata through a client configured from the running process (see
    /// [`client_from_process`]).
    pub fn from_process(offline: bool) -> anyhow::Result<Self> {
        Self::from_process_as(offline, LockfileFormat::Requirements)
    }

    /// [`RegistryMetadata::from_process`], looking Python names up on the index of the
    /// tool that writes `python` (uv's for `uv.lock`).
    pub fn from_process_as(offline: bool, python: LockfileFormat) -> anyhow::Result<Self> {
        let (client, root) = process_client(offline, python)?;
        Ok(RegistryMetadata {
            client,
            distilled_dir: root.join("metadata-distilled"),
            answers: Mutex::new(HashMap::new()),
        })
    }

    /// The answer for `name`: from memory, else the distilled cache, else the registry.
    fn package(&self, ecosystem: Ecosystem, name: &str) -> Result<Distilled, MetadataError> {
        let key = (ecosystem, name.to_owned());
        let cached = self.lock().get(&key).cloned();
        let answer = match cached {
            Some(answer) => answer,
            None => {
                let answer = self
                    .read_distilled(ecosystem, name)
                    .map_or_else(|| self.fetch(ecosystem, name), Ok);
                self.lock().insert(key, answer.clone());
                answer
            }
        };
        answer.map_err(|message| MetadataError {
            ecosystem,
            name: name.to_owned(),
            message,
        })
    }

    /// Asks the registry and keeps the distilled answer.
    fn fetch(&self, ecosystem: Ecosystem, name: &str) -> Result<Distilled, String> {
        let distilled = Distilled::from(
            self.client
                .metadata(&request(ecosystem, name))
                .map_err(|e| e.to_string())?,
        );
        self.write_distilled(ecosystem, name, &distilled);
        Ok(distilled)
    }

    /// `<cache>/metadata-distilled/<ecosystem>/<hex of the name>.json`: hex, because npm
    /// names hold `/` and `@`, and no name may steer the path.
    fn distilled_path(&self, ecosystem: Ecosystem, name: &str) -> PathBuf {
        let hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
        self.distilled_dir
            .join(ecosystem.purl_type())
            .join(format!("{hex}.json"))
    }

    fn read_distilled(&self, ecosystem: Ecosystem, name: &str) -> Option<Distilled> {
        let path = self.distilled_path(ecosystem, name);
        let age = std::fs::metadata(&path)
            .ok()?
            .modified()
            .ok()?
            .elapsed()
            .ok()?;
        if age > DISTILLED_TTL {
            return None;
        }
        // An unreadable or corrupt entry is a cache miss, never an answer.
        serde_json::from_slice(&std::fs::read(&path).ok()?).ok()
    }

    /// Best effort: a cache that cannot be written only costs a later lookup.
    fn write_distilled(&self, ecosystem: Ecosystem, name: &str, distilled: &Distilled) {
        let path = self.distilled_path(ecosystem, name);
        let Some(dir) = path.parent() else { return };
        let Ok(bytes) = serde_json::to_vec(distilled) else {
            return;
        };
        let written = std::fs::create_dir_all(dir)
            .and_then(|()| tempfile::NamedTempFile::new_in(dir))
            .and_then(|mut file| {
                std::io::Write::write_all(&mut file, &bytes)?;
                file.persist(&path).map_err(|e| e.error)
            });
        drop(written);
    }

    /// Every version of `name` the registry lists (`None`: the registry does not know the
    /// name). An error when it cannot be asked (offline with nothing cached, no network).
    pub fn versions(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Result<Option<Vec<ListedVersion>>, MetadataError> {
        let package = self.package(ecosystem, name)?;
        if !package.exists {
            return Ok(None);
        }
        Ok(Some(
            package
                .versions
                .iter()
                .map(|(version, (published, _))| ListedVersion {
                    version: version.clone(),
                    // An unreadable time is an unknown one: the cooldown check reports it.
                    published: published.as_deref().and_then(|t| t.parse().ok()),
                    yanked: package.yanked.contains(version),
                })
                .collect(),
        ))
    }

    /// What runs when `name@version` is installed, as the registry says: npm's install-time
    /// lifecycle scripts, or for PyPI whether only an sdist exists (then its build backend
    /// runs). `None` when the registry does not say (crates.io) or cannot be asked.
    pub fn install_time_code(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
    ) -> Option<Vec<String>> {
        let metadata = self.client.metadata(&request(ecosystem, name)).ok()?;
        let facts = metadata.versions.get(version)?;
        match ecosystem {
            Ecosystem::Npm => Some(
                facts
                    .install_scripts
                    .iter()
                    .filter(|(phase, _)| phase.as_str() != "prepare")
                    .map(|(phase, command)| format!("{phase}: {command}"))
                    .collect(),
            ),
            Ecosystem::PyPI => match (facts.has_wheel, facts.has_sdist) {
                (Some(true), _) => Some(Vec::new()),
                (Some(false), Some(true)) => Some(vec![
                    "sdist only: installing runs its build backend".to_owned(),
                ]),
                _ => None,
            },
            Ecosystem::CratesIo => None,
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(Ecosystem, String), Result<Distilled, String>>> {
        // A poisoned map only means another lookup panicked; its entries are still valid.
        self.answers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn request(ecosystem: Ecosystem, name: &str) -> MetadataRequest {
    MetadataRequest {
        ecosystem,
        name: name.to_owned(),
        version: None,
    }
}

/// The gate's registry facts: the inherent methods above.
impl PackageFacts for RegistryMetadata {
    fn versions(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Result<Option<Vec<ListedVersion>>, MetadataError> {
        RegistryMetadata::versions(self, ecosystem, name)
    }

    fn install_time_code(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
    ) -> Option<Vec<String>> {
        RegistryMetadata::install_time_code(self, ecosystem, name, version)
    }
}

impl MetadataSource for RegistryMetadata {
    /// Reads the distilled cache, then fetches every distinct missing name in parallel,
    /// before the checks ask one by one.
    fn prefetch(&self, packages: &[PackageKey<'_>]) {
        let mut names: Vec<(Ecosystem, &str)> =
            packages.iter().map(|p| (p.ecosystem, p.name)).collect();
        names.sort_unstable();
        names.dedup();
        let mut requests = Vec::new();
        for (ecosystem, name) in names {
            let key = (ecosystem, name.to_owned());
            if self.lock().contains_key(&key) {
                continue;
            }
            match self.read_distilled(ecosystem, name) {
                Some(distilled) => {
                    self.lock().insert(key, Ok(distilled));
                }
                None => requests.push(request(ecosystem, name)),
            }
        }
        let answers = self.client.metadata_batch(&requests);
        for (request, answer) in requests.into_iter().zip(answers) {
            let answer = answer.map(Distilled::from).map_err(|e| e.to_string());
            if let Ok(distilled) = &answer {
                self.write_distilled(request.ecosystem, &request.name, distilled);
            }
            self.lock()
                .insert((request.ecosystem, request.name), answer);
        }
    }

    fn publish_time(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
    ) -> Result<Option<jiff::Timestamp>, MetadataError> {
        let package = self.package(ecosystem, name)?;
        let Some(published) = package.versions.get(version).and_then(|v| v.0.clone()) else {
            return Ok(None);
        };
        published.parse().map(Some).map_err(|e| MetadataError {
            ecosystem,
            name: name.to_owned(),
            message: format!("publish time `{published}` of {version} is not RFC 3339: {e}"),
        })
    }

    fn license(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
    ) -> Result<Option<String>, MetadataError> {
        let package = self.package(ecosystem, name)?;
        Ok(package.versions.get(version).and_then(|v| v.1.clone()))
    }

    fn exists(&self, ecosystem: Ecosystem, name: &str) -> Result<Option<bool>, MetadataError> {
        Ok(Some(self.package(ecosystem, name)?.exists))
    }

    /// From the distilled answer when it has provenance, else from the registry (then kept
    /// in the distilled answer).
    fn provenance(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Result<Option<ProvenanceHistory>, MetadataError> {
        let mut package = self.package(ecosystem, name)?;
        if let Some(history) = package.provenance {
            return Ok(Some(history));
        }
        let history = if package.exists {
            self.client
                .provenance(ecosystem, name)
                .map_err(|error| MetadataError {
                    ecosystem,
                    name: name.to_owned(),
                    message: error.to_string(),
                })?
        } else {
            ProvenanceHistory::new()
        };
        package.provenance = Some(history.clone());
        // The other facts keep their age: the rewritten entry keeps the old file's mtime.
        let path = self.distilled_path(ecosystem, name);
        let fetched_at = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        self.write_distilled(ecosystem, name, &package);
        if let Some(time) = fetched_at {
            let kept = std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|file| file.set_modified(time));
            // Best effort, as the write: an entry that looks newer only lives longer.
            drop(kept);
        }
        self.lock()
            .insert((ecosystem, name.to_owned()), Ok(package));
        Ok(Some(history))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A distilled answer round-trips through its file, a stale or corrupt file is a miss,
    /// and names cannot steer the path.
    #[test]
    fn distilled_cache_round_trips_and_expires() {
        let dir = tempfile::tempdir().unwrap();
        let metadata = RegistryMetadata {
            client: RegistryClient::new(
                RegistryConfig::default(),
                Cache::new(dir.path().join("cache")),
                ClientOptions {
                    offline: true,
                    ..ClientOptions::default()
                },
            ),
            distilled_dir: dir.path().join("distilled"),
            answers: Mutex::new(HashMap::new()),
        };
        let name = "@scope/../../etc";
        let path = metadata.distilled_path(Ecosystem::Npm, name);
        assert!(path.starts_with(dir.path().join("distilled").join("npm")));
        assert!(metadata.read_distilled(Ecosystem::Npm, name).is_none());

        let mut versions = BTreeMap::new();
        versions.insert(
            "1.0.0".to_owned(),
            (
                Some("2024-01-02T03:04:05Z".to_owned()),
                Some("MIT".to_owned()),
            ),
        );
        let distilled = Distilled {
            exists: true,
            versions,
            yanked: BTreeSet::new(),
            provenance: None,
        };
        metadata.write_distilled(Ecosystem::Npm, name, &distilled);
        assert_eq!(
            metadata
                .publish_time(Ecosystem::Npm, name, "1.0.0")
                .unwrap(),
            Some("2024-01-02T03:04:05Z".parse().unwrap())
        );
        assert_eq!(
            metadata
                .license(Ecosystem::Npm, name, "1.0.0")
                .unwrap()
                .as_deref(),
            Some("MIT")
        );
        assert_eq!(metadata.exists(Ecosystem::Npm, name).unwrap(), Some(true));

        std::fs::write(&path, b"{not json").unwrap();
        assert!(metadata.read_distilled(Ecosystem::Npm, name).is_none());
    }

    /// An entry written before provenance was distilled is "not asked yet": offline with
    /// nothing cached that is an error (the checks read it as unknown), never "none"; an
    /// entry with provenance answers without the registry.
    #[test]
    fn distilled_provenance_is_never_guessed() {
        use tollgate_model::Provenance;
        let dir = tempfile::tempdir().unwrap();
        let metadata = RegistryMetadata {
            client: RegistryClient::new(
                RegistryConfig::default(),
                Cache::new(dir.path().join("cache")),
                ClientOptions {
                    offline: true,
                    ..ClientOptions::default()
                },
            ),
            distilled_dir: dir.path().join("distilled"),
            answers: Mutex::new(HashMap::new()),
        };
        let old = metadata.distilled_path(Ecosystem::Npm, "old-entry");
        std::fs::create_dir_all(old.parent().unwrap()).unwrap();
        std::fs::write(
            &old,
            br#"{"exists":true,"versions":{"1.0.0":["2024-01-02T03:04:05Z","MIT"]},"yanked":[]}"#,
        )
        .unwrap();
        assert_eq!(
            metadata
                .license(Ecosystem::Npm, "old-entry", "1.0.0")
                .unwrap()
                .as_deref(),
            Some("MIT")
        );
        assert!(metadata.provenance(Ecosystem::Npm, "old-entry").is_err());

        let mut history = ProvenanceHistory::new();
        history.insert("1.0.0".to_owned(), Provenance::Absent);
        let distilled = Distilled {
            exists: true,
            versions: BTreeMap::new(),
            yanked: BTreeSet::new(),
            provenance: Some(history.clone()),
        };
        metadata.write_distilled(Ecosystem::Npm, "new-entry", &distilled);
        assert_eq!(
            metadata.provenance(Ecosystem::Npm, "new-entry").unwrap(),
            Some(history)
        );
    }
}
