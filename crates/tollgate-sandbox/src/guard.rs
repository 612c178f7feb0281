//! What an execute phase left behind in a writable output that it had no business writing.
//! `npm rebuild <package>` needs the whole `node_modules` writable (it links the package's
//! bins into `node_modules/.bin`), so the view cannot stop one package's install script from
//! rewriting another package's files or its `.bin` shim, which the user's next `npm test`
//! runs. The guard records every file and link under the output before the phase and
//! compares after it: a change outside the package's own directory, other than a `.bin` link
//! into that directory, is reported. Changes are detected by inode change time (`ctime`),
//! which every content, mode or owner change updates and which no unprivileged call can set
//! back, together with inode number, size, mode and link target.
//!
//! A script may hard-link another package's file into its own (esbuild links its platform
//! package's binary into `esbuild/bin`), which updates that file's `ctime` and nothing
//! else. For the files of the directories given as *verified* (the package's own
//! dependencies), the guard also keeps a keyed digest of the content (SipHash with a key
//! drawn for this guard, which the script cannot know): a change of `ctime` alone whose
//! content digest is unchanged is no change. Everywhere else `ctime` alone counts.
//!
//! Undoing: a file or link that was added is removed, a link that was changed or removed is
//! put back; a regular file whose content changed cannot be put back (its content was not
//! copied) and is reported as such, so the user reinstalls.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Deepest directory nesting walked (a deeper tree is reported as unchecked, not ignored).
const MAX_DEPTH: usize = 64;

/// At most this many bytes of verified directories are read for digests; files past it
/// keep the strict `ctime` comparison.
const MAX_DIGESTED_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    File {
        inode: u64,
        size: u64,
        mode: u32,
        ctime: (i64, i64),
    },
    Link(PathBuf),
}

/// A snapshot of `root` minus the phase's own directories.
#[derive(Debug)]
pub struct Guard {
    root: PathBuf,
    own: Vec<PathBuf>,
    entries: BTreeMap<PathBuf, Entry>,
    complete: bool,
    /// Content digests of the files of the verified directories.
    digests: BTreeMap<PathBuf, u64>,
    key: std::collections::hash_map::RandomState,
}

/// One change the phase made outside what it may write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The path that changed.
    pub path: PathBuf,
    /// `"added"`, `"changed"` or `"removed"`.
    pub what: &'static str,
    /// Whether it was put back as it was.
    pub undone: bool,
}

impl Guard {
    /// Records `root` (e.g. `node_modules`); `own` (e.g. `node_modules/esbuild` and any
    /// nested copy of it, which `npm rebuild esbuild` also builds) may change.
    pub fn record(root: &Path, own: &[PathBuf]) -> Guard {
        Guard::record_verified(root, own, &[])
    }

    /// [`Guard::record`], with the content of the files under `verified` (inside `root`)
    /// digested, so that a link made to one of them is not taken for a change.
    pub fn record_verified(root: &Path, own: &[PathBuf], verified: &[PathBuf]) -> Guard {
        let mut guard = Guard {
            root: root.to_path_buf(),
            own: own.to_vec(),
            entries: BTreeMap::new(),
            complete: true,
            digests: BTreeMap::new(),
            key: std::collections::hash_map::RandomState::new(),
        };
        let (entries, complete) = guard.walk();
        let mut budget = MAX_DIGESTED_BYTES;
        for (path, entry) in &entries {
            let Entry::File { size, .. } = entry else {
                continue;
            };
            if *size > budget || !verified.iter().any(|dir| path.starts_with(dir)) {
                continue;
            }
            if let Some(digest) = guard.digest(path) {
                budget -= size;
                guard.digests.insert(path.clone(), digest);
            }
        }
        guard.entries = entries;
        guard.complete = complete;
        guard
    }

