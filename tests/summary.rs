//! The plain-language summary, read the way a shopper reads a label: rendered from the
//! *decoded* payload of every shipped sample in every built-in language, with the
//! wording rules of docs/declaration.md ("Wording rules for phrase catalogues": support
//! end as month and year, never "expires", no updates said plainly and first) checked on
//! the output, not only on the catalogue.

mod common;
use common::samples;

use iotlabel::declaration::{
    self, CheckOptions, Commitment, Declaration, PeriodStart, SupportEnd, YearMonth,
};
use iotlabel::payload::{self, Facts};
use iotlabel::summary::{Catalogue, Element, Summary, summarize};
use iotlabel::today::month_in_words;
use std::path::Path;

const TODAY: YearMonth = YearMonth {
    year: 2026,
    month: 11,
};

fn load(name: &str) -> Declaration {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    declaration::load(
        &path,
        &CheckOptions {
            today: TODAY,
            new_label: true,
        },
    )
    .unwrap()
}

/// The facts as a verifier sees them: encoded, then decoded.
fn decoded(d: &Declaration) -> Facts {
    payload::decode(&payload::encode(&Facts::from_declaration(d))).unwrap()
}

fn render(f: &Facts, lang: &str) -> Summary {
    summarize(f, &Catalogue::built_in(lang).unwrap()).unwrap()
}

fn all_text(s: &Summary) -> String {
    let mut t = s.lines().join("\n");
    t.push('\n');
    t.push_str(&s.support);
    t
}

#[test]
fn the_four_languages_are_built_in() {
    let langs = Catalogue::languages();
    for l in ["en", "fr", "de", "es"] {
        assert!(langs.contains(&l), "{l} missing from {langs:?}");
    }
}

#[test]
fn every_sample_reads_in_every_language() {
    for path in samples() {
        let d = declaration::load(
            &path,
            &CheckOptions {
                today: TODAY,
                new_label: true,
            },
        )
        .unwrap();
        let f = decoded(&d);
        for lang in Catalogue::languages() {
            let s = render(&f, lang);
            let what = format!("{} [{lang}]", path.display());
            assert_eq!(s.lang, lang);
            assert_eq!(s.manufacturer, d.product.manufacturer);
            assert!(!s.headline.trim().is_empty(), "{what}");
            assert!(!s.support.trim().is_empty(), "{what}");
            assert!(!s.statements.is_empty(), "{what}");
            for st in &s.statements {
                assert!(
                    !st.label.trim().is_empty() && !st.text.trim().is_empty(),
                    "{what}: {st:?}"
                );
                assert!(!st.text.contains("  "), "{what}: double space in {st:?}");
            }
            let text = all_text(&s);
            // Every placeholder was filled, and nothing falls back to a raw code name.
            assert!(
                !text.contains('{') && !text.contains('}'),
                "{what}: unfilled placeholder\n{text}"
            );
            for raw in [
                "keep-online",
                "as-needed",
                "etsi-en-303-645",
                "keeps-working",
                "per-update-fee",
            ] {
                assert!(!text.contains(raw), "{what}: raw code name {raw}\n{text}");
            }
            // Never "expire": shoppers read it as "stops working" (docs/declaration.md,
            // wording rules), checked on what is printed.
            let low = text.to_lowercase();
            for banned in [
                "expir",
                "abläuf",
                "ablauf",
                "verfällt",
                "caduc",
                "vence",
                "péremption",
            ] {
                assert!(!low.contains(banned), "{what}: says {banned:?}\n{text}");
            }
            // Accented letters are precomposed (NFC), as fonts and PDF text extraction expect.
            assert!(
                !text.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)),
                "{what}: combining mark"
            );
            for ui in [&s.ui.title, &s.ui.declaration, &s.ui.scan, &s.ui.more] {
                assert!(!ui.trim().is_empty());
            }
        }
    }
}

#[test]
fn statements_cover_the_elements_in_order() {
    let s = render(&decoded(&load("thermostat.toml")), "en");
    let els: Vec<Element> = s.statements.iter().map(|x| x.element).collect();
    assert_eq!(
        els,
        vec![
            Element::A2,
            Element::A3,
            Element::B1,
            Element::B2,
            Element::B3
        ]
    );
}

