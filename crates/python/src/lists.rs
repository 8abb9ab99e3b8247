//! Sessions read straight from Python lists (msticpy's input): lists of command
//! names, or of `Cmd`s with a set or a dict of parameters, checked with msticpy's
//! messages, without a detour through JSON.

use std::borrow::Cow;
use std::collections::HashMap;

use anomseq::{Sessions, SessionsBuilder};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PySet, PyString};

use crate::err;

/// msticpy's message for an event that is neither a name nor a `Cmd`.
const NOT_AN_EVENT: &str = "Each element of 'sessions' should be a list of either strings, or Cmd data types";

/// The kind of session the first event says the data set is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Names,
    Params,
    Values,
}

/// `sessions` (a list of non-empty lists of events) as [`Sessions`]. The first
/// event decides the kind, as in msticpy: a `str` for command names, or an object
/// with `name` and `params` (a set: parameter names; a dict: names and values).
pub(crate) fn sessions_from_lists(sessions: &Bound<'_, PyAny>) -> PyResult<Sessions> {
    let list = sessions.cast::<PyList>().map_err(|_| err("`sessions` should be a list"))?;
    if list.is_empty() {
        return Err(err("`sessions` should not be an empty list"));
    }
    let mut lists = Vec::with_capacity(list.len());
    for (i, ses) in list.iter().enumerate() {
        let ses = ses.cast_into::<PyList>().map_err(|_| err("each session in `sessions` should be a list"))?;
        if ses.is_empty() {
            return Err(err(format!(
                "session at index {i} of `sessions` is empty. Each session should contain at least one command"
            )));
        }
        lists.push(ses);
    }
    let first = lists[0].get_item(0)?;
    let kind = if first.is_instance_of::<PyString>() {
        Kind::Names
    } else if let (Ok(_), Ok(params)) =
        (first.getattr(intern!(first.py(), "name")), first.getattr(intern!(first.py(), "params")))
    {
        if params.is_instance_of::<PySet>() {
            Kind::Params
        } else if params.is_instance_of::<PyDict>() {
            Kind::Values
        } else {
            return Err(err("Params attribute of Cmd data structure should be either a set or a dict"));
        }
    } else {
        return Err(err(NOT_AN_EVENT));
    };
    match kind {
        Kind::Names => names(&lists),
        _ => cmds(&lists, kind),
    }
}

/// Where an event that does not fit sits.
fn misfit(session: usize, event: usize, item: &Bound<'_, PyAny>, wanted: &str) -> PyErr {
    let found = item.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    err(format!("{NOT_AN_EVENT}: session {session}, event {event} has type {found}, where the first event is {wanted}"))
}

/// Where a `Cmd` whose params are not of the first event's kind sits.
fn params_misfit(session: usize, event: usize, params: &Bound<'_, PyAny>, wanted: &str) -> PyErr {
    let found = params.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    err(format!(
        "Params attribute of Cmd data structure should be either a set or a dict, the same for every event: \
         session {session}, event {event} has params of type {found}, where the first event has {wanted}"
    ))
}

