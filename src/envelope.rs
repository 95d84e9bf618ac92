//! The envelope: a COSE_Sign1 structure (RFC 9052 §4.2) signed with Ed25519.
//!
//! We use the standard envelope rather than a home-made one so that anyone with a COSE
//! library can verify a label. The protected header carries the algorithm and a 4-byte
//! key id (the first 4 bytes of SHA-256 over the raw 32-byte public key) that tells a
//! verifier which trusted key to try.
//!
//! The algorithm emitted by default is -8 ("EdDSA", RFC 9053), not RFC 9864's more
//! precise -19 ("Ed25519"): the signature bytes are identical, but common COSE libraries
//! (pycose 1.1.0, go-cose) reject -19 while every COSE library knows -8. Both are
//! accepted when verifying; [`Alg::Ed25519`] emits -19 on request.
//!
//! No external AAD. The structure is emitted untagged to save a byte; the tagged form
//! (tag 18) is accepted.
//!
//! Signatures are checked over the Sig_structure built from the *received* protected
//! header and payload bytes, never from re-encoded values (coset keeps the original
//! protected bytes). Entry points: [`sign`] and [`open`] + [`Opened::verify`].

use coset::{
    CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana,
};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// COSE algorithm id for Ed25519 (RFC 9864), emitted on request, accepted when verifying.
pub const ALG_ED25519: i64 = -19;
/// The polymorphic "EdDSA" id (RFC 9053), emitted by default, accepted when verifying.
pub const ALG_EDDSA: i64 = -8;

/// Which COSE algorithm id a signature is labelled with (the signature is Ed25519 either way).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Alg {
    /// -8 "EdDSA" (RFC 9053): verified by every COSE library (the default).
    #[default]
    #[value(name = "eddsa")]
    EdDsa,
    /// -19 "Ed25519" (RFC 9864): more precise, but rejected by e.g. pycose 1.1.0 and go-cose.
    #[value(name = "ed25519")]
    Ed25519,
}

impl Alg {
    /// The COSE algorithm id.
    pub fn id(self) -> i64 {
        match self {
            Alg::EdDsa => ALG_EDDSA,
            Alg::Ed25519 => ALG_ED25519,
        }
    }
    /// The name of an accepted algorithm id, for display.
    pub fn name_of(id: i64) -> &'static str {
        match id {
            ALG_EDDSA => "EdDSA",
            ALG_ED25519 => "Ed25519",
            _ => "unsupported",
        }
    }
}
/// Length of the key id in bytes.
pub const KID_LEN: usize = 4;

/// Why bytes are not a usable COSE_Sign1 envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("not a COSE_Sign1 structure: {0}")]
    Cose(String),
    #[error("the envelope carries no payload (detached payloads are not used by iotlabel)")]
    NoPayload,
    #[error("unsupported signature algorithm {0} (expected -19 Ed25519 or -8 EdDSA)")]
    Algorithm(String),
    #[error("the envelope has no key id (kid, header label 4)")]
    NoKeyId,
    #[error("the signature is {0} bytes; Ed25519 signatures are 64")]
    SignatureLength(usize),
    #[error(
        "not strict CBOR: {0} (iotlabel envelopes use definite lengths, shortest heads, no floats)"
    )]
    NotStrict(String),
    #[error(
        "header label {0} is in both the protected and the unprotected header (RFC 9052 §3 forbids it)"
    )]
    LabelInBothBuckets(i64),
    #[error("the envelope has a crit header (label 2); iotlabel understands no header extensions")]
    Critical,
}

/// The key id of a public key: the first 4 bytes of SHA-256 over its 32 raw bytes.
pub fn key_id(key: &VerifyingKey) -> [u8; KID_LEN] {
    use sha2::Digest;
    let h = sha2::Sha256::digest(key.as_bytes());
    let mut kid = [0u8; KID_LEN];
    kid.copy_from_slice(&h[..KID_LEN]);
    kid
}

