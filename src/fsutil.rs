//! Safe file output: every file the tool writes appears only when it is complete.
//!
//! Print shops and designers overwrite outputs all the time; a crash or a full disk
//! half-way through must never leave a truncated PDF or key where a good one was. We
//! write to a temporary file in the destination directory (same filesystem, so the final
//! `rename` is atomic) and rename it into place only after the last byte is flushed.

use std::io::Write;
use std::path::{Path, PathBuf};

/// What went wrong while writing an output file.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The destination exists and the caller asked us not to replace it.
    #[error(
        "{path} already exists; refusing to overwrite it (move it away or choose another name)"
    )]
    Exists { path: PathBuf },
    /// The destination's directory does not exist.
    #[error("cannot write {path}: the directory {dir} does not exist (create it first)")]
    NoDirectory { path: PathBuf, dir: PathBuf },
    /// An I/O error while creating, writing or renaming.
    #[error("cannot write {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// Whether an existing destination may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Replace an existing file (atomically).
    Replace,
    /// Fail with [`WriteError::Exists`] if the file exists (used for keys).
    Refuse,
}

/// Options for [`write_atomic_with`].
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    pub overwrite: Overwrite,
    /// Unix permission bits for the new file (e.g. `0o600` for private keys).
    pub mode: Option<u32>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            overwrite: Overwrite::Replace,
            mode: None,
        }
    }
}

/// Writes `bytes` to `path` atomically, replacing any existing file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, WriteOptions::default(), |w| w.write_all(bytes))
}

/// Writes a file atomically through a callback that streams into it.
///
/// The callback gets a buffered writer on a temporary file next to `path`. If the
/// callback or any later step fails, the temporary file is removed and `path` is left
/// exactly as it was.
pub fn write_atomic_with<F>(path: &Path, opts: WriteOptions, fill: F) -> Result<(), WriteError>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let io = |error: std::io::Error| {
        // tempfile names its own file in errors; the user only knows the destination.
        let error = std::io::Error::new(error.kind(), strip_tempfile_path(&error));
        WriteError::Io {
            path: path.to_path_buf(),
            error,
        }
    };
    if opts.overwrite == Overwrite::Refuse && path.exists() {
        return Err(WriteError::Exists {
            path: path.to_path_buf(),
        });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(WriteError::NoDirectory {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
        });
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".iotlabel-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    // tempfile creates files readable only by their owner. Outputs (labels, sheets,
    // public keys) are meant to be shared, so give them the requested mode, or keep the
    // mode of the file being replaced, or use the usual 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = opts
            .mode
            .or_else(|| {
                std::fs::metadata(path)
                    .ok()
                    .map(|m| m.permissions().mode() & 0o7777)
            })
            .unwrap_or(0o644);
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode)).map_err(io)?;
    }
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut w).map_err(io)?;
        w.flush().map_err(io)?;
    }
    tmp.as_file().sync_all().map_err(io)?;
    match opts.overwrite {
        Overwrite::Replace => tmp.persist(path).map_err(|e| io(e.error))?,
        // persist_noclobber closes the race between the exists() check and the rename.
        Overwrite::Refuse => tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                WriteError::Exists {
                    path: path.to_path_buf(),
                }
            } else {
                io(e.error)
            }
        })?,
    };
    Ok(())
}

/// The OS message of an error without the " at path …" that tempfile appends.
fn strip_tempfile_path(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" at path ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_file_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        write_atomic(&p, b"first version, long").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failed_fill_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        write_atomic(&p, b"good").unwrap();
        let err = write_atomic_with(&p, WriteOptions::default(), |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"good");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuse_mode_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("key.pem");
        std::fs::write(&p, b"precious").unwrap();
        let opts = WriteOptions {
            overwrite: Overwrite::Refuse,
            mode: Some(0o600),
        };
        let err = write_atomic_with(&p, opts, |w| w.write_all(b"new")).unwrap_err();
        assert!(matches!(err, WriteError::Exists { .. }));
        assert_eq!(std::fs::read(&p).unwrap(), b"precious");
    }

    #[test]
    fn missing_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("no/such/dir/label.pdf");
        let err = write_atomic(&p, b"x").unwrap_err();
        assert!(matches!(err, WriteError::NoDirectory { .. }), "{err}");
        assert!(err.to_string().contains("does not exist"));
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_world_readable_by_default() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("label.pdf");
        write_atomic(&p, b"%PDF").unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }

    #[cfg(unix)]
    #[test]
    fn mode_is_applied() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("key.pem");
        let opts = WriteOptions {
            overwrite: Overwrite::Refuse,
            mode: Some(0o600),
        };
        write_atomic_with(&p, opts, |w| w.write_all(b"secret")).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
