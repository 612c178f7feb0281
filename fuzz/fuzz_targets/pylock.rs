#![no_main]
//! Fuzzes the `Pylock` parser.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tollgate_fuzz::parse(tollgate_model::LockfileFormat::Pylock, data)
});
