//! The typed view over the tree-sitter tree: one small `Copy` wrapper per construct with
//! accessors for its parts, in the style of rust-analyzer's AST. Wrappers borrow the
//! [`crate::Parse`] they come from and never allocate; every node knows its exact span.
//!
//! Start from [`SourceFile`]; declarations are [`Decl`], expressions [`Expr`].

use tree_sitter::Node;

use crate::TextRange;

/// A node of the tree together with the text it was parsed from.
#[derive(Clone, Copy)]
pub struct SyntaxNode<'t> {
    node: Node<'t>,
    src: &'t str,
}

impl std::fmt::Debug for SyntaxNode<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{:?}", self.kind(), self.range())
    }
}

impl PartialEq for SyntaxNode<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}
impl Eq for SyntaxNode<'_> {}

impl std::hash::Hash for SyntaxNode<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.node.id().hash(state);
    }
}

impl<'t> SyntaxNode<'t> {
    pub fn new(node: Node<'t>, src: &'t str) -> Self {
        SyntaxNode { node, src }
    }

    /// The underlying tree-sitter node.
    pub fn raw(&self) -> Node<'t> {
        self.node
    }

    pub fn source(&self) -> &'t str {
        self.src
    }

    /// The node kind. (Looked up in a table by kind id: tree-sitter's `Node::kind`
    /// validates UTF-8 on every call, which shows in profiles.)
    pub fn kind(&self) -> &'t str {
        kind_name(self.node.kind_id()).unwrap_or_else(|| self.node.kind())
    }

    pub fn range(&self) -> TextRange {
        self.node.byte_range()
    }

    pub fn text(&self) -> &'t str {
        self.src.get(self.node.byte_range()).unwrap_or("")
    }

    pub fn is_named(&self) -> bool {
        self.node.is_named()
    }

    pub fn is_error(&self) -> bool {
        self.node.is_error()
    }

    pub fn is_missing(&self) -> bool {
        self.node.is_missing()
    }

    pub fn has_error(&self) -> bool {
        self.node.has_error()
    }

    pub fn parent(&self) -> Option<SyntaxNode<'t>> {
        self.node.parent().map(|n| SyntaxNode::new(n, self.src))
    }

    pub fn child_by_field(&self, field: &str) -> Option<SyntaxNode<'t>> {
        let id = field_id(field)?;
        self.node
            .child_by_field_id(id.get())
            .map(|n| SyntaxNode::new(n, self.src))
    }

    pub fn children_by_field(
        &self,
        field: &'static str,
    ) -> impl Iterator<Item = SyntaxNode<'t>> + use<'t> {
        let src = self.src;
        let node = self.node;
        let mut cursor = node.walk();
        let children: Vec<Node<'t>> = match field_id(field) {
            Some(id) => node.children_by_field_id(id, &mut cursor).collect(),
            None => Vec::new(),
        };
        children.into_iter().map(move |n| SyntaxNode::new(n, src))
    }

    /// All children, named and anonymous, comments included. (Walks with a cursor:
    /// `Node::child(i)` is linear in `i`, which would make wide structs quadratic.)
    pub fn all_children(&self) -> impl Iterator<Item = SyntaxNode<'t>> + use<'t> {
        // Through a cursor: `Node::child(i)` walks the siblings from the first one, so an
        // index loop would be quadratic in the number of children (a list of a million
        // elements would never finish).
        // Lazily, so that walking the children allocates nothing; the same steps as
        // `Node::children` (as many nodes as `child_count`), without its collected Vec.
        let src = self.src;
        let mut remaining = self.node.child_count();
        let mut cursor = self.node.walk();
        cursor.goto_first_child();
        std::iter::from_fn(move || {
            if remaining == 0 {
                return None;
            }
            remaining -= 1;
            let node = cursor.node();
            if remaining > 0 {
                cursor.goto_next_sibling();
            }
            Some(SyntaxNode::new(node, src))
        })
    }

    /// Named children other than comments.
    pub fn children(&self) -> impl Iterator<Item = SyntaxNode<'t>> + use<'t> {
        self.all_children()
            .filter(|n| n.is_named() && n.kind() != "comment")
    }

    /// The field name under which this node hangs in its parent, if any.
    /// Linear in the number of siblings (and `parent()` in the depth): when walking a
    /// whole tree, a `TreeCursor`'s `field_name()` is cheaper.
    pub fn field_name(&self) -> Option<&'t str> {
        let parent = self.node.parent()?;
        let mut cursor = parent.walk();
        if !cursor.goto_first_child() {
            return None;
        }
        loop {
            if cursor.node() == self.node {
                return cursor.field_name();
            }
            if !cursor.goto_next_sibling() {
                return None;
            }
        }
    }

    pub fn cast<N: AstNode<'t>>(self) -> Option<N> {
        N::cast(self)
    }
}

