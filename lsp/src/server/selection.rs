//! Selection ranges: from the word under the cursor outwards through every enclosing node
//! of the tree (expression, field, struct, ...), skipping nodes with the same span.

use tower_lsp_server::ls_types::{Position, SelectionRange};

use super::document::Snapshot;
use super::syntax;

pub fn ranges(snap: &Snapshot, positions: &[Position]) -> Vec<SelectionRange> {
    positions
        .iter()
        .map(|p| {
            let offset = snap.offset(*p);
            let node = syntax::node_at(&snap.parse, offset);
            let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
            for a in syntax::ancestors(node) {
                let r = a.byte_range();
                if spans.last() != Some(&r) {
                    spans.push(r);
                }
            }
            let mut result: Option<SelectionRange> = None;
            for r in spans.into_iter().rev() {
                result = Some(SelectionRange {
                    range: snap.range(r),
                    parent: result.map(Box::new),
                });
            }
            result.unwrap_or(SelectionRange {
                range: tower_lsp_server::ls_types::Range::new(*p, *p),
                parent: None,
            })
        })
        .collect()
}
