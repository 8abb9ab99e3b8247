//! Train + score in each scoring mode over 100k seeded synthetic sessions (mean
//! length 10), per session type: the improved modes' cost against the reference
//! mode's, measured in the same run (issue #16: within 3×); the `ngram` mode at the
//! model's default order 3 and at order 7.
//!
//! `cargo bench -p anomseq-benches --bench modes`

use anomseq::score::{score, score_own, ScoreOptions, ScoringMode};
use anomseq::{Model, ModelOptions, SessionType};
use anomseq_benches::synthetic_sessions;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn modes(c: &mut Criterion) {
    let mut g = c.benchmark_group("train_score_modes_100k");
    g.sample_size(10);
    for kind in [SessionType::Commands, SessionType::Params, SessionType::Values] {
        let s = synthetic_sessions(kind, 100_000, 10, 42);
        g.throughput(Throughput::Elements(s.n_events() as u64));
        g.bench_with_input(BenchmarkId::new("reference", kind.msticpy_name()), &s, |b, s| {
            b.iter(|| {
                let m = Model::train(s);
                score(m.probabilities(), s, &ScoreOptions::new(3)).unwrap()
            })
        });
        for mode in [ScoringMode::Profile, ScoringMode::Novelty, ScoringMode::Ngram] {
            g.bench_with_input(BenchmarkId::new(mode.name(), kind.msticpy_name()), &s, |b, s| {
                b.iter(|| {
                    let m = Model::try_train_with(s, &ModelOptions::every_mode()).unwrap();
                    score_own(&m, s, &ScoreOptions::new(3).with_mode(mode)).unwrap()
                })
            });
        }
        // the ngram mode at the order chosen for long traces (the model keeps order 7)
        let order7 = ModelOptions::every_mode().with_sequence_order(Some(7));
        g.bench_with_input(BenchmarkId::new("ngram-order7", kind.msticpy_name()), &s, |b, s| {
            b.iter(|| {
                let m = Model::try_train_with(s, &order7).unwrap();
                score_own(&m, s, &ScoreOptions::new(3).with_mode(ScoringMode::Ngram)).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, modes);
criterion_main!(benches);
