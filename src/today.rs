//! Today's verdict: what a label's support end means on a given day.
//!
//! A box bought today may have been printed years ago, so the printed snapshot ("until
//! 06/2025") is not the answer a shopper needs; the answer is "security updates ended
//! in June 2025" or "about 4 years left". The date is always an input ([`Date`]): the
//! CLI passes today (or `--as-of`), the verifier page its device clock, tests a fixed
//! day — nothing here reads a clock except [`Date::today_utc`], which only the command
//! line calls. The page's JavaScript (`todayStatus` in `assets/site/verifier.js`) is a
//! port of [`assess`] with the same phrase keys, checked against it in the tests.
//!
//! Rules: support lasts to the end of its last month; less than a year left is counted
//! in months, a year or more in whole years rounded to the nearest; an ended support and
//! a device without updates are never a "good" state. A record's extension
//! (see [`crate::record`]) can only move the end later.
//!
//! Entry point: [`assess`].

use crate::declaration::{Coded, Commitment, SupportEnd, YearMonth};
use crate::payload::Facts;
use crate::summary::{Catalogue, CatalogueError};
use serde::Serialize;

/// A calendar day (proleptic Gregorian), parsed from `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Today in UTC from the system clock (for the command line's default only).
    pub fn today_utc() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let (y, m, d) = crate::declaration::civil_from_days((secs / 86_400) as i64);
        Date {
            year: y.clamp(0, 9999) as u16,
            month: m as u8,
            day: d as u8,
        }
    }

    /// The month this day falls in.
    pub fn month(self) -> YearMonth {
        YearMonth {
            year: self.year,
            month: self.month,
        }
    }
}

/// Days in a month of a year.
fn days_in(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::str::FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("expected a day like 2026-11-29 (YYYY-MM-DD), found {s:?}");
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Result<u16, String> {
            let part = &s[r];
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if year < 2000 {
            return Err(format!("{s}: years before 2000 are not used by labels"));
        }
        if !(1..=12).contains(&month) {
            return Err(format!("{s}: month {month} is not 01–12"));
        }
        let (month, day) = (month as u8, day as u8);
        if day == 0 || day > days_in(year, month) {
            return Err(format!("{s}: {year}-{month:02} has no day {day}"));
        }
        Ok(Date { year, month, day })
    }
}

/// The state of a label's security-update support on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Support runs to a month that has not passed.
    Supported,
    /// The support end has passed.
    Ended,
    /// The device gets no security updates.
    NoUpdates,
    /// Support runs for a period from purchase, registration or manufacture, which the
    /// label cannot date.
    Period,
    /// No set end.
    Indefinite,
    /// The manufacturer does not say.
    Unknown,
}

impl State {
    /// Whether the page may show this state in the reassuring (green) style. An ended
    /// support and a device without updates never are, however well signed.
    pub fn is_good(self) -> bool {
        matches!(self, State::Supported | State::Period | State::Indefinite)
    }
}

/// Today's verdict on a label's support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Today {
    /// The day judged.
    #[serde(serialize_with = "ser_display")]
    pub as_of: Date,
    pub state: State,
    /// The last month of support in force (the printed one, or a record's extension).
    #[serde(serialize_with = "ser_opt_display")]
    pub support_end: Option<YearMonth>,
    /// Whole months from the judged month to the last month (0: ends this month);
    /// negative once ended.
    pub months_left: Option<i32>,
    /// True when a record's extension moved the end later than the label's.
    pub extended: bool,
    /// The sentence in the catalogue's language, months as words.
    pub text: String,
}

fn ser_display<S: serde::Serializer, T: std::fmt::Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn ser_opt_display<S: serde::Serializer, T: std::fmt::Display>(
    v: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

/// "June 2025", "juin 2025", "Juni 2025", "junio de 2025": a month in words.
pub fn month_in_words(ym: YearMonth, c: &Catalogue) -> Result<String, CatalogueError> {
    let name = c.get(&format!("month.{}", ym.month))?;
    Ok(c.get("today.month_year")?
        .replace("{month}", name)
        .replace("{year}", &ym.year.to_string()))
}

/// "5 years", "18 months": a support period in words (whole years when it is a
/// multiple of twelve months).
pub fn duration_in_words(months: u16, c: &Catalogue) -> Result<String, CatalogueError> {
    Ok(if months.is_multiple_of(12) {
        match months / 12 {
            1 => c.get("today.duration.year")?.to_string(),
            n => c
                .get("today.duration.years")?
                .replace("{n}", &n.to_string()),
        }
    } else if months == 1 {
        c.get("today.duration.month")?.to_string()
    } else {
        c.get("today.duration.months")?
            .replace("{n}", &months.to_string())
    })
}

/// Judges the facts on `as_of`; `extended_to` is a later last month from a verified
/// record (ignored unless it is later than the label's own end month).
pub fn assess(
    f: &Facts,
    as_of: Date,
    extended_to: Option<YearMonth>,
    c: &Catalogue,
) -> Result<Today, CatalogueError> {
    let mut out = Today {
        as_of,
        state: State::Unknown,
        support_end: None,
        months_left: None,
        extended: false,
        text: String::new(),
    };
    let firm = match f.commitment {
        Some(Commitment::Anticipated) => "anticipated",
        _ => "minimum",
    };
    if !f.security_updates {
        out.state = State::NoUpdates;
        out.text = c.get("today.none")?.to_string();
        return Ok(out);
    }
    match f.support_end {
        Some(SupportEnd::Until(printed)) => {
            let end = match extended_to {
                Some(e) if e > printed => {
                    out.extended = true;
                    e
                }
                _ => printed,
            };
            let left = end.index() as i32 - as_of.month().index() as i32;
            out.support_end = Some(end);
            out.months_left = Some(left);
            let date = month_in_words(end, c)?;
            if left < 0 {
                out.state = State::Ended;
                out.text = c.get("today.ended")?.replace("{date}", &date);
            } else {
                out.state = State::Supported;
                let left_text = match left {
                    0 => c.get("today.left.this-month")?.to_string(),
                    1 => c.get("today.left.next-month")?.to_string(),
                    2..=11 => c
                        .get("today.left.months")?
                        .replace("{n}", &left.to_string()),
                    _ => {
                        let years = (left + 6) / 12;
                        if years == 1 {
                            c.get("today.left.year")?.to_string()
                        } else {
                            c.get("today.left.years")?
                                .replace("{n}", &years.to_string())
                        }
                    }
                };
                out.text = c
                    .get(&format!("today.until-{firm}"))?
                    .replace("{date}", &date)
                    .replace("{left}", &left_text);
            }
        }
        Some(SupportEnd::Period { months, from }) => {
            out.state = State::Period;
            let duration = duration_in_words(months, c)?;
            out.text = c
                .get(&format!("today.period-{firm}.{}", from.name()))?
                .replace("{duration}", &duration);
        }
        Some(SupportEnd::Indefinite) => {
            out.state = State::Indefinite;
            out.text = c.get("today.indefinite")?.to_string();
        }
        Some(SupportEnd::Unknown) | None => {
            out.state = State::Unknown;
            out.text = c.get("today.unknown")?.to_string();
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly() {
        let d: Date = "2028-02-29".parse().unwrap();
        assert_eq!(d.to_string(), "2028-02-29");
        for bad in [
            "2027-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-11-29",
            "2026-11-31",
            "2026-11-00",
            "+026-11-29",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        let t = Date::today_utc();
        assert!(t.year >= 2026 && (1..=12).contains(&t.month));
    }
}
