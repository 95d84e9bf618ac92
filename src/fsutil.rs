//! Every file the tool reads or writes passes through here, so that one set of rules
//! protects the user's data whatever the command.
//!
//! **Reading** ([`read_input`]): an input is read with a size cap for its kind (a
//! declaration is a few kilobytes; `/dev/zero` must not exhaust memory), a missing file
//! or a directory is named as such, and the file's identity (device and inode, and its
//! canonical path) is remembered for the rest of the process.
//!
//! **Writing** ([`write_atomic_with`]): every output appears only when it is complete. We
//! write to a temporary file in the destination directory (same filesystem, so the final
//! `rename` is atomic) and rename it into place only after the last byte is flushed. Before
//! that, one guard ([`check_target`]) decides whether the destination may be replaced:
//!
//! - never a file this process has read (the same file under any name: hard links and
//!   symlinks compare by device and inode) — `sign d.toml -o d.toml` must not eat the
//!   declaration;
//! - never a PEM private key, whatever the command and whatever `--force` says;
//! - an existing file of another kind than the one being written (a PDF over a CSV, a link
//!   over a declaration) only with `force`.
//!
//! **Several files** ([`FileSet`]): a job that writes many files (split sheets, a key pair,
//! a site) stages them in a temporary directory beside the destination and moves them
//! into place only when all of them were written, so a failure leaves the old set intact.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What went wrong while writing an output file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WriteError {
    /// The destination exists and the caller asked us not to replace it.
    #[error(
        "{path} already exists; refusing to overwrite it (move it away or choose another name)"
    )]
    Exists { path: PathBuf },
    /// The destination is a file this run reads.
    #[error("refusing to write {path}: it is one of this command's inputs{alias}")]
    #[diagnostic(help("choose another output name; an input is never overwritten"))]
    IsInput { path: PathBuf, alias: String },
    /// The destination holds a private key.
    #[error("refusing to write {path}: it holds a private key")]
    #[diagnostic(help(
        "a private key is never overwritten by any command, not even with --force; choose another output name"
    ))]
    IsPrivateKey { path: PathBuf },
    /// The destination holds a different kind of file than the one being written.
    #[error("refusing to replace {path}: it holds {found}, and this command writes {writing}")]
    #[diagnostic(help("choose another output name, or pass --force to replace it"))]
    OtherKind {
        path: PathBuf,
        found: &'static str,
        writing: &'static str,
    },
    /// The destination is a directory.
    #[error("cannot write {path}: it is a directory")]
    IsDirectory { path: PathBuf },
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

/// What went wrong while reading an input file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReadError {
    #[error("{path}: no such file")]
    NotFound { path: PathBuf },
    #[error("{path} is a directory, not a file ({kind} expected)")]
    IsDirectory { path: PathBuf, kind: &'static str },
    #[error("{path} is larger than {limit} bytes, the limit for {kind} files")]
    #[diagnostic(help("check that this is the right file; {kind} files are never this large"))]
    TooLarge {
        path: PathBuf,
        kind: &'static str,
        limit: u64,
    },
    #[error(
        "{path}: not UTF-8 text: line {line}, byte {byte} (offset {offset} in the file) is not valid UTF-8"
    )]
    #[diagnostic(help("save the file as UTF-8 text"))]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        byte: usize,
        offset: usize,
    },
    #[error("cannot read {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl ReadError {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ReadError::NotFound { path }
            | ReadError::IsDirectory { path, .. }
            | ReadError::TooLarge { path, .. }
            | ReadError::NotUtf8 { path, .. }
            | ReadError::Io { path, .. } => path,
        }
    }
}

/// The kinds of input, each with its own size cap ([`Input::limit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A declaration (`.toml`/`.json`): a few kilobytes in practice.
    Declaration,
    /// A PEM key (private or public).
    Key,
    /// A keyset or another small TOML configuration (stocks, templates).
    Config,
    /// A signed payload file: `.cose`, a link in a text file, an NFC dump.
    Signed,
    /// An image to scan for QR codes, or a logo.
    Image,
    /// A CSV/JSONL batch of labels.
    Batch,
    /// A font file.
    Font,
}

