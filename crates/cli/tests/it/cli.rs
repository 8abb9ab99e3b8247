//! The main subcommands end to end: demo, sessionize, train, score, plot and run, against the library and the oracle.

use std::path::{Path, PathBuf};
use std::process::Command;

use anomseq_io::{read_table, ReadOptions};
use arrow::array::{Array, Float64Array, RecordBatch};
use serde_json::Value;

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn fixture(rel: &str) -> PathBuf {
    repo().join("fixtures").join(rel)
}

/// Run `anomseq args…` in `dir`; (exit code, stdout, stderr).
pub(crate) fn anomseq(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_anomseq")).args(args).current_dir(dir).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Run and expect success.
pub(crate) fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = anomseq(dir, args);
    assert_eq!(code, 0, "anomseq {args:?} failed: {err}");
    out
}

/// Run and expect exit code `code` with `needle` in stderr.
pub(crate) fn check_error(dir: &Path, args: &[&str], code: i32, needles: &[&str]) {
    let (got, _, err) = anomseq(dir, args);
    assert_eq!(got, code, "anomseq {args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "anomseq {args:?}: stderr lacks {n:?}: {err}");
    }
}

pub(crate) fn read(path: &Path) -> RecordBatch {
    read_table(path, None, &ReadOptions::default()).unwrap()
}

fn floats(t: &RecordBatch, col: &str) -> Vec<Option<f64>> {
    let c = t.column(t.schema().index_of(col).unwrap());
    let f = c.as_any().downcast_ref::<Float64Array>().unwrap();
    (0..f.len()).map(|i| f.is_valid(i).then(|| f.value(i))).collect()
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

pub(crate) const SESSIONIZE_CMDS: &[&str] = &[
    "sessionize",
    "--user-cols",
    "UserId,ClientIP",
    "--time-col",
    "TimeGenerated",
    "--event-col",
    "Operation",
    "--max-session",
    "20m",
    "--max-gap",
    "2m",
];

#[test]
fn demo_prints_the_rarest_sessions_and_writes_scores() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["demo", "--out", "demo"]);
    let lines: Vec<&str> = out.lines().collect();
    // one block per session: rank, score and direction, whose it is, the window step by step
    let first = lines.iter().position(|l| l.starts_with("#1 ")).expect("the rarest session");
    assert!(lines[first].contains("rarest_window3_likelihood = 2.119039e-5 (lower is rarer) · 2 events"), "{out}");
    assert!(lines[first + 1].contains("UserId: (null)"), "{out}");
    let steps: Vec<&str> = lines[first + 3..first + 6].iter().map(|l| l.trim()).collect();
    assert!(
        steps[0].starts_with("1. New-Mailbox") && steps[0].contains("p = 1.179245e-2  (to start a session)"),
        "{out}"
    );
    assert!(steps[1].starts_with("2. Set-Mailbox"), "{out}");
    assert!(steps[2].starts_with("then the session ends"), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("#10 ")) && !lines.iter().any(|l| l.starts_with("#11 ")), "{out}");
    // the nulls and the unscored sessions are explained
    assert!(out.contains("(null) is a missing value: 272 of the 400 sessions"), "{out}");
    assert!(out.contains("246 sessions are shorter than the window of 3"), "{out}");
    let html = std::fs::read_to_string(dir.path().join("demo/anomseq-demo.html")).unwrap();
    assert!(html.contains("New-Mailbox") && html.contains("<html"), "the report names the rarest window");
    let scored = read(&dir.path().join("demo/anomseq-demo-scored.parquet"));
    assert_eq!(scored.num_rows(), 400);
    let lik = floats(&scored, "rarest_window3_likelihood");
    let min = lik.iter().flatten().copied().fold(f64::INFINITY, f64::min);
    assert!(close(min, 2.1190e-5) || (min - 2.1190e-5).abs() < 1e-8, "{min}");
}

