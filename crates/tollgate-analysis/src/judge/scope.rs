//! Which files of a package run when, and the signals each gives: the install-time entry
//! points from the hooks map, `.pth`/`sitecustomize` (startup), what an import or
//! `require` of the package runs (import), and every other source file as passive
//! evidence (runtime). Imports are followed inside the package, including
//! package-qualified (`from pkg._impl import *`), relative (`from . import x`) and
//! `__init__`-through forms.

use std::collections::{BTreeMap, HashSet, VecDeque};
use tollgate_model::Ecosystem;

use super::layout::{
    Importable, entry_points, is_import_root, is_source, npm_entries, resolve_js_entry,
    resolve_python,
};
use super::signal::{CodePhase, Reach, Signal, SignalKind};
use super::{Budget, JudgeOptions, Located, python, text};
use crate::files::PackageFiles;
use crate::model::{CodeFinding, PackageReport, Phase, Rule};
use crate::rules::{Language, evaluate};

/// Most layers of decoded payloads analysed under one literal.
const MAX_PAYLOAD_DEPTH: usize = 3;
/// Most payloads analysed in one package.
const MAX_PAYLOADS: usize = 200;
/// Most functions of one file counted as called from other files (each one may mean
/// analysing the file again).
const MAX_OUTSIDE_CALLS: usize = 16;
/// How many levels of imports are followed from an import root.
const MAX_IMPORT_DEPTH: usize = 3;
/// Most source bytes parsed for import-time code in one package; past it the rest of the
/// package gets the text signals only.
const MAX_IMPORT_PARSE_BYTES: u64 = 2 * 1024 * 1024;
/// Where a payload sits: its file, phase and reach, and whether that file is a setup
/// script's or hook's own entry file.
struct Site<'a> {
    file: &'a str,
    phase: CodePhase,
    reach: Reach,
    setup_entry: bool,
}

struct Collector<'a> {
    files: &'a PackageFiles,
    options: &'a JudgeOptions,
    budget: &'a Budget<'a>,
    signals: Vec<Located>,
    /// Phase given to each file (the earliest phase that runs it wins).
    phases: BTreeMap<String, CodePhase>,
    bytes: u64,
    payloads: usize,
    /// Functions of a file that running code of another file calls (by path): they run
    /// when that code runs.
    called_from_outside: BTreeMap<String, Vec<String>>,
    /// How many of those each file was analysed with.
    analysed_with: BTreeMap<String, usize>,
}

/// All signals of a package, and whether the source-byte budget ran out before every
/// file was looked at.
pub(crate) fn collect(
    files: &PackageFiles,
    report: &PackageReport,
    budget: &Budget<'_>,
) -> (Vec<Located>, bool) {
    let mut collector = Collector {
        files,
        options: budget.options,
        budget,
        signals: Vec::new(),
        phases: BTreeMap::new(),
        bytes: 0,
        payloads: 0,
        called_from_outside: BTreeMap::new(),
        analysed_with: BTreeMap::new(),
    };
    match report.ecosystem {
        Ecosystem::PyPI => collector.python(report),
        Ecosystem::Npm => collector.javascript(report),
        Ecosystem::CratesIo => collector.rust(report),
    }
    collector.passive();
    let exhausted = collector.bytes > collector.options.max_bytes;
    (collector.signals, exhausted)
}

