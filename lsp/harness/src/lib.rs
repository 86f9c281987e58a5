//! A JSON-RPC client for protocol tests and benchmarks of `xdef lsp`: it spawns the real
//! binary, speaks LSP over its stdio, answers the server's own requests
//! (`workspace/configuration` with the settings given, capability registration, progress),
//! and waits for specific messages with a timeout — it never sleeps to synchronise.
//!
//! ```no_run
//! use serde_json::json;
//! let mut s = xdef_lsp_harness::Server::spawn(env!("CARGO_PKG_NAME"));
//! s.initialize(json!({}));
//! s.open("file:///a.cue", "a: 1\n");
//! let d = s.wait_diagnostics("file:///a.cue", |_| true);
//! ```

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long to wait for an answer before failing a test.
pub const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Server {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    rx: Receiver<Value>,
    /// Messages received but not consumed yet (notifications, out-of-order responses).
    pending: VecDeque<Value>,
    next_id: i64,
    /// The answer to `workspace/configuration` (the `xdef` section).
    pub config: Arc<Mutex<Value>>,
    /// Every `workspace/configuration` request the server made.
    pub config_requests: Arc<Mutex<Vec<Value>>>,
    versions: std::collections::HashMap<String, i64>,
}

fn write_message(stdin: &Mutex<ChildStdin>, msg: &Value) {
    let body = serde_json::to_string(msg).expect("json");
    let mut w = stdin.lock().unwrap();
    let _ = write!(w, "Content-Length: {}\r\n\r\n{}", body.len(), body);
    let _ = w.flush();
}

impl Server {
    /// Spawns `BIN lsp`.
    pub fn spawn(bin: &str) -> Server {
        Server::spawn_with(bin, &["lsp"])
    }

