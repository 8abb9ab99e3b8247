//! anomseq's automation: `cargo xtask <command>`.
//!
//! - `test`: every test — Rust (`cargo test --workspace`) and Python (a `.venv-test`
//!   with the test dependencies from PyPI, the extension built by maturin, pytest on
//!   `crates/python/tests`); the README's test command, which `.ci/run` calls;
//! - `ci`: what CI checks — formatting, clippy, every test, the layering rule;
//! - `bench`: the side-by-side suite against msticpy, DuckDB, polars and Spark (`--quick`: up
//!   to 100k events; `--criterion`: the criterion micro-benchmarks instead;
//!   `--report`: the report's page size and first render at 100k and 1M sessions;
//!   `--notebook`: only the notebook rows, msticpy's functions through msticpy and
//!   through `anomseq.msticpy` on the same DataFrames; `--spark`: only the Spark rows,
//!   `anomseq.spark` against a window query in `local[2]`; `--cli`: only the
//!   command-line rows, `anomseq run`, `sessionize` and `score` as whole processes
//!   against DuckDB's and polars' sessionizing queries, best of 3);
//! - `fixtures`: copy the oracle files the tests use from `../shared`;
//! - `notebook`: write and execute `docs/notebooks/anomalous-sessions.ipynb` (nbconvert
//!   and ipykernel from PyPI into `.venv-test`, the extension built by maturin);
//! - `eval`: detection quality on the labelled data sets in `../shared/datasets`,
//!   written to `docs/quality.md` (skipped, with a message, when `../shared` is absent).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

mod tidy;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("test") => test(),
        Some("bench") => {
            let quick = args[1..].iter().any(|a| a == "--quick");
            if args[1..].iter().any(|a| a == "--criterion") {
                criterion(quick)
            } else if args[1..].iter().any(|a| a == "--report") {
                let sizes: &[&str] = if quick { &["100000"] } else { &["100000", "1000000"] };
                let mut run =
                    vec!["run", "--release", "--locked", "-p", "anomseq-benches", "--example", "report_render", "--"];
                run.extend(sizes);
                cargo(&run)
            } else {
                let flag = |f: &str| args[1..].iter().any(|a| a == f);
                suite(quick, flag("--notebook"), flag("--spark"), flag("--cli"))
            }
        }
        Some("fixtures") => fixtures(),
        Some("notebook") => notebook(),
        Some("eval") => eval(),
        _ => {
            eprintln!("usage: cargo xtask <test | ci | bench [--quick] [--criterion | --report | --notebook | --spark | --cli] | fixtures | notebook | eval>");
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

/// The Python packages the tests need, from PyPI (pyspark runs on the JRE `.ci/run` installs).
const PYTHON_TEST_DEPS: &[&str] =
    &["maturin>=1.9,<2", "pytest>=8", "pyarrow>=14", "pandas>=2.1", "polars>=1.0", "pyspark==4.3.0"];

/// A virtualenv in the workspace, made and filled from PyPI on first use; `check` is
/// Python code that fails until the packages are there (a missing package is an
/// error, never a skip).
fn venv(name: &str, packages: &[&str], check: &str) -> Result<PathBuf> {
    let venv = root().join(name);
    let python = venv.join("bin/python");
    let ready = |py: &Path| Command::new(py).args(["-c", check]).status().is_ok_and(|s| s.success());
    if python.exists() && ready(&python) {
        return Ok(python);
    }
    eprintln!("setting up {} ({}, from PyPI) ...", venv.display(), packages.join(" "));
    let status = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().context("python3 -m venv")?;
    if !status.success() {
        bail!("python3 -m venv failed: install python3 and python3-venv");
    }
    let status = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--upgrade"])
        .args(packages)
        .status()
        .context("pip install")?;
    if !status.success() || !ready(&python) {
        bail!("pip install {} into {} failed", packages.join(" "), venv.display());
    }
    Ok(python)
}

/// `.venv-test`: what the Python tests need.
fn test_python() -> Result<PathBuf> {
    venv(".venv-test", PYTHON_TEST_DEPS, "import pytest, pyarrow, pandas, polars, maturin, pyspark")
}

/// Every test: Rust, then the Python package built by maturin and tested by pytest.
fn test() -> Result<()> {
    cargo(&["test", "--workspace", "--locked"])?;
    let python = test_python()?;
    let venv = root().join(".venv-test");
    in_venv(&venv, &venv.join("bin/maturin"), &["develop", "--locked", "--quiet"], &root().join("crates/python"))?;
    in_venv(&venv, &python, &["-m", "pytest", "-q", "crates/python/tests"], &root())
}

/// Run `program` in `dir` with the virtualenv `venv` active.
fn in_venv(venv: &Path, program: &Path, args: &[&str], dir: &Path) -> Result<()> {
    let path = format!("{}:{}", venv.join("bin").display(), std::env::var("PATH").unwrap_or_default());
    eprintln!("$ {} {}", program.display(), args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("VIRTUAL_ENV", venv)
        .env("PATH", &path)
        .status()
        .with_context(|| program.display().to_string())?;
    if !status.success() {
        bail!("{} {} failed: {status}", program.display(), args.join(" "));
    }
    Ok(())
}

/// Write and execute the walk-through notebook, its outputs saved.
fn notebook() -> Result<()> {
    let python = test_python()?;
    let venv = root().join(".venv-test");
    in_venv(
        &venv,
        &python,
        &["-m", "pip", "install", "--quiet", "nbconvert>=7", "nbformat>=5", "ipykernel>=6"],
        &root(),
    )?;
    in_venv(&venv, &python, &["-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"], &root())?;
    in_venv(&venv, &venv.join("bin/maturin"), &["develop", "--locked", "--quiet"], &root().join("crates/python"))?;
    in_venv(&venv, &python, &["docs/notebooks/build.py"], &root())
}

fn ci() -> Result<()> {
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])?;
    test()?;
    tidy::check_layering()?;
    tidy::check_unused_dependencies()?;
    Ok(())
}

