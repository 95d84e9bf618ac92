//! NFC output and input: NDEF messages and NFC Forum Type 2 tag (NTAG21x) memory images.
//!
//! A phone tapped on the packaging's NFC tag must open the same link as the QR code, and
//! a verifier must be able to read the same signature back from a dump of that tag. This
//! module builds the bytes a writer puts on the tag and parses such bytes back:
//!
//! - [`ndef_message`] builds an NDEF message: one URI record (the link, with the URI RTD
//!   prefix code so `https://` costs one byte) and, optionally, a MIME record of type
//!   `application/cose; cose-type="cose-sign1"` holding the raw COSE_Sign1 bytes.
//! - [`user_area`] / [`tag_image`] wrap a message in the Type 2 tag TLV structure and,
//!   for the full image, the UID, lock and capability-container pages of an NTAG21x.
//!   A message that does not fit gives [`NfcError::TooLarge`] with the numbers.
//! - [`parse`] (and [`parse_any`], [`parse_hex`]) read untrusted bytes back: a bare NDEF
//!   message, a full tag image or a user-area dump. Every malformation is a typed
//!   [`NfcError`]; nothing here panics on bad input (see the property test in
//!   `tests/nfc.rs`).
//! - [`hex_dump`] renders an image one 4-byte page per line, the way tag tools show
//!   memory, and [`parse_hex`] reads it back.
//!
//! ## Why hand-rolled
//!
//! The house rule is to prefer a well-kept crate. We looked (docs.rs / lib.rs, 2026):
//! `ndef-rs` 0.2.2 (last release Oct 2024, 0 % of its items documented, pulls in
//! `anyhow`, `strum`, `byteorder` and thiserror 1) builds records but has no Type 2 tag
//! layer (capability container, TLVs); `ndef` 0.5 is GPL-3.0, which this MIT/Apache
//! crate cannot take; `nanondef` 0.0.1 is a first pre-release aimed at `no_std`/heapless
//! use. None of them writes an NTAG memory image, and what we need from NDEF is small
//! (two record types, short and long form, no chunking), so the whole format lives here
//! in a few hundred lines that are checked against an independent parser (Python
//! `ndeflib`) in the tests.

use std::fmt;

/// URI identifier codes 0x00–0x23 from the NFC Forum URI Record Type Definition: the
/// index is the code byte, the string the prefix it stands for.
const URI_PREFIXES: [&str; 36] = [
    "",
    "http://www.",
    "https://www.",
    "http://",
    "https://",
    "tel:",
    "mailto:",
    "ftp://anonymous:anonymous@",
    "ftp://ftp.",
    "ftps://",
    "sftp://",
    "smb://",
    "nfs://",
    "ftp://",
    "dav://",
    "news:",
    "telnet://",
    "imap:",
    "rtsp://",
    "urn:",
    "pop:",
    "sip:",
    "sips:",
    "tftp:",
    "btspp://",
    "btl2cap://",
    "btgoep://",
    "tcpobex://",
    "irdaobex://",
    "file://",
    "urn:epc:id:",
    "urn:epc:tag:",
    "urn:epc:pat:",
    "urn:epc:raw:",
    "urn:epc:",
    "urn:nfc:",
];

/// The media type of the optional second record. The `cose-type` parameter (RFC 9052
/// §2) tells a reader which COSE structure follows without parsing it.
pub const COSE_MIME_TYPE: &str = "application/cose; cose-type=\"cose-sign1\"";

// NDEF record header flags (NFC Forum NDEF 1.0 §3.2).
const MB: u8 = 0x80;
const ME: u8 = 0x40;
const CF: u8 = 0x20;
const SR: u8 = 0x10;
const IL: u8 = 0x08;
const TNF_MASK: u8 = 0x07;

const TNF_EMPTY: u8 = 0x00;
const TNF_WELL_KNOWN: u8 = 0x01;
const TNF_MIME: u8 = 0x02;
const TNF_UNCHANGED: u8 = 0x06;
const TNF_RESERVED: u8 = 0x07;

// Type 2 tag TLV types (NFC Forum Type 2 Tag spec §2.3).
const TLV_NULL: u8 = 0x00;
const TLV_LOCK_CONTROL: u8 = 0x01;
const TLV_MEMORY_CONTROL: u8 = 0x02;
const TLV_NDEF: u8 = 0x03;
const TLV_PROPRIETARY: u8 = 0xFD;
const TLV_TERMINATOR: u8 = 0xFE;

/// Capability-container magic number: "this tag holds NDEF data".
const CC_MAGIC: u8 = 0xE1;
/// Offset of the capability container in a full image (page 3).
const CC_OFFSET: usize = 12;
/// Offset of the data area in a full image (page 4).
const DATA_OFFSET: usize = 16;

