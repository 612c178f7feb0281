//! The package manager's own gate on install-time code, read from the project files next
//! to a lockfile: npm `ignore-scripts` (.npmrc) and `allowScripts` (package.json, also
//! LavaMoat's `lavamoat.allowScripts`), pnpm `allowBuilds` / `onlyBuiltDependencies` /
//! `neverBuiltDependencies` / `dangerouslyAllowAllBuilds` (pnpm-workspace.yaml or the
//! `pnpm` key of package.json), Bun `trustedDependencies`, Yarn Berry `enableScripts`
//! (.yarnrc.yml) and `dependenciesMeta.<name>.built`, uv `no-build` /
//! `no-build-package` (`[tool.uv]` of pyproject.toml, uv.toml).
//!
//! The semantics of each setting are documented, with their uncertainties, in
//! `docs/install-time-code.md`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tollgate_model::{Evidence, LockfileFormat, Package};

use crate::hooks::line_of_text;

/// Whether the package manager lets a package's install-time code run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "gate", rename_all = "kebab-case")]
pub enum Gate {
    /// It runs.
    Open {
        /// Why (a setting that allows it, or the tool's default).
        reason: String,
        /// The setting, when one allows it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evidence: Option<Evidence>,
    },
    /// The project's settings stop it.
    Blocked {
        /// Why.
        reason: String,
        /// The setting.
        evidence: Evidence,
    },
    /// It depends on the package manager's version or built-in lists.
    Conditional {
        /// On what.
        reason: String,
    },
}

impl Gate {
    /// A short label: `open`, `blocked`, `conditional`.
    pub fn label(&self) -> &'static str {
        match self {
            Gate::Open { .. } => "open",
            Gate::Blocked { .. } => "blocked",
            Gate::Conditional { .. } => "conditional",
        }
    }

    fn open(reason: &str) -> Gate {
        Gate::Open {
            reason: reason.to_owned(),
            evidence: None,
        }
    }
}

/// A list or map of package names, with where it was set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameSetting {
    /// Name → allowed (lists give `true` for every entry).
    pub names: BTreeMap<String, bool>,
    /// Where it is set.
    pub evidence: Option<Evidence>,
}

impl NameSetting {
    fn is_set(&self) -> bool {
        self.evidence.is_some()
    }

    /// The entry for `name`, matching `name` and `name@version` keys.
    fn lookup(&self, package: &Package) -> Option<bool> {
        self.names
            .iter()
            .find(|(key, _)| {
                let key = key.as_str();
                key == package.name
                    || key
                        .strip_prefix(package.name.as_str())
                        .and_then(|rest| rest.strip_prefix('@'))
                        .is_some_and(|v| v == package.version || v == "*")
            })
            .map(|(_, allowed)| *allowed)
    }
}

/// Every gate setting found next to a lockfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectSettings {
    /// `.npmrc` / `.yarnrc` `ignore-scripts=true`.
    pub ignore_scripts: Option<Evidence>,
    /// package.json `allowScripts` or `lavamoat.allowScripts`.
    pub npm_allow_scripts: NameSetting,
    /// pnpm `allowBuilds` (pnpm 11).
    pub pnpm_allow_builds: NameSetting,
    /// pnpm `onlyBuiltDependencies` (pnpm 10).
    pub pnpm_only_built: NameSetting,
    /// pnpm `neverBuiltDependencies`.
    pub pnpm_never_built: NameSetting,
    /// pnpm `dangerouslyAllowAllBuilds: true`.
    pub pnpm_allow_all: Option<Evidence>,
    /// Bun `trustedDependencies`.
    pub bun_trusted: NameSetting,
    /// Yarn Berry `enableScripts: false`.
    pub yarn_scripts_disabled: Option<Evidence>,
    /// Yarn `dependenciesMeta.<name>.built`.
    pub yarn_built: NameSetting,
    /// uv `no-build = true`.
    pub uv_no_build: Option<Evidence>,
    /// uv `no-build-package`.
    pub uv_no_build_package: NameSetting,
}

