//! Which top-level functions of a JavaScript file run when the file is loaded.
//!
//! A file's top-level statements run when it is `require`d or run by an install script;
//! a function declared at top level, a function bound to a top-level name, a class, and a
//! function assigned to `module.exports`/`exports.x` run only when something calls them.
//! The names called (or handed to a caller: `setTimeout(f)`, `process.on('exit', f)`) from
//! code that runs, transitively, are reached; the line ranges of the others are passive,
//! like Python's functions that module-level code never calls. One level deep on purpose:
//! nested functions go with their top-level one.

use std::collections::{HashMap, HashSet};

use tree_sitter::{Node, Tree};

use crate::facts::{line_of, text_of};

/// A top-level function, class or function assigned to a property: its name (the
/// property's for `x.run = function`; `None` for an anonymous default export) and its node.
struct Candidate<'t> {
    name: Option<String>,
    node: Node<'t>,
}

/// The (first, last) line ranges of the top-level functions nothing that runs calls.
pub(crate) fn passive_lines(
    tree: &Tree,
    source: &str,
    references: &[(Node<'_>, bool)],
) -> Vec<(u32, u32)> {
    let root = tree.root_node();
    let candidates = candidates(root, source);
    if candidates.is_empty() {
        return Vec::new();
    }
    // Names referenced from each candidate's body, and from code outside every candidate.
    let mut inside: HashMap<usize, HashSet<String>> = HashMap::new();
    let mut outside: HashSet<String> = HashSet::new();
    let ranges: Vec<(usize, usize, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(index, c)| (c.node.start_byte(), c.node.end_byte(), index))
        .collect();
    for (node, in_arguments) in references {
        let Some(name) = referenced_name(*node, *in_arguments, source) else {
            continue;
        };
        let at = node.start_byte();
        // The candidates do not overlap and are in document order.
        let before = ranges.partition_point(|(start, _, _)| *start <= at);
        let owner = before
            .checked_sub(1)
            .map(|i| ranges[i])
            .filter(|(_, end, _)| at < *end)
            .map(|(_, _, index)| index);
        match owner {
            Some(index) => inside.entry(index).or_default().insert(name),
            None => outside.insert(name),
        };
    }
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, candidate) in candidates.iter().enumerate() {
        if let Some(name) = &candidate.name {
            by_name.entry(name.as_str()).or_default().push(index);
        }
    }
    let mut reached: HashSet<usize> = HashSet::new();
    let mut pending: Vec<String> = outside.into_iter().collect();
    while let Some(name) = pending.pop() {
        for index in by_name.get(name.as_str()).into_iter().flatten() {
            if reached.insert(*index) {
                pending.extend(inside.get(index).into_iter().flatten().cloned());
            }
        }
    }
    candidates
        .iter()
        .enumerate()
        .filter(|(index, _)| !reached.contains(index))
        .map(|(_, c)| (line_of(c.node), c.node.end_position().row as u32 + 1))
        .collect()
}

/// The top-level functions, classes and exported functions of a program.
fn candidates<'t>(root: Node<'t>, source: &str) -> Vec<Candidate<'t>> {
    let mut found = Vec::new();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        let statement = match statement.kind() {
            "export_statement" => {
                match (
                    statement.child_by_field_name("declaration"),
                    statement.child_by_field_name("value"),
                ) {
                    (Some(declaration), _) => declaration,
                    // `export default function () {...}`, `export default () => ...`.
                    (None, Some(value)) => {
                        if is_function(value) {
                            found.push(Candidate {
                                name: None,
                                node: value,
                            });
                        }
                        continue;
                    }
                    (None, None) => continue,
                }
            }
            _ => statement,
        };
        match statement.kind() {
            "function_declaration" | "generator_function_declaration" | "class_declaration" => {
                let name = statement
                    .child_by_field_name("name")
                    .map(|n| text_of(n, source).to_owned());
                found.push(Candidate {
                    name,
                    node: statement,
                });
            }
            "lexical_declaration" | "variable_declaration" => {
                let mut inner = statement.walk();
                for declarator in statement.named_children(&mut inner) {
                    let (Some(name), Some(value)) = (
                        declarator.child_by_field_name("name"),
                        declarator.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    if is_function(value) && name.kind() == "identifier" {
                        found.push(Candidate {
                            name: Some(text_of(name, source).to_owned()),
                            node: value,
                        });
                    }
                }
            }
            "expression_statement" => {
                // `module.exports = function () {...}`, `exports.run = () => {...}`,
                // `Common.install = function () {...}`, `module.exports = { run() {} }`:
                // called as `x.run()`, so they go by their property's name.
                let Some(assignment) = statement
                    .named_child(0)
                    .filter(|n| n.kind() == "assignment_expression")
                else {
                    continue;
                };
                let (Some(left), Some(right)) = (
                    assignment.child_by_field_name("left"),
                    assignment.child_by_field_name("right"),
                ) else {
                    continue;
                };
                if left.kind() != "member_expression" {
                    continue;
                }
                let property = left
                    .child_by_field_name("property")
                    .map(|p| text_of(p, source).to_owned());
                if is_function(right) {
                    found.push(Candidate {
                        name: property,
                        node: right,
                    });
                } else if right.kind() == "object" {
                    let mut members = right.walk();
                    for member in right.named_children(&mut members) {
                        let function = match member.kind() {
                            "method_definition" => Some(member),
                            "pair" => member
                                .child_by_field_name("value")
                                .filter(|v| is_function(*v)),
                            _ => None,
                        };
                        let name = member
                            .child_by_field_name("name")
                            .or_else(|| member.child_by_field_name("key"))
                            .map(|k| text_of(k, source).to_owned());
                        if let Some(node) = function {
                            found.push(Candidate { name, node });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    found
}

fn is_function(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "function_expression" | "function" | "arrow_function" | "generator_function" | "class"
    )
}

/// The name a node calls or hands on: `f(...)`, `new C(...)`, `f.call(...)`, and an
/// identifier given as an argument (`setTimeout(f)`, `main().then(f)`).
fn referenced_name(node: Node<'_>, in_arguments: bool, source: &str) -> Option<String> {
    match node.kind() {
        "call_expression" | "new_expression" => {
            let callee = node
                .child_by_field_name("function")
                .or_else(|| node.child_by_field_name("constructor"))?;
            let callee = match callee.kind() {
                "member_expression"
                    if callee.child_by_field_name("property").is_some_and(|p| {
                        matches!(text_of(p, source), "call" | "apply" | "bind")
                    }) =>
                {
                    callee.child_by_field_name("object")?
                }
                _ => callee,
            };
            match callee.kind() {
                "identifier" => Some(text_of(callee, source).to_owned()),
                // `x.run()` reaches every function that goes by `run`.
                "member_expression" => callee
                    .child_by_field_name("property")
                    .map(|p| text_of(p, source).to_owned()),
                _ => None,
            }
        }
        "identifier" if in_arguments => Some(text_of(node, source).to_owned()),
        _ => None,
    }
}
