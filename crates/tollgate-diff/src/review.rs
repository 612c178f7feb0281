//! What each change brings: the findings of the head's version that the base's version did
//! not have (and the ones that went away), the diff's own findings (a move off the
//! registry, a license change), and with `--deep` the change in the install-time code.
//!
//! The findings come from the caller (the gate pipeline over [`crate::changed_packages`]
//! of each side, plus `--deep`'s verdicts); they are matched to a change by lockfile and
//! package URL. Two findings are "the same" across versions when code, id and summary agree
//! once each one's own version is blanked out of the summary: the advisory that affects
//! 1.2.3 and 1.2.4 is not new, a cooldown finding on a freshly published version is.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tollgate_analysis::{Hook, PackageFiles, PackageReport, Reason, VerdictLevel};
use tollgate_model::{Finding, Provenance, Severity, Source, package_url};

use crate::{ChangeKind, LockfileDiff, PackageChange};

/// The code of the diff's finding for a package that left the registry.
pub const CODE_SOURCE_CHANGED: &str = "source-changed";
/// The code of the diff's finding for a license change.
pub const CODE_LICENSE_CHANGED: &str = "license-changed";

/// A license change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseChange {
    /// The base's version's license.
    pub old: String,
    /// The head's version's license.
    pub new: String,
}

/// A provenance change: what the registry records for each version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenanceChange {
    /// The base's version's provenance.
    pub old: Provenance,
    /// The head's version's provenance.
    pub new: Provenance,
}

/// What changed in the install-time code (`--deep`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeChange {
    /// The base's version's verdict (`null`: added, or not analysed: it runs no code).
    pub old_verdict: Option<VerdictLevel>,
    /// The head's version's verdict.
    pub new_verdict: VerdictLevel,
    /// The head's version's score (0 to 100).
    pub new_score: u32,
    /// The base's install-time code digest.
    pub old_code_digest: Option<String>,
    /// The head's install-time code digest (differs from the base's when the code changed).
    pub new_code_digest: Option<String>,
    /// Hooks the head's version has that the base's did not (by phase and command).
    pub new_hooks: Vec<Hook>,
    /// Verdict reasons the head's version has that the base's did not (by rule, file and
    /// what was seen).
    pub new_reasons: Vec<Reason>,
    /// The install-time files (every hook's entry files, of either version) whose contents
    /// differ, as unified diffs.
    pub files: Vec<FileDiff>,
}

/// One install-time file that differs between the two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDiff {
    /// The path inside the package.
    pub path: String,
    /// `added`, `removed` or `modified`.
    pub status: crate::FileStatus,
    /// The unified diff (3 lines of context), cut at [`MAX_FILE_DIFF_BYTES`] with a last line
    /// saying so; `binary files differ` for a file that is not UTF-8.
    pub diff: String,
}

/// The text of a file that may be absent (empty) or not UTF-8 (an error).
fn utf8(bytes: Option<&[u8]>) -> Result<&str, std::str::Utf8Error> {
    bytes.map_or(Ok(""), std::str::from_utf8)
}

/// The most of one file's diff kept: install scripts are small, a minified dropper is not,
/// and the report must stay readable.
pub const MAX_FILE_DIFF_BYTES: usize = 16 * 1024;

/// The unified diffs of the files at `paths` that differ between `old` (`None`: the base
/// had no such version) and `new`.
pub fn file_diffs(
    paths: &BTreeSet<String>,
    old: Option<&PackageFiles>,
    new: &PackageFiles,
) -> Vec<FileDiff> {
    let mut diffs = Vec::new();
    for path in paths {
        let before = old.and_then(|files| files.get(path));
        let after = new.get(path);
        let status = match (before, after) {
            (None, None) => continue,
            (Some(a), Some(b)) if a == b => continue,
            (None, Some(_)) => crate::FileStatus::Added,
            (Some(_), None) => crate::FileStatus::Removed,
            (Some(_), Some(_)) => crate::FileStatus::Modified,
        };
        let diff = match (utf8(before), utf8(after)) {
            (Ok(a), Ok(b)) => {
                let mut diff = similar::TextDiff::from_lines(a, b)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{path}"), &format!("b/{path}"))
                    .to_string();
                if diff.len() > MAX_FILE_DIFF_BYTES {
                    let mut cut = MAX_FILE_DIFF_BYTES;
                    while !diff.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    diff.truncate(cut);
                    diff.push_str("\n[diff cut: longer than 16 KiB]\n");
                }
                diff
            }
            _ => "binary files differ\n".to_owned(),
        };
        diffs.push(FileDiff {
            path: path.clone(),
            status,
            diff,
        });
    }
    diffs
}

