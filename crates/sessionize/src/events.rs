//! Event builders: from raw columns to commands, params or params with values.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use anomseq_core::{is_reserved_token, SessionType};
use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Schema};

use rayon::prelude::*;

use crate::bad_rows::RowCheck;
use crate::ids::{Ids, StrCol, NULL_ID};
use crate::params::{parse_json_object, parse_name_value_list};
use crate::Error;

/// Where the parameters of an event come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamsSource {
    /// No parameters: the commands session type.
    None,
    /// A column of JSON lists of `{"Name": .., "Value": ..}` objects (Exchange's `Parameters`).
    NameValueList(String),
    /// A column of JSON objects `{name: value}` (CloudTrail's `requestParameters`).
    JsonObject(String),
    /// Columns whose non-null values become the params (the VM-process example): as a
    /// set, the values themselves are the params; with values, each column's name is
    /// the param and its value the value.
    Columns(Vec<String>),
}

/// How to build each row's event from its columns.
///
/// A JSON `null` or a null cell means "no parameters". A non-string JSON value
/// becomes its compact JSON text (`{"a":1}`, `3`, `true`); a JSON `null` value
/// becomes the empty string. Param sets are sorted by name (like msticpy's oracle
/// prints them); param maps keep the order of the input, a repeated name keeps its
/// first place and its last value (like a Python dict).
///
/// ```
/// use anomseq_sessionize::{EventSpec, ParamsSource};
/// use anomseq_core::SessionType;
/// let spec = EventSpec::name_value_list("Operation", "Parameters", true).named("cmd_param_val");
/// assert_eq!(spec.session_type(), SessionType::Values);
/// assert_eq!(spec.list_column(), "cmd_param_val_list");
/// assert_eq!(EventSpec::commands("Operation").list_column(), "Operation_list");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSpec {
    /// The column holding the command name.
    pub name_col: String,
    /// Where the parameters come from.
    pub params: ParamsSource,
    /// Keep values (a map) rather than params only (a set).
    pub with_values: bool,
    /// Stem of the output column `{stem}_list` (default: the name column).
    pub list_name: Option<String>,
}

impl EventSpec {
    /// Bare commands from `name_col`.
    pub fn commands(name_col: impl Into<String>) -> Self {
        EventSpec { name_col: name_col.into(), params: ParamsSource::None, with_values: false, list_name: None }
    }

    /// Params from a column of JSON lists of `{"Name","Value"}` objects.
    pub fn name_value_list(name_col: impl Into<String>, params_col: impl Into<String>, with_values: bool) -> Self {
        EventSpec {
            name_col: name_col.into(),
            params: ParamsSource::NameValueList(params_col.into()),
            with_values,
            list_name: None,
        }
    }

    /// Params from a column of JSON objects.
    pub fn json_object(name_col: impl Into<String>, params_col: impl Into<String>, with_values: bool) -> Self {
        EventSpec {
            name_col: name_col.into(),
            params: ParamsSource::JsonObject(params_col.into()),
            with_values,
            list_name: None,
        }
    }

    /// Params from a list of columns.
    pub fn columns<I, S>(name_col: impl Into<String>, params_cols: I, with_values: bool) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        EventSpec {
            name_col: name_col.into(),
            params: ParamsSource::Columns(params_cols.into_iter().map(Into::into).collect()),
            with_values,
            list_name: None,
        }
    }

    /// Name the output event column `{stem}_list`.
    pub fn named(mut self, stem: impl Into<String>) -> Self {
        self.list_name = Some(stem.into());
        self
    }

    /// The type of the sessions this spec builds.
    pub fn session_type(&self) -> SessionType {
        match (&self.params, self.with_values) {
            (ParamsSource::None, _) => SessionType::Commands,
            (_, false) => SessionType::Params,
            (_, true) => SessionType::Values,
        }
    }

    /// The name of the output event-list column.
    pub fn list_column(&self) -> String {
        format!("{}_list", self.list_name.as_deref().unwrap_or(&self.name_col))
    }

    /// The input columns this spec reads.
    pub fn input_columns(&self) -> Vec<&str> {
        let mut cols = vec![self.name_col.as_str()];
        match &self.params {
            ParamsSource::None => {}
            ParamsSource::NameValueList(c) | ParamsSource::JsonObject(c) => cols.push(c),
            ParamsSource::Columns(cs) => cols.extend(cs.iter().map(String::as_str)),
        }
        cols
    }
}

