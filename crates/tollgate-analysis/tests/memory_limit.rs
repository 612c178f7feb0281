//! The per-package memory limit (`JudgeOptions::memory_limit`) and the counting allocator
//! behind it. This test binary installs `CountingAlloc` as its global allocator, as the
//! `tollgate` binary does; the library's own unit tests run without one, which is the
//! "not enforced" case.
//!
//! The test harness runs tests on several threads at once; the counters are per thread, so
//! each test sees only its own allocations.

use tollgate_analysis::memory::{CountingAlloc, Mark, is_counting};
use tollgate_analysis::{JudgeOptions, PackageFiles, Verdict, VerdictLevel, analyze_package_with};

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc::system();

const MIB: u64 = 1024 * 1024;

fn judge(files: &[(&str, String)], options: &JudgeOptions) -> Verdict {
    let entries = files
        .iter()
        .map(|(path, text)| (format!("fixture-1.0/{path}"), text.clone().into_bytes()));
    analyze_package_with("fixture", &PackageFiles::from_entries(entries), options)
        .expect("analysable")
        .verdict
}

fn limited(bytes: u64) -> JudgeOptions {
    JudgeOptions {
        memory_limit: bytes,
        ..JudgeOptions::default()
    }
}

/// A benign sdist with a large generated module (the shape of a Unicode or timezone table
/// package): about 2 MiB of literal data, imported by the package's `__init__`. Reading
/// that one file for analysis already takes more than 1 MiB, so crossing a 1 MiB budget
/// does not depend on how the rules allocate.
fn package_with_a_large_table() -> Vec<(&'static str, String)> {
    let mut table = String::from("TABLE = {\n");
    for n in 0..90_000u32 {
        table.push_str(&format!("    {n}: 'entry-{n:08}',\n"));
    }
    table.push_str("}\n");
    assert!(table.len() > 2 * MIB as usize);
    vec![
        (
            "PKG-INFO",
            "Metadata-Version: 2.1\nName: fixture\nVersion: 1.0\n".to_owned(),
        ),
        (
            "setup.py",
            "from setuptools import setup\nsetup(name='fixture', version='1.0')\n".to_owned(),
        ),
        (
            "fixture/__init__.py",
            "from ._table import TABLE\n".to_owned(),
        ),
        ("fixture/_table.py", table),
    ]
}

#[test]
fn the_test_binary_counts() {
    assert!(is_counting());
}

#[test]
fn a_package_past_the_memory_budget_is_suspicious_with_analysis_limit() {
    let verdict = judge(&package_with_a_large_table(), &limited(MIB));
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
    let reason = verdict
        .reasons
        .iter()
        .find(|r| r.rule == "analysis-limit")
        .unwrap_or_else(|| panic!("no analysis-limit: {verdict:#?}"));
    assert_eq!(reason.why, "analysis stopped after 1 MiB");
}

#[test]
fn the_same_package_under_the_default_budget_is_clean() {
    let verdict = judge(&package_with_a_large_table(), &JudgeOptions::default());
    assert_eq!(verdict.level, VerdictLevel::Clean, "{verdict:#?}");
    assert!(verdict.reasons.iter().all(|r| r.rule != "analysis-limit"));
}

#[test]
fn a_normal_package_is_unaffected_by_the_default_budget() {
    // A build that runs a compiler: its verdict must be the same with and without a limit.
    let files = vec![
        (
            "PKG-INFO",
            "Metadata-Version: 2.1\nName: fixture\nVersion: 1.0\n".to_owned(),
        ),
        (
            "setup.py",
            "import subprocess\nfrom setuptools import setup\n\
             subprocess.check_call(['cc', '-O2', '-c', 'ext.c'])\nsetup(name='fixture')\n"
                .to_owned(),
        ),
        ("fixture/__init__.py", "VERSION = '1.0'\n".to_owned()),
    ];
    let default = judge(&files, &JudgeOptions::default());
    let unlimited = judge(&files, &limited(u64::MAX));
    assert_eq!(default, unlimited);
    assert!(default.reasons.iter().all(|r| r.rule != "analysis-limit"));
}

#[test]
fn the_peak_counts_a_temporary_freed_before_the_check() {
    let mark = Mark::now();
    let temporary = std::hint::black_box(vec![0u8; 3 * MIB as usize]);
    drop(temporary);
    assert!(mark.peak_bytes() >= 3 * MIB);
    assert!(mark.in_use_bytes() < MIB);
}

#[test]
fn marks_nest() {
    let outer = Mark::now();
    let kept = std::hint::black_box(vec![0u8; 2 * MIB as usize]);
    {
        let inner = Mark::now();
        assert!(
            inner.peak_bytes() < MIB,
            "the inner mark starts from what is in use"
        );
        let more = std::hint::black_box(vec![0u8; MIB as usize]);
        assert!(inner.peak_bytes() >= MIB);
        drop(more);
    }
    assert!(
        outer.peak_bytes() >= 3 * MIB,
        "the inner stretch's peak counts outside"
    );
    drop(kept);
}

#[test]
fn reallocation_is_counted_by_its_growth() {
    let mark = Mark::now();
    let mut grown: Vec<u8> = Vec::with_capacity(1024);
    grown.resize(4 * MIB as usize, 1);
    assert!(mark.in_use_bytes() >= 4 * MIB);
    grown.truncate(16);
    grown.shrink_to_fit();
    assert!(mark.in_use_bytes() < MIB);
    drop(std::hint::black_box(grown));
}
