//! Which registry addresses to use, read from the user's own package-manager settings.
//!
//! tollgate downloads from where the user's package manager would: npm's `registry` and
//! `@scope:registry` settings, pip's and uv's index URL, cargo's source replacement. Every
//! address carries its [`Origin`] so `--explain` can say where it came from. The public
//! defaults come only from [`tollgate_model::defaults`].
//!
//! Nothing here reads the process environment or the real home directory by itself: the
//! caller passes a [`ConfigInputs`] ([`ConfigInputs::from_process`] for the CLI, explicit
//! temporary directories in tests).

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use tollgate_model::{LockfileFormat, defaults};

/// Everything configuration discovery may look at.
#[derive(Debug, Clone, Default)]
pub struct ConfigInputs {
    /// The project directory (where the lockfile is); `.npmrc`, `pyproject.toml`,
    /// `uv.toml` are read here and `.cargo/config.toml` here and in every ancestor.
    pub project_dir: PathBuf,
    /// The user's home directory (`~/.npmrc`, `~/.pip/pip.conf`, `~/.cargo`).
    pub home: Option<PathBuf>,
    /// Environment variables (only the package managers' own are consulted).
    pub env: BTreeMap<String, String>,
    /// The system configuration directory, `/etc` on Unix (`/etc/pip.conf`, `/etc/uv/uv.toml`).
    pub system_config_dir: Option<PathBuf>,
}

/// The environment-variable prefixes configuration discovery reads.
const ENV_PREFIXES: [&str; 6] = [
    "NPM_CONFIG_",
    "PIP_",
    "UV_",
    "CARGO_",
    "XDG_",
    "VIRTUAL_ENV",
];

impl ConfigInputs {
    /// The inputs of the running process: `HOME`, the package managers' environment
    /// variables, and `/etc`.
    pub fn from_process(project_dir: impl Into<PathBuf>) -> Self {
        let env = std::env::vars()
            .filter(|(name, _)| {
                let upper = name.to_ascii_uppercase();
                ENV_PREFIXES.iter().any(|prefix| upper.starts_with(prefix))
            })
            .collect();
        ConfigInputs {
            project_dir: project_dir.into(),
            home: std::env::var_os("HOME").map(PathBuf::from),
            env,
            system_config_dir: cfg!(unix).then(|| PathBuf::from("/etc")),
        }
    }

    /// A non-empty environment variable.
    fn var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// An environment variable npm-style: matched case-insensitively.
    fn var_ignoring_case(&self, name: &str) -> Option<(&str, &str)> {
        self.env
            .iter()
            .find(|(key, value)| key.eq_ignore_ascii_case(name) && !value.trim().is_empty())
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }

    fn xdg_config_home(&self) -> Option<PathBuf> {
        self.var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| self.home.as_ref().map(|home| home.join(".config")))
    }

    fn cargo_home(&self) -> Option<PathBuf> {
        self.var("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| self.home.as_ref().map(|home| home.join(".cargo")))
    }
}

/// Where an address came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// tollgate's built-in public default.
    Default,
    /// An environment variable.
    Env {
        /// The variable's name.
        variable: String,
    },
    /// A configuration file.
    File {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the setting, when found.
        line: Option<u32>,
        /// The setting's key (`registry`, `[global] index-url`, `source.x.registry`).
        key: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("built-in public default"),
            Origin::Env { variable } => write!(f, "environment variable {variable}"),
            Origin::File { path, line, key } => {
                write!(f, "{}", path.display())?;
                if let Some(line) = line {
                    write!(f, ":{line}")?;
                }
                write!(f, " ({key})")
            }
        }
    }
}

/// A registry address and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The address, always ending in `/`.
    pub url: String,
    /// Where it came from.
    pub origin: Origin,
}

impl Address {
    fn new(url: &str, origin: Origin) -> Self {
        let trimmed = url.trim();
        let url = if trimmed.ends_with('/') {
            trimmed.to_owned()
        } else {
            format!("{trimmed}/")
        };
        Address { url, origin }
    }

