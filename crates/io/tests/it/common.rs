//! Shared helpers of the io tests: fixtures, the Exchange options and event specs.

use std::path::PathBuf;

use anomseq_sessionize::{EventSpec, SessionizeOptions};

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(rel)
}

pub(crate) fn exchange() -> PathBuf {
    fixture("exchange/demo_exchange_data.csv")
}

pub(crate) fn exchange_opts() -> SessionizeOptions {
    SessionizeOptions::new(["UserId", "ClientIP"], "TimeGenerated")
}

/// The three session types of the Exchange oracle.
pub(crate) fn specs() -> Vec<EventSpec> {
    vec![
        EventSpec::commands("Operation"),
        EventSpec::name_value_list("Operation", "Parameters", false).named("cmd_param"),
        EventSpec::name_value_list("Operation", "Parameters", true).named("cmd_param_val"),
    ]
}
