//! Scoring modes: which score a run computes, behind one entry point ([`score`]).

use std::borrow::Borrow;
use std::sync::Arc;

use anomseq_core::{
    rarest_window_likelihood, rarest_window_log_likelihood, Direction, Sessions, NGRAM_SCORE, NGRAM_SURPRISE,
    NOVELTY_DISTANCE, NOVELTY_PARAMS, NOVELTY_SCORE, NOVELTY_SURPRISE, PROFILE_DISTANCE, PROFILE_SCORE,
    PROFILE_SURPRISE, SESSION_GEOMEAN_LIKELIHOOD, SESSION_LIKELIHOOD, SESSION_LOG_LIKELIHOOD,
};
use anomseq_model::{Model, Probabilities};

use crate::dataset::rarest_explained;
use crate::{
    geomean_likelihoods, profile_scores, rarest_windows_log, session_likelihoods, session_log_likelihoods, Error,
    NgramModel, NgramOptions, NgramScore, ProfileOptions, ProfileScore, RarestWindow, Scored, WindowOptions,
};

/// Which score to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ScoringMode {
    /// msticpy's rarest-window likelihood, bit for bit (lower = more anomalous).
    #[default]
    Reference,
    /// Count-profile novelty plus n-gram surprise ([`ProfileModel`](crate::ProfileModel);
    /// higher = more anomalous).
    Profile,
    /// The `profile` score plus how new the session's parameters, categorical values
    /// and parameter sets are ([`ParamNovelty`](crate::ParamNovelty); higher = more
    /// anomalous). Needs a model (saved, or trained on the sessions scored).
    Novelty,
    /// The session's mean surprise per event under an interpolated (modified)
    /// Kneser–Ney n-gram model ([`NgramModel`](crate::NgramModel); higher = more
    /// anomalous): for long traces, such as system calls.
    Ngram,
}

impl ScoringMode {
    /// The mode's name as the CLI spells it (`reference`, `profile`, `novelty`, `ngram`).
    pub fn name(self) -> &'static str {
        match self {
            ScoringMode::Reference => "reference",
            ScoringMode::Profile => "profile",
            ScoringMode::Novelty => "novelty",
            ScoringMode::Ngram => "ngram",
        }
    }

    /// Parse a mode name (`reference`, `profile`, `novelty` or `ngram`).
    pub fn from_name(name: &str) -> Result<Self, Error> {
        match name {
            "reference" => Ok(ScoringMode::Reference),
            "profile" => Ok(ScoringMode::Profile),
            "novelty" => Ok(ScoringMode::Novelty),
            "ngram" => Ok(ScoringMode::Ngram),
            other => Err(Error::UnknownMode(other.to_owned())),
        }
    }
}

/// What [`score`] computes.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ScoreOptions {
    /// The headline score.
    pub mode: ScoringMode,
    /// The rarest windows' options (the reference score, and the explanation in every mode).
    pub window: WindowOptions,
    /// The `profile` mode's options.
    pub profile: ProfileOptions,
    /// The `ngram` mode's options.
    #[serde(default)]
    pub ngram: NgramOptions,
    /// Also the whole sessions' likelihoods, their geometric means and logs, and
    /// the rarest windows' log-likelihoods.
    pub all_scores: bool,
}

impl ScoreOptions {
    /// The reference score with windows of `window_len`, tokens on (msticpy's `score_sessions`).
    pub fn new(window_len: usize) -> Self {
        ScoreOptions {
            mode: ScoringMode::Reference,
            window: WindowOptions::new(window_len),
            profile: ProfileOptions::default(),
            ngram: NgramOptions::default(),
            all_scores: false,
        }
    }

    /// The same options with another mode.
    pub fn with_mode(mut self, mode: ScoringMode) -> Self {
        self.mode = mode;
        self
    }

    /// The same options with other window options.
    pub fn with_window(mut self, window: WindowOptions) -> Self {
        self.window = window;
        self
    }

    /// The same options with other `ngram` mode options.
    pub fn with_ngram(mut self, ngram: NgramOptions) -> Self {
        self.ngram = ngram;
        self
    }

