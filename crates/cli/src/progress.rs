//! Progress on stages that take over a second, and the closing summary line.

use std::io::IsTerminal;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anomseq_io::{ProgressUnit, ReadProgress};
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

    /// Run `work`, which reads a file publishing its progress to `read`: after a
    /// second, a bar with how much of the file is done (bytes, or rows of a Parquet
    /// file), the rate and the time left; once the file is read, a spinner for the
    /// rest of the stage. Terminal only, never in pipes or with `--quiet`.
    pub(crate) fn reading<T>(&self, what: &str, read: &Arc<ReadProgress>, work: impl FnOnce() -> T) -> T {
        if self.quiet || !std::io::stderr().is_terminal() {
            return work();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let (done, wait) = mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let shown = bar.clone();
            let read = read.clone();
            let what = what.to_owned();
            scope.spawn(move || {
                if wait.recv_timeout(Duration::from_secs(1)).is_ok() {
                    return;
                }
                let mut style_of = None;
                loop {
                    let (at, total) = (read.done(), read.total());
                    let unit = read.unit();
                    let reading = total > 0 && at < total;
                    let style = match (reading, unit) {
                        (true, ProgressUnit::Rows) => {
                            "{msg} [{bar:30}] {human_pos}/{human_len} rows, {per_sec}, {eta} left"
                        }
                        (true, _) => {
                            "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes}, {binary_bytes_per_sec}, {eta} left"
                        }
                        (false, _) => "{spinner} {msg} {elapsed}",
                    };
                    if style_of != Some(style) {
                        shown.set_style(
                            ProgressStyle::with_template(style).expect("a valid template").progress_chars("=> "),
                        );
                        shown.set_message(if reading || total == 0 {
                            what.clone()
                        } else {
                            format!("{what}: file read, working")
                        });
                        style_of = Some(style);
                    }
                    shown.set_length(total);
                    shown.set_position(at.min(total));
                    if shown.is_hidden() {
                        shown.set_draw_target(ProgressDrawTarget::stderr());
                    }
                    if !reading {
                        shown.tick();
                    }
                    if wait.recv_timeout(Duration::from_millis(120)).is_ok() {
                        return;
                    }
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
