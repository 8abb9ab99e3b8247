//! Files of events to sessions, and files of sessions to scores.

use std::path::Path;
use std::sync::Arc;

use anomseq_core::Sessions;
use anomseq_sessionize::{
    sessionize_table, sessions_from_column, BadRow, EventSpec, SessionizeOptions, Sessionized, StreamSessionizer,
};
use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::error::{read, sess};
use crate::{open, read_table, BatchWriter, Error, Format, ReadOptions, WriteOptions};

/// The columns a sessionize run reads (user keys, time, event columns), with the
/// run's policy for bad rows also applied to rows whose structure is broken.
fn needed(opts: &SessionizeOptions, spec: &EventSpec, read: &ReadOptions) -> ReadOptions {
    let mut cols: Vec<String> = opts.input_columns().into_iter().map(str::to_owned).collect();
    cols.extend(spec.input_columns().into_iter().map(str::to_owned));
    let mut read = read.clone().with_columns(cols);
    read.on_bad_line = opts.on_bad_row;
    read
}

/// The rows of a file the reader skipped, to number the rows the sessionizer was given
/// as rows of the file.
struct Gaps {
    /// For the j-th skipped row (sorted, from 1), its row less j: the number of rows
    /// given before it, plus one. Non-decreasing, so it can be searched.
    given_before: Vec<usize>,
}

impl Gaps {
    fn new(skipped: impl IntoIterator<Item = usize>) -> Self {
        let mut rows: Vec<usize> = skipped.into_iter().collect();
        rows.sort_unstable();
        Gaps { given_before: rows.iter().enumerate().map(|(j, &g)| g - j).collect() }
    }

    /// The row of the file that is row `given` (from 1) of those the sessionizer was
    /// given: `given` plus the number of skipped rows before it.
    fn file_row(&self, given: usize) -> usize {
        given + self.given_before.partition_point(|&g| g <= given)
    }
}

/// A sessionizer error with its row numbered as a row of the file.
fn renumbered(e: anomseq_sessionize::Error, skipped: &crate::delimited::BadLines) -> anomseq_sessionize::Error {
    use anomseq_sessionize::Error as E;
    let gaps = Gaps::new(skipped.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|b| b.row));
    match e {
        E::BadValue { row, column, value, reason } => E::BadValue { row: gaps.file_row(row), column, value, reason },
        E::NotTimeOrdered { row, column, value, previous } => {
            E::NotTimeOrdered { row: gaps.file_row(row), column, value, previous }
        }
        other => other,
    }
}

/// Give each bad row without one the line of the file where it starts (CSV and
/// NDJSON; a second, sequential read, only when there are such rows).
fn with_lines(path: &Path, format: Option<Format>, delimiter: u8, bad: &mut [BadRow]) -> Result<(), Error> {
    let rows: Vec<usize> = bad.iter().filter(|b| b.line.is_none()).map(|b| b.row).collect();
    if rows.is_empty() {
        return Ok(());
    }
    let lines = match Format::resolve(format, path)? {
        Format::Csv => crate::delimited::csv_lines_of_rows(path, delimiter, &rows)?,
        Format::Ndjson => crate::ndjson::ndjson_lines_of_rows(path, &rows)?,
        _ => return Ok(()),
    };
    for (b, line) in bad.iter_mut().filter(|b| b.line.is_none()).zip(lines) {
        b.line = Some(line);
    }
    Ok(())
}

/// All the bad rows of a run, in input order: the sessionizer's, whose row numbers
/// count only the rows it was given, renumbered as rows of the file, and the rows the
/// reader skipped for their structure (`skipped`, numbered as rows of the file).
fn all_bad_rows(sessionizer: Vec<BadRow>, skipped: Vec<BadRow>) -> Vec<BadRow> {
    let gaps = Gaps::new(skipped.iter().map(|b| b.row));
    let mut out: Vec<BadRow> = sessionizer
        .into_iter()
        .map(|mut b| {
            b.row = gaps.file_row(b.row);
            b
        })
        .collect();
    out.extend(skipped);
    // the sessionizer finds bad times before bad names: the file's order is the rows'
    out.sort_by_key(|b| b.row);
    out
}