/// The UID we put in pages 0–2 of a generated image. Real tags have a factory-programmed
/// UID that no writer can change; writers only write from page 4 on. 0x04 is NXP's
/// manufacturer code; the rest is zeros so nobody mistakes it for a real tag's UID.
const FAKE_UID: [u8; 7] = [0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
/// The cascade tag that ISO 14443-3 folds into BCC0.
const CASCADE_TAG: u8 = 0x88;
/// Byte 1 of page 2 on NTAG21x ("internal" in the datasheet).
const NTAG_INTERNAL: u8 = 0x48;

/// An NXP NTAG21x tag model. The three differ only in memory size, which is what
/// decides whether a signed declaration fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum TagType {
    /// 144 bytes of user memory, all usable for NDEF: too small for a signed link.
    Ntag213,
    /// 504 bytes of user memory, 496 for NDEF: the usual choice.
    Ntag215,
    /// 888 bytes of user memory, 872 for NDEF.
    Ntag216,
}

impl TagType {
    /// All models, smallest first (the order [`TagType::smallest_fitting`] tries them).
    pub const ALL: [TagType; 3] = [TagType::Ntag213, TagType::Ntag215, TagType::Ntag216];

    /// Bytes of user memory (pages 4 up to the dynamic lock bytes), per the NTAG21x
    /// datasheet. This is all an NDEF writer may use.
    pub fn user_memory(self) -> usize {
        match self {
            TagType::Ntag213 => 144,
            TagType::Ntag215 => 504,
            TagType::Ntag216 => 888,
        }
    }

    /// Byte 2 of the capability container: the data-area size divided by 8, exactly as
    /// NXP programs it at the factory.
    pub fn cc_size_byte(self) -> u8 {
        match self {
            TagType::Ntag213 => 0x12,
            TagType::Ntag215 => 0x3E,
            TagType::Ntag216 => 0x6D,
        }
    }

    /// The product name as printed on tag packaging ("NTAG215").
    pub fn name(self) -> &'static str {
        match self {
            TagType::Ntag213 => "NTAG213",
            TagType::Ntag215 => "NTAG215",
            TagType::Ntag216 => "NTAG216",
        }
    }

    /// Bytes an NDEF writer may fill: the data-area size the capability container
    /// declares (144 / 496 / 872). On NTAG215/216 this is 8 / 16 bytes less than the
    /// datasheet's user memory, and readers (phones included) stop at the CC's size, so
    /// this, not [`TagType::user_memory`], decides whether a message fits.
    pub fn ndef_capacity(self) -> usize {
        usize::from(self.cc_size_byte()) * 8
    }

    /// The smallest model whose NDEF capacity holds `needed` bytes, if any.
    pub fn smallest_fitting(needed: usize) -> Option<TagType> {
        TagType::ALL
            .into_iter()
            .find(|t| t.ndef_capacity() >= needed)
    }
}

impl fmt::Display for TagType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a tag or NDEF dump told us: the link and the COSE bytes, each if present.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NfcContent {
    /// The link a phone opens: the URI of the message's first record (or of the URI
    /// inside a Smart Poster that is the first record), with its prefix expanded.
    pub uri: Option<String>,
    /// The payload of the `application/cose` MIME record.
    pub cose: Option<Vec<u8>>,
    /// The records besides the link and the COSE record, described for a reader
    /// ("record 2: a text record"): a verifier reports them.
    pub others: Vec<String>,
}

