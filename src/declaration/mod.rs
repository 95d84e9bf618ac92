//! The declaration: the manufacturer's statement of the NTIA "elements of
//! updatability" (A.1–A.3, B.1–B.3) plus who makes the product.
//!
//! This is the foundation every other stage builds on, so it is strict: every
//! enumerated value has a stable small integer code (the signed payload carries codes,
//! never words), unknown fields are rejected with a "did you mean", and all problems in
//! a file are reported at once with file, field path, line and column.
//!
//! Entry point: [`load`] (a file) or [`parse_str`] (text in TOML or JSON). Both return
//! a [`Declaration`] that has passed the consistency rules of [`check`]; the regulatory
//! profiles live in [`crate::profile`].

mod check;
mod codes;
mod read;

pub use check::{CheckOptions, check};
pub use codes::*;
pub use read::{Format, Problem, ProblemKind, ReadError, gtin14, looks_like_private_key};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Highest declaration format version this build understands.
pub const FORMAT_VERSION: u32 = 1;

/// A complete, validated security-update declaration.
///
/// The field names here are the declaration's JSON form; the TOML form uses the same
/// names and tables. Free-text `note` fields never reach the signed payload: they are
/// for the manufacturer's details page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "iotlabel security-update declaration")]
pub struct Declaration {
    /// Declaration format version (currently 1).
    #[serde(default = "default_format")]
    pub format: u32,
    /// Who makes the product and what it is.
    pub product: Product,
    /// A.1 and A.2: whether and how the device receives security updates.
    pub updates: Updates,
    /// A.3: until when security updates are provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<Support>,
    /// B.1: how the user is told about updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<Notification>,
    /// B.2: what happens when support ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_of_support: Option<EndOfSupport>,
    /// B.3: how updates are secured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<Security>,
}

fn default_format() -> u32 {
    FORMAT_VERSION
}

/// Identity of the product and the manufacturer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// Manufacturer name as printed on the box.
    pub manufacturer: String,
    /// Product or model name.
    pub model: String,
    /// GTIN-8/12/13/14 with a valid check digit (digits only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// Firmware version the declaration was made for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_version: Option<String>,
    /// Hardware revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_version: Option<String>,
    /// The manufacturer's page with the full details (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details_url: Option<String>,
    /// Where to report vulnerabilities: an https URL or an e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vulnerability_contact: Option<String>,
    /// Base URL of the verifier page that the QR link opens (https). `--base-url`
    /// overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_base_url: Option<String>,
}

/// A.1 and A.2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Updates {
    /// A.1: does the device receive security updates at all?
    pub security_updates: bool,
    /// A.2: how updates reach the device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// A.2: what the user has to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_action: Option<UserAction>,
    /// A.2: what updates cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
    /// Free text about the cost (not in the payload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_note: Option<String>,
    /// Why updates are not automatic by default (EU CRA asks for a reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_reason: Option<String>,
    /// Free text (not in the payload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A.3: the end of security-update support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Support {
    /// `"YYYY-MM"` or `"YYYY-MM-DD"`, or `"indefinite"`, or `"unknown"`. Give either
    /// this or `period_months`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<SupportEndSpec>,
    /// Support period length in months, counted from `period_from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_months: Option<u16>,
    /// What the period counts from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_from: Option<PeriodStart>,
    /// Whether the end is a committed minimum or only anticipated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<Commitment>,
    /// Free text (not in the payload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The `support.end` value: a month (optionally a day) or an open-ended state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportEndSpec {
    /// A calendar month; the day, if given, is kept for the details page only.
    Date {
        year: u16,
        month: u8,
        day: Option<u8>,
    },
    /// Support without a set end.
    Indefinite,
    /// The manufacturer does not say.
    Unknown,
}

/// The support end in the form the payload and summary use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportEnd {
    /// Until the end of this month.
    Until(YearMonth),
    /// For this many months from an event.
    Period { months: u16, from: PeriodStart },
    /// No set end.
    Indefinite,
    /// Not stated.
    Unknown,
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: u16,
    pub month: u8,
}

