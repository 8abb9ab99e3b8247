//! Scoring whole data sets, in parallel over sessions.

use std::collections::BTreeMap;
use std::ops::Range;

use anomseq_core::{SessionType, Sessions};
use anomseq_model::{Probabilities, END, START, UNK};
use rayon::prelude::*;

use crate::kernel::{self, Linear, Log, ParamRef, Space};
use crate::{Error, Unseen};

/// Options of a sliding-window score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WindowOptions {
    /// Window length `k` (at least 1; msticpy's high-level functions use 2 or more).
    pub window_len: usize,
    /// Prepend `##START##` to the first window and append `##END##` to the session.
    pub use_start_end_tokens: bool,
    /// Raise each window likelihood to `1 / k`.
    pub use_geo_mean: bool,
}

impl WindowOptions {
    /// Window length `k`, tokens on, geometric mean off (msticpy's `score_sessions`).
    pub fn new(window_len: usize) -> Self {
        WindowOptions { window_len, use_start_end_tokens: true, use_geo_mean: false }
    }

    /// The same options with tokens on or off.
    pub fn tokens(self, on: bool) -> Self {
        WindowOptions { use_start_end_tokens: on, ..self }
    }

    /// The same options with the geometric mean on or off.
    pub fn geo_mean(self, on: bool) -> Self {
        WindowOptions { use_geo_mean: on, ..self }
    }

    fn check(&self) -> Result<(), Error> {
        if self.window_len == 0 {
            return Err(Error::WindowLength(0));
        }
        Ok(())
    }
}

/// The rarest window of a session.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RarestWindow {
    /// Index of the window's first event (`None` when no window fits).
    pub start: Option<usize>,
    /// Number of the session's events in the window: `k`, or one less when the
    /// window ends on the `##END##` token (which is not reported).
    pub len: usize,
    /// The window's likelihood (or log-likelihood); NaN when no window fits.
    pub likelihood: f64,
}

impl RarestWindow {
    /// No window fits.
    pub const NONE: RarestWindow = RarestWindow { start: None, len: 0, likelihood: f64::NAN };

    /// The events of the session in the window, if any.
    pub fn range(&self) -> Option<Range<usize>> {
        self.start.map(|s| s..s + self.len)
    }
}

const NONE: u32 = u32::MAX;

/// Maps a data set's ids to a model's ids, once per data set.
pub(crate) struct Resolver<'a> {
    p: &'a Probabilities,
    s: &'a Sessions,
    cmds: Vec<u32>,
    params: Vec<u32>,
    values: Vec<u32>,
}

/// Per-thread buffers.
#[derive(Default)]
pub(crate) struct Scratch {
    ids: Vec<u32>,
    pvs: Vec<f64>,
    refs: Vec<ParamRef>,
    tr: Vec<f64>,
    present: Vec<(usize, u32)>,
    vals: Vec<u32>,
    cache: kernel::FactorCache,
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(p: &'a Probabilities, s: &'a Sessions) -> Result<Self, Error> {
        if p.session_type() != s.session_type() {
            return Err(Error::TypeMismatch { model: p.session_type(), data: s.session_type() });
        }
        Ok(Resolver {
            p,
            s,
            cmds: s.names().iter().map(|n| p.cmd_id(n)).collect(),
            params: s.params().iter().map(|n| p.param_id(n).unwrap_or(NONE)).collect(),
            values: s.values().iter().map(|n| p.value_id(n).unwrap_or(NONE)).collect(),
        })
    }

    fn refs(&self, e: usize, out: &mut Vec<ParamRef>) -> (u32, usize) {
        let ev = self.s.event(e);
        out.clear();
        let some = |x: u32| (x != NONE).then_some(x);
        for (j, &dp) in ev.params.iter().enumerate() {
            out.push(ParamRef {
                param: some(self.params[dp as usize]),
                value: ev.values.get(j).and_then(|&v| some(self.values[v as usize])),
            });
        }
        (self.cmds[ev.name as usize], ev.params.len())
    }

