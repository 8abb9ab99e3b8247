//! Raw counts, the model's only trained state: counted in parallel, merged exactly, serialised by name.

use ahash::AHashMap;
use anomseq_core::{Interner, SessionType, Sessions};
use serde::{Deserialize, Serialize};

use crate::tables::{ids, ids2, named, named2, CountTables, StrTable, StrTable2, Table, Table2, Vocab, END, START};
use crate::Error;

const NONE: u32 = u32::MAX;
/// Pair counters use a dense array up to this many cells, a hash map beyond.
const DENSE_CELLS: usize = 1 << 20;

/// Raw (unsmoothed) counts of a set of sessions: the trained state of a model.
///
/// Counts are sums, so [`Counts::merge`] of counts trained on disjoint shards
/// equals the counts trained on their union (shards taken in order: every
/// table keeps first-seen order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub(crate) session_type: SessionType,
    pub(crate) n_sessions: u64,
    pub(crate) vocab: Vocab,
    pub(crate) raw: CountTables,
}

/// A 2-d counter that remembers the first-seen order of rows, of each row's
/// keys, and of keys overall (columns).
struct PairTally {
    cols: usize,
    dense: Vec<u64>,
    sparse: AHashMap<u64, u64>,
    rows: Vec<Vec<u32>>,
    row_order: Vec<u32>,
    col_seen: Vec<bool>,
    col_order: Vec<u32>,
}

impl PairTally {
    fn new(rows: usize, cols: usize) -> Self {
        let dense = if rows.saturating_mul(cols) <= DENSE_CELLS { vec![0; rows * cols] } else { Vec::new() };
        PairTally {
            cols,
            dense,
            sparse: AHashMap::new(),
            rows: vec![Vec::new(); rows],
            row_order: Vec::new(),
            col_seen: vec![false; if rows == 0 { 0 } else { cols }],
            col_order: Vec::new(),
        }
    }

    #[inline]
    fn add(&mut self, a: u32, b: u32, by: u64) {
        let slot = if self.dense.is_empty() {
            self.sparse.entry(((a as u64) << 32) | b as u64).or_insert(0)
        } else {
            &mut self.dense[a as usize * self.cols + b as usize]
        };
        let new = *slot == 0;
        *slot += by;
        if new {
            self.first(a, b);
        }
    }

    /// The first (a, b): a key's first sight overall is necessarily its first pair.
    #[cold]
    fn first(&mut self, a: u32, b: u32) {
        let row = &mut self.rows[a as usize];
        if row.is_empty() {
            self.row_order.push(a);
        }
        row.push(b);
        if !std::mem::replace(&mut self.col_seen[b as usize], true) {
            self.col_order.push(b);
        }
    }

    fn get(&self, a: u32, b: u32) -> u64 {
        if self.dense.is_empty() {
            self.sparse[&(((a as u64) << 32) | b as u64)]
        } else {
            self.dense[a as usize * self.cols + b as usize]
        }
    }

    /// Add `other`'s counts, as if counted after ours.
    fn absorb(&mut self, other: &PairTally) {
        for &a in &other.row_order {
            for &b in &other.rows[a as usize] {
                self.add(a, b, other.get(a, b));
            }
        }
    }

    /// Column totals, in first-seen order of the columns.
    fn col_table(&self, map: &[u32]) -> Table<u64> {
        let mut totals = vec![0u64; self.col_seen.len()];
        for &a in &self.row_order {
            for &b in &self.rows[a as usize] {
                totals[b as usize] += self.get(a, b);
            }
        }
        self.col_order.iter().map(|&b| (map[b as usize], totals[b as usize])).collect()
    }

    fn table2(&self, rows: &[u32], cols: &[u32]) -> Table2<u64> {
        self.row_order
            .iter()
            .map(|&a| {
                (rows[a as usize], self.rows[a as usize].iter().map(|&b| (cols[b as usize], self.get(a, b))).collect())
            })
            .collect()
    }
}

