//! The batch sessionizer: sort by (user keys, time), then walk.

use std::sync::Arc;

use anomseq_core::{SessionType, Sessions, SessionsBuilder};
use arrow::array::{
    Array, ArrayRef, AsArray, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampNanosecondArray, UInt32Array,
};
use arrow::buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef, TimeUnit};
use rayon::prelude::*;

use crate::bad_rows::RowCheck;
use crate::events::{check_spec, column_index, parse_events, ParsedEvents};
use crate::keys::{key_ids, KeyCol};
use crate::lists::{list_of, push_event, EventListBuilder};
use crate::plan::{per_key, plan, Carry, Plan, MIN_PART};
use crate::time::to_nanos;
use crate::{BadRow, Duration, EpochUnit, Error, EventSpec, OnBadRow};

/// How to cut rows into sessions (spec §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionizeOptions {
    /// The user-identifier columns U1..Uk (string or integer; may be empty).
    pub user_cols: Vec<String>,
    /// The timestamp column T.
    pub time_col: String,
    /// The unit of a numeric time column (required for numbers, ignored for timestamps).
    pub epoch_unit: Option<EpochUnit>,
    /// A session closes when the time since its first event would exceed this (strictly).
    pub max_session: Duration,
    /// A session closes when the gap to the previous event would exceed this (strictly).
    pub max_gap: Duration,
    /// What to do with a row whose time, event name or params are bad.
    pub on_bad_row: OnBadRow,
    /// Write a commands session column dictionary-encoded (see
    /// [`with_dictionary_names`](Self::with_dictionary_names)).
    pub dictionary_names: bool,
}

impl SessionizeOptions {
    /// Options with msticpy's defaults: sessions of at most 20 minutes, gaps of at most 2.
    pub fn new<I, S>(user_cols: I, time_col: impl Into<String>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SessionizeOptions {
            user_cols: user_cols.into_iter().map(Into::into).collect(),
            time_col: time_col.into(),
            epoch_unit: None,
            max_session: Duration::from_mins(20),
            max_gap: Duration::from_mins(2),
            on_bad_row: OnBadRow::Fail,
            dictionary_names: false,
        }
    }

    /// Set both limits.
    pub fn with_limits(mut self, max_session: Duration, max_gap: Duration) -> Self {
        self.max_session = max_session;
        self.max_gap = max_gap;
        self
    }

    /// Read a numeric time column as an epoch in `unit`.
    pub fn with_epoch_unit(mut self, unit: EpochUnit) -> Self {
        self.epoch_unit = Some(unit);
        self
    }

    /// Choose what happens to bad rows.
    pub fn on_bad_row(mut self, policy: OnBadRow) -> Self {
        self.on_bad_row = policy;
        self
    }

    /// Write a commands session column as lists of dictionary-encoded names
    /// (`List<Dictionary<Int32, Utf8>>`: each event an `i32` id into the names seen)
    /// rather than lists of strings: 4 bytes an event instead of the name's bytes and
    /// an offset, and no string copied per event. Every `anomseq-io` writer writes such
    /// a column as the plain strings it stands for, so the files are the same. Sessions
    /// with params or values are written as they are either way.
    pub fn with_dictionary_names(mut self, on: bool) -> Self {
        self.dictionary_names = on;
        self
    }

    /// The input columns the options read (user columns, then time).
    pub fn input_columns(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.user_cols.iter().map(String::as_str).collect();
        v.push(&self.time_col);
        v
    }
}

/// The sessions of a table of events: msticpy's output frame as Arrow, and the
/// same sessions as a [`Sessions`] data set for the model and score layers.
#[derive(Debug, Clone)]
pub struct Sessionized {
    /// One row per session, ordered by user key then start time: the user columns,
    /// `{time}_min`, `{time}_max` (Timestamp(ns, "UTC")), `{event}_list`, `duration`
    /// (Float64 seconds) and `number_events` (Int64).
    pub table: RecordBatch,
    /// The event lists, session `i` matching row `i` of `table` (an empty, lenient
    /// data set when there are no rows).
    pub sessions: Sessions,
    /// Rows left out with [`OnBadRow::Skip`], in row order.
    pub bad_rows: Vec<BadRow>,
    /// Number of input rows, bad ones included.
    pub n_rows: usize,
}

