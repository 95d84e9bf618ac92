//! The envelope: a COSE_Sign1 structure (RFC 9052 §4.2) signed with Ed25519.
//!
//! We use the standard envelope rather than a home-made one so that anyone with a COSE
//! library can verify a label. The protected header carries the algorithm (-19,
//! "Ed25519", RFC 9864; -8 "EdDSA" is accepted when verifying) and a 4-byte key id (the
//! first 4 bytes of SHA-256 over the raw 32-byte public key) that tells a verifier which
//! trusted key to try. No external AAD. The structure is emitted untagged to save a byte;
//! the tagged form (tag 18) is accepted.
//!
//! Signatures are checked over the Sig_structure built from the *received* protected
//! header and payload bytes, never from re-encoded values (coset keeps the original
//! protected bytes). Entry points: [`sign`] and [`open`] + [`Opened::verify`].

use coset::{
    CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana,
};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// COSE algorithm id for Ed25519 (RFC 9864), the one we emit.
pub const ALG_ED25519: i64 = -19;
/// The older polymorphic "EdDSA" id (RFC 9053), accepted when verifying.
pub const ALG_EDDSA: i64 = -8;
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
}

/// The key id of a public key: the first 4 bytes of SHA-256 over its 32 raw bytes.
pub fn key_id(key: &VerifyingKey) -> [u8; KID_LEN] {
    use sha2::Digest;
    let h = sha2::Sha256::digest(key.as_bytes());
    let mut kid = [0u8; KID_LEN];
    kid.copy_from_slice(&h[..KID_LEN]);
    kid
}

/// Signs payload bytes, returning the untagged COSE_Sign1 bytes (entry point).
pub fn sign(payload: &[u8], key: &SigningKey) -> Vec<u8> {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::Ed25519)
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

/// Parses COSE_Sign1 bytes without checking the signature. Never panics.
pub fn open(bytes: &[u8]) -> Result<Opened, EnvelopeError> {
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
        assert_eq!(o.alg, ALG_ED25519);
        assert_eq!(o.kid, key_id(&k.verifying_key()));
        assert_eq!(o.payload, b"\xa1\x00\x01");
        assert!(o.verify(&k.verifying_key()));
        assert!(!o.verify(&key(8).verifying_key()));
        // Overhead: array(1) + protected bstr(1+9) + unprotected {}(1) + payload bstr header(1) + sig(2+64).
        assert_eq!(cose.len(), 3 + 1 + 10 + 1 + 1 + 66);
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
