//! The pages in headless Chromium, with networking off. Without a Chromium
//! (set `ANOMSEQ_CHROMIUM`, or install Debian's `chromium`) each test prints a
//! SKIPPED line to stderr and passes — except in CI (`CI=true`), where a missing
//! browser fails the test.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anomseq_viz::{Report, ReportOptions, Timeline, TimelineOptions};
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::*;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ANOMSEQ_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

macro_rules! chromium_or_skip {
    ($test:literal) => {
        match chromium() {
            Some(p) => p,
            None => {
                assert!(
                    std::env::var("CI").map_or(true, |v| v != "true"),
                    "CI=true: browser test {} needs Chromium (apt-get install chromium, or set ANOMSEQ_CHROMIUM)",
                    $test
                );
                // straight to the process's stderr: the test harness does not capture it
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED: browser test {} needs Chromium (apt-get install chromium, or set ANOMSEQ_CHROMIUM)",
                    $test
                );
                return;
            }
        }
    };
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("anomseq-viz");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run headless Chromium on a file with networking off; returns stdout.
fn run_chromium(browser: &Path, name: &str, page: &Path, extra: &[&str]) -> String {
    // one browser at a time: parallel ones starve each other's virtual time on small machines
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let profile = out_dir().join(format!("profile-{name}"));
    let _ = std::fs::remove_dir_all(&profile);
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        "--enable-unsafe-swiftshader",
        // networking off: every host resolves to nothing and every proxy is dead
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--window-size=1280,900",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(40) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish {name} in 40 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

/// Test-only harness: traps dialogs, records CSP violations, waits for the
/// first render, hovers every marker in turn and reports what the page shows.
const HARNESS: &str = r##"(function () {
  "use strict";
  window.__dialogs = 0;
  ["alert", "confirm", "prompt", "print", "open"].forEach(function (f) { window[f] = function () { window.__dialogs++; }; });
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", function (e) { window.__violations.push(e.violatedDirective + " " + e.blockedURI); });
  function texts(sel) { return Array.prototype.map.call(document.querySelectorAll(sel), function (e) { return e.textContent; }); }
  function finish(r) {
    var pre = document.createElement("pre");
    pre.id = "harness-result";
    pre.textContent = JSON.stringify(r);
    document.body.appendChild(pre);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var r = {};
    if (!window.anomseqReady) { r.error = "no anomseqReady"; finish(r); return; }
    window.anomseqReady.then(function (gd) {
      var trace = gd._fullData[0];
      r.plotly = typeof Plotly; r.type = trace.type; r.length = trace._length;
      r.svgPoints = gd.querySelectorAll(".scatterlayer .point").length;
      r.canvases = gd.querySelectorAll("canvas").length;
      r.renderMs = document.documentElement.getAttribute("data-render-ms");
      var xs = gd.data[0].x, ys = gd.data[0].y, i = 0;
      r.traces = gd.data.length;
      r.hovers = []; r.hoverLines = [];
      function next() {
        if (i >= Math.min(xs.length, 40)) { done(); return; }
        Plotly.Fx.hover(gd, { xval: xs[i], yval: ys[i] });
        setTimeout(function () {
          r.hovers.push(texts(".hoverlayer .hovertext").join("|"));
          r.hoverLines.push(texts(".hoverlayer .hovertext tspan.line"));
          Plotly.Fx.unhover(gd); i++; setTimeout(next, 80);
        }, 80);
      }
      function done() {
        r.pwned = window.__pwned === undefined ? null : window.__pwned;
        r.dialogs = window.__dialogs;
        r.violations = window.__violations;
        r.resources = performance.getEntriesByType("resource").map(function (e) { return e.name; });
        r.elements = {};
        ["script", "img", "iframe", "object", "embed", "a[href]", "svg [onload]", "[onerror]", "[onclick]"].forEach(function (s) {
          r.elements[s] = document.querySelectorAll(s).length;
        });
        r.cells = Array.prototype.map.call(document.querySelectorAll("#anomseq-rarest tbody tr"), function (tr) {
          return Array.prototype.map.call(tr.cells, function (c) { return c.textContent; });
        });
        r.parameters = texts("#anomseq-parameters td");
        r.details = document.querySelectorAll("#anomseq-rarest details").length;
        r.badges = texts("#anomseq-rarest .badge");
        r.title = document.title;
        r.summary = texts("#anomseq-summary").join("");
        finish(r);
      }
      next();
    }, function (err) { r.error = String(err); finish(r); });
  });
})();"##;

