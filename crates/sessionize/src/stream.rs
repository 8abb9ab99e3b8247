//! The streaming sessionizer for input already in time order.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use ahash::AHashMap;
use anomseq_core::{Interner, SessionType};
use arrow::array::{
    new_null_array, ArrayRef, DictionaryArray, Int32Array, Int64Builder, RecordBatch, StringArray, StringBuilder,
    UInt64Builder,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};

use crate::bad_rows::RowCheck;
use crate::batch::{session_columns, SessionizeOptions};
use crate::events::{check_spec, column_index, parse_events};
use crate::keys::{check_key_type, KeyCol};
use crate::lists::{list_of, EventListBuilder};
use crate::plan::wide;
use crate::time::{format_timestamp, to_nanos};
use crate::{BadRow, Error, EventSpec};

/// A session still open: its events as ids into the sessionizer's interners (no
/// string allocated per event).
#[derive(Debug)]
struct OpenSession {
    /// The user key, encoded ([`KeyCol::encode`]), and its hash ([`KeyCol::hash_row`]).
    key: Vec<u8>,
    hash: u64,
    first_row: usize,
    start: i64,
    last: i64,
    /// Each event's command name id ([`StreamSessionizer::names`]).
    names: Vec<u32>,
    /// Where each event's parameters end in `params` (types with parameters).
    param_ends: Vec<u32>,
    /// (name, value) ids ([`StreamSessionizer::strings`]), in the given order.
    params: Vec<(u32, u32)>,
}

impl OpenSession {
    fn new(key: Vec<u8>, hash: u64, first_row: usize, t: i64) -> Self {
        OpenSession {
            key,
            hash,
            first_row,
            start: t,
            last: t,
            names: Vec::new(),
            param_ends: Vec::new(),
            params: Vec::new(),
        }
    }
}

/// Sessionizes input that is already in time order (the usual log export),
/// emitting each session as soon as no later row can join it.
///
/// Memory grows with the number of open sessions, not with the number of
/// events. It gives the same sessions as [`sessionize`](crate::sessionize);
/// the sessions come out in closing order (within one call, by first row)
/// rather than by user key. A row earlier than the row before it is an error
/// ([`Error::NotTimeOrdered`]).
///
/// ```
/// use std::sync::Arc;
/// use arrow::array::{RecordBatch, StringArray};
/// use anomseq_sessionize::{EventSpec, SessionizeOptions, StreamSessionizer};
///
/// let batch = RecordBatch::try_from_iter([
///     ("user", Arc::new(StringArray::from(vec!["a", "b", "a"])) as _),
///     ("time", Arc::new(StringArray::from(vec!["2020-01-01T00:00:00Z", "2020-01-01T00:00:30Z", "2020-01-01T00:10:00Z"])) as _),
///     ("op", Arc::new(StringArray::from(vec!["X", "Y", "Z"])) as _),
/// ])?;
/// let opts = SessionizeOptions::new(["user"], "time");
/// let mut s = StreamSessionizer::new(batch.schema(), opts, EventSpec::commands("op"))?;
/// let closed = s.push(&batch)?.expect("the sessions of a and b at 00:00 are closed by 00:10");
/// assert_eq!(closed.num_rows(), 2);
/// let rest = s.finish()?.expect("a's session at 00:10");
/// assert_eq!(rest.num_rows(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct StreamSessionizer {
    opts: SessionizeOptions,
    spec: EventSpec,
    kind: SessionType,
    schema: SchemaRef,
    out_schema: SchemaRef,
    key_types: Vec<DataType>,
    /// The open sessions, found by their user key's hash: a row's key is hashed and
    /// compared where it is, never copied (only a new session's is encoded).
    open: hashbrown::HashTable<OpenSession>,
    hasher: ahash::RandomState,
    closed: Vec<OpenSession>,
    /// Command names seen so far.
    names: Interner,
    /// Parameter names and values seen so far.
    strings: Interner,
    rows_seen: usize,
    last_time: Option<i64>,
    check: RowCheck,
    n_sessions: usize,
}