impl fmt::Display for ParamsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamsSource::None => f.write_str("none"),
            ParamsSource::NameValueList(c) => write!(f, "name/value list in `{c}`"),
            ParamsSource::JsonObject(c) => write!(f, "JSON object in `{c}`"),
            ParamsSource::Columns(cs) => write!(f, "columns {}", cs.join(", ")),
        }
    }
}

/// Look up a column by name, listing the available ones when it is missing.
pub(crate) fn column_index(schema: &Schema, name: &str) -> Result<usize, Error> {
    schema.index_of(name).map_err(|_| Error::MissingColumn {
        column: name.to_owned(),
        available: schema.fields().iter().map(|f| f.name().clone()).collect(),
    })
}

fn is_stringy(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_stringy(v),
        _ => false,
    }
}

/// Check that the spec's columns exist and have usable types.
pub(crate) fn check_spec(spec: &EventSpec, schema: &Schema) -> Result<(), Error> {
    let name = &schema.fields()[column_index(schema, &spec.name_col)?];
    if !is_stringy(name.data_type()) {
        return Err(Error::WrongType {
            column: spec.name_col.clone(),
            found: name.data_type().clone(),
            expected: "a string column of command names",
        });
    }
    match &spec.params {
        ParamsSource::None => {}
        ParamsSource::NameValueList(c) | ParamsSource::JsonObject(c) => {
            let f = &schema.fields()[column_index(schema, c)?];
            if !is_stringy(f.data_type()) {
                return Err(Error::WrongType {
                    column: c.clone(),
                    found: f.data_type().clone(),
                    expected: "a string column of JSON text",
                });
            }
        }
        ParamsSource::Columns(cs) => {
            for c in cs {
                let f = &schema.fields()[column_index(schema, c)?];
                if !arrow::compute::can_cast_types(f.data_type(), &DataType::Utf8) {
                    return Err(Error::WrongType {
                        column: c.clone(),
                        found: f.data_type().clone(),
                        expected: "a column whose values can be written as strings",
                    });
                }
            }
        }
    }
    Ok(())
}

fn to_utf8(col: &ArrayRef) -> Result<ArrayRef, Error> {
    Ok(if col.data_type() == &DataType::Utf8 { col.clone() } else { arrow::compute::cast(col, &DataType::Utf8)? })
}

/// The events of a run of rows: name ids plus flattened params.
#[derive(Debug)]
pub(crate) struct ParsedEvents {
    pub(crate) kind: SessionType,
    /// The distinct command names (Utf8), indexed by `name_ids`.
    vocab: ArrayRef,
    /// Each row's name id ([`NULL_ID`] for a missing name).
    name_ids: Vec<u32>,
    /// Row `i` holds params `row_ends[i]..row_ends[i + 1]`.
    row_ends: Vec<usize>,
    key_text: String,
    key_ends: Vec<usize>,
    val_text: String,
    val_ends: Vec<usize>,
}

impl ParsedEvents {
    /// The distinct command names (Utf8), indexed by [`ParsedEvents::name_ids`].
    pub(crate) fn vocab(&self) -> &ArrayRef {
        &self.vocab
    }

    /// Each row's name id ([`NULL_ID`] for a missing name).
    pub(crate) fn name_ids(&self) -> &[u32] {
        &self.name_ids
    }

    /// Row `i`'s command name (empty when missing).
    pub(crate) fn name(&self, i: usize) -> &str {
        match self.name_ids[i] {
            NULL_ID => "",
            id => self.vocab.as_string::<i32>().value(id as usize),
        }
    }

