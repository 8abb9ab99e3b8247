//! msticpy's own unit tests, replayed as JSON vectors
//! (`fixtures/msticpy-tests/vectors.json`, copied from `shared/oracle/msticpy-tests`).
//!
//! Each vector names a msticpy function; [`run`] maps it to ours and returns
//! the result in the vectors' JSON encoding (or the error msticpy raises), then
//! every `expect` entry is checked. For `model.*` vectors the whole model state
//! is also compared with msticpy's actual state (`msticpy_result`).

use anomseq::model::{
    cmds_probs, laplace_smooth, modellable_params, params_probs, smooth_cmds, smooth_keyed, values_probs, Counts,
    ProbTables, StrTable, Table, Table2, Vocab,
};
use anomseq::score::{prob_params_given_cmd, rarest_window_session, window_likelihood, window_likelihoods, WindowOptions};
use anomseq::{Cmd, Model, Probabilities, SessionType, Sessions, SessionsBuilder};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::common::*;

/// Vectors that concern sessionizing: checked by the sessionize crate's tests.
const ELSEWHERE: &[&str] = &["sessionize."];

/// msticpy raises when a method runs before `train()`; our `Model` only exists
/// trained, so that mistake cannot be written. These vectors must be exactly those.
const UNTRAINED_BY_CONSTRUCTION: &[&str] = &[
    "model.Model.compute_setof_params_cond_cmd#4",
    "model.Model.compute_scores#1",
    "model.Model.compute_likelihoods_of_sessions#1",
    "model.Model.compute_rarest_windows#1",
];

type Outcome = Result<Value, String>;

fn to_json<T: Serialize>(x: &T) -> Value {
    serde_json::to_value(x).unwrap()
}

fn obj<T: Serialize>(t: &StrTable<T>) -> Value {
    Value::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect::<Map<_, _>>())
}

fn obj2<T: Serialize>(t: &[(String, StrTable<T>)]) -> Value {
    Value::Object(t.iter().map(|(k, v)| (k.clone(), obj(v))).collect::<Map<_, _>>())
}

fn kind_of(function: &str) -> SessionType {
    match function.split('.').next().unwrap() {
        "cmds_params_only" => SessionType::Params,
        "cmds_params_values" => SessionType::Values,
        _ => SessionType::Commands,
    }
}

fn id_table<T: serde::de::DeserializeOwned + Clone>(v: &Value, keys: &mut anomseq::core::Interner) -> Table<T> {
    table::<T>(v).into_iter().map(|(k, x)| (keys.intern(&k), x)).collect()
}

fn id_table2<T: serde::de::DeserializeOwned + Clone>(
    v: &Value,
    rows: &mut anomseq::core::Interner,
    cols: &mut anomseq::core::Interner,
) -> Table2<T> {
    table2::<T>(v)
        .into_iter()
        .map(|(r, row)| (rows.intern(&r), row.into_iter().map(|(k, x)| (cols.intern(&k), x)).collect()))
        .collect()
}

/// Probabilities from the tables a vector passes (a dummy, valid table where it passes none).
fn probs(kind: SessionType, a: &Value) -> Result<Probabilities, String> {
    let mut v = Vocab::default();
    let unk1 = json!({"##UNK##": 1.0});
    let unk2 = json!({"##UNK##": {"##UNK##": 1.0}});
    let or = |key: &str, d: &Value| if a[key].is_null() { d.clone() } else { a[key].clone() };
    let prior = id_table(&or("prior_probs", &unk1), &mut v.cmds);
    let trans_json = or("trans_probs", &unk2);
    let mut cmds = std::mem::take(&mut v.cmds);
    // rows and columns share one vocabulary
    let trans: Table2<f64> = table2::<f64>(&trans_json)
        .into_iter()
        .map(|(r, row)| (cmds.intern(&r), row.into_iter().map(|(k, x)| (cmds.intern(&k), x)).collect()))
        .collect();
    v.cmds = cmds;
    let mut t = ProbTables { prior, trans, ..Default::default() };
    if kind.has_params() {
        t.param_cond_cmd = id_table2(&or("param_cond_cmd_probs", &unk2), &mut v.cmds, &mut v.params);
    }
    let mut modellable = Vec::new();
    if kind == SessionType::Values {
        t.value_cond_param = id_table2(&or("value_cond_param_probs", &unk2), &mut v.params, &mut v.values);
        for p in a["modellable_params"].as_array().into_iter().flatten() {
            modellable.push(v.params.intern(p.as_str().unwrap()));
        }
    }
    Probabilities::new(kind, &v, &t, &modellable).map_err(|e| e.to_string())
}

