//! What each subcommand does.

use std::path::{Path, PathBuf};

use anomseq::core::{ColumnKind, Direction};
use anomseq::score::{self, ScoreOptions, Scored, WindowOptions};
use anomseq::{Model, ModelOptions, Sessions};
use anomseq_io::{Format, ReadOptions, SessionsTable, WriteOptions};
use anomseq_sessionize::{EpochUnit, EventSpec, OnBadRow, SessionizeOptions};
use anyhow::{bail, Context, Result};
use arrow::array::RecordBatch;

use crate::args::{ChartArgs, Cli, Command, ParamsFormat, PlotArgs, RunArgs, ScoreArgs, SessionizeArgs, SessionsInput};
use crate::progress::Progress;
use crate::report::{rarest_blocks, terminal_width};

/// The Exchange admin demo logs (MIT, Microsoft; see `fixtures/exchange/SOURCE.md`).
const DEMO_CSV: &[u8] = include_bytes!("../../../fixtures/exchange/demo_exchange_data.csv");

pub(crate) fn run(cli: Cli) -> Result<()> {
    let progress = Progress::new(cli.global.quiet);
    let write = if cli.global.raw_csv { WriteOptions::default().raw_csv() } else { WriteOptions::default() };
    match cli.command {
        Command::Demo { out } => demo(&out, &progress, &write),
        Command::Sessionize(args) => sessionize(&args, &progress, &write),
        Command::Train { sessions, input, modellable_params, order, output } => {
            train(&sessions, &input, modellable_params, order as usize, &output, &progress)
        }
        Command::Merge { models, output } => merge(&models, &output, &progress),
        Command::Score(args) => score(&args, &progress, &write),
        Command::Plot(args) => plot(&args, &progress),
        Command::Run(args) => run_all(&args, &progress, &write),
    }
}

/// The sessionized table without its event-list column: what the report shows beside the scores.
fn others(table: &RecordBatch, list_col: &str) -> RecordBatch {
    let mut t = table.clone();
    if let Ok(i) = t.schema().index_of(list_col) {
        t.remove_column(i);
    }
    t
}

/// What the report shows besides the scores.
struct Shown<'a> {
    time_col: &'a str,
    user_cols: &'a [String],
    top: usize,
    upper_bound: Option<f64>,
    chart: &'a ChartArgs,
    parameters: Vec<(String, String)>,
}

/// Write the report page of a run: timeline, the rarest sessions explained, the run's parameters.
fn write_report(
    path: &Path,
    others: &RecordBatch,
    sessions: &Sessions,
    model: &Model,
    scored: &Scored,
    shown: Shown<'_>,
) -> Result<()> {
    let timeline = anomseq::viz::TimelineOptions::default()
        .with_title("anomseq: rarest sessions")
        .with_source_columns(shown.user_cols.iter().cloned())
        .with_score_upper_bound(shown.upper_bound)
        .with_max_points(shown.chart.max_points)
        .with_colour_by(shown.chart.colour_by.clone());
    let options = anomseq::viz::ReportOptions::default()
        .with_timeline(timeline)
        .with_top_n(shown.top)
        .with_key_columns(shown.user_cols.iter().cloned())
        .with_parameters(shown.parameters);
    let report = anomseq::report(model, sessions, scored, others, shown.time_col, &options)
        .with_context(|| format!("{}: cannot build the report", path.display()))?;
    write_atomically(path, report.to_html().as_bytes())
}

/// A command line that cannot work as given: exit code 2, like clap's own errors.
#[derive(Debug)]
pub(crate) struct Usage(pub(crate) String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// A usage error (exit code 2).
fn usage(message: impl std::fmt::Display) -> anyhow::Error {
    anyhow::Error::new(Usage(message.to_string()))
}

/// What an output holds, for its checks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Data whose format the extension tells (so it must).
    Data,
    /// A model file, a page, or data whose format is named: any file name will do.
    Other,
}