    /// The parameter factor of event `e` (geometric mean on), memoised.
    fn factor<S: Space>(&self, e: usize, scratch: &mut Scratch) -> (u32, f64) {
        let (offsets, param_ids, value_ids) = self.s.param_columns();
        let cmd = self.cmds[self.s.all_cmds()[e] as usize];
        let r = offsets[e]..offsets[e + 1];
        if r.is_empty() {
            return (cmd, S::ONE);
        }
        let values = !value_ids.is_empty();
        if self.p.param_row(cmd).len() <= 64 {
            let (mut mask, mut tabulated) = (0u64, true);
            scratch.present.clear();
            for j in r.clone() {
                let mp = self.params[param_ids[j] as usize];
                if mp == NONE {
                    continue;
                }
                match self.p.param_position(cmd, mp) {
                    Some(Some(at)) => {
                        mask |= 1 << at;
                        if values && self.p.is_modellable(mp) {
                            scratch.present.push((at, self.values[value_ids[j] as usize]));
                        }
                    }
                    Some(None) => {}
                    None => tabulated = false,
                }
            }
            if tabulated {
                scratch.vals.clear();
                if !scratch.present.is_empty() {
                    scratch.present.sort_unstable();
                    scratch.vals.extend(scratch.present.iter().map(|&(_, v)| v));
                }
                return (cmd, scratch.cache.get::<S>(self.p, cmd, mask, &scratch.vals, values));
            }
        }
        let (cmd, n) = self.refs(e, &mut scratch.refs);
        (cmd, kernel::param_factor::<S>(self.p, cmd, n, &scratch.refs, values, true))
    }

    /// Fill `scratch.ids` and `scratch.pvs` for session `i` (with `##END##` appended when asked).
    pub(crate) fn load<S: Space>(&self, i: usize, end: bool, scratch: &mut Scratch) {
        scratch.ids.clear();
        scratch.pvs.clear();
        if self.s.session_type() == SessionType::Commands {
            scratch.ids.extend(self.s.session_cmds(i).iter().map(|&c| self.cmds[c as usize]));
        } else {
            for e in self.s.session_range(i) {
                let (cmd, pv) = self.factor::<S>(e, scratch);
                scratch.ids.push(cmd);
                scratch.pvs.push(pv);
            }
            if end {
                scratch.pvs.push(S::ONE);
            }
        }
        if end {
            scratch.ids.push(END);
        }
    }
}

