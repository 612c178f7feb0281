#![no_main]
//! Fuzzes the `Requirements` parser.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tollgate_fuzz::parse(tollgate_model::LockfileFormat::Requirements, data)
});