/// Everything that can go wrong building or parsing NFC data. Offsets are byte offsets
/// into the input as given to [`parse`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum NfcError {
    /// The message plus its TLV wrapping is larger than the tag's NDEF data area.
    #[error(
        "the NDEF message needs {needed} bytes of tag memory but an {tag} has {available}; {}",
        fit_hint(*.smallest_fitting)
    )]
    #[diagnostic(help("choose a larger tag with --tag (or drop --with-cose if it was given)"))]
    TooLarge {
        needed: usize,
        available: usize,
        tag: TagType,
        smallest_fitting: Option<TagType>,
    },
    /// An empty link cannot be a URI record.
    #[error("the link is empty; an NFC URI record needs a URI")]
    EmptyUri,
    /// A record payload longer than the 4-byte length field allows.
    #[error("a record payload of {len} bytes is longer than NDEF allows (4 GiB)")]
    RecordTooLong { len: usize },
    /// The input has no bytes.
    #[error("the NFC data is empty")]
    EmptyInput,
    /// The first byte fits none of the accepted layouts.
    #[error(
        "not NFC data: the first byte 0x{first:02x} starts neither an NDEF message (MB flag \
         0x80 set), a Type 2 tag image (0xE1 at byte 12) nor a TLV area (0x00–0x03)"
    )]
    #[diagnostic(help(
        "give a bare NDEF message, a full NTAG memory image, or a dump from page 4"
    ))]
    UnrecognizedFormat { first: u8 },
    /// The input ends inside a structure.
    #[error("truncated {what} at byte {offset}")]
    Truncated { offset: usize, what: &'static str },
    /// A length field points past the end of the data it lives in.
    #[error("{what} at byte {offset} declares {declared} bytes but only {available} remain")]
    LengthBeyondBuffer {
        offset: usize,
        what: &'static str,
        declared: usize,
        available: usize,
    },
    /// Chunked records (CF flag) are legal NDEF but nothing we write uses them.
    #[error(
        "the record at byte {offset} is chunked (CF flag set); chunked NDEF records are not \
         supported"
    )]
    Chunked { offset: usize },
    /// TNF 0x07 is reserved; TNF 0x06 (unchanged) is only valid inside a chunk.
    #[error("the record at byte {offset} has type name format 0x{tnf:02x}, which is {}", tnf_problem(*.tnf))]
    UnknownTnf { offset: usize, tnf: u8 },
    /// An empty record (TNF 0) must have no type, id or payload.
    #[error("the empty record (TNF 0) at byte {offset} carries type, id or payload bytes")]
    InvalidEmptyRecord { offset: usize },
    /// The first record lacks the message-begin flag, or a later one has it.
    #[error("the record at byte {offset} {}", if *.first { "is the first but lacks the MB (message begin) flag" } else { "sets the MB (message begin) flag but is not the first" })]
    MessageBegin { offset: usize, first: bool },
    /// The data ended before a record with the message-end flag.
    #[error(
        "the NDEF message ends at byte {offset} without a record carrying the ME (message end) flag"
    )]
    MissingMessageEnd { offset: usize },
    /// Bytes follow the record with the ME flag inside the message.
    #[error("{count} unexpected bytes after the last NDEF record, at byte {offset}")]
    TrailingBytes { offset: usize, count: usize },
    /// A URI record whose payload lacks even the prefix byte.
    #[error("the URI record at byte {offset} has an empty payload (no prefix code)")]
    EmptyUriRecord { offset: usize },
    /// A URI prefix code beyond the table (0x24–0xFF are reserved).
    #[error(
        "the URI record at byte {offset} uses reserved prefix code 0x{code:02x} (valid: 0x00–0x23)"
    )]
    UnknownUriPrefix { offset: usize, code: u8 },
    /// A URI record whose text is not UTF-8.
    #[error("the URI record at byte {offset} is not valid UTF-8")]
    UriNotUtf8 { offset: usize },
    /// The first record, the one a phone acts on, is not a link.
    #[error(
        "the first record of the NDEF message (the one a phone acts on) is {kind}, not a link{}",
        if *.later_link { "; the link in a later record is not what a phone opens" } else { "" }
    )]
    FirstRecordNotLink { kind: String, later_link: bool },
    /// Two URI records or two COSE records: which one would a phone or verifier use?
    #[error(
        "the NDEF message has more than one {what} (second at byte {offset}); refusing to guess which one counts"
    )]
    Duplicate { offset: usize, what: &'static str },
    /// A TLV length runs past the end of the data area.
    #[error(
        "the TLV of type 0x{tlv:02x} at byte {offset} declares {declared} bytes but only {available} remain"
    )]
    TlvPastEnd {
        offset: usize,
        tlv: u8,
        declared: usize,
        available: usize,
    },
    /// A reserved TLV type.
    #[error(
        "unknown TLV type 0x{tlv:02x} at byte {offset} (expected 0x00, 0x01, 0x02, 0x03, 0xFD or 0xFE)"
    )]
    UnknownTlv { offset: usize, tlv: u8 },
    /// The TLV area has no NDEF TLV before its end or terminator.
    #[error("no NDEF message TLV (type 0x03) found in the tag data")]
    NoNdefMessage,
    /// An NDEF TLV of length 0: a formatted but blank tag.
    #[error("the NDEF TLV at byte {offset} is empty: the tag is formatted but holds no message")]
    EmptyMessage { offset: usize },
    /// The capability container names a mapping version we do not know.
    #[error(
        "capability container version 0x{version:02x} is not supported (expected major version 1, e.g. 0x10)"
    )]
    UnsupportedCcVersion { version: u8 },
    /// A line of a hex dump that is not hex.
    #[error("line {line} of the hex dump: {reason}")]
    #[diagnostic(help(
        "each line is `page N: xx xx xx xx | note` or plain hex pairs; `#` starts a comment"
    ))]
    InvalidHex { line: usize, reason: String },
}

fn fit_hint(smallest: Option<TagType>) -> String {
    match smallest {
        Some(t) => format!(
            "the smallest tag that fits is {t} ({} bytes)",
            t.ndef_capacity()
        ),
        None => format!(
            "no NTAG21x is large enough (the largest, {}, has {} bytes)",
            TagType::Ntag216,
            TagType::Ntag216.ndef_capacity()
        ),
    }
}

