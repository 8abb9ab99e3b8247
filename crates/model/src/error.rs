//! The error type of anomseq-model.

/// Everything that can go wrong when building or loading a model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The sessions were invalid.
    #[error(transparent)]
    Sessions(#[from] anomseq_core::Error),
    /// A probability table lacks the `##UNK##` fallback entry.
    #[error("table `{table}` has no `##UNK##` entry{}", row.as_ref().map(|r| format!(" in row `{r}`")).unwrap_or_default())]
    MissingUnk {
        /// Which table.
        table: &'static str,
        /// The row missing it, for a two-level table.
        row: Option<String>,
    },
    /// A probability table is empty.
    #[error("table `{table}` is empty")]
    EmptyTable {
        /// Which table.
        table: &'static str,
    },
    /// Two models of different session types cannot be merged.
    #[error("cannot merge a {left} model with a {right} model")]
    TypeMismatch {
        /// Type of the left model.
        left: anomseq_core::SessionType,
        /// Type of the right model.
        right: anomseq_core::SessionType,
    },
    /// A model file is corrupt, truncated, of another format or newer.
    #[error("{0}")]
    ModelFile(String),
    /// Counts so large that a sum would pass 2^53, past which `count / total`
    /// is no longer exact (a corrupt or hostile model file, or a merge of such).
    #[error(
        "table `{table}` sums to {total}, past 2^53 (9007199254740992): probabilities cannot be computed exactly from counts this large"
    )]
    CountOverflow {
        /// The table (msticpy's name for it).
        table: &'static str,
        /// The sum, exactly.
        total: String,
    },
    /// One model keeps the sequence state of the opt-in modes and the other does not.
    #[error(
        "cannot merge a model {} with one {}: train both with the same options",
        if *left_has { "that keeps every mode's state" } else { "of the reference mode only" },
        if *left_has { "of the reference mode only" } else { "that keeps every mode's state" }
    )]
    StateMismatch {
        /// Whether the left model has it.
        left_has: bool,
    },
    /// The two models keep n-grams of different orders.
    #[error("cannot merge a model of n-grams up to order {left} with one up to order {right}: train both with the same order")]
    OrderMismatch {
        /// The left model's order.
        left: usize,
        /// The right model's order.
        right: usize,
    },
    /// Serialised counts are inconsistent.
    #[error("invalid counts: {0}")]
    InvalidCounts(String),
}
