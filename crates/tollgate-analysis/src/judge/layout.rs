//! The layout of a package: which of its files are importable modules, import roots,
//! tests, tooling or docs; the entry points and top-level names its metadata declares;
//! and how an import or a package.json entry resolves to a file inside it. Used by the
//! collector (`scope`) to decide which phase each file's code runs in.

use crate::files::PackageFiles;

/// Top-level folders of a source tree that hold the project's own tooling, not what it
/// installs.
const TOOLING_DIRS: &[&str] = &[
    "scripts",
    "tools",
    "ci",
    "bin",
    ".github",
    "dev",
    "utils-dev",
];
/// Folders whose code no import of the package runs.
const NOT_SHIPPED_DIRS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "docs",
    "doc",
    "examples",
    "example",
    "benchmarks",
    "bench",
];

/// `test_x.py`, `x_test.py`: pytest's modules, not the package's.
fn is_test_module(name: &str) -> bool {
    name.starts_with("test_") || name.ends_with("_test.py") || name == "conftest.py"
}

/// Console-script and entry-point targets (`name = pkg.module:function`) declared in
/// setup.py, setup.cfg, pyproject.toml or a wheel's `entry_points.txt`: what running an
/// installed command runs.
pub(super) fn entry_points(files: &PackageFiles) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let sources = files
        .paths()
        .filter(|p| {
            matches!(
                p.rsplit('/').next(),
                Some("setup.py" | "setup.cfg" | "pyproject.toml" | "entry_points.txt")
            )
        })
        .filter(|p| p.matches('/').count() <= 1)
        .filter_map(|p| files.text(p))
        .collect::<Vec<_>>();
    for text in sources {
        for piece in text.split(['\n', ',', '[', ']', '{', '}']) {
            let Some((_, target)) = piece.split_once('=') else {
                continue;
            };
            let target = target
                .trim()
                .trim_matches(|c| c == '"' || c == '\'' || c == ' ');
            let Some((module, function)) = target.split_once(':') else {
                continue;
            };
            let valid = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            };
            if valid(module) && valid(function) && found.len() < 100 {
                let function = function.rsplit('.').next().unwrap_or(function).to_owned();
                found.push((module.to_owned(), function));
            }
        }
    }
    found
}

/// Which modules of a package can be imported once it is installed, worked out once per
/// package (the metadata's top-level names, whether it uses the `src/` layout).
pub(super) struct Importable {
    top_level: Option<Vec<String>>,
    src_layout: bool,
}

impl Importable {
    pub(super) fn new(files: &PackageFiles) -> Self {
        // setuptools, hatch, flit and poetry build a `src/` layout from `src/` alone: the
        // folders beside it (a GitHub action, build helpers) are the repository's, not the
        // package's.
        let src_layout = files.paths().any(|p| {
            p.strip_prefix("src/").is_some_and(|rest| {
                rest.split_once('/')
                    .is_some_and(|(dir, name)| name == "__init__.py" && is_identifier(dir))
                    || (!rest.contains('/') && rest.ends_with(".py"))
            })
        });
        Self {
            top_level: top_level_names(files),
            src_layout,
        }
    }

    /// Whether a module can be imported once the package is installed: no folder above
    /// it is a tests, docs or examples folder, it is not a test module, and in a `src/`
    /// layout it is under `src/`. Scripts in `bin/`, `scripts/` or a CI folder are not
    /// importable. Folders whose names Python cannot import (`code-helper/`) still count:
    /// malicious uploads get their layout wrong, and the code is shipped all the same.
    pub(super) fn contains(&self, path: &str) -> bool {
        let in_src = path.starts_with("src/");
        let relative = path.strip_prefix("src/").unwrap_or(path);
        let parts: Vec<&str> = relative.split('/').collect();
        let Some((_, dirs)) = parts.split_last() else {
            return false;
        };
        if dirs.iter().any(|d| NOT_SHIPPED_DIRS.contains(d))
            || dirs.first().is_some_and(|d| TOOLING_DIRS.contains(d))
            || relative == "setup.py"
            || is_test_module(parts.last().copied().unwrap_or(""))
            || (self.src_layout && !in_src)
        {
            return false;
        }
        if let Some(top_level) = &self.top_level {
            let first = parts.first().copied().unwrap_or("");
            let first = first.strip_suffix(".py").unwrap_or(first);
            return top_level.iter().any(|name| name == first);
        }
        true
    }
}

/// A name Python can import: letters (any script), digits and `_`, not starting with a
/// digit.
fn is_identifier(name: &str) -> bool {
    name.chars().next().is_some_and(|c| !c.is_ascii_digit())
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// The importable top-level names the build metadata lists (`*.egg-info/top_level.txt` of
/// an sdist, `*.dist-info/top_level.txt` of a wheel), if any.
fn top_level_names(files: &PackageFiles) -> Option<Vec<String>> {
    let path = files.paths().find(|p| {
        let p = p.strip_prefix("src/").unwrap_or(p);
        p.split_once('/').is_some_and(|(dir, name)| {
            name == "top_level.txt" && (dir.ends_with(".egg-info") || dir.ends_with(".dist-info"))
        })
    })?;
    let text = files.text(path)?;
    let names: Vec<String> = text
        .lines()
        .map(|line| line.trim().replace('\\', "/"))
        .filter(|line| !line.is_empty())
        .map(|line| line.split('/').next().unwrap_or("").to_owned())
        .collect();
    (!names.is_empty()).then_some(names)
}

/// Whether a path is source code the rules read.
pub(super) fn is_source(path: &str) -> bool {
    [
        ".py", ".js", ".cjs", ".mjs", ".ts", ".sh", ".ps1", ".bat", ".cmd", ".vbs", ".rs", ".pyw",
    ]
    .iter()
    .any(|ext| path.ends_with(ext))
}

/// Whether a Python file runs when the package is imported: a top-level package's
/// `__init__.py` or a top-level module (at the root or under `src/`).
pub(super) fn is_import_root(path: &str) -> bool {
    let path = path.strip_prefix("src/").unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [module] => {
            module.ends_with(".py")
                && !is_test_module(module)
                && !matches!(
                    *module,
                    "setup.py" | "conftest.py" | "noxfile.py" | "fabfile.py" | "tasks.py"
                )
        }
        [package, "__init__.py"] => !NOT_SHIPPED_DIRS.contains(package),
        _ => false,
    }
}