fn tnf_problem(tnf: u8) -> &'static str {
    if tnf == TNF_UNCHANGED {
        "only valid in the middle of a chunked record"
    } else {
        "reserved"
    }
}

// ---------------------------------------------------------------------------------------
// Building

/// Builds the NDEF message a tag carries: a URI record for `uri` and, if `cose` is given,
/// a MIME record with the raw COSE_Sign1 bytes (so a verifier app can read the signature
/// without parsing the link).
///
/// The URI is stored with the longest matching prefix code from the URI RTD (`https://`
/// → 0x04, one byte instead of eight). Each record uses the short form (1-byte payload
/// length) when its payload is at most 255 bytes, the long form otherwise.
pub fn ndef_message(uri: &str, cose: Option<&[u8]>) -> Result<Vec<u8>, NfcError> {
    if uri.is_empty() {
        return Err(NfcError::EmptyUri);
    }
    let (code, rest) = compress_uri(uri);
    let mut uri_payload = Vec::with_capacity(1 + rest.len());
    uri_payload.push(code);
    uri_payload.extend_from_slice(rest.as_bytes());

    let mut out = Vec::new();
    push_record(
        &mut out,
        true,
        cose.is_none(),
        TNF_WELL_KNOWN,
        b"U",
        &uri_payload,
    )?;
    if let Some(cose) = cose {
        push_record(
            &mut out,
            false,
            true,
            TNF_MIME,
            COSE_MIME_TYPE.as_bytes(),
            cose,
        )?;
    }
    Ok(out)
}

/// Picks the longest URI RTD prefix that `uri` starts with.
fn compress_uri(uri: &str) -> (u8, &str) {
    let mut best: (u8, &str) = (0, uri);
    let mut best_len = 0;
    for (code, prefix) in (0u8..).zip(URI_PREFIXES.iter()) {
        if prefix.len() > best_len
            && let Some(rest) = uri.strip_prefix(prefix)
        {
            best = (code, rest);
            best_len = prefix.len();
        }
    }
    best
}

fn push_record(
    out: &mut Vec<u8>,
    mb: bool,
    me: bool,
    tnf: u8,
    typ: &[u8],
    payload: &[u8],
) -> Result<(), NfcError> {
    let short = payload.len() <= 0xFF;
    let mut header = tnf;
    if mb {
        header |= MB;
    }
    if me {
        header |= ME;
    }
    if short {
        header |= SR;
    }
    out.push(header);
    // Our record types are the constant "U" and COSE_MIME_TYPE, both well under 256.
    out.push(u8::try_from(typ.len()).map_err(|_| NfcError::RecordTooLong { len: typ.len() })?);
    if short {
        out.push(payload.len() as u8);
    } else {
        let len = u32::try_from(payload.len())
            .map_err(|_| NfcError::RecordTooLong { len: payload.len() })?;
        out.extend_from_slice(&len.to_be_bytes());
    }
    out.extend_from_slice(typ);
    out.extend_from_slice(payload);
    Ok(())
}

/// Bytes of tag memory a message of `message_len` bytes occupies: the NDEF TLV header
/// (2 bytes, or 4 from 255 bytes on), the message, and the 1-byte terminator TLV.
pub fn needed_bytes(message_len: usize) -> usize {
    tlv_header_len(message_len) + message_len + 1
}

fn tlv_header_len(len: usize) -> usize {
    if len < 0xFF { 2 } else { 4 }
}

/// The bytes a writer app writes from page 4 on: NDEF TLV, message, terminator TLV,
/// zero padding up to the tag's user memory size. The TLVs must fit the data area the
/// capability container declares ([`TagType::ndef_capacity`]).
pub fn user_area(message: &[u8], tag: TagType) -> Result<Vec<u8>, NfcError> {
    let needed = needed_bytes(message.len());
    let available = tag.ndef_capacity();
    if needed > available {
        return Err(NfcError::TooLarge {
            needed,
            available,
            tag,
            smallest_fitting: TagType::smallest_fitting(needed),
        });
    }
    let mut out = Vec::with_capacity(available);
    out.push(TLV_NDEF);
    if message.len() < 0xFF {
        out.push(message.len() as u8);
    } else {
        // needed <= 888 here, so the length fits the 3-byte form (max 0xFFFE).
        out.push(0xFF);
        out.extend_from_slice(&(message.len() as u16).to_be_bytes());
    }
    out.extend_from_slice(message);
    out.push(TLV_TERMINATOR);
    out.resize(tag.user_memory(), 0);
    Ok(out)
}

