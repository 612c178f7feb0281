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
//!
//! `evidence` builds that evidence from the graph.

mod evidence;

use std::collections::HashMap;

use tollgate_lockfile::Inventory;
use tollgate_model::{Ecosystem, LockfileFormat, Package, Source, defaults};

use crate::criteria::{CriteriaSet, LocalCriteria, PeerCriteria, SAFE_TO_DEPLOY, SAFE_TO_RUN};
use crate::error::Error;
use crate::graph::{Entry, Graph, Tier};
use crate::key::PackageKey;
use crate::report::{OutOfScope, PackageResult, Place, Report, Step, StepKind, Verdict, VettedBy};
use crate::requirements::Requirements;
use crate::store::{Audit, AuditKind, AuditsFile, Import, Publisher, PublisherGrant, Store};
use crate::version::VetVersion;
use evidence::{audit_step, policy_step};

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