/// The file a Python import names inside the package, if any: relative imports from the
/// importing file's package, absolute ones from the root or `src/`, each as a module or a
/// package `__init__`.
pub(super) fn resolve_python(files: &PackageFiles, from: &str, module: &str) -> Option<String> {
    let dots = module.chars().take_while(|c| *c == '.').count();
    let rest = module.get(dots..).unwrap_or("").replace('.', "/");
    let mut bases: Vec<String> = Vec::new();
    if dots > 0 {
        let mut dir: Vec<&str> = from.split('/').collect();
        dir.pop();
        for _ in 1..dots {
            dir.pop();
        }
        bases.push(dir.join("/"));
    } else {
        bases.push(String::new());
        bases.push("src".to_owned());
        // A wheel's or sdist's single top-level folder already stripped: also try beside
        // the importing file (Python 2 implicit relative imports, `sys.path` tricks).
        if let Some((dir, _)) = from.rsplit_once('/') {
            bases.push(dir.to_owned());
        }
    }
    for base in bases {
        let stem = match (base.is_empty(), rest.is_empty()) {
            (true, _) => rest.clone(),
            (false, true) => base.clone(),
            (false, false) => format!("{base}/{rest}"),
        };
        if stem.is_empty() {
            continue;
        }
        for candidate in [format!("{stem}.py"), format!("{stem}/__init__.py")] {
            if candidate != from && files.contains(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

/// `main`, `exports` (every string target), `bin` and `module` of a package.json.
pub(super) fn npm_entries(manifest: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(manifest) else {
        return Vec::new();
    };
    let mut entries = Vec::new();
    for key in ["main", "module", "browser"] {
        if let Some(entry) = value.get(key).and_then(|v| v.as_str()) {
            entries.push(entry.to_owned());
        }
    }
    let mut stack: Vec<&serde_json::Value> = value.get("exports").into_iter().collect();
    while let Some(node) = stack.pop() {
        match node {
            serde_json::Value::String(s) => entries.push(s.clone()),
            serde_json::Value::Object(map) => stack.extend(map.values()),
            serde_json::Value::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
        if entries.len() > 200 {
            break;
        }
    }
    entries
}

/// The file a package.json entry names, as Node.js resolves it.
pub(super) fn resolve_js_entry(files: &PackageFiles, entry: &str) -> Option<String> {
    let entry = entry.trim_start_matches("./");
    let entry = if entry.is_empty() { "index" } else { entry };
    crate::analyze::resolve_js(files, "package.json", &format!("./{entry}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> PackageFiles {
        PackageFiles::from_texts(entries)
    }

    #[test]
    fn python_imports_resolve_inside_the_package() {
        let f = files(&[
            ("pkg/__init__.py", ""),
            ("pkg/_impl.py", ""),
            ("pkg/sub/__init__.py", ""),
            ("src/other/__init__.py", ""),
            ("PKG-INFO", ""),
        ]);
        assert_eq!(
            resolve_python(&f, "pkg/__init__.py", "pkg._impl").as_deref(),
            Some("pkg/_impl.py")
        );
        assert_eq!(
            resolve_python(&f, "pkg/__init__.py", "._impl").as_deref(),
            Some("pkg/_impl.py")
        );
        assert_eq!(
            resolve_python(&f, "pkg/sub/__init__.py", ".._impl").as_deref(),
            Some("pkg/_impl.py")
        );
        assert_eq!(
            resolve_python(&f, "pkg/__init__.py", ".sub").as_deref(),
            Some("pkg/sub/__init__.py")
        );
        assert_eq!(
            resolve_python(&f, "setup.py", "other").as_deref(),
            Some("src/other/__init__.py")
        );
        assert_eq!(resolve_python(&f, "pkg/__init__.py", "os"), None);
    }

    #[test]
    fn import_roots() {
        assert!(is_import_root("pkg/__init__.py"));
        assert!(is_import_root("src/pkg/__init__.py"));
        assert!(is_import_root("mod.py"));
        assert!(!is_import_root("setup.py"));
        assert!(!is_import_root("tests/__init__.py"));
        assert!(!is_import_root("pkg/sub/__init__.py"));
        assert!(!is_import_root("src/test_pkg.py"));
    }

    #[test]
    fn importable_modules() {
        let flat = files(&[
            ("pkg/__init__.py", ""),
            ("pkg/a.py", ""),
            ("action/main.py", ""),
        ]);
        let flat = Importable::new(&flat);
        assert!(flat.contains("pkg/a.py"));
        assert!(flat.contains("action/main.py"));
        assert!(flat.contains("code-helper/str_tool.py"));
        assert!(!flat.contains("tests/test_a.py"));
        let src = files(&[("src/pkg/__init__.py", ""), ("action/main.py", "")]);
        let src = Importable::new(&src);
        assert!(src.contains("src/pkg/a.py"));
        assert!(!src.contains("action/main.py"));
    }
}
