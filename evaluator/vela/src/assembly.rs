//! Assembling the CUE program KubeVela compiles for a template (imports, the template's
//! body, then injected `context` and `parameter`), while remembering where each piece came
//! from, so that every position the evaluator reports maps back to the definition file.

/// A synthetic CUE text with regions copied verbatim from the original file.
#[derive(Clone, Debug, Default)]
pub struct Assembly {
    pub text: String,
    /// (start in `text`, start in the original file, length)
    regions: Vec<(usize, usize, usize)>,
}

impl Assembly {
    pub fn new() -> Assembly {
        Assembly::default()
    }

    /// Appends text copied from the original file at `original_start`.
    pub fn push_mapped(&mut self, text: &str, original_start: usize) {
        self.regions
            .push((self.text.len(), original_start, text.len()));
        self.text.push_str(text);
    }

    /// Appends text that exists only in the assembly (injected values, separators).
    pub fn push_virtual(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// The original offset of an assembly offset, if it lies in copied text.
    pub fn original(&self, offset: usize) -> Option<usize> {
        self.regions
            .iter()
            .find(|(start, _, len)| offset >= *start && offset <= start + len)
            .map(|(start, orig, _)| orig + (offset - start))
    }

    /// The assembly offset of an original offset, if it was copied.
    pub fn assembled(&self, original: usize) -> Option<usize> {
        self.regions
            .iter()
            .find(|(_, orig, len)| original >= *orig && original <= orig + len)
            .map(|(start, orig, _)| start + (original - orig))
    }
}
