//! Package URLs (purl spec) for inventory entries.

use packageurl::PackageUrl;

use crate::Ecosystem;

/// Builds the Package URL of a package: `pkg:npm/%40scope/name@1.0.0`,
/// `pkg:pypi/django@3.2`, `pkg:cargo/serde@1.0.0`.
///
/// Follows the purl spec's per-type rules: an npm scope becomes the namespace (its `@` is
/// percent-encoded), PyPI names are PEP 503-normalized with `_` replaced by `-`, and an
/// empty version (an unpinned requirement) leaves the version out.
pub fn package_url(ecosystem: Ecosystem, name: &str, version: &str) -> String {
    // Almost every name and version is lowercase letters, digits and `.-_`: no per-type
    // rule changes those and nothing needs encoding, so the purl is the plain
    // concatenation. Building it directly skips the `PackageUrl` round trip, which was a
    // tenth of the parse time of a Cargo.lock. (Tested against the general path below.)
    let pypi_normalizes =
        ecosystem == Ecosystem::PyPI && (name.contains(['_', '.']) || name.contains("--"));
    if is_plain(name) && is_plain(version) && !pypi_normalizes {
        return format!("pkg:{}/{name}@{version}", ecosystem.purl_type());
    }
    general_package_url(ecosystem, name, version)
}

/// [`package_url`] for any name and version, through the `packageurl` crate.
fn general_package_url(ecosystem: Ecosystem, name: &str, version: &str) -> String {
    let (namespace, short_name) = match ecosystem {
        Ecosystem::Npm => match name.strip_prefix('@').and_then(|rest| rest.split_once('/')) {
            Some((scope, rest)) => (Some(format!("@{scope}")), rest.to_owned()),
            None => (None, name.to_owned()),
        },
        Ecosystem::PyPI => (None, crate::normalize_name(ecosystem, name)),
        Ecosystem::CratesIo => (None, name.to_owned()),
    };
    let built = PackageUrl::new(ecosystem.purl_type(), short_name.as_str()).and_then(|mut purl| {
        if let Some(namespace) = &namespace {
            purl.with_namespace(namespace.as_str())?;
        }
        if !version.is_empty() {
            purl.with_version(version)?;
        }
        Ok(purl.to_string())
    });
    // `PackageUrl` only refuses an empty type or name; fall back to a literal rendering
    // so that such a package is still visible in reports.
    built.unwrap_or_else(|_| format!("pkg:{}/{}@{}", ecosystem.purl_type(), name, version))
}

/// Whether `text` is non-empty and only lowercase ASCII letters, digits, `.`, `-` and `_`.
fn is_plain(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_spec_examples() {
        assert_eq!(
            package_url(Ecosystem::Npm, "@scope/name", "1.0.0"),
            "pkg:npm/%40scope/name@1.0.0"
        );
        assert_eq!(
            package_url(Ecosystem::Npm, "left-pad", "1.3.0"),
            "pkg:npm/left-pad@1.3.0"
        );
        assert_eq!(
            package_url(Ecosystem::PyPI, "Django", "3.2"),
            "pkg:pypi/django@3.2"
        );
        assert_eq!(
            package_url(Ecosystem::PyPI, "typing_extensions", "4.12.2"),
            "pkg:pypi/typing-extensions@4.12.2"
        );
        assert_eq!(
            package_url(Ecosystem::CratesIo, "serde", "1.0.0"),
            "pkg:cargo/serde@1.0.0"
        );
        assert_eq!(
            package_url(Ecosystem::PyPI, "requests", ""),
            "pkg:pypi/requests"
        );
    }

    #[test]
    fn the_plain_path_agrees_with_the_general_one() {
        let names = [
            "serde",
            "serde_json",
            "zope.interface",
            "a--b",
            "a-_b",
            "left-pad",
            "lodash.merge",
            "Django",
            "x",
            "0",
            "@scope/name",
            "@Scope/Name",
            "UPPER",
            "a+b",
            "ä",
        ];
        let versions = [
            "1.0.0",
            "0.1.0-alpha.1",
            "1.0.0+build",
            "1.0.0-RC1",
            "2024.1",
            "",
            "1_0",
        ];
        for ecosystem in Ecosystem::ALL {
            for name in names {
                for version in versions {
                    assert_eq!(
                        package_url(ecosystem, name, version),
                        general_package_url(ecosystem, name, version),
                        "{ecosystem} {name} {version}"
                    );
                }
            }
        }
    }

    #[test]
    fn versions_with_special_characters_are_encoded() {
        assert_eq!(
            package_url(Ecosystem::Npm, "foo", "1.0.0+build.1"),
            "pkg:npm/foo@1.0.0%2Bbuild.1"
        );
    }
}
