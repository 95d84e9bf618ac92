//! Inputs: turns whatever the user pointed at into signed bytes.
//!
//! Every command that needs a signed payload (qr, label, nfc, sheet, verify, inspect)
//! accepts the same kinds of input, resolved here in one place:
//!
//! - a declaration file (`.toml`/`.json`) plus a signing key → signed now;
//! - a link (`https://…#digits` or `#base64url`, a GS1 Digital Link) or bare digits;
//! - a `.cose` file with the raw COSE_Sign1 bytes;
//! - a `.txt` file holding a link;
//! - an image (`.png`/`.jpg`) of a label, scanned for its QR code;
//! - an NFC dump (`.ndef` message, `.bin` tag image, `.hex` dump).
//!
//! Entry points: [`load`] (the envelope only, for verification, which must check the
//! signature before trusting the payload) and [`resolve`] (envelope plus decoded facts,
//! for making artwork from a payload without needing to trust it).

use crate::declaration::{self, CheckOptions, Declaration};
use crate::envelope::{self, EnvelopeError, Opened};
use crate::fsutil::Input;
use crate::keys::{self, KeyError};
use crate::link::{self, BaseUrl, LinkError, PayloadForm};
use crate::payload::{self, Facts, PayloadError};
use crate::summary::{Catalogue, CatalogueError, Summary, summarize};
use std::path::{Path, PathBuf};

/// What the input was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    Declaration,
    Link,
    Digits,
    Cose,
    Image,
    Nfc,
}

/// How to resolve an input.
#[derive(Debug, Clone, Default)]
pub struct SourceOptions {
    /// Private key for signing a declaration.
    pub key: Option<PathBuf>,
    /// Base URL for the link (overrides the declaration's `link_base_url`; needed for
    /// `.cose` input, which carries no URL).
    pub base_url: Option<String>,
    /// Make a GS1 Digital Link (`…/01/<GTIN-14>#…`) using the base URL as resolver.
    pub gs1: bool,
    /// Date rules for declarations (a new label may not promise a past end).
    pub check: Option<CheckOptions>,
}

/// Why an input could not be resolved.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SourceError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Declaration(#[from] declaration::ReadError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Key(#[from] KeyError),
    #[error("{input}: {error}")]
    Link { input: String, error: LinkError },
    #[error("{input}: malformed signed envelope: {error}")]
    Envelope { input: String, error: EnvelopeError },
    #[error("{input}: malformed payload: {error}")]
    Payload { input: String, error: PayloadError },
    #[error("{input}: {message}")]
    Unreadable { input: String, message: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Read(#[from] crate::fsutil::ReadError),
    #[error("{0} is a declaration; signing it needs the private key")]
    #[diagnostic(help(
        "add --key KEY.pem (make one with `iotlabel keygen --out KEY.pem`), or give an already signed link or .cose file"
    ))]
    NeedKey(String),
    #[error("no base URL for the link")]
    #[diagnostic(help(
        "pass --base-url https://example.com/v, or set product.link_base_url in the declaration"
    ))]
    NeedBaseUrl,
    #[error("--gs1 needs a GTIN, but the declaration has none")]
    #[diagnostic(help("add product.gtin to the declaration, or drop --gs1"))]
    NoGtin,
    #[error(transparent)]
    #[diagnostic(transparent)]
    Catalogue(#[from] CatalogueError),
}

impl SourceError {
    /// True when the input itself is damaged or not a signed payload (as opposed to a
    /// missing file, key or option). `verify` gives these their own exit code.
    pub fn is_malformed(&self) -> bool {
        matches!(
            self,
            SourceError::Link { .. }
                | SourceError::Envelope { .. }
                | SourceError::Payload { .. }
                | SourceError::Unreadable { .. }
        )
    }
}

/// A signed envelope, parsed but not verified.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The COSE_Sign1 bytes exactly as received or signed.
    pub cose: Vec<u8>,
    pub opened: Opened,
    /// The link's base URL, when the input had one (or one was given).
    pub base: Option<BaseUrl>,
    pub kind: InputKind,
    /// The declaration, when the input was one (signed just now).
    pub declaration: Option<Declaration>,
    /// The input as named by the user.
    pub input: String,
    /// Things the user should know about how the input was read (a world-readable
    /// private key, signing with the public demo key).
    pub warnings: Vec<String>,
}

/// A signed envelope with its decoded facts.
#[derive(Debug, Clone)]
pub struct Signed {
    pub envelope: Envelope,
    pub facts: Facts,
}

