//! From the typed AST to the IR: literals decoded, labels interned, every identifier
//! resolved lexically to a field, a `let`, a local or a package, exactly by CUE's scoping
//! rules (a reference binds to the innermost enclosing struct literal that declares it).
//! Compile errors (unresolved references, bad literals, unknown imports) become
//! [`ExprKind::Error`] nodes plus a diagnostic, so evaluation still reports everything
//! else.

use std::rc::Rc;

use rustc_hash::FxHashMap;
use xdef_syntax::ast::{
    self, AstNode, Clause as AstClause, Constraint, Decl as AstDecl, Expr as AstExpr, FieldValue,
    LabelName, ListElem as AstListElem,
};
use xdef_syntax::literal::{self, NumberLit, Segment};

use crate::builtins::{self, PackageKind};
use crate::diagnostic::Diagnostic;
use crate::ir::*;
use crate::label::{Feature, Interner};
use crate::number::{Num, NumKind};
use crate::value::{BoundOp, Kinds};

/// What a name is bound to in a scope.
#[derive(Clone, Copy)]
enum Binding {
    Field(Feature),
    Local(u32),
    /// An alias for field `label` of the struct scope at `scope` (no frame of its own).
    Alias {
        scope: usize,
        label: Feature,
    },
    /// The struct literal's own vertex (a value alias `a: X={...}`).
    Frame,
    Package(PackageRef),
}

#[derive(Clone, Copy)]
pub enum PackageRef {
    /// A CUE-source package compiled into the program.
    Source(PkgId),
    /// A standard-library package implemented in Rust.
    Builtin(&'static str),
}

#[derive(Default)]
struct Scope {
    /// Whether the scope has a frame at run time (struct literals and clause frames do;
    /// alias and import scopes do not).
    frame: bool,
    /// The top-level struct of a file: its fields are in the package block, which lies
    /// outside the file block holding the imports (spec "Declarations and scope").
    package_top: bool,
    names: FxHashMap<Rc<str>, Binding>,
    /// Aliases and lets declared here, which CUE requires to be used.
    declared: Vec<(Rc<str>, xdef_syntax::TextRange)>,
    used: rustc_hash::FxHashSet<Rc<str>>,
}

impl Scope {
    fn new(frame: bool, names: FxHashMap<Rc<str>, Binding>) -> Scope {
        Scope {
            frame,
            names,
            ..Scope::default()
        }
    }
}

/// What [`collect_struct_names`] found besides the names.
#[derive(Default)]
struct Declared {
    /// Aliases and lets, which must be referenced.
    aliases: Vec<(Rc<str>, xdef_syntax::TextRange)>,
    /// Names declared twice (a let or alias clashing with a field, let or alias).
    duplicates: Vec<(Rc<str>, xdef_syntax::TextRange)>,
}

/// Supplies the source of non-standard packages (`vela/op`, user packages).
pub trait PackageLoader {
    /// The parsed files of the package imported as `path`, or None if unknown. Loaders
    /// that serve the same packages often should keep the parses and hand out clones.
    fn load(&self, path: &str) -> Option<Vec<SourceFile>>;
}

/// A loader that knows no packages beyond the standard library.
pub struct NoPackages;

impl PackageLoader for NoPackages {
    fn load(&self, _: &str) -> Option<Vec<SourceFile>> {
        None
    }
}

/// A source file of the program.
pub struct SourceFile {
    pub name: String,
    pub parse: xdef_syntax::Parse,
}

pub struct Package {
    pub path: Rc<str>,
    /// One struct literal per file; all are conjuncts of the package root.
    pub roots: Vec<ExprId>,
}

/// A compiled program: the main package (id 0) and every package it imports.
pub struct Program {
    pub exprs: Vec<Expr>,
    pub interner: Interner,
    pub files: Vec<SourceFile>,
    pub packages: Vec<Package>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Program {
    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }

