//! Evaluation protocols and the detectors they compare.

use anomseq_core::Direction;
use anomseq_model::{Model, ModelOptions, DEFAULT_ORDER};
use anomseq_score::{
    rarest_windows_log, score_with_model, NgramOptions, ProfileModel, ProfileOptions, ScoreOptions, ScoringMode,
    Smoothing, WindowOptions,
};

use crate::{metrics, Error, Labelled, Metrics};

/// How training and test sessions are chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum Protocol {
    /// Train on every session (weights as count multipliers), score every session:
    /// msticpy's use.
    Unsupervised,
    /// Train on a seeded random `fraction` of the normal sessions, score all the others.
    SemiSupervised {
        /// Share of the normal sessions to train on (e.g. 0.1).
        fraction: f64,
        /// Seed of the sample.
        seed: u64,
    },
    /// Train on the sessions whose split is `train`, score all the others
    /// (ADFA-LD's standard protocol).
    Split {
        /// The training split's name.
        train: String,
    },
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Protocol::Unsupervised => write!(f, "unsupervised"),
            Protocol::SemiSupervised { fraction, seed } => {
                write!(f, "semi-supervised ({:.0} % of normals, seed {seed})", fraction * 100.0)
            }
            Protocol::Split { train } => write!(f, "split (train on `{train}`)"),
        }
    }
}

/// A scoring configuration under evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Detector {
    /// msticpy's score: the rarest window's likelihood (linear, tokens on), window `k`.
    Reference {
        /// Window length.
        window: usize,
    },
    /// The rarest window's log-likelihood, window `k`, tokens on or off.
    ReferenceLog {
        /// Window length.
        window: usize,
        /// `##START##`/`##END##` tokens (off: the first window takes the prior factor... and no END).
        tokens: bool,
    },
    /// The `profile` mode with these options.
    Profile(ProfileOptions),
    /// Only the profile distance of the `profile` mode.
    ProfileDistance,
    /// Only the n-gram surprise of the `profile` mode, at this order.
    Surprise {
        /// n-gram order.
        order: usize,
    },
    /// The `ngram` mode (mean surprise per event) from a model keeping n-grams up to `order`.
    Ngram {
        /// n-gram order the model keeps and scores with.
        order: usize,
        /// Kneser–Ney or modified Kneser–Ney.
        smoothing: Smoothing,
    },
}

impl std::fmt::Display for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Detector::Reference { window } => write!(f, "reference, window {window}"),
            Detector::ReferenceLog { window, tokens } => {
                write!(f, "log rarest window {window}, tokens {}", if *tokens { "on" } else { "off" })
            }
            Detector::Profile(o) => write!(
                f,
                "profile (order {}, {}, surprise weight {}, min support {})",
                o.order,
                o.smoothing.name(),
                o.surprise_weight,
                o.min_support
            ),
            Detector::ProfileDistance => write!(f, "profile distance only"),
            Detector::Surprise { order } => write!(f, "n-gram surprise only, order {order}, kneser-ney"),
            Detector::Ngram { order, smoothing } => write!(f, "ngram (order {order}, {})", smoothing.name()),
        }
    }
}

/// A tiny deterministic generator (splitmix64), so samples do not depend on a crate's version.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded uniform sample of `round(fraction × n)` (at least one) of the
/// normal sessions, as a mask over all sessions.
pub fn sample_normals(labels: &[bool], fraction: f64, seed: u64) -> Vec<bool> {
    let mut normals: Vec<usize> = (0..labels.len()).filter(|&i| !labels[i]).collect();
    let take = ((fraction * normals.len() as f64).round() as usize).clamp(1.min(normals.len()), normals.len());
    let mut state = seed;
    for k in 0..take {
        let j = k + (splitmix(&mut state) % (normals.len() - k) as u64) as usize;
        normals.swap(k, j);
    }
    let mut mask = vec![false; labels.len()];
    for &i in &normals[..take] {
        mask[i] = true;
    }
    mask
}

/// Scores oriented so that higher is more anomalous, whatever their direction; a
/// session without a score (NaN: no window fits) ranks least anomalous.
fn anomaly(scores: &[f64], direction: Direction) -> Vec<f64> {
    scores
        .iter()
        .map(|&x| match direction {
            _ if x.is_nan() => f64::NEG_INFINITY,
            Direction::LowerIsRarer => -x,
            Direction::HigherIsRarer => x,
        })
        .collect()
}

/// One evaluated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The metrics on the test sessions.
    pub metrics: Metrics,
    /// Number of training sessions (before weighting).
    pub n_train: usize,
    /// Number of test sessions.
    pub n_test: usize,
}

/// `model` written as a model file and read back.
fn through_the_file(model: &Model) -> Result<Model, Error> {
    Model::from_file_bytes(&model.to_file_bytes()).map_err(score_error)
}

fn score_error(e: anomseq_model::Error) -> Error {
    Error::Score(e.into())
}

