//! Which lockfile hash to verify a download against, and computing it.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use tollgate_model::Hash;

/// A hash algorithm tollgate can verify, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    /// SHA-512 (npm `integrity`).
    Sha512,
    /// SHA-384 (some npm `integrity` values).
    Sha384,
    /// SHA-256 (PyPI, Cargo.lock `checksum`).
    Sha256,
    /// SHA-1 (old npm `shasum`): weak, used only when nothing stronger is recorded.
    Sha1,
}

impl Algorithm {
    /// Every algorithm, strongest first.
    pub const ALL: [Algorithm; 4] = [
        Algorithm::Sha512,
        Algorithm::Sha384,
        Algorithm::Sha256,
        Algorithm::Sha1,
    ];

    /// The lowercase name the model uses (`sha512`); also the cache directory name.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha512 => "sha512",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha1 => "sha1",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(name))
    }

    /// The lowercase hex digest of `bytes`.
    pub fn digest_hex(self, bytes: &[u8]) -> String {
        match self {
            Algorithm::Sha512 => hex(&Sha512::digest(bytes)),
            Algorithm::Sha384 => hex(&Sha384::digest(bytes)),
            Algorithm::Sha256 => hex(&Sha256::digest(bytes)),
            Algorithm::Sha1 => hex(&Sha1::digest(bytes)),
        }
    }
}

/// A digest a download must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedHash {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Lowercase hex digest (validated: hex digits only, so it is safe in a cache path).
    pub digest: String,
}

/// What a lockfile's hashes allow: a check, or the reason there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// Verify against this hash (the strongest recorded).
    Check(ExpectedHash),
    /// Nothing verifiable is recorded; the download is flagged unverified.
    Unverifiable(String),
}

/// The strongest verifiable hash among `hashes`.
pub fn expectation(hashes: &[Hash]) -> Expectation {
    let strongest = hashes
        .iter()
        .filter_map(|hash| {
            let algorithm = Algorithm::parse(&hash.algorithm)?;
            let digest = hash.digest.to_ascii_lowercase();
            let valid = !digest.is_empty() && digest.bytes().all(|b| b.is_ascii_hexdigit());
            valid.then_some(ExpectedHash { algorithm, digest })
        })
        .min_by_key(|expected| expected.algorithm);
    if let Some(expected) = strongest {
        return Expectation::Check(expected);
    }
    let reason = if hashes.is_empty() {
        "the lockfile records no hash for this package".to_owned()
    } else if hashes.iter().all(|h| h.algorithm == "yarn-berry-cache") {
        "the lockfile records only a Yarn Berry cache checksum, which hashes Yarn's own \
         cache zip rather than the registry tarball, so it cannot verify a download"
            .to_owned()
    } else {
        let names: Vec<&str> = hashes.iter().map(|h| h.algorithm.as_str()).collect();
        format!(
            "the lockfile records only hashes tollgate does not verify with ({})",
            names.join(", ")
        )
    };
    Expectation::Unverifiable(reason)
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
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
    fn picks_the_strongest_valid_hash() {
        let hashes = [
            hash("sha1", "aa"),
            hash("sha512", "BB"),
            hash("sha256", "cc"),
        ];
        assert_eq!(
            expectation(&hashes),
            Expectation::Check(ExpectedHash {
                algorithm: Algorithm::Sha512,
                digest: "bb".into()
            })
        );
        // A digest that is not hex is never used (it would also be unsafe in a path).
        let hashes = [hash("sha512", "../../x"), hash("sha1", "ab")];
        assert!(matches!(
            expectation(&hashes),
            Expectation::Check(ExpectedHash {
                algorithm: Algorithm::Sha1,
                ..
            })
        ));
    }

    #[test]
    fn explains_why_nothing_can_be_verified() {
        let Expectation::Unverifiable(reason) = expectation(&[]) else {
            panic!("expected unverifiable");
        };
        assert!(reason.contains("no hash"));
        let Expectation::Unverifiable(reason) = expectation(&[hash("yarn-berry-cache", "ab")])
        else {
            panic!("expected unverifiable");
        };
        assert!(reason.contains("Yarn Berry"));
        let Expectation::Unverifiable(reason) = expectation(&[hash("md5", "ab")]) else {
            panic!("expected unverifiable");
        };
        assert!(reason.contains("md5"));
    }

    #[test]
    fn known_digests() {
        assert_eq!(
            Algorithm::Sha256.digest_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            Algorithm::Sha1.digest_hex(b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }
}
