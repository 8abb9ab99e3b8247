//! `Model`: raw counts plus the look-up probabilities, with msticpy's named tables on request.

use std::sync::Arc;

use anomseq_core::{SessionType, Sessions};
use serde::{Deserialize, Serialize};

use crate::probs::modellable_params;
use crate::smooth::{laplace_smooth, probabilities, smooth_except_transitions};
use crate::tables::{named, named2, CountTables, ProbTables, StrTable, StrTable2};
use crate::trans::Transitions;
use crate::{Counts, Error, Probabilities, SequenceCounts};

/// A trained first-order Markov model of sessions (msticpy's `Model` after `train()`).
///
/// It holds the raw [`Counts`] (the only trained state: everything else is
/// recomputed from them) and the look-up form of the probabilities
/// ([`Probabilities`]) that scoring reads. Its memory grows with what was
/// counted, never with the vocabulary squared: the smoothed transition table,
/// which has a cell for every pair of commands, is never built (see
/// [`Model::smoothed_tables`] for msticpy's dense tables, made on request).
///
/// ```
/// use anomseq_core::{Cmd, Sessions};
/// use anomseq_model::Model;
///
/// let sessions = Sessions::from_cmds(vec![
///     vec![Cmd::new("Set-User"), Cmd::new("Set-User")],
///     vec![Cmd::new("Set-Mailbox"), Cmd::new("Set-User"), Cmd::new("Set-User")],
/// ])?;
/// let model = Model::train(&sessions);
/// let p = model.probabilities();
/// // trans[Set-User][Set-User] = (2 + 1) / (4 + 4): raw count plus one over the smoothed row total
/// assert_eq!(p.trans(p.cmd_id("Set-User"), p.cmd_id("Set-User")), 3.0 / 8.0);
/// # Ok::<(), anomseq_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Model {
    counts: Counts,
    modellable: Option<Vec<String>>,
    modellable_ids: Vec<u32>,
    probs: Probabilities,
    /// Shared: a scorer of an improved mode holds it beside the model, not a copy.
    sequence: Option<Arc<SequenceCounts>>,
}

/// Options of [`Model::train_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModelOptions {
    /// Parameters whose values are modelled (values type only); `None` uses
    /// msticpy's heuristic on the training counts.
    pub modellable_params: Option<Vec<String>>,
    /// Also keep the sequence state of the opt-in modes ([`SequenceCounts`]) with
    /// n-grams up to this order; `None` (the default): the reference counts only.
    pub sequence_order: Option<usize>,
}

impl ModelOptions {
    /// Model the values of exactly these parameters.
    pub fn with_modellable_params<I, S>(params: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ModelOptions { modellable_params: Some(params.into_iter().map(Into::into).collect()), sequence_order: None }
    }

    /// Keep the state every scoring mode needs: the reference counts and the
    /// [`SequenceCounts`] of order [`DEFAULT_ORDER`](crate::DEFAULT_ORDER) (what
    /// `anomseq train` saves).
    pub fn every_mode() -> Self {
        ModelOptions { modellable_params: None, sequence_order: Some(crate::DEFAULT_ORDER) }
    }

    /// The same options, keeping the sequence state of n-grams up to `order` (or not, with `None`).
    pub fn with_sequence_order(mut self, order: Option<usize>) -> Self {
        self.sequence_order = order;
        self
    }
}

impl Model {
    /// Train on a data set with default options.
    pub fn train(sessions: &Sessions) -> Model {
        Model::train_with(sessions, &ModelOptions::default())
    }

    /// Train on a data set.
    ///
    /// # Panics
    ///
    /// When [`ModelOptions::sequence_order`] is outside 1 to [`MAX_ORDER`](crate::MAX_ORDER)
    /// ([`Model::try_train_with`] says so instead).
    pub fn train_with(sessions: &Sessions, options: &ModelOptions) -> Model {
        Model::try_train_with(sessions, options).expect("the sequence order is 1 to MAX_ORDER")
    }

    /// Train on a data set; an unsupported [`ModelOptions::sequence_order`] is an error.
    pub fn try_train_with(sessions: &Sessions, options: &ModelOptions) -> Result<Model, Error> {
        let sequence =
            options.sequence_order.map(|order| SequenceCounts::from_sessions(sessions, order)).transpose()?;
        let model = Model::from_counts(Counts::from_sessions(sessions), options.modellable_params.clone())?;
        Ok(model.with_sequence(sequence))
    }

    /// The same model with this sequence state (the `profile` mode's), or none.
    pub fn with_sequence(mut self, sequence: Option<SequenceCounts>) -> Model {
        self.sequence = sequence.map(Arc::new);
        self
    }

    /// The sequence state of the opt-in modes, when the model keeps it.
    pub fn sequence(&self) -> Option<&SequenceCounts> {
        self.sequence.as_deref()
    }

