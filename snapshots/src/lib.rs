//! The golden corpus harness: each directory `cases/<group>/<case>/` holds a component
//! definition, optional traits and their inputs, and `case.yaml` (what the case is about
//! and, where KubeVela's answer is known, KubeVela's expected result). [`run`] renders the
//! case in KubeVela's order (component, then each trait in file order, each seeing the
//! growing `context.output`/`context.outputs`) and returns the text the snapshot test
//! records, after checking the result against the expectation.
//!
//! Layout of a case (see README.md):
//!
//! ```text
//! case.yaml              description, rule, upstream test, expect: {output, outputs, error}
//! component.cue          the component definition
//! params.yaml            its parameters (optional, default {})
//! context.yaml           context fields (optional): name, appName, namespace, replicaKey, ...
//! traits/NN-<type>.cue   traits, applied in NN order
//! traits/NN-<type>.yaml  their parameters (optional)
//! render.snap            the insta snapshot
//! ```
//!
//! A case whose `.cue` file has a line `// xfail: <reason>` is a known disagreement with
//! KubeVela: the harness requires the result to differ from `expect`, and fails once it
//! matches, so the marker is removed when the bug is fixed.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use xdef_cue::{Data, Evaluation, NoPackages, encode};
use xdef_vela::render::{RenderError, RenderInput, TraitReport, Workload, apply_trait};

/// A case, read from its directory.
#[derive(Debug)]
pub struct Case {
    pub dir: PathBuf,
    pub meta: Meta,
    pub component: Source,
    pub params: Data,
    pub context: Option<Data>,
    pub traits: Vec<TraitInput>,
    pub xfail: Option<String>,
}

/// `case.yaml`.
#[derive(Debug, Default)]
pub struct Meta {
    pub description: String,
    pub rule: String,
    pub upstream: String,
    pub expect: Option<Expect>,
}

/// KubeVela's expected result, as read from its tests (or its code where a test is
/// missing).
#[derive(Debug, Default)]
pub struct Expect {
    pub output: Option<Data>,
    /// Auxiliary resources by name, in the order KubeVela appends them.
    pub outputs: Option<Vec<(Rc<str>, Data)>>,
    /// KubeVela fails; xdef must fail too, with a message containing each of these texts
    /// (none: any message).
    pub error: Option<Vec<String>>,
}

#[derive(Debug)]
pub struct Source {
    /// Relative to the case directory.
    pub rel: String,
    pub text: String,
}

#[derive(Debug)]
pub struct TraitInput {
    pub source: Source,
    /// The type named by the file (`NN-<type>.cue`).
    pub file_type: String,
    pub params: Data,
}

/// What [`run`] returns to the snapshot test.
pub struct Outcome {
    pub snapshot: String,
    pub description: String,
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Decodes YAML through CUE's `encoding/yaml` (the same decoder `cue` uses).
pub fn yaml(text: &str, what: &str) -> Result<Data, String> {
    let mut literal = String::new();
    encode::json_string(&mut literal, text);
    let program = format!("import \"encoding/yaml\"\nx: yaml.Unmarshal({literal})\n");
    let mut e = Evaluation::from_sources(
        vec![("yaml.cue".into(), program)],
        &NoPackages,
        Default::default(),
    );
    let data = e.export_root().map_err(|d| {
        format!(
            "{what}: {}",
            d.first().map(|d| d.text()).unwrap_or_default()
        )
    })?;
    Ok(data.get("x").cloned().unwrap_or(Data::Null))
}

fn optional_yaml(path: &Path) -> Result<Option<Data>, String> {
    if !path.exists() {
        return Ok(None);
    }
    let data = yaml(&read(path)?, &path.display().to_string())?;
    Ok(Some(match data {
        Data::Null => Data::Struct(vec![]),
        d => d,
    }))
}

fn xfail_marker(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("// xfail:")
            .map(|r| r.trim().to_owned())
    })
}

