//! Integration tests of anomseq-io (one binary).

mod common;
mod errors;
mod props;
mod roundtrip;
mod stream;
