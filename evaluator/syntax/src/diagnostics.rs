//! Syntax errors that read like a compiler's.
//!
//! Two passes, combined:
//!
//! 1. A lexical pass over the text (a small scanner that mirrors the grammar's tokens):
//!    unterminated strings and bytes of every quote form, brackets that do not match (with
//!    the opener's position, and where the missing closer most likely belongs), unclosed
//!    attributes and interpolations, illegal characters, malformed numbers (`0755`,
//!    `1__0`, `0x`, `1e`), block comments.
//! 2. The tree: ERROR and MISSING nodes, read with what the parser could have accepted
//!    there, and patterns of typical mistakes (a label without its colon, `=` or `:=`
//!    instead of `:`, `for` without `in`, a comprehension without a body, YAML or Go
//!    template syntax pasted in, …); plus checks the grammar leaves to us (string layout
//!    and escapes, `...` placement, the order of the preamble, `_` as a label, `else`
//!    versus `otherwise`).
//!
//! The lexical pass is the authority where it has something to say: errors of the tree
//! that fall in a region it explained are consequences and are dropped. Every error of a
//! file is reported (up to [`MAX_ERRORS`]), in source order, each at the place a reader
//! would look. No message is a bare "syntax error".

use tree_sitter::{Language, Node};

use crate::TextRange;
use crate::ast::{AstNode, Decl, StringLit};
use crate::literal;
use crate::parse::Parse;

/// A node's kind name from the table of kind names by id: `Node::kind` looks the name up
/// and validates it as UTF-8 on every call, and the checker asks for every node.
trait KindName {
    fn kname(&self) -> &'static str;
}

impl KindName for Node<'_> {
    fn kname(&self) -> &'static str {
        crate::ast::kind_name(self.kind_id()).unwrap_or("")
    }
}

/// A syntax error: a byte range of the file and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub range: TextRange,
    pub message: String,
}

/// At most this many errors are reported per file; a binary file would otherwise produce
/// one per byte.
pub const MAX_ERRORS: usize = 200;

pub(crate) fn syntax_errors(parse: &Parse) -> Vec<SyntaxError> {
    let text = parse.text();
    let index = parse.line_index();
    let lexical = lexical_check(text, index);

    let language: Language = tree_sitter_cue::LANGUAGE.into();
    let mut checker = Checker {
        text,
        index,
        language: &language,
        structural: Vec::new(),
        checks: Vec::new(),
        brackets_ok: lexical.brackets_ok,
    };
    checker.walk(parse.tree().root_node());
    checker.check_preamble_order(parse);

    let explained = |node_range: &TextRange| {
        lexical.explained.iter().any(|r| {
            // Touching counts: an ERROR that ends where an unterminated string starts is
            // that string's consequence.
            r.start <= node_range.end && node_range.start <= r.end
        }) || lexical.unclosed_from.is_some_and(|u| node_range.start >= u)
    };
    let mut errors = lexical.errors;
    let mut dropped = None;
    for (error, node_range) in checker.structural {
        if explained(&node_range) {
            dropped.get_or_insert(error);
        } else {
            errors.push(error);
        }
    }
    errors.extend(checker.checks);
    if let Some(cut) = parse.truncated_at() {
        errors.push(SyntaxError {
            range: cut..cut,
            message: "too many syntax errors: the rest of the file was not parsed".to_owned(),
        });
    }
    // (U+FFFD stands for invalid UTF-8, which `decode_source` reports.)
    if errors.is_empty() && parse.tree().root_node().has_error() && !text.contains('\u{FFFD}') {
        // Never leave an error tree without a message.
        if let Some(error) = dropped {
            errors.push(error);
        } else {
            errors.push(SyntaxError {
                range: 0..0,
                message: "the file could not be parsed".to_owned(),
            });
        }
    }
    // Ranges on character boundaries, whatever produced them.
    for e in &mut errors {
        e.range.start = crate::line_index::floor_char_boundary(text, e.range.start);
        let mut end = e.range.end.clamp(e.range.start, text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        e.range.end = end;
    }
    errors.sort_by_key(|e| (e.range.start, e.range.end));
    errors.dedup_by(|a, b| a.range.start == b.range.start && a.message == b.message);
    errors.truncate(MAX_ERRORS);
    if let Some(cut) = parse.truncated_at()
        && !errors
            .iter()
            .any(|e| e.range.start == cut && e.message.starts_with("too many"))
    {
        // Past the limit, but the one message that explains why the rest is unchecked.
        errors.pop();
        errors.push(SyntaxError {
            range: cut..cut,
            message: "too many syntax errors: the rest of the file was not parsed".to_owned(),
        });
        errors.sort_by_key(|e| (e.range.start, e.range.end));
    }
    errors
}

struct Checker<'a> {
    text: &'a str,
    index: &'a crate::LineIndex,
    language: &'a Language,
    /// Errors read from ERROR and MISSING nodes, with the node's range: dropped when the
    /// lexical pass explains that region.
    structural: Vec<(SyntaxError, TextRange)>,
    /// Errors of checks on well-formed nodes: always reported.
    checks: Vec<SyntaxError>,
    brackets_ok: bool,
}

impl<'a> Checker<'a> {
    fn push(&mut self, node: TextRange, range: TextRange, message: impl Into<String>) {
        if self.structural.len() < MAX_ERRORS * 2 {
            self.structural.push((
                SyntaxError {
                    range,
                    message: message.into(),
                },
                node,
            ));
        }
    }

    fn check(&mut self, range: TextRange, message: impl Into<String>) {
        if self.checks.len() < MAX_ERRORS * 2 {
            self.checks.push(SyntaxError {
                range,
                message: message.into(),
            });
        }
    }

