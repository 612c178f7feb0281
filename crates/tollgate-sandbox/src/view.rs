//! The constructed file-system view: a new root on a tmpfs into which only what the command
//! needs is bind-mounted, instead of the host's tree filtered by Landlock.
//!
//! Why a view as well as Landlock: Landlock does not govern `connect()` to a named unix
//! socket (`docker.sock`, the ssh-agent, the D-Bus bus), nor `chmod`, `chown`, `utime` or
//! `setxattr`, nor `stat`/`readlink` of paths it denies. In the view, what is not mounted
//! does not exist, and what is mounted read-only refuses every kind of write (`EROFS`).
//!
//! Layout: the allowed read-only paths (system directories, toolchains, `--allow-read`) and
//! read-write paths (project, caches, `--allow-write`) at their host paths; the allowed
//! device nodes; a fresh `/tmp` and `/dev/shm` (tmpfs, gone with the namespace: nothing is
//! left on the host disk, whatever way tollgate ends); a fresh `/proc` of the new PID
//! namespace; an empty `/run`; `$HOME` as an empty directory unless something in it is
//! allowed. Symbolic links on the way to an allowed path (`/bin -> usr/bin`) are recreated.
//!
//! [`View::new`] computes every step in the parent; [`View::apply`] runs them in the forked
//! child with system calls only.
#![allow(unsafe_code)]

use std::collections::BTreeSet;
use std::ffi::{CStr, CString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use crate::SandboxError;

const MOUNT_ATTR_RDONLY: u64 = 0x1;
const MOUNT_ATTR_NOSUID: u64 = 0x2;
const MOUNT_ATTR_NODEV: u64 = 0x4;
const AT_RECURSIVE: libc::c_int = 0x8000;

/// `struct mount_attr` of `mount_setattr(2)`.
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// One step of building the view; every path is already prefixed with the new root.
#[derive(Debug)]
enum Step {
    Dir(CString),
    File(CString),
    Tmpfs(CString),
    Proc(CString),
    /// A bind mount, then `mount_setattr` on it, recursively. When not `required`, a source
    /// this uid cannot reach is skipped (it stays absent).
    Bind {
        source: CString,
        target: CString,
        recursive: bool,
        attributes: u64,
        required: bool,
    },
    Symlink {
        target: CString,
        link: CString,
    },
    /// A file of the view's own, written with this content (a redacted copy).
    Write(CString, Vec<u8>),
}

/// The view, ready for the child to build.
#[derive(Debug)]
pub(crate) struct View {
    root: CString,
    steps: Vec<Step>,
    workdir: CString,
}

/// What the view shows, for `--explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    pub(crate) path: PathBuf,
    pub(crate) kind: MountKind,
}

/// How a path is mounted in the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MountKind {
    ReadOnly,
    ReadWrite,
    Device,
    Tmpfs,
    Proc,
    /// A symbolic link recreated as on the host, pointing at this target.
    Symlink(PathBuf),
    /// A copy of the host file with its secrets removed.
    Redacted,
}

/// An allowed path resolved on the host.
#[derive(Debug, Clone)]
struct Entry {
    path: PathBuf,
    writable: bool,
    device: bool,
    directory: bool,
}

/// Where the view keeps the redacted copies it binds over the originals.
const COPIES: &str = "/.tollgate-copies";

/// The fresh file systems of every view.
const TMPFS: &[&str] = &["/tmp", "/dev/shm"];