    /// The keyed digest of a file's content, `None` when it cannot be read.
    fn digest(&self, path: &Path) -> Option<u64> {
        let mut file = std::fs::File::open(path).ok()?;
        let mut hasher = self.key.build_hasher();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = file.read(&mut buffer).ok()?;
            if read == 0 {
                return Some(hasher.finish());
            }
            hasher.write(buffer.get(..read)?);
        }
    }

    /// Whether `before` and `after` differ in `ctime` only and the content is verified
    /// unchanged (a hard link made to the file, or a mode set to what it was).
    fn only_linked(&self, path: &Path, before: &Entry, after: &Entry) -> bool {
        let (
            Entry::File {
                inode, size, mode, ..
            },
            Entry::File {
                inode: inode_after,
                size: size_after,
                mode: mode_after,
                ..
            },
        ) = (before, after)
        else {
            return false;
        };
        inode == inode_after
            && size == size_after
            && mode == mode_after
            && self
                .digests
                .get(path)
                .is_some_and(|digest| self.digest(path) == Some(*digest))
    }

    /// The changes since [`Guard::record`], each undone where possible. `Err` names the
    /// tree when it could not be walked completely (fail closed: report, do not pass).
    pub fn check_and_undo(&self) -> Result<Vec<Change>, PathBuf> {
        let (now, complete) = self.walk();
        if !self.complete || !complete {
            return Err(self.root.clone());
        }
        let mut changes = Vec::new();
        for (path, before) in &self.entries {
            match now.get(path) {
                Some(after) if after == before || self.only_linked(path, before, after) => {}
                Some(_) => changes.push(Change {
                    undone: restore_link(path, before),
                    path: path.clone(),
                    what: "changed",
                }),
                None => changes.push(Change {
                    undone: restore_link(path, before),
                    path: path.clone(),
                    what: "removed",
                }),
            }
        }
        for (path, entry) in &now {
            if !self.entries.contains_key(path) && !self.allowed_bin_link(path, entry) {
                changes.push(Change {
                    undone: std::fs::remove_file(path).is_ok(),
                    path: path.clone(),
                    what: "added",
                });
            }
        }
        Ok(changes)
    }

    /// A new `.bin/NAME` link into the package's own directory is `npm rebuild`'s doing.
    fn allowed_bin_link(&self, path: &Path, entry: &Entry) -> bool {
        let Entry::Link(target) = entry else {
            return false;
        };
        let Some(parent) = path.parent() else {
            return false;
        };
        if parent.file_name().is_none_or(|name| name != ".bin") {
            return false;
        }
        let resolved = normalize(&parent.join(target));
        self.own.iter().any(|own| resolved.starts_with(own))
    }

    fn walk(&self) -> (BTreeMap<PathBuf, Entry>, bool) {
        let mut entries = BTreeMap::new();
        let mut complete = true;
        let mut pending = vec![(self.root.clone(), 0usize)];
        while let Some((dir, depth)) = pending.pop() {
            let Ok(listing) = std::fs::read_dir(&dir) else {
                // A missing output is an empty one; any other unreadable directory is unchecked.
                complete &= dir == self.root && !self.root.exists();
                continue;
            };
            for item in listing {
                let Ok(item) = item else {
                    complete = false;
                    continue;
                };
                let path = item.path();
                if self.own.contains(&path) {
                    continue;
                }
                let Ok(metadata) = std::fs::symlink_metadata(&path) else {
                    complete = false;
                    continue;
                };
                if metadata.file_type().is_symlink() {
                    match std::fs::read_link(&path) {
                        Ok(target) => {
                            entries.insert(path, Entry::Link(target));
                        }
                        Err(_) => complete = false,
                    }
                } else if metadata.is_dir() {
                    if depth >= MAX_DEPTH {
                        complete = false;
                    } else {
                        pending.push((path, depth + 1));
                    }
                } else {
                    let entry = Entry::File {
                        inode: metadata.ino(),
                        size: metadata.size(),
                        mode: metadata.mode(),
                        ctime: (metadata.ctime(), metadata.ctime_nsec()),
                    };
                    entries.insert(path, entry);
                }
            }
        }
        (entries, complete)
    }
}

