//! Small helpers of the Python analysis: name shapes, variable classes, literal shapes.

use super::*;

/// The taint scope of a node: its innermost function, or module level.
pub(super) fn scope_of(item: &Item<'_>) -> usize {
    item.innermost.map(|f| f.id() + 1).unwrap_or(0)
}

/// Deserializers that run code: unpickling calls any function the data names.
pub(super) fn is_deserializer(name: &str) -> bool {
    matches!(name.rsplit('.').next(), Some("loads" | "load"))
        && ["pickle", "_pickle", "cPickle", "dill", "marshal"]
            .iter()
            .any(|m| name.starts_with(m))
}

pub(super) fn hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

pub(super) fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

pub(super) fn strip_builtins(name: &str) -> String {
    name.strip_prefix("builtins.")
        .or_else(|| name.strip_prefix("__builtins__."))
        .or_else(|| name.strip_prefix("."))
        .unwrap_or(name)
        .to_owned()
}

/// The last identifier of a callee text (`f` of `self.f`, `x.y.f`).
pub(super) fn last_name(text: &str) -> String {
    text.rsplit('.').next().unwrap_or(text).trim().to_owned()
}

/// Whether a callee is reached through a lookup of a computed name.
pub(super) fn is_indirect(function: Node<'_>, source: &str) -> bool {
    let text = text_of(function, source);
    [
        "getattr(",
        "globals()",
        "locals()",
        "vars(",
        "__import__(",
        "__dict__",
        "import_module(",
    ]
    .iter()
    .any(|marker| text.contains(marker))
}

pub(super) fn is_indirect_lookup(node: Node<'_>, source: &str) -> bool {
    matches!(node.kind(), "call" | "subscript") && is_indirect(node, source)
}

/// `open(...).read()` and friends: the version-file idiom, not hidden code.
pub(super) fn reads_a_file(arg: &str) -> bool {
    arg.contains("open(") || arg.contains(".read_text(") || arg.contains("read()")
}

/// Whether code handed to `eval`/`exec` is only a literal (strings, numbers, `True`,
/// `False`, `None`, tuples, lists, dicts and sets of them): evaluating it runs nothing,
/// like `ast.literal_eval` (setuptools' `eval('"static", "shared"')`). Prefixed strings
/// (`f"..."` formats, so it runs code) and anything else are not.
pub(super) fn is_inert_literal(code: &str) -> bool {
    let mut chars = code.chars().peekable();
    let mut saw_value = false;
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                saw_value = true;
                let mut closed = false;
                while let Some(inner) = chars.next() {
                    if inner == '\\' {
                        chars.next();
                    } else if inner == c {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return false;
                }
            }
            c if c.is_ascii_digit() => saw_value = true,
            c if c.is_ascii_whitespace() => {}
            ',' | ':' | '(' | ')' | '[' | ']' | '{' | '}' | '.' | '-' | '+' => {}
            c if c.is_ascii_alphabetic() => {
                let mut word = String::from(c);
                while let Some(next) = chars.peek().filter(|n| n.is_ascii_alphanumeric()) {
                    word.push(*next);
                    chars.next();
                }
                if !matches!(word.as_str(), "True" | "False" | "None") {
                    return false;
                }
                saw_value = true;
            }
            _ => return false,
        }
    }
    saw_value
}

pub(super) fn first_word(command: &str) -> String {
    let word = command.split_whitespace().next().unwrap_or("");
    let word = word.rsplit(['/', '\\']).next().unwrap_or(word);
    word.trim_matches(|c| c == '"' || c == '\'')
        .to_ascii_lowercase()
}

