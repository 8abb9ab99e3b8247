//! Hostile and careless use: planted symlinks, outputs over inputs, permissions, errors said once.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::cli::{anomseq, fixture};

pub(crate) const SESSIONIZE: &[&str] = &[
    "sessionize",
    "ev.csv",
    "--user-cols",
    "UserId,ClientIP",
    "--time-col",
    "TimeGenerated",
    "--event-col",
    "Operation",
];

/// A folder holding the Exchange demo events as `ev.csv`.
pub(crate) fn with_events() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("exchange/demo_exchange_data.csv"), dir.path().join("ev.csv")).unwrap();
    dir
}

pub(crate) fn args<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

/// Run, expecting exit 1 (a data error) and `needle` said exactly once in stderr.
pub(crate) fn fails_once(dir: &Path, argv: &[&str], needle: &str) -> String {
    exits_once(dir, argv, 1, needle)
}

/// Run, expecting exit 2 (a usage error) and `needle` said exactly once in stderr.
pub(crate) fn refused_once(dir: &Path, argv: &[&str], needle: &str) -> String {
    exits_once(dir, argv, 2, needle)
}

fn exits_once(dir: &Path, argv: &[&str], want: i32, needle: &str) -> String {
    let (code, _, err) = anomseq(dir, argv);
    assert_eq!(code, want, "anomseq {argv:?}: {err}");
    assert_eq!(err.matches(needle).count(), 1, "anomseq {argv:?}: {needle:?} not said once: {err}");
    err
}

#[test]
fn outputs_never_overwrite_inputs_or_each_other() {
    let dir = with_events();
    let before = std::fs::read(dir.path().join("ev.csv")).unwrap();
    for (more, needle) in [
        (&["-o", "./ev.csv"][..], "refusing to write over the input `ev.csv` (given as -o)"),
        (&["-o", "s.parquet", "--skip-bad-rows", "ev.csv"][..], "refusing to write over the input `ev.csv`"),
        (&["-o", "s.parquet", "--skip-bad-rows", "./s.parquet"][..], "given again as --skip-bad-rows"),
    ] {
        refused_once(dir.path(), &args(SESSIONIZE, more), needle);
    }
    // through a symlink and a hard link to the input
    std::os::unix::fs::symlink("ev.csv", dir.path().join("link.csv")).unwrap();
    std::fs::hard_link(dir.path().join("ev.csv"), dir.path().join("hard.csv")).unwrap();
    for out in ["link.csv", "hard.csv"] {
        refused_once(dir.path(), &args(SESSIONIZE, &["-o", out]), "refusing to write over the input");
    }
    assert_eq!(std::fs::read(dir.path().join("ev.csv")).unwrap(), before, "the input is intact");
    assert!(!dir.path().join("s.parquet").exists());

    // train, score and plot refuse too
    let (code, _, err) = anomseq(dir.path(), &args(SESSIONIZE, &["-o", "s.parquet", "-q"]));
    assert_eq!(code, 0, "{err}");
    refused_once(dir.path(), &["train", "s.parquet", "-o", "s.parquet"], "refusing to write over the input");
    refused_once(dir.path(), &["score", "s.parquet", "-o", "./s.parquet"], "refusing to write over the input");
    assert_eq!(anomseq(dir.path(), &["-q", "train", "s.parquet", "-o", "m.json"]).0, 0);
    refused_once(dir.path(), &["score", "s.parquet", "--model", "m.json", "-o", "m.json"], "over the model `m.json`");
}

