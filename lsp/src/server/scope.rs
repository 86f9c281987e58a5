//! Name resolution within a file, for definition, references, rename, completion and
//! hover: lexical scoping as the evaluator's compiler does it (a reference names the
//! nearest enclosing struct, file, comprehension clause, `let` or alias that declares it),
//! plus a MAY-analysis for selectors (`parameter.image`, `#Def.field`): a field is known
//! by its *path* from the file (`template.parameter.image`), so every declaration of the
//! same field (`parameter: {...}` written twice, fields added by comprehensions, a struct
//! unified with `&`) is one symbol, and a selector on a field that is itself a reference
//! (`x: #Def`) follows that reference. No evaluation is involved: this serves the fast
//! features and works on files that do not evaluate.
//!
//! Everything is computed in one pass over the tree (no recursion) into an [`Index`] of
//! plain data (byte ranges and symbols), built once per document version.

use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

use tree_sitter::Node;
use xdef_syntax::Parse;

use super::syntax::{self, is_ident_kind};

/// What a name refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbol {
    /// A field, by its path from the file: labels joined with `.`; list elements are
    /// `[i]`, patterns `[*]`, dynamic labels `(*)`, anonymous places `@offset`.
    Field(String),
    /// A `let` (in a struct or a comprehension), by the offset of its name.
    Let(usize),
    /// An alias (`X=label`, `X=expr`, `[X=pattern]`, `~X`), by the offset of its name.
    Alias(usize),
    /// A comprehension variable (`for k, v in ...`), by the offset of its name.
    LoopVar(usize),
    /// An imported package, by the offset of its import spec.
    Import(usize),
    /// A predeclared identifier (`len`, `string`, ...).
    Builtin(String),
    /// `context`, injected into definition templates, and its members (`context.name`).
    Context(Option<String>),
    /// A member of an imported package: (import path, member path).
    PackageMember(String, String),
    /// A name declared nowhere in the file.
    Unresolved(String),
}

impl Symbol {
    /// The field path under which this symbol's members are declared.
    fn member_base(&self, index: &Index) -> Option<String> {
        match self {
            Symbol::Field(p) => Some(p.clone()),
            Symbol::Let(n) => Some(format!("let@{n}")),
            Symbol::Alias(n) => index
                .bindings
                .get(self)
                .and_then(|b| b.base.clone())
                .or_else(|| Some(format!("alias@{n}"))),
            Symbol::LoopVar(n) => Some(format!("for@{n}")),
            _ => None,
        }
    }
}

/// A field declaration.
#[allow(dead_code)]
#[derive(Clone, Debug)]
pub struct FieldDecl {
    /// The label's name (identifier or string).
    pub name_range: Range<usize>,
    /// The whole field.
    pub field_range: Range<usize>,
    /// The value expression (the innermost of a chain `a: b: v` for `b`, the chain for `a`).
    pub value_range: Option<Range<usize>>,
    /// The name is an identifier (not a quoted string).
    pub ident: bool,
}

/// A declaration that is not a field: let, alias, loop variable, import.
#[allow(dead_code)]
#[derive(Clone, Debug)]
pub struct Binding {
    pub name: String,
    pub name_range: Range<usize>,
    /// The whole declaration.
    pub decl_range: Range<usize>,
    pub value_range: Option<Range<usize>>,
    /// For aliases of a field or value: the field path they stand for.
    pub base: Option<String>,
    /// For imports: the import path.
    pub import_path: Option<String>,
}

/// A use of a name.
#[allow(dead_code)]
#[derive(Clone, Debug)]
pub struct Ref {
    pub range: Range<usize>,
    pub symbol: Symbol,
    /// The use is a selector or index (`a.b`, `a["b"]`), not a plain identifier.
    pub member: bool,
}

#[derive(Default)]
pub struct Index {
    pub fields: HashMap<String, Vec<FieldDecl>>,
    /// Parent path → names of child fields, in order of first declaration.
    pub children: HashMap<String, Vec<String>>,
    pub bindings: HashMap<Symbol, Binding>,
    /// Every reference, in source order.
    pub refs: Vec<Ref>,
    /// Symbols a field's declarations refer to as their value (`x: #Def`, `x: a.b & {...}`).
    pub value_refs: HashMap<String, Vec<Symbol>>,
    /// Whether the file is a definition (has `template`), where `context` is predeclared.
    pub is_definition: bool,
    /// The field path of each struct literal (and of the file), by its start offset.
    pub struct_paths: HashMap<usize, String>,
}

pub const PREDECLARED: &[&str] = &[
    "len", "close", "and", "or", "div", "mod", "quo", "rem", "string", "int", "float", "number",
    "bool", "bytes", "uint", "uint8", "uint16", "uint32", "uint64", "uint128", "int8", "int16",
    "int32", "int64", "int128", "float32", "float64", "rune",
];

