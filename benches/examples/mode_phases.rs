//! Time the phases of the improved modes (sequence counting, the profile model, scoring) at 100k sessions, outside criterion.
use std::time::Instant;
fn main() {
    let s = anomseq_benches::synthetic_sessions(anomseq::SessionType::Commands, 100_000, 10, 42);
    for _ in 0..3 {
        let t = Instant::now();
        let seq = anomseq::SequenceCounts::from_sessions(&s, 3).expect("sequence");
        let t1 = t.elapsed();
        let n_profiles = seq.n_profiles();
        let m = anomseq::ProfileModel::from_counts(seq, &anomseq::ProfileOptions::default()).expect("model");
        let t2 = t.elapsed();
        let scores = m.score_training(&s);
        let t3 = t.elapsed();
        println!(
            "count {t1:?} model {:?} score {:?} ({} profiles, {} scores)",
            t2 - t1,
            t3 - t2,
            n_profiles,
            scores.len()
        );
    }
}
