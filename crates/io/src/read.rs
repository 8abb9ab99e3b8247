//! Readers: CSV, Parquet, Arrow IPC (file and stream) and NDJSON, in batches.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::error::{io, read};
use crate::{Error, Format};

/// How to read a file.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            batch_size: 64 * 1024,
            columns: None,
            infer_csv_types: false,
            csv_delimiter: b',',
            dictionary_columns: Vec::new(),
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
    inner: Batches,
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
    let format = Format::resolve(format, path)?;
    let file = File::open(path).map_err(io(path))?;
    let len = file.metadata().map_err(io(path))?.len();
    if len == 0 {
        return Err(Error::EmptyFile { path: path.to_owned() });
    }
    let p = path.to_owned();
    let err = move |e: &dyn fmt::Display| Error::Read { path: p.clone(), message: e.to_string() };
    let bs = opts.batch_size.max(1);
    let (schema, inner): (SchemaRef, Batches) = match format {
        Format::Csv => {
            let mut file = file;
            let fmt = arrow::csv::reader::Format::default().with_header(true).with_delimiter(opts.csv_delimiter);
            let max = if opts.infer_csv_types { Some(1000) } else { Some(0) };
            let (mut schema, _) = fmt.infer_schema(&mut file, max).map_err(|e| read(path)(&e))?;
            if !opts.infer_csv_types {
                schema = Schema::new(
                    schema.fields().iter().map(|f| Field::new(f.name(), DataType::Utf8, true)).collect::<Vec<_>>(),
                );
            }
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
            let r = b.build(BufReader::with_capacity(1 << 20, file)).map_err(|e| read(path)(&e))?;
            (out, Box::new(r.map(move |b| b.map_err(|e| err(&e)))))
        }
        Format::Parquet => {
            let reopen = file.try_clone().map_err(io(path))?;
            let mut b = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| read(path)(&e))?;
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
            let r = b.build().map_err(|e| read(path)(&e))?;
            (arrow::array::RecordBatchReader::schema(&r), Box::new(r.map(move |b| b.map_err(|e| err(&e)))))
        }
        Format::ArrowFile => {
            let r = arrow::ipc::reader::FileReader::try_new(BufReader::new(file), None).map_err(|e| read(path)(&e))?;
            let idx = projection(path, &r.schema(), &opts.columns)?;
            // the IPC readers' schema() is the file's, not the projected one of their batches
            let out = project(&r.schema(), &idx).map_err(|e| read(path)(&e))?;
            let file = File::open(path).map_err(io(path))?;
            // the IPC readers report the whole file's schema even when projecting
            let out = project(&r.schema(), &idx).map_err(|e| read(path)(&e))?;
            let r = arrow::ipc::reader::FileReader::try_new(BufReader::new(file), idx).map_err(|e| read(path)(&e))?;
            (out, Box::new(r.map(move |b| b.map_err(|e| err(&e)))))
        }
        Format::ArrowStream => {
            check_stream_prefix(path, &file, len)?;
            let r =
                arrow::ipc::reader::StreamReader::try_new(BufReader::new(file), None).map_err(|e| read(path)(&e))?;
            let idx = projection(path, &r.schema(), &opts.columns)?;
            let out = project(&r.schema(), &idx).map_err(|e| read(path)(&e))?;
            let file = File::open(path).map_err(io(path))?;
            // the IPC readers report the whole file's schema even when projecting
            let out = project(&r.schema(), &idx).map_err(|e| read(path)(&e))?;
            let r = arrow::ipc::reader::StreamReader::try_new(BufReader::new(file), idx).map_err(|e| read(path)(&e))?;
            (out, Box::new(r.map(move |b| b.map_err(|e| err(&e)))))
        }
        Format::Ndjson => {
            let columns = ndjson_columns(path, file)?;
            let schema = Schema::new(columns.iter().map(|c| Field::new(c, DataType::Utf8, true)).collect::<Vec<_>>());
            let idx = projection(path, &schema, &opts.columns)?;
            let out = project(&schema, &idx).map_err(|e| read(path)(&e))?;
            let keep: Vec<usize> = idx.unwrap_or_else(|| (0..columns.len()).collect());
            let pos: HashMap<String, usize> = keep.iter().enumerate().map(|(j, &i)| (columns[i].clone(), j)).collect();
            let file = File::open(path).map_err(io(path))?;
            let r = NdjsonReader {
                path: path.to_owned(),
                lines: BufReader::with_capacity(1 << 20, file),
                line: 0,
                schema: out.clone(),
                pos,
                batch_size: bs,
                done: false,
                buf: Vec::new(),
            };
            (out, Box::new(r))
        }
    };
    Ok(BatchReader { path: path.to_owned(), format, schema, inner })
}

