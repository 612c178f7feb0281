//! Which packages a shell command would install: `pip install X`, `uv add X`, `npm i X`,
//! `cargo add X` and their relatives, found in a command line an agent proposes.
//!
//! The command is split as a shell would split it for this purpose: into simple commands
//! at unquoted `;`, `&&`, `||`, `|`, `&` and newlines, then into words with quotes and
//! backslashes removed. Leading variable assignments and wrappers (`sudo`, `env`, `time`,
//! `nohup`, `exec`, `command`) are skipped. Arguments that name no registry package (flags,
//! paths, URLs, git sources, requirement files) are not packages; what is left is checked.
//! It reads no file and runs nothing: a command it cannot see through (`sh -c "$X"`, `eval`)
//! is not recognised.

use tollgate_model::Ecosystem;

/// One package a command would install, as `NAME` or `NAME@VERSION` for `tollgate check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// `NAME` or `NAME@VERSION` (an exact version only; ranges check the latest).
    pub spec: String,
}

/// Every registry package the shell command `line` would install, in order.
pub fn installs(line: &str) -> Vec<Install> {
    simple_commands(line)
        .iter()
        .flat_map(|words| command_installs(words))
        .collect()
}

/// Splits `line` into simple commands, each a list of words.
fn simple_commands(line: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars().peekable();
    let end_word = |word: &mut Option<String>, words: &mut Vec<String>| {
        if let Some(w) = word.take() {
            words.push(w);
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    w.push(c);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(next) = chars.next() {
                                w.push(next);
                            }
                        }
                        c => w.push(c),
                    }
                }
            }
            '\\' => {
                if let Some(next) = chars.next() {
                    if next != '\n' {
                        word.get_or_insert_with(String::new).push(next);
                    }
                }
            }
            ';' | '&' | '|' | '\n' | '(' | ')' => {
                end_word(&mut word, &mut words);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            c if c.is_whitespace() => end_word(&mut word, &mut words),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    end_word(&mut word, &mut words);
    if !words.is_empty() {
        commands.push(words);
    }
    commands
}

/// Programs that run the rest of the line as the command.
const WRAPPERS: &[&str] = &["sudo", "env", "time", "nohup", "exec", "command", "doas"];

/// The installs of one simple command.
fn command_installs(words: &[String]) -> Vec<Install> {
    let mut rest: Vec<&str> = words.iter().map(String::as_str).collect();
    // Assignments (`FOO=1 pip install x`) and wrappers (`sudo -E pip install x`).
    loop {
        match rest.first() {
            Some(word) if is_assignment(word) => {
                rest.remove(0);
            }
            Some(word) if WRAPPERS.contains(&program(word)) => {
                rest.remove(0);
                while rest.first().is_some_and(|w| w.starts_with('-')) {
                    rest.remove(0);
                }
            }
            _ => break,
        }
    }
    let Some((&first, args)) = rest.split_first() else {
        return Vec::new();
    };
    let program = program(first);
    let sub = |i: usize| args.get(i).copied().unwrap_or_default();
    let (ecosystem, packages): (Ecosystem, &[&str]) = match program {
        "pip" | "pip3" if sub(0) == "install" => (Ecosystem::PyPI, &args[1..]),
        p if p.starts_with("pip3.") && sub(0) == "install" => (Ecosystem::PyPI, &args[1..]),
        p if is_python(p) && sub(0) == "-m" && sub(1) == "pip" && sub(2) == "install" => {
            (Ecosystem::PyPI, &args[3..])
        }
        "uv" if sub(0) == "pip" && sub(1) == "install" => (Ecosystem::PyPI, &args[2..]),
        "uv" if sub(0) == "add" => (Ecosystem::PyPI, &args[1..]),
        "uv" if sub(0) == "tool" && matches!(sub(1), "install" | "run") => {
            (Ecosystem::PyPI, first_package(&args[2..]))
        }
        "uvx" => (Ecosystem::PyPI, first_package(args)),
        "pipx" if matches!(sub(0), "install" | "run") => {
            (Ecosystem::PyPI, first_package(&args[1..]))
        }
        "poetry" if sub(0) == "add" => (Ecosystem::PyPI, &args[1..]),
        "npm" if matches!(sub(0), "install" | "i" | "add" | "in" | "isntall") => {
            (Ecosystem::Npm, &args[1..])
        }
        "npm" if matches!(sub(0), "exec" | "x") => (Ecosystem::Npm, first_package(&args[1..])),
        "pnpm" | "bun" if matches!(sub(0), "add" | "install" | "i") => (Ecosystem::Npm, &args[1..]),
        "yarn" if sub(0) == "add" => (Ecosystem::Npm, &args[1..]),
        "yarn" if sub(0) == "global" && sub(1) == "add" => (Ecosystem::Npm, &args[2..]),
        "pnpm" | "yarn" if sub(0) == "dlx" => (Ecosystem::Npm, first_package(&args[1..])),
        "npx" | "pnpx" | "bunx" => (Ecosystem::Npm, first_package(args)),
        "cargo" if sub(0) == "add" => (Ecosystem::CratesIo, &args[1..]),
        "cargo" if sub(0) == "install" => return cargo_install(&args[1..]),
        _ => return Vec::new(),
    };
    let specs = match ecosystem {
        Ecosystem::PyPI => pypi_specs(packages),
        Ecosystem::Npm => npm_specs(packages),
        Ecosystem::CratesIo => cargo_add_specs(packages),
    };
    specs
        .into_iter()
        .map(|spec| Install { ecosystem, spec })
        .collect()
}

