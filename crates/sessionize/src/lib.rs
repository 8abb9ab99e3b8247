//! Sessionize rows of log events over Arrow record batches: spec §2, exactly
//! as msticpy's `sessionize_data` does it, at tens of millions of events a second.
//!
//! - [`sessionize`]: sort rows by (user keys, time) stably and cut them into
//!   sessions when a user key changes, the gap to the previous event exceeds
//!   `max_gap`, or the time since the session's first event exceeds
//!   `max_session` (both strictly). The result, [`Sessionized`], holds msticpy's
//!   output frame as an Arrow [`RecordBatch`](arrow::array::RecordBatch) *and*
//!   the same sessions as an [`anomseq_core::Sessions`] for the model and scoring layers.
//! - [`StreamSessionizer`]: the same sessions from input already in time
//!   order, emitted as they close, in memory bounded by the open sessions.
//! - [`session_index`]: msticpy's `create_session_col`: the rows in session order
//!   with a session-index column; [`session_rows`]: the sessions as input rows.
//! - [`EventSpec`] / [`ParamsSource`]: build events straight from raw columns:
//!   commands, Exchange-style `{"Name","Value"}` lists, JSON objects (CloudTrail)
//!   or a list of columns, as params (a set) or params with values (a map).
//! - [`sessions_from_column`]: an event-list column (Arrow lists or JSON text) back
//!   into [`Sessions`](anomseq_core::Sessions).
//! - [`Duration`] (`20m`, `90s`, `1h30m`), [`EpochUnit`], [`parse_timestamp`].
//!
//! # Output table
//!
//! | column | type |
//! |---|---|
//! | each user column | its input type; a missing key is null |
//! | `{time}_min`, `{time}_max` | `Timestamp(Nanosecond, "UTC")` |
//! | `{event}_list` | commands: `List<Utf8>`; params: `List<Struct{name: Utf8, params: List<Utf8>}>`; values: `List<Struct{name: Utf8, params: Map<Utf8, Utf8>}>` ([`event_list_type`]) |
//! | `duration` | `Float64`, seconds (`time_max - time_min`) |
//! | `number_events` | `Int64` |
//!
//! Rows are ordered by user key, then start time. Strings sort by bytes (code
//! points), integers by value, and a missing (null) key sorts **after** every real
//! value of its column. A null key never merges with a real value (unlike
//! msticpy's `"dummy_str"` substitution).
//!
//! # Bad input
//!
//! A missing column ([`Error::MissingColumn`] lists those that exist) or a column of
//! the wrong type is an error. A bad cell (unparsable or null time, null or reserved
//! event name, malformed params JSON) is an error naming row (from 1), column and
//! value, or with [`OnBadRow::Skip`] the row is left out and reported in
//! [`Sessionized::bad_rows`]. Nothing is dropped silently and no input panics.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{RecordBatch, StringArray};
//! use anomseq_sessionize::{sessionize, Duration, EventSpec, SessionizeOptions};
//!
//! let batch = RecordBatch::try_from_iter([
//!     ("UserId", Arc::new(StringArray::from(vec![Some("u1"), None, Some("u1"), Some("u1")])) as _),
//!     ("time", Arc::new(StringArray::from(vec![
//!         "2020-01-03T00:00:00Z", "2020-01-03T00:00:10Z", "2020-01-03T00:01:00Z", "2020-01-03T00:05:00Z",
//!     ])) as _),
//!     ("op", Arc::new(StringArray::from(vec!["A", "B", "C", "D"])) as _),
//! ])?;
//! let opts = SessionizeOptions::new(["UserId"], "time")
//!     .with_limits("20m".parse()?, Duration::from_mins(2));
//! let out = sessionize(&[batch], &opts, &EventSpec::commands("op"))?;
//! // u1: [A, C] then (gap 4 min > 2) [D]; the null user: [B]
//! assert_eq!(out.table.num_rows(), 3);
//! assert_eq!(out.sessions.len(), 3);
//! assert_eq!(out.sessions.to_cmds(0), vec!["A".into(), "C".into()]);
//! assert_eq!(out.table.schema().field(3).name(), "op_list");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod bad_rows;
mod batch;
mod duration;
mod error;
mod events;
mod ids;
mod keys;
mod lists;
mod params;
mod plan;
mod stream;
mod time;

pub use anomseq_core::printable;
pub use bad_rows::OnBadRow;
pub use batch::{
    session_index, session_rows, sessionize, sessionize_table, SessionRows, SessionizeOptions, Sessionized,
};
pub use duration::Duration;
pub use error::{BadRow, Error};
pub use events::{EventSpec, ParamsSource};
pub use lists::{
    event_list_type, map_leaf_types, plain_nested_type, sessions_from_column, sessions_to_column, windows_to_column,
};
pub use params::{compact_json, JsonPairs};
pub use stream::StreamSessionizer;
pub use time::{format_timestamp, parse_timestamp, EpochUnit};

/// The default name of [`session_index`]'s column (msticpy's `session_ind`).
pub const SESSION_INDEX_COLUMN: &str = "session_ind";