/// Read a file of events (only the columns needed) and sessionize it.
///
/// Errors name the file, and the row, column and value where one is at fault.
pub fn sessionize_file(
    input: &Path,
    format: Option<Format>,
    opts: &SessionizeOptions,
    spec: &EventSpec,
    read_opts: &ReadOptions,
) -> Result<Sessionized, Error> {
    let mut read_opts = needed(opts, spec, read_opts);
    // every batch is kept: decoded on every thread
    read_opts.parallel = true;
    // user keys and command names repeat: Parquet decodes each distinct value once
    read_opts.dictionary_columns.extend(opts.user_cols.iter().cloned());
    read_opts.dictionary_columns.push(spec.name_col.clone());
    let r = open(input, format, &read_opts)?;
    let schema = r.schema();
    let stored = r.stored_schema();
    let skipped = r.skipped_handle();
    let batches: Vec<RecordBatch> = r.collect::<Result<_, _>>()?;
    let table = concat_freeing(&schema, batches).map_err(|e| read(input)(&e))?;
    let table = times_in_nanoseconds(table, &opts.time_col).map_err(|e| read(input)(&e))?;
    // given up: the sessionizer frees each column once it has read it
    let mut out = sessionize_table(table, opts, spec).map_err(|e| sess(input)(renumbered(e, &skipped)))?;
    let skipped = std::mem::take(&mut *skipped.lock().unwrap_or_else(|e| e.into_inner()));
    out.n_rows += skipped.len();
    out.bad_rows = all_bad_rows(std::mem::take(&mut out.bad_rows), skipped);
    with_lines(input, format, read_opts.csv_delimiter, &mut out.bad_rows)?;
    if stored != schema {
        out.table = with_types_of(&out.table, &stored).map_err(|e| read(input)(&e))?;
    }
    Ok(out)
}

/// One contiguous batch of `batches`, concatenated a column at a time, each
/// column's pieces freed once it is whole: the peak is the input and one column,
/// not the input twice.
fn concat_freeing(schema: &SchemaRef, batches: Vec<RecordBatch>) -> Result<RecordBatch, arrow::error::ArrowError> {
    let batches = match <[RecordBatch; 1]>::try_from(batches) {
        Ok([one]) => return Ok(one),
        Err(many) => many,
    };
    let n_rows = batches.iter().map(RecordBatch::num_rows).sum();
    let mut pieces: Vec<Vec<ArrayRef>> = vec![Vec::with_capacity(batches.len()); schema.fields().len()];
    for b in batches {
        for (p, c) in pieces.iter_mut().zip(b.columns()) {
            p.push(c.clone());
        }
    }
    let mut cols = Vec::with_capacity(pieces.len());
    for p in pieces {
        let parts: Vec<&dyn arrow::array::Array> = p.iter().map(AsRef::as_ref).collect();
        cols.push(if parts.is_empty() {
            arrow::array::new_empty_array(&schema.fields()[cols.len()].data_type().clone())
        } else {
            arrow::compute::concat(&parts)?
        });
    }
    RecordBatch::try_new_with_options(
        schema.clone(),
        cols,
        &arrow::array::RecordBatchOptions::new().with_row_count(Some(n_rows)),
    )
}

/// `table` with its time column, a timestamp coarser than nanoseconds, turned into
/// nanoseconds in place, in the table's own buffer: the sessionizer then reads it
/// as it is instead of holding a converted copy beside it (8 bytes an event). Left
/// as it is — for the sessionizer to convert, and to name a bad row — when a value
/// is missing or past the nanosecond range, or the buffer is shared.
fn times_in_nanoseconds(table: RecordBatch, time_col: &str) -> Result<RecordBatch, arrow::error::ArrowError> {
    use arrow::array::{make_array, Array, Int64Array};
    use arrow::datatypes::TimeUnit;
    let Ok(i) = table.schema().index_of(time_col) else {
        return Ok(table);
    };
    let DataType::Timestamp(unit, tz) = table.column(i).data_type().clone() else {
        return Ok(table);
    };
    let scale: i64 = match unit {
        TimeUnit::Second => 1_000_000_000,
        TimeUnit::Millisecond => 1_000_000,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Nanosecond => return Ok(table),
    };
    let col = table.column(i);
    if col.null_count() > 0 || col.is_empty() {
        return Ok(table);
    }
    let ints = Int64Array::from(col.to_data().into_builder().data_type(DataType::Int64).build()?);
    let fits = |v: Option<i64>| v.is_some_and(|v| v.checked_mul(scale).is_some());
    if !fits(arrow::compute::min(&ints)) || !fits(arrow::compute::max(&ints)) {
        return Ok(table);
    }
    // the table's reference to the column goes, so that the buffer is `ints`' alone
    let (schema, mut cols, _) = table.into_parts();
    cols[i] = arrow::array::new_null_array(&DataType::Null, 0);
    let ints = match ints.into_builder() {
        Ok(mut b) => {
            b.values_slice_mut().iter_mut().for_each(|v| *v *= scale);
            b.finish()
        }
        Err(shared) => {
            let back = shared.into_data().into_builder().data_type(DataType::Timestamp(unit, tz));
            cols[i] = make_array(back.build()?);
            return RecordBatch::try_new(schema, cols);
        }
    };
    let nanos = ints.into_data().into_builder().data_type(DataType::Timestamp(TimeUnit::Nanosecond, tz));
    cols[i] = make_array(nanos.build()?);
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[i] = fields[i].clone().with_data_type(cols[i].data_type().clone());
    let schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    RecordBatch::try_new(schema, cols)
}

