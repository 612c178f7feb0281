//! `tollgate shim install|uninstall|status`: small wrappers named like the package managers
//! (npm, npx, pnpm, pnpx, yarn, bun, bunx, pip, pip3, uv, uvx, cargo) in a directory put
//! first on PATH. Unlike shell aliases they work in non-interactive shells, CI and agent
//! sandboxes. Each wrapper runs `tollgate shim exec NAME ARGS...`, which sends installing
//! subcommands through the gate (`npm install X` → `tollgate install npm -- X`) or, for
//! one-shot runners (`npx`, `uvx`, `bunx`, `bun x`, `cargo install`, `uv pip install`), checks
//! the packages by name as `tollgate hook` does, and passes everything else untouched to
//! the real program: the first one on PATH outside the shim directory (no recursion).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::commands::hook::{self, HookArgs};
use crate::exit::Status;
use tollgate_model::escape_text as escape;

/// The programs shimmed.
pub const SHIMMED: &[&str] = &[
    "npm", "npx", "pnpm", "pnpx", "yarn", "bun", "bunx", "pip", "pip3", "uv", "uvx", "cargo",
];

/// The first line of every wrapper, so that `uninstall` and `status` touch only ours.
const MARKER: &str = "# tollgate shim";

/// `tollgate shim`.
#[derive(Debug, Args)]
pub struct ShimArgs {
    #[command(subcommand)]
    pub action: ShimAction,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum ShimAction {
    /// Write the wrappers and print the PATH line to add.
    Install(DirArg),
    /// Remove the wrappers (only files tollgate wrote).
    Uninstall(DirArg),
    /// Which wrappers exist, and whether the directory is first on PATH.
    Status(DirArg),
    /// Run by a wrapper: gate or pass through.
    #[command(hide = true)]
    Exec {
        /// The program the wrapper stands for.
        program: String,
        /// Its arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

/// The shim directory.
#[derive(Debug, Args)]
pub struct DirArg {
    /// Default: ~/.local/share/tollgate/shims.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

impl DirArg {
    fn resolve(&self) -> anyhow::Result<PathBuf> {
        match &self.dir {
            Some(dir) => Ok(dir.clone()),
            None => default_dir(),
        }
    }
}

fn default_dir() -> anyhow::Result<PathBuf> {
    let home = std::env::var_os("HOME").context("HOME is not set; pass --dir")?;
    Ok(PathBuf::from(home).join(".local/share/tollgate/shims"))
}

/// Runs the action.
pub fn run(args: &ShimArgs) -> anyhow::Result<Status> {
    match &args.action {
        ShimAction::Install(dir) => install(&dir.resolve()?),
        ShimAction::Uninstall(dir) => uninstall(&dir.resolve()?),
        ShimAction::Status(dir) => status(&dir.resolve()?),
        ShimAction::Exec { program, args } => exec(program, args),
    }
}

fn install(dir: &Path) -> anyhow::Result<Status> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))?;
    let tollgate = std::env::current_exe().context("finding the tollgate binary")?;
    for program in SHIMMED {
        let path = dir.join(program);
        let script = format!(
            "#!/bin/sh\n{MARKER} (tollgate shim uninstall removes it)\nTOLLGATE_SHIM_DIR='{}' exec '{}' shim exec {program} \"$@\"\n",
            quote(&dir),
            quote(&tollgate)
        );
        std::fs::write(&path, script).with_context(|| format!("writing {}", path.display()))?;
        make_executable(&path)?;
    }
    eprintln!(
        "tollgate shim: wrote {} wrappers to {}",
        SHIMMED.len(),
        dir.display()
    );
    println!("export PATH=\"{}:$PATH\"", dir.display());
    Ok(Status::Clean)
}

/// `path` for a single-quoted shell word.
fn quote(path: &Path) -> String {
    path.display().to_string().replace('\'', r"'\''")
}

#[cfg(unix)]
fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .is_ok_and(|text| text.lines().nth(1).is_some_and(|l| l.starts_with(MARKER)))
}

fn uninstall(dir: &Path) -> anyhow::Result<Status> {
    let mut removed = 0;
    for program in SHIMMED {
        let path = dir.join(program);
        if is_ours(&path) {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            removed += 1;
        }
    }
    eprintln!(
        "tollgate shim: removed {removed} wrappers from {}",
        dir.display()
    );
    Ok(Status::Clean)
}

fn status(dir: &Path) -> anyhow::Result<Status> {
    let present: Vec<&str> = SHIMMED
        .iter()
        .copied()
        .filter(|program| is_ours(&dir.join(program)))
        .collect();
    println!("shim directory: {}", dir.display());
    println!(
        "wrappers: {} of {} ({})",
        present.len(),
        SHIMMED.len(),
        present.join(" ")
    );
    let first = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).next())
        .is_some_and(|first| same_dir(&first, dir));
    println!(
        "first on PATH: {}",
        if first {
            "yes"
        } else {
            "no (add the line `tollgate shim install` prints)"
        }
    );
    Ok(if present.len() == SHIMMED.len() && first {
        Status::Clean
    } else {
        Status::Findings
    })
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// PATH without the shim directory: what the real programs, and `tollgate install`'s own
/// runs of the package manager, are looked up in.
fn path_without(shims: Option<&Path>) -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|entry| shims.is_none_or(|shims| !same_dir(entry, shims)))
        .collect();
    std::env::join_paths(kept).unwrap_or(path)
}

