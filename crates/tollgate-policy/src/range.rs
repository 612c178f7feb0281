//! Version ranges in a policy, each written in its ecosystem's own syntax:
//! npm ranges (`^1.2.0`, `>=1 <3 || 4.x`, `1.0.0 - 2.0.0`), PEP 440 specifiers
//! (`>=2.0,<2.3`) and Cargo requirements (`>=0.8, <0.9`).
//!
//! npm ranges are parsed here (node-semver's grammar: `||` sets of space-separated
//! comparators, X-ranges, tilde, caret and hyphen ranges) and compared with
//! [`tollgate_version::NpmVersion`]. One simplification, on the safe side for a ban list:
//! a pre-release version is matched by plain ordering, where node-semver would only let a
//! comparator with the same `major.minor.patch` match it.

use std::str::FromStr;

use tollgate_model::Ecosystem;
use tollgate_version::NpmVersion;

/// A version range of one ecosystem, parsed and ready to match locked versions.
#[derive(Debug, Clone)]
pub enum VersionRange {
    /// An npm range: any of the comparator sets matches.
    Npm(Vec<Vec<Comparator>>),
    /// PEP 440 specifiers.
    Pypi(pep440_rs::VersionSpecifiers),
    /// A Cargo version requirement.
    Cargo(semver::VersionReq),
}

/// One npm comparator (`>=1.2.0`).
#[derive(Debug, Clone)]
pub struct Comparator {
    op: Op,
    version: NpmVersion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl VersionRange {
    /// Parses `text` as a range of `ecosystem`; the error says what was expected.
    pub fn parse(ecosystem: Ecosystem, text: &str) -> Result<Self, String> {
        match ecosystem {
            Ecosystem::Npm => parse_npm(text).map(VersionRange::Npm),
            Ecosystem::PyPI => pep440_rs::VersionSpecifiers::from_str(text)
                .map(VersionRange::Pypi)
                .map_err(|e| {
                    let reason = e.to_string();
                    let first_line = reason.lines().next().unwrap_or_default();
                    format!("not a PEP 440 specifier list: {first_line}")
                }),
            Ecosystem::CratesIo => semver::VersionReq::parse(text)
                .map(VersionRange::Cargo)
                .map_err(|e| format!("not a Cargo version requirement: {e}")),
        }
    }

    /// Whether the locked `version` is in the range. A version the scheme cannot parse
    /// is not in any range.
    pub fn matches(&self, version: &str) -> bool {
        match self {
            VersionRange::Npm(sets) => NpmVersion::parse(version).is_ok_and(|v| {
                sets.iter()
                    .any(|set| set.iter().all(|comparator| comparator.matches(&v)))
            }),
            VersionRange::Pypi(specifiers) => {
                pep440_rs::Version::from_str(version.trim()).is_ok_and(|v| specifiers.contains(&v))
            }
            VersionRange::Cargo(req) => {
                semver::Version::parse(version.trim()).is_ok_and(|v| req.matches(&v))
            }
        }
    }
}

impl Comparator {
    fn matches(&self, version: &NpmVersion) -> bool {
        let ordering = version.cmp(&self.version);
        match self.op {
            Op::Lt => ordering.is_lt(),
            Op::Le => ordering.is_le(),
            Op::Gt => ordering.is_gt(),
            Op::Ge => ordering.is_ge(),
            Op::Eq => ordering.is_eq(),
        }
    }
}

/// A version with possibly missing or wildcard parts: `1`, `1.2`, `1.x`, `1.2.3-beta.1`.
struct Partial {
    /// The numeric parts that were given (a wildcard ends the list).
    parts: Vec<u64>,
    /// The pre-release text of a full version.
    pre: Option<String>,
}

impl Partial {
    fn parse(text: &str) -> Result<Partial, String> {
        let text = text.trim_start_matches(['v', '=']);
        let (core, pre) = match text.split_once(['-', '+']) {
            Some((core, rest)) if text.as_bytes().get(core.len()) == Some(&b'-') => {
                let pre = rest.split_once('+').map_or(rest, |(pre, _)| pre);
                (core, Some(pre.to_owned()))
            }
            Some((core, _build)) => (core, None),
            None => (text, None),
        };
        let mut parts = Vec::with_capacity(3);
        for (index, part) in core.split('.').enumerate() {
            if index == 3 {
                return Err(format!("`{text}` has more than three version parts"));
            }
            if matches!(part, "x" | "X" | "*") {
                let rest_are_wildcards = core
                    .split('.')
                    .skip(index)
                    .all(|p| matches!(p, "x" | "X" | "*"));
                if !rest_are_wildcards {
                    return Err(format!("`{text}`: only wildcards may follow a wildcard"));
                }
                break;
            }
            let number = part
                .parse::<u64>()
                .map_err(|_| format!("`{part}` in `{text}` is not a number or x/*"))?;
            parts.push(number);
        }
        if pre.is_some() && parts.len() < 3 {
            return Err(format!(
                "`{text}`: a pre-release needs a full major.minor.patch version"
            ));
        }
        Ok(Partial { parts, pre })
    }