/// Gives each change the findings of its head version that its base version did not have
/// (`new_findings`) and those of its base version that its head version has no more
/// (`resolved_findings`). Findings of packages that are not part of a change are dropped.
pub fn attach_findings(diffs: &mut [LockfileDiff], base: &[Finding], head: &[Finding]) {
    for diff in diffs.iter_mut() {
        for change in &mut diff.changes {
            let of = |findings: &[Finding], purl: Option<&str>| -> Vec<Finding> {
                let Some(purl) = purl else {
                    return Vec::new();
                };
                findings
                    .iter()
                    .filter(|f| f.lockfile.as_deref() == Some(diff.path.as_str()))
                    .filter(|f| f.purl.as_deref() == Some(purl))
                    .cloned()
                    .collect()
            };
            let old = of(base, change.old_purl.as_deref());
            let new = of(head, change.new_purl.as_deref());
            let old_keys: BTreeSet<_> = old.iter().map(identity).collect();
            let new_keys: BTreeSet<_> = new.iter().map(identity).collect();
            change
                .new_findings
                .extend(new.into_iter().filter(|f| !old_keys.contains(&identity(f))));
            change
                .resolved_findings
                .extend(old.into_iter().filter(|f| !new_keys.contains(&identity(f))));
        }
    }
}

/// What makes two findings of two versions the same finding.
fn identity(finding: &Finding) -> (String, Option<String>, String) {
    let summary = match finding.version.as_deref() {
        Some(version) if !version.is_empty() => finding.summary.replace(version, "{version}"),
        _ => finding.summary.clone(),
    };
    (finding.code.clone(), finding.id.clone(), summary)
}

/// The diff's own finding for each change whose head version left the registry for git, a
/// URL or a path (`medium`: such a version bypasses the registry's checks, and is how a
/// hijacked dependency is often swapped in).
pub fn source_findings(diffs: &mut [LockfileDiff]) {
    for diff in diffs.iter_mut() {
        for change in &mut diff.changes {
            let (Some(old), Some(new)) = (&change.old_source, &change.new_source) else {
                continue;
            };
            if !change.source_changed || !matches!(old, Source::Registry { .. }) {
                continue;
            }
            let summary = format!(
                "{} now comes from {} instead of the registry",
                change.name,
                describe_source(new)
            );
            let finding = change_finding(
                change,
                &diff.path,
                CODE_SOURCE_CHANGED,
                Severity::Medium,
                summary,
            );
            change.new_findings.push(finding);
        }
    }
}

/// Records a license change (`licenses` gives each version's license when known: the
/// lock's, else the registry's) with a `license-changed` finding (`low`: a relicensing
/// needs a person's look, the `licenses` policy check judges the license itself).
pub fn license_changes(
    diffs: &mut [LockfileDiff],
    licenses: impl Fn(&PackageChange) -> (Option<String>, Option<String>),
) {
    for diff in diffs.iter_mut() {
        for change in &mut diff.changes {
            if change.old_version.is_none() || change.new_version.is_none() {
                continue;
            }
            let (Some(old), Some(new)) = licenses(change) else {
                continue;
            };
            if old.trim() == new.trim() {
                continue;
            }
            let summary = format!("{}: license changed from {old} to {new}", change.name);
            let finding = change_finding(
                change,
                &diff.path,
                CODE_LICENSE_CHANGED,
                Severity::Low,
                summary,
            );
            change.new_findings.push(finding);
            change.license = Some(LicenseChange { old, new });
        }
    }
}

/// Records a provenance change (`provenance` gives each version's, from registry metadata)
/// when both are known and differ. No finding of its own: `[provenance] no-downgrade` judges
/// it in the gate pipeline, so it is not reported twice.
pub fn provenance_changes(
    diffs: &mut [LockfileDiff],
    provenance: impl Fn(&PackageChange) -> (Provenance, Provenance),
) {
    for change in diffs.iter_mut().flat_map(|diff| diff.changes.iter_mut()) {
        if change.old_version.is_none() || change.new_version.is_none() {
            continue;
        }
        let (old, new) = provenance(change);
        if old != new && old != Provenance::Unknown && new != Provenance::Unknown {
            change.provenance = Some(ProvenanceChange { old, new });
        }
    }
}