    pub fn main_package(&self) -> &Package {
        &self.packages[0]
    }
}

/// Compiles the files of one package, loading imported packages through `loader`.
pub fn compile(files: Vec<SourceFile>, loader: &dyn PackageLoader) -> Program {
    let mut program = Program {
        exprs: Vec::new(),
        interner: Interner::default(),
        files: Vec::new(),
        packages: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut loaded: FxHashMap<String, Option<PkgId>> = FxHashMap::default();
    compile_package(&mut program, "", files, loader, &mut loaded, 0);
    program
}

fn compile_package(
    program: &mut Program,
    path: &str,
    files: Vec<SourceFile>,
    loader: &dyn PackageLoader,
    loaded: &mut FxHashMap<String, Option<PkgId>>,
    depth: usize,
) -> PkgId {
    let pkg = PkgId(program.packages.len() as u32);
    program.packages.push(Package {
        path: Rc::from(path),
        roots: Vec::new(),
    });
    let first_file = program.files.len() as u32;
    program.files.extend(files);
    let file_ids: Vec<FileId> = (first_file..program.files.len() as u32)
        .map(FileId)
        .collect();
    for &file in &file_ids {
        // Syntax errors are part of the program's diagnostics. A tree without error nodes
        // can still hold lexical mistakes (`0755`, a bad escape), so they are looked for
        // too; `Parse` computes them once.
        for e in program.files[file.0 as usize].parse.errors() {
            program
                .diagnostics
                .push(Diagnostic::error(Span::new(file, e.range), e.message));
        }
    }

    // Labels declared at the top of any file of the package are visible in all of them.
    let mut top_names: FxHashMap<Rc<str>, Binding> = FxHashMap::default();
    let mut let_features: FxHashMap<(u32, usize), Feature> = FxHashMap::default();
    let mut top_declared: Vec<Declared> = Vec::new();
    for &file in &file_ids {
        let parse = &program.files[file.0 as usize].parse;
        let decls: Vec<AstDecl<'_>> = parse.root().decls().collect();
        top_declared.push(collect_struct_names(
            &mut program.interner,
            &decls,
            &field_labels(&decls),
            &mut top_names,
            &mut let_features,
            file.0,
        ));
    }

    // Resolve imports per file.
    let mut file_imports: Vec<FxHashMap<Rc<str>, Binding>> = Vec::new();
    for &file in &file_ids {
        let mut imports = FxHashMap::default();
        let specs: Vec<(
            Option<String>,
            Option<(String, xdef_syntax::TextRange)>,
            xdef_syntax::TextRange,
        )> = {
            let parse = &program.files[file.0 as usize].parse;
            parse
                .root()
                .imports()
                .map(|spec| {
                    let name = spec.name().map(|n| n.text().to_owned());
                    let path = spec.path().and_then(|p| {
                        let (decoded, _) = literal::decode_string(p);
                        decoded
                            .constant()
                            .map(|b| (String::from_utf8_lossy(&b).into_owned(), p.range()))
                    });
                    (name, path, spec.range())
                })
                .collect()
        };
        for (name, path, range) in specs {
            let Some((path, path_range)) = path else {
                continue;
            };
            // `import "path:name"` names the package explicitly.
            let (import_path, explicit) = match path.split_once(':') {
                Some((p, n)) => (p.to_owned(), Some(n.to_owned())),
                None => (path.clone(), None),
            };
            let local = name.or(explicit).unwrap_or_else(|| {
                import_path
                    .rsplit('/')
                    .next()
                    .unwrap_or(&import_path)
                    .to_owned()
            });
            let binding = if let Some(kind) = builtins::package(&import_path) {
                match kind {
                    PackageKind::Builtin(p) => Some(PackageRef::Builtin(p)),
                }
            } else {
                match loaded.get(&import_path) {
                    Some(Some(id)) => Some(PackageRef::Source(*id)),
                    Some(None) => None,
                    None => {
                        if depth > 32 {
                            None
                        } else {
                            match loader.load(&import_path) {
                                Some(files) => {
                                    loaded.insert(import_path.clone(), None);
                                    let id = compile_package(
                                        program,
                                        &import_path,
                                        files,
                                        loader,
                                        loaded,
                                        depth + 1,
                                    );
                                    loaded.insert(import_path.clone(), Some(id));
                                    Some(PackageRef::Source(id))
                                }
                                None => None,
                            }
                        }
                    }
                }
            };
            match binding {
                Some(b) => {
                    imports.insert(Rc::from(local.as_str()), Binding::Package(b));
                }
                None => program.diagnostics.push(Diagnostic::error(
                    Span::new(file, path_range.clone()),
                    format!("cannot find package \"{import_path}\""),
                )),
            }
            let _ = range;
        }
        file_imports.push(imports);
    }

    for (i, &file) in file_ids.iter().enumerate() {
        for (name, range) in &top_declared[i].duplicates {
            program.diagnostics.push(Diagnostic::error(
                Span::new(file, range.clone()),
                format!(
                    "{name} redeclared in this struct (a field, let or alias of that name exists)"
                ),
            ));
        }
    }
    let mut roots = Vec::new();
    for (i, &file) in file_ids.iter().enumerate() {
        // Take the parse out so the compiler can borrow the program mutably.
        let parse = std::mem::replace(
            &mut program.files[file.0 as usize].parse,
            xdef_syntax::parse(String::new()),
        );
        {
            let mut compiler = Compiler {
                program,
                file,
                scopes: vec![Scope::new(false, file_imports[i].clone()), {
                    let declared = std::mem::take(&mut top_declared[i]);
                    let mut scope = Scope::new(true, top_names.clone());
                    scope.package_top = true;
                    scope.declared = declared.aliases;
                    scope
                }],
                let_features: let_features.clone(),
                depth: 0,
                pending_doc: None,
                pending_self_alias: None,
                extra_decls: Vec::new(),
            };
            let root = parse.root();
            let span = Span::new(file, root.range());
            let children: Vec<ast::SyntaxNode<'_>> = root.syntax().all_children().collect();
            let lit = compiler.compile_decls(&children, &[], &[], span.clone());
            compiler.pop_scope();
            roots.push(compiler.push(ExprKind::Struct(Rc::new(lit)), span));
        }
        program.files[file.0 as usize].parse = parse;
    }
    program.packages[pkg.0 as usize].roots = roots;
    pkg
}

/// A field's label with its name, looked up once (each lookup walks the tree) and shared by
/// the name collection and the compilation of the field.
type FieldLabel<'t> = (ast::Label<'t>, Option<LabelName<'t>>);

/// The label of each declaration that is a field (`None` for the others).
fn field_labels<'t>(decls: &[AstDecl<'t>]) -> Vec<Option<FieldLabel<'t>>> {
    decls
        .iter()
        .map(|decl| match decl {
            AstDecl::Field(field) => field.label().map(|label| (label, label.name())),
            _ => None,
        })
        .collect()
}

/// Collects the names a struct literal binds: identifier labels, label aliases and lets.
/// `labels` are the `field_labels` of `decls`.
fn collect_struct_names(
    interner: &mut Interner,
    decls: &[AstDecl<'_>],
    labels: &[Option<FieldLabel<'_>>],
    names: &mut FxHashMap<Rc<str>, Binding>,
    lets: &mut FxHashMap<(u32, usize), Feature>,
    file: u32,
) -> Declared {
    let mut declared = Declared::default();
    let mut alias_names: rustc_hash::FxHashSet<Rc<str>> = rustc_hash::FxHashSet::default();
    let mut bind_alias = |names: &mut FxHashMap<Rc<str>, Binding>,
                          declared: &mut Declared,
                          name: &str,
                          range: xdef_syntax::TextRange,
                          binding: Binding| {
        let name: Rc<str> = Rc::from(name);
        if names.contains_key(&name) || !alias_names.insert(name.clone()) {
            declared.duplicates.push((name.clone(), range.clone()));
        }
        names.insert(name.clone(), binding);
        declared.aliases.push((name, range));
    };
    // Fields first, so that a let or alias named like a field is seen as a clash.
    for (_, name) in labels.iter().flatten() {
        if let Some(LabelName::Ident(ident)) = name {
            let feature = interner.label(ident.name(), false);
            names
                .entry(Rc::from(ident.name()))
                .or_insert(Binding::Field(feature));
        }
    }
    for (decl, label) in decls.iter().zip(labels) {
        match decl {
            AstDecl::Field(_) => {
                let Some((label, label_name)) = *label else {
                    continue;
                };
                if let Some(LabelName::Dynamic(node)) = label_name {
                    // `X=(k): v` binds X to the field; `(K=k): v` binds K to the label.
                    let mut bind_let =
                        |names: &mut FxHashMap<Rc<str>, Binding>,
                         declared: &mut Declared,
                         name: ast::Ident<'_>| {
                            let feature = interner.new_let(name.name());
                            lets.insert((file, name.range().start), feature);
                            bind_alias(
                                names,
                                declared,
                                name.name(),
                                name.range(),
                                Binding::Field(feature),
                            );
                        };
                    if let Some(alias) = label.alias() {
                        bind_let(names, &mut declared, alias);
                    }
                    if let Some(AstExpr::Alias(inner)) = node.children().find_map(AstExpr::cast) {
                        if let Some(name) = inner.name() {
                            bind_let(names, &mut declared, name);
                        }
                    }
                    continue;
                }
                let Some(alias) = label.alias() else { continue };
                let feature = match label_name {
                    Some(LabelName::Ident(ident)) => Some(interner.label(ident.name(), false)),
                    Some(LabelName::String(s)) => {
                        let (decoded, _) = literal::decode_string(s);
                        decoded
                            .constant()
                            .map(|bytes| interner.regular(&String::from_utf8_lossy(&bytes)))
                    }
                    _ => None,
                };
                if let Some(feature) = feature {
                    bind_alias(
                        names,
                        &mut declared,
                        alias.name(),
                        alias.range(),
                        Binding::Field(feature),
                    );
                }
            }
            AstDecl::Let(let_clause) => {
                if let Some(name) = let_clause.name() {
                    let feature = interner.new_let(name.name());
                    lets.insert((file, let_clause.range().start), feature);
                    bind_alias(
                        names,
                        &mut declared,
                        name.name(),
                        let_clause.range(),
                        Binding::Field(feature),
                    );
                }
            }
            _ => {}
        }
    }
    declared
}

/// Deepest nesting the compiler follows before reporting an error.
const MAX_DEPTH: usize = 2000;

struct Compiler<'p> {
    program: &'p mut Program,
    file: FileId,
    scopes: Vec<Scope>,
    /// The feature of every `let` declaration, by (file, offset).
    let_features: FxHashMap<(u32, usize), Feature>,
    depth: usize,
    /// The doc comment of the declaration being compiled.
    pending_doc: Option<Rc<str>>,
    /// A value alias `a: X={...}` for the struct literal about to be compiled.
    pending_self_alias: Option<(Rc<str>, xdef_syntax::TextRange)>,
    /// Declarations a field declaration brings along (lets for dynamic-field aliases).
    extra_decls: Vec<Decl>,
}

