//! The differential suite: every program under `tests/differential/` is exported by xdef
//! and compared with the reference CUE's recorded answer (`NAME.oracle.json`), or with
//! `NAME.expect.json` where xdef deliberately follows the current CUE spec instead of
//! CUE v0.4 (see `DIVERGENCES.md`). Agreement means both succeed with equal JSON (object
//! key order ignored, numbers compared by value) or both fail.
//!
//! The cases that pass are listed in `tests/differential/PASSING`; a listed case that
//! stops passing fails this test (a ratchet). `XDEF_DIFF_UPDATE=1 cargo test -p xdef-cue
//! --test differential` rewrites the list after an improvement. A per-topic summary is
//! printed and written to `target/differential-report.txt`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use xdef_cue::{Budget, Data, Evaluation, NoPackages};

fn corpus_dir() -> PathBuf {
    match std::env::var_os("XDEF_DIFF_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential"),
    }
}

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "cue") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// What a case expects: exit code and, on success, the JSON value.
struct Expected {
    exit: i64,
    json: Option<Json>,
}

fn expected(case: &Path) -> Option<Expected> {
    let stem = case.with_extension("");
    for suffix in ["expect.json", "oracle.json"] {
        let path = PathBuf::from(format!("{}.{suffix}", stem.display()));
        if let Ok(text) = std::fs::read_to_string(&path) {
            let value: Json = serde_json::from_str(&text).ok()?;
            let exit = value.get("exit")?.as_i64()?;
            return Some(Expected {
                exit,
                json: value.get("json").cloned(),
            });
        }
    }
    None
}

fn data_to_json(d: &Data) -> Json {
    match d {
        Data::Null => Json::Null,
        Data::Bool(b) => Json::Bool(*b),
        Data::Num(n) => serde_json::from_str(&n.to_string()).unwrap_or(Json::Null),
        Data::Str(s) => Json::String(s.to_string()),
        Data::Bytes(b) => Json::String(xdef_cue::encode::base64_std(b)),
        Data::List(items) => Json::Array(items.iter().map(data_to_json).collect()),
        Data::Struct(fields) => Json::Object(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), data_to_json(v)))
                .collect(),
        ),
    }
}

/// JSON equality with numbers compared by decimal value and key order ignored.
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            // Integers compare exactly; anything else as doubles (the oracle rounds
            // non-integral numbers to double precision when printing JSON).
            let (xs, ys) = (x.to_string(), y.to_string());
            let integral = |s: &str| !s.contains(['.', 'e', 'E']);
            if integral(&xs) && integral(&ys) {
                let parse = |n: &str| {
                    xdef_cue::number::Num::parse_decimal(n, xdef_cue::number::NumKind::Int)
                };
                return matches!((parse(&xs), parse(&ys)), (Ok(p), Ok(q)) if p.cmp_value(&q) == std::cmp::Ordering::Equal);
            }
            match (xs.parse::<f64>(), ys.parse::<f64>()) {
                (Ok(p), Ok(q)) => p == q,
                _ => xs == ys,
            }
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

enum Outcome {
    Pass,
    Fail(String),
}

fn run_case(case: &Path, expect: &Expected) -> Outcome {
    let text = match std::fs::read_to_string(case) {
        Ok(t) => t,
        Err(e) => return Outcome::Fail(format!("unreadable: {e}")),
    };
    let budget = Budget {
        max_steps: 5_000_000,
        ..Budget::default()
    };
    let result = std::panic::catch_unwind(|| {
        let mut e = Evaluation::from_sources(vec![("in.cue".into(), text)], &NoPackages, budget);
        e.export_root().map(|d| data_to_json(&d)).map_err(|diags| {
            diags
                .iter()
                .map(|d| d.text())
                .collect::<Vec<_>>()
                .join("; ")
        })
    });
    match (result, expect.exit) {
        (Err(_), _) => Outcome::Fail("panic".into()),
        (Ok(Ok(json)), 0) => match &expect.json {
            Some(want) if same(&json, want) => Outcome::Pass,
            Some(want) => Outcome::Fail(format!("got {json}, want {want}")),
            None => Outcome::Fail("no expected JSON".into()),
        },
        (Ok(Ok(json)), _) => {
            Outcome::Fail(format!("succeeded with {json}, but the reference fails"))
        }
        (Ok(Err(_)), code) if code != 0 => Outcome::Pass,
        (Ok(Err(errors)), _) => Outcome::Fail(format!("failed: {errors}")),
    }
}

#[test]
fn differential_suite() {
    let dir = corpus_dir();
    let all = cases(&dir);
    if all.is_empty() {
        eprintln!("no differential cases under {}", dir.display());
        return;
    }
    let mut per_topic: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut passing = Vec::new();
    let mut failures = Vec::new();
    for case in &all {
        let Some(expect) = expected(case) else {
            continue;
        };
        let rel = case
            .strip_prefix(&dir)
            .unwrap_or(case)
            .display()
            .to_string();
        let topic = rel.split('/').next().unwrap_or("").to_owned();
        let entry = per_topic.entry(topic).or_default();
        entry.1 += 1;
        match run_case(case, &expect) {
            Outcome::Pass => {
                entry.0 += 1;
                passing.push(rel);
            }
            Outcome::Fail(why) => failures.push(format!(
                "{rel}: {}",
                why.chars().take(300).collect::<String>()
            )),
        }
    }
    let total: usize = per_topic.values().map(|(_, t)| t).sum();
    let mut report = format!(
        "differential: {} of {total} agree with the reference\n",
        passing.len()
    );
    for (topic, (pass, count)) in &per_topic {
        report.push_str(&format!("  {topic:<22} {pass:>4} / {count}\n"));
    }
    report.push_str("\nfailures:\n");
    for f in &failures {
        report.push_str(&format!("  {f}\n"));
    }
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/differential-report.txt");
    let _ = std::fs::write(&target, &report);
    eprintln!(
        "{}",
        report
            .lines()
            .take(per_topic.len() + 1)
            .collect::<Vec<_>>()
            .join("\n")
    );

    let list_path = dir.join("PASSING");
    if std::env::var_os("XDEF_DIFF_UPDATE").is_some() {
        std::fs::write(&list_path, passing.join("\n") + "\n").expect("writing PASSING");
        return;
    }
    let expected_passing: Vec<String> = std::fs::read_to_string(&list_path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let regressions: Vec<&String> = expected_passing
        .iter()
        .filter(|c| !passing.contains(c))
        .collect();
    assert!(
        regressions.is_empty(),
        "cases that passed before now fail:\n{regressions:#?}\nsee target/differential-report.txt"
    );
}