/// One column per name, concatenated over the batches.
pub(crate) fn gather(batches: &[RecordBatch], names: &[&str]) -> Result<(SchemaRef, Vec<ArrayRef>), Error> {
    let first = batches.first().ok_or(Error::NoBatches)?;
    let schema = first.schema();
    for (index, b) in batches.iter().enumerate().skip(1) {
        if b.schema().fields() != schema.fields() {
            return Err(Error::SchemaMismatch { index, found: b.schema().to_string() });
        }
    }
    let mut fields = Vec::with_capacity(names.len());
    let mut cols = Vec::with_capacity(names.len());
    for name in names {
        let idx = column_index(&schema, name)?;
        fields.push(schema.field(idx).clone());
        let parts: Vec<&dyn Array> = batches.iter().map(|b| b.column(idx).as_ref()).collect();
        cols.push(if parts.len() == 1 { batches[0].column(idx).clone() } else { arrow::compute::concat(&parts)? });
    }
    Ok((Arc::new(Schema::new(fields)), cols))
}

fn check_limits(opts: &SessionizeOptions) -> Result<(), Error> {
    if opts.max_gap.as_nanos() < 0 {
        return Err(Error::NegativeLimit { what: "max_gap", value: opts.max_gap.to_string() });
    }
    Ok(())
}

/// Keys, times and the row check of gathered columns.
struct Prepared {
    cols: Vec<ArrayRef>,
    key: Vec<u32>,
    n_keys: usize,
    times: ScalarBuffer<i64>,
    check: RowCheck,
    n: usize,
}

/// Gather the user, time and `extra` columns, convert the times, then rank the
/// keys and run `build` on the gathered columns (the events) side by side.
fn prepare<E: Send>(
    batches: &[RecordBatch],
    opts: &SessionizeOptions,
    extra: &[&str],
    build: impl FnOnce(&Schema, &[ArrayRef], &mut RowCheck) -> Result<E, Error> + Send,
) -> Result<(Prepared, E), Error> {
    check_limits(opts)?;
    let mut names = opts.input_columns();
    names.extend_from_slice(extra);
    let (schema, cols) = gather(batches, &names)?;
    let n = cols.last().map_or(0, |c| c.len());
    if n > u32::MAX as usize - 1 {
        return Err(Error::TooManyRows(n));
    }
    let k = opts.user_cols.len();
    let keys: Vec<KeyCol> =
        opts.user_cols.iter().zip(&cols[..k]).map(|(name, c)| KeyCol::new(name, c)).collect::<Result<_, _>>()?;
    let mut check = RowCheck::new(opts.on_bad_row, 0, n);
    let times = to_nanos(&cols[k], &opts.time_col, opts.epoch_unit, 0, &mut check)?;
    let ((key, n_keys), built) = rayon::join(|| key_ids(&keys, n), || build(&schema, &cols, &mut check));
    let built = built?;
    Ok((Prepared { cols, key, n_keys, times, check, n }, built))
}

fn time_field(name: String) -> Field {
    Field::new(name, DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())), false)
}

/// The output table's columns after the user columns and the event list.
pub(crate) fn session_columns(
    time_col: &str,
    list_col: String,
    list: ArrayRef,
    mins: Vec<i64>,
    maxs: Vec<i64>,
    counts: Vec<i64>,
) -> (Vec<Field>, Vec<ArrayRef>) {
    let durations: Float64Array =
        mins.iter().zip(&maxs).map(|(&a, &b)| Some((i128::from(b) - i128::from(a)) as f64 / 1e9)).collect();
    let fields = vec![
        time_field(format!("{time_col}_min")),
        time_field(format!("{time_col}_max")),
        Field::new(list_col, list.data_type().clone(), false),
        Field::new("duration", DataType::Float64, false),
        Field::new("number_events", DataType::Int64, false),
    ];
    let cols: Vec<ArrayRef> = vec![
        Arc::new(TimestampNanosecondArray::from(mins).with_timezone("UTC")),
        Arc::new(TimestampNanosecondArray::from(maxs).with_timezone("UTC")),
        list,
        Arc::new(durations),
        Arc::new(Int64Array::from(counts)),
    ];
    (fields, cols)
}

/// Sessionize rows of events (spec §2; msticpy's `sessionize_data`).
///
/// All batches must share one schema. Missing user keys are a value of their
/// own, kept apart from every real value, sorted after all real values of their
/// column, and written back as null.
pub fn sessionize(batches: &[RecordBatch], opts: &SessionizeOptions, spec: &EventSpec) -> Result<Sessionized, Error> {
    sessionize_input(Input::Borrowed(batches), opts, spec)
}