impl YearMonth {
    /// Months since January 2000 (the payload's compact date).
    pub fn index(self) -> u32 {
        (u32::from(self.year) - 2000) * 12 + u32::from(self.month) - 1
    }
    /// Inverse of [`YearMonth::index`].
    pub fn from_index(i: u32) -> Option<Self> {
        let year = 2000 + i / 12;
        let year = u16::try_from(year).ok().filter(|y| *y <= 9999)?;
        Some(YearMonth {
            year,
            month: (i % 12) as u8 + 1,
        })
    }
    /// The current month in UTC, from the system clock.
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let days = (secs / 86_400) as i64;
        let (y, m, _) = civil_from_days(days);
        YearMonth {
            year: y as u16,
            month: m as u8,
        }
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for YearMonth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match SupportEndSpec::parse(s)? {
            SupportEndSpec::Date { year, month, .. } => Ok(YearMonth { year, month }),
            _ => Err(format!("expected a month like 2030-12, found {s:?}")),
        }
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's
/// algorithm); avoids a date-time dependency for the one "today" we need.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl SupportEndSpec {
    /// Parses `YYYY-MM`, `YYYY-MM-DD`, `indefinite` or `unknown`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "indefinite" => return Ok(SupportEndSpec::Indefinite),
            "unknown" => return Ok(SupportEndSpec::Unknown),
            _ => {}
        }
        let bad = || {
            format!(
                "expected a month \"YYYY-MM\" (e.g. \"2030-12\"), a date \"YYYY-MM-DD\", \"indefinite\" or \"unknown\"; found {s:?}"
            )
        };
        let parts: Vec<&str> = s.split('-').collect();
        if !(2..=3).contains(&parts.len()) || parts[0].len() != 4 || parts[1].len() != 2 {
            return Err(bad());
        }
        let num = |p: &str| -> Result<u16, String> {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let year = num(parts[0])?;
        let month = num(parts[1])? as u8;
        if !(2000..=2199).contains(&year) {
            return Err(format!("year {year} is outside 2000–2199"));
        }
        if !(1..=12).contains(&month) {
            return Err(format!("month {month:02} does not exist (01–12)"));
        }
        let day = match parts.get(2) {
            None => None,
            Some(p) if p.len() == 2 => {
                let d = num(p)? as u8;
                let dim = days_in_month(year, month);
                if d == 0 || d > dim {
                    return Err(format!(
                        "{s} is not a date: {year}-{month:02} has {dim} days"
                    ));
                }
                Some(d)
            }
            Some(_) => return Err(bad()),
        };
        Ok(SupportEndSpec::Date { year, month, day })
    }
}

fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl std::fmt::Display for SupportEndSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SupportEndSpec::Date {
                year,
                month,
                day: None,
            } => write!(f, "{year:04}-{month:02}"),
            SupportEndSpec::Date {
                year,
                month,
                day: Some(d),
            } => write!(f, "{year:04}-{month:02}-{d:02}"),
            SupportEndSpec::Indefinite => f.write_str("indefinite"),
            SupportEndSpec::Unknown => f.write_str("unknown"),
        }
    }
}

impl Serialize for SupportEndSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SupportEndSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SupportEndSpec::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for SupportEndSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SupportEnd".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "End of security-update support: a month \"YYYY-MM\", a date \"YYYY-MM-DD\", \"indefinite\" or \"unknown\".",
            "pattern": "^(\\d{4}-(0[1-9]|1[0-2])(-\\d{2})?|indefinite|unknown)$"
        })
    }
}