fn string_field(d: &Data, key: &str) -> String {
    d.get(key)
        .and_then(Data::as_str)
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

fn read_meta(dir: &Path) -> Result<Meta, String> {
    let path = dir.join("case.yaml");
    let data = yaml(&read(&path)?, &path.display().to_string())?;
    let Data::Struct(fields) = &data else {
        return Err(format!("{}: expected a mapping", path.display()));
    };
    for (k, _) in fields {
        if !matches!(&**k, "description" | "rule" | "upstream" | "expect") {
            return Err(format!("{}: unknown key `{k}`", path.display()));
        }
    }
    let expect = match data.get("expect") {
        None | Some(Data::Null) => None,
        Some(e) => {
            let Data::Struct(fields) = e else {
                return Err(format!("{}: `expect` must be a mapping", path.display()));
            };
            for (k, _) in fields {
                if !matches!(&**k, "output" | "outputs" | "error") {
                    return Err(format!("{}: unknown key `expect.{k}`", path.display()));
                }
            }
            let outputs = match e.get("outputs") {
                None => None,
                Some(Data::Struct(o)) => Some(o.clone()),
                // The list form allows repeated names: [{name: n, object: {...}}].
                Some(Data::List(items)) => {
                    let mut o = Vec::new();
                    for item in items {
                        match (item.get("name").and_then(Data::as_str), item.get("object")) {
                            (Some(n), Some(obj)) => o.push((Rc::from(n), obj.clone())),
                            _ => {
                                return Err(format!(
                                    "{}: each of `expect.outputs` is {{name, object}}",
                                    path.display()
                                ));
                            }
                        }
                    }
                    Some(o)
                }
                Some(_) => {
                    return Err(format!(
                        "{}: `expect.outputs` maps names to objects (or lists {{name, object}})",
                        path.display()
                    ));
                }
            };
            Some(Expect {
                output: e.get("output").cloned(),
                outputs,
                error: match e.get("error") {
                    None => None,
                    Some(Data::Str(s)) if s.is_empty() => Some(vec![]),
                    Some(Data::Str(s)) => Some(vec![s.to_string()]),
                    Some(Data::List(items)) => Some(
                        items
                            .iter()
                            .filter_map(|d| d.as_str().map(str::to_owned))
                            .collect(),
                    ),
                    Some(Data::Bool(true)) => Some(vec![]),
                    Some(_) => {
                        return Err(format!(
                            "{}: `expect.error` is a text, a list of texts or true",
                            path.display()
                        ));
                    }
                },
            })
        }
    };
    Ok(Meta {
        description: string_field(&data, "description"),
        rule: string_field(&data, "rule"),
        upstream: string_field(&data, "upstream"),
        expect,
    })
}

/// Reads a case directory.
pub fn load(dir: &Path) -> Result<Case, String> {
    let meta = read_meta(dir)?;
    let component = Source {
        rel: "component.cue".into(),
        text: read(&dir.join("component.cue"))?,
    };
    let mut xfail = xfail_marker(&component.text);
    let params = optional_yaml(&dir.join("params.yaml"))?.unwrap_or(Data::Struct(vec![]));
    let context = optional_yaml(&dir.join("context.yaml"))?;
    let mut traits = Vec::new();
    let traits_dir = dir.join("traits");
    if traits_dir.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(&traits_dir)
            .map_err(|e| format!("{}: {e}", traits_dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for f in files {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let Some(stem) = name.strip_suffix(".cue") else {
                if !name.ends_with(".yaml") {
                    return Err(format!("{}: unexpected file", f.display()));
                }
                continue;
            };
            let Some((order, ty)) = stem.split_once('-') else {
                return Err(format!(
                    "{}: trait files are named NN-<type>.cue",
                    f.display()
                ));
            };
            if order.is_empty() || !order.chars().all(|c| c.is_ascii_digit()) {
                return Err(format!(
                    "{}: trait files are named NN-<type>.cue",
                    f.display()
                ));
            }
            let text = read(&f)?;
            if xfail.is_none() {
                xfail = xfail_marker(&text);
            }
            let params = optional_yaml(&traits_dir.join(format!("{stem}.yaml")))?
                .unwrap_or(Data::Struct(vec![]));
            traits.push(TraitInput {
                source: Source {
                    rel: format!("traits/{name}"),
                    text,
                },
                file_type: ty.to_owned(),
                params,
            });
        }
        // Every parameter file belongs to a trait.
        for entry in std::fs::read_dir(&traits_dir).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|e| e == "yaml") && !path.with_extension("cue").exists()
            {
                return Err(format!("{}: no trait file for it", path.display()));
            }
        }
    }
    Ok(Case {
        dir: dir.to_owned(),
        meta,
        component,
        params,
        context,
        traits,
        xfail,
    })
}

