//! Time the phases of the improved modes (sequence counting, the profile model, scoring) at 100k sessions, outside criterion: each run's, then the best of 7.
use std::time::Instant;
fn main() {
    let s = anomseq_benches::synthetic_sessions(anomseq::SessionType::Commands, 100_000, 10, 42);
    let mut best = [std::time::Duration::MAX; 3];
    for _ in 0..7 {
        let t = Instant::now();
        let seq = anomseq::SequenceCounts::from_sessions(&s, 3).expect("sequence");
        let t1 = t.elapsed();
        let n_profiles = seq.n_profiles();
        let m = anomseq::ProfileModel::from_counts(seq, &anomseq::ProfileOptions::default()).expect("model");
        let t2 = t.elapsed();
        let scores = m.score_training(&s);
        let t3 = t.elapsed();
        for (b, t) in best.iter_mut().zip([t1, t2 - t1, t3 - t2]) {
            *b = (*b).min(t);
        }
        println!(
            "count {t1:?} model {:?} score {:?} ({} profiles, {} scores)",
            t2 - t1,
            t3 - t2,
            n_profiles,
            scores.len()
        );
    }
    println!("best of 7: count {:?} model {:?} score {:?}", best[0], best[1], best[2]);
}
