//! The map from the lockfile alone: offline and instant.
//!
//! | lockfile | runs-code | no-code | unknown |
//! |---|---|---|---|
//! | package-lock v2/v3 | `hasInstallScript: true` | no `hasInstallScript` | — |
//! | package-lock v1, yarn, bun | — | — | every registry package |
//! | pnpm-lock v5/v6 | `requiresBuild: true` | no `requiresBuild` | — |
//! | pnpm-lock v9 | `requiresBuild: true` (when present) | — | the rest |
//! | uv / pylock / poetry / pdm / Pipfile | sdist and no wheel; git, path and URL sources | a wheel is locked | no artifacts listed |
//! | Cargo.lock | from `~/.cargo/registry/src` when the crate is unpacked there | same | the rest |
//!
//! npm git dependencies run `prepare` when installed; Python git, path and URL sources
//! are always built. Each entry carries the package manager's gate ([`crate::gate`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tollgate_lockfile::Inventory;
use tollgate_model::{
    Artifact, ArtifactKind, Ecosystem, Evidence, Lockfile, LockfileFormat, Package, Source,
};

use crate::files::PackageFiles;
use crate::gate::{Gate, ProjectSettings};
use crate::model::{CodeKind, CodeState};
use crate::wheel::WheelTarget;

/// One package's entry in the lock-only map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockEntry {
    /// The package's ecosystem.
    pub ecosystem: Ecosystem,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Package URL.
    pub purl: String,
    /// Whether installing it runs code.
    #[serde(flatten)]
    pub state: CodeState,
    /// Why: the lockfile line (or the unpacked source) that says so.
    pub evidence: Evidence,
    /// Whether the package manager lets that code run (absent for no-code / unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
}

/// The lock-only map of one lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockMap {
    /// The lockfile.
    pub lockfile: String,
    /// Its format.
    pub format: LockfileFormat,
    /// One entry per package, in lockfile order.
    pub entries: Vec<LockEntry>,
}

/// Per-ecosystem totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Packages.
    pub packages: usize,
    /// runs-code.
    pub runs_code: usize,
    /// runs-code but blocked by the project's settings.
    pub blocked: usize,
    /// no-code.
    pub no_code: usize,
    /// unknown.
    pub unknown: usize,
}

/// Totals per ecosystem over several maps.
pub fn counts(maps: &[LockMap]) -> Vec<(Ecosystem, Counts)> {
    Ecosystem::ALL
        .iter()
        .map(|&ecosystem| {
            let mut counts = Counts::default();
            for entry in maps
                .iter()
                .flat_map(|m| &m.entries)
                .filter(|e| e.ecosystem == ecosystem)
            {
                counts.packages += 1;
                match entry.state {
                    CodeState::RunsCode { .. } => {
                        counts.runs_code += 1;
                        if matches!(entry.gate, Some(Gate::Blocked { .. })) {
                            counts.blocked += 1;
                        }
                    }
                    CodeState::NoCode => counts.no_code += 1,
                    CodeState::Unknown => counts.unknown += 1,
                }
            }
            (ecosystem, counts)
        })
        .collect()
}

/// Maps every lockfile of an inventory. `cargo_home` (usually `$CARGO_HOME` or
/// `~/.cargo`) lets crates unpacked by earlier builds be answered exactly.
pub fn map_inventory(inventory: &Inventory, cargo_home: Option<&Path>) -> Vec<LockMap> {
    let sources = cargo_home.map(CargoSources::index).unwrap_or_default();
    inventory
        .lockfiles
        .iter()
        .map(|lockfile| {
            let dir = Path::new(&lockfile.path).parent().unwrap_or(Path::new("."));
            let settings = ProjectSettings::read(dir);
            map_lockfile(lockfile, &settings, &sources)
        })
        .collect()
}

