//! Evaluation: is each locked package vetted for the criteria it needs?
//!
//! For one package, every entry of the store that names it becomes an edge of a graph
//! whose nodes are versions plus a root, "nothing audited yet": a full audit of X, a
//! wildcard audit or trusted entry matching X's publisher record, and an exemption of X
//! are edges root → X; a delta audit A → B is an edge A → B. A version meets a criteria
//! when a path from the root reaches it through edges that all grant that criteria
//! (directly or by `implies`), searched separately for each required criteria as cargo-vet
//! does. Paths through the store's own entries are preferred, then paths that need an
//! imported audit, then paths that need an exemption; the first kind found says how the
//! package is vetted. A `violation` whose range holds the locked version, for a criteria
//! the required ones imply, fails the package whatever the audits say.
//!
//! Every verdict carries its evidence: the entries (file, line, who) of the path, or for a
//! failure what was found, the nearest audited versions and the smallest audit that would
//! close the gap.

use std::collections::{BTreeSet, HashMap};

use tollgate_lockfile::Inventory;
use tollgate_model::{Ecosystem, LockfileFormat, Package, Source, defaults};

use crate::criteria::{CriteriaSet, LocalCriteria, PeerCriteria, SAFE_TO_DEPLOY, SAFE_TO_RUN};
use crate::error::Error;
use crate::graph::{Entry, Graph, Tier};
use crate::key::PackageKey;
use crate::report::{
    Nearby, OutOfScope, PackageResult, Place, PublisherRecord, Report, Step, StepKind, Suggestion,
    Verdict, VettedBy, publisher_text,
};
use crate::requirements::Requirements;
use crate::store::{
    Audit, AuditKind, AuditsFile, Import, PolicyEntry, Publisher, PublisherGrant, Store,
};
use crate::version::VetVersion;

/// What the packages must meet, when the defaults are not wanted.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Criteria for every package; empty for `safe-to-deploy`.
    pub criteria: Vec<String>,
    /// Criteria for packages the lockfile marks as development-only (npm and PyPI locks
    /// record it; Cargo.lock does not); empty for `safe-to-run`.
    pub dev_criteria: Vec<String>,
    /// Where the criteria were given, for errors (`--criteria`, `tollgate.toml:7`).
    pub origin: String,
}

/// Evaluates every locked package of `inventory` against `store`.
pub fn evaluate(store: &Store, inventory: &Inventory, options: &Options) -> Result<Report, Error> {
    let local = LocalCriteria::new(&store.audits.criteria);
    let evaluator = Evaluator::new(store, &local);
    let criteria = evaluator.required(&options.criteria, SAFE_TO_DEPLOY, &options.origin)?;
    let dev_criteria = evaluator.required(&options.dev_criteria, SAFE_TO_RUN, &options.origin)?;
    let mut report = Report {
        criteria: criteria.clone(),
        dev_criteria: dev_criteria.clone(),
        packages: Vec::new(),
        out_of_scope: Vec::new(),
        notes: Vec::new(),
    };
    let default = local.set(&criteria);
    let mut seen: HashMap<(PackageKey, String, Vec<String>), usize> = HashMap::new();
    for lockfile in &inventory.lockfiles {
        let graph = match lockfile.format {
            LockfileFormat::CargoLock => {
                match Requirements::of_cargo_lock(lockfile, store, &local, &default) {
                    Ok(graph) => Some(graph),
                    Err(reason) => {
                        report.notes.push(format!(
                            "{}: the dependency graph could not be read ({reason}); every crate is held to {}",
                            lockfile.path,
                            criteria.join(", ")
                        ));
                        None
                    }
                }
            }
            _ => None,
        };
        for package in &lockfile.packages {
            let place = Place {
                lockfile: lockfile.path.clone(),
                line: package.line,
            };
            if let Err(reason) = in_scope(package, store) {
                report.out_of_scope.push(OutOfScope {
                    ecosystem: package.ecosystem,
                    name: package.name.clone(),
                    version: package.version.clone(),
                    place,
                    reason,
                });
                continue;
            }
            let key = PackageKey::new(package.ecosystem, &package.name);
            let required = match graph
                .as_ref()
                .and_then(|graph| graph.required(&package.name, &package.version))
            {
                Some(set) => set.clone(),
                None => local.set(&evaluator.required_for(&key, package, &criteria, &dev_criteria)),
            };
            let names = local.names(&required);
            let seen_key = (key.clone(), package.version.clone(), names.clone());
            if let Some(&index) = seen.get(&seen_key) {
                report.packages[index].locations.push(place);
                continue;
            }
            let verdict = if required.is_empty() {
                let deciding = graph
                    .as_ref()
                    .map(|graph| graph.deciding_entries(&package.name, &package.version))
                    .unwrap_or_default();
                Verdict::NotRequired {
                    evidence: deciding
                        .into_iter()
                        .map(|(entry, child)| policy_step(entry, child.as_deref()))
                        .collect(),
                }
            } else {
                evaluator.evaluate(&key, &package.version, &required)
            };
            seen.insert(seen_key, report.packages.len());
            report.packages.push(PackageResult {
                ecosystem: package.ecosystem,
                name: package.name.clone(),
                version: package.version.clone(),
                purl: package.purl.clone(),
                locations: vec![place],
                required: names,
                verdict,
            });
        }
    }
    Ok(report)
}

