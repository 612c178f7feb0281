//! Times `run_checks` (all checks, strict policy, warm in-memory metadata for every
//! package) on the lockfiles given as arguments.
//!
//! `cargo run --release -p tollgate-policy --example bench_checks -- PATH...`
//! Prints the package count, the first run (includes building the popular-name index)
//! and the median of 20 further runs.

use std::time::{Duration, Instant};

use tollgate_policy::{Config, Context, InMemoryMetadata};

const STRICT: &str = include_str!("strict-policy.toml");

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let inventory = tollgate_lockfile::inventory(&paths);
    let Ok(config) = Config::parse("strict-policy.toml", STRICT) else {
        eprintln!("the strict example policy does not validate");
        std::process::exit(2);
    };
    let published = jiff::Timestamp::UNIX_EPOCH;
    let mut metadata = InMemoryMetadata::default();
    for lockfile in &inventory.lockfiles {
        for package in &lockfile.packages {
            metadata.insert(
                package.ecosystem,
                &package.name,
                &package.version,
                Some(published),
                Some("MIT OR Apache-2.0"),
            );
        }
    }
    let context = Context::new(&metadata, jiff::Timestamp::now());
    let started = Instant::now();
    let findings = tollgate_policy::run_checks(&inventory, &config, &context);
    let first = started.elapsed();
    let mut runs: Vec<Duration> = (0..20)
        .map(|_| {
            let started = Instant::now();
            let _ = tollgate_policy::run_checks(&inventory, &config, &context);
            started.elapsed()
        })
        .collect();
    runs.sort();
    println!(
        "{} packages, {} findings: first run {first:?} (includes the name index), median {:?}",
        inventory.package_count(),
        findings.len(),
        runs[runs.len() / 2]
    );
}
