//! The `novelty` mode's parameter part: how new each session's parameters, values and parameter sets are to the model.
//!
//! For each event of command `c` (seen `n_c` times in training), three kinds of
//! item, each scored by its surprise in nats (Laplace-smoothed, so an item never
//! seen costs a finite amount that grows with how often `c` was seen without it):
//!
//! - each **parameter** `p`, seen `k` times with `c`: `ln((n_c + 2) / (k + 1))`;
//! - each non-empty **value** `v` of a categorical parameter `p` (one the reference
//!   model models the values of), `v` seen `m` times among `p`'s `k_p` values and
//!   `V_p` distinct ones: `ln((k_p + V_p + 1) / (m + 1))`;
//! - the event's **parameter set** (its parameter names), seen `s` times with `c`
//!   among `S_c` distinct sets: `ln((n_c + S_c + 1) / (s + 1))`.
//!
//! A session's parameter part is its largest item surprise, and which item that
//! was ([`ParamNovelty::explain`]). Command names and sequences are the `profile`
//! part's business; a command never seen has `n_c = 0` and costs little here.

use ahash::{AHashMap, AHashSet};
use anomseq_core::{SessionType, Sessions};
use anomseq_model::{Model, ParamSetCounts, SequenceCounts};
use rayon::prelude::*;

/// The item of a session its parameter part comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum NovelItem {
    /// A parameter with the command of its event, and how often they were seen together.
    Param {
        /// The event (index in the session).
        event: usize,
        /// The command.
        command: String,
        /// The parameter.
        param: String,
        /// Times seen together in training.
        seen: f64,
    },
    /// A value of a categorical parameter, and how often it was seen.
    Value {
        /// The event (index in the session).
        event: usize,
        /// The parameter.
        param: String,
        /// The value.
        value: String,
        /// Times seen in training.
        seen: f64,
    },
    /// The set of parameter names of an event, and how often its command had it.
    Set {
        /// The event (index in the session).
        event: usize,
        /// The command.
        command: String,
        /// The parameter names, sorted.
        params: Vec<String>,
        /// Times seen with the command in training.
        seen: f64,
    },
}

impl std::fmt::Display for NovelItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let times = |n: f64| match n {
            0.0 => "never seen".to_owned(),
            1.0 => "seen once".to_owned(),
            n => format!("seen {n} times"),
        };
        match self {
            NovelItem::Param { event, command, param, seen } => {
                write!(f, "event {event}: parameter {param} of {command}, {} with it", times(*seen))
            }
            NovelItem::Value { event, param, value, seen } => {
                write!(f, "event {event}: value {value:?} of {param}, {}", times(*seen))
            }
            NovelItem::Set { event, command, params, seen } => {
                write!(f, "event {event}: parameters {{{}}} of {command}, {} together", params.join(", "), times(*seen))
            }
        }
    }
}

/// The counts the parameter part reads, keyed by the model's vocabulary ids.
#[derive(Debug, Clone)]
pub struct ParamNovelty {
    kind: SessionType,
    /// Times each command (by vocabulary id) was seen.
    cmd: Vec<f64>,
    /// (command, parameter) → times seen together.
    cmd_param: Rows<u32>,
    /// (parameter, value) → times seen; per categorical parameter: (values seen, distinct values).
    param_value: Rows<u32>,
    value_totals: Vec<Option<(f64, f64)>>,
    /// (command, sorted parameter ids) → times seen; per command: distinct sets.
    sets: Sets,
    distinct_sets: Vec<f64>,
}