/// The labels a program's output carries: downloaded data when the program is a download
/// tool printing what it fetched (`curl URL`, PowerShell's `Invoke-WebRequest`,
/// `DownloadString`), the host's identity for `whoami`, `hostname` and the like.
pub(super) fn command_output_labels(command: &str) -> u8 {
    let program = first_word(command);
    let lower = command.to_ascii_lowercase();
    let mut labels = 0;
    let powershell_download = program.starts_with("powershell")
        && (lower.contains("downloadstring")
            || lower
                .split_whitespace()
                .any(|word| crate::shell::DOWNLOAD_TOOLS.contains(&word)));
    if crate::shell::DOWNLOAD_TOOLS.contains(&program.as_str()) || powershell_download {
        labels |= DOWNLOADED;
    }
    if crate::shell::RECON_COMMANDS.contains(&program.as_str()) {
        labels |= HOST;
    }
    labels
}

/// Environment variables that name the user or the machine.
pub(super) const HOST_VARIABLES: &[&str] = &[
    "COMPUTERNAME",
    "USERNAME",
    "USER",
    "HOSTNAME",
    "USERDOMAIN",
    "LOGNAME",
    "USERPROFILE",
];

/// The labels of one environment variable read by name.
pub(super) fn env_key_labels(key: Option<&str>) -> u8 {
    match key {
        Some(key) if HOST_VARIABLES.contains(&key) => HOST,
        Some(key) if secret_name(key) => SECRET,
        Some(key) if CI_TOKENS.contains(&key) => TOKEN,
        _ => 0,
    }
}

/// Environment variables that hold CI, registry and cloud credentials: what the 2025
/// npm and PyPI worms collected from build machines.
const CI_TOKENS: &[&str] = &[
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "NPM_TOKEN",
    "NODE_AUTH_TOKEN",
    "PYPI_TOKEN",
    "PYPI_API_TOKEN",
    "TWINE_PASSWORD",
    "CARGO_REGISTRY_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "CI_JOB_TOKEN",
    "GITLAB_TOKEN",
    "CIRCLE_TOKEN",
    "AZURE_CLIENT_SECRET",
    "GOOGLE_APPLICATION_CREDENTIALS",
];

/// Hosts of the services those credentials belong to: sending a token there is using it.
pub(super) fn is_token_service(host: &str) -> bool {
    [
        "github.com",
        "githubusercontent.com",
        "npmjs.org",
        "npmjs.com",
        "pypi.org",
        "crates.io",
        "amazonaws.com",
        "gitlab.com",
        "circleci.com",
        "azure.com",
        "microsoftonline.com",
        "googleapis.com",
    ]
    .iter()
    .any(|service| host == *service || host.ends_with(&format!(".{service}")))
}

/// The host of the first `http(s)://` URL written in an expression's text (`'https://h/x?d='
/// + token` names `h` even though the whole does not fold).
pub(super) fn url_host_in(text: &str) -> Option<String> {
    let start = text.find("://")? + 3;
    let scheme = text.get(..start - 3)?;
    if !(scheme.ends_with("http") || scheme.ends_with("https")) {
        return None;
    }
    let host: String = text
        .get(start..)?
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect();
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Variable names that hold what no library sends to a third party: private keys and
/// wallet seeds (passwords and tokens go to their own services all the time, so they are
/// not on this list).
pub(super) fn secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "private_key",
        "privatekey",
        "privkey",
        "mnemonic",
        "seed_phrase",
        "seedphrase",
        "wallet_key",
        "secret_key",
    ]
    .iter()
    .any(|s| lower.contains(s))
}

pub(super) fn describe(labels: u8) -> &'static str {
    if labels & TOKEN != 0 && labels & SECRET == 0 {
        "a CI, registry or cloud credential"
    } else if labels & SECRET != 0 {
        "secrets or personal data"
    } else {
        "the host's identity"
    }
}

/// A literal an attacker's decryption routine would take: long, and either full of
/// control characters or with the character entropy of ciphertext.
pub(super) fn is_opaque(text: &str) -> bool {
    let count = text.chars().count();
    if !(200..=4_000_000).contains(&count) {
        return false;
    }
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if controls * 10 >= count {
        return true;
    }
    let mut frequency: HashMap<char, usize> = HashMap::new();
    for c in text.chars() {
        *frequency.entry(c).or_default() += 1;
    }
    let entropy: f64 = frequency
        .values()
        .map(|&n| {
            let p = n as f64 / count as f64;
            -p * p.log2()
        })
        .sum();
    entropy > 5.6 && !text.contains(' ')
}

