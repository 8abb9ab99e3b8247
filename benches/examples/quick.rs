//! A quick timing of train + rarest window, outside criterion.
use std::time::Instant;
fn main() {
    let all = [anomseq::SessionType::Commands, anomseq::SessionType::Params, anomseq::SessionType::Values];
    let only = std::env::var("KIND").ok();
    for kind in all.into_iter().filter(|k| only.as_deref().is_none_or(|o| o == k.msticpy_name())) {
        let s = anomseq_benches::synthetic_sessions(kind, 100_000, 10, 42);
        let reps: usize = std::env::var("REPS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
        for _ in 0..reps {
            let t = Instant::now();
            let m = anomseq::train(&s);
            let t1 = t.elapsed();
            let w = anomseq::score::rarest_windows(m.probabilities(), &s, &anomseq::WindowOptions::new(3)).unwrap();
            println!("{kind:?}: events {} train {:?} total {:?} ({})", s.n_events(), t1, t.elapsed(), w.len());
        }
    }
}
