//! The public default addresses, in one place.
//!
//! tollgate reads the addresses a user has configured (npm's `registry`, pip/uv's index
//! URL, cargo's source replacement, `--osv-url`) and falls back to these only when none is
//! set. Nothing else in the code base may spell out a public registry's address.

/// npm's public registry (`npm config get registry`).
pub const NPM_REGISTRY: &str = "https://registry.npmjs.org/";

/// PyPI's simple index (PEP 503 / PEP 691), what pip's and uv's `index-url` default to.
pub const PYPI_SIMPLE_INDEX: &str = "https://pypi.org/simple/";

/// The file host PyPI's simple index links to (wheels and sdists are downloaded from here).
pub const PYPI_FILES: &str = "https://files.pythonhosted.org/";

/// Yarn's mirror of the npm registry, the address Yarn classic writes in `yarn.lock`.
pub const YARN_REGISTRY: &str = "https://registry.yarnpkg.com/";

/// PyPI's JSON API, for per-release metadata (upload times, license, files).
pub const PYPI_JSON_API: &str = "https://pypi.org/pypi/";

/// crates.io's sparse index (cargo's default `sparse+` registry protocol).
pub const CRATES_IO_SPARSE_INDEX: &str = "https://index.crates.io/";

/// The source id cargo writes in Cargo.lock for crates.io.
pub const CRATES_IO_LOCK_SOURCE: &str = "registry+https://github.com/rust-lang/crates.io-index";

/// The sparse-protocol source id cargo writes in Cargo.lock for crates.io.
pub const CRATES_IO_SPARSE_LOCK_SOURCE: &str = "sparse+https://index.crates.io/";

/// crates.io's web API (`{base}crates/{name}`: per-version facts the index lacks, such as
/// trusted publishing).
pub const CRATES_IO_API: &str = "https://crates.io/api/v1/";

/// crates.io's download endpoint for `.crate` files (`{base}{name}/{version}/download`).
pub const CRATES_IO_DOWNLOAD: &str = "https://static.crates.io/crates/";

/// The OSV project's per-ecosystem exports: `{base}{ecosystem}/all.zip`.
pub const OSV_EXPORT_BASE: &str = "https://osv-vulnerabilities.storage.googleapis.com/";