/// Whether a plain string literal holds Python that does something worth a look.
pub(super) fn is_python_payload(text: &str) -> bool {
    (text.contains("import ") || text.contains("__import__"))
        && [
            "exec(",
            "system(",
            "urlopen",
            "socket.",
            "subprocess",
            "Popen",
            "b64decode",
            "requests.",
            "pickle.loads",
            "marshal.loads",
            "zlib.decompress",
        ]
        .iter()
        .any(|m| text.contains(m))
}

/// Whether decoded text reads like code or a command line rather than data.
pub(crate) fn looks_like_code(text: &str) -> bool {
    let probes = [
        "import ",
        "exec(",
        "eval(",
        "def ",
        "os.system",
        "subprocess",
        "require(",
        "function(",
        "http://",
        "https://",
        "powershell",
        "cmd.exe",
        "/bin/sh",
        "curl ",
        "wget ",
        "base64",
        "socket",
        "__import__",
        "Invoke-",
        "IEX",
        "child_process",
    ];
    probes.iter().any(|p| text.contains(p))
}

/// Identifier shapes that only obfuscators produce: non-ASCII names, `_0x` hex names,
/// names made of `I`/`l`/`1` or `O`/`0` only.
pub(super) fn identifier_shapes(items: &[Item<'_>], source: &str) -> Vec<Signal> {
    let mut non_ascii = (0usize, 0u32);
    let mut confusable = (0usize, 0u32);
    let mut underscores = (0usize, 0u32);
    let mut names = HashSet::new();
    for item in items {
        if item.kind != "identifier" {
            continue;
        }
        let name = text_of(item.node, source);
        if !names.insert(name) {
            continue;
        }
        let line = line_of(item.node);
        if !name.is_ascii() {
            non_ascii.0 += 1;
            if non_ascii.1 == 0 {
                non_ascii.1 = line;
            }
        }
        let core = name.trim_start_matches('_');
        // `_____`, `_______`: names told apart by their length alone.
        if core.is_empty() && name.len() >= 3 {
            underscores.0 += 1;
            if underscores.1 == 0 {
                underscores.1 = line;
            }
        }
        if core.len() >= 6
            && (core.chars().all(|c| matches!(c, 'I' | 'l' | '1'))
                || core.chars().all(|c| matches!(c, 'O' | '0')))
        {
            confusable.0 += 1;
            if confusable.1 == 0 {
                confusable.1 = line;
            }
        }
    }
    let mut signals = Vec::new();
    // An obfuscator renames nearly everything; a library may alias a few classes in their
    // own script (pyparsing's `漢字 = Kanji`), so a fifth of the names must be non-ASCII.
    if non_ascii.0 >= 8 && non_ascii.0 * 5 >= names.len() {
        signals.push(Signal::new(
            SignalKind::Obfuscator,
            non_ascii.1,
            Reach::Always,
            format!("{} non-ASCII identifiers", non_ascii.0),
        ));
    }
    if confusable.0 >= 8 {
        signals.push(Signal::new(
            SignalKind::Obfuscator,
            confusable.1,
            Reach::Always,
            format!("{} identifiers of only I/l/1 or O/0", confusable.0),
        ));
    }
    if underscores.0 >= 5 {
        signals.push(Signal::new(
            SignalKind::Obfuscator,
            underscores.1,
            Reach::Always,
            format!("{} identifiers made of underscores only", underscores.0),
        ));
    }
    signals
}

/// A host name or address of this machine or its private network: contacting it is no
/// beacon to someone else's server.
pub(super) fn is_local_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    matches!(host, "localhost" | "0.0.0.0" | "::1")
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || ["127.", "10.", "192.168."]
            .iter()
            .any(|prefix| host.starts_with(prefix))
}
