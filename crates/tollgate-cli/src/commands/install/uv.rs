//! uv's verdict step, which runs before uv fetches anything: `uv sync` has no
//! download-only mode (its fetch installs each wheel into `.venv` as it arrives, and a
//! wheel's `.pth` file runs at the next interpreter start), so the code is judged from
//! `uv.lock` instead. Every artifact `uv sync` may install on this machine
//! ([`tollgate_analysis::lockmap::python_install`]: the locked wheels that fit the platform,
//! else the sdist it would build) is downloaded by tollgate's registry client
//! ([`RegistrySource`], the verified content-addressed cache of `scan --deep`, limited to
//! the configured registries), checked against the lock's SHA-256 and judged by the common
//! verdict ([`super::verdict`]). uv's fetch then runs `--frozen`, and uv verifies the same
//! hashes, so what it installs is what was judged. An artifact without a SHA-256 in the
//! lock, or one that cannot be downloaded, matched or read, is refused (fail closed).

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use tollgate_analysis::deep::ArtifactSource;
use tollgate_analysis::lockmap::{PythonInstall, python_install};
use tollgate_analysis::verdict_cache::ArtifactKey;
use tollgate_analysis::wheel::WheelTarget;
use tollgate_model::{Artifact, Ecosystem, Lockfile, Package, Source, escape_text as escape};
use tollgate_registry::{Algorithm, Expectation, expectation};

use super::InstallArgs;
use super::verdict::{self, Candidate, Location, PolicyAllow};
use crate::commands::inspect::RegistrySource;

/// Downloads run on this many threads (each judges what it fetched, so at most this many
/// artifacts are held at once).
const THREADS: usize = 4;

/// What the verdict step does with one locked package.
#[derive(Debug, Clone, PartialEq)]
enum Work {
    /// Download this package reduced to one locked artifact (its URL, its hash).
    Fetch(Box<Package>),
    /// Judge code that is already here (a local path source), or refuse (why).
    Judge(Candidate),
    /// uv cannot install anything of it on this machine (why); nothing to judge.
    Skip(String),
}

/// Judges every artifact of the project's `uv.lock` that `uv sync` may install; prints
/// each refusal. True when all of them may be installed.
pub(super) fn judge(
    args: &InstallArgs,
    project: &Path,
    policy_allow: &PolicyAllow,
) -> anyhow::Result<bool> {
    let lock = project.join("uv.lock");
    let inventory = tollgate_lockfile::inventory(std::slice::from_ref(&lock));
    if let Some(error) = inventory.errors.first() {
        anyhow::bail!("the resolved uv.lock cannot be read: {error}");
    }
    let mut work = Vec::new();
    for lockfile in &inventory.lockfiles {
        work.extend(plan(lockfile, project, WheelTarget::host()));
    }
    let mut candidates = Vec::new();
    let mut downloads = Vec::new();
    for (name, item) in work {
        match item {
            Work::Fetch(package) => downloads.push(*package),
            Work::Judge(candidate) => candidates.push(candidate),
            Work::Skip(why) => crate::output::say!(
                "tollgate install: note: {} is not judged: {}",
                escape(&name),
                escape(&why)
            ),
        }
    }
    crate::output::say!(
        "tollgate install: verdict: judging the code of {} artifact(s) uv may install, before uv fetches anything",
        downloads.len() + candidates.len()
    );
    let judge = verdict::Judge::new(args, policy_allow);
    let mut passed = judge.all_pass(&candidates);
    if !downloads.is_empty() {
        let source = RegistrySource::from_process(false, [])
            .context("setting up the registry client for uv's artifacts")?;
        passed &= fetch_and_judge(
            &source,
            &downloads,
            |package| previously_judged(&judge, package),
            |candidate| judge.all_pass(std::slice::from_ref(&candidate)),
        );
    }
    verdict::say_reused(&judge);
    Ok(passed)
}

/// The candidate for a package reduced to one artifact whose report the verdict cache
/// holds under the lock's SHA-256: uv verifies that digest before it installs the file, so
/// the bytes need not be downloaded to be tied to the report.
fn previously_judged(judge: &verdict::Judge<'_>, package: &Package) -> Option<Candidate> {
    let artifact = package.artifacts.first()?;
    let Expectation::Check(expected) = expectation(&artifact.hashes) else {
        return None;
    };
    if expected.algorithm != Algorithm::Sha256 {
        return None;
    }
    let shown = artifact.url.clone().or_else(|| artifact.filename.clone())?;
    let filename = artifact
        .filename
        .clone()
        .or_else(|| shown.rsplit('/').next().map(str::to_owned))?;
    let report = judge.cached(ArtifactKey {
        name: &package.name,
        filename: &filename,
        sha256: &expected.digest,
    })?;
    Some(Candidate {
        ecosystem: Ecosystem::PyPI,
        name: package.name.clone(),
        location: Location::Judged(shown, Box::new(report)),
    })
}

