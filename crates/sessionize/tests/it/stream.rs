//! Streaming gives the batch sessions on time-ordered input.

use anomseq_sessionize::{sessionize, EventSpec, SessionizeOptions, StreamSessionizer};
use arrow::array::RecordBatch;
use arrow::compute::{concat_batches, take_record_batch};

use crate::common::{read_csv, sessions_json};

/// Sessions as sorted JSON strings (order-free comparison).
pub(crate) fn canonical(table: &RecordBatch, users: &[&str], time: &str, list: &str) -> Vec<String> {
    let sessions = anomseq_sessionize::sessions_from_column(list, table.column_by_name(list).unwrap()).unwrap();
    let mut v: Vec<String> = sessions_json(table, &sessions, users, time, list).iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

pub(crate) fn stream_all(
    batches: &[RecordBatch],
    opts: &SessionizeOptions,
    spec: &EventSpec,
    size: usize,
) -> RecordBatch {
    let schema = batches[0].schema();
    let all = concat_batches(&schema, batches).unwrap();
    let mut s = StreamSessionizer::new(schema.clone(), opts.clone(), spec.clone()).unwrap();
    let mut out = Vec::new();
    let mut at = 0;
    while at < all.num_rows() {
        let n = size.min(all.num_rows() - at);
        if let Some(b) = s.push(&all.slice(at, n)).unwrap() {
            out.push(b);
        }
        at += n;
    }
    if let Some(b) = s.finish().unwrap() {
        out.push(b);
    }
    concat_batches(&s.output_schema(), &out).unwrap()
}

#[test]
fn exchange_stream_equals_batch() {
    let batches = read_csv("exchange/demo_exchange_data.csv");
    let all = concat_batches(&batches[0].schema(), &batches).unwrap();
    // stable sort by time: the usual time-ordered export
    let mut order: Vec<u32> = (0..all.num_rows() as u32).collect();
    let times = all.column_by_name("TimeGenerated").unwrap().clone();
    let times = arrow::array::AsArray::as_string::<i32>(&times);
    order.sort_by(|&a, &b| times.value(a as usize).cmp(times.value(b as usize)));
    let sorted = take_record_batch(&all, &arrow::array::UInt32Array::from(order)).unwrap();
    let users = ["UserId", "ClientIP"];
    for spec in [
        EventSpec::commands("Operation"),
        EventSpec::name_value_list("Operation", "Parameters", false),
        EventSpec::name_value_list("Operation", "Parameters", true),
    ] {
        let opts = SessionizeOptions::new(users, "TimeGenerated");
        let batch = sessionize(std::slice::from_ref(&sorted), &opts, &spec).unwrap();
        let list = spec.list_column();
        let want = canonical(&batch.table, &users, "TimeGenerated", &list);
        for size in [1, 7, 1000] {
            let got = stream_all(std::slice::from_ref(&sorted), &opts, &spec, size);
            assert_eq!(canonical(&got, &users, "TimeGenerated", &list), want, "batch size {size}");
        }
    }
}

#[test]
fn out_of_order_is_an_error() {
    let batches = read_csv("exchange/demo_exchange_data.csv");
    let opts = SessionizeOptions::new(["UserId"], "TimeGenerated");
    let mut s = StreamSessionizer::new(batches[0].schema(), opts, EventSpec::commands("Operation")).unwrap();
    let mut err = None;
    for b in &batches {
        if let Err(e) = s.push(b) {
            err = Some(e.to_string());
            break;
        }
    }
    let err = err.expect("the demo CSV is not in time order");
    assert!(err.contains("input is not in time order"), "{err}");
}

/// Keys of every type, nulls, and string tuples that concatenate alike (`"a","bc"`
/// and `"ab","c"`): a row joins its own user's session and no other.
#[test]
fn every_key_type_streams_as_batch() {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray, TimestampSecondArray, UInt32Array};
    let n = 240;
    let text = ["a", "ab", "bc", "c", ""];
    let first: Vec<Option<&str>> = (0..n).map(|i| if i % 11 == 3 { None } else { Some(text[i % 5]) }).collect();
    let second: Vec<Option<&str>> = (0..n).map(|i| if i % 13 == 5 { None } else { Some(text[(i / 5) % 5]) }).collect();
    let ints: Vec<Option<i64>> = (0..n).map(|i| if i % 7 == 0 { None } else { Some((i % 3) as i64 - 1) }).collect();
    let uints: Vec<Option<u32>> = (0..n).map(|i| if i % 17 == 0 { None } else { Some((i % 2) as u32) }).collect();
    let batch = RecordBatch::try_from_iter([
        ("first", Arc::new(StringArray::from(first)) as _),
        ("second", Arc::new(StringArray::from(second)) as _),
        ("int", Arc::new(Int64Array::from(ints)) as _),
        ("uint", Arc::new(UInt32Array::from(uints)) as _),
        ("t", Arc::new(TimestampSecondArray::from((0..n as i64).map(|i| i * 20).collect::<Vec<_>>())) as _),
        ("op", Arc::new(StringArray::from((0..n).map(|i| format!("op{}", i % 4)).collect::<Vec<_>>())) as _),
    ])
    .unwrap();
    let users = ["first", "second", "int", "uint"];
    let spec = EventSpec::commands("op");
    let opts = SessionizeOptions::new(users, "t").with_limits("20m".parse().unwrap(), "3m".parse().unwrap());
    let want = sessionize(std::slice::from_ref(&batch), &opts, &spec).unwrap();
    let want = canonical(&want.table, &users, "t", "op_list");
    assert!(want.len() > 30, "{}", want.len());
    for size in [1, 9, 240] {
        let got = stream_all(std::slice::from_ref(&batch), &opts, &spec, size);
        assert_eq!(canonical(&got, &users, "t", "op_list"), want, "batch size {size}");
    }
}