/// Signs payload bytes with the default algorithm id (-8), returning the untagged
/// COSE_Sign1 bytes (entry point).
pub fn sign(payload: &[u8], key: &SigningKey) -> Vec<u8> {
    sign_with(payload, key, Alg::default())
}

/// Signs payload bytes labelled with a chosen algorithm id.
pub fn sign_with(payload: &[u8], key: &SigningKey, alg: Alg) -> Vec<u8> {
    let alg = match alg {
        Alg::EdDsa => iana::Algorithm::EdDSA,
        Alg::Ed25519 => iana::Algorithm::Ed25519,
    };
    let protected = HeaderBuilder::new()
        .algorithm(alg)
        .key_id(key_id(&key.verifying_key()).to_vec())
        .build();
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload.to_vec())
        .create_signature(b"", |tbs| key.sign(tbs).to_bytes().to_vec())
        .build();
    // Serialising a structure we just built cannot fail.
    sign1.to_vec().unwrap_or_default()
}

/// A parsed (not yet verified) envelope.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The algorithm id from the protected header (-19 or -8).
    pub alg: i64,
    /// The key id.
    pub kid: Vec<u8>,
    /// The payload bytes exactly as received.
    pub payload: Vec<u8>,
    /// Whether the input was tagged (CBOR tag 18).
    pub tagged: bool,
    sign1: CoseSign1,
}

/// The envelope rule, the same in this module and in the page's verifier (and checked by
/// the shared test vectors), decided once for every form that CBOR allows in more than
/// one way:
///
/// - strict CBOR throughout (outer array, headers, protected header bytes): definite
///   lengths only, shortest-form heads, no floats or simple values other than
///   false/true/null, no tags but 18 at the top, nesting at most 8 deep;
/// - no header label in both the protected and the unprotected header (RFC 9052 §3),
///   even when one of them is empty;
/// - no `crit` header (label 2): iotlabel understands no extension, so it refuses
///   any envelope that says one must be understood.
///
/// The payload's own rules (deterministic CBOR) are checked by the payload decoder.
fn check_rule(bytes: &[u8]) -> Result<(), EnvelopeError> {
    let strict = |b: &[u8], top_tag: bool| -> Result<Item, EnvelopeError> {
        let mut r = Strict { b, pos: 0 };
        let item = r.item(0, top_tag).map_err(EnvelopeError::NotStrict)?;
        if r.pos != b.len() {
            return Err(EnvelopeError::NotStrict(format!(
                "{} bytes of trailing data",
                b.len() - r.pos
            )));
        }
        Ok(item)
    };
    let mut top = strict(bytes, true)?;
    if let Item::Tag(inner) = top {
        top = *inner;
    }
    let Item::Array(parts) = top else {
        return Ok(()); // coset reports the wrong shape
    };
    let (Some(Item::Bytes(prot)), Some(Item::Map(unprot))) = (parts.first(), parts.get(1)) else {
        return Ok(());
    };
    let prot_labels: Vec<Option<i128>> = if prot.is_empty() {
        Vec::new()
    } else {
        match strict(prot, false)? {
            Item::Map(m) => m.iter().map(|(k, _)| k.label()).collect(),
            _ => return Ok(()),
        }
    };
    let unprot_labels: Vec<Option<i128>> = unprot.iter().map(|(k, _)| k.label()).collect();
    if prot_labels.contains(&Some(2)) || unprot_labels.contains(&Some(2)) {
        return Err(EnvelopeError::Critical);
    }
    // Linear in the header sizes: a set of the protected labels.
    let seen: std::collections::HashSet<i128> = prot_labels.iter().flatten().copied().collect();
    if let Some(l) = unprot_labels.iter().flatten().find(|l| seen.contains(l)) {
        return Err(EnvelopeError::LabelInBothBuckets(*l as i64));
    }
    Ok(())
}