/// [`sessionize`] over one table the caller gives up: each input column is freed
/// as soon as it has been read (the event columns once parsed, the user keys once
/// ranked, the times once planned), so that at its peak the run holds little
/// beside its own working state. The same result as [`sessionize`].
pub fn sessionize_table(table: RecordBatch, opts: &SessionizeOptions, spec: &EventSpec) -> Result<Sessionized, Error> {
    sessionize_input(Input::Owned(table), opts, spec)
}

/// The input of a run: borrowed, or given up to be freed column by column.
enum Input<'a> {
    Borrowed(&'a [RecordBatch]),
    Owned(RecordBatch),
}

fn sessionize_input(input: Input<'_>, opts: &SessionizeOptions, spec: &EventSpec) -> Result<Sessionized, Error> {
    let batches = match &input {
        Input::Borrowed(b) => *b,
        Input::Owned(t) => std::slice::from_ref(t),
    };
    let first = batches.first().ok_or(Error::NoBatches)?;
    check_spec(spec, &first.schema())?;
    check_user_columns(opts, spec)?;
    for (name, _) in opts.user_cols.iter().zip(0..) {
        let idx = column_index(&first.schema(), name)?;
        crate::keys::check_key_type(name, first.schema().field(idx).data_type())?;
    }
    let (mut p, events) = prepare(batches, opts, &spec.input_columns(), |schema, cols, check| {
        parse_events(spec, schema, cols, 0, check)
    })?;
    // from here on the run's own handles are the only ones to an owned input's columns
    drop(input);
    let k = opts.user_cols.len();
    // the user keys are ranked and the events parsed: keep one value per key, and the times
    let per_key = per_key(&p.key, p.n_keys, &p.cols[..k])?;
    p.cols.clear();
    let kind = spec.session_type();
    let carry = if kind == SessionType::Commands { Carry::Payload(events.name_ids()) } else { Carry::Rows };
    let mut plan = plan(&p.key, p.n_keys, &p.times, &p.check, opts, carry);
    // the rows' key ids and times are the plan's now: freed before the lists are built
    drop(std::mem::take(&mut p.key));
    p.times = ScalarBuffer::from(Vec::new());

    let mut fields: Vec<Field> = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    for (name, c) in opts.user_cols.iter().zip(plan.user_columns(&per_key)?) {
        fields.push(Field::new(name, c.data_type().clone(), true));
        cols.push(c);
    }
    drop(per_key);
    let ns = plan.n_sessions();
    let counts: Vec<i64> = plan.bounds.windows(2).map(|w| i64::from(w[1] - w[0])).collect();
    let (list, sessions) = if kind == SessionType::Commands && ns > 0 && opts.dictionary_names {
        let sessions = command_sessions(&events, &plan.sorted, &plan)?;
        // the name ids in session order are the dictionary's keys, not copied
        let keys = std::mem::take(&mut plan.sorted);
        (dictionary_list(&events, keys, &plan), Ok(sessions))
    } else if kind == SessionType::Commands && ns > 0 {
        // the name ids in session order (gathered by the plan's walk), read in order by both
        let sorted = &plan.sorted;
        rayon::join(|| command_list(&events, sorted, &plan), || command_sessions(&events, sorted, &plan))
    } else {
        rayon::join(|| event_list(&events, &plan), || build_sessions(&events, &plan, kind))
    };
    let (list, sessions) = (list?, sessions?);
    let (f2, c2) = session_columns(&opts.time_col, spec.list_column(), list, plan.mins, plan.maxs, counts);
    fields.extend(f2);
    cols.extend(c2);
    let table = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?;
    Ok(Sessionized { table, sessions, bad_rows: std::mem::take(&mut p.check.bad), n_rows: p.n })
}

/// Session offsets as Arrow list offsets.
fn list_offsets(plan: &Plan) -> Result<Vec<i32>, Error> {
    plan.bounds.iter().map(|&b| i32::try_from(b).map_err(|_| Error::TooManyRows(b as usize))).collect()
}

/// The commands event-list column from the name ids in session order.
fn command_list(events: &ParsedEvents, sorted: &[u32], plan: &Plan) -> Result<ArrayRef, Error> {
    let values = strings_of(events.vocab().as_string::<i32>(), sorted)?;
    Ok(list_of(Arc::new(values), list_offsets(plan)?))
}

