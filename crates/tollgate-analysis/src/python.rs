//! Python facts, from the tree-sitter Python grammar.

use tree_sitter::Node;

use crate::facts::{
    Call, Facts, Site, compact, last_segment, line_of, parse, shortened, text_of, unquote, walk,
};

/// Methods and functions that turn `os.environ` into a listing or a string.
const ENV_DUMP_USES: &[&str] = &["items", "keys", "values", "dumps", "str", "repr", "print"];

/// Extracts the facts of one Python file.
pub(crate) fn facts(source: &str) -> Facts {
    let mut facts = Facts::default();
    let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    let Some(tree) = parse(&language, source) else {
        return facts;
    };
    walk(&tree, |node| match node.kind() {
        "call" => call(node, source, &mut facts),
        "import_statement" => {
            let mut cursor = node.walk();
            for name in node.children_by_field_name("name", &mut cursor) {
                let module = match name.kind() {
                    "aliased_import" => name.child_by_field_name("name").unwrap_or(name),
                    _ => name,
                };
                import(compact(module, source), line_of(node), &mut facts);
            }
        }
        "import_from_statement" => {
            if let Some(module) = node.child_by_field_name("module_name") {
                import(compact(module, source), line_of(node), &mut facts);
            }
        }
        "string" => facts.strings.push(Site {
            text: string_contents(node, source),
            line: line_of(node),
        }),
        "attribute" if compact(node, source) == "os.environ" => environ(node, source, &mut facts),
        _ => {}
    });
    facts
}

fn import(module: String, line: u32, facts: &mut Facts) {
    let local = module.trim_start_matches('.');
    if let Some(top) = local.split('.').next().filter(|t| !t.is_empty()) {
        facts.local_refs.push(top.to_owned());
    }
    facts.imports.push(Site { text: module, line });
}

/// A string's contents without prefix and quotes; f-string parts are kept as written.
fn string_contents(node: Node<'_>, source: &str) -> String {
    let mut out = String::new();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if child.kind() == "string_content" {
            out.push_str(text_of(child, source));
        }
    }
    if out.is_empty() {
        unquote(text_of(node, source))
    } else {
        out
    }
}

fn call(node: Node<'_>, source: &str, facts: &mut Facts) {
    let Some(function) = node.child_by_field_name("function") else {
        return;
    };
    let arguments = node.child_by_field_name("arguments");
    let first_string = arguments
        .and_then(|args| args.named_child(0))
        .filter(|first| first.kind() == "string")
        .map(|first| string_contents(first, source));
    let callee = compact(function, source);
    if matches!(callee.as_str(), "os.getenv" | "os.environ.get" | "getenv") {
        if let Some(name) = &first_string {
            facts.env_reads.push(Site {
                text: name.clone(),
                line: line_of(node),
            });
        }
    }
    if callee == "__import__" || callee == "importlib.import_module" {
        if let Some(module) = &first_string {
            import(module.clone(), line_of(node), facts);
        }
    }
    facts.calls.push(Call {
        callee,
        args: arguments.map(|a| shortened(a, source)).unwrap_or_default(),
        first_string,
        line: line_of(node),
    });
}

/// Classifies one use of `os.environ`: a single variable, or the whole environment.
fn environ(node: Node<'_>, source: &str, facts: &mut Facts) {
    let Some(parent) = node.parent() else {
        return;
    };
    let line = line_of(node);
    match parent.kind() {
        "subscript" => {
            if let Some(index) = parent
                .child_by_field_name("subscript")
                .filter(|i| i.kind() == "string")
            {
                facts.env_reads.push(Site {
                    text: string_contents(index, source),
                    line,
                });
            }
        }
        "attribute" => {
            let attribute = parent
                .child_by_field_name("attribute")
                .map(|a| text_of(a, source))
                .unwrap_or_default();
            if ENV_DUMP_USES.contains(&attribute) {
                facts.env_dumps.push(Site {
                    text: format!("os.environ.{attribute}()"),
                    line,
                });
            }
        }
        "argument_list" => {
            let callee = parent
                .parent()
                .and_then(|call| call.child_by_field_name("function"))
                .map(|f| compact(f, source))
                .unwrap_or_default();
            if ENV_DUMP_USES.contains(&last_segment(&callee)) {
                facts.env_dumps.push(Site {
                    text: format!("{callee}(os.environ)"),
                    line,
                });
            }
        }
        "for_statement" => facts.env_dumps.push(Site {
            text: "for … in os.environ".to_owned(),
            line,
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_imports_calls_strings_and_env() {
        let f = facts(
            "import base64, urllib.request as u\nfrom helpers import x\n\
             exec(base64.b64decode('aGk='))\ntok = os.environ['PYPI_TOKEN']\n\
             data = json.dumps(dict(os.environ))\nenv = os.environ.copy()\n",
        );
        let imports: Vec<&str> = f.imports.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(imports, ["base64", "urllib.request", "helpers"]);
        assert!(f.local_refs.contains(&"helpers".to_owned()));
        assert!(
            f.calls
                .iter()
                .any(|c| c.callee == "exec" && c.args.contains("b64decode"))
        );
        assert_eq!(f.env_reads[0].text, "PYPI_TOKEN");
        assert!(
            f.env_dumps.is_empty(),
            "dict(os.environ) copies, it does not dump"
        );
        assert!(f.strings.iter().any(|s| s.text == "aGk="));
    }

    #[test]
    fn listing_the_environment_is_a_dump() {
        let f = facts("for k, v in os.environ.items():\n    send(k, v)\n");
        assert_eq!(f.env_dumps.len(), 1);
        assert_eq!(f.env_dumps[0].line, 1);
    }
}
