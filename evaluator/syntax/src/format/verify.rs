//! A safety net run on every result: formatting may only change layout. The input and the
//! output are both read into the formatter's tree and compared node by node, ignoring
//! positions and the spellings `cue fmt` normalizes without changing the value: braces
//! around a single nested field (`a: b: 1` / `a: {b: 1}`), doubled parentheses, `..._` for
//! `...`, number literals, the indentation of multi-line strings, labels written as
//! multi-line or raw strings. Comments must be the same texts (in any order). If anything
//! else differs, the result is discarded and an error returned, so a formatter bug can
//! never change a user's file.

use std::collections::HashSet;
use std::fmt::Write;

use super::node::{Id, Node, Tree};
use super::parser::{Hints, Parser};
use super::scanner::{Scanner, Tok};

/// The comments of a text, sorted.
fn comments(src: &str) -> Vec<String> {
    let hints = HashSet::new();
    let mut s = Scanner::new(src, &hints);
    let mut out = Vec::new();
    // Paren depth inside each open interpolation.
    let mut interp: Vec<usize> = Vec::new();
    loop {
        let (_, tok, lit) = s.scan();
        match tok {
            Tok::Eof | Tok::Illegal => break,
            Tok::Comment => out.push(lit),
            Tok::Interpolation => interp.push(0),
            Tok::Lparen => {
                if let Some(d) = interp.last_mut() {
                    *d += 1;
                }
            }
            Tok::Rparen => {
                if let Some(d) = interp.last_mut() {
                    *d -= 1;
                    if *d == 0 {
                        interp.pop();
                        if s.resume_interpolation().0 == Tok::Interpolation {
                            interp.push(0);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out.sort();
    out
}

/// A multi-line string without the indentation its closing quote sets.
fn dedent(lit: &str) -> String {
    match super::printer::multiline_indent(lit) {
        Some(ws) if !ws.is_empty() => lit.replace(&format!("\n{ws}"), "\n"),
        _ => lit.to_owned(),
    }
}

enum Step {
    Node(Id),
    Text(&'static str),
}

/// A canonical rendering of the tree: equal for trees that only differ in layout.
fn canonical(tree: &Tree, root: Id) -> String {
    let mut out = String::new();
    let mut stack = vec![Step::Node(root)];
    while let Some(step) = stack.pop() {
        let id = match step {
            Step::Text(t) => {
                out.push_str(t);
                continue;
            }
            Step::Node(id) => id,
        };
        // Children are pushed in reverse so that they come out in order.
        let push = |ids: &[Id], stack: &mut Vec<Step>| {
            stack.push(Step::Text(")"));
            for id in ids.iter().rev() {
                stack.push(Step::Node(*id));
            }
        };
        match tree.node(id) {
            Node::File { decls } => {
                out.push_str("File(");
                push(decls, &mut stack);
            }
            Node::Package { name, .. } => {
                out.push_str("Package(");
                push(&[*name], &mut stack);
            }
            Node::ImportDecl { specs, .. } => {
                out.push_str("Import(");
                push(specs, &mut stack);
            }
            Node::ImportSpec { name, path } => {
                out.push_str("Spec(");
                let ids: Vec<Id> = name.iter().copied().chain([*path]).collect();
                push(&ids, &mut stack);
            }
            Node::Field {
                label,
                alias,
                constraint,
                value,
                attrs,
                ..
            } => {
                let _ = write!(out, "Field{constraint:?}(");
                let mut ids = vec![*label];
                if let Some(a) = alias {
                    ids.extend(a.label);
                    ids.push(a.field);
                }
                ids.push(*value);
                ids.extend(attrs);
                push(&ids, &mut stack);
            }
            Node::Alias { ident, expr, .. } => {
                out.push_str("Alias(");
                push(&[*ident, *expr], &mut stack);
            }
            Node::Let { ident, expr, .. } => {
                out.push_str("Let(");
                push(&[*ident, *expr], &mut stack);
            }
            Node::Embed { expr } => {
                out.push_str("Embed(");
                push(&[*expr], &mut stack);
            }
            Node::Attribute { text, .. } => {
                let _ = write!(out, "Attr({text:?})");
            }
            Node::Ellipsis { ty, .. } => {
                out.push_str("Ellipsis(");
                let ty: Vec<Id> = ty
                    .iter()
                    .copied()
                    .filter(|t| tree.ident_name(*t) != Some("_"))
                    .collect();
                push(&ty, &mut stack);
            }
            Node::Comprehension {
                clauses,
                value,
                fallback,
            } => {
                out.push_str("Comprehension(");
                let mut ids = clauses.clone();
                ids.push(*value);
                ids.extend(fallback);
                push(&ids, &mut stack);
            }
            Node::For {
                key, value, source, ..
            } => {
                out.push_str("For(");
                let ids: Vec<Id> = key.iter().copied().chain([*value, *source]).collect();
                push(&ids, &mut stack);
            }
            Node::If { cond, .. } => {
                out.push_str("If(");
                push(&[*cond], &mut stack);
            }
            Node::Try { ident, expr, .. } => {
                out.push_str("Try(");
                let ids: Vec<Id> = ident.iter().chain(expr.iter()).copied().collect();
                push(&ids, &mut stack);
            }
            Node::Fallback { keyword, body, .. } => {
                let _ = write!(out, "Fallback{keyword:?}(");
                push(&[*body], &mut stack);
            }
            Node::Ident { name, .. } => {
                let _ = write!(out, "Ident({name})");
            }
            Node::BasicLit { kind, value, .. } => {
                let v = match kind {
                    Tok::Int => super::printer::normalize_int(value),
                    Tok::Float => super::printer::normalize_float(value),
                    Tok::String => {
                        let v = dedent(value);
                        let requoted = if v.starts_with("\"\"\"") || v.starts_with('#') {
                            super::requote_label(&v)
                        } else {
                            None
                        };
                        requoted.unwrap_or(v)
                    }
                    _ => value.clone(),
                };
                let _ = write!(out, "Lit{kind:?}({v:?})");
            }
            Node::Bottom { .. } => out.push_str("Bottom"),
            Node::Interpolation { elts } => {
                out.push_str("Interpolation(");
                push(elts, &mut stack);
            }
            // Braces or not, a struct is its declarations.
            Node::Struct { elts, .. } => {
                out.push_str("Struct(");
                push(elts, &mut stack);
            }
            Node::List { elts, .. } => {
                out.push_str("List(");
                push(elts, &mut stack);
            }
            Node::Paren { x, .. } => {
                if matches!(tree.node(*x), Node::Paren { .. }) {
                    stack.push(Step::Node(*x));
                    continue;
                } else {
                    out.push_str("Paren(");
                    push(&[*x], &mut stack);
                }
            }
            Node::Selector { x, sel } => {
                out.push_str("Selector(");
                push(&[*x, *sel], &mut stack);
            }
            Node::Index { x, index, .. } => {
                out.push_str("Index(");
                push(&[*x, *index], &mut stack);
            }
            Node::Slice { x, low, high, .. } => {
                out.push_str("Slice(");
                let _ = write!(out, "{}{}", low.is_some(), high.is_some());
                let ids: Vec<Id> = [*x].into_iter().chain(*low).chain(*high).collect();
                push(&ids, &mut stack);
            }
            Node::Call { fun, args, .. } => {
                out.push_str("Call(");
                let ids: Vec<Id> = [*fun].into_iter().chain(args.iter().copied()).collect();
                push(&ids, &mut stack);
            }
            Node::Unary { op, x, .. } => {
                let _ = write!(out, "Unary{op:?}(");
                push(&[*x], &mut stack);
            }
            Node::Binary { x, op, y, .. } => {
                let _ = write!(out, "Binary{op:?}(");
                push(&[*x, *y], &mut stack);
            }
            Node::Postfix { x, op, .. } => {
                let _ = write!(out, "Postfix{op:?}(");
                push(&[*x], &mut stack);
            }
        }
        out.push(' ');
    }
    out
}

fn read(src: &str, hints: &Hints) -> Option<String> {
    let mut p = Parser::new(src, hints);
    let file = p.parse_file().ok()?;
    Some(canonical(&p.tree, file))
}

/// Checks that `output` says what `input` says. `hints` are those of each text.
pub(crate) fn same_meaning(
    input: &str,
    input_hints: &Hints,
    output: &str,
    output_hints: &Hints,
) -> bool {
    let (Some(a), Some(b)) = (read(input, input_hints), read(output, output_hints)) else {
        return false;
    };
    a == b && comments(input) == comments(output)
}