#[test]
fn a_planted_symlink_at_the_destination_is_replaced_not_followed() {
    let dir = with_events();
    std::fs::write(dir.path().join("victim"), b"precious").unwrap();
    for out in ["s.parquet", "m.json", "r.html"] {
        std::os::unix::fs::symlink("victim", dir.path().join(out)).unwrap();
    }
    let run = |argv: &[&str]| {
        let (code, _, err) = anomseq(dir.path(), argv);
        assert_eq!(code, 0, "anomseq {argv:?}: {err}");
    };
    run(&args(SESSIONIZE, &["-q", "-o", "s.parquet"]));
    run(&["-q", "train", "s.parquet", "-o", "m.json"]);
    let mut report = args(SESSIONIZE, &["-q", "-o", "r.html"]);
    report[0] = "run";
    run(&report);
    assert_eq!(std::fs::read(dir.path().join("victim")).unwrap(), b"precious");
    for out in ["s.parquet", "m.json", "r.html"] {
        let m = std::fs::symlink_metadata(dir.path().join(out)).unwrap();
        assert!(m.file_type().is_file(), "{out} is a file of its own now");
    }
    // no temporary file is left behind
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn every_output_gets_the_permissions_of_any_new_file() {
    let dir = with_events();
    let bin = env!("CARGO_BIN_EXE_anomseq");
    for (umask, mode) in [("022", 0o644), ("027", 0o640)] {
        let script = format!(
            "umask {umask} && {bin} -q sessionize ev.csv --user-cols UserId --time-col TimeGenerated --event-col Operation -o s{umask}.parquet \
             && {bin} -q sessionize ev.csv --user-cols UserId --time-col TimeGenerated --event-col Operation -o s{umask}.csv \
             && {bin} -q train s{umask}.parquet -o m{umask}.json \
             && {bin} -q score s{umask}.parquet -o sc{umask}.arrow \
             && {bin} -q run ev.csv --user-cols UserId --time-col TimeGenerated --event-col Operation -o r{umask}.html"
        );
        let out = std::process::Command::new("sh").arg("-c").arg(&script).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        for f in ["s{}.parquet", "s{}.csv", "m{}.json", "sc{}.arrow", "r{}.html"] {
            let f = f.replace("{}", umask);
            let got = std::fs::metadata(dir.path().join(&f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(got, mode, "{f} under umask {umask}: {got:o}");
        }
    }
}

#[test]
fn errors_are_said_once_and_name_what_is_wrong() {
    let dir = with_events();
    let e = refused_once(dir.path(), &args(SESSIONIZE, &["-o", "no/such/folder/s.parquet"]), "does not exist");
    assert!(e.contains("the folder `no/such/folder` does not exist") && !e.contains(".tmp"), "{e}");
    let mut missing = args(SESSIONIZE, &["-o", "s.parquet"]);
    missing[1] = "missing.csv";
    fails_once(dir.path(), &missing, "No such file or directory");
    let (code, _, err) =
        anomseq(dir.path(), &args(&["--threads", "100000"], &args(SESSIONIZE, &["-q", "-o", "s.parquet"])));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("--threads 100000 is more than"), "{err}");
    assert_eq!(anomseq(dir.path(), &["--threads", "0", "demo"]).0, 2, "0 threads is a usage error");
}

#[test]
fn a_model_file_with_counts_past_2_pow_53_is_an_error_naming_the_table() {
    let dir = with_events();
    std::fs::copy(fixture("models/overflow.json"), dir.path().join("overflow.json")).unwrap();
    assert_eq!(anomseq(dir.path(), &args(SESSIONIZE, &["-q", "-o", "s.parquet"])).0, 0);
    fails_once(
        dir.path(),
        &["score", "s.parquet", "--model", "overflow.json", "-o", "sc.parquet"],
        "table `seq1_counts` sums to 18446744073709551652, past 2^53",
    );
    assert!(!dir.path().join("sc.parquet").exists());
}

#[test]
fn csv_exports_are_spreadsheet_safe_unless_asked_raw() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ev.csv"),
        "user,time,op\n=HYPERLINK(\"http://x\"),2020-01-01T00:00:00Z,+cmd\n@SUM(A1),2020-01-01T00:00:01Z,-x\nalice,2020-01-01T00:00:02Z,Set-User\n",
    )
    .unwrap();
    let base = ["sessionize", "ev.csv", "--user-cols", "user", "--time-col", "time", "--event-col", "op", "-q"];
    assert_eq!(anomseq(dir.path(), &args(&base, &["-o", "safe.csv"])).0, 0);
    assert_eq!(anomseq(dir.path(), &args(&base, &["-o", "raw.csv", "--raw-csv"])).0, 0);
    let safe = std::fs::read_to_string(dir.path().join("safe.csv")).unwrap();
    let raw = std::fs::read_to_string(dir.path().join("raw.csv")).unwrap();
    assert!(safe.contains("\"'=HYPERLINK(\"\"http://x\"\")\"") && safe.contains("'@SUM(A1)"), "{safe}");
    assert!(!safe.lines().any(|l| l.starts_with(['=', '+', '-', '@'])), "{safe}");
    assert!(raw.contains("\"=HYPERLINK(\"\"http://x\"\")\"") && raw.contains("\n@SUM(A1),"), "{raw}");
    // the event lists are JSON text: `["+cmd"]` never starts a formula
    assert!(safe.contains("[\"\"+cmd\"\"]"), "{safe}");
}

