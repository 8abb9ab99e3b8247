//! The sequence state of the opt-in scoring modes: weighted n-gram counts and count profiles, by name, so models merge.

use std::collections::BTreeMap;

use ahash::AHashMap;
use anomseq_core::{is_reserved_token, Sessions};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::profiles::{FlatProfiles, SortedProfiles};
use crate::{Entry, Error, Profiles};

/// The highest n-gram order [`SequenceCounts`] keeps (the `ngram` mode's long traces
/// use order 7: issue #16).
pub const MAX_ORDER: usize = 8;
/// The highest order whose n-grams [`pack`] into one integer.
pub const PACKED_ORDER: usize = 4;
/// The order a model keeps by default ([`ModelOptions::every_mode`](crate::ModelOptions::every_mode)).
pub const DEFAULT_ORDER: usize = 3;

/// Token id of the session start in [`SequenceCounts`].
pub const SEQ_START: u32 = 0;
/// Token id of the session end in [`SequenceCounts`].
pub const SEQ_END: u32 = 1;
const PAD: u32 = u32::MAX;
/// Bits of one token in a packed n-gram.
const PACK_BITS: u32 = 15;

/// Tokens below this fit [`pack`] (32,765 names and the two tokens).
pub const PACKED_LIMIT: u32 = (1 << PACK_BITS) - 1;

/// Up to [`PACKED_ORDER`] tokens below [`PACKED_LIMIT`] as one integer: their number,
/// then each token plus one, 15 bits each (the key the n-gram tables hash).
pub fn pack(tokens: &[u32]) -> u64 {
    debug_assert!(tokens.len() <= PACKED_ORDER, "{} tokens do not pack", tokens.len());
    tokens.iter().fold(tokens.len() as u64, |k, &t| (k << PACK_BITS) | u64::from(t + 1))
}

/// The n-gram a [`pack`]ed key stands for: the same layout as [`pack_wide`]'s.
fn unpack(k: u64) -> Gram {
    unpack_wide(u128::from(k))
}

/// Up to [`MAX_ORDER`] tokens below [`PACKED_LIMIT`] as one integer, as [`pack`]
/// packs up to [`PACKED_ORDER`]: the key of the longer n-grams' tables.
pub fn pack_wide(tokens: &[u32]) -> u128 {
    debug_assert!(tokens.len() <= MAX_ORDER, "{} tokens do not pack", tokens.len());
    tokens.iter().fold(tokens.len() as u128, |k, &t| (k << PACK_BITS) | u128::from(t + 1))
}

fn unpack_wide(mut k: u128) -> Gram {
    let mut g = [PAD; MAX_ORDER];
    let mut n = 0;
    while k >> PACK_BITS != 0 {
        g[MAX_ORDER - 1 - n] = (k & ((1 << PACK_BITS) - 1)) as u32 - 1;
        k >>= PACK_BITS;
        n += 1;
    }
    (n as u8, g)
}

/// The key an n-gram table hashes: [`pack`]ed into a `u64` while the tokens are
/// below [`PACKED_LIMIT`] and the order at most [`PACKED_ORDER`], [`pack_wide`]d into a
/// `u128` up to [`MAX_ORDER`], else the [`Gram`] itself.
pub trait GramKey: Copy + Eq + std::hash::Hash + Send + Sync {
    /// The key of `tokens`.
    fn of(tokens: &[u32]) -> Self;
    /// The n-gram the key stands for.
    fn gram(self) -> Gram;
}

impl GramKey for u64 {
    fn of(tokens: &[u32]) -> Self {
        pack(tokens)
    }
    fn gram(self) -> Gram {
        unpack(self)
    }
}

impl GramKey for u128 {
    fn of(tokens: &[u32]) -> Self {
        pack_wide(tokens)
    }
    fn gram(self) -> Gram {
        unpack_wide(self)
    }
}

impl GramKey for Gram {
    fn of(tokens: &[u32]) -> Self {
        gram(tokens)
    }
    fn gram(self) -> Gram {
        self
    }
}

/// Which [`GramKey`] the n-grams of `order` over `tokens` tokens (the two included) take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `u64`.
    Packed,
    /// `u128`.
    PackedWide,
    /// [`Gram`].
    Wide,
}

impl KeyKind {
    /// The key of n-grams up to `order` over `tokens` tokens.
    pub fn of(tokens: usize, order: usize) -> KeyKind {
        match (tokens < PACKED_LIMIT as usize, order <= PACKED_ORDER) {
            (true, true) => KeyKind::Packed,
            (true, false) => KeyKind::PackedWide,
            _ => KeyKind::Wide,
        }
    }
}

