//! The registry client as the commands use it: configured from the user's own npm, pip/uv
//! and cargo settings, with the default cache, and adapted to the policy checks'
//! [`MetadataSource`] (publish times, licenses, name existence).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context as _;
use tollgate_model::Ecosystem;
use tollgate_policy::{MetadataError, MetadataSource, PackageKey};
use tollgate_registry::{
    Cache, ClientOptions, ConfigInputs, MetadataRequest, PackageMetadata, RegistryClient,
    RegistryConfig,
};

/// A client configured from the running process: registry addresses from the user's
/// package-manager configuration, the default cache directory. `offline` answers from
/// the cache only.
pub fn client_from_process(offline: bool) -> anyhow::Result<RegistryClient> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let inputs = ConfigInputs::from_process(cwd);
    let config = RegistryConfig::discover(&inputs);
    let root = Cache::default_root(&inputs).unwrap_or_else(|| PathBuf::from(".tollgate-cache"));
    let options = ClientOptions {
        offline,
        ..ClientOptions::default()
    };
    Ok(RegistryClient::new(config, Cache::new(root), options))
}

/// Registry metadata for the policy checks, one request per package name (cached on disk
/// by the client for 24 hours, and in memory for this process).
pub struct RegistryMetadata {
    client: RegistryClient,
    answers: Mutex<HashMap<(Ecosystem, String), Result<PackageMetadata, String>>>,
}

impl RegistryMetadata {
    /// Wraps a client.
    pub fn new(client: RegistryClient) -> Self {
        RegistryMetadata {
            client,
            answers: Mutex::new(HashMap::new()),
        }
    }

    /// The registry's answer for `name`, fetched once.
    fn package(&self, ecosystem: Ecosystem, name: &str) -> Result<PackageMetadata, MetadataError> {
        let key = (ecosystem, name.to_owned());
        let cached = self.lock().get(&key).cloned();
        let answer = match cached {
            Some(answer) => answer,
            None => {
                let answer = self
                    .client
                    .metadata(&request(ecosystem, name))
                    .map_err(|e| e.to_string());
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

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(Ecosystem, String), Result<PackageMetadata, String>>>
    {
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

impl MetadataSource for RegistryMetadata {
    /// Fetches every distinct name in parallel before the checks ask one by one.
    fn prefetch(&self, packages: &[PackageKey<'_>]) {
        let mut names: Vec<(Ecosystem, &str)> =
            packages.iter().map(|p| (p.ecosystem, p.name)).collect();
        names.sort_unstable();
        names.dedup();
        let requests: Vec<MetadataRequest> = names
            .iter()
            .filter(|(ecosystem, name)| {
                !self.lock().contains_key(&(*ecosystem, (*name).to_owned()))
            })
            .map(|(ecosystem, name)| request(*ecosystem, name))
            .collect();
        let answers = self.client.metadata_batch(&requests);
        let mut map = self.lock();
        for (request, answer) in requests.into_iter().zip(answers) {
            map.insert(
                (request.ecosystem, request.name),
                answer.map_err(|e| e.to_string()),
            );
        }
    }

    fn publish_time(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
    ) -> Result<Option<jiff::Timestamp>, MetadataError> {
        let package = self.package(ecosystem, name)?;
        let Some(published) = package
            .versions
            .get(version)
            .and_then(|v| v.published.clone())
        else {
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
        Ok(package
            .versions
            .get(version)
            .and_then(|v| v.license.clone()))
    }

    fn exists(&self, ecosystem: Ecosystem, name: &str) -> Result<Option<bool>, MetadataError> {
        Ok(Some(self.package(ecosystem, name)?.exists))
    }
}
