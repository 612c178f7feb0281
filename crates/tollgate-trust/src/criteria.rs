//! Criteria and what they imply: the built-in `safe-to-deploy` (which implies `safe-to-run`)
//! and `safe-to-run`, the store's custom criteria, and each peer's criteria mapped into the
//! local ones.
//!
//! A peer's criteria live in the peer's own namespace: a peer's `crypto-reviewed` means
//! nothing here until `criteria-map` says which local criteria it implies. A peer's
//! built-in criteria map to the local built-ins unless `criteria-map` says otherwise, and
//! the peer's `implies` are followed before mapping (cargo-vet's rules, docs/trust.md).

use std::collections::{BTreeMap, HashMap};

use crate::store::{AuditsFile, CriteriaList, CriterionDef};

/// The built-in criteria for a release deployed to production.
pub const SAFE_TO_DEPLOY: &str = "safe-to-deploy";
/// The built-in criteria for code run on developer and CI machines.
pub const SAFE_TO_RUN: &str = "safe-to-run";
/// The built-in criteria, in a stable order.
pub(crate) const BUILTIN: [&str; 2] = [SAFE_TO_RUN, SAFE_TO_DEPLOY];

/// What a built-in criteria implies.
fn builtin_implies(name: &str) -> &'static [&'static str] {
    if name == SAFE_TO_DEPLOY {
        &[SAFE_TO_RUN]
    } else {
        &[]
    }
}

/// A set of local criteria, by index, always closed under `implies`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CriteriaSet(Vec<u64>);

impl CriteriaSet {
    pub(crate) fn insert(&mut self, index: usize) {
        let (word, bit) = (index / 64, index % 64);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << bit;
    }

    pub(crate) fn contains(&self, index: usize) -> bool {
        self.0
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    pub(crate) fn union_with(&mut self, other: &CriteriaSet) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (word, other) in self.0.iter_mut().zip(&other.0) {
            *word |= other;
        }
    }

    pub(crate) fn is_subset_of(&self, other: &CriteriaSet) -> bool {
        self.0
            .iter()
            .enumerate()
            .all(|(i, word)| word & !other.0.get(i).copied().unwrap_or(0) == 0)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.iter().all(|word| *word == 0)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(i, word)| {
            (0..64)
                .filter(move |bit| word & (1 << bit) != 0)
                .map(move |bit| i * 64 + bit)
        })
    }
}

/// The local criteria of a store, with the closure of each under `implies`.
#[derive(Debug)]
pub(crate) struct LocalCriteria {
    names: Vec<String>,
    index: HashMap<String, usize>,
    closure: Vec<CriteriaSet>,
}

impl LocalCriteria {
    pub(crate) fn new(defs: &[CriterionDef]) -> Self {
        let names: Vec<String> = BUILTIN
            .iter()
            .map(|name| (*name).to_owned())
            .chain(defs.iter().map(|def| def.name.clone()))
            .collect();
        let index: HashMap<String, usize> = names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.clone(), i))
            .collect();
        let implies = |name: &str| -> Vec<String> {
            match defs.iter().find(|def| def.name == name) {
                Some(def) => def.implies.clone(),
                None => builtin_implies(name)
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
            }
        };
        let closure = names
            .iter()
            .map(|name| {
                let mut set = CriteriaSet::default();
                for reached in closure_of(name, &implies) {
                    if let Some(&i) = index.get(&reached) {
                        set.insert(i);
                    }
                }
                set
            })
            .collect();
        LocalCriteria {
            names,
            index,
            closure,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The criteria `names` grant, with everything they imply. Unknown names grant
    /// nothing (the store's own names were checked when it was loaded).
    pub(crate) fn set(&self, names: &[String]) -> CriteriaSet {
        let mut set = CriteriaSet::default();
        for name in names {
            if let Some(i) = self.index(name) {
                set.union_with(&self.closure[i]);
            }
        }
        set
    }

    /// One criteria with everything it implies.
    pub(crate) fn closure(&self, index: usize) -> &CriteriaSet {
        &self.closure[index]
    }

    /// The members of `set` no other member implies (of criteria that imply each other,
    /// the first): a path for each of them proves the whole set, since every edge grants
    /// a closed set.
    pub(crate) fn strongest(&self, set: &CriteriaSet) -> Vec<usize> {
        set.iter()
            .filter(|&i| {
                !set.iter().any(|other| {
                    other != i
                        && self.closure[other].contains(i)
                        && (!self.closure[i].contains(other) || other < i)
                })
            })
            .collect()
    }

    /// The names of [`Self::strongest`] (`safe-to-deploy`, not `safe-to-deploy, safe-to-run`).
    pub(crate) fn names(&self, set: &CriteriaSet) -> Vec<String> {
        self.strongest(set)
            .into_iter()
            .filter_map(|i| self.names.get(i).cloned())
            .collect()
    }
}

/// `name` and everything it implies, transitively; cycles end where they close.
fn closure_of(name: &str, implies: &dyn Fn(&str) -> Vec<String>) -> Vec<String> {
    let mut reached = vec![name.to_owned()];
    let mut next = 0;
    while next < reached.len() {
        for implied in implies(&reached[next]) {
            if !reached.contains(&implied) {
                reached.push(implied);
            }
        }
        next += 1;
    }
    reached
}

