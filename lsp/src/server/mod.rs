//! `xdef lsp`: the language server, on stdio.
//!
//! This module is the protocol layer: it owns the documents, converts between protocol
//! types and byte offsets, and routes each request to one feature module. Feature modules
//! compute on an immutable [`document::Snapshot`] and never wait for evaluation.
//!
//! House rules (see ARCHITECTURE.md and the design's invariants):
//! - document edits are applied synchronously in `did_open`/`did_change`/`did_close`,
//!   before any `.await` (tower-lsp-server polls handlers concurrently);
//! - fast answers (completion, hover, symbols, syntax diagnostics) never wait for
//!   evaluation, which runs on one dedicated thread ([`worker`]) under the configured
//!   budget, with stale results dropped;
//! - a panic in a request answers that request with an error and the server lives on;
//! - nothing here reaches the network or a cluster.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

mod application;
mod check;
mod code_actions;
mod completion;
mod config;
mod diagnostics;
mod document;
mod encoding;
mod folding;
mod formatting;
mod hover;
mod inlay_hints;
mod navigation;
mod packages;
mod preview;
mod rename;
mod scope;
mod selection;
mod semantic_tokens;
mod symbols;
mod syntax;
mod worker;
mod workspace;

pub use check::check_file;

use config::Settings;
use diagnostics::{Outgoing, OutgoingTx};
use document::{Document, Lang, SemanticResult, Snapshot};
use encoding::Encoding;
use worker::{CheckJob, JobKind, Worker};

/// Runs the server on stdin/stdout until the client says `exit`.
pub fn run() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("xdef lsp: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    runtime.block_on(async {
        let stdin = tokio::io::stdin();
        let stdout = tokio::io::stdout();
        let builder = LspService::build(Backend::new)
            .custom_method("xdef/renderPreview", Backend::render_preview)
            .custom_method("xdef/patchPreview", Backend::patch_preview);
        #[cfg(any(debug_assertions, feature = "debug-requests"))]
        let builder = builder
            .custom_method("xdef/debugPanic", Backend::debug_panic)
            .custom_method(
                "xdef/debugPanicNotification",
                Backend::debug_panic_notification,
            )
            .custom_method("xdef/debugSleep", Backend::debug_sleep);
        let (service, socket) = builder.finish();
        Server::new(stdin, stdout, socket)
            .serve(CatchPanics(service))
            .await;
    });
    // The evaluation thread may be busy; do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(100));
    std::process::ExitCode::SUCCESS
}

/// The request boundary: a panic while handling a message answers that request with an
/// internal error (notifications are dropped) and the server goes on. Locks poisoned by the
/// panic are recovered everywhere (`unwrap_or_else(|e| e.into_inner())`).
struct CatchPanics<S>(S);

impl<S> tower::Service<tower_lsp_server::jsonrpc::Request> for CatchPanics<S>
where
    S: tower::Service<
            tower_lsp_server::jsonrpc::Request,
            Response = Option<tower_lsp_server::jsonrpc::Response>,
        >,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Option<tower_lsp_server::jsonrpc::Response>;
    type Error = S::Error;
    type Future =
        futures::future::BoxFuture<'static, std::result::Result<Self::Response, S::Error>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::result::Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: tower_lsp_server::jsonrpc::Request) -> Self::Future {
        use futures::FutureExt;
        let id = req.id().cloned();
        let method = req.method().to_owned();
        let fut = self.0.call(req);
        Box::pin(async move {
            match std::panic::AssertUnwindSafe(fut).catch_unwind().await {
                Ok(r) => r,
                Err(p) => {
                    let message = panic_message(&p);
                    eprintln!("xdef lsp: internal error in {method}: {message}");
                    Ok(id.map(|id| {
                        tower_lsp_server::jsonrpc::Response::from_error(
                            id,
                            Error {
                                code: ErrorCode::InternalError,
                                message: format!("xdef: internal error in {method}: {message}")
                                    .into(),
                                data: None,
                            },
                        )
                    }))
                }
            }
        })
    }
}

/// Shared state, reachable from handlers and from the evaluation thread.
pub struct State {
    docs: Mutex<HashMap<Uri, Document>>,
    encoding: RwLock<Encoding>,
    settings: RwLock<Settings>,
    outgoing: OutgoingTx,
    check_done: AtomicBool,
    /// The client answers `workspace/configuration`.
    config_pull: AtomicBool,
    workspace: workspace::Workspace,
}

