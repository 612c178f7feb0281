//! What a package carries hard-coded or hidden in its literals, found without parsing:
//! chat-bot credentials (a Telegram bot token, a Discord webhook with its token), which
//! only the author of a stealer or a beacon has a reason to ship, and command lines
//! hidden behind a one-byte XOR (`bytes([b ^ key for b in b'\xae\xa9...'])`), which no
//! build needs.

use super::signal::{Reach, Signal, SignalKind};
use super::text::line_at;

/// The signals of this module in `text`.
pub(crate) fn scan(text: &str, reach: Reach) -> Vec<Signal> {
    let mut signals = Vec::new();
    signals.extend(telegram_token(text, reach));
    signals.extend(discord_webhook_token(text, reach));
    signals.extend(xor_hidden_command(text, reach));
    signals
}

/// A Telegram bot token: 8 to 10 digits, `:`, then `AA` and 33 more URL-safe characters.
fn telegram_token(text: &str, reach: Reach) -> Option<Signal> {
    let bytes = text.as_bytes();
    for (colon, _) in text.match_indices(":AA") {
        let digits = bytes
            .get(..colon)?
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let before = colon.checked_sub(digits + 1).and_then(|i| bytes.get(i));
        let tail: usize = bytes
            .get(colon + 1..)?
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            .count();
        if (8..=10).contains(&digits)
            && tail == 35
            && !before.is_some_and(|b| b.is_ascii_alphanumeric())
        {
            return Some(Signal::new(
                SignalKind::BotToken,
                line_at(text, colon),
                reach,
                "a Telegram bot token written in the code",
            ));
        }
    }
    None
}

/// A Discord webhook address with its numeric id and its token (60 or more characters).
fn discord_webhook_token(text: &str, reach: Reach) -> Option<Signal> {
    for (at, found) in text.match_indices("/api/webhooks/") {
        let rest = text.get(at + found.len()..)?;
        let id = rest.bytes().take_while(u8::is_ascii_digit).count();
        let token = rest
            .get(id + 1..)
            .unwrap_or("")
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            .count();
        if id >= 17 && rest.as_bytes().get(id) == Some(&b'/') && token >= 60 {
            return Some(Signal::new(
                SignalKind::BotToken,
                line_at(text, at),
                reach,
                "a Discord webhook address with its token written in the code",
            ));
        }
    }
    None
}

/// Programs and address schemes whose name, revealed by a one-byte XOR key, shows that a
/// literal hides a command line.
const HIDDEN_COMMANDS: &[&str] = &[
    "rundll32",
    "powershell",
    "cmd.exe",
    "cmd /c",
    "regsvr32",
    "mshta",
    "certutil",
    "bitsadmin",
    "schtasks",
    "curl ",
    "wget ",
    "/bin/sh",
    "/bin/bash",
    "http://",
    "https://",
];

/// A Python bytes literal made only of `\xNN` escapes (4 to 256 bytes) that, XORed with
/// some one-byte key, reads as printable text naming a program or a URL scheme.
fn xor_hidden_command(text: &str, reach: Reach) -> Option<Signal> {
    for quote in ["b'\\x", "b\"\\x"] {
        for (at, _) in text.match_indices(quote) {
            let Some(bytes) = hex_escapes(text.get(at + 2..)?) else {
                continue;
            };
            if let Some((key, shown)) = xor_reveals_command(&bytes) {
                return Some(Signal::new(
                    SignalKind::EncodedCode,
                    line_at(text, at),
                    reach,
                    format!(
                        "a bytes literal XORed with {key:#04x} reads `{}`",
                        crate::shorten(&shown, 60)
                    ),
                ));
            }
        }
    }
    None
}

/// The bytes of a run of `\xNN` escapes up to its closing quote; `None` when anything
/// else is in the literal or its length is outside 4..=256.
fn hex_escapes(literal: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = literal.as_bytes();
    loop {
        match rest {
            [b'\\', b'x', hi, lo, tail @ ..] => {
                let byte = (hex_digit(*hi)? << 4) | hex_digit(*lo)?;
                out.push(byte);
                rest = tail;
                if out.len() > 256 {
                    return None;
                }
            }
            [b'\'' | b'"', ..] if out.len() >= 4 => return Some(out),
            _ => return None,
        }
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    char::from(c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// The key and the text when one key turns every byte into printable ASCII and the text
/// names one of [`HIDDEN_COMMANDS`]. Literals that already read as text are left alone.
fn xor_reveals_command(bytes: &[u8]) -> Option<(u8, String)> {
    let printable = |b: &u8| b.is_ascii_graphic() || *b == b' ';
    if bytes.iter().all(printable) {
        return None;
    }
    (1..=u8::MAX).find_map(|key| {
        let decoded: Vec<u8> = bytes.iter().map(|b| b ^ key).collect();
        if !decoded.iter().all(printable) {
            return None;
        }
        let text = String::from_utf8(decoded).ok()?;
        let lower = text.to_ascii_lowercase();
        HIDDEN_COMMANDS
            .iter()
            .any(|c| lower.contains(c))
            .then_some((key, text))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<SignalKind> {
        scan(text, Reach::Always)
            .into_iter()
            .map(|s| s.kind)
            .collect()
    }

    fn xor_literal(text: &str, key: u8) -> String {
        let escaped: String = text
            .bytes()
            .map(|b| format!("\\x{:02x}", b ^ key))
            .collect();
        format!("command = b'{escaped}'\n")
    }

    #[test]
    fn bot_credentials_are_found() {
        let token = format!("TOKEN = '7283331818:AA{}'\n", "x".repeat(33));
        assert_eq!(kinds(&token), [SignalKind::BotToken]);
        let hook = format!(
            "URL = 'https://discord.com/api/webhooks/141025809451188225/{}'\n",
            "a".repeat(68)
        );
        assert_eq!(kinds(&hook), [SignalKind::BotToken]);
    }

    #[test]
    fn things_shaped_like_credentials_but_not_them_are_left_alone() {
        // Too few digits, a longer word before the colon, a short tail, a placeholder.
        assert!(kinds(&format!("a = '1234:AA{}'", "x".repeat(33))).is_empty());
        assert!(kinds(&format!("a = 'id12345678:AA{}'", "x".repeat(33))).is_empty());
        assert!(kinds("a = '7283331818:AAshort'").is_empty());
        assert!(kinds("u = 'https://discord.com/api/webhooks/ID/TOKEN'").is_empty());
    }

    #[test]
    fn xor_hidden_commands_are_revealed() {
        let found = scan(&xor_literal("rundll32", 0xdc), Reach::Always);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, SignalKind::EncodedCode);
        assert!(found[0].why.contains("rundll32"), "{}", found[0].why);
    }

    #[test]
    fn binary_tables_and_plain_text_literals_are_not_commands() {
        // Printable already (a key of 0 would read it), random bytes, too short.
        assert!(kinds(&xor_literal("rundll32", 0)).is_empty());
        assert!(kinds("magic = b'\\x89\\x50\\x4e\\x47\\x0d\\x0a\\x1a\\x0a'").is_empty());
        assert!(kinds("k = b'\\xae\\xa9'").is_empty());
    }
}
