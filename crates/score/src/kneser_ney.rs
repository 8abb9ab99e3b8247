//! The interpolated Kneser–Ney n-gram model of the improved modes, built from a model's saved n-gram counts.
//!
//! Chen and Goodman's interpolated Kneser–Ney over the tokens of
//! [`SequenceCounts`] (`##START##`, the command names, `##END##`):
//!
//! - the highest order, and every n-gram that begins with `##START##`, keep their
//!   counts; the lower orders count each n-gram's distinct left neighbours instead
//!   (its *continuation* count);
//! - each order subtracts a discount from every count it has, from that order's
//!   counts of counts `n_k`: one discount `D = n₁ / (n₁ + 2 n₂)`
//!   ([`Smoothing::KneserNey`]) or three, for counts 1, 2 and 3 or more
//!   ([`Smoothing::ModifiedKneserNey`]: `Y = n₁ / (n₁ + 2 n₂)`, `D_k = k − (k + 1) Y
//!   n_{k+1} / n_k`, each outside `(0, k)` replaced by 0.5, 1 or 1.5);
//! - `p_n(w | h) = (max(c(h w) − D, 0) + D_h · p_{n−1}(w | h')) / c(h)`, where `D_h`
//!   is the discount mass taken from the counts after `h`, from `p₀ = 1 / V` with
//!   `V` = the names, `##END##` and one slot for every unseen command. A history
//!   never seen in training keeps the lower order's probability; an unseen
//!   command is in no n-gram, so it gets only the mass passed down to `p₀`.
//!
//! Counts are summed in n-gram order, so every run gives the same bits.

use ahash::AHashMap;
use anomseq_model::{Gram, GramKey, KeyKind, SequenceCounts, MAX_ORDER, SEQ_START};

use crate::profile::Smoothing;

/// What is kept per token sequence: its count as an n-gram at its own order, and,
/// as the history of the next order, the counts after it and the mass discounted
/// from them.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    count: f64,
    total: f64,
    left: f64,
}

/// The table keyed by packed tokens while they fit ([`KeyKind`]), else by [`Gram`].
#[derive(Debug, Clone)]
enum Table {
    Packed(AHashMap<u64, Entry>),
    PackedWide(AHashMap<u128, Entry>),
    Wide(AHashMap<Gram, Entry>),
}

impl Table {
    fn get(&self, tokens: &[u32]) -> Option<&Entry> {
        match self {
            Table::Packed(m) => m.get(&u64::of(tokens)),
            Table::PackedWide(m) => m.get(&u128::of(tokens)),
            Table::Wide(m) => m.get(&Gram::of(tokens)),
        }
    }
}

/// The interpolated Kneser–Ney model of one order over a model's n-gram counts.
#[derive(Debug, Clone)]
pub(crate) struct KneserNey {
    order: usize,
    table: Table,
    /// The single tokens' entries by token (seen ones only), without hashing.
    unigrams: Vec<Option<Entry>>,
    /// Per order (index `n − 1`): the discounts of counts 1, 2 and 3 or more.
    discounts: Vec<[f64; 3]>,
    /// Tokens below this were seen in training.
    known: u32,
    /// `1 / V`.
    floor: f64,
    /// `p₁(w)` of each token `w` below `known`, then of an unseen token; empty when
    /// the empty history was never counted (every probability is then the floor).
    first: Vec<f64>,
    /// At order 2 with at most [`DENSE_TOKENS`] tokens: `p(w | h)` at `h × (known + 1) + w`,
    /// `w = known` standing for every unseen command; otherwise empty.
    pairs: Vec<f64>,
}

/// Up to this many tokens, a bigram model keeps every pair's probability (512 KiB at most).
const DENSE_TOKENS: usize = 256;

fn class(c: f64) -> usize {
    if c < 1.5 {
        0
    } else if c < 2.5 {
        1
    } else {
        2
    }
}

/// The discounts of one order from its counts of counts `n[k]` (k = 1 to 4).
fn discounts(n: [f64; 5], smoothing: Smoothing) -> [f64; 3] {
    const FALLBACK: [f64; 3] = [0.5, 1.0, 1.5];
    if n[1] == 0.0 || n[2] == 0.0 {
        return match smoothing {
            Smoothing::ModifiedKneserNey => FALLBACK,
            _ => [FALLBACK[0]; 3],
        };
    }
    let y = n[1] / (n[1] + 2.0 * n[2]);
    match smoothing {
        Smoothing::ModifiedKneserNey => {
            let mut d = FALLBACK;
            for k in 1..=3 {
                if n[k] > 0.0 {
                    let v = k as f64 - (k as f64 + 1.0) * y * n[k + 1] / n[k];
                    if v > 0.0 && v < k as f64 {
                        d[k - 1] = v;
                    }
                }
            }
            d
        }
        _ => [y; 3],
    }
}