/// Counts of a run of sessions, keyed by the data set's own ids: command `c`
/// is `c + 3` (after the tokens), parameter `p` is `p + 1` and value `v` is
/// `v + 1` (after `##UNK##`). Single counts are column totals of the pair
/// counts (every event has a predecessor, every parameter a command, every
/// value a parameter), so the hot loop only counts pairs.
struct Partial {
    n_sessions: u64,
    seq2: PairTally,
    cmd_param: PairTally,
    param_value: PairTally,
}

impl Partial {
    fn count(sessions: &Sessions, range: std::ops::Range<usize>) -> Partial {
        let kind = sessions.session_type();
        let n_cmds = sessions.names().len() + 3;
        let n_params = sessions.params().len() + 1;
        let n_values = sessions.values().len() + 1;
        let empty_value = sessions.values().get("");
        let mut p = Partial {
            n_sessions: range.len() as u64,
            seq2: PairTally::new(n_cmds, n_cmds),
            cmd_param: PairTally::new(if kind.has_params() { n_cmds } else { 0 }, n_params),
            param_value: PairTally::new(if kind == SessionType::Values { n_params } else { 0 }, n_values),
        };
        let cmds = sessions.all_cmds();
        let (offsets, param_ids, value_ids) = sessions.param_columns();
        for s in range {
            let mut prev = START;
            let events = sessions.session_range(s);
            if kind == SessionType::Commands {
                for &c in &cmds[events] {
                    let c = c + 3;
                    p.seq2.add(prev, c, 1);
                    prev = c;
                }
            } else {
                for e in events {
                    let c = cmds[e] + 3;
                    p.seq2.add(prev, c, 1);
                    prev = c;
                    let r = offsets[e]..offsets[e + 1];
                    for &param in &param_ids[r.clone()] {
                        p.cmd_param.add(c, param + 1, 1);
                    }
                    if kind == SessionType::Values {
                        for (&param, &v) in param_ids[r.clone()].iter().zip(&value_ids[r]) {
                            if Some(v) != empty_value {
                                p.param_value.add(param + 1, v + 1, 1);
                            }
                        }
                    }
                }
            }
            p.seq2.add(prev, END, 1);
        }
        p
    }

    fn absorb(&mut self, other: &Partial) {
        self.n_sessions += other.n_sessions;
        self.seq2.absorb(&other.seq2);
        self.cmd_param.absorb(&other.cmd_param);
        self.param_value.absorb(&other.param_value);
    }
}

impl Counts {
    /// Count a data set (msticpy's `compute_counts`, spec §3), in parallel over
    /// runs of sessions; the result does not depend on the number of threads.
    pub fn from_sessions(sessions: &Sessions) -> Counts {
        use rayon::prelude::*;
        let n = sessions.len();
        let chunks = if n < 8192 { 1 } else { rayon::current_num_threads().clamp(1, n / 4096) };
        let bounds: Vec<usize> = (0..=chunks).map(|i| i * n / chunks).collect();
        let mut parts: Vec<Partial> =
            (0..chunks).into_par_iter().map(|i| Partial::count(sessions, bounds[i]..bounds[i + 1])).collect();
        let mut all = parts.remove(0);
        for p in &parts {
            all.absorb(p);
        }

        // model ids: tokens, then commands (parameters, values) in first-seen order
        let mut vocab = Vocab::default();
        let mut cmap: Vec<u32> = vec![NONE; sessions.names().len() + 3];
        cmap[..3].copy_from_slice(&[0, 1, 2]);
        for &c in &all.seq2.col_order {
            if c >= 3 {
                cmap[c as usize] = vocab.cmds.intern(sessions.names().resolve(c - 3));
            }
        }
        let mut pmap: Vec<u32> = vec![NONE; sessions.params().len() + 1];
        for &p in &all.cmd_param.col_order {
            pmap[p as usize] = vocab.params.intern(sessions.params().resolve(p - 1));
        }
        let mut vmap: Vec<u32> = vec![NONE; sessions.values().len() + 1];
        for &v in &all.param_value.col_order {
            vmap[v as usize] = vocab.values.intern(sessions.values().resolve(v - 1));
        }
        // `##START##` opens every session, ahead of all it leads to
        let mut seq1 = if all.n_sessions > 0 { vec![(START, all.n_sessions)] } else { Vec::new() };
        seq1.extend(all.seq2.col_table(&cmap));
        Counts {
            session_type: sessions.session_type(),
            n_sessions: n as u64,
            vocab,
            raw: CountTables {
                seq1,
                seq2: all.seq2.table2(&cmap, &cmap),
                param: all.cmd_param.col_table(&pmap),
                cmd_param: all.cmd_param.table2(&cmap, &pmap),
                value: all.param_value.col_table(&vmap),
                param_value: all.param_value.table2(&pmap, &vmap),
            },
        }
    }

