//! Scored sessions as Arrow columns, the one encoding every format writes, and back.

use std::path::Path;
use std::sync::Arc;

use anomseq_core::{column_kind, rarest_window, rarest_window_factors, ColumnKind, Sessions, UNSEEN};
use anomseq_score::Scored;
use anomseq_sessionize::{sessions_from_column, windows_to_column};
use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Float64Builder, ListBuilder, RecordBatch, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};

use crate::error::write;
use crate::{Error, Format, WriteOptions};

/// The columns [`scored_table`] appends, in order: the reference score
/// `rarest_window{k}_likelihood` (Float64, null where no window fits), the
/// window `rarest_window{k}` (the sessions' event-list encoding; empty where
/// none fits), its `rarest_window{k}_factors` (list of Float64), `unseen`
/// (UInt64), then the headline score when it is another (`profile_score`) and
/// the extra scores, each Float64 with null for NaN.
pub fn scored_columns(sessions: &Sessions, scored: &Scored) -> Result<Vec<(Field, ArrayRef)>, Error> {
    if sessions.len() != scored.len() {
        return Err(Error::Invalid(format!(
            "{} sessions and {} scores: they must match",
            sessions.len(),
            scored.len()
        )));
    }
    let k = scored.window_options().window_len;
    let num = |v: &mut dyn Iterator<Item = f64>| -> ArrayRef {
        Arc::new(v.map(|x| (!x.is_nan()).then_some(x)).collect::<Float64Array>())
    };
    let windows = scored.windows();
    let mut out = Vec::new();
    let lik = num(&mut windows.iter().map(|w| if w.range().is_some() { w.likelihood } else { f64::NAN }));
    out.push((Field::new(anomseq_core::rarest_window_likelihood(k), DataType::Float64, true), lik));
    let win = windows_to_column(sessions, windows.iter().map(|w| w.range()));
    out.push((Field::new(rarest_window(k), win.data_type().clone(), true), win));
    let mut factors = ListBuilder::new(Float64Builder::new());
    for i in 0..scored.len() {
        factors.values().append_slice(scored.factors(i));
        factors.append(true);
    }
    let factors: ArrayRef = Arc::new(factors.finish());
    out.push((Field::new(rarest_window_factors(k), factors.data_type().clone(), true), factors));
    let unseen: ArrayRef = Arc::new(UInt64Array::from_iter_values(scored.unseen().iter().map(|u| u.total())));
    out.push((Field::new(UNSEEN, DataType::UInt64, false), unseen));
    if scored.score_name() != anomseq_core::rarest_window_likelihood(k) {
        out.push((Field::new(scored.score_name(), DataType::Float64, true), num(&mut scored.scores().iter().copied())));
    }
    for (name, values) in scored.extra() {
        out.push((Field::new(name, DataType::Float64, true), num(&mut values.iter().copied())));
    }
    Ok(out)
}

/// `table` (row `i` is session `i`) with the [`scored_columns`] appended; a
/// column of the same name already in `table` is an error.
pub fn scored_table(table: &RecordBatch, sessions: &Sessions, scored: &Scored) -> Result<RecordBatch, Error> {
    if table.num_rows() != sessions.len() {
        return Err(Error::Invalid(format!(
            "{} rows and {} sessions: they must match",
            table.num_rows(),
            sessions.len()
        )));
    }
    let mut fields: Vec<Field> = table.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut cols = table.columns().to_vec();
    for (f, c) in scored_columns(sessions, scored)? {
        if table.schema().index_of(f.name()).is_ok() {
            return Err(Error::Invalid(format!("the input already has a column `{}`", f.name())));
        }
        fields.push(f);
        cols.push(c);
    }
    let schema = Schema::new_with_metadata(fields, table.schema().metadata().clone());
    RecordBatch::try_new(Arc::new(schema), cols).map_err(|e| Error::Invalid(e.to_string()))
}

/// Write `table` with the [`scored_columns`] appended (see [`scored_table`]), atomically.
pub fn write_scored(
    path: &Path,
    format: Option<Format>,
    table: &RecordBatch,
    sessions: &Sessions,
    scored: &Scored,
    options: &WriteOptions,
) -> Result<usize, Error> {
    let out = scored_table(table, sessions, scored).map_err(|e| write(path)(&e))?;
    crate::write_table_with(path, format, &out, options)
}

/// Is `name` a column that anomseq's scoring writes (see [`column_kind`]) and a
/// new scoring replaces? (The session length is kept.)
pub fn is_scored_column(name: &str) -> bool {
    name != anomseq_core::SESSION_LENGTH && column_kind(name).is_some()
}

