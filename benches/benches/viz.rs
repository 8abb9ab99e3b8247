//! Building the timeline page and the report of 100k scored sessions (Rust side;
//! the browser's time to first render is measured by the `perf_100k_sessions`
//! test of anomseq-viz, see docs/performance.md).

use std::hint::black_box;
use std::sync::Arc;

use anomseq::arrow_array::builder::{ListBuilder, StringBuilder};
use anomseq::arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use anomseq::viz::{Report, ReportOptions, Timeline, TimelineOptions};
use criterion::{criterion_group, criterion_main, Criterion};

fn synthetic(n: usize) -> RecordBatch {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let t0 = 1_700_000_000_000_i64;
    let times: Vec<i64> = (0..n).map(|_| t0 + (next() % (30 * 86_400_000)) as i64).collect();
    let scores: Vec<Option<f64>> = (0..n)
        .map(|i| if i % 20 == 0 { None } else { Some(10f64.powf(-((next() % 10_000) as f64 / 1000.0).powi(2) / 8.0)) })
        .collect();
    let cmds = ["Set-User", "Set-Mailbox", "New-InboxRule", "Get-Mailbox", "Add-MailboxPermission"];
    let mut windows = ListBuilder::new(StringBuilder::new());
    for _ in 0..n {
        let w = next() as usize;
        for c in [cmds[w % 5], cmds[(w / 5) % 5], cmds[(w / 25) % 2]] {
            windows.values().append_value(c);
        }
        windows.append(true);
    }
    let users: StringArray = (0..n).map(|_| Some(format!("user{}@contoso.example", next() % 2000))).collect();
    RecordBatch::try_from_iter([
        ("start", Arc::new(TimestampMillisecondArray::from(times).with_timezone("+00:00")) as ArrayRef),
        ("likelihood", Arc::new(Float64Array::from(scores)) as ArrayRef),
        ("rarest_window3", Arc::new(windows.finish()) as ArrayRef),
        ("user", Arc::new(users) as ArrayRef),
    ])
    .unwrap()
}

fn viz(c: &mut Criterion) {
    let data = [synthetic(100_000)];
    let timeline_options = TimelineOptions::default().with_source_columns(["user"]);
    let report_options =
        ReportOptions::default().with_timeline(timeline_options.clone()).with_key_columns(["user"]).with_top_n(100);
    let mut g = c.benchmark_group("viz_100k");
    g.sample_size(10);
    g.bench_function("timeline_html", |b| {
        b.iter(|| {
            let t = Timeline::new(&data, "start", "likelihood", "rarest_window3", &timeline_options).unwrap();
            black_box(t.to_html().len())
        })
    });
    g.bench_function("report_html", |b| {
        b.iter(|| {
            let r = Report::new(&data, "start", "likelihood", "rarest_window3", &report_options).unwrap();
            black_box(r.to_html().len())
        })
    });
    let t = Timeline::new(&data, "start", "likelihood", "rarest_window3", &timeline_options).unwrap();
    g.bench_function("timeline_svg", |b| b.iter(|| black_box(t.to_svg(1200, 600).unwrap().len())));
    g.finish();
}

criterion_group!(benches, viz);
criterion_main!(benches);
