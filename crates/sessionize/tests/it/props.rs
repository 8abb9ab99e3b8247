//! Properties against a direct transcription of msticpy's row-by-row walk.

use std::sync::Arc;

use anomseq_sessionize::{
    plain_nested_type, session_index, session_rows, sessionize, sessionize_table, EpochUnit, EventSpec, OnBadRow,
    SessionizeOptions,
};
use arrow::array::{ArrayRef, AsArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::Int64Type;
use proptest::prelude::*;

use crate::stream::{canonical, stream_all};

type Row = (Option<u8>, i64, u8);

fn batch(rows: &[Row]) -> RecordBatch {
    let users: Vec<Option<String>> = rows.iter().map(|r| r.0.map(|u| format!("u{u}"))).collect();
    let ops: Vec<String> = rows.iter().map(|r| format!("op{}", r.2)).collect();
    RecordBatch::try_from_iter([
        ("user", Arc::new(StringArray::from(users)) as ArrayRef),
        ("t", Arc::new(Int64Array::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())) as ArrayRef),
        ("op", Arc::new(StringArray::from(ops)) as ArrayRef),
    ])
    .unwrap()
}

fn opts(max_session: i64, gap: i64) -> SessionizeOptions {
    SessionizeOptions::new(["user"], "t")
        .with_epoch_unit(EpochUnit::Seconds)
        .with_limits(anomseq_sessionize::Duration::from_secs(max_session), anomseq_sessionize::Duration::from_secs(gap))
}

/// msticpy's algorithm, row by row: stable sort by (user, time) with missing last, then walk.
fn reference(rows: &[Row], max_session: i64, gap: i64) -> Vec<(Option<u8>, i64, i64, Vec<u8>)> {
    let mut idx: Vec<usize> = (0..rows.len()).collect();
    idx.sort_by_key(|&i| (rows[i].0.is_none(), rows[i].0, rows[i].1));
    let mut out: Vec<(Option<u8>, i64, i64, Vec<u8>)> = Vec::new();
    let mut elapsed = 0;
    for (j, &i) in idx.iter().enumerate() {
        let (u, t, op) = rows[i];
        let new = j == 0 || {
            let (pu, pt, _) = rows[idx[j - 1]];
            let g = t - pt;
            pu != u || g > gap || elapsed + g > max_session
        };
        if new {
            elapsed = 0;
            out.push((u, t, t, vec![op]));
        } else {
            let last = out.last_mut().unwrap();
            elapsed += t - last.2;
            last.2 = t;
            last.3.push(op);
        }
    }
    out
}

fn ours(rows: &[Row], max_session: i64, gap: i64) -> Vec<(Option<u8>, i64, i64, Vec<u8>)> {
    let out = sessionize(&[batch(rows)], &opts(max_session, gap), &EventSpec::commands("op")).unwrap();
    let t = &out.table;
    let users = t.column(0).as_string::<i32>();
    let tmin = t.column(1).as_primitive::<arrow::datatypes::TimestampNanosecondType>();
    let tmax = t.column(2).as_primitive::<arrow::datatypes::TimestampNanosecondType>();
    (0..t.num_rows())
        .map(|i| {
            let u = arrow::array::Array::is_valid(users, i).then(|| users.value(i)[1..].parse::<u8>().unwrap());
            let ops: Vec<u8> = out.sessions.to_cmds(i).iter().map(|c| c.name[2..].parse::<u8>().unwrap()).collect();
            (u, tmin.value(i) / 1_000_000_000, tmax.value(i) / 1_000_000_000, ops)
        })
        .collect()
}

