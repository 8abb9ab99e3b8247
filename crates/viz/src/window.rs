//! Turning a window cell (commands, events or JSON text) into display text.

use anomseq_core::{Cmd, Params};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, GenericListArray, OffsetSizeTrait, StructArray};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{ArrowError, DataType};

/// Separates the events of a window in display text.
pub const EVENT_SEPARATOR: &str = " → ";

/// Display text of a command: `name`, `name(a, b)` or `name(a=x, b=y)`.
///
/// ```
/// use anomseq_core::Cmd;
/// assert_eq!(anomseq_viz::cmd_text(&Cmd::with_values("Set-User", [("Identity", "bob")])), "Set-User(Identity=bob)");
/// ```
pub fn cmd_text(cmd: &Cmd) -> String {
    match &cmd.params {
        Params::None => cmd.name.clone(),
        Params::Set(names) => format!("{}({})", cmd.name, names.join(", ")),
        Params::Map(pairs) => {
            let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{}({})", cmd.name, inner.join(", "))
        }
    }
}

/// Display text of a window given as JSON text in the encoding of [`Cmd`]'s serde
/// (a list of events, each a string or `{"name": .., "params": [..] | {..}}`, or
/// one event). Text that is not such JSON is returned as it is.
///
/// ```
/// let json = r#"["Set-User", {"name": "Set-Mailbox", "params": {"Identity": "bob"}}]"#;
/// assert_eq!(anomseq_viz::json_window_text(json), "Set-User → Set-Mailbox(Identity=bob)");
/// assert_eq!(anomseq_viz::json_window_text("not json"), "not json");
/// ```
pub fn json_window_text(text: &str) -> String {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        if let Ok(cmds) = serde_json::from_str::<Vec<Cmd>>(text) {
            return cmds.iter().map(cmd_text).collect::<Vec<_>>().join(EVENT_SEPARATOR);
        }
    } else if trimmed.starts_with('{') {
        if let Ok(cmd) = serde_json::from_str::<Cmd>(text) {
            return cmd_text(&cmd);
        }
    }
    text.to_owned()
}

/// Display text of every cell of a window column: a list of strings (commands),
/// a list of structs (events: `name(param=value, ...)`), a string holding JSON
/// text of the window, or anything else Arrow can display. Nulls give `""`.
pub fn window_texts(array: &dyn Array) -> Result<Vec<String>, ArrowError> {
    let n = array.len();
    match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let fmt = Formatter::new(array)?;
            Ok((0..n).map(|i| if array.is_null(i) { String::new() } else { json_window_text(&fmt.text(i)) }).collect())
        }
        DataType::List(_) => list_texts(array.as_list::<i32>()),
        DataType::LargeList(_) => list_texts(array.as_list::<i64>()),
        _ => {
            let fmt = Formatter::new(array)?;
            Ok((0..n).map(|i| if array.is_null(i) { String::new() } else { fmt.text(i) }).collect())
        }
    }
}

fn list_texts<O: OffsetSizeTrait>(list: &GenericListArray<O>) -> Result<Vec<String>, ArrowError> {
    let events = Events::new(list.values())?;
    let offsets = list.value_offsets();
    Ok((0..list.len())
        .map(|i| {
            if list.is_null(i) {
                return String::new();
            }
            let (start, end) = (offsets[i].as_usize(), offsets[i + 1].as_usize());
            (start..end).map(|e| events.text(e)).collect::<Vec<_>>().join(EVENT_SEPARATOR)
        })
        .collect())
}

/// Null-as-empty display of any Arrow array.
struct Formatter<'a> {
    inner: ArrayFormatter<'a>,
}

impl<'a> Formatter<'a> {
    fn new(array: &'a dyn Array) -> Result<Self, ArrowError> {
        static OPTIONS: FormatOptions<'static> = FormatOptions::new().with_null("");
        Ok(Formatter { inner: ArrayFormatter::try_new(array, &OPTIONS)? })
    }

    fn text(&self, i: usize) -> String {
        self.inner.value(i).to_string()
    }
}