fn window_options(a: &Value) -> WindowOptions {
    WindowOptions {
        window_len: a["window_len"].as_u64().unwrap() as usize,
        use_start_end_tokens: a["use_start_end_tokens"].as_bool().unwrap(),
        use_geo_mean: a["use_geo_mean"].as_bool().unwrap_or(false),
    }
}

/// Lenient sessions (empty sessions allowed), as msticpy's `compute_counts` takes them.
fn lenient_sessions(kind: SessionType, v: &Value) -> Sessions {
    let mut b = SessionsBuilder::new_lenient(kind);
    for s in v.as_array().unwrap() {
        for c in cmd_lists(s) {
            b.push_cmd(&c).unwrap();
        }
        b.end_session().unwrap();
    }
    b.finish().unwrap()
}

fn counts_from_args(kind: SessionType, a: &Value) -> Counts {
    let t = |k: &str| if a[k].is_null() { Vec::new() } else { table::<u64>(&a[k]) };
    let t2 = |k: &str| if a[k].is_null() { Vec::new() } else { table2::<u64>(&a[k]) };
    Counts::from_str_tables(
        kind,
        0,
        &t("seq1_counts"),
        &t2("seq2_counts"),
        &t("param_counts"),
        &t2("cmd_param_counts"),
        &t("value_counts"),
        &t2("param_value_counts"),
    )
}

/// Named output of id tables.
fn named<T: Clone + Serialize>(t: &Table<T>, keys: &anomseq::core::Interner) -> Value {
    obj(&t.iter().map(|(k, v)| (keys.resolve(*k).to_owned(), v.clone())).collect::<Vec<_>>())
}

fn named2<T: Clone + Serialize>(t: &Table2<T>, rows: &anomseq::core::Interner, cols: &anomseq::core::Interner) -> Value {
    Value::Object(t.iter().map(|(r, row)| (rows.resolve(*r).to_owned(), named(row, cols))).collect())
}

fn counts_json(kind: SessionType, c: &Counts, smoothed: bool) -> Vec<Value> {
    let v = c.vocab();
    let n = (v.cmds.len(), v.params.len(), v.values.len());
    let t = if smoothed { laplace_smooth(kind, c.tables(), n.0, n.1, n.2) } else { c.tables().clone() };
    let mut out = vec![named(&t.seq1, &v.cmds), named2(&t.seq2, &v.cmds, &v.cmds)];
    if kind.has_params() {
        out.push(named(&t.param, &v.params));
        out.push(named2(&t.cmd_param, &v.cmds, &v.params));
    }
    if kind == SessionType::Values {
        out.push(named(&t.value, &v.values));
        out.push(named2(&t.param_value, &v.params, &v.values));
    }
    out
}

fn sessions_arg(a: &Value) -> Result<Sessions, String> {
    let lists: Vec<Vec<Cmd>> = serde_json::from_value(a["sessions"].clone()).map_err(|e| e.to_string())?;
    Sessions::from_cmds(&lists).map_err(|e| e.to_string())
}

