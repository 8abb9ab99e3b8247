//! Conformance with msticpy 3.0.2 on the Exchange demo logs
//! (`fixtures/oracle-exchange`, copied from `shared/oracle/exchange`).

use anomseq::score::{self, window_likelihoods, WindowOptions};
use anomseq::{Model, SessionType, Sessions};
use serde_json::Value;

use crate::common::*;

const REL: f64 = 1e-9;

struct Case {
    kind: SessionType,
    sessions: Vec<Vec<anomseq::Cmd>>,
    data: Sessions,
    model: Model,
    oracle: Value,
}

fn case(name: &str) -> Case {
    let sessions_json = load_json(&format!("oracle-exchange/sessions_{name}.json"));
    let oracle = load_json(&format!("oracle-exchange/model_{name}.json"));
    let sessions: Vec<Vec<anomseq::Cmd>> =
        sessions_json["sessions"].as_array().unwrap().iter().map(|s| cmd_lists(&s["events"])).collect();
    let data = Sessions::from_cmds(&sessions).unwrap();
    let model = anomseq::train(&data);
    let kind = data.session_type();
    assert_eq!(kind.msticpy_name(), oracle["session_type"].as_str().unwrap());
    assert_eq!(data.len() as u64, oracle["n_sessions"].as_u64().unwrap());
    Case { kind, sessions, data, model, oracle }
}

/// Every count equal; every probability within 1e-9 relative.
fn check_model(c: &Case) {
    let o = &c.oracle;
    let raw = c.model.raw_counts();
    let sm = c.model.smoothed_counts();
    for (ours, key) in [(&raw, &o["raw_counts"]), (&sm, o)] {
        assert_counts(&ours.seq1_counts, &key["seq1_counts"], "seq1_counts");
        assert_counts2(&ours.seq2_counts, &key["seq2_counts"], "seq2_counts");
        if c.kind.has_params() {
            assert_counts(ours.param_counts.as_ref().unwrap(), &key["param_counts"], "param_counts");
            assert_counts2(ours.cmd_param_counts.as_ref().unwrap(), &key["cmd_param_counts"], "cmd_param_counts");
        } else {
            assert!(ours.param_counts.is_none() && key["param_counts"].is_null());
        }
        if c.kind == SessionType::Values {
            assert_counts(ours.value_counts.as_ref().unwrap(), &key["value_counts"], "value_counts");
            assert_counts2(ours.param_value_counts.as_ref().unwrap(), &key["param_value_counts"], "param_value_counts");
        } else {
            assert!(ours.value_counts.is_none() && key["value_counts"].is_null());
        }
    }
    let p = c.model.named_probs();
    assert_probs(&p.prior_probs, &o["prior_probs"], REL, "prior_probs");
    assert_probs2(&p.trans_probs, &o["trans_probs"], REL, "trans_probs");
    if c.kind.has_params() {
        assert_probs(p.param_probs.as_ref().unwrap(), &o["param_probs"], REL, "param_probs");
        assert_probs2(p.param_cond_cmd_probs.as_ref().unwrap(), &o["param_cond_cmd_probs"], REL, "param_cond_cmd_probs");
    }
    if c.kind == SessionType::Values {
        assert_probs(p.value_probs.as_ref().unwrap(), &o["value_probs"], REL, "value_probs");
        assert_probs2(
            p.value_cond_param_probs.as_ref().unwrap(),
            &o["value_cond_param_probs"],
            REL,
            "value_cond_param_probs",
        );
        // the parameter product follows each command's first-seen order: it must be msticpy's
        for (cmd, row) in p.param_cond_cmd_probs.as_ref().unwrap() {
            let ours: Vec<&str> = row.iter().map(|(k, _)| k.as_str()).collect();
            let theirs: Vec<&str> = o["param_cond_cmd_probs"][cmd].as_object().unwrap().keys().map(|k| k.as_str()).collect();
            assert_eq!(ours, theirs, "order of param_cond_cmd_probs[{cmd}]");
        }
        let theirs: Vec<String> = serde_json::from_value(o["modellable_params"].clone()).unwrap();
        assert_eq!(c.model.modellable_params(), theirs);
    } else {
        assert!(o["modellable_params"].is_null());
    }
    // the dense tables that scoring reads agree with the named ones
    let d = c.model.probabilities();
    for (a, row) in &p.trans_probs {
        for (b, x) in row {
            assert_eq!(d.trans(d.cmd_id(a), d.cmd_id(b)), *x, "dense trans[{a}][{b}]");
        }
    }
}

fn check_likelihoods(c: &Case) {
    for tokens in [true, false] {
        let ours = anomseq::compute_likelihoods_of_sessions(&c.model, &c.data, tokens).unwrap();
        let theirs = &c.oracle["session_likelihoods"][format!("use_start_end_tokens_{tokens}")];
        let geo = anomseq::compute_geomean_lik_of_sessions(&ours, &c.data);
        let theirs_geo = &c.oracle["session_geomean_likelihoods"][format!("from_use_start_end_tokens_{tokens}")];
        for i in 0..c.data.len() {
            assert!(close(ours[i], num(&theirs[i]), REL), "likelihood {i} tokens={tokens}: {} vs {}", ours[i], theirs[i]);
            assert!(close(geo[i], num(&theirs_geo[i]), REL), "geomean {i} tokens={tokens}");
        }
        // log-likelihoods agree with the logs of the likelihoods (none underflows here)
        let logs = score::session_log_likelihoods(c.model.probabilities(), &c.data, tokens).unwrap();
        for i in 0..c.data.len() {
            assert!(close(logs[i], ours[i].ln(), 1e-9), "log-likelihood {i}");
        }
    }
}

