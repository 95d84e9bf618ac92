//! Product records: the label's signed second layer.
//!
//! A label is an offline snapshot. Its record, published as a static file beside the
//! verifier page, says what changed since it was printed (support extended, label
//! withdrawn or superseded) and carries what does not fit on a label: the details URL,
//! the vulnerability contact, the firmware and hardware versions and the declaration's
//! free-text notes. A record is a COSE_Sign1 over a deterministic CBOR map, in the same
//! envelope and with the same keys as labels ([`crate::envelope`]), so it is verified by
//! the same code path: [`crate::verify::verify_record`].
//!
//! A record is addressed by a short hash of the label's signed bytes ([`address`]: the
//! first 8 bytes of SHA-256 over the label's COSE_Sign1 bytes, in hex), so the page can
//! fetch it from its own origin without sending the payload anywhere, and it names the
//! label by the full SHA-256, so a record cannot be moved to another label. Each record
//! has a sequence number; `extend` and `withdraw` write the next one and keep the
//! previous one beside it as `<address>.<seq>`.
//!
//! Beside each record its label is kept as `<address>.label` (the COSE bytes), from which
//! `iotlabel site --records` builds the product list the page shows without a fragment.
//!
//! Field 1 of a record is a byte string and field 1 of a label payload a text string,
//! so neither decodes as the other although both are signed with the same key.
//!
//! Entry points: [`Record::from_declaration`], [`encode`], [`decode`], [`address`].

use crate::declaration::{Declaration, YearMonth};
use minicbor::Encoder;
use std::collections::BTreeMap;

/// Record format version (field 0).
pub const RECORD_VERSION: u64 = 1;
/// Bytes of the label hash in a record's address.
pub const ADDRESS_BYTES: usize = 8;
/// Largest record accepted (bytes): the page downloads it on every scan.
pub const MAX_RECORD_BYTES: usize = 16 * 1024;
/// Longest text field (characters); notes may be longer.
const MAX_TEXT: usize = 300;
const MAX_NOTE: usize = 2000;

/// Why a label was withdrawn or superseded (field 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// A security flaw that updates will not fix.
    SecurityIssue = 1,
    /// A safety problem or recall.
    Safety = 2,
    /// A newer label replaces this one (new firmware line, new declaration).
    Replaced = 3,
    /// The product is no longer sold or supported.
    Discontinued = 4,
    /// The label stated something wrong.
    LabelError = 5,
}

impl Reason {
    fn from_code(c: u64) -> Option<Reason> {
        Some(match c {
            1 => Reason::SecurityIssue,
            2 => Reason::Safety,
            3 => Reason::Replaced,
            4 => Reason::Discontinued,
            5 => Reason::LabelError,
            _ => return None,
        })
    }
    /// The kebab-case name (the phrase key on the page).
    pub fn name(self) -> &'static str {
        match self {
            Reason::SecurityIssue => "security-issue",
            Reason::Safety => "safety",
            Reason::Replaced => "replaced",
            Reason::Discontinued => "discontinued",
            Reason::LabelError => "label-error",
        }
    }
}

/// The label's current status (field 5, with 6–8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Nothing new since the label.
    Current,
    /// Support extended to a later last month.
    Extended { until: YearMonth },
    /// Withdrawn: do not rely on the label.
    Withdrawn { reason: Reason },
    /// Superseded by a newer label (its full SHA-256, when known).
    Superseded {
        reason: Reason,
        by: Option<[u8; 32]>,
    },
}

impl Status {
    /// "current", "extended", "withdrawn" or "superseded".
    pub fn name(&self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::Extended { .. } => "extended",
            Status::Withdrawn { .. } => "withdrawn",
            Status::Superseded { .. } => "superseded",
        }
    }
}

/// A decoded product record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// SHA-256 of the label's COSE_Sign1 bytes (field 1).
    pub label_hash: [u8; 32],
    /// The label's manufacturer, as the label spells it (field 2).
    pub manufacturer: String,
    /// 1 for the first record of a label, one more for each update (field 3).
    pub seq: u32,
    /// The month the record was issued ("announced March 2027") (field 4).
    pub issued: YearMonth,
    pub status: Status,
    pub details_url: Option<String>,
    pub vulnerability_contact: Option<String>,
    pub firmware_version: Option<String>,
    pub hardware_version: Option<String>,
    /// The declaration's free-text notes by field path ("support.note"), in the
    /// language the declaration was written in (field 13).
    pub notes: BTreeMap<String, String>,
}

