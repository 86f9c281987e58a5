//! The evaluation tier: every problem of a file with positions, plus the evaluated value
//! of each field for hover. Definition files get `xdef_vela::check::check_definition`
//! (the authority on what is reported); plain CUE files the plain check `xdef check` does
//! ([`check_file`] is shared with the command line).
//!
//! Adapter note: `check_definition` reports one position per problem. To give
//! `relatedInformation` (the other side of a conflict) and values for hover, the template
//! is evaluated once more here as the check assembles it, and its errors are matched to
//! the check's by position and text. (API request for the lead: carry related spans and a
//! values-by-position table in `CheckResult`, which would make this second evaluation
//! unnecessary.)

use std::ops::Range;
use std::rc::Rc;

use xdef_cue::eval::ErrorKind;
use xdef_cue::label::LabelKind;
use xdef_cue::{Budget, EvalError, Evaluation, NoPackages, PackageLoader, SourceFile, Value};
use xdef_vela::check::{CheckOptions, check_definition};

use super::document::{Diag, Severity};

/// What the evaluation tier found in one version of a file.
#[derive(Debug, Default)]
pub struct CheckOutput {
    pub diagnostics: Vec<Diag>,
    pub values: Vec<(Range<usize>, String)>,
    pub budget_exhausted: bool,
    /// A YAML document that does not parse (its syntax error is among the diagnostics).
    pub yaml_invalid: bool,
}

const MAX_VALUES: usize = 20_000;
const MAX_VALUE_LEN: usize = 400;

fn budget(steps: u64) -> Budget {
    Budget {
        max_steps: steps,
        ..Budget::default()
    }
}

/// Diagnostics of one file as `xdef check` reports them: a definition check, or a plain
/// CUE check (parse, compile, evaluate).
pub fn check_file(parse: &xdef_syntax::Parse, max_steps: u64) -> Vec<xdef_vela::Diagnostic> {
    if xdef_vela::definition::looks_like_definition(parse) {
        return check_definition(
            parse,
            &CheckOptions {
                budget: budget(max_steps),
            },
        )
        .diagnostics;
    }
    plain_check(parse, max_steps)
        .diagnostics
        .into_iter()
        .map(|d| xdef_vela::Diagnostic {
            severity: match d.severity {
                Severity::Error => xdef_vela::Severity::Error,
                _ => xdef_vela::Severity::Warning,
            },
            range: d.range.start..d.range.start,
            message: d.message,
            path: d.path,
        })
        .collect()
}

/// The evaluation tier of a CUE document. A file of a KubeVela addon (`template.cue`,
/// `parameter.cue`, `resources/**`) gets the problems of the addon's package, its other
/// files read from disk, as `xdef check` reports them; its values for hover still come
/// from the file alone.
pub fn check_document(text: &str, path: Option<&std::path::Path>, max_steps: u64) -> CheckOutput {
    let parse = xdef_syntax::parse(text.to_owned());
    let mut out = check_parse(&parse, max_steps);
    if let Some(diagnostics) = path.and_then(|p| addon_diagnostics(&parse, p, max_steps)) {
        out.diagnostics = diagnostics;
    }
    for d in &mut out.diagnostics {
        if d.range.is_empty() {
            d.range = widen(&parse, d.range.start);
        }
    }
    out.diagnostics.sort_by(|a, b| {
        (a.range.start, a.range.end, &a.message).cmp(&(b.range.start, b.range.end, &b.message))
    });
    out.diagnostics
        .dedup_by(|a, b| a.range == b.range && a.message == b.message);
    out
}

/// The diagnostics of the addon file at `path` (`parse` is its editor text), or None when
/// it is not part of an addon.
fn addon_diagnostics(
    parse: &xdef_syntax::Parse,
    path: &std::path::Path,
    max_steps: u64,
) -> Option<Vec<Diag>> {
    let root = xdef_vela::addon::addon_root(path, &|p| p.is_file())?;
    let addon = crate::cli::read_addon(&root, Some((path, parse))).ok()?;
    let me = addon.files.iter().position(|f| f.path == path)?;
    Some(
        crate::cli::check_addon(&addon, max_steps)
            .into_iter()
            .filter(|(file, _)| *file == me)
            .map(|(_, d)| from_vela(&d))
            .collect(),
    )
}

