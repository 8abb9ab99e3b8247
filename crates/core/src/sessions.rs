//! `Sessions`: a validated, column-wise, interned data set, and its builder.

use std::fmt;

use crate::{is_reserved_token, Cmd, Error, Interner, Params};

/// The type of every event of a data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionType {
    /// Events are bare command names.
    Commands,
    /// Events are a command name plus a set of parameter names.
    Params,
    /// Events are a command name plus a map parameter → value.
    Values,
}

impl SessionType {
    /// msticpy's name of the type (`cmds_only`, `cmds_params_only`, `cmds_params_values`).
    pub fn msticpy_name(self) -> &'static str {
        match self {
            SessionType::Commands => "cmds_only",
            SessionType::Params => "cmds_params_only",
            SessionType::Values => "cmds_params_values",
        }
    }

    /// Do events of this type carry parameters?
    pub fn has_params(self) -> bool {
        self != SessionType::Commands
    }
}

impl fmt::Display for SessionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SessionType::Commands => "commands",
            SessionType::Params => "commands+params",
            SessionType::Values => "commands+params+values",
        })
    }
}

/// A validated data set of sessions, stored column-wise with interned strings.
///
/// Build one with [`Sessions::from_cmds`] or, without allocating a [`Cmd`] per
/// event, with a [`SessionsBuilder`]. The data set is never empty, no session
/// is empty, and all events share one [`SessionType`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sessions {
    kind: SessionType,
    names: Interner,
    params: Interner,
    values: Interner,
    /// Session `i` holds events `offsets[i]..offsets[i + 1]`.
    offsets: Vec<usize>,
    /// Command name id of each event.
    cmds: Vec<u32>,
    /// Event `e` holds parameters `param_offsets[e]..param_offsets[e + 1]` (params types only).
    param_offsets: Vec<usize>,
    param_ids: Vec<u32>,
    /// Parallel to `param_ids` (values type only).
    value_ids: Vec<u32>,
}

/// A borrowed view of one event of a [`Sessions`].
#[derive(Debug, Clone, Copy)]
pub struct EventRef<'a> {
    /// Id of the command name in [`Sessions::names`].
    pub name: u32,
    /// Ids of the parameter names in [`Sessions::params`].
    pub params: &'a [u32],
    /// Ids of the values in [`Sessions::values`], parallel to `params` (values type; empty otherwise).
    pub values: &'a [u32],
}

impl Sessions {
    /// Validate and intern a data set given as lists of [`Cmd`]s.
    pub fn from_cmds<S, E>(sessions: S) -> Result<Self, Error>
    where
        S: IntoIterator<Item = E>,
        E: IntoIterator,
        E::Item: std::borrow::Borrow<Cmd>,
    {
        use std::borrow::Borrow;
        let mut b = SessionsBuilder::new();
        for session in sessions {
            for cmd in session {
                b.push_cmd(cmd.borrow())?;
            }
            b.end_session()?;
        }
        b.finish()
    }

    /// A commands data set from pre-interned columns, without hashing a name per
    /// event: `names` are distinct command names, `cmds[e]` is event `e`'s index
    /// into `names`, and session `i` holds events `offsets[i]..offsets[i + 1]`.
    ///
    /// Validated like a builder's data set (no empty session, no reserved name).
    /// Ids are renumbered in first-seen order and unused names dropped, so the
    /// result equals what [`SessionsBuilder::push_name`] builds from the same events.
    ///
    /// ```
    /// use anomseq_core::{Sessions, Cmd};
    /// let s = Sessions::from_cmd_ids(&["b", "a", "unused"], &[1, 0, 1], vec![0, 2, 3])?;
    /// assert_eq!(s, Sessions::from_cmds([vec![Cmd::from("a"), Cmd::from("b")], vec![Cmd::from("a")]])?);
    /// assert!(Sessions::from_cmd_ids(&["a"], &[0, 0], vec![0, 0, 2]).is_err()); // empty session
    /// # Ok::<(), anomseq_core::Error>(())
    /// ```
    pub fn from_cmd_ids<S: AsRef<str>>(names: &[S], cmds: &[u32], offsets: Vec<usize>) -> Result<Self, Error> {
        if offsets.len() < 2 {
            return Err(Error::NoSessions);
        }
        if offsets[0] != 0 || offsets[offsets.len() - 1] != cmds.len() {
            return Err(Error::BadParts(format!(
                "offsets run from {} to {}, not from 0 to the {} events",
                offsets[0],
                offsets[offsets.len() - 1],
                cmds.len()
            )));
        }
        if cmds.len() > u32::MAX as usize {
            return Err(Error::TooLarge { what: "events", count: cmds.len() });
        }
        for (index, w) in offsets.windows(2).enumerate() {
            if w[1] == w[0] {
                return Err(Error::EmptySession { index });
            }
            if w[1] < w[0] {
                return Err(Error::BadParts(format!("offsets decrease at session {index}: {} then {}", w[0], w[1])));
            }
        }
        const UNSEEN: u32 = u32::MAX;
        let mut remap = vec![UNSEEN; names.len()];
        let mut interner = Interner::default();
        let mut out = Vec::with_capacity(cmds.len());
        for (e, &id) in cmds.iter().enumerate() {
            let Some(slot) = remap.get_mut(id as usize) else {
                return Err(Error::BadParts(format!("event {e} has command id {id}, past the {} names", names.len())));
            };
            if *slot == UNSEEN {
                let name = names[id as usize].as_ref();
                if is_reserved_token(name) {
                    let session = offsets.partition_point(|&o| o <= e) - 1;
                    return Err(Error::ReservedToken { session, event: e - offsets[session], name: name.to_owned() });
                }
                *slot = interner.intern(name);
            }
            out.push(*slot);
        }
        Ok(Sessions {
            kind: SessionType::Commands,
            names: interner,
            params: Interner::default(),
            values: Interner::default(),
            offsets,
            cmds: out,
            param_offsets: Vec::new(),
            param_ids: Vec::new(),
            value_ids: Vec::new(),
        })
    }