/// Why record bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum RecordError {
    #[error("record is {0} bytes; the limit is {MAX_RECORD_BYTES}")]
    TooLarge(usize),
    #[error("record is not valid CBOR for a record: {0}")]
    Cbor(String),
    #[error("record format version {0} is not supported (this build reads version 1)")]
    UnsupportedVersion(u64),
    #[error("record has unknown map key {0} (version 1 uses keys 0–13)")]
    UnknownKey(u64),
    #[error("record map keys are not in ascending order (key {0} after {1})")]
    KeyOrder(u64, u64),
    #[error("record field {0} is invalid: {1}")]
    BadValue(&'static str, String),
    #[error("record lacks the required field {0}")]
    Missing(&'static str),
    #[error("record is not in deterministic encoding (RFC 8949 §4.2.1)")]
    NotDeterministic,
}

/// SHA-256 of a label's COSE_Sign1 bytes.
pub fn label_hash(label_cose: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let mut out = [0u8; 32];
    out.copy_from_slice(&sha2::Sha256::digest(label_cose));
    out
}

/// The record's address (its file name): the first 8 bytes of the label hash in hex.
pub fn address(label_cose: &[u8]) -> String {
    crate::verify::hex(&label_hash(label_cose)[..ADDRESS_BYTES])
}

impl Record {
    /// The first record of a label: status current, facts from its declaration (when
    /// there is one; a label alone gives only the manufacturer).
    pub fn new(
        label_cose: &[u8],
        manufacturer: &str,
        declaration: Option<&Declaration>,
        issued: YearMonth,
    ) -> Record {
        let mut r = Record {
            label_hash: label_hash(label_cose),
            manufacturer: manufacturer.to_string(),
            seq: 1,
            issued,
            status: Status::Current,
            details_url: None,
            vulnerability_contact: None,
            firmware_version: None,
            hardware_version: None,
            notes: BTreeMap::new(),
        };
        if let Some(d) = declaration {
            r.details_url = d.product.details_url.clone();
            // A bare e-mail address becomes a mailto: URI, so the page can link it.
            r.vulnerability_contact = d.product.vulnerability_contact.as_ref().map(|c| {
                if c.contains('@') && !c.contains(':') {
                    format!("mailto:{c}")
                } else {
                    c.clone()
                }
            });
            r.firmware_version = d.product.firmware_version.clone();
            r.hardware_version = d.product.hardware_version.clone();
            r.notes = declaration_notes(d);
        }
        r
    }

    /// The next record after this one: same label and facts, one more sequence number.
    pub fn next(&self, issued: YearMonth, status: Status) -> Record {
        Record {
            seq: self.seq + 1,
            issued,
            status,
            ..self.clone()
        }
    }

    /// The record as JSON with the field names of docs/payload.md (what `verify --json`
    /// prints and the test vectors hold; the page's decoder returns the same shape).
    pub fn to_json(&self) -> serde_json::Value {
        let (extended_to, reason, by) = match &self.status {
            Status::Current => (None, None, None),
            Status::Extended { until } => (Some(until.to_string()), None, None),
            Status::Withdrawn { reason } => (None, Some(reason.name()), None),
            Status::Superseded { reason, by } => (
                None,
                Some(reason.name()),
                by.as_ref().map(|b| crate::verify::hex(b)),
            ),
        };
        serde_json::json!({
            "label_hash": crate::verify::hex(&self.label_hash),
            "manufacturer": self.manufacturer,
            "seq": self.seq,
            "issued": self.issued.to_string(),
            "status": self.status.name(),
            "extended_to": extended_to,
            "reason": reason,
            "superseded_by": by,
            "details_url": self.details_url,
            "vulnerability_contact": self.vulnerability_contact,
            "firmware_version": self.firmware_version,
            "hardware_version": self.hardware_version,
            "notes": self.notes,
        })
    }

    /// The support end in force given the label's printed last month: an extension
    /// only ever moves it later.
    pub fn extended_to(&self) -> Option<YearMonth> {
        match self.status {
            Status::Extended { until } => Some(until),
            _ => None,
        }
    }
}

/// Every declaration field that goes only to the record, by field path, with its
/// value: what `validate` lists and what [`Record::new`] copies.
pub fn record_only_fields(d: &Declaration) -> Vec<(String, String)> {
    let mut v = Vec::new();
    let p = &d.product;
    for (k, x) in [
        ("product.details_url", &p.details_url),
        ("product.vulnerability_contact", &p.vulnerability_contact),
        ("product.firmware_version", &p.firmware_version),
        ("product.hardware_version", &p.hardware_version),
    ] {
        if let Some(x) = x {
            v.push((k.to_string(), x.clone()));
        }
    }
    v.extend(declaration_notes(d));
    v
}

/// The declaration's free-text notes by field path.
pub fn declaration_notes(d: &Declaration) -> BTreeMap<String, String> {
    let mut n = BTreeMap::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
            n.insert(k.to_string(), v.clone());
        }
    };
    put("updates.note", &d.updates.note);
    put("updates.cost_note", &d.updates.cost_note);
    put("updates.manual_reason", &d.updates.manual_reason);
    if let Some(s) = &d.support {
        put("support.note", &s.note);
    }
    if let Some(s) = &d.notification {
        put("notification.note", &s.note);
    }
    if let Some(s) = &d.end_of_support {
        put("end_of_support.note", &s.note);
    }
    if let Some(s) = &d.security {
        put("security.note", &s.note);
    }
    n
}

