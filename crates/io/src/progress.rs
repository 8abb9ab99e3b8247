//! How much of an input a reader has consumed, for progress bars ([`ReadProgress`]).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// What a [`ReadProgress`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressUnit {
    /// Bytes of the file (CSV, NDJSON, Arrow IPC).
    Bytes,
    /// Rows of the file, as its metadata totals them (Parquet).
    Rows,
}

/// How far a reader has got through its file: shared with a progress bar that
/// polls it from another thread (set [`ReadOptions::progress`](crate::ReadOptions::progress)).
///
/// ```
/// use anomseq_io::{read_table, ProgressUnit, ReadOptions, ReadProgress};
/// let dir = tempfile::tempdir()?;
/// let csv = dir.path().join("e.csv");
/// std::fs::write(&csv, "user,op\nu1,Set-User\nu2,Set-Mailbox\n")?;
/// let progress = ReadProgress::new();
/// let opts = ReadOptions { progress: Some(progress.clone()), ..ReadOptions::default() };
/// read_table(&csv, None, &opts)?;
/// assert_eq!((progress.done(), progress.total(), progress.unit()), (35, 35, ProgressUnit::Bytes));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct ReadProgress {
    done: AtomicU64,
    total: AtomicU64,
    rows: AtomicBool,
}

impl ReadProgress {
    /// A counter at zero, to share.
    pub fn new() -> Arc<ReadProgress> {
        Arc::new(ReadProgress::default())
    }

    /// Bytes or rows consumed so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Bytes or rows in all (0 until the reader knows).
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// What [`done`](Self::done) and [`total`](Self::total) count.
    pub fn unit(&self) -> ProgressUnit {
        if self.rows.load(Ordering::Relaxed) {
            ProgressUnit::Rows
        } else {
            ProgressUnit::Bytes
        }
    }

    pub(crate) fn start(&self, total: u64, unit: ProgressUnit) {
        self.rows.store(unit == ProgressUnit::Rows, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    pub(crate) fn add(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    fn set(&self, at: u64) {
        self.done.store(at, Ordering::Relaxed);
    }
}

/// A file whose read position is published to a [`ReadProgress`].
pub(crate) struct Counted {
    file: File,
    progress: Option<Arc<ReadProgress>>,
}

impl Counted {
    pub(crate) fn new(file: File, progress: Option<&Arc<ReadProgress>>) -> Self {
        Counted { file, progress: progress.cloned() }
    }
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        if let Some(p) = &self.progress {
            p.add(n as u64);
        }
        Ok(n)
    }
}

impl Seek for Counted {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let at = self.file.seek(pos)?;
        if let Some(p) = &self.progress {
            p.set(at);
        }
        Ok(at)
    }
}
