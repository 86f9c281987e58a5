//! The evaluator: a graph of vertices (one per field, list element or detached value), each
//! holding the conjuncts — expressions with their environment — that define it.
//! Finalizing a vertex unifies its conjuncts into a value and creates its child arcs (with
//! their own, not yet evaluated, conjuncts). Children are evaluated lazily, on demand.
//!
//! - [`unify`]: adding conjuncts to a vertex (struct and list literals, references,
//!   closedness, comprehensions, patterns) and finalizing it.
//! - [`expr`]: evaluating expressions to values (operators, selectors, calls, interpolation).
//! - [`disjunction`]: disjunctions and defaults.
//!
//! References re-bind: a struct literal reached through a reference is evaluated again in
//! the vertex that refers to it (its fields see that vertex's other conjuncts), which is
//! CUE's "copy the expression, rebind references" rule.
//!
//! Every evaluation runs under a [`Budget`]; running out turns the remaining work into an
//! "evaluation budget exceeded" error instead of a hang.

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;

use crate::compile::Program;
use crate::data::Data;
use crate::ir::{ExprId, FieldKind, PkgId, Span};
use crate::label::Feature;
use crate::value::{Atom, Scalar};

pub mod disjunction;
pub mod expr;
mod host;
pub mod unify;

/// A vertex handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VId(pub u32);

/// Limits on one evaluation.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Units of work (conjuncts added, expressions evaluated).
    pub max_steps: u64,
    /// Nesting of vertices (field depth) and of evaluation recursion.
    pub max_depth: u32,
    /// Number of vertices, a proxy for memory.
    pub max_vertices: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_steps: 20_000_000,
            max_depth: 1000,
            max_vertices: 5_000_000,
        }
    }
}

/// The runtime environment of an expression: a chain of frames matching the compile-time
/// scopes that have frames.
pub type Env = Option<Rc<Frame>>;

pub struct Frame {
    pub parent: Env,
    pub kind: FrameKind,
}

pub enum FrameKind {
    /// A struct literal being evaluated into this vertex.
    Struct(VId),
    /// Comprehension variables, `let` clause values and pattern aliases.
    Locals(SmallVec<[Binding; 2]>),
}

#[derive(Clone, Debug)]
pub enum Binding {
    Vertex(VId),
    Scalar(Scalar),
}

/// Closedness context of a conjunct: the group of the definition it came through.
pub type GroupId = u32;

/// What a conjunct contributes.
#[derive(Clone)]
pub enum ConjunctKind {
    /// An expression in an environment.
    Expr(ExprId, Env),
    /// All the conjuncts of another vertex (a reference resolved earlier).
    Vertex(VId),
    /// Concrete data (builtin results, injected values).
    Data(Rc<Data>),
    /// A scalar constraint computed elsewhere.
    Atom(Atom),
    /// A disjunction of values computed elsewhere (`or([...])`).
    Alternatives(Rc<[(disjunction::AltSource, bool)]>),
    /// A closed list of the given values (slices, builtin results).
    List(Rc<[VId]>),
}

#[derive(Clone)]
pub struct Conjunct {
    pub kind: ConjunctKind,
    /// The closedness group this conjunct belongs to, if it came through a definition.
    pub group: Option<GroupId>,
    /// The source position to blame in messages.
    pub span: Option<Span>,
}

/// Where a field was declared, with its doc comment and attributes (for tools).
#[derive(Clone, Debug)]
pub struct FieldOrigin {
    pub span: Span,
    pub doc: Option<Rc<str>>,
    pub attributes: Rc<[crate::ir::Attribute]>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    New,
    Evaluating,
    Done,
}

/// The kind of error a bottom value carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Conflicting values, failed bounds, closedness, type errors: permanent.
    Eval,
    /// Not enough information yet (non-concrete operand, missing field of an open
    /// struct): a later conjunct could fix it.
    Incomplete,
    /// A reference cycle that does not resolve.
    Cycle,
    /// A value that contains itself.
    StructuralCycle,
    /// The evaluation budget ran out.
    Budget,
}