impl Compiler<'_> {
    fn push(&mut self, kind: ExprKind, span: Span) -> ExprId {
        let id = ExprId(self.program.exprs.len() as u32);
        self.program.exprs.push(Expr { kind, span });
        id
    }

    fn span(&self, range: xdef_syntax::TextRange) -> Span {
        Span::new(self.file, range)
    }

    fn error(&mut self, range: xdef_syntax::TextRange, message: impl Into<String>) -> ExprId {
        let message: String = message.into();
        let span = self.span(range);
        self.program
            .diagnostics
            .push(Diagnostic::error(span.clone(), message.clone()));
        self.push(ExprKind::Error(Rc::from(message)), span)
    }

    /// Compiles the declarations of a struct literal or file, with the doc comment of each
    /// (computed in one pass over the children: looking back from each field would be
    /// quadratic in wide structs). `decls` and their `labels` are those already looked up
    /// for the children, in order (possibly none); a field not among them looks its label up.
    fn compile_decls(
        &mut self,
        children: &[ast::SyntaxNode<'_>],
        decls: &[AstDecl<'_>],
        labels: &[Option<FieldLabel<'_>>],
        span: Span,
    ) -> StructLit {
        let mut out = Vec::new();
        let mut comments: Vec<ast::SyntaxNode<'_>> = Vec::new();
        let mut next_known = 0;
        for &child in children {
            if child.kind() == "comment" {
                comments.push(child);
                continue;
            }
            if let Some(decl) = AstDecl::cast(child) {
                let known_label = match decls.get(next_known) {
                    Some(known) if known.syntax() == child => {
                        next_known += 1;
                        labels.get(next_known - 1).copied().flatten()
                    }
                    _ => None,
                };
                self.pending_doc = doc_from_comments(&comments, child);
                self.compile_decl(decl, known_label, &mut out);
                self.pending_doc = None;
            }
            if child.is_named() {
                comments.clear();
            }
        }
        StructLit { decls: out, span }
    }

    fn compile_struct(&mut self, lit: ast::StructLit<'_>) -> ExprId {
        // The children are walked once (a sibling step costs a descent through
        // tree-sitter's balanced repeat nodes) and serve both the names and the
        // declarations; the declarations are `StructLit::decls`.
        let children: Vec<ast::SyntaxNode<'_>> = lit.syntax().all_children().collect();
        let decls: Vec<AstDecl<'_>> = children
            .iter()
            .filter(|n| n.is_named() && n.kind() != "comment")
            .filter_map(|&n| AstDecl::cast(n))
            .collect();
        let mut names = FxHashMap::default();
        let labels = field_labels(&decls);
        let declared = collect_struct_names(
            &mut self.program.interner,
            &decls,
            &labels,
            &mut names,
            &mut self.let_features,
            self.file.0,
        );
        let mut scope = Scope::new(true, names);
        if let Some((name, range)) = self.pending_self_alias.take() {
            scope.names.insert(name.clone(), Binding::Frame);
            scope.declared.push((name, range));
        }
        self.report_duplicates(&declared);
        scope.declared.extend(declared.aliases);
        self.scopes.push(scope);
        let span = self.span(lit.range());
        let compiled = self.compile_decls(&children, &decls, &labels, span.clone());
        self.pop_scope();
        self.push(ExprKind::Struct(Rc::new(compiled)), span)
    }

    /// `label` is the field's label if already looked up.
    fn compile_decl(
        &mut self,
        decl: AstDecl<'_>,
        label: Option<FieldLabel<'_>>,
        out: &mut Vec<Decl>,
    ) {
        match decl {
            AstDecl::Field(field) => {
                if let Some(d) = self.compile_field(field, label) {
                    out.push(d);
                }
                out.append(&mut self.extra_decls);
            }
            AstDecl::Embedding(embedding) => {
                if let Some(expr) = embedding.expr() {
                    let id = self.compile_expr(expr);
                    out.push(Decl::Embed(id));
                }
            }
            AstDecl::Ellipsis(ellipsis) => {
                let ty = ellipsis.ty().map(|t| self.compile_expr(t));
                out.push(Decl::Ellipsis(ty, self.span(ellipsis.range())));
            }
            AstDecl::Let(let_clause) => {
                let Some(label) = self
                    .let_features
                    .get(&(self.file.0, let_clause.range().start))
                    .copied()
                else {
                    return;
                };
                let value = match let_clause.value() {
                    Some(v) => self.compile_expr(v),
                    None => self.error(let_clause.range(), "let without a value"),
                };
                out.push(Decl::Let {
                    label,
                    value,
                    span: self.span(let_clause.range()),
                });
            }
            AstDecl::Attribute(_) => {}
            AstDecl::Comprehension(comp) => {
                let compiled = self.compile_comprehension(comp);
                out.push(Decl::Comprehension(Rc::new(compiled)));
            }
        }
    }

    /// `known_label` is the field's label if already looked up.
    fn compile_field(
        &mut self,
        field: ast::Field<'_>,
        known_label: Option<FieldLabel<'_>>,
    ) -> Option<Decl> {
        let (label, label_name) = match known_label {
            Some(known) => known,
            None => {
                let label = field.label()?;
                (label, label.name())
            }
        };
        let span = self.span(field.range());
        let label_span = self.span(label.range());
        let kind = match label.constraint() {
            Constraint::Regular => FieldKind::Regular,
            Constraint::Optional => FieldKind::Optional,
            Constraint::Required => FieldKind::Required,
        };
        let doc = self.pending_doc.take();
        let attributes: Vec<Attribute> = field
            .attributes()
            .map(|a| Attribute {
                name: Rc::from(a.name()),
                body: Rc::from(a.body()),
            })
            .collect();
        if label.postfix_alias().is_some() {
            let id = self.error(label.range(), "postfix aliases (~X) are not supported yet");
            return Some(Decl::Embed(id));
        }

        // The label.
        enum L {
            Static(Feature),
            Dynamic(ExprId),
            Pattern(ExprId),
        }
        // Lets that dynamic-field aliases need; added after the value is compiled (which may
        // compile nested declarations of its own).
        let mut label_lets: Vec<Decl> = Vec::new();
        let l = match label_name? {
            LabelName::Ident(ident) => L::Static(self.program.interner.label(ident.name(), false)),
            LabelName::String(s) => {
                let (decoded, errors) = literal::decode_string(s);
                if let Some(e) = errors.first() {
                    let id = self.error(e.range.clone(), e.message.clone());
                    L::Dynamic(id)
                } else {
                    match decoded.constant() {
                        Some(bytes) => L::Static(
                            self.program
                                .interner
                                .regular(&String::from_utf8_lossy(&bytes)),
                        ),
                        None => L::Dynamic(self.compile_string(s)),
                    }
                }
            }
            LabelName::Dynamic(node) => {
                let inner = node.children().find_map(AstExpr::cast);
                let key = match inner {
                    Some(AstExpr::Alias(alias)) => match alias.value() {
                        Some(v) => self.compile_expr(v),
                        None => self.error(node.range(), "missing label expression"),
                    },
                    Some(e) => self.compile_expr(e),
                    None => self.error(node.range(), "missing label expression"),
                };
                let span = self.span(node.range());
                // Aliases of dynamic fields are lets: `(K=k)` the key, `X=(k)` the field.
                if let Some(AstExpr::Alias(alias)) = inner {
                    if let Some(name) = alias.name() {
                        if let Some(feature) = self
                            .let_features
                            .get(&(self.file.0, name.range().start))
                            .copied()
                        {
                            label_lets.push(Decl::Let {
                                label: feature,
                                value: key,
                                span: span.clone(),
                            });
                        }
                    }
                }
                if let Some(alias) = label.alias() {
                    if let Some(feature) = self
                        .let_features
                        .get(&(self.file.0, alias.range().start))
                        .copied()
                    {
                        let this = self.push(ExprKind::Ref(Ref::Frame { up: 0 }), span.clone());
                        let field = self.push(ExprKind::Index(this, key), span.clone());
                        label_lets.push(Decl::Let {
                            label: feature,
                            value: field,
                            span: span.clone(),
                        });
                    }
                }
                L::Dynamic(key)
            }
            LabelName::Pattern(pattern) => match pattern.expr() {
                Some(AstExpr::Alias(alias)) => {
                    let id = match alias.value() {
                        Some(v) => self.compile_expr(v),
                        None => self.error(pattern.range(), "missing pattern"),
                    };
                    L::Pattern(id)
                }
                Some(e) => L::Pattern(self.compile_expr(e)),
                None => L::Pattern(self.error(pattern.range(), "invalid pattern constraint")),
            },
        };

        // Pattern aliases `[X=expr]: value` (and `V=[expr]: value`) bind names inside the value.
        let pattern_alias_name = match label_name {
            Some(LabelName::Pattern(p)) => match p.expr() {
                Some(AstExpr::Alias(a)) => a.name().map(|n| n.name().to_owned()),
                _ => None,
            },
            _ => None,
        };

        let with_frame = pattern_alias_name.is_some()
            || (matches!(label_name, Some(LabelName::Pattern(_))) && label.alias().is_some());
        // `[X=pattern]: v` binds X (the label, slot 0); `V=[pattern]: v` binds V (the
        // matched field, slot 1), for whatever the value is (also `[X=p]: b: c`).
        let label_alias_of_pattern = match label_name {
            Some(LabelName::Pattern(_)) => label.alias(),
            _ => None,
        };
        let with_pattern_alias = pattern_alias_name.is_some() || label_alias_of_pattern.is_some();
        if with_pattern_alias {
            let mut scope = Scope::new(true, FxHashMap::default());
            if let Some(name) = &pattern_alias_name {
                scope
                    .names
                    .insert(Rc::from(name.as_str()), Binding::Local(0));
            }
            if let Some(alias) = label_alias_of_pattern {
                scope
                    .names
                    .insert(Rc::from(alias.name()), Binding::Local(1));
                scope.declared.push((Rc::from(alias.name()), alias.range()));
            }
            self.scopes.push(scope);
        }
        // The value, with a value alias `a: X=v` bound inside v.
        let value = match field.value() {
            Some(FieldValue::Field(inner)) => {
                // `a: b: c` is `a: {b: c}`.
                let inner_span = self.span(inner.range());
                let mut decls = Vec::new();
                let mut names = FxHashMap::default();
                let inner_decls = [AstDecl::Field(inner)];
                let inner_labels = field_labels(&inner_decls);
                let declared = collect_struct_names(
                    &mut self.program.interner,
                    &inner_decls,
                    &inner_labels,
                    &mut names,
                    &mut self.let_features,
                    self.file.0,
                );
                let mut scope = Scope::new(true, names);
                scope.declared = declared.aliases;
                self.scopes.push(scope);
                self.compile_decl(AstDecl::Field(inner), inner_labels[0], &mut decls);
                self.pop_scope();
                self.push(
                    ExprKind::Struct(Rc::new(StructLit {
                        decls,
                        span: inner_span.clone(),
                    })),
                    inner_span,
                )
            }
            Some(FieldValue::Expr(expr)) => {
                let id = match (expr, &l) {
                    (AstExpr::Alias(alias), L::Static(_))
                        if matches!(alias.value(), Some(AstExpr::Struct(_))) =>
                    {
                        // `a: X={...}`: X is the struct itself, wherever it is unified.
                        if let Some(n) = alias.name() {
                            self.pending_self_alias = Some((Rc::from(n.name()), n.range()));
                        }
                        let id = match alias.value() {
                            Some(v) => self.compile_expr(v),
                            None => self.error(alias.range(), "missing value"),
                        };
                        self.pending_self_alias = None;
                        id
                    }
                    (AstExpr::Alias(alias), L::Static(feature)) => {
                        let feature = *feature;
                        let target = self.scopes.len() - 1 - usize::from(with_pattern_alias);
                        let mut scope = Scope::new(false, FxHashMap::default());
                        if let Some(n) = alias.name() {
                            scope.names.insert(
                                Rc::from(n.name()),
                                Binding::Alias {
                                    scope: target,
                                    label: feature,
                                },
                            );
                            scope.declared.push((Rc::from(n.name()), n.range()));
                        }
                        self.scopes.push(scope);
                        let id = match alias.value() {
                            Some(v) => self.compile_expr(v),
                            None => self.error(alias.range(), "missing value"),
                        };
                        self.pop_scope();
                        id
                    }
                    (AstExpr::Alias(alias), _) => match alias.value() {
                        Some(v) => self.compile_expr(v),
                        None => self.error(alias.range(), "missing value"),
                    },
                    _ => self.compile_expr(expr),
                };
                id
            }
            None => self.error(field.range(), "field without a value"),
        };
        if with_pattern_alias {
            self.pop_scope();
        }

        self.extra_decls.append(&mut label_lets);
        Some(match l {
            L::Static(label) => Decl::Field(FieldDecl {
                label,
                kind,
                value,
                span,
                label_span,
                attributes,
                doc,
            }),
            L::Dynamic(key) => Decl::Dynamic {
                key,
                kind,
                value,
                span,
                doc,
            },
            L::Pattern(pattern) => Decl::Pattern {
                pattern,
                value,
                alias: with_frame,
                span,
            },
        })
    }

    fn compile_comprehension(&mut self, comp: ast::Comprehension<'_>) -> Comprehension {
        let span = self.span(comp.range());
        let mut clauses = Vec::new();
        let mut pushed = 0;
        for clause in comp.clauses() {
            match clause {
                AstClause::For(f) => {
                    let source = match f.source() {
                        Some(s) => self.compile_expr(s),
                        None => self.error(f.range(), "for clause without a source"),
                    };
                    let mut names = FxHashMap::default();
                    for (slot, node) in [(0u32, f.key()), (1u32, f.value())] {
                        if let Some(n) = node {
                            if n.kind() != "top" {
                                names.insert(Rc::from(n.text()), Binding::Local(slot));
                            }
                        }
                    }
                    clauses.push(Clause::For {
                        source,
                        span: self.span(f.range()),
                    });
                    self.scopes.push(Scope::new(true, names));
                    pushed += 1;
                }
                AstClause::If(i) => {
                    let cond = match i.condition() {
                        Some(c) => self.compile_expr(c),
                        None => self.error(i.range(), "if clause without a condition"),
                    };
                    clauses.push(Clause::If(cond));
                }
                AstClause::Let(l) => {
                    let value = match l.value() {
                        Some(v) => self.compile_expr(v),
                        None => self.error(l.range(), "let without a value"),
                    };
                    clauses.push(Clause::Let(value));
                    let mut scope = Scope::new(true, FxHashMap::default());
                    if let Some(n) = l.name() {
                        scope.names.insert(Rc::from(n.name()), Binding::Local(0));
                        scope.declared.push((Rc::from(n.name()), l.range()));
                    }
                    self.scopes.push(scope);
                    pushed += 1;
                }
                AstClause::Try(t) => {
                    let id = self.error(t.range(), "try clauses are not supported yet");
                    clauses.push(Clause::If(id));
                }
            }
        }
        let body = match comp.body() {
            Some(b) => self.compile_struct(b),
            None => self.error(comp.range(), "comprehension without a body"),
        };
        for _ in 0..pushed {
            self.pop_scope();
        }
        let fallback = comp
            .fallback()
            .and_then(|f| f.body())
            .map(|b| self.compile_struct(b));
        Comprehension {
            clauses,
            body,
            fallback,
            span,
        }
    }

    fn compile_expr(&mut self, expr: AstExpr<'_>) -> ExprId {
        self.depth += 1;
        let id = if self.depth > MAX_DEPTH {
            self.error(
                expr.range(),
                format!("expression nested more than {MAX_DEPTH} levels deep"),
            )
        } else {
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.compile_expr_inner(expr))
        };
        self.depth -= 1;
        id
    }

    fn compile_expr_inner(&mut self, expr: AstExpr<'_>) -> ExprId {
        let range = expr.range();
        let span = self.span(range.clone());
        match expr {
            AstExpr::Ident(ident) => self.resolve(ident.name(), range),
            AstExpr::Top(_) => self.push(ExprKind::Top, span),
            AstExpr::Bottom(_) => self.push(ExprKind::Bottom, span),
            AstExpr::Null(_) => self.push(ExprKind::Null, span),
            AstExpr::Bool(_, b) => self.push(ExprKind::Bool(b), span),
            AstExpr::Int(node) | AstExpr::Float(node) => match parse_number(node.text()) {
                Ok(n) => self.push(ExprKind::Num(n), span),
                Err(e) => self.error(range, e),
            },
            AstExpr::String(s) => self.compile_string(s),
            AstExpr::Struct(s) => self.compile_struct(s),
            AstExpr::List(l) => self.compile_list(l),
            AstExpr::Paren(p) => match p.expr() {
                Some(AstExpr::Alias(_)) | None => {
                    self.error(range, "expected an expression in parentheses")
                }
                Some(e) => self.compile_expr(e),
            },
            AstExpr::Binary(b) => {
                let (Some(op), Some(l), Some(r)) = (b.op(), b.lhs(), b.rhs()) else {
                    return self.error(range, "incomplete binary expression");
                };
                use ast::BinaryOp as B;
                match op {
                    B::Conjunction => {
                        let mut parts = Vec::new();
                        self.flatten_conjunction(AstExpr::Binary(b), &mut parts);
                        self.push(ExprKind::Conjunction(parts), span)
                    }
                    B::Disjunction => {
                        let mut alternatives = Vec::new();
                        let has_default =
                            self.flatten_disjunction(AstExpr::Binary(b), &mut alternatives);
                        self.push(
                            ExprKind::Disjunction {
                                alternatives,
                                has_default,
                            },
                            span,
                        )
                    }
                    _ => {
                        for operand in [l, r] {
                            if let AstExpr::Unary(u) = operand {
                                if u.op() == Some(ast::UnaryOp::Default) {
                                    return self.error(
                                        u.range(),
                                        "preference mark not allowed at this position",
                                    );
                                }
                            }
                        }
                        let l = self.compile_expr(l);
                        let r = self.compile_expr(r);
                        let op = match op {
                            B::Or => BinOp::Or,
                            B::And => BinOp::And,
                            B::Equal => BinOp::Equal,
                            B::NotEqual => BinOp::NotEqual,
                            B::Less => BinOp::Less,
                            B::LessEqual => BinOp::LessEqual,
                            B::Greater => BinOp::Greater,
                            B::GreaterEqual => BinOp::GreaterEqual,
                            B::Match => BinOp::Match,
                            B::NotMatch => BinOp::NotMatch,
                            B::Add => BinOp::Add,
                            B::Sub => BinOp::Sub,
                            B::Mul => BinOp::Mul,
                            B::Div => BinOp::Div,
                            B::Conjunction | B::Disjunction => unreachable!(),
                        };
                        self.push(ExprKind::Binary(op, l, r), span)
                    }
                }
            }
            AstExpr::Unary(u) => {
                let (Some(op), Some(operand)) = (u.op(), u.operand()) else {
                    return self.error(range, "incomplete unary expression");
                };
                use ast::UnaryOp as U;
                let bound = |op| -> Option<BoundOp> {
                    Some(match op {
                        U::Less => BoundOp::Less,
                        U::LessEqual => BoundOp::LessEqual,
                        U::Greater => BoundOp::Greater,
                        U::GreaterEqual => BoundOp::GreaterEqual,
                        U::NotEqual => BoundOp::NotEqual,
                        U::Equal => BoundOp::Equal,
                        U::Match => BoundOp::Match,
                        U::NotMatch => BoundOp::NotMatch,
                        _ => return None,
                    })
                };
                if let Some(b) = bound(op) {
                    let operand = self.compile_expr(operand);
                    return self.push(ExprKind::Bound(b, operand), span);
                }
                match op {
                    U::Default => {
                        let mut alternatives = Vec::new();
                        let has_default =
                            self.flatten_disjunction(AstExpr::Unary(u), &mut alternatives);
                        self.push(
                            ExprKind::Disjunction {
                                alternatives,
                                has_default,
                            },
                            span,
                        )
                    }
                    U::Minus | U::Plus => {
                        // Fold negative literals so `-1` is a number, as CUE's parser does.
                        if let AstExpr::Int(n) | AstExpr::Float(n) = operand {
                            if let Ok(num) = parse_number(n.text()) {
                                let num = if op == U::Minus { num.neg() } else { num };
                                return self.push(ExprKind::Num(num), span);
                            }
                        }
                        let operand = self.compile_expr(operand);
                        let op = if op == U::Minus {
                            UnaryOp::Minus
                        } else {
                            UnaryOp::Plus
                        };
                        self.push(ExprKind::Unary(op, operand), span)
                    }
                    U::Not => {
                        let operand = self.compile_expr(operand);
                        self.push(ExprKind::Unary(UnaryOp::Not, operand), span)
                    }
                    _ => unreachable!(),
                }
            }
            AstExpr::Postfix(p) => {
                let Some(operand) = p.operand() else {
                    return self.error(range, "incomplete expression");
                };
                if p.op() == "..." {
                    let operand = self.compile_expr(operand);
                    self.push(ExprKind::Open(operand), span)
                } else {
                    self.error(range, "optional references (x?) are not supported yet")
                }
            }
            AstExpr::Selector(s) => {
                let (Some(operand), Some(sel)) = (s.operand(), s.selector()) else {
                    return self.error(range, "incomplete selector");
                };
                let name = if sel.kind() == "string" {
                    match sel.cast::<ast::StringLit>().map(literal::decode_string) {
                        Some((d, _)) => match d.constant() {
                            Some(b) => (String::from_utf8_lossy(&b).into_owned(), true),
                            None => {
                                return self
                                    .error(sel.range(), "interpolated selectors are not allowed");
                            }
                        },
                        None => return self.error(sel.range(), "invalid selector"),
                    }
                } else {
                    (sel.text().to_owned(), false)
                };
                // `pkg.Name` for a standard-library package resolves now.
                if let AstExpr::Ident(ident) = operand {
                    if let Some(Binding::Package(PackageRef::Builtin(pkg))) =
                        self.lookup(ident.name()).map(|(b, _)| b)
                    {
                        return match builtins::lookup(pkg, &name.0) {
                            Some(id) => self.push(ExprKind::Builtin(id), span),
                            None => self.error(sel.range(), format!("undefined: {pkg}.{}", name.0)),
                        };
                    }
                }
                let operand = self.compile_expr(operand);
                let feature = self.program.interner.label(&name.0, name.1);
                self.push(ExprKind::Selector(operand, feature), span)
            }
            AstExpr::Index(i) => {
                let (Some(operand), Some(index)) = (i.operand(), i.index()) else {
                    return self.error(range, "incomplete index expression");
                };
                let operand = self.compile_expr(operand);
                let index = self.compile_expr(index);
                self.push(ExprKind::Index(operand, index), span)
            }
            AstExpr::Slice(s) => {
                let Some(operand) = s.operand() else {
                    return self.error(range, "incomplete slice expression");
                };
                let operand = self.compile_expr(operand);
                let low = s.low().map(|e| self.compile_expr(e));
                let high = s.high().map(|e| self.compile_expr(e));
                self.push(ExprKind::Slice(operand, low, high), span)
            }
            AstExpr::Call(c) => {
                let Some(function) = c.function() else {
                    return self.error(range, "incomplete call");
                };
                let function = self.compile_expr(function);
                let args: Vec<AstExpr<'_>> = c.args().collect();
                let args = args.into_iter().map(|a| self.compile_expr(a)).collect();
                self.push(ExprKind::Call(function, args), span)
            }
            AstExpr::Alias(a) => match a.value() {
                Some(v) => self.compile_expr(v),
                None => self.error(range, "missing value"),
            },
        }
    }

    fn flatten_conjunction(&mut self, expr: AstExpr<'_>, out: &mut Vec<ExprId>) {
        match expr {
            AstExpr::Binary(b) if b.op() == Some(ast::BinaryOp::Conjunction) => {
                if let Some(l) = b.lhs() {
                    self.flatten_conjunction(l, out);
                }
                if let Some(r) = b.rhs() {
                    self.flatten_conjunction(r, out);
                }
            }
            AstExpr::Paren(p) => match p.expr() {
                Some(inner @ AstExpr::Binary(b)) if b.op() == Some(ast::BinaryOp::Conjunction) => {
                    self.flatten_conjunction(inner, out)
                }
                _ => out.push(self.compile_expr(expr)),
            },
            _ => out.push(self.compile_expr(expr)),
        }
    }

    /// Flattens `a | *b | (c | *d)` into alternatives with default marks, following the
    /// spec's rules: syntactically consecutive `|` terms form one disjunction; if any of
    /// its terms is marked with `*`, marked terms keep their own defaults or become
    /// defaults (M1, M2) and unmarked terms lose theirs (M3); in an unmarked disjunction,
    /// nested defaults are kept (D1, D2). Returns whether any alternative is a default.
    fn flatten_disjunction(&mut self, expr: AstExpr<'_>, out: &mut Vec<(ExprId, bool)>) -> bool {
        let mut terms = Vec::new();
        collect_disjunction_terms(expr, &mut terms);
        let marked_chain = terms.iter().any(|t| t.1);
        let mut any_default = false;
        for (term, marked) in terms {
            let start = out.len();
            let inner_default = self.flatten_term(term, out);
            if marked_chain {
                if marked {
                    if !inner_default {
                        for alt in &mut out[start..] {
                            alt.1 = true;
                        }
                    }
                    any_default = true;
                } else {
                    for alt in &mut out[start..] {
                        alt.1 = false;
                    }
                }
            } else {
                any_default |= inner_default;
            }
        }
        any_default
    }

    /// One term of a disjunction: a nested (parenthesized) disjunction is flattened with
    /// its own defaults; anything else is one alternative.
    fn flatten_term(&mut self, term: AstExpr<'_>, out: &mut Vec<(ExprId, bool)>) -> bool {
        let mut inner = term;
        while let AstExpr::Paren(p) = inner {
            match p.expr() {
                Some(e @ (AstExpr::Paren(_) | AstExpr::Binary(_) | AstExpr::Unary(_))) => inner = e,
                _ => break,
            }
        }
        let is_disjunctive = match inner {
            AstExpr::Binary(b) => b.op() == Some(ast::BinaryOp::Disjunction),
            AstExpr::Unary(u) => u.op() == Some(ast::UnaryOp::Default),
            _ => false,
        };
        // (`term` itself is never a `|` chain or a marked term: those were collected.)
        if is_disjunctive {
            self.flatten_disjunction(inner, out)
        } else {
            out.push((self.compile_expr(term), false));
            false
        }
    }

    fn compile_list(&mut self, list: ast::ListLit<'_>) -> ExprId {
        let span = self.span(list.range());
        let mut elems = Vec::new();
        let mut ellipsis = None;
        for elem in list.elems() {
            match elem {
                AstListElem::Expr(e) => {
                    let id = self.compile_expr(e);
                    elems.push(ListElem::Expr(id));
                }
                AstListElem::Comprehension(c) => {
                    let comp = self.compile_comprehension(c);
                    elems.push(ListElem::Comprehension(Rc::new(comp)));
                }
                AstListElem::Ellipsis(e) => {
                    ellipsis = Some(e.ty().map(|t| self.compile_expr(t)));
                }
            }
        }
        self.push(
            ExprKind::List(Rc::new(ListLit {
                elems,
                ellipsis,
                span: span.clone(),
            })),
            span,
        )
    }

    fn compile_string(&mut self, s: ast::StringLit<'_>) -> ExprId {
        let span = self.span(s.range());
        let (decoded, errors) = literal::decode_string(s);
        if let Some(e) = errors.into_iter().next() {
            return self.error(e.range, e.message);
        }
        let bytes = decoded.quote.is_bytes();
        if let Some(constant) = decoded.constant() {
            return if bytes {
                self.push(ExprKind::Bytes(Rc::from(constant)), span)
            } else {
                let text = String::from_utf8(constant).unwrap_or_default();
                self.push(ExprKind::Str(Rc::from(text)), span)
            };
        }
        let interpolations: Vec<Option<AstExpr<'_>>> = s
            .parts()
            .into_iter()
            .filter_map(|p| match p {
                ast::StringPart::Interpolation(i) => Some(i.expr()),
                _ => None,
            })
            .collect();
        let mut parts = Vec::new();
        for segment in decoded.segments {
            match segment {
                Segment::Bytes(b) => parts.push(InterpolationPart::Lit(Rc::from(b))),
                Segment::Interpolation(i) => {
                    let id = match interpolations.get(i).copied().flatten() {
                        Some(e) => self.compile_expr(e),
                        None => self.error(s.range(), "empty interpolation"),
                    };
                    parts.push(InterpolationPart::Expr(id));
                }
            }
        }
        self.push(ExprKind::Interpolation { parts, bytes }, span)
    }

    /// Finds the binding of `name` and the number of run-time frames to walk up to it;
    /// marks it used.
    fn lookup(&mut self, name: &str) -> Option<(Binding, u32)> {
        let mut frames = 0u32;
        for i in (0..self.scopes.len()).rev() {
            if let Some(binding) = self.scopes[i].names.get(name).copied() {
                // An import of the same name shadows a top-level field in its file.
                let shadowed = self.scopes[i].package_top
                    && matches!(binding, Binding::Field(_))
                    && self.scopes[..i].iter().any(|s| s.names.contains_key(name));
                if shadowed {
                    if self.scopes[i].frame {
                        frames += 1;
                    }
                    continue;
                }
                self.scopes[i].used.insert(Rc::from(name));
                let up = match binding {
                    Binding::Alias { scope: target, .. } => {
                        self.scopes[target + 1..].iter().filter(|s| s.frame).count() as u32
                    }
                    _ => frames,
                };
                return Some((binding, up));
            }
            if self.scopes[i].frame {
                frames += 1;
            }
        }
        None
    }

    /// Leaves a scope, reporting aliases and lets that were never referenced (CUE
    /// rejects them: "unreferenced alias or let clause").
    fn pop_scope(&mut self) {
        let Some(scope) = self.scopes.pop() else {
            return;
        };
        for (name, range) in scope.declared {
            if !scope.used.contains(&name) {
                let span = self.span(range);
                self.program.diagnostics.push(Diagnostic::error(
                    span,
                    format!("unreferenced alias or let clause {name}"),
                ));
            }
        }
    }

    fn report_duplicates(&mut self, declared: &Declared) {
        for (name, range) in &declared.duplicates {
            let span = self.span(range.clone());
            self.program.diagnostics.push(Diagnostic::error(
                span,
                format!(
                    "{name} redeclared in this struct (a field, let or alias of that name exists)"
                ),
            ));
        }
    }

    fn resolve(&mut self, name: &str, range: xdef_syntax::TextRange) -> ExprId {
        let span = self.span(range.clone());
        if let Some((binding, up)) = self.lookup(name) {
            return match binding {
                Binding::Field(label) => self.push(ExprKind::Ref(Ref::Field { up, label }), span),
                Binding::Alias { label, .. } => {
                    self.push(ExprKind::Ref(Ref::Field { up, label }), span)
                }
                Binding::Local(slot) => self.push(ExprKind::Ref(Ref::Local { up, slot }), span),
                Binding::Frame => self.push(ExprKind::Ref(Ref::Frame { up }), span),
                Binding::Package(PackageRef::Source(pkg)) => {
                    self.push(ExprKind::Package(pkg), span)
                }
                Binding::Package(PackageRef::Builtin(pkg)) => self.error(
                    range,
                    format!("package {pkg} used as a value (select a member, e.g. {pkg}.Name)"),
                ),
            };
        }
        if let Some(kind) = predeclared(name) {
            return self.push(kind, span);
        }
        if let Some(id) = builtins::lookup("", name) {
            return self.push(ExprKind::Builtin(id), span);
        }
        self.error(range, format!("reference \"{name}\" not found"))
    }
}

/// The terms of a chain `a | *b | c` (not looking into parentheses), with their marks.
fn collect_disjunction_terms<'t>(expr: AstExpr<'t>, out: &mut Vec<(AstExpr<'t>, bool)>) {
    match expr {
        AstExpr::Binary(b) if b.op() == Some(ast::BinaryOp::Disjunction) => {
            if let Some(l) = b.lhs() {
                collect_disjunction_terms(l, out);
            }
            if let Some(r) = b.rhs() {
                collect_disjunction_terms(r, out);
            }
        }
        AstExpr::Unary(u) if u.op() == Some(ast::UnaryOp::Default) => match u.operand() {
            Some(operand) => out.push((operand, true)),
            None => {}
        },
        other => out.push((other, false)),
    }
}

/// Predeclared types of the universe.
fn predeclared(name: &str) -> Option<ExprKind> {
    let int_range = |lo: &str, hi: &str| {
        ExprKind::Type(
            Kinds::INT,
            vec![
                (
                    BoundOp::GreaterEqual,
                    Num::parse_int(lo, 10).expect("bound"),
                ),
                (BoundOp::LessEqual, Num::parse_int(hi, 10).expect("bound")),
            ],
        )
    };
    Some(match name {
        "bool" => ExprKind::Type(Kinds::BOOL, vec![]),
        "int" => ExprKind::Type(Kinds::INT, vec![]),
        "float" => ExprKind::Type(Kinds::FLOAT, vec![]),
        "number" => ExprKind::Type(Kinds::NUMBER, vec![]),
        "string" => ExprKind::Type(Kinds::STRING, vec![]),
        "bytes" => ExprKind::Type(Kinds::BYTES, vec![]),
        "null" => ExprKind::Null,
        "uint" => ExprKind::Type(Kinds::INT, vec![(BoundOp::GreaterEqual, Num::int(0))]),
        "uint8" => int_range("0", "255"),
        "uint16" => int_range("0", "65535"),
        "uint32" => int_range("0", "4294967295"),
        "uint64" => int_range("0", "18446744073709551615"),
        "uint128" => int_range("0", "340282366920938463463374607431768211455"),
        "int8" => int_range("-128", "127"),
        "int16" => int_range("-32768", "32767"),
        "int32" => int_range("-2147483648", "2147483647"),
        "rune" => int_range("0", "1114111"),
        "int64" => int_range("-9223372036854775808", "9223372036854775807"),
        "int128" => int_range(
            "-170141183460469231731687303715884105728",
            "170141183460469231731687303715884105727",
        ),
        "float32" => ExprKind::Type(
            Kinds::NUMBER,
            vec![
                (
                    BoundOp::GreaterEqual,
                    Num::parse_decimal(
                        "-3.40282346638528859811704183484516925440e+38",
                        NumKind::Float,
                    )
                    .expect("bound"),
                ),
                (
                    BoundOp::LessEqual,
                    Num::parse_decimal(
                        "3.40282346638528859811704183484516925440e+38",
                        NumKind::Float,
                    )
                    .expect("bound"),
                ),
            ],
        ),
        "float64" => ExprKind::Type(
            Kinds::NUMBER,
            vec![
                (
                    BoundOp::GreaterEqual,
                    Num::parse_decimal(
                        "-1.797693134862315708145274237317043567981e+308",
                        NumKind::Float,
                    )
                    .expect("bound"),
                ),
                (
                    BoundOp::LessEqual,
                    Num::parse_decimal(
                        "1.797693134862315708145274237317043567981e+308",
                        NumKind::Float,
                    )
                    .expect("bound"),
                ),
            ],
        ),
        _ => return None,
    })
}

/// Parses a number literal's text into its value.
pub fn parse_number(text: &str) -> Result<Num, String> {
    match literal::number_literal(text)? {
        NumberLit::Int { radix, digits } => Num::parse_int(&digits, radix),
        NumberLit::Si {
            mantissa,
            base,
            exponent,
        } => Num::si(&mantissa, base, exponent),
        NumberLit::Float(text) => Num::parse_decimal(&text, NumKind::Float),
    }
}

/// The doc comment of a declaration from the comments right before it: the `//` lines
/// directly above it, with no blank line in between, not trailing code on their line.
fn doc_from_comments(
    comments: &[ast::SyntaxNode<'_>],
    decl: ast::SyntaxNode<'_>,
) -> Option<Rc<str>> {
    let text = decl.source();
    let mut lines: Vec<&str> = Vec::new();
    let mut next_start = decl.range().start;
    for comment in comments.iter().rev() {
        let range = comment.range();
        if text[range.end..next_start].matches('\n').count() > 1 {
            break;
        }
        let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
        if !text[line_start..range.start].trim().is_empty() {
            break;
        }
        lines.push(text[range.clone()].trim_start_matches("//"));
        next_start = range.start;
    }
    if lines.is_empty() {
        return None;
    }
    lines.reverse();
    let doc: Vec<&str> = lines
        .iter()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    Some(Rc::from(doc.join("\n")))
}
