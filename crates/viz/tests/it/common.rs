//! Shared helpers of the viz tests: batches of scored sessions and the hostile strings.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, MapBuilder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, Float64Array, ListArray, RecordBatch, StringArray, StructArray, TimestampMillisecondArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field};

/// Strings an attacker could put in a log: each tries to become markup or script.
pub(crate) const HOSTILE: &[&str] = &[
    "<script>window.__pwned=1</script>",
    "</script><script>window.__pwned=2</script>",
    "<img src=x onerror=\"window.__pwned=3;alert(3)\">",
    "\"'><svg onload=window.__pwned=4>",
    "back\\slash \\u003c \\\" quote's",
    "line\u{2028}sep\u{2029}para",
    "javascript:window.__pwned=5",
    "<a href=\"javascript:window.__pwned=6\">click</a>",
    "<!-- <script>window.__pwned=7</script> -->",
    "<b>bold</b> &lt;i&gt; ${7*7} %{x} $x^2$",
];

/// One session's events: (command, [(param, value)]).
pub(crate) type Events<'a> = Vec<(&'a str, Vec<(&'a str, &'a str)>)>;

/// A `List<Struct{name: Utf8, params: Map<Utf8, Utf8>}>` column.
pub(crate) fn events_column(sessions: &[Events<'_>]) -> ArrayRef {
    let mut names = StringBuilder::new();
    let mut params = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    let mut lengths = Vec::new();
    for session in sessions {
        lengths.push(session.len());
        for (name, kv) in session {
            names.append_value(name);
            for (k, v) in kv {
                params.keys().append_value(k);
                params.values().append_value(v);
            }
            params.append(true).unwrap();
        }
    }
    let params = params.finish();
    let names = names.finish();
    let events = StructArray::from(vec![
        (Arc::new(Field::new("name", DataType::Utf8, true)), Arc::new(names) as ArrayRef),
        (Arc::new(Field::new("params", params.data_type().clone(), true)), Arc::new(params) as ArrayRef),
    ]);
    let field = Arc::new(Field::new("item", events.data_type().clone(), true));
    Arc::new(ListArray::new(field, OffsetBuffer::from_lengths(lengths), Arc::new(events), None))
}

/// A `List<Utf8>` column of commands; `None` is a null cell.
pub(crate) fn commands_column(sessions: &[Option<Vec<&str>>]) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for s in sessions {
        match s {
            Some(cmds) => {
                for c in cmds {
                    b.values().append_value(c);
                }
                b.append(true);
            }
            None => b.append(false),
        }
    }
    Arc::new(b.finish())
}

pub(crate) fn strings(values: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

pub(crate) fn scores(values: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(values.to_vec()))
}

/// Milliseconds since the epoch, tagged UTC.
pub(crate) fn times_ms(values: &[i64]) -> ArrayRef {
    Arc::new(TimestampMillisecondArray::from(values.to_vec()).with_timezone("UTC"))
}

pub(crate) fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).unwrap()
}

/// Six sessions, one hour apart, whose users, commands, parameters, values and
/// IPs are hostile strings; one has no score.
pub(crate) fn hostile_batch() -> RecordBatch {
    let h = HOSTILE;
    let t0 = 1_600_000_000_000_i64;
    let times: Vec<i64> = (0..6).map(|i| t0 + i * 3_600_000).collect();
    let sessions: Vec<Events<'_>> = vec![
        vec![(h[0], vec![(h[1], h[2])]), ("Set-User", vec![])],
        vec![(h[3], vec![("Identity", h[4])])],
        vec![(h[5], vec![(h[6], h[7])])],
        vec![(h[7], vec![]), (h[8], vec![("x", h[9])])],
        vec![("Set-Mailbox", vec![(h[9], h[0])])],
        vec![(h[2], vec![])],
    ];
    batch(vec![
        ("start", times_ms(&times)),
        ("user", strings(&[h[0], h[2], h[3], h[6], h[8], h[5]])),
        ("client_ip", strings(&[h[1], h[4], h[5], h[7], h[9], h[3]])),
        ("session_length", Arc::new(arrow_array::UInt64Array::from(vec![2_u64, 1, 1, 2, 1, 1]))),
        ("likelihood", scores(&[Some(1e-3), Some(2e-5), Some(0.04), Some(3e-7), Some(0.5), None])),
        ("rarest_window3", events_column(&sessions)),
    ])
}