    /// Counts given as string-keyed tables (in insertion order), e.g. from msticpy.
    #[allow(clippy::too_many_arguments)]
    pub fn from_str_tables(
        session_type: SessionType,
        n_sessions: u64,
        seq1: &[(String, u64)],
        seq2: &[(String, StrTable<u64>)],
        param: &[(String, u64)],
        cmd_param: &[(String, StrTable<u64>)],
        value: &[(String, u64)],
        param_value: &[(String, StrTable<u64>)],
    ) -> Counts {
        let mut v = Vocab::default();
        let same_vocab = |t: &[(String, StrTable<u64>)], keys: &mut Interner| -> Table2<u64> {
            t.iter().map(|(r, row)| (keys.intern(r), ids(row, keys))).collect()
        };
        let seq1 = ids(seq1, &mut v.cmds);
        let seq2 = same_vocab(seq2, &mut v.cmds);
        let param = ids(param, &mut v.params);
        let cmd_param = cmd_param.iter().map(|(r, row)| (v.cmds.intern(r), ids(row, &mut v.params))).collect();
        let value = ids(value, &mut v.values);
        let param_value = ids2(param_value, &mut v.params, &mut v.values);
        let raw = CountTables { seq1, seq2, param, cmd_param, value, param_value };
        Counts { session_type, n_sessions, vocab: v, raw }
    }

    /// The session type the counts were made from.
    pub fn session_type(&self) -> SessionType {
        self.session_type
    }

    /// Number of sessions counted.
    pub fn n_sessions(&self) -> u64 {
        self.n_sessions
    }

    /// The vocabularies (commands, parameters, values).
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// The raw counts, keyed by ids of [`Counts::vocab`].
    pub fn tables(&self) -> &CountTables {
        &self.raw
    }

    /// Raw single-command counts by name.
    pub fn seq1(&self) -> StrTable<u64> {
        named(&self.raw.seq1, &self.vocab.cmds)
    }

    /// Raw transition counts by name.
    pub fn seq2(&self) -> StrTable2<u64> {
        named2(&self.raw.seq2, &self.vocab.cmds, &self.vocab.cmds)
    }

    /// Raw parameter counts by name.
    pub fn param(&self) -> StrTable<u64> {
        named(&self.raw.param, &self.vocab.params)
    }

    /// Raw parameter-given-command counts by name.
    pub fn cmd_param(&self) -> StrTable2<u64> {
        named2(&self.raw.cmd_param, &self.vocab.cmds, &self.vocab.params)
    }

    /// Raw value counts by value.
    pub fn value(&self) -> StrTable<u64> {
        named(&self.raw.value, &self.vocab.values)
    }

    /// Raw value-given-parameter counts by name.
    pub fn param_value(&self) -> StrTable2<u64> {
        named2(&self.raw.param_value, &self.vocab.params, &self.vocab.values)
    }

