//! Package keys of the store tables, and tollgate's extension of them to npm and PyPI.
//!
//! cargo-vet keys `[[audits.NAME]]`, `[[exemptions.NAME]]` and the other tables by crate
//! name. tollgate accepts an ecosystem prefix on the key, `npm:NAME` or `pypi:NAME`
//! (`[[audits."npm:lodash"]]`), for packages of those registries. Crate names cannot
//! contain `:`, so a qualified key never names a crate, and an unqualified key keeps
//! meaning a crate: existing cargo-vet stores read unchanged, and cargo-vet reads the
//! qualified entries as crates that are never in its build graph.
//!
//! Names compare as each registry compares them: PyPI names after PEP 503 normalization,
//! npm names and crate names exactly (cargo-vet compares crate names exactly, and Cargo.lock
//! records each crate's canonical spelling).

use std::fmt;

use serde::Serialize;
use tollgate_model::{Ecosystem, normalize_name};

/// A package as the store names it: an ecosystem and the name as that registry compares it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageKey {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The name after the ecosystem's normalization.
    pub name: String,
}

impl PackageKey {
    /// The key of `name` in `ecosystem`.
    pub fn new(ecosystem: Ecosystem, name: &str) -> Self {
        let name = match ecosystem {
            Ecosystem::PyPI => normalize_name(ecosystem, name),
            Ecosystem::Npm | Ecosystem::CratesIo => name.trim().to_owned(),
        };
        PackageKey { ecosystem, name }
    }

    /// Parses a table key: `serde` (a crate), `npm:lodash`, `pypi:Requests`. The error says
    /// what was expected.
    pub fn parse(key: &str) -> Result<Self, String> {
        match split_ecosystem(key)? {
            Some((ecosystem, name)) => Ok(PackageKey::new(ecosystem, name)),
            None if key.contains(':') => Err(format!(
                "`{key}`: a key with `:` must start with an ecosystem, `npm:` or `pypi:` (crates.io packages use the plain crate name)"
            )),
            None if key.trim().is_empty() => Err("a package name is empty".to_owned()),
            None => Ok(PackageKey::new(Ecosystem::CratesIo, key)),
        }
    }
}

/// `Some((ecosystem, name))` when `key` starts with an ecosystem prefix tollgate knows,
/// `None` when it has no such prefix. A known prefix with an empty name is an error.
pub(crate) fn split_ecosystem(key: &str) -> Result<Option<(Ecosystem, &str)>, String> {
    let Some((prefix, name)) = key.split_once(':') else {
        return Ok(None);
    };
    let ecosystem = if prefix.eq_ignore_ascii_case("npm") {
        Ecosystem::Npm
    } else if prefix.eq_ignore_ascii_case("pypi") {
        Ecosystem::PyPI
    } else {
        return Ok(None);
    };
    if name.trim().is_empty() {
        return Err(format!(
            "`{key}`: the package name after `{prefix}:` is empty"
        ));
    }
    Ok(Some((ecosystem, name)))
}

impl fmt::Display for PackageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ecosystem {
            Ecosystem::CratesIo => f.write_str(&self.name),
            Ecosystem::Npm => write!(f, "npm:{}", self.name),
            Ecosystem::PyPI => write!(f, "pypi:{}", self.name),
        }
    }
}

impl Serialize for PackageKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unqualified_keys_are_crates_and_prefixes_select_ecosystems() {
        let serde = PackageKey::parse("serde").unwrap();
        assert_eq!(serde.ecosystem, Ecosystem::CratesIo);
        let lodash = PackageKey::parse("npm:@types/node").unwrap();
        assert_eq!(
            (lodash.ecosystem, lodash.name.as_str()),
            (Ecosystem::Npm, "@types/node")
        );
        let requests = PackageKey::parse("pypi:Typing_Extensions").unwrap();
        assert_eq!(
            requests,
            PackageKey::new(Ecosystem::PyPI, "typing-extensions")
        );
        assert_eq!(requests.to_string(), "pypi:typing-extensions");
    }

    #[test]
    fn unknown_prefixes_and_empty_names_are_refused() {
        assert!(
            PackageKey::parse("maven:junit")
                .unwrap_err()
                .contains("`npm:` or `pypi:`")
        );
        assert!(PackageKey::parse("npm:").unwrap_err().contains("empty"));
        assert!(PackageKey::parse(" ").is_err());
    }

    #[test]
    fn npm_and_crate_names_compare_exactly() {
        assert_ne!(
            PackageKey::new(Ecosystem::Npm, "JSONStream"),
            PackageKey::new(Ecosystem::Npm, "jsonstream")
        );
        assert_ne!(
            PackageKey::new(Ecosystem::CratesIo, "serde_json"),
            PackageKey::new(Ecosystem::CratesIo, "serde-json")
        );
    }
}
