//! Peak memory of training and scoring with a huge command vocabulary (issue #11).
//!
//! ```text
//! cargo build --release -p anomseq-benches --example vocab_rss
//! for d in 1000 10000 100000 1000000; do target/release/examples/vocab_rss $d 1000000; done
//! ```
//! Each run is a process of its own: `VmHWM` after building the sessions, after
//! training and after scoring, so the model's and the scorer's share is plain.

use std::time::Instant;

use anomseq::score::{rarest_windows, WindowOptions};
use anomseq_benches::{peak_rss_bytes, vocab_sessions};

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(distinct), Some(events)) =
        (args.get(1).and_then(|a| a.parse().ok()), args.get(2).and_then(|a| a.parse().ok()))
    else {
        eprintln!("usage: vocab_rss DISTINCT_COMMANDS EVENTS");
        std::process::exit(2);
    };
    let sessions = vocab_sessions(events, distinct, 42);
    let after_sessions = peak_rss_bytes();
    let t = Instant::now();
    let model = anomseq::train(&sessions);
    let train_s = t.elapsed().as_secs_f64();
    let after_train = peak_rss_bytes();
    let t = Instant::now();
    let scores = rarest_windows(model.probabilities(), &sessions, &WindowOptions::new(3)).expect("k = 3");
    let score_s = t.elapsed().as_secs_f64();
    let after_score = peak_rss_bytes();
    let transitions: usize = model.counts().tables().seq2.iter().map(|(_, r)| r.len()).sum();
    println!(
        "distinct={distinct} events={} sessions={} transitions={transitions} dense={} trans_bytes={} \
         train_s={train_s:.3} score_s={score_s:.3} peak_mib_sessions={:.1} peak_mib_train={:.1} peak_mib_score={:.1} scored={}",
        sessions.n_events(),
        sessions.len(),
        model.probabilities().dense_transitions(),
        model.probabilities().transition_bytes(),
        mib(after_sessions),
        mib(after_train),
        mib(after_score),
        scores.iter().filter(|w| w.start.is_some()).count(),
    );
}
