//! Where an npm package comes from, from the `resolved` / `resolution` / `tarball` string a
//! lockfile records: a registry tarball, a git repository, a local path or a plain URL.

use tollgate_model::{Artifact, ArtifactKind, Hash, Source};

/// A classified `resolved` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// The package's source.
    pub(crate) source: Source,
    /// The tarball address, when the value is an http(s) download.
    pub(crate) tarball: Option<String>,
}

/// Classifies `resolved` for package `name`.
///
/// - `git+…`, `git://…`, `github:…` (and other hosted shortcuts), `…​.git#ref`: a git
///   source; a 40-hex fragment is the commit, any other fragment is the reference.
/// - `file:`/`link:` specs and relative or absolute paths: a path source.
/// - `http(s)://host/…/<name>/-/<file>.tgz`: a registry tarball from `host/…/`.
/// - any other http(s) address: a URL source (a tarball outside a registry).
pub(crate) fn classify(name: &str, resolved: &str) -> Resolved {
    let resolved = resolved.trim();
    if is_git(resolved) {
        return Resolved {
            source: git_source(resolved),
            tarball: None,
        };
    }
    if let Some((kind, path)) = local_path(resolved) {
        return Resolved {
            source: Source::Path {
                path: path.to_owned(),
                local_kind: kind.to_owned(),
            },
            tarball: None,
        };
    }
    let lower = resolved.get(..8).unwrap_or(resolved).to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        let url = resolved.split_once('#').map_or(resolved, |(url, _)| url);
        let source = match registry_base(name, url) {
            Some(base) => Source::Registry {
                url: Some(base.to_owned()),
            },
            None => Source::Url {
                url: url.to_owned(),
            },
        };
        return Resolved {
            source,
            tarball: Some(url.to_owned()),
        };
    }
    Resolved {
        source: Source::Url {
            url: resolved.to_owned(),
        },
        tarball: None,
    }
}

/// A tarball artifact at `url` with `hashes`.
pub(crate) fn tarball(url: String, hashes: &[Hash]) -> Artifact {
    Artifact {
        kind: ArtifactKind::Tarball,
        filename: None,
        url: Some(url),
        hashes: hashes.to_vec(),
        size: None,
        upload_time: None,
    }
}

/// Whether a spec names a git repository.
pub(crate) fn is_git(spec: &str) -> bool {
    const PREFIXES: [&str; 8] = [
        "git+",
        "git://",
        "git@",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
        "ssh://",
    ];
    PREFIXES.iter().any(|p| spec.starts_with(p))
        || spec
            .split_once('#')
            .is_some_and(|(url, _)| url.ends_with(".git"))
}

/// A git source from `url#fragment`.
pub(crate) fn git_source(spec: &str) -> Source {
    let (url, fragment) = match spec.split_once('#') {
        Some((url, fragment)) => (url, Some(fragment)),
        None => (spec, None),
    };
    let is_commit = |f: &str| f.len() == 40 && f.bytes().all(|b| b.is_ascii_hexdigit());
    let (reference, commit) = match fragment {
        Some(f) if is_commit(f) => (None, Some(f.to_ascii_lowercase())),
        Some(f) if !f.is_empty() => (Some(f.to_owned()), None),
        _ => (None, None),
    };
    Source::Git {
        url: url.to_owned(),
        reference,
        commit,
    }
}

/// `(local_kind, path)` when the spec is a local path.
pub(crate) fn local_path(spec: &str) -> Option<(&'static str, &str)> {
    for (prefix, kind) in [
        ("file:", "file"),
        ("link:", "link"),
        ("portal:", "portal"),
        ("workspace:", "workspace"),
    ] {
        if let Some(path) = spec.strip_prefix(prefix) {
            return Some((kind, path));
        }
    }
    let looks_like_path = spec.starts_with("./")
        || spec.starts_with("../")
        || spec.starts_with('/')
        || spec == "."
        || spec == "..";
    looks_like_path.then_some(("file", spec))
}

/// The registry address of a tarball URL `…/<name>/-/<file>`, with a trailing `/`.
fn registry_base<'a>(name: &str, url: &'a str) -> Option<&'a str> {
    let marker = url.find("/-/")?;
    let with_name = url.get(..marker)?;
    let encoded = name.replacen('/', "%2f", 1);
    let encoded_upper = name.replacen('/', "%2F", 1);
    [name, encoded.as_str(), encoded_upper.as_str()]
        .into_iter()
        .filter(|n| !n.is_empty())
        .find_map(|n| with_name.strip_suffix(n))
        .filter(|base| base.ends_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_tarballs() {
        let r = classify(
            "@babel/core",
            "https://registry.npmjs.org/@babel/core/-/core-7.0.0.tgz",
        );
        assert_eq!(
            r.source,
            Source::Registry {
                url: Some("https://registry.npmjs.org/".into())
            }
        );
        let r = classify(
            "lodash",
            "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#0123",
        );
        assert_eq!(
            r.tarball.as_deref(),
            Some("https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz")
        );
        let r = classify("a", "https://example.com/files/a.tgz");
        assert_eq!(
            r.source,
            Source::Url {
                url: "https://example.com/files/a.tgz".into()
            }
        );
    }

    #[test]
    fn git_and_paths() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let r = classify("x", &format!("git+ssh://git@github.com/o/x.git#{commit}"));
        assert_eq!(
            r.source,
            Source::Git {
                url: "git+ssh://git@github.com/o/x.git".into(),
                reference: None,
                commit: Some(commit.into()),
            }
        );
        assert_eq!(
            classify("x", "file:../x").source,
            Source::Path {
                path: "../x".into(),
                local_kind: "file".into()
            }
        );
        assert_eq!(
            classify("x", "packages/x").source,
            Source::Url {
                url: "packages/x".into()
            }
        );
    }
}
