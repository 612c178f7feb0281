//! Which file to download for a locked package, from where, and which hash must match.

use tollgate_model::{Artifact, ArtifactKind, Ecosystem, Package, Source, defaults};

use crate::config::{Origin, RegistryConfig};
use crate::hash::{Expectation, expectation};

/// A download decided for one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedDownload {
    /// The address to fetch.
    pub url: String,
    /// The artifact's file name (`left-pad-1.3.0.tgz`, `PyYAML-6.0.2.tar.gz`).
    pub filename: String,
    /// What kind of artifact it is.
    pub kind: ArtifactKind,
    /// The hash the bytes must match, or why there is none.
    pub expectation: Expectation,
}

/// Where a planned download still needs information from the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Everything is known.
    Ready(PlannedDownload),
    /// A PyPI artifact whose address must be looked up in the simple index
    /// (`wanted` is the file name the lock names, if any).
    PypiIndexLookup {
        index: String,
        wanted: Option<String>,
        expectation: Expectation,
    },
    /// A crate whose address comes from the index's `config.json` `dl` template.
    CrateTemplate {
        index: String,
        expectation: Expectation,
    },
}

/// Why a package has nothing to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NoArtifact(pub String);

/// Decides the download for `package`. Python packages prefer the sdist the lock names
/// (it holds the install-time code), else its first wheel.
pub(crate) fn plan(package: &Package, config: &RegistryConfig) -> Result<Plan, NoArtifact> {
    match &package.source {
        Source::Git { url, .. } => {
            return Err(NoArtifact(format!(
                "a git dependency ({url}) has no registry artifact"
            )));
        }
        Source::Path { path, .. } => {
            return Err(NoArtifact(format!(
                "a local path dependency ({path}) has no registry artifact"
            )));
        }
        Source::Registry { .. } | Source::Url { .. } | Source::Unknown => {}
    }
    if package.version.is_empty() {
        return Err(NoArtifact(
            "the requirement is not pinned to a version".to_owned(),
        ));
    }
    match package.ecosystem {
        Ecosystem::Npm => Ok(Plan::Ready(plan_npm(package, config))),
        Ecosystem::PyPI => Ok(plan_pypi(package, config)),
        Ecosystem::CratesIo => plan_crate(package, config),
    }
}

/// The lock's own hashes for `artifact`, falling back to the package's.
fn expectation_for(package: &Package, artifact: Option<&Artifact>) -> Expectation {
    match artifact {
        Some(artifact) if !artifact.hashes.is_empty() => expectation(&artifact.hashes),
        _ => expectation(&package.hashes),
    }
}

fn plan_npm(package: &Package, config: &RegistryConfig) -> PlannedDownload {
    let registry = config.npm_registry_for(&package.name);
    let locked = package
        .artifacts
        .iter()
        .find(|a| a.kind == ArtifactKind::Tarball && a.url.is_some());
    let direct = match &package.source {
        Source::Url { url } => Some(url.clone()),
        _ => None,
    };
    let url = match locked.and_then(|a| a.url.clone()).or(direct) {
        // npm itself rewrites the public registry's host to the configured one
        // (`replace-registry-host=npmjs`), so a lock written against the public registry
        // still installs from the user's mirror.
        Some(url) => match url.strip_prefix(defaults::NPM_REGISTRY) {
            Some(rest) if registry.origin != Origin::Default => format!("{}{rest}", registry.url),
            _ => url,
        },
        None => format!(
            "{}{}/-/{}",
            registry.url,
            package.name,
            npm_tarball_name(package)
        ),
    };
    let filename = url
        .rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
        .map_or_else(|| npm_tarball_name(package), str::to_owned);
    PlannedDownload {
        url,
        filename,
        kind: ArtifactKind::Tarball,
        expectation: expectation_for(package, locked),
    }
}

/// `{basename}-{version}.tgz`, the registry's tarball name (the scope is not repeated).
fn npm_tarball_name(package: &Package) -> String {
    let basename = package
        .name
        .rsplit_once('/')
        .map_or(package.name.as_str(), |(_, base)| base);
    format!("{basename}-{}.tgz", package.version)
}

fn plan_pypi(package: &Package, config: &RegistryConfig) -> Plan {
    let chosen = package
        .artifacts
        .iter()
        .find(|a| a.kind == ArtifactKind::Sdist)
        .or_else(|| {
            package
                .artifacts
                .iter()
                .find(|a| a.kind == ArtifactKind::Wheel)
        });
    let expectation = expectation_for(package, chosen);
    if let Some(url) = chosen
        .and_then(|a| a.url.clone())
        .or_else(|| match &package.source {
            Source::Url { url } => Some(url.clone()),
            _ => None,
        })
    {
        let filename = chosen
            .and_then(|a| a.filename.clone())
            .or_else(|| url_filename(&url))
            .unwrap_or_else(|| format!("{}-{}", package.normalized_name, package.version));
        let kind = chosen.map_or(ArtifactKind::Sdist, |a| a.kind);
        return Plan::Ready(PlannedDownload {
            url,
            filename,
            kind,
            expectation,
        });
    }
    let index = match &package.source {
        Source::Registry { url: Some(url) } if url.starts_with("http") => with_slash(url),
        _ => config.pip_index.url.clone(),
    };
    Plan::PypiIndexLookup {
        index,
        wanted: chosen.and_then(|a| a.filename.clone()),
        expectation,
    }
}