/// The result of rendering, kept for the expectation check.
#[derive(Debug)]
pub enum Rendered {
    Ok(Workload),
    Failed { message: String },
}

fn position(source: &Source, parse: &xdef_syntax::Parse, offset: usize) -> String {
    let lc = parse.line_index().line_col(&source.text, offset);
    format!("{}:{lc}", source.rel)
}

fn error_text(source: &Source, parse: &xdef_syntax::Parse, e: &RenderError) -> String {
    let mut out = e.message.clone();
    out.push('\n');
    for d in &e.diagnostics {
        out.push_str(&format!(
            "# at {}: {}\n",
            position(source, parse, d.range.start),
            d.message
        ));
    }
    out
}

fn parse_definition(
    source: &Source,
) -> Result<(xdef_syntax::Parse, xdef_vela::DefinitionFile), String> {
    let parse = xdef_syntax::parse(&source.text);
    let syntax: Vec<String> = parse
        .errors()
        .iter()
        .map(|e| format!("{}: {}", position(source, &parse, e.range.start), e.message))
        .collect();
    if !syntax.is_empty() {
        return Err(format!("syntax errors:\n{}\n", syntax.join("\n")));
    }
    let def = xdef_vela::read_definition(&parse);
    let errors: Vec<String> = def
        .diagnostics
        .iter()
        .filter(|d| d.severity == xdef_vela::Severity::Error)
        .map(|d| format!("{}: {}", position(source, &parse, d.range.start), d.message))
        .collect();
    if !errors.is_empty() {
        return Err(format!("definition errors:\n{}\n", errors.join("\n")));
    }
    Ok((parse, def))
}

fn report_data(t: &TraitInput, trait_type: &str, r: &TraitReport) -> Data {
    let s = |v: &str| Data::Str(Rc::from(v));
    let mut fields: Vec<(Rc<str>, Data)> = vec![
        ("trait".into(), s(trait_type)),
        ("file".into(), s(&t.source.rel)),
        ("patched".into(), Data::Bool(r.patched)),
    ];
    if !r.added_outputs.is_empty() {
        fields.push((
            "addedOutputs".into(),
            Data::List(r.added_outputs.iter().map(|n| s(n)).collect()),
        ));
    }
    if !r.patched_outputs.is_empty() {
        fields.push((
            "patchedOutputs".into(),
            Data::List(r.patched_outputs.iter().map(|n| s(n)).collect()),
        ));
    }
    if !r.matches.is_empty() {
        let matches = r
            .matches
            .iter()
            .map(|m| {
                let mut f: Vec<(Rc<str>, Data)> =
                    vec![("list".into(), s(&m.path)), ("patchKey".into(), s(&m.key))];
                let pairs = m
                    .pairs
                    .iter()
                    .map(|(key, base, patch)| {
                        s(&match base {
                            Some(b) => format!("patch[{patch}] {key} -> base[{b}]"),
                            None => format!("patch[{patch}] {key} -> appended"),
                        })
                    })
                    .collect();
                f.push(("pairs".into(), Data::List(pairs)));
                if !m.dropped.is_empty() {
                    f.push((
                        "dropped".into(),
                        Data::List(
                            m.dropped
                                .iter()
                                .map(|i| s(&format!("patch[{i}]")))
                                .collect(),
                        ),
                    ));
                }
                Data::Struct(f)
            })
            .collect();
        fields.push(("matches".into(), Data::List(matches)));
    }
    if !r.warnings.is_empty() {
        fields.push((
            "warnings".into(),
            Data::List(r.warnings.iter().map(|w| s(w)).collect()),
        ));
    }
    Data::Struct(fields)
}