impl Envelope {
    /// Prints [`Envelope::warnings`] on standard error (for the command line).
    pub fn print_warnings(&self) {
        for w in &self.warnings {
            eprintln!("{w}");
        }
    }
    /// The link for a QR code: `https://host/path#<digits>`.
    pub fn link(&self) -> Result<String, SourceError> {
        let base = self.base.as_ref().ok_or(SourceError::NeedBaseUrl)?;
        Ok(link::format_link(base, &self.cose, PayloadForm::Digits))
    }
    /// The link for an NFC tag: the same with base64url in the fragment.
    pub fn nfc_link(&self) -> Result<String, SourceError> {
        let base = self.base.as_ref().ok_or(SourceError::NeedBaseUrl)?;
        Ok(link::format_link(base, &self.cose, PayloadForm::Base64Url))
    }
    /// The link without scheme, for printing under a QR: `example.com/v`.
    pub fn short_url(&self) -> Option<String> {
        self.base.as_ref().map(BaseUrl::short)
    }
    /// Decodes the payload (without any trust decision).
    pub fn decode(self) -> Result<Signed, SourceError> {
        let facts =
            payload::decode(&self.opened.payload).map_err(|source| SourceError::Payload {
                input: self.input.clone(),
                error: source,
            })?;
        Ok(Signed {
            envelope: self,
            facts,
        })
    }
}

impl Signed {
    /// The plain-language summary in a language, rendered from the decoded payload.
    pub fn summary(&self, lang: &str) -> Result<Summary, SourceError> {
        Ok(summarize(&self.facts, &Catalogue::built_in(lang)?)?)
    }
    /// See [`Envelope::link`].
    pub fn link(&self) -> Result<String, SourceError> {
        self.envelope.link()
    }
    /// See [`Envelope::nfc_link`].
    pub fn nfc_link(&self) -> Result<String, SourceError> {
        self.envelope.nfc_link()
    }
    /// See [`Envelope::short_url`].
    pub fn short_url(&self) -> Option<String> {
        self.envelope.short_url()
    }
    /// The COSE bytes.
    pub fn cose(&self) -> &[u8] {
        &self.envelope.cose
    }
}

/// Signs a declaration with a key: facts → deterministic CBOR → COSE_Sign1.
pub fn sign_declaration(d: &Declaration, key: &ed25519_dalek::SigningKey) -> Vec<u8> {
    envelope::sign(&payload::encode(&Facts::from_declaration(d)), key)
}

/// The base URL for a declaration, honouring `--base-url` and `--gs1`.
pub fn base_for(
    d: Option<&Declaration>,
    opts: &SourceOptions,
    link_err: impl Fn(LinkError) -> SourceError,
) -> Result<Option<BaseUrl>, SourceError> {
    let text = opts
        .base_url
        .clone()
        .or_else(|| d.and_then(|d| d.product.link_base_url.clone()));
    let Some(text) = text else { return Ok(None) };
    let base = BaseUrl::parse(&text).map_err(&link_err)?;
    if opts.gs1 {
        let gtin = d
            .and_then(|d| d.product.gtin.clone())
            .ok_or(SourceError::NoGtin)?;
        return Ok(Some(BaseUrl::gs1(&base, &gtin).map_err(link_err)?));
    }
    Ok(Some(base))
}