/// A finding about `change`'s head version.
fn change_finding(
    change: &PackageChange,
    lockfile: &str,
    code: &str,
    severity: Severity,
    summary: String,
) -> Finding {
    let mut package = tollgate_model::Package::new(
        change.ecosystem,
        change.name.clone(),
        change.new_version.clone().unwrap_or_default(),
    );
    package.line = change.line;
    package.purl = change.new_purl.clone().unwrap_or(package.purl);
    let mut finding = Finding::for_package(code, severity, &package, lockfile, summary);
    finding.direct = change.direct;
    finding
}

/// `git https://…`, `the path ../x`, `the URL https://…`.
fn describe_source(source: &Source) -> String {
    match source {
        Source::Registry { url } => format!("the registry {}", url.as_deref().unwrap_or("")),
        Source::Git { url, commit, .. } => match commit {
            Some(commit) => format!("git {url} at {commit}"),
            None => format!("git {url}"),
        },
        Source::Path { path, .. } => format!("the path {path}"),
        Source::Url { url } => format!("the URL {url}"),
        Source::Unknown => "an unrecorded source".to_owned(),
    }
}

/// Records, for every change `--deep` analysed the head's version of, its verdict and what
/// is new since the base's version. `base` and `head` are the analysis reports of each side
/// with their lockfile paths; `files` gives a version's files by (lockfile, package URL)
/// when they can be had (the artifact cache), for the diffs of the install-time files.
pub fn code_changes(
    diffs: &mut [LockfileDiff],
    base: &[(String, PackageReport)],
    head: &[(String, PackageReport)],
    files: &dyn Fn(&str, &str) -> Option<PackageFiles>,
) {
    let find = |reports: &'_ [(String, PackageReport)], lockfile: &str, purl: &str| {
        reports
            .iter()
            .find(|(path, report)| {
                path == lockfile
                    && package_url(report.ecosystem, &report.name, &report.version) == purl
            })
            .map(|(_, report)| report.clone())
    };
    for diff in diffs.iter_mut() {
        for change in &mut diff.changes {
            if change.kind == ChangeKind::Removed {
                continue;
            }
            let Some(new) = change
                .new_purl
                .as_deref()
                .and_then(|p| find(head, &diff.path, p))
            else {
                continue;
            };
            let old = change
                .old_purl
                .as_deref()
                .and_then(|p| find(base, &diff.path, p));
            let mut code = compare_code(old.as_ref(), &new);
            if code.old_code_digest != code.new_code_digest {
                let paths: BTreeSet<String> = old
                    .iter()
                    .chain([&new])
                    .flat_map(|r| &r.hooks)
                    .flat_map(|h| h.entry_files.iter().cloned())
                    .collect();
                let new_files = change
                    .new_purl
                    .as_deref()
                    .and_then(|p| files(&diff.path, p));
                if let Some(new_files) = new_files {
                    let old_files = change
                        .old_purl
                        .as_deref()
                        .and_then(|p| files(&diff.path, p));
                    code.files = file_diffs(&paths, old_files.as_ref(), &new_files);
                }
            }
            change.install_code = Some(code);
        }
    }
}

/// The head's report against the base's.
fn compare_code(old: Option<&PackageReport>, new: &PackageReport) -> CodeChange {
    let hook_key = |hook: &Hook| (hook.phase, hook.command.clone());
    let reason_key =
        |reason: &Reason| (reason.rule.clone(), reason.file.clone(), reason.why.clone());
    let old_hooks: BTreeSet<_> = old.iter().flat_map(|r| &r.hooks).map(hook_key).collect();
    let old_reasons: BTreeSet<_> = old
        .iter()
        .flat_map(|r| &r.verdict.reasons)
        .map(reason_key)
        .collect();
    CodeChange {
        old_verdict: old.map(|r| r.verdict.level),
        new_verdict: new.verdict.level,
        new_score: new.verdict.score,
        old_code_digest: old.and_then(|r| r.code_digest.clone()),
        new_code_digest: new.code_digest.clone(),
        new_hooks: new
            .hooks
            .iter()
            .filter(|h| !old_hooks.contains(&hook_key(h)))
            .cloned()
            .collect(),
        new_reasons: new
            .verdict
            .reasons
            .iter()
            .filter(|r| !old_reasons.contains(&reason_key(r)))
            .cloned()
            .collect(),
        files: Vec::new(),
    }
}
