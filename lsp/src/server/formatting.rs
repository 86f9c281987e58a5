//! Document and range formatting.
//!
//! TODO(formatter): `xdef_syntax::format` (the canonical `cue fmt` layout) is being written
//! by another engineer and is not in this branch's base. Until it lands, this module does
//! the conservative part of that layout only: indentation with tabs by bracket nesting
//! (from the tree, so brackets in strings and comments do not count), no trailing
//! whitespace, at most one blank line in a row, no blank lines at the start, one newline at
//! the end. Spacing inside lines (alignment of values) is left as written, and the text of
//! multi-line strings is never touched. Files with syntax errors are not formatted. When
//! `xdef_syntax::format::format(&Parse)` exists, whole-document formatting should call it
//! and diff its output into edits here.

use std::ops::Range;

use tower_lsp_server::ls_types::TextEdit;

use super::document::Snapshot;

/// The formatted text of every line (None for lines to leave alone), by line index.
fn formatted_lines(parse: &xdef_syntax::Parse) -> Option<Vec<(Range<usize>, Option<String>)>> {
    if parse.tree().root_node().has_error() {
        return None;
    }
    let text = parse.text();
    // Bracket events and multi-line string spans, from the tree.
    let mut events: Vec<(usize, i32)> = Vec::new();
    let mut verbatim: Vec<Range<usize>> = Vec::new();
    let root = parse.tree().root_node();
    let mut cursor = root.walk();
    'walk: loop {
        let node = cursor.node();
        let kind = node.kind();
        let mut descend = true;
        match kind {
            "string" => {
                if syntax_multiline(text, node.byte_range()) {
                    verbatim.push(node.byte_range());
                }
                descend = false;
            }
            "comment" => descend = false,
            "{" | "[" | "(" if !node.is_named() => events.push((node.start_byte(), 1)),
            "}" | "]" | ")" if !node.is_named() => events.push((node.start_byte(), -1)),
            _ => {}
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    events.sort();
    let mut out = Vec::new();
    let mut depth: i32 = 0;
    let mut ev = 0usize;
    let mut start = 0usize;
    let mut blank_run = 0usize;
    let mut seen_content = false;
    while start <= text.len() {
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let mut content_end = end;
        if content_end > start && text.as_bytes()[content_end - 1] == b'\r' {
            content_end -= 1;
        }
        let line = &text[start..content_end];
        // Inside a multi-line string (after its first line): leave alone.
        let inside_string = verbatim.iter().any(|r| r.start < start && start < r.end);
        while ev < events.len() && events[ev].0 < start {
            depth += events[ev].1;
            ev += 1;
        }
        let trimmed = line.trim();
        let new = if inside_string {
            None
        } else if trimmed.is_empty() {
            blank_run += 1;
            if !seen_content || blank_run > 1 {
                Some(String::new()) // marks a line to delete
            } else {
                Some(String::new())
            }
        } else {
            blank_run = 0;
            seen_content = true;
            let leading_closers = trimmed
                .chars()
                .take_while(|c| matches!(c, '}' | ']' | ')'))
                .count() as i32;
            let d = (depth - leading_closers.min(1)).max(0) as usize;
            let body = line.trim_start().trim_end();
            // Keep trailing whitespace that belongs to a multi-line string starting here.
            let keeps_tail = verbatim.iter().any(|r| r.start < content_end && content_end < r.end);
            let body = if keeps_tail { line.trim_start() } else { body };
            Some(format!("{}{}", "\t".repeat(d), body))
        };
        let delete = !inside_string && trimmed.is_empty() && (!seen_content || blank_run > 1);
        out.push((start..content_end, if delete { Some("\u{0}".into()) } else { new }));
        if end == text.len() {
            break;
        }
        start = end + 1;
    }
    Some(out)
}

fn syntax_multiline(text: &str, r: Range<usize>) -> bool {
    text[r].contains('\n')
}

pub fn format(snap: &Snapshot, range: Option<Range<usize>>) -> Option<Vec<TextEdit>> {
    let parse = &*snap.parse;
    let text = parse.text();
    let lines = formatted_lines(parse)?;
    let mut edits = Vec::new();
    let last = lines.len().saturating_sub(1);
    for (i, (r, new)) in lines.iter().enumerate() {
        if let Some(sel) = &range {
            if r.end < sel.start || r.start > sel.end {
                continue;
            }
        }
        let Some(new) = new else { continue };
        if new == "\u{0}" {
            // Delete the line with its line break (a trailing empty line: the break before).
            let del = if i < last {
                let next_start = lines[i + 1].0.start;
                r.start..next_start
            } else if r.start > 0 {
                let prev_end = lines[i - 1].0.end;
                if r.start == r.end && prev_end + 1 >= r.start && i == last {
                    // The empty "line" after the final newline is fine.
                    continue;
                }
                prev_end..r.end
            } else {
                continue;
            };
            edits.push(TextEdit {
                range: snap.range(del),
                new_text: String::new(),
            });
            continue;
        }
        if &text[r.clone()] != new.as_str() {
            edits.push(TextEdit {
                range: snap.range(r.clone()),
                new_text: new.clone(),
            });
        }
    }
    // One newline at the end.
    if range.is_none() && !text.is_empty() && !text.ends_with('\n') {
        edits.push(TextEdit {
            range: snap.range(text.len()..text.len()),
            new_text: "\n".into(),
        });
    }
    Some(edits)
}
