//! `tollgate trust` (alias `tollgate vet`): check the lockfiles under PATH against the audit
//! records of a cargo-vet store (`supply-chain/`), offline, like `cargo vet --locked`, for
//! crates.io and, through ecosystem-qualified keys, npm and PyPI. `trust status` prints the
//! counts only; `trust import` adds a peer's audit set; `trust fetch` refreshes
//! `imports.lock` (the only subcommand that uses the network).
//!
//! Exit status: 0 when every evaluated package is vetted, 1 when one is not (or a
//! violation covers it), 2 when the store, the policy or a lockfile cannot be read.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use tollgate_model::FileError;
use tollgate_registry::HttpClient;
use tollgate_report::count;
use tollgate_report::trust as trust_report;
use tollgate_trust::check::Settings;
use tollgate_trust::fetch::{Fetch, ImportOutcome};
use tollgate_trust::{Store, evaluate};

use crate::commands::policy::{load_config, policy_root};
use crate::exit::Status;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrustFormat {
    /// Human-readable lines.
    Table,
    /// The JSON document described in docs/json.md.
    Json,
}

/// `tollgate trust`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TrustArgs {
    /// A subcommand; without one, the lockfiles are checked.
    #[command(subcommand)]
    pub command: Option<TrustCommand>,
    /// What to check.
    #[command(flatten)]
    pub check: CheckArgs,
}

/// The `trust` subcommands.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// The counts only: vetted by own audits, with imports, with exemptions; unvetted;
    /// violations; packages that are not audited (git, path, other registries).
    Status(CheckArgs),
    /// Add a peer's audit set: fetch NAME's audits.toml from URL (https://, or a local
    /// path), check it, add `[imports.NAME]` to config.toml and its audits to imports.lock.
    Import(ImportArgs),
    /// Refresh imports.lock from the URL of every import in config.toml.
    Fetch(FetchArgs),
}

/// Options of the check (and of `trust status`).
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Lockfiles or directories to check; directories are walked (honouring .gitignore).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The cargo-vet store [default: `[trust] store` of tollgate.toml, else
    /// `supply-chain` in the first directory given, as cargo-vet].
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Criteria the top-level crates (and every npm/PyPI package) must meet; repeat for
    /// several [default: `[trust] criteria`, else safe-to-deploy]. The store's [policy]
    /// still lowers what crates used only by some first-party crates need.
    #[arg(long = "criteria", value_name = "NAME")]
    pub criteria: Vec<String>,
    /// Criteria for packages an npm or PyPI lockfile marks development-only
    /// [default: `[trust] dev-criteria`, else safe-to-run].
    #[arg(long = "dev-criteria", value_name = "NAME")]
    pub dev_criteria: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TrustFormat::Table)]
    pub format: TrustFormat,
    /// Print the counts only (same as `tollgate trust status`).
    #[arg(long)]
    pub summary: bool,
    /// The policy file whose `[trust]` section gives the defaults (default: `tollgate.toml`
    /// in the first directory given).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// `tollgate trust import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The import's name in config.toml (`mozilla`, `google`, ...).
    pub name: String,
    /// Where the peer's audits.toml is: an https:// address, or a path.
    pub url: String,
    /// The store [default: `[trust] store` of ./tollgate.toml, else ./supply-chain].
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
}

/// `tollgate trust fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The store [default: `[trust] store` of ./tollgate.toml, else ./supply-chain].
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Never use the network: refresh only imports with a local path, keep the others as
    /// imports.lock has them (an error if it has none).
    #[arg(long)]
    pub offline: bool,
}

/// Runs `tollgate trust`.
pub fn run(args: &TrustArgs) -> anyhow::Result<Status> {
    match &args.command {
        None => check(&args.check, args.check.summary),
        Some(TrustCommand::Status(check_args)) => check(check_args, true),
        Some(TrustCommand::Import(import)) => run_import(import),
        Some(TrustCommand::Fetch(fetch)) => run_fetch(fetch),
    }
}

