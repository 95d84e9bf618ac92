//! The payload: a declaration's facts as compact, deterministic CBOR.
//!
//! Only what the label must say travels: manufacturer and model as text, the GTIN as a
//! number, and every element of updatability as a small integer code or bit mask
//! (see [`crate::declaration::Coded`]). Free-text notes and URLs stay on the details
//! page. Encoding follows RFC 8949 §4.2.1 (core deterministic encoding): a definite-length
//! map with unsigned integer keys in ascending order, shortest-form integers, no floats.
//!
//! Entry points: [`encode`] and [`decode`]. Decoding is strict: the bytes must be exactly
//! what [`encode`] would produce for the decoded facts, so two verifiers can never read
//! one signed payload two ways.

use crate::declaration::{
    Channel, Coded, Commitment, Cost, Declaration, Delivery, EndOfSupport, EosBehaviour, EosOffer,
    Measure, Notification, PeriodStart, Product, Schedule, Security, Standard, Support, SupportEnd,
    SupportEndSpec, Updates, UserAction, YearMonth, from_mask, to_mask,
};
use minicbor::{Decode, Encode};

/// Payload format version carried under key 0.
pub const PAYLOAD_VERSION: u32 = 1;

/// The facts a signed payload carries: the declaration without its free text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub manufacturer: String,
    pub model: String,
    /// GTIN-14 (14 digits), if any.
    pub gtin: Option<String>,
    pub security_updates: bool,
    pub delivery: Option<Delivery>,
    pub user_action: Option<UserAction>,
    pub cost: Option<Cost>,
    pub support_end: Option<SupportEnd>,
    pub commitment: Option<Commitment>,
    /// `None` when not stated; `Some(vec![])` never occurs (no channels is `[Channel::None]`).
    pub channels: Option<Vec<Channel>>,
    pub schedule: Option<Schedule>,
    pub eos_behaviour: Option<EosBehaviour>,
    pub eos_offer: Option<EosOffer>,
    pub measures: Vec<Measure>,
    pub standards: Vec<Standard>,
}

/// The wire form; field numbers are the CBOR map keys (see docs/payload.md).
#[derive(Debug, Default, Encode, Decode, PartialEq)]
#[cbor(map)]
struct Wire {
    #[n(0)]
    version: u32,
    #[n(1)]
    manufacturer: String,
    #[n(2)]
    model: String,
    #[n(3)]
    gtin: Option<u64>,
    #[n(4)]
    updates: bool,
    #[n(5)]
    delivery: Option<u8>,
    #[n(6)]
    user_action: Option<u8>,
    #[n(7)]
    cost: Option<u8>,
    #[n(8)]
    end_month: Option<u32>,
    #[n(9)]
    period_months: Option<u16>,
    #[n(10)]
    period_from: Option<u8>,
    #[n(11)]
    end_open: Option<u8>,
    #[n(12)]
    commitment: Option<u8>,
    #[n(13)]
    channels: Option<u64>,
    #[n(14)]
    schedule: Option<u8>,
    #[n(15)]
    eos: Option<u8>,
    #[n(16)]
    offer: Option<u8>,
    #[n(17)]
    measures: Option<u64>,
    #[n(18)]
    standards: Option<u64>,
}

/// Highest map key of version 1.
const MAX_KEY: u64 = 18;
const OPEN_INDEFINITE: u8 = 1;
const OPEN_UNKNOWN: u8 = 2;

/// Why payload bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("payload is not valid CBOR for this format: {0}")]
    Cbor(String),
    #[error(
        "payload format version {0} is not supported (this build reads version {PAYLOAD_VERSION}); update iotlabel"
    )]
    UnsupportedVersion(u32),
    #[error("payload has unknown map key {0} (version 1 uses keys 0–{MAX_KEY})")]
    UnknownKey(u64),
    #[error("payload map keys are not in ascending order (key {0} after {1})")]
    KeyOrder(u64, u64),
    #[error("payload field {field} has code {code}, which names no {what}")]
    BadCode {
        field: &'static str,
        what: &'static str,
        code: u64,
    },
    #[error("payload field {0} is invalid: {1}")]
    BadValue(&'static str, String),
    #[error("payload is not in deterministic encoding (RFC 8949 §4.2.1); it may have been altered")]
    NotDeterministic,
}

