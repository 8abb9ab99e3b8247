//! Dense ids for the values of a column — the hot loop of sessionizing.
//!
//! Every row's value gets a dense `u32` id, in first-seen order, from a small
//! open-addressing table keyed by a fast hash of the value. Long columns are cut
//! into one chunk per thread; each chunk builds its own table, and the chunks'
//! values are then merged in order, so the ids are the same whatever the thread
//! count. String columns that arrive dictionary-encoded (Parquet's usual form) are
//! interned once per dictionary value, not once per row.

use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Int32Type};
use rayon::prelude::*;

/// The id of a null value.
pub(crate) const NULL_ID: u32 = u32::MAX;

/// Rows per chunk below which a column is interned on one thread.
const MIN_CHUNK: usize = 1 << 16;

const K: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline(always)]
fn word(b: &[u8]) -> u64 {
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

/// A 64×64 → 128-bit multiply folded to 64 bits: mixes every input bit into
/// every output bit (a plain multiply only carries differences upwards).
#[inline(always)]
fn fmul(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

const K2: u64 = 0xD6E8_FEB8_6659_FD93;

/// A cheap hash of every byte; equality decides, the hash only spreads.
#[inline(always)]
fn hash(b: &[u8]) -> u64 {
    let n = b.len();
    let mut h = (n as u64).wrapping_mul(K);
    if n >= 8 {
        let mut words = b.chunks_exact(8);
        for w in &mut words {
            h = fmul(h ^ word(w), K2);
        }
        if !words.remainder().is_empty() {
            // the last 8 bytes, overlapping the previous word
            h = fmul(h ^ word(&b[n - 8..]), K2);
        }
    } else if n >= 4 {
        let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]);
        h = fmul(h ^ (u64::from(hi) << 32 | u64::from(lo)), K2);
    } else if n > 0 {
        let w = u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16;
        h = fmul(h ^ w, K2);
    }
    fmul(h, K)
}

const EMPTY: u64 = u64::MAX;

/// Distinct byte strings, packed in one buffer (compact, so lookups stay in cache).
#[derive(Debug, Default, Clone)]
pub(crate) struct Distinct {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Distinct {
    /// Number of distinct values.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Value `id`'s bytes.
    #[inline]
    pub(crate) fn get(&self, id: u32) -> &[u8] {
        let id = id as usize;
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        &self.bytes[start..self.ends[id]]
    }

    fn push(&mut self, v: &[u8]) {
        self.bytes.extend_from_slice(v);
        self.ends.push(self.bytes.len());
    }

    /// The values as a Utf8 array (they came from strings, so this only fails on a bug).
    pub(crate) fn into_strings(self) -> Result<StringArray, arrow::error::ArrowError> {
        let mut offsets = Vec::with_capacity(self.ends.len() + 1);
        offsets.push(0i32);
        for &e in &self.ends {
            offsets.push(i32::try_from(e).map_err(|_| arrow::error::ArrowError::OffsetOverflowError(e))?);
        }
        StringArray::try_new(OffsetBuffer::new(offsets.into()), self.bytes.into(), None)
    }
}

/// Up to 16 bytes, exactly (given the length); longer values keep their first
/// and last 8 bytes, which only rule out most mismatches.
#[inline(always)]
fn fingerprint(b: &[u8]) -> (u64, u64) {
    let n = b.len();
    if n >= 8 {
        (word(b), word(&b[n - 8..]))
    } else if n >= 4 {
        let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]);
        (u64::from(hi) << 32 | u64::from(lo), 0)
    } else if n > 0 {
        (u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16, 0)
    } else {
        (0, 0)
    }
}

/// Lengths above this are compared in the arena, not by fingerprint.
const SHORT: usize = 16;
const LONG: u64 = 0xFF;

/// A table slot: `meta` is the hash's top 24 bits, the length (or [`LONG`]) and
/// the id; `a`, `b` the fingerprint.
#[derive(Clone, Copy)]
struct Slot {
    meta: u64,
    a: u64,
    b: u64,
}

const FREE: Slot = Slot { meta: EMPTY, a: 0, b: 0 };

/// Byte strings to dense ids in first-seen order (linear probing, load ≤ 0.6).
/// Values of up to 16 bytes are matched inside the slot, without touching the arena.
struct Table {
    slots: Vec<Slot>,
    mask: usize,
    values: Distinct,
    hashes: Vec<u64>,
}

impl Table {
    fn new() -> Self {
        Table { slots: vec![FREE; 256], mask: 255, values: Distinct::default(), hashes: Vec::new() }
    }