/// Names of node kinds by kind id, looked up once.
pub fn kind_name(id: u16) -> Option<&'static str> {
    use std::sync::OnceLock;
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_cue::LANGUAGE.into();
        (0..language.node_kind_count() as u16)
            .map(|id| -> &'static str {
                Box::leak(
                    language
                        .node_kind_for_id(id)
                        .unwrap_or("")
                        .to_owned()
                        .into_boxed_str(),
                )
            })
            .collect()
    });
    names.get(id as usize).copied()
}

/// Field ids of the grammar, looked up once (looking fields up by name compares strings).
fn field_id(name: &str) -> Option<std::num::NonZeroU16> {
    use std::sync::OnceLock;
    static IDS: OnceLock<Vec<(String, std::num::NonZeroU16)>> = OnceLock::new();
    let ids = IDS.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_cue::LANGUAGE.into();
        (1..=language.field_count() as u16)
            .filter_map(|id| {
                Some((
                    language.field_name_for_id(id)?.to_owned(),
                    std::num::NonZeroU16::new(id)?,
                ))
            })
            .collect()
    });
    ids.iter().find(|(n, _)| *n == name).map(|(_, id)| *id)
}

/// A typed view of a node kind.
pub trait AstNode<'t>: Copy + Sized {
    fn cast(node: SyntaxNode<'t>) -> Option<Self>;
    fn syntax(&self) -> SyntaxNode<'t>;
    fn range(&self) -> TextRange {
        self.syntax().range()
    }
    fn text(&self) -> &'t str {
        self.syntax().text()
    }
}

macro_rules! ast_node {
    ($(#[$doc:meta])* $name:ident = $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name<'t>(SyntaxNode<'t>);

        impl<'t> AstNode<'t> for $name<'t> {
            fn cast(node: SyntaxNode<'t>) -> Option<Self> {
                (node.kind() == $kind).then_some($name(node))
            }
            fn syntax(&self) -> SyntaxNode<'t> {
                self.0
            }
        }
    };
}

/// A whole file: preamble (attributes, package, imports) and declarations.
///
/// When error recovery cannot build a `source_file` at all, tree-sitter makes the root an
/// `ERROR` node; that root is a `SourceFile` too (its children are whatever could be
/// parsed), so that [`crate::Parse::root`] works on every input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SourceFile<'t>(SyntaxNode<'t>);

impl<'t> AstNode<'t> for SourceFile<'t> {
    fn cast(node: SyntaxNode<'t>) -> Option<Self> {
        (node.kind() == "source_file" || (node.is_error() && node.parent().is_none()))
            .then_some(SourceFile(node))
    }
    fn syntax(&self) -> SyntaxNode<'t> {
        self.0
    }
}
ast_node!(PackageClause = "package_clause");
ast_node!(ImportDecl = "import_declaration");
ast_node!(ImportSpec = "import_spec");
ast_node!(
    /// `label: value`; `a: b: 1` is a field whose value is a field.
    Field = "field"
);
ast_node!(Label = "label");
ast_node!(
    /// `[expr]` used as a label: a pattern constraint.
    PatternConstraint = "pattern_constraint"
);
ast_node!(PostfixAlias = "postfix_alias");
ast_node!(Embedding = "embedding");
ast_node!(Ellipsis = "ellipsis");
ast_node!(LetClause = "let_clause");
ast_node!(Attribute = "attribute");
ast_node!(Comprehension = "comprehension");
ast_node!(ForClause = "for_clause");
ast_node!(IfClause = "if_clause");
ast_node!(TryClause = "try_clause");
ast_node!(FallbackClause = "fallback_clause");
ast_node!(Alias = "alias");
ast_node!(BinaryExpr = "binary_expression");
ast_node!(UnaryExpr = "unary_expression");
ast_node!(PostfixExpr = "postfix_expression");
ast_node!(SelectorExpr = "selector_expression");
ast_node!(IndexExpr = "index_expression");
ast_node!(SliceExpr = "slice_expression");
ast_node!(CallExpr = "call_expression");
ast_node!(ParenExpr = "parenthesized_expression");
ast_node!(StructLit = "struct");
ast_node!(ListLit = "list");
ast_node!(StringLit = "string");
ast_node!(Interpolation = "interpolation");

