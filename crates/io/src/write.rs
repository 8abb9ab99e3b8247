//! Writers: Parquet, Arrow IPC, NDJSON and CSV, written atomically.

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anomseq_sessionize::{format_timestamp, plain_nested_type};
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use serde_json::{json, Value};

use crate::error::{io, write};
use crate::parquet_out::ParallelParquet;
use crate::{AtomicFile, Error, Format};

enum Sink {
    Csv(arrow::csv::Writer<BufWriter<File>>),
    Parquet(ParallelParquet),
    ArrowFile(arrow::ipc::writer::FileWriter<BufWriter<File>>),
    ArrowStream(arrow::ipc::writer::StreamWriter<BufWriter<File>>),
    Ndjson(arrow::json::LineDelimitedWriter<BufWriter<File>>),
}

/// Writes record batches to a file atomically ([`AtomicFile`]): into an
/// exclusive temporary file in the same folder, renamed over the destination by
/// [`finish`](BatchWriter::finish). Dropped without `finish` (an error on the
/// way), it removes the temporary file and leaves the destination untouched.
///
/// CSV cannot hold lists or structs: such columns are written as JSON text
/// (an event list in the oracle encoding, e.g. `["a","b"]` or
/// `[{"name":"a","params":{"k":"v"}}]`).
pub struct BatchWriter {
    path: PathBuf,
    out: Option<AtomicFile>,
    format: Format,
    schema: SchemaRef,
    sink: Option<Sink>,
    rows: usize,
    /// Neutralise formula-like CSV cells.
    safe: bool,
}

impl fmt::Debug for BatchWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchWriter").field("path", &self.path).field("format", &self.format).finish_non_exhaustive()
    }
}

fn is_nested(dt: &DataType) -> bool {
    matches!(dt, DataType::List(_) | DataType::LargeList(_) | DataType::Struct(_) | DataType::Map(..))
}

/// Does a text format write this column as our own text? Nested columns (CSV only:
/// JSON text) and timestamps (RFC 3339 in UTC, `2020-04-18T04:50:30Z`).
fn as_text(dt: &DataType, nested: bool) -> bool {
    matches!(dt, DataType::Timestamp(..)) || (nested && is_nested(dt))
}

/// The schema a text format gets.
fn text_schema(schema: &Schema, nested: bool) -> SchemaRef {
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| {
                if as_text(f.data_type(), nested) {
                    Field::new(f.name(), DataType::Utf8, f.is_nullable())
                } else {
                    f.as_ref().clone()
                }
            })
            .collect::<Vec<_>>(),
    ))
}

/// Rows of a Parquet row group (polars' default): a file of several groups is
/// encoded a group per thread.
pub(crate) const ROW_GROUP_ROWS: usize = 256 * 1024;

/// How the Parquet files are written: Snappy, row groups of [`ROW_GROUP_ROWS`], and
/// statistics for every column but the values inside lists (a list's minimum and
/// maximum event name serve no reader, and computing them compares every event's
/// string twice).
fn parquet_properties(schema: &Schema) -> Result<WriterProperties, parquet::errors::ParquetError> {
    let descr = parquet::arrow::ArrowSchemaConverter::new().convert(schema)?;
    let mut b = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
    for leaf in descr.columns().iter().filter(|c| c.max_rep_level() > 0) {
        b = b.set_column_statistics_enabled(leaf.path().clone(), EnabledStatistics::None);
    }
    Ok(b.build())
}

