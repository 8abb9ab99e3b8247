//! Scoring one session given as [`Cmd`]s: msticpy's low-level helpers.

use anomseq_core::{Cmd, Params};
use anomseq_model::{Probabilities, END as END_TOKEN_ID};

use crate::kernel::{self, Linear, ParamRef};
use crate::{Error, WindowOptions};

fn resolve(p: &Probabilities, cmd: &Cmd, refs: &mut Vec<ParamRef>) -> (u32, usize) {
    refs.clear();
    match &cmd.params {
        Params::None => {}
        Params::Set(set) => refs.extend(set.iter().map(|n| ParamRef { param: p.param_id(n), value: None })),
        Params::Map(map) => {
            refs.extend(map.iter().map(|(n, v)| ParamRef { param: p.param_id(n), value: p.value_id(v) }))
        }
    }
    (p.cmd_id(&cmd.name), cmd.params.len())
}

fn load(p: &Probabilities, session: &[Cmd], end: bool) -> (Vec<u32>, Vec<f64>) {
    let mut refs = Vec::new();
    let mut ids = Vec::with_capacity(session.len() + 1);
    let mut pvs = Vec::new();
    let has_params = p.session_type().has_params();
    let values = p.session_type() == anomseq_core::SessionType::Values;
    for c in session {
        let (id, n) = resolve(p, c, &mut refs);
        ids.push(id);
        if has_params {
            pvs.push(kernel::param_factor::<Linear>(p, id, n, &refs, values, true));
        }
    }
    if end {
        ids.push(END_TOKEN_ID);
        if has_params {
            pvs.push(1.0);
        }
    }
    (ids, pvs)
}

/// The probability of a command's parameters (and modelled values) given the
/// command (msticpy's `compute_prob_setofparams_given_cmd`, spec §6).
pub fn prob_params_given_cmd(p: &Probabilities, cmd: &Cmd, use_geo_mean: bool) -> f64 {
    let mut refs = Vec::new();
    let (id, n) = resolve(p, cmd, &mut refs);
    let values = p.session_type() == anomseq_core::SessionType::Values;
    if !p.session_type().has_params() {
        return 1.0;
    }
    kernel::param_factor::<Linear>(p, id, n, &refs, values, use_geo_mean)
}

/// The likelihood of a window (msticpy's `compute_likelihood_window`, spec §7); NaN when empty.
pub fn window_likelihood(p: &Probabilities, window: &[Cmd], use_start_token: bool, use_end_token: bool) -> f64 {
    let (ids, pvs) = load(p, window, false);
    kernel::window::<Linear>(p, &ids, &pvs, use_start_token, use_end_token)
}

/// Every sliding-window likelihood of a session (msticpy's `compute_likelihood_windows_in_session`).
pub fn window_likelihoods(p: &Probabilities, session: &[Cmd], options: &WindowOptions) -> Result<Vec<f64>, Error> {
    if options.window_len == 0 {
        return Err(Error::WindowLength(0));
    }
    let (ids, pvs) = load(p, session, options.use_start_end_tokens);
    let mut out = Vec::new();
    kernel::windows::<Linear>(p, &ids, &pvs, options, &mut Vec::new(), |_, l| out.push(l));
    Ok(out)
}

/// The rarest window of a session and its likelihood (msticpy's
/// `rarest_window_session`): an empty window and NaN when none fits.
pub fn rarest_window_session(
    p: &Probabilities,
    session: &[Cmd],
    options: &WindowOptions,
) -> Result<(Vec<Cmd>, f64), Error> {
    if options.window_len == 0 {
        return Err(Error::WindowLength(0));
    }
    let k = options.window_len;
    let (ids, pvs) = load(p, session, options.use_start_end_tokens);
    Ok(match kernel::rarest::<Linear>(p, &ids, &pvs, options, &mut Vec::new()) {
        Some((start, l)) => (session[start..(start + k).min(session.len())].to_vec(), l),
        None => (Vec::new(), f64::NAN),
    })
}

#[cfg(test)]
mod tests {
    use anomseq_core::{Cmd, Sessions};
    use anomseq_model::Model;

    use super::*;

    /// Window likelihoods of `session` under a model trained on `training`, k = 2, tokens on.
    fn check(training: &str, session: &str, expected: &[f64]) {
        let lists: Vec<Vec<Cmd>> = serde_json::from_str(training).unwrap();
        let m = Model::train(&Sessions::from_cmds(&lists).unwrap());
        let s: Vec<Cmd> = serde_json::from_str(session).unwrap();
        let got = window_likelihoods(m.probabilities(), &s, &WindowOptions::new(2)).unwrap();
        assert_eq!(got, expected);
    }

    #[test]
    fn windows() {
        // smoothed: START row {a: 2, END: 1, UNK: 1} / 4; a row {a: 1, END: 2, UNK: 1} / 4
        check(r#"[["a"]]"#, r#"["a"]"#, &[0.5 * 0.5]);
        // prior[a] = 7 / 21: smoothed single counts START 4, a 7, END 4, UNK 6
        check(r#"[["a"]]"#, r#"["a","a"]"#, &[0.5 * 0.25, (7.0 / 21.0) * 0.5]);
        // an unknown command reads the ##UNK## row and column
        check(r#"[["a"]]"#, r#"["zz"]"#, &[0.25 * (1.0 / 3.0)]);
        check(r#"[["a"]]"#, "[]", &[]);
    }

    #[test]
    fn window_length_zero_is_an_error() {
        let m = Model::train(&Sessions::from_cmds(vec![vec![Cmd::new("a")]]).unwrap());
        let err = window_likelihoods(m.probabilities(), &[Cmd::new("a")], &WindowOptions::new(0)).unwrap_err();
        assert_eq!(err.to_string(), "window length must be at least 1, got 0");
    }
}
