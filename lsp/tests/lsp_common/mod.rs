//! Shared helpers of the protocol tests: fixtures, a started server, snapshots kept under
//! `tests/fixtures/snapshots`.
#![allow(dead_code)]

use serde_json::{Value, json};
pub use xdef_lsp_harness::*;

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn uri(name: &str) -> String {
    format!("file:///fixtures/{name}")
}

/// A server started and initialized with no diagnostics delay and `xdef/checkDone`.
pub fn server() -> Server {
    server_with(json!({}))
}

pub fn server_with(init: Value) -> Server {
    let mut s = Server::spawn(env!("CARGO_BIN_EXE_xdef"));
    let mut params = json!({"initializationOptions": {
        "checkDoneNotifications": true,
        "xdef": {"diagnostics": {"delayMs": 0}},
    }});
    merge(&mut params, init);
    s.initialize(params);
    s
}

/// Opens a fixture and waits for its evaluation tier; returns (uri, text, diagnostics).
pub fn open_checked(s: &mut Server, name: &str) -> (String, String, Value) {
    let text = fixture(name);
    let u = uri(name);
    s.open(&u, &text);
    let d = s.wait_checked(&u, 1);
    (u, text, d)
}

#[macro_export]
macro_rules! snapshot {
    ($name:expr, $value:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!($name, $value));
    }};
}

#[macro_export]
macro_rules! json_snapshot {
    ($name:expr, $value:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_json_snapshot!($name, $value));
    }};
}
