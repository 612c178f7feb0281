//! The environment of a fetch phase ([`crate::fetch::policy`]): the sandbox's base
//! allow-list ([`crate::env`]: `PATH`, `HOME`, locale, terminal, toolchain locations) plus,
//! per package manager, the variables it reads its own configuration and registry
//! credentials from, and nothing else. A secret in the user's environment that is not the
//! manager's (`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`, `SSH_AUTH_SOCK`, ...) never reaches
//! the fetch, where pip builds direct references and any manager parses files an attacker
//! wrote.
//!
//! The user's own proxy variables are not passed: a networked fetch gets tollgate's registry
//! proxy in their place ([`crate::proxy::environment`]), and an offline one has nowhere to
//! connect (they may also carry a proxy password).
//!
//! Registry tokens are often kept out of the configuration file and interpolated into it
//! (`//registry.npmjs.org/:_authToken=${NPM_TOKEN}` in `~/.npmrc`, `${NAME}` in a
//! `.yarnrc.yml`): the variables named that way in the user's own configuration files (the
//! home directory's and `/etc`'s, never the project's, which an attacker may have written to
//! name any secret) are passed too.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::fetch::Manager;

/// Certificate settings every manager honours through its TLS library (no secret: a
/// corporate CA would otherwise break every download).
const TLS: &[&str] = &["SSL_CERT_FILE", "SSL_CERT_DIR"];

/// What the node managers share: npm's configuration variables (pnpm, Yarn classic and Bun
/// read them too), the conventional token variables `.npmrc` files interpolate and
/// `actions/setup-node` sets, and node's extra CA bundle.
const NODE_NAMES: &[&str] = &["NPM_TOKEN", "NODE_AUTH_TOKEN", "NODE_EXTRA_CA_CERTS"];

/// The variables `manager` reads its configuration from: exact names, and prefixes
/// (compared ignoring ASCII case, as npm does for `npm_config_`).
fn variables(manager: Manager) -> (&'static [&'static str], &'static [&'static str]) {
    match manager {
        Manager::Npm => (NODE_NAMES, &["npm_config_"]),
        Manager::Pnpm => (NODE_NAMES, &["npm_config_", "pnpm_config_"]),
        Manager::Yarn => (NODE_NAMES, &["npm_config_", "YARN_"]),
        Manager::Bun => (NODE_NAMES, &["npm_config_", "BUN_"]),
        Manager::Pip => (&["REQUESTS_CA_BUNDLE"], &["PIP_"]),
        Manager::Uv => (&[], &["UV_"]),
        // `RUSTC`, `RUSTC_WRAPPER`, ...: cargo runs `rustc -vV` even to fetch.
        Manager::Cargo => (&[], &["CARGO_", "RUSTUP_", "RUSTC"]),
    }
}

/// Whether `name` is one of `manager`'s variables.
fn is_managers(manager: Manager, name: &str) -> bool {
    let (names, prefixes) = variables(manager);
    TLS.contains(&name)
        || names.contains(&name)
        || prefixes.iter().any(|prefix| {
            name.len() > prefix.len()
                && name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        })
}

/// The names among `current` (the names of the variables set now) that the fetch of
/// `manager` gets beyond the base allow-list: its own variables, and those `referenced`
/// by the user's configuration files. Sorted; names that are not UTF-8 are dropped.
pub(crate) fn passed(
    manager: Manager,
    current: impl Iterator<Item = OsString>,
    referenced: &[String],
) -> Vec<OsString> {
    let mut passed: Vec<OsString> = current
        .filter(|name| {
            name.to_str().is_some_and(|name| {
                is_managers(manager, name) || referenced.iter().any(|other| other == name)
            })
        })
        .collect();
    passed.sort();
    passed.dedup();
    passed
}

/// The configuration files whose `${NAME}` references are honoured: the user's and the
/// system's, for the managers that interpolate (npm's `.npmrc` format, Yarn Berry's
/// `.yarnrc.yml`).
pub(crate) fn interpolating_files(manager: Manager, home: &std::path::Path) -> Vec<PathBuf> {
    let names: &[&str] = match manager {
        Manager::Npm | Manager::Pnpm | Manager::Bun => &[".npmrc"],
        Manager::Yarn => &[".npmrc", ".yarnrc.yml"],
        Manager::Pip | Manager::Uv | Manager::Cargo => return Vec::new(),
    };
    let mut files: Vec<PathBuf> = names.iter().map(|name| home.join(name)).collect();
    if manager == Manager::Npm {
        files.push(PathBuf::from("/etc/npmrc"));
    }
    files
}