/// A strictly decoded CBOR item, enough for [`check_rule`].
enum Item {
    Int(i128),
    Bytes(Vec<u8>),
    Text,
    Array(Vec<Item>),
    Map(Vec<(Item, Item)>),
    Tag(Box<Item>),
    Simple,
}

impl Item {
    fn label(&self) -> Option<i128> {
        match self {
            Item::Int(i) => Some(*i),
            _ => None,
        }
    }
}

struct Strict<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Strict<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let v = *self
            .b
            .get(self.pos)
            .ok_or_else(|| format!("truncated at byte {}", self.pos))?;
        self.pos += 1;
        Ok(v)
    }

    /// A head: (major type, argument).
    fn head(&mut self) -> Result<(u8, u8, u64), String> {
        let at = self.pos;
        let ib = self.byte()?;
        let (major, info) = (ib >> 5, ib & 31);
        let v = match info {
            0..=23 => u64::from(info),
            24..=27 => {
                let n = 1usize << (info - 24);
                let mut v = 0u64;
                for _ in 0..n {
                    v = (v << 8) | u64::from(self.byte()?);
                }
                let min = if info == 24 {
                    24
                } else {
                    1u64 << (8 * (n / 2))
                };
                if v < min && major != 7 {
                    return Err(format!("non-shortest head at byte {at}"));
                }
                v
            }
            31 => return Err(format!("indefinite-length item at byte {at}")),
            _ => return Err(format!("reserved head 0x{ib:02x} at byte {at}")),
        };
        Ok((major, info, v))
    }

    fn len(&self, v: u64) -> Result<usize, String> {
        usize::try_from(v)
            .ok()
            .filter(|n| *n <= self.b.len() - self.pos)
            .ok_or_else(|| format!("length {v} exceeds the input"))
    }

    fn item(&mut self, depth: usize, top: bool) -> Result<Item, String> {
        if depth > 8 {
            return Err("nested too deeply".into());
        }
        let at = self.pos;
        let (major, info, v) = self.head()?;
        Ok(match major {
            0 => Item::Int(i128::from(v)),
            1 => Item::Int(-1 - i128::from(v)),
            2 | 3 => {
                let n = self.len(v)?;
                let bytes = self.b[self.pos..self.pos + n].to_vec();
                self.pos += n;
                if major == 2 {
                    Item::Bytes(bytes)
                } else {
                    Item::Text
                }
            }
            4 => {
                let n = self.len(v)?;
                let mut items = Vec::with_capacity(n.min(16));
                for _ in 0..n {
                    items.push(self.item(depth + 1, false)?);
                }
                Item::Array(items)
            }
            5 => {
                let n = self.len(v)?;
                let mut items = Vec::with_capacity(n.min(16));
                for _ in 0..n {
                    let k = self.item(depth + 1, false)?;
                    items.push((k, self.item(depth + 1, false)?));
                }
                Item::Map(items)
            }
            6 if top && v == 18 => Item::Tag(Box::new(self.item(depth + 1, false)?)),
            6 => return Err(format!("unexpected tag {v} at byte {at}")),
            _ => match info {
                20..=22 => Item::Simple,
                _ => return Err(format!("float or simple value at byte {at}")),
            },
        })
    }
}