/// B.1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    /// How the user hears about updates; `["none"]` when not at all.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// How often updates are announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// Free text (not in the payload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// B.2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndOfSupport {
    /// What the device does once updates stop.
    pub behaviour: EosBehaviour,
    /// What the manufacturer offers then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<EosOffer>,
    /// Free text (not in the payload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// B.3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// Technical measures protecting updates.
    #[serde(default)]
    pub measures: Vec<Measure>,
    /// Standards the update process follows.
    #[serde(default)]
    pub standards: Vec<Standard>,
    /// Free text (not in the payload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Support {
    /// The support end in normalised form, if the section is complete.
    pub fn end_kind(&self) -> Option<SupportEnd> {
        match (self.end, self.period_months, self.period_from) {
            (Some(SupportEndSpec::Date { year, month, .. }), None, _) => {
                Some(SupportEnd::Until(YearMonth { year, month }))
            }
            (Some(SupportEndSpec::Indefinite), None, _) => Some(SupportEnd::Indefinite),
            (Some(SupportEndSpec::Unknown), None, _) => Some(SupportEnd::Unknown),
            (None, Some(months), Some(from)) => Some(SupportEnd::Period { months, from }),
            _ => None,
        }
    }
}

impl Declaration {
    /// The support end, or `None` for a device without one (no updates, or section absent).
    pub fn support_end(&self) -> Option<SupportEnd> {
        self.support.as_ref().and_then(Support::end_kind)
    }
}

/// Reads, parses and checks a declaration file (`.toml` or `.json`, by extension;
/// other extensions are sniffed).
pub fn load(path: &Path, opts: &CheckOptions) -> Result<Declaration, ReadError> {
    let text = crate::fsutil::read_input_text(path, crate::fsutil::Input::Declaration)
        .map_err(|e| ReadError::file(path, e))?;
    let format = Format::from_path(path).unwrap_or_else(|| Format::sniff(&text));
    parse_str(&text, format, &path.display().to_string(), opts)
}

/// Parses and checks a declaration from text. `name` is used in error messages.
pub fn parse_str(
    text: &str,
    format: Format,
    name: &str,
    opts: &CheckOptions,
) -> Result<Declaration, ReadError> {
    let doc = read::Document::parse(text, format, name)?;
    let (decl, mut problems) = read::read_declaration(&doc);
    if let Some(d) = &decl {
        problems.extend(check(d, opts));
    }
    match decl {
        Some(d) if problems.is_empty() => Ok(d),
        _ => Err(doc.error(problems)),
    }
}

/// Parses and checks a declaration given as a JSON value (one JSONL row, say).
pub fn from_json_value(
    value: serde_json::Value,
    name: &str,
    opts: &CheckOptions,
) -> Result<Declaration, ReadError> {
    let doc = read::Document::from_json_value(value, name);
    let (decl, mut problems) = read::read_declaration(&doc);
    if let Some(d) = &decl {
        problems.extend(check(d, opts));
    }
    match decl {
        Some(d) if problems.is_empty() => Ok(d),
        _ => Err(doc.error(problems)),
    }
}

/// The JSON Schema of the declaration, generated from these types.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Declaration)).unwrap_or_default()
}

/// A commented template declaration for `iotlabel init`.
pub const TEMPLATE: &str = include_str!("../../assets/declaration-template.toml");

/// Builds a [`ReadError::Invalid`] for problems found outside the reader (profile
/// rules), with lines and columns located in the original text.
pub fn with_problems(text: &str, format: Format, name: &str, problems: Vec<Problem>) -> ReadError {
    match read::Document::parse(text, format, name) {
        Ok(doc) => doc.error(problems),
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_month_index_round_trips() {
        for i in [0u32, 1, 11, 12, 371, 2399] {
            assert_eq!(YearMonth::from_index(i).unwrap().index(), i);
        }
        assert_eq!(
            YearMonth {
                year: 2030,
                month: 12
            }
            .index(),
            371
        );
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_819), (2027, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn support_end_parsing() {
        assert_eq!(
            SupportEndSpec::parse("2030-12").unwrap(),
            SupportEndSpec::Date {
                year: 2030,
                month: 12,
                day: None
            }
        );
        assert!(SupportEndSpec::parse("2030-02-29").is_err());
        assert!(SupportEndSpec::parse("2028-02-29").is_ok());
        assert!(SupportEndSpec::parse("2030-13").is_err());
        assert!(SupportEndSpec::parse("12/2030").is_err());
        assert!(SupportEndSpec::parse("2030-1").is_err());
        assert_eq!(
            SupportEndSpec::parse("unknown").unwrap(),
            SupportEndSpec::Unknown
        );
    }
}