impl View {
    /// Plans the view. `root` is an empty directory on the host that becomes the mount
    /// point of the new root (it must be canonical). Missing allowed paths are skipped;
    /// `/proc` is replaced by the new namespace's own.
    pub(crate) fn new(
        root: &Path,
        read_only: &[PathBuf],
        read_write: &[PathBuf],
        home: &Path,
        workdir: &Path,
        files: &[(PathBuf, Vec<u8>)],
    ) -> Result<(View, Vec<Mount>), SandboxError> {
        let (entries, links) = resolve(read_only, read_write);
        let mut builder = Builder {
            root: root.to_path_buf(),
            steps: Vec::new(),
            made: BTreeSet::new(),
            mounts: Vec::new(),
        };
        for fresh in TMPFS {
            builder.dirs(Path::new(fresh))?;
            builder
                .steps
                .push(Step::Tmpfs(builder.inside(Path::new(fresh))?));
            builder.mounts.push(Mount {
                path: PathBuf::from(fresh),
                kind: MountKind::Tmpfs,
            });
        }
        for (link, target) in [
            ("/dev/fd", "/proc/self/fd"),
            ("/dev/stdin", "/proc/self/fd/0"),
            ("/dev/stdout", "/proc/self/fd/1"),
            ("/dev/stderr", "/proc/self/fd/2"),
            ("/var/tmp", "/tmp"),
        ] {
            builder.symlink(Path::new(link), Path::new(target))?;
        }
        builder.dirs(Path::new("/proc"))?;
        builder
            .steps
            .push(Step::Proc(builder.inside(Path::new("/proc"))?));
        builder.mounts.push(Mount {
            path: PathBuf::from("/proc"),
            kind: MountKind::Proc,
        });
        builder.dirs(Path::new("/run"))?;
        // `$HOME` exists (empty, and not writable: Landlock has no rule for the root tmpfs),
        // except under a fresh tmpfs, where it would be writable and writes to it would look
        // like they succeeded.
        if home.is_absolute() && !TMPFS.iter().any(|fresh| home.starts_with(fresh)) {
            builder.dirs(home)?;
        }
        for entry in &entries {
            builder.bind(entry)?;
        }
        // Each copy is written into the view's own tmpfs, then bound read-only over the
        // original: writing it in place would change the host file when the original lies
        // in a bound directory (a project `.env`, an allowed `~/.cargo`).
        builder.dirs(Path::new(COPIES))?;
        for (index, (path, content)) in files.iter().enumerate() {
            if let Some(parent) = path.parent() {
                builder.dirs(parent)?;
            }
            let copy = builder.inside(&Path::new(COPIES).join(index.to_string()))?;
            builder
                .steps
                .push(Step::Write(copy.clone(), content.clone()));
            let target = builder.inside(path)?;
            builder.steps.push(Step::File(target.clone()));
            builder.steps.push(Step::Bind {
                source: copy,
                target,
                recursive: false,
                attributes: MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                required: true,
            });
            builder.mounts.push(Mount {
                path: path.clone(),
                kind: MountKind::Redacted,
            });
        }
        for (link, target) in &links {
            builder.symlink(link, target)?;
            builder.mounts.push(Mount {
                path: link.clone(),
                kind: MountKind::Symlink(target.clone()),
            });
        }
        let view = View {
            root: c_path(root)?,
            steps: builder.steps,
            workdir: c_path(workdir)?,
        };
        Ok((view, builder.mounts))
    }

    /// Builds the view and makes it the root. Runs in the forked child, in its new user and
    /// mount namespaces: system calls only. On failure, names the path on standard error
    /// (the error itself only carries an errno across the exec-error pipe).
    pub(crate) fn apply(&self) -> io::Result<()> {
        // SAFETY: every pointer is a NUL-terminated string or a local owned by this frame.
        unsafe {
            // Our mounts must not propagate back to the host, nor the host's into the view.
            check(
                libc::mount(
                    std::ptr::null(),
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ),
                c"/",
            )?;
            check(
                libc::mount(
                    c"tmpfs".as_ptr(),
                    self.root.as_ptr(),
                    c"tmpfs".as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV,
                    c"mode=0755".as_ptr().cast(),
                ),
                &self.root,
            )?;
            for step in &self.steps {
                run(step)?;
            }
            check(libc::chdir(self.root.as_ptr()), &self.root)?;
            // pivot_root(".", "."): the old root ends up stacked on the new one and is then
            // detached, so no path leads back to the host tree.
            check(
                libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) as libc::c_int,
                c"pivot_root",
            )?;
            check(libc::umount2(c".".as_ptr(), libc::MNT_DETACH), c"old root")?;
            check(libc::chdir(c"/".as_ptr()), c"/")?;
            // The working directory set before the fork is in the detached host tree.
            check(libc::chdir(self.workdir.as_ptr()), &self.workdir)?;
        }
        Ok(())
    }
}

