//! The formatter's syntax tree: one node per construct, token positions with their relative
//! placement, and comment groups attached to nodes the way the reference parser attaches
//! them. Nodes live in an arena and refer to each other by index, so that building, walking
//! and dropping a deep tree never recurses through `Box`es.

use super::scanner::{Pos, Tok};

pub(crate) type Id = u32;
pub(crate) type CgId = u32;

/// `~X` or `~(K,V)` after a label.
#[derive(Clone, Debug)]
pub(crate) struct PostfixAlias {
    pub tilde: Pos,
    pub lparen: Pos,
    pub label: Option<Id>,
    pub comma: Pos,
    pub field: Id,
    pub rparen: Pos,
}

#[derive(Clone, Debug)]
pub(crate) enum Node {
    File {
        decls: Vec<Id>,
    },
    Package {
        pos: Pos,
        name: Id,
    },
    ImportDecl {
        import: Pos,
        lparen: Pos,
        specs: Vec<Id>,
        rparen: Pos,
    },
    ImportSpec {
        name: Option<Id>,
        path: Id,
    },
    Field {
        label: Id,
        alias: Option<PostfixAlias>,
        /// `?` or `!` after the label.
        constraint: Option<Tok>,
        token_pos: Pos,
        value: Id,
        attrs: Vec<Id>,
    },
    /// `X=expr` (in labels and expressions) or an old-style `X = expr` declaration.
    Alias {
        ident: Id,
        equal: Pos,
        expr: Id,
    },
    Let {
        let_pos: Pos,
        ident: Id,
        equal: Pos,
        expr: Id,
    },
    Embed {
        expr: Id,
    },
    Attribute {
        at: Pos,
        text: String,
    },
    Ellipsis {
        pos: Pos,
        ty: Option<Id>,
    },
    Comprehension {
        clauses: Vec<Id>,
        value: Id,
        fallback: Option<Id>,
    },
    For {
        for_pos: Pos,
        key: Option<Id>,
        colon: Pos,
        value: Id,
        in_pos: Pos,
        source: Id,
    },
    If {
        if_pos: Pos,
        cond: Id,
    },
    Try {
        try_pos: Pos,
        ident: Option<Id>,
        equal: Pos,
        expr: Option<Id>,
    },
    /// `else {…}`, `otherwise {…}` or `fallback {…}` after a comprehension.
    Fallback {
        pos: Pos,
        keyword: Tok,
        body: Id,
    },
    Ident {
        pos: Pos,
        name: String,
    },
    BasicLit {
        pos: Pos,
        kind: Tok,
        value: String,
    },
    Bottom {
        pos: Pos,
    },
    Interpolation {
        elts: Vec<Id>,
    },
    Struct {
        lbrace: Pos,
        elts: Vec<Id>,
        rbrace: Pos,
    },
    List {
        lbrack: Pos,
        elts: Vec<Id>,
        rbrack: Pos,
        /// Some elements are separated by a line break only (newer CUE syntax).
        omits_commas: bool,
    },
    Paren {
        lparen: Pos,
        x: Id,
        rparen: Pos,
    },
    Selector {
        x: Id,
        sel: Id,
    },
    Index {
        x: Id,
        lbrack: Pos,
        index: Id,
        rbrack: Pos,
    },
    Slice {
        x: Id,
        lbrack: Pos,
        low: Option<Id>,
        high: Option<Id>,
        rbrack: Pos,
    },
    Call {
        fun: Id,
        lparen: Pos,
        args: Vec<Id>,
        rparen: Pos,
    },
    Unary {
        op_pos: Pos,
        op: Tok,
        x: Id,
    },
    Binary {
        x: Id,
        op_pos: Pos,
        op: Tok,
        y: Id,
    },
    Postfix {
        x: Id,
        op_pos: Pos,
        op: Tok,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Comment {
    pub slash: Pos,
    pub text: String,
}

#[derive(Clone, Debug)]
pub(crate) struct CommentGroup {
    /// A lead comment: on the lines right before a token.
    pub doc: bool,
    /// On the same line as the end of the previous token.
    pub line: bool,
    /// Where in its node the group sits: 0 before the first token, 1 before the second…
    pub position: i8,
    pub list: Vec<Comment>,
}

impl CommentGroup {
    pub fn pos(&self) -> Pos {
        self.list.first().map_or(Pos::NONE, |c| c.slash)
    }
}

pub(crate) struct NodeData {
    pub node: Node,
    pub comments: Vec<CgId>,
}

#[derive(Default)]
pub(crate) struct Tree {
    pub nodes: Vec<NodeData>,
    pub groups: Vec<CommentGroup>,
}

impl Tree {
    pub fn add(&mut self, node: Node) -> Id {
        self.nodes.push(NodeData {
            node,
            comments: Vec::new(),
        });
        (self.nodes.len() - 1) as Id
    }

    pub fn node(&self, id: Id) -> &Node {
        &self.nodes[id as usize].node
    }

    pub fn node_mut(&mut self, id: Id) -> &mut Node {
        &mut self.nodes[id as usize].node
    }

    pub fn comments(&self, id: Id) -> &[CgId] {
        &self.nodes[id as usize].comments
    }

    pub fn group(&self, cg: CgId) -> &CommentGroup {
        &self.groups[cg as usize]
    }

    /// Attaches a group, keeping the node's groups ordered by position.
    pub fn add_comment(&mut self, id: Id, cg: CgId) {
        let position = self.groups[cg as usize].position;
        let groups = &self.nodes[id as usize].comments;
        let mut at = groups.len();
        while at > 0 && self.groups[groups[at - 1] as usize].position > position {
            at -= 1;
        }
        self.nodes[id as usize].comments.insert(at, cg);
    }

    pub fn set_comments(&mut self, id: Id, cgs: Vec<CgId>) {
        self.nodes[id as usize].comments = cgs;
    }

    /// Position of the node's first token (like `ast.Node.Pos`).
    pub fn pos(&self, id: Id) -> Pos {
        let mut id = id;
        // Walks down the left spine; bounded by the tree's depth.
        loop {
            match self.node(id) {
                Node::File { decls } => match decls.first() {
                    Some(d) => id = *d,
                    None => return Pos::NONE,
                },
                Node::Package { pos, .. } => return *pos,
                Node::ImportDecl { import, .. } => return *import,
                Node::ImportSpec { name, path } => id = name.unwrap_or(*path),
                Node::Field { label, .. } => id = *label,
                Node::Alias { ident, .. } => id = *ident,
                Node::Let { let_pos, .. } => return *let_pos,
                Node::Embed { expr } => id = *expr,
                Node::Attribute { at, .. } => return *at,
                Node::Ellipsis { pos, .. } => return *pos,
                Node::Comprehension { clauses, .. } => match clauses.first() {
                    Some(c) => id = *c,
                    None => return Pos::NONE,
                },
                Node::For { for_pos, .. } => return *for_pos,
                Node::If { if_pos, .. } => return *if_pos,
                Node::Try { try_pos, .. } => return *try_pos,
                Node::Fallback { pos, .. } => return *pos,
                Node::Ident { pos, .. } | Node::BasicLit { pos, .. } | Node::Bottom { pos } => {
                    return *pos;
                }
                Node::Interpolation { elts } => match elts.first() {
                    Some(e) => id = *e,
                    None => return Pos::NONE,
                },
                Node::Struct { lbrace, elts, .. } => {
                    if !lbrace.is_valid() && !elts.is_empty() {
                        id = elts[0];
                    } else {
                        return *lbrace;
                    }
                }
                Node::List { lbrack, .. } => return *lbrack,
                Node::Paren { lparen, .. } => return *lparen,
                Node::Selector { x, .. }
                | Node::Index { x, .. }
                | Node::Slice { x, .. }
                | Node::Binary { x, .. }
                | Node::Postfix { x, .. } => id = *x,
                Node::Call { fun, .. } => id = *fun,
                Node::Unary { op_pos, .. } => return *op_pos,
            }
        }
    }

    /// Byte offset just after the node (like `ast.Node.End`); only its line is used. With
    /// `implied_struct_end` false, braceless structs end where their last element starts
    /// (CUE v0.4).
    pub fn end_offset(&self, id: Id, implied_struct_end: bool) -> Option<u32> {
        let mut id = id;
        loop {
            match self.node(id) {
                Node::File { decls } => id = *decls.last()?,
                Node::Package { name, .. } => id = *name,
                Node::ImportDecl { rparen, specs, .. } => {
                    if rparen.is_valid() {
                        return Some(rparen.offset + 1);
                    }
                    id = *specs.last()?;
                }
                Node::ImportSpec { path, .. } => id = *path,
                Node::Field { value, attrs, .. } => id = *attrs.last().unwrap_or(value),
                Node::Alias { expr, .. } | Node::Let { expr, .. } | Node::Embed { expr } => {
                    id = *expr
                }
                Node::Attribute { at, text } => return Some(at.offset + text.len() as u32),
                Node::Ellipsis { pos, ty } => match ty {
                    Some(t) => id = *t,
                    None => return Some(pos.offset + 3),
                },
                Node::Comprehension {
                    value, fallback, ..
                } => id = fallback.unwrap_or(*value),
                Node::For { source, .. } => id = *source,
                Node::If { cond, .. } => id = *cond,
                Node::Try { expr, try_pos, .. } => match expr {
                    Some(e) => id = *e,
                    None => return Some(try_pos.offset + 3),
                },
                Node::Fallback { body, .. } => id = *body,
                Node::Ident { pos, name } => return Some(pos.offset + name.len() as u32),
                Node::BasicLit { pos, value, .. } => return Some(pos.offset + value.len() as u32),
                Node::Bottom { pos } => return Some(pos.offset + 1),
                Node::Interpolation { elts } => return Some(self.pos(*elts.last()?).offset),
                Node::Struct { rbrace, elts, .. } => {
                    if !rbrace.is_valid() && !elts.is_empty() {
                        if implied_struct_end {
                            id = *elts.last()?;
                            continue;
                        }
                        return Some(self.pos(*elts.last()?).offset);
                    }
                    return Some(rbrace.offset + 1);
                }
                Node::List { rbrack, .. } => return Some(rbrack.offset + 1),
                Node::Paren { rparen, .. } => return Some(rparen.offset + 1),
                Node::Selector { sel, .. } => id = *sel,
                Node::Index { rbrack, .. } | Node::Slice { rbrack, .. } => {
                    return Some(rbrack.offset + 1);
                }
                Node::Call { rparen, .. } => return Some(rparen.offset + 1),
                Node::Unary { x, .. } => id = *x,
                Node::Binary { y, .. } => id = *y,
                Node::Postfix { op_pos, op, .. } => {
                    return Some(op_pos.offset + op.as_str().len() as u32);
                }
            }
        }
    }

    pub fn is_label(&self, id: Id) -> bool {
        matches!(
            self.node(id),
            Node::Ident { .. }
                | Node::BasicLit { .. }
                | Node::Paren { .. }
                | Node::Interpolation { .. }
                | Node::List { .. }
                | Node::Alias { .. }
        )
    }

    pub fn ident_name(&self, id: Id) -> Option<&str> {
        match self.node(id) {
            Node::Ident { name, .. } => Some(name),
            _ => None,
        }
    }
}
