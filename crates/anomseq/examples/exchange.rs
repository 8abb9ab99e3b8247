//! The main job until the command line exists: score the Exchange demo
//! sessions (msticpy's sessionizing of the bundled demo logs, from
//! `fixtures/oracle-exchange/sessions_cmds.json`) with windows of 3 and print
//! the 10 rarest.
//!
//! `cargo run --release --example exchange`

use std::path::PathBuf;

use anomseq::{score_sessions, Cmd, Sessions};
use serde_json::Value;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/oracle-exchange/sessions_cmds.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let rows = doc["sessions"].as_array().ok_or("no sessions array")?;
    let lists: Vec<Vec<Cmd>> =
        rows.iter().map(|r| serde_json::from_value(r["events"].clone())).collect::<Result<_, _>>()?;
    let sessions = Sessions::from_cmds(&lists)?;
    let scores = score_sessions(&sessions, 3)?;

    let mut order: Vec<usize> = (0..sessions.len()).filter(|&i| !scores[i].likelihood.is_nan()).collect();
    order.sort_by(|&a, &b| scores[a].likelihood.total_cmp(&scores[b].likelihood).then(a.cmp(&b)));
    println!(
        "{} sessions, {} events; the 10 rarest by rarest-window (k = 3) likelihood:\n",
        sessions.len(),
        sessions.n_events()
    );
    println!(
        "{:>4}  {:<28} {:<22} {:<20} {:>6}  {:>12}  rarest window",
        "rank", "UserId", "ClientIP", "start", "events", "likelihood"
    );
    let text =
        |v: &Value| v.as_str().map(|s| s.chars().take(27).collect::<String>()).unwrap_or_else(|| "(null)".into());
    for (rank, &i) in order.iter().take(10).enumerate() {
        let r = &rows[i];
        let window: Vec<String> =
            sessions.slice_cmds(i, scores[i].range().unwrap_or(0..0)).into_iter().map(|c| c.name).collect();
        println!(
            "{:>4}  {:<28} {:<22} {:<20} {:>6}  {:>12.4e}  {}",
            rank + 1,
            text(&r["UserId"]),
            text(&r["ClientIP"]),
            r["time_min"].as_str().unwrap_or(""),
            sessions.session_len(i),
            scores[i].likelihood,
            window.join(" → ")
        );
    }
    Ok(())
}