/// Refuse a file whose first IPC message claims more bytes than the file holds
/// (arrow would allocate that much before failing).
fn check_stream_prefix(path: &Path, file: &File, len: u64) -> Result<(), Error> {
    use std::io::Read;
    let mut head = [0u8; 8];
    let mut f = file;
    let n = f.read(&mut head).map_err(io(path))?;
    (&*file).rewind().map_err(io(path))?;
    let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let claimed = match n {
        8 if word(&head) == 0xFFFF_FFFF => u64::from(word(&head[4..])) + 8,
        n if n >= 4 => u64::from(word(&head)) + 4,
        _ => len + 1,
    };
    if claimed > len {
        return Err(Error::Read {
            path: path.to_owned(),
            message: format!("not an Arrow IPC stream: the first message claims {claimed} bytes, the file has {len}"),
        });
    }
    Ok(())
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

fn line_text<'a>(path: &Path, line: usize, buf: &'a [u8]) -> Result<&'a str, Error> {
    std::str::from_utf8(buf).map_err(|e| Error::Line {
        path: path.to_owned(),
        line,
        message: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
    })
}

/// First pass over an NDJSON file: every line parses; the column names in first-seen order.
fn ndjson_columns(path: &Path, file: File) -> Result<Vec<String>, Error> {
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut buf = Vec::new();
    let mut line = 0;
    let mut cols: Vec<String> = Vec::new();
    let mut seen: HashMap<String, ()> = HashMap::new();
    while next_line(&mut r, &mut buf).map_err(io(path))? {
        line += 1;
        let text = line_text(path, line, &buf)?;
        if text.trim().is_empty() {
            continue;
        }
        let keys: Keys = serde_json::from_str(text).map_err(|e| Error::Line {
            path: path.to_owned(),
            line,
            message: format!("expected a JSON object ({e})"),
        })?;
        for k in keys.0 {
            if seen.insert(k.clone(), ()).is_none() {
                cols.push(k);
            }
        }
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
    lines: BufReader<File>,
    line: usize,
    schema: SchemaRef,
    pos: HashMap<String, usize>,
    batch_size: usize,
    done: bool,
    buf: Vec<u8>,
}

impl NdjsonReader {
    fn batch(&mut self) -> Result<Option<RecordBatch>, Error> {
        let n_cols = self.schema.fields().len();
        let mut builders: Vec<StringBuilder> = (0..n_cols).map(|_| StringBuilder::new()).collect();
        let mut rows = 0;
        let mut cells: Vec<Option<String>> = vec![None; n_cols];
        while rows < self.batch_size {
            if !next_line(&mut self.lines, &mut self.buf).map_err(io(&self.path))? {
                self.done = true;
                break;
            }
            self.line += 1;
            let line = self.line;
            let text = line_text(&self.path, line, &self.buf)?;
            if text.trim().is_empty() {
                continue;
            }
            let bad = |message: String| Error::Line { path: self.path.clone(), line, message };
            let pairs: anomseq_sessionize::JsonPairs<'_> =
                serde_json::from_str(text).map_err(|e| bad(format!("expected a JSON object ({e})")))?;
            for c in cells.iter_mut() {
                *c = None;
            }
            for (k, raw) in pairs.0 {
                let Some(&j) = self.pos.get(&k) else { continue };
                let t = raw.get().trim();
                cells[j] = if t == "null" {
                    None
                } else if t.starts_with('"') {
                    Some(serde_json::from_str::<String>(t).map_err(|e| bad(e.to_string()))?)
                } else {
                    let v: serde_json::Value = serde_json::from_str(t).map_err(|e| bad(e.to_string()))?;
                    Some(v.to_string())
                };
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

impl Iterator for NdjsonReader {
    type Item = Result<RecordBatch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.batch() {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
