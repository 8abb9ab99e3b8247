//! The error type of anomseq-core.

use crate::SessionType;

/// Everything that can be wrong with a data set of sessions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The data set holds no session at all.
    #[error("the data set holds no sessions")]
    NoSessions,
    /// A session holds no event.
    #[error("session {index} is empty: each session needs at least one event")]
    EmptySession {
        /// Index of the empty session.
        index: usize,
    },
    /// An event's type differs from the data set's type.
    #[error("session {session}, event {event} (`{name}`) is of type {found} but the data set is of type {expected}")]
    MixedTypes {
        /// Index of the offending session.
        session: usize,
        /// Index of the offending event within its session.
        event: usize,
        /// The event's command name.
        name: String,
        /// The data set's type.
        expected: SessionType,
        /// The offending event's type.
        found: SessionType,
    },
    /// A command name equals one of the reserved tokens.
    #[error("session {session}, event {event}: command name `{name}` is a reserved token")]
    ReservedToken {
        /// Index of the offending session.
        session: usize,
        /// Index of the offending event within its session.
        event: usize,
        /// The reserved name.
        name: String,
    },
    /// Pre-interned parts ([`Sessions::from_cmd_ids`](crate::Sessions::from_cmd_ids)) that do not fit together.
    #[error("inconsistent sessions parts: {0}")]
    BadParts(String),
    /// More strings, events or parameters than 32-bit ids can address.
    #[error("too many {what} for 32-bit ids: {count}")]
    TooLarge {
        /// What overflowed.
        what: &'static str,
        /// How many there were.
        count: usize,
    },
}