    fn part(&self, index: usize) -> u64 {
        self.parts.get(index).copied().unwrap_or(0)
    }

    /// The lowest version the partial covers (`1.2` → `1.2.0`).
    fn floor(&self) -> Result<NpmVersion, String> {
        version(
            [self.part(0), self.part(1), self.part(2)],
            self.pre.as_deref(),
        )
    }

    /// The first version above what the partial covers (`1.2` → `1.3.0`); `None` when it
    /// covers everything (`*`).
    fn ceiling(&self) -> Result<Option<NpmVersion>, String> {
        let bumped = match self.parts.len() {
            0 => return Ok(None),
            1 => [self.part(0).saturating_add(1), 0, 0],
            2 => [self.part(0), self.part(1).saturating_add(1), 0],
            _ => return Ok(None),
        };
        version(bumped, None).map(Some)
    }
}

fn version(core: [u64; 3], pre: Option<&str>) -> Result<NpmVersion, String> {
    let text = match pre {
        Some(pre) => format!("{}.{}.{}-{pre}", core[0], core[1], core[2]),
        None => format!("{}.{}.{}", core[0], core[1], core[2]),
    };
    NpmVersion::parse(&text).map_err(|e| e.to_string())
}

fn parse_npm(text: &str) -> Result<Vec<Vec<Comparator>>, String> {
    text.split("||").map(parse_npm_set).collect()
}

fn parse_npm_set(text: &str) -> Result<Vec<Comparator>, String> {
    let tokens = join_operators(text);
    if let [low, dash, high] = tokens.as_slice()
        && dash == "-"
    {
        let mut set = vec![cmp(Op::Ge, Partial::parse(low)?.floor()?)];
        let high = Partial::parse(high)?;
        if high.parts.len() == 3 {
            set.push(cmp(Op::Le, high.floor()?));
        } else if let Some(ceiling) = high.ceiling()? {
            set.push(cmp(Op::Lt, ceiling));
        }
        return Ok(set);
    }
    let mut set = Vec::new();
    for token in &tokens {
        desugar(token, &mut set)?;
    }
    Ok(set)
}

/// Splits on whitespace, gluing a lone operator to the version after it (`>= 1.2`).
fn join_operators(text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match tokens.last_mut() {
            Some(last) if matches!(last.as_str(), ">" | ">=" | "<" | "<=" | "=" | "~" | "^") => {
                last.push_str(word)
            }
            _ => tokens.push(word.to_owned()),
        }
    }
    tokens
}

fn cmp(op: Op, version: NpmVersion) -> Comparator {
    Comparator { op, version }
}

