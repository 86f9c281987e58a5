//! Checking a definition file: syntax, header and attributes, then the template evaluated
//! the way KubeVela compiles it (imports + template body + `context` and `parameter`), with
//! the typed `context` of its type and the `vela/*` packages of its compiler. Only
//! permanent errors are reported — a template without parameters is naturally incomplete —
//! and references to undeclared `parameter.*` and `context.*` fields are flagged where they
//! are written.

use std::rc::Rc;

use xdef_cue::eval::ErrorKind;
use xdef_cue::label::LabelKind;
use xdef_cue::{Budget, EvalError, Evaluation, VId, Value};
use xdef_syntax::ast::{self, AstNode, Decl, Expr, FieldValue, LabelName};

use crate::assembly::Assembly;
use crate::definition::{DefinitionFile, DefinitionKind, read_definition};
use crate::packages::VelaPackages;
use crate::{Diagnostic, Severity, context};

#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    pub budget: Budget,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            budget: Budget {
                max_steps: 2_000_000,
                ..Budget::default()
            },
        }
    }
}

pub struct CheckResult {
    pub definition: DefinitionFile,
    pub diagnostics: Vec<Diagnostic>,
}

/// Every problem of a definition file, sorted by position.
pub fn check_definition(parse: &xdef_syntax::Parse, options: &CheckOptions) -> CheckResult {
    let mut diagnostics: Vec<Diagnostic> = parse
        .errors()
        .into_iter()
        .map(|e| Diagnostic::error(e.range, e.message))
        .collect();
    let definition = read_definition(parse);
    if !diagnostics.is_empty() {
        // A template with syntax errors would only add noise.
        return CheckResult {
            definition,
            diagnostics,
        };
    }
    diagnostics.extend(definition.diagnostics.iter().cloned());
    if let (Some(kind), Some(_)) = (definition.kind, &definition.template_body) {
        let evaluated = check_template(parse, &definition, kind, options);
        let mut references = check_references(parse, &definition, kind);
        references.extend(check_package_members(parse, &definition, kind));
        // A misspelt `context.x` / `parameter.x` also fails evaluation at the selector;
        // the reference diagnostic says it better (with a suggestion), so it wins.
        diagnostics.extend(evaluated.into_iter().filter(|d| {
            !references.iter().any(|r| {
                r.selector_start == d.range.start
                    || r.hides_reference.as_ref().is_some_and(|local| {
                        d.message
                            .ends_with(&format!("reference \"{local}\" not found"))
                    })
            })
        }));
        diagnostics.extend(references.into_iter().map(|r| r.diagnostic));
    }
    diagnostics.sort_by(|a, b| {
        (a.range.start, a.severity, &a.message).cmp(&(b.range.start, b.severity, &b.message))
    });
    dedup_same_cause(&mut diagnostics);
    CheckResult {
        definition,
        diagnostics,
    }
}

/// One mistake often fails several values: an error in `parameter.image` reappears in
/// every field that refers to it, and an unresolved reference is both a compile and an
/// evaluation error. Diagnostics at the same position with the same message (ignoring
/// the path prefix) are one problem; the one with the shortest non-empty path stays —
/// usually where the mistake was written.
fn dedup_same_cause(diagnostics: &mut Vec<Diagnostic>) {
    fn bare(d: &Diagnostic) -> &str {
        if d.path.is_empty() {
            return &d.message;
        }
        d.message
            .strip_prefix(d.path.as_str())
            .and_then(|m| m.strip_prefix(": "))
            .unwrap_or(&d.message)
    }
    fn rank(d: &Diagnostic) -> (bool, usize) {
        (d.path.is_empty(), d.path.len())
    }
    let mut kept: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    for d in diagnostics.drain(..) {
        if let Some(same) = kept
            .iter_mut()
            .find(|k| k.range == d.range && k.severity == d.severity && bare(k) == bare(&d))
        {
            if rank(&d) < rank(same) {
                *same = d;
            }
            continue;
        }
        kept.push(d);
    }
    *diagnostics = kept;
}