/// The Python that runs the peers: `.venv`.
fn peers_python() -> Result<PathBuf> {
    venv(
        ".venv",
        &["msticpy==3.0.2", "duckdb", "polars>=1.0", "pyarrow", "maturin>=1.9,<2", "pyspark==4.3.0"],
        "import msticpy, duckdb, polars, maturin, pyspark; assert msticpy.__version__ == '3.0.2'",
    )
}

fn suite(quick: bool, notebook: bool, spark: bool, cli: bool) -> Result<()> {
    cargo(&["build", "--release", "--locked", "-p", "anomseq-cli", "-p", "anomseq-benches", "--bins"])?;
    let python = peers_python()?;
    // the Python package beside msticpy, built as users get it (release)
    let venv = root().join(".venv");
    in_venv(
        &venv,
        &venv.join("bin/maturin"),
        &["develop", "--release", "--locked", "--quiet"],
        &root().join("crates/python"),
    )?;
    let mut cmd = Command::new(&python);
    cmd.arg(root().join("benches/suite.py"))
        .arg("--bin-dir")
        .arg(root().join("target/release"))
        .arg("--python")
        .arg(&python)
        .current_dir(root());
    if quick {
        cmd.arg("--quick");
    }
    if notebook {
        cmd.arg("--notebook");
    }
    if spark {
        cmd.arg("--spark");
    }
    if cli {
        cmd.arg("--cli");
    }
    eprintln!("$ {cmd:?}");
    if !cmd.status()?.success() {
        bail!("the benchmark suite failed");
    }
    Ok(())
}

fn criterion(quick: bool) -> Result<()> {
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

/// The command that regenerates `docs/quality.md`.
const EVAL_COMMAND: &str = "cargo xtask eval";

fn eval() -> Result<()> {
    let datasets = root().join("../shared/datasets");
    if !datasets.is_dir() {
        eprintln!("skipping eval: {} not found (the labelled data sets live beside the checkout)", datasets.display());
        return Ok(());
    }
    // the heavy part runs as a release-built example of anomseq-eval
    let table = root().join("target/quality-table.md");
    let (datasets, table_arg) = (datasets.display().to_string(), table.display().to_string());
    cargo(&["run", "--release", "--quiet", "-p", "anomseq-eval", "--example", "quality", "--", &datasets, &table_arg])?;
    let tables = std::fs::read_to_string(&table).with_context(|| table.display().to_string())?;
    let doc = root().join("docs/quality.md");
    let old = std::fs::read_to_string(&doc).with_context(|| doc.display().to_string())?;
    let (begin, end) = ("<!-- eval:begin -->", "<!-- eval:end -->");
    let (Some(a), Some(b)) = (old.find(begin), old.find(end)) else {
        bail!("{} lacks the {begin} … {end} markers", doc.display());
    };
    let new = format!("{}{begin}\n\nProduced by `{EVAL_COMMAND}`.\n\n{tables}{}", &old[..a], &old[b..]);
    std::fs::write(&doc, new).with_context(|| doc.display().to_string())?;
    eprintln!("wrote {}", doc.display());
    Ok(())
}
