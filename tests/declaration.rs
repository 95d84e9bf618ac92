//! The declaration format, attacked from the outside: every shipped sample loads and
//! survives the trip through the signed payload; every enumerated value's code round
//! trips; every consistency rule and every compliance-profile rule fires on a
//! declaration that breaks it (and only then); and malformed files name the field, the
//! line and what would be accepted, all problems at once.
//!
//! "Today" is pinned to 2026-11 so the past-end rule does not depend on the clock.

mod common;
use common::samples;

use iotlabel::declaration::{
    self, Channel, CheckOptions, Coded, Commitment, Cost, Declaration, Delivery, EosBehaviour,
    EosOffer, Format, Measure, PeriodStart, ProblemKind, ReadError, Schedule, Standard, SupportEnd,
    UserAction, YearMonth,
};
use iotlabel::payload::{self, Facts};
use iotlabel::profile::{self, Check, Profile};
use std::collections::BTreeSet;
use std::path::Path;

const TODAY: YearMonth = YearMonth {
    year: 2026,
    month: 11,
};

fn opts() -> CheckOptions {
    CheckOptions {
        today: TODAY,
        new_label: true,
    }
}

/// A complete, valid declaration with one key per line and every key name unique, so
/// tests can edit a line by its key and know which line an error must point at.
const BASE: &str = r#"format = 1

[product]
manufacturer = "Nordlicht Home GmbH"
model = "Therma T3"
gtin = "4260123450014"
details_url = "https://nordlicht.example/security/therma-t3"
vulnerability_contact = "security@nordlicht.example"
link_base_url = "https://nordlicht.example/v"

[updates]
security_updates = true
delivery = "automatic"
user_action = "keep-online"
cost = "free"

[support]
end = "2031-12"
commitment = "minimum"

[notification]
channels = ["app", "email"]
schedule = "as-needed"

[end_of_support]
behaviour = "keeps-working"
offer = "nothing"

[security]
measures = ["signed", "verified-on-device"]
standards = ["etsi-en-303-645"]
"#;

/// A line edit: replace the line `key = …` (`Some(new)`; `""` deletes it), or append a
/// line to a table (`Add`), or remove a whole `[table]` with its lines (`DropTable`).
#[derive(Clone, Copy)]
enum Edit<'a> {
    Set(&'a str, &'a str),
    Add(&'a str, &'a str),
    DropTable(&'a str),
}
use Edit::{Add, DropTable, Set};

fn edit(base: &str, edits: &[Edit<'_>]) -> String {
    let mut lines: Vec<String> = base.lines().map(str::to_string).collect();
    for e in edits {
        match *e {
            Set(key, new) => {
                let prefix = format!("{key} = ");
                let i = lines
                    .iter()
                    .position(|l| l.starts_with(&prefix))
                    .unwrap_or_else(|| panic!("no line for key {key}"));
                if new.is_empty() {
                    lines.remove(i);
                } else {
                    lines[i] = new.to_string();
                }
            }
            Add(table, line) => {
                let header = format!("[{table}]");
                let i = lines
                    .iter()
                    .position(|l| *l == header)
                    .unwrap_or_else(|| panic!("no table {table}"));
                lines.insert(i + 1, line.to_string());
            }
            DropTable(table) => {
                let header = format!("[{table}]");
                let i = lines
                    .iter()
                    .position(|l| *l == header)
                    .unwrap_or_else(|| panic!("no table {table}"));
                let end = lines[i + 1..]
                    .iter()
                    .position(|l| l.starts_with('['))
                    .map_or(lines.len(), |n| i + 1 + n);
                lines.drain(i..end);
            }
        }
    }
    lines.join("\n") + "\n"
}

// ReadError is large (it carries the source text); that is the library's type to shrink.
#[allow(clippy::result_large_err)]
fn parse(text: &str) -> Result<Declaration, ReadError> {
    declaration::parse_str(text, Format::Toml, "test.toml", &opts())
}

fn parse_ok(text: &str) -> Declaration {
    match parse(text) {
        Ok(d) => d,
        Err(e) => panic!(
            "expected a valid declaration, got {e}: {:#?}\n{text}",
            e.problems()
        ),
    }
}

fn parse_err(text: &str) -> ReadError {
    match parse(text) {
        Ok(_) => panic!("expected problems, but this declaration is valid:\n{text}"),
        Err(e) => e,
    }
}

/// 1-based number of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in text"))
        + 1
}

fn sample(name: &str) -> Declaration {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    declaration::load(&path, &opts()).unwrap_or_else(|e| panic!("{name}: {e}: {:#?}", e.problems()))
}

// ───────────────────────────── samples ─────────────────────────────

#[test]
fn every_sample_loads_and_is_consistent() {
    let files = samples();
    assert!(
        files.len() >= 6,
        "expected at least six samples, found {files:?}"
    );
    assert!(
        files
            .iter()
            .any(|p| p.extension().is_some_and(|x| x == "json")),
        "a JSON sample ships too"
    );
    for path in files {
        let d = declaration::load(&path, &opts())
            .unwrap_or_else(|e| panic!("{}: {e}: {:#?}", path.display(), e.problems()));
        assert!(declaration::check(&d, &opts()).is_empty());
        // A shipped sample is a new label: its support end must lie ahead of "today".
        if let Some(SupportEnd::Until(ym)) = d.support_end() {
            assert!(
                ym >= TODAY,
                "{}: support end {ym} is in the past",
                path.display()
            );
        }
    }
}

#[test]
fn samples_cover_the_briefed_cases() {
    let t = sample("thermostat.toml");
    assert_eq!(t.updates.delivery, Some(Delivery::Automatic));
    assert_eq!(
        t.support_end(),
        Some(SupportEnd::Until(YearMonth {
            year: 2031,
            month: 12
        }))
    );
    assert_eq!(
        t.support.as_ref().unwrap().commitment,
        Some(Commitment::Minimum)
    );
    assert_eq!(t.security.as_ref().unwrap().measures, Measure::ALL.to_vec());
    assert!(
        t.security
            .as_ref()
            .unwrap()
            .standards
            .contains(&Standard::EtsiEn303645)
    );
    assert_eq!(t.product.gtin.as_deref().map(str::len), Some(13));

    let c = sample("camera.toml");
    assert_eq!(c.updates.cost, Some(Cost::Subscription));
    assert_eq!(c.updates.delivery, Some(Delivery::AutomaticOptIn));
    assert_eq!(
        c.support.as_ref().unwrap().commitment,
        Some(Commitment::Anticipated)
    );

    let b = sample("smart-bulb.toml");
    assert!(!b.updates.security_updates);

    let r = sample("router.toml");
    assert_eq!(
        r.support_end(),
        Some(SupportEnd::Period {
            months: 60,
            from: PeriodStart::Purchase
        })
    );
    assert_eq!(r.updates.user_action, Some(UserAction::InstallManually));

    assert_eq!(sample("tv.toml").support_end(), Some(SupportEnd::Unknown));
    assert_eq!(
        sample("doorbell.json").product.manufacturer,
        "Hallway Labs Ltd"
    );
}

/// The fields each built-in profile flags for each sample, in the order eu-cra,
/// uk-psti, us-ctm. docs/declaration.md ("Which samples pass which profile") shows the
/// same table and each TOML sample's `# Passes:` comment names the profiles it passes;
/// both are checked against this below.
const SAMPLE_VERDICTS: &[(&str, [&[&str]; 3])] = &[
    ("thermostat.toml", [&[], &[], &[]]),
    // A paid subscription for security updates: the CRA wants them free of charge.
    ("camera.toml", [&["updates.cost"], &[], &[]]),
    // No security updates at all: the CRA and the Cyber Trust Mark both require them;
    // the PSTI support-period rule applies only to what can receive updates.
    (
        "smart-bulb.toml",
        [
            &["updates.security_updates"],
            &[],
            &["updates.security_updates"],
        ],
    ),
    ("doorbell.json", [&[], &[], &[]]),
    (
        "router.toml",
        [&["support.end"], &["support.end"], &["support.end"]],
    ),
    (
        "tv.toml",
        [&["support.end"], &["support.end"], &["support.end"]],
    ),
];

