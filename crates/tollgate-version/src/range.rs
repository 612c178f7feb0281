//! OSV `affected[].ranges` and `affected[].versions` evaluation.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use tollgate_model::Ecosystem;

use crate::{Error, Scheme, Version};

/// The type of an OSV range that names versions (`GIT` ranges name commits and are
/// dropped before they get here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    /// `SEMVER`: SemVer 2.0 precedence.
    #[serde(rename = "SEMVER")]
    Semver,
    /// `ECOSYSTEM`: the ecosystem's own ordering.
    #[serde(rename = "ECOSYSTEM")]
    Ecosystem,
}

/// One OSV range event. Serialized exactly as OSV writes it (`{"introduced": "1.0.0"}`);
/// read from an object with exactly one of the four keys (in JSON or YAML).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "RawEvent")]
pub enum RangeEvent {
    /// The first affected version (`"0"`: every version before the next fix).
    Introduced(String),
    /// The first version no longer affected.
    Fixed(String),
    /// The last affected version (no known fix).
    LastAffected(String),
    /// An upper bound: versions at or above it are never affected.
    Limit(String),
}

/// An event object as written; exactly one field must be set.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

impl TryFrom<RawEvent> for RangeEvent {
    type Error = String;

    fn try_from(raw: RawEvent) -> Result<Self, Self::Error> {
        match (raw.introduced, raw.fixed, raw.last_affected, raw.limit) {
            (Some(v), None, None, None) => Ok(RangeEvent::Introduced(v)),
            (None, Some(v), None, None) => Ok(RangeEvent::Fixed(v)),
            (None, None, Some(v), None) => Ok(RangeEvent::LastAffected(v)),
            (None, None, None, Some(v)) => Ok(RangeEvent::Limit(v)),
            _ => Err(
                "a range event needs exactly one of introduced, fixed, last_affected, limit"
                    .to_owned(),
            ),
        }
    }
}

impl RangeEvent {
    /// The version text of the event.
    pub fn version(&self) -> &str {
        match self {
            RangeEvent::Introduced(v)
            | RangeEvent::Fixed(v)
            | RangeEvent::LastAffected(v)
            | RangeEvent::Limit(v) => v,
        }
    }

    /// `introduced: "0"`, OSV's spelling of "from the first version".
    fn is_from_start(&self) -> bool {
        matches!(self, RangeEvent::Introduced(v) if v == "0")
    }
}

/// An OSV range of type `SEMVER` or `ECOSYSTEM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsvRange {
    /// The range type.
    #[serde(rename = "type")]
    pub kind: RangeKind,
    /// The events, in the order the advisory lists them.
    pub events: Vec<RangeEvent>,
}

/// What a range says about one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeVerdict {
    /// Whether the version is affected.
    pub affected: bool,
    /// When affected: the lowest `fixed` version above it, if the range has one.
    pub fixed: Option<String>,
}

/// An event with its version parsed (`None` for `introduced: "0"`, the minimum).
struct ParsedEvent<'a> {
    event: &'a RangeEvent,
    version: Option<Version>,
}

impl OsvRange {
    /// Checks that every event version parses with the range's scheme, so that a bad
    /// record is refused at import rather than at scan time.
    pub fn validate(&self, ecosystem: Ecosystem) -> Result<(), Error> {
        self.parsed_events(ecosystem).map(drop)
    }

    fn parsed_events(&self, ecosystem: Ecosystem) -> Result<Vec<ParsedEvent<'_>>, Error> {
        let scheme = Scheme::for_range(ecosystem, self.kind);
        let mut events = self
            .events
            .iter()
            .map(|event| {
                let version = if event.is_from_start() {
                    None
                } else {
                    Some(scheme.parse(event.version())?)
                };
                Ok(ParsedEvent { event, version })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        // The OSV schema evaluates events in version order, whatever order they are listed in.
        events.sort_by(|a, b| cmp_event_versions(&a.version, &b.version));
        Ok(events)
    }

    /// Evaluates the range for `version` (the locked version's text) as the OSV schema
    /// describes: walk the events in version order; `introduced` at or below the version
    /// turns "affected" on, `fixed` at or below it (or `last_affected` below it, or `limit`
    /// at or below it) turns it off.
    pub fn evaluate(&self, ecosystem: Ecosystem, version: &str) -> Result<RangeVerdict, Error> {
        let scheme = Scheme::for_range(ecosystem, self.kind);
        let version = scheme.parse(version)?;
        let events = self.parsed_events(ecosystem)?;
        let at_or_below = |event_version: &Option<Version>| match event_version {
            None => true,
            Some(event_version) => event_version.compare(&version) != Some(Ordering::Greater),
        };
        let mut affected = false;
        for parsed in &events {
            let reached = at_or_below(&parsed.version);
            match parsed.event {
                RangeEvent::Introduced(_) if reached => affected = true,
                RangeEvent::Fixed(_) | RangeEvent::Limit(_) if reached => affected = false,
                RangeEvent::LastAffected(_)
                    if reached && !is_equal(parsed.version.as_ref(), &version) =>
                {
                    affected = false
                }
                _ => {}
            }
        }
        let fixed = if affected {
            events
                .iter()
                .find(|p| matches!(p.event, RangeEvent::Fixed(_)) && !at_or_below(&p.version))
                .map(|p| p.event.version().to_owned())
        } else {
            None
        };
        Ok(RangeVerdict { affected, fixed })
    }

    /// The range in comparator notation: `>=1.0.0, <1.2.3 || >=2.0.0, <2.0.4`.
    pub fn describe(&self) -> String {
        let mut intervals: Vec<String> = Vec::new();
        let mut current: Vec<String> = Vec::new();
        for event in &self.events {
            match event {
                RangeEvent::Introduced(v) => {
                    if !current.is_empty() {
                        intervals.push(current.join(", "));
                        current.clear();
                    }
                    if v != "0" {
                        current.push(format!(">={v}"));
                    }
                }
                RangeEvent::Fixed(v) | RangeEvent::Limit(v) => current.push(format!("<{v}")),
                RangeEvent::LastAffected(v) => current.push(format!("<={v}")),
            }
            if !matches!(event, RangeEvent::Introduced(_)) {
                intervals.push(std::mem::take(&mut current).join(", "));
            }
        }
        if !current.is_empty() {
            intervals.push(current.join(", "));
        }
        let intervals: Vec<String> = intervals
            .into_iter()
            .map(|i| if i.is_empty() { "*".to_owned() } else { i })
            .collect();
        intervals.join(" || ")
    }
}

fn is_equal(a: Option<&Version>, b: &Version) -> bool {
    a.and_then(|a| a.compare(b)) == Some(Ordering::Equal)
}

fn cmp_event_versions(a: &Option<Version>, b: &Option<Version>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => a.compare(b).unwrap_or(Ordering::Equal),
    }
}