/// Maps one lockfile with the given project settings.
pub fn map_lockfile(
    lockfile: &Lockfile,
    settings: &ProjectSettings,
    sources: &CargoSources,
) -> LockMap {
    let entries = lockfile
        .packages
        .iter()
        .map(|package| {
            let (state, note) = state_from_lock(lockfile, package, sources);
            let gate = state
                .runs_code()
                .then(|| settings.gate(lockfile.format, package));
            LockEntry {
                ecosystem: package.ecosystem,
                name: package.name.clone(),
                version: package.version.clone(),
                purl: package.purl.clone(),
                state,
                evidence: Evidence {
                    path: lockfile.path.clone(),
                    line: package.line,
                    snippet: None,
                    note: Some(note),
                },
                gate,
            }
        })
        .collect();
    LockMap {
        lockfile: lockfile.path.clone(),
        format: lockfile.format,
        entries,
    }
}

fn runs(kind: CodeKind, note: &str) -> (CodeState, String) {
    (CodeState::RunsCode { kinds: vec![kind] }, note.to_owned())
}

fn state_from_lock(
    lockfile: &Lockfile,
    package: &Package,
    sources: &CargoSources,
) -> (CodeState, String) {
    use LockfileFormat::*;
    let hints = &package.install;
    let version = lockfile.format_version.as_deref().unwrap_or("");
    match lockfile.format {
        PackageLock | NpmShrinkwrap | PnpmLock | YarnClassic | YarnBerry | BunLock => {
            if hints.has_install_script == Some(true) {
                return runs(CodeKind::NpmScript, "hasInstallScript: true");
            }
            if hints.requires_build == Some(true) {
                return runs(CodeKind::NpmScript, "requiresBuild: true");
            }
            if let Source::Git { .. } = package.source {
                return runs(
                    CodeKind::NpmScript,
                    "git dependency: npm runs its prepare script when installing it",
                );
            }
            let recorded = match lockfile.format {
                PackageLock | NpmShrinkwrap => version != "1",
                PnpmLock => version.starts_with('5') || version.starts_with('6'),
                _ => false,
            };
            if recorded {
                (
                    CodeState::NoCode,
                    format!(
                        "{} {version} records install scripts; none here",
                        lockfile.format
                    ),
                )
            } else {
                (
                    CodeState::Unknown,
                    format!(
                        "{} {version} does not record install scripts",
                        lockfile.format
                    )
                    .replace("  ", " "),
                )
            }
        }
        UvLock | PoetryLock | PdmLock | PipfileLock | Pylock | Requirements => {
            python_state(package)
        }
        CargoLock => sources.state(package),
    }
}

fn python_state(package: &Package) -> (CodeState, String) {
    match &package.source {
        Source::Git { .. } | Source::Path { .. } | Source::Url { .. } => {
            return runs(CodeKind::SdistBuild, "built from source (git, path or URL)");
        }
        Source::Registry { .. } | Source::Unknown => {}
    }
    if let Some(answer) = wheel_answer(package, WheelTarget::host()) {
        return answer;
    }
    match package.install.sdist_only {
        Some(true) => runs(CodeKind::SdistBuild, "only an sdist is locked"),
        Some(false) => (
            CodeState::NoCode,
            "a wheel is locked (no code runs where it fits the platform)".to_owned(),
        ),
        None => {
            let has = |kind| package.artifacts.iter().any(|a| a.kind == kind);
            if has(ArtifactKind::Wheel) {
                (CodeState::NoCode, "a wheel is locked".to_owned())
            } else if has(ArtifactKind::Sdist) {
                runs(CodeKind::SdistBuild, "only an sdist is locked")
            } else {
                (CodeState::Unknown, "the lock names no artifacts".to_owned())
            }
        }
    }
}

