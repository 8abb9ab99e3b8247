//! The names of the columns anomseq writes, and which way each score points: defined once.
//!
//! Every layer that writes, reads or shows scores (io, viz, the CLI, the
//! Python package) takes its column names from here.

use std::cmp::Ordering;

/// Which way a score points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Direction {
    /// A likelihood: the lower, the rarer.
    LowerIsRarer,
    /// An anomaly score (the `profile` mode): the higher, the rarer.
    HigherIsRarer,
}

impl Direction {
    /// How the direction reads on a page or in a terminal (`lower is rarer`).
    pub fn label(self) -> &'static str {
        match self {
            Direction::LowerIsRarer => "lower is rarer",
            Direction::HigherIsRarer => "higher is rarer",
        }
    }

    /// Compare two scores so that the rarer comes first; NaN (no score) comes last.
    pub fn rarer_first(self, a: f64, b: f64) -> Ordering {
        match (a.is_nan(), b.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => match self {
                Direction::LowerIsRarer => a.total_cmp(&b),
                Direction::HigherIsRarer => b.total_cmp(&a),
            },
        }
    }

    /// The indices of `scores`, rarest first, ties in index order, NaN (no score) left out:
    /// the one ranking every output uses.
    ///
    /// ```
    /// use anomseq_core::Direction;
    /// assert_eq!(Direction::LowerIsRarer.rarest_first(&[0.5, f64::NAN, 0.1, 0.5]), [2, 0, 3]);
    /// assert_eq!(Direction::HigherIsRarer.rarest_first(&[0.5, f64::NAN, 0.1, 0.5]), [0, 3, 2]);
    /// ```
    pub fn rarest_first(self, scores: &[f64]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..scores.len()).filter(|&i| !scores[i].is_nan()).collect();
        order.sort_by(|&a, &b| self.rarer_first(scores[a], scores[b]).then(a.cmp(&b)));
        order
    }

    /// The first `n` of [`Direction::rarest_first`], found without sorting every
    /// score (a selection, then a sort of the `n`): what a top-n list needs.
    ///
    /// ```
    /// use anomseq_core::Direction;
    /// let scores = [0.5, f64::NAN, 0.1, 0.5, 0.3];
    /// assert_eq!(Direction::LowerIsRarer.rarest_first_n(&scores, 2), [2, 4]);
    /// assert_eq!(Direction::LowerIsRarer.rarest_first_n(&scores, 9), Direction::LowerIsRarer.rarest_first(&scores));
    /// ```
    pub fn rarest_first_n(self, scores: &[f64], n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..scores.len()).filter(|&i| !scores[i].is_nan()).collect();
        // a total order (ties by index), so the selection keeps what the stable sort keeps
        let cmp = |a: &usize, b: &usize| self.rarer_first(scores[*a], scores[*b]).then(a.cmp(b));
        if n < order.len() {
            if n == 0 {
                return Vec::new();
            }
            order.select_nth_unstable_by(n - 1, cmp);
            order.truncate(n);
        }
        order.sort_unstable_by(cmp);
        order
    }
}

/// Number of events of each session (UInt64), as msticpy's report names it.
pub const SESSION_LENGTH: &str = "session_length";
/// Items of a session the model never saw: commands, parameters, and (non-empty)
/// values of modelled parameters, counted per occurrence (UInt64).
pub const UNSEEN: &str = "unseen";
/// Likelihood of the whole session (`--all-scores`).
pub const SESSION_LIKELIHOOD: &str = "session_likelihood";
/// Geometric mean of the whole session's likelihood (`--all-scores`).
pub const SESSION_GEOMEAN_LIKELIHOOD: &str = "session_geomean_likelihood";
/// Natural log of the whole session's likelihood (`--all-scores`).
pub const SESSION_LOG_LIKELIHOOD: &str = "session_log_likelihood";
/// The `profile` mode's score (higher is rarer).
pub const PROFILE_SCORE: &str = "profile_score";
/// The `profile` mode's distance to the nearest training count profile.
pub const PROFILE_DISTANCE: &str = "profile_distance";
/// The `profile` mode's largest surprise of one event, in nats.
pub const PROFILE_SURPRISE: &str = "profile_surprise";
/// The `novelty` mode's score (higher is rarer): the `profile` score plus its
/// parameters' part.
pub const NOVELTY_SCORE: &str = "novelty_score";
/// The `novelty` mode's distance to the nearest training count profile.
pub const NOVELTY_DISTANCE: &str = "novelty_distance";
/// The `novelty` mode's largest sequence surprise of one event, in nats.
pub const NOVELTY_SURPRISE: &str = "novelty_surprise";
/// The `novelty` mode's largest surprise of one parameter, value or parameter set, in nats.
pub const NOVELTY_PARAMS: &str = "novelty_params";
/// The `ngram` mode's score (higher is rarer): the session's mean surprise per event
/// (`##END##` included), in nats: its cross-entropy under the n-gram model.
pub const NGRAM_SCORE: &str = "ngram_score";
/// The `ngram` mode's largest surprise of one event, in nats.
pub const NGRAM_SURPRISE: &str = "ngram_surprise";