/// The full memory image of an NTAG21x holding `message`, from page 0 to the end of user
/// memory: UID/BCC/lock pages 0–2 (with a fake UID, see the docs), the capability
/// container on page 3, then [`user_area`]. The dynamic lock and configuration pages
/// after user memory are left out on purpose: writing zeros there would set AUTH0 = 0
/// and password-protect the whole tag.
pub fn tag_image(message: &[u8], tag: TagType) -> Result<Vec<u8>, NfcError> {
    let area = user_area(message, tag)?;
    let u = FAKE_UID;
    let bcc0 = CASCADE_TAG ^ u[0] ^ u[1] ^ u[2];
    let bcc1 = u[3] ^ u[4] ^ u[5] ^ u[6];
    let mut img = Vec::with_capacity(DATA_OFFSET + area.len());
    img.extend_from_slice(&[u[0], u[1], u[2], bcc0]); // page 0
    img.extend_from_slice(&[u[3], u[4], u[5], u[6]]); // page 1
    img.extend_from_slice(&[bcc1, NTAG_INTERNAL, 0x00, 0x00]); // page 2: static lock bytes open
    // page 3: CC = magic, mapping version 1.0, size/8, read/write access.
    img.extend_from_slice(&[CC_MAGIC, 0x10, tag.cc_size_byte(), 0x00]);
    img.extend_from_slice(&area);
    Ok(img)
}

// ---------------------------------------------------------------------------------------
// Parsing

/// Reads the link and COSE bytes from untrusted NFC data: a bare NDEF message (first
/// byte has the MB flag), a Type 2 tag image (capability container magic 0xE1 at byte
/// 12) or a user-area dump that starts with TLVs (first byte 0x00–0x03).
pub fn parse(bytes: &[u8]) -> Result<NfcContent, NfcError> {
    let first = *bytes.first().ok_or(NfcError::EmptyInput)?;
    if first & MB != 0 {
        return parse_message(bytes, 0);
    }
    let is_tlv_start = matches!(
        first,
        TLV_NULL | TLV_LOCK_CONTROL | TLV_MEMORY_CONTROL | TLV_NDEF
    );
    if bytes.len() >= DATA_OFFSET && bytes.get(CC_OFFSET) == Some(&CC_MAGIC) {
        match parse_image(bytes) {
            Ok(c) => return Ok(c),
            // A user-area dump can have 0xE1 at byte 12 by chance (inside the link);
            // give it its own chance before reporting the image error.
            Err(e) if is_tlv_start => return parse_tlvs(bytes, 0, bytes.len()).map_err(|_| e),
            Err(e) => return Err(e),
        }
    }
    if is_tlv_start {
        return parse_tlvs(bytes, 0, bytes.len());
    }
    Err(NfcError::UnrecognizedFormat { first })
}

/// Like [`parse`], but also accepts the text of a [`hex_dump`] (or any hex text): if the
/// data starts with printable ASCII it is read as hex first. NFC binary data never does:
/// it starts with a record header (≥ 0x80), a TLV type (≤ 0x03) or a UID byte.
pub fn parse_any(bytes: &[u8]) -> Result<NfcContent, NfcError> {
    let first_non_space = bytes.iter().find(|b| !b.is_ascii_whitespace());
    // Only text is read as hex: binary data that happens to start with a printable byte
    // (a UID byte, say) is parsed as binary, so its errors describe the binary.
    match (first_non_space, std::str::from_utf8(bytes)) {
        (Some(b), Ok(text)) if b.is_ascii_graphic() => parse(&parse_hex(text)?),
        _ => parse(bytes),
    }
}

fn parse_image(bytes: &[u8]) -> Result<NfcContent, NfcError> {
    let version = bytes.get(CC_OFFSET + 1).copied().unwrap_or(0);
    if version >> 4 != 1 {
        return Err(NfcError::UnsupportedCcVersion { version });
    }
    let size = usize::from(bytes.get(CC_OFFSET + 2).copied().unwrap_or(0)) * 8;
    // A dump may continue past user memory (dynamic lock and config pages): stop where
    // the capability container says the data area ends.
    let end = bytes.len().min(DATA_OFFSET + size);
    parse_tlvs(bytes, DATA_OFFSET, end)
}