impl<'t> SourceFile<'t> {
    pub fn package(&self) -> Option<PackageClause<'t>> {
        self.0.children().find_map(SyntaxNode::cast)
    }

    pub fn import_decls(&self) -> impl Iterator<Item = ImportDecl<'t>> + use<'t> {
        self.0.children().filter_map(SyntaxNode::cast)
    }

    pub fn imports(&self) -> impl Iterator<Item = ImportSpec<'t>> + use<'t> {
        self.import_decls().flat_map(|d| d.specs())
    }

    pub fn decls(&self) -> impl Iterator<Item = Decl<'t>> + use<'t> {
        self.0.children().filter_map(Decl::cast)
    }
}

impl<'t> PackageClause<'t> {
    pub fn name(&self) -> Option<SyntaxNode<'t>> {
        self.0.child_by_field("name")
    }
}

impl<'t> ImportDecl<'t> {
    pub fn specs(&self) -> impl Iterator<Item = ImportSpec<'t>> + use<'t> {
        self.0.children().filter_map(SyntaxNode::cast)
    }
}

impl<'t> ImportSpec<'t> {
    /// The explicit package name: `s` in `import s "strings"`.
    pub fn name(&self) -> Option<SyntaxNode<'t>> {
        self.0.child_by_field("name")
    }

    pub fn path(&self) -> Option<StringLit<'t>> {
        self.0.child_by_field("path")?.cast()
    }
}

/// A declaration in a struct or file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decl<'t> {
    Field(Field<'t>),
    Embedding(Embedding<'t>),
    Ellipsis(Ellipsis<'t>),
    Let(LetClause<'t>),
    Attribute(Attribute<'t>),
    Comprehension(Comprehension<'t>),
}

impl<'t> Decl<'t> {
    pub fn cast(node: SyntaxNode<'t>) -> Option<Self> {
        Some(match node.kind() {
            "field" => Decl::Field(Field(node)),
            "embedding" => Decl::Embedding(Embedding(node)),
            "ellipsis" => Decl::Ellipsis(Ellipsis(node)),
            "let_clause" => Decl::Let(LetClause(node)),
            "attribute" => Decl::Attribute(Attribute(node)),
            "comprehension" => Decl::Comprehension(Comprehension(node)),
            _ => return None,
        })
    }

    pub fn syntax(&self) -> SyntaxNode<'t> {
        match self {
            Decl::Field(n) => n.syntax(),
            Decl::Embedding(n) => n.syntax(),
            Decl::Ellipsis(n) => n.syntax(),
            Decl::Let(n) => n.syntax(),
            Decl::Attribute(n) => n.syntax(),
            Decl::Comprehension(n) => n.syntax(),
        }
    }
}

/// What follows a field's `:`: another field (`a: b: 1`) or an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldValue<'t> {
    Field(Field<'t>),
    Expr(Expr<'t>),
}

impl<'t> Field<'t> {
    pub fn label(&self) -> Option<Label<'t>> {
        self.0.child_by_field("label")?.cast()
    }

    pub fn value(&self) -> Option<FieldValue<'t>> {
        let node = self.0.child_by_field("value")?;
        match node.cast::<Field>() {
            Some(field) => Some(FieldValue::Field(field)),
            None => Expr::cast(node).map(FieldValue::Expr),
        }
    }

    /// The expression at the end of a chain of fields `a: b: c: expr`.
    pub fn innermost_value(&self) -> Option<Expr<'t>> {
        let mut field = *self;
        loop {
            match field.value()? {
                FieldValue::Field(inner) => field = inner,
                FieldValue::Expr(expr) => return Some(expr),
            }
        }
    }

    pub fn attributes(&self) -> impl Iterator<Item = Attribute<'t>> + use<'t> {
        // A field is `label : value attribute*`; most have no attributes, so skip the walk.
        let has_attributes = self.0.raw().child_count() > 3;
        let children: Vec<SyntaxNode<'t>> = if has_attributes {
            self.0.children_by_field("attribute").collect()
        } else {
            Vec::new()
        };
        children.into_iter().filter_map(SyntaxNode::cast)
    }
}

/// Whether a field is regular, optional `?` or required `!`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Constraint {
    Regular,
    Optional,
    Required,
}