impl Facts {
    /// The facts of a declaration (its free-text notes and URLs are dropped).
    pub fn from_declaration(d: &Declaration) -> Facts {
        let gtin = d
            .product
            .gtin
            .as_deref()
            .and_then(|g| crate::declaration::gtin14(g).ok());
        Facts {
            manufacturer: d.product.manufacturer.clone(),
            model: d.product.model.clone(),
            gtin,
            security_updates: d.updates.security_updates,
            delivery: d.updates.delivery,
            user_action: d.updates.user_action,
            cost: d.updates.cost,
            support_end: d.support_end(),
            commitment: d.support.as_ref().and_then(|s| s.commitment),
            channels: d
                .notification
                .as_ref()
                .and_then(|n| (!n.channels.is_empty()).then(|| sorted(&n.channels))),
            schedule: d.notification.as_ref().and_then(|n| n.schedule),
            eos_behaviour: d.end_of_support.as_ref().map(|e| e.behaviour),
            eos_offer: d.end_of_support.as_ref().and_then(|e| e.offer),
            measures: d
                .security
                .as_ref()
                .map(|s| sorted(&s.measures))
                .unwrap_or_default(),
            standards: d
                .security
                .as_ref()
                .map(|s| sorted(&s.standards))
                .unwrap_or_default(),
        }
    }

    /// The facts as a declaration (for JSON output with the declaration's field names).
    /// Fields the payload does not carry (notes, URLs, versions) are absent.
    pub fn to_declaration(&self) -> Declaration {
        let support = self.support_end.map(|end| {
            let (end, period_months, period_from) = match end {
                SupportEnd::Until(ym) => (
                    Some(SupportEndSpec::Date {
                        year: ym.year,
                        month: ym.month,
                        day: None,
                    }),
                    None,
                    None,
                ),
                SupportEnd::Period { months, from } => (None, Some(months), Some(from)),
                SupportEnd::Indefinite => (Some(SupportEndSpec::Indefinite), None, None),
                SupportEnd::Unknown => (Some(SupportEndSpec::Unknown), None, None),
            };
            Support {
                end,
                period_months,
                period_from,
                commitment: self.commitment,
                note: None,
            }
        });
        Declaration {
            format: crate::declaration::FORMAT_VERSION,
            product: Product {
                manufacturer: self.manufacturer.clone(),
                model: self.model.clone(),
                gtin: self.gtin.clone(),
                firmware_version: None,
                hardware_version: None,
                details_url: None,
                vulnerability_contact: None,
                link_base_url: None,
            },
            updates: Updates {
                security_updates: self.security_updates,
                delivery: self.delivery,
                user_action: self.user_action,
                cost: self.cost,
                cost_note: None,
                manual_reason: None,
                note: None,
            },
            support,
            notification: (self.channels.is_some() || self.schedule.is_some()).then(|| {
                Notification {
                    channels: self.channels.clone().unwrap_or_default(),
                    schedule: self.schedule,
                    note: None,
                }
            }),
            end_of_support: self.eos_behaviour.map(|behaviour| EndOfSupport {
                behaviour,
                offer: self.eos_offer,
                note: None,
            }),
            security: (!self.measures.is_empty() || !self.standards.is_empty()).then(|| Security {
                measures: self.measures.clone(),
                standards: self.standards.clone(),
                note: None,
            }),
        }
    }

    fn to_wire(&self) -> Wire {
        let (end_month, period_months, period_from, end_open) = match self.support_end {
            None => (None, None, None, None),
            Some(SupportEnd::Until(ym)) => (Some(ym.index()), None, None, None),
            Some(SupportEnd::Period { months, from }) => {
                (None, Some(months), Some(from.code()), None)
            }
            Some(SupportEnd::Indefinite) => (None, None, None, Some(OPEN_INDEFINITE)),
            Some(SupportEnd::Unknown) => (None, None, None, Some(OPEN_UNKNOWN)),
        };
        Wire {
            version: PAYLOAD_VERSION,
            manufacturer: self.manufacturer.clone(),
            model: self.model.clone(),
            gtin: self.gtin.as_deref().and_then(|g| g.parse().ok()),
            updates: self.security_updates,
            delivery: self.delivery.map(Coded::code),
            user_action: self.user_action.map(Coded::code),
            cost: self.cost.map(Coded::code),
            end_month,
            period_months,
            period_from,
            end_open,
            commitment: self.commitment.map(Coded::code),
            // "none" is the empty mask.
            channels: self.channels.as_ref().map(|c| {
                to_mask(
                    &c.iter()
                        .copied()
                        .filter(|c| *c != Channel::None)
                        .collect::<Vec<_>>(),
                )
            }),
            schedule: self.schedule.map(Coded::code),
            eos: self.eos_behaviour.map(Coded::code),
            offer: self.eos_offer.map(Coded::code),
            measures: (!self.measures.is_empty()).then(|| to_mask(&self.measures)),
            standards: (!self.standards.is_empty()).then(|| to_mask(&self.standards)),
        }
    }
}

