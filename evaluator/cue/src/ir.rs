//! The compiled form of CUE programs: expressions with resolved references, in an arena.
//! [`crate::compile`] builds it from the typed AST; the evaluator interprets it. Every
//! expression keeps the source span it came from, so every error can point at source.

use std::rc::Rc;

use xdef_syntax::TextRange;

use crate::label::Feature;
use crate::number::Num;
use crate::value::{BoundOp, Kinds};

/// Index of a file in the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in a file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub range: TextRange,
}

impl Span {
    pub fn new(file: FileId, range: TextRange) -> Span {
        Span { file, range }
    }
}

/// Index of an expression in [`crate::Program`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExprId(pub u32);

/// Index of a package (a set of files evaluated into one root).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PkgId(pub u32);

pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

pub enum ExprKind {
    /// `_`
    Top,
    /// `_|_`
    Bottom,
    Null,
    Bool(bool),
    Num(Num),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    /// A predeclared type, possibly with bounds (`uint8` is `int & >=0 & <=255`).
    Type(Kinds, Vec<(BoundOp, Num)>),
    /// A unary bound `>=x`, `=~"re"`, `!=x`, `==x`.
    Bound(BoundOp, ExprId),
    Interpolation {
        parts: Vec<InterpolationPart>,
        bytes: bool,
    },
    Struct(Rc<StructLit>),
    List(Rc<ListLit>),
    Ref(Ref),
    Selector(ExprId, Feature),
    Index(ExprId, ExprId),
    Slice(ExprId, Option<ExprId>, Option<ExprId>),
    Call(ExprId, Vec<ExprId>),
    Unary(UnaryOp, ExprId),
    Binary(BinOp, ExprId, ExprId),
    /// `a & b & …`, flattened.
    Conjunction(Vec<ExprId>),
    /// `a | *b | …`, flattened; `bool` marks a default. `has_default` is true when any
    /// alternative is marked.
    Disjunction {
        alternatives: Vec<(ExprId, bool)>,
        has_default: bool,
    },
    /// A builtin function or validator of the universe or of a standard-library package.
    Builtin(crate::builtins::BuiltinId),
    /// An imported package (a reference to its root).
    Package(PkgId),
    /// `#A...`: a definition explicitly opened.
    Open(ExprId),
    /// An error found while compiling (an unresolved reference, …).
    Error(Rc<str>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Plus,
    Minus,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Match,
    NotMatch,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn token(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Equal => "==",
            BinOp::NotEqual => "!=",
            BinOp::Less => "<",
            BinOp::LessEqual => "<=",
            BinOp::Greater => ">",
            BinOp::GreaterEqual => ">=",
            BinOp::Match => "=~",
            BinOp::NotMatch => "!~",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

pub enum InterpolationPart {
    Lit(Rc<[u8]>),
    Expr(ExprId),
}

/// A resolved reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ref {
    /// The field (or `let`) `label` of the struct frame `up` frames out.
    Field { up: u32, label: Feature },
    /// Slot `slot` of the local frame `up` frames out (comprehension variables, pattern
    /// aliases).
    Local { up: u32, slot: u32 },
    /// The vertex of the struct frame `up` frames out (a value alias `a: X={...}`).
    Frame { up: u32 },
}

/// Whether a field is regular, optional `?` or required `!`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldKind {
    /// `a?: x` — a constraint only.
    Optional,
    /// `a!: x` — must be given a value.
    Required,
    /// `a: x`
    Regular,
}

/// A field attribute `@name(body)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    pub name: Rc<str>,
    pub body: Rc<str>,
}

pub struct FieldDecl {
    pub label: Feature,
    pub kind: FieldKind,
    pub value: ExprId,
    pub span: Span,
    pub label_span: Span,
    pub attributes: Vec<Attribute>,
    /// The doc comment above the field, without `//` (lines joined with `\n`).
    pub doc: Option<Rc<str>>,
}

pub enum Decl {
    Field(FieldDecl),
    /// `(expr): value` or `"\(x)": value`.
    Dynamic {
        key: ExprId,
        kind: FieldKind,
        value: ExprId,
        span: Span,
        doc: Option<Rc<str>>,
    },
    /// `[pattern]: value`; when `alias` is true, the value is compiled in a local frame
    /// holding the matched label (slot 0, `[X=p]`) and the matched field (slot 1, `V=[p]`).
    Pattern {
        pattern: ExprId,
        value: ExprId,
        alias: bool,
        span: Span,
    },
    /// `let X = expr`: an arc with a `Let` feature.
    Let {
        label: Feature,
        value: ExprId,
        span: Span,
    },
    Embed(ExprId),
    Comprehension(Rc<Comprehension>),
    /// `...` or `...T`
    Ellipsis(Option<ExprId>, Span),
}

pub struct StructLit {
    pub decls: Vec<Decl>,
    pub span: Span,
}

impl StructLit {
    /// A literal that only embeds values (besides lets, definitions and hidden fields) does
    /// not make its value a struct by itself: `{1}` and `{#d: 2, #d + 1}` are numbers.
    pub fn is_embedding_only(&self) -> bool {
        self.decls
            .iter()
            .any(|d| matches!(d, Decl::Embed(_) | Decl::Comprehension(_)))
            && self.decls.iter().all(|d| match d {
                Decl::Embed(_) | Decl::Let { .. } | Decl::Comprehension(_) => true,
                Decl::Field(f) => !f.label.is_data(),
                _ => false,
            })
    }
}

pub enum Clause {
    /// `for k, v in source`: pushes a local frame `[key, value]`.
    For { source: ExprId, span: Span },
    /// `if cond`
    If(ExprId),
    /// `let x = e`: pushes a local frame `[value]`.
    Let(ExprId),
}

pub struct Comprehension {
    pub clauses: Vec<Clause>,
    /// A struct literal, compiled inside the frames pushed by the clauses.
    pub body: ExprId,
    /// `else { … }`: a struct literal, compiled outside the clause frames.
    pub fallback: Option<ExprId>,
    pub span: Span,
}

pub enum ListElem {
    Expr(ExprId),
    Comprehension(Rc<Comprehension>),
}

pub struct ListLit {
    pub elems: Vec<ListElem>,
    /// `...` (None) or `...T` (Some) at the end; absent for a closed list.
    pub ellipsis: Option<Option<ExprId>>,
    pub span: Span,
}