impl Input {
    /// The largest file accepted for this kind, in bytes. Generous for real files,
    /// small enough that a wrong path (a disk image, `/dev/zero`) fails at once.
    pub const fn limit(self) -> u64 {
        match self {
            Input::Declaration => 1 << 20, // 1 MiB
            Input::Key => 64 << 10,        // 64 KiB
            Input::Config => 4 << 20,      // 4 MiB
            Input::Signed => 1 << 20,      // 1 MiB (an NTAG image is under 1 KiB)
            Input::Image => 64 << 20,      // 64 MiB (a 50 MP JPEG is ~25 MB)
            Input::Batch => 512 << 20,     // 512 MiB (millions of rows)
            Input::Font => 64 << 20,       // 64 MiB (a full CJK font is ~20 MB)
        }
    }
    /// The word for error messages.
    pub const fn name(self) -> &'static str {
        match self {
            Input::Declaration => "declaration",
            Input::Key => "key",
            Input::Config => "configuration",
            Input::Signed => "signed payload",
            Input::Image => "image",
            Input::Batch => "batch",
            Input::Font => "font",
        }
    }
}

/// A file's identity: device and inode where the platform has them, else its
/// canonical path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

fn file_id(meta: &std::fs::Metadata, path: &Path) -> FileId {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        FileId::Inode(meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        FileId::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

/// The files this process has read, with the name each was read under.
static READS: Mutex<Option<HashSet<(FileId, PathBuf)>>> = Mutex::new(None);

fn remember_read(meta: &std::fs::Metadata, path: &Path) {
    let id = file_id(meta, path);
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if let Ok(mut reads) = READS.lock() {
        reads
            .get_or_insert_with(HashSet::new)
            .insert((id, canonical));
    }
}

/// The name an already-read file was read under, if `meta`/`path` is one of them.
fn read_as(meta: &std::fs::Metadata, path: &Path) -> Option<PathBuf> {
    let id = file_id(meta, path);
    let canonical = std::fs::canonicalize(path).ok();
    let reads = READS.lock().ok()?;
    reads.as_ref()?.iter().find_map(|(i, p)| {
        // Same inode counts only while the file read is still there under its name: a
        // deleted input's inode may be reused by an unrelated new file.
        let same_inode = *i == id && std::fs::metadata(p).is_ok_and(|m| file_id(&m, p) == id);
        (same_inode || canonical.as_deref() == Some(p.as_path())).then(|| p.clone())
    })
}

/// Records that a file is an input without reading it through [`read_input`] (for
/// readers that stream, like the CSV reader). Missing files are ignored.
pub fn note_input(path: &Path) {
    if let Ok(meta) = std::fs::metadata(path) {
        remember_read(&meta, path);
    }
}

/// A reader that fails (rather than stopping quietly) once more than its kind's cap has
/// been read, so that a streaming reader never mistakes a cut-off file for a whole one.
pub struct Capped<R> {
    inner: R,
    left: u64,
    path: PathBuf,
    kind: Input,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One more byte would be over the cap: look before failing.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(too_large(&self.path, self.kind))),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Opens an input for streaming: checks it exists, is not a directory and is within
/// the kind's cap, and remembers it as read. Reading past the cap is an error.
pub fn open_input(path: &Path, kind: Input) -> Result<Capped<std::fs::File>, ReadError> {
    let io = |error: std::io::Error| match error.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound {
            path: path.to_path_buf(),
        },
        _ => ReadError::Io {
            path: path.to_path_buf(),
            error,
        },
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(ReadError::IsDirectory {
            path: path.to_path_buf(),
            kind: kind.name(),
        });
    }
    // A regular file reports its size; a device or pipe (/dev/zero, a FIFO) reports 0
    // and is capped while reading.
    if meta.is_file() && meta.len() > kind.limit() {
        return Err(too_large(path, kind));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    remember_read(&meta, path);
    Ok(Capped {
        inner: file,
        left: kind.limit(),
        path: path.to_path_buf(),
        kind,
    })
}

fn too_large(path: &Path, kind: Input) -> ReadError {
    ReadError::TooLarge {
        path: path.to_path_buf(),
        kind: kind.name(),
        limit: kind.limit(),
    }
}

/// Reads a whole input file of a kind (entry point for every file the tool reads).
pub fn read_input(path: &Path, kind: Input) -> Result<Vec<u8>, ReadError> {
    let mut reader = open_input(path, kind)?;
    let mut bytes = Vec::new();
    match reader.read_to_end(&mut bytes) {
        Ok(_) => Ok(bytes),
        Err(e) => match e.into_inner().map(|inner| inner.downcast::<ReadError>()) {
            Some(Ok(capped)) => Err(*capped),
            Some(Err(other)) => Err(ReadError::Io {
                path: path.to_path_buf(),
                error: std::io::Error::other(other),
            }),
            None => Err(ReadError::Io {
                path: path.to_path_buf(),
                error: std::io::Error::other("read failed"),
            }),
        },
    }
}

/// Reads an input file that must be UTF-8 text; a bad byte is reported with its line,
/// its byte position in that line (1-based) and its offset in the file.
pub fn read_input_text(path: &Path, kind: Input) -> Result<String, ReadError> {
    let bytes = read_input(path, kind)?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..offset];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        ReadError::NotUtf8 {
            path: path.to_path_buf(),
            line,
            byte: offset - line_start + 1,
            offset,
        }
    })
}

