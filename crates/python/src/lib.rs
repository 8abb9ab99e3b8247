//! The `anomseq._anomseq` extension module: the pipeline (sessionize → train →
//! score) over Arrow data that crosses from Python zero-copy (the Arrow PyCapsule
//! interface), with the GIL released while Rust works.
//!
//! The Python package (`python/anomseq`) wraps it: it takes pandas, polars or
//! pyarrow frames and gives back the same kind; this module takes and gives
//! anything with `__arrow_c_stream__` / `__arrow_c_array__` and returns
//! `pyarrow.Table`s. Every Rust error becomes an `anomseq.AnomseqError` (a
//! `ValueError`) with the same message as the command line's.
//!
//! ```python
//! import anomseq, pandas as pd
//! df = pd.read_csv("fixtures/exchange/demo_exchange_data.csv")
//! sessions = anomseq.sessionize(df, user_cols=["UserId", "ClientIP"],
//!                               time_col="TimeGenerated", event_col="Operation")
//! scored = anomseq.train(sessions).score(sessions, window=3)
//! ```
#![deny(missing_docs)]

mod lists;
mod msticpy;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anomseq::io::{default_session_column, scored_table, write_atomically};
use anomseq::model::DEFAULT_ORDER;
use anomseq::score::{ModelScorer, NgramOptions, ScoreOptions, WindowOptions};
use anomseq::sessionize::{sessionize as sessionize_batches, sessions_from_column, EventSpec, SessionizeOptions};
use anomseq::{Model as RustModel, ModelOptions, ScoringMode, SessionType, Sessions};
use arrow::array::RecordBatch;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3_arrow::input::AnyRecordBatch;
use pyo3_arrow::PyTable;

create_exception!(
    _anomseq,
    AnomseqError,
    PyValueError,
    "An error of anomseq: bad data, a bad option or a bad model file (the message says which)."
);

/// Any displayable error as an `AnomseqError`, its causes joined as the CLI prints them.
pub(crate) fn err(e: impl std::fmt::Display) -> PyErr {
    AnomseqError::new_err(e.to_string())
}

/// The data as one record batch (its batches concatenated, the GIL released).
fn one_batch(py: Python<'_>, data: AnyRecordBatch) -> PyResult<RecordBatch> {
    let table = data.into_table().map_err(PyErr::from)?;
    let (batches, schema) = table.into_inner();
    if batches.len() == 1 {
        return Ok(batches.into_iter().next().expect("one batch"));
    }
    py.detach(|| arrow::compute::concat_batches(&schema, &batches)).map_err(err)
}

/// The data as one batch, its session column (as named, or found), and the sessions in it.
fn read_sessions(
    py: Python<'_>,
    data: AnyRecordBatch,
    session_col: Option<String>,
) -> PyResult<(RecordBatch, String, Sessions)> {
    let batch = one_batch(py, data)?;
    let column = session_column(&batch, session_col)?;
    let s = py.detach(|| sessions_of(&batch, &column))?;
    Ok((batch, column, s))
}

fn table_out(py: Python<'_>, batch: RecordBatch) -> PyResult<Py<PyAny>> {
    let schema = batch.schema();
    Ok(PyTable::try_new(vec![batch], schema)?.into_pyarrow(py)?.unbind())
}

/// The session column to read: as named, else the one column ending in `_list`, else `events`.
fn session_column(batch: &RecordBatch, named: Option<String>) -> PyResult<String> {
    match named {
        Some(c) => Ok(c),
        None => default_session_column(&batch.schema()).map_err(|e| err(format!("{e} with session_col"))),
    }
}

fn sessions_of(batch: &RecordBatch, column: &str) -> PyResult<Sessions> {
    let idx = batch.schema().index_of(column).map_err(|_| {
        let names: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
        err(format!("no session column {column:?} (columns: {})", names.join(", ")))
    })?;
    sessions_from_column(column, batch.column(idx)).map_err(err)
}

