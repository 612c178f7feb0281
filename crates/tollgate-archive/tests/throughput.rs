//! Archive-reading throughput on real package archives (not shipped with the repo).
//!
//! Run: `TOLLGATE_ARCHIVE_BENCH_DIR=/path/to/archives cargo test --release
//! -p tollgate-archive --test throughput -- --ignored --nocapture`; every `.tgz`,
//! `.tar.gz`, `.crate`, `.whl` and `.zip` in the directory is read 10 times.

use std::time::Instant;

use tollgate_archive::{ArchiveKind, Limits, read_archive};

#[test]
#[ignore = "benchmark on archives outside the repo; run with --release"]
fn archive_reading_throughput() {
    let Some(dir) = std::env::var_os("TOLLGATE_ARCHIVE_BENCH_DIR") else {
        eprintln!("skipped: set TOLLGATE_ARCHIVE_BENCH_DIR to a directory of package archives");
        return;
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    let (mut total_in, mut total_seconds) = (0.0, 0.0);
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(kind) = ArchiveKind::from_filename(&name) else {
            continue;
        };
        let bytes = std::fs::read(&path).unwrap();
        let rounds = 10;
        let started = Instant::now();
        let mut unpacked = 0;
        for _ in 0..rounds {
            let entries = read_archive(&bytes, kind, &Limits::default()).unwrap();
            unpacked = entries.iter().map(|e| e.contents.len()).sum::<usize>();
        }
        let seconds = started.elapsed().as_secs_f64() / f64::from(rounds);
        let mb_in = bytes.len() as f64 / 1e6;
        total_in += mb_in;
        total_seconds += seconds;
        eprintln!(
            "{name}: {mb_in:.2} MB -> {:.2} MB in {:.2} ms: {:.0} MB/s archive, {:.0} MB/s unpacked",
            unpacked as f64 / 1e6,
            seconds * 1e3,
            mb_in / seconds,
            unpacked as f64 / 1e6 / seconds
        );
    }
    eprintln!("all: {:.0} MB/s of archive", total_in / total_seconds);
}
