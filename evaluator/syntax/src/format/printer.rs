//! Prints the formatter's tree in the `cue fmt` layout.
//!
//! `cue fmt` works in two layers, and so does this printer. The *formatter* walks the tree
//! and emits tokens interleaved with whitespace requests (blank, soft tab, newline,
//! formfeed, blank line, comma-unless-at-line-end, indent…). The *printer* merges those
//! requests with the token's relative position in the source (the user's line breaks win
//! unless a request forbids overriding them) and writes text with `\v` soft tabs and `\f`
//! column breaks, which the tab writer then turns into aligned columns. Comments are
//! printed when the walk reaches the position in their node they were attached at.
//!
//! The rules are those of CUE v0.4's `cue/format` (the reference for `xdef fmt`), with the
//! deliberate differences listed in [`Style`].

use std::borrow::Cow;

use super::node::{CgId, Comment, Id, Node, Tree};
use super::scanner::{HIGHEST_PREC, LOWEST_PREC, Pos, RelPos, Tok, UNARY_PREC};
use super::tabwriter::{ESCAPE, TabWriter};

// Whitespace requests.
const BLANK: u32 = 1 << 1;
const VTAB: u32 = 1 << 2;
const NOBLANK: u32 = 1 << 3;
const NOOVERRIDE: u32 = 1 << 4;
const COMMA: u32 = 1 << 5;
const TRAILCOMMA: u32 = 1 << 6;
const DECLCOMMA: u32 = 1 << 7;
const NEWLINE: u32 = 1 << 8;
const FORMFEED: u32 = 1 << 9;
const NEWSECTION: u32 = 1 << 10;
const INDENT: u32 = 1 << 11;
const UNINDENT: u32 = 1 << 12;
const INDENTED: u32 = 1 << 13;

const LINE_BREAKS: u32 = NEWLINE | NEWSECTION | FORMFEED;

/// Where `xdef fmt` deliberately differs from CUE v0.4's formatter: behaviour that later
/// CUE releases fixed as bugs. Each switch names the upstream change.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    /// v0.4 prints a blank before the first clause of a comprehension (`[ for x in y
    /// {…}]`), keeps a blank after `[` (`[ 1]`) and starts a file whose first token is a
    /// keyword with a blank (` let x = 1`); fixed in CUE v0.7 (cue-lang/cue@d70007c,
    /// "be consistent with whitespace in lists", issue 1023) and v0.10
    /// (cue-lang/cue@95035da, "omit whitespace before the first clause").
    pub no_blank_before_first_clause: bool,
    /// v0.4 writes comments and attributes unescaped to its tab writer, so a tab inside a
    /// comment is turned into alignment spaces; fixed in CUE v0.5 (cue-lang/cue@dac4917,
    /// "escape tabs when printing comments, literals, and attributes").
    pub escape_comments_and_attributes: bool,
    /// v0.4 aligns a field's value in a column (a soft tab after the `:`) unless the value
    /// is itself a list, a struct or a multi-line string. A value such as `*[…] | []` that
    /// spans lines then drags the following lines into that column (extra indentation that
    /// depends on the label's length), and values after a `{` on the same line are aligned
    /// with fields outside it. Fixed in CUE v0.7 (cue-lang/cue@eddccfc, "indent list
    /// elements correctly", issue 2314), v0.9 (cue-lang/cue@0177234, "don't indent fields
    /// on same line as lbrace", issue 3015) and v0.10 (cue-lang/cue@1f197eb, "prevent
    /// vertical tabs from causing extra indentation", issue 2496): the check looks through
    /// operators, parentheses, calls, selectors and indexes, and no soft tab follows a `{`
    /// on the same line.
    pub formfeed_through_expressions: bool,
    /// v0.4 prints a comment that follows a list element before the element's comma, or
    /// inside the element's closing brackets (`f(x, // c)`), which comments out code.
    /// Fixed in CUE v0.9 (cue-lang/cue@fdbd563, "fix comments formatting in lists", issue
    /// 2274): such comments are printed after the comma.
    pub comments_after_list_elements: bool,
    /// v0.4 may let the user's line break after a `//` comment be overridden, putting the
    /// next token on the comment's line. Fixed in CUE v0.8 (cue-lang/cue@b423a27, "ensure a
    /// newline after every comment", issue 2567).
    pub newline_after_comment: bool,
    /// v0.4 takes the end of `a: b: …` (braces implied) to be the *start* of its last
    /// field, so a multi-line value there counts as one line and its fields lose their
    /// separation; the result changes when formatted again. Fixed in CUE v0.5
    /// (cue-lang/cue@b23ece3, "cue/ast: fix StructLit.End").
    pub implied_struct_end: bool,
}

impl Style {
    pub const FIXED: Style = Style {
        no_blank_before_first_clause: true,
        escape_comments_and_attributes: true,
        formfeed_through_expressions: true,
        comments_after_list_elements: true,
        newline_after_comment: true,
        implied_struct_end: true,
    };
    pub fn is_fixed(&self) -> bool {
        self.no_blank_before_first_clause
            && self.escape_comments_and_attributes
            && self.formfeed_through_expressions
            && self.comments_after_list_elements
            && self.newline_after_comment
            && self.implied_struct_end
    }

    /// CUE v0.4 exactly, bugs included (for comparisons with the reference).
    pub const V04: Style = Style {
        no_blank_before_first_clause: false,
        escape_comments_and_attributes: false,
        formfeed_through_expressions: false,
        comments_after_list_elements: false,
        newline_after_comment: false,
        implied_struct_end: false,
    };
}

#[derive(Clone)]
enum Arg<'t> {
    Ws(u32),
    Pos(Pos),
    Tok(Tok),
    /// Text printed as is (labels, keywords given as words).
    Str(Cow<'t, str>),
    /// A basic literal node (number, string, bool, null).
    Lit(Id),
    Ident(Id),
    Attr(Id),
    Comment(&'t Comment),
    Group(CgId),
    /// Records the current output line in `captured_line`.
    Line,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LastTok {
    Illegal,
    Tok(Tok),
}

#[derive(Clone)]
struct Frame<'t> {
    cg: &'t [CgId],
    pos: i8,
    node_sep: u32,
    parent_sep: u32,
}

pub(crate) struct Printer<'t> {
    tree: &'t Tree,
    line_starts: &'t [u32],
    style: Style,

    // printer state
    allowed: u32,
    indent_stack: Vec<u32>,
    lineout: i64,
    last_tok: LastTok,
    output: Vec<u8>,
    indent: i32,
    space_before: bool,
    /// A `{` has been written on the current output line.
    prev_lbrace_on_line: bool,
    /// A comment was the last thing written: the next line break cannot be dropped.
    printing_comment: bool,
    captured_line: i64,

    // formatter state
    stack: Vec<Frame<'t>>,
    current: Frame<'t>,
}

