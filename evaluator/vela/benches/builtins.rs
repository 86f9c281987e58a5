//! In-process timings of KubeVela's built-in definitions.
//!
//! For every component, trait and policy definition in
//! `$XDEF_KUBEVELA_DIR/vela-templates/definitions/internal` (a kubevela/kubevela checkout;
//! nothing of it is in this repository; without it, `examples/definitions`), with the parameters of the first
//! example Application in that checkout that uses the type (`{}` when none does):
//!
//! - `render/<kind>/<name>`: `render_component` (components, policies) or `apply_trait`
//!   (traits, against a Deployment like the one webservice renders): the whole KubeVela
//!   render path, assembly and error grouping included.
//! - `export/<kind>/<name>`: `Evaluation::from_sources` + `export_root` of the program
//!   KubeVela compiles (`kubevela_program`: template + `parameter` + `context`).
//! - `eval/<kind>/<name>`: the same program parsed and compiled once; each iteration is a
//!   fresh `Evaluator` over it and the export: evaluation alone.
//! - `phases/webservice/{parse,syntax-errors,compile,evaluate+export}`: one export split.
//! - `chain/webservice+3traits`: webservice, then the scaler, labels and sidecar traits.
//! - `check/all-definitions`: `check_definition` on every file of
//!   `vela-templates/definitions` (parse included).
//!
//! Without the checkout it falls back to `examples/definitions` and `examples/inputs`.
//!
//! `cargo bench -p xdef-vela --bench builtins [-- FILTER]`; `scripts/bench-criterion-table`
//! prints the medians as a table.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use xdef_cue::{Budget, Data, Evaluation, Evaluator, NoPackages, Program, SourceFile};
use xdef_vela::check::{CheckOptions, check_definition};
use xdef_vela::render::{RenderInput, Workload, apply_trait, kubevela_program, render_component};
use xdef_vela::{DefinitionFile, DefinitionKind, read_definition};
use yaml_rust2::{Yaml, YamlLoader};

struct Case {
    kind: &'static str,
    name: String,
    parse: xdef_syntax::Parse,
    def: DefinitionFile,
    input: RenderInput,
}

fn kubevela_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("XDEF_KUBEVELA_DIR")?);
    dir.join("vela-templates/definitions/internal")
        .is_dir()
        .then_some(dir)
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files_with_ext(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') || name == "node_modules" {
            continue;
        }
        if path.is_dir() {
            files_with_ext(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn yaml_to_json(y: &Yaml, out: &mut String) {
    match y {
        Yaml::Real(s) if s.parse::<f64>().is_ok_and(f64::is_finite) => out.push_str(s),
        Yaml::Real(s) | Yaml::String(s) => json_string(s, out),
        Yaml::Integer(i) => out.push_str(&i.to_string()),
        Yaml::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Yaml::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                yaml_to_json(item, out);
            }
            out.push(']');
        }
        Yaml::Hash(h) => {
            out.push('{');
            for (i, (k, v)) in h.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let key = match k {
                    Yaml::String(s) | Yaml::Real(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    _ => "null".into(),
                };
                json_string(&key, out);
                out.push(':');
                yaml_to_json(v, out);
            }
            out.push('}');
        }
        Yaml::Alias(_) | Yaml::Null | Yaml::BadValue => out.push_str("null"),
    }
}

fn json_to_data(json: &str) -> Data {
    Evaluation::from_sources(
        vec![("params.json".into(), json.into())],
        &NoPackages,
        Default::default(),
    )
    .export_root()
    .unwrap_or(Data::Struct(vec![]))
}

/// type name → properties of its first use in an example Application (paths sorted).
fn example_properties(kubevela: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    files_with_ext(kubevela, "yaml", &mut files);
    files.sort();
    let mut found: Vec<(String, String)> = Vec::new();
    let mut add = |item: &Yaml| {
        let (Some(ty), props) = (item["type"].as_str(), &item["properties"]) else {
            return;
        };
        if found.iter().any(|(t, _)| t == ty) {
            return;
        }
        let mut json = String::new();
        match props {
            Yaml::Hash(_) => yaml_to_json(props, &mut json),
            _ => json.push_str("{}"),
        }
        found.push((ty.to_owned(), json));
    };
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if !text.contains("kind: Application") {
            continue;
        }
        let Ok(docs) = YamlLoader::load_from_str(&text) else {
            continue;
        };
        for doc in docs {
            if doc["kind"].as_str() != Some("Application") {
                continue;
            }
            let spec = &doc["spec"];
            for comp in spec["components"].as_vec().into_iter().flatten() {
                add(comp);
                for tr in comp["traits"].as_vec().into_iter().flatten() {
                    add(tr);
                }
            }
            for pol in spec["policies"].as_vec().into_iter().flatten() {
                add(pol);
            }
        }
    }
    found
}

