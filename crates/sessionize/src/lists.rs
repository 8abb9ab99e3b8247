//! Event-list columns: sessions as Arrow lists of events, built row by row, and read back into [`Sessions`](anomseq_core::Sessions).

use std::sync::Arc;

use anomseq_core::{Cmd, SessionType, Sessions, SessionsBuilder};
use arrow::array::{
    Array, ArrayRef, AsArray, GenericListArray, ListArray, MapBuilder, OffsetSizeTrait, StringBuilder, StructArray,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Fields};

use crate::error::quote;
use crate::Error;

/// Builds an event-list column session by session.
pub(crate) struct EventListBuilder {
    kind: SessionType,
    offsets: Vec<i32>,
    names: StringBuilder,
    set: arrow::array::ListBuilder<StringBuilder>,
    map: MapBuilder<StringBuilder, StringBuilder>,
}

impl EventListBuilder {
    pub(crate) fn new(kind: SessionType) -> Self {
        EventListBuilder {
            kind,
            offsets: vec![0],
            names: StringBuilder::new(),
            set: arrow::array::ListBuilder::new(StringBuilder::new()),
            map: MapBuilder::new(None, StringBuilder::new(), StringBuilder::new()),
        }
    }

    pub(crate) fn append<'a>(&mut self, name: &str, params: impl Iterator<Item = (&'a str, &'a str)>) {
        self.names.append_value(name);
        match self.kind {
            SessionType::Commands => {}
            SessionType::Params => {
                for (k, _) in params {
                    self.set.values().append_value(k);
                }
                self.set.append(true);
            }
            SessionType::Values => {
                for (k, v) in params {
                    self.map.keys().append_value(k);
                    self.map.values().append_value(v);
                }
                // keys are never null, so this cannot fail
                let _ = self.map.append(true);
            }
        }
    }

    pub(crate) fn end_session(&mut self) -> Result<(), Error> {
        let n = arrow::array::ArrayBuilder::len(&self.names);
        let n = i32::try_from(n).map_err(|_| Error::TooManyRows(n))?;
        self.offsets.push(n);
        Ok(())
    }

    pub(crate) fn finish(mut self) -> ArrayRef {
        let names: ArrayRef = Arc::new(self.names.finish());
        let item: ArrayRef = match self.kind {
            SessionType::Commands => names,
            SessionType::Params => struct_of(names, Arc::new(self.set.finish())),
            SessionType::Values => struct_of(names, Arc::new(self.map.finish())),
        };
        list_of(item, self.offsets)
    }
}

/// `{name, params}` structs.
pub(crate) fn struct_of(names: ArrayRef, params: ArrayRef) -> ArrayRef {
    let fields = Fields::from(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("params", params.data_type().clone(), true),
    ]);
    Arc::new(StructArray::new(fields, vec![names, params], None))
}

/// A list column over `item` with session offsets.
pub(crate) fn list_of(item: ArrayRef, offsets: Vec<i32>) -> ArrayRef {
    let field = Arc::new(Field::new("item", item.data_type().clone(), true));
    Arc::new(ListArray::new(field, OffsetBuffer::new(offsets.into()), item, None))
}

/// The data type of an event-list column of `kind` (as [`sessionize`](crate::sessionize) writes it).
pub fn event_list_type(kind: SessionType) -> DataType {
    EventListBuilder::new(kind).finish().data_type().clone()
}

/// Push one event to a sessions builder.
pub(crate) fn push_event<'a>(
    b: &mut SessionsBuilder,
    kind: SessionType,
    name: &str,
    params: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), anomseq_core::Error> {
    match kind {
        SessionType::Commands => b.push_name(name),
        SessionType::Params => b.push_params(name, params.map(|(k, _)| k)),
        SessionType::Values => b.push_values(name, params),
    }
}

const EXPECTED: &str = "a list of events (List<Utf8>, List<Struct{name, params}>) or JSON text of one";