fn is_def(name: &str) -> bool {
    name.starts_with('#') || name.starts_with("_#")
}

impl<'t> Printer<'t> {
    pub fn new(tree: &'t Tree, line_starts: &'t [u32], style: Style) -> Printer<'t> {
        Printer {
            tree,
            line_starts,
            style,
            allowed: NOOVERRIDE,
            indent_stack: Vec::new(),
            lineout: 0,
            last_tok: LastTok::Illegal,
            output: Vec::new(),
            indent: 0,
            space_before: false,
            prev_lbrace_on_line: false,
            printing_comment: false,
            captured_line: 0,
            stack: Vec::new(),
            current: Frame {
                cg: &[],
                pos: 0,
                node_sep: NEWLINE,
                parent_sep: NEWLINE,
            },
        }
    }

    /// Prints a file and runs the result through the tab writer.
    pub fn print_file(mut self, file: Id) -> Vec<u8> {
        self.file(file);
        let mut tw = TabWriter::new();
        tw.write(&self.output);
        tw.finish()
    }

    fn line_of(&self, offset: u32) -> u32 {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    // ================================================================ printer

    fn print_one(&mut self, arg: &Arg<'t>) {
        let mut is_lit = false;
        let mut next_ws = 0;
        let data: Cow<'t, str> = match arg {
            Arg::Line => {
                self.captured_line = self.lineout;
                Cow::Borrowed("")
            }
            Arg::Tok(x) => {
                let s = x.as_str();
                let (before, after) =
                    may_combine(self.last_tok, *x, self.style.no_blank_before_first_clause);
                if before && !self.space_before {
                    self.allowed |= BLANK;
                }
                if after {
                    next_ws = BLANK;
                }
                self.last_tok = LastTok::Tok(*x);
                if *x == Tok::Eof {
                    self.allowed = NEWLINE;
                    Cow::Borrowed("")
                } else {
                    Cow::Borrowed(s)
                }
            }
            Arg::Lit(id) => {
                let Node::BasicLit { kind, value, .. } = self.tree.node(*id) else {
                    return;
                };
                is_lit = true;
                self.last_tok = LastTok::Tok(*kind);
                match kind {
                    Tok::String if self.indent < 6 => {
                        indent_tabs(value, (self.indent + 1) as usize)
                    }
                    Tok::Int => Cow::Owned(normalize_int(value)),
                    Tok::Float => Cow::Owned(normalize_float(value)),
                    _ => Cow::Borrowed(value.as_str()),
                }
            }
            Arg::Ident(id) => {
                self.last_tok = LastTok::Tok(Tok::Ident);
                Cow::Borrowed(self.tree.ident_name(*id).unwrap_or("_"))
            }
            Arg::Str(s) => {
                self.last_tok = LastTok::Tok(Tok::String);
                s.clone()
            }
            Arg::Group(cg) => {
                let group = self.tree.group(*cg);
                let mut rel = group.pos().rel;
                if group.line {
                    rel = RelPos::Blank;
                }
                match rel {
                    RelPos::Blank | RelPos::Elided => {
                        self.allowed |= BLANK;
                        self.allowed &= !(LINE_BREAKS | DECLCOMMA);
                    }
                    RelPos::NoSpace => self.allowed &= !(LINE_BREAKS | DECLCOMMA),
                    _ => {}
                }
                return;
            }
            Arg::Attr(id) => {
                let Node::Attribute { text, .. } = self.tree.node(*id) else {
                    return;
                };
                is_lit = self.style.escape_comments_and_attributes;
                self.last_tok = LastTok::Tok(Tok::Attribute);
                Cow::Borrowed(text.as_str())
            }
            Arg::Comment(c) => {
                is_lit = self.style.escape_comments_and_attributes;
                self.last_tok = LastTok::Tok(Tok::Comment);
                Cow::Borrowed(c.text.as_str())
            }
            Arg::Ws(x) => {
                self.allowed |= x;
                return;
            }
            Arg::Pos(x) => {
                if x.has_rel() && self.allowed & NOOVERRIDE == 0 {
                    let mut requested = self.allowed;
                    match x.rel {
                        RelPos::NoSpace => requested &= !LINE_BREAKS,
                        RelPos::Blank => {
                            requested |= BLANK;
                            requested &= !LINE_BREAKS;
                        }
                        RelPos::Newline => requested |= NEWLINE,
                        RelPos::NewSection => requested |= NEWSECTION,
                        _ => {}
                    }
                    if self.printing_comment {
                        requested |= NEWLINE;
                    }
                    self.write_whitespace(requested);
                    self.allowed = 0;
                }
                return;
            }
        };
        self.write_whitespace(self.allowed);
        self.allowed = 0;
        self.printing_comment = false;
        self.write_string(&data, is_lit);
        self.allowed = next_ws;
    }

    fn write_whitespace(&mut self, ws: u32) {
        if ws & COMMA != 0 && (ws & LINE_BREAKS != 0 || ws & TRAILCOMMA == 0) {
            self.write_byte(b',', 1);
        }
        if ws & INDENT != 0 {
            self.indent_stack.push(ws);
        }
        if ws & UNINDENT != 0 {
            self.mark_unindent_line();
        }
        if ws & NEWSECTION != 0 {
            self.maybe_indent_line(ws);
            self.write_byte(b'\x0c', 2);
            self.increment_line(2);
            self.space_before = true;
        } else if ws & FORMFEED != 0 {
            self.maybe_indent_line(ws);
            self.write_byte(b'\x0c', 1);
            self.increment_line(1);
            self.space_before = true;
        } else if ws & NEWLINE != 0 {
            self.maybe_indent_line(ws);
            self.write_byte(b'\n', 1);
            self.increment_line(1);
            self.space_before = true;
        } else if ws & DECLCOMMA != 0 {
            self.write_byte(b',', 1);
            self.write_byte(b' ', 1);
            self.space_before = true;
        } else if ws & NOBLANK != 0 {
        } else if ws & VTAB != 0 {
            self.write_byte(b'\x0b', 1);
            self.space_before = true;
        } else if ws & BLANK != 0 {
            self.write_byte(b' ', 1);
            self.space_before = true;
        }
    }

    fn increment_line(&mut self, n: i64) {
        self.lineout += n;
        self.prev_lbrace_on_line = false;
    }

    fn mark_unindent_line(&mut self) {
        if let Some(ws) = self.indent_stack.pop()
            && ws & INDENTED != 0
        {
            self.indent -= 1;
        }
    }

    fn maybe_indent_line(&mut self, ws: u32) {
        if ws & UNINDENT == 0
            && let Some(last) = self.indent_stack.last_mut()
        {
            if *last & INDENTED != 0 || *last & INDENT == 0 {
                return;
            }
            *last |= INDENTED;
            self.indent += 1;
        }
    }

    fn write_string(&mut self, s: &str, is_lit: bool) {
        if !s.is_empty() {
            self.space_before = false;
        }
        if is_lit {
            self.output.push(ESCAPE);
        }
        self.output.extend_from_slice(s.as_bytes());
        if is_lit {
            self.output.push(ESCAPE);
        }
    }

    fn write_byte(&mut self, ch: u8, n: usize) {
        self.output.extend(std::iter::repeat_n(ch, n));
        if ch == b'\n' || ch == b'\x0c' {
            let tabs = self.indent.max(0) as usize;
            self.output.extend(std::iter::repeat_n(b'\t', tabs));
        }
    }

    // ============================================================== formatter

    fn print(&mut self, args: &[Arg<'t>]) {
        for a in args {
            self.print_one(a);
            if matches!(a, Arg::Str(_) | Arg::Tok(_)) {
                self.current.pos = self.current.pos.wrapping_add(1);
            }
        }
        self.visit_comments(self.current.pos);
    }

    fn ws(&mut self, ws: u32) {
        self.print(&[Arg::Ws(ws)]);
    }

    fn formfeed(&self) -> u32 {
        if self.current.node_sep == BLANK {
            BLANK
        } else {
            FORMFEED
        }
    }

    fn on_one_line(&self, node: Id) -> bool {
        let a = self.tree.pos(node);
        let Some(b) = self.tree.end_offset(node, self.style.implied_struct_end) else {
            return false;
        };
        a.is_valid() && a.line == self.line_of(b)
    }

    fn before(&mut self, node: Option<Id>) -> bool {
        let settings_node_sep = self.current.node_sep;
        let frame = Frame {
            cg: &[],
            pos: 0,
            node_sep: settings_node_sep,
            parent_sep: settings_node_sep,
        };
        let old = std::mem::replace(&mut self.current, frame);
        self.stack.push(old);
        let Some(node) = node else {
            return false;
        };
        if let Node::Struct { elts, .. } = self.tree.node(node)
            && elts.len() <= 1
            && self.current.node_sep != BLANK
            && self.on_one_line(node)
        {
            self.current.node_sep = BLANK;
        }
        self.current.cg = self.tree.comments(node);
        self.visit_comments(self.current.pos);
        true
    }

    fn after(&mut self) {
        self.visit_comments(127);
        if let Some(frame) = self.stack.pop() {
            self.current = frame;
        }
        self.current.pos = self.current.pos.wrapping_add(1);
        self.visit_comments(self.current.pos);
    }

    fn visit_comments(&mut self, until: i8) {
        let mut printed = false;
        while let Some((&cg, rest)) = self.current.cg.split_first() {
            if self.tree.group(cg).position > until {
                break;
            }
            if printed {
                self.print_one(&Arg::Ws(NEWSECTION));
            }
            printed = true;
            self.print_comment(cg);
            self.current.cg = rest;
        }
    }

    fn print_comment(&mut self, cg: CgId) {
        let tree = self.tree;
        let group = tree.group(cg);
        self.print_one(&Arg::Group(cg));
        let mut print_blank = false;
        if group.doc && !self.output.is_empty() {
            self.print_one(&Arg::Ws(NEWLINE));
            print_blank = true;
        }
        for c in &group.list {
            if !print_blank {
                self.print_one(&Arg::Ws(VTAB));
            }
            self.print_one(&Arg::Pos(c.slash));
            self.print_one(&Arg::Comment(c));
            if self.style.newline_after_comment {
                self.printing_comment = true;
            }
            self.print_one(&Arg::Ws(NEWLINE));
            if group.doc {
                self.print_one(&Arg::Ws(NOOVERRIDE));
            }
        }
    }

    fn match_unindent(&mut self) {
        self.allowed |= UNINDENT;
    }

    // ---------------------------------------------------------------- helpers

    fn nest_depth(&self, field: Id) -> i32 {
        let mut acc = 0;
        let mut f = field;
        loop {
            let Node::Field { value, .. } = self.tree.node(f) else {
                return acc + 1;
            };
            match self.tree.node(*value) {
                Node::Struct { elts, .. } => {
                    if elts.len() != 1 {
                        return acc;
                    }
                    if matches!(self.tree.node(elts[0]), Node::Field { .. }) {
                        acc += 1;
                        f = elts[0];
                    } else {
                        return acc + 1;
                    }
                }
                _ => return acc + 1,
            }
        }
    }

    fn has_doc_comments(&self, d: Id) -> bool {
        if !self.tree.comments(d).is_empty() {
            return true;
        }
        match self.tree.node(d) {
            Node::Field { label, .. } => !self.tree.comments(*label).is_empty(),
            Node::Alias { ident, .. } | Node::Let { ident, .. } => {
                !self.tree.comments(*ident).is_empty()
            }
            _ => false,
        }
    }

    fn is_definition(&self, label: Id) -> bool {
        match self.tree.node(label) {
            Node::Alias { expr, .. } => self.tree.ident_name(*expr).is_some_and(is_def),
            Node::Ident { name, .. } => is_def(name),
            _ => false,
        }
    }

    fn is_top(&self, e: Id) -> bool {
        self.tree.ident_name(e) == Some("_")
    }

    fn is_binary(&self, e: Id) -> bool {
        matches!(self.tree.node(e), Node::Binary { .. })
    }

    // ------------------------------------------------------------------ lists

    fn walk_decl_list(&mut self, list: &'t [Id]) {
        self.before(None);
        let mut d = 0;
        for (i, &x) in list.iter().enumerate() {
            if i > 0 {
                self.ws(DECLCOMMA);
                let nd = if matches!(self.tree.node(x), Node::Field { .. }) {
                    self.nest_depth(x)
                } else {
                    0
                };
                if self.current.parent_sep == NEWLINE && (d == 0 || nd != d) {
                    let ff = self.formfeed();
                    self.ws(ff);
                }
                if self.has_doc_comments(x) {
                    match self.tree.node(list[i - 1]) {
                        Node::Field { label, .. } => {
                            if self.is_definition(*label) {
                                self.ws(NEWSECTION);
                            }
                        }
                        _ => self.ws(NEWSECTION),
                    }
                }
            }
            self.decl(x);
            d = if matches!(self.tree.node(x), Node::Field { .. }) {
                self.nest_depth(x)
            } else {
                0
            };
            if let Some(&next) = list.get(i + 1)
                && let Node::Field { value, .. } = self.tree.node(next)
            {
                match self.tree.node(*value) {
                    Node::Struct { lbrace, elts, .. } if (lbrace.is_valid() || elts.len() != 1) => {
                        let ff = self.formfeed();
                        self.ws(ff);
                        continue;
                    }
                    Node::List { .. } => {
                        let ff = self.formfeed();
                        self.ws(ff);
                        continue;
                    }
                    _ => {}
                }
            }
            let sep = self.current.parent_sep;
            self.ws(sep);
        }
        self.after();
    }

    fn walk_spec_list(&mut self, list: &'t [Id]) {
        self.before(None);
        for &x in list {
            self.before(Some(x));
            self.import_spec(x);
            self.after();
        }
        self.after();
    }

    fn walk_clause_list(&mut self, list: &'t [Id], ws: u32) {
        self.before(None);
        for (i, &x) in list.iter().enumerate() {
            self.before(Some(x));
            if i > 0 || !self.style.no_blank_before_first_clause {
                self.ws(ws);
            }
            self.clause(x);
            self.after();
        }
        self.after();
    }

    /// Prints list elements, each followed by a comma, or (for a list written without
    /// commas between lines, newer CUE syntax) separated by commas only on one line.
    fn walk_list_elems(&mut self, list: &'t [Id], omits_commas: bool) {
        self.before(None);
        for (i, &x) in list.iter().enumerate() {
            if i > 0 && omits_commas {
                self.ws(DECLCOMMA);
            }
            self.before(Some(x));
            // Comments after the element's start are printed after its comma.
            let mut comments_after: Vec<CgId> = Vec::new();
            let split = self.style.comments_after_list_elements && self.tree.pos(x).is_valid();
            if split {
                let start = self.tree.pos(x).offset;
                comments_after = self
                    .tree
                    .comments(x)
                    .iter()
                    .copied()
                    .filter(|cg| self.tree.group(*cg).pos().offset > start)
                    .collect();
                self.current.cg = &[];
            }
            match self.tree.node(x) {
                Node::Comprehension {
                    clauses,
                    value,
                    fallback,
                } => {
                    self.walk_clause_list(clauses, BLANK);
                    self.print(&[Arg::Ws(BLANK), Arg::Ws(NOOVERRIDE)]);
                    self.expr(*value);
                    if let Some(fb) = fallback {
                        self.fallback(*fb);
                    }
                }
                Node::Ellipsis { .. } => self.ellipsis(x),
                Node::Alias { ident, equal, expr } => {
                    self.expr(*ident);
                    self.print(&[Arg::Pos(*equal), Arg::Tok(Tok::Bind)]);
                    self.expr(*expr);
                }
                _ => self.expr_raw(x, LOWEST_PREC, 1),
            }
            if !omits_commas {
                self.print(&[Arg::Ws(COMMA), Arg::Ws(BLANK)]);
            }
            if split {
                self.visit_comments_list(comments_after);
            }
            self.after();
        }
        self.after();
    }

    /// Prints comment groups held back from the current node, as `after` would.
    fn visit_comments_list(&mut self, groups: Vec<CgId>) {
        let mut printed = false;
        for cg in groups {
            if printed {
                self.print_one(&Arg::Ws(NEWSECTION));
            }
            printed = true;
            self.print_comment(cg);
        }
    }

    fn walk_args_list(&mut self, list: &'t [Id], depth: i32) {
        self.before(None);
        for &x in list {
            self.before(Some(x));
            self.expr_raw(x, LOWEST_PREC, depth);
            self.print(&[Arg::Ws(COMMA), Arg::Ws(BLANK)]);
            self.after();
        }
        self.after();
    }

    fn file(&mut self, file: Id) {
        self.before(Some(file));
        if let Node::File { decls } = self.tree.node(file) {
            self.walk_decl_list(decls);
        }
        self.after();
        self.print(&[Arg::Tok(Tok::Eof)]);
    }

    // ----------------------------------------------------------- declarations

    fn inline_field(&self, n: Id) -> Option<Id> {
        let Node::Field {
            label,
            value,
            attrs,
            ..
        } = self.tree.node(n)
        else {
            return None;
        };
        if !self.tree.pos(*label).is_valid() {
            return None;
        }
        let Node::Struct { lbrace, elts, .. } = self.tree.node(*value) else {
            return None;
        };
        if elts.len() != 1 || lbrace.is_valid() || !attrs.is_empty() {
            return None;
        }
        let mem = elts[0];
        let Node::Field { attrs, .. } = self.tree.node(mem) else {
            return None;
        };
        if !attrs.is_empty() || self.has_doc_comments(mem) {
            return None;
        }
        Some(mem)
    }

    fn decl(&mut self, decl: Id) {
        self.before(Some(decl));
        let tree = self.tree;
        match tree.node(decl) {
            Node::Field {
                label,
                alias,
                constraint,
                token_pos,
                value,
                attrs,
            } => {
                // `?` and `!` are printed with the label (CUE v0.4), or after a postfix
                // alias when there is one.
                self.label(*label, if alias.is_none() { *constraint } else { None });
                if let Some(a) = alias {
                    self.print(&[Arg::Pos(a.tilde), Arg::Tok(Tok::Tilde), Arg::Ws(NOBLANK)]);
                    self.print(&[Arg::Pos(a.lparen), Arg::Tok(Tok::Lparen), Arg::Ws(NOBLANK)]);
                    if let Some(k) = a.label {
                        self.expr(k);
                        self.print(&[Arg::Pos(a.comma), Arg::Tok(Tok::Comma), Arg::Ws(NOBLANK)]);
                    }
                    self.expr(a.field);
                    self.print(&[Arg::Pos(a.rparen), Arg::Tok(Tok::Rparen), Arg::Ws(NOBLANK)]);
                    if let Some(c) = constraint {
                        self.print(&[Arg::Tok(*c)]);
                    }
                }
                self.print(&[
                    Arg::Ws(NOBLANK),
                    Arg::Ws(NOOVERRIDE),
                    Arg::Pos(*token_pos),
                    Arg::Tok(Tok::Colon),
                ]);

                if let Some(mem) = self.inline_field(decl) {
                    let mem_label = match tree.node(mem) {
                        Node::Field { label, .. } => *label,
                        _ => mem,
                    };
                    if tree.pos(mem_label).is_newline() {
                        self.print(&[Arg::Ws(INDENT), Arg::Ws(FORMFEED)]);
                        self.decl(mem);
                        self.indent -= 1;
                    } else {
                        self.print(&[Arg::Ws(BLANK), Arg::Ws(NOOVERRIDE)]);
                        self.decl(mem);
                    }
                    self.after();
                    return;
                }

                let next_ff = self.next_needs_formfeed(*value);
                let tab = if next_ff
                    || (self.style.formfeed_through_expressions && self.prev_lbrace_on_line)
                {
                    BLANK
                } else {
                    VTAB
                };
                self.ws(tab);
                match tree.node(*value) {
                    Node::List { .. } | Node::Struct { .. } => self.expr(*value),
                    _ => {
                        self.ws(INDENT);
                        self.expr(*value);
                        self.mark_unindent_line();
                    }
                }
                let mut space = tab;
                for &a in attrs {
                    if self.before(Some(a)) {
                        let at = match tree.node(a) {
                            Node::Attribute { at, .. } => *at,
                            _ => Pos::NONE,
                        };
                        self.print(&[Arg::Ws(space), Arg::Pos(at), Arg::Attr(a)]);
                    }
                    self.after();
                    space = BLANK;
                }
                if next_ff {
                    self.ws(FORMFEED);
                }
            }
            Node::Package { pos, name } => {
                self.print(&[Arg::Pos(*pos), Arg::Str(Cow::Borrowed("package"))]);
                self.print(&[
                    Arg::Ws(BLANK),
                    Arg::Ident(*name),
                    Arg::Ws(NEWSECTION),
                    Arg::Ws(NOOVERRIDE),
                ]);
            }
            Node::ImportDecl {
                import,
                lparen,
                specs,
                rparen,
            } => {
                self.print(&[Arg::Pos(*import), Arg::Str(Cow::Borrowed("import"))]);
                if specs.is_empty() {
                    self.print(&[
                        Arg::Ws(BLANK),
                        Arg::Pos(*lparen),
                        Arg::Tok(Tok::Lparen),
                        Arg::Pos(*rparen),
                        Arg::Tok(Tok::Rparen),
                        Arg::Ws(NEWLINE),
                    ]);
                    self.after();
                    return;
                }
                if specs.len() == 1 && tree.comments(specs[0]).is_empty() && !lparen.is_valid() {
                    self.ws(BLANK);
                    self.walk_spec_list(specs);
                } else {
                    self.print(&[
                        Arg::Ws(BLANK),
                        Arg::Pos(*lparen),
                        Arg::Tok(Tok::Lparen),
                        Arg::Ws(NEWLINE),
                        Arg::Ws(INDENT),
                    ]);
                    self.walk_spec_list(specs);
                    self.print(&[
                        Arg::Ws(UNINDENT),
                        Arg::Ws(NEWLINE),
                        Arg::Pos(*rparen),
                        Arg::Tok(Tok::Rparen),
                        Arg::Ws(NEWLINE),
                    ]);
                }
                self.print(&[Arg::Ws(NEWSECTION), Arg::Ws(NOOVERRIDE)]);
            }
            Node::Let {
                let_pos,
                ident,
                equal,
                expr,
            } => {
                let p = tree.pos(decl);
                if !p.has_rel() || p.rel >= RelPos::Newline {
                    self.ws(FORMFEED);
                }
                self.print(&[
                    Arg::Pos(*let_pos),
                    Arg::Tok(Tok::Let),
                    Arg::Ws(BLANK),
                    Arg::Ws(NOOVERRIDE),
                ]);
                self.expr(*ident);
                self.print(&[
                    Arg::Ws(BLANK),
                    Arg::Ws(NOOVERRIDE),
                    Arg::Pos(*equal),
                    Arg::Tok(Tok::Bind),
                    Arg::Ws(BLANK),
                ]);
                self.expr(*expr);
                self.ws(DECLCOMMA);
            }
            Node::Embed { expr } => {
                let p = tree.pos(decl);
                if !p.has_rel() || p.rel >= RelPos::Newline {
                    self.ws(FORMFEED);
                }
                self.expr(*expr);
                self.print(&[Arg::Ws(NEWLINE), Arg::Ws(NOBLANK)]);
            }
            Node::Attribute { at, .. } => {
                self.print(&[Arg::Pos(*at), Arg::Attr(decl)]);
            }
            _ => self.embedding(decl),
        }
        self.after();
    }

    fn embedding(&mut self, decl: Id) {
        let tree = self.tree;
        match tree.node(decl) {
            Node::Comprehension {
                clauses,
                value,
                fallback,
            } => {
                let p = tree.pos(decl);
                if !p.has_rel() || p.rel >= RelPos::Newline {
                    self.ws(FORMFEED);
                }
                self.walk_clause_list(clauses, BLANK);
                self.print(&[Arg::Ws(BLANK), Arg::Ws(NOOVERRIDE)]);
                self.expr(*value);
                if let Some(fb) = fallback {
                    self.fallback(*fb);
                }
            }
            Node::Ellipsis { .. } => self.ellipsis(decl),
            Node::Alias { ident, equal, expr } => {
                let p = tree.pos(decl);
                if !p.has_rel() || p.rel >= RelPos::Newline {
                    self.ws(FORMFEED);
                }
                self.expr(*ident);
                self.print(&[
                    Arg::Ws(BLANK),
                    Arg::Pos(*equal),
                    Arg::Tok(Tok::Bind),
                    Arg::Ws(BLANK),
                ]);
                self.expr(*expr);
                self.ws(DECLCOMMA);
            }
            _ => self.expr_raw(decl, LOWEST_PREC, 1),
        }
    }

    fn fallback(&mut self, fb: Id) {
        let tree = self.tree;
        self.before(Some(fb));
        if let Node::Fallback { pos, keyword, body } = tree.node(fb) {
            self.print(&[
                Arg::Ws(BLANK),
                Arg::Pos(*pos),
                Arg::Tok(*keyword),
                Arg::Ws(BLANK),
            ]);
            self.expr(*body);
        }
        self.after();
    }

    /// Whether a field's value gets no soft tab (is not aligned in a column).
    fn next_needs_formfeed(&self, n: Id) -> bool {
        let tree = self.tree;
        let deep = self.style.formfeed_through_expressions;
        // Explicit stack: values can be long operator chains.
        let mut todo = vec![n];
        while let Some(n) = todo.pop() {
            match tree.node(n) {
                Node::Struct { .. } | Node::List { .. } => return true,
                Node::BasicLit { value, .. } if value.contains('\n') => {
                    return true;
                }
                Node::Paren { x, .. }
                | Node::Unary { x, .. }
                | Node::Postfix { x, .. }
                | Node::Index { x, .. }
                | Node::Selector { x, .. }
                    if deep =>
                {
                    todo.push(*x)
                }
                Node::Binary { x, y, .. } if deep => {
                    todo.push(*y);
                    todo.push(*x);
                }
                Node::Call { args, .. } if deep => todo.extend(args.iter().rev()),
                _ => {}
            }
        }
        false
    }

    fn import_spec(&mut self, x: Id) {
        let Node::ImportSpec { name, path } = self.tree.node(x) else {
            return;
        };
        if let Some(name) = name {
            self.label(*name, None);
            self.ws(BLANK);
        } else {
            self.current.pos = self.current.pos.wrapping_add(1);
            self.visit_comments(self.current.pos);
        }
        self.expr(*path);
        self.ws(NEWLINE);
    }

    fn label(&mut self, l: Id, constraint: Option<Tok>) {
        let tree = self.tree;
        self.before(Some(l));
        match tree.node(l) {
            Node::Ident { pos, name } => {
                self.print(&[Arg::Pos(*pos), Arg::Str(Cow::Borrowed(name.as_str()))]);
            }
            Node::BasicLit { pos, value, .. } => {
                let mut s = Cow::Borrowed(value.as_str());
                if (value.starts_with("\"\"\"") || value.starts_with('#'))
                    && let Some(q) = super::requote_label(value)
                {
                    s = Cow::Owned(q);
                }
                self.print(&[Arg::Pos(*pos), Arg::Str(s)]);
            }
            _ => self.expr(l),
        }
        if let Some(c) = constraint {
            self.print(&[Arg::Tok(c)]);
        }
        self.after();
    }

    fn ellipsis(&mut self, x: Id) {
        let Node::Ellipsis { pos, ty } = self.tree.node(x) else {
            return;
        };
        self.print(&[Arg::Pos(*pos), Arg::Tok(Tok::Ellipsis)]);
        if let Some(ty) = ty
            && !self.is_top(*ty)
        {
            self.expr(*ty);
        }
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, x: Id) {
        self.expr1(x, LOWEST_PREC, 1);
    }

    fn expr0(&mut self, x: Id, depth: i32) {
        self.expr1(x, LOWEST_PREC, depth);
    }

    fn expr1(&mut self, x: Id, prec1: u8, depth: i32) {
        if self.before(Some(x)) {
            self.expr_raw(x, prec1, depth);
        }
        self.after();
    }

    fn expr_raw(&mut self, expr: Id, prec1: u8, depth: i32) {
        let tree = self.tree;
        match tree.node(expr) {
            Node::Bottom { pos } => self.print(&[Arg::Pos(*pos), Arg::Tok(Tok::Bottom)]),
            Node::Alias { ident, equal, expr } => {
                self.label(*ident, None);
                self.print(&[Arg::Pos(*equal), Arg::Tok(Tok::Bind)]);
                self.expr(*expr);
            }
            Node::Ident { pos, .. } => self.print(&[Arg::Pos(*pos), Arg::Ident(expr)]),
            Node::Binary { .. } => {
                let depth = depth.max(1);
                let cutoff = self.cutoff(expr, depth);
                self.binary_expr(expr, prec1, cutoff, depth);
            }
            Node::Unary { op_pos, op, x } => {
                if UNARY_PREC < prec1 {
                    // Only for trees not made by the parser, which keeps parentheses.
                    self.print(&[Arg::Tok(Tok::Lparen), Arg::Ws(NOOVERRIDE)]);
                    self.expr(expr);
                    self.print(&[Arg::Tok(Tok::Rparen)]);
                } else {
                    self.print(&[Arg::Pos(*op_pos), Arg::Tok(*op), Arg::Ws(NOOVERRIDE)]);
                    self.expr1(*x, UNARY_PREC, depth);
                }
            }
            Node::Postfix { x, op, .. } => {
                self.expr1(*x, HIGHEST_PREC, depth);
                self.print(&[Arg::Tok(*op)]);
            }
            Node::BasicLit { pos, .. } => self.print(&[Arg::Pos(*pos), Arg::Lit(expr)]),
            Node::Interpolation { elts } => {
                self.before(None);
                for &el in elts {
                    self.expr0(el, depth + 1);
                }
                self.after();
            }
            Node::Paren { lparen, x, rparen } => {
                if matches!(tree.node(*x), Node::Paren { .. }) {
                    self.expr0(*x, depth);
                } else {
                    self.print(&[Arg::Pos(*lparen), Arg::Tok(Tok::Lparen)]);
                    self.expr0(*x, reduce_depth(depth));
                    self.print(&[Arg::Pos(*rparen), Arg::Tok(Tok::Rparen)]);
                }
            }
            Node::Selector { .. } => {
                self.selector_expr(expr, depth);
            }
            Node::Index {
                x,
                lbrack,
                index,
                rbrack,
            } => {
                self.expr1(*x, HIGHEST_PREC, 1);
                self.print(&[Arg::Pos(*lbrack), Arg::Tok(Tok::Lbrack)]);
                self.expr0(*index, depth + 1);
                self.print(&[Arg::Pos(*rbrack), Arg::Tok(Tok::Rbrack)]);
            }
            Node::Slice {
                x,
                lbrack,
                low,
                high,
                rbrack,
            } => {
                self.expr1(*x, HIGHEST_PREC, 1);
                self.print(&[Arg::Pos(*lbrack), Arg::Tok(Tok::Lbrack)]);
                if let Some(low) = low {
                    self.expr0(*low, depth + 1);
                }
                match (low, high) {
                    (Some(l), Some(h))
                        if depth <= 1 && (self.is_binary(*l) || self.is_binary(*h)) =>
                    {
                        self.print(&[Arg::Ws(BLANK), Arg::Tok(Tok::Colon), Arg::Ws(BLANK)]);
                    }
                    _ => self.print(&[Arg::Tok(Tok::Colon)]),
                }
                if let Some(high) = high {
                    self.expr0(*high, depth + 1);
                }
                self.print(&[Arg::Pos(*rbrack), Arg::Tok(Tok::Rbrack)]);
            }
            Node::Call {
                fun,
                lparen,
                args,
                rparen,
            } => {
                let depth = if args.len() > 1 { depth + 1 } else { depth };
                let was_indented = self.possible_selector_expr(*fun, HIGHEST_PREC, depth);
                self.print(&[Arg::Pos(*lparen), Arg::Tok(Tok::Lparen)]);
                self.walk_args_list(args, depth);
                self.print(&[
                    Arg::Ws(TRAILCOMMA),
                    Arg::Ws(NOBLANK),
                    Arg::Pos(*rparen),
                    Arg::Tok(Tok::Rparen),
                ]);
                if was_indented {
                    self.ws(UNINDENT);
                }
            }
            Node::Struct {
                lbrace,
                elts,
                rbrace,
            } => {
                let mut ws = NOBLANK;
                let mut ff = self.formfeed();
                if elts.is_empty() {
                    if !rbrace.has_rel() {
                        let mut ff_alt = BLANK | NOOVERRIDE;
                        for &c in tree.comments(expr) {
                            if tree.group(c).position == 1 {
                                ff_alt = ff;
                            }
                        }
                        ff = ff_alt;
                    }
                } else if !rbrace.has_rel() || !tree.pos(elts[0]).has_rel() {
                    ws |= NEWLINE | NOOVERRIDE;
                }
                self.print(&[
                    Arg::Pos(*lbrace),
                    Arg::Tok(Tok::Lbrace),
                    Arg::Line,
                    Arg::Ws(ws),
                    Arg::Ws(ff),
                    Arg::Ws(INDENT),
                ]);
                let l = self.captured_line;
                self.prev_lbrace_on_line = l == self.lineout;
                self.walk_decl_list(elts);
                self.match_unindent();
                let mut ws = NOBLANK;
                if self.lineout != l {
                    ws |= NEWLINE;
                    if self.last_tok != LastTok::Tok(Tok::Rbrace)
                        && self.last_tok != LastTok::Tok(Tok::Rbrack)
                    {
                        ws |= NOOVERRIDE;
                    }
                }
                self.print(&[Arg::Ws(ws), Arg::Pos(*rbrace), Arg::Tok(Tok::Rbrace)]);
            }
            Node::List {
                lbrack,
                elts,
                rbrack,
                omits_commas,
            } => {
                let ws = if self.style.no_blank_before_first_clause {
                    NOBLANK | INDENT
                } else {
                    INDENT
                };
                self.print(&[Arg::Pos(*lbrack), Arg::Tok(Tok::Lbrack), Arg::Ws(ws)]);
                self.walk_list_elems(elts, *omits_commas);
                self.print(&[Arg::Ws(TRAILCOMMA), Arg::Ws(NOBLANK)]);
                self.visit_comments(self.current.pos);
                self.match_unindent();
                self.print(&[Arg::Ws(NOBLANK), Arg::Pos(*rbrack), Arg::Tok(Tok::Rbrack)]);
            }
            Node::Ellipsis { .. } => self.ellipsis(expr),
            Node::Comprehension { .. } => self.embedding(expr),
            // Declarations and clauses do not occur as expressions.
            _ => {}
        }
    }

    fn clause(&mut self, clause: Id) {
        let tree = self.tree;
        match tree.node(clause) {
            Node::For {
                for_pos,
                key,
                colon,
                value,
                in_pos,
                source,
            } => {
                self.print(&[
                    Arg::Pos(*for_pos),
                    Arg::Str(Cow::Borrowed("for")),
                    Arg::Ws(BLANK),
                ]);
                self.ws(INDENT);
                if let Some(key) = key {
                    self.label(*key, None);
                    self.print(&[Arg::Pos(*colon), Arg::Tok(Tok::Comma), Arg::Ws(BLANK)]);
                } else {
                    self.current.pos = self.current.pos.wrapping_add(1);
                    self.visit_comments(self.current.pos);
                }
                self.label(*value, None);
                self.print(&[
                    Arg::Ws(BLANK),
                    Arg::Pos(*in_pos),
                    Arg::Str(Cow::Borrowed("in")),
                    Arg::Ws(BLANK),
                ]);
                self.expr(*source);
                self.mark_unindent_line();
            }
            Node::If { if_pos, cond } => {
                self.print(&[
                    Arg::Pos(*if_pos),
                    Arg::Str(Cow::Borrowed("if")),
                    Arg::Ws(BLANK),
                ]);
                self.ws(INDENT);
                self.expr(*cond);
                self.mark_unindent_line();
            }
            Node::Let {
                let_pos,
                ident,
                equal,
                expr,
            } => {
                self.print(&[
                    Arg::Pos(*let_pos),
                    Arg::Tok(Tok::Let),
                    Arg::Ws(BLANK),
                    Arg::Ws(NOOVERRIDE),
                ]);
                self.ws(INDENT);
                self.expr(*ident);
                self.print(&[
                    Arg::Ws(BLANK),
                    Arg::Ws(NOOVERRIDE),
                    Arg::Pos(*equal),
                    Arg::Tok(Tok::Bind),
                    Arg::Ws(BLANK),
                ]);
                self.expr(*expr);
                self.mark_unindent_line();
            }
            Node::Try {
                try_pos,
                ident,
                equal,
                expr,
            } => {
                self.print(&[Arg::Pos(*try_pos), Arg::Tok(Tok::Try)]);
                if let (Some(ident), Some(expr)) = (ident, expr) {
                    self.print(&[Arg::Ws(BLANK), Arg::Ws(NOOVERRIDE), Arg::Ws(INDENT)]);
                    self.expr(*ident);
                    self.print(&[
                        Arg::Ws(BLANK),
                        Arg::Ws(NOOVERRIDE),
                        Arg::Pos(*equal),
                        Arg::Tok(Tok::Bind),
                        Arg::Ws(BLANK),
                    ]);
                    self.expr(*expr);
                    self.mark_unindent_line();
                }
            }
            _ => {}
        }
    }

    fn walk_binary(&self, e: Id) -> (bool, bool, bool, u8) {
        let Node::Binary { x, op, y, .. } = self.tree.node(e) else {
            return (false, false, false, 0);
        };
        let prec = op.precedence();
        let mut has6 = prec == 6;
        let mut has7 = prec == 7;
        let mut has8 = prec == 8;
        let mut max_problem = 0;
        if let Node::Binary { op: lop, .. } = self.tree.node(*x)
            && lop.precedence() >= prec
        {
            let (h6, h7, h8, mp) = self.walk_binary(*x);
            has6 |= h6;
            has7 |= h7;
            has8 |= h8;
            max_problem = max_problem.max(mp);
        }
        match self.tree.node(*y) {
            Node::Binary { op: rop, .. } if rop.precedence() > prec => {
                let (h6, h7, h8, mp) = self.walk_binary(*y);
                has6 |= h6;
                has7 |= h7;
                has8 |= h8;
                max_problem = max_problem.max(mp);
            }
            Node::Unary { op: uop, .. } => match (op, uop) {
                (Tok::Quo, Tok::Mul) => max_problem = 8,
                (Tok::Add, Tok::Add) | (Tok::Sub, Tok::Sub) => max_problem = max_problem.max(6),
                _ => {}
            },
            _ => {}
        }
        (has6, has7, has8, max_problem)
    }

    fn cutoff(&self, e: Id, depth: i32) -> u8 {
        let (has6, has7, has8, max_problem) = self.walk_binary(e);
        if max_problem > 0 {
            return max_problem + 1;
        }
        if (has6 || has7) && has8 {
            if depth == 1 {
                return 8;
            }
            if has7 {
                return 7;
            }
            return 6;
        }
        if has6 && has7 {
            if depth == 1 {
                return 7;
            }
            return 6;
        }
        if depth == 1 { 8 } else { 6 }
    }

    fn diff_prec(&self, expr: Id, prec: u8) -> i32 {
        match self.tree.node(expr) {
            Node::Binary { op, .. } if op.precedence() == prec => 0,
            _ => 1,
        }
    }

    fn binary_expr(&mut self, x: Id, prec1: u8, cutoff: u8, depth: i32) {
        let Node::Binary {
            x: lhs,
            op_pos,
            op,
            y,
        } = *self.tree.node(x)
        else {
            return;
        };
        let prec = op.precedence();
        if prec < prec1 {
            // Only for trees not made by the parser, which puts parentheses in nodes.
            self.print(&[Arg::Tok(Tok::Lparen), Arg::Ws(NOOVERRIDE)]);
            let cutoff = self.cutoff(x, reduce_depth(depth));
            self.binary_expr(x, LOWEST_PREC, cutoff, reduce_depth(depth));
            self.print(&[Arg::Tok(Tok::Rparen)]);
            return;
        }
        let mut print_blank = prec < cutoff;
        let d = depth + self.diff_prec(lhs, prec);
        self.expr1(lhs, prec, d);
        self.ws(NOOVERRIDE);
        if print_blank {
            self.ws(BLANK);
        }
        self.print(&[Arg::Pos(op_pos), Arg::Tok(op)]);
        if self.tree.pos(y).is_newline() {
            self.ws(FORMFEED);
            print_blank = false;
        } else {
            self.ws(NOOVERRIDE);
        }
        if print_blank {
            self.ws(BLANK);
        }
        self.expr1(y, prec + 1, depth + 1);
    }

    fn possible_selector_expr(&mut self, expr: Id, prec1: u8, depth: i32) -> bool {
        if matches!(self.tree.node(expr), Node::Selector { .. }) {
            return self.selector_expr(expr, depth);
        }
        self.expr1(expr, prec1, depth);
        false
    }

    /// Prints a selector; returns whether it spans lines.
    fn selector_expr(&mut self, x: Id, depth: i32) -> bool {
        let Node::Selector { x: operand, sel } = *self.tree.node(x) else {
            return false;
        };
        self.expr1(operand, HIGHEST_PREC, depth);
        self.print(&[Arg::Tok(Tok::Period)]);
        if self.tree.pos(sel).is_newline() {
            self.print(&[Arg::Ws(INDENT), Arg::Ws(FORMFEED)]);
            self.expr(sel);
            self.ws(UNINDENT);
            return true;
        }
        self.ws(NOBLANK);
        self.expr(sel);
        false
    }
}

