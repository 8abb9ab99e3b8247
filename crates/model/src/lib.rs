//! The model layer of anomseq: counting ([`Counts`]), Laplace smoothing
//! ([`laplace_smooth`]), probabilities ([`ProbTables`], [`Probabilities`]) and
//! the trained [`Model`] — spec §3–5, exactly as msticpy's `anomalous_sequence`
//! computes them.
//!
//! Everything works on interned ids. Tables ([`Table`], [`Table2`]) keep
//! insertion order, because msticpy's parameter products follow it.
//! A model's trained state is its raw [`Counts`] and, for the opt-in scoring
//! modes, its [`SequenceCounts`] (n-grams and count profiles): sums, so models of
//! disjoint shards merge ([`Model::merge`]) into exactly the model of their union.
//!
//! This crate does no IO and knows nothing of Arrow.
//!
//! ```
//! use anomseq_core::{Cmd, Sessions};
//! use anomseq_model::Model;
//!
//! let a = Sessions::from_cmds(vec![vec![Cmd::new("Set-User"), Cmd::new("Set-Mailbox")]])?;
//! let b = Sessions::from_cmds(vec![vec![Cmd::new("Set-User")]])?;
//! let both = Sessions::from_cmds(vec![
//!     vec![Cmd::new("Set-User"), Cmd::new("Set-Mailbox")],
//!     vec![Cmd::new("Set-User")],
//! ])?;
//! let merged = Model::train(&a).merge(&Model::train(&b)).unwrap();
//! assert_eq!(merged.counts(), Model::train(&both).counts());
//! assert_eq!(merged.raw_counts().seq1_counts[0], ("##START##".to_string(), 2));
//! # Ok::<(), anomseq_core::Error>(())
//! ```
#![deny(missing_docs)]

mod counts;
mod error;
mod file;
mod model;
mod probs;
mod profiles;
mod sequence;
mod smooth;
mod tables;
mod trans;

pub use counts::Counts;
pub use error::Error;
pub use file::{MODEL_FORMAT, MODEL_FORMAT_VERSION};
pub use model::{Model, ModelOptions, NamedCounts, NamedProbs};
pub use probs::{modellable_params, Probabilities};
pub use profiles::{profile_of, Entry, Place, Profiles};
pub use sequence::{
    gram, pack, pack_wide, Gram, GramKey, KeyKind, ParamSetCounts, Profile, SequenceCounts, DEFAULT_ORDER, MAX_ORDER,
    PACKED_LIMIT, PACKED_ORDER, SEQ_END, SEQ_START,
};
pub use smooth::{cmds_probs, laplace_smooth, params_probs, probabilities, smooth_cmds, smooth_keyed, values_probs};
pub use tables::{CountTables, ProbTables, StrTable, StrTable2, Table, Table2, Vocab, END, START, UNK, UNK_KEY};
