//! Command-line usage errors and edge cases: `xdef check` on a missing path (exit 2, the
//! path named) and on an empty directory (said to be empty, exit 0); `xdef render` with
//! more `--trait-params` than `--trait` (exit 2), a parameter file that does not parse
//! (`file:line:col`, JSON/CUE and YAML).

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

#[test]
fn render_refuses_trait_params_without_a_trait() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let out = Command::new(env!("CARGO_BIN_EXE_xdef"))
        .args(["render", &format!("{root}/definitions/worker.cue")])
        .args(["--params", &format!("{root}/inputs/worker-params.json")])
        .args([
            "--trait-params",
            &format!("{root}/inputs/sidecar-params.json"),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("1 --trait-params given for 0 --trait"),
        "{stderr}"
    );
}

#[test]
fn a_broken_parameter_file_is_reported_with_its_position() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let params = std::env::temp_dir().join(format!("xdef-bad-params-{}.json", std::process::id()));
    std::fs::write(&params, "{\n  \"image\": \"nginx\",\n  \"cmd\": [1, 2\n}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xdef"))
        .args(["render", &format!("{root}/definitions/worker.cue")])
        .arg("--params")
        .arg(&params)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&params);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let name = params.file_name().unwrap().to_string_lossy().into_owned();
    assert!(stderr.contains(&format!("{name}:4:1: ")), "{stderr}");
}

#[test]
fn a_broken_yaml_parameter_file_is_reported_with_its_position() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let params = std::env::temp_dir().join(format!("xdef-bad-params-{}.yaml", std::process::id()));
    std::fs::write(&params, "image: nginx\n  cmd: [1]\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xdef"))
        .args(["render", &format!("{root}/definitions/worker.cue")])
        .arg("--params")
        .arg(&params)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&params);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let name = params.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        stderr.contains(&format!("{name}:2:6: mapping values are not allowed")),
        "{stderr}"
    );
}
