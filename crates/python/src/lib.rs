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

mod msticpy;

use std::path::PathBuf;

use anomseq::io::{default_session_column, scored_table, write_atomically};
use anomseq::score::{ScoreOptions, WindowOptions};
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

/// The data as one record batch (its batches concatenated).
fn one_batch(data: AnyRecordBatch) -> PyResult<RecordBatch> {
    let table = data.into_table().map_err(PyErr::from)?;
    let (batches, schema) = table.into_inner();
    arrow::compute::concat_batches(&schema, &batches).map_err(err)
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
#[pyo3(signature = (data, *, user_cols, time_col, event_col, params_col=None, params_format="exchange", param_cols=None, values=false, max_session="20m", max_gap="2m"))]
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
    let opts = SessionizeOptions::new(&user_cols, time_col).with_limits(limits.0, limits.1);
    let batch = one_batch(data)?;
    let out = py.detach(|| sessionize_batches(std::slice::from_ref(&batch), &opts, &spec)).map_err(err)?;
    table_out(py, out.table)
}

/// A trained model: the counts of msticpy's `Model`, saved in the CLI's model file format.
#[pyclass(module = "anomseq._anomseq", frozen)]
struct Model {
    inner: RustModel,
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

    /// Number of sessions trained on.
    #[getter]
    fn n_sessions(&self) -> u64 {
        self.inner.counts().n_sessions()
    }

    /// Score sessions: the table with `rarest_window{k}_likelihood`,
    /// `rarest_window{k}`, `rarest_window{k}_factors` and `unseen` appended (and
    /// the `profile_*` columns with `mode="profile"`, the whole-session scores with
    /// `all_scores=True`).
    #[pyo3(signature = (sessions, *, session_col=None, window=3, tokens=true, geo_mean=false, mode="reference", all_scores=false))]
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
    ) -> PyResult<Py<PyAny>> {
        if window == 0 {
            return Err(err("window must be at least 1, got 0"));
        }
        let mode = ScoringMode::from_name(mode).map_err(err)?;
        let batch = one_batch(sessions)?;
        let column = session_column(&batch, session_col)?;
        let s = sessions_of(&batch, &column)?;
        if s.session_type() != self.inner.session_type() {
            return Err(err(format!(
                "a {} model cannot score {} sessions",
                self.inner.session_type(),
                s.session_type()
            )));
        }
        let w = WindowOptions { window_len: window, use_start_end_tokens: tokens, use_geo_mean: geo_mean };
        let options = ScoreOptions::new(window).with_window(w).with_mode(mode).with_all_scores(all_scores);
        let out = py
            .detach(|| {
                let scored = anomseq::score_data(&self.inner, &s, &options).map_err(|e| e.to_string())?;
                scored_table(&batch, &s, &scored).map_err(|e| e.to_string())
            })
            .map_err(err)?;
        table_out(py, out)
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

/// Train a model on sessions (a table with a session column, as `sessionize` gives).
#[pyfunction]
#[pyo3(signature = (sessions, *, session_col=None, modellable_params=None))]
fn train(
    py: Python<'_>,
    sessions: AnyRecordBatch,
    session_col: Option<String>,
    modellable_params: Option<Vec<String>>,
) -> PyResult<Model> {
    let batch = one_batch(sessions)?;
    let column = session_column(&batch, session_col)?;
    let s = sessions_of(&batch, &column)?;
    let options = modellable_params.map(ModelOptions::with_modellable_params).unwrap_or_default();
    Ok(Model { inner: py.detach(|| RustModel::train_with(&s, &options)) })
}

/// Load a model file (from `Model.save` or `anomseq train`).
#[pyfunction]
fn load_model(py: Python<'_>, path: PathBuf) -> PyResult<Model> {
    let bytes = std::fs::read(&path).map_err(|e| err(format!("{}: cannot read the model: {e}", path.display())))?;
    let inner = py
        .detach(|| RustModel::from_file_bytes(&bytes))
        .map_err(|e| err(format!("{}: bad model file: {e}", path.display())))?;
    Ok(Model { inner })
}

/// Merge models of the same session type and options: the model of all their sessions.
#[pyfunction]
fn merge(models: Vec<PyRef<'_, Model>>) -> PyResult<Model> {
    let Some((first, rest)) = models.split_first() else { return Err(err("merge needs at least one model")) };
    let mut inner = first.inner.clone();
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
    Ok(Model { inner })
}

/// The interactive timeline of scored sessions as one self-contained HTML page
/// (msticpy's `visualise_scored_sessions`): x = time, y = score, a tooltip with
/// the window and the source columns; `score_upper_bound` keeps only the rarest.
#[pyfunction]
#[pyo3(signature = (data, *, time_column, score_column, window_column, score_upper_bound=None, source_columns=None, title=None))]
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
) -> PyResult<String> {
    let batch = one_batch(data)?;
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
        anomseq::viz::Timeline::new(std::slice::from_ref(&batch), time_column, score_column, window_column, &options)
            .map(|t| t.to_html())
    })
    .map_err(err)
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
    Ok(())
}
