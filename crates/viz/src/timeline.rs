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
use anomseq_core::Direction;

use crate::Error;

/// At most this many characters of a value go into a tooltip (the report's table shows it all).
const TOOLTIP_CHARS: usize = 600;
/// Tooltip lines wrap at this many characters.
pub(crate) const TOOLTIP_WIDTH: usize = 80;
/// Points drawn by default; the other sessions go into a band ([`TimelineOptions::max_points`]).
pub const DEFAULT_MAX_POINTS: usize = 20_000;
/// Time bins of the band of the sessions not drawn as points.
const BAND_BINS: usize = 200;
/// Colours of the groups of [`TimelineOptions::colour_by`], the last one for all other values.
const PALETTE: [&str; 10] =
    ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f"];

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
    /// Draw at most this many sessions as points, the rarest ones
    /// ([`DEFAULT_MAX_POINTS`] by default); the others are drawn as a band (the
    /// range and median of their scores per time bin, with counts), so that a page
    /// of a million sessions stays small and responsive. The page says so.
    pub max_points: usize,
    /// Colour the points by the values of this column (its nine most frequent
    /// values among the points drawn, the others together), with a legend.
    pub colour_by: Option<String>,
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
            max_points: DEFAULT_MAX_POINTS,
            colour_by: None,
        }
    }
}

impl TimelineOptions {
    /// Set the title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Keep only sessions at least as rare as `bound`: at most it, or at least it
    /// when [`higher_is_rarer`](Self::higher_is_rarer).
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

    /// Draw at most this many sessions as points (see [`TimelineOptions::max_points`]).
    pub fn with_max_points(mut self, max_points: usize) -> Self {
        self.max_points = max_points;
        self
    }

    /// Colour the points by this column's values.
    pub fn with_colour_by(mut self, column: Option<String>) -> Self {
        self.colour_by = column;
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
    /// Display text of the [`colour_by`](TimelineOptions::colour_by) column.
    pub group: Option<String>,
}

/// One time bin of the sessions drawn as a band rather than as points.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BandBin {
    /// Centre of the bin, in milliseconds since the Unix epoch (UTC).
    pub time_ms: i64,
    /// Sessions in the bin.
    pub count: usize,
    /// Lowest score among them.
    pub min: f64,
    /// Their median score (the upper one of an even count).
    pub median: f64,
    /// Highest score among them.
    pub max: f64,
}

/// Where every row went: each one is counted exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TimelineSummary {
    /// Rows in the data.
    pub rows: usize,
    /// Sessions on the chart: drawn as points, or counted in the band.
    pub shown: usize,
    /// Of those, the sessions drawn as a band rather than as points (less rare than every point).
    pub in_band: usize,
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
        let mut out = format!("{} of {} sessions shown", thousands(self.shown), thousands(self.rows));
        if self.in_band > 0 {
            let _ = write!(
                out,
                " (the {} rarest as points, the other {} as a band: their score range and median per time bin)",
                thousands(self.shown - self.in_band),
                thousands(self.in_band)
            );
        }
        let mut left = Vec::new();
        if self.null_score > 0 {
            left.push(format!("{} without a score", thousands(self.null_score)));
        }
        if self.null_time > 0 {
            left.push(format!("{} without a time", thousands(self.null_time)));
        }
        if self.not_positive > 0 {
            left.push(format!("{} with a score of 0 or less (log axis)", thousands(self.not_positive)));
        }
        if self.above_bound > 0 {
            let bound = bound.map(|b| format!(" {b:e}")).unwrap_or_default();
            left.push(format!("{} less rare than the bound{bound}", thousands(self.above_bound)));
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
    band: Vec<BandBin>,
    summary: TimelineSummary,
}

