//! `cooldown`: versions published fewer than `minimum-release-age` days ago are reported
//! (most malicious releases are found and pulled within days). Publish times come from
//! the lock when it records them (uv.lock `upload-time`: the earliest artifact upload),
//! else from the registry metadata source; a package with neither is skipped.
//!
//! [`package_manager_settings`] also reads the package managers' own cooldown settings
//! and reports where they are weaker than the policy or missing:
//! - pnpm: `minimumReleaseAge` (minutes) in `pnpm-workspace.yaml`, or
//!   `minimum-release-age` in `.npmrc`; checked when `pnpm-lock.yaml` is present.
//! - uv: `exclude-newer` (an RFC 3339 timestamp, a date, or a duration like `"7 days"` /
//!   `"P7D"` in recent uv releases) in `[tool.uv]` of `pyproject.toml` or in `uv.toml`;
//!   checked when `uv.lock` is present.
//! - Yarn (Berry 4.10+): `npmMinimalAgeGate` in `.yarnrc.yml`, a duration (`7d`, `3h`); a
//!   bare number is read as minutes (not verified against Yarn's documentation).
//! - Cargo: no stable publish-age setting could be verified, so none is read.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use tollgate_model::{Ecosystem, Evidence, Finding};

use super::{Locked, RuleRef, locked, package_finding, policy_evidence};
use crate::config::Config;
use crate::metadata::MetadataSource;

/// A version younger than the policy's minimum release age.
pub const CODE_TOO_NEW: &str = "cooldown";
/// A package manager's own cooldown setting that is weaker than the policy, or missing.
pub const CODE_SETTING: &str = "cooldown-setting";

const SECONDS_PER_DAY: f64 = 86_400.0;

/// Runs the per-package part of the check.
pub fn check(
    inventory: &tollgate_lockfile::Inventory,
    config: &Config,
    metadata: &dyn MetadataSource,
    now: jiff::Timestamp,
) -> Vec<Finding> {
    let Some(days) = config.cooldown.minimum_release_age_days else {
        return Vec::new();
    };
    locked(inventory)
        .filter(|entry| {
            matches!(
                entry.package.source,
                tollgate_model::Source::Registry { .. }
            )
        })
        .filter(|entry| {
            !config
                .cooldown
                .exclude
                .iter()
                .any(|rule| rule.matches(entry.package))
        })
        .filter_map(|entry| check_package(entry, config, metadata, now, days))
        .collect()
}

fn check_package(
    entry: Locked<'_>,
    config: &Config,
    metadata: &dyn MetadataSource,
    now: jiff::Timestamp,
    days: u32,
) -> Option<Finding> {
    let package = entry.package;
    let (published, origin) = publish_time(entry, metadata)?;
    let age_days = now.duration_since(published).as_secs_f64() / SECONDS_PER_DAY;
    if age_days >= f64::from(days) {
        return None;
    }
    let summary = format!(
        "{} {} was published {published} ({age_days:.1} days ago, per {origin}); the policy waits {days} days",
        package.name, package.version
    );
    let rule = RuleRef {
        id: "cooldown.minimum-release-age",
        line: config.cooldown.line,
    };
    package_finding(
        CODE_TOO_NEW,
        config.cooldown.level,
        entry,
        config,
        rule,
        summary,
    )
}

fn publish_time(
    entry: Locked<'_>,
    metadata: &dyn MetadataSource,
) -> Option<(jiff::Timestamp, &'static str)> {
    let package = entry.package;
    let from_lock = package
        .artifacts
        .iter()
        .filter_map(|a| a.upload_time.as_deref())
        .filter_map(|t| jiff::Timestamp::from_str(t).ok())
        .min();
    if let Some(time) = from_lock {
        return Some((time, "the lockfile's upload time"));
    }
    metadata
        .publish_time(package.ecosystem, &package.name, &package.version)
        .ok()
        .flatten()
        .map(|time| (time, "registry metadata"))
}

