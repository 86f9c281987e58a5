//! Definition golden tests (what users asked KubeVela for in kubevela#5766): a test file
//! gives parameters, context and traits for a definition and the manifests it must render.
//!
//! A test file is CUE (or JSON) named `*_test.cue`, next to the definitions it tests:
//!
//! ```cue
//! tests: [{
//!     name:       "renders the image"
//!     definition: "webservice.cue"           // relative to the test file
//!     parameter:  {image: "nginx:1.25"}
//!     context?:   {name: "web", appName: "shop"}
//!     traits?:    [{definition: "scaler.cue", parameter: {replicas: 3}}]
//!     expect: {
//!         output?:  {...}                    // the workload, exactly
//!         outputs?: {service: {...}}         // auxiliary resources by name, exactly
//!         contains?: {...}                   // or: a subset the workload must contain
//!         error?:   "substring of the expected render error"
//!     }
//! }]
//! ```

use std::rc::Rc;

use xdef_cue::Data;

use crate::render::{RenderInput, Workload, apply_trait, render_component};

/// One test case, decoded from a test file.
#[derive(Clone, Debug)]
pub struct TestCase {
    pub name: String,
    pub definition: String,
    pub parameter: Data,
    pub context: Option<Data>,
    pub traits: Vec<(String, Data)>,
    pub expect_output: Option<Data>,
    pub expect_outputs: Option<Data>,
    pub expect_contains: Option<Data>,
    pub expect_error: Option<String>,
}

/// Decodes the `tests` list of a test file's data.
pub fn decode(data: &Data) -> Result<Vec<TestCase>, String> {
    let Some(Data::List(tests)) = data.get("tests") else {
        return Err("a test file needs `tests: [...]`".into());
    };
    let mut out = Vec::new();
    for (i, t) in tests.iter().enumerate() {
        let name = t
            .get("name")
            .and_then(Data::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("test {i}"));
        let definition = t
            .get("definition")
            .and_then(Data::as_str)
            .ok_or_else(|| format!("{name}: missing `definition`"))?
            .to_owned();
        let mut traits = Vec::new();
        if let Some(Data::List(list)) = t.get("traits") {
            for tr in list {
                let def = tr
                    .get("definition")
                    .and_then(Data::as_str)
                    .ok_or_else(|| format!("{name}: a trait needs `definition`"))?;
                traits.push((
                    def.to_owned(),
                    tr.get("parameter").cloned().unwrap_or(Data::Struct(vec![])),
                ));
            }
        }
        let expect = t.get("expect");
        out.push(TestCase {
            name,
            definition,
            parameter: t.get("parameter").cloned().unwrap_or(Data::Struct(vec![])),
            context: t.get("context").cloned(),
            traits,
            expect_output: expect.and_then(|e| e.get("output")).cloned(),
            expect_outputs: expect.and_then(|e| e.get("outputs")).cloned(),
            expect_contains: expect.and_then(|e| e.get("contains")).cloned(),
            expect_error: expect
                .and_then(|e| e.get("error"))
                .and_then(Data::as_str)
                .map(str::to_owned),
        });
    }
    Ok(out)
}

/// The outcome of one test.
#[derive(Clone, Debug)]
pub struct TestOutcome {
    pub name: String,
    pub passed: bool,
    /// Why it failed (a diff or the error), empty when it passed.
    pub details: String,
}

/// Loads a definition file by name (relative to the test file), parsed.
pub trait DefinitionSource {
    fn load(&self, name: &str) -> Result<xdef_syntax::Parse, String>;
}

/// Runs one test case.
pub fn run(case: &TestCase, source: &dyn DefinitionSource) -> TestOutcome {
    let result = render_case(case, source);
    let (passed, details) = match (&result, &case.expect_error) {
        (Err(e), Some(want)) if e.contains(want.as_str()) => (true, String::new()),
        (Err(e), Some(want)) => (
            false,
            format!("expected an error containing {want:?}, got:\n{e}"),
        ),
        (Err(e), None) => (false, e.clone()),
        (Ok(_), Some(want)) => (
            false,
            format!("expected an error containing {want:?}, but rendering succeeded"),
        ),
        (Ok(w), None) => compare(case, w),
    };
    TestOutcome {
        name: case.name.clone(),
        passed,
        details,
    }
}

