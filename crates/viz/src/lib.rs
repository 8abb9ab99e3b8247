//! Timelines and reports of anomseq's scored sessions (spec §9, msticpy's
//! `visualise_scored_sessions`): one self-contained HTML file that works with no
//! network, and a static SVG.
//!
//! - [`visualise_scored_sessions`] / [`Timeline`] ([`TimelineOptions`]): x = session
//!   time, y = score on a log scale, one marker per session up to
//!   [`TimelineOptions::max_points`] (the rarest; the others as a band with counts, so a
//!   page of a million sessions stays small), Plotly's WebGL `scattergl`, optionally
//!   coloured by a column, a tooltip (wrapped) with the time, the
//!   score, the rarest window and chosen source columns, zoom and pan; sessions
//!   without a score are left out and counted ([`TimelineSummary`]); an optional
//!   upper bound keeps only the rarest. [`Timeline::to_svg`] draws it statically.
//! - [`Report`] ([`ReportOptions`]): the page of `anomseq run` and `anomseq demo`,
//!   the timeline, a sortable table of the N rarest sessions ([`RareSession`]), each
//!   explained step by step when given an [`Explanation`](anomseq_score::Explanation),
//!   and the run's parameters.
//! - [`scored_sessions_batch`]: sessions and their [`Scored`](anomseq_score::Scored) result as
//!   Arrow columns (those of [`anomseq_io::scored_columns`], plus `session_length`).
//! - [`window_texts`]: any window cell (list of commands, list of event structs,
//!   JSON text) as display text.
//!
//! The data is a slice of Arrow [`RecordBatch`](arrow_array::RecordBatch)es with
//! the same columns.
//!
//! # Hostile data
//!
//! Log strings come from attackers. Every string from the data reaches a page
//! only as JSON data inside `<script type="application/json">`, escaped by
//! [`json_for_script`], or as text escaped by [`escape_html`] — never as markup or
//! script. The page's Content Security Policy allows only its own scripts (by
//! hash) and no network at all. CSV exports can neutralise formulas with
//! [`spreadsheet_safe`].
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{Float64Array, RecordBatch, StringArray, TimestampSecondArray};
//!
//! let batch = RecordBatch::try_from_iter([
//!     ("start", Arc::new(TimestampSecondArray::from(vec![1_600_000_000, 1_600_000_600, 1_600_001_200])) as _),
//!     ("likelihood", Arc::new(Float64Array::from(vec![Some(0.2), None, Some(1e-4)])) as _),
//!     ("window", Arc::new(StringArray::from(vec![r#"["Set-User"]"#, "", r#"["<script>alert(1)</script>"]"#])) as _),
//!     ("user", Arc::new(StringArray::from(vec!["alice", "bob", "eve"])) as _),
//! ])?;
//! let timeline = anomseq_viz::visualise_scored_sessions(&[batch], "start", "likelihood", "window", None, &["user"])?;
//! assert_eq!(timeline.points().len(), 2);
//! assert_eq!(timeline.summary().null_score, 1);
//! let html = timeline.to_html();
//! assert!(!html.contains("<script>alert(1)"));
//! let svg = timeline.to_svg(800, 400)?;
//! assert!(svg.starts_with("<svg"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod error;
mod escape;
mod page;
mod report;
mod scored;
mod svg;
mod table;
mod timeline;
mod window;

pub use anomseq_io::spreadsheet_safe;
pub use error::Error;
pub use escape::{escape_html, json_for_script};
pub use report::{RareSession, Report, ReportOptions};
pub use scored::scored_sessions_batch;
pub use timeline::{
    visualise_scored_sessions, BandBin, Point, Timeline, TimelineOptions, TimelineSummary, DEFAULT_MAX_POINTS,
};
pub use window::{cmd_text, json_window_text, window_texts, EVENT_SEPARATOR};
