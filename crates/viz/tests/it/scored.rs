//! Scored sessions into Arrow columns and onto a timeline, from a trained model.

use anomseq_core::{Cmd, Sessions};
use anomseq_model::Model;
use anomseq_score::{rarest_windows, score, ScoreOptions, WindowOptions};
use anomseq_viz::{scored_sessions_batch, visualise_scored_sessions, Error};
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::Array;

use crate::common::*;

fn user() -> Cmd {
    Cmd::with_values("Set-User", [("Force", "true")])
}

#[test]
fn scored_columns_feed_the_timeline() {
    let sessions = Sessions::from_cmds(vec![
        vec![user(), user()],
        vec![Cmd::with_values("Set-Mailbox", [("Identity", "<b>x</b>")]), user(), user()],
        vec![user(), user(), user()],
        vec![user()],
    ])
    .unwrap();
    let model = Model::train(&sessions);
    let rarest = rarest_windows(model.probabilities(), &sessions, &WindowOptions::new(3)).unwrap();
    let other = batch(vec![("start", times_ms(&[1, 2, 3, 4])), ("user", strings(&["a", "b", "c", "d"]))]);
    let result = score(model.probabilities(), &sessions, &ScoreOptions::new(3)).unwrap();
    let scored = scored_sessions_batch(&sessions, &result, &other).unwrap();
    let names: Vec<String> = scored.schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(
        names,
        [
            "start",
            "user",
            "session_length",
            "rarest_window3_likelihood",
            "rarest_window3",
            "rarest_window3_factors",
            "unseen"
        ]
    );
    let (lik, win) = ("rarest_window3_likelihood", "rarest_window3");
    let liks = scored.column_by_name(lik).unwrap().as_primitive::<Float64Type>();
    for (i, w) in rarest.iter().enumerate() {
        assert_eq!(liks.is_null(i), w.likelihood.is_nan(), "row {i}");
        if !w.likelihood.is_nan() {
            assert_eq!(liks.value(i), w.likelihood);
        }
    }
    let tl = visualise_scored_sessions(&[scored], "start", lik, win, None, &["user"]).unwrap();
    let windows: Vec<&str> = tl.points().iter().map(|p| p.window.as_str()).collect();
    assert_eq!(windows[1], "Set-Mailbox(Identity=<b>x</b>) → Set-User(Force=true) → Set-User(Force=true)");
    assert_eq!(tl.summary().rows, 4);
    assert_eq!(tl.summary().shown + tl.summary().null_score, 4);
}

#[test]
fn lengths_must_match() {
    let sessions = Sessions::from_cmds(vec![vec![Cmd::new("a")]]).unwrap();
    let other = batch(vec![("user", strings(&["a", "b"]))]);
    let model = Model::train(&sessions);
    let result = score(model.probabilities(), &sessions, &ScoreOptions::new(3)).unwrap();
    let e = scored_sessions_batch(&sessions, &result, &other).unwrap_err();
    assert!(matches!(e, Error::LengthMismatch { sessions: 1, rows: 2 }), "{e}");
}