/// Up to this many tokens, a run counts pairs of tokens in a table of every pair.
const DENSE_PAIR_TOKENS: usize = 256;

/// Sessions counted together on one thread.
const RUN: usize = 16 * 1024;

/// An n-gram (last token last, padded at the front) and its length.
pub type Gram = (u8, [u32; MAX_ORDER]);
/// A sparse bag of command counts, sorted by id: `(id, count)` (as a model file lists it).
pub type Profile = Vec<Entry>;

/// The key of the n-gram `tokens` (at most [`MAX_ORDER`] of them).
pub fn gram(tokens: &[u32]) -> Gram {
    let mut g = [PAD; MAX_ORDER];
    g[MAX_ORDER - tokens.len()..].copy_from_slice(tokens);
    (tokens.len() as u8, g)
}

/// What the `profile` mode trains, kept in the model beside the reference counts:
/// the weighted counts of every n-gram of command names up to [`order`](Self::order)
/// (`##START##` and `##END##` included), and every distinct count profile (the bag
/// of a session's commands) with its support (summed session weights).
///
/// Every part is a sum over sessions, keyed by name: models of disjoint shards merge
/// ([`merge`](Self::merge)) into the counts of their union, exactly when weights are
/// whole numbers (as [`Model::train`](crate::Model::train)'s are).
///
/// ```
/// use anomseq_core::{Cmd, Sessions};
/// use anomseq_model::{SequenceCounts, SEQ_START};
/// let s = |l: &[&[&str]]| Sessions::from_cmds(l.iter().map(|x| x.iter().map(|n| Cmd::new(*n)).collect::<Vec<_>>()).collect::<Vec<_>>()).unwrap();
/// let a = SequenceCounts::from_sessions(&s(&[&["x", "y"]]), 3)?;
/// let b = SequenceCounts::from_sessions(&s(&[&["y"]]), 3)?;
/// let both = SequenceCounts::from_sessions(&s(&[&["x", "y"], &["y"]]), 3)?;
/// assert_eq!(a.merge(&b)?, both);
/// let x = both.id("x").unwrap();
/// assert_eq!(both.count(&[SEQ_START, x]), 1.0);
/// assert_eq!(both.n_profiles(), 2);
/// # Ok::<(), anomseq_model::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceCounts {
    order: usize,
    /// Command names; name `k` has token id `k + 2`.
    names: Vec<String>,
    index: AHashMap<String, u32>,
    grams: AHashMap<Gram, f64>,
    profiles: Profiles,
    /// (command token, its event's parameter names, sorted) → weighted count:
    /// the parameter sets seen with each command (sessions with parameters only).
    param_sets: BTreeMap<(u32, Vec<String>), f64>,
    total_weight: f64,
}

/// A borrowed key of a wide parameter set: a command and its sorted parameter ids.
#[derive(Debug, Hash)]
struct SetRef<'a>(u32, &'a [u32]);

impl hashbrown::Equivalent<(u32, Vec<u32>)> for SetRef<'_> {
    fn equivalent(&self, key: &(u32, Vec<u32>)) -> bool {
        self.0 == key.0 && self.1 == key.1.as_slice()
    }
}

/// Parameter sets packed into one integer: a command, then up to this many ids, 16 bits each.
const SET_SLOTS: usize = 7;

/// `(cmd, sorted)` as one integer while the command and the ids fit 16 bits (the ids
/// plus one) and there are at most [`SET_SLOTS`] of them.
fn pack_set(cmd: u32, sorted: &[u32]) -> Option<u128> {
    if cmd > 0xffff || sorted.len() > SET_SLOTS || sorted.iter().any(|&p| p >= 0xffff) {
        return None;
    }
    Some(sorted.iter().enumerate().fold(u128::from(cmd), |k, (i, &p)| k | (u128::from(p + 1) << (16 * (i + 1)))))
}

fn unpack_set(k: u128) -> (u32, Vec<u32>) {
    let slot = |i: usize| ((k >> (16 * i)) & 0xffff) as u32;
    (slot(0), (1..=SET_SLOTS).map(slot).take_while(|&p| p != 0).map(|p| p - 1).collect())
}

