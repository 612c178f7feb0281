//! Which hosts a client may download from: the registries of the user's configuration,
//! the public defaults, and whatever the caller adds (a policy's `[sources]`). A client
//! with a [`HostAllowList`] refuses every other host before any request, and every
//! redirect to one, with [`HttpError::refused_host`](crate::HttpError) set.
//!
//! Hosts are compared with their port (the scheme's default when none is written), so two
//! loopback servers on different ports are two hosts.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use tollgate_model::defaults;

use crate::config::RegistryConfig;

/// Hosts (`host:port`, lowercase) a client may talk to. Cloning shares the list: a host
/// learned from a configured registry (the file host a PyPI index lists, the `dl` host of
/// a cargo registry's `config.json`) is allowed for every clone.
#[derive(Debug, Clone, Default)]
pub struct HostAllowList {
    hosts: Arc<RwLock<BTreeSet<String>>>,
}

/// The public registries' hosts, allowed whatever the configuration.
const PUBLIC: &[&str] = &[
    defaults::NPM_REGISTRY,
    defaults::YARN_REGISTRY,
    defaults::PYPI_SIMPLE_INDEX,
    defaults::PYPI_FILES,
    defaults::PYPI_JSON_API,
    defaults::CRATES_IO_SPARSE_INDEX,
    defaults::CRATES_IO_API,
    defaults::CRATES_IO_DOWNLOAD,
];

impl HostAllowList {
    /// The hosts of every registry in `config` and the public defaults.
    pub fn from_config(config: &RegistryConfig) -> Self {
        let list = HostAllowList::default();
        for url in PUBLIC {
            list.allow_url(url);
        }
        let configured = [
            &config.npm,
            &config.pip_index,
            &config.uv_index,
            &config.cargo_index,
        ];
        for address in configured.into_iter().chain(config.npm_scopes.values()) {
            list.allow_url(&address.url);
        }
        list
    }

    /// Allows the host of `url` (a registry address; a `sparse+`/`registry+` prefix is
    /// ignored). Returns whether `url` named a host.
    pub fn allow_url(&self, url: &str) -> bool {
        let Some(host) = host_key(url) else {
            return false;
        };
        self.hosts
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(host);
        true
    }

    /// The `host:port` of `url` when the list does not allow it (or `url` names no host),
    /// `None` when it does.
    pub fn refusal(&self, url: &str) -> Option<String> {
        let Some(host) = host_key(url) else {
            return Some(url.to_owned());
        };
        let hosts = self.hosts.read().unwrap_or_else(|e| e.into_inner());
        (!hosts.contains(&host)).then_some(host)
    }

    /// The allowed hosts, sorted.
    pub fn hosts(&self) -> Vec<String> {
        let hosts = self.hosts.read().unwrap_or_else(|e| e.into_inner());
        hosts.iter().cloned().collect()
    }
}

/// `host:port` of an `http`/`https` URL, lowercase, without user information; the port is
/// the scheme's default when none is written. `None` for other schemes or no host.
pub fn host_key(url: &str) -> Option<String> {
    let url = url.trim();
    let url = url
        .split_once('+')
        .filter(|(prefix, rest)| !prefix.contains('/') && rest.contains("://"))
        .map_or(url, |(_, rest)| rest);
    let (scheme, rest) = url.split_once("://")?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port.parse::<u16>().ok()?),
        _ => (host_port, default_port),
    };
    if host.is_empty() {
        return None;
    }
    Some(format!("{}:{port}", host.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_keys_carry_the_port() {
        assert_eq!(
            host_key("https://Registry.npmjs.org/a/-/a-1.tgz").as_deref(),
            Some("registry.npmjs.org:443")
        );
        assert_eq!(
            host_key("http://user:pw@127.0.0.1:8080/x").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(
            host_key("sparse+https://index.crates.io/").as_deref(),
            Some("index.crates.io:443")
        );
        assert_eq!(host_key("http://[::1]:81/").as_deref(), Some("[::1]:81"));
        assert_eq!(host_key("http://[::1]/").as_deref(), Some("[::1]:80"));
        assert_eq!(host_key("file:///etc/passwd"), None);
        assert_eq!(host_key("http://:80/"), None);
    }

    #[test]
    fn only_configured_and_public_hosts_pass() {
        let mut config = RegistryConfig::default();
        config.npm.url = "http://127.0.0.1:4873/".to_owned();
        let list = HostAllowList::from_config(&config);
        assert_eq!(list.refusal("http://127.0.0.1:4873/a/-/a-1.tgz"), None);
        assert_eq!(
            list.refusal("https://files.pythonhosted.org/p/a.tar.gz"),
            None
        );
        assert_eq!(
            list.refusal("http://127.0.0.1:4874/a.tgz").as_deref(),
            Some("127.0.0.1:4874")
        );
        assert_eq!(
            list.refusal("https://registry.npmjs.org.evil.example/a.tgz")
                .as_deref(),
            Some("registry.npmjs.org.evil.example:443")
        );
        let shared = list.clone();
        assert!(shared.allow_url("https://cdn.example/"));
        assert_eq!(list.refusal("https://cdn.example/a.whl"), None);
    }
}
