//! Byte offsets to line and column, in characters (for humans and the CLI) and in UTF-16
//! code units (for LSP clients), and back.

use crate::TextRange;

/// A position for humans: zero-based line and zero-based column counted in Unicode scalar
/// values. Display adds one to both (`12:9`), as compilers do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

impl std::fmt::Display for LineCol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line + 1, self.col + 1)
    }
}

/// Start offsets of every line of a text. Lines end at `\n`; a `\r` before it belongs to the
/// line it ends, so CRLF files count lines the same way editors do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(text.as_bytes()).map(|i| i + 1));
        LineIndex {
            line_starts,
            len: text.len(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The line holding `offset` (offsets past the end clamp to the end).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(self.len)
    }

    /// Byte range of a line without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> TextRange {
        let start = self.line_start(line);
        let mut end = self
            .line_starts
            .get(line + 1)
            .map_or(self.len, |next| next - 1);
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end.max(start)
    }

    /// Line and column in characters. `offset` is clamped and moved back to a character
    /// boundary, so any offset is accepted.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let col = text[start..offset].chars().count();
        LineCol {
            line: line as u32,
            col: col as u32,
        }
    }

    /// Column in UTF-16 code units, as LSP clients count by default.
    pub fn utf16_col(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let col: usize = text[start..offset].chars().map(char::len_utf16).sum();
        (line as u32, col as u32)
    }

    /// Byte offset of a (line, UTF-16 column) position; columns past the end of the line
    /// clamp to the line end, lines past the end clamp to the end of the text.
    pub fn offset_utf16(&self, text: &str, line: u32, col: u32) -> usize {
        if line as usize >= self.line_starts.len() {
            return self.len;
        }
        let range = self.line_range(text, line as usize);
        let mut units = 0u32;
        for (i, ch) in text[range.clone()].char_indices() {
            if units >= col {
                return range.start + i;
            }
            units += ch.len_utf16() as u32;
        }
        range.end
    }

    /// Byte offset of a (line, UTF-8 byte column) position, clamped like `offset_utf16`.
    pub fn offset_utf8(&self, text: &str, line: u32, col: u32) -> usize {
        if line as usize >= self.line_starts.len() {
            return self.len;
        }
        let range = self.line_range(text, line as usize);
        floor_char_boundary(text, (range.start + col as usize).min(range.end))
    }

    /// Byte offset of a (line, character column) position, clamped like `offset_utf16`.
    pub fn offset_chars(&self, text: &str, line: u32, col: u32) -> usize {
        if line as usize >= self.line_starts.len() {
            return self.len;
        }
        let range = self.line_range(text, line as usize);
        text[range.clone()]
            .char_indices()
            .nth(col as usize)
            .map_or(range.end, |(i, _)| range.start + i)
    }
}

/// The largest character boundary at or before `offset`.
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_utf16_units() {
        let text = "a: \"é𝄞x\"\nb: 2\r\nc: 3";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.line_col(text, x), LineCol { line: 0, col: 6 });
        assert_eq!(index.utf16_col(text, x), (0, 7));
        assert_eq!(index.offset_utf16(text, 0, 7), x);
        let c = text.find('c').unwrap();
        assert_eq!(index.line_col(text, c).to_string(), "3:1");
        assert_eq!(
            index.line_range(text, 1),
            text.find("b:").unwrap()..text.find("\r").unwrap()
        );
        // Past the end of a line or of the text clamps.
        assert_eq!(index.offset_utf16(text, 1, 99), text.find('\r').unwrap());
        assert_eq!(index.offset_utf16(text, 9, 0), text.len());
        // Offsets inside a multi-byte character move back to its start.
        let e = text.find('é').unwrap();
        assert_eq!(index.line_col(text, e + 1), index.line_col(text, e));
    }
}