/// Weighted counts of parameter sets, each a command and its sorted parameter ids:
/// packed into one integer while the set is small, so counting and looking one up
/// neither allocates nor compares slices.
///
/// ```
/// use anomseq_model::ParamSetCounts;
/// let mut sets = ParamSetCounts::default();
/// sets.add(3, &[1, 4], 2.0);
/// sets.add(3, &[1, 4], 0.5);
/// sets.add(3, &(0..9).collect::<Vec<_>>(), 1.0);
/// assert_eq!(sets.get(3, &[1, 4]), Some(2.5));
/// assert_eq!(sets.get(3, &[1]), None);
/// assert_eq!(sets.len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ParamSetCounts {
    packed: AHashMap<u128, f64>,
    wide: hashbrown::HashMap<(u32, Vec<u32>), f64, ahash::RandomState>,
}

impl ParamSetCounts {
    /// The one integer command `cmd` with the sorted parameter ids `sorted` is counted
    /// under, while the command and the ids fit 16 bits and there are at most 7 ids
    /// (otherwise `None`: such sets are kept as they are).
    ///
    /// ```
    /// use anomseq_model::ParamSetCounts;
    /// assert_ne!(ParamSetCounts::pack(3, &[1, 4]), ParamSetCounts::pack(3, &[1, 5]));
    /// assert_eq!(ParamSetCounts::pack(3, &(0..8).collect::<Vec<_>>()), None);
    /// ```
    pub fn pack(cmd: u32, sorted: &[u32]) -> Option<u128> {
        pack_set(cmd, sorted)
    }

    /// Add `weight` to the count of command `cmd` with the parameter ids `sorted`.
    pub fn add(&mut self, cmd: u32, sorted: &[u32], weight: f64) {
        match pack_set(cmd, sorted) {
            Some(k) => *self.packed.entry(k).or_default() += weight,
            None => match self.wide.get_mut(&SetRef(cmd, sorted)) {
                Some(c) => *c += weight,
                None => {
                    self.wide.insert((cmd, sorted.to_vec()), weight);
                }
            },
        }
    }

    /// The count of command `cmd` with the parameter ids `sorted`, if seen.
    pub fn get(&self, cmd: u32, sorted: &[u32]) -> Option<f64> {
        match pack_set(cmd, sorted) {
            Some(k) => self.packed.get(&k).copied(),
            None => self.wide.get(&SetRef(cmd, sorted)).copied(),
        }
    }

    /// Number of distinct sets.
    pub fn len(&self) -> usize {
        self.packed.len() + self.wide.len()
    }

    /// Whether no set was counted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every set, `(cmd, sorted ids, count)`, in no particular order.
    pub fn into_sets(self) -> impl Iterator<Item = (u32, Vec<u32>, f64)> {
        let packed = self.packed.into_iter().map(|(k, c)| {
            let (cmd, ids) = unpack_set(k);
            (cmd, ids, c)
        });
        packed.chain(self.wide.into_iter().map(|((cmd, ids), c)| (cmd, ids, c)))
    }

    /// `other`'s counts added to these.
    fn add_all(&mut self, other: ParamSetCounts) {
        if self.is_empty() {
            *self = other;
            return;
        }
        add_into(&mut self.packed, other.packed);
        for ((cmd, ids), c) in other.wide {
            *self.wide.entry((cmd, ids)).or_default() += c;
        }
    }
}

/// A run's counts: single tokens by token, longer n-grams (packed while the ids fit
/// [`pack`], otherwise wide), parameter sets.
type RunCounts<K> = (Vec<f64>, AHashMap<K, f64>, ParamSetCounts);

/// `run`'s counts added into `into`, room made for all of them first: one
/// rehash at most instead of one per doubling.
fn add_into<K: std::hash::Hash + Eq>(into: &mut AHashMap<K, f64>, run: AHashMap<K, f64>) {
    if into.is_empty() {
        *into = run;
        return;
    }
    into.reserve(run.len());
    for (k, c) in run {
        *into.entry(k).or_default() += c;
    }
}

impl SequenceCounts {
    /// Count `sessions`, each session once, up to n-grams of `order` (1 to [`MAX_ORDER`]).
    pub fn from_sessions(sessions: &Sessions, order: usize) -> Result<Self, Error> {
        Self::from_sessions_weighted(sessions, &vec![1.0; sessions.len()], order)
    }