/// What an output file holds, for the "another kind of file" rule. The kind of an
/// existing file is recognised from its first bytes ([`Kind::sniff`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Png,
    Jpeg,
    Svg,
    Zpl,
    /// A link (or several, one per line) as text.
    Link,
    /// Raw COSE_Sign1 / CBOR bytes.
    Cose,
    /// An NFC NDEF message, tag image or hex dump.
    Nfc,
    PublicKey,
    PrivateKey,
    /// A report we write (skipped rows, job reports): text or JSON.
    Report,
    /// A declaration (TOML or JSON).
    Declaration,
    /// A file of the verifier site (HTML, CSS, JS, JSON, SVG, records).
    Site,
    /// A terminal-preview / plain text output.
    Text,
    /// Anything else.
    Unknown,
}

impl Kind {
    /// The words for error messages.
    pub const fn describe(self) -> &'static str {
        match self {
            Kind::Pdf => "a PDF",
            Kind::Png => "a PNG image",
            Kind::Jpeg => "a JPEG image",
            Kind::Svg => "an SVG image",
            Kind::Zpl => "ZPL printer code",
            Kind::Link => "a link",
            Kind::Cose => "raw COSE/CBOR bytes",
            Kind::Nfc => "NFC tag data",
            Kind::PublicKey => "a public key",
            Kind::PrivateKey => "a private key",
            Kind::Report => "a report",
            Kind::Declaration => "a declaration",
            Kind::Site => "a verifier site file",
            Kind::Text => "text",
            Kind::Unknown => "a file of unknown kind",
        }
    }

    /// Recognises a file's kind from its first bytes (and, for site files, its name).
    pub fn sniff(head: &[u8], path: &Path) -> Kind {
        let text = std::str::from_utf8(head).ok().or_else(|| {
            // The head may end inside a multi-byte character.
            let e = std::str::from_utf8(head).err()?;
            (e.error_len().is_none())
                .then(|| std::str::from_utf8(&head[..e.valid_up_to()]).ok())
                .flatten()
        });
        if head.starts_with(b"%PDF-") {
            return Kind::Pdf;
        }
        if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Kind::Png;
        }
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Kind::Jpeg;
        }
        // COSE_Sign1: tag 18 (0xD2) then an array of 4, or the untagged array.
        if head.starts_with(&[0xD2, 0x84]) || head.starts_with(&[0x84, 0x43]) {
            return Kind::Cose;
        }
        let Some(t) = text else {
            return if crate::nfc::parse_any(head).is_ok() {
                Kind::Nfc
            } else {
                Kind::Unknown
            };
        };
        let trimmed = t.trim_start_matches('\u{feff}').trim_start();
        if trimmed.contains("PRIVATE KEY-----") {
            return Kind::PrivateKey;
        }
        if trimmed.starts_with("-----BEGIN PUBLIC KEY-----") {
            return Kind::PublicKey;
        }
        if trimmed.starts_with("^XA") || trimmed.starts_with("${") && trimmed.contains("^XA") {
            return Kind::Zpl;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(ext.as_str(), "html" | "css" | "js" | "webmanifest")
            || (ext == "json" && is_site_json(path))
        {
            return Kind::Site;
        }
        if trimmed.starts_with("<svg") || (trimmed.starts_with("<?xml") && t.contains("<svg")) {
            return Kind::Svg;
        }
        let first = trimmed.lines().next().unwrap_or("");
        if first.starts_with("https://") || first.starts_with("http://") {
            return Kind::Link;
        }
        if !first.is_empty() && first.bytes().all(|b| b.is_ascii_digit()) {
            return Kind::Link;
        }
        if first.contains(" rows in ") || trimmed.starts_with("{\"iotlabel_report\"") {
            return Kind::Report;
        }
        if crate::nfc::parse_any(head).is_ok() {
            return Kind::Nfc;
        }
        if [
            "[product]",
            "[manufacturer]",
            "schema_version",
            "\"manufacturer\"",
        ]
        .iter()
        .any(|k| t.contains(k))
        {
            return Kind::Declaration;
        }
        Kind::Unknown
    }

    /// Whether an existing file of kind `self` may be replaced by an output of kind
    /// `writing` without `--force`.
    fn replaceable_by(self, writing: Kind) -> bool {
        self == writing
            // A terminal preview and a link are both plain text outputs of ours.
            || matches!((self, writing), (Kind::Link, Kind::Text) | (Kind::Text, Kind::Link))
    }
}

