//! The error type of anomseq-io: every message names the file.

use std::path::{Path, PathBuf};

/// Everything that can go wrong reading or writing files. Every message names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system refused.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// The file holds nothing at all.
    #[error("{}: the file is empty", path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// The format cannot be told from the file name.
    #[error(
        "{}: cannot tell the format from the name; name it .csv, .parquet, .arrow, .arrows or .ndjson, or give --format",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// Standard input (`-`) was given without a format.
    #[error(
        "-: standard input has no name to tell its format by; give --format (csv, parquet, arrow, arrows, ndjson)"
    )]
    StdinFormat,
    /// A format name is not known.
    #[error("unknown format `{0}`: expected one of csv, parquet, arrow (IPC file), arrows (IPC stream), ndjson")]
    FormatName(String),
    /// The file's content is not valid for its format.
    #[error("{}: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the row or line where known.
        message: String,
    },
    /// A line of an NDJSON file is bad.
    #[error("{}: line {line}: {message}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// Line number, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Sessionizing or decoding sessions failed.
    #[error("{}: {source}", path.display())]
    Sessionize {
        /// The file.
        path: PathBuf,
        /// The sessionizer's error (row, column and value).
        source: anomseq_sessionize::Error,
    },
    /// Writing failed (nothing was left at the destination).
    #[error("{}: cannot write: {message}", path.display())]
    Write {
        /// The destination.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An output would overwrite an input or another output.
    #[error("{}: refusing to write over {what}", path.display())]
    SamePath {
        /// The output.
        path: PathBuf,
        /// What it would overwrite.
        what: String,
    },
    /// Arguments that do not fit together.
    #[error("{0}")]
    Invalid(String),
}

pub(crate) fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_owned(), source }
}

pub(crate) fn read(path: &Path) -> impl Fn(&dyn std::fmt::Display) -> Error + '_ {
    move |e| Error::Read { path: path.to_owned(), message: e.to_string() }
}

pub(crate) fn sess(path: &Path) -> impl Fn(anomseq_sessionize::Error) -> Error + '_ {
    move |source| Error::Sessionize { path: path.to_owned(), source }
}

pub(crate) fn write(path: &Path) -> impl Fn(&dyn std::fmt::Display) -> Error + '_ {
    move |e| Error::Write { path: path.to_owned(), message: e.to_string() }
}
