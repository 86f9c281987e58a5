//! Disjunctions and defaults.
//!
//! A vertex collects the disjunctions among its conjuncts while the rest is unified. Then:
//! - when every alternative is a scalar constraint (`*"Always" | "Never"`, `*1 | int`),
//!   the alternatives are unified with the vertex's scalar value directly, combination by
//!   combination, with duplicates merged (so 30 unified `*1|2|3|4` stay 4 alternatives);
//! - otherwise each combination of choices is evaluated as its own vertex (a disjunct)
//!   from the original conjuncts, taking the chosen alternative at each disjunction, and
//!   the disjuncts that evaluate without error survive.
//!
//! Defaults follow the spec: a combination is a default when every disjunction that has
//! marked defaults contributed a marked alternative. One survivor makes the vertex that
//! value; several make it a disjunction whose default is used when a concrete value is
//! needed.

use std::rc::Rc;

use super::unify::{Acc, PendingDisjunction};
use super::*;
use crate::value::Kinds;

/// Where an alternative comes from.
#[derive(Clone, Debug)]
pub enum AltSource {
    Expr(ExprId),
    Vertex(VId),
}

/// Most combinations of a vertex's disjunctions evaluated before giving up.
const MAX_COMBINATIONS: usize = 4096;
/// Most scalar alternatives kept.
const MAX_ATOMS: usize = 10_000;

impl Evaluator {
    pub(crate) fn resolve_disjunctions(&mut self, acc: &mut Acc) {
        let pending = std::mem::take(&mut acc.disjunctions);
        if let Some(sets) = self.scalar_alternatives(&pending) {
            self.resolve_scalar(acc, &pending, sets);
            return;
        }
        self.resolve_by_disjuncts(acc, &pending);
    }

    /// The alternatives of every pending disjunction as scalar constraints, flattened with
    /// their default marks, or None when some alternative is a struct or list.
    fn scalar_alternatives(
        &mut self,
        pending: &[PendingDisjunction],
    ) -> Option<Vec<(Vec<(Atom, bool)>, bool, Vec<Rc<EvalError>>)>> {
        let mut out = Vec::new();
        for d in pending {
            let mut alternatives = Vec::new();
            let mut errors = Vec::new();
            let mut has_default = d.has_default;
            for (source, marked) in &d.alternatives {
                let val = match source {
                    AltSource::Expr(e) => self.eval(*e, &d.env),
                    AltSource::Vertex(v) => expr::Val::Vertex(*v),
                };
                match val {
                    expr::Val::Atom(a) => alternatives.push((a, *marked)),
                    expr::Val::Bottom(e) => errors.push(e),
                    expr::Val::Vertex(v) => {
                        if self.vertex(self.deref(v)).state == State::Evaluating {
                            return None;
                        }
                        self.finalize(v);
                        let v = self.deref(v);
                        if self.vertex(v).list.is_some() {
                            return None;
                        }
                        match self.vertex(v).value.clone() {
                            Value::Atom(a) => alternatives.push((*a, *marked)),
                            Value::Top => alternatives.push((Atom::top(), *marked)),
                            Value::Bottom(e) => errors.push(e),
                            Value::Disjunction(inner) => {
                                let inner_has_default = inner.alternatives.iter().any(|(_, d)| *d);
                                for (alt, inner_marked) in &inner.alternatives {
                                    let Alternative::Atom(a) = alt else {
                                        return None;
                                    };
                                    // An inner default stays a default (spec D1/D2, M2).
                                    let mark = if inner_has_default {
                                        *inner_marked
                                    } else {
                                        *marked
                                    };
                                    alternatives.push((a.clone(), mark));
                                }
                                has_default |= inner_has_default;
                            }
                            Value::Struct | Value::List => return None,
                        }
                    }
                }
            }
            out.push((alternatives, has_default, errors));
        }
        Some(out)
    }

