//! Line breaking for label paragraphs: mixed-weight spans wrapped greedily at spaces,
//! each candidate line measured with the real shaper (so kerning is included and the
//! measured width is exactly what the backends draw).
//!
//! Greedy breaking is enough here: label paragraphs are one or two short sentences, and
//! a designer would rather see predictable breaks than typeset-optimal ones. Three
//! refinements a typographer expects:
//! - a long word that does not fit the rest of a line is **hyphenated** where the
//!   language's patterns allow (and only there), rather than overflowing a narrow
//!   column;
//! - a web address breaks after a `/` or before a `.`, only when it does not fit whole;
//! - **no widow**: a paragraph does not end with one short word alone on its last line
//!   when the line before can give it company.
//!
//! No-break spaces (set by [`super::typo`]) are not break points. Chinese and Japanese
//! (and Korean without spaces) may break between characters, where UAX #14 allows it
//! (never before `。` or `ー`, never after `「`), again only when the text does not fit.
//!
//! Each line is split into runs of one weight and one face ([`font::segment`]), each
//! measured with its own face.

use super::font::{self, FaceRef, FontSet, Weight};

/// A piece of a paragraph in one weight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    pub weight: Weight,
    pub text: String,
}

/// One laid-out line: runs of one weight and face each, with their x offsets from the
/// line start.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub pieces: Vec<Piece>,
    pub width_mm: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Piece {
    pub weight: Weight,
    /// The face the piece is measured and drawn with.
    pub face: FaceRef,
    pub text: String,
    pub dx_mm: f64,
    pub width_mm: f64,
}

/// Why a paragraph could not be broken into lines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WrapError {
    /// A single word is wider than the column.
    WordTooWide { word: String, over_mm: f64 },
    /// More lines than allowed.
    TooManyLines { lines: usize },
}

/// A word and its weight.
#[derive(Debug, Clone)]
struct Word {
    weight: Weight,
    text: String,
    /// Part of the previous word (a piece of a URL, a syllable): no space before it,
    /// and a line may break here only when the whole does not fit.
    glued: bool,
    /// A syllable: a line that breaks before it ends with a hyphen.
    soft: bool,
}

fn words(spans: &[Span], lang: Option<hypher::Lang>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    // Words are split at spaces. A weight change inside a word ("**a**b") would come
    // out as two words; the shipped templates only change weight at spaces.
    for span in spans {
        for w in span.text.split(' ').filter(|w| !w.is_empty()) {
            let parts = url_parts(w).into_iter().flat_map(cjk_parts);
            for (i, part) in parts.enumerate() {
                // A no-break space joins words into one unit; hyphenate its pieces.
                let mut first = true;
                for (k, unit) in part.split(super::typo::NBSP).enumerate() {
                    let syllables = super::typo::syllables(unit, lang);
                    for (j, syl) in syllables.iter().enumerate() {
                        let mut text = syl.clone();
                        if k > 0 && j == 0 {
                            text.insert(0, super::typo::NBSP);
                        }
                        out.push(Word {
                            weight: span.weight,
                            text,
                            glued: i > 0 || !first,
                            soft: j > 0,
                        });
                        first = false;
                    }
                }
            }
        }
    }
    out
}

/// A URL-like word (`maker.example/v`) in the pieces a line may break between: after
/// each `/` and before each `.`, as typesetters break web addresses. Other words stay
/// whole.
fn url_parts(word: &str) -> Vec<&str> {
    if !(word.contains('/') && word.contains('.')) || word.contains("://") {
        return vec![word];
    }
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in word.char_indices() {
        let cut = match c {
            '.' if i > start => Some(i),
            '/' => Some(i + 1),
            _ => None,
        };
        if let Some(cut) = cut
            && cut > start
            && cut < word.len()
        {
            parts.push(&word[start..cut]);
            start = cut;
        }
    }
    // A last piece of one or two characters ("/v") stays with the piece before it.
    if word.len() - start < 3
        && let Some(prev) = parts.pop()
    {
        let from = word.len() - prev.len() - (word.len() - start);
        parts.push(&word[from..]);
        return parts;
    }
    parts.push(&word[start..]);
    parts
}

/// Is `c` from a script written without spaces between words, where a line may break
/// between characters: Han, kana, Hangul, CJK punctuation and full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11ff}'
        | '\u{2e80}'..='\u{2fdf}'
        | '\u{3000}'..='\u{303f}'
        | '\u{3040}'..='\u{30ff}'
        | '\u{3130}'..='\u{318f}'
        | '\u{31f0}'..='\u{31ff}'
        | '\u{3200}'..='\u{33ff}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7af}'
        | '\u{f900}'..='\u{faff}'
        | '\u{fe30}'..='\u{fe4f}'
        | '\u{ff00}'..='\u{ffef}'
        | '\u{20000}'..='\u{3134f}')
}

