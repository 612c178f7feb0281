//! From signals to a verdict. The whole model is the two tables below, so that a reviewer
//! can recompute any score by hand (`docs/install-time-code.md` explains it):
//!
//! 1. every signal kind has a weight; a signal counts in full when its code runs on its
//!    own (install, startup, module level at import), and at [`PASSIVE_FACTOR`] when it
//!    sits in a function nothing at module level calls or a file nothing imports;
//! 2. each kind counts once, at its strongest instance;
//! 3. a few pairs of kinds seen together in code that runs on its own add a bonus (reading
//!    secrets and using the network is worse than either);
//! 4. the sum is capped at 100: `malicious` from [`MALICIOUS_AT`], `suspicious` from
//!    [`SUSPICIOUS_AT`], else `clean`; without one reason of [`DECISIVE_POINTS`] in code
//!    that install, start-up or import runs, it stops below `malicious`.

use std::collections::BTreeMap;

use super::signal::{CodePhase, Reach, SignalKind};
use super::{Located, Reason, Verdict, VerdictLevel};

/// Score from which a package is `malicious`.
pub const MALICIOUS_AT: u32 = 60;
/// The points one reason must bring, in code that an install, an interpreter start or an
/// import runs, for a package to be `malicious`; without one the score stops at
/// `MALICIOUS_AT - 1`. Many weak capabilities spread over a large library (IPython's
/// environment reads, `eval`s, `os.system` and a clipboard helper), or strong ones only
/// in files nothing runs (a debugger's process-injection module), add up without any of
/// them being an attack.
pub const DECISIVE_POINTS: u32 = 25;
/// Score from which a package is `suspicious`.
pub const SUSPICIOUS_AT: u32 = 30;
/// Share of a signal's weight when its code does not run by itself (percent).
pub const PASSIVE_FACTOR: u32 = 40;
/// The share for the kinds no library has even in a function it never calls: running
/// decoded or downloaded code, shells on sockets, shellcode, wiping the disk, sending
/// secrets away, mining, a chat bot's credential to report to.
pub const PASSIVE_FACTOR_STRONG: u32 = 75;

fn passive_factor(kind: SignalKind) -> u32 {
    use SignalKind::*;
    match kind {
        ExecDecoded | ExecDownloaded | ReverseShell | Shellcode | Destructive | DownloadRun
        | ExfilFlow | CryptoMiner | BotToken => PASSIVE_FACTOR_STRONG,
        _ => PASSIVE_FACTOR,
    }
}

/// The weight of each kind.
pub(crate) fn weight(kind: SignalKind) -> u32 {
    use SignalKind::*;
    match kind {
        ExecDownloaded => 85,
        ExecDecoded => 75,
        ExfilFlow => 80,
        DownloadRun => 70,
        Shellcode => 70,
        Destructive => 65,
        ReverseShell => 80,
        PthCode => 65,
        ExecBuilt => 50,
        CredentialStore => 45,
        AntiAnalysis => 45,
        Obfuscator => 45,
        AnalysisLimit => 40,
        IndirectCall => 35,
        Persistence => 25,
        Surveillance => 30,
        SecondStage => 30,
        ExecutableDrop => 30,
        PersistenceWrite => 30,
        EncodedCode => 30,
        HiddenExec => 15,
        EnvHarvest => 20,
        ExfilEndpoint => 15,
        InstallOverride => 10,
        OpaqueBlob => 10,
        DynamicExec => 10,
        HostRecon => 8,
        Network => 8,
        SetupNetwork => 30,
        HiddenEndpoint => 40,
        ProcessExec => 8,
        CryptoMiner => 50,
        BotToken => 40,
        ImportBeacon => 30,
        WalletSecret => 0,
    }
}

