//! The timeline and report pages as text: what they hold, offline and deterministic.

use anomseq_viz::{Report, ReportOptions, Timeline, TimelineOptions};

use crate::common::*;

/// The page's inline scripts and the Content Security Policy allowing them.
fn scripts_and_csp(html: &str) -> (Vec<String>, String) {
    let csp_start = html.find("Content-Security-Policy\" content=\"").unwrap() + 34;
    let csp = html[csp_start..csp_start + html[csp_start..].find('"').unwrap()].to_owned();
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<script") {
        let open_end = i + rest[i..].find('>').unwrap() + 1;
        let close = open_end + rest[open_end..].find("</script>").unwrap();
        scripts.push(rest[i..close].to_owned());
        rest = &rest[close + 9..];
    }
    (scripts, csp)
}

fn hostile_report(webgl: bool) -> Report {
    let options = ReportOptions::default()
        .with_timeline(
            TimelineOptions::default()
                .with_title(HOSTILE[0])
                .with_source_columns(["user", "client_ip"])
                .with_webgl(webgl),
        )
        .with_key_columns(["user", "client_ip"])
        .with_events_column("session_length")
        .with_parameters(HOSTILE.iter().map(|h| (*h, *h)))
        .with_top_n(4);
    Report::new(&[hostile_batch()], "start", "likelihood", "rarest_window3", &options).unwrap()
}

#[test]
fn pages_are_self_contained_and_hostile_strings_stay_data() {
    let report = hostile_report(true);
    let timeline = report.timeline().clone();
    for html in [report.to_html(), timeline.to_html()] {
        let (scripts, csp) = scripts_and_csp(&html);
        assert!(csp.starts_with("default-src 'none'; script-src 'sha256-"), "{csp}");
        let script_src = csp.split(';').find(|d| d.trim_start().starts_with("script-src")).unwrap();
        assert!(!script_src.contains("unsafe-inline"), "{csp}");
        // no script or stylesheet from elsewhere
        assert!(!html.contains("<script src") && !html.contains("<link"), "external resource");
        // every data string sits in the one JSON element, only as escaped JSON
        let json: Vec<&String> =
            scripts.iter().filter(|s| s.starts_with("<script type=\"application/json\"")).collect();
        assert_eq!(json.len(), 1);
        for h in HOSTILE {
            if h.contains(['<', '>', '"', '\'', '&']) {
                assert!(!html.contains(h), "raw {h:?} in the page");
            }
        }
        assert!(!json[0].contains(['\u{2028}', '\u{2029}']), "raw line separator in the JSON");
        // the figure parses back and its tooltips carry the strings, escaped for Plotly's labels
        let payload: serde_json::Value = serde_json::from_str(&json[0][json[0].find('>').unwrap() + 1..]).unwrap();
        let figure = &payload["figure"];
        assert_eq!(figure["data"][0]["x"].as_array().unwrap().len(), 5);
        let hover = &payload["hover"];
        let users: Vec<&str> = hover[2]["values"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(users[0], "&lt;script&gt;window.__pwned=1&lt;/script&gt;");
        assert_eq!(users[4], "&lt;!-- &lt;script&gt;window.__pwned=7&lt;/script&gt; --&gt;");
        let windows = hover[1]["values"].as_array().unwrap();
        // wrapped into lines (`<br>`), each escaped on its own
        let unwrapped: String = windows[4].as_str().unwrap().split("<br>").collect::<Vec<_>>().join(" ");
        assert!(
            unwrapped.starts_with("Set-Mailbox(&lt;b&gt;bold&lt;/b&gt; &amp;lt;i&amp;gt; ${7*7} &#37;{x} $x^2$="),
            "{unwrapped}"
        );
        assert_eq!(figure["data"][0]["type"], "scattergl");
    }
}

#[test]
fn report_lists_the_rarest_first() {
    let report = hostile_report(false);
    let got: Vec<(usize, f64, Option<u64>)> = report.rarest().iter().map(|r| (r.row, r.score, r.events)).collect();
    assert_eq!(got, vec![(3, 3e-7, Some(2)), (1, 2e-5, Some(1)), (0, 1e-3, Some(2)), (2, 0.04, Some(1))]);
    assert_eq!(report.rarest()[1].keys, vec![HOSTILE[2].to_owned(), HOSTILE[4].to_owned()]);
    assert_eq!(report.rarest()[1].window, format!("{}(Identity={})", HOSTILE[3], HOSTILE[4]));
    let html = report.to_html();
    assert!(html.contains("<h2>The 4 rarest sessions</h2>"));
    assert!(html.contains("5 of 6 sessions shown; left out: 1 without a score"));
    let missing = ReportOptions::default().with_key_columns(["UserId"]);
    let e = Report::new(&[hostile_batch()], "start", "likelihood", "rarest_window3", &missing).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"column "UserId" not found; existing columns: start, user, client_ip, session_length, likelihood, rarest_window3"#
    );
}