fn ext(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Reads the input into a parsed (unverified) envelope.
pub fn load(input: &str, opts: &SourceOptions) -> Result<Envelope, SourceError> {
    let path = Path::new(input);
    let link_err = |source| SourceError::Link {
        input: input.to_string(),
        error: source,
    };
    let read = |p: &Path, kind: Input| Ok::<_, SourceError>(crate::fsutil::read_input(p, kind)?);
    // Anything on disk that is not a directory is read as a file (a device such as
    // /dev/zero too: the reader caps it).
    let is_file = path.exists() && !path.is_dir();
    if path.is_dir() {
        return Err(crate::fsutil::ReadError::IsDirectory {
            path: path.to_path_buf(),
            kind: "signed input or declaration",
        }
        .into());
    }
    let mut warnings = Vec::new();
    let (cose, base, kind, decl) = match ext(path).as_str() {
        "toml" | "json" if is_file => {
            let check = opts.check.unwrap_or_default();
            let d = declaration::load(path, &check)?;
            let key_path = opts
                .key
                .as_ref()
                .ok_or_else(|| SourceError::NeedKey(input.to_string()))?;
            let key = keys::load_signing_key(key_path)?;
            warnings.extend(keys::key_warning(key_path, &key));
            let base = base_for(Some(&d), opts, link_err)?;
            (
                sign_declaration(&d, &key),
                base,
                InputKind::Declaration,
                Some(d),
            )
        }
        "cose" | "cbor" if is_file => (
            read(path, Input::Signed)?,
            base_for(None, opts, link_err)?,
            InputKind::Cose,
            None,
        ),
        "png" | "jpg" | "jpeg" if is_file => {
            let texts = decode_image(&read(path, Input::Image)?, input)?;
            let (parsed, _) = texts
                .iter()
                .map(|t| (link::parse_link(t), t))
                .find(|(p, _)| p.is_ok())
                .ok_or_else(|| SourceError::Unreadable {
                    input: input.to_string(),
                    message: format!(
                        "the image holds a QR code, but not an iotlabel link (found {:?})",
                        texts
                            .first()
                            .map(|t| t.chars().take(60).collect::<String>())
                            .unwrap_or_default()
                    ),
                })?;
            let parsed = parsed.map_err(link_err)?;
            (parsed.cose, parsed.base, InputKind::Image, None)
        }
        "ndef" | "bin" | "hex" if is_file => {
            let content = crate::nfc::parse_any(&read(path, Input::Signed)?).map_err(|e| {
                SourceError::Unreadable {
                    input: input.to_string(),
                    message: format!("not a readable NFC dump: {e}"),
                }
            })?;
            match (content.uri, content.cose) {
                (Some(uri), record) => {
                    let parsed = link::parse_link(&uri).map_err(link_err)?;
                    // A tag may carry the COSE bytes twice (link and MIME record): they must agree.
                    if record.as_ref().is_some_and(|r| *r != parsed.cose) {
                        return Err(SourceError::Unreadable {
                            input: input.to_string(),
                            message: "the tag's link and its COSE record hold different payloads"
                                .into(),
                        });
                    }
                    (parsed.cose, parsed.base, InputKind::Nfc, None)
                }
                (None, Some(cose)) => (cose, base_for(None, opts, link_err)?, InputKind::Nfc, None),
                (None, None) => {
                    return Err(SourceError::Unreadable {
                        input: input.to_string(),
                        message: "the NFC data holds no link and no COSE record".into(),
                    });
                }
            }
        }
        _ if is_file => {
            let text = String::from_utf8(read(path, Input::Signed)?).map_err(|_| SourceError::Unreadable {
                input: input.to_string(),
                message: "not text; expected a .toml/.json declaration, a .cose file, an image (.png/.jpg), an NFC dump (.ndef/.bin/.hex) or a text file with a link".into(),
            })?;
            match link::parse_link(&text) {
                Ok(parsed) => {
                    let base = match parsed.base {
                        Some(b) => Some(b),
                        None => base_for(None, opts, link_err)?,
                    };
                    (parsed.cose, base, InputKind::Link, None)
                }
                // A text file may also be an NFC hex dump (`iotlabel nfc --format hex`).
                Err(e) => match crate::nfc::parse_any(text.as_bytes()) {
                    Ok(crate::nfc::NfcContent { uri: Some(uri), .. }) => {
                        let parsed = link::parse_link(&uri).map_err(link_err)?;
                        (parsed.cose, parsed.base, InputKind::Nfc, None)
                    }
                    _ => return Err(link_err(e)),
                },
            }
        }
        _ => {
            let parsed = link::parse_link(input).map_err(|e| {
                // Not a link, and it names a file that is not there: say so, rather
                // than "not a link".
                if looks_like_path(input) {
                    SourceError::Read(crate::fsutil::ReadError::NotFound {
                        path: path.to_path_buf(),
                    })
                } else {
                    link_err(e)
                }
            })?;
            let kind = if parsed.base.is_some() {
                InputKind::Link
            } else {
                InputKind::Digits
            };
            let base = match parsed.base {
                Some(b) => Some(b),
                None => base_for(None, opts, link_err)?,
            };
            (parsed.cose, base, kind, None)
        }
    };
    let opened = envelope::open(&cose).map_err(|source| SourceError::Envelope {
        input: input.to_string(),
        error: source,
    })?;
    Ok(Envelope {
        cose,
        opened,
        base,
        kind,
        declaration: decl,
        input: input.to_string(),
        warnings,
    })
}

/// Reads the input and decodes its payload (entry point for artwork commands).
pub fn resolve(input: &str, opts: &SourceOptions) -> Result<Signed, SourceError> {
    load(input, opts)?.decode()
}

/// Decodes a signed input that needs no key (link, digits, .cose, image, NFC dump).
pub fn decode_signed(input: &str) -> Result<Signed, SourceError> {
    resolve(input, &SourceOptions::default())
}

/// Whether a string that is not a link was meant as a file name: it has a path
/// separator or a file extension, and no URL scheme.
fn looks_like_path(input: &str) -> bool {
    if input.contains("://") || input.contains('#') {
        return false;
    }
    input.contains('/')
        || input.contains('\\')
        || Path::new(input)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| !e.is_empty() && e.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn decode_image(bytes: &[u8], input: &str) -> Result<Vec<String>, SourceError> {
    crate::scan::decode_image_bytes(bytes).map_err(|e| SourceError::Unreadable {
        input: input.to_string(),
        message: e.to_string(),
    })
}
