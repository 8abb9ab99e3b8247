//! Sessionizing speed: loaded Arrow columns (plain Utf8, and dictionary-encoded as
//! anomseq's Parquet reader delivers user keys and command names), and Parquet →
//! sessions Parquet end to end.
//!
//! `cargo bench -p anomseq-benches --bench sessionize` (set `ANOMSEQ_BENCH_SIZES=1000000`
//! to skip the 10 M runs). The 10 M runs use criterion's smallest sample count (10).

use std::time::Duration;

use anomseq::io::{sessionize_file, write_sessions, write_table, ReadOptions};
use anomseq::sessionize::{sessionize, EventSpec, SessionizeOptions};
use anomseq_benches::{dictionary_encoded, events};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn sizes() -> Vec<usize> {
    std::env::var("ANOMSEQ_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000_000, 10_000_000])
}

fn bench(c: &mut Criterion) {
    let opts = SessionizeOptions::new(["UserId"], "TimeGenerated");
    let spec = EventSpec::commands("Operation");
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut g = c.benchmark_group("sessionize");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(10));
    for n in sizes() {
        let batch = events(n, 20_000, 42);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("arrow_columns", n), &batch, |b, batch| {
            b.iter(|| sessionize(std::slice::from_ref(batch), &opts, &spec).expect("sessionize"))
        });
        let dict = dictionary_encoded(&batch, &["UserId", "Operation"]);
        g.bench_with_input(BenchmarkId::new("arrow_columns_dictionary", n), &dict, |b, batch| {
            b.iter(|| sessionize(std::slice::from_ref(batch), &opts, &spec).expect("sessionize"))
        });
        drop(dict);
        let input = dir.path().join(format!("events{n}.parquet"));
        write_table(&input, None, &batch).expect("write input");
        drop(batch);
        let output = dir.path().join(format!("sessions{n}.parquet"));
        g.bench_with_input(BenchmarkId::new("parquet_to_parquet", n), &input, |b, input| {
            b.iter(|| {
                let out = sessionize_file(input, None, &opts, &spec, &ReadOptions::default()).expect("sessionize");
                write_sessions(&output, None, &out.table, &Default::default()).expect("write sessions")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
