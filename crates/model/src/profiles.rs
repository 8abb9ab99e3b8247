//! Count profiles stored flat: every bag of command counts in one buffer, the distinct ones found by one hash each.

use anomseq_core::Sessions;
use hashbrown::hash_table::Entry as Slot;
use hashbrown::HashTable;
use rayon::prelude::*;

/// One part of a count profile: a command's token and how often the session holds it.
pub type Entry = (u32, u32);

/// Sessions whose profiles one thread builds at a time.
const RUN: usize = 4096;

/// The hasher profiles are found with: fixed seeds, so a run never depends on chance.
static HASHER: ahash::RandomState = ahash::RandomState::with_seeds(1, 2, 3, 4);

/// The hash a profile is found by in [`Profiles`].
fn profile_hash(p: &[Entry]) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // one word an entry
    let mut h = HASHER.build_hasher();
    h.write_usize(p.len());
    for &(id, n) in p {
        h.write_u64((u64::from(id) << 32) | u64::from(n));
    }
    h.finish()
}

/// The count profile of a session's command ids: `(id, count)`, sorted by id.
pub fn profile_of(ids: &[u32]) -> Vec<Entry> {
    // sorted, not counted by id: any id may come, the memory stays the session's
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<Entry> = Vec::new();
    for &t in &sorted {
        match out.last_mut() {
            Some((last, n)) if *last == t => *n += 1,
            _ => out.push((t, 1)),
        }
    }
    out
}

/// The first session of each run of [`RUN`] sessions.
fn runs(sessions: &Sessions) -> Vec<usize> {
    (0..sessions.len()).step_by(RUN).collect()
}

/// Vocabularies up to this many words of 64 tokens list a profile's tokens in order
/// from a bitmap; larger ones sort the distinct tokens.
const BITMAP_WORDS: usize = 16;

/// Counts profiles by token, without sorting the events: one count per token of the
/// vocabulary (reset after each profile), so the memory is the vocabulary's, once per run.
struct Counter {
    counts: Vec<u32>,
    /// The tokens counted in this profile, in the order first seen.
    touched: Vec<u32>,
    /// Which tokens were counted, while the vocabulary is small.
    bits: Vec<u64>,
}

impl Counter {
    /// A counter of tokens below `limit`.
    fn new(limit: usize) -> Counter {
        let words = limit.div_ceil(64);
        Counter {
            counts: vec![0; limit],
            touched: Vec::new(),
            bits: if words <= BITMAP_WORDS { vec![0; words] } else { Vec::new() },
        }
    }

    /// The profile of `tokens` (each below the limit) into `out`, sorted by token.
    fn profile(&mut self, tokens: impl Iterator<Item = u32>, out: &mut Vec<Entry>) {
        out.clear();
        self.touched.clear();
        for t in tokens {
            let c = &mut self.counts[t as usize];
            if *c == 0 {
                self.touched.push(t);
            }
            *c += 1;
        }
        if self.bits.is_empty() {
            self.touched.sort_unstable();
            for &t in &self.touched {
                out.push((t, std::mem::take(&mut self.counts[t as usize])));
            }
            return;
        }
        let (mut lo, mut hi) = (usize::MAX, 0);
        for &t in &self.touched {
            let w = t as usize / 64;
            self.bits[w] |= 1 << (t % 64);
            (lo, hi) = (lo.min(w), hi.max(w + 1));
        }
        for w in lo..hi {
            let mut b = std::mem::take(&mut self.bits[w]);
            while b != 0 {
                let t = w * 64 + b.trailing_zeros() as usize;
                b &= b - 1;
                out.push((t as u32, std::mem::take(&mut self.counts[t])));
            }
        }
    }
}

/// The tokens `token` gives the command ids of `sessions` are below this.
fn token_limit(sessions: &Sessions, token: &impl Fn(u32) -> u32) -> usize {
    (0..sessions.names().len() as u32).map(token).max().map_or(0, |t| t as usize + 1)
}

/// Pass `f` the profile of each session of the run from `first`, in order, each command
/// id `c` counted as token `token(c)` (below `limit`), built in buffers reused from
/// session to session.
fn run_profiles(
    sessions: &Sessions,
    first: usize,
    limit: usize,
    token: &impl Fn(u32) -> u32,
    mut f: impl FnMut(usize, &[Entry]),
) {
    let (mut counter, mut own) = (Counter::new(limit), Vec::new());
    for i in first..(first + RUN).min(sessions.len()) {
        counter.profile(sessions.session_cmds(i).iter().map(|&c| token(c)), &mut own);
        f(i, &own);
    }
}

