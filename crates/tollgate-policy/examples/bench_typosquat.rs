//! Times the typosquat index: building each ecosystem's index from the shipped list
//! (median of 30 fresh parses), and `squat_target` over the package names of the lockfiles
//! given as arguments (median of 50 rounds, index built).
//!
//! `cargo run --release -p tollgate-policy --example bench_typosquat -- LOCKFILE...`

use std::time::{Duration, Instant};

use tollgate_model::Ecosystem;
use tollgate_policy::PopularNames;

const LIST: &str = include_str!("../data/popular-names.txt");

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn main() {
    for ecosystem in Ecosystem::ALL {
        let runs = (0..30)
            .map(|_| {
                let list = PopularNames::parse(LIST);
                let started = Instant::now();
                let len = list.len(ecosystem);
                let elapsed = started.elapsed();
                assert!(len > 0);
                elapsed
            })
            .collect();
        println!("{ecosystem}: index build median {:?}", median(runs));
    }
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let inventory = tollgate_lockfile::inventory(&paths);
    let names: Vec<(Ecosystem, &str)> = inventory
        .lockfiles
        .iter()
        .flat_map(|l| l.packages.iter().map(|p| (p.ecosystem, p.name.as_str())))
        .collect();
    let popular = PopularNames::shipped();
    for ecosystem in Ecosystem::ALL {
        popular.prepare(ecosystem);
    }
    let mut flagged = 0;
    let runs = (0..50)
        .map(|_| {
            let started = Instant::now();
            flagged = names
                .iter()
                .filter(|(e, n)| popular.squat_target(*e, n).is_some())
                .count();
            started.elapsed()
        })
        .collect();
    println!(
        "{} names, {flagged} flagged: squat_target median {:?} a round",
        names.len(),
        median(runs)
    );
}