/// The state of a model in the vectors' encoding (msticpy's attribute names).
fn model_dump(m: &Model) -> Map<String, Value> {
    let c = m.smoothed_counts();
    let p = m.named_probs();
    let opt = |x: Option<Value>| x.unwrap_or(Value::Null);
    let mut d = Map::new();
    d.insert("session_type".into(), json!(m.session_type().msticpy_name()));
    d.insert("seq1_counts".into(), obj(&c.seq1_counts));
    d.insert("seq2_counts".into(), obj2(&c.seq2_counts));
    d.insert("prior_probs".into(), obj(&p.prior_probs));
    d.insert("trans_probs".into(), obj2(&p.trans_probs));
    d.insert("param_counts".into(), opt(c.param_counts.as_ref().map(obj)));
    d.insert("cmd_param_counts".into(), opt(c.cmd_param_counts.as_deref().map(obj2)));
    d.insert("param_probs".into(), opt(p.param_probs.as_ref().map(obj)));
    d.insert("param_cond_cmd_probs".into(), opt(p.param_cond_cmd_probs.as_deref().map(obj2)));
    d.insert("value_counts".into(), opt(c.value_counts.as_ref().map(obj)));
    d.insert("param_value_counts".into(), opt(c.param_value_counts.as_deref().map(obj2)));
    d.insert("value_probs".into(), opt(p.value_probs.as_ref().map(obj)));
    d.insert("value_cond_param_probs".into(), opt(p.value_cond_param_probs.as_deref().map(obj2)));
    let modellable = (m.session_type() == SessionType::Values).then(|| json!(m.modellable_params()));
    d.insert("modellable_params".into(), opt(modellable));
    for k in ["session_likelihoods", "session_geomean_likelihoods"] {
        d.insert(k.into(), Value::Null);
    }
    for k in ["rare_windows", "rare_window_likelihoods", "rare_windows_geo", "rare_window_likelihoods_geo", "set_params_cond_cmd_probs"] {
        d.insert(k.into(), json!({}));
    }
    d
}

fn add_windows(d: &mut Map<String, Value>, m: &Model, s: &Sessions, k: usize, tokens: bool, geo: bool) -> Result<(), String> {
    let w = anomseq::compute_rarest_windows(m, s, k, tokens, geo).map_err(|e| e.to_string())?;
    let suffix = if geo { "_geo" } else { "" };
    let windows: Vec<Value> =
        w.iter().enumerate().map(|(i, w)| to_json(&w.range().map(|r| s.slice_cmds(i, r)).unwrap_or_default())).collect();
    let liks: Vec<Value> = w.iter().map(|w| to_json(&w.likelihood)).collect();
    d[&format!("rare_windows{suffix}")][k.to_string()] = Value::Array(windows);
    d[&format!("rare_window_likelihoods{suffix}")][k.to_string()] = Value::Array(liks);
    Ok(())
}