impl ParamNovelty {
    /// The parameter part of a model (its reference counts and, for the parameter
    /// sets, its sequence state).
    pub fn new(model: &Model, sequence: &SequenceCounts) -> ParamNovelty {
        let counts = model.counts();
        let (v, t) = (counts.vocab(), counts.tables());
        let mut cmd = vec![0.0; v.cmds.len()];
        for &(c, n) in &t.seq1 {
            cmd[c as usize] = n as f64;
        }
        let cmd_param =
            Rows::new(v.cmds.len(), t.cmd_param.iter().map(|(c, row)| (*c, row.iter().map(|&(p, n)| (p, n as f64)))));
        let modellable: AHashSet<u32> =
            model.modellable_params().iter().filter_map(|name| v.params.get(name)).collect();
        let categorical = || t.param_value.iter().filter(|(p, _)| modellable.contains(p));
        let param_value =
            Rows::new(v.params.len(), categorical().map(|(p, row)| (*p, row.iter().map(|&(val, n)| (val, n as f64)))));
        let mut value_totals = vec![None; v.params.len()];
        for (p, row) in categorical() {
            value_totals[*p as usize] = Some((row.iter().map(|&(_, n)| n as f64).sum(), row.len() as f64));
        }
        let mut sets = ParamSetCounts::default();
        let mut distinct_sets = vec![0.0; v.cmds.len()];
        for (k, name) in sequence.names().iter().enumerate() {
            let Some(c) = v.cmds.get(name) else { continue };
            for (set, n) in sequence.param_sets_of(k as u32 + 2) {
                let Some(mut ids) = set.iter().map(|p| v.params.get(p)).collect::<Option<Vec<u32>>>() else {
                    continue;
                };
                ids.sort_unstable();
                sets.add(c, &ids, n);
                distinct_sets[c as usize] += 1.0;
            }
        }
        // the packed sets by command, each command's sorted; the rest (wide sets) hashed
        let (mut packed, mut wide) = (Vec::new(), ParamSetCounts::default());
        for (c, ids, n) in sets.into_sets() {
            match ParamSetCounts::pack(c, &ids) {
                Some(k) => packed.push((c, [(k, n)])),
                None => wide.add(c, &ids, n),
            }
        }
        let sets = Sets { packed: Rows::new(v.cmds.len(), packed.into_iter()), wide };
        ParamNovelty { kind: counts.session_type(), cmd, cmd_param, param_value, value_totals, sets, distinct_sets }
    }

    /// Each session's parameter part: its largest item surprise (0 for sessions
    /// of bare commands).
    pub fn scores(&self, model: &Model, sessions: &Sessions) -> Vec<f64> {
        if !self.reads(sessions) {
            return vec![0.0; sessions.len()];
        }
        let ids = Ids::new(model, sessions);
        (0..sessions.len())
            .into_par_iter()
            .map_init(
                || (Scratch::default(), AHashMap::new()),
                |(scratch, memo), i| self.largest_ratio(&ids, sessions, i, scratch, memo).map_or(0.0, f64::ln),
            )
            .collect()
    }

    /// The item session `i`'s parameter part comes from, with its surprise
    /// (`None` for a session without parameters).
    pub fn explain(&self, model: &Model, sessions: &Sessions, i: usize) -> Option<(f64, NovelItem)> {
        let (s, at) = self.rarest(&Ids::new(model, sessions), sessions, i, &mut Scratch::default())?;
        let first = sessions.session_range(i).start;
        let ev = sessions.event(at.event);
        let command = sessions.names().resolve(ev.name).to_owned();
        let event = at.event - first;
        let param = |k: usize| sessions.params().resolve(ev.params[k]).to_owned();
        let item = match at.what {
            What::Param(k) => NovelItem::Param { event, command, param: param(k), seen: at.seen },
            What::Value(k) => NovelItem::Value {
                event,
                param: param(k),
                value: sessions.values().resolve(ev.values[k]).to_owned(),
                seen: at.seen,
            },
            What::Set => {
                let mut params: Vec<String> = (0..ev.params.len()).map(param).collect();
                params.sort_unstable();
                NovelItem::Set { event, command, params, seen: at.seen }
            }
        };
        Some((s, item))
    }

    /// Whether the model and `sessions` both have parameters (otherwise there is no item).
    fn reads(&self, sessions: &Sessions) -> bool {
        self.kind != SessionType::Commands && sessions.session_type() != SessionType::Commands
    }

    /// The largest item surprise of session `i` and where it is.
    ///
    /// Items are compared by their ratios, and a ratio's logarithm is taken only
    /// when it is a new largest one: the same item and surprise as comparing every
    /// item's logarithm, with few logarithms.
    fn rarest(&self, ids: &Ids, sessions: &Sessions, i: usize, scratch: &mut Scratch) -> Option<(f64, At)> {
        if !self.reads(sessions) {
            return None;
        }
        // (the largest ratio yet as a fraction and as divided, its logarithm, where it is)
        let mut best: Option<((f64, f64), f64, f64, At)> = None;
        let mut keep = |num: f64, den: f64, at: At| match &mut best {
            // below the largest ratio without a division: products that round apart are
            // ordered as the exact ones, so `num / den` would round to at most that ratio
            Some(((n, d), _, _, _)) if num * *d < *n * den => {}
            Some((frac, r, ln, kept)) => {
                let ratio = num / den;
                if ratio <= *r {
                    return;
                }
                let l = ratio.ln();
                // the logarithm rounds: a larger ratio may not have a larger one
                if l > *ln {
                    *ln = l;
                    *kept = at;
                }
                (*frac, *r) = ((num, den), ratio);
            }
            None => best = Some(((num, den), num / den, (num / den).ln(), at)),
        };
        for e in sessions.session_range(i) {
            self.items(ids, sessions, e, scratch, &mut keep);
        }
        best.map(|(_, _, ln, at)| (ln, at))
    }

