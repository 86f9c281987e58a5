//! Syntax errors that read like a compiler's. They are built from the tree's ERROR and
//! MISSING nodes, from what the parser could have accepted at the error (tree-sitter's
//! lookahead sets), and from checks the grammar leaves to us (string layout and escapes,
//! illegal characters, the order of the preamble). Every error of a file is reported, in
//! source order, each at the place a reader would look.

use tree_sitter::{Language, Node};

use crate::TextRange;
use crate::ast::{AstNode, Decl, StringLit};
use crate::literal;
use crate::parse::Parse;

/// A syntax error: a byte range of the file and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub range: TextRange,
    pub message: String,
}

/// At most this many errors are reported per file; a binary file would otherwise produce
/// one per byte.
const MAX_ERRORS: usize = 200;

pub(crate) fn syntax_errors(parse: &Parse) -> Vec<SyntaxError> {
    let text = parse.text();
    let mut errors = Vec::new();
    let language: Language = tree_sitter_cue::LANGUAGE.into();
    let mut checker = Checker {
        text,
        language: &language,
        errors: &mut errors,
    };
    checker.walk(parse.tree().root_node());
    checker.check_illegal_characters();
    checker.check_preamble_order(parse);
    errors.sort_by_key(|e| (e.range.start, e.range.end));
    errors.dedup_by(|a, b| a.range.start == b.range.start && a.message == b.message);
    errors.truncate(MAX_ERRORS);
    errors
}

struct Checker<'a> {
    text: &'a str,
    language: &'a Language,
    errors: &'a mut Vec<SyntaxError>,
}

impl<'a> Checker<'a> {
    fn push(&mut self, range: TextRange, message: impl Into<String>) {
        if self.errors.len() < MAX_ERRORS * 2 {
            self.errors.push(SyntaxError {
                range,
                message: message.into(),
            });
        }
    }

    fn node_text(&self, node: Node<'_>) -> &'a str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    /// Visits the whole tree without recursion (files may nest thousands of levels).
    fn walk(&mut self, root: Node<'_>) {
        let mut cursor = root.walk();
        loop {
            let node = cursor.node();
            let mut descend = true;
            if node.is_error() {
                self.error_node(node);
                descend = false;
            } else if node.is_missing() {
                self.missing_node(node);
            } else if node.kind() == "string" {
                self.check_string(node);
            } else if node.kind() == "list" {
                self.check_list(node);
            } else if matches!(
                node.kind(),
                "identifier" | "hidden_identifier" | "definition" | "hidden_definition"
            ) && self.node_text(node).starts_with("__")
                && node.parent().is_some_and(|p| p.kind() == "label")
            {
                self.push(
                    node.byte_range(),
                    "identifiers starting with '__' are reserved",
                );
            }
            if descend && node.has_error() && cursor.goto_first_child() {
                continue;
            }
            if descend && !node.has_error() && node.kind() != "string" && cursor.goto_first_child()
            {
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return;
                }
            }
        }
    }

    fn missing_node(&mut self, node: Node<'_>) {
        let at = node.start_byte()..node.start_byte();
        let kind = node.kind();
        let prev = previous_leaf(node);
        let message = match kind {
            "}" | "]" | ")" => {
                let opener = match kind {
                    "}" => "{",
                    "]" => "[",
                    _ => "(",
                };
                match node.parent().and_then(|p| first_child_of_kind(p, opener)) {
                    Some(open) => format!(
                        "expected '{kind}' to close '{opener}' at {}",
                        self.position(open.start_byte())
                    ),
                    None => format!("expected '{kind}'"),
                }
            }
            ":" => match prev {
                Some(label) => format!(
                    "expected ':' after label {}",
                    quoted_label(self.node_text(label))
                ),
                None => "expected ':'".to_owned(),
            },
            _ if is_expression_token(kind) => match prev {
                Some(p) if p.kind() == ":" => match label_before(p, self.text) {
                    Some(label) => format!("expected a value after '{label}:'"),
                    None => "expected a value after ':'".to_owned(),
                },
                Some(p) if is_operator(p.kind()) => {
                    format!("expected an operand after '{}'", p.kind())
                }
                _ => "expected an expression".to_owned(),
            },
            _ => format!("expected {}", describe_symbol(kind)),
        };
        self.push(at, message);
    }