/// A lexical scope: names declared at one level, and the enclosing scope.
struct Scope {
    names: HashMap<String, Symbol>,
    parent: Option<Rc<Scope>>,
}

fn lookup(scope: &Option<Rc<Scope>>, name: &str) -> Option<Symbol> {
    let mut s = scope.as_ref();
    while let Some(sc) = s {
        if let Some(sym) = sc.names.get(name) {
            return Some(sym.clone());
        }
        s = sc.parent.as_ref();
    }
    None
}

fn push_scope(parent: &Option<Rc<Scope>>, names: HashMap<String, Symbol>) -> Option<Rc<Scope>> {
    if names.is_empty() {
        return parent.clone();
    }
    Some(Rc::new(Scope {
        names,
        parent: parent.clone(),
    }))
}

fn join(base: &str, component: &str) -> String {
    if base.is_empty() {
        component.to_owned()
    } else {
        format!("{base}.{component}")
    }
}

/// Children of a node with their field names.
fn children_with_fields<'t>(node: Node<'t>) -> Vec<(Option<&'t str>, Node<'t>)> {
    let mut out = Vec::new();
    let mut cursor = node.walk();
    if cursor.goto_first_child() {
        loop {
            out.push((cursor.field_name(), cursor.node()));
            if !cursor.goto_next_sibling() {
                break;
            }
        }
    }
    out
}

/// The path component of a label: its name, `[*]` for patterns, `(*)` for dynamic labels.
pub fn label_component(parse: &Parse, label: Node<'_>) -> Option<String> {
    let name = label.child_by_field_name("name")?;
    match name.kind() {
        "pattern_constraint" => Some("[*]".into()),
        "dynamic_label" => Some("(*)".into()),
        _ => Some(syntax::label_node_name(parse, name).unwrap_or_else(|| "(*)".into())),
    }
}

/// The import name of an import spec: explicit, or the last path element.
pub fn import_name(parse: &Parse, spec: Node<'_>) -> Option<(String, String)> {
    let path = syntax::string_value(parse, spec.child_by_field_name("path")?)?;
    let name = match spec.child_by_field_name("name") {
        Some(n) => syntax::text(parse, n).to_owned(),
        None => {
            let last = path.rsplit('/').next().unwrap_or(&path);
            last.split(':').next().unwrap_or(last).to_owned()
        }
    };
    Some((name, path))
}

/// Names a struct (or the file) declares for its body: fields, lets, label aliases.
fn struct_scope(
    parse: &Parse,
    node: Node<'_>,
    path: &str,
    bindings: &mut HashMap<Symbol, Binding>,
) -> HashMap<String, Symbol> {
    let mut names = HashMap::new();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "field" => {
                let Some(label) = child.child_by_field_name("label") else {
                    continue;
                };
                let Some(component) = label_component(parse, label) else {
                    continue;
                };
                let fpath = join(path, &component);
                if let Some(name) = label.child_by_field_name("name") {
                    if is_ident_kind(name.kind()) || name.kind() == "string" {
                        names
                            .entry(component.clone())
                            .or_insert(Symbol::Field(fpath.clone()));
                    }
                }
                if let Some(alias) = label.child_by_field_name("alias") {
                    let sym = Symbol::Alias(alias.start_byte());
                    names.insert(syntax::text(parse, alias).to_owned(), sym.clone());
                    bindings.insert(
                        sym,
                        Binding {
                            name: syntax::text(parse, alias).to_owned(),
                            name_range: alias.byte_range(),
                            decl_range: child.byte_range(),
                            value_range: None,
                            base: Some(fpath.clone()),
                            import_path: None,
                        },
                    );
                }
                if let Some(pa) = label.child_by_field_name("postfix_alias") {
                    for (fname, n) in children_with_fields(pa) {
                        if n.kind() != "identifier" {
                            continue;
                        }
                        let sym = Symbol::Alias(n.start_byte());
                        names.insert(syntax::text(parse, n).to_owned(), sym.clone());
                        bindings.insert(
                            sym,
                            Binding {
                                name: syntax::text(parse, n).to_owned(),
                                name_range: n.byte_range(),
                                decl_range: child.byte_range(),
                                value_range: None,
                                base: (fname == Some("field")).then(|| fpath.clone()),
                                import_path: None,
                            },
                        );
                    }
                }
            }
            "let_clause" => {
                if let Some(n) = child.child_by_field_name("name") {
                    let sym = Symbol::Let(n.start_byte());
                    names.insert(syntax::text(parse, n).to_owned(), sym.clone());
                    bindings.insert(
                        sym,
                        Binding {
                            name: syntax::text(parse, n).to_owned(),
                            name_range: n.byte_range(),
                            decl_range: child.byte_range(),
                            value_range: child.child_by_field_name("value").map(|v| v.byte_range()),
                            base: None,
                            import_path: None,
                        },
                    );
                }
            }
            "import_declaration" => {
                let mut c2 = child.walk();
                for spec in child.named_children(&mut c2) {
                    if spec.kind() != "import_spec" {
                        continue;
                    }
                    if let Some((name, ipath)) = import_name(parse, spec) {
                        let sym = Symbol::Import(spec.start_byte());
                        let name_range = spec
                            .child_by_field_name("name")
                            .or_else(|| spec.child_by_field_name("path"))
                            .map_or(spec.byte_range(), |n| n.byte_range());
                        names.insert(name.clone(), sym.clone());
                        bindings.insert(
                            sym,
                            Binding {
                                name,
                                name_range,
                                decl_range: spec.byte_range(),
                                value_range: None,
                                base: None,
                                import_path: Some(ipath),
                            },
                        );
                    }
                }
            }
            _ => {}
        }
    }
    names
}

