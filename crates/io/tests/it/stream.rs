//! The streaming file path gives the batch sessions and leaves nothing behind on error.

use anomseq_io::{read_sessions, sessionize_file, sessionize_stream, write_table, ReadOptions};
use arrow::array::{AsArray, UInt32Array};
use arrow::compute::take_record_batch;

use crate::common::{exchange, exchange_opts, specs};

fn sorted_strings(s: &anomseq_core::Sessions) -> Vec<String> {
    let mut v: Vec<String> = (0..s.len()).map(|i| serde_json::to_string(&s.to_cmds(i)).unwrap()).collect();
    v.sort();
    v
}

#[test]
fn stream_equals_batch_on_time_ordered_files() {
    let dir = tempfile::tempdir().unwrap();
    let all = anomseq_io::read_table(&exchange(), None, &ReadOptions::default()).unwrap();
    let times = all.column_by_name("TimeGenerated").unwrap().as_string::<i32>().clone();
    let mut order: Vec<u32> = (0..all.num_rows() as u32).collect();
    order.sort_by(|&a, &b| times.value(a as usize).cmp(times.value(b as usize)));
    let sorted = take_record_batch(&all, &UInt32Array::from(order)).unwrap();
    let input = dir.path().join("sorted.parquet");
    write_table(&input, None, &sorted).unwrap();
    for spec in specs() {
        let batch = sessionize_file(&input, None, &exchange_opts(), &spec, &ReadOptions::default()).unwrap();
        let out = dir.path().join("stream.ndjson");
        let read = ReadOptions { batch_size: 100, ..ReadOptions::default() };
        let summary =
            sessionize_stream(&input, None, &exchange_opts(), &spec, &read, &out, None, &Default::default()).unwrap();
        assert_eq!(summary.rows, 1334);
        assert_eq!(summary.sessions, batch.sessions.len());
        let back = read_sessions(&out, None, &spec.list_column()).unwrap();
        assert_eq!(sorted_strings(&back.sessions), sorted_strings(&batch.sessions));
    }
}

#[test]
fn failed_stream_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.parquet");
    // the demo CSV is not in time order
    let err = sessionize_stream(
        &exchange(),
        None,
        &exchange_opts(),
        &specs()[0],
        &ReadOptions::default(),
        &out,
        None,
        &Default::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("demo_exchange_data.csv: row "), "{err}");
    assert!(err.contains("input is not in time order"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no output, no temporary file");
}