impl ProjectSettings {
    /// Reads the settings files in `dir` (missing or unreadable files are skipped: the
    /// gate then falls back to the tool's default, which is stated).
    pub fn read(dir: &Path) -> ProjectSettings {
        let mut settings = ProjectSettings::default();
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
        let shown = |name: &str| dir.join(name).display().to_string();
        for rc in [".npmrc", ".yarnrc"] {
            if let Some(text) = read(rc) {
                settings.ignore_scripts = settings
                    .ignore_scripts
                    .take()
                    .or_else(|| ignore_scripts(&shown(rc), &text));
            }
        }
        if let Some(text) = read("package.json") {
            settings.package_json(&shown("package.json"), &text);
        }
        if let Some(text) = read("pnpm-workspace.yaml") {
            settings.pnpm_workspace(&shown("pnpm-workspace.yaml"), &text);
        }
        if let Some(text) = read(".yarnrc.yml") {
            if let Some(line) =
                yaml_top_level(&text, "enableScripts").filter(|(v, _)| v.trim() == "false")
            {
                settings.yarn_scripts_disabled = Some(evidence(
                    &shown(".yarnrc.yml"),
                    Some(line.1),
                    "enableScripts: false",
                ));
            }
        }
        if let Some(text) = read("pyproject.toml") {
            settings.uv(&shown("pyproject.toml"), &text, &["tool", "uv"]);
        }
        if let Some(text) = read("uv.toml") {
            settings.uv(&shown("uv.toml"), &text, &[]);
        }
        settings
    }

