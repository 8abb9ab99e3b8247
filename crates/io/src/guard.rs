//! The decoder boundary: a panic inside arrow or parquet on a malformed file becomes an error.

use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;

use crate::read::Batches;
use crate::Error;

/// Keep a panic that [`open`](crate::open)'s decoder boundary turns into an error from also
/// printing Rust's panic message: every other panic goes to the hook that was
/// installed before (the default one prints it). Call once, early, in a program
/// that reads untrusted files (the `anomseq` command line does).
///
/// ```
/// anomseq_io::quiet_decoder_panics();
/// ```
pub fn quiet_decoder_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_DECODER.with(std::cell::Cell::get) {
                before(info);
            }
        }));
    });
}

/// Run a decoder step, turning a panic inside arrow or parquet (possible on
/// malformed files with the pinned 59.3 releases) into an error naming the file.
pub(crate) fn guarded<T>(path: &Path, step: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    let outer = IN_DECODER.with(|f| f.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(step));
    IN_DECODER.with(|f| f.set(outer));
    result.unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        Err(Error::Read { path: path.to_owned(), message: format!("malformed file: the decoder failed ({why})") })
    })
}

/// Batches whose every step is [`guarded`]; after a failure, nothing more.
pub(crate) struct Guarded {
    pub(crate) path: PathBuf,
    pub(crate) inner: Batches,
    pub(crate) failed: bool,
}

impl Iterator for Guarded {
    type Item = Result<RecordBatch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let inner = &mut self.inner;
        let item = guarded(&self.path, || Ok(inner.next())).unwrap_or_else(|e| Some(Err(e)));
        self.failed = matches!(item, Some(Err(_)));
        item
    }
}

thread_local! {
    /// Set while this thread runs a [`guarded`] decoder step.
    static IN_DECODER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
