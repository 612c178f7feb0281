//! Text patterns shared by every language: credential locations, places outside the
//! package that persistence writes to, token-like variable names and encoded blobs.

/// Path fragments of credential stores. Matched against a literal, lowercased, with `\`
/// turned into `/`.
const CREDENTIAL_FRAGMENTS: &[&str] = &[
    ".ssh/",
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
    ".aws/credentials",
    ".aws/config",
    ".npmrc",
    ".pypirc",
    ".netrc",
    ".git-credentials",
    ".cargo/credentials",
    ".config/gcloud",
    "application_default_credentials.json",
    ".docker/config.json",
    ".kube/config",
    ".gnupg",
    ".bash_history",
    ".zsh_history",
    "/etc/shadow",
    "login data",
    "local state",
    "/cookies",
    "wallet.dat",
    "exodus",
    "metamask",
    "electrum",
    "keychain",
    ".config/gh/hosts.yml",
];

/// Literals equal to one of these (after the last `/`) name a credential file.
const CREDENTIAL_FILE_NAMES: &[&str] = &[".env", ".ssh", ".aws", ".npmrc", ".pypirc", ".netrc"];

/// Whether a literal names a credential location; returns the matched fragment.
pub(crate) fn credential_location(literal: &str) -> Option<&'static str> {
    if literal.len() > 300 {
        return None;
    }
    let normalized = literal.to_ascii_lowercase().replace('\\', "/");
    let file_name = normalized.rsplit('/').next().unwrap_or(&normalized);
    CREDENTIAL_FILE_NAMES
        .iter()
        .find(|name| file_name == **name)
        .or_else(|| {
            CREDENTIAL_FRAGMENTS
                .iter()
                .find(|fragment| normalized.contains(**fragment))
        })
        .copied()
}

/// Path fragments of places outside a package that code writes to for persistence or to
/// tamper with the machine.
const OUTSIDE_FRAGMENTS: &[&str] = &[
    ".bashrc",
    ".zshrc",
    ".bash_profile",
    ".profile",
    ".zprofile",
    "/etc/profile",
    "crontab",
    "/etc/cron",
    "/var/spool/cron",
    ".config/autostart",
    "launchagents",
    "launchdaemons",
    "/start menu/programs/startup",
    "authorized_keys",
    ".git/hooks",
    "/etc/hosts",
    "/etc/sudoers",
    "/usr/local/bin",
    "systemd/system",
    "systemd/user",
];

/// Whether a literal names a place outside the package that persistence writes to.
pub(crate) fn outside_location(literal: &str) -> Option<&'static str> {
    if literal.len() > 300 {
        return None;
    }
    let normalized = literal.to_ascii_lowercase().replace('\\', "/");
    OUTSIDE_FRAGMENTS
        .iter()
        .find(|fragment| normalized.contains(**fragment))
        .copied()
}

/// Whether an environment variable name looks like it holds a secret.
pub(crate) fn token_like(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
    ]
    .iter()
    .any(|word| upper.contains(word))
        || upper.split('_').any(|part| part == "AUTH")
}

/// Shortest literal reported as an encoded blob.
pub(crate) const LONG_LITERAL: usize = 1024;

/// Whether a literal is a long run of base64 or hex (no spaces, no punctuation beyond
/// base64's), or a long run of `\xNN` / `\uNNNN` escapes.
pub(crate) fn encoded_blob(literal: &str) -> Option<&'static str> {
    if literal.len() < LONG_LITERAL {
        return None;
    }
    let escapes = literal.matches("\\x").count() + literal.matches("\\u").count();
    if escapes * 5 >= literal.len() {
        return Some("escape-encoded");
    }
    let base64_chars = literal
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
        .count();
    if base64_chars == literal.len() {
        if literal.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some("hex");
        }
        return Some("base64");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_locations() {
        assert_eq!(credential_location("~/.npmrc"), Some(".npmrc"));
        assert_eq!(credential_location(".env"), Some(".env"));
        assert_eq!(
            credential_location("C:\\Users\\x\\.ssh\\id_rsa"),
            Some(".ssh/")
        );
        assert_eq!(credential_location(".environment"), None);
        assert_eq!(credential_location("dist/index.js"), None);
    }

    #[test]
    fn token_names() {
        assert!(token_like("NPM_TOKEN"));
        assert!(token_like("npm_config__auth"));
        assert!(!token_like("AUTHOR"));
        assert!(!token_like("OUT_DIR"));
    }

    #[test]
    fn blobs() {
        assert_eq!(encoded_blob(&"QUJD".repeat(300)), Some("base64"));
        assert_eq!(encoded_blob(&"ab12".repeat(300)), Some("hex"));
        assert_eq!(encoded_blob(&"a b ".repeat(300)), None);
        assert_eq!(encoded_blob("QUJD"), None);
    }
}