/// Refuse, before reading anything, outputs that cannot be written (a missing
/// folder, a device, an unknown data format) or that would overwrite an input or
/// each other: usage errors, found in no time rather than after the work.
fn check_outputs(inputs: &[(&Path, &str)], outputs: &[(Option<&Path>, &str, Kind)]) -> Result<()> {
    let given: Vec<(&Path, &str)> = outputs.iter().filter_map(|&(p, what, _)| p.map(|p| (p, what))).collect();
    for &(p, _, kind) in outputs {
        let Some(p) = p else { continue };
        anomseq_io::check_destination(p).map_err(usage)?;
        if kind == Kind::Data {
            Format::resolve(None, p).map_err(usage)?;
        }
    }
    anomseq_io::check_outputs(inputs, &given).map_err(usage)
}

/// Is `path` an HTML page (by its extension)?
fn is_html(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

fn run_all(a: &RunArgs, progress: &Progress, write: &WriteOptions) -> Result<()> {
    let sa = &a.sessionize;
    let mut inputs = vec![(sa.input.as_path(), "the input")];
    if let Some(m) = &a.model {
        inputs.push((m.as_path(), "the model"));
    }
    let html = is_html(&sa.output);
    if html && a.report.is_some() {
        return Err(usage("-o already names the report (it ends in .html): --report is for when -o is a data file"));
    }
    let (report, data) =
        if html { (Some(sa.output.as_path()), None) } else { (a.report.as_deref(), Some(sa.output.as_path())) };
    if let Some(r) = a.report.as_deref().filter(|r| !is_html(r)) {
        return Err(usage(format!("--report {}: a report is an HTML page: name it .html", r.display())));
    }
    if !html && Format::resolve(None, &sa.output).is_err() {
        return Err(usage(format!(
            "-o {}: name the report .html, or the scored sessions .csv, .parquet, .arrow, .arrows or .ndjson",
            sa.output.display()
        )));
    }
    check_outputs(
        &inputs,
        &[
            (report, if html { "-o" } else { "--report" }, Kind::Other),
            (data, "-o", Kind::Data),
            (sa.skip_bad_rows.as_deref(), "--skip-bad-rows", Kind::Data),
        ],
    )?;
    if report.is_none() {
        for (given, option) in
            [(a.chart.colour_by.is_some(), "--colour-by"), (a.upper_bound.is_some(), "--upper-bound")]
        {
            if given {
                return Err(usage(format!("{option} is for the report: give --report FILE.html, or -o FILE.html")));
            }
        }
    }
    let mode = anomseq::ScoringMode::from_name(&a.mode)?;
    // a bad model file, or one without the mode's state, is found before the events are read
    let model = a.model.as_deref().map(|p| load_model_for(p, mode, a.order)).transpose()?;
    let (opts, spec) = sessionize_options(sa);
    if sa.stream {
        return run_streaming(a, model, data, report.is_some(), mode, &opts, &spec, progress, write);
    }
    let (read, counter) = counted();
    let s = progress.reading("reading and sessionizing", &counter, || {
        anomseq_io::sessionize_file(&sa.input, sa.format, &opts, &spec, &read)
    })?;
    if let Some(side) = &sa.skip_bad_rows {
        anomseq_io::write_bad_rows(side, None, &s.bad_rows, write)?;
    }
    if s.sessions.is_empty() {
        bail!("{}: no sessions (the file has no rows)", sa.input.display());
    }
    let k = a.window as usize;
    if let (Some(m), Some(path)) = (&model, &a.model) {
        if m.session_type() != s.sessions.session_type() {
            return Err(usage(format!(
                "{}: a {} model cannot score the {} sessions of {}",
                path.display(),
                m.session_type(),
                s.sessions.session_type(),
                sa.input.display()
            )));
        }
    }
    let model_said = a.model.as_ref().map_or("trained on these sessions".to_owned(), |p| p.display().to_string());
    let parameters = vec![
        ("input".to_owned(), sa.input.display().to_string()),
        ("model".to_owned(), model_said),
        ("mode".to_owned(), mode.name().to_owned()),
        ("session type".to_owned(), s.sessions.session_type().to_string()),
        (
            "parameters".to_owned(),
            match (&sa.params_col, &sa.param_cols) {
                (Some(c), _) => format!("column {c} ({})", format!("{:?}", sa.params_format).to_lowercase()),
                (None, Some(cols)) => format!("columns {}", cols.join(", ")),
                (None, None) => "none".to_owned(),
            },
        ),
        ("values".to_owned(), if sa.values { "modelled" } else { "not modelled" }.to_owned()),
        ("user columns".to_owned(), sa.user_cols.join(", ")),
        ("max session".to_owned(), sa.max_session.to_string()),
        ("max gap".to_owned(), sa.max_gap.to_string()),
        ("window".to_owned(), k.to_string()),
        ("events".to_owned(), s.n_rows.to_string()),
        ("sessions".to_owned(), s.sessions.len().to_string()),
        ("skipped rows".to_owned(), s.bad_rows.len().to_string()),
    ];
    if let Some(c) = &a.chart.colour_by {
        if s.table.schema().index_of(c).is_err() || *c == spec.list_column() {
            let names: Vec<String> = s.table.schema().fields().iter().map(|f| f.name().clone()).collect();
            return Err(usage(format!("--colour-by {c}: no such column (columns: {})", names.join(", "))));
        }
    }
    let saved = model.is_some();
    let options = score_options(WindowOptions::new(k), mode, a.order)?;
    let model = match model {
        Some(m) => m,
        None => progress.stage("training", || train_here(&s.sessions, &options))?,
    };
    let (scored, _) = progress.stage("scoring", || score_sessions(&model, saved, &s.sessions, &options))?;
    let list_col = spec.list_column();
    if let Some(path) = data {
        progress
            .stage("writing scores", || anomseq_io::write_scored(path, None, &s.table, &s.sessions, &scored, write))?;
    }
    if let Some(path) = report {
        let time_col = format!("{}_min", sa.time_col);
        let shown = Shown {
            time_col: &time_col,
            user_cols: &sa.user_cols,
            top: a.top,
            upper_bound: a.upper_bound,
            chart: &a.chart,
            parameters,
        };
        progress.stage("reporting", || {
            write_report(path, &others(&s.table, &list_col), &s.sessions, &model, &scored, shown)
        })?;
    }
    progress.summary(s.n_rows, s.sessions.len(), s.bad_rows.len());
    Ok(())
}

/// `run --stream --model M`: sessions scored and written as they close, in memory
/// bounded by the open sessions (a session's score needs only it and the model).
// the run's arguments, what run_all checked and resolved, and how to show and write
#[allow(clippy::too_many_arguments)]
fn run_streaming(
    a: &RunArgs,
    model: Option<Model>,
    data: Option<&Path>,
    report: bool,
    mode: anomseq::ScoringMode,
    opts: &SessionizeOptions,
    spec: &EventSpec,
    progress: &Progress,
    write: &WriteOptions,
) -> Result<()> {
    let sa = &a.sessionize;
    let Some(model) = model else {
        return Err(usage("--stream scores with a saved model (training needs every session): give --model"));
    };
    let Some(output) = data.filter(|_| !report) else {
        return Err(usage("--stream writes scores as sessions close: a report needs every session (leave out --report, and name -o a data file)"));
    };
    if model.session_type() != spec.session_type() {
        return Err(usage(format!(
            "{}: a {} model cannot score the {} sessions of {}",
            a.model.as_deref().unwrap_or(Path::new("the model")).display(),
            model.session_type(),
            spec.session_type(),
            sa.input.display()
        )));
    }
    let options = score_options(WindowOptions::new(a.window as usize), mode, a.order)?;
    let list_col = spec.list_column();
    // built once: the improved modes' state for every batch
    let scorer = score::ModelScorer::new(&model, &options)?;
    let score_batch = |batch: RecordBatch| -> Result<RecordBatch> {
        let i = batch.schema().index_of(&list_col)?;
        let sessions = anomseq_sessionize::sessions_from_column(&list_col, batch.column(i))?;
        let scored = scorer.score(&sessions)?;
        Ok(anomseq_io::scored_table(&batch, &sessions, &scored)?)
    };
    let (read, counter) = counted();
    let s = progress.reading("sessionizing and scoring (streaming)", &counter, || {
        anomseq_io::sessionize_stream_then(&sa.input, sa.format, opts, spec, &read, output, None, write, score_batch)
    })?;
    if let Some(side) = &sa.skip_bad_rows {
        anomseq_io::write_bad_rows(side, None, &s.bad_rows, write)?;
    }
    progress.summary(s.rows, s.sessions, s.bad_rows.len());
    Ok(())
}

fn plot(a: &PlotArgs, progress: &Progress) -> Result<()> {
    if !is_html(&a.output) {
        return Err(usage(format!("-o {}: the timeline is an HTML page: name it .html", a.output.display())));
    }
    check_outputs(&[(&a.scored, "the input")], &[(Some(&a.output), "-o", Kind::Other)])?;
    let (read, counter) = counted();
    let table = progress.reading("reading scores", &counter, || {
        anomseq_io::read_table(&a.scored, a.format, &read)
            .and_then(|t| anomseq_io::restore_scored_columns(&a.scored, &t))
    })?;
    let names: Vec<String> = table.schema().fields().iter().map(|f| f.name().clone()).collect();
    let score = match &a.score_col {
        Some(c) => c.clone(),
        None => {
            let found: Vec<&String> = names
                .iter()
                .filter(|n| {
                    n.starts_with("rarest_window") && n.ends_with("_likelihood") && !n.ends_with("_log_likelihood")
                })
                .collect();
            match found.as_slice() {
                [one] => (*one).clone(),
                _ => bail!(
                    "{}: choose the score column with --score-col (columns: {})",
                    a.scored.display(),
                    names.join(", ")
                ),
            }
        }
    };
    let window = match &a.window_col {
        Some(c) => c.clone(),
        None => anomseq::core::window_of(&score).unwrap_or_else(|| {
            // the `profile` mode's score is explained by the one rarest window of the file
            names
                .iter()
                .find(|n| matches!(anomseq::core::column_kind(n), Some(ColumnKind::Window(_))))
                .cloned()
                .unwrap_or_default()
        }),
    };
    // the improved modes' scores: higher is rarer, and may be 0 or negative; logs are negative
    let kind = anomseq::core::column_kind(&score);
    let higher = matches!(kind, Some(ColumnKind::Score(Direction::HigherIsRarer)))
        || (kind.is_none() && score.ends_with("_score"));
    let log = !higher && kind != Some(ColumnKind::LogScore);
    let options = anomseq::viz::TimelineOptions::default()
        .with_score_upper_bound(a.upper_bound)
        .with_source_columns(a.source_cols.iter().cloned())
        .with_higher_is_rarer(higher)
        .with_log_scale(log)
        .with_max_points(a.chart.max_points)
        .with_colour_by(a.chart.colour_by.clone());
    let timeline = progress.stage("drawing", || {
        anomseq::viz::Timeline::new(std::slice::from_ref(&table), &a.time_col, &score, &window, &options)
    });
    let timeline = timeline.with_context(|| format!("{}: cannot draw", a.scored.display()))?;
    write_atomically(&a.output, timeline.to_html().as_bytes())?;
    progress.summary(table.num_rows(), table.num_rows(), 0);
    Ok(())
}

/// Read options that publish their progress, and the counter to show.
fn counted() -> (ReadOptions, std::sync::Arc<anomseq_io::ReadProgress>) {
    let counter = anomseq_io::ReadProgress::new();
    (ReadOptions { progress: Some(counter.clone()), ..ReadOptions::default() }, counter)
}

fn epoch_unit(s: &str) -> EpochUnit {
    match s {
        "s" => EpochUnit::Seconds,
        "ms" => EpochUnit::Millis,
        "us" => EpochUnit::Micros,
        _ => EpochUnit::Nanos,
    }
}

fn event_spec(a: &SessionizeArgs) -> EventSpec {
    match (&a.params_col, &a.param_cols) {
        (Some(col), _) => match a.params_format {
            ParamsFormat::Exchange => EventSpec::name_value_list(&a.event_col, col, a.values),
            ParamsFormat::Object => EventSpec::json_object(&a.event_col, col, a.values),
        },
        (None, Some(cols)) => EventSpec::columns(&a.event_col, cols, a.values),
        (None, None) => EventSpec::commands(&a.event_col),
    }
}

/// The sessionizer's options and event builder from the command line.
fn sessionize_options(a: &SessionizeArgs) -> (SessionizeOptions, EventSpec) {
    // the names as dictionary ids through to the writers, which write the strings
    let mut opts = SessionizeOptions::new(&a.user_cols, &a.time_col)
        .with_limits(a.max_session, a.max_gap)
        .with_dictionary_names(true);
    if let Some(u) = &a.epoch_unit {
        opts = opts.with_epoch_unit(epoch_unit(u));
    }
    if a.skip_bad_rows.is_some() {
        opts = opts.on_bad_row(OnBadRow::Skip);
    }
    (opts, event_spec(a))
}

fn sessionize(a: &SessionizeArgs, progress: &Progress, write: &WriteOptions) -> Result<()> {
    if a.values && a.params_col.is_none() && a.param_cols.is_none() {
        return Err(usage("--values needs parameters: give --params-col or --param-cols"));
    }
    check_outputs(
        &[(&a.input, "the input")],
        &[(Some(&a.output), "-o", Kind::Data), (a.skip_bad_rows.as_deref(), "--skip-bad-rows", Kind::Data)],
    )?;
    let (opts, spec) = sessionize_options(a);
    let (read, counter) = counted();
    let (rows, sessions, bad) = if a.stream {
        let s = progress.reading("sessionizing (streaming)", &counter, || {
            anomseq_io::sessionize_stream(&a.input, a.format, &opts, &spec, &read, &a.output, None, write)
        })?;
        (s.rows, s.sessions, s.bad_rows)
    } else {
        let s = progress.reading("reading and sessionizing", &counter, || {
            anomseq_io::sessionize_file(&a.input, a.format, &opts, &spec, &read)
        })?;
        progress.stage("writing sessions", || anomseq_io::write_sessions(&a.output, None, &s.table, write))?;
        (s.n_rows, s.sessions.len(), s.bad_rows)
    };
    if let Some(side) = &a.skip_bad_rows {
        anomseq_io::write_bad_rows(side, None, &bad, write)?;
        if !bad.is_empty() {
            let n = crate::progress::count(bad.len(), "bad row");
            eprintln!("anomseq: {n} skipped, listed with their reasons in {}", side.display());
        }
    }
    progress.summary(rows, sessions, bad.len());
    Ok(())
}

/// The session column: as given, else the one column ending in `_list`, else `events`.
fn session_column(path: &Path, input: &SessionsInput) -> Result<String> {
    if let Some(c) = &input.session_col {
        return Ok(c.clone());
    }
    let schema = anomseq_io::open(path, input.format, &ReadOptions::default())?.schema();
    anomseq_io::default_session_column(&schema)
        .map_err(|e| anyhow::anyhow!("{}: {e} with --session-col", path.display()))
}

fn read_sessions(path: &Path, input: &SessionsInput, progress: &Progress) -> Result<SessionsTable> {
    let col = session_column(path, input)?;
    let (read, counter) = counted();
    Ok(progress
        .reading("reading sessions", &counter, || anomseq_io::read_sessions_with(path, input.format, &col, &read))?)
}

/// Write `bytes` to `path` atomically (an exclusive temporary file beside it, then a rename).
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    Ok(anomseq_io::write_atomically(path, bytes)?)
}

