//! Typosquat detection: is a package name a near miss of a popular package's name?
//!
//! The techniques are typomania's and PyPI's: one or two edits (scaled by length:
//! none below 4 characters, one up to 9, two from 10 to 20, one above), swapped, omitted and repeated
//! characters, separator tricks (`-`, `_`, `.`, none), homoglyphs (`0`/`o`,
//! `1`/`l`/`i`, `rn`/`m`, `vv`/`w`), and affix tricks (`-js`, `py-`, `python-`, ...).
//! A name on the popular list is never reported, so one popular package is never called
//! a squat of another.
//!
//! Lookups cost no pass over the list: exact names, "skeletons" (separators dropped,
//! homoglyphs folded) and sets of words are hash lookups, and edit distance uses a
//! deletion neighbourhood: every popular name is indexed under itself and, from 3
//! characters, the strings left by deleting one character (17,000 entries for the 1,501
//! crates.io names, 134,000 for npm's 8,000, 224,000 for the shipped list); a query
//! generates its own deletions (one, or two for names of 10 to 20 characters) and only the
//! names sharing one are compared with the exact distance.
//!
//! The index holds hashes, not strings, and builds no string per name: a polynomial
//! hash gives the hash of every one-character deletion of a name from its prefix hashes
//! in constant time, and each table is an array of (hash bits, id) grouped by the hash's
//! top bits by a counting sort, 8 bytes an entry (1.1 MB for npm). An ecosystem's index
//! is built on first use: about 0.3 ms for crates.io, 1.4 ms for PyPI, 2.4 ms for npm
//! (release build, warm, on the 2-core CI machine while other builds ran; see
//! `docs/benchmarks.md`). Different strings can share a hash, so every hit is checked
//! against the real name: a collision can add an edit-distance candidate, which the exact
//! distance then judges, but never reports a name whose skeleton or words differ.
//!
//! This finds every pair one edit apart (insertion, deletion, substitution,
//! transposition). Two edits are found when the popular name needs at most one deletion
//! to meet the query: two added characters, or one added plus one substituted; two
//! substitutions or two omitted characters are not found. Indexing two-character
//! deletions of every popular name would find those too, at 2.1 million entries and
//! ~10x the start-up time; the advisory-derived evaluation (`scripts/eval-typosquat.py`)
//! measures what is missed.

use std::borrow::Cow;
use std::sync::OnceLock;

use tollgate_model::Ecosystem;

use crate::error::bounded_distance;

/// The shipped popular-name list (see `data/README.md`).
const POPULAR_NAMES: &str = include_str!("../data/popular-names.txt");

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
        let (id, technique) = [
            index.by_skeleton(&name),
            index.by_words(&name),
            index.by_affix(ecosystem, &name),
            index.by_version(&name),
            index.by_edits(ecosystem, &name),
        ]
        .into_iter()
        .flatten()
        .filter(|(id, _)| {
            index
                .names
                .get(*id as usize)
                .is_some_and(|target| !same_npm_scope(&name, target))
        })
        .min_by_key(|(id, _)| *id)?;
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
        NameIndex {
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
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(usize, u32)> = None;
        for id in candidates {
            let Some(target) = self.names.get(id as usize) else {
                continue;
            };
            let target_key = canonical(ecosystem, target);
            let limit = limit.min(allowed_edits(target_key.chars().count()));
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

/// A version trick needs a base at least this long.
const MIN_VERSION_BASE_LENGTH: usize = 3;
/// Names shorter than this get no edit-distance matching (too many near neighbours).
const MIN_EDIT_LENGTH: usize = 4;
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

/// The form names are compared in: lowercase; PyPI's runs of `-_.` become `-`;
/// crates.io's `_` becomes `-` (crates.io treats them as the same name).
fn canonical<'a>(ecosystem: Ecosystem, name: &'a str) -> Cow<'a, str> {
    // One branch-free pass: this runs for every name indexed and every name looked up.
    let (mut upper, mut non_ascii, mut separator) = (false, false, false);
    for &b in name.as_bytes() {
        upper |= b.is_ascii_uppercase();
        non_ascii |= !b.is_ascii();
        separator |= (b == b'_') | (b == b'.');
    }
    let already = !upper && !non_ascii && (ecosystem == Ecosystem::Npm || !separator);
    if already && !(ecosystem == Ecosystem::PyPI && name.contains("--")) {
        return Cow::Borrowed(name);
    }
    Cow::Owned(match ecosystem {
        Ecosystem::PyPI => tollgate_model::normalize_name(ecosystem, name),
        // One allocation where ASCII (as every listed name is).
        Ecosystem::CratesIo if !non_ascii => {
            let mut key = name.replace('_', "-");
            key.make_ascii_lowercase();
            key
        }
        Ecosystem::CratesIo => name.to_lowercase().replace('_', "-"),
        Ecosystem::Npm => name.to_lowercase(),
    })
}

