//! Integration tests of anomseq-sessionize (one binary).

mod common;
mod conformance;
mod errors;
mod parallel;
mod props;
mod stream;
mod vectors;
