#![no_main]
//! Fuzzes the `YarnClassic` parser.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tollgate_fuzz::parse(tollgate_model::LockfileFormat::YarnClassic, data)
});