/// The rarest window of length `k` (a list of events): `rarest_window3`.
pub fn rarest_window(k: usize) -> String {
    format!("rarest_window{k}")
}

/// The rarest window's likelihood: `rarest_window3_likelihood`.
pub fn rarest_window_likelihood(k: usize) -> String {
    format!("rarest_window{k}_likelihood")
}

/// The rarest window's natural log-likelihood (`--all-scores`): `rarest_window3_log_likelihood`.
pub fn rarest_window_log_likelihood(k: usize) -> String {
    format!("rarest_window{k}_log_likelihood")
}

/// The factor each token of the rarest window contributed (a list of floats;
/// their product is the window's likelihood): `rarest_window3_factors`.
pub fn rarest_window_factors(k: usize) -> String {
    format!("rarest_window{k}_factors")
}

/// What a column anomseq writes holds, read from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnKind {
    /// A score (Float64) pointing this way.
    Score(Direction),
    /// A score that is a log-likelihood (Float64; lower is rarer, may be negative).
    LogScore,
    /// A rarest window of this length (a list of events).
    Window(usize),
    /// The factors of a rarest window of this length (a list of floats).
    Factors(usize),
    /// A count (UInt64): [`SESSION_LENGTH`] or [`UNSEEN`].
    Count,
}

fn window_len(rest: &str) -> Option<usize> {
    (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())).then(|| rest.parse().ok()).flatten()
}

/// What the column `name` holds, if anomseq writes such a column.
///
/// ```
/// use anomseq_core::{column_kind, ColumnKind, Direction};
/// assert_eq!(column_kind("rarest_window3_likelihood"), Some(ColumnKind::Score(Direction::LowerIsRarer)));
/// assert_eq!(column_kind("profile_score"), Some(ColumnKind::Score(Direction::HigherIsRarer)));
/// assert_eq!(column_kind("rarest_window3"), Some(ColumnKind::Window(3)));
/// assert_eq!(column_kind("rarest_window3_factors"), Some(ColumnKind::Factors(3)));
/// assert_eq!(column_kind("user"), None);
/// ```
pub fn column_kind(name: &str) -> Option<ColumnKind> {
    match name {
        SESSION_LIKELIHOOD | SESSION_GEOMEAN_LIKELIHOOD => return Some(ColumnKind::Score(Direction::LowerIsRarer)),
        SESSION_LOG_LIKELIHOOD => return Some(ColumnKind::LogScore),
        PROFILE_SCORE | PROFILE_DISTANCE | PROFILE_SURPRISE | NOVELTY_SCORE | NOVELTY_DISTANCE | NOVELTY_SURPRISE
        | NOVELTY_PARAMS | NGRAM_SCORE | NGRAM_SURPRISE => return Some(ColumnKind::Score(Direction::HigherIsRarer)),
        SESSION_LENGTH | UNSEEN => return Some(ColumnKind::Count),
        _ => {}
    }
    let rest = name.strip_prefix("rarest_window")?;
    if let Some(k) = window_len(rest) {
        return Some(ColumnKind::Window(k));
    }
    let (k, suffix) = rest.split_once('_')?;
    let k = window_len(k)?;
    match suffix {
        "likelihood" => Some(ColumnKind::Score(Direction::LowerIsRarer)),
        "log_likelihood" => Some(ColumnKind::LogScore),
        "factors" => Some(ColumnKind::Factors(k)),
        _ => None,
    }
}

/// The window column that explains the score column `score` (`rarest_window3`
/// for `rarest_window3_likelihood`), if its name says.
pub fn window_of(score: &str) -> Option<String> {
    let rest = score.strip_prefix("rarest_window")?;
    let (k, _) = rest.split_once('_')?;
    window_len(k).map(rarest_window)
}
