//! The parser for pip requirements files (`requirements*.txt`, `requirements/*.txt`).
//!
//! Each requirement line becomes a package, pinned or not: `version` is the exact pin
//! (`==`/`===`, or the version in an archive file name) and is empty when nothing pins it,
//! with `requirement` telling how the line is written. Lines are joined at a trailing `\`,
//! comments (`#` at the start or after whitespace) dropped, and per-requirement options
//! read: `--hash=ALG:HEX` (any number) become the package's hashes.
//!
//! `-r FILE` includes another file and `-c FILE` a constraints file, relative to the
//! including file. Packages of an included file are listed with the line of the top-level
//! file's `-r` that brought them in, since a package's line always refers to the lockfile
//! it is listed under. A constraints file adds no packages: its pins fill in the version
//! (and hashes) of a matching unpinned requirement. Include cycles are skipped, and a
//! missing include is a warning naming the including line.
//!
//! `--index-url` / `--extra-index-url` apply to the whole install in pip (not to the lines
//! after them), so the index URL becomes the registry URL of every name requirement; the
//! `--index-url` wins over extra indexes when both are given.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tollgate_model::{
    Ecosystem, FileError, Hash, Lockfile, LockfileFormat, Package, RequirementKind, Source,
    normalize_name,
};

use crate::Error;
use crate::python::{common, pep508};

/// How deep `-r` / `-c` includes may nest; deeper chains are skipped with a warning.
const MAX_INCLUDE_DEPTH: usize = 32;

/// Parses a requirements file from text. `-r`/`-c` lines cannot be followed (there is no
/// file system) and become warnings.
pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, Error> {
    let mut reader = Reader::new(path);
    reader.read_text(&Origin::top(path, None), text, Mode::Requirements);
    Ok(reader.finish())
}

/// Reads a requirements file and the files it includes.
pub(crate) fn parse_file(path: &Path, display: &str) -> Result<Lockfile, Error> {
    let text = read(path, display)?;
    let mut reader = Reader::new(display);
    reader.visiting.push(canonical(path));
    reader.read_text(
        &Origin::top(display, path.parent()),
        &text,
        Mode::Requirements,
    );
    Ok(reader.finish())
}

fn read(path: &Path, display: &str) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: display.to_owned(),
        source,
    })?;
    crate::error::utf8_text(display, &bytes).map(str::to_owned)
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Whether a file's requirements add packages or only constrain them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Requirements,
    Constraints,
}

/// The file being read and where its packages are reported.
struct Origin<'a> {
    /// How the file is named in warnings.
    display: String,
    /// Its directory, for includes; `None` when reading text without a file system.
    directory: Option<&'a Path>,
    /// The line of the top-level file that included it (directly or not); `None` for the
    /// top-level file itself.
    top_line: Option<u32>,
}

impl<'a> Origin<'a> {
    fn top(display: &str, directory: Option<&'a Path>) -> Self {
        Origin {
            display: display.to_owned(),
            directory,
            top_line: None,
        }
    }
}

/// A pin from a constraints file.
struct Constraint {
    version: String,
    hashes: Vec<Hash>,
}

struct Reader {
    lockfile: Lockfile,
    constraints: HashMap<String, Constraint>,
    index_url: Option<String>,
    extra_index_url: Option<String>,
    /// The files on the current include chain, to skip cycles.
    visiting: Vec<PathBuf>,
}

impl Reader {
    fn new(path: &str) -> Self {
        Reader {
            lockfile: Lockfile::new(path, LockfileFormat::Requirements),
            constraints: HashMap::new(),
            index_url: None,
            extra_index_url: None,
            visiting: Vec::new(),
        }
    }

    fn warn(&mut self, origin: &Origin, line: u32, message: String) {
        self.lockfile.warnings.push(FileError {
            code: None,
            path: origin.display.clone(),
            line: Some(line),
            column: None,
            message,
        });
    }

    fn read_text(&mut self, origin: &Origin, text: &str, mode: Mode) {
        for (line, logical) in logical_lines(text) {
            let tokens: Vec<&str> = logical.split_whitespace().collect();
            match tokens.first() {
                None => {}
                Some(first) if first.starts_with('-') => {
                    self.read_option(origin, line, &tokens, mode);
                }
                Some(_) => self.read_requirement(origin, line, &tokens, mode),
            }
        }
    }

