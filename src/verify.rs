//! Verification: from a signed input to a trust verdict and the facts.
//!
//! The order matters: the signature is checked over the received bytes *before* the
//! payload is trusted, so a damaged label reads as "bad signature" rather than as
//! whatever the damaged bytes happen to decode to. A key id that no trusted key has is
//! "unknown key": the payload may be genuine, but nobody this verifier trusts vouches
//! for it.
//!
//! A key vouches only for what its keyset entry binds it to: a label naming a
//! manufacturer the key is not listed for is "signed by another party", and a link
//! whose host is not one of the key's base URLs is "foreign host" — the signature is
//! genuine, but the label was copied to somebody else's address. Both decode the facts
//! (clearly unverified), neither is "valid".
//!
//! Entry point: [`verify`].

use crate::keys::{TrustStore, TrustedKey};
use crate::payload::{self, Facts, PayloadError};
use crate::source::Envelope;
use serde::Serialize;

/// The outcome of a signature check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Signed by a trusted key.
    Valid,
    /// The key id matches no trusted key.
    UnknownKey,
    /// A trusted key has this key id, but the signature does not verify: the bytes were
    /// altered or damaged.
    BadSignature,
    /// Signed by a trusted key that is not bound to the manufacturer the label names.
    OtherParty,
    /// Signed by a trusted key for this manufacturer, but the link's host is not one of
    /// the key's base URLs.
    ForeignHost,
}

impl Verdict {
    /// Process exit code for `iotlabel verify` (malformed input is 4).
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Valid => 0,
            Verdict::BadSignature => 1,
            Verdict::UnknownKey => 3,
            Verdict::OtherParty => 5,
            Verdict::ForeignHost => 6,
        }
    }
}

/// Exit code of `iotlabel verify` for input that is not a signed payload at all.
pub const EXIT_MALFORMED: u8 = 4;

/// The result of verifying one envelope.
#[derive(Debug, Clone)]
pub struct Verification {
    pub verdict: Verdict,
    /// The trusted key that verified the signature.
    pub signer: Option<TrustedKey>,
    /// The decoded facts: for a valid signature, or (clearly unverified) for an
    /// unknown key. Never decoded for a bad signature.
    pub facts: Option<Result<Facts, PayloadError>>,
    pub envelope: Envelope,
    /// The link's host and whether the signer lists it (None without a link).
    pub host: Option<HostCheck>,
}

/// Where the link points, against the signer's base URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostCheck {
    /// The link's host (and port, when not 443).
    pub host: String,
    /// The signer's base URLs (empty: the key lists none, so any host is accepted).
    pub expected: Vec<String>,
    /// True when the signer lists base URLs and the link is not under any of them.
    pub foreign: bool,
}

