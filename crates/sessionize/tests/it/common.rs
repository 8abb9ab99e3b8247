//! Shared helpers of the sessionize tests: record batches from cells, the oracle's sessions.

use std::path::PathBuf;
use std::sync::Arc;

use anomseq_core::Sessions;
use anomseq_sessionize::format_timestamp;
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, TimestampNanosecondType};
use serde_json::{json, Value};

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(rel)
}

/// Read a CSV with every column as nullable Utf8 (empty cells are null, as pandas' NaN).
pub(crate) fn read_csv(rel: &str) -> Vec<RecordBatch> {
    let path = fixture(rel);
    let mut file = std::fs::File::open(&path).unwrap();
    let format = arrow::csv::reader::Format::default().with_header(true);
    let (schema, _) = format.infer_schema(&mut file, Some(0)).unwrap();
    let fields: Vec<Field> = schema.fields().iter().map(|f| Field::new(f.name(), DataType::Utf8, true)).collect();
    let file = std::fs::File::open(&path).unwrap();
    arrow::csv::ReaderBuilder::new(Arc::new(Schema::new(fields)))
        .with_header(true)
        .with_batch_size(300)
        .build(file)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

/// A cell of a key column as JSON (string, integer or null).
pub(crate) fn cell(a: &dyn Array, i: usize) -> Value {
    if a.is_null(i) {
        return Value::Null;
    }
    match a.data_type() {
        DataType::Utf8 => json!(a.as_string::<i32>().value(i)),
        DataType::Int64 => json!(a.as_primitive::<arrow::datatypes::Int64Type>().value(i)),
        other => {
            let c = arrow::compute::cast(&a.slice(i, 1), &DataType::Utf8).unwrap();
            let _ = other;
            json!(c.as_string::<i32>().value(0))
        }
    }
}

/// `col` with the strings inside its lists and structs dictionary-encoded
/// (maps, which Parquet reading leaves plain, excepted).
pub(crate) fn dictionary_encoded(col: &arrow::array::ArrayRef) -> arrow::array::ArrayRef {
    use arrow::datatypes::Field;
    use std::sync::Arc;
    fn encode(dt: &DataType) -> DataType {
        let field = |f: &Arc<Field>| Arc::new(f.as_ref().clone().with_data_type(encode(f.data_type())));
        match dt {
            DataType::Utf8 => DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            DataType::List(f) => DataType::List(field(f)),
            DataType::Struct(fs) => DataType::Struct(fs.iter().map(field).collect()),
            other => other.clone(),
        }
    }
    arrow::compute::cast(col, &encode(col.data_type())).unwrap()
}

/// The table as oracle-style session objects; events from the Arrow list column,
/// after checking they equal the `Sessions`.
pub(crate) fn sessions_json(
    table: &RecordBatch,
    sessions: &Sessions,
    user_cols: &[&str],
    time: &str,
    list: &str,
) -> Vec<Value> {
    let col = table.column_by_name(list).unwrap();
    let from_list = anomseq_sessionize::sessions_from_column(list, col).unwrap();
    assert_eq!(&from_list, sessions, "the Arrow list column and the Sessions disagree");
    // its strings dictionary-encoded (as a Parquet file's are read back) give the same
    let encoded = dictionary_encoded(col);
    assert_ne!(encoded.data_type(), col.data_type());
    let from_dict = anomseq_sessionize::sessions_from_column(list, &encoded).unwrap();
    assert_eq!(&from_dict, sessions, "the dictionary-encoded list column and the Sessions disagree");
    let tmin = table.column_by_name(&format!("{time}_min")).unwrap().as_primitive::<TimestampNanosecondType>().clone();
    let tmax = table.column_by_name(&format!("{time}_max")).unwrap().as_primitive::<TimestampNanosecondType>().clone();
    let dur = table.column_by_name("duration").unwrap().as_primitive::<arrow::datatypes::Float64Type>().clone();
    let n = table.column_by_name("number_events").unwrap().as_primitive::<arrow::datatypes::Int64Type>().clone();
    (0..table.num_rows())
        .map(|i| {
            let mut o = serde_json::Map::new();
            for u in user_cols {
                o.insert((*u).to_owned(), cell(table.column_by_name(u).unwrap().as_ref(), i));
            }
            o.insert("time_min".into(), json!(format_timestamp(tmin.value(i))));
            o.insert("time_max".into(), json!(format_timestamp(tmax.value(i))));
            o.insert("duration_seconds".into(), json!(dur.value(i)));
            o.insert("number_events".into(), json!(n.value(i)));
            o.insert("events".into(), serde_json::to_value(sessions.to_cmds(i)).unwrap());
            Value::Object(o)
        })
        .collect()
}
