//! Semantic tokens: definitions (`#Def`) as types, regular fields as properties, hidden
//! fields with the `hidden` modifier, lets/aliases/comprehension variables as variables,
//! predeclared functions and package members as functions/types of the default library,
//! `context` as a default-library variable, imports as namespaces, `+patchKey=` and other
//! marker comments as decorators, attributes as decorators, keywords, strings (split per
//! line) and numbers.

use std::ops::Range;

use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
};
use tree_sitter::Node;

use super::document::Snapshot;
use super::scope::Symbol;
use super::syntax;

const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::TYPE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::KEYWORD,
    SemanticTokenType::COMMENT,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::DECORATOR,
];
const NAMESPACE: u32 = 0;
const TYPE: u32 = 1;
const PROPERTY: u32 = 2;
const VARIABLE: u32 = 3;
const FUNCTION: u32 = 4;
const KEYWORD: u32 = 5;
const COMMENT: u32 = 6;
const STRING: u32 = 7;
const NUMBER: u32 = 8;
const DECORATOR: u32 = 9;

const DECLARATION: u32 = 1;
const READONLY: u32 = 1 << 2;
const DEFAULT_LIBRARY: u32 = 1 << 3;
const HIDDEN: u32 = 1 << 4;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: vec![
            SemanticTokenModifier::DECLARATION,
            SemanticTokenModifier::DEFINITION,
            SemanticTokenModifier::READONLY,
            SemanticTokenModifier::DEFAULT_LIBRARY,
            SemanticTokenModifier::new("hidden"),
        ],
    }
}

const KEYWORDS: &[&str] = &[
    "package",
    "import",
    "for",
    "in",
    "if",
    "let",
    "try",
    "else",
    "otherwise",
    "fallback",
    "true",
    "false",
    "null",
    "bottom",
    "top",
];

fn ident_class(name: &str) -> (u32, u32) {
    if name.starts_with("_#") {
        (TYPE, HIDDEN)
    } else if name.starts_with('#') {
        (TYPE, 0)
    } else if name.starts_with('_') {
        (PROPERTY, HIDDEN)
    } else {
        (PROPERTY, 0)
    }
}