/// A package manager cooldown setting as found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagerSetting {
    /// The file it is in.
    pub path: PathBuf,
    /// Its line, when it is set.
    pub line: Option<u32>,
    /// The key as the package manager spells it.
    pub key: &'static str,
    /// The effective minimum age in days; `None` when the setting is absent.
    pub days: Option<f64>,
}

/// Reads the package managers' cooldown settings in `root`.
pub fn read_manager_settings(
    root: &Path,
    now: jiff::Timestamp,
) -> Vec<(Ecosystem, ManagerSetting)> {
    let mut settings = Vec::new();
    if root.join("pnpm-lock.yaml").is_file() {
        let workspace = root.join("pnpm-workspace.yaml");
        let npmrc = root.join(".npmrc");
        let found = top_level_value(&workspace, "minimumReleaseAge", ':')
            .map(|(line, value)| (workspace.clone(), line, value, "minimumReleaseAge"))
            .or_else(|| {
                top_level_value(&npmrc, "minimum-release-age", '=')
                    .map(|(line, value)| (npmrc.clone(), line, value, "minimum-release-age"))
            });
        settings.push((
            Ecosystem::Npm,
            match found {
                Some((path, line, value, key)) => ManagerSetting {
                    path,
                    line: Some(line),
                    key,
                    days: value.parse::<f64>().ok().map(|minutes| minutes / 1440.0),
                },
                None => ManagerSetting {
                    path: workspace,
                    line: None,
                    key: "minimumReleaseAge",
                    days: None,
                },
            },
        ));
    }
    let yarnrc = root.join(".yarnrc.yml");
    if yarnrc.is_file() {
        let found = top_level_value(&yarnrc, "npmMinimalAgeGate", ':');
        settings.push((
            Ecosystem::Npm,
            ManagerSetting {
                line: found.as_ref().map(|(line, _)| *line),
                days: found.and_then(|(_, value)| duration_days(&value, true)),
                path: yarnrc,
                key: "npmMinimalAgeGate",
            },
        ));
    }
    if root.join("uv.lock").is_file() {
        let uv_toml = root.join("uv.toml");
        let pyproject = root.join("pyproject.toml");
        let found = top_level_value(&uv_toml, "exclude-newer", '=')
            .map(|found| (uv_toml.clone(), found))
            .or_else(|| {
                table_value(&pyproject, "tool.uv", "exclude-newer")
                    .map(|found| (pyproject.clone(), found))
            });
        settings.push((
            Ecosystem::PyPI,
            match found {
                Some((path, (line, value))) => ManagerSetting {
                    path,
                    line: Some(line),
                    key: "exclude-newer",
                    days: exclude_newer_days(&value, now),
                },
                None => ManagerSetting {
                    path: pyproject,
                    line: None,
                    key: "exclude-newer",
                    days: None,
                },
            },
        ));
    }
    settings
}

/// Reports each package manager setting under `roots` that is weaker than the policy.
pub fn package_manager_settings(
    roots: &[PathBuf],
    config: &Config,
    now: jiff::Timestamp,
) -> Vec<Finding> {
    let (Some(policy_days), Some(severity)) = (
        config.cooldown.minimum_release_age_days,
        config.cooldown.level.severity(),
    ) else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    for root in roots.iter().filter(|root| root.is_dir()) {
        for (ecosystem, setting) in read_manager_settings(root, now) {
            let path = setting.path.display().to_string();
            let summary = match setting.days {
                Some(days) if days + 1e-9 >= f64::from(policy_days) => continue,
                Some(days) => format!(
                    "{path}: `{}` allows versions {days:.1} days old; the policy waits {policy_days} days",
                    setting.key
                ),
                None => format!(
                    "{path}: `{}` is not set (or not understood), so the package manager installs brand-new versions; the policy waits {policy_days} days",
                    setting.key
                ),
            };
            let rule = RuleRef {
                id: "cooldown.minimum-release-age",
                line: config.cooldown.line,
            };
            findings.push(Finding {
                code: CODE_SETTING.into(),
                severity,
                ecosystem: Some(ecosystem),
                name: None,
                version: None,
                purl: None,
                lockfile: Some(path.clone()),
                line: setting.line,
                id: Some(rule.id.into()),
                aliases: Vec::new(),
                summary,
                fixed: None,
                affected: None,
                url: None,
                paths: Vec::new(),
                direct: None,
                fix: None,
                unscored: false,
                evidence: vec![
                    Evidence {
                        path,
                        line: setting.line,
                        snippet: None,
                        note: Some(format!("the package manager's `{}`", setting.key)),
                    },
                    policy_evidence(config, rule),
                ],
            });
        }
    }
    findings
}