/// Walks the TLVs in `bytes[start..end]` and parses the first NDEF TLV.
fn parse_tlvs(bytes: &[u8], start: usize, end: usize) -> Result<NfcContent, NfcError> {
    let mut pos = start;
    while pos < end {
        let tlv = bytes.get(pos).copied().ok_or(NfcError::NoNdefMessage)?;
        match tlv {
            TLV_NULL => {
                pos += 1;
                continue;
            }
            TLV_TERMINATOR => break,
            TLV_LOCK_CONTROL | TLV_MEMORY_CONTROL | TLV_NDEF | TLV_PROPRIETARY => {}
            _ => return Err(NfcError::UnknownTlv { offset: pos, tlv }),
        }
        let truncated = NfcError::Truncated {
            offset: pos,
            what: "TLV length",
        };
        let (len, value_start) = match bytes.get(pos + 1).copied() {
            Some(0xFF) => {
                let hi = *bytes
                    .get(pos + 2)
                    .filter(|_| pos + 2 < end)
                    .ok_or(truncated.clone())?;
                let lo = *bytes
                    .get(pos + 3)
                    .filter(|_| pos + 3 < end)
                    .ok_or(truncated)?;
                (usize::from(u16::from_be_bytes([hi, lo])), pos + 4)
            }
            Some(l) if pos + 1 < end => (usize::from(l), pos + 2),
            _ => return Err(truncated),
        };
        let available = end.saturating_sub(value_start);
        if len > available {
            return Err(NfcError::TlvPastEnd {
                offset: pos,
                tlv,
                declared: len,
                available,
            });
        }
        let value_end = value_start + len;
        if tlv == TLV_NDEF {
            if len == 0 {
                return Err(NfcError::EmptyMessage { offset: pos });
            }
            let message = bytes
                .get(value_start..value_end)
                .ok_or(NfcError::NoNdefMessage)?;
            return parse_message(message, value_start);
        }
        pos = value_end;
    }
    Err(NfcError::NoNdefMessage)
}

/// One decoded record header + slices, borrowed from the input.
struct Record<'a> {
    offset: usize,
    flags: u8,
    typ: &'a [u8],
    payload: &'a [u8],
}

/// A cursor over untrusted bytes; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    fn u8(&mut self, what: &'static str) -> Result<u8, NfcError> {
        let b = self
            .bytes
            .get(self.pos)
            .copied()
            .ok_or(NfcError::Truncated {
                offset: self.base + self.pos,
                what,
            })?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], NfcError> {
        let available = self.bytes.len().saturating_sub(self.pos);
        if len > available {
            return Err(NfcError::LengthBeyondBuffer {
                offset: self.base + self.pos,
                what,
                declared: len,
                available,
            });
        }
        let s = self
            .bytes
            .get(self.pos..self.pos + len)
            .ok_or(NfcError::Truncated {
                offset: self.base + self.pos,
                what,
            })?;
        self.pos += len;
        Ok(s)
    }

    fn record(&mut self) -> Result<Record<'a>, NfcError> {
        let offset = self.base + self.pos;
        let flags = self.u8("record header")?;
        if flags & CF != 0 {
            return Err(NfcError::Chunked { offset });
        }
        let tnf = flags & TNF_MASK;
        if tnf == TNF_UNCHANGED || tnf == TNF_RESERVED {
            return Err(NfcError::UnknownTnf { offset, tnf });
        }
        let type_len = usize::from(self.u8("record type length")?);
        let payload_len = if flags & SR != 0 {
            usize::from(self.u8("record payload length")?)
        } else {
            let b = self.take(4, "record payload length")?;
            let arr: [u8; 4] = b.try_into().map_err(|_| NfcError::Truncated {
                offset,
                what: "record payload length",
            })?;
            usize::try_from(u32::from_be_bytes(arr)).unwrap_or(usize::MAX)
        };
        let id_len = if flags & IL != 0 {
            usize::from(self.u8("record id length")?)
        } else {
            0
        };
        let typ = self.take(type_len, "record type")?;
        self.take(id_len, "record id")?;
        let payload = self.take(payload_len, "record payload")?;
        if tnf == TNF_EMPTY && (type_len != 0 || id_len != 0 || payload_len != 0) {
            return Err(NfcError::InvalidEmptyRecord { offset });
        }
        Ok(Record {
            offset,
            flags,
            typ,
            payload,
        })
    }
}

/// Parses a bare NDEF message; `base` is its offset in the caller's input (for errors).
fn parse_message(bytes: &[u8], base: usize) -> Result<NfcContent, NfcError> {
    parse_message_at(bytes, base, 0)
}

/// A record's kind in words, for reports.
fn describe_record(tnf: u8, typ: &[u8]) -> String {
    let t = String::from_utf8_lossy(&typ[..typ.len().min(40)]);
    let t = crate::untrusted::escape(&t).into_owned();
    match (tnf, typ) {
        (TNF_WELL_KNOWN, b"T") => "a text record".into(),
        (TNF_WELL_KNOWN, b"Sp") => "a Smart Poster".into(),
        (TNF_WELL_KNOWN, _) => format!("a well-known record of type {t:?}"),
        (TNF_MIME, _) => format!("a MIME record of type {t:?}"),
        (0x03, _) => format!("an absolute-URI record {t:?}"),
        (0x04, b"android.com:pkg") => "an Android application record".into(),
        (0x04, _) => format!("an external record of type {t:?}"),
        (TNF_EMPTY, _) => "an empty record".into(),
        _ => format!("a record of TNF {tnf}"),
    }
}

