//! The verdict: `malicious`, `suspicious` or `clean` for a whole package, with a score and
//! the reasons behind it, each at a file and line.
//!
//! What is looked at, and in which phase ([`scope`]): the install-time code the hooks map
//! finds, `.pth` files and `sitecustomize`/`usercustomize` (every interpreter start), the
//! code a package runs when first imported or required (Python package `__init__` and
//! the modules it imports, npm `main`/`exports` and what they require), and, as passive
//! evidence, every other source file. Python gets full semantics ([`python`]: aliases,
//! indirect calls, folding, data flow, reach); every file and every decoded payload gets
//! the text signals ([`text`]); JavaScript and Rust reuse the install-time rules. Payloads
//! hidden in literals are decoded ([`decode`]) and analysed in turn, a few layers deep.
//! [`score`] turns the signals into the verdict.

mod decode;
mod embedded;
mod finding;
mod fold;
pub(crate) mod jsflow;
mod layout;
mod python;
mod scope;
mod score;
mod signal;
mod text;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use finding::{VERDICT_CODE, verdict_finding, verdict_severity};
pub use score::{MALICIOUS_AT, PASSIVE_FACTOR, SUSPICIOUS_AT};
pub use signal::CodePhase;

use crate::files::PackageFiles;
use crate::memory::Mark;
use crate::model::PackageReport;
use signal::{Reach, Signal, SignalKind};

/// How far the verdict goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgeOptions {
    /// Analyse a crate's own source too (Python and npm module code is always analysed).
    pub all_code: bool,
    /// Wall-clock budget for one package; past it the verdict is at least `suspicious`.
    pub time_limit: Duration,
    /// Most source bytes given full analysis in one package; past it the analysis stops
    /// and the verdict is at least `suspicious`.
    pub max_bytes: u64,
    /// Most bytes the analysis of one package may have allocated at once (its peak, on the
    /// thread that analyses it); past it the analysis stops and the verdict is at least
    /// `suspicious`. Enforced only when the program's global allocator is a
    /// [`crate::memory::CountingAlloc`] (the `tollgate` binary's is).
    pub memory_limit: u64,
}

/// Default [`JudgeOptions::memory_limit`]: 512 MiB, 3.5 times the largest peak measured
/// on real packages (146 MiB for botocore in the benign set, 98 MiB in the development set;
/// docs/benchmarks.md), and small enough that two analysis threads fit a CI runner.
pub const DEFAULT_MEMORY_LIMIT: u64 = 512 * 1024 * 1024;

impl Default for JudgeOptions {
    fn default() -> Self {
        JudgeOptions {
            all_code: false,
            time_limit: Duration::from_secs(20),
            max_bytes: 64 * 1024 * 1024,
            memory_limit: DEFAULT_MEMORY_LIMIT,
        }
    }
}

/// The verdict levels, from least to most serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictLevel {
    /// Nothing that looks like an attack.
    Clean,
    /// Behaviour an attack would have, and a build might: a person should look.
    Suspicious,
    /// Behaviour only attacks have.
    Malicious,
}

impl VerdictLevel {
    /// The level as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictLevel::Clean => "clean",
            VerdictLevel::Suspicious => "suspicious",
            VerdictLevel::Malicious => "malicious",
        }
    }
}

impl std::str::FromStr for VerdictLevel {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "clean" => Ok(VerdictLevel::Clean),
            "suspicious" => Ok(VerdictLevel::Suspicious),
            "malicious" => Ok(VerdictLevel::Malicious),
            other => Err(format!(
                "`{other}` is not a verdict level (clean, suspicious, malicious)"
            )),
        }
    }
}

/// One reason that added to the score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The rule (`exec-decoded`, `exfiltration`, `combination`, ...).
    pub rule: String,
    /// The file inside the package.
    pub file: String,
    /// The 1-based line.
    pub line: u32,
    /// What was seen.
    pub why: String,
    /// When that code runs.
    pub phase: CodePhase,
    /// What it added to the score.
    pub points: u32,
}

/// The verdict on one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// `malicious`, `suspicious` or `clean`.
    pub level: VerdictLevel,
    /// 0 to 100.
    pub score: u32,
    /// What produced the score, the largest share first.
    pub reasons: Vec<Reason>,
}

impl Default for Verdict {
    /// `clean`, 0, no reasons: what a package with no code gets.
    fn default() -> Self {
        Verdict {
            level: VerdictLevel::Clean,
            score: 0,
            reasons: Vec::new(),
        }
    }
}

impl Reason {
    fn from_signal(located: &Located, points: u32) -> Reason {
        Reason {
            rule: located.signal.kind.rule().to_owned(),
            file: located.file.clone(),
            line: located.signal.line,
            why: located.signal.why.clone(),
            phase: located.phase,
            points,
        }
    }
}

/// A signal with the file it was seen in and that file's phase.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    pub signal: Signal,
    pub file: String,
    pub phase: CodePhase,
}

/// The two budgets of one package's analysis, checked together at every checkpoint (each
/// file, each payload): wall-clock time since `started`, and the peak memory since
/// `memory` was marked.
pub(crate) struct Budget<'a> {
    pub options: &'a JudgeOptions,
    pub started: Instant,
    pub memory: &'a Mark,
    /// Whether the memory limit can be checked at all (a counting allocator is installed).
    pub counting: bool,
}

impl Budget<'_> {
    pub(crate) fn out_of_time(&self) -> bool {
        self.started.elapsed() > self.options.time_limit
    }

    pub(crate) fn out_of_memory(&self) -> bool {
        self.counting && self.memory.peak_bytes() > self.options.memory_limit
    }
}

/// Judges a package from its files and its install-time report. `memory` marks where the
/// package's analysis started (before its hooks were mapped), so the memory limit covers
/// the whole analysis.
pub(crate) fn judge(
    files: &PackageFiles,
    report: &PackageReport,
    options: &JudgeOptions,
    memory: &Mark,
) -> Verdict {
    let budget = Budget {
        options,
        started: Instant::now(),
        memory,
        counting: crate::memory::is_counting(),
    };
    let (mut signals, bytes_exhausted) = scope::collect(files, report, &budget);
    let mut limit = |why: String| {
        signals.push(Located {
            signal: Signal::new(SignalKind::AnalysisLimit, 1, Reach::Always, why),
            file: String::new(),
            phase: CodePhase::Install,
        });
    };
    if budget.out_of_time() {
        limit(format!(
            "analysis stopped after {} s",
            options.time_limit.as_secs()
        ));
    }
    if bytes_exhausted {
        limit(format!(
            "analysis stopped after {} MiB of source",
            options.max_bytes.div_ceil(1024 * 1024)
        ));
    }
    if budget.out_of_memory() {
        limit(format!(
            "analysis stopped after {} MiB",
            options.memory_limit.div_ceil(1024 * 1024)
        ));
    }
    score::verdict(&signals)
}
