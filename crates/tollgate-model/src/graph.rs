//! The dependency graph a lockfile records, for "how does this package get in?": the
//! chains from a direct dependency (or a workspace member) down to a package, and whether
//! the package is direct. Built from the lock's own edges only (`Package::dependencies`,
//! `LocalPackage::dependencies`); a format without edges gives no chains.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::{DependencyEdge, Lockfile};

/// Chains reported per package, at most.
pub const MAX_PATHS: usize = 5;

/// Reverse edges of one lockfile.
pub struct DependencyGraph<'a> {
    lockfile: &'a Lockfile,
    /// For each package (by index), the packages that depend on it.
    parents: Vec<Vec<usize>>,
    /// For each package, the workspace members (`name@version`) that depend on it.
    members: Vec<Vec<String>>,
}

impl<'a> DependencyGraph<'a> {
    /// The graph of `lockfile`.
    pub fn new(lockfile: &'a Lockfile) -> Self {
        let mut by_key: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, package) in lockfile.packages.iter().enumerate() {
            for name in std::iter::once(&package.name).chain(package.alias.as_ref()) {
                by_key
                    .entry((name.as_str(), package.version.as_str()))
                    .or_default()
                    .push(index);
                by_name.entry(name.as_str()).or_default().push(index);
            }
        }
        // An edge names a package by name and (usually) resolved version; a bare name
        // resolves only when one package has it.
        let resolve = |edge: &DependencyEdge| -> Vec<usize> {
            if let Some(found) = edge
                .version
                .as_deref()
                .and_then(|version| by_key.get(&(edge.name.as_str(), version)))
            {
                return found.clone();
            }
            match by_name.get(edge.name.as_str()) {
                Some(found) if found.len() == 1 => found.clone(),
                _ => Vec::new(),
            }
        };
        let count = lockfile.packages.len();
        let mut parents = vec![Vec::new(); count];
        for (index, package) in lockfile.packages.iter().enumerate() {
            for edge in &package.dependencies {
                for child in resolve(edge) {
                    if child != index && !parents[child].contains(&index) {
                        parents[child].push(index);
                    }
                }
            }
        }
        let mut members = vec![Vec::new(); count];
        for member in &lockfile.local_packages {
            let label = format!("{}@{}", member.name, member.version);
            for edge in &member.dependencies {
                for child in resolve(edge) {
                    if !members[child].contains(&label) {
                        members[child].push(label.clone());
                    }
                }
            }
        }
        DependencyGraph {
            lockfile,
            parents,
            members,
        }
    }

    /// Whether package `index` is a direct dependency: as the lock says, else whether a
    /// workspace member depends on it; `None` when neither tells.
    pub fn is_direct(&self, index: usize) -> Option<bool> {
        let package = self.lockfile.packages.get(index)?;
        package.direct.or_else(|| {
            (!self.lockfile.local_packages.is_empty()).then(|| !self.members[index].is_empty())
        })
    }

    /// The packages (by index) whose lock entries depend on package `index`: the lock's
    /// edges, reversed. Empty for an index out of range.
    pub fn parents(&self, index: usize) -> &[usize] {
        self.parents.get(index).map_or(&[], Vec::as_slice)
    }

    fn label(&self, index: usize) -> String {
        let package = &self.lockfile.packages[index];
        format!("{}@{}", package.name, package.version)
    }

    /// Up to [`MAX_PATHS`] shortest chains from a direct dependency (preceded by the
    /// workspace member that declares it, where the lock names one) to package `index`,
    /// as `name@version` lists ending at the package. Empty when the lock records no
    /// edges leading to it.
    pub fn paths(&self, index: usize) -> Vec<Vec<String>> {
        if index >= self.lockfile.packages.len() {
            return Vec::new();
        }
        // Breadth-first up the reverse edges; `next[n]` is the step from n towards the
        // package, so each direct ancestor found gives its shortest chain.
        let mut next: HashMap<usize, usize> = HashMap::new();
        let mut seen: HashSet<usize> = HashSet::from([index]);
        let mut queue = VecDeque::from([index]);
        let mut paths = Vec::new();
        while let Some(node) = queue.pop_front() {
            if paths.len() >= MAX_PATHS {
                break;
            }
            if self.is_direct(node) == Some(true) {
                let mut chain = Vec::new();
                if let Some(member) = self.members[node].first() {
                    chain.push(member.clone());
                }
                let mut step = Some(node);
                while let Some(current) = step {
                    chain.push(self.label(current));
                    step = next.get(&current).copied();
                }
                paths.push(chain);
                continue;
            }
            for &parent in &self.parents[node] {
                if seen.insert(parent) {
                    next.insert(parent, node);
                    queue.push_back(parent);
                }
            }
        }
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ecosystem, LocalPackage, LockfileFormat, Package};

    fn edge(name: &str, version: &str) -> DependencyEdge {
        DependencyEdge {
            name: name.into(),
            version: Some(version.into()),
        }
    }

    #[test]
    fn chains_run_from_the_member_through_direct_dependencies() {
        let mut lock = Lockfile::new("Cargo.lock", LockfileFormat::CargoLock);
        let mut a = Package::new(Ecosystem::CratesIo, "a", "1.0.0");
        a.dependencies = vec![edge("b", "2.0.0")];
        let mut b = Package::new(Ecosystem::CratesIo, "b", "2.0.0");
        b.dependencies = vec![edge("c", "3.0.0"), edge("a", "1.0.0")]; // a cycle
        let c = Package::new(Ecosystem::CratesIo, "c", "3.0.0");
        lock.packages = vec![a, b, c];
        lock.local_packages = vec![LocalPackage {
            name: "app".into(),
            version: "0.1.0".into(),
            dependencies: vec![edge("a", "1.0.0")],
            line: None,
        }];
        let graph = DependencyGraph::new(&lock);
        assert_eq!(graph.is_direct(0), Some(true));
        assert_eq!(graph.is_direct(2), Some(false));
        assert_eq!(
            graph.paths(2),
            [vec!["app@0.1.0", "a@1.0.0", "b@2.0.0", "c@3.0.0"]]
        );
        assert_eq!(graph.paths(0), [vec!["app@0.1.0", "a@1.0.0"]]);
        assert_eq!(graph.parents(0), [1], "b depends on a");
        assert_eq!(graph.parents(2), [1]);
        assert!(graph.parents(9).is_empty());
    }
}
