//! Finalizing a vertex: adding its conjuncts (struct and list literals, references,
//! embeddings, data), then dynamic fields, comprehensions and patterns, then closedness
//! checks, list shapes and disjunctions, and computing its value.

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;

use super::disjunction::AltSource;
use super::expr::{RefError, Val};
use super::*;
use crate::builtins::{self, Func, Universe};
use crate::ir::{Clause, Comprehension, Decl, ExprKind, FieldKind, ListElem, ListLit, StructLit};
use crate::label::LabelKind;
use crate::value::{AtomConflict, Kinds};

/// How the closedness groups of the conjuncts of an expanded vertex are mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GroupMap {
    /// Keep each conjunct's own group.
    Keep,
    /// Closed conjuncts join this group (embedding into an unclosed struct).
    Closed(GroupId),
    /// Every conjunct joins this group (embedding into a closed struct, `close()`).
    All(GroupId),
    /// Drop closedness (`#A...`).
    Open,
    /// Conjuncts without a group join this one (a reference inside a definition brings
    /// in closed content: `#a: a` closes what `a` declares).
    Inherit(GroupId),
}

impl GroupMap {
    fn apply(self, group: Option<GroupId>) -> Option<GroupId> {
        match self {
            GroupMap::Keep => group,
            GroupMap::Closed(g) => group.map(|_| g),
            GroupMap::All(g) => Some(g),
            GroupMap::Open => None,
            GroupMap::Inherit(g) => group.or(Some(g)),
        }
    }
}

/// What a group at a vertex allows.
#[derive(Default)]
pub(crate) struct GroupInfo {
    labels: FxHashSet<Feature>,
    /// Indices into the accumulator's patterns.
    patterns: SmallVec<[usize; 1]>,
    open: bool,
    /// A struct literal was added under this group here: it closes the vertex.
    active: bool,
}

pub(crate) struct PendingDisjunction {
    pub alternatives: Vec<(super::disjunction::AltSource, bool)>,
    pub has_default: bool,
    pub env: Env,
    pub span: Option<Span>,
}

struct PatternEntry {
    pattern: ExprId,
    value: ExprId,
    alias: bool,
    env: Env,
    group: Option<GroupId>,
    span: Span,
    /// The pattern evaluated to a matcher, once known.
    matcher: Option<Val>,
}

enum Deferred {
    Dynamic {
        key: ExprId,
        kind: FieldKind,
        value: ExprId,
        env: Env,
        group: Option<GroupId>,
        sinks: Rc<[GroupId]>,
        span: Span,
    },
    Comprehension {
        comp: Rc<Comprehension>,
        env: Env,
        group: Option<GroupId>,
        sinks: Rc<[GroupId]>,
    },
}

/// The state of a vertex being finalized.
pub(crate) struct Acc {
    pub v: VId,
    pub atom: Atom,
    pub atom_spans: SmallVec<[Span; 2]>,
    is_struct: bool,
    is_list: bool,
    pub error: Option<Rc<EvalError>>,
    pub incomplete: Option<Rc<EvalError>>,
    expanded: SmallVec<[VId; 4]>,
    pub disjunctions: Vec<PendingDisjunction>,
    /// How many disjunctions were met (to index `choices`).
    pub disjunction_index: usize,
    /// Default marks of the disjunct choices taken (for clones).
    pub chosen_default: bool,
    deferred: Vec<Deferred>,
    patterns: Vec<PatternEntry>,
    groups: FxHashMap<GroupId, GroupInfo>,
    list_closed: Option<(u32, Option<Span>)>,
    list_min: u32,
    list_elem_types: Vec<(u32, Conjunct)>,
    list_has_open: bool,
    /// Conjuncts that met a reference into a vertex still being evaluated; retried once.
    retry: Vec<Conjunct>,
    /// The span of the first struct literal (for kind conflicts).
    struct_span: Option<Span>,
    /// Conjuncts are being retried (after a cycle or a missing field).
    retrying: bool,
    /// Expansions that would repeat a structural cycle, held back (see `expand`).
    cyclic: Vec<(VId, Option<ExprId>, GroupMap, Option<Span>)>,
    /// Something other than a held-back cyclic expansion gave this vertex a value.
    noncyclic: bool,
    /// A struct literal made only of comprehensions was added: the value is a struct unless
    /// they yield something else.
    struct_if_nothing_else: bool,
    /// Expressions being added right now (nested through references).
    active: SmallVec<[ExprId; 8]>,
    expanding_cyclic: bool,
}

impl Acc {
    fn new(v: VId) -> Acc {
        Acc {
            v,
            atom: Atom::top(),
            atom_spans: SmallVec::new(),
            is_struct: false,
            is_list: false,
            error: None,
            incomplete: None,
            expanded: SmallVec::new(),
            disjunctions: Vec::new(),
            disjunction_index: 0,
            chosen_default: true,
            deferred: Vec::new(),
            patterns: Vec::new(),
            groups: FxHashMap::default(),
            list_closed: None,
            list_min: 0,
            list_elem_types: Vec::new(),
            list_has_open: false,
            retry: Vec::new(),
            struct_span: None,
            retrying: false,
            cyclic: Vec::new(),
            noncyclic: false,
            expanding_cyclic: false,
            struct_if_nothing_else: false,
            active: SmallVec::new(),
        }
    }

    pub fn fail(&mut self, err: Rc<EvalError>) {
        if err.is_incomplete() {
            if self.incomplete.is_none() {
                self.incomplete = Some(err);
            }
        } else if self.error.is_none()
            || matches!(self.error.as_ref().map(|e| e.kind), Some(ErrorKind::Cycle))
        {
            self.error = Some(err);
        }
    }
}

