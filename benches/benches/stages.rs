//! The stages around the library's core, each on its own: reading the events
//! Parquet, reading a sessions Parquet back into `Sessions`, and writing the
//! sessions and the scored sessions as Parquet (the columns encoded in parallel).
//!
//! `cargo bench -p anomseq-benches --bench stages` (`ANOMSEQ_BENCH_SIZES=1000000`
//! for one size; the default runs 1 M and 10 M events).

use std::time::Duration;

use anomseq::io::{open, read_sessions, sessionize_file, write_scored, write_sessions, write_table, ReadOptions};
use anomseq::score::{score, ScoreOptions};
use anomseq::sessionize::{EventSpec, SessionizeOptions};
use anomseq::Model;
use anomseq_benches::events;
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
    let mut g = c.benchmark_group("stages");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(10));
    for n in sizes() {
        let input = dir.path().join(format!("events{n}.parquet"));
        write_table(&input, None, &events(n, 20_000, 42)).expect("write the events");
        g.throughput(Throughput::Elements(n as u64));
        let read = ReadOptions { dictionary_columns: vec!["UserId".into(), "Operation".into()], ..Default::default() };
        g.bench_with_input(BenchmarkId::new("read_events_parquet", n), &input, |b, input| {
            b.iter(|| open(input, None, &read).expect("open").map(|r| r.expect("batch").num_rows()).sum::<usize>())
        });
        let out = sessionize_file(&input, None, &opts, &spec, &ReadOptions::default()).expect("sessionize");
        let sessions = dir.path().join(format!("sessions{n}.parquet"));
        g.bench_with_input(BenchmarkId::new("write_sessions_parquet", n), &out.table, |b, table| {
            b.iter(|| write_sessions(&sessions, None, table, &Default::default()).expect("write the sessions"))
        });
        g.bench_with_input(BenchmarkId::new("read_sessions_parquet", n), &sessions, |b, path| {
            b.iter(|| read_sessions(path, None, &spec.list_column()).expect("read the sessions").sessions.len())
        });
        let model = Model::train(&out.sessions);
        let scored = score(model.probabilities(), &out.sessions, &ScoreOptions::new(3)).expect("score");
        let scored_path = dir.path().join(format!("scored{n}.parquet"));
        g.bench_with_input(BenchmarkId::new("write_scored_parquet", n), &scored, |b, scored| {
            b.iter(|| {
                write_scored(&scored_path, None, &out.table, &out.sessions, scored, &Default::default())
                    .expect("write the scores")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
