//! Exporting values as concrete data, the way `cue export` does: defaults chosen,
//! definitions, hidden fields, lets and optional fields left out, every non-concrete or
//! erroneous value reported with its path (all of them, not only the first).

use std::rc::Rc;

use crate::data::Data;
use crate::eval::expr::scalar_data;
use crate::eval::{Alternative, ErrorKind, EvalError, Evaluator, VId, Value};
use crate::ir::FieldKind;
use crate::label::LabelKind;

#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// Stop at the first error (for builtin arguments).
    pub first_error_only: bool,
    /// Accept structs whose comprehensions were incomplete (they just contribute no fields),
    /// as KubeVela's renderer does; `cue export` rejects them.
    pub lenient_comprehensions: bool,
}

/// The concrete data of a vertex, or every error found under it.
pub fn export_data(
    ev: &mut Evaluator,
    v: VId,
    options: &ExportOptions,
) -> Result<Data, Vec<Rc<EvalError>>> {
    let mut errors = Vec::new();
    let data = export_vertex(ev, v, options, &mut errors, 0);
    if errors.is_empty() {
        Ok(data.unwrap_or(Data::Null))
    } else {
        Err(errors)
    }
}

fn located(ev: &Evaluator, err: &Rc<EvalError>, v: VId) -> Rc<EvalError> {
    if err.vertex.is_some() {
        return err.clone();
    }
    ev.located(err.clone(), v)
}

pub(crate) fn export_vertex(
    ev: &mut Evaluator,
    v: VId,
    options: &ExportOptions,
    errors: &mut Vec<Rc<EvalError>>,
    depth: u32,
) -> Option<Data> {
    if options.first_error_only && !errors.is_empty() {
        return None;
    }
    if depth > ev.budget.max_depth {
        errors.push(Rc::new(EvalError {
            kind: ErrorKind::Budget,
            message: format!(
                "evaluation budget exceeded: value nested deeper than {} levels",
                ev.budget.max_depth
            ),
            spans: Vec::new(),
            vertex: Some(v),
        }));
        return None;
    }
    stacker::maybe_grow(128 * 1024, 2 * 1024 * 1024, || {
        export_inner(ev, v, options, errors, depth)
    })
}