/// Encodes a record as deterministic CBOR: integer keys ascending, shortest forms,
/// the notes map's text keys in bytewise order of their encodings.
pub fn encode(r: &Record) -> Vec<u8> {
    let mut fields: Vec<(u64, Field)> = vec![
        (0, Field::Uint(RECORD_VERSION)),
        (1, Field::Bytes(r.label_hash.to_vec())),
        (2, Field::Text(r.manufacturer.clone())),
        (3, Field::Uint(u64::from(r.seq))),
        (4, Field::Uint(u64::from(r.issued.index()))),
    ];
    let (code, ext, reason, by) = match &r.status {
        Status::Current => (0, None, None, None),
        Status::Extended { until } => (1, Some(*until), None, None),
        Status::Withdrawn { reason } => (2, None, Some(*reason), None),
        Status::Superseded { reason, by } => (3, None, Some(*reason), *by),
    };
    fields.push((5, Field::Uint(code)));
    if let Some(e) = ext {
        fields.push((6, Field::Uint(u64::from(e.index()))));
    }
    if let Some(x) = reason {
        fields.push((7, Field::Uint(x as u64)));
    }
    if let Some(b) = by {
        fields.push((8, Field::Bytes(b.to_vec())));
    }
    for (k, v) in [
        (9, &r.details_url),
        (10, &r.vulnerability_contact),
        (11, &r.firmware_version),
        (12, &r.hardware_version),
    ] {
        if let Some(v) = v {
            fields.push((k, Field::Text(v.clone())));
        }
    }
    if !r.notes.is_empty() {
        fields.push((13, Field::Notes(r.notes.clone())));
    }
    let mut buf = Vec::new();
    let mut e = Encoder::new(&mut buf);
    // Writing into a Vec cannot fail.
    let _ = e.map(fields.len() as u64);
    for (k, v) in fields {
        let _ = e.u64(k);
        let _ = match v {
            Field::Uint(n) => e.u64(n).map(|_| ()),
            Field::Bytes(b) => e.bytes(&b).map(|_| ()),
            Field::Text(t) => e.str(&t).map(|_| ()),
            Field::Notes(m) => {
                let mut items: Vec<(Vec<u8>, &String, &String)> = m
                    .iter()
                    .map(|(k, v)| {
                        let mut kb = Vec::new();
                        let _ = Encoder::new(&mut kb).str(k);
                        (kb, k, v)
                    })
                    .collect();
                items.sort_by(|a, b| a.0.cmp(&b.0));
                let _ = e.map(items.len() as u64);
                for (_, k, v) in items {
                    let _ = e.str(k);
                    let _ = e.str(v);
                }
                Ok(())
            }
        };
    }
    buf
}

enum Field {
    Uint(u64),
    Bytes(Vec<u8>),
    Text(String),
    Notes(BTreeMap<String, String>),
}

