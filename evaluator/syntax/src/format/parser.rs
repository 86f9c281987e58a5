//! Builds the formatter's tree from the token stream.
//!
//! Which node a comment belongs to, and where inside that node it sits, decides where
//! `cue fmt` prints it. The reference parser decides this as a side effect of the order in
//! which its productions open and close nodes and consume tokens, so this parser follows
//! the same productions in the same order (reference: `cue/parser`, v0.4, extended with the
//! newer syntax our grammar accepts: required fields, postfix aliases, `try` and fallback
//! clauses, postfix expressions). It is only run on files our grammar accepted; where it
//! finds an error anyway it stops with that error rather than guess.
//!
//! Nesting is bounded by [`MAX_DEPTH`], so the recursive descent cannot exhaust the stack.

use std::collections::HashSet;

use super::node::{CgId, Comment, CommentGroup, Id, Node, PostfixAlias, Tree};
use super::scanner::{LOWEST_PREC, Pos, RelPos, Scanner, Tok};

/// The deepest nesting of nodes the formatter accepts.
pub(crate) const MAX_DEPTH: usize = 1000;

#[derive(Debug)]
pub(crate) enum ParseFailure {
    Syntax { offset: usize, message: String },
    TooDeep { offset: usize },
}

type PResult<T> = Result<T, ParseFailure>;

/// Tokens our grammar parsed as parts of newer syntax, by byte offset: the reference
/// scanner of v0.4 reads them as identifiers or as other tokens.
#[derive(Default)]
pub(crate) struct Hints {
    /// `try` keywords starting a `try` clause.
    pub try_keywords: HashSet<u32>,
    /// `else` / `otherwise` / `fallback` keywords of a fallback clause.
    pub fallback_keywords: HashSet<u32>,
    /// `...` and `?` operators of postfix expressions.
    pub postfix_ops: HashSet<u32>,
}

type StateId = usize;

/// A declaration, or a keyword that turned out to be a label.
enum DeclOrLabel {
    Decl(Id),
    Label(Id),
}

enum ClausesOrLabel {
    Clauses(Vec<Id>),
    Label(Id),
}

struct CommentState {
    parent: Option<StateId>,
    pos: i8,
    groups: Vec<CgId>,
    is_list: i32,
    last_child: Option<Id>,
    last_pos: i8,
}

pub(crate) struct Parser<'a> {
    scanner: Scanner<'a>,
    hints: &'a Hints,
    pub tree: Tree,
    states: Vec<CommentState>,
    comments: StateId,
    lead_comment: Option<CgId>,
    pos: Pos,
    tok: Tok,
    lit: String,
    depth: usize,
    /// For each list being parsed: whether a line break separates elements without comma.
    list_omits_commas: Vec<bool>,
}