/// Run the msticpy function a vector names, with our code.
fn run(function: &str, a: &Value) -> Option<Outcome> {
    let kind = kind_of(function);
    let name = function.split('.').skip(1).collect::<Vec<_>>().join(".");
    let out = match (function.split('.').next().unwrap(), name.as_str()) {
        ("data_structures", "StateMatrix" | "StateMatrix.lookup") => {
            let states = &a["states"];
            let nested = states.as_object().unwrap().values().any(Value::is_object);
            let args = if nested { json!({"trans_probs": states}) } else { json!({"prior_probs": states}) };
            probs(SessionType::Commands, &args).map(|p| {
                let keys: Vec<&str> = a["keys"].as_array().into_iter().flatten().map(|k| k.as_str().unwrap()).collect();
                match keys.as_slice() {
                    [k] => json!(p.prior(p.cmd_id(k))),
                    [k1, k2] => json!(p.trans(p.cmd_id(k1), p.cmd_id(k2))),
                    _ => Value::Null,
                }
            })
        }
        ("laplace_smooth", "laplace_smooth_cmd_counts") | ("cmds_only", "laplace_smooth_counts") => {
            let c = counts_from_args(SessionType::Commands, a);
            let n = c.vocab().cmds.len();
            let (s1, s2) = smooth_cmds(&c.tables().seq1, &c.tables().seq2, n);
            Ok(json!([named(&s1, &c.vocab().cmds), named2(&s2, &c.vocab().cmds, &c.vocab().cmds)]))
        }
        ("cmds_params_only" | "cmds_params_values", "laplace_smooth_counts") => {
            Ok(Value::Array(counts_json(kind, &counts_from_args(kind, a), true)))
        }
        ("laplace_smooth", "laplace_smooth_param_counts") => {
            let mut v = Vocab::default();
            let rows: Vec<u32> = a["cmds"].as_array().unwrap().iter().map(|c| v.cmds.intern(c.as_str().unwrap())).collect();
            let single = id_table::<u64>(&a["param_counts"], &mut v.params);
            let pairs = id_table2::<u64>(&a["cmd_param_counts"], &mut v.cmds, &mut v.params);
            let (s, p) = smooth_keyed(&rows, &single, &pairs, v.cmds.len());
            Ok(json!([named(&s, &v.params), named2(&p, &v.cmds, &v.params)]))
        }
        ("laplace_smooth", "laplace_smooth_value_counts") => {
            let mut v = Vocab::default();
            let rows: Vec<u32> = a["params"].as_array().unwrap().iter().map(|c| v.params.intern(c.as_str().unwrap())).collect();
            let single = id_table::<u64>(&a["value_counts"], &mut v.values);
            let pairs = id_table2::<u64>(&a["param_value_counts"], &mut v.params, &mut v.values);
            let (s, p) = smooth_keyed(&rows, &single, &pairs, v.params.len());
            Ok(json!([named(&s, &v.values), named2(&p, &v.params, &v.values)]))
        }
        ("probabilities", "compute_cmds_probs") => {
            let c = counts_from_args(SessionType::Commands, a);
            let (p, t) = cmds_probs(&c.tables().seq1, &c.tables().seq2);
            Ok(json!([named(&p, &c.vocab().cmds), named2(&t, &c.vocab().cmds, &c.vocab().cmds)]))
        }
        ("probabilities", "compute_params_probs") => {
            let c = counts_from_args(SessionType::Params, a);
            let t = c.tables();
            let (p, pc) = params_probs(&t.param, &t.cmd_param, &t.seq1, c.vocab().cmds.len());
            Ok(json!([named(&p, &c.vocab().params), named2(&pc, &c.vocab().cmds, &c.vocab().params)]))
        }
        ("probabilities", "compute_values_probs") => {
            let c = counts_from_args(SessionType::Values, a);
            let (p, pv) = values_probs(&c.tables().value, &c.tables().param_value);
            Ok(json!([named(&p, &c.vocab().values), named2(&pv, &c.vocab().params, &c.vocab().values)]))
        }
        (_, "compute_counts") => {
            let c = Counts::from_sessions(&lenient_sessions(kind, &a["sessions"]));
            Ok(Value::Array(counts_json(kind, &c, false)))
        }
        ("cmds_params_values", "get_params_to_model_values") => {
            let c = counts_from_args(SessionType::Values, a);
            let mut names: Vec<&str> = modellable_params(&c.tables().param, &c.tables().param_value)
                .into_iter()
                .map(|p| c.vocab().params.resolve(p))
                .collect();
            names.sort();
            Ok(json!(names))
        }
        (_, "compute_prob_setofparams_given_cmd") => probs(kind, a).map(|p| {
            let params = if kind == SessionType::Values { &a["params_with_vals"] } else { &a["params"] };
            let cmd: Cmd = serde_json::from_value(json!({"name": a["cmd"], "params": params})).unwrap();
            json!(prob_params_given_cmd(&p, &cmd, a["use_geo_mean"].as_bool().unwrap()))
        }),
        (_, "compute_likelihood_window") => probs(kind, a).map(|p| {
            let w = cmd_lists(&a["window"]);
            json!(window_likelihood(&p, &w, a["use_start_token"].as_bool().unwrap(), a["use_end_token"].as_bool().unwrap()))
        }),
        (_, "compute_likelihood_windows_in_session") => probs(kind, a).and_then(|p| {
            window_likelihoods(&p, &cmd_lists(&a["session"]), &window_options(a)).map(|l| json!(l)).map_err(|e| e.to_string())
        }),
        (_, "rarest_window_session") => probs(kind, a).and_then(|p| {
            rarest_window_session(&p, &cmd_lists(&a["session"]), &window_options(a))
                .map(|(w, l)| json!([w, l]))
                .map_err(|e| e.to_string())
        }),
        ("model", "Model") => sessions_arg(a).map(|_| Value::Null),
        ("model", method) => sessions_arg(a).and_then(|s| {
            let m = anomseq::train(&s);
            let mut d = model_dump(&m);
            match method {
                "Model.train" => {}
                "Model.compute_setof_params_cond_cmd" => {
                    let r = anomseq::compute_setof_params_cond_cmd(&m, &s, a["use_geo_mean"].as_bool().unwrap())
                        .map_err(|e| e.to_string())?;
                    let v: Map<String, Value> = r
                        .iter()
                        .map(|(cmd, sets)| {
                            let list: Vec<Value> = sets.iter().map(|(k, p)| json!({"params": k, "prob": p})).collect();
                            (cmd.clone(), Value::Array(list))
                        })
                        .collect();
                    d.insert("set_params_cond_cmd_probs".into(), Value::Object(v));
                }
                "Model.compute_likelihoods_of_sessions" | "Model.compute_scores" => {
                    let tokens = a["use_start_end_tokens"].as_bool().unwrap();
                    let l = anomseq::compute_likelihoods_of_sessions(&m, &s, tokens).map_err(|e| e.to_string())?;
                    d.insert("session_likelihoods".into(), json!(l));
                    if method == "Model.compute_scores" {
                        d.insert("session_geomean_likelihoods".into(), json!(anomseq::compute_geomean_lik_of_sessions(&l, &s)));
                        add_windows(&mut d, &m, &s, 2, tokens, false)?;
                        add_windows(&mut d, &m, &s, 3, tokens, false)?;
                    }
                }
                "Model.compute_rarest_windows" => {
                    let o = window_options(a);
                    add_windows(&mut d, &m, &s, o.window_len, o.use_start_end_tokens, o.use_geo_mean)?;
                }
                _ => return Err(format!("unsupported method {method}")),
            }
            Ok(Value::Object(d))
        }),
        ("anomalous", "score_sessions") => {
            let frame = &a["data"]["$frame"];
            let col = a["session_column"].as_str().unwrap();
            let k = a["window_length"].as_u64().unwrap() as usize;
            let lists: Vec<Vec<Cmd>> = serde_json::from_value(frame["data"][col].clone()).unwrap();
            let s = Sessions::from_cmds(&lists).map_err(|e| e.to_string());
            s.and_then(|s| anomseq::score_sessions(&s, k).map(|w| (s, w)).map_err(|e| e.to_string())).map(|(s, w)| {
                let mut columns = frame["columns"].as_array().unwrap().clone();
                let mut data = frame["data"].as_object().unwrap().clone();
                let (lk, wk) = (format!("rarest_window{k}_likelihood"), format!("rarest_window{k}"));
                columns.push(json!(lk));
                columns.push(json!(wk));
                data.insert(lk, w.iter().map(|w| to_json(&w.likelihood)).collect());
                data.insert(
                    wk,
                    w.iter().enumerate().map(|(i, w)| to_json(&w.range().map(|r| s.slice_cmds(i, r)).unwrap_or_default())).collect(),
                );
                json!({"$frame": {"columns": columns, "n_rows": lists.len(), "data": data}})
            })
        }
        _ => return None,
    };
    Some(out)
}