#[test]
fn a_device_without_updates_says_so_first() {
    let f = decoded(&load("smart-bulb.toml"));
    assert!(!f.security_updates);
    for lang in Catalogue::languages() {
        let c = Catalogue::built_in(lang).unwrap();
        let s = summarize(&f, &c).unwrap();
        assert!(s.no_updates, "{lang}");
        assert_eq!(s.headline, c.get("headline.none").unwrap(), "{lang}");
        assert_eq!(s.support, c.get("support_short.none").unwrap(), "{lang}");
        // First line after the product name is the headline.
        assert_eq!(s.lines()[1], s.headline, "{lang}");
        // The first statement is the plain "no security updates" sentence.
        assert_eq!(s.statements[0].element, Element::A3, "{lang}");
        assert_eq!(
            s.statements[0].text,
            c.get("support.none").unwrap(),
            "{lang}"
        );
        // Nothing in it promises updates on a schedule or until a date.
        let text = all_text(&s);
        assert!(
            !text.contains('/'),
            "{lang}: a date on a no-updates label\n{text}"
        );
    }
    // The wording a shopper reads, in each language.
    assert_eq!(render(&f, "en").headline, "No security updates");
    assert!(
        render(&f, "fr")
            .headline
            .starts_with("Aucune mise à jour de sécurité")
    );
    assert!(
        render(&f, "de")
            .headline
            .starts_with("Keine Sicherheitsupdates")
    );
    assert!(
        render(&f, "es")
            .headline
            .starts_with("Sin actualizaciones de seguridad")
    );
}

#[test]
fn a_date_support_end_reads_as_month_in_words() {
    for (name, ym, en) in [
        ("thermostat.toml", (2031, 12), "December 2031"),
        ("camera.toml", (2030, 6), "June 2030"),
        ("doorbell.json", (2032, 3), "March 2032"),
    ] {
        let ym = YearMonth {
            year: ym.0,
            month: ym.1,
        };
        let f = decoded(&load(name));
        for lang in Catalogue::languages() {
            let c = Catalogue::built_in(lang).unwrap();
            let s = summarize(&f, &c).unwrap();
            let shown = month_in_words(ym, &c).unwrap();
            assert!(s.support.contains(&shown), "{name} [{lang}]: {}", s.support);
            let a3 = s
                .statements
                .iter()
                .find(|x| x.element == Element::A3)
                .unwrap();
            assert!(a3.text.contains(&shown), "{name} [{lang}]: {}", a3.text);
            // Never the numeric or ISO form, nor a day: the label speaks in months.
            let text = all_text(&s);
            let numeric = format!("{:02}/{}", ym.month, ym.year);
            assert!(
                !text.contains(&numeric)
                    && !text.contains(&format!("{}-{:02}", ym.year, ym.month))
                    && !text.contains("31/03"),
                "{name} [{lang}]\n{text}"
            );
        }
        assert!(render(&f, "en").support.contains(en));
    }
    // The four languages' own month forms.
    let thermo = decoded(&load("thermostat.toml"));
    for (lang, want) in [
        ("en", "Until at least December 2031"),
        ("fr", "Au moins jusqu'en décembre 2031"),
        ("de", "Mindestens bis Dezember 2031"),
        ("es", "Como mínimo hasta diciembre de 2031"),
    ] {
        assert_eq!(render(&thermo, lang).support, want, "[{lang}]");
    }
}

