//! Runs the shipped typosquat engine over a labelled list and over real lockfiles, and
//! prints what it flagged.
//!
//! Input (stdin): one `label<TAB>ecosystem<TAB>name[<TAB>targets]` per line; label `pos`
//! (a real squat; `targets` the acceptable intended targets, `|`-separated) or a negative
//! label. Arguments: lockfile paths; every distinct registry package they lock is a
//! negative (`neg-locked`), judged by the `names` check itself (default policy, offline),
//! so the check's own rules (a name's companion in the same lockfile) apply as in a scan.
//! Output (stdout): one `label<TAB>ecosystem<TAB>name<TAB>target<TAB>technique<TAB>right`
//! per name (empty target when not flagged; `right` is 1 when a positive's target is one of
//! its labelled targets), then a `#` summary line.
//! `--list FILE` (first argument) uses another popular-name list than the shipped one (the
//! held-out measurement: a shorter list, with the names left out as negatives).
//! Driven by `scripts/eval-typosquat.py`, which builds the list from the corpus.

use std::collections::HashSet;
use std::io::{BufRead, Write};

use tollgate_model::{Ecosystem, Source};
use tollgate_policy::{Config, Context, Offline, PopularNames};

fn main() -> std::io::Result<()> {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    let popular: &PopularNames = if paths.first().map(String::as_str) == Some("--list") {
        let text = paths.get(1).map(std::fs::read_to_string).transpose()?;
        paths.drain(..2.min(paths.len()));
        // A process-long list: the index borrows its names from the text.
        Box::leak(Box::new(PopularNames::parse(Box::leak(
            text.unwrap_or_default().into_boxed_str(),
        ))))
    } else {
        PopularNames::shipped()
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut positives, mut found, mut right, mut negatives, mut false_positives) =
        (0u32, 0u32, 0u32, 0u32, 0u32);
    let started = std::time::Instant::now();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let mut fields = line.split('\t');
        let (Some(label), Some(ecosystem), Some(name)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let targets: Vec<&str> = fields.next().unwrap_or_default().split('|').collect();
        let Ok(ecosystem) = ecosystem.parse::<Ecosystem>() else {
            continue;
        };
        let verdict = popular.squat_target(ecosystem, name);
        let (target, technique) = verdict
            .as_ref()
            .map_or((String::new(), String::new()), |m| {
                (m.target.clone(), m.technique.describe())
            });
        let key = |n: &str| tollgate_model::normalize_name(ecosystem, n);
        let correct = verdict.is_some() && targets.iter().any(|t| key(t) == key(&target));
        writeln!(
            out,
            "{label}\t{ecosystem}\t{name}\t{target}\t{technique}\t{}",
            u8::from(correct)
        )?;
        if label == "pos" {
            positives += 1;
            found += u32::from(verdict.is_some());
            right += u32::from(correct);
        } else {
            negatives += 1;
            false_positives += u32::from(verdict.is_some());
        }
    }
    let lookups = positives + negatives;
    let elapsed = started.elapsed();

    let (mut locked, mut locked_flagged) = (0u32, 0u32);
    if !paths.is_empty() {
        let inventory = tollgate_lockfile::inventory(&paths);
        let Ok(mut config) = Config::parse("tollgate.toml", "") else {
            eprintln!("the default policy does not validate");
            std::process::exit(2);
        };
        config.names.check_exists = false;
        let context = Context::new(&Offline, jiff::Timestamp::now());
        let findings =
            tollgate_policy::checks::names::check(&inventory, &config, popular, context.metadata);
        let flagged: HashSet<(String, String)> = findings
            .iter()
            .filter(|f| f.code == tollgate_policy::checks::names::CODE_TYPOSQUAT)
            .filter_map(|f| Some((f.ecosystem?.to_string(), f.name.clone()?)))
            .collect();
        let mut seen = HashSet::new();
        for lockfile in &inventory.lockfiles {
            for package in &lockfile.packages {
                if !matches!(package.source, Source::Registry { .. } | Source::Unknown)
                    || !seen.insert((package.ecosystem, package.normalized_name.clone()))
                {
                    continue;
                }
                locked += 1;
                let key = (package.ecosystem.to_string(), package.name.clone());
                let target = if flagged.contains(&key) {
                    locked_flagged += 1;
                    popular
                        .squat_target(package.ecosystem, &package.name)
                        .map(|m| (m.target, m.technique.describe()))
                        .unwrap_or_default()
                } else {
                    Default::default()
                };
                writeln!(
                    out,
                    "neg-locked\t{}\t{}\t{}\t{}\t0",
                    package.ecosystem, package.name, target.0, target.1
                )?;
            }
        }
    }
    let ratio = |a: u32, b: u32| {
        if b == 0 {
            0.0
        } else {
            f64::from(a) / f64::from(b)
        }
    };
    writeln!(
        out,
        "# recall (right target) {right}/{positives} = {:.3}; flagged at all {found}/{positives}; \
         listed negatives flagged {false_positives}/{negatives} = {:.4}; \
         locked packages flagged {locked_flagged}/{locked} = {:.4}; \
         {lookups} lookups in {elapsed:?} (index build included)",
        ratio(right, positives),
        ratio(false_positives, negatives),
        ratio(locked_flagged, locked),
    )
}
