//! Detection quality of anomseq's scores on labelled data sets.
//!
//! - [`metrics`] ([`Metrics`]): weighted ROC-AUC (trapezoids, ties averaged),
//!   PR-AUC (average precision) and the best-threshold F1, for scores where
//!   **higher is more anomalous**;
//! - [`Labelled`]: labelled sessions as the shared `sessions.jsonl` files hold
//!   them (label, optional `weight` and `split`);
//! - [`evaluate`]: train a [`Detector`] under a [`Protocol`] (unsupervised,
//!   semi-supervised on a seeded sample of the normals, or a named split) and
//!   measure it ([`Outcome`]); [`sample_normals`] draws the seeded sample.
//!
//! The crate does no IO: `cargo xtask eval` reads the files and writes `docs/quality.md`.
//!
//! ```
//! use anomseq_eval::{evaluate, metrics, Detector, Labelled, Protocol};
//!
//! let m = metrics(&[0.9, 0.8, 0.7, 0.6], &[true, false, true, false], &[1.0; 4])?;
//! assert_eq!((m.roc_auc, m.best_f1), (0.75, 0.8));
//!
//! let data = Labelled::parse_jsonl(
//!     r#"{"events":["a","b"],"label":0,"split":"train"}
//! {"events":["a","b"],"label":0}
//! {"events":["a","b","b","c"],"label":1}"#,
//! )?;
//! let train = Protocol::Split { train: "train".into() };
//! let out = evaluate(&data, &train, Detector::Reference { window: 2 })?;
//! assert_eq!(out.metrics.roc_auc, 1.0);
//! # Ok::<(), anomseq_eval::Error>(())
//! ```
#![deny(missing_docs)]

mod data;
mod error;
mod metrics;
mod protocol;

pub use data::Labelled;
pub use error::Error;
pub use metrics::{metrics, Metrics};
pub use protocol::{evaluate, sample_normals, Detector, Outcome, Protocol};
