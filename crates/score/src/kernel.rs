//! The likelihood arithmetic, generic over linear and log space.

use anomseq_model::{Probabilities, END, START};

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
/// already appended to `ids` and `pvs`.
pub(crate) fn windows<S: Space>(
    p: &Probabilities,
    ids: &[u32],
    pvs: &[f64],
    k: usize,
    tokens: bool,
    geo: bool,
    mut each: impl FnMut(usize, f64),
) {
    if ids.len() < k {
        return;
    }
    for i in 0..=ids.len() - k {
        let w_pvs = if pvs.is_empty() { pvs } else { &pvs[i..i + k] };
        let mut l = window::<S>(p, &ids[i..i + k], w_pvs, tokens && i == 0, false);
        if geo {
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
    k: usize,
    tokens: bool,
    geo: bool,
) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    windows::<S>(p, ids, pvs, k, tokens, geo, |i, l| {
        // NaN never wins, as in Python's min() over finite values
        if best.is_none_or(|(_, b)| l < b) {
            best = Some((i, l));
        }
    });
    best
}
