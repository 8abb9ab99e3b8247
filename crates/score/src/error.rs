//! The error type of anomseq-score.

use anomseq_core::SessionType;

/// Everything that can go wrong when scoring.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A window must hold at least one event.
    #[error("window length must be at least 1, got {0}")]
    WindowLength(usize),
    /// Set-of-params probabilities need parameters.
    #[error("set-of-params probabilities need sessions with params, got {0} sessions")]
    NoParams(SessionType),
    /// The sessions are not of the model's type.
    #[error("a {model} model cannot score {data} sessions")]
    TypeMismatch {
        /// The model's type.
        model: SessionType,
        /// The sessions' type.
        data: SessionType,
    },
    /// A scoring mode name that is not known.
    #[error("unknown scoring mode `{0}`: expected `reference`, `profile` or `novelty`")]
    UnknownMode(String),
    /// The n-gram order is out of range.
    #[error("n-gram order must be 1 to 8, got {0}")]
    Order(usize),
    /// A smoothing the `ngram` mode does not take.
    #[error("the ngram mode smooths with kneser-ney or modified-kneser-ney, not {0}")]
    NgramSmoothing(&'static str),
    /// A scoring order above the n-gram order the model kept.
    #[error("n-gram order {order} is above the order {kept} the model kept: train it with order {order} or more")]
    OrderAboveModel {
        /// The order asked for.
        order: usize,
        /// The order the model kept.
        kept: usize,
    },
    /// The model lacks the state a mode needs.
    #[error(
        "the model keeps the reference mode's counts only, not the `{mode}` mode's state (a model file of format 1, or trained without it): train it again with `anomseq train` (or `anomseq.train`)"
    )]
    ModeNeedsState {
        /// The mode asked for.
        mode: &'static str,
    },
    /// A mode that reads a model's counts, asked of bare probabilities.
    #[error("the `{mode}` mode reads the model's counts: score with the model (`score_with_model`, or `score_own` for the sessions it was trained on)")]
    ModeNeedsModel {
        /// The mode asked for.
        mode: &'static str,
    },
    /// The sequence state could not be built.
    #[error("{0}")]
    Model(String),
    /// The surprise weight is negative or not finite.
    #[error("surprise weight must be finite and non-negative, got {0}")]
    SurpriseWeight(String),
    /// The minimum support share is not in `0..=1`.
    #[error("minimum support must be a share from 0 to 1, got {0}")]
    MinSupport(String),
    /// Weights and sessions differ in number.
    #[error("{weights} weights for {sessions} sessions")]
    WeightCount {
        /// Number of weights.
        weights: usize,
        /// Number of sessions.
        sessions: usize,
    },
    /// A session weight is not finite and positive.
    #[error("weight of session {index} must be finite and positive, got {value}")]
    Weight {
        /// Index of the session.
        index: usize,
        /// The offending weight.
        value: String,
    },
}

impl From<anomseq_model::Error> for Error {
    fn from(e: anomseq_model::Error) -> Self {
        Error::Model(e.to_string())
    }
}