/// A word with CJK characters in the pieces a line may break between: where UAX #14
/// allows a break and a CJK character is on either side (so `Wi-Fi` and `TP-Link`
/// keep their hyphens unbroken, as before). Words without CJK stay whole.
fn cjk_parts(word: &str) -> Vec<&str> {
    if !word.chars().any(is_cjk) {
        return vec![word];
    }
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, _) in unicode_linebreak::linebreaks(word) {
        if i <= start || i >= word.len() {
            continue;
        }
        let before = word[..i].chars().next_back();
        let after = word[i..].chars().next();
        if before.is_some_and(is_cjk) || after.is_some_and(is_cjk) {
            parts.push(&word[start..i]);
            start = i;
        }
    }
    parts.push(&word[start..]);
    parts
}

/// Lays out `words[..]` on one line and measures it: consecutive words of one weight
/// form a group (a space stays with the group before a weight change), and each group
/// is set in pieces of one face each.
fn build_line(words: &[Word], size_pt: f64, fonts: &FontSet) -> Line {
    let mut pieces: Vec<Piece> = Vec::new();
    let mut groups: Vec<(Weight, String)> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        // A line never starts with the no-break space that tied its first word.
        let w = &Word {
            text: if i == 0 {
                w.text.trim_start_matches(super::typo::NBSP).to_string()
            } else {
                w.text.clone()
            },
            ..w.clone()
        };
        match groups.last_mut() {
            Some((weight, text)) if *weight == w.weight => {
                if !w.glued {
                    text.push(' ');
                }
                text.push_str(&w.text);
            }
            Some((_, text)) => {
                text.push(' ');
                groups.push((w.weight, w.text.clone()));
            }
            None => groups.push((w.weight, w.text.clone())),
        }
    }
    let mut runs: Vec<(Weight, FaceRef, String)> = Vec::new();
    for (weight, text) in groups {
        let chain = fonts.chain(weight);
        // The layout checked every paragraph's characters before wrapping; should one
        // still be missing (a hyphen the user's font lacks is found in DejaVu), it is
        // set in the first face rather than lost.
        match font::segment(chain, &text) {
            Ok(segs) => runs.extend(
                segs.into_iter()
                    .map(|(f, r)| (weight, f, text[r].to_string())),
            ),
            Err(_) => {
                if let Some(f) = chain.first() {
                    runs.push((weight, f.clone(), text));
                }
            }
        }
    }
    let mut x = 0.0;
    let n = runs.len();
    for (i, (weight, face, text)) in runs.into_iter().enumerate() {
        // The trailing space of a non-last piece advances x but is not drawn ink.
        let advance = face.width_mm(&text, size_pt);
        let trimmed = text.trim_end().to_string();
        let width = if i + 1 == n || trimmed.len() == text.len() {
            advance
        } else {
            face.width_mm(&trimmed, size_pt)
        };
        if !trimmed.is_empty() {
            pieces.push(Piece {
                weight,
                face,
                text: trimmed,
                dx_mm: x,
                width_mm: width,
            });
        }
        x += advance;
    }
    let width_mm = pieces.last().map(|p| p.dx_mm + p.width_mm).unwrap_or(0.0);
    Line { pieces, width_mm }
}

