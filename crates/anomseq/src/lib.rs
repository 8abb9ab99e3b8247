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
//! | `sessionize` (feature `sessionize`, on by default) | rows of log events → sessions, over Arrow |
//! | `io` (feature `io`, on by default) | CSV, Parquet, Arrow IPC and NDJSON in; sessions and scores out |
//! | `viz` (feature `viz`, on by default) | timelines and reports of scored sessions: offline HTML, SVG |
//!
//! This crate re-exports them and offers the high-level verbs of msticpy's
//! guide under the same names: [`train`], [`compute_scores`],
//! [`compute_likelihoods_of_sessions`], [`compute_geomean_lik_of_sessions`],
//! [`compute_rarest_windows`], [`compute_setof_params_cond_cmd`] and [`score_sessions`];
//! [`score_data`] is the pipeline's typed scoring step ([`Scored`]: scores with their
//! [`Direction`], rarest windows, per-token factors, [`Unseen`] items, [`Explanation`]s),
//! which the CLI and the Python package call too;
//! with the `viz` feature also `visualise_scored_sessions`, `score_and_visualise_sessions`
//! and `score_and_report_sessions`.
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
//!
//! # From raw logs
//!
//! With the default features, `anomseq::sessionize` cuts rows of events into
//! sessions exactly as msticpy's `sessionize_data` does, over Arrow record
//! batches, and `anomseq::io` reads and writes the files around it:
//!
//! ```
//! # #[cfg(feature = "io")] {
//! use anomseq::io::{sessionize_file, ReadOptions};
//! use anomseq::sessionize::{EventSpec, SessionizeOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let csv = dir.path().join("events.csv");
//! std::fs::write(&csv, "user,time,op\nu1,2020-01-01T00:00:00Z,Set-Mailbox\nu1,2020-01-01T00:01:00Z,Set-User\n")?;
//! let opts = SessionizeOptions::new(["user"], "time"); // 20 min sessions, 2 min gaps
//! let out = sessionize_file(&csv, None, &opts, &EventSpec::commands("op"), &ReadOptions::default())?;
//! assert_eq!(out.sessions.session_len(0), 2);
//! let model = anomseq::train(&out.sessions);
//! # let _ = model;
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub use anomseq_core as core;
#[cfg(feature = "io")]
pub use anomseq_io as io;
pub use anomseq_model as model;
pub use anomseq_score as score;
#[cfg(feature = "sessionize")]
pub use anomseq_sessionize as sessionize;
#[cfg(feature = "viz")]
pub use anomseq_viz as viz;
/// The Arrow arrays and record batches the `viz` layer reads.
#[cfg(feature = "viz")]
pub use arrow_array;

pub use anomseq_core::{Cmd, Direction, Params, SessionType, Sessions, SessionsBuilder};
pub use anomseq_model::{Counts, Model, ModelOptions, Probabilities, SequenceCounts};
pub use anomseq_score::{
    profile_scores, Explanation, NgramModel, NgramOptions, NgramScore, ProfileModel, ProfileOptions, ProfileScore,
    RarestWindow, ScoreOptions, Scored, ScoringMode, SetOfParams, Smoothing, Step, Unseen, WindowOptions,
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
/// `likelihood` and events). [`score_data`] gives the whole [`Scored`] result.
pub fn score_sessions(sessions: &Sessions, window_length: usize) -> Result<Vec<RarestWindow>, score::Error> {
    let model = train(sessions);
    compute_rarest_windows(&model, sessions, window_length, true, false)
}

/// The pipeline's scoring step: every session scored under `model` as `options`
/// say, with its rarest window, the factor of each of its tokens and what of it
/// the model never saw ([`Scored`]; explain one session with [`Scored::explain`]).
/// Every mode scores from the model ([`score::score_with_model`]): the `profile`
/// mode needs a model trained with [`ModelOptions::every_mode`] (as `anomseq train` saves).
///
/// ```
/// use anomseq::{score_data, Cmd, ScoreOptions, Sessions};
///
/// let sessions = Sessions::from_cmds(vec![
///     vec![Cmd::new("Set-User"), Cmd::new("Set-User")],
///     vec![Cmd::new("Set-Mailbox"), Cmd::new("Set-User"), Cmd::new("Set-User")],
/// ])?;
/// let model = anomseq::train(&sessions);
/// let scored = score_data(&model, &sessions, &ScoreOptions::new(3))?;
/// let rarest = scored.rarest_first()[0];
/// assert_eq!(rarest, 1); // the only session that starts with Set-Mailbox
/// let why = scored.explain(model.probabilities(), &sessions, rarest).unwrap();
/// assert_eq!(why.steps[0].index, scored.windows()[1].start.unwrap());
/// let product: f64 = why.steps.iter().map(|s| s.factor).chain(why.end).product();
/// assert!((product - why.likelihood).abs() <= 1e-12 * why.likelihood);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn score_data(model: &Model, sessions: &Sessions, options: &ScoreOptions) -> Result<Scored, score::Error> {
    score::score_with_model(model, sessions, options)
}

/// The scored sessions on an interactive timeline (msticpy's `visualise_scored_sessions`):
/// see [`viz::visualise_scored_sessions`]. Write the page with [`viz::Timeline::write_html`].
#[cfg(feature = "viz")]
pub fn visualise_scored_sessions(
    data: &[arrow_array::RecordBatch],
    time_column: &str,
    score_column: &str,
    window_column: &str,
    score_upper_bound: Option<f64>,
    source_columns: &[&str],
) -> Result<viz::Timeline, viz::Error> {
    viz::visualise_scored_sessions(data, time_column, score_column, window_column, score_upper_bound, source_columns)
}