fn text_ok(s: &str, max: usize) -> bool {
    !s.trim().is_empty()
        && !s.chars().any(|c| {
            c.is_control() && c != '\n'
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
        })
        && s.chars().count() <= max
}

fn url_ok(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("mailto:"))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Decodes record bytes strictly (entry point for verifying): a definite map with keys
/// 0–13 ascending, exact types, known codes, and bytes identical to the deterministic
/// re-encoding. Never panics.
pub fn decode(bytes: &[u8]) -> Result<Record, RecordError> {
    use minicbor::data::Type;
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(RecordError::TooLarge(bytes.len()));
    }
    let cbor = |e: minicbor::decode::Error| RecordError::Cbor(e.to_string());
    let mut d = minicbor::Decoder::new(bytes);
    let n = d
        .map()
        .map_err(cbor)?
        .ok_or_else(|| RecordError::Cbor("indefinite-length map".into()))?;
    let mut last: Option<u64> = None;
    let mut uints: BTreeMap<u64, u64> = BTreeMap::new();
    let mut texts: BTreeMap<u64, String> = BTreeMap::new();
    let mut byte_fields: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    let mut notes = BTreeMap::new();
    for _ in 0..n {
        let k = d.u64().map_err(cbor)?;
        if k > 13 {
            return Err(RecordError::UnknownKey(k));
        }
        if let Some(l) = last
            && k <= l
        {
            return Err(RecordError::KeyOrder(k, l));
        }
        last = Some(k);
        let want = match k {
            0 | 3 | 4 | 5 | 6 | 7 => Type::U8,
            1 | 8 => Type::Bytes,
            13 => Type::Map,
            _ => Type::String,
        };
        let got = d.datatype().map_err(cbor)?;
        let ok = match want {
            Type::U8 => matches!(got, Type::U8 | Type::U16 | Type::U32 | Type::U64),
            w => got == w,
        };
        if !ok {
            return Err(RecordError::BadValue(
                field_name(k),
                format!("has CBOR type {got}, not the type version 1 uses"),
            ));
        }
        match want {
            Type::U8 => {
                uints.insert(k, d.u64().map_err(cbor)?);
            }
            Type::Bytes => {
                byte_fields.insert(k, d.bytes().map_err(cbor)?.to_vec());
            }
            Type::String => {
                texts.insert(k, d.str().map_err(cbor)?.to_string());
            }
            _ => {
                let m = d
                    .map()
                    .map_err(cbor)?
                    .ok_or_else(|| RecordError::Cbor("indefinite-length notes map".into()))?;
                for _ in 0..m {
                    if d.datatype().map_err(cbor)? != Type::String {
                        return Err(RecordError::BadValue(
                            "notes (13)",
                            "keys must be text".into(),
                        ));
                    }
                    let nk = d.str().map_err(cbor)?.to_string();
                    if d.datatype().map_err(cbor)? != Type::String {
                        return Err(RecordError::BadValue(
                            "notes (13)",
                            "values must be text".into(),
                        ));
                    }
                    let nv = d.str().map_err(cbor)?.to_string();
                    if !text_ok(&nk, 64) || !text_ok(&nv, MAX_NOTE) {
                        return Err(RecordError::BadValue(
                            "notes (13)",
                            "a note is empty, too long or has control or invisible characters"
                                .into(),
                        ));
                    }
                    if notes.insert(nk, nv).is_some() {
                        return Err(RecordError::BadValue("notes (13)", "duplicate key".into()));
                    }
                }
            }
        }
    }
    if d.position() != bytes.len() {
        return Err(RecordError::Cbor(format!(
            "{} bytes of trailing data after the map",
            bytes.len() - d.position()
        )));
    }
    let version = *uints.get(&0).ok_or(RecordError::Missing("version (0)"))?;
    if version != RECORD_VERSION {
        return Err(RecordError::UnsupportedVersion(version));
    }
    let hash32 = |k: u64, name: &'static str| -> Result<Option<[u8; 32]>, RecordError> {
        match byte_fields.get(&k) {
            None => Ok(None),
            Some(b) => <[u8; 32]>::try_from(b.as_slice())
                .map(Some)
                .map_err(|_| RecordError::BadValue(name, format!("is {} bytes, not 32", b.len()))),
        }
    };
    let label_hash = hash32(1, "label (1)")?.ok_or(RecordError::Missing("label (1)"))?;
    let manufacturer = texts
        .remove(&2)
        .ok_or(RecordError::Missing("manufacturer (2)"))?;
    if !text_ok(&manufacturer, 120) || manufacturer.contains('\n') {
        return Err(RecordError::BadValue(
            "manufacturer (2)",
            "empty, too long or has control characters".into(),
        ));
    }
    let seq = *uints.get(&3).ok_or(RecordError::Missing("sequence (3)"))?;
    let seq = u32::try_from(seq).ok().filter(|s| *s >= 1).ok_or_else(|| {
        RecordError::BadValue("sequence (3)", format!("{seq} is not 1–{}", u32::MAX))
    })?;
    let month = |k: u64, name: &'static str| -> Result<Option<YearMonth>, RecordError> {
        uints
            .get(&k)
            .map(|m| {
                u32::try_from(*m)
                    .ok()
                    .and_then(YearMonth::from_index)
                    .ok_or_else(|| RecordError::BadValue(name, format!("{m} is out of range")))
            })
            .transpose()
    };
    let issued = month(4, "issued (4)")?.ok_or(RecordError::Missing("issued (4)"))?;
    let code = *uints.get(&5).ok_or(RecordError::Missing("status (5)"))?;
    let ext = month(6, "extended to (6)")?;
    let reason = uints
        .get(&7)
        .map(|c| {
            Reason::from_code(*c).ok_or_else(|| {
                RecordError::BadValue("reason (7)", format!("code {c} names no reason"))
            })
        })
        .transpose()?;
    let by = hash32(8, "superseded by (8)")?;
    let status = match (code, ext, reason, by) {
        (0, None, None, None) => Status::Current,
        (1, Some(until), None, None) => Status::Extended { until },
        (2, None, Some(reason), None) => Status::Withdrawn { reason },
        (3, None, Some(reason), by) => Status::Superseded { reason, by },
        (0..=3, ..) => {
            return Err(RecordError::BadValue(
                "status (5)",
                "fields 6–8 do not match the status (6 only with extended, 7 with withdrawn or superseded, 8 only with superseded)".into(),
            ));
        }
        (c, ..) => {
            return Err(RecordError::BadValue(
                "status (5)",
                format!("code {c} names no status"),
            ));
        }
    };
    let mut take_url =
        |k: u64, name: &'static str, mailto: bool| -> Result<Option<String>, RecordError> {
            match texts.remove(&k) {
                Some(u)
                    if !url_ok(&u)
                        || (!mailto && !u.starts_with("https://"))
                        || u.chars().count() > MAX_TEXT =>
                {
                    Err(RecordError::BadValue(
                        name,
                        if mailto {
                            "must be an https:// or mailto: address without spaces".into()
                        } else {
                            "must be an https:// address without spaces".into()
                        },
                    ))
                }
                other => Ok(other),
            }
        };
    let details_url = take_url(9, "details URL (9)", false)?;
    let vulnerability_contact = take_url(10, "vulnerability contact (10)", true)?;
    let mut take_text = |k: u64, name: &'static str| -> Result<Option<String>, RecordError> {
        match texts.remove(&k) {
            Some(t) if !text_ok(&t, MAX_TEXT) || t.contains('\n') => Err(RecordError::BadValue(
                name,
                "empty, too long or has control characters".into(),
            )),
            other => Ok(other),
        }
    };
    let firmware_version = take_text(11, "firmware version (11)")?;
    let hardware_version = take_text(12, "hardware version (12)")?;
    let r = Record {
        label_hash,
        manufacturer,
        seq,
        issued,
        status,
        details_url,
        vulnerability_contact,
        firmware_version,
        hardware_version,
        notes,
    };
    if encode(&r) != bytes {
        return Err(RecordError::NotDeterministic);
    }
    Ok(r)
}