/// The tokens of an n-gram.
fn tokens(g: &Gram) -> &[u32] {
    &g.1[MAX_ORDER - g.0 as usize..]
}

/// The table of `grams` (sorted, up to `order`) under the key `key` gives tokens,
/// and each order's discounts. Sums run in the n-gram order of `grams`.
fn build<K: std::hash::Hash + Eq>(
    grams: &[(Gram, f64)],
    order: usize,
    smoothing: Smoothing,
    key: impl Fn(&[u32]) -> K,
) -> (AHashMap<K, Entry>, Vec<[f64; 3]>) {
    // continuation counts: the distinct left neighbours of each n-gram below the order
    let mut left: AHashMap<K, f64> = AHashMap::with_capacity(grams.len());
    for (g, _) in grams {
        if g.0 >= 2 {
            *left.entry(key(&tokens(g)[1..])).or_default() += 1.0;
        }
    }
    let kn_count = |g: &Gram, raw: f64| -> f64 {
        let n = g.0 as usize;
        if n == order || g.1[MAX_ORDER - n] == SEQ_START {
            raw
        } else {
            left.get(&key(tokens(g))).copied().unwrap_or(0.0)
        }
    };
    let mut of_counts = vec![[0.0f64; 5]; order];
    let counted: Vec<f64> = grams.iter().map(|(g, raw)| kn_count(g, *raw)).collect();
    for ((g, _), c) in grams.iter().zip(&counted) {
        let c = c.round();
        if (1.0..=4.0).contains(&c) {
            of_counts[g.0 as usize - 1][c as usize] += 1.0;
        }
    }
    let discounts: Vec<[f64; 3]> = of_counts.iter().map(|n| discounts(*n, smoothing)).collect();
    drop(left);
    let mut table: AHashMap<K, Entry> = AHashMap::with_capacity(grams.len() + grams.len() / 4);
    for ((g, _), &c) in grams.iter().zip(&counted) {
        if c <= 0.0 {
            continue;
        }
        let n = g.0 as usize;
        let t = tokens(g);
        table.entry(key(t)).or_default().count = c;
        let h = table.entry(key(&t[..n - 1])).or_default();
        h.total += c;
        h.left += discounts[n - 1][class(c)].min(c);
    }
    (table, discounts)
}

impl KneserNey {
    /// The model of `order` (at most the order `counts` kept) over `counts`.
    pub(crate) fn new(counts: &SequenceCounts, order: usize, smoothing: Smoothing) -> KneserNey {
        // every n-gram up to the order, in n-gram order (`##START##` is never predicted)
        let mut grams: Vec<(Gram, f64)> = counts
            .grams()
            .filter(|(g, _)| (g.0 as usize) <= order && g.1[MAX_ORDER - 1] != SEQ_START)
            .map(|(g, c)| (*g, c))
            .collect();
        // by order, then tokens (each n-gram once): the sums below never depend on a hash map's order
        grams.sort_unstable_by_key(|a| a.0);
        let known = counts.names().len() as u32 + 2;
        let (table, discounts) = match KeyKind::of(known as usize, order) {
            KeyKind::Packed => {
                let (t, d) = build(&grams, order, smoothing, u64::of);
                (Table::Packed(t), d)
            }
            KeyKind::PackedWide => {
                let (t, d) = build(&grams, order, smoothing, u128::of);
                (Table::PackedWide(t), d)
            }
            KeyKind::Wide => {
                let (t, d) = build(&grams, order, smoothing, Gram::of);
                (Table::Wide(t), d)
            }
        };
        // the names, END and one unseen slot
        let floor = 1.0 / (counts.names().len() + 2) as f64;
        let unigrams: Vec<Option<Entry>> = (0..known).map(|t| table.get(&[t]).copied()).collect();
        let mut kn =
            KneserNey { order, table, unigrams, discounts, known, floor, first: Vec::new(), pairs: Vec::new() };
        // the order-1 probability of each token (and of an unseen one, last): the same
        // expression `prob_reusing` took at each event
        kn.first = match kn.table.get(&[]).filter(|e| e.total > 0.0) {
            Some(root) => (0..=known).map(|w| kn.interpolate(1, kn.count(w), root, floor)).collect(),
            None => Vec::new(),
        };
        // a bigram model over few tokens: every pair's probability once (an unseen
        // command as one more column), the same expression each event would take
        if order == 2 && (known as usize) <= DENSE_TOKENS {
            let mut pairs = Vec::with_capacity(known as usize * (known as usize + 1));
            for h in 0..known {
                for w in 0..=known {
                    pairs.push(kn.prob_reusing(&[h, w], 1, &[None; MAX_ORDER + 1], &mut [None; MAX_ORDER + 1]));
                }
            }
            kn.pairs = pairs;
        }
        kn
    }