/// The commands event-list column as dictionary-encoded names: `keys` (the name
/// ids in session order) index the names seen.
fn dictionary_list(events: &ParsedEvents, keys: Vec<u32>, plan: &Plan) -> Result<ArrayRef, Error> {
    let vocab = events.vocab();
    if i32::try_from(vocab.len()).is_err() {
        return Err(Error::TooManyRows(vocab.len()));
    }
    // every id is below the vocabulary's length, itself at most i32::MAX: the same bits as i32
    let n = keys.len();
    let keys = Int32Array::new(ScalarBuffer::new(Buffer::from_vec(keys), 0, n), None);
    let dict = DictionaryArray::<Int32Type>::try_new(keys, vocab.clone())?;
    Ok(list_of(Arc::new(dict), list_offsets(plan)?))
}

/// `vocab[ids[i]]` for each `i`, built in parallel chunks. Names of up to 16 bytes
/// are copied as one fixed 16-byte move (the next name overwrites the spill).
fn strings_of(vocab: &StringArray, ids: &[u32]) -> Result<StringArray, Error> {
    const PAD: usize = 16;
    let voff = vocab.value_offsets();
    let vbytes = vocab.value_data();
    let lens: Vec<usize> = voff.windows(2).map(|w| (w[1] - w[0]) as usize).collect();
    let padded: Vec<[u8; PAD]> = (0..vocab.len())
        .map(|i| {
            let mut p = [0u8; PAD];
            let v = &vbytes[voff[i] as usize..voff[i + 1] as usize];
            let m = v.len().min(PAD);
            p[..m].copy_from_slice(&v[..m]);
            p
        })
        .collect();
    let chunk = ids.len().div_ceil(rayon::current_num_threads().max(1)).max(MIN_PART).max(1);
    let chunk_bytes: Vec<usize> = ids.par_chunks(chunk).map(|c| c.iter().map(|&id| lens[id as usize]).sum()).collect();
    let total: usize = chunk_bytes.iter().sum();
    if total > i32::MAX as usize {
        return Err(Error::Arrow(arrow::error::ArrowError::OffsetOverflowError(total)));
    }
    let mut values = vec![0u8; total];
    let mut offsets = vec![0i32; ids.len() + 1];
    let mut jobs = Vec::with_capacity(chunk_bytes.len());
    let (mut rest_v, mut rest_o): (&mut [u8], &mut [i32]) = (&mut values, &mut offsets[1..]);
    let mut base = 0usize;
    for (c, &bytes) in ids.chunks(chunk).zip(&chunk_bytes) {
        let (v, tv) = rest_v.split_at_mut(bytes);
        let (o, to) = rest_o.split_at_mut(c.len());
        jobs.push((c, v, o, base));
        rest_v = tv;
        rest_o = to;
        base += bytes;
    }
    jobs.into_par_iter().for_each(|(c, v, o, base)| {
        let mut pos = 0usize;
        for (&id, off) in c.iter().zip(o) {
            let id = id as usize;
            let len = lens[id];
            if len <= PAD && pos + PAD <= v.len() {
                v[pos..pos + PAD].copy_from_slice(&padded[id]);
            } else {
                v[pos..pos + len].copy_from_slice(&vbytes[voff[id] as usize..voff[id + 1] as usize]);
            }
            pos += len;
            // total ≤ i32::MAX, checked above
            *off = (base + pos) as i32;
        }
    });
    Ok(StringArray::try_new(OffsetBuffer::new(offsets.into()), values.into(), None)?)
}

/// The commands [`Sessions`] from the name ids in session order.
fn command_sessions(events: &ParsedEvents, sorted: &[u32], plan: &Plan) -> Result<Sessions, Error> {
    let vocab = events.vocab().as_string::<i32>();
    let names: Vec<&str> = vocab.iter().map(Option::unwrap_or_default).collect();
    let offsets: Vec<usize> = plan.bounds.iter().map(|&b| b as usize).collect();
    Ok(Sessions::from_cmd_ids(&names, sorted, offsets)?)
}

/// The event-list column row by row (params and values; commands without sessions).
fn event_list(events: &ParsedEvents, plan: &Plan) -> Result<ArrayRef, Error> {
    let mut b = EventListBuilder::new(events.kind);
    for w in plan.bounds.windows(2) {
        for &r in &plan.perm[w[0] as usize..w[1] as usize] {
            b.append(events.name(r as usize), events.params(r as usize));
        }
        b.end_session()?;
    }
    Ok(b.finish())
}

