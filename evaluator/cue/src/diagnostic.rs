//! Diagnostics of compilation and evaluation: a message, the CUE path it concerns, the
//! primary source span and related spans (the other side of a conflict).

use crate::ir::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The CUE path of the value concerned (`output.spec.replicas`), empty at the root or
    /// for errors not tied to a value.
    pub path: String,
    pub message: String,
    /// The primary position; `None` when no source position is known.
    pub span: Option<Span>,
    /// Other positions involved (both sides of a conflict), with a short note each.
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            path: String::new(),
            message: message.into(),
            span: Some(span),
            related: Vec::new(),
        }
    }

    /// `path: message`, as CUE prints errors.
    pub fn text(&self) -> String {
        if self.path.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.path, self.message)
        }
    }
}