#[derive(Clone, Debug)]
pub struct EvalError {
    pub kind: ErrorKind,
    pub message: String,
    pub spans: Vec<Span>,
    /// The vertex the error is about, when known (for its path).
    pub vertex: Option<VId>,
}

impl EvalError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Rc<EvalError> {
        Rc::new(EvalError {
            kind,
            message: message.into(),
            spans: Vec::new(),
            vertex: None,
        })
    }

    pub fn at(kind: ErrorKind, message: impl Into<String>, span: Option<&Span>) -> Rc<EvalError> {
        Rc::new(EvalError {
            kind,
            message: message.into(),
            spans: span.into_iter().cloned().collect(),
            vertex: None,
        })
    }

    pub fn is_incomplete(&self) -> bool {
        matches!(self.kind, ErrorKind::Incomplete | ErrorKind::Cycle)
    }
}

/// One alternative of an unresolved disjunction.
#[derive(Clone, Debug)]
pub enum Alternative {
    Atom(Atom),
    Vertex(VId),
}

#[derive(Clone, Debug)]
pub struct Disjunction {
    pub alternatives: Vec<(Alternative, bool)>,
}

impl Disjunction {
    pub fn defaults(&self) -> impl Iterator<Item = &Alternative> {
        self.alternatives.iter().filter(|(_, d)| *d).map(|(a, _)| a)
    }
}

/// The value of a finalized vertex.
#[derive(Clone, Debug)]
pub enum Value {
    /// No constraint at all: `_`.
    Top,
    /// A scalar or a constraint on scalars (boxed: vertices are many, atoms are large).
    Atom(Box<Atom>),
    /// A struct; its fields are the arcs.
    Struct,
    /// A list; its elements are the arcs `0..len`.
    List,
    /// More than one alternative survived.
    Disjunction(Rc<Disjunction>),
    Bottom(Rc<EvalError>),
}

/// List shape after unification.
#[derive(Clone, Debug, Default)]
pub struct ListInfo {
    /// The list is open (`[a, ...]`): more elements may be added.
    pub open: bool,
    pub len: u32,
}

pub struct Vertex {
    pub parent: Option<VId>,
    pub label: Option<Feature>,
    pub field_kind: FieldKind,
    /// Set when this arc was declared required (`a!: x`).
    pub required: bool,
    pub conjuncts: Vec<Conjunct>,
    pub state: State,
    pub value: Value,
    arcs: Arcs,
    pub list: Option<ListInfo>,
    /// The vertex was resolved to one disjunct; read through to it.
    pub forward: Option<VId>,
    /// Closed through a definition or `close()`.
    pub closed: bool,
    pub origins: Vec<FieldOrigin>,
    /// (reference expression, referenced vertex) expanded into this vertex, for
    /// structural-cycle detection.
    pub expansions: SmallVec<[(ExprId, VId); 2]>,
    /// Choices for the disjunctions of this vertex when it is a disjunct.
    pub choices: Option<Rc<[usize]>>,
    /// Nesting depth (root = 0).
    pub depth: u32,
    /// As a disjunct: whether all its choices were defaults.
    pub default_choice: bool,
    /// A struct or list some of whose conjuncts (a comprehension, an embedding) were
    /// incomplete: its other fields are known, but the value is not final.
    pub incomplete: Option<Rc<EvalError>>,
}

/// Arcs in insertion order with a hash index once there are more than a few.
#[derive(Default)]
pub struct Arcs {
    list: Vec<(Feature, VId)>,
    index: Option<FxHashMap<Feature, usize>>,
}

impl Arcs {
    pub fn get(&self, f: Feature) -> Option<VId> {
        match &self.index {
            Some(index) => index.get(&f).map(|i| self.list[*i].1),
            None => self.list.iter().find(|(g, _)| *g == f).map(|(_, v)| *v),
        }
    }