/// `table` with each column that `schema` also has cast to the type it has there
/// (the user columns, read dictionary-encoded, go back to the file's own type).
fn with_types_of(table: &RecordBatch, schema: &Schema) -> Result<RecordBatch, arrow::error::ArrowError> {
    let mut fields = Vec::with_capacity(table.num_columns());
    let mut cols = Vec::with_capacity(table.num_columns());
    for (f, c) in table.schema().fields().iter().zip(table.columns()) {
        match schema.field_with_name(f.name()) {
            Ok(want) if want.data_type() != f.data_type() => {
                cols.push(arrow::compute::cast(c, want.data_type())?);
                fields.push(f.as_ref().clone().with_data_type(want.data_type().clone()));
            }
            _ => {
                cols.push(c.clone());
                fields.push(f.as_ref().clone());
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
}

/// What a streaming run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSummary {
    /// Input rows read, bad ones included.
    pub rows: usize,
    /// Sessions written.
    pub sessions: usize,
    /// Rows left out ([`OnBadRow::Skip`](anomseq_sessionize::OnBadRow::Skip)).
    pub bad_rows: Vec<BadRow>,
}

/// Sessionize a time-ordered file of events into a sessions file, streaming:
/// memory grows with the open sessions, not with the file. Sessions are written
/// in closing order. On any error nothing is left at `output`.
// input, its reading, the sessionizer's options, output and its writing: each is needed
#[allow(clippy::too_many_arguments)]
pub fn sessionize_stream(
    input: &Path,
    format: Option<Format>,
    opts: &SessionizeOptions,
    spec: &EventSpec,
    read_opts: &ReadOptions,
    output: &Path,
    out_format: Option<Format>,
    write_opts: &WriteOptions,
) -> Result<StreamSummary, Error> {
    let stream = Stream { input, format, opts, spec, read_opts, output, out_format, write_opts };
    stream.run(None::<fn(RecordBatch) -> Result<RecordBatch, Error>>)
}

/// [`sessionize_stream`] with each batch of closed sessions passed through `then`
/// before it is written (scored with a saved model, say: a session's score needs
/// only the session and the model, so streaming changes no number). The file takes
/// the first batch's schema; a run that closes no session writes nothing and is an
/// error, as a batch run is.
// the same arguments as sessionize_stream, and what to do with each batch
#[allow(clippy::too_many_arguments)]
pub fn sessionize_stream_then<E: From<Error> + Send>(
    input: &Path,
    format: Option<Format>,
    opts: &SessionizeOptions,
    spec: &EventSpec,
    read_opts: &ReadOptions,
    output: &Path,
    out_format: Option<Format>,
    write_opts: &WriteOptions,
    then: impl FnMut(RecordBatch) -> Result<RecordBatch, E> + Send,
) -> Result<StreamSummary, E> {
    let stream = Stream { input, format, opts, spec, read_opts, output, out_format, write_opts };
    stream.run(Some(then))
}

/// Batches a streaming run's reader, and its sessionizer, may be ahead of the next thread.
const AHEAD: usize = 2;

/// The arguments of a streaming run.
struct Stream<'a> {
    input: &'a Path,
    format: Option<Format>,
    opts: &'a SessionizeOptions,
    spec: &'a EventSpec,
    read_opts: &'a ReadOptions,
    output: &'a Path,
    out_format: Option<Format>,
    write_opts: &'a WriteOptions,
}

impl Stream<'_> {
    /// Read, sessionize, pass each batch of closed sessions through `then` (when
    /// given) and write; without `then` the file has the sessions' schema from the start.
    ///
    /// Three threads, each a few batches ahead of the next at most: one reads and
    /// decodes the input, this one sessionizes, one scores (`then`) and writes, in order.
    /// The first error stops the run (a writer's before a sessionizer's).
    fn run<E: From<Error> + Send>(
        &self,
        mut then: Option<impl FnMut(RecordBatch) -> Result<RecordBatch, E> + Send>,
    ) -> Result<StreamSummary, E> {
        let input = self.input;
        let r = open(input, self.format, &needed(self.opts, self.spec, self.read_opts))?;
        let skipped = r.skipped_handle();
        let mut s = StreamSessionizer::new(r.schema(), self.opts.clone(), self.spec.clone()).map_err(sess(input))?;
        let create = |schema| BatchWriter::create_with(self.output, self.out_format, schema, self.write_opts);
        let first = if then.is_none() { Some(create(s.output_schema())?) } else { None };
        let w = std::thread::scope(|scope| -> Result<Option<BatchWriter>, E> {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<RecordBatch, Error>>(AHEAD);
            scope.spawn(move || {
                for b in r {
                    let stop = b.is_err();
                    // the receiver is gone when the run stopped at an error of its own
                    if tx.send(b).is_err() || stop {
                        break;
                    }
                }
            });
            let (closed_tx, closed_rx) = std::sync::mpsc::sync_channel::<RecordBatch>(AHEAD);
            let writer = scope.spawn(move || -> Result<Option<BatchWriter>, E> {
                let mut w = first;
                for out in closed_rx {
                    let out = match then.as_mut() {
                        Some(f) => f(out)?,
                        None => out,
                    };
                    if w.is_none() {
                        w = Some(create(out.schema())?);
                    }
                    if let Some(w) = w.as_mut() {
                        w.write(&out)?;
                    }
                }
                Ok(w)
            });
            let sessionized = (|| -> Result<(), E> {
                for b in rx {
                    if let Some(out) = s.push(&b?).map_err(|e| sess(input)(renumbered(e, &skipped)))? {
                        // the writer stopped at an error: it is returned below
                        if closed_tx.send(out).is_err() {
                            return Ok(());
                        }
                    }
                }
                if let Some(out) = s.finish().map_err(|e| sess(input)(renumbered(e, &skipped)))? {
                    let _ = closed_tx.send(out);
                }
                Ok(())
            })();
            drop(closed_tx);
            let w = writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            sessionized?;
            Ok(w)
        })?;
        let skipped = std::mem::take(&mut *skipped.lock().unwrap_or_else(|e| e.into_inner()));
        let rows = s.n_rows() + skipped.len();
        let mut bad_rows = all_bad_rows(s.bad_rows().to_vec(), skipped);
        with_lines(input, self.format, self.read_opts.csv_delimiter, &mut bad_rows)?;
        let summary = StreamSummary { rows, sessions: s.n_sessions(), bad_rows };
        let w = w.ok_or_else(|| Error::Read {
            path: input.to_owned(),
            message: "no sessions (the file has no rows)".into(),
        })?;
        w.finish()?;
        Ok(summary)
    }
}

