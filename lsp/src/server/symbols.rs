//! Document symbols: the file's fields as a tree (chains `a: b: c: v` nest, struct values
//! nest, fields added by `if`/`for` comprehensions appear under the comprehension), lets
//! and imports; the definition's header is a class named after the definition.

use tower_lsp_server::ls_types::{DocumentSymbol, SymbolKind};
use tree_sitter::Node;

use super::document::Snapshot;
use super::packages;
use super::syntax;

const MAX_DEPTH: usize = 64;

pub fn document_symbols(snap: &Snapshot) -> Vec<DocumentSymbol> {
    let parse = &*snap.parse;
    let root = parse.tree().root_node();
    let header = syntax::header_field(parse);
    let mut out = Vec::new();
    let mut cursor = root.walk();
    for child in root.named_children(&mut cursor) {
        if child.kind() == "import_declaration" {
            let mut c = child.walk();
            for spec in child
                .named_children(&mut c)
                .filter(|n| n.kind() == "import_spec")
            {
                if let Some((name, path)) = super::scope::import_name(parse, spec) {
                    out.push(symbol(
                        snap,
                        name,
                        Some(path),
                        SymbolKind::MODULE,
                        spec,
                        spec,
                        vec![],
                    ));
                }
            }
            continue;
        }
        out.extend(decl_symbols(snap, child, 0, Some(child) == header));
    }
    out
}

#[allow(deprecated)]
fn symbol(
    snap: &Snapshot,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    node: Node<'_>,
    selection: Node<'_>,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    DocumentSymbol {
        name: if name.is_empty() { "_".into() } else { name },
        detail: detail.filter(|d| !d.is_empty()),
        kind,
        tags: None,
        deprecated: None,
        range: snap.range(node.byte_range()),
        selection_range: snap.range(selection.byte_range()),
        children: (!children.is_empty()).then_some(children),
    }
}

fn decl_symbols(
    snap: &Snapshot,
    node: Node<'_>,
    depth: usize,
    is_header: bool,
) -> Vec<DocumentSymbol> {
    let parse = &*snap.parse;
    if depth > MAX_DEPTH {
        return Vec::new();
    }
    match node.kind() {
        "field" => {
            let Some(label) = node.child_by_field_name("label") else {
                return Vec::new();
            };
            let name = syntax::text(parse, label)
                .trim_end_matches(['?', '!'])
                .to_owned();
            let name_node = label.child_by_field_name("name").unwrap_or(label);
            let value = node.child_by_field_name("value");
            let mut children = Vec::new();
            let mut detail = None;
            if let Some(v) = value {
                if v.kind() == "field" {
                    children = decl_symbols(snap, v, depth + 1, false);
                } else {
                    for s in value_structs(v) {
                        let mut c = s.walk();
                        for d in s.named_children(&mut c) {
                            children.extend(decl_symbols(snap, d, depth + 1, false));
                        }
                    }
                    if children.is_empty() {
                        detail = Some(packages::summary(syntax::text(parse, v)));
                    }
                }
            }
            let plain = syntax::label_node_name(parse, name_node).unwrap_or_default();
            let kind = if is_header {
                SymbolKind::CLASS
            } else if plain.starts_with('#') || plain.starts_with("_#") {
                SymbolKind::STRUCT
            } else if !children.is_empty() {
                SymbolKind::OBJECT
            } else {
                SymbolKind::FIELD
            };
            if is_header {
                detail =
                    syntax::definition_kind(parse).map(|k| format!("{} definition", k.type_name()));
            }
            vec![symbol(snap, name, detail, kind, node, name_node, children)]
        }
        "let_clause" => {
            let Some(n) = node.child_by_field_name("name") else {
                return Vec::new();
            };
            let detail = node
                .child_by_field_name("value")
                .map(|v| packages::summary(syntax::text(parse, v)));
            vec![symbol(
                snap,
                syntax::text(parse, n).to_owned(),
                detail,
                SymbolKind::VARIABLE,
                node,
                n,
                vec![],
            )]
        }
        "comprehension" => {
            let mut children = Vec::new();
            if let Some(body) = node.child_by_field_name("body") {
                let mut c = body.walk();
                for d in body.named_children(&mut c) {
                    children.extend(decl_symbols(snap, d, depth + 1, false));
                }
            }
            if children.is_empty() {
                return Vec::new();
            }
            let mut clauses = Vec::new();
            let mut c = node.walk();
            for (i, cl) in node.children_by_field_name("clause", &mut c).enumerate() {
                if i < 3 {
                    clauses.push(packages::summary(syntax::text(parse, cl)));
                }
            }
            vec![symbol(
                snap,
                clauses.join(" "),
                None,
                SymbolKind::NAMESPACE,
                node,
                node,
                children,
            )]
        }
        "embedding" => {
            let mut out = Vec::new();
            if let Some(e) = node.named_child(0) {
                for s in value_structs(e) {
                    let mut c = s.walk();
                    for d in s.named_children(&mut c) {
                        out.extend(decl_symbols(snap, d, depth + 1, false));
                    }
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// Struct literals a value is made of (through `&`, `|`, parentheses, defaults, aliases).
fn value_structs(v: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![v];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "struct" => out.push(n),
            "binary_expression" => {
                stack.extend(n.child_by_field_name("right"));
                stack.extend(n.child_by_field_name("left"));
            }
            "parenthesized_expression" => stack.extend(n.named_child(0)),
            "unary_expression" => stack.extend(n.child_by_field_name("operand")),
            "alias" => stack.extend(n.child_by_field_name("value")),
            _ => {}
        }
    }
    out
}
