//! Lockfiles and the packages they lock.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Ecosystem, normalize_name, package_url};

/// Every lockfile format tollgate reads. The serde spelling is the `format` field of the
/// JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LockfileFormat {
    /// npm's `package-lock.json` (lockfileVersion 1, 2 or 3).
    PackageLock,
    /// npm's `npm-shrinkwrap.json` (same format as `package-lock.json`, published with the package).
    NpmShrinkwrap,
    /// Yarn classic (v1) `yarn.lock`.
    YarnClassic,
    /// Yarn Berry (v2+) `yarn.lock`, with a `__metadata` block.
    YarnBerry,
    /// `pnpm-lock.yaml`.
    PnpmLock,
    /// Bun's text lockfile `bun.lock`.
    BunLock,
    /// `uv.lock`.
    UvLock,
    /// `poetry.lock`.
    PoetryLock,
    /// `pdm.lock`.
    PdmLock,
    /// Pipenv's `Pipfile.lock`.
    PipfileLock,
    /// PEP 751 `pylock.toml` / `pylock.<name>.toml`.
    Pylock,
    /// pip requirements files (`requirements*.txt`, `requirements/*.txt`).
    Requirements,
    /// Cargo's `Cargo.lock`.
    CargoLock,
}

impl LockfileFormat {
    /// The ecosystem whose packages this format locks.
    pub fn ecosystem(self) -> Ecosystem {
        use LockfileFormat::*;
        match self {
            PackageLock | NpmShrinkwrap | YarnClassic | YarnBerry | PnpmLock | BunLock => {
                Ecosystem::Npm
            }
            UvLock | PoetryLock | PdmLock | PipfileLock | Pylock | Requirements => Ecosystem::PyPI,
            CargoLock => Ecosystem::CratesIo,
        }
    }

    /// The kebab-case name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        use LockfileFormat::*;
        match self {
            PackageLock => "package-lock",
            NpmShrinkwrap => "npm-shrinkwrap",
            YarnClassic => "yarn-classic",
            YarnBerry => "yarn-berry",
            PnpmLock => "pnpm-lock",
            BunLock => "bun-lock",
            UvLock => "uv-lock",
            PoetryLock => "poetry-lock",
            PdmLock => "pdm-lock",
            PipfileLock => "pipfile-lock",
            Pylock => "pylock",
            Requirements => "requirements",
            CargoLock => "cargo-lock",
        }
    }
}

impl fmt::Display for LockfileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One parsed lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockfile {
    /// The path as given or found by discovery (relative to the scan root when walked).
    pub path: String,
    /// The format of the file.
    pub format: LockfileFormat,
    /// The ecosystem of its packages.
    pub ecosystem: Ecosystem,
    /// The format's own version marker (`lockfileVersion`, `__metadata.version`,
    /// `version = 4`, ...) when the file records one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format_version: Option<String>,
    /// The locked packages, in file order. The root project itself (a workspace member,
    /// the `""` entry of a package-lock) is not a package unless it is also a dependency.
    pub packages: Vec<Package>,
    /// Packages the lock builds from the local tree (Cargo workspace members and path
    /// crates, the entries without a `source`): not dependencies to check, so not in
    /// `packages`, but their edges say what the project itself depends on. Only the
    /// Cargo.lock parser fills this.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local_packages: Vec<LocalPackage>,
    /// Non-fatal problems found while parsing (an entry skipped, a field ignored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<FileError>,
}

/// A package built from the local tree; see [`Lockfile::local_packages`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalPackage {
    /// The name.
    pub name: String,
    /// The version.
    pub version: String,
    /// What it depends on, with versions resolved where the lock allows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<DependencyEdge>,
    /// The 1-based line of the entry in the lockfile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