/// Profiles back to back in one buffer, each with its support (also a model file's
/// profiles as read, before they are checked).
#[derive(Debug, Clone)]
pub(crate) struct FlatProfiles {
    entries: Vec<Entry>,
    /// Profile `k` is `entries[offsets[k]..offsets[k + 1]]`.
    offsets: Vec<usize>,
    support: Vec<f64>,
}

impl Default for FlatProfiles {
    fn default() -> Self {
        FlatProfiles { entries: Vec::new(), offsets: vec![0], support: Vec::new() }
    }
}

impl FlatProfiles {
    fn len(&self) -> usize {
        self.support.len()
    }

    fn get(&self, k: usize) -> &[Entry] {
        &self.entries[self.offsets[k]..self.offsets[k + 1]]
    }

    fn push(&mut self, p: &[Entry], support: f64) {
        self.entries.extend_from_slice(p);
        self.offsets.push(self.entries.len());
        self.support.push(support);
    }

    /// Every profile with its support, in order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (&[Entry], f64)> + '_ {
        (0..self.len()).map(|k| (self.get(k), self.support[k]))
    }
}

/// Where a session's count profile is ([`Profiles::place_sessions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Profile `k` of the set looked in.
    Known(u32),
    /// Profile `k` of those the set lacks.
    Unseen(u32),
}

/// Distinct count profiles, each with its support (a sum of session weights), in
/// the order they were first added, in one buffer; found by one fixed-seed hash each.
///
/// Two sets are equal when they hold the same profiles with the same supports,
/// whatever the order.
///
/// ```
/// use anomseq_model::Profiles;
/// let mut set = Profiles::default();
/// assert_eq!(set.add(&[(2, 1), (5, 3)], 1.0), 0);
/// assert_eq!(set.add(&[(3, 1)], 2.0), 1);
/// assert_eq!(set.add(&[(2, 1), (5, 3)], 0.5), 0);
/// assert_eq!(set.find(&[(2, 1), (5, 3)]), Some(0));
/// assert_eq!((set.get(0), set.support(0)), (&[(2, 1), (5, 3)][..], 1.5));
/// assert_eq!(set.find(&[(2, 1)]), None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    flat: FlatProfiles,
    hashes: Vec<u64>,
    /// Indices of the profiles, by their hashes.
    table: HashTable<u32>,
}

impl PartialEq for Profiles {
    fn eq(&self, other: &Profiles) -> bool {
        self.len() == other.len() && self.iter().all(|(p, s)| other.find(p).is_some_and(|k| other.support(k) == s))
    }
}

impl Profiles {
    /// The distinct count profiles of `sessions` (each command id `c` counted as token
    /// `token(c)`) in the order they first occur, each one's support the sum of
    /// `weight(i)` over the sessions `i` that have it, in session order.
    ///
    /// Built and hashed on rayon's threads, then grouped in one pass: the same on every
    /// run and every number of threads.
    pub fn of_sessions(
        sessions: &Sessions,
        token: impl Fn(u32) -> u32 + Sync,
        weight: impl Fn(usize) -> f64 + Sync,
    ) -> Profiles {
        let limit = token_limit(sessions, &token);
        let parts: Vec<(FlatProfiles, Vec<u64>)> = runs(sessions)
            .par_iter()
            .map(|&first| {
                let (mut flat, mut hashes) = (FlatProfiles::default(), Vec::new());
                run_profiles(sessions, first, limit, &token, |i, p| {
                    hashes.push(profile_hash(p));
                    flat.push(p, weight(i));
                });
                (flat, hashes)
            })
            .collect();
        let mut out = Profiles { table: HashTable::with_capacity(sessions.len()), ..Profiles::default() };
        for (flat, hashes) in &parts {
            for (k, (p, w)) in flat.iter().enumerate() {
                out.add_hashed(hashes[k], p, w);
            }
        }
        out
    }

