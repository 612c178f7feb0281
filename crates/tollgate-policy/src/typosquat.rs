//! Typosquat detection: is a package name a near miss of a popular package's name?
//!
//! The techniques are typomania's and PyPI's: one or two edits (scaled by length:
//! none below 4 characters, one up to 9, two from 10 to 20, one above), swapped, omitted and repeated
//! characters, separator tricks (`-`, `_`, `.`, none), homoglyphs (`0`/`o`,
//! `1`/`l`/`i`, `rn`/`m`, `vv`/`w`), and affix tricks (`-js`, `py-`, `python-`, ...).
//! A name on the popular list is never reported, so one popular package is never called
//! a squat of another.
//!
//! Lookups cost no pass over the list: exact names and "skeletons" (separators dropped,
//! homoglyphs folded) are hash lookups, and edit distance uses a deletion neighbourhood:
//! every popular name is indexed under itself and the strings left by deleting one
//! character (226,000 entries for the shipped list, built in milliseconds); a query
//! generates its own deletions (one, or two for names of 10 to 20 characters) and only the
//! names sharing one are compared with the exact distance.
//!
//! This finds every pair one edit apart (insertion, deletion, substitution,
//! transposition). Two edits are found when the popular name needs at most one deletion
//! to meet the query: two added characters, or one added plus one substituted; two
//! substitutions or two omitted characters are not found. Indexing two-character
//! deletions of every popular name would find those too, at 2.1 million entries and
//! ~10x the start-up time; the advisory-derived evaluation (`scripts/eval-typosquat.py`)
//! measures what is missed.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
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
    indexes: HashMap<Ecosystem, LazyIndex>,
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
                .flat_map(|section| section.lines())
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .collect();
            NameIndex::build(ecosystem, names)
        })
    }
}