    /// [`Model::sequence`] as a shared handle: a scorer of an improved mode built
    /// from it keeps the model's state instead of a copy.
    pub fn shared_sequence(&self) -> Option<&Arc<SequenceCounts>> {
        self.sequence.as_ref()
    }

    /// Rebuild a model from raw counts (as loaded from a model file, or merged).
    ///
    /// Fails on counts whose sums would pass 2^53 ([`Error::CountOverflow`]):
    /// past it, msticpy's integer ratios are no longer exact in `f64`.
    pub fn from_counts(counts: Counts, modellable: Option<Vec<String>>) -> Result<Model, Error> {
        counts.check_magnitudes()?;
        let kind = counts.session_type;
        let v = &counts.vocab;
        let (nc, np) = (v.cmds.len(), v.params.len());
        // everything but the transitions, whose n² smoothed cells are computed on look-up
        let smoothed = smooth_except_transitions(kind, &counts.raw, nc, np);
        let tables = probabilities(kind, &smoothed, nc);
        let trans = Transitions::from_counts(&counts.raw.seq1, &counts.raw.seq2, &v.cmds)?;
        let modellable_ids = match (&modellable, kind) {
            (_, SessionType::Commands | SessionType::Params) => Vec::new(),
            (Some(names), SessionType::Values) => names.iter().filter_map(|n| v.params.get(n)).collect(),
            (None, SessionType::Values) => modellable_params(&counts.raw.param, &counts.raw.param_value),
        };
        let probs = Probabilities::with_transitions(kind, v, trans, &tables, &modellable_ids)?;
        Ok(Model { counts, modellable, modellable_ids, probs, sequence: None })
    }

    /// Merge two models: the result is the model trained on `self`'s sessions
    /// followed by `other`'s. A caller-given set of modellable parameters is
    /// taken from `self` (else from `other`); without one the heuristic runs on
    /// the merged counts.
    ///
    /// The sequence state merges too; a model that keeps it and one that does not
    /// do not merge ([`Error::StateMismatch`]).
    pub fn merge(&self, other: &Model) -> Result<Model, Error> {
        let sequence = match (&self.sequence, &other.sequence) {
            (Some(a), Some(b)) => Some(a.merge(b)?),
            (None, None) => None,
            (a, _) => return Err(Error::StateMismatch { left_has: a.is_some() }),
        };
        let mut counts = self.counts.clone();
        counts.merge(&other.counts)?;
        Ok(Model::from_counts(counts, self.modellable.clone().or_else(|| other.modellable.clone()))?
            .with_sequence(sequence))
    }

    /// The session type of the training data.
    pub fn session_type(&self) -> SessionType {
        self.counts.session_type
    }

    /// The raw counts.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// The caller-given modellable parameters, if any.
    pub fn modellable_override(&self) -> Option<&[String]> {
        self.modellable.as_deref()
    }

    /// The parameters whose values are modelled, sorted (empty unless values type).
    pub fn modellable_params(&self) -> Vec<String> {
        let mut out: Vec<String> =
            self.modellable_ids.iter().map(|&p| self.counts.vocab.params.resolve(p).to_owned()).collect();
        out.sort();
        out
    }

    /// The dense probabilities that scoring reads.
    pub fn probabilities(&self) -> &Probabilities {
        &self.probs
    }

    /// Smoothed counts, keyed by id, as msticpy holds them: made on request, and
    /// the transition table has a cell for every pair of commands (n²; scoring
    /// never needs it).
    pub fn smoothed_tables(&self) -> CountTables {
        let v = &self.counts.vocab;
        laplace_smooth(self.session_type(), &self.counts.raw, v.cmds.len(), v.params.len(), v.values.len())
    }

    /// Probability tables, keyed by id, as msticpy holds them: made on request
    /// (n² transition cells, see [`Model::smoothed_tables`]).
    pub fn prob_tables(&self) -> ProbTables {
        probabilities(self.session_type(), &self.smoothed_tables(), self.counts.vocab.cmds.len())
    }

    /// Smoothed counts by name, in msticpy's insertion order (made on request, n² transition cells).
    pub fn smoothed_counts(&self) -> NamedCounts {
        NamedCounts::new(self.session_type(), &self.smoothed_tables(), &self.counts.vocab)
    }

    /// Raw counts by name, in msticpy's insertion order.
    pub fn raw_counts(&self) -> NamedCounts {
        NamedCounts::new(self.session_type(), &self.counts.raw, &self.counts.vocab)
    }