/// `Ok` when the package is audited under cargo-vet's rules (crates.io crates; for
/// tollgate's extension, npm and PyPI registry packages), else why not.
fn in_scope(package: &Package, store: &Store) -> Result<(), String> {
    if package.version.trim().is_empty() {
        return Err("no pinned version: nothing to audit".to_owned());
    }
    let from_crates_io = |url: &Option<String>| {
        url.as_deref().is_none_or(|url| {
            url == defaults::CRATES_IO_LOCK_SOURCE || url == defaults::CRATES_IO_SPARSE_LOCK_SOURCE
        })
    };
    match (&package.source, package.ecosystem) {
        (Source::Registry { url }, Ecosystem::CratesIo) if from_crates_io(url) => Ok(()),
        (Source::Registry { .. }, Ecosystem::Npm | Ecosystem::PyPI) => Ok(()),
        (Source::Registry { url }, _) => Err(format!(
            "registry {} is not crates.io: cargo-vet audits crates.io packages only",
            url.as_deref().unwrap_or("(unnamed)")
        )),
        (Source::Git { .. }, Ecosystem::CratesIo) => {
            let key = PackageKey::new(Ecosystem::CratesIo, &package.name);
            let audit_as = store
                .config
                .policy
                .iter()
                .any(|entry| entry.package == key && entry.audit_as_crates_io == Some(true));
            Err(if audit_as {
                "git dependency: [policy] audit-as-crates-io asks cargo-vet to audit it against its crates.io release and `@git:` deltas, which tollgate does not evaluate".to_owned()
            } else {
                "git dependency: first-party code for cargo-vet".to_owned()
            })
        }
        (Source::Git { .. }, _) => Err("git dependency: not a registry release".to_owned()),
        (Source::Path { .. }, _) => Err("local path: first-party code".to_owned()),
        (Source::Url { .. }, _) => Err("direct URL download: not a registry release".to_owned()),
        (Source::Unknown, _) => Err("the lockfile does not say where it comes from".to_owned()),
    }
}

/// Evaluates packages against one store.
struct Evaluator<'s> {
    store: &'s Store,
    local: &'s LocalCriteria,
    peers: Vec<Peer<'s>>,
}

/// An import with its audits from imports.lock and its criteria mapping.
struct Peer<'s> {
    name: &'s str,
    import: &'s Import,
    audits: &'s AuditsFile,
    criteria: PeerCriteria<'s>,
}

impl<'s> Evaluator<'s> {
    fn new(store: &'s Store, local: &'s LocalCriteria) -> Self {
        // Only imports config.toml names are trusted; a peer that is only in imports.lock
        // is ignored (the store reports it as a warning).
        let peers = store
            .config
            .imports
            .iter()
            .filter_map(|(name, import)| {
                let audits = store.imports.peers.get(name)?;
                Some(Peer {
                    name,
                    import,
                    audits,
                    criteria: PeerCriteria::new(local, audits, &import.criteria_map),
                })
            })
            .collect();
        Evaluator {
            store,
            local,
            peers,
        }
    }