const PROFILE_IDS: [&str; 3] = ["eu-cra", "uk-psti", "us-ctm"];

fn flagged_fields(d: &Declaration, id: &str) -> Vec<String> {
    let mut fields: Vec<String> = profile::load(id)
        .unwrap()
        .apply(d)
        .into_iter()
        .map(|p| p.field)
        .collect();
    fields.sort();
    fields
}

#[test]
fn samples_pass_the_profiles_they_claim() {
    assert_eq!(profile::ids(), PROFILE_IDS);
    let mut names: Vec<String> = samples()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut listed: Vec<String> = SAMPLE_VERDICTS.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(names, listed, "every declaration sample has a verdict row");
    for (name, verdicts) in SAMPLE_VERDICTS {
        let d = sample(name);
        for (id, want) in PROFILE_IDS.iter().zip(verdicts) {
            let mut want: Vec<String> = want.iter().map(|f| f.to_string()).collect();
            want.sort();
            assert_eq!(flagged_fields(&d, id), want, "{name} under --profile {id}");
        }
    }
}

#[test]
fn sample_comments_say_which_profiles_they_pass() {
    // The smart bulb once claimed to pass eu-cra and us-ctm while getting no updates:
    // the one `# Passes:` line of each TOML sample must name exactly the profiles that
    // raise no problem for it ("none" when there are none).
    for (name, verdicts) in SAMPLE_VERDICTS {
        if !name.ends_with(".toml") {
            continue;
        }
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("# Passes:"))
            .collect();
        assert_eq!(lines.len(), 1, "{name} needs one `# Passes:` comment line");
        let claimed: BTreeSet<&str> = PROFILE_IDS
            .iter()
            .copied()
            .filter(|id| lines[0].contains(&format!("--profile {id}")))
            .collect();
        let passes: BTreeSet<&str> = PROFILE_IDS
            .iter()
            .zip(verdicts)
            .filter(|(_, v)| v.is_empty())
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(claimed, passes, "{name}: {}", lines[0]);
        if passes.is_empty() {
            assert!(lines[0].contains("none"), "{name}: {}", lines[0]);
        }
    }
}

