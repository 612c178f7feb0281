//! Configuration discovery from temporary directories; never the real home directory.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use tollgate_model::{LockfileFormat, defaults};
use tollgate_registry::{ConfigInputs, Origin, RegistryConfig};

struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        for sub in ["home", "etc", "work/repo/app"] {
            fs::create_dir_all(root.join(sub)).unwrap();
        }
        Sandbox { _dir: dir, root }
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.root.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    fn inputs(&self, env: &[(&str, &str)]) -> ConfigInputs {
        ConfigInputs {
            project_dir: self.root.join("work/repo/app"),
            home: Some(self.root.join("home")),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
            system_config_dir: Some(self.root.join("etc")),
        }
    }
}

fn file_origin(path: &Path, line: u32, key: &str) -> Origin {
    Origin::File {
        path: path.to_owned(),
        line: Some(line),
        key: key.to_owned(),
    }
}

#[test]
fn nothing_configured_means_the_public_defaults() {
    let sandbox = Sandbox::new();
    let config = RegistryConfig::discover(&sandbox.inputs(&[]));
    assert_eq!(config.npm.url, defaults::NPM_REGISTRY);
    assert_eq!(config.pip_index.url, defaults::PYPI_SIMPLE_INDEX);
    assert_eq!(config.uv_index.url, defaults::PYPI_SIMPLE_INDEX);
    assert_eq!(config.cargo_index.url, defaults::CRATES_IO_SPARSE_INDEX);
    assert_eq!(config.npm.origin, Origin::Default);
    assert!(config.warnings.is_empty());
}

#[test]
fn npmrc_project_beats_user_and_env_beats_both() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "home/.npmrc",
        "registry=https://user.example/npm\n@corp:registry=https://corp.example/npm/\n",
    );
    let project = sandbox.write(
        "work/repo/app/.npmrc",
        "; comment\n# another\nregistry = \"https://${MIRROR}/npm/\"\n",
    );
    let inputs = sandbox.inputs(&[("MIRROR", "mirror.example")]);
    let config = RegistryConfig::discover(&inputs);
    assert_eq!(config.npm.url, "https://mirror.example/npm/");
    assert_eq!(config.npm.origin, file_origin(&project, 3, "registry"));
    assert_eq!(
        config.npm_registry_for("@corp/tool").url,
        "https://corp.example/npm/"
    );
    assert_eq!(
        config.npm_registry_for("@other/tool").url,
        "https://mirror.example/npm/"
    );

    let inputs = sandbox.inputs(&[("npm_config_registry", "https://env.example/")]);
    let config = RegistryConfig::discover(&inputs);
    assert_eq!(config.npm.url, "https://env.example/");
    assert_eq!(
        config.npm.origin,
        Origin::Env {
            variable: "npm_config_registry".into()
        }
    );
}

#[test]
fn pip_conf_user_beats_system_and_install_beats_global() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "etc/pip.conf",
        "[global]\nindex-url = https://system.example/simple\n",
    );
    let config = RegistryConfig::discover(&sandbox.inputs(&[]));
    assert_eq!(config.pip_index.url, "https://system.example/simple/");

    let user = sandbox.write(
        "home/.config/pip/pip.conf",
        "[global]\nindex-url = https://user.example/simple\nfind-links = /opt/wheels\n\
         [install]\nindex_url = https://install.example/simple/\n",
    );
    let config = RegistryConfig::discover(&sandbox.inputs(&[]));
    assert_eq!(config.pip_index.url, "https://install.example/simple/");
    assert_eq!(
        config.pip_index.origin,
        file_origin(&user, 5, "[install] index_url")
    );
    // uv does not read pip.conf.
    assert_eq!(config.uv_index.url, defaults::PYPI_SIMPLE_INDEX);

    let config = RegistryConfig::discover(
        &sandbox.inputs(&[("PIP_INDEX_URL", "https://env.example/simple")]),
    );
    assert_eq!(config.pip_index.url, "https://env.example/simple/");
    assert_eq!(
        config.python_index_for(LockfileFormat::Requirements).url,
        "https://env.example/simple/"
    );
}

