//! Printing evaluated (possibly non-concrete) values as CUE, as `cue eval` does:
//! definitions and optional fields included, hidden fields and lets left out,
//! disjunctions with their defaults marked.

use std::fmt::Write;

use crate::eval::{Alternative, Evaluator, VId, Value};
use crate::ir::FieldKind;
use crate::label::LabelKind;

/// The value of `v` as CUE text (a struct prints as its fields, without braces, at the top).
pub fn print_vertex(ev: &mut Evaluator, v: VId, top: bool) -> String {
    let mut out = String::new();
    write_vertex(ev, v, 0, top, &mut out);
    out
}

fn write_vertex(ev: &mut Evaluator, v: VId, level: usize, top: bool, out: &mut String) {
    if level > ev.budget.max_depth as usize {
        out.push_str("_|_ // nested too deeply");
        return;
    }
    ev.finalize(v);
    let v = ev.deref(v);
    match ev.vertex(v).value.clone() {
        Value::Top => out.push('_'),
        Value::Atom(a) => out.push_str(&a.describe()),
        Value::Bottom(e) => {
            let _ = write!(out, "_|_ // {}", e.message.replace('\n', " "));
        }
        Value::Disjunction(d) => {
            let has_default =
                d.alternatives.iter().any(|(_, x)| *x) && d.alternatives.iter().any(|(_, x)| !x);
            for (i, (alt, default)) in d.alternatives.iter().enumerate() {
                if i > 0 {
                    out.push_str(" | ");
                }
                if has_default && *default {
                    out.push('*');
                }
                match alt {
                    Alternative::Atom(a) => out.push_str(&a.describe()),
                    Alternative::Vertex(x) => write_vertex(ev, *x, level, false, out),
                }
            }
        }
        Value::List => {
            let arcs: Vec<_> = ev.arcs(v).collect();
            let open = ev.vertex(v).list.as_ref().is_some_and(|l| l.open);
            if arcs.is_empty() {
                out.push_str(if open { "[...]" } else { "[]" });
                return;
            }
            out.push_str("[");
            for (i, (_, arc)) in arcs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_vertex(ev, *arc, level, false, out);
            }
            if open {
                out.push_str(", ...");
            }
            out.push(']');
        }
        Value::Struct => {
            let arcs: Vec<_> = ev.arcs(v).collect();
            let fields: Vec<_> = arcs
                .into_iter()
                .filter(|(f, _)| matches!(f.kind(), LabelKind::Regular | LabelKind::Definition))
                .collect();
            if !top {
                if fields.is_empty() {
                    out.push_str("{}");
                    return;
                }
                out.push_str("{\n");
            }
            let inner = if top { level } else { level + 1 };
            for (f, arc) in fields {
                for _ in 0..inner {
                    out.push('\t');
                }
                out.push_str(&ev.label_selector(f));
                match ev.vertex(arc).field_kind {
                    FieldKind::Optional => out.push('?'),
                    FieldKind::Required => out.push('!'),
                    FieldKind::Regular => {}
                }
                out.push_str(": ");
                write_vertex(ev, arc, inner, false, out);
                out.push('\n');
            }
            if !top {
                for _ in 0..level {
                    out.push('\t');
                }
                out.push('}');
            }
        }
    }
}
