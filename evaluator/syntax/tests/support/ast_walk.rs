//! Visits every node of a parse through the typed AST: each node is cast to every AST type
//! it could be, and every accessor of that type is called, so that the accessors are
//! exercised on whatever shape the tree has (error trees included). Iterative: files may
//! nest thousands of levels.
//!
//! Shared by `tests/hostile.rs` and the fuzz targets in `fuzz/` (included by path).

#![allow(dead_code)]

use xdef_syntax::Parse;
use xdef_syntax::ast::*;
use xdef_syntax::literal;

/// What a walk saw, so that callers can assert something and the optimiser cannot drop
/// the calls.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WalkStats {
    pub nodes: usize,
    pub decls: usize,
    pub exprs: usize,
    pub strings: usize,
    pub numbers: usize,
    pub checksum: usize,
}

/// Walks the whole tree of `parse` and calls every typed accessor on every node.
pub fn walk(parse: &Parse) -> WalkStats {
    let mut stats = WalkStats::default();
    let text = parse.text();
    let index = parse.line_index();

    let root = parse.root();
    stats.checksum += root
        .package()
        .map_or(0, |p| p.name().map_or(0, |n| n.text().len()));
    for spec in root.imports() {
        stats.checksum += spec.name().map_or(0, |n| n.range().len());
        stats.checksum += spec.path().map_or(0, |p| p.range().len());
    }
    stats.checksum += root.import_decls().count() + root.decls().count();

    let mut cursor = parse.tree().walk();
    loop {
        let node = SyntaxNode::new(cursor.node(), text);
        stats.nodes += 1;
        stats.checksum += cursor.field_name().map_or(0, str::len);
        visit(node, &mut stats);
        let range = node.range();
        let line = index.line_of(range.start);
        stats.checksum = stats.checksum.wrapping_add(line);
        // Columns count characters from the line start: only on lines of sane length, or
        // a 5 MB line would make the walk quadratic.
        if index.line_range(text, line).len() < 4096 {
            let lc = index.line_col(text, range.start);
            stats.checksum = stats.checksum.wrapping_add(lc.col as usize);
            let _ = index.utf16_col(text, range.end);
        }

        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return stats;
            }
        }
    }
}

fn len(n: Option<SyntaxNode<'_>>) -> usize {
    n.map_or(0, |n| n.range().len())
}

fn visit(node: SyntaxNode<'_>, stats: &mut WalkStats) {
    // (`SyntaxNode::field_name` and `parent` are not called per node: tree-sitter finds a
    // parent by descending from the root, so they cost O(depth × siblings); the walk uses
    // its cursor's field name instead.)
    stats.checksum = stats.checksum.wrapping_add(node.all_children().count());

    if let Some(decl) = Decl::cast(node) {
        stats.decls += 1;
        let _ = decl.syntax();
    }
    if let Some(expr) = Expr::cast(node) {
        stats.exprs += 1;
        let _ = expr.range();
    }
    if let Some(clause) = Clause::cast(node) {
        let _ = clause.syntax();
    }

    if let Some(f) = node.cast::<Field>() {
        if let Some(label) = f.label() {
            let _ = label.alias().map(|a| (a.kind(), a.name()));
            let _ = label.constraint();
            if let Some(pa) = label.postfix_alias() {
                stats.checksum += len(pa.label()) + len(pa.field());
            }
            match label.name() {
                Some(LabelName::Ident(i)) => stats.checksum += i.name().len(),
                Some(LabelName::String(s)) => stats.checksum += s.parts().len(),
                Some(LabelName::Dynamic(d)) => stats.checksum += d.range().len(),
                Some(LabelName::Pattern(p)) => stats.checksum += p.expr().is_some() as usize,
                None => {}
            }
        }
        match f.value() {
            Some(FieldValue::Field(inner)) => stats.checksum += inner.range().len(),
            Some(FieldValue::Expr(e)) => stats.checksum += e.range().len(),
            None => {}
        }
        let _ = f.innermost_value();
        stats.checksum += f
            .attributes()
            .map(|a| a.name().len() + a.body().len())
            .sum::<usize>();
    }
    if let Some(e) = node.cast::<Embedding>() {
        let _ = e.expr();
    }
    if let Some(e) = node.cast::<Ellipsis>() {
        let _ = e.ty();
    }
    if let Some(l) = node.cast::<LetClause>() {
        let _ = (l.name(), l.value());
    }
    if let Some(a) = node.cast::<Attribute>() {
        stats.checksum += a.name().len() + a.body().len();
    }
    if let Some(c) = node.cast::<Comprehension>() {
        stats.checksum += c.clauses().count();
        let _ = c.body().map(|b| b.decls().count());
        if let Some(fb) = c.fallback() {
            stats.checksum += fb.keyword().len();
            let _ = fb.body();
        }
    }
    if let Some(f) = node.cast::<ForClause>() {
        stats.checksum += len(f.key()) + len(f.value());
        let _ = f.source();
    }
    if let Some(i) = node.cast::<IfClause>() {
        let _ = i.condition();
    }
    if let Some(t) = node.cast::<TryClause>() {
        let _ = (t.name(), t.value());
    }
    if let Some(a) = node.cast::<Alias>() {
        let _ = (a.name(), a.value());
    }
    if let Some(b) = node.cast::<BinaryExpr>() {
        let _ = (
            b.lhs(),
            b.rhs(),
            b.op().map(|o| (o.token(), o.precedence())),
            b.op_node(),
        );
    }
    if let Some(u) = node.cast::<UnaryExpr>() {
        let _ = (u.op().map(|o| o.token()), u.operand());
    }
    if let Some(p) = node.cast::<PostfixExpr>() {
        let _ = (p.op(), p.operand());
    }
    if let Some(s) = node.cast::<SelectorExpr>() {
        let _ = (s.operand(), s.selector());
    }
    if let Some(i) = node.cast::<IndexExpr>() {
        let _ = (i.operand(), i.index());
    }
    if let Some(s) = node.cast::<SliceExpr>() {
        let _ = (s.operand(), s.low(), s.high());
    }
    if let Some(c) = node.cast::<CallExpr>() {
        stats.checksum += c.args().count();
        let _ = c.function();
    }
    if let Some(p) = node.cast::<ParenExpr>() {
        let _ = p.expr();
    }
    if let Some(s) = node.cast::<StructLit>() {
        stats.checksum += s.decls().count();
    }
    if let Some(l) = node.cast::<ListLit>() {
        stats.checksum += l.elems().count();
    }
    if let Some(p) = node.cast::<PatternConstraint>() {
        let _ = p.expr();
    }
    if let Some(s) = node.cast::<StringLit>() {
        stats.strings += 1;
        let q = s.quote();
        stats.checksum += q.open_len() + q.is_bytes() as usize;
        stats.checksum += s.is_interpolated() as usize + s.is_terminated() as usize;
        let _ = s.body_range();
        for part in s.parts() {
            if let StringPart::Interpolation(i) = part {
                let _ = i.expr();
            }
        }
        let (decoded, errors) = literal::decode_string(s);
        stats.checksum += decoded.segments.len() + errors.len();
        let _ = decoded.constant();
    }
    if let Some(i) = node.cast::<Interpolation>() {
        let _ = i.expr();
    }
    if let Some(i) = node.cast::<ImportSpec>() {
        let _ = (i.name(), i.path());
    }
    if let Some(d) = node.cast::<ImportDecl>() {
        stats.checksum += d.specs().count();
    }
    if matches!(node.kind(), "integer" | "float") {
        stats.numbers += 1;
        let _ = literal::number_literal(node.text());
    }
}