/// A position reported without extent becomes the expression that starts there
/// (`context.nmae`, `80`), on one line, so that editors can underline it.
fn widen(parse: &xdef_syntax::Parse, start: usize) -> Range<usize> {
    let text = parse.text();
    let root = parse.tree().root_node();
    let Some(mut node) = root.named_descendant_for_byte_range(start, start) else {
        return start..start;
    };
    if node.start_byte() != start {
        return start..start;
    }
    while let Some(p) = node.parent() {
        if p.start_byte() != start
            || !matches!(
                p.kind(),
                "selector_expression"
                    | "index_expression"
                    | "call_expression"
                    | "postfix_expression"
            )
        {
            break;
        }
        node = p;
    }
    let end = node.end_byte().max(start);
    let line_end = text[start..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| start + i);
    start..end.min(line_end)
}

pub fn check_parse(parse: &xdef_syntax::Parse, max_steps: u64) -> CheckOutput {
    if !xdef_vela::definition::looks_like_definition(parse) {
        return plain_check(parse, max_steps);
    }
    let result = check_definition(
        parse,
        &CheckOptions {
            budget: budget(max_steps),
        },
    );
    let mut out = CheckOutput {
        diagnostics: result.diagnostics.iter().map(from_vela).collect(),
        ..Default::default()
    };
    out.budget_exhausted = result
        .diagnostics
        .iter()
        .any(|d| d.message.starts_with("evaluation budget exceeded"));
    let def = &result.definition;
    let syntax_ok = !parse.tree().root_node().has_error();
    if let (true, Some(kind), Some(_)) = (syntax_ok, def.kind, &def.template_body) {
        if out.budget_exhausted {
            return out;
        }
        let assembly = xdef_vela::check::assemble(parse, def, kind, "");
        let mut evaluation =
            xdef_vela::check::evaluate_template(assembly.text.clone(), kind, budget(max_steps));
        let template_start = def.template_range.as_ref().map_or(0, |r| r.start);
        let map = |offset: usize| assembly.original(offset);
        let walked = walk(&mut evaluation, &map, template_start);
        attach_related(&mut out.diagnostics, &walked.errors);
        out.values = walked.values;
    }
    out
}

fn from_vela(d: &xdef_vela::Diagnostic) -> Diag {
    Diag {
        range: d.range.clone(),
        severity: match d.severity {
            xdef_vela::Severity::Error => Severity::Error,
            xdef_vela::Severity::Warning => Severity::Warning,
        },
        message: d.message.clone(),
        path: d.path.clone(),
        related: Vec::new(),
        elsewhere: Vec::new(),
    }
}

/// An error found by walking an evaluation: position, text, CUE path, related positions.
type WalkedError = (usize, String, String, Vec<(Range<usize>, String)>);

/// What walking an evaluation found.
struct Walked {
    errors: Vec<WalkedError>,
    values: Vec<(Range<usize>, String)>,
}

