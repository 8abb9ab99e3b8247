#![no_main]
//! The parquet reader never panics on arbitrary bytes.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::read_all_ways(data, "parquet"));
