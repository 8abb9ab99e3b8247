//! The opt-in `profile` scorer: count-profile novelty plus n-gram surprise (Kneser–Ney or back-off).
//!
//! The `profile` mode ([`ProfileModel`]) adds up two signals per session,
//! both of which look only at command names (parameters are ignored):
//!
//! 1. **count-profile novelty** — the distance from the session's bag of
//!    command counts to the nearest bag seen in training, as
//!    `Σ_c |ln(1 + n_c) − ln(1 + m_c)|` over every command `c`. Missing or
//!    surplus commands, unseen commands and odd repetition counts all raise it;
//! 2. **sequence surprise** — the largest `−ln p(event | up to order − 1
//!    previous events)` in the session (`##END##` included), under an
//!    interpolated n-gram model ([`Smoothing`]: Kneser–Ney by default, or the
//!    first version's back-off with weights `λ = c(h) / (c(h) + 1)`), with a
//!    uniform floor over the vocabulary plus one unseen slot, so unseen
//!    transitions and unseen commands cost a finite, large amount instead of zero.
//!
//! The score is `distance + surprise_weight × surprise`: **higher is more
//! anomalous** (the opposite direction of a likelihood). The trained state
//! ([`ProfileModel`]) is separate from the reference model's `Counts`, which
//! stay untouched; the reference mode's numbers never change.

use std::sync::Arc;

use ahash::AHashMap;
use anomseq_core::Sessions;
use anomseq_model::{gram, pack, Entry, Gram, KeyKind, Place, SequenceCounts, MAX_ORDER, SEQ_END, SEQ_START};
use rayon::prelude::*;

use crate::kneser_ney::KneserNey;
use crate::Error;

/// How the improved modes' n-gram model turns counts into probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Smoothing {
    /// Interpolated back-off with Witten–Bell-like weights `λ = c(h) / (c(h) + 1)`
    /// and a uniform floor over the names, both tokens and one unseen slot (the
    /// first `profile` mode's model, before issue #16).
    BackOff,
    /// Interpolated Kneser–Ney with one discount per order, `D = n₁ / (n₁ + 2 n₂)`:
    /// continuation counts below the highest order (chosen on HDFS, issue #16).
    #[default]
    KneserNey,
    /// Modified Kneser–Ney (Chen and Goodman): three discounts per order, for counts
    /// 1, 2 and 3 or more. The best held-out cross-entropy on ADFA-LD's training
    /// traces at every order from 3 up.
    ModifiedKneserNey,
}

impl Smoothing {
    /// The smoothing's name: `back-off`, `kneser-ney` or `modified-kneser-ney`.
    pub fn name(self) -> &'static str {
        match self {
            Smoothing::BackOff => "back-off",
            Smoothing::KneserNey => "kneser-ney",
            Smoothing::ModifiedKneserNey => "modified-kneser-ney",
        }
    }
}

/// Options of the `profile` mode.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProfileOptions {
    /// Order of the n-gram model (1 to [`MAX_ORDER`]); 2 by default.
    pub order: usize,
    /// How the n-gram model smooths its counts; [`Smoothing::KneserNey`] by default.
    #[serde(default = "back_off")]
    pub smoothing: Smoothing,
    /// Weight of the sequence surprise (in nats) against the profile distance; 0.15 by default.
    pub surprise_weight: f64,
    /// The `novelty` mode only: weight of the parameters' part (in nats) against the
    /// profile score; 0.1 by default.
    #[serde(default = "default_params_weight")]
    pub params_weight: f64,
    /// When scoring the training data itself ([`ProfileModel::score_training`]), the
    /// share of the total training weight a count profile needs (after leaving the
    /// scored session out) to count as a neighbour; 0.01 by default.
    pub min_support: f64,
}

fn default_params_weight() -> f64 {
    0.1
}