/// Whether both names are in the same npm scope: a scope belongs to one owner, so a
/// name in it cannot squat another name in it (`@eslint/json` is not after `@eslint/js`).
fn same_npm_scope(name: &str, target: &str) -> bool {
    let scope = |n: &str| {
        n.strip_prefix('@')
            .and_then(|rest| rest.split_once('/'))
            .map(|(scope, _)| scope.to_lowercase())
    };
    scope(name).is_some_and(|s| scope(target) == Some(s))
}

fn is_separator(c: char) -> bool {
    matches!(c, '-' | '_' | '.')
}

fn words(name: &str) -> impl Iterator<Item = &str> {
    name.split(is_separator).filter(|word| !word.is_empty())
}

/// For a name of two or more words, a hash of its words that ignores their order: the sum
/// of the words' hashes. Over bytes, not characters: only ever compared with itself.
fn word_set_hash(name: &str) -> Option<u64> {
    let (mut words, mut sum) = (0u32, 0u64);
    // The current word's hash, while in one.
    let mut word = None;
    for &b in name.as_bytes() {
        if matches!(b, b'-' | b'_' | b'.') {
            if let Some(hash) = word.take() {
                words += 1;
                sum = sum.wrapping_add(mix(hash));
            }
        } else {
            word = Some(
                word.unwrap_or(0u64)
                    .wrapping_mul(BASE)
                    .wrapping_add(u64::from(b)),
            );
        }
    }
    if let Some(hash) = word {
        words += 1;
        sum = sum.wrapping_add(mix(hash));
    }
    (words >= 2).then_some(sum)
}

/// Whether two names have the same words, each as often, in any order.
fn same_words(a: &str, b: &str) -> bool {
    let sorted = |name| {
        let mut words: Vec<&str> = words(name).collect();
        words.sort_unstable();
        words
    };
    sorted(a) == sorted(b)
}

fn separators_removed(name: &str) -> String {
    name.chars().filter(|&c| !is_separator(c)).collect()
}

/// How skeletons fold ASCII characters: separators dropped (0), look-alike characters to
/// one representative. A table: a `match` here costs a hard-to-predict branch a character
/// (a quarter of the time of hashing a skeleton).
static FOLDED: [u8; 128] = {
    let mut folded = [0u8; 128];
    let mut c = 0;
    while c < 128 {
        folded[c] = match c as u8 {
            b'-' | b'_' | b'.' => 0,
            b'0' => b'o',
            b'1' | b'i' | b'|' => b'l',
            b'5' => b's',
            other => other,
        };
        c += 1;
    }
    folded
};

/// The characters of a name's skeleton: separators removed, look-alike characters folded
/// to one representative, then `rn` read as `m` and `vv` as `w` (left to right, without
/// overlaps, as `str::replace` would). Produced one at a time, so hashing a skeleton
/// builds no string.
fn skeleton(name: &str) -> impl Iterator<Item = char> + '_ {
    let mut folded = name.chars().filter_map(|c| match FOLDED.get(c as usize) {
        Some(0) => None,
        Some(&folded) => Some(char::from(folded)),
        None => Some(c),
    });
    let mut pending = folded.next();
    std::iter::from_fn(move || {
        let c = pending?;
        pending = folded.next();
        let merged = match (c, pending) {
            ('r', Some('n')) => 'm',
            ('v', Some('v')) => 'w',
            _ => return Some(c),
        };
        pending = folded.next();
        Some(merged)
    })
}