/// What pip or uv installs of a locked Python registry package on a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonInstall<'a> {
    /// The locked wheels whose tags fit the target. [`WheelTarget`] does not know the
    /// interpreter's minor version, so every CPython 3 / `py3` / `abi3` wheel of the
    /// target's platform is here: a superset of the one the installer picks.
    Wheels(Vec<&'a Artifact>),
    /// No locked wheel fits and an sdist is locked: the installer builds it.
    Sdist(&'a Artifact),
    /// Nothing locked can be installed on the target (why).
    Nothing(String),
}

/// The locked artifacts of `package` that an installer on `target` may take: the fitting
/// wheels, else the sdist (which it builds).
pub fn python_install(package: &Package, target: WheelTarget) -> PythonInstall<'_> {
    let fitting: Vec<&Artifact> = named_wheels(package)
        .filter(|a| a.filename.as_deref().is_some_and(|name| target.fits(name)))
        .collect();
    if !fitting.is_empty() {
        return PythonInstall::Wheels(fitting);
    }
    if let Some(sdist) = package
        .artifacts
        .iter()
        .find(|a| a.kind == ArtifactKind::Sdist)
    {
        return PythonInstall::Sdist(sdist);
    }
    PythonInstall::Nothing(match named_wheels(package).count() {
        0 => "the lock names no artifacts".to_owned(),
        wheels => format!(
            "none of the {wheels} locked wheels fits {} and no sdist is locked",
            target.describe()
        ),
    })
}

/// The locked wheels with a file name (the tags are in it).
fn named_wheels(package: &Package) -> impl Iterator<Item = &Artifact> {
    package
        .artifacts
        .iter()
        .filter(|a| a.kind == ArtifactKind::Wheel && a.filename.is_some())
}

/// The answer from the locked wheels' file names, when the lock names wheels: a wheel that
/// fits `target` means no code runs; none fitting with an sdist locked means pip/uv build
/// the sdist. `None` when the lock names no wheel file.
fn wheel_answer(package: &Package, target: WheelTarget) -> Option<(CodeState, String)> {
    let wheels = named_wheels(package).count();
    if wheels == 0 {
        return None;
    }
    Some(match python_install(package, target) {
        PythonInstall::Wheels(fitting) => (
            CodeState::NoCode,
            format!(
                "the locked wheel {} fits {}",
                fitting
                    .first()
                    .and_then(|wheel| wheel.filename.as_deref())
                    .unwrap_or_default(),
                target.describe()
            ),
        ),
        PythonInstall::Sdist(_) => runs(
            CodeKind::SdistBuild,
            &format!(
                "none of the {wheels} locked wheels fits {}, so installing builds the sdist",
                target.describe()
            ),
        ),
        PythonInstall::Nothing(why) => (CodeState::Unknown, why),
    })
}

/// Crate sources unpacked under `$CARGO_HOME/registry/src/*/<name>-<version>/`.
#[derive(Debug, Clone, Default)]
pub struct CargoSources {
    dirs: HashMap<String, PathBuf>,
}

impl CargoSources {
    /// Lists the unpacked crates under `cargo_home` (cheap: one directory listing per
    /// registry).
    pub fn index(cargo_home: &Path) -> CargoSources {
        let mut dirs = HashMap::new();
        let Ok(registries) = std::fs::read_dir(cargo_home.join("registry").join("src")) else {
            return CargoSources { dirs };
        };
        for registry in registries.flatten() {
            let Ok(crates) = std::fs::read_dir(registry.path()) else {
                continue;
            };
            for krate in crates.flatten() {
                dirs.insert(
                    krate.file_name().to_string_lossy().into_owned(),
                    krate.path(),
                );
            }
        }
        CargoSources { dirs }
    }

    /// The default cargo home: `$CARGO_HOME`, else `$HOME/.cargo`.
    pub fn default_home() -> Option<PathBuf> {
        std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
    }

