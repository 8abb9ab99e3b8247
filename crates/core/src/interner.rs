use ahash::AHashMap;

/// Interns strings to dense `u32` ids, in first-seen order.
///
/// ```
/// let mut i = anomseq_core::Interner::default();
/// assert_eq!(i.intern("a"), 0);
/// assert_eq!(i.intern("b"), 1);
/// assert_eq!(i.intern("a"), 0);
/// assert_eq!(i.resolve(1), "b");
/// assert_eq!(i.get("c"), None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Interner {
    strings: Vec<Box<str>>,
    index: AHashMap<Box<str>, u32>,
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

    /// The id of `s`, adding it if it is new.
    ///
    /// # Panics
    /// Past `u32::MAX` distinct strings.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.index.get(s) {
            return id;
        }
        let id = u32::try_from(self.strings.len()).expect("more than u32::MAX distinct strings");
        let boxed: Box<str> = s.into();
        self.strings.push(boxed.clone());
        self.index.insert(boxed, id);
        id
    }

    /// The id of `s`, if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }

    /// The string of `id`.
    ///
    /// # Panics
    /// If `id` was not handed out by this interner.
    pub fn resolve(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// True when nothing was interned.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// Every string, in id order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.strings.iter().map(|s| &**s)
    }
}

impl PartialEq for Interner {
    fn eq(&self, other: &Self) -> bool {
        self.strings == other.strings
    }
}
impl Eq for Interner {}
