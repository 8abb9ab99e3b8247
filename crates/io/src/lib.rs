//! Files in and out of anomseq: CSV, Parquet, Arrow IPC (file and stream) and
//! NDJSON, read in batches and written atomically.
//!
//! - [`open`] → [`BatchReader`] (an iterator of record batches), [`read_table`];
//!   [`Format`] is picked by extension ([`Format::from_path`]) or named.
//!   CSV columns are read as strings unless [`ReadOptions::infer_csv_types`]; empty
//!   CSV cells are null (as pandas' NaN). NDJSON values become strings: a string as
//!   it is, a number, boolean, list or object as its compact JSON text, `null` as null.
//! - [`sessionize_file`] (batch) and [`sessionize_stream`] / [`sessionize_stream_then`] (time-ordered input,
//!   memory bounded by the open sessions) from a file of events.
//! - [`BatchWriter`], [`write_table`], [`write_sessions`]: Parquet (Snappy; list and
//!   struct columns as they are), Arrow IPC, NDJSON and CSV (list columns as JSON text).
//! - [`read_sessions`] → [`SessionsTable`]: a sessions file of any format back into
//!   [`Sessions`](anomseq_core::Sessions); [`write_scored`] appends msticpy's
//!   `rarest_window{k}_likelihood` and `rarest_window{k}` columns.
//! - [`write_bad_rows`]: the side file of rows skipped on request.
//!
//! Every error names the file, and where one is at fault, the row, column and value.
//! Writers never leave a partial file at the destination. Malformed Parquet and Arrow
//! IPC files are read errors, never panics: IPC structure is checked before arrow
//! reads it, and the decoders run behind a `catch_unwind` boundary
//! ([`quiet_decoder_panics`] keeps the caught panics from printing).
//!
//! ```
//! use anomseq_io::{read_sessions, sessionize_file, write_sessions, Format, ReadOptions, WriteOptions};
//! use anomseq_sessionize::{EventSpec, SessionizeOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let csv = dir.path().join("events.csv");
//! std::fs::write(&csv, "user,time,op\nu1,2020-01-01T00:00:00Z,A\nu1,2020-01-01T00:01:00Z,B\n,2020-01-01T00:00:00Z,C\n")?;
//! let opts = SessionizeOptions::new(["user"], "time");
//! let out = sessionize_file(&csv, None, &opts, &EventSpec::commands("op"), &ReadOptions::default())?;
//! let parquet = dir.path().join("sessions.parquet");
//! write_sessions(&parquet, None, &out.table, &WriteOptions::default())?;
//! let back = read_sessions(&parquet, Some(Format::Parquet), "op_list")?;
//! assert_eq!(back.sessions, out.sessions);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod atomic;
mod delimited;
mod error;
mod format;
mod guard;
mod ipc;
mod ndjson;
mod parquet_out;
mod paths;
mod progress;
mod read;
mod scored;
mod sessions;
mod source;
mod write;

pub use atomic::{check_destination, remove_temporary_files, write_atomically, AtomicFile};
pub use error::Error;
pub use format::Format;
pub use guard::quiet_decoder_panics;
pub use paths::check_outputs;
pub use progress::{ProgressUnit, ReadProgress};
pub use read::{open, read_table, BatchReader, ReadOptions};
pub use scored::{
    is_scored_column, restore_scored_columns, scored_column_names, scored_columns, scored_table, without_columns,
    write_scored,
};
pub use sessions::{
    default_session_column, read_sessions, read_sessions_with, sessionize_file, sessionize_stream,
    sessionize_stream_then, write_bad_rows, write_sessions, SessionsTable, StreamSummary,
};
pub use source::release_spooled_inputs;
pub use write::{spreadsheet_safe, write_batches, write_table, write_table_with, BatchWriter, WriteOptions};
