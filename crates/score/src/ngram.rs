//! The opt-in `ngram` scorer: a session's mean surprise per event (its cross-entropy) under an interpolated Kneser–Ney n-gram model.
//!
//! The `ngram` mode ([`NgramModel`]) reads command names only, like `profile`, but
//! scores a session by the **mean** of `−ln p(event | up to order − 1 previous
//! events)` over its events and `##END##`: the nats per event the model needs to
//! encode the session, as system-call language models score a trace. Where the
//! `profile` mode's largest surprise and count-profile distance suit short sessions
//! (a missing or extra event in an HDFS block), the mean suits long traces, whose
//! every window carries some evidence (ADFA-LD's system calls: `docs/quality.md`).
//!
//! The model is [`Smoothing::ModifiedKneserNey`] by default, at the order the
//! model's sequence state keeps (`anomseq train --order 7` for long traces): the best
//! held-out cross-entropy on ADFA-LD's training traces at every order tried. Higher
//! scores are rarer; the largest single surprise is kept as a part, to say where.

use std::sync::Arc;

use anomseq_core::Sessions;
use anomseq_model::{SequenceCounts, DEFAULT_ORDER, MAX_ORDER, SEQ_END, SEQ_START};
use rayon::prelude::*;

use crate::kneser_ney::KneserNey;
use crate::{Error, Smoothing};

/// Options of the `ngram` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct NgramOptions {
    /// Order of the n-gram model (1 to [`MAX_ORDER`]); by default the order the
    /// model's sequence state keeps, or [`DEFAULT_ORDER`] when trained on the
    /// sessions scored.
    pub order: Option<usize>,
    /// How the model smooths its counts: [`Smoothing::ModifiedKneserNey`] by default
    /// (back-off is the `profile` mode's alone).
    pub smoothing: Smoothing,
}

impl Default for NgramOptions {
    fn default() -> Self {
        NgramOptions { order: None, smoothing: Smoothing::ModifiedKneserNey }
    }
}

impl NgramOptions {
    /// The same options at n-gram order `order` (`None`: the model's).
    pub fn with_order(mut self, order: Option<usize>) -> Self {
        self.order = order;
        self
    }

    /// The same options with another smoothing (Kneser–Ney or modified Kneser–Ney).
    pub fn with_smoothing(mut self, smoothing: Smoothing) -> Self {
        self.smoothing = smoothing;
        self
    }

    fn check(&self) -> Result<(), Error> {
        if let Some(order) = self.order.filter(|&o| o == 0 || o > MAX_ORDER) {
            return Err(Error::Order(order));
        }
        if self.smoothing == Smoothing::BackOff {
            return Err(Error::NgramSmoothing(self.smoothing.name()));
        }
        Ok(())
    }
}

/// One session's `ngram` score and where its largest surprise is.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NgramScore {
    /// Mean `−ln p` per event, `##END##` included, in nats: higher is rarer.
    pub score: f64,
    /// The largest `−ln p` of one event (or of `##END##`), in nats.
    pub surprise: f64,
    /// The event it belongs to (the session's length for `##END##`).
    pub at: usize,
}

/// The trained state of the `ngram` mode: an interpolated Kneser–Ney model over a
/// [`SequenceCounts`] (a saved model's [`sequence`](anomseq_model::Model::sequence),
/// or one counted from the sessions scored).
///
/// ```
/// use anomseq_core::{Cmd, Sessions};
/// use anomseq_score::{NgramModel, NgramOptions};
/// let s = |l: &[&[&str]]| Sessions::from_cmds(l.iter().map(|x| x.iter().map(|n| Cmd::new(*n)).collect::<Vec<_>>()).collect::<Vec<_>>()).unwrap();
/// let train = s(&[&["open", "read", "close"], &["open", "read", "read", "close"]]);
/// let model = NgramModel::train(&train, &NgramOptions::default().with_order(Some(3)))?;
/// let scored = model.score(&s(&[&["open", "read", "close"], &["open", "exec", "close"]]));
/// assert!(scored[1].score > scored[0].score);
/// assert_eq!(scored[1].at, 1); // `exec` was never seen
/// # Ok::<(), anomseq_score::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct NgramModel {
    order: usize,
    counts: Arc<SequenceCounts>,
    kneser_ney: KneserNey,
}