#[test]
fn committed_minimum_and_anticipated_end_read_differently() {
    let base = decoded(&load("thermostat.toml"));
    let router = decoded(&load("router.toml"));
    for f in [base, router] {
        let mut min = f.clone();
        min.commitment = Some(Commitment::Minimum);
        let mut ant = f.clone();
        ant.commitment = Some(Commitment::Anticipated);
        for lang in Catalogue::languages() {
            let (a, b) = (render(&min, lang), render(&ant, lang));
            assert_ne!(a.support, b.support, "[{lang}] short form");
            let a3 = |s: &Summary| {
                s.statements
                    .iter()
                    .find(|x| x.element == Element::A3)
                    .unwrap()
                    .text
                    .clone()
            };
            assert_ne!(a3(&a), a3(&b), "[{lang}] sentence");
            // Both still state the same end.
            if let Some(SupportEnd::Until(ym)) = f.support_end {
                let c = Catalogue::built_in(lang).unwrap();
                let shown = month_in_words(ym, &c).unwrap();
                assert!(
                    a3(&a).contains(&shown) && a3(&b).contains(&shown),
                    "[{lang}]"
                );
            }
        }
    }
    // The camera's anticipated end says it is not guaranteed.
    let cam = decoded(&load("camera.toml"));
    assert!(
        render(&cam, "en").statements[1]
            .text
            .contains("not guaranteed")
    );
    assert!(
        render(&cam, "fr").statements[1]
            .text
            .contains("sans garantie")
    );
    assert!(
        render(&cam, "de").statements[1]
            .text
            .contains("ohne Garantie")
    );
    assert!(
        render(&cam, "es").statements[1]
            .text
            .contains("sin garantía")
    );
}

#[test]
fn a_period_reads_with_its_starting_point() {
    let f = decoded(&load("router.toml"));
    assert_eq!(
        f.support_end,
        Some(SupportEnd::Period {
            months: 60,
            from: PeriodStart::Purchase
        })
    );
    for (lang, want) in [
        ("en", "For at least 5 years from purchase"),
        ("fr", "Pendant au moins 5 ans à partir de l'achat"),
        ("de", "Mindestens 5 Jahre ab Kauf"),
        ("es", "Durante al menos 5 años desde la compra"),
    ] {
        let s = render(&f, lang);
        assert!(s.support.contains(want), "[{lang}] {}", s.support);
    }
    // Every starting point fits the sentence in every language ("ab Registrierung", …).
    for from in [
        PeriodStart::Purchase,
        PeriodStart::Registration,
        PeriodStart::Manufacture,
    ] {
        let mut g = f.clone();
        g.support_end = Some(SupportEnd::Period { months: 24, from });
        for lang in Catalogue::languages() {
            let c = Catalogue::built_in(lang).unwrap();
            let s = summarize(&g, &c).unwrap();
            let from_word = c
                .get(&format!(
                    "from.{}",
                    iotlabel::declaration::Coded::name(from)
                ))
                .unwrap();
            assert!(s.support.contains(from_word), "[{lang}] {}", s.support);
        }
    }
    let de = |from| {
        let mut g = f.clone();
        g.support_end = Some(SupportEnd::Period { months: 24, from });
        render(&g, "de").support
    };
    assert!(de(PeriodStart::Registration).contains("ab Registrierung"));
    assert!(de(PeriodStart::Manufacture).contains("ab Herstellung"));
}

#[test]
fn open_ended_support_ends_are_worded_plainly() {
    let tv = decoded(&load("tv.toml"));
    for lang in Catalogue::languages() {
        let c = Catalogue::built_in(lang).unwrap();
        assert_eq!(
            summarize(&tv, &c).unwrap().support,
            c.get("support_short.unknown").unwrap()
        );
        let mut ind = tv.clone();
        ind.support_end = Some(SupportEnd::Indefinite);
        assert_eq!(
            summarize(&ind, &c).unwrap().support,
            c.get("support_short.indefinite").unwrap()
        );
    }
    assert_eq!(render(&tv, "en").support, "End of support not stated");
}

#[test]
fn language_specific_letters_appear_where_expected() {
    let thermo = decoded(&load("thermostat.toml"));
    let router = decoded(&load("router.toml"));
    // French: "sécurité" in the headline.
    assert!(render(&thermo, "fr").headline.contains('é'));
    // German: updates are "nie durch ältere Versionen ersetzt".
    let de = render(&thermo, "de");
    let b3 = &de
        .statements
        .iter()
        .find(|x| x.element == Element::B3)
        .unwrap()
        .text;
    assert!(b3.contains('ä'), "{b3}");
    // Spanish: the router tells its owner through a light or signal ("señal") on the device.
    let es = render(&router, "es");
    let b1 = &es
        .statements
        .iter()
        .find(|x| x.element == Element::B1)
        .unwrap()
        .text;
    assert!(b1.contains('ñ'), "{b1}");
    // And the UI words carry their accents.
    assert_eq!(
        render(&thermo, "fr").ui.declaration,
        "Déclaration du fabricant"
    );
    assert_eq!(render(&thermo, "de").ui.declaration, "Herstellererklärung");
    assert_eq!(
        render(&thermo, "es").ui.declaration,
        "Declaración del fabricante"
    );
}

