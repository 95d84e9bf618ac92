//! Enumerated values and their stable integer codes.
//!
//! A code, once given, never changes meaning: signed labels live on boxes for years,
//! and a verifier built today must read a payload signed long ago. New values get new
//! codes; retired values keep theirs. Set-valued fields (channels, measures, standards)
//! travel as bit masks, so a value's code is its bit position there.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An enumeration whose values have stable names (in declarations) and integer codes
/// (in payloads).
pub trait Coded: Sized + Copy + PartialEq + 'static {
    /// What the field is called in messages ("delivery method").
    const WHAT: &'static str;
    /// Every value, in code order.
    const ALL: &'static [Self];
    /// The stable integer code.
    fn code(self) -> u8;
    /// The name used in declarations and phrase catalogues.
    fn name(self) -> &'static str;
    /// Looks a value up by its code.
    fn from_code(code: u64) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| u64::from(v.code()) == code)
    }
    /// Looks a value up by its declaration name.
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }
    /// All names, for "expected one of" messages.
    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|v| v.name()).collect()
    }
}

macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $var:ident = $code:literal => $s:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $s)] $var),+
        }
        impl Coded for $name {
            const WHAT: &'static str = $what;
            const ALL: &'static [Self] = &[$(Self::$var),+];
            fn code(self) -> u8 { match self { $(Self::$var => $code),+ } }
            fn name(self) -> &'static str { match self { $(Self::$var => $s),+ } }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.name()) }
        }
    };
}

coded_enum! {
    /// A.2: how security updates reach the device.
    Delivery, "delivery method" {
        /// Installed automatically unless the user turns it off.
        Automatic = 1 => "automatic",
        /// Automatic only after the user opts in.
        AutomaticOptIn = 2 => "automatic-opt-in",
        /// The user starts each update.
        UserInitiated = 3 => "user-initiated",
        /// A technician or service centre installs it.
        ServiceVisit = 4 => "service-visit",
    }
}

coded_enum! {
    /// A.2: what the user has to do for updates to arrive.
    UserAction, "user action" {
        /// Nothing.
        None = 0 => "none",
        /// Keep the device connected to the internet.
        KeepOnline = 1 => "keep-online",
        /// Approve each update in the companion app.
        ApproveInApp = 2 => "approve-in-app",
        /// Download and install updates manually.
        InstallManually = 3 => "install-manually",
        /// Restart the device when asked.
        RestartDevice = 4 => "restart-device",
        /// Bring the device to a service point.
        VisitService = 5 => "visit-service",
    }
}

coded_enum! {
    /// A.2: what security updates cost.
    Cost, "update cost" {
        /// Free of charge.
        Free = 0 => "free",
        /// Need a paid subscription.
        Subscription = 1 => "subscription",
        /// A fee per update.
        PerUpdateFee = 2 => "per-update-fee",
    }
}

coded_enum! {
    /// A.3: what a support period counts from.
    PeriodStart, "period start" {
        Purchase = 1 => "purchase",
        Registration = 2 => "registration",
        Manufacture = 3 => "manufacture",
    }
}

coded_enum! {
    /// A.3: how firm the support end is.
    Commitment, "commitment" {
        /// The manufacturer commits to at least this.
        Minimum = 1 => "minimum",
        /// The manufacturer expects this but does not commit.
        Anticipated = 2 => "anticipated",
    }
}

coded_enum! {
    /// B.1: how the user is told about updates (a set; code = bit position).
    Channel, "notification channel" {
        App = 0 => "app",
        Email = 1 => "email",
        Sms = 2 => "sms",
        DeviceIndicator = 3 => "device-indicator",
        Website = 4 => "website",
        SubscriptionService = 5 => "subscription-service",
        /// No notification at all (cannot be combined with others).
        None = 7 => "none",
    }
}

coded_enum! {
    /// B.1: how often updates are announced.
    Schedule, "update schedule" {
        AsNeeded = 1 => "as-needed",
        Monthly = 2 => "monthly",
        Quarterly = 3 => "quarterly",
        HalfYearly = 4 => "half-yearly",
        Yearly = 5 => "yearly",
    }
}

coded_enum! {
    /// B.2: what the device does when support ends.
    EosBehaviour, "end-of-support behaviour" {
        /// Keeps working without updates, at the user's own risk.
        KeepsWorking = 1 => "keeps-working",
        /// Loses some functions (e.g. cloud features).
        LosesFunctions = 2 => "loses-functions",
        /// Stops working.
        StopsWorking = 3 => "stops-working",
    }
}

