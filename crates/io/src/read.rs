//! Readers: CSV, Parquet, Arrow IPC (file and stream) and NDJSON, in batches.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anomseq_sessionize::{printable, BadRow, OnBadRow};
use arrow::array::{ArrayRef, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::delimited::{broken_row, read_header, BadLines, BatchSource, CsvRows, Fused};
use crate::error::{io, read};
use crate::progress::Counted;
use crate::source::{check_format, open_input};
use crate::{Error, Format, ProgressUnit, ReadProgress};

/// How to read a file.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Rows per record batch.
    pub batch_size: usize,
    /// Read only these columns (in file order); all when `None`.
    pub columns: Option<Vec<String>>,
    /// CSV only: infer column types from the first 1,000 rows instead of reading
    /// every column as a string (the default, which keeps ids like `007` intact).
    pub infer_csv_types: bool,
    /// CSV only: the field delimiter.
    pub csv_delimiter: u8,
    /// Parquet only: read these string columns dictionary-encoded, as Parquet
    /// stores them, so that each distinct value is decoded once, not once per row.
    pub dictionary_columns: Vec<String>,
    /// CSV and NDJSON: what to do with a row whose structure is broken (a ragged
    /// CSV row, invalid UTF-8, a line that is not a JSON object). `Fail` stops
    /// with the file, line and reason; `Skip` leaves it out and reports it in
    /// [`BatchReader::skipped`].
    pub on_bad_line: OnBadRow,
    /// Publish how far the reader has got (bytes; rows for Parquet) here, for a progress bar.
    pub progress: Option<Arc<ReadProgress>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            batch_size: 64 * 1024,
            columns: None,
            infer_csv_types: false,
            csv_delimiter: b',',
            dictionary_columns: Vec::new(),
            on_bad_line: OnBadRow::Fail,
            progress: None,
        }
    }
}

impl ReadOptions {
    /// Read only `columns`.
    pub fn with_columns<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut cols: Vec<String> = Vec::new();
        for c in columns {
            let c = c.into();
            if !cols.contains(&c) {
                cols.push(c);
            }
        }
        self.columns = Some(cols);
        self
    }
}

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, Error>> + Send>;

/// Record batches read from a file, one batch at a time.
pub struct BatchReader {
    path: PathBuf,
    format: Format,
    schema: SchemaRef,
    stored: SchemaRef,
    inner: Batches,
    bad: BadLines,
}

impl fmt::Debug for BatchReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchReader").field("path", &self.path).field("format", &self.format).finish_non_exhaustive()
    }
}

impl BatchReader {
    /// The schema of the batches (projected).
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The batches' schema with the file's own types: it differs from
    /// [`BatchReader::schema`] only in the columns read dictionary-encoded on request
    /// ([`ReadOptions::dictionary_columns`]).
    pub fn stored_schema(&self) -> SchemaRef {
        self.stored.clone()
    }

