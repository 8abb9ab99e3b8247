//! NDJSON: one JSON object per line, read in batches of string columns, bad lines failed or skipped.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anomseq_sessionize::{printable, OnBadRow};
use arrow::array::{ArrayRef, RecordBatch, StringBuilder};
use arrow::datatypes::SchemaRef;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::delimited::{broken_row, BadLines, BatchSource};
use crate::error::{io, read};
use crate::progress::Counted;
use crate::source::open_input;
use crate::Error;

/// The keys of a JSON object, in document order.
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    out.push(k);
                }
                Ok(Keys(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Read the next line into `buf` (without the newline); `Ok(false)` at the end.
fn next_line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    if r.read_until(b'\n', buf)? == 0 {
        return Ok(false);
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(true)
}

/// The lines (from 1) of data rows `rows` (from 1, sorted) of an NDJSON file: rows
/// are its non-blank lines.
pub(crate) fn ndjson_lines_of_rows(path: &Path, rows: &[usize]) -> Result<Vec<usize>, Error> {
    let mut r = BufReader::with_capacity(1 << 20, open_input(path)?);
    let mut buf = Vec::new();
    let (mut line, mut row) = (0, 0);
    let mut out = Vec::with_capacity(rows.len());
    let mut wanted = rows.iter().copied().peekable();
    while let Some(&want) = wanted.peek() {
        if !next_line(&mut r, &mut buf).map_err(io(path))? {
            break;
        }
        line += 1;
        if matches!(ndjson_text(&buf, line == 1), Ok(None)) {
            continue;
        }
        row += 1;
        if row == want {
            out.push(line);
            wanted.next();
        }
    }
    Ok(out)
}

/// serde's message without its "at line L column C" (serde counts lines of one line).
fn serde_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    text.rfind(" at line ").map_or(text.clone(), |i| text[..i].to_owned())
}

/// Why a line is not a JSON object: serde's message, placed by column (the line is the file's).
fn not_an_object(e: &serde_json::Error) -> String {
    format!("expected a JSON object ({} at column {})", serde_reason(e), e.column())
}

/// An NDJSON line as text: `Ok(None)` for a blank line, `Err(reason)` for one that
/// is not valid UTF-8. A byte-order mark before the first line is not text.
fn ndjson_text(buf: &[u8], first: bool) -> Result<Option<&str>, String> {
    let buf = if first { buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf) } else { buf };
    let text = std::str::from_utf8(buf).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
    Ok((!text.trim().is_empty()).then_some(text))
}

/// First pass over an NDJSON file: every line parses (or, skipping, those that do);
/// the column names in first-seen order.
pub(crate) fn ndjson_columns(path: &Path, file: Counted, policy: OnBadRow) -> Result<Vec<String>, Error> {
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut buf = Vec::new();
    let mut line = 0;
    let mut skipped = 0;
    let mut cols: Vec<String> = Vec::new();
    let mut seen: HashMap<String, ()> = HashMap::new();
    while next_line(&mut r, &mut buf).map_err(io(path))? {
        line += 1;
        let keys = ndjson_text(&buf, line == 1)
            .and_then(|text| text.map(|t| serde_json::from_str::<Keys>(t).map_err(|e| not_an_object(&e))).transpose());
        match (keys, policy) {
            (Ok(None), _) => {}
            (Ok(Some(keys)), _) => {
                for k in keys.0 {
                    if seen.insert(k.clone(), ()).is_none() {
                        cols.push(k);
                    }
                }
            }
            (Err(message), OnBadRow::Fail) => return Err(Error::Line { path: path.to_owned(), line, message }),
            (Err(_), OnBadRow::Skip) => skipped += 1,
        }
    }
    if cols.is_empty() && skipped > 0 {
        return Err(Error::Read {
            path: path.to_owned(),
            message: format!("no line is a JSON object ({skipped} bad lines)"),
        });
    }
    if cols.is_empty() {
        return Err(Error::EmptyFile { path: path.to_owned() });
    }
    Ok(cols)
}