    fn error_node(&mut self, node: Node<'_>) {
        let mut leaves = leaves(node);
        if leaves.is_empty() {
            // An ERROR with no children: characters no token matches.
            leaves.push(node);
        }
        let first = leaves[0];
        let first_text = self.node_text(first);

        // In error recovery strings are not scanned, so a quote shows up as a stray
        // character; it is an unterminated literal only if nothing closes it.
        if is_stray_character(first) {
            let rest = &self.text[first.start_byte()..];
            if rest.trim_start_matches('#').starts_with(['"', '\'']) {
                if !literal_closes(rest) {
                    let what = if rest.trim_start_matches('#').starts_with('\'') {
                        "bytes"
                    } else {
                        "string"
                    };
                    let start = first.start_byte();
                    self.push(start..start + 1, format!("{what} literal not terminated"));
                    return;
                }
            } else if !first_text.starts_with('#') {
                self.unknown_characters(first);
                return;
            }
        }

        // `image "nginx"` in a struct: a label without its colon. Either the error starts
        // at the label, or the label was taken as an embedding and the error is its value.
        if in_declaration_context(node) {
            if leaves.len() >= 2
                && is_label_token(first, self.text)
                && is_value_start(leaves[1], self.text)
            {
                self.push(
                    first.end_byte()..first.end_byte(),
                    format!("expected ':' after label {}", quoted_label(first_text)),
                );
                return;
            }
            if let Some(prev) = previous_leaf(node) {
                let embedded = prev.parent().is_some_and(|p| p.kind() == "embedding")
                    || prev
                        .parent()
                        .and_then(|p| p.parent())
                        .is_some_and(|p| p.kind() == "embedding" && p.child_count() == 1);
                if embedded
                    && is_label_token(prev, self.text)
                    && is_value_start(first, self.text)
                    && !self.text[prev.end_byte()..node.start_byte()].contains('\n')
                {
                    self.push(
                        prev.end_byte()..prev.end_byte(),
                        format!(
                            "expected ':' after label {}",
                            quoted_label(self.node_text(prev))
                        ),
                    );
                    return;
                }
            }
        }

        // `x: 1 b: 2`: two declarations on one line.
        if let Some(next) = node.next_sibling() {
            if next.kind() == "field"
                && node.parent().is_some_and(|p| p.kind() == "field")
                && !self.text[node.end_byte()..next.start_byte()].contains('\n')
            {
                let label = next
                    .child_by_field_name("label")
                    .map_or(String::new(), |l| {
                        format!(" {}", quoted_label(self.node_text(l)))
                    });
                self.push(
                    next.start_byte()..next.start_byte(),
                    format!("missing ',' or newline before label{label}"),
                );
                return;
            }
        }

        // An opening bracket that is never closed swallows the rest of the file.
        if node.end_byte() >= self.text.trim_end().len() {
            if let Some(open) = unclosed_opener(&leaves) {
                let close = match open.kind() {
                    "{" => "}",
                    "[" => "]",
                    _ => ")",
                };
                let end = self.text.trim_end().len();
                self.push(
                    end..end,
                    format!(
                        "expected '{close}' to close '{}' at {}",
                        open.kind(),
                        self.position(open.start_byte())
                    ),
                );
                return;
            }
        }

        // Otherwise: the first token the parser could not take, and what it could have taken.
        let unexpected = leaves
            .iter()
            .copied()
            .find(|l| !l.is_extra())
            .unwrap_or(first);
        let expected = self.expected_before(node);
        let what = describe_token(unexpected, self.text);
        let message = match expected {
            Some(expected) => format!("unexpected {what}, expected {expected}"),
            None => format!("unexpected {what}"),
        };
        self.push(unexpected.start_byte()..unexpected.end_byte(), message);
    }