    fn default_for(url: &str) -> Self {
        Address::new(url, Origin::Default)
    }

    /// The TCP port the address is reached on: its explicit port, else the scheme's (80 for
    /// `http`, 443 for `https`); `None` for a scheme that is neither, or a malformed port.
    pub fn port(&self) -> Option<u16> {
        let (scheme, rest) = self.url.split_once("://")?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
        // `[::1]:8080`: the port follows the closing bracket of an IPv6 literal.
        let after_host = host_port
            .rsplit_once(']')
            .map_or(host_port, |(_, tail)| tail);
        match after_host.rsplit_once(':') {
            Some((_, port)) => port.parse().ok(),
            None => match scheme.to_ascii_lowercase().as_str() {
                "http" => Some(80),
                "https" => Some(443),
                _ => None,
            },
        }
    }
}

/// The registries tollgate talks to, with their origins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryConfig {
    /// npm's default registry.
    pub npm: Address,
    /// npm's per-scope registries, keyed by scope with its `@` (`@myorg`).
    pub npm_scopes: BTreeMap<String, Address>,
    /// pip's index URL (PEP 503 / 691 simple index).
    pub pip_index: Address,
    /// uv's default index URL.
    pub uv_index: Address,
    /// The cargo registry that replaces crates.io, as a sparse index address (without the
    /// `sparse+` prefix).
    pub cargo_index: Address,
    /// Settings that were found but not used, and why.
    pub warnings: Vec<String>,
}

impl Default for RegistryConfig {
    /// The public registries.
    fn default() -> Self {
        RegistryConfig {
            npm: Address::default_for(defaults::NPM_REGISTRY),
            npm_scopes: BTreeMap::new(),
            pip_index: Address::default_for(defaults::PYPI_SIMPLE_INDEX),
            uv_index: Address::default_for(defaults::PYPI_SIMPLE_INDEX),
            cargo_index: Address::default_for(defaults::CRATES_IO_SPARSE_INDEX),
            warnings: Vec::new(),
        }
    }
}

impl RegistryConfig {
    /// Reads every supported setting; anything unset keeps the public default.
    pub fn discover(inputs: &ConfigInputs) -> Self {
        let mut config = RegistryConfig::default();
        discover_npm(inputs, &mut config);
        if let Some(index) = discover_pip(inputs) {
            config.pip_index = index;
        }
        if let Some(index) = discover_uv(inputs, &mut config.warnings) {
            config.uv_index = index;
        }
        if let Some(index) = discover_cargo(inputs, &mut config.warnings) {
            config.cargo_index = index;
        }
        config
    }

    /// The npm registry for a package name: its scope's registry, else the default.
    pub fn npm_registry_for(&self, name: &str) -> &Address {
        name.split_once('/')
            .filter(|(scope, _)| scope.starts_with('@'))
            .and_then(|(scope, _)| self.npm_scopes.get(scope))
            .unwrap_or(&self.npm)
    }

    /// The Python index the tool that wrote `format` would use: uv's for `uv.lock`,
    /// pip's for everything else.
    pub fn python_index_for(&self, format: LockfileFormat) -> &Address {
        match format {
            LockfileFormat::UvLock => &self.uv_index,
            _ => &self.pip_index,
        }
    }