    fn state(&self, package: &Package) -> (CodeState, String) {
        let unknown = || {
            (
                CodeState::Unknown,
                "Cargo.lock does not record build scripts or proc-macros".to_owned(),
            )
        };
        if !matches!(package.source, Source::Registry { .. }) {
            return unknown();
        }
        let Some(dir) = self
            .dirs
            .get(&format!("{}-{}", package.name, package.version))
        else {
            return unknown();
        };
        let Ok(manifest) = std::fs::read(dir.join("Cargo.toml")) else {
            return unknown();
        };
        let mut entries = vec![("Cargo.toml".to_owned(), manifest)];
        if dir.join("build.rs").is_file() {
            entries.push(("build.rs".to_owned(), Vec::new()));
        }
        match crate::hooks::map_hooks(&package.name, &PackageFiles::from_entries(entries)) {
            Ok(map) => (
                map.state,
                format!("from the unpacked source {}", dir.display()),
            ),
            Err(_) => unknown(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A package whose locked wheels are all for another platform is built from its sdist.
    #[test]
    fn wheels_for_another_platform_mean_an_sdist_build() {
        let artifact = |kind, filename: &str| tollgate_model::Artifact {
            kind,
            filename: Some(filename.to_owned()),
            url: None,
            hashes: Vec::new(),
            size: None,
            upload_time: None,
        };
        let mut package = Package::new(tollgate_model::Ecosystem::PyPI, "pyyaml", "6.0.2");
        package.artifacts = vec![
            artifact(ArtifactKind::Sdist, "pyyaml-6.0.2.tar.gz"),
            artifact(
                ArtifactKind::Wheel,
                "PyYAML-6.0.2-cp312-cp312-macosx_11_0_arm64.whl",
            ),
        ];
        let linux = WheelTarget {
            os: "linux",
            arch: "x86_64",
        };
        let mac = WheelTarget {
            os: "macos",
            arch: "aarch64",
        };
        let (state, note) = wheel_answer(&package, linux).unwrap();
        assert!(state.runs_code(), "{note}");
        assert!(note.contains("linux x86_64"), "{note}");
        assert_eq!(wheel_answer(&package, mac).unwrap().0, CodeState::NoCode);
        package.artifacts.remove(0);
        assert_eq!(wheel_answer(&package, linux).unwrap().0, CodeState::Unknown);
        package.artifacts.clear();
        assert!(wheel_answer(&package, linux).is_none());
    }

    /// What uv installs, from a uv.lock: the fitting wheels (every CPython 3 build of the
    /// platform), else the sdist; nothing for a package locked for another platform only.
    #[test]
    fn the_artifacts_uv_installs_from_a_uv_lock() {
        let lock = r#"version = 1
revision = 2
requires-python = ">=3.9"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "pyyaml" }, { name = "six" }, { name = "onlysdist" }, { name = "pywin32" }]

[[package]]
name = "pyyaml"
version = "6.0.2"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/pyyaml-6.0.2.tar.gz", hash = "sha256:aa", size = 1 }
wheels = [
    { url = "https://files.example/PyYAML-6.0.2-cp311-cp311-macosx_11_0_arm64.whl", hash = "sha256:bb", size = 1 },
    { url = "https://files.example/PyYAML-6.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:cc", size = 1 },
    { url = "https://files.example/PyYAML-6.0.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:dd", size = 1 },
    { url = "https://files.example/PyYAML-6.0.2-cp312-cp312-win_amd64.whl", hash = "sha256:ee", size = 1 },
]

[[package]]
name = "six"
version = "1.16.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/six-1.16.0.tar.gz", hash = "sha256:ff", size = 1 }
wheels = [{ url = "https://files.example/six-1.16.0-py2.py3-none-any.whl", hash = "sha256:11", size = 1 }]

[[package]]
name = "onlysdist"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/onlysdist-1.0.tar.gz", hash = "sha256:22", size = 1 }

[[package]]
name = "pywin32"
version = "306"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/pywin32-306-cp312-cp312-win_amd64.whl", hash = "sha256:33", size = 1 }]
"#;
        let parsed = tollgate_lockfile::parse_str("uv.lock", lock, LockfileFormat::UvLock)
            .expect("the lock parses");
        let linux = WheelTarget {
            os: "linux",
            arch: "x86_64",
        };
        let chosen = |name: &str, target| {
            let package = parsed.packages.iter().find(|p| p.name == name).unwrap();
            match python_install(package, target) {
                PythonInstall::Wheels(wheels) => wheels
                    .iter()
                    .map(|w| w.filename.clone().unwrap_or_default())
                    .collect::<Vec<_>>(),
                PythonInstall::Sdist(sdist) => vec![format!(
                    "build {}",
                    sdist.filename.clone().unwrap_or_default()
                )],
                PythonInstall::Nothing(why) => vec![format!("nothing: {why}")],
            }
        };
        assert_eq!(
            chosen("pyyaml", linux),
            [
                "PyYAML-6.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                "PyYAML-6.0.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            ]
        );
        let mac = WheelTarget {
            os: "macos",
            arch: "aarch64",
        };
        assert_eq!(
            chosen("pyyaml", mac),
            ["PyYAML-6.0.2-cp311-cp311-macosx_11_0_arm64.whl"]
        );
        assert_eq!(chosen("six", linux), ["six-1.16.0-py2.py3-none-any.whl"]);
        assert_eq!(chosen("onlysdist", linux), ["build onlysdist-1.0.tar.gz"]);
        assert_eq!(
            chosen("pywin32", linux),
            ["nothing: none of the 1 locked wheels fits linux x86_64 and no sdist is locked"]
        );
        assert!(
            parsed.packages.iter().all(|p| p.name != "app"),
            "the project itself is not a locked package"
        );
        let six = parsed.packages.iter().find(|p| p.name == "six").unwrap();
        let PythonInstall::Wheels(wheels) = python_install(six, linux) else {
            panic!("six has a wheel");
        };
        assert_eq!(
            wheels[0].hashes[0].digest, "11",
            "the wheel keeps its own hash"
        );
    }