/// Read an event-list column back into [`Sessions`], one session per row.
///
/// Accepted: what [`sessionize`](crate::sessionize) writes (`List<Utf8>`,
/// `List<Struct{name, params: List<Utf8>}>`, `List<Struct{name, params: Map<Utf8, Utf8>}>`,
/// also `params: List<Struct{key, value}>` and `LargeList`), or a string column holding
/// each session as JSON text in the oracle encoding (`["Set-User", ..]`,
/// `[{"name": .., "params": [..]}, ..]`, `[{"name": .., "params": {..}}, ..]`).
/// A null or empty session is an error naming its row (from 1).
///
/// ```
/// use std::sync::Arc;
/// use arrow::array::{ArrayRef, StringArray};
/// use anomseq_sessionize::sessions_from_column;
/// let col: ArrayRef = Arc::new(StringArray::from(vec![r#"["a","b"]"#, r#"["c"]"#]));
/// let s = sessions_from_column("session", &col)?;
/// assert_eq!(s.to_cmds(0), vec!["a".into(), "b".into()]);
/// # Ok::<(), anomseq_sessionize::Error>(())
/// ```
pub fn sessions_from_column(column: &str, col: &ArrayRef) -> Result<Sessions, Error> {
    let bad = |row: usize, value: &str, reason: String| Error::BadValue {
        row: row + 1,
        column: column.to_owned(),
        value: quote(value),
        reason,
    };
    let mut b = SessionsBuilder::new();
    let core = |row: usize, e: anomseq_core::Error| bad(row, "", e.to_string());
    match col.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let text = arrow::compute::cast(col, &DataType::Utf8)?;
            let text = text.as_string::<i32>();
            for row in 0..text.len() {
                if text.is_null(row) {
                    return Err(bad(row, "null", "missing session".into()));
                }
                let s = text.value(row);
                let cmds: Vec<Cmd> = serde_json::from_str(s)
                    .map_err(|e| bad(row, s, format!("expected a JSON list of events ({e})")))?;
                if cmds.is_empty() {
                    return Err(bad(row, s, "empty session: each session needs at least one event".into()));
                }
                for c in &cmds {
                    b.push_cmd(c).map_err(|e| bad(row, s, e.to_string()))?;
                }
                b.end_session().map_err(|e| core(row, e))?;
            }
        }
        DataType::List(_) => {
            if let Some(done) = lists(col.as_list::<i32>(), column, &mut b)? {
                return Ok(done);
            }
        }
        DataType::LargeList(_) => {
            if let Some(done) = lists(col.as_list::<i64>(), column, &mut b)? {
                return Ok(done);
            }
        }
        other => {
            return Err(Error::WrongType { column: column.to_owned(), found: other.clone(), expected: EXPECTED });
        }
    }
    Ok(b.finish()?)
}

/// `dt` with the dictionary-encoded strings inside its lists and structs as plain
/// strings (as a Parquet event list may be read, its names dictionary-encoded);
/// `None` when it has none. A dictionary that is `dt` itself is kept.
///
/// ```
/// use std::sync::Arc;
/// use arrow::datatypes::{DataType, Field};
/// use anomseq_sessionize::plain_nested_type;
/// let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
/// let list = DataType::List(Arc::new(Field::new("item", dict.clone(), true)));
/// assert_eq!(plain_nested_type(&list), Some(DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))));
/// assert_eq!(plain_nested_type(&dict), None);
/// ```
pub fn plain_nested_type(dt: &DataType) -> Option<DataType> {
    map_leaf_types(dt, false, &|leaf| match leaf {
        DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8) => Some((**v).clone()),
        _ => None,
    })
}