/// The variable names `files` interpolate (`${NAME}`, `${NAME-fallback}`,
/// `${NAME:-fallback}`). Missing or unreadable files, and files over 1 MiB, name none.
pub(crate) fn referenced(files: &[PathBuf]) -> Vec<String> {
    const LIMIT: u64 = 1 << 20;
    let mut names = Vec::new();
    for file in files {
        let small = std::fs::metadata(file).is_ok_and(|meta| meta.is_file() && meta.len() <= LIMIT);
        if let (true, Ok(text)) = (small, std::fs::read_to_string(file)) {
            names.extend(interpolated(&text));
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The names of the `${NAME...}` references in `text`.
fn interpolated(text: &str) -> Vec<String> {
    text.split("${")
        .skip(1)
        .filter_map(|rest| {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            let closed = rest[end..].starts_with(['}', '-', ':']);
            (!name.is_empty() && closed).then(|| name.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(items: &[&str]) -> Vec<OsString> {
        items.iter().map(OsString::from).collect()
    }

    const CURRENT: &[&str] = &[
        "AWS_SECRET_ACCESS_KEY",
        "GITHUB_TOKEN",
        "HTTPS_PROXY",
        "NPM_TOKEN",
        "NPM_CONFIG_REGISTRY",
        "npm_config_cache",
        "pnpm_config_store_dir",
        "YARN_NPM_AUTH_TOKEN",
        "BUN_CONFIG_REGISTRY",
        "PIP_INDEX_URL",
        "UV_INDEX_URL",
        "CARGO_REGISTRIES_CORP_TOKEN",
        "RUSTC_WRAPPER",
        "RUSTUP_TOOLCHAIN",
        "SSL_CERT_FILE",
        "MY_REGISTRY_TOKEN",
        "PIP_",
    ];

    fn passed_for(manager: Manager, referenced: &[String]) -> Vec<OsString> {
        passed(manager, names(CURRENT).into_iter(), referenced)
    }

    #[test]
    fn each_manager_gets_its_own_variables_and_no_other_secret() {
        assert_eq!(
            passed_for(Manager::Npm, &[]),
            names(&[
                "NPM_CONFIG_REGISTRY",
                "NPM_TOKEN",
                "SSL_CERT_FILE",
                "npm_config_cache"
            ])
        );
        assert_eq!(
            passed_for(Manager::Pnpm, &[]),
            names(&[
                "NPM_CONFIG_REGISTRY",
                "NPM_TOKEN",
                "SSL_CERT_FILE",
                "npm_config_cache",
                "pnpm_config_store_dir"
            ])
        );
        assert!(passed_for(Manager::Yarn, &[]).contains(&"YARN_NPM_AUTH_TOKEN".into()));
        assert!(passed_for(Manager::Bun, &[]).contains(&"BUN_CONFIG_REGISTRY".into()));
        assert_eq!(
            passed_for(Manager::Pip, &[]),
            names(&["PIP_INDEX_URL", "SSL_CERT_FILE"])
        );
        assert_eq!(
            passed_for(Manager::Uv, &[]),
            names(&["SSL_CERT_FILE", "UV_INDEX_URL"])
        );
        assert_eq!(
            passed_for(Manager::Cargo, &[]),
            names(&[
                "CARGO_REGISTRIES_CORP_TOKEN",
                "RUSTC_WRAPPER",
                "RUSTUP_TOOLCHAIN",
                "SSL_CERT_FILE"
            ])
        );
        for manager in Manager::ALL {
            let passed = passed_for(manager, &[]);
            for secret in ["AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "HTTPS_PROXY"] {
                assert!(!passed.contains(&secret.into()), "{manager:?}: {secret}");
            }
        }
    }

    #[test]
    fn variables_the_users_config_interpolates_are_passed() {
        let home = tempfile::tempdir().expect("home");
        std::fs::write(
            home.path().join(".npmrc"),
            "//corp.example/:_authToken=${MY_REGISTRY_TOKEN}\nemail=${EMAIL:-none}\n\
             cafile=${CA-x}\nliteral=$NOT_BRACED ${unclosed\n",
        )
        .expect("npmrc");
        let files = interpolating_files(Manager::Npm, home.path());
        let referenced = referenced(&files);
        assert_eq!(referenced, vec!["CA", "EMAIL", "MY_REGISTRY_TOKEN"]);
        assert!(passed_for(Manager::Npm, &referenced).contains(&"MY_REGISTRY_TOKEN".into()));
        assert!(!passed_for(Manager::Npm, &[]).contains(&"MY_REGISTRY_TOKEN".into()));
        // Managers that do not interpolate read no file for it.
        assert!(interpolating_files(Manager::Cargo, home.path()).is_empty());
    }
}
