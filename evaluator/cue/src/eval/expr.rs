//! Evaluating expressions to values: references and selectors, operators, calls,
//! interpolation, existence tests (`x != _|_`). Struct-valued results are vertices;
//! scalars are atoms.

use std::rc::Rc;

use super::*;
use crate::builtins::{self, Arg, Func, Universe};
use crate::ir::{BinOp, ExprKind, InterpolationPart, Ref, UnaryOp};
use crate::label::LabelKind;
use crate::number::{IntOp, Num};
use crate::value::{BoundOp, Validator};

/// The result of evaluating an expression.
#[derive(Clone, Debug)]
pub enum Val {
    Atom(Atom),
    Vertex(VId),
    Bottom(Rc<EvalError>),
}

pub(crate) enum RefError {
    /// The reference is into a struct still being evaluated and the field is not there yet.
    NotYet,
    Failed(Rc<EvalError>),
}

fn err(kind: ErrorKind, message: impl Into<String>, span: &Span) -> Val {
    Val::Bottom(EvalError::at(kind, message, Some(span)))
}

impl Evaluator {
    /// The binding a resolved reference denotes in `env`.
    pub(crate) fn resolve_ref(&mut self, r: Ref, env: &Env) -> Result<Binding, RefError> {
        let up = match r {
            Ref::Field { up, .. } | Ref::Local { up, .. } | Ref::Frame { up } => up,
        };
        let mut frame = env.as_ref();
        for _ in 0..up {
            frame = frame.and_then(|f| f.parent.as_ref());
        }
        let Some(frame) = frame else {
            return Err(RefError::Failed(EvalError::new(
                ErrorKind::Eval,
                "internal error: reference outside its scope",
            )));
        };
        match (&frame.kind, r) {
            (FrameKind::Struct(owner), Ref::Field { label, .. }) => {
                let owner = self.redirect(*owner);
                if self.vertex(owner).state == State::New {
                    self.finalize(owner);
                }
                let owner_d = self.deref(owner);
                if let Some(arc) = self
                    .vertex(owner_d)
                    .arcs
                    .get(label)
                    .or_else(|| self.vertex(owner).arcs.get(label))
                {
                    return Ok(Binding::Vertex(self.redirect(arc)));
                }
                if self.vertex(owner).state == State::Evaluating {
                    return Err(RefError::NotYet);
                }
                let name = self.label_str(label);
                Err(RefError::Failed(EvalError::new(
                    ErrorKind::Incomplete,
                    format!("reference \"{name}\" not found"),
                )))
            }
            (FrameKind::Struct(owner), Ref::Frame { .. }) => {
                Ok(Binding::Vertex(self.redirect(*owner)))
            }
            (FrameKind::Locals(slots), Ref::Local { slot, .. }) => match slots.get(slot as usize) {
                Some(b) => Ok(b.clone()),
                None => Err(RefError::Failed(EvalError::new(
                    ErrorKind::Eval,
                    "internal error: missing local",
                ))),
            },
            _ => Err(RefError::Failed(EvalError::new(
                ErrorKind::Eval,
                "internal error: reference to the wrong kind of scope",
            ))),
        }
    }

    /// While a disjunct is evaluated, references to the vertex it stands for go to it.
    fn redirect(&self, v: VId) -> VId {
        for (from, to) in self.redirects.iter().rev() {
            if *from == v {
                return *to;
            }
        }
        v
    }

