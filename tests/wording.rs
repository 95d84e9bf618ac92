//! Words and type as printed, on every shipped sample × template × language: what a
//! proof-reader at a packaging printer checks, read off the laid-out frame (the lines
//! the PDF, SVG and PNG backends draw), not off the catalogue.
//!
//! - a standard number, a date or a quantity never breaks across lines ("ETSI EN 303 /
//!   645", "December / 2031", "5 / years");
//! - no widow: a paragraph does not end with one short word alone on its last line;
//! - no separator (`·`, `–`, `—`, `|`) at the end of a line;
//! - French: a no-break space before `: ; ? !`;
//! - Polish and Czech: no one-letter word at the end of a line;
//! - no straight apostrophe or quote;
//! - the headline and the support line are not said again in the statements below them
//!   (no run of three content words shared between them and another paragraph).
//!
//! Each rule is also checked to fail on a bad frame (`the_checks_catch_*`), so a test
//! that cannot fail is not mistaken for one that passes.

mod common;
use common::{default_spec as spec, samples, signed_samples};

use iotlabel::artwork::make_label;
use iotlabel::layout::{Frame, Template};
use iotlabel::summary::Catalogue;
use std::collections::BTreeMap;

const NBSP: char = '\u{a0}';
const NNBSP: char = '\u{202f}';

/// One printed paragraph: its lines, top to bottom, and whether it is the headline.
#[derive(Debug, Clone)]
struct Para {
    lines: Vec<String>,
    accent: bool,
}

impl Para {
    /// The paragraph as one string (a line ending in a hyphen joins the next directly).
    fn text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            if !s.is_empty() && !s.ends_with('-') {
                s.push(' ');
            }
            s.push_str(l);
        }
        s
    }
}

/// A drawn piece of a line: x, width, text, accent.
type Piece = (f64, f64, String, bool);
/// A test case: language, paragraphs (kind, lines), the problem expected.
type Case<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])], &'a str);

/// The frame's paragraphs, with each line's pieces joined as drawn (a gap between two
/// pieces is a space).
fn paragraphs(frame: &Frame) -> Vec<Para> {
    let mut by_para: BTreeMap<usize, BTreeMap<i64, Vec<Piece>>> = BTreeMap::new();
    for r in frame.texts() {
        by_para
            .entry(r.para)
            .or_default()
            .entry((r.baseline_mm * 1000.0).round() as i64)
            .or_default()
            .push((r.x_mm, r.width_mm, r.text.clone(), r.accent));
    }
    by_para
        .into_values()
        .map(|lines| {
            let mut accent = false;
            let lines = lines
                .into_values()
                .map(|mut pieces| {
                    pieces.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let mut line = String::new();
                    let mut end: Option<f64> = None;
                    for (x, w, text, a) in pieces {
                        accent |= a;
                        if end.is_some_and(|e| x > e + 0.05)
                            && !line.ends_with([' ', NBSP])
                            && !text.starts_with([' ', NBSP])
                        {
                            line.push(' ');
                        }
                        line.push_str(&text);
                        end = Some(x + w);
                    }
                    line.trim().to_string()
                })
                .collect();
            Para { lines, accent }
        })
        .collect()
}

