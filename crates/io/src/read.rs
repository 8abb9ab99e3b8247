//! Readers: CSV, Parquet, Arrow IPC (file and stream) and NDJSON, in batches.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anomseq_sessionize::{BadRow, OnBadRow};
use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;

use crate::delimited::{read_header, BadLines, CsvRows, Fused};
use crate::error::{io, read};
use crate::guard::{guarded, Guarded};
use crate::ipc::{check_ipc_file, check_ipc_stream};
use crate::ndjson::{ndjson_columns, NdjsonReader};
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
    /// Parquet only: decode the row groups on rayon's threads, every batch read
    /// before the first is returned (for a reader that collects the whole file
    /// anyway, as sessionizing does; a stream keeps the default, one batch at a time).
    pub parallel: bool,
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
            parallel: false,
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

pub(crate) type Batches = Box<dyn Iterator<Item = Result<RecordBatch, Error>> + Send>;

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
        .map(|f| match columns.iter().any(|c| c == f.name()).then(|| dictionary_strings(f.data_type())).flatten() {
            Some(dt) => {
                changed = true;
                f.as_ref().clone().with_data_type(dt)
            }
            None => f.as_ref().clone(),
        })
        .collect();
    changed.then(|| Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())))
}

/// `dt` with its strings dictionary-encoded: a string column itself, and the
/// strings inside lists and structs (an event list's names, its parameters'
/// names and values); `None` when there are none. Maps are left as they are.
fn dictionary_strings(dt: &DataType) -> Option<DataType> {
    anomseq_sessionize::map_leaf_types(dt, true, &|leaf| match leaf {
        DataType::Utf8 | DataType::LargeUtf8 => {
            Some(DataType::Dictionary(Box::new(DataType::Int32), Box::new(leaf.clone())))
        }
        _ => None,
    })
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
            let plain = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| read(path)(&e))?;
            let as_stored = plain.schema().clone();
            let meta = match dictionary_hint(plain.schema(), &opts.dictionary_columns) {
                Some(hint) => {
                    let options = ArrowReaderOptions::new().with_schema(hint);
                    ArrowReaderMetadata::try_new(plain.metadata().clone(), options).map_err(|e| read(path)(&e))?
                }
                None => plain,
            };
            let idx = projection(path, meta.schema(), &opts.columns)?;
            let mask = idx.as_ref().map(|i| ProjectionMask::roots(meta.parquet_schema(), i.iter().copied()));
            // a reader of some row groups (all when `None`) of its own open file
            let reader = |file: File, groups: Option<Vec<usize>>| {
                let mut b = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone()).with_batch_size(bs);
                if let Some(m) = &mask {
                    b = b.with_projection(m.clone());
                }
                if let Some(g) = groups {
                    b = b.with_row_groups(g);
                }
                b.build()
            };
            stored = Some(project(&as_stored, &idx).map_err(|e| read(path)(&e))?);
            let rows = meta.metadata().file_metadata().num_rows().max(0) as u64;
            let n_groups = meta.metadata().num_row_groups();
            let counter = progress.cloned();
            if let Some(p) = &counter {
                p.start(rows, ProgressUnit::Rows);
            }
            let threads = rayon::current_num_threads().min(n_groups);
            if opts.parallel && threads > 1 {
                // contiguous runs of row groups, one per thread, each with its own file
                // (clones of one would share a file offset), in file order
                let runs: Vec<Vec<usize>> =
                    (0..threads).map(|t| (n_groups * t / threads..n_groups * (t + 1) / threads).collect()).collect();
                let read_run = |run: Vec<usize>| -> Result<Vec<RecordBatch>, Error> {
                    let r = reader(open_input(path)?, Some(run)).map_err(|e| read(path)(&e))?;
                    r.map(|b| {
                        let b = b.map_err(|e| read(path)(&e))?;
                        if let Some(p) = &counter {
                            p.add(b.num_rows() as u64);
                        }
                        Ok(b)
                    })
                    .collect()
                };
                let parts = runs.into_par_iter().map(read_run).collect::<Result<Vec<_>, _>>()?;
                let none = reader(file, Some(Vec::new())).map_err(|e| read(path)(&e))?;
                let schema = arrow::array::RecordBatchReader::schema(&none);
                let batches: Vec<Result<RecordBatch, Error>> = parts.into_iter().flatten().map(Ok).collect();
                (schema, Box::new(batches.into_iter()))
            } else {
                let r = reader(file, None).map_err(|e| read(path)(&e))?;
                let schema = arrow::array::RecordBatchReader::schema(&r);
                let batches = r.map(move |b| {
                    if let (Ok(b), Some(p)) = (&b, &counter) {
                        p.add(b.num_rows() as u64);
                    }
                    b.map_err(|e| err(&e))
                });
                (schema, Box::new(batches))
            }
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
            // two passes over the file, both counted
            if let Some(p) = progress {
                p.start(2 * len, ProgressUnit::Bytes);
            }
            let columns = ndjson_columns(path, Counted::new(file, progress), opts.on_bad_line)?;
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

/// Read a whole file into one record batch (see [`open`]).
pub fn read_table(path: &Path, format: Option<Format>, opts: &ReadOptions) -> Result<RecordBatch, Error> {
    let r = open(path, format, opts)?;
    let schema = r.schema();
    let batches: Vec<RecordBatch> = r.collect::<Result<_, _>>()?;
    arrow::compute::concat_batches(&schema, &batches).map_err(|e| read(path)(&e))
}