/// A pair of kinds worse together than apart.
struct Combination {
    first: &'static [SignalKind],
    second: &'static [SignalKind],
    /// A third kind that must be present too, in code that runs on its own (empty: a pair).
    also: &'static [SignalKind],
    bonus: u32,
    why: &'static str,
    /// Only when both run at install or startup (libraries read the environment and use
    /// the network at import all the time; a build has no reason to do both).
    install_only: bool,
    /// Also when neither runs by itself, as long as both sit in one file: a stealer's
    /// vocabulary is its own evidence wherever it is kept.
    same_file: bool,
    /// Only when both sit in one file and both run on their own.
    one_file: bool,
}

const fn pair(
    first: &'static [SignalKind],
    second: &'static [SignalKind],
    bonus: u32,
    why: &'static str,
) -> Combination {
    Combination {
        first,
        second,
        also: &[],
        bonus,
        why,
        install_only: false,
        same_file: false,
        one_file: false,
    }
}

/// The pairs.
const COMBINATIONS: &[Combination] = &[
    // In one file: a big library keeps opaque tables in one module (html5lib's
    // character classes) and evaluates literals in another.
    Combination {
        first: &[SignalKind::OpaqueBlob],
        second: &[
            SignalKind::DynamicExec,
            SignalKind::ExecBuilt,
            SignalKind::IndirectCall,
        ],
        also: &[],
        bonus: 45,
        why: "runs code it keeps in an opaque literal",
        install_only: false,
        same_file: false,
        one_file: true,
    },
    Combination {
        first: &[SignalKind::Network, SignalKind::ExfilEndpoint],
        second: &[SignalKind::EnvHarvest],
        also: &[],
        bonus: 30,
        why: "reads the environment and uses the network while installing",
        install_only: true,
        same_file: false,
        one_file: false,
    },
    Combination {
        first: &[
            SignalKind::CredentialStore,
            SignalKind::Surveillance,
            SignalKind::WalletSecret,
        ],
        second: &[SignalKind::ExfilEndpoint],
        also: &[],
        bonus: 45,
        why: "names credential stores or wallet secrets and a host to send them to",
        install_only: false,
        same_file: true,
        one_file: false,
    },
    pair(
        &[SignalKind::Network, SignalKind::ExfilEndpoint],
        &[SignalKind::CredentialStore, SignalKind::Surveillance],
        30,
        "reads secrets or personal data and uses the network",
    ),
    pair(
        &[SignalKind::Network, SignalKind::ProcessExec],
        &[SignalKind::HostRecon],
        12,
        "collects the host's identity and talks to the network",
    ),
    pair(
        &[SignalKind::ExfilEndpoint],
        &[SignalKind::ProcessExec, SignalKind::HostRecon],
        20,
        "names a host typical of exfiltration and runs programs or reads the host's identity",
    ),
    // A webhook or request-catcher contacted by code that runs on its own (install,
    // interpreter start, module level at import) is a beacon: libraries for such services
    // call them from functions the user calls, not when they are imported.
    pair(
        &[SignalKind::ExfilEndpoint],
        &[SignalKind::Network],
        40,
        "contacts a host typical of exfiltration from code that runs on its own",
    ),
    // A program started with its window hidden by code that runs on its own: nothing a
    // user asked for should need to hide from them at install or import time.
    Combination {
        first: &[SignalKind::HiddenExec],
        second: &[SignalKind::ProcessExec],
        also: &[],
        bonus: 40,
        why: "starts a program with its window hidden from code that runs on its own",
        install_only: false,
        same_file: false,
        one_file: true,
    },
    pair(
        &[SignalKind::ExecutableDrop],
        &[SignalKind::Network, SignalKind::ProcessExec],
        25,
        "fetches or starts an executable",
    ),
    pair(
        &[SignalKind::InstallOverride],
        &[
            SignalKind::Network,
            SignalKind::ProcessExec,
            SignalKind::HostRecon,
            SignalKind::SecondStage,
        ],
        15,
        "an overridden install command that reaches out",
    ),
    // A replaced install command in a package that, while installing, starts a program
    // that is no build tool, contacts the network, reads the host's identity or writes
    // where it will run again: builds replace commands to compile, and compilers, make,
    // cmake, git and the like do not count as programs here (`ProcessExec` leaves them
    // out), so what is left is the shape of a post-install payload.
    Combination {
        first: &[SignalKind::InstallOverride],
        second: &[
            SignalKind::ProcessExec,
            SignalKind::Network,
            SignalKind::HostRecon,
            SignalKind::Persistence,
        ],
        also: &[],
        bonus: 27,
        why: "a replaced install command, and programs, the network or the host's identity while installing",
        install_only: true,
        same_file: false,
        one_file: false,
    },
    // A setuptools `cmdclass` override that both downloads and runs programs while
    // installing: the shape of a dropper, not of a build (builds compile, they do not
    // fetch and start programs from their own install command).
    Combination {
        first: &[SignalKind::InstallOverride],
        second: &[SignalKind::Network],
        also: &[SignalKind::ProcessExec, SignalKind::SecondStage],
        bonus: 20,
        why: "an overridden install command that downloads and runs programs",
        install_only: true,
        same_file: false,
        one_file: false,
    },
    pair(
        &[
            SignalKind::Obfuscator,
            SignalKind::IndirectCall,
            SignalKind::EncodedCode,
        ],
        &[
            SignalKind::Network,
            SignalKind::ProcessExec,
            SignalKind::DynamicExec,
            SignalKind::ExecBuilt,
        ],
        20,
        "hides what it runs",
    ),
];

