//! msticpy's own sessionize tests (`fixtures/msticpy-tests/vectors.json`, `sessionize.*`).

use std::sync::Arc;

use anomseq_sessionize::{
    format_timestamp, session_index, sessionize, Duration, EventSpec, SessionizeOptions, SESSION_INDEX_COLUMN,
};
use arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema, TimestampNanosecondType};
use serde_json::{json, Value};

use crate::common::fixture;

/// A `$frame` as a record batch: string columns as Utf8, integer columns as Int64, all-null as Utf8.
fn frame(v: &Value) -> RecordBatch {
    let f = &v["$frame"];
    let mut fields = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    for c in f["columns"].as_array().unwrap() {
        let name = c.as_str().unwrap();
        let data = f["data"][name].as_array().unwrap();
        let col: ArrayRef = if data.iter().any(Value::is_i64) {
            Arc::new(Int64Array::from(data.iter().map(Value::as_i64).collect::<Vec<_>>()))
        } else {
            Arc::new(StringArray::from(data.iter().map(|x| x.as_str()).collect::<Vec<_>>()))
        };
        fields.push(Field::new(name, col.data_type().clone(), true));
        cols.push(col);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
}

/// A record batch as a `$frame`-like object (numbers as f64 so ints and floats compare equal).
fn to_frame(b: &RecordBatch) -> Value {
    let mut data = serde_json::Map::new();
    for (f, c) in b.schema().fields().iter().zip(b.columns()) {
        let vals: Vec<Value> = (0..c.len()).map(|i| value(c.as_ref(), i)).collect();
        data.insert(f.name().clone(), Value::Array(vals));
    }
    let cols: Vec<String> = b.schema().fields().iter().map(|f| f.name().clone()).collect();
    json!({"columns": cols, "n_rows": b.num_rows() as f64, "data": data})
}

fn value(c: &dyn Array, i: usize) -> Value {
    if c.is_null(i) {
        return Value::Null;
    }
    match c.data_type() {
        DataType::Utf8 => json!(c.as_string::<i32>().value(i)),
        DataType::Int64 => json!(c.as_primitive::<Int64Type>().value(i) as f64),
        DataType::Float64 => json!(c.as_primitive::<Float64Type>().value(i)),
        DataType::Timestamp(..) => json!(format_timestamp(c.as_primitive::<TimestampNanosecondType>().value(i))),
        DataType::List(_) => {
            let l = c.as_list::<i32>().value(i);
            Value::Array((0..l.len()).map(|j| value(l.as_ref(), j)).collect())
        }
        other => panic!("unexpected type {other}"),
    }
}

/// Expected frame with numbers as f64.
fn normalise(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), normalise(v))).collect()),
        other => other.clone(),
    }
}

fn options(args: &Value) -> SessionizeOptions {
    let users: Vec<&str> =
        args["user_identifier_cols"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
    SessionizeOptions::new(users, args["time_col"].as_str().unwrap()).with_limits(
        Duration::from_mins_f64(args["max_session_time_mins"].as_f64().unwrap()).unwrap(),
        Duration::from_mins_f64(args["max_event_separation_mins"].as_f64().unwrap()).unwrap(),
    )
}

fn check(v: &Value) {
    let id = v["id"].as_str().unwrap();
    let args = &v["args"];
    let input = frame(&args["data"]);
    let opts = options(args);
    let got = match v["function"].as_str().unwrap() {
        "sessionize.sessionize_data" => {
            let spec = EventSpec::commands(args["event_col"].as_str().unwrap());
            sessionize(&[input], &opts, &spec).unwrap().table
        }
        "sessionize.create_session_col" => session_index(&[input], &opts, SESSION_INDEX_COLUMN).unwrap().0,
        other => panic!("{id}: unknown function {other}"),
    };
    let mut n_checked = 0;
    for e in v["expect"].as_array().unwrap() {
        assert_eq!(e["target"], "result", "{id}");
        match e["op"].as_str().unwrap() {
            "shape_eq" => assert_eq!(json!([got.num_rows(), got.num_columns()]), e["value"], "{id}"),
            "eq" => assert_eq!(to_frame(&got), normalise(&e["value"]["$frame"]), "{id}"),
            other => panic!("{id}: unknown op {other}"),
        }
        n_checked += 1;
    }
    assert!(n_checked > 0, "{id}: nothing checked");
}

#[test]
fn msticpy_sessionize_vectors() {
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("msticpy-tests/vectors.json")).unwrap()).unwrap();
    let mine: Vec<&Value> = all["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["function"].as_str().unwrap().starts_with("sessionize."))
        .collect();
    assert_eq!(mine.len(), 8);
    for v in mine {
        check(v);
    }
}
