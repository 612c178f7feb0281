//! Lockfiles and policy files (`tollgate.toml`) at a git revision, read from the object
//! store (no checkout, nothing written), and those of the working tree.
//!
//! `git` runs as a subprocess with its arguments passed as they are (never through a
//! shell). A revision is refused before git sees it when it could read as an option (a
//! leading `-`) or holds control characters, and is then resolved with `rev-parse
//! --verify --end-of-options REV^{commit}`; every later command gets the full commit id.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tollgate_lockfile::Inventory;
use tollgate_model::{FileError, LockfileFormat};

use crate::DiffError;

/// A repository, by its top-level directory.
#[derive(Debug, Clone)]
pub struct Repo {
    root: PathBuf,
}

/// One lockfile's bytes, at a revision or in the working tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockfileBytes {
    /// Its path from the repository root, with `/`.
    pub path: String,
    /// Its format, from its name.
    pub format: LockfileFormat,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// The policy files of one side of a diff (a commit, or the working tree), by their path
/// from the repository root: what `diff` applies when the policy is read from a revision,
/// and what it compares to warn that a pull request changed its own policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyFiles {
    files: BTreeMap<String, Vec<u8>>,
}

impl PolicyFiles {
    /// The nearest policy file at or above the lockfile at `lockfile` (a path from the
    /// repository root, with `/`): its path and bytes. Like the on-disk discovery
    /// (`tollgate_policy::nearest_policy_file`), the search ends at the repository root.
    pub fn nearest(&self, lockfile: &str) -> Option<(&str, &[u8])> {
        let mut dir = lockfile.rsplit_once('/').map(|(dir, _)| dir);
        loop {
            let candidate = match dir {
                Some(dir) => format!("{dir}/{POLICY_FILE}"),
                None => POLICY_FILE.to_owned(),
            };
            if let Some((path, bytes)) = self.files.get_key_value(&candidate) {
                return Some((path.as_str(), bytes.as_slice()));
            }
            dir = dir?.rsplit_once('/').map(|(parent, _)| parent);
        }
    }

    /// The paths whose bytes differ between `self` (the base) and `head`: added, removed
    /// or changed, sorted.
    pub fn changed(&self, head: &PolicyFiles) -> Vec<String> {
        let mut changed: Vec<String> = self
            .files
            .iter()
            .filter(|(path, bytes)| head.files.get(*path) != Some(bytes))
            .map(|(path, _)| path.clone())
            .chain(
                head.files
                    .keys()
                    .filter(|path| !self.files.contains_key(*path))
                    .cloned(),
            )
            .collect();
        changed.sort();
        changed.dedup();
        changed
    }
}

/// The policy file's name, in every folder.
const POLICY_FILE: &str = "tollgate.toml";

/// The default branches tried, in order, when no base is given.
const DEFAULT_BRANCHES: &[&str] = &[
    "refs/remotes/origin/HEAD",
    "refs/heads/main",
    "refs/heads/master",
];

impl Repo {
    /// The repository that holds `dir`.
    pub fn discover(dir: &Path) -> Result<Repo, DiffError> {
        let top = run_git(dir, &["rev-parse", "--show-toplevel"])?;
        let root = String::from_utf8_lossy(&top)
            .trim_end_matches('\n')
            .to_owned();
        Ok(Repo {
            root: PathBuf::from(root),
        })
    }

