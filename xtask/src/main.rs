//! anomseq's automation: `cargo xtask <command>`.
//!
//! - `ci`: what CI checks — formatting, clippy, every test, the layering rule;
//! - `bench`: the criterion benchmarks (`--quick` for a short run);
//! - `fixtures`: copy the oracle files the tests use from `../shared`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

mod tidy;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => bench(args[1..].iter().any(|a| a == "--quick")),
        Some("fixtures") => fixtures(),
        _ => {
            eprintln!("usage: cargo xtask <ci | bench [--quick] | fixtures>");
            std::process::exit(2)
        }
    }
}

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn cargo(args: &[&str]) -> Result<()> {
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(env!("CARGO")).args(args).current_dir(root()).status()?;
    if !status.success() {
        bail!("cargo {} failed: {status}", args.join(" "));
    }
    Ok(())
}

fn ci() -> Result<()> {
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])?;
    cargo(&["test", "--workspace", "--locked"])?;
    tidy::check_layering()?;
    Ok(())
}

fn bench(quick: bool) -> Result<()> {
    let mut args = vec!["bench", "-p", "anomseq-benches", "--"];
    if quick {
        args.extend(["--warm-up-time", "1", "--measurement-time", "2"]);
    }
    cargo(&args)
}

fn fixtures() -> Result<()> {
    let shared = root().join("../shared");
    if !shared.is_dir() {
        bail!("{} not found: fixtures are copied from the shared folder beside the checkout", shared.display());
    }
    let copies = [
        ("fixtures/exchange", "exchange"),
        ("oracle/exchange", "oracle-exchange"),
        ("oracle/msticpy-tests", "msticpy-tests"),
    ];
    for (from, to) in copies {
        let (src, dst) = (shared.join(from), root().join("fixtures").join(to));
        std::fs::create_dir_all(&dst)?;
        for entry in std::fs::read_dir(&src).with_context(|| src.display().to_string())? {
            let entry = entry?;
            std::fs::copy(entry.path(), dst.join(entry.file_name()))
                .with_context(|| format!("copying {}", entry.path().display()))?;
            eprintln!("copied {}", entry.path().display());
        }
    }
    Ok(())
}
