//! Parsing benchmarks.
//!
//! ```text
//! XDEF_KUBEVELA_DIR=/path/to/kubevela cargo bench -p xdef-syntax --bench parse
//! ```
//!
//! - `throughput/kubevela`: parse every `*.cue` under `$XDEF_KUBEVELA_DIR` (skipped with a
//!   message when the variable is unset), reported in bytes per second;
//!   `throughput/kubevela+errors` adds `Parse::errors` (the syntax diagnostics).
//! - `throughput/bundled`: the same over a definition-shaped input generated here, so the
//!   benchmark always has something to run.
//! - `largest/parse` and `largest/errors`: one full parse (and diagnostics) of the largest
//!   definition (under `vela-templates/definitions` when it exists, else the largest file
//!   of the corpus; the bundled input without the corpus).
//! - `largest/reparse_one_char_edit`: `Parse::apply_edit` of one character in the middle
//!   of that file (tree-sitter's incremental re-parse), alternating insert and delete.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use xdef_syntax::{TextEdit, parse};

fn cue_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            cue_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "cue") {
            out.push(path);
        }
    }
}

/// A definition-shaped file of about `size` bytes.
fn bundled_input(size: usize) -> String {
    let mut text = String::from("package main\n\nimport \"strings\"\n\n");
    let mut i = 0;
    while text.len() < size {
        text.push_str(&format!(
            r#"// +usage=The component number {i}
component{i}: {{
	type: "component"
	annotations: {{}}
	attributes: workload: definition: {{
		apiVersion: "apps/v1"
		kind:       "Deployment"
	}}
}}
template{i}: {{
	output: {{
		apiVersion: "apps/v1"
		kind:       "Deployment"
		metadata: name: strings.ToLower(context.name)
		spec: {{
			replicas: *1 | int & >=0 & <=100
			selector: matchLabels: "app.oam.dev/component": context.name
			template: spec: containers: [{{
				name:  context.name
				image: parameter.image
				if parameter["cmd"] != _|_ {{
					command: parameter.cmd
				}}
				env: [for k, v in parameter.env {{name: k, value: "\(v)"}}]
				ports: [for p in parameter.ports {{containerPort: p.port, name: "port-\(p.port)"}}]
			}}]
		}}
	}}
	parameter: {{
		// +usage=Which image would you like to use for your service
		// +short=i
		image: string
		cmd?: [...string]
		env: [string]: string
		ports: *[{{port: 80}}] | [...{{port: int & >0 & <65536}}]
		cpu?: =~"^[0-9]+m?$" @go(CPU)
		memory: *"1Gi" | string
		limits: {{cpu: 1.5, memory: 2Gi, storage: 10Gi}}
	}}
}}

"#
        ));
        i += 1;
    }
    text
}

struct Corpus {
    files: Vec<(PathBuf, String)>,
}

fn load_corpus() -> Option<Corpus> {
    let Some(dir) = std::env::var_os("XDEF_KUBEVELA_DIR") else {
        eprintln!(
            "XDEF_KUBEVELA_DIR is not set: skipping the KubeVela corpus benchmarks \
             (the bundled input still runs)"
        );
        return None;
    };
    let mut paths = Vec::new();
    cue_files(Path::new(&dir), &mut paths);
    let files: Vec<(PathBuf, String)> = paths
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect();
    if files.is_empty() {
        eprintln!("XDEF_KUBEVELA_DIR has no .cue files: skipping the corpus benchmarks");
        return None;
    }
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    eprintln!(
        "KubeVela corpus: {} files, {:.2} MB from {}",
        files.len(),
        bytes as f64 / 1e6,
        Path::new(&dir).display()
    );
    Some(Corpus { files })
}

fn benches(c: &mut Criterion) {
    let corpus = load_corpus();

    let mut group = c.benchmark_group("throughput");
    group.measurement_time(Duration::from_secs(10));
    if let Some(corpus) = &corpus {
        let bytes: usize = corpus.files.iter().map(|(_, t)| t.len()).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function("kubevela", |b| {
            b.iter(|| {
                for (_, text) in &corpus.files {
                    std::hint::black_box(parse(text.as_str()));
                }
            })
        });
        group.bench_function("kubevela+errors", |b| {
            b.iter(|| {
                for (_, text) in &corpus.files {
                    let p = parse(text.as_str());
                    std::hint::black_box(p.errors());
                }
            })
        });
    }
    let bundled = bundled_input(1 << 20);
    group.throughput(Throughput::Bytes(bundled.len() as u64));
    group.bench_function("bundled", |b| {
        b.iter(|| std::hint::black_box(parse(bundled.as_str())))
    });
    group.finish();

    // The largest definition: a built-in one if the corpus has them.
    let (name, largest) = match &corpus {
        Some(corpus) => {
            let definitions: Vec<&(PathBuf, String)> = corpus
                .files
                .iter()
                .filter(|(p, _)| p.to_string_lossy().contains("vela-templates/definitions"))
                .collect();
            let pool = if definitions.is_empty() {
                corpus.files.iter().collect()
            } else {
                definitions
            };
            let (path, text) = pool
                .into_iter()
                .max_by_key(|(_, t)| t.len())
                .expect("non-empty corpus");
            (path.display().to_string(), text.clone())
        }
        None => ("bundled (64 KB)".to_owned(), bundled_input(64 << 10)),
    };
    eprintln!("largest definition: {name} ({} bytes)", largest.len());

    let mut group = c.benchmark_group("largest");
    group.bench_function("parse", |b| {
        b.iter(|| std::hint::black_box(parse(largest.as_str())))
    });
    let parsed = parse(largest.as_str());
    group.bench_function("errors", |b| {
        b.iter(|| std::hint::black_box(parsed.errors()))
    });

    // One character typed in the middle of the file, at the start of a line's content
    // (a `/` that turns nothing into a comment would be too kind; `x` edits a token).
    let middle = largest.len() / 2;
    let at = largest[middle..]
        .find("\n\t")
        .map_or(middle, |i| middle + i + 2);
    let edits = [
        TextEdit {
            range: at..at,
            insert: "x".to_owned(),
        },
        TextEdit {
            range: at..at + 1,
            insert: String::new(),
        },
    ];
    group.bench_function("reparse_one_char_edit", |b| {
        let mut p = parse(largest.as_str());
        let mut i = 0;
        b.iter(|| {
            p.apply_edit(&edits[i % 2]);
            i += 1;
        })
    });
    group.bench_function("full_reparse_after_edit", |b| {
        let mut edited = largest.clone();
        edited.insert(at, 'x');
        b.iter_batched(
            || edited.clone(),
            |t| std::hint::black_box(parse(t)),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(parse_benches, benches);
criterion_main!(parse_benches);