impl StreamSessionizer {
    /// A sessionizer for batches of `schema`.
    pub fn new(schema: SchemaRef, opts: SessionizeOptions, spec: EventSpec) -> Result<Self, Error> {
        check_spec(&spec, &schema)?;
        let mut key_types = Vec::new();
        let mut fields = Vec::new();
        for name in &opts.user_cols {
            let f = schema.field(column_index(&schema, name)?);
            check_key_type(name, f.data_type())?;
            key_types.push(f.data_type().clone());
            fields.push(Field::new(name, f.data_type().clone(), true));
        }
        column_index(&schema, &opts.time_col)?;
        let kind = spec.session_type();
        let list = if kind == SessionType::Commands && opts.dictionary_names {
            dictionary_names(Vec::new(), &[], vec![0])?
        } else {
            EventListBuilder::new(kind).finish()
        };
        let (f2, _) = session_columns(&opts.time_col, spec.list_column(), list, vec![], vec![], vec![]);
        fields.extend(f2);
        let check = RowCheck::new(opts.on_bad_row, 0, 0);
        Ok(StreamSessionizer {
            kind,
            out_schema: Arc::new(Schema::new(fields)),
            key_types,
            opts,
            spec,
            schema,
            open: hashbrown::HashTable::new(),
            hasher: ahash::RandomState::new(),
            closed: Vec::new(),
            names: Interner::default(),
            strings: Interner::default(),
            rows_seen: 0,
            last_time: None,
            check,
            n_sessions: 0,
        })
    }

    /// The schema of the emitted session batches (the same as [`sessionize`](crate::sessionize)'s table).
    pub fn output_schema(&self) -> SchemaRef {
        self.out_schema.clone()
    }

    /// Rows left out so far ([`OnBadRow::Skip`](crate::OnBadRow::Skip)).
    pub fn bad_rows(&self) -> &[BadRow] {
        &self.check.bad
    }

    /// Number of rows pushed so far, bad ones included.
    pub fn n_rows(&self) -> usize {
        self.rows_seen
    }

    /// Number of sessions emitted so far.
    pub fn n_sessions(&self) -> usize {
        self.n_sessions
    }

    /// Number of sessions still open.
    pub fn n_open(&self) -> usize {
        self.open.len()
    }

