//! The plan of a sessionize run: rows sorted by (user key, time) and cut into sessions by the length and gap limits.

use arrow::array::{ArrayRef, UInt32Array};
use rayon::prelude::*;

use crate::bad_rows::RowCheck;
use crate::{Error, SessionizeOptions};

/// The rows of the input sorted and cut into sessions.
pub(crate) struct Plan {
    /// Row indices in (key, time) order, bad rows left out (empty unless asked for).
    pub(crate) perm: Vec<u32>,
    /// Session `s` holds `perm[bounds[s]..bounds[s + 1]]`.
    pub(crate) bounds: Vec<u32>,
    /// Each session's first and last event time.
    pub(crate) mins: Vec<i64>,
    pub(crate) maxs: Vec<i64>,
    /// Each session's key id and first row.
    pub(crate) keys: Vec<u32>,
    pub(crate) first_rows: Vec<u32>,
    /// `payload[perm[i]]` for each `i`, when a payload was given.
    pub(crate) sorted: Vec<u32>,
}

impl Plan {
    pub(crate) fn n_sessions(&self) -> usize {
        self.bounds.len() - 1
    }

    /// The sessions' values of a user column, in session order: each distinct key
    /// is looked up once, then spread to its sessions from a small array.
    pub(crate) fn user_column(&self, col: &ArrayRef, n_keys: usize) -> Result<ArrayRef, Error> {
        // the first row of each key that has sessions, and each key's place among them
        let mut place = vec![u32::MAX; n_keys];
        let mut rows = Vec::new();
        for (&k, &r) in self.keys.iter().zip(&self.first_rows) {
            let slot = &mut place[k as usize];
            if *slot == u32::MAX {
                *slot = rows.len() as u32;
                rows.push(r);
            }
        }
        let per_key = arrow::compute::take(col, &UInt32Array::from(rows), None)?;
        let idx = UInt32Array::from_iter_values(self.keys.iter().map(|&k| place[k as usize]));
        Ok(arrow::compute::take(&per_key, &idx, None)?)
    }
}

/// Rows below which planning stays on one thread.
pub(crate) const MIN_PART: usize = 1 << 16;

/// One row as the plan sorts it: its time, then its index and payload, side by
/// side, so that after the scatter by key everything is read in order. (Plain
/// words, so the vector of them is allocated zeroed by the OS, not written twice.)
type Entry = [u64; 2];

#[inline(always)]
fn entry(time: i64, row: u32, payload: u32) -> Entry {
    [time as u64, u64::from(row) | u64::from(payload) << 32]
}

#[inline(always)]
fn time_of(e: &Entry) -> i64 {
    e[0] as i64
}

#[inline(always)]
fn row_of(e: &Entry) -> u32 {
    e[1] as u32
}

#[inline(always)]
fn payload_of(e: &Entry) -> u32 {
    (e[1] >> 32) as u32
}

/// Sessions cut from some consecutive keys' rows.
#[derive(Default)]
struct Cuts {
    bounds: Vec<u32>,
    mins: Vec<i64>,
    maxs: Vec<i64>,
    keys: Vec<u32>,
    first_rows: Vec<u32>,
}

impl Cuts {
    /// Sort one key's rows by time (stably; nothing to do when already in order)
    /// and cut them into sessions. `base` is the bucket's position in the permutation.
    fn key(&mut self, k: u32, bucket: &mut [Entry], base: u32, gap: i128, max_session: i128) {
        if !bucket.windows(2).all(|w| time_of(&w[0]) <= time_of(&w[1])) {
            bucket.sort_by_key(time_of);
        }
        let mut first = time_of(&bucket[0]);
        let mut prev = first;
        self.bounds.push(base);
        self.mins.push(first);
        self.first_rows.push(row_of(&bucket[0]));
        for (j, e) in bucket.iter().enumerate().skip(1) {
            let t = time_of(e);
            // elapsed + gap == t - first: both limits are strict
            if wide(t, prev) > gap || wide(t, first) > max_session {
                self.maxs.push(prev);
                self.bounds.push(base + j as u32);
                self.first_rows.push(row_of(e));
                self.mins.push(t);
                first = t;
            }
            prev = t;
        }
        self.maxs.push(prev);
        self.keys.resize(self.bounds.len(), k);
    }
}

