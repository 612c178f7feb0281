//! Which `tollgate.toml` applies to a lockfile: the nearest one at or above the
//! lockfile's directory, up to the repository root (the first directory that holds
//! `.git`), like cargo-deny and osv-scanner. So `scan sub/` applies the parent's policy,
//! and `scan a b` and `scan b a` apply the same policies to the same files.

use std::path::{Path, PathBuf};

use crate::config::FILE_NAME;

/// The policy file for a lockfile at `lockfile` (or for a directory, when `start_dir` is
/// that directory): `None` when no `tollgate.toml` lies between it and the repository
/// root (or the filesystem root outside a repository). The path is relative to the
/// current directory when it lies below it.
pub fn nearest_policy_file(start_dir: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(start_dir).ok()?;
    let cwd = std::env::current_dir().ok();
    let mut dir = Some(absolute.as_path());
    while let Some(current) = dir {
        let candidate = current.join(FILE_NAME);
        if candidate.is_file() {
            let relative = cwd
                .as_deref()
                .and_then(|cwd| candidate.strip_prefix(cwd).ok())
                .map(Path::to_path_buf);
            return Some(relative.unwrap_or(candidate));
        }
        if current.join(".git").exists() {
            return None;
        }
        dir = current.parent();
    }
    None
}

/// The directory a lockfile's policy search starts from.
pub fn lockfile_dir(lockfile: &Path) -> PathBuf {
    match lockfile.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_file_and_stops_at_the_repository_root() {
        let root = tempfile::tempdir().unwrap();
        let repo = root.path().join("repo");
        let sub = repo.join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::create_dir(repo.join(".git")).unwrap();
        std::fs::write(root.path().join(FILE_NAME), "").unwrap();
        assert_eq!(nearest_policy_file(&sub), None, "above the repository root");
        std::fs::write(repo.join(FILE_NAME), "").unwrap();
        assert_eq!(nearest_policy_file(&sub), Some(repo.join(FILE_NAME)));
        std::fs::write(repo.join("a").join(FILE_NAME), "").unwrap();
        assert_eq!(
            nearest_policy_file(&sub),
            Some(repo.join("a").join(FILE_NAME))
        );
    }
}