fn rows_strategy(distinct_times: bool) -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec((prop::option::of(0u8..3), 0i64..3000, 0u8..4), 0..80).prop_map(move |mut rows| {
        if distinct_times {
            for (i, r) in rows.iter_mut().enumerate() {
                r.1 = r.1 * 100 + i as i64;
            }
        }
        rows
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn same_as_reference(rows in rows_strategy(false), max_session in 0i64..1200, gap in 0i64..300) {
        prop_assert_eq!(ours(&rows, max_session, gap), reference(&rows, max_session, gap));
    }

    #[test]
    fn a_table_given_up_and_dictionary_names_give_the_same_sessions(rows in rows_strategy(false), max_session in 0i64..1200, gap in 0i64..300) {
        let o = opts(max_session, gap);
        let spec = EventSpec::commands("op");
        let plain = sessionize(&[batch(&rows)], &o, &spec).unwrap();
        let given = sessionize_table(batch(&rows), &o, &spec).unwrap();
        prop_assert_eq!(&given.table, &plain.table);
        prop_assert_eq!(&given.sessions, &plain.sessions);
        let dict = sessionize_table(batch(&rows), &o.clone().with_dictionary_names(true), &spec).unwrap();
        prop_assert_eq!(&dict.sessions, &plain.sessions);
        let list = dict.table.column_by_name("op_list").unwrap();
        let want = plain.table.column_by_name("op_list").unwrap();
        if !rows.is_empty() {
            prop_assert_eq!(plain_nested_type(list.data_type()), Some(want.data_type().clone()));
        }
        let decoded = arrow::compute::cast(list, want.data_type()).unwrap();
        prop_assert_eq!(&decoded, want);
    }

    #[test]
    fn session_rows_are_the_reference_sessions(rows in rows_strategy(false), max_session in 0i64..1200, gap in 0i64..300) {
        let r = session_rows(&[batch(&rows)], &opts(max_session, gap)).unwrap();
        prop_assert!(r.bad_rows.is_empty());
        let got: Vec<(Option<u8>, i64, i64, Vec<u8>)> = r
            .bounds
            .windows(2)
            .enumerate()
            .map(|(s, w)| {
                let rows_of: Vec<usize> = r.rows[w[0] as usize..w[1] as usize].iter().map(|&i| i as usize).collect();
                let first = rows[rows_of[0]];
                (first.0, r.starts[s] / 1_000_000_000, r.ends[s] / 1_000_000_000, rows_of.iter().map(|&i| rows[i].2).collect())
            })
            .collect();
        prop_assert_eq!(got, reference(&rows, max_session, gap));
    }

    #[test]
    fn every_row_in_one_session_within_limits(rows in rows_strategy(false), max_session in 0i64..1200, gap in 0i64..300) {
        let (sorted, bad) = session_index(&[batch(&rows)], &opts(max_session, gap), "s").unwrap();
        prop_assert!(bad.is_empty());
        prop_assert_eq!(sorted.num_rows(), rows.len());
        let mut got: Vec<(Option<String>, i64, String)> = Vec::new();
        let users = sorted.column(0).as_string::<i32>();
        let ts = sorted.column(1).as_primitive::<Int64Type>();
        let ops = sorted.column(2).as_string::<i32>();
        let s = sorted.column(3).as_primitive::<Int64Type>();
        let user = |i: usize| arrow::array::Array::is_valid(users, i).then(|| users.value(i).to_owned());
        let mut first = 0;
        for i in 0..sorted.num_rows() {
            got.push((user(i), ts.value(i), ops.value(i).to_owned()));
            if i > 0 && s.value(i) == s.value(i - 1) {
                prop_assert_eq!(user(i), user(i - 1));
                prop_assert!(ts.value(i) - ts.value(i - 1) <= gap);
                prop_assert!(ts.value(i) - ts.value(first) <= max_session);
            } else if i > 0 {
                prop_assert_eq!(s.value(i), s.value(i - 1) + 1);
                // a new session only where a rule demands it
                let g = ts.value(i) - ts.value(i - 1);
                prop_assert!(user(i) != user(i - 1) || g > gap || ts.value(i) - ts.value(first) > max_session);
                first = i;
            }
        }
        let mut want: Vec<(Option<String>, i64, String)> =
            rows.iter().map(|r| (r.0.map(|u| format!("u{u}")), r.1, format!("op{}", r.2))).collect();
        got.sort();
        want.sort();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn shuffling_distinct_times_changes_nothing(
        (rows, shuffled) in rows_strategy(true).prop_flat_map(|r| (Just(r.clone()), Just(r).prop_shuffle())),
        max_session in 0i64..120_000, gap in 0i64..30_000,
    ) {
        prop_assert_eq!(ours(&rows, max_session, gap), ours(&shuffled, max_session, gap));
    }

    #[test]
    fn streaming_equals_batch(mut rows in rows_strategy(false), max_session in 0i64..1200, gap in 0i64..300, size in 1usize..20) {
        rows.sort_by_key(|r| r.1);
        prop_assume!(!rows.is_empty());
        let o = opts(max_session, gap);
        let spec = EventSpec::commands("op");
        let b = batch(&rows);
        let want = sessionize(std::slice::from_ref(&b), &o, &spec).unwrap();
        let got = stream_all(std::slice::from_ref(&b), &o, &spec, size);
        prop_assert_eq!(canonical(&got, &["user"], "t", "op_list"), canonical(&want.table, &["user"], "t", "op_list"));
        // the names dictionary-encoded, batch by batch: the same sessions
        let dict = stream_all(std::slice::from_ref(&b), &o.clone().with_dictionary_names(true), &spec, size);
        prop_assert!(matches!(dict.column_by_name("op_list").unwrap().data_type(), arrow::datatypes::DataType::List(f) if matches!(f.data_type(), arrow::datatypes::DataType::Dictionary(..))));
        let i = dict.schema().index_of("op_list").unwrap();
        let plain = arrow::compute::cast(dict.column(i), want.table.column(i).data_type()).unwrap();
        let mut cols = dict.columns().to_vec();
        cols[i] = plain;
        let dict = RecordBatch::try_new(want.table.schema(), cols).unwrap();
        prop_assert_eq!(canonical(&dict, &["user"], "t", "op_list"), canonical(&want.table, &["user"], "t", "op_list"));
    }

    #[test]
    fn params_parsers_never_panic(cells in prop::collection::vec(prop::option::of(any::<String>()), 1..8), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut cells = cells;
        cells.push(Some(String::from_utf8_lossy(&bytes).into_owned()));
        let n = cells.len();
        let b = RecordBatch::try_from_iter([
            ("user", Arc::new(StringArray::from(vec![Some("u"); n])) as ArrayRef),
            ("t", Arc::new(StringArray::from(cells.clone())) as ArrayRef),
            ("op", Arc::new(StringArray::from(cells.clone())) as ArrayRef),
            ("p", Arc::new(StringArray::from(cells)) as ArrayRef),
        ]).unwrap();
        let o = SessionizeOptions::new(["user"], "t").on_bad_row(OnBadRow::Skip);
        for spec in [
            EventSpec::name_value_list("op", "p", true),
            EventSpec::name_value_list("op", "p", false),
            EventSpec::json_object("op", "p", true),
            EventSpec::json_object("op", "p", false),
        ] {
            let out = sessionize(std::slice::from_ref(&b), &o, &spec).unwrap();
            prop_assert_eq!(out.bad_rows.len() + out.sessions.n_events(), n);
            let _ = sessionize(std::slice::from_ref(&b), &SessionizeOptions::new(["user"], "t"), &spec);
        }
    }
}