/// Group events into sessions per user (msticpy's `sessionize_data`): one row per
/// session, ordered by user key then start time.
#[pyfunction]
#[pyo3(signature = (data, *, user_cols, time_col, event_col, params_col=None, params_format="exchange", param_cols=None, values=false, max_session="20m", max_gap="2m", epoch_unit=None))]
#[allow(clippy::too_many_arguments)]
fn sessionize(
    py: Python<'_>,
    data: AnyRecordBatch,
    user_cols: Vec<String>,
    time_col: String,
    event_col: String,
    params_col: Option<String>,
    params_format: &str,
    param_cols: Option<Vec<String>>,
    values: bool,
    max_session: &str,
    max_gap: &str,
    epoch_unit: Option<&str>,
) -> PyResult<Py<PyAny>> {
    let spec = match (params_col, param_cols) {
        (Some(_), Some(_)) => return Err(err("give params_col or param_cols, not both")),
        (Some(col), None) => match params_format {
            "exchange" => EventSpec::name_value_list(&event_col, col, values),
            "object" => EventSpec::json_object(&event_col, col, values),
            other => return Err(err(format!("params_format must be \"exchange\" or \"object\", got {other:?}"))),
        },
        (None, Some(cols)) => EventSpec::columns(&event_col, cols, values),
        (None, None) if values => return Err(err("values=True needs parameters: give params_col or param_cols")),
        (None, None) => EventSpec::commands(&event_col),
    };
    let limits = (
        max_session.parse().map_err(|e| err(format!("max_session: {e}")))?,
        max_gap.parse().map_err(|e| err(format!("max_gap: {e}")))?,
    );
    let mut opts = SessionizeOptions::new(&user_cols, time_col).with_limits(limits.0, limits.1);
    if let Some(unit) = epoch_unit {
        opts = opts.with_epoch_unit(unit.parse().map_err(|e| err(format!("epoch_unit: {e}")))?);
    }
    let batch = one_batch(py, data)?;
    let out = py.detach(|| sessionize_batches(std::slice::from_ref(&batch), &opts, &spec)).map_err(err)?;
    table_out(py, out.table)
}

/// The sessions as input rows (what the msticpy drop-in builds its DataFrames from):
/// a table of the rows in session order (`row`, UInt32, from 0) and a table of the
/// sessions (`first`: where each starts in the rows; `start`, `end`: its first and
/// last event time, UTC).
#[pyfunction]
#[pyo3(signature = (data, *, user_cols, time_col, max_session="20m", max_gap="2m"))]
fn session_rows(
    py: Python<'_>,
    data: AnyRecordBatch,
    user_cols: Vec<String>,
    time_col: String,
    max_session: &str,
    max_gap: &str,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    use arrow::array::{ArrayRef, TimestampNanosecondArray, UInt32Array};
    use std::sync::Arc;
    let limits = (
        max_session.parse().map_err(|e| err(format!("max_session: {e}")))?,
        max_gap.parse().map_err(|e| err(format!("max_gap: {e}")))?,
    );
    let opts = SessionizeOptions::new(&user_cols, time_col).with_limits(limits.0, limits.1);
    let batch = one_batch(py, data)?;
    let r = py.detach(|| anomseq::sessionize::session_rows(std::slice::from_ref(&batch), &opts)).map_err(err)?;
    let n = r.bounds.len().saturating_sub(1);
    let rows = RecordBatch::try_from_iter([("row", Arc::new(UInt32Array::from(r.rows)) as ArrayRef)]).map_err(err)?;
    let utc = |v: Vec<i64>| Arc::new(TimestampNanosecondArray::from(v).with_timezone("UTC")) as ArrayRef;
    let sessions = RecordBatch::try_from_iter([
        ("first", Arc::new(UInt32Array::from(r.bounds[..n].to_vec())) as ArrayRef),
        ("start", utc(r.starts)),
        ("end", utc(r.ends)),
    ])
    .map_err(err)?;
    Ok((table_out(py, rows)?, table_out(py, sessions)?))
}

/// A trained model: the counts of msticpy's `Model`, saved in the CLI's model file format.
#[pyclass(module = "anomseq._anomseq", frozen)]
struct Model {
    inner: Arc<RustModel>,
    /// The improved modes' scorers built so far, newest last (their state is built
    /// from the model's counts once, not for each call: a Spark task scores batch after
    /// batch with one model).
    scorers: Mutex<Vec<Arc<Scorer>>>,
}

/// A scorer kept beside its model.
type Scorer = ModelScorer<Arc<RustModel>>;

/// How many improved-mode scorers a model keeps.
const KEPT_SCORERS: usize = 4;

