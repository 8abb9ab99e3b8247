//! Time the phases of train + score in the improved modes at 100k sessions, outside criterion: the best of 7 runs of each.
//!
//! `cargo run --release -p anomseq-benches --example mode_phases -- [cmds_only|cmds_params_only|cmds_params_values]`
use std::time::{Duration, Instant};

use anomseq::score::{score, ParamNovelty, ScoreOptions};
use anomseq::{Model, ProfileModel, ProfileOptions, SequenceCounts, SessionType};

fn main() {
    let kind = match std::env::args().nth(1).as_deref() {
        None | Some("cmds_only") => SessionType::Commands,
        Some("cmds_params_only") => SessionType::Params,
        Some("cmds_params_values") => SessionType::Values,
        Some(other) => panic!("unknown session type {other}"),
    };
    let s = anomseq_benches::synthetic_sessions(kind, 100_000, 10, 42);
    let names = [
        "reference train",
        "reference score (with explanations)",
        "sequence counts",
        "profile model",
        "profile score (training data)",
        "parameters' part (model + score)",
    ];
    let mut best = [Duration::MAX; 6];
    for _ in 0..7 {
        let mut times = [Duration::ZERO; 6];
        let mut lap = |k: usize, t: Instant| times[k] = t.elapsed();
        let t = Instant::now();
        let model = Model::train(&s);
        lap(0, t);
        let t = Instant::now();
        let scored = score(model.probabilities(), &s, &ScoreOptions::new(3)).expect("score");
        lap(1, t);
        let t = Instant::now();
        let seq = SequenceCounts::from_sessions(&s, anomseq::model::DEFAULT_ORDER).expect("sequence");
        lap(2, t);
        let t = Instant::now();
        let m = ProfileModel::from_counts(seq, &ProfileOptions::default()).expect("model");
        lap(3, t);
        let t = Instant::now();
        let parts = m.score_training(&s);
        lap(4, t);
        let seq = SequenceCounts::from_sessions(&s, anomseq::model::DEFAULT_ORDER).expect("sequence");
        let t = Instant::now();
        let params = ParamNovelty::new(&model, &seq).scores(&model, &s);
        lap(5, t);
        assert_eq!((scored.scores().len(), parts.len(), params.len()), (s.len(), s.len(), s.len()));
        for (b, t) in best.iter_mut().zip(times) {
            *b = (*b).min(t);
        }
    }
    for (name, t) in names.iter().zip(best) {
        println!("{name:>36}: {t:?}");
    }
}