    /// Count `sessions`, session `i` standing for `weights[i]` sessions (finite, positive).
    pub fn from_sessions_weighted(sessions: &Sessions, weights: &[f64], order: usize) -> Result<Self, Error> {
        check_order(order)?;
        if weights.len() != sessions.len() {
            return Err(Error::InvalidCounts(format!("{} weights for {} sessions", weights.len(), sessions.len())));
        }
        if let Some((i, w)) = weights.iter().enumerate().find(|(_, w)| !(w.is_finite() && **w > 0.0)) {
            return Err(Error::InvalidCounts(format!("session {i} has weight {w}: weights are finite and positive")));
        }
        let names: Vec<String> = sessions.names().iter().map(str::to_owned).collect();
        let mut out = SequenceCounts::empty(order, names);
        out.total_weight = weights.iter().sum();
        // counted in runs of sessions on rayon's threads, the runs' counts then added
        // in order: the same sums on every run and every number of threads; an n-gram
        // is packed into one integer while the ids fit 15 bits (32,765 names)
        let tokens = out.names.len() + 2;
        let (unigrams, sets) = match KeyKind::of(tokens, order) {
            KeyKind::Packed => out.count_grams::<u64>(sessions, weights),
            KeyKind::PackedWide => out.count_grams::<u128>(sessions, weights),
            KeyKind::Wide => out.count_grams::<Gram>(sessions, weights),
        };
        // each session's count profile, then each distinct one's support summed in session order
        out.profiles = Profiles::of_sessions(sessions, |c| c + 2, |i| weights[i]);
        // a token counted has a positive count: the weights are positive
        out.grams.extend(
            (0..tokens as u32).filter(|&t| unigrams[t as usize] > 0.0).map(|t| (gram(&[t]), unigrams[t as usize])),
        );
        let names = sessions.params();
        for (cmd, ids, c) in sets.into_sets() {
            let mut set: Vec<String> = ids.iter().map(|&p| names.resolve(p).to_owned()).collect();
            set.sort_unstable();
            *out.param_sets.entry((cmd, set)).or_default() += c;
        }
        Ok(out)
    }

    /// Count the n-grams of orders 2 up of `sessions` into `self.grams`, keyed by `K`
    /// while counting; returns the single tokens' counts and the parameter sets'.
    fn count_grams<K: GramKey>(&mut self, sessions: &Sessions, weights: &[f64]) -> (Vec<f64>, ParamSetCounts) {
        let order = self.order;
        let runs: Vec<usize> = (0..sessions.len()).step_by(RUN).collect();
        let with_params = sessions.session_type().has_params();
        let tokens = self.names.len() + 2;
        // a table of every pair of tokens stays small (512 KiB at most): no vocabulary squared
        let dense_pairs = tokens <= DENSE_PAIR_TOKENS;
        let parts: Vec<RunCounts<K>> = runs
            .par_iter()
            .map(|&first| {
                let mut grams: AHashMap<K, f64> = AHashMap::new();
                // single tokens by token, and pairs by pair while there are few tokens, without hashing
                let mut unigrams = vec![0.0; tokens];
                let mut bigrams = vec![0.0; if order >= 2 && dense_pairs { tokens * tokens } else { 0 }];
                let mut sets = ParamSetCounts::default();
                let (mut seq, mut set) = (Vec::new(), Vec::new());
                for (i, &w) in weights.iter().enumerate().skip(first).take(RUN) {
                    seq.clear();
                    seq.push(SEQ_START);
                    // the data set's name ids are the names' places here, plus the two tokens
                    seq.extend(sessions.session_cmds(i).iter().map(|&c| c + 2));
                    seq.push(SEQ_END);
                    for &t in &seq {
                        unigrams[t as usize] += w;
                    }
                    let from = if bigrams.is_empty() {
                        2
                    } else {
                        for g in seq.windows(2) {
                            bigrams[g[0] as usize * tokens + g[1] as usize] += w;
                        }
                        3
                    };
                    for n in from..=order {
                        for g in seq.windows(n) {
                            *grams.entry(K::of(g)).or_default() += w;
                        }
                    }
                    if with_params {
                        for e in sessions.session_range(i) {
                            let ev = sessions.event(e);
                            set.clear();
                            set.extend_from_slice(ev.params);
                            set.sort_unstable();
                            sets.add(ev.name + 2, &set, w);
                        }
                    }
                }
                // the pairs counted, as n-grams
                for (k, &c) in bigrams.iter().enumerate().filter(|(_, &c)| c > 0.0) {
                    grams.insert(K::of(&[(k / tokens) as u32, (k % tokens) as u32]), c);
                }
                (unigrams, grams, sets)
            })
            .collect();
        // the runs added in order, keys turned into n-grams once at the end
        let mut grams: AHashMap<K, f64> = AHashMap::new();
        let mut sets = ParamSetCounts::default();
        let mut unigrams = vec![0.0; tokens];
        for (run_unigrams, run_grams, run_sets) in parts {
            for (c, r) in unigrams.iter_mut().zip(run_unigrams) {
                *c += r;
            }
            add_into(&mut grams, run_grams);
            sets.add_all(run_sets);
        }
        self.grams.reserve(grams.len() + tokens);
        self.grams.extend(grams.into_iter().map(|(k, c)| (k.gram(), c)));
        (unigrams, sets)
    }

