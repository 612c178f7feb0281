//! The walk over one file's parse tree: aliases, constants, taint and the signals they
//! give.

use super::*;

impl<'s> State<'s> {
    pub(super) fn text(&self, node: Node<'_>) -> &'s str {
        text_of(node, self.source)
    }

    pub(super) fn folder(&self) -> Folder<'_> {
        Folder {
            source: self.source,
            consts: &self.consts,
            lists: &self.lists,
        }
    }

    /// Imports, aliases, constants and taint from one binding node.
    pub(super) fn bind(&mut self, item: &Item<'_>, facts: &mut PyFacts) {
        let node = item.node;
        self.scope = scope_of(item);
        match item.kind {
            "import_statement" => {
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    if name.kind() == "aliased_import" {
                        let (Some(module), Some(alias)) = (
                            name.child_by_field_name("name"),
                            name.child_by_field_name("alias"),
                        ) else {
                            continue;
                        };
                        let module = self.text(module).to_owned();
                        self.aliases
                            .insert(self.text(alias).to_owned(), module.clone());
                        push_unique(&mut facts.imports, module);
                    } else {
                        let module = self.text(name).to_owned();
                        push_unique(&mut facts.imports, module);
                    }
                }
            }
            "import_from_statement" => {
                let Some(module) = node.child_by_field_name("module_name") else {
                    return;
                };
                let module = self.text(module).to_owned();
                push_unique(&mut facts.imports, module.clone());
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    let (imported, local) = if name.kind() == "aliased_import" {
                        match (
                            name.child_by_field_name("name"),
                            name.child_by_field_name("alias"),
                        ) {
                            (Some(n), Some(a)) => (self.text(n), self.text(a)),
                            _ => continue,
                        }
                    } else {
                        (self.text(name), self.text(name))
                    };
                    let dotted = format!("{}.{imported}", module.trim_start_matches('.'));
                    // `from . import x`, `from .m import x`, `from pkg import x`: x can be a
                    // module of the package.
                    let separator = if module.ends_with('.') { "" } else { "." };
                    push_unique(&mut facts.imports, format!("{module}{separator}{imported}"));
                    let binding = (local.to_owned(), module.clone(), imported.to_owned());
                    if !self.from_imports.contains(&binding) {
                        self.from_imports.push(binding);
                    }
                    self.aliases.insert(local.to_owned(), dotted);
                }
            }
            "assignment" => self.assignment(node, facts),
            // `encoded += chr(ord(c) ^ key)`: what is added taints the name.
            "augmented_assignment" => {
                if let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    let labels = self.labels(right);
                    if labels != 0 {
                        let name = self.text(left).trim().to_owned();
                        *self.taint.entry((self.scope, name)).or_default() |= labels;
                    }
                }
            }
            "call" => {
                let Some(function) = node.child_by_field_name("function") else {
                    return;
                };
                let last = last_name(self.text(function));
                let writes = matches!(
                    last.as_str(),
                    "write" | "write_bytes" | "write_text" | "writelines" | "copyfileobj"
                );
                let written = if writes {
                    node.child_by_field_name("arguments")
                        .map(|a| self.labels(a))
                        .unwrap_or(0)
                } else {
                    0
                };
                let downloads_to_file = matches!(last.as_str(), "urlretrieve" | "download_file")
                    || written & DOWNLOADED != 0
                    || self.runs_a_download_to_file(node, function);
                if written & DECODED != 0 {
                    self.wrote_decoded.insert(self.scope);
                }
                if downloads_to_file {
                    self.wrote_download.insert(self.scope);
                    self.note_download_target(item, node, function, &last);
                }
                self.bind_arguments(node);
            }
            "for_statement" => {
                // `for chunk in r.iter_content():` gives chunk what the iterable carries.
                let (Some(target), Some(iterable)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return;
                };
                let labels = self.labels(iterable);
                if labels != 0 && target.kind() == "identifier" {
                    let name = self.text(target).to_owned();
                    *self.taint.entry((self.scope, name)).or_default() |= labels;
                }
            }
            "with_item" => {
                // `with urlopen(u) as r:` binds r to what the call returns.
                let Some(value) = node.child_by_field_name("value") else {
                    return;
                };
                if value.kind() == "as_pattern" {
                    if let (Some(expr), Some(target)) =
                        (value.named_child(0), value.child_by_field_name("alias"))
                    {
                        let labels = self.labels(expr);
                        let name = self.text(target).trim().to_owned();
                        if let Some(path) = self.opened_path(expr) {
                            self.handles.insert((self.scope, name.clone()), path);
                        }
                        *self.taint.entry((self.scope, name)).or_default() |= labels;
                    }
                }
            }
            "return_statement" => {
                // A function returning decoded or downloaded data carries the label.
                let Some(value) = node.named_child(0) else {
                    return;
                };
                let labels = self.labels(value);
                if labels != 0 {
                    if let Some(name) = item.innermost.and_then(|f| f.child_by_field_name("name")) {
                        *self
                            .taint
                            .entry((0, self.text(name).to_owned()))
                            .or_default() |= labels;
                    }
                }
            }
            _ => {}
        }
    }

    /// `subprocess.run(['curl', URL, '-o', PATH])` and the like: a download tool started
    /// with an output file.
    fn runs_a_download_to_file(&self, call: Node<'_>, function: Node<'_>) -> bool {
        if self.resolve(function).map(|n| classify(&n)) != Some(Callee::Process) {
            return false;
        }
        let Some(arguments) = call.child_by_field_name("arguments") else {
            return false;
        };
        let command: Vec<String> = children(arguments)
            .filter_map(|n| self.fold_arg(n))
            .collect();
        let command = command.join(" ");
        let program = first_word(&command);
        crate::shell::DOWNLOAD_TOOLS.contains(&program.as_str())
            && command.split_whitespace().any(|word| {
                matches!(word, "-o" | "-O" | "--output" | "--output-document")
                    || word.starts_with("--output=")
                    || word.starts_with("--output-document=")
            })
    }

    /// The path text of `open(PATH, ...)`, when `call` is one.
    pub(super) fn opened_path(&self, call: Node<'_>) -> Option<String> {
        let function = call.child_by_field_name("function")?;
        if call.kind() != "call" || last_name(self.text(function)) != "open" {
            return None;
        }
        let path = children(call.child_by_field_name("arguments")?).next()?;
        // The path as built (`f'/{home}/{user}/{rc}'` with `rc` a folded `.bashrc` is
        // `/home/*/.bashrc`), else its text: where the write lands is what matters.
        let folder = self.folder();
        Some(
            folder
                .fold(path)
                .or_else(|| folder.sketch(path))
                .unwrap_or_else(|| self.text(path).trim().to_owned()),
        )
    }

    /// Where a download-saving call writes: `urlretrieve(url, PATH)`, or `f.write(...)`
    /// through a handle opened from PATH. When PATH is a parameter of the enclosing
    /// function, that function saves downloads at the path its callers give.
    fn note_download_target(
        &mut self,
        item: &Item<'_>,
        call: Node<'_>,
        function: Node<'_>,
        last: &str,
    ) {
        let path = if matches!(last, "urlretrieve" | "download_file") {
            call.child_by_field_name("arguments")
                .and_then(|a| children(a).nth(1))
                .map(|p| self.text(p).trim().to_owned())
        } else {
            function
                .child_by_field_name("object")
                .and_then(|o| self.handles.get(&(self.scope, self.text(o).to_owned())))
                .cloned()
        };
        let Some(path) = path else {
            return;
        };
        let Some(name) = item
            .innermost
            .and_then(|f| f.child_by_field_name("name"))
            .map(|n| self.text(n).to_owned())
        else {
            return;
        };
        let Some(position) = self
            .functions
            .get(&name)
            .and_then(|(_, parameters)| parameters.iter().position(|p| *p == path))
        else {
            return;
        };
        self.saves_download
            .entry(name)
            .or_default()
            .insert(position);
    }

    /// Data handed to a function of this file taints its parameters:
    /// `send_dns(socket.gethostname())` makes `data` in `def send_dns(data)` host data.
    fn bind_arguments(&mut self, call: Node<'_>) {
        let Some(function) = call.child_by_field_name("function") else {
            return;
        };
        if function.kind() != "identifier" {
            return;
        }
        let callee = self.text(function);
        let Some((scope, parameters)) = self.functions.get(callee).cloned() else {
            return;
        };
        let Some(arguments) = call.child_by_field_name("arguments") else {
            return;
        };
        let saves = self.saves_download.get(callee).cloned().unwrap_or_default();
        let mut position = 0;
        for argument in children(arguments) {
            let (index, value) = if argument.kind() == "keyword_argument" {
                let (Some(name), Some(value)) = (
                    argument.child_by_field_name("name"),
                    argument.child_by_field_name("value"),
                ) else {
                    continue;
                };
                let name = self.text(name);
                (parameters.iter().position(|p| p == name), value)
            } else {
                position += 1;
                (Some(position - 1), argument)
            };
            let Some(index) = index.filter(|i| *i < parameters.len()) else {
                continue;
            };
            // `download(url, path)`: the caller's `path` now names a downloaded file.
            if saves.contains(&index) && value.kind() == "identifier" {
                let name = self.text(value).to_owned();
                *self.taint.entry((self.scope, name)).or_default() |= DOWNLOADED;
            }
            let labels = self.labels(value);
            if labels != 0 {
                *self
                    .taint
                    .entry((scope, parameters[index].clone()))
                    .or_default() |= labels;
            }
        }
    }

    pub(super) fn assignment(&mut self, node: Node<'_>, facts: &mut PyFacts) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let pairs: Vec<(Node<'_>, Node<'_>)> =
            if matches!(left.kind(), "pattern_list" | "tuple_pattern")
                && matches!(right.kind(), "expression_list" | "tuple")
            {
                let l: Vec<Node<'_>> = children(left).collect();
                let r: Vec<Node<'_>> = children(right).collect();
                l.into_iter().zip(r).collect()
            } else {
                vec![(left, right)]
            };
        for (target, value) in pairs {
            let name = self.text(target).trim().to_owned();
            if target.kind() != "identifier" {
                // `self.x = ...`, `d[k] = ...`: taint follows the written text.
                let labels = self.labels(value);
                if labels != 0 {
                    // `results['host'] = platform.node()`: the container carries what is
                    // put in it, so `send(results)` sends it.
                    if let Some(container) = target
                        .child_by_field_name("value")
                        .filter(|v| target.kind() == "subscript" && v.kind() == "identifier")
                    {
                        let container = self.text(container).to_owned();
                        *self.taint.entry((self.scope, container)).or_default() |= labels;
                    }
                    *self.taint.entry((self.scope, name)).or_default() |= labels;
                }
                continue;
            }
            if let Some(text) = self.folder().fold(value) {
                if value.kind() != "string" {
                    facts.built(line_of(node), &text);
                }
                self.consts.insert(name.clone(), text);
            } else if let Some(sketch) = self.folder().sketch(value) {
                facts.built(line_of(node), &sketch);
            } else if let Some(parts) = self.folder().fold_list(value) {
                // Bounded like the built strings: a hostile file can bind many lists.
                let size: usize = parts.iter().map(String::len).sum();
                if self.lists.len() < MAX_BUILT_STRINGS && size <= MAX_BUILT_BYTES / 4 {
                    self.lists.insert(name.clone(), parts);
                }
            }
            let opens_a_connection = value.kind() == "call"
                && value
                    .child_by_field_name("function")
                    .and_then(|f| self.resolve(f))
                    .is_some_and(|f| classify(&f) == Callee::Network);
            if opens_a_connection {
                self.connections.insert(name.clone());
            }
            if matches!(
                value.kind(),
                "identifier" | "attribute" | "call" | "subscript"
            ) {
                if let Some(resolved) = self.resolve(value) {
                    let indirect = is_indirect_lookup(value, self.source);
                    if indirect && classify(&resolved) != Callee::Other {
                        facts.signals.push(Signal::new(
                            SignalKind::IndirectCall,
                            line_of(node),
                            Reach::Always,
                            format!("`{name}` is `{resolved}` looked up indirectly"),
                        ));
                    }
                    if classify(&resolved) != Callee::Other && value.kind() != "call"
                        || indirect
                        || self.imports_a_module(value)
                    {
                        self.aliases.insert(name.clone(), resolved);
                    }
                }
            }
            let labels = self.labels(value);
            if labels != 0 {
                *self.taint.entry((self.scope, name)).or_default() |= labels;
            }
        }
    }

    /// The functions module-level code reaches (by name, transitively).
    pub(super) fn reach(&mut self, items: &[Item<'_>], entries: &[String]) {
        let mut calls: HashMap<Option<&str>, HashSet<String>> = HashMap::new();
        // Functions module-level code starts on a thread or registers to run.
        let mut started: HashSet<String> = HashSet::new();
        for item in items {
            let name = match item.kind {
                "call" => item
                    .node
                    .child_by_field_name("function")
                    .map(|f| last_name(self.text(f))),
                // A function handed to what runs it soon (`Thread(target=f)`,
                // `atexit.register(f)`): a reference in an argument list of those. Other
                // references (a class named in a registry, a base class) run nothing by
                // themselves, so libraries' classes stay passive.
                // `@register` above a definition calls `register` when the module runs.
                "identifier" if item.parent.is_some_and(|p| p.kind() == "decorator") => {
                    Some(self.text(item.node).to_owned())
                }
                "identifier"
                    if item.parent.is_some_and(|p| {
                        p.kind() == "keyword_argument"
                            && p.child_by_field_name("name")
                                .is_some_and(|n| self.text(n) == "target")
                            || p.kind() == "argument_list"
                                && p.parent()
                                    .and_then(|call| call.child_by_field_name("function"))
                                    .is_some_and(|f| {
                                        matches!(
                                            last_name(self.text(f)).as_str(),
                                            "register"
                                                | "Thread"
                                                | "Process"
                                                | "Timer"
                                                | "start_new_thread"
                                        )
                                    })
                    }) =>
                {
                    if item.function.is_none() {
                        started.insert(self.text(item.node).to_owned());
                    }
                    Some(self.text(item.node).to_owned())
                }
                _ => None,
            };
            if let Some(name) = name {
                calls
                    .entry(item.function.as_deref())
                    .or_default()
                    .insert(name);
            }
        }
        let mut pending: Vec<String> = calls
            .get(&None)
            .map(|c| c.iter().cloned().collect())
            .unwrap_or_default();
        self.run_directly = pending.iter().cloned().collect();
        // A thread started at import runs its function's calls as directly as module-level
        // code does (`Thread(target=_bg).start()` with `_bg` calling an imported `i()`).
        for function in &started {
            if let Some(inner) = calls.get(&Some(function.as_str())) {
                self.run_directly.extend(inner.iter().cloned());
            }
        }
        pending.extend(entries.iter().cloned());
        while let Some(name) = pending.pop() {
            if self.reached.insert(name.clone()) {
                if let Some(next) = calls.get(&Some(name.as_str())) {
                    pending.extend(next.iter().cloned());
                }
            }
        }
    }

    /// The imported functions that this file's module-level code calls itself, or a
    /// function it starts on a thread calls (see [`PyFacts::called_imports`]). Calls further
    /// down, from functions those call, are left out: libraries call their own helpers at import all the time,
    /// and a function two calls away is weaker evidence that the import runs it. Entry
    /// points are left out too: a command's entry function reaches the whole program.
    pub(super) fn called_imports(&self) -> Vec<(String, String)> {
        self.from_imports
            .iter()
            .filter(|(local, _, _)| self.run_directly.contains(local))
            .map(|(_, module, name)| (module.clone(), name.clone()))
            .collect()
    }

    /// What a callee expression resolves to, as a dotted name.
    /// Whether `node` is a call of `__import__` or `importlib.import_module` (under any
    /// alias): its value is the module it names, and names bound to it are that module.
    pub(super) fn imports_a_module(&self, node: Node<'_>) -> bool {
        node.kind() == "call"
            && node
                .child_by_field_name("function")
                .and_then(|function| self.resolve(function))
                .is_some_and(|f| f == "__import__" || f == "importlib.import_module")
    }

    pub(super) fn resolve(&self, node: Node<'_>) -> Option<String> {
        match node.kind() {
            "identifier" => {
                let name = self.text(node);
                Some(
                    self.aliases
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| name.to_owned()),
                )
            }
            "attribute" => {
                let object = node.child_by_field_name("object")?;
                let attribute = self.text(node.child_by_field_name("attribute")?);
                let base = self.resolve(object)?;
                Some(strip_builtins(&format!("{base}.{attribute}")))
            }
            "parenthesized_expression" => self.resolve(node.named_child(0)?),
            "call" => {
                let function = self.resolve(node.child_by_field_name("function")?)?;
                let arguments = node.child_by_field_name("arguments")?;
                match function.as_str() {
                    "getattr" => {
                        let object = arguments.named_child(0)?;
                        let name = self.folder().fold(arguments.named_child(1)?)?;
                        let base = self.resolve(object).unwrap_or_default();
                        Some(strip_builtins(&format!("{base}.{name}")))
                    }
                    "__import__" | "importlib.import_module" => {
                        self.folder().fold(arguments.named_child(0)?)
                    }
                    // `Fernet(key).decrypt`, `requests.get(u).json`: what the call returns
                    // is named after the callable.
                    _ => Some(format!("{function}()")),
                }
            }
            "subscript" => {
                // globals()['exec'], vars(__builtins__)['exec'], __builtins__.__dict__['exec'],
                // sys.modules['os']
                let value = self
                    .text(node.child_by_field_name("value")?)
                    .replace(' ', "");
                let key = self.folder().fold(node.child_by_field_name("subscript")?)?;
                if [
                    "globals()",
                    "locals()",
                    "vars(__builtins__)",
                    "vars(builtins)",
                    "__builtins__.__dict__",
                    "builtins.__dict__",
                    "__builtins__",
                    "sys.modules",
                ]
                .contains(&value.as_str())
                {
                    Some(key)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The labels of a name in the current scope, else at module level.
    pub(super) fn tainted(&self, name: &str) -> u8 {
        let local = self
            .taint
            .get(&(self.scope, name.to_owned()))
            .copied()
            .unwrap_or(0);
        let global = self.taint.get(&(0, name.to_owned())).copied().unwrap_or(0);
        local | global
    }

    /// The labels of the data an expression yields.
    pub(super) fn labels(&self, node: Node<'_>) -> u8 {
        let mut labels = 0;
        let mut stack = vec![node];
        let mut budget = 20_000usize;
        // One cursor for the whole walk: each new one is an allocation.
        let mut cursor = node.walk();
        while let Some(current) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            match current.kind() {
                // One variable read (`os.environ.get('HOME')`, `os.environ['CC']`) is
                // configuration, not the environment; don't descend into the `os.environ`.
                "subscript"
                    if current
                        .child_by_field_name("value")
                        .is_some_and(|v| self.text(v) == "os.environ") =>
                {
                    let key = current
                        .child_by_field_name("subscript")
                        .and_then(|k| self.folder().fold(k));
                    labels |= env_key_labels(key.as_deref());
                    continue;
                }
                "call"
                    if current.child_by_field_name("function").is_some_and(|f| {
                        matches!(
                            self.text(f),
                            "os.environ.get"
                                | "os.getenv"
                                | "os.environ.setdefault"
                                | "os.environ.pop"
                                | "getenv"
                        )
                    }) =>
                {
                    labels |= env_key_labels(self.first_string(current).as_deref());
                    continue;
                }
                "call" => {
                    if let Some(function) = current.child_by_field_name("function") {
                        if let Some(name) = self.resolve(function) {
                            labels |= match classify(&name) {
                                Callee::Decoder => DECODED,
                                Callee::Network => DOWNLOADED,
                                Callee::HostInfo | Callee::WorkingDir => HOST,
                                Callee::Capture => SECRET,
                                Callee::Process => current
                                    .child_by_field_name("arguments")
                                    .and_then(|a| a.named_child(0))
                                    .and_then(|first| self.fold_arg(first))
                                    .map_or(0, |command| command_output_labels(&command)),
                                // `chr(ord(c) ^ ord(k))`, `bytes(b ^ key for b in data)`: an
                                // XOR decoder, one character at a time.
                                _ if matches!(name.as_str(), "chr" | "bytes" | "bytearray")
                                    && current
                                        .child_by_field_name("arguments")
                                        .is_some_and(|a| self.text(a).contains('^')) =>
                                {
                                    DECODED
                                }
                                _ => 0,
                            };
                        }
                        labels |= self.tainted(&last_name(self.text(function)));
                    }
                }
                "identifier" => {
                    let name = self.text(current);
                    labels |= self.tainted(name);
                    if secret_name(name) {
                        labels |= SECRET;
                    }
                }
                // `env=os.environ` hands an environment to a child process or a helper; what
                // the call returns is not the environment.
                "keyword_argument"
                    if current.child_by_field_name("name").is_some_and(|n| {
                        matches!(self.text(n), "env" | "environ" | "environment")
                    }) =>
                {
                    continue;
                }
                "attribute" => {
                    let text = self.text(current);
                    if text == "os.environ" {
                        labels |= SECRET;
                    }
                    labels |= self.tainted(text);
                    // The attribute's own name is not a variable: `wheel.distribution` does not
                    // read a variable called `distribution`.
                    if let Some(name) = current.child_by_field_name("attribute") {
                        if secret_name(self.text(name)) {
                            labels |= SECRET;
                        }
                    }
                    if let Some(object) = current.child_by_field_name("object") {
                        stack.push(object);
                    }
                    continue;
                }
                "string" if self.names_a_credential(current) => labels |= SECRET,
                _ => {}
            }
            stack.extend(current.named_children(&mut cursor));
        }
        labels
    }

    /// Whether a string literal names a credential location. Remembered per node: the
    /// binding passes and the sinks ask again for every expression holding the literal.
    fn names_a_credential(&self, string: Node<'_>) -> bool {
        if let Some(known) = self.credential_strings.borrow().get(&string.id()) {
            return *known;
        }
        let names =
            string_value(string, self.source).is_some_and(|v| credential_location(&v).is_some());
        self.credential_strings
            .borrow_mut()
            .insert(string.id(), names);
        names
    }

    /// Whether an expression contains a literal long enough to carry a payload.
    pub(super) fn holds_blob(&self, node: Node<'_>) -> bool {
        let mut stack = vec![node];
        let mut cursor = node.walk();
        while let Some(current) = stack.pop() {
            if current.kind() == "string" && current.byte_range().len() >= 64 {
                return true;
            }
            stack.extend(current.named_children(&mut cursor));
        }
        false
    }

    pub(super) fn first_string(&self, call: Node<'_>) -> Option<String> {
        let first = call.child_by_field_name("arguments")?.named_child(0)?;
        self.folder().fold(first)
    }
}