fn build_sessions(events: &ParsedEvents, plan: &Plan, kind: SessionType) -> Result<Sessions, Error> {
    let mut b = if plan.n_sessions() == 0 { SessionsBuilder::new_lenient(kind) } else { SessionsBuilder::new() };
    for w in plan.bounds.windows(2) {
        for &r in &plan.perm[w[0] as usize..w[1] as usize] {
            push_event(&mut b, kind, events.name(r as usize), events.params(r as usize))?;
        }
        b.end_session()?;
    }
    Ok(b.finish()?)
}

/// Refuse user columns given twice or named like an output column.
fn check_user_columns(opts: &SessionizeOptions, spec: &EventSpec) -> Result<(), Error> {
    let outputs = [
        format!("{}_min", opts.time_col),
        format!("{}_max", opts.time_col),
        spec.list_column(),
        "duration".to_owned(),
        "number_events".to_owned(),
    ];
    for (i, c) in opts.user_cols.iter().enumerate() {
        let reason = if opts.user_cols[..i].contains(c) {
            "is given twice"
        } else if outputs.contains(c) {
            "has the name of an output column: rename it first"
        } else {
            continue;
        };
        return Err(Error::UserColumn { column: c.clone(), reason });
    }
    Ok(())
}

/// Each session as rows of the input, for callers that build their own output
/// from the rows (the msticpy drop-in keeps the very objects of a DataFrame).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionRows {
    /// Input rows (from 0, over all batches) in session order, bad rows skipped
    /// with [`OnBadRow::Skip`] left out: session `s` is `rows[bounds[s]..bounds[s + 1]]`.
    pub rows: Vec<u32>,
    /// Where each session starts in `rows`, and the end (one more than the sessions).
    pub bounds: Vec<u32>,
    /// Each session's first event time, in nanoseconds since the epoch (UTC).
    pub starts: Vec<i64>,
    /// Each session's last event time, in nanoseconds since the epoch (UTC).
    pub ends: Vec<i64>,
    /// The rows skipped, with why.
    pub bad_rows: Vec<BadRow>,
}

/// The sessions of [`sessionize`] as input rows: sorted by (user keys, time),
/// stably, cut by the same rules, without building any event.
pub fn session_rows(batches: &[RecordBatch], opts: &SessionizeOptions) -> Result<SessionRows, Error> {
    let (mut p, ()) = prepare(batches, opts, &[], |_, _, _| Ok(()))?;
    let plan = plan(&p.key, p.n_keys, &p.times, &p.check, opts, Carry::Rows);
    Ok(SessionRows {
        rows: plan.perm,
        bounds: plan.bounds,
        starts: plan.mins,
        ends: plan.maxs,
        bad_rows: std::mem::take(&mut p.check.bad),
    })
}

/// The input rows in session order with a session-index column appended
/// (msticpy's `create_session_col`): rows sorted by (user keys, time), stably,
/// and `column` (Int64) numbering the sessions from 0. Bad rows skipped with
/// [`OnBadRow::Skip`] are left out and returned.
pub fn session_index(
    batches: &[RecordBatch],
    opts: &SessionizeOptions,
    column: &str,
) -> Result<(RecordBatch, Vec<BadRow>), Error> {
    let first = batches.first().ok_or(Error::NoBatches)?;
    let schema = first.schema();
    let all = arrow::compute::concat_batches(&schema, batches)?;
    let (mut p, ()) = prepare(batches, opts, &[], |_, _, _| Ok(()))?;
    let plan = plan(&p.key, p.n_keys, &p.times, &p.check, opts, Carry::Rows);
    let idx = UInt32Array::from(plan.perm.clone());
    let mut cols: Vec<ArrayRef> =
        all.columns().iter().map(|c| arrow::compute::take(c, &idx, None)).collect::<Result<_, _>>()?;
    let mut ind = Vec::with_capacity(plan.perm.len());
    for (s, w) in plan.bounds.windows(2).enumerate() {
        ind.extend(std::iter::repeat_n(s as i64, (w[1] - w[0]) as usize));
    }
    cols.push(Arc::new(Int64Array::from(ind)));
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new(column, DataType::Int64, false));
    let out = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?;
    Ok((out, std::mem::take(&mut p.check.bad)))
}
