//! File formats, told by extension or named.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::Error;

/// A file format, picked from the file's extension or named explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma-separated values with a header row (`.csv`, `.tsv` is not guessed).
    Csv,
    /// Apache Parquet (`.parquet`, `.pq`).
    Parquet,
    /// Arrow IPC file (`.arrow`, `.feather`, `.ipc`).
    ArrowFile,
    /// Arrow IPC stream (`.arrows`).
    ArrowStream,
    /// Newline-delimited JSON, one object per line (`.ndjson`, `.jsonl`, `.json`).
    Ndjson,
}

impl Format {
    /// The format of `path` by its extension.
    ///
    /// ```
    /// use anomseq_io::Format;
    /// assert_eq!(Format::from_path("logs/x.parquet".as_ref())?, Format::Parquet);
    /// assert_eq!(Format::from_path("x.JSONL".as_ref())?, Format::Ndjson);
    /// assert!(Format::from_path("x.txt".as_ref()).is_err());
    /// # Ok::<(), anomseq_io::Error>(())
    /// ```
    pub fn from_path(path: &Path) -> Result<Format, Error> {
        if path.as_os_str() == "-" {
            return Err(Error::StdinFormat);
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        Ok(match ext.as_str() {
            "csv" => Format::Csv,
            "parquet" | "pq" => Format::Parquet,
            "arrow" | "feather" | "ipc" => Format::ArrowFile,
            "arrows" => Format::ArrowStream,
            "ndjson" | "jsonl" | "json" => Format::Ndjson,
            _ => return Err(Error::UnknownFormat { path: path.to_owned() }),
        })
    }

    /// `format` if given, else the format of `path`.
    pub fn resolve(format: Option<Format>, path: &Path) -> Result<Format, Error> {
        match format {
            Some(f) => Ok(f),
            None => Format::from_path(path),
        }
    }

    /// The format's name in prose (`Parquet`, `an Arrow IPC file`, ...).
    pub fn long_name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Parquet => "Parquet",
            Format::ArrowFile => "an Arrow IPC file",
            Format::ArrowStream => "an Arrow IPC stream",
            Format::Ndjson => "NDJSON",
        }
    }

    /// The format's short name (as [`FromStr`] takes it).
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::ArrowFile => "arrow",
            Format::ArrowStream => "arrows",
            Format::Ndjson => "ndjson",
        }
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Format, Error> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Format::Csv,
            "parquet" | "pq" => Format::Parquet,
            "arrow" | "ipc" | "feather" | "arrow-file" => Format::ArrowFile,
            "arrows" | "arrow-stream" | "ipc-stream" => Format::ArrowStream,
            "ndjson" | "jsonl" | "json" => Format::Ndjson,
            _ => return Err(Error::FormatName(s.to_owned())),
        })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
