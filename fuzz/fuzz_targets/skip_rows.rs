#![no_main]
//! Skipping bad rows loses nothing: on arbitrary CSV and NDJSON bytes, every row the
//! sessionizer counts is an event of a session or a reported bad row, each bad row
//! numbered within the rows counted.

use anomseq_io::{sessionize_file, ReadOptions};
use anomseq_sessionize::{EventSpec, OnBadRow, SessionizeOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    anomseq_io::quiet_decoder_panics();
    let dir = tempfile::tempdir().expect("temporary folder");
    let read = ReadOptions { batch_size: 3, ..ReadOptions::default() };
    let opts = SessionizeOptions::new(["user"], "time").on_bad_row(OnBadRow::Skip);
    for ext in ["csv", "ndjson"] {
        let path = dir.path().join(format!("x.{ext}"));
        std::fs::write(&path, data).expect("write");
        let Ok(out) = sessionize_file(&path, None, &opts, &EventSpec::commands("op"), &read) else { continue };
        assert_eq!(out.n_rows, out.sessions.n_events() + out.bad_rows.len(), "{ext}: a row was lost");
        let mut last = 0;
        for b in &out.bad_rows {
            assert!(b.row > last && b.row <= out.n_rows, "{ext}: bad row {b:?} of {}", out.n_rows);
            last = b.row;
        }
    }
});
