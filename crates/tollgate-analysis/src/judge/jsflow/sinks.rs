//! The sinks of the JavaScript flow: what a labelled value must reach to become a signal.

use tree_sitter::Node;

use super::*;

impl Flow<'_> {
    /// Checks one call against the sinks.
    pub(super) fn sink(&mut self, node: Node<'_>) {
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        let callee = self.resolve(function).unwrap_or_default();
        let arguments: Vec<Node<'_>> = node
            .child_by_field_name("arguments")
            .map(named_children)
            .unwrap_or_default();
        let line = line_of(node);
        let sent = arguments.iter().fold(0, |l, a| l | self.labels(*a, 0));
        if NETWORK_CALLS.contains(&callee.as_str()) || SOCKET_CALLS.contains(&callee.as_str()) {
            let context = self.context_text(&arguments);
            self.exfiltration(sent, &context, &callee, line);
        }
        if function.kind() == "member_expression" {
            self.method_sink(function, &arguments, sent, line);
        }
        if callee.starts_with("dns.") {
            self.dns(&arguments, &callee, line);
        }
        if EXEC_CALLS.contains(&callee.as_str()) {
            self.exec(&arguments, sent, &callee, line);
        }
        if WRITE_CALLS.contains(&callee.as_str()) {
            if let [path, data, ..] = arguments.as_slice() {
                if self.labels(*data, 0) & DOWNLOADED != 0 && self.labels(*path, 0) & OUTSIDE != 0 {
                    self.written.insert(self.text(*path).to_owned());
                }
            }
        }
    }

    /// `req.write(data)`, `socket.send(data)` on a request or socket; `res.pipe(file)`
    /// of a download into a stream opened outside the package; a socket piped into a
    /// shell's standard input or a shell's output into a socket.
    fn method_sink(&mut self, function: Node<'_>, arguments: &[Node<'_>], sent: u8, line: u32) {
        let (Some(object), Some(method)) = (
            function.child_by_field_name("object"),
            function.child_by_field_name("property"),
        ) else {
            return;
        };
        let object_text = self.text(object).to_owned();
        let method = self.text(method).to_owned();
        if matches!(method.as_str(), "write" | "end" | "send")
            && self.requests.contains(&object_text)
        {
            let context = self.values.get(&object_text).cloned().unwrap_or_default();
            self.exfiltration(sent, &context, &format!("{object_text}.{method}"), line);
        }
        if method != "pipe" {
            return;
        }
        let Some(target) = arguments.first().map(|a| self.text(*a).to_owned()) else {
            return;
        };
        if self.labels(object, 0) & DOWNLOADED != 0 {
            if let Some(path) = self.streams.get(&target).cloned() {
                self.written.insert(path);
            }
        }
        let into_shell = self.requests.contains(&object_text)
            && target
                .strip_suffix(".stdin")
                .is_some_and(|s| self.shells.contains(s));
        let out_of_shell = self.requests.contains(&target)
            && [".stdout", ".stderr"].iter().any(|suffix| {
                object_text
                    .strip_suffix(suffix)
                    .is_some_and(|s| self.shells.contains(s))
            });
        if into_shell || out_of_shell {
            self.signals.push(Signal::new(
                SignalKind::ReverseShell,
                line,
                Reach::Always,
                format!("`{object_text}.pipe({target})` joins a socket and a shell"),
            ));
        }
    }

    /// A network call sending labelled data. The whole environment or a credential file
    /// counts wherever it goes; host identity and tokens only to an address the code
    /// names itself (libraries send their own API key to their configured service, and
    /// agents report the host name to theirs).
    fn exfiltration(&mut self, sent: u8, context: &str, callee: &str, line: u32) {
        let counts = sent & SECRET != 0 || sent & (HOST | TOKEN) != 0 && names_an_address(context);
        if !counts {
            return;
        }
        self.signals.push(Signal::new(
            SignalKind::ExfilFlow,
            line,
            Reach::Always,
            format!("{} sent with `{callee}`", describe(sent)),
        ));
    }

    /// Host identity or secrets inside a DNS name the code builds (`dns.lookup(hex +
    /// '.attacker.example')`); looking up the bare host name is ordinary.
    fn dns(&mut self, arguments: &[Node<'_>], callee: &str, line: u32) {
        let Some(name) = arguments.first() else {
            return;
        };
        let labels = self.labels(*name, 0);
        let text = match name.kind() {
            "identifier" => self
                .values
                .get(self.text(*name))
                .cloned()
                .unwrap_or_default(),
            _ => self.text(*name).to_owned(),
        };
        let built = ['\'', '"', '`'].iter().any(|q| text.contains(*q));
        if labels & (HOST | SECRET | TOKEN) != 0 && built {
            self.signals.push(Signal::new(
                SignalKind::ExfilFlow,
                line,
                Reach::Always,
                format!(
                    "{} put into a DNS name looked up with `{callee}`",
                    describe(labels)
                ),
            ));
        }
    }

    /// A command line that sends labelled data (`curl -d "$TOKEN" ...`), or a program
    /// started from a file a download was written to.
    fn exec(&mut self, arguments: &[Node<'_>], sent: u8, callee: &str, line: u32) {
        let Some(command) = arguments.first() else {
            return;
        };
        let text = self.context_text(&arguments[..1]).to_ascii_lowercase();
        if sent & (HOST | SECRET | TOKEN) != 0
            && SENDING_TOOLS.iter().any(|tool| text.contains(tool))
        {
            self.signals.push(Signal::new(
                SignalKind::ExfilFlow,
                line,
                Reach::Always,
                format!(
                    "{} sent on a command line run with `{callee}`",
                    describe(sent)
                ),
            ));
        }
        let command_text = self.text(*command);
        let started = self.written.iter().find(|path| {
            command_text == path.as_str()
                || is_identifier(path) && contains_word(command_text, path)
        });
        if let Some(path) = started.cloned() {
            self.signals.push(Signal::new(
                SignalKind::DownloadRun,
                line,
                Reach::Always,
                format!(
                    "`{callee}` starts `{}`, which a download was written to",
                    crate::shorten(&path, 60)
                ),
            ));
        }
    }

    /// A clipboard read (a command run for it, or a clipboard module) in a file whose
    /// regular expressions match wallet addresses: a swapper.
    pub(super) fn clipper(&mut self, nodes: &[Node<'_>]) {
        let wallet = nodes.iter().any(|n| {
            n.kind() == "regex" && {
                let pattern = self.text(*n).to_ascii_lowercase();
                WALLET_PATTERNS.iter().any(|p| pattern.contains(p))
            }
        });
        if !wallet {
            return;
        }
        let read = nodes.iter().find(|n| {
            let callee = n
                .child_by_field_name("function")
                .and_then(|f| self.resolve(f))
                .unwrap_or_default();
            n.kind() == "call_expression"
                && (EXEC_CALLS.contains(&callee.as_str())
                    && n.child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0))
                        .is_some_and(|command| {
                            let command = self.text(command).to_ascii_lowercase();
                            CLIPBOARD_READS.iter().any(|c| contains_word(&command, c))
                        })
                    || CLIPBOARD_MODULES.iter().any(|m| callee.starts_with(m)))
        });
        if let Some(read) = read {
            self.signals.push(Signal::new(
                SignalKind::Surveillance,
                line_of(*read),
                Reach::Always,
                "the clipboard is read in a file that matches wallet addresses (a clipboard swapper)",
            ));
        }
    }

    /// The text of arguments, with identifiers replaced by what they were bound to (the
    /// options object of `https.request(options)` holds the host).
    fn context_text(&self, arguments: &[Node<'_>]) -> String {
        let mut text = String::new();
        for argument in arguments {
            let own = self.text(*argument);
            text.push_str(own);
            text.push(' ');
            for word in own.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$')) {
                if let Some(value) = self.values.get(word) {
                    text.push_str(value);
                    text.push(' ');
                }
            }
        }
        text
    }
}
