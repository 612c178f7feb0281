//! The `tollgate` binary: argument parsing, dispatch, and exit codes. All the work happens
//! in the library crates; this crate only wires them together and adds context to errors.
//!
//! Exit codes (documented in README.md): 0 success and nothing to report, 1 findings at or
//! above the failure threshold, 2 an error (bad input, unreadable file, missing database).

mod cli;
mod commands;
mod exit;
mod fail_on;
mod output;
mod registry;

use std::process::ExitCode;

/// Parsing lockfiles allocates many small strings; mimalloc makes that ~30% faster than the
/// system allocator (docs/benchmarks.md), and every scan is mostly parsing. The counting
/// wrapper keeps per-thread byte counts so the analysis can enforce its per-package memory
/// limit (`JudgeOptions::memory_limit`; its cost is in docs/benchmarks.md).
#[global_allocator]
static GLOBAL: tollgate_analysis::memory::CountingAlloc<mimalloc::MiMalloc> =
    tollgate_analysis::memory::CountingAlloc::new(mimalloc::MiMalloc);

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    output::set(cli.quiet, cli.verbose);
    let result = match cli.command {
        Command::Scan(args) => commands::scan::run(&args),
        Command::Db(args) => commands::db::run(&args),
        Command::Diff(args) => commands::diff::run(&args),
        Command::Inventory(args) => commands::inventory::run(&args),
        Command::Run(args) => commands::run::run(&args),
        Command::Install(args) => commands::install::run(&args),
        Command::Inspect(args) => commands::inspect::run(&args),
        Command::InstallCode(args) => commands::install_code::run(&args),
        Command::Init(args) => commands::init::run(&args),
        Command::Check(args) => commands::check::run(&args),
        Command::Hook(args) => commands::hook::run(&args),
        Command::Shim(args) => commands::shim::run(&args),
        Command::Mcp(args) => commands::mcp::run(&args),
        Command::Policy(args) => commands::policy::run(&args),
        Command::Trust(args) => commands::trust::run(&args),
    };
    match result {
        Ok(status) => status.into(),
        // The reader went away (`tollgate ... | head`): nothing is wrong, stop quietly.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // Causes can quote foreign text (a lockfile's line, a package name).
            eprintln!(
                "error: {}",
                tollgate_model::escape_text(&format!("{error:#}"))
            );
            exit::Status::Error.into()
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    /// The per-package memory limit is only enforced under the counting allocator; this
    /// test binary is the `tollgate` binary's crate, so it has the same allocator.
    #[test]
    fn the_binary_counts_allocations_for_the_memory_limit() {
        assert!(tollgate_analysis::memory::is_counting());
        let mark = tollgate_analysis::memory::Mark::now();
        let block = std::hint::black_box(vec![0u8; 1 << 20]);
        assert!(mark.peak_bytes() >= 1 << 20);
        drop(block);
    }
}
