//! Arrow IPC framing checks: every message fits in the file before arrow reads it.

use std::fs::File;
use std::io::{BufReader, Seek};
use std::path::Path;

use crate::error::io;
use crate::Error;

/// Check an Arrow IPC stream's framing before arrow reads it: every message's
/// metadata is a valid flatbuffer, and no message, body or buffer claims bytes past
/// the end of the file (arrow allocates what a message claims before reading it).
pub(crate) fn check_ipc_stream(path: &Path, file: &File, len: u64) -> Result<(), Error> {
    let mut f = BufReader::new(file);
    let mut at = 0;
    while let Some(next) = check_ipc_message(path, &mut f, at, len, len)? {
        at = next;
    }
    (&*file).rewind().map_err(io(path))
}

/// Check an Arrow IPC file's footer: every block lies inside the file, before the
/// footer, and holds a well-framed message (see [`check_ipc_stream`]).
pub(crate) fn check_ipc_file(path: &Path, file: &File, len: u64) -> Result<(), Error> {
    use std::io::{Read, SeekFrom};
    const MAGIC: &[u8] = b"ARROW1";
    let bad = |message: String| Error::Read { path: path.to_owned(), message };
    let mut f = BufReader::new(file);
    if len < 18 {
        return Err(bad(format!("not an Arrow IPC file: {len} bytes, too short for the header and footer")));
    }
    let mut tail = [0u8; 10];
    f.seek(SeekFrom::Start(len - 10)).map_err(io(path))?;
    f.read_exact(&mut tail).map_err(io(path))?;
    if &tail[4..] != MAGIC {
        return Err(bad("not an Arrow IPC file: no `ARROW1` at the end".to_owned()));
    }
    let footer_len = i32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    let footer_start = (len - 10).checked_sub(u64::try_from(footer_len).unwrap_or(u64::MAX)).filter(|&s| s >= 8);
    let Some(footer_start) = footer_start else {
        return Err(bad(format!("malformed Arrow IPC file: the footer claims {footer_len} bytes of {len}")));
    };
    let mut footer = vec![0u8; (len - 10 - footer_start) as usize];
    f.seek(SeekFrom::Start(footer_start)).map_err(io(path))?;
    f.read_exact(&mut footer).map_err(io(path))?;
    let footer = arrow::ipc::root_as_footer(&footer)
        .map_err(|e| bad(format!("malformed Arrow IPC file: unreadable footer ({e})")))?;
    let blocks = footer.recordBatches().into_iter().flatten().chain(footer.dictionaries().into_iter().flatten());
    for block in blocks {
        let (offset, meta, body) = (block.offset(), block.metaDataLength(), block.bodyLength());
        let end = i128::from(offset) + i128::from(meta) + i128::from(body);
        if offset < 8 || meta < 0 || body < 0 || end > i128::from(footer_start) {
            return Err(bad(format!(
                "malformed Arrow IPC file: a block at byte {offset} claims {meta} + {body} bytes, \
                 past the footer at byte {footer_start}"
            )));
        }
        check_ipc_message(path, &mut f, offset as u64, end as u64, len)?;
    }
    (&*file).rewind().map_err(io(path))
}

/// Check the message at byte `at` (ending by `end`): its next byte, or `None` at
/// the end of the stream.
fn check_ipc_message(path: &Path, f: &mut BufReader<&File>, at: u64, end: u64, len: u64) -> Result<Option<u64>, Error> {
    use std::io::{Read, SeekFrom};
    let bad = |what: String| Error::Read {
        path: path.to_owned(),
        message: format!("malformed Arrow IPC data: the message at byte {at} {what}"),
    };
    f.seek(SeekFrom::Start(at)).map_err(io(path))?;
    let mut word = [0u8; 4];
    if end.saturating_sub(at) < 4 || f.read_exact(&mut word).is_err() {
        return Ok(None);
    }
    let mut pos = at + 4;
    let mut meta_len = i32::from_le_bytes(word);
    if meta_len == -1 {
        // continuation marker, then the length
        if end.saturating_sub(pos) < 4 || f.read_exact(&mut word).is_err() {
            return Ok(None);
        }
        pos += 4;
        meta_len = i32::from_le_bytes(word);
    }
    if meta_len == 0 {
        return Ok(None);
    }
    let meta_len = u64::try_from(meta_len).map_err(|_| bad(format!("claims {meta_len} bytes of metadata")))?;
    if pos + meta_len > end.min(len) {
        return Err(bad(format!("claims {meta_len} bytes of metadata, past byte {}", end.min(len))));
    }
    let mut meta = vec![0u8; meta_len as usize];
    f.read_exact(&mut meta).map_err(io(path))?;
    pos += meta_len;
    let msg = arrow::ipc::root_as_message(&meta).map_err(|e| bad(format!("has unreadable metadata ({e})")))?;
    let body = msg.bodyLength();
    if body < 0 || i128::from(pos) + i128::from(body) > i128::from(end.min(len)) {
        return Err(bad(format!("claims a body of {body} bytes, past byte {}", end.min(len))));
    }
    let batch = msg.header_as_record_batch().or_else(|| msg.header_as_dictionary_batch().and_then(|d| d.data()));
    if let Some(buffers) = batch.and_then(|b| b.buffers()) {
        for b in buffers {
            if b.offset() < 0 || b.length() < 0 || i128::from(b.offset()) + i128::from(b.length()) > i128::from(body) {
                return Err(bad(format!(
                    "has a buffer of {} bytes at {} in a body of {body} bytes",
                    b.length(),
                    b.offset()
                )));
            }
        }
    }
    Ok(Some(pos + body as u64))
}