    pub fn spawn_with(bin: &str, args: &[&str]) -> Server {
        let mut child = Command::new(bin)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("XDEF_LSP_STDERR").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {bin}: {e}"));
        let stdin = Arc::new(Mutex::new(child.stdin.take().expect("stdin")));
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        let config = Arc::new(Mutex::new(json!({})));
        let config_requests = Arc::new(Mutex::new(Vec::new()));
        let (w, c, cr) = (stdin.clone(), config.clone(), config_requests.clone());
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length:") {
                        len = v.trim().parse::<usize>().ok();
                    }
                }
                let Some(len) = len else { return };
                let mut body = vec![0u8; len];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let Ok(msg) = serde_json::from_slice::<Value>(&body) else {
                    continue;
                };
                // Answer the server's requests at once: it may be waiting for them.
                if let (Some(id), Some(method)) =
                    (msg.get("id"), msg.get("method").and_then(Value::as_str))
                {
                    let result = match method {
                        "workspace/configuration" => {
                            cr.lock().unwrap().push(msg.clone());
                            let n = msg["params"]["items"].as_array().map_or(1, Vec::len);
                            Value::Array(vec![c.lock().unwrap().clone(); n])
                        }
                        _ => Value::Null,
                    };
                    write_message(&w, &json!({"jsonrpc": "2.0", "id": id, "result": result}));
                }
                if tx.send(msg).is_err() {
                    return;
                }
            }
        });
        Server {
            child,
            stdin,
            rx,
            pending: VecDeque::new(),
            next_id: 1,
            config,
            config_requests,
            versions: Default::default(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn send(&self, msg: &Value) {
        write_message(&self.stdin, msg);
    }

    pub fn notify(&self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its id without waiting.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Waits for the message `pred` accepts (looking at buffered ones first).
    pub fn wait_for(
        &mut self,
        what: &str,
        pred: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> Value {
        if let Some(i) = self.pending.iter().position(&pred) {
            return self.pending.remove(i).expect("present");
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(msg) => {
                    if pred(&msg) {
                        return msg;
                    }
                    self.pending.push_back(msg);
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "timed out after {timeout:?} waiting for {what}; received meanwhile: {}",
                    serde_json::to_string(&self.pending).unwrap_or_default()
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server exited while waiting for {what}")
                }
            }
        }
    }

    /// The whole response (with `result` or `error`) to request `id`.
    pub fn response(&mut self, id: i64) -> Value {
        self.wait_for(
            &format!("the response to request {id}"),
            |m| m.get("id") == Some(&json!(id)) && m.get("method").is_none(),
            TIMEOUT,
        )
    }

    /// Sends a request and returns its `result` (panics on an error answer).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        let r = self.response(id);
        if let Some(e) = r.get("error") {
            panic!("{method} failed: {e}");
        }
        r["result"].clone()
    }

    pub fn initialize(&mut self, params: Value) -> Value {
        let mut p = json!({
            "processId": null,
            "rootUri": null,
            "capabilities": {
                "workspace": {"configuration": true, "workspaceFolders": true},
                "textDocument": {"publishDiagnostics": {"relatedInformation": true}},
            },
            "initializationOptions": {"checkDoneNotifications": true},
        });
        merge(&mut p, params);
        let r = self.request("initialize", p);
        self.notify("initialized", json!({}));
        r
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.versions.insert(uri.to_owned(), 1);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "cue", "version": 1, "text": text}}),
        );
    }

    /// Opens a document with a `languageId` of its own (`yaml`, ...).
    pub fn open_as(&mut self, uri: &str, language_id: &str, text: &str) {
        self.versions.insert(uri.to_owned(), 1);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language_id, "version": 1, "text": text}}),
        );
    }

    /// Sends `didChange` with the given content changes; returns the new version.
    pub fn change(&mut self, uri: &str, changes: Value) -> i64 {
        let v = self.versions.entry(uri.to_owned()).or_insert(0);
        *v += 1;
        let version = *v;
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
        version
    }

    pub fn version(&self, uri: &str) -> i64 {
        self.versions.get(uri).copied().unwrap_or(0)
    }

    /// The next `publishDiagnostics` for `uri` that `pred` accepts.
    pub fn wait_diagnostics(&mut self, uri: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let uri = uri.to_owned();
        self.wait_for(
            &format!("diagnostics for {uri}"),
            move |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri.as_str()
                    && pred(&m["params"])
            },
            TIMEOUT,
        )["params"]
            .clone()
    }

    /// Waits for the evaluation tier to finish `version` of `uri` (`xdef/checkDone`),
    /// then returns the diagnostics it published.
    pub fn wait_checked(&mut self, uri: &str, version: i64) -> Value {
        let u = uri.to_owned();
        self.wait_for(
            &format!("xdef/checkDone for {uri} v{version}"),
            move |m| {
                m["method"] == "xdef/checkDone"
                    && m["params"]["uri"] == u.as_str()
                    && m["params"]["version"] == json!(version)
            },
            TIMEOUT,
        );
        // The evaluation tier's publish comes right before its checkDone: the last one
        // buffered for this version.
        let i = self
            .pending
            .iter()
            .rposition(|m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri
                    && m["params"]["version"] == json!(version)
            })
            .expect("diagnostics published before xdef/checkDone");
        let d = self.pending.remove(i).expect("present")["params"].clone();
        // Drop older publishes for this document.
        self.pending.retain(|m| {
            !(m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)
        });
        d
    }

    /// Whether a message `pred` accepts has arrived (without waiting).
    pub fn seen(&mut self, pred: impl Fn(&Value) -> bool) -> bool {
        while let Ok(m) = self.rx.try_recv() {
            self.pending.push_back(m);
        }
        self.pending.iter().any(pred)
    }

    /// Drops buffered messages.
    pub fn clear(&mut self) {
        while let Ok(m) = self.rx.try_recv() {
            self.pending.push_back(m);
        }
        self.pending.clear();
    }

    /// `shutdown` then `exit`; waits for the process to end.
    pub fn shutdown(mut self) -> std::process::ExitStatus {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit after `exit`");
            }
            std::thread::park_timeout(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Deep-merges `b` into `a` (objects merge, everything else replaces).
pub fn merge(a: &mut Value, b: Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (a, b) => *a = b,
    }
}

