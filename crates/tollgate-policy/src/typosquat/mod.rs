//! Typosquat detection: is a package name a near miss of a popular package's name?
//!
//! Techniques, in two passes. First the close ones, of which the most popular target
//! wins: one or two edits (scaled by length: none below 4 characters, one up to 9, two
//! from 10 to 20, one above), which covers swapped (anywhere, the end included), omitted,
//! repeated and substituted characters and plural/singular; separator tricks (`-`, `_`,
//! `.`, none); homoglyphs (`0`/`o`, `1`/`l`/`i`, `5`/`s`, `rn`/`m`, `vv`/`w`); swapped
//! words; a version added to a popular name; and ecosystem affixes (`-js`, `py-`,
//! `python-`, ...). Only when none matched, the further-reaching ones of `stems.rs`: two
//! edits from one of the most popular names, a version or squat word added to a near miss,
//! and affixes without separator, swapped or misspelt. Names are compared in canonical
//! form (lowercase), so a changed case never hides an edit (`Djnago`).
//! A name on the popular list is never reported, so one popular package is never called
//! a squat of another.
//!
//! Lookups cost no pass over the list: exact names, "skeletons" (separators dropped,
//! homoglyphs folded) and sets of words are hash lookups, and edit distance uses a
//! deletion neighbourhood: every popular name is indexed under itself and, from 3
//! characters, the strings left by deleting one character (17,000 entries for the 1,501
//! crates.io names, 134,000 for npm's 8,000, 214,000 for PyPI's 15,000); a query
//! generates its own deletions (one, or two for names of 10 to 20 characters) and only the
//! names sharing one are compared with the exact distance.
//!
//! The index holds hashes, not strings, and builds no string per name: a polynomial
//! hash gives the hash of every one-character deletion of a name from its prefix hashes
//! in constant time, and each table is an array of (hash bits, id) grouped by the hash's
//! top bits by a counting sort, 8 bytes an entry (1.1 MB for npm). An ecosystem's index
//! is built on first use: about 0.3 ms for crates.io, 4 ms for PyPI's 15,000, 2.1 ms for npm
//! (release build, warm, on the 2-core CI machine while other builds ran; see
//! `docs/benchmarks.md`). Different strings can share a hash, so every hit is checked
//! against the real name: a collision can add an edit-distance candidate, which the exact
//! distance then judges, but never reports a name whose skeleton or words differ.
//!
//! This finds every pair one edit apart (insertion, deletion, substitution,
//! transposition). Two edits are found when the popular name needs at most one deletion
//! to meet the query: two added characters, or one added plus one substituted; two
//! substitutions or two omitted characters are found only against the most popular
//! names (`stems.rs`, by a sorted run of candidates, not an index). Indexing two-character
//! deletions of every popular name would find them everywhere, at millions of entries and
//! ~10x the start-up time; `scripts/eval-typosquat.py` measures what is missed.

use std::borrow::Cow;
use std::sync::OnceLock;

use tollgate_model::Ecosystem;

use crate::error::bounded_distance;

mod hash;
mod stems;
#[cfg(test)]
mod tests;
mod text;

use hash::{Deletions, HashTable, TableBuilder, hash_chars};
use text::{canonical, same_npm_scope, same_words, separators_removed, skeleton, word_set_hash};

/// The shipped popular-name list (see `data/README.md`).
const POPULAR_NAMES: &str = include_str!("../../data/popular-names.txt");

/// Affixes squatters add to or drop from a popular name, per ecosystem.
const NPM_AFFIXES: Affixes = Affixes {
    prefixes: &["node-", "js-", "npm-"],
    suffixes: &["-js", ".js", "js", "-node", "-npm"],
};
const PYPI_AFFIXES: Affixes = Affixes {
    prefixes: &["python-", "py-", "python3-", "py3-"],
    suffixes: &["-python", "-py", "-python3", "-py3", "3"],
};
const CRATES_AFFIXES: Affixes = Affixes {
    prefixes: &["rust-", "rs-"],
    suffixes: &["-rs", "-rust"],
};

struct Affixes {
    prefixes: &'static [&'static str],
    suffixes: &'static [&'static str],
}