#[test]
fn sessionize_then_score_equals_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let csv = fixture("exchange/demo_exchange_data.csv");
    let mut args = vec![SESSIONIZE_CMDS[0], csv.to_str().unwrap()];
    args.extend(&SESSIONIZE_CMDS[1..]);
    args.extend(["-o", "s.parquet"]);
    ok(dir.path(), &args);
    ok(dir.path(), &["score", "s.parquet", "-o", "scored.arrow", "--all-scores"]);
    let scored = read(&dir.path().join("scored.arrow"));

    let opts = anomseq_sessionize::SessionizeOptions::new(["UserId", "ClientIP"], "TimeGenerated")
        .with_limits("20m".parse().unwrap(), "2m".parse().unwrap());
    let lib = anomseq_io::sessionize_file(
        &csv,
        None,
        &opts,
        &anomseq_sessionize::EventSpec::commands("Operation"),
        &ReadOptions::default(),
    )
    .unwrap();
    let windows = anomseq::score_sessions(&lib.sessions, 3).unwrap();
    let ours = floats(&scored, "rarest_window3_likelihood");
    assert_eq!(ours.len(), windows.len());
    for (a, w) in ours.iter().zip(&windows) {
        assert_eq!(a.unwrap_or(f64::NAN).to_bits(), w.likelihood.to_bits());
    }
    for col in
        ["session_likelihood", "session_geomean_likelihood", "session_log_likelihood", "rarest_window3_log_likelihood"]
    {
        assert_eq!(floats(&scored, col).len(), 400, "{col}");
    }
}

/// The oracle's sessions as NDJSON, scored by the binary, give msticpy's `score_sessions` columns.
#[test]
fn scoring_oracle_ndjson_reproduces_msticpy() {
    for (name, col) in [("cmds", "Operation_list"), ("params", "cmd_param_list"), ("values", "cmd_param_val_list")] {
        let dir = tempfile::tempdir().unwrap();
        let sessions: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture(&format!("oracle-exchange/sessions_{name}.json"))).unwrap(),
        )
        .unwrap();
        let model: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture(&format!("oracle-exchange/model_{name}.json"))).unwrap(),
        )
        .unwrap();
        let mut ndjson = String::new();
        for s in sessions["sessions"].as_array().unwrap() {
            let row = serde_json::json!({"UserId": s["UserId"], "ClientIP": s["ClientIP"], "time_min": s["time_min"], col: s["events"]});
            ndjson.push_str(&row.to_string());
            ndjson.push('\n');
        }
        std::fs::write(dir.path().join("s.ndjson"), ndjson).unwrap();
        ok(dir.path(), &["score", "s.ndjson", "-o", "out.ndjson"]);
        let text = std::fs::read_to_string(dir.path().join("out.ndjson")).unwrap();
        let rows: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let expected = &model["score_sessions"];
        assert_eq!(rows.len(), 400);
        for (i, r) in rows.iter().enumerate() {
            let (a, b) = (&r["rarest_window3_likelihood"], &expected["rarest_window3_likelihood"][i]);
            assert_eq!(a.is_null(), b.is_null(), "{name} {i}");
            if let (Some(a), Some(b)) = (a.as_f64(), b.as_f64()) {
                assert!(close(a, b), "{name} {i}: {a} vs {b}");
            }
            if name != "params" {
                // the window, in the oracle's event encoding (NDJSON writes list columns as JSON)
                let w = &r["rarest_window3"];
                let w: Value = if let Some(s) = w.as_str() { serde_json::from_str(s).unwrap() } else { w.clone() };
                assert_eq!(w, expected["rarest_window3"][i], "{name} {i}");
            }
        }
    }
}

#[test]
fn a_saved_model_scores_like_the_one_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let csv = fixture("exchange/demo_exchange_data.csv");
    let mut args = vec![SESSIONIZE_CMDS[0], csv.to_str().unwrap()];
    args.extend(&SESSIONIZE_CMDS[1..]);
    args.extend(["--params-col", "Parameters", "--values", "-o", "s.parquet"]);
    ok(dir.path(), &args);
    ok(dir.path(), &["train", "s.parquet", "-o", "model.json"]);
    ok(dir.path(), &["score", "s.parquet", "--model", "model.json", "-o", "a.parquet"]);
    ok(dir.path(), &["score", "s.parquet", "-o", "b.parquet"]);
    let (a, b) = (read(&dir.path().join("a.parquet")), read(&dir.path().join("b.parquet")));
    assert_eq!(a, b);
    assert_eq!(a.num_rows(), 400);
}