/// Breaks `spans` into lines no wider than `max_width_mm` at `size_pt`, at most
/// `max_lines` lines (`None` = unlimited).
pub(crate) fn wrap(
    spans: &[Span],
    size_pt: f64,
    max_width_mm: f64,
    max_lines: Option<usize>,
    lang: Option<hypher::Lang>,
    fonts: &FontSet,
) -> Result<Vec<Line>, WrapError> {
    let words = words(spans, lang);
    let mut breaks = greedy(&words, size_pt, max_width_mm, fonts)?;
    // No widow: a last line of one short word takes the previous line's last word.
    let n = breaks.len();
    if n >= 2 {
        let (prev_start, last_start) = (breaks[n - 2], breaks[n - 1]);
        let last_is_one_word = words[last_start + 1..].iter().all(|w| w.glued);
        // The whole last word, also when the previous line ends with the first of
        // its syllables ("aan-" / "koop").
        let last_word = (prev_start..=last_start)
            .rev()
            .find(|&i| !words[i].glued)
            .unwrap_or(last_start);
        let last_len: usize = words[last_word..]
            .iter()
            .map(|w| w.text.chars().count())
            .sum();
        // Where the previous line could end one word earlier (at a space).
        let earlier = (prev_start + 1..last_word).rev().find(|&i| !words[i].glued);
        if last_is_one_word {
            // Best: a short last word takes the word before it along. Else at least
            // the word comes down whole rather than leave a syllable or the end of an
            // address alone.
            let fits =
                |cut: usize| build_line(&words[cut..], size_pt, fonts).width_mm <= max_width_mm;
            if let Some(cut) = earlier.filter(|&c| last_len <= 12 && c - prev_start >= 2 && fits(c))
            {
                breaks[n - 1] = cut;
            } else if last_start > 0 && words[last_start].glued {
                // The last line is the end of a hyphenated word: bring the word down
                // whole, or else hyphenate one syllable earlier when the end is short
                // ("tietoturvapäivi-/tykset" rather than "…päivityk-/set").
                let word = (0..last_start)
                    .rev()
                    .find(|&i| !words[i].glued)
                    .unwrap_or(0);
                let fragment: usize = words[last_start..]
                    .iter()
                    .map(|w| w.text.chars().count())
                    .sum();
                if word > prev_start && fits(word) {
                    breaks[n - 1] = word;
                } else if fragment <= 4
                    && let Some(j) = (word.max(prev_start) + 1..last_start)
                        .rev()
                        .find(|&j| words[j].soft && fits(j))
                {
                    breaks[n - 1] = j;
                }
            }
        }
    }
    let mut lines = Vec::with_capacity(breaks.len());
    for (i, &start) in breaks.iter().enumerate() {
        let end = breaks.get(i + 1).copied().unwrap_or(words.len());
        let line = if words.get(end).is_some_and(|w| w.soft) {
            build_line(&hyphenated(&words[start..end]), size_pt, fonts)
        } else {
            build_line(&words[start..end], size_pt, fonts)
        };
        lines.push(line);
    }
    if let Some(max) = max_lines
        && lines.len() > max
    {
        return Err(WrapError::TooManyLines { lines: lines.len() });
    }
    Ok(lines)
}

/// The same words with a hyphen after the last, for a line that breaks before a
/// syllable.
fn hyphenated(words: &[Word]) -> Vec<Word> {
    let mut v = words.to_vec();
    if let Some(last) = v.last_mut() {
        last.text.push('-');
    }
    v
}

/// Greedy breaking: the start index of each line.
fn greedy(
    words: &[Word],
    size_pt: f64,
    max_width_mm: f64,
    fonts: &FontSet,
) -> Result<Vec<usize>, WrapError> {
    let mut breaks = Vec::new();
    let mut start = 0;
    // Measures words[start..end] as a line, with a hyphen if the next word is a syllable.
    let measure = |start: usize, end: usize| -> f64 {
        if words.get(end).is_some_and(|w| w.soft) {
            build_line(&hyphenated(&words[start..end]), size_pt, fonts).width_mm
        } else {
            build_line(&words[start..end], size_pt, fonts).width_mm
        }
    };
    while start < words.len() {
        let first = measure(start, start + 1);
        if first > max_width_mm {
            return Err(WrapError::WordTooWide {
                word: words[start]
                    .text
                    .trim_start_matches(super::typo::NBSP)
                    .to_string(),
                over_mm: first - max_width_mm,
            });
        }
        let mut end = start + 1;
        while end < words.len() && measure(start, end + 1) <= max_width_mm {
            end += 1;
        }
        // A no-break space is no break point: end the line at the last real space
        // instead (unless the tied words alone are wider than the line).
        if words
            .get(end)
            .is_some_and(|w| w.text.starts_with(super::typo::NBSP))
            && let Some(word_start) = (start + 1..end).rev().find(|&i| !words[i].glued)
        {
            end = word_start;
        }
        // Hyphenate sparingly: break inside a word only when the line would otherwise
        // stay less than three quarters full (or the word alone is too wide).
        if words.get(end).is_some_and(|w| w.soft)
            && let Some(word_start) = (start + 1..end).rev().find(|&i| !words[i].glued)
            && measure(start, word_start) >= 0.75 * max_width_mm
        {
            end = word_start;
        }
        breaks.push(start);
        start = end;
    }
    Ok(breaks)
}