/// Sort rows by (key id, time) stably and cut them into sessions.
///
/// A counting sort by key scatters each row's (time, index, payload) into its
/// key's bucket; the keys are split into one range per thread, each thread
/// scanning the rows in order for its own keys (so the scatter stays stable and
/// every write lands in the thread's own slice), then sorting each bucket by time
/// (a no-op on time-ordered input) and cutting sessions while reading in order.
/// With a `payload` (one value per row), [`Plan::sorted`] holds it in session
/// order; [`Plan::perm`] is filled only with `need_perm`.
pub(crate) fn plan(
    key: &[u32],
    n_keys: usize,
    times: &[i64],
    check: &RowCheck,
    opts: &SessionizeOptions,
    payload: Option<&[u32]>,
    need_perm: bool,
) -> Plan {
    let skip = check.any_bad();
    let keep = |i: usize| !(skip && check.is_bad(i));
    let mut starts = vec![0u32; n_keys + 1];
    for (i, &k) in key.iter().enumerate() {
        if keep(i) {
            starts[k as usize + 1] += 1;
        }
    }
    for k in 0..n_keys {
        starts[k + 1] += starts[k];
    }
    let total = starts[n_keys] as usize;

    // one range of keys per thread, of similar row counts
    let threads = rayon::current_num_threads().max(1).min(total.div_ceil(MIN_PART)).max(1);
    let mut ranges = Vec::with_capacity(threads);
    let mut k0 = 0;
    for part in 1..=threads {
        let goal = (total * part / threads) as u32;
        let mut k1 = k0;
        while k1 < n_keys && (starts[k1 + 1] <= goal || k1 == k0) {
            k1 += 1;
        }
        if part == threads {
            k1 = n_keys;
        }
        if k1 > k0 {
            ranges.push((k0, k1));
        }
        k0 = k1;
    }
    let mut entries: Vec<Entry> = vec![[0; 2]; total];
    let mut slices: Vec<(usize, usize, &mut [Entry])> = Vec::with_capacity(ranges.len());
    let mut rest: &mut [Entry] = &mut entries;
    for &(k0, k1) in &ranges {
        let (part, tail) = rest.split_at_mut((starts[k1] - starts[k0]) as usize);
        slices.push((k0, k1, part));
        rest = tail;
    }
    let gap = i128::from(opts.max_gap.as_nanos());
    let max_session = i128::from(opts.max_session.as_nanos());
    let cuts: Vec<Cuts> = slices
        .into_par_iter()
        .map(|(k0, k1, part)| {
            let offset = starts[k0];
            let mut next: Vec<u32> = starts[k0..k1].iter().map(|&s| s - offset).collect();
            let (lo, hi) = (k0 as u32, k1 as u32);
            for (i, &k) in key.iter().enumerate() {
                if k >= lo && k < hi && keep(i) {
                    let at = &mut next[(k - lo) as usize];
                    part[*at as usize] = entry(times[i], i as u32, payload.map_or(0, |p| p[i]));
                    *at += 1;
                }
            }
            let mut cuts = Cuts::default();
            for k in k0..k1 {
                let (a, b) = (starts[k], starts[k + 1]);
                if a < b {
                    cuts.key(k as u32, &mut part[(a - offset) as usize..(b - offset) as usize], a, gap, max_session);
                }
            }
            cuts
        })
        .collect();
    let ns: usize = cuts.iter().map(|c| c.bounds.len()).sum();
    let mut bounds = Vec::with_capacity(ns + 1);
    let mut mins = Vec::with_capacity(ns);
    let mut maxs = Vec::with_capacity(ns);
    let mut keys = Vec::with_capacity(ns);
    let mut first_rows = Vec::with_capacity(ns);
    for c in cuts {
        bounds.extend(c.bounds);
        mins.extend(c.mins);
        maxs.extend(c.maxs);
        keys.extend(c.keys);
        first_rows.extend(c.first_rows);
    }
    bounds.push(total as u32);
    let (perm, sorted) = rayon::join(
        || if need_perm { entries.par_iter().map(row_of).collect() } else { Vec::new() },
        || if payload.is_some() { entries.par_iter().map(payload_of).collect() } else { Vec::new() },
    );
    Plan { perm, bounds, mins, maxs, keys, first_rows, sorted }
}

/// `a - b` without overflow.
#[inline]
pub(crate) fn wide(a: i64, b: i64) -> i128 {
    i128::from(a) - i128::from(b)
}