    /// The same options with the extra scores on or off.
    pub fn with_all_scores(mut self, on: bool) -> Self {
        self.all_scores = on;
        self
    }
}

fn nan_if_none(windows: &[RarestWindow]) -> Vec<f64> {
    windows.iter().map(|w| if w.range().is_some() { w.likelihood } else { f64::NAN }).collect()
}

/// Score every session of `sessions` under the reference model `p`: the one
/// entry point of the pipeline's scoring step.
///
/// The reference mode's headline score is the rarest window's likelihood,
/// bit for bit as [`rarest_windows`] computes it. The `profile` mode trains a
/// [`ProfileModel`] on `sessions` and scores them ([`profile_scores`]); the
/// reference model's rarest windows still explain each session.
///
/// [`rarest_windows`]: crate::rarest_windows
/// [`ProfileModel`]: crate::ProfileModel
///
/// ```
/// use anomseq_core::{Cmd, Direction, Sessions};
/// use anomseq_model::Model;
/// use anomseq_score::{score, ScoreOptions};
///
/// let sessions = Sessions::from_cmds(vec![
///     vec![Cmd::new("Set-User"), Cmd::new("Set-User")],
///     vec![Cmd::new("Set-Mailbox"), Cmd::new("Set-User"), Cmd::new("Set-User")],
/// ])?;
/// let model = Model::train(&sessions);
/// let scored = score(model.probabilities(), &sessions, &ScoreOptions::new(3)).unwrap();
/// assert_eq!(scored.score_name(), "rarest_window3_likelihood");
/// assert_eq!(scored.direction(), Direction::LowerIsRarer);
/// assert_eq!(scored.rarest_first(), [1, 0]);
/// let product: f64 = scored.factors(1).iter().product();
/// assert!((product - scored.scores()[1]).abs() <= 1e-12 * scored.scores()[1]);
/// let why = scored.explain(model.probabilities(), &sessions, 1).unwrap();
/// assert_eq!(why.steps.len() + usize::from(why.end.is_some()), 3);
/// assert_eq!(scored.unseen()[1].total(), 0);
/// # Ok::<(), anomseq_core::Error>(())
/// ```
pub fn score(p: &Probabilities, sessions: &Sessions, options: &ScoreOptions) -> Result<Scored, Error> {
    if options.mode == ScoringMode::Novelty {
        return Err(Error::ModeNeedsModel { mode: ScoringMode::Novelty.name() });
    }
    scored(p, sessions, options, || match options.mode {
        ScoringMode::Ngram => Ok(ngram_columns(NgramModel::train(sessions, &options.ngram)?.score(sessions))),
        _ => Ok(profile_columns(profile_scores(sessions, &options.profile)?)),
    })
}

/// Score new sessions with a trained (or loaded) [`Model`]: the train-once,
/// score-tomorrow workflow, in every mode.
///
/// The reference mode is [`score`]'s, bit for bit. The `profile` mode scores with
/// the model's saved sequence state ([`ProfileModel::from_counts`],
/// [`ProfileModel::score`]: every training profile counts as a neighbour), so it
/// needs a model that keeps it ([`ModelOptions::every_mode`](anomseq_model::ModelOptions::every_mode));
/// [`Model::modes`] says which modes a model can score.
///
/// ```
/// use anomseq_core::{Cmd, Sessions};
/// use anomseq_model::{Model, ModelOptions};
/// use anomseq_score::{score_with_model, ScoreOptions, ScoringMode};
/// let s = |l: &[&[&str]]| Sessions::from_cmds(l.iter().map(|x| x.iter().map(|n| Cmd::new(*n)).collect::<Vec<_>>()).collect::<Vec<_>>()).unwrap();
/// let model = Model::try_train_with(&s(&[&["a", "b"], &["a", "b"]]), &ModelOptions::every_mode())?;
/// let options = ScoreOptions::new(2).with_mode(ScoringMode::Profile);
/// let scored = score_with_model(&model, &s(&[&["a", "b"], &["b", "a", "a"]]), &options).unwrap();
/// assert_eq!(scored.rarest_first()[0], 1);
/// // a model of the reference mode only cannot
/// assert!(score_with_model(&Model::train(&s(&[&["a"]])), &s(&[&["a"]]), &options).is_err());
/// # Ok::<(), anomseq_model::Error>(())
/// ```
///
/// [`ProfileModel::from_counts`]: crate::ProfileModel::from_counts
/// [`ProfileModel::score`]: crate::ProfileModel::score
pub fn score_with_model(model: &Model, sessions: &Sessions, options: &ScoreOptions) -> Result<Scored, Error> {
    ModelScorer::new(model, options)?.score(sessions)
}

