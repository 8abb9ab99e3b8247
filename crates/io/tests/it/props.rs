//! Readers never panic on arbitrary bytes, and skipping bad rows loses none.

use anomseq_io::{read_sessions, read_table, sessionize_file, ReadOptions};
use anomseq_sessionize::{EventSpec, OnBadRow, SessionizeOptions};
use proptest::prelude::*;

fn seeds() -> Vec<Vec<u8>> {
    vec![
        b"user,time,op\nu,2020-01-01T00:00:00Z,A\n".to_vec(),
        b"{\"user\":\"u\",\"time\":\"2020-01-01T00:00:00Z\",\"op\":\"A\"}\n".to_vec(),
        b"PAR1\x00\x00PAR1".to_vec(),
        b"ARROW1\x00\x00\xff\xff\xff\xff".to_vec(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn readers_never_panic(seed in 0usize..4, cut in 0usize..64, noise in prop::collection::vec(any::<u8>(), 0..96), at in 0usize..64) {
        let mut bytes = seeds()[seed].clone();
        bytes.truncate(cut.max(1));
        let at = at.min(bytes.len());
        bytes.splice(at..at, noise);
        let dir = tempfile::tempdir().unwrap();
        for ext in ["csv", "ndjson", "parquet", "arrow", "arrows"] {
            let path = dir.path().join(format!("x.{ext}"));
            std::fs::write(&path, &bytes).unwrap();
            let _ = read_table(&path, None, &ReadOptions::default());
            let opts = SessionizeOptions::new(["user"], "time").on_bad_row(OnBadRow::Skip);
            let _ = sessionize_file(&path, None, &opts, &EventSpec::json_object("op", "op", true), &ReadOptions::default());
            let _ = read_sessions(&path, None, "op");
        }
    }

    #[test]
    fn skipping_loses_no_row(lines in prop::collection::vec(prop::sample::select(vec![
        "u,2020-01-01T00:00:00Z,A",
        "v,2020-01-01T00:00:05Z,B",
        "u,2020-01-01T00:00:09Z",
        "u,2020-01-01T00:00:09Z,A,B",
        "u,soon,C",
        "\"u\nv\",2020-01-01T00:01:00Z,D",
        "u,2020-01-01T00:00:07Z,\u{fffd}",
        "{\"user\":\"u\",\"time\":\"2020-01-01T00:00:03Z\",\"op\":\"E\"}",
        "[1]",
        "",
    ]), 0..24), utf8 in any::<bool>(), ext in prop::sample::select(vec!["csv", "ndjson"])) {
        let mut bytes = if ext == "csv" { b"user,time,op\n".to_vec() } else { Vec::new() };
        for l in &lines {
            bytes.extend_from_slice(l.as_bytes());
            bytes.push(b'\n');
        }
        if utf8 && !bytes.is_empty() {
            let at = bytes.len() / 2;
            bytes.insert(at, 0xff);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("x.{ext}"));
        std::fs::write(&path, &bytes).unwrap();
        let opts = SessionizeOptions::new(["user"], "time").on_bad_row(OnBadRow::Skip);
        let read = ReadOptions { batch_size: 3, ..ReadOptions::default() };
        if let Ok(out) = sessionize_file(&path, None, &opts, &EventSpec::commands("op"), &read) {
            prop_assert_eq!(out.n_rows, out.sessions.n_events() + out.bad_rows.len(), "{:?}", out.bad_rows);
            let rows: Vec<usize> = out.bad_rows.iter().map(|b| b.row).collect();
            prop_assert!(rows.windows(2).all(|w| w[0] < w[1]) && rows.iter().all(|&r| r >= 1 && r <= out.n_rows));
        }
    }
}