    /// Where each session's count profile (each command id `c` counted as token
    /// `token(c)`) is: in this set, or among the profiles it lacks, which come back
    /// distinct, in the order they first occur, each supported by its number of sessions.
    ///
    /// Looked up on rayon's threads: only the profiles the set lacks are kept.
    pub fn place_sessions(&self, sessions: &Sessions, token: impl Fn(u32) -> u32 + Sync) -> (Vec<Place>, Profiles) {
        // per run: each session's place, unseen ones by their index in the run's own list
        let limit = token_limit(sessions, &token);
        let parts: Vec<(Vec<Place>, FlatProfiles)> = runs(sessions)
            .par_iter()
            .map(|&first| {
                let (mut places, mut new) = (Vec::with_capacity(RUN), FlatProfiles::default());
                run_profiles(sessions, first, limit, &token, |_, p| {
                    places.push(match self.find(p) {
                        Some(k) => Place::Known(k as u32),
                        None => {
                            new.push(p, 1.0);
                            Place::Unseen(new.len() as u32 - 1)
                        }
                    });
                });
                (places, new)
            })
            .collect();
        let mut unseen = Profiles::default();
        let mut places = Vec::with_capacity(sessions.len());
        for (run, new) in parts {
            places.extend(run.into_iter().map(|p| match p {
                Place::Unseen(j) => Place::Unseen(unseen.add(new.get(j as usize), 1.0) as u32),
                known => known,
            }));
        }
        (places, unseen)
    }

    /// Number of distinct profiles.
    pub fn len(&self) -> usize {
        self.flat.len()
    }

    /// Whether the set holds no profile.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Profile `k`.
    pub fn get(&self, k: usize) -> &[Entry] {
        self.flat.get(k)
    }

    /// The support of profile `k`.
    pub fn support(&self, k: usize) -> f64 {
        self.flat.support[k]
    }

    /// Every profile with its support, in the order they were added.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[Entry], f64)> + '_ {
        self.flat.iter()
    }

    /// Which profile `p` is, if the set holds it.
    pub fn find(&self, p: &[Entry]) -> Option<usize> {
        self.table.find(profile_hash(p), |&k| self.get(k as usize) == p).map(|&k| k as usize)
    }

    /// Add `weight` to the support of `p`, adding `p` (last) when the set lacks it:
    /// which profile it is.
    pub fn add(&mut self, p: &[Entry], weight: f64) -> usize {
        self.add_hashed(profile_hash(p), p, weight)
    }

    /// [`add`](Self::add) of a profile whose hash is `hash`, in one probe of the table.
    fn add_hashed(&mut self, hash: u64, p: &[Entry], weight: f64) -> usize {
        let (flat, hashes) = (&self.flat, &self.hashes);
        match self.table.entry(hash, |&k| flat.get(k as usize) == p, |&k| hashes[k as usize]) {
            Slot::Occupied(o) => {
                let k = *o.get() as usize;
                self.flat.support[k] += weight;
                k
            }
            Slot::Vacant(v) => {
                let k = self.flat.len();
                v.insert(k as u32);
                // the table finds profile k by its hash from here on: pushed before any other change
                self.hashes.push(hash);
                self.flat.push(p, weight);
                k
            }
        }
    }

    /// The profiles in their sorted order, sorted on rayon's threads (no two are equal,
    /// so an unstable sort gives the one order there is).
    pub(crate) fn sorted(&self) -> SortedProfiles<'_> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.par_sort_unstable_by(|&a, &b| self.get(a as usize).cmp(self.get(b as usize)));
        SortedProfiles { set: self, order }
    }

    /// The set of profiles read from a model file, in their order, over the buffer
    /// they were read into: `Err` with a profile listed twice.
    pub(crate) fn from_flat(flat: FlatProfiles) -> Result<Profiles, Vec<Entry>> {
        let hashes: Vec<u64> = (0..flat.len()).into_par_iter().map(|k| profile_hash(flat.get(k))).collect();
        let mut table: HashTable<u32> = HashTable::with_capacity(flat.len());
        for (k, &h) in hashes.iter().enumerate() {
            match table.entry(h, |&j| flat.get(j as usize) == flat.get(k), |&j| hashes[j as usize]) {
                Slot::Occupied(_) => return Err(flat.get(k).to_vec()),
                Slot::Vacant(v) => {
                    v.insert(k as u32);
                }
            }
        }
        Ok(Profiles { flat, hashes, table })
    }
}

/// A set's profiles as a model file lists them, sorted (written borrowed, without a
/// copy of each): `[[[id, count], ...], support]`.
pub(crate) struct SortedProfiles<'a> {
    set: &'a Profiles,
    order: Vec<u32>,
}

impl serde::Serialize for SortedProfiles<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.order.len()))?;
        for &k in &self.order {
            seq.serialize_element(&(self.set.get(k as usize), self.set.support(k as usize)))?;
        }
        seq.end()
    }
}