/// The LSP position (line, UTF-16 character) of byte `offset` in `text`.
pub fn position(text: &str, offset: usize) -> Value {
    position_in(text, offset, false)
}

/// The LSP position of `offset`, counting UTF-8 bytes when `utf8`.
pub fn position_in(text: &str, offset: usize, utf8: bool) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col: usize = if utf8 {
        offset - line_start
    } else {
        before[line_start..].chars().map(char::len_utf16).sum()
    };
    json!({"line": line, "character": col})
}

/// The offset of the `nth` occurrence of `needle`, plus `delta` bytes.
pub fn offset_of(text: &str, needle: &str, nth: usize, delta: isize) -> usize {
    let (i, _) = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` (#{nth}) not found"));
    (i as isize + delta) as usize
}

/// The LSP position of the `nth` `needle` plus `delta` bytes.
pub fn pos(text: &str, needle: &str, nth: usize, delta: isize) -> Value {
    position(text, offset_of(text, needle, nth, delta))
}

/// A `textDocument/...` position parameter.
pub fn at(uri: &str, position: Value) -> Value {
    json!({"textDocument": {"uri": uri}, "position": position})
}

/// Diagnostics as one line each: `line:col-line:col severity message`.
pub fn render_diagnostics(params: &Value) -> String {
    let mut out = String::new();
    for d in params["diagnostics"].as_array().into_iter().flatten() {
        let r = &d["range"];
        let sev = match d["severity"].as_i64() {
            Some(1) => "error",
            Some(2) => "warning",
            Some(3) => "info",
            _ => "hint",
        };
        out.push_str(&format!(
            "{}:{}-{}:{} {sev} {}",
            r["start"]["line"],
            r["start"]["character"],
            r["end"]["line"],
            r["end"]["character"],
            d["message"].as_str().unwrap_or("")
        ));
        for rel in d["relatedInformation"].as_array().into_iter().flatten() {
            let r = &rel["location"]["range"];
            out.push_str(&format!(
                "\n    related {}:{} {}",
                r["start"]["line"],
                r["start"]["character"],
                rel["message"].as_str().unwrap_or("")
            ));
        }
        out.push('\n');
    }
    if out.is_empty() {
        out.push_str("(none)\n");
    }
    out
}

/// Completion labels (with detail) one per line.
pub fn render_completion(result: &Value) -> String {
    let items = result
        .get("items")
        .and_then(Value::as_array)
        .or_else(|| result.as_array())
        .cloned()
        .unwrap_or_default();
    let mut out = String::new();
    for i in items {
        out.push_str(i["label"].as_str().unwrap_or(""));
        if let Some(d) = i["detail"].as_str() {
            out.push_str(&format!("  — {d}"));
        }
        out.push('\n');
    }
    if out.is_empty() {
        out.push_str("(none)\n");
    }
    out
}

/// Applies LSP text edits (UTF-16 positions) to a text.
pub fn apply_edits(text: &str, edits: &Value) -> String {
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let s = offset_at(text, &e["range"]["start"]);
            let t = offset_at(text, &e["range"]["end"]);
            (s, t, e["newText"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    edits.sort_by_key(|(s, t, _)| (*s, *t));
    let mut out = text.to_owned();
    for (s, t, new) in edits.into_iter().rev() {
        out.replace_range(s..t, &new);
    }
    out
}

/// The byte offset of an LSP position (UTF-16) in `text`.
pub fn offset_at(text: &str, pos: &Value) -> usize {
    let line = pos["line"].as_u64().unwrap_or(0) as usize;
    let ch = pos["character"].as_u64().unwrap_or(0) as usize;
    let mut start = 0usize;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let mut units = 0usize;
    for (i, c) in text[start..].char_indices() {
        if units >= ch || c == '\n' || c == '\r' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}