/// `key<sep> value` at the start of a line (a top-level YAML key, an `.npmrc` or
/// top-level TOML entry), with quotes and a trailing `#` comment removed.
fn top_level_value(path: &Path, key: &str, separator: char) -> Option<(u32, String)> {
    let text = std::fs::read_to_string(path).ok()?;
    find_key(text.lines().enumerate(), key, separator)
}

fn find_key<'a>(
    lines: impl Iterator<Item = (usize, &'a str)>,
    key: &str,
    separator: char,
) -> Option<(u32, String)> {
    for (index, line) in lines {
        let Some(rest) = line.strip_prefix(key) else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix(separator) else {
            continue;
        };
        let value = value
            .split(" #")
            .next()
            .unwrap_or(value)
            .trim()
            .trim_matches(['"', '\'']);
        return Some((
            u32::try_from(index + 1).unwrap_or(u32::MAX),
            value.to_owned(),
        ));
    }
    None
}

/// `key = value` inside the TOML table `[table]`.
fn table_value(path: &Path, table: &str, key: &str) -> Option<(u32, String)> {
    let text = std::fs::read_to_string(path).ok()?;
    let header = format!("[{table}]");
    let mut in_table = false;
    let lines = text.lines().enumerate().filter(|(_, line)| {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_table = trimmed == header;
            return false;
        }
        in_table
    });
    find_key(lines.map(|(i, l)| (i, l.trim_start())), key, '=')
}

/// A duration in days: jiff's friendly (`7d`, `3 days`) or ISO 8601 (`P7D`) forms;
/// a bare number is minutes when `bare_minutes`.
fn duration_days(text: &str, bare_minutes: bool) -> Option<f64> {
    if let Ok(number) = text.parse::<f64>() {
        return bare_minutes.then_some(number / 1440.0);
    }
    let span = jiff::Span::from_str(text).ok()?;
    let duration = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .ok()?;
    Some(duration.as_secs_f64() / SECONDS_PER_DAY)
}

/// uv's `exclude-newer`: a timestamp or date (effective age: how long ago it is) or a
/// duration.
fn exclude_newer_days(text: &str, now: jiff::Timestamp) -> Option<f64> {
    let cutoff = jiff::Timestamp::from_str(text).ok().or_else(|| {
        jiff::civil::Date::from_str(text)
            .ok()
            .and_then(|date| date.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|zoned| zoned.timestamp())
    });
    match cutoff {
        Some(cutoff) => Some(now.duration_since(cutoff).as_secs_f64() / SECONDS_PER_DAY),
        None => duration_days(text, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_days("7d", true), Some(7.0));
        assert_eq!(duration_days("P7D", false), Some(7.0));
        assert_eq!(duration_days("2880", true), Some(2.0));
        assert_eq!(duration_days("2880", false), None);
        let now = jiff::Timestamp::from_str("2026-01-11T00:00:00Z").unwrap();
        assert_eq!(exclude_newer_days("2026-01-01", now), Some(10.0));
        assert_eq!(exclude_newer_days("2026-01-04T00:00:00Z", now), Some(7.0));
        assert_eq!(exclude_newer_days("1 week", now), Some(7.0));
    }

    #[test]
    fn finds_keys() {
        let yaml = "packages:\n  - a\nminimumReleaseAge: 4320 # three days\n";
        assert_eq!(
            find_key(yaml.lines().enumerate(), "minimumReleaseAge", ':'),
            Some((3, "4320".into()))
        );
    }
}