/// Resolve an `expect` target against a result.
fn target<'a>(t: &str, result: &'a Value) -> Option<Value> {
    if let Some(inner) = t.strip_prefix("len(").and_then(|x| x.strip_suffix(')')) {
        let v = target(inner, result)?;
        return Some(json!(match &v {
            Value::Array(x) => x.len(),
            Value::Object(x) if x.contains_key("$frame") => x["$frame"]["n_rows"].as_u64().unwrap() as usize,
            Value::Object(x) => x.len(),
            _ => return None,
        }));
    }
    let mut parts = t.split('.');
    let head = parts.next()?;
    let mut cur: Value = match head {
        "model" => result.clone(),
        _ => {
            let (name, idx) = split_index(head);
            assert_eq!(name, "result");
            idx.iter().fold(Some(result.clone()), |v, i| v.and_then(|v| v.get(*i).cloned()))?
        }
    };
    for p in parts {
        let (name, idx) = split_index(p);
        cur = if let Some(f) = cur.get("$frame") {
            if name == "columns" { f["columns"].clone() } else { f["data"][name].clone() }
        } else {
            cur.get(name)?.clone()
        };
        for i in idx {
            cur = cur.get(i)?.clone();
        }
    }
    Some(cur)
}

fn split_index(s: &str) -> (&str, Vec<usize>) {
    let name = s.split('[').next().unwrap();
    let idx = s.split('[').skip(1).map(|x| x.trim_end_matches(']').parse().unwrap()).collect();
    (name, idx)
}