fn export_inner(
    ev: &mut Evaluator,
    v: VId,
    options: &ExportOptions,
    errors: &mut Vec<Rc<EvalError>>,
    depth: u32,
) -> Option<Data> {
    ev.finalize(v);
    let v = ev.deref(v);
    match ev.vertex(v).value.clone() {
        Value::Bottom(e) => {
            errors.push(located(ev, &e, v));
            None
        }
        Value::Top => {
            errors.push(incomplete(v, "incomplete value _"));
            None
        }
        Value::Atom(a) => match &a.value {
            Some(s) => Some(scalar_data(s)),
            None => {
                errors.push(incomplete(v, &format!("incomplete value {}", a.describe())));
                None
            }
        },
        Value::Disjunction(d) => {
            let defaults: Vec<Alternative> = d.defaults().cloned().collect();
            let candidates: Vec<Alternative> = if defaults.is_empty() {
                d.alternatives.iter().map(|(a, _)| a.clone()).collect()
            } else {
                defaults
            };
            let mut exported: Vec<Data> = Vec::new();
            for alt in &candidates {
                let mut alt_errors = Vec::new();
                let data = match alt {
                    Alternative::Atom(a) => a.value.as_ref().map(scalar_data),
                    Alternative::Vertex(x) => {
                        export_vertex(ev, *x, options, &mut alt_errors, depth + 1)
                    }
                };
                match data {
                    Some(data) if alt_errors.is_empty() => exported.push(data),
                    _ => {
                        exported.clear();
                        break;
                    }
                }
            }
            // Alternatives that export alike are still different values if they differ as
            // CUE values (optional fields, constraints): then the choice is ambiguous.
            if !exported.is_empty() && exported.iter().all(|d| *d == exported[0]) {
                let printed: Vec<String> = candidates
                    .iter()
                    .map(|alt| match alt {
                        Alternative::Atom(a) => a.describe(),
                        Alternative::Vertex(x) => crate::print::print_vertex(ev, *x, false),
                    })
                    .collect();
                if printed.iter().all(|p| *p == printed[0]) {
                    return Some(exported.swap_remove(0));
                }
            }
            let description = ev.describe_disjunction(&d);
            errors.push(incomplete(v, &format!("incomplete value {description}")));
            None
        }
        Value::Struct | Value::List
            if !options.lenient_comprehensions && ev.vertex(v).incomplete.is_some() =>
        {
            let e = ev.vertex(v).incomplete.clone().expect("checked");
            errors.push(located(ev, &e, v));
            None
        }
        Value::List => {
            let len = ev.vertex(v).list.as_ref().map_or(0, |l| l.len);
            let mut items = Vec::with_capacity(len as usize);
            let arcs: Vec<_> = ev.arcs(v).collect();
            for (f, arc) in arcs {
                if f.as_index().is_some_and(|i| i < len) {
                    if let Some(d) = export_vertex(ev, arc, options, errors, depth + 1) {
                        items.push(d);
                    }
                }
            }
            Some(Data::List(items))
        }
        Value::Struct => {
            let arcs: Vec<_> = ev.arcs(v).collect();
            let mut fields = Vec::with_capacity(arcs.len());
            for (f, arc) in arcs {
                match f.kind() {
                    LabelKind::Regular => {}
                    LabelKind::Hidden | LabelKind::Definition | LabelKind::HiddenDefinition => {
                        // Conflicts in hidden fields and definitions are still errors.
                        check_hidden(ev, arc, errors, depth + 1);
                        continue;
                    }
                    _ => continue,
                }
                let vertex = ev.vertex(arc);
                match vertex.field_kind {
                    FieldKind::Regular => {}
                    FieldKind::Required => {
                        let name = ev.label_selector(f);
                        let spans = vertex.origins.iter().map(|o| o.span.clone()).collect();
                        errors.push(Rc::new(EvalError {
                            kind: ErrorKind::Incomplete,
                            message: format!("field is required but not present: {name}"),
                            spans,
                            vertex: Some(arc),
                        }));
                        continue;
                    }
                    FieldKind::Optional => continue,
                }
                if let Some(d) = export_vertex(ev, arc, options, errors, depth + 1) {
                    fields.push((ev.label_str(f), d));
                }
            }
            Some(Data::Struct(fields))
        }
    }
}

/// Reports permanent errors (not incompleteness) anywhere in a hidden field or a
/// definition, which `cue export` also rejects.
fn check_hidden(ev: &mut Evaluator, v: VId, errors: &mut Vec<Rc<EvalError>>, depth: u32) {
    let mut stack = vec![(v, depth)];
    let mut visited = 0usize;
    while let Some((v, depth)) = stack.pop() {
        visited += 1;
        if depth > ev.budget.max_depth || visited > 200_000 || ev.exhausted() {
            return;
        }
        ev.finalize(v);
        let v = ev.deref(v);
        match &ev.vertex(v).value {
            Value::Bottom(e) => {
                if !e.is_incomplete() {
                    let e = located(ev, e, v);
                    errors.push(e);
                }
                continue;
            }
            Value::Disjunction(_) => continue,
            _ => {}
        }
        for (f, arc) in ev.arcs(v).collect::<Vec<_>>() {
            if f.kind() == LabelKind::Let || ev.vertex(arc).field_kind == FieldKind::Optional {
                continue;
            }
            stack.push((arc, depth + 1));
        }
    }
}

fn incomplete(v: VId, message: &str) -> Rc<EvalError> {
    Rc::new(EvalError {
        kind: ErrorKind::Incomplete,
        message: message.to_owned(),
        spans: Vec::new(),
        vertex: Some(v),
    })
}