/// Hands each package's one artifact to `judge` as a candidate: the verdict cache's
/// report when `cached` has one, else downloaded with `source` on a few threads (a failed
/// download is a `Missing` candidate, which is refused); true when `judge` passed them all.
fn fetch_and_judge(
    source: &dyn ArtifactSource,
    packages: &[Package],
    cached: impl Fn(&Package) -> Option<Candidate> + Sync,
    judge: impl Fn(Candidate) -> bool + Sync,
) -> bool {
    let next = AtomicUsize::new(0);
    let failed = Mutex::new(false);
    std::thread::scope(|scope| {
        for _ in 0..THREADS.min(packages.len()) {
            scope.spawn(|| {
                while let Some(package) = packages.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let candidate = cached(package).unwrap_or_else(|| fetched(source, package));
                    if !judge(candidate) {
                        // A poisoned lock means a judging thread panicked: counted as failed.
                        *failed.lock().unwrap_or_else(|poison| poison.into_inner()) = true;
                    }
                }
            });
        }
    });
    !failed.into_inner().unwrap_or(true)
}

/// The candidate for a package reduced to one artifact: downloaded and verified, or why not.
fn fetched(source: &dyn ArtifactSource, package: &Package) -> Candidate {
    let artifact = package.artifacts.first();
    let shown = artifact
        .and_then(|a| a.url.clone().or_else(|| a.filename.clone()))
        .unwrap_or_else(|| package.purl.clone());
    let location = match source.fetch(package) {
        Ok(downloaded) => Location::Fetched(shown, downloaded),
        Err(error) => Location::Missing(format!("{shown}: {error}")),
    };
    Candidate {
        ecosystem: Ecosystem::PyPI,
        name: package.name.clone(),
        location,
    }
}

/// The work for every package of one `uv.lock` (the project and workspace members are not
/// in it: they are the project's own code), with each package's name.
fn plan(lockfile: &Lockfile, project: &Path, target: WheelTarget) -> Vec<(String, Work)> {
    let mut work = Vec::new();
    for package in &lockfile.packages {
        let local = |location| {
            Work::Judge(Candidate {
                ecosystem: Ecosystem::PyPI,
                name: package.name.clone(),
                location,
            })
        };
        match &package.source {
            Source::Git { url, .. } => work.push((
                package.name.clone(),
                local(Location::Missing(format!(
                    "a git source ({url}): uv builds it from a checkout the gate does not fetch"
                ))),
            )),
            // uv's `directory` sources are source trees it builds; `path` ones are archives.
            Source::Path { path, local_kind } => {
                let full = project.join(path);
                let location = if local_kind == "directory" {
                    Location::Directory(full)
                } else {
                    Location::Archive(full)
                };
                work.push((package.name.clone(), local(location)));
            }
            Source::Registry { .. } | Source::Url { .. } | Source::Unknown => {
                let artifacts: Vec<&Artifact> = match python_install(package, target) {
                    PythonInstall::Wheels(wheels) => wheels,
                    PythonInstall::Sdist(sdist) => vec![sdist],
                    // uv can only install a fitting wheel or build the sdist: with neither
                    // locked, nothing of this package is installed here (a platform marker
                    // excludes it, or uv's sync fails). A wheel without a file name has no
                    // tags to tell, so it is not taken for one that does not fit.
                    PythonInstall::Nothing(why)
                        if !package.artifacts.is_empty()
                            && package.artifacts.iter().all(|a| a.filename.is_some()) =>
                    {
                        work.push((package.name.clone(), Work::Skip(why)));
                        continue;
                    }
                    PythonInstall::Nothing(why) => {
                        work.push((package.name.clone(), local(Location::Missing(why))));
                        continue;
                    }
                };
                for artifact in artifacts {
                    work.push((package.name.clone(), one_artifact(package, artifact)));
                }
            }
        }
    }
    work
}

