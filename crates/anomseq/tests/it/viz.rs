//! The facade's one-call timeline and report on the Exchange demo sessions
//! (`fixtures/oracle-exchange/sessions_values.json`, 400 sessions).
#![cfg(feature = "viz")]

use std::sync::Arc;

use anomseq::arrow_array::{ArrayRef, RecordBatch, StringArray};
use anomseq::viz::{ReportOptions, TimelineOptions};
use anomseq::{score_and_report_sessions, score_and_visualise_sessions, score_sessions, Sessions};

use crate::common::*;

fn exchange() -> (Sessions, RecordBatch) {
    let json = load_json("oracle-exchange/sessions_values.json");
    let rows = json["sessions"].as_array().unwrap();
    let sessions: Vec<Vec<anomseq::Cmd>> = rows.iter().map(|s| cmd_lists(&s["events"])).collect();
    let text = |key: &str| -> ArrayRef {
        Arc::new(rows.iter().map(|s| s[key].as_str().map(str::to_owned)).collect::<StringArray>())
    };
    let other = RecordBatch::try_from_iter([
        ("UserId", text("UserId")),
        ("ClientIP", text("ClientIP")),
        ("TimeGenerated_min", text("time_min")),
    ])
    .unwrap();
    (Sessions::from_cmds(&sessions).unwrap(), other)
}

#[test]
fn timeline_of_the_exchange_sessions() {
    let (sessions, other) = exchange();
    let scores = score_sessions(&sessions, 3).unwrap();
    let timeline =
        score_and_visualise_sessions(&sessions, &other, 3, "TimeGenerated_min", None, &["UserId", "ClientIP"]).unwrap();
    let s = timeline.summary();
    assert_eq!(s.rows, 400);
    // every scored session is drawn; the others have no rarest window
    let scored = scores.iter().filter(|w| !w.likelihood.is_nan()).count();
    assert_eq!((s.shown, s.null_score), (scored, 400 - scored));
    for p in timeline.points() {
        assert_eq!(p.score, scores[p.row].likelihood);
    }
    let bounded = score_and_visualise_sessions(&sessions, &other, 3, "TimeGenerated_min", Some(1e-3), &[]).unwrap();
    let rare = scores.iter().filter(|w| w.likelihood <= 1e-3).count();
    assert_eq!(bounded.points().len(), rare);
    assert!(rare > 0 && rare < scored);
}

#[test]
fn report_of_the_exchange_sessions() {
    let (sessions, other) = exchange();
    let scores = score_sessions(&sessions, 3).unwrap();
    let options = ReportOptions::default()
        .with_timeline(
            TimelineOptions::default().with_title("Exchange demo").with_source_columns(["UserId", "ClientIP"]),
        )
        .with_key_columns(["UserId", "ClientIP"])
        .with_top_n(10)
        .with_parameters([("window length", "3")]);
    let report = score_and_report_sessions(&sessions, &other, 3, "TimeGenerated_min", &options).unwrap();
    let mut expected: Vec<(f64, usize)> =
        scores.iter().enumerate().filter(|(_, w)| !w.likelihood.is_nan()).map(|(i, w)| (w.likelihood, i)).collect();
    expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let got: Vec<(f64, usize)> = report.rarest().iter().map(|r| (r.score, r.row)).collect();
    assert_eq!(got, expected[..10]);
    for r in report.rarest() {
        assert_eq!(r.events, Some(sessions.session_len(r.row) as u64));
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("anomseq");
    std::fs::create_dir_all(&dir).unwrap();
    report.write_html(dir.join("exchange-report.html")).unwrap();
    report.timeline().write_svg(dir.join("exchange-timeline.svg"), 1000, 500).unwrap();
}
