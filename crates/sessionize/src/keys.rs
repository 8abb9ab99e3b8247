//! User keys: each distinct tuple of user-column values gets a dense id whose
//! order is the sort order of the tuples (nulls last in every column).

use std::cmp::Ordering;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Int64Type, ToByteSlice, UInt64Type};
use rayon::prelude::*;

use crate::ids::{dense_ids, Ids, StrCol, NULL_ID};
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
    /// Strings (plain or dictionary-encoded).
    Str(StrCol),
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
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(..) => {
                KeyCol::Str(StrCol::new(col)?)
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
            KeyCol::Str(a) => match a.get(i) {
                None => out.push(0),
                Some(s) => {
                    out.push(1);
                    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
                    out.extend_from_slice(s.as_bytes());
                }
            },
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

    /// Hash row `i`'s value as [`encode`](Self::encode) tells values apart (tag + value),
    /// without encoding it.
    #[inline]
    pub(crate) fn hash_row(&self, i: usize, state: &mut impl std::hash::Hasher) {
        match self {
            KeyCol::Null(_) => state.write_u8(0),
            KeyCol::Str(a) => match a.get(i) {
                None => state.write_u8(0),
                Some(s) => {
                    state.write_u8(1);
                    state.write(s.as_bytes());
                    state.write_u8(0xff);
                }
            },
            KeyCol::Int(a) => match a.as_primitive::<Int64Type>() {
                a if a.is_null(i) => state.write_u8(0),
                a => {
                    state.write_u8(2);
                    state.write_i64(a.value(i));
                }
            },
            KeyCol::UInt(a) => match a.as_primitive::<UInt64Type>() {
                a if a.is_null(i) => state.write_u8(0),
                a => {
                    state.write_u8(3);
                    state.write_u64(a.value(i));
                }
            },
        }
    }

    /// Whether row `i`'s value is the one [`encode`](Self::encode)d at the front of
    /// `key`, which then starts past it.
    #[inline]
    pub(crate) fn matches(&self, i: usize, key: &mut &[u8]) -> bool {
        let mut scratch = [0u8; 9];
        let want: &[u8] = match self {
            KeyCol::Null(_) => &[0],
            KeyCol::Str(a) => match a.get(i) {
                None => &[0],
                Some(s) => {
                    let n = 9 + s.len();
                    let ok = key.len() >= n
                        && key[0] == 1
                        && key[1..9] == (s.len() as u64).to_le_bytes()
                        && &key[9..n] == s.as_bytes();
                    *key = &key[n.min(key.len())..];
                    return ok;
                }
            },
            KeyCol::Int(a) => {
                let a = a.as_primitive::<Int64Type>();
                if a.is_null(i) {
                    &[0]
                } else {
                    scratch[0] = 2;
                    scratch[1..].copy_from_slice(&a.value(i).to_le_bytes());
                    &scratch
                }
            }
            KeyCol::UInt(a) => {
                let a = a.as_primitive::<UInt64Type>();
                if a.is_null(i) {
                    &[0]
                } else {
                    scratch[0] = 3;
                    scratch[1..].copy_from_slice(&a.value(i).to_le_bytes());
                    &scratch
                }
            }
        };
        let ok = key.starts_with(want);
        *key = &key[want.len().min(key.len())..];
        ok
    }

    /// Dense ranks of the rows' values (value order, null last) and their count.
    fn ranks(&self) -> (Vec<u32>, u64) {
        match self {
            KeyCol::Null(n) => (vec![0; *n], 1),
            KeyCol::Str(a) => ranked(a.ids(), |x, y| x.cmp(y)),
            KeyCol::Int(a) => {
                let a = a.as_primitive::<Int64Type>();
                let bytes = a.values().to_byte_slice();
                let ids = dense_ids(a.len(), |i| a.is_valid(i).then(|| &bytes[i * 8..i * 8 + 8]));
                ranked(ids, |x, y| i64_of(x).cmp(&i64_of(y)))
            }
            KeyCol::UInt(a) => {
                let a = a.as_primitive::<UInt64Type>();
                let bytes = a.values().to_byte_slice();
                let ids = dense_ids(a.len(), |i| a.is_valid(i).then(|| &bytes[i * 8..i * 8 + 8]));
                ranked(ids, |x, y| u64_of(x).cmp(&u64_of(y)))
            }
        }
    }
}

