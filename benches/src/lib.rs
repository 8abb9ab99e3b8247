//! Seeded synthetic data for anomseq's benchmarks.
//!
//! [`synthetic_sessions`] draws sessions from a fixed random Markov chain over
//! 40 commands (a few of them rare), with parameters per command and values
//! that are either categorical or free text, so every session type has the
//! shape of real admin logs. [`SyntheticLog`] makes raw event logs (users,
//! hosts, time, command, Exchange-style parameters) for the side-by-side suite
//! (`benches/suite.py`, run by `cargo xtask bench`).

use std::sync::Arc;

use anomseq::{SessionType, Sessions, SessionsBuilder};
use arrow::array::{ArrayRef, RecordBatch, StringBuilder, TimestampNanosecondArray};
use arrow::datatypes::{DataType, Field, Schema};

mod log;

pub use log::{log_schema, SyntheticLog};

/// A small, fast, seeded generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniform integer in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const N_CMDS: usize = 40;
const N_PARAMS: usize = 30;

/// The command names of the synthetic vocabulary.
pub fn command_names() -> Vec<String> {
    const VERBS: [&str; 8] = ["Get", "Set", "New", "Remove", "Add", "Enable", "Disable", "Install"];
    const NOUNS: [&str; 5] = ["User", "Mailbox", "Policy", "Group", "Connector"];
    (0..N_CMDS).map(|i| format!("{}-{}", VERBS[i % 8], NOUNS[i / 8])).collect()
}

/// A seeded synthetic data set: `n_sessions` sessions of mean length `mean_len`.
pub fn synthetic_sessions(kind: SessionType, n_sessions: usize, mean_len: usize, seed: u64) -> Sessions {
    let mut rng = Rng::new(seed);
    let names = command_names();
    let params: Vec<String> = (0..N_PARAMS).map(|i| format!("Param{i}")).collect();
    // each command: 4 likely successors, its parameters
    let next: Vec<[usize; 4]> = (0..N_CMDS).map(|_| [0; 4].map(|_| rng.below(N_CMDS - 4))).collect();
    let cmd_params: Vec<Vec<usize>> =
        (0..N_CMDS).map(|_| (0..2 + rng.below(5)).map(|_| rng.below(N_PARAMS)).collect()).collect();
    let mut b = SessionsBuilder::new();
    let mut buf: Vec<(String, String)> = Vec::new();
    for _ in 0..n_sessions {
        let len = 1 + rng.below(2 * mean_len - 1);
        let mut c = rng.below(8);
        for _ in 0..len {
            // mostly follow the chain, sometimes jump, rarely pick one of the 4 rare commands
            let r = rng.unit();
            c = if r < 0.8 {
                next[c][rng.below(4)]
            } else if r < 0.999 {
                rng.below(N_CMDS - 4)
            } else {
                N_CMDS - 4 + rng.below(4)
            };
            let name = &names[c];
            match kind {
                SessionType::Commands => b.push_name(name).unwrap(),
                SessionType::Params | SessionType::Values => {
                    buf.clear();
                    for &p in &cmd_params[c] {
                        if rng.unit() < 0.7 {
                            let value = match p % 3 {
                                0 => ["true", "false"][rng.below(2)].to_string(),
                                1 => format!("user{}@contoso.com", rng.below(5000)),
                                _ => ["", "Low", "Medium", "High"][rng.below(4)].to_string(),
                            };
                            buf.push((params[p].clone(), value));
                        }
                    }
                    if kind == SessionType::Params {
                        b.push_params(name, buf.iter().map(|(k, _)| k.as_str())).unwrap();
                    } else {
                        b.push_values(name, buf.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
                    }
                }
            }
        }
        b.end_session().unwrap();
    }
    b.finish().unwrap()
}

/// `n_events` commands in sessions of mean length 10, over `distinct` command
/// names that all occur (the first `distinct` events name each once, in a
/// seeded order; the rest are uniform): a huge vocabulary, as process paths or
/// command lines make one.
pub fn vocab_sessions(n_events: usize, distinct: usize, seed: u64) -> Sessions {
    let mut rng = Rng::new(seed);
    let mut order: Vec<usize> = (0..distinct).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut b = SessionsBuilder::new();
    let mut in_session = 0;
    let mut len = 1 + rng.below(19);
    for i in 0..n_events.max(distinct) {
        let c = order.get(i).copied().unwrap_or_else(|| rng.below(distinct));
        b.push_name(&format!("C:\\Windows\\System32\\tool{c}.exe")).unwrap();
        in_session += 1;
        if in_session == len {
            b.end_session().unwrap();
            in_session = 0;
            len = 1 + rng.below(19);
        }
    }
    if in_session > 0 {
        b.end_session().unwrap();
    }
    b.finish().unwrap()
}

/// This process's peak resident memory so far (`VmHWM`), in bytes; 0 where unknown.
pub fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    kib * 1024
}

/// `n` log events in time order, as one would export them: `UserId` (Utf8, one of
/// `users`, 5 % missing), `TimeGenerated` (Timestamp(ns, "UTC"), a few ms apart on
/// average, many equal) and `Operation` (Utf8, one of 60 names).
pub fn events(n: usize, users: u64, seed: u64) -> RecordBatch {
    let mut rng = Rng::new(seed);
    let mut user = StringBuilder::with_capacity(n, n * 10);
    let mut op = StringBuilder::with_capacity(n, n * 14);
    let mut time = Vec::with_capacity(n);
    let user_names: Vec<String> = (0..users).map(|u| format!("user{u:06}@corp")).collect();
    let op_names: Vec<String> = (0..60).map(|o| format!("Set-Thing{o:02}")).collect();
    let mut t: i64 = 1_587_185_430_000_000_000;
    for _ in 0..n {
        t += (rng.below(8) as i64) * 1_000_000;
        time.push(t);
        let u = rng.below((users + users / 19 + 1) as usize) as u64;
        if u < users {
            user.append_value(&user_names[u as usize]);
        } else {
            user.append_null();
        }
        // a skewed command distribution
        let o = rng.below(60) * rng.below(60) / 59;
        op.append_value(&op_names[o]);
    }
    RecordBatch::try_from_iter([
        ("UserId", Arc::new(user.finish()) as ArrayRef),
        ("TimeGenerated", Arc::new(TimestampNanosecondArray::from(time).with_timezone("UTC")) as ArrayRef),
        ("Operation", Arc::new(op.finish()) as ArrayRef),
    ])
    .expect("columns of one length")
}

/// `batch` with the named Utf8 columns dictionary-encoded (Int32 keys), as
/// anomseq's Parquet reader hands user keys and command names to the sessionizer.
pub fn dictionary_encoded(batch: &RecordBatch, columns: &[&str]) -> RecordBatch {
    let dt = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let mut fields = Vec::new();
    let mut cols = Vec::new();
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        if columns.contains(&f.name().as_str()) {
            cols.push(arrow::compute::cast(c, &dt).expect("Utf8 casts to a dictionary"));
            fields.push(Field::new(f.name(), dt.clone(), true));
        } else {
            cols.push(c.clone());
            fields.push(f.as_ref().clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).expect("same columns")
}

/// The in-memory size of a batch's Arrow buffers, in bytes.
pub fn arrow_size(batch: &RecordBatch) -> usize {
    batch.get_array_memory_size()
}
