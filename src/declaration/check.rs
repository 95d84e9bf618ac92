//! Consistency rules: fields that are each valid but contradict each other.
//!
//! These are the mistakes that would put a false promise on a box: a device without
//! updates that claims a delivery schedule, a period without a starting point, a support
//! end that has already passed. Regulatory requirements are not here; they are data in
//! [`crate::profile`].

use super::read::{Problem, ProblemKind};
use super::*;

/// Options for [`check`].
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// "Today", for the rule that a new label may not carry a support end in the past.
    pub today: YearMonth,
    /// Whether the declaration is for a new label (applies the past-end rule).
    pub new_label: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            today: YearMonth::now(),
            new_label: true,
        }
    }
}

impl CheckOptions {
    /// Options for reading an existing declaration without the date rule.
    pub fn lenient() -> Self {
        CheckOptions {
            today: YearMonth::now(),
            new_label: false,
        }
    }
}

fn contra(field: &str, msg: impl Into<String>, expected: impl Into<String>) -> Problem {
    Problem::new(field, ProblemKind::Contradiction, msg).expected(expected)
}

/// Returns every consistency problem in a declaration (empty when consistent).
pub fn check(d: &Declaration, opts: &CheckOptions) -> Vec<Problem> {
    let mut out = Vec::new();
    let u = &d.updates;
    if !u.security_updates {
        // A device without updates makes no claims about how they arrive.
        for (field, present) in [
            ("updates.delivery", u.delivery.is_some()),
            ("updates.user_action", u.user_action.is_some()),
            ("updates.cost", u.cost.is_some()),
            (
                "notification.schedule",
                d.notification
                    .as_ref()
                    .is_some_and(|n| n.schedule.is_some()),
            ),
        ] {
            if present {
                out.push(contra(
                    field,
                    "is set, but updates.security_updates = false says the device gets no security updates",
                    "remove this field, or set security_updates = true",
                ));
            }
        }
        if d.notification
            .as_ref()
            .is_some_and(|n| n.channels.iter().any(|c| *c != Channel::None))
        {
            out.push(contra(
                "notification.channels",
                "names notification channels for a device that gets no security updates",
                "channels = [\"none\"], or remove the list",
            ));
        }
        if let Some(s) = &d.support
            && (s.end.is_some_and(|e| {
                matches!(e, SupportEndSpec::Date { .. } | SupportEndSpec::Indefinite)
            }) || s.period_months.is_some())
        {
            out.push(contra(
                "support",
                "gives a support end for a device that gets no security updates",
                "remove the [support] table",
            ));
        }
        if d.security
            .as_ref()
            .is_some_and(|s| !s.measures.is_empty() || !s.standards.is_empty())
        {
            out.push(contra(
                "security",
                "describes how updates are secured, but the device gets no security updates",
                "remove the [security] table",
            ));
        }
        return out;
    }

    if u.delivery.is_none() {
        out.push(
            Problem::new(
                "updates.delivery",
                ProblemKind::Missing,
                "missing: how do updates reach the device?",
            )
            .expected(format!("one of {}", Delivery::names().join(", "))),
        );
    }
    if u.delivery == Some(Delivery::Automatic) && u.user_action == Some(UserAction::InstallManually)
    {
        out.push(contra(
            "updates.user_action",
            "\"install-manually\" contradicts delivery = \"automatic\"",
            "delivery = \"user-initiated\", or another user_action",
        ));
    }
    if u.cost == Some(Cost::Free)
        && u.cost_note
            .as_deref()
            .is_some_and(|n| n.contains(['€', '$', '£']))
    {
        out.push(contra(
            "updates.cost_note",
            "mentions a price, but cost = \"free\"",
            "cost = \"subscription\" or \"per-update-fee\", or a note without a price",
        ));
    }

    match &d.support {
        None => out.push(
            Problem::new("support", ProblemKind::Missing, "missing: until when does the device get security updates?")
                .expected("a [support] table with end = \"YYYY-MM\" (or period_months + period_from, or \"indefinite\"/\"unknown\")"),
        ),
        Some(s) => check_support(s, opts, &mut out),
    }

    if let Some(n) = &d.notification
        && n.channels.contains(&Channel::None)
        && n.channels.len() > 1
    {
        out.push(contra(
            "notification.channels",
            "\"none\" is combined with other channels",
            "either [\"none\"] or a list of channels",
        ));
    }
    if d.end_of_support.is_none() {
        out.push(
            Problem::new(
                "end_of_support",
                ProblemKind::Missing,
                "missing: what happens when security updates end?",
            )
            .expected(format!(
                "an [end_of_support] table with behaviour = one of {}",
                EosBehaviour::names().join(", ")
            )),
        );
    }
    out
}

fn check_support(s: &Support, opts: &CheckOptions, out: &mut Vec<Problem>) {
    match (s.end, s.period_months, s.period_from) {
        (Some(_), Some(_), _) => out.push(contra(
            "support.period_months",
            "both an end and a period are given",
            "either end = \"YYYY-MM\" or period_months + period_from, not both",
        )),
        (Some(_), None, Some(_)) => out.push(contra("support.period_from", "is set without period_months", "period_months = N, or remove period_from")),
        (None, Some(_), None) => out.push(
            Problem::new("support.period_from", ProblemKind::Missing, "a support period needs its starting point")
                .expected(format!("one of {}", PeriodStart::names().join(", "))),
        ),
        (None, None, Some(_)) => out.push(Problem::new("support.period_months", ProblemKind::Missing, "period_from is set but the period's length is missing").expected("period_months = N (months)")),
        (None, None, None) => out.push(
            Problem::new("support.end", ProblemKind::Missing, "the support end is missing")
                .expected("end = \"YYYY-MM\", or period_months + period_from, or end = \"indefinite\" / \"unknown\""),
        ),
        _ => {}
    }
    let dated = matches!(s.end, Some(SupportEndSpec::Date { .. })) || s.period_months.is_some();
    if dated && s.commitment.is_none() {
        out.push(
            Problem::new(
                "support.commitment",
                ProblemKind::Missing,
                "say whether the end is a committed minimum or only anticipated",
            )
            .expected("commitment = \"minimum\" or \"anticipated\""),
        );
    }
    if !dated && s.commitment.is_some() {
        out.push(contra(
            "support.commitment",
            "a commitment needs a dated end or a period",
            "remove commitment, or give an end date",
        ));
    }
    if let Some(SupportEndSpec::Date { year, month, .. }) = s.end
        && opts.new_label
        && (YearMonth { year, month }) < opts.today
    {
        out.push(contra(
            "support.end",
            format!("{year:04}-{month:02} is in the past (today is {}); a new label cannot promise updates that have already ended", opts.today),
            "a month from today on, or mark the device as getting no updates",
        ));
    }
}