/// The program KubeVela compiles for this template: imports, the template body, the
/// `context` schema. `parameter` is the template's own.
pub fn assemble(
    parse: &xdef_syntax::Parse,
    definition: &DefinitionFile,
    kind: DefinitionKind,
    injected: &str,
) -> Assembly {
    let text = parse.text();
    let mut assembly = Assembly::new();
    for (import, start) in definition.imports_text(text) {
        assembly.push_mapped(import, start);
        assembly.push_virtual("\n");
    }
    if let Some(body) = &definition.template_body {
        assembly.push_mapped(&text[body.clone()], body.start);
    }
    assembly.push_virtual("\n");
    assembly.push_virtual(&context::schema_cue(kind));
    assembly.push_virtual(&format!("context: {}\n", context::SCHEMA_NAME));
    assembly.push_virtual(injected);
    assembly
}

fn check_template(
    parse: &xdef_syntax::Parse,
    definition: &DefinitionFile,
    kind: DefinitionKind,
    options: &CheckOptions,
) -> Vec<Diagnostic> {
    let assembly = assemble(parse, definition, kind, "");
    let template_start = definition.template_range.as_ref().map_or(0, |r| r.start);
    let mut evaluation = Evaluation::from_sources(
        vec![("template.cue".into(), assembly.text.clone())],
        &VelaPackages {
            set: kind.package_set(),
        },
        options.budget,
    );
    let mut out = Vec::new();
    let map = |span: Option<&xdef_cue::ir::Span>| -> usize {
        span.and_then(|s| {
            if s.file.0 == 0 {
                assembly.original(s.range.start)
            } else {
                None
            }
        })
        .unwrap_or(template_start)
    };
    for d in evaluation.compile_diagnostics() {
        let at = map(d.span.as_ref());
        let in_package = d.span.as_ref().is_some_and(|s| s.file.0 != 0);
        let message = if in_package {
            format!("in an imported package: {}", d.message)
        } else {
            d.message.clone()
        };
        out.push(Diagnostic {
            severity: Severity::Error,
            range: at..at,
            message,
            path: d.path.clone(),
        });
    }
    let root = evaluation.root();
    let mut errors: Vec<Rc<EvalError>> = Vec::new();
    collect_errors(&mut evaluation, root, &mut errors);
    for e in errors {
        let d = evaluation.diagnostic(&e);
        if d.path == "context"
            || d.path.starts_with("context.")
            || d.path.starts_with(context::SCHEMA_NAME)
        {
            continue;
        }
        let at = map(d.span.as_ref());
        out.push(Diagnostic {
            severity: Severity::Error,
            range: at..at,
            message: d.text(),
            path: d.path,
        });
    }
    if evaluation.budget_exhausted() {
        out.push(Diagnostic::error(
            template_start..template_start,
            "evaluation budget exceeded while checking the template (it may recurse or expand without bound)",
        ));
    }
    out
}