    #[inline(always)]
    fn key(v: &[u8]) -> (u64, u64, u64, u64) {
        let n = v.len();
        let (a, b) = fingerprint(v);
        let (h, len) = if n <= SHORT {
            (fmul(fmul(a ^ (n as u64).wrapping_mul(K), K2) ^ b, K), n as u64)
        } else {
            (hash(v), LONG)
        };
        // top 24 bits of the hash, then the length byte
        (h, (h >> 40) << 40 | len << 32, a, b)
    }

    #[inline]
    fn id(&mut self, v: &[u8]) -> u32 {
        let (h, tag, a, b) = Self::key(v);
        let mut i = h as usize & self.mask;
        loop {
            let s = self.slots[i];
            if s.meta == EMPTY {
                return self.insert(i, v, h, tag, a, b);
            }
            if s.meta & !0xFFFF_FFFF == tag
                && s.a == a
                && s.b == b
                && (tag >> 32 & LONG != LONG || self.values.get(s.meta as u32) == v)
            {
                return s.meta as u32;
            }
            i = (i + 1) & self.mask;
        }
    }

    fn insert(&mut self, slot: usize, v: &[u8], h: u64, tag: u64, a: u64, b: u64) -> u32 {
        // ids stay below u32::MAX: a column has fewer than u32::MAX rows
        let id = self.values.len() as u32;
        self.values.push(v);
        self.hashes.push(h);
        self.slots[slot] = Slot { meta: tag | u64::from(id), a, b };
        if self.values.len() * 5 > self.slots.len() * 3 {
            let size = self.slots.len() * 2;
            let old = std::mem::replace(&mut self.slots, vec![FREE; size]);
            self.mask = size - 1;
            for s in old.into_iter().filter(|s| s.meta != EMPTY) {
                let mut i = self.hashes[s.meta as u32 as usize] as usize & self.mask;
                while self.slots[i].meta != EMPTY {
                    i = (i + 1) & self.mask;
                }
                self.slots[i] = s;
            }
        }
        id
    }
}

/// Row ids and the distinct values they stand for.
#[derive(Debug)]
pub(crate) struct Ids {
    /// One id per row; [`NULL_ID`] for a null.
    pub(crate) ids: Vec<u32>,
    /// The distinct values, in id order.
    pub(crate) values: Distinct,
}

/// Dense ids of `get(0..n)` (`None` is null), in first-seen order, the same for
/// any thread count.
pub(crate) fn dense_ids<'a, F>(n: usize, get: F) -> Ids
where
    F: Fn(usize) -> Option<&'a [u8]> + Sync,
{
    let threads = rayon::current_num_threads().max(1);
    let chunk = n.div_ceil(threads).max(MIN_CHUNK);
    let mut ids = vec![0u32; n];
    let locals: Vec<Distinct> = ids
        .par_chunks_mut(chunk)
        .enumerate()
        .map(|(c, out)| {
            let base = c * chunk;
            let mut t = Table::new();
            for (j, o) in out.iter_mut().enumerate() {
                *o = match get(base + j) {
                    Some(v) => t.id(v),
                    None => NULL_ID,
                };
            }
            t.values
        })
        .collect();
    if locals.len() <= 1 {
        return Ids { ids, values: locals.into_iter().next().unwrap_or_default() };
    }
    let mut global = Table::new();
    let remaps: Vec<Option<Vec<u32>>> = locals
        .iter()
        .map(|vals| {
            let remap: Vec<u32> = (0..vals.len() as u32).map(|i| global.id(vals.get(i))).collect();
            let identity = remap.iter().enumerate().all(|(i, &g)| g as usize == i);
            (!identity).then_some(remap)
        })
        .collect();
    ids.par_chunks_mut(chunk).zip(remaps.par_iter()).for_each(|(out, remap)| {
        if let Some(remap) = remap {
            for id in out.iter_mut().filter(|id| **id != NULL_ID) {
                *id = remap[*id as usize];
            }
        }
    });
    Ids { ids, values: global.values }
}

/// A string column in a form that interns cheaply: plain Utf8, or a dictionary
/// whose values are interned once.
#[derive(Debug, Clone)]
pub(crate) enum StrCol {
    /// A Utf8 array (other string types are cast to it).
    Plain(ArrayRef),
    /// A dictionary: per-row positions into `values` (Utf8; the keys of any
    /// dictionary are taken as Int32, shared when they are), and the rows' nulls
    /// (a null key or a null value).
    Dict { keys: ScalarBuffer<i32>, values: ArrayRef, nulls: Option<NullBuffer> },
}