#[test]
fn errors_have_their_documented_messages_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = fixture("exchange/demo_exchange_data.csv");
    let csv = csv.to_str().unwrap();
    // a truncated model file
    let mut args = vec!["sessionize", csv];
    args.extend(&SESSIONIZE_CMDS[1..]);
    args.extend(["-o", "s.parquet"]);
    ok(d, &args);
    ok(d, &["train", "s.parquet", "-o", "model.json"]);
    let bytes = std::fs::read(d.join("model.json")).unwrap();
    std::fs::write(d.join("cut.json"), &bytes[..bytes.len() / 3]).unwrap();
    check_error(d, &["score", "s.parquet", "--model", "cut.json", "-o", "x.parquet"], 1, &["cut.json", "truncated"]);
    assert!(!d.join("x.parquet").exists(), "no partial output");
    // a missing column: the error lists those that exist
    let mut args = vec!["sessionize", csv];
    args.extend(&SESSIONIZE_CMDS[1..]);
    args.extend(["--params-col", "NoSuchColumn", "-o", "y.parquet"]);
    check_error(d, &args, 1, &["NoSuchColumn", "TimeGenerated", "Operation"]);
    assert!(!d.join("y.parquet").exists());
    // a bad timestamp: file, row, column and value
    std::fs::write(d.join("bad.csv"), "user,time,op\nu1,2020-01-01T00:00:00Z,A\nu1,not-a-time,B\n").unwrap();
    let bad =
        ["sessionize", "bad.csv", "--user-cols", "user", "--time-col", "time", "--event-col", "op", "-o", "z.parquet"];
    check_error(d, &bad, 1, &["bad.csv", "row 2", "time", "not-a-time"]);
    assert!(!d.join("z.parquet").exists());
    // a malformed Parquet file on which arrow 59.3's decoder panics: a plain error
    std::fs::copy(fixture("malformed/read_parquet-arrow_schema_type_none.parquet"), d.join("broken.parquet")).unwrap();
    let broken = ["sessionize", "broken.parquet", "--user-cols", "user", "--time-col", "time", "--event-col", "op"];
    let (code, _, err) = anomseq(d, &[&broken[..], &["-o", "w.parquet"]].concat());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("broken.parquet") && err.contains("malformed file"), "{err}");
    assert!(!err.contains("panicked"), "the caught panic is not reported as one: {err}");
    // ... unless skipping was asked for: counted and written to the side file
    let mut skip = bad.to_vec();
    skip.extend(["--skip-bad-rows", "bad-rows.csv"]);
    let (code, _, err) = anomseq(d, &skip);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 row skipped"), "{err}");
    let side = std::fs::read_to_string(d.join("bad-rows.csv")).unwrap();
    assert!(side.contains("not-a-time"), "{side}");
    // usage errors exit 2
    check_error(d, &["score"], 2, &["SESSIONS"]);
    check_error(d, &["frobnicate"], 2, &["frobnicate"]);
    check_error(d, &["score", "s.parquet", "--window", "0", "-o", "w.parquet"], 2, &["window"]);
}

#[test]
fn profile_mode_adds_its_scores() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = fixture("exchange/demo_exchange_data.csv");
    let mut args = vec!["sessionize", csv.to_str().unwrap()];
    args.extend(&SESSIONIZE_CMDS[1..]);
    args.extend(["-o", "s.parquet"]);
    ok(d, &args);
    let out = ok(d, &["score", "s.parquet", "--mode", "profile", "--top", "5", "-o", "p.parquet"]);
    assert!(out.starts_with("#1  profile_score = ") && out.contains("(higher is rarer)"), "{out}");
    assert!(out.contains("its rarest window of 3 under the reference model"), "{out}");
    let t = read(&d.join("p.parquet"));
    let scores = floats(&t, "profile_score");
    assert_eq!(scores.len(), 400);
    assert!(scores.iter().all(|s| s.is_some_and(f64::is_finite)));
    // the reference columns are still there, unchanged
    ok(d, &["score", "s.parquet", "-o", "r.parquet"]);
    assert_eq!(
        floats(&t, "rarest_window3_likelihood"),
        floats(&read(&d.join("r.parquet")), "rarest_window3_likelihood")
    );
    check_error(d, &["score", "s.parquet", "--mode", "magic", "-o", "q.parquet"], 2, &["magic"]);
}

/// The demo's events sorted by time (which a streamed run needs) as `events.parquet`
/// in `d`, and their sessions as `s.parquet`.
fn ordered_demo(d: &Path) {
    let ordered = sorted_by(&read(&fixture("exchange/demo_exchange_data.csv")), &["TimeGenerated"]);
    anomseq_io::write_table(&d.join("events.parquet"), None, &ordered).unwrap();
    let mut args = vec!["sessionize", "events.parquet"];
    args.extend(&SESSIONIZE_CMDS[1..]);
    args.extend(["-o", "s.parquet"]);
    ok(d, &args);
}