/// Turns a failed call into an error, after naming `what` on standard error.
fn check(result: libc::c_int, what: &CStr) -> io::Result<()> {
    if result == 0 {
        return Ok(());
    }
    let error = io::Error::last_os_error();
    const PREFIX: &[u8] = b"tollgate: building the sandbox's file-system view failed at ";
    // SAFETY: writes of live buffers to standard error; the result does not matter.
    unsafe {
        libc::write(2, PREFIX.as_ptr().cast(), PREFIX.len());
        let bytes = what.to_bytes();
        libc::write(2, bytes.as_ptr().cast(), bytes.len());
        libc::write(2, b"\n".as_ptr().cast(), 1);
    }
    Err(error)
}

/// Whether `path` exists (without following a final symbolic link).
fn exists(path: &CStr) -> bool {
    // SAFETY: `path` is NUL-terminated.
    unsafe {
        libc::faccessat(
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::F_OK,
            libc::AT_SYMLINK_NOFOLLOW,
        ) == 0
    }
}

/// Runs one step in the child.
fn run(step: &Step) -> io::Result<()> {
    // SAFETY: NUL-terminated strings and locals only.
    unsafe {
        match step {
            // Directories and files are mount points made in the new root's tmpfs; inside an
            // already mounted host directory they exist and are left alone.
            Step::Dir(path) => {
                if !exists(path) {
                    check(libc::mkdir(path.as_ptr(), 0o755), path)?;
                }
            }
            Step::File(path) => {
                if !exists(path) {
                    let fd = libc::open(
                        path.as_ptr(),
                        libc::O_WRONLY
                            | libc::O_CREAT
                            | libc::O_EXCL
                            | libc::O_NOFOLLOW
                            | libc::O_CLOEXEC,
                        0o644,
                    );
                    check(if fd < 0 { -1 } else { 0 }, path)?;
                    libc::close(fd);
                }
            }
            Step::Tmpfs(path) => check(
                libc::mount(
                    c"tmpfs".as_ptr(),
                    path.as_ptr(),
                    c"tmpfs".as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV,
                    c"mode=1777".as_ptr().cast(),
                ),
                path,
            )?,
            Step::Proc(path) => check(
                libc::mount(
                    c"proc".as_ptr(),
                    path.as_ptr(),
                    c"proc".as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                    std::ptr::null(),
                ),
                path,
            )?,
            Step::Bind {
                source,
                target,
                recursive,
                attributes,
                required,
            } => {
                let flags = if *recursive {
                    libc::MS_BIND | libc::MS_REC
                } else {
                    libc::MS_BIND
                };
                let bound = libc::mount(
                    source.as_ptr(),
                    target.as_ptr(),
                    std::ptr::null(),
                    flags,
                    std::ptr::null(),
                );
                if bound != 0 {
                    // A path this uid cannot reach on the host (a default toolchain path in
                    // root's 0700 home, for a command run as another user) stays absent: it
                    // would be unreadable anyway, and absence hides more than it shows.
                    let errno = io::Error::last_os_error().raw_os_error();
                    if !*required && matches!(errno, Some(libc::EACCES | libc::ENOENT)) {
                        return Ok(());
                    }
                    return check(bound, source);
                }
                let attr = MountAttr {
                    attr_set: *attributes,
                    attr_clr: 0,
                    propagation: 0,
                    userns_fd: 0,
                };
                check(
                    libc::syscall(
                        libc::SYS_mount_setattr,
                        libc::AT_FDCWD,
                        target.as_ptr(),
                        AT_RECURSIVE,
                        &attr as *const MountAttr,
                        std::mem::size_of::<MountAttr>(),
                    ) as libc::c_int,
                    target,
                )?;
            }
            Step::Symlink { target, link } => {
                if !exists(link) {
                    check(libc::symlink(target.as_ptr(), link.as_ptr()), link)?;
                }
            }
            Step::Write(path, content) => {
                let fd = libc::open(
                    path.as_ptr(),
                    libc::O_WRONLY
                        | libc::O_CREAT
                        | libc::O_EXCL
                        | libc::O_NOFOLLOW
                        | libc::O_CLOEXEC,
                    0o644,
                );
                check(if fd < 0 { -1 } else { 0 }, path)?;
                let mut written = 0;
                while written < content.len() {
                    let result = libc::write(
                        fd,
                        content[written..].as_ptr().cast(),
                        content.len() - written,
                    );
                    if result <= 0 {
                        libc::close(fd);
                        return check(-1, path);
                    }
                    written += result.unsigned_abs();
                }
                libc::close(fd);
            }
        }
    }
    Ok(())
}

