//! `tollgate diff [BASE [HEAD]]`: what a change to the lockfiles changes in what runs. Reads
//! the lockfiles of two git revisions from git's object store (or the working tree, or two
//! lockfile paths), compares them (`tollgate-diff`), runs the gate pipeline
//! (`tollgate-gate`'s `Checker::check_changed`: advisories, names, bans, cooldown) over
//! the changed packages of each side, each lockfile under its own policy (`diff_policy`:
//! `--config`, else for two revisions the nearest `tollgate.toml` at or above the
//! lockfile's path as committed at the base, or at the head with `--policy-from head`;
//! for two lockfile paths the nearest on disk, as `scan`), and reports per change what
//! is new and what went away. With `--deep` the install-time code of both
//! versions is fetched and judged (`tollgate-analysis`): the verdicts, new hooks and
//! reasons, and unified diffs of the install-time files that changed.
//!
//! Exit status: 1 when a NEW finding is at or above `--fail-on` (findings the base already
//! had do not count), 2 on any error (a revision git does not know, a lockfile that does
//! not parse, no advisory index without `--allow-missing-db`), else 0.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use tollgate_advisory::Index;
use tollgate_analysis::PackageFiles;
use tollgate_analysis::deep::ArtifactSource as _;
use tollgate_diff::git::{self, Repo};
use tollgate_diff::{DiffReport, LockfileDiff, Summary, review};
use tollgate_gate::{Checker, PackageFacts, PolicyScope};
use tollgate_lockfile::{DiscoveredFile, Inventory};
use tollgate_model::{FileError, Finding, Severity};
use tollgate_policy::{Config, MetadataSource};
use tollgate_report::findings::ScanReport;

use crate::commands::db::DbLocation;
use crate::commands::db_age;
use crate::commands::diff_policy::{self, PolicyFrom, RevisionPolicies};
use crate::commands::inspect::RegistrySource;
use crate::commands::policies::PolicyGroup;
use crate::commands::scan::deep_scan_with_bar;
use crate::exit::Status;
use crate::registry::RegistryMetadata;

