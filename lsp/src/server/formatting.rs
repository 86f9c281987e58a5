//! Document and range formatting: the canonical `cue fmt` layout of `xdef fmt`
//! (`xdef_syntax::format`), turned into LSP edits. A file with syntax errors is left
//! alone (no edits), as `xdef fmt` does.

use std::ops::Range;

use tower_lsp_server::ls_types::TextEdit;

use super::document::Snapshot;

/// Edits that format the document, or only the declarations around `range`.
pub fn format(snap: &Snapshot, range: Option<Range<usize>>) -> Option<Vec<TextEdit>> {
    let parse = &*snap.parse;
    let text = parse.text();
    match range {
        Some(range) => {
            let edits = xdef_syntax::format::format_range(parse, range.clone()).ok()?;
            // The formatter re-lays out the declarations around the range; the editor
            // asked for the selected lines, so only edits touching them are kept.
            let lines = whole_lines(text, range);
            Some(
                edits
                    .into_iter()
                    .filter(|e| e.range.start <= lines.end && e.range.end >= lines.start)
                    .map(|e| TextEdit {
                        range: snap.range(e.range),
                        new_text: e.insert,
                    })
                    .collect(),
            )
        }
        None => {
            let formatted = xdef_syntax::format::format(parse).ok()?;
            Some(
                minimal_edit(text, &formatted)
                    .map(|(r, new_text)| TextEdit {
                        range: snap.range(r),
                        new_text,
                    })
                    .into_iter()
                    .collect(),
            )
        }
    }
}

/// `range` widened to whole lines.
fn whole_lines(text: &str, range: Range<usize>) -> Range<usize> {
    let start = text[..range.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end = text[range.end.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i);
    start..end
}

/// One edit replacing only what differs between `old` and `new` (the common prefix and
/// suffix stay, so the editor keeps cursors and folds outside the change).
fn minimal_edit(old: &str, new: &str) -> Option<(Range<usize>, String)> {
    if old == new {
        return None;
    }
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let mut suffix = old[prefix..]
        .bytes()
        .rev()
        .zip(new[prefix..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    Some((
        prefix..old.len() - suffix,
        new[prefix..new.len() - suffix].to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::minimal_edit;

    #[test]
    fn minimal_edit_keeps_common_prefix_and_suffix() {
        assert_eq!(minimal_edit("a: 1\n", "a: 1\n"), None);
        assert_eq!(
            minimal_edit("a:  1\nb: 2\n", "a: 1\nb: 2\n"),
            Some((3..4, String::new()))
        );
        assert_eq!(
            minimal_edit("x: \"é\"\n", "x: \"è\"\n"),
            Some((4..6, "è".to_owned()))
        );
    }
}
