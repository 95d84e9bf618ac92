//! Line breaking for label paragraphs: mixed-weight spans wrapped greedily at spaces,
//! each candidate line measured with the real shaper (so kerning is included and the
//! measured width is exactly what the backends draw).
//!
//! Greedy breaking is enough here: label paragraphs are one or two short sentences, and
//! a designer would rather see predictable breaks than typeset-optimal ones.

use super::font::{self, Weight};

/// A piece of a paragraph in one weight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    pub weight: Weight,
    pub text: String,
}

/// One laid-out line: runs of one weight each, with their x offsets from the line start.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub pieces: Vec<Piece>,
    pub width_mm: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Piece {
    pub weight: Weight,
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
    /// Part of the previous word (a piece of a URL): no space before it, and a line
    /// may break here only when the whole does not fit.
    glued: bool,
}

fn words(spans: &[Span]) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    // Words are split at spaces. A weight change inside a word ("**a**b") would come
    // out as two words; the shipped templates only change weight at spaces.
    for span in spans {
        for w in span.text.split(' ').filter(|w| !w.is_empty()) {
            for (i, part) in url_parts(w).into_iter().enumerate() {
                out.push(Word {
                    weight: span.weight,
                    text: part.to_string(),
                    glued: i > 0,
                });
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
    parts.push(&word[start..]);
    parts
}

/// Lays out `words[..]` on one line and measures it: consecutive words of one weight
/// form one piece (a space stays with the piece before a weight change).
fn build_line(words: &[Word], size_pt: f64) -> Line {
    let mut pieces: Vec<Piece> = Vec::new();
    let mut groups: Vec<(Weight, String)> = Vec::new();
    for w in words {
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
    let mut x = 0.0;
    let n = groups.len();
    for (i, (weight, text)) in groups.into_iter().enumerate() {
        let Some(face) = font::face(weight) else {
            continue;
        };
        // The trailing space of a non-last piece advances x but is not drawn ink.
        let advance = face.width_mm(&text, size_pt);
        let trimmed = text.trim_end().to_string();
        let width = if i + 1 == n {
            advance
        } else {
            face.width_mm(&trimmed, size_pt)
        };
        pieces.push(Piece {
            weight,
            text: trimmed,
            dx_mm: x,
            width_mm: width,
        });
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
) -> Result<Vec<Line>, WrapError> {
    let words = words(spans);
    let mut lines = Vec::new();
    let mut start = 0;
    while start < words.len() {
        let first = build_line(&words[start..start + 1], size_pt);
        if first.width_mm > max_width_mm {
            return Err(WrapError::WordTooWide {
                word: words[start].text.clone(),
                over_mm: first.width_mm - max_width_mm,
            });
        }
        let mut end = start + 1;
        let mut line = first;
        while end < words.len() {
            let candidate = build_line(&words[start..end + 1], size_pt);
            if candidate.width_mm > max_width_mm {
                break;
            }
            line = candidate;
            end += 1;
        }
        lines.push(line);
        start = end;
    }
    if let Some(max) = max_lines
        && lines.len() > max
    {
        return Err(WrapError::TooManyLines { lines: lines.len() });
    }
    Ok(lines)
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

    #[test]
    fn wraps_within_width_and_keeps_words() {
        let spans = [
            sp(Weight::Bold, "How: "),
            sp(
                Weight::Regular,
                "automatic, no action needed, free of charge",
            ),
        ];
        let lines = wrap(&spans, 7.0, 25.0, None).unwrap();
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
    fn urls_break_after_a_slash_or_before_a_dot_only_when_needed() {
        assert_eq!(
            url_parts("brightwatch.example/v"),
            vec!["brightwatch", ".example/", "v"]
        );
        assert_eq!(url_parts("Sicherheitsupdates"), vec!["Sicherheitsupdates"]);
        assert_eq!(url_parts("06/2030"), vec!["06/2030"]);
        let spans = [sp(Weight::Regular, "brightwatch.example/v")];
        let whole = wrap(&spans, 8.0, 100.0, None).unwrap();
        assert_eq!(whole.len(), 1);
        assert_eq!(whole[0].pieces[0].text, "brightwatch.example/v");
        let narrow = font::face(Weight::Regular)
            .unwrap()
            .width_mm("brightwatch.example/", 8.0);
        let lines = wrap(&spans, 8.0, narrow + 0.1, None).unwrap();
        let texts: Vec<&str> = lines.iter().map(|l| l.pieces[0].text.as_str()).collect();
        assert_eq!(texts, ["brightwatch.example/", "v"]);
    }

    #[test]
    fn reports_overlong_word_and_line_limit() {
        let spans = [sp(
            Weight::Regular,
            "Sicherheitsaktualisierungsbenachrichtigung",
        )];
        assert!(matches!(
            wrap(&spans, 8.0, 10.0, None),
            Err(WrapError::WordTooWide { .. })
        ));
        let spans = [sp(Weight::Regular, "one two three four five six seven")];
        assert!(matches!(
            wrap(&spans, 8.0, 12.0, Some(1)),
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