#[test]
fn docs_table_of_samples_and_profiles_is_current() {
    let d = doc();
    let start = d
        .find("### Which samples pass which profile")
        .expect("docs/declaration.md lacks the sample table");
    let table = &d[start..];
    for (name, verdicts) in SAMPLE_VERDICTS {
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}`")))
            .unwrap_or_else(|| panic!("docs table lacks {name}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        // "", sample, no profile, eu-cra, uk-psti, us-ctm, ""
        assert_eq!(cells.len(), 7, "{row}");
        assert_eq!(cells[2], "✓", "{name} validates without a profile");
        for (i, want) in verdicts.iter().enumerate() {
            let expect = if want.is_empty() {
                "✓".to_string()
            } else {
                let mut f: Vec<&str> = want.to_vec();
                f.sort();
                format!(
                    "✗ {}",
                    f.iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            assert_eq!(cells[3 + i], expect, "{name} under {}", PROFILE_IDS[i]);
        }
    }
}

/// The audited citation of every built-in rule (field, source). A change to a source
/// in assets/profiles/ must be a deliberate change here too, after reading the text.
const AUDITED: &[(&str, &[(&str, &str)])] = &[
    (
        "eu-cra",
        &[
            (
                "updates.security_updates",
                "EU CRA Annex I Part I(2)(c) and Art. 13(8)",
            ),
            ("support.end", "EU CRA Art. 13(19) and Annex II(7)"),
            (
                "product.vulnerability_contact",
                "EU CRA Art. 13(17) and Annex II(2)",
            ),
            ("updates.delivery", "EU CRA Annex I Part I(2)(c)"),
            ("updates.cost", "EU CRA Annex I Part II(8)"),
            ("product.details_url", "EU CRA Annex II(8)"),
        ],
    ),
    (
        "uk-psti",
        &[
            (
                "support.end",
                "UK PSTI Regulations 2023, Schedule 1 para 3(2) and (4)",
            ),
            (
                "product.vulnerability_contact",
                "UK PSTI Regulations 2023, Schedule 1 para 2",
            ),
        ],
    ),
    (
        "us-ctm",
        &[
            (
                "updates.security_updates",
                "NISTIR 8425 Software Update outcome (NISTIR 8259A), the criteria of FCC 24-26",
            ),
            ("updates.delivery", "FCC 24-26 (registry: update process)"),
            (
                "support.end",
                "FCC 24-26 (registry: minimum support period)",
            ),
            (
                "product.details_url",
                "FCC 24-26 (FCC IoT Label: QR code to the registry)",
            ),
        ],
    ),
];

#[test]
fn profile_rules_cite_the_audited_sources() {
    for (id, rules) in AUDITED {
        let p = profile::load(id).unwrap();
        let got: Vec<(&str, &str)> = p
            .rules
            .iter()
            .map(|r| (r.field.as_str(), r.source.as_str()))
            .collect();
        assert_eq!(got, *rules, "{id}");
    }
}

#[test]
fn device_without_updates_fails_eu_cra_and_us_ctm_with_the_citation() {
    // The regression of the smart bulb: no security updates is not compliant with
    // either; each problem names the field and ends with the profile and source.
    let d = sample("smart-bulb.toml");
    for (id, source) in [
        ("eu-cra", "EU CRA Annex I Part I(2)(c) and Art. 13(8)"),
        (
            "us-ctm",
            "NISTIR 8425 Software Update outcome (NISTIR 8259A), the criteria of FCC 24-26",
        ),
    ] {
        let problems = profile::load(id).unwrap().apply(&d);
        assert_eq!(problems.len(), 1, "{id}: {problems:#?}");
        assert_eq!(problems[0].field, "updates.security_updates");
        assert_eq!(problems[0].kind, ProblemKind::Profile);
        assert!(
            problems[0].message.ends_with(&format!("[{id}: {source}]")),
            "{}",
            problems[0].message
        );
    }
    assert!(profile::load("uk-psti").unwrap().apply(&d).is_empty());
}

/// GS1 mod-10 check digit, written here from the GS1 General Specifications (§7.9.1)
/// and not from the code under test: weights 3, 1, 3, … from the rightmost data digit.
fn gs1_check_digit(data: &str) -> u32 {
    let sum: u32 = data
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap() * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

#[test]
fn gtin_check_digit_agrees_with_an_independent_oracle() {
    // Published examples first: the oracle itself must be right.
    for (gtin, check) in [
        ("4006381333931", 1), // EAN-13 from GS1's own check-digit example
        ("036000291452", 2),  // UPC-A
        ("96385074", 4),      // EAN-8
        ("00012345600012", 2),
    ] {
        assert_eq!(gs1_check_digit(&gtin[..gtin.len() - 1]), check, "{gtin}");
    }
    // Then every shipped sample's GTIN, and every wrong last digit of it.
    for path in samples() {
        let d = declaration::load(&path, &opts()).unwrap();
        let Some(g) = &d.product.gtin else { continue };
        let (data, last) = g.split_at(g.len() - 1);
        assert_eq!(
            last.parse::<u32>().unwrap(),
            gs1_check_digit(data),
            "{}: {g}",
            path.display()
        );
        for wrong in 0..10 {
            let candidate = format!("{data}{wrong}");
            assert_eq!(
                declaration::gtin14(&candidate).is_ok(),
                wrong == gs1_check_digit(data),
                "{candidate}"
            );
        }
        let g14 = declaration::gtin14(g).unwrap();
        assert_eq!(g14, format!("{g:0>14}"));
    }
}

// ─────────────────────── payload round trip ───────────────────────

/// Asserts that every field the signed payload carries survives
/// declaration → Facts → CBOR → Facts → declaration.
fn assert_payload_round_trip(d: &Declaration, what: &str) {
    let facts = Facts::from_declaration(d);
    let bytes = payload::encode(&facts);
    let back = payload::decode(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
    // Sets travel as bit masks; Facts keeps them in code order from the start.
    assert_eq!(back, facts, "{what}: facts differ after decode");
    assert_eq!(
        in_code_order(back.clone()),
        back,
        "{what}: sets in code order"
    );
    let r = back.to_declaration();

    assert_eq!(r.product.manufacturer, d.product.manufacturer, "{what}");
    assert_eq!(r.product.model, d.product.model, "{what}");
    assert_eq!(
        r.product.gtin,
        d.product
            .gtin
            .as_deref()
            .map(|g| declaration::gtin14(g).unwrap()),
        "{what}: GTIN travels as GTIN-14"
    );
    assert_eq!(
        r.updates.security_updates, d.updates.security_updates,
        "{what}"
    );
    assert_eq!(r.updates.delivery, d.updates.delivery, "{what}");
    assert_eq!(r.updates.user_action, d.updates.user_action, "{what}");
    assert_eq!(r.updates.cost, d.updates.cost, "{what}");
    assert_eq!(r.support_end(), d.support_end(), "{what}");
    assert_eq!(
        r.support.as_ref().and_then(|s| s.commitment),
        d.support.as_ref().and_then(|s| s.commitment),
        "{what}"
    );
    let set = |v: Option<&Vec<Channel>>| {
        v.map(|v| v.iter().copied().collect::<BTreeSet<_>>())
            .filter(|s| !s.is_empty())
    };
    assert_eq!(
        set(r.notification.as_ref().map(|n| &n.channels)),
        set(d.notification.as_ref().map(|n| &n.channels)),
        "{what}: channels (a set: order is not kept)"
    );
    assert_eq!(
        r.notification.as_ref().and_then(|n| n.schedule),
        d.notification.as_ref().and_then(|n| n.schedule),
        "{what}"
    );
    assert_eq!(
        r.end_of_support.as_ref().map(|e| e.behaviour),
        d.end_of_support.as_ref().map(|e| e.behaviour),
        "{what}"
    );
    assert_eq!(
        r.end_of_support.as_ref().and_then(|e| e.offer),
        d.end_of_support.as_ref().and_then(|e| e.offer),
        "{what}"
    );
    let measures = |d: &Declaration| {
        d.security
            .as_ref()
            .map(|s| s.measures.iter().copied().collect::<BTreeSet<_>>())
            .unwrap_or_default()
    };
    let standards = |d: &Declaration| {
        d.security
            .as_ref()
            .map(|s| s.standards.iter().copied().collect::<BTreeSet<_>>())
            .unwrap_or_default()
    };
    assert_eq!(measures(&r), measures(d), "{what}");
    assert_eq!(standards(&r), standards(d), "{what}");

    // The declaration rebuilt from a payload is itself consistent (it has no past end
    // because the original had none).
    assert_eq!(
        declaration::check(&r, &opts()),
        vec![],
        "{what}: rebuilt declaration"
    );
    // And encoding it again gives the very same bytes.
    assert_eq!(
        payload::encode(&Facts::from_declaration(&r)),
        bytes,
        "{what}: re-encoding"
    );
}

/// The facts with their set-valued fields in code order (the order a bit mask gives).
fn in_code_order(mut f: Facts) -> Facts {
    if let Some(c) = f.channels.as_mut() {
        c.sort_by_key(|x| x.code());
    }
    f.measures.sort_by_key(|x| x.code());
    f.standards.sort_by_key(|x| x.code());
    f
}

#[test]
fn facts_from_a_declaration_equal_the_decoded_facts_exactly() {
    // A summary rendered straight from a declaration must read like the one rendered
    // from the decoded payload, so lists must not keep the declaration's order.
    let d = parse_ok(&edit(
        BASE,
        &[Set("channels", r#"channels = ["email", "app"]"#)],
    ));
    let f = Facts::from_declaration(&d);
    assert_eq!(payload::decode(&payload::encode(&f)).unwrap(), f);
}

#[test]
fn base_payload_is_the_bytes_the_spec_gives() {
    // Written by hand from docs/payload.md (key table) and the code tables of
    // docs/declaration.md, not from the encoder: the encoder must produce exactly
    // these bytes, and the decoder must read them back to the same facts.
    let mut want: Vec<u8> = vec![0xB0]; // map of 16 pairs
    want.extend([0x00, 0x01]); // 0 version: 1
    want.extend([0x01, 0x60 + 19]); // 1 manufacturer: text of 19 bytes
    want.extend(b"Nordlicht Home GmbH");
    want.extend([0x02, 0x60 + 9]); // 2 model: text of 9 bytes
    want.extend(b"Therma T3");
    want.extend([0x03, 0x1B, 0x00, 0x00, 0x03, 0xDF, 0xE3, 0x25, 0x1A, 0x9E]); // 3 gtin 4260123450014
    want.extend([0x04, 0xF5]); // 4 updates: true
    want.extend([0x05, 0x01]); // 5 delivery: automatic (1)
    want.extend([0x06, 0x01]); // 6 user action: keep-online (1)
    want.extend([0x07, 0x00]); // 7 cost: free (0)
    want.extend([0x08, 0x19, 0x01, 0x7F]); // 8 end month: (2031-2000)*12 + 11 = 383
    want.extend([0x0C, 0x01]); // 12 commitment: minimum (1)
    want.extend([0x0D, 0x03]); // 13 channels: app (bit 0) | email (bit 1)
    want.extend([0x0E, 0x01]); // 14 schedule: as-needed (1)
    want.extend([0x0F, 0x01]); // 15 behaviour: keeps-working (1)
    want.extend([0x10, 0x00]); // 16 offer: nothing (0)
    want.extend([0x11, 0x03]); // 17 measures: signed (bit 0) | verified-on-device (bit 1)
    want.extend([0x12, 0x08]); // 18 standards: etsi-en-303-645 (bit 3)
    let f = Facts::from_declaration(&parse_ok(BASE));
    assert_eq!(
        iotlabel::verify::hex(&payload::encode(&f)),
        iotlabel::verify::hex(&want)
    );
    assert_eq!(payload::decode(&want).unwrap(), f);
}

#[test]
fn every_sample_round_trips_through_the_payload() {
    for path in samples() {
        let d = declaration::load(&path, &opts()).unwrap();
        assert_payload_round_trip(&d, &path.display().to_string());
        // Size report (not an assert: sizes are documented from a rerunnable run).
        let bytes = payload::encode(&Facts::from_declaration(&d));
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let signed = iotlabel::envelope::sign(&bytes, &key).len();
        eprintln!(
            "{}: payload {} bytes, signed {signed} bytes",
            path.display(),
            bytes.len()
        );
    }
}

fn quoted<T: Coded>(v: T) -> String {
    format!("\"{}\"", v.name())
}

#[test]
fn every_enum_value_round_trips_from_toml_through_the_payload() {
    let mut checked = 0;
    let mut run = |text: String, what: String| {
        let d = parse_ok(&text);
        assert_payload_round_trip(&d, &what);
        checked += 1;
        d
    };
    // The base uses a user-initiated delivery so that every user_action is consistent.
    let base = edit(BASE, &[Set("delivery", r#"delivery = "user-initiated""#)]);
    for v in Delivery::ALL {
        let d = run(
            edit(
                &base,
                &[Set("delivery", &format!("delivery = {}", quoted(*v)))],
            ),
            format!("delivery {v}"),
        );
        assert_eq!(d.updates.delivery, Some(*v));
    }
    for v in UserAction::ALL {
        let d = run(
            edit(
                &base,
                &[Set("user_action", &format!("user_action = {}", quoted(*v)))],
            ),
            format!("user_action {v}"),
        );
        assert_eq!(d.updates.user_action, Some(*v));
    }
    for v in Cost::ALL {
        let d = run(
            edit(&base, &[Set("cost", &format!("cost = {}", quoted(*v)))]),
            format!("cost {v}"),
        );
        assert_eq!(d.updates.cost, Some(*v));
    }
    for v in PeriodStart::ALL {
        for c in Commitment::ALL {
            let text = edit(
                &base,
                &[
                    Set("end", &format!("period_from = {}", quoted(*v))),
                    Add("support", "period_months = 36"),
                    Set("commitment", &format!("commitment = {}", quoted(*c))),
                ],
            );
            let d = run(text, format!("period_from {v}, commitment {c}"));
            assert_eq!(
                d.support_end(),
                Some(SupportEnd::Period {
                    months: 36,
                    from: *v
                })
            );
            assert_eq!(d.support.unwrap().commitment, Some(*c));
        }
    }
    for v in Channel::ALL {
        let d = run(
            edit(
                &base,
                &[Set("channels", &format!("channels = [{}]", quoted(*v)))],
            ),
            format!("channel {v}"),
        );
        assert_eq!(d.notification.unwrap().channels, vec![*v]);
    }
    // All channels but "none" at once, in reverse order: a set survives, order does not matter.
    let all: Vec<String> = Channel::ALL
        .iter()
        .rev()
        .filter(|c| **c != Channel::None)
        .map(|c| quoted(*c))
        .collect();
    run(
        edit(
            &base,
            &[Set("channels", &format!("channels = [{}]", all.join(", ")))],
        ),
        "all channels".into(),
    );
    for v in Schedule::ALL {
        let d = run(
            edit(
                &base,
                &[Set("schedule", &format!("schedule = {}", quoted(*v)))],
            ),
            format!("schedule {v}"),
        );
        assert_eq!(d.notification.unwrap().schedule, Some(*v));
    }
    for v in EosBehaviour::ALL {
        let d = run(
            edit(
                &base,
                &[Set("behaviour", &format!("behaviour = {}", quoted(*v)))],
            ),
            format!("behaviour {v}"),
        );
        assert_eq!(d.end_of_support.unwrap().behaviour, *v);
    }
    for v in EosOffer::ALL {
        let d = run(
            edit(&base, &[Set("offer", &format!("offer = {}", quoted(*v)))]),
            format!("offer {v}"),
        );
        assert_eq!(d.end_of_support.unwrap().offer, Some(*v));
    }
    for v in Measure::ALL {
        let d = run(
            edit(
                &base,
                &[Set("measures", &format!("measures = [{}]", quoted(*v)))],
            ),
            format!("measure {v}"),
        );
        assert_eq!(d.security.unwrap().measures, vec![*v]);
    }
    for v in Standard::ALL {
        let d = run(
            edit(
                &base,
                &[Set("standards", &format!("standards = [{}]", quoted(*v)))],
            ),
            format!("standard {v}"),
        );
        assert_eq!(d.security.unwrap().standards, vec![*v]);
    }
    let all: Vec<String> = Standard::ALL.iter().map(|c| quoted(*c)).collect();
    run(
        edit(
            &base,
            &[Set(
                "standards",
                &format!("standards = [{}]", all.join(", ")),
            )],
        ),
        "all standards".into(),
    );
    // Open-ended support ends and the no-updates form.
    for end in ["indefinite", "unknown"] {
        let d = run(
            edit(
                &base,
                &[
                    Set("end", &format!("end = \"{end}\"")),
                    Set("commitment", ""),
                ],
            ),
            format!("end {end}"),
        );
        assert!(matches!(
            d.support_end(),
            Some(SupportEnd::Indefinite | SupportEnd::Unknown)
        ));
    }
    run(
        edit(
            &base,
            &[
                Set("security_updates", "security_updates = false"),
                Set("delivery", ""),
                Set("user_action", ""),
                Set("cost", ""),
                Set("channels", r#"channels = ["none"]"#),
                Set("schedule", ""),
                DropTable("support"),
                DropTable("security"),
            ],
        ),
        "no updates".into(),
    );
    // A date with a day keeps its month; GTIN-8 and GTIN-12 travel as GTIN-14.
    let d = run(
        edit(&base, &[Set("end", r#"end = "2032-02-29""#)]),
        "day".into(),
    );
    assert_eq!(
        d.support_end(),
        Some(SupportEnd::Until(YearMonth {
            year: 2032,
            month: 2
        }))
    );
    for g in ["06141417", "841234567804", "14260123450042"] {
        run(
            edit(&base, &[Set("gtin", &format!("gtin = \"{g}\""))]),
            format!("gtin {g}"),
        );
    }
    assert!(checked > 50, "only {checked} declarations checked");
}

// ─────────────────────── consistency rules ───────────────────────

/// Parses `text`, expects a problem of `kind` on `field`, and checks it carries a
/// line number and says what would be accepted.
fn expect_problem(text: &str, field: &str, kind: ProblemKind) -> ReadError {
    let err = parse_err(text);
    assert!(
        err.names_field(field),
        "expected a problem on `{field}`, got {:#?}\n{text}",
        err.problems()
    );
    let p = err.problems().iter().find(|p| p.field == field).unwrap();
    assert_eq!(p.kind, kind, "{p:?}");
    // A missing top-level table points at the start of the file.
    assert!(
        p.line.is_some() && p.column.is_some(),
        "TOML problems carry line and column: {p:?}"
    );
    assert!(
        p.expected.as_deref().is_some_and(|e| !e.is_empty()),
        "says what is accepted: {p:?}"
    );
    err
}

/// The no-updates form of BASE without any contradictory field.
fn no_updates_base() -> String {
    edit(
        BASE,
        &[
            Set("security_updates", "security_updates = false"),
            Set("delivery", ""),
            Set("user_action", ""),
            Set("cost", ""),
            Set("channels", r#"channels = ["none"]"#),
            Set("schedule", ""),
            DropTable("support"),
            DropTable("security"),
        ],
    )
}

#[test]
fn no_updates_base_is_valid() {
    let d = parse_ok(&no_updates_base());
    assert!(!d.updates.security_updates);
}

#[test]
fn rule_no_updates_but_delivery() {
    let t = edit(
        &no_updates_base(),
        &[Add("updates", r#"delivery = "automatic""#)],
    );
    let e = expect_problem(&t, "updates.delivery", ProblemKind::Contradiction);
    assert_eq!(
        e.problems()
            .iter()
            .find(|p| p.field == "updates.delivery")
            .unwrap()
            .line,
        Some(line_of(&t, "delivery ="))
    );
}

#[test]
fn rule_no_updates_but_user_action() {
    expect_problem(
        &edit(
            &no_updates_base(),
            &[Add("updates", r#"user_action = "none""#)],
        ),
        "updates.user_action",
        ProblemKind::Contradiction,
    );
}

#[test]
fn rule_no_updates_but_cost() {
    expect_problem(
        &edit(&no_updates_base(), &[Add("updates", r#"cost = "free""#)]),
        "updates.cost",
        ProblemKind::Contradiction,
    );
}

#[test]
fn rule_no_updates_but_schedule() {
    expect_problem(
        &edit(
            &no_updates_base(),
            &[Add("notification", r#"schedule = "monthly""#)],
        ),
        "notification.schedule",
        ProblemKind::Contradiction,
    );
}

#[test]
fn rule_no_updates_but_channels() {
    expect_problem(
        &edit(
            &no_updates_base(),
            &[Set("channels", r#"channels = ["app"]"#)],
        ),
        "notification.channels",
        ProblemKind::Contradiction,
    );
}

#[test]
fn rule_no_updates_but_support_end() {
    for support in [
        r#"end = "2030-12""#,
        r#"end = "indefinite""#,
        "period_months = 24",
    ] {
        let t = no_updates_base() + "\n[support]\n" + support + "\n";
        expect_problem(&t, "support", ProblemKind::Contradiction);
    }
    // "unknown" makes no promise, so it is allowed.
    parse_ok(&(no_updates_base() + "\n[support]\nend = \"unknown\"\n"));
}

#[test]
fn rule_no_updates_but_security_measures() {
    let t = no_updates_base() + "\n[security]\nmeasures = [\"signed\"]\n";
    expect_problem(&t, "security", ProblemKind::Contradiction);
}

#[test]
fn rule_updates_need_a_delivery_method() {
    expect_problem(
        &edit(BASE, &[Set("delivery", "")]),
        "updates.delivery",
        ProblemKind::Missing,
    );
}

#[test]
fn rule_automatic_contradicts_install_manually() {
    let t = edit(
        BASE,
        &[Set("user_action", r#"user_action = "install-manually""#)],
    );
    expect_problem(&t, "updates.user_action", ProblemKind::Contradiction);
    // The same action with a user-initiated delivery is fine.
    parse_ok(&edit(
        &t,
        &[Set("delivery", r#"delivery = "user-initiated""#)],
    ));
}

#[test]
fn rule_free_cost_with_a_price() {
    let t = edit(
        BASE,
        &[Add("updates", r#"cost_note = "Only €4.99 a year""#)],
    );
    expect_problem(&t, "updates.cost_note", ProblemKind::Contradiction);
    parse_ok(&edit(&t, &[Set("cost", r#"cost = "subscription""#)]));
}

#[test]
fn rule_support_section_required_with_updates() {
    expect_problem(
        &edit(BASE, &[DropTable("support")]),
        "support",
        ProblemKind::Missing,
    );
}

#[test]
fn rule_none_channel_is_alone() {
    expect_problem(
        &edit(BASE, &[Set("channels", r#"channels = ["app", "none"]"#)]),
        "notification.channels",
        ProblemKind::Contradiction,
    );
}

#[test]
fn missing_top_level_table_points_at_the_file_start() {
    let err = parse_err(&edit(BASE, &[DropTable("end_of_support")]));
    let p = err
        .problems()
        .iter()
        .find(|p| p.field == "end_of_support")
        .unwrap();
    assert_eq!(p.line, Some(1));
}

#[test]
fn rule_end_of_support_required_with_updates() {
    expect_problem(
        &edit(BASE, &[DropTable("end_of_support")]),
        "end_of_support",
        ProblemKind::Missing,
    );
}

#[test]
fn rule_end_and_period_together() {
    expect_problem(
        &edit(BASE, &[Add("support", "period_months = 60")]),
        "support.period_months",
        ProblemKind::Contradiction,
    );
}

#[test]
fn rule_period_from_with_an_end() {
    expect_problem(
        &edit(BASE, &[Add("support", r#"period_from = "purchase""#)]),
        "support.period_from",
        ProblemKind::Contradiction,
    );
}

#[test]
fn rule_period_needs_its_start() {
    let t = edit(BASE, &[Set("end", "period_months = 60")]);
    let e = expect_problem(&t, "support.period_from", ProblemKind::Missing);
    let p = e
        .problems()
        .iter()
        .find(|p| p.field == "support.period_from")
        .unwrap();
    assert!(p.expected.as_deref().unwrap().contains("purchase"));
}

#[test]
fn rule_period_start_needs_its_length() {
    expect_problem(
        &edit(BASE, &[Set("end", r#"period_from = "registration""#)]),
        "support.period_months",
        ProblemKind::Missing,
    );
}

#[test]
fn rule_support_end_required() {
    expect_problem(
        &edit(BASE, &[Set("end", "")]),
        "support.end",
        ProblemKind::Missing,
    );
}

#[test]
fn rule_dated_end_needs_commitment() {
    expect_problem(
        &edit(BASE, &[Set("commitment", "")]),
        "support.commitment",
        ProblemKind::Missing,
    );
    let period = edit(
        BASE,
        &[
            Set("end", "period_months = 24"),
            Add("support", r#"period_from = "manufacture""#),
            Set("commitment", ""),
        ],
    );
    expect_problem(&period, "support.commitment", ProblemKind::Missing);
}

#[test]
fn rule_commitment_needs_a_dated_end() {
    expect_problem(
        &edit(BASE, &[Set("end", r#"end = "indefinite""#)]),
        "support.commitment",
        ProblemKind::Contradiction,
    );
}

#[test]
fn rule_end_in_the_past_for_new_labels() {
    let t = edit(BASE, &[Set("end", r#"end = "2026-10""#)]);
    let e = expect_problem(&t, "support.end", ProblemKind::Contradiction);
    assert_eq!(e.problems()[0].line, Some(line_of(&t, "end = ")));
    // The current month still counts as support.
    parse_ok(&edit(BASE, &[Set("end", r#"end = "2026-11""#)]));
    // An existing label (not new) may carry a past end.
    let lenient = CheckOptions {
        today: TODAY,
        new_label: false,
    };
    assert!(declaration::parse_str(&t, Format::Toml, "old.toml", &lenient).is_ok());
}

// ─────────────────────── compliance profiles ───────────────────────

/// Edits to BASE that make one check fail, and edits under which it passes. BASE
/// itself passes every check.
fn check_cases(c: Check) -> (Vec<Vec<Edit<'static>>>, Vec<Vec<Edit<'static>>>) {
    let no_updates = vec![
        Set("security_updates", "security_updates = false"),
        Set("delivery", ""),
        Set("user_action", ""),
        Set("cost", ""),
        Set("channels", r#"channels = ["none"]"#),
        Set("schedule", ""),
        DropTable("support"),
        DropTable("security"),
    ];
    let period = vec![
        Set("end", "period_months = 60"),
        Add("support", r#"period_from = "purchase""#),
    ];
    let indefinite = vec![Set("end", r#"end = "indefinite""#), Set("commitment", "")];
    let unknown = vec![Set("end", r#"end = "unknown""#), Set("commitment", "")];
    match c {
        Check::SupportEndMonthYear | Check::SupportEndOrUnsupported => (
            vec![period, indefinite, unknown],
            vec![
                vec![],
                vec![Set("end", r#"end = "2029-01-15""#)],
                no_updates,
            ],
        ),
        Check::SupportPeriodDefined => {
            (vec![indefinite, unknown], vec![vec![], period, no_updates])
        }
        Check::VulnerabilityContact => (
            vec![vec![Set("vulnerability_contact", "")]],
            vec![
                vec![],
                vec![Set(
                    "vulnerability_contact",
                    r#"vulnerability_contact = "https://nordlicht.example/psirt""#,
                )],
            ],
        ),
        Check::AutomaticOrReason => (
            vec![
                vec![Set("delivery", r#"delivery = "user-initiated""#)],
                vec![Set("delivery", r#"delivery = "automatic-opt-in""#)],
            ],
            vec![
                vec![],
                vec![
                    Set("delivery", r#"delivery = "user-initiated""#),
                    Add(
                        "updates",
                        r#"manual_reason = "Updates restart the boiler.""#,
                    ),
                ],
                no_updates,
            ],
        ),
        Check::HowToGetUpdates => (vec![vec![Set("user_action", "")]], vec![vec![], no_updates]),
        Check::SecurityUpdates => (vec![no_updates], vec![vec![]]),
        Check::UpdatesFree => (
            vec![
                vec![Set("cost", r#"cost = "subscription""#)],
                vec![Set("cost", r#"cost = "per-update-fee""#)],
                vec![Set("cost", "")],
            ],
            vec![vec![], no_updates],
        ),
        Check::DetailsUrl => (vec![vec![Set("details_url", "")]], vec![vec![]]),
    }
}

fn check_profile_rules(p: &Profile) {
    assert!(!p.rules.is_empty());
    for rule in &p.rules {
        let fires = |d: &Declaration| {
            p.apply(d).into_iter().any(|x| {
                x.field == rule.field
                    && x.kind == ProblemKind::Profile
                    && x.message.contains(&rule.source)
                    && x.message.contains(&p.id)
            })
        };
        let (fail, pass) = check_cases(rule.check);
        for edits in fail {
            let d = parse_ok(&edit(BASE, &edits));
            assert!(
                fires(&d),
                "{}: rule {:?} ({}) should fire",
                p.id,
                rule.check,
                rule.source
            );
            let problem = p
                .apply(&d)
                .into_iter()
                .find(|x| x.field == rule.field)
                .unwrap();
            assert_eq!(problem.expected.as_deref(), Some(rule.expected.as_str()));
        }
        for edits in pass {
            let d = parse_ok(&edit(BASE, &edits));
            assert!(
                !fires(&d),
                "{}: rule {:?} ({}) should pass",
                p.id,
                rule.check,
                rule.source
            );
        }
    }
}

#[test]
fn eu_cra_rules_fail_and_pass() {
    let p = profile::load("eu-cra").unwrap();
    let checks: Vec<Check> = p.rules.iter().map(|r| r.check).collect();
    for c in [
        Check::SecurityUpdates,
        Check::SupportEndMonthYear,
        Check::VulnerabilityContact,
        Check::AutomaticOrReason,
        Check::UpdatesFree,
        Check::DetailsUrl,
    ] {
        assert!(checks.contains(&c), "eu-cra lacks {c:?}");
    }
    check_profile_rules(&p);
}

#[test]
fn uk_psti_rules_fail_and_pass() {
    let p = profile::load("uk-psti").unwrap();
    let checks: Vec<Check> = p.rules.iter().map(|r| r.check).collect();
    assert!(
        checks.contains(&Check::SupportEndMonthYear)
            && checks.contains(&Check::VulnerabilityContact)
    );
    check_profile_rules(&p);
}

#[test]
fn us_ctm_rules_fail_and_pass() {
    let p = profile::load("us-ctm").unwrap();
    let checks: Vec<Check> = p.rules.iter().map(|r| r.check).collect();
    assert!(
        checks.contains(&Check::SecurityUpdates)
            && checks.contains(&Check::HowToGetUpdates)
            && checks.contains(&Check::SupportEndOrUnsupported)
    );
    check_profile_rules(&p);
}

#[test]
fn every_check_works_in_a_profile_written_as_data() {
    // A profile is data: one written here exercises the checks no built-in uses.
    let all = [
        "security-updates",
        "updates-free",
        "support-end-month-year",
        "support-period-defined",
        "vulnerability-contact",
        "automatic-or-reason",
        "how-to-get-updates",
        "support-end-or-unsupported",
        "details-url",
    ];
    let mut text = String::from("id = \"test\"\ntitle = \"every check\"\n");
    for (i, c) in all.iter().enumerate() {
        text += &format!(
            "[[rule]]\ncheck = \"{c}\"\nfield = \"f{i}\"\nmessage = \"m\"\nexpected = \"e{i}\"\nsource = \"Test Act s. {i}\"\n"
        );
    }
    let p: Profile = toml::from_str(&text).unwrap();
    assert_eq!(p.rules.len(), all.len());
    check_profile_rules(&p);
    assert!(p.apply(&parse_ok(BASE)).is_empty());
}

#[test]
fn unknown_profile_is_an_error() {
    assert!(profile::load("eu-cra2").is_err());
    assert_eq!(profile::ids(), vec!["eu-cra", "uk-psti", "us-ctm"]);
}

// ─────────────────────── malformed declarations ───────────────────────

struct Bad {
    name: &'static str,
    text: String,
    field: &'static str,
    /// A text on the line the problem must point at.
    line_of: &'static str,
    /// Something the message or the "expected" text must contain.
    says: &'static str,
}

fn bad(
    name: &'static str,
    edits: &[Edit<'_>],
    field: &'static str,
    line_of: &'static str,
    says: &'static str,
) -> Bad {
    Bad {
        name,
        text: edit(BASE, edits),
        field,
        line_of,
        says,
    }
}

fn malformed_cases() -> Vec<Bad> {
    vec![
        // Wrong types.
        bad(
            "bool as text",
            &[Set("security_updates", r#"security_updates = "yes""#)],
            "updates.security_updates",
            "security_updates",
            "without quotes",
        ),
        bad(
            "manufacturer as number",
            &[Set("manufacturer", "manufacturer = 42")],
            "product.manufacturer",
            "manufacturer =",
            "must be text",
        ),
        bad(
            "empty model",
            &[Set("model", r#"model = "  ""#)],
            "product.model",
            "model =",
            "non-empty",
        ),
        bad(
            "model too long",
            &[Set("model", &format!("model = \"{}\"", "X".repeat(61)))],
            "product.model",
            "model =",
            "at most 60",
        ),
        bad(
            "period as words",
            &[
                Set("end", r#"period_months = "sixty""#),
                Add("support", r#"period_from = "purchase""#),
            ],
            "support.period_months",
            "period_months",
            "whole number",
        ),
        bad(
            "period zero",
            &[
                Set("end", "period_months = 0"),
                Add("support", r#"period_from = "purchase""#),
            ],
            "support.period_months",
            "period_months",
            "from 1 to 1200",
        ),
        bad(
            "channels not a list",
            &[Set("channels", r#"channels = "app""#)],
            "notification.channels",
            "channels",
            "a list",
        ),
        bad(
            "unknown channel",
            &[Set("channels", r#"channels = ["app", "fax"]"#)],
            "notification.channels[1]",
            "channels",
            "\"email\"",
        ),
        bad(
            "channel twice",
            &[Set("channels", r#"channels = ["app", "app"]"#)],
            "notification.channels[1]",
            "channels",
            "twice",
        ),
        bad(
            "measure as number",
            &[Set("measures", "measures = [1]")],
            "security.measures[0]",
            "measures",
            "quoted name",
        ),
        bad(
            "delivery typo",
            &[Set("delivery", r#"delivery = "automatc""#)],
            "updates.delivery",
            "delivery =",
            "did you mean \"automatic\"",
        ),
        bad(
            "cost typo",
            &[Set("cost", r#"cost = "subscripton""#)],
            "updates.cost",
            "cost =",
            "did you mean \"subscription\"",
        ),
        bad(
            "commitment unknown",
            &[Set("commitment", r#"commitment = "guaranteed""#)],
            "support.commitment",
            "commitment",
            "\"minimum\"",
        ),
        bad(
            "behaviour missing",
            &[Set("behaviour", "")],
            "end_of_support.behaviour",
            "[end_of_support]",
            "keeps-working",
        ),
        bad(
            "product not a table",
            &[
                DropTable("product"),
                Set("format", "format = 1\nproduct = \"Nordlicht Therma T3\""),
            ],
            "product",
            "product =",
            "must be a table",
        ),
        // Unknown fields, with the suggestion.
        bad(
            "unknown product field",
            &[Set(
                "manufacturer",
                r#"manufacturar = "Nordlicht Home GmbH""#,
            )],
            "product.manufacturar",
            "manufacturar",
            "did you mean `manufacturer`",
        ),
        bad(
            "unknown updates field",
            &[Add("updates", r#"delivry = "automatic""#)],
            "updates.delivry",
            "delivry",
            "did you mean `delivery`",
        ),
        bad(
            "unknown support field",
            &[Add("support", "ends = \"2031-12\"")],
            "support.ends",
            "ends =",
            "did you mean `end`",
        ),
        bad(
            "unknown root key",
            &[Set("format", "formt = 1")],
            "formt",
            "formt",
            "did you mean `format`",
        ),
        bad(
            "unknown field, no suggestion",
            &[Add("security", "colour = \"blue\"")],
            "security.colour",
            "colour",
            "one of the fields",
        ),
        // Dates.
        bad(
            "month 13",
            &[Set("end", r#"end = "2030-13""#)],
            "support.end",
            "end = ",
            "does not exist",
        ),
        bad(
            "30 February",
            &[Set("end", r#"end = "2030-02-30""#)],
            "support.end",
            "end = ",
            "28 days",
        ),
        bad(
            "day/month order",
            &[Set("end", r#"end = "12/2030""#)],
            "support.end",
            "end = ",
            "YYYY-MM",
        ),
        bad(
            "one-digit month",
            &[Set("end", r#"end = "2030-1""#)],
            "support.end",
            "end = ",
            "YYYY-MM",
        ),
        bad(
            "end as number",
            &[Set("end", "end = 2030")],
            "support.end",
            "end = ",
            "must be text",
        ),
        bad(
            "end in the past",
            &[Set("end", r#"end = "2025-06""#)],
            "support.end",
            "end = ",
            "in the past",
        ),
        // GTINs.
        bad(
            "GTIN-13 check digit",
            &[Set("gtin", r#"gtin = "4260123450015""#)],
            "product.gtin",
            "gtin",
            "check digit",
        ),
        bad(
            "GTIN-8 check digit",
            &[Set("gtin", r#"gtin = "06141418""#)],
            "product.gtin",
            "gtin",
            "check digit",
        ),
        bad(
            "GTIN 11 digits",
            &[Set("gtin", r#"gtin = "42601234500""#)],
            "product.gtin",
            "gtin",
            "8, 12, 13 or 14",
        ),
        bad(
            "GTIN with a letter",
            &[Set("gtin", r#"gtin = "42601234500A4""#)],
            "product.gtin",
            "gtin",
            "digits",
        ),
        // URLs and contacts.
        bad(
            "http details URL",
            &[Set(
                "details_url",
                r#"details_url = "http://nordlicht.example/security""#,
            )],
            "product.details_url",
            "details_url",
            "https://",
        ),
        bad(
            "URL without host",
            &[Set("link_base_url", r#"link_base_url = "https:///v""#)],
            "product.link_base_url",
            "link_base_url",
            "host",
        ),
        bad(
            "http contact",
            &[Set(
                "vulnerability_contact",
                r#"vulnerability_contact = "http://nordlicht.example/psirt""#,
            )],
            "product.vulnerability_contact",
            "vulnerability_contact",
            "https://",
        ),
        bad(
            "contact without @",
            &[Set(
                "vulnerability_contact",
                r#"vulnerability_contact = "security at nordlicht.example""#,
            )],
            "product.vulnerability_contact",
            "vulnerability_contact",
            "e-mail",
        ),
        bad(
            "e-mail without domain dot",
            &[Set(
                "vulnerability_contact",
                r#"vulnerability_contact = "security@nordlicht""#,
            )],
            "product.vulnerability_contact",
            "vulnerability_contact",
            "e-mail",
        ),
        // Contradictions.
        bad(
            "no updates but delivery",
            &[Set("security_updates", "security_updates = false")],
            "updates.delivery",
            "delivery =",
            "security_updates = false",
        ),
        bad(
            "period without period_from",
            &[Set("end", "period_months = 60")],
            "support.period_from",
            "[support]",
            "purchase",
        ),
        bad(
            "format too new",
            &[Set("format", "format = 2")],
            "format",
            "format",
            "format = 1",
        ),
    ]
}

#[test]
fn malformed_declarations_name_field_line_and_what_is_accepted() {
    let cases = malformed_cases();
    assert!(cases.len() >= 25);
    for c in &cases {
        let err = match parse(&c.text) {
            Ok(_) => panic!("{}: accepted\n{}", c.name, c.text),
            Err(e) => e,
        };
        assert!(
            err.names_field(c.field),
            "{}: no problem on `{}`: {:#?}",
            c.name,
            c.field,
            err.problems()
        );
        let p = err.problems().iter().find(|p| p.field == c.field).unwrap();
        let want_line = line_of(&c.text, c.line_of);
        assert_eq!(
            p.line,
            Some(want_line),
            "{}: wrong line for {p:?}\n{}",
            c.name,
            c.text
        );
        assert!(p.column.is_some_and(|col| col >= 1), "{}: {p:?}", c.name);
        let said = format!("{} {}", p.message, p.expected.as_deref().unwrap_or(""));
        assert!(
            said.contains(c.says),
            "{}: {said:?} does not mention {:?}",
            c.name,
            c.says
        );
        // The rendered error names the file.
        assert!(
            err.to_string().starts_with("test.toml:"),
            "{}: {err}",
            c.name
        );
    }
}

#[test]
fn unknown_field_points_at_the_key_column() {
    let t = edit(BASE, &[Set("model", r#"  modle = "Therma T3""#)]);
    let err = parse_err(&t);
    let p = err
        .problems()
        .iter()
        .find(|p| p.field == "product.modle")
        .unwrap();
    assert_eq!(p.kind, ProblemKind::UnknownField);
    assert_eq!((p.line, p.column), (Some(line_of(&t, "modle")), Some(3)));
    assert!(
        p.expected
            .as_deref()
            .unwrap()
            .contains("did you mean `model`")
    );
    // The model is then missing, and that is reported too.
    assert!(err.names_field("product.model"));
}

#[test]
fn all_problems_are_reported_at_once() {
    let t = edit(
        BASE,
        &[
            Set("gtin", r#"gtin = "4260123450015""#),
            Set("delivery", r#"delivery = "automatc""#),
            Set("end", r#"end = "2030-13""#),
            Set("channels", r#"chanels = ["app"]"#),
        ],
    );
    let err = parse_err(&t);
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
    assert!(err.problems().len() >= 4, "{fields:?}");
    for f in [
        "product.gtin",
        "updates.delivery",
        "support.end",
        "notification.chanels",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    // Problems come in file order.
    let lines: Vec<usize> = err.problems().iter().map(|p| p.line.unwrap()).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
    assert!(
        err.to_string()
            .contains(&format!("{} problems", err.problems().len()))
    );
}

#[test]
fn readable_file_with_consistency_and_read_problems_reports_both() {
    // An unknown field (read) and a past end date (consistency) in one file.
    let t = edit(
        BASE,
        &[
            Add("product", r#"colour = "white""#),
            Set("end", r#"end = "2024-01""#),
        ],
    );
    let err = parse_err(&t);
    assert!(
        err.names_field("product.colour") && err.names_field("support.end"),
        "{:#?}",
        err.problems()
    );
}

#[test]
fn json_problems_name_the_field() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/doorbell.json");
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut v = good.clone();
    v["product"]["gtn"] = "4260123450014".into();
    v["updates"]["security_updates"] = "true".into();
    v["support"]["end"] = "2030-02-30".into();
    let text = serde_json::to_string_pretty(&v).unwrap();
    let err = declaration::parse_str(&text, Format::Json, "bad.json", &opts()).unwrap_err();
    for f in ["product.gtn", "updates.security_updates", "support.end"] {
        assert!(err.names_field(f), "{f}: {:#?}", err.problems());
    }
    let gtn = err
        .problems()
        .iter()
        .find(|p| p.field == "product.gtn")
        .unwrap();
    assert!(
        gtn.expected
            .as_deref()
            .unwrap()
            .contains("did you mean `gtin`")
    );
    // The same value through the JSONL entry point.
    let err = declaration::from_json_value(v, "row 3", &opts()).unwrap_err();
    assert!(err.names_field("support.end"));
    assert!(declaration::from_json_value(good, "row 1", &opts()).is_ok());
}

#[test]
fn syntax_errors_are_typed_not_panics() {
    for (text, format) in [
        ("[product\nmanufacturer = 1", Format::Toml),
        ("manufacturer = \"unterminated", Format::Toml),
        ("{\"product\": ", Format::Json),
        ("", Format::Json),
    ] {
        let err = declaration::parse_str(text, format, "broken", &opts()).unwrap_err();
        assert!(matches!(err, ReadError::Syntax { .. }), "{err:?}");
        assert!(err.problems().is_empty());
    }
    // Not a table at the root, and an empty TOML file: problems, not panics.
    let err = declaration::parse_str("[1, 2]", Format::Json, "list.json", &opts()).unwrap_err();
    assert!(err.names_field(""));
    let err = declaration::parse_str("", Format::Toml, "empty.toml", &opts()).unwrap_err();
    assert!(err.names_field("product") && err.names_field("updates"));
}

#[test]
fn missing_file_is_an_io_error() {
    let err = declaration::load(Path::new("/nonexistent/decl.toml"), &opts()).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::File(iotlabel::fsutil::ReadError::NotFound { .. })
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "/nonexistent/decl.toml: no such file");
}

#[test]
fn toml_date_literal_is_read_as_a_date() {
    // An unquoted TOML date is what people type; it means the same as the quoted form.
    let d = parse_ok(&edit(BASE, &[Set("end", "end = 2031-12-31")]));
    assert_eq!(
        d.support_end(),
        Some(SupportEnd::Until(YearMonth {
            year: 2031,
            month: 12
        }))
    );
}

/// Follows `$ref`s and `Option`'s `anyOf [T, null]` to the object schema of a table.
fn schema_object<'a>(
    root: &'a serde_json::Value,
    node: &'a serde_json::Value,
) -> &'a serde_json::Value {
    if let Some(r) = node.get("$ref").and_then(|r| r.as_str()) {
        let name = r.rsplit('/').next().unwrap();
        return schema_object(root, &root["$defs"][name]);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(list) = node.get(key).and_then(|l| l.as_array())
            && let Some(obj) = list.iter().find(|n| n.get("type") != Some(&"null".into()))
        {
            return schema_object(root, obj);
        }
    }
    node
}

/// (every field path, the required ones) of the schema, `section.key` for tables.
fn schema_fields(schema: &serde_json::Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut all, mut required) = (BTreeSet::new(), BTreeSet::new());
    let req = |node: &serde_json::Value| -> BTreeSet<String> {
        node.get("required")
            .and_then(|r| r.as_array())
            .map(|r| r.iter().map(|x| x.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let top = schema_object(schema, schema);
    let top_req = req(top);
    for (name, node) in top["properties"].as_object().expect("top-level properties") {
        all.insert(name.clone());
        if top_req.contains(name) {
            required.insert(name.clone());
        }
        let obj = schema_object(schema, node);
        if let Some(props) = obj.get("properties").and_then(|p| p.as_object()) {
            let r = req(obj);
            for key in props.keys() {
                let path = format!("{name}.{key}");
                if r.contains(key) {
                    required.insert(path.clone());
                }
                all.insert(path);
            }
        }
    }
    (all, required)
}

#[test]
fn schema_and_template_match_the_reader() {
    // The template `iotlabel init` writes is itself a valid declaration.
    let d = declaration::parse_str(declaration::TEMPLATE, Format::Toml, "template", &opts());
    assert!(d.is_ok(), "{:?}", d.err().map(|e| e.problems().to_vec()));

    // The schema has exactly the fields of the documented format, and marks required
    // exactly those the field tables of docs/declaration.md mark **required** (a
    // substring search over the schema text would accept a key anywhere, even inside
    // a description).
    let schema = declaration::json_schema();
    let (all, required) = schema_fields(&schema);
    let (mut doc_all, mut doc_required) = (BTreeSet::new(), BTreeSet::new());
    let d = doc();
    let fields = &d[d.find("## Fields").unwrap()..d.find("## Codes").unwrap()];
    for row in fields.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let path = cells[1].trim_matches('`').to_string();
        if cells[3].starts_with("**required**") {
            doc_required.insert(path.clone());
        }
        doc_all.insert(path);
    }
    assert_eq!(
        all, doc_all,
        "schema fields vs docs/declaration.md field tables"
    );
    assert_eq!(required, doc_required, "required fields: schema vs docs");
    // Every field the schema names is accepted by the reader: the thermostat sample
    // uses most of them, and an unknown key is refused.
    assert!(all.contains("product.link_base_url") && all.contains("security.standards"));
    let unknown = declaration::parse_str(
        &format!("{BASE}\n[extra]\nx = 1\n"),
        Format::Toml,
        "t.toml",
        &opts(),
    );
    assert!(unknown.is_err());
}

