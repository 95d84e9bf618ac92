//! Typography a professional accepts: the small rules of each language that decide
//! where a line may break and which characters are set, applied to every paragraph
//! before it is wrapped.
//!
//! - **Apostrophes and quotes**: a straight `'` between letters is the typographic
//!   apostrophe `’`; paired straight double quotes become the language's quotes
//!   (“…” in English, « … » in French, „…“ in German, «…» in Spanish).
//! - **French spacing**: a no-break space before `:` and a narrow no-break space before
//!   `;`, `?` and `!`, so the sign never starts a line.
//! - **Numbers stay with their words**: a number keeps the word after it ("60 months",
//!   "EN 303 645"), and a short word or an acronym keeps the number after it ("until
//!   12/2031", "jusqu'en 06/2030", "EN 303"): the spaces become no-break spaces.
//! - **Separators never end a line**: a spaced `·`, `–`, `—` or `|` is tied to the word
//!   after it, so a line may start with it but never end with it.
//!
//! Hyphenation and widow control happen while wrapping (`super::text`), with the
//! language's hyphenation patterns from the `hypher` crate (typst's: patterns compiled
//! into compact automata, no allocation, no dependencies).
//!
//! The rules that differ by language (quotation marks, spaces before punctuation,
//! which hyphenation patterns) are read from the `[typography]` table of the
//! language's phrase catalogue, so adding a language needs no code.
//!
//! Entry point: [`typeset`].

use std::collections::HashMap;
use std::sync::OnceLock;

/// A language's typographic rules, from its catalogue's `[typography]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Opening and closing quotation marks (with any space they carry inside).
    pub quote_open: String,
    pub quote_close: String,
    /// Signs preceded by a no-break space (French `:`).
    pub nbsp_before: String,
    /// Signs preceded by a narrow no-break space (French `; ? !`).
    pub nnbsp_before: String,
    /// The ISO 639-1 code of the hyphenation patterns, if the language has any.
    pub hyphenation: Option<String>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            quote_open: "“".into(),
            quote_close: "”".into(),
            nbsp_before: String::new(),
            nnbsp_before: String::new(),
            hyphenation: None,
        }
    }
}

impl Rules {
    /// The rules a catalogue states; missing entries keep the defaults (English).
    pub fn from_catalogue(c: &crate::summary::Catalogue) -> Rules {
        let get = |k: &str| c.get(&format!("typography.{k}")).ok().map(str::to_string);
        let d = Rules::default();
        Rules {
            quote_open: get("quote_open").unwrap_or(d.quote_open),
            quote_close: get("quote_close").unwrap_or(d.quote_close),
            nbsp_before: get("nbsp_before").unwrap_or_default(),
            nnbsp_before: get("nnbsp_before").unwrap_or_default(),
            hyphenation: get("hyphenation").filter(|h| !h.is_empty()),
        }
    }

    /// The rules of a built-in language (by its first subtag); English's for an
    /// unknown one.
    pub fn of(lang: &str) -> &'static Rules {
        static ALL: OnceLock<HashMap<String, Rules>> = OnceLock::new();
        static FALLBACK: OnceLock<Rules> = OnceLock::new();
        let all = ALL.get_or_init(|| {
            crate::summary::Catalogue::languages()
                .into_iter()
                .filter_map(|l| crate::summary::Catalogue::built_in(l).ok())
                .map(|c| (c.lang.clone(), Rules::from_catalogue(&c)))
                .collect()
        });
        let base = lang
            .split(['-', '_'])
            .next()
            .unwrap_or(lang)
            .to_ascii_lowercase();
        all.get(&base)
            .unwrap_or_else(|| FALLBACK.get_or_init(Rules::default))
    }
}

/// No-break space.
pub const NBSP: char = '\u{a0}';
/// Narrow no-break space (French punctuation spacing).
pub const NNBSP: char = '\u{202f}';

/// Applies the language's rules to one paragraph of label text.
pub fn typeset(text: &str, lang: &str) -> String {
    let rules = Rules::of(lang);
    let mut s = quotes(&apostrophes(text), rules);
    if !rules.nbsp_before.is_empty() || !rules.nnbsp_before.is_empty() {
        s = space_before_punctuation(&s, rules);
    }
    tie(&s)
}

/// `'` between letters (or after a letter at a word end, as in "devices'") → `’`.
fn apostrophes(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let before = i.checked_sub(1).and_then(|j| chars.get(j));
            if c == '\'' && before.is_some_and(|b| b.is_alphabetic()) {
                '’'
            } else {
                c
            }
        })
        .collect()
}

/// Paired straight double quotes → the language's quotation marks.
fn quotes(text: &str, rules: &Rules) -> String {
    let (open, close) = (rules.quote_open.as_str(), rules.quote_close.as_str());
    if !text.matches('"').count().is_multiple_of(2) {
        return text.to_string(); // unpaired: leave it alone rather than guess
    }
    let mut out = String::with_capacity(text.len());
    let mut opening = true;
    for c in text.chars() {
        if c == '"' {
            out.push_str(if opening { open } else { close });
            opening = !opening;
        } else {
            out.push(c);
        }
    }
    out
}