fn load_case(kind: &'static str, path: &Path, params: Option<&str>) -> Option<Case> {
    let text = std::fs::read_to_string(path).ok()?;
    let parse = xdef_syntax::parse(text);
    let def = read_definition(&parse);
    let name = def.name.clone()?;
    let input = RenderInput {
        parameter: params.map(json_to_data).unwrap_or(Data::Struct(vec![])),
        ..RenderInput::default()
    };
    Some(Case {
        kind,
        name,
        parse,
        def,
        input,
    })
}

/// The built-in cases, and the definition files for `check`.
fn cases() -> (Vec<Case>, Vec<PathBuf>) {
    let mut out = Vec::new();
    if let Some(kubevela) = kubevela_dir() {
        let examples = example_properties(&kubevela);
        let internal = kubevela.join("vela-templates/definitions/internal");
        for kind in ["component", "trait", "policy"] {
            let mut files = Vec::new();
            files_with_ext(&internal.join(kind), "cue", &mut files);
            files.sort();
            for path in files {
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                let params = examples.iter().find(|(t, _)| *t == stem).map(|(_, p)| &**p);
                out.extend(load_case(kind, &path, params));
            }
        }
        let mut all = Vec::new();
        files_with_ext(
            &kubevela.join("vela-templates/definitions"),
            "cue",
            &mut all,
        );
        all.sort();
        eprintln!(
            "built-in definitions from {}: {} cases, {} files to check",
            kubevela.display(),
            out.len(),
            all.len()
        );
        (out, all)
    } else {
        let root = workspace().join("examples");
        for (kind, name) in [("component", "worker"), ("trait", "sidecar")] {
            let params =
                std::fs::read_to_string(root.join(format!("inputs/{name}-params.json"))).ok();
            out.extend(load_case(
                kind,
                &root.join(format!("definitions/{name}.cue")),
                params.as_deref(),
            ));
        }
        let mut all = Vec::new();
        files_with_ext(&root.join("definitions"), "cue", &mut all);
        all.sort();
        eprintln!("no KubeVela checkout (XDEF_KUBEVELA_DIR): using examples/definitions");
        (out, all)
    }
}

/// The workload traits are applied to: a Deployment like the one webservice renders.
fn base_workload() -> Workload {
    let json = r#"{"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "my-component", "labels": {"app.oam.dev/component": "my-component"}},
        "spec": {"selector": {"matchLabels": {"app.oam.dev/component": "my-component"}},
            "template": {"metadata": {"labels": {"app.oam.dev/component": "my-component"}},
                "spec": {"containers": [{"name": "my-component", "image": "nginx:1.25",
                    "ports": [{"containerPort": 80, "name": "port-80", "protocol": "TCP"}]}]}}}}"#;
    Workload {
        output: Some(json_to_data(json)),
        parameter: None,
        outputs: Vec::new(),
    }
}