// ------------------------------------------------------------------ publishing

/// Why a record could not be made, read or written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PublishError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] crate::fsutil::WriteError),
    #[error(
        "{path} is not a record this key signed for this label ({why}); refusing to build on it"
    )]
    #[diagnostic(help(
        "move the file away, or use the key that signed it; a record is only ever replaced by its signer"
    ))]
    Existing {
        path: std::path::PathBuf,
        why: String,
    },
    #[error("support can only be extended to a later month: {until} is not after {current}")]
    #[diagnostic(help("give a month after {current} with --until YYYY-MM"))]
    NotLater {
        until: YearMonth,
        current: YearMonth,
    },
    #[error("the label's support end is {what}, not a month; only a month can be extended")]
    NotExtendable { what: &'static str },
    #[error("the record cannot be written: {0}")]
    #[diagnostic(help(
        "URLs must be https:// (the contact may be an e-mail address or mailto:), texts at most 300 characters and notes at most 2,000"
    ))]
    Invalid(RecordError),
    #[error("the label already has a record; `record` writes only the first one")]
    #[diagnostic(help("use `iotlabel extend` or `iotlabel withdraw` to update it"))]
    AlreadyPublished { path: std::path::PathBuf },
}

/// A batch job's records: where to write the first record of every label the job signs,
/// and the month they are issued.
#[derive(Debug, Clone)]
pub struct BatchRecords {
    pub dir: std::path::PathBuf,
    pub issued: YearMonth,
}