/// The page with the harness placed right after its CSP, which gets the harness's hash.
fn with_harness(html: &str) -> String {
    let hash =
        format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(HARNESS.as_bytes())));
    let html = html.replacen("script-src ", &format!("script-src {hash} "), 1);
    let at = html.find("<meta name=\"viewport\"").unwrap();
    format!("{}<script>{HARNESS}</script>\n{}", &html[..at], &html[at..])
}

/// Load `html` (with the harness) and return what the harness saw.
fn inspect(browser: &Path, name: &str, html: &str) -> Value {
    let page = out_dir().join(format!("{name}.html"));
    std::fs::write(&page, with_harness(html)).unwrap();
    let dom = run_chromium(browser, name, &page, &["--virtual-time-budget=20000", "--dump-dom"]);
    let open = "<pre id=\"harness-result\">";
    let Some(at) = dom.find(open) else {
        let saved = out_dir().join(format!("{name}.dom.html"));
        std::fs::write(&saved, &dom).unwrap();
        panic!("{name}: no harness result in the DOM, saved at {}", saved.display());
    };
    let start = at + open.len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end].replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    let v: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}: {json}"));
    assert!(v.get("error").is_none(), "{name}: {v}");
    v
}

fn assert_nothing_ran(name: &str, r: &Value) {
    assert_eq!(r["plotly"], "object", "{name}: Plotly did not load offline");
    assert_eq!(r["pwned"], Value::Null, "{name}: a data string ran as script");
    assert_eq!(r["dialogs"], 0, "{name}: a dialog opened");
    assert_eq!(r["violations"], serde_json::json!([]), "{name}: the CSP had to block something");
    assert_eq!(r["resources"], serde_json::json!([]), "{name}: the page fetched something");
    for s in ["img", "iframe", "object", "embed", "a[href]", "svg [onload]", "[onerror]", "[onclick]"] {
        assert_eq!(r["elements"][s], 0, "{name}: a data string became a {s} element");
    }
}