fn load_model(path: &Path) -> Result<Model> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read the model", path.display()))?;
    Model::from_file_bytes(&bytes).with_context(|| format!("{}: bad model file", path.display()))
}

/// A saved model that can score in `mode` (a model file of format 1 keeps the
/// reference mode's counts only).
fn load_model_for(path: &Path, mode: anomseq::ScoringMode, order: Option<u64>) -> Result<Model> {
    let m = load_model(path)?;
    let Some(seq) = m.sequence().filter(|_| mode != anomseq::ScoringMode::Reference) else {
        if mode != anomseq::ScoringMode::Reference {
            bail!(
                "{}: this model keeps the state of the reference mode only, not the {} mode's (a model file of format 1, or one trained without it): train it again with `anomseq train` to score with --mode {}",
                path.display(),
                mode.name(),
                mode.name()
            );
        }
        return Ok(m);
    };
    // the n-gram order the mode scores with, against the one the model kept
    let (need, why) = match (mode, order) {
        (anomseq::ScoringMode::Ngram, Some(o)) => (o as usize, "--order asks for"),
        (anomseq::ScoringMode::Ngram, None) => (1, "needs"),
        _ => (score::ProfileOptions::default().order, "needs"),
    };
    if need > seq.order() {
        bail!(
            "{}: this model keeps n-grams up to order {}, and --mode {} {why} order {need}: train it again with `anomseq train --order {need}`",
            path.display(),
            seq.order(),
            mode.name()
        );
    }
    Ok(m)
}

