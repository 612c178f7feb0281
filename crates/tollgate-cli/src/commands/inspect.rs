//! `tollgate inspect`: the install-time hooks of one package and what their code does.
//!
//! The package is a local archive (`.tgz`, `.tar.gz`, `.crate`, `.zip`, `.whl`), an
//! unpacked directory, a purl (`pkg:npm/esbuild@0.25.0`) or `name@version` with
//! `--ecosystem`; the last two are downloaded through the registry client (the user's
//! registry configuration, the verifying content-addressed cache; `--offline` uses the
//! cache only). Downloads come only from the configured registries' hosts (see
//! [`RegistrySource`]).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use tollgate_analysis::deep::{ArtifactSource, FetchError, FetchedArtifact};
use tollgate_analysis::{
    JudgeOptions, PackageFiles, PackageReport, VerdictLevel, analyze_package_with,
};
use tollgate_model::{Ecosystem, Package, defaults};
use tollgate_registry::{HostAllowList, RegistryClient, RegistryError};

use crate::exit::Status;

/// Output formats for `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    /// The hooks, then one row per finding.
    Table,
    /// The package report as JSON.
    Json,
}

/// `tollgate inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A local archive or directory, a purl (`pkg:npm/esbuild@0.25.0`), or `name@version`
    /// (with `--ecosystem`).
    pub target: String,
    /// The ecosystem of a `name@version` target: npm, pypi or cargo.
    #[arg(long)]
    pub ecosystem: Option<Ecosystem>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Table)]
    pub format: InspectFormat,
    /// Use the download cache only; never touch the network.
    #[arg(long)]
    pub offline: bool,
    /// Exit with status 1 when the verdict is at or above this level.
    #[arg(long, value_enum, default_value_t = FailOn::Suspicious)]
    pub fail_on: FailOn,
    /// Also analyse a crate's own source, not only its build script and proc-macro
    /// (Python and npm module code is always analysed).
    #[arg(long)]
    pub all_code: bool,
}

/// Verdict levels that `--fail-on` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fail on a `suspicious` or `malicious` verdict.
    Suspicious,
    /// Fail only on a `malicious` verdict.
    Malicious,
}

impl FailOn {
    fn level(self) -> VerdictLevel {
        match self {
            FailOn::Suspicious => VerdictLevel::Suspicious,
            FailOn::Malicious => VerdictLevel::Malicious,
        }
    }
}

/// Inspects one package. Exit status 1 when the verdict is at or above `--fail-on`.
pub fn run(args: &InspectArgs) -> anyhow::Result<Status> {
    let report = inspect(args)?;
    let stdout = std::io::stdout();
    let mut out = tollgate_report::SafeLines::new(stdout.lock());
    match args.format {
        InspectFormat::Json => tollgate_report::install::write_package_json(&mut out, &report),
        InspectFormat::Table => tollgate_report::install::write_package_table(&mut out, &report),
    }
    .and_then(|()| out.flush())
    .context("writing the report to standard output")?;
    if report.verdict.level >= args.fail_on.level() {
        Ok(Status::Findings)
    } else {
        Ok(Status::Clean)
    }
}

fn inspect(args: &InspectArgs) -> anyhow::Result<PackageReport> {
    let path = Path::new(&args.target);
    let (display, files) = if path.is_dir() {
        (args.target.clone(), PackageFiles::from_directory(path)?)
    } else if path.is_file() {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        (
            args.target.clone(),
            PackageFiles::from_archive(&args.target, &bytes)?,
        )
    } else {
        let package = parse_target(&args.target, args.ecosystem)?;
        let source = RegistrySource::from_process(args.offline, [])?;
        let artifact = source
            .fetch(&package)
            .map_err(|error| anyhow::anyhow!("{}: {error}", package.purl))?;
        let files = PackageFiles::from_archive(&artifact.filename, &artifact.bytes)?;
        (artifact.filename, files)
    };
    let options = JudgeOptions {
        all_code: args.all_code,
        ..JudgeOptions::default()
    };
    Ok(analyze_package_with(&display, &files, &options)?)
}

