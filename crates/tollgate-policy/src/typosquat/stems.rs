//! The techniques tried only when no closer one matched: two edits away from one of the
//! most popular names (`reqeosts`, `tensofklow`), and a popular name or a near miss of
//! one with something added: a version (`httpxv2`, `request91`), a word squatters add
//! (`numpy-lite`, `requests-latest`), or an ecosystem affix written without a separator, put
//! on instead of another one, or around a misspelling (`pyscrapy`, `python-mongo` for
//! `pymongo`, `wweb3-py`).
//!
//! They come last because they reach further: a name one edit from a less popular
//! package is more likely that package's neighbour than a distant imitation of a famous
//! one. Two edits are allowed only against the `TOP_TIER` most popular names of each
//! ecosystem, whose imitations are the ones squatters register, and only for names of
//! `MIN_TOP_EDIT_LENGTH` or more characters: among short names, two edits join unrelated
//! words.

use tollgate_model::Ecosystem;

use super::text::is_separator;
use super::{MAX_TWO_EDIT_LENGTH, NameIndex, Technique};
use crate::error::bounded_distance;

/// How many of an ecosystem's most popular names may be reached by two edits.
const TOP_TIER: usize = 1000;
/// Names shorter than this get no two-edit match.
const MIN_TOP_EDIT_LENGTH: usize = 7;
/// Nor do stems shorter than this (`pybars4` is not `polars` with a version).
const MIN_TOP_EDIT_STEM_LENGTH: usize = 8;
/// Nor do targets shorter than this: two edits from `six` or `ray` reach anything.
const MIN_TOP_TARGET_LENGTH: usize = 5;
/// A stem (the name without what was added) needs this many characters.
const MIN_STEM_LENGTH: usize = 4;
/// A stem inside an affix is compared by edit distance from this many characters
/// (`nono-py` is not `none`).
const MIN_EDITED_STEM_LENGTH: usize = 5;

/// Words squatters append to a popular name to look like an edition of it. Words that
/// real companion packages use (`-utils`, `-cli`, `-api`, `-types`, `-plugin`) are not
/// here, nor `-dev`, which real projects publish their development tools under
/// (`textual-dev`, `openvino-dev`).
const ADDED_WORDS: &[&str] = &[
    "lite", "pro", "new", "plus", "latest", "updated", "update", "official", "fixed", "fast",
    "faster", "secure", "free",
];

/// Affixes written without a separator, per ecosystem (those with one are in `mod.rs`).
const NPM_BARE: (&[&str], &[&str]) = (&["node"], &["js"]);
const PYPI_BARE: (&[&str], &[&str]) = (&["py", "python"], &["py"]);
const CRATES_BARE: (&[&str], &[&str]) = (&[], &["rs"]);