/// Parses COSE_Sign1 bytes without checking the signature. Never panics.
pub fn open(bytes: &[u8]) -> Result<Opened, EnvelopeError> {
    check_rule(bytes)?;
    let tagged = bytes.first() == Some(&0xd2);
    let sign1 = if tagged {
        CoseSign1::from_tagged_slice(bytes)
    } else {
        CoseSign1::from_slice(bytes)
    }
    .map_err(|e| EnvelopeError::Cose(describe(e)))?;
    let payload = sign1.payload.clone().ok_or(EnvelopeError::NoPayload)?;
    let alg = match &sign1.protected.header.alg {
        Some(coset::RegisteredLabelWithPrivate::Assigned(a)) => {
            let id = *a as i64;
            if id == ALG_ED25519 || id == ALG_EDDSA {
                id
            } else {
                return Err(EnvelopeError::Algorithm(format!("{id}")));
            }
        }
        Some(other) => return Err(EnvelopeError::Algorithm(format!("{other:?}"))),
        None => {
            return Err(EnvelopeError::Algorithm(
                "none (no alg in the protected header)".into(),
            ));
        }
    };
    // The kid may sit in either header bucket; we emit it protected.
    let kid = if !sign1.protected.header.key_id.is_empty() {
        sign1.protected.header.key_id.clone()
    } else if !sign1.unprotected.key_id.is_empty() {
        sign1.unprotected.key_id.clone()
    } else {
        return Err(EnvelopeError::NoKeyId);
    };
    if sign1.signature.len() != 64 {
        return Err(EnvelopeError::SignatureLength(sign1.signature.len()));
    }
    Ok(Opened {
        alg,
        kid,
        payload,
        tagged,
        sign1,
    })
}

/// A reader's description of coset's parse errors.
fn describe(e: coset::CoseError) -> String {
    use coset::CoseError as E;
    match e {
        E::DecodeFailed(_) => "the bytes are not valid CBOR (truncated or damaged)".into(),
        E::ExtraneousData => "extra bytes follow the structure".into(),
        E::UnexpectedItem(got, want) => format!("found {got} where {want} belongs"),
        E::DuplicateMapKey => "a header map repeats a key".into(),
        other => other.to_string(),
    }
}

impl Opened {
    /// Checks the signature with one public key (strict Ed25519 verification).
    pub fn verify(&self, key: &VerifyingKey) -> bool {
        self.sign1
            .verify_signature(b"", |sig, tbs| {
                let sig = Signature::from_slice(sig).map_err(|_| ())?;
                key.verify_strict(tbs, &sig).map_err(|_| ())
            })
            .is_ok()
    }

    /// The Sig_structure that was signed (for inspection and test vectors).
    pub fn to_be_signed(&self) -> Vec<u8> {
        self.sign1.tbs_data(b"")
    }

    /// The 64 signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.sign1.signature
    }

    /// The protected header bytes as received.
    pub fn protected_bytes(&self) -> Vec<u8> {
        self.sign1
            .protected
            .original_data
            .clone()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn sign_open_verify() {
        let k = key(7);
        let cose = sign(b"\xa1\x00\x01", &k);
        let o = open(&cose).unwrap();
        assert_eq!(o.alg, ALG_EDDSA, "-8 is the default");
        assert_eq!(o.kid, key_id(&k.verifying_key()));
        assert_eq!(o.payload, b"\xa1\x00\x01");
        assert!(o.verify(&k.verifying_key()));
        assert!(!o.verify(&key(8).verifying_key()));
        // Overhead: array(1) + protected bstr(1+9) + unprotected {}(1) + payload bstr header(1) + sig(2+64).
        assert_eq!(cose.len(), 3 + 1 + 10 + 1 + 1 + 66);
    }

    #[test]
    fn alg_ed25519_on_request_verifies_with_the_same_signature() {
        let k = key(3);
        let a = open(&sign_with(b"\xa0", &k, Alg::Ed25519)).unwrap();
        let b = open(&sign_with(b"\xa0", &k, Alg::EdDsa)).unwrap();
        assert_eq!((a.alg, b.alg), (ALG_ED25519, ALG_EDDSA));
        assert!(a.verify(&k.verifying_key()) && b.verify(&k.verifying_key()));
    }

    #[test]
    fn tagged_form_is_accepted() {
        let k = key(1);
        let cose = sign(b"\xa0", &k);
        let mut tagged = vec![0xd2];
        tagged.extend_from_slice(&cose);
        let o = open(&tagged).unwrap();
        assert!(o.tagged && o.verify(&k.verifying_key()));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"\x84",
            b"\x80",
            b"\xd2\x84\x40\xa0\xf6\x40",
            b"\xff\xff",
        ] {
            assert!(open(bad).is_err());
        }
    }
}
