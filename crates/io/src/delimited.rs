//! CSV rows to Arrow string columns, one record at a time: ragged rows and invalid UTF-8 are errors or skipped rows.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anomseq_sessionize::{BadRow, OnBadRow};
use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions, StringBuilder};
use arrow::datatypes::SchemaRef;

use crate::progress::Counted;
use crate::Error;

/// Rows skipped for their structure, shared between a reader and its [`BatchReader`](crate::BatchReader).
pub(crate) type BadLines = Arc<Mutex<Vec<BadRow>>>;

/// Longest text of a skipped row kept in its report.
const MAX_SHOWN: usize = 160;

/// Text of a bad row for its report: lossy UTF-8, cut to a readable length.
pub(crate) fn shown(bytes: &[u8]) -> String {
    let lossy = String::from_utf8_lossy(bytes);
    let text = anomseq_sessionize::printable(&lossy);
    if text.chars().count() <= MAX_SHOWN {
        text.into_owned()
    } else {
        let mut s: String = text.chars().take(MAX_SHOWN).collect();
        s.push('…');
        s
    }
}

/// Line numbers of byte offsets of a file, counted on a handle of its own as a
/// reader moves forward: a line ends at `\n`, `\r\n` or a lone `\r` (the `csv`
/// crate's own count is one short after `\r\n` and never moves on a lone `\r`).
pub(crate) struct Lines {
    r: BufReader<File>,
    at: u64,
    breaks: usize,
    prev_cr: bool,
}

impl Lines {
    pub(crate) fn new(file: File) -> Self {
        Lines { r: BufReader::with_capacity(1 << 16, file), at: 0, breaks: 0, prev_cr: false }
    }

    /// The line (from 1) where a record at byte `byte` starts: the `csv` crate places a
    /// record before the line ends (blank lines) it skips, so those are passed over
    /// first. Offsets must not go backwards.
    pub(crate) fn line_of(&mut self, byte: u64) -> std::io::Result<usize> {
        use std::io::BufRead;
        self.count_to(byte)?;
        loop {
            let buf = self.r.fill_buf()?;
            let ends = buf.iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
            if ends == 0 {
                break;
            }
            let more = ends == buf.len();
            let at = self.at + ends as u64;
            self.count_to(at)?;
            if !more {
                break;
            }
        }
        Ok(self.breaks + 1)
    }

    /// Count the line breaks up to byte `byte`.
    fn count_to(&mut self, byte: u64) -> std::io::Result<()> {
        use std::io::BufRead;
        while self.at < byte {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            let take = buf.len().min((byte - self.at) as usize);
            for &b in &buf[..take] {
                match b {
                    b'\n' if self.prev_cr => self.prev_cr = false,
                    b'\n' => self.breaks += 1,
                    b'\r' => {
                        self.breaks += 1;
                        self.prev_cr = true;
                    }
                    _ => self.prev_cr = false,
                }
            }
            self.r.consume(take);
            self.at += take as u64;
        }
        Ok(())
    }
}

/// The lines (from 1) where data rows `rows` (from 1, sorted) of a CSV file start.
pub(crate) fn csv_lines_of_rows(path: &Path, delimiter: u8, rows: &[usize]) -> Result<Vec<usize>, Error> {
    let io = |e: std::io::Error| Error::Io { path: path.to_owned(), source: e };
    let mut lines = Lines::new(crate::source::open_input(path)?);
    let mut r = csv_reader(BufReader::with_capacity(1 << 20, crate::source::open_input(path)?), delimiter);
    let mut record = csv::ByteRecord::new();
    let mut out = Vec::with_capacity(rows.len());
    let mut row = 0;
    for &want in rows {
        while row < want {
            let more = r
                .read_byte_record(&mut record)
                .map_err(|e| Error::Read { path: path.to_owned(), message: e.to_string() })?;
            if !more {
                return Ok(out);
            }
            row += 1;
        }
        out.push(lines.line_of(record.position().map_or(0, |p| p.byte())).map_err(io)?);
    }
    Ok(out)
}

/// The one CSV reader set-up: a header row, rows of any length (checked by the caller).
fn csv_reader<R: std::io::Read>(input: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new().delimiter(delimiter).has_headers(true).flexible(true).from_reader(input)
}

/// A row whose structure is broken: with `Fail`, the error that stops the read (file,
/// line, reason); with `Skip`, recorded in `bad` (row, line, its text, reason) and `Ok`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn broken_row(
    policy: OnBadRow,
    bad: &BadLines,
    path: &Path,
    row: usize,
    line: usize,
    text: &[u8],
    reason: String,
) -> Result<(), Error> {
    match policy {
        OnBadRow::Fail => Err(Error::Line { path: path.to_owned(), line, message: reason }),
        OnBadRow::Skip => {
            let b = BadRow { row, line: Some(line), column: String::new(), value: shown(text), reason };
            bad.lock().unwrap_or_else(|e| e.into_inner()).push(b);
            Ok(())
        }
    }
}

/// The header of a CSV file: its column names, each valid UTF-8 and given once.
pub(crate) fn read_header(path: &Path, file: &File, delimiter: u8) -> Result<Vec<String>, Error> {
    let mut r = csv_reader(file, delimiter);
    let bad = |message: String| Error::Line { path: path.to_owned(), line: 1, message };
    let header = r.byte_headers().map_err(|e| bad(e.to_string()))?.clone();
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    for (i, field) in header.iter().enumerate() {
        let name = std::str::from_utf8(field).map_err(|e| {
            bad(format!(
                "the name of column {} is not valid UTF-8 (byte {}): `{}`",
                i + 1,
                e.valid_up_to(),
                shown(field)
            ))
        })?;
        if let Some(first) = names.iter().position(|n| n == name) {
            return Err(bad(format!(
                "column `{name}` appears twice in the header (columns {} and {})",
                first + 1,
                i + 1
            )));
        }
        names.push(name.to_owned());
    }
    Ok(names)
}