/// `schema` with each column's nested dictionaries as plain strings ([`plain_nested_type`]).
fn plain_schema(schema: SchemaRef) -> SchemaRef {
    if schema.fields().iter().all(|f| plain_nested_type(f.data_type()).is_none()) {
        return schema;
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match plain_nested_type(f.data_type()) {
            Some(dt) => f.as_ref().clone().with_data_type(dt),
            None => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// `batch` in the types of `schema` (its nested dictionaries decoded), for the
/// writers that take a batch as its types say.
fn decoded(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, arrow::error::ArrowError> {
    if batch.schema().fields().iter().zip(schema.fields()).all(|(a, b)| a.data_type() == b.data_type()) {
        return Ok(batch.clone());
    }
    let cols = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(
            |(c, f)| {
                if c.data_type() == f.data_type() {
                    Ok(c.clone())
                } else {
                    arrow::compute::cast(c, f.data_type())
                }
            },
        )
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema.clone(), cols)
}

/// How to write files.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteOptions {
    /// CSV only: text cells that a spreadsheet would read as a formula (starting
    /// with `=`, `+`, `-`, `@`, a tab or a carriage return) get a leading `'`
    /// ([`spreadsheet_safe`]), since analysts open these exports in spreadsheets.
    /// On by default; turn it off for programs that read the CSV back.
    pub spreadsheet_safe: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { spreadsheet_safe: true }
    }
}

impl WriteOptions {
    /// Write CSV cells exactly as they are (no formula neutralising).
    pub fn raw_csv(mut self) -> Self {
        self.spreadsheet_safe = false;
        self
    }
}

/// A text cell a spreadsheet would read as a formula (starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading `'`, so it is shown as
/// text and never evaluated. Other cells are returned as they are.
///
/// The change is visible to programs that read the file back: CSV exports apply
/// it unless [`WriteOptions::raw_csv`].
///
/// ```
/// use anomseq_io::spreadsheet_safe;
/// assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
/// assert_eq!(spreadsheet_safe("-2+3"), "'-2+3");
/// assert_eq!(spreadsheet_safe("Set-User"), "Set-User");
/// ```
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{cell}")),
        _ => std::borrow::Cow::Borrowed(cell),
    }
}

impl BatchWriter {
    /// Start writing batches of `schema` to `path`; the format is `format` or the extension's.
    pub fn create(path: &Path, format: Option<Format>, schema: SchemaRef) -> Result<Self, Error> {
        Self::create_with(path, format, schema, &WriteOptions::default())
    }

    /// [`BatchWriter::create`] with options.
    pub fn create_with(
        path: &Path,
        format: Option<Format>,
        schema: SchemaRef,
        options: &WriteOptions,
    ) -> Result<Self, Error> {
        let format = Format::resolve(format, path)?;
        // an event list read dictionary-encoded is written as the strings it stands for
        let schema = plain_schema(schema);
        let mut out = AtomicFile::create(path)?;
        let file = out.take();
        let mut w = BatchWriter {
            path: path.to_owned(),
            out: Some(out),
            format,
            schema: schema.clone(),
            sink: None,
            rows: 0,
            safe: options.spreadsheet_safe,
        };
        let e = |x: &dyn fmt::Display| Error::Write { path: path.to_owned(), message: x.to_string() };
        let sink = match format {
            Format::Csv => Sink::Csv(
                arrow::csv::WriterBuilder::new().with_header(true).build(BufWriter::with_capacity(1 << 20, file)),
            ),
            Format::Parquet => {
                let props = parquet_properties(&schema).map_err(|x| e(&x))?;
                Sink::Parquet(ParallelParquet::try_new(file, schema, props).map_err(|x| e(&x))?)
            }
            Format::ArrowFile => Sink::ArrowFile(
                arrow::ipc::writer::FileWriter::try_new(BufWriter::with_capacity(1 << 20, file), &schema)
                    .map_err(|x| e(&x))?,
            ),
            Format::ArrowStream => Sink::ArrowStream(
                arrow::ipc::writer::StreamWriter::try_new(BufWriter::with_capacity(1 << 20, file), &schema)
                    .map_err(|x| e(&x))?,
            ),
            Format::Ndjson => Sink::Ndjson(
                arrow::json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<_, arrow::json::writer::LineDelimited>(BufWriter::with_capacity(1 << 20, file)),
            ),
        };
        w.sink = Some(sink);
        Ok(w)
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Write one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), Error> {
        let path = self.path.clone();
        let e = write(&path);
        // Parquet encodes dictionary-encoded strings as it encodes strings (under the
        // plain type in the file's schema); the other writers take plain types
        let plain;
        let batch = if matches!(self.sink, Some(Sink::Parquet(_))) {
            batch
        } else {
            plain = decoded(batch, &self.schema).map_err(|x| e(&x))?;
            &plain
        };
        match self.sink.as_mut() {
            Some(Sink::Csv(w)) => {
                let text = to_text_batch(batch, true).map_err(|x| e(&x))?;
                let text = if self.safe { neutralise(&text).map_err(|x| e(&x))? } else { text };
                w.write(&text).map_err(|x| e(&x))?
            }
            Some(Sink::Parquet(w)) => w.write(batch).map_err(|x| e(&x))?,
            Some(Sink::ArrowFile(w)) => w.write(batch).map_err(|x| e(&x))?,
            Some(Sink::ArrowStream(w)) => w.write(batch).map_err(|x| e(&x))?,
            Some(Sink::Ndjson(w)) => w.write(&to_text_batch(batch, false).map_err(|x| e(&x))?).map_err(|x| e(&x))?,
            None => return Err(e(&"the writer is already finished")),
        }
        self.rows += batch.num_rows();
        Ok(())
    }

