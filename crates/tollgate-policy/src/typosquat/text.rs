//! The forms names are compared in: canonical names, skeletons (separators dropped,
//! look-alike characters folded) and order-free word sets.

use std::borrow::Cow;

use tollgate_model::Ecosystem;

use super::hash::{BASE, mix};

/// The form names are compared in: lowercase; PyPI's runs of `-_.` become `-`;
/// crates.io's `_` becomes `-` (crates.io treats them as the same name).
pub(super) fn canonical<'a>(ecosystem: Ecosystem, name: &'a str) -> Cow<'a, str> {
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
pub(super) fn same_npm_scope(name: &str, target: &str) -> bool {
    let scope = |n: &str| {
        n.strip_prefix('@')
            .and_then(|rest| rest.split_once('/'))
            .map(|(scope, _)| scope.to_lowercase())
    };
    scope(name).is_some_and(|s| scope(target) == Some(s))
}

pub(super) fn is_separator(c: char) -> bool {
    matches!(c, '-' | '_' | '.')
}

fn words(name: &str) -> impl Iterator<Item = &str> {
    name.split(is_separator).filter(|word| !word.is_empty())
}

/// For a name of two or more words, a hash of its words that ignores their order: the sum
/// of the words' hashes. Over bytes, not characters: only ever compared with itself.
pub(super) fn word_set_hash(name: &str) -> Option<u64> {
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
pub(super) fn same_words(a: &str, b: &str) -> bool {
    let sorted = |name| {
        let mut words: Vec<&str> = words(name).collect();
        words.sort_unstable();
        words
    };
    sorted(a) == sorted(b)
}

pub(super) fn separators_removed(name: &str) -> String {
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
pub(super) fn skeleton(name: &str) -> impl Iterator<Item = char> + '_ {
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
