//! Settings under `xdef.*`, from `initializationOptions`, `workspace/configuration` and
//! `workspace/didChangeConfiguration`. Both nested objects (`{"evaluation":
//! {"budgetSteps": 1000}}`) and dotted keys (`{"evaluation.budgetSteps": 1000}`) are read;
//! unknown keys and wrong types are ignored.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `xdef.evaluation.budgetSteps`: evaluation steps allowed per check or preview.
    pub budget_steps: u64,
    /// `xdef.diagnostics.delayMs`: quiet time after an edit before the evaluation check.
    pub diagnostics_delay_ms: u64,
    /// `xdef.preview.inputsPath`: a directory of preview inputs (`<definition>.json|yaml|cue`),
    /// relative to the first workspace folder unless absolute.
    pub preview_inputs_path: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            budget_steps: 2_000_000,
            diagnostics_delay_ms: 150,
            preview_inputs_path: None,
        }
    }
}

impl Settings {
    /// Applies the object found under `xdef` (or the whole value when it has no `xdef` key).
    pub fn apply(&mut self, value: &Value) {
        let value = value.get("xdef").unwrap_or(value);
        let get = |path: &str| -> Option<&Value> {
            if let Some(v) = value.get(path) {
                return Some(v);
            }
            let mut cur = value;
            for part in path.split('.') {
                cur = cur.get(part)?;
            }
            Some(cur)
        };
        if let Some(n) = get("evaluation.budgetSteps").and_then(Value::as_u64) {
            self.budget_steps = n.max(1);
        }
        if let Some(n) = get("diagnostics.delayMs").and_then(Value::as_u64) {
            self.diagnostics_delay_ms = n.min(60_000);
        }
        match get("preview.inputsPath") {
            Some(Value::String(s)) if !s.is_empty() => self.preview_inputs_path = Some(s.clone()),
            Some(Value::String(_)) | Some(Value::Null) => self.preview_inputs_path = None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_and_dotted_keys() {
        let mut s = Settings::default();
        s.apply(&serde_json::json!({"xdef": {"evaluation": {"budgetSteps": 5}, "diagnostics.delayMs": 7}}));
        assert_eq!(s.budget_steps, 5);
        assert_eq!(s.diagnostics_delay_ms, 7);
        s.apply(&serde_json::json!({"preview": {"inputsPath": "inputs"}, "evaluation": {"budgetSteps": "x"}}));
        assert_eq!(s.preview_inputs_path.as_deref(), Some("inputs"));
        assert_eq!(s.budget_steps, 5);
    }
}
