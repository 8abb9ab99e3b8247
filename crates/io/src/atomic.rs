//! Output files written atomically: an exclusive, unpredictable temporary file beside the destination, then a rename.

use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::Error;

/// A file being written: bytes go to a temporary file in the destination's
/// folder, created exclusively (`O_CREAT | O_EXCL`, so a planted file or symlink
/// is never opened, let alone followed) under a random name, with the
/// permissions any new file gets (`0666` less the umask: `0644` by default).
/// [`AtomicFile::commit`] renames it over the destination — a symlink planted
/// there is replaced, not followed. Dropped without a commit, it removes the
/// temporary file and leaves the destination untouched.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("out.txt");
/// let mut f = anomseq_io::AtomicFile::create(&path)?;
/// std::io::Write::write_all(f.file(), b"hello")?;
/// assert!(!path.exists());
/// f.commit()?;
/// assert_eq!(std::fs::read(&path)?, b"hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
}

/// The folder a path's file lives in (`.` for a bare name).
pub(crate) fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Temporary files being written, so that an interrupted run can remove them.
static LIVE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Set by [`remove_temporary_files`]: no temporary file is created after it.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Has [`remove_temporary_files`] run?
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
}

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Remove every temporary file this process is writing, and the copies of
/// standard input and pipes: for a program interrupted by a signal (the
/// `anomseq` command line calls it on Ctrl-C, `SIGTERM` and `SIGHUP`), which
/// then exits without finishing them. The destinations are left as they were.
pub fn remove_temporary_files() {
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
    for tmp in live().drain(..) {
        let _ = std::fs::remove_file(tmp);
    }
    crate::source::release_spooled_inputs();
}

/// Check, before any work, that `path` can be written as an output: a file name
/// (not `-`, not a folder), in a folder that exists, not a device or a pipe
/// (nor a symlink to one). A symlink to a regular file, or a dangling one, is
/// fine: writing replaces the link, it never follows it.
pub fn check_destination(path: &Path) -> Result<(), Error> {
    let bad = |message: String| Error::Write { path: path.to_owned(), message };
    if path.as_os_str() == "-" {
        return Err(bad("writing to standard output is not supported: give a file name".into()));
    }
    if path.file_name().is_none() {
        return Err(bad("the destination has no file name".into()));
    }
    let dir = folder_of(path);
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(bad(format!("`{}` is not a folder", dir.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad(format!("the folder `{}` does not exist", dir.display())))
        }
        Err(e) => return Err(bad(format!("cannot use the folder `{}`: {e}", dir.display()))),
    }
    if let Ok(m) = std::fs::symlink_metadata(path) {
        // what the name leads to, through a symlink (none for a dangling one)
        let target = if m.file_type().is_symlink() { std::fs::metadata(path).ok() } else { Some(m) };
        match target {
            Some(t) if t.is_dir() => return Err(bad("the destination is a folder".into())),
            Some(t) if !t.is_file() => {
                return Err(bad(
                    "the destination is a device or a pipe, not a file: anomseq writes regular files only".into()
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

fn random_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // std's RandomState is seeded from the operating system's randomness
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    h.finish()
}

impl AtomicFile {
    /// Start writing `path`.
    ///
    /// Errors name the destination: a missing folder names the folder, never the temporary file.
    pub fn create(path: &Path) -> Result<Self, Error> {
        let bad = |message: String| Error::Write { path: path.to_owned(), message };
        check_destination(path)?;
        let name = path.file_name().ok_or_else(|| bad("the destination has no file name".into()))?;
        let dir = folder_of(path);
        let mut last = None;
        // a long name is cut, so that the temporary name is never too long where the name fits
        let name: String = name.to_string_lossy().chars().take(64).collect();
        for _ in 0..16 {
            let tmp = dir.join(format!(".{name}.{:016x}.tmp", random_suffix()));
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o666);
            // listed before it exists, so that an interruption never misses it
            {
                let mut l = live();
                if interrupted() {
                    return Err(bad("interrupted".into()));
                }
                l.push(tmp.clone());
            }
            match options.open(&tmp) {
                Ok(file) => return Ok(AtomicFile { path: path.to_owned(), tmp, file: Some(file) }),
                Err(e) => {
                    live().retain(|t| *t != tmp);
                    if e.kind() == std::io::ErrorKind::AlreadyExists {
                        last = Some(e);
                    } else {
                        return Err(bad(e.to_string()));
                    }
                }
            }
        }
        Err(bad(format!(
            "no free temporary name in `{}` ({})",
            dir.display(),
            last.map(|e| e.to_string()).unwrap_or_default()
        )))
    }

    /// The temporary file, to write to.
    pub fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("an uncommitted AtomicFile holds its file")
    }

    /// Take the file out (to hand to a writer that owns it); give it back to [`AtomicFile::commit_file`].
    pub(crate) fn take(&mut self) -> File {
        self.file.take().expect("an uncommitted AtomicFile holds its file")
    }

    /// Flush the file to disk and move it into place.
    pub fn commit(mut self) -> Result<(), Error> {
        let file = self.take();
        self.commit_file(file)
    }

    /// [`AtomicFile::commit`] with the file given back after [`AtomicFile::take`].
    pub(crate) fn commit_file(mut self, file: File) -> Result<(), Error> {
        let io = |e: std::io::Error| Error::Write { path: self.path.clone(), message: e.to_string() };
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&self.tmp, &self.path).map_err(io)?;
        live().retain(|t| *t != self.tmp);
        self.tmp = PathBuf::new();
        Ok(())
    }

    /// The destination.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
            live().retain(|t| *t != self.tmp);
        }
    }
}

/// Write `bytes` to `path` atomically (see [`AtomicFile`]).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut f = AtomicFile::create(path)?;
    f.file().write_all(bytes).map_err(|e| Error::Write { path: path.to_owned(), message: e.to_string() })?;
    f.commit()
}
