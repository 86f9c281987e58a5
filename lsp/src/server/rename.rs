//! Rename of fields, `#Defs`, lets, aliases and comprehension variables within the file,
//! with the same scope rules as go to definition: every declaration of the field and every
//! use (identifiers and selectors such as `parameter.image`). The new name must be an
//! identifier of the same kind (`#Def` stays a definition, `_x` stays hidden), so that a
//! rename never changes what the file means. `context.*`, package members, predeclared
//! names and imports cannot be renamed.

use std::collections::HashMap;

use tower_lsp_server::ls_types::{PrepareRenameResponse, TextEdit, WorkspaceEdit};

use super::document::Snapshot;
use super::scope::Symbol;
use super::syntax;

fn kind_of(name: &str) -> u8 {
    if name.starts_with("_#") {
        3
    } else if name.starts_with('#') {
        1
    } else if name.starts_with('_') {
        2
    } else {
        0
    }
}

fn renamable(sym: &Symbol) -> bool {
    matches!(
        sym,
        Symbol::Field(_) | Symbol::Let(_) | Symbol::Alias(_) | Symbol::LoopVar(_)
    ) && !matches!(sym, Symbol::Field(p) if p.ends_with(']') || p.ends_with(')'))
}

pub fn prepare(snap: &Snapshot, offset: usize) -> Option<PrepareRenameResponse> {
    let index = snap.scope();
    let (sym, range) = index.symbol_at(offset)?;
    if !renamable(&sym) || index.declarations(&sym).is_empty() {
        return None;
    }
    let placeholder = snap.text()[range.clone()].to_owned();
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: snap.range(range),
        placeholder,
    })
}

pub fn rename(
    snap: &Snapshot,
    offset: usize,
    new_name: &str,
) -> Result<Option<WorkspaceEdit>, String> {
    let index = snap.scope();
    let Some((sym, range)) = index.symbol_at(offset) else {
        return Ok(None);
    };
    if !renamable(&sym) {
        return Err("this name cannot be renamed (it is not declared in this file)".into());
    }
    let decls = index.declarations(&sym);
    if decls.is_empty() {
        return Err("this name is not declared in this file".into());
    }
    let text = snap.text();
    let old = text[range].trim_matches('"').to_owned();
    let quoted_ok = matches!(sym, Symbol::Field(_));
    if !syntax::is_identifier(new_name) {
        if !quoted_ok || new_name.is_empty() || new_name.contains(['"', '\\', '\n']) {
            return Err(format!("`{new_name}` is not a valid identifier"));
        }
    } else if kind_of(new_name) != kind_of(&old) {
        return Err(format!(
            "`{new_name}` is a different kind of identifier than `{old}` (definitions start with #, hidden fields with _)"
        ));
    }
    let parse = &*snap.parse;
    let mut edits: Vec<TextEdit> = Vec::new();
    let root = parse.tree().root_node();
    for r in decls {
        // A quoted label stays quoted; an identifier label gets quotes if needed.
        let node = root.descendant_for_byte_range(r.start, r.end);
        let is_string = node.is_some_and(|n| {
            n.kind() == "string"
                || n.parent()
                    .is_some_and(|p| p.kind() == "string" && p.byte_range() == r)
        });
        let new_text = if is_string || !syntax::is_identifier(new_name) {
            format!("\"{new_name}\"")
        } else {
            new_name.to_owned()
        };
        edits.push(TextEdit {
            range: snap.range(r),
            new_text,
        });
    }
    for u in index.uses(&sym) {
        let in_string = u.range.start > 0 && text.as_bytes()[u.range.start - 1] == b'"';
        if !syntax::is_identifier(new_name) && !in_string {
            return Err(format!(
                "`{new_name}` is not an identifier, and `{old}` is used as one"
            ));
        }
        edits.push(TextEdit {
            range: snap.range(u.range.clone()),
            new_text: new_name.to_owned(),
        });
    }
    edits.sort_by_key(|e| (e.range.start.line, e.range.start.character));
    edits.dedup_by(|a, b| a.range == b.range);
    let mut changes = HashMap::new();
    changes.insert(snap.uri.clone(), edits);
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    }))
}