/// `tollgate diff`.
/// Output formats for a diff report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Lines per lockfile and change.
    Table,
    /// The JSON document described in docs/json.md.
    Json,
    /// SARIF 2.1.0 of the new findings, for GitHub code scanning.
    Sarif,
    /// Markdown for a pull-request comment (collapsed details, under GitHub's size limit).
    Markdown,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The base: a git revision, or a lockfile path (then HEAD must be one too) [default:
    /// the merge base of HEAD with the default branch: origin/HEAD, else main, else master].
    #[arg(value_name = "BASE")]
    pub base: Option<String>,
    /// The head: a git revision, or a lockfile path [default: the working tree].
    #[arg(value_name = "HEAD")]
    pub head: Option<String>,
    /// Output format (Markdown is made for a pull-request comment or a job summary).
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Exit with status 1 when a NEW finding is at or above this severity (info, low,
    /// medium, high, critical) or verdict (`suspicious`: the `high` of a suspicious
    /// install-code finding, `malicious`: `critical`); findings the base already had
    /// never fail.
    #[arg(long, value_name = "LEVEL", default_value = "low", value_parser = crate::fail_on::parse)]
    pub fail_on: Severity,
    /// The database location.
    #[command(flatten)]
    pub location: DbLocation,
    /// Compare without an advisory index (advisories are then not checked, and a note
    /// says so) instead of exiting 2.
    #[arg(long)]
    pub allow_missing_db: bool,
    /// The policy file for every lockfile [default: for each lockfile the nearest
    /// `tollgate.toml` at or above its path, up to the repository root, as committed at
    /// the side `--policy-from` names; for two lockfile paths the nearest on disk, as
    /// `scan`; without one, the built-in defaults].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Whose policy files apply when comparing git revisions: `base` (the trusted side:
    /// a pull request cannot loosen the policy its own change is reviewed under) or
    /// `head` (for the working tree, the files on disk) [default: base].
    #[arg(long, value_enum, value_name = "SIDE", conflicts_with = "config")]
    pub policy_from: Option<PolicyFrom>,
    /// Hide the advisory with this id or alias (repeat for several), as `scan --ignore`:
    /// no reason or expiry, and the notes list it.
    #[arg(long = "ignore", value_name = "ID")]
    pub ignore: Vec<String>,
    /// Warn (`db-stale`) when the newest advisory record of a compared ecosystem is older
    /// than this many days (default: the strictest `[advisories] max-db-age` of the
    /// applying policies, else 7), as `scan --max-db-age`.
    #[arg(long, value_name = "DAYS")]
    pub max_db_age: Option<u32>,
    /// Also fetch both versions of every changed package that runs install-time code
    /// (verified against the lockfile's hash) and compare the verdicts: new hooks and new
    /// reasons.
    #[arg(long)]
    pub deep: bool,
    /// Ask the registries (answers cached for 24 h) for publish times, licenses and
    /// whether names exist: release age against the cooldown, license changes, names
    /// that do not exist.
    #[arg(long)]
    pub registry_metadata: bool,
    /// With --deep or --registry-metadata: answer from the cache only.
    #[arg(long)]
    pub offline: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The two sides, parsed, and where the policy is looked for.
struct Sides {
    base_label: String,
    head_label: String,
    base: Inventory,
    head: Inventory,
    /// What lockfile paths are relative to: the repository root, or the current directory
    /// for two lockfile paths.
    root: PathBuf,
    /// For two git revisions: the policy files of each side.
    revisions: Option<RevisionPolicies>,
}

impl Sides {
    /// Every lockfile path of either side, where it is (or would be) on disk: where the
    /// search for its policy starts.
    fn files(&self) -> Vec<DiscoveredFile> {
        let mut files: Vec<DiscoveredFile> = Vec::new();
        for lockfile in self.base.lockfiles.iter().chain(&self.head.lockfiles) {
            if files.iter().all(|f| f.display != lockfile.path) {
                files.push(DiscoveredFile {
                    path: self.root.join(&lockfile.path),
                    display: lockfile.path.clone(),
                    format: lockfile.format,
                });
            }
        }
        files
    }
}

/// Compares, checks and prints.
pub fn run(args: &DiffArgs) -> anyhow::Result<Status> {
    let sides = read_sides(args)?;
    let mut diffs = tollgate_diff::compare(&sides.base, &sides.head);
    let applied = diff_policy::applied(
        args.config.as_deref(),
        args.policy_from,
        sides.revisions.as_ref(),
        &sides.files(),
    )?;
    let groups = &applied.groups;
    for diff in &mut diffs {
        diff.policy = groups
            .iter()
            .find(|g| g.lockfiles.contains(&diff.path))
            .map(PolicyGroup::label);
        diff.policy_revision.clone_from(&applied.revision);
    }
    let scopes: Vec<PolicyScope<'_>> = groups
        .iter()
        .map(|group| PolicyScope {
            config: &group.config,
            lockfiles: &group.lockfiles,
            roots: None,
            trust_root: None,
        })
        .collect();
    // `--deep` downloads from the configured registries and those of the applying
    // policies only.
    let sources: Vec<String> = groups
        .iter()
        .flat_map(|group| group.config.sources.registries.values().flatten())
        .cloned()
        .collect();
    let mut notes = Vec::new();
    let facts: Box<dyn PackageFacts> = if args.registry_metadata {
        Box::new(RegistryMetadata::from_process(args.offline)?)
    } else {
        notes.push(
            "registry metadata not consulted (--registry-metadata): release age and licenses \
             use what the lockfiles record, provenance is unknown"
                .to_owned(),
        );
        Box::new(tollgate_policy::Offline)
    };
    let index = Index::open(&args.location.dir()?);
    // The checker's own policy is unused: `check_changed` gets each lockfile's.
    let checker = Checker::new(
        Config::default(),
        facts.as_ref(),
        index,
        args.allow_missing_db,
    )?;
    notes.extend(checker.gaps());
    let mut warnings: Vec<FileError> = Vec::new();
    let policy_changes = sides
        .revisions
        .as_ref()
        .map(|r| r.base.changed(&r.head))
        .unwrap_or_default();
    for path in policy_changes {
        warnings.push(FileError {
            code: Some("policy-changed".to_owned()),
            path,
            line: None,
            column: None,
            message: format!(
                "the policy changed between {} and {}; this diff applies {}, so review the policy change itself",
                sides.base_label, sides.head_label, applied.description
            ),
        });
    }
    if let Some(index) = checker.index() {
        let ecosystems = sides.base.lockfiles.iter().chain(&sides.head.lockfiles);
        let freshness = db_age::freshness(
            index,
            ecosystems.map(|l| l.ecosystem),
            db_age::max_db_age(args.max_db_age, groups),
        );
        notes.extend(freshness.note);
        warnings.extend(freshness.warnings);
    }
    let (old_side, new_side) = tollgate_diff::changed_packages(&sides.base, &sides.head, &diffs);
    let mut check = |side: &Inventory| -> anyhow::Result<Vec<Finding>> {
        let checked = checker
            .check_changed(side, &scopes, &args.ignore)
            .context("checking the changed packages")?;
        // Both sides share their policies' notes: each once.
        for note in checked.notes {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        warnings.extend(checked.warnings);
        Ok(checked.findings)
    };
    let mut base_findings = check(&old_side)?;
    let mut head_findings = check(&new_side)?;
    let source = if args.deep {
        Some(RegistrySource::from_process(
            args.offline,
            sources.iter().map(String::as_str),
        )?)
    } else {
        None
    };
    let deep = if let Some(source) = &source {
        let base_deep =
            deep_scan_with_bar(&old_side, source, "analysing the base's install-time code");
        let head_deep =
            deep_scan_with_bar(&new_side, source, "analysing the head's install-time code");
        for (package, why) in base_deep.errors.iter().chain(&head_deep.errors) {
            warnings.push(FileError {
                code: None,
                path: package.clone(),
                line: None,
                column: None,
                message: format!("install-time code not analysed: {why}"),
            });
        }
        base_findings.extend(base_deep.findings.iter().cloned());
        head_findings.extend(head_deep.findings.iter().cloned());
        Some((base_deep, head_deep))
    } else {
        None
    };
    review::attach_findings(&mut diffs, &base_findings, &head_findings);
    review::source_findings(&mut diffs);
    let metadata: &dyn MetadataSource = facts.as_ref();
    review::license_changes(&mut diffs, |change| {
        let license = |version: Option<&String>| {
            let version = version?;
            lock_license(&sides, &change.name, version).or_else(|| {
                metadata
                    .license(change.ecosystem, &change.name, version)
                    .ok()
                    .flatten()
            })
        };
        (
            license(change.old_version.as_ref()),
            license(change.new_version.as_ref()),
        )
    });
    review::provenance_changes(&mut diffs, |change| {
        // Without --registry-metadata the source knows nothing: both unknown, nothing recorded.
        let history = metadata
            .provenance(change.ecosystem, &change.name)
            .ok()
            .flatten()
            .unwrap_or_default();
        let of = |version: Option<&String>| {
            version
                .and_then(|version| history.get(version).cloned())
                .unwrap_or_default()
        };
        (
            of(change.old_version.as_ref()),
            of(change.new_version.as_ref()),
        )
    });
    if let (Some((base_deep, head_deep)), Some(source)) = (&deep, &source) {
        // The artifacts are in the verified cache after the deep scans: reading them again
        // for the file diffs costs no download.
        let files = |lockfile: &str, purl: &str| {
            let package = [&old_side, &new_side]
                .into_iter()
                .flat_map(|side| &side.lockfiles)
                .filter(|l| l.path == lockfile)
                .flat_map(|l| &l.packages)
                .find(|p| p.purl == purl)?;
            let artifact = source.fetch(package).ok()?;
            PackageFiles::from_archive(&artifact.filename, &artifact.bytes).ok()
        };
        review::code_changes(&mut diffs, &base_deep.reports, &head_deep.reports, &files);
    }
    sort_findings(&mut diffs);
    for lockfile in &sides.head.lockfiles {
        warnings.extend(lockfile.warnings.iter().cloned());
    }
    let mut errors = sides.base.errors.clone();
    errors.extend(sides.head.errors.iter().cloned());
    let report = DiffReport {
        base: sides.base_label,
        head: sides.head_label,
        summary: Summary::of(&diffs),
        lockfiles: diffs,
        notes,
        warnings,
        errors,
    };
    print(args, &report)?;
    Ok(if !report.errors.is_empty() {
        Status::Error
    } else if report.new_findings().any(|f| f.severity >= args.fail_on) {
        Status::Findings
    } else {
        Status::Clean
    })
}

/// The license the lock records for `name@version` on either side.
fn lock_license(sides: &Sides, name: &str, version: &str) -> Option<String> {
    [&sides.base, &sides.head]
        .into_iter()
        .flat_map(|inventory| &inventory.lockfiles)
        .flat_map(|lockfile| &lockfile.packages)
        .find(|p| p.name == name && p.version == version)
        .and_then(|p| p.license.clone())
}

/// The most serious finding first within each change.
fn sort_findings(diffs: &mut [LockfileDiff]) {
    for change in diffs.iter_mut().flat_map(|d| &mut d.changes) {
        for list in [&mut change.new_findings, &mut change.resolved_findings] {
            list.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        }
    }
}

/// Two lockfile paths, or two sides of a repository.
fn read_sides(args: &DiffArgs) -> anyhow::Result<Sides> {
    if let Some(base) = args
        .base
        .as_deref()
        .filter(|base| Path::new(base).is_file())
    {
        let Some(head) = args.head.as_deref() else {
            bail!("BASE {base} is a file: give HEAD as a lockfile path too");
        };
        return read_files(base, head);
    }
    let repo = Repo::discover(Path::new("."))
        .context("tollgate diff compares git revisions: run it inside a git repository, or give two lockfile paths")?;
    let base_commit = match args.base.as_deref() {
        Some(revision) => repo.resolve(revision)?,
        None => repo.default_base()?,
    };
    let base_label = label(args.base.as_deref().unwrap_or("merge base"), &base_commit);
    let mut base_files = repo
        .lockfiles_at(&base_commit)
        .with_context(|| format!("reading the lockfiles of {base_label}"))?;
    let head_commit = match args.head.as_deref() {
        Some(revision) => Some(repo.resolve(revision)?),
        None => None,
    };
    let (head_label, mut head_files) = match (args.head.as_deref(), &head_commit) {
        (Some(revision), Some(commit)) => {
            let label = label(revision, commit);
            let files = repo
                .lockfiles_at(commit)
                .with_context(|| format!("reading the lockfiles of {label}"))?;
            (label, files)
        }
        _ => (
            "working tree".to_owned(),
            repo.lockfiles_in_worktree()
                .context("reading the lockfiles of the working tree")?,
        ),
    };
    let revisions = RevisionPolicies {
        base: repo
            .policy_files(Some(&base_commit))
            .with_context(|| format!("reading the policy files of {base_label}"))?,
        head: repo
            .policy_files(head_commit.as_deref())
            .with_context(|| format!("reading the policy files of {head_label}"))?,
        base_label: base_label.clone(),
        head_label: head_label.clone(),
        head_is_worktree: head_commit.is_none(),
        root: repo.root().to_owned(),
    };
    git::drop_unchanged(&mut base_files, &mut head_files);
    Ok(Sides {
        base_label,
        head_label,
        base: git::parse_all(&base_files),
        head: git::parse_all(&head_files),
        root: repo.root().to_owned(),
        revisions: Some(revisions),
    })
}

/// `main (3f2a9c1d0b4e)`.
fn label(revision: &str, commit: &str) -> String {
    format!("{revision} ({})", &commit[..commit.len().min(12)])
}

/// Two lockfile paths: each is parsed by its own name, and both are reported under the
/// head's path so that they pair.
fn read_files(base: &str, head: &str) -> anyhow::Result<Sides> {
    let parse = |path: &str, display: &str| -> anyhow::Result<Inventory> {
        let format = tollgate_lockfile::detect_format(Path::new(path))
            .with_context(|| format!("{path} is not a lockfile tollgate recognizes by its name"))?;
        let mut inventory = Inventory::default();
        match tollgate_lockfile::parse_file(Path::new(path), display, format) {
            Ok(lockfile) => inventory.lockfiles.push(lockfile),
            Err(error) => inventory.errors.push(error.to_file_error()),
        }
        Ok(inventory)
    };
    let mut base_inventory = parse(base, head)?;
    // Errors name the file that failed, not the shared display path.
    for error in &mut base_inventory.errors {
        error.path = base.to_owned();
    }
    Ok(Sides {
        base_label: base.to_owned(),
        head_label: head.to_owned(),
        base: base_inventory,
        head: parse(head, head)?,
        root: PathBuf::from("."),
        revisions: None,
    })
}

/// Prints the report in the chosen format.
fn print(args: &DiffArgs, report: &DiffReport) -> anyhow::Result<()> {
    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("creating the report file {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = tollgate_report::SafeLines::new(std::io::BufWriter::new(&mut out));
    match args.format {
        DiffFormat::Table => tollgate_report::diff::write_table(&mut out, report),
        DiffFormat::Json => serde_json::to_writer_pretty(&mut out, report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        DiffFormat::Markdown => tollgate_report::diff::write_markdown(&mut out, report),
        DiffFormat::Sarif => {
            let scan = ScanReport {
                findings: report.new_findings().cloned().collect(),
                errors: report.errors.clone(),
                warnings: report.warnings.clone(),
                ..ScanReport::default()
            };
            tollgate_report::sarif::write_sarif(&mut out, &scan)
        }
    }
    .and_then(|()| out.flush())
    .with_context(|| match &args.output {
        Some(path) => format!("writing the diff report to {}", path.display()),
        None => "writing the diff report to standard output".to_owned(),
    })?;
    if !matches!(args.format, DiffFormat::Table | DiffFormat::Markdown) || args.output.is_some() {
        let stderr = std::io::stderr();
        let mut err = tollgate_report::SafeLines::new(stderr.lock());
        // `-q`: errors only.
        for note in report.notes.iter().filter(|_| !crate::output::quiet()) {
            writeln!(err, "note: {}", tollgate_model::escape_text(note))?;
        }
        for error in &report.errors {
            writeln!(
                err,
                "error: {}",
                tollgate_model::escape_text(&error.to_string())
            )?;
        }
    }
    Ok(())
}