    /// Add a batch of rows; returns the sessions this batch closed, if any.
    pub fn push(&mut self, batch: &RecordBatch) -> Result<Option<RecordBatch>, Error> {
        if batch.schema().fields() != self.schema.fields() {
            return Err(Error::SchemaMismatch { index: 0, found: batch.schema().to_string() });
        }
        let n = batch.num_rows();
        let base = self.rows_seen;
        self.check.reset(base, n);
        let col =
            |name: &str| -> Result<ArrayRef, Error> { Ok(batch.column(column_index(&self.schema, name)?).clone()) };
        let keys: Vec<KeyCol> = self
            .opts
            .user_cols
            .iter()
            .map(|name| col(name).and_then(|c| KeyCol::new(name, &c)))
            .collect::<Result<_, _>>()?;
        let times =
            to_nanos(&col(&self.opts.time_col)?, &self.opts.time_col, self.opts.epoch_unit, base, &mut self.check)?;
        let events = parse_events(&self.spec, &self.schema, batch.columns(), base, &mut self.check)?;
        let gap = self.opts.max_gap.as_nanos();
        let max_session = self.opts.max_session.as_nanos();
        let mut buf = Vec::new();
        // this batch's name ids to the stream's, each distinct name interned once
        const UNSET: u32 = u32::MAX;
        let mut to_stream = vec![UNSET; events.vocab().len()];
        let with_params = self.kind != SessionType::Commands;
        for (i, &t) in times.iter().enumerate() {
            if self.check.is_bad(i) {
                continue;
            }
            if let Some(prev) = self.last_time {
                if t < prev {
                    return Err(Error::NotTimeOrdered {
                        row: base + i + 1,
                        column: self.opts.time_col.clone(),
                        value: format_timestamp(t),
                        previous: format_timestamp(prev),
                    });
                }
            }
            self.last_time = Some(t);
            let hash = {
                let mut h = self.hasher.build_hasher();
                for k in &keys {
                    k.hash_row(i, &mut h);
                }
                h.finish()
            };
            let name = match to_stream.get_mut(events.name_ids()[i] as usize) {
                Some(id) if *id != UNSET => *id,
                Some(id) => {
                    *id = self.names.intern(events.name(i));
                    *id
                }
                None => self.names.intern(events.name(i)),
            };
            let row = base + i;
            let same = |s: &OpenSession| {
                let mut rest = s.key.as_slice();
                keys.iter().all(|k| k.matches(i, &mut rest)) && rest.is_empty()
            };
            let s = match self.open.find_mut(hash, same) {
                Some(s) if wide(t, s.last) <= i128::from(gap) && wide(t, s.start) <= i128::from(max_session) => {
                    s.last = t;
                    s
                }
                Some(s) => {
                    let key = s.key.clone();
                    let old = std::mem::replace(s, OpenSession::new(key, hash, row, t));
                    self.closed.push(old);
                    s
                }
                None => {
                    buf.clear();
                    for k in &keys {
                        k.encode(i, &mut buf);
                    }
                    let new = OpenSession::new(buf.clone(), hash, row, t);
                    self.open.insert_unique(hash, new, |s| s.hash).into_mut()
                }
            };
            s.names.push(name);
            if with_params {
                for (k, v) in events.params(i) {
                    s.params.push((self.strings.intern(k), self.strings.intern(v)));
                }
                s.param_ends.push(s.params.len() as u32);
            }
        }
        self.rows_seen += n;
        if let Some(now) = self.last_time {
            // no later row (time >= now) can join these
            let done = |s: &mut OpenSession| {
                wide(now, s.last) > i128::from(gap) || wide(now, s.start) > i128::from(max_session)
            };
            self.closed.extend(self.open.extract_if(done));
        }
        self.emit()
    }

    /// Close every open session and return them.
    pub fn finish(&mut self) -> Result<Option<RecordBatch>, Error> {
        self.closed.extend(self.open.drain());
        self.emit()
    }

    fn emit(&mut self) -> Result<Option<RecordBatch>, Error> {
        if self.closed.is_empty() {
            return Ok(None);
        }
        let mut closed = std::mem::take(&mut self.closed);
        closed.sort_unstable_by_key(|s| s.first_row);
        self.n_sessions += closed.len();
        let mut cols: Vec<ArrayRef> = Vec::new();
        let mut decoded: Vec<Vec<KeyValue>> = vec![Vec::with_capacity(closed.len()); self.key_types.len()];
        for s in &closed {
            for (j, v) in decode_key(&s.key).into_iter().enumerate() {
                decoded[j].push(v);
            }
        }
        for (values, dt) in decoded.iter().zip(&self.key_types) {
            cols.push(key_array(values, dt)?);
        }
        let mins = closed.iter().map(|s| s.start).collect();
        let maxs = closed.iter().map(|s| s.last).collect();
        let counts = closed.iter().map(|s| s.names.len() as i64).collect();
        let list = if self.kind == SessionType::Commands && self.opts.dictionary_names {
            self.dictionary_list(&closed)?
        } else {
            self.string_list(&closed)?
        };
        let (_, c2) = session_columns(&self.opts.time_col, self.spec.list_column(), list, mins, maxs, counts);
        cols.extend(c2);
        Ok(Some(RecordBatch::try_new(self.out_schema.clone(), cols)?))
    }