/// Score with a saved model (every mode from the model's state), or with a model
/// just trained on these sessions (the `profile` mode then trains on them too, as
/// msticpy's unsupervised use does); with the scorer, when one scored (its state
/// explains the improved modes' scores).
fn score_sessions<'m>(
    model: &'m Model,
    saved: bool,
    sessions: &anomseq::Sessions,
    options: &ScoreOptions,
) -> Result<(anomseq::Scored, Option<score::ModelScorer<&'m Model>>), score::Error> {
    let scorer = if saved {
        score::ModelScorer::new(model, options)?
    } else if matches!(options.mode, anomseq::ScoringMode::Novelty | anomseq::ScoringMode::Ngram) {
        score::ModelScorer::new_own(model, options)?
    } else {
        return Ok((score::score(model.probabilities(), sessions, options)?, None));
    };
    Ok((scorer.score(sessions)?, Some(scorer)))
}

/// What a run scores: `mode`, windows as `window` says, the `ngram` mode at `order`
/// (the saved model's when `None`).
fn score_options(window: WindowOptions, mode: anomseq::ScoringMode, order: Option<u64>) -> Result<ScoreOptions> {
    if order.is_some() && mode != anomseq::ScoringMode::Ngram {
        return Err(usage(format!(
            "--order is the ngram mode's n-gram order: with --mode {}, leave it out",
            mode.name()
        )));
    }
    let ngram = score::NgramOptions::default().with_order(order.map(|o| o as usize));
    Ok(ScoreOptions::new(window.window_len).with_window(window).with_mode(mode).with_ngram(ngram))
}

