//! Time the phases of `anomseq score` and `anomseq train` on a sessions file, and loading the model file back, outside criterion.
//!
//! `cargo run --release -p anomseq-benches --example score_phases -- SESSIONS [MODEL_OUT]` (the model file written to `MODEL_OUT` when given)
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).expect("a sessions file");
    for _ in 0..3 {
        let t = Instant::now();
        let st = anomseq_io::read_sessions(path.as_ref(), None, "Operation_list").expect("read");
        let t1 = t.elapsed();
        let m = anomseq::Model::train(&st.sessions);
        let t2 = t.elapsed();
        let w = anomseq::score::rarest_windows(m.probabilities(), &st.sessions, &anomseq::score::WindowOptions::new(3))
            .expect("w");
        let t3 = t.elapsed();
        let s =
            anomseq::score::score(m.probabilities(), &st.sessions, &anomseq::score::ScoreOptions::new(3)).expect("s");
        let t4 = t.elapsed();
        let seq = anomseq::SequenceCounts::from_sessions(&st.sessions, 3).expect("sequence");
        let t5 = t.elapsed();
        let bytes = m.with_sequence(Some(seq)).to_file_bytes();
        let t6 = t.elapsed();
        let back = anomseq::Model::from_file_bytes(&bytes).expect("load");
        if let Some(out) = std::env::args().nth(2) {
            std::fs::write(&out, &bytes).expect("write the model file");
        }
        let t7 = t.elapsed();
        assert!(back.sequence().is_some());
        println!(
            "read {t1:?} train {:?} rarest {:?} score {:?} sequence {:?} file {:?} load {:?} ({} {} {} bytes)",
            t2 - t1,
            t3 - t2,
            t4 - t3,
            t5 - t4,
            t6 - t5,
            t7 - t6,
            w.len(),
            s.scores().len(),
            bytes.len()
        );
    }
}
