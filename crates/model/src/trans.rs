//! Laplace-smoothed transition probabilities without the n × n table: raw counts plus the add-one rule.
//!
//! msticpy's smoothing adds one to *every* pair of known commands, so its
//! transition table has a cell for each of the n² pairs. Almost all of them hold
//! the same number — one over the row's smoothed total — so [`Transitions`]
//! stores, per row, only the pairs that were counted (sorted, in compressed
//! rows) and that row's fill value; every other cell is computed on look-up.
//! The numbers are the ones the dense table would hold, bit for bit: each is
//! the same integer ratio (`count / total`), taken once.
//!
//! Memory: 12 bytes per distinct transition seen (a `u32` column and an `f64`
//! probability) and 37 bytes per command (its row: bounds, fill and `##UNK##`
//! values; its row index; whether smoothing counts it).

use anomseq_core::Interner;

use crate::tables::{ratio, Table, Table2, END, START, UNK};
use crate::Error;

/// Vocabularies up to this many commands also get the dense n × n table
/// (at most 8 MiB), the fastest form to look up.
pub(crate) const DENSE_MAX_CMDS: usize = 1024;

/// One smoothed transition row: its counted pairs are `cols[start..end]` / `probs[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Row {
    start: usize,
    end: usize,
    /// Probability of a target command the row never counted: `1 / total` for a smoothed row.
    fill: f64,
    /// Probability of the `##UNK##` column: what any other command reads.
    unk: f64,
}

/// Transition probabilities `prev → next`, as msticpy computes them from
/// Laplace-smoothed counts, with its `##UNK##` fallbacks resolved: an unknown
/// `prev` reads the `##UNK##` row, a `next` that is not in the row reads the
/// row's `##UNK##` column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Transitions {
    /// Per command id, the index of its row in `rows` (the `##UNK##` row when it has none).
    row_of: Vec<u32>,
    rows: Vec<Row>,
    /// Column ids of the counted pairs, sorted within each row.
    cols: Vec<u32>,
    probs: Vec<f64>,
    /// Does smoothing give this column one more count (a known command other than `##START##`)?
    is_target: Vec<bool>,
    /// The full table, row-major, for small vocabularies.
    dense: Option<Vec<f64>>,
}

/// Exact sums are needed for exact ratios: counts are kept below 2^53.
pub(crate) const MAX_TOTAL: u128 = 1 << 53;

impl Transitions {
    /// Smooth raw command counts `seq1` / `seq2` over the commands of `names`
    /// (spec §4) and normalise each row (§5), storing only what was counted.
    ///
    /// Fails where msticpy's `StateMatrix` would (a row without `##UNK##`) and where a
    /// smoothed row total would pass 2^53.
    pub(crate) fn from_counts(seq1: &Table<u64>, seq2: &Table2<u64>, names: &Interner) -> Result<Self, Error> {
        Self::from_counts_with(seq1, seq2, names, DENSE_MAX_CMDS)
    }