fn plan_crate(package: &Package, config: &RegistryConfig) -> Result<Plan, NoArtifact> {
    let locked = package
        .artifacts
        .iter()
        .find(|a| a.kind == ArtifactKind::Crate);
    let expectation = expectation_for(package, locked);
    let source = match &package.source {
        Source::Registry { url: Some(url) } => url.as_str(),
        Source::Url { url } => {
            return Ok(Plan::Ready(PlannedDownload {
                url: url.clone(),
                filename: crate_filename(package),
                kind: ArtifactKind::Crate,
                expectation,
            }));
        }
        _ => defaults::CRATES_IO_LOCK_SOURCE,
    };
    let is_crates_io = source == defaults::CRATES_IO_LOCK_SOURCE
        || source == defaults::CRATES_IO_SPARSE_LOCK_SOURCE;
    if is_crates_io && config.cargo_index.origin == Origin::Default {
        return Ok(Plan::Ready(PlannedDownload {
            url: format!(
                "{}{}/{}/download",
                defaults::CRATES_IO_DOWNLOAD,
                package.name,
                package.version
            ),
            filename: crate_filename(package),
            kind: ArtifactKind::Crate,
            expectation,
        }));
    }
    let index = if is_crates_io {
        config.cargo_index.url.clone()
    } else if let Some(sparse) = source.strip_prefix("sparse+") {
        with_slash(sparse)
    } else {
        return Err(NoArtifact(format!(
            "registry `{source}` is a git index; only sparse (`sparse+https://`) registries \
             can be fetched"
        )));
    };
    Ok(Plan::CrateTemplate { index, expectation })
}

pub(crate) fn crate_filename(package: &Package) -> String {
    format!("{}-{}.crate", package.name, package.version)
}

/// Expands a sparse index's `dl` template (cargo's markers `{crate}`, `{version}`,
/// `{prefix}`, `{lowerprefix}`, `{sha256-checksum}`; with none, `/{crate}/{version}/download`
/// is appended).
pub(crate) fn expand_dl_template(
    template: &str,
    name: &str,
    version: &str,
    sha256: Option<&str>,
) -> String {
    const MARKERS: [&str; 5] = [
        "{crate}",
        "{version}",
        "{prefix}",
        "{lowerprefix}",
        "{sha256-checksum}",
    ];
    if !MARKERS.iter().any(|m| template.contains(m)) {
        return format!(
            "{}/{name}/{version}/download",
            template.trim_end_matches('/')
        );
    }
    let prefix = crate_prefix(name);
    template
        .replace("{crate}", name)
        .replace("{version}", version)
        .replace("{prefix}", &prefix)
        .replace("{lowerprefix}", &prefix.to_lowercase())
        .replace("{sha256-checksum}", sha256.unwrap_or(""))
}

/// The sparse index directory of a crate name: `1`, `2`, `3/a`, `ab/cd`.
pub(crate) fn crate_prefix(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.as_slice() {
        [_] => "1".to_owned(),
        [_, _] => "2".to_owned(),
        [first, _, _] => format!("3/{first}"),
        [a, b, c, d, ..] => format!("{a}{b}/{c}{d}"),
        [] => String::new(),
    }
}

/// The index path of a crate: `{prefix}/{name}`, lowercase.
pub(crate) fn crate_index_path(name: &str) -> String {
    let lower = name.to_lowercase();
    format!("{}/{lower}", crate_prefix(&lower))
}

/// The last path segment of a URL, without query or fragment.
pub(crate) fn url_filename(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    path.rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
}

pub(crate) fn with_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_prefixes_follow_cargo() {
        assert_eq!(crate_index_path("a"), "1/a");
        assert_eq!(crate_index_path("ab"), "2/ab");
        assert_eq!(crate_index_path("abc"), "3/a/abc");
        assert_eq!(crate_index_path("Serde"), "se/rd/serde");
    }

    #[test]
    fn dl_templates() {
        assert_eq!(
            expand_dl_template("https://dl.example/api/v1/crates", "serde", "1.0.0", None),
            "https://dl.example/api/v1/crates/serde/1.0.0/download"
        );
        assert_eq!(
            expand_dl_template(
                "https://m.example/{prefix}/{crate}-{version}.crate?h={sha256-checksum}",
                "Serde",
                "1.0.0",
                Some("ab")
            ),
            "https://m.example/Se/rd/Serde-1.0.0.crate?h=ab"
        );
    }

    #[test]
    fn npm_tarball_urls() {
        let config = RegistryConfig::default();
        let scoped = Package::new(Ecosystem::Npm, "@types/node", "20.1.0");
        let Ok(Plan::Ready(planned)) = plan(&scoped, &config) else {
            panic!("expected a ready plan");
        };
        assert_eq!(
            planned.url,
            format!("{}@types/node/-/node-20.1.0.tgz", defaults::NPM_REGISTRY)
        );
        assert_eq!(planned.filename, "node-20.1.0.tgz");
    }

    #[test]
    fn git_and_path_packages_have_no_artifact() {
        let mut package = Package::new(Ecosystem::CratesIo, "x", "1.0.0");
        package.source = Source::Git {
            url: "https://example.invalid/x.git".into(),
            reference: None,
            commit: None,
        };
        assert!(plan(&package, &RegistryConfig::default()).is_err());
    }
}
