//! The plain-language summary: what a consumer reads on the label and the verifier page.
//!
//! The words are rendered from the *decoded signed payload* ([`Facts`]) through a phrase
//! catalogue (`assets/phrases/<lang>.toml`), never from free text, so the printed words
//! and the QR cannot disagree and one payload reads in every language the catalogue has.
//! Adding a language is adding a file: `build.rs` lists the catalogues.
//!
//! Wording rules: the support end is a month in words ("Until at least December
//! 2031"), never an "expiry"; a device without security updates says so first and
//! plainly; a committed minimum keeps its "at least"; updates that need the user's
//! approval are not called automatic; the headline, the support line and the
//! statements never repeat one another; technical measures are in plain words and the
//! standards' names only in a small-type line ([`Summary::standards`]). The catalogue's
//! header states the rules for translators.
//!
//! Entry point: [`summarize`].

use crate::declaration::{Channel, Coded, Commitment, Delivery, SupportEnd, UserAction};
use crate::payload::Facts;
use serde::Serialize;
use std::collections::BTreeMap;

mod built_in {
    include!(concat!(env!("OUT_DIR"), "/phrases.rs"));
}

/// Which element of updatability a statement answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Element {
    A1,
    A2,
    A3,
    B1,
    B2,
    B3,
}

impl Element {
    /// The NTIA element id, e.g. "A.3".
    pub fn id(self) -> &'static str {
        match self {
            Element::A1 => "A.1",
            Element::A2 => "A.2",
            Element::A3 => "A.3",
            Element::B1 => "B.1",
            Element::B2 => "B.2",
            Element::B3 => "B.3",
        }
    }
}

/// One labelled line of the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub element: Element,
    /// Short heading, e.g. "How".
    pub label: String,
    /// The sentence(s).
    pub text: String,
}

/// Fixed label words in the summary's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UiText {
    /// "Security updates"
    pub title: String,
    /// "Manufacturer's declaration"
    pub declaration: String,
    /// "Scan to verify"
    pub scan: String,
    /// "Details"
    pub more: String,
}

/// The summary of one payload in one language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub lang: String,
    pub manufacturer: String,
    pub model: String,
    /// True when the device gets no security updates (the headline says so).
    pub no_updates: bool,
    /// A.1 with the short "how": "Automatic security updates" / "No security updates".
    pub headline: String,
    /// A.3 in short form, the line under the headline: "Until at least December 2031".
    pub support: String,
    /// A.2, A.3, B.1, B.2, B.3 in that order (A.1 is the headline); a device without
    /// updates has only A.3. `support` and the A.3 statement say the same thing in a
    /// short and a full form: a view shows one of them, never both.
    pub statements: Vec<Statement>,
    /// The standards the update process follows, for small type ("Standards: ETSI EN
    /// 303 645, EN 18031"); empty when none are declared.
    pub standards: String,
    pub ui: UiText,
}

impl Summary {
    /// Every sentence, headline first: what a reader of the summary sees, as plain
    /// lines (the A.3 statement stands for the support line).
    pub fn lines(&self) -> Vec<String> {
        let mut v = vec![
            format!("{} · {}", self.manufacturer, self.model),
            self.headline.clone(),
        ];
        v.extend(
            self.statements
                .iter()
                .map(|s| format!("{}: {}", s.label, s.text)),
        );
        if !self.standards.is_empty() {
            v.push(self.standards.clone());
        }
        v
    }
}

/// A problem with a catalogue.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CatalogueError {
    #[error("no phrase catalogue for language \"{lang}\"")]
    #[diagnostic(help("available languages: {available}"))]
    UnknownLanguage { lang: String, available: String },
    #[error("phrase catalogue {name} is not valid: {message}")]
    Invalid { name: String, message: String },
    #[error("phrase catalogue \"{lang}\" has no phrase \"{key}\"")]
    Missing { lang: String, key: String },
}

/// A phrase catalogue: flat keys ("support.until-minimum") to phrases.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub lang: String,
    pub name: String,
    phrases: BTreeMap<String, String>,
}

