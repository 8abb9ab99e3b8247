//! The error type of anomseq-eval.

/// Everything that can go wrong in an evaluation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Scores, labels and weights differ in length.
    #[error("{scores} scores, {labels} labels and {weights} weights: lengths differ")]
    Lengths {
        /// Number of scores.
        scores: usize,
        /// Number of labels.
        labels: usize,
        /// Number of weights.
        weights: usize,
    },
    /// A score is NaN.
    #[error("score {index} is NaN")]
    NanScore {
        /// Index of the score.
        index: usize,
    },
    /// A weight is negative or not finite.
    #[error("weight {index} must be finite and non-negative, got {value}")]
    Weight {
        /// Index of the weight.
        index: usize,
        /// The weight.
        value: f64,
    },
    /// Metrics need weight on both classes.
    #[error("no {0} sessions with positive weight: metrics need both classes")]
    OneClass(&'static str),
    /// A line of a `sessions.jsonl` file is not a labelled session.
    #[error("line {line}: {message}")]
    Parse {
        /// 1-based line number.
        line: usize,
        /// What is wrong, with the offending value.
        message: String,
    },
    /// The sessions are not a valid data set.
    #[error(transparent)]
    Core(#[from] anomseq_core::Error),
    /// Scoring failed.
    #[error(transparent)]
    Score(#[from] anomseq_score::Error),
    /// A protocol that selects no training or no test session.
    #[error("protocol {protocol} leaves no {what} sessions")]
    EmptySplit {
        /// The protocol.
        protocol: String,
        /// `training` or `test`.
        what: &'static str,
    },
}
