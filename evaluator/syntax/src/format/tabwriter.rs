//! Elastic tabstops, as Go's `text/tabwriter` computes them with the settings `cue fmt`
//! uses (minimum width 0, tab width 8, padding 1, padding with spaces, leading empty cells
//! as tabs, empty columns of soft tabs discarded, escape bytes stripped).
//!
//! The printer writes cells terminated by `\t` (hard tab: indentation) or `\v` (soft tab:
//! alignment), lines ended by `\n`, and `\f` where a line also ends every column. Text
//! between two [`ESCAPE`] bytes is one opaque piece of a cell.

/// Brackets text that must pass through unchanged.
pub(crate) const ESCAPE: u8 = 0xff;

const TAB_WIDTH: usize = 8;
const PADDING: usize = 1;

#[derive(Clone, Copy, Default)]
struct Cell {
    /// Size in bytes.
    size: usize,
    /// Width in characters.
    width: usize,
    /// Terminated by a hard tab.
    htab: bool,
}

pub(crate) struct TabWriter {
    out: Vec<u8>,
    buf: Vec<u8>,
    /// Position in `buf` up to which the current cell's width is counted.
    pos: usize,
    cell: Cell,
    in_escape: bool,
    lines: Vec<Vec<Cell>>,
    widths: Vec<usize>,
}

fn char_count(bytes: &[u8]) -> usize {
    // Counts characters the way Go counts runes: every byte that does not continue a
    // UTF-8 sequence starts one.
    bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count()
}

impl TabWriter {
    pub fn new() -> TabWriter {
        TabWriter {
            out: Vec::new(),
            buf: Vec::new(),
            pos: 0,
            cell: Cell::default(),
            in_escape: false,
            lines: vec![Vec::new()],
            widths: Vec::new(),
        }
    }

    fn reset(&mut self) {
        self.buf.clear();
        self.pos = 0;
        self.cell = Cell::default();
        self.in_escape = false;
        self.lines.clear();
        self.lines.push(Vec::new());
        self.widths.clear();
    }

    fn write_padding(&mut self, textw: usize, cellw: usize, use_tabs: bool) {
        if use_tabs {
            // Pad with tabs up to the next multiple of the tab width.
            let cellw = cellw.div_ceil(TAB_WIDTH) * TAB_WIDTH;
            let n = cellw.saturating_sub(textw);
            let tabs = n.div_ceil(TAB_WIDTH);
            self.out.extend(std::iter::repeat_n(b'\t', tabs));
            return;
        }
        self.out
            .extend(std::iter::repeat_n(b' ', cellw.saturating_sub(textw)));
    }

    fn write_lines(&mut self, pos0: usize, line0: usize, line1: usize) -> usize {
        let mut pos = pos0;
        for i in line0..line1 {
            let mut use_tabs = true;
            let ncells = self.lines[i].len();
            for j in 0..ncells {
                let c = self.lines[i][j];
                if c.size == 0 {
                    if j < self.widths.len() {
                        self.write_padding(c.width, self.widths[j], use_tabs);
                    }
                } else {
                    use_tabs = false;
                    let end = (pos + c.size).min(self.buf.len());
                    self.out.extend_from_slice(&self.buf[pos..end]);
                    pos += c.size;
                    if j < self.widths.len() {
                        self.write_padding(c.width, self.widths[j], false);
                    }
                }
            }
            if i + 1 == self.lines.len() {
                let end = (pos + self.cell.size).min(self.buf.len());
                self.out.extend_from_slice(&self.buf[pos..end]);
                pos += self.cell.size;
            } else {
                self.out.push(b'\n');
            }
        }
        pos
    }

    /// Formats lines `line0..line1` whose text starts at `pos0`. Recursion depth is the
    /// number of columns, bounded by the cells of one line.
    fn format(&mut self, pos0: usize, line0: usize, line1: usize) -> usize {
        let mut pos = pos0;
        let mut line0 = line0;
        let column = self.widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 < self.lines[this].len() {
                // A cell exists in this column: print the lines above, then find the extent
                // of the column block.
                pos = self.write_lines(pos, line0, this);
                line0 = this;
                let mut width = 0;
                let mut discardable = true;
                while this < line1 {
                    let line = &self.lines[this];
                    if column + 1 < line.len() {
                        let c = line[column];
                        width = width.max(c.width + PADDING);
                        if c.width > 0 || c.htab {
                            discardable = false;
                        }
                    } else {
                        break;
                    }
                    this += 1;
                }
                if discardable {
                    width = 0;
                }
                self.widths.push(width);
                pos = self.format(pos, line0, this);
                self.widths.pop();
                line0 = this;
            } else {
                this += 1;
            }
        }
        self.write_lines(pos, line0, line1)
    }

    fn append(&mut self, text: &[u8]) {
        self.buf.extend_from_slice(text);
        self.cell.size += text.len();
    }

    fn update_width(&mut self) {
        self.cell.width += char_count(&self.buf[self.pos..]);
        self.pos = self.buf.len();
    }

    fn terminate_cell(&mut self, htab: bool) -> usize {
        self.cell.htab = htab;
        let cell = std::mem::take(&mut self.cell);
        let line = self.lines.last_mut().expect("at least one line");
        line.push(cell);
        line.len()
    }

    fn flush_internal(&mut self) {
        if self.cell.size > 0 {
            if self.in_escape {
                self.update_width();
                self.pos = self.buf.len();
                self.in_escape = false;
            }
            self.terminate_cell(false);
        }
        let nlines = self.lines.len();
        self.format(0, 0, nlines);
        self.reset();
    }

    pub fn write(&mut self, input: &[u8]) {
        let mut n = 0;
        for (i, &ch) in input.iter().enumerate() {
            if !self.in_escape {
                match ch {
                    b'\t' | b'\x0b' | b'\n' | b'\x0c' => {
                        self.append(&input[n..i]);
                        self.update_width();
                        n = i + 1;
                        let ncells = self.terminate_cell(ch == b'\t');
                        if ch == b'\n' || ch == b'\x0c' {
                            self.lines.push(Vec::new());
                            if ch == b'\x0c' || ncells == 1 {
                                self.flush_internal();
                            }
                        }
                    }
                    ESCAPE => {
                        self.append(&input[n..i]);
                        self.update_width();
                        n = i + 1;
                        self.in_escape = true;
                    }
                    _ => {}
                }
            } else if ch == ESCAPE {
                self.append(&input[n..i]);
                n = i + 1;
                self.update_width();
                self.pos = self.buf.len();
                self.in_escape = false;
            }
        }
        self.append(&input[n..]);
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.flush_internal();
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str) -> String {
        let mut tw = TabWriter::new();
        tw.write(input.as_bytes());
        String::from_utf8(tw.finish()).unwrap()
    }

    #[test]
    fn aligns_soft_tab_columns() {
        assert_eq!(run("a:\x0b1\nbbb:\x0b2\n"), "a:   1\nbbb: 2\n");
        assert_eq!(run("\ta:\x0b1\n\tlong:\x0b2\n"), "\ta:    1\n\tlong: 2\n");
    }

    #[test]
    fn formfeed_ends_columns() {
        assert_eq!(run("a:\x0b1\x0cbbb:\x0b2\n"), "a: 1\nbbb: 2\n");
    }

    #[test]
    fn escaped_text_is_opaque() {
        let mut tw = TabWriter::new();
        tw.write(b"a:\x0b\xffx\ty\xff\nbb:\x0b2\n");
        assert_eq!(String::from_utf8(tw.finish()).unwrap(), "a:  x\ty\nbb: 2\n");
    }
}
