//! Compliance profiles: what a regulation asks a declaration to state.
//!
//! Profiles are data (`assets/profiles/*.toml`), one file per profile, so a rule's
//! wording and legal source can be corrected without touching code. Each rule names one
//! check from a small fixed vocabulary ([`Check`]) that this module evaluates; a rule
//! that fails becomes a [`Problem`](crate::declaration::Problem) naming its source.

use crate::declaration::{Cost, Declaration, Delivery, Problem, ProblemKind, SupportEndSpec};
use serde::Deserialize;

/// A check a profile rule can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The device gets security updates at all (`updates.security_updates = true`).
    SecurityUpdates,
    /// Security updates cost the user nothing (`updates.cost = "free"`); a device
    /// without updates passes, since it makes no claim about cost.
    UpdatesFree,
    /// The support end is a calendar month (not a period, not open-ended).
    SupportEndMonthYear,
    /// The support end is a month or a period from a stated event.
    SupportPeriodDefined,
    /// A vulnerability-report contact is given.
    VulnerabilityContact,
    /// Updates are automatic by default, or a reason is given.
    AutomaticOrReason,
    /// For a device with updates: how they arrive and what the user must do.
    HowToGetUpdates,
    /// A support end month, or the statement that the device gets no updates.
    SupportEndOrUnsupported,
    /// A details page URL is given.
    DetailsUrl,
}

impl Check {
    fn passes(self, d: &Declaration) -> bool {
        let end = d.support.as_ref().and_then(|s| s.end);
        let dated = matches!(end, Some(SupportEndSpec::Date { .. }));
        match self {
            Check::SecurityUpdates => d.updates.security_updates,
            Check::UpdatesFree => !d.updates.security_updates || d.updates.cost == Some(Cost::Free),
            Check::SupportEndMonthYear => !d.updates.security_updates || dated,
            Check::SupportPeriodDefined => {
                !d.updates.security_updates
                    || dated
                    || d.support
                        .as_ref()
                        .is_some_and(|s| s.period_months.is_some())
            }
            Check::VulnerabilityContact => d.product.vulnerability_contact.is_some(),
            Check::AutomaticOrReason => {
                !d.updates.security_updates
                    || d.updates.delivery == Some(Delivery::Automatic)
                    || d.updates.manual_reason.is_some()
            }
            Check::HowToGetUpdates => {
                !d.updates.security_updates
                    || (d.updates.delivery.is_some() && d.updates.user_action.is_some())
            }
            Check::SupportEndOrUnsupported => !d.updates.security_updates || dated,
            Check::DetailsUrl => d.product.details_url.is_some(),
        }
    }
}

/// One rule of a profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub check: Check,
    /// The field the rule is about.
    pub field: String,
    /// What the regulation asks, in plain words.
    pub message: String,
    /// What would satisfy it.
    pub expected: String,
    /// The legal source, e.g. "EU CRA Art. 13(19)".
    pub source: String,
}

/// A compliance profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: String,
    pub title: String,
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
}

/// Why a profile could not be found.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("unknown profile \"{0}\"")]
#[diagnostic(help("available profiles: eu-cra, uk-psti, us-ctm"))]
pub struct UnknownProfile(pub String);

const PROFILES: &[(&str, &str)] = &[
    ("eu-cra", include_str!("../assets/profiles/eu-cra.toml")),
    ("uk-psti", include_str!("../assets/profiles/uk-psti.toml")),
    ("us-ctm", include_str!("../assets/profiles/us-ctm.toml")),
];

/// Ids of the built-in profiles.
pub fn ids() -> Vec<&'static str> {
    PROFILES.iter().map(|(id, _)| *id).collect()
}

/// Loads a built-in profile by id.
pub fn load(id: &str) -> Result<Profile, UnknownProfile> {
    let (_, text) = PROFILES
        .iter()
        .find(|(i, _)| *i == id)
        .ok_or_else(|| UnknownProfile(id.to_string()))?;
    // The profile files ship inside the binary and are parsed in a test, so a failure
    // here is a build defect, reported as an unknown profile rather than a panic.
    toml::from_str(text).map_err(|e| UnknownProfile(format!("{id} (broken profile data: {e})")))
}

impl Profile {
    /// Applies the profile to a declaration (entry point): every failing rule, or none.
    pub fn apply(&self, d: &Declaration) -> Vec<Problem> {
        self.rules
            .iter()
            .filter(|r| !r.check.passes(d))
            .map(|r| {
                Problem::new(
                    &r.field,
                    ProblemKind::Profile,
                    format!("{} [{}: {}]", r.message, self.id, r.source),
                )
                .expected(r.expected.clone())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_parses_and_names_sources() {
        for id in ids() {
            let p = load(id).unwrap();
            assert_eq!(p.id, id);
            assert!(p.rules.len() >= 2, "{id} has too few rules");
            for r in &p.rules {
                assert!(!r.source.is_empty() && !r.message.is_empty());
            }
        }
        assert!(load("nope").is_err());
    }
}
