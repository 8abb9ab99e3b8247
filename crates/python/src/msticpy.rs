//! The engine under `anomseq.msticpy`'s `Model` and `score_sessions`: sessions given
//! as Python lists, trained and scored by the Rust pipeline, every table handed back
//! by name, in msticpy's insertion order.

use anomseq::{Model, ModelOptions, Sessions};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::err;
use crate::lists::sessions_from_lists;

/// A data set and, once trained, its model (msticpy's `Model`, less the Python objects).
#[pyclass(module = "anomseq._anomseq", frozen)]
pub(crate) struct SessionModel {
    sessions: Sessions,
    model: std::sync::OnceLock<Model>,
    modellable: Option<Vec<String>>,
}

impl SessionModel {
    fn trained(&self) -> PyResult<&Model> {
        self.model.get().ok_or_else(|| err("please train the model first before using this method"))
    }
}

/// Each set of parameters (sorted keys) of one command with its probability.
type SetProbs<'a> = Vec<(&'a Vec<String>, f64)>;

fn json(value: &impl serde::Serialize) -> PyResult<String> {
    serde_json::to_string(value).map_err(err)
}

#[pymethods]
impl SessionModel {
    /// Read and check `sessions`: a list of sessions, each a non-empty list of
    /// command names or of `Cmd`s (with a set or a dict of parameters).
    #[new]
    #[pyo3(signature = (sessions, modellable_params=None))]
    fn new(sessions: &Bound<'_, PyAny>, modellable_params: Option<Vec<String>>) -> PyResult<Self> {
        let sessions = sessions_from_lists(sessions)?;
        Ok(SessionModel { sessions, model: std::sync::OnceLock::new(), modellable: modellable_params })
    }

    /// Count, smooth and compute the probabilities.
    fn train(&self, py: Python<'_>) {
        let options = self.modellable.clone().map(ModelOptions::with_modellable_params).unwrap_or_default();
        let _ = self.model.set(py.detach(|| Model::train_with(&self.sessions, &options)));
    }

    /// Has `train` run?
    #[getter]
    fn is_trained(&self) -> bool {
        self.model.get().is_some()
    }

    /// The raw counts by name, as JSON (`seq1_counts`, `seq2_counts`, ...: lists of pairs).
    fn raw_counts_json(&self) -> PyResult<String> {
        json(&self.trained()?.raw_counts())
    }

    /// The Laplace-smoothed counts by name, as JSON.
    fn smoothed_counts_json(&self) -> PyResult<String> {
        json(&self.trained()?.smoothed_counts())
    }

    /// The probability tables by name, as JSON.
    fn probs_json(&self) -> PyResult<String> {
        json(&self.trained()?.named_probs())
    }

    /// The parameters whose values are modelled, sorted.
    fn modellable_params(&self) -> PyResult<Vec<String>> {
        Ok(self.trained()?.modellable_params())
    }

    /// The likelihood of each whole session.
    fn session_likelihoods(&self, py: Python<'_>, use_start_end_tokens: bool) -> PyResult<Vec<f64>> {
        let m = self.trained()?;
        py.detach(|| anomseq::compute_likelihoods_of_sessions(m, &self.sessions, use_start_end_tokens)).map_err(err)
    }

    /// Each likelihood raised to `1 / len` of its session.
    fn geomean_likelihoods(&self, likelihoods: Vec<f64>) -> PyResult<Vec<f64>> {
        if likelihoods.len() != self.sessions.len() {
            return Err(err(format!("{} likelihoods for {} sessions", likelihoods.len(), self.sessions.len())));
        }
        Ok(anomseq::compute_geomean_lik_of_sessions(&likelihoods, &self.sessions))
    }

    /// The rarest window of each session: `(start or None, length, likelihood)`.
    fn rarest_windows(
        &self,
        py: Python<'_>,
        window_len: usize,
        use_start_end_tokens: bool,
        use_geo_mean: bool,
    ) -> PyResult<Vec<(Option<usize>, usize, f64)>> {
        if window_len == 0 {
            return Err(err("window length must be at least 1, got 0"));
        }
        let m = self.trained()?;
        let w = py
            .detach(|| {
                anomseq::compute_rarest_windows(m, &self.sessions, window_len, use_start_end_tokens, use_geo_mean)
            })
            .map_err(err)?;
        Ok(w.iter().map(|r| (r.start, r.len, r.likelihood)).collect())
    }

    /// The probability of each set of parameters per command, as JSON:
    /// `{command: [[sorted keys], probability], ...}`.
    fn setof_params_cond_cmd_json(&self, py: Python<'_>, use_geo_mean: bool) -> PyResult<String> {
        let m = self.trained()?;
        let result =
            py.detach(|| anomseq::compute_setof_params_cond_cmd(m, &self.sessions, use_geo_mean)).map_err(err)?;
        let out: Vec<(&String, SetProbs<'_>)> =
            result.iter().map(|(c, sets)| (c, sets.iter().map(|(k, &p)| (k, p)).collect())).collect();
        json(&out)
    }
}

/// msticpy's `score_sessions` in one call: train on `sessions` (as for
/// `SessionModel`) and give each session's rarest window of `window_len` (with
/// the start and end tokens, no geometric mean) as its likelihood and as a slice
/// of the session's own list (`[]` and NaN when no window fits).
#[pyfunction]
pub(crate) fn score_session_lists<'py>(
    py: Python<'py>,
    sessions: &Bound<'py, PyAny>,
    window_len: usize,
) -> PyResult<(Vec<f64>, Bound<'py, PyList>)> {
    if window_len == 0 {
        return Err(err("window length must be at least 1, got 0"));
    }
    let s = sessions_from_lists(sessions)?;
    let rare = py
        .detach(|| {
            let model = Model::train(&s);
            anomseq::compute_rarest_windows(&model, &s, window_len, true, false)
        })
        .map_err(err)?;
    let lists = sessions.cast::<PyList>()?;
    let windows = PyList::empty(py);
    for (i, r) in rare.iter().enumerate() {
        match r.start {
            Some(start) => windows.append(lists.get_item(i)?.cast::<PyList>()?.get_slice(start, start + r.len))?,
            None => windows.append(PyList::empty(py))?,
        }
    }
    Ok((rare.iter().map(|r| r.likelihood).collect(), windows))
}