impl Collector<'_> {
    /// Checked before each file and each payload: past the time, memory or source-byte
    /// budget the analysis stops (and [`super::judge`] adds `analysis-limit`: padding a
    /// package with bulk must not hide what comes after it).
    fn out_of_budget(&self) -> bool {
        self.bytes > self.options.max_bytes
            || self.budget.out_of_time()
            || self.budget.out_of_memory()
    }

    fn push(&mut self, file: &str, phase: CodePhase, signals: Vec<Signal>) {
        self.signals
            .extend(signals.into_iter().map(|signal| Located {
                signal,
                file: file.to_owned(),
                phase,
            }));
    }

    fn python(&mut self, report: &PackageReport) {
        let mut queue: VecDeque<(String, CodePhase, usize)> = VecDeque::new();
        if self.files.contains("setup.py") {
            queue.push_back(("setup.py".to_owned(), CodePhase::Install, 0));
        }
        for hook in &report.hooks {
            for entry in &hook.entry_files {
                if entry.ends_with(".py") {
                    queue.push_back((entry.clone(), CodePhase::Install, 0));
                }
            }
        }
        let paths: Vec<String> = self.files.paths().map(str::to_owned).collect();
        for path in &paths {
            let name = path.rsplit('/').next().unwrap_or(path);
            if name.ends_with(".pth") {
                self.pth(path);
            } else if matches!(name, "sitecustomize.py" | "usercustomize.py") {
                queue.push_back((path.clone(), CodePhase::Startup, 0));
            }
        }
        for path in &paths {
            if is_import_root(path) {
                queue.push_back((path.clone(), CodePhase::Import, 0));
            }
        }
        // A wheel's scripts (`NAME.data/scripts/CMD`) are copied into the environment's
        // `bin/` and run as commands: their top level runs like an entry point's.
        for path in &paths {
            if is_wheel_python_script(path, self.files.text(path).as_deref()) {
                queue.push_back((path.clone(), CodePhase::Import, 0));
            }
        }
        // Then every other module: its top-level code runs when it is imported.
        let importable = Importable::new(self.files);
        for path in &paths {
            if path.ends_with(".py") && !is_import_root(path) && importable.contains(path) {
                queue.push_back((path.clone(), CodePhase::Import, 0));
            }
        }
        let entries = entry_points(self.files);
        let mut import_bytes = 0u64;
        while let Some((path, phase, depth)) = queue.pop_front() {
            if self.out_of_budget() {
                break;
            }
            let outside = self.called_from_outside.get(&path).map_or(0, Vec::len);
            let new_callers = outside > self.analysed_with.get(&path).copied().unwrap_or(0);
            if self.phases.get(&path).is_some_and(|seen| *seen <= phase) && !new_callers {
                continue;
            }
            let Some(source) = self.files.text(&path) else {
                continue;
            };
            if phase == CodePhase::Import {
                if depth > MAX_IMPORT_DEPTH || import_bytes > MAX_IMPORT_PARSE_BYTES {
                    continue;
                }
                if !python::worth_parsing(&source)
                    && !python::calls_an_import_at_module_level(&source)
                {
                    // Nothing to find with the parser; its imports still count.
                    self.phases.insert(path.clone(), phase);
                    self.push(&path, phase, text::scan(&source, Reach::Always));
                    for module in python::imports_by_text(&source) {
                        if let Some(target) = resolve_python(self.files, &path, &module) {
                            queue.push_back((target, phase, depth + 1));
                        }
                    }
                    continue;
                }
                import_bytes += source.len() as u64;
            }
            self.phases.insert(path.clone(), phase);
            self.bytes += source.len() as u64;
            let mut entry_functions: Vec<String> = entries
                .iter()
                .filter(|(module, _)| {
                    resolve_python(self.files, "setup.py", module).as_deref() == Some(path.as_str())
                })
                .map(|(_, function)| function.clone())
                .collect();
            if let Some(called) = self.called_from_outside.get(&path) {
                entry_functions.extend(called.iter().cloned());
                self.analysed_with.insert(path.clone(), called.len());
            }
            let facts =
                python::analyse_with_entries(&source, phase != CodePhase::Import, &entry_functions);
            let mut texts = text::scan(&source, Reach::Always);
            for signal in &mut texts {
                signal.reach = facts.reach_of_line(signal.line);
            }
            self.push(&path, phase, texts);
            for (line, built) in &facts.built_strings {
                let mut signals = text::scan(built, facts.reach_of_line(*line));
                for signal in &mut signals {
                    signal.line = *line;
                    signal.why = format!("{} (in a string built at run time)", signal.why);
                }
                self.push(&path, phase, signals);
            }
            // The setup script itself (or a hook's entry file), not what it imports: a
            // build backend's modules keep network helpers at their top level.
            if phase == CodePhase::Install && depth == 0 {
                let own = setup_network(&facts.signals, &|line| facts.reach_of_line(line));
                self.push(&path, phase, own);
            }
            let reaches: Vec<Reach> = facts
                .payloads
                .iter()
                .map(|(line, _, _)| facts.reach_of_line(*line))
                .collect();
            self.push(&path, phase, facts.signals);
            for ((line, payload, how), reach) in facts.payloads.into_iter().zip(reaches) {
                let site = Site {
                    file: &path,
                    phase,
                    reach,
                    setup_entry: phase == CodePhase::Install && depth == 0,
                };
                self.payload(&site, line, &payload, &how, 1);
            }
            for (module, function) in facts.called_imports {
                let Some(target) = resolve_python(self.files, &path, &module) else {
                    continue;
                };
                let called = self.called_from_outside.entry(target.clone()).or_default();
                if called.len() < MAX_OUTSIDE_CALLS && !called.contains(&function) {
                    called.push(function);
                    queue.push_back((target, phase, depth + 1));
                }
            }
            for module in facts.imports {
                if let Some(target) = resolve_python(self.files, &path, &module) {
                    queue.push_back((target, phase, depth + 1));
                }
            }
        }
    }

    /// A `.pth` file: lines starting with `import` run at every interpreter start.
    fn pth(&mut self, path: &str) {
        let Some(source) = self.files.text(path) else {
            return;
        };
        self.phases.insert(path.to_owned(), CodePhase::Startup);
        for (index, line) in source.lines().enumerate() {
            let trimmed = line.trim_start();
            if !(trimmed.starts_with("import ") || trimmed.starts_with("import\t")) {
                continue;
            }
            let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let facts = python::analyse(trimmed, true);
            let mut signals: Vec<Signal> = facts.signals;
            signals.extend(text::scan(trimmed, Reach::Always));
            // setuptools' `__import__('_distutils_hack').add_shim()`, namespace packages'
            // `__import__('importlib.util')` and pytest-cov's `exec('<literal code>')` are
            // how real wheels hook start-up: a literal module name imported, a literal
            // code string (analysed below as a payload) run. What a line computes, decodes
            // or starts is what makes it dangerous.
            let dangerous = signals
                .iter()
                .any(|s| !matches!(s.kind, SignalKind::DynamicExec))
                || ["b64decode", "subprocess", "urlopen", "system("]
                    .iter()
                    .any(|m| trimmed.contains(m))
                || computed_import(trimmed);
            if dangerous {
                signals.push(Signal::new(
                    SignalKind::PthCode,
                    1,
                    Reach::Always,
                    format!(
                        "runs at every Python start: `{}`",
                        crate::shorten(trimmed, 80)
                    ),
                ));
            }
            for signal in &mut signals {
                signal.line = number;
            }
            self.push(path, CodePhase::Startup, signals);
            for (_, payload, how) in facts.payloads {
                let site = Site {
                    file: path,
                    phase: CodePhase::Startup,
                    reach: Reach::Always,
                    setup_entry: false,
                };
                self.payload(&site, number, &payload, &how, 1);
            }
        }
    }

    /// Decoded or built code found at `line` of `site.file`: analysed as Python and
    /// scanned as text, deeper layers too. What it does counts where it sits (a payload
    /// inside a function nothing calls is passive like the function).
    fn payload(&mut self, site: &Site<'_>, line: u32, code: &str, how: &str, depth: usize) {
        let (file, phase, reach) = (site.file, site.phase, site.reach);
        if depth > MAX_PAYLOAD_DEPTH || self.payloads >= MAX_PAYLOADS || self.out_of_budget() {
            return;
        }
        self.payloads += 1;
        self.bytes += code.len() as u64;
        let at_line = |mut signals: Vec<Signal>, suffix: &str| {
            for signal in &mut signals {
                signal.line = line;
                signal.why = format!("{} (in {suffix})", signal.why);
                if reach == Reach::OnCall {
                    signal.reach = Reach::OnCall;
                }
            }
            signals
        };
        let mut inner = Vec::new();
        if how.starts_with("command line of") {
            inner.extend(at_line(command_line_signals(code), how));
        }
        let facts = python::analyse(code, true);
        inner.extend(at_line(facts.signals, how));
        if site.setup_entry && reach == Reach::Always {
            let own = setup_network(&inner, &|_| Reach::Always);
            self.push(file, phase, own);
        }
        self.push(file, phase, inner);
        self.push(file, phase, at_line(text::scan(code, Reach::Always), how));
        self.powershell(file, phase, line, code);
        for (_, payload, inner_how) in facts.payloads {
            self.payload(
                site,
                line,
                &payload,
                &format!("{inner_how} in {how}"),
                depth + 1,
            );
        }
    }

    /// `powershell -enc <base64>`: the command decoded and scanned.
    fn powershell(&mut self, file: &str, phase: CodePhase, line: u32, text: &str) {
        let lower = text.to_ascii_lowercase();
        if !lower.contains("powershell") {
            return;
        }
        for marker in ["-encodedcommand", "-enc ", "-e "] {
            let Some(at) = lower.find(marker) else {
                continue;
            };
            let rest = text.get(at + marker.len()..).unwrap_or("").trim_start();
            let blob: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
                .collect();
            if let Some((decoded, _)) = super::decode::unwrap_layers(&blob, 2) {
                let mut signals = text::scan(&decoded, Reach::Always);
                signals.push(Signal::new(
                    SignalKind::HiddenExec,
                    line,
                    Reach::Always,
                    format!(
                        "PowerShell -EncodedCommand: `{}`",
                        crate::shorten(decoded.trim(), 80)
                    ),
                ));
                for signal in &mut signals {
                    signal.line = line;
                }
                self.push(file, phase, signals);
            }
            return;
        }
    }

    fn javascript(&mut self, report: &PackageReport) {
        self.install_findings(report);
        let mut queue: VecDeque<String> = VecDeque::new();
        if let Some(manifest) = self.files.text("package.json") {
            for entry in npm_entries(&manifest) {
                if let Some(path) = resolve_js_entry(self.files, &entry) {
                    queue.push_back(path);
                }
            }
        }
        if queue.is_empty() {
            if let Some(path) = resolve_js_entry(self.files, "index") {
                queue.push_back(path);
            }
        }
        let mut seen = HashSet::new();
        while let Some(path) = queue.pop_front() {
            if self.out_of_budget() || seen.len() > 400 || !seen.insert(path.clone()) {
                continue;
            }
            self.phases.entry(path.clone()).or_insert(CodePhase::Import);
            let Some(source) = self.files.text(&path) else {
                continue;
            };
            if path.ends_with(".json") {
                // Data a module requires: nothing in it runs (its text is not code).
                continue;
            }
            self.bytes += source.len() as u64;
            let (facts, flow) = crate::javascript::facts_and_flow(&source);
            let mut signals = js_file_signals(&source, &facts);
            signals.extend(flow.signals.iter().cloned());
            flow.apply_reach(&mut signals);
            self.push(&path, CodePhase::Import, signals);
            for reference in &facts.local_refs {
                if let Some(target) = crate::analyze::resolve_js(self.files, &path, reference) {
                    queue.push_back(target);
                }
            }
        }
    }

    fn rust(&mut self, report: &PackageReport) {
        self.install_findings(report);
        if !self.options.all_code {
            return;
        }
        let paths: Vec<String> = self
            .files
            .paths()
            .filter(|p| p.ends_with(".rs"))
            .map(str::to_owned)
            .collect();
        for path in paths {
            if self.out_of_budget() || self.phases.contains_key(&path) {
                continue;
            }
            let Some(source) = self.files.text(&path) else {
                continue;
            };
            self.bytes += source.len() as u64;
            self.phases.insert(path.clone(), CodePhase::Runtime);
            let hits = evaluate(Language::Rust, &crate::rust_source::facts(&source));
            let signals = hits
                .into_iter()
                .filter_map(|hit| {
                    from_rule_at_import(hit.rule, hit.severity, &hit.message)
                        .map(|kind| Signal::new(kind, hit.line, Reach::Always, hit.message))
                })
                .collect();
            self.push(&path, CodePhase::Runtime, signals);
        }
    }

    /// The install-time analysis's findings (npm scripts, binding.gyp, build.rs,
    /// proc-macros) as signals, plus the text signals of the files they ran.
    fn install_findings(&mut self, report: &PackageReport) {
        for finding in &report.findings {
            let Some(kind) = from_rule(finding.rule, finding.severity, &finding.message) else {
                continue;
            };
            let CodeFinding {
                file,
                line,
                message,
                phase,
                ..
            } = finding;
            let _ = phase;
            self.push(
                file,
                CodePhase::Install,
                vec![Signal::new(kind, *line, Reach::Always, message.clone())],
            );
        }
        for hook in &report.hooks {
            let mut texts: Vec<(String, String)> = hook
                .entry_files
                .iter()
                .filter_map(|f| self.files.text(f).map(|t| (f.clone(), t)))
                .collect();
            if let Some(command) = &hook.command {
                texts.push(("package.json".to_owned(), command.clone()));
            }
            if hook.phase == Phase::NodeGyp {
                texts.extend(
                    self.files
                        .text("binding.gyp")
                        .map(|t| ("binding.gyp".to_owned(), t)),
                );
            }
            for (file, source) in texts {
                self.phases.insert(file.clone(), CodePhase::Install);
                let mut signals = text::scan(&source, Reach::Always);
                signals.extend(js_shapes(&source));
                if is_javascript_file(&file) {
                    let flow = crate::javascript::facts_and_flow(&source).1;
                    signals.extend(flow.signals.iter().cloned());
                    flow.apply_reach(&mut signals);
                }
                self.push(&file, CodePhase::Install, signals);
                self.powershell(&file, CodePhase::Install, 1, &source);
            }
        }
    }

    /// Every other source file: text signals only, counted as passive.
    fn passive(&mut self) {
        let paths: Vec<String> = self
            .files
            .paths()
            .filter(|p| is_source(p) && !self.phases.contains_key(*p))
            // A crate's own source is only looked at when asked (`--all-code`): bindings
            // crates name every Windows API there is.
            .filter(|p| self.options.all_code || !p.ends_with(".rs"))
            .map(str::to_owned)
            .collect();
        for path in paths {
            if self.out_of_budget() {
                break;
            }
            let Some(source) = self.files.text(&path) else {
                continue;
            };
            self.bytes += source.len() as u64 / 4;
            let signals = text::scan(&source, Reach::OnCall);
            self.push(&path, CodePhase::Runtime, signals);
        }
    }
}