#[test]
fn standard_input_and_pipes_read_like_files() {
    let dir = with_events();
    let file_out = |argv: &[&str], out: &str| {
        let (code, _, err) = anomseq(dir.path(), &args(argv, &["-q", "-o", out]));
        assert_eq!(code, 0, "{err}");
        std::fs::read(dir.path().join(out)).unwrap()
    };
    let want = file_out(SESSIONIZE, "file.parquet");
    let bin = env!("CARGO_BIN_EXE_anomseq");
    let rest = "--user-cols UserId,ClientIP --time-col TimeGenerated --event-col Operation -q";
    for (i, script) in [
        format!("{bin} sessionize - --format csv {rest} -o out0.parquet < ev.csv"),
        format!("cat ev.csv | {bin} sessionize - --format csv {rest} -o out1.parquet"),
        format!("cat ev.csv | {bin} sessionize /dev/stdin --format csv {rest} -o out2.parquet"),
        format!("mkfifo fifo && (cat ev.csv > fifo &) && {bin} sessionize fifo --format csv {rest} -o out3.parquet"),
    ]
    .iter()
    .enumerate()
    {
        let out = std::process::Command::new("bash").arg("-c").arg(script).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(std::fs::read(dir.path().join(format!("out{i}.parquet"))).unwrap(), want, "{script}");
    }
    // a sessions file from standard input, read twice (its schema, then its rows)
    let script = format!("{bin} -q score - --format parquet -o scored.csv < file.parquet");
    let out = std::process::Command::new("bash").arg("-c").arg(&script).current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut no_format = args(SESSIONIZE, &["-o", "x.parquet"]);
    no_format[1] = "-";
    fails_once(dir.path(), &no_format, "standard input has no name to tell its format by; give --format");
}

#[test]
fn a_file_named_for_another_format_says_what_it_looks_like() {
    let dir = with_events();
    assert_eq!(anomseq(dir.path(), &args(SESSIONIZE, &["-q", "-o", "s.parquet"])).0, 0);
    std::fs::copy(dir.path().join("s.parquet"), dir.path().join("s.csv")).unwrap();
    std::fs::copy(dir.path().join("s.parquet"), dir.path().join("s.arrows")).unwrap();
    std::fs::copy(dir.path().join("ev.csv"), dir.path().join("ev.arrow")).unwrap();
    fails_once(
        dir.path(),
        &["score", "s.csv", "-o", "x.parquet"],
        "s.csv: expected CSV (from its name), but the file looks like a Parquet file (give --format parquet)",
    );
    fails_once(dir.path(), &["score", "s.arrows", "-o", "x.parquet"], "expected an Arrow IPC stream (from its name)");
    fails_once(
        dir.path(),
        &["score", "ev.arrow", "-o", "x.parquet"],
        "expected an Arrow IPC file (from its name), but the file looks like text",
    );
    fails_once(dir.path(), &["score", "s.parquet", "--format", "arrow", "-o", "x.parquet"], "as asked with --format");
    // with the right --format, the misnamed file reads
    assert_eq!(anomseq(dir.path(), &["-q", "score", "s.csv", "--format", "parquet", "-o", "x.parquet"]).0, 0);
}