/// A multimap from 64-bit hashes to name ids: entries grouped by the top bits of their
/// hash, 8 to 16 to a group on average (one or two cache lines), by a counting sort
/// (linear, and free of the cache miss and mispredicted branch per entry of inserting
/// into a hash table: the npm deletion table has 134,000 entries). An entry keeps the
/// name's id and the hash's low 32 bits, so with the group's bits 39 to 46 bits of the
/// hash must match for the shipped lists. Callers check every id they get against the
/// real string: different strings may share a hash.
#[derive(Debug)]
struct HashTable {
    /// 64 minus the number of bits that pick a group.
    shift: u32,
    /// Group `g` is `entries[starts[g]..starts[g + 1]]`.
    starts: Vec<u32>,
    entries: Vec<(u32, u32)>,
}

/// Builds a `HashTable` in two passes over the same entries: `count` every one, then
/// `allocate`, then `place` every one.
#[derive(Debug)]
struct TableBuilder {
    shift: u32,
    /// While counting, `starts[g + 2]` counts group `g`; while placing, `starts[g + 1]`
    /// is where group `g`'s next entry goes; once done, group `g` is
    /// `entries[starts[g]..starts[g + 1]]`.
    starts: Vec<u32>,
    entries: Vec<(u32, u32)>,
}

impl TableBuilder {
    /// For up to `capacity` entries, which sets the number of groups.
    fn new(capacity: usize) -> TableBuilder {
        let bits = (capacity / 16).next_power_of_two().trailing_zeros().max(1);
        TableBuilder {
            shift: 64 - bits,
            starts: vec![0; (1 << bits) + 2],
            entries: Vec::new(),
        }
    }

    fn group(&self, hash: u64) -> usize {
        (hash >> self.shift) as usize
    }

    fn count(&mut self, hash: u64) {
        let group = self.group(hash);
        self.starts[group + 2] += 1;
    }

    fn allocate(&mut self) {
        let mut total = 0;
        for start in &mut self.starts {
            total += *start;
            *start = total;
        }
        self.entries = vec![(0, 0); total as usize];
    }

    fn place(&mut self, hash: u64, id: u32) {
        let group = self.group(hash);
        let next = &mut self.starts[group + 1];
        self.entries[*next as usize] = (hash as u32, id);
        *next += 1;
    }

    fn finish(mut self) -> HashTable {
        self.starts.pop();
        HashTable {
            shift: self.shift,
            starts: self.starts,
            entries: self.entries,
        }
    }
}

impl HashTable {
    /// A table of one hash (or none) per name, by id.
    fn new(hashes: &[Option<u64>]) -> HashTable {
        let mut table = TableBuilder::new(hashes.len());
        for hash in hashes.iter().flatten() {
            table.count(*hash);
        }
        table.allocate();
        for (id, hash) in hashes.iter().enumerate() {
            if let Some(hash) = hash {
                table.place(*hash, u32::try_from(id).unwrap_or(u32::MAX));
            }
        }
        table.finish()
    }

    /// The ids stored under `hash`, in the order placed (most popular first).
    fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let group = (hash >> self.shift) as usize;
        let start = self.starts.get(group).copied().unwrap_or_default() as usize;
        let end = self.starts.get(group + 1).copied().unwrap_or_default() as usize;
        self.entries
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .filter(move |(low, _)| *low == hash as u32)
            .map(|(_, id)| *id)
    }
}

/// The string hash of the name and skeleton tables: a polynomial over the characters,
/// wrapping at 2^64, then mixed. Polynomial so that the hash of a string with characters
/// deleted follows from the hashes of its prefixes and suffixes (`Deletions`); mixed (a
/// bijection, so no new collisions) so that the top bits `HashTable` groups by depend on
/// every character, the last one included.
fn hash_chars(chars: impl Iterator<Item = char>) -> u64 {
    mix(chars.fold(0, push_char))
}

