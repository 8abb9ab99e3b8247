//! Integration tests of the reference core, compiled as one binary:
//! conformance with msticpy (its own unit tests as vectors, and its outputs on
//! the Exchange demo logs) and properties.

mod common;
mod exchange;
mod props;
mod vectors;
mod viz;
