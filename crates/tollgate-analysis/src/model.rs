//! The vocabulary of the install-time code map: phases, kinds of code, hooks, rules and
//! the per-package report.

use std::fmt;

use serde::{Deserialize, Serialize};
use tollgate_model::{Ecosystem, Evidence, Severity};

/// The install phase that runs a piece of code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// npm `preinstall` script.
    Preinstall,
    /// npm `install` script.
    Install,
    /// npm `postinstall` script.
    Postinstall,
    /// The implicit `node-gyp rebuild` npm runs for a `binding.gyp` without install scripts.
    NodeGyp,
    /// A Python sdist's `setup.py`, run by the setuptools build backend.
    #[serde(rename = "setup.py")]
    SetupPy,
    /// A PEP 517 build backend shipped inside the sdist (`backend-path`).
    BuildBackend,
    /// A Cargo build script.
    #[serde(rename = "build.rs")]
    BuildRs,
    /// A Cargo procedural macro, run by the compiler.
    ProcMacro,
}

impl Phase {
    /// The phase as printed (`postinstall`, `setup.py`, `build.rs`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Preinstall => "preinstall",
            Phase::Install => "install",
            Phase::Postinstall => "postinstall",
            Phase::NodeGyp => "node-gyp",
            Phase::SetupPy => "setup.py",
            Phase::BuildBackend => "build-backend",
            Phase::BuildRs => "build.rs",
            Phase::ProcMacro => "proc-macro",
        }
    }

    /// The kind of install-time code this phase belongs to.
    pub fn kind(self) -> CodeKind {
        match self {
            Phase::Preinstall | Phase::Install | Phase::Postinstall => CodeKind::NpmScript,
            Phase::NodeGyp => CodeKind::NodeGyp,
            Phase::SetupPy | Phase::BuildBackend => CodeKind::SdistBuild,
            Phase::BuildRs => CodeKind::BuildRs,
            Phase::ProcMacro => CodeKind::ProcMacro,
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of install-time code a package runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodeKind {
    /// npm lifecycle scripts (`preinstall`, `install`, `postinstall`).
    NpmScript,
    /// `node-gyp rebuild` of a `binding.gyp`.
    NodeGyp,
    /// Building a Python source distribution.
    SdistBuild,
    /// A Cargo build script.
    BuildRs,
    /// A Cargo procedural macro.
    ProcMacro,
}

impl CodeKind {
    /// The kind as printed (`npm-script`, `sdist-build`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            CodeKind::NpmScript => "npm-script",
            CodeKind::NodeGyp => "node-gyp",
            CodeKind::SdistBuild => "sdist-build",
            CodeKind::BuildRs => "build-rs",
            CodeKind::ProcMacro => "proc-macro",
        }
    }
}

impl fmt::Display for CodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether installing or building a package runs its author's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum CodeState {
    /// It does, in these ways.
    RunsCode {
        /// The kinds of code, without repeats, in a stable order.
        kinds: Vec<CodeKind>,
    },
    /// It does not.
    NoCode,
    /// The source of this answer cannot tell.
    Unknown,
}

impl CodeState {
    /// A short label: `runs-code (npm-script, node-gyp)`, `no-code`, `unknown`.
    pub fn label(&self) -> String {
        match self {
            CodeState::RunsCode { kinds } => {
                let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                format!("runs-code ({})", kinds.join(", "))
            }
            CodeState::NoCode => "no-code".to_owned(),
            CodeState::Unknown => "unknown".to_owned(),
        }
    }

    /// Whether the state is `runs-code`.
    pub fn runs_code(&self) -> bool {
        matches!(self, CodeState::RunsCode { .. })
    }
}

/// One place where a package's code is run at install or build time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    /// The phase that runs it.
    pub phase: Phase,
    /// The command, when the hook is a command line (npm scripts) or a backend name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The files of the package the hook runs first (`install.js`, `setup.py`, `build.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry_files: Vec<String>,
    /// Where the hook is declared.
    pub evidence: Evidence,
}

/// An analysis rule. The id is stable and documented in `docs/install-time-code.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Network access: HTTP clients, sockets, DNS, curl/wget.
    Network,
    /// Reading a credential location (~/.ssh, ~/.npmrc, .env, wallets, ...).
    CredentialRead,
    /// Dumping the whole environment or reading token-like variables.
    EnvHarvest,
    /// Decoded data passed to eval/exec, very long encoded literals.
    Obfuscation,
    /// Running other programs.
    ProcessExec,
    /// Downloading something and running it.
    DownloadExec,
    /// Writing outside the package: shell rc files, crontab, startup folders, ssh keys.
    WriteOutside,
    /// Credentials or the environment read, and the network used, by the same install phase.
    Exfiltration,
}

impl Rule {
    /// Every rule, in documentation order.
    pub const ALL: [Rule; 8] = [
        Rule::Network,
        Rule::CredentialRead,
        Rule::EnvHarvest,
        Rule::Obfuscation,
        Rule::ProcessExec,
        Rule::DownloadExec,
        Rule::WriteOutside,
        Rule::Exfiltration,
    ];

    /// The stable rule id.
    pub fn id(self) -> &'static str {
        match self {
            Rule::Network => "network",
            Rule::CredentialRead => "credential-read",
            Rule::EnvHarvest => "env-harvest",
            Rule::Obfuscation => "obfuscation",
            Rule::ProcessExec => "process-exec",
            Rule::DownloadExec => "download-exec",
            Rule::WriteOutside => "write-outside",
            Rule::Exfiltration => "exfiltration",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One thing install-time code does, with the place that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeFinding {
    /// The rule that fired.
    pub rule: Rule,
    /// How serious it is.
    pub severity: Severity,
    /// The install phase that runs the code.
    pub phase: Phase,
    /// The file inside the package (`install.js`, `package.json`, `build.rs`).
    pub file: String,
    /// The 1-based line.
    pub line: u32,
    /// The source line, trimmed and shortened.
    pub snippet: String,
    /// What was seen.
    pub message: String,
}

/// The install-time code of one package: its hooks and what they do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageReport {
    /// The package's ecosystem.
    pub ecosystem: Ecosystem,
    /// Name, from the package's own manifest when it has one.
    pub name: String,
    /// Version, from the package's own manifest when it has one.
    pub version: String,
    /// Whether installing it runs code, from the package's files.
    pub state: CodeState,
    /// The hooks that run code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Hook>,
    /// What that code does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<CodeFinding>,
    /// Things the analysis could not do (a file too large, a script target missing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Bytes of install-time source that were parsed.
    pub bytes_parsed: u64,
    /// `sha256:<hex>` over the install-time code: each hook's phase and command, then every
    /// file the hooks run (path and contents, in path order). Pin it in the policy's
    /// install-scripts allow-list to be told when that code changes. `None` when nothing
    /// runs at install time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_digest: Option<String>,
    /// The verdict over everything the package runs: install, startup and import code.
    #[serde(default)]
    pub verdict: crate::judge::Verdict,
}

impl PackageReport {
    /// The most serious finding's severity, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}