coded_enum! {
    /// B.2: what is offered when support ends.
    EosOffer, "end-of-support offer" {
        Nothing = 0 => "nothing",
        /// Extended support for a fee.
        PaidExtendedSupport = 1 => "paid-extended-support",
        /// Another company (a successor or a service partner) takes over support.
        HandedOver = 2 => "handed-over",
        /// The firmware source is published so that others can keep maintaining it.
        SourcePublished = 3 => "source-published",
    }
}

coded_enum! {
    /// B.3: technical measures protecting updates (a set; code = bit position).
    Measure, "security measure" {
        /// Updates are signed by the manufacturer.
        Signed = 0 => "signed",
        /// The device verifies the signature before installing.
        VerifiedOnDevice = 1 => "verified-on-device",
        /// Updates travel over an encrypted connection.
        EncryptedTransport = 2 => "encrypted-transport",
        /// Older, vulnerable firmware cannot be reinstalled.
        RollbackProtection = 3 => "rollback-protection",
        /// The update process is independently tested.
        IndependentlyTested = 4 => "independently-tested",
    }
}

coded_enum! {
    /// B.3: standards the update process follows (a set; code = bit position).
    Standard, "standard" {
        /// IETF SUIT manifests (RFC 9019 architecture).
        IetfSuit = 0 => "ietf-suit",
        Uptane = 1 => "uptane",
        /// The Update Framework.
        Tuf = 2 => "tuf",
        EtsiEn303645 = 3 => "etsi-en-303-645",
        Iec62443_4_2 = 4 => "iec-62443-4-2",
        En18031 = 5 => "en-18031",
        NistIr8425 = 6 => "nist-ir-8425",
    }
}

/// Packs a set of coded values into a bit mask (code = bit position).
pub fn to_mask<T: Coded>(values: &[T]) -> u64 {
    values.iter().fold(0, |m, v| m | (1u64 << v.code()))
}

/// Unpacks a bit mask; `Err` carries the bits that name no known value.
pub fn from_mask<T: Coded>(mask: u64) -> Result<Vec<T>, u64> {
    let known = to_mask(T::ALL);
    if mask & !known != 0 {
        return Err(mask & !known);
    }
    Ok(T::ALL
        .iter()
        .copied()
        .filter(|v| mask & (1 << v.code()) != 0)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Coded + std::fmt::Debug + serde::Serialize>() {
        let mut seen = std::collections::HashSet::new();
        for v in T::ALL {
            assert!(
                seen.insert(v.code()),
                "{} code {} used twice",
                T::WHAT,
                v.code()
            );
            assert_eq!(T::from_code(u64::from(v.code())), Some(*v));
            assert_eq!(T::from_name(v.name()), Some(*v));
            // The serde name is the same as the catalogue name.
            let json = serde_json::to_value(v).unwrap();
            assert_eq!(json, serde_json::Value::String(v.name().to_string()));
        }
        assert_eq!(T::from_code(200), None);
        assert_eq!(T::from_name("no-such-value"), None);
    }

    #[test]
    fn every_enum_round_trips_by_code_and_name() {
        round_trip::<Delivery>();
        round_trip::<UserAction>();
        round_trip::<Cost>();
        round_trip::<PeriodStart>();
        round_trip::<Commitment>();
        round_trip::<Channel>();
        round_trip::<Schedule>();
        round_trip::<EosBehaviour>();
        round_trip::<EosOffer>();
        round_trip::<Measure>();
        round_trip::<Standard>();
    }

    #[test]
    fn codes_are_stable() {
        // These numbers are on printed labels; changing one is a format break.
        assert_eq!(Delivery::Automatic.code(), 1);
        assert_eq!(UserAction::InstallManually.code(), 3);
        assert_eq!(Cost::Subscription.code(), 1);
        assert_eq!(Channel::DeviceIndicator.code(), 3);
        assert_eq!(Measure::RollbackProtection.code(), 3);
        assert_eq!(Standard::EtsiEn303645.code(), 3);
        assert_eq!(EosBehaviour::StopsWorking.code(), 3);
    }

    #[test]
    fn masks_round_trip_and_reject_unknown_bits() {
        let m = vec![Measure::Signed, Measure::RollbackProtection];
        assert_eq!(to_mask(&m), 0b1001);
        assert_eq!(from_mask::<Measure>(0b1001).unwrap(), m);
        assert_eq!(from_mask::<Measure>(1 << 6), Err(1 << 6));
        let all = to_mask(Standard::ALL);
        assert_eq!(from_mask::<Standard>(all).unwrap(), Standard::ALL.to_vec());
    }
}