/// Puts a link back; a regular file cannot be (its content was not kept).
fn restore_link(path: &Path, before: &Entry) -> bool {
    let Entry::Link(target) = before else {
        return false;
    };
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => {
            if std::fs::remove_dir_all(path).is_err() {
                return false;
            }
        }
        Ok(_) => {
            if std::fs::remove_file(path).is_err() {
                return false;
            }
        }
        Err(_) => {}
    }
    std::os::unix::fs::symlink(target, path).is_ok()
}

/// `a/b/../c` as `a/c`, without touching the file system (a link target need not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn changes_outside_the_own_directory_are_found_and_links_undone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let modules = dir.path().join("node_modules");
        for package in ["own", "other"] {
            std::fs::create_dir_all(modules.join(package)).expect("mkdir");
            std::fs::write(modules.join(package).join("index.js"), "ok").expect("write");
        }
        std::fs::create_dir_all(modules.join(".bin")).expect("mkdir");
        symlink("../other/index.js", modules.join(".bin/other")).expect("link");
        let guard = Guard::record(&modules, &[modules.join("own")]);
        // What `npm rebuild own` may do: write inside its own directory, link its bin.
        std::fs::write(modules.join("own/build.node"), "x").expect("write");
        symlink("../own/index.js", modules.join(".bin/own")).expect("link");
        assert_eq!(guard.check_and_undo(), Ok(Vec::new()));
        // What it may not: rewrite another package, hijack its shim, plant a new file.
        std::fs::write(modules.join("other/index.js"), "evil").expect("write");
        std::fs::remove_file(modules.join(".bin/other")).expect("rm");
        symlink("../own/evil.js", modules.join(".bin/other")).expect("link");
        std::fs::write(modules.join(".bin/planted"), "evil").expect("write");
        let changes = guard.check_and_undo().expect("complete");
        let summary: Vec<(String, &str, bool)> = changes
            .iter()
            .map(|change| {
                let shown = change.path.strip_prefix(&modules).expect("inside");
                (shown.display().to_string(), change.what, change.undone)
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (".bin/other".to_owned(), "changed", true),
                ("other/index.js".to_owned(), "changed", false),
                (".bin/planted".to_owned(), "added", true),
            ]
        );
        assert_eq!(
            std::fs::read_link(modules.join(".bin/other")).expect("link"),
            PathBuf::from("../other/index.js")
        );
        assert!(!modules.join(".bin/planted").exists());
    }

    #[test]
    fn a_link_to_a_verified_file_is_no_change_but_a_rewrite_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        let modules = dir.path().join("node_modules");
        for package in ["own", "platform", "other"] {
            std::fs::create_dir_all(modules.join(package)).expect("mkdir");
            std::fs::write(modules.join(package).join("bin"), "binary").expect("write");
        }
        let guard = Guard::record_verified(
            &modules,
            &[modules.join("own")],
            &[modules.join("platform")],
        );
        // esbuild's way: link the platform package's binary into its own directory.
        std::fs::remove_file(modules.join("own/bin")).expect("rm");
        std::fs::hard_link(modules.join("platform/bin"), modules.join("own/bin")).expect("link");
        assert_eq!(guard.check_and_undo(), Ok(Vec::new()));
        // The same link to a file of a package that is not verified counts (ctime moved).
        std::fs::hard_link(modules.join("other/bin"), modules.join("own/other")).expect("link");
        let changes = guard.check_and_undo().expect("complete");
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(changes[0].path.ends_with("other/bin"));
        // A same-size rewrite of a verified file counts, whatever its times say.
        std::fs::write(modules.join("platform/bin"), "BINARY").expect("write");
        let changes = guard.check_and_undo().expect("complete");
        assert!(
            changes.iter().any(|c| c.path.ends_with("platform/bin")),
            "{changes:?}"
        );
    }
}