    /// The largest item ratio of session `i` (its surprise is the ratio's logarithm,
    /// as [`rarest`](Self::rarest)'s: the logarithm never decreases), each event's
    /// taken from `memo` when an event of the same command and parameters was seen
    /// before (sessions without values only: such an event's items are its command's
    /// and parameters').
    fn largest_ratio(
        &self,
        ids: &Ids,
        sessions: &Sessions,
        i: usize,
        scratch: &mut Scratch,
        memo: &mut AHashMap<u128, f64>,
    ) -> Option<f64> {
        let mut largest: Option<f64> = None;
        for e in sessions.session_range(i) {
            let ev = sessions.event(e);
            let key = if ev.values.is_empty() {
                scratch.key.clear();
                scratch.key.extend_from_slice(ev.params);
                scratch.key.sort_unstable();
                ParamSetCounts::pack(ev.name, &scratch.key)
            } else {
                None
            };
            let ratio = match key.and_then(|k| memo.get(&k)) {
                Some(&r) => r,
                None => {
                    let mut most = f64::NEG_INFINITY;
                    self.items(ids, sessions, e, scratch, &mut |num, den, _| most = most.max(num / den));
                    if let Some(k) = key {
                        memo.insert(k, most);
                    }
                    most
                }
            };
            largest = Some(largest.map_or(ratio, |l| l.max(ratio)));
        }
        largest
    }

    /// Pass `keep` each item of event `e`: the numerator and denominator of its
    /// ratio, and where it is.
    fn items(
        &self,
        ids: &Ids,
        sessions: &Sessions,
        e: usize,
        scratch: &mut Scratch,
        keep: &mut impl FnMut(f64, f64, At),
    ) {
        let Scratch { set, sorted, .. } = scratch;
        let ev = sessions.event(e);
        let c = ids.cmds[ev.name as usize];
        let n = c.map_or(0.0, |c| self.cmd[c as usize]);
        // the parameters seen with the command, looked up once an event
        let row = c.map_or(Row::EMPTY, |c| self.cmd_param.row(c));
        set.clear();
        for (k, &p) in ev.params.iter().enumerate() {
            let p = ids.params[p as usize];
            set.push(p);
            let seen = p.map_or(0.0, |p| row.get(p));
            keep(n + 2.0, seen + 1.0, At { event: e, what: What::Param(k), seen });
            let Some(&val) = ev.values.get(k) else { continue };
            let Some(p) = p else { continue };
            let Some((total, distinct)) = self.value_totals[p as usize] else { continue };
            if Some(val) == ids.empty_value {
                continue;
            }
            let seen = ids.values[val as usize].map_or(0.0, |x| self.param_value.row(p).get(x));
            keep(total + distinct + 1.0, seen + 1.0, At { event: e, what: What::Value(k), seen });
        }
        let sets = c.map_or(0.0, |c| self.distinct_sets[c as usize]);
        sorted.clear();
        sorted.extend(set.iter().flatten());
        let seen = match c {
            Some(c) if sorted.len() == set.len() => {
                sorted.sort_unstable();
                match ParamSetCounts::pack(c, sorted) {
                    Some(k) => self.sets.packed.row(c).get(k),
                    None => self.sets.wide.get(c, sorted).unwrap_or(0.0),
                }
            }
            _ => 0.0,
        };
        keep(n + sets + 1.0, seen + 1.0, At { event: e, what: What::Set, seen });
    }
}

/// Counts by row and key (a command's parameters, a parameter's values), each row's
/// keys sorted in one buffer: one row found by its id, its key by a binary search.
#[derive(Debug, Clone)]
struct Rows<K> {
    /// Row `r` is `keys[offsets[r]..offsets[r + 1]]`.
    offsets: Vec<usize>,
    keys: Vec<K>,
    counts: Vec<f64>,
}