/// Plans the steps; remembers the directories already made.
struct Builder {
    root: PathBuf,
    steps: Vec<Step>,
    made: BTreeSet<PathBuf>,
    mounts: Vec<Mount>,
}

impl Builder {
    /// `path` (absolute, in the view) prefixed with the new root.
    fn inside(&self, path: &Path) -> Result<CString, SandboxError> {
        let relative = path.strip_prefix("/").unwrap_or(path);
        c_path(&self.root.join(relative))
    }

    /// `path` and every directory above it.
    fn dirs(&mut self, path: &Path) -> Result<(), SandboxError> {
        let mut current = PathBuf::from("/");
        for component in path.components() {
            if let Component::Normal(name) = component {
                current.push(name);
                if self.made.insert(current.clone()) {
                    let step = Step::Dir(self.inside(&current)?);
                    self.steps.push(step);
                }
            }
        }
        Ok(())
    }

    fn symlink(&mut self, link: &Path, target: &Path) -> Result<(), SandboxError> {
        if let Some(parent) = link.parent() {
            self.dirs(parent)?;
        }
        let step = Step::Symlink {
            target: c_path(target)?,
            link: self.inside(link)?,
        };
        self.steps.push(step);
        Ok(())
    }

    fn bind(&mut self, entry: &Entry) -> Result<(), SandboxError> {
        if let Some(parent) = entry.path.parent() {
            self.dirs(parent)?;
        }
        let target = self.inside(&entry.path)?;
        self.steps.push(if entry.directory {
            Step::Dir(target.clone())
        } else {
            Step::File(target.clone())
        });
        self.made.insert(entry.path.clone());
        // Attributes are set right after the bind, before anything is mounted beneath it:
        // they apply recursively, and a writable path below must keep its own.
        let (attributes, kind) = if entry.device {
            (MOUNT_ATTR_NOSUID, MountKind::Device)
        } else if entry.writable {
            (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, MountKind::ReadWrite)
        } else {
            (
                MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                MountKind::ReadOnly,
            )
        };
        self.steps.push(Step::Bind {
            source: c_path(&entry.path)?,
            target,
            recursive: entry.directory,
            attributes,
            required: false,
        });
        self.mounts.push(Mount {
            path: entry.path.clone(),
            kind,
        });
        Ok(())
    }
}

