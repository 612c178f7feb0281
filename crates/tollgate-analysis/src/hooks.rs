//! The exact map from a package's own files: which hooks run code at install or build
//! time, and which files of the package they run first.
//!
//! - npm: `package.json` `scripts.preinstall` / `install` / `postinstall` (npm does not
//!   run `prepare` for registry dependencies), and `binding.gyp`, which makes npm run
//!   `node-gyp rebuild` when there is no `install` or `preinstall` script (unless
//!   `"gypfile": false`).
//! - Python: a source distribution runs its build backend (`pyproject.toml`
//!   `[build-system]`, setuptools when absent); the files it runs first are `setup.py`,
//!   an in-tree backend (`backend-path`), and the backends' custom hooks (`hatch_build.py`,
//!   `pdm_build.py`, Poetry's `build.py`). A wheel runs nothing.
//! - Rust: `build.rs` (or the `package.build` key) and a `[lib] proc-macro = true`
//!   library; `package.links` is recorded.

use tollgate_model::{Ecosystem, Evidence};

use crate::error::AnalysisError;
use crate::files::PackageFiles;
use crate::model::{CodeState, Hook, Phase};

/// What a package's manifest says about install-time code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookMap {
    /// The package's ecosystem, from the manifest found.
    pub ecosystem: Ecosystem,
    /// Name from the manifest ("" when it has none).
    pub name: String,
    /// Version from the manifest ("" when it has none).
    pub version: String,
    /// The hooks, in the order they run.
    pub hooks: Vec<Hook>,
    /// Whether any code runs.
    pub state: CodeState,
    /// What could not be read.
    pub notes: Vec<String>,
}

/// npm lifecycle scripts that run when a package is installed as a dependency.
const NPM_INSTALL_SCRIPTS: [(&str, Phase); 3] = [
    ("preinstall", Phase::Preinstall),
    ("install", Phase::Install),
    ("postinstall", Phase::Postinstall),
];

/// Finds the manifest of a package and maps its hooks. `display` names the package in
/// errors.
pub fn map_hooks(display: &str, files: &PackageFiles) -> Result<HookMap, AnalysisError> {
    // PKG-INFO first: maturin sdists also carry a Cargo.toml, some carry a package.json.
    let map = if files.contains("PKG-INFO") {
        Ok(python_sdist(files))
    } else if files.contains("package.json") {
        npm(files)
    } else if files.contains("Cargo.toml") {
        cargo(files)
    } else if is_wheel(files) {
        Ok(python_wheel(files))
    } else if ["PKG-INFO", "setup.py", "pyproject.toml", "setup.cfg"]
        .iter()
        .any(|f| files.contains(f))
        // No manifest, but Python modules: judged as the Python package it is rather than
        // refused unread (an attacker need not ship metadata for its code to run).
        || files.paths().any(|p| p.ends_with(".py"))
    {
        Ok(python_sdist(files))
    } else {
        Err(AnalysisError::NoManifest {
            path: display.to_owned(),
        })
    }?;
    Ok(map)
}

fn state_of(hooks: &[Hook]) -> CodeState {
    if hooks.is_empty() {
        return CodeState::NoCode;
    }
    let mut kinds: Vec<_> = hooks.iter().map(|h| h.phase.kind()).collect();
    kinds.sort();
    kinds.dedup();
    CodeState::RunsCode { kinds }
}

/// The 1-based line of the first occurrence of `needle` in `text`.
pub(crate) fn line_of_text(text: &str, needle: &str) -> Option<u32> {
    let offset = text.find(needle)?;
    let newlines = text.get(..offset)?.bytes().filter(|b| *b == b'\n').count();
    u32::try_from(newlines + 1).ok()
}

fn evidence(path: &str, text: &str, needle: &str, note: impl Into<String>) -> Evidence {
    let line = line_of_text(text, needle);
    let snippet = line
        .and_then(|l| text.lines().nth(l as usize - 1))
        .map(|s| crate::shorten(s.trim(), 160));
    Evidence {
        path: path.to_owned(),
        line,
        snippet,
        note: Some(note.into()),
    }
}