/// The columns of `table` that anomseq's scoring writes ([`is_scored_column`]),
/// which a new scoring replaces.
pub fn scored_column_names(table: &RecordBatch) -> Vec<String> {
    table.schema().fields().iter().map(|f| f.name().clone()).filter(|n| is_scored_column(n)).collect()
}

/// `table` without the columns `names`.
pub fn without_columns(table: &RecordBatch, names: &[String]) -> RecordBatch {
    let mut t = table.clone();
    for n in names {
        if let Ok(i) = t.schema().index_of(n) {
            t.remove_column(i);
        }
    }
    t
}

/// Scored columns read from a text format (CSV: every cell is text) back to
/// their types: scores to Float64 (an empty cell is null), counts to UInt64,
/// windows to event lists and factors to lists of Float64, each from its JSON
/// text. Other columns, columns already typed, and columns whose text does not
/// parse (a column that only shares a name with ours) are kept as they are.
pub fn restore_scored_columns(path: &Path, table: &RecordBatch) -> Result<RecordBatch, Error> {
    let schema = table.schema();
    let mut fields = Vec::with_capacity(table.num_columns());
    let mut cols = Vec::with_capacity(table.num_columns());
    for (f, c) in schema.fields().iter().zip(table.columns()) {
        let text = matches!(c.data_type(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
        let kind = column_kind(f.name()).filter(|_| text);
        // a column that only shares a name with ours (a user's `unseen`, msticpy's
        // Python-repr windows) is kept as it is, text
        let restored = kind.and_then(|kind| restore(path, f.name(), c, kind).ok());
        match restored {
            Some(col) => {
                fields.push(Field::new(f.name(), col.data_type().clone(), true));
                cols.push(col);
            }
            None => {
                fields.push(f.as_ref().clone());
                cols.push(c.clone());
            }
        }
    }
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    RecordBatch::try_new(Arc::new(schema), cols).map_err(|e| Error::Invalid(e.to_string()))
}

fn restore(path: &Path, name: &str, c: &ArrayRef, kind: ColumnKind) -> Result<ArrayRef, Error> {
    let text = arrow::compute::cast(c, &DataType::Utf8).map_err(|e| Error::Invalid(e.to_string()))?;
    let text = text.as_string::<i32>();
    let bad = |row: usize, value: &str, what: &str| Error::Read {
        path: path.to_owned(),
        message: format!(
            "row {}, column {name}: {} is not {what}",
            row + 1,
            serde_json::to_string(value).unwrap_or_default()
        ),
    };
    let cells =
        (0..text.len()).map(|i| (i, (!text.is_null(i)).then(|| text.value(i).trim()).filter(|s| !s.is_empty())));
    Ok(match kind {
        ColumnKind::Score(_) | ColumnKind::LogScore => {
            let mut b = Float64Builder::with_capacity(text.len());
            for (i, v) in cells {
                match v {
                    None => b.append_null(),
                    Some(v) => b.append_value(v.parse::<f64>().map_err(|_| bad(i, v, "a number"))?),
                }
            }
            Arc::new(b.finish())
        }
        ColumnKind::Count => {
            let mut out = Vec::with_capacity(text.len());
            for (i, v) in cells {
                out.push(v.map(|v| v.parse::<u64>().map_err(|_| bad(i, v, "a count"))).transpose()?);
            }
            Arc::new(UInt64Array::from(out))
        }
        ColumnKind::Factors(_) => {
            let mut b = ListBuilder::new(Float64Builder::new());
            for (i, v) in cells {
                match v {
                    None => b.append(false),
                    Some(v) => {
                        let xs: Vec<f64> = serde_json::from_str(v).map_err(|_| bad(i, v, "a JSON list of numbers"))?;
                        b.values().append_slice(&xs);
                        b.append(true);
                    }
                }
            }
            Arc::new(b.finish())
        }
        ColumnKind::Window(_) => {
            // an empty list (or cell) is a session without a window: parsed in the
            // place of the first window there is, then left out again
            let empty = |i: usize| text.is_null(i) || matches!(text.value(i).trim(), "" | "[]");
            let Some(first) = (0..text.len()).find(|&i| !empty(i)) else {
                // no session has a window: a column of empty lists
                let mut b = ListBuilder::new(arrow::array::StringBuilder::new());
                for _ in 0..text.len() {
                    b.append(true);
                }
                return Ok(Arc::new(b.finish()));
            };
            let filled: arrow::array::StringArray =
                (0..text.len()).map(|i| Some(text.value(if empty(i) { first } else { i }))).collect();
            let filled: ArrayRef = Arc::new(filled);
            let s = sessions_from_column(name, &filled)
                .map_err(|e| Error::Read { path: path.to_owned(), message: e.to_string() })?;
            windows_to_column(&s, (0..s.len()).map(|i| (!empty(i)).then(|| 0..s.session_len(i))))
        }
        _ => c.clone(),
    })
}
