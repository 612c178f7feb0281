//! The typosquat index's tables: hash multimaps grouped by a counting sort, and the
//! polynomial hash that gives every one- and two-character deletion of a name in
//! constant time from its prefix hashes.

use super::MIN_EDIT_LENGTH;

/// A multimap from 64-bit hashes to name ids: entries grouped by the top bits of their
/// hash, 8 to 16 to a group on average (one or two cache lines), by a counting sort
/// (linear, and free of the cache miss and mispredicted branch per entry of inserting
/// into a hash table: the npm deletion table has 134,000 entries). An entry keeps the
/// name's id and the hash's low 32 bits, so with the group's bits 39 to 46 bits of the
/// hash must match for the shipped lists. Callers check every id they get against the
/// real string: different strings may share a hash.
#[derive(Debug)]
pub(super) struct HashTable {
    /// 64 minus the number of bits that pick a group.
    shift: u32,
    /// Group `g` is `entries[starts[g]..starts[g + 1]]`.
    starts: Vec<u32>,
    entries: Vec<(u32, u32)>,
}

/// Builds a `HashTable` in two passes over the same entries: `count` every one, then
/// `allocate`, then `place` every one.
#[derive(Debug)]
pub(super) struct TableBuilder {
    shift: u32,
    /// While counting, `starts[g + 2]` counts group `g`; while placing, `starts[g + 1]`
    /// is where group `g`'s next entry goes; once done, group `g` is
    /// `entries[starts[g]..starts[g + 1]]`.
    starts: Vec<u32>,
    entries: Vec<(u32, u32)>,
}

impl TableBuilder {
    /// For up to `capacity` entries, which sets the number of groups.
    pub(super) fn new(capacity: usize) -> TableBuilder {
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

    pub(super) fn count(&mut self, hash: u64) {
        let group = self.group(hash);
        self.starts[group + 2] += 1;
    }

    pub(super) fn allocate(&mut self) {
        let mut total = 0;
        for start in &mut self.starts {
            total += *start;
            *start = total;
        }
        self.entries = vec![(0, 0); total as usize];
    }

    pub(super) fn place(&mut self, hash: u64, id: u32) {
        let group = self.group(hash);
        let next = &mut self.starts[group + 1];
        self.entries[*next as usize] = (hash as u32, id);
        *next += 1;
    }

    pub(super) fn finish(mut self) -> HashTable {
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
    pub(super) fn new(hashes: &[Option<u64>]) -> HashTable {
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
    pub(super) fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
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
pub(super) fn hash_chars(chars: impl Iterator<Item = char>) -> u64 {
    mix(chars.fold(0, push_char))
}

pub(super) const BASE: u64 = 0x9e37_79b9_7f4a_7c15;

fn push_char(hash: u64, c: char) -> u64 {
    hash.wrapping_mul(BASE).wrapping_add(char_value(c))
}

/// A character's term in the polynomial (never 0).
fn char_value(c: char) -> u64 {
    u64::from(u32::from(c)) + 1
}

/// Both halves of the hash into both halves of the result (the tables take the top bits
/// for the group and keep the low 32), and no longer additive (word-set hashes are sums).
pub(super) fn mix(hash: u64) -> u64 {
    (hash ^ (hash >> 32)).wrapping_mul(0xd6e8_feb8_6659_fd93)
}

/// The hashes (as `hash_chars` computes them) of a word with up to two characters
/// deleted, each in constant time from the polynomial hashes of the word's prefixes and
/// suffixes. Reused from word to word, so indexing allocates nothing per name.
#[derive(Debug, Default)]
pub(super) struct Deletions {
    /// `prefix[i]`: unmixed hash of the word's first `i` characters. Character `i`'s
    /// term (`char_value`) is `prefix[i + 1] - prefix[i] * BASE`, so the characters need
    /// no copy of their own.
    prefix: Vec<u64>,
}

impl Deletions {
    pub(super) fn load(&mut self, word: &str) {
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

    pub(super) fn len(&self) -> usize {
        self.prefix.len() - 1
    }

    /// Character `i`'s term: equal terms, equal characters.
    fn term(&self, i: usize) -> u64 {
        self.prefix[i + 1].wrapping_sub(self.prefix[i].wrapping_mul(BASE))
    }

    /// Hash of the whole word.
    pub(super) fn whole(&self) -> u64 {
        mix(self.prefix[self.len()])
    }

    /// What a popular name is indexed under: itself, and from 3 characters, the strings
    /// left by deleting one character. A query's deletions are 3 or more characters long,
    /// so a shorter name's would never be asked for; the name itself is, by `contains`.
    pub(super) fn for_each_indexed(&self, mut visit: impl FnMut(u64)) {
        if self.len() + 1 >= MIN_EDIT_LENGTH {
            self.for_each(1, visit);
        } else {
            visit(self.whole());
        }
    }

    /// Calls `visit` with the hash of the word and of every string left by deleting up to
    /// `depth` (1 or 2) characters. Of a run of equal characters only one is deleted
    /// (any gives the same string); other strings may still be visited more than once.
    pub(super) fn for_each(&self, depth: usize, mut visit: impl FnMut(u64)) {
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
