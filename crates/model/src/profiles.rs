//! Count profiles stored flat: every bag of command counts in one buffer, the distinct ones found by one hash each.

use anomseq_core::Sessions;
use hashbrown::HashTable;
use rayon::prelude::*;

/// One part of a count profile: a command's token and how often the session holds it.
pub type Entry = (u32, u32);

/// Sessions whose profiles one thread builds at a time.
const RUN: usize = 4096;

/// The hasher profiles are found with: fixed seeds, so a run never depends on chance.
static HASHER: ahash::RandomState = ahash::RandomState::with_seeds(1, 2, 3, 4);

/// The hash a profile is found by in [`Profiles`].
pub fn profile_hash(p: &[Entry]) -> u64 {
    HASHER.hash_one(p)
}

/// Sort `tokens` and push each distinct one with how often it occurs onto `out`.
fn push_profile(tokens: &mut [u32], out: &mut Vec<Entry>) {
    tokens.sort_unstable();
    let mut rest = &tokens[..];
    while let Some(&t) = rest.first() {
        let n = rest.iter().take_while(|&&x| x == t).count();
        out.push((t, n as u32));
        rest = &rest[n..];
    }
}

/// The count profile of a session's command ids: `(id, count)`, sorted by id.
pub fn profile_of(ids: &[u32]) -> Vec<Entry> {
    let mut out = Vec::new();
    push_profile(&mut ids.to_vec(), &mut out);
    out
}

/// Every session's count profile, in session order, in one buffer per run of
/// sessions (no allocation per session).
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileList {
    /// The profiles of sessions `RUN × r ..`, back to back, and where each ends.
    parts: Vec<(Vec<Entry>, Vec<usize>)>,
    len: usize,
}

impl ProfileList {
    /// The profiles of `sessions`, each command id `c` counted as token `token(c)`;
    /// built on rayon's threads, the same on every run.
    pub fn of_sessions(sessions: &Sessions, token: impl Fn(u32) -> u32 + Sync) -> ProfileList {
        let firsts: Vec<usize> = (0..sessions.len()).step_by(RUN).collect();
        let parts = firsts
            .par_iter()
            .map(|&first| {
                let last = (first + RUN).min(sessions.len());
                let events = sessions.session_range(first).start..sessions.session_range(last - 1).end;
                let mut entries: Vec<Entry> = Vec::with_capacity(events.len());
                let mut ends = Vec::with_capacity(last - first + 1);
                ends.push(0);
                let mut tokens = Vec::new();
                for i in first..last {
                    tokens.clear();
                    tokens.extend(sessions.session_cmds(i).iter().map(|&c| token(c)));
                    push_profile(&mut tokens, &mut entries);
                    ends.push(entries.len());
                }
                (entries, ends)
            })
            .collect();
        ProfileList { parts, len: sessions.len() }
    }

