//! Seeded synthetic security logs: bursts of admin commands per user and host.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::{command_names, Rng};

/// Users, hosts, parameters of the synthetic logs.
const USERS: usize = 40;
const HOSTS: usize = 20;
const PARAMS: [&str; 10] = [
    "Identity",
    "Force",
    "Confirm",
    "ErrorAction",
    "DomainController",
    "DisplayName",
    "Policy",
    "Level",
    "Enabled",
    "Comment",
];

/// The schema of a synthetic log: `TimeGenerated`, `UserId`, `Host`, `Operation`,
/// `Parameters` (an Exchange-style JSON list of `{"Name", "Value"}`).
/// `text_time`: the time as RFC 3339 text (for CSV) rather than an Arrow timestamp.
pub fn log_schema(text_time: bool) -> SchemaRef {
    let time = if text_time { DataType::Utf8 } else { DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())) };
    Arc::new(Schema::new(vec![
        Field::new("TimeGenerated", time, false),
        Field::new("UserId", DataType::Utf8, false),
        Field::new("Host", DataType::Utf8, false),
        Field::new("Operation", DataType::Utf8, false),
        Field::new("Parameters", DataType::Utf8, false),
    ]))
}

/// The events of a synthetic log, in time order.
pub struct SyntheticLog {
    time_us: Vec<i64>,
    user: Vec<u16>,
    host: Vec<u16>,
    cmd: Vec<u8>,
    order: Vec<u32>,
    names: Vec<String>,
    cmd_params: Vec<Vec<usize>>,
    seed: u64,
}

impl SyntheticLog {
    /// About `n_events` events (exactly `n_events`), seeded: bursts of about 10
    /// commands a few seconds apart per (user, host), bursts far apart, 40
    /// commands following a Markov chain with a few rare ones.
    pub fn new(n_events: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let names = command_names();
        let n_cmds = names.len();
        let next: Vec<[usize; 4]> = (0..n_cmds).map(|_| [0; 4].map(|_| rng.below(n_cmds - 4))).collect();
        let cmd_params: Vec<Vec<usize>> =
            (0..n_cmds).map(|_| (0..2 + rng.below(4)).map(|_| rng.below(PARAMS.len())).collect()).collect();
        let bursts = n_events.div_ceil(10).max(1);
        // each user gets bursts ~10 minutes apart on average
        let span_us: i64 = ((bursts / USERS).max(1) as i64) * 10 * 60 * 1_000_000;
        let start: i64 = 1_767_225_600 * 1_000_000; // 2026-01-01T00:00:00Z
        let (mut time_us, mut user, mut host, mut cmd) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        while time_us.len() < n_events {
            let u = rng.below(USERS) as u16;
            let h = ((u as usize * 7 + rng.below(3)) % HOSTS) as u16;
            let mut t = start + (rng.unit() * span_us as f64) as i64;
            let len = 1 + rng.below(19);
            let mut c = rng.below(8);
            for _ in 0..len.min(n_events - time_us.len()) {
                let r = rng.unit();
                c = if r < 0.8 {
                    next[c][rng.below(4)]
                } else if r < 0.999 {
                    rng.below(n_cmds - 4)
                } else {
                    n_cmds - 4 + rng.below(4)
                };
                time_us.push(t);
                user.push(u);
                host.push(h);
                cmd.push(c as u8);
                t += (1 + rng.below(30)) as i64 * 1_000_000;
            }
        }
        let mut order: Vec<u32> = (0..time_us.len() as u32).collect();
        order.sort_by_key(|&i| time_us[i as usize]);
        SyntheticLog { time_us, user, host, cmd, order, names, cmd_params, seed }
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when there are no events.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    fn params(&self, event: u32) -> String {
        let mut rng = Rng::new(self.seed ^ (event as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let c = self.cmd[event as usize] as usize;
        let mut items: Vec<String> = Vec::new();
        let mut seen = [false; PARAMS.len()];
        for &p in &self.cmd_params[c] {
            if std::mem::replace(&mut seen[p], true) || rng.unit() >= 0.75 {
                continue;
            }
            let value = match p % 3 {
                0 => format!("user{}@contoso.com", rng.below(5000)),
                1 => ["true", "false"][rng.below(2)].to_owned(),
                _ => ["", "Low", "Medium", "High"][rng.below(4)].to_owned(),
            };
            items.push(format!(r#"{{"Name":"{}","Value":"{}"}}"#, PARAMS[p], value));
        }
        format!("[{}]", items.join(","))
    }

    /// Rows `from..to` (in time order) as a record batch.
    pub fn batch(&self, from: usize, to: usize, text_time: bool) -> RecordBatch {
        let rows = &self.order[from..to];
        let time: ArrayRef = if text_time {
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|&i| anomseq_sessionize::format_timestamp(self.time_us[i as usize] * 1000)),
            ))
        } else {
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(rows.iter().map(|&i| self.time_us[i as usize]))
                    .with_timezone("UTC"),
            )
        };
        let cols: Vec<ArrayRef> = vec![
            time,
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|&i| format!("user{}@contoso.com", self.user[i as usize])),
            )),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|&i| format!("host-{:02}", self.host[i as usize])))),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|&i| self.names[self.cmd[i as usize] as usize].as_str()),
            )),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|&i| self.params(i)))),
        ];
        RecordBatch::try_new(log_schema(text_time), cols).expect("columns match the schema")
    }
}