/// Checks an envelope against a trust store (entry point).
pub fn verify(envelope: Envelope, trust: &TrustStore) -> Verification {
    let candidates: Vec<&TrustedKey> = trust.by_kid(&envelope.opened.kid).collect();
    let signer = candidates
        .iter()
        .find(|k| envelope.opened.verify(&k.key))
        .map(|k| (*k).clone());
    let verdict = match (&signer, candidates.is_empty()) {
        (Some(_), _) => Verdict::Valid,
        (None, true) => Verdict::UnknownKey,
        (None, false) => Verdict::BadSignature,
    };
    let facts = match verdict {
        Verdict::BadSignature => None,
        _ => Some(payload::decode(&envelope.opened.payload)),
    };
    let host = envelope.base.as_ref().map(|b| HostCheck {
        host: match b.port() {
            Some(p) => format!("{}:{p}", b.host()),
            None => b.host().to_string(),
        },
        expected: signer
            .as_ref()
            .map(|k| k.base_urls.iter().map(|u| u.to_string()).collect())
            .unwrap_or_default(),
        foreign: signer.as_ref().is_some_and(|k| !k.serves(b)),
    });
    let mut verdict = verdict;
    if let (Verdict::Valid, Some(k), Some(Ok(f))) = (verdict, &signer, &facts) {
        if !k.may_sign_for(&f.manufacturer) {
            verdict = Verdict::OtherParty;
        } else if host.as_ref().is_some_and(|h| h.foreign) {
            verdict = Verdict::ForeignHost;
        }
    }
    Verification {
        verdict,
        signer,
        facts,
        envelope,
        host,
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How an artwork command came to accept a signed input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtworkCheck {
    /// This run signed the input itself (a declaration and a key).
    SignedHere,
    /// Verified against the trust store: the signer's name.
    Verified(String),
    /// Not verified, accepted because `--unverified` was given: why it is unverified.
    Unverified(String),
}

/// Why an artwork command refused a signed input.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ArtworkRefusal {
    #[error(
        "{input}: the signature does not verify against trusted key {kid}: the bytes were altered or damaged; no artwork is made from them"
    )]
    #[diagnostic(help(
        "sign the declaration again, or take the link from the original `iotlabel sign` output; --unverified does not override a bad signature"
    ))]
    BadSignature { input: String, kid: String },
    #[error("{input}: {reason}; refusing to make artwork from a label nobody here vouches for")]
    #[diagnostic(help(
        "pass --trust with the signer's public key or keyset, or --unverified to make artwork from it anyway (e.g. a proof of somebody else's label)"
    ))]
    NotTrusted { input: String, reason: String },
    #[error(
        "{input} was signed elsewhere (key id {kid}) and cannot be checked without --trust; refusing to make artwork from it unchecked"
    )]
    #[diagnostic(help(
        "pass --trust with the signer's public key or keyset (e.g. --trust samples/trust), or --unverified to make artwork from it unchecked"
    ))]
    NoTrust { input: String, kid: String },
}

/// What an artwork command trusts: the store to verify signed inputs against (none:
/// nothing can be checked) and whether unverified inputs may be printed anyway.
#[derive(Debug, Clone, Default)]
pub struct ArtworkPolicy {
    pub trust: Option<TrustStore>,
    pub unverified: bool,
}

impl ArtworkPolicy {
    /// [`check_for_artwork`] under this policy.
    pub fn check(&self, envelope: &Envelope) -> Result<ArtworkCheck, ArtworkRefusal> {
        check_for_artwork(envelope, self.trust.as_ref(), self.unverified)
    }
}

/// Decides whether an artwork command (`label`, `qr`, `nfc`, `sheet`) may print a signed
/// input. A payload this run signed needs no check. Anything else is verified against
/// `trust` first: a bad signature is always refused; an unknown key, another party's key
/// or a foreign host is refused unless `unverified`. Without a trust store nothing can
/// be checked, so only `unverified` lets it through.
pub fn check_for_artwork(
    envelope: &Envelope,
    trust: Option<&TrustStore>,
    unverified: bool,
) -> Result<ArtworkCheck, ArtworkRefusal> {
    if envelope.kind == crate::source::InputKind::Declaration {
        return Ok(ArtworkCheck::SignedHere);
    }
    let input = envelope.input.clone();
    let kid = hex(&envelope.opened.kid);
    let Some(trust) = trust else {
        return if unverified {
            Ok(ArtworkCheck::Unverified(format!(
                "not checked: no --trust given (key id {kid})"
            )))
        } else {
            Err(ArtworkRefusal::NoTrust { input, kid })
        };
    };
    let v = verify(envelope.clone(), trust);
    let reason = match (v.verdict, &v.signer) {
        (Verdict::Valid, Some(k)) => return Ok(ArtworkCheck::Verified(k.name.clone())),
        (Verdict::BadSignature, _) => return Err(ArtworkRefusal::BadSignature { input, kid }),
        (Verdict::UnknownKey, _) | (Verdict::Valid, None) => {
            format!("signed with key {kid}, which no trusted key has")
        }
        (Verdict::OtherParty, k) => format!(
            "signed by {}, whose key is not trusted for this manufacturer",
            k.as_ref().map(|k| k.name.as_str()).unwrap_or("?")
        ),
        (Verdict::ForeignHost, _) => format!(
            "the link's host {} is not one of the signer's base URLs",
            v.host.as_ref().map(|h| h.host.as_str()).unwrap_or("?")
        ),
    };
    if unverified {
        Ok(ArtworkCheck::Unverified(reason))
    } else {
        Err(ArtworkRefusal::NotTrusted { input, reason })
    }
}