    /// The count of the single token `w` (0 when unseen).
    fn count(&self, w: u32) -> f64 {
        self.unigrams.get(w as usize).and_then(Option::as_ref).map_or(0.0, |g| g.count)
    }

    /// `p_n(w | h)` from the count `c` of `h w`, the entry `e` of `h` and the lower order's `p`.
    fn interpolate(&self, n: usize, c: f64, e: &Entry, p: f64) -> f64 {
        let d = if c > 0.0 { self.discounts[n - 1][class(c)].min(c) } else { 0.0 };
        (c - d + e.left * p) / e.total
    }

    /// The entry of `tokens` (all seen in training), if counted.
    fn entry(&self, tokens: &[u32]) -> Option<&Entry> {
        match tokens {
            [t] => self.unigrams[*t as usize].as_ref(),
            _ => self.table.get(tokens),
        }
    }

    /// `p(seq[t] | seq[..t])`, the history cut to the order's last tokens (scoring
    /// takes [`least`](Self::least); the tests check each step).
    #[cfg(test)]
    pub(crate) fn prob(&self, seq: &[u32], t: usize) -> f64 {
        self.prob_reusing(seq, t, &[None; MAX_ORDER + 1], &mut [None; MAX_ORDER + 1])
    }

    /// The smallest `p(seq[t] | seq[..t])` over `t` from 1 ([`each`](Self::each)'s).
    pub(crate) fn least(&self, seq: &[u32]) -> f64 {
        let mut least = f64::INFINITY;
        self.each(seq, |_, p| least = least.min(p));
        least
    }

    /// `f(t, p(seq[t] | seq[..t]))` for each `t` from 1, in order: the same numbers as
    /// one look-up of each history at each `t`, each n-gram looked up once (the n-gram that
    /// ends at `t` is the history of order n + 1 at `t + 1`).
    pub(crate) fn each(&self, seq: &[u32], mut f: impl FnMut(usize, f64)) {
        if !self.pairs.is_empty() {
            let (known, width) = (self.known, self.known as usize + 1);
            for (t, g) in seq.windows(2).enumerate() {
                let w = g[1].min(known) as usize;
                // an unseen history was never counted: the order-1 probability
                let p = if g[0] < known {
                    self.pairs[g[0] as usize * width + w]
                } else {
                    self.first.get(w).copied().unwrap_or(self.floor)
                };
                f(t + 1, p);
            }
            return;
        }
        // the empty history, the same at every t
        let root = Some(self.table.get(&[]));
        let (mut prev, mut cur) = ([None; MAX_ORDER + 1], [None; MAX_ORDER + 1]);
        prev[0] = root;
        for t in 1..seq.len() {
            cur[..=self.order].fill(None);
            cur[0] = root;
            f(t, self.prob_reusing(seq, t, &prev, &mut cur));
            std::mem::swap(&mut prev, &mut cur);
        }
    }

    /// `p(seq[t] | seq[..t])`, taking the histories from `prev` where looked up
    /// before (`prev[m]`: the m-gram ending at `t − 1`; `prev[0]` the empty one), and
    /// noting in `cur[n]` the n-grams ending at `t` it looks up.
    fn prob_reusing<'a>(
        &'a self,
        seq: &[u32],
        t: usize,
        prev: &[Lookup<'a>; MAX_ORDER + 1],
        cur: &mut [Lookup<'a>; MAX_ORDER + 1],
    ) -> f64 {
        let w = seq[t];
        // order 1: the empty history is the same at every event
        let Some(&first) = self.first.get(w.min(self.known) as usize) else { return self.floor };
        let mut p = first;
        if w < self.known {
            cur[1] = Some(self.unigrams[w as usize].as_ref());
        }
        for n in 2..=self.order.min(t + 1) {
            let h = &seq[t + 1 - n..t];
            // a history with an unseen command was never counted
            if h.iter().any(|&x| x >= self.known) {
                break;
            }
            let history = match prev[n - 1] {
                Some(e) => e,
                None => self.entry(h),
            };
            let Some(e) = history.filter(|e| e.total > 0.0) else { break };
            let c = if w >= self.known {
                0.0
            } else {
                let full = self.entry(&seq[t + 1 - n..=t]);
                cur[n] = Some(full);
                full.map_or(0.0, |g| g.count)
            };
            p = self.interpolate(n, c, e, p);
        }
        p
    }
}

/// An n-gram's entry once looked up (`Some`, itself `None` when never seen), or not yet (`None`).
type Lookup<'a> = Option<Option<&'a Entry>>;

#[cfg(test)]
mod tests {
    use anomseq_model::{SequenceCounts, SEQ_END};