/// Options written before [`ProfileOptions::smoothing`] existed meant the back-off model.
fn back_off() -> Smoothing {
    Smoothing::BackOff
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            order: 2,
            smoothing: Smoothing::KneserNey,
            surprise_weight: 0.15,
            min_support: 0.01,
            params_weight: 0.1,
        }
    }
}

impl ProfileOptions {
    fn check(&self) -> Result<(), Error> {
        if self.order == 0 || self.order > MAX_ORDER {
            return Err(Error::Order(self.order));
        }
        if !self.params_weight.is_finite() || self.params_weight < 0.0 {
            return Err(Error::SurpriseWeight(self.params_weight.to_string()));
        }
        if !self.surprise_weight.is_finite() || self.surprise_weight < 0.0 {
            return Err(Error::SurpriseWeight(self.surprise_weight.to_string()));
        }
        if !(0.0..=1.0).contains(&self.min_support) {
            return Err(Error::MinSupport(self.min_support.to_string()));
        }
        Ok(())
    }
}

/// The parts of one session's `profile` score.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProfileScore {
    /// Distance to the nearest training count profile (0 when one matches exactly).
    pub distance: f64,
    /// Largest `−ln p` of one event (or `##END##`) given its context.
    pub surprise: f64,
    /// `distance + surprise_weight × surprise`: higher is more anomalous.
    pub score: f64,
}

/// The trained state of the `profile` mode: the [`SequenceCounts`] (n-grams up
/// to the order and every distinct training count profile with its support), and
/// the context counts derived from them. Built from the same [`Sessions`] as the
/// reference model, or from a saved model's sequence state
/// ([`ProfileModel::from_counts`]); kept apart from the reference counts.
#[derive(Debug, Clone)]
pub struct ProfileModel {
    options: ProfileOptions,
    counts: Arc<SequenceCounts>,
    /// context (n − 1 tokens) → weighted count of n-grams following it, n ≤ the order
    /// (when the tokens do not fit [`pack`]).
    contexts: AHashMap<Gram, f64>,
    /// While the tokens fit [`pack`]: packed tokens → (their count as an n-gram, their
    /// count as a context), one look-up each.
    packed: AHashMap<u64, (f64, f64)>,
    /// Tokens below this were seen in training.
    known: u32,
    /// The Kneser–Ney model, unless the smoothing is [`Smoothing::BackOff`].
    kneser_ney: Option<KneserNey>,
    /// The training profiles (their indices in the counts' [`Profiles`](anomseq_model::Profiles)) by their norm
    /// `Σ ln(1 + n_c)`: the distance to a profile is at least the gap between the
    /// norms, so the nearest one is searched outwards from the scored profile's norm,
    /// not among all.
    by_norm: Vec<(f64, u32)>,
}

fn norm(p: &[Entry]) -> f64 {
    p.iter().map(|&(_, n)| ln1p(n)).sum()
}

/// `ln(1 + n)` for the counts most profiles hold, computed once.
static LN1P: std::sync::LazyLock<[f64; 256]> = std::sync::LazyLock::new(|| std::array::from_fn(|n| (n as f64).ln_1p()));

fn ln1p(n: u32) -> f64 {
    match LN1P.get(n as usize) {
        Some(&v) => v,
        None => (n as f64).ln_1p(),
    }
}

/// `Σ |ln(1 + a_c) − ln(1 + b_c)|` over the union of both bags, stopping early above `bound`.
fn distance(a: &[Entry], b: &[Entry], bound: f64) -> f64 {
    let (mut i, mut j, mut d) = (0, 0, 0.0);
    loop {
        let step = match (a.get(i), b.get(j)) {
            (Some(&(x, n)), Some(&(y, m))) if x == y => {
                i += 1;
                j += 1;
                (ln1p(n) - ln1p(m)).abs()
            }
            (Some(&(x, n)), Some(&(y, _))) if x < y => {
                i += 1;
                ln1p(n)
            }
            (Some(&(_, n)), None) => {
                i += 1;
                ln1p(n)
            }
            (_, Some(&(_, m))) => {
                j += 1;
                ln1p(m)
            }
            (None, None) => return d,
        };
        d += step;
        if d > bound {
            return d;
        }
    }
}

