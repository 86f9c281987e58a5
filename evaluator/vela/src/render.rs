//! Rendering definitions the way KubeVela does (reference §2.1, §2.3): a component's
//! `output` and `outputs`; then each trait in order, seeing the growing
//! `context.output`/`context.outputs`, adding its `outputs`, applying `patch` to the
//! workload and `patchOutputs` to the auxiliaries; `errs` as user errors; errors grouped
//! as KubeVela groups them ("Parameter errors" / "Template errors"), with positions.

use std::rc::Rc;

use xdef_cue::eval::ErrorKind;
use xdef_cue::label::LabelKind;
use xdef_cue::{Budget, Data, EvalError, Evaluation, VId, Value, encode};

use crate::assembly::Assembly;
use crate::check::assemble;
use crate::definition::{DefinitionFile, DefinitionKind};
use crate::patch::{self, ListMatch, PatchOutcome};
use crate::{Diagnostic, Severity, context};

/// Export options for rendering: like KubeVela, a comprehension that cannot be evaluated
/// (e.g. over an optional parameter that is absent) contributes nothing instead of failing.
pub fn lenient() -> xdef_cue::export::ExportOptions {
    xdef_cue::export::ExportOptions {
        lenient_comprehensions: true,
        ..Default::default()
    }
}

/// What a render is given.
#[derive(Clone, Debug)]
pub struct RenderInput {
    /// The component's (or trait's) properties.
    pub parameter: Data,
    /// `context.name` (the component name).
    pub name: String,
    pub app_name: String,
    pub namespace: String,
    /// Extra or overriding context fields.
    pub context: Option<Data>,
    pub budget: Budget,
}

impl Default for RenderInput {
    fn default() -> Self {
        RenderInput {
            parameter: Data::Struct(vec![]),
            name: "my-component".into(),
            app_name: "my-app".into(),
            namespace: "default".into(),
            context: None,
            budget: Budget {
                max_steps: 5_000_000,
                ..Budget::default()
            },
        }
    }
}

/// The workload and auxiliary resources of a component as rendering goes on.
#[derive(Clone, Debug, Default)]
pub struct Workload {
    pub output: Option<Data>,
    /// The component's parameters (what its traits see as `context.parameter`).
    pub parameter: Option<Data>,
    /// Auxiliary resources in the order they were added: (name, owner type, object).
    pub outputs: Vec<(Rc<str>, Option<String>, Data)>,
}

