//! What happens to a bad row: fail with its error, or skip it and collect it.

use crate::error::quote;
use crate::{BadRow, Error};

/// What to do with a row whose time, event name or params cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnBadRow {
    /// Stop with an error naming the row, column and value (the default).
    #[default]
    Fail,
    /// Leave the row out and report it in the output's `bad_rows`.
    Skip,
}

/// Collects bad rows, or turns the first one into an error.
#[derive(Debug)]
pub(crate) struct RowCheck {
    policy: OnBadRow,
    /// First row number (0-based, global) covered by `is_bad`.
    base: usize,
    is_bad: Vec<bool>,
    pub(crate) bad: Vec<BadRow>,
}

impl RowCheck {
    pub(crate) fn new(policy: OnBadRow, base: usize, n: usize) -> Self {
        RowCheck { policy, base, is_bad: vec![false; n], bad: Vec::new() }
    }

    /// Start a new window of `n` rows from global row `base` (keeps the collected bad rows).
    pub(crate) fn reset(&mut self, base: usize, n: usize) {
        self.base = base;
        self.is_bad.clear();
        self.is_bad.resize(n, false);
    }

    /// Report row `row` (0-based, global) as bad.
    pub(crate) fn reject(&mut self, row: usize, column: &str, value: &str, reason: &str) -> Result<(), Error> {
        let bad = BadRow {
            row: row + 1,
            line: None,
            column: column.to_owned(),
            value: quote(value),
            reason: reason.to_owned(),
        };
        match self.policy {
            OnBadRow::Fail => Err(bad.to_error()),
            OnBadRow::Skip => {
                if let Some(flag) = self.is_bad.get_mut(row - self.base) {
                    if !*flag {
                        *flag = true;
                        self.bad.push(bad);
                    }
                }
                Ok(())
            }
        }
    }

    /// Is local row `i` (relative to the window) bad?
    pub(crate) fn is_bad(&self, i: usize) -> bool {
        self.is_bad[i]
    }

    pub(crate) fn any_bad(&self) -> bool {
        !self.bad.is_empty()
    }
}
