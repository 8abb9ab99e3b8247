//! What every reader target runs: each reader path on the same bytes.

use anomseq_io::{read_sessions, read_table, sessionize_file, ReadOptions};
use anomseq_sessionize::{EventSpec, OnBadRow, SessionizeOptions};

/// Write `data` to a file named `x.{ext}` and run every reader path on it: none may panic.
///
/// `read_table` and `sessionize_file` read in batches of 3 rows, so small inputs
/// already span several batches (and the readers skip the 64Ki-row buffers of the
/// default, which cost most of each run under the sanitizer); `read_sessions`
/// keeps the default options.
pub fn read_all_ways(data: &[u8], ext: &str) {
    // panics that `anomseq_io::open` catches inside the arrow/parquet decoders (the
    // pinned 59.3 releases panic on some malformed files, see the README) are errors,
    // not crashes: keep them from reaching libFuzzer's aborting hook; every other
    // panic, ours above all, still does
    anomseq_io::quiet_decoder_panics();
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join(format!("x.{ext}"));
    std::fs::write(&path, data).expect("write");
    let read = ReadOptions { batch_size: 3, ..ReadOptions::default() };
    let _ = read_table(&path, None, &read);
    let skip = ReadOptions { on_bad_line: OnBadRow::Skip, ..read.clone() };
    let _ = read_table(&path, None, &skip);
    let opts = SessionizeOptions::new(["user"], "time").on_bad_row(OnBadRow::Skip);
    for spec in [EventSpec::commands("op"), EventSpec::json_object("op", "params", true)] {
        let _ = sessionize_file(&path, None, &opts, &spec, &read);
    }
    let _ = read_sessions(&path, None, "op_list");
}