    fn resolve_scalar(
        &mut self,
        acc: &mut Acc,
        pending: &[PendingDisjunction],
        sets: Vec<(Vec<(Atom, bool)>, bool, Vec<Rc<EvalError>>)>,
    ) {
        let mut combos: Vec<(Atom, bool)> = vec![(acc.atom.clone(), true)];
        for (i, (alternatives, has_default, alt_errors)) in sets.into_iter().enumerate() {
            let mut next: Vec<(Atom, bool)> = Vec::new();
            let mut conflicts: Vec<String> = alt_errors.iter().map(|e| e.message.clone()).collect();
            for (current, current_default) in &combos {
                for (alt, marked) in &alternatives {
                    let mut u = current.clone();
                    match u.unify(alt) {
                        Ok(()) => {
                            if let Err(e) = self.run_validators(&u) {
                                conflicts.push(e.message.clone());
                                continue;
                            }
                            if !u.validators.is_empty() && u.value.is_some() {
                                u.validators.clear();
                            }
                            let default = *current_default && (*marked || !has_default);
                            match next.iter_mut().find(|(x, _)| same_atom(x, &u)) {
                                Some(existing) => existing.1 |= default,
                                None => next.push((u, default)),
                            }
                        }
                        Err(conflict) => conflicts.push(disjunct_first(conflict).to_string()),
                    }
                }
            }
            if next.len() > MAX_ATOMS {
                acc.fail(self.budget_error());
                return;
            }
            if next.is_empty() {
                let span = pending[i].span.clone();
                let mut spans: Vec<Span> = acc.atom_spans.to_vec();
                spans.extend(span);
                let message = if conflicts.len() == 1 {
                    conflicts.remove(0)
                } else {
                    format!(
                        "{} errors in empty disjunction: {}",
                        conflicts.len(),
                        conflicts.join("; ")
                    )
                };
                acc.fail(Rc::new(EvalError {
                    kind: ErrorKind::Eval,
                    message,
                    spans,
                    vertex: None,
                }));
                return;
            }
            combos = next;
        }
        // Structs and lists only keep alternatives that allow them.
        if self.is_composite(acc) {
            combos.retain(|(a, _)| {
                a.value.is_none()
                    && (a.kinds.contains(Kinds::STRUCT) || a.kinds.contains(Kinds::LIST))
            });
            match combos.len() {
                0 => acc.fail(EvalError::new(
                    ErrorKind::Eval,
                    "conflicting values: struct or list and a scalar disjunction",
                )),
                _ => {}
            }
            return;
        }
        if combos.len() == 1 {
            let (atom, _) = combos.remove(0);
            acc.atom = atom;
            return;
        }
        let alternatives = combos
            .into_iter()
            .map(|(a, d)| (Alternative::Atom(a), d))
            .collect();
        self.vertex_mut(acc.v).value = Value::Disjunction(Rc::new(Disjunction { alternatives }));
    }

    fn is_composite(&self, acc: &Acc) -> bool {
        !self.vertex(acc.v).arcs.is_empty() || acc.atom.kinds.and(Kinds::SCALAR).is_empty()
    }

    fn resolve_by_disjuncts(&mut self, acc: &mut Acc, pending: &[PendingDisjunction]) {
        let v = acc.v;
        let counts: Vec<usize> = pending.iter().map(|d| d.alternatives.len()).collect();
        let total = counts.iter().try_fold(1usize, |acc, c| acc.checked_mul(*c));
        if total.is_none_or(|t| t > MAX_COMBINATIONS) {
            acc.fail(EvalError::new(
                ErrorKind::Budget,
                "evaluation budget exceeded: too many disjunction combinations",
            ));
            return;
        }
        let base: Vec<usize> = self
            .vertex(v)
            .choices
            .as_ref()
            .map(|c| c.to_vec())
            .unwrap_or_default();
        let mut choice = vec![0usize; counts.len()];
        let mut survivors: Vec<(Alternative, bool)> = Vec::new();
        let mut errors: Vec<Rc<EvalError>> = Vec::new();
        loop {
            if self.exhausted {
                acc.fail(self.budget_error());
                return;
            }
            let mut choices = base.clone();
            choices.extend(choice.iter().copied());
            let disjunct = self.make_disjunct(v, Rc::from(choices));
            self.redirects.push((v, disjunct));
            self.finalize(disjunct);
            let failure = self.subtree_failure(disjunct);
            self.redirects.pop();
            match failure {
                Some(e) => errors.push(e),
                None => {
                    let default = self.vertex(disjunct).default_choice;
                    let d = self.deref(disjunct);
                    match self.vertex(d).value.clone() {
                        Value::Disjunction(inner) => {
                            for (alt, inner_default) in inner.alternatives.iter() {
                                survivors.push((alt.clone(), default && *inner_default));
                            }
                        }
                        _ => survivors.push((Alternative::Vertex(disjunct), default)),
                    }
                }
            }
            // Next combination.
            let mut i = choice.len();
            loop {
                if i == 0 {
                    break;
                }
                i -= 1;
                choice[i] += 1;
                if choice[i] < counts[i] {
                    break;
                }
                choice[i] = 0;
                if i == 0 {
                    i = usize::MAX;
                    break;
                }
            }
            if i == usize::MAX || choice.is_empty() {
                break;
            }
        }
        match survivors.len() {
            0 => {
                let message = if errors.len() == 1 {
                    errors[0].message.clone()
                } else {
                    let parts: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
                    format!(
                        "{} errors in empty disjunction: {}",
                        errors.len(),
                        parts.join("; ")
                    )
                };
                let mut spans: Vec<Span> = errors
                    .iter()
                    .flat_map(|e| e.spans.iter().cloned())
                    .take(6)
                    .collect();
                spans.extend(pending.iter().filter_map(|p| p.span.clone()).take(1));
                acc.fail(Rc::new(EvalError {
                    kind: ErrorKind::Eval,
                    message,
                    spans,
                    vertex: None,
                }));
            }
            1 => {
                let (alt, default) = survivors.remove(0);
                match alt {
                    Alternative::Vertex(d) => {
                        let vertex = self.vertex_mut(v);
                        vertex.forward = Some(d);
                        vertex.default_choice = default && vertex.default_choice;
                    }
                    Alternative::Atom(a) => {
                        acc.atom = a;
                    }
                }
            }
            _ => {
                self.vertex_mut(v).value = Value::Disjunction(Rc::new(Disjunction {
                    alternatives: survivors,
                }));
            }
        }
    }