/// A model trained on the sessions it will score: the reference counts, and the
/// sequence state too when the `novelty` or `ngram` mode reads it (the latter's up to
/// its order).
fn train_here(sessions: &anomseq::Sessions, options: &ScoreOptions) -> Result<Model> {
    let every = ModelOptions::every_mode();
    Ok(match options.mode {
        anomseq::ScoringMode::Novelty => Model::try_train_with(sessions, &every)?,
        anomseq::ScoringMode::Ngram => {
            let order = options.ngram.order.or(every.sequence_order);
            Model::try_train_with(sessions, &every.with_sequence_order(order))?
        }
        _ => Model::train(sessions),
    })
}

fn train(
    path: &Path,
    input: &SessionsInput,
    modellable: Option<Vec<String>>,
    order: usize,
    output: &Path,
    progress: &Progress,
) -> Result<()> {
    check_outputs(&[(path, "the input")], &[(Some(output), "-o", Kind::Other)])?;
    let st = read_sessions(path, input, progress)?;
    // the state of every scoring mode, so that the file scores in each
    let options = match modellable {
        Some(p) => ModelOptions::with_modellable_params(p),
        None => ModelOptions::default(),
    }
    .with_sequence_order(Some(order));
    let model = progress.stage("training", || Model::try_train_with(&st.sessions, &options))?;
    write_atomically(output, &model.to_file_bytes())?;
    progress.summary(st.table.num_rows(), st.sessions.len(), 0);
    Ok(())
}

