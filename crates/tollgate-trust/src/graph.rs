//! One package's audit graph: versions as nodes plus a root ("nothing audited yet"),
//! store entries as edges, and the searches cargo-vet's resolver does on it.

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::criteria::CriteriaSet;
use crate::report::{StepKind, VettedBy};
use crate::store::{Audit, Exemption, Publisher, PublisherGrant};
use crate::version::VetVersion;

/// Which tier of entry an edge is, in order of preference.
pub(crate) type Tier = VettedBy;

/// An edge of a package's audit graph.
#[derive(Debug)]
pub(crate) struct Edge<'s> {
    /// `None` is the root.
    pub(crate) from: Option<usize>,
    pub(crate) to: usize,
    pub(crate) criteria: CriteriaSet,
    pub(crate) tier: Tier,
    pub(crate) entry: Entry<'s>,
}

/// The store entry behind an edge, for evidence.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Entry<'s> {
    Audit {
        audit: &'s Audit,
        import: Option<&'s str>,
    },
    Grant {
        grant: &'s PublisherGrant,
        kind: StepKind,
        import: Option<&'s str>,
        record: &'s Publisher,
    },
    Exemption(&'s Exemption),
}

/// One package's audit graph.
#[derive(Debug, Default)]
pub(crate) struct Graph<'s> {
    pub(crate) versions: Vec<VetVersion>,
    pub(crate) edges: Vec<Edge<'s>>,
    /// Node indices sorted by [`VetVersion::identity`], for lookups in `log n` (a peer's
    /// audit file with many entries for one package must not make evaluation quadratic).
    sorted: Vec<usize>,
    /// The edges leaving each node (`None`: the root) and entering it.
    outgoing: HashMap<Option<usize>, Vec<usize>>,
    incoming: HashMap<Option<usize>, Vec<usize>>,
}

impl<'s> Graph<'s> {
    pub(crate) fn node(&mut self, version: &VetVersion) -> usize {
        let search = self
            .sorted
            .binary_search_by(|&node| self.versions[node].identity(version));
        match search {
            Ok(position) => self.sorted[position],
            Err(position) => {
                self.versions.push(version.clone());
                let node = self.versions.len() - 1;
                self.sorted.insert(position, node);
                node
            }
        }
    }

    pub(crate) fn add(
        &mut self,
        from: Option<&VetVersion>,
        to: &VetVersion,
        criteria: CriteriaSet,
        tier: Tier,
        entry: Entry<'s>,
    ) {
        let from = from.map(|v| self.node(v));
        let to = self.node(to);
        let index = self.edges.len();
        self.outgoing.entry(from).or_default().push(index);
        self.incoming.entry(Some(to)).or_default().push(index);
        self.edges.push(Edge {
            from,
            to,
            criteria,
            tier,
            entry,
        });
    }

    /// The shortest path root → `target` through edges granting `criteria` of at most
    /// `tier`, as edge indices from the root.
    pub(crate) fn path(&self, target: usize, criteria: usize, tier: Tier) -> Option<Vec<usize>> {
        let usable = |edge: &Edge<'_>| edge.tier <= tier && edge.criteria.contains(criteria);
        let mut reached_by: HashMap<usize, usize> = HashMap::new();
        let mut queue: VecDeque<Option<usize>> = VecDeque::from([None]);
        let mut visited: BTreeSet<Option<usize>> = BTreeSet::from([None]);
        while let Some(node) = queue.pop_front() {
            if node == Some(target) {
                let mut path = Vec::new();
                let mut at = target;
                while let Some(&edge) = reached_by.get(&at) {
                    path.push(edge);
                    match self.edges[edge].from {
                        Some(from) => at = from,
                        None => break,
                    }
                }
                path.reverse();
                return Some(path);
            }
            for &index in self.outgoing.get(&node).into_iter().flatten() {
                let edge = &self.edges[index];
                if usable(edge) && visited.insert(Some(edge.to)) {
                    reached_by.insert(edge.to, index);
                    queue.push_back(Some(edge.to));
                }
            }
        }
        None
    }

    /// The nodes reachable from the root (forward) or from which `target` is reachable
    /// (backward) through edges granting `criteria`; the root is `None`.
    pub(crate) fn reachable(
        &self,
        start: Option<usize>,
        criteria: usize,
        forward: bool,
    ) -> BTreeSet<Option<usize>> {
        let mut visited = BTreeSet::from([start]);
        let mut queue = VecDeque::from([start]);
        let adjacent = if forward {
            &self.outgoing
        } else {
            &self.incoming
        };
        while let Some(node) = queue.pop_front() {
            for &index in adjacent.get(&node).into_iter().flatten() {
                let edge = &self.edges[index];
                let there = if forward { Some(edge.to) } else { edge.from };
                if edge.criteria.contains(criteria) && visited.insert(there) {
                    queue.push_back(there);
                }
            }
        }
        visited
    }
}