/// Run `f` on every session, in parallel over a few large runs of sessions
/// (each with its own buffers and memo, so the memo stays warm), and collect
/// the results in session order.
fn per_session<T: Send>(sessions: &Sessions, f: impl Fn(usize, &mut Scratch) -> T + Sync + Send) -> Vec<T> {
    let n = sessions.len();
    let runs = (rayon::current_num_threads() * 4).clamp(1, n.div_ceil(512).max(1));
    let parts: Vec<Vec<T>> = (0..runs)
        .into_par_iter()
        .map(|r| {
            let mut scratch = Scratch::default();
            (r * n / runs..(r + 1) * n / runs).map(|i| f(i, &mut scratch)).collect()
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for part in parts {
        out.extend(part);
    }
    out
}

fn likelihoods<S: Space>(p: &Probabilities, sessions: &Sessions, tokens: bool) -> Result<Vec<f64>, Error> {
    let r = Resolver::new(p, sessions)?;
    Ok(per_session(sessions, |i, scratch| {
        r.load::<S>(i, false, scratch);
        kernel::window::<S>(p, &scratch.ids, &scratch.pvs, tokens, tokens)
    }))
}

/// The likelihood of each whole session (msticpy's `compute_likelihoods_of_sessions`).
pub fn session_likelihoods(
    p: &Probabilities,
    sessions: &Sessions,
    use_start_end_tokens: bool,
) -> Result<Vec<f64>, Error> {
    likelihoods::<Linear>(p, sessions, use_start_end_tokens)
}

/// The natural log of each session's likelihood, summed factor by factor so it never underflows.
pub fn session_log_likelihoods(
    p: &Probabilities,
    sessions: &Sessions,
    use_start_end_tokens: bool,
) -> Result<Vec<f64>, Error> {
    likelihoods::<Log>(p, sessions, use_start_end_tokens)
}

/// Each likelihood raised to `1 / n`, with `n` the session's number of events
/// (msticpy's `compute_geomean_lik_of_sessions`).
pub fn geomean_likelihoods(likelihoods: &[f64], sessions: &Sessions) -> Vec<f64> {
    likelihoods.iter().enumerate().map(|(i, &l)| Linear::root(l, sessions.session_len(i))).collect()
}

/// Each log-likelihood divided by the session's number of events: the log of the geometric mean.
pub fn geomean_log_likelihoods(log_likelihoods: &[f64], sessions: &Sessions) -> Vec<f64> {
    log_likelihoods.iter().enumerate().map(|(i, &l)| Log::root(l, sessions.session_len(i))).collect()
}

fn rarest<S: Space>(p: &Probabilities, sessions: &Sessions, o: &WindowOptions) -> Result<Vec<RarestWindow>, Error> {
    o.check()?;
    let r = Resolver::new(p, sessions)?;
    let k = o.window_len;
    Ok(per_session(sessions, |i, scratch| {
        r.load::<S>(i, o.use_start_end_tokens, scratch);
        let Scratch { ids, pvs, tr, .. } = scratch;
        match kernel::rarest::<S>(p, ids, pvs, o, tr) {
            Some((start, likelihood)) => {
                let n = sessions.session_len(i);
                RarestWindow { start: Some(start), len: (start + k).min(n) - start, likelihood }
            }
            None => RarestWindow::NONE,
        }
    }))
}

/// The rarest window of each session (msticpy's `compute_rarest_windows`).
pub fn rarest_windows(
    p: &Probabilities,
    sessions: &Sessions,
    options: &WindowOptions,
) -> Result<Vec<RarestWindow>, Error> {
    rarest::<Linear>(p, sessions, options)
}

/// The rarest window of each session by log-likelihood; `likelihood` holds the
/// natural log. Free of underflow, it can pick another window than
/// [`rarest_windows`] where linear products round or underflow.
pub fn rarest_windows_log(
    p: &Probabilities,
    sessions: &Sessions,
    options: &WindowOptions,
) -> Result<Vec<RarestWindow>, Error> {
    rarest::<Log>(p, sessions, options)
}

/// Probability of each distinct set of parameters (and modelled values) per
/// command: command → sorted parameter keys → probability.
pub type SetOfParams = BTreeMap<String, BTreeMap<Vec<String>, f64>>;

/// The probability of each set of parameters seen with each command
/// (msticpy's `compute_setof_params_cond_cmd`). In the values type a modelled
/// parameter's key is `"<name> --- <value>"`.
pub fn setof_params_cond_cmd(p: &Probabilities, sessions: &Sessions, use_geo_mean: bool) -> Result<SetOfParams, Error> {
    if !sessions.session_type().has_params() {
        return Err(Error::NoParams(sessions.session_type()));
    }
    let r = Resolver::new(p, sessions)?;
    let values = sessions.session_type() == SessionType::Values;
    let mut out = SetOfParams::new();
    let mut refs = Vec::new();
    for e in 0..sessions.n_events() {
        let (cmd, n) = r.refs(e, &mut refs);
        let prob = kernel::param_factor::<Linear>(p, cmd, n, &refs, values, use_geo_mean);
        let ev = sessions.event(e);
        let mut key: Vec<String> = ev
            .params
            .iter()
            .enumerate()
            .map(|(j, &dp)| {
                let name = sessions.params().resolve(dp);
                match refs[j].param {
                    Some(mp) if values && p.is_modellable(mp) => {
                        format!("{name} --- {}", sessions.values().resolve(ev.values[j]))
                    }
                    _ => name.to_owned(),
                }
            })
            .collect();
        key.sort();
        out.entry(sessions.names().resolve(ev.name).to_owned()).or_default().insert(key, prob);
    }
    Ok(out)
}

/// One session's rarest window with the factor of each of its tokens, and what
/// of the session the model never saw.
pub(crate) struct Explained {
    pub(crate) window: RarestWindow,
    pub(crate) factors: Vec<f64>,
    pub(crate) unseen: Unseen,
}

impl Resolver<'_> {
    /// A value the model never saw with the modelled parameter `mp`: not an empty
    /// one, which msticpy never counts (it is no value, and scored as `##UNK##`).
    fn unseen_value(&self, mp: u32, v: u32) -> bool {
        let mv = self.values[v as usize];
        (mv == NONE || !self.p.has_value(mp, mv)) && !self.s.values().resolve(v).is_empty()
    }

    /// Was parameter `mp` (a model id) seen with command `cmd` (a model id)? Only
    /// then do its presence and its value enter the event's probability.
    fn in_row(&self, cmd: u32, mp: u32) -> bool {
        match self.p.param_position(cmd, mp) {
            Some(at) => at.is_some(),
            None => self.p.param_row(cmd).iter().any(|&(q, _)| q == mp),
        }
    }

    /// Occurrences of commands, parameters and values of modelled parameters in
    /// session `i` that the model never saw (values only where they count: a
    /// modelled parameter seen with the event's command).
    pub(crate) fn unseen(&self, i: usize) -> Unseen {
        let mut u = Unseen::default();
        let values = self.s.session_type() == SessionType::Values;
        for e in self.s.session_range(i) {
            let ev = self.s.event(e);
            let cmd = self.cmds[ev.name as usize];
            if cmd == UNK {
                u.commands += 1;
            }
            for (j, &dp) in ev.params.iter().enumerate() {
                let mp = self.params[dp as usize];
                if mp == NONE {
                    u.params += 1;
                } else if values && self.p.is_modellable(mp) {
                    if let Some(&v) = ev.values.get(j) {
                        if self.unseen_value(mp, v) && self.in_row(cmd, mp) {
                            u.values += 1;
                        }
                    }
                }
            }
        }
        u
    }

    /// Of event `e`: is its command unseen; per parameter, is it unseen, known
    /// but never seen with this command (so ignored), and is its value unseen
    /// where the value counts.
    pub(crate) fn unseen_event(&self, e: usize) -> (bool, Vec<(bool, bool, bool)>) {
        let ev = self.s.event(e);
        let values = self.s.session_type() == SessionType::Values;
        let cmd = self.cmds[ev.name as usize];
        let flags = ev
            .params
            .iter()
            .enumerate()
            .map(|(j, &dp)| {
                let mp = self.params[dp as usize];
                if mp == NONE {
                    return (true, false, false);
                }
                let with_cmd = self.in_row(cmd, mp);
                let value = values
                    && with_cmd
                    && self.p.is_modellable(mp)
                    && ev.values.get(j).is_some_and(|&v| self.unseen_value(mp, v));
                (false, !with_cmd && cmd != UNK, value)
            })
            .collect();
        (cmd == UNK, flags)
    }
}

/// The factor each token of the window starting at `start` contributes, in the
/// order the likelihood multiplies them: the first event's lead probability
/// (from `##START##` or its prior) times its parameter factor, then each
/// transition times the next event's parameter factor, `##END##` included when
/// the window reaches it; each raised to `1 / k` under the geometric mean.
/// `ids` and `pvs` are loaded with [`Resolver::load`].
pub(crate) fn window_factors(p: &Probabilities, ids: &[u32], pvs: &[f64], start: usize, o: &WindowOptions) -> Vec<f64> {
    let k = o.window_len;
    let with_params = !pvs.is_empty();
    (start..start + k)
        .map(|j| {
            let t = if j == start {
                if o.use_start_end_tokens && j == 0 {
                    p.trans(START, ids[0])
                } else {
                    p.prior(ids[j])
                }
            } else {
                p.trans(ids[j - 1], ids[j])
            };
            let f = if with_params { t * pvs[j] } else { t };
            if o.use_geo_mean {
                Linear::root(f, k)
            } else {
                f
            }
        })
        .collect()
}

/// The rarest window of each session (exactly as [`rarest_windows`]), its
/// factors and the session's unseen items, in one pass.
pub(crate) fn rarest_explained(
    p: &Probabilities,
    sessions: &Sessions,
    o: &WindowOptions,
) -> Result<Vec<Explained>, Error> {
    o.check()?;
    let r = Resolver::new(p, sessions)?;
    let k = o.window_len;
    Ok(per_session(sessions, |i, scratch| {
        r.load::<Linear>(i, o.use_start_end_tokens, scratch);
        let Scratch { ids, pvs, tr, .. } = scratch;
        let unseen = r.unseen(i);
        match kernel::rarest::<Linear>(p, ids, pvs, o, tr) {
            Some((start, likelihood)) => {
                let n = sessions.session_len(i);
                let window = RarestWindow { start: Some(start), len: (start + k).min(n) - start, likelihood };
                Explained { window, factors: window_factors(p, ids, pvs, start, o), unseen }
            }
            None => Explained { window: RarestWindow::NONE, factors: Vec::new(), unseen },
        }
    }))
}