/// Whether an OSV `versions` list names `version`: an exact string match, as the OSV schema
/// says, and for PyPI also a PEP 440 equal version (`1.0` and `1.0.0` are one release).
pub fn versions_list_contains(ecosystem: Ecosystem, list: &[String], version: &str) -> bool {
    if list.iter().any(|listed| listed == version) {
        return true;
    }
    if ecosystem != Ecosystem::PyPI {
        return false;
    }
    let Ok(wanted) = Scheme::Pypi.parse(version) else {
        return false;
    };
    list.iter().any(|listed| {
        Scheme::Pypi
            .parse(listed)
            .is_ok_and(|listed| listed.compare(&wanted) == Some(Ordering::Equal))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(kind: RangeKind, events: &[RangeEvent]) -> OsvRange {
        OsvRange {
            kind,
            events: events.to_vec(),
        }
    }

    fn intro(v: &str) -> RangeEvent {
        RangeEvent::Introduced(v.to_owned())
    }
    fn fixed(v: &str) -> RangeEvent {
        RangeEvent::Fixed(v.to_owned())
    }

    #[test]
    fn two_intervals_with_fixes() {
        let r = range(
            RangeKind::Semver,
            &[intro("0"), fixed("1.2.0"), intro("2.0.0"), fixed("2.0.4")],
        );
        let check = |v: &str| r.evaluate(Ecosystem::CratesIo, v).unwrap();
        assert_eq!(
            check("1.1.9"),
            RangeVerdict {
                affected: true,
                fixed: Some("1.2.0".into())
            }
        );
        assert!(!check("1.2.0").affected);
        assert!(!check("1.9.0").affected);
        assert_eq!(check("2.0.3").fixed.as_deref(), Some("2.0.4"));
        assert!(!check("2.0.4").affected);
        assert_eq!(r.describe(), "<1.2.0 || >=2.0.0, <2.0.4");
    }

    #[test]
    fn events_listed_out_of_order_are_sorted() {
        let r = range(RangeKind::Ecosystem, &[fixed("2.0"), intro("1.0")]);
        assert!(r.evaluate(Ecosystem::PyPI, "1.5").unwrap().affected);
        assert!(!r.evaluate(Ecosystem::PyPI, "0.9").unwrap().affected);
    }

    #[test]
    fn last_affected_and_limit() {
        let r = range(
            RangeKind::Ecosystem,
            &[intro("1.0.0"), RangeEvent::LastAffected("1.4.0".into())],
        );
        assert!(r.evaluate(Ecosystem::Npm, "1.4.0").unwrap().affected);
        assert!(!r.evaluate(Ecosystem::Npm, "1.4.1").unwrap().affected);
        assert_eq!(r.evaluate(Ecosystem::Npm, "1.2.0").unwrap().fixed, None);
        let limited = range(
            RangeKind::Ecosystem,
            &[intro("0"), RangeEvent::Limit("3.0.0".into())],
        );
        assert!(limited.evaluate(Ecosystem::Npm, "2.9.9").unwrap().affected);
        assert!(!limited.evaluate(Ecosystem::Npm, "3.0.0").unwrap().affected);
    }

    #[test]
    fn pypi_ranges_use_pep440() {
        let r = range(RangeKind::Ecosystem, &[intro("0"), fixed("2.0.0rc1")]);
        assert!(r.evaluate(Ecosystem::PyPI, "2.0.0b3").unwrap().affected);
        assert!(!r.evaluate(Ecosystem::PyPI, "2.0").unwrap().affected);
    }

    #[test]
    fn bad_event_versions_are_refused() {
        let r = range(RangeKind::Semver, &[intro("not-a-version")]);
        assert!(r.validate(Ecosystem::CratesIo).is_err());
    }

    #[test]
    fn versions_list_matching() {
        let list = vec!["1.0".to_owned(), "2.3.1".to_owned()];
        assert!(versions_list_contains(Ecosystem::PyPI, &list, "1.0.0"));
        assert!(!versions_list_contains(Ecosystem::Npm, &list, "1.0.0"));
        assert!(versions_list_contains(Ecosystem::Npm, &list, "2.3.1"));
    }
}