/// Appends the primitive comparators one token stands for.
fn desugar(token: &str, set: &mut Vec<Comparator>) -> Result<(), String> {
    let (op, rest) = [">=", "<=", ">", "<", "~>", "~", "^", "="]
        .iter()
        .find_map(|op| token.strip_prefix(op).map(|rest| (*op, rest)))
        .unwrap_or(("", token));
    let partial = Partial::parse(rest)?;
    let full = partial.parts.len() == 3;
    match op {
        ">=" => set.push(cmp(Op::Ge, partial.floor()?)),
        "<" => set.push(cmp(Op::Lt, partial.floor()?)),
        ">" if full => set.push(cmp(Op::Gt, partial.floor()?)),
        ">" => {
            if let Some(ceiling) = partial.ceiling()? {
                set.push(cmp(Op::Ge, ceiling));
            } else {
                // `>*` matches nothing.
                set.push(cmp(Op::Lt, version([0, 0, 0], Some("0"))?));
            }
        }
        "<=" if full => set.push(cmp(Op::Le, partial.floor()?)),
        "<=" => {
            if let Some(ceiling) = partial.ceiling()? {
                set.push(cmp(Op::Lt, ceiling));
            }
        }
        "~" | "~>" => {
            set.push(cmp(Op::Ge, partial.floor()?));
            let minor_bump = Partial {
                parts: partial.parts.iter().copied().take(2).collect(),
                pre: None,
            };
            if let Some(ceiling) = minor_bump.ceiling()? {
                set.push(cmp(Op::Lt, ceiling));
            }
        }
        "^" => {
            set.push(cmp(Op::Ge, partial.floor()?));
            let keep = match (partial.part(0), partial.part(1), partial.parts.len()) {
                (0, 0, 3) => 3,
                (0, _, n) if n >= 2 => 2,
                _ => 1,
            };
            let upper = if keep == 3 {
                Some(version([0, 0, partial.part(2).saturating_add(1)], None)?)
            } else {
                Partial {
                    parts: partial.parts.iter().copied().take(keep).collect(),
                    pre: None,
                }
                .ceiling()?
            };
            if let Some(upper) = upper {
                set.push(cmp(Op::Lt, upper));
            }
        }
        _ if full => set.push(cmp(Op::Eq, partial.floor()?)),
        _ => {
            if !partial.parts.is_empty() {
                set.push(cmp(Op::Ge, partial.floor()?));
            }
            if let Some(ceiling) = partial.ceiling()? {
                set.push(cmp(Op::Lt, ceiling));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npm(range: &str, version: &str) -> bool {
        VersionRange::parse(Ecosystem::Npm, range)
            .unwrap()
            .matches(version)
    }

    #[test]
    fn npm_ranges_follow_node_semver() {
        // Cases from node-semver's README ("Advanced Range Syntax").
        assert!(npm("^1.2.3", "1.9.9") && !npm("^1.2.3", "2.0.0"));
        assert!(npm("^0.2.3", "0.2.9") && !npm("^0.2.3", "0.3.0"));
        assert!(npm("^0.0.3", "0.0.3") && !npm("^0.0.3", "0.0.4"));
        assert!(npm("~1.2.3", "1.2.9") && !npm("~1.2.3", "1.3.0"));
        assert!(npm("~1", "1.9.0") && !npm("~1", "2.0.0"));
        assert!(npm("1.x", "1.4.0") && !npm("1.x", "2.0.0"));
        assert!(npm("*", "0.0.1"));
        assert!(npm("1.2.3 - 2.3", "2.3.9") && !npm("1.2.3 - 2.3", "2.4.0"));
        assert!(npm("1.2.3 - 2.3.4", "2.3.4") && !npm("1.2.3 - 2.3.4", "1.2.2"));
        assert!(npm(">=1.0.0 <1.2.0 || >=3", "3.1.0"));
        assert!(!npm(">=1.0.0 <1.2.0 || >=3", "2.0.0"));
        assert!(npm(">= 1.0.0", "1.0.0"));
        assert!(npm(">1.2", "1.3.0") && !npm(">1.2", "1.2.9"));
        assert!(npm("<=1.2", "1.2.9") && !npm("<=1.2", "1.3.0"));
        assert!(npm("=3.3.6", "3.3.6") && !npm("3.3.6", "3.3.7"));
    }

    #[test]
    fn bad_ranges_are_refused_with_a_reason() {
        assert!(VersionRange::parse(Ecosystem::Npm, ">=1.x.q").is_err());
        assert!(VersionRange::parse(Ecosystem::Npm, "1.2.3.4").is_err());
        let error = VersionRange::parse(Ecosystem::PyPI, ">=>2").unwrap_err();
        assert!(error.contains("PEP 440"), "{error}");
        assert!(VersionRange::parse(Ecosystem::CratesIo, "^1.x.y").is_err());
    }

    #[test]
    fn pypi_and_cargo_ranges() {
        let pypi = VersionRange::parse(Ecosystem::PyPI, ">=2.0,<2.3").unwrap();
        assert!(pypi.matches("2.2.post1") && !pypi.matches("2.3"));
        let cargo = VersionRange::parse(Ecosystem::CratesIo, ">=0.8, <0.9").unwrap();
        assert!(cargo.matches("0.8.5") && !cargo.matches("0.9.0"));
        assert!(!cargo.matches("not-a-version"));
    }
}
