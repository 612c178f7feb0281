//! Matching locked packages against the index, with alias merging.
//!
//! A package is affected by an advisory when its version is in one of the advisory's
//! `SEMVER`/`ECOSYSTEM` ranges (see `tollgate_version::OsvRange::evaluate`) or in its
//! `versions` list. Advisories that share an id or alias (GHSA-x, PYSEC-y, CVE-z) become
//! one finding that lists every id. Only registry packages are matched: a git, path or
//! URL dependency is not the registry package of the same name.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};

use tollgate_model::{
    DependencyGraph, Ecosystem, Evidence, FileError, Finding, Lockfile, Package, Severity, Source,
};
use tollgate_version::{Scheme, versions_list_contains};

use crate::Error;
use crate::index::Index;
use crate::osv::{Advisory, AdvisoryKind, Scoring};

/// Findings and warnings from matching.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatchOutcome {
    /// One finding per (package, merged advisory).
    pub findings: Vec<Finding>,
    /// Packages whose advisories could not be checked (unparsable or unpinned version).
    pub warnings: Vec<FileError>,
}

/// Matches lockfiles against an index, caching lookups across lockfiles.
pub struct Matcher<'a> {
    index: &'a Index,
    /// Advisories per ecosystem and normalized name, so repeated names cost one lookup.
    cache: HashMap<Ecosystem, HashMap<String, Vec<Advisory>>>,
}

/// One advisory that affects the package.
struct Hit<'a> {
    advisory: &'a Advisory,
    /// The nearest fixed version; `None` if some affected range has no fix.
    fixed: Option<String>,
    /// The affected range as the advisory states it.
    affected: String,
}

impl<'a> Matcher<'a> {
    /// A matcher over `index`.
    pub fn new(index: &'a Index) -> Self {
        Matcher {
            index,
            cache: HashMap::new(),
        }
    }

    /// Matches every package of `lockfile`.
    pub fn match_lockfile(&mut self, lockfile: &Lockfile) -> Result<MatchOutcome, Error> {
        let mut outcome = MatchOutcome::default();
        let mut reported: HashSet<(String, String, String)> = HashSet::new();
        let mut graph: Option<DependencyGraph<'_>> = None;
        for (index, package) in lockfile.packages.iter().enumerate() {
            if !matches!(package.source, Source::Registry { .. } | Source::Unknown) {
                continue;
            }
            let cache = self.cache.entry(package.ecosystem).or_default();
            let name = package.normalized_name.as_str();
            if !cache.contains_key(name) {
                let advisories = self.index.lookup(package.ecosystem, name)?;
                cache.insert(name.to_owned(), advisories);
            }
            let advisories = cache.get(name).map(Vec::as_slice).unwrap_or_default();
            for mut finding in
                match_package(package, advisories, &lockfile.path, &mut outcome.warnings)
            {
                let graph = graph.get_or_insert_with(|| DependencyGraph::new(lockfile));
                remediate(&mut finding, lockfile, graph, index);
                let identity = (
                    package.name.clone(),
                    package.version.clone(),
                    finding.id.clone().unwrap_or_default(),
                );
                if reported.insert(identity) {
                    outcome.findings.push(finding);
                }
            }
        }
        Ok(outcome)
    }
}

/// Fills in how the package gets in (`paths`, `direct`) and the command that fixes it.
fn remediate(
    finding: &mut Finding,
    lockfile: &Lockfile,
    graph: &DependencyGraph<'_>,
    index: usize,
) {
    let Some(package) = lockfile.packages.get(index) else {
        return;
    };
    finding.paths = graph.paths(index);
    finding.direct = graph.is_direct(index);
    let members: HashSet<String> = lockfile
        .local_packages
        .iter()
        .map(|m| format!("{}@{}", m.name, m.version))
        .collect();
    // The direct dependency of the first chain: its first step that is not a member.
    let parent = finding
        .paths
        .first()
        .filter(|_| finding.direct == Some(false))
        .and_then(|chain| chain.iter().find(|step| !members.contains(*step)))
        .and_then(|step| step.rsplit_once('@').map(|(name, _)| name.to_owned()));
    if let Some(fixed) = &finding.fixed {
        finding.fix = Some(crate::fix_command(
            lockfile.format,
            package,
            fixed,
            parent.as_deref(),
        ));
    }
}

