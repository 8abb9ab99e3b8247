//! The error type of anomseq-viz.

use arrow_schema::DataType;

/// Everything that can go wrong while building a timeline or a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A column named in the call is not in the data.
    #[error("column {name:?} not found; existing columns: {existing}")]
    MissingColumn {
        /// The column asked for.
        name: String,
        /// The columns the data has, comma-separated.
        existing: String,
    },
    /// A column has a type this crate cannot use for its role.
    #[error("column {name:?} has type {data_type}, which cannot be used as {role}")]
    UnsupportedType {
        /// The column.
        name: String,
        /// Its Arrow type.
        data_type: DataType,
        /// What it was meant for (`"a time"`, `"a score"`, ...).
        role: &'static str,
    },
    /// A batch does not have the same columns as the first one.
    #[error("batch {batch} has columns {found}, the first batch has {expected}")]
    SchemaMismatch {
        /// Index of the batch.
        batch: usize,
        /// Its columns.
        found: String,
        /// The first batch's columns.
        expected: String,
    },
    /// A string in the time column is not a timestamp.
    #[error("column {column:?}, row {row}: {value:?} is not a timestamp")]
    BadTime {
        /// The time column.
        column: String,
        /// The row, counted from 1 over all batches.
        row: usize,
        /// The offending value.
        value: String,
    },
    /// A text cell of the score column is not a number.
    #[error("column {column:?}, row {row}: {value:?} is not a number")]
    BadScore {
        /// The score column.
        column: String,
        /// The row, counted from 1 over all batches.
        row: usize,
        /// The offending value.
        value: String,
    },
    /// An option has a value that cannot work.
    #[error("option {option}: {message}")]
    BadOption {
        /// The option.
        option: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Sessions and their other columns do not line up.
    #[error("{sessions} sessions but {rows} rows of other columns")]
    LengthMismatch {
        /// Number of sessions.
        sessions: usize,
        /// Number of rows.
        rows: usize,
    },
    /// An Arrow kernel failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// Writing a page failed (nothing was left at the destination).
    #[error(transparent)]
    Write(anomseq_io::Error),
    /// Scoring the sessions failed.
    #[error("scoring: {0}")]
    Score(#[from] anomseq_score::Error),
    /// Drawing the static SVG failed.
    #[error("svg: {0}")]
    Svg(String),
}
