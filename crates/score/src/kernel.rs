//! The likelihood arithmetic, generic over linear and log space.

use anomseq_model::{Probabilities, END, START};

use crate::WindowOptions;

/// Where products are taken: plain probabilities (msticpy's numbers, bit for
/// bit) or natural logs (sums, which never underflow).
pub(crate) trait Space {
    /// The neutral element (1 or 0).
    const ONE: f64;
    /// A probability into this space.
    fn lift(p: f64) -> f64;
    /// The product of two factors.
    fn mul(a: f64, b: f64) -> f64;
    /// The `k`-th root (geometric mean over `k` factors).
    fn root(x: f64, k: usize) -> f64;
}

pub(crate) struct Linear;
pub(crate) struct Log;

impl Space for Linear {
    const ONE: f64 = 1.0;
    #[inline(always)]
    fn lift(p: f64) -> f64 {
        p
    }
    #[inline(always)]
    fn mul(a: f64, b: f64) -> f64 {
        a * b
    }
    #[inline(always)]
    fn root(x: f64, k: usize) -> f64 {
        // Python: `lik ** (1 / k)`
        x.powf(1.0 / k as f64)
    }
}

impl Space for Log {
    const ONE: f64 = 0.0;
    #[inline(always)]
    fn lift(p: f64) -> f64 {
        p.ln()
    }
    #[inline(always)]
    fn mul(a: f64, b: f64) -> f64 {
        a + b
    }
    #[inline(always)]
    fn root(x: f64, k: usize) -> f64 {
        x / k as f64
    }
}

/// One parameter of an event, resolved against the model.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParamRef {
    /// Model parameter id (`None`: unknown to the model, so ignored).
    pub(crate) param: Option<u32>,
    /// Model value id (`None`: unknown, empty, or no value).
    pub(crate) value: Option<u32>,
}

/// The probability of an event's parameters given its command (spec §6).
///
/// `n_params` counts every parameter of the event, known or not: an event
/// with only unknown parameters is not an event without parameters.
#[inline]
pub(crate) fn param_factor<S: Space>(
    p: &Probabilities,
    cmd: u32,
    n_params: usize,
    params: &[ParamRef],
    values: bool,
    geo: bool,
) -> f64 {
    if n_params == 0 {
        return S::ONE;
    }
    let row = p.param_row(cmd);
    let mut lik = S::ONE;
    let mut m = 0usize;
    for &(param, q) in row {
        match params.iter().find(|r| r.param == Some(param)) {
            Some(r) => {
                lik = S::mul(lik, S::lift(q));
                if values && p.is_modellable(param) {
                    m += 1;
                    lik = S::mul(lik, S::lift(p.value_prob(param, r.value)));
                }
            }
            None => lik = S::mul(lik, S::lift(1.0 - q)),
        }
    }
    if geo {
        let k = row.len() + m;
        if k > 0 {
            lik = S::root(lik, k);
        }
    }
    lik
}

/// The parameter factor of an event given as a presence mask over its
/// command's parameter row and the values of its present modelled parameters,
/// in row order: the same arithmetic as [`param_factor`], in the same order.
pub(crate) fn factor_from_mask<S: Space>(p: &Probabilities, cmd: u32, mask: u64, vals: &[u32], values: bool) -> f64 {
    let row = p.param_row(cmd);
    let mut lik = S::ONE;
    let mut m = 0usize;
    for (j, &(param, q)) in row.iter().enumerate() {
        if mask >> j & 1 == 1 {
            lik = S::mul(lik, S::lift(q));
            if values && p.is_modellable(param) {
                let v = vals[m];
                m += 1;
                lik = S::mul(lik, S::lift(p.value_prob(param, (v != u32::MAX).then_some(v))));
            }
        } else {
            lik = S::mul(lik, S::lift(1.0 - q));
        }
    }
    let k = row.len() + m;
    if k > 0 {
        lik = S::root(lik, k);
    }
    lik
}

/// Per-thread memo of parameter factors.
#[derive(Default)]
pub(crate) struct FactorCache {
    /// Per command, indexed by presence mask, for rows of at most [`DIRECT_BITS`]
    /// parameters and events without modelled values (NaN: not computed yet).
    direct: Vec<Vec<f64>>,
    /// (command, mask, modelled values) → factor, for the rest.
    hashed: ahash::AHashMap<(u32, u64, [u32; 4]), f64>,
}

const DIRECT_BITS: usize = 12;

