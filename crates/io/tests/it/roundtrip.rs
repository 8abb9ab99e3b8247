//! Sessions written in every format read back the same; scores match the oracle.

use std::collections::HashMap;

use anomseq_io::{
    open, read_sessions, read_table, sessionize_file, write_scored, write_sessions, write_table, Format, ReadOptions,
};
use anomseq_model::Model;
use anomseq_score::{score, ScoreOptions};
use arrow::array::{Array, AsArray};
use serde_json::Value;

use crate::common::{exchange, exchange_opts, fixture, specs};

const FORMATS: [(Format, &str); 5] = [
    (Format::Csv, "csv"),
    (Format::Parquet, "parquet"),
    (Format::ArrowFile, "arrow"),
    (Format::ArrowStream, "arrows"),
    (Format::Ndjson, "ndjson"),
];

#[test]
fn sessions_round_trip_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for spec in specs() {
        let out = sessionize_file(&exchange(), None, &exchange_opts(), &spec, &ReadOptions::default()).unwrap();
        assert_eq!(out.sessions.len(), 400);
        let list = spec.list_column();
        for (format, ext) in FORMATS {
            let path = dir.path().join(format!("s.{ext}"));
            assert_eq!(write_sessions(&path, None, &out.table, &Default::default()).unwrap(), 400);
            let back = read_sessions(&path, Some(format), &list).unwrap();
            assert_eq!(back.sessions, out.sessions, "{list} via {format}");
            let users = back.table.column_by_name("UserId").unwrap();
            assert_eq!(users.null_count(), out.table.column_by_name("UserId").unwrap().null_count(), "{format}");
            assert_eq!(back.others().num_columns(), out.table.num_columns() - 1);
            // Parquet's event names come back dictionary-encoded, and are written
            // back, in every format, as the strings they stand for
            let read_col = back.table.column_by_name(&list).unwrap().data_type().clone();
            assert_eq!(read_col.to_string().contains("Dictionary"), format == Format::Parquet, "{read_col}");
            for (again, ext2) in FORMATS.iter().copied().filter(|_| format == Format::Parquet) {
                let (p1, p2) = (dir.path().join(format!("a.{ext2}")), dir.path().join(format!("b.{ext2}")));
                write_sessions(&p1, Some(again), &back.table, &Default::default()).unwrap();
                write_sessions(
                    &p2,
                    Some(again),
                    &read_table(&path, Some(format), &ReadOptions::default()).unwrap(),
                    &Default::default(),
                )
                .unwrap();
                let same = std::fs::read(&p1).unwrap() == std::fs::read(&p2).unwrap();
                assert!(same, "{list}: {format} → {again}: not the bytes of the file's own types");
            }
            // no temporary file is left behind
            let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert!(names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")), "{names:?}");
        }
    }
}

/// Reading some of the columns gives those columns, in file order, with the schema
/// the batches have; sessionizing (which reads only the columns it needs) works on
/// every format. (The Arrow IPC readers once reported the file's schema for a
/// projection, and `sessionize_file` panicked concatenating the batches.)
#[test]
fn column_subsets_read_alike_in_every_format() {
    const ALL: [&str; 5] = ["TimeGenerated", "UserId", "ClientIP", "Operation", "Parameters"];
    let cases: [(&[&str], &[&str]); 4] = [
        (&["Operation", "UserId"], &["UserId", "Operation"]),
        (&["Parameters"], &["Parameters"]),
        (&["TimeGenerated", "UserId", "ClientIP", "Operation"], &["TimeGenerated", "UserId", "ClientIP", "Operation"]),
        (&ALL, &ALL),
    ];
    let dir = tempfile::tempdir().unwrap();
    let all = read_table(&exchange(), None, &ReadOptions::default()).unwrap();
    for (format, ext) in FORMATS {
        let path = dir.path().join(format!("events.{ext}"));
        write_table(&path, None, &all).unwrap();
        for (columns, names) in cases {
            let read = ReadOptions { batch_size: 500, ..ReadOptions::default() }.with_columns(columns.iter().copied());
            let r = open(&path, None, &read).unwrap();
            let schema = r.schema();
            let got: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            assert_eq!(got, names, "{format} {columns:?}");
            for b in r {
                assert_eq!(b.unwrap().schema(), schema, "{format} {columns:?}");
            }
            let t = read_table(&path, None, &read).unwrap();
            assert_eq!((t.num_rows(), t.num_columns()), (1334, names.len()), "{format} {columns:?}");
        }
        for spec in specs() {
            let out = sessionize_file(&path, None, &exchange_opts(), &spec, &ReadOptions::default()).unwrap();
            assert_eq!(out.sessions.len(), 400, "{format} {}", spec.list_column());
        }
    }
}

