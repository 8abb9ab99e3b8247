use anomseq_io::{read_sessions, read_table, sessionize_file, ReadOptions};
use anomseq_sessionize::{EventSpec, OnBadRow, SessionizeOptions};

/// Panics inside the arrow/parquet crates are turned into read errors by
/// `anomseq_io::open` (the pinned 59.3 decoders panic on some malformed files, see
/// the README); let those through silently, and keep libFuzzer's abort for every
/// other panic, ours above all.
fn tolerate_decoder_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info.location().map(|l| l.file()).unwrap_or("");
            let in_decoder = file.contains("/.cargo/registry/") && (file.contains("/arrow-") || file.contains("/parquet-"));
            if !in_decoder {
                fuzzer_hook(info);
            }
        }));
    });
}

/// Write `data` to a file named `x.{ext}` and run every reader path on it: none may panic.
///
/// `read_table` and `sessionize_file` read in batches of 3 rows, so small inputs
/// already span several batches (and the readers skip the 64Ki-row buffers of the
/// default, which cost most of each run under the sanitizer); `read_sessions`
/// keeps the default options.
pub fn read_all_ways(data: &[u8], ext: &str) {
    tolerate_decoder_panics();
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join(format!("x.{ext}"));
    std::fs::write(&path, data).expect("write");
    let read = ReadOptions { batch_size: 3, ..ReadOptions::default() };
    let _ = read_table(&path, None, &read);
    let opts = SessionizeOptions::new(["user"], "time").on_bad_row(OnBadRow::Skip);
    for spec in [EventSpec::commands("op"), EventSpec::json_object("op", "params", true)] {
        let _ = sessionize_file(&path, None, &opts, &spec, &read);
    }
    let _ = read_sessions(&path, None, "op_list");
}