    fn package_json(&mut self, path: &str, text: &str) {
        let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
            return;
        };
        let allow = json
            .get("allowScripts")
            .map(|v| ("allowScripts", v))
            .or_else(|| {
                json.pointer("/lavamoat/allowScripts")
                    .map(|v| ("allowScripts", v))
            });
        if let Some((key, value)) = allow {
            self.npm_allow_scripts = names_from_json(path, text, key, value);
        }
        if let Some(pnpm) = json.get("pnpm") {
            for (key, target) in [
                ("allowBuilds", &mut self.pnpm_allow_builds),
                ("onlyBuiltDependencies", &mut self.pnpm_only_built),
                ("neverBuiltDependencies", &mut self.pnpm_never_built),
            ] {
                if let Some(value) = pnpm.get(key) {
                    *target = names_from_json(path, text, key, value);
                }
            }
            if pnpm
                .get("dangerouslyAllowAllBuilds")
                .and_then(|v| v.as_bool())
                == Some(true)
            {
                self.pnpm_allow_all = Some(evidence(
                    path,
                    line_of_text(text, "dangerouslyAllowAllBuilds"),
                    "dangerouslyAllowAllBuilds: true",
                ));
            }
        }
        if let Some(value) = json.get("trustedDependencies") {
            self.bun_trusted = names_from_json(path, text, "trustedDependencies", value);
        }
        if let Some(meta) = json.get("dependenciesMeta").and_then(|m| m.as_object()) {
            let mut names = BTreeMap::new();
            for (name, settings) in meta {
                if let Some(built) = settings.get("built").and_then(|b| b.as_bool()) {
                    names.insert(name.clone(), built);
                }
            }
            if !names.is_empty() {
                self.yarn_built = NameSetting {
                    names,
                    evidence: Some(evidence(
                        path,
                        line_of_text(text, "dependenciesMeta"),
                        "dependenciesMeta.<name>.built",
                    )),
                };
            }
        }
    }

    fn pnpm_workspace(&mut self, path: &str, text: &str) {
        for (key, target) in [
            ("allowBuilds", &mut self.pnpm_allow_builds),
            ("onlyBuiltDependencies", &mut self.pnpm_only_built),
            ("neverBuiltDependencies", &mut self.pnpm_never_built),
        ] {
            if let Some((names, line)) = yaml_names(text, key) {
                *target = NameSetting {
                    names,
                    evidence: Some(evidence(path, Some(line), key)),
                };
            }
        }
        if let Some((value, line)) = yaml_top_level(text, "dangerouslyAllowAllBuilds") {
            if value.trim() == "true" {
                self.pnpm_allow_all = Some(evidence(
                    path,
                    Some(line),
                    "dangerouslyAllowAllBuilds: true",
                ));
            }
        }
    }

    fn uv(&mut self, path: &str, text: &str, table_path: &[&str]) {
        let Ok(table) = text.parse::<toml::Table>() else {
            return;
        };
        let mut value: Option<&toml::Table> = Some(&table);
        for key in table_path {
            value = value.and_then(|t| t.get(*key)).and_then(|v| v.as_table());
        }
        let Some(uv) = value else {
            return;
        };
        if uv.get("no-build").and_then(|v| v.as_bool()) == Some(true) {
            self.uv_no_build = Some(evidence(
                path,
                line_of_text(text, "no-build"),
                "no-build = true",
            ));
        }
        if let Some(list) = uv.get("no-build-package").and_then(|v| v.as_array()) {
            let names = list
                .iter()
                .filter_map(|v| v.as_str())
                .map(|n| {
                    (
                        tollgate_model::normalize_name(tollgate_model::Ecosystem::PyPI, n),
                        true,
                    )
                })
                .collect();
            self.uv_no_build_package = NameSetting {
                names,
                evidence: Some(evidence(
                    path,
                    line_of_text(text, "no-build-package"),
                    "no-build-package",
                )),
            };
        }
    }

    /// The gate for one package of a lockfile of `format`.
    pub fn gate(&self, format: LockfileFormat, package: &Package) -> Gate {
        use LockfileFormat::*;
        match format {
            PackageLock | NpmShrinkwrap => self.npm_gate(package),
            PnpmLock => self.pnpm_gate(package),
            BunLock => self.bun_gate(package),
            YarnBerry | YarnClassic => self.yarn_gate(format, package),
            UvLock => self.uv_gate(package),
            PoetryLock | PdmLock | PipfileLock | Pylock | Requirements => Gate::open(
                "the installer builds an sdist whenever no wheel fits (pip's --only-binary is a command-line choice tollgate cannot see)",
            ),
            CargoLock => Gate::open("cargo always runs build scripts and proc-macros"),
        }
    }

    fn blocked_by_ignore_scripts(&self) -> Option<Gate> {
        self.ignore_scripts.clone().map(|evidence| Gate::Blocked {
            reason: "ignore-scripts=true: no lifecycle script runs".to_owned(),
            evidence,
        })
    }

    fn npm_gate(&self, package: &Package) -> Gate {
        if let Some(gate) = self.blocked_by_ignore_scripts() {
            return gate;
        }
        allow_list(&self.npm_allow_scripts, package, "allowScripts").unwrap_or_else(|| {
            Gate::Conditional {
                reason: "no allowScripts: npm up to 11 runs dependency install scripts; npm 12 blocks scripts not allowed".to_owned(),
            }
        })
    }

    fn pnpm_gate(&self, package: &Package) -> Gate {
        if let Some(gate) = self.blocked_by_ignore_scripts() {
            return gate;
        }
        if let Some(evidence) = &self.pnpm_allow_all {
            return Gate::Open {
                reason: "dangerouslyAllowAllBuilds: every dependency may build".to_owned(),
                evidence: Some(evidence.clone()),
            };
        }
        if let Some(gate) = allow_list(&self.pnpm_allow_builds, package, "allowBuilds")
            .or_else(|| allow_list(&self.pnpm_only_built, package, "onlyBuiltDependencies"))
        {
            return gate;
        }
        if self.pnpm_never_built.lookup(package).is_some() {
            if let Some(evidence) = self.pnpm_never_built.evidence.clone() {
                return Gate::Blocked {
                    reason: "listed in neverBuiltDependencies".to_owned(),
                    evidence,
                };
            }
        }
        Gate::Conditional {
            reason: "no allow-list: pnpm 9 runs dependency builds; pnpm 10 and later block them until allowed".to_owned(),
        }
    }

    fn bun_gate(&self, package: &Package) -> Gate {
        if let Some(gate) = self.blocked_by_ignore_scripts() {
            return gate;
        }
        match (self.bun_trusted.lookup(package), &self.bun_trusted.evidence) {
            (Some(true), evidence) => Gate::Open {
                reason: "listed in trustedDependencies".to_owned(),
                evidence: evidence.clone(),
            },
            (_, Some(evidence)) => Gate::Blocked {
                reason: "not in trustedDependencies: Bun skips its lifecycle scripts".to_owned(),
                evidence: evidence.clone(),
            },
            (_, None) => Gate::Conditional {
                reason: "no trustedDependencies: Bun runs scripts only for packages on its built-in default trusted list".to_owned(),
            },
        }
    }

    fn yarn_gate(&self, format: LockfileFormat, package: &Package) -> Gate {
        if let Some(gate) = self.blocked_by_ignore_scripts() {
            return gate;
        }
        if format == LockfileFormat::YarnBerry {
            if let Some(evidence) = &self.yarn_scripts_disabled {
                return Gate::Blocked {
                    reason: "enableScripts: false".to_owned(),
                    evidence: evidence.clone(),
                };
            }
        }
        if let (Some(false), Some(evidence)) =
            (self.yarn_built.lookup(package), &self.yarn_built.evidence)
        {
            return Gate::Blocked {
                reason: "dependenciesMeta built: false".to_owned(),
                evidence: evidence.clone(),
            };
        }
        Gate::open("Yarn runs dependency build scripts by default")
    }

    fn uv_gate(&self, package: &Package) -> Gate {
        let blocking = self
            .uv_no_build
            .clone()
            .map(|e| ("no-build = true", e))
            .or_else(|| {
                let normalized = Package {
                    name: package.normalized_name.clone(),
                    ..package.clone()
                };
                self.uv_no_build_package
                    .lookup(&normalized)
                    .and(self.uv_no_build_package.evidence.clone())
                    .map(|e| ("listed in no-build-package", e))
            });
        match blocking {
            Some((why, evidence)) => Gate::Blocked {
                reason: format!(
                    "{why}: uv refuses to build the sdist (the install fails instead of running it)"
                ),
                evidence,
            },
            None => Gate::open("uv builds an sdist when no wheel fits"),
        }
    }
}