    /// The type of every event.
    pub fn session_type(&self) -> SessionType {
        self.kind
    }

    /// Number of sessions (never 0, except in a lenient data set).
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True only for an empty lenient data set ([`SessionsBuilder::new_lenient`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total number of events.
    pub fn n_events(&self) -> usize {
        self.cmds.len()
    }

    /// Number of events of session `i`.
    pub fn session_len(&self, i: usize) -> usize {
        self.offsets[i + 1] - self.offsets[i]
    }

    /// The global event range of session `i`.
    pub fn session_range(&self, i: usize) -> std::ops::Range<usize> {
        self.offsets[i]..self.offsets[i + 1]
    }

    /// The command name ids of session `i`.
    pub fn session_cmds(&self, i: usize) -> &[u32] {
        &self.cmds[self.session_range(i)]
    }

    /// The command name ids of every event, sessions back to back.
    pub fn all_cmds(&self) -> &[u32] {
        &self.cmds
    }

    /// The raw parameter columns: event `e` holds `param_ids[offsets[e]..offsets[e + 1]]`
    /// (and, in the values type, the parallel `value_ids`). Empty for the commands type.
    pub fn param_columns(&self) -> (&[usize], &[u32], &[u32]) {
        (&self.param_offsets, &self.param_ids, &self.value_ids)
    }

    /// Event number `e` of the whole data set (sessions back to back).
    pub fn event(&self, e: usize) -> EventRef<'_> {
        let (params, values): (&[u32], &[u32]) = match self.kind {
            SessionType::Commands => (&[], &[]),
            SessionType::Params => (&self.param_ids[self.param_offsets[e]..self.param_offsets[e + 1]], &[]),
            SessionType::Values => {
                let r = self.param_offsets[e]..self.param_offsets[e + 1];
                (&self.param_ids[r.clone()], &self.value_ids[r])
            }
        };
        EventRef { name: self.cmds[e], params, values }
    }

    /// The interned command names.
    pub fn names(&self) -> &Interner {
        &self.names
    }

    /// The interned parameter names.
    pub fn params(&self) -> &Interner {
        &self.params
    }

    /// The interned values.
    pub fn values(&self) -> &Interner {
        &self.values
    }

    /// Decode event `e` (global index) back into a [`Cmd`].
    pub fn event_cmd(&self, e: usize) -> Cmd {
        let ev = self.event(e);
        let name = self.names.resolve(ev.name).to_owned();
        match self.kind {
            SessionType::Commands => Cmd::new(name),
            SessionType::Params => Cmd {
                name,
                params: Params::Set(ev.params.iter().map(|&p| self.params.resolve(p).to_owned()).collect()),
            },
            SessionType::Values => Cmd {
                name,
                params: Params::Map(
                    ev.params
                        .iter()
                        .zip(ev.values)
                        .map(|(&p, &v)| (self.params.resolve(p).to_owned(), self.values.resolve(v).to_owned()))
                        .collect(),
                ),
            },
        }
    }

    /// Decode session `i` back into [`Cmd`]s.
    pub fn to_cmds(&self, i: usize) -> Vec<Cmd> {
        self.session_range(i).map(|e| self.event_cmd(e)).collect()
    }

    /// Decode events `range` of session `i` back into [`Cmd`]s (clamped to the session).
    pub fn slice_cmds(&self, i: usize, range: std::ops::Range<usize>) -> Vec<Cmd> {
        let r = self.session_range(i);
        let start = (r.start + range.start).min(r.end);
        let end = (r.start + range.end).min(r.end);
        (start..end).map(|e| self.event_cmd(e)).collect()
    }
}

/// Builds a [`Sessions`] event by event, validating as it goes.
///
/// An event with an empty parameter set or map fits both the params and the
/// values type; the type of the data set is decided by the first event that
/// has parameters (or, failing that, by the first event's own form).
///
/// ```
/// use anomseq_core::{SessionsBuilder, SessionType};
/// let mut b = SessionsBuilder::new();
/// b.push_values("Set-User", [("Identity", "x"), ("Force", "true")])?;
/// b.push_values("Set-Mailbox", [("Identity", "y")])?;
/// b.end_session()?;
/// let s = b.finish()?;
/// assert_eq!(s.session_type(), SessionType::Values);
/// # Ok::<(), anomseq_core::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct SessionsBuilder {
    lenient: bool,
    kind: Option<SessionType>,
    tentative: Option<SessionType>,
    names: Interner,
    params: Interner,
    values: Interner,
    offsets: Vec<usize>,
    cmds: Vec<u32>,
    param_offsets: Vec<usize>,
    param_ids: Vec<u32>,
    value_ids: Vec<u32>,
}