/// `1234567` as `1,234,567`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn band(mut rest: Vec<(i64, f64)>) -> Vec<BandBin> {
    if rest.is_empty() {
        return Vec::new();
    }
    let lo = rest.iter().map(|r| r.0).min().expect("not empty");
    let hi = rest.iter().map(|r| r.0).max().expect("not empty");
    // bins of equal width over [lo, hi], in whole milliseconds
    let span = hi as i128 - lo as i128 + 1;
    let bins = BAND_BINS.min(rest.len()).max(1) as i128;
    let bin_of = |t: i64| (((t as i128 - lo as i128) * bins / span) as usize).min(bins as usize - 1);
    rest.sort_by(|a, b| bin_of(a.0).cmp(&bin_of(b.0)).then(a.1.total_cmp(&b.1)));
    let mut out = Vec::new();
    let mut start = 0;
    while start < rest.len() {
        let b = bin_of(rest[start].0);
        let end = start + rest[start..].iter().take_while(|r| bin_of(r.0) == b).count();
        let scores: Vec<f64> = rest[start..end].iter().map(|r| r.1).collect();
        let centre = lo as i128 + (2 * b as i128 + 1) * span / (2 * bins);
        out.push(BandBin {
            time_ms: centre as i64,
            count: scores.len(),
            min: scores[0],
            median: scores[scores.len() / 2],
            max: scores[scores.len() - 1],
        });
        start = end;
    }
    out
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
        if let Some(c) = &options.colour_by {
            table.index(c)?;
        }
        let times_ms = table.times(time_column)?;
        let scores = table.scores(score_column)?;

        let mut summary = TimelineSummary { rows: table.num_rows(), ..TimelineSummary::default() };
        let mut kept: Vec<(usize, i64, f64)> = Vec::new();
        for (row, (time_ms, score)) in times_ms.into_iter().zip(scores).enumerate() {
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
            kept.push((row, time_ms, score));
        }
        summary.shown = kept.len();
        // the rarest as points, in the order of the data; the others as a band
        let mut rest = Vec::new();
        if kept.len() > options.max_points {
            let direction = if options.higher_is_rarer { Direction::HigherIsRarer } else { Direction::LowerIsRarer };
            let order = direction.rarest_first(&kept.iter().map(|k| k.2).collect::<Vec<_>>());
            let mut drawn = vec![false; kept.len()];
            for &i in &order[..options.max_points] {
                drawn[i] = true;
            }
            let all = std::mem::take(&mut kept);
            for (k, d) in all.into_iter().zip(drawn) {
                if d {
                    kept.push(k);
                } else {
                    rest.push((k.1, k.2));
                }
            }
        }
        summary.in_band = rest.len();
        let rows: Vec<usize> = kept.iter().map(|k| k.0).collect();
        let times = table.texts_at(time_column, &rows)?;
        let windows = table.windows_at(window_column, &rows)?;
        let sources: Vec<Vec<String>> =
            options.source_columns.iter().map(|c| table.texts_at(c, &rows)).collect::<Result<_, _>>()?;
        let groups = options.colour_by.as_deref().map(|c| table.texts_at(c, &rows)).transpose()?;
        let points = kept
            .into_iter()
            .zip(times.into_iter().zip(windows))
            .enumerate()
            .map(|(j, ((row, time_ms, score), (time, window)))| Point {
                row,
                time_ms,
                time,
                score,
                window,
                sources: sources.iter().map(|column| column[j].clone()).collect(),
                group: groups.as_ref().map(|g| g[j].clone()),
            })
            .collect::<Vec<_>>();
        Ok(Timeline {
            options: options.clone(),
            time_column: time_column.to_owned(),
            score_column: score_column.to_owned(),
            window_column: window_column.to_owned(),
            points,
            band: band(rest),
            summary,
        })
    }

    /// The sessions drawn as points, in the order of the data.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The sessions drawn as a band, per time bin, in time order (empty when every
    /// session is a point).
    pub fn band(&self) -> &[BandBin] {
        &self.band
    }

    /// The groups of [`TimelineOptions::colour_by`]: each group's label and the
    /// indices of its points; one group of every point when there is no such column.
    pub fn groups(&self) -> Vec<(String, Vec<usize>)> {
        let Some(column) = &self.options.colour_by else {
            return vec![("sessions".to_owned(), (0..self.points.len()).collect())];
        };
        let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for p in &self.points {
            *counts.entry(p.group.as_deref().unwrap_or("")).or_default() += 1;
        }
        let mut by_count: Vec<(&str, usize)> = counts.into_iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let named: Vec<&str> = by_count.iter().take(PALETTE.len() - 1).map(|g| g.0).collect();
        let mut groups: Vec<(String, Vec<usize>)> = named
            .iter()
            .map(|n| (if n.is_empty() { "(empty)".to_owned() } else { (*n).to_owned() }, Vec::new()))
            .collect();
        let mut other = Vec::new();
        for (i, p) in self.points.iter().enumerate() {
            let g = p.group.as_deref().unwrap_or("");
            match named.iter().position(|n| *n == g) {
                Some(at) => groups[at].1.push(i),
                None => other.push(i),
            }
        }
        if !other.is_empty() {
            groups.push((format!("other values of {column}"), other));
        }
        groups
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
        let groups = self.groups();
        let mut plot = Plot::new();
        for (g, (label, members)) in groups.iter().enumerate() {
            let xs: Vec<i64> = members.iter().map(|&i| self.points[i].time_ms).collect();
            let ys: Vec<f64> = members.iter().map(|&i| self.points[i].score).collect();
            let colour = if self.options.colour_by.is_some() { PALETTE[g.min(PALETTE.len() - 1)] } else { PALETTE[0] };
            let trace = Scatter::new(xs, ys)
                .name(escape_label(&truncate(label, 40)))
                .mode(Mode::Markers)
                .hover_template(self.hover_template())
                .marker(Marker::new().size(7).opacity(0.75).color(colour))
                .web_gl_mode(self.options.webgl);
            plot.add_trace(trace);
        }
        if !self.band.is_empty() {
            let xs: Vec<i64> = self.band.iter().map(|b| b.time_ms).collect();
            let text: Vec<String> = self
                .band
                .iter()
                .map(|b| {
                    format!(
                        "{} sessions not drawn as points<br>scores {} to {}, median {}",
                        thousands(b.count),
                        format_score(b.min),
                        format_score(b.max),
                        format_score(b.median)
                    )
                })
                .collect();
            let line = |c: &str| plotly::common::Line::new().color(c.to_owned()).width(0.5);
            plot.add_trace(
                Scatter::new(xs.clone(), self.band.iter().map(|b| b.min).collect())
                    .name("band (low)")
                    .mode(Mode::Lines)
                    .line(line("#bbbbbb"))
                    .show_legend(false)
                    .hover_info(plotly::common::HoverInfo::Skip),
            );
            plot.add_trace(
                Scatter::new(xs.clone(), self.band.iter().map(|b| b.max).collect())
                    .name(format!("{} less rare sessions (range per time bin)", thousands(self.summary.in_band)))
                    .mode(Mode::Lines)
                    .fill(plotly::common::Fill::ToNextY)
                    .fill_color("rgba(150,150,150,0.25)")
                    .line(line("#bbbbbb"))
                    .hover_info(plotly::common::HoverInfo::Skip),
            );
            plot.add_trace(
                Scatter::new(xs, self.band.iter().map(|b| b.median).collect())
                    .name("their median")
                    .mode(Mode::Lines)
                    .line(line("#888888"))
                    .text_array(text)
                    .hover_template("%{text}<extra></extra>"),
            );
        }
        let y_type = if self.options.log_scale { AxisType::Log } else { AxisType::Linear };
        let legend = self.options.colour_by.is_some() || !self.band.is_empty();
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
            .hover_label(plotly::common::Label::new().align("left"))
            .drag_mode(DragMode::Zoom)
            .show_legend(legend)
            .margin(Margin::new().left(80).right(30).top(60).bottom(60));
        plot.set_layout(layout);
        plot.set_configuration(Configuration::new().display_logo(false).responsive(true).scroll_zoom(true));
        plot.to_json()
    }

    /// What the page embeds: `{"figure": .., "hover": ..}` as JSON text.
    pub(crate) fn payload_json(&self) -> String {
        let groups: Vec<Vec<usize>> = self.groups().into_iter().map(|g| g.1).collect();
        format!(
            "{{\"figure\":{},\"hover\":{},\"groups\":{}}}",
            self.figure_json(),
            self.hover_columns_json(),
            serde_json::Value::from(groups)
        )
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

/// `text` escaped for a Plotly label and wrapped at `width` characters: lines
/// break after a space where they can, inside a word where they must; each
/// line is escaped on its own, so no break falls inside a character reference.
pub(crate) fn wrap_label(text: &str, width: usize) -> String {
    anomseq_core::wrap(text, width).iter().map(|l| escape_label(l)).collect::<Vec<_>>().join("<br>")
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
    let escape = |v: &&str| serde_json::Value::String(wrap_label(&truncate(v, TOOLTIP_CHARS), TOOLTIP_WIDTH));
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