impl<'a> Parser<'a> {
    pub fn new(src: &'a str, hints: &'a Hints) -> Parser<'a> {
        let mut p = Parser {
            scanner: Scanner::new(src, &hints.postfix_ops),
            hints,
            tree: Tree::default(),
            states: vec![CommentState {
                parent: None,
                pos: -1,
                groups: Vec::new(),
                is_list: 0,
                last_child: None,
                last_pos: 0,
            }],
            comments: 0,
            lead_comment: None,
            pos: Pos::NONE,
            tok: Tok::Illegal,
            lit: String::new(),
            depth: 0,
            list_omits_commas: Vec::new(),
        };
        p.next();
        p
    }

    // ------------------------------------------------------------------ errors

    fn error<T>(&self, message: impl Into<String>) -> PResult<T> {
        Err(ParseFailure::Syntax {
            offset: self.pos.offset as usize,
            message: message.into(),
        })
    }

    fn error_expected<T>(&self, what: &str) -> PResult<T> {
        if self.tok == Tok::Comma && self.lit == "\n" {
            return self.error(format!("expected {what}, found newline"));
        }
        let found = match self.tok {
            Tok::Ident | Tok::Int | Tok::Float | Tok::String | Tok::Interpolation => {
                format!("'{}' {}", self.tok, self.lit)
            }
            Tok::Eof => "end of file".to_owned(),
            _ => format!("'{}'", self.tok),
        };
        self.error(format!("expected {what}, found {found}"))
    }

    fn check_scan_errors(&self) -> PResult<()> {
        if let Some(e) = self.scanner.errors.first() {
            return Err(ParseFailure::Syntax {
                offset: e.offset,
                message: e.message.clone(),
            });
        }
        Ok(())
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseFailure::TooDeep {
                offset: self.pos.offset as usize,
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---------------------------------------------------------------- comments

    fn new_state(&mut self, parent: Option<StateId>, is_list: i32) -> StateId {
        self.states.push(CommentState {
            parent,
            pos: 0,
            groups: Vec::new(),
            is_list,
            last_child: None,
            last_pos: 0,
        });
        self.states.len() - 1
    }

    /// Opens the comment scope of a node about to be parsed; the pending lead comment
    /// becomes its doc comment.
    fn open_comments(&mut self) -> StateId {
        let cur = self.comments;
        let child = self.new_state(Some(cur), 0);
        if self.states[cur].is_list > 0 {
            if let Some(last) = self.states[cur].last_child {
                // Comments between list elements go to the element before them.
                let pending = std::mem::take(&mut self.states[cur].groups);
                let last_pos = self.states[cur].last_pos;
                let mut groups: Vec<CgId> = pending
                    .iter()
                    .copied()
                    .filter(|cg| self.tree.groups[*cg as usize].position == 0)
                    .collect();
                groups.extend_from_slice(self.tree.comments(last));
                for cg in pending {
                    if self.tree.groups[cg as usize].position != 0 {
                        self.tree.groups[cg as usize].position = last_pos;
                        groups.push(cg);
                    }
                }
                self.tree.set_comments(last, groups);
            } else {
                let pending = std::mem::take(&mut self.states[cur].groups);
                for cg in &pending {
                    self.tree.groups[*cg as usize].position = 0;
                }
                self.states[child].groups = pending;
            }
        }
        if let Some(lead) = self.lead_comment.take() {
            self.states[child].groups.push(lead);
        }
        self.comments = child;
        child
    }

    fn open_list(&mut self) {
        let cur = self.comments;
        if self.states[cur].is_list > 0 {
            self.states[cur].is_list += 1;
            return;
        }
        self.comments = self.new_state(Some(cur), 1);
    }

    fn add_group(&mut self, cg: CgId) {
        let cur = self.comments;
        self.tree.groups[cg as usize].position = self.states[cur].pos;
        self.states[cur].groups.push(cg);
    }

    fn close_list(&mut self) -> PResult<()> {
        let c = self.comments;
        if let Some(last) = self.states[c].last_child {
            let pending = std::mem::take(&mut self.states[c].groups);
            let last_pos = self.states[c].last_pos;
            for cg in pending {
                self.tree.groups[cg as usize].position = last_pos;
                self.tree.add_comment(last, cg);
            }
        }
        self.states[c].is_list -= 1;
        if self.states[c].is_list < 0 {
            return self.error("unmatched close list");
        }
        if self.states[c].is_list == 0 {
            let Some(parent) = self.states[c].parent else {
                return self.error("unmatched close list");
            };
            let pending = std::mem::take(&mut self.states[c].groups);
            self.states[parent].groups.extend(pending);
            self.states[parent].pos = self.states[parent].pos.wrapping_add(1);
            self.comments = parent;
        }
        Ok(())
    }

    fn close_node(&mut self, c: StateId, n: Id) -> PResult<Id> {
        self.close_node_opt(c, Some(n))?;
        Ok(n)
    }

    /// Closes a comment scope; with no node, its comments are dropped (as the reference
    /// parser does when a keyword turns out to be a label).
    fn close_node_opt(&mut self, c: StateId, n: Option<Id>) -> PResult<()> {
        if self.comments != c {
            return self.error("internal error: unmatched comments");
        }
        let parent = self.states[c].parent;
        if let Some(parent) = parent {
            self.comments = parent;
            self.states[parent].last_child = n;
            self.states[parent].last_pos = self.states[c].pos;
            self.states[parent].pos = self.states[parent].pos.wrapping_add(1);
        }
        let pending = std::mem::take(&mut self.states[c].groups);
        if let Some(n) = n {
            for cg in pending {
                self.tree.add_comment(n, cg);
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ tokens

    fn next0(&mut self) {
        let (pos, tok, lit) = self.scanner.scan();
        self.pos = pos;
        self.tok = tok;
        self.lit = lit;
        // Keywords of newer syntax, where our grammar found them.
        if self.tok == Tok::Ident {
            let off = self.pos.offset;
            match self.lit.as_str() {
                "try" if self.hints.try_keywords.contains(&off) => self.tok = Tok::Try,
                "else" if self.hints.fallback_keywords.contains(&off) => self.tok = Tok::Else,
                "otherwise" if self.hints.fallback_keywords.contains(&off) => {
                    self.tok = Tok::Otherwise
                }
                "fallback" if self.hints.fallback_keywords.contains(&off) => {
                    self.tok = Tok::Fallback
                }
                _ => {}
            }
        }
    }

    fn line(&self, pos: Pos) -> i64 {
        i64::from(pos.line)
    }

    fn consume_comment(&mut self) -> (Comment, i64) {
        let endline = self.line(self.pos);
        let comment = Comment {
            slash: self.pos,
            text: std::mem::take(&mut self.lit),
        };
        self.next0();
        (comment, endline)
    }

    fn consume_comment_group(&mut self, prev_line: i64, n: i64) -> (CgId, i64) {
        let mut list = Vec::new();
        let mut endline = self.line(self.pos);
        let rel = match endline - prev_line {
            0 => RelPos::Blank,
            1 => RelPos::Newline,
            _ => RelPos::NewSection,
        };
        while self.tok == Tok::Comment && self.line(self.pos) <= endline + n {
            let (comment, end) = self.consume_comment();
            endline = end;
            list.push(comment);
        }
        if let Some(first) = list.first_mut() {
            first.slash = first.slash.with_rel(rel);
        }
        self.tree.groups.push(CommentGroup {
            doc: false,
            line: false,
            position: 0,
            list,
        });
        ((self.tree.groups.len() - 1) as CgId, endline)
    }

    /// Advances to the next non-comment token, collecting the comments in between.
    fn next(&mut self) {
        if let Some(lead) = self.lead_comment.take() {
            self.add_group(lead);
        }
        let prev = self.pos;
        self.next0();
        let cur = self.comments;
        self.states[cur].pos = self.states[cur].pos.wrapping_add(1);

        if self.tok == Tok::Comment {
            let mut comment: Option<CgId> = None;
            let mut current_line = self.line(self.pos);
            let mut prev_line = if prev.is_valid() { self.line(prev) } else { 0 };
            if prev_line == current_line {
                let (cg, endline) = self.consume_comment_group(prev_line, 0);
                if self.line(self.pos) != endline {
                    self.tree.groups[cg as usize].line = true;
                }
                comment = Some(cg);
            }
            let mut endline = -1;
            while self.tok == Tok::Comment {
                if let Some(cg) = comment {
                    self.add_group(cg);
                }
                let (cg, end) = self.consume_comment_group(prev_line, 1);
                comment = Some(cg);
                endline = end;
                prev_line = current_line;
                current_line = self.line(self.pos);
            }
            if let Some(cg) = comment {
                if endline + 1 == self.line(self.pos) && self.tok != Tok::Eof {
                    self.tree.groups[cg as usize].doc = true;
                    self.lead_comment = Some(cg);
                } else {
                    self.add_group(cg);
                }
            }
        }
    }

    fn expect(&mut self, tok: Tok) -> PResult<Pos> {
        let pos = self.pos;
        if self.tok != tok {
            return self.error_expected(&format!("'{tok}'"));
        }
        self.next();
        Ok(pos)
    }

    fn expect_closing(&mut self, tok: Tok, context: &str) -> PResult<Pos> {
        if self.tok != tok && self.tok == Tok::Comma && self.lit == "\n" {
            return self.error(format!("missing ',' before newline in {context}"));
        }
        self.expect(tok)
    }

    fn expect_comma(&mut self) -> PResult<()> {
        if self.tok != Tok::Rparen && self.tok != Tok::Rbrace && self.tok != Tok::Eof {
            if self.tok == Tok::Comma {
                self.next();
            } else {
                return self.error_expected("','");
            }
        }
        Ok(())
    }

    fn at_comma(&self, context: &str, follow: &[Tok]) -> PResult<bool> {
        if self.tok == Tok::Comma {
            return Ok(true);
        }
        if follow.contains(&self.tok) {
            return Ok(false);
        }
        if self.lit == "\n" {
            return self.error("missing ',' before newline");
        }
        self.error(format!("missing ',' in {context}"))
    }

    fn consume_decl_comma(&mut self) -> PResult<()> {
        if self.at_comma("struct literal", &[Tok::Rbrace, Tok::Eof])? {
            self.next();
        }
        Ok(())
    }

    // ------------------------------------------------------------- identifiers

    fn parse_ident(&mut self) -> PResult<Id> {
        let c = self.open_comments();
        let pos = self.pos;
        if self.tok != Tok::Ident {
            return self.error_expected("identifier");
        }
        let name = std::mem::take(&mut self.lit);
        self.next();
        let id = self.tree.add(Node::Ident { pos, name });
        self.close_node(c, id)
    }

    fn parse_key_ident(&mut self) -> PResult<Id> {
        let c = self.open_comments();
        let pos = self.pos;
        let name = self.tok.as_str().to_owned();
        self.next();
        let id = self.tree.add(Node::Ident { pos, name });
        self.close_node(c, id)
    }

    // ------------------------------------------------------------- expressions

    fn parse_operand(&mut self) -> PResult<Id> {
        match self.tok {
            Tok::Ident => self.parse_ident(),
            Tok::Lbrace => self.parse_struct(),
            Tok::Lbrack => self.parse_list(),
            Tok::Bottom => {
                let c = self.open_comments();
                let x = self.tree.add(Node::Bottom { pos: self.pos });
                self.next();
                self.close_node(c, x)
            }
            Tok::Null | Tok::True | Tok::False | Tok::Int | Tok::Float | Tok::String => {
                let c = self.open_comments();
                let value = if self.tok.is_keyword() {
                    self.tok.as_str().to_owned()
                } else {
                    std::mem::take(&mut self.lit)
                };
                let x = self.tree.add(Node::BasicLit {
                    pos: self.pos,
                    kind: self.tok,
                    value,
                });
                self.next();
                self.close_node(c, x)
            }
            Tok::Interpolation => self.parse_interpolation(),
            Tok::Lparen => {
                let c = self.open_comments();
                let lparen = self.pos;
                self.next();
                self.open_list();
                let x = self.parse_rhs()?;
                self.close_list()?;
                let rparen = self.expect(Tok::Rparen)?;
                let id = self.tree.add(Node::Paren { lparen, x, rparen });
                self.close_node(c, id)
            }
            t if t.is_keyword()
                || matches!(t, Tok::Try | Tok::Else | Tok::Otherwise | Tok::Fallback) =>
            {
                self.parse_key_ident()
            }
            _ => self.error_expected("operand"),
        }
    }

    fn parse_index_or_slice(&mut self, x: Id) -> PResult<Id> {
        let c = self.open_comments();
        self.states[c].pos = 1;
        let lbrack = self.expect(Tok::Lbrack)?;
        let mut index: [Option<Id>; 2] = [None, None];
        let mut n_colons = 0;
        if self.tok != Tok::Colon {
            index[0] = Some(self.parse_rhs()?);
        }
        while self.tok == Tok::Colon && n_colons < 1 {
            n_colons += 1;
            self.next();
            if self.tok != Tok::Colon && self.tok != Tok::Rbrack && self.tok != Tok::Eof {
                index[n_colons] = Some(self.parse_rhs()?);
            }
        }
        if n_colons == 0 && self.tok == Tok::Comma {
            // `x[i,]`, which our grammar accepts.
            self.next();
        }
        let rbrack = self.expect(Tok::Rbrack)?;
        let id = if n_colons > 0 {
            self.tree.add(Node::Slice {
                x,
                lbrack,
                low: index[0],
                high: index[1],
                rbrack,
            })
        } else {
            let Some(i) = index[0] else {
                return self.error("expected index expression");
            };
            self.tree.add(Node::Index {
                x,
                lbrack,
                index: i,
                rbrack,
            })
        };
        self.close_node(c, id)
    }

    fn parse_call(&mut self, fun: Id) -> PResult<Id> {
        let c = self.open_comments();
        self.open_list();
        let lparen = self.expect(Tok::Lparen)?;
        let mut args = Vec::new();
        while self.tok != Tok::Rparen && self.tok != Tok::Eof {
            args.push(self.parse_rhs()?);
            if !self.at_comma("argument list", &[Tok::Rparen])? {
                break;
            }
            self.next();
        }
        let rparen = self.expect_closing(Tok::Rparen, "argument list")?;
        let id = self.tree.add(Node::Call {
            fun,
            lparen,
            args,
            rparen,
        });
        self.close_list()?;
        self.close_node(c, id)
    }

    fn parse_field_list(&mut self) -> PResult<Vec<Id>> {
        self.open_list();
        let mut list = Vec::new();
        while self.tok != Tok::Rbrace && self.tok != Tok::Eof {
            match self.tok {
                Tok::Attribute => {
                    list.push(self.parse_attribute()?);
                    self.consume_decl_comma()?;
                }
                Tok::Ellipsis => {
                    let c = self.open_comments();
                    let pos = self.pos;
                    self.next();
                    let mut ty = None;
                    if !self.pos.is_newline()
                        && !matches!(self.tok, Tok::Comma | Tok::Rbrace | Tok::Eof)
                    {
                        ty = Some(self.parse_rhs()?);
                    }
                    let id = self.tree.add(Node::Ellipsis { pos, ty });
                    self.close_node(c, id)?;
                    list.push(id);
                    if self.tok == Tok::Comma {
                        self.next();
                    }
                }
                _ => list.push(self.parse_field()?),
            }
        }
        self.close_list()?;
        Ok(list)
    }

    /// A `let` declaration, or the identifier `let` used as a label.
    fn parse_let_decl(&mut self) -> PResult<DeclOrLabel> {
        let c = self.open_comments();
        let let_pos = self.expect(Tok::Let)?;
        if self.tok != Tok::Ident {
            self.close_node_opt(c, None)?;
            let ident = self.tree.add(Node::Ident {
                pos: let_pos,
                name: "let".to_owned(),
            });
            return Ok(DeclOrLabel::Label(ident));
        }
        let ident = self.parse_ident()?;
        let equal = self.expect(Tok::Bind)?;
        let expr = self.parse_rhs()?;
        self.consume_decl_comma()?;
        let id = self.tree.add(Node::Let {
            let_pos,
            ident,
            equal,
            expr,
        });
        self.close_node(c, id).map(DeclOrLabel::Decl)
    }

    /// A comprehension declaration, or `for` / `if` / `try` used as a label.
    fn parse_comprehension(&mut self) -> PResult<DeclOrLabel> {
        let c = self.open_comments();
        let clauses = match self.parse_comprehension_clauses(true)? {
            ClausesOrLabel::Label(ident) => {
                self.close_node_opt(c, None)?;
                return Ok(DeclOrLabel::Label(ident));
            }
            ClausesOrLabel::Clauses(clauses) => clauses,
        };
        let sc = self.open_comments();
        let value = self.parse_struct()?;
        self.close_node(sc, value)?;
        let fallback = self.parse_fallback()?;
        if self.at_comma("struct literal", &[Tok::Rbrace, Tok::Eof])? {
            self.next();
        }
        let id = self.tree.add(Node::Comprehension {
            clauses,
            value,
            fallback,
        });
        self.close_node(c, id).map(DeclOrLabel::Decl)
    }

    fn parse_fallback(&mut self) -> PResult<Option<Id>> {
        if !matches!(self.tok, Tok::Else | Tok::Otherwise | Tok::Fallback) {
            return Ok(None);
        }
        let c = self.open_comments();
        let pos = self.pos;
        let keyword = self.tok;
        self.next();
        let body = self.parse_struct()?;
        let id = self.tree.add(Node::Fallback { pos, keyword, body });
        self.close_node(c, id).map(Some)
    }

    fn parse_field(&mut self) -> PResult<Id> {
        self.enter()?;
        let c = self.open_comments();
        let decl = self.parse_field_inner()?;
        self.leave();
        self.close_node(c, decl)
    }

    fn parse_field_inner(&mut self) -> PResult<Id> {
        let tok = self.tok;
        let (label, expr, decl, ok) = self.parse_label(false)?;
        if let Some(decl) = decl {
            return Ok(decl);
        }
        if !ok {
            let expr = match expr {
                Some(e) => e,
                None => self.parse_rhs()?,
            };
            if matches!(self.tree.node(expr), Node::Alias { .. }) {
                self.consume_decl_comma()?;
                return Ok(self.alias_to_let(expr));
            }
            let e = self.tree.add(Node::Embed { expr });
            self.consume_decl_comma()?;
            return Ok(e);
        }
        let Some(label) = label else {
            return self.error_expected("label");
        };
        let alias = self.parse_postfix_alias()?;
        let mut constraint = None;
        if matches!(self.tok, Tok::Option | Tok::Not) {
            constraint = Some(self.tok);
            self.next();
        }
        match self.tok {
            Tok::Colon => {}
            Tok::Comma | Tok::Rbrace | Tok::Eof if alias.is_none() && constraint.is_none() => {
                if self.tok == Tok::Comma {
                    self.expect_comma()?;
                }
                let Some(expr) = expr else {
                    return self.error_expected("label or ':'");
                };
                if matches!(self.tree.node(expr), Node::Alias { .. }) {
                    return Ok(self.alias_to_let(expr));
                }
                if matches!(
                    tok,
                    Tok::Ident
                        | Tok::Lbrack
                        | Tok::Lparen
                        | Tok::String
                        | Tok::Interpolation
                        | Tok::Null
                        | Tok::True
                        | Tok::False
                        | Tok::For
                        | Tok::If
                        | Tok::Let
                        | Tok::In
                ) {
                    return Ok(self.tree.add(Node::Embed { expr }));
                }
                return self.error_expected("label or ':'");
            }
            _ => return self.error_expected("label or ':'"),
        }
        let token_pos = self.pos;
        self.next();

        let this = self.tree.add(Node::Field {
            label,
            alias,
            constraint,
            token_pos,
            value: u32::MAX,
            attrs: Vec::new(),
        });
        let mut m = this;
        let mut nested = 0usize;
        loop {
            let (label, expr, _, ok) = self.parse_label(true)?;
            if !ok || !matches!(self.tok, Tok::Colon | Tok::Option | Tok::Not | Tok::Tilde) {
                let expr = match expr {
                    Some(e) => e,
                    None => self.parse_rhs()?,
                };
                self.set_field_value(m, expr);
                break;
            }
            let Some(label) = label else {
                return self.error_expected("label");
            };
            nested += 1;
            if nested > MAX_DEPTH {
                return Err(ParseFailure::TooDeep {
                    offset: self.pos.offset as usize,
                });
            }
            let field = self.tree.add(Node::Field {
                label,
                alias: None,
                constraint: None,
                token_pos: Pos::NONE,
                value: u32::MAX,
                attrs: Vec::new(),
            });
            let s = self.tree.add(Node::Struct {
                lbrace: Pos::NONE,
                elts: vec![field],
                rbrace: Pos::NONE,
            });
            self.set_field_value(m, s);
            m = field;
            let alias = self.parse_postfix_alias()?;
            let mut constraint = None;
            if matches!(self.tok, Tok::Option | Tok::Not) {
                constraint = Some(self.tok);
                self.next();
            }
            let token_pos = self.pos;
            if self.tok != Tok::Colon {
                return self.error_expected("':'");
            }
            self.next();
            if let Node::Field {
                alias: a,
                constraint: cst,
                token_pos: tp,
                ..
            } = self.tree.node_mut(m)
            {
                *a = alias;
                *cst = constraint;
                *tp = token_pos;
            }
        }
        let attrs = self.parse_attributes()?;
        if let Node::Field { attrs: a, .. } = self.tree.node_mut(m) {
            *a = attrs;
        }
        self.consume_decl_comma()?;
        Ok(this)
    }

    /// An old-style alias declaration `X = expr` is a `let` (what `cue fmt` prints).
    fn alias_to_let(&mut self, alias: Id) -> Id {
        let Node::Alias { ident, equal, expr } = *self.tree.node(alias) else {
            return alias;
        };
        let let_pos = self.tree.pos(ident);
        let id = self.tree.add(Node::Let {
            let_pos,
            ident,
            equal,
            expr,
        });
        let comments = self.tree.comments(alias).to_vec();
        self.tree.set_comments(id, comments);
        id
    }

    fn set_field_value(&mut self, field: Id, value: Id) {
        if let Node::Field { value: v, .. } = self.tree.node_mut(field) {
            *v = value;
        }
    }

    fn parse_postfix_alias(&mut self) -> PResult<Option<PostfixAlias>> {
        if self.tok != Tok::Tilde {
            return Ok(None);
        }
        let tilde = self.pos;
        self.next();
        if self.tok == Tok::Lparen {
            let lparen = self.pos;
            self.next();
            let k = self.parse_alias_name()?;
            if self.tok == Tok::Rparen {
                let rparen = self.pos;
                self.next();
                return Ok(Some(PostfixAlias {
                    tilde,
                    lparen,
                    label: None,
                    comma: Pos::NONE,
                    field: k,
                    rparen,
                }));
            }
            let comma = self.expect(Tok::Comma)?;
            let v = self.parse_alias_name()?;
            let rparen = self.expect(Tok::Rparen)?;
            return Ok(Some(PostfixAlias {
                tilde,
                lparen,
                label: Some(k),
                comma,
                field: v,
                rparen,
            }));
        }
        let field = self.parse_alias_name()?;
        Ok(Some(PostfixAlias {
            tilde,
            lparen: Pos::NONE,
            label: None,
            comma: Pos::NONE,
            field,
            rparen: Pos::NONE,
        }))
    }

    fn parse_alias_name(&mut self) -> PResult<Id> {
        if self.tok == Tok::Ident {
            self.parse_ident()
        } else {
            self.error_expected("identifier for alias")
        }
    }

    fn parse_attributes(&mut self) -> PResult<Vec<Id>> {
        self.open_list();
        let mut attrs = Vec::new();
        while self.tok == Tok::Attribute {
            attrs.push(self.parse_attribute()?);
        }
        self.close_list()?;
        Ok(attrs)
    }

    fn parse_attribute(&mut self) -> PResult<Id> {
        let c = self.open_comments();
        let a = self.tree.add(Node::Attribute {
            at: self.pos,
            text: std::mem::take(&mut self.lit),
        });
        self.next();
        self.close_node(c, a)
    }

    /// Returns (label, expression, declaration, is-a-label).
    #[allow(clippy::type_complexity)]
    fn parse_label(&mut self, rhs: bool) -> PResult<(Option<Id>, Option<Id>, Option<Id>, bool)> {
        let mut expr = None;
        let mut label = None;
        let mut ok = false;
        match self.tok {
            Tok::For | Tok::If | Tok::Try => {
                if rhs {
                    expr = Some(self.parse_expr()?);
                } else {
                    match self.parse_comprehension()? {
                        DeclOrLabel::Decl(comp) => return Ok((None, None, Some(comp), false)),
                        DeclOrLabel::Label(ident) => expr = Some(ident),
                    }
                }
            }
            Tok::Let => match self.parse_let_decl()? {
                DeclOrLabel::Decl(decl) => return Ok((None, None, Some(decl), false)),
                DeclOrLabel::Label(ident) => expr = Some(ident),
            },
            Tok::Ident
            | Tok::String
            | Tok::Interpolation
            | Tok::Lparen
            | Tok::Null
            | Tok::True
            | Tok::False
            | Tok::In
            | Tok::Else
            | Tok::Otherwise
            | Tok::Fallback => {
                expr = Some(self.parse_expr()?);
            }
            Tok::Lbrack => {
                let x = self.parse_rhs()?;
                if matches!(self.tree.node(x), Node::List { .. }) {
                    label = Some(x);
                    ok = true;
                }
                expr = Some(x);
            }
            _ => {}
        }
        if let Some(x) = expr {
            match self.tree.node(x) {
                Node::BasicLit { kind, .. } => {
                    if matches!(kind, Tok::String | Tok::Null | Tok::True | Tok::False) {
                        label = Some(x);
                        ok = true;
                    }
                }
                Node::Ident { .. } => {
                    let e = self.parse_alias(x)?;
                    expr = Some(e);
                    if let Node::Alias { expr: inner, .. } = self.tree.node(e) {
                        if !self.tree.is_label(*inner) {
                            return Ok((None, expr, None, false));
                        }
                        label = Some(e);
                    } else {
                        label = Some(x);
                    }
                    ok = true;
                }
                _ if self.tree.is_label(x) => {
                    label = Some(x);
                    ok = true;
                }
                _ => {}
            }
        }
        Ok((label, expr, None, ok))
    }

    fn parse_struct(&mut self) -> PResult<Id> {
        self.enter()?;
        let lbrace = self.expect(Tok::Lbrace)?;
        let elts = if self.tok != Tok::Rbrace {
            self.parse_field_list()?
        } else {
            Vec::new()
        };
        let rbrace = self.expect_closing(Tok::Rbrace, "struct literal")?;
        self.leave();
        Ok(self.tree.add(Node::Struct {
            lbrace,
            elts,
            rbrace,
        }))
    }

    /// The clauses of a comprehension. With `first`, a keyword followed by what can only
    /// follow a label (`for: 1`) is that label instead.
    fn parse_comprehension_clauses(&mut self, first: bool) -> PResult<ClausesOrLabel> {
        let mut clauses = Vec::new();
        let mut first = first;
        loop {
            if first && matches!(self.tok, Tok::For | Tok::If | Tok::Try) {
                let c = self.open_comments();
                let pos = self.pos;
                let keyword = self.tok;
                self.next();
                if matches!(
                    self.tok,
                    Tok::Colon | Tok::Bind | Tok::Option | Tok::Comma | Tok::Eof
                ) || (keyword != Tok::If && self.tok == Tok::Not)
                {
                    let ident = self.tree.add(Node::Ident {
                        pos,
                        name: keyword.as_str().to_owned(),
                    });
                    self.close_node(c, ident)?;
                    return Ok(ClausesOrLabel::Label(ident));
                }
                let clause = self.parse_clause_rest(c, keyword, pos)?;
                clauses.push(clause);
            } else {
                match self.tok {
                    Tok::For | Tok::If | Tok::Try => {
                        let c = self.open_comments();
                        let pos = self.pos;
                        let keyword = self.tok;
                        self.next();
                        let clause = self.parse_clause_rest(c, keyword, pos)?;
                        clauses.push(clause);
                    }
                    Tok::Let if !clauses.is_empty() => {
                        let c = self.open_comments();
                        let let_pos = self.expect(Tok::Let)?;
                        let ident = self.parse_ident()?;
                        let equal = self.expect(Tok::Bind)?;
                        let expr = self.parse_rhs()?;
                        let id = self.tree.add(Node::Let {
                            let_pos,
                            ident,
                            equal,
                            expr,
                        });
                        clauses.push(self.close_node(c, id)?);
                    }
                    _ => {
                        if clauses.is_empty() {
                            return self.error_expected("comprehension clause");
                        }
                        return Ok(ClausesOrLabel::Clauses(clauses));
                    }
                }
            }
            if self.tok == Tok::Comma {
                self.next();
            }
            first = false;
        }
    }

    /// A `for`, `if` or `try` clause after its keyword.
    fn parse_clause_rest(&mut self, c: StateId, keyword: Tok, kw_pos: Pos) -> PResult<Id> {
        match keyword {
            Tok::For => {
                let for_pos = kw_pos;
                let mut key = None;
                let mut colon = Pos::NONE;
                let mut value = self.parse_ident()?;
                if self.tok == Tok::Comma {
                    colon = self.expect(Tok::Comma)?;
                    key = Some(value);
                    value = self.parse_ident()?;
                }
                self.states[c].pos = 4;
                let in_pos = self.expect(Tok::In)?;
                let source = self.parse_rhs()?;
                let id = self.tree.add(Node::For {
                    for_pos,
                    key,
                    colon,
                    value,
                    in_pos,
                    source,
                });
                self.close_node(c, id)
            }
            Tok::If => {
                let cond = self.parse_rhs()?;
                let id = self.tree.add(Node::If {
                    if_pos: kw_pos,
                    cond,
                });
                self.close_node(c, id)
            }
            _ => {
                let mut ident = None;
                let mut equal = Pos::NONE;
                let mut expr = None;
                if self.tok == Tok::Ident {
                    ident = Some(self.parse_ident()?);
                    equal = self.expect(Tok::Bind)?;
                    expr = Some(self.parse_rhs()?);
                }
                let id = self.tree.add(Node::Try {
                    try_pos: kw_pos,
                    ident,
                    equal,
                    expr,
                });
                self.close_node(c, id)
            }
        }
    }

    fn parse_list(&mut self) -> PResult<Id> {
        self.enter()?;
        let lbrack = self.expect(Tok::Lbrack)?;
        self.list_omits_commas.push(false);
        let mut elts = self.parse_list_elements()?;
        if self.tok == Tok::Ellipsis {
            let pos = self.pos;
            let ellipsis = self.tree.add(Node::Ellipsis { pos, ty: None });
            elts.push(ellipsis);
            self.next();
            if self.tok != Tok::Comma && self.tok != Tok::Rbrack && !self.pos.is_newline() {
                let ty = self.parse_rhs()?;
                if let Node::Ellipsis { ty: t, .. } = self.tree.node_mut(ellipsis) {
                    *t = Some(ty);
                }
            }
            if self.at_comma("list literal", &[Tok::Rbrack])? {
                self.next();
            }
        }
        let rbrack = self.expect_closing(Tok::Rbrack, "list literal")?;
        self.leave();
        let omits_commas = self.list_omits_commas.pop().unwrap_or(false);
        Ok(self.tree.add(Node::List {
            lbrack,
            elts,
            rbrack,
            omits_commas,
        }))
    }

    fn parse_list_elements(&mut self) -> PResult<Vec<Id>> {
        self.open_list();
        let mut list = Vec::new();
        while self.tok != Tok::Rbrack && self.tok != Tok::Ellipsis && self.tok != Tok::Eof {
            let (expr, ok) = self.parse_list_element()?;
            list.push(expr);
            if !ok {
                break;
            }
        }
        self.close_list()?;
        Ok(list)
    }

    fn parse_list_element(&mut self) -> PResult<(Id, bool)> {
        let c = self.open_comments();
        let (expr, ok) = self.parse_list_element_inner()?;
        self.close_node(c, expr)?;
        Ok((expr, ok))
    }

    fn parse_list_element_inner(&mut self) -> PResult<(Id, bool)> {
        let expr = match self.tok {
            Tok::For | Tok::If | Tok::Try => {
                let clauses = match self.parse_comprehension_clauses(true)? {
                    ClausesOrLabel::Clauses(clauses) => clauses,
                    ClausesOrLabel::Label(ident) => {
                        let expr = self.parse_binary_expr_tail(LOWEST_PREC + 1, ident)?;
                        let expr = self.parse_alias(expr)?;
                        return self.finish_list_element(expr);
                    }
                };
                let sc = self.open_comments();
                let value = self.parse_struct()?;
                self.close_node(sc, value)?;
                let fallback = self.parse_fallback()?;
                if self.at_comma("list literal", &[Tok::Rbrack])? {
                    self.next();
                }
                let id = self.tree.add(Node::Comprehension {
                    clauses,
                    value,
                    fallback,
                });
                return Ok((id, true));
            }
            _ => self.parse_unary_expr()?,
        };
        let expr = self.parse_binary_expr_tail(LOWEST_PREC + 1, expr)?;
        let expr = self.parse_alias(expr)?;
        self.finish_list_element(expr)
    }

    fn finish_list_element(&mut self, expr: Id) -> PResult<(Id, bool)> {
        if self.tok == Tok::Comma && self.lit != "," {
            self.next();
            if self.tok == Tok::Rbrack {
                return Ok((expr, false));
            }
            // Elements separated by line breaks only: CUE v0.4 rejects this, newer CUE
            // (and our grammar) accept it.
            if let Some(omits) = self.list_omits_commas.last_mut() {
                *omits = true;
            }
            return Ok((expr, true));
        } else if !self.at_comma("list literal", &[Tok::Rbrack, Tok::For, Tok::If, Tok::Try])? {
            return Ok((expr, false));
        }
        self.next();
        Ok((expr, true))
    }

    fn parse_alias(&mut self, lhs: Id) -> PResult<Id> {
        if self.tok != Tok::Bind {
            return Ok(lhs);
        }
        let equal = self.pos;
        self.next();
        let expr = self.parse_rhs()?;
        if matches!(self.tree.node(lhs), Node::Ident { .. }) {
            return Ok(self.tree.add(Node::Alias {
                ident: lhs,
                equal,
                expr,
            }));
        }
        self.error("expected identifier for alias")
    }

    fn parse_primary_expr(&mut self) -> PResult<Id> {
        let x = self.parse_operand()?;
        self.parse_primary_expr_tail(x)
    }

    fn parse_primary_expr_tail(&mut self, operand: Id) -> PResult<Id> {
        let mut x = operand;
        let mut chain = 0usize;
        loop {
            chain += 1;
            if chain > MAX_DEPTH {
                return Err(ParseFailure::TooDeep {
                    offset: self.pos.offset as usize,
                });
            }
            match self.tok {
                Tok::Period => {
                    let c = self.open_comments();
                    self.states[c].pos = 1;
                    self.next();
                    let sel = match self.tok {
                        Tok::Ident => self.parse_ident()?,
                        Tok::String
                            if self.lit.starts_with('"') && !self.lit.starts_with("\"\"") =>
                        {
                            let s = self.tree.add(Node::BasicLit {
                                pos: self.pos,
                                kind: Tok::String,
                                value: std::mem::take(&mut self.lit),
                            });
                            self.next();
                            s
                        }
                        t if t.is_keyword() => self.parse_key_ident()?,
                        _ => return self.error_expected("selector"),
                    };
                    x = self.tree.add(Node::Selector { x, sel });
                    self.close_node(c, x)?;
                }
                Tok::Lbrack => x = self.parse_index_or_slice(x)?,
                Tok::Lparen => x = self.parse_call(x)?,
                Tok::Ellipsis | Tok::Option
                    if self.hints.postfix_ops.contains(&self.pos.offset) =>
                {
                    let c = self.open_comments();
                    let op_pos = self.pos;
                    let op = self.tok;
                    self.next();
                    x = self.tree.add(Node::Postfix { x, op_pos, op });
                    self.close_node(c, x)?;
                }
                _ => return Ok(x),
            }
        }
    }

    fn parse_unary_expr(&mut self) -> PResult<Id> {
        match self.tok {
            Tok::Add
            | Tok::Sub
            | Tok::Not
            | Tok::Mul
            | Tok::Lss
            | Tok::Leq
            | Tok::Geq
            | Tok::Gtr
            | Tok::Neq
            | Tok::Mat
            | Tok::Nmat
            | Tok::Eql => {
                self.enter()?;
                let pos = self.pos;
                let op = self.tok;
                let c = self.open_comments();
                self.next();
                let x = self.parse_unary_expr()?;
                self.leave();
                let id = self.tree.add(Node::Unary { op_pos: pos, op, x });
                self.close_node(c, id)
            }
            _ => self.parse_primary_expr(),
        }
    }

    fn parse_binary_expr(&mut self, prec1: u8) -> PResult<Id> {
        self.open_list();
        let x = self.parse_unary_expr()?;
        let x = self.parse_binary_expr_tail(prec1, x)?;
        self.close_list()?;
        Ok(x)
    }

    fn parse_binary_expr_tail(&mut self, prec1: u8, x: Id) -> PResult<Id> {
        let mut x = x;
        let mut chain = 0usize;
        loop {
            let op = self.tok;
            let prec = op.precedence();
            if prec < prec1 || prec == 0 {
                return Ok(x);
            }
            chain += 1;
            if chain > MAX_DEPTH {
                return Err(ParseFailure::TooDeep {
                    offset: self.pos.offset as usize,
                });
            }
            let c = self.open_comments();
            self.states[c].pos = 1;
            let op_pos = self.expect(op)?;
            self.enter()?;
            let y = self.parse_binary_expr(prec + 1)?;
            self.leave();
            x = self.tree.add(Node::Binary { x, op_pos, op, y });
            self.close_node(c, x)?;
        }
    }

    fn parse_interpolation(&mut self) -> PResult<Id> {
        let c = self.open_comments();
        self.open_list();
        let mut cc = self.open_comments();
        let mut last = self.tree.add(Node::BasicLit {
            pos: self.pos,
            kind: Tok::String,
            value: std::mem::take(&mut self.lit),
        });
        self.next();
        let mut elts = vec![last];
        while self.tok == Tok::Lparen {
            self.states[c].pos = 1;
            self.expect(Tok::Lparen)?;
            self.close_node(cc, last)?;
            self.enter()?;
            elts.push(self.parse_rhs()?);
            self.leave();
            cc = self.open_comments();
            if self.tok != Tok::Rparen {
                return self.error("expected ')' for string interpolation");
            }
            let (_, lit) = self.scanner.resume_interpolation();
            let pos = self.pos;
            self.next();
            last = self.tree.add(Node::BasicLit {
                pos,
                kind: Tok::String,
                value: lit,
            });
            elts.push(last);
        }
        self.close_node(cc, last)?;
        let id = self.tree.add(Node::Interpolation { elts });
        self.close_list()?;
        self.close_node(c, id)
    }

    fn parse_expr(&mut self) -> PResult<Id> {
        self.enter()?;
        let c = self.open_comments();
        let x = self.parse_binary_expr(LOWEST_PREC + 1)?;
        self.leave();
        self.close_node(c, x)
    }

    fn parse_rhs(&mut self) -> PResult<Id> {
        self.parse_expr()
    }

    // ------------------------------------------------------------------- files

    fn parse_import_spec(&mut self) -> PResult<Id> {
        let c = self.open_comments();
        let mut name = None;
        if self.tok == Tok::Ident {
            name = Some(self.parse_ident()?);
        }
        let pos = self.pos;
        if self.tok != Tok::String {
            return self.error_expected("import path");
        }
        let value = std::mem::take(&mut self.lit);
        self.next();
        self.expect_comma()?;
        let path = self.tree.add(Node::BasicLit {
            pos,
            kind: Tok::String,
            value,
        });
        let spec = self.tree.add(Node::ImportSpec { name, path });
        self.close_node(c, spec)
    }

    fn parse_imports(&mut self) -> PResult<Id> {
        let c = self.open_comments();
        let ident = self.parse_ident()?;
        let import = self.tree.pos(ident);
        let mut lparen = Pos::NONE;
        let mut rparen = Pos::NONE;
        let mut specs = Vec::new();
        if self.tok == Tok::Lparen {
            lparen = self.pos;
            self.next();
            self.open_list();
            while self.tok != Tok::Rparen && self.tok != Tok::Eof {
                specs.push(self.parse_import_spec()?);
            }
            self.close_list()?;
            rparen = self.expect(Tok::Rparen)?;
            self.expect_comma()?;
        } else {
            specs.push(self.parse_import_spec()?);
        }
        let d = self.tree.add(Node::ImportDecl {
            import,
            lparen,
            specs,
            rparen,
        });
        self.close_node(c, d)
    }

    /// Parses the whole file; the result is the `File` node.
    pub fn parse_file(&mut self) -> PResult<Id> {
        let result = self.parse_file_inner();
        // A scanning error explains a parse failure better than the parser's view of it.
        self.check_scan_errors()?;
        result
    }

    fn parse_file_inner(&mut self) -> PResult<Id> {
        let root = self.comments;
        self.open_list();
        let mut decls = Vec::new();
        while self.tok == Tok::Attribute {
            decls.push(self.parse_attribute()?);
            self.consume_decl_comma()?;
        }
        if self.tok == Tok::Ident && self.lit == "package" {
            let c = self.open_comments();
            let pos = self.pos;
            self.expect(Tok::Ident)?;
            let name = self.parse_ident()?;
            let pkg = self.tree.add(Node::Package { pos, name });
            decls.push(pkg);
            self.expect_comma()?;
            self.close_node(c, pkg)?;
        }
        while self.tok == Tok::Attribute {
            decls.push(self.parse_attribute()?);
            self.consume_decl_comma()?;
        }
        while self.tok == Tok::Ident && self.lit == "import" {
            decls.push(self.parse_imports()?);
        }
        decls.extend(self.parse_field_list()?);
        self.expect(Tok::Eof)?;
        self.close_list()?;
        let f = self.tree.add(Node::File { decls });
        self.close_node(root, f)
    }
}
