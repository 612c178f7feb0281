//! The sinks of one file's walk: calls (programs, network, exec of decoded or computed
//! code, setup() overrides), environment reads and long literals, judged with the aliases,
//! constants and taint that `state` bound.

use super::*;

/// File name endings of scripts an interpreter runs.
const SCRIPTS: &[&str] = &[
    ".py", ".pyw", ".sh", ".bash", ".ps1", ".bat", ".cmd", ".vbs", ".js",
];

/// Files whose contents run at the next login, shell or boot.
const PERSISTENCE_FILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".zshrc",
    ".zprofile",
    ".profile",
    "config.fish",
    "autostart",
    "launchagents",
    "systemd/user",
    "/etc/cron",
    "/etc/rc.local",
    "start menu\\programs\\startup",
];

/// File name endings of Windows programs and scripts that run when opened.
const WINDOWS_PROGRAMS: &[&str] = &[
    ".exe", ".scr", ".dll", ".bat", ".cmd", ".ps1", ".vbs", ".msi", ".hta",
];

/// Name-resolving calls: a name built from host identity is a DNS beacon.
const RESOLVERS: &[&str] = &[
    "socket.gethostbyname",
    "socket.gethostbyname_ex",
    "socket.getaddrinfo",
    "socket.getfqdn",
];

/// Windows programs build scripts run to find or drive a compiler or a tool chain.
const WINDOWS_BUILD_TOOLS: &[&str] = &[
    "cl.exe",
    "link.exe",
    "lib.exe",
    "vswhere.exe",
    "msbuild.exe",
    "nmake.exe",
    "cmake.exe",
    "git.exe",
    "python.exe",
    "py.exe",
    "where.exe",
    "rc.exe",
    "mt.exe",
    "signtool.exe",
];

/// The Windows program file (`.exe`, `.scr`, `.vbs`, `.hta`, `.msi`) a command line starts,
/// other than a build tool: a package that ships one and starts it, or starts one it
/// dropped, runs code nobody can read in the package.
fn windows_program_run(command: &str) -> Option<&str> {
    let built_path = command.contains("join(") || command.contains("__file__");
    command
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ','))
        // A path (`C:\\Users\\...\\x.exe`, `os.path.join(here, 'update.exe')`): a bare name
        // is a tool on PATH (`objdump.exe` in numpy's MinGW support).
        .filter(|word| built_path || word.contains(['/', '\\', '*', '%']))
        .map(|word| word.rsplit(['/', '\\']).next().unwrap_or(word))
        .find(|file| {
            let lower = file.to_ascii_lowercase();
            lower.len() > 4
                && [".exe", ".scr", ".vbs", ".hta", ".msi"]
                    .iter()
                    .any(|ext| lower.ends_with(ext))
                && !WINDOWS_BUILD_TOOLS.contains(&lower.as_str())
        })
}

