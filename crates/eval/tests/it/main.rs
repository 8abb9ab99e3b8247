//! Integration tests of anomseq-eval (one binary).

mod harness;
