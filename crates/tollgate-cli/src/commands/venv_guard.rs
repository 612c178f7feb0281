//! pip's execute phase writes into the project's virtual environment, and a writable
//! `.venv` would let install-time code replace the interpreter (`.venv/bin/python3`) that the
//! next, unsandboxed step runs. The view cannot protect a symbolic link inside a writable
//! directory (pip must add console scripts to `bin/`), so the interpreter entries are
//! recorded before the phase, compared after it, reported as a critical finding when they
//! changed, and restored.

use std::path::{Path, PathBuf};

/// The project's virtual environment: `$VIRTUAL_ENV` when it is inside the project, else
/// `.venv` or `venv` holding a `pyvenv.cfg`.
pub fn project_venv(project: &Path) -> Option<PathBuf> {
    let candidates = std::env::var_os("VIRTUAL_ENV")
        .map(PathBuf::from)
        .into_iter()
        .chain([project.join(".venv"), project.join("venv")]);
    candidates
        .filter(|dir| dir.starts_with(project))
        .find(|dir| dir.join("pyvenv.cfg").is_file())
}

/// What an entry was before the phase.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Link(PathBuf),
    File(Vec<u8>),
}

/// The interpreter entries of a virtual environment as they were.
#[derive(Debug)]
pub struct Guard {
    entries: Vec<(PathBuf, Entry)>,
}

/// At most this many bytes of a guarded file are kept (the activate scripts are a few KiB).
const FILE_LIMIT: u64 = 1 << 20;

impl Guard {
    /// Records `pyvenv.cfg`, the `python*` links and files and the `activate*` scripts.
    pub fn record(venv: &Path) -> Guard {
        let mut paths = vec![venv.join("pyvenv.cfg")];
        if let Ok(entries) = std::fs::read_dir(venv.join("bin")) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with("python") || name.starts_with("activate") {
                    paths.push(entry.path());
                }
            }
        }
        paths.sort();
        let entries = paths
            .into_iter()
            .filter_map(|path| read(&path).map(|entry| (path, entry)))
            .collect();
        Guard { entries }
    }

    /// The recorded entries that changed; each is put back as it was. Returns the changed
    /// paths with whether the restore worked.
    pub fn check_and_restore(&self) -> Vec<(PathBuf, bool)> {
        let mut changed = Vec::new();
        for (path, before) in &self.entries {
            if read(path).as_ref() == Some(before) {
                continue;
            }
            changed.push((path.clone(), restore(path, before).is_ok()));
        }
        changed
    }
}

fn read(path: &Path) -> Option<Entry> {
    let metadata = std::fs::symlink_metadata(path).ok()?;
    if metadata.file_type().is_symlink() {
        return std::fs::read_link(path).ok().map(Entry::Link);
    }
    if metadata.is_file() && metadata.len() <= FILE_LIMIT {
        return std::fs::read(path).ok().map(Entry::File);
    }
    None
}

fn restore(path: &Path, before: &Entry) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => std::fs::remove_dir_all(path)?,
        Ok(_) => std::fs::remove_file(path)?,
        Err(_) => {}
    }
    match before {
        Entry::Link(target) => std::os::unix::fs::symlink(target, path),
        Entry::File(content) => std::fs::write(path, content),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_interpreter_is_found_and_restored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let venv = dir.path().join(".venv");
        std::fs::create_dir_all(venv.join("bin")).expect("mkdir");
        std::fs::write(venv.join("pyvenv.cfg"), "home = /usr/bin\n").expect("cfg");
        std::os::unix::fs::symlink("/usr/bin/python3", venv.join("bin/python3")).expect("link");
        std::fs::write(venv.join("bin/tool"), "#!/bin/sh\n").expect("script");
        assert_eq!(project_venv(dir.path()), Some(venv.clone()));
        let guard = Guard::record(&venv);
        assert!(guard.check_and_restore().is_empty());
        std::fs::remove_file(venv.join("bin/python3")).expect("rm");
        std::fs::write(venv.join("bin/python3"), "#!/bin/sh\ncurl evil\n").expect("plant");
        std::fs::write(venv.join("bin/tool"), "changed, not guarded\n").expect("script");
        let changed = guard.check_and_restore();
        assert_eq!(changed, vec![(venv.join("bin/python3"), true)]);
        assert_eq!(
            std::fs::read_link(venv.join("bin/python3")).expect("link back"),
            PathBuf::from("/usr/bin/python3")
        );
    }
}