    fn lockfile(format: LockfileFormat, version: &str, packages: Vec<Package>) -> Lockfile {
        let mut lockfile = Lockfile::new("p/lock", format);
        lockfile.format_version = Some(version.to_owned());
        lockfile.packages = packages;
        lockfile
    }

    #[test]
    fn package_lock_hints() {
        let mut scripted = Package::new(Ecosystem::Npm, "esbuild", "0.25.0");
        scripted.install.has_install_script = Some(true);
        scripted.line = Some(7);
        let plain = Package::new(Ecosystem::Npm, "ms", "2.1.3");
        let map = map_lockfile(
            &lockfile(
                LockfileFormat::PackageLock,
                "3",
                vec![scripted, plain.clone()],
            ),
            &ProjectSettings::default(),
            &CargoSources::default(),
        );
        assert_eq!(map.entries[0].state.label(), "runs-code (npm-script)");
        assert_eq!(map.entries[0].evidence.line, Some(7));
        assert!(map.entries[0].gate.is_some());
        assert_eq!(map.entries[1].state, CodeState::NoCode);
        let v1 = map_lockfile(
            &lockfile(LockfileFormat::PackageLock, "1", vec![plain]),
            &ProjectSettings::default(),
            &CargoSources::default(),
        );
        assert_eq!(v1.entries[0].state, CodeState::Unknown);
    }

    #[test]
    fn python_and_cargo() {
        let mut sdist = Package::new(Ecosystem::PyPI, "a", "1");
        sdist.install.sdist_only = Some(true);
        let mut wheel = Package::new(Ecosystem::PyPI, "b", "1");
        wheel.install.sdist_only = Some(false);
        let map = map_lockfile(
            &lockfile(LockfileFormat::UvLock, "1", vec![sdist, wheel]),
            &ProjectSettings::default(),
            &CargoSources::default(),
        );
        assert!(map.entries[0].state.runs_code());
        assert_eq!(map.entries[1].state, CodeState::NoCode);
        let krate = Package::new(Ecosystem::CratesIo, "serde", "1.0.0");
        let cargo = map_lockfile(
            &lockfile(LockfileFormat::CargoLock, "4", vec![krate]),
            &ProjectSettings::default(),
            &CargoSources::default(),
        );
        assert_eq!(cargo.entries[0].state, CodeState::Unknown);
        let totals = counts(&[map, cargo]);
        assert_eq!(
            totals[1].1,
            Counts {
                packages: 2,
                runs_code: 1,
                blocked: 0,
                no_code: 1,
                unknown: 0
            }
        );
    }
}
