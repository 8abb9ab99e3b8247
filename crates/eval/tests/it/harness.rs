//! The harness end to end on a 200-session slice of HDFS.

use anomseq_eval::{evaluate, sample_normals, Detector, Labelled, Protocol};
use anomseq_score::{ProfileOptions, Smoothing};

fn slice() -> Labelled {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/hdfs-slice/sessions.jsonl");
    Labelled::parse_jsonl(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Evaluate `detector` under `protocol` and compare (ROC-AUC, PR-AUC, best F1) to 4 decimals.
fn check(protocol: Protocol, detector: Detector, expected: [f64; 3], n_train: usize) {
    let out = evaluate(&slice(), &protocol, detector).unwrap();
    let m = out.metrics;
    let got = [m.roc_auc, m.pr_auc, m.best_f1].map(|x| (x * 1e4).round() / 1e4);
    assert_eq!(got, expected, "{protocol} | {detector}");
    assert_eq!(out.n_train, n_train);
}

#[test]
fn the_slice_parses_with_weights() {
    let d = slice();
    assert_eq!(d.len(), 200);
    assert_eq!(d.labels.iter().filter(|&&l| l).count(), 80);
    assert_eq!(d.weights[0], 99.9862);
    assert_eq!(d.weights[1], 1.0);
}

#[test]
fn samples_are_seeded_and_normal_only() {
    let d = slice();
    let a = sample_normals(&d.labels, 0.1, 7);
    assert_eq!(a, sample_normals(&d.labels, 0.1, 7));
    assert_ne!(a, sample_normals(&d.labels, 0.1, 8));
    assert_eq!(a.iter().filter(|&&x| x).count(), 12);
    assert!(a.iter().zip(&d.labels).all(|(&t, &l)| !(t && l)));
}

#[test]
fn reference_and_profile_on_the_slice() {
    // regression values of the harness on the slice (12 training sessions are
    // too few for the profile mode to beat the reference here; see docs/quality.md)
    let semi = Protocol::SemiSupervised { fraction: 0.1, seed: 7 };
    check(semi.clone(), Detector::Reference { window: 3 }, [0.9569, 0.6262, 0.5771], 12);
    check(semi.clone(), Detector::Profile(ProfileOptions::default()), [0.9366, 0.2805, 0.3673], 12);
    // the `profile` mode before issue #16 (back-off trigram, weight 0.03) keeps its numbers
    let before =
        ProfileOptions { order: 3, smoothing: Smoothing::BackOff, surprise_weight: 0.03, ..Default::default() };
    check(semi.clone(), Detector::Profile(before), [0.9073, 0.2591, 0.3673], 12);
    check(Protocol::Unsupervised, Detector::Reference { window: 3 }, [0.9932, 0.6608, 0.6777], 200);
    check(Protocol::Unsupervised, Detector::Profile(ProfileOptions::default()), [1.0, 1.0, 1.0], 200);
}

#[test]
fn bad_lines_name_their_line() {
    let e = Labelled::parse_jsonl("{\"events\":[\"a\"],\"label\":0}\n{\"events\":[\"a\"],\"label\":2}").unwrap_err();
    assert_eq!(e.to_string(), "line 2: label must be 0 or 1, got 2");
    let e = Labelled::parse_jsonl("{\"events\":[],\"label\":0}").unwrap_err();
    assert_eq!(e.to_string(), "line 1: a session needs at least one event");
    let e = Labelled::parse_jsonl("{\"events\":[\"a\"],\"label\":0,\"weight\":-1}").unwrap_err();
    assert_eq!(e.to_string(), "line 1: weight must be finite and positive, got -1");
    let one_class = Labelled::parse_jsonl("{\"events\":[\"a\"],\"label\":0,\"split\":\"train\"}").unwrap();
    let e = evaluate(&one_class, &Protocol::Split { train: "train".into() }, Detector::Reference { window: 2 });
    assert!(e.is_err());
}
