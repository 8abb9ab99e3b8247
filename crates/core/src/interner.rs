//! String interning: each distinct string once, in one arena, with a dense `u32` id.

use hashbrown::HashTable;

/// Interns strings to dense `u32` ids, in first-seen order.
///
/// Every distinct string is stored once, in one arena: about its length plus
/// 14 bytes each, so vocabularies of millions of names stay small.
///
/// ```
/// let mut i = anomseq_core::Interner::default();
/// assert_eq!(i.intern("a"), 0);
/// assert_eq!(i.intern("b"), 1);
/// assert_eq!(i.intern("a"), 0);
/// assert_eq!(i.resolve(1), "b");
/// assert_eq!(i.get("c"), None);
/// ```
#[derive(Clone, Default)]
pub struct Interner {
    /// Every string, back to back.
    arena: String,
    /// End of string `id` in the arena (its start is the previous end).
    ends: Vec<usize>,
    /// Ids, found by the hash of their string.
    table: HashTable<u32>,
    hasher: ahash::RandomState,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Interner {
    /// An interner that already holds `strings`, in that order (duplicates keep their first id).
    pub fn from_strings<I, S>(strings: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = Self::default();
        for s in strings {
            out.intern(s.as_ref());
        }
        out
    }

    #[inline]
    fn text(&self, id: u32) -> &str {
        let end = self.ends[id as usize];
        let start = if id == 0 { 0 } else { self.ends[id as usize - 1] };
        &self.arena[start..end]
    }

    /// The id of `s`, adding it if it is new.
    ///
    /// # Panics
    /// Past `u32::MAX` distinct strings.
    pub fn intern(&mut self, s: &str) -> u32 {
        let hash = self.hasher.hash_one(s);
        if let Some(&id) = self.table.find(hash, |&id| self.text(id) == s) {
            return id;
        }
        let id = u32::try_from(self.ends.len()).expect("more than u32::MAX distinct strings");
        self.arena.push_str(s);
        self.ends.push(self.arena.len());
        let (arena, ends, hasher) = (&self.arena, &self.ends, &self.hasher);
        self.table.insert_unique(hash, id, |&id| {
            let end = ends[id as usize];
            let start = if id == 0 { 0 } else { ends[id as usize - 1] };
            hasher.hash_one(&arena[start..end])
        });
        id
    }

    /// The id of `s`, if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(s);
        self.table.find(hash, |&id| self.text(id) == s).copied()
    }

    /// The string of `id`.
    ///
    /// # Panics
    /// If `id` was not handed out by this interner.
    pub fn resolve(&self, id: u32) -> &str {
        self.text(id)
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when nothing was interned.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Every string, in id order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len() as u32).map(|id| self.text(id))
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.arena.capacity() + self.ends.capacity() * std::mem::size_of::<usize>() + self.table.capacity() * 5
    }
}

impl PartialEq for Interner {
    fn eq(&self, other: &Self) -> bool {
        self.ends == other.ends && self.arena == other.arena
    }
}
impl Eq for Interner {}