    fn unknown_characters(&mut self, node: Node<'_>) {
        if is_stray_character(node)
            && self.text[node.start_byte()..].starts_with(['"', '\''])
            && !literal_closes(&self.text[node.start_byte()..])
        {
            let start = node.start_byte();
            self.push(start..start + 1, "string literal not terminated");
            return;
        }
        let text = self.node_text(node);
        let Some(c) = text.chars().next() else { return };
        let message = match c {
            '\0' => "illegal character NUL".to_owned(),
            '\u{FFFD}' => return, // already reported as invalid UTF-8 by the loader
            c if c.is_control() => format!("illegal character U+{:04X}", c as u32),
            c => format!("illegal character '{c}'"),
        };
        let start = node.start_byte();
        self.push(start..start + c.len_utf8(), message);
    }

    /// The tokens the parser could have accepted where `error` starts, in words.
    fn expected_before(&self, error: Node<'_>) -> Option<String> {
        let prev = previous_leaf(error)?;
        let state = prev.next_parse_state();
        let mut names: Vec<String> = Vec::new();
        let mut iter = self.language.lookahead_iterator(state)?;
        for symbol in iter.iter_names() {
            let phrase = match symbol {
                "_automatic_comma" | "," => "',' or newline".to_owned(),
                "identifier" | "definition" | "hidden_identifier" | "hidden_definition" => {
                    "identifier".to_owned()
                }
                "_string_start" => "string".to_owned(),
                "integer" | "float" | "true" | "false" | "null" | "top" | "bottom" => {
                    "value".to_owned()
                }
                s if s.starts_with('_') || s == "end" || s == "comment" || s == "ERROR" => continue,
                s if s.chars().all(|c| c.is_ascii_punctuation()) => format!("'{s}'"),
                _ => continue,
            };
            if !names.contains(&phrase) {
                names.push(phrase);
            }
        }
        if names.is_empty() || names.len() > 6 {
            return None;
        }
        let last = names.pop()?;
        Some(if names.is_empty() {
            last
        } else {
            format!("{} or {last}", names.join(", "))
        })
    }

    fn check_string(&mut self, node: Node<'_>) {
        let Some(lit) = StringLit::cast(crate::ast::SyntaxNode::new(node, self.text)) else {
            return;
        };
        let (_, errors) = literal::decode_string(lit);
        for e in errors {
            self.push(e.range, e.message);
        }
    }

    fn check_list(&mut self, node: Node<'_>) {
        let mut cursor = node.walk();
        let elems: Vec<Node<'_>> = node
            .named_children(&mut cursor)
            .filter(|n| n.kind() != "comment")
            .collect();
        for (i, elem) in elems.iter().enumerate() {
            if elem.kind() == "ellipsis" && i + 1 < elems.len() {
                self.push(
                    elem.byte_range(),
                    "'...' must be the last element of a list",
                );
            }
        }
    }

    fn check_illegal_characters(&mut self) {
        for (i, b) in self.text.bytes().enumerate() {
            if b == 0 {
                self.push(i..i + 1, "illegal character NUL");
            }
        }
    }

    /// Package clause first, then imports, then declarations.
    fn check_preamble_order(&mut self, parse: &Parse) {
        let root = parse.root();
        let mut seen_decl = false;
        let mut seen_import = false;
        for child in root.syntax().children() {
            match child.kind() {
                "package_clause" if seen_decl || seen_import => {
                    self.push(
                        child.range(),
                        "the package clause must come before imports and declarations",
                    );
                }
                "import_declaration" if seen_decl => {
                    self.push(child.range(), "imports must come before other declarations");
                }
                "import_declaration" => seen_import = true,
                _ if Decl::cast(child).is_some_and(|d| !matches!(d, Decl::Attribute(_))) => {
                    seen_decl = true
                }
                _ => {}
            }
        }
    }

    fn position(&self, offset: usize) -> String {
        crate::LineIndex::new(self.text)
            .line_col(self.text, offset)
            .to_string()
    }
}

fn leaves<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut cursor = node.walk();
    let mut depth = 0usize;
    if !cursor.goto_first_child() {
        return out;
    }
    depth += 1;
    loop {
        let n = cursor.node();
        if n.child_count() == 0 || (n.is_error() && n.child_count() == 0) {
            if n.kind() != "comment" {
                out.push(n);
            }
        } else if n.kind() == "string" {
            out.push(n);
        } else if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if depth == 0 || !cursor.goto_parent() {
                return out;
            }
            depth -= 1;
            if depth == 0 {
                return out;
            }
        }
    }
}