fn npm(files: &PackageFiles) -> Result<HookMap, AnalysisError> {
    let text = files.text("package.json").unwrap_or_default();
    let mut notes = Vec::new();
    let manifest: serde_json::Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(error) => {
            notes.push(format!(
                "package.json:{}: not valid JSON ({error}); npm would refuse to install it",
                error.line()
            ));
            serde_json::Value::Null
        }
    };
    let field = |key: &str| {
        manifest
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let scripts = manifest.get("scripts").and_then(|s| s.as_object());
    let mut hooks = Vec::new();
    for (key, phase) in NPM_INSTALL_SCRIPTS {
        if let Some(command) = scripts.and_then(|s| s.get(key)).and_then(|c| c.as_str()) {
            hooks.push(Hook {
                phase,
                command: Some(command.to_owned()),
                entry_files: Vec::new(),
                evidence: evidence(
                    "package.json",
                    &text,
                    &format!("\"{key}\""),
                    format!("scripts.{key}"),
                ),
            });
        }
    }
    let has_own_install = hooks
        .iter()
        .any(|h| matches!(h.phase, Phase::Preinstall | Phase::Install));
    let gyp_disabled = manifest.get("gypfile").and_then(|v| v.as_bool()) == Some(false);
    if files.contains("binding.gyp") && !has_own_install && !gyp_disabled {
        hooks.insert(
            0,
            Hook {
                phase: Phase::NodeGyp,
                command: Some("node-gyp rebuild".to_owned()),
                entry_files: vec!["binding.gyp".to_owned()],
                evidence: Evidence {
                    path: "binding.gyp".to_owned(),
                    line: None,
                    snippet: None,
                    note: Some("binding.gyp without an install or preinstall script: npm runs `node-gyp rebuild`".to_owned()),
                },
            },
        );
    }
    Ok(HookMap {
        ecosystem: Ecosystem::Npm,
        name: field("name"),
        version: field("version"),
        state: state_of(&hooks),
        hooks,
        notes,
    })
}

fn is_wheel(files: &PackageFiles) -> bool {
    files
        .paths()
        .any(|p| p.ends_with(".dist-info/WHEEL") && p.matches('/').count() == 1)
}

fn python_wheel(files: &PackageFiles) -> HookMap {
    let metadata = files
        .paths()
        .find(|p| p.ends_with(".dist-info/METADATA"))
        .and_then(|p| files.text(p))
        .unwrap_or_default();
    HookMap {
        ecosystem: Ecosystem::PyPI,
        name: metadata_field(&metadata, "Name"),
        version: metadata_field(&metadata, "Version"),
        hooks: Vec::new(),
        state: CodeState::NoCode,
        notes: vec!["a wheel: installing it runs no code (its .pth files run at interpreter start-up, not at install)".to_owned()],
    }
}

/// A `Key: value` header of PKG-INFO / METADATA.
fn metadata_field(text: &str, key: &str) -> String {
    text.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(key).and_then(|rest| rest.strip_prefix(':')))
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

fn python_sdist(files: &PackageFiles) -> HookMap {
    let pkg_info = files.text("PKG-INFO").unwrap_or_default();
    let pyproject_text = files.text("pyproject.toml").unwrap_or_default();
    let mut notes = Vec::new();
    let pyproject: toml::Table = if pyproject_text.is_empty() {
        toml::Table::new()
    } else {
        pyproject_text.parse().unwrap_or_else(|error| {
            notes.push(format!("pyproject.toml: not valid TOML ({error})"));
            toml::Table::new()
        })
    };
    let build_system = pyproject.get("build-system").and_then(|b| b.as_table());
    let backend = build_system
        .and_then(|b| b.get("build-backend"))
        .and_then(|b| b.as_str())
        .unwrap_or("setuptools.build_meta:__legacy__")
        .to_owned();
    let mut hooks = Vec::new();
    if files.contains("setup.py") {
        hooks.push(Hook {
            phase: Phase::SetupPy,
            command: Some(backend.clone()),
            entry_files: vec!["setup.py".to_owned()],
            evidence: Evidence {
                path: "setup.py".to_owned(),
                line: None,
                snippet: None,
                note: Some(format!("run by the build backend `{backend}`")),
            },
        });
    }
    let mut backend_files = Vec::new();
    if let Some(paths) = build_system
        .and_then(|b| b.get("backend-path"))
        .and_then(|p| p.as_array())
    {
        let module = backend.split(':').next().unwrap_or("").replace('.', "/");
        for dir in paths.iter().filter_map(|p| p.as_str()) {
            let dir = dir.trim_start_matches("./").trim_end_matches('/');
            let base = if dir.is_empty() || dir == "." {
                module.clone()
            } else {
                format!("{dir}/{module}")
            };
            for candidate in [format!("{base}.py"), format!("{base}/__init__.py")] {
                if files.contains(&candidate) {
                    backend_files.push(candidate);
                }
            }
        }
    }
    for custom in custom_build_hooks(&pyproject) {
        if files.contains(&custom) {
            backend_files.push(custom);
        }
    }
    if !backend_files.is_empty() || hooks.is_empty() {
        hooks.push(Hook {
            phase: Phase::BuildBackend,
            command: Some(backend.clone()),
            entry_files: backend_files,
            evidence: evidence(
                "pyproject.toml",
                &pyproject_text,
                "build-backend",
                format!("building the sdist runs `{backend}`"),
            ),
        });
    }
    if files.contains("Cargo.toml") {
        // A Rust extension (maturin, setuptools-rust): building the sdist runs cargo,
        // and with it the crate's own build script and proc-macros.
        if let Ok(rust) = cargo(files) {
            hooks.extend(rust.hooks);
        }
    }
    HookMap {
        ecosystem: Ecosystem::PyPI,
        name: metadata_field(&pkg_info, "Name"),
        version: metadata_field(&pkg_info, "Version"),
        state: state_of(&hooks),
        hooks,
        notes,
    }
}

