//! Measures the analysis throughput over a folder of package archives: reading each
//! archive safely (decompression included) and analysing its install-time code, on one
//! thread. Usage: `cargo run --release -p tollgate-analysis --example throughput -- DIR`.

use std::time::Instant;

use tollgate_analysis::{PackageFiles, analyze_package};

/// The `tollgate` binary counts allocations for the memory limit; so does this, so the
/// figures include that cost.
#[global_allocator]
static GLOBAL: tollgate_analysis::memory::CountingAlloc =
    tollgate_analysis::memory::CountingAlloc::system();

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: throughput DIR")?;
    let mut archives = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let name = path.display().to_string();
        if tollgate_archive::ArchiveKind::from_filename(&name).is_some() {
            archives.push((name, std::fs::read(&path)?));
        }
    }
    let total: usize = archives.iter().map(|(_, bytes)| bytes.len()).sum();
    let start = Instant::now();
    let (mut parsed, mut failed) = (0u64, 0usize);
    if std::env::var_os("READ_ONLY").is_some() {
        // Only the safe archive reading, to split the time between unpacking and analysis.
        for (name, bytes) in &archives {
            failed += usize::from(PackageFiles::from_archive(name, bytes).is_err());
        }
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "read only: {} archives ({failed} unreadable), {:.0} MB/s of archive",
            archives.len(),
            total as f64 / 1e6 / seconds
        );
        return Ok(());
    }
    for (name, bytes) in &archives {
        match PackageFiles::from_archive(name, bytes)
            .and_then(|files| analyze_package(name, &files))
        {
            Ok(report) => parsed += report.bytes_parsed,
            Err(_) => failed += 1,
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{} archives ({failed} unreadable), {:.1} MB of archives, {:.1} MB of install-time source parsed, {seconds:.2} s, {:.0} MB/s of archive on one thread",
        archives.len(),
        total as f64 / 1e6,
        parsed as f64 / 1e6,
        total as f64 / 1e6 / seconds
    );
    Ok(())
}