/// An allow-list's verdict for a package, or `None` when the list is not set.
fn allow_list(setting: &NameSetting, package: &Package, key: &str) -> Option<Gate> {
    let evidence = setting.evidence.clone()?;
    Some(match setting.lookup(package) {
        Some(true) => Gate::Open {
            reason: format!("allowed by {key}"),
            evidence: Some(evidence),
        },
        Some(false) => Gate::Blocked {
            reason: format!("denied by {key}"),
            evidence,
        },
        None => Gate::Blocked {
            reason: format!("not in {key}"),
            evidence,
        },
    })
    .filter(|_| setting.is_set())
}

fn evidence(path: &str, line: Option<u32>, note: &str) -> Evidence {
    Evidence {
        path: path.to_owned(),
        line,
        snippet: None,
        note: Some(note.to_owned()),
    }
}

fn ignore_scripts(path: &str, text: &str) -> Option<Evidence> {
    text.lines().enumerate().find_map(|(index, line)| {
        let line_text = line.trim();
        let (key, value) = line_text
            .split_once('=')
            .or_else(|| line_text.split_once(' '))?;
        (key.trim() == "ignore-scripts" && value.trim().trim_matches('"') == "true").then(|| {
            Evidence {
                path: path.to_owned(),
                line: u32::try_from(index + 1).ok(),
                snippet: Some(line_text.to_owned()),
                note: Some("ignore-scripts".to_owned()),
            }
        })
    })
}

/// A JSON list of names or a map of name → bool.
fn names_from_json(path: &str, text: &str, key: &str, value: &serde_json::Value) -> NameSetting {
    let names = match value {
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str())
            .map(|n| (n.to_owned(), true))
            .collect(),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(n, v)| (n.clone(), v.as_bool().unwrap_or(false)))
            .collect(),
        _ => BTreeMap::new(),
    };
    NameSetting {
        names,
        evidence: Some(evidence(
            path,
            line_of_text(text, &format!("\"{key}\"")),
            key,
        )),
    }
}

/// A top-level `key: value` of a YAML file: the value text and its 1-based line.
fn yaml_top_level<'t>(text: &'t str, key: &str) -> Option<(&'t str, u32)> {
    text.lines().enumerate().find_map(|(index, line)| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        Some((strip_comment(rest), u32::try_from(index + 1).ok()?))
    })
}

fn strip_comment(value: &str) -> &str {
    value.split(" #").next().unwrap_or(value).trim()
}