/// The program's name without its directory (`/usr/bin/pip3` → `pip3`).
fn program(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

fn is_python(program: &str) -> bool {
    program == "python"
        || program
            .strip_prefix("python")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// For runners (`npx X`, `uvx X`): the first argument that is not a flag is the package.
fn first_package<'a, 'b>(args: &'b [&'a str]) -> &'b [&'a str] {
    let start = args
        .iter()
        .position(|a| !a.starts_with('-'))
        .unwrap_or(args.len());
    &args[start..(start + 1).min(args.len())]
}

/// The arguments that are not flags, skipping the values of `value_flags`. `None` when a
/// flag says the packages come from elsewhere (`--git`, `--path`, `-r`, `-e`): nothing of
/// that invocation is a registry name to check.
fn positional<'a>(args: &[&'a str], value_flags: &[&str], elsewhere: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut iter = args.iter();
    while let Some(&arg) = iter.next() {
        if arg == "--" {
            out.extend(iter.by_ref().copied());
            break;
        }
        let flag = arg.split_once('=').map_or(arg, |(flag, _)| flag);
        if elsewhere.contains(&flag) {
            return Vec::new();
        }
        if arg.starts_with('-') {
            if value_flags.contains(&arg) {
                iter.next();
            }
            continue;
        }
        out.push(arg);
    }
    out
}

fn pypi_specs(args: &[&str]) -> Vec<String> {
    const VALUES: &[&str] = &[
        "-c",
        "--constraint",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--python",
        "-p",
        "-f",
        "--find-links",
        "--platform",
        "--python-version",
        "--group",
        "--optional",
        "--extra",
        "--index",
        "--default-index",
        "--source",
        "-G",
        "--with",
    ];
    // Requirement files and editable paths: their packages are not on the command line.
    const ELSEWHERE: &[&str] = &["-r", "--requirement", "-e", "--editable"];
    positional(args, VALUES, ELSEWHERE)
        .into_iter()
        .filter_map(pypi_spec)
        .collect()
}

/// `requests`, `requests==2.19.0`, `requests[socks]>=2` → a spec; a path, URL or archive
/// is not a registry name.
fn pypi_spec(arg: &str) -> Option<String> {
    if arg.contains("://") || arg.contains('/') || arg.starts_with('.') || arg.ends_with(".whl") {
        return None;
    }
    let arg = arg.split(';').next().unwrap_or(arg).trim();
    let end = arg
        .find(|c: char| "[<>=!~ @(".contains(c))
        .unwrap_or(arg.len());
    let (name, rest) = arg.split_at(end);
    let rest = rest.split_once(']').map_or(rest, |(_, after)| after).trim();
    if name.is_empty() || name.ends_with(".tar.gz") || name.ends_with(".zip") {
        return None;
    }
    let exact = rest
        .strip_prefix("==")
        .map(str::trim)
        .filter(|v| !v.is_empty() && !v.contains(['*', ',']));
    Some(match exact {
        Some(version) => format!("{name}@{version}"),
        None => name.to_owned(),
    })
}

fn npm_specs(args: &[&str]) -> Vec<String> {
    const VALUES: &[&str] = &[
        "-w",
        "--workspace",
        "--prefix",
        "--registry",
        "--tag",
        "--filter",
        "-F",
        "--dir",
        "-C",
        "--cwd",
        "--package",
        "-p",
    ];
    positional(args, VALUES, &[])
        .into_iter()
        .filter_map(npm_spec)
        .collect()
}

/// `lodash`, `lodash@4.17.21`, `@types/node@20` → a spec (exact versions only); a path,
/// URL, git or alias source is not a registry name.
fn npm_spec(arg: &str) -> Option<String> {
    let is_source = arg.contains(':')
        || arg.starts_with(['.', '/', '~'])
        || arg.ends_with(".tgz")
        || (!arg.starts_with('@') && arg.contains('/'));
    if is_source {
        return None;
    }
    let (name, version) = match arg.rfind('@') {
        Some(at) if at > 0 => (&arg[..at], Some(&arg[at + 1..])),
        _ => (arg, None),
    };
    Some(match version.filter(|v| is_exact_version(v)) {
        Some(version) => format!("{name}@{version}"),
        None => name.to_owned(),
    })
}

