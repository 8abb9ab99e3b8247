//! Where input bytes come from: files as they are, standard input and pipes spooled once, and a first look at what a file holds.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::io;
use crate::{Error, Format};

/// Inputs that cannot be read twice or sought (`-`, pipes, `/dev/stdin`), copied
/// once into a temporary file: (the name given, the copy, is the copy complete?).
/// A copy is listed from its creation, so an interrupted run can remove it.
static SPOOLS: Mutex<Vec<(PathBuf, tempfile::TempPath, bool)>> = Mutex::new(Vec::new());

/// Is `path` standard input?
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Open `path` for reading. `-` is standard input; it, and any input that is not
/// a regular file (a pipe, `/dev/stdin`, a character device), is copied once into
/// a temporary file on first use, so it can be read as often as a file (see
/// [`release_spooled_inputs`]).
pub(crate) fn open_input(path: &Path) -> Result<File, Error> {
    let spooled = |p: &Path| -> Result<Option<File>, Error> {
        let spools = SPOOLS.lock().unwrap_or_else(|e| e.into_inner());
        match spools.iter().find(|(name, _, complete)| name == p && *complete) {
            Some((_, tmp, _)) => Ok(Some(File::open(tmp).map_err(io(p))?)),
            None => Ok(None),
        }
    };
    if let Some(f) = spooled(path)? {
        return Ok(f);
    }
    if !is_stdin(path) {
        let meta = std::fs::metadata(path).map_err(io(path))?;
        if meta.is_dir() {
            return Err(Error::Read { path: path.to_owned(), message: "is a folder, not a file".into() });
        }
        if meta.is_file() {
            return File::open(path).map_err(io(path));
        }
    }
    let (mut copy, tmp) = tempfile::NamedTempFile::new().map_err(io(path))?.into_parts();
    let at = tmp.to_path_buf();
    {
        let mut spools = SPOOLS.lock().unwrap_or_else(|e| e.into_inner());
        if crate::atomic::interrupted() {
            // dropped here: the copy is removed
            return Err(Error::Read { path: path.to_owned(), message: "interrupted".into() });
        }
        spools.push((path.to_owned(), tmp, false));
    }
    let copied = if is_stdin(path) {
        std::io::copy(&mut std::io::stdin().lock(), &mut copy)
    } else {
        File::open(path).and_then(|mut f| std::io::copy(&mut f, &mut copy))
    };
    let mut spools = SPOOLS.lock().unwrap_or_else(|e| e.into_inner());
    let Some(i) = spools.iter().position(|(_, t, _)| **t == *at) else {
        return Err(Error::Read { path: path.to_owned(), message: "interrupted while reading".into() });
    };
    if let Err(e) = copied {
        spools.remove(i);
        return Err(io(path)(e));
    }
    spools[i].2 = true;
    File::open(&at).map_err(io(path))
}

/// Remove the temporary copies of standard input and pipes read so far (the
/// `anomseq` command line calls it before it exits). Reading `-` again after
/// this reads standard input anew.
pub fn release_spooled_inputs() {
    SPOOLS.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Looks {
    Format(Format),
    Other(&'static str),
    Text,
    /// Only white space in the first bytes.
    Blank,
    Unknown,
}

impl Looks {
    fn describe(self) -> String {
        match self {
            Looks::Format(Format::Parquet) => "a Parquet file (give --format parquet)".into(),
            Looks::Format(Format::ArrowFile) => "an Arrow IPC file (give --format arrow)".into(),
            Looks::Format(Format::ArrowStream) => "an Arrow IPC stream (give --format arrows)".into(),
            Looks::Format(Format::Ndjson) => "NDJSON (a JSON object per line; give --format ndjson)".into(),
            Looks::Format(Format::Csv) => "CSV (give --format csv)".into(),
            Looks::Other(what) => what.into(),
            Looks::Blank => "blank text".into(),
            Looks::Text => "text, not one JSON object per line (CSV? give --format csv)".into(),
            Looks::Unknown => "binary data, not text".into(),
        }
    }
}

/// A first look at `file`'s bytes (the file is read from the start, and left there).
pub(crate) fn sniff(file: &mut File) -> std::io::Result<Looks> {
    use std::io::{Seek, SeekFrom};
    let mut head = [0u8; 512];
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..])? {
            0 => break,
            k => n += k,
        }
    }
    file.seek(SeekFrom::Start(0))?;
    let head = &head[..n];
    // text may open with a UTF-8 byte-order mark
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let starts = |magic: &[u8]| head.starts_with(magic);
    Ok(if starts(b"PAR1") {
        Looks::Format(Format::Parquet)
    } else if starts(b"ARROW1") {
        Looks::Format(Format::ArrowFile)
    } else if starts(&[0xFF, 0xFF, 0xFF, 0xFF]) {
        Looks::Format(Format::ArrowStream)
    } else if starts(&[0x1F, 0x8B]) {
        Looks::Other("gzip-compressed data (decompress it first)")
    } else if starts(&[0x28, 0xB5, 0x2F, 0xFD]) {
        Looks::Other("zstd-compressed data (decompress it first)")
    } else if starts(b"BZh") {
        Looks::Other("bzip2-compressed data (decompress it first)")
    } else if starts(b"PK\x03\x04") {
        Looks::Other("a zip archive (unpack it first)")
    } else if starts(&[0xFD, b'7', b'z', b'X', b'Z', 0]) {
        Looks::Other("xz-compressed data (decompress it first)")
    } else if starts(&[0xFF, 0xFE])
        || starts(&[0xFE, 0xFF])
        || head.iter().filter(|&&b| b == 0).count() * 8 > head.len()
    {
        Looks::Other("UTF-16 text (convert it to UTF-8)")
    } else if head.iter().filter(|&&b| b == 0).count() * 64 > head.len() {
        Looks::Unknown
    } else {
        match head.iter().copied().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Looks::Format(Format::Ndjson),
            Some(_) => Looks::Text,
            None => Looks::Blank,
        }
    })
}

/// Refuse a file whose bytes plainly disagree with the format it is read as
/// (`named`: the format was given, not taken from the file name).
pub(crate) fn check_format(path: &Path, file: &mut File, format: Format, named: bool) -> Result<(), Error> {
    let looks = sniff(file).map_err(io(path))?;
    let text = matches!(format, Format::Csv | Format::Ndjson);
    let fits = match looks {
        Looks::Format(f) => f == format || (named && format == Format::Csv && f == Format::Ndjson),
        Looks::Other(_) => false,
        Looks::Text => format == Format::Csv,
        Looks::Blank => text,
        Looks::Unknown => !text,
    };
    if fits {
        return Ok(());
    }
    let how = if named { "as asked with --format" } else { "from its name" };
    Err(Error::Read {
        path: path.to_owned(),
        message: format!("expected {} ({how}), but the file looks like {}", format.long_name(), looks.describe()),
    })
}