impl StrCol {
    /// A string column (Utf8, LargeUtf8, Utf8View or a dictionary of those).
    pub(crate) fn new(col: &ArrayRef) -> Result<Self, arrow::error::ArrowError> {
        Ok(match col.data_type() {
            DataType::Utf8 => StrCol::Plain(col.clone()),
            DataType::Dictionary(k, v) => {
                let want = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
                let col = if **k == DataType::Int32 && **v == DataType::Utf8 {
                    col.clone()
                } else {
                    arrow::compute::cast(col, &want)?
                };
                let d = col.as_dictionary::<Int32Type>();
                StrCol::Dict { keys: d.keys().values().clone(), values: d.values().clone(), nulls: d.logical_nulls() }
            }
            _ => StrCol::Plain(arrow::compute::cast(col, &DataType::Utf8)?),
        })
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        match self {
            StrCol::Plain(a) => a.len(),
            StrCol::Dict { keys, .. } => keys.len(),
        }
    }

    /// Row `i`'s value.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        match self {
            StrCol::Plain(a) => {
                let a = a.as_string::<i32>();
                a.is_valid(i).then(|| a.value(i))
            }
            StrCol::Dict { keys, values, nulls } => match nulls {
                Some(n) if n.is_null(i) => None,
                _ => Some(values.as_string::<i32>().value(keys[i] as usize)),
            },
        }
    }

    /// Dense ids of the rows' values (first-seen order for plain columns, dictionary
    /// order for dictionaries) and the distinct values.
    pub(crate) fn ids(&self) -> Ids {
        match self {
            StrCol::Plain(a) => {
                let a: &StringArray = a.as_string::<i32>();
                match a.nulls() {
                    None => dense_ids(a.len(), |i| Some(a.value(i).as_bytes())),
                    Some(n) => dense_ids(a.len(), |i| n.is_valid(i).then(|| a.value(i).as_bytes())),
                }
            }
            StrCol::Dict { keys, values, nulls } => {
                let v = values.as_string::<i32>();
                let distinct = dense_ids(v.len(), |i| v.is_valid(i).then(|| v.value(i).as_bytes()));
                let vid = &distinct.ids;
                // a null slot's key may be anything: look it up only when valid
                let ids: Vec<u32> = match nulls {
                    None => keys.par_iter().map(|&k| vid[k as usize]).collect(),
                    Some(n) => keys
                        .par_iter()
                        .enumerate()
                        .map(|(i, &k)| if n.is_null(i) { NULL_ID } else { vid[k as usize] })
                        .collect(),
                };
                Ids { ids, values: distinct.values }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{DictionaryArray, Int32Array};
    use arrow::datatypes::Int32Type;

    use super::*;

    fn check(col: ArrayRef, expected: (&[Option<&str>], &[&str])) {
        let c = StrCol::new(&col).unwrap();
        let ids = c.ids();
        let vocab = ids.values.into_strings().unwrap();
        let rows: Vec<Option<&str>> =
            ids.ids.iter().map(|&i| (i != NULL_ID).then(|| vocab.value(i as usize))).collect();
        assert_eq!(rows, expected.0);
        assert_eq!(vocab.iter().flatten().collect::<Vec<_>>(), expected.1);
        for (i, want) in expected.0.iter().enumerate() {
            assert_eq!(c.get(i), *want);
        }
    }

    #[test]
    fn plain_and_dictionary() {
        let rows = [Some("b"), None, Some("a"), Some("b"), Some("")];
        check(Arc::new(StringArray::from(rows.to_vec())), (&rows, &["b", "a", ""]));
        let keys = Int32Array::from(vec![Some(0), None, Some(1), Some(2), Some(3)]);
        let values = Arc::new(StringArray::from(vec![Some("b"), Some("a"), Some("b"), Some("")]));
        let dict = DictionaryArray::<Int32Type>::try_new(keys, values).unwrap();
        // duplicate dictionary values share an id
        check(Arc::new(dict), (&rows, &["b", "a", ""]));
        // other key and value types go through Int32 keys and Utf8 values
        let small = DictionaryArray::<arrow::datatypes::Int8Type>::try_new(
            arrow::array::Int8Array::from(vec![Some(0), None, Some(1), Some(0), Some(2)]),
            Arc::new(arrow::array::LargeStringArray::from(vec!["b", "a", ""])),
        )
        .unwrap();
        check(Arc::new(small), (&rows, &["b", "a", ""]));
    }

    #[test]
    fn many_chunks_same_ids_as_one() {
        let n = 5 * MIN_CHUNK + 17;
        let vals: Vec<String> = (0..n).map(|i| format!("user{:07}@corp", (i * 7919) % 100_003)).collect();
        let a = StringArray::from_iter_values(vals.iter());
        let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        let get = |i: usize| Some(a.value(i).as_bytes());
        let many = pool.install(|| dense_ids(n, get));
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| dense_ids(n, get));
        assert_eq!(many.ids, one.ids);
        assert_eq!(many.values.bytes, one.values.bytes);
        for (i, &id) in many.ids.iter().enumerate() {
            assert_eq!(many.values.get(id), vals[i].as_bytes());
        }
    }
}