/// How a name imitates a popular one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Technique {
    /// Only separators differ (`-`, `_`, `.`, none).
    Separators,
    /// Look-alike characters (`0`/`o`, `1`/`l`, `rn`/`m`), possibly with separators.
    Homoglyph,
    /// A popular name with an ecosystem affix added or removed (`-js`, `python-`).
    Affix,
    /// Two neighbouring characters swapped.
    Swapped,
    /// One character left out.
    Omitted,
    /// One character doubled.
    Repeated,
    /// The same words in another order (`dateutil-python`).
    SwappedWords,
    /// A version number added to a popular name (`lodash4`, `abc-234`).
    Version,
    /// A word added to a popular name to pass for an edition of it (`numpy-lite`).
    AddedWord,
    /// One or two other edits.
    Edit(usize),
}

impl Technique {
    /// A short description for messages and JSON.
    pub fn describe(self) -> String {
        match self {
            Technique::Separators => "separator trick".into(),
            Technique::Homoglyph => "look-alike characters".into(),
            Technique::Affix => "added or removed affix".into(),
            Technique::Swapped => "swapped characters".into(),
            Technique::Omitted => "omitted character".into(),
            Technique::Repeated => "repeated character".into(),
            Technique::SwappedWords => "swapped words".into(),
            Technique::Version => "added version number".into(),
            Technique::AddedWord => "added word".into(),
            Technique::Edit(distance) => format!("edit distance {distance}"),
        }
    }
}

/// A popular name a package name imitates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SquatMatch {
    /// The popular package's name.
    pub target: String,
    /// How the name imitates it.
    pub technique: Technique,
}

/// The popular names of every ecosystem. Parsing only finds each ecosystem's section of
/// the text; an ecosystem's names are split out and indexed on first use, so a scan of a
/// Cargo.lock never pays for the npm and PyPI lists, and nothing is copied out of the
/// (static) list text.
#[derive(Debug, Default)]
pub struct PopularNames {
    /// By `slot`: an array, as hashing the ecosystem for a map would cost a third of a
    /// `contains` call.
    indexes: [LazyIndex; 3],
}

fn slot(ecosystem: Ecosystem) -> usize {
    match ecosystem {
        Ecosystem::Npm => 0,
        Ecosystem::PyPI => 1,
        Ecosystem::CratesIo => 2,
    }
}

/// One ecosystem's sections of the list text and their index, built once when first
/// asked for.
#[derive(Debug, Default)]
struct LazyIndex {
    sections: Vec<&'static str>,
    index: OnceLock<NameIndex>,
}

impl LazyIndex {
    fn get(&self, ecosystem: Ecosystem) -> &NameIndex {
        self.index.get_or_init(|| {
            let names = self
                .sections
                .iter()
                .flat_map(|section| lines(section))
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .collect();
            NameIndex::build(ecosystem, names)
        })
    }
}

/// The lines of `text`, each with its line break (for `str::trim` to remove). Found by a
/// plain byte loop: `str::lines` calls `memchr` once a line, which for names (17 bytes on
/// average for npm) costs more than scanning the bytes.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .bytes()
            .position(|b| b == b'\n')
            .map_or(rest.len(), |newline| newline + 1);
        let (line, tail) = rest.split_at(end);
        rest = tail;
        Some(line)
    })
}

#[derive(Debug)]
struct NameIndex {
    /// Names in popularity order; a name's id is its position.
    names: Vec<&'static str>,
    /// Canonical form of every name (borrowed when a name is already canonical).
    keys: Vec<Cow<'static, str>>,
    /// Hash of the skeleton → ids.
    skeletons: HashTable,
    /// Hash of the set of words of multi-word names → ids.
    word_sets: HashTable,
    /// Hash of the canonical form → ids, and from 3 characters, hash of each one-character
    /// deletion of it → ids: one table serves exact lookups and the edit-distance search.
    deletions: HashTable,
    /// The most popular one-word names by first character (`stems.rs`): two
    /// substitutions are found only against these.
    top_words: Vec<(char, u32)>,
}