impl FactorCache {
    /// The factor of an event of command `cmd` whose present parameters have
    /// the positions and values `present` (position in row, value id or `u32::MAX`).
    #[inline]
    pub(crate) fn get<S: Space>(&mut self, p: &Probabilities, cmd: u32, mask: u64, vals: &[u32], values: bool) -> f64 {
        let row_len = p.param_row(cmd).len();
        if vals.is_empty() && row_len <= DIRECT_BITS {
            if self.direct.len() <= cmd as usize {
                self.direct.resize(cmd as usize + 1, Vec::new());
            }
            let table = &mut self.direct[cmd as usize];
            if table.is_empty() {
                table.resize(1 << row_len, f64::NAN);
            }
            let slot = &mut table[mask as usize];
            if slot.is_nan() {
                *slot = factor_from_mask::<S>(p, cmd, mask, vals, values);
            }
            return *slot;
        }
        if vals.len() <= 4 {
            let mut key = [u32::MAX; 4];
            key[..vals.len()].copy_from_slice(vals);
            return *self
                .hashed
                .entry((cmd, mask, key))
                .or_insert_with(|| factor_from_mask::<S>(p, cmd, mask, vals, values));
        }
        factor_from_mask::<S>(p, cmd, mask, vals, values)
    }
}

/// The likelihood of a window (spec §7): `ids` are model command ids, `pvs`
/// the events' parameter factors (empty for the commands type).
#[inline]
pub(crate) fn window<S: Space>(p: &Probabilities, ids: &[u32], pvs: &[f64], use_start: bool, use_end: bool) -> f64 {
    let Some(&first) = ids.first() else {
        return f64::NAN;
    };
    let lead = if use_start { p.trans(START, first) } else { p.prior(first) };
    let with_params = !pvs.is_empty();
    let mut l = if with_params { S::mul(S::lift(lead), pvs[0]) } else { S::lift(lead) };
    for i in 1..ids.len() {
        l = S::mul(l, S::lift(p.trans(ids[i - 1], ids[i])));
        if with_params {
            l = S::mul(l, pvs[i]);
        }
    }
    if use_end {
        l = S::mul(l, S::lift(p.trans(ids[ids.len() - 1], END)));
    }
    l
}

/// Every sliding-window likelihood of a session whose END token, if any, is
/// already appended to `ids` and `pvs`. Each transition is looked up once
/// (into `tr`); every window still multiplies its factors left to right, so
/// the numbers are exactly those of [`window`].
pub(crate) fn windows<S: Space>(
    p: &Probabilities,
    ids: &[u32],
    pvs: &[f64],
    o: &WindowOptions,
    tr: &mut Vec<f64>,
    each: impl FnMut(usize, f64),
) {
    let (k, tokens) = (o.window_len, o.use_start_end_tokens);
    // two instances, so that the non-geometric one holds no `pow` at all
    // (LLVM speculates a pure `pow` out of a branch)
    if o.use_geo_mean {
        windows_impl::<S, true>(p, ids, pvs, k, tokens, tr, each)
    } else {
        windows_impl::<S, false>(p, ids, pvs, k, tokens, tr, each)
    }
}

fn windows_impl<S: Space, const GEO: bool>(
    p: &Probabilities,
    ids: &[u32],
    pvs: &[f64],
    k: usize,
    tokens: bool,
    tr: &mut Vec<f64>,
    mut each: impl FnMut(usize, f64),
) {
    let n = ids.len();
    if n < k || k == 0 {
        return;
    }
    tr.clear();
    tr.push(S::ONE);
    tr.extend(ids.windows(2).map(|w| S::lift(p.trans(w[0], w[1]))));
    let with_params = !pvs.is_empty();
    for i in 0..=n - k {
        let lead = S::lift(if tokens && i == 0 { p.trans(START, ids[0]) } else { p.prior(ids[i]) });
        let mut l = if with_params { S::mul(lead, pvs[i]) } else { lead };
        for j in i + 1..i + k {
            l = S::mul(l, tr[j]);
            if with_params {
                l = S::mul(l, pvs[j]);
            }
        }
        if GEO {
            l = S::root(l, k);
        }
        each(i, l);
    }
}

/// The rarest window: the first index attaining the minimum, exactly (spec §8).
pub(crate) fn rarest<S: Space>(
    p: &Probabilities,
    ids: &[u32],
    pvs: &[f64],
    o: &WindowOptions,
    tr: &mut Vec<f64>,
) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    windows::<S>(p, ids, pvs, o, tr, |i, l| {
        // NaN never wins, as in Python's min() over finite values
        if best.is_none_or(|(_, b)| l < b) {
            best = Some((i, l));
        }
    });
    best
}