impl Catalogue {
    /// Languages with a built-in catalogue.
    pub fn languages() -> Vec<&'static str> {
        built_in::BUILT_IN.iter().map(|(l, _)| *l).collect()
    }

    /// The built-in catalogue for a language code ("en", "fr", …; "fr-CA" falls back to "fr").
    pub fn built_in(lang: &str) -> Result<Catalogue, CatalogueError> {
        let base = lang
            .split(['-', '_'])
            .next()
            .unwrap_or(lang)
            .to_ascii_lowercase();
        let (_, text) = built_in::BUILT_IN
            .iter()
            .find(|(l, _)| *l == base)
            .ok_or_else(|| CatalogueError::UnknownLanguage {
                lang: lang.to_string(),
                available: Self::languages().join(", "),
            })?;
        Self::parse(text, &format!("assets/phrases/{base}.toml"))
    }

    /// The catalogues of a comma-separated language list (`en,fr`, as `--lang` takes
    /// it), in order, each once.
    pub fn for_langs(langs: &str) -> Result<Vec<Catalogue>, CatalogueError> {
        Self::for_codes(langs.split(',').map(str::trim))
    }

    /// The catalogues of these language codes, in order, each once; never empty (an
    /// empty list or code is an unknown language).
    pub fn for_codes<'a>(
        codes: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<Catalogue>, CatalogueError> {
        let mut out: Vec<Catalogue> = Vec::new();
        for l in codes {
            let c = Self::built_in(l)?;
            if !out.iter().any(|o| o.lang == c.lang) {
                out.push(c);
            }
        }
        if out.is_empty() {
            return Err(CatalogueError::UnknownLanguage {
                lang: String::new(),
                available: Self::languages().join(", "),
            });
        }
        Ok(out)
    }

    /// Parses a catalogue from TOML text.
    pub fn parse(text: &str, name: &str) -> Result<Catalogue, CatalogueError> {
        let invalid = |message: String| CatalogueError::Invalid {
            name: name.to_string(),
            message,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut phrases = BTreeMap::new();
        flatten("", &table, &mut phrases).map_err(invalid)?;
        let lang = phrases
            .get("lang")
            .cloned()
            .ok_or_else(|| invalid("missing `lang`".into()))?;
        let name = phrases.get("name").cloned().unwrap_or_else(|| lang.clone());
        Ok(Catalogue {
            lang,
            name,
            phrases,
        })
    }

    /// All phrases, flat (for the verifier site, which renders the same catalogue in JS).
    pub fn phrases(&self) -> &BTreeMap<String, String> {
        &self.phrases
    }

    /// One phrase.
    pub fn get(&self, key: &str) -> Result<&str, CatalogueError> {
        self.phrases
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| CatalogueError::Missing {
                lang: self.lang.clone(),
                key: key.to_string(),
            })
    }

    fn list(&self, items: &[String]) -> Result<String, CatalogueError> {
        let sep = self.get("list_sep")?;
        let and = self.get("list_and")?;
        Ok(match items {
            [] => String::new(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{}{and}{last}", rest.join(sep)),
        })
    }
}

fn flatten(
    prefix: &str,
    t: &toml::Table,
    out: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(sub) => flatten(&key, sub, out)?,
            _ => return Err(format!("`{key}` must be text or a table")),
        }
    }
    Ok(())
}

fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut s = template.to_string();
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

fn join_sentences(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The catalogue key of the headline: A.1 with the kind of delivery. Delivery that
/// still needs the user's approval of each update is not called automatic.
fn headline_key(f: &Facts) -> &'static str {
    match (f.delivery, f.user_action) {
        (Some(Delivery::Automatic | Delivery::AutomaticOptIn), Some(UserAction::ApproveInApp)) => {
            "approve"
        }
        (Some(d), _) => d.name(),
        (None, _) => "unstated",
    }
}