#[derive(Clone)]
pub struct Backend {
    client: Client,
    state: Arc<State>,
    worker: Worker,
}

/// The text of a panic payload.
pub fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// Runs a request's computation; a panic becomes an error answer for that request only.
fn guard<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        let message = panic_message(&p);
        eprintln!("xdef lsp: internal error in {what}: {message}");
        Error {
            code: ErrorCode::InternalError,
            message: format!("xdef: internal error in {what}: {message}").into(),
            data: None,
        }
    })
}

impl Backend {
    fn new(client: Client) -> Backend {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Outgoing>();
        let state = Arc::new(State {
            docs: Mutex::new(HashMap::new()),
            encoding: RwLock::new(Encoding::Utf16),
            settings: RwLock::new(Settings::default()),
            outgoing: tx,
            check_done: AtomicBool::new(false),
            config_pull: AtomicBool::new(false),
            workspace: workspace::Workspace::default(),
        });
        // The one task that sends diagnostics, in the order they were produced.
        let out_client = client.clone();
        tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                match msg {
                    Outgoing::Diagnostics {
                        uri,
                        diagnostics,
                        version,
                    } => {
                        out_client
                            .publish_diagnostics(uri, diagnostics, version)
                            .await
                    }
                    Outgoing::CheckDone {
                        uri,
                        version,
                        millis,
                        diagnostics,
                    } => {
                        out_client
                            .send_notification::<CheckDone>(serde_json::json!({
                                "uri": uri, "version": version, "millis": millis,
                                "diagnostics": diagnostics,
                            }))
                            .await
                    }
                }
            }
        });
        let weak = Arc::downgrade(&state);
        let worker = Worker::spawn(Box::new(move |uri, version, result, elapsed| {
            if let Some(state) = weak.upgrade() {
                state.on_check(uri, version, result, elapsed);
            }
        }));
        // Open Applications are checked again when a definition of the workspace changes.
        let changed = state.workspace.definitions_changed.clone();
        let (weak, app_worker) = (Arc::downgrade(&state), worker.clone());
        tokio::spawn(async move {
            loop {
                changed.notified().await;
                let Some(state) = weak.upgrade() else { break };
                let docs = state.docs.lock().unwrap_or_else(|e| e.into_inner());
                let generation = state.workspace.definitions_generation() + 1;
                for (uri, doc) in docs.iter().filter(|(_, d)| d.lang == Lang::Yaml) {
                    if doc.scheduled_generation.load(Ordering::Relaxed) != generation {
                        state.schedule_check(&app_worker, uri, doc);
                    }
                }
            }
        });
        Backend {
            client,
            state,
            worker,
        }
    }

    fn encoding(&self) -> Encoding {
        *self
            .state
            .encoding
            .read()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn settings(&self) -> Settings {
        self.state
            .settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let docs = self.state.docs.lock().unwrap_or_else(|e| e.into_inner());
        docs.get(uri).map(|d| d.snapshot(uri, self.encoding()))
    }

    /// The snapshot of a CUE document (the features that only CUE has answer nothing for
    /// YAML documents).
    fn cue_snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        self.snapshot(uri).filter(|s| s.lang == Lang::Cue)
    }

    /// Publishes tier 1 and schedules tier 2 for a document that just changed.
    /// Called with the documents lock held, so publishes keep the edits' order.
    fn after_change(&self, uri: &Uri, doc: &Document) {
        let enc = self.encoding();
        let diags = diagnostics::tier1(doc);
        diagnostics::publish(&self.state.outgoing, uri, doc, enc, &diags);
        // Build the scope index now, off the handler, so that the completion or hover that
        // usually follows an edit finds it ready (one that comes first builds it itself).
        // The workspace symbols of the document are refreshed there too.
        // The workspace's definitions from this document (CUE, or YAML with CRDs) too.
        let (cache, parse) = (doc.cache.clone(), doc.parse.clone());
        let (state, doc_uri, version, lang) =
            (self.state.clone(), uri.clone(), doc.version, doc.lang);
        tokio::task::spawn_blocking(move || {
            if lang == Lang::Cue {
                cache.scope.get_or_init(|| scope::Index::build(&parse));
            }
            // Only if still open at this version (a late task must not undo a newer one).
            let docs = state.docs.lock().unwrap_or_else(|e| e.into_inner());
            if docs.get(&doc_uri).map(|d| d.version) == Some(version) {
                match lang {
                    Lang::Cue => {
                        state.workspace.update_open(&doc_uri, &parse);
                        state.workspace.update_open_definitions(
                            &doc_uri,
                            parse.text(),
                            Some(&parse),
                        );
                    }
                    Lang::Yaml => {
                        state
                            .workspace
                            .update_open_definitions(&doc_uri, parse.text(), None)
                    }
                }
            }
        });
        self.state.schedule_check(&self.worker, uri, doc);
    }

    /// Re-checks every open document (after a settings change).
    fn recheck_all(&self) {
        let docs = self.state.docs.lock().unwrap_or_else(|e| e.into_inner());
        for (uri, doc) in docs.iter() {
            self.after_change(uri, doc);
        }
    }

    /// Asks the client for the `xdef` settings, in a task of its own: a handler must not
    /// wait for the client (after `exit` its answer is never read, and the handler would
    /// keep the server from ending).
    fn pull_configuration(&self) {
        if !self.state.config_pull.load(Ordering::Relaxed) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move { this.pull_configuration_now().await });
    }

    async fn pull_configuration_now(&self) {
        let items = vec![ConfigurationItem {
            scope_uri: None,
            section: Some("xdef".into()),
        }];
        if let Ok(values) = self.client.configuration(items).await {
            if let Some(v) = values.first().filter(|v| v.is_object()) {
                let changed = {
                    let mut s = self
                        .state
                        .settings
                        .write()
                        .unwrap_or_else(|e| e.into_inner());
                    let before = s.clone();
                    s.apply(v);
                    *s != before
                };
                if changed {
                    self.recheck_all();
                }
            }
        }
    }

    // ---- custom requests ----

    async fn render_preview(&self, params: preview::RenderParams) -> Result<Value> {
        let snap = self
            .cue_snapshot(&params.text_document.uri)
            .ok_or_else(|| Error::invalid_params("the document is not an open CUE document"))?;
        let settings = self.settings();
        let roots = self.state.workspace.roots();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let text = snap.text().to_owned();
        self.worker.run_task(move || {
            let _ = tx.send(preview::render_preview(&text, &settings, &roots));
        });
        rx.await
            .map_err(|_| Error::internal_error())?
            .map_err(|m| Error::invalid_params(m))
    }

    async fn patch_preview(&self, params: preview::PatchParams) -> Result<Value> {
        let snap = self
            .cue_snapshot(&params.text_document.uri)
            .ok_or_else(|| Error::invalid_params("the document is not an open CUE document"))?;
        let component_text = match self.snapshot(&params.component.uri) {
            Some(c) => c.text().to_owned(),
            None => {
                let path = params
                    .component
                    .uri
                    .to_file_path()
                    .ok_or_else(|| Error::invalid_params("component: not a file URI"))?;
                std::fs::read_to_string(&path).map_err(|e| {
                    Error::invalid_params(format!("component: {}: {e}", path.display()))
                })?
            }
        };
        let settings = self.settings();
        let roots = self.state.workspace.roots();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let text = snap.text().to_owned();
        self.worker.run_task(move || {
            let _ = tx.send(preview::patch_preview(
                &text,
                &component_text,
                &settings,
                &roots,
            ));
        });
        rx.await
            .map_err(|_| Error::internal_error())?
            .map_err(|m| Error::invalid_params(m))
    }

    /// Panics, to test the request boundary (not inside `guard`: the service wrapper
    /// catches it).
    #[cfg(any(debug_assertions, feature = "debug-requests"))]
    async fn debug_panic(&self, params: Value) -> Result<Value> {
        if params.get("never").is_none() {
            panic!("deliberate panic (xdef/debugPanic)");
        }
        Ok(Value::Null)
    }

    /// The same in a notification handler.
    #[cfg(any(debug_assertions, feature = "debug-requests"))]
    async fn debug_panic_notification(&self, params: Value) {
        if params.get("never").is_none() {
            panic!("deliberate panic (xdef/debugPanicNotification)");
        }
    }

    #[cfg(any(debug_assertions, feature = "debug-requests"))]
    async fn debug_sleep(&self, params: Value) -> Result<Value> {
        let ms = params.get("ms").and_then(Value::as_u64).unwrap_or(10_000);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(Value::Null)
    }
}

