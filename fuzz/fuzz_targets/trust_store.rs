#![no_main]
//! Fuzzes the trust store: the audits.toml, config.toml and imports.lock parsers, the
//! config.toml edit of `trust import`, and evaluation of whatever audits.toml parsed
//! against a few locked packages (arbitrary audit graphs: cycles, self-loops, deltas to
//! nowhere).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        tollgate_fuzz::trust_store(text);
    }
});
