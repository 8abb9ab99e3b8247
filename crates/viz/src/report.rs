//! The report page of a run: timeline, table of the rarest sessions, parameters.

use std::fmt::Write as _;
use std::path::Path;

use arrow_array::RecordBatch;

use anomseq_core::{Direction, Params};
use anomseq_score::Explanation;

use crate::escape::{escape_html, truncate};
use crate::page::Page;
use crate::table::Table;
use crate::timeline::{format_score, write_file, Timeline, TimelineOptions};
use crate::Error;

/// What a report shows besides the timeline.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReportOptions {
    /// The timeline (its title is the page's).
    pub timeline: TimelineOptions,
    /// How many of the rarest sessions the table lists.
    pub top_n: usize,
    /// Columns that say whose session it is (user, IP, ...), first in the table.
    pub key_columns: Vec<String>,
    /// An integer column with the number of events of each session, if any.
    pub events_column: Option<String>,
    /// The run's parameters, shown as they are, in this order.
    pub parameters: Vec<(String, String)>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            timeline: TimelineOptions::default().with_title("anomseq report"),
            top_n: 50,
            key_columns: Vec::new(),
            events_column: None,
            parameters: Vec::new(),
        }
    }
}

impl ReportOptions {
    /// Set the timeline options.
    pub fn with_timeline(mut self, timeline: TimelineOptions) -> Self {
        self.timeline = timeline;
        self
    }

    /// List this many of the rarest sessions.
    pub fn with_top_n(mut self, top_n: usize) -> Self {
        self.top_n = top_n;
        self
    }

    /// Columns that say whose session it is.
    pub fn with_key_columns<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.key_columns = columns.into_iter().map(Into::into).collect();
        self
    }

    /// The column with each session's number of events.
    pub fn with_events_column(mut self, column: impl Into<String>) -> Self {
        self.events_column = Some(column.into());
        self
    }

    /// The run's parameters.
    pub fn with_parameters<K: Into<String>, V: Into<String>>(
        mut self,
        parameters: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.parameters = parameters.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        self
    }
}

/// One of the rarest sessions, as the report's table lists it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RareSession {
    /// Its row in the data, counted from 0 over all batches.
    pub row: usize,
    /// Display text of each key column.
    pub keys: Vec<String>,
    /// Its start time as the data shows it.
    pub start: String,
    /// Its number of events, when the options name a column for it.
    pub events: Option<u64>,
    /// Its score.
    pub score: f64,
    /// Display text of its rarest window.
    pub window: String,
    /// Its window step by step, when the report was given explanations
    /// ([`Report::with_explanations`]).
    pub explanation: Option<Explanation>,
}

/// A run's report: the timeline, the N rarest sessions, the parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    timeline: Timeline,
    rarest: Vec<RareSession>,
    options: ReportOptions,
}

impl Report {
    /// Read the columns and pick the rarest sessions: the `top_n` rarest in the
    /// score's direction among the sessions drawn as points (ties in row order).
    pub fn new(
        data: &[RecordBatch],
        time_column: &str,
        score_column: &str,
        window_column: &str,
        options: &ReportOptions,
    ) -> Result<Report, Error> {
        let table = Table::new(data)?;
        for name in options.key_columns.iter().chain(&options.events_column) {
            table.index(name)?;
        }
        let timeline = Timeline::new(data, time_column, score_column, window_column, &options.timeline)?;
        // rarest first, in the score's direction; ties by row (points are in row order)
        let direction =
            if options.timeline.higher_is_rarer { Direction::HigherIsRarer } else { Direction::LowerIsRarer };
        let mut order = direction.rarest_first(&timeline.points().iter().map(|p| p.score).collect::<Vec<_>>());
        order.truncate(options.top_n);
        let keys: Vec<Vec<String>> = options.key_columns.iter().map(|c| table.texts(c)).collect::<Result<_, _>>()?;
        let events = options.events_column.as_deref().map(|c| table.counts(c)).transpose()?;
        let rarest = order
            .into_iter()
            .map(|i| {
                let p = &timeline.points()[i];
                RareSession {
                    row: p.row,
                    keys: keys.iter().map(|column| column[p.row].clone()).collect(),
                    start: p.time.clone(),
                    events: events.as_ref().and_then(|e| e[p.row]),
                    score: p.score,
                    window: p.window.clone(),
                    explanation: None,
                }
            })
            .collect();
        Ok(Report { timeline, rarest, options: options.clone() })
    }

    /// Explain each listed session with `explain(row)` (e.g.
    /// [`Scored::explain`](anomseq_score::Scored::explain)): the table then shows each
    /// step of its rarest window with its parameters, values, probability and what
    /// the model never saw, long values folded but expandable.
    pub fn with_explanations(mut self, explain: impl Fn(usize) -> Option<Explanation>) -> Self {
        for s in &mut self.rarest {
            s.explanation = explain(s.row);
        }
        self
    }

    /// The timeline.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The rarest sessions, rarest first.
    pub fn rarest(&self) -> &[RareSession] {
        &self.rarest
    }

    /// One self-contained HTML page: works offline, every data string in it is
    /// JSON data or escaped text.
    pub fn to_html(&self) -> String {
        let mut page = Page::new(&self.options.timeline.title);
        page.push_markup(&self.timeline.summary_markup());
        page.push_timeline(self.timeline.payload_json(), self.timeline.options().webgl);
        page.push_markup(&self.table_markup());
        page.push_markup(&self.parameters_markup());
        page.enable_sorting();
        page.finish()
    }

