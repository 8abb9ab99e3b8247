//! The interactive timeline of scored sessions (spec §9).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use arrow_array::RecordBatch;
use plotly::common::{Marker, Mode, Title};
use plotly::layout::{Axis, AxisType, DragMode, HoverMode, Layout, Margin};
use plotly::{Configuration, Plot, Scatter};

use crate::escape::{escape_html, truncate};
use crate::page::Page;
use crate::table::Table;
use crate::Error;

/// At most this many characters of a value go into a tooltip (the report's table shows it all).
const TOOLTIP_CHARS: usize = 300;

/// How a timeline looks and what it keeps.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TimelineOptions {
    /// Title of the page and the chart.
    pub title: String,
    /// Keep only sessions at least as rare as this score: at most it when lower is
    /// rarer (msticpy's likelihoods), at least it when [`higher_is_rarer`](Self::higher_is_rarer).
    pub score_upper_bound: Option<f64>,
    /// The score's direction: `false` (the default) for likelihoods, where lower is
    /// rarer; `true` for scores such as `profile_score`, where higher is rarer. The
    /// axis says which.
    pub higher_is_rarer: bool,
    /// Columns whose values the tooltip shows, in this order.
    pub source_columns: Vec<String>,
    /// Score axis on a log scale (the default); sessions whose score is not
    /// positive cannot be drawn there and are left out and counted.
    pub log_scale: bool,
    /// Draw with WebGL (Plotly's `scattergl`, the default: stays interactive with
    /// 100k+ sessions) or with SVG (`scatter`: works without WebGL).
    pub webgl: bool,
}

impl Default for TimelineOptions {
    fn default() -> Self {
        TimelineOptions {
            title: "Scored sessions".to_owned(),
            score_upper_bound: None,
            higher_is_rarer: false,
            source_columns: Vec::new(),
            log_scale: true,
            webgl: true,
        }
    }
}

impl TimelineOptions {
    /// Set the title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Keep only sessions whose score is at most `bound`.
    pub fn with_score_upper_bound(mut self, bound: Option<f64>) -> Self {
        self.score_upper_bound = bound;
        self
    }

    /// Higher scores are rarer (`true`) or lower ones (`false`, the default).
    pub fn with_higher_is_rarer(mut self, higher_is_rarer: bool) -> Self {
        self.higher_is_rarer = higher_is_rarer;
        self
    }

    /// Show these columns in the tooltips.
    pub fn with_source_columns<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.source_columns = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Log (`true`) or linear score axis.
    pub fn with_log_scale(mut self, log_scale: bool) -> Self {
        self.log_scale = log_scale;
        self
    }

    /// WebGL (`true`) or SVG markers.
    pub fn with_webgl(mut self, webgl: bool) -> Self {
        self.webgl = webgl;
        self
    }
}

/// One session drawn on the timeline.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Point {
    /// Its row in the data, counted from 0 over all batches.
    pub row: usize,
    /// Time in milliseconds since the Unix epoch (UTC).
    pub time_ms: i64,
    /// Time as the data shows it.
    pub time: String,
    /// The score (finite).
    pub score: f64,
    /// Display text of the window (see [`window_texts`](crate::window_texts)).
    pub window: String,
    /// Display text of each source column, in the order of the options.
    pub sources: Vec<String>,
}

/// Where every row went: each one is counted exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TimelineSummary {
    /// Rows in the data.
    pub rows: usize,
    /// Sessions drawn.
    pub shown: usize,
    /// Left out: null time.
    pub null_time: usize,
    /// Left out: null, NaN or infinite score.
    pub null_score: usize,
    /// Left out: score not positive, on a log axis.
    pub not_positive: usize,
    /// Left out: less rare than the bound (above it, or below it when higher is rarer).
    pub above_bound: usize,
}

impl TimelineSummary {
    /// One line for people: what is shown and what was left out, and why.
    pub fn describe(&self, bound: Option<f64>) -> String {
        let mut out = format!("{} of {} sessions shown", self.shown, self.rows);
        let mut left = Vec::new();
        if self.null_score > 0 {
            left.push(format!("{} without a score", self.null_score));
        }
        if self.null_time > 0 {
            left.push(format!("{} without a time", self.null_time));
        }
        if self.not_positive > 0 {
            left.push(format!("{} with a score of 0 or less (log axis)", self.not_positive));
        }
        if self.above_bound > 0 {
            let bound = bound.map(|b| format!(" {b:e}")).unwrap_or_default();
            left.push(format!("{} less rare than the bound{bound}", self.above_bound));
        }
        if !left.is_empty() {
            let _ = write!(out, "; left out: {}", left.join(", "));
        }
        out
    }
}

/// Scored sessions ready to draw: the points kept, and where the others went.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    options: TimelineOptions,
    time_column: String,
    score_column: String,
    window_column: String,
    points: Vec<Point>,
    summary: TimelineSummary,
}

