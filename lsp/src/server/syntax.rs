//! Small helpers over the tree shared by the features: nodes at an offset, labels, doc
//! comments and `+usage`, the definition's kind and template read from syntax alone (no
//! evaluation: these serve the fast features).

use tree_sitter::Node;
use xdef_syntax::Parse;
use xdef_vela::DefinitionKind;

pub fn text<'a>(parse: &'a Parse, node: Node<'_>) -> &'a str {
    parse.text().get(node.byte_range()).unwrap_or("")
}

pub fn is_ident_kind(kind: &str) -> bool {
    matches!(
        kind,
        "identifier" | "definition" | "hidden_identifier" | "hidden_definition"
    )
}

/// The deepest node that covers `offset`.
pub fn node_at(parse: &Parse, offset: usize) -> Node<'_> {
    let root = parse.tree().root_node();
    root.descendant_for_byte_range(offset, offset)
        .unwrap_or(root)
}

/// The decoded name of a label: an identifier or a constant string.
pub fn label_name(parse: &Parse, label: Node<'_>) -> Option<String> {
    let name = label.child_by_field_name("name")?;
    label_node_name(parse, name)
}

pub fn label_node_name(parse: &Parse, name: Node<'_>) -> Option<String> {
    match name.kind() {
        k if is_ident_kind(k) => Some(text(parse, name).to_owned()),
        "string" => string_value(parse, name),
        _ => None,
    }
}

/// The value of a string literal without interpolations.
pub fn string_value(parse: &Parse, node: Node<'_>) -> Option<String> {
    let lit: xdef_syntax::ast::StringLit =
        xdef_syntax::ast::SyntaxNode::new(node, parse.text()).cast()?;
    let (d, _) = xdef_syntax::literal::decode_string(lit);
    d.constant()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The name of a field (`label` child).
pub fn field_name(parse: &Parse, field: Node<'_>) -> Option<String> {
    label_name(parse, field.child_by_field_name("label")?)
}

/// The doc comment of a declaration: the `//` lines right above it (no blank line between,
/// nothing else on their lines), without the slashes.
pub fn doc_comment(parse: &Parse, decl: Node<'_>) -> Option<String> {
    let text = parse.text();
    let mut lines: Vec<&str> = Vec::new();
    let mut next_start = decl.start_byte();
    let mut sib = decl.prev_sibling();
    while let Some(s) = sib {
        if s.kind() != "comment" {
            break;
        }
        let r = s.byte_range();
        if text[r.end..next_start].matches('\n').count() > 1 {
            break;
        }
        let line_start = text[..r.start].rfind('\n').map_or(0, |i| i + 1);
        if !text[line_start..r.start].trim().is_empty() {
            break;
        }
        lines.push(&text[r.clone()]);
        next_start = r.start;
        sib = s.prev_sibling();
    }
    if lines.is_empty() {
        return None;
    }
    lines.reverse();
    Some(
        lines
            .iter()
            .map(|l| {
                let l = l.trim_start_matches("//");
                l.strip_prefix(' ').unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// The `+usage=` text of a doc comment.
pub fn usage(doc: &str) -> Option<&str> {
    doc.lines()
        .find_map(|l| l.trim().strip_prefix("+usage="))
        .map(str::trim)
}

/// A doc comment without `+marker=` lines.
pub fn prose(doc: &str) -> String {
    doc.lines()
        .filter(|l| !l.trim_start().starts_with('+'))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// Top-level fields of the file: (name, field node).
pub fn top_fields<'t>(parse: &'t Parse) -> Vec<(String, Node<'t>)> {
    let root = parse.tree().root_node();
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .filter(|n| n.kind() == "field")
        .filter_map(|f| Some((field_name(parse, f)?, f)))
        .collect()
}

/// The struct literal a field's value is, if it is one.
pub fn value_struct(field: Node<'_>) -> Option<Node<'_>> {
    let v = field.child_by_field_name("value")?;
    (v.kind() == "struct").then_some(v)
}

/// Fields declared directly in a struct (or file): (name, field node).
pub fn struct_fields<'t>(parse: &Parse, s: Node<'t>) -> Vec<(String, Node<'t>)> {
    let mut cursor = s.walk();
    s.named_children(&mut cursor)
        .filter(|n| n.kind() == "field")
        .filter_map(|f| Some((field_name(parse, f)?, f)))
        .collect()
}

/// The header field (`name: {type: ...}`) of a definition file.
pub fn header_field<'t>(parse: &'t Parse) -> Option<Node<'t>> {
    let fields = top_fields(parse);
    if !fields.iter().any(|(n, _)| n == "template") {
        return None;
    }
    fields
        .into_iter()
        .find(|(n, _)| n != "template")
        .map(|(_, f)| f)
}

/// The `template: {...}` struct of a definition file.
pub fn template_struct(parse: &Parse) -> Option<Node<'_>> {
    top_fields(parse)
        .into_iter()
        .find(|(n, _)| n == "template")
        .and_then(|(_, f)| value_struct(f))
}

/// The definition's kind from its header's `type: "..."`, read from syntax.
pub fn definition_kind(parse: &Parse) -> Option<DefinitionKind> {
    let header = header_field(parse)?;
    let s = value_struct(header)?;
    let (_, ty) = struct_fields(parse, s)
        .into_iter()
        .find(|(n, _)| n == "type")?;
    let v = ty.child_by_field_name("value")?;
    DefinitionKind::from_type(&string_value(parse, v)?)
}

/// The default alternative of a disjunction `*d | ...` anywhere in an expression tree of
/// `|` operators.
pub fn default_of(expr: Node<'_>) -> Option<Node<'_>> {
    let mut stack = vec![expr];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "binary_expression" => {
                let op = n.child_by_field_name("operator")?;
                if op.kind() == "|" {
                    if let Some(r) = n.child_by_field_name("right") {
                        stack.push(r);
                    }
                    if let Some(l) = n.child_by_field_name("left") {
                        stack.push(l);
                    }
                }
            }
            "parenthesized_expression" => {
                if let Some(c) = n.named_child(0) {
                    stack.push(c);
                }
            }
            "unary_expression" => {
                let op = n.child_by_field_name("operator")?;
                if op.kind() == "*" {
                    return n.child_by_field_name("operand");
                }
            }
            _ => {}
        }
    }
    None
}

/// Ancestors of a node, itself first.
pub fn ancestors(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    std::iter::successors(Some(node), |n| n.parent())
}

/// Whether `offset` lies inside a comment; the comment node if so.
pub fn comment_at(parse: &Parse, offset: usize) -> Option<Node<'_>> {
    for at in [offset, offset.saturating_sub(1)] {
        let n = node_at(parse, at);
        if n.kind() == "comment" && n.start_byte() < offset && offset <= n.end_byte() {
            return Some(n);
        }
    }
    None
}

/// Is `s` a valid CUE identifier (any of the four kinds)?
pub fn is_identifier(s: &str) -> bool {
    let body = s
        .strip_prefix("_#")
        .or_else(|| s.strip_prefix('#'))
        .or_else(|| s.strip_prefix('_'))
        .unwrap_or(s);
    let mut chars = body.chars();
    let first_ok = match chars.next() {
        Some(c) => c.is_alphabetic() || c == '_' || c == '$',
        None => s == "_",
    };
    first_ok && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}