#[test]
fn devices_pipes_and_standard_output_are_never_replaced() {
    let dir = with_events();
    assert_eq!(anomseq(dir.path(), &args(SESSIONIZE, &["-q", "-o", "s.parquet"])).0, 0);
    // a symlink to a device (as /dev/stdout is), and a named pipe
    std::os::unix::fs::symlink("/dev/null", dir.path().join("null-link.json")).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(dir.path().join("fifo.json")).status().unwrap().success());
    for out in ["null-link.json", "fifo.json", "/dev/null"] {
        refused_once(dir.path(), &["train", "s.parquet", "-o", out], "a device or a pipe, not a file");
    }
    assert!(std::fs::symlink_metadata(dir.path().join("null-link.json")).unwrap().file_type().is_symlink());
    refused_once(dir.path(), &["train", "s.parquet", "-o", "-"], "writing to standard output is not supported");
    // standard input redirected from the file named as the output
    let bin = env!("CARGO_BIN_EXE_anomseq");
    let before = std::fs::read(dir.path().join("ev.csv")).unwrap();
    let script = format!(
        "{bin} sessionize - --format csv --user-cols UserId --time-col TimeGenerated --event-col Operation -o ev.csv < ev.csv"
    );
    let out = std::process::Command::new("sh").arg("-c").arg(&script).current_dir(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to write over the input"));
    assert_eq!(std::fs::read(dir.path().join("ev.csv")).unwrap(), before);
    // a bad second output stops the run before the first is written
    refused_once(
        dir.path(),
        &args(SESSIONIZE, &["-o", "new.csv", "--skip-bad-rows", "no/such/bad.csv"]),
        "the folder `no/such` does not exist",
    );
    refused_once(dir.path(), &args(SESSIONIZE, &["-o", "new.txt"]), "cannot tell the format from the name");
    assert!(!dir.path().join("new.csv").exists());
}

