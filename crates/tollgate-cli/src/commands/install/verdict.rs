//! The verdict step of `tollgate install`: after the fetch phase and before the execute
//! phase runs anything, the code of every fetched package that will run some is judged
//! with `tollgate-analysis`'s verdict (malicious, suspicious or clean, with located
//! reasons), one code path for every manager:
//!
//! - npm and Yarn: each package under `node_modules` with install scripts (its unpacked
//!   directories; `--skip-scripts` packages are not run, so not judged).
//! - pnpm: the same, in pnpm's virtual store (`node_modules/.pnpm`, see [`super::pnpm`]);
//!   a build pnpm has pending whose directory is not found there is refused.
//! - pip: every artifact in the download directory the execute phase installs from. An
//!   sdist there is built by the execute phase; a wheel runs no code when installed, but
//!   its `.pth` files run at every interpreter start and its modules when imported, which
//!   the verdict covers.
//! - cargo: every registry crate of `Cargo.lock`, from the `.crate` file `cargo fetch` put
//!   in cargo's registry cache (`$CARGO_HOME/registry/cache/*/NAME-VERSION.crate`), taken
//!   only when its SHA-256 is the lockfile's checksum. Crates without a build script or
//!   proc-macro run nothing at build time and come out clean. Path packages (the project's
//!   own workspace) are not judged.
//!
//! Malicious is refused; suspicious is refused unless `--allow NAME` or an entry of the
//! policy's `[install-scripts] allow` list names it (and the version its own manifest
//! gives); an entry with a `digest` counts only when it is the digest of the code judged
//! here. An artifact that cannot be found, read or analysed is refused whatever the
//! allows say (fail closed).
//! - uv: every artifact of `uv.lock` that `uv sync` may install here, downloaded by
//!   tollgate's registry client and verified against the lock's SHA-256 before the fetch
//!   phase runs uv at all (see [`super::uv`]): uv's sync installs wheels as it fetches, so
//!   judging after it would be too late.
//!
//! Archives (sdists, wheels, `.crate` files) are judged once per engine: the report is kept
//! in the verdict cache ([`tollgate_analysis::verdict_cache`], under tollgate's cache root)
//! by the archive's SHA-256, and reused when the same bytes come again
//! (`--no-verdict-cache` analyses everything afresh). Unpacked npm directories are always
//! analysed: nothing ties their files to one digest.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use tollgate_analysis::deep::FetchedArtifact;
use tollgate_analysis::verdict_cache::{ArtifactKey, VerdictCache, sha256_hex};
use tollgate_analysis::{
    JudgeOptions, PackageFiles, PackageReport, VerdictLevel, analyze_package_with,
};
use tollgate_model::{Ecosystem, Source, escape_text as escape, normalize_name};
use tollgate_policy::config::ScriptAllow;
use tollgate_registry::{Algorithm, Expectation, expectation};

use super::InstallArgs;
use super::node::ScriptedPackage;

/// Where a package's code is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Location {
    /// An unpacked package directory.
    Directory(PathBuf),
    /// An archive (sdist, wheel, `.crate`).
    Archive(PathBuf),
    /// An archive downloaded (and verified against the lockfile's hash) from this address.
    Fetched(String, FetchedArtifact),
    /// An archive at this address whose report the verdict cache holds under the digest
    /// its installer verifies (uv's, before anything is downloaded).
    Judged(String, Box<PackageReport>),
    /// Nowhere the gate can read; why.
    Missing(String),
}

/// One package to judge before the execute phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Candidate {
    /// The ecosystem (for comparing names with `--allow`).
    pub ecosystem: Ecosystem,
    /// The package's name.
    pub name: String,
    /// Its code.
    pub location: Location,
}

/// npm, Yarn and pnpm: every directory of every scripted package that will run (all but
/// `skipped`, whose scripts the execute phase does not run).
pub(super) fn node_candidates(packages: &[ScriptedPackage], skipped: &[String]) -> Vec<Candidate> {
    packages
        .iter()
        .filter(|package| !skipped.contains(&package.name))
        .flat_map(|package| {
            package.dirs.iter().map(|dir| Candidate {
                ecosystem: Ecosystem::Npm,
                name: package.name.clone(),
                location: Location::Directory(dir.clone()),
            })
        })
        .collect()
}