impl Evaluator {
    /// Evaluates the vertex's own conjuncts: its value and its arcs (not the arcs' values).
    pub fn finalize(&mut self, v: VId) {
        let v = self.deref(v);
        match self.vertex(v).state {
            State::Done | State::Evaluating => return,
            State::New => {}
        }
        if self.exhausted {
            let err = self.budget_error();
            let vertex = self.vertex_mut(v);
            vertex.value = Value::Bottom(err);
            vertex.state = State::Done;
            return;
        }
        self.recursion += 1;
        if self.recursion > self.budget.max_depth * 4
            || self.vertex(v).depth > self.budget.max_depth
        {
            self.recursion -= 1;
            let err = EvalError::new(
                ErrorKind::Budget,
                format!(
                    "evaluation budget exceeded: nesting deeper than {} levels",
                    self.budget.max_depth
                ),
            );
            let vertex = self.vertex_mut(v);
            vertex.value = Value::Bottom(err);
            vertex.state = State::Done;
            return;
        }
        {
            let vertex = self.vertex_mut(v);
            vertex.state = State::Evaluating;
            vertex.value = Value::Top;
        }
        stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || self.finalize_inner(v));
        self.recursion -= 1;
    }

    fn finalize_inner(&mut self, v: VId) {
        let mut acc = Acc::new(v);
        let conjuncts = self.vertex(v).conjuncts.clone();
        for c in conjuncts {
            self.add_conjunct(&mut acc, c, GroupMap::Keep);
        }
        self.run_deferred(&mut acc);
        if !acc.retry.is_empty() {
            acc.retrying = true;
            let retry = std::mem::take(&mut acc.retry);
            for c in retry {
                self.add_conjunct(&mut acc, c, GroupMap::Keep);
            }
            self.run_deferred(&mut acc);
            // Anything still waiting refers to something that never appeared.
            for c in std::mem::take(&mut acc.retry) {
                let span = c.span.clone();
                acc.fail(EvalError::at(
                    ErrorKind::Incomplete,
                    "reference to a field that is not yet available (cycle)",
                    span.as_ref(),
                ));
            }
        }
        if !acc.cyclic.is_empty() {
            let held = std::mem::take(&mut acc.cyclic);
            if acc.noncyclic {
                acc.expanding_cyclic = true;
                for (target, via, map, span) in held {
                    self.expand(&mut acc, target, via, map, span);
                }
                acc.expanding_cyclic = false;
                self.run_deferred(&mut acc);
            } else {
                let span = held[0].3.clone();
                acc.fail(EvalError::at(
                    ErrorKind::StructuralCycle,
                    "structural cycle",
                    span.as_ref(),
                ));
            }
        }
        self.apply_patterns(&mut acc);
        self.finish_list(&mut acc);
        self.check_closedness(&mut acc);
        if !acc.disjunctions.is_empty() && acc.error.is_none() {
            self.resolve_disjunctions(&mut acc);
            if self.vertex(v).forward.is_some() {
                self.vertex_mut(v).state = State::Done;
                return;
            }
        }
        let value = self.compute_value(&mut acc);
        let retry_later =
            matches!(&value, Value::Bottom(e) if e.kind == ErrorKind::Cycle) && self.recursion > 1;
        let vertex = self.vertex_mut(v);
        vertex.default_choice = acc.chosen_default;
        if vertex.list.is_none() && acc.is_list {
            vertex.list = Some(ListInfo::default());
        }
        if !matches!(vertex.value, Value::Disjunction(_)) || acc.error.is_some() {
            vertex.value = value;
        }
        // A value that failed only because of a cycle through a vertex still being
        // evaluated is evaluated again when next asked for.
        vertex.state = if retry_later { State::New } else { State::Done };
        if vertex.state == State::New {
            vertex.arcs = Arcs::default();
            vertex.expansions.clear();
            vertex.list = None;
        } else if matches!(vertex.value, Value::Struct | Value::List)
            && !acc.atom.validators.is_empty()
        {
            let validators = std::mem::take(&mut acc.atom.validators);
            let has_patterns = !acc.patterns.is_empty();
            self.check_composite_validators(v, &validators, has_patterns);
        }
    }

    /// Validators on a struct or list (`list.UniqueItems()`, `struct.MinFields(1)`) see
    /// the whole value: they run once it is concrete, and an incomplete value leaves them
    /// pending like CUE does.
    ///
    /// As in current CUE, too few fields for `struct.MinFields` is only incomplete (more
    /// may come, so a definition is not rejected for it) when the struct is open, has
    /// patterns, or has enough optional and required fields to reach the minimum.
    fn check_composite_validators(
        &mut self,
        v: VId,
        validators: &[crate::value::Validator],
        has_patterns: bool,
    ) {
        let mut errors = Vec::new();
        let options = crate::export::ExportOptions::default();
        let Some(data) = crate::export::export_vertex(self, v, &options, &mut errors, 0) else {
            return;
        };
        if !errors.is_empty() {
            return;
        }
        for validator in validators {
            let b = crate::builtins::get(validator.builtin);
            let mut args = vec![data.clone()];
            args.extend(validator.args.iter().cloned());
            let result = match b.func {
                Func::Data(func) => func(&args),
                Func::Host(func) => {
                    let args: Vec<_> = args.into_iter().map(crate::builtins::Arg::Data).collect();
                    func(self, &args)
                }
                _ => continue,
            };
            let reason = match result {
                Ok(Data::Bool(false)) => String::new(),
                Err(message) => format!(": {message}"),
                Ok(_) => continue,
            };
            // Too few elements in an open list is not final: more may come (current
            // CUE's list.MinItems reports it as incomplete).
            let open_list = self.vertex(v).list.as_ref().is_some_and(|l| l.open);
            if open_list && b.pkg == "list" && b.name == "MinItems" {
                continue;
            }
            let kind = if b.pkg == "struct" && b.name == "MinFields" {
                let min = match validator.args.first() {
                    Some(Data::Num(n)) => n.to_i64().unwrap_or(i64::MAX),
                    _ => i64::MAX,
                };
                let possible = self
                    .arcs(v)
                    .filter(|(f, arc)| {
                        f.is_regular() && self.vertex(*arc).field_kind != FieldKind::Regular
                    })
                    .count();
                let count = match &data {
                    Data::Struct(fields) => fields.len(),
                    _ => 0,
                };
                if !self.vertex(v).closed || has_patterns || (count + possible) as i64 >= min {
                    ErrorKind::Incomplete
                } else {
                    ErrorKind::Eval
                }
            } else {
                ErrorKind::Eval
            };
            let error = EvalError::new(
                kind,
                format!(
                    "invalid value {} (does not satisfy {}){reason}",
                    data.compact_cue(),
                    validator.text
                ),
            );
            let located = self.located(error, v);
            self.vertex_mut(v).value = Value::Bottom(located);
            return;
        }
    }

    fn compute_value(&mut self, acc: &mut Acc) -> Value {
        if acc.struct_if_nothing_else
            && acc.incomplete.is_none()
            && !acc.is_struct
            && !acc.is_list
            && acc.atom.kinds == Kinds::ALL
            && acc.atom.is_plain_kind()
        {
            acc.is_struct = true;
        }
        if let Some(err) = acc.error.clone() {
            return Value::Bottom(self.located(err, acc.v));
        }
        if acc.is_struct && acc.is_list {
            return Value::Bottom(self.located(
                EvalError::at(
                    ErrorKind::Eval,
                    "conflicting values struct and list (mismatched types struct and list)",
                    acc.struct_span.as_ref(),
                ),
                acc.v,
            ));
        }
        if acc.is_struct || acc.is_list {
            let kind = if acc.is_struct {
                Kinds::STRUCT
            } else {
                Kinds::LIST
            };
            // Bounds that only exclude scalars (`!=null`) are fine on a struct or list.
            let bound_conflict = acc
                .atom
                .bounds
                .iter()
                .any(|b| !matches!(b.op, crate::value::BoundOp::NotEqual));
            if acc.atom.value.is_some() || !acc.atom.kinds.intersects(kind) || bound_conflict {
                let (name, other) = if acc.is_struct {
                    ("struct", "{...}")
                } else {
                    ("list", "[...]")
                };
                let msg = format!(
                    "conflicting values {} and {other} (mismatched types {} and {name})",
                    acc.atom.describe(),
                    acc.atom
                        .value
                        .as_ref()
                        .map_or_else(|| acc.atom.kinds.to_string(), |v| v.kind_name().to_owned())
                );
                let mut err = EvalError {
                    kind: ErrorKind::Eval,
                    message: msg,
                    spans: acc.atom_spans.to_vec(),
                    vertex: Some(acc.v),
                };
                err.spans.extend(acc.struct_span.clone());
                return Value::Bottom(Rc::new(err));
            }
            // A struct whose comprehension or embedding could not be evaluated yet is
            // still a struct, but incomplete: `cue export` reports it.
            let incomplete = acc.incomplete.clone().map(|e| self.located(e, acc.v));
            self.vertex_mut(acc.v).incomplete = incomplete;
            return if acc.is_struct {
                Value::Struct
            } else {
                Value::List
            };
        }
        if let Some(inc) = acc.incomplete.clone() {
            // A cycle through a vertex that has a concrete value anyway is consistent with
            // it (`a: b + 1, b: a - 1, b: 5`): the fixpoint is that value.
            if !(inc.kind == ErrorKind::Cycle && acc.atom.value.is_some()) {
                return Value::Bottom(self.located(inc, acc.v));
            }
        }
        if acc.atom.kinds == Kinds::ALL && acc.atom.is_plain_kind() {
            return Value::Top;
        }
        if acc.atom.kinds.and(Kinds::SCALAR).is_empty() && acc.atom.value.is_none() {
            // Only struct or list kinds allowed but no literal: `struct`-like constraint.
            return Value::Atom(Box::new(acc.atom.clone()));
        }
        Value::Atom(Box::new(acc.atom.clone()))
    }

    /// Attaches the vertex to an error that has none.
    pub(crate) fn located(&self, err: Rc<EvalError>, v: VId) -> Rc<EvalError> {
        if err.vertex.is_some() {
            return err;
        }
        let mut e = (*err).clone();
        e.vertex = Some(v);
        Rc::new(e)
    }

    pub(crate) fn add_conjunct(&mut self, acc: &mut Acc, c: Conjunct, map: GroupMap) {
        if !self.step() {
            acc.fail(self.budget_error());
            return;
        }
        let group = map.apply(c.group);
        match c.kind {
            ConjunctKind::Expr(e, env) => self.add_expr(acc, e, &env, group, map, c.span),
            ConjunctKind::Vertex(r) => self.expand(acc, r, None, map, c.span),
            ConjunctKind::Data(d) => self.add_data(acc, &d, group, c.span),
            ConjunctKind::Atom(a) => self.add_atom(acc, &a, c.span.as_ref()),
            ConjunctKind::List(elems) => {
                acc.noncyclic = true;
                acc.is_list = true;
                for (i, elem) in elems.iter().enumerate() {
                    let arc = self.ensure_arc(acc.v, Feature::index(i as u32));
                    self.mark_field(arc, FieldKind::Regular);
                    self.vertex_mut(arc).conjuncts.push(Conjunct {
                        kind: ConjunctKind::Vertex(*elem),
                        group: None,
                        span: c.span.clone(),
                    });
                }
                self.add_list_shape(acc, elems.len() as u32, false, c.span.as_ref());
            }
            ConjunctKind::Alternatives(alternatives) => {
                let index = acc.disjunction_index;
                acc.disjunction_index += 1;
                let choice = self
                    .vertex(acc.v)
                    .choices
                    .as_ref()
                    .and_then(|c| c.get(index).copied());
                match choice.and_then(|i| alternatives.get(i)) {
                    Some((AltSource::Vertex(target), _)) => {
                        self.expand(acc, *target, None, map, c.span)
                    }
                    Some((AltSource::Expr(e), _)) => {
                        self.add_expr(acc, *e, &None, group, map, c.span)
                    }
                    None => acc.disjunctions.push(PendingDisjunction {
                        alternatives: alternatives.to_vec(),
                        has_default: alternatives.iter().any(|(_, d)| *d),
                        env: None,
                        span: c.span,
                    }),
                }
            }
        }
    }

    pub(crate) fn add_atom(&mut self, acc: &mut Acc, atom: &Atom, span: Option<&Span>) {
        if atom.kinds != Kinds::ALL || !atom.is_plain_kind() {
            acc.noncyclic = true;
        }
        match acc.atom.unify(atom) {
            Ok(()) => {
                if acc.atom.value.is_some() {
                    if !acc.atom.validators.is_empty() {
                        let checked = acc.atom.clone();
                        acc.atom.validators.clear();
                        if let Err(e) = self.run_validators(&checked) {
                            acc.fail(super::expr::with_span(
                                e,
                                span.unwrap_or(&Span::new(crate::ir::FileId(0), 0..0)),
                            ));
                            return;
                        }
                    }
                    // Visible to cycles through this vertex (`a: b + 1, b: a - 1, a: 10`).
                    self.vertex_mut(acc.v).value = Value::Atom(Box::new(acc.atom.clone()));
                }
                if let Some(s) = span {
                    if atom.value.is_some() || !atom.bounds.is_empty() || atom.kinds != Kinds::ALL {
                        if acc.atom_spans.len() < 4 {
                            acc.atom_spans.push(s.clone());
                        }
                    }
                }
            }
            Err(conflict) => {
                let mut spans: Vec<Span> = acc.atom_spans.to_vec();
                spans.extend(span.cloned());
                let message = match &conflict {
                    AtomConflict::Types { .. } | AtomConflict::Values { .. } => {
                        conflict.to_string()
                    }
                    _ => conflict.to_string(),
                };
                acc.fail(Rc::new(EvalError {
                    kind: ErrorKind::Eval,
                    message,
                    spans,
                    vertex: None,
                }));
            }
        }
    }

    fn add_data(&mut self, acc: &mut Acc, data: &Data, group: Option<GroupId>, span: Option<Span>) {
        acc.noncyclic = true;
        match data {
            Data::Null => self.add_atom(acc, &Atom::concrete(Scalar::Null), span.as_ref()),
            Data::Bool(b) => self.add_atom(acc, &Atom::concrete(Scalar::Bool(*b)), span.as_ref()),
            Data::Num(n) => {
                self.add_atom(acc, &Atom::concrete(Scalar::Num(n.clone())), span.as_ref())
            }
            Data::Str(s) => {
                self.add_atom(acc, &Atom::concrete(Scalar::Str(s.clone())), span.as_ref())
            }
            Data::Bytes(b) => self.add_atom(
                acc,
                &Atom::concrete(Scalar::Bytes(b.clone())),
                span.as_ref(),
            ),
            Data::Struct(fields) => {
                acc.is_struct = true;
                if acc.struct_span.is_none() {
                    acc.struct_span = span.clone();
                }
                for (name, value) in fields {
                    let f = self.intern_label(name);
                    let arc = self.ensure_arc(acc.v, f);
                    self.mark_field(arc, FieldKind::Regular);
                    let child_group = group.and_then(|g| self.child_group(g, f));
                    self.vertex_mut(arc).conjuncts.push(Conjunct {
                        kind: ConjunctKind::Data(Rc::new(value.clone())),
                        group: child_group,
                        span: span.clone(),
                    });
                    if let Some(g) = group {
                        acc.groups.entry(g).or_default().labels.insert(f);
                    }
                }
                if let Some(g) = group {
                    acc.groups.entry(g).or_default().active = true;
                }
            }
            Data::List(items) => {
                acc.is_list = true;
                for (i, item) in items.iter().enumerate() {
                    let arc = self.ensure_arc(acc.v, Feature::index(i as u32));
                    self.mark_field(arc, FieldKind::Regular);
                    self.vertex_mut(arc).conjuncts.push(Conjunct {
                        kind: ConjunctKind::Data(Rc::new(item.clone())),
                        group: None,
                        span: span.clone(),
                    });
                }
                self.add_list_shape(acc, items.len() as u32, false, span.as_ref());
            }
        }
    }

    fn intern_label(&mut self, name: &str) -> Feature {
        // Labels created at run time (from data and dynamic fields) need the interner;
        // the program's interner is shared and frozen, so use a side table.
        self.runtime_label(name)
    }

    fn mark_field(&mut self, arc: VId, kind: FieldKind) {
        let vertex = self.vertex_mut(arc);
        if kind == FieldKind::Required {
            vertex.required = true;
        }
        if kind > vertex.field_kind {
            vertex.field_kind = kind;
        }
    }

    fn add_expr(
        &mut self,
        acc: &mut Acc,
        e: ExprId,
        env: &Env,
        group: Option<GroupId>,
        map: GroupMap,
        span: Option<Span>,
    ) {
        // The same expression reached again while it is being added to this vertex (through
        // values it produces, as in `f: {n: int, out: (f & {n: n - 1}).out}`) recurses
        // forever: a structural cycle.
        if acc.active.contains(&e) {
            let span = Some(self.program.expr(e).span.clone()).or(span);
            acc.fail(EvalError::at(
                ErrorKind::StructuralCycle,
                "structural cycle",
                span.as_ref(),
            ));
            return;
        }
        if acc.active.len() > self.budget.max_depth as usize {
            acc.fail(EvalError::new(
                ErrorKind::Budget,
                format!(
                    "evaluation budget exceeded: references nested deeper than {} levels",
                    self.budget.max_depth
                ),
            ));
            return;
        }
        acc.active.push(e);
        stacker::maybe_grow(128 * 1024, 2 * 1024 * 1024, || {
            self.add_expr_inner(acc, e, env, group, map, span)
        });
        acc.active.pop();
    }

    fn add_expr_inner(
        &mut self,
        acc: &mut Acc,
        e: ExprId,
        env: &Env,
        group: Option<GroupId>,
        map: GroupMap,
        span: Option<Span>,
    ) {
        let program = self.program.clone();
        let expr = program.expr(e);
        let span = Some(expr.span.clone()).or(span);
        match &expr.kind {
            ExprKind::Struct(lit) => self.add_struct(acc, lit, env, group, map),
            ExprKind::List(lit) => self.add_list(acc, lit, env, group),
            ExprKind::Conjunction(parts) => {
                for p in parts {
                    self.add_expr(acc, *p, env, group, map, span.clone());
                }
            }
            ExprKind::Disjunction {
                alternatives,
                has_default,
            } => {
                let index = acc.disjunction_index;
                acc.disjunction_index += 1;
                let choice = self
                    .vertex(acc.v)
                    .choices
                    .as_ref()
                    .and_then(|c| c.get(index).copied());
                match choice {
                    Some(i) if i < alternatives.len() => {
                        let (alt, is_default) = alternatives[i];
                        if *has_default && !is_default {
                            acc.chosen_default = false;
                        }
                        self.add_expr(acc, alt, env, group, map, span);
                    }
                    _ => acc.disjunctions.push(PendingDisjunction {
                        alternatives: alternatives
                            .iter()
                            .map(|(e, d)| (AltSource::Expr(*e), *d))
                            .collect(),
                        has_default: *has_default,
                        env: env.clone(),
                        span,
                    }),
                }
            }
            ExprKind::Ref(r) => match self.resolve_ref(*r, env) {
                Ok(Binding::Vertex(target)) => {
                    let target_map = self.reference_map(target, map, group);
                    self.expand(acc, target, Some(e), target_map, span)
                }
                Ok(Binding::Scalar(s)) => self.add_atom(acc, &Atom::concrete(s), span.as_ref()),
                Err(RefError::NotYet) => acc.retry.push(Conjunct {
                    kind: ConjunctKind::Expr(e, env.clone()),
                    group,
                    span,
                }),
                Err(RefError::Failed(err)) => acc.fail(err),
            },
            ExprKind::Open(inner) => {
                let inner = *inner;
                match self.eval(inner, env) {
                    Val::Vertex(target) => {
                        self.expand(acc, target, Some(inner), GroupMap::Open, span)
                    }
                    other => self.add_val(acc, other, group, map, span),
                }
            }
            ExprKind::Call(f, args) => {
                if let ExprKind::Builtin(id) = program.expr(*f).kind {
                    if let Func::Universe(Universe::Close) = builtins::get(id).func {
                        if let [arg] = args.as_slice() {
                            let g = self.new_group();
                            self.shallow_groups.insert(g);
                            match self.eval(*arg, env) {
                                Val::Vertex(target) => {
                                    self.expand(acc, target, Some(*arg), GroupMap::All(g), span)
                                }
                                Val::Atom(a) => acc.fail(EvalError::at(
                                    ErrorKind::Eval,
                                    format!(
                                        "cannot use {} (type {}) as struct in argument 1 to close",
                                        a.describe(),
                                        a.kinds
                                    ),
                                    span.as_ref(),
                                )),
                                other => self.add_val(acc, other, Some(g), GroupMap::All(g), span),
                            }
                            self.vertex_mut(acc.v).closed = true;
                            return;
                        }
                    }
                }
                let val = self.eval(e, env);
                self.add_val(acc, val, group, map, span);
            }
            ExprKind::Top => {}
            ExprKind::Bottom => acc.fail(EvalError::at(
                ErrorKind::Eval,
                "explicit error (_|_ literal) in source",
                span.as_ref(),
            )),
            ExprKind::Error(msg) => acc.fail(EvalError::at(
                ErrorKind::Eval,
                msg.to_string(),
                span.as_ref(),
            )),
            _ => {
                let val = self.eval(e, env);
                if let Val::Bottom(err) = &val {
                    if (err.kind == ErrorKind::Incomplete
                        && err
                            .message
                            .starts_with("reference to a field that is not yet available"))
                        || (err.kind == ErrorKind::Cycle && !acc.retrying)
                    {
                        acc.retry.push(Conjunct {
                            kind: ConjunctKind::Expr(e, env.clone()),
                            group,
                            span,
                        });
                        return;
                    }
                }
                self.add_val(acc, val, group, map, span);
            }
        }
    }

    /// The group mapping for the conjuncts of a referenced vertex.
    fn reference_map(&mut self, _target: VId, map: GroupMap, group: Option<GroupId>) -> GroupMap {
        match (map, group) {
            (GroupMap::Keep, Some(g)) => GroupMap::Inherit(g),
            _ => map,
        }
    }

    pub(crate) fn add_val(
        &mut self,
        acc: &mut Acc,
        val: Val,
        group: Option<GroupId>,
        map: GroupMap,
        span: Option<Span>,
    ) {
        match val {
            Val::Atom(a) => self.add_atom(acc, &a, span.as_ref()),
            Val::Vertex(target) => {
                let map = self.reference_map(target, map, group);
                self.expand(acc, target, None, map, span)
            }
            Val::Bottom(err) => {
                let err = if err.spans.is_empty() && span.is_some() {
                    let mut e = (*err).clone();
                    e.spans.extend(span);
                    Rc::new(e)
                } else {
                    err
                };
                acc.fail(err)
            }
        }
    }

    /// Adds the conjuncts of `target` to the vertex being finalized (a reference).
    pub(crate) fn expand(
        &mut self,
        acc: &mut Acc,
        target: VId,
        via: Option<ExprId>,
        map: GroupMap,
        span: Option<Span>,
    ) {
        let v = acc.v;
        if target == v || acc.expanded.contains(&target) {
            return;
        }
        // A reference to an ancestor, or the same reference expanding the same vertex again
        // further up, is a structural cycle — unless something else gives this vertex a
        // value (data ends the recursion: `#L: {next?: #L}` with finite data). Such
        // expansions wait until all other conjuncts are in.
        let cyclic = self.is_ancestor(target, v)
            || via.is_some_and(|e| {
                let mut current = Some(v);
                let mut hops = 0;
                while let Some(c) = current {
                    if self
                        .vertex(c)
                        .expansions
                        .iter()
                        .any(|(x, t)| *x == e && *t == target)
                    {
                        return true;
                    }
                    current = self.vertex(c).parent;
                    hops += 1;
                    if hops > 10_000 {
                        break;
                    }
                }
                false
            });
        if cyclic && !acc.expanding_cyclic {
            acc.cyclic.push((target, via, map, span));
            return;
        }
        if let Some(e) = via {
            self.vertex_mut(v).expansions.push((e, target));
        }
        acc.expanded.push(target);

        // A definition reference closes what it brings in.
        let mut map = map;
        let label = self.vertex(target).label;
        if map == GroupMap::Keep {
            if let Some(l) = label {
                if l.is_definition()
                    && self
                        .vertex(target)
                        .conjuncts
                        .iter()
                        .any(|c| c.group.is_none())
                {
                    // Conjuncts of a definition without a group yet: give them the
                    // definition's own group.
                    let g = self.definition_group(target);
                    map = GroupMap::All(g);
                }
            }
        }

        // Already evaluated scalars need no re-evaluation.
        let target_vertex = self.vertex(target);
        if target_vertex.state == State::Done
            && target_vertex.forward.is_none()
            && target_vertex.arcs.is_empty()
        {
            match &target_vertex.value {
                Value::Atom(a) if target_vertex.list.is_none() => {
                    let a = a.clone();
                    self.add_atom(acc, &a, span.as_ref());
                    return;
                }
                Value::Top if target_vertex.list.is_none() && !target_vertex.conjuncts.iter().any(|c| matches!(c.kind, ConjunctKind::Expr(e, _) if matches!(self.program.expr(e).kind, ExprKind::Struct(_)))) => {
                    return;
                }
                _ => {}
            }
        }
        let conjuncts = self.vertex(target).conjuncts.clone();
        if self.vertex(target).closed {
            self.vertex_mut(v).closed = true;
        }
        if let GroupMap::Inherit(enclosing) = map {
            // Closed content brought into a closed group keeps its own group, and its
            // labels count for the enclosing one.
            for c in &conjuncts {
                if let Some(own) = c.group {
                    if own != enclosing {
                        let also = self.group_also.entry(own).or_default();
                        if !also.contains(&enclosing) {
                            also.push(enclosing);
                        }
                    }
                }
            }
        }
        for c in conjuncts {
            self.add_conjunct(acc, c, map);
        }
    }

    /// The group of a definition's own declarations.
    fn definition_group(&mut self, def: VId) -> GroupId {
        if let Some(g) = self.def_groups.get(&def) {
            return *g;
        }
        let g = self.new_group();
        self.def_groups.insert(def, g);
        g
    }

    fn is_ancestor(&self, candidate: VId, v: VId) -> bool {
        let mut current = self.vertex(v).parent;
        let mut hops = 0;
        while let Some(c) = current {
            if c == candidate {
                return true;
            }
            current = self.vertex(c).parent;
            hops += 1;
            if hops > 100_000 {
                return false;
            }
        }
        false
    }

    fn add_struct(
        &mut self,
        acc: &mut Acc,
        lit: &Rc<StructLit>,
        env: &Env,
        group: Option<GroupId>,
        map: GroupMap,
    ) {
        let v = acc.v;
        acc.noncyclic = true;
        let frame = Rc::new(Frame {
            parent: env.clone(),
            kind: FrameKind::Struct(v),
        });
        let env = Some(frame);
        let embedding_only = lit.is_embedding_only();
        if embedding_only
            && lit
                .decls
                .iter()
                .any(|d| matches!(d, Decl::Comprehension(_)))
        {
            // `{for x in xs {...}}` is a struct even when the comprehension yields nothing,
            // but `{if c {"scalar"}}` is the scalar.
            acc.struct_if_nothing_else = true;
        }
        if !embedding_only {
            acc.is_struct = true;
            if acc.struct_span.is_none() {
                acc.struct_span = Some(lit.span.clone());
            }
        }
        let has_embeddings = lit
            .decls
            .iter()
            .any(|d| matches!(d, Decl::Embed(_) | Decl::Comprehension(_)));
        // Closed embeddings of an unclosed literal close it, with this literal's fields.
        let embed_group = match group {
            Some(g) => Some(g),
            None if has_embeddings => Some(self.new_group()),
            None => None,
        };
        let sinks: Rc<[GroupId]> = match (group, embed_group) {
            (Some(g), _) => Rc::from([g]),
            (None, Some(e)) => Rc::from([e]),
            _ => Rc::from([]),
        };
        if let Some(g) = group {
            if !embedding_only {
                acc.groups.entry(g).or_default().active = true;
            }
        }
        let _ = map;
        for decl in &lit.decls {
            match decl {
                Decl::Field(field) => {
                    let arc = self.ensure_arc(v, field.label);
                    self.mark_field(arc, field.kind);
                    let child_group = self.field_group(v, group, field.label);
                    {
                        let vertex = self.vertex_mut(arc);
                        if vertex.origins.len() < 8 {
                            vertex.origins.push(FieldOrigin {
                                span: field.span.clone(),
                                doc: field.doc.clone(),
                                attributes: Rc::from(field.attributes.clone()),
                            });
                        }
                        vertex.conjuncts.push(Conjunct {
                            kind: ConjunctKind::Expr(field.value, env.clone()),
                            group: child_group,
                            span: Some(field.span.clone()),
                        });
                        if vertex.state != State::New {
                            // Conjuncts arriving after the arc was evaluated (a reference
                            // raced ahead): evaluate it again.
                            vertex.state = State::New;
                            vertex.arcs = Arcs::default();
                            vertex.forward = None;
                            vertex.list = None;
                            vertex.expansions.clear();
                        }
                    }
                    for s in sinks.iter() {
                        acc.groups.entry(*s).or_default().labels.insert(field.label);
                    }
                }
                Decl::Let { label, value, span } => {
                    let arc = self.ensure_arc(v, *label);
                    let vertex = self.vertex_mut(arc);
                    if vertex.conjuncts.is_empty() {
                        vertex.field_kind = FieldKind::Regular;
                        vertex.conjuncts.push(Conjunct {
                            kind: ConjunctKind::Expr(*value, env.clone()),
                            group: None,
                            span: Some(span.clone()),
                        });
                    }
                }
                Decl::Dynamic {
                    key,
                    kind,
                    value,
                    span,
                    ..
                } => acc.deferred.push(Deferred::Dynamic {
                    key: *key,
                    kind: *kind,
                    value: *value,
                    env: env.clone(),
                    group,
                    sinks: sinks.clone(),
                    span: span.clone(),
                }),
                Decl::Pattern {
                    pattern,
                    value,
                    alias,
                    span,
                } => {
                    let index = acc.patterns.len();
                    acc.patterns.push(PatternEntry {
                        pattern: *pattern,
                        value: *value,
                        alias: *alias,
                        env: env.clone(),
                        group,
                        span: span.clone(),
                        matcher: None,
                    });
                    for s in sinks.iter() {
                        acc.groups.entry(*s).or_default().patterns.push(index);
                    }
                }
                Decl::Embed(e) => {
                    let embed_map = match (group, embed_group) {
                        (Some(g), _) => GroupMap::All(g),
                        (None, Some(eg)) => GroupMap::Closed(eg),
                        _ => GroupMap::Keep,
                    };
                    let span = Some(self.program.expr(*e).span.clone());
                    self.add_expr(acc, *e, &env, group, embed_map, span);
                }
                Decl::Comprehension(comp) => acc.deferred.push(Deferred::Comprehension {
                    comp: comp.clone(),
                    env: env.clone(),
                    group,
                    sinks: sinks.clone(),
                }),
                Decl::Ellipsis(_, _) => {
                    for s in sinks.iter() {
                        acc.groups.entry(*s).or_default().open = true;
                    }
                    if sinks.is_empty() {
                        if let Some(g) = group {
                            acc.groups.entry(g).or_default().open = true;
                        }
                    }
                }
            }
        }
    }

    /// The closedness group of a field declared in a literal of group `group` at `v`.
    fn field_group(&mut self, v: VId, group: Option<GroupId>, label: Feature) -> Option<GroupId> {
        match group {
            Some(g) => self.child_group(g, label),
            None if label.is_definition() => {
                // A definition's declarations are closed from the start.
                let arc = self.vertex(v).arcs.get(label)?;
                Some(self.definition_group(arc))
            }
            None => None,
        }
    }

    fn add_list(&mut self, acc: &mut Acc, lit: &Rc<ListLit>, env: &Env, group: Option<GroupId>) {
        acc.is_list = true;
        acc.noncyclic = true;
        let v = acc.v;
        let mut index: u32 = 0;
        for elem in &lit.elems {
            match elem {
                ListElem::Expr(e) => {
                    let f = Feature::index(index);
                    let arc = self.ensure_arc(v, f);
                    self.mark_field(arc, FieldKind::Regular);
                    let child_group = group.and_then(|g| self.child_group(g, f));
                    let span = self.program.expr(*e).span.clone();
                    self.vertex_mut(arc).conjuncts.push(Conjunct {
                        kind: ConjunctKind::Expr(*e, env.clone()),
                        group: child_group,
                        span: Some(span),
                    });
                    index += 1;
                }
                ListElem::Comprehension(comp) => match self.comprehension_envs(comp, env) {
                    Ok(envs) => {
                        // `else {…}` yields its body when the clauses yield nothing.
                        let bodies: Vec<(ExprId, Env)> = if envs.is_empty() {
                            comp.fallback
                                .map(|f| (f, env.clone()))
                                .into_iter()
                                .collect()
                        } else {
                            envs.into_iter().map(|e| (comp.body, e)).collect()
                        };
                        for (body, env2) in bodies {
                            let f = Feature::index(index);
                            let arc = self.ensure_arc(v, f);
                            self.mark_field(arc, FieldKind::Regular);
                            let span = self.program.expr(body).span.clone();
                            self.vertex_mut(arc).conjuncts.push(Conjunct {
                                kind: ConjunctKind::Expr(body, env2),
                                group: None,
                                span: Some(span),
                            });
                            index += 1;
                        }
                    }
                    Err(err) => acc.fail(err),
                },
            }
        }
        match &lit.ellipsis {
            Some(ty) => {
                acc.list_has_open = true;
                if let Some(t) = ty {
                    acc.list_elem_types.push((
                        index,
                        Conjunct {
                            kind: ConjunctKind::Expr(*t, env.clone()),
                            group: None,
                            span: Some(lit.span.clone()),
                        },
                    ));
                }
                acc.list_min = acc.list_min.max(index);
            }
            None => self.add_list_shape(acc, index, false, Some(&lit.span)),
        }
    }

    fn add_list_shape(&mut self, acc: &mut Acc, len: u32, open: bool, span: Option<&Span>) {
        acc.is_list = true;
        if open {
            acc.list_has_open = true;
            acc.list_min = acc.list_min.max(len);
            return;
        }
        match &acc.list_closed {
            Some((existing, first_span)) if *existing != len => {
                let mut spans: Vec<Span> = first_span.iter().cloned().collect();
                spans.extend(span.cloned());
                let (a, b) = (*existing, len);
                acc.fail(Rc::new(EvalError {
                    kind: ErrorKind::Eval,
                    message: format!("incompatible list lengths ({a} and {b})"),
                    spans,
                    vertex: None,
                }));
            }
            Some(_) => {}
            None => acc.list_closed = Some((len, span.cloned())),
        }
    }

    fn finish_list(&mut self, acc: &mut Acc) {
        if !acc.is_list {
            return;
        }
        let v = acc.v;
        let len = match acc.list_closed.clone() {
            Some((len, span)) => {
                if acc.list_min > len {
                    let (a, b) = (len, acc.list_min);
                    acc.fail(EvalError::at(
                        ErrorKind::Eval,
                        format!("incompatible list lengths ({a} and {b})"),
                        span.as_ref(),
                    ));
                }
                len
            }
            None => acc.list_min.max(self.vertex(v).arcs.len() as u32),
        };
        for (start, conjunct) in std::mem::take(&mut acc.list_elem_types) {
            for i in start..len {
                if let Some(arc) = self.vertex(v).arcs.get(Feature::index(i)) {
                    self.vertex_mut(arc).conjuncts.push(conjunct.clone());
                }
            }
        }
        self.vertex_mut(v).list = Some(ListInfo {
            open: acc.list_closed.is_none(),
            len,
        });
    }

    fn run_deferred(&mut self, acc: &mut Acc) {
        let mut rounds = 0;
        while !acc.deferred.is_empty() {
            rounds += 1;
            if rounds > 10_000 || !self.step() {
                acc.fail(self.budget_error());
                return;
            }
            let items = std::mem::take(&mut acc.deferred);
            for item in items {
                match item {
                    Deferred::Dynamic {
                        key,
                        kind,
                        value,
                        env,
                        group,
                        sinks,
                        span,
                    } => {
                        let label = match self.eval(key, &env) {
                            Val::Atom(a) => match a.value {
                                Some(Scalar::Str(s)) => Ok(self.runtime_label(&s)),
                                Some(other) => Err(EvalError::at(
                                    ErrorKind::Eval,
                                    format!("invalid label {other}: labels must be strings"),
                                    Some(&span),
                                )),
                                None => Err(EvalError::at(
                                    ErrorKind::Incomplete,
                                    format!("invalid non-concrete label {}", a.describe()),
                                    Some(&span),
                                )),
                            },
                            Val::Vertex(r) => match self.concrete_scalar(r) {
                                Ok(Scalar::Str(s)) => Ok(self.runtime_label(&s)),
                                Ok(other) => Err(EvalError::at(
                                    ErrorKind::Eval,
                                    format!("invalid label {other}: labels must be strings"),
                                    Some(&span),
                                )),
                                Err(e) => Err(e),
                            },
                            Val::Bottom(e) => Err(e),
                        };
                        match label {
                            Ok(f) => {
                                let arc = self.ensure_arc(acc.v, f);
                                self.mark_field(arc, kind);
                                let child_group = group.and_then(|g| self.child_group(g, f));
                                self.vertex_mut(arc).conjuncts.push(Conjunct {
                                    kind: ConjunctKind::Expr(value, env.clone()),
                                    group: child_group,
                                    span: Some(span.clone()),
                                });
                                for s in sinks.iter() {
                                    acc.groups.entry(*s).or_default().labels.insert(f);
                                }
                            }
                            Err(e) => acc.fail(e),
                        }
                    }
                    Deferred::Comprehension {
                        comp,
                        env,
                        group,
                        sinks,
                    } => match self.comprehension_envs(&comp, &env) {
                        Ok(envs) => {
                            let empty = envs.is_empty();
                            for env2 in envs {
                                self.add_comprehension_body(acc, comp.body, &env2, group, &sinks);
                            }
                            if empty {
                                if let Some(fallback) = comp.fallback {
                                    self.add_comprehension_body(acc, fallback, &env, group, &sinks);
                                }
                            }
                        }
                        Err(err) => acc.fail(err),
                    },
                }
            }
        }
    }

    fn add_comprehension_body(
        &mut self,
        acc: &mut Acc,
        body: ExprId,
        env: &Env,
        group: Option<GroupId>,
        sinks: &Rc<[GroupId]>,
    ) {
        let program = self.program.clone();
        let ExprKind::Struct(lit) = &program.expr(body).kind else {
            let span = Some(program.expr(body).span.clone());
            self.add_expr(acc, body, env, group, GroupMap::Keep, span);
            return;
        };
        // Fields a comprehension produces are embedded: they count as declared by the
        // enclosing literal for closedness.
        let before: FxHashSet<Feature> = self.vertex(acc.v).arcs.iter().map(|(f, _)| f).collect();
        let is_struct_before = acc.is_struct;
        self.add_struct(acc, lit, env, group, GroupMap::Keep);
        if lit.decls.is_empty() {
            acc.is_struct = is_struct_before || acc.is_struct;
        }
        let new_labels: Vec<Feature> = self
            .vertex(acc.v)
            .arcs
            .iter()
            .map(|(f, _)| f)
            .filter(|f| !before.contains(f))
            .collect();
        for s in sinks.iter() {
            let info = acc.groups.entry(*s).or_default();
            for f in &new_labels {
                info.labels.insert(*f);
            }
            for decl in &lit.decls {
                if let Decl::Field(fd) = decl {
                    info.labels.insert(fd.label);
                }
            }
        }
    }

    /// The environments in which a comprehension's body is evaluated, one per yield.
    pub(crate) fn comprehension_envs(
        &mut self,
        comp: &Comprehension,
        env: &Env,
    ) -> Result<Vec<Env>, Rc<EvalError>> {
        let mut envs = vec![env.clone()];
        for clause in &comp.clauses {
            let mut next = Vec::new();
            for env in envs {
                if !self.step() {
                    return Err(self.budget_error());
                }
                match clause {
                    Clause::For { source, span } => {
                        let items = self.iterate(*source, &env, span)?;
                        for (key, value) in items {
                            let mut slots = SmallVec::new();
                            slots.push(Binding::Scalar(key));
                            slots.push(Binding::Vertex(value));
                            next.push(Some(Rc::new(Frame {
                                parent: env.clone(),
                                kind: FrameKind::Locals(slots),
                            })));
                        }
                    }
                    Clause::If(cond) => {
                        if self.condition(*cond, &env)? {
                            next.push(env);
                        }
                    }
                    Clause::Let(value) => {
                        let span = self.program.expr(*value).span.clone();
                        let d = self.detached(vec![Conjunct {
                            kind: ConjunctKind::Expr(*value, env.clone()),
                            group: None,
                            span: Some(span),
                        }]);
                        let mut slots = SmallVec::new();
                        slots.push(Binding::Vertex(d));
                        next.push(Some(Rc::new(Frame {
                            parent: env.clone(),
                            kind: FrameKind::Locals(slots),
                        })));
                    }
                }
            }
            envs = next;
        }
        Ok(envs)
    }

    /// Key/value pairs of a struct's regular fields or a list's elements.
    fn iterate(
        &mut self,
        source: ExprId,
        env: &Env,
        span: &Span,
    ) -> Result<Vec<(Scalar, VId)>, Rc<EvalError>> {
        let v = match self.eval(source, env) {
            Val::Vertex(v) => v,
            Val::Bottom(e) => return Err(e),
            Val::Atom(a) => {
                let kind = if a.is_concrete() { "" } else { "incomplete " };
                let kind_err = if a.is_concrete() {
                    ErrorKind::Eval
                } else {
                    ErrorKind::Incomplete
                };
                return Err(EvalError::at(
                    kind_err,
                    format!(
                        "cannot range over {} ({kind}value of type {})",
                        a.describe(),
                        a.kinds
                    ),
                    Some(span),
                ));
            }
        };
        let v = self.resolve_default(v)?;
        if self.vertex(v).state == State::Evaluating {
            return Err(EvalError::at(
                ErrorKind::Eval,
                "cycle error: a comprehension iterates over the struct it adds fields to",
                Some(span),
            ));
        }
        self.finalize(v);
        let v = self.deref(v);
        match &self.vertex(v).value {
            Value::Bottom(e) => return Err(e.clone()),
            Value::Struct | Value::List => {}
            Value::Top => {
                return Err(EvalError::at(
                    ErrorKind::Incomplete,
                    "cannot range over incomplete value _",
                    Some(span),
                ));
            }
            Value::Atom(a) => {
                let kind_err = if a.is_concrete() {
                    ErrorKind::Eval
                } else {
                    ErrorKind::Incomplete
                };
                return Err(EvalError::at(
                    kind_err,
                    format!("cannot range over {}", a.describe()),
                    Some(span),
                ));
            }
            Value::Disjunction(_) => {
                return Err(EvalError::at(
                    ErrorKind::Incomplete,
                    "cannot range over unresolved disjunction",
                    Some(span),
                ));
            }
        }
        let is_list = self.vertex(v).list.is_some();
        let arcs: Vec<(Feature, VId)> = self.vertex(v).arcs.iter().collect();
        let mut out = Vec::new();
        for (f, arc) in arcs {
            if is_list {
                if let Some(i) = f.as_index() {
                    out.push((Scalar::Num(crate::number::Num::int(i as i64)), arc));
                }
                continue;
            }
            if f.kind() != LabelKind::Regular {
                continue;
            }
            if self.vertex(arc).field_kind != FieldKind::Regular {
                continue;
            }
            out.push((Scalar::Str(self.label_str(f)), arc));
        }
        Ok(out)
    }

    /// Evaluates an `if` guard.
    fn condition(&mut self, cond: ExprId, env: &Env) -> Result<bool, Rc<EvalError>> {
        let span = self.program.expr(cond).span.clone();
        match self.eval_concrete(cond, env)? {
            Scalar::Bool(b) => Ok(b),
            other => Err(EvalError::at(
                ErrorKind::Eval,
                format!(
                    "cannot use {other} (type {}) as bool in if clause",
                    other.kind_name()
                ),
                Some(&span),
            )),
        }
    }

    fn apply_patterns(&mut self, acc: &mut Acc) {
        if acc.patterns.is_empty() {
            return;
        }
        let v = acc.v;
        for i in 0..acc.patterns.len() {
            let (pattern, env) = (acc.patterns[i].pattern, acc.patterns[i].env.clone());
            let matcher = self.eval(pattern, &env);
            acc.patterns[i].matcher = Some(matcher);
        }
        let arcs: Vec<(Feature, VId)> = self.vertex(v).arcs.iter().collect();
        for (f, arc) in arcs {
            if !matches!(f.kind(), LabelKind::Regular) {
                continue;
            }
            let name = self.label_str(f);
            for i in 0..acc.patterns.len() {
                let matcher = acc.patterns[i].matcher.clone().expect("evaluated above");
                match self.label_matches(&matcher, &name) {
                    Ok(true) => {
                        let entry = &acc.patterns[i];
                        let env = if entry.alias {
                            let mut slots = SmallVec::new();
                            slots.push(Binding::Scalar(Scalar::Str(name.clone())));
                            slots.push(Binding::Vertex(arc));
                            Some(Rc::new(Frame {
                                parent: entry.env.clone(),
                                kind: FrameKind::Locals(slots),
                            }))
                        } else {
                            entry.env.clone()
                        };
                        let (value, group, span) = (entry.value, entry.group, entry.span.clone());
                        let child_group = group.and_then(|g| self.child_group(g, f));
                        let vertex = self.vertex_mut(arc);
                        vertex.conjuncts.push(Conjunct {
                            kind: ConjunctKind::Expr(value, env),
                            group: child_group,
                            span: Some(span),
                        });
                        if vertex.state != State::New {
                            vertex.state = State::New;
                            vertex.arcs = Arcs::default();
                            vertex.forward = None;
                            vertex.list = None;
                            vertex.expansions.clear();
                        }
                    }
                    Ok(false) => {}
                    Err(e) => {
                        acc.fail(e);
                        return;
                    }
                }
            }
        }
    }

    /// Whether a label matches a pattern constraint's matcher.
    pub(crate) fn label_matches(
        &mut self,
        matcher: &Val,
        name: &Rc<str>,
    ) -> Result<bool, Rc<EvalError>> {
        let label = Atom::concrete(Scalar::Str(name.clone()));
        match matcher {
            Val::Atom(a) => {
                let mut test = label;
                Ok(test.unify(a).is_ok())
            }
            Val::Vertex(m) => {
                let m = *m;
                self.finalize(m);
                let m = self.deref(m);
                match self.vertex(m).value.clone() {
                    Value::Top => Ok(true),
                    Value::Atom(a) => {
                        let mut test = label;
                        Ok(test.unify(&a).is_ok())
                    }
                    Value::Disjunction(d) => {
                        for (alt, _) in &d.alternatives {
                            if let Alternative::Atom(a) = alt {
                                let mut test = label.clone();
                                if test.unify(a).is_ok() {
                                    return Ok(true);
                                }
                            }
                        }
                        Ok(false)
                    }
                    Value::Bottom(e) => Err(e),
                    _ => Ok(false),
                }
            }
            Val::Bottom(e) => Err(e.clone()),
        }
    }

    /// The groups that also receive the labels of `group` (see `group_also`), including
    /// through its ancestors: the child at `l` of a group that feeds `B` feeds `B`'s child
    /// at `l`.
    fn also_groups(&self, group: GroupId, depth: u32) -> SmallVec<[GroupId; 2]> {
        let mut out: SmallVec<[GroupId; 2]> =
            self.group_also.get(&group).cloned().unwrap_or_default();
        if depth < 64 {
            if let Some(&(parent, label)) = self.group_parents.get(&group) {
                for target in self.also_groups(parent, depth + 1) {
                    if let Some(&child) = self.child_groups.get(&(target, label)) {
                        if !out.contains(&child) {
                            out.push(child);
                        }
                    }
                }
            }
        }
        out
    }

    /// Applies `group_also` at this vertex: labels, patterns and openness of a group are
    /// added to the groups it feeds.
    fn merge_also_groups(&self, acc: &mut Acc) {
        if self.group_also.is_empty() || acc.groups.len() < 2 {
            return;
        }
        let ids: Vec<GroupId> = acc.groups.keys().copied().collect();
        for _round in 0..3 {
            let mut changed = false;
            for &from in &ids {
                for to in self.also_groups(from, 0) {
                    if to == from || !acc.groups.contains_key(&to) {
                        continue;
                    }
                    let (labels, patterns, open) = {
                        let info = &acc.groups[&from];
                        (info.labels.clone(), info.patterns.clone(), info.open)
                    };
                    let target = acc.groups.get_mut(&to).expect("checked");
                    for l in labels {
                        changed |= target.labels.insert(l);
                    }
                    for p in patterns {
                        if !target.patterns.contains(&p) {
                            target.patterns.push(p);
                            changed = true;
                        }
                    }
                    if open && !target.open {
                        target.open = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn check_closedness(&mut self, acc: &mut Acc) {
        let v = acc.v;
        self.merge_also_groups(acc);
        let active: Vec<GroupId> = acc
            .groups
            .iter()
            .filter(|(_, g)| g.active && !g.open)
            .map(|(id, _)| *id)
            .collect();
        if active.is_empty() {
            return;
        }
        if !acc.is_struct {
            return;
        }
        self.vertex_mut(v).closed = true;
        let arcs: Vec<(Feature, VId)> = self.vertex(v).arcs.iter().collect();
        for (f, arc) in arcs {
            if f.kind() != LabelKind::Regular {
                continue;
            }
            for g in &active {
                let info = &acc.groups[g];
                if info.labels.contains(&f) {
                    continue;
                }
                let mut allowed = false;
                let pattern_indices: SmallVec<[usize; 1]> = info.patterns.clone();
                for i in pattern_indices {
                    let matcher = match &acc.patterns[i].matcher {
                        Some(m) => m.clone(),
                        None => {
                            let (p, env) = (acc.patterns[i].pattern, acc.patterns[i].env.clone());
                            self.eval(p, &env)
                        }
                    };
                    let name = self.label_str(f);
                    if self.label_matches(&matcher, &name).unwrap_or(false) {
                        allowed = true;
                        break;
                    }
                }
                if !allowed {
                    let spans: Vec<Span> = self
                        .vertex(arc)
                        .origins
                        .iter()
                        .map(|o| o.span.clone())
                        .collect();
                    let err = Rc::new(EvalError {
                        kind: ErrorKind::Eval,
                        message: "field not allowed".to_owned(),
                        spans,
                        vertex: Some(arc),
                    });
                    let vertex = self.vertex_mut(arc);
                    vertex.conjuncts.clear();
                    vertex.value = Value::Bottom(err);
                    vertex.state = State::Done;
                    vertex.arcs = Arcs::default();
                    break;
                }
            }
        }
    }

    /// Evaluates a vertex and all its regular, hidden and let arcs, recursively.
    pub fn finalize_deep(&mut self, v: VId) {
        let mut stack = vec![v];
        let mut seen = FxHashSet::default();
        while let Some(v) = stack.pop() {
            let v = self.deref(v);
            if !seen.insert(v) {
                continue;
            }
            self.finalize(v);
            if self.exhausted {
                return;
            }
            let v = self.deref(v);
            if let Value::Disjunction(d) = &self.vertex(v).value {
                for (alt, _) in d.alternatives.clone() {
                    if let Alternative::Vertex(a) = alt {
                        stack.push(a);
                    }
                }
            }
            for (f, arc) in self.vertex(v).arcs.iter().collect::<Vec<_>>() {
                if f.is_definition() {
                    continue;
                }
                if self.vertex(arc).field_kind == FieldKind::Optional {
                    continue;
                }
                stack.push(arc);
            }
        }
    }
}

impl Evaluator {
    /// A label created at run time (dynamic fields, data).
    pub(crate) fn runtime_label(&mut self, name: &str) -> Feature {
        if let Some(f) = self.program.interner.lookup(name, LabelKind::Regular) {
            return f;
        }
        if let Some(f) = self.runtime_labels.get(name) {
            return *f;
        }
        let f = Feature::runtime(self.runtime_names.len() as u32);
        self.runtime_names.push(Rc::from(name));
        self.runtime_labels.insert(Rc::from(name), f);
        f
    }

    /// The string of a label (program or run-time).
    pub fn label_str(&self, f: Feature) -> Rc<str> {
        match f.runtime_index() {
            Some(i) => self.runtime_names[i as usize].clone(),
            None => self.program.interner.str(f),
        }
    }

    /// A label as a path selector.
    pub fn label_selector(&self, f: Feature) -> String {
        match f.runtime_index() {
            Some(i) => {
                let name = &self.runtime_names[i as usize];
                if crate::label::is_identifier(name) {
                    name.to_string()
                } else {
                    format!("{name:?}")
                }
            }
            None => self.program.interner.selector(f),
        }
    }
}
