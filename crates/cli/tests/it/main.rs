//! The `anomseq` binary, driven over the fixtures.

mod cli;
mod explain;
mod hardening;
mod merge;
mod readme;