fn check_expect(id: &str, e: &Value, outcome: &Outcome) {
    let op = e["op"].as_str().unwrap();
    let t = e["target"].as_str().unwrap();
    if op == "raises" {
        assert!(outcome.is_err(), "{id}: expected an error, got {outcome:?}");
        return;
    }
    let result = outcome.as_ref().unwrap_or_else(|err| panic!("{id}: unexpected error {err}"));
    let got = target(t, result).unwrap_or_else(|| panic!("{id}: no target {t} in {result}"));
    let value = &e["value"];
    let ok = match op {
        "eq" => json_eq(&got, value, 0.0),
        "is_nan" => got.is_null() || got.as_f64().is_some_and(f64::is_nan),
        "not_nan" => got.as_f64().is_some_and(|x| !x.is_nan()),
        "is_null" => got.is_null(),
        "is_not_null" => !got.is_null(),
        "has_key" => got.get(value.to_string()).is_some(),
        "gt" => got.as_f64().unwrap() > value.as_f64().unwrap(),
        "superset_of" => value.as_array().unwrap().iter().all(|c| got.as_array().unwrap().contains(c)),
        "is_string" => got.is_string(),
        "is_set" => got.is_array(),
        "is_dict" => got.is_object(),
        other => panic!("{id}: unknown op {other}"),
    };
    assert!(ok, "{id}: {t} {op} {value}: got {got}");
}

#[test]
fn msticpy_unit_test_vectors() {
    let doc = load_json("msticpy-tests/vectors.json");
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), doc["n_vectors"].as_u64().unwrap() as usize);
    let (mut checked, mut elsewhere, mut untrained) = (0, 0, 0);
    for v in vectors {
        let id = v["id"].as_str().unwrap();
        let function = v["function"].as_str().unwrap();
        if ELSEWHERE.iter().any(|p| function.starts_with(p)) {
            elsewhere += 1;
            continue;
        }
        if UNTRAINED_BY_CONSTRUCTION.contains(&id) {
            assert_eq!(v["args"]["train_first"], false, "{id}");
            assert_eq!(v["expect"][0]["op"], "raises", "{id}");
            untrained += 1;
            continue;
        }
        let outcome = run(function, &v["args"]).unwrap_or_else(|| panic!("{id}: function {function} not mapped"));
        for e in v["expect"].as_array().unwrap() {
            check_expect(id, e, &outcome);
        }
        // model vectors: the whole state, as msticpy had it
        if function.starts_with("model.Model.") {
            if let (Ok(ours), Some(theirs)) = (&outcome, v.get("msticpy_result")) {
                for (k, t) in theirs.as_object().unwrap() {
                    assert!(json_eq(&ours[k], t, 1e-12), "{id}: model.{k}: ours {} vs msticpy {t}", ours[k]);
                }
            }
        }
        checked += 1;
    }
    assert_eq!(untrained, UNTRAINED_BY_CONSTRUCTION.len());
    assert_eq!(checked + elsewhere + untrained, vectors.len());
    assert!(checked >= 100, "only {checked} vectors checked");
}