impl Timeline {
    /// Read the columns and keep the sessions to draw.
    ///
    /// Errors name a missing column and list the existing ones; a time column
    /// must be a timestamp (any unit, with or without a time zone), a date, or
    /// strings that parse as timestamps; the score column must be numeric.
    pub fn new(
        data: &[RecordBatch],
        time_column: &str,
        score_column: &str,
        window_column: &str,
        options: &TimelineOptions,
    ) -> Result<Timeline, Error> {
        if let Some(bound) = options.score_upper_bound {
            if bound.is_nan() {
                return Err(Error::BadOption { option: "score_upper_bound", message: "NaN is not a bound".to_owned() });
            }
        }
        let table = Table::new(data)?;
        // look every column up first, so that the first error is about a name
        for name in [time_column, score_column, window_column]
            .into_iter()
            .chain(options.source_columns.iter().map(String::as_str))
        {
            table.index(name)?;
        }
        let (times_ms, times) = table.times(time_column)?;
        let scores = table.scores(score_column)?;
        let windows = table.windows(window_column)?;
        let sources: Vec<Vec<String>> =
            options.source_columns.iter().map(|c| table.texts(c)).collect::<Result<_, _>>()?;

        let mut summary = TimelineSummary { rows: table.num_rows(), ..TimelineSummary::default() };
        let mut points = Vec::new();
        for (row, ((time_ms, time), (score, window))) in
            times_ms.into_iter().zip(times).zip(scores.into_iter().zip(windows)).enumerate()
        {
            let Some(time_ms) = time_ms else {
                summary.null_time += 1;
                continue;
            };
            let Some(score) = score else {
                summary.null_score += 1;
                continue;
            };
            if options.log_scale && score <= 0.0 {
                summary.not_positive += 1;
                continue;
            }
            let less_rare = |b: f64| if options.higher_is_rarer { score < b } else { score > b };
            if options.score_upper_bound.is_some_and(less_rare) {
                summary.above_bound += 1;
                continue;
            }
            let sources = sources.iter().map(|column| column[row].clone()).collect();
            points.push(Point { row, time_ms, time, score, window, sources });
        }
        summary.shown = points.len();
        Ok(Timeline {
            options: options.clone(),
            time_column: time_column.to_owned(),
            score_column: score_column.to_owned(),
            window_column: window_column.to_owned(),
            points,
            summary,
        })
    }

    /// The sessions drawn, in the order of the data.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// Where every row went.
    pub fn summary(&self) -> TimelineSummary {
        self.summary
    }

    /// The options it was built with.
    pub fn options(&self) -> &TimelineOptions {
        &self.options
    }

    /// The names of the time, score and window columns.
    pub fn columns(&self) -> (&str, &str, &str) {
        (&self.time_column, &self.score_column, &self.window_column)
    }

    /// The hover template: one line per field, labels escaped; values come from
    /// `customdata` (built in the page from [`hover_columns_json`](Self::hover_columns_json)).
    fn hover_template(&self) -> String {
        let mut lines = vec![
            format!("<b>{}</b>: %{{customdata[0]}}", escape_label(&self.time_column)),
            format!("<b>{}</b>: %{{y:.6e}}", escape_label(&self.score_column)),
            format!("<b>{}</b>: %{{customdata[1]}}", escape_label(&self.window_column)),
        ];
        for (i, name) in self.options.source_columns.iter().enumerate() {
            lines.push(format!("<b>{}</b>: %{{customdata[{}]}}", escape_label(name), i + 2));
        }
        lines.join("<br>") + "<extra></extra>"
    }

    /// The values the tooltips show (time, window, sources), escaped for Plotly's
    /// labels and dictionary-encoded per column: `[{"values": [..], "codes": [..]}, ..]`
    /// (`codes` is `null` when each value is kept in row order).
    fn hover_columns_json(&self) -> serde_json::Value {
        let mut columns: Vec<Vec<&str>> = vec![
            self.points.iter().map(|p| p.time.as_str()).collect(),
            self.points.iter().map(|p| p.window.as_str()).collect(),
        ];
        for i in 0..self.options.source_columns.len() {
            columns.push(self.points.iter().map(|p| p.sources[i].as_str()).collect());
        }
        let columns: Vec<serde_json::Value> = columns.into_iter().map(|c| dictionary(&c)).collect();
        serde_json::Value::Array(columns)
    }