/// A.2 in sentences: how updates arrive, what the user does, what they cost. The
/// approve-in-app action is folded into an automatic delivery's sentence ("downloaded
/// for you; you approve each one"), and a delivery the action already says
/// (user-initiated + install-manually, service-visit + visit-service) is left out, so
/// no sentence repeats another.
fn how(f: &Facts, c: &Catalogue) -> Result<String, CatalogueError> {
    use Delivery as D;
    use UserAction as U;
    let (delivery, action) = match (f.delivery, f.user_action) {
        (Some(d @ (D::Automatic | D::AutomaticOptIn)), Some(U::ApproveInApp)) => {
            (Some(format!("delivery.{}-approve", d.name())), None)
        }
        (Some(D::UserInitiated), Some(a @ U::InstallManually))
        | (Some(D::ServiceVisit), Some(a @ U::VisitService)) => (None, Some(a)),
        (d, a) => (d.map(|d| format!("delivery.{}", d.name())), a),
    };
    Ok(join_sentences(&[
        delivery.map(|k| c.get(&k)).transpose()?.unwrap_or(""),
        action
            .map(|a| c.get(&format!("user_action.{}", a.name())))
            .transpose()?
            .unwrap_or(""),
        f.cost
            .map(|x| c.get(&format!("cost.{}", x.name())))
            .transpose()?
            .unwrap_or(""),
    ]))
}

