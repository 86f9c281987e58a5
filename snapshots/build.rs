//! Generates one `#[test]` per case directory `cases/<group>/<case>/` (one holding a
//! `case.yaml`), so that each case passes or fails on its own.

use std::fmt::Write;
use std::path::Path;

fn ident(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    println!("cargo:rerun-if-changed=cases");
    let mut cases = Vec::new();
    if let Ok(groups) = std::fs::read_dir(&root) {
        for g in groups.flatten() {
            println!("cargo:rerun-if-changed={}", g.path().display());
            let Ok(entries) = std::fs::read_dir(g.path()) else {
                continue;
            };
            for c in entries.flatten() {
                if c.path().join("case.yaml").exists() {
                    let group = g.file_name().to_string_lossy().into_owned();
                    let case = c.file_name().to_string_lossy().into_owned();
                    cases.push((group, case));
                }
            }
        }
    }
    cases.sort();
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for (group, case) in &cases {
        if current != Some(group.as_str()) {
            if current.is_some() {
                out.push_str("}\n\n");
            }
            writeln!(out, "mod {} {{\n    use super::run_case;\n", ident(group)).unwrap();
            current = Some(group);
        }
        writeln!(
            out,
            "    #[test]\n    fn {}() {{\n        run_case(\"{group}/{case}\");\n    }}\n",
            ident(case)
        )
        .unwrap();
    }
    if current.is_some() {
        out.push_str("}\n");
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("cases.rs");
    std::fs::write(dest, out).unwrap();
}