    /// The criteria named by `names` (or `default`), checked against the store.
    fn required(
        &self,
        names: &[String],
        default: &str,
        origin: &str,
    ) -> Result<Vec<String>, Error> {
        if names.is_empty() {
            return Ok(vec![default.to_owned()]);
        }
        for name in names {
            if self.local.index(name).is_none() {
                return Err(Error::UnknownCriteria {
                    name: name.clone(),
                    origin: origin.to_owned(),
                    known: self.store.criteria_names(),
                });
            }
        }
        Ok(names.to_vec())
    }

    /// The criteria `package` must meet: an npm/PyPI policy entry's, else by dev scope.
    fn required_for(
        &self,
        key: &PackageKey,
        package: &Package,
        criteria: &[String],
        dev_criteria: &[String],
    ) -> Vec<String> {
        let dev = package.scope.dev;
        let policy = self
            .store
            .config
            .policy
            .iter()
            .filter(|entry| entry.package.ecosystem != Ecosystem::CratesIo)
            .find(|entry| &entry.package == key);
        let from_policy = policy.and_then(|entry| {
            if dev {
                entry.dev_criteria.as_ref()
            } else {
                entry.criteria.as_ref()
            }
        });
        match from_policy {
            Some(list) => list.names.clone(),
            None if dev => dev_criteria.to_vec(),
            None => criteria.to_vec(),
        }
    }

    fn evaluate(&self, key: &PackageKey, version_text: &str, required: &CriteriaSet) -> Verdict {
        let version = match VetVersion::parse(key.ecosystem, version_text) {
            Ok(version) => version,
            Err(reason) => {
                return Verdict::Unvetted {
                    found: Vec::new(),
                    nearest: Vec::new(),
                    suggestion: None,
                    notes: vec![format!("the locked version cannot be read: {reason}")],
                };
            }
        };
        let violations = self.violations(key, version_text, required);
        if !violations.is_empty() {
            return Verdict::Violation {
                evidence: violations,
            };
        }
        let mut graph = self.graph(key);
        let target = graph.node(&version);
        let mut used: Vec<usize> = Vec::new();
        let mut weakest = VettedBy::Audit;
        let mut failing = CriteriaSet::default();
        for criteria in self.local.strongest(required) {
            let found = [VettedBy::Audit, VettedBy::Import, VettedBy::Exemption]
                .into_iter()
                .find_map(|tier| graph.path(target, criteria, tier).map(|path| (tier, path)));
            match found {
                Some((tier, path)) => {
                    weakest = weakest.max(tier);
                    for edge in path {
                        if !used.contains(&edge) {
                            used.push(edge);
                        }
                    }
                }
                None => failing.insert(criteria),
            }
        }
        if failing.is_empty() {
            return Verdict::Vetted {
                vetted_by: weakest,
                evidence: used.iter().map(|&e| self.step(&graph, e)).collect(),
            };
        }
        self.unvetted(key, &graph, target, &failing)
    }

