//! Column types the pages accept: time, score, window and source columns of every encoding.

use std::sync::Arc;

use anomseq_viz::{visualise_scored_sessions, window_texts, Error, Timeline, TimelineOptions};
use arrow_array::{
    ArrayRef, Date32Array, Int32Array, RecordBatch, StringArray, TimestampNanosecondArray, TimestampSecondArray,
};

use crate::common::*;

/// Build a timeline from `(time, score, window)` columns and compare its points
/// `(time_ms, time text, score, window text)` and summary counts
/// `(shown, null_time, null_score, not_positive, above_bound)`.
fn check(
    time: ArrayRef,
    score: ArrayRef,
    window: ArrayRef,
    options: &TimelineOptions,
    expected: &[(i64, &str, f64, &str)],
    counts: (usize, usize, usize, usize, usize),
) {
    let b = batch(vec![("t", time), ("s", score), ("w", window)]);
    let tl = Timeline::new(&[b], "t", "s", "w", options).unwrap();
    let got: Vec<(i64, &str, f64, &str)> =
        tl.points().iter().map(|p| (p.time_ms, p.time.as_str(), p.score, p.window.as_str())).collect();
    assert_eq!(got, expected);
    let s = tl.summary();
    assert_eq!((s.shown, s.null_time, s.null_score, s.not_positive, s.above_bound), counts);
    assert_eq!(s.rows, s.shown + s.null_time + s.null_score + s.not_positive + s.above_bound, "every row counted once");
}

#[test]
fn time_units_and_strings() {
    let w = || strings(&["a", "b", "c"]);
    let s = || scores(&[Some(0.1), Some(0.2), Some(0.3)]);
    let opts = TimelineOptions::default();
    check(
        Arc::new(TimestampSecondArray::from(vec![Some(0), None, Some(-1)])),
        s(),
        w(),
        &opts,
        &[(0, "1970-01-01T00:00:00", 0.1, "a"), (-1000, "1969-12-31T23:59:59", 0.3, "c")],
        (2, 1, 0, 0, 0),
    );
    check(
        Arc::new(TimestampNanosecondArray::from(vec![1_500_000, -1, 2_000_000_000]).with_timezone("+02:00")),
        s(),
        w(),
        &opts,
        &[
            (1, "1970-01-01T02:00:00.001500+02:00", 0.1, "a"),
            (-1, "1970-01-01T01:59:59.999999999+02:00", 0.2, "b"),
            (2000, "1970-01-01T02:00:02+02:00", 0.3, "c"),
        ],
        (3, 0, 0, 0, 0),
    );
    check(
        Arc::new(Date32Array::from(vec![1, 2, 3])),
        s(),
        w(),
        &opts,
        &[
            (86_400_000, "1970-01-02", 0.1, "a"),
            (172_800_000, "1970-01-03", 0.2, "b"),
            (259_200_000, "1970-01-04", 0.3, "c"),
        ],
        (3, 0, 0, 0, 0),
    );
    check(
        strings(&["2020-01-01 00:00:00", "2020-01-01T00:00:01Z", "2020-01-01T01:00:00+01:00"]),
        s(),
        w(),
        &opts,
        &[
            (1_577_836_800_000, "2020-01-01 00:00:00", 0.1, "a"),
            (1_577_836_801_000, "2020-01-01T00:00:01Z", 0.2, "b"),
            (1_577_836_800_000, "2020-01-01T01:00:00+01:00", 0.3, "c"),
        ],
        (3, 0, 0, 0, 0),
    );
}

