//! Output paths that must not name an input or another output, compared as the files they reach.

use std::path::{Path, PathBuf};

use crate::atomic::folder_of;
use crate::Error;

/// Where writing `path` lands: its folder made canonical, then its name (the
/// file itself need not exist). A symlink at `path` is not followed: a write
/// replaces it.
fn landing(path: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(folder_of(path)).ok()?;
    Some(dir.join(path.file_name()?))
}

/// Do `a` and `b` name one file: the same place once canonical, or (both existing)
/// the same file through a symlink or a hard link?
fn same_file(a: &Path, b: &Path) -> bool {
    let places = |p: &Path| [landing(p), std::fs::canonicalize(p).ok()];
    let (pa, pb) = (places(a), places(b));
    if pa.iter().flatten().any(|x| pb.iter().flatten().any(|y| x == y)) {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    false
}

/// Refuse, before anything is read, outputs that would overwrite an input or
/// each other. `inputs` and `outputs` are `(path, what it is)`; an input `-` is
/// compared as the file standard input reads (`< events.csv`), if any.
///
/// ```
/// use std::path::Path;
/// let dir = tempfile::tempdir()?;
/// let input = dir.path().join("events.csv");
/// std::fs::write(&input, "a\n1\n")?;
/// let same = dir.path().join(".").join("events.csv");
/// let e = anomseq_io::check_outputs(&[(&input, "the input")], &[(&same, "-o")]).unwrap_err();
/// assert!(e.to_string().contains("refusing to write over the input"));
/// anomseq_io::check_outputs(&[(&input, "the input")], &[(&dir.path().join("out.csv"), "-o")])?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_outputs(inputs: &[(&Path, &str)], outputs: &[(&Path, &str)]) -> Result<(), Error> {
    let dash = |p: &Path| p.as_os_str() == "-";
    for (i, &(out, out_what)) in outputs.iter().enumerate() {
        if dash(out) {
            continue;
        }
        for &(input, what) in inputs {
            let input_file = if dash(input) { Path::new("/dev/stdin") } else { input };
            if same_file(out, input_file) {
                return Err(Error::SamePath {
                    path: out.to_owned(),
                    what: format!("{what} `{}` (given as {out_what})", input.display()),
                });
            }
        }
        for &(other, other_what) in &outputs[..i] {
            if !dash(other) && same_file(out, other) {
                return Err(Error::SamePath {
                    path: out.to_owned(),
                    what: format!("the output of {other_what} (given again as {out_what})"),
                });
            }
        }
    }
    Ok(())
}
