//! Inlay hints: the default of a field whose value is a disjunction with a marked default,
//! after the value (`replicas: *1 | int` shows `= 1`).

use std::ops::Range;

use tower_lsp_server::ls_types::{InlayHint, InlayHintKind, InlayHintLabel};

use super::document::Snapshot;
use super::syntax;

pub fn hints(snap: &Snapshot, range: Range<usize>) -> Vec<InlayHint> {
    let parse = &*snap.parse;
    let mut out = Vec::new();
    let index = snap.scope();
    let mut fields: Vec<(Range<usize>, Range<usize>)> = index
        .fields
        .values()
        .flatten()
        .filter_map(|d| Some((d.field_range.clone(), d.value_range.clone()?)))
        .filter(|(f, _)| f.end >= range.start && f.start <= range.end)
        .collect();
    fields.sort_by_key(|(f, _)| f.start);
    let root = parse.tree().root_node();
    for (_, v) in fields {
        let Some(node) = root.descendant_for_byte_range(v.start, v.end) else {
            continue;
        };
        let Some(value) = syntax::ancestors(node).find(|n| n.byte_range() == v) else {
            continue;
        };
        if value.kind() != "binary_expression" {
            continue;
        }
        let Some(d) = syntax::default_of(value) else {
            continue;
        };
        let shown = syntax::text(parse, d);
        if shown.contains('\n') || shown.chars().count() > 40 {
            continue;
        }
        out.push(InlayHint {
            position: snap.position(v.end),
            label: InlayHintLabel::String(format!("= {shown}")),
            kind: Some(InlayHintKind::TYPE),
            text_edits: None,
            tooltip: None,
            padding_left: Some(true),
            padding_right: None,
            data: None,
        });
    }
    out
}
