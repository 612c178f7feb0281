//! The requirement part of a requirements-file line: a PEP 508 requirement
//! (`name[extras] specifiers ; marker`, `name @ URL`), a bare archive URL or path, or a
//! VCS URL (`git+https://host/repo@rev#egg=name`).
//!
//! Only the parts an inventory needs are parsed: the name, whether and to what the
//! version is pinned, and where the package comes from. Version specifiers are validated
//! with `pep440_rs`; markers are kept unevaluated (the package is listed whatever the
//! environment).

use std::str::FromStr;

use pep440_rs::{Operator, VersionSpecifiers};
use tollgate_model::{RequirementKind, Source};

use crate::python::common;

/// A parsed requirement.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Requirement {
    /// The project name as written.
    pub(crate) name: String,
    /// The pinned version (`==1.0`, `===1.0`, or read from an archive file name); empty
    /// when nothing pins it.
    pub(crate) version: String,
    /// How the line pins its package.
    pub(crate) kind: RequirementKind,
    /// Where the package comes from; `Registry { url: None }` for a name.
    pub(crate) source: Source,
}

/// VCS URL schemes pip accepts (`git+https://...`, `hg+ssh://...`).
const VCS_PREFIXES: [&str; 4] = ["git+", "hg+", "svn+", "bzr+"];

/// Parses the requirement text of one logical line (options and comments removed).
pub(crate) fn parse(text: &str) -> Result<Requirement, String> {
    let text = text.trim();
    if VCS_PREFIXES.iter().any(|prefix| text.starts_with(prefix)) {
        return vcs(text, RequirementKind::Vcs);
    }
    if is_url(text) {
        return archive(
            text,
            RequirementKind::Url,
            Source::Url {
                url: text.to_owned(),
            },
        );
    }
    if !is_named_url(text) && is_path(text) {
        return local(text, RequirementKind::Path, "path");
    }
    named(text)
}

/// Parses the target of `-e` / `--editable`: a VCS URL or a local directory.
pub(crate) fn parse_editable(text: &str) -> Result<Requirement, String> {
    let text = text.trim();
    if VCS_PREFIXES.iter().any(|prefix| text.starts_with(prefix)) {
        let mut requirement = vcs(text, RequirementKind::Editable)?;
        requirement.kind = RequirementKind::Editable;
        return Ok(requirement);
    }
    local(text, RequirementKind::Editable, "editable")
}

