//! Parsers for the npm ecosystem's lockfiles: npm, Yarn, pnpm and Bun.

pub(crate) mod bun;
pub(crate) mod package_lock;
pub(crate) mod pnpm;
pub(crate) mod yarn;
