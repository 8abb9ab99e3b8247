//! Train + rarest window (k = 3) over 100k seeded synthetic sessions (mean
//! length 10), for each session type: issue #2's speed target.
//!
//! Then the same over 1M events with 1k to 1M distinct commands (issue #11).
//!
//! `cargo bench -p anomseq-benches --bench model_score`

use anomseq::score::{rarest_windows, WindowOptions};
use anomseq::SessionType;
use anomseq_benches::synthetic_sessions;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn train_and_score(c: &mut Criterion) {
    let mut g = c.benchmark_group("train_rarest3_100k");
    g.sample_size(20);
    for kind in [SessionType::Commands, SessionType::Params, SessionType::Values] {
        let s = synthetic_sessions(kind, 100_000, 10, 42);
        g.throughput(Throughput::Elements(s.n_events() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(kind.msticpy_name()), &s, |b, s| {
            b.iter(|| {
                let m = anomseq::train(s);
                rarest_windows(m.probabilities(), s, &WindowOptions::new(3)).unwrap()
            })
        });
        g.bench_with_input(BenchmarkId::new("train_only", kind.msticpy_name()), &s, |b, s| {
            b.iter(|| anomseq::train(s))
        });
    }
    g.finish();
}

/// Train + rarest window over 1M events as the vocabulary grows from 1k to 1M
/// distinct commands: memory and time follow what was seen, not vocabulary².
fn huge_vocabulary(c: &mut Criterion) {
    let mut g = c.benchmark_group("vocab_train_rarest3_1m_events");
    g.sample_size(10);
    for distinct in [1_000, 10_000, 100_000, 1_000_000] {
        let s = anomseq_benches::vocab_sessions(1_000_000, distinct, 42);
        g.throughput(Throughput::Elements(s.n_events() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(distinct), &s, |b, s| {
            b.iter(|| {
                let m = anomseq::train(s);
                rarest_windows(m.probabilities(), s, &WindowOptions::new(3)).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, train_and_score, huge_vocabulary);
criterion_main!(benches);
