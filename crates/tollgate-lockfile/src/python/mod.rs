//! Parsers for the Python ecosystem's lockfiles: uv, Poetry, PDM, Pipenv, PEP 751 and
//! pip requirements files.

pub(crate) mod common;
pub(crate) mod pdm;
pub(crate) mod pep508;
pub(crate) mod pipfile;
pub(crate) mod poetry;
pub(crate) mod pylock;
pub(crate) mod requirements;
pub(crate) mod toml_input;
pub(crate) mod uv;