/// Score the very sessions `model` was trained on (msticpy's unsupervised use), in
/// every mode: as [`score_with_model`], except that the `profile` part leaves each
/// session out of its own neighbours ([`ProfileModel::score_training`](crate::ProfileModel::score_training)),
/// as `anomseq score` without `--model` does.
pub fn score_own(model: &Model, sessions: &Sessions, options: &ScoreOptions) -> Result<Scored, Error> {
    ModelScorer::new_own(model, options)?.score(sessions)
}

/// A model ready to score data set after data set ([`score_with_model`]'s scores):
/// the state an improved mode builds from the model's counts is built once, not per
/// batch of a stream.
///
/// `M` is how the scorer holds the model: borrowed (`&Model`, as the CLI's stream
/// does), or shared (`Arc<Model>`, for a scorer kept beside the model, as the Python
/// package's `Model` keeps one per mode).
#[derive(Debug)]
pub struct ModelScorer<M: Borrow<Model>> {
    model: M,
    options: ScoreOptions,
    profile: Option<crate::ProfileModel>,
    novelty: Option<crate::ParamNovelty>,
    ngram: Option<NgramModel>,
    own: bool,
}

impl<M: Borrow<Model>> ModelScorer<M> {
    /// A scorer of `model` as `options` say; an improved mode needs the model's
    /// sequence state ([`Error::ModeNeedsState`]).
    pub fn new(model: M, options: &ScoreOptions) -> Result<Self, Error> {
        let (mut profile, mut novelty, mut ngram) = (None, None, None);
        if options.mode != ScoringMode::Reference {
            let m = model.borrow();
            let counts = m.shared_sequence().ok_or(Error::ModeNeedsState { mode: options.mode.name() })?;
            if options.mode == ScoringMode::Ngram {
                ngram = Some(NgramModel::from_counts(Arc::clone(counts), &options.ngram)?);
            } else {
                profile = Some(crate::ProfileModel::from_counts(Arc::clone(counts), &options.profile)?);
                novelty = (options.mode == ScoringMode::Novelty).then(|| crate::ParamNovelty::new(m, counts));
            }
        }
        Ok(ModelScorer { model, options: *options, profile, novelty, ngram, own: false })
    }

    /// A scorer of the very sessions `model` was trained on ([`score_own`]'s scores).
    pub fn new_own(model: M, options: &ScoreOptions) -> Result<Self, Error> {
        Ok(ModelScorer { own: true, ..ModelScorer::new(model, options)? })
    }

    /// The `ngram` mode's model, when the scorer scores in that mode (to explain a score:
    /// [`NgramModel::explain`]).
    pub fn ngram(&self) -> Option<&NgramModel> {
        self.ngram.as_ref()
    }

    /// The `novelty` mode's parameters' part, when the scorer scores in that mode (to
    /// explain a score: [`ParamNovelty::explain`](crate::ParamNovelty::explain)).
    pub fn novelty(&self) -> Option<&crate::ParamNovelty> {
        self.novelty.as_ref()
    }

    /// The options the scorer scores with.
    pub fn options(&self) -> &ScoreOptions {
        &self.options
    }

    /// Score one data set.
    pub fn score(&self, sessions: &Sessions) -> Result<Scored, Error> {
        let model = self.model.borrow();
        if model.session_type() != sessions.session_type() {
            return Err(Error::TypeMismatch { model: model.session_type(), data: sessions.session_type() });
        }
        scored(model.probabilities(), sessions, &self.options, || {
            if let Some(ngram) = &self.ngram {
                // every session is scored under the whole model: none is left out of it
                return Ok(ngram_columns(ngram.score(sessions)));
            }
            let profile = self.profile.as_ref().ok_or(Error::ModeNeedsState { mode: self.options.mode.name() })?;
            let parts = if self.own { profile.score_training(sessions) } else { profile.score(sessions) };
            Ok(match &self.novelty {
                Some(n) => novelty_columns(parts, n.scores(model, sessions), self.options.profile.params_weight),
                None => profile_columns(parts),
            })
        })
    }
}

