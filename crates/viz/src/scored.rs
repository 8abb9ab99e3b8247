//! Scored sessions as Arrow columns, ready for the timeline and the report.

use std::sync::Arc;

use anomseq_core::Sessions;
use anomseq_score::RarestWindow;
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema};

use crate::Error;

/// The names of the columns [`scored_sessions_batch`] adds for windows of length `k`:
/// the number of events, the rarest window's likelihood and the window itself,
/// as msticpy names them (`session_length`, `rarest_window{k}_likelihood`, `rarest_window{k}`).
pub fn scored_column_names(k: usize) -> (String, String, String) {
    ("session_length".to_owned(), format!("rarest_window{k}_likelihood"), format!("rarest_window{k}"))
}

/// `other` (one row per session: times, users, ...) with three columns added
/// (see [`scored_column_names`]): each session's number of events (UInt64), its
/// rarest window's likelihood (Float64, null where no window fits) and the window as
/// JSON text in the encoding of [`Cmd`](anomseq_core::Cmd)'s serde (Utf8, null where
/// no window fits).
pub fn scored_sessions_batch(
    sessions: &Sessions,
    rarest: &[RarestWindow],
    window_length: usize,
    other: &RecordBatch,
) -> Result<RecordBatch, Error> {
    if sessions.len() != other.num_rows() {
        return Err(Error::LengthMismatch { sessions: sessions.len(), rows: other.num_rows() });
    }
    if sessions.len() != rarest.len() {
        return Err(Error::LengthMismatch { sessions: sessions.len(), rows: rarest.len() });
    }
    let (len_name, lik_name, win_name) = scored_column_names(window_length);
    for name in [&len_name, &lik_name, &win_name] {
        if other.schema().index_of(name).is_ok() {
            return Err(Error::BadOption { option: "other", message: format!("already has a column {name:?}") });
        }
    }
    let lengths: UInt64Array = (0..sessions.len()).map(|i| Some(sessions.session_len(i) as u64)).collect();
    let likelihoods: Float64Array =
        rarest.iter().map(|w| Some(w.likelihood).filter(|l| !l.is_nan() && w.start.is_some())).collect();
    let windows: StringArray = rarest
        .iter()
        .enumerate()
        .map(|(i, w)| {
            w.range().map(|r| serde_json::to_string(&sessions.slice_cmds(i, r)).expect("commands serialise to JSON"))
        })
        .collect();
    let mut fields: Vec<Arc<Field>> = other.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(Field::new(len_name, DataType::UInt64, false)));
    fields.push(Arc::new(Field::new(lik_name, DataType::Float64, true)));
    fields.push(Arc::new(Field::new(win_name, DataType::Utf8, true)));
    let mut columns: Vec<ArrayRef> = other.columns().to_vec();
    columns.push(Arc::new(lengths));
    columns.push(Arc::new(likelihoods));
    columns.push(Arc::new(windows));
    Ok(RecordBatch::try_new(Arc::new(Schema::new_with_metadata(fields, other.schema().metadata().clone())), columns)?)
}