#[test]
fn the_same_data_gives_the_same_bytes() {
    assert_eq!(hostile_report(true).to_html(), hostile_report(true).to_html());
}

#[test]
fn static_svg() {
    let tl = Timeline::new(
        &[hostile_batch()],
        "start",
        "likelihood",
        "rarest_window3",
        &TimelineOptions::default().with_title("<Exchange> & co").with_score_upper_bound(Some(0.01)),
    )
    .unwrap();
    let svg = tl.to_svg(900, 450).unwrap();
    assert!(svg.starts_with("<svg"));
    assert_eq!(svg.matches("<circle").count(), 3, "one circle per session under the bound");
    assert!(svg.contains("&lt;Exchange&gt; &amp; co"));
    assert!(!svg.contains("<Exchange>"));
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("anomseq-viz");
    std::fs::create_dir_all(&dir).unwrap();
    tl.write_svg(dir.join("timeline.svg"), 900, 450).unwrap();
    // no session at all still draws axes
    let empty = Timeline::new(
        &[hostile_batch()],
        "start",
        "likelihood",
        "rarest_window3",
        &TimelineOptions::default().with_score_upper_bound(Some(0.0)),
    )
    .unwrap();
    assert_eq!(empty.to_svg(300, 200).unwrap().matches("<circle").count(), 0);
}

#[test]
fn a_higher_is_rarer_score_keeps_the_high_ones_and_says_so() {
    let data = batch(vec![
        ("start", times_ms(&[0, 1000, 2000, 3000])),
        ("profile_score", scores(&[Some(-1.0), Some(0.5), Some(3.0), Some(7.0)])),
        ("rarest_window3", commands_column(&[Some(vec!["a"]), Some(vec!["b"]), Some(vec!["c"]), Some(vec!["d"])])),
    ]);
    let options =
        TimelineOptions::default().with_higher_is_rarer(true).with_log_scale(false).with_score_upper_bound(Some(1.0));
    let t = Timeline::new(std::slice::from_ref(&data), "start", "profile_score", "rarest_window3", &options).unwrap();
    let shown: Vec<f64> = t.points().iter().map(|p| p.score).collect();
    assert_eq!(shown, [3.0, 7.0], "the rarest are the highest");
    assert_eq!(t.summary().describe(Some(1.0)), "2 of 4 sessions shown; left out: 2 less rare than the bound 1e0");
    assert!(t.to_html().contains("profile_score (higher is rarer)"));
    // the default direction: lower is rarer
    let lower = TimelineOptions::default().with_score_upper_bound(Some(1.0));
    let t = Timeline::new(std::slice::from_ref(&data), "start", "profile_score", "rarest_window3", &lower).unwrap();
    assert_eq!(t.points().iter().map(|p| p.score).collect::<Vec<_>>(), [0.5], "log axis: -1 left out");
    assert!(t.to_html().contains("profile_score (lower is rarer)"));
}

#[test]
fn the_report_lists_the_rarest_first_in_the_score_direction() {
    let data = batch(vec![
        ("start", times_ms(&[0, 1000, 2000])),
        ("profile_score", scores(&[Some(2.0), Some(9.0), Some(5.0)])),
        ("rarest_window3", commands_column(&[Some(vec!["a"]), Some(vec!["b"]), Some(vec!["c"])])),
    ]);
    let rarest = |higher: bool| {
        let timeline = TimelineOptions::default().with_higher_is_rarer(higher).with_log_scale(false);
        let options = ReportOptions::default().with_timeline(timeline).with_top_n(2);
        let r = Report::new(std::slice::from_ref(&data), "start", "profile_score", "rarest_window3", &options).unwrap();
        r.rarest().iter().map(|s| s.score).collect::<Vec<f64>>()
    };
    assert_eq!(rarest(true), [9.0, 5.0]);
    assert_eq!(rarest(false), [2.0, 5.0]);
}