/// The session column of a table with these columns when none is named: the one
/// column whose name ends in `_list` (as `sessionize` names it), else `events`;
/// several such columns are an error listing them.
///
/// ```
/// use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
/// let s = Schema::new(vec![Field::new("user", DataType::Utf8, true), Field::new("Operation_list", DataType::Utf8, true)]);
/// assert_eq!(anomseq_io::default_session_column(&s).unwrap(), "Operation_list");
/// ```
pub fn default_session_column(schema: &Schema) -> Result<String, Error> {
    let lists: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).filter(|n| n.ends_with("_list")).collect();
    match lists.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Ok("events".to_owned()),
        many => Err(Error::Invalid(format!("several session columns ({}): choose one", many.join(", ")))),
    }
}

/// Write a sessions table (e.g. [`Sessionized::table`]) atomically.
pub fn write_sessions(
    path: &Path,
    format: Option<Format>,
    table: &RecordBatch,
    options: &WriteOptions,
) -> Result<usize, Error> {
    crate::write_table_with(path, format, table, options)
}

/// A file of sessions read back: every column as read, and the sessions of one column.
#[derive(Debug, Clone)]
pub struct SessionsTable {
    /// Every column of the file. A Parquet file's session column comes back with
    /// its strings dictionary-encoded, as Parquet stores them; [`BatchWriter`]
    /// writes such a column, in every format, as the plain strings it stands for.
    pub table: RecordBatch,
    /// The sessions of column `column`, session `i` from row `i`.
    pub sessions: Sessions,
    /// The name of the session column.
    pub column: String,
}