#[test]
fn uv_default_index_from_pyproject_uv_toml_and_env() {
    let sandbox = Sandbox::new();
    let pyproject = sandbox.write(
        "work/repo/app/pyproject.toml",
        "[project]\nname = \"app\"\n\n[[tool.uv.index]]\nname = \"corp\"\nurl = \"https://corp.example/simple\"\ndefault = true\n",
    );
    let config = RegistryConfig::discover(&sandbox.inputs(&[]));
    assert_eq!(config.uv_index.url, "https://corp.example/simple/");
    assert_eq!(
        config.uv_index.origin,
        file_origin(&pyproject, 6, "[[tool.uv.index]] default = true")
    );
    assert_eq!(
        config.python_index_for(LockfileFormat::UvLock).url,
        "https://corp.example/simple/"
    );

    sandbox.write(
        "work/repo/app/uv.toml",
        "index-url = \"https://uvtoml.example/simple/\"\n",
    );
    let config = RegistryConfig::discover(&sandbox.inputs(&[]));
    assert_eq!(config.uv_index.url, "https://uvtoml.example/simple/");

    let config = RegistryConfig::discover(
        &sandbox.inputs(&[("UV_DEFAULT_INDEX", "https://env.example/simple")]),
    );
    assert_eq!(config.uv_index.url, "https://env.example/simple/");
}

#[test]
fn cargo_source_replacement_nearest_config_wins() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "home/.cargo/config.toml",
        "[source.crates-io]\nreplace-with = \"home-mirror\"\n\n[source.home-mirror]\nregistry = \"sparse+https://home.example/index/\"\n",
    );
    let config = RegistryConfig::discover(&sandbox.inputs(&[]));
    assert_eq!(config.cargo_index.url, "https://home.example/index/");

    let repo = sandbox.write(
        "work/repo/.cargo/config.toml",
        "[source.crates-io]\nreplace-with = \"corp\"\n\n[source.corp]\nregistry = \"sparse+https://corp.example/index\"\n",
    );
    let config = RegistryConfig::discover(&sandbox.inputs(&[]));
    assert_eq!(config.cargo_index.url, "https://corp.example/index/");
    assert_eq!(
        config.cargo_index.origin,
        file_origin(&repo, 5, "source.corp.registry")
    );
    assert!(config.explain().contains("corp.example/index/"));
    assert!(config.explain().contains("source.corp.registry"));
}

#[test]
fn cargo_replacement_via_registries_table_and_cargo_home() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "cargo-home/config.toml",
        "[source.crates-io]\nreplace-with = \"corp\"\n[registries.corp]\nindex = \"sparse+https://reg.example/\"\n",
    );
    let cargo_home = sandbox.root.join("cargo-home");
    let config =
        RegistryConfig::discover(&sandbox.inputs(&[("CARGO_HOME", cargo_home.to_str().unwrap())]));
    assert_eq!(config.cargo_index.url, "https://reg.example/");
}

#[test]
fn unusable_cargo_replacements_are_warned_about() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "work/repo/.cargo/config.toml",
        "[source.crates-io]\nreplace-with = \"vendored\"\n[source.vendored]\ndirectory = \"vendor\"\n",
    );
    let config = RegistryConfig::discover(&sandbox.inputs(&[]));
    assert_eq!(config.cargo_index.url, defaults::CRATES_IO_SPARSE_INDEX);
    assert!(
        config.warnings[0].contains("vendored"),
        "{:?}",
        config.warnings
    );

    sandbox.write(
        "work/repo/.cargo/config.toml",
        "[source.crates-io]\nreplace-with = \"git\"\n[source.git]\nregistry = \"https://git.example/index.git\"\n",
    );
    let config = RegistryConfig::discover(&sandbox.inputs(&[]));
    assert!(
        config.warnings[0].contains("git index"),
        "{:?}",
        config.warnings
    );
    assert!(config.explain().contains("warning:"));
}
