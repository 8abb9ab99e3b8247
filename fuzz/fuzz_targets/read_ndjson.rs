#![no_main]
//! The ndjson reader never panics on arbitrary bytes.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::read_all_ways(data, "ndjson"));