fn parse_message_at(bytes: &[u8], base: usize, depth: u8) -> Result<NfcContent, NfcError> {
    let mut r = Reader {
        bytes,
        pos: 0,
        base,
    };
    let mut content = NfcContent::default();
    let mut first = true;
    let mut count = 0usize;
    let mut first_kind: Option<String> = None;
    let mut later_link = false;
    loop {
        if r.pos >= bytes.len() {
            return Err(NfcError::MissingMessageEnd {
                offset: base + r.pos,
            });
        }
        let rec = r.record()?;
        let has_mb = rec.flags & MB != 0;
        if has_mb != first {
            return Err(NfcError::MessageBegin {
                offset: rec.offset,
                first,
            });
        }
        let index = count + 1;
        count += 1;
        match rec.flags & TNF_MASK {
            TNF_WELL_KNOWN if rec.typ == b"U" => {
                if content.uri.is_some() {
                    return Err(NfcError::Duplicate {
                        offset: rec.offset,
                        what: "URI record",
                    });
                }
                let uri = decode_uri(rec.payload, rec.offset)?;
                if first {
                    content.uri = Some(uri);
                } else {
                    later_link = true;
                    content
                        .others
                        .push(format!("record {index}: a link that a phone does not open"));
                }
            }
            // A Smart Poster first: a phone opens the URI inside it.
            TNF_WELL_KNOWN if rec.typ == b"Sp" && first && depth == 0 => {
                let inner = parse_message_at(rec.payload, rec.offset, depth + 1)?;
                content.uri = inner.uri;
                content.others.extend(
                    inner
                        .others
                        .into_iter()
                        .map(|o| format!("record 1 (Smart Poster), {o}")),
                );
                if content.uri.is_none() {
                    first_kind = Some("a Smart Poster without a link".to_string());
                }
            }
            TNF_MIME if is_cose_type(rec.typ) => {
                if content.cose.is_some() {
                    return Err(NfcError::Duplicate {
                        offset: rec.offset,
                        what: "COSE record",
                    });
                }
                content.cose = Some(rec.payload.to_vec());
                if first {
                    first_kind = Some("a COSE record".to_string());
                }
            }
            // Other records (text, app records, ...) are legal and not ours: report them.
            _ => {
                let kind = describe_record(rec.flags & TNF_MASK, rec.typ);
                if first {
                    first_kind = Some(kind.clone());
                }
                content.others.push(format!("record {index}: {kind}"));
            }
        }
        first = false;
        if rec.flags & ME != 0 {
            break;
        }
    }
    // What a phone opens is the first record: a link anywhere else is not verified as
    // if it were the tag's (a COSE record alone, which no phone opens, stays readable).
    if let Some(kind) = first_kind
        && (later_link || content.uri.is_some())
    {
        return Err(NfcError::FirstRecordNotLink { kind, later_link });
    }
    if r.pos < bytes.len() {
        return Err(NfcError::TrailingBytes {
            offset: base + r.pos,
            count: bytes.len() - r.pos,
        });
    }
    Ok(content)
}

fn decode_uri(payload: &[u8], offset: usize) -> Result<String, NfcError> {
    let (&code, rest) = payload
        .split_first()
        .ok_or(NfcError::EmptyUriRecord { offset })?;
    let prefix = URI_PREFIXES
        .get(usize::from(code))
        .ok_or(NfcError::UnknownUriPrefix { offset, code })?;
    let rest = std::str::from_utf8(rest).map_err(|_| NfcError::UriNotUtf8 { offset })?;
    Ok(format!("{prefix}{rest}"))
}

/// Media types compare case-insensitively on type/subtype; parameters are not checked,
/// so a bare `application/cose` record is accepted too.
fn is_cose_type(typ: &[u8]) -> bool {
    let essence = typ.split(|&b| b == b';').next().unwrap_or(&[]);
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(b"application/cose")
}

// ---------------------------------------------------------------------------------------
// Hex dumps

