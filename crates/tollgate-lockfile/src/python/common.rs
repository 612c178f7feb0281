//! Pieces every Python lockfile parser shares: hashes written as `ALG:HEX`, artifacts
//! classified as sdist or wheel by file name, the `sdist_only` install hint, git URLs,
//! and warnings.

use tollgate_model::{Artifact, ArtifactKind, FileError, Hash, Package, Source};

/// A hash written `ALG:HEX` (uv, Poetry, PDM, Pipfile.lock, requirements `--hash`), or
/// `None` when it is not in that form or the digest is not hex.
pub(crate) fn parse_prefixed_hash(text: &str) -> Option<Hash> {
    let (algorithm, digest) = text.trim().split_once(':')?;
    hash(algorithm, digest)
}

/// A hash from an algorithm name and a hex digest (pylock writes `{ sha256 = "HEX" }`),
/// normalized to lowercase; `None` when the digest is empty or not hex.
pub(crate) fn hash(algorithm: &str, digest: &str) -> Option<Hash> {
    let valid = !algorithm.is_empty()
        && algorithm
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !digest.is_empty()
        && digest.bytes().all(|b| b.is_ascii_hexdigit());
    valid.then(|| Hash {
        algorithm: algorithm.to_ascii_lowercase(),
        digest: digest.to_ascii_lowercase(),
    })
}

/// The last path segment of a URL or path, without query or fragment.
pub(crate) fn file_name(url_or_path: &str) -> &str {
    let end = url_or_path.find(['?', '#']).unwrap_or(url_or_path.len());
    let path = url_or_path.get(..end).unwrap_or(url_or_path);
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Whether a distribution file is a wheel or an sdist, by its name; `None` for other files
/// (legacy `.egg`, `.exe` installers) that are neither.
pub(crate) fn artifact_kind(file_name: &str) -> Option<ArtifactKind> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".whl") {
        Some(ArtifactKind::Wheel)
    } else if [".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar"]
        .iter()
        .any(|extension| lower.ends_with(extension))
    {
        Some(ArtifactKind::Sdist)
    } else {
        None
    }
}

/// An artifact with no size or upload time: the fields most locks record.
pub(crate) fn artifact(
    kind: ArtifactKind,
    file_name: Option<&str>,
    url: Option<&str>,
    hashes: Vec<Hash>,
) -> Artifact {
    Artifact {
        kind,
        filename: file_name.map(str::to_owned),
        url: url.map(str::to_owned),
        hashes,
        size: None,
        upload_time: None,
    }
}

/// Adds the artifacts to the package: their hashes join the package's hashes, and
/// `install.sdist_only` says whether the lock names only sdists (`Some(true)`), at least
/// one wheel (`Some(false)`), or no artifact at all (unchanged).
pub(crate) fn add_artifacts(package: &mut Package, artifacts: Vec<Artifact>) {
    for hash in artifacts.iter().flat_map(|artifact| &artifact.hashes) {
        if !package.hashes.contains(hash) {
            package.hashes.push(hash.clone());
        }
    }
    package.artifacts.extend(artifacts);
    let has_wheel = package
        .artifacts
        .iter()
        .any(|a| a.kind == ArtifactKind::Wheel);
    let has_sdist = package
        .artifacts
        .iter()
        .any(|a| a.kind == ArtifactKind::Sdist);
    if has_wheel || has_sdist {
        package.install.sdist_only = Some(!has_wheel);
    }
}

/// A git source from a URL of the form `[git+]URL[?QUERY][#COMMIT]` (uv, pylock, Cargo).
/// The query (`branch=main`, `tag=v1`, `rev=abc`) is kept as written as the reference.
pub(crate) fn git_source(url: &str) -> Source {
    let url = url.strip_prefix("git+").unwrap_or(url);
    let (location, commit) = match url.split_once('#') {
        Some((location, commit)) => (location, Some(commit.to_owned())),
        None => (url, None),
    };
    let (repository, reference) = match location.split_once('?') {
        Some((repository, query)) => (repository, Some(query.to_owned())),
        None => (location, None),
    };
    Source::Git {
        url: repository.to_owned(),
        reference,
        commit,
    }
}

/// A warning at a line of `path`.
pub(crate) fn warning(path: &str, line: Option<u32>, message: String) -> FileError {
    FileError {
        code: None,
        path: path.to_owned(),
        line,
        column: None,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_validated_and_lowercased() {
        let hash = parse_prefixed_hash("sha256:ABCDEF01").unwrap();
        assert_eq!(
            (hash.algorithm.as_str(), hash.digest.as_str()),
            ("sha256", "abcdef01")
        );
        assert!(parse_prefixed_hash("sha256:xyz").is_none());
        assert!(parse_prefixed_hash("sha256").is_none());
        assert!(parse_prefixed_hash(":00").is_none());
    }

    #[test]
    fn artifacts_are_classified_by_file_name() {
        assert_eq!(
            artifact_kind("a-1.0-py3-none-any.whl"),
            Some(ArtifactKind::Wheel)
        );
        assert_eq!(artifact_kind("a-1.0.tar.gz"), Some(ArtifactKind::Sdist));
        assert_eq!(artifact_kind("A-1.0.ZIP"), Some(ArtifactKind::Sdist));
        assert_eq!(artifact_kind("a-1.0-py2.7.egg"), None);
        assert_eq!(
            file_name("https://x/p/a-1.0.tar.gz#sha256=00"),
            "a-1.0.tar.gz"
        );
    }

    #[test]
    fn sdist_only_follows_the_artifacts() {
        let mut package = Package::new(tollgate_model::Ecosystem::PyPI, "a", "1");
        add_artifacts(
            &mut package,
            vec![artifact(ArtifactKind::Sdist, None, None, vec![])],
        );
        assert_eq!(package.install.sdist_only, Some(true));
        add_artifacts(
            &mut package,
            vec![artifact(ArtifactKind::Wheel, None, None, vec![])],
        );
        assert_eq!(package.install.sdist_only, Some(false));
    }

    #[test]
    fn git_urls_split_into_repository_reference_and_commit() {
        assert_eq!(
            git_source("git+https://github.com/a/b?branch=main#0123abc"),
            Source::Git {
                url: "https://github.com/a/b".into(),
                reference: Some("branch=main".into()),
                commit: Some("0123abc".into()),
            }
        );
    }
}
