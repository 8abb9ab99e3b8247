//! `anomseq`: find anomalous sessions in security logs, from the command line.
//!
//! Exit codes: 0 success, 1 a data error (bad input, bad model file, ...),
//! 2 a usage error (unknown flag, missing argument).

use std::process::ExitCode;

use clap::Parser;

mod args;
mod commands;
mod progress;
mod report;

fn main() -> ExitCode {
    // a malformed input file is an error message, not a panic report
    anomseq::io::quiet_decoder_panics();
    let cli = args::Cli::parse();
    if let Some(n) = cli.global.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(n).build_global() {
            eprintln!("error: cannot start {n} threads: {e}");
            return ExitCode::from(1);
        }
    }
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
