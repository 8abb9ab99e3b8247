//! Peak memory and time of Parquet → sessions Parquet, to compare with the input's Arrow size.
//!
//! ```text
//! cargo build --release -p anomseq-benches --example sessionize_rss
//! target/release/examples/sessionize_rss generate 10000000 /tmp/events.parquet   # prints the Arrow size
//! target/release/examples/sessionize_rss run /tmp/events.parquet /tmp/sessions.parquet
//! ```
//! `run` is a process of its own, so its peak RSS (`VmHWM`) is the sessionizer's alone.

use std::path::Path;
use std::time::Instant;

use anomseq::io::{sessionize_file, write_sessions, write_table, ReadOptions};
use anomseq::sessionize::{EventSpec, SessionizeOptions};
use anomseq_benches::{arrow_size, events, peak_rss_bytes};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") => {
            let n: usize = args[2].parse().expect("number of events");
            let batch = events(n, 20_000, 42);
            write_table(Path::new(&args[3]), None, &batch).expect("write input");
            println!("events={n} arrow_bytes={}", arrow_size(&batch));
        }
        Some("run") => {
            let start = Instant::now();
            let opts = SessionizeOptions::new(["UserId"], "TimeGenerated");
            let spec = EventSpec::commands("Operation");
            let out =
                sessionize_file(Path::new(&args[2]), None, &opts, &spec, &ReadOptions::default()).expect("sessionize");
            write_sessions(Path::new(&args[3]), None, &out.table, &Default::default()).expect("write sessions");
            println!(
                "sessions={} elapsed_s={:.3} peak_rss_bytes={}",
                out.sessions.len(),
                start.elapsed().as_secs_f64(),
                peak_rss_bytes()
            );
        }
        _ => eprintln!("usage: sessionize_rss generate N PATH | run INPUT OUTPUT"),
    }
}