/// Where a label's current record lives in a records directory.
pub fn record_path(dir: &std::path::Path, label_cose: &[u8]) -> std::path::PathBuf {
    dir.join(address(label_cose))
}

/// Reads a label's current record from a directory, if there is one. Not through
/// `fsutil::read_input`, which marks what it reads as never to be written: `extend`
/// and `withdraw` read the current record in order to replace it (keeping it beside).
pub fn read(dir: &std::path::Path, label_cose: &[u8]) -> Result<Option<Vec<u8>>, PublishError> {
    let path = record_path(dir, label_cose);
    if let Ok(m) = std::fs::metadata(&path)
        && m.len() > MAX_RECORD_BYTES as u64
    {
        return Err(PublishError::Existing {
            path,
            why: format!(
                "{} bytes is over the {MAX_RECORD_BYTES}-byte limit",
                m.len()
            ),
        });
    }
    match std::fs::read(&path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(PublishError::Io { path, source }),
    }
}

/// The current record of a label, checked to be signed by `key` and about this label.
pub fn load_own(
    dir: &std::path::Path,
    label_cose: &[u8],
    manufacturer: &str,
    key: &ed25519_dalek::VerifyingKey,
) -> Result<Option<Record>, PublishError> {
    let Some(bytes) = read(dir, label_cose)? else {
        return Ok(None);
    };
    let mut trust = crate::keys::TrustStore::default();
    trust.add("signer", *key);
    let check = crate::verify::verify_record(Some(&bytes), label_cose, manufacturer, &trust);
    match check.record {
        Some(r) => Ok(Some(r)),
        None => Err(PublishError::Existing {
            path: record_path(dir, label_cose),
            why: check
                .error
                .unwrap_or_else(|| format!("{:?}", check.verdict)),
        }),
    }
}

