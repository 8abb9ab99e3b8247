//! Progress on stages that take over a second, and the closing summary line.

use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// `n` things, in the singular for one: `1 row`, `2 rows`.
pub(crate) fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// Shows a spinner for each stage that runs longer than a second (only when
/// stderr is a terminal and not `--quiet`), and a summary at the end.
pub(crate) struct Progress {
    quiet: bool,
    started: Instant,
}

impl Progress {
    pub(crate) fn new(quiet: bool) -> Self {
        Progress { quiet, started: Instant::now() }
    }

    /// Run `work`, labelled `what`.
    pub(crate) fn stage<T>(&self, what: &str, work: impl FnOnce() -> T) -> T {
        if self.quiet || !std::io::stderr().is_terminal() {
            return work();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("a valid template"));
        bar.set_message(what.to_owned());
        let (done, wait) = mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let shown = bar.clone();
            scope.spawn(move || {
                if wait.recv_timeout(Duration::from_secs(1)).is_err() {
                    shown.set_draw_target(ProgressDrawTarget::stderr());
                    shown.enable_steady_tick(Duration::from_millis(120));
                }
            });
            let out = work();
            let _ = done.send(());
            bar.finish_and_clear();
            out
        })
    }

    /// A closing line of its own (`anomseq: {line}, {seconds} s`), unless quiet.
    pub(crate) fn summary_line(&self, line: &str) {
        if !self.quiet {
            eprintln!("anomseq: {line}, {:.2} s", self.started.elapsed().as_secs_f64());
        }
    }

    /// The one-line summary of a run.
    pub(crate) fn summary(&self, rows: usize, sessions: usize, skipped: usize) {
        if !self.quiet {
            eprintln!(
                "anomseq: {} read, {}, {} skipped, {:.2} s",
                count(rows, "row"),
                count(sessions, "session"),
                count(skipped, "row"),
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}