impl ProfileModel {
    /// Train on a data set, each session counting once.
    pub fn train(sessions: &Sessions, options: &ProfileOptions) -> Result<ProfileModel, Error> {
        ProfileModel::train_weighted(sessions, &vec![1.0; sessions.len()], options)
    }

    /// Train on a data set whose session `i` stands for `weights[i]` sessions
    /// (e.g. a sample's inverse sampling rate). Weights must be finite and positive.
    pub fn train_weighted(
        sessions: &Sessions,
        weights: &[f64],
        options: &ProfileOptions,
    ) -> Result<ProfileModel, Error> {
        options.check()?;
        if weights.len() != sessions.len() {
            return Err(Error::WeightCount { weights: weights.len(), sessions: sessions.len() });
        }
        if let Some((index, w)) = weights.iter().enumerate().find(|(_, w)| !(w.is_finite() && **w > 0.0)) {
            return Err(Error::Weight { index, value: w.to_string() });
        }
        let counts = SequenceCounts::from_sessions_weighted(sessions, weights, options.order)?;
        ProfileModel::from_counts(counts, options)
    }

    /// The model of a saved sequence state (a [`Model`](anomseq_model::Model)'s
    /// [`sequence`](anomseq_model::Model::sequence)): the options' order must be at
    /// most the order it kept.
    ///
    /// `counts` may be shared (a model's [`shared_sequence`](anomseq_model::Model::shared_sequence)):
    /// the model then holds it, not a copy.
    pub fn from_counts(
        counts: impl Into<Arc<SequenceCounts>>,
        options: &ProfileOptions,
    ) -> Result<ProfileModel, Error> {
        let counts = counts.into();
        options.check()?;
        if options.order > counts.order() {
            return Err(Error::OrderAboveModel { order: options.order, kept: counts.order() });
        }
        // summed in n-gram order, so the sums are the same on every run (the back-off model's)
        let back_off = options.smoothing == Smoothing::BackOff;
        let mut grams: Vec<(&Gram, f64)> =
            counts.grams().filter(|(g, _)| back_off && g.0 as usize <= options.order).collect();
        grams.sort_by(|a, b| a.0.cmp(b.0));
        let mut contexts: AHashMap<Gram, f64> = AHashMap::new();
        let known = counts.names().len() as u32 + 2;
        let packable = KeyKind::of(known as usize, options.order) == KeyKind::Packed;
        let mut packed: AHashMap<u64, (f64, f64)> = AHashMap::new();
        for ((n, g), c) in grams {
            let n = *n as usize;
            let tokens = &g[MAX_ORDER - n..];
            if packable {
                packed.entry(pack(tokens)).or_default().0 = c;
                packed.entry(pack(&tokens[..n - 1])).or_default().1 += c;
            } else {
                *contexts.entry(gram(&tokens[..n - 1])).or_default() += c;
            }
        }
        // on rayon's threads
        let set = counts.profile_set();
        let mut by_norm: Vec<(f64, u32)> =
            (0..set.len()).into_par_iter().map(|k| (norm(set.get(k)), k as u32)).collect();
        // ties by index, so the order is total (and which of two equal norms comes first
        // cannot change a nearest distance: both are visited before any farther norm)
        by_norm.par_sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let kneser_ney = match options.smoothing {
            Smoothing::BackOff => None,
            s => Some(KneserNey::new(&counts, options.order, s)),
        };
        Ok(ProfileModel { options: *options, counts, contexts, packed, known, kneser_ney, by_norm })
    }

    /// The options the model was trained with.
    pub fn options(&self) -> &ProfileOptions {
        &self.options
    }

    /// Number of distinct training count profiles.
    pub fn n_profiles(&self) -> usize {
        self.counts.n_profiles()
    }