    pub(crate) fn params(&self, i: usize) -> impl Iterator<Item = (&str, &str)> + '_ {
        let r = if self.row_ends.is_empty() { 0..0 } else { self.row_ends[i]..self.row_ends[i + 1] };
        r.map(move |j| {
            (
                &self.key_text[self.key_ends[j]..self.key_ends[j + 1]],
                &self.val_text[self.val_ends[j]..self.val_ends[j + 1]],
            )
        })
    }

    fn push_row(&mut self, pairs: &mut Vec<(Cow<'_, str>, Cow<'_, str>)>) {
        if self.kind == SessionType::Params {
            pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            pairs.dedup_by(|a, b| a.0 == b.0);
        } else {
            // first place, last value
            let mut i = 0;
            while i < pairs.len() {
                if let Some(j) = (0..i).find(|&j| pairs[j].0 == pairs[i].0) {
                    let (_, v) = pairs.remove(i);
                    pairs[j].1 = v;
                } else {
                    i += 1;
                }
            }
        }
        for (k, v) in pairs.drain(..) {
            self.key_text.push_str(&k);
            self.key_ends.push(self.key_text.len());
            if self.kind == SessionType::Values {
                self.val_text.push_str(&v);
            }
            self.val_ends.push(self.val_text.len());
        }
        self.row_ends.push(self.key_ends.len() - 1);
    }
}

/// Build the events of rows `0..n` of the given columns (already looked up by name).
/// `first_row` is the global index of row 0 (for messages).
pub(crate) fn parse_events(
    spec: &EventSpec,
    schema: &Schema,
    columns: &[ArrayRef],
    first_row: usize,
    check: &mut RowCheck,
) -> Result<ParsedEvents, Error> {
    let col = |name: &str| -> Result<&ArrayRef, Error> { Ok(&columns[column_index(schema, name)?]) };
    let names = StrCol::new(col(&spec.name_col)?)?;
    let n = names.len();
    let kind = spec.session_type();
    let Ids { ids: name_ids, values } = names.ids();
    // checked once per distinct name; rows are visited only when one is bad
    let vocab = values.into_strings()?;
    let reserved: Vec<bool> = vocab.iter().map(|v| v.is_some_and(is_reserved_token)).collect();
    let vocab: ArrayRef = Arc::new(vocab);
    if reserved.contains(&true) || name_ids.par_iter().any(|&id| id == NULL_ID) {
        let v = vocab.as_string::<i32>();
        for (i, &id) in name_ids.iter().enumerate() {
            if id == NULL_ID {
                check.reject(first_row + i, &spec.name_col, "null", "missing event name")?;
            } else if reserved[id as usize] {
                let name = v.value(id as usize);
                check.reject(first_row + i, &spec.name_col, name, "command name is a reserved token")?;
            }
        }
    }
    let mut ev = ParsedEvents {
        kind,
        vocab,
        name_ids,
        row_ends: Vec::new(),
        key_text: String::new(),
        key_ends: vec![0],
        val_text: String::new(),
        val_ends: vec![0],
    };
    if kind == SessionType::Commands {
        return Ok(ev);
    }
    ev.row_ends.reserve(n + 1);
    ev.row_ends.push(0);
    let with_values = spec.with_values;
    match &spec.params {
        ParamsSource::None => {}
        ParamsSource::NameValueList(c) | ParamsSource::JsonObject(c) => {
            let text = to_utf8(col(c)?)?;
            let text = text.as_string::<i32>();
            let list = matches!(spec.params, ParamsSource::NameValueList(_));
            let mut pairs = Vec::new();
            for i in 0..n {
                pairs.clear();
                if text.is_valid(i) && !check.is_bad(i) {
                    let cell = text.value(i);
                    let r = if list {
                        parse_name_value_list(cell, with_values, &mut pairs)
                    } else {
                        parse_json_object(cell, with_values, &mut pairs)
                    };
                    if let Err(reason) = r {
                        pairs.clear();
                        check.reject(first_row + i, c, cell, &reason)?;
                    }
                }
                ev.push_row(&mut pairs);
            }
        }
        ParamsSource::Columns(cs) => {
            let cols: Vec<ArrayRef> = cs.iter().map(|c| col(c).and_then(to_utf8)).collect::<Result<_, _>>()?;
            let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::new();
            for i in 0..n {
                pairs.clear();
                for (name, a) in cs.iter().zip(&cols) {
                    let a = a.as_string::<i32>();
                    if a.is_valid(i) {
                        let v = a.value(i);
                        pairs.push(if with_values {
                            (Cow::Borrowed(name.as_str()), Cow::Borrowed(v))
                        } else {
                            (Cow::Borrowed(v), Cow::Borrowed(""))
                        });
                    }
                }
                ev.push_row(&mut pairs);
            }
        }
    }
    Ok(ev)
}