/// A reader of batches that may fail.
pub(crate) trait BatchSource {
    /// The next batch; `Ok(None)` at the end.
    fn next_batch(&mut self) -> Result<Option<RecordBatch>, Error>;
}

/// The batches of a [`BatchSource`] as an iterator that ends at the end or after the first error.
pub(crate) struct Fused<S> {
    source: S,
    done: bool,
}

impl<S> Fused<S> {
    pub(crate) fn new(source: S) -> Self {
        Fused { source, done: false }
    }
}

impl<S: BatchSource> Iterator for Fused<S> {
    type Item = Result<RecordBatch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.source.next_batch() {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// CSV records as batches of string columns (empty cells null), the header skipped.
pub(crate) struct CsvRows {
    path: PathBuf,
    reader: csv::Reader<BufReader<Counted>>,
    /// The record field of each output column.
    fields: Vec<usize>,
    names: Vec<String>,
    n_fields: usize,
    schema: SchemaRef,
    batch_size: usize,
    policy: OnBadRow,
    bad: BadLines,
    /// Data rows so far, bad ones included.
    row: usize,
    record: csv::ByteRecord,
    /// Line numbers of bad rows (a second handle on the file, opened on the first).
    lines: Option<Lines>,
}

impl CsvRows {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        path: &Path,
        file: Counted,
        delimiter: u8,
        names: &[String],
        fields: Vec<usize>,
        schema: SchemaRef,
        batch_size: usize,
        policy: OnBadRow,
        bad: BadLines,
    ) -> Self {
        let reader = csv_reader(BufReader::with_capacity(1 << 20, file), delimiter);
        CsvRows {
            path: path.to_owned(),
            reader,
            names: fields.iter().map(|&i| names[i].clone()).collect(),
            fields,
            n_fields: names.len(),
            schema,
            batch_size,
            policy,
            bad,
            row: 0,
            record: csv::ByteRecord::new(),
            lines: None,
        }
    }

    /// What is wrong with the current record's structure, if anything.
    fn fault(&self) -> Option<String> {
        if self.record.len() != self.n_fields {
            let open_quote = self.record.iter().any(|f| f.contains(&b'\n') || f.contains(&b'\r'));
            let hint = if open_quote { " (a quoted cell runs over several lines: is a quote left open?)" } else { "" };
            return Some(format!("has {} fields, the header has {}{hint}", self.record.len(), self.n_fields));
        }
        for (j, &i) in self.fields.iter().enumerate() {
            if let Err(e) = std::str::from_utf8(&self.record[i]) {
                return Some(format!(
                    "column `{}` is not valid UTF-8 (byte {} of `{}`)",
                    self.names[j],
                    e.valid_up_to(),
                    shown(&self.record[i])
                ));
            }
        }
        None
    }

    fn batch(&mut self) -> Result<Option<RecordBatch>, Error> {
        let mut builders: Vec<StringBuilder> = self.fields.iter().map(|_| StringBuilder::new()).collect();
        let mut rows = 0;
        while rows < self.batch_size {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| Error::Read { path: self.path.clone(), message: format!("row {}: {e}", self.row + 1) })?;
            if !more {
                break;
            }
            self.row += 1;
            if self.record.len() == self.n_fields {
                // the fast path: every field UTF-8, checked once for the whole record
                match csv::StringRecord::from_byte_record(std::mem::take(&mut self.record)) {
                    Ok(text) => {
                        for (b, &i) in builders.iter_mut().zip(&self.fields) {
                            match &text[i] {
                                "" => b.append_null(),
                                cell => b.append_value(cell),
                            }
                        }
                        self.record = text.into_byte_record();
                        rows += 1;
                        continue;
                    }
                    Err(e) => self.record = e.into_byte_record(),
                }
            }
            let Some(reason) = self.fault() else {
                // a field that is not UTF-8, but none that is read
                for (b, &i) in builders.iter_mut().zip(&self.fields) {
                    match &self.record[i] {
                        b"" => b.append_null(),
                        // checked by `fault`
                        cell => b.append_value(std::str::from_utf8(cell).unwrap_or_default()),
                    }
                }
                rows += 1;
                continue;
            };
            let byte = self.record.position().map_or(0, |p| p.byte());
            let lines = match &mut self.lines {
                Some(l) => l,
                None => self.lines.insert(Lines::new(crate::source::open_input(&self.path)?)),
            };
            let line = lines.line_of(byte).map_err(|e| Error::Io { path: self.path.clone(), source: e })?;
            let text: Vec<&[u8]> = self.record.iter().collect();
            broken_row(self.policy, &self.bad, &self.path, self.row, line, &text.join(&b","[..]), reason)?;
        }
        if rows == 0 {
            return Ok(None);
        }
        let cols: Vec<ArrayRef> = builders.into_iter().map(|mut b| Arc::new(b.finish()) as ArrayRef).collect();
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(self.schema.clone(), cols, &options)
            .map(Some)
            .map_err(|e| Error::Read { path: self.path.clone(), message: e.to_string() })
    }
}

impl BatchSource for CsvRows {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>, Error> {
        self.batch()
    }
}
