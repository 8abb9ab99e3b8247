use anomseq_io::{read_sessions, read_table, sessionize_file, ReadOptions};
use anomseq_sessionize::{EventSpec, OnBadRow, SessionizeOptions};

/// Write `data` to a file named `x.{ext}` and run every reader path on it: none may panic.
pub fn read_all_ways(data: &[u8], ext: &str) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join(format!("x.{ext}"));
    std::fs::write(&path, data).expect("write");
    let _ = read_table(&path, None, &ReadOptions::default());
    let opts = SessionizeOptions::new(["user"], "time").on_bad_row(OnBadRow::Skip);
    for spec in [EventSpec::commands("op"), EventSpec::json_object("op", "params", true)] {
        let _ = sessionize_file(&path, None, &opts, &spec, &ReadOptions::default());
    }
    let _ = read_sessions(&path, None, "op_list");
}