impl Model {
    fn new(inner: RustModel) -> Model {
        Model { inner: Arc::new(inner), scorers: Mutex::new(Vec::new()) }
    }

    /// The scorer of `options`: a kept one, or a new one (kept unless the mode is the
    /// reference one, which builds nothing).
    fn scorer(&self, options: &ScoreOptions) -> Result<Arc<Scorer>, String> {
        let kept = |v: &Vec<Arc<Scorer>>| v.iter().find(|s| s.options() == options).cloned();
        if let Some(s) = kept(&self.scorers.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(s);
        }
        let s = Arc::new(ModelScorer::new(self.inner.clone(), options).map_err(|e| e.to_string())?);
        if options.mode != ScoringMode::Reference {
            let mut v = self.scorers.lock().unwrap_or_else(|e| e.into_inner());
            if v.len() == KEPT_SCORERS {
                v.remove(0);
            }
            v.push(s.clone());
        }
        Ok(s)
    }
}

#[pymethods]
impl Model {
    /// The session type: `"commands"`, `"params"` or `"values"`.
    #[getter]
    fn session_type(&self) -> &'static str {
        match self.inner.session_type() {
            SessionType::Commands => "commands",
            SessionType::Params => "params",
            SessionType::Values => "values",
        }
    }

    /// The scoring modes the model can score with (`["reference", "profile", "novelty", "ngram"]`; a
    /// model file of format 1 keeps the reference mode's counts only).
    #[getter]
    fn modes(&self) -> Vec<&'static str> {
        self.inner.modes().to_vec()
    }

    /// Number of sessions trained on.
    #[getter]
    fn n_sessions(&self) -> u64 {
        self.inner.counts().n_sessions()
    }

    /// Score sessions: the table with `rarest_window{k}_likelihood`,
    /// `rarest_window{k}`, `rarest_window{k}_factors` and `unseen` appended (and
    /// the `profile_*` columns with `mode="profile"`, `novelty_*` with `"novelty"`,
    /// `ngram_*` with `"ngram"` at n-gram order `order` (default: the order the model
    /// keeps), scored with the model's saved state, the whole-session scores with
    /// `all_scores=True`).
    #[pyo3(signature = (sessions, *, session_col=None, window=3, tokens=true, geo_mean=false, mode="reference", all_scores=false, order=None))]
    #[allow(clippy::too_many_arguments)]
    fn score(
        &self,
        py: Python<'_>,
        sessions: AnyRecordBatch,
        session_col: Option<String>,
        window: usize,
        tokens: bool,
        geo_mean: bool,
        mode: &str,
        all_scores: bool,
        order: Option<usize>,
    ) -> PyResult<Py<PyAny>> {
        if window == 0 {
            return Err(err("window must be at least 1, got 0"));
        }
        let mode = ScoringMode::from_name(mode).map_err(err)?;
        if order.is_some() && mode != ScoringMode::Ngram {
            return Err(err(format!(
                "order is the ngram mode's n-gram order: with mode={:?}, leave it out",
                mode.name()
            )));
        }
        let (batch, _, s) = read_sessions(py, sessions, session_col)?;
        if s.session_type() != self.inner.session_type() {
            return Err(err(format!(
                "a {} model cannot score {} sessions",
                self.inner.session_type(),
                s.session_type()
            )));
        }
        let w = WindowOptions { window_len: window, use_start_end_tokens: tokens, use_geo_mean: geo_mean };
        let options = ScoreOptions::new(window)
            .with_window(w)
            .with_mode(mode)
            .with_ngram(NgramOptions::default().with_order(order))
            .with_all_scores(all_scores);
        let out = py
            .detach(|| {
                let scored = self.scorer(&options)?.score(&s).map_err(|e| e.to_string())?;
                scored_table(&batch, &s, &scored).map_err(|e| e.to_string())
            })
            .map_err(err)?;
        table_out(py, out)
    }

    /// The model file's bytes (what `save` writes; `model_from_bytes` reads them back).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, pyo3::types::PyBytes> {
        pyo3::types::PyBytes::new(py, &self.inner.to_file_bytes())
    }

    /// Save the model (the CLI's model file: `anomseq score --model PATH` scores with it).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| write_atomically(&path, &self.inner.to_file_bytes())).map_err(err)
    }

    fn __repr__(&self) -> String {
        format!(
            "<anomseq.Model: {} sessions, {} commands, {}>",
            self.inner.counts().n_sessions(),
            self.inner.counts().vocab().cmds.len().saturating_sub(3),
            self.inner.session_type()
        )
    }
}

