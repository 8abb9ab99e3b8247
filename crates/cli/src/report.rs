//! The table of the rarest sessions printed to the terminal.

use std::fmt::Write;

use anomseq::score::{Explanation, Scored};
use anomseq::Params;
use arrow::array::{Array, ArrayRef, RecordBatch};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};

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
                && anomseq::core::column_kind(n).is_none()
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
fn column_text(col: &ArrayRef, rows: &[usize]) -> Vec<String> {
    // only the rows shown: a file of a million sessions prints a few
    let indices = arrow::array::UInt64Array::from_iter_values(rows.iter().map(|&r| r as u64));
    let Ok(col) = arrow::compute::take(col.as_ref(), &indices, None) else {
        return vec!["?".to_owned(); rows.len()];
    };
    if let DataType::Timestamp(_, _) = col.data_type() {
        if let Ok(ns) = arrow::compute::cast(&col, &DataType::Timestamp(arrow::datatypes::TimeUnit::Nanosecond, None)) {
            let ns = ns.as_any().downcast_ref::<arrow::array::TimestampNanosecondArray>().expect("cast to ns");
            return ns.iter().map(|v| v.map_or("(null)".to_owned(), anomseq_sessionize::format_timestamp)).collect();
        }
    }
    let opts = FormatOptions::default().with_null("(null)");
    let text = match ArrayFormatter::try_new(col.as_ref(), &opts) {
        Ok(f) => (0..col.len()).map(|i| f.value(i).to_string()).collect(),
        Err(_) => vec!["?".to_owned(); col.len()],
    };
    text
}

/// `text` as lines of at most `width` characters (after spaces where possible),
/// control characters escaped: strings from the logs never reach the terminal raw,
/// and nothing is cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    anomseq::core::wrap(&anomseq_sessionize::printable(text), width.max(20))
}

/// The terminal's width (`COLUMNS`), 100 when unknown.
pub(crate) fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok()).filter(|&w| w > 0).map_or(100, |w| w.max(40))
}

/// Where the notes (probabilities, unseen marks) start, when the line leaves room.
const NOTE_COLUMN: usize = 60;

/// A value shown whole, but not past this many characters (the scored file holds it all).
const MAX_VALUE_CHARS: usize = 2_000;

fn push_wrapped(out: &mut String, indent: usize, text: &str, note: &str, width: usize) {
    let mut text = text.to_owned();
    let n = text.chars().count();
    if n > MAX_VALUE_CHARS {
        text = text.chars().take(MAX_VALUE_CHARS).collect();
        let _ = write!(text, "… ({} more characters: the scored file has them all)", n - MAX_VALUE_CHARS);
    }
    let pad = " ".repeat(indent);
    // continuation lines go deeper, so they never look like a new item
    let lines = wrap(&text, width.saturating_sub(indent + 2 + note.chars().count() + 2).max(20));
    let last = lines.len() - 1;
    // notes line up in one column where the line leaves room
    let column = width.saturating_sub(note.chars().count() + 2).min(NOTE_COLUMN);
    for (j, l) in lines.iter().enumerate() {
        let pad = if j == 0 { pad.clone() } else { format!("{pad}  ") };
        let indent = pad.len();
        if j == last && !note.is_empty() {
            let gap = column.saturating_sub(indent + l.chars().count()).max(2);
            let _ = writeln!(out, "{pad}{l}{}{note}", " ".repeat(gap));
        } else {
            let _ = writeln!(out, "{pad}{l}");
        }
    }
}

fn score_text(x: f64) -> String {
    format!("{x:.6e}")
}

