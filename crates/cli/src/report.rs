//! The table of the rarest sessions printed to the terminal.

use std::fmt::Write;

use anomseq::{RarestWindow, Sessions};
use arrow::array::{Array, ArrayRef, RecordBatch};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};

/// Sessions in ascending order of rarest-window likelihood (no window last),
/// ties by row: the same order on every run.
pub(crate) fn rarest_order(windows: &[RarestWindow]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..windows.len()).filter(|&i| windows[i].range().is_some()).collect();
    order.sort_by(|&a, &b| windows[a].likelihood.total_cmp(&windows[b].likelihood).then(a.cmp(&b)));
    order
}

/// The columns worth showing beside a score: user keys and the start time
/// (plain columns, not lists, not the end time or counts).
fn key_columns(table: &RecordBatch, session_col: &str) -> Vec<usize> {
    let schema = table.schema();
    schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            let n = f.name();
            n != session_col
                && !n.ends_with("_max")
                && n != "duration"
                && n != "number_events"
                && !n.starts_with("rarest_window")
                && !matches!(
                    f.data_type(),
                    DataType::List(_) | DataType::LargeList(_) | DataType::Struct(_) | DataType::Map(_, _)
                )
        })
        .map(|(i, _)| i)
        .take(4)
        .collect()
}

/// Every cell of a column as text: timestamps in RFC 3339 UTC (any unit or zone), nulls as `(null)`.
fn column_text(col: &ArrayRef) -> Vec<String> {
    use arrow::datatypes::TimeUnit;
    if let DataType::Timestamp(unit, _) = col.data_type() {
        if let Ok(ns) = arrow::compute::cast(col, &DataType::Timestamp(TimeUnit::Nanosecond, None)) {
            let ns = ns.as_any().downcast_ref::<arrow::array::TimestampNanosecondArray>().expect("cast to ns");
            let _ = unit;
            return ns.iter().map(|v| v.map_or("(null)".to_owned(), anomseq_sessionize::format_timestamp)).collect();
        }
    }
    let opts = FormatOptions::default().with_null("(null)");
    match ArrayFormatter::try_new(col.as_ref(), &opts) {
        Ok(f) => (0..col.len()).map(|i| f.value(i).to_string()).collect(),
        Err(_) => vec!["?".to_owned(); col.len()],
    }
}

/// `s` cut to `n` characters, its control characters escaped (strings from the logs
/// never reach the terminal raw).
fn cut(s: &str, n: usize) -> String {
    let s = anomseq_sessionize::printable(s);
    if s.chars().count() <= n {
        s.into_owned()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

/// The `n` rarest sessions as a text table.
pub(crate) fn rarest_table(
    table: &RecordBatch,
    session_col: &str,
    sessions: &Sessions,
    windows: &[RarestWindow],
    n: usize,
) -> String {
    let keys = key_columns(table, session_col);
    let cells: Vec<Vec<String>> = keys.iter().map(|&i| column_text(table.column(i))).collect();
    let schema = table.schema();
    let mut header: Vec<String> = vec!["rank".into()];
    header.extend(keys.iter().map(|&i| schema.field(i).name().clone()));
    header.extend(["events".into(), "likelihood".into(), "rarest window".into()]);
    let order = rarest_order(windows);
    if n == 0 {
        return "no sessions to show: --top 0 asks for none\n".to_owned();
    }
    if order.is_empty() {
        return format!(
            "no sessions to show: none of the {} sessions has a rarest window (each is shorter than the window)\n",
            windows.len()
        );
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (rank, &i) in order.iter().take(n).enumerate() {
        let mut row = vec![(rank + 1).to_string()];
        for c in &cells {
            row.push(cut(&c[i], 40));
        }
        let w = windows[i];
        let names: Vec<String> =
            w.range().map(|r| sessions.slice_cmds(i, r)).unwrap_or_default().into_iter().map(|c| c.name).collect();
        row.push(sessions.session_len(i).to_string());
        row.push(format!("{:.4e}", w.likelihood));
        row.push(cut(&names.join(" → "), 100));
        rows.push(row);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).chain([header[c].chars().count()]).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for line in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = line.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_puts_rarest_first_and_skips_missing() {
        let w = |l: f64, s: Option<usize>| RarestWindow { start: s, len: 1, likelihood: l };
        let windows = [w(0.5, Some(0)), w(f64::NAN, None), w(0.1, Some(0)), w(0.5, Some(1))];
        assert_eq!(rarest_order(&windows), [2, 0, 3]);
    }
}
