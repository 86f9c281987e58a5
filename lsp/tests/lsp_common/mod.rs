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
        settings.set_snapshot_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/snapshots"
        ));
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!($name, $value));
    }};
}

/// JSON with sorted keys, two-space indented: stable whatever serde_json's features
/// (`preserve_order`, `arbitrary_precision`) the workspace build unifies.
pub fn canonical_json(v: &Value) -> String {
    fn go(v: &Value, indent: usize, out: &mut String) {
        let pad = "  ".repeat(indent + 1);
        match v {
            Value::Object(m) if !m.is_empty() => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push_str("{\n");
                for (i, k) in keys.iter().enumerate() {
                    out.push_str(&format!("{pad}{}: ", Value::String((*k).clone())));
                    go(&m[*k], indent + 1, out);
                    out.push_str(if i + 1 < keys.len() { ",\n" } else { "\n" });
                }
                out.push_str(&"  ".repeat(indent));
                out.push('}');
            }
            Value::Array(a) if !a.is_empty() => {
                out.push_str("[\n");
                for (i, x) in a.iter().enumerate() {
                    out.push_str(&pad);
                    go(x, indent + 1, out);
                    out.push_str(if i + 1 < a.len() { ",\n" } else { "\n" });
                }
                out.push_str(&"  ".repeat(indent));
                out.push(']');
            }
            Value::Number(n) => out.push_str(&n.to_string()),
            other => out.push_str(&serde_json::to_string(other).unwrap()),
        }
    }
    let mut out = String::new();
    go(v, 0, &mut out);
    out
}

#[macro_export]
macro_rules! json_snapshot {
    ($name:expr, $value:expr) => {{
        let value: serde_json::Value = $value;
        $crate::snapshot!($name, $crate::lsp_common::canonical_json(&value));
    }};
}
