#![no_main]
//! Fuzzes `tollgate_fuzz::archive` (see its documentation).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tollgate_fuzz::archive(data)
});