/// Parses template markup: `**bold**` toggles weight; everything else is literal.
pub(crate) fn parse_markup(s: &str) -> Vec<(Weight, String)> {
    let mut out = Vec::new();
    let mut bold = false;
    for (i, part) in s.split("**").enumerate() {
        if i > 0 {
            bold = !bold;
        }
        if !part.is_empty() {
            out.push((
                if bold { Weight::Bold } else { Weight::Regular },
                part.to_string(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(w: Weight, t: &str) -> Span {
        Span {
            weight: w,
            text: t.into(),
        }
    }

    /// [`super::wrap`] with the built-in fonts.
    fn wrap(
        spans: &[Span],
        size_pt: f64,
        max_width_mm: f64,
        max_lines: Option<usize>,
        lang: Option<hypher::Lang>,
    ) -> Result<Vec<Line>, WrapError> {
        super::wrap(
            spans,
            size_pt,
            max_width_mm,
            max_lines,
            lang,
            &FontSet::new(None).unwrap(),
        )
    }

    fn line_texts(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.pieces.iter().map(|p| p.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn cjk_breaks_between_characters_but_not_before_closing_marks() {
        assert_eq!(cjk_parts("TP-Link"), ["TP-Link"]);
        assert_eq!(cjk_parts("公司"), ["公", "司"]);
        // No break before "。" or the long-vowel mark "ー", none after "「".
        assert_eq!(cjk_parts("「ノード」。"), ["「ノー", "ド」。"]);
        let name = "深圳市海康智能有限公司";
        let cjk = font::cjk().unwrap();
        let whole = cjk.width_mm(name, 8.0);
        let lines = wrap(&[sp(Weight::Regular, name)], 8.0, whole * 0.6, None, None).unwrap();
        assert_eq!(line_texts(&lines), ["深圳市海康智", "能有限公司"]);
        for l in &lines {
            assert!(l.width_mm <= whole * 0.6);
            assert!(
                l.pieces
                    .iter()
                    .all(|p| p.face.family() == "Noto Sans CJK SC")
            );
        }
        // Mixed scripts: one line, a piece per face, the space inside the first piece's
        // advance.
        let lines = wrap(
            &[sp(Weight::Bold, "Hikvision 海康威视")],
            8.0,
            100.0,
            None,
            None,
        )
        .unwrap();
        assert_eq!(lines.len(), 1);
        let p = &lines[0].pieces;
        assert_eq!(
            (p[0].text.as_str(), p[1].text.as_str()),
            ("Hikvision", "海康威视")
        );
        assert_eq!(p[0].face.family(), "DejaVu Sans");
        let bold = font::face(Weight::Bold).unwrap();
        assert!((p[1].dx_mm - bold.width_mm("Hikvision ", 8.0)).abs() < 1e-9);
        assert!((p[0].width_mm - bold.width_mm("Hikvision", 8.0)).abs() < 1e-9);
    }

    #[test]
    fn wraps_within_width_and_keeps_words() {
        let spans = [
            sp(Weight::Bold, "How: "),
            sp(
                Weight::Regular,
                "automatic, no action needed, free of charge",
            ),
        ];
        let lines = wrap(&spans, 7.0, 25.0, None, None).unwrap();
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(l.width_mm <= 25.0);
        }
        let joined: Vec<String> = lines
            .iter()
            .map(|l| {
                l.pieces
                    .iter()
                    .map(|p| p.text.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(
            joined.join(" "),
            "How: automatic, no action needed, free of charge"
        );
        assert_eq!(lines[0].pieces[0].weight, Weight::Bold);
        assert!(lines[0].pieces[1].dx_mm > lines[0].pieces[0].width_mm);
    }

    #[test]
    fn no_widow_after_a_hyphenated_break() {
        // At these widths the greedy break hyphenates "aan-koop"; the widow rule must
        // then bring the word before it down too, not just rejoin the syllables.
        let t = crate::layout::typo::typeset("Minstens 5 jaar vanaf aankoop", "nl");
        let spans = [sp(Weight::Regular, &t)];
        let nl = crate::layout::typo::hyphenation_lang("nl");
        for w in (250..400).map(|x| f64::from(x) / 10.0) {
            let lines = texts(&wrap(&spans, 6.5, w, None, nl).unwrap());
            let last = lines.last().unwrap();
            assert!(lines.len() == 1 || last.contains(' '), "{w} mm: {lines:?}");
        }
    }

    /// Each line's text.
    fn texts(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.pieces.iter().map(|p| p.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn a_hyphenated_word_never_ends_with_a_short_syllable_alone() {
        // Finnish headline in a narrow column: never "…päivityk-" / "set".
        let fi = crate::layout::typo::hyphenation_lang("fi");
        let spans = [sp(Weight::Bold, "Itse asennettavat tietoturvapäivitykset")];
        for w in (280..420).map(|x| f64::from(x) / 10.0) {
            let lines = texts(&wrap(&spans, 10.0, w, None, fi).unwrap());
            let last = lines.last().unwrap();
            assert!(
                lines.len() == 1 || last.chars().count() > 4,
                "{w} mm: {lines:?}"
            );
        }
    }

    #[test]
    fn no_break_spaces_are_never_line_ends() {
        // "– auf" is tied: at every width, no line ends with the dash.
        let text = crate::layout::typo::typeset(
            "Enden die Updates, funktioniert das Gerät weiter – auf eigenes Risiko.",
            "de",
        );
        let spans = [sp(Weight::Regular, &text)];
        let mut breaks_seen = 0;
        for tenth in 150..600 {
            let lines = wrap(&spans, 7.0, f64::from(tenth) / 10.0, None, None).unwrap();
            breaks_seen += lines.len();
            for l in &lines {
                let t: String = l.pieces.iter().map(|p| p.text.as_str()).collect();
                assert!(!t.trim_end().ends_with('–'), "{t:?} at {tenth}");
            }
        }
        assert!(breaks_seen > 450, "the paragraph did wrap");
    }

    #[test]
    fn long_words_are_hyphenated_only_where_patterns_allow_and_widows_avoided() {
        let de = super::super::typo::hyphenation_lang("de");
        let f = font::face(Weight::Regular).unwrap();
        let word = "Sicherheitsupdates";
        let narrow = f.width_mm("Sicherheits-", 8.0) + 0.05;
        let lines = wrap(&[sp(Weight::Regular, word)], 8.0, narrow, None, de).unwrap();
        let texts: Vec<&str> = lines.iter().map(|l| l.pieces[0].text.as_str()).collect();
        assert_eq!(texts, ["Sicherheits-", "updates"]);
        // Without patterns the word is too wide, and says so.
        assert!(matches!(
            wrap(&[sp(Weight::Regular, word)], 8.0, narrow, None, None),
            Err(WrapError::WordTooWide { .. })
        ));
        // "Free of charge." at a width that leaves "charge." alone: it takes "of".
        let text = "Updates are free of charge.";
        let w = f.width_mm("Updates are free of", 8.0) + 0.1;
        let lines = wrap(&[sp(Weight::Regular, text)], 8.0, w, None, None).unwrap();
        let last = &lines.last().unwrap().pieces[0].text;
        assert_eq!(last, "of charge.");
    }

    #[test]
    fn urls_break_after_a_slash_or_before_a_dot_only_when_needed() {
        // A one- or two-letter last piece stays with the one before it.
        assert_eq!(
            url_parts("brightwatch.example/v"),
            vec!["brightwatch", ".example/v"]
        );
        assert_eq!(
            url_parts("brightwatch.example/verify"),
            vec!["brightwatch", ".example/", "verify"]
        );
        assert_eq!(url_parts("Sicherheitsupdates"), vec!["Sicherheitsupdates"]);
        assert_eq!(url_parts("06/2030"), vec!["06/2030"]);
        let spans = [sp(Weight::Regular, "brightwatch.example/v")];
        let whole = wrap(&spans, 8.0, 100.0, None, None).unwrap();
        assert_eq!(whole.len(), 1);
        assert_eq!(whole[0].pieces[0].text, "brightwatch.example/v");
        let narrow = font::face(Weight::Regular)
            .unwrap()
            .width_mm("brightwatch.example/", 8.0);
        let lines = wrap(&spans, 8.0, narrow + 0.1, None, None).unwrap();
        let texts: Vec<&str> = lines.iter().map(|l| l.pieces[0].text.as_str()).collect();
        assert_eq!(texts, ["brightwatch", ".example/v"]);
    }

    #[test]
    fn reports_overlong_word_and_line_limit() {
        let spans = [sp(
            Weight::Regular,
            "Sicherheitsaktualisierungsbenachrichtigung",
        )];
        assert!(matches!(
            wrap(&spans, 8.0, 10.0, None, None),
            Err(WrapError::WordTooWide { .. })
        ));
        let spans = [sp(Weight::Regular, "one two three four five six seven")];
        assert!(matches!(
            wrap(&spans, 8.0, 12.0, Some(1), None),
            Err(WrapError::TooManyLines { .. })
        ));
    }

    #[test]
    fn markup_toggles_bold() {
        assert_eq!(
            parse_markup("**{label}:** {text}"),
            vec![
                (Weight::Bold, "{label}:".to_string()),
                (Weight::Regular, " {text}".to_string())
            ]
        );
    }
}