    /// The TCP ports of every configured registry, sorted and without repeats: what a
    /// package manager's fetch needs to reach besides the public registries.
    pub fn ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = [
            &self.npm,
            &self.pip_index,
            &self.uv_index,
            &self.cargo_index,
        ]
        .into_iter()
        .chain(self.npm_scopes.values())
        .filter_map(Address::port)
        .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }

    /// A human-readable account of every address and its origin (`--explain`).
    pub fn explain(&self) -> String {
        let mut out = String::new();
        let mut line = |what: &str, address: &Address| {
            out.push_str(&format!(
                "{what:<22} {}  <- {}\n",
                address.url, address.origin
            ));
        };
        line("npm registry", &self.npm);
        for (scope, address) in &self.npm_scopes {
            line(&format!("npm registry {scope}"), address);
        }
        line("pip index", &self.pip_index);
        line("uv index", &self.uv_index);
        line("cargo crates.io index", &self.cargo_index);
        for warning in &self.warnings {
            out.push_str(&format!("warning: {warning}\n"));
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// npm

/// npm precedence: `npm_config_registry` > project `.npmrc` > user `.npmrc`.
fn discover_npm(inputs: &ConfigInputs, config: &mut RegistryConfig) {
    let user_npmrc = inputs
        .var_ignoring_case("NPM_CONFIG_USERCONFIG")
        .map(|(_, path)| PathBuf::from(path))
        .or_else(|| inputs.home.as_ref().map(|home| home.join(".npmrc")));
    // Lowest precedence first; later files override.
    let files = user_npmrc
        .into_iter()
        .chain(std::iter::once(inputs.project_dir.join(".npmrc")));
    for path in files {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        for (line_number, key, value) in ini_pairs(&text) {
            let value = expand_env(value, inputs);
            let origin = || Origin::File {
                path: path.clone(),
                line: Some(line_number),
                key: key.to_owned(),
            };
            if key == "registry" {
                config.npm = Address::new(&value, origin());
            } else if let Some(scope) = key.strip_suffix(":registry").filter(|s| s.starts_with('@'))
            {
                config
                    .npm_scopes
                    .insert(scope.to_owned(), Address::new(&value, origin()));
            }
        }
    }
    if let Some((variable, value)) = inputs.var_ignoring_case("NPM_CONFIG_REGISTRY") {
        config.npm = Address::new(
            value,
            Origin::Env {
                variable: variable.to_owned(),
            },
        );
    }
}

/// npm expands `${VAR}` in `.npmrc` values.
fn expand_env(value: &str, inputs: &ConfigInputs) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                out.push_str(inputs.env.get(name).map_or("", String::as_str));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------
// pip

/// pip precedence: `PIP_INDEX_URL` > `PIP_CONFIG_FILE` > site (venv) > user > global files;
/// inside a file `[install]` beats `[global]`.
fn discover_pip(inputs: &ConfigInputs) -> Option<Address> {
    if let Some(url) = inputs.var("PIP_INDEX_URL") {
        return Some(Address::new(
            url,
            Origin::Env {
                variable: "PIP_INDEX_URL".into(),
            },
        ));
    }
    let mut files = Vec::new();
    if let Some(etc) = &inputs.system_config_dir {
        files.push(etc.join("xdg/pip/pip.conf"));
        files.push(etc.join("pip.conf"));
    }
    if let Some(home) = &inputs.home {
        files.push(home.join(".pip/pip.conf"));
    }
    if let Some(xdg) = inputs.xdg_config_home() {
        files.push(xdg.join("pip/pip.conf"));
    }
    if let Some(venv) = inputs.var("VIRTUAL_ENV") {
        files.push(Path::new(venv).join("pip.conf"));
    }
    if let Some(file) = inputs.var("PIP_CONFIG_FILE") {
        files.push(PathBuf::from(file));
    }
    let mut found = None;
    for path in files {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        for section in ["global", "install"] {
            if let Some((line, key, value)) = ini_value(&text, section, &["index-url", "index_url"])
            {
                found = Some(Address::new(
                    value,
                    Origin::File {
                        path: path.clone(),
                        line: Some(line),
                        key: format!("[{section}] {key}"),
                    },
                ));
            }
        }
    }
    found
}

// ---------------------------------------------------------------------------------------
// uv

/// uv precedence: `UV_DEFAULT_INDEX` > `UV_INDEX_URL` > project `uv.toml` > project
/// `pyproject.toml` `[tool.uv]` > user `uv.toml` > system `uv.toml`.
fn discover_uv(inputs: &ConfigInputs, warnings: &mut Vec<String>) -> Option<Address> {
    for variable in ["UV_DEFAULT_INDEX", "UV_INDEX_URL"] {
        if let Some(url) = inputs.var(variable) {
            return Some(Address::new(
                url,
                Origin::Env {
                    variable: variable.into(),
                },
            ));
        }
    }
    let mut candidates: Vec<(PathBuf, bool)> = vec![
        (inputs.project_dir.join("uv.toml"), false),
        (inputs.project_dir.join("pyproject.toml"), true),
    ];
    if let Some(xdg) = inputs.xdg_config_home() {
        candidates.push((xdg.join("uv/uv.toml"), false));
    }
    if let Some(etc) = &inputs.system_config_dir {
        candidates.push((etc.join("uv/uv.toml"), false));
    }
    candidates
        .into_iter()
        .find_map(|(path, is_pyproject)| uv_index_in(&path, is_pyproject, warnings))
}

/// The default index of one uv settings file: `[[index]] default = true`, else `index-url`.
fn uv_index_in(path: &Path, is_pyproject: bool, warnings: &mut Vec<String>) -> Option<Address> {
    let text = fs::read_to_string(path).ok()?;
    let document: toml::Table = match toml::from_str(&text) {
        Ok(document) => document,
        Err(err) => {
            warnings.push(format!(
                "{}: not valid TOML, ignored: {err}",
                path.display()
            ));
            return None;
        }
    };
    let (settings, prefix) = if is_pyproject {
        (document.get("tool")?.get("uv")?.as_table()?, "tool.uv.")
    } else {
        (&document, "")
    };
    let from_index_table = settings
        .get("index")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .find(|index| index.get("default").and_then(toml::Value::as_bool) == Some(true))
        .and_then(|index| index.get("url")?.as_str())
        .map(|url| (url, format!("[[{prefix}index]] default = true")));
    let (url, key) = from_index_table.or_else(|| {
        settings
            .get("index-url")
            .and_then(toml::Value::as_str)
            .map(|url| (url, format!("{prefix}index-url")))
    })?;
    Some(Address::new(
        url,
        Origin::File {
            path: path.to_owned(),
            line: line_of(&text, url),
            key,
        },
    ))
}

// ---------------------------------------------------------------------------------------
// cargo

/// Cargo's source replacement for crates.io, from `.cargo/config.toml` in the project
/// directory and its ancestors (nearest wins), then `$CARGO_HOME/config.toml`.
fn discover_cargo(inputs: &ConfigInputs, warnings: &mut Vec<String>) -> Option<Address> {
    let files: Vec<(PathBuf, String, toml::Table)> = cargo_config_files(inputs)
        .into_iter()
        .filter_map(|path| {
            let text = fs::read_to_string(&path).ok()?;
            match toml::from_str(&text) {
                Ok(table) => Some((path, text, table)),
                Err(err) => {
                    warnings.push(format!(
                        "{}: not valid TOML, ignored: {err}",
                        path.display()
                    ));
                    None
                }
            }
        })
        .collect();
    let lookup = |keys: &[&str]| {
        files.iter().find_map(|(path, text, table)| {
            let (last, parents) = keys.split_last()?;
            let parent = parents
                .iter()
                .try_fold(table, |table, key| table.get(*key)?.as_table())?;
            let found = parent.get(*last)?.as_str()?;
            Some((found.to_owned(), path.clone(), line_of(text, found)))
        })
    };
    let (name, _, _) = lookup(&["source", "crates-io", "replace-with"])?;
    let registry = lookup(&["source", &name, "registry"])
        .map(|found| (found, format!("source.{name}.registry")))
        .or_else(|| {
            lookup(&["registries", &name, "index"])
                .map(|found| (found, format!("registries.{name}.index")))
        });
    let Some(((url, path, line), key)) = registry else {
        warnings.push(format!(
            "cargo replaces crates.io with `{name}`, which is not an HTTP registry \
             (a local-registry or directory source?); crates are fetched from the default"
        ));
        return None;
    };
    match url.strip_prefix("sparse+") {
        Some(sparse) => Some(Address::new(sparse, Origin::File { path, line, key })),
        None => {
            warnings.push(format!(
                "cargo replaces crates.io with git index `{url}` ({key}); only sparse \
                 (`sparse+https://`) indexes are supported, crates are fetched from the default"
            ));
            None
        }
    }
}

/// Cargo's configuration files, highest precedence first.
fn cargo_config_files(inputs: &ConfigInputs) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in inputs.project_dir.ancestors() {
        for name in ["config.toml", "config"] {
            let path = dir.join(".cargo").join(name);
            if path.is_file() {
                files.push(path);
                break;
            }
        }
    }
    if let Some(cargo_home) = inputs.cargo_home() {
        let path = cargo_home.join("config.toml");
        if !files.contains(&path) {
            files.push(path);
        }
    }
    files
}

// ---------------------------------------------------------------------------------------
// small text helpers

/// `key = value` pairs of an ini-style file (`.npmrc`), with 1-based line numbers,
/// ignoring `;` and `#` comments and surrounding quotes.
fn ini_pairs(text: &str) -> impl Iterator<Item = (u32, &str, &str)> {
    text.lines().enumerate().filter_map(|(index, line)| {
        let line = line.trim();
        if line.is_empty() || line.starts_with([';', '#']) {
            return None;
        }
        let (key, value) = line.split_once('=')?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Some((line_number(index), key.trim(), value))
    })
}

/// The value of the first of `keys` in `[section]` of a pip-style ini file; the last
/// occurrence wins, as with Python's configparser.
fn ini_value<'t>(text: &'t str, section: &str, keys: &[&str]) -> Option<(u32, &'t str, &'t str)> {
    let mut current_section = "";
    let mut found = None;
    for (index, raw) in text.lines().enumerate() {
        // Indented lines continue the previous value; comments and blanks carry nothing.
        if raw.starts_with([' ', '\t']) {
            continue;
        }
        let line = raw.trim();
        if line.is_empty() || line.starts_with([';', '#']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current_section = name.trim();
            continue;
        }
        let Some((key, value)) = line.split_once(['=', ':']) else {
            continue;
        };
        let key = key.trim();
        if current_section == section && keys.contains(&key) {
            found = Some((line_number(index), key, value.trim()));
        }
    }
    found
}