/// The words the language's catalogue says never end a line (`no_break_after`).
fn short_words(lang: &str) -> Vec<String> {
    Catalogue::built_in(lang)
        .ok()
        .and_then(|c| c.get("typography.no_break_after").ok().map(str::to_string))
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn words(s: &str) -> Vec<&str> {
    s.split([' ', NBSP, NNBSP])
        .filter(|w| !w.is_empty())
        .collect()
}

/// Every rule broken in one laid-out label (empty when it is clean).
fn problems(frame: &Frame, lang: &str, support: &str) -> Vec<String> {
    let paras = paragraphs(frame);
    let short = short_words(lang);
    let mut out = Vec::new();
    for p in &paras {
        for (i, line) in p.lines.iter().enumerate() {
            if line.contains(['\'', '"']) {
                out.push(format!("straight apostrophe or quote in {line:?}"));
            }
            if line.ends_with(['·', '–', '—', '|']) {
                out.push(format!("separator at a line end: {line:?}"));
            }
            let last_word = words(line).last().map(|w| w.to_lowercase());
            if i + 1 < p.lines.len() && last_word.is_some_and(|w| short.contains(&w)) {
                out.push(format!("a one-letter word at a line end: {line:?}"));
            }
            if let Some(next) = p.lines.get(i + 1) {
                let clause_ends = line.ends_with(['.', ',', ';', ':']);
                let last = line.chars().last().unwrap_or(' ');
                let first = next.chars().next().unwrap_or(' ');
                if (first.is_ascii_digit() && !clause_ends)
                    || (last.is_ascii_digit() && first.is_alphanumeric())
                {
                    out.push(format!(
                        "a number broken from its word: {line:?} / {next:?}"
                    ));
                }
            }
        }
        if let [.., before, last] = p.lines.as_slice() {
            let w = words(last);
            if w.len() == 1 && w[0].chars().count() <= 7 && words(before).len() >= 3 {
                out.push(format!("widow: {before:?} / {last:?}"));
            }
        }
        if lang.starts_with("fr") {
            let chars: Vec<char> = p.text().chars().collect();
            for (i, c) in chars.iter().enumerate() {
                let sign = matches!(c, ':' | ';' | '?' | '!');
                let punctuation = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
                let before = i.checked_sub(1).map(|j| chars[j]);
                if sign && punctuation && !matches!(before, Some(NBSP | NNBSP)) {
                    out.push(format!("no French space before {c:?} in {:?}", p.text()));
                }
            }
        }
    }
    // The headline and the support line are said once.
    let norm = |s: &str| {
        s.replace([NBSP, NNBSP], " ")
            .chars()
            .filter(|c| c.is_alphanumeric() || c.is_whitespace())
            .collect::<String>()
            .to_lowercase()
    };
    let trigrams = |s: &str| -> Vec<String> {
        let n = norm(s);
        let w: Vec<&str> = n
            .split_whitespace()
            .filter(|w| w.chars().count() >= 3)
            .collect();
        w.windows(3).map(|t| t.join(" ")).collect()
    };
    let support = norm(support);
    for (i, p) in paras.iter().enumerate() {
        let text = p.text();
        if !(p.accent || norm(&text) == support) {
            continue;
        }
        for (j, q) in paras.iter().enumerate() {
            let other = trigrams(&q.text());
            if let Some(t) = (i != j)
                .then(|| trigrams(&text))
                .and_then(|ts| ts.into_iter().find(|t| other.contains(t)))
            {
                out.push(format!("{text:?} is said again in {:?} ({t:?})", q.text()));
            }
        }
    }
    out
}

#[test]
fn every_label_reads_cleanly_in_every_language() {
    let mut all = Vec::new();
    let mut checked = 0;
    for (name, signed) in signed_samples() {
        for lang in Catalogue::languages() {
            let c = Catalogue::built_in(lang).unwrap();
            let summary = iotlabel::summary::summarize(&signed.facts, &c).unwrap();
            for t in Template::all().unwrap() {
                // Fitting is label_fit.rs's business; a label that does not fit has
                // no lines to read.
                let Ok(made) = make_label(&signed, &spec(&t, lang)) else {
                    continue;
                };
                checked += 1;
                for p in problems(&made.frame, lang, &summary.support) {
                    all.push(format!("{name} {lang} {}: {p}", t.name));
                }
            }
        }
    }
    let expected = samples().len() * Catalogue::languages().len() * Template::all().unwrap().len();
    assert_eq!(checked, expected, "every label was laid out");
    assert!(
        all.is_empty(),
        "{} problems:\n{}",
        all.len(),
        all.join("\n")
    );
}

/// A frame of one template with the given paragraphs put in as lines, to prove each
/// check fires.
fn frame_with(lines: &[(&str, &[&str])], lang: &str) -> Frame {
    let (_, signed) = signed_samples().remove(0);
    let t = Template::by_name("panel").unwrap();
    let mut frame = make_label(&signed, &spec(&t, lang)).unwrap().frame;
    let template = frame.texts().next().unwrap().clone();
    frame
        .items
        .retain(|i| !matches!(i, iotlabel::layout::Item::Text(_)));
    for (pi, (kind, ls)) in lines.iter().enumerate() {
        for (li, l) in ls.iter().enumerate() {
            let mut r = template.clone();
            r.para = pi;
            r.text = l.to_string();
            r.baseline_mm = 10.0 * pi as f64 + 3.0 * li as f64;
            r.accent = *kind == "headline";
            frame.items.push(iotlabel::layout::Item::Text(r));
        }
    }
    frame
}

#[test]
fn the_checks_catch_each_fault() {
    let cases: &[Case] = &[
        (
            "en",
            &[("body", &["Follows ETSI EN 303", "645."])],
            "number",
        ),
        (
            "en",
            &[("body", &["Until at least December", "2031."])],
            "number",
        ),
        (
            "en",
            &[("body", &["Installed for you. Free of", "charge."])],
            "widow",
        ),
        (
            "en",
            &[("body", &["Nordlicht Home GmbH ·", "Therma T3"])],
            "separator",
        ),
        (
            "fr",
            &[("body", &["Installation: pour vous."])],
            "French space",
        ),
        (
            "en",
            &[("body", &["Manufacturer's declaration"])],
            "straight",
        ),
        (
            "pl",
            &[("body", &["działa dalej w", "trybie"])],
            "one-letter",
        ),
        (
            "en",
            &[
                ("headline", &["Security updates until December 2031"]),
                (
                    "body",
                    &["Until: Security updates until at least December 2031."],
                ),
            ],
            "said again",
        ),
    ];
    for (lang, lines, want) in cases {
        let found = problems(&frame_with(lines, lang), lang, "none");
        assert!(
            found.iter().any(|p| p.contains(want)),
            "{want}: {lines:?} gave {found:?}"
        );
    }
    // And the clean forms pass.
    let clean = frame_with(
        &[
            ("headline", &["Automatic security updates"]),
            ("body", &["Follows ETSI EN 303 645.", "Free of charge."]),
        ],
        "en",
    );
    assert_eq!(problems(&clean, "en", "none"), Vec::<String>::new());
}