/// Train a model on sessions (a table with a session column, as `sessionize` gives):
/// the counts of every scoring mode (`Model.modes`), n-grams up to `order` (1 to 8;
/// 7 suits `mode="ngram"` on long traces such as system calls).
#[pyfunction]
#[pyo3(signature = (sessions, *, session_col=None, modellable_params=None, order=DEFAULT_ORDER))]
fn train(
    py: Python<'_>,
    sessions: AnyRecordBatch,
    session_col: Option<String>,
    modellable_params: Option<Vec<String>>,
    order: usize,
) -> PyResult<Model> {
    let (_, _, s) = read_sessions(py, sessions, session_col)?;
    // the state of every scoring mode, as `anomseq train` saves it
    let options = modellable_params
        .map(ModelOptions::with_modellable_params)
        .unwrap_or_default()
        .with_sequence_order(Some(order));
    Ok(Model::new(py.detach(|| RustModel::try_train_with(&s, &options)).map_err(err)?))
}

/// Load a model file (from `Model.save` or `anomseq train`).
#[pyfunction]
fn load_model(py: Python<'_>, path: PathBuf) -> PyResult<Model> {
    let bytes = std::fs::read(&path).map_err(|e| err(format!("{}: cannot read the model: {e}", path.display())))?;
    let inner = py
        .detach(|| RustModel::from_file_bytes(&bytes))
        .map_err(|e| err(format!("{}: bad model file: {e}", path.display())))?;
    Ok(Model::new(inner))
}

/// A model from the bytes of a model file (`Model.to_bytes`, or a file's contents).
#[pyfunction]
fn model_from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Model> {
    let inner = py.detach(|| RustModel::from_file_bytes(data)).map_err(|e| err(format!("bad model file: {e}")))?;
    Ok(Model::new(inner))
}

/// Merge models of the same session type and options: the model of all their sessions.
#[pyfunction]
fn merge(models: Vec<PyRef<'_, Model>>) -> PyResult<Model> {
    let Some((first, rest)) = models.split_first() else { return Err(err("merge needs at least one model")) };
    let mut inner = RustModel::clone(&first.inner);
    for m in rest {
        if m.inner.session_type() != inner.session_type() {
            return Err(err(format!(
                "a {} model cannot be merged with a {} model",
                m.inner.session_type(),
                inner.session_type()
            )));
        }
        if m.inner.modellable_override() != inner.modellable_override() {
            return Err(err("models trained with other modellable parameters do not merge"));
        }
        inner = inner.merge(&m.inner).map_err(err)?;
    }
    Ok(Model::new(inner))
}

/// The interactive timeline of scored sessions as one self-contained HTML page
/// (msticpy's `visualise_scored_sessions`): x = time, y = score, a tooltip with
/// the window and the source columns; `score_upper_bound` keeps only the rarest.
/// With `svg_size` (width, height), a static SVG picture of it instead.
#[pyfunction]
#[pyo3(signature = (data, *, time_column, score_column, window_column, score_upper_bound=None, source_columns=None, title=None, svg_size=None))]
#[allow(clippy::too_many_arguments)]
fn timeline_html(
    py: Python<'_>,
    data: AnyRecordBatch,
    time_column: &str,
    score_column: &str,
    window_column: &str,
    score_upper_bound: Option<f64>,
    source_columns: Option<Vec<String>>,
    title: Option<String>,
    svg_size: Option<(u32, u32)>,
) -> PyResult<String> {
    let batch = one_batch(py, data)?;
    let higher = matches!(
        anomseq::core::column_kind(score_column),
        Some(anomseq::core::ColumnKind::Score(anomseq::Direction::HigherIsRarer))
    );
    let mut options = anomseq::viz::TimelineOptions::default()
        .with_score_upper_bound(score_upper_bound)
        .with_source_columns(source_columns.unwrap_or_default())
        .with_higher_is_rarer(higher)
        .with_log_scale(!higher);
    if let Some(t) = title {
        options = options.with_title(t);
    }
    py.detach(|| {
        let timeline = anomseq::viz::Timeline::new(
            std::slice::from_ref(&batch),
            time_column,
            score_column,
            window_column,
            &options,
        )?;
        match svg_size {
            Some((w, h)) => timeline.to_svg(w, h),
            None => Ok(timeline.to_html()),
        }
    })
    .map_err(err)
}

