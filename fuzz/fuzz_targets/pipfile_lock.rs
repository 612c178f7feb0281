#![no_main]
//! Fuzzes the `PipfileLock` parser.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tollgate_fuzz::parse(tollgate_model::LockfileFormat::PipfileLock, data)
});
