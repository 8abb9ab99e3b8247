//! `Probabilities`: the look-up form scoring reads, and msticpy's modellable-parameters heuristic.

use ahash::AHashMap;
use anomseq_core::SessionType;

use crate::tables::{ProbTables, Table, Table2, Vocab, UNK, UNK_KEY};
use crate::trans::Transitions;
use crate::Error;

/// Dense, id-indexed probabilities with the `##UNK##` fallback resolved in
/// advance: what scoring reads.
///
/// Every look-up falls back to `##UNK##` at each level, as msticpy's
/// `StateMatrix` does: an unknown command reads the `##UNK##` row, an unknown
/// next command reads that row's `##UNK##` column; the same for parameters and values.
#[derive(Debug, Clone)]
pub struct Probabilities {
    kind: SessionType,
    vocab: Vocab,
    n: usize,
    prior: Vec<f64>,
    trans: Transitions,
    param_rows: Vec<Vec<(u32, f64)>>,
    /// Position of each parameter in each command's row (`u8::MAX`: absent), when small enough.
    param_pos: Vec<u8>,
    modellable: Vec<bool>,
    value_rows: Vec<Option<ValueRow>>,
}

/// The values of one modelled parameter: each value id's probability, dense
/// when the vocabulary allows, else hashed; `unk` for anything else.
#[derive(Debug, Clone)]
enum ValueRow {
    Dense { probs: Vec<f64>, unk: f64 },
    Hashed { probs: AHashMap<u32, f64>, unk: f64 },
}

fn unk_of<T: Copy>(row: &[(u32, T)], unk: u32) -> Option<T> {
    row.iter().find(|(k, _)| *k == unk).map(|&(_, v)| v)
}

/// Check a two-level table the way msticpy's `StateMatrix` does: it needs a
/// `##UNK##` row and every row needs a `##UNK##` entry. Returns the `##UNK##` row's index.
fn check2(
    table: &Table2<f64>,
    (unk_row, unk_col): (u32, u32),
    name: &'static str,
    rows: &anomseq_core::Interner,
) -> Result<usize, Error> {
    if table.is_empty() {
        return Err(Error::EmptyTable { table: name });
    }
    for (r, row) in table {
        if unk_of(row, unk_col).is_none() {
            return Err(Error::MissingUnk { table: name, row: Some(rows.resolve(*r).to_owned()) });
        }
    }
    table.iter().position(|(r, _)| *r == unk_row).ok_or(Error::MissingUnk { table: name, row: None })
}

impl Probabilities {
    /// Build the look-up form of probability tables.
    ///
    /// Fails, like msticpy's `StateMatrix`, when a table or one of its rows lacks `##UNK##`.
    pub fn new(kind: SessionType, vocab: &Vocab, t: &ProbTables, modellable: &[u32]) -> Result<Self, Error> {
        let prior = Self::dense_prior(vocab, &t.prior)?;
        let trans = Transitions::from_table(&t.trans, &vocab.cmds)?;
        Self::with_parts(kind, vocab, prior, trans, t, modellable)
    }

    /// The prior row, dense (one entry per command).
    fn dense_prior(vocab: &Vocab, prior: &Table<f64>) -> Result<Vec<f64>, Error> {
        if prior.is_empty() {
            return Err(Error::EmptyTable { table: "prior_probs" });
        }
        let prior_unk = unk_of(prior, UNK).ok_or(Error::MissingUnk { table: "prior_probs", row: None })?;
        let mut dense = vec![prior_unk; vocab.cmds.len()];
        for &(k, p) in prior {
            dense[k as usize] = p;
        }
        Ok(dense)
    }

    /// Build from probability tables whose transitions come already in look-up
    /// form (`t.trans` is not read): what a model does, so that no n × n table is ever made.
    pub(crate) fn with_transitions(
        kind: SessionType,
        vocab: &Vocab,
        trans: Transitions,
        t: &ProbTables,
        modellable: &[u32],
    ) -> Result<Self, Error> {
        let prior = Self::dense_prior(vocab, &t.prior)?;
        Self::with_parts(kind, vocab, prior, trans, t, modellable)
    }

    fn with_parts(
        kind: SessionType,
        vocab: &Vocab,
        prior: Vec<f64>,
        trans: Transitions,
        t: &ProbTables,
        modellable: &[u32],
    ) -> Result<Self, Error> {
        let n = vocab.cmds.len();
        let mut param_rows = Vec::new();
        let mut is_modellable = vec![false; vocab.params.len()];
        let mut value_rows = Vec::new();
        if kind.has_params() {
            let unk_row = check2(&t.param_cond_cmd, (UNK, UNK_KEY), "param_cond_cmd_probs", &vocab.cmds)?;
            let mut row_of = vec![unk_row; n];
            for (i, (r, _)) in t.param_cond_cmd.iter().enumerate() {
                row_of[*r as usize] = i;
            }
            param_rows = (0..n).map(|a| t.param_cond_cmd[row_of[a]].1.clone()).collect();
        }
        let np = vocab.params.len();
        let mut param_pos = Vec::new();
        // positions take a byte per (command, parameter): tabulated up to 4 MiB
        if kind.has_params() && n.saturating_mul(np) <= 1 << 22 && param_rows.iter().all(|r| r.len() < 255) {
            param_pos = vec![u8::MAX; n * np];
            for (a, row) in param_rows.iter().enumerate() {
                for (j, &(param, _)) in row.iter().enumerate() {
                    param_pos[a * np + param as usize] = j as u8;
                }
            }
        }
        if kind == SessionType::Values {
            for &p in modellable {
                is_modellable[p as usize] = true;
            }
            let unk_row = check2(&t.value_cond_param, (UNK_KEY, UNK_KEY), "value_cond_param_probs", &vocab.params)?;
            let np = vocab.params.len();
            let mut row_of = vec![unk_row; np];
            for (i, (r, _)) in t.value_cond_param.iter().enumerate() {
                row_of[*r as usize] = i;
            }
            let nv = vocab.values.len();
            let n_modellable = is_modellable.iter().filter(|&&m| m).count();
            // dense rows up to 8 MiB in all; beyond, hashed rows hold only what was seen
            let dense = nv.saturating_mul(n_modellable) <= 1 << 20;
            value_rows = (0..np)
                .map(|p| {
                    is_modellable[p].then(|| {
                        let row = &t.value_cond_param[row_of[p]].1;
                        let unk = unk_of(row, UNK_KEY).expect("checked");
                        if dense {
                            let mut probs = vec![unk; nv];
                            for &(v, x) in row {
                                probs[v as usize] = x;
                            }
                            ValueRow::Dense { probs, unk }
                        } else {
                            ValueRow::Hashed { probs: row.iter().copied().collect(), unk }
                        }
                    })
                })
                .collect();
        }
        Ok(Probabilities {
            kind,
            vocab: vocab.clone(),
            n,
            prior,
            trans,
            param_rows,
            param_pos,
            modellable: is_modellable,
            value_rows,
        })
    }

