//! `xdef-cue`: a CUE evaluator.
//!
//! Pipeline: [`compile`] turns parsed files (from `xdef-syntax`) into an IR with resolved
//! references; an [`Evaluator`] unifies it lazily into a graph of vertices; [`export`]
//! turns a vertex into concrete [`Data`]; [`encode`] writes JSON and CUE.
//!
//! The evaluator knows nothing of IO: imported packages other than the standard library
//! come through a [`PackageLoader`]. It never panics on user input and runs under a
//! [`Budget`].
//!
//! The quickest way in is [`Evaluation`]:
//! ```
//! let mut e = xdef_cue::Evaluation::from_sources(vec![("a.cue".into(), "a: 1, b: a + 1".into())], &xdef_cue::NoPackages, Default::default());
//! let data = e.export_root().unwrap();
//! assert_eq!(xdef_cue::encode::to_json(&data, None), r#"{"a":1,"b":2}"#);
//! ```

pub mod builtins;
pub mod compile;
pub mod data;
pub mod diagnostic;
pub mod encode;
pub mod eval;
pub mod export;
pub mod ir;
pub mod label;
pub mod number;
pub mod print;
mod regex_cache;
pub mod value;

use std::rc::Rc;

pub use compile::{NoPackages, PackageLoader, Program, SourceFile};
pub use data::Data;
pub use diagnostic::{Diagnostic, Severity};
pub use eval::{Budget, EvalError, Evaluator, VId, Value};

use crate::eval::{ErrorKind, Vertex};

/// A compiled program and its evaluation.
pub struct Evaluation {
    pub evaluator: Evaluator,
}

impl Evaluation {
    /// Parses and compiles `(name, text)` sources as one package and prepares evaluation.
    pub fn from_sources(
        sources: Vec<(String, String)>,
        loader: &dyn PackageLoader,
        budget: Budget,
    ) -> Evaluation {
        let files = sources
            .into_iter()
            .map(|(name, text)| SourceFile {
                name,
                parse: xdef_syntax::parse(text),
            })
            .collect();
        Evaluation::from_files(files, loader, budget)
    }

    /// Compiles already parsed files as one package.
    pub fn from_files(
        files: Vec<SourceFile>,
        loader: &dyn PackageLoader,
        budget: Budget,
    ) -> Evaluation {
        let program = compile::compile(files, loader);
        Evaluation {
            evaluator: Evaluator::new(Rc::new(program), budget),
        }
    }

    pub fn program(&self) -> &Program {
        &self.evaluator.program
    }

    pub fn root(&mut self) -> VId {
        self.evaluator.root()
    }

    /// The vertex at a dotted path of regular labels (`output.spec`), evaluating on the way.
    pub fn lookup(&mut self, path: &str) -> Option<VId> {
        let mut v = self.root();
        if path.is_empty() {
            return Some(v);
        }
        for part in path.split('.') {
            let v2 = self.evaluator.resolve_default(v).ok()?;
            self.evaluator.finalize(v2);
            let f = self
                .evaluator
                .arcs(v2)
                .find(|(f, _)| &*self.evaluator.label_str(*f) == part)
                .map(|(_, a)| a)?;
            v = f;
        }
        Some(v)
    }

    pub fn vertex(&self, v: VId) -> &Vertex {
        self.evaluator.vertex(self.evaluator.deref(v))
    }

    /// Exports the root (like `cue export`).
    pub fn export_root(&mut self) -> Result<Data, Vec<Diagnostic>> {
        let root = self.root();
        self.export(root)
    }

    /// Exports a vertex; on failure, every error found, as diagnostics.
    pub fn export(&mut self, v: VId) -> Result<Data, Vec<Diagnostic>> {
        let compile_errors = self.compile_diagnostics();
        let result = export::export_data(&mut self.evaluator, v, &export::ExportOptions::default());
        match result {
            Ok(data) if compile_errors.is_empty() => Ok(data),
            Ok(_) => Err(compile_errors),
            Err(errors) => {
                let mut diags = compile_errors;
                for e in errors {
                    diags.push(self.diagnostic(&e));
                }
                dedup_diagnostics(&mut diags);
                Err(diags)
            }
        }
    }

    /// Compile errors (unresolved references, bad imports, bad literals).
    pub fn compile_diagnostics(&self) -> Vec<Diagnostic> {
        self.program().diagnostics.clone()
    }

    /// An evaluation error as a diagnostic with its path.
    pub fn diagnostic(&self, e: &EvalError) -> Diagnostic {
        let path = e.vertex.map(|v| self.evaluator.path(v)).unwrap_or_default();
        let mut spans = e.spans.iter().cloned();
        let span = spans.next();
        let related = spans.map(|s| (s, "other value".to_owned())).collect();
        let severity = if e.kind == ErrorKind::Budget {
            Severity::Error
        } else {
            Severity::Error
        };
        Diagnostic {
            severity,
            path,
            message: e.message.clone(),
            span,
            related,
        }
    }

    pub fn budget_exhausted(&self) -> bool {
        self.evaluator.exhausted()
    }
}

fn dedup_diagnostics(diags: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    diags.retain(|d| seen.insert((d.path.clone(), d.message.clone())));
}