    /// Add `other`'s counts to these, as if its sessions had been counted after ours.
    ///
    /// Every sum is checked: a count that would pass `u64::MAX` is an error
    /// ([`Error::CountOverflow`], naming the table) and leaves `self` unchanged.
    pub fn merge(&mut self, other: &Counts) -> Result<(), Error> {
        if self.session_type != other.session_type {
            return Err(Error::TypeMismatch { left: self.session_type, right: other.session_type });
        }
        let mut out = self.clone();
        out.merge_into(other)?;
        *self = out;
        Ok(())
    }

    fn merge_into(&mut self, other: &Counts) -> Result<(), Error> {
        let n_sessions = self.n_sessions.checked_add(other.n_sessions).ok_or_else(|| Error::CountOverflow {
            table: "n_sessions",
            total: (u128::from(self.n_sessions) + u128::from(other.n_sessions)).to_string(),
        })?;
        let cmap: Vec<u32> = other.vocab.cmds.iter().map(|s| self.vocab.cmds.intern(s)).collect();
        let pmap: Vec<u32> = other.vocab.params.iter().map(|s| self.vocab.params.intern(s)).collect();
        let vmap: Vec<u32> = other.vocab.values.iter().map(|s| self.vocab.values.intern(s)).collect();
        let (nc, np, nv) = (self.vocab.cmds.len(), self.vocab.params.len(), self.vocab.values.len());
        let mut pos = Positions::new(nc.max(np).max(nv));
        pos.merge(&mut self.raw.seq1, &other.raw.seq1, &cmap, "seq1_counts")?;
        pos.merge2(&mut self.raw.seq2, &other.raw.seq2, &cmap, &cmap, "seq2_counts")?;
        pos.merge(&mut self.raw.param, &other.raw.param, &pmap, "param_counts")?;
        pos.merge2(&mut self.raw.cmd_param, &other.raw.cmd_param, &cmap, &pmap, "cmd_param_counts")?;
        pos.merge(&mut self.raw.value, &other.raw.value, &vmap, "value_counts")?;
        pos.merge2(&mut self.raw.param_value, &other.raw.param_value, &pmap, &vmap, "param_value_counts")?;
        self.n_sessions = n_sessions;
        Ok(())
    }

