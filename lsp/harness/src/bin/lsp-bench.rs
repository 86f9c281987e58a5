//! Latency benchmark of `xdef lsp` over stdio, with the real binary.
//!
//!   cargo build --release -p xdef && \
//!   cargo run --release -p xdef-lsp-harness --bin lsp-bench -- target/release/xdef [EDITS]
//!
//! On lsp/tests/fixtures/webservice.cue (~600 lines), for EDITS (default 200) edits, one
//! after the other (each changes a number literal, so the file stays valid):
//! - edit → syntax diagnostics (tier 1: the first publishDiagnostics of that version),
//! - edit → evaluation diagnostics (tier 2: `xdef/checkDone` of that version; measured
//!   with `diagnostics.delayMs` 0, so add the configured debounce, 150 ms by default),
//! - completion after `parameter.` and hover on `parameter.exposeType`, sent right after
//!   the edit, while the evaluation runs;
//! then cold start to first diagnostics with a workspace of 80 definition files, and
//! resident memory. Prints p50/p95/max in milliseconds.

use std::time::{Duration, Instant};

use serde_json::json;
use xdef_lsp_harness::{Server, at, offset_of, position};

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn report(name: &str, v: &mut [f64]) {
    let p50 = percentile(v, 0.5);
    let p95 = percentile(v, 0.95);
    let max = v.iter().cloned().fold(f64::MIN, f64::max);
    println!(
        "{name:<44} n={:<4} p50={p50:>8.2} ms  p95={p95:>8.2} ms  max={max:>8.2} ms",
        v.len()
    );
}

fn rss_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let get = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (get("VmRSS:"), get("VmHWM:"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bin = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "target/release/xdef".into());
    let edits: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");
    let text = std::fs::read_to_string(format!("{root}/webservice.cue")).expect("fixture");
    println!(
        "xdef lsp latency: webservice.cue ({} lines), {edits} edits, binary {bin}",
        text.lines().count()
    );

    let mut s = Server::spawn(&bin);
    s.initialize(json!({"initializationOptions": {"checkDoneNotifications": true, "xdef": {"diagnostics": {"delayMs": 0}}}}));
    let uri = "file:///bench/webservice.cue";
    s.open(uri, &text);
    s.wait_checked(uri, 1);

    // The literal edited each time: the default of `revisionHistoryLimit`.
    let at_num = offset_of(&text, "*10 | int", 0, 1);
    let num_pos = position(&text, at_num);
    let mut end = num_pos.clone();
    let mut cur_len = 2usize;
    let completion_at = position(
        &text,
        offset_of(
            &text,
            "parameter.exposeType",
            0,
            "parameter.".len() as isize,
        ),
    );
    let hover_at = position(&text, offset_of(&text, "parameter.exposeType", 0, 12));

    let (mut syn, mut eval, mut comp, mut hov) = (vec![], vec![], vec![], vec![]);
    for i in 0..edits {
        let new = format!("{}", 10 + (i % 50));
        end["character"] = json!(num_pos["character"].as_u64().unwrap() + cur_len as u64);
        let t0 = Instant::now();
        let v = s.change(
            uri,
            json!([{"range": {"start": num_pos, "end": end}, "text": new}]),
        );
        cur_len = new.len();
        s.wait_diagnostics(uri, |p| p["version"] == json!(v));
        syn.push(t0.elapsed().as_secs_f64() * 1000.0);
        let t1 = Instant::now();
        let c = s.request("textDocument/completion", at(uri, completion_at.clone()));
        comp.push(t1.elapsed().as_secs_f64() * 1000.0);
        assert!(!c["items"].as_array().unwrap().is_empty());
        let t2 = Instant::now();
        let h = s.request("textDocument/hover", at(uri, hover_at.clone()));
        hov.push(t2.elapsed().as_secs_f64() * 1000.0);
        assert!(!h.is_null());
        s.wait_checked(uri, v);
        eval.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    report("edit -> syntax diagnostics (tier 1)", &mut syn);
    report("edit -> evaluation diagnostics (tier 2)", &mut eval);
    report("completion after `parameter.` (during eval)", &mut comp);
    report("hover on `parameter.exposeType`", &mut hov);
    let (rss, hwm) = rss_kb(s.pid());
    println!(
        "resident memory after the edits: {:.1} MiB (peak {:.1} MiB)",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    s.shutdown();

    // Cold start with a workspace of 80 definition files.
    let dir = std::env::temp_dir().join(format!("xdef-lsp-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sources = ["webservice.cue", "component.cue", "sidecar.cue"];
    for i in 0..80 {
        let src = std::fs::read_to_string(format!("{root}/{}", sources[i % 3])).unwrap();
        let name = sources[i % 3].trim_end_matches(".cue");
        let renamed = src.replacen(
            &format!("{}: {{", if name == "component" { "myweb" } else { name }),
            &format!("{name}{i}: {{"),
            1,
        );
        std::fs::write(dir.join(format!("{name}{i}.cue")), renamed).unwrap();
    }
    let mut cold = vec![];
    let mut cold_eval = vec![];
    let mut mem = vec![];
    for _ in 0..5 {
        let t0 = Instant::now();
        let mut s = Server::spawn(&bin);
        let root_uri = format!("file://{}", dir.display());
        s.initialize(json!({
            "workspaceFolders": [{"uri": root_uri, "name": "bench"}],
            "initializationOptions": {"checkDoneNotifications": true},
        }));
        let file = dir.join("webservice0.cue");
        let furi = format!("file://{}", file.display());
        let ftext = std::fs::read_to_string(&file).unwrap();
        s.open(&furi, &ftext);
        s.wait_diagnostics(&furi, |_| true);
        cold.push(t0.elapsed().as_secs_f64() * 1000.0);
        s.wait_checked(&furi, 1);
        cold_eval.push(t0.elapsed().as_secs_f64() * 1000.0);
        // Let the background index finish: workspace symbols see all 80 definitions.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let r = s.request("workspace/symbol", json!({"query": ""}));
            let defs = r
                .as_array()
                .unwrap()
                .iter()
                .filter(|w| w["kind"] == 5)
                .count();
            if defs >= 80 || Instant::now() > deadline {
                break;
            }
        }
        mem.push(rss_kb(s.pid()).0 as f64 / 1024.0);
        s.shutdown();
    }
    report("cold start -> first diagnostics (80 files)", &mut cold);
    report("cold start -> first evaluation diagnostics", &mut cold_eval);
    println!(
        "resident memory with the 80-file workspace indexed: {:.1} MiB",
        percentile(&mut mem, 0.5)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
