//! Readers never panic on arbitrary bytes.

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
}