#[test]
fn an_interrupted_run_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    // a slow producer: the run is copying standard input (into a temporary file in
    // TMPDIR, here the test's folder) when it is interrupted
    let bin = env!("CARGO_BIN_EXE_anomseq");
    let script = format!(
        "export TMPDIR=$PWD; (echo user,time,op; echo u,2020-01-01T00:00:00Z,A; exec sleep 4) 2>/dev/null | \
         {bin} sessionize - --format csv --user-cols user --time-col time --event-col op -o s.csv & \
         pid=$!; sleep 1; ls -a > seen.txt; kill -INT $pid; wait $pid; echo code=$?"
    );
    let out = std::process::Command::new("bash").arg("-c").arg(&script).current_dir(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("code=130"), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    let seen = std::fs::read_to_string(dir.path().join("seen.txt")).unwrap();
    assert!(seen.lines().any(|l| l.starts_with(".tmp")), "the copy of standard input was there: {seen}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "seen.txt")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn strings_from_the_logs_never_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let esc = "\u{1b}[31mred\u{1b}]0;pwned\u{7}";
    std::fs::write(
        dir.path().join("ev.csv"),
        format!("user,time,op\n{esc},2020-01-01T00:00:00Z,A{esc}\n{esc},2020-01-01T00:00:01Z,B\u{202e}gpj.exe\n"),
    )
    .unwrap();
    let base = ["sessionize", "ev.csv", "--user-cols", "user", "--time-col", "time", "--event-col", "op", "-q"];
    assert_eq!(anomseq(dir.path(), &args(&base, &["-o", "s.parquet"])).0, 0);
    let (code, out, err) = anomseq(dir.path(), &["score", "s.parquet", "--top", "3", "-o", "sc.parquet"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'), "{out:?}");
    assert!(out.contains("\\u{1b}[31mred"), "{out}");
    // in an error message: a bad time and a column name
    std::fs::write(dir.path().join("bad.csv"), format!("user,time,op{esc}\nu,{esc},A\n")).unwrap();
    let mut bad = args(&base, &["-o", "x.parquet"]);
    bad[1] = "bad.csv";
    let (code, _, err) = anomseq(dir.path(), &bad);
    assert_eq!(code, 1);
    assert!(!err.contains('\u{1b}') && err.contains("\\u{1b}"), "{err:?}");
}

#[test]
fn scores_written_in_any_format_plot() {
    let dir = with_events();
    assert_eq!(anomseq(dir.path(), &args(SESSIONIZE, &["-q", "-o", "s.parquet"])).0, 0);
    let mut pages = Vec::new();
    for ext in ["csv", "parquet", "arrow", "arrows", "ndjson"] {
        let scored = format!("scored.{ext}");
        let page = format!("t-{ext}.html");
        let (code, _, err) = anomseq(dir.path(), &["-q", "score", "s.parquet", "-o", &scored]);
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = anomseq(
            dir.path(),
            &["plot", &scored, "--time-col", "TimeGenerated_min", "--source-cols", "UserId,ClientIP", "-o", &page],
        );
        assert_eq!(code, 0, "plot {scored}: {err}");
        // the same sessions drawn, whatever the format read back
        let summary = err.lines().last().unwrap_or_default().split(", 0 rows").next().unwrap_or_default().to_owned();
        pages.push((ext, summary));
    }
    assert!(pages.windows(2).all(|w| w[0].1 == w[1].1), "{pages:?}");
}

#[test]
fn top_alone_prints_without_writing() {
    let dir = with_events();
    assert_eq!(anomseq(dir.path(), &args(SESSIONIZE, &["-q", "-o", "s.parquet"])).0, 0);
    let before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    let (code, out, err) = anomseq(dir.path(), &["-q", "score", "s.parquet", "--top", "3"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().next().is_some_and(|l| l.starts_with("#1 ")), "{out}");
    let after: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before.len(), after.len(), "nothing written");
    assert_eq!(anomseq(dir.path(), &["score", "s.parquet"]).0, 2, "neither -o nor --top: a usage error");
}

#[test]
fn run_scores_with_a_saved_model_and_a_bound() {
    let dir = with_events();
    assert_eq!(anomseq(dir.path(), &args(SESSIONIZE, &["-q", "-o", "s.parquet"])).0, 0);
    assert_eq!(anomseq(dir.path(), &["-q", "train", "s.parquet", "-o", "m.json"]).0, 0);
    let mut run = args(SESSIONIZE, &["-q", "--model", "m.json", "--upper-bound", "1e-4", "-o", "r.html"]);
    run[0] = "run";
    let (code, _, err) = anomseq(dir.path(), &run);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(
        html.contains("m.json") && html.contains("less rare than the bound"),
        "the page records the model and the bound"
    );
    // a model of another session type is refused before the report is written
    let mut values = args(SESSIONIZE, &["-q", "--params-col", "Parameters", "--values", "-o", "v.parquet"]);
    values[0] = "sessionize";
    assert_eq!(anomseq(dir.path(), &values).0, 0);
    assert_eq!(anomseq(dir.path(), &["-q", "train", "v.parquet", "-o", "v.json"]).0, 0);
    let mut wrong = args(SESSIONIZE, &["--model", "v.json", "-o", "w.html"]);
    wrong[0] = "run";
    refused_once(dir.path(), &wrong, "model cannot score the commands sessions");
    assert!(!dir.path().join("w.html").exists());
}

#[test]
fn scores_go_to_standard_output_with_a_format() {
    let dir = with_events();
    assert_eq!(anomseq(dir.path(), &args(SESSIONIZE, &["-q", "-o", "s.parquet"])).0, 0);
    assert_eq!(anomseq(dir.path(), &["-q", "score", "s.parquet", "-o", "file.csv"]).0, 0);
    let (code, out, err) = anomseq(dir.path(), &["-q", "score", "s.parquet", "-o", "-", "--output-format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, std::fs::read_to_string(dir.path().join("file.csv")).unwrap(), "the same bytes as the file");
    // a binary format through a pipe, read back from standard input
    let bin = env!("CARGO_BIN_EXE_anomseq");
    let script = format!(
        "{bin} -q score s.parquet -o - --output-format parquet | {bin} -q plot - --format parquet --time-col TimeGenerated_min -o t.html"
    );
    let run = std::process::Command::new("sh").arg("-c").arg(&script).current_dir(dir.path()).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    refused_once(dir.path(), &["score", "s.parquet", "-o", "-"], "-o - (standard output) needs --output-format");
    refused_once(
        dir.path(),
        &["score", "s.parquet", "-o", "-", "--output-format", "csv", "--top", "3"],
        "--top prints to standard output too",
    );
    // --output-format also names the format of a file whose extension says nothing
    assert_eq!(
        anomseq(dir.path(), &["-q", "score", "s.parquet", "-o", "scores.out", "--output-format", "ndjson"]).0,
        0
    );
    assert!(std::fs::read_to_string(dir.path().join("scores.out")).unwrap().starts_with("{\"UserId\""));
}