fn render(case: &Case, base: &Workload) -> Result<(), String> {
    if case.def.kind == Some(DefinitionKind::Trait) {
        let mut w = base.clone();
        apply_trait(
            &case.parse,
            &case.def,
            &case.input,
            &case.name,
            "webservice",
            &mut w,
        )
        .map(|_| ())
        .map_err(|e| e.message)
    } else {
        render_component(&case.parse, &case.def, &case.input)
            .map(|_| ())
            .map_err(|e| e.message)
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn compiled(program: &str) -> Rc<Program> {
    let files = vec![SourceFile {
        name: "program.cue".into(),
        parse: xdef_syntax::parse(program.to_owned()),
    }];
    Rc::new(xdef_cue::compile::compile(files, &NoPackages))
}

fn benches(c: &mut Criterion) {
    let (cases, check_files) = cases();
    let base = base_workload();

    let mut group = c.benchmark_group("render");
    for case in &cases {
        if let Err(e) = render(case, &base) {
            eprintln!(
                "note: render/{}/{} fails (timed all the same): {}",
                case.kind,
                case.name,
                first_line(&e)
            );
        }
        group.bench_function(format!("{}/{}", case.kind, case.name), |b| {
            b.iter_batched_ref(
                || base.clone(),
                |w| {
                    if case.def.kind == Some(DefinitionKind::Trait) {
                        apply_trait(
                            &case.parse,
                            &case.def,
                            &case.input,
                            &case.name,
                            "webservice",
                            w,
                        )
                        .is_ok()
                    } else {
                        render_component(&case.parse, &case.def, &case.input).is_ok()
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    let mut group = c.benchmark_group("export");
    let mut programs = Vec::new();
    for case in &cases {
        let is_trait = case.def.kind == Some(DefinitionKind::Trait);
        let Some(program) = kubevela_program(
            &case.parse,
            &case.def,
            &case.input,
            is_trait.then_some(&base),
            is_trait.then_some("webservice"),
        ) else {
            continue;
        };
        let mut once = Evaluation::from_sources(
            vec![("program.cue".into(), program.clone())],
            &NoPackages,
            Default::default(),
        );
        if let Err(d) = once.export_root() {
            eprintln!(
                "note: export/{}/{} fails (timed all the same): {}",
                case.kind,
                case.name,
                first_line(&d[0].message)
            );
        }
        group.bench_function(format!("{}/{}", case.kind, case.name), |b| {
            b.iter(|| {
                let mut e = Evaluation::from_sources(
                    vec![("program.cue".into(), program.clone())],
                    &NoPackages,
                    Default::default(),
                );
                e.export_root().is_ok()
            })
        });
        programs.push((case, program));
    }
    group.finish();

    // Evaluation alone: the program is parsed and compiled once, each iteration is a
    // fresh evaluator over it plus the export.
    let mut group = c.benchmark_group("eval");
    for (case, program) in &programs {
        let compiled = compiled(program);
        group.bench_function(format!("{}/{}", case.kind, case.name), |b| {
            b.iter(|| {
                let mut e = Evaluation {
                    evaluator: Evaluator::new(compiled.clone(), Budget::default()),
                };
                e.export_root().is_ok()
            })
        });
    }
    group.finish();

    // Where the time of one export goes, for webservice (or the first program).
    let mut group = c.benchmark_group("phases");
    if let Some((case, program)) = programs
        .iter()
        .find(|(c, _)| c.name == "webservice")
        .or(programs.first())
    {
        let name = &case.name;
        group.bench_function(format!("{name}/parse"), |b| {
            b.iter(|| xdef_syntax::parse(program.clone()))
        });
        let parse = xdef_syntax::parse(program.clone());
        group.bench_function(format!("{name}/syntax-errors"), |b| {
            b.iter(|| parse.errors().len())
        });
        group.bench_function(format!("{name}/compile"), |b| {
            b.iter_batched(
                || {
                    vec![SourceFile {
                        name: "program.cue".into(),
                        parse: xdef_syntax::parse(program.clone()),
                    }]
                },
                |files| xdef_cue::compile::compile(files, &NoPackages),
                BatchSize::LargeInput,
            )
        });
        let compiled = compiled(program);
        group.bench_function(format!("{name}/evaluate+export"), |b| {
            b.iter(|| {
                let mut e = Evaluation {
                    evaluator: Evaluator::new(compiled.clone(), Budget::default()),
                };
                e.export_root().is_ok()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("chain");
    let find = |name: &str| cases.iter().find(|c| c.name == name);
    if let (Some(ws), Some(t1), Some(t2), Some(t3)) = (
        find("webservice"),
        find("scaler"),
        find("labels"),
        find("sidecar"),
    ) {
        group.bench_function("webservice+3traits", |b| {
            b.iter(|| {
                let mut w = render_component(&ws.parse, &ws.def, &ws.input).ok()?;
                for t in [t1, t2, t3] {
                    apply_trait(&t.parse, &t.def, &t.input, &t.name, "webservice", &mut w).ok()?;
                }
                Some(w)
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("check");
    let texts: Vec<String> = check_files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    group.bench_function("all-definitions", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| {
                    let parse = xdef_syntax::parse(t.clone());
                    check_definition(&parse, &CheckOptions::default())
                        .diagnostics
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = builtins;
    config = config();
    targets = benches
}
criterion_main!(builtins);
