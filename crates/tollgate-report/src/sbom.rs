//! What the two SBOM formats share (CycloneDX in `cyclonedx.rs`, SPDX in `spdx.rs`): the
//! inventory in a fixed order with one unique reference per locked package, the lock's
//! own edges resolved to those references, hash algorithm names, license expressions, and
//! the document's identity (timestamp and serial number).
//!
//! One entry per locked package per lockfile, so an SBOM has exactly as many components
//! as the inventory has packages; a package locked by two lockfiles is two components.

use std::collections::{BTreeSet, HashSet};

use tollgate_lockfile::Inventory;
use tollgate_model::{DependencyGraph, Hash, Lockfile, Package};

/// The document identity the caller chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomOptions {
    /// The creation time, RFC 3339 in UTC to the second (`2026-12-03T22:00:00Z`). The
    /// CLI takes it from `SOURCE_DATE_EPOCH` when set, so that a build is reproducible.
    pub timestamp: String,
}

/// One locked package as an SBOM entry.
pub(crate) struct Entry<'a> {
    /// The lockfile that locks it.
    pub lockfile: &'a Lockfile,
    /// The package.
    pub package: &'a Package,
    /// Its `bom-ref` (the purl, made unique in the document).
    pub reference: String,
    /// The entries (by index) it depends on, per the lock's edges, in reference order.
    pub depends_on: Vec<usize>,
    /// Whether the project depends on it itself: a direct dependency, or a package no
    /// other package of its lockfile depends on (every package of a lock without edges).
    pub top_level: bool,
}

/// Every package of `inventory`: lockfiles in path order, packages by purl then line.
pub(crate) fn entries(inventory: &Inventory) -> Vec<Entry<'_>> {
    let mut entries: Vec<Entry<'_>> = Vec::new();
    let mut used: HashSet<String> = HashSet::new();
    for lockfile in &inventory.lockfiles {
        let mut order: Vec<usize> = (0..lockfile.packages.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&lockfile.packages[a], &lockfile.packages[b]);
            a.purl.cmp(&b.purl).then(a.line.cmp(&b.line))
        });
        let base = entries.len();
        // Position in the lock → entry index.
        let mut entry_of = vec![0; lockfile.packages.len()];
        for (offset, &index) in order.iter().enumerate() {
            entry_of[index] = base + offset;
        }
        let graph = DependencyGraph::new(lockfile);
        let mut children: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); lockfile.packages.len()];
        for (child, &entry) in entry_of.iter().enumerate() {
            for &parent in graph.parents(child) {
                children[parent].insert(entry);
            }
        }
        for &index in &order {
            let package = &lockfile.packages[index];
            let reference = unique(&mut used, &package.purl, &lockfile.path);
            entries.push(Entry {
                lockfile,
                package,
                reference,
                depends_on: children[index].iter().copied().collect(),
                top_level: graph.is_direct(index) == Some(true) || graph.parents(index).is_empty(),
            });
        }
    }
    // Sort each entry's edges by the reference they name, which is what the output shows.
    let references: Vec<String> = entries.iter().map(|e| e.reference.clone()).collect();
    for entry in &mut entries {
        entry
            .depends_on
            .sort_by(|&a, &b| references[a].cmp(&references[b]));
    }
    entries
}

/// `purl`, or when the document already has it, `purl` qualified by the lockfile (and a
/// counter if the lockfile locks it twice).
fn unique(used: &mut HashSet<String>, purl: &str, lockfile: &str) -> String {
    let mut candidate = purl.to_owned();
    let mut n = 1;
    while used.contains(&candidate) {
        n += 1;
        candidate = if n == 2 {
            format!("{purl}#{lockfile}")
        } else {
            format!("{purl}#{lockfile}#{n}")
        };
    }
    used.insert(candidate.clone());
    candidate
}

/// A hash's algorithm as CycloneDX and SPDX name it, when both the name and the digest
/// length agree (a BLAKE2b digest's length says which variant it is). `None` for what
/// neither format can express (Yarn Berry's cache checksum, a malformed digest).
pub(crate) fn hash_algorithm(hash: &Hash) -> Option<(&'static str, &'static str)> {
    if !hash.digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let algorithm = hash.algorithm.to_ascii_lowercase().replace('_', "-");
    Some(match (algorithm.as_str(), hash.digest.len()) {
        ("md5", 32) => ("MD5", "MD5"),
        ("sha1" | "sha-1", 40) => ("SHA-1", "SHA1"),
        ("sha256" | "sha-256", 64) => ("SHA-256", "SHA256"),
        ("sha384" | "sha-384", 96) => ("SHA-384", "SHA384"),
        ("sha512" | "sha-512", 128) => ("SHA-512", "SHA512"),
        ("sha3-256", 64) => ("SHA3-256", "SHA3-256"),
        ("sha3-384", 96) => ("SHA3-384", "SHA3-384"),
        ("sha3-512", 128) => ("SHA3-512", "SHA3-512"),
        ("blake2b" | "blake2b-256", 64) => ("BLAKE2b-256", "BLAKE2b-256"),
        ("blake2b" | "blake2b-384", 96) => ("BLAKE2b-384", "BLAKE2b-384"),
        ("blake2b" | "blake2b-512", 128) => ("BLAKE2b-512", "BLAKE2b-512"),
        ("blake3", 64) => ("BLAKE3", "BLAKE3"),
        _ => return None,
    })
}

