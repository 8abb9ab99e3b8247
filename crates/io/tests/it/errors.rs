//! Bad files: errors name file, row or line, column and value; skipping is explicit and counted.

use std::path::Path;

use anomseq_io::{read_table, sessionize_file, write_bad_rows, Format, ReadOptions};
use anomseq_sessionize::{EventSpec, OnBadRow, SessionizeOptions};

/// Write `content` to a file named `name`, sessionize it (user, time, op[, params]) and
/// compare the error (with the folder stripped) or the number of sessions.
fn check(name: &str, content: &[u8], spec: &EventSpec, expected: Result<usize, &str>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    let opts = SessionizeOptions::new(["user"], "time");
    match (sessionize_file(&path, None, &opts, spec, &ReadOptions::default()), expected) {
        (Ok(out), Ok(n)) => assert_eq!(out.sessions.len(), n, "{name}"),
        (Err(e), Err(msg)) => {
            let m = e.to_string().replace(&format!("{}/", dir.path().display()), "");
            assert_eq!(m, msg, "{name}");
        }
        (got, want) => panic!("{name}: got {:?}, want {want:?}", got.map(|o| o.sessions.len())),
    }
}

const HEADER: &str = "user,time,op,params\n";

#[test]
fn bad_files() {
    let cmds = EventSpec::commands("op");
    let vals = EventSpec::json_object("op", "params", true);
    check("ok.csv", format!("{HEADER}u,2020-01-01T00:00:00Z,A,{{}}\n").as_bytes(), &cmds, Ok(1));
    check("empty.csv", b"", &cmds, Err("empty.csv: the file is empty"));
    check("empty.ndjson", b"", &cmds, Err("empty.ndjson: the file is empty"));
    check("blank.ndjson", b"\n\n", &cmds, Err("blank.ndjson: the file is empty"));
    check(
        "missing.csv",
        b"user,when,op\nu,2020-01-01T00:00:00Z,A\n",
        &cmds,
        Err("missing.csv: no column `time`; the columns are: user, when, op"),
    );
    check(
        "time.csv",
        format!("{HEADER}u,2020-01-01T00:00:00Z,A,\nu,2020-02-30T00:00:00Z,B,\n").as_bytes(),
        &cmds,
        Err("time.csv: row 2, column `time`, value `2020-02-30T00:00:00Z`: expected an RFC 3339 / ISO 8601 date and \
             time such as `2020-04-18T04:50:30Z` (error parsing date)"),
    );
    check(
        "params.csv",
        format!("{HEADER}u,2020-01-01T00:00:00Z,A,\"{{\"\"a\"\": 1\"\n").as_bytes(),
        &vals,
        Err("params.csv: row 1, column `params`, value `{\"a\": 1`: expected a JSON object of parameters (EOF while \
             parsing an object at line 1 column 7)"),
    );
    let mut utf8 = format!("{HEADER}u,2020-01-01T00:00:00Z,A,\n").into_bytes();
    utf8.extend_from_slice(b"u,2020-01-01T00:00:00Z,\xff\xfe,\n");
    check(
        "utf8.csv",
        &utf8,
        &cmds,
        Err("utf8.csv: line 3: column `op` is not valid UTF-8 (byte 0 of `\u{fffd}\u{fffd}`)"),
    );
    check(
        "bad.ndjson",
        b"{\"user\":\"u\",\"time\":\"2020-01-01T00:00:00Z\",\"op\":\"A\"}\n{\"user\": \"u\",\n",
        &cmds,
        Err("bad.ndjson: line 2: expected a JSON object (EOF while parsing a value at column 13)"),
    );
    check(
        "utf8.ndjson",
        b"{\"user\":\"u\",\"time\":\"2020-01-01T00:00:00Z\",\"op\":\"\xff\"}\n",
        &cmds,
        Err("utf8.ndjson: line 1: invalid UTF-8 at byte 48"),
    );
    check(
        "nested.ndjson",
        b"{\"user\":\"u\",\"time\":\"2020-01-01T00:00:00Z\",\"op\":\"A\",\"params\":{\"k\":[1, 2]}}\n",
        &vals,
        Ok(1),
    );
    check(
        "x.txt",
        b"a",
        &cmds,
        Err("x.txt: cannot tell the format from the name; name it .csv, .parquet, .arrow, .arrows or .ndjson, or give --format"),
    );
    check(
        "garbage.parquet",
        b"not parquet at all",
        &cmds,
        Err("garbage.parquet: expected Parquet (from its name), but the file looks like text, not one JSON object \
             per line (CSV? give --format csv)"),
    );
    let mut par1 = b"PAR1".to_vec();
    par1.extend_from_slice(&[0; 12]);
    check("corrupt.parquet", &par1, &cmds, Err("corrupt.parquet: Parquet error: Invalid Parquet file. Corrupt footer"));
}