    /// Finish the file and move it into place.
    pub fn finish(mut self) -> Result<usize, Error> {
        let path = self.path.clone();
        let e = write(&path);
        let file: File = match self.sink.take() {
            Some(Sink::Csv(mut w)) => {
                if self.rows == 0 {
                    let empty = RecordBatch::new_empty(text_schema(&self.schema, true));
                    w.write(&empty).map_err(|x| e(&x))?;
                }
                w.into_inner().into_inner().map_err(|x| e(&x))?
            }
            Some(Sink::Parquet(w)) => w.into_inner().map_err(|x| e(&x))?,
            Some(Sink::ArrowFile(mut w)) => {
                w.finish().map_err(|x| e(&x))?;
                w.into_inner().map_err(|x| e(&x))?.into_inner().map_err(|x| e(&x))?
            }
            Some(Sink::ArrowStream(mut w)) => {
                w.finish().map_err(|x| e(&x))?;
                w.into_inner().map_err(|x| e(&x))?.into_inner().map_err(|x| e(&x))?
            }
            Some(Sink::Ndjson(mut w)) => {
                w.finish().map_err(|x| e(&x))?;
                let mut b = w.into_inner();
                b.flush().map_err(io(&path))?;
                b.into_inner().map_err(|x| e(&x))?
            }
            None => return Err(e(&"the writer is already finished")),
        };
        self.out.take().ok_or_else(|| e(&"the writer is already finished"))?.commit_file(file)?;
        Ok(self.rows)
    }
}

/// Write batches of `schema` to `path` atomically; returns the number of rows.
pub fn write_batches<I>(path: &Path, format: Option<Format>, schema: SchemaRef, batches: I) -> Result<usize, Error>
where
    I: IntoIterator<Item = Result<RecordBatch, Error>>,
{
    let mut w = BatchWriter::create(path, format, schema)?;
    for b in batches {
        w.write(&b?)?;
    }
    w.finish()
}

/// Write one table to `path` atomically.
pub fn write_table(path: &Path, format: Option<Format>, table: &RecordBatch) -> Result<usize, Error> {
    write_table_with(path, format, table, &WriteOptions::default())
}

/// [`write_table`] with options.
pub fn write_table_with(
    path: &Path,
    format: Option<Format>,
    table: &RecordBatch,
    options: &WriteOptions,
) -> Result<usize, Error> {
    let mut w = BatchWriter::create_with(path, format, table.schema(), options)?;
    w.write(table)?;
    w.finish()
}