/// pip: every file in `downloads`, the directory the execute phase installs from.
pub(super) fn pip_candidates(downloads: &Path) -> anyhow::Result<Vec<Candidate>> {
    let mut candidates = Vec::new();
    let entries = match std::fs::read_dir(downloads) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(candidates),
        Err(error) => {
            return Err(error).with_context(|| format!("listing {}", downloads.display()));
        }
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", downloads.display()))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let location = if entry.file_type().is_ok_and(|kind| kind.is_file()) {
            Location::Archive(entry.path())
        } else {
            // pip writes only files there; anything else is not something it will install
            // from as checked, so it is not let through unread.
            Location::Missing(format!("{file_name} is not a regular file"))
        };
        candidates.push(Candidate {
            ecosystem: Ecosystem::PyPI,
            name: distribution_name(&file_name).to_owned(),
            location,
        });
    }
    candidates.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(candidates)
}

/// The distribution name in a wheel or sdist file name (`name-1.0-py3-none-any.whl`,
/// `name-1.0.tar.gz`); the whole name when it has no version part.
fn distribution_name(file_name: &str) -> &str {
    if file_name.ends_with(".whl") {
        return file_name.split('-').next().unwrap_or(file_name);
    }
    let stem = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"]
        .iter()
        .find_map(|suffix| file_name.strip_suffix(suffix))
        .unwrap_or(file_name);
    stem.rsplit_once('-').map_or(stem, |(name, _)| name)
}

/// cargo: every crate of `project`'s Cargo.lock that comes from a registry or git, found
/// where `cargo fetch` left it under `cargo_home`.
pub(super) fn cargo_candidates(
    project: &Path,
    cargo_home: &Path,
) -> anyhow::Result<Vec<Candidate>> {
    let lock = project.join("Cargo.lock");
    let inventory = tollgate_lockfile::inventory(std::slice::from_ref(&lock));
    if let Some(error) = inventory.errors.first() {
        anyhow::bail!("the fetched Cargo.lock cannot be read: {error}");
    }
    let caches = registry_caches(cargo_home)?;
    let mut candidates = Vec::new();
    for package in inventory.lockfiles.iter().flat_map(|l| &l.packages) {
        let location = match &package.source {
            Source::Registry { .. } => match expectation(&package.hashes) {
                Expectation::Check(expected) if expected.algorithm == Algorithm::Sha256 => {
                    let file = format!("{}-{}.crate", package.name, package.version);
                    find_crate(&caches, &file, &expected.digest)?
                }
                _ => Location::Missing(
                    "Cargo.lock records no SHA-256 checksum to identify its .crate".to_owned(),
                ),
            },
            Source::Git { .. } => Location::Missing(
                "a git dependency: the gate does not locate git checkouts yet".to_owned(),
            ),
            _ => Location::Missing("a source the gate cannot read (not a registry)".to_owned()),
        };
        candidates.push(Candidate {
            ecosystem: Ecosystem::CratesIo,
            name: package.name.clone(),
            location,
        });
    }
    Ok(candidates)
}

/// `cargo_home/registry/cache/*`: one directory per registry.
fn registry_caches(cargo_home: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let root = cargo_home.join("registry").join("cache");
    let entries = match std::fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error).with_context(|| format!("listing {}", root.display())),
    };
    let mut caches = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", root.display()))?;
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            caches.push(entry.path());
        }
    }
    caches.sort();
    Ok(caches)
}

/// The cached `file` whose SHA-256 is `sha256` (two registries may both have a crate of
/// that name and version: the checksum says which one cargo verified).
fn find_crate(caches: &[PathBuf], file: &str, sha256: &str) -> anyhow::Result<Location> {
    for cache in caches {
        let path = cache.join(file);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
        };
        if Algorithm::Sha256.digest_hex(&bytes) == sha256 {
            return Ok(Location::Archive(path));
        }
    }
    Ok(Location::Missing(format!(
        "no {file} with the Cargo.lock checksum in cargo's registry cache"
    )))
}

/// The policy's `[install-scripts]` allow-list, with the file it came from (for messages).
pub(super) struct PolicyAllow {
    /// The policy file (`<default>` for the built-in policy).
    pub path: String,
    /// Its allow entries.
    pub entries: Vec<ScriptAllow>,
}

/// The verdict step's judge: the install's allows and the verdict cache.
pub(super) struct Judge<'a> {
    args: &'a InstallArgs,
    policy: &'a PolicyAllow,
    cache: Option<VerdictCache>,
    reused: AtomicUsize,
}

impl<'a> Judge<'a> {
    /// A judge for this install; the verdict cache lives under tollgate's cache root
    /// (`verdicts/`) unless `--no-verdict-cache`.
    pub(super) fn new(args: &'a InstallArgs, policy: &'a PolicyAllow) -> Self {
        let cache = (!args.no_verdict_cache).then(|| {
            VerdictCache::new(
                crate::registry::cache_root().join("verdicts"),
                &JudgeOptions::default(),
            )
        });
        Judge {
            args,
            policy,
            cache,
            reused: AtomicUsize::new(0),
        }
    }

