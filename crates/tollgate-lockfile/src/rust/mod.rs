//! The parser for Cargo's `Cargo.lock`.

pub(crate) mod cargo_lock;
