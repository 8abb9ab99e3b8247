//! The typed result of scoring a data set ([`Scored`]) and the explanation of one session ([`Explanation`]).

use anomseq_core::{Cmd, Direction, Sessions};
use anomseq_model::Probabilities;

use crate::dataset::Resolver;
use crate::{RarestWindow, ScoringMode, WindowOptions};

/// Items of a session the model never saw, counted per occurrence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Unseen {
    /// Events whose command is unknown (scored as `##UNK##`).
    pub commands: u32,
    /// Parameters unknown to the model (ignored by the score).
    pub params: u32,
    /// Non-empty values unknown to the model, of modelled parameters seen with
    /// the event's command (the only ones that count; scored as `##UNK##`).
    pub values: u32,
}

impl Unseen {
    /// All unseen items.
    pub fn total(&self) -> u64 {
        u64::from(self.commands) + u64::from(self.params) + u64::from(self.values)
    }

    /// `2 commands, 1 value` (empty when nothing is unseen).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (n, one, many) in [
            (self.commands, "command", "commands"),
            (self.params, "parameter", "parameters"),
            (self.values, "value", "values"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {}", if n == 1 { one } else { many }));
            }
        }
        parts.join(", ")
    }
}

/// A data set's scores, one entry per session, with what explains them: the
/// common result of the CLI's `score`, `run` and `demo`, the facade's helpers
/// and the Python package. Built by [`score`](crate::score()).
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub(crate) mode: ScoringMode,
    pub(crate) window: WindowOptions,
    pub(crate) score_name: String,
    pub(crate) direction: Direction,
    pub(crate) scores: Vec<f64>,
    pub(crate) windows: Vec<RarestWindow>,
    pub(crate) factor_offsets: Vec<usize>,
    pub(crate) factors: Vec<f64>,
    pub(crate) unseen: Vec<Unseen>,
    pub(crate) extra: Vec<(String, Vec<f64>)>,
}

impl Scored {
    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    /// No sessions at all.
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// The mode that computed the headline score.
    pub fn mode(&self) -> ScoringMode {
        self.mode
    }

    /// The window options of the rarest windows.
    pub fn window_options(&self) -> &WindowOptions {
        &self.window
    }

    /// The headline score's column name (`rarest_window3_likelihood`, `profile_score`).
    pub fn score_name(&self) -> &str {
        &self.score_name
    }

    /// Which way the headline score points.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The headline score of each session (NaN: none, e.g. no window fits).
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// The rarest window of each session under the reference model: in the
    /// reference mode it is the score; in the `profile` mode it explains where
    /// the session is least likely.
    pub fn windows(&self) -> &[RarestWindow] {
        &self.windows
    }

    /// The factor each token of session `i`'s rarest window contributed, in the
    /// window's order; when the window reaches the session's end, the last one is
    /// that of `##END##`. Their product is the window's likelihood (to rounding).
    /// Empty when no window fits.
    pub fn factors(&self, i: usize) -> &[f64] {
        &self.factors[self.factor_offsets[i]..self.factor_offsets[i + 1]]
    }

    /// What of each session the model never saw.
    pub fn unseen(&self) -> &[Unseen] {
        &self.unseen
    }

    /// Further score columns, by name, in the order they are written (the
    /// `profile` mode's parts, `--all-scores`); NaN where a session has none.
    pub fn extra(&self) -> &[(String, Vec<f64>)] {
        &self.extra
    }

    /// The sessions, rarest first in the headline score's direction, ties in
    /// session order; sessions without a score left out.
    pub fn rarest_first(&self) -> Vec<usize> {
        self.direction.rarest_first(&self.scores)
    }

    /// The first `n` of [`Scored::rarest_first`], without sorting every session.
    pub fn rarest_first_n(&self, n: usize) -> Vec<usize> {
        self.direction.rarest_first_n(&self.scores, n)
    }

    /// Why session `i` scored as it did: each step of its rarest window with its
    /// parameters, values, probability and what of it the model never saw.
    /// `p` and `sessions` must be those the scores were computed with.
    /// Explaining many sessions? [`Scored::explainer`] resolves the names once.
    pub fn explain(&self, p: &Probabilities, sessions: &Sessions, i: usize) -> Option<Explanation> {
        self.explainer(p, sessions)?.explain(i)
    }

    /// Explains sessions one after another, the data set's names resolved against
    /// the model once; `None` when the model cannot score these sessions (another
    /// session type).
    pub fn explainer<'a>(&'a self, p: &'a Probabilities, sessions: &'a Sessions) -> Option<Explainer<'a>> {
        Some(Explainer { scored: self, sessions, r: Resolver::new(p, sessions).ok()? })
    }
}

/// Explains the sessions of a [`Scored`] result ([`Scored::explainer`]).
pub struct Explainer<'a> {
    scored: &'a Scored,
    sessions: &'a Sessions,
    r: Resolver<'a>,
}

impl std::fmt::Debug for Explainer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Explainer").field("sessions", &self.sessions.len()).finish_non_exhaustive()
    }
}

