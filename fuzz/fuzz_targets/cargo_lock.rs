#![no_main]
//! Fuzzes the `CargoLock` parser.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tollgate_fuzz::parse(tollgate_model::LockfileFormat::CargoLock, data)
});
