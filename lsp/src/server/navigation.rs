//! Go to definition and find references within the file, on the scope index: labels,
//! `#Defs`, lets, aliases, comprehension variables and imports, with lexical scoping as
//! the evaluator's compiler resolves names, and selectors (`parameter.x`) resolved to the
//! field they name.

use tower_lsp_server::ls_types::Location;

use super::document::Snapshot;

pub fn definition(snap: &Snapshot, offset: usize) -> Vec<Location> {
    let index = snap.scope();
    let Some((sym, _)) = index.symbol_at(offset) else {
        return Vec::new();
    };
    index
        .declarations(&sym)
        .into_iter()
        .map(|r| Location {
            uri: snap.uri.clone(),
            range: snap.range(r),
        })
        .collect()
}

pub fn references(snap: &Snapshot, offset: usize, include_declaration: bool) -> Vec<Location> {
    let index = snap.scope();
    let Some((sym, _)) = index.symbol_at(offset) else {
        return Vec::new();
    };
    let mut ranges: Vec<std::ops::Range<usize>> = index
        .uses(&sym)
        .into_iter()
        .map(|r| r.range.clone())
        .collect();
    if include_declaration {
        ranges.extend(index.declarations(&sym));
    }
    ranges.sort_by_key(|r| (r.start, r.end));
    ranges.dedup();
    ranges
        .into_iter()
        .map(|r| Location {
            uri: snap.uri.clone(),
            range: snap.range(r),
        })
        .collect()
}
