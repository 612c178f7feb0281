//! Prints the lock-only install-time map of the lockfiles under the given paths: one line
//! per lockfile, then per-ecosystem totals. Usage:
//! `cargo run -p tollgate-analysis --example lockmap -- PATH...`

use tollgate_analysis::lockmap::{CargoSources, counts, map_inventory};

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let inventory = tollgate_lockfile::inventory(&paths);
    let home = CargoSources::default_home();
    let maps = map_inventory(&inventory, home.as_deref());
    for map in &maps {
        let totals = counts(std::slice::from_ref(map));
        for (ecosystem, c) in totals.iter().filter(|(_, c)| c.packages > 0) {
            println!(
                "{} ({}, {ecosystem}): {} packages, {} runs-code ({} blocked), {} no-code, {} unknown",
                map.lockfile, map.format, c.packages, c.runs_code, c.blocked, c.no_code, c.unknown
            );
        }
    }
    println!("| ecosystem | packages | runs-code | blocked | no-code | unknown |");
    println!("|---|---|---|---|---|---|");
    for (ecosystem, c) in counts(&maps).iter().filter(|(_, c)| c.packages > 0) {
        println!(
            "| {ecosystem} | {} | {} | {} | {} | {} |",
            c.packages, c.runs_code, c.blocked, c.no_code, c.unknown
        );
    }
    for error in &inventory.errors {
        eprintln!("error: {error}");
    }
}