    /// A line that starts with an option: an include, an index, `-e`, or a global option.
    fn read_option(&mut self, origin: &Origin, line: u32, tokens: &[&str], mode: Mode) {
        let (option, value) = split_option(tokens);
        match option {
            "-r" | "--requirement" | "-c" | "--constraint" => {
                let include_mode = if matches!(option, "-c" | "--constraint") {
                    Mode::Constraints
                } else {
                    mode
                };
                match value {
                    Some(target) => self.include(origin, line, target, include_mode),
                    None => self.warn(origin, line, format!("`{option}` needs a file name")),
                }
            }
            "-i" | "--index-url" => self.index_url = value.map(str::to_owned),
            "--extra-index-url" => self.extra_index_url = value.map(str::to_owned),
            "-e" | "--editable" => match value.map(pep508::parse_editable) {
                Some(Ok(requirement)) => self.add(origin, line, requirement, Vec::new(), mode),
                Some(Err(message)) => self.warn(origin, line, format!("{message}; line skipped")),
                None => self.warn(origin, line, format!("`{option}` needs a path or URL")),
            },
            // Global options that change how, not what, pip installs.
            "-f" | "--find-links" | "--no-index" | "--pre" | "--trusted-host" | "--no-binary"
            | "--only-binary" | "--prefer-binary" | "--require-hashes" | "--use-feature" | "-Z"
            | "--always-unzip" => {}
            _ => self.warn(
                origin,
                line,
                format!("unknown option `{option}`; line skipped"),
            ),
        }
    }

    fn include(&mut self, origin: &Origin, line: u32, target: &str, mode: Mode) {
        let Some(directory) = origin.directory else {
            self.warn(
                origin,
                line,
                format!("include `{target}` not followed: parsed without a file system"),
            );
            return;
        };
        if self.visiting.len() > MAX_INCLUDE_DEPTH {
            self.warn(
                origin,
                line,
                format!(
                    "include `{target}` skipped: more than {MAX_INCLUDE_DEPTH} nested includes"
                ),
            );
            return;
        }
        let path = directory.join(target);
        let key = canonical(&path);
        if self.visiting.contains(&key) {
            self.warn(
                origin,
                line,
                format!("include `{target}` skipped: it includes this file again (a cycle)"),
            );
            return;
        }
        let display = match Path::new(&origin.display).parent() {
            Some(parent) if !parent.as_os_str().is_empty() => {
                parent.join(target).to_string_lossy().into_owned()
            }
            _ => target.to_owned(),
        };
        let text = match read(&path, &display) {
            Ok(text) => text,
            Err(error) => {
                self.warn(
                    origin,
                    line,
                    format!("include `{target}` not read: {error}"),
                );
                return;
            }
        };
        let included = Origin {
            display,
            directory: path.parent(),
            top_line: Some(origin.top_line.unwrap_or(line)),
        };
        self.visiting.push(key);
        self.read_text(&included, &text, mode);
        self.visiting.pop();
    }

    /// A requirement, then its options (`--hash`, `--config-settings`, ...).
    fn read_requirement(&mut self, origin: &Origin, line: u32, tokens: &[&str], mode: Mode) {
        let option_start = tokens
            .iter()
            .position(|token| token.starts_with('-'))
            .unwrap_or(tokens.len());
        let (requirement_tokens, options) = tokens.split_at(option_start);
        let requirement = requirement_tokens.join(" ");
        let mut hashes = Vec::new();
        let mut options = options.iter();
        while let Some(option) = options.next() {
            let value = match option.split_once('=') {
                Some(("--hash", value)) => Some(value),
                None if *option == "--hash" => options.next().copied(),
                _ => continue,
            };
            match value.and_then(common::parse_prefixed_hash) {
                Some(hash) => hashes.push(hash),
                None => self.warn(
                    origin,
                    line,
                    format!("`{option}`: expected `--hash=ALGORITHM:HEX`; hash ignored"),
                ),
            }
        }
        match pep508::parse(&requirement) {
            Ok(parsed) => self.add(origin, line, parsed, hashes, mode),
            Err(message) => self.warn(origin, line, format!("{message}; line skipped")),
        }
    }