/// Sets travel as bit masks, so they come back in code order; normalise on the way in
/// so that a round trip gives back equal facts.
fn sorted<T: Coded + Ord>(v: &[T]) -> Vec<T> {
    let mut v = v.to_vec();
    v.sort_by_key(|x| x.code());
    v.dedup();
    v
}

/// Encodes facts as deterministic CBOR (entry point for signing).
pub fn encode(facts: &Facts) -> Vec<u8> {
    // Writing into a Vec cannot fail.
    minicbor::to_vec(facts.to_wire()).unwrap_or_default()
}

fn code<T: Coded>(field: &'static str, v: Option<u8>) -> Result<Option<T>, PayloadError> {
    v.map(|c| {
        T::from_code(u64::from(c)).ok_or(PayloadError::BadCode {
            field,
            what: T::WHAT,
            code: u64::from(c),
        })
    })
    .transpose()
}

/// Checks the map's shape and key order before decoding, for precise errors.
fn scan_keys(bytes: &[u8]) -> Result<(), PayloadError> {
    let mut d = minicbor::Decoder::new(bytes);
    let cbor = |e: minicbor::decode::Error| PayloadError::Cbor(e.to_string());
    let n = d
        .map()
        .map_err(cbor)?
        .ok_or_else(|| PayloadError::Cbor("indefinite-length map".into()))?;
    let mut last: Option<u64> = None;
    for _ in 0..n {
        let k = d.u64().map_err(cbor)?;
        if k > MAX_KEY {
            return Err(PayloadError::UnknownKey(k));
        }
        if let Some(l) = last
            && k <= l
        {
            return Err(PayloadError::KeyOrder(k, l));
        }
        last = Some(k);
        d.skip().map_err(cbor)?;
    }
    if d.position() != bytes.len() {
        return Err(PayloadError::Cbor(format!(
            "{} bytes of trailing data after the map",
            bytes.len() - d.position()
        )));
    }
    Ok(())
}

