//! Scores that explain themselves: `--top` blocks, scored columns in every format, `run`'s outputs.

use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type, UInt64Type};

use crate::cli::{check_error, fixture, ok, read, SESSIONIZE_CMDS};

fn sessionized(d: &Path, extra: &[&str], out: &str) {
    let csv = fixture("exchange/demo_exchange_data.csv");
    let mut args = vec!["-q", "sessionize", csv.to_str().unwrap()];
    args.extend(&SESSIONIZE_CMDS[1..]);
    args.extend(extra);
    args.extend(["-o", out]);
    ok(d, &args);
}

/// The probabilities of the steps of the first block, and its likelihood.
fn first_block(out: &str) -> (f64, Vec<f64>) {
    let head = out.lines().next().unwrap();
    let lik: f64 = head.split(" = ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let ps = out
        .split("\n\n")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split("p = ").nth(1))
        .map(|p| p.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    (lik, ps)
}

#[test]
fn top_blocks_multiply_out_and_mark_what_the_model_never_saw() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sessionized(d, &["--params-col", "Parameters", "--values"], "v.parquet");
    let out = ok(d, &["-q", "score", "v.parquet", "--top", "3"]);
    let (lik, ps) = first_block(&out);
    let product: f64 = ps.iter().product();
    // printed to 7 digits
    assert!((product - lik).abs() <= 1e-5 * lik, "{product} vs {lik}: {out}");
    assert!(!out.contains("[unseen"), "trained on these sessions: nothing unseen: {out}");
    // values are shown whole, wrapped with a deeper indent, never cut
    assert!(out.contains("Identity = NAMPR06A007.PROD.OUTLOOK.COM/Microsoft Exchange Hosted"), "{out}");
    assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
    // a model of other commands: everything is unseen, and said so
    let other = d.join("other.ndjson");
    std::fs::write(&other, "{\"events\":[{\"name\":\"Zz\",\"params\":{\"Identity\":\"x\"}}]}\n").unwrap();
    ok(d, &["-q", "train", "other.ndjson", "-o", "other.model"]);
    let out = ok(d, &["-q", "score", "v.parquet", "--model", "other.model", "--top", "1"]);
    assert!(
        out.contains("unseen in training:") && out.contains("13 commands") && out.contains("[unseen command]"),
        "{out}"
    );
    assert!(out.contains("[unseen parameter]"), "{out}");
    let t = read(&d.join("v.parquet"));
    assert_eq!(t.num_rows(), 400);
    // the unseen count is written too
    ok(d, &["-q", "score", "v.parquet", "--model", "other.model", "-o", "u.parquet"]);
    let u = read(&d.join("u.parquet"));
    let unseen = u.column_by_name("unseen").unwrap().as_primitive::<UInt64Type>();
    assert!((0..400).all(|i| unseen.value(i) > 0));
}

#[test]
fn scored_files_of_every_format_read_back_and_rescore() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sessionized(d, &[], "s.parquet");
    assert_eq!(read(&d.join("s.parquet")).num_rows(), 400);
    for ext in ["csv", "parquet", "arrow", "arrows", "ndjson"] {
        let scored = format!("scored.{ext}");
        ok(d, &["-q", "--raw-csv", "score", "s.parquet", "-o", &scored]);
        ok(d, &["-q", "plot", &scored, "--time-col", "TimeGenerated_min", "-o", &format!("p-{ext}.html")]);
        // scored again: the old scores are replaced, with a note
        let (code, _, err) = crate::cli::anomseq(d, &["score", &scored, "-o", &format!("again-{ext}.parquet")]);
        assert_eq!(code, 0, "{ext}: {err}");
        assert!(err.contains("already scored: replacing its columns rarest_window3_likelihood"), "{ext}: {err}");
        let t = read(&d.join(format!("again-{ext}.parquet")));
        assert_eq!(t.column_by_name("rarest_window3_likelihood").unwrap().data_type(), &DataType::Float64, "{ext}");
        assert!(matches!(t.column_by_name("rarest_window3").unwrap().data_type(), DataType::List(_)), "{ext}");
        let f = t.column_by_name("rarest_window3_factors").unwrap().as_list::<i32>().clone();
        let lik = t.column_by_name("rarest_window3_likelihood").unwrap().as_primitive::<Float64Type>().clone();
        for i in 0..t.num_rows() {
            if lik.is_valid(i) {
                let p: f64 = f.value(i).as_primitive::<Float64Type>().values().iter().product();
                assert!((p - lik.value(i)).abs() <= 1e-12 * lik.value(i), "{ext} row {i}");
            }
        }
        assert_eq!(t.schema().fields().iter().filter(|f| f.name() == "unseen").count(), 1, "{ext}");
    }
}

#[test]
fn run_writes_data_or_a_report_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = fixture("exchange/demo_exchange_data.csv");
    let base: Vec<&str> = {
        let mut v = vec!["-q", "run", csv.to_str().unwrap()];
        v.extend(&SESSIONIZE_CMDS[1..]);
        v
    };
    let with = |extra: &[&str]| -> Vec<String> { base.iter().chain(extra).map(|s| s.to_string()).collect() };
    let args = with(&["-o", "scored.parquet", "--report", "r.html", "--mode", "profile", "--colour-by", "UserId"]);
    ok(d, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let t = read(&d.join("scored.parquet"));
    assert!(t.column_by_name("profile_score").is_some() && t.column_by_name("rarest_window3_factors").is_some());
    let html = std::fs::read_to_string(d.join("r.html")).unwrap();
    assert!(html.contains("profile_score (higher is rarer)"), "the axis says the direction");
    assert!(html.contains("<ol class=\"steps\""), "the table explains each step");
    assert!(html.contains("<tr><th scope=\"row\">mode</th><td>profile</td></tr>"), "the mode is recorded");
    // few points: the rest are a band, and the page says so
    let args = with(&["-o", "few.html", "--max-points", "5", "--upper-bound", "0.001"]);
    ok(d, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let html = std::fs::read_to_string(d.join("few.html")).unwrap();
    assert!(html.contains("(the 5 rarest as points, the other "), "summary");
    // pages must be .html; data files need a known extension
    for (extra, needle) in [
        (&["-o", "x.parquet", "--report", "r.parquet"][..], "--report r.parquet: a report is an HTML page"),
        (&["-o", "x.foo"][..], "-o x.foo: name the report .html, or the scored sessions"),
        (&["-o", "x.html", "--report", "r.html"][..], "-o already names the report"),
        (&["-o", "x.html", "--max-points", "0"][..], "--max-points"),
    ] {
        let args = with(extra);
        check_error(d, &args.iter().map(String::as_str).collect::<Vec<_>>(), 2, &[needle]);
    }
    check_error(
        d,
        &["plot", "scored.parquet", "--time-col", "TimeGenerated_min", "-o", "p.png"],
        2,
        &["name it .html"],
    );
}
