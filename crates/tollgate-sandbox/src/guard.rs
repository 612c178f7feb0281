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
//! Undoing: a file or link that was added is removed, a link that was changed or removed is
//! put back; a regular file whose content changed cannot be put back (its content was not
//! copied) and is reported as such, so the user reinstalls.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Deepest directory nesting walked (a deeper tree is reported as unchecked, not ignored).
const MAX_DEPTH: usize = 64;

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
        let mut guard = Guard {
            root: root.to_path_buf(),
            own: own.to_vec(),
            entries: BTreeMap::new(),
            complete: true,
        };
        let (entries, complete) = guard.walk();
        guard.entries = entries;
        guard.complete = complete;
        guard
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
                Some(after) if after == before => {}
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
}