/// The name part of a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LabelName<'t> {
    /// An identifier of any kind (regular, `#def`, `_hidden`, `_#hiddenDef`) or a keyword.
    Ident(Ident<'t>),
    /// A quoted label, possibly interpolated (`"\(k)": v`, which is dynamic).
    String(StringLit<'t>),
    /// `(expr): v`.
    Dynamic(SyntaxNode<'t>),
    /// `[expr]: v`.
    Pattern(PatternConstraint<'t>),
}

impl<'t> Label<'t> {
    /// `X` in `X=label: v`.
    pub fn alias(&self) -> Option<Ident<'t>> {
        self.0.child_by_field("alias")?.cast()
    }

    pub fn name(&self) -> Option<LabelName<'t>> {
        let node = self.0.child_by_field("name")?;
        Some(match node.kind() {
            "string" => LabelName::String(StringLit(node)),
            "dynamic_label" => LabelName::Dynamic(node),
            "pattern_constraint" => LabelName::Pattern(PatternConstraint(node)),
            _ => LabelName::Ident(node.cast()?),
        })
    }

    pub fn constraint(&self) -> Constraint {
        match self.0.child_by_field("constraint").map(|n| n.kind()) {
            Some("optional") => Constraint::Optional,
            Some("required") => Constraint::Required,
            _ => Constraint::Regular,
        }
    }

    pub fn postfix_alias(&self) -> Option<PostfixAlias<'t>> {
        self.0.child_by_field("postfix_alias")?.cast()
    }
}

impl<'t> PatternConstraint<'t> {
    /// The pattern, possibly an alias `X=expr`.
    pub fn expr(&self) -> Option<Expr<'t>> {
        self.0.children().find_map(Expr::cast)
    }
}

impl<'t> PostfixAlias<'t> {
    /// `K` in `~(K,V)`.
    pub fn label(&self) -> Option<SyntaxNode<'t>> {
        self.0.child_by_field("label")
    }

    /// `X` in `~X` and `V` in `~(K,V)`.
    pub fn field(&self) -> Option<SyntaxNode<'t>> {
        self.0.child_by_field("field")
    }
}

impl<'t> Embedding<'t> {
    pub fn expr(&self) -> Option<Expr<'t>> {
        self.0.children().find_map(Expr::cast)
    }
}

impl<'t> Ellipsis<'t> {
    /// `T` in `...T`.
    pub fn ty(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("type")?)
    }
}

impl<'t> LetClause<'t> {
    pub fn name(&self) -> Option<Ident<'t>> {
        self.0.child_by_field("name")?.cast()
    }

    pub fn value(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("value")?)
    }
}

impl<'t> Attribute<'t> {
    pub fn name(&self) -> &'t str {
        self.0.child_by_field("name").map_or("", |n| n.text())
    }

    /// The raw text between the parentheses.
    pub fn body(&self) -> &'t str {
        self.0.child_by_field("body").map_or("", |n| n.text())
    }
}

/// A clause of a comprehension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Clause<'t> {
    For(ForClause<'t>),
    If(IfClause<'t>),
    Let(LetClause<'t>),
    Try(TryClause<'t>),
}

impl<'t> Clause<'t> {
    pub fn cast(node: SyntaxNode<'t>) -> Option<Self> {
        Some(match node.kind() {
            "for_clause" => Clause::For(ForClause(node)),
            "if_clause" => Clause::If(IfClause(node)),
            "let_clause" => Clause::Let(LetClause(node)),
            "try_clause" => Clause::Try(TryClause(node)),
            _ => return None,
        })
    }

    pub fn syntax(&self) -> SyntaxNode<'t> {
        match self {
            Clause::For(n) => n.syntax(),
            Clause::If(n) => n.syntax(),
            Clause::Let(n) => n.syntax(),
            Clause::Try(n) => n.syntax(),
        }
    }
}

impl<'t> Comprehension<'t> {
    pub fn clauses(&self) -> impl Iterator<Item = Clause<'t>> + use<'t> {
        self.0.children_by_field("clause").filter_map(Clause::cast)
    }

    pub fn body(&self) -> Option<StructLit<'t>> {
        self.0.child_by_field("body")?.cast()
    }

    pub fn fallback(&self) -> Option<FallbackClause<'t>> {
        self.0.child_by_field("fallback")?.cast()
    }
}