/// Renders the summary of decoded facts in one catalogue's language (entry point).
pub fn summarize(f: &Facts, c: &Catalogue) -> Result<Summary, CatalogueError> {
    let ui = UiText {
        title: c.get("ui.title")?.into(),
        declaration: c.get("ui.declaration")?.into(),
        scan: c.get("ui.scan")?.into(),
        more: c.get("ui.more")?.into(),
    };
    let label = |k: &str| c.get(&format!("label.{k}")).map(str::to_string);

    if !f.security_updates {
        // No "when updates end" here: there are none to end.
        return Ok(Summary {
            lang: c.lang.clone(),
            manufacturer: f.manufacturer.clone(),
            model: f.model.clone(),
            no_updates: true,
            headline: c.get("headline.none")?.into(),
            support: c.get("support_short.none")?.into(),
            statements: vec![Statement {
                element: Element::A3,
                label: label("a3")?,
                text: c.get("support.none")?.into(),
            }],
            standards: String::new(),
            ui,
        });
    }

    let headline = c.get(&format!("headline.{}", headline_key(f)))?;
    let a2 = how(f, c)?;

    // A.3: until when, and how firm.
    let firm = match f.commitment {
        Some(Commitment::Anticipated) => "anticipated",
        _ => "minimum",
    };
    let (key, vars): (String, Vec<(&str, String)>) = match f.support_end {
        Some(SupportEnd::Until(ym)) => (
            format!("until-{firm}"),
            vec![("date", crate::today::month_in_words(ym, c)?)],
        ),
        Some(SupportEnd::Period { months, from }) => (
            format!("period-{firm}"),
            vec![
                ("duration", crate::today::duration_in_words(months, c)?),
                ("from", c.get(&format!("from.{}", from.name()))?.to_string()),
            ],
        ),
        Some(SupportEnd::Indefinite) => ("indefinite".into(), vec![]),
        Some(SupportEnd::Unknown) | None => ("unknown".into(), vec![]),
    };
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a3 = fill(c.get(&format!("support.{key}"))?, &vars);
    let support = fill(c.get(&format!("support_short.{key}"))?, &vars);

    // B.1: channels and schedule.
    let b1_channels = match &f.channels {
        None => c.get("notification.unstated")?.to_string(),
        Some(ch) if ch.contains(&Channel::None) => c.get("notification.none")?.to_string(),
        Some(ch) => {
            let names = ch
                .iter()
                .map(|x| c.get(&format!("channel.{}", x.name())).map(str::to_string))
                .collect::<Result<Vec<_>, _>>()?;
            fill(
                c.get("notification.channels")?,
                &[("list", &c.list(&names)?)],
            )
        }
    };
    let b1 = join_sentences(&[
        &b1_channels,
        f.schedule
            .map(|s| c.get(&format!("schedule.{}", s.name())))
            .transpose()?
            .unwrap_or(""),
    ]);

    // B.2: what happens at the end.
    let b2 = match f.eos_behaviour {
        Some(b) => join_sentences(&[
            c.get(&format!("eos.{}", b.name()))?,
            f.eos_offer
                .map(|o| c.get(&format!("offer.{}", o.name())))
                .transpose()?
                .unwrap_or(""),
        ]),
        None => c.get("eos.unstated")?.to_string(),
    };

    // B.3: how updates are secured, in plain words; the standards' names go to the
    // small-type line.
    let measures = f
        .measures
        .iter()
        .map(|x| c.get(&format!("measure.{}", x.name())).map(str::to_string))
        .collect::<Result<Vec<_>, _>>()?;
    let b3 = if !measures.is_empty() {
        fill(
            c.get("security.measures")?,
            &[("list", &c.list(&measures)?)],
        )
    } else if !f.standards.is_empty() {
        c.get("security.protected")?.to_string()
    } else {
        c.get("security.unstated")?.to_string()
    };
    let standards = if f.standards.is_empty() {
        String::new()
    } else {
        let names = f
            .standards
            .iter()
            .map(|x| c.get(&format!("standard.{}", x.name())).map(str::to_string))
            .collect::<Result<Vec<_>, _>>()?;
        fill(c.get("security.standards")?, &[("list", &names.join(", "))])
    };

    let statements = [
        (Element::A2, "a2", a2),
        (Element::A3, "a3", a3),
        (Element::B1, "b1", b1),
        (Element::B2, "b2", b2),
        (Element::B3, "b3", b3),
    ]
    .into_iter()
    .filter(|(_, _, text)| !text.is_empty())
    .map(|(element, key, text)| {
        Ok(Statement {
            element,
            label: label(key)?,
            text,
        })
    })
    .collect::<Result<Vec<_>, CatalogueError>>()?;
    Ok(Summary {
        lang: c.lang.clone(),
        manufacturer: f.manufacturer.clone(),
        model: f.model.clone(),
        no_updates: false,
        headline: headline.to_string(),
        support,
        statements,
        standards,
        ui,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_has_every_english_key() {
        let en = Catalogue::built_in("en").unwrap();
        for lang in Catalogue::languages() {
            let c = Catalogue::built_in(lang).unwrap();
            assert_eq!(c.lang, lang);
            for key in en.phrases().keys() {
                assert!(c.phrases().contains_key(key), "{lang} lacks {key}");
            }
            for key in c.phrases().keys() {
                assert!(en.phrases().contains_key(key), "{lang} has extra key {key}");
            }
        }
    }

    #[test]
    fn no_catalogue_says_expire() {
        // Consumers read "expires" as "stops working"; docs/declaration.md states the
        // rule for translators ("Wording rules for phrase catalogues").
        let banned = [
            "expir",
            "expiry",
            "abläuf",
            "ablauf",
            "verfällt",
            "caduc",
            "vence",
            "péremption",
            // it: "scade", "scadenza", "scaduto"; ro: "scadență"
            "scad",
            // pt: "prazo de validade", "vencimento"
            "validade",
            "vencim",
            // ro: "termen de valabilitate"
            "valabilitat",
            // nl: "vervalt", "vervaldatum", "verloopt", "verlopen", "loopt af", "houdbaar"
            "verval",
            "verloop",
            "verlopen",
            "afloop",
            "loopt af",
            "houdbaar",
            // sv: "utgår", "utgångsdatum", "förfaller", "upphör att gälla", "bäst före"
            "utgå",
            "förfall",
            "upphör att gälla",
            "bäst före",
            // da: "udløber", "udløbsdato", "forfalder", "holdbarhed", "bedst før"
            "udløb",
            "forfald",
            "holdbar",
            "bedst før",
            // Polish, Czech, Finnish, Greek.
            "wygas",
            "wygaś",
            "termin ważności",
            "vyprš",
            "platnost",
            "vanhen",
            "umpeu",
            "raukea",
            "λήξ",
            "λήγ",
            "ληξ",
            "ληγ",
        ];
        // Innocent words that contain another language's stem by chance: Czech
        // "července" (of July) contains Spanish "vence".
        let innocent = ["července"];
        for lang in Catalogue::languages() {
            let c = Catalogue::built_in(lang).unwrap();
            for (k, v) in c.phrases() {
                let low = innocent
                    .iter()
                    .fold(v.to_lowercase(), |s, w| s.replace(w, ""));
                for b in banned {
                    assert!(!low.contains(b), "{lang}:{k} uses {b:?}: {v}");
                }
            }
        }
    }

    #[test]
    fn language_fallback_and_unknown() {
        assert_eq!(Catalogue::built_in("en-GB").unwrap().lang, "en");
        assert!(matches!(
            Catalogue::built_in("xx"),
            Err(CatalogueError::UnknownLanguage { .. })
        ));
    }
}