    /// Model id of each name of `sessions` (unseen names get ids above the vocabulary, one each).
    fn resolver(&self, sessions: &Sessions) -> Vec<u32> {
        let base = self.counts.names().len() as u32 + 2;
        sessions.names().iter().enumerate().map(|(k, n)| self.counts.id(n).unwrap_or(base + k as u32)).collect()
    }

    fn tokens(&self, sessions: &Sessions, i: usize, ids: &[u32], out: &mut Vec<u32>) {
        out.clear();
        out.push(SEQ_START);
        out.extend(sessions.session_cmds(i).iter().map(|&c| ids[c as usize]));
        out.push(SEQ_END);
    }

    /// `p(seq[t] | seq[..t])` under the back-off n-gram model ([`Smoothing::BackOff`]).
    fn back_off_prob(&self, seq: &[u32], t: usize) -> f64 {
        let v = (self.counts.names().len() + 3) as f64; // names, START, END and one unseen slot
        let mut p = 1.0 / v;
        let packable = KeyKind::of(self.known as usize, self.options.order) == KeyKind::Packed;
        for n in 1..=self.options.order {
            if t + 1 < n {
                break;
            }
            let ctx = &seq[t + 1 - n..t];
            let (c, g) = if packable {
                // a token never seen in training is in no n-gram or context counted
                if ctx.iter().any(|&x| x >= self.known) {
                    break;
                }
                let c = self.packed.get(&pack(ctx)).map_or(0.0, |e| e.1);
                let full = &seq[t + 1 - n..=t];
                let g = if seq[t] >= self.known { 0.0 } else { self.packed.get(&pack(full)).map_or(0.0, |e| e.0) };
                (c, g)
            } else {
                let c = self.contexts.get(&gram(ctx)).copied().unwrap_or(0.0);
                (c, if c == 0.0 { 0.0 } else { self.counts.count(&seq[t + 1 - n..=t]) })
            };
            if c == 0.0 {
                break;
            }
            let lam = c / (c + 1.0);
            p = lam * g / c + (1.0 - lam) * p;
        }
        p
    }

    /// The nearest training profile's distance, among the `candidates` (profiles whose
    /// support, less `discount` where the profile is `own`, training profile `own_k`,
    /// is at least `min_support`).
    ///
    /// Exact: the profiles are visited outwards from `own`'s norm, nearer norms first,
    /// and the search stops once the norm gap alone exceeds the best distance found
    /// (`|Σ a − Σ b| ≤ Σ |a − b|` for these non-negative log counts).
    fn nearest(
        &self,
        own: &[Entry],
        own_k: Option<usize>,
        discount: f64,
        min_support: f64,
        candidates: &[(f64, u32)],
    ) -> f64 {
        let set = self.counts.profile_set();
        if own_k.is_some_and(|k| set.support(k) - discount >= min_support) {
            return 0.0;
        }
        let x = norm(own);
        let by_norm = candidates;
        let start = by_norm.partition_point(|(n, _)| *n < x);
        let (mut lo, mut hi) = (start, start); // below: lo - 1 down; above: hi up
        let mut best = f64::INFINITY;
        // a margin for rounding: the gap is a bound only up to it
        let beyond = |gap: f64, best: f64| gap > best + 1e-9 * (1.0 + best);
        loop {
            let below = (lo > 0).then(|| x - by_norm[lo - 1].0);
            let above = (hi < by_norm.len()).then(|| by_norm[hi].0 - x);
            let (gap, i) = match (below, above) {
                (Some(b), Some(a)) if b <= a => (b, lo - 1),
                (Some(b), None) => (b, lo - 1),
                (_, Some(a)) => (a, hi),
                (None, None) => break,
            };
            if beyond(gap, best) {
                break;
            }
            if i < start {
                lo -= 1;
            } else {
                hi += 1;
            }
            let k = by_norm[i].1 as usize;
            let s = set.support(k);
            let support = if own_k == Some(k) { s - discount } else { s };
            if support < min_support {
                continue;
            }
            best = best.min(distance(own, set.get(k), best));
            if best == 0.0 {
                break;
            }
        }
        if best.is_infinite() {
            // no neighbour: as far as the empty profile
            best = x;
        }
        best
    }