    fn empty(order: usize, names: Vec<String>) -> Self {
        let index = names.iter().enumerate().map(|(k, n)| (n.clone(), k as u32 + 2)).collect();
        SequenceCounts {
            order,
            names,
            index,
            grams: AHashMap::new(),
            profiles: Profiles::default(),
            param_sets: BTreeMap::new(),
            total_weight: 0.0,
        }
    }

    /// The highest n-gram order counted.
    pub fn order(&self) -> usize {
        self.order
    }

    /// Command names seen in training (token ids 2 onwards, in this order).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The token id of a command name seen in training.
    pub fn id(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// The weighted count of the n-gram `tokens` (0 when never seen).
    pub fn count(&self, tokens: &[u32]) -> f64 {
        if tokens.is_empty() || tokens.len() > MAX_ORDER {
            return 0.0;
        }
        self.grams.get(&gram(tokens)).copied().unwrap_or(0.0)
    }

    /// Every n-gram with its weighted count (in no particular order).
    pub fn grams(&self) -> impl Iterator<Item = (&Gram, f64)> + '_ {
        self.grams.iter().map(|(g, &c)| (g, c))
    }

    /// Every distinct count profile with its support (in the order they were first counted).
    pub fn profiles(&self) -> impl ExactSizeIterator<Item = (&[Entry], f64)> + '_ {
        self.profiles.iter()
    }

    /// The distinct count profiles, to look profiles up by index.
    pub fn profile_set(&self) -> &Profiles {
        &self.profiles
    }

    /// The support of a count profile (`None` when never seen).
    pub fn support(&self, profile: &[Entry]) -> Option<f64> {
        self.profiles.find(profile).map(|k| self.profiles.support(k))
    }

    /// The parameter sets seen with the command of token `cmd`: each set's names
    /// (sorted) and the weighted count of its events, in set order.
    pub fn param_sets_of(&self, cmd: u32) -> impl Iterator<Item = (&[String], f64)> + '_ {
        let from = (cmd, Vec::new());
        self.param_sets.range(from..).take_while(move |((c, _), _)| *c == cmd).map(|((_, s), &n)| (s.as_slice(), n))
    }

    /// Number of distinct count profiles.
    pub fn n_profiles(&self) -> usize {
        self.profiles.len()
    }

    /// The summed weight of the sessions counted.
    pub fn total_weight(&self) -> f64 {
        self.total_weight
    }

    /// The counts of both data sets: `self`'s names keep their ids, `other`'s new
    /// names follow in its order (the ids training on the concatenation gives).
    /// Both must keep the same order.
    pub fn merge(&self, other: &SequenceCounts) -> Result<SequenceCounts, Error> {
        if self.order != other.order {
            return Err(Error::OrderMismatch { left: self.order, right: other.order });
        }
        let mut out = self.clone();
        let remap: Vec<u32> = std::iter::once(SEQ_START)
            .chain(std::iter::once(SEQ_END))
            .chain(other.names.iter().map(|n| match out.index.get(n) {
                Some(&id) => id,
                None => {
                    let id = out.names.len() as u32 + 2;
                    out.names.push(n.clone());
                    out.index.insert(n.clone(), id);
                    id
                }
            }))
            .collect();
        let map = |t: u32| if t == PAD { PAD } else { remap[t as usize] };
        for (&(n, g), &c) in &other.grams {
            *out.grams.entry((n, g.map(map))).or_default() += c;
        }
        let mut q: Profile = Vec::new();
        for (p, s) in other.profiles.iter() {
            q.clear();
            q.extend(p.iter().map(|&(id, k)| (map(id), k)));
            q.sort_unstable();
            out.profiles.add(&q, s);
        }
        for ((cmd, set), &c) in &other.param_sets {
            *out.param_sets.entry((map(*cmd), set.clone())).or_default() += c;
        }
        out.total_weight += other.total_weight;
        Ok(out)
    }

    /// The serialisable form: every table sorted, so a model file is the same bytes on every run.
    pub(crate) fn to_file(&self) -> SequenceFile<SortedProfiles<'_>> {
        let mut grams: Vec<(Vec<u32>, f64)> =
            self.grams.iter().map(|(&(n, g), &c)| (g[MAX_ORDER - n as usize..].to_vec(), c)).collect();
        grams.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
        SequenceFile {
            order: self.order,
            names: self.names.clone(),
            total_weight: self.total_weight,
            grams,
            profiles: self.profiles.sorted(),
            param_sets: self.param_sets.iter().map(|((c, set), &n)| (*c, set.clone(), n)).collect(),
        }
    }

    /// Back from the serialisable form, every id and count checked.
    pub(crate) fn from_file(f: SequenceFile<FlatProfiles>) -> Result<SequenceCounts, Error> {
        let bad = |m: String| Error::InvalidCounts(format!("`sequence`: {m}"));
        check_order(f.order).map_err(|e| bad(e.to_string()))?;
        let mut out = SequenceCounts::empty(f.order, f.names);
        if out.index.len() != out.names.len() {
            return Err(bad("a command name is listed twice".into()));
        }
        if let Some(n) = out.names.iter().find(|n| is_reserved_token(n)) {
            return Err(bad(format!("`{n}` is a reserved token, not a command")));
        }
        let ids = out.names.len() as u32 + 2;
        let weight = |c: f64, what: &dyn Fn() -> String| {
            if c.is_finite() && c > 0.0 {
                Ok(c)
            } else {
                Err(bad(format!("{} has a count of {c}", what())))
            }
        };
        // room for every entry up front, each moved in: a large model loads without rehashing
        out.grams.reserve(f.grams.len());
        for (g, c) in f.grams {
            if g.is_empty() || g.len() > f.order || g.iter().any(|&t| t >= ids) {
                return Err(bad(format!("n-gram {g:?} is not of order 1 to {} over {ids} tokens", f.order)));
            }
            let c = weight(c, &|| format!("n-gram {g:?}"))?;
            if out.grams.insert(gram(&g), c).is_some() {
                return Err(bad(format!("n-gram {g:?} is listed twice")));
            }
        }
        for (p, s) in f.profiles.iter() {
            let sorted = p.windows(2).all(|w| w[0].0 < w[1].0);
            if !sorted || p.iter().any(|&(id, k)| !(2..ids).contains(&id) || k == 0) {
                return Err(bad(format!("profile {p:?} is not a sorted bag of command ids with counts")));
            }
            weight(s, &|| format!("profile {p:?}"))?;
        }
        out.profiles = Profiles::from_flat(f.profiles).map_err(|p| bad(format!("profile {p:?} is listed twice")))?;
        for (cmd, set, n) in f.param_sets {
            let sorted = set.windows(2).all(|w| w[0] < w[1]);
            if !(2..ids).contains(&cmd) || !sorted {
                return Err(bad(format!("parameter set {set:?} of token {cmd} is not a sorted set of a command's")));
            }
            let n = weight(n, &|| format!("parameter set {set:?}"))?;
            match out.param_sets.entry((cmd, set)) {
                std::collections::btree_map::Entry::Occupied(e) => {
                    let (cmd, set) = e.key();
                    return Err(bad(format!("parameter set {set:?} of token {cmd} is listed twice")));
                }
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(n);
                }
            }
        }
        if !(f.total_weight.is_finite() && f.total_weight >= 0.0) {
            return Err(bad(format!("total weight {}", f.total_weight)));
        }
        out.total_weight = f.total_weight;
        Ok(out)
    }
}