/// Whether a located signal's code runs by itself.
fn active(signal: &Located) -> bool {
    match signal.phase {
        CodePhase::Install | CodePhase::Startup => true,
        CodePhase::Import => signal.signal.reach == Reach::Always,
        CodePhase::Runtime => false,
    }
}

fn points(signal: &Located) -> u32 {
    let full = weight(signal.signal.kind);
    if active(signal) {
        full
    } else if signal.phase == CodePhase::Runtime {
        // Files seen as text only: a lexer's keyword list is not a download.
        full * PASSIVE_FACTOR / 100
    } else {
        full * passive_factor(signal.signal.kind) / 100
    }
}

/// A kind of each side of `combination` seen in one file, among the signals `keep` keeps.
fn same_file_pair(
    signals: &[Located],
    combination: &Combination,
    keep: &dyn Fn(&&Located) -> bool,
) -> (Option<&'static SignalKind>, Option<&'static SignalKind>) {
    for signal in signals.iter().filter(keep) {
        let Some(a) = combination.first.iter().find(|k| **k == signal.signal.kind) else {
            continue;
        };
        let partner = signals
            .iter()
            .filter(keep)
            .filter(|other| other.file == signal.file)
            .find_map(|other| combination.second.iter().find(|k| **k == other.signal.kind));
        if let Some(b) = partner {
            return (Some(a), Some(b));
        }
    }
    (None, None)
}

/// Capabilities every large library has somewhere: a network call, a program run, an
/// `eval`, an environment read, the host name, a hidden window, a paste site named, an
/// opaque table, an install command replaced. Spread over a code base's modules they are
/// its features; gathered in one file they are a payload's shape. So they count from one
/// file only (combinations still see them all).
fn is_weak(kind: SignalKind) -> bool {
    (1..=20).contains(&weight(kind))
}