    /// Number of profiles (sessions).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list holds no profile.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Profile `i`.
    pub fn get(&self, i: usize) -> &[Entry] {
        let (entries, ends) = &self.parts[i / RUN];
        let j = i % RUN;
        &entries[ends[j]..ends[j + 1]]
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
/// the order they were first added, in one buffer; found by [`profile_hash`].
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
#[derive(Debug, Clone)]
pub struct Profiles {
    entries: Vec<Entry>,
    /// Profile `k` is `entries[offsets[k]..offsets[k + 1]]`.
    offsets: Vec<usize>,
    support: Vec<f64>,
    hashes: Vec<u64>,
    /// Indices of the profiles, by their hashes.
    table: HashTable<u32>,
}

impl Default for Profiles {
    fn default() -> Self {
        Profiles {
            entries: Vec::new(),
            offsets: vec![0],
            support: Vec::new(),
            hashes: Vec::new(),
            table: HashTable::new(),
        }
    }
}

impl PartialEq for Profiles {
    fn eq(&self, other: &Profiles) -> bool {
        self.len() == other.len() && self.iter().all(|(p, s)| other.find(p).is_some_and(|k| other.support[k] == s))
    }
}

impl Profiles {
    /// The distinct profiles of `list` in the order they first occur, each one's
    /// support the sum of `weight(i)` over the listed profiles `i` equal to it (in
    /// list order), and for each listed profile which distinct one it is.
    ///
    /// Hashed on rayon's threads, then grouped in one pass: the same on every run
    /// and every number of threads.
    pub fn from_list(list: &ProfileList, weight: impl Fn(usize) -> f64) -> (Profiles, Vec<u32>) {
        let hashes: Vec<u64> = (0..list.len()).into_par_iter().map(|i| profile_hash(list.get(i))).collect();
        let mut out = Profiles { table: HashTable::with_capacity(list.len()), ..Profiles::default() };
        let mut of = Vec::with_capacity(list.len());
        for (i, &h) in hashes.iter().enumerate() {
            of.push(out.add_hashed(h, list.get(i), weight(i)) as u32);
        }
        (out, of)
    }

    /// Where each session's count profile (each command id `c` counted as token
    /// `token(c)`) is: in this set, or among the profiles it lacks, which come back
    /// distinct, in the order they first occur, each supported by its number of sessions.
    ///
    /// Looked up on rayon's threads, without building a profile per session: only the
    /// ones the set lacks are kept.
    pub fn place_sessions(&self, sessions: &Sessions, token: impl Fn(u32) -> u32 + Sync) -> (Vec<Place>, Profiles) {
        let firsts: Vec<usize> = (0..sessions.len()).step_by(RUN).collect();
        // per run: each session's place, unseen ones by their index in the run's own list
        let parts: Vec<(Vec<Place>, Vec<Entry>, Vec<usize>)> = firsts
            .par_iter()
            .map(|&first| {
                let last = (first + RUN).min(sessions.len());
                let (mut places, mut entries, mut ends) = (Vec::with_capacity(last - first), Vec::new(), vec![0]);
                let (mut tokens, mut own) = (Vec::new(), Vec::new());
                for i in first..last {
                    tokens.clear();
                    tokens.extend(sessions.session_cmds(i).iter().map(|&c| token(c)));
                    own.clear();
                    push_profile(&mut tokens, &mut own);
                    places.push(match self.find(&own) {
                        Some(k) => Place::Known(k as u32),
                        None => {
                            entries.extend_from_slice(&own);
                            ends.push(entries.len());
                            Place::Unseen(ends.len() as u32 - 2)
                        }
                    });
                }
                (places, entries, ends)
            })
            .collect();
        let mut unseen = Profiles::default();
        let mut places = Vec::with_capacity(sessions.len());
        for (run, entries, ends) in parts {
            places.extend(run.into_iter().map(|p| match p {
                Place::Unseen(j) => {
                    let own = &entries[ends[j as usize]..ends[j as usize + 1]];
                    Place::Unseen(unseen.add(own, 1.0) as u32)
                }
                known => known,
            }));
        }
        (places, unseen)
    }

    /// Number of distinct profiles.
    pub fn len(&self) -> usize {
        self.support.len()
    }

    /// Whether the set holds no profile.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Profile `k`.
    pub fn get(&self, k: usize) -> &[Entry] {
        &self.entries[self.offsets[k]..self.offsets[k + 1]]
    }

    /// The support of profile `k`.
    pub fn support(&self, k: usize) -> f64 {
        self.support[k]
    }

    /// The [`profile_hash`] of profile `k`, computed once.
    pub fn hash(&self, k: usize) -> u64 {
        self.hashes[k]
    }

    /// Every profile with its support, in the order they were added.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[Entry], f64)> + '_ {
        (0..self.len()).map(|k| (self.get(k), self.support[k]))
    }

    /// Which profile `p` is, if the set holds it.
    pub fn find(&self, p: &[Entry]) -> Option<usize> {
        self.find_hashed(profile_hash(p), p)
    }

    /// [`find`](Self::find) for a profile whose [`profile_hash`] is `hash`.
    pub fn find_hashed(&self, hash: u64, p: &[Entry]) -> Option<usize> {
        self.table.find(hash, |&k| self.get(k as usize) == p).map(|&k| k as usize)
    }

    /// Add `weight` to the support of `p`, adding `p` (last) when the set lacks it:
    /// which profile it is.
    pub fn add(&mut self, p: &[Entry], weight: f64) -> usize {
        self.add_hashed(profile_hash(p), p, weight)
    }

    fn add_hashed(&mut self, hash: u64, p: &[Entry], weight: f64) -> usize {
        let (k, new) = self.place(hash, p, weight);
        if !new {
            self.support[k] += weight;
        }
        k
    }

    /// The index of `p`, found or pushed (with `support`) in one probe of the table,
    /// and whether it was pushed.
    fn place(&mut self, hash: u64, p: &[Entry], support: f64) -> (usize, bool) {
        let (entries, offsets, hashes) = (&self.entries, &self.offsets, &self.hashes);
        let same = |&k: &u32| &entries[offsets[k as usize]..offsets[k as usize + 1]] == p;
        match self.table.entry(hash, same, |&k| hashes[k as usize]) {
            hashbrown::hash_table::Entry::Occupied(o) => (*o.get() as usize, false),
            hashbrown::hash_table::Entry::Vacant(v) => {
                let k = self.support.len();
                v.insert(k as u32);
                // the table finds profile k by its hash from here on: pushed before any other change
                self.hashes.push(hash);
                self.entries.extend_from_slice(p);
                self.offsets.push(self.entries.len());
                self.support.push(support);
                (k, true)
            }
        }
    }
}

/// A set's profiles as a model file lists them, sorted (written borrowed, without a
/// copy of each): `[[[id, count], ...], support]`.
pub(crate) struct SortedProfiles<'a> {
    set: &'a Profiles,
    order: Vec<u32>,
}

