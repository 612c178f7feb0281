//! Exit statuses shared by every subcommand.

use std::process::ExitCode;

/// What a subcommand concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing at or above the failure threshold (exit 0).
    Clean,
    /// Findings at or above the failure threshold (exit 1).
    Findings,
    /// An error: some input could not be read or understood (exit 2).
    Error,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Clean => ExitCode::SUCCESS,
            Status::Findings => ExitCode::from(1),
            Status::Error => ExitCode::from(2),
        }
    }
}
