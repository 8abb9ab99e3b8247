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
}