/// Renders a case: the snapshot text and the result.
pub fn render(case: &Case) -> (String, Rendered) {
    let mut snap = String::new();
    let mut input = RenderInput {
        parameter: case.params.clone(),
        ..RenderInput::default()
    };
    if let Some(ctx) = &case.context {
        if let Some(n) = ctx.get("name").and_then(Data::as_str) {
            input.name = n.to_owned();
        }
        if let Some(n) = ctx.get("appName").and_then(Data::as_str) {
            input.app_name = n.to_owned();
        }
        if let Some(n) = ctx.get("namespace").and_then(Data::as_str) {
            input.namespace = n.to_owned();
        }
        input.context = Some(ctx.clone());
    }
    let fail = |snap: &mut String, header: String, message: String| {
        snap.push_str(&header);
        snap.push_str(&message);
        let first = message.lines().next().unwrap_or_default().to_owned();
        Rendered::Failed {
            message: if message.is_empty() { first } else { message },
        }
    };

    let (parse, def) = match parse_definition(&case.component) {
        Ok(x) => x,
        Err(e) => {
            let r = fail(&mut snap, "# Error in component.cue\n".into(), e);
            return (snap, r);
        }
    };
    let component_type = def.name.clone().unwrap_or_default();
    let mut workload = match xdef_vela::render::render_component(&parse, &def, &input) {
        Ok(w) => w,
        Err(e) => {
            let r = fail(
                &mut snap,
                format!("# Error rendering the component ({component_type})\n"),
                error_text(&case.component, &parse, &e),
            );
            return (snap, r);
        }
    };
    let mut reports = Vec::new();
    for t in &case.traits {
        let (tparse, tdef) = match parse_definition(&t.source) {
            Ok(x) => x,
            Err(e) => {
                let r = fail(&mut snap, format!("# Error in {}\n", t.source.rel), e);
                return (snap, r);
            }
        };
        let trait_type = tdef.name.clone().unwrap_or_default();
        assert_eq!(
            trait_type, t.file_type,
            "{}: the file name must name the trait's type",
            t.source.rel
        );
        let mut tinput = input.clone();
        tinput.parameter = t.params.clone();
        match apply_trait(
            &tparse,
            &tdef,
            &tinput,
            &trait_type,
            &component_type,
            &mut workload,
        ) {
            Ok(report) => reports.push(report_data(t, &trait_type, &report)),
            Err(e) => {
                if !reports.is_empty() {
                    snap.push_str("# Trait reports (before the failure)\n");
                    snap.push_str(&encode::to_yaml(&Data::List(reports)));
                }
                let r = fail(
                    &mut snap,
                    format!(
                        "# Error applying the trait {trait_type} ({})\n",
                        t.source.rel
                    ),
                    error_text(&t.source, &tparse, &e),
                );
                return (snap, r);
            }
        }
    }

    // The layout `vela dry-run` prints (without the labels KubeVela adds).
    snap.push_str(&format!(
        "---\n# Application({}) -- Component({})\n---\n\n",
        input.app_name, input.name
    ));
    match &workload.output {
        Some(o) => snap.push_str(&encode::to_yaml(o)),
        None => snap.push_str("# (no output)\n"),
    }
    snap.push_str("\n---\n");
    for (name, owner, data) in &workload.outputs {
        match owner {
            None => snap.push_str("## From the auxiliary workload\n"),
            Some(t) => snap.push_str(&format!("## From the trait {t}\n")),
        }
        snap.push_str(&format!("# outputs.{name}\n"));
        snap.push_str(&encode::to_yaml(data));
        snap.push_str("\n---\n");
    }
    if !reports.is_empty() {
        snap.push_str("# Trait reports\n");
        snap.push_str(&encode::to_yaml(&Data::List(reports)));
    }
    (snap, Rendered::Ok(workload))
}