/// Train once, score tomorrow in the `profile` mode: the saved model keeps its
/// state, merges, and scores the batch and the streamed run alike; a model file of
/// format 1 says what it lacks.
#[test]
fn profile_mode_scores_with_a_saved_and_merged_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ordered_demo(d);
    ok(d, &["train", "s.parquet", "-o", "m.json"]);
    let file = std::fs::read_to_string(d.join("m.json")).unwrap();
    assert!(
        file.contains("\"format_version\": 2")
            && file.contains("\"modes\": [\"reference\",\"profile\",\"novelty\",\"ngram\"]"),
        "{file:.400}"
    );
    ok(d, &["score", "s.parquet", "--mode", "profile", "--model", "m.json", "-o", "q.parquet"]);
    let saved = floats(&read(&d.join("q.parquet")), "profile_score");
    assert_eq!(saved.len(), 400);
    assert!(saved.iter().all(|s| s.is_some_and(|x| x.is_finite() && x >= 0.0)), "{saved:?}");
    // every session was seen in training: none is farther than a profile away
    let distances = floats(&read(&d.join("q.parquet")), "profile_distance");
    assert!(distances.iter().all(|x| *x == Some(0.0)), "{distances:?}");
    // merged, it scores too; the same model twice over keeps every profile
    ok(d, &["merge", "m.json", "m.json", "-o", "mm.json"]);
    ok(d, &["score", "s.parquet", "--mode", "profile", "--model", "mm.json", "-o", "qq.parquet"]);
    assert!(floats(&read(&d.join("qq.parquet")), "profile_distance").iter().all(|x| *x == Some(0.0)));
    // a run with the saved model writes the same scores, batch and streamed
    for stream in [false, true] {
        let mut args = vec!["run", "events.parquet"];
        args.extend(&SESSIONIZE_CMDS[1..]);
        args.extend(["--model", "m.json", "--mode", "profile", "-o", "run.parquet"]);
        if stream {
            args.push("--stream");
        }
        ok(d, &args);
        let mut got = floats(&read(&d.join("run.parquet")), "profile_score");
        let mut want = saved.clone();
        let key = |v: &Option<f64>| v.unwrap_or(f64::NAN).to_bits();
        got.sort_by_key(key);
        want.sort_by_key(key);
        assert_eq!(got, want, "stream: {stream}");
    }
    // a model file of format 1 keeps the reference counts only, and says so
    let old = fixture("models/commands.json");
    std::fs::copy(&old, d.join("old.json")).unwrap();
    check_error(
        d,
        &["score", "s.parquet", "--mode", "profile", "--model", "old.json", "-o", "o.parquet"],
        1,
        &["old.json: this model keeps the state of the reference mode only", "format 1", "anomseq train"],
    );
}