    /// The cached report for an archive known only by the digest its installer verifies.
    pub(super) fn cached(&self, key: ArtifactKey<'_>) -> Option<PackageReport> {
        self.cache.as_ref()?.get(key)
    }

    /// How many archives were judged from the verdict cache so far.
    pub(super) fn reused(&self) -> usize {
        self.reused.load(Ordering::Relaxed)
    }

    /// Judges every candidate and prints each refusal; true when all of them may run.
    pub(super) fn all_pass(&self, candidates: &[Candidate]) -> bool {
        let mut passed = true;
        for candidate in candidates {
            passed &= self.passes(candidate);
        }
        passed
    }

    /// An archive's report: from the verdict cache when it holds these bytes, else
    /// analysed (and stored).
    fn archive_report(
        &self,
        name: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Result<PackageReport, tollgate_analysis::AnalysisError> {
        let Some(cache) = &self.cache else {
            return analyze_archive(name, filename, bytes);
        };
        let sha256 = sha256_hex(bytes);
        let key = ArtifactKey {
            name,
            filename,
            sha256: &sha256,
        };
        if let Some(report) = cache.get(key) {
            self.reused.fetch_add(1, Ordering::Relaxed);
            return Ok(report);
        }
        let report = analyze_archive(name, filename, bytes)?;
        if let Err(error) = cache.put(key, &report) {
            // The verdict stands; only its reuse is lost.
            crate::output::detail(&format!(
                "the verdict cache could not keep the report of {}: {error}",
                escape(filename)
            ));
        }
        Ok(report)
    }

    /// Clean passes; suspicious passes only when allowed (`--allow NAME`, or a policy allow
    /// entry whose pinned digest, if any, is this code's); malicious or unanalysable code is
    /// refused (and said so).
    fn passes(&self, candidate: &Candidate) -> bool {
        let name = &candidate.name;
        let shown = escape(name);
        let (place, report) = match &candidate.location {
            Location::Directory(dir) => (
                dir.display().to_string(),
                PackageFiles::from_directory(dir)
                    .and_then(|files| analyze_package_with(name, &files, &JudgeOptions::default())),
            ),
            Location::Archive(path) => {
                let display = path.display().to_string();
                // The file name, not the path, is what the report and its cache key
                // depend on: the same sdist in another project is the same artifact.
                let filename = path
                    .file_name()
                    .map_or_else(|| display.clone(), |f| f.to_string_lossy().into_owned());
                let report = std::fs::read(path)
                    .map_err(|source| tollgate_analysis::AnalysisError::Io {
                        path: display.clone(),
                        source,
                    })
                    .and_then(|bytes| self.archive_report(name, &filename, &bytes));
                (display, report)
            }
            Location::Fetched(url, artifact) => (
                url.clone(),
                self.archive_report(name, &artifact.filename, &artifact.bytes),
            ),
            Location::Judged(url, report) => {
                self.reused.fetch_add(1, Ordering::Relaxed);
                (url.clone(), Ok((**report).clone()))
            }
            Location::Missing(why) => {
                eprintln!(
                    "tollgate install: refused: the install-time code of {shown} cannot be analysed: {}",
                    escape(why)
                );
                return false;
            }
        };
        let report = match report {
            Ok(report) => report,
            Err(error) => {
                eprintln!(
                    "tollgate install: refused: the install-time code of {shown} cannot be analysed ({}): {}",
                    escape(&place),
                    escape(&error.to_string())
                );
                return false;
            }
        };
        self.decide(candidate, &place, &report)
    }

    /// Whether a judged candidate may run, printing why not.
    fn decide(&self, candidate: &Candidate, place: &str, report: &PackageReport) -> bool {
        let (args, policy) = (self.args, self.policy);
        let shown = escape(&candidate.name);
        let verdict = &report.verdict;
        if verdict.level == VerdictLevel::Clean {
            return true;
        }
        let allowance = allowance(args, policy, candidate, report);
        if verdict.level == VerdictLevel::Suspicious {
            match &allowance {
                Allowance::Flag => {
                    eprintln!("tollgate install: {shown} is judged suspicious; allowed by --allow");
                    return true;
                }
                Allowance::Policy(line) => {
                    eprintln!(
                        "tollgate install: {shown} is judged suspicious; allowed by the install-scripts allow-list ({}, line {line})",
                        escape(&policy.path)
                    );
                    return true;
                }
                Allowance::Not(_) => {}
            }
        }
        let reasons: Vec<String> = verdict
            .reasons
            .iter()
            .map(|r| {
                let reason = format!("{} at {}:{}: {}", r.rule, r.file, r.line, r.why);
                escape(&reason).into_owned()
            })
            .collect();
        let why_not = match allowance {
            Allowance::Not(rejected) if !rejected.is_empty() => format!("; {}", rejected.join("; ")),
            Allowance::Not(_) => String::new(),
            Allowance::Flag | Allowance::Policy(_) => {
                "; an allow (--allow or the install-scripts allow-list) never lets malicious code run"
                    .to_owned()
            }
        };
        eprintln!(
            "tollgate install: refused: the install-time code of {shown} is judged {} (score {}, {}): {}{why_not}",
            verdict.level.as_str(),
            verdict.score,
            escape(place),
            reasons.join("; ")
        );
        false
    }
}

/// Says how many archives the verdict cache spared, when any.
pub(super) fn say_reused(judge: &Judge<'_>) {
    let reused = judge.reused();
    if reused > 0 {
        crate::output::say!(
            "tollgate install: verdict: {reused} archive(s) judged from the verdict cache (same SHA-256, same tollgate build)"
        );
    }
}

/// Whether a candidate judged suspicious may run anyway.
enum Allowance {
    /// `--allow NAME`.
    Flag,
    /// A policy allow entry, at this line.
    Policy(u32),
    /// Neither; why each policy entry that names the package does not count.
    Not(Vec<String>),
}

/// `--allow NAME` (PyPI names compared normalized), or a policy allow entry naming the
/// package and the version its own manifest gives, whose pinned digest (if any) is the
/// digest of the code that was judged.
fn allowance(
    args: &InstallArgs,
    policy: &PolicyAllow,
    candidate: &Candidate,
    report: &PackageReport,
) -> Allowance {
    let name = normalize_name(candidate.ecosystem, &candidate.name);
    if args
        .allow
        .iter()
        .any(|allowed| normalize_name(candidate.ecosystem, allowed) == name)
    {
        return Allowance::Flag;
    }
    let mut rejected = Vec::new();
    let naming = policy.entries.iter().filter(|entry| {
        entry
            .rule
            .matches_named(candidate.ecosystem, &candidate.name, &report.version)
    });
    for entry in naming {
        let line = entry.rule.line;
        match (&entry.digest, &report.code_digest) {
            (None, _) => return Allowance::Policy(line),
            (Some(pinned), Some(actual)) if pinned == actual => return Allowance::Policy(line),
            (Some(pinned), actual) => rejected.push(format!(
                "the install-scripts allow entry for {} ({}, line {line}) does not count: it pins digest {}, the code judged here has digest {}",
                escape(&entry.rule.describe()),
                escape(&policy.path),
                escape(pinned),
                actual.as_deref().map_or_else(|| "none".into(), escape),
            )),
        }
    }
    Allowance::Not(rejected)
}

/// Reads an archive with the archive crate's limits (bombs, traversal, unknown formats
/// are errors) and analyses it.
fn analyze_archive(
    name: &str,
    filename: &str,
    bytes: &[u8],
) -> Result<PackageReport, tollgate_analysis::AnalysisError> {
    let files = PackageFiles::from_archive(filename, bytes)?;
    analyze_package_with(name, &files, &JudgeOptions::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_names_of_wheels_and_sdists() {
        assert_eq!(distribution_name("six-1.16.0-py2.py3-none-any.whl"), "six");
        assert_eq!(distribution_name("pkg_a-2.0.tar.gz"), "pkg_a");
        assert_eq!(distribution_name("odd-name-1.0.zip"), "odd-name");
        assert_eq!(distribution_name("noversion"), "noversion");
    }

    #[test]
    fn a_crate_is_taken_only_with_the_locked_checksum() {
        let home = tempfile::tempdir().expect("home");
        let cache = home.path().join("registry/cache/index-a");
        std::fs::create_dir_all(&cache).expect("mkdir");
        std::fs::write(cache.join("x-1.0.0.crate"), b"not the locked one").expect("write");
        let caches = registry_caches(home.path()).expect("caches");
        let locked = Algorithm::Sha256.digest_hex(b"locked bytes");
        assert!(matches!(
            find_crate(&caches, "x-1.0.0.crate", &locked).expect("find"),
            Location::Missing(_)
        ));
        let other = home.path().join("registry/cache/index-b");
        std::fs::create_dir_all(&other).expect("mkdir");
        std::fs::write(other.join("x-1.0.0.crate"), b"locked bytes").expect("write");
        let caches = registry_caches(home.path()).expect("caches");
        assert_eq!(
            find_crate(&caches, "x-1.0.0.crate", &locked).expect("find"),
            Location::Archive(other.join("x-1.0.0.crate"))
        );
    }
}
