//! The one atomic write of the project: files and directories appear under their final name
//! complete or not at all.
//!
//! Content goes to a temporary sibling, is flushed and fsynced, then renamed over the final
//! name, and the directory is fsynced so the rename itself survives a crash. On any error (a
//! full disk, an interrupted write) the temporary is removed: nothing half-written is left
//! that looks valid.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The directory a path lives in (`.` for a bare file name).
fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A fresh, hidden temporary name beside `path` (unique per process and call).
fn temp_beside(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    parent_of(path).join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Fsyncs a directory so that renames into it are durable (a no-op where unsupported).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Writes `bytes` to `path` atomically (parent directories are created).
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_file_with(path, |w| w.write_all(bytes))
}

/// [`write_file`] for content streamed by `fill` through a buffered writer (a proving key of
/// several GB is written without a second copy in memory).
pub fn write_file_with(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let dir = parent_of(path);
    fs::create_dir_all(dir)?;
    let tmp = temp_beside(path);
    let result = (|| {
        let f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        fill(&mut w)?;
        w.flush()?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    match result {
        Ok(()) => {
            sync_dir(dir);
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Fills a fresh temporary directory with `fill`, then moves its files into `out` (created if
/// missing), each by one rename, and returns their final paths in name order. When `out` does
/// not exist yet, the whole directory is renamed at once. On error the temporary directory is
/// removed and `out` is untouched.
pub fn write_dir<E: From<io::Error>>(
    out: &Path,
    fill: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<Vec<PathBuf>, E> {
    let parent = parent_of(out);
    fs::create_dir_all(parent)?;
    let tmp = temp_beside(out);
    fs::create_dir(&tmp)?;
    let result = (|| -> Result<Vec<PathBuf>, E> {
        fill(&tmp)?;
        let mut names: Vec<_> = fs::read_dir(&tmp)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        names.sort();
        for n in &names {
            File::open(tmp.join(n))?.sync_all()?;
        }
        if !out.exists() {
            fs::rename(&tmp, out)?;
            sync_dir(parent);
        } else {
            for n in &names {
                fs::rename(tmp.join(n), out.join(n))?;
            }
            sync_dir(out);
        }
        Ok(names.iter().map(|n| out.join(n)).collect())
    })();
    let _ = fs::remove_dir_all(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_fill_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.bin");
        let r = write_file_with(&p, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(r.is_err());
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 0);
        write_file(&p, b"whole").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"whole");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn directories_move_whole() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        let files = write_dir::<io::Error>(&out, |t| fs::write(t.join("x"), b"1")).unwrap();
        assert_eq!(files, vec![out.join("x")]);
        let r = write_dir::<io::Error>(&out, |t| {
            fs::write(t.join("y"), b"2")?;
            Err(io::Error::other("fail"))
        });
        assert!(r.is_err());
        assert!(!out.join("y").exists());
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }
}