/// The outcome of checking a label's product record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordVerdict {
    /// Signed by a key trusted for the label's manufacturer, and about this label.
    Valid,
    /// No record was found (none published, or offline).
    Missing,
    /// Not a readable record envelope or payload.
    Malformed,
    /// No trusted key has the record's key id.
    UnknownKey,
    /// A trusted key has the key id but the signature does not verify.
    BadSignature,
    /// Signed by a trusted key that is not trusted for the label's manufacturer.
    OtherParty,
    /// A genuine record, but about another label (hash or manufacturer differs).
    WrongLabel,
}

/// A checked record: only a `Valid` one is used; any other is ignored and reported.
#[derive(Debug, Clone)]
pub struct RecordCheck {
    pub verdict: RecordVerdict,
    pub record: Option<crate::record::Record>,
    pub signer: Option<TrustedKey>,
    /// What was wrong, for any verdict but `Valid` and `Missing`.
    pub error: Option<String>,
}

/// Checks a label's record (entry point for records): the same envelope and trust store
/// as the label, a key trusted for the label's manufacturer, and the label's own hash
/// and manufacturer inside.
pub fn verify_record(
    record_cose: Option<&[u8]>,
    label_cose: &[u8],
    label_manufacturer: &str,
    trust: &TrustStore,
) -> RecordCheck {
    let out = |verdict, error: Option<String>| RecordCheck {
        verdict,
        record: None,
        signer: None,
        error,
    };
    let Some(bytes) = record_cose else {
        return out(RecordVerdict::Missing, None);
    };
    if bytes.len() > crate::record::MAX_RECORD_BYTES {
        return out(
            RecordVerdict::Malformed,
            Some(crate::record::RecordError::TooLarge(bytes.len()).to_string()),
        );
    }
    let opened = match crate::envelope::open(bytes) {
        Ok(o) => o,
        Err(e) => return out(RecordVerdict::Malformed, Some(e.to_string())),
    };
    let candidates: Vec<&TrustedKey> = trust.by_kid(&opened.kid).collect();
    let Some(signer) = candidates.iter().find(|k| opened.verify(&k.key)) else {
        let kid = hex(&opened.kid);
        return if candidates.is_empty() {
            out(
                RecordVerdict::UnknownKey,
                Some(format!("no trusted key has id {kid}")),
            )
        } else {
            out(
                RecordVerdict::BadSignature,
                Some(format!("the signature does not verify with key {kid}")),
            )
        };
    };
    let signer = (*signer).clone();
    let record = match crate::record::decode(&opened.payload) {
        Ok(r) => r,
        Err(e) => return out(RecordVerdict::Malformed, Some(e.to_string())),
    };
    let (verdict, error) = if record.label_hash != crate::record::label_hash(label_cose)
        || record.manufacturer != label_manufacturer
    {
        (
            RecordVerdict::WrongLabel,
            Some("the record is about another label".to_string()),
        )
    } else if !signer.may_sign_for(label_manufacturer) {
        (
            RecordVerdict::OtherParty,
            Some(format!(
                "signed by {}, whose key is not trusted for {label_manufacturer:?}",
                signer.name
            )),
        )
    } else {
        (RecordVerdict::Valid, None)
    };
    RecordCheck {
        verdict,
        record: (verdict == RecordVerdict::Valid).then_some(record),
        signer: Some(signer),
        error,
    }
}