    /// Probability tables by name, in msticpy's insertion order (made on request, n² transition cells).
    pub fn named_probs(&self) -> NamedProbs {
        let v = &self.counts.vocab;
        let t = &self.prob_tables();
        let kind = self.session_type();
        NamedProbs {
            prior_probs: named(&t.prior, &v.cmds),
            trans_probs: named2(&t.trans, &v.cmds, &v.cmds),
            param_probs: kind.has_params().then(|| named(&t.param, &v.params)),
            param_cond_cmd_probs: kind.has_params().then(|| named2(&t.param_cond_cmd, &v.cmds, &v.params)),
            value_probs: (kind == SessionType::Values).then(|| named(&t.value, &v.values)),
            value_cond_param_probs: (kind == SessionType::Values)
                .then(|| named2(&t.value_cond_param, &v.params, &v.values)),
        }
    }
}

/// Count tables by name (`None` where the session type has none), as msticpy names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedCounts {
    /// Single-command counts.
    pub seq1_counts: StrTable<u64>,
    /// Transition counts.
    pub seq2_counts: StrTable2<u64>,
    /// Parameter counts.
    pub param_counts: Option<StrTable<u64>>,
    /// Parameter-given-command counts.
    pub cmd_param_counts: Option<StrTable2<u64>>,
    /// Value counts.
    pub value_counts: Option<StrTable<u64>>,
    /// Value-given-parameter counts.
    pub param_value_counts: Option<StrTable2<u64>>,
}

impl NamedCounts {
    /// Name the id tables `t` of a model of type `kind`.
    pub fn new(kind: SessionType, t: &CountTables, v: &crate::Vocab) -> Self {
        NamedCounts {
            seq1_counts: named(&t.seq1, &v.cmds),
            seq2_counts: named2(&t.seq2, &v.cmds, &v.cmds),
            param_counts: kind.has_params().then(|| named(&t.param, &v.params)),
            cmd_param_counts: kind.has_params().then(|| named2(&t.cmd_param, &v.cmds, &v.params)),
            value_counts: (kind == SessionType::Values).then(|| named(&t.value, &v.values)),
            param_value_counts: (kind == SessionType::Values).then(|| named2(&t.param_value, &v.params, &v.values)),
        }
    }
}

/// Probability tables by name (`None` where the session type has none), as msticpy names them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedProbs {
    /// Prior probabilities.
    pub prior_probs: StrTable<f64>,
    /// Transition probabilities.
    pub trans_probs: StrTable2<f64>,
    /// Parameter probabilities.
    pub param_probs: Option<StrTable<f64>>,
    /// Parameter-given-command probabilities.
    pub param_cond_cmd_probs: Option<StrTable2<f64>>,
    /// Value probabilities.
    pub value_probs: Option<StrTable<f64>>,
    /// Value-given-parameter probabilities.
    pub value_cond_param_probs: Option<StrTable2<f64>>,
}

#[cfg(test)]
mod tests {
    use anomseq_core::{Cmd, Sessions};

    use super::Model;

    /// Train on `input` (sessions in the oracle encoding) and compare raw and smoothed single-command counts.
    fn check(input: &str, raw: &[(&str, u64)], smoothed: &[(&str, u64)]) {
        let lists: Vec<Vec<Cmd>> = serde_json::from_str(input).unwrap();
        let m = Model::train(&Sessions::from_cmds(&lists).unwrap());
        let own = |t: &[(&str, u64)]| t.iter().map(|&(k, v)| (k.to_owned(), v)).collect::<Vec<_>>();
        assert_eq!(m.raw_counts().seq1_counts, own(raw), "raw");
        assert_eq!(m.smoothed_counts().seq1_counts, own(smoothed), "smoothed");
    }

    #[test]
    fn counts() {
        check(
            r#"[["Set-User"]]"#,
            &[("##START##", 1), ("Set-User", 1), ("##END##", 1)],
            &[("##START##", 4), ("Set-User", 7), ("##END##", 4), ("##UNK##", 6)],
        );
        check(
            r#"[["a","b"],["b"]]"#,
            &[("##START##", 2), ("a", 1), ("b", 2), ("##END##", 2)],
            &[("##START##", 2 + 4), ("a", 1 + 8), ("b", 2 + 8), ("##END##", 2 + 4), ("##UNK##", 8)],
        );
    }

    #[test]
    fn user_given_modellable_params_override_the_heuristic() {
        let lists: Vec<Vec<Cmd>> =
            serde_json::from_str(r#"[[{"name":"a","params":{"x":"1","y":"2"}}],[{"name":"a","params":{"x":"3"}}]]"#)
                .unwrap();
        let s = Sessions::from_cmds(&lists).unwrap();
        assert!(Model::train(&s).modellable_params().is_empty());
        let m = Model::train_with(&s, &super::ModelOptions::with_modellable_params(["y", "x", "unknown"]));
        assert_eq!(m.modellable_params(), ["x", "y"]);
    }
}
