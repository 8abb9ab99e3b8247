//! Id-keyed tables in insertion order, vocabularies and the token ids.

use anomseq_core::{Interner, END_TOKEN, START_TOKEN, UNK_TOKEN};
use serde::{Deserialize, Serialize};

/// Id of `##START##` among command ids.
pub const START: u32 = 0;
/// Id of `##END##` among command ids.
pub const END: u32 = 1;
/// Id of `##UNK##` among command ids.
pub const UNK: u32 = 2;
/// Id of `##UNK##` among parameter ids and among value ids.
pub const UNK_KEY: u32 = 0;

/// An ordered one-level table: `(key id, value)` in insertion order.
pub type Table<T> = Vec<(u32, T)>;
/// An ordered two-level table: `(row id, row)` in insertion order.
pub type Table2<T> = Vec<(u32, Table<T>)>;
/// A one-level table keyed by strings, in insertion order.
pub type StrTable<T> = Vec<(String, T)>;
/// A two-level table keyed by strings, in insertion order.
pub type StrTable2<T> = Vec<(String, StrTable<T>)>;

/// The three vocabularies of a model: commands (tokens at ids 0, 1, 2),
/// parameters and values (`##UNK##` at id 0 of each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocab {
    /// Command names; `##START##`, `##END##`, `##UNK##` are ids 0, 1, 2.
    pub cmds: Interner,
    /// Parameter names; `##UNK##` is id 0.
    pub params: Interner,
    /// Values; `##UNK##` is id 0.
    pub values: Interner,
}

impl Default for Vocab {
    fn default() -> Self {
        Vocab {
            cmds: Interner::from_strings([START_TOKEN, END_TOKEN, UNK_TOKEN]),
            params: Interner::from_strings([UNK_TOKEN]),
            values: Interner::from_strings([UNK_TOKEN]),
        }
    }
}

/// Name the keys of an id table.
pub(crate) fn named<T: Clone>(table: &Table<T>, keys: &Interner) -> StrTable<T> {
    table.iter().map(|(k, v)| (keys.resolve(*k).to_owned(), v.clone())).collect()
}

/// Name the keys of a two-level id table.
pub(crate) fn named2<T: Clone>(table: &Table2<T>, rows: &Interner, cols: &Interner) -> StrTable2<T> {
    table.iter().map(|(r, row)| (rows.resolve(*r).to_owned(), named(row, cols))).collect()
}

/// Intern the keys of a string table.
pub(crate) fn ids<T: Clone>(table: &[(String, T)], keys: &mut Interner) -> Table<T> {
    table.iter().map(|(k, v)| (keys.intern(k), v.clone())).collect()
}

/// Intern the keys of a two-level string table.
pub(crate) fn ids2<T: Clone>(table: &[(String, StrTable<T>)], rows: &mut Interner, cols: &mut Interner) -> Table2<T> {
    table.iter().map(|(r, row)| (rows.intern(r), ids(row, cols))).collect()
}

/// Counts keyed by ids: raw (as counted) or Laplace-smoothed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CountTables {
    /// Single-command counts (`##START##` and `##END##` once per session).
    pub seq1: Table<u64>,
    /// Transition counts, previous → next.
    pub seq2: Table2<u64>,
    /// Parameter counts.
    pub param: Table<u64>,
    /// Parameter-given-command counts.
    pub cmd_param: Table2<u64>,
    /// Value counts (non-empty values only).
    pub value: Table<u64>,
    /// Value-given-parameter counts (non-empty values only).
    pub param_value: Table2<u64>,
}

/// Probabilities keyed by ids, as msticpy computes them from smoothed counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProbTables {
    /// Prior probability of each command.
    pub prior: Table<f64>,
    /// Transition probabilities, previous → next (rows sum to 1).
    pub trans: Table2<f64>,
    /// Parameter count over the total of single-command counts.
    pub param: Table<f64>,
    /// Bernoulli presence probability of a parameter given the command.
    pub param_cond_cmd: Table2<f64>,
    /// Probability of each value.
    pub value: Table<f64>,
    /// Value given parameter (rows sum to 1).
    pub value_cond_param: Table2<f64>,
}

/// Divide each count by `total`: the one-level probabilities.
pub(crate) fn normalise(table: &Table<u64>, total: u64) -> Table<f64> {
    table.iter().map(|&(k, c)| (k, ratio(c, total))).collect()
}

/// Divide each row by its own sum.
pub(crate) fn normalise_rows(table: &Table2<u64>) -> Table2<f64> {
    table
        .iter()
        .map(|(r, row)| {
            let total: u64 = row.iter().map(|&(_, c)| c).sum();
            (*r, normalise(row, total))
        })
        .collect()
}

/// `count / total` as Python divides two ints (exact below 2^53).
pub(crate) fn ratio(count: u64, total: u64) -> f64 {
    count as f64 / total as f64
}

/// Sum of a table's values.
pub(crate) fn total(table: &Table<u64>) -> u64 {
    table.iter().map(|&(_, c)| c).sum()
}