/// `dt` with each leaf type that `f` maps replaced, inside lists and structs (and
/// `dt` itself when it is a leaf and `top`); `None` when `f` maps none. Maps and
/// other nested types are left as they are.
///
/// ```
/// use std::sync::Arc;
/// use arrow::datatypes::{DataType, Field};
/// use anomseq_sessionize::map_leaf_types;
/// let list = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
/// let large = |d: &DataType| (d == &DataType::Utf8).then_some(DataType::LargeUtf8);
/// assert_eq!(map_leaf_types(&list, false, &large), Some(DataType::List(Arc::new(Field::new("item", DataType::LargeUtf8, true)))));
/// assert_eq!(map_leaf_types(&DataType::Utf8, false, &large), None);
/// assert_eq!(map_leaf_types(&DataType::Utf8, true, &large), Some(DataType::LargeUtf8));
/// ```
pub fn map_leaf_types(dt: &DataType, top: bool, f: &dyn Fn(&DataType) -> Option<DataType>) -> Option<DataType> {
    let field = |fl: &Field| map_leaf_types(fl.data_type(), true, f).map(|dt| Arc::new(fl.clone().with_data_type(dt)));
    match dt {
        DataType::List(fl) => field(fl).map(DataType::List),
        DataType::LargeList(fl) => field(fl).map(DataType::LargeList),
        DataType::Struct(fields) => {
            let mapped: Vec<Option<arrow::datatypes::FieldRef>> = fields.iter().map(|fl| field(fl)).collect();
            if mapped.iter().all(Option::is_none) {
                return None;
            }
            Some(DataType::Struct(fields.iter().zip(mapped).map(|(fl, m)| m.unwrap_or_else(|| fl.clone())).collect()))
        }
        DataType::Map(..) => None,
        leaf if top => f(leaf),
        _ => None,
    }
}

/// A dictionary key standing for a missing name.
const MISSING: u32 = u32::MAX;

/// The names of a list column's events: strings, or strings dictionary-encoded
/// (as a Parquet file stores them), read without decoding a string per event.
enum Names {
    Plain(ArrayRef),
    Dict { keys: Vec<u32>, values: ArrayRef },
}

impl Names {
    fn new(names: &ArrayRef) -> Result<Option<Names>, Error> {
        Ok(match names.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                Some(Names::Plain(arrow::compute::cast(names, &DataType::Utf8)?))
            }
            DataType::Dictionary(k, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => {
                let keys = arrow::compute::cast(names, &DataType::Dictionary(k.clone(), Box::new(DataType::Utf8)))?;
                let keys = keys.as_any_dictionary();
                let values = keys.values().clone();
                let ids = arrow::compute::cast(keys.keys(), &DataType::UInt32)?;
                let ids = ids.as_primitive::<arrow::datatypes::UInt32Type>();
                // a key naming a null value is a missing name, as a null key is
                let missing = |k: Option<u32>| k.filter(|&k| values.is_valid(k as usize)).unwrap_or(MISSING);
                let keys = if ids.null_count() == 0 && values.null_count() == 0 {
                    ids.values().to_vec()
                } else {
                    ids.iter().map(missing).collect()
                };
                Some(Names::Dict { keys, values })
            }
            _ => None,
        })
    }

    fn get(&self, e: usize) -> Option<&str> {
        match self {
            Names::Plain(a) => {
                let a = a.as_string::<i32>();
                a.is_valid(e).then(|| a.value(e))
            }
            Names::Dict { keys, values } => {
                (keys[e] != MISSING).then(|| values.as_string::<i32>().value(keys[e] as usize))
            }
        }
    }
}

/// The error of session `row` (from 0) of a list column, its value elided.
fn bad_session(column: &str, row: usize, reason: String) -> Error {
    Error::BadValue { row: row + 1, column: column.to_owned(), value: "…".into(), reason }
}

/// Check that no session of `list` is missing or empty, and no event lacks its name.
fn check_lists<O: OffsetSizeTrait>(list: &GenericListArray<O>, names: &Names, column: &str) -> Result<(), Error> {
    let bad = |row: usize, reason: String| bad_session(column, row, reason);
    let offsets = list.value_offsets();
    for row in 0..list.len() {
        if list.is_null(row) {
            return Err(bad(row, "missing session".into()));
        }
        let (start, end) = (offsets[row].as_usize(), offsets[row + 1].as_usize());
        if start == end {
            return Err(bad(row, "empty session: each session needs at least one event".into()));
        }
        if let Some(e) = (start..end).find(|&e| names.get(e).is_none()) {
            return Err(bad(row, format!("event {} has no name", e - start)));
        }
    }
    Ok(())
}