fn is_url(text: &str) -> bool {
    ["http://", "https://", "file:", "ftp://"]
        .iter()
        .any(|scheme| {
            text.get(..scheme.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
        })
}

/// `name @ URL` or `name[extras] @ URL`, whose URL may look like a path.
fn is_named_url(text: &str) -> bool {
    let rest = text
        .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix('[') {
        Some(after) => after
            .split_once(']')
            .map_or("", |(_, tail)| tail.trim_start()),
        None => rest,
    };
    rest.len() < text.len() && rest.starts_with('@')
}

/// pip treats a requirement as a path when it looks like one: it contains a separator or
/// starts with `.`, or names an archive file.
fn is_path(text: &str) -> bool {
    let before_marker = text.split(';').next().unwrap_or(text);
    before_marker.starts_with('.')
        || before_marker.starts_with('~')
        || before_marker.contains('/')
        || before_marker.contains('\\')
        || common::artifact_kind(before_marker.trim()).is_some()
}

/// `git+https://host/repo[@rev][#egg=name]`.
fn vcs(text: &str, kind: RequirementKind) -> Result<Requirement, String> {
    let (location, fragment) = text.split_once('#').unwrap_or((text, ""));
    let name = egg_name(fragment).ok_or_else(|| {
        format!("VCS requirement `{text}` has no `#egg=NAME` fragment naming the project")
    })?;
    let source = match location.strip_prefix("git+") {
        Some(url) => {
            // The revision follows the last `@` of the path (not the `user@` of the host).
            let path_start = url.find("://").map_or(0, |i| i + 3);
            let slash = url
                .get(path_start..)
                .and_then(|rest| rest.find('/'))
                .map_or(url.len(), |i| path_start + i);
            let (repository, revision) = match url.get(slash..).and_then(|path| path.rfind('@')) {
                Some(at) => (
                    url.get(..slash + at).unwrap_or(url),
                    url.get(slash + at + 1..),
                ),
                None => (url, None),
            };
            Source::Git {
                url: repository.to_owned(),
                reference: revision.map(str::to_owned),
                commit: None,
            }
        }
        None => Source::Url {
            url: location.to_owned(),
        },
    };
    Ok(Requirement {
        name: name.to_owned(),
        version: String::new(),
        kind,
        source,
    })
}

/// The project name of an `egg=NAME` fragment (`egg=name&subdirectory=x` too).
fn egg_name(fragment: &str) -> Option<&str> {
    fragment
        .split('&')
        .find_map(|part| part.strip_prefix("egg="))
        .map(|name| {
            name.split(['[', '=', '<', '>', '!', '~'])
                .next()
                .unwrap_or(name)
                .trim()
        })
        .filter(|name| is_valid_name(name))
}

/// A bare archive URL: name and version come from the wheel or sdist file name.
fn archive(text: &str, kind: RequirementKind, source: Source) -> Result<Requirement, String> {
    let location = text.split(';').next().unwrap_or(text).trim();
    let (_, fragment) = location.split_once('#').unwrap_or((location, ""));
    let file = common::file_name(location);
    let (name, version) = distribution_name_and_version(file)
        .or_else(|| egg_name(fragment).map(|name| (name, "")))
        .ok_or_else(|| format!("cannot tell the project name of `{location}` (expected a wheel or sdist file name, or `#egg=NAME`)"))?;
    Ok(Requirement {
        name: name.to_owned(),
        version: version.to_owned(),
        kind,
        source,
    })
}

/// A local path: an archive names its project; a directory is named after itself.
fn local(text: &str, kind: RequirementKind, local_kind: &str) -> Result<Requirement, String> {
    let location = text.split(';').next().unwrap_or(text).trim();
    let source = Source::Path {
        path: location.to_owned(),
        local_kind: local_kind.to_owned(),
    };
    if let Ok(requirement) = archive(location, kind, source.clone()) {
        return Ok(requirement);
    }
    let directory = location.trim_end_matches(['/', '\\']);
    let name = common::file_name(directory);
    if !is_valid_name(name) {
        return Err(format!(
            "cannot tell the project name of local path `{location}`"
        ));
    }
    Ok(Requirement {
        name: name.to_owned(),
        version: String::new(),
        kind,
        source,
    })
}

/// `NAME-VERSION(-...)?.whl` or `NAME-VERSION.tar.gz` (and other sdist extensions).
fn distribution_name_and_version(file: &str) -> Option<(&str, &str)> {
    if let Some(stem) = file.strip_suffix(".whl") {
        let mut parts = stem.splitn(3, '-');
        return Some((parts.next()?, parts.next()?));
    }
    let lower = file.to_ascii_lowercase();
    let extension = [".tar.gz", ".tar.bz2", ".tar.xz", ".zip", ".tgz", ".tar"]
        .into_iter()
        .find(|extension| lower.ends_with(extension))?;
    let stem = file.get(..file.len() - extension.len())?;
    let (name, version) = stem.rsplit_once('-')?;
    (is_valid_name(name) && !version.is_empty()).then_some((name, version))
}

/// A PEP 508 name: ASCII letters and digits, with `-`, `_`, `.` inside.
fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge_ok = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    edge_ok(bytes.first())
        && edge_ok(bytes.last())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `name [extras] (specifiers | @ url) [; marker]`.
fn named(text: &str) -> Result<Requirement, String> {
    let name_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(text.len());
    let (name, rest) = text.split_at(name_end);
    if !is_valid_name(name) {
        return Err(format!(
            "`{text}` does not start with a project name (expected a PEP 508 requirement such as `name==1.0`)"
        ));
    }
    let mut rest = rest.trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        let (extras, tail) = after
            .split_once(']')
            .ok_or_else(|| format!("`{text}`: `[` of the extras is never closed"))?;
        if !extras
            .split(',')
            .map(str::trim)
            .all(|extra| extra.is_empty() || is_valid_name(extra))
        {
            return Err(format!("`{text}`: invalid extras `[{extras}]`"));
        }
        rest = tail.trim_start();
    }
    if let Some(url) = rest.strip_prefix('@') {
        let url = url.trim_start();
        let url_end = url.find(char::is_whitespace).unwrap_or(url.len());
        let (url, after) = url.split_at(url_end);
        check_marker(text, after)?;
        if url.is_empty() {
            return Err(format!("`{text}`: `@` is not followed by a URL"));
        }
        let is_vcs = VCS_PREFIXES.iter().any(|prefix| url.starts_with(prefix));
        let (kind, source) = if is_vcs {
            let fragment = if url.contains('#') { "" } else { "#egg=" };
            let located = vcs(&format!("{url}{fragment}{name}"), RequirementKind::Vcs)
                .map(|r| r.source)
                .unwrap_or(Source::Url {
                    url: url.to_owned(),
                });
            (RequirementKind::Vcs, located)
        } else {
            (
                RequirementKind::Url,
                Source::Url {
                    url: url.to_owned(),
                },
            )
        };
        return Ok(Requirement {
            name: name.to_owned(),
            version: String::new(),
            kind,
            source,
        });
    }
    let (specifiers, marker) = match rest.split_once(';') {
        Some((specifiers, marker)) => (specifiers, Some(marker)),
        None => (rest, None),
    };
    if let Some(marker) = marker {
        check_marker(text, &format!(";{marker}"))?;
    }
    let specifiers = specifiers.trim();
    let specifiers = specifiers
        .strip_prefix('(')
        .and_then(|inner| inner.strip_suffix(')'))
        .unwrap_or(specifiers)
        .trim();
    let version = pinned_version(text, specifiers)?;
    Ok(Requirement {
        name: name.to_owned(),
        kind: if version.is_empty() {
            RequirementKind::Unpinned
        } else {
            RequirementKind::Pinned
        },
        version,
        source: Source::Registry { url: None },
    })
}

