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
    /// Each session's key id.
    pub(crate) keys: Vec<u32>,
    /// `payload[perm[i]]` for each `i`, when a payload was given.
    pub(crate) sorted: Vec<u32>,
}

impl Plan {
    pub(crate) fn n_sessions(&self) -> usize {
        self.bounds.len() - 1
    }

    /// The sessions' values of the user columns from their values per key
    /// ([`per_key`]); the plan's session keys are its last use of them.
    pub(crate) fn user_columns(&mut self, per_key: &[ArrayRef]) -> Result<Vec<ArrayRef>, Error> {
        let idx = UInt32Array::from(std::mem::take(&mut self.keys));
        Ok(per_key.iter().map(|c| arrow::compute::take(c, &idx, None)).collect::<Result<_, _>>()?)
    }
}

/// Each key's value of a user column (`key` holds each row's key id): the value of
/// the key's first row, so that the full column need not be kept for the output.
pub(crate) fn per_key(key: &[u32], n_keys: usize, cols: &[ArrayRef]) -> Result<Vec<ArrayRef>, Error> {
    let mut first = vec![u32::MAX; n_keys];
    let mut left = n_keys;
    for (i, &k) in key.iter().enumerate() {
        let slot = &mut first[k as usize];
        if *slot == u32::MAX {
            *slot = i as u32;
            left -= 1;
            if left == 0 {
                break;
            }
        }
    }
    let rows = UInt32Array::from(first);
    Ok(cols.iter().map(|c| arrow::compute::take(c, &rows, None)).collect::<Result<_, _>>()?)
}

/// What each planned row carries besides its time: its row index (for
/// [`Plan::perm`]) or one value of a payload (for [`Plan::sorted`]).
#[derive(Clone, Copy)]
pub(crate) enum Carry<'a> {
    /// The row indices, into [`Plan::perm`].
    Rows,
    /// One value per row, into [`Plan::sorted`].
    Payload(&'a [u32]),
}

/// Rows below which planning stays on one thread.
pub(crate) const MIN_PART: usize = 1 << 16;

/// One row as the plan sorts it: its time (low and high words), then what it
/// carries ([`Carry`]), side by side, so that after the scatter by key everything
/// is read in order. (Plain words, so the vector of them is allocated zeroed by the
/// OS, not written twice; 12 bytes a row.)
type Entry = [u32; 3];

#[inline(always)]
fn entry(time: i64, carried: u32) -> Entry {
    let t = time as u64;
    [t as u32, (t >> 32) as u32, carried]
}

#[inline(always)]
fn time_of(e: &Entry) -> i64 {
    (u64::from(e[0]) | u64::from(e[1]) << 32) as i64
}

#[inline(always)]
fn carried(e: &Entry) -> u32 {
    e[2]
}

/// Sessions cut from some consecutive keys' rows.
#[derive(Default)]
struct Cuts {
    bounds: Vec<u32>,
    mins: Vec<i64>,
    maxs: Vec<i64>,
    keys: Vec<u32>,
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
        for (j, e) in bucket.iter().enumerate().skip(1) {
            let t = time_of(e);
            // elapsed + gap == t - first: both limits are strict
            if wide(t, prev) > gap || wide(t, first) > max_session {
                self.maxs.push(prev);
                self.bounds.push(base + j as u32);
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
/// A counting sort by key scatters each row's time and what it carries into its
/// key's bucket; the keys are split into one range per thread, each thread
/// scanning the rows in order for its own keys (so the scatter stays stable and
/// every write lands in the thread's own slice), then sorting each bucket by time
/// (a no-op on time-ordered input) and cutting sessions while reading in order.
/// [`Carry::Rows`] fills [`Plan::perm`]; [`Carry::Payload`] (one value per row)
/// fills [`Plan::sorted`] with it in session order.
pub(crate) fn plan(
    key: &[u32],
    n_keys: usize,
    times: &[i64],
    check: &RowCheck,
    opts: &SessionizeOptions,
    carry: Carry<'_>,
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
    let mut entries: Vec<Entry> = vec![[0; 3]; total];
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
                    part[*at as usize] = entry(
                        times[i],
                        match carry {
                            Carry::Rows => i as u32,
                            Carry::Payload(p) => p[i],
                        },
                    );
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
    for c in cuts {
        bounds.extend(c.bounds);
        mins.extend(c.mins);
        maxs.extend(c.maxs);
        keys.extend(c.keys);
    }
    bounds.push(total as u32);
    let values: Vec<u32> = entries.par_iter().map(carried).collect();
    drop(entries);
    let (perm, sorted) = match carry {
        Carry::Rows => (values, Vec::new()),
        Carry::Payload(_) => (Vec::new(), values),
    };
    Plan { perm, bounds, mins, maxs, keys, sorted }
}

/// `a - b` without overflow.
#[inline]
pub(crate) fn wide(a: i64, b: i64) -> i128 {
    i128::from(a) - i128::from(b)
}
