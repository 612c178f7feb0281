//! Rust facts (build scripts and proc-macro sources), from the tree-sitter Rust grammar.

use tree_sitter::Node;

use crate::facts::{Call, Facts, Site, compact, line_of, parse, shortened, text_of, unquote, walk};

/// Extracts the facts of one Rust file.
pub(crate) fn facts(source: &str) -> Facts {
    let mut facts = Facts::default();
    let language: tree_sitter::Language = tree_sitter_rust::LANGUAGE.into();
    let Some(tree) = parse(&language, source) else {
        return facts;
    };
    walk(&tree, |node| match node.kind() {
        "call_expression" => call(node, source, &mut facts),
        "use_declaration" => {
            if let Some(argument) = node.child_by_field_name("argument") {
                facts.imports.push(Site {
                    text: compact(argument, source),
                    line: line_of(node),
                });
            }
        }
        "scoped_identifier" | "scoped_type_identifier" => facts.imports.push(Site {
            text: compact(node, source),
            line: line_of(node),
        }),
        "macro_invocation" => macro_invocation(node, source, &mut facts),
        "string_literal" | "raw_string_literal" => facts.strings.push(Site {
            text: string_contents(node, source),
            line: line_of(node),
        }),
        "mod_item" if node.child_by_field_name("body").is_none() => {
            if let Some(name) = node.child_by_field_name("name") {
                facts
                    .local_refs
                    .push(format!("mod:{}", text_of(name, source)));
            }
        }
        _ => {}
    });
    facts
}

fn string_contents(node: Node<'_>, source: &str) -> String {
    let text = text_of(node, source);
    let raw = text
        .trim_start_matches(['b', 'c'])
        .trim_start_matches('r')
        .trim_matches('#');
    unquote(raw)
}

fn first_string(arguments: Node<'_>, source: &str) -> Option<String> {
    let mut cursor = arguments.walk();
    let first = arguments
        .named_children(&mut cursor)
        .find(|child| child.kind() != "line_comment" && child.kind() != "block_comment")?;
    matches!(first.kind(), "string_literal" | "raw_string_literal")
        .then(|| string_contents(first, source))
}

fn call(node: Node<'_>, source: &str, facts: &mut Facts) {
    let Some(function) = node.child_by_field_name("function") else {
        return;
    };
    let arguments = node.child_by_field_name("arguments");
    let callee = compact(function, source);
    let first = arguments.and_then(|args| first_string(args, source));
    let segments: Vec<&str> = callee.rsplit("::").take(2).collect();
    if let ["var" | "var_os", "env"] = segments.as_slice() {
        if let Some(name) = &first {
            facts.env_reads.push(Site {
                text: name.clone(),
                line: line_of(node),
            });
        }
    }
    if let ["vars" | "vars_os", "env"] = segments.as_slice() {
        facts.env_dumps.push(Site {
            text: format!("{callee}()"),
            line: line_of(node),
        });
    }
    facts.calls.push(Call {
        callee,
        args: arguments.map(|a| shortened(a, source)).unwrap_or_default(),
        first_string: first,
        line: line_of(node),
    });
}

fn macro_invocation(node: Node<'_>, source: &str, facts: &mut Facts) {
    let Some(name) = node.child_by_field_name("macro") else {
        return;
    };
    let name = compact(name, source);
    let first = node
        .named_children(&mut node.walk())
        .find(|child| child.kind() == "token_tree")
        .and_then(|tree| first_string(tree, source));
    let Some(first) = first else {
        return;
    };
    match name.rsplit("::").next().unwrap_or(&name) {
        "env" | "option_env" => facts.env_reads.push(Site {
            text: first,
            line: line_of(node),
        }),
        "include" => facts.local_refs.push(format!("include:{first}")),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_paths_calls_env_and_modules() {
        let f = facts(
            "use std::net::TcpStream;\nmod helpers;\ninclude!(\"gen.rs\");\n\
             fn main() {\n  let k = std::env::var(\"AWS_SECRET_ACCESS_KEY\");\n\
             for (k, v) in env::vars() {}\n  let s = std::fs::read_to_string(\".env\");\n}\n",
        );
        assert!(f.imports.iter().any(|s| s.text == "std::net::TcpStream"));
        assert_eq!(f.local_refs, ["mod:helpers", "include:gen.rs"]);
        assert_eq!(f.env_reads[0].text, "AWS_SECRET_ACCESS_KEY");
        assert_eq!(f.env_dumps[0].line, 6);
        assert!(f.strings.iter().any(|s| s.text == ".env" && s.line == 7));
    }
}
