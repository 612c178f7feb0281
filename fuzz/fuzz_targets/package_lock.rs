#![no_main]
//! Fuzzes the `PackageLock` parser.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tollgate_fuzz::parse(tollgate_model::LockfileFormat::PackageLock, data)
});
