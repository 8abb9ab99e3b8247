//! `anomseq merge`: saved models combine into the model of all their sessions.

use crate::cli::anomseq;
use crate::hardening::{args, fails_once, refused_once, with_events, SESSIONIZE};

#[test]
fn merged_models_equal_the_model_of_all_their_sessions() {
    let dir = with_events();
    let run = |argv: &[&str]| {
        let (code, _, err) = anomseq(dir.path(), argv);
        assert_eq!(code, 0, "anomseq {argv:?}: {err}");
    };
    let mut values = args(SESSIONIZE, &["--params-col", "Parameters", "--values", "-q", "-o", "all.ndjson"]);
    values[0] = "sessionize";
    run(&values);
    // three shards of the sessions, in order
    let text = std::fs::read_to_string(dir.path().join("all.ndjson")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let third = lines.len() / 3;
    for (i, part) in [&lines[..third], &lines[third..2 * third], &lines[2 * third..]].iter().enumerate() {
        std::fs::write(dir.path().join(format!("part{i}.ndjson")), part.join("\n") + "\n").unwrap();
        run(&["-q", "train", &format!("part{i}.ndjson"), "-o", &format!("m{i}.json")]);
    }
    run(&["-q", "train", "all.ndjson", "-o", "all.json"]);
    run(&["-q", "merge", "m0.json", "m1.json", "m2.json", "-o", "merged.json"]);
    let merged = std::fs::read(dir.path().join("merged.json")).unwrap();
    assert_eq!(
        merged,
        std::fs::read(dir.path().join("all.json")).unwrap(),
        "merge == train on the union, byte for byte"
    );
    // and they score the same
    run(&["-q", "score", "all.ndjson", "--model", "merged.json", "-o", "a.csv"]);
    run(&["-q", "score", "all.ndjson", "--model", "all.json", "-o", "b.csv"]);
    assert_eq!(std::fs::read(dir.path().join("a.csv")).unwrap(), std::fs::read(dir.path().join("b.csv")).unwrap());

    // refusals: other session types, other options, one model, an output over an input
    let mut cmds = args(SESSIONIZE, &["-q", "-o", "cmds.parquet"]);
    cmds[0] = "sessionize";
    run(&cmds);
    run(&["-q", "train", "cmds.parquet", "-o", "cmds.json"]);
    fails_once(
        dir.path(),
        &["merge", "m0.json", "cmds.json", "-o", "x.json"],
        "cmds.json: a commands model cannot be merged with the commands+params+values model of m0.json",
    );
    run(&["-q", "train", "part1.ndjson", "--modellable-params", "Identity", "-o", "forced.json"]);
    fails_once(
        dir.path(),
        &["merge", "m0.json", "forced.json", "-o", "x.json"],
        "models of different options do not merge",
    );
    assert_eq!(anomseq(dir.path(), &["merge", "m0.json", "-o", "x.json"]).0, 2, "one model is a usage error");
    refused_once(
        dir.path(),
        &["merge", "m0.json", "m1.json", "-o", "m1.json"],
        "refusing to write over the model `m1.json`",
    );
    assert!(!dir.path().join("x.json").exists());
}