    /// The Plotly figure (data, layout, config) as JSON text; its tooltips take
    /// their values from `customdata`, which the page fills in.
    pub fn figure_json(&self) -> String {
        let xs: Vec<i64> = self.points.iter().map(|p| p.time_ms).collect();
        let ys: Vec<f64> = self.points.iter().map(|p| p.score).collect();
        let trace = Scatter::new(xs, ys)
            .name("sessions")
            .mode(Mode::Markers)
            .hover_template(self.hover_template())
            .marker(Marker::new().size(7).opacity(0.75).color("#1f77b4"))
            .web_gl_mode(self.options.webgl);
        let y_type = if self.options.log_scale { AxisType::Log } else { AxisType::Linear };
        let layout = Layout::new()
            .title(Title::with_text(escape_label(&self.options.title)))
            .x_axis(
                Axis::new()
                    .type_(AxisType::Date)
                    .title(Title::with_text(format!("{} (UTC)", escape_label(&self.time_column)))),
            )
            .y_axis(Axis::new().type_(y_type).title(Title::with_text(format!(
                "{} ({} is rarer)",
                escape_label(&self.score_column),
                if self.options.higher_is_rarer { "higher" } else { "lower" }
            ))))
            .hover_mode(HoverMode::Closest)
            .drag_mode(DragMode::Zoom)
            .show_legend(false)
            .margin(Margin::new().left(80).right(30).top(60).bottom(60));
        let mut plot = Plot::new();
        plot.add_trace(trace);
        plot.set_layout(layout);
        plot.set_configuration(Configuration::new().display_logo(false).responsive(true).scroll_zoom(true));
        plot.to_json()
    }

    /// What the page embeds: `{"figure": .., "hover": ..}` as JSON text.
    pub(crate) fn payload_json(&self) -> String {
        format!("{{\"figure\":{},\"hover\":{}}}", self.figure_json(), self.hover_columns_json())
    }

    /// Markup of the summary line (escaped).
    pub(crate) fn summary_markup(&self) -> String {
        format!(
            "<p class=\"summary\" id=\"anomseq-summary\">{}</p>\n",
            escape_html(&self.summary.describe(self.options.score_upper_bound))
        )
    }

    /// One self-contained HTML page: works offline, every data string in it is
    /// JSON data or escaped text.
    pub fn to_html(&self) -> String {
        let mut page = Page::new(&self.options.title);
        page.push_markup(&self.summary_markup());
        page.push_timeline(self.payload_json(), self.options.webgl);
        page.finish()
    }

    /// Write [`to_html`](Self::to_html) to a file.
    pub fn write_html(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        write_file(path.as_ref(), self.to_html().as_bytes())
    }
}

/// Text for a Plotly label: HTML-escaped, and `%` as a character reference so
/// that no text can form a `%{..}` template placeholder.
pub(crate) fn escape_label(text: &str) -> String {
    escape_html(text).replace('%', "&#37;")
}

/// A column of tooltip values, escaped, truncated and dictionary-encoded when
/// values repeat.
fn dictionary(column: &[&str]) -> serde_json::Value {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut values: Vec<&str> = Vec::new();
    let codes: Vec<usize> = column
        .iter()
        .map(|v| {
            *index.entry(v).or_insert_with(|| {
                values.push(v);
                values.len() - 1
            })
        })
        .collect();
    let escape = |v: &&str| serde_json::Value::String(escape_label(&truncate(v, TOOLTIP_CHARS)));
    if values.len() * 2 > column.len() {
        serde_json::json!({ "values": column.iter().map(escape).collect::<Vec<_>>(), "codes": null })
    } else {
        serde_json::json!({ "values": values.iter().map(escape).collect::<Vec<_>>(), "codes": codes })
    }
}

/// A score as the tooltip and the table show it.
/// (`1.234567e-5`, `1.000000e+0`: the d3 format `.6e` the tooltips use).
pub(crate) fn format_score(score: f64) -> String {
    let text = format!("{score:.6e}");
    match text.split_once('e') {
        Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
        _ => text,
    }
}

/// Write a page atomically, with the permissions of any new file (see [`anomseq_io::AtomicFile`]).
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    anomseq_io::write_atomically(path, bytes).map_err(Error::Write)
}

/// The scored sessions on an interactive timeline (msticpy's `visualise_scored_sessions`):
/// x = `time_column`, y = `score_column` on a log scale, a tooltip with the time, the
/// score, the window and the `source_columns`; sessions without a score are left out
/// and counted; `score_upper_bound` keeps only the rarest.
///
/// Write it with [`Timeline::write_html`]; see [`Timeline::new`] for the column types.
pub fn visualise_scored_sessions(
    data: &[RecordBatch],
    time_column: &str,
    score_column: &str,
    window_column: &str,
    score_upper_bound: Option<f64>,
    source_columns: &[&str],
) -> Result<Timeline, Error> {
    let options = TimelineOptions::default()
        .with_score_upper_bound(score_upper_bound)
        .with_source_columns(source_columns.iter().copied());
    Timeline::new(data, time_column, score_column, window_column, &options)
}
