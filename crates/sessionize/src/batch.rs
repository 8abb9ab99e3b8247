//! The batch sessionizer: sort by (user keys, time), then walk.

use std::sync::Arc;

use anomseq_core::{SessionType, Sessions, SessionsBuilder};
use arrow::array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch, TimestampNanosecondArray, UInt32Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::events::{check_spec, column_index, list_of, parse_events, push_event, EventListBuilder, ParsedEvents};
use crate::keys::{key_ids, KeyCol};
use crate::rows::RowCheck;
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

/// The rows of the input sorted and cut into sessions.
pub(crate) struct Plan {
    /// Row indices in (key, time) order, bad rows left out.
    pub(crate) perm: Vec<u32>,
    /// Session `s` holds `perm[bounds[s]..bounds[s + 1]]`.
    pub(crate) bounds: Vec<u32>,
}

impl Plan {
    pub(crate) fn n_sessions(&self) -> usize {
        self.bounds.len() - 1
    }

    fn first_rows(&self) -> UInt32Array {
        UInt32Array::from_iter_values(self.bounds[..self.bounds.len() - 1].iter().map(|&b| self.perm[b as usize]))
    }
}

/// Sort rows by (key id, time) stably and cut them into sessions.
pub(crate) fn plan(key: &[u32], n_keys: usize, times: &[i64], check: &RowCheck, opts: &SessionizeOptions) -> Plan {
    let n = times.len();
    let skip = check.any_bad();
    // counting sort by key id keeps input order within a key
    let mut starts = vec![0u32; n_keys + 1];
    for i in 0..n {
        if !(skip && check.is_bad(i)) {
            starts[key[i] as usize + 1] += 1;
        }
    }
    for k in 0..n_keys {
        starts[k + 1] += starts[k];
    }
    let total = starts[n_keys] as usize;
    let mut perm = vec![0u32; total];
    let mut next = starts.clone();
    for (i, &k) in key.iter().enumerate().take(n) {
        if !(skip && check.is_bad(i)) {
            let k = k as usize;
            perm[next[k] as usize] = i as u32;
            next[k] += 1;
        }
    }
    // stable sort by time inside each key (linear on time-ordered input)
    let gap = opts.max_gap.as_nanos();
    let max_session = opts.max_session.as_nanos();
    let mut bounds = Vec::new();
    for k in 0..n_keys {
        let bucket = &mut perm[starts[k] as usize..starts[k + 1] as usize];
        if bucket.is_empty() {
            continue;
        }
        if !bucket.windows(2).all(|w| times[w[0] as usize] <= times[w[1] as usize]) {
            bucket.sort_by_key(|&r| times[r as usize]);
        }
        let base = starts[k];
        bounds.push(base);
        let mut first = times[bucket[0] as usize];
        let mut prev = first;
        for (j, &r) in bucket.iter().enumerate().skip(1) {
            let t = times[r as usize];
            // elapsed + gap == t - first: both limits are strict
            if wide(t, prev) > i128::from(gap) || wide(t, first) > i128::from(max_session) {
                bounds.push(base + j as u32);
                first = t;
            }
            prev = t;
        }
    }
    bounds.push(total as u32);
    Plan { perm, bounds }
}

/// `a - b` without overflow.
#[inline]
pub(crate) fn wide(a: i64, b: i64) -> i128 {
    i128::from(a) - i128::from(b)
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
    schema: SchemaRef,
    cols: Vec<ArrayRef>,
    key: Vec<u32>,
    n_keys: usize,
    times: Vec<i64>,
    check: RowCheck,
    n: usize,
}

fn prepare(batches: &[RecordBatch], opts: &SessionizeOptions, extra: &[&str]) -> Result<Prepared, Error> {
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
    let time_col = &cols[k];
    let (times, (key, n_keys)) =
        rayon::join(|| to_nanos(time_col, &opts.time_col, opts.epoch_unit, 0, &mut check), || key_ids(&keys, n));
    let times = times?;
    Ok(Prepared { schema, cols, key, n_keys, times, check, n })
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
    let first = batches.first().ok_or(Error::NoBatches)?;
    check_spec(spec, &first.schema())?;
    for (name, _) in opts.user_cols.iter().zip(0..) {
        let idx = column_index(&first.schema(), name)?;
        crate::keys::check_key_type(name, first.schema().field(idx).data_type())?;
    }
    let event_cols = spec.input_columns();
    let mut p = prepare(batches, opts, &event_cols)?;
    let events = parse_events(spec, &p.schema, &p.cols, 0, &mut p.check)?;
    let plan = plan(&p.key, p.n_keys, &p.times, &p.check, opts);
    let kind = spec.session_type();

    let first_rows = plan.first_rows();
    let mut fields: Vec<Field> = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    for (i, name) in opts.user_cols.iter().enumerate() {
        let c = arrow::compute::take(&p.cols[i], &first_rows, None)?;
        fields.push(Field::new(name, c.data_type().clone(), true));
        cols.push(c);
    }
    let ns = plan.n_sessions();
    let mut mins = Vec::with_capacity(ns);
    let mut maxs = Vec::with_capacity(ns);
    let mut counts = Vec::with_capacity(ns);
    for w in plan.bounds.windows(2) {
        mins.push(p.times[plan.perm[w[0] as usize] as usize]);
        maxs.push(p.times[plan.perm[w[1] as usize - 1] as usize]);
        counts.push(i64::from(w[1] - w[0]));
    }
    let (list, sessions) = rayon::join(|| event_list(&events, &plan), || build_sessions(&events, &plan, kind));
    let (list, sessions) = (list?, sessions?);
    let (f2, c2) = session_columns(&opts.time_col, spec.list_column(), list, mins, maxs, counts);
    fields.extend(f2);
    cols.extend(c2);
    let table = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?;
    Ok(Sessionized { table, sessions, bad_rows: std::mem::take(&mut p.check.bad), n_rows: p.n })
}

fn event_list(events: &ParsedEvents, plan: &Plan) -> Result<ArrayRef, Error> {
    if events.kind == SessionType::Commands {
        let idx = UInt32Array::from(plan.perm.clone());
        let values = arrow::compute::take(events.names(), &idx, None)?;
        let offsets: Vec<i32> = plan
            .bounds
            .iter()
            .map(|&b| i32::try_from(b).map_err(|_| Error::TooManyRows(b as usize)))
            .collect::<Result<_, _>>()?;
        return Ok(list_of(values, offsets));
    }
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
    let mut p = prepare(batches, opts, &[])?;
    let plan = plan(&p.key, p.n_keys, &p.times, &p.check, opts);
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