    /// Rows left out so far for their structure ([`ReadOptions::on_bad_line`]),
    /// in input order, each with its row and line number and reason.
    pub fn skipped(&self) -> Vec<BadRow> {
        self.bad.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The shared list behind [`BatchReader::skipped`], to read after the batches are consumed.
    pub(crate) fn skipped_handle(&self) -> BadLines {
        self.bad.clone()
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        self.format
    }
}

impl Iterator for BatchReader {
    type Item = Result<RecordBatch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

/// Indices of `wanted` columns in `schema`, in file order.
fn projection(path: &Path, schema: &Schema, wanted: &Option<Vec<String>>) -> Result<Option<Vec<usize>>, Error> {
    let Some(wanted) = wanted else { return Ok(None) };
    let mut idx = Vec::with_capacity(wanted.len());
    for c in wanted {
        match schema.index_of(c) {
            Ok(i) => idx.push(i),
            Err(_) => {
                return Err(Error::Sessionize {
                    path: path.to_owned(),
                    source: anomseq_sessionize::Error::MissingColumn {
                        column: c.clone(),
                        available: schema.fields().iter().map(|f| f.name().clone()).collect(),
                    },
                })
            }
        }
    }
    idx.sort_unstable();
    idx.dedup();
    Ok(Some(idx))
}

fn project(schema: &Schema, idx: &Option<Vec<usize>>) -> Result<SchemaRef, arrow::error::ArrowError> {
    Ok(Arc::new(match idx {
        Some(i) => schema.project(i)?,
        None => schema.clone(),
    }))
}

/// The file's schema with `columns` of type Utf8 or LargeUtf8 read as
/// dictionaries; `None` when nothing changes.
fn dictionary_hint(schema: &SchemaRef, columns: &[String]) -> Option<SchemaRef> {
    let mut changed = false;
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 if columns.iter().any(|c| c == f.name()) => {
                changed = true;
                let dt = DataType::Dictionary(Box::new(DataType::Int32), Box::new(f.data_type().clone()));
                f.as_ref().clone().with_data_type(dt)
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    changed.then(|| Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())))
}

/// Open a file for reading in batches; the format is `format` or the file's extension.
///
/// An empty (0-byte) file is an error; so is a missing column in
/// [`ReadOptions::columns`] (the message lists the columns there are).
pub fn open(path: &Path, format: Option<Format>, opts: &ReadOptions) -> Result<BatchReader, Error> {
    if !matches!(Format::resolve(format, path)?, Format::Parquet | Format::ArrowFile | Format::ArrowStream) {
        return open_unguarded(path, format, opts);
    }
    // the binary decoders of the pinned arrow/parquet 59.3 can panic on malformed
    // files (found by the fuzz targets; fixed upstream only in part)
    let mut r = guarded(path, || open_unguarded(path, format, opts))?;
    let inner = std::mem::replace(&mut r.inner, Box::new(std::iter::empty()));
    r.inner = Box::new(Guarded { path: path.to_owned(), inner, failed: false });
    Ok(r)
}

fn open_unguarded(path: &Path, named: Option<Format>, opts: &ReadOptions) -> Result<BatchReader, Error> {
    let format = Format::resolve(named, path)?;
    let mut file = open_input(path)?;
    let len = file.metadata().map_err(io(path))?.len();
    if len == 0 {
        return Err(Error::EmptyFile { path: path.to_owned() });
    }
    check_format(path, &mut file, format, named.is_some())?;
    let p = path.to_owned();
    let err = move |e: &dyn fmt::Display| Error::Read { path: p.clone(), message: e.to_string() };
    let bs = opts.batch_size.max(1);
    let mut stored = None;
    let bad: BadLines = Default::default();
    let progress = opts.progress.as_ref();
    if let Some(p) = progress {
        p.start(len, ProgressUnit::Bytes);
    }
    let (schema, inner): (SchemaRef, Batches) = match format {
        Format::Csv if !opts.infer_csv_types => {
            let names = read_header(path, &file, opts.csv_delimiter)?;
            file.rewind().map_err(io(path))?;
            let schema = Schema::new(names.iter().map(|n| Field::new(n, DataType::Utf8, true)).collect::<Vec<_>>());
            let idx = projection(path, &schema, &opts.columns)?;
            let out = project(&schema, &idx).map_err(|e| read(path)(&e))?;
            let fields = idx.unwrap_or_else(|| (0..names.len()).collect());
            let rows = CsvRows::new(
                path,
                Counted::new(file, progress),
                opts.csv_delimiter,
                &names,
                fields,
                out.clone(),
                bs,
                opts.on_bad_line,
                bad.clone(),
            );
            (out, Box::new(Fused::new(rows)))
        }
        Format::Csv => {
            read_header(path, &file, opts.csv_delimiter)?;
            file.rewind().map_err(io(path))?;
            // typed columns: arrow's reader, whose rows cannot be skipped one by one
            let fmt = arrow::csv::reader::Format::default().with_header(true).with_delimiter(opts.csv_delimiter);
            let (schema, _) = fmt.infer_schema(&mut file, Some(1000)).map_err(|e| read(path)(&e))?;
            file.rewind().map_err(io(path))?;
            let idx = projection(path, &schema, &opts.columns)?;
            let out = project(&schema, &idx).map_err(|e| read(path)(&e))?;
            let mut b = arrow::csv::ReaderBuilder::new(Arc::new(schema))
                .with_header(true)
                .with_delimiter(opts.csv_delimiter)
                .with_batch_size(bs);
            if let Some(i) = idx {
                b = b.with_projection(i);
            }
            let r =
                b.build(BufReader::with_capacity(1 << 20, Counted::new(file, progress))).map_err(|e| read(path)(&e))?;
            (out, Box::new(r.map(move |b| b.map_err(|e| err(&e)))))
        }
        Format::Parquet => {
            let reopen = file.try_clone().map_err(io(path))?;
            let mut b = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| read(path)(&e))?;
            let as_stored = b.schema().clone();
            if let Some(hint) = dictionary_hint(b.schema(), &opts.dictionary_columns) {
                let options = ArrowReaderOptions::new().with_schema(hint);
                let meta = ArrowReaderMetadata::try_new(b.metadata().clone(), options).map_err(|e| read(path)(&e))?;
                b = ParquetRecordBatchReaderBuilder::new_with_metadata(reopen, meta);
            }
            let idx = projection(path, b.schema(), &opts.columns)?;
            let mut b = b.with_batch_size(bs);
            if let Some(i) = &idx {
                let mask = ProjectionMask::roots(b.parquet_schema(), i.iter().copied());
                b = b.with_projection(mask);
            }
            stored = Some(project(&as_stored, &idx).map_err(|e| read(path)(&e))?);
            let rows = b.metadata().file_metadata().num_rows().max(0) as u64;
            let r = b.build().map_err(|e| read(path)(&e))?;
            let schema = arrow::array::RecordBatchReader::schema(&r);
            let counter = progress.cloned();
            if let Some(p) = &counter {
                p.start(rows, ProgressUnit::Rows);
            }
            let batches = r.map(move |b| {
                if let (Ok(b), Some(p)) = (&b, &counter) {
                    p.add(b.num_rows() as u64);
                }
                b.map_err(|e| err(&e))
            });
            (schema, Box::new(batches))
        }
        Format::ArrowFile => {
            check_ipc_file(path, &file, len)?;
            let r = arrow::ipc::reader::FileReader::try_new(BufReader::new(file), None).map_err(|e| read(path)(&e))?;
            let idx = projection(path, &r.schema(), &opts.columns)?;
            let file = open_input(path)?;
            // the IPC readers report the whole file's schema even when projecting
            let out = project(&r.schema(), &idx).map_err(|e| read(path)(&e))?;
            let r = arrow::ipc::reader::FileReader::try_new(BufReader::new(Counted::new(file, progress)), idx)
                .map_err(|e| read(path)(&e))?;
            (out, Box::new(r.map(move |b| b.map_err(|e| err(&e)))))
        }
        Format::ArrowStream => {
            check_ipc_stream(path, &file, len)?;
            let r =
                arrow::ipc::reader::StreamReader::try_new(BufReader::new(file), None).map_err(|e| read(path)(&e))?;
            let idx = projection(path, &r.schema(), &opts.columns)?;
            let file = open_input(path)?;
            // the IPC readers report the whole file's schema even when projecting
            let out = project(&r.schema(), &idx).map_err(|e| read(path)(&e))?;
            let r = arrow::ipc::reader::StreamReader::try_new(BufReader::new(Counted::new(file, progress)), idx)
                .map_err(|e| read(path)(&e))?;
            (out, Box::new(r.map(move |b| b.map_err(|e| err(&e)))))
        }
        Format::Ndjson => {
            let columns = ndjson_columns(path, file, opts.on_bad_line)?;
            let schema = Schema::new(columns.iter().map(|c| Field::new(c, DataType::Utf8, true)).collect::<Vec<_>>());
            let idx = projection(path, &schema, &opts.columns)?;
            let out = project(&schema, &idx).map_err(|e| read(path)(&e))?;
            let keep: Vec<usize> = idx.unwrap_or_else(|| (0..columns.len()).collect());
            let pos: HashMap<String, usize> = keep.iter().enumerate().map(|(j, &i)| (columns[i].clone(), j)).collect();
            let file = open_input(path)?;
            let r = NdjsonReader {
                path: path.to_owned(),
                lines: BufReader::with_capacity(1 << 20, Counted::new(file, progress)),
                line: 0,
                schema: out.clone(),
                pos,
                batch_size: bs,
                buf: Vec::new(),
                policy: opts.on_bad_line,
                bad: bad.clone(),
                row: 0,
            };
            (out, Box::new(Fused::new(r)))
        }
    };
    let stored = stored.unwrap_or_else(|| schema.clone());
    Ok(BatchReader { path: path.to_owned(), format, schema, stored, inner, bad })
}

