//! Secrets inside files the sandbox must show. cargo reads `$CARGO_HOME/config.toml` for
//! build settings (`[build]`, `[source]` replacement, `[target]` linkers), but people also
//! keep registry tokens there (`[registry] token`, `[registries.NAME] token`). With the
//! constructed view, the command gets a copy without those lines instead of the file.
//!
//! The project's own secrets are treated the same way: `.env`, `.env.*` and `.envrc` are
//! shown empty (they hold API keys and database passwords that no build needs), and the
//! project's `.npmrc` and `.pypirc` without their credential lines (registry settings stay,
//! since npm reads them for more than tokens).

use std::path::{Path, PathBuf};

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

/// The project's secret files (top level, regular files; a symbolic link is followed when
/// its target is inside the project, so the copy covers the file actually read) and what the
/// view shows instead. `keep_credentials`: the fetch phase, which needs the registry tokens
/// of `.npmrc`/`.pypirc`, still gets no `.env`.
pub(crate) fn project_secrets(project: &Path, keep_credentials: bool) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(canonical_project) = project.canonicalize() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(project) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let env_file = name == ".env" || name == ".envrc" || name.starts_with(".env.");
        let credentials = !keep_credentials && (name == ".npmrc" || name == ".pypirc");
        if !env_file && !credentials {
            continue;
        }
        let Ok(real) = entry.path().canonicalize() else {
            continue;
        };
        let Ok(relative) = real.strip_prefix(&canonical_project) else {
            continue; // outside the project: not in the view at all
        };
        if !real.is_file() {
            continue;
        }
        let shown = project.join(relative);
        if found.iter().any(|(path, _)| *path == shown) {
            continue;
        }
        if env_file {
            found.push((shown, Vec::new()));
        } else if let Ok(content) = std::fs::read_to_string(&real) {
            if let Some(clean) = ini_without_credentials(&content) {
                found.push((shown, clean.into_bytes()));
            }
        } else {
            // Not text: nothing of it is shown rather than something unchecked.
            found.push((shown, Vec::new()));
        }
    }
    found.sort();
    found
}

/// An `.npmrc` or `.pypirc` without the lines that carry credentials (`_authToken`, `_auth`,
/// `_password`, `password`, `token`, `username`, also scoped as `//host/:_authToken`), or
/// `None` when it has none.
pub(crate) fn ini_without_credentials(content: &str) -> Option<String> {
    let mut changed = false;
    let mut out = String::with_capacity(content.len());
    for line in content.split_inclusive('\n') {
        let key = line.split(['=', ':']).next().unwrap_or("");
        // npm scopes keys by registry (`//registry.example/:_authToken=`): the key is the
        // part after the last ':' before '='.
        let key = line
            .split_once('=')
            .map_or(key, |(left, _)| left.rsplit(':').next().unwrap_or(left));
        let key = key.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
        let secret = matches!(
            key.as_str(),
            "_authtoken" | "_auth" | "_password" | "password" | "token" | "username"
        );
        if secret && !line.trim_start().starts_with(['#', ';']) {
            changed = true;
            out.push_str("# (a credential was removed here by tollgate's sandbox)\n");
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
    fn npmrc_and_pypirc_credentials_are_removed() {
        let npmrc = "registry=https://r.example/\n//r.example/:_authToken=secret-a\n\
            _auth = secret-b\n@corp:registry=https://corp/\n";
        let clean = ini_without_credentials(npmrc).expect("changed");
        assert!(!clean.contains("secret-"), "{clean}");
        assert!(clean.contains("@corp:registry=https://corp/"));
        let pypirc = "[pypi]\nusername = __token__\npassword: pypi-secret\nrepository = x\n";
        let clean = ini_without_credentials(pypirc).expect("changed");
        assert!(
            !clean.contains("secret") && !clean.contains("__token__"),
            "{clean}"
        );
        assert!(clean.contains("repository = x"));
        assert_eq!(ini_without_credentials("registry=https://r/\n"), None);
    }

    #[test]
    fn project_secrets_are_found_and_links_followed_inside_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let project = dir.path().canonicalize().expect("canonical");
        std::fs::write(project.join(".env"), "KEY=1").expect("write");
        std::fs::write(project.join(".env.local"), "KEY=2").expect("write");
        std::fs::write(project.join("real.env"), "KEY=3").expect("write");
        std::os::unix::fs::symlink("real.env", project.join(".envrc")).expect("link");
        std::fs::write(project.join(".npmrc"), "//r/:_authToken=t\n").expect("write");
        std::fs::write(project.join("package.json"), "{}").expect("write");
        let names = |found: Vec<(PathBuf, Vec<u8>)>| -> Vec<String> {
            found
                .iter()
                .map(|(path, _)| path.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            names(project_secrets(&project, false)),
            [".env", ".env.local", ".npmrc", "real.env"]
        );
        assert_eq!(
            names(project_secrets(&project, true)),
            [".env", ".env.local", "real.env"]
        );
    }

    #[test]
    fn a_config_without_tokens_is_left_alone() {
        let config = "[source.crates-io]\nreplace-with = \"vendored\"\n# token = in a comment\n";
        assert_eq!(cargo_config_without_tokens(config), None);
    }
}
