//! `xdef check` on paths that hold no definitions: missing paths are a usage error (exit
//! 2), an empty directory is said to be empty (exit 0).

use std::process::Command;

fn xdef_check(path: &std::path::Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xdef"))
        .arg("check")
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_empty_directory_is_reported_as_empty_and_passes() {
    let dir = std::env::temp_dir().join(format!("xdef-check-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (code, stderr) = xdef_check(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("no .cue files found"), "{stderr}");
}

#[test]
fn a_missing_path_is_a_usage_error_that_names_it() {
    let path = std::env::temp_dir().join("xdef-check-does-not-exist.cue");
    let (code, stderr) = xdef_check(&path);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("xdef-check-does-not-exist.cue"), "{stderr}");
}