/// The report page of scored sessions, as `anomseq run --report` writes it: the
/// timeline, the `top` rarest sessions with each step of their rarest window
/// explained, and the parameters. The sessions are scored again by `model` (by
/// default one trained on them), and scores already in the table must agree.
#[pyfunction]
#[pyo3(signature = (data, *, model=None, session_col=None, time_col=None, key_cols=None, window=None, tokens=true, geo_mean=false, mode="reference", top=50, upper_bound=None, colour_by=None, max_points=anomseq::viz::DEFAULT_MAX_POINTS, title=None))]
#[allow(clippy::too_many_arguments)]
fn report(
    py: Python<'_>,
    data: AnyRecordBatch,
    model: Option<PyRef<'_, Model>>,
    session_col: Option<String>,
    time_col: Option<String>,
    key_cols: Option<Vec<String>>,
    window: Option<usize>,
    tokens: bool,
    geo_mean: bool,
    mode: &str,
    top: usize,
    upper_bound: Option<f64>,
    colour_by: Option<String>,
    max_points: usize,
    title: Option<String>,
) -> PyResult<String> {
    let mode = ScoringMode::from_name(mode).map_err(err)?;
    if max_points == 0 {
        return Err(err("max_points must be at least 1, got 0"));
    }
    let (batch, column, s) = read_sessions(py, data, session_col)?;
    let schema = batch.schema();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    // the window of the scores already there, unless given
    let window = window
        .or_else(|| {
            names.iter().find_map(|n| match anomseq::core::column_kind(n) {
                Some(anomseq::core::ColumnKind::Window(k)) => Some(k),
                _ => None,
            })
        })
        .unwrap_or(3);
    if window == 0 {
        return Err(err("window must be at least 1, got 0"));
    }
    let trained;
    let (model, model_said) = match &model {
        Some(m) => (&*m.inner, "given"),
        None => {
            trained = py.detach(|| RustModel::train(&s));
            (&trained, "trained on these sessions")
        }
    };
    if s.session_type() != model.session_type() {
        return Err(err(format!("a {} model cannot score {} sessions", model.session_type(), s.session_type())));
    }
    let w = WindowOptions { window_len: window, use_start_end_tokens: tokens, use_geo_mean: geo_mean };
    let options = ScoreOptions::new(window).with_window(w).with_mode(mode);
    let scored = py.detach(|| anomseq::score_data(model, &s, &options)).map_err(err)?;
    check_scores(&batch, &scored, model_said != "given")?;
    // beside the scores: the table without its event list and old scored columns
    let mut dropped = anomseq::io::scored_column_names(&batch);
    dropped.extend([column.clone(), anomseq::core::SESSION_LENGTH.to_owned()]);
    let others = anomseq::io::without_columns(&batch, &dropped);
    let time_col = match time_col {
        Some(t) => t,
        None => names
            .iter()
            .find(|n| {
                n.ends_with("_min")
                    && matches!(
                        schema.field_with_name(n).map(|f| f.data_type()),
                        Ok(arrow::datatypes::DataType::Timestamp(..))
                    )
            })
            .cloned()
            .ok_or_else(|| {
                err(format!("no start-time column ending in _min: give time_col (columns: {})", names.join(", ")))
            })?,
    };
    // whose session: by default the columns before the start time that hold single values
    let key_cols = key_cols.unwrap_or_else(|| {
        others
            .schema()
            .fields()
            .iter()
            .take_while(|f| *f.name() != time_col)
            .filter(|f| !f.data_type().is_nested())
            .map(|f| f.name().clone())
            .collect()
    });
    if let Some(c) = &colour_by {
        if others.schema().index_of(c).is_err() {
            let shown: Vec<String> = others.schema().fields().iter().map(|f| f.name().clone()).collect();
            return Err(err(format!(
                "colour_by {c:?}: not a column the points can be coloured by (those are: {})",
                shown.join(", ")
            )));
        }
    }
    let timeline = anomseq::viz::TimelineOptions::default()
        .with_title(title.unwrap_or_else(|| "anomseq: rarest sessions".to_owned()))
        .with_source_columns(key_cols.iter().cloned())
        .with_score_upper_bound(upper_bound)
        .with_max_points(max_points)
        .with_colour_by(colour_by);
    let parameters = vec![
        ("model".to_owned(), model_said.to_owned()),
        ("mode".to_owned(), mode.name().to_owned()),
        ("session type".to_owned(), s.session_type().to_string()),
        ("window".to_owned(), window.to_string()),
        ("start and end tokens".to_owned(), if tokens { "yes" } else { "no" }.to_owned()),
        ("geometric mean".to_owned(), if geo_mean { "yes" } else { "no" }.to_owned()),
        ("sessions".to_owned(), s.len().to_string()),
    ];
    let report_options = anomseq::viz::ReportOptions::default()
        .with_timeline(timeline)
        .with_top_n(top)
        .with_key_columns(key_cols)
        .with_parameters(parameters);
    py.detach(|| anomseq::report(model, &s, &scored, &others, &time_col, &report_options).map(|r| r.to_html()))
        .map_err(err)
}

