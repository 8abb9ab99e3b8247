//! The scoring layer of anomseq: likelihoods of sessions and of sliding
//! windows under a trained model, spec §6–8, bit for bit as msticpy computes them.
//!
//! - [`session_likelihoods`] / [`geomean_likelihoods`]: the whole session as one window;
//! - [`rarest_windows`]: the headline score, the likelihood of each session's rarest window
//!   ([`RarestWindow`], [`WindowOptions`]);
//! - [`setof_params_cond_cmd`]: how likely each set of parameters is for its command;
//! - `*_log` variants that sum logs and never underflow;
//! - [`window_likelihood`], [`window_likelihoods`], [`rarest_window_session`] and
//!   [`prob_params_given_cmd`]: the same on one session of [`Cmd`](anomseq_core::Cmd)s;
//! - [`score`] ([`ScoreOptions`], [`ScoringMode`]): the pipeline's scoring step, a typed
//!   [`Scored`] result per data set — headline score and its direction, rarest window,
//!   the factor of each of its tokens, [`Unseen`] items — and [`Scored::explain`]
//!   ([`Explanation`], [`Step`]) for one session;
//! - [`ScoringMode`]: the reference score or the opt-in `profile` mode
//!   ([`ProfileModel`], [`ProfileOptions`], [`ProfileScore`]): count-profile novelty plus
//!   n-gram surprise (interpolated Kneser–Ney by default, [`Smoothing`]), higher = more
//!   anomalous, measured in `docs/quality.md`; the `novelty` mode ([`ParamNovelty`]) adds
//!   unseen parameters, values and parameter sets; the `ngram` mode ([`NgramModel`],
//!   [`NgramOptions`], [`NgramScore`]) scores a session's mean surprise per event under a
//!   (modified) Kneser–Ney model of up to [`MAX_ORDER`], for long traces.
//!
//! Data-set functions run in parallel over sessions with rayon; each session's
//! arithmetic is sequential and fixed, so results do not depend on the thread count.
//! This crate does no IO and knows nothing of Arrow.
//!
//! ```
//! use anomseq_core::{Cmd, Sessions};
//! use anomseq_model::Model;
//! use anomseq_score::{rarest_windows, WindowOptions};
//!
//! let sessions = Sessions::from_cmds(vec![
//!     vec![Cmd::new("Set-User"), Cmd::new("Set-User")],
//!     vec![Cmd::new("Set-Mailbox"), Cmd::new("Set-User"), Cmd::new("Set-User")],
//! ])?;
//! let model = Model::train(&sessions);
//! let rarest = rarest_windows(model.probabilities(), &sessions, &WindowOptions::new(3)).unwrap();
//! assert_eq!(rarest[0].range(), Some(0..2)); // the END token is not reported
//! assert!(rarest[1].likelihood < rarest[0].likelihood);
//! # Ok::<(), anomseq_core::Error>(())
//! ```
#![deny(missing_docs)]

mod dataset;
mod error;
mod kernel;
mod kneser_ney;
mod mode;
mod ngram;
mod novelty;
mod profile;
mod scored;
mod single;

pub use anomseq_model::MAX_ORDER;
pub use dataset::{
    geomean_likelihoods, geomean_log_likelihoods, rarest_windows, rarest_windows_log, session_likelihoods,
    session_log_likelihoods, setof_params_cond_cmd, RarestWindow, SetOfParams, WindowOptions,
};
pub use error::Error;
pub use mode::{score, score_own, score_with_model, ModelScorer, ScoreOptions, ScoringMode};
pub use ngram::{NgramModel, NgramOptions, NgramScore};
pub use novelty::{NovelItem, ParamNovelty};
pub use profile::{profile_scores, ProfileModel, ProfileOptions, ProfileScore, Smoothing};
pub use scored::{Explainer, Explanation, Scored, Step, Unseen};
pub use single::{prob_params_given_cmd, rarest_window_session, window_likelihood, window_likelihoods};