fn is_site_json(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        matches!(
            n,
            "keys.json" | "ui.json" | "manifest.json" | "records.json"
        )
    })
}

/// Options for [`write_atomic_with`].
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    pub overwrite: Overwrite,
    /// Unix permission bits for the new file (e.g. `0o600` for private keys).
    pub mode: Option<u32>,
    /// What this output is; an existing file of another kind is only replaced with
    /// `force`. `None` skips that rule (the input and private-key rules still apply).
    pub kind: Option<Kind>,
    /// Replace an existing file of another kind (`--force`). Never replaces an input or
    /// a private key.
    pub force: bool,
}

impl WriteOptions {
    /// Replace an existing file of the same kind (the usual output rule).
    pub fn output(kind: Kind, force: bool) -> WriteOptions {
        WriteOptions {
            overwrite: Overwrite::Replace,
            mode: None,
            kind: Some(kind),
            force,
        }
    }
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            overwrite: Overwrite::Replace,
            mode: None,
            kind: None,
            force: false,
        }
    }
}

/// Whether an existing destination may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Replace an existing file (atomically), subject to [`check_target`].
    Replace,
    /// Fail with [`WriteError::Exists`] if the file exists (used for keys).
    Refuse,
}

/// Decides whether `path` may be written with these options, before any work is done
/// (commands call it for every output first, so that a bad `-o` fails at once, not
/// after minutes of work). [`write_atomic_with`] calls it again just before writing.
pub fn check_target(path: &Path, opts: &WriteOptions) -> Result<(), WriteError> {
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(WriteError::NoDirectory {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
        });
    }
    // symlink_metadata: a dangling symlink "exists" too, and is never written through.
    let Ok(meta) = std::fs::metadata(path).or_else(|_| std::fs::symlink_metadata(path)) else {
        return Ok(());
    };
    if meta.is_dir() {
        return Err(WriteError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    if opts.overwrite == Overwrite::Refuse {
        return Err(WriteError::Exists {
            path: path.to_path_buf(),
        });
    }
    if let Some(read) = read_as(&meta, path) {
        let alias = if std::fs::canonicalize(path).ok().as_deref() == Some(read.as_path()) {
            String::new()
        } else {
            format!(" (the same file as {})", read.display())
        };
        return Err(WriteError::IsInput {
            path: path.to_path_buf(),
            alias,
        });
    }
    if !meta.is_file() {
        // A device or FIFO: writing "over" it means writing into it; leave that alone.
        return Err(WriteError::OtherKind {
            path: path.to_path_buf(),
            found: "a device or pipe",
            writing: opts.kind.unwrap_or(Kind::Unknown).describe(),
        });
    }
    let mut head = Vec::with_capacity(4096);
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(4096).read_to_end(&mut head);
    }
    if head.is_empty() {
        return Ok(());
    }
    let found = Kind::sniff(&head, path);
    if found == Kind::PrivateKey {
        return Err(WriteError::IsPrivateKey {
            path: path.to_path_buf(),
        });
    }
    if let Some(writing) = opts.kind
        && !opts.force
        && !found.replaceable_by(writing)
    {
        return Err(WriteError::OtherKind {
            path: path.to_path_buf(),
            found: found.describe(),
            writing: writing.describe(),
        });
    }
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` atomically as an output of `kind` (see [`check_target`]).
pub fn write_output(path: &Path, kind: Kind, force: bool, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, WriteOptions::output(kind, force), |w| {
        w.write_all(bytes)
    })
}

/// Writes `bytes` to `path` atomically with the default options (no kind rule).
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
    check_target(path, &opts)?;
    let tmp = stage(path, parent_dir(path), &opts, fill)?;
    persist(tmp, path, &opts)
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> WriteError + '_ {
    move |error: std::io::Error| {
        // tempfile names its own file in errors; the user only knows the destination.
        let error = std::io::Error::new(error.kind(), strip_tempfile_path(&error));
        WriteError::Io {
            path: path.to_path_buf(),
            error,
        }
    }
}

/// Writes the content into a temporary file in `dir` with the final mode.
fn stage<F>(
    path: &Path,
    dir: &Path,
    opts: &WriteOptions,
    fill: F,
) -> Result<tempfile::NamedTempFile, WriteError>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let io = io_error(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".iotlabel-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(&io)?;
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
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode)).map_err(&io)?;
    }
    #[cfg(not(unix))]
    let _ = opts;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut w).map_err(&io)?;
        w.flush().map_err(&io)?;
    }
    tmp.as_file().sync_all().map_err(&io)?;
    Ok(tmp)
}

/// Renames a staged file into place.
fn persist(
    tmp: tempfile::NamedTempFile,
    path: &Path,
    opts: &WriteOptions,
) -> Result<(), WriteError> {
    let io = io_error(path);
    match opts.overwrite {
        Overwrite::Replace => {
            tmp.persist(path).map_err(|e| io(e.error))?;
        }
        // persist_noclobber closes the race between the exists() check and the rename.
        Overwrite::Refuse => {
            tmp.persist_noclobber(path).map_err(|e| {
                if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                    WriteError::Exists {
                        path: path.to_path_buf(),
                    }
                } else {
                    io(e.error)
                }
            })?;
        }
    }
    Ok(())
}

/// A set of output files committed together: each is written to a temporary file as
/// the job goes, and [`FileSet::commit`] renames them all into place only at the end.
/// Dropping an uncommitted set removes its temporary files, so a failed or interrupted
/// job leaves the previous outputs exactly as they were.
#[derive(Default)]
pub struct FileSet {
    // Closed temporary files (a job may stage hundreds; open handles would run out).
    staged: Vec<(tempfile::TempPath, PathBuf, WriteOptions)>,
    /// Destinations checked with [`FileSet::check`] (staged or still to come).
    planned: Vec<PathBuf>,
    remove: Vec<PathBuf>,
}

impl FileSet {
    pub fn new() -> FileSet {
        FileSet::default()
    }

    /// Checks a destination now (fail before the work) without writing anything, and
    /// plans it: naming the same destination twice in one set is an error.
    pub fn check(&mut self, path: &Path, opts: &WriteOptions) -> Result<(), WriteError> {
        if same_in(&self.planned, path) {
            return Err(twice(path));
        }
        check_target(path, opts)?;
        self.planned.push(path.to_path_buf());
        Ok(())
    }

    /// Stages one file (checked now and again at commit).
    pub fn add<F>(&mut self, path: &Path, opts: WriteOptions, fill: F) -> Result<(), WriteError>
    where
        F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
    {
        let staged: Vec<PathBuf> = self.staged.iter().map(|(_, p, _)| p.clone()).collect();
        if same_in(&staged, path) {
            return Err(twice(path));
        }
        if same_in(&self.planned, path) {
            check_target(path, &opts)?;
        } else {
            self.check(path, &opts)?;
        }
        let tmp = stage(path, parent_dir(path), &opts, fill)?.into_temp_path();
        self.staged.push((tmp, path.to_path_buf(), opts));
        Ok(())
    }

    /// Stages bytes (see [`FileSet::add`]).
    pub fn add_bytes(
        &mut self,
        path: &Path,
        opts: WriteOptions,
        bytes: &[u8],
    ) -> Result<(), WriteError> {
        self.add(path, opts, |w| w.write_all(bytes))
    }

    /// Removes `path` at commit, if it exists and sniffs as `kind` (a stale companion
    /// of an earlier run, such as a skipped-rows report or a higher-numbered split
    /// file). Anything else under that name is left alone.
    pub fn remove_stale(&mut self, path: &Path, kind: Kind) {
        let mut head = Vec::new();
        let is_kind = std::fs::File::open(path)
            .and_then(|f| f.take(4096).read_to_end(&mut head))
            .is_ok()
            && Kind::sniff(&head, path) == kind
            && std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
        if is_kind {
            self.remove.push(path.to_path_buf());
        }
    }

    /// The destinations staged so far.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.staged.iter().map(|(_, p, _)| p.clone()).collect()
    }

    /// Moves every staged file into place. All destinations are checked again first; if
    /// a rename still fails half-way (a full disk cannot fail a rename, but a permission
    /// change can), the files already moved are reported in the error.
    pub fn commit(self) -> Result<Vec<PathBuf>, WriteError> {
        for (_, path, opts) in &self.staged {
            check_target(path, opts)?;
        }
        let mut done = Vec::with_capacity(self.staged.len());
        for (tmp, path, opts) in self.staged {
            let result = match opts.overwrite {
                Overwrite::Replace => tmp.persist(&path),
                Overwrite::Refuse => tmp.persist_noclobber(&path),
            };
            if let Err(e) = result {
                return Err(io_error(&path)(e.error));
            }
            done.push(path);
        }
        for p in self.remove {
            if !done.contains(&p) {
                let _ = std::fs::remove_file(&p);
            }
        }
        Ok(done)
    }
}

/// Whether `path` names the same destination as one of `paths` (same directory, same
/// file name).
fn same_in(paths: &[PathBuf], path: &Path) -> bool {
    paths.iter().any(|a| {
        a == path
            || (a.file_name() == path.file_name()
                && std::fs::canonicalize(parent_dir(a)).ok()
                    == std::fs::canonicalize(parent_dir(path)).ok())
    })
}

fn twice(path: &Path) -> WriteError {
    WriteError::Io {
        path: path.to_path_buf(),
        error: std::io::Error::other("the same file is named twice as an output"),
    }
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
            ..Default::default()
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
            ..Default::default()
        };
        write_atomic_with(&p, opts, |w| w.write_all(b"secret")).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn an_input_is_never_overwritten_under_any_name() {
        let dir = tempfile::tempdir().unwrap();
        let decl = dir.path().join("d.toml");
        std::fs::write(&decl, "[product]\nmodel = \"x\"\n").unwrap();
        read_input(&decl, Input::Declaration).unwrap();
        let err = write_output(&decl, Kind::Link, true, b"https://x/#1").unwrap_err();
        assert!(matches!(err, WriteError::IsInput { .. }), "{err}");
        // The same file through a symlink and a hard link, even with force.
        #[cfg(unix)]
        {
            let sym = dir.path().join("sym.toml");
            std::os::unix::fs::symlink(&decl, &sym).unwrap();
            let err = write_output(&sym, Kind::Link, true, b"x").unwrap_err();
            assert!(matches!(err, WriteError::IsInput { .. }), "{err}");
            let hard = dir.path().join("hard.txt");
            std::fs::hard_link(&decl, &hard).unwrap();
            let err = write_output(&hard, Kind::Link, true, b"x").unwrap_err();
            assert!(err.to_string().contains("the same file as"), "{err}");
        }
        assert_eq!(
            std::fs::read_to_string(&decl).unwrap(),
            "[product]\nmodel = \"x\"\n"
        );
    }

    #[test]
    fn a_private_key_is_never_overwritten_even_with_force() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k.pem");
        let pem =
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";
        std::fs::write(&key, pem).unwrap();
        for force in [false, true] {
            let err = write_output(&key, Kind::Nfc, force, b"00 11").unwrap_err();
            assert!(matches!(err, WriteError::IsPrivateKey { .. }), "{err}");
        }
        assert_eq!(std::fs::read_to_string(&key).unwrap(), pem);
    }

    #[test]
    fn another_kind_of_file_needs_force_and_the_same_kind_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("b.csv");
        std::fs::write(&csv, "declaration,quantity\nd.toml,3\n").unwrap();
        let err = write_output(&csv, Kind::Pdf, false, b"%PDF-1.7").unwrap_err();
        assert!(
            matches!(
                err,
                WriteError::OtherKind {
                    found: "a file of unknown kind",
                    writing: "a PDF",
                    ..
                }
            ),
            "{err}"
        );
        write_output(&csv, Kind::Pdf, true, b"%PDF-1.7 one").unwrap();
        write_output(&csv, Kind::Pdf, false, b"%PDF-1.7 two").unwrap();
        assert_eq!(std::fs::read(&csv).unwrap(), b"%PDF-1.7 two");
        // A link file is replaced by a new link, not by a PNG.
        let link = dir.path().join("link.txt");
        write_output(&link, Kind::Link, false, b"https://a.example/v#123\n").unwrap();
        write_output(&link, Kind::Link, false, b"https://a.example/v#456\n").unwrap();
        let err = write_output(&link, Kind::Png, false, b"\x89PNG\r\n\x1a\n").unwrap_err();
        assert!(err.to_string().contains("it holds a link"), "{err}");
    }

    #[test]
    fn sniffing_knows_our_kinds() {
        let p = Path::new("x");
        assert_eq!(Kind::sniff(b"%PDF-1.7\n", p), Kind::Pdf);
        assert_eq!(Kind::sniff(b"\x89PNG\r\n\x1a\n....", p), Kind::Png);
        assert_eq!(Kind::sniff(b"<svg xmlns=", p), Kind::Svg);
        assert_eq!(Kind::sniff(b"<?xml version=\"1.0\"?>\n<svg", p), Kind::Svg);
        assert_eq!(Kind::sniff(b"^XA^FO10,10^XZ", p), Kind::Zpl);
        assert_eq!(Kind::sniff(b"https://a.example/v#0123\n", p), Kind::Link);
        assert_eq!(Kind::sniff(b"0123456789\n", p), Kind::Link);
        assert_eq!(Kind::sniff(&[0xD2, 0x84, 0x43, 0xA1], p), Kind::Cose);
        assert_eq!(
            Kind::sniff(b"-----BEGIN PUBLIC KEY-----\nMCow", p),
            Kind::PublicKey
        );
        assert_eq!(
            Kind::sniff(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n", p),
            Kind::PrivateKey
        );
        assert_eq!(
            Kind::sniff(b"2 of 9 rows in b.csv were skipped:\n", p),
            Kind::Report
        );
        assert_eq!(
            Kind::sniff(b"[product]\nmodel = \"T3\"\n", p),
            Kind::Declaration
        );
        assert_eq!(
            Kind::sniff(b"<!doctype html>", Path::new("index.html")),
            Kind::Site
        );
    }

    #[test]
    fn reads_are_capped_and_name_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_input(dir.path(), Input::Declaration).unwrap_err();
        assert!(matches!(err, ReadError::IsDirectory { .. }), "{err}");
        let missing = dir.path().join("nope.toml");
        let err = read_input(&missing, Input::Declaration).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: no such file", missing.display())
        );
        #[cfg(unix)]
        {
            let err = read_input(Path::new("/dev/zero"), Input::Key).unwrap_err();
            assert!(
                matches!(err, ReadError::TooLarge { limit, .. } if limit == Input::Key.limit()),
                "{err}"
            );
        }
        let big = dir.path().join("big.pem");
        std::fs::write(&big, vec![b'a'; Input::Key.limit() as usize + 1]).unwrap();
        let err = read_input(&big, Input::Key).unwrap_err();
        assert!(
            err.to_string()
                .contains("65536 bytes, the limit for key files"),
            "{err}"
        );
    }

    #[test]
    fn bad_utf8_names_line_and_byte() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.toml");
        std::fs::write(&p, b"[product]\nmodel = \"T\xff3\"\n").unwrap();
        let err = read_input_text(&p, Input::Declaration).unwrap_err();
        assert!(
            matches!(
                err,
                ReadError::NotUtf8 {
                    line: 2,
                    byte: 11,
                    offset: 20,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_file_set_commits_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("out-001.pdf");
        let b = dir.path().join("out-002.pdf");
        std::fs::write(&a, b"%PDF-1.7 old").unwrap();
        {
            let mut set = FileSet::new();
            set.add_bytes(&a, WriteOptions::output(Kind::Pdf, false), b"%PDF-1.7 new")
                .unwrap();
            set.add_bytes(&b, WriteOptions::output(Kind::Pdf, false), b"%PDF-1.7 new")
                .unwrap();
            // Dropped without commit: the job failed.
        }
        assert_eq!(std::fs::read(&a).unwrap(), b"%PDF-1.7 old");
        assert!(!b.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporaries left"
        );
        let stale = dir.path().join("out-003.pdf");
        std::fs::write(&stale, b"%PDF-1.7 stale").unwrap();
        let mut set = FileSet::new();
        set.add_bytes(&a, WriteOptions::output(Kind::Pdf, false), b"%PDF-1.7 new")
            .unwrap();
        set.add_bytes(&b, WriteOptions::output(Kind::Pdf, false), b"%PDF-1.7 new")
            .unwrap();
        set.remove_stale(&stale, Kind::Pdf);
        // The same destination twice is refused.
        let err = set
            .add_bytes(&b, WriteOptions::output(Kind::Pdf, false), b"x")
            .unwrap_err();
        assert!(err.to_string().contains("named twice"), "{err}");
        assert_eq!(set.commit().unwrap().len(), 2);
        assert_eq!(std::fs::read(&a).unwrap(), b"%PDF-1.7 new");
        assert_eq!(std::fs::read(&b).unwrap(), b"%PDF-1.7 new");
        assert!(!stale.exists());
    }
}