impl NgramModel {
    /// Count `sessions` at the options' order ([`DEFAULT_ORDER`] when it says none)
    /// and build the model.
    pub fn train(sessions: &Sessions, options: &NgramOptions) -> Result<NgramModel, Error> {
        options.check()?;
        let counts = SequenceCounts::from_sessions(sessions, options.order.unwrap_or(DEFAULT_ORDER))?;
        NgramModel::from_counts(counts, options)
    }

    /// The model of a saved sequence state, at the options' order (at most the order
    /// it kept; the order it kept when the options say none).
    pub fn from_counts(counts: impl Into<Arc<SequenceCounts>>, options: &NgramOptions) -> Result<NgramModel, Error> {
        options.check()?;
        let counts = counts.into();
        let order = options.order.unwrap_or(counts.order());
        if order > counts.order() {
            return Err(Error::OrderAboveModel { order, kept: counts.order() });
        }
        let kneser_ney = KneserNey::new(&counts, order, options.smoothing);
        Ok(NgramModel { order, counts, kneser_ney })
    }

    /// Whether the model saw the command `name` in training.
    pub fn knows(&self, name: &str) -> bool {
        self.counts.id(name).is_some()
    }

    /// The n-gram order the model scores with.
    pub fn order(&self) -> usize {
        self.order
    }

    /// Score `sessions` on rayon's threads: higher is rarer.
    pub fn score(&self, sessions: &Sessions) -> Vec<NgramScore> {
        let ids = self.ids(sessions);
        (0..sessions.len())
            .into_par_iter()
            .map_init(Vec::new, |seq, i| self.score_one(sessions, i, &ids, seq))
            .collect()
    }

    /// Session `i`'s score alone (what [`score`](Self::score) gives it): to say where
    /// its largest surprise is.
    pub fn explain(&self, sessions: &Sessions, i: usize) -> Option<NgramScore> {
        (i < sessions.len()).then(|| self.score_one(sessions, i, &self.ids(sessions), &mut Vec::new()))
    }

    /// Each name of the data set as a model token; unseen names above the vocabulary, one each.
    fn ids(&self, sessions: &Sessions) -> Vec<u32> {
        let base = self.counts.names().len() as u32 + 2;
        sessions.names().iter().enumerate().map(|(k, n)| self.counts.id(n).unwrap_or(base + k as u32)).collect()
    }