    /// The top-level directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The full commit id `revision` names.
    pub fn resolve(&self, revision: &str) -> Result<String, DiffError> {
        let refuse = |reason: &str| DiffError::BadRevision {
            revision: revision.to_owned(),
            reason: reason.to_owned(),
        };
        if revision.is_empty() {
            return Err(refuse("it is empty"));
        }
        if revision.starts_with('-') {
            return Err(refuse("it starts with `-` (it would read as an option)"));
        }
        if revision.chars().any(char::is_control) {
            return Err(refuse("it holds control characters"));
        }
        let spec = format!("{revision}^{{commit}}");
        let out = run_git(
            &self.root,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
        )
        .map_err(|_| refuse("git does not know it as a commit"))?;
        let id = String::from_utf8_lossy(&out).trim().to_owned();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(refuse("git gave no commit id for it"));
        }
        Ok(id)
    }

    /// The merge base of `HEAD` with the default branch (`origin/HEAD`, else `main`, else
    /// `master`): what a pull request's changes are measured from.
    pub fn default_base(&self) -> Result<String, DiffError> {
        let branch = DEFAULT_BRANCHES
            .iter()
            .find(|name| {
                run_git(
                    &self.root,
                    &["rev-parse", "--verify", "--quiet", "--end-of-options", name],
                )
                .is_ok()
            })
            .ok_or(DiffError::NoDefaultBranch)?;
        let head = self.resolve("HEAD")?;
        let out = run_git(&self.root, &["merge-base", &head, branch])?;
        Ok(String::from_utf8_lossy(&out).trim().to_owned())
    }

    /// Every lockfile (by name, as discovery recognizes them) of commit `commit`, which
    /// must be a full id from [`Repo::resolve`].
    pub fn lockfiles_at(&self, commit: &str) -> Result<Vec<LockfileBytes>, DiffError> {
        self.lockfiles(Some(commit))
    }

    /// Every lockfile of the working tree: tracked ones, and untracked ones git does not
    /// ignore. A tracked file deleted from the working tree is absent.
    pub fn lockfiles_in_worktree(&self) -> Result<Vec<LockfileBytes>, DiffError> {
        self.lockfiles(None)
    }

    /// Every `tollgate.toml` of commit `commit` (a full id from [`Repo::resolve`]), or of
    /// the working tree when `None` (tracked, and untracked ones git does not ignore).
    pub fn policy_files(&self, commit: Option<&str>) -> Result<PolicyFiles, DiffError> {
        let listing = self.listing(commit)?;
        let mut files = BTreeMap::new();
        for path in listing.split(|&b| b == 0) {
            let path = String::from_utf8_lossy(path).into_owned();
            if path.rsplit('/').next() != Some(POLICY_FILE) {
                continue;
            }
            if let Some(bytes) = self.read(commit, &path)? {
                files.insert(path, bytes);
            }
        }
        Ok(PolicyFiles { files })
    }

    /// The lockfiles of `commit`, or of the working tree when `None`.
    fn lockfiles(&self, commit: Option<&str>) -> Result<Vec<LockfileBytes>, DiffError> {
        let listing = self.listing(commit)?;
        let mut files = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (path, format) in lockfile_paths(&listing) {
            // `ls-files` lists a path once per merge stage.
            if !seen.insert(path.clone()) {
                continue;
            }
            if let Some(bytes) = self.read(commit, &path)? {
                files.push(LockfileBytes {
                    path,
                    format,
                    bytes,
                });
            }
        }
        Ok(files)
    }

    /// The NUL-separated paths of `commit` (`ls-tree`), or of the working tree when `None`
    /// (`ls-files`: tracked, and untracked ones git does not ignore).
    fn listing(&self, commit: Option<&str>) -> Result<Vec<u8>, DiffError> {
        match commit {
            Some(commit) => run_git(
                &self.root,
                &[
                    "ls-tree",
                    "-r",
                    "-z",
                    "--name-only",
                    "--full-tree",
                    commit,
                    "--",
                ],
            ),
            None => run_git(
                &self.root,
                &[
                    "ls-files",
                    "-z",
                    "--cached",
                    "--others",
                    "--exclude-standard",
                    "--",
                ],
            ),
        }
    }

    /// A file's bytes at `commit` (from the object store), or in the working tree when
    /// `None` (`None` back when it is gone from there).
    fn read(&self, commit: Option<&str>, path: &str) -> Result<Option<Vec<u8>>, DiffError> {
        match commit {
            Some(commit) => run_git(
                &self.root,
                &["cat-file", "blob", &format!("{commit}:{path}")],
            )
            .map(Some),
            None => match std::fs::read(self.root.join(path)) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(DiffError::Io {
                    path: path.to_owned(),
                    source,
                }),
            },
        }
    }
}

/// The lockfile paths of a NUL-separated listing.
fn lockfile_paths(listing: &[u8]) -> Vec<(String, LockfileFormat)> {
    listing
        .split(|&b| b == 0)
        .filter(|path| !path.is_empty())
        .filter_map(|path| {
            let path = String::from_utf8_lossy(path).into_owned();
            let format = tollgate_lockfile::detect_format(Path::new(&path))?;
            Some((path, format))
        })
        .collect()
}

/// Parses lockfile bytes with the format parsers; a file that is not UTF-8 or does not
/// parse becomes an error of the inventory, and the others go on.
pub fn parse_all(files: &[LockfileBytes]) -> Inventory {
    let mut inventory = Inventory::default();
    for file in files {
        let parsed = match std::str::from_utf8(&file.bytes) {
            Ok(text) => tollgate_lockfile::parse_str(&file.path, text, file.format)
                .map_err(|error| error.to_file_error()),
            Err(error) => Err(FileError {
                code: None,
                path: file.path.clone(),
                line: None,
                column: None,
                message: format!("not UTF-8 text: {error}"),
            }),
        };
        match parsed {
            Ok(lockfile) => inventory.lockfiles.push(lockfile),
            Err(error) => inventory.errors.push(error),
        }
    }
    inventory
}

/// Drops the files whose bytes are the same on both sides: nothing to compare, nothing to
/// parse (a monorepo's untouched lockfiles cost one read each).
pub fn drop_unchanged(base: &mut Vec<LockfileBytes>, head: &mut Vec<LockfileBytes>) {
    let same: std::collections::BTreeSet<String> = base
        .iter()
        .filter(|old| {
            head.iter()
                .any(|new| new.path == old.path && new.bytes == old.bytes)
        })
        .map(|old| old.path.clone())
        .collect();
    base.retain(|file| !same.contains(&file.path));
    head.retain(|file| !same.contains(&file.path));
}

/// Runs `git -C dir ARGS...` and gives its standard output.
fn run_git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, DiffError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(DiffError::GitMissing)?;
    if !output.status.success() {
        return Err(DiffError::Git {
            command: args.first().copied().unwrap_or_default().to_owned(),
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(output.stdout)
}