#[derive(Debug, Default)]
struct NameIndex {
    /// Names in popularity order.
    names: Vec<&'static str>,
    /// Canonical forms of every name (borrowed when a name is already canonical).
    canonical: HashSet<Cow<'static, str>>,
    /// Skeleton → the most popular name with it.
    skeletons: HashMap<String, u32>,
    /// Sorted words of multi-word names → the most popular name with them.
    word_sets: HashMap<String, u32>,
    /// (hash of a deletion variant, name id), sorted for binary search.
    deletions: Vec<(u64, u32)>,
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
        let mut indexes: HashMap<Ecosystem, LazyIndex> = HashMap::new();
        let mut current: Option<(Option<Ecosystem>, usize)> = None;
        let mut close = |current: Option<(Option<Ecosystem>, usize)>, end: usize| {
            if let Some((Some(ecosystem), start)) = current {
                let section = text.get(start..end).unwrap_or_default();
                indexes.entry(ecosystem).or_default().sections.push(section);
            }
        };
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim();
            if let Some(section) = trimmed.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                close(current, offset);
                current = Some((section.parse::<Ecosystem>().ok(), offset + line.len()));
            }
            offset += line.len();
        }
        close(current, text.len());
        PopularNames { indexes }
    }

    fn index(&self, ecosystem: Ecosystem) -> Option<&NameIndex> {
        self.indexes.get(&ecosystem).map(|lazy| lazy.get(ecosystem))
    }

    /// Whether `name` is on the popular list of `ecosystem`.
    pub fn contains(&self, ecosystem: Ecosystem, name: &str) -> bool {
        self.index(ecosystem)
            .is_some_and(|index| index.canonical.contains(&canonical(ecosystem, name)))
    }

    /// How many names the list has for `ecosystem`.
    pub fn len(&self, ecosystem: Ecosystem) -> usize {
        self.index(ecosystem).map_or(0, |index| index.names.len())
    }

    /// The popular name `name` most likely imitates, or `None` (also for popular names).
    pub fn squat_target(&self, ecosystem: Ecosystem, name: &str) -> Option<SquatMatch> {
        let index = self.index(ecosystem)?;
        let name = canonical(ecosystem, name);
        if index.canonical.contains(&name) {
            return None;
        }
        // Every technique may match; the most popular target wins (`python-dateutils` is
        // after `python-dateutil`, not `dateutils`), the earlier technique on a tie.
        let (id, technique) = [
            index.by_skeleton(&name),
            index.by_words(&name),
            index.by_affix(ecosystem, &name),
            index.by_version(&name),
            index.by_edits(&name),
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
    fn build(ecosystem: Ecosystem, names: Vec<&'static str>) -> NameIndex {
        let mut index = NameIndex::default();
        for (id, name) in names.iter().enumerate() {
            let id = u32::try_from(id).unwrap_or(u32::MAX);
            let key = canonical(ecosystem, name);
            index.skeletons.entry(skeleton(&key)).or_insert(id);
            if let Some(words) = sorted_words(&key) {
                index.word_sets.entry(words).or_insert(id);
            }
            let length = key.chars().count();
            if length + 1 >= MIN_EDIT_LENGTH {
                for_each_deletion(&key, 1, |hash| index.deletions.push((hash, id)));
            }
            index.canonical.insert(key);
        }
        index.deletions.sort_unstable();
        index.deletions.dedup();
        index.names = names;
        index
    }

    fn by_skeleton(&self, name: &str) -> Option<(u32, Technique)> {
        if name.chars().count() < MIN_SKELETON_LENGTH {
            return None;
        }
        let id = *self.skeletons.get(&skeleton(name))?;
        let target = self.names.get(id as usize)?.to_lowercase();
        let technique = if separators_removed(name) == separators_removed(&target) {
            Technique::Separators
        } else {
            Technique::Homoglyph
        };
        Some((id, technique))
    }

    fn by_words(&self, name: &str) -> Option<(u32, Technique)> {
        let id = *self.word_sets.get(&sorted_words(name)?)?;
        Some((id, Technique::SwappedWords))
    }

    fn by_version(&self, name: &str) -> Option<(u32, Technique)> {
        let base = name
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .trim_end_matches(['-', '_', '.']);
        if base == name || base.chars().count() < MIN_VERSION_BASE_LENGTH {
            return None;
        }
        let id = *self.skeletons.get(&skeleton(base))?;
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
            if let Some(&id) = self.skeletons.get(&skeleton(base)) {
                return Some((id, Technique::Affix));
            }
        }
        None
    }

    fn by_edits(&self, name: &str) -> Option<(u32, Technique)> {
        let length = name.chars().count();
        let limit = allowed_edits(length);
        if limit == 0 {
            return None;
        }
        let mut candidates = HashSet::new();
        for_each_deletion(name, limit, |hash| {
            let start = self.deletions.partition_point(|(h, _)| *h < hash);
            for (_, id) in self.deletions[start..]
                .iter()
                .take_while(|(h, _)| *h == hash)
            {
                candidates.insert(*id);
            }
        });
        let mut best: Option<(usize, u32)> = None;
        for id in candidates {
            let Some(target) = self.names.get(id as usize) else {
                continue;
            };
            let target_key = target.to_lowercase();
            let limit = limit.min(allowed_edits(target_key.chars().count()));
            if let Some(distance) = bounded_distance(name, &target_key, limit)
                && distance > 0
                && best.is_none_or(|(d, i)| (distance, id) < (d, i))
            {
                best = Some((distance, id));
            }
        }
        let (distance, id) = best?;
        let target = self.names.get(id as usize)?.to_lowercase();
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
    let already = match ecosystem {
        Ecosystem::PyPI | Ecosystem::CratesIo => !name
            .bytes()
            .any(|b| b.is_ascii_uppercase() || matches!(b, b'_' | b'.') || !b.is_ascii()),
        Ecosystem::Npm => !name
            .bytes()
            .any(|b| b.is_ascii_uppercase() || !b.is_ascii()),
    };
    if already && !(ecosystem == Ecosystem::PyPI && name.contains("--")) {
        return Cow::Borrowed(name);
    }
    Cow::Owned(match ecosystem {
        Ecosystem::PyPI => tollgate_model::normalize_name(ecosystem, name),
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

/// The words of a name with two or more words, sorted and joined by `-`.
fn sorted_words(name: &str) -> Option<String> {
    let mut words: Vec<&str> = name
        .split(['-', '_', '.'])
        .filter(|word| !word.is_empty())
        .collect();
    if words.len() < 2 {
        return None;
    }
    words.sort_unstable();
    Some(words.join("-"))
}

fn separators_removed(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .collect()
}

/// Separators removed and look-alike characters folded to one representative.
fn skeleton(name: &str) -> String {
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
}

/// Calls `visit` with the hash of `word` and of every string left by deleting up to
/// `depth` (at most 2) characters. Hashes are computed in place, without building the
/// strings; the same variant may be visited more than once (doubled letters).
fn for_each_deletion(word: &str, depth: usize, mut visit: impl FnMut(u64)) {
    let chars: Vec<char> = word.chars().collect();
    let hash_without = |skip_a: usize, skip_b: usize| {
        let mut hash = FNV_OFFSET;
        for (index, c) in chars.iter().enumerate() {
            if index != skip_a && index != skip_b {
                hash = fnv1a_char(hash, *c);
            }
        }
        hash
    };
    visit(hash_without(usize::MAX, usize::MAX));
    for first in 0..chars.len() {
        if depth >= 1 {
            visit(hash_without(first, usize::MAX));
        }
        if depth >= 2 {
            for second in first + 1..chars.len() {
                visit(hash_without(first, second));
            }
        }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// One step of 64-bit FNV-1a over a character's UTF-8 bytes: a fast, stable hash for
/// the deletion index (collisions only add candidates, which the exact distance check
/// then drops).
fn fnv1a_char(hash: u64, c: char) -> u64 {
    let mut buffer = [0u8; 4];
    c.encode_utf8(&mut buffer).bytes().fold(hash, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
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
}