/// Signs a record and writes it as the label's current record. The record it replaces
/// (if any) is kept beside it as `<address>.<seq>`, so the history stays published.
pub fn write(
    dir: &std::path::Path,
    label_cose: &[u8],
    record: &Record,
    key: &ed25519_dalek::SigningKey,
) -> Result<std::path::PathBuf, PublishError> {
    use crate::fsutil::{Overwrite, WriteOptions, write_atomic_with};
    std::fs::create_dir_all(dir).map_err(|source| PublishError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let payload = encode(record);
    decode(&payload).map_err(PublishError::Invalid)?;
    let cose = crate::envelope::sign(&payload, key);
    let path = record_path(dir, label_cose);
    // Records are replaced by design (the old one is kept beside), so they are neither
    // noted as inputs nor kind-checked: `kind: None`.
    let opts = |overwrite| WriteOptions {
        overwrite,
        mode: Some(0o644),
        kind: None,
        force: false,
    };
    if let Some(old) = read(dir, label_cose)? {
        if old == cose {
            return Ok(path);
        }
        let seq = crate::envelope::open(&old)
            .ok()
            .and_then(|o| decode(&o.payload).ok())
            .map(|r| r.seq)
            .unwrap_or(0);
        let kept = dir.join(format!("{}.{seq}", address(label_cose)));
        write_atomic_with(&kept, opts(Overwrite::Replace), |w| w.write_all(&old))?;
    }
    write_atomic_with(&path, opts(Overwrite::Replace), |w| w.write_all(&cose))?;
    // The label itself beside its record, for the site's product list (the page opens
    // it as if scanned). Its bytes never change, so it is written once.
    let label = dir.join(format!("{}.label", address(label_cose)));
    if !label.exists() {
        write_atomic_with(&label, opts(Overwrite::Refuse), |w| w.write_all(label_cose))?;
    }
    Ok(path)
}

/// The record after extending support to `until` (later than the label's end and any
/// earlier extension).
pub fn extend(
    current: &Record,
    facts: &crate::payload::Facts,
    until: YearMonth,
    issued: YearMonth,
) -> Result<Record, PublishError> {
    use crate::declaration::SupportEnd;
    let printed = match facts.support_end {
        Some(SupportEnd::Until(m)) => m,
        Some(SupportEnd::Period { .. }) => {
            return Err(PublishError::NotExtendable {
                what: "a period from purchase, registration or manufacture",
            });
        }
        Some(SupportEnd::Indefinite) => {
            return Err(PublishError::NotExtendable { what: "indefinite" });
        }
        Some(SupportEnd::Unknown) | None => {
            return Err(PublishError::NotExtendable { what: "not stated" });
        }
    };
    if !facts.security_updates {
        return Err(PublishError::NotExtendable {
            what: "none (the device gets no security updates)",
        });
    }
    let now = current.extended_to().map_or(printed, |e| e.max(printed));
    if until <= now {
        return Err(PublishError::NotLater {
            until,
            current: now,
        });
    }
    Ok(current.next(issued, Status::Extended { until }))
}

fn field_name(k: u64) -> &'static str {
    match k {
        0 => "version (0)",
        1 => "label (1)",
        2 => "manufacturer (2)",
        3 => "sequence (3)",
        4 => "issued (4)",
        5 => "status (5)",
        6 => "extended to (6)",
        7 => "reason (7)",
        8 => "superseded by (8)",
        9 => "details URL (9)",
        10 => "vulnerability contact (10)",
        11 => "firmware version (11)",
        12 => "hardware version (12)",
        _ => "notes (13)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record {
        let mut notes = BTreeMap::new();
        notes.insert("support.note".into(), "At least until 2031.".into());
        notes.insert("updates.cost_note".into(), "Free.".into());
        Record {
            label_hash: [7; 32],
            manufacturer: "Nordlicht Home GmbH".into(),
            seq: 2,
            issued: YearMonth {
                year: 2027,
                month: 3,
            },
            status: Status::Extended {
                until: YearMonth {
                    year: 2033,
                    month: 12,
                },
            },
            details_url: Some("https://nordlicht.example/t3".into()),
            vulnerability_contact: Some("mailto:security@nordlicht.example".into()),
            firmware_version: Some("3.2.0".into()),
            hardware_version: None,
            notes,
        }
    }

    #[test]
    fn round_trips_every_status_and_rejects_every_bit_flip_or_truncation() {
        let mut r = sample();
        for status in [
            Status::Current,
            Status::Extended {
                until: YearMonth {
                    year: 2040,
                    month: 1,
                },
            },
            Status::Withdrawn {
                reason: Reason::Safety,
            },
            Status::Superseded {
                reason: Reason::Replaced,
                by: Some([9; 32]),
            },
            Status::Superseded {
                reason: Reason::LabelError,
                by: None,
            },
        ] {
            r.status = status;
            let b = encode(&r);
            assert_eq!(decode(&b).unwrap(), r);
            for cut in 0..b.len() {
                assert!(decode(&b[..cut]).is_err(), "truncated at {cut}");
            }
        }
        let b = encode(&sample());
        for bit in 0..b.len() * 8 {
            let mut c = b.clone();
            c[bit / 8] ^= 0x80 >> (bit % 8);
            // Either refused or a different, still canonical record: never a panic,
            // and never the same record from different bytes.
            if let Ok(x) = decode(&c) {
                assert_ne!(x, sample(), "bit {bit}");
            }
        }
    }

    #[test]
    fn a_label_payload_is_not_a_record() {
        let d = crate::declaration::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/thermostat.toml"),
            &crate::declaration::CheckOptions::lenient(),
        )
        .unwrap();
        let p = crate::payload::encode(&crate::payload::Facts::from_declaration(&d));
        assert!(decode(&p).is_err());
        assert!(crate::payload::decode(&encode(&sample())).is_err());
    }
}