/// Sessions of command names (a name that is not a `str`, such as pandas' NaN for a
/// missing one, is read by its `str()`). Each string object is read once (the lists of a
/// DataFrame often share their string objects, so most events are one look-up of a
/// pointer), each distinct text is copied once.
fn names(lists: &[Bound<'_, PyList>]) -> PyResult<Sessions> {
    let mut by_object: HashMap<usize, u32, ahash::RandomState> = HashMap::default();
    let mut by_text: HashMap<String, u32, ahash::RandomState> = HashMap::default();
    let mut texts: Vec<String> = Vec::new();
    let mut cmds: Vec<u32> = Vec::new();
    let mut offsets = Vec::with_capacity(lists.len() + 1);
    offsets.push(0);
    // when the objects are not shared (every event its own string), the pointers
    // only cost: after a sample, read every event by its text
    let (mut hits, mut misses, mut by_pointer) = (0usize, 0usize, true);
    for (s, ses) in lists.iter().enumerate() {
        cmds.reserve(ses.len());
        for (e, item) in ses.iter().enumerate() {
            let ptr = item.as_ptr() as usize;
            if by_pointer {
                if let Some(&id) = by_object.get(&ptr) {
                    hits += 1;
                    cmds.push(id);
                    continue;
                }
                misses += 1;
                if misses > 4096 && misses > hits {
                    by_pointer = false;
                    by_object = HashMap::default();
                }
            }
            if !item.is_instance_of::<PyString>() && item.hasattr(intern!(item.py(), "params")).unwrap_or(false) {
                return Err(misfit(s, e, &item, "a str"));
            }
            let text = text(&item).map_err(|e2| unreadable(s, e, e2))?;
            let id = match by_text.get(text.as_ref()) {
                Some(&id) => id,
                None => {
                    let id = texts.len() as u32;
                    by_text.insert(text.clone().into_owned(), id);
                    texts.push(text.into_owned());
                    id
                }
            };
            if by_pointer {
                // the list holds the object for as long as this map lives
                by_object.insert(ptr, id);
            }
            cmds.push(id);
        }
        offsets.push(cmds.len());
    }
    Sessions::from_cmd_ids(&texts, &cmds, offsets).map_err(err)
}

/// Text that cannot be read (a lone surrogate has no UTF-8), and where it is.
fn unreadable(session: usize, event: usize, e: PyErr) -> PyErr {
    err(format!("session {session}, event {event}: the text cannot be read as UTF-8 ({e})"))
}

/// `item` as text: a `str` as it is, anything else (a NaN event name, an integer
/// value) by `str()`.
fn text<'a>(item: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, str>> {
    match item.cast::<PyString>() {
        Ok(s) => Ok(Cow::Borrowed(s.to_str()?)),
        Err(_) => Ok(Cow::Owned(item.str()?.to_str()?.to_owned())),
    }
}

/// A parameter's value as text: as [`text`], `None` as the empty string.
fn value<'a>(item: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, str>> {
    if item.is_none() {
        return Ok(Cow::Borrowed(""));
    }
    text(item)
}

/// Sessions of `Cmd`s with a set (`Kind::Params`) or a dict (`Kind::Values`) of parameters.
fn cmds(lists: &[Bound<'_, PyList>], kind: Kind) -> PyResult<Sessions> {
    let mut b = SessionsBuilder::new();
    let mut items: Vec<Bound<'_, PyAny>> = Vec::new();
    let mut values: Vec<Bound<'_, PyAny>> = Vec::new();
    for (s, ses) in lists.iter().enumerate() {
        for (e, item) in ses.iter().enumerate() {
            let py = item.py();
            let (Ok(name), Ok(params)) = (item.getattr(intern!(py, "name")), item.getattr(intern!(py, "params")))
            else {
                return Err(misfit(s, e, &item, "a Cmd"));
            };
            let name = text(&name).map_err(|e2| unreadable(s, e, e2))?;
            items.clear();
            values.clear();
            let pushed = match kind {
                Kind::Params => {
                    let set = params.cast::<PySet>().map_err(|_| params_misfit(s, e, &params, "a set"))?;
                    items.extend(set.iter());
                    let texts: Vec<Cow<'_, str>> =
                        items.iter().map(text).collect::<PyResult<_>>().map_err(|e2| unreadable(s, e, e2))?;
                    b.push_params(&name, texts.iter().map(|t| t.as_ref()))
                }
                _ => {
                    let dict = params.cast::<PyDict>().map_err(|_| params_misfit(s, e, &params, "a dict"))?;
                    for (k, v) in dict.iter() {
                        items.push(k);
                        values.push(v);
                    }
                    let keys: Vec<Cow<'_, str>> =
                        items.iter().map(text).collect::<PyResult<_>>().map_err(|e2| unreadable(s, e, e2))?;
                    let vals: Vec<Cow<'_, str>> =
                        values.iter().map(value).collect::<PyResult<_>>().map_err(|e2| unreadable(s, e, e2))?;
                    b.push_values(&name, keys.iter().zip(&vals).map(|(k, v)| (k.as_ref(), v.as_ref())))
                }
            };
            pushed.map_err(err)?;
        }
        b.end_session().map_err(err)?;
    }
    b.finish().map_err(err)
}