/// The `ngram` mode: a model keeping n-grams up to `--order`, scored from the file
/// as in place and streamed alike; orders it cannot score with are errors.
#[test]
fn ngram_mode_scores_at_the_saved_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ordered_demo(d);
    ok(d, &["train", "s.parquet", "--order", "5", "-o", "m.json"]);
    let file = std::fs::read_to_string(d.join("m.json")).unwrap();
    assert!(file.contains("\"order\": 5") && file.contains("\"ngram\"]"), "{file:.600}");
    let out = ok(d, &["score", "s.parquet", "--model", "m.json", "--mode", "ngram", "--top", "3", "-o", "n.parquet"]);
    assert!(out.starts_with("#1  ngram_score = ") && out.contains("ngram_surprise = "), "{out}");
    assert!(out.contains("its most surprising step ("), "{out}");
    let t = read(&d.join("n.parquet"));
    let (mean, largest) = (floats(&t, "ngram_score"), floats(&t, "ngram_surprise"));
    assert_eq!(mean.len(), 400);
    for (m, l) in mean.iter().zip(&largest) {
        let (m, l) = (m.unwrap(), l.unwrap());
        assert!(m.is_finite() && m > 0.0 && m <= l, "mean {m}, largest {l}");
    }
    // trained in place at the same order: the same bits as from the file
    ok(d, &["score", "s.parquet", "--mode", "ngram", "--order", "5", "-o", "here.parquet"]);
    assert_eq!(floats(&read(&d.join("here.parquet")), "ngram_score"), mean);
    // a lower order than the model keeps scores too, and differently
    ok(d, &["score", "s.parquet", "--model", "m.json", "--mode", "ngram", "--order", "2", "-o", "two.parquet"]);
    assert_ne!(floats(&read(&d.join("two.parquet")), "ngram_score"), mean);
    // streamed with the saved model: the batch's scores
    let mut args = vec!["run", "events.parquet"];
    args.extend(&SESSIONIZE_CMDS[1..]);
    args.extend(["--model", "m.json", "--mode", "ngram", "--stream", "-o", "run.parquet"]);
    ok(d, &args);
    let key = |v: &Option<f64>| v.unwrap_or(f64::NAN).to_bits();
    let (mut got, mut want) = (floats(&read(&d.join("run.parquet")), "ngram_score"), mean.clone());
    got.sort_by_key(key);
    want.sort_by_key(key);
    assert_eq!(got, want);
    check_error(
        d,
        &["score", "s.parquet", "--model", "m.json", "--mode", "ngram", "--order", "6", "-o", "x.parquet"],
        1,
        &["m.json: this model keeps n-grams up to order 5, and --mode ngram --order asks for order 6: train it again with `anomseq train --order 6`"],
    );
    // a unigram model scores the ngram mode only, and says what the others need
    ok(d, &["train", "s.parquet", "--order", "1", "-o", "one.json"]);
    let file = std::fs::read_to_string(d.join("one.json")).unwrap();
    assert!(file.contains("\"modes\": [\"reference\",\"ngram\"]"), "{file:.400}");
    check_error(
        d,
        &["score", "s.parquet", "--model", "one.json", "--mode", "profile", "-o", "x.parquet"],
        1,
        &["one.json: this model keeps n-grams up to order 1, and --mode profile needs order 2: train it again with `anomseq train --order 2`"],
    );
    // models of two orders do not merge
    check_error(
        d,
        &["merge", "m.json", "one.json", "-o", "x.json"],
        1,
        &["cannot merge a model of n-grams up to order 5 with one up to order 1: train both with the same order"],
    );
    check_error(d, &["score", "s.parquet", "--mode", "profile", "--order", "6", "-o", "x.parquet"], 2, &["--order"]);
    check_error(d, &["train", "s.parquet", "--order", "9", "-o", "x.json"], 2, &["--order", "9"]);
    assert!(!d.join("x.parquet").exists() && !d.join("x.json").exists());
}

#[test]
fn run_and_plot_write_offline_pages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = fixture("exchange/demo_exchange_data.csv");
    let mut args = vec!["run", csv.to_str().unwrap()];
    args.extend(&SESSIONIZE_CMDS[1..]);
    args.extend(["--window", "3", "-o", "report.html"]);
    ok(d, &args);
    let report = std::fs::read_to_string(d.join("report.html")).unwrap();
    assert!(report.contains("New-Mailbox") && report.contains("max gap"), "report: rarest window and run parameters");
    assert!(report.contains("default-src 'none'"), "the page may fetch nothing");
    let mut args = vec!["sessionize", csv.to_str().unwrap()];
    args.extend(&SESSIONIZE_CMDS[1..]);
    args.extend(["-o", "s.parquet"]);
    ok(d, &args);
    ok(d, &["score", "s.parquet", "-o", "scored.parquet"]);
    ok(
        d,
        &[
            "plot",
            "scored.parquet",
            "--time-col",
            "TimeGenerated_min",
            "--source-cols",
            "UserId,ClientIP",
            "-o",
            "all.html",
        ],
    );
    ok(d, &["plot", "scored.parquet", "--time-col", "TimeGenerated_min", "--upper-bound", "0.0001", "-o", "rare.html"]);
    let (all, rare) = (std::fs::read(d.join("all.html")).unwrap(), std::fs::read(d.join("rare.html")).unwrap());
    assert!(rare.len() < all.len(), "the upper bound keeps fewer sessions");
    check_error(d, &["plot", "scored.parquet", "--time-col", "NoSuchTime", "-o", "x.html"], 1, &["NoSuchTime"]);
    assert!(!d.join("x.html").exists());
}

#[test]
fn every_subcommand_has_an_example_in_its_help() {
    for sub in ["demo", "sessionize", "train", "score", "plot", "run"] {
        let (code, out, _) = anomseq(Path::new("."), &[sub, "--help"]);
        assert_eq!(code, 0);
        assert!(out.contains("Example") && out.contains(&format!("anomseq {sub}")), "{sub} --help: {out}");
    }
}

