//! What each crate of a Cargo.lock must meet under the store's `[policy]`, as cargo-vet
//! decides it from the dependency graph.
//!
//! cargo-vet simulates a build of every top-level crate (one nothing depends on), which
//! requires the default criteria (`safe-to-deploy`). A crate with `[policy.CRATE]
//! criteria` requires those of itself and its dependencies whatever flows into it, a crate
//! without passes on what flows into it, and `dependency-criteria` replaces what flows
//! along one edge. A crate must meet the union of what reaches it; so a crate used only by
//! a fuzzing crate with `criteria = []` needs nothing.
//!
//! The graph is the lockfile's packages plus its `local_packages` (the first-party crates
//! the inventory does not count as packages), joined by their resolved dependency edges.
//! Cargo.lock records neither which edges are dev-dependencies nor
//! which path crates are workspace members, so cargo-vet's second build (every workspace
//! member's tests, requiring `safe-to-run` through `dev-criteria`) cannot be simulated:
//! dev-dependency edges are followed like normal ones, so a crate only tests use is held
//! to its parent's criteria (cargo-vet asks `safe-to-run`), and the dependencies of a
//! member's tests get nothing beyond what the member's own parents ask (docs/trust.md).

use std::collections::{BTreeSet, HashMap};

use tollgate_model::{DependencyEdge, Ecosystem, Lockfile};

use crate::criteria::{CriteriaSet, LocalCriteria};
use crate::key::PackageKey;
use crate::store::{CriteriaList, PolicyEntry, Store};
use crate::version::VetVersion;

/// The criteria every crate of one Cargo.lock must meet.
#[derive(Debug)]
pub(crate) struct Requirements<'s> {
    nodes: Vec<Node<'s>>,
    by_name_version: HashMap<(String, String), usize>,
    required: Vec<CriteriaSet>,
}

#[derive(Debug)]
struct Node<'s> {
    name: String,
    policy: Option<&'s PolicyEntry>,
    dependencies: Vec<usize>,
    dependents: Vec<usize>,
}

