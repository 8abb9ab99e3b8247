//! Scored sessions as Arrow columns, ready for the timeline and the report.

use std::sync::Arc;

use anomseq_core::{Sessions, SESSION_LENGTH};
use anomseq_score::Scored;
use arrow_array::{ArrayRef, RecordBatch, UInt64Array};
use arrow_schema::{DataType, Field, Schema};

use crate::Error;

/// `other` (one row per session: times, users, ...) with each session's number of
/// events ([`SESSION_LENGTH`], UInt64) and the scored columns every output has
/// ([`anomseq_io::scored_columns`]: the rarest window's likelihood, the window as an
/// event list, its factors, the unseen count, and the other scores).
pub fn scored_sessions_batch(sessions: &Sessions, scored: &Scored, other: &RecordBatch) -> Result<RecordBatch, Error> {
    if sessions.len() != other.num_rows() {
        return Err(Error::LengthMismatch { sessions: sessions.len(), rows: other.num_rows() });
    }
    if sessions.len() != scored.len() {
        return Err(Error::LengthMismatch { sessions: sessions.len(), rows: scored.len() });
    }
    let lengths: ArrayRef =
        Arc::new((0..sessions.len()).map(|i| Some(sessions.session_len(i) as u64)).collect::<UInt64Array>());
    let mut columns = vec![(Field::new(SESSION_LENGTH, DataType::UInt64, false), lengths)];
    columns.extend(
        anomseq_io::scored_columns(sessions, scored)
            .map_err(|e| Error::BadOption { option: "scored", message: e.to_string() })?,
    );
    let mut fields: Vec<Arc<Field>> = other.schema().fields().iter().cloned().collect();
    let mut arrays: Vec<ArrayRef> = other.columns().to_vec();
    for (f, c) in columns {
        if other.schema().index_of(f.name()).is_ok() {
            return Err(Error::BadOption { option: "other", message: format!("already has a column {:?}", f.name()) });
        }
        fields.push(Arc::new(f));
        arrays.push(c);
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new_with_metadata(fields, other.schema().metadata().clone())), arrays)?)
}