const BASE: u64 = 0x9e37_79b9_7f4a_7c15;

fn push_char(hash: u64, c: char) -> u64 {
    hash.wrapping_mul(BASE).wrapping_add(char_value(c))
}

/// A character's term in the polynomial (never 0).
fn char_value(c: char) -> u64 {
    u64::from(u32::from(c)) + 1
}

/// Both halves of the hash into both halves of the result (the tables take the top bits
/// for the group and keep the low 32), and no longer additive (word-set hashes are sums).
fn mix(hash: u64) -> u64 {
    (hash ^ (hash >> 32)).wrapping_mul(0xd6e8_feb8_6659_fd93)
}

/// The hashes (as `hash_chars` computes them) of a word with up to two characters
/// deleted, each in constant time from the polynomial hashes of the word's prefixes and
/// suffixes. Reused from word to word, so indexing allocates nothing per name.
#[derive(Debug, Default)]
struct Deletions {
    /// `prefix[i]`: unmixed hash of the word's first `i` characters. Character `i`'s
    /// term (`char_value`) is `prefix[i + 1] - prefix[i] * BASE`, so the characters need
    /// no copy of their own.
    prefix: Vec<u64>,
}

impl Deletions {
    fn load(&mut self, word: &str) {
        self.prefix.clear();
        self.prefix.push(0);
        let mut hash = 0;
        let mut prefix = |c| {
            hash = push_char(hash, c);
            hash
        };
        // ASCII (every listed name) as bytes: the length is known, so no per-character
        // capacity check.
        if word.is_ascii() {
            self.prefix
                .extend(word.bytes().map(|b| prefix(char::from(b))));
        } else {
            self.prefix.extend(word.chars().map(prefix));
        }
    }

    fn len(&self) -> usize {
        self.prefix.len() - 1
    }

    /// Character `i`'s term: equal terms, equal characters.
    fn term(&self, i: usize) -> u64 {
        self.prefix[i + 1].wrapping_sub(self.prefix[i].wrapping_mul(BASE))
    }

    /// Hash of the whole word.
    fn whole(&self) -> u64 {
        mix(self.prefix[self.len()])
    }

    /// What a popular name is indexed under: itself, and from 3 characters, the strings
    /// left by deleting one character. A query's deletions are 3 or more characters long,
    /// so a shorter name's would never be asked for; the name itself is, by `contains`.
    fn for_each_indexed(&self, mut visit: impl FnMut(u64)) {
        if self.len() + 1 >= MIN_EDIT_LENGTH {
            self.for_each(1, visit);
        } else {
            visit(self.whole());
        }
    }

    /// Calls `visit` with the hash of the word and of every string left by deleting up to
    /// `depth` (1 or 2) characters. Of a run of equal characters only one is deleted
    /// (any gives the same string); other strings may still be visited more than once.
    fn for_each(&self, depth: usize, mut visit: impl FnMut(u64)) {
        visit(self.whole());
        // Deleting a character leaves the prefix before it, shifted left past the suffix
        // after it; walking backwards, `suffix` is the unmixed hash of the characters after
        // the current one and `shift` is `BASE` to the power of their number.
        let (mut suffix, mut shift, mut next) = (0u64, 1u64, None);
        for pair in self.prefix.windows(2).rev() {
            let (before, through) = (pair[0], pair[1]);
            let term = through.wrapping_sub(before.wrapping_mul(BASE));
            // Deleting a character gives the same string as deleting the next when they are
            // equal.
            if next != Some(term) {
                visit(mix(before.wrapping_mul(shift).wrapping_add(suffix)));
            }
            suffix = suffix.wrapping_add(shift.wrapping_mul(term));
            shift = shift.wrapping_mul(BASE);
            next = Some(term);
        }
        if depth >= 2 {
            self.for_each_second(visit);
        }
    }