/// Check an Arrow IPC stream's framing before arrow reads it: every message's
/// metadata is a valid flatbuffer, and no message, body or buffer claims bytes past
/// the end of the file (arrow allocates what a message claims before reading it).
fn check_ipc_stream(path: &Path, file: &File, len: u64) -> Result<(), Error> {
    let mut f = BufReader::new(file);
    let mut at = 0;
    while let Some(next) = check_ipc_message(path, &mut f, at, len, len)? {
        at = next;
    }
    (&*file).rewind().map_err(io(path))
}

/// Check an Arrow IPC file's footer: every block lies inside the file, before the
/// footer, and holds a well-framed message (see [`check_ipc_stream`]).
fn check_ipc_file(path: &Path, file: &File, len: u64) -> Result<(), Error> {
    use std::io::{Read, SeekFrom};
    const MAGIC: &[u8] = b"ARROW1";
    let bad = |message: String| Error::Read { path: path.to_owned(), message };
    let mut f = BufReader::new(file);
    if len < 18 {
        return Err(bad(format!("not an Arrow IPC file: {len} bytes, too short for the header and footer")));
    }
    let mut tail = [0u8; 10];
    f.seek(SeekFrom::Start(len - 10)).map_err(io(path))?;
    f.read_exact(&mut tail).map_err(io(path))?;
    if &tail[4..] != MAGIC {
        return Err(bad("not an Arrow IPC file: no `ARROW1` at the end".to_owned()));
    }
    let footer_len = i32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    let footer_start = (len - 10).checked_sub(u64::try_from(footer_len).unwrap_or(u64::MAX)).filter(|&s| s >= 8);
    let Some(footer_start) = footer_start else {
        return Err(bad(format!("malformed Arrow IPC file: the footer claims {footer_len} bytes of {len}")));
    };
    let mut footer = vec![0u8; (len - 10 - footer_start) as usize];
    f.seek(SeekFrom::Start(footer_start)).map_err(io(path))?;
    f.read_exact(&mut footer).map_err(io(path))?;
    let footer = arrow::ipc::root_as_footer(&footer)
        .map_err(|e| bad(format!("malformed Arrow IPC file: unreadable footer ({e})")))?;
    let blocks = footer.recordBatches().into_iter().flatten().chain(footer.dictionaries().into_iter().flatten());
    for block in blocks {
        let (offset, meta, body) = (block.offset(), block.metaDataLength(), block.bodyLength());
        let end = i128::from(offset) + i128::from(meta) + i128::from(body);
        if offset < 8 || meta < 0 || body < 0 || end > i128::from(footer_start) {
            return Err(bad(format!(
                "malformed Arrow IPC file: a block at byte {offset} claims {meta} + {body} bytes, \
                 past the footer at byte {footer_start}"
            )));
        }
        check_ipc_message(path, &mut f, offset as u64, end as u64, len)?;
    }
    (&*file).rewind().map_err(io(path))
}

