//! `sources`: where packages come from. Registries must be on the per-ecosystem list;
//! git dependencies must come from an allowed host or organisation and be pinned to a
//! full commit; local path/link and direct-URL dependencies are reported unless allowed.
//! Workspace members (`local_kind = "workspace"`) are the project itself and pass.

use tollgate_model::{Finding, Source};

use super::{Locked, RuleRef, locked, package_finding};
use crate::config::Config;

/// A registry not on the list.
pub const CODE_REGISTRY: &str = "sources-registry";
/// A git host or organisation not on the list.
pub const CODE_GIT_HOST: &str = "sources-git-host";
/// A git dependency the lock does not pin to a full commit.
pub const CODE_GIT_UNPINNED: &str = "sources-git-unpinned";
/// A local path or link dependency.
pub const CODE_PATH: &str = "sources-path";
/// A direct-URL dependency.
pub const CODE_URL: &str = "sources-url";

/// Runs the check over every locked package.
pub fn check(inventory: &tollgate_lockfile::Inventory, config: &Config) -> Vec<Finding> {
    locked(inventory)
        .flat_map(|entry| check_package(entry, config))
        .collect()
}

fn check_package(entry: Locked<'_>, config: &Config) -> Vec<Finding> {
    let sources = &config.sources;
    let package = entry.package;
    if package.runtime {
        // A runtime binary from the runtime's official download site (the parser marks
        // only those): not a package from a registry or an arbitrary URL.
        return Vec::new();
    }
    let describe = format!("{} {}", package.name, package.version);
    let mut found: Vec<(&str, &str, String)> = Vec::new();
    match &package.source {
        Source::Registry { url: Some(url) } => {
            let allowed = sources
                .registries
                .get(&package.ecosystem)
                .is_some_and(|list| list.iter().any(|prefix| same_prefix(url, prefix)));
            if !allowed {
                found.push((
                    CODE_REGISTRY,
                    "sources.registries",
                    format!(
                        "{describe} comes from registry {url}, which is not an allowed {} registry",
                        package.ecosystem
                    ),
                ));
            }
        }
        Source::Git { url, commit, .. } => {
            let location = git_location(url);
            if !sources
                .git
                .iter()
                .any(|allowed| path_prefix(&location, allowed))
            {
                found.push((
                    CODE_GIT_HOST,
                    "sources.git",
                    format!("{describe} comes from git repository {url}, whose host or organisation is not allowed"),
                ));
            }
            if sources.require_git_commit && !commit.as_deref().is_some_and(is_full_commit) {
                found.push((
                    CODE_GIT_UNPINNED,
                    "sources.require-git-commit",
                    format!("{describe} comes from git repository {url} without a pinned full commit in the lock"),
                ));
            }
        }
        Source::Path { path, local_kind } if local_kind != "workspace" && !sources.allow_path => {
            found.push((
                CODE_PATH,
                "sources.allow-path",
                format!("{describe} is a local {local_kind} dependency ({path})"),
            ));
        }
        Source::Url { url } if !sources.allow_url => found.push((
            CODE_URL,
            "sources.allow-url",
            format!("{describe} is downloaded from a direct URL ({url}), outside any registry"),
        )),
        _ => {}
    }
    found
        .into_iter()
        .filter_map(|(code, id, summary)| {
            let rule = RuleRef {
                id,
                line: sources.line,
            };
            package_finding(code, sources.level, entry, config, rule, summary)
        })
        .collect()
}

/// Whether `url` is at or below `prefix`, ignoring case of scheme/host and a trailing `/`.
fn same_prefix(url: &str, prefix: &str) -> bool {
    path_prefix(&url.to_ascii_lowercase(), &prefix.to_ascii_lowercase())
}

/// Whether `text` equals `prefix` or continues it after a `/` boundary.
fn path_prefix(text: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    let text = text.trim_end_matches('/');
    !prefix.is_empty()
        && text
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `host/owner/repo` of a git URL in any of its spellings (`https://`, `ssh://git@`,
/// `git+https://`, scp-like `git@host:owner/repo`), lowercase, without `.git`.
pub fn git_location(url: &str) -> String {
    let url = url.trim().trim_start_matches("git+");
    let without_scheme = url
        .split_once("://")
        .map_or_else(|| url.replacen(':', "/", 1), |(_, rest)| rest.to_owned());
    let without_user = without_scheme
        .split_once('@')
        .filter(|(user, _)| !user.contains('/'))
        .map_or(without_scheme.as_str(), |(_, rest)| rest);
    let without_port = match without_user.split_once('/') {
        Some((host, path)) => format!("{}/{path}", host.split(':').next().unwrap_or(host)),
        None => without_user.to_owned(),
    };
    without_port
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .to_ascii_lowercase()
}

/// A full SHA-1 or SHA-256 commit id.
fn is_full_commit(commit: &str) -> bool {
    matches!(commit.len(), 40 | 64) && commit.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_locations() {
        for url in [
            "https://github.com/Org/repo.git",
            "git+ssh://git@github.com/org/repo",
            "git@github.com:org/repo.git",
            "ssh://git@github.com:22/org/repo",
        ] {
            assert_eq!(git_location(url), "github.com/org/repo", "{url}");
        }
        assert!(path_prefix("github.com/org/repo", "github.com/org"));
        assert!(!path_prefix(
            "github.com/organisation/repo",
            "github.com/org"
        ));
        assert!(path_prefix("github.com/org/repo", "github.com"));
    }

    #[test]
    fn registry_prefixes() {
        assert!(same_prefix(
            "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",
            "https://registry.npmjs.org/"
        ));
        assert!(!same_prefix(
            "https://registry.npmjs.org.evil.example/",
            "https://registry.npmjs.org/"
        ));
        assert!(same_prefix(
            "https://pypi.org/simple",
            "https://pypi.org/simple/"
        ));
    }
}