#[test]
fn lists_join_with_the_language_s_and() {
    let thermo = decoded(&load("thermostat.toml"));
    for (lang, and) in [
        ("en", " and "),
        ("fr", " et "),
        ("de", " und "),
        ("es", " y "),
    ] {
        let s = render(&thermo, lang);
        let b1 = &s
            .statements
            .iter()
            .find(|x| x.element == Element::B1)
            .unwrap()
            .text;
        assert!(b1.contains(and), "[{lang}] {b1}");
    }
}

/// docs/declaration.md shows what `iotlabel summary samples/thermostat.toml` prints and
/// quotes the German support line and the smart bulb's first line. The binary's output
/// and the catalogues are compared with those words, so the page fails CI when a phrase
/// changes. (This replaces the `#[ignore]`d `print_all_summaries`, which printed every
/// summary for proof-reading and asserted nothing.)
#[test]
fn docs_summary_example_is_what_summary_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/declaration.md")).unwrap();
    let intro = "What `iotlabel summary samples/thermostat.toml` prints.";
    let at = doc
        .find(intro)
        .expect("docs/declaration.md lacks the summary example");
    let block = &doc[at..];
    let block = &block[block.find("```\n").unwrap() + 4..];
    let shown = &block[..block.find("```").unwrap()];
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .current_dir(root)
        .args(["summary", "samples/thermostat.toml"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), shown);

    // "Mindestens bis Dezember 2031." and the bulb's first line.
    let flat = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    let thermo = decoded(&load("thermostat.toml"));
    let de = render(&thermo, "de");
    let until = de
        .statements
        .iter()
        .find(|s| s.element == Element::A3)
        .unwrap();
    assert!(
        flat.contains(&format!("(`--lang de`) reads \"{}\"", until.text)),
        "docs/declaration.md should quote {:?}",
        until.text
    );
    let bulb = decoded(&load("smart-bulb.toml"));
    let en = render(&bulb, "en");
    assert!(
        flat.contains(&format!("is \"{}\" in every language", en.headline)),
        "docs/declaration.md should quote {:?}",
        en.headline
    );
    for lang in Catalogue::languages() {
        let s = render(&bulb, lang);
        let none = Catalogue::built_in(lang)
            .unwrap()
            .get("headline.none")
            .unwrap()
            .to_string();
        assert_eq!(
            s.headline, none,
            "[{lang}] the bulb's first line says no updates"
        );
    }
}

/// `summary --lang en,fr` prints one summary per language, in that order (an array in
/// JSON), and names an unknown language.
#[test]
fn summary_takes_a_list_of_languages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_iotlabel"))
            .current_dir(root)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, text, _) = run(&["summary", "samples/thermostat.toml", "--lang", "en,fr"]);
    assert_eq!(code, Some(0));
    let (en, fr) = (
        text.find("Automatic security updates").unwrap(),
        text.find("Mises à jour de sécurité automatiques").unwrap(),
    );
    assert!(en < fr, "{text}");
    assert_eq!(text.matches("trust:").count(), 1, "{text}");
    let (_, json, _) = run(&[
        "summary",
        "samples/thermostat.toml",
        "--lang",
        "de,es",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["lang"], "de");
    assert_eq!(v[1]["lang"], "es");
    assert_eq!(v[1]["trust"], "declaration");
    let (_, one, _) = run(&["summary", "samples/thermostat.toml", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(v["lang"], "en", "one language stays one object");
    let (code, _, err) = run(&["summary", "samples/thermostat.toml", "--lang", "en,xx"]);
    assert_eq!(code, Some(2), "a usage error");
    assert!(err.contains("\"xx\""), "{err}");
}