/// The events of a list column: strings, structs, or anything displayable.
enum Events<'a> {
    Plain(Formatter<'a>),
    Struct(StructEvents<'a>),
}

impl<'a> Events<'a> {
    fn new(values: &'a ArrayRef) -> Result<Self, ArrowError> {
        match values.data_type() {
            DataType::Struct(_) => Ok(Events::Struct(StructEvents::new(values.as_struct())?)),
            _ => Ok(Events::Plain(Formatter::new(values.as_ref())?)),
        }
    }

    fn text(&self, e: usize) -> String {
        match self {
            Events::Plain(f) => f.text(e),
            Events::Struct(s) => s.text(e),
        }
    }
}

/// Events as structs: a name field (`name`, `cmd`, `command` or the first string
/// field) and other fields shown in brackets; a `params`/`parameters`/`values`
/// field shows its content, others show as `field=value`.
struct StructEvents<'a> {
    array: &'a StructArray,
    name: Option<(usize, Formatter<'a>)>,
    others: Vec<(String, bool, ParamsText<'a>)>,
}

impl<'a> StructEvents<'a> {
    fn new(array: &'a StructArray) -> Result<Self, ArrowError> {
        let fields = array.fields();
        let by_name = fields.iter().position(|f| matches!(f.name().as_str(), "name" | "cmd" | "command"));
        let name_idx = by_name.or_else(|| {
            fields
                .iter()
                .position(|f| matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View))
        });
        let name = match name_idx {
            Some(i) => Some((i, Formatter::new(array.column(i).as_ref())?)),
            None => None,
        };
        let mut others = Vec::new();
        for (i, field) in fields.iter().enumerate() {
            if Some(i) == name_idx {
                continue;
            }
            let is_params = matches!(field.name().as_str(), "params" | "parameters" | "values");
            others.push((field.name().clone(), is_params, ParamsText::new(array.column(i))?));
        }
        Ok(StructEvents { array, name, others })
    }

    fn text(&self, e: usize) -> String {
        if self.array.is_null(e) {
            return String::new();
        }
        let mut out = match &self.name {
            Some((i, f)) if !self.array.column(*i).is_null(e) => f.text(e),
            _ => String::new(),
        };
        let mut parts = Vec::new();
        for (field, is_params, text) in &self.others {
            if text.is_null(e) {
                continue;
            }
            let value = text.text(e);
            if *is_params {
                if !value.is_empty() {
                    parts.push(value);
                }
            } else {
                parts.push(format!("{field}={value}"));
            }
        }
        if !parts.is_empty() {
            out.push('(');
            out.push_str(&parts.join(", "));
            out.push(')');
        }
        out
    }
}

/// Parameters of an event: a list of names (`a, b`), a map or a list of
/// key/value structs (`a=x, b=y`), or anything displayable.
enum ParamsText<'a> {
    List { array: &'a dyn Array, offsets: Vec<usize>, items: Box<ParamsText<'a>> },
    Map { array: &'a dyn Array, offsets: Vec<usize>, keys: Formatter<'a>, values: Formatter<'a> },
    Pair { array: &'a StructArray, keys: Formatter<'a>, values: Formatter<'a> },
    Plain { array: &'a dyn Array, fmt: Formatter<'a> },
}

impl<'a> ParamsText<'a> {
    fn new(array: &'a ArrayRef) -> Result<Self, ArrowError> {
        Ok(match array.data_type() {
            DataType::List(_) => {
                let list = array.as_list::<i32>();
                let offsets = list.value_offsets().iter().map(|o| usize::try_from(*o).unwrap_or(0)).collect();
                ParamsText::List { array: array.as_ref(), offsets, items: Box::new(ParamsText::new(list.values())?) }
            }
            DataType::LargeList(_) => {
                let list = array.as_list::<i64>();
                let offsets = list.value_offsets().iter().map(|o| usize::try_from(*o).unwrap_or(0)).collect();
                ParamsText::List { array: array.as_ref(), offsets, items: Box::new(ParamsText::new(list.values())?) }
            }
            DataType::Map(_, _) => {
                let map = array.as_map();
                let offsets = map.value_offsets().iter().map(|o| usize::try_from(*o).unwrap_or(0)).collect();
                ParamsText::Map {
                    array: array.as_ref(),
                    offsets,
                    keys: Formatter::new(map.keys().as_ref())?,
                    values: Formatter::new(map.values().as_ref())?,
                }
            }
            DataType::Struct(fields) if fields.len() == 2 => {
                let pair = array.as_struct();
                ParamsText::Pair {
                    array: pair,
                    keys: Formatter::new(pair.column(0).as_ref())?,
                    values: Formatter::new(pair.column(1).as_ref())?,
                }
            }
            _ => ParamsText::Plain { array: array.as_ref(), fmt: Formatter::new(array.as_ref())? },
        })
    }

    fn is_null(&self, i: usize) -> bool {
        match self {
            ParamsText::List { array, .. } | ParamsText::Map { array, .. } | ParamsText::Plain { array, .. } => {
                array.is_null(i)
            }
            ParamsText::Pair { array, .. } => array.is_null(i),
        }
    }

    fn text(&self, i: usize) -> String {
        match self {
            ParamsText::List { offsets, items, .. } => {
                (offsets[i]..offsets[i + 1]).map(|j| items.text(j)).collect::<Vec<_>>().join(", ")
            }
            ParamsText::Map { offsets, keys, values, .. } => (offsets[i]..offsets[i + 1])
                .map(|j| format!("{}={}", keys.text(j), values.text(j)))
                .collect::<Vec<_>>()
                .join(", "),
            ParamsText::Pair { keys, values, .. } => format!("{}={}", keys.text(i), values.text(i)),
            ParamsText::Plain { fmt, .. } => fmt.text(i),
        }
    }
}