/// The real `program`: the first executable of that name on `path` that is not a shim.
fn real_program(program: &str, path: &OsString) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file() && !is_ours(candidate))
}

/// What the arguments of `program` amount to.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// `tollgate install MANAGER -- ARGS`.
    Gate(&'static str, usize),
    /// Check the packages by name, then pass through.
    CheckNames,
    /// Not an install.
    PassThrough,
}

fn route(program: &str, args: &[String]) -> Route {
    let sub = args.first().map(String::as_str).unwrap_or_default();
    let sub2 = args.get(1).map(String::as_str).unwrap_or_default();
    match program {
        "npm" if matches!(sub, "install" | "i" | "in" | "add" | "ci" | "isntall") => {
            Route::Gate("npm", 1)
        }
        "pnpm" if matches!(sub, "add" | "install" | "i") => Route::Gate("pnpm", 1),
        "yarn" if args.is_empty() || matches!(sub, "add" | "install") => {
            Route::Gate("yarn", 1.min(args.len()))
        }
        "pip" | "pip3" if sub == "install" => Route::Gate("pip", 1),
        "uv" if matches!(sub, "add" | "sync") => Route::Gate("uv", 1),
        "uv" if sub == "pip" && sub2 == "install" => Route::CheckNames,
        "cargo" if matches!(sub, "add" | "build") => Route::Gate("cargo", 1),
        "cargo" if sub == "install" => Route::CheckNames,
        "npx" | "pnpx" | "bunx" | "uvx" => Route::CheckNames,
        "bun" if matches!(sub, "add" | "install" | "i") => Route::Gate("bun", 1),
        "bun" if sub == "x" => Route::CheckNames,
        _ => Route::PassThrough,
    }
}

fn exec(program: &str, args: &[OsString]) -> anyhow::Result<Status> {
    anyhow::ensure!(
        SHIMMED.contains(&program),
        "`{}` is not a shimmed program",
        escape(program)
    );
    let shims = std::env::var_os("TOLLGATE_SHIM_DIR").map(PathBuf::from);
    let path = path_without(shims.as_deref());
    let words: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match route(program, &words) {
        Route::Gate(manager, skip) => {
            let mut rest: Vec<OsString> = args[skip..].to_vec();
            // `cargo add` names go to the gate's `cargo add`; `cargo build` options to the build.
            if manager == "cargo" && words.first().is_some_and(|w| w == "build") {
                rest.retain(|arg| arg.to_string_lossy().starts_with('-'));
            }
            let tollgate = std::env::current_exe().context("finding the tollgate binary")?;
            let status = Command::new(tollgate)
                .args(["install", manager, "--"])
                .args(&rest)
                .env("PATH", &path)
                .status()
                .context("running tollgate install")?;
            exit_status(status);
        }
        Route::CheckNames => {
            let line = std::iter::once(program.to_owned())
                .chain(
                    words
                        .iter()
                        .map(|w| format!("'{}'", w.replace('\'', r"'\''"))),
                )
                .collect::<Vec<_>>()
                .join(" ");
            let installs = tollgate_gate::command::installs(&line);
            if !installs.is_empty() {
                let check = HookArgs {
                    config: None,
                    offline: false,
                    location: crate::commands::db::DbLocation { db: None },
                    allow_missing_db: false,
                };
                let refused = hook::refusals(&check, &installs)?;
                if !refused.is_empty() {
                    eprintln!("tollgate shim: refused `{}`:", escape(program));
                    for refusal in refused {
                        eprintln!("- {refusal}");
                    }
                    return Ok(Status::Findings);
                }
            }
        }
        Route::PassThrough => {}
    }
    let real = real_program(program, &path)
        .with_context(|| format!("no `{program}` on PATH besides the tollgate shim"))?;
    let status = Command::new(&real)
        .args(args)
        .env("PATH", &path)
        .status()
        .with_context(|| format!("running {}", real.display()))?;
    exit_status(status)
}

/// Ends tollgate with the program's own exit code (a pass-through must not change it;
/// killed by a signal: 128 + the signal, as a shell reports it).
fn exit_status(status: std::process::ExitStatus) -> ! {
    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&status);
    #[cfg(not(unix))]
    let signal: Option<i32> = None;
    std::process::exit(status.code().unwrap_or_else(|| 128 + signal.unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn installing_subcommands_are_gated_others_pass() {
        assert_eq!(
            route("npm", &words("install expresss")),
            Route::Gate("npm", 1)
        );
        assert_eq!(route("npm", &words("--version")), Route::PassThrough);
        assert_eq!(route("npm", &words("run build")), Route::PassThrough);
        assert_eq!(
            route("pip3", &words("install requests")),
            Route::Gate("pip", 1)
        );
        assert_eq!(route("pip", &words("list")), Route::PassThrough);
        assert_eq!(route("uv", &words("pip install x")), Route::CheckNames);
        assert_eq!(route("npx", &words("cowsay hi")), Route::CheckNames);
        assert_eq!(route("cargo", &words("test")), Route::PassThrough);
        assert_eq!(route("yarn", &[]), Route::Gate("yarn", 0));
    }
}