    /// The crates.io publisher records `imports.lock` holds for `key`.
    fn publisher_records(&self, key: &PackageKey) -> &'s [Publisher] {
        self.store
            .imports
            .publishers
            .get(key)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every edge the store has for `key`: own and imported audits, wildcard audits and
    /// trusted entries matched against publisher records, exemptions.
    fn graph(&self, key: &PackageKey) -> Graph<'s> {
        let mut graph = Graph::default();
        let own = &self.store.audits;
        self.add_audits(&mut graph, own.audits.get(key), None, |a| {
            self.local.set(&a.criteria.names)
        });
        let records = self.publisher_records(key);
        let own_grants = [
            (own.wildcard_audits.get(key), StepKind::WildcardAudit),
            (own.trusted.get(key), StepKind::Trusted),
        ];
        for (grants, kind) in own_grants {
            self.add_grants(&mut graph, grants, records, kind, None, |g| {
                self.local.set(&g.criteria.names)
            });
        }
        for peer in self
            .peers
            .iter()
            .filter(|p| !p.import.exclude.contains(key))
        {
            let import = Some(peer.name);
            let map = |names: &[String]| peer.criteria.map(names);
            self.add_audits(&mut graph, peer.audits.audits.get(key), import, |a| {
                map(&a.criteria.names)
            });
            // A peer's trusted entries are its own judgement of a publisher: cargo-vet does
            // not apply them to importers, and neither does tollgate.
            self.add_grants(
                &mut graph,
                peer.audits.wildcard_audits.get(key),
                records,
                StepKind::WildcardAudit,
                import,
                |g| map(&g.criteria.names),
            );
        }
        for exemption in self.store.config.exemptions.get(key).into_iter().flatten() {
            let criteria = self.local.set(&exemption.criteria.names);
            graph.add(
                None,
                &exemption.version,
                criteria,
                VettedBy::Exemption,
                Entry::Exemption(exemption),
            );
        }
        graph
    }

    fn add_audits(
        &self,
        graph: &mut Graph<'s>,
        audits: Option<&'s Vec<Audit>>,
        import: Option<&'s str>,
        criteria: impl Fn(&Audit) -> CriteriaSet,
    ) {
        let tier = tier_of(import);
        // An entry its author marked not importable is not theirs to give to importers.
        let usable = |audit: &&Audit| import.is_none() || audit.importable;
        for audit in audits.into_iter().flatten().filter(usable) {
            let entry = Entry::Audit { audit, import };
            match &audit.kind {
                AuditKind::Full { version } => {
                    graph.add(None, version, criteria(audit), tier, entry)
                }
                AuditKind::Delta { from, to } => {
                    graph.add(Some(from), to, criteria(audit), tier, entry)
                }
                AuditKind::Violation { .. } => {}
            }
        }
    }

    fn add_grants(
        &self,
        graph: &mut Graph<'s>,
        grants: Option<&'s Vec<PublisherGrant>>,
        records: &'s [Publisher],
        kind: StepKind,
        import: Option<&'s str>,
        criteria: impl Fn(&PublisherGrant) -> CriteriaSet,
    ) {
        let tier = tier_of(import);
        for grant in grants.into_iter().flatten() {
            for record in records.iter().filter(|r| covers(grant, r)) {
                let entry = Entry::Grant {
                    grant,
                    kind,
                    import,
                    record,
                };
                graph.add(None, &record.version, criteria(grant), tier, entry);
            }
        }
    }

    /// Violation entries (own and imported) whose range holds `version` and whose
    /// criteria the required ones imply: a version that fails criteria C cannot meet
    /// anything that implies C.
    fn violations(&self, key: &PackageKey, version: &str, required: &CriteriaSet) -> Vec<Step> {
        let own = self
            .store
            .audits
            .audits
            .get(key)
            .map(|audits| (audits, None));
        let imported = self
            .peers
            .iter()
            .filter(|peer| !peer.import.exclude.contains(key))
            .filter_map(|peer| {
                peer.audits
                    .audits
                    .get(key)
                    .map(|audits| (audits, Some(peer)))
            });
        let mut steps = Vec::new();
        for (audits, peer) in own.into_iter().chain(imported) {
            for audit in audits {
                let AuditKind::Violation { range, .. } = &audit.kind else {
                    continue;
                };
                if !range.matches(version) {
                    continue;
                }
                let applies = audit.criteria.names.iter().any(|name| {
                    let set = match peer {
                        Some(peer) => peer.criteria.map(std::slice::from_ref(name)),
                        None => self.local.set(std::slice::from_ref(name)),
                    };
                    !set.is_empty() && set.is_subset_of(required)
                });
                if applies {
                    steps.push(audit_step(audit, peer.map(|p| p.name)));
                }
            }
        }
        steps
    }

    fn unvetted(
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

    fn step(&self, graph: &Graph<'s>, edge: usize) -> Step {
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

/// The tier of an entry from `import` (`None`: the store's own).
fn tier_of(import: Option<&str>) -> Tier {
    match import {
        Some(_) => VettedBy::Import,
        None => VettedBy::Audit,
    }
}

/// Whether a wildcard audit or trusted entry covers a publisher record: same publisher,
/// published on a day in `[start, end)` (cargo-vet's rule).
fn covers(grant: &PublisherGrant, record: &Publisher) -> bool {
    grant.publisher == record.publisher && grant.start <= record.when && record.when < grant.end
}

/// A `[policy]` entry as evidence; `child` names the dependency of a `dependency-criteria`.
fn policy_step(entry: &PolicyEntry, child: Option<&str>) -> Step {
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
fn audit_step(audit: &Audit, import: Option<&str>) -> Step {
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
