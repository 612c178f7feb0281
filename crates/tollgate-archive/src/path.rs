//! Entry-path normalization and link-target resolution.
//!
//! Backslashes count as separators: a path such as `..\..\x` is harmless on Unix but
//! traverses on Windows, and tollgate's users run both.

use crate::{ArchiveError, LinkKind, SkippedLink};

/// Normalizes an entry path to `a/b/c` (no `.`, no empty components), refusing absolute
/// paths, `..` components and NUL bytes. An empty result is the archive root itself.
pub(crate) fn normalize(raw: &str) -> Result<String, ArchiveError> {
    if raw.contains('\0') {
        return Err(ArchiveError::InvalidPath {
            entry: raw.replace('\0', "\\0"),
            reason: "it contains a NUL byte",
        });
    }
    if is_absolute(raw) {
        return Err(ArchiveError::AbsolutePath {
            entry: raw.to_owned(),
        });
    }
    let mut components = Vec::new();
    for component in raw.split(['/', '\\']) {
        match component {
            "" | "." => {}
            ".." => {
                return Err(ArchiveError::PathTraversal {
                    entry: raw.to_owned(),
                });
            }
            other => components.push(other),
        }
    }
    Ok(components.join("/"))
}

/// `/x`, `\x`, `C:x` and `C:\x` are all rooted somewhere outside the archive.
fn is_absolute(raw: &str) -> bool {
    match raw.as_bytes() {
        [b'/' | b'\\', ..] => true,
        [drive, b':', ..] => drive.is_ascii_alphabetic(),
        _ => false,
    }
}

/// Decodes a raw path as UTF-8, refusing anything else.
pub(crate) fn decode(raw: &[u8]) -> Result<&str, ArchiveError> {
    std::str::from_utf8(raw).map_err(|_| ArchiveError::InvalidPath {
        entry: String::from_utf8_lossy(raw).into_owned(),
        reason: "it is not valid UTF-8",
    })
}

/// Resolves the link at the normalized `link_path` to a path from the archive root,
/// refusing a target that is absolute or climbs above the root.
pub(crate) fn resolve_link(
    link_path: &str,
    target: &str,
    kind: LinkKind,
) -> Result<SkippedLink, ArchiveError> {
    let outside = || ArchiveError::LinkOutside {
        entry: link_path.to_owned(),
        target: target.to_owned(),
        hard: kind == LinkKind::Hard,
    };
    if target.contains('\0') || is_absolute(target) {
        return Err(outside());
    }
    // A symbolic link is relative to its own directory; a hard link names an archive path.
    let mut resolved: Vec<&str> = match kind {
        LinkKind::Symbolic => {
            let mut parent: Vec<&str> = link_path.split('/').collect();
            parent.pop();
            parent
        }
        LinkKind::Hard => Vec::new(),
    };
    for component in target.split(['/', '\\']) {
        match component {
            "" | "." => {}
            ".." => {
                if resolved.pop().is_none() {
                    return Err(outside());
                }
            }
            other => resolved.push(other),
        }
    }
    Ok(SkippedLink {
        path: link_path.to_owned(),
        target: resolved.join("/"),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_relative_paths() {
        assert_eq!(normalize("package/index.js").unwrap(), "package/index.js");
        assert_eq!(
            normalize("./package//lib/./a.js").unwrap(),
            "package/lib/a.js"
        );
        assert_eq!(normalize("pkg\\win\\a.py").unwrap(), "pkg/win/a.py");
        assert_eq!(normalize("./").unwrap(), "");
    }

    #[test]
    fn refuses_absolute_paths() {
        for raw in ["/etc/passwd", "\\\\server\\share", "C:\\x", "c:x", "/"] {
            assert!(
                matches!(normalize(raw), Err(ArchiveError::AbsolutePath { .. })),
                "{raw}"
            );
        }
    }

    #[test]
    fn refuses_any_dotdot() {
        for raw in ["../x", "a/../../x", "a/..", "a\\..\\..\\x", "a/../b"] {
            assert!(
                matches!(normalize(raw), Err(ArchiveError::PathTraversal { .. })),
                "{raw}"
            );
        }
    }

    #[test]
    fn refuses_nul_and_non_utf8() {
        assert!(matches!(
            normalize("a\0b"),
            Err(ArchiveError::InvalidPath { .. })
        ));
        assert!(matches!(
            decode(b"a\xffb"),
            Err(ArchiveError::InvalidPath { .. })
        ));
    }

    #[test]
    fn symbolic_links_resolve_from_their_directory() {
        let link = resolve_link("pkg/bin/tool", "../lib/tool.js", LinkKind::Symbolic).unwrap();
        assert_eq!(link.target, "pkg/lib/tool.js");
        let err = resolve_link("pkg/x", "../../etc/passwd", LinkKind::Symbolic).unwrap_err();
        assert!(matches!(err, ArchiveError::LinkOutside { hard: false, .. }));
        let err = resolve_link("pkg/x", "/etc/passwd", LinkKind::Symbolic).unwrap_err();
        assert!(matches!(err, ArchiveError::LinkOutside { .. }));
    }

    #[test]
    fn hard_links_resolve_from_the_root() {
        let link = resolve_link("pkg/b", "pkg/a", LinkKind::Hard).unwrap();
        assert_eq!(link.target, "pkg/a");
        let err = resolve_link("pkg/b", "../a", LinkKind::Hard).unwrap_err();
        assert!(matches!(err, ArchiveError::LinkOutside { hard: true, .. }));
    }
}
