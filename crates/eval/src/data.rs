//! Labelled sessions, as the `sessions.jsonl` files of the shared data sets hold them.

use anomseq_core::{Sessions, SessionsBuilder};

use crate::Error;

/// A data set of sessions of command names with a label, a weight and an
/// optional split per session.
#[derive(Debug, Clone)]
pub struct Labelled {
    /// The sessions (commands type).
    pub sessions: Sessions,
    /// `true` = anomalous.
    pub labels: Vec<bool>,
    /// How many sessions each stands for (1 unless the line gives `weight`).
    pub weights: Vec<f64>,
    /// The line's `split`, if any.
    pub splits: Vec<Option<String>>,
}

#[derive(serde::Deserialize)]
struct Line {
    events: Vec<String>,
    label: u8,
    #[serde(default)]
    weight: Option<f64>,
    #[serde(default)]
    split: Option<String>,
}

impl Labelled {
    /// Parse JSON lines `{"events":[..],"label":0|1[,"weight":w][,"split":s]}`
    /// (other fields are ignored). Blank lines are skipped; anything else that
    /// is not such a line is an error naming the line.
    pub fn parse_jsonl(text: &str) -> Result<Labelled, Error> {
        let mut b = SessionsBuilder::new();
        let (mut labels, mut weights, mut splits) = (Vec::new(), Vec::new(), Vec::new());
        for (k, raw) in text.lines().enumerate() {
            if raw.trim().is_empty() {
                continue;
            }
            let line = k + 1;
            let l: Line = serde_json::from_str(raw).map_err(|e| Error::Parse { line, message: e.to_string() })?;
            if l.label > 1 {
                return Err(Error::Parse { line, message: format!("label must be 0 or 1, got {}", l.label) });
            }
            let w = l.weight.unwrap_or(1.0);
            if !(w.is_finite() && w > 0.0) {
                return Err(Error::Parse { line, message: format!("weight must be finite and positive, got {w}") });
            }
            if l.events.is_empty() {
                return Err(Error::Parse { line, message: "a session needs at least one event".into() });
            }
            for e in &l.events {
                b.push_name(e)?;
            }
            b.end_session()?;
            labels.push(l.label == 1);
            weights.push(w);
            splits.push(l.split);
        }
        Ok(Labelled { sessions: b.finish()?, labels, weights, splits })
    }

    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there is no session (never, for a parsed data set).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The sessions at `indices`, in that order, each repeated `copies(i)` times.
    pub fn subset(&self, indices: &[usize], copies: impl Fn(usize) -> usize) -> Result<Labelled, Error> {
        let mut b = SessionsBuilder::new();
        let (mut labels, mut weights, mut splits) = (Vec::new(), Vec::new(), Vec::new());
        let names = self.sessions.names();
        for &i in indices {
            for _ in 0..copies(i) {
                for &c in self.sessions.session_cmds(i) {
                    b.push_name(names.resolve(c))?;
                }
                b.end_session()?;
                labels.push(self.labels[i]);
                weights.push(self.weights[i]);
                splits.push(self.splits[i].clone());
            }
        }
        Ok(Labelled { sessions: b.finish()?, labels, weights, splits })
    }
}