    fn score_one(&self, sessions: &Sessions, i: usize, ids: &[u32], seq: &mut Vec<u32>) -> NgramScore {
        seq.clear();
        seq.push(SEQ_START);
        seq.extend(sessions.session_cmds(i).iter().map(|&c| ids[c as usize]));
        seq.push(SEQ_END);
        // summed in event order; the largest −ln p is −ln of the smallest p
        let (mut sum, mut least, mut at) = (0.0, f64::INFINITY, 0);
        self.kneser_ney.each(seq, |t, p| {
            sum += -p.ln();
            if p < least {
                (least, at) = (p, t - 1);
            }
        });
        NgramScore { score: sum / (seq.len() - 1) as f64, surprise: -least.ln(), at }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::tests::sessions;

    const TRAIN: &[&[&str]] = &[
        &["a", "b", "c", "d", "e", "a"],
        &["a", "b", "c", "d"],
        &["b", "c", "d", "e", "a", "b", "c"],
        &["a", "b", "c", "c", "d", "e"],
        &["c", "a", "b", "c", "d"],
    ];
    const TEST: &[&[&str]] = &[&["a", "b", "c", "d", "e"], &["a", "x", "c", "d"], &["e", "d", "c", "b", "a"], &["e"]];

    const EXPECTED_MKN2: &[(f64, f64, usize)] = &[
        (0.8644838510342749, 1.7393536214159009, 5),
        (1.5759388895913502, 3.5381802578670483, 1),
        (2.878227485692971, 3.559686463088012, 1),
        (2.235790283168187, 2.732226944920473, 0),
    ];
    const EXPECTED_MKN5: &[(f64, f64, usize)] = &[
        (0.705986988594821, 1.6356751919410593, 5),
        (1.8472964978990851, 3.7900376038006844, 1),
        (2.318747841820542, 2.6775436186464185, 0),
        (1.9354415833354928, 2.6775436186464185, 0),
    ];
    const EXPECTED_MKN7: &[(f64, f64, usize)] = &[
        (0.9304346852950359, 3.02196955306095, 5),
        (1.8472964978990851, 3.7900376038006844, 1),
        (2.318747841820542, 2.6775436186464185, 0),
        (1.9354415833354928, 2.6775436186464185, 0),
    ];
    const EXPECTED_KN6: &[(f64, f64, usize)] = &[
        (0.7557932354055016, 2.6781953464414103, 5),
        (2.134672719276624, 5.92474182415557, 1),
        (2.5682475025653564, 3.560463162156184, 0),
        (2.3148149382127983, 3.560463162156184, 0),
    ];

    /// Each test session's mean and largest `−ln p` and where, against an independent
    /// Python transcription of interpolated (modified) Kneser–Ney (written for issue
    /// #16 apart from this code, the one that measured ADFA-LD first).
    fn check(order: usize, smoothing: Smoothing, expected: &[(f64, f64, usize)]) {
        let options = NgramOptions::default().with_order(Some(order)).with_smoothing(smoothing);
        let got = NgramModel::train(&sessions(TRAIN), &options).unwrap().score(&sessions(TEST));
        for (g, &(mean, max, at)) in got.iter().zip(expected) {
            assert!((g.score - mean).abs() <= 1e-12 * mean, "order {order}: {g:?} != {mean}");
            assert!((g.surprise - max).abs() <= 1e-12 * max, "order {order}: {g:?} != {max}");
            assert_eq!(g.at, at, "order {order}: {g:?}");
        }
        assert_eq!(got.len(), expected.len());
    }

    #[test]
    fn modified_kneser_ney_orders() {
        check(2, Smoothing::ModifiedKneserNey, EXPECTED_MKN2);
        check(5, Smoothing::ModifiedKneserNey, EXPECTED_MKN5);
        check(7, Smoothing::ModifiedKneserNey, EXPECTED_MKN7);
    }

    #[test]
    fn kneser_ney_order_6() {
        check(6, Smoothing::KneserNey, EXPECTED_KN6);
    }

    #[test]
    fn options_are_checked() {
        let s = sessions(TRAIN);
        let bad = |o: NgramOptions| NgramModel::train(&s, &o).unwrap_err().to_string();
        assert_eq!(bad(NgramOptions::default().with_order(Some(9))), Error::Order(9).to_string());
        assert_eq!(bad(NgramOptions::default().with_order(Some(0))), Error::Order(0).to_string());
        assert!(bad(NgramOptions::default().with_smoothing(Smoothing::BackOff)).contains("back-off"));
        let counts = SequenceCounts::from_sessions(&s, 3).unwrap();
        let e = NgramModel::from_counts(counts.clone(), &NgramOptions::default().with_order(Some(4))).unwrap_err();
        assert_eq!(e.to_string(), Error::OrderAboveModel { order: 4, kept: 3 }.to_string());
        // no order: the one the counts keep
        assert_eq!(NgramModel::from_counts(counts, &NgramOptions::default()).unwrap().order(), 3);
    }

    /// Each score is the mean of the per-event surprises `KneserNey::prob` gives.
    #[test]
    fn mean_of_each_step() {
        let counts = SequenceCounts::from_sessions(&sessions(TRAIN), MAX_ORDER).unwrap();
        for order in 1..=MAX_ORDER {
            let options = NgramOptions::default().with_order(Some(order));
            let m = NgramModel::from_counts(counts.clone(), &options).unwrap();
            let kn = KneserNey::new(&counts, order, Smoothing::ModifiedKneserNey);
            let test = sessions(TEST);
            for (i, got) in m.score(&test).iter().enumerate() {
                let mut seq = vec![SEQ_START];
                let names: Vec<&str> = test.names().iter().collect();
                seq.extend(test.session_cmds(i).iter().map(|&c| counts.id(names[c as usize]).unwrap_or(99)));
                seq.push(SEQ_END);
                let steps: Vec<f64> = (1..seq.len()).map(|t| -kn.prob(&seq, t).ln()).collect();
                let mean = steps.iter().sum::<f64>() / steps.len() as f64;
                assert!((got.score - mean).abs() <= 1e-12 * mean, "order {order}, session {i}");
                assert_eq!(got.surprise, steps.iter().copied().fold(f64::NEG_INFINITY, f64::max));
            }
        }
    }
}