impl Lockfile {
    /// An empty lockfile of `format` at `path`.
    pub fn new(path: impl Into<String>, format: LockfileFormat) -> Self {
        Lockfile {
            path: path.into(),
            format,
            ecosystem: format.ecosystem(),
            format_version: None,
            packages: Vec::new(),
            local_packages: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// A problem with one file: it could not be read, parsed, or part of it was skipped.
/// This is the `errors` (and `warnings`) entry of the JSON output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileError {
    /// The file the problem is in.
    pub path: String,
    /// The 1-based line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The 1-based column, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// What is wrong and what was expected.
    pub message: String,
    /// A stable code for warnings a reader may act on (`db-stale`, `db-no-coverage`);
    /// absent for plain read and parse problems.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for FileError {}

/// One locked package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// The package's ecosystem.
    pub ecosystem: Ecosystem,
    /// The name as the lockfile writes it (for npm aliases, the real registry name).
    pub name: String,
    /// The name as the registry compares it (PEP 503 for PyPI).
    pub normalized_name: String,
    /// The locked version as written; empty for an unpinned requirement.
    pub version: String,
    /// The Package URL.
    pub purl: String,
    /// Where the package comes from.
    pub source: Source,
    /// Every hash the lockfile records for the package or its artifacts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    /// The artifacts (tarball, sdist, wheels, .crate) the lock names, when it names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<Artifact>,
    /// The scopes the package is installed in (dev, optional, peer, groups, extras).
    #[serde(default, skip_serializing_if = "Scope::is_default")]
    pub scope: Scope,
    /// `Some(true)` for a direct dependency of the project, `Some(false)` for a
    /// transitive one, `None` when the lockfile does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct: Option<bool>,
    /// Alias under which the package is installed (`"alias": "npm:real@1.0.0"`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Dependencies this package declares, as recorded in the lock.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<DependencyEdge>,
    /// The 1-based line of the entry in the lockfile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// What the lock itself says about install-time code.
    #[serde(default, skip_serializing_if = "InstallHints::is_empty")]
    pub install: InstallHints,
    /// The SPDX license expression the lock records (package-lock v2+ does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// For requirements files: how the requirement is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<RequirementKind>,
    /// The package arrives inside another package's artifact (npm `inBundle`), so that
    /// package's hash (`name@version`) covers it; no hash of its own is expected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covered_by: Option<String>,
    /// A JavaScript runtime binary (pnpm `runtime:` entries, e.g. `node@runtime:26.7.0`)
    /// downloaded from the runtime's own site and pinned by per-platform hashes: not a
    /// registry package, so the source and hash checks do not apply to it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub runtime: bool,
}

impl Package {
    /// A package with the given identity, a registry source, and everything else empty.
    /// Sets `normalized_name` and `purl` from the identity.
    pub fn new(ecosystem: Ecosystem, name: impl Into<String>, version: impl Into<String>) -> Self {
        let name = name.into();
        let version = version.into();
        Package {
            ecosystem,
            normalized_name: normalize_name(ecosystem, &name),
            purl: package_url(ecosystem, &name, &version),
            name,
            version,
            source: Source::Registry { url: None },
            hashes: Vec::new(),
            artifacts: Vec::new(),
            scope: Scope::default(),
            direct: None,
            alias: None,
            dependencies: Vec::new(),
            line: None,
            install: InstallHints::default(),
            license: None,
            requirement: None,
            covered_by: None,
            runtime: false,
        }
    }
}

/// Where a package comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// A package registry. `url` is `None` when the lock does not name the registry
    /// (it is then the one the package manager is configured with).
    Registry {
        /// The registry or index address as the lock records it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
    },
    /// A git repository.
    Git {
        /// The repository URL, without the fragment.
        url: String,
        /// The branch, tag or rev the manifest asked for, when recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        /// The exact commit the lock pins, when recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
    },
    /// A local path: a `file:` / `link:` / `path` dependency, a workspace member, an
    /// editable install.
    Path {
        /// The path as written.
        path: String,
        /// The protocol or kind (`file`, `link`, `workspace`, `directory`, `editable`, `path`).
        local_kind: String,
    },
    /// A direct URL (a tarball or wheel address outside any registry).
    Url {
        /// The address.
        url: String,
    },
    /// The lockfile does not say where the package comes from.
    Unknown,
}

/// A content hash recorded by the lock.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hash {
    /// Lowercase algorithm name as the lock writes it: `sha512`, `sha256`, `sha1`, `md5`,
    /// `blake2b`, ... Yarn Berry's cache checksums use `yarn-berry-cache` since they are
    /// a hash of Yarn's own zip, not of the registry tarball.
    pub algorithm: String,
    /// The digest, lowercase hex (npm's base64 SRI values are converted).
    pub digest: String,
}