/// The `n` rarest sessions as readable blocks: rank, score and its direction,
/// whose session it is, then each step of its rarest window with its
/// probability, parameters and values (wrapped at `width`, never cut mid-value)
/// and what the model never saw.
pub(crate) fn rarest_blocks(
    table: &RecordBatch,
    session_col: &str,
    scored: &Scored,
    explain: impl Fn(usize) -> Option<Explanation>,
    note: impl Fn(usize) -> Option<String>,
    n: usize,
    width: usize,
) -> String {
    if n == 0 {
        return "no sessions to show: --top 0 asks for none\n".to_owned();
    }
    let shown = scored.rarest_first_n(n);
    if shown.is_empty() {
        return format!(
            "no sessions to show: none of the {} sessions has a rarest window (each is shorter than the window)\n",
            scored.len()
        );
    }
    let keys = key_columns(table, session_col);
    let cells: Vec<Vec<String>> = keys.iter().map(|&i| column_text(table.column(i), &shown)).collect();
    let schema = table.schema();
    let k = scored.window_options().window_len;
    let mut out = String::new();
    for (rank, &i) in shown.iter().enumerate() {
        if rank > 0 {
            out.push('\n');
        }
        let why = explain(i);
        let mut head = format!(
            "#{}  {} = {} ({})",
            rank + 1,
            scored.score_name(),
            score_text(scored.scores()[i]),
            scored.direction().label()
        );
        if let Some(e) = &why {
            let _ = write!(head, " · {}", crate::progress::count(e.n_events, "event"));
        }
        let unseen = scored.unseen()[i];
        if unseen.total() > 0 {
            let _ = write!(head, " · unseen in training: {}", unseen.describe());
        }
        push_wrapped(&mut out, 0, &head, "", width);
        let who: Vec<String> =
            keys.iter().zip(&cells).map(|(&c, col)| format!("{}: {}", schema.field(c).name(), col[rank])).collect();
        if !who.is_empty() {
            push_wrapped(&mut out, 4, &who.join(" · "), "", width);
        }
        for (name, values) in scored.extra() {
            if name.starts_with("profile_") || name.starts_with("novelty_") || name.starts_with("ngram_") {
                let _ = writeln!(out, "    {name} = {}", score_text(values[i]));
            }
        }
        if let Some(line) = note(i) {
            push_wrapped(&mut out, 4, &line, "", width);
        }
        let Some(e) = why else {
            let _ = writeln!(out, "    no window of {k} fits this session");
            continue;
        };
        let o = scored.window_options();
        let intro = if scored.score_name() != anomseq::core::rarest_window_likelihood(k) {
            format!("its rarest window of {k} under the reference model (likelihood {}):", score_text(e.likelihood))
        } else {
            format!("its rarest window of {k}, step by step:")
        };
        push_wrapped(&mut out, 4, &intro, "", width);
        if o.use_geo_mean {
            push_wrapped(
                &mut out,
                4,
                &format!("(geometric mean: each p is the {k}th root of the step's probability)"),
                "",
                width,
            );
        }
        for (n, step) in e.steps.iter().enumerate() {
            let mut note = format!("p = {}", score_text(step.factor));
            if step.unseen_command {
                note.push_str("  [unseen command]");
            }
            if n == 0 {
                // what the first probability is of
                note.push_str(if step.index == 0 && o.use_start_end_tokens {
                    "  (to start a session)"
                } else {
                    "  (prior)"
                });
            }
            push_wrapped(&mut out, 6, &format!("{}. {}", step.index + 1, step.cmd.name), &note, width);
            let params: Vec<(String, &str)> = match &step.cmd.params {
                Params::None => Vec::new(),
                Params::Set(names) => names
                    .iter()
                    .map(|p| {
                        let note = if step.unseen_params.contains(p) {
                            "[unseen parameter]"
                        } else if step.not_with_command.contains(p) {
                            "[never seen with this command]"
                        } else {
                            ""
                        };
                        (p.clone(), note)
                    })
                    .collect(),
                Params::Map(pairs) => pairs
                    .iter()
                    .map(|(p, v)| {
                        let note = if step.unseen_params.contains(p) {
                            "[unseen parameter]"
                        } else if step.not_with_command.contains(p) {
                            "[never seen with this command]"
                        } else if step.unseen_values.contains(p) {
                            "[unseen value]"
                        } else {
                            ""
                        };
                        (format!("{p} = {v}"), note)
                    })
                    .collect(),
            };
            for (text, note) in params {
                push_wrapped(&mut out, 10, &text, note, width);
            }
        }
        if let Some(end) = e.end {
            push_wrapped(&mut out, 6, "then the session ends", &format!("p = {}", score_text(end)), width);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_character() {
        let text = "Identity = Contoso.com/Users/bob CommandLine = rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 624 C:\\temp\\lsass.dmp full";
        let lines = wrap(text, 30);
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        let joined: String = lines.concat();
        assert_eq!(joined.replace(' ', ""), text.replace(' ', ""));
        assert_eq!(wrap("a\u{1b}[31mb", 40), ["a\\u{1b}[31mb"]);
    }
}