/// French spacing: a no-break space before `:`, a narrow one before `; ? !` (as the
/// rules say) — when the sign is punctuation (followed by a space or the end), not
/// part of a URL or a time.
fn space_before_punctuation(text: &str, rules: &Rules) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let space = if rules.nbsp_before.contains(c) {
            Some(NBSP)
        } else if rules.nnbsp_before.contains(c) {
            Some(NNBSP)
        } else {
            None
        };
        let punctuation = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        if let (Some(space), true) = (space, punctuation) {
            match out.chars().last() {
                Some(' ') => {
                    out.pop();
                    out.push(space);
                }
                Some(p) if p.is_alphanumeric() || matches!(p, '»' | ')' | '*') => out.push(space),
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

fn is_separator(word: &str) -> bool {
    matches!(word, "·" | "–" | "—" | "|" | "/")
}

fn starts_with_digit(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn ends_with_digit(word: &str) -> bool {
    word.chars()
        .rev()
        .find(|c| !matches!(c, '.' | ',' | ';' | ':'))
        .is_some_and(|c| c.is_ascii_digit())
}

fn is_acronym(word: &str) -> bool {
    word.chars().count() >= 2 && word.chars().all(|c| c.is_ascii_uppercase())
}

/// Ties numbers to their words and separators to the word after them.
fn tie(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out = String::with_capacity(text.len());
    for (i, w) in words.iter().enumerate() {
        out.push_str(w);
        let Some(next) = words.get(i + 1) else { break };
        if w.is_empty() || next.is_empty() {
            out.push(' ');
            continue;
        }
        // A number keeps the word before it ("until 2031", "December 2031", "EN 303")
        // unless a sentence or clause ends there; hyphenation can still split a long
        // word inside such a tie.
        let open = !w.ends_with(['.', ',', ';', ':']);
        let tied = is_separator(w)
            || (ends_with_digit(w) && !w.ends_with(['.', ',']))
            || (starts_with_digit(next) && (open || is_acronym(w)));
        out.push(if tied { NBSP } else { ' ' });
    }
    out
}

/// The hyphenation patterns for a language, when we have them (its catalogue's
/// `typography.hyphenation` names them).
pub(crate) fn hyphenation_lang(lang: &str) -> Option<hypher::Lang> {
    let code = Rules::of(lang).hyphenation.as_deref()?.to_ascii_lowercase();
    let bytes: [u8; 2] = code.as_bytes().try_into().ok()?;
    hypher::Lang::from_iso(bytes)
}

/// The syllables of a word a line may break between (with a hyphen), or the word
/// whole when it must not be hyphenated: short words, words with digits, acronyms,
/// web addresses.
pub(crate) fn syllables(word: &str, lang: Option<hypher::Lang>) -> Vec<String> {
    let hyphenatable = word.chars().count() >= 7
        && word
            .chars()
            .all(|c| c.is_alphabetic() || c == '’' || c == '-')
        && !is_acronym(word);
    match (lang, hyphenatable) {
        (Some(l), true) => hypher::hyphenate(word, l).map(str::to_string).collect(),
        _ => vec![word.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apostrophes_quotes_and_french_spacing() {
        assert_eq!(typeset("Don't panic", "en"), "Don’t panic");
        assert_eq!(typeset("jusqu'en 06/2030", "fr"), "jusqu’en\u{a0}06/2030");
        assert_eq!(
            typeset("Installation: automatique ; simple ? oui !", "fr"),
            "Installation\u{a0}: automatique\u{202f}; simple\u{202f}? oui\u{202f}!"
        );
        assert_eq!(
            typeset("Installation: automatic", "en"),
            "Installation: automatic"
        );
        assert_eq!(typeset("say \"yes\"", "de"), "say „yes“");
        assert_eq!(typeset("https://x.example/v", "fr"), "https://x.example/v");
    }

    #[test]
    fn numbers_stay_with_their_words_and_separators_never_end_a_line() {
        assert_eq!(
            typeset("Follows ETSI EN 303 645.", "en"),
            "Follows ETSI EN\u{a0}303\u{a0}645."
        );
        assert_eq!(
            typeset("updates until 12/2031 for 60 months", "en"),
            "updates until\u{a0}12/2031\u{a0}for\u{a0}60\u{a0}months"
        );
        assert_eq!(
            typeset("Manufacturer's declaration · acme.example/v", "en"),
            "Manufacturer’s declaration ·\u{a0}acme.example/v"
        );
    }

    #[test]
    fn long_words_split_into_syllables_in_their_language() {
        let de = hyphenation_lang("de");
        assert_eq!(
            syllables("Sicherheitsupdates", de).join("-"),
            "Si-cher-heits-up-dates"
        );
        assert_eq!(syllables("ETSI", de), vec!["ETSI"]);
        assert_eq!(syllables("12/2031", de), vec!["12/2031"]);
        assert_eq!(syllables("short", hyphenation_lang("en")), vec!["short"]);
        assert!(hyphenation_lang("xx").is_none());
    }

    #[test]
    fn the_label_font_has_the_no_break_spaces() {
        for w in [super::super::Weight::Regular, super::super::Weight::Bold] {
            let f = super::super::font::face(w).unwrap();
            assert!(f.ttf().glyph_index(NBSP).is_some());
            assert!(f.ttf().glyph_index(NNBSP).is_some());
            assert!(f.ttf().glyph_index('’').is_some() && f.ttf().glyph_index('„').is_some());
        }
    }
}