impl<'t> ForClause<'t> {
    /// `k` in `for k, v in src`.
    pub fn key(&self) -> Option<SyntaxNode<'t>> {
        self.0.child_by_field("key")
    }

    /// `v` in `for k, v in src` or `for v in src`.
    pub fn value(&self) -> Option<SyntaxNode<'t>> {
        self.0.child_by_field("value")
    }

    pub fn source(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("source")?)
    }
}

impl<'t> IfClause<'t> {
    pub fn condition(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("condition")?)
    }
}

impl<'t> TryClause<'t> {
    pub fn name(&self) -> Option<Ident<'t>> {
        self.0.child_by_field("name")?.cast()
    }

    pub fn value(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("value")?)
    }
}

impl<'t> FallbackClause<'t> {
    pub fn keyword(&self) -> &'t str {
        self.0.child_by_field("keyword").map_or("", |n| n.text())
    }

    pub fn body(&self) -> Option<StructLit<'t>> {
        self.0.child_by_field("body")?.cast()
    }
}

/// Which of CUE's four identifier forms a name has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdentKind {
    /// `name` (also keywords used as names).
    Regular,
    /// `#Name`.
    Definition,
    /// `_name`.
    Hidden,
    /// `_#Name`.
    HiddenDefinition,
}

/// An identifier of any kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ident<'t>(SyntaxNode<'t>);

impl<'t> AstNode<'t> for Ident<'t> {
    fn cast(node: SyntaxNode<'t>) -> Option<Self> {
        matches!(
            node.kind(),
            "identifier" | "definition" | "hidden_identifier" | "hidden_definition"
        )
        .then_some(Ident(node))
    }
    fn syntax(&self) -> SyntaxNode<'t> {
        self.0
    }
}

impl<'t> Ident<'t> {
    pub fn kind(&self) -> IdentKind {
        match self.0.kind() {
            "definition" => IdentKind::Definition,
            "hidden_identifier" => IdentKind::Hidden,
            "hidden_definition" => IdentKind::HiddenDefinition,
            _ => IdentKind::Regular,
        }
    }

    pub fn name(&self) -> &'t str {
        self.0.text()
    }
}

/// A binary operator, in CUE's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Disjunction,
    Conjunction,
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

impl BinaryOp {
    pub fn from_token(token: &str) -> Option<BinaryOp> {
        use BinaryOp::*;
        Some(match token {
            "|" => Disjunction,
            "&" => Conjunction,
            "||" => Or,
            "&&" => And,
            "==" => Equal,
            "!=" => NotEqual,
            "<" => Less,
            "<=" => LessEqual,
            ">" => Greater,
            ">=" => GreaterEqual,
            "=~" => Match,
            "!~" => NotMatch,
            "+" => Add,
            "-" => Sub,
            "*" => Mul,
            "/" => Div,
            _ => return None,
        })
    }

    pub fn token(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Disjunction => "|",
            Conjunction => "&",
            Or => "||",
            And => "&&",
            Equal => "==",
            NotEqual => "!=",
            Less => "<",
            LessEqual => "<=",
            Greater => ">",
            GreaterEqual => ">=",
            Match => "=~",
            NotMatch => "!~",
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
        }
    }

    /// Binding strength, as in the spec's precedence table (higher binds tighter).
    pub fn precedence(self) -> u8 {
        use BinaryOp::*;
        match self {
            Disjunction => 1,
            Conjunction => 2,
            Or => 3,
            And => 4,
            Equal | NotEqual | Less | LessEqual | Greater | GreaterEqual | Match | NotMatch => 5,
            Add | Sub => 6,
            Mul | Div => 7,
        }
    }
}

/// A unary operator: arithmetic, logical, default marker `*`, or a bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Plus,
    Minus,
    Not,
    Default,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Match,
    NotMatch,
}

impl UnaryOp {
    pub fn from_token(token: &str) -> Option<UnaryOp> {
        use UnaryOp::*;
        Some(match token {
            "+" => Plus,
            "-" => Minus,
            "!" => Not,
            "*" => Default,
            "==" => Equal,
            "!=" => NotEqual,
            "<" => Less,
            "<=" => LessEqual,
            ">" => Greater,
            ">=" => GreaterEqual,
            "=~" => Match,
            "!~" => NotMatch,
            _ => return None,
        })
    }

