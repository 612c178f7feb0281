//! What a resolved name calls: the table from dotted names to the behaviour the rules
//! care about (exec, programs, the network, decoders, pip).

/// What a resolved callee does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Callee {
    Exec,
    Decoder,
    Network,
    Process,
    HostInfo,
    /// The working directory: sent along in beacons, read by every build.
    WorkingDir,
    Capture,
    Pip,
    Other,
}

pub(super) fn classify(name: &str) -> Callee {
    let name = name
        .strip_prefix("builtins.")
        .or_else(|| name.strip_prefix("__builtins__."))
        .unwrap_or(name);
    let last = name.rsplit('.').next().unwrap_or(name);
    let module = name.rsplit_once('.').map(|(m, _)| m).unwrap_or("");
    let top = name.split('.').next().unwrap_or(name);
    match name {
        "exec" | "eval" | "execfile" | "runpy.run_path" | "runpy.run_module" => {
            return Callee::Exec;
        }
        "getpass.getuser" | "os.getlogin" | "socket.gethostname" | "socket.getfqdn"
        | "platform.node" | "uuid.getnode" => {
            return Callee::HostInfo;
        }
        // Build-platform code reads these everywhere; they count only when sent.
        "os.getcwd" | "os.getcwdb" | "os.uname" | "platform.uname" => return Callee::WorkingDir,
        "pip.main" | "pip._internal.main" | "pip._internal.cli.main.main" => return Callee::Pip,
        _ => {}
    }
    if matches!(top, "subprocess" | "pty" | "commands") && !last.starts_with(char::is_uppercase)
        || last == "Popen"
        || (module == "os"
            && (last == "system"
                || last == "popen"
                || last == "startfile"
                || last.starts_with("exec")
                || last.starts_with("spawn")))
        || last == "create_subprocess_shell"
        || last == "create_subprocess_exec"
        || last == "ShellExecuteW"
        || last == "ShellExecuteA"
        || last == "ShellExecute"
    {
        return Callee::Process;
    }
    let http_verb = matches!(
        last,
        "get"
            | "post"
            | "put"
            | "patch"
            | "delete"
            | "head"
            | "options"
            | "request"
            | "Session"
            | "session"
            | "Client"
            | "AsyncClient"
            | "stream"
            | "send"
            | "urlopen"
    );
    if matches!(top, "requests" | "httpx") && http_verb
        || name.starts_with("urllib.request.")
            && matches!(
                last,
                "urlopen" | "urlretrieve" | "Request" | "build_opener" | "OpenerDirector"
            )
        || matches!(
            top,
            "urllib3"
                | "aiohttp"
                | "ftplib"
                | "smtplib"
                | "telnetlib"
                | "websocket"
                | "websockets"
                | "pycurl"
                | "paramiko"
                | "discord_webhook"
                | "dhooks"
                | "httplib"
                | "urllib2"
        )
        || name.starts_with("http.client.")
        || name.starts_with("dns.resolver.")
        || matches!(
            name,
            "socket.socket"
                | "socket.create_connection"
                | "socket.gethostbyname"
                | "socket.getaddrinfo"
                | "urllib.urlopen"
                | "urllib.urlretrieve"
        )
        || matches!(last, "urlopen" | "urlretrieve")
    {
        return Callee::Network;
    }
    if matches!(
        last,
        "b64decode"
            | "b32decode"
            | "b85decode"
            | "a85decode"
            | "b16decode"
            | "urlsafe_b64decode"
            | "standard_b64decode"
            | "decodebytes"
            | "decodestring"
            | "unhexlify"
            | "a2b_base64"
            | "a2b_hex"
            | "fromhex"
            | "decrypt"
            | "decrypt_and_verify"
    ) || (last == "decompress" && matches!(top, "zlib" | "gzip" | "bz2" | "lzma"))
        || (last == "loads" && matches!(top, "marshal" | "pickle" | "dill"))
        || name == "codecs.decode"
    {
        return Callee::Decoder;
    }
    if matches!(
        last,
        "paste" | "GetClipboardData" | "clipboard_get" | "grab" | "screenshot" | "GetAsyncKeyState"
    ) && matches!(
        top,
        "pyperclip"
            | "win32clipboard"
            | "ImageGrab"
            | "PIL"
            | "pyautogui"
            | "tkinter"
            | "ctypes"
            | "mss"
    ) {
        return Callee::Capture;
    }
    Callee::Other
}

/// Programs that builds run: a process start naming one of these is the build, not an attack.
pub(super) const BUILD_PROGRAMS: &[&str] = &[
    "gcc",
    "g++",
    "cc",
    "c++",
    "clang",
    "clang++",
    "make",
    "cmake",
    "ninja",
    "pkg-config",
    "git",
    "rustc",
    "cargo",
    "xcrun",
    "ldconfig",
    "uname",
    "which",
    "ar",
    "ld",
    "nvcc",
    "swig",
    "cython",
    "protoc",
    "sys.executable",
    "node",
    "npm",
    "gfortran",
    "nasm",
    "yasm",
    "meson",
    "autoreconf",
    "./configure",
    "sh ./configure",
    "hg",
    "svn",
    "lsb_release",
    "sw_vers",
    "llvm-config",
    "python-config",
    "icc",
    "cl",
    "cl.exe",
    "patch",
    "install_name_tool",
    "otool",
    "strip",
    "brew",
    "go",
    "javac",
    "mvn",
];
