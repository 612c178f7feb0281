//! Denials as the sandboxed program saw them. Landlock and the empty network namespace
//! report to the process itself (`EACCES`, `EPERM`, `ENETUNREACH`, a failed name lookup);
//! the kernel keeps no log we can read without audit privileges. So tollgate reads the
//! program's own error output and picks out the lines that carry such an error, with the
//! path or address they name. A program that swallows its errors silently is not seen.
//!
//! In the constructed view, a path that is not mounted does not exist: the program gets
//! `ENOENT`. Such a line counts as a denial only when the path it names exists on the host
//! but is hidden from the view ([`crate::Plan::denials`] knows which), so a genuinely
//! missing file is not reported.

use std::path::Path;

/// What kind of access was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenialKind {
    /// A file or directory (Landlock).
    File,
    /// A network connection (network namespace or Landlock TCP rule).
    Network,
    /// A host-name lookup (no resolver reachable).
    NameLookup,
    /// A signal, ptrace or other operation refused with `EPERM`.
    Operation,
    /// A connection through tollgate's proxy to a host that is not allowed (recorded by the
    /// proxy itself, not read from the output).
    Host,
    /// A system call refused by the seccomp filter (recorded by tollgate's seccomp
    /// listener (the `notify` module), not read from the output).
    Syscall,
}

impl DenialKind {
    /// A stable name for JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            DenialKind::File => "file",
            DenialKind::Network => "network",
            DenialKind::NameLookup => "name_lookup",
            DenialKind::Operation => "operation",
            DenialKind::Host => "host",
            DenialKind::Syscall => "syscall",
        }
    }

    /// Who recorded a denial of this kind, for JSON output: `proxy`, `seccomp`, or
    /// `output` (read from the program's error output).
    pub fn source(self) -> &'static str {
        match self {
            DenialKind::Host => "proxy",
            DenialKind::Syscall => "seccomp",
            _ => "output",
        }
    }
}

/// One denial reported by the sandboxed program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// What was denied.
    pub kind: DenialKind,
    /// The path or address named in the message, `~/`-shortened, when one was found.
    pub target: Option<String>,
    /// The output line it came from (trimmed); for the proxy's denials, its own account.
    pub line: String,
    /// Why it was refused, when tollgate itself knows (the proxy: "not a configured
    /// registry"); `None` for denials read from the program's output.
    pub why: Option<String>,
    /// The program that was refused, when tollgate itself knows (the seccomp listener reads
    /// the caller's name, `comm`, which the program chooses: escape it when shown).
    pub program: Option<String>,
}

/// Markers of each kind, matched case-sensitively against one output line.
const MARKERS: &[(&str, DenialKind)] = &[
    ("EACCES", DenialKind::File),
    ("Permission denied", DenialKind::File),
    ("EXDEV", DenialKind::File),
    ("EROFS", DenialKind::File),
    ("Read-only file system", DenialKind::File),
    ("Invalid cross-device link", DenialKind::File),
    ("ENETUNREACH", DenialKind::Network),
    ("Network is unreachable", DenialKind::Network),
    ("ECONNREFUSED", DenialKind::Network),
    ("Connection refused", DenialKind::Network),
    ("EAI_AGAIN", DenialKind::NameLookup),
    ("ENOTFOUND", DenialKind::NameLookup),
    (
        "Temporary failure in name resolution",
        DenialKind::NameLookup,
    ),
    ("EPERM", DenialKind::Operation),
    ("Operation not permitted", DenialKind::Operation),
];

/// "Not found" markers: a denial only when the named path is hidden by the view.
const HIDDEN_MARKERS: &[&str] = &["ENOENT", "No such file or directory"];

/// At most this many denials are kept per scan, so a looping program cannot flood memory.
const MAX_DENIALS: usize = 200;

/// Picks the denials out of `output`, de-duplicated, in order of first appearance.
pub fn scan(output: &str, home: &Path) -> Vec<Denial> {
    scan_with(output, home, &|_| false)
}

/// As [`scan`], and "not found" errors naming a path for which `hidden` is true (a path
/// that exists on the host but not in the sandbox's view) count as file denials.
pub fn scan_with(output: &str, home: &Path, hidden: &dyn Fn(&Path) -> bool) -> Vec<Denial> {
    let mut denials: Vec<Denial> = Vec::new();
    for line in output.lines() {
        let found = MARKERS
            .iter()
            .find(|(marker, _)| line.contains(marker))
            .map(|&(_, kind)| (kind, None));
        let found = found.or_else(|| {
            if !HIDDEN_MARKERS.iter().any(|marker| line.contains(marker)) {
                return None;
            }
            let target = target_in(line, DenialKind::File)?;
            hidden(Path::new(&target)).then_some((DenialKind::File, Some(target)))
        });
        let Some((kind, raw_target)) = found else {
            continue;
        };
        let target = raw_target
            .or_else(|| target_in(line, kind))
            .map(|target| shorten(&target, home));
        // A bare "EACCES" after a denial that named its target is the same error's detail
        // (Node prints `code: 'EACCES'` under the message).
        if target.is_none() && denials.iter().any(|seen| seen.kind == kind) {
            continue;
        }
        if denials.iter().any(|seen| {
            seen.kind == kind
                && seen.target == target
                && (target.is_some() || seen.line == line.trim())
        }) {
            continue;
        }
        denials.push(Denial {
            kind,
            target,
            line: line.trim().to_owned(),
            why: None,
            program: None,
        });
        if denials.len() == MAX_DENIALS {
            break;
        }
    }
    denials
}

