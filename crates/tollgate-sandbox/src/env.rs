//! The environment of a sandboxed command: an allow-list of variables that carry no
//! secrets (locale, terminal, toolchain locations), never tokens or keys.

use std::ffi::{OsStr, OsString};

/// Variables passed through when set. Everything else (including `NPM_TOKEN`,
/// `AWS_SECRET_ACCESS_KEY`, `CARGO_REGISTRY_TOKEN`, `SSH_AUTH_SOCK`) is removed.
const ALLOWED: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "TZ",
    "SOURCE_DATE_EPOCH",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    "CARGO_TARGET_DIR",
    "CARGO_TERM_COLOR",
    "PYENV_ROOT",
    "PYENV_VERSION",
    "VIRTUAL_ENV",
    "CC",
    "CXX",
    "AR",
];

/// The locale categories of POSIX and glibc. Only these `LC_*` names pass: ssh's
/// `SendEnv LC_*` convention makes `LC_` a prefix people use to carry other values.
const LOCALE: &[&str] = &[
    "LC_ALL",
    "LC_CTYPE",
    "LC_COLLATE",
    "LC_MESSAGES",
    "LC_MONETARY",
    "LC_NUMERIC",
    "LC_TIME",
    "LC_ADDRESS",
    "LC_IDENTIFICATION",
    "LC_MEASUREMENT",
    "LC_NAME",
    "LC_PAPER",
    "LC_TELEPHONE",
];

/// Whether `name` passes the allow-list (exact names, plus the locale categories).
pub(crate) fn is_allowed(name: &OsStr) -> bool {
    name.to_str()
        .is_some_and(|name| ALLOWED.contains(&name) || LOCALE.contains(&name))
}

/// The environment for the sandboxed command: allowed variables of `current`, plus the
/// extra names the user passed, then `set` applied on top (later entries win).
pub(crate) fn scrubbed(
    current: impl Iterator<Item = (OsString, OsString)>,
    pass: &[OsString],
    set: &[(OsString, OsString)],
) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = current
        .filter(|(name, _)| is_allowed(name) || pass.contains(name))
        .collect();
    for (name, value) in set {
        env.retain(|(existing, _)| existing != name);
        env.push((name.clone(), value.clone()));
    }
    env.sort();
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        items
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect()
    }

    #[test]
    fn secrets_are_removed_and_allowed_names_kept() {
        let current = pairs(&[
            ("PATH", "/usr/bin"),
            ("NPM_TOKEN", "npm_secret"),
            ("AWS_SECRET_ACCESS_KEY", "aws"),
            ("LC_ALL", "C"),
            ("LC_SECRET_TOKEN", "planted"),
            ("SSH_AUTH_SOCK", "/run/agent"),
        ]);
        let env = scrubbed(current.into_iter(), &[], &[]);
        assert_eq!(env, pairs(&[("LC_ALL", "C"), ("PATH", "/usr/bin")]));
    }

    #[test]
    fn explicit_pass_and_set_win() {
        let current = pairs(&[("PATH", "/usr/bin"), ("MY_FLAG", "1"), ("TMPDIR", "/tmp")]);
        let env = scrubbed(
            current.into_iter(),
            &[OsString::from("MY_FLAG")],
            &pairs(&[("TMPDIR", "/private")]),
        );
        assert_eq!(
            env,
            pairs(&[
                ("MY_FLAG", "1"),
                ("PATH", "/usr/bin"),
                ("TMPDIR", "/private")
            ])
        );
    }
}
