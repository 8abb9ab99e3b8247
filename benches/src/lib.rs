//! Benchmarks only, and the synthetic data they share.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringBuilder, TimestampNanosecondArray};

/// A deterministic pseudo-random generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
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
        let u = rng.below(users + users / 19 + 1);
        if u < users {
            user.append_value(&user_names[u as usize]);
        } else {
            user.append_null();
        }
        // a skewed command distribution
        let o = (rng.below(60) * rng.below(60) / 59) as usize;
        op.append_value(&op_names[o]);
    }
    RecordBatch::try_from_iter([
        ("UserId", Arc::new(user.finish()) as ArrayRef),
        ("TimeGenerated", Arc::new(TimestampNanosecondArray::from(time).with_timezone("UTC")) as ArrayRef),
        ("Operation", Arc::new(op.finish()) as ArrayRef),
    ])
    .expect("columns of one length")
}

/// The in-memory size of a batch's Arrow buffers, in bytes.
pub fn arrow_size(batch: &RecordBatch) -> usize {
    batch.get_array_memory_size()
}
