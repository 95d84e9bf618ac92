//! Verification: from a signed input to a trust verdict and the facts.
//!
//! The order matters: the signature is checked over the received bytes *before* the
//! payload is trusted, so a damaged label reads as "bad signature" rather than as
//! whatever the damaged bytes happen to decode to. A key id that no trusted key has is
//! "unknown key": the payload may be genuine, but nobody this verifier trusts vouches
//! for it.
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
}

impl Verdict {
    /// Process exit code for `iotlabel verify` (malformed input is 4).
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Valid => 0,
            Verdict::BadSignature => 1,
            Verdict::UnknownKey => 3,
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
    Verification {
        verdict,
        signer,
        facts,
        envelope,
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
