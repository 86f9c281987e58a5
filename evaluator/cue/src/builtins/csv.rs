//! `encoding/csv`, as CUE's `pkg/encoding/csv`: `Decode` reads RFC 4180 text the way
//! Go's `csv.Reader.ReadAll` does with its defaults (`,`, strict quotes, every record as
//! wide as the first), and `Encode` writes a list of lists the way `csv.Writer` does,
//! with non-string cells written as JSON.

use crate::data::Data;

use super::args::{bytes_or_str, describe, list};
use super::{BuiltinResult, Registry, check_size};

const P: &str = "encoding/csv";

pub fn register(r: &mut Registry) {
    r.add(P, "Decode", 1, |a| {
        let src = bytes_or_str(a, 0)?;
        let records = decode(&String::from_utf8_lossy(&src))?;
        Ok(Data::List(
            records
                .into_iter()
                .map(|r| Data::List(r.iter().map(|f| Data::str(f)).collect()))
                .collect(),
        ))
    });
    r.add(P, "Encode", 1, |a| encode(list(a, 0)?));
}

fn encode(rows: &[Data]) -> BuiltinResult {
    let mut out = String::new();
    for row in rows {
        let Data::List(cells) = row else {
            return Err(format!(
                "cannot use value {} (type {}) as list",
                describe(row),
                row.kind_name()
            ));
        };
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match cell {
                Data::Str(s) => field(&mut out, s),
                other => {
                    let mut json = String::new();
                    super::json::marshal(&mut json, other, true);
                    field(&mut out, &json);
                }
            }
            check_size(out.len())?;
        }
        out.push('\n');
    }
    Ok(Data::str(&out))
}

/// Writes one field, quoted when Go's writer would quote it.
fn field(out: &mut String, f: &str) {
    let quote = !f.is_empty()
        && (f == r"\."
            || f.contains([',', '"', '\r', '\n'])
            || f.chars().next().is_some_and(char::is_whitespace));
    if !quote {
        out.push_str(f);
        return;
    }
    out.push('"');
    for c in f.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// Splits text into lines as Go's reader does: each keeps its `\n`, `\r\n` becomes
/// `\n`, and a final `\r` before the end of input is dropped.
fn lines(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = src;
    while !rest.is_empty() {
        let (mut line, next) = match rest.find('\n') {
            Some(i) => (rest[..=i].to_owned(), &rest[i + 1..]),
            None => {
                let l = rest.strip_suffix('\r').unwrap_or(rest);
                (l.to_owned(), "")
            }
        };
        if line.ends_with("\r\n") {
            line.truncate(line.len() - 2);
            line.push('\n');
        }
        out.push(line);
        rest = next;
    }
    out
}

fn parse_error(start: usize, line: usize, col: usize, what: &str) -> String {
    if start == line {
        format!("parse error on line {line}, column {col}: {what}")
    } else {
        format!("record on line {start}; parse error on line {line}, column {col}: {what}")
    }
}

const BARE_QUOTE: &str = "bare \" in non-quoted-field";
const QUOTE: &str = "extraneous or missing \" in quoted-field";

/// Every record of the text.
fn decode(src: &str) -> Result<Vec<Vec<String>>, String> {
    let lines = lines(src);
    let mut records = Vec::new();
    let mut width = None;
    let mut n = 0; // index of the next line to read
    loop {
        // Skip empty lines.
        while n < lines.len() && lines[n] == "\n" {
            n += 1;
        }
        if n >= lines.len() {
            return Ok(records);
        }
        let start = n + 1;
        let mut line: &str = &lines[n];
        n += 1;
        let mut record = Vec::new();
        let mut col = 1;
        loop {
            if !line.starts_with('"') {
                let end = line.find(',');
                let f = match end {
                    Some(i) => &line[..i],
                    None => line.strip_suffix('\n').unwrap_or(line),
                };
                if let Some(j) = f.find('"') {
                    return Err(parse_error(start, n, col + j, BARE_QUOTE));
                }
                record.push(f.to_owned());
                match end {
                    Some(i) => {
                        line = &line[i + 1..];
                        col += i + 1;
                    }
                    None => break,
                }
            } else {
                line = &line[1..];
                col += 1;
                let mut f = String::new();
                let mut at = n; // line number of the current line
                let more = loop {
                    if let Some(i) = line.find('"') {
                        f.push_str(&line[..i]);
                        line = &line[i + 1..];
                        col += i + 1;
                        if line.starts_with('"') {
                            f.push('"');
                            line = &line[1..];
                            col += 1;
                        } else if line.starts_with(',') {
                            line = &line[1..];
                            col += 1;
                            record.push(std::mem::take(&mut f));
                            break true;
                        } else if line.is_empty() || line == "\n" {
                            record.push(std::mem::take(&mut f));
                            break false;
                        } else {
                            return Err(parse_error(start, at, col - 1, QUOTE));
                        }
                    } else if !line.is_empty() {
                        // The field goes on on the next line.
                        f.push_str(line);
                        col += line.len();
                        if n < lines.len() {
                            line = &lines[n];
                            n += 1;
                            at = n;
                            col = 1;
                        } else {
                            line = "";
                        }
                    } else {
                        return Err(parse_error(start, at, col, QUOTE));
                    }
                };
                if !more {
                    break;
                }
            }
        }
        match width {
            None => width = Some(record.len()),
            Some(w) if w != record.len() => {
                return Err(format!("record on line {start}: wrong number of fields"));
            }
            _ => {}
        }
        records.push(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(src: &str) -> Vec<Vec<String>> {
        decode(src).unwrap()
    }

    #[test]
    fn decodes_quotes_and_line_ends() {
        assert_eq!(rows("a,b\n1,\"x,y\"\n"), [["a", "b"], ["1", "x,y"]]);
        assert_eq!(
            rows("a,b\r\n\"x\r\ny\",\"\"\"\"\n\n c ,d"),
            [["a", "b"], ["x\ny", "\""], [" c ", "d"]]
        );
        assert_eq!(rows("a\r"), [["a"]]);
        assert_eq!(rows("x\ry,z"), [["x\ry", "z"]]);
        assert_eq!(rows("a,\"\"\n,\n"), [["a", ""], ["", ""]]);
        assert!(rows("").is_empty());
        assert_eq!(rows("\"a\",\n\"b\","), [["a", ""], ["b", ""]]);
    }

    #[test]
    fn decode_errors() {
        assert_eq!(
            decode("a,b\nc").unwrap_err(),
            "record on line 2: wrong number of fields"
        );
        assert_eq!(
            decode("a,b\"c\n").unwrap_err(),
            "parse error on line 1, column 4: bare \" in non-quoted-field"
        );
        assert!(decode("\"a\"b,c\n").is_err());
        assert!(decode("\"ab").is_err());
        assert!(decode("\"ab\n").is_err());
    }

    #[test]
    fn encodes_like_go() {
        let row = Data::List(vec![
            Data::str("a"),
            Data::Num(crate::number::Num::int(1)),
            Data::Null,
            Data::str(""),
            Data::str("q\"x"),
            Data::str(" a"),
            Data::str("\u{a0}c"),
            Data::str("x y"),
            Data::str("l\nm"),
        ]);
        let out = encode(&[row, Data::List(vec![]), Data::List(vec![Data::str(r"\.")])]);
        assert_eq!(
            out.unwrap().as_str().unwrap(),
            "a,1,null,,\"q\"\"x\",\" a\",\"\u{a0}c\",x y,\"l\nm\"\n\n\"\\.\"\n"
        );
        assert!(encode(&[Data::str("a")]).is_err());
    }
}