    /// The session type these probabilities model.
    pub fn session_type(&self) -> SessionType {
        self.kind
    }

    /// The vocabularies.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// Number of command ids (tokens included).
    pub fn n_cmds(&self) -> usize {
        self.n
    }

    /// The id of a command name, `##UNK##` when unknown.
    pub fn cmd_id(&self, name: &str) -> u32 {
        self.vocab.cmds.get(name).unwrap_or(UNK)
    }

    /// The id of a parameter name, if known.
    pub fn param_id(&self, name: &str) -> Option<u32> {
        self.vocab.params.get(name)
    }

    /// The id of a value, if known.
    pub fn value_id(&self, value: &str) -> Option<u32> {
        self.vocab.values.get(value)
    }

    /// Prior probability of a command id.
    #[inline]
    pub fn prior(&self, cmd: u32) -> f64 {
        self.prior[cmd as usize]
    }

    /// Transition probability `prev → next`.
    #[inline]
    pub fn trans(&self, prev: u32, next: u32) -> f64 {
        self.trans.get(prev, next)
    }

    /// Is the transition table held densely (small vocabularies), rather than as
    /// the counted pairs plus a fill value per row?
    pub fn dense_transitions(&self) -> bool {
        self.trans.is_dense()
    }

    /// Bytes of heap the transition probabilities take.
    pub fn transition_bytes(&self) -> usize {
        self.trans.heap_bytes()
    }

    /// Parameter presence probabilities given a command, in the model's order.
    #[inline]
    pub fn param_row(&self, cmd: u32) -> &[(u32, f64)] {
        &self.param_rows[cmd as usize]
    }

    /// Position of `param` in the parameter row of `cmd`: `Some(None)` when absent,
    /// `None` when positions are not tabulated (very large vocabularies).
    #[inline]
    pub fn param_position(&self, cmd: u32, param: u32) -> Option<Option<usize>> {
        if self.param_pos.is_empty() {
            return None;
        }
        let np = self.vocab.params.len();
        let at = self.param_pos[cmd as usize * np + param as usize];
        Some((at != u8::MAX).then_some(at as usize))
    }

    /// Was `value` counted with the modelled parameter `param`? (Otherwise it is
    /// scored as `##UNK##`.) A counted value's smoothed count is at least 2, so its
    /// probability is always above the `##UNK##` one.
    pub fn has_value(&self, param: u32, value: u32) -> bool {
        match &self.value_rows.get(param as usize) {
            Some(Some(ValueRow::Dense { probs, unk })) => probs.get(value as usize).is_some_and(|p| p != unk),
            Some(Some(ValueRow::Hashed { probs, .. })) => probs.contains_key(&value),
            _ => false,
        }
    }

    /// Are the values of this parameter modelled?
    #[inline]
    pub fn is_modellable(&self, param: u32) -> bool {
        self.modellable.get(param as usize).copied().unwrap_or(false)
    }

    /// Probability of a value given a modellable parameter (`None` or an unknown value reads `##UNK##`).
    #[inline]
    pub fn value_prob(&self, param: u32, value: Option<u32>) -> f64 {
        match &self.value_rows[param as usize] {
            Some(ValueRow::Dense { probs, unk }) => value.map_or(*unk, |v| probs[v as usize]),
            Some(ValueRow::Hashed { probs, unk }) => value.and_then(|v| probs.get(&v).copied()).unwrap_or(*unk),
            None => f64::NAN,
        }
    }
}

/// Modellable parameters by msticpy's heuristic (spec §5), from raw counts: at
/// most 20 distinct non-empty values, at least 20 occurrences, and distinct
/// values at most 10 % of occurrences.
pub fn modellable_params(param: &Table<u64>, param_value: &Table2<u64>) -> Vec<u32> {
    let count = |p: u32| param.iter().find(|(k, _)| *k == p).map(|&(_, c)| c).unwrap_or(0);
    param_value
        .iter()
        .filter(|(p, vals)| {
            let d = vals.len() as u64;
            let n = count(*p);
            d <= 20 && n >= 20 && 100 * d <= 10 * n
        })
        .map(|(p, _)| *p)
        .collect()
}