impl PopularNames {
    /// The shipped list, parsed once per process.
    pub fn shipped() -> &'static PopularNames {
        static SHIPPED: OnceLock<PopularNames> = OnceLock::new();
        SHIPPED.get_or_init(|| PopularNames::parse(POPULAR_NAMES))
    }

    /// Parses a list: `[npm]` / `[PyPI]` / `[crates.io]` section lines, then one name a
    /// line, most popular first; `#` lines are comments. Unknown sections are skipped.
    pub fn parse(text: &'static str) -> PopularNames {
        let mut indexes: [LazyIndex; 3] = Default::default();
        let mut current: Option<(Option<Ecosystem>, usize)> = None;
        let mut close = |current: Option<(Option<Ecosystem>, usize)>, end: usize| {
            if let Some((Some(ecosystem), start)) = current {
                let section = text.get(start..end).unwrap_or_default();
                indexes[slot(ecosystem)].sections.push(section);
            }
        };
        // Only a line whose first non-blank character is `[` can be a section line: find
        // the `[`s (`memchr` over the text) instead of walking all 14,500 lines.
        for (bracket, _) in text.match_indices('[') {
            let start = text[..bracket].rfind('\n').map_or(0, |newline| newline + 1);
            if !text[start..bracket].trim().is_empty() {
                continue;
            }
            let end = text[bracket..]
                .find('\n')
                .map_or(text.len(), |newline| bracket + newline + 1);
            let line = text[start..end].trim();
            if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                close(current, start);
                current = Some((section.parse::<Ecosystem>().ok(), end));
            }
        }
        close(current, text.len());
        PopularNames { indexes }
    }

    fn index(&self, ecosystem: Ecosystem) -> Option<&NameIndex> {
        let lazy = &self.indexes[slot(ecosystem)];
        (!lazy.sections.is_empty()).then(|| lazy.get(ecosystem))
    }

    /// Whether `name` is on the popular list of `ecosystem`.
    pub fn contains(&self, ecosystem: Ecosystem, name: &str) -> bool {
        self.index(ecosystem)
            .is_some_and(|index| index.contains(&canonical(ecosystem, name)))
    }

    /// Builds `ecosystem`'s index now instead of on first use (`tollgate scan` does it on
    /// another thread while the lockfiles parse).
    pub fn prepare(&self, ecosystem: Ecosystem) {
        self.index(ecosystem);
    }

    /// How many names the list has for `ecosystem`.
    pub fn len(&self, ecosystem: Ecosystem) -> usize {
        self.index(ecosystem).map_or(0, |index| index.names.len())
    }

    /// The popular name `name` most likely imitates, or `None` (also for popular names).
    pub fn squat_target(&self, ecosystem: Ecosystem, name: &str) -> Option<SquatMatch> {
        let index = self.index(ecosystem)?;
        let name = canonical(ecosystem, name);
        if index.contains(&name) {
            return None;
        }
        // Every technique may match; the most popular target wins (`python-dateutils` is
        // after `python-dateutil`, not `dateutils`), the earlier technique on a tie.
        let other_owner = |&(id, _): &(u32, Technique)| {
            index
                .names
                .get(id as usize)
                .is_some_and(|target| !same_npm_scope(&name, target))
        };
        let (id, technique) = [
            index.by_skeleton(&name),
            index.by_words(&name),
            index.by_affix(ecosystem, &name),
            index.by_version(&name),
            index.by_edits(ecosystem, &name),
        ]
        .into_iter()
        .flatten()
        .filter(other_owner)
        .min_by_key(|(id, _)| *id)
        // Only when nothing closer matched: two edits from a very popular name, and a
        // popular name (or a near miss of one) with a version, word or affix added.
        .or_else(|| index.fallback(ecosystem, &name).filter(other_owner))?;
        let target = (*index.names.get(id as usize)?).to_owned();
        Some(SquatMatch { target, technique })
    }
}