/// `pkg-1.0.data/scripts/NAME` holding Python (a `.py` name or a `#!...python` first line).
fn is_wheel_python_script(path: &str, text: Option<&str>) -> bool {
    let mut parts = path.split('/');
    let (Some(data), Some("scripts"), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    data.ends_with(".data")
        && (path.ends_with(".py")
            || text.is_some_and(|t| {
                t.lines()
                    .next()
                    .is_some_and(|first| first.starts_with("#!") && first.contains("python"))
            }))
}

/// The install-time rules' findings that the verdict keeps, as signal kinds. The
/// network-and-exec pairing the old rules make (`download-exec` from any network use
/// plus any program) is left to the verdict's own combinations, and so are the long
/// literals (the verdict decodes them itself).
fn from_rule(rule: Rule, severity: tollgate_model::Severity, message: &str) -> Option<SignalKind> {
    use tollgate_model::Severity;
    Some(match rule {
        Rule::Network => SignalKind::Network,
        Rule::CredentialRead => SignalKind::CredentialStore,
        Rule::EnvHarvest if severity >= Severity::High => SignalKind::EnvHarvest,
        Rule::EnvHarvest => return None,
        Rule::Obfuscation if message.contains("decoded") => SignalKind::ExecDecoded,
        Rule::Obfuscation if message.contains("computed at run time") => SignalKind::DynamicExec,
        Rule::Obfuscation => return None,
        Rule::ProcessExec => SignalKind::ProcessExec,
        Rule::DownloadExec
            if message.starts_with("pipes a download") || message.starts_with("downloads `") =>
        {
            SignalKind::DownloadRun
        }
        Rule::DownloadExec => return None,
        Rule::WriteOutside => SignalKind::Persistence,
        Rule::Exfiltration => SignalKind::ExfilFlow,
    })
}

/// What the verdict keeps of the install-time rules in code run at import: the
/// capabilities and decoded-data execution. Libraries name `.npmrc`, `.env` and the
/// environment at import all the time (config loaders), so those only count through the
/// text signals' stricter vocabulary.
fn from_rule_at_import(
    rule: Rule,
    severity: tollgate_model::Severity,
    message: &str,
) -> Option<SignalKind> {
    match rule {
        Rule::CredentialRead | Rule::EnvHarvest | Rule::Exfiltration | Rule::WriteOutside => None,
        _ => from_rule(rule, severity, message),
    }
}

/// The network use of a setup script's own module-level code (where `reach_of_line` says
/// a line runs on its own), as one [`SignalKind::SetupNetwork`] signal: builds fetch
/// from their command classes or helpers, not from the script's top level.
fn setup_network(signals: &[Signal], reach_of_line: &dyn Fn(u32) -> Reach) -> Vec<Signal> {
    signals
        .iter()
        .find(|s| s.kind == SignalKind::Network && reach_of_line(s.line) == Reach::Always)
        .map(|s| {
            Signal::new(
                SignalKind::SetupNetwork,
                s.line,
                Reach::Always,
                format!("setup code contacts the network as it runs: {}", s.why),
            )
        })
        .into_iter()
        .collect()
}

/// What a command line a Python program starts does, by the shell scanner's rules
/// (downloads, pipes into a shell, credential paths) plus the host-identity commands in it.
fn command_line_signals(command: &str) -> Vec<Signal> {
    let mut signals: Vec<Signal> = crate::shell::scan(command, 1)
        .hits
        .into_iter()
        .filter_map(|hit| {
            from_rule(hit.rule, hit.severity, &hit.message)
                .map(|kind| Signal::new(kind, 1, Reach::Always, hit.message))
        })
        .collect();
    let words: Vec<String> = command
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let Some(recon) = words
        .iter()
        .find(|w| crate::shell::RECON_COMMANDS.contains(&w.as_str()))
    else {
        return signals;
    };
    signals.push(Signal::new(
        SignalKind::HostRecon,
        1,
        Reach::Always,
        format!("the command line runs `{recon}`"),
    ));
    // `curl https://host/?u=$(whoami)`: the identity goes out with the request. `uname`
    // is left out (download lines use it to pick the platform's binary), and `id` counts
    // only as a command substitution (the word is everywhere else).
    let network = words.iter().find(|w| crate::shell::is_network_tool(w));
    let identity = words.iter().find(|w| match w.as_str() {
        "uname" => false,
        "id" => command.contains("$(id") || command.contains("`id"),
        word => crate::shell::RECON_COMMANDS.contains(&word),
    });
    if let (Some(tool), Some(identity)) = (network, identity) {
        signals.push(Signal::new(
            SignalKind::ExfilFlow,
            1,
            Reach::Always,
            format!("the command line sends the output of `{identity}` with `{tool}`"),
        ));
    }
    signals
}

/// The rule, text, obfuscator and decoded-literal signals of one JavaScript file the
/// package runs (all at [`Reach::Always`]; the caller applies the file's reach).
fn js_file_signals(source: &str, facts: &crate::facts::Facts) -> Vec<Signal> {
    let mut signals: Vec<Signal> = evaluate(Language::JavaScript, facts)
        .into_iter()
        .filter_map(|hit| {
            from_rule_at_import(hit.rule, hit.severity, &hit.message)
                .map(|kind| Signal::new(kind, hit.line, Reach::Always, hit.message))
        })
        .collect();
    signals.extend(text::scan(&page_captures_masked(source), Reach::Always));
    signals.extend(js_shapes(source));
    for site in &facts.strings {
        let Some((decoded, _)) = super::decode::unwrap_layers(&site.text, 3) else {
            continue;
        };
        if !python::looks_like_code(&decoded) {
            continue;
        }
        let mut decoded_signals = text::scan(&decoded, Reach::Always);
        decoded_signals.push(Signal::new(
            SignalKind::EncodedCode,
            site.line,
            Reach::Always,
            format!(
                "an encoded literal decodes to code: `{}`",
                crate::shorten(decoded.trim(), 60)
            ),
        ));
        for signal in &mut decoded_signals {
            signal.line = site.line;
        }
        signals.extend(decoded_signals);
    }
    signals
}

/// `source` with the screenshot calls and methods of browser automation renamed:
/// `page.screenshot()`, `startScreenshot()`, `async screenshot() {` capture a web page a
/// library drives, not the user's screen; a screen grabber in JavaScript calls a module's
/// function by itself (`screenshot()` of `screenshot-desktop`), which stays.
fn page_captures_masked(source: &str) -> std::borrow::Cow<'_, str> {
    const CALL: &str = "screenshot(";
    let lower = source.to_ascii_lowercase();
    let method_calls: Vec<usize> = lower
        .match_indices(CALL)
        .map(|(at, _)| at)
        .filter(|at| {
            let method = lower[..*at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            // `async screenshot(options) {`: the method's definition.
            let rest = &lower[at + CALL.len()..];
            let line = rest.split('\n').next().unwrap_or("");
            let definition = line
                .find(')')
                .is_some_and(|close| line[close + 1..].trim_start().starts_with('{'));
            method || definition
        })
        .collect();
    if method_calls.is_empty() {
        return std::borrow::Cow::Borrowed(source);
    }
    let mut masked = source.as_bytes().to_vec();
    for at in method_calls {
        // Same length, so lines and offsets stay.
        masked[at..at + CALL.len()].copy_from_slice(b"pagecaptur(");
    }
    std::borrow::Cow::Owned(String::from_utf8(masked).unwrap_or_else(|_| source.to_owned()))
}

/// Whether a hook's file is JavaScript that node runs (its data flow is then followed).
fn is_javascript_file(path: &str) -> bool {
    [".js", ".cjs", ".mjs"].iter().any(|e| path.ends_with(e))
}

/// JavaScript obfuscator shapes: many `_0x` names, or a packed line.
fn js_shapes(source: &str) -> Vec<Signal> {
    let mangled = source.matches("_0x").count();
    let mut signals = Vec::new();
    if mangled >= 20 {
        let line = source
            .find("_0x")
            .map(|at| text::line_at(source, at))
            .unwrap_or(1);
        signals.push(Signal::new(
            SignalKind::Obfuscator,
            line,
            Reach::Always,
            format!("{mangled} `_0x` mangled names"),
        ));
    }
    signals
}

/// Whether a `.pth` line calls `__import__` with anything but a literal module name.
fn computed_import(line: &str) -> bool {
    line.match_indices("__import__(").any(|(at, call)| {
        let rest = line.get(at + call.len()..).unwrap_or("").trim_start();
        let Some(quote) = rest.chars().next().filter(|c| matches!(c, '\'' | '"')) else {
            return true;
        };
        let inner = rest.get(1..).unwrap_or("");
        let Some(end) = inner.find(quote) else {
            return true;
        };
        let name = inner.get(..end).unwrap_or("");
        let after = inner.get(end + 1..).unwrap_or("").trim_start();
        name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            || !after.starts_with(')')
    })
}