/// `rows` of `t` sorted by `keys` (text columns), stably.
fn sorted_by(t: &RecordBatch, keys: &[&str]) -> RecordBatch {
    let cols: Vec<arrow::compute::SortColumn> = keys
        .iter()
        .map(|k| arrow::compute::SortColumn {
            values: t.column(t.schema().index_of(k).unwrap()).clone(),
            options: None,
        })
        .collect();
    let idx = arrow::compute::lexsort_to_indices(&cols, None).unwrap();
    arrow::compute::take_record_batch(t, &idx).unwrap()
}

/// `run --stream --model M` on time-ordered events writes the batch run's scored
/// sessions (in closing order), for every session type; it needs a saved model and
/// a data file.
#[test]
fn a_streamed_run_scores_like_a_batch_run() {
    let dir = tempfile::tempdir().unwrap();
    let events = read(&fixture("exchange/demo_exchange_data.csv"));
    let ordered = sorted_by(&events, &["TimeGenerated"]);
    anomseq_io::write_table(&dir.path().join("events.parquet"), None, &ordered).unwrap();
    let kinds: [&[&str]; 3] = [&[], &["--params-col", "Parameters"], &["--params-col", "Parameters", "--values"]];
    for kind in kinds {
        let mut base = vec!["events.parquet"];
        base.extend(&SESSIONIZE_CMDS[1..]);
        base.extend(kind);
        let with = |head: &[&'static str], tail: &[&'static str]| -> Vec<String> {
            head.iter().chain(base.iter()).chain(tail).map(|s| s.to_string()).collect()
        };
        let run = |args: Vec<String>| ok(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>());
        run(with(&["sessionize"], &["-o", "s.parquet"]));
        ok(dir.path(), &["train", "s.parquet", "-o", "m.json"]);
        run(with(&["run"], &["--model", "m.json", "-o", "batch.parquet"]));
        run(with(&["run", "--stream"], &["--model", "m.json", "-o", "stream.parquet"]));
        let keys = ["UserId", "ClientIP", "TimeGenerated_min"];
        let (batch, stream) = (read(&dir.path().join("batch.parquet")), read(&dir.path().join("stream.parquet")));
        assert_eq!(batch.num_rows(), stream.num_rows(), "{kind:?}");
        assert_eq!(sorted_by(&batch, &keys), sorted_by(&stream, &keys), "{kind:?}");
    }
    let mut args = vec!["run", "--stream", "events.parquet"];
    args.extend(&SESSIONIZE_CMDS[1..]);
    check_error(dir.path(), &[&args[..], &["-o", "x.parquet"]].concat(), 2, &["--stream scores with a saved model"]);
    check_error(
        dir.path(),
        &[&args[..], &["--model", "m.json", "-o", "x.html"]].concat(),
        2,
        &["a report needs every session"],
    );
}

/// The `novelty` mode on sessions with parameters and values: its score and parts
/// as columns, the newest item named under `--top`, with a saved model or without.
#[test]
fn novelty_mode_scores_parameters_and_names_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = fixture("exchange/demo_exchange_data.csv");
    let mut args = vec!["sessionize", csv.to_str().unwrap()];
    args.extend(&SESSIONIZE_CMDS[1..]);
    args.extend(["--params-col", "Parameters", "--values", "-o", "s.parquet"]);
    ok(d, &args);
    ok(d, &["train", "s.parquet", "-o", "m.json"]);
    for model in [None, Some("m.json")] {
        let mut args = vec!["score", "s.parquet", "--mode", "novelty", "--top", "2", "-o", "n.parquet"];
        if let Some(m) = model {
            args.extend(["--model", m]);
        }
        let out = ok(d, &args);
        assert!(out.starts_with("#1  novelty_score = ") && out.contains("(higher is rarer)"), "{out}");
        assert!(out.contains("novelty_params = ") && out.contains("its newest parameter item ("), "{out}");
        let t = read(&d.join("n.parquet"));
        let (score, profile, params) =
            (floats(&t, "novelty_score"), floats(&t, "novelty_distance"), floats(&t, "novelty_params"));
        assert_eq!(score.len(), 400);
        assert!(score.iter().chain(&profile).chain(&params).all(|s| s.is_some_and(f64::is_finite)), "{model:?}");
        assert!(params.iter().any(|p| p.is_some_and(|p| p > 0.0)), "{model:?}");
    }
}
