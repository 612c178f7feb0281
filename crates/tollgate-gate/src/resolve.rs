//! Which version `tollgate check NAME` checks: the one an install would get now, and
//! whether a name is one the registry could hold at all.
//!
//! The version is the newest release that is neither a pre-release nor yanked, as
//! `pip install`, `uv add` and `cargo add` pick (npm installs its `latest` dist-tag, which
//! is that same release unless a publisher moved the tag back). With a cooldown in the
//! policy (`[cooldown] minimum-release-age`), releases younger than it are passed over, as
//! the package managers' own cooldown settings (`uv --exclude-newer`, pnpm
//! `minimumReleaseAge`) pass them over; when every release is younger, the newest is
//! checked and the cooldown check reports it.

use tollgate_model::Ecosystem;
use tollgate_policy::{Config, Level};
use tollgate_version::Scheme;

use crate::ListedVersion;

/// The version chosen, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The version.
    pub version: String,
    /// The cooldown it honoured, in days.
    pub cooldown: Option<u32>,
    /// Whether a newer release was passed over because of the cooldown.
    pub held_back: bool,
}

impl Choice {
    /// A note for the report.
    pub fn describe(&self) -> String {
        let why = match (self.cooldown, self.held_back) {
            (Some(days), true) => format!(
                "the newest release at least {days} days old (the policy's cooldown; newer ones \
                 were passed over)"
            ),
            (Some(days), false) => format!(
                "the newest release (no release is {days} days old yet, so the cooldown check \
                 judges it)"
            ),
            (None, _) => "the newest release that is neither a pre-release nor yanked".into(),
        };
        format!(
            "no version given: checked {}, the version an install would get now: {why}",
            self.version
        )
    }
}

/// The policy's cooldown for `name`, in days (`None`: none applies).
pub fn cooldown_days(config: &Config, ecosystem: Ecosystem, name: &str) -> Option<u32> {
    let cooldown = &config.cooldown;
    let excluded = cooldown.exclude.iter().any(|rule| {
        rule.ecosystem.is_none_or(|e| e == ecosystem)
            && tollgate_policy::config::name_matches(ecosystem, &rule.name, name)
    });
    if cooldown.level == Level::Allow || excluded {
        return None;
    }
    cooldown.minimum_release_age_days.filter(|days| *days > 0)
}

/// The version an install would get now (see the module documentation).
pub fn installable(
    ecosystem: Ecosystem,
    versions: &[ListedVersion],
    cooldown_days: Option<u32>,
    now: jiff::Timestamp,
) -> Option<Choice> {
    let scheme = Scheme::of_ecosystem(ecosystem);
    // npm installs a deprecated release all the same (only a warning); the others skip
    // yanked ones.
    let candidates: Vec<(tollgate_version::Version, &ListedVersion)> = versions
        .iter()
        .filter(|listed| ecosystem == Ecosystem::Npm || !listed.yanked)
        .filter_map(|listed| Some((scheme.parse(&listed.version).ok()?, listed)))
        .filter(|(version, _)| !version.is_prerelease())
        .collect();
    let newest = |pool: &mut dyn Iterator<Item = &(tollgate_version::Version, &ListedVersion)>| {
        pool.max_by(|a, b| a.0.compare(&b.0).unwrap_or(std::cmp::Ordering::Equal))
            .map(|(_, listed)| listed.version.clone())
    };
    let latest = newest(&mut candidates.iter())?;
    let Some(days) = cooldown_days else {
        return Some(Choice {
            version: latest,
            cooldown: None,
            held_back: false,
        });
    };
    let cutoff = now
        .checked_sub(jiff::SignedDuration::from_hours(i64::from(days) * 24))
        .ok();
    let old_enough =
        newest(&mut candidates.iter().filter(
            |(_, listed)| matches!((listed.published, cutoff), (Some(p), Some(c)) if p <= c),
        ));
    Some(match old_enough {
        Some(version) => Choice {
            held_back: version != latest,
            version,
            cooldown: Some(days),
        },
        None => Choice {
            version: latest,
            cooldown: Some(days),
            held_back: false,
        },
    })
}