/// The findings for one package given the advisories indexed under its name.
pub fn match_package(
    package: &Package,
    advisories: &[Advisory],
    lockfile: &str,
    warnings: &mut Vec<FileError>,
) -> Vec<Finding> {
    if advisories.is_empty() {
        return Vec::new();
    }
    let warn = |message: String| FileError {
        code: None,
        path: lockfile.to_owned(),
        line: package.line,
        column: None,
        message,
    };
    if package.version.trim().is_empty() {
        warnings.push(warn(format!(
            "`{}` is not pinned to a version; its {} advisories were not checked",
            package.name,
            advisories.len()
        )));
        return Vec::new();
    }
    let mut hits = Vec::new();
    for advisory in advisories {
        match evaluate(package, advisory) {
            Ok(Some(hit)) => hits.push(hit),
            Ok(None) => {}
            Err(e) => {
                warnings.push(warn(format!(
                    "`{}` {}: {e}; advisories for it were not checked",
                    package.name, package.version
                )));
                return Vec::new();
            }
        }
    }
    merge_aliases(hits)
        .into_iter()
        .filter_map(|group| finding_for(package, lockfile, group, advisories))
        .collect()
}

/// Whether `advisory` affects the package: by its ranges (which also give the nearest fix)
/// or, failing that, by its explicit `versions` list.
fn evaluate<'a>(
    package: &Package,
    advisory: &'a Advisory,
) -> Result<Option<Hit<'a>>, tollgate_version::Error> {
    let version = package.version.trim();
    let mut affected_ranges = Vec::new();
    let mut fixes = Vec::new();
    let mut unfixed = false;
    for range in &advisory.ranges {
        let verdict = range.evaluate(package.ecosystem, version)?;
        if verdict.affected {
            affected_ranges.push(range.describe());
            match verdict.fixed {
                Some(fix) => fixes.push(fix),
                None => unfixed = true,
            }
        }
    }
    if !affected_ranges.is_empty() {
        let fixed = if unfixed {
            None
        } else {
            highest(package.ecosystem, fixes)
        };
        return Ok(Some(Hit {
            advisory,
            fixed,
            affected: affected_ranges.join(" || "),
        }));
    }
    if versions_list_contains(package.ecosystem, &advisory.versions, version) {
        return Ok(Some(Hit {
            advisory,
            fixed: None,
            affected: format!("={version} (listed as affected)"),
        }));
    }
    Ok(None)
}

/// The highest of `versions` in the ecosystem's order (a version that fixes all of them).
fn highest(ecosystem: Ecosystem, versions: Vec<String>) -> Option<String> {
    let scheme = Scheme::of_ecosystem(ecosystem);
    versions
        .into_iter()
        .max_by(|a, b| match (scheme.parse(a), scheme.parse(b)) {
            (Ok(a), Ok(b)) => a.compare(&b).unwrap_or(Ordering::Equal),
            _ => a.cmp(b),
        })
}

