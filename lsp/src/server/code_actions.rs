//! Code actions:
//! - quick fixes from the diagnostics' "did you mean" suggestions: a misspelt `context.x`
//!   or `parameter.x`, an unknown `attributes` or header key, an invalid `type` or enum
//!   value;
//! - add a missing import for a known package (`reference "strings" not found`);
//! - rewrite a string `healthPolicy`/`customStatus`/`details` into the CUE-struct form.

use std::collections::HashMap;
use std::ops::Range;

use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic, TextEdit, WorkspaceEdit,
};
use xdef_syntax::Parse;

use super::document::Snapshot;
use super::packages;
use super::syntax;

fn edit_action(
    snap: &Snapshot,
    title: String,
    kind: CodeActionKind,
    edits: Vec<(Range<usize>, String)>,
    diagnostic: Option<&Diagnostic>,
    preferred: bool,
) -> CodeActionOrCommand {
    let mut changes = HashMap::new();
    changes.insert(
        snap.uri.clone(),
        edits
            .into_iter()
            .map(|(r, t)| TextEdit {
                range: snap.range(r),
                new_text: t,
            })
            .collect(),
    );
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(kind),
        diagnostics: diagnostic.map(|d| vec![d.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }),
        is_preferred: preferred.then_some(true),
        ..Default::default()
    })
}

/// The suggestion in a "(did you mean `x`?)" or "(did you mean \"x\"?)" message.
pub fn suggestion(message: &str) -> Option<String> {
    let i = message.rfind("(did you mean ")?;
    let rest = &message[i + "(did you mean ".len()..];
    let rest = rest
        .strip_suffix("?)")
        .or_else(|| rest.split_once("?)").map(|(a, _)| a))?;
    let s = rest
        .strip_prefix('`')
        .and_then(|r| r.strip_suffix('`'))
        .or_else(|| rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')))?;
    Some(s.to_owned())
}

pub fn actions(
    snap: &Snapshot,
    range: Range<usize>,
    diagnostics: &[Diagnostic],
) -> Vec<CodeActionOrCommand> {
    let parse = &*snap.parse;
    let text = parse.text();
    let mut out = Vec::new();
    let mut imports_offered: Vec<String> = Vec::new();
    for d in diagnostics {
        let r = super::encoding::offset_range(&snap.rope, d.range, snap.encoding);
        if let Some(s) = suggestion(&d.message) {
            let replacement = s
                .strip_prefix("context.")
                .or_else(|| s.strip_prefix("parameter."))
                .unwrap_or(&s)
                .to_owned();
            let target = &text[r.clone()];
            if d.message.contains("unknown field")
                || d.message.contains("unknown definition header key")
                || d.message.contains("does not exist in the context")
                || d.message.contains("is not declared in `parameter`")
            {
                let quoted = target.starts_with('"');
                let new = if quoted {
                    format!("\"{replacement}\"")
                } else {
                    replacement.clone()
                };
                out.push(edit_action(
                    snap,
                    format!("Change to `{s}`"),
                    CodeActionKind::QUICKFIX,
                    vec![(r.clone(), new)],
                    Some(d),
                    true,
                ));
            } else if let Some(value) = field_value_at(parse, r.start) {
                // An invalid value (`type`, an enum): replace the value.
                out.push(edit_action(
                    snap,
                    format!("Change to \"{replacement}\""),
                    CodeActionKind::QUICKFIX,
                    vec![(value, format!("\"{replacement}\""))],
                    Some(d),
                    true,
                ));
            }
        }
        if let Some(name) = d
            .message
            .find("reference \"")
            .and_then(|i| d.message[i + "reference \"".len()..].split('"').next())
            .filter(|_| d.message.ends_with("not found"))
        {
            let kind = syntax::definition_kind(parse);
            if let Some(path) =
                packages::path_for_name(name, kind).filter(|p| !imports_offered.contains(p))
            {
                imports_offered.push(path.clone());
                let (at, insert) = import_insertion(parse, &path);
                out.push(edit_action(
                    snap,
                    format!("Add import \"{path}\""),
                    CodeActionKind::QUICKFIX,
                    vec![(at..at, insert)],
                    Some(d),
                    true,
                ));
            }
        }
    }
    if let Some(a) = status_to_struct(snap, parse, range) {
        out.push(a);
    }
    out
}

/// The value range of the field whose label starts at `label_at`.
fn field_value_at(parse: &Parse, label_at: usize) -> Option<Range<usize>> {
    let node = syntax::node_at(parse, label_at);
    let field = syntax::ancestors(node).find(|n| n.kind() == "field")?;
    let v = field.child_by_field_name("value")?;
    (v.kind() == "string").then(|| v.byte_range())
}

/// Where to add `import "path"`: after the last import, else after the package clause,
/// else at the top.
fn import_insertion(parse: &Parse, path: &str) -> (usize, String) {
    let root = parse.tree().root_node();
    let mut c = root.walk();
    let mut after: Option<usize> = None;
    for n in root.named_children(&mut c) {
        match n.kind() {
            "import_declaration" | "package_clause" => after = Some(n.end_byte()),
            "comment" => {}
            _ => break,
        }
    }
    match after {
        Some(at) => (at, format!("\nimport \"{path}\"")),
        None => (0, format!("import \"{path}\"\n\n")),
    }
}

/// `healthPolicy: "isHealth: ..."` → `healthPolicy: { isHealth: ... }`.
fn status_to_struct(
    snap: &Snapshot,
    parse: &Parse,
    range: Range<usize>,
) -> Option<CodeActionOrCommand> {
    let node = syntax::node_at(parse, range.start);
    let field = syntax::ancestors(node).find(|n| {
        n.kind() == "field"
            && matches!(
                syntax::field_name(parse, *n).as_deref(),
                Some("healthPolicy" | "customStatus" | "details")
            )
    })?;
    let value = field.child_by_field_name("value")?;
    if value.kind() != "string" {
        return None;
    }
    let content = syntax::string_value(parse, value)?;
    // The body must be CUE declarations.
    let check = xdef_syntax::parse(content.clone());
    if check.tree().root_node().has_error() {
        return None;
    }
    let text = parse.text();
    let line_start = text[..field.start_byte()].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == '\t' || *c == ' ')
        .collect();
    let lines: Vec<&str> = content.lines().collect();
    // Remove the common indentation of the script.
    let common = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut body = String::from("{\n");
    for l in &lines {
        if l.trim().is_empty() {
            body.push('\n');
            continue;
        }
        body.push_str(&indent);
        body.push('\t');
        body.push_str(l.get(common..).unwrap_or(l).trim_end());
        body.push('\n');
    }
    // Drop blank lines at the start and end.
    let body = body.replace("{\n\n", "{\n");
    let body = format!("{}\n{indent}}}", body.trim_end());
    let name = syntax::field_name(parse, field).unwrap_or_default();
    Some(edit_action(
        snap,
        format!("Write `{name}` as a CUE struct"),
        CodeActionKind::REFACTOR_REWRITE,
        vec![(value.byte_range(), body)],
        None,
        false,
    ))
}

#[cfg(test)]
mod tests {
    use super::suggestion;

    #[test]
    fn suggestions_in_messages() {
        assert_eq!(
            suggestion("context.nmae does not exist (did you mean `context.name`?)").as_deref(),
            Some("context.name")
        );
        assert_eq!(
            suggestion("json: unknown field \"podDisruptve\" (did you mean \"podDisruptive\"?)")
                .as_deref(),
            Some("podDisruptive")
        );
        assert_eq!(suggestion("no hint here"), None);
    }
}
