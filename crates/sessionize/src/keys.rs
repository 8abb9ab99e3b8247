//! User keys: each distinct tuple of user-column values gets a dense id whose
//! order is the sort order of the tuples (nulls last in every column).

use std::hash::Hash;

use ahash::AHashMap;
use arrow::array::{Array, ArrayAccessor, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Int64Type, UInt64Type};

use crate::Error;

pub(crate) const KEY_TYPES: &str = "a string or integer column";

/// Is `dt` usable as a user key?
pub(crate) fn check_key_type(column: &str, dt: &DataType) -> Result<(), Error> {
    let ok = match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => true,
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => true,
        DataType::Null => true,
        DataType::Dictionary(_, v) => matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::WrongType { column: column.to_owned(), found: dt.clone(), expected: KEY_TYPES })
    }
}

/// A key column in a form with cheap per-row access.
pub(crate) enum KeyCol {
    /// Strings (any string type is cast to Utf8).
    Str(ArrayRef),
    /// Signed integers, as Int64.
    Int(ArrayRef),
    /// Unsigned integers, as UInt64.
    UInt(ArrayRef),
    /// An all-null column.
    Null(usize),
}

impl KeyCol {
    pub(crate) fn new(column: &str, col: &ArrayRef) -> Result<Self, Error> {
        check_key_type(column, col.data_type())?;
        Ok(match col.data_type() {
            DataType::Utf8 => KeyCol::Str(col.clone()),
            DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(..) => {
                KeyCol::Str(arrow::compute::cast(col, &DataType::Utf8)?)
            }
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                KeyCol::Int(arrow::compute::cast(col, &DataType::Int64)?)
            }
            DataType::Null => KeyCol::Null(col.len()),
            _ => KeyCol::UInt(arrow::compute::cast(col, &DataType::UInt64)?),
        })
    }

    /// Append row `i`'s value to a byte key (tag + value), distinct for null.
    pub(crate) fn encode(&self, i: usize, out: &mut Vec<u8>) {
        match self {
            KeyCol::Null(_) => out.push(0),
            KeyCol::Str(a) => {
                let a = a.as_string::<i32>();
                if a.is_null(i) {
                    out.push(0);
                } else {
                    let s = a.value(i).as_bytes();
                    out.push(1);
                    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
                    out.extend_from_slice(s);
                }
            }
            KeyCol::Int(a) => {
                let a = a.as_primitive::<Int64Type>();
                if a.is_null(i) {
                    out.push(0);
                } else {
                    out.push(2);
                    out.extend_from_slice(&a.value(i).to_le_bytes());
                }
            }
            KeyCol::UInt(a) => {
                let a = a.as_primitive::<UInt64Type>();
                if a.is_null(i) {
                    out.push(0);
                } else {
                    out.push(3);
                    out.extend_from_slice(&a.value(i).to_le_bytes());
                }
            }
        }
    }

    /// Dense ranks of the rows' values (value order, null last) and their count.
    fn ranks(&self) -> (Vec<u32>, u64) {
        match self {
            KeyCol::Null(n) => (vec![0; *n], 1),
            KeyCol::Str(a) => ranks_of(a.as_string::<i32>(), |a: &&str, b: &&str| a.cmp(b)),
            KeyCol::Int(a) => ranks_of(a.as_primitive::<Int64Type>(), |a: &i64, b: &i64| a.cmp(b)),
            KeyCol::UInt(a) => ranks_of(a.as_primitive::<UInt64Type>(), |a: &u64, b: &u64| a.cmp(b)),
        }
    }
}

const NULL: u32 = u32::MAX;

/// Ranks of an array's values: equal values share a rank, ranks follow value order, null is last.
fn ranks_of<A, T, F>(a: A, cmp: F) -> (Vec<u32>, u64)
where
    A: ArrayAccessor<Item = T> + Copy,
    T: Hash + Eq + Copy,
    F: Fn(&T, &T) -> std::cmp::Ordering,
{
    let n = a.len();
    let mut ids: Vec<u32> = Vec::with_capacity(n);
    let mut seen: AHashMap<T, u32> = AHashMap::new();
    let mut distinct: Vec<T> = Vec::new();
    let mut prev: Option<(T, u32)> = None;
    let mut has_null = false;
    for i in 0..n {
        if a.is_null(i) {
            ids.push(NULL);
            has_null = true;
            continue;
        }
        let v = a.value(i);
        if let Some((p, id)) = prev {
            if p == v {
                ids.push(id);
                continue;
            }
        }
        let id = *seen.entry(v).or_insert_with(|| {
            distinct.push(v);
            (distinct.len() - 1) as u32
        });
        prev = Some((v, id));
        ids.push(id);
    }
    let mut order: Vec<u32> = (0..distinct.len() as u32).collect();
    order.sort_unstable_by(|&x, &y| cmp(&distinct[x as usize], &distinct[y as usize]));
    let mut rank = vec![0u32; distinct.len()];
    for (r, &id) in order.iter().enumerate() {
        rank[id as usize] = r as u32;
    }
    let null_rank = distinct.len() as u32;
    for id in &mut ids {
        *id = if *id == NULL { null_rank } else { rank[*id as usize] };
    }
    (ids, distinct.len() as u64 + u64::from(has_null))
}

/// Dense ids of `values` in value order.
fn dense(values: impl Iterator<Item = u64>, n: usize) -> (Vec<u32>, u64) {
    let mut ids: Vec<u32> = Vec::with_capacity(n);
    let mut seen: AHashMap<u64, u32> = AHashMap::new();
    let mut distinct: Vec<u64> = Vec::new();
    let mut prev: Option<(u64, u32)> = None;
    for v in values {
        let id = match prev {
            Some((p, id)) if p == v => id,
            _ => *seen.entry(v).or_insert_with(|| {
                distinct.push(v);
                (distinct.len() - 1) as u32
            }),
        };
        prev = Some((v, id));
        ids.push(id);
    }
    let mut order: Vec<u32> = (0..distinct.len() as u32).collect();
    order.sort_unstable_by_key(|&x| distinct[x as usize]);
    let mut rank = vec![0u32; distinct.len()];
    for (r, &id) in order.iter().enumerate() {
        rank[id as usize] = r as u32;
    }
    for id in &mut ids {
        *id = rank[*id as usize];
    }
    (ids, distinct.len() as u64)
}

/// Dense ids of the key tuples of every row, in tuple order, and their count.
pub(crate) fn key_ids(cols: &[KeyCol], n_rows: usize) -> (Vec<u32>, usize) {
    let mut acc: Option<(Vec<u32>, u64)> = None;
    for col in cols {
        let (ranks, n) = col.ranks();
        acc = Some(match acc {
            None => (ranks, n),
            Some((prev, _)) => {
                // combine (prev, rank) lexicographically, then densify in order
                let composite = prev.iter().zip(&ranks).map(|(&p, &r)| (u64::from(p) << 32) | u64::from(r));
                dense(composite, n_rows)
            }
        });
    }
    match acc {
        Some((ids, n)) => (ids, n as usize),
        None => (vec![0; n_rows], usize::from(n_rows > 0)),
    }
}