/// Permanent errors anywhere in the evaluated template (incomplete values are expected
/// without parameters).
fn collect_errors(evaluation: &mut Evaluation, root: VId, out: &mut Vec<Rc<EvalError>>) {
    let ev = &mut evaluation.evaluator;
    let mut stack = vec![(root, 0u32)];
    let mut visited = 0usize;
    while let Some((v, depth)) = stack.pop() {
        visited += 1;
        if visited > 200_000 || depth > ev.budget.max_depth || ev.exhausted() {
            return;
        }
        ev.finalize(v);
        let v = ev.deref(v);
        match ev.value(v).clone() {
            Value::Bottom(e) => {
                if matches!(e.kind, ErrorKind::Eval | ErrorKind::StructuralCycle) {
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
            Value::Disjunction(_) => continue,
            _ => {}
        }
        let arcs: Vec<_> = ev.arcs(v).collect();
        for (f, arc) in arcs {
            if f.kind() == LabelKind::Let {
                continue;
            }
            stack.push((arc, depth + 1));
        }
    }
}

/// `parameter.x` and `context.x` where `x` is not declared (the typo that otherwise
/// surfaces only at deploy time, or never inside `if parameter.x != _|_`).
/// A diagnostic of [`check_references`] with where its selector expression starts.
struct ReferenceDiagnostic {
    diagnostic: Diagnostic,
    selector_start: usize,
    /// An import reported as unusable: the evaluator's `reference "<name>" not found` at
    /// each use says nothing more.
    hides_reference: Option<String>,
}

fn check_references(
    parse: &xdef_syntax::Parse,
    definition: &DefinitionFile,
    kind: DefinitionKind,
) -> Vec<ReferenceDiagnostic> {
    let mut out = Vec::new();
    let Some(body) = &definition.template_body else {
        return out;
    };
    let root = parse.root();
    // The template's declarations and the node to search: the file itself for a bare
    // template, else the struct of `template: {...}`.
    let (template_decls, template_node): (Vec<Decl<'_>>, _) = if definition.bare {
        (root.decls().collect(), root.syntax())
    } else {
        let Some(template) = root.decls().find_map(|d| match d {
            Decl::Field(f) if f.range().start <= body.start && f.range().end >= body.end => Some(f),
            _ => None,
        }) else {
            return out;
        };
        let Some(FieldValue::Expr(Expr::Struct(template_struct))) = template.value() else {
            return out;
        };
        (template_struct.decls().collect(), template_struct.syntax())
    };
    // The parameter schema's top-level fields (all `parameter:` declarations in the template).
    let mut parameter_fields: Option<Vec<String>> = None;
    let mut parameter_open = false;
    for decl in template_decls.iter().copied() {
        let Decl::Field(f) = decl else { continue };
        if label_name(f).as_deref() != Some("parameter") {
            continue;
        }
        let fields = parameter_fields.get_or_insert_with(Vec::new);
        match f.value() {
            Some(FieldValue::Expr(Expr::Struct(s))) => {
                for d in s.decls() {
                    match d {
                        Decl::Field(pf) => {
                            if let Some(n) = label_name(pf) {
                                fields.push(n);
                            } else {
                                parameter_open = true;
                            }
                        }
                        Decl::Ellipsis(_) | Decl::Embedding(_) | Decl::Comprehension(_) => {
                            parameter_open = true
                        }
                        _ => {}
                    }
                }
            }
            Some(FieldValue::Field(inner)) => {
                if let Some(n) = label_name(inner) {
                    fields.push(n);
                }
            }
            _ => parameter_open = true,
        }
    }
    let context_fields: Vec<&str> = context::fields(kind).iter().map(|f| f.name).collect();
    let mut stack = vec![template_node];
    while let Some(node) = stack.pop() {
        if let Some(sel) = node.cast::<ast::SelectorExpr>() {
            if let (Some(Expr::Ident(base)), Some(name)) = (sel.operand(), sel.selector()) {
                let field = name.text().trim_matches('"').to_owned();
                if base.name() == "context"
                    && !context_fields.contains(&field.as_str())
                    && !declared_in_template(&template_decls, "context")
                {
                    let hint = crate::schema::did_you_mean(&field, &context_fields)
                        .map(|s| format!(" (did you mean `context.{s}`?)"))
                        .unwrap_or_default();
                    out.push(ReferenceDiagnostic {
                        selector_start: sel.range().start,
                        diagnostic: Diagnostic {
                            severity: Severity::Error,
                            range: name.range(),
                            message: format!("context.{field} does not exist in the context of a {} definition{hint}", kind.type_name()),
                            path: format!("context.{field}"),
                        },
                        hides_reference: None,
                    });
                }
                if base.name() == "parameter" && !parameter_open {
                    if let Some(fields) = &parameter_fields {
                        if !fields.contains(&field) {
                            let names: Vec<&str> = fields.iter().map(String::as_str).collect();
                            let hint = crate::schema::did_you_mean(&field, &names)
                                .map(|s| format!(" (did you mean `parameter.{s}`?)"))
                                .unwrap_or_default();
                            out.push(ReferenceDiagnostic {
                                selector_start: sel.range().start,
                                diagnostic: Diagnostic {
                                    severity: Severity::Error,
                                    range: name.range(),
                                    message: format!(
                                        "parameter.{field} is not declared in `parameter`{hint}"
                                    ),
                                    path: format!("parameter.{field}"),
                                },
                                hides_reference: None,
                            });
                        }
                    }
                }
            }
        }
        stack.extend(node.children());
    }
    out
}

/// `vela/*` imports and their members: paths and members KubeVela removed (with what to
/// use instead), packages of the other definition type's set, and members that do not
/// exist (with "did you mean"). The evaluator only sees an undefined field; this says why.
fn check_package_members(
    parse: &xdef_syntax::Parse,
    definition: &DefinitionFile,
    kind: DefinitionKind,
) -> Vec<ReferenceDiagnostic> {
    use crate::packages::{PackageSet, available, members, removed};
    let mut out = Vec::new();
    let set = kind.package_set();
    let here = available(set);
    let root = parse.root();
    // (local name, import path, members)
    let mut imported: Vec<(String, String, Vec<String>)> = Vec::new();
    for spec in root
        .import_decls()
        .flat_map(|d| d.specs().collect::<Vec<_>>())
    {
        let Some(path_lit) = spec.path() else {
            continue;
        };
        let (decoded, _) = xdef_syntax::literal::decode_string(path_lit);
        let Some(path) = decoded.constant().and_then(|b| String::from_utf8(b).ok()) else {
            continue;
        };
        if !path.starts_with("vela/") {
            continue;
        }
        let at = path_lit.range();
        let local = match spec.name() {
            Some(n) => n.text().to_owned(),
            None => default_import_name(&path).to_owned(),
        };
        let mut report = |message: String| {
            out.push(ReferenceDiagnostic {
                selector_start: at.start,
                diagnostic: Diagnostic {
                    severity: Severity::Error,
                    range: at.clone(),
                    message,
                    path: String::new(),
                },
                hides_reference: Some(local.clone()),
            })
        };
        if let Some(why) = removed(&path, "") {
            report(why.to_owned());
            continue;
        }
        if !here.contains(&path.as_str()) {
            let other = match set {
                PackageSet::Workflow => PackageSet::Workload,
                PackageSet::Workload => PackageSet::Workflow,
            };
            if available(other).contains(&path.as_str()) {
                let users = match other {
                    PackageSet::Workflow => "workflow-step definitions",
                    PackageSet::Workload => "component, trait and policy definitions",
                };
                report(format!(
                    "package \"{path}\" is only available to {users}, not to a {} definition",
                    kind.type_name()
                ));
            } else {
                let hint = crate::schema::did_you_mean(&path, &here)
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default();
                report(format!(
                    "cannot find package \"{path}\": KubeVela has no such package{hint}"
                ));
            }
            continue;
        }
        imported.push((local, path.clone(), members(set, &path)));
    }
    if imported.is_empty() {
        return out;
    }
    let Some(body) = &definition.template_body else {
        return out;
    };
    let mut stack = vec![root.syntax()];
    while let Some(node) = stack.pop() {
        if node.range().end <= body.start || node.range().start >= body.end {
            if node.range().start >= body.end || node.range().end <= body.start {
                // Outside the template (the header, the imports).
                if !(node.range().start <= body.start && node.range().end >= body.end) {
                    continue;
                }
            }
        }
        if let Some(sel) = node.cast::<ast::SelectorExpr>() {
            if let (Some(Expr::Ident(base)), Some(name)) = (sel.operand(), sel.selector()) {
                if let Some((local, path, names)) =
                    imported.iter().find(|(l, _, _)| l == base.name())
                {
                    let member = name.text().to_owned();
                    if !names.contains(&member) {
                        let message = match removed(path, &member) {
                            Some(why) => why.to_owned(),
                            None => {
                                let candidates: Vec<&str> =
                                    names.iter().map(String::as_str).collect();
                                let hint = crate::schema::did_you_mean(&member, &candidates)
                                    .map(|s| format!(" (did you mean `{local}.{s}`?)"))
                                    .unwrap_or_default();
                                format!("package \"{path}\" has no member {member}{hint}")
                            }
                        };
                        out.push(ReferenceDiagnostic {
                            selector_start: sel.range().start,
                            diagnostic: Diagnostic {
                                severity: Severity::Error,
                                range: name.range(),
                                message,
                                path: format!("{local}.{member}"),
                            },
                            hides_reference: None,
                        });
                    }
                }
            }
        }
        stack.extend(node.children());
    }
    out
}

/// The name an import is used by without an explicit one: the last path element, before a
/// major-version element (`vela/op/v1` is `op`).
fn default_import_name(path: &str) -> &str {
    let path = path.split(':').next().unwrap_or(path);
    let mut parts = path.rsplit('/');
    let last = parts.next().unwrap_or(path);
    let is_version =
        last.len() > 1 && last.starts_with('v') && last[1..].bytes().all(|b| b.is_ascii_digit());
    match (is_version, parts.next()) {
        (true, Some(previous)) => previous,
        _ => last,
    }
}

fn label_name(field: ast::Field<'_>) -> Option<String> {
    match field.label()?.name()? {
        LabelName::Ident(i) => Some(i.name().to_owned()),
        LabelName::String(s) => {
            let (d, _) = xdef_syntax::literal::decode_string(s);
            d.constant()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        }
        _ => None,
    }
}

/// Whether the template declares the top-level field itself (then it is not KubeVela's).
fn declared_in_template(template: &[Decl<'_>], name: &str) -> bool {
    template
        .iter()
        .any(|d| matches!(d, Decl::Field(f) if label_name(*f).as_deref() == Some(name)))
}