fn check(args: &CheckArgs, summary_only: bool) -> anyhow::Result<Status> {
    let root = policy_root(&args.paths);
    let config = load_config(args.config.as_deref(), &root)?;
    let mut settings = Settings::resolve(&config, &root);
    if let Some(store) = &args.store {
        settings.store = store.clone();
    }
    if !args.criteria.is_empty() || !args.dev_criteria.is_empty() {
        settings.options.origin = "--criteria".to_owned();
    }
    if !args.criteria.is_empty() {
        settings.options.criteria = args.criteria.clone();
    }
    if !args.dev_criteria.is_empty() {
        settings.options.dev_criteria = args.dev_criteria.clone();
    }
    let inventory = tollgate_lockfile::inventory(&args.paths);
    let store_name = settings.store.display().to_string();
    let outcome = Store::load(&settings.store).and_then(|store| {
        let report = evaluate(&store, &inventory, &settings.options)?;
        Ok((store, report))
    });
    let (store, report) = match outcome {
        Ok(evaluated) => evaluated,
        Err(error) => {
            let mut errors = error.problems();
            errors.extend(inventory.errors.iter().cloned());
            print_errors(args.format, &store_name, &errors)?;
            return Ok(Status::Error);
        }
    };
    let mut warnings = store.warnings.clone();
    warnings.extend(
        inventory
            .lockfiles
            .iter()
            .flat_map(|l| l.warnings.iter().cloned()),
    );
    let document =
        trust_report::TrustDocument::new(store_name, &report, warnings, inventory.errors.clone());
    let stdout = std::io::stdout();
    let mut out = tollgate_report::SafeLines::new(std::io::BufWriter::new(stdout.lock()));
    match args.format {
        TrustFormat::Json => trust_report::write_json(&mut out, &document)?,
        TrustFormat::Table => trust_report::write_table(&mut out, &document, summary_only)?,
    }
    out.flush()
        .context("writing the trust report to standard output")?;
    Ok(if !document.errors.is_empty() {
        Status::Error
    } else if report.all_vetted() {
        Status::Clean
    } else {
        Status::Findings
    })
}

/// The problems that stopped the check: a JSON document or lines on standard error.
fn print_errors(format: TrustFormat, store: &str, errors: &[FileError]) -> anyhow::Result<()> {
    match format {
        TrustFormat::Json => {
            let document = serde_json::json!({ "store": store, "errors": errors });
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
        TrustFormat::Table => {
            for error in errors {
                eprintln!("error: {error}");
            }
        }
    }
    Ok(())
}

/// The store of `import` and `fetch`: `--store`, else `[trust] store` of ./tollgate.toml.
fn store_dir(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    let root = PathBuf::from(".");
    let config = load_config(None, &root)?;
    Ok(Settings::resolve(&config, &root).store)
}

fn run_import(args: &ImportArgs) -> anyhow::Result<Status> {
    let dir = store_dir(args.store.as_deref())?;
    let http = HttpClient::new(tollgate_trust::fetch::http_options());
    match tollgate_trust::fetch::import(&dir, &args.name, &args.url, &http) {
        Ok(outcome) => {
            print_outcomes(&[outcome]);
            Ok(Status::Clean)
        }
        Err(error) => report_error(&error),
    }
}

fn run_fetch(args: &FetchArgs) -> anyhow::Result<Status> {
    let dir = store_dir(args.store.as_deref())?;
    let http = HttpClient::new(tollgate_trust::fetch::http_options());
    match tollgate_trust::fetch::fetch(
        &dir,
        Fetch::All {
            offline: args.offline,
        },
        &http,
    ) {
        Ok(outcomes) => {
            print_outcomes(&outcomes);
            Ok(Status::Clean)
        }
        Err(error) => report_error(&error),
    }
}

fn print_outcomes(outcomes: &[ImportOutcome]) {
    for outcome in outcomes {
        let how = if outcome.fetched {
            "fetched from"
        } else {
            "kept from"
        };
        println!(
            "{}: {} {how} {}",
            outcome.name,
            count(outcome.audits, "audit"),
            outcome.source
        );
    }
}

fn report_error(error: &tollgate_trust::Error) -> anyhow::Result<Status> {
    for problem in error.problems() {
        eprintln!("error: {problem}");
    }
    Ok(Status::Error)
}
