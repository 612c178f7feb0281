//! `tollgate scan`: the main job. Inventory every lockfile, open the advisory index, with
//! `--deep` analyse the install-time code of every package that runs any, and check it all
//! with the gate's pipeline (`tollgate_gate::pipeline`: advisories minus the policy's
//! ignores, the policy checks of `tollgate.toml`, trust); one report.
//!
//! Exit status: 0 when nothing is at or above `--fail-on`, 1 when something is, 2 on any
//! error (an unreadable lockfile, an unusable index, or no index without
//! `--allow-missing-db`). Findings are still printed when the status is 2.

use std::collections::{BTreeSet, HashMap};
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use tollgate_advisory::{Error as AdvisoryError, Index};
use tollgate_analysis::PackageReport;
use tollgate_analysis::deep::DeepScan;
use tollgate_gate::PolicyScope;
use tollgate_lockfile::Inventory;
use tollgate_model::{Ecosystem, FileError, Severity};
use tollgate_model::{Lockfile, Package, package_url};
use tollgate_policy::{
    InstallCode, InstallCodeSource, Level, LockHints, MetadataSource, PopularNames,
};
use tollgate_report::findings::{AdvisoryStatus, AnalysedPackage, ScanReport, ScannedLockfile};

use crate::commands::db::{DbLocation, age_days};
use crate::commands::db_age;
use crate::commands::inspect::RegistrySource;
use crate::commands::policies::{PolicyGroup, policy_groups};
use crate::exit::Status;
use crate::output::quiet;
use crate::registry::RegistryMetadata;