/// Check the message at byte `at` (ending by `end`): its next byte, or `None` at
/// the end of the stream.
fn check_ipc_message(path: &Path, f: &mut BufReader<&File>, at: u64, end: u64, len: u64) -> Result<Option<u64>, Error> {
    use std::io::{Read, SeekFrom};
    let bad = |what: String| Error::Read {
        path: path.to_owned(),
        message: format!("malformed Arrow IPC data: the message at byte {at} {what}"),
    };
    f.seek(SeekFrom::Start(at)).map_err(io(path))?;
    let mut word = [0u8; 4];
    if end.saturating_sub(at) < 4 || f.read_exact(&mut word).is_err() {
        return Ok(None);
    }
    let mut pos = at + 4;
    let mut meta_len = i32::from_le_bytes(word);
    if meta_len == -1 {
        // continuation marker, then the length
        if end.saturating_sub(pos) < 4 || f.read_exact(&mut word).is_err() {
            return Ok(None);
        }
        pos += 4;
        meta_len = i32::from_le_bytes(word);
    }
    if meta_len == 0 {
        return Ok(None);
    }
    let meta_len = u64::try_from(meta_len).map_err(|_| bad(format!("claims {meta_len} bytes of metadata")))?;
    if pos + meta_len > end.min(len) {
        return Err(bad(format!("claims {meta_len} bytes of metadata, past byte {}", end.min(len))));
    }
    let mut meta = vec![0u8; meta_len as usize];
    f.read_exact(&mut meta).map_err(io(path))?;
    pos += meta_len;
    let msg = arrow::ipc::root_as_message(&meta).map_err(|e| bad(format!("has unreadable metadata ({e})")))?;
    let body = msg.bodyLength();
    if body < 0 || i128::from(pos) + i128::from(body) > i128::from(end.min(len)) {
        return Err(bad(format!("claims a body of {body} bytes, past byte {}", end.min(len))));
    }
    let batch = msg.header_as_record_batch().or_else(|| msg.header_as_dictionary_batch().and_then(|d| d.data()));
    if let Some(buffers) = batch.and_then(|b| b.buffers()) {
        for b in buffers {
            if b.offset() < 0 || b.length() < 0 || i128::from(b.offset()) + i128::from(b.length()) > i128::from(body) {
                return Err(bad(format!(
                    "has a buffer of {} bytes at {} in a body of {body} bytes",
                    b.length(),
                    b.offset()
                )));
            }
        }
    }
    Ok(Some(pos + body as u64))
}

