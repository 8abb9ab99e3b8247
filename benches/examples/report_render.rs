//! Size and time to first render of `anomseq run`'s report at 100k and 1M sessions (issue #12).
//!
//! ```text
//! cargo xtask bench --report        # or:
//! cargo run --release -p anomseq-benches --example report_render -- [SESSIONS ...]
//! ```
//! Sessions of a 5,000-command vocabulary go through the real pipeline (train,
//! score, [`score_and_report_sessions`](anomseq::score_and_report_sessions));
//! the points are coloured by user; the page is opened three times in headless Chromium (`ANOMSEQ_CHROMIUM`, else
//! `chromium` on the `PATH`), which reports when Plotly's first render finished.

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anomseq::arrow_array::{RecordBatch, StringArray, TimestampSecondArray};
use anomseq::viz::{ReportOptions, TimelineOptions};
use anomseq_benches::vocab_sessions;

fn chromium() -> Option<String> {
    if let Ok(c) = std::env::var("ANOMSEQ_CHROMIUM") {
        return Some(c);
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
        .map(str::to_owned)
}

/// Milliseconds from navigation to the end of the first render, as the page records it.
fn first_render_ms(browser: &str, page: &std::path::Path) -> Option<u64> {
    let profile = tempfile::tempdir().ok()?;
    let out = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--window-size=1280,900"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=60000", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .ok()?;
    let dom = String::from_utf8_lossy(&out.stdout);
    let at = dom.find("data-render-ms=\"")? + 16;
    dom[at..at + dom[at..].find('"')?].parse().ok()
}

fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![100_000, 1_000_000] } else { sizes };
    let browser = chromium();
    // ANOMSEQ_KEEP_PAGES=DIR keeps the pages (for the screenshots in docs/)
    let scratch = tempfile::tempdir()?;
    let keep = std::env::var_os("ANOMSEQ_KEEP_PAGES").map(std::path::PathBuf::from);
    let dir = keep.as_deref().unwrap_or(scratch.path());
    for n in sizes {
        // sessions of 1 to 19 events, 10 on average
        let sessions = vocab_sessions(10 * n, 5_000, 7);
        let n = sessions.len();
        let start: Vec<i64> = (0..n as i64).map(|i| 1_700_000_000 + i * 30).collect();
        let users: StringArray = (0..n).map(|i| Some(format!("user{}", i % 5_000))).collect();
        let other = RecordBatch::try_from_iter([
            ("start", Arc::new(TimestampSecondArray::from(start)) as _),
            ("user", Arc::new(users) as _),
        ])?;
        let options = ReportOptions::default()
            .with_timeline(TimelineOptions::default().with_source_columns(["user"]).with_colour_by(Some("user".into())))
            .with_key_columns(["user"]);
        let t = Instant::now();
        let report = anomseq::score_and_report_sessions(&sessions, &other, 3, "start", &options)?;
        let html = report.to_html();
        let build = t.elapsed().as_secs_f64();
        let page = dir.join(format!("report-{n}.html"));
        std::fs::write(&page, &html)?;
        let renders: Vec<String> = match &browser {
            Some(b) => (0..3).map(|_| first_render_ms(b, &page).map_or("?".into(), |ms| ms.to_string())).collect(),
            None => vec!["(no chromium)".into()],
        };
        println!(
            "sessions={n} points={} band_sessions={} page_mb={:.2} train_score_report_s={build:.2} first_render_ms={}",
            report.timeline().points().len(),
            report.timeline().summary().in_band,
            html.len() as f64 / 1e6,
            renders.join(",")
        );
    }
    Ok(())
}
