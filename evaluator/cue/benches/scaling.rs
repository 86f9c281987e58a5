//! How evaluation time grows with the size of a struct (1k, 2k, 4k, 10k fields). Each
//! iteration is the whole in-process pipeline: parse, compile, evaluate, export.
//!
//! - `comprehension/N`: `out: {for i, x in list.Range(0, N, 1) {"f\(x)": x}}`
//! - `comprehension-data/N`: the same over a literal list `data: [0, 1, ...]`
//! - `closed/N`: `#D: {f0: int, ..., fN: int}` and `v: #D & {f0: 0, ..., fN: N}`
//! - `open/N`: the same two structs unified without a definition (no closedness)
//!
//! Each case also has an `-eval` group (`closed-eval/N`, …): the program parsed and
//! compiled once, each iteration a fresh evaluator over it plus the export, that is the
//! evaluation alone, without the front end.
//!
//! `cargo bench -p xdef-cue --bench scaling [-- FILTER]`. The same programs, for the CLI
//! and the reference CUE, come from `scripts/bench-scaling`.

use std::fmt::Write;
use std::rc::Rc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use xdef_cue::compile::Program;
use xdef_cue::eval::Evaluator;
use xdef_cue::{Budget, Evaluation, NoPackages, SourceFile};

pub const SIZES: [usize; 4] = [1_000, 2_000, 4_000, 10_000];

fn comprehension(n: usize) -> String {
    format!("import \"list\"\nout: {{for i, x in list.Range(0, {n}, 1) {{\"f\\(x)\": x}}}}\n")
}

fn comprehension_data(n: usize) -> String {
    let mut s = String::from("data: [");
    for i in 0..n {
        write!(s, "{}{i}", if i > 0 { ", " } else { "" }).unwrap();
    }
    s.push_str("]\nout: {for x in data {\"f\\(x)\": x}}\n");
    s
}

fn fields(n: usize, value: impl Fn(usize) -> String) -> String {
    let mut s = String::from("{");
    for i in 0..n {
        write!(s, "{}f{i}: {}", if i > 0 { ", " } else { "" }, value(i)).unwrap();
    }
    s.push('}');
    s
}

fn closed(n: usize) -> String {
    format!(
        "#D: {}\nv: #D & {}\n",
        fields(n, |_| "int".into()),
        fields(n, |i| i.to_string())
    )
}

fn open(n: usize) -> String {
    format!(
        "v: {} & {}\n",
        fields(n, |_| "int".into()),
        fields(n, |i| i.to_string())
    )
}

fn run(text: &str) -> usize {
    let mut e = Evaluation::from_sources(
        vec![("bench.cue".into(), text.to_owned())],
        &NoPackages,
        Budget::default(),
    );
    match e.export_root() {
        Ok(data) => xdef_cue::encode::to_json(&data, None).len(),
        Err(d) => panic!("scaling case failed: {}", d[0].message),
    }
}

/// The evaluation alone: a fresh evaluator over an already compiled program, and the
/// export.
fn run_compiled(program: &Rc<Program>) -> usize {
    let mut e = Evaluation {
        evaluator: Evaluator::new(program.clone(), Budget::default()),
    };
    match e.export_root() {
        Ok(data) => xdef_cue::encode::to_json(&data, None).len(),
        Err(d) => panic!("scaling case failed: {}", d[0].message),
    }
}

fn compile(text: &str) -> Rc<Program> {
    let files = vec![SourceFile {
        name: "bench.cue".into(),
        parse: xdef_syntax::parse(text.to_owned()),
    }];
    Rc::new(xdef_cue::compile::compile(files, &NoPackages))
}

fn benches(c: &mut Criterion) {
    let cases: [(&str, fn(usize) -> String); 4] = [
        ("comprehension", comprehension),
        ("comprehension-data", comprehension_data),
        ("closed", closed),
        ("open", open),
    ];
    for (name, make) in cases {
        let mut group = c.benchmark_group(name);
        for n in SIZES {
            let text = make(n);
            // Each case must evaluate to its n fields before it is worth timing.
            assert!(run(&text) > n * 4, "{name}/{n} exported too little");
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
                b.iter(|| run(text))
            });
        }
        group.finish();
        let mut group = c.benchmark_group(format!("{name}-eval"));
        for n in SIZES {
            let program = compile(&make(n));
            assert!(
                run_compiled(&program) > n * 4,
                "{name}-eval/{n} exported too little"
            );
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::from_parameter(n), &program, |b, p| {
                b.iter(|| run_compiled(p))
            });
        }
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = scaling;
    config = config();
    targets = benches
}
criterion_main!(scaling);