/// Bindings of comprehension clauses, in order.
fn clause_bindings(
    parse: &Parse,
    clause: Node<'_>,
    bindings: &mut HashMap<Symbol, Binding>,
) -> HashMap<String, Symbol> {
    let mut names = HashMap::new();
    let mut add = |n: Node<'_>, sym: Symbol, value: Option<Node<'_>>| {
        if n.kind() == "top" {
            return;
        }
        let name = syntax::text(parse, n).to_owned();
        names.insert(name.clone(), sym.clone());
        bindings.insert(
            sym,
            Binding {
                name,
                name_range: n.byte_range(),
                decl_range: clause.byte_range(),
                value_range: value.map(|v| v.byte_range()),
                base: None,
                import_path: None,
            },
        );
    };
    match clause.kind() {
        "for_clause" => {
            for f in ["key", "value"] {
                if let Some(n) = clause.child_by_field_name(f) {
                    add(n, Symbol::LoopVar(n.start_byte()), None);
                }
            }
        }
        "let_clause" | "try_clause" => {
            if let Some(n) = clause.child_by_field_name("name") {
                add(
                    n,
                    Symbol::Let(n.start_byte()),
                    clause.child_by_field_name("value"),
                );
            }
        }
        _ => {}
    }
    names
}

/// A node to visit: the node, the path of the value it denotes (for structs, lists and
/// the operands of `&`/`|`), the path of the struct its declarations belong to, and the
/// scope it sees.
struct Visit<'t> {
    node: Node<'t>,
    /// Path of the value this node is (when it is an expression).
    path: Rc<str>,
    scope: Option<Rc<Scope>>,
    /// The node's field name in its parent.
    role: Option<&'t str>,
}