/// A purl or `name@version` as a registry package.
fn parse_target(target: &str, ecosystem: Option<Ecosystem>) -> anyhow::Result<Package> {
    if let Some(rest) = target.strip_prefix("pkg:") {
        let (kind, rest) = rest
            .split_once('/')
            .with_context(|| format!("{target}: expected pkg:TYPE/NAME@VERSION"))?;
        let ecosystem = match kind {
            "npm" => Ecosystem::Npm,
            "pypi" => Ecosystem::PyPI,
            "cargo" => Ecosystem::CratesIo,
            other => bail!("{target}: purl type `{other}` is not npm, pypi or cargo"),
        };
        let rest = rest.split(['?', '#']).next().unwrap_or(rest);
        let (name, version) = rest
            .rsplit_once('@')
            .with_context(|| format!("{target}: the purl has no @VERSION"))?;
        return Ok(Package::new(
            ecosystem,
            name.replace("%40", "@").replace("%2F", "/"),
            version,
        ));
    }
    let (name, version) = target
        .rsplit_once('@')
        .filter(|(name, version)| !name.is_empty() && !version.is_empty())
        .with_context(|| format!("{target}: not a file or directory, a purl, or NAME@VERSION"))?;
    let ecosystem =
        ecosystem.with_context(|| format!("{target}: give --ecosystem npm, pypi or cargo"))?;
    Ok(Package::new(ecosystem, name, version))
}

/// [`ArtifactSource`] over the registry client: verified downloads through the
/// content-addressed cache, only from the configured registries (the user's npm, pip/uv
/// and cargo settings, the public defaults, and the hosts a policy's `[sources]
/// registries` name). Another host, or a redirect to one, is refused before any request:
/// [`FetchError::Refused`], which `--deep` reports as `deep-source-refused`.
pub struct RegistrySource {
    client: RegistryClient,
}

impl RegistrySource {
    /// A client configured from the running process (the user's registry settings, the
    /// default cache directory), limited to the configured hosts and those of `sources`
    /// (registry addresses, e.g. a policy's `[sources] registries`).
    pub fn from_process<'a>(
        offline: bool,
        sources: impl IntoIterator<Item = &'a str>,
    ) -> anyhow::Result<Self> {
        let client = crate::registry::client_from_process(offline)?;
        let allowed = HostAllowList::from_config(client.config());
        // crates.io's git index id names github.com, which serves no crate: allowing it
        // would let any lockfile address on github.com through. Its downloads come from
        // static.crates.io, a public default.
        for url in sources.into_iter().filter(|url| {
            !url.trim_end_matches('/')
                .eq_ignore_ascii_case(defaults::CRATES_IO_LOCK_SOURCE)
        }) {
            allowed.allow_url(url);
        }
        crate::output::detail(&format!(
            "downloads only from these hosts (and the file hosts configured registries name): {}",
            allowed.hosts().join(", ")
        ));
        Ok(RegistrySource {
            client: client.with_allowed_hosts(allowed),
        })
    }
}

impl ArtifactSource for RegistrySource {
    fn fetch(&self, package: &Package) -> Result<FetchedArtifact, FetchError> {
        match self.client.fetch(package) {
            Ok(download) => Ok(FetchedArtifact {
                filename: download.filename,
                bytes: download.bytes,
            }),
            Err(RegistryError::HashMismatch {
                url,
                algorithm,
                expected,
                actual,
                ..
            }) => Err(FetchError::HashMismatch {
                url,
                algorithm: algorithm.as_str().to_owned(),
                expected,
                actual,
            }),
            Err(other) => Err(match refused(&other) {
                Some((url, host)) => FetchError::Refused {
                    url,
                    host,
                    reason: other.to_string(),
                },
                None => FetchError::Unavailable(other.to_string()),
            }),
        }
    }
}

/// The address and `host:port` of a download the client would not make: the lockfile's
/// own address, or the address that redirected to the refused host.
fn refused(error: &RegistryError) -> Option<(String, String)> {
    let host = error.refused_host()?.to_owned();
    let url = match error {
        RegistryError::HostRefused { url, .. } => url.clone(),
        RegistryError::Http(http) => http.url.clone(),
        _ => String::new(),
    };
    Some((url, host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let p = parse_target("pkg:npm/%40scope/name@1.2.3", None).unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            ("@scope/name", "1.2.3")
        );
        let c = parse_target("serde@1.0.0", Some(Ecosystem::CratesIo)).unwrap();
        assert_eq!(c.purl, "pkg:cargo/serde@1.0.0");
        assert!(parse_target("serde@1.0.0", None).is_err());
        assert!(parse_target("pkg:maven/x@1", None).is_err());
    }
}