fn reduce_depth(depth: i32) -> i32 {
    (depth - 1).max(1)
}

/// Whether two tokens need a blank between them: (before the next token, after it).
fn may_combine(prev: LastTok, next: Tok, no_blank_at_start: bool) -> (bool, bool) {
    let s = next.as_str().as_bytes();
    if let Some(&c) = s.first() {
        // Keywords need blanks around them; like the reference, a keyword starting with
        // 'z' would not (there is none).
        if (b'a'..=b'y').contains(&c) {
            if no_blank_at_start && prev == LastTok::Illegal {
                return (false, true);
            }
            return (true, true);
        }
    }
    let first = s.first().copied().unwrap_or(0);
    let before = match prev {
        LastTok::Tok(Tok::Int) => next == Tok::Period,
        LastTok::Tok(Tok::Add) => first == b'+',
        LastTok::Tok(Tok::Sub) => first == b'-',
        LastTok::Tok(Tok::Quo) => first == b'*',
        _ => false,
    };
    (before, false)
}

pub(crate) fn normalize_int(data: &str) -> String {
    let mut data = data.to_owned();
    let b = data.as_bytes();
    if b.len() > 1 && b[0] == b'0' && b[1].is_ascii_digit() {
        data = format!("0o{}", &data[1..]);
    }
    if let Some(p) = data.find('.')
        && data.as_bytes().get(p + 1).is_some_and(|c| *c > b'9')
    {
        data.insert(p + 1, '0');
    }
    if let Some(p) = data.find('E')
        && p < data.len() - 1
    {
        data = data.to_lowercase();
    }
    data
}

