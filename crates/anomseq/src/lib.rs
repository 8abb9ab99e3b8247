//! **anomseq** finds anomalous sessions in security logs: the same answers as
//! msticpy's `anomalous_sequence`, bit for bit, many times faster.
//!
//! # The idea
//!
//! Group a user's events into *sessions* (an ordered list of commands, with
//! optional parameters and values), learn how sessions usually go as a
//! first-order Markov chain, then score every session by the likelihood of its
//! rarest sliding window: the lower, the more unusual.
//!
//! # The layers
//!
//! | crate | what it does |
//! |---|---|
//! | [`core`] | [`Cmd`], [`Sessions`]: validated, interned data sets |
//! | [`model`] | [`Model`]: counts, Laplace smoothing, probabilities; [`Model::merge`] |
//! | [`score`] | likelihoods and rarest windows ([`RarestWindow`]), in parallel |
//!
//! This crate re-exports them and offers the high-level verbs of msticpy's
//! guide under the same names: [`train`], [`compute_scores`],
//! [`compute_likelihoods_of_sessions`], [`compute_geomean_lik_of_sessions`],
//! [`compute_rarest_windows`], [`compute_setof_params_cond_cmd`] and [`score_sessions`].
//!
//! # Example
//!
//! ```
//! use anomseq::{score_sessions, Cmd, Sessions};
//!
//! let sessions = Sessions::from_cmds(vec![
//!     vec![Cmd::new("Set-User"), Cmd::new("Set-User")],
//!     vec![Cmd::new("Set-Mailbox"), Cmd::new("Set-User"), Cmd::new("Set-User")],
//!     vec![Cmd::new("Set-User"), Cmd::new("Set-User"), Cmd::new("Set-User")],
//! ])?;
//! // train on the sessions and score them with windows of 3 (msticpy's default use)
//! let scores = score_sessions(&sessions, 3)?;
//! let rarest = (0..sessions.len())
//!     .min_by(|&a, &b| scores[a].likelihood.total_cmp(&scores[b].likelihood))
//!     .unwrap();
//! assert_eq!(rarest, 1); // the only session that starts with Set-Mailbox
//! assert_eq!(
//!     sessions.slice_cmds(1, scores[1].range().unwrap()),
//!     vec![Cmd::new("Set-Mailbox"), Cmd::new("Set-User"), Cmd::new("Set-User")]
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub use anomseq_core as core;
pub use anomseq_model as model;
pub use anomseq_score as score;

pub use anomseq_core::{Cmd, Params, SessionType, Sessions, SessionsBuilder};
pub use anomseq_model::{Counts, Model, ModelOptions, Probabilities};
pub use anomseq_score::{
    profile_scores, ProfileModel, ProfileOptions, ProfileScore, RarestWindow, ScoringMode, SetOfParams, WindowOptions,
};

/// Train a model on sessions (msticpy's `Model(sessions).train()`).
pub fn train(sessions: &Sessions) -> Model {
    Model::train(sessions)
}

/// The likelihood of each session (msticpy's `Model.compute_likelihoods_of_sessions`).
pub fn compute_likelihoods_of_sessions(
    model: &Model,
    sessions: &Sessions,
    use_start_end_tokens: bool,
) -> Result<Vec<f64>, score::Error> {
    score::session_likelihoods(model.probabilities(), sessions, use_start_end_tokens)
}

/// Each session likelihood raised to `1 / len` (msticpy's `Model.compute_geomean_lik_of_sessions`).
pub fn compute_geomean_lik_of_sessions(likelihoods: &[f64], sessions: &Sessions) -> Vec<f64> {
    score::geomean_likelihoods(likelihoods, sessions)
}

/// The rarest window of each session (msticpy's `Model.compute_rarest_windows`).
pub fn compute_rarest_windows(
    model: &Model,
    sessions: &Sessions,
    window_len: usize,
    use_start_end_tokens: bool,
    use_geo_mean: bool,
) -> Result<Vec<RarestWindow>, score::Error> {
    let options = WindowOptions { window_len, use_start_end_tokens, use_geo_mean };
    score::rarest_windows(model.probabilities(), sessions, &options)
}

/// The probability of each set of parameters per command (msticpy's `Model.compute_setof_params_cond_cmd`).
pub fn compute_setof_params_cond_cmd(
    model: &Model,
    sessions: &Sessions,
    use_geo_mean: bool,
) -> Result<SetOfParams, score::Error> {
    score::setof_params_cond_cmd(model.probabilities(), sessions, use_geo_mean)
}

/// The scores msticpy's `Model.compute_scores` fills in.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Likelihood of each session.
    pub session_likelihoods: Vec<f64>,
    /// Geometric mean of each session's likelihood.
    pub session_geomean_likelihoods: Vec<f64>,
    /// Rarest window of length 2 of each session.
    pub rarest_windows2: Vec<RarestWindow>,
    /// Rarest window of length 3 of each session.
    pub rarest_windows3: Vec<RarestWindow>,
}

/// Session likelihoods, their geometric means and the rarest windows of
/// lengths 2 and 3 (msticpy's `Model.compute_scores`).
pub fn compute_scores(model: &Model, sessions: &Sessions, use_start_end_tokens: bool) -> Result<Scores, score::Error> {
    let session_likelihoods = compute_likelihoods_of_sessions(model, sessions, use_start_end_tokens)?;
    Ok(Scores {
        session_geomean_likelihoods: compute_geomean_lik_of_sessions(&session_likelihoods, sessions),
        session_likelihoods,
        rarest_windows2: compute_rarest_windows(model, sessions, 2, use_start_end_tokens, false)?,
        rarest_windows3: compute_rarest_windows(model, sessions, 3, use_start_end_tokens, false)?,
    })
}

/// Train on the sessions and return each one's rarest window of `window_length`,
/// tokens on (msticpy's `anomalous.score_sessions`: its columns
/// `rarest_window{k}_likelihood` and `rarest_window{k}` are each window's
/// `likelihood` and events).
pub fn score_sessions(sessions: &Sessions, window_length: usize) -> Result<Vec<RarestWindow>, score::Error> {
    let model = train(sessions);
    compute_rarest_windows(&model, sessions, window_length, true, false)
}