/// An ERROR leaf: characters that were skipped.
fn is_stray_character(node: Node<'_>) -> bool {
    node.is_error() && node.child_count() == 0
}

/// Whether the string or bytes literal starting `text` (at its `#`s or quote) is closed:
/// on the same line for single-line literals, anywhere for multi-line ones.
fn literal_closes(text: &str) -> bool {
    let hashes = text.bytes().take_while(|b| *b == b'#').count();
    let rest = &text[hashes..];
    let Some(quote) = rest.chars().next() else {
        return false;
    };
    let triple: String = std::iter::repeat_n(quote, 3).collect();
    let (open, multiline) = if rest.starts_with(&triple) {
        (3, true)
    } else {
        (1, false)
    };
    let close: String = std::iter::repeat_n(quote, open)
        .chain(std::iter::repeat_n('#', hashes))
        .collect();
    let escape: String = std::iter::once('\\')
        .chain(std::iter::repeat_n('#', hashes))
        .collect();
    let mut body = &rest[open..];
    loop {
        if body.starts_with(&close) {
            return true;
        }
        if body.starts_with(&escape) {
            body = &body[escape.len()..];
            if let Some(c) = body.chars().next() {
                body = &body[c.len_utf8()..];
            }
            continue;
        }
        match body.chars().next() {
            None => return false,
            Some('\n') if !multiline => return false,
            Some(c) => body = &body[c.len_utf8()..],
        }
    }
}

/// Whether a token can start a value (so that a label before it lacks its colon).
fn is_value_start(node: Node<'_>, text: &str) -> bool {
    matches!(
        node.kind(),
        "identifier"
            | "definition"
            | "hidden_identifier"
            | "hidden_definition"
            | "integer"
            | "float"
            | "string"
            | "{"
            | "["
            | "_"
            | "_|_"
            | "null"
            | "true"
            | "false"
    ) || (is_stray_character(node)
        && text[node.start_byte()..]
            .trim_start_matches('#')
            .starts_with(['"', '\'']))
}

fn previous_leaf(node: Node<'_>) -> Option<Node<'_>> {
    let mut current = node;
    loop {
        if let Some(prev) = current.prev_sibling() {
            let mut leaf = prev;
            while leaf.child_count() > 0 && leaf.kind() != "string" {
                leaf = leaf.child(leaf.child_count() as u32 - 1)?;
            }
            if leaf.kind() == "comment" {
                current = leaf;
                continue;
            }
            return Some(leaf);
        }
        current = current.parent()?;
    }
}

fn first_child_of_kind<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    (0..node.child_count())
        .filter_map(|i| node.child(i as u32))
        .find(|c| c.kind() == kind && !c.is_missing())
}