/// Score the sessions and put them on a timeline in one go (msticpy's
/// `score_and_visualise_sessions`).
///
/// `other` holds one row per session, in the order of `sessions`: at least
/// `time_column` and the `source_columns`. The sessions are scored with
/// [`score_sessions`]; the timeline shows `rarest_window{k}_likelihood` and the
/// window `rarest_window{k}` (see [`viz::scored_sessions_batch`]); sessions too
/// short for a window have no score and are left out and counted.
///
/// ```
/// use std::sync::Arc;
/// use anomseq::arrow_array::{RecordBatch, StringArray, TimestampSecondArray};
/// use anomseq::{score_and_visualise_sessions, Cmd, Sessions};
///
/// let sessions = Sessions::from_cmds(vec![
///     vec![Cmd::new("Set-User"), Cmd::new("Set-User")],
///     vec![Cmd::new("Set-Mailbox"), Cmd::new("Set-User"), Cmd::new("Set-User")],
///     vec![Cmd::new("Set-User"), Cmd::new("Set-User"), Cmd::new("Set-User")],
/// ])?;
/// let other = RecordBatch::try_from_iter([
///     ("start", Arc::new(TimestampSecondArray::from(vec![1_600_000_000, 1_600_000_060, 1_600_000_120])) as _),
///     ("user", Arc::new(StringArray::from(vec!["alice", "bob", "carol"])) as _),
/// ])?;
/// let timeline = score_and_visualise_sessions(&sessions, &other, 3, "start", None, &["user"])?;
/// assert_eq!(timeline.points().len(), 3);
/// assert_eq!(timeline.points().iter().min_by(|a, b| a.score.total_cmp(&b.score)).unwrap().sources, ["bob"]);
/// let html = timeline.to_html(); // or timeline.write_html("timeline.html")?
/// assert!(html.starts_with("<!doctype html>"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "viz")]
pub fn score_and_visualise_sessions(
    sessions: &Sessions,
    other: &arrow_array::RecordBatch,
    window_length: usize,
    time_column: &str,
    likelihood_upper_bound: Option<f64>,
    source_columns: &[&str],
) -> Result<viz::Timeline, viz::Error> {
    let (_, _, batch) = scored_batch(sessions, other, window_length)?;
    viz::visualise_scored_sessions(
        &[batch],
        time_column,
        &core::rarest_window_likelihood(window_length),
        &core::rarest_window(window_length),
        likelihood_upper_bound,
        source_columns,
    )
}

/// Score the sessions and build the report page of `anomseq run` / `anomseq demo`:
/// the timeline, the `options.top_n` rarest sessions (with their number of events)
/// and the run's parameters. `other` is as for [`score_and_visualise_sessions`];
/// `options.key_columns` and the timeline's source columns name columns of it.
#[cfg(feature = "viz")]
pub fn score_and_report_sessions(
    sessions: &Sessions,
    other: &arrow_array::RecordBatch,
    window_length: usize,
    time_column: &str,
    options: &viz::ReportOptions,
) -> Result<viz::Report, viz::Error> {
    if sessions.len() != other.num_rows() {
        return Err(viz::Error::LengthMismatch { sessions: sessions.len(), rows: other.num_rows() });
    }
    let model = train(sessions);
    let scored = score_data(&model, sessions, &ScoreOptions::new(window_length))?;
    report(&model, sessions, &scored, other, time_column, options)
}

/// The report page of scored sessions, as `anomseq run --report` writes it and
/// Python's `anomseq.report` shows it: the timeline in the score's direction, the
/// `options.top_n` rarest sessions with their number of events and each step of
/// their rarest window explained by `model`, and `options.parameters`.
///
/// `other` holds one row per session, in the order of `sessions` (the sessionized
/// table without its event list, say): at least `time_column`, the key columns and
/// the timeline's source columns. The direction and scale of the timeline follow
/// the score's [`Direction`], whatever `options.timeline` says.
#[cfg(feature = "viz")]
pub fn report(
    model: &Model,
    sessions: &Sessions,
    scored: &Scored,
    other: &arrow_array::RecordBatch,
    time_column: &str,
    options: &viz::ReportOptions,
) -> Result<viz::Report, viz::Error> {
    let higher = scored.direction() == Direction::HigherIsRarer;
    let timeline = options.timeline.clone().with_higher_is_rarer(higher).with_log_scale(!higher);
    let options = options.clone().with_timeline(timeline).with_events_column(core::SESSION_LENGTH);
    let batch = viz::scored_sessions_batch(sessions, scored, other)?;
    let k = scored.window_options().window_len;
    let report = viz::Report::new(&[batch], time_column, scored.score_name(), &core::rarest_window(k), &options)?;
    let explainer = scored.explainer(model.probabilities(), sessions);
    Ok(report.with_explanations(|row| explainer.as_ref().and_then(|e| e.explain(row))))
}

/// Train on `sessions`, score them (the reference mode, tokens on) and put the
/// scored columns beside `other`.
#[cfg(feature = "viz")]
fn scored_batch(
    sessions: &Sessions,
    other: &arrow_array::RecordBatch,
    window_length: usize,
) -> Result<(Model, Scored, arrow_array::RecordBatch), viz::Error> {
    if sessions.len() != other.num_rows() {
        return Err(viz::Error::LengthMismatch { sessions: sessions.len(), rows: other.num_rows() });
    }
    let model = train(sessions);
    let scored = score_data(&model, sessions, &ScoreOptions::new(window_length))?;
    let batch = viz::scored_sessions_batch(sessions, &scored, other)?;
    Ok((model, scored, batch))
}
