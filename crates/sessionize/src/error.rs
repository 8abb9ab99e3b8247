//! The error type of anomseq-sessionize, bad rows, and values made printable.

use anomseq_core::printable;
use arrow::datatypes::DataType;

/// Longest value quoted in an error message; longer ones are cut with `…`.
const MAX_QUOTED: usize = 160;

/// Quote a value for an error message, cut to a readable length, with its
/// control characters made [`printable`].
pub(crate) fn quote(value: &str) -> String {
    let value = printable(value);
    if value.chars().count() <= MAX_QUOTED {
        value.into_owned()
    } else {
        let mut s: String = value.chars().take(MAX_QUOTED).collect();
        s.push('…');
        s
    }
}

/// Everything that can go wrong while sessionizing.
///
/// Rows are numbered from 1 in input order (the first data row is row 1,
/// across all record batches).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A column the options name is not in the input.
    #[error("no column `{column}`; the columns are: {}", available.join(", "))]
    MissingColumn {
        /// The missing column.
        column: String,
        /// The columns the input has.
        available: Vec<String>,
    },
    /// A user column given twice, or named like a column of the output: the output
    /// would have two columns of one name.
    #[error("user column `{column}` {reason}")]
    UserColumn {
        /// The user column.
        column: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A column has a type the sessionizer cannot use.
    #[error("column `{column}` is of type {found}, expected {expected}")]
    WrongType {
        /// The column.
        column: String,
        /// Its type.
        found: DataType,
        /// What would do.
        expected: &'static str,
    },
    /// A cell cannot be used (see [`BadRow`](crate::BadRow) for the skipped-rows form).
    #[error("row {row}, column `{column}`, value `{value}`: {reason}")]
    BadValue {
        /// Row number, from 1.
        row: usize,
        /// The column.
        column: String,
        /// The offending value (cut when long).
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A row's structure is broken (a ragged CSV row, invalid UTF-8, a line that is
    /// not a JSON object): see [`BadRow`](crate::BadRow) for the skipped-rows form.
    #[error("line {line} (row {row}): {reason}")]
    BadLine {
        /// Row number, from 1.
        row: usize,
        /// Line of the file where the row starts, from 1.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The streaming sessionizer got a row earlier than the one before it.
    #[error(
        "row {row}, column `{column}`, value `{value}`: input is not in time order (the previous row has `{previous}`); \
         sort it or use the batch sessionizer"
    )]
    NotTimeOrdered {
        /// Row number, from 1.
        row: usize,
        /// The time column.
        column: String,
        /// The row's time.
        value: String,
        /// The previous row's time.
        previous: String,
    },
    /// A duration could not be parsed.
    #[error("invalid duration `{value}`: {reason}")]
    Duration {
        /// The text given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An epoch unit could not be parsed.
    #[error("invalid epoch unit `{0}`: expected one of s, ms, us, ns")]
    EpochUnit(String),
    /// A limit is negative.
    #[error("{what} must not be negative, got {value}")]
    NegativeLimit {
        /// Which limit.
        what: &'static str,
        /// Its value.
        value: String,
    },
    /// Record batches of one input disagree on their schema.
    #[error("record batch {index} has a different schema from the first one: {found}")]
    SchemaMismatch {
        /// Index of the offending batch.
        index: usize,
        /// Its schema.
        found: String,
    },
    /// No record batch was given (pass at least one, possibly empty, batch).
    #[error("no record batches: pass at least one, possibly empty, batch")]
    NoBatches,
    /// More rows than 32-bit row indices can address.
    #[error("too many rows for 32-bit indices: {0}")]
    TooManyRows(usize),
    /// The sessions could not be built.
    #[error(transparent)]
    Core(#[from] anomseq_core::Error),
    /// An Arrow kernel failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

/// A row left out on request ([`OnBadRow::Skip`](crate::OnBadRow::Skip)), with its reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BadRow {
    /// Row number, from 1, in input order.
    pub row: usize,
    /// Line of the file where the row starts, from 1 (the header is line 1 of a
    /// CSV file), where the reader knows it: rows skipped for their structure.
    #[serde(default)]
    pub line: Option<usize>,
    /// The column whose value is bad.
    pub column: String,
    /// The offending value (cut when long).
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

impl BadRow {
    /// The error this row would have raised without skipping.
    pub fn to_error(&self) -> Error {
        if let Some(line) = self.line {
            return Error::BadLine { row: self.row, line, reason: self.reason.clone() };
        }
        Error::BadValue {
            row: self.row,
            column: self.column.clone(),
            value: self.value.clone(),
            reason: self.reason.clone(),
        }
    }
}
