//! Secrets inside files the sandbox must show. cargo reads `$CARGO_HOME/config.toml` for
//! build settings (`[build]`, `[source]` replacement, `[target]` linkers), but people also
//! keep registry tokens there (`[registry] token`, `[registries.NAME] token`). With the
//! constructed view, the command gets a copy without those lines instead of the file.

/// The config without its token assignments (each replaced by a comment), or `None` when it
/// has none. Line-based on purpose: a line is dropped when any `key = value` on it (also
/// inside an inline table) has a key whose last dotted part is `token`, so a token is never
/// shown even in a layout the parser of a TOML library would reject.
pub(crate) fn cargo_config_without_tokens(content: &str) -> Option<String> {
    let mut changed = false;
    let mut out = String::with_capacity(content.len());
    for line in content.split_inclusive('\n') {
        if assigns_token(line) {
            changed = true;
            out.push_str("# (a token was removed here by tollgate's sandbox)\n");
        } else {
            out.push_str(line);
        }
    }
    changed.then_some(out)
}

fn assigns_token(line: &str) -> bool {
    line.split([',', '{']).any(|part| {
        let Some((key, _)) = part.split_once('=') else {
            return false;
        };
        let last = key.trim().rsplit('.').next().unwrap_or("");
        last.trim()
            .trim_matches(['"', '\''])
            .eq_ignore_ascii_case("token")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_removed_in_every_layout() {
        let config = "[build]\njobs = 4\n[registry]\ntoken = \"secret-a\"\n\
            [registries.corp]\nindex = \"sparse+https://corp/\"\ntoken=\"secret-b\"\n\
            registries.other.token = \"secret-c\"\n\
            registries.inline = { index = \"x\", \"token\" = \"secret-d\" }\n";
        let redacted = cargo_config_without_tokens(config).expect("changed");
        assert!(!redacted.contains("secret-"), "{redacted}");
        assert!(redacted.contains("jobs = 4"));
        assert!(redacted.contains("index = \"sparse+https://corp/\""));
    }

    #[test]
    fn a_config_without_tokens_is_left_alone() {
        let config = "[source.crates-io]\nreplace-with = \"vendored\"\n# token = in a comment\n";
        assert_eq!(cargo_config_without_tokens(config), None);
    }
}