#[test]
fn skipped_rows_are_counted_and_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.csv");
    std::fs::write(
        &path,
        format!("{HEADER}u,2020-01-01T00:00:00Z,A,\nu,soon,B,\nu,2020-01-01T00:00:01Z,,\nu,2020-01-01T00:00:02Z,C,\n"),
    )
    .unwrap();
    let opts = SessionizeOptions::new(["user"], "time").on_bad_row(OnBadRow::Skip);
    let out = sessionize_file(&path, None, &opts, &EventSpec::commands("op"), &ReadOptions::default()).unwrap();
    assert_eq!(out.n_rows, 4);
    assert_eq!(out.sessions.n_events(), 2);
    let rows: Vec<(usize, &str)> = out.bad_rows.iter().map(|b| (b.row, b.column.as_str())).collect();
    assert_eq!(rows, vec![(2, "time"), (3, "op")]);
    let side = dir.path().join("bad.csv");
    write_bad_rows(&side, None, &out.bad_rows, &Default::default()).unwrap();
    let text = std::fs::read_to_string(&side).unwrap();
    // cell-level bad rows get their line too (the header is line 1)
    assert!(text.starts_with("row,line,column,value,reason\n2,3,time,soon,expected an RFC 3339"), "{text}");
    assert!(text.contains("3,4,op,null,missing event name"), "{text}");
    let t = read_table(&side, Some(Format::Csv), &ReadOptions::default()).unwrap();
    assert_eq!(t.num_rows(), 2);
}

#[test]
fn header_only_file_gives_no_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.csv");
    std::fs::write(&path, HEADER).unwrap();
    let opts = SessionizeOptions::new(["user"], "time");
    let out = sessionize_file(&path, None, &opts, &EventSpec::commands("op"), &ReadOptions::default()).unwrap();
    assert_eq!(out.table.num_rows(), 0);
    assert!(out.sessions.is_empty());
    let _ = Path::new("");
}

/// Files the fuzzers found (fixtures/malformed): each arrow 59.3 panic or unbounded
/// allocation is now a read error naming the file, on every reading path.
#[test]
fn malformed_files_found_by_fuzzing() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("read_ipc-buffer_past_body.arrows", "has a buffer of"),
        ("read_ipc-footer_block_negative_length.arrow", "claims"),
        ("read_ipc-message_body_length_huge.arrows", "claims a body of"),
        ("read_ipc-null_buffer_too_short.arrows", "has a buffer of"),
        ("read_ipc-schema_without_fields.arrows", "malformed file: the decoder failed"),
        ("read_parquet-arrow_schema_type_none.parquet", "malformed file: the decoder failed"),
    ];
    for (name, why) in cases {
        let ext = name.rsplit('.').next().unwrap();
        let path = dir.path().join(format!("x.{ext}"));
        std::fs::copy(crate::common::fixture(&format!("malformed/{name}")), &path).unwrap();
        let small = ReadOptions { batch_size: 3, ..ReadOptions::default() };
        for read in [ReadOptions::default(), small] {
            let e = read_table(&path, None, &read).expect_err(name).to_string();
            assert!(e.contains(&path.display().to_string()) && e.contains(why), "{name}: {e}");
            let opts = SessionizeOptions::new(["user"], "time");
            let e = sessionize_file(&path, None, &opts, &EventSpec::commands("op"), &read).expect_err(name).to_string();
            assert!(e.contains(&path.display().to_string()), "{name}: {e}");
        }
        let e = anomseq_io::read_sessions(&path, None, "op_list").expect_err(name).to_string();
        assert!(e.contains(&path.display().to_string()), "{name}: {e}");
    }
}

