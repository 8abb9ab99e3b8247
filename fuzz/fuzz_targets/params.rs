#![no_main]
//! The params parsers, timestamp parser and duration parser never panic on arbitrary text.

use std::sync::Arc;

use anomseq_sessionize::{parse_timestamp, sessionize, Duration, EventSpec, OnBadRow, SessionizeOptions};
use arrow::array::{ArrayRef, RecordBatch, StringArray};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let _ = text.parse::<Duration>();
    let _ = parse_timestamp(&text, None);
    let cells = vec![Some(text.as_str()), Some("[]"), None];
    let batch = RecordBatch::try_from_iter([
        ("user", Arc::new(StringArray::from(vec![Some("u"); 3])) as ArrayRef),
        (
            "time",
            Arc::new(StringArray::from(vec![Some("2020-01-01T00:00:00Z"), Some(text.as_str()), None])) as ArrayRef,
        ),
        ("op", Arc::new(StringArray::from(vec![Some("A"), Some(text.as_str()), Some("B")])) as ArrayRef),
        ("params", Arc::new(StringArray::from(cells)) as ArrayRef),
    ])
    .expect("batch");
    let opts = SessionizeOptions::new(["user"], "time").on_bad_row(OnBadRow::Skip);
    for with_values in [false, true] {
        for spec in [
            EventSpec::name_value_list("op", "params", with_values),
            EventSpec::json_object("op", "params", with_values),
        ] {
            let out = sessionize(std::slice::from_ref(&batch), &opts, &spec).expect("skip mode never fails on cells");
            assert_eq!(out.bad_rows.len() + out.sessions.n_events(), 3);
        }
    }
});