    /// [`Transitions::from_counts`], tabulating densely only up to `dense_max` commands.
    pub(crate) fn from_counts_with(
        seq1: &Table<u64>,
        seq2: &Table2<u64>,
        names: &Interner,
        dense_max: usize,
    ) -> Result<Self, Error> {
        let n = names.len().max(3);
        // the commands smoothing knows: those counted, and `##UNK##`
        let mut known = vec![false; n];
        for &(c, _) in seq1 {
            known[c as usize] = true;
        }
        known[UNK as usize] = true;
        let is_target: Vec<bool> = (0..n).map(|b| known[b] && b as u32 != START).collect();
        let n_targets = is_target.iter().filter(|&&t| t).count() as u128;
        let is_source = |a: u32| known[a as usize] && a != END;

        let mut t = Builder::new(n, seq2.iter().map(|(_, r)| r.len()).sum());
        let mut entries: Vec<(u32, u64)> = Vec::new();
        let mut add_row = |t: &mut Builder, a: u32, raw: &[(u32, u64)]| -> Result<(), Error> {
            let smoothed = is_source(a);
            let raw_total: u128 = raw.iter().map(|&(_, c)| u128::from(c)).sum();
            let total = raw_total + if smoothed { n_targets } else { 0 };
            if total > MAX_TOTAL {
                return Err(Error::CountOverflow { table: "seq2_counts", total: total.to_string() });
            }
            let total = total as u64;
            entries.clear();
            // every count is at most the total, so adding one cannot overflow
            entries.extend(raw.iter().map(|&(b, c)| (b, c + u64::from(smoothed && is_target[b as usize]))));
            entries.sort_unstable_by_key(|&(b, _)| b);
            let unk = match entries.binary_search_by_key(&UNK, |&(b, _)| b) {
                Ok(i) => ratio(entries[i].1, total),
                Err(_) if smoothed => ratio(1, total),
                Err(_) => return Err(missing_unk(names, a)),
            };
            let fill = if smoothed { ratio(1, total) } else { unk };
            t.push(a, entries.iter().map(|&(b, c)| (b, ratio(c, total))), fill, unk);
            Ok(())
        };
        for (a, raw) in seq2 {
            add_row(&mut t, *a, raw)?;
        }
        for a in 0..n as u32 {
            if !t.has_row(a) && is_source(a) {
                add_row(&mut t, a, &[])?;
            }
        }
        Ok(t.finish(is_target, dense_max))
    }

    /// Transition probabilities as given (rows in any order, each with a `##UNK##`
    /// entry, and a `##UNK##` row), checked the way msticpy's `StateMatrix` checks them.
    pub(crate) fn from_table(table: &Table2<f64>, names: &Interner) -> Result<Self, Error> {
        if table.is_empty() {
            return Err(Error::EmptyTable { table: "trans_probs" });
        }
        let n = names.len().max(3);
        let mut t = Builder::new(n, table.iter().map(|(_, r)| r.len()).sum());
        let mut entries: Vec<(u32, f64)> = Vec::new();
        for (a, row) in table {
            let Some(&(_, unk)) = row.iter().find(|(b, _)| *b == UNK) else {
                return Err(missing_unk(names, *a));
            };
            entries.clear();
            entries.extend(row.iter().copied());
            // a key given twice: the last one counts, as when filling a dense row
            entries.reverse();
            entries.sort_by_key(|&(b, _)| b);
            entries.dedup_by_key(|&mut (b, _)| b);
            t.push(*a, entries.iter().copied(), unk, unk);
        }
        if !t.has_row(UNK) {
            return Err(Error::MissingUnk { table: "trans_probs", row: None });
        }
        Ok(t.finish(vec![false; n], DENSE_MAX_CMDS))
    }

    /// The probability of `prev → next`.
    #[inline]
    pub(crate) fn get(&self, prev: u32, next: u32) -> f64 {
        match &self.dense {
            Some(d) => d[prev as usize * self.row_of.len() + next as usize],
            None => self.sparse_get(prev, next),
        }
    }

    #[inline]
    fn sparse_get(&self, prev: u32, next: u32) -> f64 {
        let row = &self.rows[self.row_of[prev as usize] as usize];
        let cols = &self.cols[row.start..row.end];
        match cols.binary_search(&next) {
            Ok(i) => self.probs[row.start + i],
            Err(_) if self.is_target.get(next as usize).copied().unwrap_or(false) => row.fill,
            Err(_) => row.unk,
        }
    }

    /// Is the dense n × n table held?
    pub(crate) fn is_dense(&self) -> bool {
        self.dense.is_some()
    }

    /// Bytes held on the heap (the memory model of `docs/performance.md`).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.row_of.len() * 4
            + self.rows.len() * std::mem::size_of::<Row>()
            + self.cols.len() * 4
            + self.probs.len() * 8
            + self.is_target.len()
            + self.dense.as_ref().map_or(0, |d| d.len() * 8)
    }
}