/// Decodes payload bytes into facts (entry point for verifying). Never panics.
pub fn decode(bytes: &[u8]) -> Result<Facts, PayloadError> {
    scan_keys(bytes)?;
    let w: Wire = minicbor::decode(bytes).map_err(|e| PayloadError::Cbor(e.to_string()))?;
    if w.version != PAYLOAD_VERSION {
        return Err(PayloadError::UnsupportedVersion(w.version));
    }
    // Names follow the one rule for untrusted text (crate::untrusted).
    for (field, s) in [
        ("manufacturer (1)", &w.manufacturer),
        ("model (2)", &w.model),
    ] {
        if s.trim().is_empty() || s.chars().count() > 120 {
            return Err(PayloadError::BadValue(
                field,
                "empty or longer than 120 characters".into(),
            ));
        }
        crate::untrusted::check(field, s).map_err(|e| PayloadError::BadValue(field, e.what()))?;
    }
    let gtin = match w.gtin {
        None => None,
        Some(g) => {
            let s = format!("{g:014}");
            crate::declaration::gtin14(&s).map_err(|e| PayloadError::BadValue("gtin (3)", e))?;
            Some(s)
        }
    };
    let support_end = match (w.end_month, w.period_months, w.end_open) {
        (None, None, None) => None,
        (Some(m), None, None) => Some(SupportEnd::Until(YearMonth::from_index(m).ok_or_else(
            || PayloadError::BadValue("end month (8)", format!("{m} is out of range")),
        )?)),
        (None, Some(months), None) => {
            let from =
                code::<PeriodStart>("period start (10)", w.period_from)?.ok_or_else(|| {
                    PayloadError::BadValue("period start (10)", "a period needs its start".into())
                })?;
            Some(SupportEnd::Period { months, from })
        }
        (None, None, Some(OPEN_INDEFINITE)) => Some(SupportEnd::Indefinite),
        (None, None, Some(OPEN_UNKNOWN)) => Some(SupportEnd::Unknown),
        (None, None, Some(c)) => {
            return Err(PayloadError::BadCode {
                field: "open end (11)",
                what: "open support end",
                code: u64::from(c),
            });
        }
        _ => {
            return Err(PayloadError::BadValue(
                "support end (8–11)",
                "more than one form of support end".into(),
            ));
        }
    };
    if w.period_from.is_some() && w.period_months.is_none() {
        return Err(PayloadError::BadValue(
            "period start (10)",
            "given without a period".into(),
        ));
    }
    let bad_mask = |field: &'static str, what: &'static str| {
        move |bits: u64| PayloadError::BadCode {
            field,
            what,
            code: bits,
        }
    };
    let channels = match w.channels {
        None => None,
        Some(0) => Some(vec![Channel::None]),
        Some(m) if m & (1 << Channel::None.code()) != 0 => {
            return Err(bad_mask("channels (13)", Channel::WHAT)(m));
        }
        Some(m) => Some(from_mask::<Channel>(m).map_err(bad_mask("channels (13)", Channel::WHAT))?),
    };
    let mask = |field: &'static str, m: Option<u64>| -> Result<u64, PayloadError> {
        match m {
            Some(0) => Err(PayloadError::BadValue(
                field,
                "an empty set is written by leaving the key out".into(),
            )),
            Some(m) => Ok(m),
            None => Ok(0),
        }
    };
    let facts = Facts {
        manufacturer: w.manufacturer.clone(),
        model: w.model.clone(),
        gtin,
        security_updates: w.updates,
        delivery: code("delivery (5)", w.delivery)?,
        user_action: code("user action (6)", w.user_action)?,
        cost: code("cost (7)", w.cost)?,
        support_end,
        commitment: code("commitment (12)", w.commitment)?,
        channels,
        schedule: code("schedule (14)", w.schedule)?,
        eos_behaviour: code("end-of-support behaviour (15)", w.eos)?,
        eos_offer: code("end-of-support offer (16)", w.offer)?,
        measures: from_mask(mask("measures (17)", w.measures)?)
            .map_err(bad_mask("measures (17)", Measure::WHAT))?,
        standards: from_mask(mask("standards (18)", w.standards)?)
            .map_err(bad_mask("standards (18)", Standard::WHAT))?,
    };
    // Strictness: the bytes must be the one encoding of these facts.
    if encode(&facts) != bytes {
        return Err(PayloadError::NotDeterministic);
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Facts {
        Facts {
            manufacturer: "Acme Climate".into(),
            model: "Thermo T1".into(),
            gtin: Some("04006381333931".into()),
            security_updates: true,
            delivery: Some(Delivery::Automatic),
            user_action: Some(UserAction::KeepOnline),
            cost: Some(Cost::Free),
            support_end: Some(SupportEnd::Until(YearMonth {
                year: 2030,
                month: 12,
            })),
            commitment: Some(Commitment::Minimum),
            channels: Some(vec![Channel::App, Channel::Email]),
            schedule: Some(Schedule::AsNeeded),
            eos_behaviour: Some(EosBehaviour::KeepsWorking),
            eos_offer: Some(EosOffer::Nothing),
            measures: vec![Measure::Signed, Measure::VerifiedOnDevice],
            standards: vec![Standard::EtsiEn303645],
        }
    }

    #[test]
    fn round_trip() {
        let f = sample();
        let b = encode(&f);
        assert_eq!(decode(&b).unwrap(), f);
    }

    #[test]
    fn encoding_is_deterministic_per_rfc8949() {
        // Check with an independent decoder (ciborium) that keys ascend and are unsigned.
        let b = encode(&sample());
        let v: ciborium::Value = ciborium::from_reader(&b[..]).unwrap();
        let map = v.as_map().unwrap();
        let keys: Vec<u64> = map
            .iter()
            .map(|(k, _)| u64::try_from(k.as_integer().unwrap()).unwrap())
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(b[0], 0xa0 | keys.len() as u8, "definite-length map header");
        // 2030-12 is month 371 since 2000-01: a 2-byte uint, shortest form 0x19 0x01 0x73.
        assert!(b.windows(4).any(|w| w == [0x08, 0x19, 0x01, 0x73]));
    }

    #[test]
    fn non_canonical_integer_is_rejected() {
        let b = encode(&sample());
        // Key 0 (version) is 00 01; rewrite the value 1 as the non-shortest 0x18 0x01.
        assert_eq!(&b[1..3], &[0x00, 0x01]);
        let mut long = vec![b[0], 0x00, 0x18, 0x01];
        long.extend_from_slice(&b[3..]);
        assert_eq!(decode(&long), Err(PayloadError::NotDeterministic));
    }

    #[test]
    fn unknown_key_and_bad_codes_are_typed_errors() {
        let mut f = sample();
        f.delivery = None;
        let mut b = encode(&f);
        b[0] += 1;
        b.extend_from_slice(&[0x18, 0x63, 0x01]); // key 99
        assert_eq!(decode(&b), Err(PayloadError::UnknownKey(99)));
        // delivery code 9 does not exist: build it by hand.
        let mut w = sample().to_wire();
        w.delivery = Some(9);
        let b = minicbor::to_vec(&w).unwrap();
        assert!(matches!(
            decode(&b),
            Err(PayloadError::BadCode {
                field: "delivery (5)",
                ..
            })
        ));
    }

    #[test]
    fn no_channels_is_the_empty_mask() {
        let mut f = sample();
        f.channels = Some(vec![Channel::None]);
        assert_eq!(
            decode(&encode(&f)).unwrap().channels,
            Some(vec![Channel::None])
        );
    }
}
