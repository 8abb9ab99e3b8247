//! CSV read throughput: anomseq's reader (one record at a time, bad rows skippable)
//! against arrow-csv's reader with the same all-string schema, in the same process,
//! alternating, best of `runs`.
//!
//! ```text
//! cargo build --release -p anomseq-benches --example csv_read
//! target/release/examples/csv_read events.csv 5
//! ```

use std::sync::Arc;
use std::time::Instant;

use anomseq::io::{open, ReadOptions};
use arrow::datatypes::{DataType, Field, Schema};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: csv_read FILE.csv [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
    let header = std::fs::read_to_string(&path).expect("a readable file");
    let names: Vec<&str> = header.lines().next().unwrap_or("").split(',').collect();
    let schema = Arc::new(Schema::new(names.iter().map(|n| Field::new(*n, DataType::Utf8, true)).collect::<Vec<_>>()));
    let (mut ours, mut theirs) = (f64::MAX, f64::MAX);
    let mut rows = (0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        rows.0 = open(&path, None, &ReadOptions::default()).expect("open").map(|b| b.expect("batch").num_rows()).sum();
        ours = ours.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let file = std::fs::File::open(&path).expect("open");
        let r = arrow::csv::ReaderBuilder::new(schema.clone())
            .with_header(true)
            .with_batch_size(64 * 1024)
            .build(std::io::BufReader::with_capacity(1 << 20, file))
            .expect("reader");
        rows.1 = r.map(|b| b.expect("batch").num_rows()).sum();
        theirs = theirs.min(t.elapsed().as_secs_f64());
    }
    assert_eq!(rows.0, rows.1, "both read every row");
    let mb = std::fs::metadata(&path).map_or(0.0, |m| m.len() as f64 / 1e6);
    println!(
        "rows={} size_mb={mb:.1} anomseq_s={ours:.3} ({:.0} MB/s) arrow_csv_s={theirs:.3} ({:.0} MB/s) ratio={:.2}",
        rows.0,
        mb / ours,
        mb / theirs,
        ours / theirs
    );
}