/// The most popular single-word names, as (first character, id), sorted: the candidates
/// of a two-edit match are the run that begins like the query. Sorting 1,000 pairs costs
/// microseconds, where a two-deletion table of the same names cost milliseconds to build.
/// crates.io's list has no popularity order (it is every crate some real Cargo.lock
/// locks), so there all of it is the top tier.
pub(super) fn top_words(
    ecosystem: Ecosystem,
    keys: &[std::borrow::Cow<'static, str>],
) -> Vec<(char, u32)> {
    let tier = match ecosystem {
        Ecosystem::CratesIo => keys.len(),
        Ecosystem::Npm | Ecosystem::PyPI => TOP_TIER,
    };
    let mut words: Vec<(char, u32)> = keys
        .iter()
        .take(tier)
        .enumerate()
        .filter(|(_, key)| single_word(key))
        .filter_map(|(id, key)| Some((key.chars().next()?, u32::try_from(id).ok()?)))
        .collect();
    words.sort_unstable();
    words
}

/// Whether a name may be one end of a two-edit match: one word (no separator, no npm
/// scope) of a length a two-edit query can reach.
fn single_word(key: &str) -> bool {
    (MIN_TOP_TARGET_LENGTH..=MAX_TWO_EDIT_LENGTH + 2).contains(&key.chars().count())
        && !key.contains(|c| is_separator(c) || c == '/')
}

/// Whether `name` is `target` with letters added at the end that do not just repeat its
/// last letter: a new word (`torchrl`, `numpyro`), which versions and added words cover
/// where they are squats.
fn extends(name: &str, target: &str) -> bool {
    name.strip_prefix(target).is_some_and(|rest| {
        let last = target.chars().last();
        !rest.is_empty() && rest.chars().any(|c| Some(c) != last)
    })
}

/// Up to two edits, for ids below `TOP_TIER` only.
fn top_limit(length: usize) -> usize {
    if length >= MIN_TOP_TARGET_LENGTH {
        2
    } else {
        0
    }
}

impl NameIndex {
    /// The techniques of this module, in order; `name` is canonical and not listed.
    pub(super) fn fallback(&self, ecosystem: Ecosystem, name: &str) -> Option<(u32, Technique)> {
        self.by_top_edits(ecosystem, name)
            .or_else(|| self.by_added(ecosystem, name))
            .or_else(|| self.by_bare_affix(ecosystem, name))
            .or_else(|| self.by_misspelt_affix(ecosystem, name))
    }

    /// A listed name, a separator, then a misspelt ecosystem word (`web3-pyu`, `web3-po`):
    /// the tail is one edit from `py`, `python`, `js`, `node`, `rs`, ... and at most one
    /// character longer.
    fn by_misspelt_affix(&self, ecosystem: Ecosystem, name: &str) -> Option<(u32, Technique)> {
        let (stem, tail) = name.rsplit_once(is_separator)?;
        if stem.chars().count() < MIN_STEM_LENGTH || !self.contains(stem) {
            return None;
        }
        let words: &[&str] = match ecosystem {
            Ecosystem::Npm => &["js", "node", "npm"],
            Ecosystem::PyPI => &["py", "python", "python3"],
            Ecosystem::CratesIo => &["rs", "rust"],
        };
        let misspelt = words.iter().any(|word| {
            tail.len() >= word.len()
                && tail.len() <= word.len() + 1
                && bounded_distance(tail, word, 1) == Some(1)
        });
        misspelt.then(|| Some((self.skeleton_match(stem)?, Technique::Affix)))?
    }

    /// Two edits from one of the most popular names, both single words that begin alike:
    /// on real lockfiles, two edits across a word boundary (`call-bound`, `call-bind`) or
    /// at the first letter (`caller`, `walker`) join different packages, while squats
    /// misspell inside one famous word (`reqeosts`, `selemiumm`).
    fn by_top_edits(&self, ecosystem: Ecosystem, name: &str) -> Option<(u32, Technique)> {
        let length = name.chars().count();
        if !(MIN_TOP_EDIT_LENGTH..=MAX_TWO_EDIT_LENGTH).contains(&length) || !single_word(name) {
            return None;
        }
        let first = name.chars().next()?;
        let start = self.top_words.partition_point(|&(c, _)| c < first);
        let candidates = self.top_words[start..]
            .iter()
            .take_while(|&&(c, _)| c == first)
            .map(|&(_, id)| id)
            .filter(|&id| {
                let key = self.key(id);
                key.chars().count().abs_diff(length) <= 2 && !extends(name, key)
            })
            .collect();
        self.closest(ecosystem, name, candidates, 2, top_limit)
    }

    /// A listed name, or one edit (two from a top name) from one, with the stem's match.
    fn stem_match(&self, ecosystem: Ecosystem, stem: &str) -> Option<u32> {
        if stem.chars().count() < MIN_STEM_LENGTH {
            return None;
        }
        if self.contains(stem) {
            return self.skeleton_match(stem);
        }
        self.skeleton_match(stem)
            .or_else(|| self.by_edits(ecosystem, stem).map(|(id, _)| id))
            .or_else(|| {
                (stem.chars().count() >= MIN_TOP_EDIT_STEM_LENGTH)
                    .then(|| self.by_top_edits(ecosystem, stem).map(|(id, _)| id))
                    .flatten()
            })
    }

    /// A version (`2`, `v2`, `-2022`) or one of `ADDED_WORDS` after a (near) popular name.
    fn by_added(&self, ecosystem: Ecosystem, name: &str) -> Option<(u32, Technique)> {
        let digits = name.trim_end_matches(|c: char| c.is_ascii_digit());
        if digits != name {
            let stem = digits.strip_suffix('v').unwrap_or(digits);
            let stem = stem.trim_end_matches(['-', '_', '.']);
            if let Some(id) = self.stem_match(ecosystem, stem) {
                return Some((id, Technique::Version));
            }
        }
        ADDED_WORDS.iter().find_map(|word| {
            let joined = name.strip_suffix(word)?;
            let stem = joined.trim_end_matches(['-', '_', '.']);
            // A misspelt stem only as one word set apart (`reqeuest-new`): run together or
            // after several words, a near miss is mostly another project (`treelite` is not
            // `rtree`, `flask-restplus` not `flask-restx`).
            let id = if stem != joined && !stem.contains(is_separator) {
                self.stem_match(ecosystem, stem)?
            } else if stem.chars().count() >= MIN_STEM_LENGTH {
                self.skeleton_match(stem)?
            } else {
                return None;
            };
            Some((id, Technique::AddedWord))
        })
    }

    /// An ecosystem affix without its separator (`pyscrapy`, `nodemssql`), in place of
    /// another (`python-mongo` for `pymongo`), or, written out, around a near miss
    /// (`wweb3-py`).
    fn by_bare_affix(&self, ecosystem: Ecosystem, name: &str) -> Option<(u32, Technique)> {
        let (affixes, (bare_prefixes, bare_suffixes)) = match ecosystem {
            Ecosystem::Npm => (&super::NPM_AFFIXES, NPM_BARE),
            Ecosystem::PyPI => (&super::PYPI_AFFIXES, PYPI_BARE),
            Ecosystem::CratesIo => (&super::CRATES_AFFIXES, CRATES_BARE),
        };
        let prefixes = || affixes.prefixes.iter().chain(bare_prefixes).copied();
        let suffixes = || affixes.suffixes.iter().chain(bare_suffixes).copied();
        // Each stem with whether its affix was written with a separator.
        let separated = |affix: &str| affix.contains(is_separator);
        let stems = prefixes()
            .filter_map(|prefix| Some((name.strip_prefix(prefix)?, separated(prefix))))
            .chain(
                suffixes()
                    .filter_map(|suffix| Some((name.strip_suffix(suffix)?, separated(suffix)))),
            );
        for (stem, separated) in stems {
            if stem.chars().count() < MIN_STEM_LENGTH {
                continue;
            }
            // The stem itself, or with another affix: the name a squatter rewrote.
            let rewritten = prefixes()
                .map(|prefix| format!("{prefix}{stem}"))
                .chain(suffixes().map(|suffix| format!("{stem}{suffix}")));
            let found = self.skeleton_match(stem).or_else(|| {
                rewritten
                    .filter(|candidate| candidate != name)
                    .find_map(|candidate| self.skeleton_match(&candidate))
            });
            // A near miss only behind a written-out affix (`wweb3-py`): without a separator,
            // `py` + a near miss of a popular name is mostly another real wrapper
            // (`pyedflib` is not `rdflib`).
            let found = found.or_else(|| {
                (separated && stem.chars().count() >= MIN_EDITED_STEM_LENGTH)
                    .then(|| self.by_edits(ecosystem, stem).map(|(id, _)| id))
                    .flatten()
            });
            if let Some(id) = found {
                return Some((id, Technique::Affix));
            }
        }
        None
    }
}