    pub fn token(self) -> &'static str {
        use UnaryOp::*;
        match self {
            Plus => "+",
            Minus => "-",
            Not => "!",
            Default => "*",
            Equal => "==",
            NotEqual => "!=",
            Less => "<",
            LessEqual => "<=",
            Greater => ">",
            GreaterEqual => ">=",
            Match => "=~",
            NotMatch => "!~",
        }
    }
}

/// An expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expr<'t> {
    Ident(Ident<'t>),
    /// `_`
    Top(SyntaxNode<'t>),
    /// `_|_`
    Bottom(SyntaxNode<'t>),
    Null(SyntaxNode<'t>),
    Bool(SyntaxNode<'t>, bool),
    Int(SyntaxNode<'t>),
    Float(SyntaxNode<'t>),
    String(StringLit<'t>),
    List(ListLit<'t>),
    Struct(StructLit<'t>),
    Paren(ParenExpr<'t>),
    Binary(BinaryExpr<'t>),
    Unary(UnaryExpr<'t>),
    Postfix(PostfixExpr<'t>),
    Selector(SelectorExpr<'t>),
    Index(IndexExpr<'t>),
    Slice(SliceExpr<'t>),
    Call(CallExpr<'t>),
    /// `X=expr`, where the grammar allows an alias in place of an expression.
    Alias(Alias<'t>),
}

impl<'t> Expr<'t> {
    pub fn cast(node: SyntaxNode<'t>) -> Option<Self> {
        Some(match node.kind() {
            "identifier" | "definition" | "hidden_identifier" | "hidden_definition" => {
                Expr::Ident(Ident(node))
            }
            "top" => Expr::Top(node),
            "bottom" => Expr::Bottom(node),
            "null" => Expr::Null(node),
            "true" => Expr::Bool(node, true),
            "false" => Expr::Bool(node, false),
            "integer" => Expr::Int(node),
            "float" => Expr::Float(node),
            "string" => Expr::String(StringLit(node)),
            "list" => Expr::List(ListLit(node)),
            "struct" => Expr::Struct(StructLit(node)),
            "parenthesized_expression" | "dynamic_label" => Expr::Paren(ParenExpr(node)),
            "binary_expression" => Expr::Binary(BinaryExpr(node)),
            "unary_expression" => Expr::Unary(UnaryExpr(node)),
            "postfix_expression" => Expr::Postfix(PostfixExpr(node)),
            "selector_expression" => Expr::Selector(SelectorExpr(node)),
            "index_expression" => Expr::Index(IndexExpr(node)),
            "slice_expression" => Expr::Slice(SliceExpr(node)),
            "call_expression" => Expr::Call(CallExpr(node)),
            "alias" => Expr::Alias(Alias(node)),
            _ => return None,
        })
    }

    pub fn syntax(&self) -> SyntaxNode<'t> {
        match self {
            Expr::Ident(n) => n.syntax(),
            Expr::Top(n) | Expr::Bottom(n) | Expr::Null(n) | Expr::Int(n) | Expr::Float(n) => *n,
            Expr::Bool(n, _) => *n,
            Expr::String(n) => n.syntax(),
            Expr::List(n) => n.syntax(),
            Expr::Struct(n) => n.syntax(),
            Expr::Paren(n) => n.syntax(),
            Expr::Binary(n) => n.syntax(),
            Expr::Unary(n) => n.syntax(),
            Expr::Postfix(n) => n.syntax(),
            Expr::Selector(n) => n.syntax(),
            Expr::Index(n) => n.syntax(),
            Expr::Slice(n) => n.syntax(),
            Expr::Call(n) => n.syntax(),
            Expr::Alias(n) => n.syntax(),
        }
    }

    pub fn range(&self) -> TextRange {
        self.syntax().range()
    }
}

impl<'t> Alias<'t> {
    pub fn name(&self) -> Option<Ident<'t>> {
        self.0.child_by_field("name")?.cast()
    }

    pub fn value(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("value")?)
    }
}

impl<'t> BinaryExpr<'t> {
    pub fn lhs(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("left")?)
    }

    pub fn rhs(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("right")?)
    }

    pub fn op(&self) -> Option<BinaryOp> {
        BinaryOp::from_token(self.0.child_by_field("operator")?.text())
    }

    pub fn op_node(&self) -> Option<SyntaxNode<'t>> {
        self.0.child_by_field("operator")
    }
}

impl<'t> UnaryExpr<'t> {
    pub fn op(&self) -> Option<UnaryOp> {
        UnaryOp::from_token(self.0.child_by_field("operator")?.text())
    }

    pub fn operand(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("operand")?)
    }
}

impl<'t> PostfixExpr<'t> {
    /// `...` or `?`.
    pub fn op(&self) -> &'t str {
        self.0.child_by_field("operator").map_or("", |n| n.text())
    }

    pub fn operand(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("operand")?)
    }
}

impl<'t> SelectorExpr<'t> {
    pub fn operand(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("operand")?)
    }

    /// The selected name: an identifier or a string.
    pub fn selector(&self) -> Option<SyntaxNode<'t>> {
        self.0.child_by_field("selector")
    }
}

impl<'t> IndexExpr<'t> {
    pub fn operand(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("operand")?)
    }

    pub fn index(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("index")?)
    }
}

impl<'t> SliceExpr<'t> {
    pub fn operand(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("operand")?)
    }

    pub fn low(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("low")?)
    }

    pub fn high(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("high")?)
    }
}

impl<'t> CallExpr<'t> {
    pub fn function(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("function")?)
    }

    pub fn args(&self) -> impl Iterator<Item = Expr<'t>> + use<'t> {
        self.0
            .child_by_field("arguments")
            .into_iter()
            .flat_map(|args| args.children())
            .filter_map(Expr::cast)
    }
}

impl<'t> ParenExpr<'t> {
    pub fn expr(&self) -> Option<Expr<'t>> {
        self.0.children().find_map(Expr::cast)
    }
}

