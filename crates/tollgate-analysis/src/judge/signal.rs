//! The vocabulary of the verdict: what a piece of code was seen doing ([`SignalKind`]),
//! where, and in which phase of a package's life it runs ([`CodePhase`]).

use serde::{Deserialize, Serialize};

/// When a piece of a package's code runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodePhase {
    /// While the package is installed or built (setup.py, build backend, npm lifecycle
    /// scripts, binding.gyp, build.rs, proc-macros).
    Install,
    /// At every interpreter start once installed (`.pth`, `sitecustomize`).
    Startup,
    /// When the package is first imported or required (module top-level code).
    Import,
    /// Only when a function of the package is called, or a console script is run.
    Runtime,
}

impl CodePhase {
    /// The phase as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            CodePhase::Install => "install",
            CodePhase::Startup => "startup",
            CodePhase::Import => "import",
            CodePhase::Runtime => "runtime",
        }
    }
}

/// Whether code inside a file runs whenever the file runs, or only when a function of it
/// is called by someone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Module level, or a function that module-level code calls.
    Always,
    /// Inside a function nothing at module level calls.
    OnCall,
}

/// One kind of thing code was seen doing. The score of each is in `score.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum SignalKind {
    /// `exec`/`eval`/`Function` of data produced by a decoder.
    ExecDecoded,
    /// `exec`/`eval` of what was just downloaded.
    ExecDownloaded,
    /// A program run on what was just downloaded, or a download piped into a shell.
    DownloadRun,
    /// Secrets, host identity or personal data sent over the network.
    ExfilFlow,
    /// Browser, Discord, wallet, SSH or cloud credential stores named in the code.
    CredentialStore,
    /// Capture of keystrokes, clipboard or the screen.
    Surveillance,
    /// Autostart, shell rc, crontab, registry Run keys, git hooks.
    Persistence,
    /// Lists of debuggers, sandboxes and VMs to detect or kill.
    AntiAnalysis,
    /// A program started hidden (no window, detached, `-WindowStyle Hidden`).
    HiddenExec,
    /// A shell driven from a socket connected out.
    ReverseShell,
    /// A command that destroys data or stops the machine (`rm -rf /`, `shutdown`, `format`).
    Destructive,
    /// A shellcode loader (executable memory, a thread started on it).
    Shellcode,
    /// A known obfuscator or packer (PyArmor, `_0x` mangling, CJK or random identifiers).
    Obfuscator,
    /// A call reached through `getattr`/`globals()`/`__import__` of a computed name.
    IndirectCall,
    /// `exec`/`eval` of a string built at run time (chars, concatenation, reversal).
    ExecBuilt,
    /// A `.pth` line that runs code at every interpreter start.
    PthCode,
    /// `pip install` of another package from install-time code.
    SecondStage,
    /// An executable file name or URL (`.exe`, `.scr`, `.vbs`, `.ps1`) handled by the code.
    ExecutableDrop,
    /// Text written into a shell start-up file, an autostart folder or a scheduler's table.
    PersistenceWrite,
    /// A host typical of exfiltration: webhooks, request catchers, paste sites, tunnels,
    /// raw IP addresses.
    ExfilEndpoint,
    /// The user name, host name, addresses or working directory read.
    HostRecon,
    /// The whole environment, or token-like variables, read.
    EnvHarvest,
    /// Network access.
    Network,
    /// Network access from a setup script's own module-level code: it contacts a host as
    /// soon as the package is built, before anything was asked of it.
    SetupNetwork,
    /// A network call whose address was decoded at run time (`requests.post(b64decode(...))`):
    /// an address hidden from readers and scanners.
    HiddenEndpoint,
    /// Another program run.
    ProcessExec,
    /// A setuptools command (`install`, `develop`, `egg_info`) overridden.
    InstallOverride,
    /// A long encoded literal that decodes to code.
    EncodedCode,
    /// A long literal of random-looking or unprintable characters (an encrypted payload,
    /// or a packed table: supporting evidence only).
    OpaqueBlob,
    /// `exec`/`eval` of anything else (a file, a variable).
    DynamicExec,
    /// The analysis hit a time or size limit.
    AnalysisLimit,
    /// A cryptocurrency miner: its program name, a mining pool or the stratum protocol.
    CryptoMiner,
    /// A chat-bot credential carried in the code (a Telegram bot token, a Discord webhook
    /// with its token): whoever wrote it receives what the code sends.
    BotToken,
    /// A network call to a fixed address from a module's own top level, outside setup
    /// scripts: importing the package phones home before anything was asked of it.
    ImportBeacon,
    /// Wallet secrets handled (mnemonics, seed phrases, keys loaded into an account):
    /// no weight of its own (wallet libraries do this), evidence next to an exfiltration
    /// endpoint in the same file.
    WalletSecret,
}

impl SignalKind {
    /// The rule id of reasons built from this kind (stable; documented in
    /// `docs/install-time-code.md`).
    pub(crate) fn rule(self) -> &'static str {
        match self {
            SignalKind::ExecDecoded => "exec-decoded",
            SignalKind::ExecDownloaded => "exec-downloaded",
            SignalKind::DownloadRun => "download-run",
            SignalKind::ExfilFlow => "exfiltration",
            SignalKind::CredentialStore => "credential-store",
            SignalKind::Surveillance => "surveillance",
            SignalKind::Persistence => "persistence",
            SignalKind::AntiAnalysis => "anti-analysis",
            SignalKind::HiddenExec => "hidden-exec",
            SignalKind::Shellcode => "shellcode",
            SignalKind::Destructive => "destructive",
            SignalKind::ReverseShell => "reverse-shell",
            SignalKind::Obfuscator => "obfuscation",
            SignalKind::IndirectCall => "indirect-call",
            SignalKind::ExecBuilt => "exec-built",
            SignalKind::PthCode => "pth-code",
            SignalKind::SecondStage => "second-stage",
            SignalKind::ExecutableDrop => "executable-drop",
            SignalKind::PersistenceWrite => "persistence-write",
            SignalKind::ExfilEndpoint => "exfil-endpoint",
            SignalKind::HostRecon => "host-recon",
            SignalKind::EnvHarvest => "env-harvest",
            SignalKind::Network => "network",
            SignalKind::SetupNetwork => "setup-network",
            SignalKind::HiddenEndpoint => "hidden-endpoint",
            SignalKind::ProcessExec => "process-exec",
            SignalKind::InstallOverride => "install-override",
            SignalKind::EncodedCode => "encoded-code",
            SignalKind::DynamicExec => "dynamic-exec",
            SignalKind::OpaqueBlob => "opaque-blob",
            SignalKind::AnalysisLimit => "analysis-limit",
            SignalKind::CryptoMiner => "crypto-miner",
            SignalKind::BotToken => "bot-token",
            SignalKind::ImportBeacon => "import-beacon",
            SignalKind::WalletSecret => "wallet-secret",
        }
    }
}

/// One signal at one line of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signal {
    pub kind: SignalKind,
    pub line: u32,
    pub reach: Reach,
    /// What was seen, for the reason text.
    pub why: String,
}

impl Signal {
    pub(crate) fn new(kind: SignalKind, line: u32, reach: Reach, why: impl Into<String>) -> Self {
        Signal {
            kind,
            line,
            reach,
            why: why.into(),
        }
    }
}