impl NameIndex {
    /// Linear in the total length of the names: every entry is hashed in place (no string is
    /// built per name) and the tables are grouped by a counting sort, not a comparison sort.
    /// Ids are placed in increasing order, so within a group they come most popular first.
    fn build(ecosystem: Ecosystem, names: Vec<&'static str>) -> NameIndex {
        let keys: Vec<Cow<'static, str>> = names
            .iter()
            .map(|name| canonical(ecosystem, name))
            .collect();
        let mut hashes = Deletions::default();
        // Counted in one pass and placed in a second, hashed afresh: cheaper than keeping
        // 134,000 hashes (npm) in between, another megabyte to allocate and fill.
        let mut deletions = TableBuilder::new(keys.iter().map(|key| key.len() + 1).sum());
        for key in &keys {
            hashes.load(key);
            hashes.for_each_indexed(|hash| deletions.count(hash));
        }
        deletions.allocate();
        for (id, key) in keys.iter().enumerate() {
            let id = u32::try_from(id).unwrap_or(u32::MAX);
            hashes.load(key);
            hashes.for_each_indexed(|hash| deletions.place(hash, id));
        }
        let skeletons: Vec<_> = keys
            .iter()
            .map(|key| Some(hash_chars(skeleton(key))))
            .collect();
        let word_sets: Vec<_> = keys.iter().map(|key| word_set_hash(key)).collect();
        let top_words = stems::top_words(ecosystem, &keys);
        NameIndex {
            top_words,
            skeletons: HashTable::new(&skeletons),
            word_sets: HashTable::new(&word_sets),
            deletions: deletions.finish(),
            names,
            keys,
        }
    }

    fn key(&self, id: u32) -> &str {
        self.keys.get(id as usize).map_or("", |key| key)
    }

    /// Whether a canonical name is on the list.
    fn contains(&self, name: &str) -> bool {
        self.deletions
            .get(hash_chars(name.chars()))
            .any(|id| self.key(id) == name)
    }

    /// The most popular name with the skeleton of `name`. Ids come in popularity order and
    /// each is checked against the real skeleton, so a hash collision never picks a name.
    fn skeleton_match(&self, name: &str) -> Option<u32> {
        self.skeletons
            .get(hash_chars(skeleton(name)))
            .find(|&id| skeleton(self.key(id)).eq(skeleton(name)))
    }

    fn by_skeleton(&self, name: &str) -> Option<(u32, Technique)> {
        if name.chars().count() < MIN_SKELETON_LENGTH {
            return None;
        }
        let id = self.skeleton_match(name)?;
        let target = self.names.get(id as usize)?.to_lowercase();
        let technique = if separators_removed(name) == separators_removed(&target) {
            Technique::Separators
        } else {
            Technique::Homoglyph
        };
        Some((id, technique))
    }

    fn by_words(&self, name: &str) -> Option<(u32, Technique)> {
        let id = self
            .word_sets
            .get(word_set_hash(name)?)
            .find(|&id| same_words(name, self.key(id)))?;
        Some((id, Technique::SwappedWords))
    }

    fn by_version(&self, name: &str) -> Option<(u32, Technique)> {
        let base = name
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .trim_end_matches(['-', '_', '.']);
        if base == name || base.chars().count() < MIN_VERSION_BASE_LENGTH {
            return None;
        }
        let id = self.skeleton_match(base)?;
        Some((id, Technique::Version))
    }

    fn by_affix(&self, ecosystem: Ecosystem, name: &str) -> Option<(u32, Technique)> {
        let affixes = match ecosystem {
            Ecosystem::Npm => &NPM_AFFIXES,
            Ecosystem::PyPI => &PYPI_AFFIXES,
            Ecosystem::CratesIo => &CRATES_AFFIXES,
        };
        let stripped = affixes
            .prefixes
            .iter()
            .filter_map(|prefix| name.strip_prefix(prefix))
            .chain(
                affixes
                    .suffixes
                    .iter()
                    .filter_map(|suffix| name.strip_suffix(suffix)),
            );
        for base in stripped {
            if base.chars().count() < MIN_AFFIX_BASE_LENGTH {
                continue;
            }
            if let Some(id) = self.skeleton_match(base) {
                return Some((id, Technique::Affix));
            }
        }
        None
    }

