//! Bad input: clear errors naming row, column and value; skipping on request.

use std::sync::Arc;

use anomseq_sessionize::{sessionize, EpochUnit, EventSpec, OnBadRow, SessionizeOptions};
use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(cols).unwrap()
}

fn strs(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn events(times: &[Option<&str>], params: &[Option<&str>]) -> RecordBatch {
    let n = times.len();
    batch(vec![
        ("user", strs(&vec![Some("u"); n])),
        ("time", strs(times)),
        ("op", strs(&(0..n).map(|i| if i == 2 { None } else { Some("A") }).collect::<Vec<_>>())),
        ("params", strs(params)),
    ])
}

/// Sessionize and compare the error message (or the number of sessions).
fn check(b: &RecordBatch, opts: &SessionizeOptions, spec: &EventSpec, expected: Result<usize, &str>) {
    match (sessionize(std::slice::from_ref(b), opts, spec), expected) {
        (Ok(out), Ok(n)) => assert_eq!(out.table.num_rows(), n),
        (Err(e), Err(msg)) => assert_eq!(e.to_string(), msg),
        (got, want) => panic!("got {:?}, want {want:?}", got.map(|o| o.table.num_rows())),
    }
}

#[test]
fn bad_input() {
    let t = Some("2020-01-01T00:00:00Z");
    let ok = events(&[t, t, t], &[Some("[]"), Some("[]"), Some("[]")]);
    let opts = SessionizeOptions::new(["user"], "time");
    check(&ok, &opts, &EventSpec::commands("nope"), Err("no column `nope`; the columns are: user, time, op, params"));
    check(
        &ok,
        &SessionizeOptions::new(["usr"], "time"),
        &EventSpec::commands("op"),
        Err("no column `usr`; the columns are: user, time, op, params"),
    );
    check(&ok, &opts, &EventSpec::commands("op"), Err("row 3, column `op`, value `null`: missing event name"));
    check(
        &ok,
        &SessionizeOptions::new(["user", "user"], "time"),
        &EventSpec::commands("op"),
        Err("user column `user` is given twice"),
    );
    check(
        &ok,
        &SessionizeOptions::new(["time_min"], "time"),
        &EventSpec::commands("op"),
        Err("user column `time_min` has the name of an output column: rename it first"),
    );
    let bad_time = events(&[t, Some("yesterday at noon"), t], &[None, None, None]);
    check(
        &bad_time,
        &opts,
        &EventSpec::commands("user"),
        Err("row 2, column `time`, value `yesterday at noon`: expected an RFC 3339 / ISO 8601 date and time such as \
             `2020-04-18T04:50:30Z`"),
    );
    let null_time = events(&[t, None, t], &[None, None, None]);
    check(
        &null_time,
        &opts,
        &EventSpec::commands("user"),
        Err("row 2, column `time`, value `null`: missing timestamp"),
    );
    let bad_json = events(&[t, t, t], &[Some("[]"), Some("[{\"Name\": 1}]"), None]);
    let spec = EventSpec::name_value_list("user", "params", true);
    match sessionize(std::slice::from_ref(&bad_json), &opts, &spec) {
        Err(e) => {
            let m = e.to_string();
            assert!(m.starts_with("row 2, column `params`, value `[{\"Name\": 1}]`: expected a JSON list of"), "{m}");
        }
        Ok(_) => panic!("malformed params must fail"),
    }
    // skipping: the bad row is reported, the others are sessionized
    let out = sessionize(&[bad_json], &opts.clone().on_bad_row(OnBadRow::Skip), &spec).unwrap();
    assert_eq!(out.bad_rows.len(), 1);
    assert_eq!(out.bad_rows[0].row, 2);
    assert_eq!(out.bad_rows[0].column, "params");
    assert_eq!(out.sessions.n_events(), 2);
    // wrong types
    let floats = batch(vec![
        ("user", Arc::new(Float64Array::from(vec![1.5])) as ArrayRef),
        ("time", strs(&[t])),
        ("op", strs(&[Some("A")])),
    ]);
    check(
        &floats,
        &opts,
        &EventSpec::commands("op"),
        Err("column `user` is of type Float64, expected a string or integer column"),
    );
    let epoch = batch(vec![
        ("user", strs(&[Some("u")])),
        ("time", Arc::new(Int64Array::from(vec![1_587_185_430])) as ArrayRef),
        ("op", strs(&[Some("A")])),
    ]);
    check(
        &epoch,
        &opts,
        &EventSpec::commands("op"),
        Err("column `time` is of type Int64, expected a timestamp or a string; a numeric time column needs an epoch \
             unit (s, ms, us, ns)"),
    );
    check(&epoch, &opts.clone().with_epoch_unit(EpochUnit::Seconds), &EventSpec::commands("op"), Ok(1));
    let extreme = batch(vec![
        ("user", strs(&[Some("u"), Some("u"), Some("u")])),
        ("time", Arc::new(Int64Array::from(vec![i64::MIN, i64::MAX, 0])) as ArrayRef),
        ("op", strs(&[Some("A"), Some("B"), Some("C")])),
    ]);
    let huge = opts.clone().with_epoch_unit(EpochUnit::Nanos).with_limits(
        anomseq_sessionize::Duration::from_nanos(i64::MAX),
        anomseq_sessionize::Duration::from_nanos(i64::MAX),
    );
    check(&extreme, &huge, &EventSpec::commands("op"), Ok(2));
    check(&extreme, &opts.clone().with_epoch_unit(EpochUnit::Nanos), &EventSpec::commands("op"), Ok(3));
    let reserved = batch(vec![("user", strs(&[Some("u")])), ("time", strs(&[t])), ("op", strs(&[Some("##END##")]))]);
    check(
        &reserved,
        &opts,
        &EventSpec::commands("op"),
        Err("row 1, column `op`, value `##END##`: command name is a reserved token"),
    );
    assert_eq!(
        sessionize(&[], &opts, &EventSpec::commands("op")).unwrap_err().to_string(),
        "no record batches: pass at least one, possibly empty, batch"
    );
}

#[test]
fn event_builders() {
    let t = Some("2020-01-01T00:00:00Z");
    let b = batch(vec![
        ("user", strs(&[Some("u"), Some("u")])),
        ("time", strs(&[t, t])),
        ("op", strs(&[Some("GetObject"), Some("Run")])),
        (
            "req",
            strs(&[
                Some(
                    r#"{"bucket":"b","keys":[1,2],"opt":{"x": true},"n":null,"id":123456789012345678901234567890,"f":[1.50, 1e3]}"#,
                ),
                Some("null"),
            ]),
        ),
        ("path", strs(&[Some("c:/x.exe"), None])),
        ("ver", strs(&[Some("1.0"), Some("2.0")])),
    ]);
    let opts = SessionizeOptions::new(["user"], "time");
    let cmds = |spec: &EventSpec| {
        let out = sessionize(std::slice::from_ref(&b), &opts, spec).unwrap();
        serde_json::to_string(&out.sessions.to_cmds(0)).unwrap()
    };
    assert_eq!(
        cmds(&EventSpec::json_object("op", "req", true)),
        // numbers keep their exact text (no f64 round trip)
        r#"[{"name":"GetObject","params":{"bucket":"b","keys":"[1,2]","opt":"{\"x\":true}","n":"","id":"123456789012345678901234567890","f":"[1.50,1e3]"}},{"name":"Run","params":{}}]"#
    );
    assert_eq!(
        cmds(&EventSpec::json_object("op", "req", false)),
        r#"[{"name":"GetObject","params":["bucket","f","id","keys","n","opt"]},{"name":"Run","params":[]}]"#
    );
    assert_eq!(
        cmds(&EventSpec::columns("op", ["path", "ver"], false)),
        r#"[{"name":"GetObject","params":["1.0","c:/x.exe"]},{"name":"Run","params":["2.0"]}]"#
    );
    assert_eq!(
        cmds(&EventSpec::columns("op", ["path", "ver"], true)),
        r#"[{"name":"GetObject","params":{"path":"c:/x.exe","ver":"1.0"}},{"name":"Run","params":{"ver":"2.0"}}]"#
    );
}

/// A session column's faults are the same errors, naming the same row, whether its
/// names are plain strings or dictionary-encoded (as a Parquet file is read back).
/// A session's events (`None`: a missing session; an event `None`: a missing name).
type Rows = Option<Vec<Option<&'static str>>>;

#[test]
fn bad_event_lists_are_named_alike_plain_and_dictionary_encoded() {
    let list = |rows: Vec<Rows>| -> ArrayRef {
        let mut b = arrow::array::ListBuilder::new(arrow::array::StringBuilder::new());
        for r in rows {
            match r {
                Some(events) => {
                    for e in events {
                        b.values().append_option(e);
                    }
                    b.append(true);
                }
                None => b.append(false),
            }
        }
        Arc::new(b.finish())
    };
    let cases: Vec<(Vec<Rows>, &str)> = vec![
        (vec![Some(vec![Some("a")]), Some(vec![Some("b"), None])], "row 2, column `s`, value `…`: event 1 has no name"),
        (vec![Some(vec![Some("a")]), None], "row 2, column `s`, value `…`: missing session"),
        (
            vec![Some(vec![]), Some(vec![Some("a")])],
            "row 1, column `s`, value `…`: empty session: each session needs at least one event",
        ),
        (vec![Some(vec![Some("a")]), Some(vec![Some("b"), Some("##END##")])], ""),
    ];
    for (rows, want) in cases {
        let plain = list(rows);
        let dict = crate::common::dictionary_encoded(&plain);
        let a = anomseq_sessionize::sessions_from_column("s", &plain).unwrap_err().to_string();
        let b = anomseq_sessionize::sessions_from_column("s", &dict).unwrap_err().to_string();
        assert_eq!(a, b);
        if !want.is_empty() {
            assert_eq!(a, want);
        } else {
            assert!(a.starts_with("row 2, column `s`") && a.contains("##END##"), "{a}");
        }
    }
}