/// Sessions of bare commands from a list of dictionary-encoded names: the
/// dictionary's names are interned once, not once per event.
fn dictionary_lists<O: OffsetSizeTrait>(
    list: &GenericListArray<O>,
    keys: &[u32],
    values: &ArrayRef,
    column: &str,
) -> Result<Sessions, Error> {
    let offsets = list.value_offsets();
    let (first, last) = (offsets[0].as_usize(), offsets[list.len()].as_usize());
    // every key is a name's (check_lists): none is MISSING
    let cmds = &keys[first..last];
    let starts: Vec<usize> = offsets.iter().map(|o| o.as_usize() - first).collect();
    let values = values.as_string::<i32>();
    let names: Vec<&str> = (0..values.len()).map(|i| if values.is_valid(i) { values.value(i) } else { "" }).collect();
    Sessions::from_cmd_ids(&names, cmds, starts).map_err(|e| match e {
        // as the builder reports it, from the row of the session
        anomseq_core::Error::ReservedToken { session, .. } => bad_session(column, session, e.to_string()),
        other => Error::Core(other),
    })
}

fn lists<O: OffsetSizeTrait>(
    list: &GenericListArray<O>,
    column: &str,
    b: &mut SessionsBuilder,
) -> Result<Option<Sessions>, Error> {
    let wrong = || Error::WrongType { column: column.to_owned(), found: list.data_type().clone(), expected: EXPECTED };
    let bad = |row: usize, reason: String| bad_session(column, row, reason);
    let values = list.values();
    let offsets = list.value_offsets();
    let (names, params) = match values.data_type() {
        DataType::Struct(_) => {
            let s: &StructArray = values.as_struct();
            let names = s.column_by_name("name").ok_or_else(wrong)?;
            let params = s.column_by_name("params").ok_or_else(wrong)?;
            // parameters read dictionary-encoded are decoded once, here
            let params = match plain_nested_type(params.data_type()) {
                Some(dt) => arrow::compute::cast(params, &dt)?,
                None => params.clone(),
            };
            (Names::new(names)?.ok_or_else(wrong)?, Some(params))
        }
        _ => (Names::new(values)?.ok_or_else(wrong)?, None),
    };
    check_lists(list, &names, column)?;
    let Some(params) = params else {
        if let Names::Dict { keys, values } = &names {
            return dictionary_lists(list, keys, values, column).map(Some);
        }
        for row in 0..list.len() {
            for e in offsets[row].as_usize()..offsets[row + 1].as_usize() {
                b.push_name(names.get(e).unwrap_or_default()).map_err(|err| bad(row, err.to_string()))?;
            }
            b.end_session().map_err(|err| bad(row, err.to_string()))?;
        }
        return Ok(None);
    };
    for row in 0..list.len() {
        for e in offsets[row].as_usize()..offsets[row + 1].as_usize() {
            let name = names.get(e).unwrap_or_default();
            push_params(b, name, &params, e).map_err(|r| bad(row, r))?.ok_or_else(wrong)?;
        }
        b.end_session().map_err(|err| bad(row, err.to_string()))?;
    }
    Ok(None)
}