    /// The closed sessions' commands as lists of dictionary-encoded names: the ids
    /// into the names this batch uses, each name copied once
    /// ([`SessionizeOptions::with_dictionary_names`]).
    fn dictionary_list(&self, closed: &[OpenSession]) -> Result<ArrayRef, Error> {
        let mut local: AHashMap<u32, i32> = AHashMap::new();
        let mut used: Vec<&str> = Vec::new();
        let mut keys = Vec::with_capacity(closed.iter().map(|s| s.names.len()).sum());
        let mut offsets = Vec::with_capacity(closed.len() + 1);
        offsets.push(0i32);
        for s in closed {
            for &name in &s.names {
                let next = used.len() as i32;
                keys.push(*local.entry(name).or_insert_with(|| {
                    used.push(self.names.resolve(name));
                    next
                }));
            }
            offsets.push(i32::try_from(keys.len()).map_err(|_| Error::TooManyRows(keys.len()))?);
        }
        dictionary_names(keys, &used, offsets)
    }

    /// The closed sessions' events as lists of strings (and params).
    fn string_list(&self, closed: &[OpenSession]) -> Result<ArrayRef, Error> {
        let mut list = EventListBuilder::new(self.kind);
        for s in closed {
            let mut from = 0;
            for (e, &name) in s.names.iter().enumerate() {
                let name = self.names.resolve(name);
                if self.kind == SessionType::Commands {
                    list.append(name, std::iter::empty());
                    continue;
                }
                let to = s.param_ends[e] as usize;
                let pairs = s.params[from..to].iter().map(|&(k, v)| (self.strings.resolve(k), self.strings.resolve(v)));
                list.append(name, pairs);
                from = to;
            }
            list.end_session()?;
        }
        Ok(list.finish())
    }
}

/// A list column of dictionary-encoded names: `keys` into `names`, cut at `offsets`.
fn dictionary_names(keys: Vec<i32>, names: &[&str], offsets: Vec<i32>) -> Result<ArrayRef, Error> {
    let values: ArrayRef = Arc::new(StringArray::from_iter_values(names));
    let dict = DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys), values)?;
    Ok(list_of(Arc::new(dict), offsets))
}

#[derive(Debug, Clone)]
enum KeyValue {
    Null,
    Str(String),
    Int(i64),
    UInt(u64),
}

fn decode_key(mut b: &[u8]) -> Vec<KeyValue> {
    let mut out = Vec::new();
    let take8 = |b: &mut &[u8]| -> [u8; 8] {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[..8]);
        *b = &b[8..];
        a
    };
    while let Some((&tag, rest)) = b.split_first() {
        b = rest;
        out.push(match tag {
            1 => {
                let len = u64::from_le_bytes(take8(&mut b)) as usize;
                let s = String::from_utf8_lossy(&b[..len]).into_owned();
                b = &b[len..];
                KeyValue::Str(s)
            }
            2 => KeyValue::Int(i64::from_le_bytes(take8(&mut b))),
            3 => KeyValue::UInt(u64::from_le_bytes(take8(&mut b))),
            _ => KeyValue::Null,
        });
    }
    out
}

fn key_array(values: &[KeyValue], dt: &DataType) -> Result<ArrayRef, Error> {
    let plain: ArrayRef = match dt {
        DataType::Null => return Ok(new_null_array(dt, values.len())),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            let mut b = Int64Builder::with_capacity(values.len());
            for v in values {
                b.append_option(if let KeyValue::Int(x) = v { Some(*x) } else { None });
            }
            Arc::new(b.finish())
        }
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
            let mut b = UInt64Builder::with_capacity(values.len());
            for v in values {
                b.append_option(if let KeyValue::UInt(x) = v { Some(*x) } else { None });
            }
            Arc::new(b.finish())
        }
        _ => {
            let mut b = StringBuilder::new();
            for v in values {
                b.append_option(if let KeyValue::Str(s) = v { Some(s.as_str()) } else { None });
            }
            Arc::new(b.finish())
        }
    };
    Ok(if plain.data_type() == dt { plain } else { arrow::compute::cast(&plain, dt)? })
}