impl State {
    /// Schedules the evaluation tier of a document: CUE files always; YAML documents when
    /// they hold an Application and the workspace's definitions have been read (the end
    /// of that reading schedules them again).
    fn schedule_check(&self, worker: &Worker, uri: &Uri, doc: &Document) {
        let kind = match doc.lang {
            Lang::Cue => JobKind::Cue(uri.to_file_path().map(|p| p.into_owned())),
            Lang::Yaml => {
                if !application::looks_like_app(doc.parse.text()) {
                    worker.cancel_check(uri);
                    return;
                }
                if !self.workspace.indexed() {
                    return;
                }
                doc.scheduled_generation.store(
                    self.workspace.definitions_generation() + 1,
                    Ordering::Relaxed,
                );
                JobKind::Application(self.workspace.clone())
            }
        };
        let settings = self
            .settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        worker.schedule_check(
            uri.clone(),
            CheckJob {
                version: doc.version,
                text: doc.parse.text().to_owned(),
                due: Instant::now() + Duration::from_millis(settings.diagnostics_delay_ms),
                budget_steps: settings.budget_steps,
                kind,
            },
        );
    }

    /// A check finished on the evaluation thread: keep and publish it if still current.
    fn on_check(
        &self,
        uri: Uri,
        version: i32,
        result: std::result::Result<check::CheckOutput, String>,
        elapsed: Duration,
    ) {
        let enc = *self.encoding.read().unwrap_or_else(|e| e.into_inner());
        let mut docs = self.docs.lock().unwrap_or_else(|e| e.into_inner());
        let Some(doc) = docs.get_mut(&uri) else {
            return;
        };
        if doc.version != version {
            return; // superseded
        }
        let output = match result {
            Ok(o) => o,
            Err(message) => check::CheckOutput {
                diagnostics: vec![document::Diag {
                    range: 0..0,
                    severity: document::Severity::Error,
                    message: format!("xdef: internal error while checking this file: {message}"),
                    path: String::new(),
                    related: Vec::new(),
                    elsewhere: Vec::new(),
                }],
                ..Default::default()
            },
        };
        let syntax_clean = match doc.lang {
            Lang::Cue => !doc.parse.tree().root_node().has_error(),
            Lang::Yaml => !output.yaml_invalid,
        };
        let sem = SemanticResult {
            version,
            diagnostics: output.diagnostics,
            values: output.values,
            syntax_clean,
        };
        diagnostics::publish(&self.outgoing, &uri, doc, enc, &sem.diagnostics);
        let count = sem.diagnostics.len();
        doc.semantic = Some(Arc::new(sem));
        if self.check_done.load(Ordering::Relaxed) {
            let _ = self.outgoing.send(Outgoing::CheckDone {
                uri,
                version,
                millis: elapsed.as_secs_f64() * 1000.0,
                diagnostics: count,
            });
        }
    }
}

