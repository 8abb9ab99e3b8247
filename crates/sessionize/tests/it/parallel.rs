//! The batch sessionizer's output does not depend on the thread count, on how the
//! string columns are encoded (plain or dictionary, as Parquet gives them) or on
//! which key-combining path two key columns take; and it agrees with the
//! streaming sessionizer, whose keys are encoded independently.

use std::sync::Arc;

use anomseq_sessionize::{sessionize, EventSpec, SessionizeOptions, Sessionized};
use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampNanosecondArray};
use arrow::datatypes::{DataType, Field, Schema};

use crate::stream::{canonical, stream_all};

/// `n` time-ordered events: string users (some missing), integer hosts, 25 commands.
fn events(n: usize, users: usize, hosts: i64) -> RecordBatch {
    let mut t = 1_600_000_000_000_000_000i64;
    let mut times = Vec::with_capacity(n);
    let mut user = Vec::with_capacity(n);
    let mut host = Vec::with_capacity(n);
    let mut op = Vec::with_capacity(n);
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        t += (x % 20_000) as i64 * 1_000_000;
        times.push(t);
        let u = (x >> 20) as usize % (users + users / 30 + 1);
        user.push((u < users).then(|| format!("user{u:05}@corp.example")));
        host.push(Some((x >> 40) as i64 % hosts));
        op.push(format!("Op-{:02}", (x >> 50) % 25));
    }
    RecordBatch::try_from_iter([
        ("user", Arc::new(StringArray::from(user)) as ArrayRef),
        ("host", Arc::new(Int64Array::from(host)) as ArrayRef),
        ("t", Arc::new(TimestampNanosecondArray::from(times).with_timezone("UTC")) as ArrayRef),
        ("op", Arc::new(StringArray::from(op)) as ArrayRef),
    ])
    .unwrap()
}

/// The batch with its string columns dictionary-encoded.
pub(crate) fn dictionary_encoded(b: &RecordBatch) -> RecordBatch {
    let mut fields = Vec::new();
    let mut cols = Vec::new();
    for (f, c) in b.schema().fields().iter().zip(b.columns()) {
        if f.data_type() == &DataType::Utf8 {
            let dt = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
            cols.push(arrow::compute::cast(c, &dt).unwrap());
            fields.push(Field::new(f.name(), dt, true));
        } else {
            cols.push(c.clone());
            fields.push(f.as_ref().clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
}

fn run(threads: usize, b: &RecordBatch, opts: &SessionizeOptions, spec: &EventSpec) -> Sessionized {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| sessionize(std::slice::from_ref(b), opts, spec)).unwrap()
}

fn check(b: &RecordBatch, users: &[&str]) {
    let opts = SessionizeOptions::new(users.iter().copied(), "t");
    let spec = EventSpec::commands("op");
    let one = run(1, b, &opts, &spec);
    assert!(one.sessions.len() > 100, "enough sessions to mean something");
    let many = run(4, b, &opts, &spec);
    assert_eq!(many.table, one.table, "4 threads vs 1: table");
    assert_eq!(many.sessions, one.sessions, "4 threads vs 1: sessions");

    let dict = run(4, &dictionary_encoded(b), &opts, &spec);
    assert_eq!(dict.sessions, one.sessions, "dictionary-encoded columns: sessions");
    for (i, name) in users.iter().enumerate() {
        let plain = arrow::compute::cast(dict.table.column(i), one.table.column(i).data_type()).unwrap();
        assert_eq!(&plain, one.table.column(i), "dictionary-encoded columns: user column {name}");
    }
    for i in users.len()..one.table.num_columns() {
        assert_eq!(dict.table.column(i), one.table.column(i), "dictionary-encoded columns: column {i}");
    }

    let streamed = stream_all(std::slice::from_ref(b), &opts, &spec, 7_919);
    assert_eq!(canonical(&streamed, users, "t", "op_list"), canonical(&one.table, users, "t", "op_list"));
}

#[test]
fn one_string_key() {
    check(&events(100_000, 3_000, 40), &["user"]);
}

#[test]
fn two_keys_small_product() {
    // 3,100 users × 4 hosts: the pairs are combined through a table
    check(&events(100_000, 3_000, 4), &["user", "host"]);
}

#[test]
fn two_keys_large_product() {
    // 3,100 users × 500 hosts > the rows: the pairs are combined by hashing
    check(&events(100_000, 3_000, 500), &["host", "user"]);
}