#[test]
fn scored_sessions_match_the_oracle() {
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("oracle-exchange/model_cmds.json")).unwrap()).unwrap();
    let order: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("oracle-exchange/sessions_cmds.json")).unwrap()).unwrap();
    let key = |u: &Value, c: &Value, t: &str| format!("{u}|{c}|{t}");
    let mut expected: HashMap<String, (Value, Value)> = HashMap::new();
    for (i, s) in order["sessions"].as_array().unwrap().iter().enumerate() {
        let k = key(&s["UserId"], &s["ClientIP"], s["time_min"].as_str().unwrap());
        let lik = want["score_sessions"]["rarest_window3_likelihood"][i].clone();
        let win = want["score_sessions"]["rarest_window3"][i].clone();
        expected.insert(k, (lik, win));
    }
    let dir = tempfile::tempdir().unwrap();
    let spec = &specs()[0];
    let csv = dir.path().join("in.csv");
    std::fs::copy(exchange(), &csv).unwrap();
    let out = sessionize_file(&csv, None, &exchange_opts(), spec, &ReadOptions::default()).unwrap();
    let sessions_path = dir.path().join("sessions.parquet");
    write_sessions(&sessions_path, None, &out.table, &Default::default()).unwrap();
    let back = read_sessions(&sessions_path, None, "Operation_list").unwrap();
    let model = Model::train(&back.sessions);
    let scored = score(model.probabilities(), &back.sessions, &ScoreOptions::new(3)).unwrap();
    for (format, ext) in FORMATS.iter().rev().copied() {
        let path = dir.path().join(format!("scored.{ext}"));
        write_scored(&path, Some(format), &back.table, &back.sessions, &scored, &Default::default()).unwrap();
        let t = read_table(&path, None, &ReadOptions::default()).unwrap();
        // every format reads back with scores as numbers and windows and factors as lists
        let t = anomseq_io::restore_scored_columns(&path, &t).unwrap();
        for (col, list) in
            [("rarest_window3", true), ("rarest_window3_factors", true), ("rarest_window3_likelihood", false)]
        {
            let dt = t.column_by_name(col).unwrap().data_type().clone();
            assert_eq!(matches!(dt, arrow::datatypes::DataType::List(_)), list, "{format} {col}: {dt}");
        }
        let factors = t.column_by_name("rarest_window3_factors").unwrap().as_list::<i32>().clone();
        let unseen = t.column_by_name("unseen").unwrap();
        assert!(matches!(unseen.data_type(), arrow::datatypes::DataType::UInt64), "{format}");
        let lik = t.column_by_name("rarest_window3_likelihood").unwrap();
        let lik = arrow::compute::cast(lik, &arrow::datatypes::DataType::Float64).unwrap();
        let lik = lik.as_primitive::<arrow::datatypes::Float64Type>();
        let wins = t.column_by_name("rarest_window3").unwrap();
        for i in 0..400 {
            let s = &out.table;
            let u = cell(s.column_by_name("UserId").unwrap().as_ref(), i);
            let c = cell(s.column_by_name("ClientIP").unwrap().as_ref(), i);
            let tmin = s.column_by_name("TimeGenerated_min").unwrap();
            let tmin = tmin.as_primitive::<arrow::datatypes::TimestampNanosecondType>().value(i);
            let (wl, ww) = &expected[&key(&u, &c, &anomseq_sessionize::format_timestamp(tmin))];
            match wl.as_f64() {
                // the model is trained on our session order (missing keys last), msticpy's on
                // its own: sums in another order may differ in the last bit
                Some(w) => {
                    assert!((lik.value(i) - w).abs() <= 1e-12 * w.abs(), "{format} row {i}: {} vs {w}", lik.value(i))
                }
                None => assert!(lik.is_null(i), "{format} row {i}"),
            }
            assert_eq!(window(wins.as_ref(), i), *ww, "{format} row {i}");
            if lik.is_valid(i) {
                let f = factors.value(i);
                let product: f64 = f.as_primitive::<arrow::datatypes::Float64Type>().values().iter().product();
                assert!((product - lik.value(i)).abs() <= 1e-12 * lik.value(i), "{format} row {i}");
            }
            assert_eq!(unseen.as_primitive::<arrow::datatypes::UInt64Type>().value(i), 0, "{format} row {i}");
        }
    }
}

fn cell(a: &dyn Array, i: usize) -> Value {
    if a.is_null(i) {
        Value::Null
    } else {
        Value::String(a.as_string::<i32>().value(i).to_owned())
    }
}

