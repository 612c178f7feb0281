//! The evidence a verdict carries: the entries of the path that vets a package, and for
//! a package no path vets, the criteria reached, the nearest audited versions, publisher
//! notes and the smallest audit that would close the gap.

use std::collections::BTreeSet;

use tollgate_model::Ecosystem;

use crate::criteria::{CriteriaSet, SAFE_TO_RUN};
use crate::graph::{Entry, Graph};
use crate::key::PackageKey;
use crate::report::{
    Nearby, PublisherRecord, Step, StepKind, Suggestion, Verdict, VettedBy, publisher_text,
};
use crate::store::{Audit, AuditKind, PolicyEntry};
use crate::version::VetVersion;

use super::Evaluator;

impl<'s> Evaluator<'s> {
    pub(super) fn unvetted(
        &self,
        key: &PackageKey,
        graph: &Graph<'s>,
        target: usize,
        failing: &CriteriaSet,
    ) -> Verdict {
        let reached = self.reached(graph);
        let found = reached[target].clone();
        let mut notes = Vec::new();
        let run = self
            .local
            .index(SAFE_TO_RUN)
            .map(|i| self.local.closure(i).clone());
        if key.ecosystem == Ecosystem::CratesIo
            && run.is_some_and(|run| run.is_subset_of(&found) && !found.is_empty())
        {
            notes.push(format!(
                "vetted for {}: enough if it is only a dev-dependency (cargo-vet requires {SAFE_TO_RUN} of those), which Cargo.lock does not record",
                self.local.names(&found).join(", ")
            ));
        }
        notes.extend(self.publisher_notes(key, &graph.versions[target]));
        Verdict::Unvetted {
            found: self.local.names(&found),
            nearest: self.nearest(graph, target, &reached),
            suggestion: self.suggest(key, graph, target, failing),
            notes,
        }
    }

    /// The criteria each node is reached with (any tier), from one forward search per
    /// criteria.
    fn reached(&self, graph: &Graph<'s>) -> Vec<CriteriaSet> {
        let mut reached = vec![CriteriaSet::default(); graph.versions.len()];
        for criteria in 0..self.local.len() {
            for node in graph.reachable(None, criteria, true).into_iter().flatten() {
                reached[node].insert(criteria);
            }
        }
        reached
    }

    /// The closest vetted versions below and above `target`, with their criteria.
    fn nearest(&self, graph: &Graph<'s>, target: usize, reached: &[CriteriaSet]) -> Vec<Nearby> {
        let version = &graph.versions[target];
        let vetted: Vec<(usize, &CriteriaSet)> = reached
            .iter()
            .enumerate()
            .filter(|&(node, found)| node != target && !found.is_empty())
            .collect();
        let closest = |wanted: std::cmp::Ordering| {
            vetted
                .iter()
                .filter(|(node, _)| graph.versions[*node].compare(version) == Some(wanted))
                .min_by(|(a, _), (b, _)| {
                    let (a, b) = (&graph.versions[*a], &graph.versions[*b]);
                    let order = a.compare(b).unwrap_or(std::cmp::Ordering::Equal);
                    if wanted == std::cmp::Ordering::Less {
                        order.reverse()
                    } else {
                        order
                    }
                })
        };
        [std::cmp::Ordering::Less, std::cmp::Ordering::Greater]
            .into_iter()
            .filter_map(closest)
            .map(|(node, found)| {
                let mut edges: Vec<usize> = Vec::new();
                for criteria in self.local.strongest(found) {
                    for edge in graph
                        .path(*node, criteria, VettedBy::Exemption)
                        .unwrap_or_default()
                    {
                        if !edges.contains(&edge) {
                            edges.push(edge);
                        }
                    }
                }
                Nearby {
                    version: graph.versions[*node].to_string(),
                    criteria: self.local.names(found),
                    evidence: edges.iter().map(|&e| self.step(graph, e)).collect(),
                }
            })
            .collect()
    }

    /// The audit that closes the gap with the smallest version distance: a delta from a
    /// version vetted for the failing criteria to one from which the target is reached
    /// (cargo-vet ranks by diff size, which needs the sources; tollgate does not fetch
    /// them), else a full audit of the locked version.
    fn suggest(
        &self,
        key: &PackageKey,
        graph: &Graph<'s>,
        target: usize,
        failing: &CriteriaSet,
    ) -> Option<Suggestion> {
        let mut from_root: Option<BTreeSet<Option<usize>>> = None;
        let mut to_target: Option<BTreeSet<Option<usize>>> = None;
        for criteria in self.local.strongest(failing) {
            let forward = graph.reachable(None, criteria, true);
            let backward = graph.reachable(Some(target), criteria, false);
            from_root = Some(match from_root {
                Some(set) => set.intersection(&forward).copied().collect(),
                None => forward,
            });
            to_target = Some(match to_target {
                Some(set) => set.intersection(&backward).copied().collect(),
                None => backward,
            });
        }
        let (from_root, to_target) = (from_root?, to_target?);
        let versions = &graph.versions;
        let sources: Vec<usize> = from_root
            .iter()
            .flatten()
            .copied()
            .filter(|&n| !versions[n].is_git())
            .collect();
        let distance = |from: usize, to: usize| {
            let (a, b) = (
                versions[from].release_numbers(),
                versions[to].release_numbers(),
            );
            [
                a[0].abs_diff(b[0]),
                a[1].abs_diff(b[1]),
                a[2].abs_diff(b[2]),
            ]
        };
        let best = to_target
            .iter()
            .flatten()
            .filter(|&&dest| !versions[dest].is_git())
            .flat_map(|&dest| {
                sources
                    .iter()
                    .filter(move |&&src| versions[src].compare(&versions[dest]).is_some())
                    .map(move |&src| (src, dest))
            })
            .min_by_key(|&(src, dest)| {
                (
                    distance(src, dest),
                    versions[dest].compare(&versions[target]) != Some(std::cmp::Ordering::Equal),
                )
            });
        let criteria = self.local.names(failing);
        let (from, to) = match best {
            Some((src, dest)) => (Some(versions[src].to_string()), versions[dest].to_string()),
            None => (None, versions[target].to_string()),
        };
        Some(suggestion(key, criteria, from, to))
    }