pub(crate) fn normalize_float(data: &str) -> String {
    let mut data = data.to_owned();
    if let Some(p) = data.find('.') {
        if p == 0 {
            data.insert(0, '0');
        } else if p == data.len() - 1 {
            data.push('0');
        } else if data.as_bytes()[p + 1] > b'9' {
            data.insert(p + 1, '0');
        }
    }
    if data.contains('E') {
        data = data.to_lowercase();
    }
    data
}

/// Re-indents the lines of a multi-line string to `n` tabs (the closing quote's indentation
/// is not part of the value, so the value does not change).
fn indent_tabs(s: &str, n: usize) -> Cow<'_, str> {
    let Some(ws) = multiline_indent(s) else {
        return Cow::Borrowed(s);
    };
    let indent = "\t".repeat(n);
    if ws == indent {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.replace(&format!("\n{ws}"), &format!("\n{indent}")))
}

/// The indentation before the closing quote of a complete multi-line string literal, or
/// `None` if `s` is not one.
pub(crate) fn multiline_indent(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let hashes = b.iter().take_while(|c| **c == b'#').count();
    let q = *b.get(hashes)?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let rest = &b[hashes..];
    if !(rest.len() > 3 && rest[1] == q && rest[2] == q) {
        return None;
    }
    let n_start = match rest[3] {
        b'\n' => hashes + 3 + 1,
        b'\r' if rest.get(4) == Some(&b'\n') => hashes + 4 + 1,
        _ => return None,
    };
    let quote = &b[..hashes + 3];
    // The literal must end with the mirrored quote.
    if b.len() < quote.len() {
        return None;
    }
    for (i, c) in quote.iter().enumerate() {
        if b[b.len() - 1 - i] != *c {
            return None;
        }
    }
    let end = b.len() - quote.len();
    let mut i = end;
    while i > 0 {
        let c = s[..i].chars().next_back()?;
        if c == '\n' || !c.is_whitespace() {
            break;
        }
        i -= c.len_utf8();
    }
    let ws = &s[i..end];
    if s.len() > n_start && b[n_start] != b'\n' && !s[n_start..].starts_with(ws) {
        return None;
    }
    Some(ws)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(normalize_float(".5"), "0.5");
        assert_eq!(normalize_float("1."), "1.0");
        assert_eq!(normalize_float("1.e5"), "1.0e5");
        assert_eq!(normalize_float("1E5"), "1e5");
        assert_eq!(normalize_int("0x1F"), "0x1F");
        assert_eq!(normalize_int("0xEF"), "0xef");
        assert_eq!(normalize_int("1.Ki"), "1.0Ki");
        assert_eq!(normalize_int("12"), "12");
    }

    #[test]
    fn multiline_reindent() {
        assert_eq!(
            indent_tabs("\"\"\"\n  a\n  \"\"\"", 1),
            "\"\"\"\n\ta\n\t\"\"\""
        );
        assert_eq!(indent_tabs("\"x\"", 1), "\"x\"");
    }
}