    /// Check that every total that smoothing and normalising take stays at most
    /// 2^53, so that each `count / total` is exact (a trained model is always
    /// far below; a corrupt or hostile model file may not be). The totals are
    /// computed exactly, as smoothing would make them, in 128 bits.
    pub(crate) fn check_magnitudes(&self) -> Result<(), Error> {
        use crate::tables::{UNK, UNK_KEY};
        const MAX: u128 = crate::trans::MAX_TOTAL;
        let r = &self.raw;
        let sum = |t: &Table<u64>| t.iter().map(|&(_, c)| u128::from(c)).sum::<u128>();
        let check = |table: &'static str, total: u128| {
            if total > MAX {
                Err(Error::CountOverflow { table, total: total.to_string() })
            } else {
                Ok(())
            }
        };
        // the row keys smoothing visits: a table's keys, and `##UNK##`
        let keys = |t: &Table<u64>, unk: u32| {
            let mut k: Vec<u32> = t.iter().map(|&(k, _)| k).collect();
            if !k.contains(&unk) {
                k.push(unk);
            }
            k
        };
        // one more per key of each visited row, and one for `##UNK##` where the row lacks it
        let keyed = |rows: &[u32], pairs: &Table2<u64>, pair: &'static str| {
            let mut at: AHashMap<u32, &Table<u64>> = pairs.iter().map(|(r, row)| (*r, row)).collect();
            let mut added = 0u128;
            for k in rows {
                let row = at.remove(k).map(Vec::as_slice).unwrap_or(&[]);
                let grow = row.len() as u128 + u128::from(!row.iter().any(|&(c, _)| c == UNK_KEY));
                added += grow;
                check(pair, row.iter().map(|&(_, c)| u128::from(c)).sum::<u128>() + grow)?;
            }
            for row in at.values() {
                check(pair, sum(row))?;
            }
            Ok::<u128, Error>(added)
        };
        let cmds = keys(&r.seq1, UNK);
        let targets = cmds.iter().filter(|&&c| c != START).count() as u128;
        let sources = cmds.iter().filter(|&&c| c != END).count() as u128;
        check("seq1_counts", sum(&r.seq1) + 2 * targets * sources)?;
        for (_, row) in &r.seq2 {
            check("seq2_counts", sum(row) + targets)?;
        }
        let added = keyed(&cmds, &r.cmd_param, "cmd_param_counts")?;
        check("param_counts", sum(&r.param) + added)?;
        let params = keys(&r.param, UNK_KEY);
        let added = keyed(&params, &r.param_value, "param_value_counts")?;
        check("value_counts", sum(&r.value) + added)?;
        Ok(())
    }

    /// Check that every id is in range and every count positive (for loaded counts).
    pub(crate) fn validate(&self) -> Result<(), Error> {
        let bad = |what: &str| Err(Error::InvalidCounts(what.to_owned()));
        let (nc, np, nv) = (self.vocab.cmds.len(), self.vocab.params.len(), self.vocab.values.len());
        // the first entry that is out of range or zero: "`table`: what"
        let t1 = |t: &Table<u64>, n: usize, name: &str| -> Result<(), Error> {
            match t.iter().find(|&&(k, c)| k as usize >= n || c == 0) {
                Some(&(k, 0)) => bad(&format!("`{name}`: id {k} has a count of 0")),
                Some(&(k, _)) => bad(&format!("`{name}`: id {k} is out of range (the vocabulary has {n})")),
                None => Ok(()),
            }
        };
        let t2 = |t: &Table2<u64>, n: usize, m: usize, name: &str| -> Result<(), Error> {
            for (r, row) in t {
                if *r as usize >= n {
                    return bad(&format!("`{name}`: row id {r} is out of range (the vocabulary has {n})"));
                }
                t1(row, m, name)?;
            }
            Ok(())
        };
        t1(&self.raw.seq1, nc, "seq1_counts")?;
        t2(&self.raw.seq2, nc, nc, "seq2_counts")?;
        t1(&self.raw.param, np, "param_counts")?;
        t2(&self.raw.cmd_param, nc, np, "cmd_param_counts")?;
        t1(&self.raw.value, nv, "value_counts")?;
        t2(&self.raw.param_value, np, nv, "param_value_counts")?;
        // every session opens with `##START##`
        let starts = self.raw.seq1.iter().find(|&&(k, _)| k == START).map_or(0, |&(_, c)| c);
        if starts != self.n_sessions {
            return bad(&format!(
                "`n_sessions` is {} but `seq1_counts` counts {starts} `##START##` (one per session)",
                self.n_sessions
            ));
        }
        if self.session_type == SessionType::Commands && !(self.raw.param.is_empty() && self.raw.value.is_empty()) {
            return bad("a commands model holds parameter counts");
        }
        if self.session_type == SessionType::Params && !self.raw.value.is_empty() {
            return bad("a params model holds value counts");
        }
        let mut seen = vec![false; nc.max(np).max(nv)];
        let unique = |t: &Table<u64>, seen: &mut Vec<bool>| {
            let ok = t.iter().all(|&(k, _)| !std::mem::replace(&mut seen[k as usize], true));
            t.iter().for_each(|&(k, _)| seen[k as usize] = false);
            ok
        };
        let all_unique = unique(&self.raw.seq1, &mut seen)
            && unique(&self.raw.param, &mut seen)
            && unique(&self.raw.value, &mut seen)
            && [&self.raw.seq2, &self.raw.cmd_param, &self.raw.param_value].iter().all(|t| {
                let rows: Table<u64> = t.iter().map(|(r, _)| (*r, 1)).collect();
                unique(&rows, &mut seen) && t.iter().all(|(_, row)| unique(row, &mut seen))
            });
        if !all_unique {
            return bad("a key appears twice in one table");
        }
        Ok(())
    }
}