/// An improved mode's headline column and its parts, as columns (higher is rarer).
struct Improved {
    name: &'static str,
    scores: Vec<f64>,
    parts: Vec<(&'static str, Vec<f64>)>,
}

fn profile_columns(parts: Vec<ProfileScore>) -> Improved {
    Improved {
        name: PROFILE_SCORE,
        scores: parts.iter().map(|x| x.score).collect(),
        parts: vec![
            (PROFILE_DISTANCE, parts.iter().map(|x| x.distance).collect()),
            (PROFILE_SURPRISE, parts.iter().map(|x| x.surprise).collect()),
        ],
    }
}

fn novelty_columns(parts: Vec<ProfileScore>, params: Vec<f64>, weight: f64) -> Improved {
    Improved {
        name: NOVELTY_SCORE,
        scores: parts.iter().zip(&params).map(|(x, p)| x.score + weight * p).collect(),
        parts: vec![
            (NOVELTY_DISTANCE, parts.iter().map(|x| x.distance).collect()),
            (NOVELTY_SURPRISE, parts.iter().map(|x| x.surprise).collect()),
            (NOVELTY_PARAMS, params),
        ],
    }
}

fn ngram_columns(scores: Vec<NgramScore>) -> Improved {
    Improved {
        name: NGRAM_SCORE,
        parts: vec![(NGRAM_SURPRISE, scores.iter().map(|x| x.surprise).collect())],
        scores: scores.iter().map(|x| x.score).collect(),
    }
}

/// The scores of `sessions`, an improved mode's columns (when the mode asks) from `improved`.
fn scored(
    p: &Probabilities,
    sessions: &Sessions,
    options: &ScoreOptions,
    improved: impl FnOnce() -> Result<Improved, Error>,
) -> Result<Scored, Error> {
    let w = options.window;
    let explained = rarest_explained(p, sessions, &w)?;
    let mut factor_offsets = Vec::with_capacity(explained.len() + 1);
    factor_offsets.push(0);
    let mut factors = Vec::with_capacity(explained.iter().map(|e| e.factors.len()).sum());
    let mut windows = Vec::with_capacity(explained.len());
    let mut unseen = Vec::with_capacity(explained.len());
    for e in explained {
        factors.extend(e.factors);
        factor_offsets.push(factors.len());
        windows.push(e.window);
        unseen.push(e.unseen);
    }
    let mut extra = Vec::new();
    let (score_name, direction, scores) = match options.mode {
        ScoringMode::Reference => {
            (rarest_window_likelihood(w.window_len), Direction::LowerIsRarer, nan_if_none(&windows))
        }
        _ => {
            let Improved { name, scores, parts } = improved()?;
            extra.extend(parts.into_iter().map(|(n, v)| (n.to_owned(), v)));
            (name.to_owned(), Direction::HigherIsRarer, scores)
        }
    };
    if options.all_scores {
        let tokens = w.use_start_end_tokens;
        let lik = session_likelihoods(p, sessions, tokens)?;
        let geo = geomean_likelihoods(&lik, sessions);
        let log = session_log_likelihoods(p, sessions, tokens)?;
        let rare_log = rarest_windows_log(p, sessions, &w)?;
        extra.push((SESSION_LIKELIHOOD.to_owned(), lik));
        extra.push((SESSION_GEOMEAN_LIKELIHOOD.to_owned(), geo));
        extra.push((SESSION_LOG_LIKELIHOOD.to_owned(), log));
        extra.push((rarest_window_log_likelihood(w.window_len), nan_if_none(&rare_log)));
    }
    Ok(Scored {
        mode: options.mode,
        window: w,
        score_name,
        direction,
        scores,
        windows,
        factor_offsets,
        factors,
        unseen,
        extra,
    })
}
