//! Laplace smoothing with `##UNK##` (spec §4) and the probability tables (§5), as msticpy computes them.

use anomseq_core::SessionType;

use crate::tables::{
    normalise, normalise_rows, ratio, total, CountTables, ProbTables, Table, Table2, END, START, UNK, UNK_KEY,
};

/// Position of `key` in `table`, if present.
fn find<T>(table: &[(u32, T)], key: u32) -> Option<usize> {
    table.iter().position(|(k, _)| *k == key)
}

/// Add `by` to `key`'s count, appending the key when new.
fn bump(table: &mut Table<u64>, key: u32, by: u64) {
    match find(table, key) {
        Some(i) => table[i].1 += by,
        None => table.push((key, by)),
    }
}

/// Laplace (add-one) smoothing with `##UNK##`, spec §4 (msticpy's `laplace_smooth_*`).
///
/// `n_cmds`, `n_params` and `n_values` are the sizes of the id spaces.
///
/// The smoothed transition table has a cell for every pair of known commands
/// (n², as msticpy's): a [`Model`](crate::Model) never builds it, but computes
/// the same probabilities from the raw counts on look-up.
pub fn laplace_smooth(
    kind: SessionType,
    raw: &CountTables,
    n_cmds: usize,
    n_params: usize,
    n_values: usize,
) -> CountTables {
    let mut out = smooth_except_transitions(kind, raw, n_cmds, n_params);
    out.seq2 = smooth_cmds(&raw.seq1, &raw.seq2, n_cmds).1;
    let _ = n_values;
    out
}

/// [`laplace_smooth`] of everything but the transition counts (`seq2` is left
/// empty): what grows with the counts seen, never with the vocabulary squared.
pub(crate) fn smooth_except_transitions(
    kind: SessionType,
    raw: &CountTables,
    n_cmds: usize,
    n_params: usize,
) -> CountTables {
    let seq1 = smooth_seq1(&raw.seq1, n_cmds);
    let mut out = CountTables { seq1, ..Default::default() };
    if kind.has_params() {
        let mut cmds: Vec<u32> = raw.seq1.iter().map(|&(k, _)| k).collect();
        if !cmds.contains(&UNK) {
            cmds.push(UNK);
        }
        let (param, cmd_param) = smooth_keyed(&cmds, &raw.param, &raw.cmd_param, n_cmds);
        out.param = param;
        out.cmd_param = cmd_param;
        if kind == SessionType::Values {
            let mut params: Vec<u32> = raw.param.iter().map(|&(k, _)| k).collect();
            if !params.contains(&UNK_KEY) {
                params.push(UNK_KEY);
            }
            let (value, param_value) = smooth_keyed(&params, &raw.value, &raw.param_value, n_params);
            out.value = value;
            out.param_value = param_value;
        }
    }
    out
}

/// Smooth command counts: every pair (a, b) of known commands plus `##UNK##`, with
/// a ≠ `##END##` and b ≠ `##START##`, adds one to the pair and to each single count.
pub fn smooth_cmds(seq1: &Table<u64>, seq2: &Table2<u64>, n_cmds: usize) -> (Table<u64>, Table2<u64>) {
    (smooth_seq1(seq1, n_cmds), smooth_seq2(seq1, seq2, n_cmds))
}

/// The commands smoothing knows: those counted, then `##UNK##` if absent.
fn known_cmds(seq1: &Table<u64>) -> Vec<u32> {
    let mut cmds: Vec<u32> = seq1.iter().map(|&(k, _)| k).collect();
    if !cmds.contains(&UNK) {
        cmds.push(UNK);
    }
    cmds
}

/// The single-command half of [`smooth_cmds`].
fn smooth_seq1(seq1: &Table<u64>, n_cmds: usize) -> Table<u64> {
    let cmds = known_cmds(seq1);
    let mut in_c = vec![false; n_cmds.max(3)];
    for &c in &cmds {
        in_c[c as usize] = true;
    }
    let n_sources = cmds.iter().filter(|&&a| a != END).count() as u64;
    let n_targets = cmds.iter().filter(|&&b| b != START).count() as u64;
    let mut seq1_s = seq1.clone();
    if find(&seq1_s, UNK).is_none() {
        seq1_s.push((UNK, 0));
    }
    for (k, c) in seq1_s.iter_mut() {
        if in_c[*k as usize] {
            *c += if *k != END { n_targets } else { 0 } + if *k != START { n_sources } else { 0 };
        }
    }
    seq1_s
}

/// The transition half of [`smooth_cmds`]: n² cells.
fn smooth_seq2(seq1: &Table<u64>, seq2: &Table2<u64>, n_cmds: usize) -> Table2<u64> {
    let cmds = known_cmds(seq1);
    let targets: Vec<u32> = cmds.iter().copied().filter(|&b| b != START).collect();
    let mut seq2_s = seq2.clone();
    let n = n_cmds.max(3);
    let mut row_at = vec![usize::MAX; n];
    for (i, (r, _)) in seq2_s.iter().enumerate() {
        row_at[*r as usize] = i;
    }
    let mut col_at = vec![usize::MAX; n];
    for &a in cmds.iter().filter(|&&a| a != END) {
        if row_at[a as usize] == usize::MAX {
            row_at[a as usize] = seq2_s.len();
            seq2_s.push((a, Vec::new()));
        }
        let row = &mut seq2_s[row_at[a as usize]].1;
        for (j, &(b, _)) in row.iter().enumerate() {
            col_at[b as usize] = j;
        }
        for &b in &targets {
            match col_at[b as usize] {
                usize::MAX => row.push((b, 1)),
                j => row[j].1 += 1,
            }
        }
        for &(b, _) in row.iter() {
            col_at[b as usize] = usize::MAX;
        }
    }
    seq2_s
}