/// Groups hits that share any id or alias.
fn merge_aliases(hits: Vec<Hit<'_>>) -> Vec<Vec<Hit<'_>>> {
    let mut groups: Vec<(HashSet<&str>, Vec<Hit<'_>>)> = Vec::new();
    for hit in hits {
        let ids: HashSet<&str> = std::iter::once(hit.advisory.id.as_str())
            .chain(hit.advisory.aliases.iter().map(String::as_str))
            .collect();
        let mut merged_ids = ids;
        let mut merged_hits = vec![hit];
        let mut index = 0;
        while index < groups.len() {
            if groups[index].0.iter().any(|id| merged_ids.contains(id)) {
                let (ids, hits) = groups.swap_remove(index);
                merged_ids.extend(ids);
                merged_hits.extend(hits);
            } else {
                index += 1;
            }
        }
        groups.push((merged_ids, merged_hits));
    }
    groups.into_iter().map(|(_, hits)| hits).collect()
}

/// How preferable an id is as the finding's main id: the most specific database first.
fn id_rank(id: &str) -> u8 {
    match id.split('-').next().unwrap_or_default() {
        "MAL" => 0,
        "RUSTSEC" => 1,
        "GHSA" => 2,
        "PYSEC" => 3,
        "CVE" => 5,
        _ => 4,
    }
}

/// The severity of a merged group, and whether it is unscored: the best-founded rating
/// among the group's own records (a CVSS score over a database rating); failing both, the
/// score of another record of the package that shares an id or alias (a GHSA carrying the
/// CVSS vector a PYSEC record lacks); else unscored (`High`, until the policy's
/// `[advisories] unscored` level replaces it).
fn group_severity(group: &[Hit<'_>], package_advisories: &[Advisory]) -> (Severity, bool, String) {
    let best = |records: &mut dyn Iterator<Item = &Advisory>| {
        records
            .filter(|a| a.scoring != Scoring::Unscored)
            .max_by(|a, b| (a.scoring, a.severity).cmp(&(b.scoring, b.severity)))
            .map(|a| {
                (
                    a.severity,
                    a.scoring,
                    a.id.clone(),
                    a.severity_basis.clone(),
                )
            })
    };
    let own = best(&mut group.iter().map(|h| h.advisory));
    if let Some((severity, Scoring::Score, _, _)) = own {
        return (severity, false, String::new());
    }
    let ids: HashSet<&str> = group
        .iter()
        .flat_map(|h| {
            std::iter::once(h.advisory.id.as_str())
                .chain(h.advisory.aliases.iter().map(String::as_str))
        })
        .collect();
    let alias = best(&mut package_advisories.iter().filter(|a| {
        a.scoring == Scoring::Score
            && (ids.contains(a.id.as_str()) || a.aliases.iter().any(|x| ids.contains(x.as_str())))
    }));
    if let Some((severity, _, id, basis)) = alias {
        return (severity, false, format!("score of alias {id}: {basis}"));
    }
    match own {
        Some((severity, _, _, _)) => (severity, false, String::new()),
        None => (Severity::High, true, String::new()),
    }
}

fn finding_for(
    package: &Package,
    lockfile: &str,
    mut group: Vec<Hit<'_>>,
    package_advisories: &[Advisory],
) -> Option<Finding> {
    // The main record: the most serious kind (malicious first), then the preferred database.
    group.sort_by(|a, b| {
        b.advisory
            .kind
            .cmp(&a.advisory.kind)
            .then_with(|| id_rank(&a.advisory.id).cmp(&id_rank(&b.advisory.id)))
            .then_with(|| a.advisory.id.cmp(&b.advisory.id))
    });
    let (severity, unscored, borrowed) = group_severity(&group, package_advisories);
    let main = group.first()?;
    let kind: AdvisoryKind = main.advisory.kind;
    let mut aliases: BTreeSet<String> = BTreeSet::new();
    for hit in &group {
        aliases.insert(hit.advisory.id.clone());
        aliases.extend(hit.advisory.aliases.iter().cloned());
    }
    aliases.remove(&main.advisory.id);
    let fixed = if group.iter().all(|h| h.fixed.is_some()) {
        highest(
            package.ecosystem,
            group.iter().filter_map(|h| h.fixed.clone()).collect(),
        )
    } else {
        None
    };
    let mut finding = Finding::for_package(
        kind.code(),
        severity,
        package,
        lockfile,
        main.advisory.summary.clone(),
    );
    finding.id = Some(main.advisory.id.clone());
    finding.aliases = aliases.into_iter().collect();
    finding.fixed = fixed;
    finding.affected = Some(main.affected.clone());
    finding.url = main.advisory.url.clone();
    finding.unscored = unscored;
    let borrowed = (!borrowed.is_empty()).then(|| Evidence {
        path: lockfile.to_owned(),
        line: package.line,
        snippet: None,
        note: Some(borrowed),
    });
    finding.evidence = group
        .iter()
        .map(|hit| Evidence {
            path: lockfile.to_owned(),
            line: package.line,
            snippet: Some(format!("{} {}", package.name, package.version)),
            note: Some(format!(
                "{} affects {}; severity: {}",
                hit.advisory.id, hit.affected, hit.advisory.severity_basis
            )),
        })
        .chain(borrowed)
        .collect();
    Some(finding)
}