/// Scratch positions for merging tables keyed by dense ids.
struct Positions {
    pos: Vec<u32>,
}

impl Positions {
    fn new(n: usize) -> Self {
        Positions { pos: vec![NONE; n] }
    }

    fn merge(&mut self, dst: &mut Table<u64>, src: &Table<u64>, map: &[u32], table: &'static str) -> Result<(), Error> {
        for (i, &(k, _)) in dst.iter().enumerate() {
            self.pos[k as usize] = i as u32;
        }
        let mut result = Ok(());
        for &(k, c) in src {
            let k = map[k as usize];
            match self.pos[k as usize] {
                NONE => {
                    self.pos[k as usize] = dst.len() as u32;
                    dst.push((k, c));
                }
                at => match dst[at as usize].1.checked_add(c) {
                    Some(sum) => dst[at as usize].1 = sum,
                    None => {
                        let total = u128::from(dst[at as usize].1) + u128::from(c);
                        result = Err(Error::CountOverflow { table, total: total.to_string() });
                        break;
                    }
                },
            }
        }
        for &(k, _) in dst.iter() {
            self.pos[k as usize] = NONE;
        }
        result
    }

    fn merge2(
        &mut self,
        dst: &mut Table2<u64>,
        src: &Table2<u64>,
        rows: &[u32],
        cols: &[u32],
        table: &'static str,
    ) -> Result<(), Error> {
        let mut row_pos: AHashMap<u32, usize> = dst.iter().enumerate().map(|(i, (r, _))| (*r, i)).collect();
        for (r, row) in src {
            let r = rows[*r as usize];
            let at = *row_pos.entry(r).or_insert_with(|| {
                dst.push((r, Vec::new()));
                dst.len() - 1
            });
            self.merge(&mut dst[at].1, row, cols, table)?;
        }
        Ok(())
    }
}

/// The serialised form of [`Counts`]: vocabularies by name, tables by id.
#[derive(Deserialize)]
pub(crate) struct CountsRepr {
    session_type: SessionType,
    n_sessions: u64,
    /// Command names after the three tokens (ids 3, 4, ...).
    cmds: Vec<String>,
    /// Parameter names after `##UNK##` (ids 1, 2, ...).
    params: Vec<String>,
    /// Values after `##UNK##` (ids 1, 2, ...).
    values: Vec<String>,
    counts: CountTables,
}

impl TryFrom<CountsRepr> for Counts {
    type Error = Error;

    fn try_from(r: CountsRepr) -> Result<Self, Error> {
        let mut vocab = Vocab::default();
        for (interner, names, skip) in
            [(&mut vocab.cmds, &r.cmds, 3), (&mut vocab.params, &r.params, 1), (&mut vocab.values, &r.values, 1)]
        {
            for (i, n) in names.iter().enumerate() {
                if interner.intern(n) as usize != i + skip {
                    return Err(Error::InvalidCounts(format!("name `{n}` appears twice or is a token")));
                }
            }
        }
        let c = Counts { session_type: r.session_type, n_sessions: r.n_sessions, vocab, raw: r.counts };
        c.validate()?;
        Ok(c)
    }
}

/// [`CountsRepr`] borrowed from the counts: what is written, without a copy of the tables.
#[derive(Serialize)]
struct CountsView<'a> {
    session_type: SessionType,
    n_sessions: u64,
    cmds: Vec<&'a str>,
    params: Vec<&'a str>,
    values: Vec<&'a str>,
    counts: &'a CountTables,
}

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        CountsView {
            session_type: self.session_type,
            n_sessions: self.n_sessions,
            cmds: self.vocab.cmds.iter().skip(3).collect(),
            params: self.vocab.params.iter().skip(1).collect(),
            values: self.vocab.values.iter().skip(1).collect(),
            counts: &self.raw,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Counts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = CountsRepr::deserialize(deserializer)?;
        Counts::try_from(repr).map_err(serde::de::Error::custom)
    }
}