/// A top-level YAML key holding a block list (`- name`), a block map (`name: true`) or a
/// one-line flow list (`[a, b]`): the names and the key's line. The few shapes pnpm
/// documents for these settings; anything else is ignored.
fn yaml_names(text: &str, key: &str) -> Option<(BTreeMap<String, bool>, u32)> {
    let (value, line) = yaml_top_level(text, key)?;
    let mut names = BTreeMap::new();
    let unquote = |s: &str| s.trim().trim_matches(['"', '\'']).to_owned();
    if let Some(flow) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        for name in flow.split(',').map(unquote).filter(|n| !n.is_empty()) {
            names.insert(name, true);
        }
        return Some((names, line));
    }
    for item in text.lines().skip(line as usize) {
        if item.trim().is_empty() || item.trim_start().starts_with('#') {
            continue;
        }
        if !item.starts_with(' ') && !item.starts_with('-') {
            break;
        }
        let entry = strip_comment(item.trim());
        if let Some(name) = entry.strip_prefix("- ") {
            names.insert(unquote(name), true);
        } else if let Some((name, allowed)) = entry.rsplit_once(':') {
            names.insert(unquote(name), allowed.trim() == "true");
        }
    }
    Some((names, line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_model::Ecosystem;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tollgate-gate-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn pnpm_allow_builds_and_only_built() {
        let dir = temp_dir("pnpm");
        write(
            &dir,
            "pnpm-workspace.yaml",
            "packages:\n  - a\nallowBuilds:\n  esbuild: true\n  core-js: false\nonlyBuiltDependencies: [sharp]\n",
        );
        let settings = ProjectSettings::read(&dir);
        let esbuild = Package::new(Ecosystem::Npm, "esbuild", "0.25.0");
        let core_js = Package::new(Ecosystem::Npm, "core-js", "3.0.0");
        let other = Package::new(Ecosystem::Npm, "other", "1.0.0");
        assert_eq!(
            settings.gate(LockfileFormat::PnpmLock, &esbuild).label(),
            "open"
        );
        assert_eq!(
            settings.gate(LockfileFormat::PnpmLock, &core_js).label(),
            "blocked"
        );
        match settings.gate(LockfileFormat::PnpmLock, &other) {
            Gate::Blocked { evidence, reason } => {
                assert_eq!(reason, "not in allowBuilds");
                assert_eq!(evidence.line, Some(3));
            }
            gate => panic!("{gate:?}"),
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn npm_ignore_scripts_and_uv_no_build_package() {
        let dir = temp_dir("npm");
        write(
            &dir,
            ".npmrc",
            "registry=https://r.example/\nignore-scripts=true\n",
        );
        write(
            &dir,
            "pyproject.toml",
            "[project]\nname='x'\n[tool.uv]\nno-build-package = [\"PyYAML\"]\n",
        );
        let settings = ProjectSettings::read(&dir);
        let pkg = Package::new(Ecosystem::Npm, "x", "1.0.0");
        match settings.gate(LockfileFormat::PackageLock, &pkg) {
            Gate::Blocked { evidence, .. } => assert_eq!(evidence.line, Some(2)),
            gate => panic!("{gate:?}"),
        }
        let yaml = Package::new(Ecosystem::PyPI, "pyyaml", "6.0");
        assert_eq!(
            settings.gate(LockfileFormat::UvLock, &yaml).label(),
            "blocked"
        );
        let other = Package::new(Ecosystem::PyPI, "numpy", "2.0");
        assert_eq!(
            settings.gate(LockfileFormat::UvLock, &other).label(),
            "open"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bun_and_yarn() {
        let dir = temp_dir("bun");
        write(
            &dir,
            "package.json",
            "{\"trustedDependencies\": [\"esbuild\"],\n\"dependenciesMeta\": {\"fsevents\": {\"built\": false}}}",
        );
        write(&dir, ".yarnrc.yml", "nodeLinker: node-modules\n");
        let settings = ProjectSettings::read(&dir);
        let esbuild = Package::new(Ecosystem::Npm, "esbuild", "0.25.0");
        let fsevents = Package::new(Ecosystem::Npm, "fsevents", "2.3.3");
        assert_eq!(
            settings.gate(LockfileFormat::BunLock, &esbuild).label(),
            "open"
        );
        assert_eq!(
            settings.gate(LockfileFormat::BunLock, &fsevents).label(),
            "blocked"
        );
        assert_eq!(
            settings.gate(LockfileFormat::YarnBerry, &fsevents).label(),
            "blocked"
        );
        assert_eq!(
            settings.gate(LockfileFormat::YarnBerry, &esbuild).label(),
            "open"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
