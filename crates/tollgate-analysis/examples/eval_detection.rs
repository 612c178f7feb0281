//! The detection evaluation: judges every package of a labelled set and prints recall per
//! cluster and per sample, the false-positive rate, per-rule counts and the misses.
//!
//! ```text
//! cargo run --release -p tollgate-analysis --example eval_detection -- \
//!     --malicious DIR [--benign DIR] [--floor-malicious 0.90] [--floor-flagged 0.95] \
//!     [--ceiling-benign-malicious 0.01] [--ceiling-benign-suspicious 0.05] [--misses N]
//! ```
//!
//! Each DIR holds the archives and a `manifest.json`: a list of `{"file", "name",
//! "version"}` objects, with `"cluster"` for malicious sets (samples of one campaign). The
//! archives are only read as bytes; nothing in them is run. Exit status 1 when a floor or
//! ceiling is not met, so CI can fail on a regression.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tollgate_analysis::memory::{CountingAlloc, Mark};
use tollgate_analysis::{JudgeOptions, PackageFiles, Verdict, VerdictLevel, analyze_package_with};

/// Counted, as in the `tollgate` binary, so the memory limit is enforced here and each
/// package's peak can be reported.
#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc::system();

struct Sample {
    file: String,
    cluster: String,
}

struct Outcome {
    sample: usize,
    verdict: Result<Verdict, String>,
    bytes: u64,
    seconds: f64,
    /// Most bytes in use at once while reading and judging the archive.
    peak: u64,
}

fn manifest(dir: &Path) -> Result<Vec<Sample>, String> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let items = value
        .as_array()
        .ok_or_else(|| format!("{}: not a list", path.display()))?;
    Ok(items
        .iter()
        .filter_map(|item| {
            let file = item.get("file")?.as_str()?.to_owned();
            let cluster = item
                .get("cluster")
                .and_then(|c| c.as_str())
                .map(str::to_owned)
                .unwrap_or_else(|| file.clone());
            Some(Sample { file, cluster })
        })
        .collect())
}

fn judge_all(dir: &Path, samples: &[Sample]) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let outcomes = Mutex::new(Vec::with_capacity(samples.len()));
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let options = JudgeOptions::default();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(sample) = samples.get(index) else {
                        break;
                    };
                    let path = dir.join(&sample.file);
                    let started = Instant::now();
                    let memory = Mark::now();
                    let (verdict, bytes) = match std::fs::read(&path) {
                        Ok(bytes) => {
                            let size = bytes.len() as u64;
                            let verdict = PackageFiles::from_archive(&sample.file, &bytes)
                                .and_then(|files| {
                                    analyze_package_with(&sample.file, &files, &options)
                                })
                                .map(|report| report.verdict)
                                .map_err(|e| e.to_string());
                            (verdict, size)
                        }
                        Err(error) => (Err(format!("{}: {error}", path.display())), 0),
                    };
                    if let Ok(mut all) = outcomes.lock() {
                        all.push(Outcome {
                            sample: index,
                            verdict,
                            bytes,
                            seconds: started.elapsed().as_secs_f64(),
                            peak: memory.peak_bytes(),
                        });
                    }
                }
            });
        }
    });
    let mut all = outcomes.into_inner().unwrap_or_default();
    all.sort_by_key(|o| o.sample);
    all
}