/// Whether `name` could be a package name of `ecosystem` (the registries' own rules,
/// loosely: a name no registry accepts is a typo or an attack on the command line, and
/// answering "no findings" for it would mislead).
pub fn validate_name(ecosystem: Ecosystem, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if let Some(c) = name.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("it contains {c:?}"));
    }
    match ecosystem {
        Ecosystem::Npm => {
            let bare = match name.strip_prefix('@') {
                Some(scoped) => {
                    let (scope, bare) = scoped
                        .split_once('/')
                        .ok_or("a scoped name is `@scope/name`")?;
                    if scope.is_empty() || !scope.chars().all(npm_char) {
                        return Err("the scope holds characters npm does not allow".into());
                    }
                    bare
                }
                None => name,
            };
            if name.len() > 214 {
                return Err("npm names are at most 214 characters".into());
            }
            if bare.is_empty() || bare.starts_with(['.', '_']) || !bare.chars().all(npm_char) {
                return Err(
                    "npm names are URL-safe characters (letters, digits, `-._~`), not starting \
                     with `.` or `_`"
                        .into(),
                );
            }
        }
        Ecosystem::PyPI => {
            let valid = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                && name.starts_with(|c: char| c.is_ascii_alphanumeric())
                && name.ends_with(|c: char| c.is_ascii_alphanumeric());
            if !valid {
                return Err(
                    "PyPI names are letters, digits and `-_.`, starting and ending with a \
                     letter or digit (PEP 508)"
                        .into(),
                );
            }
        }
        Ecosystem::CratesIo => {
            let valid = name.len() <= 64
                && name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid {
                return Err(
                    "crate names are at most 64 letters, digits, `-` and `_`, starting with a \
                     letter"
                        .into(),
                );
            }
        }
    }
    Ok(())
}

fn npm_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(version: &str, days_old: i64, yanked: bool) -> ListedVersion {
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        ListedVersion {
            version: version.into(),
            published: now
                .checked_sub(jiff::SignedDuration::from_hours(days_old * 24))
                .ok(),
            yanked,
        }
    }

    #[test]
    fn newest_stable_unyanked_release_honouring_the_cooldown() {
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let versions = [
            listed("1.9.0", 400, false),
            listed("1.10.0", 30, false),
            listed("1.11.0", 2, false),
            listed("2.0.0-rc.1", 1, false),
            listed("1.12.0", 1, true),
        ];
        let pick =
            |ecosystem, days| installable(ecosystem, &versions, days, now).map(|c| c.version);
        assert_eq!(pick(Ecosystem::CratesIo, None).as_deref(), Some("1.11.0"));
        assert_eq!(
            pick(Ecosystem::CratesIo, Some(7)).as_deref(),
            Some("1.10.0")
        );
        assert_eq!(
            pick(Ecosystem::CratesIo, Some(365)).as_deref(),
            Some("1.9.0")
        );
        // Every release younger than the cooldown: the newest, for the cooldown check.
        assert_eq!(
            pick(Ecosystem::CratesIo, Some(1000)).as_deref(),
            Some("1.11.0")
        );
        // npm installs deprecated releases.
        assert_eq!(pick(Ecosystem::Npm, None).as_deref(), Some("1.12.0"));
        assert_eq!(installable(Ecosystem::Npm, &[], None, now), None);
    }

    #[test]
    fn names_no_registry_accepts_are_refused() {
        for (ecosystem, name) in [
            (Ecosystem::Npm, ""),
            (Ecosystem::Npm, "left pad"),
            (Ecosystem::Npm, ".hidden"),
            (Ecosystem::Npm, "@scope"),
            (Ecosystem::Npm, "a/b"),
            (Ecosystem::PyPI, "-requests"),
            (Ecosystem::PyPI, "re$quests"),
            (Ecosystem::CratesIo, "1serde"),
            (Ecosystem::CratesIo, "serde.json"),
        ] {
            assert!(
                validate_name(ecosystem, name).is_err(),
                "{ecosystem} {name:?}"
            );
        }
        for (ecosystem, name) in [
            (Ecosystem::Npm, "lodash.merge"),
            (Ecosystem::Npm, "@types/node"),
            (Ecosystem::Npm, "JSONStream"),
            (Ecosystem::PyPI, "Typing_Extensions"),
            (Ecosystem::PyPI, "zope.interface"),
            (Ecosystem::CratesIo, "serde_json"),
        ] {
            assert_eq!(
                validate_name(ecosystem, name),
                Ok(()),
                "{ecosystem} {name:?}"
            );
        }
    }
}