#[test]
fn temporary_files_are_exclusive_and_unpredictable() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    // the name the writer once used, planted as a symlink
    let planted = dir.path().join(format!(".out.csv.{}.tmp", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let out = dir.path().join("out.csv");
    let batch = arrow::array::RecordBatch::try_from_iter([(
        "a",
        std::sync::Arc::new(arrow::array::StringArray::from(vec!["x"])) as arrow::array::ArrayRef,
    )])
    .unwrap();
    anomseq_io::write_table(&out, None, &batch).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(std::fs::symlink_metadata(&planted).unwrap().file_type().is_symlink());
    // an unfinished file leaves nothing behind, and the destination as it was
    let mut f = anomseq_io::AtomicFile::create(&out).unwrap();
    std::io::Write::write_all(f.file(), b"half").unwrap();
    drop(f);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "a\nx\n");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

/// Sessionize `content` (file `name`, user/time/op) skipping bad rows: the sessions'
/// commands and the bad rows as (row, line, reason start); without skipping, the error.
fn skip_check(name: &str, content: &[u8], commands: &[&str], bad: &[(usize, Option<usize>, &str)], error: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    let spec = EventSpec::commands("op");
    let opts = SessionizeOptions::new(["user"], "time");
    let out = sessionize_file(&path, None, &opts.clone().on_bad_row(OnBadRow::Skip), &spec, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let got: Vec<String> = (0..out.sessions.len())
        .flat_map(|s| out.sessions.session_cmds(s).iter().map(|&c| out.sessions.names().resolve(c).to_owned()))
        .collect();
    assert_eq!(got, commands, "{name}");
    assert_eq!(out.n_rows, commands.len() + bad.len(), "{name}: every row counted");
    assert_eq!(out.bad_rows.len(), bad.len(), "{name}: {:?}", out.bad_rows);
    for (b, &(row, line, reason)) in out.bad_rows.iter().zip(bad) {
        assert_eq!((b.row, b.line), (row, line), "{name}: {b:?}");
        assert!(b.reason.starts_with(reason), "{name}: {b:?} lacks {reason:?}");
    }
    let e = sessionize_file(&path, None, &opts, &spec, &ReadOptions::default()).unwrap_err();
    assert_eq!(e.to_string().replace(&format!("{}/", dir.path().display()), ""), error, "{name}");
}

#[test]
fn every_structural_error_is_skippable_and_counted() {
    let t = |s: u32| format!("2020-01-01T00:00:0{s}Z");
    // a ragged row (too few and too many fields), with a bad cell after it
    let csv = format!("user,time,op\nu,{},A\nu,{}\nu,{},B,extra\nu,soon,C\nu,{},D\n", t(0), t(1), t(2), t(3));
    skip_check(
        "ragged.csv",
        csv.as_bytes(),
        &["A", "D"],
        &[(2, Some(3), "has 2 fields"), (3, Some(4), "has 4 fields"), (4, Some(5), "expected an RFC 3339")],
        "ragged.csv: line 3: has 2 fields, the header has 3",
    );
    // invalid UTF-8, and a quoted cell over two lines before it (rows are not lines)
    let mut bytes = format!("user,time,op\nu,{},\"A\nA\"\nu,{},", t(0), t(1)).into_bytes();
    bytes.extend_from_slice(b"\xff\n");
    bytes.extend_from_slice(format!("u,{},B\n", t(2)).as_bytes());
    skip_check(
        "utf8.csv",
        &bytes,
        &["A\nA", "B"],
        &[(2, Some(4), "column `op` is not valid UTF-8")],
        "utf8.csv: line 4: column `op` is not valid UTF-8 (byte 0 of `\u{fffd}`)",
    );
    // NDJSON: a non-object line, invalid UTF-8, a blank line (not a row), a truncated last line
    let mut nd = Vec::new();
    nd.extend_from_slice(format!("{{\"user\":\"u\",\"time\":\"{}\",\"op\":\"A\"}}\n", t(0)).as_bytes());
    nd.extend_from_slice(b"[1,2]\n");
    nd.extend_from_slice(b"{\"user\":\"u\",\"op\":\"\xff\"}\n\n");
    nd.extend_from_slice(format!("{{\"user\":\"u\",\"time\":\"{}\",\"op\":\"B\"}}\n", t(1)).as_bytes());
    nd.extend_from_slice(format!("{{\"user\":\"u\",\"time\":\"{}\",\"op\":\"C", t(2)).as_bytes());
    skip_check(
        "lines.ndjson",
        &nd,
        &["A", "B"],
        &[
            (2, Some(2), "expected a JSON object"),
            (3, Some(3), "invalid UTF-8"),
            (5, Some(6), "expected a JSON object"),
        ],
        "lines.ndjson: line 2: expected a JSON object (invalid type: sequence, expected a JSON object at column 0)",
    );
}

#[test]
fn numbers_keep_their_exact_text_and_headers_are_unique() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ids.ndjson");
    // two 30-digit user ids one apart (equal as f64), and a command given as a number
    std::fs::write(
        &path,
        "{\"user\":123456789012345678901234567890,\"time\":\"2020-01-01T00:00:00Z\",\"op\":1.50}\n\
         {\"user\":123456789012345678901234567891,\"time\":\"2020-01-01T00:00:01Z\",\"op\":\"1.50\"}\n\
         {\"user\":\"123456789012345678901234567890\",\"time\":\"2020-01-01T00:00:02Z\",\"op\":1.5}\n",
    )
    .unwrap();
    let opts = SessionizeOptions::new(["user"], "time");
    let out = sessionize_file(&path, None, &opts, &EventSpec::commands("op"), &ReadOptions::default()).unwrap();
    assert_eq!(out.sessions.len(), 2, "two users: the number and the string of the same digits are one");
    let names: Vec<String> = out.sessions.names().iter().map(str::to_owned).collect();
    assert_eq!(names, ["1.50", "1.5"], "1.50 and 1.5 are two commands");
    let users = read_table(&path, None, &ReadOptions::default()).unwrap();
    let u = users.column(0).as_any().downcast_ref::<arrow::array::StringArray>().unwrap();
    assert_eq!(u.value(1), "123456789012345678901234567891");

    check(
        "dup.csv",
        b"user,time,op,time\nu,2020-01-01T00:00:00Z,A,x\n",
        &EventSpec::commands("op"),
        Err("dup.csv: line 1: column `time` appears twice in the header (columns 2 and 4)"),
    );
}

#[test]
fn line_numbers_count_crlf_and_lone_cr_and_ndjson_is_strict_about_keys() {
    let t = |s: u32| format!("2020-01-01T00:00:0{s}Z");
    for (name, eol) in [("crlf.csv", "\r\n"), ("cr.csv", "\r"), ("lf.csv", "\n")] {
        // a quoted cell over two lines, then a bad time, then a ragged row
        let csv = [
            "user,time,op".to_owned(),
            format!("u,{},\"A{eol}A\"", t(0)),
            "u,soon,B".to_owned(),
            format!("u,{}", t(1)),
            format!("u,{},C", t(2)),
        ]
        .join(eol)
            + eol;
        let multi = format!("A{eol}A");
        skip_check(
            name,
            csv.as_bytes(),
            &[multi.as_str(), "C"],
            &[(2, Some(4), "expected an RFC 3339"), (3, Some(5), "has 2 fields")],
            &format!("{name}: line 5: has 2 fields, the header has 3"),
        );
    }
    // a byte-order mark is not data; a key given twice is a bad row
    let mut nd = b"\xEF\xBB\xBF".to_vec();
    nd.extend_from_slice(format!("{{\"user\":\"u\",\"time\":\"{}\",\"op\":\"A\"}}\n", t(0)).as_bytes());
    nd.extend_from_slice(format!("{{\"user\":\"u\",\"user\":\"v\",\"time\":\"{}\",\"op\":\"B\"}}\n", t(1)).as_bytes());
    skip_check(
        "bom.ndjson",
        &nd,
        &["A"],
        &[(2, Some(2), "key `user` appears twice in the object")],
        "bom.ndjson: line 2: key `user` appears twice in the object",
    );
}

#[test]
fn bad_rows_come_in_file_order_with_their_lines() {
    let t = |s: u32| format!("2020-01-01T00:00:0{s}Z");
    // a missing name before a bad time: the sessionizer finds the time first
    skip_check(
        "order.csv",
        format!("user,time,op\nu,{},\nu,bogus,B\nu,{},C\n", t(0), t(1)).as_bytes(),
        &["C"],
        &[(1, Some(2), "missing event name"), (2, Some(3), "expected an RFC 3339")],
        "order.csv: row 2, column `time`, value `bogus`: expected an RFC 3339 / ISO 8601 date and time such as \
         `2020-04-18T04:50:30Z`",
    );
    // blank lines before a bad row
    skip_check(
        "blank.csv",
        format!("user,time,op\nu,{},A\n\n\nu,{}\n\r\n\r\nu,{},B,x\n", t(0), t(1), t(2)).as_bytes(),
        &["A"],
        &[(2, Some(5), "has 2 fields"), (3, Some(8), "has 4 fields")],
        "blank.csv: line 5: has 2 fields, the header has 3",
    );
    // NDJSON: a string that cannot be decoded (a lone surrogate) is a bad row, not the end of the run
    let nd = format!(
        "{{\"user\":\"u\",\"time\":\"{}\",\"op\":\"\\ud800\"}}\n{{\"user\":\"u\",\"time\":\"{}\",\"op\":\"A\"}}\n",
        t(0),
        t(1)
    );
    skip_check(
        "surrogate.ndjson",
        nd.as_bytes(),
        &["A"],
        &[(1, Some(1), "key `op`: unexpected end of hex escape")],
        "surrogate.ndjson: line 1: key `op`: unexpected end of hex escape",
    );
}