/// The 1-based line on which `needle` first appears.
fn line_of(text: &str, needle: &str) -> Option<u32> {
    text.lines()
        .position(|line| line.contains(needle))
        .map(line_number)
}

fn line_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_npmrc_variables() {
        let inputs = ConfigInputs {
            env: BTreeMap::from([("HOST".into(), "npm.corp".into())]),
            ..ConfigInputs::default()
        };
        assert_eq!(
            expand_env("https://${HOST}/r/${MISSING}x", &inputs),
            "https://npm.corp/r/x"
        );
        assert_eq!(expand_env("a${unclosed", &inputs), "a${unclosed");
    }

    #[test]
    fn ini_value_takes_the_last_in_section() {
        let text = "[global]\nindex-url = a\n  continued\n[install]\nindex-url=b\n[global]\nindex_url: c\n";
        assert_eq!(
            ini_value(text, "global", &["index-url", "index_url"]),
            Some((7, "index_url", "c"))
        );
        assert_eq!(
            ini_value(text, "install", &["index-url"]),
            Some((5, "index-url", "b"))
        );
        assert_eq!(ini_value(text, "other", &["index-url"]), None);
    }

    #[test]
    fn address_ports() {
        let port = |url: &str| Address::new(url, Origin::Default).port();
        assert_eq!(port("https://registry.npmjs.org"), Some(443));
        assert_eq!(port("http://127.0.0.1:4873/"), Some(4873));
        assert_eq!(port("https://user:pw@npm.corp:8443/r/"), Some(8443));
        assert_eq!(port("http://[::1]:9000/simple/"), Some(9000));
        assert_eq!(port("http://[::1]/simple/"), Some(80));
        assert_eq!(port("https://host:99999/"), None);
        assert_eq!(port("file:///srv/index"), None);
    }
}