/// The allowed paths as canonical host paths, parents before children, without those an
/// allowed parent already shows with the same access; and the symbolic links on the way to
/// them (link, target as written).
fn resolve(read_only: &[PathBuf], read_write: &[PathBuf]) -> (Vec<Entry>, Vec<(PathBuf, PathBuf)>) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut links: Vec<(PathBuf, PathBuf)> = Vec::new();
    let all = read_only
        .iter()
        .map(|path| (path, false))
        .chain(read_write.iter().map(|path| (path, true)));
    for (path, writable) in all {
        if path == Path::new("/proc") || path.starts_with("/proc/") {
            continue;
        }
        let Ok(canonical) = path.canonicalize() else {
            continue;
        };
        let Ok(metadata) = std::fs::metadata(&canonical) else {
            continue;
        };
        for link in links_on_the_way(path) {
            if !links.contains(&link) {
                links.push(link);
            }
        }
        if TMPFS.iter().any(|fresh| Path::new(fresh) == canonical) {
            continue;
        }
        let device = canonical.starts_with("/dev");
        match entries.iter_mut().find(|entry| entry.path == canonical) {
            Some(existing) => existing.writable |= writable,
            None => entries.push(Entry {
                path: canonical,
                writable,
                device,
                directory: metadata.is_dir(),
            }),
        }
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let mut kept: Vec<Entry> = Vec::new();
    for entry in entries {
        let covered = kept
            .iter()
            .rev()
            .find(|parent| entry.path.starts_with(&parent.path))
            .is_some_and(|parent| parent.writable == entry.writable && !entry.device);
        if !covered {
            kept.push(entry);
        }
    }
    (kept, links)
}

/// The symbolic links met while resolving `path` component by component, each as found on
/// the host (its own path has no link in it, so the view can hold it at the same place).
fn links_on_the_way(path: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut links = Vec::new();
    let mut resolved = PathBuf::from("/");
    for component in path.components() {
        match component {
            Component::Normal(name) => {
                let candidate = resolved.join(name);
                let is_link = std::fs::symlink_metadata(&candidate)
                    .is_ok_and(|metadata| metadata.file_type().is_symlink());
                if is_link {
                    let Ok(target) = std::fs::read_link(&candidate) else {
                        break;
                    };
                    let Ok(next) = candidate.canonicalize() else {
                        break;
                    };
                    links.push((candidate, target));
                    resolved = next;
                } else {
                    resolved = candidate;
                }
            }
            Component::ParentDir => {
                resolved.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
        if links.len() > 32 {
            break;
        }
    }
    links
}

fn c_path(path: &Path) -> Result<CString, SandboxError> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| SandboxError::NulInPath(path.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_with_the_same_access_are_not_mounted_twice() {
        let (entries, _) = resolve(
            &[PathBuf::from("/usr"), PathBuf::from("/usr/bin")],
            &[PathBuf::from("/usr/lib")],
        );
        let paths: Vec<(&Path, bool)> = entries
            .iter()
            .map(|entry| (entry.path.as_path(), entry.writable))
            .collect();
        assert!(paths.contains(&(Path::new("/usr"), false)));
        assert!(!paths.iter().any(|(path, _)| *path == Path::new("/usr/bin")));
        assert!(
            paths
                .iter()
                .any(|(path, writable)| path.ends_with("lib") && *writable)
        );
    }

    #[test]
    fn missing_paths_and_proc_are_skipped() {
        let (entries, _) = resolve(
            &[PathBuf::from("/no/such/path"), PathBuf::from("/proc")],
            &[],
        );
        assert!(entries.is_empty());
    }

    #[test]
    fn a_symlinked_directory_is_recreated_as_a_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real");
        std::fs::create_dir(&real).expect("mkdir");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("real", &link).expect("symlink");
        let canonical_dir = dir.path().canonicalize().expect("canonical");
        let (entries, links) = resolve(&[canonical_dir.join("link")], &[]);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].path, canonical_dir.join("real"));
        assert_eq!(
            links,
            vec![(canonical_dir.join("link"), PathBuf::from("real"))]
        );
    }
}