impl<'t> StructLit<'t> {
    pub fn decls(&self) -> impl Iterator<Item = Decl<'t>> + use<'t> {
        self.0.children().filter_map(Decl::cast)
    }
}

/// An element of a list literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListElem<'t> {
    Expr(Expr<'t>),
    Comprehension(Comprehension<'t>),
    Ellipsis(Ellipsis<'t>),
}

impl<'t> ListLit<'t> {
    pub fn elems(&self) -> impl Iterator<Item = ListElem<'t>> + use<'t> {
        self.0.children().filter_map(|n| match n.kind() {
            "comprehension" => Some(ListElem::Comprehension(Comprehension(n))),
            "ellipsis" => Some(ListElem::Ellipsis(Ellipsis(n))),
            _ => Expr::cast(n).map(ListElem::Expr),
        })
    }
}

/// The delimiters of a string literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Quote {
    /// `"` for strings, `'` for bytes.
    pub char: char,
    /// Triple-quoted.
    pub multiline: bool,
    /// Number of `#` around a raw literal.
    pub hashes: usize,
}

impl Quote {
    pub fn is_bytes(&self) -> bool {
        self.char == '\''
    }

    /// Length in bytes of the opening delimiter.
    pub fn open_len(&self) -> usize {
        self.hashes + if self.multiline { 3 } else { 1 }
    }
}

/// A piece of a string literal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StringPart<'t> {
    /// Raw source text between escapes and interpolations (escapes not yet decoded).
    Text(TextRange),
    Escape(SyntaxNode<'t>),
    Interpolation(Interpolation<'t>),
}

impl<'t> StringLit<'t> {
    pub fn quote(&self) -> Quote {
        let text = self.0.text();
        let hashes = text.bytes().take_while(|b| *b == b'#').count();
        let rest = &text[hashes..];
        let char = if rest.starts_with('\'') { '\'' } else { '"' };
        let triple = if char == '"' { "\"\"\"" } else { "'''" };
        // The scanner reads three quotes as a multi-line opening (`""` alone is empty).
        let multiline = rest.starts_with(triple);
        Quote {
            char,
            multiline,
            hashes,
        }
    }

    /// True when the literal has interpolations.
    pub fn is_interpolated(&self) -> bool {
        self.0.children().any(|n| n.kind() == "interpolation")
    }

    /// Byte range of the body, without delimiters (clamped for unterminated literals).
    pub fn body_range(&self) -> TextRange {
        let range = self.0.range();
        let quote = self.quote();
        let start = (range.start + quote.open_len()).min(range.end);
        let end = if self.is_terminated() {
            (range.end - quote.open_len()).max(start)
        } else {
            range.end
        };
        start..end
    }

    /// Whether the literal has its closing delimiter.
    pub fn is_terminated(&self) -> bool {
        let text = self.0.text();
        let quote = self.quote();
        let close: String = std::iter::repeat_n(quote.char, if quote.multiline { 3 } else { 1 })
            .chain(std::iter::repeat_n('#', quote.hashes))
            .collect();
        text.len() >= quote.open_len() + close.len()
            && text.ends_with(&close)
            && !self.0.has_error()
    }

    /// The parts of the body in order: text runs, escapes and interpolations.
    pub fn parts(&self) -> Vec<StringPart<'t>> {
        let body = self.body_range();
        let mut parts = Vec::new();
        let mut pos = body.start;
        for child in self.0.children() {
            let range = child.range();
            if range.start > pos {
                parts.push(StringPart::Text(pos..range.start.min(body.end)));
            }
            match child.kind() {
                "escape_sequence" => parts.push(StringPart::Escape(child)),
                "interpolation" => parts.push(StringPart::Interpolation(Interpolation(child))),
                _ => {}
            }
            pos = range.end;
        }
        if body.end > pos {
            parts.push(StringPart::Text(pos..body.end));
        }
        parts
    }
}

impl<'t> Interpolation<'t> {
    pub fn expr(&self) -> Option<Expr<'t>> {
        Expr::cast(self.0.child_by_field("expression")?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn fields_labels_and_values() {
        let p = parse("#A: {x?: int, y!: string}\n_h: a: 1 @go(H)\n\"q\": 2\n");
        let decls: Vec<_> = p.root().decls().collect();
        assert_eq!(decls.len(), 3);
        let Decl::Field(a) = decls[0] else { panic!() };
        let Some(LabelName::Ident(name)) = a.label().unwrap().name() else {
            panic!()
        };
        assert_eq!((name.kind(), name.name()), (IdentKind::Definition, "#A"));
        let Some(FieldValue::Expr(Expr::Struct(s))) = a.value() else {
            panic!()
        };
        let constraints: Vec<_> = s
            .decls()
            .map(|d| match d {
                Decl::Field(f) => f.label().unwrap().constraint(),
                _ => panic!(),
            })
            .collect();
        assert_eq!(constraints, [Constraint::Optional, Constraint::Required]);
        let Decl::Field(h) = decls[1] else { panic!() };
        let Some(FieldValue::Field(inner)) = h.value() else {
            panic!()
        };
        assert_eq!(
            inner
                .attributes()
                .map(|a| (a.name(), a.body()))
                .collect::<Vec<_>>(),
            [("go", "H")]
        );
        assert!(matches!(h.innermost_value(), Some(Expr::Int(_))));
    }

    #[test]
    fn string_parts_and_quotes() {
        let p = parse("a: #\"x\\#(b)y\\n\"#\nc: \"\"\nd: '''\n\tby\n\t'''\n");
        let values: Vec<StringLit> = p
            .root()
            .decls()
            .map(|d| match d {
                Decl::Field(f) => match f.innermost_value() {
                    Some(Expr::String(s)) => s,
                    _ => panic!(),
                },
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            values[0].quote(),
            Quote {
                char: '"',
                multiline: false,
                hashes: 1
            }
        );
        let parts = values[0].parts();
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(matches!(parts[1], StringPart::Interpolation(_)));
        assert_eq!(
            values[1].quote(),
            Quote {
                char: '"',
                multiline: false,
                hashes: 0
            }
        );
        assert!(values[1].parts().is_empty());
        assert!(values[1].is_terminated());
        assert_eq!(
            values[2].quote(),
            Quote {
                char: '\'',
                multiline: true,
                hashes: 0
            }
        );
    }

    #[test]
    fn binary_precedence() {
        let p = parse("a: *1 | 2 & >0 + 3 * 4\n");
        let Some(Decl::Field(f)) = p.root().decls().next() else {
            panic!()
        };
        let Some(Expr::Binary(top)) = f.innermost_value() else {
            panic!()
        };
        assert_eq!(top.op(), Some(BinaryOp::Disjunction));
        let Some(Expr::Unary(default)) = top.lhs() else {
            panic!()
        };
        assert_eq!(default.op(), Some(UnaryOp::Default));
        let Some(Expr::Binary(and)) = top.rhs() else {
            panic!()
        };
        assert_eq!(and.op(), Some(BinaryOp::Conjunction));
    }
}