/// Output formats for findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// An aligned table.
    Table,
    /// The JSON document described in docs/json.md.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// Markdown, for pull-request comments and job summaries.
    Markdown,
    /// A CycloneDX 1.6 SBOM (JSON): every locked package, the dependency graph, and the
    /// advisory findings as vulnerabilities (ignored ones with their analysis).
    /// `SOURCE_DATE_EPOCH` fixes the timestamp.
    Cyclonedx,
    /// An SPDX 2.3 SBOM (JSON): every locked package and the dependency relationships.
    /// `SOURCE_DATE_EPOCH` fixes the timestamp.
    Spdx,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `tollgate scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Lockfiles or directories to scan; directories are walked (honouring .gitignore).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,
    /// Exit with status 1 when a finding is at or above this severity (info, low, medium,
    /// high, critical) or verdict (`suspicious`: the `high` of a suspicious install-code
    /// finding, `malicious`: `critical`).
    #[arg(long, value_name = "LEVEL", default_value = "low", value_parser = crate::fail_on::parse)]
    pub fail_on: Severity,
    /// The database location.
    #[command(flatten)]
    pub location: DbLocation,
    /// Scan without an advisory index (exit 0/1 instead of 2); advisories are not checked.
    #[arg(long)]
    pub allow_missing_db: bool,
    /// Hide the advisory with this id or alias (repeat for several); unlike a policy
    /// ignore it has no reason or expiry, and every report lists it.
    #[arg(long = "ignore", value_name = "ID")]
    pub ignore: Vec<String>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colour the table by severity: auto (a terminal, honouring NO_COLOR and
    /// CLICOLOR_FORCE), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Finding no lockfile at all is not an error (by default it exits 2: nothing was
    /// checked).
    #[arg(long)]
    pub allow_empty: bool,
    /// Warn (`db-stale`) when the newest advisory record of a scanned ecosystem is older
    /// than this many days (default: `[advisories] max-db-age` of the policy, else 7).
    #[arg(long, value_name = "DAYS")]
    pub max_db_age: Option<u32>,
    /// The policy file for every lockfile (default: for each lockfile the nearest
    /// `tollgate.toml` at or above it, up to the repository root; without one, the
    /// built-in defaults of docs/checks.md apply).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Also download every package that runs install-time code (verified against the
    /// lockfile's hash) and analyse what that code does.
    #[arg(long)]
    pub deep: bool,
    /// Ask the registries (the addresses of your npm/pip/uv/cargo configuration; answers
    /// cached for 24 h) for publish times, licenses and whether names exist, for the
    /// cooldown, licenses and names checks. Without it those checks use what the lockfiles
    /// record.
    #[arg(long)]
    pub registry_metadata: bool,
    /// With --deep or --registry-metadata: answer from the cache only; never touch the
    /// network.
    #[arg(long)]
    pub offline: bool,
}

/// Runs the scan and prints the report.
///
/// The work runs on two threads where it can: each scanned ecosystem's typosquat index is
/// built while the lockfiles parse, and advisory matching runs while the policy checks
/// do. The report does not depend on it: parts are merged in a fixed order and findings
/// are sorted.
pub fn run(args: &ScanArgs) -> anyhow::Result<Status> {
    let (files, discovery_errors) = tollgate_lockfile::discover(&args.paths);
    if files.is_empty() && discovery_errors.is_empty() && !args.allow_empty {
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        anyhow::bail!(
            "no lockfiles found under {} (looked for Cargo.lock, package-lock.json, \
             npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, bun.lock, uv.lock, poetry.lock, \
             Pipfile.lock, pdm.lock, pylock*.toml, requirements*.txt; .gitignore is honoured): \
             nothing was checked. Pass --allow-empty if that is expected",
            paths.join(", ")
        );
    }
    let groups = policy_groups(args.config.as_deref(), &args.paths, &files)?;
    let max_db_age = db_age::max_db_age(args.max_db_age, &groups);
    std::thread::scope(|scope| {
        let typosquat = groups
            .iter()
            .any(|g| g.config.names.level != Level::Allow && g.config.names.typosquat);
        if typosquat {
            let ecosystems: BTreeSet<Ecosystem> =
                files.iter().map(|file| file.format.ecosystem()).collect();
            scope.spawn(move || {
                for ecosystem in ecosystems {
                    PopularNames::shipped().prepare(ecosystem);
                }
            });
        }
        let started = std::time::Instant::now();
        let inventory = tollgate_lockfile::parse_discovered(&files, discovery_errors);
        crate::output::detail(&format!(
            "parsed {} lockfiles ({} packages) in {} ms",
            inventory.lockfiles.len(),
            inventory
                .lockfiles
                .iter()
                .map(|l| l.packages.len())
                .sum::<usize>(),
            started.elapsed().as_millis()
        ));
        scan_inventory(args, &groups, max_db_age, &inventory)
    })
}

/// Everything after parsing: the advisory index, registry metadata, `--deep`, then the
/// gate's pipeline (advisories, and each lockfile under the policy that applies to it);
/// then the report.
fn scan_inventory(
    args: &ScanArgs,
    groups: &[PolicyGroup],
    max_db_age: u32,
    inventory: &Inventory,
) -> anyhow::Result<Status> {
    let advisories = open_index(args, max_db_age, inventory)?;
    let mut later_notes = Vec::new();
    let mut deep_warnings = Vec::new();
    let metadata: Box<dyn MetadataSource> = if args.registry_metadata {
        Box::new(RegistryMetadata::from_process(args.offline)?)
    } else {
        later_notes.push(
            "registry metadata not consulted (--registry-metadata): cooldown, licenses and \
             names use what the lockfiles record"
                .to_owned(),
        );
        Box::new(tollgate_policy::Offline)
    };
    let deep = if args.deep {
        Some(deep_scan(args, groups, inventory, &mut deep_warnings)?)
    } else {
        None
    };
    let analysed = AnalysedInstallCode::new(deep.as_ref());
    let mut context = tollgate_policy::Context::new(metadata.as_ref(), jiff::Timestamp::now());
    context.install_code = &analysed;
    let policies: Vec<PolicyScope<'_>> = groups
        .iter()
        .map(|group| PolicyScope {
            config: &group.config,
            lockfiles: &group.lockfiles,
            roots: Some(&group.roots),
            trust_root: Some(&group.root),
        })
        .collect();
    let checked = tollgate_gate::pipeline::check(
        inventory,
        &policies,
        advisories.index.as_ref(),
        &context,
        &args.ignore,
    )?;

    let mut report = ScanReport {
        errors: inventory.errors.clone(),
        lockfiles: scanned_lockfiles(inventory),
        advisories: advisories.status,
        ..ScanReport::default()
    };
    for lockfile in &mut report.lockfiles {
        lockfile.policy = groups
            .iter()
            .find(|g| g.lockfiles.contains(&lockfile.path))
            .map(PolicyGroup::label);
    }
    report.errors.extend(advisories.errors);
    report.errors.extend(checked.errors);
    for lockfile in &inventory.lockfiles {
        report.warnings.extend(lockfile.warnings.iter().cloned());
    }
    report.warnings.extend(advisories.warnings);
    report.warnings.extend(checked.warnings);
    report.warnings.extend(deep_warnings);
    report.advisories.notes.extend(checked.notes);
    report.advisories.notes.extend(later_notes);
    report.findings = checked.findings;
    report.ignored = checked.ignored;
    if let Some(deep) = deep {
        report.packages = analysed_packages(&deep);
        report.findings.extend(deep.findings);
    }
    print_report(args, inventory, report, advisories.index_missing)
}

/// Sorts the findings, prints the report in the chosen format, and gives the exit status.
fn print_report(
    args: &ScanArgs,
    inventory: &Inventory,
    mut report: ScanReport,
    index_missing: bool,
) -> anyhow::Result<Status> {
    report.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.lockfile.cmp(&b.lockfile))
            .then_with(|| a.line.cmp(&b.line))
            .then_with(|| a.id.cmp(&b.id))
    });

    if args.format == ScanFormat::Sarif {
        sarif_paths_from_repository_root(&mut report);
    }
    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("creating the report file {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let color = args.format == ScanFormat::Table && use_color(args);
    // One buffered write instead of one per line (stdout is line-buffered).
    let buffered = std::io::BufWriter::new(&mut out);
    let mut out = if color {
        tollgate_report::SafeLines::with_color(buffered)
    } else {
        tollgate_report::SafeLines::new(buffered)
    };
    match args.format {
        ScanFormat::Table => {
            tollgate_report::findings::write_table_data(&mut out, &report, table_width(args), color)
        }
        ScanFormat::Json => tollgate_report::findings::write_json(&mut out, &report),
        ScanFormat::Sarif => tollgate_report::sarif::write_sarif(&mut out, &report),
        ScanFormat::Markdown => tollgate_report::markdown::write_markdown(&mut out, &report),
        ScanFormat::Cyclonedx => tollgate_report::cyclonedx::write_cyclonedx(
            &mut out,
            inventory,
            &report,
            &sbom_options()?,
        ),
        ScanFormat::Spdx => {
            tollgate_report::spdx::write_spdx(&mut out, inventory, &sbom_options()?)
        }
    }
    .and_then(|()| out.flush())
    .with_context(|| match &args.output {
        Some(path) => format!("writing the scan report to {}", path.display()),
        None => "writing the scan report to standard output".to_owned(),
    })?;
    drop(out);
    // Data on stdout (or --output), notes for people on stderr. Markdown carries its own
    // notes (it is a comment for people); errors always show.
    let stderr = std::io::stderr();
    let mut err = tollgate_report::SafeLines::new(stderr.lock());
    if crate::output::quiet() {
        for error in &report.errors {
            writeln!(
                err,
                "error: {}",
                tollgate_model::escape_text(&error.to_string())
            )?;
        }
    } else if args.format != ScanFormat::Markdown || args.output.is_some() {
        tollgate_report::findings::write_table_notes(&mut err, &report)?;
    }
    err.flush()?;
    drop(err);

    if !report.errors.is_empty() || (index_missing && !args.allow_missing_db) {
        Ok(Status::Error)
    } else if report.findings.iter().any(|f| f.severity >= args.fail_on) {
        Ok(Status::Findings)
    } else {
        Ok(Status::Clean)
    }
}

/// The SBOM's creation time: `SOURCE_DATE_EPOCH` (seconds since the epoch, the
/// reproducible-builds convention) when set, else now; in UTC, to the second.
fn sbom_options() -> anyhow::Result<tollgate_report::SbomOptions> {
    let time = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => {
            let seconds: i64 = value.trim().parse().with_context(|| {
                format!("SOURCE_DATE_EPOCH is `{value}`, not a number of seconds")
            })?;
            jiff::Timestamp::from_second(seconds)
                .with_context(|| format!("SOURCE_DATE_EPOCH {seconds} is out of range"))?
        }
        Err(_) => jiff::Timestamp::now(),
    };
    Ok(tollgate_report::SbomOptions {
        timestamp: time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    })
}

/// Whether to colour the table: `--color always|never`, else `CLICOLOR_FORCE` (not `0`)
/// forces it, `NO_COLOR` (set, not empty) turns it off, and otherwise only a terminal
/// gets colour.
fn use_color(args: &ScanArgs) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("CLICOLOR_FORCE") => true,
        ColorChoice::Auto if set("NO_COLOR") => false,
        ColorChoice::Auto => {
            use std::io::IsTerminal as _;
            args.output.is_none() && std::io::stdout().is_terminal()
        }
    }
}

/// The width a table must fit: the terminal's when stdout is one (else `COLUMNS`, else
/// no limit: a file or a pipe gets whole lines).
fn table_width(args: &ScanArgs) -> Option<usize> {
    if args.output.is_some() {
        return None;
    }
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(width, _)| usize::from(width.0))
        .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
        .filter(|width| *width > 0)
}

/// SARIF artifact URIs are resolved against the repository root by code scanning: make
/// every path relative to it (the nearest `.git` above the current directory), where it
/// lies inside.
fn sarif_paths_from_repository_root(report: &mut ScanReport) {
    let Ok(cwd) = std::env::current_dir() else {
        return;
    };
    let Some(root) = cwd.ancestors().find(|dir| dir.join(".git").exists()) else {
        return;
    };
    let relative = |path: &mut String| {
        let Ok(absolute) = std::path::absolute(&*path) else {
            return;
        };
        if let Ok(inside) = absolute.strip_prefix(root) {
            *path = inside.to_string_lossy().into_owned();
        }
    };
    for finding in &mut report.findings {
        if let Some(lockfile) = &mut finding.lockfile {
            relative(lockfile);
        }
        for evidence in &mut finding.evidence {
            relative(&mut evidence.path);
        }
    }
}

/// `--deep`'s analysis of `inventory` (two threads per core), with a progress bar named
/// `what` on stderr (a terminal only, none with `-q`); shared by `scan` and `diff`.
pub fn deep_scan_with_bar(
    inventory: &Inventory,
    source: &RegistrySource,
    what: &'static str,
) -> DeepScan {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get() * 2);
    // Made once the work list's length is known (the first call, with `done` 0).
    let bar = std::sync::OnceLock::new();
    let deep = tollgate_analysis::deep::deep_scan_with_progress(
        inventory,
        source,
        threads,
        &|done, total| {
            bar.get_or_init(|| tollgate_registry::progress_bar(total, what, !quiet()))
                .set_position(u64::try_from(done).unwrap_or(u64::MAX));
        },
    );
    if let Some(bar) = bar.get() {
        bar.finish_and_clear();
    }
    deep
}

/// `--deep`: fetch and analyse the install-time code of every package that may run any.
/// A package that cannot be fetched or read is a warning naming it, not a silent skip; one
/// whose download was refused (a host that is no configured registry, or a redirect to
/// one) is a `deep-source-refused` finding.
fn deep_scan(
    args: &ScanArgs,
    groups: &[PolicyGroup],
    inventory: &Inventory,
    warnings: &mut Vec<FileError>,
) -> anyhow::Result<DeepScan> {
    let sources = groups
        .iter()
        .flat_map(|group| group.config.sources.registries.values().flatten())
        .map(String::as_str);
    let source = RegistrySource::from_process(args.offline, sources)?;
    let started = std::time::Instant::now();
    let mut deep = deep_scan_with_bar(inventory, &source, "analysing install-time code");
    crate::output::detail(&format!(
        "--deep: {} packages analysed, {} not analysed, in {:.1}s",
        deep.reports.len(),
        deep.errors.len()
            + deep
                .findings
                .iter()
                .filter(|f| f.code == "deep-source-refused")
                .count(),
        started.elapsed().as_secs_f64()
    ));
    for (package, why) in std::mem::take(&mut deep.errors) {
        warnings.push(FileError {
            code: None,
            path: package,
            line: None,
            column: None,
            message: format!("install-time code not analysed: {why}"),
        });
    }
    Ok(deep)
}

/// The verdict on every package `--deep` analysed, for the JSON report.
fn analysed_packages(deep: &DeepScan) -> Vec<AnalysedPackage> {
    deep.reports
        .iter()
        .map(|(lockfile, report)| AnalysedPackage {
            lockfile: lockfile.clone(),
            purl: package_url(report.ecosystem, &report.name, &report.version),
            state: report.state.clone(),
            verdict: report.verdict.clone(),
        })
        .collect()
}

/// What runs at install time, for the `install-scripts` check: the analysed artifact when
/// `--deep` fetched it (exact, with the digest an allow-list entry can pin), else the lock.
struct AnalysedInstallCode<'a> {
    /// lockfile → package URL → the analysis of that package's artifact. The purl carries
    /// the ecosystem's name normalization, so the report's manifest spelling and the
    /// lock's spelling meet.
    reports: HashMap<&'a str, HashMap<String, &'a PackageReport>>,
}

impl<'a> AnalysedInstallCode<'a> {
    fn new(deep: Option<&'a DeepScan>) -> Self {
        let mut reports: HashMap<&str, HashMap<String, &PackageReport>> = HashMap::new();
        for (lockfile, report) in deep.into_iter().flat_map(|deep| &deep.reports) {
            let purl = package_url(report.ecosystem, &report.name, &report.version);
            reports
                .entry(lockfile.as_str())
                .or_default()
                .insert(purl, report);
        }
        AnalysedInstallCode { reports }
    }
}

impl InstallCodeSource for AnalysedInstallCode<'_> {
    fn install_code(&self, lockfile: &Lockfile, package: &Package) -> Option<InstallCode> {
        let analysed = self
            .reports
            .get(lockfile.path.as_str())
            .and_then(|by_purl| by_purl.get(package.purl.as_str()));
        let Some(report) = analysed else {
            return LockHints.install_code(lockfile, package);
        };
        if !report.state.runs_code() {
            return None;
        }
        Some(InstallCode {
            reason: format!("its artifact {}", report.state.label()),
            digest: report.code_digest.clone(),
            evidence: report
                .hooks
                .iter()
                .map(|hook| hook.evidence.clone())
                .collect(),
        })
    }
}

/// One summary line per scanned lockfile (path, format, package count).
pub fn scanned_lockfiles(inventory: &Inventory) -> Vec<ScannedLockfile> {
    inventory
        .lockfiles
        .iter()
        .map(|l| ScannedLockfile {
            path: l.path.clone(),
            format: l.format,
            ecosystem: l.ecosystem,
            packages: l.packages.len(),
            policy: None,
        })
        .collect()
}

/// The advisory index as the scan opened it.
#[derive(Default)]
struct AdvisoryCheck {
    /// The index, when there is a usable one.
    index: Option<Index>,
    status: AdvisoryStatus,
    /// Coverage warnings (`db-stale`, `db-no-coverage`).
    warnings: Vec<FileError>,
    /// The index exists but cannot be used.
    errors: Vec<FileError>,
    /// There is no index at all.
    index_missing: bool,
}

/// Opens the index, with its status and coverage warnings for the scanned ecosystems.
fn open_index(
    args: &ScanArgs,
    max_db_age: u32,
    inventory: &Inventory,
) -> anyhow::Result<AdvisoryCheck> {
    let mut check = AdvisoryCheck::default();
    let dir = args.location.dir()?;
    let index = match Index::open(&dir) {
        Ok(index) => index,
        Err(AdvisoryError::Missing { path }) => {
            check.status.notes.push(format!(
                "advisories were NOT checked: there is no advisory index at {}. Run `tollgate db update` \
                 to download the OSV exports, or `tollgate db import PATH` to import OSV files{}",
                path.display(),
                if args.allow_missing_db { "" } else { " (or pass --allow-missing-db to scan without it)" }
            ));
            check.index_missing = true;
            return Ok(check);
        }
        Err(error) => {
            check.errors.push(FileError {
                code: None,
                path: dir.display().to_string(),
                line: None,
                column: None,
                message: error.to_string(),
            });
            return Ok(check);
        }
    };
    let header = index.header();
    let age = age_days(&header.created);
    check.status = AdvisoryStatus {
        checked: true,
        database: Some(index.path().display().to_string()),
        records: header.records,
        newest_modified: header.newest_modified.clone(),
        age_days: age,
        notes: Vec::new(),
    };
    let freshness = db_age::freshness(
        &index,
        inventory.lockfiles.iter().map(|l| l.ecosystem),
        max_db_age,
    );
    check.status.notes.extend(freshness.note);
    check.warnings.extend(freshness.warnings);
    check.index = Some(index);
    Ok(check)
}