/// NDJSON rows as string columns: strings as they are, `null` as null, any other
/// value (number, boolean, list, object) as its compact JSON text.
pub(crate) struct NdjsonReader {
    pub(crate) path: PathBuf,
    pub(crate) lines: BufReader<Counted>,
    pub(crate) line: usize,
    pub(crate) schema: SchemaRef,
    pub(crate) pos: HashMap<String, usize>,
    pub(crate) batch_size: usize,
    pub(crate) buf: Vec<u8>,
    pub(crate) policy: OnBadRow,
    pub(crate) bad: BadLines,
    /// Rows so far (non-blank lines), bad ones included.
    pub(crate) row: usize,
}

impl NdjsonReader {
    fn batch(&mut self) -> Result<Option<RecordBatch>, Error> {
        let n_cols = self.schema.fields().len();
        let mut builders: Vec<StringBuilder> = (0..n_cols).map(|_| StringBuilder::new()).collect();
        let mut rows = 0;
        let mut cells: Vec<Option<String>> = vec![None; n_cols];
        let mut given = vec![false; n_cols];
        while rows < self.batch_size {
            if !next_line(&mut self.lines, &mut self.buf).map_err(io(&self.path))? {
                break;
            }
            self.line += 1;
            let line = self.line;
            let pairs = match ndjson_text(&self.buf, line == 1) {
                Ok(None) => continue,
                Ok(Some(text)) => {
                    serde_json::from_str::<anomseq_sessionize::JsonPairs<'_>>(text).map_err(|e| not_an_object(&e))
                }
                Err(reason) => Err(reason),
            };
            self.row += 1;
            let pairs = match pairs {
                Ok(p) => p,
                Err(reason) => {
                    broken_row(self.policy, &self.bad, &self.path, self.row, line, &self.buf, reason)?;
                    continue;
                }
            };
            cells.fill(None);
            given.fill(false);
            // a key given twice (as ambiguous as a CSV header given twice) or a value whose
            // text cannot be decoded (a lone surrogate `\ud800`) makes the row bad
            let mut fault = None;
            for (k, raw) in pairs.0 {
                let Some(&j) = self.pos.get(&k) else { continue };
                if std::mem::replace(&mut given[j], true) {
                    fault = Some(format!("key `{}` appears twice in the object", printable(&k)));
                    break;
                }
                let t = raw.get().trim();
                cells[j] = if t == "null" {
                    None
                } else if t.starts_with('"') {
                    match serde_json::from_str::<String>(t) {
                        Ok(s) => Some(s),
                        Err(e) => {
                            fault = Some(format!("key `{}`: {}", printable(&k), serde_reason(&e)));
                            break;
                        }
                    }
                } else {
                    // numbers exactly as written: two 30-digit ids never merge
                    match anomseq_sessionize::compact_json(t) {
                        Ok(s) => Some(s),
                        Err(e) => {
                            fault = Some(format!("key `{}`: {e}", printable(&k)));
                            break;
                        }
                    }
                };
            }
            if let Some(reason) = fault {
                broken_row(self.policy, &self.bad, &self.path, self.row, line, &self.buf, reason)?;
                continue;
            }
            for (b, c) in builders.iter_mut().zip(&cells) {
                b.append_option(c.as_deref());
            }
            rows += 1;
        }
        if rows == 0 {
            return Ok(None);
        }
        let cols: Vec<ArrayRef> = builders.into_iter().map(|mut b| Arc::new(b.finish()) as ArrayRef).collect();
        let batch = if cols.is_empty() {
            RecordBatch::try_new_with_options(
                self.schema.clone(),
                cols,
                &arrow::array::RecordBatchOptions::new().with_row_count(Some(rows)),
            )
        } else {
            RecordBatch::try_new(self.schema.clone(), cols)
        };
        batch.map(Some).map_err(|e| read(&self.path)(&e))
    }
}

impl BatchSource for NdjsonReader {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>, Error> {
        self.batch()
    }
}