/// `package` reduced to `artifact`, for the registry client to fetch exactly that file and
/// verify it against its own locked SHA-256; refused when the lock records none (uv's
/// install could not then be tied to what was judged).
fn one_artifact(package: &Package, artifact: &Artifact) -> Work {
    let file = artifact.filename.as_deref().unwrap_or("an artifact");
    match expectation(&artifact.hashes) {
        Expectation::Check(expected) if expected.algorithm == Algorithm::Sha256 => {
            let mut reduced = package.clone();
            reduced.artifacts = vec![artifact.clone()];
            reduced.hashes = artifact.hashes.clone();
            Work::Fetch(Box::new(reduced))
        }
        _ => Work::Judge(Candidate {
            ecosystem: Ecosystem::PyPI,
            name: package.name.clone(),
            location: Location::Missing(format!(
                "uv.lock records no SHA-256 hash for {file}, so what uv installs cannot be tied to what is judged"
            )),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_analysis::deep::{FetchError, FetchedArtifact};
    use tollgate_model::LockfileFormat;

    const LOCK: &str = r#"version = 1
revision = 2

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "hashed"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/hashed-1.0-py3-none-any.whl", hash = "sha256:00ff", size = 1 }]

[[package]]
name = "unhashed"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/unhashed-1.0.tar.gz", size = 1 }

[[package]]
name = "gitdep"
version = "0.1"
source = { git = "https://git.example/gitdep?rev=abc#abc" }

[[package]]
name = "vendored"
version = "0.2"
source = { directory = "vendor/vendored" }

[[package]]
name = "winonly"
version = "306"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/winonly-306-cp312-cp312-win_amd64.whl", hash = "sha256:33", size = 1 }]
"#;

    const LINUX: WheelTarget = WheelTarget {
        os: "linux",
        arch: "x86_64",
    };

    fn planned() -> Vec<(String, Work)> {
        let lockfile = tollgate_lockfile::parse_str("uv.lock", LOCK, LockfileFormat::UvLock)
            .expect("the lock parses");
        plan(&lockfile, Path::new("/p"), LINUX)
    }

    #[test]
    fn a_hashed_artifact_is_fetched_alone_and_anything_unverifiable_is_refused() {
        let work = planned();
        let names: Vec<&str> = work.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            ["hashed", "unhashed", "gitdep", "vendored", "winonly"],
            "the project's own package is not judged"
        );
        let Work::Fetch(hashed) = &work[0].1 else {
            panic!("a hashed wheel is downloaded: {:?}", work[0].1);
        };
        assert_eq!(hashed.artifacts.len(), 1);
        assert_eq!(hashed.hashes[0].digest, "00ff");
        let missing = |index: usize| match &work[index].1 {
            Work::Judge(Candidate {
                location: Location::Missing(why),
                ..
            }) => why.clone(),
            other => panic!("{index}: expected a refusal, got {other:?}"),
        };
        assert!(missing(1).contains("no SHA-256 hash for unhashed-1.0.tar.gz"));
        assert!(missing(2).contains("git source"));
        assert_eq!(
            work[3].1,
            Work::Judge(Candidate {
                ecosystem: Ecosystem::PyPI,
                name: "vendored".into(),
                location: Location::Directory("/p/vendor/vendored".into()),
            })
        );
        assert!(matches!(&work[4].1, Work::Skip(why) if why.contains("linux x86_64")));
    }

    /// Answers with fixed bytes, or a hash mismatch for `bad`.
    struct Fixed;

    impl ArtifactSource for Fixed {
        fn fetch(&self, package: &Package) -> Result<FetchedArtifact, FetchError> {
            if package.name == "bad" {
                return Err(FetchError::HashMismatch {
                    url: "https://files.example/bad-1.0-py3-none-any.whl".into(),
                    algorithm: "sha256".into(),
                    expected: "aa".into(),
                    actual: "bb".into(),
                });
            }
            Ok(FetchedArtifact {
                filename: format!("{}.whl", package.name),
                bytes: package.name.clone().into_bytes(),
            })
        }
    }

    #[test]
    fn every_download_is_judged_and_a_mismatch_is_a_refusal() {
        let packages: Vec<Package> = ["a", "bad", "c", "d", "e"]
            .iter()
            .map(|name| Package::new(Ecosystem::PyPI, *name, "1.0"))
            .collect();
        let seen = Mutex::new(Vec::new());
        let all = fetch_and_judge(
            &Fixed,
            &packages,
            |_| None,
            |candidate| {
                let passes = matches!(candidate.location, Location::Fetched(..));
                if let Location::Missing(why) = &candidate.location {
                    assert!(why.contains("the lockfile says aa"), "{why}");
                }
                seen.lock().unwrap().push(candidate.name);
                passes
            },
        );
        assert!(!all, "the mismatch is refused");
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen, ["a", "bad", "c", "d", "e"]);
        assert!(fetch_and_judge(&Fixed, &packages[..1], |_| None, |_| true));
    }

    fn empty_report() -> tollgate_analysis::PackageReport {
        let files = tollgate_analysis::PackageFiles::from_entries([(
            "PKG-INFO".to_owned(),
            b"Metadata-Version: 2.1\nName: bad\nVersion: 1.0\n".to_vec(),
        )]);
        tollgate_analysis::analyze_package_with("bad", &files, &Default::default())
            .expect("a metadata-only package is analysed")
    }

    #[test]
    fn a_package_the_cache_holds_is_not_downloaded() {
        let packages: Vec<Package> = ["bad", "c"]
            .iter()
            .map(|name| Package::new(Ecosystem::PyPI, *name, "1.0"))
            .collect();
        // `bad` would be a hash mismatch if it were downloaded.
        let cached = |package: &Package| {
            (package.name == "bad").then(|| Candidate {
                ecosystem: Ecosystem::PyPI,
                name: package.name.clone(),
                location: Location::Judged("cached".into(), Box::new(empty_report())),
            })
        };
        let kinds = Mutex::new(Vec::new());
        let all = fetch_and_judge(&Fixed, &packages, cached, |candidate| {
            kinds.lock().unwrap().push((
                candidate.name.clone(),
                matches!(candidate.location, Location::Judged(..)),
            ));
            true
        });
        assert!(all);
        let mut kinds = kinds.into_inner().unwrap();
        kinds.sort();
        assert_eq!(kinds, [("bad".to_owned(), true), ("c".to_owned(), false)]);
    }
}
