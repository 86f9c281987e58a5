//! Folding ranges: multi-line structs, lists, parenthesized import groups, multi-line
//! strings, and runs of two or more comment lines. A range ends on the line before its
//! closing bracket, so the bracket stays visible.

use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

use super::document::Snapshot;

pub fn ranges(snap: &Snapshot) -> Vec<FoldingRange> {
    let parse = &*snap.parse;
    let mut out = Vec::new();
    let root = parse.tree().root_node();
    let mut cursor = root.walk();
    let mut comment_run: Option<(u32, u32)> = None;
    let flush = |run: &mut Option<(u32, u32)>, out: &mut Vec<FoldingRange>| {
        if let Some((s, e)) = run.take() {
            if e > s {
                out.push(FoldingRange {
                    start_line: s,
                    end_line: e,
                    kind: Some(FoldingRangeKind::Comment),
                    ..Default::default()
                });
            }
        }
    };
    loop {
        let node = cursor.node();
        let kind = node.kind();
        let start = snap.position(node.start_byte()).line;
        let end = snap.position(node.end_byte()).line;
        if kind == "comment" {
            match &mut comment_run {
                Some((_, e)) if *e + 1 == start => *e = start,
                _ => {
                    flush(&mut comment_run, &mut out);
                    comment_run = Some((start, start));
                }
            }
        }
        if end > start {
            match kind {
                "struct" | "list" | "arguments" => out.push(FoldingRange {
                    start_line: start,
                    end_line: end - 1,
                    ..Default::default()
                }),
                "import_declaration" => out.push(FoldingRange {
                    start_line: start,
                    end_line: end - 1,
                    kind: Some(FoldingRangeKind::Imports),
                    ..Default::default()
                }),
                "string" => out.push(FoldingRange {
                    start_line: start,
                    end_line: end,
                    ..Default::default()
                }),
                _ => {}
            }
        }
        if kind != "string" && kind != "comment" && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                flush(&mut comment_run, &mut out);
                out.retain(|r| r.end_line > r.start_line || r.kind.is_some());
                out.sort_by_key(|r| (r.start_line, r.end_line));
                out.dedup_by(|a, b| a.start_line == b.start_line && a.end_line == b.end_line);
                return out;
            }
        }
    }
}