/// Files that PEP 517 backends import from the source tree while building.
fn custom_build_hooks(pyproject: &toml::Table) -> Vec<String> {
    let tool = pyproject.get("tool").and_then(|t| t.as_table());
    let get = |path: &[&str]| -> Option<&toml::Value> {
        let mut value = tool?.get(*path.first()?)?;
        for key in path.get(1..)? {
            value = value.get(*key)?;
        }
        Some(value)
    };
    let mut found = Vec::new();
    if let Some(custom) = get(&["hatch", "build", "hooks", "custom"]) {
        let path = custom
            .get("path")
            .and_then(|p| p.as_str())
            .unwrap_or("hatch_build.py");
        found.push(path.to_owned());
    }
    if let Some(script) = get(&["poetry", "build", "script"]).and_then(|s| s.as_str()) {
        found.push(script.to_owned());
    } else if let Some(script) = get(&["poetry", "build"]).and_then(|s| s.as_str()) {
        found.push(script.to_owned());
    }
    if tool.is_some_and(|t| t.contains_key("pdm")) {
        found.push("pdm_build.py".to_owned());
    }
    found
}

fn cargo(files: &PackageFiles) -> Result<HookMap, AnalysisError> {
    let text = files.text("Cargo.toml").unwrap_or_default();
    let mut notes = Vec::new();
    let manifest: toml::Table = text.parse().unwrap_or_else(|error| {
        notes.push(format!("Cargo.toml: not valid TOML ({error})"));
        toml::Table::new()
    });
    let package = manifest.get("package").and_then(|p| p.as_table());
    let field = |key: &str| {
        package
            .and_then(|p| p.get(key))
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let mut hooks = Vec::new();
    let build_script = match package.and_then(|p| p.get("build")) {
        Some(toml::Value::String(path)) => Some(path.clone()),
        Some(toml::Value::Boolean(false)) => None,
        _ => files.contains("build.rs").then(|| "build.rs".to_owned()),
    };
    let links = field("links");
    if let Some(path) = build_script {
        let note = if links.is_empty() {
            "build script".to_owned()
        } else {
            format!("build script; links = \"{links}\" (a native library)")
        };
        hooks.push(Hook {
            phase: Phase::BuildRs,
            command: None,
            entry_files: vec![path],
            evidence: evidence("Cargo.toml", &text, "build", note),
        });
    }
    let lib = manifest.get("lib").and_then(|l| l.as_table());
    let proc_macro = lib
        .and_then(|l| l.get("proc-macro").or_else(|| l.get("proc_macro")))
        .and_then(|v| v.as_bool())
        == Some(true);
    if proc_macro {
        let path = lib
            .and_then(|l| l.get("path"))
            .and_then(|p| p.as_str())
            .unwrap_or("src/lib.rs")
            .to_owned();
        hooks.push(Hook {
            phase: Phase::ProcMacro,
            command: None,
            entry_files: vec![path],
            evidence: evidence("Cargo.toml", &text, "proc-macro", "[lib] proc-macro = true"),
        });
    }
    Ok(HookMap {
        ecosystem: Ecosystem::CratesIo,
        name: field("name"),
        version: field("version"),
        state: state_of(&hooks),
        hooks,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> PackageFiles {
        PackageFiles::from_texts(entries)
    }

    #[test]
    fn npm_scripts_and_implicit_node_gyp() {
        let map = map_hooks(
            "x",
            &files(&[
                ("package.json", "{\"name\":\"a\",\"version\":\"1.0.0\",\n\"scripts\":{\"prepare\":\"tsc\",\n\"postinstall\":\"node x.js\"}}"),
                ("binding.gyp", "{}"),
            ]),
        )
        .unwrap();
        let phases: Vec<Phase> = map.hooks.iter().map(|h| h.phase).collect();
        assert_eq!(phases, [Phase::NodeGyp, Phase::Postinstall]);
        assert_eq!(map.hooks[1].evidence.line, Some(3));
        let own_install = map_hooks(
            "x",
            &files(&[
                (
                    "package.json",
                    "{\"scripts\":{\"install\":\"prebuild-install || node-gyp rebuild\"}}",
                ),
                ("binding.gyp", "{}"),
            ]),
        )
        .unwrap();
        assert_eq!(own_install.hooks.len(), 1);
        assert_eq!(own_install.hooks[0].phase, Phase::Install);
    }

    #[test]
    fn npm_package_without_hooks_runs_no_code() {
        let map = map_hooks(
            "x",
            &files(&[("package.json", "{\"scripts\":{\"test\":\"jest\"}}")]),
        )
        .unwrap();
        assert_eq!(map.state, CodeState::NoCode);
    }

    #[test]
    fn cargo_build_script_proc_macro_and_build_false() {
        let map = map_hooks(
            "x",
            &files(&[
                ("Cargo.toml", "[package]\nname = \"m\"\nversion = \"1.0.0\"\nbuild = \"build.rs\"\nlinks = \"z\"\n[lib]\nproc-macro = true\n"),
                ("build.rs", "fn main(){}"),
            ]),
        )
        .unwrap();
        let phases: Vec<Phase> = map.hooks.iter().map(|h| h.phase).collect();
        assert_eq!(phases, [Phase::BuildRs, Phase::ProcMacro]);
        assert_eq!(map.hooks[0].evidence.line, Some(4));
        let disabled = map_hooks(
            "x",
            &files(&[
                ("Cargo.toml", "[package]\nname = \"m\"\nbuild = false\n"),
                ("build.rs", ""),
            ]),
        )
        .unwrap();
        assert_eq!(disabled.state, CodeState::NoCode);
    }

    #[test]
    fn sdist_hooks() {
        let map = map_hooks(
            "x",
            &files(&[
                ("PKG-INFO", "Metadata-Version: 2.1\nName: demo\nVersion: 0.1\n\nbody"),
                ("setup.py", "from setuptools import setup\nsetup()"),
                ("pyproject.toml", "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n"),
            ]),
        )
        .unwrap();
        assert_eq!(map.name, "demo");
        assert_eq!(map.hooks.len(), 1);
        assert_eq!(map.hooks[0].phase, Phase::SetupPy);
        let in_tree = map_hooks(
            "x",
            &files(&[
                ("PKG-INFO", "Name: b\n"),
                (
                    "pyproject.toml",
                    "[build-system]\nbuild-backend = \"backend\"\nbackend-path = [\"_build\"]\n",
                ),
                ("_build/backend.py", "def build_wheel(): pass"),
            ]),
        )
        .unwrap();
        assert_eq!(in_tree.hooks[0].phase, Phase::BuildBackend);
        assert_eq!(in_tree.hooks[0].entry_files, ["_build/backend.py"]);
    }

    #[test]
    fn maturin_sdist_is_python_and_runs_its_build_script() {
        let map = map_hooks(
            "x",
            &files(&[
                ("PKG-INFO", "Name: fast\nVersion: 1.0\n"),
                (
                    "pyproject.toml",
                    "[build-system]\nbuild-backend = \"maturin\"\n",
                ),
                (
                    "Cargo.toml",
                    "[package]\nname = \"fast\"\nversion = \"1.0.0\"\n",
                ),
                ("build.rs", "fn main(){}"),
            ]),
        )
        .unwrap();
        assert_eq!(map.ecosystem, Ecosystem::PyPI);
        let phases: Vec<Phase> = map.hooks.iter().map(|h| h.phase).collect();
        assert_eq!(phases, [Phase::BuildBackend, Phase::BuildRs]);
    }

    #[test]
    fn wheels_run_nothing() {
        let map = map_hooks(
            "x",
            &files(&[
                ("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0"),
                ("demo-1.0.dist-info/METADATA", "Name: demo\nVersion: 1.0\n"),
            ]),
        )
        .unwrap();
        assert_eq!(map.state, CodeState::NoCode);
        assert_eq!(map.version, "1.0");
    }
}