fn check_order(order: usize) -> Result<(), Error> {
    if order == 0 || order > MAX_ORDER {
        return Err(Error::InvalidCounts(format!("n-gram order {order} is not 1 to {MAX_ORDER}")));
    }
    Ok(())
}

/// [`SequenceCounts`] as a model file holds it, its profiles `P`: written borrowed
/// ([`SortedProfiles`]), read into one buffer ([`FlatProfiles`]).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SequenceFile<P> {
    order: usize,
    names: Vec<String>,
    total_weight: f64,
    /// `[tokens, count]`, shortest first, then by tokens (0: `##START##`, 1: `##END##`,
    /// `k + 2`: `names[k]`).
    grams: Vec<(Vec<u32>, f64)>,
    /// `[[[id, count], ...], support]`, in profile order.
    profiles: P,
    /// `[command token, [parameter names, sorted], count]`, in that order.
    #[serde(default)]
    param_sets: Vec<(u32, Vec<String>, f64)>,
}

#[cfg(test)]
mod tests {
    use anomseq_core::{Cmd, Sessions};

    use crate::{Model, ModelOptions};

    fn sessions(lists: &[&[&str]]) -> Sessions {
        Sessions::from_cmds(
            lists.iter().map(|l| l.iter().map(|n| Cmd::new(*n)).collect::<Vec<_>>()).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    const DATA: &[&[&str]] = &[&["a", "b", "c"], &["b", "b"], &["c", "a"], &["a", "b", "c"], &["d"], &["b", "d", "a"]];

    /// Trained on any split and merged, the state is the state of the whole, and the
    /// model file holds it byte for byte.
    #[test]
    fn halves_merge_into_the_whole_and_round_trip_through_the_file() {
        let options = ModelOptions::every_mode();
        let whole = Model::try_train_with(&sessions(DATA), &options).unwrap();
        for cut in 1..DATA.len() {
            let a = Model::try_train_with(&sessions(&DATA[..cut]), &options).unwrap();
            let b = Model::try_train_with(&sessions(&DATA[cut..]), &options).unwrap();
            let merged = a.merge(&b).unwrap();
            assert_eq!(merged.sequence(), whole.sequence(), "cut at {cut}");
            assert_eq!(merged.to_file_bytes(), whole.to_file_bytes(), "cut at {cut}");
        }
        let bytes = whole.to_file_bytes();
        let back = Model::from_file_bytes(&bytes).unwrap();
        assert_eq!(back.sequence(), whole.sequence());
        assert_eq!(back.to_file_bytes(), bytes);
        assert_eq!(back.modes(), ["reference", "profile", "novelty", "ngram"]);
        // the reference counts alone: no sequence state, and merging the two kinds is an error
        let reference = Model::train(&sessions(DATA));
        assert_eq!(reference.modes(), ["reference"]);
        assert!(String::from_utf8(reference.to_file_bytes()).unwrap().contains("\"sequence\": null"));
        let e = whole.merge(&reference).unwrap_err().to_string();
        assert_eq!(e, "cannot merge a model that keeps every mode's state with one of the reference mode only: train both with the same options");
        let e = reference.merge(&whole).unwrap_err().to_string();
        assert!(
            e.starts_with("cannot merge a model of the reference mode only with one that keeps every mode's state"),
            "{e}"
        );
        // n-grams of two orders do not add up
        let seven =
            Model::try_train_with(&sessions(DATA), &ModelOptions::every_mode().with_sequence_order(Some(7))).unwrap();
        let e = whole.merge(&seven).unwrap_err().to_string();
        assert_eq!(
            e,
            "cannot merge a model of n-grams up to order 3 with one up to order 7: train both with the same order"
        );
    }

    /// Packed n-grams come back as the n-grams they pack.
    #[test]
    fn packed_grams_unpack() {
        use super::{gram, pack, unpack};
        for g in [&[0u32][..], &[1, 0], &[32764, 2, 3], &[5, 32764, 0, 1]] {
            assert_eq!(unpack(pack(g)), gram(g), "{g:?}");
        }
        use super::{pack_wide, unpack_wide, KeyKind};
        for g in [&[0u32][..], &[32764, 2, 3], &[5, 32764, 0, 1, 7], &[32764; 8], &[0, 1, 2, 3, 4, 5, 6, 32764]] {
            assert_eq!(unpack_wide(pack_wide(g)), gram(g), "{g:?}");
        }
        // distinct n-grams, distinct keys: no two lengths or token runs share one
        let keys: std::collections::HashSet<u128> =
            [&[0u32][..], &[0, 0], &[0; 8], &[1; 7], &[0, 1], &[1, 0]].iter().map(|g| pack_wide(g)).collect();
        assert_eq!(keys.len(), 6);
        assert_eq!(KeyKind::of(42, 4), KeyKind::Packed);
        assert_eq!(KeyKind::of(42, 5), KeyKind::PackedWide);
        assert_eq!(KeyKind::of(super::PACKED_LIMIT as usize, 2), KeyKind::Wide);
    }

    /// Parameter sets come back from their packed form as they went in, and the
    /// sets too large to pack count alike.
    #[test]
    fn parameter_sets_pack_and_unpack() {
        use super::ParamSetCounts;
        let cases: [(u32, Vec<u32>); 7] = [
            (2, vec![]),
            (2, vec![0]),
            (7, vec![0, 1, 65533]),
            (65535, (0..7).collect()),
            (65536, vec![1]),
            (3, vec![65535]),
            (3, (0..8).collect()),
        ];
        let mut sets = ParamSetCounts::default();
        for (k, (cmd, ids)) in cases.iter().enumerate() {
            sets.add(*cmd, ids, k as f64 + 1.0);
            sets.add(*cmd, ids, 0.5);
        }
        for (k, (cmd, ids)) in cases.iter().enumerate() {
            assert_eq!(sets.get(*cmd, ids), Some(k as f64 + 1.5), "{cmd} {ids:?}");
        }
        assert_eq!(sets.get(2, &[1]), None);
        let mut back: Vec<(u32, Vec<u32>, f64)> = sets.into_sets().collect();
        back.sort_by(|a, b| a.2.total_cmp(&b.2));
        let want: Vec<(u32, Vec<u32>, f64)> =
            cases.iter().enumerate().map(|(k, (c, ids))| (*c, ids.clone(), k as f64 + 1.5)).collect();
        assert_eq!(back, want);
    }

    /// Parameter sets merge like the rest: split anywhere, the same state as the whole.
    #[test]
    fn parameter_sets_merge_into_the_whole() {
        let lists: Vec<Vec<Cmd>> = serde_json::from_str(
            r#"[[{"name":"a","params":{"x":"1","y":"2"}},{"name":"b","params":{}}],
                [{"name":"a","params":{"y":"3","x":"4"}}],
                [{"name":"c","params":{"z":"1"}},{"name":"a","params":{"x":"1"}}]]"#,
        )
        .unwrap();
        let options = ModelOptions::every_mode();
        let whole = Model::try_train_with(&Sessions::from_cmds(&lists).unwrap(), &options).unwrap();
        let seq = whole.sequence().unwrap();
        let a = seq.id("a").unwrap();
        let sets: Vec<(Vec<String>, f64)> = seq.param_sets_of(a).map(|(s, n)| (s.to_vec(), n)).collect();
        assert_eq!(sets, [(vec!["x".to_owned()], 1.0), (vec!["x".to_owned(), "y".to_owned()], 2.0)]);
        for cut in 1..lists.len() {
            let part = |l: &[Vec<Cmd>]| Model::try_train_with(&Sessions::from_cmds(l).unwrap(), &options).unwrap();
            let merged = part(&lists[..cut]).merge(&part(&lists[cut..])).unwrap();
            assert_eq!(merged.to_file_bytes(), whole.to_file_bytes(), "cut at {cut}");
        }
        let back = Model::from_file_bytes(&whole.to_file_bytes()).unwrap();
        assert_eq!(back.sequence(), whole.sequence());
    }

    /// A format-1 file (before the sequence state) loads as a model of the reference mode.
    #[test]
    fn format_1_files_load_as_reference_models() {
        let m = Model::from_file_bytes(include_bytes!("../../../fixtures/models/commands.json")).unwrap();
        assert_eq!(m.modes(), ["reference"]);
        assert!(m.sequence().is_none());
    }

    /// A corrupt sequence state is an error naming what is wrong, never a panic.
    #[test]
    fn corrupt_sequence_state_is_named() {
        let good = String::from_utf8(
            Model::try_train_with(&sessions(&[&["a", "b"]]), &ModelOptions::every_mode()).unwrap().to_file_bytes(),
        )
        .unwrap();
        let cases = [
            ("\"order\": 3", "\"order\": 9", "n-gram order 9 is not 1 to 8"),
            ("[[0],1.0]", "[[7],1.0]", "n-gram [7] is not of order 1 to 3 over 4 tokens"),
            ("[[0],1.0]", "[[0],-1.0]", "n-gram [0] has a count of -1"),
            ("\"names\": [\"a\",\"b\"]", "\"names\": [\"a\",\"a\"]", "a command name is listed twice"),
            ("[[[2,1],[3,1]],1.0]", "[[[3,1],[2,1]],1.0]", "is not a sorted bag"),
            (
                "[[[2,1],[3,1]],1.0]",
                "[[[2,1],[3,1]],1.0],[[[2,1],[3,1]],2.0]",
                "profile [(2, 1), (3, 1)] is listed twice",
            ),
            ("[[[2,1],[3,1]],1.0]", "[[[2,1],[3,1]]]", "invalid length 1, expected a [profile, support] pair"),
            ("[[[2,1],[3,1]],1.0]", "[[[2,1],[3,1]],1.0,7]", "invalid length 3, expected a [profile, support] pair"),
            ("[[[2,1],[3,1]],1.0]", "[[[2,1],[3]],1.0]", "invalid length 1, expected a tuple of size 2"),
        ];
        for (from, to, want) in cases {
            assert!(good.contains(from), "{from} not in {good}");
            let bad = good.replacen(from, to, 1);
            let e = Model::from_file_bytes(bad.as_bytes()).unwrap_err().to_string();
            assert!(e.contains(want), "{e} lacks {want}");
        }
    }
}