// ─────────────────────── the documentation matches ───────────────────────

fn doc() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/declaration.md"))
        .unwrap()
}

fn assert_documented<T: Coded>(doc: &str) {
    for v in T::ALL {
        let row = format!("| {} | `{}` |", v.code(), v.name());
        assert!(
            doc.contains(&row),
            "docs/declaration.md lacks the {} row {row}",
            T::WHAT
        );
    }
}

#[test]
fn docs_list_every_code() {
    let d = doc();
    assert_documented::<Delivery>(&d);
    assert_documented::<UserAction>(&d);
    assert_documented::<Cost>(&d);
    assert_documented::<PeriodStart>(&d);
    assert_documented::<Commitment>(&d);
    assert_documented::<Channel>(&d);
    assert_documented::<Schedule>(&d);
    assert_documented::<EosBehaviour>(&d);
    assert_documented::<EosOffer>(&d);
    assert_documented::<Measure>(&d);
    assert_documented::<Standard>(&d);
}

#[test]
fn docs_name_every_profile_rule_and_its_source() {
    let d = doc();
    for id in profile::ids() {
        let p = profile::load(id).unwrap();
        assert!(d.contains(&format!("`{id}`")), "docs lack profile {id}");
        for r in &p.rules {
            assert!(
                d.contains(&format!("| `{}` |", r.field)),
                "docs lack field {} of {id}",
                r.field
            );
            assert!(
                d.contains(&format!("| {} |", r.source)),
                "docs lack source {:?} of {id}",
                r.source
            );
        }
    }
}

#[test]
fn docs_example_is_the_thermostat_sample() {
    // The annotated example is the shipped sample with comments added.
    let strip = |t: &str| -> Vec<String> {
        t.lines()
            .map(|l| match l.find(" #") {
                Some(i) if !l.trim_start().starts_with('#') => l[..i].trim_end().to_string(),
                _ => l.trim_end().to_string(),
            })
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    };
    let d = doc();
    let start = d.find("```toml\nformat = 1").unwrap() + "```toml\n".len();
    let example = &d[start..start + d[start..].find("```").unwrap()];
    let sample = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/thermostat.toml"),
    )
    .unwrap();
    let ex = strip(example);
    for line in strip(&sample) {
        if line.starts_with("note =") {
            continue;
        }
        assert!(ex.contains(&line), "docs example lacks {line:?}");
    }
    parse_ok(example);
}
