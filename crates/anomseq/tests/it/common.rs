//! Shared helpers of the conformance tests: fixtures, oracle tables, tolerant comparisons.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anomseq::model::{StrTable, StrTable2};
use anomseq::Cmd;
use serde_json::Value;

/// The repository's `fixtures/` folder.
pub(crate) fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A JSON fixture, parsed with key order kept.
pub(crate) fn load_json(rel: &str) -> Value {
    let path = fixtures().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `a` and `b` agree to `rel` relative (NaN agrees with NaN).
pub(crate) fn close(a: f64, b: f64, rel: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= rel * a.abs().max(b.abs())
}

/// A JSON number, `null` read as NaN.
pub(crate) fn num(v: &Value) -> f64 {
    if v.is_null() {
        f64::NAN
    } else {
        v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
    }
}

/// A list of events in the oracle's encoding.
pub(crate) fn cmd_lists(v: &Value) -> Vec<Cmd> {
    serde_json::from_value(v.clone()).expect("events in the oracle encoding")
}

/// A one-level JSON object as an ordered table.
pub(crate) fn table<T: serde::de::DeserializeOwned>(v: &Value) -> StrTable<T> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .iter()
        .map(|(k, x)| (k.clone(), serde_json::from_value(x.clone()).unwrap_or_else(|e| panic!("{k}: {e}"))))
        .collect()
}

/// A two-level JSON object as an ordered table.
pub(crate) fn table2<T: serde::de::DeserializeOwned>(v: &Value) -> StrTable2<T> {
    v.as_object().unwrap_or_else(|| panic!("not an object: {v}")).iter().map(|(k, x)| (k.clone(), table(x))).collect()
}

/// Compare a count table with the oracle's, as maps.
pub(crate) fn assert_counts(ours: &StrTable<u64>, theirs: &Value, what: &str) {
    let ours: BTreeMap<_, _> = ours.iter().cloned().collect();
    let theirs: BTreeMap<String, u64> = table(theirs).into_iter().collect();
    assert_eq!(ours, theirs, "{what}");
}

/// Compare a two-level count table with the oracle's, as maps.
pub(crate) fn assert_counts2(ours: &StrTable2<u64>, theirs: &Value, what: &str) {
    let ours: BTreeMap<_, BTreeMap<_, _>> =
        ours.iter().map(|(k, r)| (k.clone(), r.iter().cloned().collect())).collect();
    let theirs: BTreeMap<String, BTreeMap<String, u64>> =
        table2(theirs).into_iter().map(|(k, r)| (k, r.into_iter().collect())).collect();
    assert_eq!(ours, theirs, "{what}");
}

/// Compare a probability table with the oracle's: same keys, values to `rel`.
pub(crate) fn assert_probs(ours: &StrTable<f64>, theirs: &Value, rel: f64, what: &str) {
    let ours: BTreeMap<_, _> = ours.iter().cloned().collect();
    let theirs: BTreeMap<String, f64> = table(theirs).into_iter().collect();
    assert_eq!(ours.keys().collect::<Vec<_>>(), theirs.keys().collect::<Vec<_>>(), "{what}: keys");
    for (k, a) in &ours {
        assert!(close(*a, theirs[k], rel), "{what}[{k}]: {a} vs {}", theirs[k]);
    }
}

/// Compare a two-level probability table with the oracle's.
pub(crate) fn assert_probs2(ours: &StrTable2<f64>, theirs: &Value, rel: f64, what: &str) {
    let theirs_obj = theirs.as_object().expect("object");
    let mut ours_keys: Vec<_> = ours.iter().map(|(k, _)| k.clone()).collect();
    let mut their_keys: Vec<_> = theirs_obj.keys().cloned().collect();
    ours_keys.sort();
    their_keys.sort();
    assert_eq!(ours_keys, their_keys, "{what}: rows");
    for (k, row) in ours {
        assert_probs(row, &theirs_obj[k], rel, &format!("{what}[{k}]"));
    }
}

/// JSON equality as the vectors mean it: numbers by value, objects as maps.
pub(crate) fn json_eq(a: &Value, b: &Value, rel: f64) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => close(x.as_f64().unwrap(), y.as_f64().unwrap(), rel),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q, rel)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w, rel)))
        }
        _ => a == b,
    }
}