    /// A fresh vertex standing for `v` with the given disjunction choices.
    fn make_disjunct(&mut self, v: VId, choices: Rc<[usize]>) -> VId {
        let (parent, label, depth) = {
            let vertex = self.vertex(v);
            (vertex.parent, vertex.label, vertex.depth)
        };
        let d = self.new_vertex(parent, label, depth);
        let conjuncts = self.vertex(v).conjuncts.clone();
        let (field_kind, required, origins) = {
            let vertex = self.vertex(v);
            (vertex.field_kind, vertex.required, vertex.origins.clone())
        };
        let vertex = self.vertex_mut(d);
        vertex.conjuncts = conjuncts;
        vertex.choices = Some(choices);
        vertex.field_kind = field_kind;
        vertex.required = required;
        vertex.origins = origins;
        d
    }

    /// The first permanent error in a vertex or its regular descendants.
    pub(crate) fn subtree_failure(&mut self, v: VId) -> Option<Rc<EvalError>> {
        let mut stack = vec![v];
        let mut visited = 0usize;
        while let Some(x) = stack.pop() {
            visited += 1;
            if visited > 100_000 || self.exhausted {
                return Some(self.budget_error());
            }
            self.finalize(x);
            let x = self.deref(x);
            match &self.vertex(x).value {
                Value::Bottom(e) if !e.is_incomplete() => return Some(e.clone()),
                Value::Disjunction(_) => continue,
                _ => {}
            }
            for (f, arc) in self.vertex(x).arcs.iter().collect::<Vec<_>>() {
                if f.is_definition()
                    || f.is_let()
                    || self.vertex(arc).field_kind == FieldKind::Optional
                {
                    continue;
                }
                stack.push(arc);
            }
        }
        None
    }

    /// A vertex that is the disjunction of the given vertices (`or([...])`).
    pub(crate) fn disjunction_of(&mut self, elems: Vec<VId>, span: &Span) -> VId {
        let alternatives: Rc<[(AltSource, bool)]> = elems
            .into_iter()
            .map(|e| (AltSource::Vertex(e), false))
            .collect();
        self.detached(vec![Conjunct {
            kind: ConjunctKind::Alternatives(alternatives),
            group: None,
            span: Some(span.clone()),
        }])
    }
}

/// Atoms equal as constraints (for merging duplicate alternatives).
fn same_atom(a: &Atom, b: &Atom) -> bool {
    match (&a.value, &b.value) {
        (Some(x), Some(y)) => x.same(y),
        (None, None) => a.describe() == b.describe(),
        _ => false,
    }
}

/// CUE names a failed disjunct's value first when two values of the same kind conflict
/// (`"TCP" | "UDP"` unified with `"SCTP"`: `conflicting values "TCP" and "SCTP"`), and the
/// other value first when their kinds differ.
fn disjunct_first(conflict: crate::value::AtomConflict) -> crate::value::AtomConflict {
    match conflict {
        crate::value::AtomConflict::Values { left, right } => crate::value::AtomConflict::Values {
            left: right,
            right: left,
        },
        other => other,
    }
}
