//! How much tollgate says on stderr besides the report: the global `-q/--quiet` and
//! `-v/--verbose` flags. Data (the report) goes to stdout or `--output` and errors always
//! show; notes, warnings and progress are for people and follow these flags.
//!
//! A process-wide setting rather than a parameter threaded through every command: it is
//! set once, from the command line, before any command runs, and read where notes are
//! printed.

use std::io::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};

/// How much to print on stderr besides errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: errors only (no notes, warnings or progress).
    Quiet = 0,
    /// Notes, warnings and progress on a terminal.
    Normal = 1,
    /// `-v`: also what tollgate is doing (hosts it may download from, stage timings).
    Verbose = 2,
}

static LEVEL: AtomicU8 = AtomicU8::new(Verbosity::Normal as u8);

/// Sets the level from the global flags (`-q` wins over `-v`; clap refuses both anyway).
pub fn set(quiet: bool, verbose: u8) {
    let level = if quiet {
        Verbosity::Quiet
    } else if verbose > 0 {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    LEVEL.store(level as u8, Ordering::Relaxed);
}

/// The level in effect.
pub fn level() -> Verbosity {
    match LEVEL.load(Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        1 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

/// Whether `-q` was given: print the report and errors only.
pub fn quiet() -> bool {
    level() == Verbosity::Quiet
}

/// Whether `-v` was given.
pub fn verbose() -> bool {
    level() == Verbosity::Verbose
}

/// `info: TEXT` on stderr with `-v` only.
pub fn detail(text: &str) {
    if verbose() {
        line("info", text);
    }
}

fn line(label: &str, text: &str) {
    let stderr = std::io::stderr();
    let mut err = tollgate_report::SafeLines::new(stderr.lock());
    // A closed stderr is not worth failing a scan for.
    let _ = writeln!(err, "{label}: {}", tollgate_model::escape_text(text));
    let _ = err.flush();
}

/// `eprintln!` unless `-q`: for a command's own progress lines and notes, which carry
/// their own prefix (`tollgate install: ...`). The caller escapes foreign text.
macro_rules! say {
    ($($arg:tt)*) => {
        if !$crate::output::quiet() {
            eprintln!($($arg)*);
        }
    };
}
pub(crate) use say;
