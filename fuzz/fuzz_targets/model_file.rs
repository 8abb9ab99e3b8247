#![no_main]
//! The model-file reader never panics on arbitrary bytes; a file it accepts survives a
//! round trip, merges with itself (or says why not) and scores a session.

use anomseq_model::Model;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(m) = Model::from_file_bytes(data) else { return };
    let again = Model::from_file_bytes(&m.to_file_bytes()).expect("a model's own file loads");
    assert_eq!(again.counts(), m.counts(), "round trip");
    // a merge may pass 2^53 (an error naming the table), never wrap or panic
    let _ = m.merge(&m);
    let p = m.probabilities();
    for a in 0..p.n_cmds().min(8) as u32 {
        for b in 0..p.n_cmds().min(8) as u32 {
            let x = p.trans(a, b);
            assert!(x > 0.0 && x <= 1.0, "trans[{a}][{b}] = {x}");
        }
    }
});