#[test]
fn nulls_bounds_and_log_scale() {
    let t = || times_ms(&[1, 2, 3, 4, 5, 6]);
    let s = || scores(&[Some(0.5), None, Some(f64::NAN), Some(0.0), Some(1e-9), Some(0.01)]);
    let w = || strings(&["a", "b", "c", "d", "e", "f"]);
    check(
        t(),
        s(),
        w(),
        &TimelineOptions::default(),
        &[
            (1, "1970-01-01T00:00:00.001Z", 0.5, "a"),
            (5, "1970-01-01T00:00:00.005Z", 1e-9, "e"),
            (6, "1970-01-01T00:00:00.006Z", 0.01, "f"),
        ],
        (3, 0, 2, 1, 0),
    );
    let bound = TimelineOptions::default().with_score_upper_bound(Some(0.01));
    check(
        t(),
        s(),
        w(),
        &bound,
        &[(5, "1970-01-01T00:00:00.005Z", 1e-9, "e"), (6, "1970-01-01T00:00:00.006Z", 0.01, "f")],
        (2, 0, 2, 1, 1),
    );
    let linear = TimelineOptions::default().with_log_scale(false).with_score_upper_bound(Some(0.0));
    check(t(), s(), w(), &linear, &[(4, "1970-01-01T00:00:00.004Z", 0.0, "d")], (1, 0, 2, 0, 3));
    // integer scores are numbers too
    check(
        t(),
        Arc::new(Int32Array::from(vec![1, 2, 3, 4, 5, 6])),
        w(),
        &TimelineOptions::default().with_score_upper_bound(Some(1.5)),
        &[(1, "1970-01-01T00:00:00.001Z", 1.0, "a")],
        (1, 0, 0, 0, 5),
    );
}