    /// Why the wildcard audits and trusted entries for `key` do not cover `version`.
    fn publisher_notes(&self, key: &PackageKey, version: &VetVersion) -> Vec<String> {
        let records = self.publisher_records(key);
        let record = records.iter().find(|r| r.version.same(version));
        let own = &self.store.audits;
        let grants = own
            .wildcard_audits
            .get(key)
            .into_iter()
            .chain(own.trusted.get(key))
            .chain(
                self.peers
                    .iter()
                    .filter_map(|p| p.audits.wildcard_audits.get(key)),
            )
            .flatten();
        grants
            .map(|grant| {
                let covered = format!(
                    "{}:{} covers versions published by {} from {} to {}",
                    grant.at.path,
                    grant.at.line,
                    publisher_text(&grant.publisher),
                    grant.start,
                    grant.end
                );
                match record {
                    None => format!(
                        "{covered}, but imports.lock has no publisher record for {version} (`cargo vet` without --locked records it)"
                    ),
                    Some(record) => format!(
                        "{covered}; {version} was published by {} on {} ({}:{})",
                        publisher_text(&record.publisher),
                        record.when,
                        record.at.path,
                        record.at.line
                    ),
                }
            })
            .collect()
    }

    pub(super) fn step(&self, graph: &Graph<'s>, edge: usize) -> Step {
        let edge = &graph.edges[edge];
        let from = edge.from.map(|from| graph.versions[from].to_string());
        let to = Some(graph.versions[edge.to].to_string());
        match edge.entry {
            Entry::Audit { audit, import } => Step {
                from,
                to,
                ..audit_step(audit, import)
            },
            Entry::Grant {
                grant,
                kind,
                import,
                record,
            } => Step {
                kind,
                from: None,
                to,
                range: None,
                criteria: grant.criteria.names.clone(),
                who: grant.who.clone(),
                import: import.map(str::to_owned),
                path: grant.at.path.clone(),
                line: grant.at.line,
                publisher: Some(PublisherRecord {
                    publisher: record.publisher.clone(),
                    login: record.login.clone(),
                    when: record.when.to_string(),
                    path: record.at.path.clone(),
                    line: record.at.line,
                }),
                notes: grant.notes.clone(),
            },
            Entry::Exemption(exemption) => Step {
                kind: StepKind::Exemption,
                from: None,
                to,
                range: None,
                criteria: exemption.criteria.names.clone(),
                who: Vec::new(),
                import: None,
                path: exemption.at.path.clone(),
                line: exemption.at.line,
                publisher: None,
                notes: exemption.notes.clone(),
            },
        }
    }
}

/// A `[policy]` entry as evidence; `child` names the dependency of a `dependency-criteria`.
pub(super) fn policy_step(entry: &PolicyEntry, child: Option<&str>) -> Step {
    let list = match child {
        Some(child) => entry.dependency_criteria.get(child),
        None => entry.criteria.as_ref(),
    };
    let criteria = list.map(|l| l.names.clone());
    Step {
        kind: StepKind::Policy,
        from: None,
        to: Some(entry.package.to_string()),
        range: None,
        criteria: criteria.unwrap_or_default(),
        who: Vec::new(),
        import: None,
        path: entry.at.path.clone(),
        line: entry.at.line,
        publisher: None,
        notes: child.map(|child| format!("dependency-criteria for {child}")),
    }
}

/// An audit entry as evidence (versions filled in by the caller for graph edges).
pub(super) fn audit_step(audit: &Audit, import: Option<&str>) -> Step {
    let (kind, from, to, range) = match &audit.kind {
        AuditKind::Full { version } => (StepKind::FullAudit, None, Some(version.to_string()), None),
        AuditKind::Delta { from, to } => (
            StepKind::DeltaAudit,
            Some(from.to_string()),
            Some(to.to_string()),
            None,
        ),
        AuditKind::Violation { text, .. } => (StepKind::Violation, None, None, Some(text.clone())),
    };
    Step {
        kind,
        from,
        to,
        range,
        criteria: audit.criteria.names.clone(),
        who: audit.who.clone(),
        import: import.map(str::to_owned),
        path: audit.at.path.clone(),
        line: audit.at.line,
        publisher: None,
        notes: audit.notes.clone(),
    }
}

fn suggestion(
    key: &PackageKey,
    criteria: Vec<String>,
    from: Option<String>,
    to: String,
) -> Suggestion {
    let command = (key.ecosystem == Ecosystem::CratesIo).then(|| match &from {
        Some(from) => format!("cargo vet diff {} {from} {to}", key.name),
        None => format!("cargo vet inspect {} {to}", key.name),
    });
    let table = if key.ecosystem == Ecosystem::CratesIo {
        format!("[[audits.{}]]", key.name)
    } else {
        format!("[[audits.\"{key}\"]]")
    };
    let what = match &from {
        Some(from) => format!("delta = \"{from} -> {to}\""),
        None => format!("version = \"{to}\""),
    };
    let names: Vec<String> = criteria.iter().map(|name| format!("\"{name}\"")).collect();
    let criteria_value = match names.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    };
    Suggestion {
        record: format!("{table}\nwho = \"...\"\ncriteria = {criteria_value}\n{what}"),
        criteria,
        from,
        to,
        command,
    }
}
