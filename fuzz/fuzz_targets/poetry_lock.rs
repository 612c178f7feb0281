#![no_main]
//! Fuzzes the `PoetryLock` parser.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tollgate_fuzz::parse(tollgate_model::LockfileFormat::PoetryLock, data)
});