impl Profiles {
    /// The profiles in their sorted order, sorted on rayon's threads (no two are equal,
    /// so an unstable sort gives the one order there is).
    pub(crate) fn sorted(&self) -> SortedProfiles<'_> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.par_sort_unstable_by(|&a, &b| self.get(a as usize).cmp(self.get(b as usize)));
        SortedProfiles { set: self, order }
    }

    /// The set of profiles read from a model file, in their order: `Err` with a
    /// profile listed twice.
    pub(crate) fn from_flat(flat: FlatProfiles) -> Result<Profiles, Vec<Entry>> {
        let FlatProfiles { entries, offsets, support } = flat;
        let hashes: Vec<u64> =
            (0..support.len()).into_par_iter().map(|k| profile_hash(&entries[offsets[k]..offsets[k + 1]])).collect();
        let mut table: HashTable<u32> = HashTable::with_capacity(support.len());
        for (k, &h) in hashes.iter().enumerate() {
            let get = |j: u32| &entries[offsets[j as usize]..offsets[j as usize + 1]];
            match table.entry(h, |&j| get(j) == get(k as u32), |&j| hashes[j as usize]) {
                hashbrown::hash_table::Entry::Occupied(_) => return Err(get(k as u32).to_vec()),
                hashbrown::hash_table::Entry::Vacant(v) => {
                    v.insert(k as u32);
                }
            }
        }
        Ok(Profiles { entries, offsets, support, hashes, table })
    }
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

/// Profiles read from a model file into one buffer, in the file's order, not yet
/// checked: `[[[id, count], ...], support]` each.
#[derive(Debug)]
pub(crate) struct FlatProfiles {
    entries: Vec<Entry>,
    /// Profile `k` is `entries[offsets[k]..offsets[k + 1]]`.
    offsets: Vec<usize>,
    support: Vec<f64>,
}

impl FlatProfiles {
    /// Every profile with its support, in the file's order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[Entry], f64)> + '_ {
        (0..self.support.len()).map(|k| (&self.entries[self.offsets[k]..self.offsets[k + 1]], self.support[k]))
    }
}

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
        let mut out =
            FlatProfiles { entries: Vec::new(), offsets: Vec::with_capacity(n + 1), support: Vec::with_capacity(n) };
        out.offsets.push(0);
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

    use super::{profile_of, ProfileList, Profiles};

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
        let list = ProfileList::of_sessions(&sessions, token);
        assert_eq!(list.len(), 7);
        assert_eq!(list.get(6), [(2, 2), (5, 1)]);
        assert_eq!(list.get(3), [(4, 1)]);
        let (set, of) = Profiles::from_list(&list, |i| i as f64 + 1.0);
        assert_eq!(of, [0, 1, 0, 2, 1, 2, 3]);
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