pub fn tokens(snap: &Snapshot, range: Option<Range<usize>>) -> SemanticTokens {
    let parse = &*snap.parse;
    let index = snap.scope();
    let text = parse.text();
    let mut raw: Vec<(Range<usize>, u32, u32)> = Vec::new();
    let root = parse.tree().root_node();
    let mut cursor = root.walk();
    let want = |n: Node<'_>| match &range {
        Some(r) => n.end_byte() >= r.start && n.start_byte() <= r.end,
        None => true,
    };
    'walk: loop {
        let node = cursor.node();
        let mut descend = want(node);
        if descend {
            let kind = node.kind();
            match kind {
                "comment" => {
                    descend = false;
                    let t = syntax::text(parse, node);
                    let body = t.trim_start_matches('/').trim_start();
                    if body.starts_with('+') && body.contains('=') {
                        let marker_at = node.start_byte() + (t.len() - body.len());
                        raw.push((node.start_byte()..marker_at, COMMENT, 0));
                        raw.push((marker_at..node.end_byte(), DECORATOR, 0));
                    } else {
                        raw.push((node.byte_range(), COMMENT, 0));
                    }
                }
                "string" => {
                    // The literal minus its interpolations, which are tokenized inside.
                    let mut pos = node.start_byte();
                    let mut c = node.walk();
                    for child in node.named_children(&mut c) {
                        if child.kind() == "interpolation" {
                            raw.push((pos..child.start_byte(), STRING, 0));
                            pos = child.end_byte();
                        }
                    }
                    raw.push((pos..node.end_byte(), STRING, 0));
                    let has_interp = node
                        .named_children(&mut node.walk())
                        .any(|c| c.kind() == "interpolation");
                    if !has_interp {
                        descend = false;
                    }
                }
                "integer" | "float" => {
                    raw.push((node.byte_range(), NUMBER, 0));
                    descend = false;
                }
                "attribute" => {
                    raw.push((node.byte_range(), DECORATOR, 0));
                    descend = false;
                }
                k if syntax::is_ident_kind(k) => {
                    let name = syntax::text(parse, node);
                    let parent = node.parent().map(|p| p.kind()).unwrap_or("");
                    let field_role = node
                        .parent()
                        .and_then(|p| {
                            let mut c = p.walk();
                            let role = p
                                .children(&mut c)
                                .position(|ch| ch == node)
                                .and_then(|i| p.field_name_for_child(i as u32));
                            role
                        })
                        .unwrap_or("");
                    let class = if parent == "label" && field_role == "name" {
                        let (t, m) = ident_class(name);
                        Some((t, m | DECLARATION))
                    } else if parent == "package_clause" || parent == "import_spec" {
                        Some((NAMESPACE, DECLARATION))
                    } else if matches!(
                        parent,
                        "let_clause" | "alias" | "for_clause" | "try_clause" | "postfix_alias"
                    ) && field_role != "value"
                        && field_role != "source"
                        || (parent == "label" && field_role == "alias")
                        || (parent == "for_clause" && field_role == "value")
                    {
                        Some((VARIABLE, DECLARATION | READONLY))
                    } else if let Some(r) = index
                        .ref_at(node.start_byte())
                        .filter(|r| r.range == node.byte_range())
                    {
                        Some(match &r.symbol {
                            Symbol::Field(p) => ident_class(p.rsplit('.').next().unwrap_or(p)),
                            Symbol::Let(_) | Symbol::Alias(_) | Symbol::LoopVar(_) => {
                                (VARIABLE, READONLY)
                            }
                            Symbol::Import(_) => (NAMESPACE, 0),
                            Symbol::Builtin(b) => {
                                if matches!(
                                    b.as_str(),
                                    "len" | "close" | "and" | "or" | "div" | "mod" | "quo" | "rem"
                                ) {
                                    (FUNCTION, DEFAULT_LIBRARY)
                                } else {
                                    (TYPE, DEFAULT_LIBRARY)
                                }
                            }
                            Symbol::Context(_) => (VARIABLE, DEFAULT_LIBRARY),
                            Symbol::PackageMember(..) => (FUNCTION, DEFAULT_LIBRARY),
                            Symbol::Unresolved(_) => (VARIABLE, 0),
                        })
                    } else if parent == "selector_expression" {
                        // A member: look it up as a reference by range.
                        index
                            .refs
                            .iter()
                            .find(|r| r.range == node.byte_range())
                            .map(|r| match &r.symbol {
                                Symbol::PackageMember(_, m) => {
                                    if m.starts_with('#') {
                                        (TYPE, DEFAULT_LIBRARY)
                                    } else {
                                        (FUNCTION, DEFAULT_LIBRARY)
                                    }
                                }
                                Symbol::Context(_) => (PROPERTY, DEFAULT_LIBRARY),
                                _ => ident_class(name),
                            })
                    } else {
                        None
                    };
                    if let Some((t, m)) = class {
                        raw.push((node.byte_range(), t, m));
                    }
                    descend = false;
                }
                _ => {
                    if !node.is_named() && KEYWORDS.contains(&kind) {
                        raw.push((node.byte_range(), KEYWORD, 0));
                    } else if matches!(kind, "true" | "false" | "null" | "bottom" | "top") {
                        raw.push((node.byte_range(), KEYWORD, 0));
                        descend = false;
                    }
                }
            }
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
    raw.retain(|(r, _, _)| r.end > r.start);
    raw.sort_by_key(|(r, _, _)| r.start);
    encode(snap, text, raw)
}

/// Splits tokens at line breaks and delta-encodes them.
fn encode(snap: &Snapshot, text: &str, raw: Vec<(Range<usize>, u32, u32)>) -> SemanticTokens {
    let mut data = Vec::with_capacity(raw.len());
    let (mut prev_line, mut prev_start) = (0u32, 0u32);
    let mut last_end = 0usize;
    for (r, ty, mods) in raw {
        if r.start < last_end {
            continue; // never overlap
        }
        last_end = r.end;
        let mut start = r.start;
        while start < r.end {
            let line_end = text[start..r.end]
                .find(['\n', '\r'])
                .map_or(r.end, |i| start + i);
            if line_end > start {
                let s = snap.position(start);
                let e = snap.position(line_end);
                let delta_line = s.line - prev_line;
                let delta_start = if delta_line == 0 {
                    s.character - prev_start
                } else {
                    s.character
                };
                data.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: e.character.saturating_sub(s.character),
                    token_type: ty,
                    token_modifiers_bitset: mods,
                });
                prev_line = s.line;
                prev_start = s.character;
            }
            start = line_end;
            while start < r.end && matches!(text.as_bytes()[start], b'\n' | b'\r') {
                start += 1;
            }
        }
    }
    SemanticTokens {
        result_id: None,
        data,
    }
}
