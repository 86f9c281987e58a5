//! `xdef-vela`: what a KubeVela X-Definition is and how KubeVela renders it.
//!
//! - [`definition`]: the file model (imports, header, `template`) and header checks.
//! - [`schema`]: `attributes` schemas per definition type, "did you mean".
//! - [`context`]: the `context` each definition type sees, as a CUE schema and as values.
//! - [`packages`]: the `vela/*` CUE packages, offline, chosen by definition type.
//! - [`assembly`]: building the CUE program KubeVela compiles, with a map back to the file.
//! - [`check`]: every problem of a definition file, with positions.
//! - [`render`]: rendering components, traits and policies in KubeVela's order.
//! - [`patch`]: trait patches (strategic merge with `+patchKey`/`+patchStrategy`).
//! - [`application`]: Applications rendered offline like `vela dry-run` (components,
//!   traits, override/topology policies, deploy steps), with a definition registry.
//! - [`yaml_source`]: YAML documents with the position of every node.
//!
//! Like `xdef-cue`, this crate does no IO and never calls out: `vela/*` actions are
//! described, not executed.

pub mod application;
pub mod assembly;
pub mod check;
pub mod context;
pub mod definition;
mod locate;
pub mod packages;
pub mod patch;
pub mod render;
pub mod schema;
pub mod status;
pub mod testing;
pub mod yaml_source;

use xdef_syntax::TextRange;

pub use definition::{DefinitionFile, DefinitionKind, read_definition};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// A problem in a definition file, at a byte range of that file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub range: TextRange,
    pub message: String,
    /// The CUE path concerned, if any (`attributes.status`, `output.spec.replicas`).
    pub path: String,
}

impl Diagnostic {
    pub fn error(range: TextRange, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            range,
            message: message.into(),
            path: String::new(),
        }
    }

    pub fn warning(range: TextRange, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            range,
            message: message.into(),
            path: String::new(),
        }
    }
}