fn unclosed_opener<'t>(leaves: &[Node<'t>]) -> Option<Node<'t>> {
    let mut stack: Vec<Node<'t>> = Vec::new();
    for leaf in leaves {
        match leaf.kind() {
            "{" | "[" | "(" => stack.push(*leaf),
            "}" | "]" | ")" => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.first().copied()
}

fn in_declaration_context(node: Node<'_>) -> bool {
    node.parent()
        .is_some_and(|p| matches!(p.kind(), "struct" | "source_file"))
}

fn is_label_token(node: Node<'_>, text: &str) -> bool {
    matches!(
        node.kind(),
        "identifier" | "definition" | "hidden_identifier" | "hidden_definition" | "string"
    ) || (node.kind().chars().all(|c| c.is_ascii_lowercase())
        && !node.is_named()
        && text[node.byte_range()]
            .chars()
            .all(|c| c.is_ascii_lowercase())
        && !node.kind().is_empty())
}

fn is_expression_token(kind: &str) -> bool {
    matches!(
        kind,
        "identifier"
            | "definition"
            | "hidden_identifier"
            | "hidden_definition"
            | "integer"
            | "float"
            | "top"
            | "bottom"
            | "null"
            | "true"
            | "false"
            | "_string_start"
    )
}

fn is_operator(kind: &str) -> bool {
    matches!(
        kind,
        "|" | "&"
            | "||"
            | "&&"
            | "=="
            | "!="
            | "<"
            | "<="
            | ">"
            | ">="
            | "=~"
            | "!~"
            | "+"
            | "-"
            | "*"
            | "/"
            | "!"
    )
}

/// The label of the field whose `:` is `colon`.
fn label_before(colon: Node<'_>, text: &str) -> Option<String> {
    let label = colon.prev_sibling()?;
    (label.kind() == "label").then(|| text[label.byte_range()].to_owned())
}

fn quoted_label(text: &str) -> String {
    if text.starts_with('"') {
        text.to_owned()
    } else {
        format!("\"{text}\"")
    }
}

fn describe_symbol(kind: &str) -> String {
    match kind {
        "_automatic_comma" | "," => "',' or newline".to_owned(),
        "_string_end" => "the end of the string".to_owned(),
        k if k.starts_with('_') => k.trim_start_matches('_').replace('_', " "),
        k if k.chars().all(|c| c.is_ascii_punctuation()) => format!("'{k}'"),
        k => k.replace('_', " "),
    }
}

fn describe_token(node: Node<'_>, text: &str) -> String {
    let t = &text[node.byte_range()];
    match node.kind() {
        "identifier" | "definition" | "hidden_identifier" | "hidden_definition" => {
            format!("identifier {t}")
        }
        "integer" | "float" => format!("number {t}"),
        "string" => "string".to_owned(),
        _ if node.is_error() => format!("'{}'", t.chars().next().unwrap_or(' ')),
        _ if t.is_empty() => "end of file".to_owned(),
        _ => format!("'{}'", t.lines().next().unwrap_or(t)),
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    fn check(src: &str, expect: Expect) {
        let p = crate::parse(src.to_owned());
        let index = p.line_index();
        let actual: String = p
            .errors()
            .iter()
            .map(|e| {
                format!(
                    "{}: {}\n",
                    index.line_col(p.text(), e.range.start),
                    e.message
                )
            })
            .collect();
        expect.assert_eq(&actual);
    }

    #[test]
    fn clean_file_has_no_errors() {
        check(
            "package x\n\nimport \"strings\"\n\na: strings.ToUpper(\"x\")\n",
            expect![[""]],
        );
    }

    #[test]
    fn label_without_colon() {
        check(
            "a: {\n\timage \"nginx\"\n\tb: 2\n}\n",
            expect![[r#"
            2:7: expected ':' after label "image"
        "#]],
        );
    }

    #[test]
    fn unclosed_brace() {
        check(
            "a: {\n\tb: 2\n",
            expect![[r#"
            2:6: expected '}' to close '{' at 1:4
        "#]],
        );
    }

    #[test]
    fn unterminated_string() {
        check(
            "a: \"abc\nb: 1\n",
            expect![[r#"
            1:4: string literal not terminated
        "#]],
        );
    }

    #[test]
    fn missing_value() {
        check(
            "a: {\n\tname: string\n\timage:\n}\n",
            expect![[r#"
            3:8: expected a value after 'image:'
        "#]],
        );
    }

    #[test]
    fn two_fields_on_one_line() {
        check(
            "x: 1 b: 2\n",
            expect![[r#"
            1:6: missing ',' or newline before label "b"
        "#]],
        );
    }

    #[test]
    fn illegal_characters() {
        check(
            "a: 1\n\0b: 2\n",
            expect![[r#"
            2:1: illegal character NUL
        "#]],
        );
        check(
            "a: 1 ^ 2\n",
            expect![[r#"
            1:6: illegal character '^'
        "#]],
        );
    }

    #[test]
    fn string_layout_and_escapes() {
        check(
            "a: \"\"\"abc\n\"\"\"\nb: \"\\q\"\n",
            expect![[r#"
            1:4: expected newline after multiline quote
            3:5: unknown escape sequence '\q'
        "#]],
        );
    }

    #[test]
    fn preamble_order() {
        check(
            "a: 1\nimport \"strings\"\n",
            expect![[r#"
            2:1: imports must come before other declarations
        "#]],
        );
    }

    #[test]
    fn every_error_is_reported() {
        check(
            "a: {\n\timage \"nginx\"\n}\nb: \"\\q\"\nc: 1 ^ 2\n",
            expect![[r#"
            2:7: expected ':' after label "image"
            4:5: unknown escape sequence '\q'
            5:6: illegal character '^'
        "#]],
        );
    }
}