fn walk(
    evaluation: &mut Evaluation,
    map: &dyn Fn(usize) -> Option<usize>,
    fallback: usize,
) -> Walked {
    let mut walked = Walked {
        errors: Vec::new(),
        values: Vec::new(),
    };
    let root = evaluation.root();
    let mut stack = vec![(root, 0u32)];
    let mut visited = 0usize;
    let mut seen_values = std::collections::HashSet::new();
    while let Some((v, depth)) = stack.pop() {
        visited += 1;
        let ev = &mut evaluation.evaluator;
        if visited > 200_000 || depth > ev.budget.max_depth || ev.exhausted() {
            break;
        }
        ev.finalize(v);
        let v = ev.deref(v);
        let value = ev.value(v).clone();
        // The value of each field declared in the file, for hover.
        if !matches!(value, Value::Struct) && walked.values.len() < MAX_VALUES {
            let spans: Vec<Range<usize>> = ev
                .vertex(v)
                .origins
                .iter()
                .filter(|o| o.span.file.0 == 0)
                .filter_map(|o| Some(map(o.span.range.start)?..map(o.span.range.end)?))
                .collect();
            if !spans.is_empty() {
                let mut printed = xdef_cue::print::print_vertex(ev, v, false);
                if printed.len() > MAX_VALUE_LEN {
                    let cut = xdef_syntax::line_index::floor_char_boundary(&printed, MAX_VALUE_LEN);
                    printed.truncate(cut);
                    printed.push_str(" …");
                }
                for s in spans {
                    if seen_values.insert(s.start) {
                        walked.values.push((s, printed.clone()));
                    }
                }
            }
        }
        match value {
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
                    let d = evaluation.diagnostic(&e);
                    let at = d
                        .span
                        .as_ref()
                        .filter(|s| s.file.0 == 0)
                        .and_then(|s| map(s.range.start))
                        .unwrap_or(fallback);
                    let related = d
                        .related
                        .iter()
                        .filter(|(s, _)| s.file.0 == 0)
                        .filter_map(|(s, note)| {
                            Some((map(s.range.start)?..map(s.range.end)?, note.clone()))
                        })
                        .collect();
                    walked.errors.push((at, d.text(), d.path.clone(), related));
                }
                continue;
            }
            Value::Disjunction(_) => continue,
            _ => {}
        }
        let ev = &evaluation.evaluator;
        let arcs: Vec<_> = ev.arcs(v).collect();
        for (f, arc) in arcs {
            if f.kind() == LabelKind::Let {
                continue;
            }
            stack.push((arc, depth + 1));
        }
    }
    walked.values.sort_by_key(|(r, _)| r.start);
    walked
}

fn attach_related(diags: &mut [Diag], errors: &[WalkedError]) {
    for d in diags.iter_mut() {
        if let Some((_, _, _, related)) = errors
            .iter()
            .find(|(at, text, _, _)| *at == d.range.start && *text == d.message)
        {
            d.related = related
                .iter()
                .filter(|(r, _)| r.start != d.range.start)
                .cloned()
                .collect();
        }
    }
}

/// A plain CUE file: syntax errors, else compile errors and evaluation errors.
fn plain_check(parse: &xdef_syntax::Parse, max_steps: u64) -> CheckOutput {
    let mut out = CheckOutput::default();
    out.diagnostics = parse
        .errors()
        .into_iter()
        .map(|e| Diag {
            range: e.range,
            severity: Severity::Error,
            message: e.message,
            path: String::new(),
            related: Vec::new(),
            elsewhere: Vec::new(),
        })
        .collect();
    if !out.diagnostics.is_empty() {
        return out;
    }
    let loader: &dyn PackageLoader = &NoPackages;
    let mut evaluation = Evaluation::from_files(
        vec![SourceFile {
            name: "file.cue".into(),
            parse: xdef_syntax::parse(parse.text().to_owned()),
        }],
        loader,
        budget(max_steps),
    );
    for d in evaluation.compile_diagnostics() {
        let at = d.span.as_ref().map_or(0, |s| s.range.start);
        let end = d.span.as_ref().map_or(at, |s| s.range.end);
        out.diagnostics.push(Diag {
            range: at..end,
            severity: Severity::Error,
            message: d.text(),
            path: d.path.clone(),
            related: Vec::new(),
            elsewhere: Vec::new(),
        });
    }
    let root = evaluation.root();
    evaluation.evaluator.finalize_deep(root);
    let walked = walk(&mut evaluation, &|o| Some(o), 0);
    for (at, text, path, related) in walked.errors {
        out.diagnostics.push(Diag {
            range: at..at,
            severity: Severity::Error,
            message: text,
            path,
            related,
            elsewhere: Vec::new(),
        });
    }
    if evaluation.budget_exhausted() {
        out.budget_exhausted = true;
        out.diagnostics.push(Diag {
            range: 0..0,
            severity: Severity::Error,
            message: "evaluation budget exceeded (the file may recurse or expand without bound)"
                .into(),
            path: String::new(),
            related: Vec::new(),
            elsewhere: Vec::new(),
        });
    }
    out.values = walked.values;
    out.diagnostics.sort_by_key(|d| d.range.start);
    xdef_vela::check::dedup_by_cause(&mut out.diagnostics, |d| {
        (
            d.range.start,
            d.severity == Severity::Error,
            &d.message,
            &d.path,
        )
    });
    out
}