impl State<'_> {
    /// Whether an argument is a name put together at run time (an f-string, `+`,
    /// `'.'.join(...)`, `.format(...)`, or a name bound to one).
    fn builds_a_name(&self, argument: Node<'_>) -> bool {
        let text = self.text(argument);
        matches!(argument.kind(), "binary_operator" | "concatenated_string")
            || argument.kind() == "string" && text.starts_with(['f', 'F'])
            || argument.kind() == "call" && (text.contains(".join(") || text.contains(".format("))
            || self.folder().sketch(argument).is_some()
    }

    pub(super) fn call(&self, node: Node<'_>, reach: Reach, facts: &mut PyFacts) {
        let line = line_of(node);
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        self.executable_write(node, function, reach, facts);
        // `getattr(builtins, name_computed_at_run_time)(...)`: a builtin whose name is
        // hidden is judged as the worst it could be, `exec`.
        let (name, callee) = match self.resolve(function) {
            Some(name) => {
                let callee = match classify(&name) {
                    Callee::Other if self.sends_on_a_connection(function) => Callee::Network,
                    callee => callee,
                };
                (name, callee)
            }
            None if self.is_computed_builtin(function) => {
                ("a builtin named at run time".to_owned(), Callee::Exec)
            }
            None => return,
        };
        let arguments = node.child_by_field_name("arguments");
        let written = self.text(function);
        if callee != Callee::Other && is_indirect(function, self.source) {
            facts.signals.push(Signal::new(
                SignalKind::IndirectCall,
                line,
                reach,
                format!(
                    "`{}` is `{name}` reached indirectly",
                    crate::shorten(written, 80)
                ),
            ));
        }
        // What the arguments carry, for the callees below that look at it (most calls
        // call something else, and walking every argument list costs).
        let uses_labels = match callee {
            Callee::Exec | Callee::Network | Callee::Process => true,
            Callee::Decoder => is_deserializer(&name),
            Callee::Other => name == "compile",
            _ => false,
        };
        let labels = if uses_labels {
            arguments.map(|a| self.labels(a)).unwrap_or(0)
        } else {
            0
        };
        match callee {
            Callee::Exec => self.exec(node, &name, labels, reach, facts),
            // `compile(data, name, 'exec')` makes code of what it is given; libraries
            // compile templates and sources they build, so only decoded or downloaded
            // data counts (what runs the code object, `exec` or `FunctionType`, may be
            // anywhere).
            Callee::Other if name == "compile" && labels & (DECODED | DOWNLOADED) != 0 => {
                self.exec(node, &name, labels, reach, facts)
            }
            Callee::Network => {
                let address = arguments.and_then(|a| self.address_argument(a));
                self.beacon(address, &name, line, reach, facts);
                if address.is_some_and(|a| self.labels(a) & DECODED != 0) {
                    facts.signals.push(Signal::new(
                        SignalKind::HiddenEndpoint,
                        line,
                        reach,
                        format!("`{name}` contacts an address decoded at run time"),
                    ));
                }
                // Resolving the machine's own name is ordinary (resolvers, agents); host
                // identity leaves by DNS when it is built into a longer name.
                let own_name_resolved = labels & SECRET == 0
                    && RESOLVERS.contains(&name.as_str())
                    && !arguments
                        .and_then(|a| children(a).next())
                        .is_some_and(|first| self.builds_a_name(first));
                if labels & (SECRET | HOST) != 0 && !own_name_resolved
                    || self.sends_token_away(address, labels, reach)
                {
                    facts.signals.push(Signal::new(
                        SignalKind::ExfilFlow,
                        line,
                        reach,
                        format!("`{name}` sends {}", describe(labels)),
                    ));
                }
                facts.signals.push(Signal::new(
                    SignalKind::Network,
                    line,
                    reach,
                    format!("`{name}`"),
                ));
            }
            Callee::Process => {
                let folded_args: Vec<String> = arguments
                    .map(|a| children(a).filter_map(|n| self.fold_arg(n)).collect())
                    .unwrap_or_default();
                let command = folded_args.join(" ");
                let program = first_word(&command);
                // A downloaded archive unpacked or a binary made executable is how
                // prebuilt binaries arrive; running the download itself is not.
                let unpacks = ["tar", "unzip", "chmod", "7z", "gzip", "xz"]
                    .contains(&program.as_str())
                    || BUILD_PROGRAMS.contains(&program.as_str())
                        && !command.contains("sys.executable");
                let downloads = crate::shell::DOWNLOAD_TOOLS.contains(&program.as_str());
                if labels & DOWNLOADED != 0 && !unpacks
                    || self.wrote_download.contains(&self.scope) && !unpacks && !downloads
                {
                    facts.signals.push(Signal::new(
                        SignalKind::DownloadRun,
                        line,
                        reach,
                        format!("`{name}` runs what was downloaded"),
                    ));
                }
                if labels & DECODED != 0 {
                    facts.signals.push(Signal::new(
                        SignalKind::ExecDecoded,
                        line,
                        reach,
                        format!("`{name}` runs a decoded command"),
                    ));
                } else if self.wrote_decoded.contains(&self.scope) && !unpacks {
                    facts.signals.push(Signal::new(
                        SignalKind::ExecDecoded,
                        line,
                        reach,
                        format!("`{name}` runs a program after writing decoded data to a file"),
                    ));
                }
                if labels & (SECRET | HOST) != 0
                    && ["curl", "wget", "nslookup", "dig", "ping", "host"]
                        .contains(&program.as_str())
                {
                    facts.signals.push(Signal::new(
                        SignalKind::ExfilFlow,
                        line,
                        reach,
                        format!("`{program}` is given {}", describe(labels)),
                    ));
                }
                if let Some(file) = windows_program_run(&command) {
                    facts.signals.push(Signal::new(
                        SignalKind::ExecutableDrop,
                        line,
                        reach,
                        format!("`{name}` starts the Windows program file `{file}`"),
                    ));
                }
                if command.contains("pip") && command.contains("install") {
                    facts.signals.push(Signal::new(
                        SignalKind::SecondStage,
                        line,
                        reach,
                        format!("runs `{}`", crate::shorten(&command, 100)),
                    ));
                } else if !BUILD_PROGRAMS.contains(&program.as_str())
                    && !command.contains("sys.executable")
                {
                    let shown = if command.is_empty() {
                        written.to_owned()
                    } else {
                        command.clone()
                    };
                    facts.signals.push(Signal::new(
                        SignalKind::ProcessExec,
                        line,
                        reach,
                        format!("`{name}` runs `{}`", crate::shorten(&shown, 100)),
                    ));
                }
                if !command.is_empty() {
                    facts
                        .payloads
                        .push((line, command, format!("command line of `{name}`")));
                }
            }
            Callee::HostInfo => facts.signals.push(Signal::new(
                SignalKind::HostRecon,
                line,
                reach,
                format!("`{name}()`"),
            )),
            Callee::Capture => facts.signals.push(Signal::new(
                SignalKind::Surveillance,
                line,
                reach,
                format!("`{name}`"),
            )),
            Callee::Pip => facts.signals.push(Signal::new(
                SignalKind::SecondStage,
                line,
                reach,
                format!("`{name}` installs more packages"),
            )),
            Callee::Decoder
                if is_deserializer(&name)
                    && (labels & DOWNLOADED != 0
                        || labels & DECODED != 0
                            && arguments.is_some_and(|a| self.holds_blob(a))) =>
            {
                facts.signals.push(Signal::new(
                    SignalKind::ExecDecoded,
                    line,
                    reach,
                    format!("`{name}` runs decoded data (unpickling runs code)"),
                ));
            }
            Callee::Decoder | Callee::WorkingDir | Callee::Other => {}
        }
        if name == "setup" || name.ends_with(".setup") {
            self.setup_call(node, facts);
        }
    }

    /// A network call at a module's own top level (not in a function, not in a setup
    /// script, whose top level `setup-network` judges) to an address that folds to a
    /// fixed `http(s)://` URL of another machine.
    fn beacon(
        &self,
        address: Option<Node<'_>>,
        name: &str,
        line: u32,
        reach: Reach,
        facts: &mut PyFacts,
    ) {
        if self.scope != 0 || self.all_reached || reach != Reach::Always {
            return;
        }
        let Some(url) = address.and_then(|a| self.folder().fold(a)) else {
            return;
        };
        let Some(rest) = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
        else {
            return;
        };
        let host = rest
            .split(['/', ':', '?', '#'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if host.is_empty() || is_local_host(&host) {
            return;
        }
        facts.signals.push(Signal::new(
            SignalKind::ImportBeacon,
            line,
            reach,
            format!(
                "`{name}` contacts {} from the module's top level, as it is imported",
                crate::shorten(&url, 100)
            ),
        ));
    }

    /// Downloaded or decoded data saved under a Windows program's name (`.exe`, `.scr`,
    /// `.dll`, ...): `urlretrieve(url, 'x.exe')`, or `f.write(data)` on a handle opened
    /// from such a path. Prebuilt binaries arrive as archives or under the package's own
    /// folder; a payload is written where it will be started.
    fn executable_write(
        &self,
        call: Node<'_>,
        function: Node<'_>,
        reach: Reach,
        facts: &mut PyFacts,
    ) {
        let last = last_name(self.text(function));
        let arguments = call.child_by_field_name("arguments");
        self.script_write(call, function, &last, facts);
        self.persistence_write(call, function, &last, reach, facts);
        let path = match last.as_str() {
            "urlretrieve" => arguments
                .and_then(|a| children(a).nth(1))
                .map(|p| self.text(p).to_owned()),
            "write" | "write_bytes" | "writelines"
                if arguments.is_some_and(|a| self.labels(a) & (DOWNLOADED | DECODED) != 0) =>
            {
                function
                    .child_by_field_name("object")
                    .and_then(|o| self.handles.get(&(self.scope, self.text(o).to_owned())))
                    .cloned()
            }
            _ => None,
        };
        let Some(path) = path else {
            return;
        };
        let name = path
            .trim_end_matches(['\'', '"', ')', ' '])
            .to_ascii_lowercase();
        if WINDOWS_PROGRAMS.iter().any(|ext| name.ends_with(ext)) {
            facts.signals.push(Signal::new(
                SignalKind::ExecutableDrop,
                line_of(call),
                reach,
                format!(
                    "saves downloaded or decoded data as a program: `{}`",
                    crate::shorten(&path, 80)
                ),
            ));
        }
    }

    /// `f.write('...')` on a handle opened from a script's path (`.py`, `.sh`, `.ps1`, ...):
    /// the code a dropper writes line by line before it runs it. The text written through
    /// one handle is kept together ([`PyFacts::written_scripts`]) and analysed as a payload.
    fn script_write(&self, call: Node<'_>, function: Node<'_>, last: &str, facts: &mut PyFacts) {
        if !matches!(last, "write" | "writelines") {
            return;
        }
        let Some(path) = function
            .child_by_field_name("object")
            .and_then(|o| self.handles.get(&(self.scope, self.text(o).to_owned())))
        else {
            return;
        };
        let name = path
            .trim_end_matches(['\'', '"', ')', ' '])
            .to_ascii_lowercase();
        if !SCRIPTS.iter().any(|ext| name.ends_with(ext)) {
            return;
        }
        let Some(text) = call
            .child_by_field_name("arguments")
            .and_then(|a| children(a).next())
            .and_then(|a| self.folder().fold(a))
        else {
            return;
        };
        facts.script_text(line_of(call), path, &text);
    }

    /// A CI or cloud credential sent, by code that runs on its own, to a fixed address
    /// of a host that is not the credential's service.
    fn sends_token_away(&self, address: Option<Node<'_>>, labels: u8, reach: Reach) -> bool {
        if labels & TOKEN == 0 || reach != Reach::Always || (self.scope != 0 && !self.all_reached) {
            return false;
        }
        address
            .and_then(|a| url_host_in(self.text(a)))
            .is_some_and(|host| !is_local_host(&host) && !is_token_service(&host))
    }

    /// Text written into a shell's start-up file, an autostart folder or a scheduler's
    /// table: `open('~/.bashrc', 'a').write(...)`, `Path.home() / '.zshrc'` then
    /// `write_text`. Tools that set up shells do it from a command the user runs (a
    /// function); from code that runs on its own it is a foothold for the next login.
    fn persistence_write(
        &self,
        call: Node<'_>,
        function: Node<'_>,
        last: &str,
        reach: Reach,
        facts: &mut PyFacts,
    ) {
        if !matches!(last, "write" | "writelines" | "write_text" | "write_bytes") {
            return;
        }
        let Some(object) = function.child_by_field_name("object") else {
            return;
        };
        let object_text = self.text(object);
        let path = self
            .handles
            .get(&(self.scope, object_text.to_owned()))
            .cloned()
            .or_else(|| self.opened_path(object))
            .unwrap_or_else(|| object_text.to_owned())
            .to_ascii_lowercase();
        let Some(target) = PERSISTENCE_FILES.iter().find(|t| path.contains(*t)) else {
            return;
        };
        facts.signals.push(Signal::new(
            SignalKind::PersistenceWrite,
            line_of(call),
            reach,
            format!(
                "writes to `{target}`: `{}`",
                crate::shorten(&path.replace('\n', " "), 80)
            ),
        ));
    }

    /// The address a network call is given: its first positional argument, else `url=`.
    fn address_argument<'t>(&self, arguments: Node<'t>) -> Option<Node<'t>> {
        let first = children(arguments).next()?;
        if first.kind() != "keyword_argument" {
            return Some(first);
        }
        children(arguments)
            .filter(|a| a.kind() == "keyword_argument")
            .find(|a| {
                a.child_by_field_name("name")
                    .is_some_and(|n| self.text(n) == "url")
            })
            .and_then(|a| a.child_by_field_name("value"))
    }

    /// A call argument as a string: folded, or the name of a variable (for commands).
    /// `s.sendall(data)`, `session.post(url, data)`: a send method of a name bound to a
    /// socket or network client.
    fn sends_on_a_connection(&self, function: Node<'_>) -> bool {
        function.kind() == "attribute"
            && function
                .child_by_field_name("object")
                .is_some_and(|object| self.connections.contains(self.text(object)))
            && function
                .child_by_field_name("attribute")
                .is_some_and(|method| {
                    matches!(
                        self.text(method),
                        "send"
                            | "sendall"
                            | "sendto"
                            | "connect"
                            | "request"
                            | "get"
                            | "post"
                            | "put"
                            | "putrequest"
                    )
                })
    }

    pub(super) fn fold_arg(&self, node: Node<'_>) -> Option<String> {
        match node.kind() {
            "list" | "tuple" => Some(
                children(node)
                    .map(|n| {
                        self.folder()
                            .fold(n)
                            .unwrap_or_else(|| self.text(n).to_owned())
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            "keyword_argument" => None,
            _ => self
                .folder()
                .fold(node)
                .or_else(|| Some(self.text(node).to_owned())),
        }
    }

    /// `getattr(builtins, X)` or `getattr(__builtins__, X)` with an `X` that does not fold.
    fn is_computed_builtin(&self, function: Node<'_>) -> bool {
        if function.kind() != "call" {
            return false;
        }
        let callee = function
            .child_by_field_name("function")
            .and_then(|f| self.resolve(f));
        let Some(arguments) = function.child_by_field_name("arguments") else {
            return false;
        };
        let object = arguments.named_child(0).and_then(|o| self.resolve(o));
        callee.as_deref() == Some("getattr")
            && matches!(object.as_deref(), Some("builtins" | "__builtins__"))
            && arguments
                .named_child(1)
                .is_some_and(|n| self.folder().fold(n).is_none())
    }

    pub(super) fn exec(
        &self,
        node: Node<'_>,
        name: &str,
        labels: u8,
        reach: Reach,
        facts: &mut PyFacts,
    ) {
        let line = line_of(node);
        let Some(first) = node
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
        else {
            return;
        };
        let arg = crate::shorten(&self.text(first).replace('\n', " "), 80);
        if labels & DOWNLOADED != 0 {
            facts.signals.push(Signal::new(
                SignalKind::ExecDownloaded,
                line,
                reach,
                format!("`{name}` runs downloaded code: `{arg}`"),
            ));
        } else if labels & DECODED != 0 {
            facts.signals.push(Signal::new(
                SignalKind::ExecDecoded,
                line,
                reach,
                format!("`{name}` runs decoded data: `{arg}`"),
            ));
        } else if let Some(code) = self.folder().fold(first) {
            if is_inert_literal(&code) {
                // Data, not code: nothing runs.
                return;
            }
            if first.kind() == "string" || written_out(&code, self.source) {
                facts.signals.push(Signal::new(
                    SignalKind::DynamicExec,
                    line,
                    reach,
                    format!("`{name}` of a code string"),
                ));
            } else {
                facts.signals.push(Signal::new(
                    SignalKind::ExecBuilt,
                    line,
                    reach,
                    format!("`{name}` runs a string built at run time: `{arg}`"),
                ));
            }
            facts
                .payloads
                .push((line, code, format!("code given to `{name}`")));
        } else if let Some(size) = transformed_literal(first, self.source) {
            facts.signals.push(Signal::new(
                SignalKind::ExecBuilt,
                line,
                reach,
                format!(
                    "`{name}` runs a string it builds from a {size}-character literal, character by character: `{arg}`"
                ),
            ));
        } else if !reads_a_file(self.text(first)) {
            facts.signals.push(Signal::new(
                SignalKind::DynamicExec,
                line,
                reach,
                format!("`{name}` of `{arg}`"),
            ));
        }
    }

    /// `setup(cmdclass={'install': ...})`: an install command replaced by the package's own.
    pub(super) fn setup_call(&self, node: Node<'_>, facts: &mut PyFacts) {
        let Some(arguments) = node.child_by_field_name("arguments") else {
            return;
        };
        for argument in children(arguments) {
            if argument.kind() != "keyword_argument"
                || argument.child_by_field_name("name").map(|n| self.text(n)) != Some("cmdclass")
            {
                continue;
            }
            let text = argument
                .child_by_field_name("value")
                .map(|v| self.text(v))
                .unwrap_or("");
            let overridden: Vec<&str> = [
                "install",
                "develop",
                "egg_info",
                "build_py",
                "sdist",
                "bdist_wheel",
                "bdist_egg",
            ]
            .into_iter()
            .filter(|c| {
                text.contains(&format!("'{c}'"))
                    || text.contains(&format!("\"{c}\""))
                    || text.contains(&format!("{c}="))
            })
            .collect();
            if !overridden.is_empty() {
                facts.signals.push(Signal::new(
                    SignalKind::InstallOverride,
                    line_of(argument),
                    Reach::Always,
                    format!("setup() replaces the `{}` command", overridden.join("`, `")),
                ));
            }
        }
    }

    pub(super) fn environ(&self, item: &Item<'_>, reach: Reach, facts: &mut PyFacts) {
        let node = item.node;
        let Some(parent) = item.parent else {
            return;
        };
        let key = match parent.kind() {
            "subscript" => parent
                .child_by_field_name("subscript")
                .and_then(|k| self.folder().fold(k)),
            "attribute" => parent
                .parent()
                .filter(|call| call.kind() == "call")
                .and_then(|call| self.first_string(call)),
            _ => None,
        };
        if env_key_labels(key.as_deref()) & HOST != 0 {
            facts.signals.push(Signal::new(
                SignalKind::HostRecon,
                line_of(node),
                reach,
                format!("reads `{}` from the environment", key.unwrap_or_default()),
            ));
        }
        let whole = match parent.kind() {
            "attribute" => parent
                .child_by_field_name("attribute")
                .is_some_and(|a| matches!(self.text(a), "items" | "keys" | "values" | "copy")),
            // `type(os.environ)`, `isinstance(x, type(os.environ))`: its type, not its
            // contents.
            "argument_list" => !parent
                .parent()
                .and_then(|call| call.child_by_field_name("function"))
                .is_some_and(|f| {
                    matches!(self.text(f), "type" | "isinstance" | "issubclass" | "id")
                }),
            "for_statement" => true,
            _ => false,
        };
        if whole && !self.child_environment(node) {
            facts.signals.push(Signal::new(
                SignalKind::EnvHarvest,
                line_of(node),
                reach,
                "the whole environment is read",
            ));
        }
    }

    /// Whether a whole-environment read is the environment prepared for a child
    /// process: `env = os.environ.copy()` or `env = env if env else dict(os.environ)` with
    /// the same name handed on as `env=env` (versioneer's `git` runner in pandas, numpy's
    /// distutils). Copying the environment to start a program with it reads nothing out.
    fn child_environment(&self, environ: Node<'_>) -> bool {
        let mut node = environ;
        let assignment = loop {
            let Some(parent) = node.parent() else {
                return false;
            };
            match parent.kind() {
                "assignment" => break parent,
                "attribute"
                | "call"
                | "argument_list"
                | "conditional_expression"
                | "parenthesized_expression"
                | "boolean_operator" => node = parent,
                _ => return false,
            }
        };
        let Some(name) = assignment
            .child_by_field_name("left")
            .filter(|left| left.kind() == "identifier")
            .map(|left| self.text(left))
        else {
            return false;
        };
        let compact: String = self.source.chars().filter(|c| !c.is_whitespace()).collect();
        compact.contains(&format!("env={name})")) || compact.contains(&format!("env={name},"))
    }

    /// Long literals that decode to text: decoded and kept for analysis. `bare`: the
    /// string is a statement of its own (a docstring): code written in it as plain text
    /// is an example, not a payload (an `exec(__doc__)` is caught as an exec).
    pub(super) fn literal(
        &self,
        node: Node<'_>,
        bare: bool,
        reach: Reach,
        facts: &mut PyFacts,
        seen: &mut HashSet<u64>,
    ) {
        if node.byte_range().len() < crate::judge::decode::MIN_ENCODED_LEN {
            return;
        }
        let Some(value) = string_value(node, self.source) else {
            return;
        };
        let Some((text, chain)) = crate::judge::decode::unwrap_layers(&value, 4) else {
            // Code kept as plain text, to be written to a file or handed to an
            // interpreter later: analysed like the file around it.
            if !bare && value.len() >= 40 && is_python_payload(&value) && seen.insert(hash(&value))
            {
                facts
                    .payloads
                    .push((line_of(node), value, "code in a string literal".to_owned()));
            } else if is_opaque(&value) {
                facts.signals.push(Signal::new(
                    SignalKind::OpaqueBlob,
                    line_of(node),
                    reach,
                    format!(
                        "a {}-character literal of random-looking text",
                        value.chars().count()
                    ),
                ));
            }
            return;
        };
        if !looks_like_code(&text) || !seen.insert(hash(&text)) {
            return;
        }
        let how: Vec<&str> = chain.iter().map(|e| e.as_str()).collect();
        let line = line_of(node);
        facts.signals.push(Signal::new(
            SignalKind::EncodedCode,
            line,
            reach,
            format!(
                "a {} literal decodes to code: `{}`",
                how.join("+"),
                crate::shorten(text.trim(), 60).replace('\n', " ")
            ),
        ));
        facts
            .payloads
            .push((line, text, format!("{} literal", how.join("+"))));
    }
}

/// `"".join(<comprehension over a literal>)` or `"".join(map(chr, [<computed>, ...]))`:
/// code recovered from a literal one character
/// at a time (a substitution cipher, an XOR, a shuffled alphabet) that folding could not
/// follow. The size of the largest literal inside, when it is at least 40 characters or
/// 40 list elements.
fn transformed_literal(argument: Node<'_>, source: &str) -> Option<usize> {
    const AT_LEAST: usize = 40;
    let function = argument.child_by_field_name("function")?;
    if argument.kind() != "call"
        || function.kind() != "attribute"
        || function
            .child_by_field_name("attribute")
            .is_none_or(|a| text_of(a, source) != "join")
    {
        return None;
    }
    let arguments = argument.child_by_field_name("arguments")?;
    let comprehension = if arguments.kind() == "generator_expression" {
        arguments
    } else {
        // A comprehension, or `map(f, [...])` over a list of computed elements.
        children(arguments).next().filter(|n| {
            matches!(n.kind(), "list_comprehension" | "generator_expression")
                || n.kind() == "call"
                    && n.child_by_field_name("function")
                        .is_some_and(|f| text_of(f, source) == "map")
        })?
    };
    let mut largest = 0;
    let mut stack = vec![comprehension];
    let mut visited = 0;
    while let Some(node) = stack.pop() {
        visited += 1;
        if visited > 10_000 {
            break;
        }
        let size = match node.kind() {
            "string" => node.end_byte() - node.start_byte(),
            "list" | "tuple" => node.named_child_count(),
            _ => 0,
        };
        largest = largest.max(size);
        stack.extend(children(node));
    }
    (largest >= AT_LEAST).then_some(largest)
}

/// Whether every line of folded code appears as it is in the file's source: a code
/// string kept in a variable or split over implicit concatenation (IPython's
/// `s = ("import numpy\n" "import matplotlib\n")` then `exec(s)`) hides nothing, unlike
/// one put together from characters, reversed or cut into pieces.
fn written_out(code: &str, source: &str) -> bool {
    let mut lines = code
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .peekable();
    lines.peek().is_some() && lines.all(|line| source.contains(line))
}
