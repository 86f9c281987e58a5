//! Broken definitions: every file in `tests/broken/` is a working definition with one
//! typical mistake. Its `.expect` file lists, one per line, `LINE: text` — the diagnostics
//! the check must report (1-based line, a substring of the message; warnings read
//! `warning: message`). The check must report exactly these diagnostics: each mistake
//! found at the line where it is written, and no follow-on noise.

use std::path::Path;

use xdef_vela::Severity;
use xdef_vela::check::{CheckOptions, check_definition};

fn check(cue: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(cue).unwrap();
    let expect = std::fs::read_to_string(cue.with_extension("expect")).unwrap();
    let parse = xdef_syntax::parse(text.clone());
    let result = check_definition(&parse, &CheckOptions::default());
    let found: Vec<(u32, String)> = result
        .diagnostics
        .iter()
        .map(|d| {
            let pos = parse.line_index().line_col(&text, d.range.start);
            let severity = if d.severity == Severity::Warning {
                "warning: "
            } else {
                ""
            };
            (pos.line + 1, format!("{severity}{}", d.message))
        })
        .collect();
    let mut wanted: Vec<(u32, &str)> = Vec::new();
    for line in expect.lines().filter(|l| !l.trim().is_empty()) {
        let (n, msg) = line
            .split_once(": ")
            .ok_or_else(|| format!("bad expect line {line:?}"))?;
        wanted.push((
            n.trim()
                .parse()
                .map_err(|_| format!("bad line number in {line:?}"))?,
            msg,
        ));
    }
    let show = |found: &[(u32, String)]| {
        found
            .iter()
            .map(|(l, m)| format!("    {l}: {m}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (line, msg) in &wanted {
        if !found.iter().any(|(l, m)| l == line && m.contains(msg)) {
            return Err(format!(
                "expected an error at line {line} containing {msg:?}; found:\n{}",
                show(&found)
            ));
        }
    }
    if found.len() != wanted.len() {
        return Err(format!(
            "expected {} errors, found {}:\n{}",
            wanted.len(),
            found.len(),
            show(&found)
        ));
    }
    Ok(())
}

#[test]
fn broken_definitions_report_their_mistake_where_it_is_written() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cue"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "the broken corpus went missing");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            check(f)
                .err()
                .map(|e| format!("{}: {e}", f.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