/// A commands window: a list column or its JSON text.
fn window(a: &dyn Array, i: usize) -> Value {
    match a.data_type() {
        arrow::datatypes::DataType::Utf8 => serde_json::from_str(a.as_string::<i32>().value(i)).unwrap(),
        _ => {
            let l = a.as_list::<i32>().value(i);
            let l = l.as_string::<i32>();
            Value::Array((0..l.len()).map(|j| Value::String(l.value(j).to_owned())).collect())
        }
    }
}

#[test]
fn events_from_every_format_give_the_same_sessions() {
    // Parquet's string columns are read dictionary-encoded for sessionizing; the
    // sessions table must not show it (same types, same bytes as from CSV)
    let dir = tempfile::tempdir().unwrap();
    let events = read_table(&exchange(), None, &ReadOptions::default()).unwrap();
    for spec in specs() {
        let want = sessionize_file(&exchange(), None, &exchange_opts(), &spec, &ReadOptions::default()).unwrap();
        for (format, ext) in FORMATS {
            let path = dir.path().join(format!("events.{ext}"));
            anomseq_io::write_table(&path, None, &events).unwrap();
            let small = ReadOptions { batch_size: 100, ..ReadOptions::default() };
            let got = sessionize_file(&path, Some(format), &exchange_opts(), &spec, &small).unwrap();
            assert_eq!(got.table, want.table, "{} from {format}", spec.list_column());
            assert_eq!(got.sessions, want.sessions, "{} from {format}", spec.list_column());
        }
    }
}

/// A Parquet file of many row groups is decoded on several threads, in file order:
/// the same batches, sessions and progress as one reader gives.
#[test]
fn row_groups_read_in_parallel_are_read_in_order() {
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    let dir = tempfile::tempdir().unwrap();
    let events = read_table(&exchange(), None, &ReadOptions::default()).unwrap();
    let path = dir.path().join("groups.parquet");
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(37)).build();
    let mut w = ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), events.schema(), Some(props)).unwrap();
    w.write(&events).unwrap();
    w.close().unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
    for spec in specs() {
        let want = sessionize_file(&exchange(), None, &exchange_opts(), &spec, &ReadOptions::default()).unwrap();
        let got = pool.install(|| sessionize_file(&path, None, &exchange_opts(), &spec, &ReadOptions::default()));
        let got = got.unwrap();
        assert_eq!(got.table, want.table, "{}", spec.list_column());
        assert_eq!(got.sessions, want.sessions, "{}", spec.list_column());
    }
    let read = |parallel: bool| {
        let progress = anomseq_io::ReadProgress::new();
        let o = ReadOptions {
            parallel,
            batch_size: 10,
            progress: Some(progress.clone()),
            dictionary_columns: vec!["Operation".into()],
            ..ReadOptions::default()
        };
        let batches: Vec<_> = pool.install(|| open(&path, None, &o).unwrap().collect::<Result<_, _>>().unwrap());
        (batches, progress.done())
    };
    // batches may be cut elsewhere (one reader runs on across row groups): the same rows
    let plain = |batches: &[arrow::array::RecordBatch]| -> Vec<arrow::array::ArrayRef> {
        let all = arrow::compute::concat_batches(&batches[0].schema(), batches).unwrap();
        all.columns().iter().map(|c| arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8).unwrap()).collect()
    };
    let (one, done_one) = read(false);
    let (many, done_many) = read(true);
    assert!(many.len() > 10);
    assert_eq!(one[0].schema(), many[0].schema());
    assert_eq!(plain(&one), plain(&many));
    assert_eq!((done_one, done_many), (events.num_rows() as u64, events.num_rows() as u64));
}