fn compare(expect: &Expect, rendered: &Rendered) -> Result<(), String> {
    match (rendered, &expect.error) {
        (Rendered::Failed { message }, Some(want)) => {
            let missing: Vec<_> = want
                .iter()
                .filter(|w| !message.contains(w.as_str()))
                .collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "KubeVela fails and so does xdef, but xdef's message lacks {missing:?}:\n{message}"
                ))
            }
        }
        (Rendered::Failed { message }, None) => Err(format!(
            "KubeVela renders this case but xdef fails:\n{message}"
        )),
        (Rendered::Ok(_), Some(want)) => Err(format!(
            "KubeVela fails here (expected an error containing {want:?}) but xdef renders"
        )),
        (Rendered::Ok(w), None) => {
            let mut problems = Vec::new();
            if let Some(out) = &expect.output {
                match &w.output {
                    Some(got) if got == out => {}
                    Some(got) => problems.push(format!(
                        "output differs from KubeVela's:\n--- KubeVela\n{}--- xdef\n{}",
                        encode::to_yaml(out),
                        encode::to_yaml(got)
                    )),
                    None => problems.push("xdef rendered no output".to_owned()),
                }
            }
            if let Some(outs) = &expect.outputs {
                let got: Vec<_> = w.outputs.iter().map(|(n, _, d)| (n.clone(), d)).collect();
                let names_want: Vec<_> = outs.iter().map(|(n, _)| n.clone()).collect();
                let names_got: Vec<_> = got.iter().map(|(n, _)| n.clone()).collect();
                if names_want != names_got {
                    problems.push(format!(
                        "auxiliary resources differ: KubeVela {names_want:?}, xdef {names_got:?}"
                    ));
                } else {
                    for ((name, want), (_, got)) in outs.iter().zip(&got) {
                        if want != *got {
                            problems.push(format!(
                                "outputs.{name} differs from KubeVela's:\n--- KubeVela\n{}--- xdef\n{}",
                                encode::to_yaml(want),
                                encode::to_yaml(got)
                            ));
                        }
                    }
                }
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(problems.join("\n"))
            }
        }
    }
}

/// Checks the result against KubeVela's expectation, honouring `// xfail:`.
pub fn check(case: &Case, rendered: &Rendered) -> Result<(), String> {
    let Some(expect) = &case.meta.expect else {
        if case.xfail.is_some() {
            return Err("an xfail case needs `expect` (KubeVela's result)".into());
        }
        return Ok(());
    };
    match (compare(expect, rendered), &case.xfail) {
        (Ok(()), None) => Ok(()),
        (Err(e), None) => Err(e),
        (Err(_), Some(_)) => Ok(()),
        (Ok(()), Some(reason)) => Err(format!(
            "this case is marked `// xfail: {reason}` but now agrees with KubeVela: remove the marker"
        )),
    }
}

/// Loads, renders and checks a case; the snapshot text on success.
pub fn run(dir: &Path) -> Result<Outcome, String> {
    let case = load(dir)?;
    let (snapshot, rendered) = render(&case);
    check(&case, &rendered)
        .map_err(|e| format!("{}: {e}\n\nxdef rendered:\n{snapshot}", dir.display()))?;
    let mut description = case.meta.description.clone();
    if let Some(reason) = &case.xfail {
        description.push_str(&format!("\nxfail: {reason}"));
    }
    Ok(Outcome {
        snapshot,
        description,
    })
}

/// Every case directory under `root` (`<group>/<case>`), sorted.
pub fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(groups) = std::fs::read_dir(root) else {
        return out;
    };
    for g in groups.flatten() {
        let Ok(cases) = std::fs::read_dir(g.path()) else {
            continue;
        };
        for c in cases.flatten() {
            if c.path().join("case.yaml").exists() {
                out.push(c.path());
            }
        }
    }
    out.sort();
    out
}

/// The README table: one row per case.
pub fn readme_table(root: &Path) -> Result<String, String> {
    let mut out = String::from(
        "| case | rule | re-expresses (upstream test) | agrees with KubeVela |\n|---|---|---|---|\n",
    );
    for dir in case_dirs(root) {
        let case = load(&dir)?;
        let rel = dir
            .strip_prefix(root)
            .unwrap_or(&dir)
            .to_string_lossy()
            .replace('\\', "/");
        let agrees = match (&case.meta.expect, &case.xfail) {
            (_, Some(reason)) => format!("no (xfail: {reason})"),
            (Some(_), None) => "yes".to_owned(),
            (None, None) => "n/a (xdef only)".to_owned(),
        };
        let cell = |s: &str| {
            if s.is_empty() {
                "—".to_owned()
            } else {
                s.replace('|', "\\|").replace('\n', " ")
            }
        };
        out.push_str(&format!(
            "| [`{rel}`](cases/{rel}) | {} | {} | {agrees} |\n",
            cell(&case.meta.rule),
            cell(&case.meta.upstream)
        ));
    }
    Ok(out)
}