/// Merge model files: the same session type and options, counts summed in the order given.
fn merge(paths: &[PathBuf], output: &Path, progress: &Progress) -> Result<()> {
    let inputs: Vec<(&Path, &str)> = paths.iter().map(|p| (p.as_path(), "the model")).collect();
    check_outputs(&inputs, &[(Some(output), "-o", Kind::Other)])?;
    let first = &paths[0];
    let mut model = load_model(first)?;
    for path in &paths[1..] {
        let next = load_model(path)?;
        if next.session_type() != model.session_type() {
            bail!(
                "{}: a {} model cannot be merged with the {} model of {}",
                path.display(),
                next.session_type(),
                model.session_type(),
                first.display()
            );
        }
        if next.modellable_override() != model.modellable_override() {
            let show = |m: &Model| match m.modellable_override() {
                Some(p) => format!("--modellable-params {}", p.join(",")),
                None => "msticpy's heuristic".to_owned(),
            };
            bail!(
                "{}: trained with {}, but {} with {}: models of different options do not merge",
                path.display(),
                show(&next),
                first.display(),
                show(&model)
            );
        }
        model = progress
            .stage("merging", || model.merge(&next))
            .with_context(|| format!("{}: cannot merge", path.display()))?;
    }
    write_atomically(output, &model.to_file_bytes())?;
    progress.summary_line(&format!(
        "{} models merged: {} sessions, {} commands",
        paths.len(),
        model.counts().n_sessions(),
        model.counts().vocab().cmds.len() - 3
    ));
    Ok(())
}