    /// Write [`to_html`](Self::to_html) to a file.
    pub fn write_html(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        write_file(path.as_ref(), self.to_html().as_bytes())
    }

    fn table_markup(&self) -> String {
        let (_, score_column, window_column) = self.timeline.columns();
        let mut out = String::new();
        let _ = writeln!(out, "<h2>The {} rarest sessions</h2>", self.rarest.len());
        out.push_str("<table class=\"sortable\" id=\"anomseq-rarest\">\n<thead><tr><th data-type=\"number\">#</th>");
        for key in &self.options.key_columns {
            let _ = write!(out, "<th>{}</th>", escape_html(key));
        }
        out.push_str("<th>start</th>");
        if self.options.events_column.is_some() {
            out.push_str("<th data-type=\"number\">events</th>");
        }
        let _ = write!(
            out,
            "<th data-type=\"number\">{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            escape_html(score_column),
            escape_html(window_column)
        );
        for (rank, s) in self.rarest.iter().enumerate() {
            let _ = write!(out, "<tr><td class=\"num\" data-v=\"{}\">{}</td>", rank + 1, rank + 1);
            for key in &s.keys {
                if key.is_empty() {
                    // a missing value, as the terminal shows it
                    out.push_str("<td class=\"null\">(null)</td>");
                } else {
                    let _ = write!(out, "<td>{}</td>", escape_html(key));
                }
            }
            let _ = write!(out, "<td>{}</td>", escape_html(&s.start));
            if self.options.events_column.is_some() {
                match s.events {
                    Some(n) => {
                        let _ = write!(out, "<td class=\"num\" data-v=\"{n}\">{n}</td>");
                    }
                    None => out.push_str("<td class=\"num\"></td>"),
                }
            }
            let _ = write!(out, "<td class=\"num\" data-v=\"{:e}\">{}</td>", s.score, format_score(s.score));
            match &s.explanation {
                Some(e) => {
                    // another score than the likelihood: say what the steps multiply to
                    let likelihood = !score_column.ends_with("_likelihood");
                    let _ = writeln!(out, "<td class=\"window\">{}</td></tr>", explanation_markup(e, likelihood));
                }
                None => {
                    let _ = writeln!(out, "<td class=\"window\">{}</td></tr>", escape_html(&s.window));
                }
            }
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }

    fn parameters_markup(&self) -> String {
        let mut out = String::from("<h2>Parameters</h2>\n<table id=\"anomseq-parameters\">\n<tbody>\n");
        for (k, v) in &self.options.parameters {
            let _ = writeln!(out, "<tr><th scope=\"row\">{}</th><td>{}</td></tr>", escape_html(k), escape_html(v));
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }
}

/// Parameters and values longer than this are folded (a `<details>` element shows them whole).
const FOLD_CHARS: usize = 160;

/// A step's probability as the table shows it.
fn probability(p: f64) -> String {
    format!("p = {}", format_score(p))
}

/// The steps of a rarest window as escaped markup: each event with its
/// probability and what the model never saw, then its parameters and values,
/// long ones folded but expandable.
fn explanation_markup(e: &Explanation, with_likelihood: bool) -> String {
    let mut out = String::new();
    if with_likelihood {
        let _ = write!(
            out,
            "<div class=\"lik\">rarest window under the reference model: likelihood {}</div>",
            format_score(e.likelihood)
        );
    }
    if e.unseen.total() > 0 {
        let _ = write!(out, "<div class=\"unseen\">unseen in training: {}</div>", escape_html(&e.unseen.describe()));
    }
    let _ = write!(out, "<ol class=\"steps\" start=\"{}\">", e.steps.first().map_or(1, |s| s.index + 1));
    for step in &e.steps {
        let _ = write!(
            out,
            "<li><span class=\"cmd\">{}</span> <span class=\"p\">{}</span>",
            escape_html(&step.cmd.name),
            probability(step.factor)
        );
        if step.unseen_command {
            out.push_str(" <span class=\"badge\">unseen command</span>");
        }
        let mark = |n: &String| {
            if step.unseen_params.contains(n) {
                Some("unseen parameter")
            } else if step.not_with_command.contains(n) {
                Some("never seen with this command")
            } else if step.unseen_values.contains(n) {
                Some("unseen value")
            } else {
                None
            }
        };
        let params: Vec<(String, Option<&str>)> = match &step.cmd.params {
            Params::None => Vec::new(),
            Params::Set(names) => names.iter().map(|n| (n.clone(), mark(n))).collect(),
            Params::Map(pairs) => pairs.iter().map(|(n, v)| (format!("{n} = {v}"), mark(n))).collect(),
        };
        if !params.is_empty() {
            out.push_str("<ul class=\"params\">");
            for (text, badge) in params {
                out.push_str("<li>");
                if text.chars().count() > FOLD_CHARS {
                    let _ = write!(
                        out,
                        "<details><summary>{}</summary>{}</details>",
                        escape_html(&truncate(&text, FOLD_CHARS)),
                        escape_html(&text)
                    );
                } else {
                    out.push_str(&escape_html(&text));
                }
                if let Some(b) = badge {
                    let _ = write!(out, " <span class=\"badge\">{b}</span>");
                }
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        }
        out.push_str("</li>");
    }
    out.push_str("</ol>");
    if let Some(end) = e.end {
        let _ = write!(
            out,
            "<div class=\"end\">then the session ends: <span class=\"p\">{}</span></div>",
            probability(end)
        );
    }
    out
}
