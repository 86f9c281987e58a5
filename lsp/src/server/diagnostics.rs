//! Publishing diagnostics in tiers.
//!
//! - Tier 1 (syntax), right after each change, synchronously in the change handler: the
//!   parse's syntax errors; when there are none, the last evaluation diagnostics moved
//!   along with the edits (so they do not flicker while typing); an explicit empty list
//!   for a clean file. YAML documents: the YAML syntax error of an Application, nothing
//!   for other YAML.
//! - Tier 2 (evaluation), from the evaluation worker, for the version it checked, dropped
//!   if the document has changed since.
//!
//! Every publish goes through one queue drained by one task, in the order the handlers
//! produced them, so a stale list can never overtake a newer one.

use tokio::sync::mpsc::UnboundedSender;
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri,
};

use super::document::{Diag, Document, Lang, Severity};
use super::encoding::{self, Encoding};

/// A message for the client, sent in order by the outgoing task.
pub enum Outgoing {
    Diagnostics {
        uri: Uri,
        diagnostics: Vec<lsp::Diagnostic>,
        version: Option<i32>,
    },
    /// `xdef/checkDone` (only when the client asked for it in `initializationOptions`).
    CheckDone {
        uri: Uri,
        version: i32,
        millis: f64,
        diagnostics: usize,
    },
}

pub type OutgoingTx = UnboundedSender<Outgoing>;

pub fn to_lsp(doc_rope: &ropey::Rope, uri: &Uri, enc: Encoding, d: &Diag) -> lsp::Diagnostic {
    let range = encoding::range(doc_rope, d.range.clone(), enc);
    let mut related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .map(|(r, note)| DiagnosticRelatedInformation {
            location: Location {
                uri: uri.clone(),
                range: encoding::range(doc_rope, r.clone(), enc),
            },
            message: note.clone(),
        })
        .collect();
    related.extend(d.elsewhere.iter().map(|e| {
        let col = match enc {
            Encoding::Utf16 => e.utf16_col,
            Encoding::Utf8 => e.utf8_col,
        };
        let at = lsp::Position::new(e.line, col);
        DiagnosticRelatedInformation {
            location: Location {
                uri: e.uri.clone(),
                range: lsp::Range::new(at, at),
            },
            message: e.note.clone(),
        }
    }));
    lsp::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: (!d.path.is_empty()).then(|| NumberOrString::String(d.path.clone())),
        source: Some("xdef".into()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

/// Tier 1: what to publish right after a change.
pub fn tier1(doc: &Document) -> Vec<Diag> {
    if doc.lang == Lang::Yaml {
        if !super::application::looks_like_app(doc.parse.text()) {
            return Vec::new();
        }
        let errors = super::application::syntax_errors(doc.parse.text());
        if !errors.is_empty() {
            return errors;
        }
        return match &doc.semantic {
            Some(sem) if sem.syntax_clean => sem.diagnostics.clone(),
            _ => Vec::new(),
        };
    }
    let errors = doc.parse.errors();
    if !errors.is_empty() {
        return errors
            .into_iter()
            .map(|e| Diag {
                range: e.range,
                severity: Severity::Error,
                message: e.message,
                path: String::new(),
                related: Vec::new(),
                elsewhere: Vec::new(),
            })
            .collect();
    }
    match &doc.semantic {
        Some(sem) if sem.syntax_clean => sem.diagnostics.clone(),
        _ => Vec::new(),
    }
}

pub fn publish(tx: &OutgoingTx, uri: &Uri, doc: &Document, enc: Encoding, diags: &[Diag]) {
    let diagnostics = diags
        .iter()
        .map(|d| to_lsp(&doc.rope, uri, enc, d))
        .collect();
    let _ = tx.send(Outgoing::Diagnostics {
        uri: uri.clone(),
        diagnostics,
        version: Some(doc.version),
    });
}