/// The file whose weak signals (strongest instance of each weak kind in it) add up most;
/// ties go to the first such file in signal order.
fn weakest_link_file(signals: &[Located]) -> Option<&str> {
    let mut per_file: Vec<(&str, BTreeMap<SignalKind, u32>)> = Vec::new();
    for signal in signals.iter().filter(|s| is_weak(s.signal.kind)) {
        let p = points(signal);
        let at = match per_file.iter().position(|(f, _)| *f == signal.file) {
            Some(at) => at,
            None => {
                per_file.push((signal.file.as_str(), BTreeMap::new()));
                per_file.len() - 1
            }
        };
        if let Some((_, kinds)) = per_file.get_mut(at) {
            let entry = kinds.entry(signal.signal.kind).or_insert(0);
            *entry = (*entry).max(p);
        }
    }
    let mut chosen: Option<(&str, u32)> = None;
    for (file, kinds) in &per_file {
        let sum: u32 = kinds.values().sum();
        if chosen.is_none_or(|(_, best)| sum > best) {
            chosen = Some((file, sum));
        }
    }
    chosen.map(|(file, _)| file)
}

/// The verdict over all signals of a package.
pub(crate) fn verdict(signals: &[Located]) -> Verdict {
    // Strongest instance per kind; ties go to the earliest phase, file and line. The weak
    // kinds count from one file only, the one where they add up most.
    let weak_file = weakest_link_file(signals);
    let mut best: BTreeMap<SignalKind, (&Located, u32)> = BTreeMap::new();
    for signal in signals {
        if is_weak(signal.signal.kind) && Some(signal.file.as_str()) != weak_file {
            continue;
        }
        let p = points(signal);
        let entry = best.entry(signal.signal.kind).or_insert((signal, p));
        if p > entry.1 {
            *entry = (signal, p);
        }
    }
    let mut reasons: Vec<Reason> = best
        .values()
        .filter(|(_, p)| *p > 0)
        .map(|(s, p)| Reason::from_signal(s, *p))
        .collect();
    for combination in COMBINATIONS {
        let counts = |s: &&Located| {
            active(s)
                && (!combination.install_only
                    || matches!(s.phase, CodePhase::Install | CodePhase::Startup))
        };
        let kinds: Vec<SignalKind> = signals
            .iter()
            .filter(counts)
            .map(|s| s.signal.kind)
            .collect();
        let a = combination.first.iter().find(|k| kinds.contains(k));
        let b = combination
            .second
            .iter()
            .find(|k| kinds.contains(k) && !combination.first.contains(k));
        let (bonus, why) = (combination.bonus, combination.why);
        let (a, b) = match (a, b) {
            _ if combination.one_file => same_file_pair(signals, combination, &counts),
            (Some(a), Some(b)) => (Some(a), Some(b)),
            _ if combination.same_file => same_file_pair(signals, combination, &|_| true),
            _ => (None, None),
        };
        let third =
            combination.also.is_empty() || combination.also.iter().any(|k| kinds.contains(k));
        if let (Some(a), Some(b), true) = (a, b, third) {
            let anchor = signals
                .iter()
                .filter(counts)
                .find(|s| s.signal.kind == *b)
                .or_else(|| signals.iter().find(|s| s.signal.kind == *b));
            if let Some(anchor) = anchor {
                reasons.push(Reason {
                    rule: "combination".to_owned(),
                    file: anchor.file.clone(),
                    line: anchor.signal.line,
                    why: format!("{why} ({} and {})", a.rule(), b.rule()),
                    phase: anchor.phase,
                    points: bonus,
                });
            }
        }
    }
    reasons.sort_by(|a, b| {
        b.points
            .cmp(&a.points)
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.line.cmp(&b.line))
    });
    let sum = reasons.iter().map(|r| r.points).sum::<u32>().min(100);
    let decisive = reasons
        .iter()
        .any(|r| r.points >= DECISIVE_POINTS && r.phase != CodePhase::Runtime);
    let score = if decisive {
        sum
    } else {
        sum.min(MALICIOUS_AT - 1)
    };
    let level = if score >= MALICIOUS_AT {
        VerdictLevel::Malicious
    } else if score >= SUSPICIOUS_AT {
        VerdictLevel::Suspicious
    } else {
        VerdictLevel::Clean
    };
    Verdict {
        level,
        score,
        reasons,
    }
}