fn check_rarest(c: &Case) {
    let entries = c.oracle["rarest_windows"].as_array().unwrap();
    assert_eq!(entries.len(), 12, "window 2–4 × tokens × geo");
    for e in entries {
        let opts = WindowOptions {
            window_len: e["window_len"].as_u64().unwrap() as usize,
            use_start_end_tokens: e["use_start_end_tokens"].as_bool().unwrap(),
            use_geo_mean: e["use_geo_mean"].as_bool().unwrap(),
        };
        let ours = score::rarest_windows(c.model.probabilities(), &c.data, &opts).unwrap();
        for (i, w) in ours.iter().enumerate() {
            let what = format!("{opts:?} session {i}");
            let their_lik = num(&e["likelihoods"][i]);
            assert!(close(w.likelihood, their_lik, REL), "{what}: {} vs {their_lik}", w.likelihood);
            let all = e["all_window_likelihoods"][i].as_array().unwrap();
            let ours_all = window_likelihoods(c.model.probabilities(), &c.sessions[i], &opts).unwrap();
            assert_eq!(ours_all.len(), all.len(), "{what}: number of windows");
            for (a, b) in ours_all.iter().zip(all) {
                assert!(close(*a, num(b), REL), "{what}: window likelihood {a} vs {b}");
            }
            match w.start {
                None => assert!(e["window_start"][i].is_null() && e["windows"][i] == serde_json::json!([])),
                Some(start) if c.kind == SessionType::Params => {
                    // msticpy's param order comes from Python set iteration: any window
                    // whose oracle likelihood is the oracle minimum (1e-12) is right
                    assert!(close(num(&all[start]), their_lik, 1e-12), "{what}: window {start}");
                }
                Some(start) => {
                    assert_eq!(Some(start as u64), e["window_start"][i].as_u64(), "{what}: window start");
                    let events = c.data.slice_cmds(i, w.range().unwrap());
                    assert_eq!(serde_json::to_value(&events).unwrap(), e["windows"][i], "{what}: window");
                }
            }
        }
    }
}

fn check_setof(c: &Case) {
    let o = &c.oracle["setof_params_cond_cmd"];
    if c.kind == SessionType::Commands {
        assert!(o.is_null());
        assert!(anomseq::compute_setof_params_cond_cmd(&c.model, &c.data, true).is_err());
        return;
    }
    for geo in [true, false] {
        let ours = anomseq::compute_setof_params_cond_cmd(&c.model, &c.data, geo).unwrap();
        let theirs = o[format!("use_geo_mean_{geo}")].as_object().unwrap();
        assert_eq!(ours.len(), theirs.len(), "commands");
        for (cmd, list) in theirs {
            let mine = &ours[cmd];
            let list = list.as_array().unwrap();
            assert_eq!(mine.len(), list.len(), "{cmd}: parameter sets");
            for item in list {
                let key: Vec<String> = serde_json::from_value(item["params"].clone()).unwrap();
                let p = mine.get(&key).unwrap_or_else(|| panic!("{cmd}: missing {key:?}"));
                assert!(close(*p, num(&item["prob"]), REL), "{cmd} {key:?}: {p} vs {}", item["prob"]);
            }
        }
    }
}

fn check_score_sessions(c: &Case) {
    let o = &c.oracle["score_sessions"];
    assert_eq!(o["window_length"], 3);
    let ours = anomseq::score_sessions(&c.data, 3).unwrap();
    for (i, w) in ours.iter().enumerate() {
        let theirs = num(&o["rarest_window3_likelihood"][i]);
        assert!(close(w.likelihood, theirs, REL), "score_sessions {i}");
        if c.kind != SessionType::Params {
            let events = w.range().map(|r| c.data.slice_cmds(i, r)).unwrap_or_default();
            assert_eq!(serde_json::to_value(&events).unwrap(), o["rarest_window3"][i], "score_sessions window {i}");
        }
    }
}

fn check_all(name: &str) {
    let c = case(name);
    check_model(&c);
    check_likelihoods(&c);
    check_rarest(&c);
    check_setof(&c);
    check_score_sessions(&c);
}

#[test]
fn exchange_commands() {
    check_all("cmds");
}

#[test]
fn exchange_params() {
    check_all("params");
}

#[test]
fn exchange_values() {
    check_all("values");
}

#[test]
fn scores_do_not_depend_on_thread_count() {
    let c = case("values");
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let opts = WindowOptions::new(3);
            let w = score::rarest_windows(c.model.probabilities(), &c.data, &opts).unwrap();
            let l = anomseq::compute_likelihoods_of_sessions(&c.model, &c.data, true).unwrap();
            (w.iter().map(|w| (w.start, w.likelihood.to_bits())).collect::<Vec<_>>(), l.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
        })
    };
    assert_eq!(run(1), run(4));
}