    fn node_text(&self, node: Node<'_>) -> &'a str {
        self.text.get(node.byte_range()).unwrap_or("")
    }

    fn position(&self, offset: usize) -> String {
        self.index.line_col(self.text, offset).to_string()
    }

    fn same_line(&self, a: usize, b: usize) -> bool {
        let (a, b) = (a.min(b), a.max(b));
        !self.text[a.min(self.text.len())..b.min(self.text.len())].contains('\n')
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
            } else {
                self.check_node(node);
            }
            if descend && node.kname() != "string" && cursor.goto_first_child() {
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

    /// Checks on nodes the grammar accepts but CUE does not.
    fn check_node(&mut self, node: Node<'_>) {
        match node.kname() {
            "string" => self.check_string(node),
            "list" => self.check_list(node),
            "label" => self.check_label(node),
            "let_clause" => {
                if let Some(name) = node.child_by_field_name("name")
                    && name.kname() == "top"
                {
                    self.check(name.byte_range(), "cannot use _ as alias or let clause");
                }
            }
            "embedding" => {
                // `a = 1` where `a: 1` was meant: an alias is not a declaration.
                if let Some(alias) = node.named_child(0)
                    && alias.kname() == "alias"
                {
                    let name = alias
                        .child_by_field_name("name")
                        .map_or("", |n| self.node_text(n));
                    let eq = (0..alias.child_count())
                        .filter_map(|i| alias.child(i))
                        .find(|c| c.kname() == "=")
                        .map_or(alias.start_byte()..alias.start_byte(), |c| c.byte_range());
                    self.check(
                        eq,
                        format!(
                            "unexpected '=' after \"{name}\": a field is written '{name}: value' (or 'let {name} = value' for a local name)"
                        ),
                    );
                }
            }
            "comprehension" => self.check_fallback(node),
            _ => {}
        }
    }

    fn check_label(&mut self, node: Node<'_>) {
        if let Some(name) = node.child_by_field_name("name") {
            if name.kname() == "top" {
                self.check(name.byte_range(), "cannot use _ as label");
            }
            if matches!(
                name.kname(),
                "identifier" | "hidden_identifier" | "definition" | "hidden_definition"
            ) && self.node_text(name).starts_with("__")
            {
                self.check(
                    name.byte_range(),
                    "identifiers starting with '__' are reserved",
                );
            }
        }
        if let Some(alias) = node.child_by_field_name("alias")
            && alias.kname() == "top"
        {
            self.check(alias.byte_range(), "cannot use _ as alias or let clause");
        }
    }

    /// `else` goes with a single `if` or `try` clause; `otherwise` (or the older
    /// `fallback`) with everything else.
    fn check_fallback(&mut self, node: Node<'_>) {
        let Some(fallback) = node.child_by_field_name("fallback") else {
            return;
        };
        let Some(keyword) = fallback.child_by_field_name("keyword") else {
            return;
        };
        let mut cursor = node.walk();
        let clauses: Vec<&str> = node
            .children_by_field_name("clause", &mut cursor)
            .map(|c| c.kname())
            .collect();
        let single = clauses.len() == 1 && matches!(clauses[0], "if_clause" | "try_clause");
        match (keyword.kname(), single) {
            ("else", false) => self.check(
                keyword.byte_range(),
                "use 'otherwise' for comprehensions with multiple clauses or 'for' clauses",
            ),
            ("otherwise" | "fallback", true) => self.check(
                keyword.byte_range(),
                "use 'else' with a single 'if' or 'try' clause",
            ),
            _ => {}
        }
    }

    fn missing_node(&mut self, node: Node<'_>) {
        let at = node.start_byte()..node.start_byte();
        let kind = node.kname();
        let prev = previous_leaf(node);
        let message = match kind {
            "}" | "]" | ")" => {
                // The lexical pass reports brackets that do not match. If they do, the
                // parser inserted this one while recovering from something else: say what
                // it met instead.
                let next = next_leaf(node);
                match next {
                    Some(next) if self.brackets_ok => format!(
                        "unexpected {}, expected '{kind}'",
                        describe_token(next, self.text)
                    ),
                    _ => {
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
                Some(p) if p.kname() == ":" => match label_before(p, self.text) {
                    Some(label) => format!("expected a value after '{label}:'"),
                    None => "expected a value after ':'".to_owned(),
                },
                Some(p) if p.kname() == "=" => "expected a value after '='".to_owned(),
                Some(p) if is_operator(p.kname()) => {
                    format!("expected an operand after '{}'", p.kname())
                }
                Some(p) if p.kname() == "in" => "expected a value after 'in'".to_owned(),
                Some(p) if p.kname() == "if" => "expected a condition after 'if'".to_owned(),
                _ => "expected an expression".to_owned(),
            },
            _ => format!("expected {}", describe_symbol(kind)),
        };
        self.push(at.clone(), at, message);
    }

    fn error_node(&mut self, node: Node<'_>) {
        let range = node.byte_range();
        let mut leaves = leaves(node);
        if leaves.is_empty() {
            // An ERROR with no children: characters no token matches.
            leaves.push(node);
        }
        let first = leaves[0];
        let first_text = self.node_text(first);
        let line_range = self
            .index
            .line_range(self.text, self.index.line_of(first.start_byte()));
        let line = &self.text[line_range.clone()];

        // Foreign syntax pasted in: Go templates, YAML lists, `#` comments, `:=`.
        if let Some(at) = self.go_template_at(node, line_range.start) {
            self.push(
                range,
                at..at + 2,
                "Go template syntax '{{ … }}' is not CUE (is this file a template for another tool?)",
            );
            return;
        }
        let trimmed = line.trim_start();
        if (trimmed.starts_with("- ") || trimmed == "-") && first.start_byte() >= line_range.start {
            let at = line_range.end - trimmed.len();
            self.push(
                range,
                at..at + 1,
                "YAML list syntax '- item' is not CUE: write a list as '[item, …]'",
            );
            return;
        }
        if first.kname() == "definition"
            && first_text == "#"
            && self.text[first.end_byte()..].starts_with([' ', '\t', '\n'])
        {
            self.push(
                range,
                first.byte_range(),
                "'#' does not start a comment in CUE: use '//'",
            );
            return;
        }
        for pair in leaves.windows(2) {
            if pair[0].kname() == ":"
                && pair[1].kname() == "="
                && pair[0].end_byte() == pair[1].start_byte()
            {
                self.push(
                    range,
                    pair[0].start_byte()..pair[1].end_byte(),
                    "':=' is not CUE: a field is written 'name: value'",
                );
                return;
            }
        }
        if first.kname() == "="
            && let Some(prev) = previous_leaf(node)
            && prev.kname() == ":"
            && prev.end_byte() == first.start_byte()
        {
            self.push(
                range,
                prev.start_byte()..first.end_byte(),
                "':=' is not CUE: a field is written 'name: value'",
            );
            return;
        }

        // `[string]?: T`
        if first.kname() == ":"
            && let Some(marker) = previous_leaf(node)
            && matches!(marker.kname(), "?" | "!")
            && previous_leaf(marker).is_some_and(|b| b.kname() == "]")
        {
            let what = if marker.kname() == "?" {
                "optional"
            } else {
                "required"
            };
            self.push(
                range,
                marker.byte_range(),
                format!("pattern constraint cannot be marked {what}"),
            );
            return;
        }

        // Comprehension clauses: `for x xs`, `let x 1`, a clause without a body.
        if let Some(message) = self.clause_error(&leaves, node) {
            self.push(range, message.0, message.1);
            return;
        }

        // `image "nginx"` in a struct: a label without its colon. Either the error starts
        // at the label, or the label was taken as an embedding and the error is its value,
        // or the error is the label and the value follows it.
        if in_declaration_context(node) {
            // `name? string` / `name! string`
            if leaves.len() >= 3
                && is_label_token(first, self.text)
                && matches!(leaves[1].kname(), "?" | "!")
                && leaves[1].start_byte() == first.end_byte()
                && is_value_start(leaves[2], self.text)
                && self.same_line(first.end_byte(), leaves[2].start_byte())
            {
                let at = leaves[1].end_byte();
                self.push(
                    range,
                    at..at,
                    format!(
                        "expected ':' after label {}",
                        quoted_label(&self.text[first.start_byte()..at])
                    ),
                );
                return;
            }
            if leaves.len() >= 2
                && is_label_token(first, self.text)
                && is_value_start(leaves[1], self.text)
                && self.same_line(first.end_byte(), leaves[1].start_byte())
            {
                self.push(
                    range,
                    first.end_byte()..first.end_byte(),
                    format!("expected ':' after label {}", quoted_label(first_text)),
                );
                return;
            }
            if let Some(prev) = previous_leaf(node)
                && prev.kname() == "?"
                && let Some(postfix) = prev.parent()
                && postfix.kname() == "postfix_expression"
                && postfix.parent().is_some_and(|p| p.kname() == "embedding")
                && is_value_start(first, self.text)
                && self.same_line(prev.end_byte(), node.start_byte())
            {
                // `probe? #Probe`: the label was read as an optional reference.
                self.push(
                    range,
                    prev.end_byte()..prev.end_byte(),
                    format!(
                        "expected ':' after label {}",
                        quoted_label(self.node_text(postfix))
                    ),
                );
                return;
            }
            if let Some(prev) = previous_leaf(node) {
                let embedded = prev.parent().is_some_and(|p| p.kname() == "embedding")
                    || prev
                        .parent()
                        .and_then(|p| p.parent())
                        .is_some_and(|p| p.kname() == "embedding" && p.child_count() == 1);
                if embedded
                    && is_label_token(prev, self.text)
                    && is_value_start(first, self.text)
                    && self.same_line(prev.end_byte(), node.start_byte())
                {
                    self.push(
                        range,
                        prev.end_byte()..prev.end_byte(),
                        format!(
                            "expected ':' after label {}",
                            quoted_label(self.node_text(prev))
                        ),
                    );
                    return;
                }
            }
            let last = *leaves.last().unwrap_or(&first);
            if let Some(next) = node.next_sibling()
                && is_label_token(last, self.text)
                && leaves.iter().all(|l| l.kname() != ":")
                && self.same_line(last.end_byte(), next.start_byte())
                && first_leaf(next).is_some_and(|l| is_value_start(l, self.text))
            {
                self.push(
                    range,
                    last.end_byte()..last.end_byte(),
                    format!(
                        "expected ':' after label {}",
                        quoted_label(self.node_text(last))
                    ),
                );
                return;
            }
        }

        // `x: 1 b: 2`: two declarations on one line.
        if let Some(next) = node.next_sibling()
            && next.kname() == "field"
            && node.parent().is_some_and(|p| p.kname() == "field")
            && self.same_line(node.end_byte(), next.start_byte())
        {
            let label = next
                .child_by_field_name("label")
                .map_or(String::new(), |l| {
                    format!(" {}", quoted_label(self.node_text(l)))
                });
            self.push(
                range,
                next.start_byte()..next.start_byte(),
                format!("missing ',' or newline before label{label}"),
            );
            return;
        }

        // Otherwise: the first token the parser could not take, and what it could have taken.
        let unexpected = leaves
            .iter()
            .copied()
            .find(|l| !l.is_extra())
            .unwrap_or(first);
        let what = describe_token(unexpected, self.text);
        let expected = match node.parent().map(|p| p.kname()) {
            Some("list") if node.prev_sibling().is_some_and(|p| p.kname() != "[") => {
                Some("',' or ']'".to_owned())
            }
            Some("arguments") if node.prev_sibling().is_some_and(|p| p.kname() != "(") => {
                Some("',' or ')'".to_owned())
            }
            _ => self.expected_before(node),
        };
        let message = match expected {
            Some(expected) => format!("unexpected {what}, expected {expected}"),
            None => format!("unexpected {what}"),
        };
        self.push(
            range,
            unexpected.start_byte()..unexpected.end_byte(),
            message,
        );
    }

    /// Where `{{` of a Go template action is, in the ERROR node `node` (outside string
    /// literals) or on the line where it starts.
    fn go_template_at(&self, node: Node<'_>, line_start: usize) -> Option<usize> {
        let start = line_start.min(node.start_byte());
        let end = node.end_byte().min(self.text.len());
        let mut from = start;
        while let Some(i) = self.text[from..end].find("{{") {
            let at = from + i;
            from = at + 2;
            if !self.text[at..].contains("}}") {
                return None;
            }
            let inside_string = node.descendant_for_byte_range(at, at + 1).is_some_and(|d| {
                let mut n = Some(d);
                while let Some(x) = n {
                    if x.kname() == "string" {
                        return true;
                    }
                    n = x.parent();
                }
                false
            });
            if !inside_string || at < node.start_byte() {
                return Some(at);
            }
        }
        None
    }

    /// Errors in comprehension clauses, read from the tokens of an ERROR node.
    fn clause_error(&self, leaves: &[Node<'_>], node: Node<'_>) -> Option<(TextRange, String)> {
        for (i, leaf) in leaves.iter().enumerate() {
            match leaf.kname() {
                // `for x xs` / `for k, v xs`: the variables, then `in`.
                "for" if !leaf.is_named() => {
                    let mut j = i + 1;
                    let mut vars = Vec::new();
                    while let Some(v) = leaves.get(j) {
                        if is_loop_variable(*v) {
                            vars.push(self.node_text(*v));
                            j += 1;
                            if leaves.get(j).is_some_and(|c| c.kname() == ",") && vars.len() == 1 {
                                j += 1;
                                continue;
                            }
                        }
                        break;
                    }
                    if vars.is_empty() {
                        let at = leaves.get(j).map_or(leaf.end_byte(), |n| n.start_byte());
                        return Some((at..at, "expected a variable after 'for'".to_owned()));
                    }
                    match leaves.get(j) {
                        Some(n) if n.kname() == "in" => {}
                        Some(n) => {
                            return Some((
                                n.byte_range(),
                                format!(
                                    "expected 'in' after 'for {}', found {}",
                                    vars.join(", "),
                                    describe_token(*n, self.text)
                                ),
                            ));
                        }
                        None => {
                            let at = leaves[j - 1].end_byte();
                            return Some((
                                at..at,
                                format!("expected 'in' after 'for {}'", vars.join(", ")),
                            ));
                        }
                    }
                }
                // `let x 1`
                "let" if !leaf.is_named() => {
                    if let Some(name) = leaves.get(i + 1)
                        && matches!(
                            name.kname(),
                            "identifier" | "hidden_identifier" | "definition" | "hidden_definition"
                        )
                        && leaves.get(i + 2).is_none_or(|n| n.kname() != "=")
                    {
                        let at = leaves
                            .get(i + 2)
                            .map_or(name.end_byte(), |n| n.start_byte());
                        return Some((
                            at..at,
                            format!("expected '=' after 'let {}'", self.node_text(*name)),
                        ));
                    }
                }
                _ => {}
            }
        }
        // A clause (or several) with no `{ body }` after it.
        let mut cursor = node.walk();
        let last_named = node
            .named_children(&mut cursor)
            .filter(|c| c.kname() != "comment")
            .last();
        if let Some(clause) = last_named
            && matches!(
                clause.kname(),
                "for_clause" | "if_clause" | "let_clause" | "try_clause"
            )
            && (clause.kname() != "let_clause"
                || node
                    .named_child(0)
                    .is_some_and(|c| c.kname() != "let_clause"))
        {
            let at = clause.end_byte();
            let text = self.node_text(clause);
            let shown = if text.len() > 40 || text.contains('\n') {
                format!("{} …", text.split_whitespace().next().unwrap_or(""))
            } else {
                text.to_owned()
            };
            return Some((
                at..at,
                format!("expected '{{' to start the body of the comprehension after '{shown}'"),
            ));
        }
        None
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
            // Unterminated literals are the lexical pass's to report (with the right kind).
            if e.message.ends_with("not terminated") && e.range.start == node.start_byte() {
                continue;
            }
            self.check(e.range, e.message);
        }
    }

    fn check_list(&mut self, node: Node<'_>) {
        let mut cursor = node.walk();
        let elems: Vec<Node<'_>> = node
            .named_children(&mut cursor)
            .filter(|n| n.kname() != "comment")
            .collect();
        for (i, elem) in elems.iter().enumerate() {
            if elem.kname() == "ellipsis" && i + 1 < elems.len() {
                self.check(
                    elem.byte_range(),
                    "'...' must be the last element of a list",
                );
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
                    self.check(
                        child.range(),
                        "the package clause must come before imports and declarations",
                    );
                }
                "import_declaration" if seen_decl => {
                    self.check(child.range(), "imports must come before other declarations");
                }
                "import_declaration" => seen_import = true,
                _ if Decl::cast(child).is_some_and(|d| !matches!(d, Decl::Attribute(_))) => {
                    seen_decl = true
                }
                _ => {}
            }
        }
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
        if n.child_count() == 0 {
            if n.kname() != "comment" {
                out.push(n);
            }
        } else if n.kname() == "string" {
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

/// Whether a token can start a value (so that a label before it lacks its colon).
fn is_value_start(node: Node<'_>, text: &str) -> bool {
    matches!(
        node.kname(),
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
            | "top"
            | "bottom"
            | "struct"
            | "list"
    ) || (is_stray_character(node)
        && text[node.start_byte()..]
            .trim_start_matches('#')
            .starts_with(['"', '\'']))
}

fn is_loop_variable(node: Node<'_>) -> bool {
    matches!(
        node.kname(),
        "identifier" | "definition" | "hidden_identifier" | "hidden_definition" | "top" | "_"
    )
}

fn previous_leaf(node: Node<'_>) -> Option<Node<'_>> {
    let mut current = node;
    loop {
        if let Some(prev) = current.prev_sibling() {
            let mut leaf = prev;
            while leaf.child_count() > 0 && leaf.kname() != "string" {
                leaf = leaf.child(leaf.child_count().checked_sub(1)?)?;
            }
            if leaf.kname() == "comment" {
                current = leaf;
                continue;
            }
            return Some(leaf);
        }
        current = current.parent()?;
    }
}

fn first_leaf(node: Node<'_>) -> Option<Node<'_>> {
    let mut leaf = node;
    while leaf.child_count() > 0 && leaf.kname() != "string" {
        leaf = leaf.child(0)?;
    }
    Some(leaf)
}

fn next_leaf(node: Node<'_>) -> Option<Node<'_>> {
    let mut current = node;
    loop {
        if let Some(next) = current.next_sibling() {
            let leaf = first_leaf(next)?;
            if leaf.kname() == "comment" || leaf.is_missing() {
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
        .filter_map(|i| node.child(i))
        .find(|c| c.kname() == kind && !c.is_missing())
}

fn in_declaration_context(node: Node<'_>) -> bool {
    node.parent()
        .is_some_and(|p| matches!(p.kname(), "struct" | "source_file"))
        || node.parent().is_none()
}

fn is_label_token(node: Node<'_>, text: &str) -> bool {
    matches!(
        node.kname(),
        "identifier" | "definition" | "hidden_identifier" | "hidden_definition" | "string"
    ) && !(node.kname() == "definition" && &text[node.byte_range()] == "#")
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
    (label.kname() == "label").then(|| text[label.byte_range()].to_owned())
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
    let t = text.get(node.byte_range()).unwrap_or("");
    match node.kname() {
        "identifier" | "definition" | "hidden_identifier" | "hidden_definition" => {
            format!("identifier {t}")
        }
        "integer" | "float" => format!("number {t}"),
        "string" => "string".to_owned(),
        _ if node.is_error() && t.trim_start_matches('#').starts_with(['"', '\'']) => {
            "string".to_owned()
        }
        _ if node.is_error() => format!("'{}'", t.chars().next().unwrap_or(' ')),
        _ if t.is_empty() => "end of file".to_owned(),
        _ if !node.is_named() && t.chars().all(|c| c.is_ascii_lowercase()) => {
            format!("keyword '{t}'")
        }
        _ => format!("'{}'", t.lines().next().unwrap_or(t)),
    }
}

// ------------------------------------------------------------------------------------------
// The lexical pass: a small scanner over the whole text that mirrors the grammar's tokens
// (and our external scanner's strings and attribute bodies). It is the authority on what a
// reader sees first: unterminated literals, brackets that do not match, illegal characters,
// malformed numbers. Tree errors in the regions it explains are dropped, so that one
// missing `}` gives one message, not a cascade.

/// What the lexical pass found.
struct LexReport {
    errors: Vec<SyntaxError>,
    /// Regions explained by a lexical error; structural errors of the tree that touch one
    /// are consequences and are dropped.
    explained: Vec<TextRange>,
    /// The first unclosed opening bracket: the tree is unreliable after it.
    unclosed_from: Option<usize>,
    /// Whether brackets matched (MISSING brackets in the tree then come from recovery).
    brackets_ok: bool,
}

#[derive(Clone, Copy, Debug)]
struct StringState {
    quote: u8,
    multiline: bool,
    hashes: usize,
    start: usize,
}

impl StringState {
    fn open_len(&self) -> usize {
        self.hashes + if self.multiline { 3 } else { 1 }
    }

    fn closing(&self) -> String {
        let q = self.quote as char;
        let mut s: String = std::iter::repeat_n(q, if self.multiline { 3 } else { 1 }).collect();
        s.extend(std::iter::repeat_n('#', self.hashes));
        s
    }

    fn not_terminated(&self) -> String {
        let what = match (self.quote, self.multiline) {
            (b'\'', false) => "bytes literal",
            (b'\'', true) => "multi-line bytes literal",
            (_, false) => "string literal",
            (_, true) => "multi-line string literal",
        };
        if self.hashes > 0 {
            format!("raw {what} not terminated (expected '{}')", self.closing())
        } else if self.multiline {
            format!(
                "{what} not terminated (expected '{}' on a line of its own)",
                self.closing()
            )
        } else {
            format!("{what} not terminated")
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Open {
    /// `{`, `[` or `(` at an offset.
    Bracket(u8, usize),
    /// `\(` of an interpolation at an offset, inside the string `StringState`.
    Interpolation(StringState, usize),
    /// An opening bracket in the rest of a line that an unterminated string swallowed: the
    /// author meant it as code, so the closer that comes later is not reported.
    Swallowed(u8),
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    stack: Vec<Open>,
    report: LexReport,
    /// Multi-line literals, whose lines do not start in code.
    multiline_spans: Vec<TextRange>,
    /// Whether strings nested too deeply were reported.
    too_deep: bool,
    index: &'a crate::LineIndex,
}

/// `MAX_DEPTH` of the external scanner (src/scanner.c): open strings it can track.
const MAX_STRING_NESTING: usize = 100;

fn closer_of(open: u8) -> u8 {
    match open {
        b'{' => b'}',
        b'[' => b']',
        _ => b')',
    }
}

fn opener_of(close: u8) -> u8 {
    match close {
        b'}' => b'{',
        b']' => b'[',
        _ => b'(',
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

fn lexical_check(text: &str, index: &crate::LineIndex) -> LexReport {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        stack: Vec::new(),
        multiline_spans: Vec::new(),
        too_deep: false,
        report: LexReport {
            errors: Vec::new(),
            explained: Vec::new(),
            unclosed_from: None,
            brackets_ok: true,
        },
        index,
    };
    lexer.run();
    lexer.report
}

impl<'a> Lexer<'a> {
    fn error(&mut self, range: TextRange, explained: TextRange, message: impl Into<String>) {
        if self.report.errors.len() < MAX_ERRORS {
            self.report.errors.push(SyntaxError {
                range,
                message: message.into(),
            });
        }
        self.report.explained.push(explained);
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn position(&self, offset: usize) -> String {
        self.index.line_col(self.text, offset).to_string()
    }

    fn run(&mut self) {
        // A byte order mark at the very start is ignored, as by CUE.
        if self.text.starts_with('\u{FEFF}') {
            self.pos = 3;
        }
        loop {
            if self.at_end() {
                break;
            }
            self.expression_token();
        }
        self.finish();
    }

    /// Scans one token (or skips whitespace / a comment) in expression mode.
    fn expression_token(&mut self) {
        let start = self.pos;
        let b = self.bytes[start];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
            b'/' if self.peek(1) == b'/' => self.skip_line(),
            b'/' if self.peek(1) != b'*' && self.at_line_start(start) => {
                // No line can start with `/` (the newline before it ended the expression):
                // a comment that lost a slash.
                self.skip_line();
                self.error(
                    start..start + 1,
                    start..self.pos,
                    "a line cannot start with '/': comments start with '//'",
                );
            }
            b'/' if self.peek(1) == b'*' => {
                let end = self.text[start + 2..]
                    .find("*/")
                    .map_or(self.text.len(), |i| start + 2 + i + 2);
                self.error(
                    start..start + 2,
                    start..end,
                    "block comments '/* … */' are not CUE; use '//' line comments",
                );
                self.pos = end;
            }
            b'"' | b'\'' => self.string(start, 0),
            b'#' => {
                let hashes = self.bytes[start..]
                    .iter()
                    .take_while(|c| **c == b'#')
                    .count();
                match self.bytes.get(start + hashes) {
                    Some(b'"' | b'\'') => self.string(start, hashes),
                    _ => {
                        // `#name` (or a lone `#`).
                        self.pos += 1;
                        self.skip_ident_chars();
                    }
                }
            }
            b'0'..=b'9' => self.number(start),
            b'.' if self.peek(1).is_ascii_digit() => self.number(start),
            b'{' | b'[' | b'(' => {
                self.stack.push(Open::Bracket(b, start));
                self.pos += 1;
            }
            b'}' | b']' | b')' => {
                self.pos += 1;
                self.close(b, start);
            }
            b'@' => {
                self.pos += 1;
                let name_start = self.pos;
                self.skip_ident_chars();
                if self.pos > name_start && self.peek(0) == b'(' {
                    self.attribute(start, name_start);
                }
            }
            b';' => {
                self.pos += 1;
                self.error(
                    start..start + 1,
                    start..start + 1,
                    "unexpected ';': CUE separates declarations with ',' or a newline",
                );
            }
            b'_' | b'$' | b'a'..=b'z' | b'A'..=b'Z' => {
                self.pos += 1;
                if b == b'_' && self.peek(0) == b'#' {
                    self.pos += 1;
                }
                self.skip_ident_chars();
            }
            b'+' | b'-' | b'*' | b'&' | b'|' | b'<' | b'>' | b'=' | b'!' | b'~' | b':' | b'?'
            | b',' | b'.' | b'/' => self.pos += 1,
            _ => {
                let c = self.text[start..].chars().next().unwrap_or('\u{FFFD}');
                self.pos += c.len_utf8();
                if c.is_alphabetic() {
                    self.skip_ident_chars();
                } else {
                    self.illegal_character(start, c);
                }
            }
        }
    }

    fn illegal_character(&mut self, start: usize, c: char) {
        let range = start..start + c.len_utf8();
        let message = match c {
            // Invalid UTF-8 was replaced by U+FFFD and reported by `decode_source`.
            '\u{FFFD}' => {
                self.report.explained.push(range);
                return;
            }
            '\0' => "illegal character NUL".to_owned(),
            '\u{FEFF}' => "illegal byte order mark".to_owned(),
            '\u{00A0}' => "illegal character U+00A0 (no-break space)".to_owned(),
            '`' => "illegal character '`' (CUE has no backquoted strings; use \"…\" or #\"…\"#)"
                .to_owned(),
            '\\' => "illegal character '\\' outside a string".to_owned(),
            c if c.is_control() || c.is_whitespace() => {
                format!("illegal character U+{:04X}", c as u32)
            }
            c => format!("illegal character '{c}'"),
        };
        self.error(range.clone(), range, message);
    }

    /// Whether only blanks precede `offset` on its line.
    fn at_line_start(&self, offset: usize) -> bool {
        self.bytes[..offset]
            .iter()
            .rev()
            .take_while(|b| **b != b'\n')
            .all(|b| *b == b' ' || *b == b'\t' || *b == b'\r')
    }

    fn skip_line(&mut self) {
        self.pos = self.text[self.pos..]
            .find('\n')
            .map_or(self.text.len(), |i| self.pos + i);
    }

    fn skip_ident_chars(&mut self) {
        while let Some(c) = self.text[self.pos..].chars().next() {
            if !is_ident_char(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    fn close(&mut self, b: u8, at: usize) {
        let want = opener_of(b);
        // Look for the matching opener, not past an open interpolation (whose `)` is the
        // only way back into its string).
        let mut found = None;
        for (i, open) in self.stack.iter().enumerate().rev() {
            match *open {
                Open::Bracket(o, _) | Open::Swallowed(o) if o == want => {
                    found = Some(i);
                    break;
                }
                Open::Bracket(..) | Open::Swallowed(_) => {}
                Open::Interpolation(..) => {
                    if b == b')' {
                        found = Some(i);
                    }
                    break;
                }
            }
        }
        let Some(i) = found else {
            self.report.brackets_ok = false;
            // Most likely a typo for the closer of the innermost open bracket.
            if let Some(Open::Swallowed(_)) = self.stack.last() {
                self.stack.pop();
                self.report.explained.push(at..at + 1);
                return;
            }
            if let Some(Open::Bracket(o, start)) = self.stack.last().copied() {
                self.stack.pop();
                let message = format!(
                    "expected '{}' to close '{}' at {}, found '{}'",
                    closer_of(o) as char,
                    o as char,
                    self.position(start),
                    b as char
                );
                self.error(at..at + 1, start..at + 1, message);
                return;
            }
            self.error(
                at..at + 1,
                at..at + 1,
                format!(
                    "unexpected '{}': no '{}' is open here",
                    b as char, want as char
                ),
            );
            return;
        };
        if let Open::Swallowed(_) = self.stack[i] {
            // The tree sees a closer without its opener: that is explained already.
            self.report.explained.push(at..at + 1);
        }
        // Openers above the match are never closed.
        while self.stack.len() > i + 1 {
            let Some(Open::Bracket(o, start)) = self.stack.pop() else {
                continue;
            };
            self.report.brackets_ok = false;
            let message = format!(
                "expected '{}' to close '{}' at {}, found '{}'",
                closer_of(o) as char,
                o as char,
                self.position(start),
                b as char
            );
            self.error(at..at + 1, start..at + 1, message);
        }
        if let Some(Open::Interpolation(string, _)) = self.stack.pop() {
            self.string_body(string);
        }
    }

    /// A string or bytes literal starting at `start` with `hashes` `#`s.
    fn string(&mut self, start: usize, hashes: usize) {
        // The grammar's scanner keeps at most `MAX_STRING_NESTING` strings open (through
        // interpolations); deeper ones are not parsed.
        if !self.too_deep
            && self
                .stack
                .iter()
                .filter(|o| matches!(o, Open::Interpolation(..)))
                .count()
                >= MAX_STRING_NESTING
        {
            self.too_deep = true;
            self.error(
                start..start + hashes + 1,
                start..self.text.len(),
                format!(
                    "string interpolations nested more than {MAX_STRING_NESTING} deep are not supported"
                ),
            );
        }
        let quote = self.bytes[start + hashes];
        self.pos = start + hashes + 1;
        let mut multiline = false;
        if self.peek(0) == quote && self.peek(1) == quote {
            // `"""`: multi-line, except `#"""#` which is a one-quote raw string.
            let closes = hashes > 0
                && self.bytes[self.pos + 2..]
                    .iter()
                    .take(hashes)
                    .filter(|c| **c == b'#')
                    .count()
                    == hashes;
            if !closes {
                multiline = true;
                self.pos += 2;
            }
        } else if self.peek(0) == quote && hashes == 0 {
            // `""`: empty.
            self.pos += 1;
            return;
        }
        self.string_body(StringState {
            quote,
            multiline,
            hashes,
            start,
        });
    }

    /// Scans a string body from `self.pos` up to its end or an interpolation.
    fn string_body(&mut self, s: StringState) {
        let segment_start = self.pos;
        loop {
            if self.at_end() {
                let end = self.text.len();
                let open = s.start..(s.start + s.open_len()).min(end);
                self.error(open, s.start..end, s.not_terminated());
                return;
            }
            let b = self.bytes[self.pos];
            if b == b'\n' && !s.multiline {
                let open = s.start..s.start + s.open_len();
                self.error(open, s.start..self.pos, s.not_terminated());
                self.swallowed(segment_start, s.start);
                return;
            }
            if b == s.quote {
                let close = s.closing();
                if self.text[self.pos..].starts_with(&close) {
                    self.pos += close.len();
                    if s.multiline {
                        self.multiline_spans.push(s.start..self.pos);
                    }
                    return;
                }
                self.pos += 1;
                continue;
            }
            if b == b'\\' {
                let hashes = self.bytes[self.pos + 1..]
                    .iter()
                    .take(s.hashes)
                    .take_while(|c| **c == b'#')
                    .count();
                if hashes < s.hashes {
                    self.pos += 1;
                    continue;
                }
                self.pos += 1 + hashes;
                if self.peek(0) == b'(' {
                    self.stack
                        .push(Open::Interpolation(s, self.pos - 1 - hashes));
                    self.pos += 1;
                    return;
                }
                // The escaped character (checked later by the literal decoder).
                if let Some(c) = self.text[self.pos..].chars().next() {
                    self.pos += c.len_utf8();
                }
                continue;
            }
            let c = self.text[self.pos..].chars().next().unwrap_or(' ');
            self.pos += c.len_utf8();
            if c == '\0' {
                let at = self.pos - 1;
                self.error(at..at + 1, at..at + 1, "illegal character NUL");
            }
        }
    }

    /// The rest of a line eaten by an unterminated string was meant as code: its brackets
    /// close brackets opened earlier on the line, or open ones that later lines close.
    /// Either way they are not reported again.
    fn swallowed(&mut self, from: usize, string_start: usize) {
        let line_start = self.bytes[..string_start]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        for i in from..self.pos {
            match self.bytes[i] {
                b @ (b'{' | b'[' | b'(') => self.stack.push(Open::Swallowed(b)),
                b @ (b'}' | b']' | b')') => match self.stack.last().copied() {
                    Some(Open::Swallowed(o)) if o == opener_of(b) => {
                        self.stack.pop();
                    }
                    Some(Open::Bracket(o, start)) if o == opener_of(b) && start >= line_start => {
                        self.stack.pop();
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }

    /// The body of `@name(…)`, balanced, with strings skipped (as the external scanner does).
    fn attribute(&mut self, at: usize, name_start: usize) {
        let name = &self.text[name_start..self.pos];
        let open = self.pos;
        self.pos += 1;
        let mut depth = 0usize;
        loop {
            if self.at_end() {
                let message = format!(
                    "attribute '@{name}(' not terminated: expected ')' to close '(' at {}",
                    self.position(open)
                );
                self.error(at..open + 1, at..self.text.len(), message);
                return;
            }
            let b = self.bytes[self.pos];
            match b {
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    self.pos += 1;
                }
                b')' | b']' | b'}' if depth > 0 => {
                    depth -= 1;
                    self.pos += 1;
                }
                b')' => {
                    self.pos += 1;
                    return;
                }
                b']' | b'}' => {
                    let message = format!(
                        "expected ')' to close attribute '@{name}(' at {}, found '{}'",
                        self.position(open),
                        b as char
                    );
                    let here = self.pos;
                    self.error(here..here + 1, at..here + 1, message);
                    self.pos += 1;
                    return;
                }
                b'"' | b'\'' | b'#' => self.skip_attribute_string(),
                _ => {
                    let c = self.text[self.pos..].chars().next().unwrap_or(' ');
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn skip_attribute_string(&mut self) {
        let hashes = self.bytes[self.pos..]
            .iter()
            .take_while(|c| **c == b'#')
            .count();
        self.pos += hashes;
        let quote = self.peek(0);
        if quote != b'"' && quote != b'\'' {
            return;
        }
        self.pos += 1;
        let mut quotes_needed = 1;
        if self.peek(0) == quote {
            self.pos += 1;
            if self.peek(0) != quote {
                return;
            }
            self.pos += 1;
            quotes_needed = 3;
        }
        while !self.at_end() {
            let b = self.bytes[self.pos];
            if b == b'\n' && quotes_needed == 1 {
                return;
            }
            if b == b'\\' {
                self.pos += 1;
                if let Some(c) = self.text[self.pos..].chars().next() {
                    self.pos += c.len_utf8();
                }
                continue;
            }
            if b == quote {
                let quotes = self.bytes[self.pos..]
                    .iter()
                    .take(quotes_needed)
                    .take_while(|c| **c == quote)
                    .count();
                self.pos += quotes.max(1);
                if quotes < quotes_needed {
                    continue;
                }
                let closing = self.bytes[self.pos..]
                    .iter()
                    .take(hashes)
                    .take_while(|c| **c == b'#')
                    .count();
                self.pos += closing;
                if closing == hashes {
                    return;
                }
                continue;
            }
            let c = self.text[self.pos..].chars().next().unwrap_or(' ');
            self.pos += c.len_utf8();
        }
    }

    /// A number, as leniently as the grammar's number tokens, then checked like CUE does.
    fn number(&mut self, start: usize) {
        let bytes = self.bytes;
        let digits = |mut i: usize, ok: fn(u8) -> bool| {
            while i < bytes.len() && (ok(bytes[i]) || bytes[i] == b'_') {
                i += 1;
            }
            i
        };
        let mut end;
        let mut problems: Vec<String> = Vec::new();
        let prefixed =
            |radix: &str, ok: fn(u8) -> bool, end: &mut usize, problems: &mut Vec<String>| {
                *end = digits(start + 2, ok);
                if *end == start + 2 {
                    problems.push(format!("illegal {radix} number"));
                }
            };
        let lower1 = bytes.get(start + 1).copied().unwrap_or(0);
        if bytes[start] == b'0' && (lower1 == b'x' || lower1 == b'X') {
            end = 0;
            prefixed(
                "hexadecimal",
                |c| c.is_ascii_hexdigit(),
                &mut end,
                &mut problems,
            );
        } else if bytes[start] == b'0' && lower1 == b'o' {
            end = 0;
            prefixed(
                "octal",
                |c| (b'0'..=b'7').contains(&c),
                &mut end,
                &mut problems,
            );
        } else if bytes[start] == b'0' && lower1 == b'b' {
            end = 0;
            prefixed(
                "binary",
                |c| c == b'0' || c == b'1',
                &mut end,
                &mut problems,
            );
        } else {
            let int_end = if bytes[start] == b'.' {
                start
            } else {
                digits(start, |c| c.is_ascii_digit())
            };
            end = int_end;
            let mut is_int = true;
            if bytes.get(end) == Some(&b'.') && bytes.get(end + 1) != Some(&b'.') {
                is_int = false;
                end = digits(end + 1, |c| c.is_ascii_digit());
            }
            match bytes.get(end) {
                Some(b'K' | b'M' | b'G' | b'T' | b'P') => {
                    is_int = false;
                    end += 1;
                    if bytes.get(end) == Some(&b'i') {
                        end += 1;
                    }
                }
                Some(b'e' | b'E') => {
                    is_int = false;
                    end += 1;
                    if matches!(bytes.get(end), Some(b'+' | b'-')) {
                        end += 1;
                    }
                    let exp_start = end;
                    end = digits(end, |c| c.is_ascii_digit());
                    if end == exp_start {
                        problems.push("illegal exponent in number".to_owned());
                    }
                }
                _ => {}
            }
            let int_part = &self.text[start..int_end];
            if is_int && int_part.len() > 1 && int_part.starts_with('0') {
                let rest = int_part.trim_start_matches(['0', '_']);
                let rest = if rest.is_empty() { "0" } else { rest };
                problems.push(if int_part.bytes().all(|c| (b'0'..=b'7').contains(&c) || c == b'_') {
                    format!("illegal integer number (a leading 0 is not allowed; octal is written 0o{rest})")
                } else {
                    "illegal integer number (a leading 0 is not allowed)".to_owned()
                });
            }
        }
        let literal = &self.text[start..end];
        let prefixed_literal = literal.len() > 1
            && literal.starts_with('0')
            && matches!(literal.as_bytes()[1], b'x' | b'X' | b'o' | b'b');
        let trailing_underscore = if prefixed_literal {
            literal.ends_with('_')
        } else {
            literal
                .split(['.', 'e', 'E', 'K', 'M', 'G', 'T', 'P'])
                .any(|part| part.ends_with('_'))
        };
        if literal.contains("__") || trailing_underscore {
            problems.push("illegal '_' in number".to_owned());
        }
        self.pos = end.max(start + 1);
        for problem in problems {
            let message = match problem.split_once(" (") {
                Some((head, tail)) => format!("{head} {literal} ({tail}"),
                None => format!("{problem} {literal}"),
            };
            self.error(start..end, start..end, message);
        }
    }

    /// Whatever is still open at the end of the file.
    fn finish(&mut self) {
        let stack = std::mem::take(&mut self.stack);
        for open in stack.iter().rev() {
            match *open {
                Open::Bracket(o, start) => {
                    self.report.brackets_ok = false;
                    self.report.unclosed_from =
                        Some(self.report.unclosed_from.map_or(start, |u| u.min(start)));
                    let at = self.likely_close_position(start);
                    let message = format!(
                        "expected '{}' to close '{}' at {}",
                        closer_of(o) as char,
                        o as char,
                        self.position(start)
                    );
                    self.error(at..at, start..self.text.len(), message);
                }
                Open::Swallowed(_) => {}
                Open::Interpolation(s, start) => {
                    self.report.unclosed_from =
                        Some(self.report.unclosed_from.map_or(start, |u| u.min(start)));
                    let message = format!(
                        "expected ')' to close the interpolation '\\(' at {}",
                        self.position(start)
                    );
                    let end = self.text.trim_end().len().max(start);
                    self.error(end..end, s.start..self.text.len(), message);
                }
            }
        }
    }

    /// Where a missing closing bracket most likely belongs: before the first later line
    /// that is indented no deeper than the opener's line (and does not start with a closing
    /// bracket, a comment or a continuation), or at the end of the text.
    fn likely_close_position(&self, open: usize) -> usize {
        let line = self.index.line_of(open);
        let indent_of = |l: usize| {
            let range = self.index.line_range(self.text, l);
            let s = &self.text[range];
            let trimmed = s.trim_start_matches([' ', '\t']);
            (s.len() - trimmed.len(), trimmed)
        };
        let (base, _) = indent_of(line);
        for l in line + 1..self.index.line_count() {
            let (indent, rest) = indent_of(l);
            if rest.trim().is_empty()
                || rest.starts_with("//")
                || rest.starts_with(['}', ']', ')', '|', '&', ',', '.'])
            {
                continue;
            }
            if indent <= base {
                // Only if that line starts in code (not inside a multi-line string).
                let start = self.index.line_start(l);
                if !self
                    .multiline_spans
                    .iter()
                    .chain(&self.report.explained)
                    .any(|r| r.start < start && start < r.end)
                {
                    return start + indent;
                }
            }
        }
        self.text
            .trim_end()
            .len()
            .max(open + 1)
            .min(self.text.len())
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
            r#"package x

import "strings"

a: strings.ToUpper("x")
"#,
            expect![[""]],
        );
    }

    #[test]
    fn clean_kubevela_definition() {
        check(
            r#"webservice: {
	type: "component"
	attributes: workload: definition: {
		apiVersion: "apps/v1"
		kind:       "Deployment"
	}
}
template: {
	output: {
		spec: replicas: *1 | int @go(Replicas)
		if parameter.cpu != _|_ {
			resources: limits: cpu: parameter.cpu
		}
	}
	// +usage=Which image would you like to use for your service
	// +short=i
	parameter: {
		image: string
		cpu?:  string
		ports?: [...{port: int & >0 & <65536}]
	}
}
"#,
            expect![[""]],
        );
    }

    #[test]
    fn label_without_colon() {
        check(
            r#"a: {
	image "nginx"
	b: 2
}
"#,
            expect![[r#"
                2:7: expected ':' after label "image"
            "#]],
        );
    }

    #[test]
    fn label_without_colon_before_struct() {
        check(
            "parameter: {\n\tresources {\n\t\tcpu: 1\n\t}\n}\n",
            expect![[r#"
                2:11: expected ':' after label "resources"
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
    fn missing_value_at_end_of_file() {
        check(
            "a:",
            expect![[r#"
                1:3: expected a value after 'a:'
            "#]],
        );
    }

    #[test]
    fn unclosed_brace_at_end_of_file() {
        check(
            "a: {\n\tb: 2\n",
            expect![[r#"
                2:6: expected '}' to close '{' at 1:4
            "#]],
        );
    }

    #[test]
    fn unclosed_brace_points_at_the_likely_place() {
        check(
            "parameter: {\n\timage: string\n\nouput: {}\n",
            expect![[r#"
                4:1: expected '}' to close '{' at 1:12
            "#]],
        );
    }

    #[test]
    fn unclosed_bracket() {
        check(
            "a: [1, 2\nb: 3\n",
            expect![[r#"
                2:1: expected ']' to close '[' at 1:4
            "#]],
        );
    }

    #[test]
    fn unclosed_paren() {
        check(
            "a: len(x\nb: 3\n",
            expect![[r#"
                2:1: expected ')' to close '(' at 1:7
            "#]],
        );
    }

    #[test]
    fn extra_closing_brace() {
        check(
            "a: {\n\tb: 1\n}}\nc: 2\n",
            expect![[r#"
                3:2: unexpected '}': no '{' is open here
            "#]],
        );
    }

    #[test]
    fn extra_closing_bracket_and_paren() {
        check(
            "a: [1]]\nb: (1))\n",
            expect![[r#"
                1:7: unexpected ']': no '[' is open here
                2:7: unexpected ')': no '(' is open here
            "#]],
        );
    }

    #[test]
    fn mismatched_brackets() {
        check(
            "a: [1, 2}\n",
            expect![[r#"
                1:9: expected ']' to close '[' at 1:4, found '}'
            "#]],
        );
    }

    #[test]
    fn stray_commas() {
        check(
            "a: 1,,\nb: [,1]\n",
            expect![[r#"
                1:5: unexpected ','
                2:5: unexpected ','
            "#]],
        );
    }

    #[test]
    fn missing_comma_in_list() {
        check(
            "a: [1 2]\n",
            expect![[r#"
                1:7: unexpected number 2, expected ',' or ']'
            "#]],
        );
    }

    #[test]
    fn unterminated_string() {
        check(
            r#"a: "abc
b: 1
"#,
            expect![[r#"
                1:4: string literal not terminated
            "#]],
        );
    }

    #[test]
    fn unterminated_string_does_not_cascade_into_brackets() {
        check(
            "a: [{x: \"abc}]\nb: 1\n",
            expect![[r#"
            1:9: string literal not terminated
        "#]],
        );
        check(
            "a: \"x [{\n\tb: 1\n}]\n",
            expect![[r#"
            1:4: string literal not terminated
        "#]],
        );
    }

    #[test]
    fn unterminated_string_at_end_of_file() {
        check(
            r#"a: "abc"#,
            expect![[r#"
                1:4: string literal not terminated
            "#]],
        );
    }

    #[test]
    fn unterminated_multiline_string() {
        check(
            r#"a: """
	abc
b: 1
"#,
            expect![[r#"
                1:4: multi-line string literal not terminated (expected '"""' on a line of its own)
            "#]],
        );
    }

    #[test]
    fn unterminated_raw_strings() {
        check(
            r##"a: #"abc"
b: ##"x"#
"##,
            expect![[r###"
                1:4: raw string literal not terminated (expected '"#')
                2:4: raw string literal not terminated (expected '"##')
            "###]],
        );
    }

    #[test]
    fn unterminated_bytes() {
        check(
            "a: 'abc\nb: '''\n\tx\n",
            expect![[r#"
                1:4: bytes literal not terminated
                2:4: multi-line bytes literal not terminated (expected ''''' on a line of its own)
            "#]],
        );
    }

    #[test]
    fn bad_escapes() {
        check(
            r#"a: "C:\Users\q"
b: "\u12"
c: "\q"
"#,
            expect![[r#"
                1:7: \U escape needs exactly 8 hexadecimal digits
                1:13: unknown escape sequence '\q'
                2:5: \u escape needs exactly 4 hexadecimal digits
                3:5: unknown escape sequence '\q'
            "#]],
        );
    }

    #[test]
    fn multiline_string_layout() {
        check(
            r#"a: """abc
"""
b: """
	x
	foo"""
"#,
            expect![[r#"
                1:4: expected newline after multiline quote
                5:5: closing quote of a multiline string must be on its own line
            "#]],
        );
    }

    #[test]
    fn octal_looking_number() {
        check(
            "mode: 0755\n",
            expect![[r#"
                1:7: illegal integer number 0755 (a leading 0 is not allowed; octal is written 0o755)
            "#]],
        );
    }

    #[test]
    fn bad_underscores_in_numbers() {
        check(
            "a: 1__0\nb: 1_\nc: 1_000\n",
            expect![[r#"
                1:4: illegal '_' in number 1__0
                2:4: illegal '_' in number 1_
            "#]],
        );
    }

    #[test]
    fn prefix_without_digits_and_empty_exponent() {
        check(
            "a: 0x\nb: 0b\nc: 1e\nd: 0o\n",
            expect![[r#"
                1:4: illegal hexadecimal number 0x
                2:4: illegal binary number 0b
                3:4: illegal exponent in number 1e
                4:4: illegal octal number 0o
            "#]],
        );
    }

    #[test]
    fn import_after_fields() {
        check(
            r#"package x

a: 1
import "strings"
"#,
            expect![[r#"
                4:1: imports must come before other declarations
            "#]],
        );
    }

    #[test]
    fn package_after_import() {
        check(
            r#"import "strings"
package x
"#,
            expect![[r#"
                2:1: the package clause must come before imports and declarations
            "#]],
        );
    }

    #[test]
    fn ellipsis_not_last_in_list() {
        check(
            "a: [...int, 1]\n",
            expect![[r#"
                1:5: '...' must be the last element of a list
            "#]],
        );
    }

    #[test]
    fn equals_instead_of_colon() {
        check(
            r#"parameter: {
	image = "nginx"
}
"#,
            expect![[r#"
                2:8: unexpected '=' after "image": a field is written 'image: value' (or 'let image = value' for a local name)
            "#]],
        );
    }

    #[test]
    fn colon_equals() {
        check(
            "a := 1\n",
            expect![[r#"
                1:3: ':=' is not CUE: a field is written 'name: value'
            "#]],
        );
    }

    #[test]
    fn unbalanced_attribute() {
        check(
            "a: int @go(x\nb: 2\n",
            expect![[r#"
                1:8: attribute '@go(' not terminated: expected ')' to close '(' at 1:11
            "#]],
        );
    }

    #[test]
    fn attribute_closed_by_wrong_bracket() {
        check(
            "a: int @go(x]\n",
            expect![[r#"
                1:13: expected ')' to close attribute '@go(' at 1:11, found ']'
            "#]],
        );
    }

    #[test]
    fn go_template_pasted_in() {
        check(
            r#"metadata: name: "{{ .Name }}"
spec: {{ .Values.spec }}
"#,
            expect![[r#"
                2:7: Go template syntax '{{ … }}' is not CUE (is this file a template for another tool?)
            "#]],
        );
    }

    #[test]
    fn yaml_list_pasted_in() {
        check(
            "items:\n  - name: x\n",
            expect![[r#"
                2:3: YAML list syntax '- item' is not CUE: write a list as '[item, …]'
            "#]],
        );
    }

    #[test]
    fn hash_comment() {
        check(
            "# comment\na: 1\n",
            expect![[r#"
                1:1: '#' does not start a comment in CUE: use '//'
            "#]],
        );
    }

    #[test]
    fn comment_missing_a_slash() {
        check(
            "a: {\n\t/ +usage=the image's name\n\timage: string\n}\n",
            expect![[r#"
                2:2: a line cannot start with '/': comments start with '//'
            "#]],
        );
    }

    #[test]
    fn optional_label_without_colon() {
        check(
            "a: {\n\tprobe? #Probe\n}\n",
            expect![[r#"
                2:8: expected ':' after label "probe?"
            "#]],
        );
    }

    #[test]
    fn block_comment() {
        check(
            "/* old */\na: 1\n",
            expect![[r#"
                1:1: block comments '/* … */' are not CUE; use '//' line comments
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
    fn semicolon() {
        check(
            "a: 1; b: 2\n",
            expect![[r#"
                1:5: unexpected ';': CUE separates declarations with ',' or a newline
            "#]],
        );
    }

    #[test]
    fn illegal_characters() {
        check(
            "a: 1\n\0b: 2\nc: 1 ^ 2\nd: `x`\ne:\u{a0}1\n",
            expect![[r##"
                2:1: illegal character NUL
                3:6: illegal character '^'
                4:4: illegal character '`' (CUE has no backquoted strings; use "…" or #"…"#)
                4:6: illegal character '`' (CUE has no backquoted strings; use "…" or #"…"#)
                5:3: illegal character U+00A0 (no-break space)
            "##]],
        );
    }

    #[test]
    fn missing_operand() {
        check(
            "a: 1 +\n",
            expect![[r#"
                1:7: expected an operand after '+'
            "#]],
        );
        check(
            "b: *\n",
            expect![[r#"
                1:5: expected an operand after '*'
            "#]],
        );
    }

    #[test]
    fn for_without_in() {
        check(
            "a: [for x xs {x}]\n",
            expect![[r#"
                1:11: expected 'in' after 'for x', found identifier xs
            "#]],
        );
    }

    #[test]
    fn let_without_equals() {
        check(
            "let x 1\n",
            expect![[r#"
                1:6: expected '=' after 'let x'
            "#]],
        );
    }

    #[test]
    fn comprehension_without_body() {
        check(
            "if x\nb: 1\n",
            expect![[r#"
                1:5: expected '{' to start the body of the comprehension after 'if x'
            "#]],
        );
    }

    #[test]
    fn else_and_otherwise() {
        check(
            "for x in y {a: x} else {a: 0}\nif c {b: 1} otherwise {b: 2}\n",
            expect![[r#"
                1:19: use 'otherwise' for comprehensions with multiple clauses or 'for' clauses
                2:13: use 'else' with a single 'if' or 'try' clause
            "#]],
        );
    }

    #[test]
    fn pattern_constraint_marked_optional() {
        check(
            "[string]?: int\n",
            expect![[r#"
                1:9: pattern constraint cannot be marked optional
            "#]],
        );
    }

    #[test]
    fn top_as_label_alias_and_let() {
        check(
            "_: 1\n_=X: 2\nlet _ = 3\n",
            expect![[r#"
                1:1: cannot use _ as label
                2:1: cannot use _ as alias or let clause
                3:5: cannot use _ as alias or let clause
            "#]],
        );
    }

    #[test]
    fn reserved_identifier() {
        check(
            "__x: 1\n",
            expect![[r#"
                1:1: identifiers starting with '__' are reserved
            "#]],
        );
    }

    #[test]
    fn unclosed_interpolation() {
        check(
            r#"a: "\(b"
"#,
            expect![[r#"
                1:8: string literal not terminated
                1:9: expected ')' to close the interpolation '\(' at 1:5
            "#]],
        );
    }

    #[test]
    fn every_error_is_reported() {
        check(
            r#"a: {
	image "nginx"
}
b: "\q"
c: 1 ^ 2
d: 0755
"#,
            expect![[r#"
                2:7: expected ':' after label "image"
                4:5: unknown escape sequence '\q'
                5:6: illegal character '^'
                6:4: illegal integer number 0755 (a leading 0 is not allowed; octal is written 0o755)
            "#]],
        );
    }
}