/// The package's hashes that both formats can carry, lowercase, deduplicated and sorted.
pub(crate) fn hashes(package: &Package) -> Vec<(&'static str, &'static str, String)> {
    let mut out: BTreeSet<(&'static str, &'static str, String)> = BTreeSet::new();
    let artifact_hashes = package.artifacts.iter().flat_map(|a| &a.hashes);
    for hash in package.hashes.iter().chain(artifact_hashes) {
        if let Some((cyclonedx, spdx)) = hash_algorithm(hash) {
            out.insert((cyclonedx, spdx, hash.digest.to_ascii_lowercase()));
        }
    }
    out.into_iter().collect()
}

/// The lock's license when it reads as an SPDX license expression (license ids joined by
/// `AND`, `OR`, `WITH`, with parentheses); `None` for free text such as `SEE LICENSE IN
/// LICENSE.md` or npm's `UNLICENSED`, which are not expressions, and for `LicenseRef-`
/// ids, which an SPDX document would have to define.
pub(crate) fn spdx_expression(license: &str) -> Option<&str> {
    let license = license.trim();
    let spaced = license.replace('(', " ( ").replace(')', " ) ");
    let mut expect_operand = true;
    let mut depth = 0usize;
    let mut any = false;
    for token in spaced.split_whitespace() {
        match token {
            "(" if expect_operand => depth += 1,
            ")" if !expect_operand && depth > 0 => depth -= 1,
            "AND" | "OR" | "WITH" if !expect_operand => expect_operand = true,
            "UNLICENSED" | "NOASSERTION" | "NONE" => return None,
            id if expect_operand && is_license_id(id) => {
                expect_operand = false;
                any = true;
            }
            _ => return None,
        }
    }
    (any && !expect_operand && depth == 0).then_some(license)
}

fn is_license_id(token: &str) -> bool {
    let id = token.strip_suffix('+').unwrap_or(token);
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !["AND", "OR", "WITH"].contains(&id)
        && !token.starts_with("LicenseRef-")
}

/// A version-8 UUID (RFC 9562, custom) from a 128-bit FNV-1a hash of `parts`: the same
/// document at the same timestamp gets the same serial, and any change gives another.
pub(crate) fn document_uuid<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    let mut hash = OFFSET;
    for part in parts {
        // A separator byte no string contains, so ("ab", "c") and ("a", "bc") differ.
        for byte in part.bytes().chain([0xff]) {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    // Version 8 in bits 48..52, variant 0b10 in bits 64..66.
    hash = (hash & !(0xf << 76)) | (0x8 << 76);
    hash = (hash & !(0x3 << 62)) | (0x2 << 62);
    let hex = format!("{hash:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(algorithm: &str, digest: &str) -> Hash {
        Hash {
            algorithm: algorithm.into(),
            digest: digest.into(),
        }
    }

    #[test]
    fn hash_algorithms_map_by_name_and_length() {
        assert_eq!(
            hash_algorithm(&hash("sha512", &"a".repeat(128))),
            Some(("SHA-512", "SHA512"))
        );
        assert_eq!(
            hash_algorithm(&hash("blake2b", &"0".repeat(64))),
            Some(("BLAKE2b-256", "BLAKE2b-256"))
        );
        assert_eq!(hash_algorithm(&hash("sha256", &"a".repeat(63))), None);
        assert_eq!(hash_algorithm(&hash("sha256", &"g".repeat(64))), None);
        assert_eq!(
            hash_algorithm(&hash("yarn-berry-cache", &"a".repeat(128))),
            None
        );
    }

    #[test]
    fn license_expressions_are_told_from_free_text() {
        assert_eq!(spdx_expression("MIT"), Some("MIT"));
        assert_eq!(
            spdx_expression("(MIT OR Apache-2.0) AND BSD-3-Clause"),
            Some("(MIT OR Apache-2.0) AND BSD-3-Clause")
        );
        assert_eq!(
            spdx_expression("Apache-2.0 WITH LLVM-exception"),
            Some("Apache-2.0 WITH LLVM-exception")
        );
        assert_eq!(spdx_expression("GPL-2.0+"), Some("GPL-2.0+"));
        assert_eq!(spdx_expression("SEE LICENSE IN LICENSE.md"), None);
        assert_eq!(spdx_expression("UNLICENSED"), None);
        assert_eq!(spdx_expression("MIT OR"), None);
        assert_eq!(spdx_expression("(MIT"), None);
        assert_eq!(spdx_expression(""), None);
        assert_eq!(spdx_expression("MIT/X11"), None);
    }

    #[test]
    fn document_uuids_are_stable_and_well_formed() {
        let a = document_uuid(["2026-01-01T00:00:00Z", "pkg:npm/a@1"]);
        assert_eq!(a, document_uuid(["2026-01-01T00:00:00Z", "pkg:npm/a@1"]));
        assert_ne!(a, document_uuid(["2026-01-01T00:00:01Z", "pkg:npm/a@1"]));
        assert_ne!(
            document_uuid(["ab", "c"]),
            document_uuid(["a", "bc"]),
            "parts are separated"
        );
        let groups: Vec<&str> = a.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(groups[2].starts_with('8'), "version 8: {a}");
        assert!(matches!(&groups[3][..1], "8" | "9" | "a" | "b"), "{a}");
    }
}