impl SessionsBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        SessionsBuilder { offsets: vec![0], param_offsets: vec![0], ..Default::default() }
    }

    /// A builder that accepts empty sessions and an empty data set, as msticpy's
    /// low-level helpers (`compute_counts`) do; `kind` is the type of a data set
    /// without events. Everything else is validated as usual.
    pub fn new_lenient(kind: SessionType) -> Self {
        SessionsBuilder { lenient: true, tentative: Some(kind), ..Self::new() }
    }

    fn position(&self) -> (usize, usize) {
        let session = self.offsets.len() - 1;
        let event = self.cmds.len() - self.offsets[session];
        (session, event)
    }

    fn check(&mut self, name: &str, found: SessionType, has_params: bool) -> Result<(), Error> {
        let (session, event) = self.position();
        if is_reserved_token(name) {
            return Err(Error::ReservedToken { session, event, name: name.to_owned() });
        }
        if self.tentative.is_none() || (self.lenient && self.cmds.is_empty() && self.kind.is_none()) {
            self.tentative = Some(found);
        }
        let compatible = |kind: SessionType| match (kind, found) {
            (a, b) if a == b => true,
            (SessionType::Params, SessionType::Values) | (SessionType::Values, SessionType::Params) => !has_params,
            _ => false,
        };
        match self.kind {
            Some(kind) if !compatible(kind) => {
                Err(Error::MixedTypes { session, event, name: name.to_owned(), expected: kind, found })
            }
            Some(_) => Ok(()),
            None => {
                let tentative = self.tentative.expect("set above");
                if (tentative == SessionType::Commands) != (found == SessionType::Commands) {
                    return Err(Error::MixedTypes {
                        session,
                        event,
                        name: name.to_owned(),
                        expected: tentative,
                        found,
                    });
                }
                if found == SessionType::Commands || has_params {
                    self.kind = Some(found);
                }
                Ok(())
            }
        }
    }

    fn push_name_id(&mut self, name: &str) -> Result<(), Error> {
        let id = self.names.intern(name);
        self.cmds.push(id);
        if self.cmds.len() > u32::MAX as usize {
            return Err(Error::TooLarge { what: "events", count: self.cmds.len() });
        }
        Ok(())
    }

    /// Add a bare command to the current session.
    pub fn push_name(&mut self, name: &str) -> Result<(), Error> {
        self.check(name, SessionType::Commands, false)?;
        self.push_name_id(name)
    }

    /// Add a command with a set of parameter names to the current session
    /// (a repeated name keeps its first place).
    pub fn push_params<'a, I>(&mut self, name: &str, params: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let start = self.param_ids.len();
        for p in params {
            let id = self.params.intern(p);
            if !self.param_ids[start..].contains(&id) {
                self.param_ids.push(id);
            }
        }
        let has = self.param_ids.len() > start;
        if let Err(e) = self.check(name, SessionType::Params, has) {
            self.param_ids.truncate(start);
            return Err(e);
        }
        self.param_offsets.push(self.param_ids.len());
        self.push_name_id(name)
    }

    /// Add a command with parameters and values to the current session (a repeated
    /// name keeps its first place and its last value, like a Python dict).
    pub fn push_values<'a, I>(&mut self, name: &str, params: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let start = self.param_ids.len();
        for (p, v) in params {
            let pid = self.params.intern(p);
            let vid = self.values.intern(v);
            match self.param_ids[start..].iter().position(|&x| x == pid) {
                Some(at) => self.value_ids[start + at] = vid,
                None => {
                    self.param_ids.push(pid);
                    self.value_ids.push(vid);
                }
            }
        }
        let has = self.param_ids.len() > start;
        if let Err(e) = self.check(name, SessionType::Values, has) {
            self.param_ids.truncate(start);
            self.value_ids.truncate(start);
            return Err(e);
        }
        self.param_offsets.push(self.param_ids.len());
        self.push_name_id(name)
    }

    /// Add a [`Cmd`] to the current session.
    pub fn push_cmd(&mut self, cmd: &Cmd) -> Result<(), Error> {
        match &cmd.params {
            Params::None => self.push_name(&cmd.name),
            Params::Set(s) => self.push_params(&cmd.name, s.iter().map(String::as_str)),
            Params::Map(m) => self.push_values(&cmd.name, m.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        }
    }

    /// Number of events in the current (open) session.
    pub fn open_len(&self) -> usize {
        self.cmds.len() - self.offsets[self.offsets.len() - 1]
    }

    /// Close the current session; an empty session is an error.
    pub fn end_session(&mut self) -> Result<(), Error> {
        if self.open_len() == 0 && !self.lenient {
            return Err(Error::EmptySession { index: self.offsets.len() - 1 });
        }
        self.offsets.push(self.cmds.len());
        Ok(())
    }

    /// Number of closed sessions so far.
    pub fn n_sessions(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Finish the data set (an open, non-empty session is closed first).
    pub fn finish(mut self) -> Result<Sessions, Error> {
        if self.open_len() > 0 {
            self.end_session()?;
        }
        if self.n_sessions() == 0 && !self.lenient {
            return Err(Error::NoSessions);
        }
        let kind = self.kind.or(self.tentative).expect("at least one event");
        if kind == SessionType::Commands {
            self.param_offsets.clear();
        }
        if kind != SessionType::Values {
            self.value_ids.clear();
            self.values = Interner::default();
        }
        Ok(Sessions {
            kind,
            names: self.names,
            params: self.params,
            values: self.values,
            offsets: self.offsets,
            cmds: self.cmds,
            param_offsets: self.param_offsets,
            param_ids: self.param_ids,
            value_ids: self.value_ids,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<SessionType, &str>) {
        let sessions: Vec<Vec<Cmd>> = serde_json::from_str(input).unwrap();
        let got = Sessions::from_cmds(&sessions);
        match (got, expected) {
            (Ok(s), Ok(kind)) => {
                assert_eq!(s.session_type(), kind);
                // empty parameters take the data set's form
                let norm = |c: &Cmd| match &c.params {
                    Params::Map(m) if m.is_empty() => Cmd::with_params(c.name.clone(), Vec::<String>::new()),
                    _ => c.clone(),
                };
                let back: Vec<Vec<Cmd>> = (0..s.len()).map(|i| s.to_cmds(i).iter().map(norm).collect()).collect();
                let want: Vec<Vec<Cmd>> = sessions.iter().map(|s| s.iter().map(norm).collect()).collect();
                assert_eq!(back, want);
            }
            (Err(e), Err(msg)) => assert_eq!(e.to_string(), msg),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn validation() {
        check(r#"[["a","b"],["c"]]"#, Ok(SessionType::Commands));
        check(r#"[[{"name":"a","params":["x"]}],[{"name":"b","params":{}}]]"#, Ok(SessionType::Params));
        check(r#"[[{"name":"a","params":{}}],[{"name":"b","params":{"x":"1"}}]]"#, Ok(SessionType::Values));
        check(r#"[[{"name":"a","params":{}}]]"#, Ok(SessionType::Values));
        check("[]", Err("the data set holds no sessions"));
        check(r#"[["a"],[]]"#, Err("session 1 is empty: each session needs at least one event"));
        check(
            r#"[["a"],["b",{"name":"c","params":["x"]}]]"#,
            Err("session 1, event 1 (`c`) is of type commands+params but the data set is of type commands"),
        );
        check(
            r#"[[{"name":"a","params":["x"]}],[{"name":"c","params":{"x":"1"}}]]"#,
            Err("session 1, event 0 (`c`) is of type commands+params+values but the data set is of type commands+params"),
        );
        check(r###"[["a","##END##"]]"###, Err("session 0, event 1: command name `##END##` is a reserved token"));
    }
}
