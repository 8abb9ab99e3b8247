//! Time the phases of training, outside criterion.
use std::time::Instant;
fn main() {
    for kind in [anomseq::SessionType::Params] {
        let s = anomseq_benches::synthetic_sessions(kind, 100_000, 10, 42);
        for _ in 0..5 {
            let t = Instant::now();
            let c = anomseq::Counts::from_sessions(&s);
            let t1 = t.elapsed();
            let m = anomseq::Model::from_counts(c, None).unwrap();
            let t2 = t.elapsed();
            println!("{kind:?}: count {t1:?} model {:?} ({} values)", t2 - t1, m.counts().vocab().values.len());
        }
    }
}