/// A readable dump of a tag image: one 4-byte page per line (`page   4: 03 ff 01 23`),
/// with notes for the UID, lock and CC pages, the NDEF TLV and the terminator. It is the
/// format tag tools show and people paste into issues; [`parse_hex`] reads it back.
pub fn hex_dump(image: &[u8]) -> String {
    let is_image = image.len() >= DATA_OFFSET && image.get(CC_OFFSET) == Some(&CC_MAGIC);
    let mut notes: Vec<(usize, String)> = Vec::new();
    if is_image {
        notes.push((0, "UID0-2, BCC0".into()));
        notes.push((1, "UID3-6".into()));
        notes.push((2, "BCC1, internal, static lock bytes".into()));
        let size = usize::from(image.get(CC_OFFSET + 2).copied().unwrap_or(0)) * 8;
        notes.push((
            3,
            format!("capability container: NDEF v1.0, {size} bytes, read/write"),
        ));
        let (ndef, term) = tlv_positions(image, DATA_OFFSET);
        if let Some((at, len)) = ndef {
            notes.push((
                at / 4,
                format!("NDEF TLV at byte {at}, message length {len}"),
            ));
        }
        if let Some(at) = term {
            notes.push((
                at / 4,
                format!("terminator TLV at byte {at}, then zero padding"),
            ));
        }
    }
    let mut out = String::new();
    out.push_str(&format!(
        "# iotlabel NFC dump: {} bytes, {} pages of 4 bytes\n",
        image.len(),
        image.len().div_ceil(4)
    ));
    for (page, chunk) in image.chunks(4).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        out.push_str(&format!("page {page:3}: {:<11}", hex.join(" ")));
        let page_notes: Vec<&str> = notes
            .iter()
            .filter(|(p, _)| *p == page)
            .map(|(_, n)| n.as_str())
            .collect();
        if !page_notes.is_empty() {
            out.push_str(" | ");
            out.push_str(&page_notes.join("; "));
        }
        while out.ends_with(' ') {
            out.pop();
        }
        out.push('\n');
    }
    out
}

/// Finds the NDEF TLV (offset, length) and terminator offset, for annotations only.
fn tlv_positions(bytes: &[u8], start: usize) -> (Option<(usize, usize)>, Option<usize>) {
    let mut pos = start;
    let mut ndef = None;
    while let Some(&t) = bytes.get(pos) {
        match t {
            TLV_NULL => pos += 1,
            TLV_TERMINATOR => return (ndef, Some(pos)),
            _ => {
                let (len, hdr) = match bytes.get(pos + 1) {
                    Some(0xFF) => match (bytes.get(pos + 2), bytes.get(pos + 3)) {
                        (Some(&h), Some(&l)) => (usize::from(u16::from_be_bytes([h, l])), 4),
                        _ => return (ndef, None),
                    },
                    Some(&l) => (usize::from(l), 2),
                    None => return (ndef, None),
                };
                if t == TLV_NDEF && ndef.is_none() {
                    ndef = Some((pos, len));
                }
                pos += hdr + len;
            }
        }
    }
    (ndef, None)
}

/// Reads the text of a [`hex_dump`] back into bytes. Also accepts plain hex: on each line
/// a leading `page N:` label is dropped, everything after `|` or `#` is a comment, and
/// the rest must be hex digit pairs (spaces optional).
pub fn parse_hex(text: &str) -> Result<Vec<u8>, NfcError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let mut s = raw;
        if let Some(cut) = s.find(['#', '|']) {
            s = s.get(..cut).unwrap_or("");
        }
        let trimmed = s.trim_start();
        if trimmed.len() >= 4
            && trimmed
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("page"))
        {
            s = match trimmed.split_once(':') {
                Some((_, rest)) => rest,
                None => {
                    return Err(NfcError::InvalidHex {
                        line,
                        reason: "a `page N` label must end with `:`".into(),
                    });
                }
            };
        }
        let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        if !digits.len().is_multiple_of(2) {
            return Err(NfcError::InvalidHex {
                line,
                reason: "odd number of hex digits".into(),
            });
        }
        for pair in digits.chunks(2) {
            let hi = hex_val(pair.first().copied(), line)?;
            let lo = hex_val(pair.get(1).copied(), line)?;
            out.push(hi << 4 | lo);
        }
    }
    if out.is_empty() {
        return Err(NfcError::InvalidHex {
            line: 1,
            reason: "no hex bytes found".into(),
        });
    }
    Ok(out)
}

fn hex_val(c: Option<u8>, line: usize) -> Result<u8, NfcError> {
    match c {
        Some(c @ b'0'..=b'9') => Ok(c - b'0'),
        Some(c @ b'a'..=b'f') => Ok(c - b'a' + 10),
        Some(c @ b'A'..=b'F') => Ok(c - b'A' + 10),
        Some(c) => Err(NfcError::InvalidHex {
            line,
            reason: format!("{:?} is not a hex digit", char::from(c)),
        }),
        None => Err(NfcError::InvalidHex {
            line,
            reason: "odd number of hex digits".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcc_bytes_follow_the_datasheet() {
        let img = tag_image(b"\xd0\x00\x00", TagType::Ntag213).unwrap();
        assert_eq!(img[3], 0x88 ^ img[0] ^ img[1] ^ img[2]);
        assert_eq!(img[8], img[4] ^ img[5] ^ img[6] ^ img[7]);
    }

    #[test]
    fn longest_prefix_wins() {
        assert_eq!(compress_uri("https://www.x"), (0x02, "x"));
        assert_eq!(compress_uri("https://x"), (0x04, "x"));
        assert_eq!(compress_uri("urn:epc:id:1"), (0x1E, "1"));
        assert_eq!(compress_uri("HTTPS://X"), (0x00, "HTTPS://X"));
    }
}