    /// `name` is in canonical form; so are the targets it is compared with (a crates.io
    /// `serde_json` is `serde-json`, as the deletion index holds it).
    fn by_edits(&self, ecosystem: Ecosystem, name: &str) -> Option<(u32, Technique)> {
        let length = name.chars().count();
        let limit = allowed_edits(length);
        if limit == 0 {
            return None;
        }
        let mut hashes = Deletions::default();
        hashes.load(name);
        let mut candidates = Vec::new();
        hashes.for_each(limit, |hash| candidates.extend(self.deletions.get(hash)));
        // Among names of up to `SHORT_NAME_LENGTH` characters one edit joins many unrelated
        // real packages (`arch`/`argh`, `purl`/`furl`): only the most popular are targets.
        if length <= SHORT_NAME_LENGTH && ecosystem != Ecosystem::CratesIo {
            candidates.retain(|&id| (id as usize) < SHORT_NAME_TARGETS);
        }
        self.closest(ecosystem, name, candidates, limit, allowed_edits)
    }

    /// Of `candidates`, the closest to `name` (then the most popular) within `limit` edits
    /// (fewer for short targets), with how it differs.
    fn closest(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        mut candidates: Vec<u32>,
        limit: usize,
        target_limit: fn(usize) -> usize,
    ) -> Option<(u32, Technique)> {
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(usize, u32)> = None;
        for id in candidates {
            let Some(target) = self.names.get(id as usize) else {
                continue;
            };
            let target_key = canonical(ecosystem, target);
            let limit = limit.min(target_limit(target_key.chars().count()));
            if let Some(distance) = bounded_distance(name, &target_key, limit)
                && distance > 0
                && best.is_none_or(|(d, i)| (distance, id) < (d, i))
            {
                best = Some((distance, id));
            }
        }
        let (distance, id) = best?;
        let target = canonical(ecosystem, self.names.get(id as usize)?);
        Some((id, classify_edit(name, &target, distance)))
    }
}

/// Names up to this long are one edit only from the `SHORT_NAME_TARGETS` most popular
/// names (crates.io's list has no popularity order, so there every name is a target).
const SHORT_NAME_LENGTH: usize = 5;
const SHORT_NAME_TARGETS: usize = 2500;
/// A version trick needs a base at least this long.
const MIN_VERSION_BASE_LENGTH: usize = 3;
/// Names shorter than this get no edit-distance matching (too many near neighbours).
pub(super) const MIN_EDIT_LENGTH: usize = 4;
/// Names this long or longer may be two edits away.
const LONG_NAME_LENGTH: usize = 10;
/// Skeleton (separator/homoglyph) matching needs this many characters.
const MIN_SKELETON_LENGTH: usize = 3;
/// An affix trick needs a base at least this long (`py-re` is not a squat of `re`).
const MIN_AFFIX_BASE_LENGTH: usize = 4;

/// Names longer than this get one edit again: their two-deletion neighbourhood grows
/// with the cube of the length, and long names are rarely squatted by two edits.
const MAX_TWO_EDIT_LENGTH: usize = 20;

fn allowed_edits(length: usize) -> usize {
    match length {
        n if n < MIN_EDIT_LENGTH => 0,
        n if !(LONG_NAME_LENGTH..=MAX_TWO_EDIT_LENGTH).contains(&n) => 1,
        _ => 2,
    }
}

fn classify_edit(name: &str, target: &str, distance: usize) -> Technique {
    if distance != 1 {
        return Technique::Edit(distance);
    }
    let (a, b): (Vec<char>, Vec<char>) = (name.chars().collect(), target.chars().collect());
    if a.len() + 1 == b.len() {
        return Technique::Omitted;
    }
    if a.len() == b.len() + 1 {
        let doubled = a.windows(2).any(|w| w[0] == w[1]) && {
            let mut deduped = a.clone();
            deduped.dedup();
            let mut target_deduped = b.clone();
            target_deduped.dedup();
            deduped == target_deduped
        };
        return if doubled {
            Technique::Repeated
        } else {
            Technique::Edit(1)
        };
    }
    let differing: Vec<usize> = (0..a.len()).filter(|&i| a.get(i) != b.get(i)).collect();
    match differing.as_slice() {
        [i, j] if *j == i + 1 && a.get(*i) == b.get(*j) && a.get(*j) == b.get(*i) => {
            Technique::Swapped
        }
        _ => Technique::Edit(1),
    }
}
