//! Content hashes as npm-ecosystem lockfiles write them: SRI `integrity` strings
//! (`sha512-<base64>`, possibly several separated by spaces), Yarn classic's `#<sha1 hex>`
//! URL fragment and Yarn Berry's `checksum` of its cache zip.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tollgate_model::Hash;

/// The hashes of an SRI `integrity` value, and the tokens that are not valid SRI (no
/// algorithm, digest not base64) so that the caller can warn about them.
pub(crate) fn sri_hashes(integrity: &str) -> (Vec<Hash>, Vec<String>) {
    let mut hashes = Vec::new();
    let mut invalid = Vec::new();
    for token in integrity.split_ascii_whitespace() {
        match sri_token(token) {
            Some(hash) => push_unique(&mut hashes, hash),
            None => invalid.push(token.to_owned()),
        }
    }
    (hashes, invalid)
}

/// One `algorithm-base64[?options]` SRI token.
fn sri_token(token: &str) -> Option<Hash> {
    let (algorithm, rest) = token.split_once('-')?;
    // SRI allows `?option` suffixes after the digest; they are not part of it.
    let digest = rest.split_once('?').map_or(rest, |(digest, _)| digest);
    if algorithm.is_empty() || !algorithm.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let bytes = STANDARD.decode(digest).ok()?;
    if bytes.is_empty() {
        return None;
    }
    Some(Hash {
        algorithm: algorithm.to_ascii_lowercase(),
        digest: to_hex(&bytes),
    })
}

/// A `sha1` hash from a hex digest (Yarn classic's `resolved` URL fragment), if it is one.
pub(crate) fn sha1_hex(fragment: &str) -> Option<Hash> {
    (fragment.len() == 40 && fragment.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Hash {
        algorithm: "sha1".to_owned(),
        digest: fragment.to_ascii_lowercase(),
    })
}

/// Yarn Berry's `checksum`: `<cacheKey>/<hex>` (v8 lockfiles) or a bare hex digest (older).
/// It hashes the zip Yarn stores in its cache, not the registry tarball, so it gets its own
/// algorithm name.
pub(crate) fn yarn_berry_checksum(checksum: &str) -> Option<Hash> {
    let digest = checksum.rsplit_once('/').map_or(checksum, |(_, hex)| hex);
    (!digest.is_empty() && digest.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Hash {
        algorithm: "yarn-berry-cache".to_owned(),
        digest: digest.to_ascii_lowercase(),
    })
}

/// Adds `hash` unless the same algorithm and digest is already there.
pub(crate) fn push_unique(hashes: &mut Vec<Hash>, hash: Hash) {
    if !hashes.contains(&hash) {
        hashes.push(hash);
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let hex: Vec<u8> = bytes
        .iter()
        .flat_map(|&b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0x0f)]])
        .collect();
    // Only ASCII digits were written.
    String::from_utf8(hex).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_sri_to_lowercase_hex() {
        // sha1 of the empty string is da39a3ee5e6b4b0d3255bfef95601890afd80709.
        let (hashes, invalid) = sri_hashes("sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
        assert!(invalid.is_empty());
        assert_eq!(
            hashes,
            vec![Hash {
                algorithm: "sha1".into(),
                digest: "da39a3ee5e6b4b0d3255bfef95601890afd80709".into()
            }]
        );
    }

    #[test]
    fn several_tokens_and_invalid_ones() {
        let (hashes, invalid) = sri_hashes(
            "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk= sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=?x md5-!!! nodash",
        );
        assert_eq!(hashes.len(), 1, "duplicates are merged");
        assert_eq!(invalid, vec!["md5-!!!".to_owned(), "nodash".to_owned()]);
    }

    #[test]
    fn yarn_hashes() {
        assert_eq!(
            yarn_berry_checksum("10c0/ABCdef").map(|h| h.digest),
            Some("abcdef".to_owned())
        );
        assert!(yarn_berry_checksum("10c0/xyz").is_none());
        assert!(sha1_hex("abc").is_none());
        assert!(sha1_hex("da39a3ee5e6b4b0d3255bfef95601890afd80709").is_some());
    }
}