impl<K: Ord + Copy> Rows<K> {
    /// `rows` rows (ids below it), each `(id, its (key, count) pairs)`, a key once a row.
    fn new<I: IntoIterator<Item = (K, f64)>>(rows: usize, of: impl Iterator<Item = (u32, I)>) -> Rows<K> {
        let mut by_row: Vec<Vec<(K, f64)>> = vec![Vec::new(); rows];
        for (r, row) in of {
            by_row[r as usize].extend(row);
        }
        let mut out = Rows { offsets: vec![0], keys: Vec::new(), counts: Vec::new() };
        for mut row in by_row {
            row.sort_unstable_by_key(|a| a.0);
            out.keys.extend(row.iter().map(|&(k, _)| k));
            out.counts.extend(row.iter().map(|&(_, n)| n));
            out.offsets.push(out.keys.len());
        }
        out
    }

    fn row(&self, r: u32) -> Row<'_, K> {
        let (from, to) = (self.offsets[r as usize], self.offsets[r as usize + 1]);
        Row { keys: &self.keys[from..to], counts: &self.counts[from..to] }
    }
}

/// Parameter sets' counts: packed ones ([`ParamSetCounts::pack`]) by command, sorted; the others hashed.
#[derive(Debug, Clone)]
struct Sets {
    packed: Rows<u128>,
    wide: ParamSetCounts,
}

/// One row of [`Rows`].
#[derive(Clone, Copy)]
struct Row<'a, K> {
    keys: &'a [K],
    counts: &'a [f64],
}

impl<K: Ord + Copy> Row<'_, K> {
    const EMPTY: Self = Row { keys: &[], counts: &[] };

    /// The count of `key` in the row (0 when absent).
    fn get(&self, key: K) -> f64 {
        self.keys.binary_search(&key).map_or(0.0, |k| self.counts[k])
    }
}

/// Buffers [`ParamNovelty::rarest`] reuses from event to event: an event's
/// parameters' model ids, the same sorted, and its own ids sorted (a memo's key).
#[derive(Default)]
struct Scratch {
    set: Vec<Option<u32>>,
    sorted: Vec<u32>,
    key: Vec<u32>,
}

/// The model's vocabulary id of each name, parameter and value of a data set
/// (`None`: never seen in training), resolved once per data set, not per event.
struct Ids {
    cmds: Vec<Option<u32>>,
    params: Vec<Option<u32>>,
    values: Vec<Option<u32>>,
    /// The data set's id of the empty value, if it has one.
    empty_value: Option<u32>,
}

impl Ids {
    fn new(model: &Model, sessions: &Sessions) -> Ids {
        let v = model.counts().vocab();
        let ids = |names: &anomseq_core::Interner, vocab: &anomseq_core::Interner| {
            names.iter().map(|n| vocab.get(n)).collect::<Vec<_>>()
        };
        Ids {
            cmds: ids(sessions.names(), &v.cmds),
            params: ids(sessions.params(), &v.params),
            values: ids(sessions.values(), &v.values),
            empty_value: sessions.values().get(""),
        }
    }
}

/// Where an item surprise comes from: the event (in the data set) and which item.
#[derive(Debug, Clone, Copy)]
struct At {
    event: usize,
    what: What,
    seen: f64,
}

#[derive(Debug, Clone, Copy)]
enum What {
    /// The k-th parameter of the event.
    Param(usize),
    /// The value of the k-th parameter.
    Value(usize),
    /// The event's parameter set.
    Set,
}

#[cfg(test)]
mod tests {
    use anomseq_core::{Cmd, Sessions};
    use anomseq_model::{Model, ModelOptions};

    use crate::{score_with_model, NovelItem, ScoreOptions, ScoringMode};

