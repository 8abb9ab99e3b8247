//! The `anomseq` binary, driven over the fixtures.

mod cli;
mod hardening;
mod merge;
mod readme;
