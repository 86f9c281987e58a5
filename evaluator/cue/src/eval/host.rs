//! The evaluator's side of [`crate::builtins::Host`]: library functions that take values
//! (a comparator for `list.Sort`, a schema for `json.Validate`) ask it to unify those
//! values with data and to look at the result.

use std::rc::Rc;

use crate::builtins::{BuiltinResult, Host, ValueRef};
use crate::data::Data;
use crate::eval::expr::Val;
use crate::eval::{Conjunct, ConjunctKind, EvalError, Evaluator, Value};

impl Evaluator {
    /// A value argument for a library function: structs and lists are passed as their
    /// vertex, scalars and constraints as a vertex holding them.
    pub(crate) fn value_ref(&mut self, v: Val) -> Result<ValueRef, Rc<EvalError>> {
        match v {
            Val::Vertex(x) => Ok(ValueRef(x)),
            Val::Atom(a) => Ok(ValueRef(self.detached(vec![Conjunct {
                kind: ConjunctKind::Atom(a),
                group: None,
                span: None,
            }]))),
            Val::Bottom(e) => Err(e),
        }
    }

    /// A new vertex: the value unified with data.
    fn unified(&mut self, value: ValueRef, data: Data) -> crate::eval::VId {
        let v = self.detached(vec![
            Conjunct {
                kind: ConjunctKind::Vertex(value.0),
                group: None,
                span: None,
            },
            Conjunct {
                kind: ConjunctKind::Data(Rc::new(data)),
                group: None,
                span: None,
            },
        ]);
        self.finalize(v);
        self.deref(v)
    }

    /// An error as a message, with the path of the value it is about (relative to the
    /// unified value).
    fn error_text(&self, e: &EvalError) -> String {
        match e.vertex.map(|v| self.path(v)) {
            Some(path) if !path.is_empty() => format!("{path}: {}", e.message),
            _ => e.message.clone(),
        }
    }
}

impl Host for Evaluator {
    fn unify_field(&mut self, value: ValueRef, data: Data, field: &str) -> BuiltinResult {
        let v = self.unified(value, data);
        // Conflicts anywhere in the unified value fail the call (a closed `x` rejects an
        // element's extra fields even when `less` does not look at them).
        if let Some(e) = self.subtree_failure(v) {
            return Err(self.error_text(&e));
        }
        let f = self.runtime_label(field);
        let Some(arc) = self.arc(v, f) else {
            return Err(format!("field not found: {field}"));
        };
        self.to_data(&Val::Vertex(arc))
            .map_err(|e| self.error_text(&e))
    }

    fn has_field(&mut self, value: ValueRef, field: &str) -> bool {
        self.finalize(value.0);
        let v = self.deref(value.0);
        let f = self.runtime_label(field);
        matches!(self.vertex(v).value, Value::Struct) && self.arc(v, f).is_some()
    }

    fn data(&mut self, value: ValueRef) -> Option<Data> {
        self.to_data(&Val::Vertex(value.0)).ok()
    }

    fn check(&mut self, value: ValueRef, data: Data, concrete: bool) -> Result<(), String> {
        let v = self.unified(value, data);
        if concrete {
            let options = crate::export::ExportOptions {
                first_error_only: true,
                ..Default::default()
            };
            return match crate::export::export_data(self, v, &options) {
                Ok(_) => Ok(()),
                Err(errors) => Err(errors
                    .first()
                    .map(|e| self.error_text(e))
                    .unwrap_or_default()),
            };
        }
        match self.subtree_failure(v) {
            Some(e) => Err(self.error_text(&e)),
            None => Ok(()),
        }
    }
}
