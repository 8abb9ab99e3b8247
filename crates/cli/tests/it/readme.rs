//! Every `anomseq …` command in the README runs.

use std::path::Path;

use crate::cli::{anomseq, repo};

#[test]
fn readme_commands_run() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(repo().join("fixtures"), dir.path().join("fixtures")).unwrap();
    let mut ran = 0;
    let mut in_code = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let line = line.split(" #").next().unwrap().trim();
        let args = if let Some(rest) = line.strip_prefix("cargo run --release -- ") {
            rest
        } else if let Some(rest) = line.strip_prefix("anomseq ") {
            rest
        } else {
            continue;
        };
        if !in_code {
            continue;
        }
        let args: Vec<&str> = args.split_whitespace().collect();
        let (code, _, err) = anomseq(Path::new(dir.path()), &args);
        assert_eq!(code, 0, "README command `{line}` failed: {err}");
        ran += 1;
    }
    assert!(ran >= 4, "only {ran} README commands found");
}