    fn cmd(name: &str, params: &[(&str, &str)]) -> Cmd {
        Cmd::with_values(name, params.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())))
    }

    /// An unseen parameter and an unseen categorical value each rank a session
    /// rarer than the same session without them, and the explanation names them.
    #[test]
    fn unseen_parameters_and_values_rank_a_session_rarer() {
        let normal = |i: usize| {
            vec![
                cmd("Set-Mailbox", &[("Identity", if i % 2 == 0 { "alice" } else { "bob" })]),
                cmd("Set-AdminAuditLogConfig", &[("AuditEnabled", "enabled")]),
            ]
        };
        let train = Sessions::from_cmds((0..50).map(normal).collect::<Vec<_>>()).unwrap();
        let options = ModelOptions::with_modellable_params(["AuditEnabled"]).with_sequence_order(Some(3));
        let model = Model::try_train_with(&train, &options).unwrap();
        let model = Model::from_file_bytes(&model.to_file_bytes()).unwrap();
        let base = normal(0);
        let mut forwarding = normal(0);
        forwarding[0] = cmd("Set-Mailbox", &[("Identity", "alice"), ("ForwardingSmtpAddress", "evil@example.com")]);
        let mut disabled = normal(0);
        disabled[1] = cmd("Set-AdminAuditLogConfig", &[("AuditEnabled", "disabled")]);
        let test = Sessions::from_cmds(vec![base, forwarding, disabled]).unwrap();
        let scored = score_with_model(&model, &test, &ScoreOptions::new(2).with_mode(ScoringMode::Novelty)).unwrap();
        assert_eq!(scored.score_name(), "novelty_score");
        let s = scored.scores();
        assert!(s[1] > s[0] && s[2] > s[0], "{s:?}");
        assert!(s.iter().all(|x| x.is_finite()));
        // the profile mode, which reads names only, cannot tell them apart
        let profile = score_with_model(&model, &test, &ScoreOptions::new(2).with_mode(ScoringMode::Profile)).unwrap();
        assert_eq!(profile.scores()[0], profile.scores()[1]);
        assert_eq!(profile.scores()[0], profile.scores()[2]);
        // the parts: the profile score plus the weighted parameters' part
        let part = |name: &str| scored.extra().iter().find(|(n, _)| n == name).unwrap().1.clone();
        let params = part("novelty_params");
        for i in 0..3 {
            assert_eq!(s[i], profile.scores()[i] + 0.1 * params[i]);
        }
        let novelty = crate::ParamNovelty::new(&model, model.sequence().unwrap());
        let (_, item) = novelty.explain(&model, &test, 1).unwrap();
        assert!(
            matches!(&item, NovelItem::Param { param, seen, .. } if param == "ForwardingSmtpAddress" && *seen == 0.0)
        );
        assert_eq!(item.to_string(), "event 0: parameter ForwardingSmtpAddress of Set-Mailbox, never seen with it");
        let (_, item) = novelty.explain(&model, &test, 2).unwrap();
        assert_eq!(item.to_string(), "event 1: value \"disabled\" of AuditEnabled, never seen");
    }

    /// An event: a command and its (parameter, value) pairs, as small numbers.
    type Event = (u8, Vec<(u8, u8)>);

    /// Sessions of events `(command, [(parameter, value)])` drawn from small name sets,
    /// so that commands, parameters, sets and values repeat and some go unseen.
    fn events() -> impl proptest::strategy::Strategy<Value = Vec<Vec<Event>>> {
        use proptest::prelude::*;
        let event = (0u8..5, prop::collection::vec((0u8..6, 0u8..4), 0..4));
        prop::collection::vec(prop::collection::vec(event, 1..6), 1..12)
    }

    fn to_sessions(lists: &[Vec<Event>], values: bool) -> Sessions {
        let cmd = |&(c, ref ps): &Event| {
            let params =
                ps.iter().map(|&(p, v)| (format!("p{p}"), if v == 0 { String::new() } else { format!("v{v}") }));
            if values {
                Cmd::with_values(format!("c{c}"), params)
            } else {
                Cmd::with_params(format!("c{c}"), params.map(|(p, _)| p))
            }
        };
        Sessions::from_cmds(lists.iter().map(|l| l.iter().map(cmd).collect::<Vec<_>>()).collect::<Vec<_>>()).unwrap()
    }

    proptest::proptest! {
        /// The scores (each event's largest ratio, memoised by command and parameters)
        /// are the explained surprises (every item compared), to the bit.
        #[test]
        fn scores_are_the_explained_surprises(train in events(), test in events(), values in proptest::bool::ANY) {
            let options = ModelOptions::with_modellable_params(["p0", "p1"]).with_sequence_order(Some(2));
            let model = Model::try_train_with(&to_sessions(&train, values), &options).unwrap();
            let novelty = crate::ParamNovelty::new(&model, model.sequence().unwrap());
            let test = to_sessions(&test, values);
            let scores = novelty.scores(&model, &test);
            for (i, s) in scores.iter().enumerate() {
                let explained = novelty.explain(&model, &test, i).map_or(0.0, |(s, _)| s);
                proptest::prop_assert_eq!(s.to_bits(), explained.to_bits(), "session {}", i);
            }
        }
    }
}
