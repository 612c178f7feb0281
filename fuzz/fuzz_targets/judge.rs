#![no_main]
//! Fuzzes `tollgate_fuzz::judge` (see its documentation).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tollgate_fuzz::judge(data)
});