impl SessionsTable {
    /// The other columns (all but the session column).
    pub fn others(&self) -> RecordBatch {
        let mut t = self.table.clone();
        if let Ok(i) = t.schema().index_of(&self.column) {
            t.remove_column(i);
        }
        t
    }
}

/// Read a file of sessions (any format): `session_col` holds each session as an
/// Arrow list of events or as JSON text in the oracle encoding.
pub fn read_sessions(path: &Path, format: Option<Format>, session_col: &str) -> Result<SessionsTable, Error> {
    read_sessions_with(path, format, session_col, &ReadOptions::default())
}

/// [`read_sessions`] with options (e.g. [`ReadOptions::progress`]); scored
/// columns a text format holds as text get their types back ([`restore_scored_columns`](crate::restore_scored_columns)).
pub fn read_sessions_with(
    path: &Path,
    format: Option<Format>,
    session_col: &str,
    options: &ReadOptions,
) -> Result<SessionsTable, Error> {
    // Parquet stores event names dictionary-encoded: read so, each distinct name is
    // decoded and interned once, not once per event
    let mut options = options.clone();
    options.dictionary_columns.push(session_col.to_owned());
    let table = read_table(path, format, &options)?;
    let table = crate::restore_scored_columns(path, &table)?;
    if table.num_rows() == 0 {
        return Err(Error::Read { path: path.to_owned(), message: "no sessions (the file has no rows)".into() });
    }
    let idx = table.schema().index_of(session_col).map_err(|_| Error::Sessionize {
        path: path.to_owned(),
        source: anomseq_sessionize::Error::MissingColumn {
            column: session_col.to_owned(),
            available: table.schema().fields().iter().map(|f| f.name().clone()).collect(),
        },
    })?;
    let sessions = sessions_from_column(session_col, table.column(idx)).map_err(sess(path))?;
    // sessions held as JSON text (CSV, NDJSON) become event lists, as the other formats hold them
    let table = if matches!(table.column(idx).data_type(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
        let list = anomseq_sessionize::windows_to_column(
            &sessions,
            (0..sessions.len()).map(|i| Some(0..sessions.session_len(i))),
        );
        let mut fields: Vec<Field> = table.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
        fields[idx] = Field::new(session_col, list.data_type().clone(), true);
        let mut cols = table.columns().to_vec();
        cols[idx] = list;
        RecordBatch::try_new(Arc::new(Schema::new_with_metadata(fields, table.schema().metadata().clone())), cols)
            .map_err(|e| read(path)(&e))?
    } else {
        table
    };
    Ok(SessionsTable { table, sessions, column: session_col.to_owned() })
}

/// Write skipped rows with their reasons (columns `row`, `line` — null where not
/// known —, `column`, `value`, `reason`).
pub fn write_bad_rows(
    path: &Path,
    format: Option<Format>,
    rows: &[BadRow],
    options: &WriteOptions,
) -> Result<usize, Error> {
    use arrow::array::{StringArray, UInt64Array};
    let schema = Arc::new(Schema::new(vec![
        Field::new("row", DataType::UInt64, false),
        Field::new("line", DataType::UInt64, true),
        Field::new("column", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.row as u64))),
        Arc::new(rows.iter().map(|r| r.line.map(|l| l as u64)).collect::<UInt64Array>()),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.column.as_str()))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.value.as_str()))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.reason.as_str()))),
    ];
    let batch = RecordBatch::try_new(schema, cols).map_err(|e| read(path)(&e))?;
    crate::write_table_with(path, format, &batch, options)
}