    /// The strings left by deleting two characters: `i` < `j`.
    fn for_each_second(&self, mut visit: impl FnMut(u64)) {
        let (prefix, length) = (&self.prefix, self.len());
        let terms: Vec<u64> = (0..length).map(|i| self.term(i)).collect();
        // `power[k]`: `BASE` to the `k`; `suffix[k]`: unmixed hash of characters `k..`.
        let power: Vec<u64> = std::iter::successors(Some(1u64), |p| Some(p.wrapping_mul(BASE)))
            .take(length + 1)
            .collect();
        let mut suffix = vec![0u64; length + 1];
        for k in (0..length).rev() {
            suffix[k] = suffix[k + 1].wrapping_add(power[length - 1 - k].wrapping_mul(terms[k]));
        }
        // A first deletion in a run covers the others (the rest of the run can still go
        // second); a second one skips to the last of its run, like the first deletions.
        for i in (0..length).filter(|&i| i == 0 || terms[i - 1] != terms[i]) {
            for j in (i + 1..length).filter(|&j| terms.get(j + 1) != Some(&terms[j])) {
                // The prefix before `i`, then characters `i + 1..j`, then the suffix after `j`.
                let between = power[j - 1 - i];
                let middle = prefix[j].wrapping_sub(prefix[i + 1].wrapping_mul(between));
                let before = prefix[i].wrapping_mul(between).wrapping_add(middle);
                visit(mix(before
                    .wrapping_mul(power[length - 1 - j])
                    .wrapping_add(suffix[j + 1])));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> PopularNames {
        PopularNames::parse(
            "[crates.io]\nrust_decimal\nproc-macro2\nserde\ntokio\n[PyPI]\nrequests\npython-dateutil\nurllib3\nbeautifulsoup4\n[npm]\nlodash\ncross-env\nexpress\n@babel/core\n",
        )
    }

    fn target(
        list: &PopularNames,
        ecosystem: Ecosystem,
        name: &str,
    ) -> Option<(String, Technique)> {
        list.squat_target(ecosystem, name)
            .map(|m| (m.target, m.technique))
    }

    #[test]
    fn advisory_examples_are_found() {
        let list = list();
        // RUSTSEC-2021-0125 style cases named in the issue.
        assert_eq!(
            target(&list, Ecosystem::CratesIo, "rustdecimal"),
            Some(("rust_decimal".into(), Technique::Separators))
        );
        assert_eq!(
            target(&list, Ecosystem::CratesIo, "proc-macro1"),
            Some(("proc-macro2".into(), Technique::Edit(1)))
        );
        assert_eq!(
            target(&list, Ecosystem::Npm, "crossenv"),
            Some(("cross-env".into(), Technique::Separators))
        );
    }

    #[test]
    fn each_technique() {
        let list = list();
        let t = |e, n| target(&list, e, n).map(|(_, t)| t);
        // Targets are compared in canonical form: `rust_decimal` is `rust-decimal`.
        assert_eq!(
            t(Ecosystem::CratesIo, "rust_decmal"),
            Some(Technique::Omitted)
        );
        assert_eq!(
            t(Ecosystem::CratesIo, "rust_deccimal"),
            Some(Technique::Repeated)
        );
        assert_eq!(t(Ecosystem::PyPI, "reqeusts"), Some(Technique::Swapped));
        assert_eq!(t(Ecosystem::PyPI, "reqests"), Some(Technique::Omitted));
        assert_eq!(t(Ecosystem::PyPI, "requestss"), Some(Technique::Repeated));
        assert_eq!(t(Ecosystem::PyPI, "urlib3"), Some(Technique::Omitted));
        assert_eq!(t(Ecosystem::Npm, "l0dash"), Some(Technique::Homoglyph));
        assert_eq!(
            t(Ecosystem::PyPI, "python-requests"),
            Some(Technique::Affix)
        );
        assert_eq!(t(Ecosystem::Npm, "lodash-js"), Some(Technique::Affix));
        assert_eq!(t(Ecosystem::Npm, "@babe1/core"), Some(Technique::Homoglyph));
        // Same scope, same owner: not a squat.
        assert_eq!(t(Ecosystem::Npm, "@babel/cores"), None);
        assert_eq!(
            t(Ecosystem::PyPI, "beautifulsoup"),
            Some(Technique::Omitted)
        );
    }

    /// The cases of PyPI's own typosquatting check, taken as facts: pypi/warehouse
    /// `tests/unit/packaging/test_typosnyper.py`, with that test's six-name corpus.
    #[test]
    fn warehouse_test_cases() {
        let list = PopularNames::parse(
            "[PyPI]\nnumpy\nrequests\nsphinx\nbeautifulsoup4\njinja2\npython-dateutil\n",
        );
        let cases = [
            ("numpy", None),
            ("NuMpy", None),
            ("nuumpy", Some("numpy")),
            ("reequests", Some("requests")),
            ("sphnx", Some("sphinx")),
            ("python-dteutil", Some("python-dateutil")),
            ("pythondateutil", Some("python-dateutil")),
            ("jinj2a", Some("jinja2")),
            ("dateutil-python", Some("python-dateutil")),
            ("numpi", Some("numpy")),
            ("requestz", Some("requests")),
            ("python-dateutil", None),
        ];
        for (name, expected) in cases {
            let found = list.squat_target(Ecosystem::PyPI, name).map(|m| m.target);
            assert_eq!(found.as_deref(), expected, "{name}");
        }
    }

    /// typomania's word-swap and version cases (rustfoundation/typomania
    /// `src/checks/{swapped,version}.rs` tests), with their names as the corpus.
    #[test]
    fn typomania_test_cases() {
        let list = PopularNames::parse("[crates.io]\nabc-def\nabc\n");
        let t = |name| {
            list.squat_target(Ecosystem::CratesIo, name)
                .map(|m| m.technique)
        };
        assert_eq!(t("def-abc"), Some(Technique::SwappedWords));
        assert_eq!(t("def_abc"), Some(Technique::SwappedWords));
        assert_eq!(t("abc234"), Some(Technique::Version));
        assert_eq!(t("abc-234"), Some(Technique::Version));
        assert_eq!(t("abc0"), Some(Technique::Version));
    }

    #[test]
    fn popular_and_unrelated_names_are_not_flagged() {
        let list = list();
        for name in ["requests", "Requests", "python_dateutil", "urllib3"] {
            assert_eq!(target(&list, Ecosystem::PyPI, name), None, "{name}");
        }
        // Names under four characters get no edit-distance matching; ecosystems do not mix.
        assert_eq!(target(&list, Ecosystem::CratesIo, "srd"), None);
        assert_eq!(
            target(&list, Ecosystem::CratesIo, "serd"),
            Some(("serde".into(), Technique::Omitted))
        );
        assert_eq!(target(&list, Ecosystem::Npm, "rustdecimal"), None);
        assert_eq!(target(&list, Ecosystem::PyPI, "flask"), None);
    }

    #[test]
    fn shipped_list_never_flags_its_own_names() {
        let shipped = PopularNames::shipped();
        for ecosystem in Ecosystem::ALL {
            assert!(shipped.len(ecosystem) > 1000, "{ecosystem}");
        }
        assert!(shipped.contains(Ecosystem::Npm, "lodash"));
        assert!(shipped.contains(Ecosystem::PyPI, "Typing_Extensions"));
        assert!(shipped.contains(Ecosystem::CratesIo, "serde_json"));
    }

    #[test]
    fn parse_finds_sections_only_at_line_starts() {
        let list = PopularNames::parse(
            "# a [comment]\n  [npm]  \r\nfoo\r\n# [PyPI] is below\n[unknown]\nbar\n[PyPI]\nbaz\n",
        );
        assert_eq!(list.len(Ecosystem::Npm), 1);
        assert!(list.contains(Ecosystem::Npm, "foo"));
        assert!(!list.contains(Ecosystem::Npm, "bar"));
        assert!(list.contains(Ecosystem::PyPI, "baz"));
        assert_eq!(list.len(Ecosystem::CratesIo), 0);
    }

    /// The skeleton as it was first defined, with strings: the iterator must agree.
    #[test]
    fn skeleton_is_the_string_replacements() {
        let by_strings = |name: &str| {
            let folded: String = separators_removed(name)
                .chars()
                .map(|c| match c {
                    '0' => 'o',
                    '1' | 'i' | '|' => 'l',
                    '5' => 's',
                    c => c,
                })
                .collect();
            folded.replace("rn", "m").replace("vv", "w")
        };
        for name in [
            "rnrn", "rrn", "rnn", "vvv", "vvvv", "vrnv", "r-n", "v.v", "ivv1rn", "0l5|", "r", "v",
            "", "-_.", "wörn", "ärn-vv",
        ] {
            assert_eq!(
                skeleton(name).collect::<String>(),
                by_strings(name),
                "{name}"
            );
        }
    }

    /// Every string left by deleting up to `depth` characters of `word`, built.
    fn deleted(word: &str, depth: usize) -> Vec<String> {
        let chars: Vec<char> = word.chars().collect();
        let mut out = vec![word.to_owned()];
        for i in 0..chars.len() {
            let mut one = chars.clone();
            one.remove(i);
            out.push(one.iter().collect());
            if depth == 2 {
                for j in i..one.len() {
                    let mut two = one.clone();
                    two.remove(j);
                    out.push(two.iter().collect());
                }
            }
        }
        out
    }

    #[test]
    fn deletion_hashes_are_the_hashes_of_the_deleted_strings() {
        for word in [
            "",
            "a",
            "ab",
            "zzz",
            "serde",
            "aabbb",
            "mississippi",
            "lodash.merge",
            "rеquests",
            "@babel/core",
        ] {
            let mut hashes = Deletions::default();
            hashes.load(word);
            assert_eq!(hashes.whole(), hash_chars(word.chars()), "{word}");
            for depth in [1, 2] {
                let mut found = Vec::new();
                hashes.for_each(depth, |hash| found.push(hash));
                found.sort_unstable();
                found.dedup();
                let mut expected: Vec<u64> = deleted(word, depth)
                    .iter()
                    .map(|string| hash_chars(string.chars()))
                    .collect();
                expected.sort_unstable();
                expected.dedup();
                assert_eq!(found, expected, "{word} depth {depth}");
            }
        }
    }

    /// Real collisions: a Thue-Morse word of 1,024 letters and its complement have the same
    /// hash under any polynomial hash with an odd base that wraps at 2^64 (their
    /// difference is the product of `1 - BASE^(2^i)` for `i` < 10, a multiple of 2^64).
    /// Every table then offers the wrong name, and it must never be reported.
    #[test]
    fn colliding_hashes_never_report_a_name() {
        let thue_morse: String = (0..1024u32)
            .map(|i| if i.count_ones() % 2 == 0 { 'a' } else { 'b' })
            .collect();
        let complement: String = thue_morse
            .chars()
            .map(|c| if c == 'a' { 'b' } else { 'a' })
            .collect();
        let with_word = |word: &str| format!("{word}-x");
        // The premise: the two collide in every table.
        assert_eq!(
            hash_chars(thue_morse.chars()),
            hash_chars(complement.chars())
        );
        assert_eq!(
            hash_chars(skeleton(&thue_morse)),
            hash_chars(skeleton(&complement))
        );
        assert_eq!(
            word_set_hash(&with_word(&thue_morse)),
            word_set_hash(&with_word(&complement))
        );

        let text = format!("[crates.io]\n{thue_morse}\nx-{thue_morse}\n");
        let list = PopularNames::parse(Box::leak(text.into_boxed_str()));
        assert!(!list.contains(Ecosystem::CratesIo, &complement));
        for name in [complement.clone(), with_word(&complement)] {
            assert_eq!(list.squat_target(Ecosystem::CratesIo, &name), None);
        }

        // With both listed, the collision does not hide the right name behind the more
        // popular wrong one.
        let text = format!("[crates.io]\n{thue_morse}\n{complement}\n");
        let list = PopularNames::parse(Box::leak(text.into_boxed_str()));
        assert!(list.contains(Ecosystem::CratesIo, &complement));
        let (front, back) = complement.split_at(512);
        assert_eq!(
            target(&list, Ecosystem::CratesIo, &format!("{front}-{back}")),
            Some((complement.clone(), Technique::Separators))
        );
    }
}