impl<'s> Requirements<'s> {
    /// The graph of a parsed Cargo.lock with the store's policy propagated, `default`
    /// for top-level crates. The error names an edge that matches no package (the caller
    /// then holds every crate to `default`).
    pub(crate) fn of_cargo_lock(
        lockfile: &Lockfile,
        store: &'s Store,
        local: &LocalCriteria,
        default: &CriteriaSet,
    ) -> Result<Self, String> {
        let packages: Vec<(&str, &str, &[DependencyEdge])> = lockfile
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.dependencies.as_slice(),
                )
            })
            .chain(lockfile.local_packages.iter().map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.dependencies.as_slice(),
                )
            }))
            .collect();
        let mut requirements = Requirements {
            nodes: Vec::with_capacity(packages.len()),
            by_name_version: HashMap::with_capacity(packages.len()),
            required: Vec::new(),
        };
        for &(name, version, _) in &packages {
            requirements.by_name_version.insert(
                (name.to_owned(), version.to_owned()),
                requirements.nodes.len(),
            );
            requirements.nodes.push(Node {
                name: name.to_owned(),
                policy: policy_entry(store, name, version),
                dependencies: Vec::new(),
                dependents: Vec::new(),
            });
        }
        for (index, &(name, _, dependencies)) in packages.iter().enumerate() {
            for dependency in dependencies {
                let target = requirements.resolve(dependency).ok_or_else(|| {
                    format!(
                        "dependency `{}` of {name} matches no [[package]]",
                        dependency.name
                    )
                })?;
                requirements.nodes[index].dependencies.push(target);
                requirements.nodes[target].dependents.push(index);
            }
        }
        requirements.required = requirements.propagate(local, default);
        Ok(requirements)
    }

    /// The node a dependency edge points at: by name and version, or by name alone when
    /// the lock left the version out because only one is locked.
    fn resolve(&self, dependency: &DependencyEdge) -> Option<usize> {
        match &dependency.version {
            Some(version) => self
                .by_name_version
                .get(&(dependency.name.clone(), version.clone()))
                .copied(),
            None => {
                let mut matches = self
                    .nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.name == dependency.name);
                let (index, _) = matches.next()?;
                matches.next().is_none().then_some(index)
            }
        }
    }

    /// What each crate must meet in the build of every top-level crate.
    fn propagate(&self, local: &LocalCriteria, default: &CriteriaSet) -> Vec<CriteriaSet> {
        let roots = (0..self.nodes.len())
            .filter(|&n| self.nodes[n].dependents.is_empty())
            .map(|n| (n, default.clone()))
            .collect();
        self.simulate(local, roots, &|node, incoming| match criteria(node) {
            Some(own) => local.set(&own.names),
            None => incoming.clone(),
        })
    }

    /// One simulated build from `initials`: what each crate asks of itself given what
    /// flows into it (`own`) flows on to its dependencies, or what `dependency-criteria`
    /// says for that edge. Flows only grow, so cycles (tests depending back on their crate)
    /// end.
    fn simulate(
        &self,
        local: &LocalCriteria,
        initials: Vec<(usize, CriteriaSet)>,
        own: &dyn Fn(&Node<'_>, &CriteriaSet) -> CriteriaSet,
    ) -> Vec<CriteriaSet> {
        let mut incoming = vec![CriteriaSet::default(); self.nodes.len()];
        let mut reached = vec![false; self.nodes.len()];
        let mut queue = Vec::new();
        for (node, criteria) in initials {
            incoming[node].union_with(&criteria);
            reached[node] = true;
            queue.push(node);
        }
        while let Some(parent) = queue.pop() {
            let mine = own(&self.nodes[parent], &incoming[parent]);
            for &child in &self.nodes[parent].dependencies {
                let flowing = match self.edge_override(parent, child) {
                    Some(list) => local.set(&list.names),
                    None => mine.clone(),
                };
                if !reached[child] || !flowing.is_subset_of(&incoming[child]) {
                    incoming[child].union_with(&flowing);
                    reached[child] = true;
                    queue.push(child);
                }
            }
        }
        self.nodes
            .iter()
            .zip(&incoming)
            .zip(&reached)
            .map(|((node, incoming), reached)| {
                if *reached {
                    own(node, incoming)
                } else {
                    CriteriaSet::default()
                }
            })
            .collect()
    }

    /// The parent's `dependency-criteria` for one dependency.
    fn edge_override(&self, parent: usize, child: usize) -> Option<&'s CriteriaList> {
        self.nodes[parent]
            .policy?
            .dependency_criteria
            .get(&self.nodes[child].name)
    }

    /// What a locked crate must meet; `None` when the lock does not list it.
    pub(crate) fn required(&self, name: &str, version: &str) -> Option<&CriteriaSet> {
        let index = *self
            .by_name_version
            .get(&(name.to_owned(), version.to_owned()))?;
        Some(&self.required[index])
    }

    /// The policy entries that decide what flows into a crate: walking up from it through
    /// crates without their own criteria, each entry with `criteria` or with a
    /// `dependency-criteria` for the edge taken. The second item names the
    /// dependency of a `dependency-criteria`.
    pub(crate) fn deciding_entries(
        &self,
        name: &str,
        version: &str,
    ) -> Vec<(&'s PolicyEntry, Option<String>)> {
        let Some(&start) = self
            .by_name_version
            .get(&(name.to_owned(), version.to_owned()))
        else {
            return Vec::new();
        };
        let mut found: Vec<(&'s PolicyEntry, Option<String>)> = Vec::new();
        let mut visited = BTreeSet::from([start]);
        let mut stack = vec![start];
        while let Some(child) = stack.pop() {
            for &parent in &self.nodes[child].dependents {
                let node = &self.nodes[parent];
                let on_edge = self
                    .edge_override(parent, child)
                    .and(node.policy)
                    .map(|entry| (entry, Some(self.nodes[child].name.clone())));
                let on_crate = node
                    .policy
                    .filter(|entry| entry.criteria.is_some())
                    .map(|entry| (entry, None));
                match on_edge.or(on_crate) {
                    Some(decided) => {
                        let known = found
                            .iter()
                            .any(|(e, d)| std::ptr::eq(*e, decided.0) && *d == decided.1);
                        if !known {
                            found.push(decided);
                        }
                    }
                    None if visited.insert(parent) => stack.push(parent),
                    None => {}
                }
            }
        }
        found.sort_by(|a, b| a.0.at.cmp(&b.0.at));
        found
    }
}

/// A crate's own `criteria`, if its policy entry has one.
fn criteria<'s>(node: &Node<'s>) -> Option<&'s CriteriaList> {
    node.policy?.criteria.as_ref()
}

/// The `[policy]` entry of a crate: `"NAME:VERSION"` before `NAME`.
fn policy_entry<'s>(store: &'s Store, name: &str, version: &str) -> Option<&'s PolicyEntry> {
    let key = PackageKey::new(Ecosystem::CratesIo, name);
    let version = VetVersion::parse(Ecosystem::CratesIo, version).ok();
    let entries = store
        .config
        .policy
        .iter()
        .filter(|entry| entry.package == key);
    let mut unversioned = None;
    for entry in entries {
        match (&entry.version, &version) {
            (Some(wanted), Some(version)) if wanted.same(version) => return Some(entry),
            (None, _) => unversioned = Some(entry),
            _ => {}
        }
    }
    unversioned
}