    fn score_with(&self, sessions: &Sessions, discount: f64, min_support: f64) -> Vec<ProfileScore> {
        let ids = self.resolver(sessions);
        // each session's surprise, on rayon's threads; the largest −ln p is −ln of
        // the smallest p: one logarithm a session
        let surprises: Vec<f64> = (0..sessions.len())
            .into_par_iter()
            .map_init(Vec::new, |seq, i| {
                self.tokens(sessions, i, &ids, seq);
                let least = match &self.kneser_ney {
                    Some(kn) => kn.least(seq),
                    None => (1..seq.len()).map(|t| self.back_off_prob(seq, t)).fold(f64::INFINITY, f64::min),
                };
                -least.ln()
            })
            .collect();
        // each session's profile found among the training ones (or among those training
        // lacks), and each distinct profile's distance once
        let set = self.counts.profile_set();
        let (places, unseen) = set.place_sessions(sessions, |c| ids[c as usize]);
        // a profile below the minimum support is never a neighbour: only the others are searched
        let candidates: std::borrow::Cow<'_, [(f64, u32)]> =
            if self.by_norm.iter().all(|&(_, k)| set.support(k as usize) >= min_support) {
                std::borrow::Cow::Borrowed(&self.by_norm)
            } else {
                self.by_norm
                    .iter()
                    .filter(|&&(_, k)| set.support(k as usize) >= min_support)
                    .copied()
                    .collect::<Vec<_>>()
                    .into()
            };
        let mut needed = vec![false; set.len()];
        for p in &places {
            if let Place::Known(k) = p {
                needed[*k as usize] = true;
            }
        }
        let needed: Vec<usize> = needed.iter().enumerate().filter(|(_, &n)| n).map(|(k, _)| k).collect();
        let found: Vec<f64> =
            needed.par_iter().map(|&k| self.nearest(set.get(k), Some(k), discount, min_support, &candidates)).collect();
        let mut known = vec![f64::NAN; set.len()];
        for (&k, d) in needed.iter().zip(found) {
            known[k] = d;
        }
        let new: Vec<f64> = (0..unseen.len())
            .into_par_iter()
            .map(|k| self.nearest(unseen.get(k), None, discount, min_support, &candidates))
            .collect();
        let dist = |p: &Place| match *p {
            Place::Known(k) => known[k as usize],
            Place::Unseen(k) => new[k as usize],
        };
        surprises
            .par_iter()
            .zip(places.par_iter())
            .map(|(surprise, place)| {
                let distance = dist(place);
                ProfileScore {
                    distance,
                    surprise: *surprise,
                    score: distance + self.options.surprise_weight * surprise,
                }
            })
            .collect()
    }

    /// Score new sessions (not part of the training data): higher is more anomalous.
    pub fn score(&self, sessions: &Sessions) -> Vec<ProfileScore> {
        self.score_with(sessions, 0.0, f64::MIN_POSITIVE)
    }

    /// Score the training sessions themselves (the unsupervised use): only
    /// count profiles common in training count as neighbours, those whose
    /// support, less one session where it is the scored session's own, is at
    /// least [`ProfileOptions::min_support`] × the total training weight (and
    /// at least one session). A rare profile is thus never its own neighbour.
    /// The n-gram part is not left out.
    pub fn score_training(&self, sessions: &Sessions) -> Vec<ProfileScore> {
        let min = (self.options.min_support * self.counts.total_weight()).max(1.0 - 1e-9);
        self.score_with(sessions, 1.0, min)
    }
}

/// msticpy's unsupervised use in the `profile` mode: train on `sessions` and
/// score the same sessions ([`ProfileModel::score_training`]); higher is more anomalous.
pub fn profile_scores(sessions: &Sessions, options: &ProfileOptions) -> Result<Vec<ProfileScore>, Error> {
    Ok(ProfileModel::train(sessions, options)?.score_training(sessions))
}