/// Compressed files as other tools write them (pandas' `to_feather` uses lz4 Arrow IPC;
/// Spark and pyarrow write gzip, zstd, lz4, brotli or Snappy Parquet), made here.
#[test]
fn every_compression_codec_reads() {
    use arrow::ipc::writer::{FileWriter, IpcWriteOptions, StreamWriter};
    use arrow::ipc::CompressionType;
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
    use parquet::file::properties::WriterProperties;

    let dir = tempfile::tempdir().unwrap();
    let input = fixture("exchange/demo_exchange_data.csv");
    let table = anomseq_io::read_table(&input, None, &ReadOptions::default()).unwrap();
    let check = |path: &std::path::Path| {
        let back = anomseq_io::read_table(path, None, &ReadOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(back, table, "{}", path.display());
    };
    for (name, codec) in [("lz4", CompressionType::LZ4_FRAME), ("zstd", CompressionType::ZSTD)] {
        let options = IpcWriteOptions::default().try_with_compression(Some(codec)).unwrap();
        let path = dir.path().join(format!("{name}.arrow"));
        let mut w =
            FileWriter::try_new_with_options(std::fs::File::create(&path).unwrap(), &table.schema(), options.clone())
                .unwrap();
        w.write(&table).unwrap();
        w.finish().unwrap();
        check(&path);
        let path = dir.path().join(format!("{name}.arrows"));
        let mut w = StreamWriter::try_new_with_options(std::fs::File::create(&path).unwrap(), &table.schema(), options)
            .unwrap();
        w.write(&table).unwrap();
        w.finish().unwrap();
        check(&path);
    }
    for (name, codec) in [
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("zstd", Compression::ZSTD(ZstdLevel::default())),
        ("lz4", Compression::LZ4_RAW),
        ("lz4-hadoop", Compression::LZ4),
        ("brotli", Compression::BROTLI(BrotliLevel::default())),
        ("snappy", Compression::SNAPPY),
        ("none", Compression::UNCOMPRESSED),
    ] {
        let path = dir.path().join(format!("{name}.parquet"));
        let props = WriterProperties::builder().set_compression(codec).build();
        let mut w = ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), table.schema(), Some(props)).unwrap();
        w.write(&table).unwrap();
        w.close().unwrap();
        check(&path);
    }
}

/// `events` with its time column replaced by `time`.
fn with_time(events: &arrow::array::RecordBatch, time: arrow::array::ArrayRef) -> arrow::array::RecordBatch {
    use arrow::datatypes::{Field, Schema};
    let i = events.schema().index_of("TimeGenerated").unwrap();
    let mut fields: Vec<Field> = events.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[i] = Field::new("TimeGenerated", time.data_type().clone(), true);
    let mut cols = events.columns().to_vec();
    cols[i] = time;
    arrow::array::RecordBatch::try_new(std::sync::Arc::new(Schema::new(fields)), cols).unwrap()
}

/// Timestamps coarser than nanoseconds are turned into nanoseconds in place on the
/// way in from a file: the sessions are the library's on the same columns, in every
/// unit, and a missing time still stops the run naming its row.
#[test]
fn time_columns_in_every_unit_give_the_librarys_sessions() {
    use arrow::datatypes::{DataType, TimeUnit};
    let dir = tempfile::tempdir().unwrap();
    let events = read_table(&exchange(), None, &ReadOptions::default()).unwrap();
    let text = events.column(events.schema().index_of("TimeGenerated").unwrap());
    let ns = arrow::compute::cast(text, &DataType::Timestamp(TimeUnit::Nanosecond, Some("+00:00".into()))).unwrap();
    for unit in [TimeUnit::Second, TimeUnit::Millisecond, TimeUnit::Microsecond, TimeUnit::Nanosecond] {
        let time = arrow::compute::cast(&ns, &DataType::Timestamp(unit, Some("+00:00".into()))).unwrap();
        let table = with_time(&events, time.clone());
        let path = dir.path().join(format!("events-{unit:?}.parquet"));
        write_table(&path, None, &table).unwrap();
        for spec in specs() {
            let got = sessionize_file(&path, None, &exchange_opts(), &spec, &ReadOptions::default()).unwrap();
            let want = anomseq_sessionize::sessionize(std::slice::from_ref(&table), &exchange_opts(), &spec).unwrap();
            assert_eq!(got.table, want.table, "{unit:?}, {}", spec.list_column());
            assert_eq!(got.sessions, want.sessions, "{unit:?}, {}", spec.list_column());
        }
        // one missing time: converted by the sessionizer, which names the row
        let mut values: Vec<Option<i64>> = arrow::compute::cast(&time, &DataType::Int64)
            .unwrap()
            .as_primitive::<arrow::datatypes::Int64Type>()
            .iter()
            .collect();
        values[7] = None;
        let holed = arrow::compute::cast(
            &arrow::array::Int64Array::from(values),
            &DataType::Timestamp(unit, Some("+00:00".into())),
        )
        .unwrap();
        let path = dir.path().join(format!("holed-{unit:?}.parquet"));
        write_table(&path, None, &with_time(&events, holed)).unwrap();
        let spec = &specs()[0];
        let err =
            sessionize_file(&path, None, &exchange_opts(), spec, &ReadOptions::default()).unwrap_err().to_string();
        assert!(err.contains("row 8") && err.contains("missing timestamp"), "{unit:?}: {err}");
    }
}