/// Train `detector` on `data` as `protocol` says and measure it on the test sessions.
///
/// Likelihood scores are negated so that higher is more anomalous; a session
/// no window fits (NaN likelihood) is ranked least anomalous. Under the
/// unsupervised protocol the reference model, which counts whole sessions,
/// trains on `round(weight)` copies of each session, and the `profile` mode
/// takes the weights directly and scores with [`ProfileModel::score_training`].
pub fn evaluate(data: &Labelled, protocol: &Protocol, detector: Detector) -> Result<Outcome, Error> {
    let n = data.len();
    let train_mask: Vec<bool> = match protocol {
        Protocol::Unsupervised => vec![true; n],
        Protocol::SemiSupervised { fraction, seed } => sample_normals(&data.labels, *fraction, *seed),
        Protocol::Split { train } => data.splits.iter().map(|s| s.as_deref() == Some(train.as_str())).collect(),
    };
    let unsupervised = *protocol == Protocol::Unsupervised;
    let train_idx: Vec<usize> = (0..n).filter(|&i| train_mask[i]).collect();
    let test_idx: Vec<usize> =
        if unsupervised { (0..n).collect() } else { (0..n).filter(|&i| !train_mask[i]).collect() };
    for (what, idx) in [("training", &train_idx), ("test", &test_idx)] {
        if idx.is_empty() {
            return Err(Error::EmptySplit { protocol: protocol.to_string(), what });
        }
    }
    let test = data.subset(&test_idx, |_| 1)?;
    let copies = |i: usize| if unsupervised { (data.weights[i].round() as usize).max(1) } else { 1 };
    let scores: Vec<f64> = match detector {
        Detector::Ngram { order, smoothing } => {
            // trained (each session `round(weight)` times when unsupervised, as the
            // reference model is), saved, loaded and scored as `anomseq train --order N`
            // and `anomseq score --model M --mode ngram` do
            let o = ModelOptions::every_mode().with_sequence_order(Some(order));
            let train = data.subset(&train_idx, copies)?;
            let model = through_the_file(&Model::try_train_with(&train.sessions, &o).map_err(score_error)?)?;
            let options = ScoreOptions::new(3)
                .with_mode(ScoringMode::Ngram)
                .with_ngram(NgramOptions::default().with_order(Some(order)).with_smoothing(smoothing));
            let scored = score_with_model(&model, &test.sessions, &options)?;
            anomaly(scored.scores(), scored.direction())
        }
        Detector::Reference { .. } | Detector::ReferenceLog { .. } => {
            let model = Model::train(&data.subset(&train_idx, copies)?.sessions);
            // what a user scores with: the model saved and loaded back
            let model = through_the_file(&model)?;
            match detector {
                // the pipeline's scoring step, as the CLI runs it
                Detector::Reference { window } => {
                    let scored = score_with_model(&model, &test.sessions, &ScoreOptions::new(window))?;
                    anomaly(scored.scores(), scored.direction())
                }
                Detector::ReferenceLog { window, tokens } => {
                    let o = WindowOptions::new(window).tokens(tokens);
                    let rarest = rarest_windows_log(model.probabilities(), &test.sessions, &o)?;
                    let logs: Vec<f64> = rarest.iter().map(|r| r.likelihood).collect();
                    anomaly(&logs, Direction::LowerIsRarer)
                }
                _ => unreachable!(),
            }
        }
        Detector::Profile(_) | Detector::ProfileDistance | Detector::Surprise { .. } => {
            let options = match detector {
                Detector::Profile(o) => o,
                Detector::Surprise { order } => ProfileOptions { order, ..ProfileOptions::default() },
                _ => ProfileOptions::default(),
            };
            let train = data.subset(&train_idx, |_| 1)?;
            let parts = if unsupervised {
                // the weights are shares, not whole sessions: trained here, as `score
                // --mode profile` without a model trains on the sessions it scores
                ProfileModel::train_weighted(&train.sessions, &train.weights, &options)?.score_training(&test.sessions)
            } else {
                // trained, saved, loaded and scored as `anomseq train` and `anomseq
                // score --model M --mode profile` do
                let o = ModelOptions::every_mode().with_sequence_order(Some(options.order.max(DEFAULT_ORDER)));
                let model = through_the_file(&Model::try_train_with(&train.sessions, &o).map_err(score_error)?)?;
                let saved = model.sequence().ok_or(anomseq_score::Error::ModeNeedsState { mode: "profile" })?;
                // what score_with_model scores in the `profile` mode, with its parts
                ProfileModel::from_counts(saved.clone(), &options)?.score(&test.sessions)
            };
            let parts: Vec<f64> = parts
                .iter()
                .map(|p| match detector {
                    Detector::ProfileDistance => p.distance,
                    Detector::Surprise { .. } => p.surprise,
                    _ => p.score,
                })
                .collect();
            anomaly(&parts, Direction::HigherIsRarer)
        }
    };
    Ok(Outcome {
        metrics: metrics(&scores, &test.labels, &test.weights)?,
        n_train: train_idx.len(),
        n_test: test_idx.len(),
    })
}
