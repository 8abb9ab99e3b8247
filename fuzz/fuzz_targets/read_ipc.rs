#![no_main]
//! The Arrow IPC file and stream readers never panic on arbitrary bytes.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::read_all_ways(data, "arrow");
    common::read_all_ways(data, "arrows");
});