// a model file's profiles, each one's entries appended to one buffer as they are read
impl<'de> serde::Deserialize<'de> for FlatProfiles {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(FlatVisitor)
    }
}

struct FlatVisitor;

impl<'de> serde::de::Visitor<'de> for FlatVisitor {
    type Value = FlatProfiles;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of [profile, support] pairs")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<FlatProfiles, A::Error> {
        let n = seq.size_hint().unwrap_or(0);
        let mut out = FlatProfiles::default();
        out.offsets.reserve(n);
        out.support.reserve(n);
        while seq.next_element_seed(PairSeed(&mut out))?.is_some() {}
        Ok(out)
    }
}

/// One `[profile, support]` pair, its entries appended to the buffer.
struct PairSeed<'b>(&'b mut FlatProfiles);

impl<'de> serde::de::DeserializeSeed<'de> for PairSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_tuple(2, self)
    }
}

impl<'de> serde::de::Visitor<'de> for PairSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a [profile, support] pair")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        use serde::de::Error;
        let out = self.0;
        seq.next_element_seed(EntriesSeed(&mut out.entries))?
            .ok_or_else(|| A::Error::invalid_length(0, &"a [profile, support] pair"))?;
        let support: f64 =
            seq.next_element()?.ok_or_else(|| A::Error::invalid_length(1, &"a [profile, support] pair"))?;
        if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
            return Err(A::Error::invalid_length(3, &"a [profile, support] pair"));
        }
        out.offsets.push(out.entries.len());
        out.support.push(support);
        Ok(())
    }
}

/// A profile's `[id, count]` entries, appended to the buffer.
struct EntriesSeed<'b>(&'b mut Vec<Entry>);

impl<'de> serde::de::DeserializeSeed<'de> for EntriesSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for EntriesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of [id, count] pairs")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(e) = seq.next_element::<Entry>()? {
            self.0.push(e);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use anomseq_core::{Cmd, Sessions};

    use super::{profile_of, Place, Profiles};

    /// A profile is its sorted ids with their counts; the distinct ones come in the
    /// order they first occur with their summed weights, each profile pointing at its own.
    #[test]
    fn profiles_and_their_distinct_ones() {
        assert_eq!(profile_of(&[5, 2, 5, 5, 3]), vec![(2, 1), (3, 1), (5, 3)]);
        assert_eq!(profile_of(&[]), Vec::<(u32, u32)>::new());
        let names = ["x", "y", "z", "w", "v", "u"];
        let lists: Vec<Vec<Cmd>> = [&[5, 2][..], &[3, 3], &[2, 5], &[4], &[3, 3], &[4], &[5, 2, 2]]
            .iter()
            .map(|ids| ids.iter().map(|&i| Cmd::new(names[i])).collect())
            .collect();
        let sessions = Sessions::from_cmds(&lists).unwrap();
        // the interner's ids are the names' first occurrences: tokens by name here
        let token = |c: u32| names.iter().position(|n| *n == sessions.names().resolve(c)).unwrap() as u32;
        let set = Profiles::of_sessions(&sessions, token, |i| i as f64 + 1.0);
        // each session finds its own profile in the set
        let (places, unseen) = set.place_sessions(&sessions, token);
        assert_eq!(places, [0, 1, 0, 2, 1, 2, 3].map(Place::Known));
        assert!(unseen.is_empty());
        assert_eq!((set.get(3), set.get(2)), (&[(2, 2), (5, 1)][..], &[(4, 1)][..]));
        let got: Vec<(Vec<(u32, u32)>, f64)> = set.iter().map(|(p, s)| (p.to_vec(), s)).collect();
        assert_eq!(
            got,
            [(vec![(2, 1), (5, 1)], 4.0), (vec![(3, 2)], 7.0), (vec![(4, 1)], 10.0), (vec![(2, 2), (5, 1)], 7.0)]
        );
    }

    /// Equal sets hold the same profiles and supports, in any order.
    #[test]
    fn sets_are_equal_whatever_their_order() {
        let (mut a, mut b) = (Profiles::default(), Profiles::default());
        a.add(&[(2, 1)], 1.0);
        a.add(&[(3, 1)], 2.0);
        b.add(&[(3, 1)], 2.0);
        b.add(&[(2, 1)], 1.0);
        assert_eq!(a, b);
        b.add(&[(2, 1)], 1.0);
        assert_ne!(a, b);
    }
}