/// Smooth a keyed count table (parameters given commands, or values given
/// parameters): for every row key in `rows`, each key already seen in that row
/// gets one more, and so does `##UNK##` (appended when absent); the one-level
/// counts get the same increments.
pub fn smooth_keyed(
    rows: &[u32],
    single: &Table<u64>,
    pairs: &Table2<u64>,
    n_rows: usize,
) -> (Table<u64>, Table2<u64>) {
    let mut single_s = single.clone();
    let mut pairs_s = pairs.clone();
    let mut row_at = vec![usize::MAX; n_rows.max(rows.iter().map(|&r| r as usize + 1).max().unwrap_or(0))];
    for (i, (r, _)) in pairs_s.iter().enumerate() {
        row_at[*r as usize] = i;
    }
    let mut add_single: Vec<(u32, u64)> = Vec::new();
    for &r in rows {
        if row_at[r as usize] == usize::MAX {
            row_at[r as usize] = pairs_s.len();
            pairs_s.push((r, Vec::new()));
        }
        let row = &mut pairs_s[row_at[r as usize]].1;
        for (k, c) in row.iter_mut() {
            *c += 1;
            add_single.push((*k, 1));
        }
        if find(row, UNK_KEY).is_none() {
            row.push((UNK_KEY, 1));
            add_single.push((UNK_KEY, 1));
        }
    }
    // the one-level counts: existing keys first, `##UNK##` appended when new
    let unk_total: u64 = add_single.iter().filter(|(k, _)| *k == UNK_KEY).map(|(_, c)| c).sum();
    let mut dense: Vec<u64> = Vec::new();
    for &(k, c) in &add_single {
        if k != UNK_KEY {
            if dense.len() <= k as usize {
                dense.resize(k as usize + 1, 0);
            }
            dense[k as usize] += c;
        }
    }
    for (k, c) in single_s.iter_mut() {
        if let Some(&d) = dense.get(*k as usize) {
            *c += d;
            dense[*k as usize] = 0;
        }
    }
    // keys seen in rows but absent from the one-level table (only in hand-made tables)
    for (k, d) in dense.iter().enumerate() {
        if *d > 0 {
            single_s.push((k as u32, *d));
        }
    }
    if unk_total > 0 {
        bump(&mut single_s, UNK_KEY, unk_total);
    }
    (single_s, pairs_s)
}

/// Probabilities from smoothed counts, spec §5 (msticpy's `compute_*_probs`).
pub fn probabilities(kind: SessionType, s: &CountTables, n_cmds: usize) -> ProbTables {
    let (prior, trans) = cmds_probs(&s.seq1, &s.seq2);
    let mut out = ProbTables { prior, trans, ..Default::default() };
    if kind.has_params() {
        let (param, param_cond_cmd) = params_probs(&s.param, &s.cmd_param, &s.seq1, n_cmds);
        out.param = param;
        out.param_cond_cmd = param_cond_cmd;
    }
    if kind == SessionType::Values {
        let (value, value_cond_param) = values_probs(&s.value, &s.param_value);
        out.value = value;
        out.value_cond_param = value_cond_param;
    }
    out
}

/// Prior and transition probabilities from smoothed command counts.
pub fn cmds_probs(seq1: &Table<u64>, seq2: &Table2<u64>) -> (Table<f64>, Table2<f64>) {
    (normalise(seq1, total(seq1)), normalise_rows(seq2))
}

/// Parameter probabilities: counts over the total of `seq1`, and presence given
/// the command over that command's `seq1` count (`##UNK##`'s for an unknown command).
pub fn params_probs(
    param: &Table<u64>,
    cmd_param: &Table2<u64>,
    seq1: &Table<u64>,
    n_cmds: usize,
) -> (Table<f64>, Table2<f64>) {
    let all = total(seq1);
    let mut by_cmd = vec![None; n_cmds.max(3)];
    for &(k, c) in seq1 {
        if by_cmd.len() <= k as usize {
            by_cmd.resize(k as usize + 1, None);
        }
        by_cmd[k as usize] = Some(c);
    }
    let unk = by_cmd[UNK as usize];
    let cond = cmd_param
        .iter()
        .map(|(cmd, row)| {
            let denom = by_cmd.get(*cmd as usize).copied().flatten().or(unk).unwrap_or(0);
            (*cmd, row.iter().map(|&(p, c)| (p, ratio(c, denom))).collect())
        })
        .collect();
    (normalise(param, all), cond)
}

/// Value probabilities: over the total of value counts, and given the parameter over the row total.
pub fn values_probs(value: &Table<u64>, param_value: &Table2<u64>) -> (Table<f64>, Table2<f64>) {
    (normalise(value, total(value)), normalise_rows(param_value))
}
