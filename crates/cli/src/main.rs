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
    if let Some(asked) = cli.global.threads {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let most = max_threads(cores);
        let n = asked.min(most);
        if n < asked {
            eprintln!("anomseq: --threads {asked} is more than {most} (4 per core on {cores} cores): using {most}");
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(n).build_global() {
            eprintln!("error: cannot start {n} threads: {e}");
            return ExitCode::from(1);
        }
    }
    // interrupted (Ctrl-C, SIGTERM, SIGHUP): no temporary file is left behind
    let _ = ctrlc::set_handler(|| {
        // first, so that nothing new is started while it is removed
        anomseq::io::remove_temporary_files();
        std::process::exit(130);
    });
    let result = commands::run(cli);
    // the temporary copies of standard input and pipes
    anomseq::io::release_spooled_inputs();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // names and values from the data never reach the terminal raw
            let text = message(&e);
            let lines: Vec<_> = text.split('\n').map(anomseq::sessionize::printable).collect();
            eprintln!("error: {}", lines.join("\n"));
            ExitCode::from(if e.downcast_ref::<commands::Usage>().is_some() { 2 } else { 1 })
        }
    }
}

/// The most worker threads worth starting: more only adds start-up time and memory.
fn max_threads(cores: usize) -> usize {
    (4 * cores).max(8)
}

/// An error and its causes on one line, each said once: a cause whose text the
/// message already holds (libraries often print their source) is not repeated.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn causes_are_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory (os error 2)");
        let e = anyhow::Error::new(anomseq::io::Error::Io { path: "x.csv".into(), source: io });
        assert_eq!(super::message(&e), "x.csv: No such file or directory (os error 2)");
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(super::message(&e), "outer: inner");
    }

    #[test]
    fn threads_are_capped() {
        assert_eq!(super::max_threads(2), 8);
        assert_eq!(super::max_threads(16), 64);
    }
}