/// `xdef/checkDone`: the evaluation tier finished a version (opt-in, for tests and
/// benchmarks).
enum CheckDone {}
impl notification::Notification for CheckDone {
    type Params = Value;
    const METHOD: &'static str = "xdef/checkDone";
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let utf8 = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|encs| encs.contains(&PositionEncodingKind::UTF8));
        let enc = if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        *self
            .state
            .encoding
            .write()
            .unwrap_or_else(|e| e.into_inner()) = enc;
        if let Some(opts) = &params.initialization_options {
            self.state
                .settings
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .apply(opts);
            if opts.get("checkDoneNotifications").and_then(Value::as_bool) == Some(true) {
                self.state.check_done.store(true, Ordering::Relaxed);
            }
        }
        let pull = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.configuration)
            .unwrap_or(false);
        self.state.config_pull.store(pull, Ordering::Relaxed);
        let mut roots: Vec<std::path::PathBuf> = Vec::new();
        if let Some(folders) = &params.workspace_folders {
            roots.extend(
                folders
                    .iter()
                    .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned())),
            );
        }
        #[allow(deprecated)]
        if roots.is_empty() {
            if let Some(root) = &params.root_uri {
                roots.extend(root.to_file_path().map(|p| p.into_owned()));
            }
        }
        self.state.workspace.set_roots(roots);
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "xdef".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(if utf8 {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(
                        [".", "\"", "/", "=", "+", "@"]
                            .iter()
                            .map(|s| s.to_string())
                            .collect(),
                    ),
                    ..Default::default()
                }),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: semantic_tokens::legend(),
                            range: Some(true),
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            ..Default::default()
                        },
                    ),
                ),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                document_range_formatting_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::REFACTOR_REWRITE,
                        ]),
                        ..Default::default()
                    },
                )),
                inlay_hint_provider: Some(OneOf::Left(true)),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.state.workspace.index_in_background();
        self.pull_configuration();
    }

    async fn shutdown(&self) -> Result<()> {
        self.worker.shutdown();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let uri = params.text_document.uri;
        let lang = Lang::of(&uri, &params.text_document.language_id);
        let mut docs = self.state.docs.lock().unwrap_or_else(|e| e.into_inner());
        let doc = Document::new(
            params.text_document.version,
            params.text_document.text,
            lang,
        );
        self.after_change(&uri, &doc);
        docs.insert(uri, doc);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let enc = self.encoding();
        let mut docs = self.state.docs.lock().unwrap_or_else(|e| e.into_inner());
        let Some(doc) = docs.get_mut(&uri) else {
            return;
        };
        for change in params.content_changes {
            doc.apply_change(change, enc);
        }
        doc.version = params.text_document.version;
        self.after_change(&uri, doc);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let docs = self.state.docs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(doc) = docs
            .get(&params.text_document.uri)
            .filter(|d| d.lang == Lang::Cue)
        {
            self.state
                .workspace
                .update_open(&params.text_document.uri, &doc.parse);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        {
            let mut docs = self.state.docs.lock().unwrap_or_else(|e| e.into_inner());
            docs.remove(&uri);
            self.worker.cancel_check(&uri);
            let _ = self.state.outgoing.send(Outgoing::Diagnostics {
                uri: uri.clone(),
                diagnostics: Vec::new(),
                version: None,
            });
        }
        self.state.workspace.closed(&uri);
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let changed = {
            let mut s = self
                .state
                .settings
                .write()
                .unwrap_or_else(|e| e.into_inner());
            let before = s.clone();
            if params.settings.is_object() {
                s.apply(&params.settings);
            }
            *s != before
        };
        if changed {
            self.recheck_all();
        }
        self.pull_configuration();
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let added: Vec<_> = params
            .event
            .added
            .iter()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        let removed: Vec<_> = params
            .event
            .removed
            .iter()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        self.state.workspace.change_roots(added, removed);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        for change in params.changes {
            self.state.workspace.file_changed(&change.uri);
        }
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let uri = &params.text_document_position.text_document.uri;
        let Some(snap) = self.snapshot(uri) else {
            return Ok(None);
        };
        let offset = snap.offset(params.text_document_position.position);
        guard("completion", || {
            let items = match snap.lang {
                Lang::Cue => completion::complete(&snap, offset),
                Lang::Yaml => application::complete(&snap, offset, &self.state.workspace),
            };
            Some(CompletionResponse::List(CompletionList {
                is_incomplete: false,
                items,
            }))
        })
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let uri = &params.text_document_position_params.text_document.uri;
        let Some(snap) = self.snapshot(uri) else {
            return Ok(None);
        };
        let offset = snap.offset(params.text_document_position_params.position);
        guard("hover", || match snap.lang {
            Lang::Cue => hover::hover(&snap, offset),
            Lang::Yaml => application::hover(&snap, offset, &self.state.workspace),
        })
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let uri = &params.text_document_position_params.text_document.uri;
        let Some(snap) = self.snapshot(uri) else {
            return Ok(None);
        };
        let offset = snap.offset(params.text_document_position_params.position);
        guard("definition", || {
            let locs = match snap.lang {
                Lang::Cue => navigation::definition(&snap, offset),
                Lang::Yaml => application::definition(&snap, offset, &self.state.workspace)
                    .into_iter()
                    .collect(),
            };
            (!locs.is_empty()).then_some(GotoDefinitionResponse::Array(locs))
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let uri = &params.text_document_position.text_document.uri;
        let Some(snap) = self.cue_snapshot(uri) else {
            return Ok(None);
        };
        let offset = snap.offset(params.text_document_position.position);
        guard("references", || {
            let locs = navigation::references(&snap, offset, params.context.include_declaration);
            (!locs.is_empty()).then_some(locs)
        })
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let Some(snap) = self.cue_snapshot(&params.text_document.uri) else {
            return Ok(None);
        };
        let offset = snap.offset(params.position);
        guard("prepareRename", || rename::prepare(&snap, offset))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let uri = &params.text_document_position.text_document.uri;
        let Some(snap) = self.cue_snapshot(uri) else {
            return Ok(None);
        };
        let offset = snap.offset(params.text_document_position.position);
        guard("rename", || rename::rename(&snap, offset, &params.new_name))?
            .map_err(|m| Error::invalid_params(m))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some(snap) = self.cue_snapshot(&params.text_document.uri) else {
            return Ok(None);
        };
        guard("documentSymbol", || {
            Some(DocumentSymbolResponse::Nested(symbols::document_symbols(
                &snap,
            )))
        })
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let enc = self.encoding();
        guard("workspace/symbol", || {
            Some(WorkspaceSymbolResponse::Nested(
                self.state.workspace.symbols(&params.query, enc),
            ))
        })
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let Some(snap) = self.cue_snapshot(&params.text_document.uri) else {
            return Ok(None);
        };
        guard("semanticTokens", || {
            Some(SemanticTokensResult::Tokens(semantic_tokens::tokens(
                &snap, None,
            )))
        })
    }

    async fn semantic_tokens_range(
        &self,
        params: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        let Some(snap) = self.cue_snapshot(&params.text_document.uri) else {
            return Ok(None);
        };
        let range = encoding::offset_range(&snap.rope, params.range, snap.encoding);
        guard("semanticTokens/range", || {
            Some(SemanticTokensRangeResult::Tokens(semantic_tokens::tokens(
                &snap,
                Some(range),
            )))
        })
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let Some(snap) = self.cue_snapshot(&params.text_document.uri) else {
            return Ok(None);
        };
        guard("foldingRange", || Some(folding::ranges(&snap)))
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        let Some(snap) = self.cue_snapshot(&params.text_document.uri) else {
            return Ok(None);
        };
        guard("selectionRange", || {
            Some(selection::ranges(&snap, &params.positions))
        })
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some(snap) = self.cue_snapshot(&params.text_document.uri) else {
            return Ok(None);
        };
        guard("formatting", || formatting::format(&snap, None))
    }

    async fn range_formatting(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        let Some(snap) = self.cue_snapshot(&params.text_document.uri) else {
            return Ok(None);
        };
        let range = encoding::offset_range(&snap.rope, params.range, snap.encoding);
        guard("rangeFormatting", || formatting::format(&snap, Some(range)))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let Some(snap) = self.cue_snapshot(&params.text_document.uri) else {
            return Ok(None);
        };
        let range = encoding::offset_range(&snap.rope, params.range, snap.encoding);
        guard("codeAction", || {
            let actions = code_actions::actions(&snap, range, &params.context.diagnostics);
            (!actions.is_empty()).then_some(actions)
        })
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let Some(snap) = self.cue_snapshot(&params.text_document.uri) else {
            return Ok(None);
        };
        let range = encoding::offset_range(&snap.rope, params.range, snap.encoding);
        guard("inlayHint", || Some(inlay_hints::hints(&snap, range)))
    }
}

#[cfg(test)]
mod smoke {
    //! No feature panics on any offset of the fixtures and the bundled examples, whole or
    //! cut short (broken syntax), in both position encodings.
    use super::*;

    fn corpus() -> Vec<(String, String)> {
        let mut out = Vec::new();
        for dir in ["tests/fixtures", "../examples/definitions"] {
            let dir = format!("{}/{dir}", env!("CARGO_MANIFEST_DIR"));
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "cue") {
                    out.push((
                        p.display().to_string(),
                        std::fs::read_to_string(&p).unwrap(),
                    ));
                }
            }
        }
        out.sort();
        out
    }

    fn run_all(text: &str, enc: Encoding, step: usize) {
        let uri: Uri = "file:///smoke.cue".parse().unwrap();
        let doc = Document::new(1, text.to_owned(), document::Lang::Cue);
        let snap = doc.snapshot(&uri, enc);
        let _ = symbols::document_symbols(&snap);
        let _ = semantic_tokens::tokens(&snap, None);
        let _ = folding::ranges(&snap);
        let _ = formatting::format(&snap, None);
        let _ = inlay_hints::hints(&snap, 0..text.len());
        let mut offset = 0;
        while offset <= text.len() {
            let _ = completion::complete(&snap, offset);
            let _ = hover::hover(&snap, offset);
            let _ = navigation::definition(&snap, offset);
            let _ = navigation::references(&snap, offset, true);
            let _ = rename::prepare(&snap, offset);
            let _ = rename::rename(&snap, offset, "renamed");
            let _ = code_actions::actions(&snap, offset..offset, &[]);
            let p = snap.position(offset);
            let _ = selection::ranges(&snap, &[p]);
            offset += step;
        }
    }

    #[test]
    fn every_feature_on_every_offset() {
        for (name, text) in corpus() {
            eprintln!("smoke: {name}");
            run_all(&text, Encoding::Utf16, 41);
            run_all(&text, Encoding::Utf8, 131);
            // Cut short at a few places: unterminated structs, strings, comments.
            for cut in [text.len() / 3, text.len() / 2, text.len() * 4 / 5] {
                let cut = xdef_syntax::line_index::floor_char_boundary(&text, cut);
                run_all(&text[..cut], Encoding::Utf16, 97);
            }
        }
    }

    /// Application YAML: every feature on every offset of the fixture Applications and the
    /// example, whole and cut short, against the fixture workspace's definitions; the
    /// evaluation tier on the cut texts too.
    #[test]
    fn application_features_on_every_offset() {
        let workspace = workspace::Workspace::default();
        let base = env!("CARGO_MANIFEST_DIR");
        let mut apps = Vec::new();
        for dir in [
            "tests/fixtures/appws",
            "tests/fixtures/appws/definitions",
            "../examples",
        ] {
            let Ok(entries) = std::fs::read_dir(format!("{base}/{dir}")) else {
                continue;
            };
            let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
            entries.sort();
            for p in entries {
                let Some(uri) = Uri::from_file_path(&p) else {
                    continue;
                };
                let Ok(text) = std::fs::read_to_string(&p) else {
                    continue;
                };
                let name = p.display().to_string();
                if name.ends_with(".cue") {
                    let parse = Arc::new(xdef_syntax::parse(text.clone()));
                    workspace.update_open_definitions(&uri, &text, Some(&parse));
                } else if name.ends_with(".yaml") {
                    workspace.update_open_definitions(&uri, &text, None);
                    apps.push((uri, text));
                }
            }
        }
        assert!(
            !workspace
                .definitions(xdef_vela::DefinitionKind::Component)
                .is_empty()
        );
        let uri: Uri = "file:///smoke.yaml".parse().unwrap();
        for (_, text) in &apps {
            let cuts = [
                text.len(),
                text.len() / 3,
                text.len() / 2,
                text.len() * 4 / 5,
            ];
            for (i, cut) in cuts.into_iter().enumerate() {
                let cut = xdef_syntax::line_index::floor_char_boundary(text, cut);
                let text = &text[..cut];
                let doc = Document::new(1, text.to_owned(), Lang::Yaml);
                let _ = diagnostics::tier1(&doc);
                let _ = application::check(text, &workspace, 200_000);
                let (encodings, step) = if i == 0 {
                    (&[Encoding::Utf16, Encoding::Utf8][..], 3)
                } else {
                    (&[Encoding::Utf16][..], 7)
                };
                for &enc in encodings {
                    let snap = doc.snapshot(&uri, enc);
                    for offset in (0..=text.len()).step_by(step) {
                        let _ = application::complete(&snap, offset, &workspace);
                        let _ = application::hover(&snap, offset, &workspace);
                        let _ = application::definition(&snap, offset, &workspace);
                    }
                }
            }
        }
    }

    #[test]
    fn incremental_edits_keep_rope_and_parse_in_step() {
        let text = "a: {\r\n\tb: \"é𝄞\"\r\n}\r\nc: a.b\n";
        let mut doc = Document::new(1, text.to_owned(), document::Lang::Cue);
        let edits = [
            ((1, 5), (1, 7), "xy"),
            ((0, 0), (0, 0), "// héllo\n"),
            ((3, 3), (4, 0), ""),
            ((2, 0), (2, 1), "}}"),
        ];
        for ((l1, c1), (l2, c2), t) in edits {
            doc.apply_change(
                TextDocumentContentChangeEvent {
                    range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
                    range_length: None,
                    text: t.to_owned(),
                },
                Encoding::Utf16,
            );
            assert_eq!(doc.parse.text(), doc.rope.to_string());
            let fresh = xdef_syntax::parse(doc.rope.to_string());
            assert_eq!(
                doc.parse.tree().root_node().to_sexp(),
                fresh.tree().root_node().to_sexp()
            );
        }
    }
}
