//! `licenses`: every package's SPDX license expression must be satisfiable with the
//! allowed licenses (plus the package's own exceptions).
//!
//! Where the license comes from, first match wins: a `[[licenses.clarify]]` entry, the
//! lock (package-lock v2+ records `license`), the registry metadata source. Expressions
//! are parsed with the `spdx` crate in its lax mode (`MIT/Apache-2.0`, `GPL-2.0+` and
//! other common spellings are understood). The check runs only when `allow` lists at
//! least one license; local path and workspace packages (the project itself) are skipped.

use tollgate_model::{Finding, Source};

use super::{Locked, RuleRef, locked, package_finding};
use crate::config::Config;
use crate::metadata::MetadataSource;

/// A license the policy does not allow.
pub const CODE_DENIED: &str = "licenses-denied";
/// A package whose license is unknown or not an SPDX expression.
pub const CODE_UNKNOWN: &str = "licenses-unknown";

/// Runs the check over every locked package.
pub fn check(
    inventory: &tollgate_lockfile::Inventory,
    config: &Config,
    metadata: &dyn MetadataSource,
) -> Vec<Finding> {
    if config.licenses.allow.is_empty() {
        return Vec::new();
    }
    locked(inventory)
        .filter(|entry| !matches!(entry.package.source, Source::Path { .. }))
        .filter_map(|entry| check_package(entry, config, metadata))
        .collect()
}

/// The license text of a package and where it came from.
fn license_of(
    entry: Locked<'_>,
    config: &Config,
    metadata: &dyn MetadataSource,
) -> Option<(String, &'static str)> {
    let package = entry.package;
    if let Some(clarified) = config
        .licenses
        .clarify
        .iter()
        .find(|c| c.rule.matches(package))
    {
        return Some((clarified.expression.clone(), "a [[licenses.clarify]] entry"));
    }
    if let Some(license) = &package.license {
        return Some((license.clone(), "the lockfile"));
    }
    metadata
        .license(package.ecosystem, &package.name, &package.version)
        .ok()
        .flatten()
        .map(|license| (license, "registry metadata"))
}

fn check_package(
    entry: Locked<'_>,
    config: &Config,
    metadata: &dyn MetadataSource,
) -> Option<Finding> {
    let section = &config.licenses;
    let package = entry.package;
    let allow_rule = RuleRef {
        id: "licenses.allow",
        line: section.line,
    };
    let Some((text, origin)) = license_of(entry, config, metadata) else {
        let summary = format!(
            "{} {} has no known license (not in the lock, not in registry metadata)",
            package.name, package.version
        );
        return package_finding(
            CODE_UNKNOWN,
            section.unknown,
            entry,
            config,
            allow_rule,
            summary,
        );
    };
    let expression = match spdx::Expression::parse_mode(&text, spdx::ParseMode::LAX) {
        Ok(expression) => expression,
        Err(error) => {
            let summary = format!(
                "{} {} has license `{text}` (from {origin}), which is not an SPDX expression: {}",
                package.name, package.version, error.reason
            );
            return package_finding(
                CODE_UNKNOWN,
                section.unknown,
                entry,
                config,
                allow_rule,
                summary,
            );
        }
    };
    let exceptions: Vec<&String> = section
        .exceptions
        .iter()
        .filter(|e| e.rule.matches(package))
        .flat_map(|e| &e.allow)
        .collect();
    let allowed = |req: &spdx::LicenseReq| {
        let written = req.to_string();
        let plain = written.replace('+', "");
        section
            .allow
            .iter()
            .chain(exceptions.iter().copied())
            .any(|id| id.eq_ignore_ascii_case(&written) || id.eq_ignore_ascii_case(&plain))
    };
    if expression.evaluate(allowed) {
        return None;
    }
    let summary = format!(
        "{} {} is licensed `{text}` (from {origin}), which the allowed licenses do not satisfy",
        package.name, package.version
    );
    package_finding(
        CODE_DENIED,
        section.level,
        entry,
        config,
        allow_rule,
        summary,
    )
}