#[test]
fn hostile_report_shows_strings_as_text_and_runs_none() {
    let browser = chromium_or_skip!("hostile_report_shows_strings_as_text_and_runs_none");
    let options = ReportOptions::default()
        .with_timeline(TimelineOptions::default().with_title(HOSTILE[0]).with_source_columns(["user", "client_ip"]))
        .with_key_columns(["user"])
        .with_events_column("session_length")
        .with_parameters(HOSTILE.iter().map(|h| ("param", *h)));
    let report = Report::new(&[hostile_batch()], "start", "likelihood", "rarest_window3", &options).unwrap();
    let r = inspect(&browser, "hostile-report", &report.to_html());
    assert_nothing_ran("hostile report", &r);
    // plotly.js, the figure's JSON, drawing, sorting, and the harness: nothing else
    assert_eq!(r["elements"]["script"], 5);
    assert_eq!(r["type"], "scattergl");
    assert_eq!(r["length"], 5, "one marker per scored session");
    assert!(r["canvases"].as_u64().unwrap() > 0, "WebGL canvas");
    assert_eq!(r["title"], HOSTILE[0]);
    assert_eq!(r["summary"], "5 of 6 sessions shown; left out: 1 without a score");
    // every hover tooltip shows its session's rarest window and user, as text
    let points = report.timeline().points();
    let hovers = r["hovers"].as_array().unwrap();
    assert_eq!(hovers.len(), points.len());
    for (p, hover) in points.iter().zip(hovers) {
        let hover = hover.as_str().unwrap();
        // tooltips wrap: lines are separate elements, so compare without spaces
        let bare = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert!(bare(hover).contains(&bare(&p.window)), "tooltip {hover:?} lacks window {:?}", p.window);
        assert!(hover.contains(&p.sources[0]), "tooltip {hover:?} lacks user {:?}", p.sources[0]);
    }
    // the table lists the rarest first, every string as it is
    let cells = r["cells"].as_array().unwrap();
    assert_eq!(cells.len(), report.rarest().len());
    for (row, s) in cells.iter().zip(report.rarest()) {
        let row: Vec<&str> = row.as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert_eq!(row[1], s.keys[0]);
        assert_eq!(row[5], s.window);
    }
    let params: Vec<&str> = r["parameters"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(params, HOSTILE);
}

#[test]
fn svg_markers_hover_and_upper_bound() {
    let browser = chromium_or_skip!("svg_markers_hover_and_upper_bound");
    let n = 40_i64;
    let times: Vec<i64> = (0..n).map(|i| 1_700_000_000_000 + i * 86_400_000).collect();
    let scores: Vec<Option<f64>> =
        (0..n).map(|i| if i % 10 == 3 { None } else { Some(10f64.powi(-(i as i32 % 8))) }).collect();
    let windows: Vec<Option<Vec<&str>>> = (0..n)
        .map(|i| Some(if i % 2 == 0 { vec!["Set-User", "Get-Mailbox"] } else { vec!["New-InboxRule"] }))
        .collect();
    let b =
        batch(vec![("t", times_ms(&times)), ("s", crate::common::scores(&scores)), ("w", commands_column(&windows))]);
    for (bound, expected) in [(None, 36), (Some(1e-4), 18)] {
        let options = TimelineOptions::default().with_webgl(false).with_score_upper_bound(bound);
        let tl = Timeline::new(std::slice::from_ref(&b), "t", "s", "w", &options).unwrap();
        assert_eq!(tl.points().len(), expected);
        assert!(!tl.to_html().contains("'unsafe-eval'"), "SVG markers need no eval");
        let name = format!("svg-{expected}");
        let r = inspect(&browser, &name, &tl.to_html());
        assert_nothing_ran(&name, &r);
        assert_eq!(r["type"], "scatter");
        assert_eq!(r["svgPoints"], expected, "{name}: markers drawn");
        let hovers = r["hovers"].as_array().unwrap();
        for (p, hover) in tl.points().iter().zip(hovers) {
            let hover = hover.as_str().unwrap();
            assert!(hover.contains(&format!("w: {}", p.window)), "{hover}");
            assert!(hover.contains(&p.time), "{hover}");
            // the tooltip's d3 `.6e`: 1.000000e-4, 1.000000e+0
            let score = format!("{:.6e}", p.score).replace("e0", "e+0");
            assert!(hover.contains(&format!("s: {score}")), "{hover} lacks {score}");
        }
    }
}

#[test]
fn screenshot_of_the_report() {
    let browser = chromium_or_skip!("screenshot_of_the_report");
    let options = ReportOptions::default()
        .with_timeline(TimelineOptions::default().with_source_columns(["user", "client_ip"]))
        .with_key_columns(["user"])
        .with_events_column("session_length")
        .with_parameters([("window length", "3")]);
    let report = Report::new(&[hostile_batch()], "start", "likelihood", "rarest_window3", &options).unwrap();
    let page = out_dir().join("report.html");
    report.write_html(&page).unwrap();
    let png = out_dir().join("report.png");
    let _ = std::fs::remove_file(&png);
    run_chromium(
        &browser,
        "screenshot",
        &page,
        &["--virtual-time-budget=10000", &format!("--screenshot={}", png.display())],
    );
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
    eprintln!("screenshot: {}", png.display());
}

/// `n` sessions over 30 days with heavy-tailed scores, 50 distinct windows and
/// 2,000 users (a deterministic generator: the same page every run).
fn synthetic(n: usize) -> arrow_array::RecordBatch {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let t0 = 1_700_000_000_000_i64;
    let times: Vec<i64> = (0..n).map(|_| t0 + (next() % (30 * 86_400_000)) as i64).collect();
    let scores: Vec<Option<f64>> = (0..n)
        .map(|i| if i % 20 == 0 { None } else { Some(10f64.powf(-((next() % 10_000) as f64 / 1000.0).powi(2) / 8.0)) })
        .collect();
    let cmds = ["Set-User", "Set-Mailbox", "New-InboxRule", "Get-Mailbox", "Add-MailboxPermission"];
    let windows: Vec<Option<Vec<&str>>> = (0..n)
        .map(|_| {
            let w = next() as usize;
            Some(vec![cmds[w % 5], cmds[(w / 5) % 5], cmds[(w / 25) % 2]])
        })
        .collect();
    let users: Vec<String> = (0..n).map(|_| format!("user{}@contoso.example", next() % 2000)).collect();
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    batch(vec![
        ("start", times_ms(&times)),
        ("likelihood", crate::common::scores(&scores)),
        ("rarest_window3", commands_column(&windows)),
        ("user", strings(&users)),
    ])
}

/// A report of a million sessions stays under 15 MB and draws: the 20,000
/// rarest as points, the others as a band, as its summary says. (Its time to
/// first render is measured by `cargo xtask bench`: benches/examples/report_render.rs.)
#[test]
fn a_million_sessions_make_a_small_page_that_draws() {
    let browser = chromium_or_skip!("a_million_sessions_make_a_small_page_that_draws");
    let data = synthetic(1_000_000);
    let options = ReportOptions::default()
        .with_timeline(TimelineOptions::default().with_source_columns(["user"]).with_colour_by(Some("user".into())))
        .with_key_columns(["user"])
        .with_top_n(100);
    let report = Report::new(std::slice::from_ref(&data), "start", "likelihood", "rarest_window3", &options).unwrap();
    let html = report.to_html();
    assert!(html.len() < 15_000_000, "{} bytes", html.len());
    let summary = report.timeline().summary();
    assert_eq!((summary.shown, summary.in_band), (950_000, 930_000));
    assert_eq!(report.timeline().points().len(), anomseq_viz::DEFAULT_MAX_POINTS);
    // the points are the rarest: none in the band is rarer
    let least_rare_point = report.timeline().points().iter().map(|p| p.score).fold(0.0, f64::max);
    assert!(report.timeline().band().iter().all(|b| b.min >= least_rare_point));
    let r = inspect(&browser, "million", &html);
    assert_nothing_ran("million", &r);
    assert_eq!(r["summary"].as_str().unwrap(), report.timeline().summary().describe(None));
    assert!(r["summary"].as_str().unwrap().contains("the 20,000 rarest as points, the other 930,000 as a band"));
    // nine colours and "other", then the band's three lines
    assert_eq!(r["traces"], 13);
    assert_eq!(r["cells"].as_array().unwrap().len(), 100);
}

/// Long windows wrap into lines of the tooltip instead of running off the page.
#[test]
fn tooltips_wrap_at_a_fixed_width() {
    let browser = chromium_or_skip!("tooltips_wrap_at_a_fixed_width");
    let long: Vec<String> = (0..12).map(|i| format!("Set-ExtremelyLongCommandName{i}")).collect();
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    let token = "x".repeat(150);
    let windows = vec![Some(long.clone()), Some(vec![token.as_str()]), Some(vec!["Set-User"])];
    let b = batch(vec![
        ("t", times_ms(&[1_700_000_000_000, 1_700_000_060_000, 1_700_000_120_000])),
        ("s", crate::common::scores(&[Some(1e-3), Some(1e-4), Some(0.5)])),
        ("w", commands_column(&windows)),
    ]);
    let tl = Timeline::new(std::slice::from_ref(&b), "t", "s", "w", &TimelineOptions::default()).unwrap();
    let r = inspect(&browser, "wrap", &tl.to_html());
    assert_nothing_ran("wrap", &r);
    let lines = r["hoverLines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    for (i, l) in lines.iter().enumerate() {
        let l: Vec<&str> = l.as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
        // the label "w: " starts the window's first line; no line is wider than the wrap
        assert!(l.iter().all(|x| x.chars().count() <= 80 + 3), "marker {i}: {l:?}");
        // time, score, then the window: 12 long names on several lines, a long token on two, one name
        let expected = [6, 4, 3][i];
        assert!(l.len() >= expected, "marker {i}: {l:?}");
    }
    // the 150-character token is cut into lines, none lost
    let joined: String = lines[1].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    assert!(joined.contains(&"x".repeat(70)) && joined.matches('x').count() >= 150, "{joined}");
}

/// The report's explanations, built from sessions of hostile strings by the
/// real pipeline, show every string as text and run nothing; long values fold.
#[test]
fn hostile_explanations_stay_inert() {
    use anomseq_core::{Cmd, Sessions};
    let browser = chromium_or_skip!("hostile_explanations_stay_inert");
    let h = HOSTILE;
    let long = format!("{} {}", h[0], "y".repeat(300));
    let lists: Vec<Vec<Cmd>> = vec![
        vec![Cmd::with_values(h[0], [(h[1], h[2])]), Cmd::with_values("Set-User", [("Identity", long.as_str())])],
        vec![Cmd::with_values(h[3], [("Identity", h[4])]), Cmd::with_values(h[5], [(h[6], h[7])])],
        vec![Cmd::with_values(h[8], [("x", h[9])]), Cmd::with_values("Set-User", [("Identity", "bob")])],
    ];
    let sessions = Sessions::from_cmds(&lists).unwrap();
    // trained on the last session only: the others hold unseen commands, parameters and values
    let options = anomseq_model::ModelOptions::with_modellable_params(vec!["Identity".to_owned()]);
    let model = anomseq_model::Model::train_with(&Sessions::from_cmds(&lists[2..]).unwrap(), &options);
    let scored = anomseq_score::score(model.probabilities(), &sessions, &anomseq_score::ScoreOptions::new(2)).unwrap();
    let other = batch(vec![
        ("start", times_ms(&[1_600_000_000_000, 1_600_000_060_000, 1_600_000_120_000])),
        ("user", strings(&[h[0], h[3], h[8]])),
    ]);
    let data = anomseq_viz::scored_sessions_batch(&sessions, &scored, &other).unwrap();
    let options = ReportOptions::default().with_key_columns(["user"]).with_events_column("session_length");
    let report = Report::new(&[data], "start", scored.score_name(), "rarest_window2", &options)
        .unwrap()
        .with_explanations(|row| scored.explain(model.probabilities(), &sessions, row));
    assert!(report.rarest().iter().all(|s| s.explanation.is_some()));
    let r = inspect(&browser, "hostile-explanations", &report.to_html());
    assert_nothing_ran("hostile explanations", &r);
    let text: String = r["cells"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()))
        .collect();
    for s in [h[0], h[3], h[5], h[8]] {
        assert!(text.contains(s), "{s} not shown as text in {text}");
    }
    assert!(r["details"].as_u64().unwrap() >= 1, "the long value is folded");
    let badges: Vec<&str> = r["badges"].as_array().unwrap().iter().map(|b| b.as_str().unwrap()).collect();
    for b in ["unseen command", "unseen parameter", "unseen value"] {
        assert!(badges.contains(&b), "{badges:?} lacks {b}");
    }
}