thread_local! {
    /// Set while this thread runs a [`guarded`] decoder step.
    static IN_DECODER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Keep a panic that [`open`]'s decoder boundary turns into an error from also
/// printing Rust's panic message: every other panic goes to the hook that was
/// installed before (the default one prints it). Call once, early, in a program
/// that reads untrusted files (the `anomseq` command line does).
///
/// ```
/// anomseq_io::quiet_decoder_panics();
/// ```
pub fn quiet_decoder_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_DECODER.with(std::cell::Cell::get) {
                before(info);
            }
        }));
    });
}

/// Run a decoder step, turning a panic inside arrow or parquet (possible on
/// malformed files with the pinned 59.3 releases) into an error naming the file.
fn guarded<T>(path: &Path, step: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    let outer = IN_DECODER.with(|f| f.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(step));
    IN_DECODER.with(|f| f.set(outer));
    result.unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        Err(Error::Read { path: path.to_owned(), message: format!("malformed file: the decoder failed ({why})") })
    })
}

/// Batches whose every step is [`guarded`]; after a failure, nothing more.
struct Guarded {
    path: PathBuf,
    inner: Batches,
    failed: bool,
}

impl Iterator for Guarded {
    type Item = Result<RecordBatch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let inner = &mut self.inner;
        let item = guarded(&self.path, || Ok(inner.next())).unwrap_or_else(|e| Some(Err(e)));
        self.failed = matches!(item, Some(Err(_)));
        item
    }
}

/// Read a whole file into one record batch (see [`open`]).
pub fn read_table(path: &Path, format: Option<Format>, opts: &ReadOptions) -> Result<RecordBatch, Error> {
    let r = open(path, format, opts)?;
    let schema = r.schema();
    let batches: Vec<RecordBatch> = r.collect::<Result<_, _>>()?;
    arrow::compute::concat_batches(&schema, &batches).map_err(|e| read(path)(&e))
}

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
fn ndjson_columns(path: &Path, file: File, policy: OnBadRow) -> Result<Vec<String>, Error> {
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
struct NdjsonReader {
    path: PathBuf,
    lines: BufReader<Counted>,
    line: usize,
    schema: SchemaRef,
    pos: HashMap<String, usize>,
    batch_size: usize,
    buf: Vec<u8>,
    policy: OnBadRow,
    bad: BadLines,
    /// Rows so far (non-blank lines), bad ones included.
    row: usize,
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