/// An unreadable package counts as flagged: the gate refuses what it cannot analyse.
fn level(outcome: &Outcome) -> VerdictLevel {
    match &outcome.verdict {
        Ok(verdict) => verdict.level,
        Err(_) => VerdictLevel::Suspicious,
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

struct Args {
    malicious: Option<PathBuf>,
    benign: Option<PathBuf>,
    floor_malicious: f64,
    floor_flagged: f64,
    ceiling_benign_malicious: f64,
    ceiling_benign_suspicious: f64,
    misses: usize,
    /// Every verdict as JSON lines, for looking into what the rules see.
    dump: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        dump: None,
        malicious: None,
        benign: None,
        floor_malicious: 0.0,
        floor_flagged: 0.0,
        ceiling_benign_malicious: 1.0,
        ceiling_benign_suspicious: 1.0,
        misses: 40,
    };
    let mut iter = std::env::args().skip(1);
    while let Some(flag) = iter.next() {
        let mut value = || iter.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| text.parse::<f64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--malicious" => args.malicious = Some(PathBuf::from(value()?)),
            "--benign" => args.benign = Some(PathBuf::from(value()?)),
            "--floor-malicious" => args.floor_malicious = number(value()?)?,
            "--floor-flagged" => args.floor_flagged = number(value()?)?,
            "--ceiling-benign-malicious" => args.ceiling_benign_malicious = number(value()?)?,
            "--ceiling-benign-suspicious" => args.ceiling_benign_suspicious = number(value()?)?,
            "--dump" => args.dump = Some(PathBuf::from(value()?)),
            "--misses" => args.misses = value()?.parse().map_err(|e| format!("--misses: {e}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn rule_counts(outcomes: &[Outcome]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for outcome in outcomes {
        if let Ok(verdict) = &outcome.verdict {
            let mut rules: Vec<&str> = verdict.reasons.iter().map(|r| r.rule.as_str()).collect();
            rules.sort_unstable();
            rules.dedup();
            for rule in rules {
                *counts.entry(rule.to_owned()).or_default() += 1;
            }
        }
    }
    counts
}

fn summary(outcome: &Outcome) -> String {
    match &outcome.verdict {
        Ok(verdict) => {
            let reasons: Vec<String> = verdict
                .reasons
                .iter()
                .take(4)
                .map(|r| {
                    format!(
                        "{}+{}@{} {}:{}",
                        r.rule,
                        r.points,
                        r.phase.as_str(),
                        r.file,
                        r.line
                    )
                })
                .collect();
            format!(
                "{} {} [{}]",
                verdict.level.as_str(),
                verdict.score,
                reasons.join("; ")
            )
        }
        Err(error) => format!("error: {error}"),
    }
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("eval_detection: {error}");
            std::process::exit(2);
        }
    };
    let mut failed = false;
    if let Some(dir) = &args.malicious {
        failed |= evaluate_malicious(dir, &args);
    }
    if let Some(dir) = &args.benign {
        failed |= evaluate_benign(dir, &args);
    }
    std::process::exit(i32::from(failed));
}

fn load(dir: &Path) -> (Vec<Sample>, Vec<Outcome>, f64, u64) {
    let samples = match manifest(dir) {
        Ok(samples) => samples,
        Err(error) => {
            eprintln!("eval_detection: {error}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let outcomes = judge_all(dir, &samples);
    let seconds = started.elapsed().as_secs_f64();
    let bytes = outcomes.iter().map(|o| o.bytes).sum();
    let mut slowest: Vec<&Outcome> = outcomes.iter().collect();
    slowest.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
    println!("slowest packages:");
    for outcome in slowest.iter().take(5) {
        println!(
            "  {:.2} s {} ({} bytes)",
            outcome.seconds, samples[outcome.sample].file, outcome.bytes
        );
    }
    let peak = outcomes.iter().max_by_key(|o| o.peak);
    if let Some(outcome) = peak {
        println!(
            "largest memory peak: {:.1} MiB {} (limit {} MiB)",
            outcome.peak as f64 / (1024.0 * 1024.0),
            samples[outcome.sample].file,
            JudgeOptions::default().memory_limit / (1024 * 1024)
        );
    }
    (samples, outcomes, seconds, bytes)
}

/// Appends one JSON line per sample (`set`, `file`, `verdict` or `error`, `bytes`, `seconds`)
/// to `--dump`.
fn dump(args: &Args, set: &str, samples: &[Sample], outcomes: &[Outcome]) {
    let Some(path) = &args.dump else { return };
    let mut text = String::new();
    for outcome in outcomes {
        let line = match &outcome.verdict {
            Ok(verdict) => serde_json::json!({
                "set": set, "file": samples[outcome.sample].file, "verdict": verdict,
                "bytes": outcome.bytes, "seconds": outcome.seconds,
            }),
            Err(error) => serde_json::json!({
                "set": set, "file": samples[outcome.sample].file, "error": error,
                "bytes": outcome.bytes, "seconds": outcome.seconds,
            }),
        };
        text.push_str(&line.to_string());
        text.push('\n');
    }
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()));
    if let Err(error) = appended {
        eprintln!("--dump {}: {error}", path.display());
    }
}

fn evaluate_malicious(dir: &Path, args: &Args) -> bool {
    let (samples, outcomes, seconds, bytes) = load(dir);
    dump(args, "malicious", &samples, &outcomes);
    // A cluster counts at the level of its best-detected sample? No: its worst, so that a
    // campaign is only "caught" when every sample of it is.
    let mut clusters: HashMap<&str, VerdictLevel> = HashMap::new();
    for outcome in &outcomes {
        let cluster = samples[outcome.sample].cluster.as_str();
        let level = level(outcome);
        clusters
            .entry(cluster)
            .and_modify(|l| *l = (*l).min(level))
            .or_insert(level);
    }
    let count = |levels: &mut dyn Iterator<Item = VerdictLevel>, min: VerdictLevel| {
        levels.filter(|l| *l >= min).count()
    };
    let n = outcomes.len();
    let c = clusters.len();
    let sample_mal = count(&mut outcomes.iter().map(level), VerdictLevel::Malicious);
    let sample_flag = count(&mut outcomes.iter().map(level), VerdictLevel::Suspicious);
    let cluster_mal = count(&mut clusters.values().copied(), VerdictLevel::Malicious);
    let cluster_flag = count(&mut clusters.values().copied(), VerdictLevel::Suspicious);
    let errors = outcomes.iter().filter(|o| o.verdict.is_err()).count();
    println!(
        "== malicious set {} ({n} samples, {c} clusters, {:.1} MB, {seconds:.1} s, {:.1} MB/s)",
        dir.display(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / seconds.max(1e-9)
    );
    println!(
        "clusters: malicious {cluster_mal}/{c} ({:.1}%), at least suspicious {cluster_flag}/{c} ({:.1}%)",
        percent(cluster_mal, c),
        percent(cluster_flag, c)
    );
    println!(
        "samples:  malicious {sample_mal}/{n} ({:.1}%), at least suspicious {sample_flag}/{n} ({:.1}%), unreadable {errors}",
        percent(sample_mal, n),
        percent(sample_flag, n)
    );
    println!("rules (samples with a reason of that rule):");
    for (rule, count) in rule_counts(&outcomes) {
        println!("  {rule:<18} {count}");
    }
    println!("misses (not malicious), first {}:", args.misses);
    for outcome in outcomes
        .iter()
        .filter(|o| level(o) < VerdictLevel::Malicious)
        .take(args.misses)
    {
        println!("  {} {}", samples[outcome.sample].file, summary(outcome));
    }
    let mut failed = false;
    if percent(cluster_mal, c) < args.floor_malicious * 100.0 {
        println!(
            "FLOOR: malicious clusters {:.1}% < {:.1}%",
            percent(cluster_mal, c),
            args.floor_malicious * 100.0
        );
        failed = true;
    }
    if percent(cluster_flag, c) < args.floor_flagged * 100.0 {
        println!(
            "FLOOR: flagged clusters {:.1}% < {:.1}%",
            percent(cluster_flag, c),
            args.floor_flagged * 100.0
        );
        failed = true;
    }
    failed
}

fn evaluate_benign(dir: &Path, args: &Args) -> bool {
    let (samples, outcomes, seconds, bytes) = load(dir);
    dump(args, "benign", &samples, &outcomes);
    let n = outcomes.len();
    let malicious = outcomes
        .iter()
        .filter(|o| matches!(&o.verdict, Ok(v) if v.level == VerdictLevel::Malicious))
        .count();
    let suspicious = outcomes
        .iter()
        .filter(|o| matches!(&o.verdict, Ok(v) if v.level == VerdictLevel::Suspicious))
        .count();
    let errors = outcomes.iter().filter(|o| o.verdict.is_err()).count();
    println!(
        "== benign set {} ({n} packages, {:.1} MB, {seconds:.1} s, {:.1} MB/s)",
        dir.display(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / seconds.max(1e-9)
    );
    println!(
        "malicious {malicious}/{n} ({:.1}%), suspicious {suspicious}/{n} ({:.1}%), unreadable {errors}",
        percent(malicious, n),
        percent(suspicious, n)
    );
    println!("rules (packages with a reason of that rule):");
    for (rule, count) in rule_counts(&outcomes) {
        println!("  {rule:<18} {count}");
    }
    println!("flagged or unreadable:");
    for outcome in outcomes
        .iter()
        .filter(|o| level(o) >= VerdictLevel::Suspicious)
    {
        println!("  {} {}", samples[outcome.sample].file, summary(outcome));
    }
    let mut failed = false;
    if percent(malicious, n) > args.ceiling_benign_malicious * 100.0 {
        println!(
            "CEILING: benign malicious {:.1}% > {:.1}%",
            percent(malicious, n),
            args.ceiling_benign_malicious * 100.0
        );
        failed = true;
    }
    if percent(suspicious, n) > args.ceiling_benign_suspicious * 100.0 {
        println!(
            "CEILING: benign suspicious {:.1}% > {:.1}%",
            percent(suspicious, n),
            args.ceiling_benign_suspicious * 100.0
        );
        failed = true;
    }
    failed
}