#[cfg(test)]
pub(crate) mod tests {
    use anomseq_core::{Cmd, Sessions};

    use super::*;

    /// Sessions of bare commands.
    pub(crate) fn sessions(lists: &[&[&str]]) -> Sessions {
        Sessions::from_cmds(
            lists.iter().map(|l| l.iter().map(|n| Cmd::new(*n)).collect::<Vec<_>>()).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    fn check(train: &[&[&str]], test: &[&[&str]], expected_distance: &[f64]) {
        let m = ProfileModel::train(&sessions(train), &ProfileOptions::default()).unwrap();
        let got: Vec<f64> = m.score(&sessions(test)).iter().map(|s| s.distance).collect();
        for (g, e) in got.iter().zip(expected_distance) {
            assert!((g - e).abs() < 1e-12, "{got:?} != {expected_distance:?}");
        }
        assert_eq!(got.len(), expected_distance.len());
    }

    #[test]
    fn profile_distance_is_the_nearest_log_count_gap() {
        let ln = |x: f64| x.ln();
        check(
            &[&["a", "a", "b"]],
            &[&["a", "b", "a"], &["a", "b"], &["c"]],
            &[0.0, ln(3.0) - ln(2.0), ln(3.0) + 2.0 * ln(2.0)],
        );
    }

    #[test]
    fn unseen_transitions_are_more_surprising() {
        let train = sessions(&[&["a", "b", "c"], &["a", "b", "c"], &["a", "b"]]);
        let m = ProfileModel::train(&train, &ProfileOptions::default()).unwrap();
        let s = m.score(&sessions(&[&["a", "b", "c"], &["a", "c", "b"], &["a", "x", "c"]]));
        assert!(s[0].surprise < s[1].surprise, "{s:?}");
        assert!(s[1].surprise < s[2].surprise, "{s:?}");
        assert!(s.iter().all(|x| x.score.is_finite()));
    }

    #[test]
    fn training_sessions_seen_once_are_not_their_own_neighbours() {
        let train = sessions(&[&["a", "b"], &["a", "b"], &["a", "a", "a", "b"]]);
        let m = ProfileModel::train(&train, &ProfileOptions::default()).unwrap();
        let s = m.score_training(&train);
        assert_eq!(s[0].distance, 0.0);
        assert!(s[2].distance > 0.0);
        assert_eq!(m.score(&train)[2].distance, 0.0);
        let o = ProfileOptions { min_support: 0.0, ..ProfileOptions::default() };
        assert_eq!(
            profile_scores(&train, &o).unwrap(),
            ProfileModel::train(&train, &o).unwrap().score_training(&train)
        );
    }

    /// A saved model's sequence state scores new sessions as the model trained on
    /// the same sessions does, in the pipeline's entry point too.
    #[test]
    fn a_saved_models_state_scores_as_training_does() {
        use anomseq_model::{Model, ModelOptions};
        let train = sessions(&[&["a", "b", "c"], &["a", "b"], &["c", "a", "a"]]);
        let test = sessions(&[&["a", "b", "c"], &["a", "x"], &["c", "b", "a"]]);
        let want = ProfileModel::train(&train, &ProfileOptions::default()).unwrap().score(&test);
        let model = Model::try_train_with(&train, &ModelOptions::every_mode()).unwrap();
        let saved = Model::from_file_bytes(&model.to_file_bytes()).unwrap();
        let from = ProfileModel::from_counts(saved.sequence().unwrap().clone(), &ProfileOptions::default()).unwrap();
        assert_eq!(from.score(&test), want);
        let options = crate::ScoreOptions::new(2).with_mode(crate::ScoringMode::Profile);
        let scored = crate::score_with_model(&saved, &test, &options).unwrap();
        assert_eq!(scored.scores(), want.iter().map(|p| p.score).collect::<Vec<_>>());
        // a lower order than kept is fine; a higher one is an error
        let o2 = ProfileOptions { order: 2, ..ProfileOptions::default() };
        assert!(ProfileModel::from_counts(saved.sequence().unwrap().clone(), &o2).is_ok());
        let o4 = ProfileOptions { order: 4, ..ProfileOptions::default() };
        let e = ProfileModel::from_counts(saved.sequence().unwrap().clone(), &o4).unwrap_err();
        assert_eq!(e, Error::OrderAboveModel { order: 4, kept: 3 });
        // the reference score is the reference score, with or without the state
        let r = crate::ScoreOptions::new(2);
        assert_eq!(
            crate::score_with_model(&saved, &test, &r).unwrap().scores(),
            crate::score(Model::train(&train).probabilities(), &test, &r).unwrap().scores()
        );
        let e = crate::score_with_model(&Model::train(&train), &test, &options).unwrap_err();
        assert_eq!(e, Error::ModeNeedsState { mode: "profile" });
    }

    /// The search outwards by norm finds the distance a scan of every profile finds.
    #[test]
    fn the_nearest_profile_by_norm_is_the_nearest_of_all() {
        let mut state = 42u64;
        let mut next = |m: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        let names = ["a", "b", "c", "d", "e", "f"];
        let mut random = |n: usize| -> Vec<Vec<&str>> {
            (0..n).map(|_| (0..1 + next(8)).map(|_| names[next(6) as usize]).collect()).collect()
        };
        let (train, test) = (random(300), random(200));
        let as_refs =
            |v: &Vec<Vec<&'static str>>| -> Sessions { sessions(&v.iter().map(|s| s.as_slice()).collect::<Vec<_>>()) };
        let (train, test) = (as_refs(&train), as_refs(&test));
        let m = ProfileModel::train(&train, &ProfileOptions::default()).unwrap();
        let ids = m.resolver(&test);
        let mut seq = Vec::new();
        for (i, got) in m.score(&test).iter().enumerate() {
            m.tokens(&test, i, &ids, &mut seq);
            let own = anomseq_model::profile_of(&seq[1..seq.len() - 1]);
            let scan = m.counts.profiles().map(|(p, _)| distance(&own, p, f64::INFINITY)).fold(f64::INFINITY, f64::min);
            assert_eq!(got.distance, scan, "session {i}");
        }
        // in training, the rare profiles are left out as neighbours alike
        let o = ProfileOptions { min_support: 0.02, ..ProfileOptions::default() };
        let m = ProfileModel::train(&train, &o).unwrap();
        let min = 0.02 * 300.0;
        let ids = m.resolver(&train);
        for (i, got) in m.score_training(&train).iter().enumerate() {
            m.tokens(&train, i, &ids, &mut seq);
            let own = anomseq_model::profile_of(&seq[1..seq.len() - 1]);
            let scan = m
                .counts
                .profiles()
                .filter(|(p, s)| if *p == own.as_slice() { s - 1.0 } else { *s } >= min)
                .map(|(p, _)| distance(&own, p, f64::INFINITY))
                .fold(f64::INFINITY, f64::min);
            let scan = if scan.is_infinite() { own.iter().map(|&(_, n)| ln1p(n)).sum() } else { scan };
            assert_eq!(got.distance, scan, "training session {i}");
        }
    }

    #[test]
    fn bad_options_and_weights_are_errors() {
        let s = sessions(&[&["a"]]);
        let o = ProfileOptions { order: 9, ..ProfileOptions::default() };
        assert_eq!(ProfileModel::train(&s, &o).unwrap_err(), Error::Order(9));
        let e = ProfileModel::train_weighted(&s, &[f64::NAN], &ProfileOptions::default()).unwrap_err();
        assert_eq!(e, Error::Weight { index: 0, value: "NaN".into() });
        let e = ProfileModel::train_weighted(&s, &[], &ProfileOptions::default()).unwrap_err();
        assert_eq!(e, Error::WeightCount { weights: 0, sessions: 1 });
    }
}
