//! `xdef fmt`: exit codes, `--check` output, in-place rewriting, files with syntax errors
//! left untouched.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FORMATTED: &str = "a:   1\nbcd: 2\n";
const UNFORMATTED: &str = "a: 1\nbcd:    2\n";
const BROKEN: &str = "a: {\nb: 1\n";

/// A fresh directory under the system temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("xdef-fmt-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn xdef(args: &[&Path], check: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xdef"));
    cmd.arg("fmt");
    if check {
        cmd.arg("--check");
    }
    cmd.args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_exit_codes() {
    let dir = TempDir::new("check");
    let good = dir.write("good.cue", FORMATTED);
    let bad = dir.write("sub/bad.cue", UNFORMATTED);

    let out = xdef(&[&good], true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");

    // A directory is searched recursively; only the unformatted file is listed.
    let out = xdef(&[&dir.0], true);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let listed = stdout(&out);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(listed.trim_end().ends_with("bad.cue"), "{listed}");
    // --check writes nothing.
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), UNFORMATTED);
}

#[test]
fn rewrites_only_changed_files() {
    let dir = TempDir::new("write");
    let good = dir.write("good.cue", FORMATTED);
    let bad = dir.write("bad.cue", UNFORMATTED);
    let before = std::fs::metadata(&good).unwrap().modified().unwrap();

    let out = xdef(&[&dir.0], false);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "");
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), "a:   1\nbcd: 2\n");
    assert_eq!(
        std::fs::metadata(&good).unwrap().modified().unwrap(),
        before
    );
    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    let out = xdef(&[&dir.0], true);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn syntax_errors_are_reported_and_file_left_untouched() {
    let dir = TempDir::new("broken");
    let broken = dir.write("broken.cue", BROKEN);
    let bad = dir.write("bad.cue", UNFORMATTED);

    let out = xdef(&[&dir.0], false);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    // file:line:col: message
    let first = err.lines().next().unwrap_or_default();
    let mut parts = first.splitn(4, ':');
    let (file, line, col) = (parts.next().unwrap(), parts.next(), parts.next());
    assert!(file.ends_with("broken.cue"), "{err}");
    assert!(line.is_some_and(|l| l.parse::<u32>().is_ok()), "{err}");
    assert!(col.is_some_and(|c| c.parse::<u32>().is_ok()), "{err}");
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), BROKEN);
    // Other files are still formatted.
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), FORMATTED);

    let out = xdef(&[&broken], true);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
}

#[test]
fn unreadable_paths_exit_2() {
    let dir = TempDir::new("missing");
    let good = dir.write("good.cue", FORMATTED);
    let missing = dir.0.join("missing.cue");
    let out = xdef(&[&missing, &good], true);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.cue"), "{}", stderr(&out));
}
