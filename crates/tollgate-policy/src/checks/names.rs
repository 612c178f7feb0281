//! `names`: likely typosquats of popular packages (see [`crate::typosquat`]) and names the
//! registry does not know at all (the "hallucinated dependency" case: a name an AI
//! assistant or a typo invented, which anyone can register). Each distinct name is
//! looked at once, however many lockfiles lock it. Path and git packages are skipped.

use std::collections::HashSet;

use tollgate_model::{Ecosystem, Finding, Source};

use super::{RuleRef, locked, package_finding};
use crate::config::Config;
use crate::metadata::MetadataSource;
use crate::typosquat::PopularNames;

/// A likely typosquat.
pub const CODE_TYPOSQUAT: &str = "names-typosquat";
/// A name the registry does not know.
pub const CODE_NOT_FOUND: &str = "names-not-found";

/// One verdict about a name, shared by the policy check and `tollgate check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameVerdict {
    /// The name imitates `target`.
    Typosquat(crate::typosquat::SquatMatch),
    /// The registry has no package of this name.
    NotFound,
}

/// What is suspicious about `name`, if anything (typosquat first, then existence).
pub fn judge_name(
    ecosystem: Ecosystem,
    name: &str,
    config: &Config,
    popular: &PopularNames,
    metadata: &dyn MetadataSource,
) -> Vec<NameVerdict> {
    let names = &config.names;
    let mut verdicts = Vec::new();
    if names
        .allow
        .iter()
        .any(|rule| crate::config::name_matches(ecosystem, &rule.name, name))
    {
        return verdicts;
    }
    if names.typosquat
        && let Some(found) = popular.squat_target(ecosystem, name)
    {
        verdicts.push(NameVerdict::Typosquat(found));
    }
    if names.check_exists && metadata.exists(ecosystem, name).ok().flatten() == Some(false) {
        verdicts.push(NameVerdict::NotFound);
    }
    verdicts
}

/// Runs the check over every distinct registry package name.
pub fn check(
    inventory: &tollgate_lockfile::Inventory,
    config: &Config,
    popular: &PopularNames,
    metadata: &dyn MetadataSource,
) -> Vec<Finding> {
    let mut seen = HashSet::new();
    let mut findings = Vec::new();
    // Names locked in the same lockfile: a package named `tree-sitter-rust` next to a
    // locked `tree-sitter` is that project's companion, not an affix squat of it.
    let locked_names: HashSet<(&str, Ecosystem, &str)> = locked(inventory)
        .map(|e| {
            (
                e.lockfile.path.as_str(),
                e.package.ecosystem,
                e.package.normalized_name.as_str(),
            )
        })
        .collect();
    for entry in locked(inventory) {
        let package = entry.package;
        if !matches!(package.source, Source::Registry { .. } | Source::Unknown)
            || !seen.insert((package.ecosystem, package.normalized_name.as_str()))
        {
            continue;
        }
        for verdict in judge_name(package.ecosystem, &package.name, config, popular, metadata) {
            if let NameVerdict::Typosquat(found) = &verdict
                && found.technique == crate::typosquat::Technique::Affix
                && locked_names.contains(&(
                    entry.lockfile.path.as_str(),
                    package.ecosystem,
                    tollgate_model::normalize_name(package.ecosystem, &found.target).as_str(),
                ))
            {
                continue;
            }
            let (code, id, summary) = match verdict {
                NameVerdict::Typosquat(found) => (
                    CODE_TYPOSQUAT,
                    "names.typosquat",
                    format!(
                        "{} looks like a typosquat of the popular {} package `{}` ({})",
                        package.name,
                        package.ecosystem,
                        found.target,
                        found.technique.describe()
                    ),
                ),
                NameVerdict::NotFound => (
                    CODE_NOT_FOUND,
                    "names.check-exists",
                    format!(
                        "{} does not exist on the {} registry: a mistyped or invented name that anyone could register",
                        package.name, package.ecosystem
                    ),
                ),
            };
            let rule = RuleRef {
                id,
                line: config.names.line,
            };
            findings.extend(package_finding(
                code,
                config.names.level,
                entry,
                config,
                rule,
                summary,
            ));
        }
    }
    findings
}
