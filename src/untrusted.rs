//! One rule for untrusted text: which characters a name may hold, and how text from
//! outside is shown on a terminal.
//!
//! Names and strings reach us from declarations, signed payloads, images and NFC tags,
//! and end up on labels, on the verifier page and on a terminal. A few characters make
//! text read differently from what it is: bidi controls reorder it (U+202E before "HbmG" shows it as
//! "GmbH"), zero-width characters hide inside it, line and paragraph separators and
//! control characters break it into lines or drive the terminal (retitle it, paint a
//! fake verdict). [`check`] refuses them in names — the declaration reader, the payload
//! decoder and the page's verifier apply the same list — and [`escape`] makes any
//! untrusted text safe to print.
//!
//! The refused set: C0/C1 controls and DEL; bidi controls U+061C, U+200E, U+200F,
//! U+202A–U+202E, U+2066–U+2069; invisible U+00AD, U+180E, U+200B–U+200D, U+2060–U+2064,
//! U+FEFF; line and paragraph separators U+2028, U+2029.

use std::borrow::Cow;

/// What kind of refused character a string holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// A C0/C1 control character or DEL (line breaks, tabs, escape sequences).
    Control,
    /// A bidirectional formatting character, which reorders the text around it.
    Bidi,
    /// An invisible character (zero-width, soft hyphen, byte-order mark).
    Invisible,
    /// A line or paragraph separator.
    Separator,
}

impl Refused {
    /// What the class is, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Refused::Control => "a control character",
            Refused::Bidi => "a bidirectional control, which reorders the text",
            Refused::Invisible => "an invisible character",
            Refused::Separator => "a line or paragraph separator",
        }
    }
}

/// The class of a refused character, or `None` for a character names may hold.
pub fn classify(c: char) -> Option<Refused> {
    match c {
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => Some(Refused::Control),
        '\u{061c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => Some(Refused::Bidi),
        '\u{00ad}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200d}'
        | '\u{2060}'..='\u{2064}'
        | '\u{feff}' => Some(Refused::Invisible),
        '\u{2028}' | '\u{2029}' => Some(Refused::Separator),
        _ => None,
    }
}

/// A refused character in a named field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} contains U+{code:04X} at character {position}, {}; names may hold only visible text on one line", .class.describe())]
pub struct UntrustedText {
    /// The field, as the caller names it (e.g. `product.manufacturer`).
    pub field: String,
    /// The code point.
    pub code: u32,
    /// 1-based character position.
    pub position: usize,
    pub class: Refused,
}

impl UntrustedText {
    /// The problem without the field name: `contains U+202E at character 3, a bidi …`.
    pub fn what(&self) -> String {
        format!(
            "contains U+{:04X} at character {}, {}",
            self.code,
            self.position,
            self.class.describe()
        )
    }
}

/// Checks a name against the rule (entry point for readers and decoders).
pub fn check(field: &str, s: &str) -> Result<(), UntrustedText> {
    match s
        .chars()
        .enumerate()
        .find_map(|(i, c)| classify(c).map(|class| (i, c, class)))
    {
        None => Ok(()),
        Some((i, c, class)) => Err(UntrustedText {
            field: field.to_string(),
            code: c as u32,
            position: i + 1,
            class,
        }),
    }
}

/// Untrusted text made safe for a terminal: every refused character (and a backslash,
/// so that the escape is unambiguous) is shown as `\u{XXXX}` / `\\`; everything else is
/// unchanged (entry point for printing).
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c == '\\' || classify(c).is_some()) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if classify(c).is_some() {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bidi_invisible_separators_and_controls_naming_the_code_point() {
        for (c, class) in [
            ('\u{202e}', Refused::Bidi),
            ('\u{2067}', Refused::Bidi),
            ('\u{200b}', Refused::Invisible),
            ('\u{feff}', Refused::Invisible),
            ('\u{2028}', Refused::Separator),
            ('\u{1b}', Refused::Control),
            ('\u{9b}', Refused::Control),
        ] {
            let e = check("product.manufacturer", &format!("Ac{c}me")).unwrap_err();
            assert_eq!((e.code, e.position, e.class), (c as u32, 3, class));
            assert!(e.to_string().starts_with(&format!(
                "product.manufacturer contains U+{:04X} at character 3",
                c as u32
            )));
        }
        assert!(check("m", "Nordlicht Home GmbH · Zürich 北京 🙂").is_ok());
    }

    #[test]
    fn escape_makes_terminal_sequences_inert() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(
            escape("\u{1b}]0;title\u{7}\u{1b}[32mVALID\\"),
            "\\u{001b}]0;title\\u{0007}\\u{001b}[32mVALID\\\\"
        );
        assert_eq!(escape("a\u{202e}b\nc"), "a\\u{202e}b\\u{000a}c");
    }
}