impl Explainer<'_> {
    /// Why session `i` scored as it did ([`Scored::explain`]); `None` when no window fits.
    pub fn explain(&self, i: usize) -> Option<Explanation> {
        let (scored, sessions, r) = (self.scored, self.sessions, &self.r);
        let w = scored.windows.get(i)?;
        let range = w.range()?;
        let factors = scored.factors(i);
        let base = sessions.session_range(i).start;
        let cmds = sessions.slice_cmds(i, range.clone());
        let steps = range
            .clone()
            .zip(cmds)
            .zip(factors)
            .map(|((at, cmd), &factor)| {
                let (unseen_command, flags) = r.unseen_event(base + at);
                let ev = sessions.event(base + at);
                let names = |pick: fn(&(bool, bool, bool)) -> bool| -> Vec<String> {
                    ev.params
                        .iter()
                        .zip(&flags)
                        .filter(|(_, f)| pick(f))
                        .map(|(&dp, _)| sessions.params().resolve(dp).to_owned())
                        .collect()
                };
                Step {
                    index: at,
                    unseen_params: names(|f| f.0),
                    not_with_command: names(|f| f.1),
                    unseen_values: names(|f| f.2),
                    cmd,
                    factor,
                    unseen_command,
                }
            })
            .collect::<Vec<_>>();
        let end = factors.get(steps.len()).copied();
        Some(Explanation {
            session: i,
            n_events: sessions.session_len(i),
            likelihood: w.likelihood,
            steps,
            end,
            unseen: scored.unseen[i],
        })
    }
}

/// Why one session scored as it did: its rarest window, step by step.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Explanation {
    /// The session's index.
    pub session: usize,
    /// Its number of events.
    pub n_events: usize,
    /// The rarest window's likelihood.
    pub likelihood: f64,
    /// Each event of the window.
    pub steps: Vec<Step>,
    /// The factor of `##END##` when the window reaches the session's end.
    pub end: Option<f64>,
    /// What of the whole session the model never saw.
    pub unseen: Unseen,
}

/// One event of a rarest window.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Step {
    /// The event's position in its session, from 0.
    pub index: usize,
    /// The event.
    pub cmd: Cmd,
    /// Its factor in the window's likelihood: the probability of reaching it
    /// (from `##START##`, its prior or the previous event) times that of its
    /// parameters and values.
    pub factor: f64,
    /// The model never saw this command.
    pub unseen_command: bool,
    /// Its parameters the model never saw (they do not enter the probability).
    pub unseen_params: Vec<String>,
    /// Its parameters the model knows but never saw with this command (they do
    /// not enter the probability either).
    pub not_with_command: Vec<String>,
    /// Its modelled parameters whose value the model never saw (scored as `##UNK##`).
    pub unseen_values: Vec<String>,
}

#[cfg(test)]
mod tests {
    use anomseq_core::{Cmd, Sessions};
    use anomseq_model::{Model, ModelOptions};

    use crate::{score, ScoreOptions};

    /// Unseen items of `test` under a model of `train` whose modelled parameters are A and B.
    fn check(train: &[Cmd], test: &[Cmd], expected: (u32, u32, u32), marks: &[(&[&str], &[&str], &[&str])]) {
        let options = ModelOptions::with_modellable_params(vec!["A".to_owned(), "B".to_owned()]);
        let model = Model::train_with(&Sessions::from_cmds(vec![train.to_vec()]).unwrap(), &options);
        let s = Sessions::from_cmds(vec![test.to_vec()]).unwrap();
        let scored = score(model.probabilities(), &s, &ScoreOptions::new(test.len())).unwrap();
        let u = scored.unseen()[0];
        assert_eq!((u.commands, u.params, u.values), expected);
        let why = scored.explain(model.probabilities(), &s, 0).unwrap();
        for (step, (params, not_with, values)) in why.steps.iter().zip(marks) {
            assert_eq!(step.unseen_params, *params, "{step:?}");
            assert_eq!(step.not_with_command, *not_with, "{step:?}");
            assert_eq!(step.unseen_values, *values, "{step:?}");
        }
    }

    #[test]
    fn unseen_items_are_those_the_score_could_not_count() {
        let v = |n: &str, p: &[(&str, &str)]| Cmd::with_values(n, p.iter().copied());
        let train = [v("x", &[("A", "1")]), v("y", &[("B", "2")])];
        // all seen
        check(&train, &[v("x", &[("A", "1")])], (0, 0, 0), &[(&[], &[], &[])]);
        // a value seen with B only is unseen with A; an unknown parameter
        check(&train, &[v("x", &[("A", "2"), ("C", "1")])], (0, 1, 1), &[(&["C"], &[], &["A"])]);
        // B was never seen with x: neither it nor its value counts
        check(&train, &[v("x", &[("A", "1"), ("B", "9")])], (0, 0, 0), &[(&[], &["B"], &[])]);
        // an unknown command; its parameters are known
        check(&train, &[v("z", &[("A", "1")])], (1, 0, 0), &[(&[], &[], &[])]);
        // an empty value is no value
        check(&train, &[v("x", &[("A", "")])], (0, 0, 0), &[(&[], &[], &[])]);
    }
}
