//! The Rust side of the side-by-side suite (`cargo xtask bench`).
//!
//! - `benchsuite gen --events N --dir DIR`: the seeded synthetic log of N events
//!   as `DIR/events-N.csv` and `DIR/events-N.parquet`;
//! - `benchsuite lib --parquet FILE [--sessions-dir DIR]`: library timings (best
//!   of 3) as JSON lines — sessionizing loaded Arrow columns, and train + rarest
//!   window (k = 3) for each session type — and the sessions as NDJSON for the peers.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anomseq::score::{rarest_windows, WindowOptions};
use anomseq_benches::{log_schema, SyntheticLog};
use anomseq_io::{BatchWriter, Format, ReadOptions};
use anomseq_sessionize::{sessionize, EventSpec, SessionizeOptions};
use anyhow::{bail, Context, Result};
use arrow::array::RecordBatch;
use serde_json::json;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen") => {
            let n: usize = arg(&args, "--events").context("--events N")?.parse()?;
            let dir = PathBuf::from(arg(&args, "--dir").context("--dir DIR")?);
            let seed: u64 = arg(&args, "--seed").map(|s| s.parse()).transpose()?.unwrap_or(42);
            generate(n, &dir, seed)
        }
        Some("lib") => {
            let parquet = PathBuf::from(arg(&args, "--parquet").context("--parquet FILE")?);
            let dir = arg(&args, "--sessions-dir").map(PathBuf::from);
            library(&parquet, dir.as_deref())
        }
        _ => bail!("usage: benchsuite gen --events N --dir DIR [--seed S] | lib --parquet FILE [--sessions-dir DIR]"),
    }
}

fn generate(n: usize, dir: &Path, seed: u64) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let log = SyntheticLog::new(n, seed);
    for (ext, text_time) in [("csv", true), ("parquet", false)] {
        let path = dir.join(format!("events-{n}.{ext}"));
        if path.exists() {
            continue;
        }
        let mut w = BatchWriter::create(&path, None, log_schema(text_time))?;
        let step = 65_536;
        for from in (0..log.len()).step_by(step) {
            w.write(&log.batch(from, (from + step).min(log.len()), text_time))?;
        }
        w.finish()?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Best of `reps` runs of `f`, in seconds, and its last result.
fn best<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..reps {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("at least one run"))
}

fn library(parquet: &Path, sessions_dir: Option<&Path>) -> Result<()> {
    let reader = anomseq_io::open(parquet, Some(Format::Parquet), &ReadOptions::default())?;
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>()?;
    let events: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let opts = SessionizeOptions::new(["UserId", "Host"], "TimeGenerated").with_limits("20m".parse()?, "2m".parse()?);
    let specs = [
        ("cmds", EventSpec::commands("Operation")),
        ("params", EventSpec::name_value_list("Operation", "Parameters", false)),
        ("values", EventSpec::name_value_list("Operation", "Parameters", true)),
    ];
    for (kind, spec) in &specs {
        let (secs, s) = best(3, || sessionize(&batches, &opts, spec));
        let s = s?;
        if *kind == "cmds" {
            println!(
                "{}",
                json!({"case": "sessionize", "impl": "anomseq-lib", "events": events, "seconds": secs, "sessions": s.sessions.len()})
            );
        }
        let (secs, w) = best(3, || {
            let m = anomseq::train(&s.sessions);
            rarest_windows(m.probabilities(), &s.sessions, &WindowOptions::new(3))
        });
        w?;
        println!(
            "{}",
            json!({"case": format!("train+rarest3/{kind}"), "impl": "anomseq-lib", "events": events, "seconds": secs, "sessions": s.sessions.len()})
        );
        if let Some(dir) = sessions_dir {
            let path = dir.join(format!("sessions-{events}-{kind}.ndjson"));
            if !path.exists() {
                anomseq_io::write_sessions(&path, Some(Format::Ndjson), &s.table, &Default::default())?;
            }
        }
    }
    Ok(())
}