/// The path (for file denials) or `host:port` (for network ones) named in `line`.
fn target_in(line: &str, kind: DenialKind) -> Option<String> {
    let words =
        line.split(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '`' | ',' | '(' | ')'));
    match kind {
        DenialKind::File | DenialKind::Operation | DenialKind::Host | DenialKind::Syscall => words
            .filter(|word| word.starts_with('/') && word.len() > 1)
            .map(|word| word.trim_end_matches([':', '.']).to_owned())
            .next(),
        DenialKind::Network => words
            .filter(|word| {
                word.rsplit_once(':').is_some_and(|(host, port)| {
                    !host.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
                })
            })
            .map(str::to_owned)
            .next(),
        DenialKind::NameLookup => words
            .skip_while(|word| !word.contains("EAI_AGAIN") && !word.contains("ENOTFOUND"))
            .nth(1)
            .map(str::to_owned),
    }
}

fn shorten(target: &str, home: &Path) -> String {
    match Path::new(target).strip_prefix(home) {
        Ok(rest) if home.as_os_str().len() > 1 => format!("~/{}", rest.display()),
        _ => target.to_owned(),
    }
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            DenialKind::File => "tried to open",
            DenialKind::Network | DenialKind::Host => "tried to connect to",
            DenialKind::NameLookup => "tried to resolve",
            DenialKind::Operation => "was refused",
            DenialKind::Syscall => "made the system call",
        };
        if let (DenialKind::Syscall, Some(target), Some(program)) =
            (self.kind, &self.target, &self.program)
        {
            let why = self.why.as_deref().unwrap_or("seccomp filter");
            return write!(f, "{what} {target} in {program} (refused: {why})");
        }
        match (&self.target, &self.why) {
            (Some(target), Some(why)) => write!(f, "{what} {target} (refused: {why})"),
            (Some(target), None) => write!(f, "{what} {target} (denied)"),
            (None, _) => write!(f, "{what}: {}", self.line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_eacces_names_the_file_under_home() {
        let output =
            "Error: EACCES: permission denied, open '/tmp/h/.npmrc'\n    at Object.openSync\n";
        let denials = scan(output, Path::new("/tmp/h"));
        assert_eq!(denials.len(), 1);
        assert_eq!(denials[0].kind, DenialKind::File);
        assert_eq!(denials[0].target.as_deref(), Some("~/.npmrc"));
        assert_eq!(denials[0].to_string(), "tried to open ~/.npmrc (denied)");
    }

    #[test]
    fn network_and_rust_io_errors() {
        let output = "connect ENETUNREACH 127.0.0.1:8080 - Local (undefined:undefined)\n\
             thread 'main' panicked: reading /root/.ssh/id_rsa: Permission denied (os error 13)\n\
             getaddrinfo EAI_AGAIN example.com\n\
             all good here\n";
        let denials = scan(output, Path::new("/root"));
        let summary: Vec<String> = denials.iter().map(ToString::to_string).collect();
        assert_eq!(
            summary,
            vec![
                "tried to connect to 127.0.0.1:8080 (denied)",
                "tried to open ~/.ssh/id_rsa (denied)",
                "tried to resolve example.com (denied)",
            ]
        );
    }

    #[test]
    fn detail_lines_of_a_named_denial_are_folded() {
        let output = "Error: EACCES: permission denied, open '/h/.npmrc'\n  code: 'EACCES',\n";
        assert_eq!(scan(output, Path::new("/h")).len(), 1);
    }

    #[test]
    fn not_found_counts_only_for_paths_hidden_by_the_view() {
        let output = "reading /h/.ssh/id_rsa: No such file or directory (os error 2)\n\
             cannot open /project/missing.txt: No such file or directory\n";
        let hidden = |path: &Path| path.starts_with("/h/.ssh");
        let denials = scan_with(output, Path::new("/h"), &hidden);
        let summary: Vec<String> = denials.iter().map(ToString::to_string).collect();
        assert_eq!(summary, vec!["tried to open ~/.ssh/id_rsa (denied)"]);
        assert!(scan(output, Path::new("/h")).is_empty());
    }

    #[test]
    fn repeated_lines_are_reported_once() {
        let output = "open /x: Permission denied\nopen /x: Permission denied\n";
        assert_eq!(scan(output, Path::new("/home/u")).len(), 1);
    }
}