fn score(a: &ScoreArgs, progress: &Progress, write: &WriteOptions) -> Result<()> {
    let mut inputs = vec![(a.sessions.as_path(), "the input")];
    if let Some(m) = &a.model {
        inputs.push((m.as_path(), "the model"));
    }
    let to_stdout = a.output.as_deref().is_some_and(|p| p.as_os_str() == "-");
    if to_stdout && a.output_format.is_none() {
        return Err(usage("-o - (standard output) needs --output-format (csv, parquet, arrow, arrows, ndjson)"));
    }
    if to_stdout && a.top.is_some() {
        return Err(usage("--top prints to standard output too: with -o -, leave it out"));
    }
    let file_out = a.output.as_deref().filter(|_| !to_stdout);
    let kind = if a.output_format.is_some() { Kind::Other } else { Kind::Data };
    check_outputs(&inputs, &[(file_out, "-o", kind)])?;
    let mode = anomseq::ScoringMode::from_name(&a.mode)?;
    let w =
        WindowOptions { window_len: a.window as usize, use_start_end_tokens: !a.no_tokens, use_geo_mean: a.geo_mean };
    let options = score_options(w, mode, a.order)?.with_all_scores(a.all_scores);
    let st = read_sessions(&a.sessions, &a.input, progress)?;
    let model = match &a.model {
        Some(path) => {
            let m = load_model_for(path, mode, a.order)?;
            if m.session_type() != st.sessions.session_type() {
                bail!(
                    "{}: a {} model cannot score the {} sessions of {}",
                    path.display(),
                    m.session_type(),
                    st.sessions.session_type(),
                    a.sessions.display()
                );
            }
            m
        }
        None => progress.stage("training", || train_here(&st.sessions, &options))?,
    };
    let (scored, scorer) =
        progress.stage("scoring", || score_sessions(&model, a.model.is_some(), &st.sessions, &options))?;
    // a file scored before: its scores are replaced, not kept beside the new ones
    let old = anomseq_io::scored_column_names(&st.table);
    let table = anomseq_io::without_columns(&st.table, &old);
    if !old.is_empty() && (file_out.is_some() || to_stdout) {
        eprintln!("anomseq: {} already scored: replacing its columns {}", a.sessions.display(), old.join(", "));
    }
    if let Some(output) = file_out {
        progress.stage("writing scores", || {
            anomseq_io::write_scored(output, a.output_format, &table, &st.sessions, &scored, write)
        })?;
    } else if to_stdout {
        // written whole to a private file first (Parquet needs to seek), then copied out
        let dir = tempfile::tempdir()?;
        let tmp = dir.path().join("scores");
        anomseq_io::write_scored(&tmp, a.output_format, &table, &st.sessions, &scored, write)?;
        let mut out = std::io::stdout().lock();
        let copied =
            std::io::copy(&mut std::fs::File::open(&tmp)?, &mut out).and_then(|_| std::io::Write::flush(&mut out));
        match copied {
            // the reader stopped early (`| head`): not an error of ours
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.context("standard output: cannot write")?,
        }
    }
    if let Some(n) = a.top {
        let explainer = scored.explainer(model.probabilities(), &st.sessions);
        let explain = |i: usize| explainer.as_ref().and_then(|e| e.explain(i));
        // the novelty mode also says which parameter, value or set is newest, the ngram
        // mode which event surprises it most: from the state that scored them
        let novelty = scorer.as_ref().and_then(score::ModelScorer::novelty);
        let ngram = scorer.as_ref().and_then(score::ModelScorer::ngram);
        let note = |i: usize| {
            if let Some(g) = ngram {
                let e = g.explain(&st.sessions, i)?;
                let cmds = st.sessions.session_cmds(i);
                let what = match cmds.get(e.at) {
                    // numbered from 1, as the window's steps below
                    Some(&c) => {
                        let name = st.sessions.names().resolve(c);
                        let new = if g.knows(name) { "" } else { " (never seen in training)" };
                        format!("event {} of {}, {name}{new}", e.at + 1, cmds.len())
                    }
                    None => "the session's end".to_owned(),
                };
                return Some(format!(
                    "its most surprising step ({:.3} nats; the session's mean {:.3}): {what}",
                    e.surprise, e.score
                ));
            }
            let (s, item) = novelty?.explain(&model, &st.sessions, i)?;
            Some(format!("its newest parameter item ({s:.3} nats): {item}"))
        };
        print!("{}", rarest_blocks(&table, &st.column, &scored, explain, note, n, terminal_width()));
    }
    progress.summary(st.table.num_rows(), st.sessions.len(), 0);
    Ok(())
}