/// The kind of a downloadable artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    /// An npm tarball.
    Tarball,
    /// A Python source distribution: installing it runs a build backend.
    Sdist,
    /// A Python wheel: installing it runs no code.
    Wheel,
    /// A `.crate` file.
    Crate,
}

/// One downloadable artifact the lock names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// What kind of artifact.
    pub kind: ArtifactKind,
    /// File name (`foo-1.0-py3-none-any.whl`), when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Download address, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Hashes of this artifact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    /// Size in bytes, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Upload time (RFC 3339), when recorded (uv.lock `upload-time`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_time: Option<String>,
}

/// The install scopes of a package. Empty means a regular production dependency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Only needed for development.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    /// An optional dependency (npm `optional`, a Python extra).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// A peer dependency.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub peer: bool,
    /// Named groups or extras (`dev`, `docs`, Poetry groups, PDM groups, Pipfile `develop`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl Scope {
    /// Whether this is the default (production) scope.
    pub fn is_default(&self) -> bool {
        *self == Scope::default()
    }
}

/// A dependency edge: this package depends on `name` (at `version` when the lock resolves it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyEdge {
    /// The dependency's name.
    pub name: String,
    /// The resolved version, or the requirement when the lock records only that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// What the lock itself says about code that runs at install or build time.
/// `None` everywhere means the lock is silent; the install-time analysis fills the gaps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallHints {
    /// npm `hasInstallScript`, bun/yarn build flags: the package declares lifecycle scripts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_install_script: Option<bool>,
    /// pnpm `requiresBuild`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_build: Option<bool>,
    /// Python: the lock names an sdist and no wheel, so installing runs a build backend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdist_only: Option<bool>,
}

impl InstallHints {
    /// Whether the lock said nothing at all.
    pub fn is_empty(&self) -> bool {
        *self == InstallHints::default()
    }
}

/// How a line of a requirements file pins its package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequirementKind {
    /// `name==version` (or `===`): an exact pin.
    Pinned,
    /// A range or no version at all: resolved at install time, not locked.
    Unpinned,
    /// `name @ https://...` or a bare archive URL.
    Url,
    /// `git+https://...` and other VCS URLs.
    Vcs,
    /// `-e PATH_OR_URL`.
    Editable,
    /// A local path.
    Path,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_package_fills_identity() {
        let p = Package::new(Ecosystem::PyPI, "Typing_Extensions", "4.0");
        assert_eq!(p.normalized_name, "typing-extensions");
        assert_eq!(p.purl, "pkg:pypi/typing-extensions@4.0");
    }

    #[test]
    fn default_fields_are_left_out_of_json() {
        let p = Package::new(Ecosystem::Npm, "a", "1.0.0");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["source"]["kind"], "registry");
        assert!(json.get("scope").is_none());
        assert!(json.get("install").is_none());
    }

    #[test]
    fn file_error_display_names_path_and_line() {
        let e = FileError {
            code: None,
            path: "a/yarn.lock".into(),
            line: Some(3),
            column: None,
            message: "expected a version".into(),
        };
        assert_eq!(e.to_string(), "a/yarn.lock:3: expected a version");
    }
}