/// One peer's criteria, mapped to local criteria through the import's `criteria-map`.
pub(crate) struct PeerCriteria<'a> {
    local: &'a LocalCriteria,
    defs: &'a [CriterionDef],
    map: &'a BTreeMap<String, CriteriaList>,
}

impl<'a> PeerCriteria<'a> {
    pub(crate) fn new(
        local: &'a LocalCriteria,
        peer: &'a AuditsFile,
        map: &'a BTreeMap<String, CriteriaList>,
    ) -> Self {
        PeerCriteria {
            local,
            defs: &peer.criteria,
            map,
        }
    }

    /// The local criteria the peer's criteria `names` grant: each name and what it implies
    /// in the peer's namespace, mapped through `criteria-map`, built-ins by default.
    pub(crate) fn map(&self, names: &[String]) -> CriteriaSet {
        let implies = |name: &str| -> Vec<String> {
            if BUILTIN.contains(&name) {
                return builtin_implies(name)
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect();
            }
            self.defs
                .iter()
                .find(|def| def.name == name)
                .map(|def| def.implies.clone())
                .unwrap_or_default()
        };
        let mut set = CriteriaSet::default();
        for name in names {
            for theirs in closure_of(name, &implies) {
                match self.map.get(&theirs) {
                    Some(ours) => set.union_with(&self.local.set(&ours.names)),
                    None if BUILTIN.contains(&theirs.as_str()) => {
                        set.union_with(&self.local.set(std::slice::from_ref(&theirs)));
                    }
                    None => {}
                }
            }
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Location;

    fn def(name: &str, implies: &[&str]) -> CriterionDef {
        CriterionDef {
            name: name.to_owned(),
            description: Some("d".to_owned()),
            implies: implies.iter().map(|s| (*s).to_owned()).collect(),
            at: Location {
                path: "audits.toml".to_owned(),
                line: 1,
            },
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn implies_is_transitive_and_cycles_end() {
        let local = LocalCriteria::new(&[
            def("crypto-reviewed", &["safe-to-deploy"]),
            def("a", &["b"]),
            def("b", &["a"]),
        ]);
        let set = local.set(&names(&["crypto-reviewed"]));
        for name in ["crypto-reviewed", SAFE_TO_DEPLOY, SAFE_TO_RUN] {
            assert!(set.contains(local.index(name).unwrap()), "{name}");
        }
        assert_eq!(local.names(&set), ["crypto-reviewed"]);
        let cycle = local.set(&names(&["a"]));
        assert!(cycle.contains(local.index("b").unwrap()));
        assert_eq!(local.names(&cycle), ["a"]);
        let run = local.set(&names(&[SAFE_TO_RUN]));
        assert!(run.is_subset_of(&local.set(&names(&[SAFE_TO_DEPLOY]))));
        assert!(!local.set(&names(&[SAFE_TO_DEPLOY])).is_subset_of(&run));
    }

    #[test]
    fn peer_criteria_map_through_criteria_map_and_builtins() {
        let local = LocalCriteria::new(&[def("audited", &[])]);
        let peer = AuditsFile {
            criteria: vec![def("fuzzed", &[]), def("strict", &["safe-to-deploy"])],
            ..AuditsFile::default()
        };
        let mut map = BTreeMap::new();
        map.insert(
            "fuzzed".to_owned(),
            CriteriaList {
                names: names(&["audited"]),
                at: Location {
                    path: "config.toml".to_owned(),
                    line: 3,
                },
            },
        );
        let criteria = PeerCriteria::new(&local, &peer, &map);
        let fuzzed = criteria.map(&names(&["fuzzed"]));
        assert_eq!(local.names(&fuzzed), ["audited"]);
        let strict = criteria.map(&names(&["strict"]));
        assert_eq!(local.names(&strict), [SAFE_TO_DEPLOY]);
        assert!(criteria.map(&names(&["unmapped-custom"])).is_empty());
    }

    #[test]
    fn a_mapped_builtin_replaces_the_default_mapping() {
        let local = LocalCriteria::new(&[]);
        let peer = AuditsFile::default();
        let mut map = BTreeMap::new();
        map.insert(
            SAFE_TO_DEPLOY.to_owned(),
            CriteriaList {
                names: names(&[SAFE_TO_RUN]),
                at: Location {
                    path: "config.toml".to_owned(),
                    line: 3,
                },
            },
        );
        let criteria = PeerCriteria::new(&local, &peer, &map);
        assert_eq!(
            local.names(&criteria.map(&names(&[SAFE_TO_DEPLOY]))),
            [SAFE_TO_RUN]
        );
    }

    #[test]
    fn sets_grow_past_one_word() {
        let mut set = CriteriaSet::default();
        set.insert(130);
        assert!(set.contains(130) && !set.contains(2));
        assert_eq!(set.iter().collect::<Vec<_>>(), [130]);
        assert!(!set.is_subset_of(&CriteriaSet::default()));
    }
}
