//! Finding the source range of a field by its path, for diagnostics about data that was
//! evaluated (header keys, attributes).

use xdef_syntax::TextRange;
use xdef_syntax::ast::{AstNode, Decl, Expr, Field, FieldValue, LabelName, StructLit};

/// The range of the label of the field at `path` inside the field at `within` (a struct
/// field of the file's top level); falls back to the deepest field found.
pub fn field_range(parse: &xdef_syntax::Parse, within: TextRange, path: &[&str]) -> TextRange {
    let root = parse.root();
    let Some(top) = root.decls().find_map(|d| match d {
        Decl::Field(f) if f.range() == within => Some(f),
        _ => None,
    }) else {
        return within.start..within.start;
    };
    let mut best = top.label().map_or(within.clone(), |l| l.range());
    let mut current = value_struct(top);
    for part in path {
        let Some(s) = current else { break };
        let Some(field) = find_field(s, part) else {
            break;
        };
        best = field.label().map_or(best, |l| l.range());
        current = value_struct(field);
    }
    best
}

fn value_struct(field: Field<'_>) -> Option<StructLit<'_>> {
    match field.value()? {
        FieldValue::Expr(Expr::Struct(s)) => Some(s),
        FieldValue::Field(_) => None,
        _ => None,
    }
}

fn find_field<'t>(s: StructLit<'t>, name: &str) -> Option<Field<'t>> {
    for decl in s.decls() {
        if let Decl::Field(f) = decl {
            let label_name = match f.label()?.name()? {
                LabelName::Ident(i) => i.name().to_owned(),
                LabelName::String(lit) => {
                    let (d, _) = xdef_syntax::literal::decode_string(lit);
                    d.constant()
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default()
                }
                _ => continue,
            };
            if label_name == name {
                return Some(f);
            }
        }
    }
    None
}
