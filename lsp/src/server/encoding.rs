//! Positions: LSP `(line, character)` pairs to byte offsets and back, on a rope.
//!
//! Lines end at `\n`, `\r\n` or a lone `\r`, as the protocol defines them (the rope is built
//! without Unicode line breaks). Characters count UTF-16 code units unless the client
//! offered UTF-8 in `general.positionEncodings`, in which case they count bytes.
//! Out-of-range positions clamp to the end of their line (or of the text), and positions
//! inside a character move back to its start: a confused client never makes us panic.

use ropey::Rope;
use tower_lsp_server::ls_types::{Position, Range};

/// The negotiated position encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf16,
    Utf8,
}

/// Byte length of a line's content, without its line break.
fn content_end_char(rope: &Rope, line: usize) -> usize {
    let start = rope.line_to_char(line);
    let slice = rope.line(line);
    let mut len = slice.len_chars();
    if len > 0 && slice.char(len - 1) == '\n' {
        len -= 1;
    }
    if len > 0 && slice.char(len - 1) == '\r' {
        len -= 1;
    }
    start + len
}

/// The byte offset of a position.
pub fn offset(rope: &Rope, pos: Position, enc: Encoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let start_char = rope.line_to_char(line);
    let end_char = content_end_char(rope, line);
    match enc {
        Encoding::Utf16 => {
            let start16 = rope.char_to_utf16_cu(start_char);
            let end16 = rope.char_to_utf16_cu(end_char);
            let target = (start16 + pos.character as usize).min(end16);
            let c = rope.utf16_cu_to_char(target);
            rope.char_to_byte(c.min(end_char))
        }
        Encoding::Utf8 => {
            let start = rope.char_to_byte(start_char);
            let end = rope.char_to_byte(end_char);
            let target = (start + pos.character as usize).min(end);
            // Back to a character boundary.
            rope.char_to_byte(rope.byte_to_char(target))
        }
    }
}

/// The position of a byte offset (clamped to the text).
pub fn position(rope: &Rope, offset: usize, enc: Encoding) -> Position {
    let offset = offset.min(rope.len_bytes());
    let line = rope.byte_to_line(offset);
    let character = match enc {
        Encoding::Utf16 => {
            let c = rope.byte_to_char(offset);
            rope.char_to_utf16_cu(c) - rope.char_to_utf16_cu(rope.line_to_char(line))
        }
        Encoding::Utf8 => {
            let floor = rope.char_to_byte(rope.byte_to_char(offset));
            floor - rope.line_to_byte(line)
        }
    };
    Position::new(line as u32, character as u32)
}

pub fn range(rope: &Rope, r: std::ops::Range<usize>, enc: Encoding) -> Range {
    Range::new(position(rope, r.start, enc), position(rope, r.end, enc))
}

pub fn offset_range(rope: &Rope, r: Range, enc: Encoding) -> std::ops::Range<usize> {
    let start = offset(rope, r.start, enc);
    let end = offset(rope, r.end, enc).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_and_utf8_columns_round_trip() {
        let text = "a: \"é𝄞x\"\r\nb: 2\rc: 3\n";
        let rope = Rope::from_str(text);
        let x = text.find('x').unwrap();
        assert_eq!(position(&rope, x, Encoding::Utf16), Position::new(0, 7));
        assert_eq!(position(&rope, x, Encoding::Utf8), Position::new(0, 10));
        assert_eq!(offset(&rope, Position::new(0, 7), Encoding::Utf16), x);
        assert_eq!(offset(&rope, Position::new(0, 10), Encoding::Utf8), x);
        // A lone CR ends a line, as the protocol says.
        let c = text.find('c').unwrap();
        assert_eq!(position(&rope, c, Encoding::Utf16), Position::new(2, 0));
        // Past the end of a line clamps before its CRLF.
        assert_eq!(
            offset(&rope, Position::new(0, 99), Encoding::Utf16),
            text.find('\r').unwrap()
        );
        assert_eq!(
            offset(&rope, Position::new(99, 0), Encoding::Utf16),
            text.len()
        );
        // Inside a surrogate pair: back to the character's start.
        let clef = text.find('𝄞').unwrap();
        assert_eq!(offset(&rope, Position::new(0, 6), Encoding::Utf16), clef);
    }
}