    fn insert(&mut self, f: Feature, v: VId) {
        let i = self.list.len();
        self.list.push((f, v));
        if let Some(index) = &mut self.index {
            index.insert(f, i);
        } else if self.list.len() > 8 {
            self.index = Some(
                self.list
                    .iter()
                    .enumerate()
                    .map(|(i, (f, _))| (*f, i))
                    .collect(),
            );
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (Feature, VId)> + '_ {
        self.list.iter().copied()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// The evaluation of one program.
pub struct Evaluator {
    pub program: Rc<Program>,
    vertices: Vec<Vertex>,
    /// Root vertex per package, created on first use.
    package_roots: FxHashMap<PkgId, VId>,
    pub budget: Budget,
    steps: u64,
    exhausted: bool,
    recursion: u32,
    next_group: GroupId,
    child_groups: FxHashMap<(GroupId, Feature), GroupId>,
    /// The parent group and label of each child group (the inverse of `child_groups`).
    group_parents: FxHashMap<GroupId, (GroupId, Feature)>,
    /// Labels declared under a group also count for these groups: a definition referenced
    /// inside another definition (`#Get: #Do & {...}`) keeps its own closedness, and what
    /// it declares is part of the enclosing definition too.
    group_also: FxHashMap<GroupId, SmallVec<[GroupId; 2]>>,
    /// Groups created by `close()`: they do not close the children.
    shallow_groups: FxHashSet<GroupId>,
    /// Groups opened by `...` postfix (`#A...`).
    open_groups: FxHashSet<GroupId>,
    /// The group of each definition's own declarations.
    def_groups: FxHashMap<VId, GroupId>,
    /// While a disjunct is evaluated, references to the vertex it stands for go to it.
    redirects: Vec<(VId, VId)>,
    /// Labels made at run time (dynamic fields, data) that the program does not know.
    runtime_labels: FxHashMap<Rc<str>, Feature>,
    runtime_names: Vec<Rc<str>>,
    /// KubeVela's compatibility mode: list `+` and `*` (removed from CUE) evaluate as
    /// `list.Concat`/`list.Repeat`, the way KubeVela ≥ 1.11 rewrites templates before
    /// compiling them. Off for plain CUE.
    pub legacy_list_arithmetic: bool,
    /// Where legacy list arithmetic was evaluated, with the builtin that replaces it
    /// (`list.Concat` or `list.Repeat`), for warnings.
    pub legacy_list_uses: Vec<(Span, &'static str)>,
}

impl Evaluator {
    pub fn new(program: Rc<Program>, budget: Budget) -> Self {
        Evaluator {
            program,
            vertices: Vec::new(),
            package_roots: FxHashMap::default(),
            budget,
            steps: 0,
            exhausted: false,
            recursion: 0,
            next_group: 1,
            child_groups: FxHashMap::default(),
            group_parents: FxHashMap::default(),
            group_also: FxHashMap::default(),
            shallow_groups: FxHashSet::default(),
            open_groups: FxHashSet::default(),
            def_groups: FxHashMap::default(),
            redirects: Vec::new(),
            runtime_labels: FxHashMap::default(),
            runtime_names: Vec::new(),
            legacy_list_arithmetic: false,
            legacy_list_uses: Vec::new(),
        }
    }

    /// The root of the main package.
    pub fn root(&mut self) -> VId {
        self.package_root(PkgId(0))
    }

    pub fn package_root(&mut self, pkg: PkgId) -> VId {
        if let Some(root) = self.package_roots.get(&pkg) {
            return *root;
        }
        let root = self.new_vertex(None, None, 0);
        let program = self.program.clone();
        for expr in &program.packages[pkg.0 as usize].roots {
            let span = program.expr(*expr).span.clone();
            self.vertex_mut(root).conjuncts.push(Conjunct {
                kind: ConjunctKind::Expr(*expr, None),
                group: None,
                span: Some(span),
            });
        }
        self.package_roots.insert(pkg, root);
        root
    }

    /// A new vertex outside any struct, defined by `conjuncts`.
    pub fn detached(&mut self, conjuncts: Vec<Conjunct>) -> VId {
        let v = self.new_vertex(None, None, 0);
        self.vertex_mut(v).conjuncts = conjuncts;
        v
    }

    /// Adds a conjunct to the root before evaluation (injected inputs).
    pub fn add_root_conjunct(&mut self, conjunct: Conjunct) {
        let root = self.root();
        self.vertex_mut(root).conjuncts.push(conjunct);
    }

    fn new_vertex(&mut self, parent: Option<VId>, label: Option<Feature>, depth: u32) -> VId {
        let id = VId(self.vertices.len() as u32);
        self.vertices.push(Vertex {
            parent,
            label,
            field_kind: FieldKind::Optional,
            required: false,
            conjuncts: Vec::new(),
            state: State::New,
            value: Value::Top,
            arcs: Arcs::default(),
            list: None,
            forward: None,
            closed: false,
            origins: Vec::new(),
            expansions: SmallVec::new(),
            choices: None,
            depth,
            default_choice: true,
            incomplete: None,
        });
        if self.vertices.len() > self.budget.max_vertices {
            self.exhausted = true;
        }
        id
    }

    pub fn vertex(&self, v: VId) -> &Vertex {
        &self.vertices[v.0 as usize]
    }

    fn vertex_mut(&mut self, v: VId) -> &mut Vertex {
        &mut self.vertices[v.0 as usize]
    }

    /// Follows forwarding to the disjunct a vertex resolved to.
    pub fn deref(&self, mut v: VId) -> VId {
        while let Some(f) = self.vertex(v).forward {
            v = f;
        }
        v
    }

    pub fn arcs(&self, v: VId) -> impl Iterator<Item = (Feature, VId)> + '_ {
        let v = self.deref(v);
        self.vertex(v).arcs.iter()
    }

    pub fn arc(&self, v: VId, f: Feature) -> Option<VId> {
        let v = self.deref(v);
        self.vertex(v).arcs.get(f)
    }

    pub fn arc_count(&self, v: VId) -> usize {
        self.vertex(self.deref(v)).arcs.len()
    }

    /// Gets or creates the arc `f` of `v`.
    fn ensure_arc(&mut self, v: VId, f: Feature) -> VId {
        if let Some(a) = self.vertex(v).arcs.get(f) {
            return a;
        }
        let depth = self.vertex(v).depth + 1;
        let a = self.new_vertex(Some(v), Some(f), depth);
        self.vertex_mut(v).arcs.insert(f, a);
        a
    }

    /// Counts a unit of work; false once the budget is exhausted.
    fn step(&mut self) -> bool {
        self.steps += 1;
        if self.steps > self.budget.max_steps {
            self.exhausted = true;
        }
        !self.exhausted
    }

    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }

    fn budget_error(&self) -> Rc<EvalError> {
        EvalError::new(ErrorKind::Budget, "evaluation budget exceeded")
    }

    fn new_group(&mut self) -> GroupId {
        let g = self.next_group;
        self.next_group += 1;
        g
    }

    /// The group for the children (at `label`) of a closed group: closedness is recursive.
    fn child_group(&mut self, group: GroupId, label: Feature) -> Option<GroupId> {
        if self.shallow_groups.contains(&group) || self.open_groups.contains(&group) {
            return None;
        }
        if let Some(g) = self.child_groups.get(&(group, label)) {
            return Some(*g);
        }
        let g = self.new_group();
        self.child_groups.insert((group, label), g);
        self.group_parents.insert(g, (group, label));
        Some(g)
    }

    /// The path of a vertex, as CUE prints it (`a.b[0]."c-d"`).
    pub fn path(&self, v: VId) -> String {
        let mut labels = Vec::new();
        let mut current = Some(v);
        while let Some(c) = current {
            let vertex = self.vertex(c);
            if let Some(l) = vertex.label {
                labels.push(l);
            }
            current = vertex.parent;
        }
        labels.reverse();
        let mut out = String::new();
        for l in labels {
            if let Some(i) = l.as_index() {
                if out.is_empty() {
                    out.push_str(&i.to_string());
                } else {
                    out.push('.');
                    out.push_str(&i.to_string());
                }
                continue;
            }
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&self.label_selector(l));
        }
        out
    }

    /// The final value of a vertex (after [`Evaluator::finalize`]).
    pub fn value(&self, v: VId) -> &Value {
        &self.vertex(self.deref(v)).value
    }
}
