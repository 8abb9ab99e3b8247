//! Sessionize loaded Arrow columns in a loop, outside criterion (for `perf record`).
//!
//! ```text
//! cargo build --release -p anomseq-benches --example sessionize_loop
//! target/release/examples/sessionize_loop 10000000 5          # plain Utf8 columns
//! target/release/examples/sessionize_loop 10000000 5 dict     # dictionary-encoded
//! ```

use std::time::Instant;

use anomseq::sessionize::{sessionize, EventSpec, SessionizeOptions};
use anomseq_benches::{dictionary_encoded, events};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let mut batch = events(n, 20_000, 42);
    if args.get(3).map(String::as_str) == Some("dict") {
        batch = dictionary_encoded(&batch, &["UserId", "Operation"]);
    }
    let opts = SessionizeOptions::new(["UserId"], "TimeGenerated");
    let spec = EventSpec::commands("Operation");
    for _ in 0..reps {
        let t = Instant::now();
        let out = sessionize(std::slice::from_ref(&batch), &opts, &spec).expect("sessionize");
        let s = t.elapsed().as_secs_f64();
        println!("events={n} sessions={} {:.1} ms {:.2} M events/s", out.sessions.len(), s * 1e3, n as f64 / s / 1e6);
    }
}