/// Text columns with every formula-like cell made [`spreadsheet_safe`].
fn neutralise(batch: &RecordBatch) -> Result<RecordBatch, arrow::error::ArrowError> {
    let needs = |c: &ArrayRef| {
        matches!(c.data_type(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(..))
    };
    if !batch.columns().iter().any(needs) {
        return Ok(batch.clone());
    }
    let mut fields: Vec<Field> = Vec::with_capacity(batch.num_columns());
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        let text = match c.data_type() {
            DataType::Utf8 => Some(c.clone()),
            DataType::LargeUtf8 | DataType::Utf8View => Some(arrow::compute::cast(c, &DataType::Utf8)?),
            DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => {
                Some(arrow::compute::cast(c, &DataType::Utf8)?)
            }
            _ => None,
        };
        match text {
            Some(t) => {
                let s = t.as_string::<i32>();
                let safe: arrow::array::StringArray = s.iter().map(|v| v.map(spreadsheet_safe)).collect();
                fields.push(Field::new(f.name(), DataType::Utf8, f.is_nullable()));
                cols.push(Arc::new(safe));
            }
            None => {
                fields.push(f.as_ref().clone());
                cols.push(c.clone());
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
}

fn to_text_batch(batch: &RecordBatch, nested: bool) -> Result<RecordBatch, arrow::error::ArrowError> {
    if !batch.schema().fields().iter().any(|f| as_text(f.data_type(), nested)) {
        return Ok(batch.clone());
    }
    let cols: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .map(|c| {
            if let DataType::Timestamp(unit, _) = c.data_type() {
                // the raw values are UTC instants in `unit`, whatever the zone
                let raw = arrow::compute::cast(c, &DataType::Int64)?;
                let raw = raw.as_primitive::<arrow::datatypes::Int64Type>();
                let scale: i64 = match unit {
                    TimeUnit::Second => 1_000_000_000,
                    TimeUnit::Millisecond => 1_000_000,
                    TimeUnit::Microsecond => 1_000,
                    TimeUnit::Nanosecond => 1,
                };
                let mut b = StringBuilder::new();
                for i in 0..raw.len() {
                    match (raw.is_valid(i), raw.value(i).checked_mul(scale)) {
                        (true, Some(ns)) => b.append_value(format_timestamp(ns)),
                        (true, None) => b.append_value(format!("{}{unit:?}", raw.value(i))),
                        (false, _) => b.append_null(),
                    }
                }
                Ok(Arc::new(b.finish()) as ArrayRef)
            } else if nested && is_nested(c.data_type()) {
                let mut b = StringBuilder::new();
                for i in 0..c.len() {
                    if c.is_null(i) {
                        b.append_null();
                    } else {
                        b.append_value(json_value(c.as_ref(), i).to_string());
                    }
                }
                Ok(Arc::new(b.finish()) as ArrayRef)
            } else {
                Ok(c.clone())
            }
        })
        .collect::<Result<_, arrow::error::ArrowError>>()?;
    RecordBatch::try_new(text_schema(&batch.schema(), nested), cols)
}

/// One cell as JSON: lists as arrays, structs and maps as objects.
pub(crate) fn json_value(c: &dyn Array, i: usize) -> Value {
    if c.is_null(i) {
        return Value::Null;
    }
    match c.data_type() {
        DataType::Utf8 => json!(c.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => json!(c.as_string::<i64>().value(i)),
        DataType::Boolean => json!(c.as_boolean().value(i)),
        DataType::Int64 => json!(c.as_primitive::<arrow::datatypes::Int64Type>().value(i)),
        DataType::Float64 => {
            let v = c.as_primitive::<arrow::datatypes::Float64Type>().value(i);
            if v.is_finite() {
                json!(v)
            } else {
                Value::Null
            }
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            json!(format_timestamp(c.as_primitive::<arrow::datatypes::TimestampNanosecondType>().value(i)))
        }
        DataType::List(_) => {
            let l = c.as_list::<i32>().value(i);
            Value::Array((0..l.len()).map(|j| json_value(l.as_ref(), j)).collect())
        }
        DataType::LargeList(_) => {
            let l = c.as_list::<i64>().value(i);
            Value::Array((0..l.len()).map(|j| json_value(l.as_ref(), j)).collect())
        }
        DataType::Struct(fields) => {
            let s = c.as_struct();
            Value::Object(
                fields.iter().zip(s.columns()).map(|(f, a)| (f.name().clone(), json_value(a.as_ref(), i))).collect(),
            )
        }
        DataType::Map(..) => {
            let m = c.as_map();
            let off = m.value_offsets();
            let (k, v) = (m.keys(), m.values());
            let mut o = serde_json::Map::new();
            for j in off[i] as usize..off[i + 1] as usize {
                let key = match json_value(k.as_ref(), j) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                o.insert(key, json_value(v.as_ref(), j));
            }
            Value::Object(o)
        }
        _ => match arrow::compute::cast(&c.slice(i, 1), &DataType::Utf8) {
            Ok(s) if s.is_valid(0) => json!(s.as_string::<i32>().value(0)),
            _ => Value::Null,
        },
    }
}