#[test]
fn errors_name_the_column_and_list_the_others() {
    let b = batch(vec![("start", times_ms(&[1])), ("lik", scores(&[Some(0.1)])), ("win", strings(&["x"]))]);
    let err = |t: &str, s: &str, w: &str, src: &[&str]| {
        visualise_scored_sessions(std::slice::from_ref(&b), t, s, w, None, src).unwrap_err().to_string()
    };
    assert_eq!(err("time", "lik", "win", &[]), r#"column "time" not found; existing columns: start, lik, win"#);
    assert_eq!(
        err("start", "lik", "win", &["UserId"]),
        r#"column "UserId" not found; existing columns: start, lik, win"#
    );
    assert_eq!(
        err("start", "win", "win", &[]),
        // a text score column (as CSV reads back) is parsed, cell by cell
        r#"column "win", row 1: "x" is not a number"#
    );
    assert_eq!(
        err("lik", "lik", "win", &[]),
        r#"column "lik" has type Float64, which cannot be used as a time (timestamp, date or string)"#
    );
    let bad = batch(vec![
        ("t", strings(&["2020-01-01", "yesterday"])),
        ("s", scores(&[Some(0.1), Some(0.2)])),
        ("w", strings(&["a", "b"])),
    ]);
    let e = visualise_scored_sessions(&[bad], "t", "s", "w", None, &[]).unwrap_err();
    assert_eq!(e.to_string(), r#"column "t", row 2: "yesterday" is not a timestamp"#);
    let e =
        visualise_scored_sessions(std::slice::from_ref(&b), "start", "lik", "win", Some(f64::NAN), &[]).unwrap_err();
    assert!(matches!(e, Error::BadOption { option: "score_upper_bound", .. }), "{e}");
    let other = batch(vec![("start", times_ms(&[1])), ("lik", scores(&[Some(0.1)]))]);
    let e = visualise_scored_sessions(&[b.clone(), other], "start", "lik", "win", None, &[]).unwrap_err();
    assert_eq!(e.to_string(), "batch 1 has columns start Timestamp(ms, \"UTC\"), lik Float64, the first batch has start Timestamp(ms, \"UTC\"), lik Float64, win Utf8");
    let e = visualise_scored_sessions(&[], "start", "lik", "win", None, &[]).unwrap_err();
    assert_eq!(e.to_string(), r#"column "start" not found; existing columns: (no data)"#);
}

#[test]
fn rows_are_counted_over_batches() {
    let b1 = batch(vec![("t", times_ms(&[1, 2])), ("s", scores(&[Some(0.1), None])), ("w", strings(&["a", "b"]))]);
    let b2 = batch(vec![("t", times_ms(&[3])), ("s", scores(&[Some(0.3)])), ("w", strings(&["c"]))]);
    let tl = visualise_scored_sessions(&[b1, b2], "t", "s", "w", None, &[]).unwrap();
    assert_eq!(tl.points().iter().map(|p| p.row).collect::<Vec<_>>(), vec![0, 2]);
    assert_eq!(tl.summary().describe(None), "2 of 3 sessions shown; left out: 1 without a score");
}

fn check_windows(column: ArrayRef, expected: &[&str]) {
    assert_eq!(window_texts(column.as_ref()).unwrap(), expected);
}

#[test]
fn window_cells_as_text() {
    check_windows(
        commands_column(&[Some(vec!["Set-User", "Set-Mailbox"]), None, Some(vec![])]),
        &["Set-User → Set-Mailbox", "", ""],
    );
    check_windows(
        events_column(&[
            vec![("Set-User", vec![("Identity", "bob"), ("Force", "true")]), ("Get-Mailbox", vec![])],
            vec![],
        ]),
        &["Set-User(Identity=bob, Force=true) → Get-Mailbox", ""],
    );
    check_windows(
        Arc::new(StringArray::from(vec![
            Some(r#"["Set-User", {"name": "Set-Mailbox", "params": ["Identity", "AuditEnabled"]}]"#),
            Some(r#"{"name": "New-Rule", "params": {"From": "x@y", "To": "<a>"}}"#),
            Some("[not json"),
            None,
            Some("plain"),
        ])),
        &["Set-User → Set-Mailbox(Identity, AuditEnabled)", "New-Rule(From=x@y, To=<a>)", "[not json", "", "plain"],
    );
    // anything else arrow can display
    check_windows(Arc::new(Int32Array::from(vec![Some(7), None])), &["7", ""]);
}

#[test]
fn source_columns_of_any_type() {
    let b = RecordBatch::try_from_iter([
        ("t", times_ms(&[1, 2])),
        ("s", scores(&[Some(0.1), Some(0.2)])),
        ("w", strings(&["a", "b"])),
        ("n", Arc::new(Int32Array::from(vec![Some(5), None])) as ArrayRef),
        ("u", strings(&["alice", "bob"])),
    ])
    .unwrap();
    let tl = visualise_scored_sessions(&[b], "t", "s", "w", None, &["u", "n"]).unwrap();
    let sources: Vec<Vec<String>> = tl.points().iter().map(|p| p.sources.clone()).collect();
    assert_eq!(sources, vec![vec!["alice".to_owned(), "5".to_owned()], vec!["bob".to_owned(), String::new()]]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Any times and scores: every row counted once, and drawing never panics.
    #[test]
    fn any_times_and_scores_draw(
        rows in proptest::collection::vec((proptest::prelude::any::<i64>(), proptest::prelude::any::<Option<f64>>()), 0..12),
        log in proptest::prelude::any::<bool>(),
    ) {
        let t: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let s: Vec<Option<f64>> = rows.iter().map(|r| r.1).collect();
        let w: Vec<&str> = rows.iter().map(|_| "x").collect();
        let b = batch(vec![("t", times_ms(&t)), ("s", scores(&s)), ("w", strings(&w))]);
        let tl = Timeline::new(&[b], "t", "s", "w", &TimelineOptions::default().with_log_scale(log)).unwrap();
        let sum = tl.summary();
        proptest::prop_assert_eq!(sum.rows, sum.shown + sum.null_time + sum.null_score + sum.not_positive + sum.above_bound);
        proptest::prop_assert!(tl.points().iter().all(|p| p.score.is_finite()));
        tl.to_svg(200, 100).unwrap();
        proptest::prop_assert!(tl.to_html().len() > 1000);
    }
}