fn u64_of(b: &[u8]) -> u64 {
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

fn i64_of(b: &[u8]) -> i64 {
    u64_of(b) as i64
}

/// Turn ids into ranks: equal values share a rank, ranks follow `cmp`'s order of
/// the values, null is last. The count covers every distinct value (and null when present).
fn ranked<F>(ids: Ids, cmp: F) -> (Vec<u32>, u64)
where
    F: Fn(&[u8], &[u8]) -> Ordering + Sync,
{
    let Ids { mut ids, values } = ids;
    let mut order: Vec<u32> = (0..values.len() as u32).collect();
    order.par_sort_unstable_by(|&x, &y| cmp(values.get(x), values.get(y)));
    // rank[id], with the null id mapped past the last value
    let mut rank = vec![0u32; values.len()];
    for (r, &id) in order.iter().enumerate() {
        rank[id as usize] = r as u32;
    }
    let null_rank = values.len() as u32;
    let has_null = ids
        .par_iter_mut()
        .map(|id| {
            let null = *id == NULL_ID;
            *id = if null { null_rank } else { rank[*id as usize] };
            null
        })
        .reduce(|| false, |a, b| a | b);
    (ids, values.len() as u64 + u64::from(has_null))
}

/// Combine two rank columns when every pair fits a table of `size` slots:
/// `prev * n + rank` is already in tuple order, so a presence table densifies it.
fn combine_small(prev: &[u32], ranks: &[u32], n: u64, size: usize) -> (Vec<u32>, u64) {
    let code = |p: u32, r: u32| (u64::from(p) * n + u64::from(r)) as usize;
    let mut dense = vec![0u32; size];
    for (&p, &r) in prev.iter().zip(ranks) {
        dense[code(p, r)] = 1;
    }
    let mut next = 0u32;
    for d in &mut dense {
        let seen = *d;
        *d = next;
        next += seen;
    }
    let ids = prev.par_iter().zip(ranks).map(|(&p, &r)| dense[code(p, r)]).collect();
    (ids, u64::from(next))
}

/// Dense ids of the key tuples of every row, in tuple order, and their count.
pub(crate) fn key_ids(cols: &[KeyCol], n_rows: usize) -> (Vec<u32>, usize) {
    let mut acc: Option<(Vec<u32>, u64)> = None;
    for col in cols {
        let (ranks, n) = col.ranks();
        acc = Some(match acc {
            None => (ranks, n),
            Some((prev, n_prev)) => {
                // combine (prev, rank) lexicographically, then densify in order
                match n_prev.checked_mul(n).filter(|&size| size <= n_rows.max(1 << 16) as u64) {
                    Some(size) => combine_small(&prev, &ranks, n, size as usize),
                    None => {
                        let pairs: Vec<u64> =
                            prev.iter().zip(&ranks).map(|(&p, &r)| (u64::from(p) << 32) | u64::from(r)).collect();
                        let bytes = pairs.to_byte_slice();
                        ranked(dense_ids(n_rows, |i| Some(&bytes[i * 8..i * 8 + 8])), |x, y| u64_of(x).cmp(&u64_of(y)))
                    }
                }
            }
        });
    }
    match acc {
        Some((ids, n)) => (ids, n as usize),
        None => (vec![0; n_rows], usize::from(n_rows > 0)),
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::Arc;

    use arrow::array::{ArrayRef, DictionaryArray, Int32Array, Int64Array, StringArray, UInt64Array};
    use arrow::datatypes::Int32Type;

    use super::KeyCol;

    /// A row's key matches its own encoding and no other row's, column by column
    /// (`"a","bc"` against `"ab","c"` included), and equal keys hash alike.
    #[test]
    fn rows_match_their_own_encoding_only() {
        let text = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
        let dict = DictionaryArray::<Int32Type>::try_new(
            Int32Array::from(vec![Some(0), Some(1), None, Some(0), Some(1), Some(0)]),
            Arc::new(StringArray::from(vec!["x", "xy"])),
        )
        .unwrap();
        let cols = [
            text(vec![Some("a"), Some("ab"), None, Some("a"), Some("ab"), Some("a")]),
            text(vec![Some("bc"), Some("c"), None, Some("bc"), Some("c"), Some("")]),
            Arc::new(Int64Array::from(vec![Some(-1), Some(-1), None, Some(-1), Some(-1), Some(-1)])) as ArrayRef,
            Arc::new(UInt64Array::from(vec![Some(7), Some(7), None, Some(7), Some(7), Some(7)])) as ArrayRef,
            Arc::new(dict) as ArrayRef,
        ];
        let keys: Vec<KeyCol> =
            cols.iter().enumerate().map(|(j, c)| KeyCol::new(&format!("c{j}"), c).unwrap()).collect();
        let hasher = ahash::RandomState::new();
        let encode = |i: usize| {
            let mut b = Vec::new();
            keys.iter().for_each(|k| k.encode(i, &mut b));
            b
        };
        let hash = |i: usize| {
            let mut h = hasher.build_hasher();
            keys.iter().for_each(|k| k.hash_row(i, &mut h));
            h.finish()
        };
        let matches = |i: usize, key: &[u8]| {
            let mut rest = key;
            keys.iter().all(|k| k.matches(i, &mut rest)) && rest.is_empty()
        };
        for i in 0..6 {
            for j in 0..6 {
                let same = encode(i) == encode(j);
                assert_eq!(matches(i, &encode(j)), same, "rows {i} and {j}");
                if same {
                    assert_eq!(hash(i), hash(j), "rows {i} and {j}");
                }
            }
        }
        // rows 0 and 3 are one key, the others each their own
        assert!(matches(3, &encode(0)) && !matches(1, &encode(0)) && !matches(5, &encode(0)));
    }
}