/// A render failure: KubeVela's grouped message and the diagnostics behind it.
#[derive(Clone, Debug)]
pub struct RenderError {
    pub message: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What applying a trait did, for previews.
#[derive(Clone, Debug, Default)]
pub struct TraitReport {
    pub patched: bool,
    pub matches: Vec<ListMatch>,
    pub warnings: Vec<String>,
    /// Names of auxiliary resources the trait added.
    pub added_outputs: Vec<Rc<str>>,
    /// Names of auxiliary resources its `patchOutputs` patched.
    pub patched_outputs: Vec<Rc<str>>,
}

fn context_data(
    kind: DefinitionKind,
    input: &RenderInput,
    workload: Option<&Workload>,
    component_type: Option<&str>,
) -> Data {
    let mut ctx = context::default_values(kind, &input.name, &input.app_name, &input.namespace);
    let Data::Struct(fields) = &mut ctx else {
        unreachable!("context defaults are a struct")
    };
    let mut set = |k: &str, v: Data| match fields.iter_mut().find(|(n, _)| &**n == k) {
        Some((_, slot)) => *slot = v,
        None => fields.push((Rc::from(k), v)),
    };
    match (kind, workload) {
        // KubeVela pushes the component's parameters into the context it shares with
        // the component's traits: a trait's `context.parameter` is the component's.
        (DefinitionKind::Trait, Some(w)) => set(
            "parameter",
            w.parameter.clone().unwrap_or(Data::Struct(vec![])),
        ),
        (
            DefinitionKind::Component
            | DefinitionKind::Trait
            | DefinitionKind::Workload
            | DefinitionKind::Policy,
            _,
        ) => set("parameter", input.parameter.clone()),
        _ => {}
    }
    if let Some(w) = workload {
        if let Some(o) = &w.output {
            set("output", o.clone());
        }
        // A map by name, as KubeVela builds it: of resources sharing a name, the last.
        let mut outputs: Vec<(Rc<str>, Data)> = Vec::new();
        for (n, _, d) in &w.outputs {
            match outputs.iter_mut().find(|(k, _)| k == n) {
                Some((_, slot)) => *slot = d.clone(),
                None => outputs.push((n.clone(), d.clone())),
            }
        }
        set("outputs", Data::Struct(outputs));
    }
    if let Some(t) = component_type {
        set("componentType", Data::str(t));
    }
    if let Some(Data::Struct(extra)) = &input.context {
        for (k, v) in extra {
            set(k, v.clone());
        }
    }
    ctx
}

/// Evaluates the template with parameters and context injected.
fn evaluate(
    parse: &xdef_syntax::Parse,
    def: &DefinitionFile,
    kind: DefinitionKind,
    input: &RenderInput,
    ctx: &Data,
) -> (Evaluation, Assembly) {
    // KubeVela marshals both from Go maps, so their keys reach CUE sorted (and so does
    // the order of anything a comprehension builds from them).
    let injected = format!(
        "context: {}\nparameter: {}\n",
        encode::to_json(&sorted_keys(ctx), None),
        encode::to_json(&sorted_keys(&input.parameter), None)
    );
    let assembly = assemble(parse, def, kind, &injected);
    let evaluation = crate::check::evaluate_template(assembly.text.clone(), kind, input.budget);
    (evaluation, assembly)
}

/// The data with the fields of every struct in byte order of their names, as Go's
/// `encoding/json` writes a map.
fn sorted_keys(d: &Data) -> Data {
    match d {
        Data::Struct(fields) => {
            let mut fields: Vec<_> = fields
                .iter()
                .map(|(k, v)| (k.clone(), sorted_keys(v)))
                .collect();
            fields.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            Data::Struct(fields)
        }
        Data::List(items) => Data::List(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

/// Errors grouped as KubeVela prints them (`FormatCUEError`): "User Errors" from `errs`,
/// then "Parameter errors" and "Template errors", each line one CUE error (the cases of
/// an empty disjunction on lines of their own), sorted, without repeats. An error that
/// other fields only refer to is CUE's one error, reported once where it arises; here the
/// copies (same message and position) are dropped, keeping the one under `parameter` (or
/// any with a path).
/// Positions are kept in the diagnostics.
fn grouped_error(
    kind_word: &str,
    name: &str,
    user_errors: &[String],
    errors: &[(String, Diagnostic)],
) -> RenderError {
    // Drop the copies of an error that fields referring to it carry.
    let mut kept: Vec<&(String, Diagnostic)> = Vec::new();
    let bare = |(path, d): &(String, Diagnostic)| -> String {
        d.message
            .strip_prefix(path.as_str())
            .and_then(|m| m.strip_prefix(": "))
            .unwrap_or(&d.message)
            .to_owned()
    };
    for e in errors {
        let key = (e.1.range.start, bare(e));
        match kept.iter().position(|k| (k.1.range.start, bare(k)) == key) {
            Some(i) => {
                // Where CUE reports it: under `parameter` if it arises there, else at
                // a path rather than none.
                let rank = |path: &str| match path {
                    p if p.starts_with("parameter") => 2,
                    "" => 0,
                    _ => 1,
                };
                if rank(&e.0) > rank(&kept[i].0) {
                    kept[i] = e;
                }
            }
            None => kept.push(e),
        }
    }
    let mut params: Vec<String> = Vec::new();
    let mut template: Vec<String> = Vec::new();
    for e in &kept {
        let (path, d) = (&e.0, &e.1);
        let group = if path.starts_with("parameter") {
            &mut params
        } else {
            &mut template
        };
        group.extend(cue_error_lines(path, &bare(e), &d.message));
    }
    let mut message = format!("validation failed for {kind_word} {name}:");
    if !user_errors.is_empty() {
        message.push_str("\n\nUser Errors:\n");
        for e in user_errors {
            message.push_str(&format!("  {e}\n"));
        }
    }
    for (title, mut lines) in [("Parameter errors", params), ("Template errors", template)] {
        if lines.is_empty() {
            continue;
        }
        lines.sort();
        lines.dedup();
        message.push_str(&format!("\n\n{title}:\n"));
        for l in lines {
            message.push_str(&format!("  {l}\n"));
        }
    }
    RenderError {
        message: message.trim_end_matches('\n').to_owned(),
        diagnostics: kept.iter().map(|(_, d)| d.clone()).collect(),
    }
}

/// The lines CUE's error list has for one error: an empty disjunction is one error
/// ("N errors in empty disjunction:") followed by one per case.
fn cue_error_lines(path: &str, bare: &str, full: &str) -> Vec<String> {
    if let Some((head, cases)) = bare.split_once(" errors in empty disjunction: ")
        && head.chars().all(|c| c.is_ascii_digit())
        && !path.is_empty()
    {
        let mut out = vec![format!("{path}: {head} errors in empty disjunction:")];
        out.extend(cases.split("; ").map(|c| format!("{path}: {c}")));
        return out;
    }
    vec![full.to_owned()]
}

fn to_diagnostic(
    evaluation: &Evaluation,
    assembly: &Assembly,
    e: &EvalError,
    fallback: usize,
) -> (String, Diagnostic) {
    let d = evaluation.diagnostic(e);
    let at = d
        .span
        .as_ref()
        .and_then(|s| {
            if s.file.0 == 0 {
                assembly.original(s.range.start)
            } else {
                None
            }
        })
        .unwrap_or(fallback);
    (
        d.path.clone(),
        Diagnostic {
            severity: Severity::Error,
            range: at..at,
            message: d.text(),
            path: d.path,
        },
    )
}

/// Exports a top-level field of the template, or collects its errors.
fn export_field(
    evaluation: &mut Evaluation,
    name: &str,
) -> Option<Result<Data, Vec<Rc<EvalError>>>> {
    let v = evaluation.lookup(name)?;
    Some(xdef_cue::export::export_data(
        &mut evaluation.evaluator,
        v,
        &crate::render::lenient(),
    ))
}

/// The user errors of an `errs` field (a list of strings).
fn user_errors(evaluation: &mut Evaluation) -> Vec<String> {
    match export_field(evaluation, "errs") {
        Some(Ok(Data::List(items))) => items
            .iter()
            .filter_map(|d| d.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Renders a component (or workload/policy) definition: its `output` and `outputs`.
pub fn render_component(
    parse: &xdef_syntax::Parse,
    def: &DefinitionFile,
    input: &RenderInput,
) -> Result<Workload, RenderError> {
    let kind = def.kind.ok_or_else(|| RenderError {
        message: "the definition has no valid type".into(),
        diagnostics: def.diagnostics.clone(),
    })?;
    let ctx = context_data(kind, input, None, None);
    let (mut evaluation, assembly) = evaluate(parse, def, kind, input, &ctx);
    let fallback = def.template_range.as_ref().map_or(0, |r| r.start);
    let mut errors = compile_errors(&evaluation, &assembly, fallback);
    let user = user_errors(&mut evaluation);
    // Like KubeVela (`val.Validate()`), the whole template is checked, so an error in a
    // parameter is reported there even when the output only refers to it.
    let root = evaluation.root();
    for e in permanent_errors(&mut evaluation, root) {
        errors.push(to_diagnostic(&evaluation, &assembly, &e, fallback));
    }
    let mut workload = Workload {
        parameter: Some(input.parameter.clone()),
        ..Workload::default()
    };
    match export_field(&mut evaluation, "output") {
        Some(Ok(data)) => workload.output = Some(data),
        Some(Err(errs)) => errors.extend(
            errs.iter()
                .map(|e| to_diagnostic(&evaluation, &assembly, e, fallback)),
        ),
        None => {}
    }
    if let Some(v) = evaluation.lookup("outputs") {
        collect_outputs(
            &mut evaluation,
            &assembly,
            v,
            None,
            fallback,
            &mut workload,
            &mut errors,
        );
    }
    if !errors.is_empty() || !user.is_empty() {
        let word = if kind == DefinitionKind::Policy {
            "policy"
        } else {
            "workload"
        };
        return Err(grouped_error(word, &input.name, &user, &errors));
    }
    Ok(workload)
}

fn compile_errors(
    evaluation: &Evaluation,
    assembly: &Assembly,
    fallback: usize,
) -> Vec<(String, Diagnostic)> {
    evaluation
        .compile_diagnostics()
        .into_iter()
        .map(|d| {
            let at = d
                .span
                .as_ref()
                .and_then(|s| {
                    if s.file.0 == 0 {
                        assembly.original(s.range.start)
                    } else {
                        None
                    }
                })
                .unwrap_or(fallback);
            (
                d.path.clone(),
                Diagnostic {
                    severity: Severity::Error,
                    range: at..at,
                    message: d.text(),
                    path: d.path,
                },
            )
        })
        .collect()
}

fn collect_outputs(
    evaluation: &mut Evaluation,
    assembly: &Assembly,
    v: VId,
    owner: Option<&str>,
    fallback: usize,
    workload: &mut Workload,
    errors: &mut Vec<(String, Diagnostic)>,
) -> Vec<Rc<str>> {
    let mut added = Vec::new();
    let ev = &mut evaluation.evaluator;
    ev.finalize(v);
    let v = ev.deref(v);
    let arcs: Vec<_> = ev.arcs(v).collect();
    for (f, arc) in arcs {
        if f.kind() != LabelKind::Regular
            || ev.vertex(arc).field_kind != xdef_cue::ir::FieldKind::Regular
        {
            continue;
        }
        let name = ev.label_str(f);
        match xdef_cue::export::export_data(ev, arc, &crate::render::lenient()) {
            Ok(data) => {
                workload
                    .outputs
                    .push((name.clone(), owner.map(str::to_owned), data));
                added.push(name);
            }
            Err(errs) => {
                for e in errs {
                    errors.push(to_diagnostic(evaluation, assembly, &e, fallback));
                }
                return added;
            }
        }
    }
    added
}

/// Renders a trait against a component's workload: adds its `outputs`, applies `patch` to
/// the workload and `patchOutputs` to auxiliaries already present.
pub fn apply_trait(
    parse: &xdef_syntax::Parse,
    def: &DefinitionFile,
    input: &RenderInput,
    trait_type: &str,
    component_type: &str,
    workload: &mut Workload,
) -> Result<TraitReport, RenderError> {
    let kind = def.kind.ok_or_else(|| RenderError {
        message: "the definition has no valid type".into(),
        diagnostics: def.diagnostics.clone(),
    })?;
    let ctx = context_data(kind, input, Some(workload), Some(component_type));
    let (mut evaluation, assembly) = evaluate(parse, def, kind, input, &ctx);
    let fallback = def.template_range.as_ref().map_or(0, |r| r.start);
    let mut errors = compile_errors(&evaluation, &assembly, fallback);
    let user = user_errors(&mut evaluation);
    // Check the whole template first (KubeVela validates before using it).
    let root = evaluation.root();
    for e in permanent_errors(&mut evaluation, root) {
        errors.push(to_diagnostic(&evaluation, &assembly, &e, fallback));
    }
    if !errors.is_empty() || !user.is_empty() {
        return Err(grouped_error("trait", trait_type, &user, &errors));
    }
    let mut report = TraitReport::default();
    if let Some(v) = evaluation.lookup("outputs") {
        let mut errs = Vec::new();
        report.added_outputs = collect_outputs(
            &mut evaluation,
            &assembly,
            v,
            Some(trait_type),
            fallback,
            workload,
            &mut errs,
        );
        if !errs.is_empty() {
            return Err(grouped_error("trait", trait_type, &[], &errs));
        }
    }
    if let Some(v) = evaluation.lookup("patch") {
        let Some(base) = workload.output.clone() else {
            return Err(RenderError {
                message: format!("patch trait {trait_type} into an invalid workload"),
                diagnostics: vec![],
            });
        };
        // CUE's doc convention: a comment before `patch: spec: x` documents the innermost
        // field, so KubeVela does not see it on `patch`.
        let doc = patch::field_doc(&mut evaluation.evaluator, v);
        let strategy = patch::markers(&doc).patch_strategy;
        let mut notes = Vec::new();
        if strategy.is_none() {
            let written = patch::markers(&patch::written_doc(&evaluation.evaluator, v));
            if let Some(s @ ("jsonPatch" | "jsonMergePatch")) = written.patch_strategy.as_deref() {
                notes.push(format!(
                    "patch: the comment with `+patchStrategy={s}` before `patch: <field>: ...` documents the innermost field of that chain (CUE's rule), not `patch`; write `patch: {{` with braces to mark `patch` itself"
                ));
            }
        }
        let outcome = match strategy.as_deref() {
            Some("jsonMergePatch") => match xdef_cue::export::export_data(
                &mut evaluation.evaluator,
                v,
                &crate::render::lenient(),
            ) {
                Ok(p) => PatchOutcome {
                    result: Some(patch::json_merge_patch(&base, &p)),
                    ..Default::default()
                },
                Err(errs) => {
                    return Err(grouped_error(
                        "trait",
                        trait_type,
                        &[],
                        &errs
                            .iter()
                            .map(|e| to_diagnostic(&evaluation, &assembly, e, fallback))
                            .collect::<Vec<_>>(),
                    ));
                }
            },
            Some("jsonPatch") => {
                let ops = evaluation.lookup("patch.operations");
                let ops = match ops.map(|o| {
                    xdef_cue::export::export_data(
                        &mut evaluation.evaluator,
                        o,
                        &crate::render::lenient(),
                    )
                }) {
                    Some(Ok(d)) => d,
                    _ => {
                        return Err(RenderError {
                            message: format!(
                                "invalid patch trait {trait_type} into workload: json patch needs patch.operations"
                            ),
                            diagnostics: vec![],
                        });
                    }
                };
                match patch::json_patch(&base, &ops) {
                    Ok(result) => PatchOutcome {
                        result: Some(result),
                        ..Default::default()
                    },
                    Err(e) => {
                        return Err(RenderError {
                            message: format!(
                                "invalid patch trait {trait_type} into workload: failed to apply json patch: {e}"
                            ),
                            diagnostics: vec![],
                        });
                    }
                }
            }
            _ => match patch::patch_tree(&mut evaluation.evaluator, v) {
                Ok(tree) => patch::apply(&base, &tree),
                Err(e) => {
                    return Err(RenderError {
                        message: format!("invalid patch trait {trait_type} into workload: {e}"),
                        diagnostics: vec![],
                    });
                }
            },
        };
        report.patched = true;
        report.matches = outcome.matches;
        match outcome.result {
            Some(result) => {
                report.warnings = notes;
                report.warnings.extend(outcome.warnings);
                workload.output = Some(result);
            }
            None => {
                let reason = outcome.warnings.first().cloned().unwrap_or_default();
                let mut message =
                    format!("invalid patch trait {trait_type} into workload: {reason}");
                // What else the patch noticed on the way often explains the failure.
                for w in notes.iter().chain(outcome.warnings.iter().skip(1)) {
                    message.push_str(&format!("\n  note: {w}"));
                }
                return Err(RenderError {
                    message,
                    diagnostics: vec![],
                });
            }
        }
    }
    if let Some(v) = evaluation.lookup("patchOutputs") {
        let ev = &mut evaluation.evaluator;
        ev.finalize(v);
        let v = ev.deref(v);
        let targets: Vec<_> = ev
            .arcs(v)
            .filter(|(f, _)| f.kind() == LabelKind::Regular)
            .map(|(f, arc)| (ev.label_str(f), arc))
            .collect();
        // Like KubeVela: every auxiliary resource (in the order they were added, this
        // trait's own included) whose name patchOutputs has.
        for index in 0..workload.outputs.len() {
            let name = workload.outputs[index].0.clone();
            let Some(&(_, arc)) = targets.iter().find(|(n, _)| *n == name) else {
                continue;
            };
            let tree = match patch::patch_tree(ev, arc) {
                Ok(t) => t,
                Err(e) => {
                    return Err(RenderError {
                        message: format!(
                            "trait={trait_type}, to={name}, invalid patch trait into auxiliary workload: {e}"
                        ),
                        diagnostics: vec![],
                    });
                }
            };
            // KubeVela unifies auxiliaries without options: no JSON (merge) patch here.
            let mut notes = Vec::new();
            let doc = patch::markers(&patch::field_doc(ev, arc));
            if let Some(s @ ("jsonPatch" | "jsonMergePatch")) = doc.patch_strategy.as_deref() {
                notes.push(format!(
                    "patchOutputs.{name}: `+patchStrategy={s}` is not honoured in patchOutputs; KubeVela merges auxiliary resources strategically"
                ));
            }
            let outcome = patch::apply(&workload.outputs[index].2, &tree);
            match outcome.result {
                Some(result) => workload.outputs[index].2 = result,
                None => {
                    let mut message = format!(
                        "trait={trait_type}, to={name}, invalid patch trait into auxiliary workload: {}",
                        outcome.warnings.first().cloned().unwrap_or_default()
                    );
                    for w in notes.iter().chain(outcome.warnings.iter().skip(1)) {
                        message.push_str(&format!("\n  note: {w}"));
                    }
                    return Err(RenderError {
                        message,
                        diagnostics: vec![],
                    });
                }
            }
            report.patched_outputs.push(name);
            report.warnings.extend(notes);
            report.warnings.extend(outcome.warnings);
            report.matches.extend(outcome.matches);
        }
    }
    Ok(report)
}

/// Permanent errors anywhere under a vertex (not incomplete values).
fn permanent_errors(evaluation: &mut Evaluation, root: VId) -> Vec<Rc<EvalError>> {
    let ev = &mut evaluation.evaluator;
    let mut out = Vec::new();
    let mut stack = vec![root];
    let mut seen = 0;
    while let Some(v) = stack.pop() {
        seen += 1;
        if seen > 200_000 || ev.exhausted() {
            break;
        }
        ev.finalize(v);
        let v = ev.deref(v);
        if let Value::Bottom(e) = ev.value(v).clone() {
            if matches!(
                e.kind,
                ErrorKind::Eval | ErrorKind::StructuralCycle | ErrorKind::Budget
            ) {
                let e = if e.vertex.is_none() {
                    Rc::new(EvalError {
                        vertex: Some(v),
                        ..(*e).clone()
                    })
                } else {
                    e
                };
                out.push(e);
            }
            continue;
        }
        for (f, arc) in ev.arcs(v).collect::<Vec<_>>() {
            if f.kind() == LabelKind::Let
                || ev.vertex(arc).field_kind == xdef_cue::ir::FieldKind::Optional
            {
                continue;
            }
            stack.push(arc);
        }
    }
    out
}

/// One step of a path under `parameter`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamSeg {
    Field(String),
    Index(usize),
}

/// A problem of the properties given to a definition, found by [`check_parameter`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterProblem {
    /// Where, under `parameter` (empty: `parameter` itself).
    pub path: Vec<ParamSeg>,
    /// CUE's text, with its path (`parameter.replicas: conflicting values "2" and int`).
    pub message: String,
    /// A required parameter left without a value (an incomplete value), rather than a
    /// conflict.
    pub missing: bool,
    /// Where in the definition's file the constraint is written, when known.
    pub declared_at: Option<usize>,
}

/// What [`check_parameter`] found.
#[derive(Clone, Debug, Default)]
pub struct ParameterCheck {
    pub problems: Vec<ParameterProblem>,
    /// The `apiVersion` and `kind` of the template's `output`, when they are concrete.
    pub output_kind: Option<(String, String)>,
    /// The template does not compile (its own check says why): nothing was checked.
    pub broken: bool,
}

/// The path of a vertex under the top-level `parameter`, if it is under it.
fn parameter_path(evaluation: &Evaluation, v: VId) -> Option<Vec<ParamSeg>> {
    let ev = &evaluation.evaluator;
    let mut labels = Vec::new();
    let mut current = Some(v);
    let mut guard = 0;
    while let Some(c) = current {
        guard += 1;
        if guard > 10_000 {
            return None;
        }
        let vertex = ev.vertex(c);
        if let Some(l) = vertex.label {
            labels.push(l);
        }
        current = vertex.parent;
    }
    labels.reverse();
    let mut segs = labels.into_iter().map(|l| match l.as_index() {
        Some(i) => ParamSeg::Index(i as usize),
        None => ParamSeg::Field(ev.label_str(l).to_string()),
    });
    match segs.next() {
        Some(ParamSeg::Field(f)) if f == "parameter" => Some(segs.collect()),
        _ => None,
    }
}

/// Checks properties against a definition's `parameter` the way rendering sees them (the
/// template evaluated with the properties and the context injected), without rendering
/// anything: conflicts under `parameter` (wrong types, failed constraints, fields a closed
/// schema does not allow) and required parameters left without a value. For a component,
/// also reads `output.apiVersion`/`output.kind` (for `appliesToWorkloads`).
pub fn check_parameter(
    parse: &xdef_syntax::Parse,
    def: &DefinitionFile,
    input: &RenderInput,
) -> ParameterCheck {
    let mut out = ParameterCheck::default();
    let Some(kind) = def.kind else {
        out.broken = true;
        return out;
    };
    let ctx = context_data(kind, input, None, None);
    let (mut evaluation, assembly) = evaluate(parse, def, kind, input, &ctx);
    if !evaluation.compile_diagnostics().is_empty() {
        out.broken = true;
        return out;
    }
    let Some(param) = evaluation.lookup("parameter") else {
        return out;
    };
    // Where the error arises, else where the field is declared in the template.
    let declared_at = |evaluation: &Evaluation, e: &EvalError| -> Option<usize> {
        let d = evaluation.diagnostic(e);
        let from_span = d
            .span
            .filter(|s| s.file.0 == 0)
            .and_then(|s| assembly.original(s.range.start));
        from_span.or_else(|| {
            let ev = &evaluation.evaluator;
            let v = ev.deref(e.vertex?);
            ev.vertex(v)
                .origins
                .iter()
                .filter(|o| o.span.file.0 == 0)
                .find_map(|o| assembly.original(o.span.range.start))
        })
    };
    let mut seen: Vec<Vec<ParamSeg>> = Vec::new();
    for e in permanent_errors(&mut evaluation, param) {
        let path = e
            .vertex
            .and_then(|v| parameter_path(&evaluation, v))
            .unwrap_or_default();
        out.problems.push(ParameterProblem {
            message: evaluation.diagnostic(&e).text(),
            missing: false,
            declared_at: declared_at(&evaluation, &e),
            path: path.clone(),
        });
        seen.push(path);
    }
    if let Err(errors) = xdef_cue::export::export_data(&mut evaluation.evaluator, param, &lenient())
    {
        for e in errors {
            if e.kind != ErrorKind::Incomplete {
                continue;
            }
            let path = e
                .vertex
                .and_then(|v| parameter_path(&evaluation, v))
                .unwrap_or_default();
            // Under a value already in conflict: that conflict is the problem.
            if seen.iter().any(|s| path.starts_with(s)) {
                continue;
            }
            out.problems.push(ParameterProblem {
                message: evaluation.diagnostic(&e).text(),
                missing: true,
                declared_at: declared_at(&evaluation, &e),
                path: path.clone(),
            });
            seen.push(path);
        }
    }
    if matches!(kind, DefinitionKind::Component | DefinitionKind::Workload) {
        let mut concrete = |name: &str| -> Option<String> {
            let v = evaluation.lookup(name)?;
            match xdef_cue::export::export_data(&mut evaluation.evaluator, v, &lenient()) {
                Ok(Data::Str(s)) => Some(s.to_string()),
                _ => None,
            }
        };
        if let (Some(api), Some(k)) = (concrete("output.apiVersion"), concrete("output.kind")) {
            out.output_kind = Some((api, k));
        }
    }
    out
}

/// The CUE program KubeVela itself compiles for a render (`workloadDef.Complete`): the
/// imports and template body, `context: _` and `parameter: _`, then the parameters and
/// the context as JSON. No xdef schema is added, so any CUE evaluator can run it (used to
/// compare xdef with the reference CUE on real definitions).
pub fn kubevela_program(
    parse: &xdef_syntax::Parse,
    def: &DefinitionFile,
    input: &RenderInput,
    workload: Option<&Workload>,
    component_type: Option<&str>,
) -> Option<String> {
    let kind = def.kind?;
    let text = parse.text();
    let mut out = String::new();
    for (import, _) in def.imports_text(text) {
        out.push_str(import);
        out.push('\n');
    }
    out.push_str(&text[def.template_body.clone()?]);
    out.push_str("\ncontext: _\nparameter: _\n");
    out.push_str(&format!(
        "parameter: {}\n",
        encode::to_json(&input.parameter, None)
    ));
    let ctx = context_data(kind, input, workload, component_type);
    out.push_str(&format!("context: {}\n", encode::to_json(&ctx, None)));
    Some(out)
}