fn missing_unk(names: &Interner, a: u32) -> Error {
    let row = if (a as usize) < names.len() { names.resolve(a).to_owned() } else { format!("#{a}") };
    Error::MissingUnk { table: "trans_probs", row: Some(row) }
}

/// Rows added one at a time, then the `##UNK##` fallback for rowless commands.
struct Builder {
    row_of: Vec<u32>,
    rows: Vec<Row>,
    cols: Vec<u32>,
    probs: Vec<f64>,
    /// The first `##UNK##` row: what a command without a row reads (a table given
    /// twice the `##UNK##` row keeps its last one for `##UNK##` itself, as a dense fill does).
    first_unk: Option<u32>,
}

impl Builder {
    fn new(n: usize, nnz: usize) -> Self {
        Builder {
            row_of: vec![u32::MAX; n],
            rows: Vec::new(),
            cols: Vec::with_capacity(nnz),
            probs: Vec::with_capacity(nnz),
            first_unk: None,
        }
    }

    fn has_row(&self, a: u32) -> bool {
        self.row_of[a as usize] != u32::MAX
    }

    /// Add row `a` (`entries` sorted by column); a row given twice: the last one counts.
    fn push(&mut self, a: u32, entries: impl Iterator<Item = (u32, f64)>, fill: f64, unk: f64) {
        let start = self.cols.len();
        for (b, p) in entries {
            self.cols.push(b);
            self.probs.push(p);
        }
        self.row_of[a as usize] = self.rows.len() as u32;
        if a == UNK && self.first_unk.is_none() {
            self.first_unk = Some(self.rows.len() as u32);
        }
        self.rows.push(Row { start, end: self.cols.len(), fill, unk });
    }