fn demo(out: &PathBuf, progress: &Progress, write: &WriteOptions) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create the folder", out.display()))?;
    let scratch = tempfile::tempdir()?;
    let csv = scratch.path().join("demo_exchange_data.csv");
    std::fs::write(&csv, DEMO_CSV)?;
    let opts = SessionizeOptions::new(["UserId", "ClientIP"], "TimeGenerated")
        .with_limits("20m".parse()?, "2m".parse()?)
        .with_dictionary_names(true);
    let spec = EventSpec::commands("Operation");
    let s = progress.stage("sessionizing", || {
        anomseq_io::sessionize_file(&csv, Some(Format::Csv), &opts, &spec, &ReadOptions::default())
    })?;
    let k = 3;
    let model = Model::train(&s.sessions);
    let scored = score::score(model.probabilities(), &s.sessions, &ScoreOptions::new(k))?;
    println!(
        "Exchange demo: {} events → {} sessions (per UserId, ClientIP; 20 min / 2 min); rarest windows of {k}:\n",
        s.n_rows,
        s.sessions.len()
    );
    let explainer = scored.explainer(model.probabilities(), &s.sessions);
    let explain = |i: usize| explainer.as_ref().and_then(|e| e.explain(i));
    print!("{}", rarest_blocks(&s.table, "Operation_list", &scored, explain, |_| None, 10, terminal_width()));
    // what the table cannot say by itself
    let keyless = {
        let nulls = |name: &str| s.table.column_by_name(name).map(|c| c.logical_nulls());
        match (nulls("UserId"), nulls("ClientIP")) {
            (Some(Some(u)), Some(Some(c))) => (0..s.table.num_rows()).filter(|&i| u.is_null(i) && c.is_null(i)).count(),
            _ => 0,
        }
    };
    let unscored = scored.windows().iter().filter(|w| w.range().is_none()).count();
    println!(
        "\n(null) is a missing value: {keyless} of the {} sessions come from rows with neither a UserId\n\
         nor a ClientIP (system and service activity in these logs), grouped by time alone.\n\
         {unscored} sessions are shorter than the window of {k} (counting the end token) and get no score,\n\
         as in msticpy.",
        s.sessions.len()
    );
    let scored_path = out.join("anomseq-demo-scored.parquet");
    anomseq_io::write_scored(&scored_path, None, &s.table, &s.sessions, &scored, write)?;
    let html = out.join("anomseq-demo.html");
    let users = ["UserId".to_owned(), "ClientIP".to_owned()];
    let parameters = vec![
        ("data".to_owned(), "Exchange admin demo logs (msticpy, MIT)".to_owned()),
        ("user columns".to_owned(), users.join(", ")),
        ("max session / gap".to_owned(), "20m / 2m".to_owned()),
        ("window".to_owned(), k.to_string()),
    ];
    let chart = ChartArgs { colour_by: None, max_points: anomseq::viz::DEFAULT_MAX_POINTS };
    let shown = Shown {
        time_col: "TimeGenerated_min",
        user_cols: &users,
        top: 50,
        upper_bound: None,
        chart: &chart,
        parameters,
    };
    progress.stage("reporting", || {
        write_report(&html, &others(&s.table, "Operation_list"), &s.sessions, &model, &scored, shown)
    })?;
    println!("\nwrote {} and {}", scored_path.display(), html.display());
    progress.summary(s.n_rows, s.sessions.len(), s.bad_rows.len());
    Ok(())
}