fn render_case(case: &TestCase, source: &dyn DefinitionSource) -> Result<Workload, String> {
    let parse = source.load(&case.definition)?;
    let def = crate::read_definition(&parse);
    if let Some(d) = def
        .diagnostics
        .iter()
        .find(|d| d.severity == crate::Severity::Error)
    {
        return Err(format!("{}: {}", case.definition, d.message));
    }
    let mut input = RenderInput {
        parameter: case.parameter.clone(),
        context: case.context.clone(),
        ..Default::default()
    };
    if let Some(ctx) = &case.context {
        if let Some(n) = ctx.get("name").and_then(Data::as_str) {
            input.name = n.to_owned();
        }
        if let Some(a) = ctx.get("appName").and_then(Data::as_str) {
            input.app_name = a.to_owned();
        }
        if let Some(ns) = ctx.get("namespace").and_then(Data::as_str) {
            input.namespace = ns.to_owned();
        }
    }
    let mut workload = render_component(&parse, &def, &input).map_err(|e| e.message)?;
    let component_type = def.name.clone().unwrap_or_default();
    for (trait_file, params) in &case.traits {
        let trait_parse = source.load(trait_file)?;
        let trait_def = crate::read_definition(&trait_parse);
        let mut trait_input = input.clone();
        trait_input.parameter = params.clone();
        let trait_type = trait_def.name.clone().unwrap_or_default();
        apply_trait(
            &trait_parse,
            &trait_def,
            &trait_input,
            &trait_type,
            &component_type,
            &mut workload,
        )
        .map_err(|e| e.message)?;
    }
    Ok(workload)
}

fn compare(case: &TestCase, w: &Workload) -> (bool, String) {
    let mut problems = Vec::new();
    if let Some(want) = &case.expect_output {
        match &w.output {
            Some(got) if got == want => {}
            Some(got) => problems.push(format!("output differs:\n{}", diff(want, got))),
            None => problems.push("expected an output, the definition renders none".into()),
        }
    }
    if let Some(Data::Struct(want)) = &case.expect_outputs {
        for (name, want_obj) in want {
            match w.outputs.iter().find(|(n, _, _)| n == name) {
                Some((_, _, got)) if got == want_obj => {}
                Some((_, _, got)) => {
                    problems.push(format!("outputs.{name} differs:\n{}", diff(want_obj, got)))
                }
                None => problems.push(format!("expected outputs.{name}, which is not rendered")),
            }
        }
    }
    if let Some(want) = &case.expect_contains {
        match &w.output {
            Some(got) => {
                let mut missing = Vec::new();
                subset(want, got, &mut Vec::new(), &mut missing);
                if !missing.is_empty() {
                    problems.push(format!("output does not contain:\n{}", missing.join("\n")));
                }
            }
            None => problems.push("expected an output, the definition renders none".into()),
        }
    }
    (problems.is_empty(), problems.join("\n"))
}

/// Paths where `want` is not contained in `got`.
fn subset(want: &Data, got: &Data, path: &mut Vec<String>, out: &mut Vec<String>) {
    match (want, got) {
        (Data::Struct(w), Data::Struct(_)) => {
            for (k, v) in w {
                path.push(k.to_string());
                match got.get(k) {
                    Some(g) => subset(v, g, path, out),
                    None => out.push(format!("  {}: missing (want {})", path.join("."), short(v))),
                }
                path.pop();
            }
        }
        (Data::List(w), Data::List(g)) if w.len() <= g.len() => {
            for (i, v) in w.iter().enumerate() {
                path.push(i.to_string());
                subset(v, &g[i], path, out);
                path.pop();
            }
        }
        (w, g) if w == g => {}
        (w, g) => out.push(format!(
            "  {}: want {}, got {}",
            path.join("."),
            short(w),
            short(g)
        )),
    }
}

/// A line diff of the YAML forms.
fn diff(want: &Data, got: &Data) -> String {
    let want = xdef_cue::encode::to_yaml(want);
    let got = xdef_cue::encode::to_yaml(got);
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let mut out = String::new();
    // A simple LCS-based diff; definition outputs are small.
    let (n, m) = (w.len(), g.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if w[i] == g[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && w[i] == g[j] {
            out.push_str(&format!("   {}\n", w[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!(" + {}\n", g[j]));
            j += 1;
        } else {
            out.push_str(&format!(" - {}\n", w[i]));
            i += 1;
        }
    }
    out
}

fn short(d: &Data) -> String {
    let s = xdef_cue::encode::to_json(d, None);
    if s.len() > 80 {
        format!("{}…", &s[..77])
    } else {
        s
    }
}

#[allow(dead_code)]
fn unused(_: Rc<str>) {}