    fn finish(self, is_target: Vec<bool>, dense_max: usize) -> Transitions {
        let Builder { mut row_of, rows, cols, probs, first_unk } = self;
        let unk_row = first_unk.unwrap_or(row_of[UNK as usize]);
        for r in row_of.iter_mut().filter(|r| **r == u32::MAX) {
            *r = unk_row;
        }
        let n = row_of.len();
        let mut t = Transitions { row_of, rows, cols, probs, is_target, dense: None };
        if n <= dense_max {
            let mut dense = Vec::with_capacity(n * n);
            for a in 0..n as u32 {
                dense.extend((0..n as u32).map(|b| t.sparse_get(a, b)));
            }
            t.dense = Some(dense);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use anomseq_core::{Cmd, Sessions};

    use super::Transitions;
    use crate::smooth::{cmds_probs, smooth_cmds};
    use crate::tables::{Table, Table2, Vocab};
    use crate::Counts;

    /// The sparse form (never dense) reads exactly what msticpy's dense smoothed table holds, cell for cell.
    fn check(seq1: &Table<u64>, seq2: &Table2<u64>, names: &anomseq_core::Interner) {
        let n = names.len();
        let (s1, s2) = smooth_cmds(seq1, seq2, n);
        let (_, dense) = cmds_probs(&s1, &s2);
        let want = Transitions::from_table(&dense, names).unwrap();
        assert!(want.is_dense());
        let got = Transitions::from_counts_with(seq1, seq2, names, 0).unwrap();
        assert!(!got.is_dense());
        let small = Transitions::from_counts(seq1, seq2, names).unwrap();
        for a in 0..n as u32 {
            for b in 0..n as u32 {
                let w = want.get(a, b);
                assert_eq!(got.get(a, b).to_bits(), w.to_bits(), "trans[{a}][{b}]");
                assert_eq!(small.get(a, b).to_bits(), w.to_bits(), "dense trans[{a}][{b}]");
            }
        }
        // the sparse form holds what was counted, not n²
        let nnz: usize = seq2.iter().map(|(_, r)| r.len()).sum();
        assert_eq!(got.cols.len(), nnz);
    }

    /// Sessions over `k` commands from a seeded generator.
    fn sessions(seed: u64, k: u64, n: usize) -> Sessions {
        let mut x = seed;
        let mut next = move || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            x >> 33
        };
        let lists: Vec<Vec<Cmd>> =
            (0..n).map(|_| (0..1 + next() % 6).map(|_| Cmd::new(format!("c{}", next() % k))).collect()).collect();
        Sessions::from_cmds(lists).unwrap()
    }

    #[test]
    fn sparse_equals_dense_on_trained_counts() {
        for (seed, k, n) in [(1, 1, 1), (2, 3, 5), (3, 10, 40), (4, 50, 200), (5, 200, 300)] {
            let c = Counts::from_sessions(&sessions(seed, k, n));
            check(&c.raw.seq1, &c.raw.seq2, &c.vocab.cmds);
        }
    }

    #[test]
    fn sparse_equals_dense_on_hand_made_counts() {
        // counts a trained model never has: `##UNK##` counted, an `##END##` row, a
        // row for a command missing from seq1 (with its own `##UNK##`)
        let mut v = Vocab::default();
        let (a, b, c) = (v.cmds.intern("a"), v.cmds.intern("b"), v.cmds.intern("c"));
        let seq1 = vec![(0, 2), (a, 3), (b, 1), (2, 4), (1, 2)];
        let seq2 = vec![
            (0, vec![(a, 2), (2, 1)]),
            (a, vec![(b, 1), (2, 5), (0, 1)]),
            (1, vec![(2, 1)]),
            (c, vec![(2, 3), (a, 1)]),
        ];
        check(&seq1, &seq2, &v.cmds);
    }

    #[test]
    fn a_row_without_unk_is_an_error_naming_it() {
        let mut v = Vocab::default();
        let c = v.cmds.intern("lonely");
        let e = Transitions::from_counts(&vec![(0, 1)], &vec![(c, vec![(1, 1)])], &v.cmds).unwrap_err();
        assert_eq!(e.to_string(), "table `trans_probs` has no `##UNK##` entry in row `lonely`");
    }

    #[test]
    fn a_huge_vocabulary_holds_what_was_seen_not_its_square() {
        // 20k distinct commands: a dense table would take 20k² × 8 bytes = 3.2 GB
        let lists: Vec<Vec<Cmd>> =
            (0..10_000).map(|i| vec![Cmd::new(format!("p{}", 2 * i)), Cmd::new(format!("p{}", 2 * i + 1))]).collect();
        let m = crate::Model::train(&Sessions::from_cmds(lists).unwrap());
        let p = m.probabilities();
        assert_eq!(p.n_cmds(), 20_003);
        assert!(!p.dense_transitions());
        // 30k transitions seen: 12 bytes each, and 37 bytes per command
        assert!(p.transition_bytes() <= 30_000 * 12 + 20_003 * 37, "{} bytes", p.transition_bytes());
        let (a, b) = (p.cmd_id("p0"), p.cmd_id("p1"));
        // row total: 1 counted + 20_002 targets (all but `##START##`); p0 → p1 seen once, p0 → p2 never
        assert_eq!(p.trans(a, b), 2.0 / 20_003.0);
        assert_eq!(p.trans(a, p.cmd_id("p2")), 1.0 / 20_003.0);
    }

    #[test]
    fn a_table_giving_the_unk_row_twice_reads_as_the_dense_fill_did() {
        let mut v = Vocab::default();
        let (a, b) = (v.cmds.intern("a"), v.cmds.intern("b"));
        let table = vec![(2, vec![(2, 0.1)]), (a, vec![(2, 0.2)]), (2, vec![(2, 0.3)])];
        let t = Transitions::from_table(&table, &v.cmds).unwrap();
        // a command without a row reads the first `##UNK##` row; `##UNK##` itself its last
        assert_eq!(t.get(b, a), 0.1);
        assert_eq!(t.get(2, a), 0.3);
        assert_eq!(t.get(a, b), 0.2);
    }
}