/// What may follow a URL or specifiers: nothing, or `; marker`.
fn check_marker(text: &str, after: &str) -> Result<(), String> {
    let after = after.trim();
    match after.strip_prefix(';') {
        None if after.is_empty() => Ok(()),
        Some(marker) if !marker.trim().is_empty() => Ok(()),
        _ => Err(format!(
            "`{text}`: unexpected `{after}` (expected `; MARKER` or the end of the requirement)"
        )),
    }
}

/// The version an exact pin fixes (`==1.0`, `===1.0`), or "" when the specifiers leave it
/// open. Errors when the specifiers are not valid PEP 440.
fn pinned_version(text: &str, specifiers: &str) -> Result<String, String> {
    if specifiers.is_empty() {
        return Ok(String::new());
    }
    // `===` compares strings, so its operand need not be a PEP 440 version.
    if let Some(arbitrary) = specifiers.strip_prefix("===") {
        let arbitrary = arbitrary.trim();
        if arbitrary.is_empty() || arbitrary.contains([',', ' ']) {
            return Err(format!("`{text}`: `===` needs exactly one version"));
        }
        return Ok(arbitrary.to_owned());
    }
    let parsed = VersionSpecifiers::from_str(specifiers).map_err(|error| {
        // pep440_rs adds a caret diagram on further lines; the first line says it all.
        let message = error.to_string();
        let first_line = message.lines().next().unwrap_or_default().to_owned();
        format!("`{text}`: invalid version specifier: {first_line}")
    })?;
    match parsed.iter().as_slice() {
        [only] if *only.operator() == Operator::Equal => {
            // Keep the version as written (`1.2-alpha`), not pep440's normal form (`1.2a0`).
            let written = specifiers.trim_start_matches(['=', ' ']).trim();
            Ok(written.to_owned())
        }
        _ => Ok(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pinned(name: &str, version: &str) -> Requirement {
        Requirement {
            name: name.into(),
            version: version.into(),
            kind: RequirementKind::Pinned,
            source: Source::Registry { url: None },
        }
    }

    #[test]
    fn pins_and_ranges() {
        assert_eq!(parse("docopt == 0.6.1").unwrap(), pinned("docopt", "0.6.1"));
        assert_eq!(parse("yolo===1.0").unwrap(), pinned("yolo", "1.0"));
        assert_eq!(
            parse("PyCrypto==1.2-alpha").unwrap(),
            pinned("PyCrypto", "1.2-alpha")
        );
        assert_eq!(
            parse("pyjwt [crypto] == 2.1.0").unwrap(),
            pinned("pyjwt", "2.1.0")
        );
        assert_eq!(
            parse("foo5==1.0; python_version < \"2.7\"").unwrap(),
            pinned("foo5", "1.0")
        );
        for open in [
            "pytest",
            "asdf==0.7.*",
            "keyring >= 4.1.1",
            "a>=1,==1.2",
            "pkg<=1.2.3",
        ] {
            let requirement = parse(open).unwrap();
            assert_eq!(requirement.kind, RequirementKind::Unpinned, "{open}");
            assert_eq!(requirement.version, "", "{open}");
        }
    }

    #[test]
    fn urls_vcs_and_paths() {
        let url = parse("urllib3 @ https://github.com/u/u/archive/1.26.8.zip").unwrap();
        assert_eq!(url.kind, RequirementKind::Url);
        assert_eq!(url.name, "urllib3");
        let vcs = parse("git+https://github.com/a/b.git@v1.0#egg=b").unwrap();
        assert_eq!(
            vcs.source,
            Source::Git {
                url: "https://github.com/a/b.git".into(),
                reference: Some("v1.0".into()),
                commit: None
            }
        );
        let wheel = parse("./downloads/numpy-1.9.2-cp34-none-win32.whl").unwrap();
        assert_eq!(
            (wheel.name.as_str(), wheel.version.as_str()),
            ("numpy", "1.9.2")
        );
        assert_eq!(wheel.kind, RequirementKind::Path);
        let bare = parse("https://x.org/p/Foo-2.0.tar.gz").unwrap();
        assert_eq!((bare.name.as_str(), bare.version.as_str()), ("Foo", "2.0"));
        let editable = parse_editable("./libs/mylib").unwrap();
        assert_eq!(
            (editable.name.as_str(), editable.kind),
            ("mylib", RequirementKind::Editable)
        );
    }

    #[test]
    fn invalid_requirements_are_errors() {
        for invalid in [
            "asdf==",
            "==1.0",
            "asdf 1.0",
            "qwert==${MY_VARIABLE_1}",
            "foo7==1.0 unexpected_text",
            "a[b",
            "git+https://github.com/a/b.git",
        ] {
            assert!(parse(invalid).is_err(), "{invalid}");
        }
    }
}