fn cargo_add_specs(args: &[&str]) -> Vec<String> {
    const VALUES: &[&str] = &[
        "-F",
        "--features",
        "-p",
        "--package",
        "--rename",
        "--registry",
        "--manifest-path",
        "--target",
        "--lockfile-path",
    ];
    const ELSEWHERE: &[&str] = &["--git", "--path", "--branch", "--tag", "--rev"];
    positional(args, VALUES, ELSEWHERE)
        .into_iter()
        .map(|arg| match arg.split_once('@') {
            Some((name, version)) if is_exact_version(version) => format!("{name}@{version}"),
            Some((name, _)) => name.to_owned(),
            None => arg.to_owned(),
        })
        .collect()
}

/// `cargo install X [--version V]`.
fn cargo_install(args: &[&str]) -> Vec<Install> {
    const VALUES: &[&str] = &[
        "--version",
        "--vers",
        "-F",
        "--features",
        "--root",
        "--bin",
        "--example",
        "--target",
        "--profile",
        "--registry",
        "--index",
        "-j",
        "--jobs",
    ];
    const ELSEWHERE: &[&str] = &["--git", "--path", "--branch", "--tag", "--rev"];
    let version = args
        .iter()
        .position(|a| matches!(*a, "--version" | "--vers"))
        .and_then(|i| args.get(i + 1))
        .map(|v| v.trim_start_matches('='))
        .filter(|v| is_exact_version(v));
    positional(args, VALUES, ELSEWHERE)
        .into_iter()
        .map(|name| {
            let (name, inline) = name.split_once('@').unwrap_or((name, ""));
            let version = version.or(Some(inline).filter(|v| is_exact_version(v)));
            Install {
                ecosystem: Ecosystem::CratesIo,
                spec: version.map_or_else(|| name.to_owned(), |v| format!("{name}@{v}")),
            }
        })
        .collect()
}

/// `1.2.3` (with an optional pre-release or build part): one version, not a range or tag.
fn is_exact_version(text: &str) -> bool {
    let core = text.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(line: &str) -> Vec<(Ecosystem, String)> {
        installs(line)
            .into_iter()
            .map(|i| (i.ecosystem, i.spec))
            .collect()
    }

    #[test]
    fn finds_the_packages_of_install_commands() {
        use Ecosystem::{CratesIo, Npm, PyPI};
        let cases: &[(&str, &[(Ecosystem, &str)])] = &[
            ("pip install requests", &[(PyPI, "requests")]),
            (
                "cd app && pip3 install -U 'requests==2.19.0' flask>=2 -i https://x/simple",
                &[(PyPI, "requests@2.19.0"), (PyPI, "flask")],
            ),
            ("python3 -m pip install --user numpy", &[(PyPI, "numpy")]),
            (
                "uv add pandas \"djnago[bcrypt]>=4\"",
                &[(PyPI, "pandas"), (PyPI, "djnago")],
            ),
            (
                "uv pip install httpx; uvx ruff check .",
                &[(PyPI, "httpx"), (PyPI, "ruff")],
            ),
            ("sudo -E FOO=1 pip install x", &[(PyPI, "x")]),
            ("FOO=1 sudo pip install black", &[(PyPI, "black")]),
            (
                "npm i lodash@4.17.21 @types/node@^20 -D",
                &[(Npm, "lodash@4.17.21"), (Npm, "@types/node")],
            ),
            (
                "pnpm add expresss && yarn add left-pad",
                &[(Npm, "expresss"), (Npm, "left-pad")],
            ),
            (
                "npx -y create-react-app my-app",
                &[(Npm, "create-react-app")],
            ),
            (
                "cargo add serde@1.0.200 tokio --features full",
                &[(CratesIo, "serde@1.0.200"), (CratesIo, "tokio")],
            ),
            (
                "cargo install ripgrep --version 14.1.0",
                &[(CratesIo, "ripgrep@14.1.0")],
            ),
        ];
        for (line, expected) in cases {
            let expected: Vec<(Ecosystem, String)> = expected
                .iter()
                .map(|(e, s)| (*e, (*s).to_owned()))
                .collect();
            assert_eq!(specs(line), expected, "{line}");
        }
    }

    #[test]
    fn other_commands_and_other_sources_are_not_installs() {
        for line in [
            "ls -la && git status",
            "npm install",
            "npm ci",
            "npm run build",
            "pip install -r requirements.txt",
            "pip install -e .",
            "pip install ./dist/pkg-1.0-py3-none-any.whl",
            "pip install git+https://github.com/x/y",
            "npm i github:user/repo ./local file:../x",
            "cargo add --git https://github.com/x/y y",
            "cargo build",
            "echo 'pip install requests'",
            "",
        ] {
            assert_eq!(specs(line), Vec::new(), "{line}");
        }
    }
}
