//! Core types of anomseq: commands ([`Cmd`]), their parameters ([`Params`]) and
//! validated, interned data sets of sessions ([`Sessions`]).
//!
//! A *session* is an ordered, non-empty list of events. An event is one of
//! three [`SessionType`]s, and a whole data set has one type:
//!
//! | type | an event is |
//! |---|---|
//! | [`SessionType::Commands`] | a command name |
//! | [`SessionType::Params`] | a name plus a **set** of parameter names |
//! | [`SessionType::Values`] | a name plus a **map** parameter → value |
//!
//! [`Sessions`] stores a data set column-wise: every string is interned to a
//! `u32` id ([`Interner`]) and events live in flat arrays, so the model and
//! scoring layers work on integers only. It is validated on entry
//! ([`Error`] names the offending session and event).
//!
//! ```
//! use anomseq_core::{Cmd, Sessions, SessionType};
//!
//! let sessions = Sessions::from_cmds(vec![
//!     vec![Cmd::with_params("Set-User", ["Identity", "Force"]), Cmd::with_params("Set-Mailbox", ["Identity"])],
//!     vec![Cmd::with_params("Set-User", ["Identity"])],
//! ])?;
//! assert_eq!(sessions.session_type(), SessionType::Params);
//! assert_eq!(sessions.len(), 2);
//! assert_eq!(sessions.session_len(0), 2);
//! assert_eq!(sessions.to_cmds(1), vec![Cmd::with_params("Set-User", ["Identity"])]);
//! # Ok::<(), anomseq_core::Error>(())
//! ```
#![deny(missing_docs)]

mod cmd;
mod columns;
mod error;
mod interner;
mod sessions;

pub use cmd::{Cmd, Params};
pub use columns::{
    column_kind, rarest_window, rarest_window_factors, rarest_window_likelihood, rarest_window_log_likelihood,
    window_of, ColumnKind, Direction, NGRAM_SCORE, NGRAM_SURPRISE, NOVELTY_DISTANCE, NOVELTY_PARAMS, NOVELTY_SCORE,
    NOVELTY_SURPRISE, PROFILE_DISTANCE, PROFILE_SCORE, PROFILE_SURPRISE, SESSION_GEOMEAN_LIKELIHOOD, SESSION_LENGTH,
    SESSION_LIKELIHOOD, SESSION_LOG_LIKELIHOOD, UNSEEN,
};
pub use error::Error;
pub use interner::Interner;
pub use sessions::{EventRef, SessionType, Sessions, SessionsBuilder};

/// The token that stands for the start of a session (`##START##`).
pub const START_TOKEN: &str = "##START##";
/// The token that stands for the end of a session (`##END##`).
pub const END_TOKEN: &str = "##END##";
/// The token that stands for anything unseen in training (`##UNK##`).
pub const UNK_TOKEN: &str = "##UNK##";

/// Is `name` one of the three reserved tokens?
pub fn is_reserved_token(name: &str) -> bool {
    name == START_TOKEN || name == END_TOKEN || name == UNK_TOKEN
}

/// Text from the data made safe to print on a terminal: control characters
/// (which could move the cursor, retitle the window or hide text: `ESC[31m`,
/// `ESC]0;…BEL`) and the bidirectional overrides (which reorder what is shown) as
/// `\u{1b}`-style escapes; everything else as it is.
///
/// ```
/// use anomseq_core::printable;
/// assert_eq!(printable("Set-User"), "Set-User");
/// assert_eq!(printable("\u{1b}[31mred\u{7}"), "\\u{1b}[31mred\\u{7}");
/// assert_eq!(printable("a\u{202e}b"), "a\\u{202e}b");
/// ```
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `text` cut into lines of at most `width` characters (at least 1): after a
/// space where possible, inside a word where it must be; nothing is dropped but
/// the spaces at the breaks.
///
/// ```
/// assert_eq!(anomseq_core::wrap("Set-User Set-Mailbox New-InboxRule", 20), ["Set-User Set-Mailbox", "New-InboxRule"]);
/// assert_eq!(anomseq_core::wrap("abcdef", 4), ["abcd", "ef"]);
/// ```
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_inclusive(' ') {
        let mut w = word;
        loop {
            let n = w.chars().count();
            if len + n <= width || (len + w.trim_end().chars().count() <= width && !w.trim_end().is_empty()) {
                line.push_str(w);
                len += n;
                break;
            }
            if len > 0 {
                lines.push(std::mem::take(&mut line).trim_end().to_owned());
                len = 0;
                continue;
            }
            // a word longer than the line: cut it
            let at = w.char_indices().nth(width).map_or(w.len(), |(i, _)| i);
            lines.push(w[..at].to_owned());
            w = &w[at..];
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}
