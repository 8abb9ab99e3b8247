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
    cmd_param: AHashMap<(u32, u32), f64>,
    /// (parameter, value) → times seen; per categorical parameter: (values seen, distinct values).
    param_value: AHashMap<(u32, u32), f64>,
    value_totals: Vec<Option<(f64, f64)>>,
    /// (command, sorted parameter ids) → times seen; per command: distinct sets.
    sets: ParamSetCounts,
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
            t.cmd_param.iter().flat_map(|(c, row)| row.iter().map(move |&(p, n)| ((*c, p), n as f64))).collect();
        let modellable: AHashSet<u32> =
            model.modellable_params().iter().filter_map(|name| v.params.get(name)).collect();
        let mut param_value = AHashMap::new();
        let mut value_totals = vec![None; v.params.len()];
        for (p, row) in t.param_value.iter().filter(|(p, _)| modellable.contains(p)) {
            for &(val, n) in row {
                param_value.insert((*p, val), n as f64);
            }
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
        ParamNovelty { kind: counts.session_type(), cmd, cmd_param, param_value, value_totals, sets, distinct_sets }
    }

    /// Each session's parameter part: its largest item surprise (0 for sessions
    /// of bare commands).
    pub fn scores(&self, model: &Model, sessions: &Sessions) -> Vec<f64> {
        let ids = Ids::new(model, sessions);
        (0..sessions.len())
            .into_par_iter()
            .map_init(Scratch::default, |scratch, i| self.rarest(&ids, sessions, i, scratch).map_or(0.0, |(s, _)| s))
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

    /// The largest item surprise of session `i` and where it is.
    ///
    /// Items are compared by their ratios, and a ratio's logarithm is taken only
    /// when it is a new largest one: the same item and surprise as comparing every
    /// item's logarithm, with few logarithms.
    fn rarest(&self, ids: &Ids, sessions: &Sessions, i: usize, scratch: &mut Scratch) -> Option<(f64, At)> {
        if self.kind == SessionType::Commands || sessions.session_type() == SessionType::Commands {
            return None;
        }
        // (the largest ratio yet, its logarithm, where it is)
        let mut best: Option<(f64, f64, At)> = None;
        let mut keep = |ratio: f64, at: At| match &mut best {
            Some((r, _, _)) if ratio <= *r => {}
            Some((r, ln, kept)) => {
                let l = ratio.ln();
                // the logarithm rounds: a larger ratio may not have a larger one
                if l > *ln {
                    *ln = l;
                    *kept = at;
                }
                *r = ratio;
            }
            None => best = Some((ratio, ratio.ln(), at)),
        };
        let Scratch { set, sorted } = scratch;
        for e in sessions.session_range(i) {
            let ev = sessions.event(e);
            let c = ids.cmds[ev.name as usize];
            let n = c.map_or(0.0, |c| self.cmd[c as usize]);
            set.clear();
            for (k, &p) in ev.params.iter().enumerate() {
                let p = ids.params[p as usize];
                set.push(p);
                let seen = match (c, p) {
                    (Some(c), Some(p)) => self.cmd_param.get(&(c, p)).copied().unwrap_or(0.0),
                    _ => 0.0,
                };
                keep((n + 2.0) / (seen + 1.0), At { event: e, what: What::Param(k), seen });
                let Some(&val) = ev.values.get(k) else { continue };
                let Some(p) = p else { continue };
                let Some((total, distinct)) = self.value_totals[p as usize] else { continue };
                if Some(val) == ids.empty_value {
                    continue;
                }
                let seen = ids.values[val as usize].and_then(|x| self.param_value.get(&(p, x))).copied().unwrap_or(0.0);
                keep((total + distinct + 1.0) / (seen + 1.0), At { event: e, what: What::Value(k), seen });
            }
            let sets = c.map_or(0.0, |c| self.distinct_sets[c as usize]);
            sorted.clear();
            sorted.extend(set.iter().flatten());
            let seen = match c {
                Some(c) if sorted.len() == set.len() => {
                    sorted.sort_unstable();
                    self.sets.get(c, sorted).unwrap_or(0.0)
                }
                _ => 0.0,
            };
            keep((n + sets + 1.0) / (seen + 1.0), At { event: e, what: What::Set, seen });
        }
        best.map(|(_, ln, at)| (ln, at))
    }
}

/// Buffers [`ParamNovelty::rarest`] reuses from event to event: an event's
/// parameters' model ids, and the same sorted.
#[derive(Default)]
struct Scratch {
    set: Vec<Option<u32>>,
    sorted: Vec<u32>,
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
}