    use super::*;
    use crate::profile::tests::sessions;

    const TRAIN: &[&[&str]] =
        &[&["a", "b", "c"], &["a", "b"], &["b", "c", "c", "a"], &["a", "b", "c", "c"], &["c", "a", "b"]];
    const TEST: &[&[&str]] = &[&["a", "b", "c"], &["a", "x", "c"], &["c", "b"], &["b", "b", "b", "a"]];

    /// Each test event's `−ln p` (then `##END##`'s) against an independent
    /// transcription of the formulas (in Python, written apart from this code for issue #16).
    fn check(order: usize, smoothing: Smoothing, expected: &[&[f64]]) {
        let counts = SequenceCounts::from_sessions(&sessions(TRAIN), MAX_ORDER).unwrap();
        let kn = KneserNey::new(&counts, order, smoothing);
        for (s, want) in TEST.iter().zip(expected) {
            let mut seq = vec![SEQ_START];
            seq.extend(s.iter().map(|n| counts.id(n).unwrap_or(kn.known + 7)));
            seq.push(SEQ_END);
            let got: Vec<f64> = (1..seq.len()).map(|t| -kn.prob(&seq, t).ln()).collect();
            // the look-ups reused along the sequence give the same bits
            let least = (1..seq.len()).map(|t| kn.prob(&seq, t)).fold(f64::INFINITY, f64::min);
            assert_eq!(kn.least(&seq).to_bits(), least.to_bits(), "order {order} {smoothing:?} {s:?}");
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(*want) {
                assert!((g - w).abs() < 1e-9, "order {order} {smoothing:?} {s:?}: {got:?} != {want:?}");
            }
        }
    }

    #[test]
    fn surprises_are_the_formulas() {
        check(
            2,
            Smoothing::KneserNey,
            &[
                &[0.550701096682, 0.266335776856, 0.549755470134, 1.116498571508],
                &[0.550701096682, 5.434449540873, 1.237874356002, 1.116498571508],
                &[1.645536232607, 3.653161371512, 0.975268982431],
                &[1.734176902929, 3.876304922826, 3.876304922826, 3.876304922826, 1.731092067578],
            ],
        );
        check(
            3,
            Smoothing::ModifiedKneserNey,
            &[
                &[0.939638095871, 0.481349805633, 1.101019028699, 1.141841023219],
                &[0.939638095871, 3.354240398574, 1.38629436112, 1.394016407214],
                &[1.441644456203, 2.500891721161, 0.968090227234],
                &[1.542498429759, 2.586985245861, 1.967946037454, 1.967946037454, 0.968090227234],
            ],
        );
        check(
            4,
            Smoothing::KneserNey,
            &[
                &[0.56753165126, 0.09622227655, 0.505658988661, 1.128134727934],
                &[0.56753165126, 6.08392977478, 1.237874356002, 0.941608539858],
                &[1.660731206822, 3.532533383723, 1.274798856895],
                &[1.790222189909, 3.427172868065, 3.021707759957, 3.021707759957, 1.274798856895],
            ],
        );
        check(
            4,
            Smoothing::ModifiedKneserNey,
            &[
                &[0.939638095871, 0.481349805633, 0.709554903669, 1.222203241587],
                &[0.939638095871, 3.354240398574, 1.38629436112, 1.394016407214],
                &[1.441644456203, 2.287317620863, 0.968090227234],
                &[1.542498429759, 2.373411145563, 1.967946037454, 1.967946037454, 0.968090227234],
            ],
        );
    }

    /// Every history's distribution over the names, `##END##` and the unseen slot sums to 1.
    #[test]
    fn probabilities_sum_to_one() {
        let counts = SequenceCounts::from_sessions(&sessions(TRAIN), MAX_ORDER).unwrap();
        for order in 1..=MAX_ORDER {
            for smoothing in [Smoothing::KneserNey, Smoothing::ModifiedKneserNey] {
                let kn = KneserNey::new(&counts, order, smoothing);
                let unseen = kn.known;
                let outcomes: Vec<u32> = (1..kn.known).chain([unseen]).collect();
                for h in
                    [vec![SEQ_START], vec![SEQ_START, 2], vec![2, 3], vec![4, 4, 2], vec![3, unseen], vec![2, 3, 4]]
                {
                    let total: f64 = outcomes
                        .iter()
                        .map(|&w| {
                            let mut seq = h.clone();
                            seq.push(w);
                            kn.prob(&seq, seq.len() - 1)
                        })
                        .sum();
                    assert!((total - 1.0).abs() < 1e-12, "order {order} {smoothing:?} after {h:?}: {total}");
                }
            }
        }
    }
}