    /// Evaluates an expression to a value.
    pub fn eval(&mut self, e: ExprId, env: &Env) -> Val {
        if !self.step() {
            return Val::Bottom(self.budget_error());
        }
        self.recursion += 1;
        let result = if self.recursion > self.budget.max_depth * 4 {
            Val::Bottom(EvalError::new(
                ErrorKind::Budget,
                format!(
                    "evaluation budget exceeded: expressions nested deeper than {} levels",
                    self.budget.max_depth * 4
                ),
            ))
        } else {
            stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || self.eval_inner(e, env))
        };
        self.recursion -= 1;
        result
    }

    fn eval_inner(&mut self, e: ExprId, env: &Env) -> Val {
        let program = self.program.clone();
        let expr = program.expr(e);
        let span = &expr.span;
        match &expr.kind {
            ExprKind::Top => Val::Atom(Atom::top()),
            ExprKind::Bottom => err(
                ErrorKind::Eval,
                "explicit error (_|_ literal) in source",
                span,
            ),
            ExprKind::Null => Val::Atom(Atom::concrete(Scalar::Null)),
            ExprKind::Bool(b) => Val::Atom(Atom::concrete(Scalar::Bool(*b))),
            ExprKind::Num(n) => Val::Atom(Atom::concrete(Scalar::Num(n.clone()))),
            ExprKind::Str(s) => Val::Atom(Atom::concrete(Scalar::Str(s.clone()))),
            ExprKind::Bytes(b) => Val::Atom(Atom::concrete(Scalar::Bytes(b.clone()))),
            ExprKind::Type(kinds, bounds) => {
                let mut atom = Atom::kind(*kinds);
                for (op, n) in bounds {
                    let b = Atom::bound(*op, Scalar::Num(n.clone()));
                    if atom.unify(&b).is_err() {
                        return err(ErrorKind::Eval, "invalid predeclared type", span);
                    }
                }
                atom.kinds = atom.kinds.and(*kinds);
                Val::Atom(atom)
            }
            ExprKind::Bound(op, x) => {
                let value = match self.eval_concrete(*x, env) {
                    Ok(v) => v,
                    Err(e) => return Val::Bottom(e),
                };
                if matches!(op, BoundOp::Match | BoundOp::NotMatch) {
                    let Scalar::Str(pattern) = &value else {
                        return err(
                            ErrorKind::Eval,
                            format!("invalid regular expression {value}: must be a string"),
                            span,
                        );
                    };
                    if let Err(message) = crate::regex_cache::compile(pattern) {
                        return err(ErrorKind::Eval, message, span);
                    }
                } else if matches!(
                    op,
                    BoundOp::Less | BoundOp::LessEqual | BoundOp::Greater | BoundOp::GreaterEqual
                ) && !matches!(value, Scalar::Num(_) | Scalar::Str(_) | Scalar::Bytes(_))
                {
                    return err(
                        ErrorKind::Eval,
                        format!(
                            "invalid bound {}{value}: bounds apply to numbers, strings and bytes",
                            op.token()
                        ),
                        span,
                    );
                }
                Val::Atom(Atom::bound(*op, value))
            }
            ExprKind::Interpolation { parts, bytes } => self.interpolate(parts, *bytes, env, span),
            ExprKind::Struct(_)
            | ExprKind::List(_)
            | ExprKind::Conjunction(_)
            | ExprKind::Disjunction { .. }
            | ExprKind::Open(_) => {
                let d = self.detached(vec![Conjunct {
                    kind: ConjunctKind::Expr(e, env.clone()),
                    group: None,
                    span: Some(span.clone()),
                }]);
                Val::Vertex(d)
            }
            ExprKind::Ref(r) => match self.resolve_ref(*r, env) {
                Ok(Binding::Vertex(v)) => Val::Vertex(v),
                Ok(Binding::Scalar(s)) => Val::Atom(Atom::concrete(s)),
                Err(RefError::NotYet) => err(
                    ErrorKind::Incomplete,
                    "reference to a field that is not yet available (cycle)",
                    span,
                ),
                Err(RefError::Failed(e)) => Val::Bottom(with_span(e, span)),
            },
            ExprKind::Selector(x, f) => {
                let base = self.eval(*x, env);
                self.select(base, *f, span)
            }
            ExprKind::Index(x, i) => {
                let base = self.eval(*x, env);
                let index = match self.eval_concrete(*i, env) {
                    Ok(s) => s,
                    Err(e) => return Val::Bottom(e),
                };
                self.index(base, index, span)
            }
            ExprKind::Slice(x, lo, hi) => self.slice(*x, *lo, *hi, env, span),
            ExprKind::Call(f, args) => self.call(*f, args, env, span, e),
            ExprKind::Unary(op, x) => self.unary(*op, *x, env, span),
            ExprKind::Binary(op, l, r) => self.binary(*op, *l, *r, env, span),
            ExprKind::Builtin(id) => match builtins::get(*id).func {
                Func::Const(value) => self.data_val(value(), Some(span)),
                // A validator whose only parameter is the value (`net.IPv4`,
                // `list.UniqueItems`) is the validator itself when not called.
                Func::Data(_) if builtins::get(*id).validator && builtins::get(*id).params == 1 => {
                    let b = builtins::get(*id);
                    let mut atom = Atom::top();
                    atom.validators.push(Validator {
                        builtin: *id,
                        args: Rc::from(Vec::new()),
                        text: Rc::from(qualified(b.pkg, b.name)),
                    });
                    Val::Atom(atom)
                }
                _ => {
                    let b = builtins::get(*id);
                    err(
                        ErrorKind::Eval,
                        format!(
                            "cannot use builtin {} as a value (call it)",
                            qualified(b.pkg, b.name)
                        ),
                        span,
                    )
                }
            },
            ExprKind::Package(pkg) => Val::Vertex(self.package_root(*pkg)),
            ExprKind::Error(message) => err(ErrorKind::Eval, message.to_string(), span),
        }
    }

    /// Turns data into a value: scalars become atoms, structs and lists vertices.
    pub fn data_val(&mut self, data: Data, span: Option<&Span>) -> Val {
        match data {
            Data::Null => Val::Atom(Atom::concrete(Scalar::Null)),
            Data::Bool(b) => Val::Atom(Atom::concrete(Scalar::Bool(b))),
            Data::Num(n) => Val::Atom(Atom::concrete(Scalar::Num(n))),
            Data::Str(s) => Val::Atom(Atom::concrete(Scalar::Str(s))),
            Data::Bytes(b) => Val::Atom(Atom::concrete(Scalar::Bytes(b))),
            other => {
                let d = self.detached(vec![Conjunct {
                    kind: ConjunctKind::Data(Rc::new(other)),
                    group: None,
                    span: span.cloned(),
                }]);
                Val::Vertex(d)
            }
        }
    }

    /// Resolves a vertex that is a disjunction to its default, if it has exactly one.
    pub(crate) fn resolve_default(&mut self, v: VId) -> Result<VId, Rc<EvalError>> {
        self.finalize(v);
        let v = self.deref(v);
        let Value::Disjunction(d) = &self.vertex(v).value else {
            return Ok(v);
        };
        let d = d.clone();
        let defaults: Vec<&Alternative> = d.defaults().collect();
        let pick = if defaults.len() == 1 {
            Some(defaults[0].clone())
        } else if d.alternatives.len() == 1 {
            Some(d.alternatives[0].0.clone())
        } else {
            None
        };
        match pick {
            Some(Alternative::Vertex(a)) => Ok(self.deref(a)),
            Some(Alternative::Atom(a)) => {
                let d = self.detached(vec![Conjunct {
                    kind: ConjunctKind::Atom(a),
                    group: None,
                    span: None,
                }]);
                self.finalize(d);
                Ok(d)
            }
            None => Err(EvalError::new(
                ErrorKind::Incomplete,
                format!("unresolved disjunction {}", self.describe_disjunction(&d)),
            )),
        }
    }

    /// A description of a disjunction's alternatives: `1 | 2`.
    pub(crate) fn describe_disjunction(&self, d: &Disjunction) -> String {
        let parts: Vec<String> = d
            .alternatives
            .iter()
            .map(|(alt, default)| {
                let s = match alt {
                    Alternative::Atom(a) => a.describe(),
                    Alternative::Vertex(v) => self.describe_vertex(*v),
                };
                if *default && d.alternatives.iter().any(|(_, x)| !x) {
                    format!("*{s}")
                } else {
                    s
                }
            })
            .collect();
        parts.join(" | ")
    }

    /// A short description of a vertex's value for messages.
    pub(crate) fn describe_vertex(&self, v: VId) -> String {
        let v = self.deref(v);
        match &self.vertex(v).value {
            Value::Top => "_".to_owned(),
            Value::Atom(a) => a.describe(),
            Value::Struct => "{...}".to_owned(),
            Value::List => "[...]".to_owned(),
            Value::Disjunction(d) => self.describe_disjunction(d),
            Value::Bottom(_) => "_|_".to_owned(),
        }
    }

    /// The concrete scalar a vertex holds (defaults applied).
    pub fn concrete_scalar(&mut self, v: VId) -> Result<Scalar, Rc<EvalError>> {
        let state = self.vertex(self.deref(v)).state;
        if state == State::Evaluating {
            // A cycle: use what is known so far if it is already concrete.
            if let Value::Atom(a) = &self.vertex(self.deref(v)).value {
                if let Some(s) = &a.value {
                    return Ok(s.clone());
                }
            }
            return Err(EvalError::new(
                ErrorKind::Cycle,
                format!("cycle: {} refers to itself", self.path_or_value(v)),
            ));
        }
        self.finalize(v);
        let v = self.deref(v);
        match self.vertex(v).value.clone() {
            Value::Atom(a) => a
                .value
                .clone()
                .ok_or_else(|| incomplete_value(&a.describe(), v)),
            Value::Disjunction(d) => {
                let defaults: Vec<&Alternative> = d.defaults().collect();
                let pick = if defaults.len() == 1 {
                    Some(defaults[0])
                } else if d.alternatives.len() == 1 {
                    Some(&d.alternatives[0].0)
                } else {
                    None
                };
                match pick {
                    Some(Alternative::Atom(a)) => a
                        .value
                        .clone()
                        .ok_or_else(|| incomplete_value(&a.describe(), v)),
                    Some(Alternative::Vertex(a)) => {
                        let a = *a;
                        self.concrete_scalar(a)
                    }
                    None => {
                        // All alternatives might be the same value.
                        let mut values = Vec::new();
                        for (alt, is_default) in &d.alternatives {
                            if !defaults.is_empty() && !is_default {
                                continue;
                            }
                            match alt {
                                Alternative::Atom(a) => values.push(a.value.clone()),
                                Alternative::Vertex(_) => values.push(None),
                            }
                        }
                        if let Some(Some(first)) = values.first() {
                            if values
                                .iter()
                                .all(|x| x.as_ref().is_some_and(|y| y.same(first)))
                            {
                                return Ok(first.clone());
                            }
                        }
                        Err(incomplete_value(&self.describe_disjunction(&d), v))
                    }
                }
            }
            Value::Bottom(e) => Err(e),
            Value::Top => Err(incomplete_value("_", v)),
            Value::Struct => Err(EvalError::new(
                ErrorKind::Eval,
                "invalid operand: struct where a scalar is needed",
            )),
            Value::List => Err(EvalError::new(
                ErrorKind::Eval,
                "invalid operand: list where a scalar is needed",
            )),
        }
    }

    fn path_or_value(&self, v: VId) -> String {
        let p = self.path(v);
        if p.is_empty() { "value".to_owned() } else { p }
    }

    /// Evaluates an expression to a concrete scalar.
    pub fn eval_concrete(&mut self, e: ExprId, env: &Env) -> Result<Scalar, Rc<EvalError>> {
        let span = self.program.expr(e).span.clone();
        match self.eval(e, env) {
            Val::Atom(a) => a.value.clone().ok_or_else(|| {
                EvalError::at(
                    ErrorKind::Incomplete,
                    format!("incomplete value {}", a.describe()),
                    Some(&span),
                )
            }),
            Val::Vertex(v) => self.concrete_scalar(v).map_err(|e| with_span(e, &span)),
            Val::Bottom(e) => Err(e),
        }
    }

    fn select(&mut self, base: Val, f: Feature, span: &Span) -> Val {
        let name = self.label_selector(f);
        match base {
            Val::Bottom(e) => Val::Bottom(e),
            Val::Atom(a) => selector_on_scalar(&name, &a, span),
            Val::Vertex(v) => {
                let v = match self.resolve_default(v) {
                    Ok(v) => v,
                    Err(e) => return Val::Bottom(with_span(e, span)),
                };
                self.field(v, f, span)
            }
        }
    }

    /// The field `f` of a finalized struct vertex.
    pub(crate) fn field(&mut self, v: VId, f: Feature, span: &Span) -> Val {
        let name = self.label_selector(f);
        let vertex = self.vertex(v);
        if let Some(arc) = vertex.arcs.get(f) {
            let arc_vertex = self.vertex(arc);
            if arc_vertex.field_kind != FieldKind::Regular
                && f.kind() != LabelKind::Let
                && !f.is_definition()
            {
                let what = if arc_vertex.required {
                    "required"
                } else {
                    "optional"
                };
                return err(
                    ErrorKind::Incomplete,
                    format!("cannot reference {what} field: {name}"),
                    span,
                );
            }
            return Val::Vertex(arc);
        }
        match &vertex.value {
            Value::Bottom(e) => Val::Bottom(e.clone()),
            Value::Struct => {
                // A closed struct or an imported package cannot gain the field later.
                let kind = if vertex.closed || self.package_roots.values().any(|r| *r == v) {
                    ErrorKind::Eval
                } else {
                    ErrorKind::Incomplete
                };
                err(kind, format!("undefined field: {name}"), span)
            }
            Value::Top => err(
                ErrorKind::Incomplete,
                format!("undefined field: {name}"),
                span,
            ),
            Value::List => err(
                ErrorKind::Eval,
                format!("invalid selector {name} for value of type list"),
                span,
            ),
            Value::Atom(a) => selector_on_scalar(&name, a, span),
            Value::Disjunction(_) => err(
                ErrorKind::Incomplete,
                format!("undefined field: {name} (unresolved disjunction)"),
                span,
            ),
        }
    }

    fn index(&mut self, base: Val, index: Scalar, span: &Span) -> Val {
        let v = match base {
            Val::Bottom(e) => return Val::Bottom(e),
            Val::Atom(a) => {
                if let (Some(Scalar::Str(_)) | Some(Scalar::Bytes(_)), Scalar::Num(_)) =
                    (&a.value, &index)
                {
                    return err(
                        ErrorKind::Eval,
                        "cannot index a string (use strings.SliceRunes or bytes)",
                        span,
                    );
                }
                let kind = if a.is_concrete() {
                    ErrorKind::Eval
                } else {
                    ErrorKind::Incomplete
                };
                return err(
                    kind,
                    format!("invalid operation: index of value of type {}", a.kinds),
                    span,
                );
            }
            Val::Vertex(v) => match self.resolve_default(v) {
                Ok(v) => v,
                Err(e) => return Val::Bottom(with_span(e, span)),
            },
        };
        let is_list = self.vertex(v).list.is_some();
        match index {
            Scalar::Num(n) if is_list => {
                let Some(i) = n.to_i64().filter(|_| n.is_int()) else {
                    return err(
                        ErrorKind::Eval,
                        format!("invalid list index {n} (must be an integer)"),
                        span,
                    );
                };
                let len = self.vertex(v).list.as_ref().map_or(0, |l| l.len);
                if i < 0 || i >= len as i64 {
                    // A list whose comprehension could not run yet may still get the
                    // element: that is the error to report.
                    if let Some(incomplete) = self.vertex(v).incomplete.clone() {
                        return Val::Bottom(with_span(incomplete, span));
                    }
                    let open = self.vertex(v).list.as_ref().is_some_and(|l| l.open);
                    let kind = if open && i >= 0 {
                        ErrorKind::Incomplete
                    } else {
                        ErrorKind::Eval
                    };
                    return err(
                        kind,
                        format!("index out of range [{i}] with length {len}"),
                        span,
                    );
                }
                match self.vertex(v).arcs.get(Feature::index(i as u32)) {
                    Some(arc) => Val::Vertex(arc),
                    None => err(
                        ErrorKind::Eval,
                        format!("index out of range [{i}] with length {len}"),
                        span,
                    ),
                }
            }
            Scalar::Str(s) if !is_list => {
                let f = match self.program.interner.lookup(&s, LabelKind::Regular) {
                    Some(f) => f,
                    None => self.runtime_label(&s),
                };
                self.field(v, f, span)
            }
            other => {
                let what = if is_list { "list" } else { "struct" };
                err(
                    ErrorKind::Eval,
                    format!(
                        "invalid index {other} (type {}) for {what}",
                        other.kind_name()
                    ),
                    span,
                )
            }
        }
    }

    fn slice(
        &mut self,
        x: ExprId,
        lo: Option<ExprId>,
        hi: Option<ExprId>,
        env: &Env,
        span: &Span,
    ) -> Val {
        let base = self.eval(x, env);
        let bound = |this: &mut Self, e: Option<ExprId>| -> Result<Option<i64>, Rc<EvalError>> {
            match e {
                None => Ok(None),
                Some(e) => match this.eval_concrete(e, env)? {
                    Scalar::Num(n) if n.is_int() => Ok(n.to_i64()),
                    other => Err(EvalError::at(
                        ErrorKind::Eval,
                        format!("invalid slice index {other}"),
                        Some(span),
                    )),
                },
            }
        };
        let (lo, hi) = match (bound(self, lo), bound(self, hi)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return Val::Bottom(e),
        };
        match base {
            Val::Vertex(v) => {
                let v = match self.resolve_default(v) {
                    Ok(v) => v,
                    Err(e) => return Val::Bottom(e),
                };
                let Some(len) = self.vertex(v).list.as_ref().map(|l| l.len as i64) else {
                    return err(ErrorKind::Eval, "cannot slice a struct", span);
                };
                let (a, b) = (lo.unwrap_or(0), hi.unwrap_or(len));
                if a < 0 || b > len || a > b {
                    return err(
                        ErrorKind::Eval,
                        format!("invalid slice index [{a}:{b}] for list of length {len}"),
                        span,
                    );
                }
                let elems: Vec<VId> = (a..b)
                    .filter_map(|i| self.vertex(v).arcs.get(Feature::index(i as u32)))
                    .collect();
                Val::Vertex(self.make_list(elems))
            }
            Val::Atom(a) => match &a.value {
                Some(Scalar::Str(s)) => {
                    let chars: Vec<char> = s.chars().collect();
                    let len = chars.len() as i64;
                    let (x, y) = (lo.unwrap_or(0), hi.unwrap_or(len));
                    if x < 0 || y > len || x > y {
                        return err(
                            ErrorKind::Eval,
                            format!("invalid slice index [{x}:{y}] for string of length {len}"),
                            span,
                        );
                    }
                    Val::Atom(Atom::concrete(Scalar::Str(Rc::from(
                        chars[x as usize..y as usize].iter().collect::<String>(),
                    ))))
                }
                Some(Scalar::Bytes(b)) => {
                    let len = b.len() as i64;
                    let (x, y) = (lo.unwrap_or(0), hi.unwrap_or(len));
                    if x < 0 || y > len || x > y {
                        return err(
                            ErrorKind::Eval,
                            format!("invalid slice index [{x}:{y}] for bytes of length {len}"),
                            span,
                        );
                    }
                    Val::Atom(Atom::concrete(Scalar::Bytes(Rc::from(
                        &b[x as usize..y as usize],
                    ))))
                }
                _ => err(
                    ErrorKind::Incomplete,
                    format!("cannot slice {}", a.describe()),
                    span,
                ),
            },
            Val::Bottom(e) => Val::Bottom(e),
        }
    }

    /// A new list whose elements are the given vertices.
    pub(crate) fn make_list(&mut self, elems: Vec<VId>) -> VId {
        self.detached(vec![Conjunct {
            kind: ConjunctKind::List(Rc::from(elems)),
            group: None,
            span: None,
        }])
    }

    fn interpolate(
        &mut self,
        parts: &[InterpolationPart],
        bytes: bool,
        env: &Env,
        span: &Span,
    ) -> Val {
        let mut out: Vec<u8> = Vec::new();
        for part in parts {
            match part {
                InterpolationPart::Lit(b) => out.extend_from_slice(b),
                InterpolationPart::Expr(e) => {
                    let value = match self.eval_concrete(*e, env) {
                        Ok(v) => v,
                        Err(e) => {
                            // A struct or list in an interpolation is an error, not incomplete.
                            return Val::Bottom(e);
                        }
                    };
                    match value {
                        Scalar::Str(s) => out.extend_from_slice(s.as_bytes()),
                        Scalar::Bytes(b) => out.extend_from_slice(&b),
                        Scalar::Num(n) => out.extend_from_slice(n.to_string().as_bytes()),
                        Scalar::Bool(b) => {
                            out.extend_from_slice(if b { b"true" } else { b"false" })
                        }
                        Scalar::Null => {
                            return err(
                                ErrorKind::Eval,
                                "cannot interpolate null (use a string, number or bool)",
                                span,
                            );
                        }
                    }
                    if out.len() > MAX_TEXT_BYTES {
                        return err(
                            ErrorKind::Budget,
                            format!(
                                "evaluation budget exceeded: an interpolation of more than {} MiB",
                                MAX_TEXT_BYTES >> 20
                            ),
                            span,
                        );
                    }
                }
            }
        }
        if bytes {
            Val::Atom(Atom::concrete(Scalar::Bytes(Rc::from(out))))
        } else {
            let s = match String::from_utf8(out) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            Val::Atom(Atom::concrete(Scalar::Str(Rc::from(s))))
        }
    }

    fn unary(&mut self, op: UnaryOp, x: ExprId, env: &Env, span: &Span) -> Val {
        let value = match self.eval_concrete(x, env) {
            Ok(v) => v,
            Err(e) => return Val::Bottom(e),
        };
        match (op, value) {
            (UnaryOp::Minus, Scalar::Num(n)) => Val::Atom(Atom::concrete(Scalar::Num(n.neg()))),
            (UnaryOp::Plus, Scalar::Num(n)) => Val::Atom(Atom::concrete(Scalar::Num(n))),
            (UnaryOp::Not, Scalar::Bool(b)) => Val::Atom(Atom::concrete(Scalar::Bool(!b))),
            (op, v) => {
                let token = match op {
                    UnaryOp::Minus => "-",
                    UnaryOp::Plus => "+",
                    UnaryOp::Not => "!",
                };
                err(
                    ErrorKind::Eval,
                    format!(
                        "invalid operation {token}{v} (operator '{token}' not defined on {})",
                        v.kind_name()
                    ),
                    span,
                )
            }
        }
    }

    /// Whether an expression denotes an existing, non-error value (for `x != _|_`).
    pub(crate) fn exists(&mut self, e: ExprId, env: &Env) -> bool {
        match self.eval(e, env) {
            Val::Bottom(_) => false,
            Val::Atom(a) => a.is_concrete(),
            Val::Vertex(v) => {
                if self.vertex(self.deref(v)).state == State::Evaluating {
                    return true;
                }
                self.finalize(v);
                let v = self.deref(v);
                match self.vertex(v).value.clone() {
                    Value::Bottom(_) | Value::Top => false,
                    Value::Atom(a) => a.is_concrete(),
                    Value::Struct | Value::List => true,
                    Value::Disjunction(_) => {
                        self.concrete_scalar(v).is_ok() || self.resolve_default(v).is_ok()
                    }
                }
            }
        }
    }

    fn binary(&mut self, op: BinOp, l: ExprId, r: ExprId, env: &Env, span: &Span) -> Val {
        let program = self.program.clone();
        // Comparison with `_|_` is an existence test.
        if matches!(op, BinOp::Equal | BinOp::NotEqual) {
            let is_bottom = |e: ExprId| matches!(program.expr(e).kind, ExprKind::Bottom);
            let tested = if is_bottom(r) {
                Some(l)
            } else if is_bottom(l) {
                Some(r)
            } else {
                None
            };
            if let Some(t) = tested {
                let exists = self.exists(t, env);
                return Val::Atom(Atom::concrete(Scalar::Bool(if op == BinOp::NotEqual {
                    exists
                } else {
                    !exists
                })));
            }
        }
        if matches!(op, BinOp::And | BinOp::Or) {
            let left = match self.eval_concrete(l, env) {
                Ok(Scalar::Bool(b)) => b,
                Ok(other) => {
                    return err(
                        ErrorKind::Eval,
                        format!("invalid operand {other} ('{}' requires bool)", op.token()),
                        span,
                    );
                }
                Err(e) => return Val::Bottom(e),
            };
            // The right operand is only evaluated when it can change the result (spec:
            // `p && q` is "if p then q else false").
            if (op == BinOp::And && !left) || (op == BinOp::Or && left) {
                return Val::Atom(Atom::concrete(Scalar::Bool(left)));
            }
            return match self.eval_concrete(r, env) {
                Ok(Scalar::Bool(b)) => Val::Atom(Atom::concrete(Scalar::Bool(b))),
                Ok(other) => err(
                    ErrorKind::Eval,
                    format!("invalid operand {other} ('{}' requires bool)", op.token()),
                    span,
                ),
                Err(e) => Val::Bottom(e),
            };
        }
        // Equality of structs and lists compares their data.
        if matches!(op, BinOp::Equal | BinOp::NotEqual) {
            let lv = self.eval(l, env);
            let rv = self.eval(r, env);
            let composite = |this: &mut Self, v: &Val| -> bool {
                if let Val::Vertex(x) = v {
                    this.finalize(*x);
                    let x = this.deref(*x);
                    matches!(this.vertex(x).value, Value::Struct | Value::List)
                } else {
                    false
                }
            };
            if composite(self, &lv) || composite(self, &rv) {
                let a = self.to_data(&lv);
                let b = self.to_data(&rv);
                return match (a, b) {
                    (Ok(a), Ok(b)) => {
                        let eq = a.equals(&b);
                        Val::Atom(Atom::concrete(Scalar::Bool(if op == BinOp::Equal {
                            eq
                        } else {
                            !eq
                        })))
                    }
                    (Err(e), _) | (_, Err(e)) => Val::Bottom(e),
                };
            }
            let a = match self.val_concrete(lv, l) {
                Ok(v) => v,
                Err(e) => return Val::Bottom(e),
            };
            let b = match self.val_concrete(rv, r) {
                Ok(v) => v,
                Err(e) => return Val::Bottom(e),
            };
            // Values of different basic types are unequal (int and float compare by value).
            let eq = a.equals(&b);
            return Val::Atom(Atom::concrete(Scalar::Bool(if op == BinOp::Equal {
                eq
            } else {
                !eq
            })));
        }
        if self.legacy_list_arithmetic && matches!(op, BinOp::Add | BinOp::Mul) {
            if let Some(result) = self.legacy_list_operation(op, l, r, env, span) {
                return result;
            }
        }
        let a = match self.eval_concrete(l, env) {
            Ok(v) => v,
            Err(e) => return Val::Bottom(self.list_arithmetic_hint(e, op, l, env)),
        };
        let b = match self.eval_concrete(r, env) {
            Ok(v) => v,
            Err(e) => return Val::Bottom(self.list_arithmetic_hint(e, op, r, env)),
        };
        let mismatch = |a: &Scalar, b: &Scalar| {
            err(
                ErrorKind::Eval,
                format!(
                    "invalid operation {a} {} {b} (mismatched types {} and {})",
                    op.token(),
                    a.kind_name(),
                    b.kind_name()
                ),
                span,
            )
        };
        let ok = |s: Scalar| Val::Atom(Atom::concrete(s));
        match op {
            BinOp::Add => match (&a, &b) {
                (Scalar::Num(x), Scalar::Num(y)) => ok(Scalar::Num(x.add(y))),
                (Scalar::Str(_), Scalar::Str(_)) | (Scalar::Bytes(_), Scalar::Bytes(_))
                    if text_len(&a) + text_len(&b) > MAX_TEXT_BYTES =>
                {
                    err(
                        ErrorKind::Budget,
                        format!(
                            "evaluation budget exceeded: a {} byte result (the limit is {} MiB)",
                            text_len(&a) + text_len(&b),
                            MAX_TEXT_BYTES >> 20
                        ),
                        span,
                    )
                }
                (Scalar::Str(x), Scalar::Str(y)) => ok(Scalar::Str(Rc::from(format!("{x}{y}")))),
                (Scalar::Bytes(x), Scalar::Bytes(y)) => {
                    ok(Scalar::Bytes(Rc::from([&x[..], &y[..]].concat())))
                }
                _ => mismatch(&a, &b),
            },
            BinOp::Sub => match (&a, &b) {
                (Scalar::Num(x), Scalar::Num(y)) => ok(Scalar::Num(x.sub(y))),
                _ => mismatch(&a, &b),
            },
            BinOp::Mul => match (&a, &b) {
                (Scalar::Num(x), Scalar::Num(y)) => ok(Scalar::Num(x.mul(y))),
                (Scalar::Str(s), Scalar::Num(n)) | (Scalar::Num(n), Scalar::Str(s))
                    if n.is_int() =>
                {
                    match n.to_i64() {
                        Some(k)
                            if (0..=1_000_000).contains(&k)
                                && s.len().saturating_mul(k as usize) < MAX_TEXT_BYTES =>
                        {
                            ok(Scalar::Str(Rc::from(s.repeat(k as usize))))
                        }
                        _ => err(
                            ErrorKind::Eval,
                            format!("invalid string repeat count {n}"),
                            span,
                        ),
                    }
                }
                (Scalar::Bytes(s), Scalar::Num(n)) | (Scalar::Num(n), Scalar::Bytes(s))
                    if n.is_int() =>
                {
                    match n.to_i64() {
                        Some(k)
                            if (0..=1_000_000).contains(&k)
                                && s.len().saturating_mul(k as usize) < MAX_TEXT_BYTES =>
                        {
                            ok(Scalar::Bytes(Rc::from(s.repeat(k as usize))))
                        }
                        _ => err(
                            ErrorKind::Eval,
                            format!("invalid bytes repeat count {n}"),
                            span,
                        ),
                    }
                }
                _ => mismatch(&a, &b),
            },
            BinOp::Div => match (&a, &b) {
                (Scalar::Num(x), Scalar::Num(y)) => match x.quo(y) {
                    Some(q) => ok(Scalar::Num(q)),
                    None => err(ErrorKind::Eval, "division by zero", span),
                },
                _ => mismatch(&a, &b),
            },
            BinOp::Less | BinOp::LessEqual | BinOp::Greater | BinOp::GreaterEqual => {
                match a.compare(&b) {
                    Some(ord) => {
                        use std::cmp::Ordering::*;
                        let result = match op {
                            BinOp::Less => ord == Less,
                            BinOp::LessEqual => ord != Greater,
                            BinOp::Greater => ord == Greater,
                            _ => ord != Less,
                        };
                        ok(Scalar::Bool(result))
                    }
                    None => mismatch(&a, &b),
                }
            }
            BinOp::Match | BinOp::NotMatch => {
                let Scalar::Str(pattern) = &b else {
                    return mismatch(&a, &b);
                };
                let subject: String = match &a {
                    Scalar::Str(s) => s.to_string(),
                    Scalar::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                    _ => return mismatch(&a, &b),
                };
                match crate::regex_cache::is_match(pattern, &subject) {
                    Ok(m) => ok(Scalar::Bool(m == (op == BinOp::Match))),
                    Err(message) => err(ErrorKind::Eval, message, span),
                }
            }
            BinOp::Equal | BinOp::NotEqual | BinOp::And | BinOp::Or => {
                unreachable!("handled above")
            }
        }
    }

    /// `a + b` on two lists and `l * n` / `n * l` in KubeVela's compatibility mode: the
    /// result of `list.Concat([a, b])` / `list.Repeat(l, n)` (concrete operands, like
    /// those builtins). `None` when the operands are not such lists.
    fn legacy_list_operation(
        &mut self,
        op: BinOp,
        l: ExprId,
        r: ExprId,
        env: &Env,
        span: &Span,
    ) -> Option<Val> {
        // Operands with defaults (`*[] | [...string]`) are lists by their default.
        let resolve = |this: &mut Self, v: Val| -> Val {
            match v {
                Val::Vertex(x) => match this.resolve_default(x) {
                    Ok(x) => Val::Vertex(x),
                    Err(e) => Val::Bottom(e),
                },
                other => other,
            }
        };
        let lv = self.eval(l, env);
        let lv = resolve(self, lv);
        let rv = self.eval(r, env);
        let rv = resolve(self, rv);
        let is_list = |this: &mut Self, v: &Val| -> bool {
            if let Val::Vertex(x) = v {
                this.finalize(*x);
                let x = this.deref(*x);
                matches!(this.vertex(x).value, Value::List)
            } else {
                false
            }
        };
        let (left_list, right_list) = (is_list(self, &lv), is_list(self, &rv));
        let result = match op {
            BinOp::Add if left_list && right_list => match (self.to_data(&lv), self.to_data(&rv)) {
                (Ok(Data::List(mut a)), Ok(Data::List(b))) => {
                    a.extend(b);
                    self.data_val(Data::List(a), Some(span))
                }
                (Err(e), _) | (_, Err(e)) => Val::Bottom(with_span(e, span)),
                _ => return None,
            },
            BinOp::Mul if left_list != right_list => {
                let (list, count) = if left_list { (&lv, r) } else { (&rv, l) };
                let n = match self.eval_concrete(count, env) {
                    Ok(Scalar::Num(n)) if n.is_int() => n.to_i64().unwrap_or(-1),
                    Ok(_) => return None,
                    Err(e) => return Some(Val::Bottom(e)),
                };
                if !(0..=1_000_000).contains(&n) {
                    return Some(err(
                        ErrorKind::Eval,
                        format!("invalid list repetition count {n}"),
                        span,
                    ));
                }
                match self.to_data(list) {
                    Ok(Data::List(items)) if items.len().saturating_mul(n as usize) > 4_000_000 => {
                        err(
                            ErrorKind::Budget,
                            "evaluation budget exceeded: list repetition too large",
                            span,
                        )
                    }
                    Ok(Data::List(items)) => {
                        let mut out = Vec::with_capacity(items.len() * n as usize);
                        for _ in 0..n {
                            out.extend(items.iter().cloned());
                        }
                        self.data_val(Data::List(out), Some(span))
                    }
                    Err(e) => Val::Bottom(with_span(e, span)),
                    _ => return None,
                }
            }
            _ => return None,
        };
        let replacement = if op == BinOp::Add {
            "list.Concat"
        } else {
            "list.Repeat"
        };
        if !self.legacy_list_uses.iter().any(|(s, _)| s == span) {
            self.legacy_list_uses.push((span.clone(), replacement));
        }
        Some(result)
    }

    /// List arithmetic was removed from CUE; say so instead of a confusing type error.
    fn list_arithmetic_hint(
        &mut self,
        e: Rc<EvalError>,
        op: BinOp,
        operand: ExprId,
        env: &Env,
    ) -> Rc<EvalError> {
        if !matches!(op, BinOp::Add | BinOp::Mul) || !e.message.contains("list where a scalar") {
            return e;
        }
        let _ = (operand, env);
        let span = e.spans.first().cloned();
        EvalError::at(
            ErrorKind::Eval,
            format!(
                "invalid operation: list {} is not supported in current CUE (use {})",
                if op == BinOp::Add {
                    "concatenation with +"
                } else {
                    "repetition with *"
                },
                if op == BinOp::Add {
                    "list.Concat"
                } else {
                    "list.Repeat"
                }
            ),
            span.as_ref(),
        )
    }

    fn val_concrete(&mut self, v: Val, e: ExprId) -> Result<Scalar, Rc<EvalError>> {
        let span = self.program.expr(e).span.clone();
        match v {
            Val::Atom(a) => a.value.clone().ok_or_else(|| {
                EvalError::at(
                    ErrorKind::Incomplete,
                    format!("incomplete value {}", a.describe()),
                    Some(&span),
                )
            }),
            Val::Vertex(x) => self.concrete_scalar(x).map_err(|e| with_span(e, &span)),
            Val::Bottom(e) => Err(e),
        }
    }

    fn call(
        &mut self,
        f: ExprId,
        args: &[ExprId],
        env: &Env,
        span: &Span,
        call_expr: ExprId,
    ) -> Val {
        let program = self.program.clone();
        let ExprKind::Builtin(id) = program.expr(f).kind else {
            return match self.eval(f, env) {
                Val::Bottom(e) => Val::Bottom(e),
                _ => err(ErrorKind::Eval, "cannot call a non-function value", span),
            };
        };
        let builtin = builtins::get(id);
        let name = qualified(builtin.pkg, builtin.name);
        match builtin.func {
            Func::Universe(u) => self.call_universe(u, args, env, span, call_expr),
            Func::Const(_) => err(
                ErrorKind::Eval,
                format!("cannot call {name} (not a function)"),
                span,
            ),
            Func::Data(_) | Func::Host(_) => {
                let arity_ok = if builtin.variadic {
                    args.len() >= builtin.params
                } else {
                    args.len() == builtin.params
                };
                let as_validator = builtin.validator && args.len() + 1 == builtin.params;
                if !arity_ok && !as_validator {
                    return err(
                        ErrorKind::Eval,
                        format!(
                            "{name}: expected {} argument{}, got {}",
                            builtin.params,
                            if builtin.params == 1 { "" } else { "s" },
                            args.len()
                        ),
                        span,
                    );
                }
                let mut values = Vec::with_capacity(args.len());
                let mut value_args = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    let v = self.eval(*a, env);
                    let by_value = !as_validator
                        && matches!(builtin.func, Func::Host(_))
                        && i < 8
                        && builtin.value_args & (1 << i) != 0;
                    if by_value {
                        match self.value_ref(v) {
                            Ok(r) => value_args.push((i, r)),
                            Err(e) => return Val::Bottom(with_span(e, span)),
                        }
                        values.push(Data::Null);
                        continue;
                    }
                    match self.to_data(&v) {
                        Ok(d) => values.push(d),
                        Err(e) => return Val::Bottom(with_span(e, span)),
                    }
                }
                if as_validator {
                    let text = format!(
                        "{name}({})",
                        values
                            .iter()
                            .map(crate::builtins::args::describe)
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    let mut atom = Atom::top();
                    atom.validators.push(Validator {
                        builtin: id,
                        args: Rc::from(values),
                        text: Rc::from(text),
                    });
                    return Val::Atom(atom);
                }
                let result = match builtin.func {
                    Func::Host(func) => {
                        let mut host_args: Vec<Arg> = values.into_iter().map(Arg::Data).collect();
                        for (i, r) in value_args {
                            host_args[i] = Arg::Value(r);
                        }
                        func(self, &host_args)
                    }
                    Func::Data(func) => func(&values),
                    _ => unreachable!("matched above"),
                };
                match result {
                    Ok(data) => self.data_val(data, Some(span)),
                    Err(message) => err(
                        ErrorKind::Eval,
                        format!("error in call to {name}: {message}"),
                        span,
                    ),
                }
            }
        }
    }

    fn call_universe(
        &mut self,
        u: Universe,
        args: &[ExprId],
        env: &Env,
        span: &Span,
        call_expr: ExprId,
    ) -> Val {
        let want = match u {
            Universe::Div | Universe::Mod | Universe::Quo | Universe::Rem => 2,
            _ => 1,
        };
        if args.len() != want {
            return err(
                ErrorKind::Eval,
                format!(
                    "expected {want} argument{}, got {}",
                    if want == 1 { "" } else { "s" },
                    args.len()
                ),
                span,
            );
        }
        match u {
            Universe::Len => match self.eval(args[0], env) {
                Val::Atom(a) => match &a.value {
                    Some(Scalar::Str(s)) => {
                        Val::Atom(Atom::concrete(Scalar::Num(Num::int(s.len() as i64))))
                    }
                    Some(Scalar::Bytes(b)) => {
                        Val::Atom(Atom::concrete(Scalar::Num(Num::int(b.len() as i64))))
                    }
                    Some(other) => err(
                        ErrorKind::Eval,
                        format!(
                            "invalid argument {other} for len (type {})",
                            other.kind_name()
                        ),
                        span,
                    ),
                    None => err(
                        ErrorKind::Incomplete,
                        format!("len of incomplete value {}", a.describe()),
                        span,
                    ),
                },
                Val::Vertex(v) => {
                    let v = match self.resolve_default(v) {
                        Ok(v) => v,
                        Err(e) => return Val::Bottom(e),
                    };
                    match self.vertex(v).value.clone() {
                        Value::List => {
                            let len = self.vertex(v).list.as_ref().map_or(0, |l| l.len);
                            Val::Atom(Atom::concrete(Scalar::Num(Num::int(len as i64))))
                        }
                        Value::Struct => {
                            let count = self
                                .vertex(v)
                                .arcs
                                .iter()
                                .filter(|(f, a)| {
                                    f.is_regular()
                                        && self.vertex(*a).field_kind == FieldKind::Regular
                                })
                                .count();
                            Val::Atom(Atom::concrete(Scalar::Num(Num::int(count as i64))))
                        }
                        Value::Atom(a) => match &a.value {
                            Some(Scalar::Str(s)) => {
                                Val::Atom(Atom::concrete(Scalar::Num(Num::int(s.len() as i64))))
                            }
                            Some(Scalar::Bytes(b)) => {
                                Val::Atom(Atom::concrete(Scalar::Num(Num::int(b.len() as i64))))
                            }
                            _ => err(
                                ErrorKind::Incomplete,
                                format!("len of incomplete value {}", a.describe()),
                                span,
                            ),
                        },
                        Value::Bottom(e) => Val::Bottom(e),
                        _ => err(ErrorKind::Incomplete, "len of incomplete value", span),
                    }
                }
                Val::Bottom(e) => Val::Bottom(e),
            },
            Universe::Close => {
                let d = self.detached(vec![Conjunct {
                    kind: ConjunctKind::Expr(call_expr, env.clone()),
                    group: None,
                    span: Some(span.clone()),
                }]);
                Val::Vertex(d)
            }
            Universe::And | Universe::Or => {
                let list = match self.eval(args[0], env) {
                    Val::Vertex(v) => match self.resolve_default(v) {
                        Ok(v) => v,
                        Err(e) => return Val::Bottom(e),
                    },
                    Val::Bottom(e) => return Val::Bottom(e),
                    Val::Atom(_) => {
                        return err(ErrorKind::Eval, "and/or need a list argument", span);
                    }
                };
                let Some(len) = self.vertex(list).list.as_ref().map(|l| l.len) else {
                    return err(ErrorKind::Eval, "and/or need a list argument", span);
                };
                let elems: Vec<VId> = (0..len)
                    .filter_map(|i| self.vertex(list).arcs.get(Feature::index(i)))
                    .collect();
                if u == Universe::And {
                    let conjuncts = elems
                        .into_iter()
                        .map(|e| Conjunct {
                            kind: ConjunctKind::Vertex(e),
                            group: None,
                            span: Some(span.clone()),
                        })
                        .collect();
                    Val::Vertex(self.detached(conjuncts))
                } else {
                    if elems.is_empty() {
                        return err(ErrorKind::Eval, "empty disjunction: or([])", span);
                    }
                    Val::Vertex(self.disjunction_of(elems, span))
                }
            }
            Universe::Div | Universe::Mod | Universe::Quo | Universe::Rem => {
                let a = match self.eval_concrete(args[0], env) {
                    Ok(Scalar::Num(n)) if n.is_int() => n,
                    Ok(other) => {
                        return err(
                            ErrorKind::Eval,
                            format!("cannot use {other} (type {}) as int", other.kind_name()),
                            span,
                        );
                    }
                    Err(e) => return Val::Bottom(e),
                };
                let b = match self.eval_concrete(args[1], env) {
                    Ok(Scalar::Num(n)) if n.is_int() => n,
                    Ok(other) => {
                        return err(
                            ErrorKind::Eval,
                            format!("cannot use {other} (type {}) as int", other.kind_name()),
                            span,
                        );
                    }
                    Err(e) => return Val::Bottom(e),
                };
                let op = match u {
                    Universe::Div => IntOp::Div,
                    Universe::Mod => IntOp::Mod,
                    Universe::Quo => IntOp::Quo,
                    _ => IntOp::Rem,
                };
                match a.int_op(&b, op) {
                    Ok(n) => Val::Atom(Atom::concrete(Scalar::Num(n))),
                    Err(m) => err(ErrorKind::Eval, m, span),
                }
            }
        }
    }

    /// Concrete data for a value (structs and lists recursively; defaults applied).
    pub fn to_data(&mut self, v: &Val) -> Result<Data, Rc<EvalError>> {
        match v {
            Val::Atom(a) => match &a.value {
                Some(s) => Ok(scalar_data(s)),
                None => Err(EvalError::new(
                    ErrorKind::Incomplete,
                    format!("incomplete value {}", a.describe()),
                )),
            },
            Val::Vertex(v) => {
                match crate::export::export_data(self, *v, &crate::export::ExportOptions::default())
                {
                    Ok(d) => Ok(d),
                    Err(mut errors) => Err(errors.remove(0)),
                }
            }
            Val::Bottom(e) => Err(e.clone()),
        }
    }

    /// Runs the validators of a now concrete atom.
    pub(crate) fn run_validators(&mut self, atom: &Atom) -> Result<(), Rc<EvalError>> {
        let Some(value) = &atom.value else {
            return Ok(());
        };
        for validator in &atom.validators {
            let b = builtins::get(validator.builtin);
            let mut args = vec![scalar_data(value)];
            args.extend(validator.args.iter().cloned());
            let result = match b.func {
                Func::Data(func) => func(&args),
                Func::Host(func) => {
                    let args: Vec<Arg> = args.into_iter().map(Arg::Data).collect();
                    func(self, &args)
                }
                _ => continue,
            };
            match result {
                Ok(Data::Bool(true)) => {}
                Ok(Data::Bool(false)) => {
                    return Err(EvalError::new(
                        ErrorKind::Eval,
                        format!(
                            "invalid value {value} (does not satisfy {})",
                            validator.text
                        ),
                    ));
                }
                Ok(_) => {}
                Err(message) => {
                    return Err(EvalError::new(
                        ErrorKind::Eval,
                        format!("invalid value {value} ({}: {message})", validator.text),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The largest string or bytes value `+`, `*` and interpolation build (64 MiB): past it, a
/// doubling loop would exhaust memory long before the step budget.
pub(crate) const MAX_TEXT_BYTES: usize = 64 << 20;

/// The length in bytes of a string or bytes value (0 for other scalars).
fn text_len(s: &Scalar) -> usize {
    match s {
        Scalar::Str(x) => x.len(),
        Scalar::Bytes(x) => x.len(),
        _ => 0,
    }
}

pub(crate) fn scalar_data(s: &Scalar) -> Data {
    match s {
        Scalar::Null => Data::Null,
        Scalar::Bool(b) => Data::Bool(*b),
        Scalar::Num(n) => Data::Num(n.clone()),
        Scalar::Str(s) => Data::Str(s.clone()),
        Scalar::Bytes(b) => Data::Bytes(b.clone()),
    }
}

fn incomplete_value(what: &str, v: VId) -> Rc<EvalError> {
    Rc::new(EvalError {
        kind: ErrorKind::Incomplete,
        message: format!("incomplete value {what}"),
        spans: Vec::new(),
        vertex: Some(v),
    })
}

/// Adds a position to an error that has none.
pub(crate) fn with_span(e: Rc<EvalError>, span: &Span) -> Rc<EvalError> {
    if !e.spans.is_empty() {
        return e;
    }
    let mut x = (*e).clone();
    x.spans.push(span.clone());
    Rc::new(x)
}

fn qualified(pkg: &str, name: &str) -> String {
    if pkg.is_empty() {
        name.to_owned()
    } else {
        format!("{}.{name}", pkg.rsplit('/').next().unwrap_or(pkg))
    }
}

/// `x.name` where `x` is a scalar or a scalar constraint: an error, permanent for a
/// concrete value, incomplete for a constraint such as `string` (as CUE reports it).
fn selector_on_scalar(name: &str, a: &Atom, span: &Span) -> Val {
    let kind = if a.is_concrete() {
        ErrorKind::Eval
    } else {
        ErrorKind::Incomplete
    };
    err(
        kind,
        format!(
            "invalid selector {name} for value of type {}",
            a.value
                .as_ref()
                .map_or_else(|| a.kinds.to_string(), |v| v.kind_name().to_owned())
        ),
        span,
    )
}