impl Index {
    pub fn build(parse: &Parse) -> Index {
        let mut index = Index {
            is_definition: syntax::template_struct(parse).is_some(),
            ..Default::default()
        };
        let root = parse.tree().root_node();
        // Identifier uses (node id → symbol), and selector/index nodes to resolve after.
        let mut ident_syms: HashMap<usize, Symbol> = HashMap::new();
        let mut members: Vec<Node<'_>> = Vec::new();
        // Field path → value expression nodes.
        let mut values: Vec<(String, Node<'_>)> = Vec::new();
        let mut stack = vec![Visit {
            node: root,
            path: Rc::from(""),
            scope: None,
            role: None,
        }];
        let mut visited = 0usize;
        while let Some(Visit {
            node,
            path,
            scope,
            role,
        }) = stack.pop()
        {
            visited += 1;
            if visited > 2_000_000 {
                break;
            }
            let kind = node.kind();
            match kind {
                "source_file" | "struct" => {
                    index
                        .struct_paths
                        .insert(node.start_byte(), path.to_string());
                    let names = struct_scope(parse, node, &path, &mut index.bindings);
                    let inner = push_scope(&scope, names);
                    for (f, child) in children_with_fields(node).into_iter().rev() {
                        stack.push(Visit {
                            node: child,
                            path: path.clone(),
                            scope: inner.clone(),
                            role: f,
                        });
                    }
                }
                "field" => {
                    // `path` is the container's path.
                    let label = node.child_by_field_name("label");
                    let component = label.and_then(|l| label_component(parse, l));
                    let fpath: Rc<str> = match &component {
                        Some(c) => Rc::from(join(&path, c)),
                        None => Rc::from(format!("@{}", node.start_byte())),
                    };
                    let value = node.child_by_field_name("value");
                    if let (Some(label), Some(_)) = (label, &component) {
                        if let Some(name) = label.child_by_field_name("name") {
                            let decl = FieldDecl {
                                name_range: name.byte_range(),
                                field_range: node.byte_range(),
                                value_range: value.map(|v| v.byte_range()),
                                ident: is_ident_kind(name.kind()),
                            };
                            index
                                .fields
                                .entry(fpath.to_string())
                                .or_default()
                                .push(decl);
                            let kids = index.children.entry(path.to_string()).or_default();
                            let c = component.clone().unwrap_or_default();
                            if !kids.contains(&c) {
                                kids.push(c);
                            }
                        }
                    }
                    if let Some(v) = value {
                        if v.kind() != "field" {
                            values.push((fpath.to_string(), v));
                        }
                    }
                    // The value sees pattern aliases `[X=...]`; a chained field is in an
                    // implicit struct that declares its label.
                    let mut names = HashMap::new();
                    if let Some(label) = label {
                        if let Some(pc) = label
                            .child_by_field_name("name")
                            .filter(|n| n.kind() == "pattern_constraint")
                        {
                            let mut c = pc.walk();
                            for a in pc.named_children(&mut c).filter(|n| n.kind() == "alias") {
                                if let Some(n) = a.child_by_field_name("name") {
                                    let sym = Symbol::Alias(n.start_byte());
                                    names.insert(syntax::text(parse, n).to_owned(), sym.clone());
                                    index.bindings.insert(
                                        sym,
                                        Binding {
                                            name: syntax::text(parse, n).to_owned(),
                                            name_range: n.byte_range(),
                                            decl_range: a.byte_range(),
                                            value_range: None,
                                            base: None,
                                            import_path: None,
                                        },
                                    );
                                }
                            }
                        }
                    }
                    let value_scope = match value {
                        Some(v) if v.kind() == "field" => {
                            let mut names2 = names;
                            if let Some(c) = v
                                .child_by_field_name("label")
                                .and_then(|l| label_component(parse, l))
                            {
                                names2.insert(c.clone(), Symbol::Field(join(&fpath, &c)));
                            }
                            push_scope(&scope, names2)
                        }
                        _ => push_scope(&scope, names),
                    };
                    for (f, child) in children_with_fields(node).into_iter().rev() {
                        let (p, s) = if f == Some("value") {
                            (fpath.clone(), value_scope.clone())
                        } else {
                            (path.clone(), scope.clone())
                        };
                        stack.push(Visit {
                            node: child,
                            path: p,
                            scope: s,
                            role: f,
                        });
                    }
                }
                "label" => {
                    // Only pattern constraints and dynamic labels hold references.
                    for (f, child) in children_with_fields(node).into_iter().rev() {
                        if f == Some("name")
                            && matches!(child.kind(), "pattern_constraint" | "dynamic_label")
                        {
                            stack.push(Visit {
                                node: child,
                                path: Rc::from(format!("@{}", child.start_byte())),
                                scope: scope.clone(),
                                role: None,
                            });
                        }
                    }
                }
                "comprehension" => {
                    // Clauses see the bindings of the clauses before them; the body (a
                    // struct whose fields belong to the enclosing struct) sees all.
                    let mut cur = scope.clone();
                    let mut todo: Vec<Visit<'_>> = Vec::new();
                    for (f, child) in children_with_fields(node) {
                        match f {
                            Some("clause") => {
                                todo.push(Visit {
                                    node: child,
                                    path: Rc::from(format!("@{}", child.start_byte())),
                                    scope: cur.clone(),
                                    role: f,
                                });
                                let names = clause_bindings(parse, child, &mut index.bindings);
                                cur = push_scope(&cur, names);
                            }
                            Some("body") => todo.push(Visit {
                                node: child,
                                path: path.clone(),
                                scope: cur.clone(),
                                role: f,
                            }),
                            Some("fallback") => todo.push(Visit {
                                node: child,
                                path: path.clone(),
                                scope: scope.clone(),
                                role: f,
                            }),
                            _ => {}
                        }
                    }
                    stack.extend(todo.into_iter().rev());
                }
                "fallback_clause" | "embedding" | "parenthesized_expression" => {
                    for (f, child) in children_with_fields(node).into_iter().rev() {
                        stack.push(Visit {
                            node: child,
                            path: path.clone(),
                            scope: scope.clone(),
                            role: f,
                        });
                    }
                }
                "binary_expression" | "unary_expression" => {
                    let op = node
                        .child_by_field_name("operator")
                        .map(|o| o.kind())
                        .unwrap_or("");
                    let keep = matches!(op, "&" | "|") || (kind == "unary_expression" && op == "*");
                    for (f, child) in children_with_fields(node).into_iter().rev() {
                        stack.push(Visit {
                            node: child,
                            path: if keep {
                                path.clone()
                            } else {
                                Rc::from(format!("@{}", child.start_byte()))
                            },
                            scope: scope.clone(),
                            role: f,
                        });
                    }
                }
                "alias" => {
                    // `X=expr`: X stands for the value and is visible inside it.
                    let mut names = HashMap::new();
                    if let Some(n) = node.child_by_field_name("name") {
                        let sym = Symbol::Alias(n.start_byte());
                        names.insert(syntax::text(parse, n).to_owned(), sym.clone());
                        index.bindings.insert(
                            sym,
                            Binding {
                                name: syntax::text(parse, n).to_owned(),
                                name_range: n.byte_range(),
                                decl_range: node.byte_range(),
                                value_range: node
                                    .child_by_field_name("value")
                                    .map(|v| v.byte_range()),
                                base: (!path.starts_with('@')).then(|| path.to_string()),
                                import_path: None,
                            },
                        );
                    }
                    let inner = push_scope(&scope, names);
                    if let Some(v) = node.child_by_field_name("value") {
                        stack.push(Visit {
                            node: v,
                            path: path.clone(),
                            scope: inner,
                            role: Some("value"),
                        });
                    }
                }
                "list" => {
                    let mut c = node.walk();
                    let elems: Vec<Node<'_>> = node
                        .named_children(&mut c)
                        .filter(|n| n.kind() != "comment")
                        .collect();
                    for (i, child) in elems.iter().enumerate().rev() {
                        let p = if child.kind() == "ellipsis" {
                            path.to_string()
                        } else {
                            join(&path, &format!("[{i}]"))
                        };
                        stack.push(Visit {
                            node: *child,
                            path: Rc::from(p),
                            scope: scope.clone(),
                            role: None,
                        });
                    }
                }
                "for_clause" | "try_clause" => {
                    let f = if kind == "for_clause" {
                        "source"
                    } else {
                        "value"
                    };
                    if let Some(v) = node.child_by_field_name(f) {
                        stack.push(Visit {
                            node: v,
                            path: Rc::from(format!("@{}", v.start_byte())),
                            scope: scope.clone(),
                            role: Some("source"),
                        });
                    }
                }
                "import_declaration" | "import_spec" | "package_clause" | "postfix_alias" => {}
                "let_clause" => {
                    if let Some(v) = node.child_by_field_name("value") {
                        let name_at = node
                            .child_by_field_name("name")
                            .map_or(node.start_byte(), |n| n.start_byte());
                        let p = format!("let@{name_at}");
                        values.push((p.clone(), v));
                        stack.push(Visit {
                            node: v,
                            path: Rc::from(p),
                            scope: scope.clone(),
                            role: Some("value"),
                        });
                    }
                }
                "selector_expression" => {
                    members.push(node);
                    if let Some(op) = node.child_by_field_name("operand") {
                        stack.push(Visit {
                            node: op,
                            path: Rc::from(format!("@{}", op.start_byte())),
                            scope: scope.clone(),
                            role: Some("operand"),
                        });
                    }
                }
                "index_expression" => {
                    members.push(node);
                    for (f, child) in children_with_fields(node).into_iter().rev() {
                        stack.push(Visit {
                            node: child,
                            path: Rc::from(format!("@{}", child.start_byte())),
                            scope: scope.clone(),
                            role: f,
                        });
                    }
                }
                k if is_ident_kind(k) => {
                    let is_use = !matches!(
                        role,
                        Some("name" | "alias" | "key" | "label" | "field" | "selector")
                    );
                    if is_use {
                        let name = syntax::text(parse, node);
                        let sym = lookup(&scope, name).unwrap_or_else(|| {
                            if PREDECLARED.contains(&name) {
                                Symbol::Builtin(name.to_owned())
                            } else if name == "context" && index.is_definition {
                                Symbol::Context(None)
                            } else {
                                Symbol::Unresolved(name.to_owned())
                            }
                        });
                        ident_syms.insert(node.id(), sym.clone());
                        index.refs.push(Ref {
                            range: node.byte_range(),
                            symbol: sym,
                            member: false,
                        });
                    }
                }
                "ellipsis" => {
                    if let Some(t) = node.child_by_field_name("type") {
                        stack.push(Visit {
                            node: t,
                            path: Rc::from(join(&path, "[...]")),
                            scope: scope.clone(),
                            role: Some("type"),
                        });
                    }
                }
                "comment" | "string_content" | "escape_sequence" | "attribute" => {}
                _ => {
                    for (f, child) in children_with_fields(node).into_iter().rev() {
                        if !child.is_named() {
                            continue;
                        }
                        stack.push(Visit {
                            node: child,
                            path: Rc::from(format!("@{}", child.start_byte())),
                            scope: scope.clone(),
                            role: f,
                        });
                    }
                }
            }
        }
        let _ = &mut values;
        index.resolve_members(parse, &ident_syms, &members, &values);
        index.refs.sort_by_key(|r| (r.range.start, r.range.end));
        index
    }

    fn resolve_members(
        &mut self,
        parse: &Parse,
        ident_syms: &HashMap<usize, Symbol>,
        members: &[Node<'_>],
        values: &[(String, Node<'_>)],
    ) {
        let mut memo: HashMap<usize, Option<Symbol>> = HashMap::new();
        // What each field's value refers to (for following `x: #Def` in selectors).
        for (path, v) in values {
            let mut syms = Vec::new();
            let mut stack = vec![*v];
            while let Some(n) = stack.pop() {
                match n.kind() {
                    "binary_expression" => {
                        let op = n.child_by_field_name("operator").map(|o| o.kind());
                        if matches!(op, Some("&" | "|")) {
                            stack.extend(n.child_by_field_name("left"));
                            stack.extend(n.child_by_field_name("right"));
                        }
                    }
                    "parenthesized_expression" => stack.extend(n.named_child(0)),
                    "unary_expression" => {
                        if n.child_by_field_name("operator").map(|o| o.kind()) == Some("*") {
                            stack.extend(n.child_by_field_name("operand"));
                        }
                    }
                    "alias" => stack.extend(n.child_by_field_name("value")),
                    _ => {
                        if let Some(s) = self.expr_symbol(parse, n, ident_syms, &mut memo, 0) {
                            syms.push(s);
                        }
                    }
                }
            }
            if !syms.is_empty() {
                self.value_refs
                    .entry(path.clone())
                    .or_default()
                    .extend(syms);
            }
        }
        for m in members {
            let Some(sym) = self.expr_symbol(parse, *m, ident_syms, &mut memo, 0) else {
                continue;
            };
            let range = match m.kind() {
                "selector_expression" => m.child_by_field_name("selector").map(|s| {
                    if s.kind() == "string" {
                        string_body(parse, s)
                    } else {
                        s.byte_range()
                    }
                }),
                _ => m
                    .child_by_field_name("index")
                    .map(|s| string_body(parse, s)),
            };
            if let Some(range) = range {
                self.refs.push(Ref {
                    range,
                    symbol: sym,
                    member: true,
                });
            }
        }
    }

    /// The symbol an expression denotes: identifiers, selectors and constant indexes.
    fn expr_symbol(
        &self,
        parse: &Parse,
        n: Node<'_>,
        ident_syms: &HashMap<usize, Symbol>,
        memo: &mut HashMap<usize, Option<Symbol>>,
        depth: usize,
    ) -> Option<Symbol> {
        if depth > 64 {
            return None;
        }
        if let Some(s) = memo.get(&n.id()) {
            return s.clone();
        }
        let result = match n.kind() {
            k if is_ident_kind(k) => ident_syms.get(&n.id()).cloned(),
            "selector_expression" => {
                let base = n
                    .child_by_field_name("operand")
                    .and_then(|o| self.expr_symbol(parse, o, ident_syms, memo, depth + 1));
                let sel = n.child_by_field_name("selector");
                match (base, sel) {
                    (Some(b), Some(s)) => {
                        let name = syntax::label_node_name(parse, s)
                            .unwrap_or_else(|| syntax::text(parse, s).to_owned());
                        Some(self.member(&b, &name))
                    }
                    _ => None,
                }
            }
            "index_expression" => {
                let base = n
                    .child_by_field_name("operand")
                    .and_then(|o| self.expr_symbol(parse, o, ident_syms, memo, depth + 1));
                let idx = n
                    .child_by_field_name("index")
                    .filter(|i| i.kind() == "string")
                    .and_then(|i| syntax::string_value(parse, i));
                match (base, idx) {
                    (Some(b), Some(name)) => Some(self.member(&b, &name)),
                    _ => None,
                }
            }
            "parenthesized_expression" => n
                .named_child(0)
                .and_then(|c| self.expr_symbol(parse, c, ident_syms, memo, depth + 1)),
            _ => None,
        };
        memo.insert(n.id(), result.clone());
        result
    }

    /// The symbol of member `name` of `base` (a MAY-analysis: follows what a field's value
    /// refers to when the member is not declared under the field itself).
    pub fn member(&self, base: &Symbol, name: &str) -> Symbol {
        match base {
            Symbol::Import(_) => {
                let path = self
                    .bindings
                    .get(base)
                    .and_then(|b| b.import_path.clone())
                    .unwrap_or_default();
                Symbol::PackageMember(path, name.to_owned())
            }
            Symbol::PackageMember(p, m) => Symbol::PackageMember(p.clone(), format!("{m}.{name}")),
            Symbol::Context(None) => Symbol::Context(Some(name.to_owned())),
            Symbol::Context(Some(m)) => Symbol::Context(Some(format!("{m}.{name}"))),
            Symbol::Builtin(_) | Symbol::Unresolved(_) => Symbol::Unresolved(name.to_owned()),
            _ => {
                let Some(b) = base.member_base(self) else {
                    return Symbol::Unresolved(name.to_owned());
                };
                let direct = join(&b, name);
                if self.fields.contains_key(&direct) {
                    return Symbol::Field(direct);
                }
                // Follow what the base's value refers to, breadth-first, a few levels.
                let mut frontier = vec![base.clone()];
                for _ in 0..4 {
                    let mut next = Vec::new();
                    for s in &frontier {
                        let Some(p) = s.member_base(self) else {
                            continue;
                        };
                        for target in self.value_refs.get(&p).into_iter().flatten() {
                            if target == s {
                                continue;
                            }
                            match target {
                                Symbol::Field(_) | Symbol::Let(_) | Symbol::Alias(_) => {
                                    if let Some(tp) = target.member_base(self) {
                                        let cand = join(&tp, name);
                                        if self.fields.contains_key(&cand) {
                                            return Symbol::Field(cand);
                                        }
                                    }
                                    next.push(target.clone());
                                }
                                Symbol::PackageMember(..)
                                | Symbol::Context(_)
                                | Symbol::Import(_) => {
                                    return self.member(target, name);
                                }
                                _ => {}
                            }
                        }
                    }
                    if next.is_empty() {
                        break;
                    }
                    frontier = next;
                }
                Symbol::Field(direct)
            }
        }
    }

    /// Fields declared under a symbol (following its value's references), in order:
    /// (name, declarations).
    pub fn members_of(&self, base: &Symbol) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut frontier = vec![base.clone()];
        let mut seen = std::collections::HashSet::new();
        for _ in 0..5 {
            let mut next = Vec::new();
            for s in frontier {
                let Some(p) = s.member_base(self) else {
                    continue;
                };
                if !seen.insert(p.clone()) {
                    continue;
                }
                for c in self.children.get(&p).into_iter().flatten() {
                    if c.starts_with('[') || c.starts_with('(') {
                        continue;
                    }
                    if !out.iter().any(|(n, _)| n == c) {
                        out.push((c.clone(), join(&p, c)));
                    }
                }
                next.extend(self.value_refs.get(&p).into_iter().flatten().cloned());
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        out
    }

    /// The reference at `offset` (a use of a name), if any.
    pub fn ref_at(&self, offset: usize) -> Option<&Ref> {
        let i = self.refs.partition_point(|r| r.range.start <= offset);
        self.refs[..i]
            .iter()
            .rev()
            .take(8)
            .filter(|r| r.range.start <= offset && offset <= r.range.end)
            .min_by_key(|r| r.range.end - r.range.start)
    }

    /// The declaration whose name is at `offset`: a field label or a binding.
    pub fn decl_at(&self, offset: usize) -> Option<(Symbol, Range<usize>)> {
        for (path, decls) in &self.fields {
            for d in decls {
                if d.name_range.start <= offset && offset <= d.name_range.end {
                    return Some((Symbol::Field(path.clone()), d.name_range.clone()));
                }
            }
        }
        for (sym, b) in &self.bindings {
            if b.name_range.start <= offset && offset <= b.name_range.end {
                return Some((sym.clone(), b.name_range.clone()));
            }
        }
        None
    }

    /// The symbol at `offset`, as a use or as a declaration, with the range of the name.
    pub fn symbol_at(&self, offset: usize) -> Option<(Symbol, Range<usize>)> {
        if let Some(r) = self.ref_at(offset) {
            return Some((r.symbol.clone(), r.range.clone()));
        }
        self.decl_at(offset)
    }

    /// Where a symbol is declared (name ranges).
    pub fn declarations(&self, sym: &Symbol) -> Vec<Range<usize>> {
        match sym {
            Symbol::Field(p) => self
                .fields
                .get(p)
                .map(|ds| ds.iter().map(|d| d.name_range.clone()).collect())
                .unwrap_or_default(),
            other => self
                .bindings
                .get(other)
                .map(|b| vec![b.name_range.clone()])
                .unwrap_or_default(),
        }
    }

    /// Every use of a symbol.
    pub fn uses(&self, sym: &Symbol) -> Vec<&Ref> {
        self.refs.iter().filter(|r| &r.symbol == sym).collect()
    }
}

/// Names visible at `offset`, innermost first: (name, symbol).
pub fn visible_at(parse: &Parse, index: &Index, offset: usize) -> Vec<(String, Symbol)> {
    let mut out: Vec<(String, Symbol)> = Vec::new();
    let add = |names: HashMap<String, Symbol>, out: &mut Vec<(String, Symbol)>| {
        let mut names: Vec<_> = names.into_iter().collect();
        names.sort();
        for (n, s) in names {
            if !out.iter().any(|(m, _)| *m == n) {
                out.push((n, s));
            }
        }
    };
    let mut scratch = HashMap::new();
    let start = syntax::node_at(parse, offset);
    let mut prev: Option<Node<'_>> = None;
    for node in syntax::ancestors(start) {
        match node.kind() {
            "struct" | "source_file" => {
                let path = index
                    .struct_paths
                    .get(&node.start_byte())
                    .cloned()
                    .unwrap_or_else(|| format!("@{}", node.start_byte()));
                add(struct_scope(parse, node, &path, &mut scratch), &mut out);
            }
            "comprehension" => {
                let mut names = HashMap::new();
                for (f, child) in children_with_fields(node) {
                    if Some(child) == prev && f == Some("clause") {
                        break;
                    }
                    if f == Some("clause") {
                        names.extend(clause_bindings(parse, child, &mut scratch));
                    }
                }
                add(names, &mut out);
            }
            "alias" => {
                if let Some(n) = node.child_by_field_name("name") {
                    let mut names = HashMap::new();
                    names.insert(
                        syntax::text(parse, n).to_owned(),
                        Symbol::Alias(n.start_byte()),
                    );
                    add(names, &mut out);
                }
            }
            _ => {}
        }
        prev = Some(node);
    }
    out
}

/// The range of a string literal's body (without quotes), or the node's range.
fn string_body(parse: &Parse, node: Node<'_>) -> Range<usize> {
    let lit: Option<xdef_syntax::ast::StringLit> =
        xdef_syntax::ast::SyntaxNode::new(node, parse.text()).cast();
    lit.map_or(node.byte_range(), |l| l.body_range())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym_at(src: &str, needle: &str, nth: usize) -> Option<Symbol> {
        let p = xdef_syntax::parse(src.to_owned());
        let idx = Index::build(&p);
        let at = src.match_indices(needle).nth(nth).unwrap().0;
        idx.symbol_at(at).map(|(s, _)| s)
    }

    #[test]
    fn lexical_and_member_resolution() {
        let src = "import \"strings\"\nX=a: {b: 1}\nc: a.b\nd: X.b\nlet l = {m: 1}\ne: l.m\nf: [for k, v in a {k}]\ng: #D.h\n#D: {h: int}\ni: #D\nj: i.h\nk: strings.ToUpper\nt: {parameter: {p: int}, out: parameter.p, o2: parameter[\"p\"]}\n";
        assert_eq!(sym_at(src, "a.b", 0), Some(Symbol::Field("a".into())));
        assert_eq!(sym_at(src, "b\nd", 0), Some(Symbol::Field("a.b".into())));
        assert_eq!(sym_at(src, "b\nlet", 0), Some(Symbol::Field("a.b".into())));
        assert_eq!(
            sym_at(src, "m\nf", 0),
            Some(Symbol::Field(format!("let@{}.m", src.find("l =").unwrap())))
        );
        assert!(matches!(sym_at(src, "k}", 0), Some(Symbol::LoopVar(_))));
        assert_eq!(sym_at(src, "h\n#D", 0), Some(Symbol::Field("#D.h".into())));
        assert_eq!(sym_at(src, "h\nk:", 0), Some(Symbol::Field("#D.h".into())));
        assert_eq!(
            sym_at(src, "ToUpper", 0),
            Some(Symbol::PackageMember("strings".into(), "ToUpper".into()))
        );
        assert_eq!(
            sym_at(src, "p, o2", 0),
            Some(Symbol::Field("t.parameter.p".into()))
        );
        assert_eq!(
            sym_at(src, "p\"]", 0),
            Some(Symbol::Field("t.parameter.p".into()))
        );
    }

    #[test]
    fn chains_comprehension_fields_and_context() {
        let src = "d: {type: \"trait\"}\ntemplate: {\n\tpatch: spec: x: context.name\n\tif parameter.on {\n\t\tpatch: spec: y: 1\n\t}\n\tparameter: {on: bool}\n\tz: patch.spec.y\n}\n";
        assert_eq!(sym_at(src, "context", 0), Some(Symbol::Context(None)));
        assert_eq!(
            sym_at(src, "name", 0),
            Some(Symbol::Context(Some("name".into())))
        );
        assert_eq!(
            sym_at(src, "y\n}", 0),
            Some(Symbol::Field("template.patch.spec.y".into()))
        );
        assert_eq!(
            sym_at(src, "on {", 0),
            Some(Symbol::Field("template.parameter.on".into()))
        );
    }
}