/// Push event `e` whose params are in `params`; `Ok(None)` when the type is not usable.
fn push_params(b: &mut SessionsBuilder, name: &str, params: &ArrayRef, e: usize) -> Result<Option<()>, String> {
    let s = |a: &ArrayRef| arrow::compute::cast(a, &DataType::Utf8).map_err(|x| x.to_string());
    match params.data_type() {
        DataType::List(f) | DataType::LargeList(f) => {
            let (values, r) = if let DataType::List(_) = params.data_type() {
                let l = params.as_list::<i32>();
                (l.values().clone(), l.value_offsets()[e] as usize..l.value_offsets()[e + 1] as usize)
            } else {
                let l = params.as_list::<i64>();
                (l.values().clone(), l.value_offsets()[e] as usize..l.value_offsets()[e + 1] as usize)
            };
            match f.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                    let v = s(&values)?;
                    let v = v.as_string::<i32>();
                    b.push_params(name, r.filter(|&i| v.is_valid(i)).map(|i| v.value(i))).map_err(|x| x.to_string())?;
                }
                DataType::Struct(_) => {
                    let st = values.as_struct();
                    let (Some(k), Some(val)) = (st.column_by_name("key"), st.column_by_name("value")) else {
                        return Ok(None);
                    };
                    let (k, val) = (s(k)?, s(val)?);
                    let (k, val) = (k.as_string::<i32>(), val.as_string::<i32>());
                    b.push_values(
                        name,
                        r.filter(|&i| k.is_valid(i))
                            .map(|i| (k.value(i), if val.is_valid(i) { val.value(i) } else { "" })),
                    )
                    .map_err(|x| x.to_string())?;
                }
                // pandas' form of a map: (key, value) pairs, which come back as lists of two
                DataType::List(pair) if matches!(pair.data_type(), DataType::Utf8 | DataType::LargeUtf8) => {
                    let pairs = values.as_list::<i32>();
                    let kv = s(pairs.values())?;
                    let kv = kv.as_string::<i32>();
                    let po = pairs.value_offsets();
                    let mut out = Vec::with_capacity(r.len());
                    for i in r.filter(|&i| pairs.is_valid(i)) {
                        let (a, z) = (po[i] as usize, po[i + 1] as usize);
                        if z - a != 2 || kv.is_null(a) {
                            return Err(format!(
                                "a parameter given as a list must be [name, value], got {} items",
                                z - a
                            ));
                        }
                        out.push((kv.value(a), if kv.is_valid(a + 1) { kv.value(a + 1) } else { "" }));
                    }
                    b.push_values(name, out).map_err(|x| x.to_string())?;
                }
                _ => return Ok(None),
            }
        }
        DataType::Map(_, _) => {
            let m = params.as_map();
            let (k, val) = (s(m.keys())?, s(m.values())?);
            let (k, val) = (k.as_string::<i32>(), val.as_string::<i32>());
            let off = m.value_offsets();
            let r = off[e] as usize..off[e + 1] as usize;
            b.push_values(
                name,
                r.filter(|&i| k.is_valid(i)).map(|i| (k.value(i), if val.is_valid(i) { val.value(i) } else { "" })),
            )
            .map_err(|x| x.to_string())?;
        }
        _ => return Ok(None),
    }
    Ok(Some(()))
}

/// Encode sessions as an event-list column ([`event_list_type`](crate::event_list_type) of their type).
pub fn sessions_to_column(sessions: &Sessions) -> ArrayRef {
    windows_to_column(sessions, (0..sessions.len()).map(|i| Some(0..sessions.session_len(i))))
}

/// Encode a slice of each session (e.g. its rarest window) as an event-list column;
/// `None` gives an empty list. Ranges are clamped to their session.
pub fn windows_to_column<I>(sessions: &Sessions, ranges: I) -> ArrayRef
where
    I: IntoIterator<Item = Option<std::ops::Range<usize>>>,
{
    let kind = sessions.session_type();
    let mut b = EventListBuilder::new(kind);
    for (i, r) in ranges.into_iter().enumerate() {
        if let Some(r) = r {
            let full = sessions.session_range(i);
            let start = (full.start + r.start).min(full.end);
            let end = (full.start + r.end).min(full.end);
            for e in start..end {
                let ev = sessions.event(e);
                let name = sessions.names().resolve(ev.name);
                let params = ev.params.iter().enumerate().map(|(j, &p)| {
                    let v = ev.values.get(j).map_or("", |&v| sessions.values().resolve(v));
                    (sessions.params().resolve(p), v)
                });
                b.append(name, params);
            }
        }
        // offsets only grow, so this cannot overflow before the data did
        let _ = b.end_session();
    }
    b.finish()
}