/// Scores already in `table` under the name `scored` gives must be the same: else
/// the report would explain other numbers than the ones shown.
fn check_scores(table: &RecordBatch, scored: &anomseq::Scored, trained_here: bool) -> PyResult<()> {
    let Ok(i) = table.schema().index_of(scored.score_name()) else { return Ok(()) };
    let Some(old) = table.column(i).as_any().downcast_ref::<arrow::array::Float64Array>() else {
        return Err(err(format!("column {:?} is not a column of float scores", scored.score_name())));
    };
    for (row, (a, &b)) in old.iter().zip(scored.scores()).enumerate() {
        let a = a.unwrap_or(f64::NAN);
        let same = (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
        if !same {
            let hint = if trained_here {
                "the report trained a model on these sessions alone: give it the model that scored them"
            } else {
                "give the model and options that scored them"
            };
            return Err(err(format!(
                "the scores in {:?} are not this model's (row {row}: {a} there, {b} from the model): {hint}",
                scored.score_name()
            )));
        }
    }
    Ok(())
}

/// Write `text` to `path` atomically (a temporary file renamed into place; a
/// planted symlink is replaced, never followed).
#[pyfunction]
fn write_text(py: Python<'_>, path: PathBuf, text: &str) -> PyResult<()> {
    py.detach(|| write_atomically(&path, text.as_bytes())).map_err(err)
}

/// Which of `names` are columns that anomseq's scoring writes (and a new scoring replaces).
#[pyfunction]
fn scored_column_names(names: Vec<String>) -> Vec<String> {
    names.into_iter().filter(|n| anomseq::io::is_scored_column(n)).collect()
}

/// The session column of a table with these column names, found as the CLI finds it
/// (the one column ending in `_list`, else `events`).
#[pyfunction]
#[pyo3(name = "default_session_column")]
fn session_column_among(names: Vec<String>) -> PyResult<String> {
    let fields: Vec<arrow::datatypes::Field> =
        names.iter().map(|n| arrow::datatypes::Field::new(n, arrow::datatypes::DataType::Null, true)).collect();
    default_session_column(&arrow::datatypes::Schema::new(fields)).map_err(|e| err(format!("{e} with session_col")))
}

/// The extension module.
#[pymodule]
fn _anomseq(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("AnomseqError", m.py().get_type::<AnomseqError>())?;
    m.add_class::<Model>()?;
    m.add_class::<msticpy::SessionModel>()?;
    m.add_function(wrap_pyfunction!(sessionize, m)?)?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(load_model, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(timeline_html, m)?)?;
    m.add_function(wrap_pyfunction!(msticpy::score_session_lists, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    m.add_function(wrap_pyfunction!(session_rows, m)?)?;
    m.add_function(wrap_pyfunction!(model_from_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(scored_column_names, m)?)?;
    m.add_function(wrap_pyfunction!(session_column_among, m)?)?;
    m.add_function(wrap_pyfunction!(write_text, m)?)?;
    Ok(())
}
