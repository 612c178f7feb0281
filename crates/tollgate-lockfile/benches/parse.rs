//! Parser throughput: the largest real lockfile of each format, parsed from memory.
//!
//! Reads the unpacked corpus from `TOLLGATE_BENCH_CORPUS` (default: `target/corpus`, which
//! `scripts/bench-inventory.sh` and `scripts/corpus_check.py` fill from `../shared/corpus`).
//! Formats with no corpus file are skipped with a message. Criterion reports bytes per second.

use std::path::{Path, PathBuf};

// The allocator of the `tollgate` binary, so that the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tollgate_lockfile::{detect_format, parse_str};

fn corpus_dir() -> PathBuf {
    std::env::var_os("TOLLGATE_BENCH_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/corpus"),
        PathBuf::from,
    )
}

/// Every lockfile under `dir`, recursively.
fn lockfiles(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            lockfiles(&path, out);
        } else if detect_format(&path).is_some() {
            out.push(path);
        }
    }
}

fn bench_largest_per_format(c: &mut Criterion) {
    let mut files = Vec::new();
    lockfiles(&corpus_dir(), &mut files);
    if files.is_empty() {
        eprintln!(
            "no corpus under {}; run scripts/bench-inventory.sh",
            corpus_dir().display()
        );
        return;
    }
    let mut largest: std::collections::BTreeMap<String, (u64, PathBuf)> = Default::default();
    for path in files {
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        let Some(format) = detect_format(&path) else {
            continue;
        };
        let key = format.as_str().to_owned();
        if largest.get(&key).is_none_or(|(best, _)| size > *best) {
            largest.insert(key, (size, path));
        }
    }
    let mut group = c.benchmark_group("parse");
    for (name, (size, path)) in largest {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Some(format) = detect_format(&path) else {
            continue;
        };
        let display = path.display().to_string();
        // yarn.lock is detected as classic; the parser re-labels Berry files itself.
        match parse_str(&display, &text, format) {
            Ok(lock) => eprintln!(
                "{name}: {} ({size} bytes, {} packages)",
                display,
                lock.packages.len()
            ),
            Err(e) => {
                eprintln!("{name}: skipped, does not parse: {e}");
                continue;
            }
        }
        group.throughput(Throughput::Bytes(size));
        group.bench_function(name, |b| b.iter(|| parse_str(&display, &text, format)));
    }
    group.finish();
}

criterion_group!(benches, bench_largest_per_format);
criterion_main!(benches);