    fn add(
        &mut self,
        origin: &Origin,
        line: u32,
        requirement: pep508::Requirement,
        hashes: Vec<Hash>,
        mode: Mode,
    ) {
        if mode == Mode::Constraints {
            if requirement.kind == RequirementKind::Pinned {
                let name = normalize_name(Ecosystem::PyPI, &requirement.name);
                let version = requirement.version;
                self.constraints
                    .insert(name, Constraint { version, hashes });
            }
            return;
        }
        let mut package = Package::new(Ecosystem::PyPI, requirement.name, requirement.version);
        package.source = requirement.source;
        package.requirement = Some(requirement.kind);
        package.hashes = hashes;
        package.line = Some(origin.top_line.unwrap_or(line));
        self.lockfile.packages.push(package);
    }

    /// Applies constraints and the index URL once every file is read (pip's options and
    /// constraints are global, wherever they appear).
    fn finish(mut self) -> Lockfile {
        let index = self.index_url.take().or(self.extra_index_url.take());
        for package in &mut self.lockfile.packages {
            if package.requirement == Some(RequirementKind::Unpinned) {
                if let Some(constraint) = self.constraints.get(&package.normalized_name) {
                    let mut pinned = Package::new(
                        Ecosystem::PyPI,
                        package.name.as_str(),
                        constraint.version.as_str(),
                    );
                    pinned.line = package.line;
                    pinned.requirement = Some(RequirementKind::Pinned);
                    pinned.hashes = if package.hashes.is_empty() {
                        constraint.hashes.clone()
                    } else {
                        std::mem::take(&mut package.hashes)
                    };
                    *package = pinned;
                }
            }
            if let (Source::Registry { url }, Some(index)) = (&mut package.source, &index) {
                *url = Some(index.clone());
            }
        }
        self.lockfile
    }
}

/// `-r FILE`, `-rFILE`, `--requirement=FILE`, `--requirement FILE` → (option, value).
fn split_option<'a>(tokens: &[&'a str]) -> (&'a str, Option<&'a str>) {
    let first = tokens.first().copied().unwrap_or_default();
    if let Some((option, value)) = first.split_once('=').filter(|_| first.starts_with("--")) {
        return (option, Some(value));
    }
    if !first.starts_with("--") && first.len() > 2 {
        if let (Some(option), Some(value)) = (first.get(..2), first.get(2..)) {
            return (option, Some(value));
        }
    }
    (first, tokens.get(1).copied())
}

/// The logical lines of a requirements file: `(first physical line, text)`, with `\`
/// continuations joined and comments removed.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut start = 0u32;
    for (index, physical) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if current.is_empty() {
            start = number;
        }
        let without_comment = strip_comment(physical);
        match without_comment.strip_suffix('\\') {
            Some(continued) => {
                current.push_str(continued);
                current.push(' ');
            }
            None => {
                current.push_str(without_comment);
                let logical = std::mem::take(&mut current);
                if !logical.trim().is_empty() {
                    lines.push((start, logical));
                }
            }
        }
    }
    if !current.trim().is_empty() {
        lines.push((start, current));
    }
    lines
}

/// The line without a comment: `#` at the start or after whitespace (pip's rule, so
/// `#egg=` and `#sha256=` URL fragments stay).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let comment = bytes.iter().enumerate().position(|(i, &b)| {
        b == b'#' && (i == 0 || bytes.get(i - 1).is_some_and(u8::is_ascii_whitespace))
    });
    match comment {
        Some(at) => line.get(..at).unwrap_or(line).trim_end(),
        None => line.trim_end(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_lines_join_continuations_and_drop_comments() {
        let text = "# c\n\npkgA==1.0 \\\n  --hash=sha256:12\nurl#egg=x # note\nlast \\";
        let lines = logical_lines(text);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].0, 3);
        assert!(lines[0].1.contains("--hash=sha256:12"));
        assert_eq!((lines[1].0, lines[1].1.as_str()), (5, "url#egg=x"));
        assert_eq!(lines[2].0, 6);
    }

    #[test]
    fn options_split() {
        assert_eq!(split_option(&["-rbase.txt"]), ("-r", Some("base.txt")));
        assert_eq!(
            split_option(&["--requirement=a.txt"]),
            ("--requirement", Some("a.txt"))
        );
        assert_eq!(split_option(&["-c", "c.txt"]), ("-c", Some("c.txt")));
    }
}
