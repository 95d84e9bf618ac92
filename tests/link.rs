//! Link text: digit packing, base URLs, GTINs and link parsing, including hostile input.
//!
//! Digit groups are checked against an independent computation with u128 arithmetic
//! (not against strings the encoder produced), and the parser is attacked with random
//! and mutated input.

use iotlabel::link::*;
use proptest::prelude::*;

/// An input and a check on the error it must produce.
type Case<S> = (S, fn(&LinkError) -> bool);

/// Independent reference for one group: big-endian integer, zero-padded to the
/// number of digits of 2^(8k) − 1.
fn reference_digits(bytes: &[u8]) -> String {
    bytes
        .chunks(7)
        .map(|c| {
            let v = c.iter().fold(0u128, |a, &b| a * 256 + b as u128);
            let width = ((1u128 << (8 * c.len())) - 1).to_string().len();
            format!("{v:0width$}")
        })
        .collect()
}

/// A stand-in COSE_Sign1 of realistic size: starts with 0x84 like the real thing.
fn fake_cose(len: usize) -> Vec<u8> {
    let mut v: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
    v[0] = 0x84;
    v
}

#[test]
fn worked_examples_from_the_spec() {
    // The worked examples of docs/payload.md ("Worked examples"), computed by hand
    // there; `docs_worked_examples_match_the_encoder` reads that table itself.
    assert_eq!(encode_digits(&[0x84]), "132");
    assert_eq!(encode_digits(&[0x00]), "000");
    assert_eq!(encode_digits(&[0xff, 0xff]), "65535");
    assert_eq!(
        encode_digits(&[0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]),
        "00283686952306183"
    );
    assert_eq!(encode_digits(&[0xff; 7]), "72057594037927935");
    assert_eq!(
        encode_digits(&[0x84, 0x43, 0xa1, 0x01, 0x32, 0xa0, 0x58, 0x4d, 0xa6]),
        "3722905571469730419878"
    );
    assert_eq!(encode_digits(&[]), "");
}

#[test]
fn docs_worked_examples_match_the_encoder() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/payload.md"),
    )
    .unwrap();
    let at = doc
        .find("| bytes (hex) | groups | digits |")
        .expect("docs/payload.md lacks the worked examples");
    let mut rows = 0;
    for row in doc[at..].lines().skip(2).take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let bytes: Vec<u8> = cells[1]
            .trim_matches('`')
            .split(' ')
            .map(|h| u8::from_str_radix(h, 16).unwrap())
            .collect();
        let digits = cells[3].trim_matches('`');
        assert_eq!(encode_digits(&bytes), digits, "{row}");
        assert_eq!(reference_digits(&bytes), digits, "{row}");
        assert_eq!(decode_digits(digits).unwrap(), bytes, "{row}");
        rows += 1;
    }
    assert_eq!(rows, 6);
}

#[test]
fn digits_match_reference_for_every_partial_length() {
    for len in 0..=30 {
        let bytes: Vec<u8> = (0..len).map(|i| (0xff - i * 7) as u8).collect();
        assert_eq!(encode_digits(&bytes), reference_digits(&bytes), "len {len}");
        assert_eq!(encode_digits(&bytes).len(), digits_len(len as usize));
    }
}

#[test]
fn leading_zero_bytes_survive() {
    let bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    assert_eq!(decode_digits(&encode_digits(&bytes)).unwrap(), bytes);
}

#[test]
fn decode_rejects_bad_lengths() {
    assert_eq!(decode_digits(""), Err(LinkError::Empty));
    for len in [1, 2, 4, 6, 7, 9, 11, 12, 14, 16, 18, 19] {
        let s = "0".repeat(len);
        assert!(
            matches!(decode_digits(&s), Err(LinkError::InvalidLength { .. })),
            "length {len} must be rejected"
        );
    }
    for len in [3, 5, 8, 10, 13, 15, 17, 20, 34] {
        assert!(
            decode_digits(&"0".repeat(len)).is_ok(),
            "length {len} is valid"
        );
    }
}

#[test]
fn decode_rejects_impossible_groups() {
    // 256 does not fit in one byte.
    assert_eq!(
        decode_digits("256"),
        Err(LinkError::ImpossibleGroup {
            index: 1,
            start: 1,
            end: 3,
            value: 256,
            bytes: 1,
            max: 255
        })
    );
    // 2^56 in a full group (second group).
    let s = format!("{}{}", "0".repeat(17), 1u64 << 56);
    let err = decode_digits(&s).unwrap_err();
    assert!(matches!(
        err,
        LinkError::ImpossibleGroup {
            index: 2,
            start: 18,
            end: 34,
            bytes: 7,
            ..
        }
    ));
    let msg = err.to_string();
    assert!(
        msg.contains("group 2") && msg.contains(&(1u64 << 56).to_string()),
        "{msg}"
    );
    assert!(decode_digits("99999999999999999").is_err());
    assert!(decode_digits("65536").is_err());
    assert_eq!(decode_digits("65535").unwrap(), vec![0xff, 0xff]);
}

#[test]
fn decode_names_bad_characters() {
    assert_eq!(
        decode_digits("12a"),
        Err(LinkError::InvalidDigit {
            ch: 'a',
            position: 3
        })
    );
    assert_eq!(
        decode_digits("1 2"),
        Err(LinkError::InvalidDigit {
            ch: ' ',
            position: 2
        })
    );
    assert_eq!(
        decode_digits("१२३"),
        Err(LinkError::InvalidDigit {
            ch: '१',
            position: 1
        })
    );
    let msg = decode_digits("00x").unwrap_err().to_string();
    assert!(
        msg.contains("'x'") && msg.contains("position 3") && msg.contains("0-9"),
        "{msg}"
    );
}

#[test]
fn base_url_normalises_scheme_and_host_only() {
    let b = BaseUrl::parse("HTTPS://Acme.EXAMPLE/U/Label").unwrap();
    assert_eq!(b.to_string(), "https://acme.example/U/Label");
    assert_eq!(b.host(), "acme.example");
    assert_eq!(b.path(), "/U/Label");
    assert_eq!(
        BaseUrl::parse("https://acme.example").unwrap().to_string(),
        "https://acme.example"
    );
    assert_eq!(
        BaseUrl::parse("https://acme.example/").unwrap().to_string(),
        "https://acme.example/"
    );
    assert_eq!(
        BaseUrl::parse("https://acme.example:8443/u")
            .unwrap()
            .to_string(),
        "https://acme.example:8443/u"
    );
    assert_eq!(
        BaseUrl::parse("https://acme.example:443/u")
            .unwrap()
            .to_string(),
        "https://acme.example/u"
    );
    assert_eq!(
        BaseUrl::parse("https://xn--bcher-kva.example/%7Eu")
            .unwrap()
            .to_string(),
        "https://xn--bcher-kva.example/%7Eu"
    );
}

#[test]
fn base_url_rejects_what_it_should() {
    let cases: &[Case<&str>] = &[
        ("http://acme.example/u", |e| {
            matches!(e, LinkError::NotHttps { .. })
        }),
        ("ftp://acme.example/u", |e| {
            matches!(e, LinkError::NotHttps { .. })
        }),
        ("acme.example/u", |e| {
            matches!(e, LinkError::MissingScheme { .. })
        }),
        ("https://acme.example/u?x=1", |e| {
            matches!(e, LinkError::QueryNotAllowed { .. })
        }),
        ("https://acme.example/u#x", |e| {
            matches!(e, LinkError::FragmentNotAllowed { .. })
        }),
        ("https://me@acme.example/u", |e| {
            matches!(e, LinkError::Userinfo { .. })
        }),
        ("https://acme_co.example/u", |e| {
            matches!(e, LinkError::InvalidHost { .. })
        }),
        ("https://bücher.example/u", |e| {
            matches!(e, LinkError::InvalidHost { .. })
        }),
        ("https://-acme.example/", |e| {
            matches!(e, LinkError::InvalidHost { .. })
        }),
        ("https://acme..example/", |e| {
            matches!(e, LinkError::InvalidHost { .. })
        }),
        ("https:///u", |e| matches!(e, LinkError::InvalidHost { .. })),
        ("https://[::1]/u", |e| {
            matches!(e, LinkError::InvalidHost { .. })
        }),
        ("https://acme.example:0/u", |e| {
            matches!(e, LinkError::InvalidPort { .. })
        }),
        ("https://acme.example:99999/u", |e| {
            matches!(e, LinkError::InvalidPort { .. })
        }),
        ("https://acme.example:/u", |e| {
            matches!(e, LinkError::InvalidPort { .. })
        }),
        ("https://acme.example/a b", |e| {
            matches!(
                e,
                LinkError::InvalidPath {
                    ch: ' ',
                    position: 3,
                    ..
                }
            )
        }),
        ("https://acme.example/%zz", |e| {
            matches!(e, LinkError::InvalidPath { ch: '%', .. })
        }),
        ("https://acme.example/ü", |e| {
            matches!(e, LinkError::InvalidPath { .. })
        }),
    ];
    for (input, check) in cases {
        let err = BaseUrl::parse(input).unwrap_err();
        assert!(check(&err), "{input}: got {err:?}");
    }
    assert!(
        BaseUrl::parse("http://acme.example/u")
            .unwrap_err()
            .to_string()
            .contains("https")
    );
}

#[test]
fn gtin_check_digits() {
    // Examples from GS1 material: GTIN-13 4006381333931, GTIN-12 036000291452,
    // GTIN-8 96385074, GTIN-14 10614141000415 (GS1 Digital Link examples).
    assert!(gtin_check_digit_ok("4006381333931"));
    assert!(gtin_check_digit_ok("036000291452"));
    assert!(gtin_check_digit_ok("96385074"));
    assert!(gtin_check_digit_ok("10614141000415"));
    assert!(!gtin_check_digit_ok("4006381333932"));
    assert!(!gtin_check_digit_ok(""));
    assert!(!gtin_check_digit_ok("40063813339x1"));
    assert_eq!(gtin14("4006381333931").unwrap(), "04006381333931");
    assert_eq!(gtin14("036000291452").unwrap(), "00036000291452");
    assert_eq!(gtin14("96385074").unwrap(), "00000096385074");
    assert_eq!(gtin14("10614141000415").unwrap(), "10614141000415");
    assert_eq!(
        gtin14("4006381333932"),
        Err(LinkError::GtinCheckDigit {
            gtin: "4006381333932".into(),
            found: '2',
            expected: '1'
        })
    );
    assert!(matches!(gtin14("123"), Err(LinkError::GtinFormat { .. })));
    assert!(matches!(
        gtin14("1234567890123456"),
        Err(LinkError::GtinFormat { .. })
    ));
    assert!(matches!(
        gtin14("40063813339a1"),
        Err(LinkError::GtinFormat { .. })
    ));
}

#[test]
fn gs1_digital_link_base() {
    let r = BaseUrl::parse("https://id.gs1.example/").unwrap();
    let b = BaseUrl::gs1(&r, "4006381333931").unwrap();
    assert_eq!(b.to_string(), "https://id.gs1.example/01/04006381333931");
    let r = BaseUrl::parse("https://acme.example/dl").unwrap();
    assert_eq!(
        BaseUrl::gs1(&r, "10614141000415").unwrap().to_string(),
        "https://acme.example/dl/01/10614141000415"
    );
    assert!(BaseUrl::gs1(&r, "10614141000416").is_err());
}

#[test]
fn link_round_trips_in_both_forms() {
    let base = BaseUrl::parse("https://acme.example/u").unwrap();
    let cose = fake_cose(125);
    let digits = format_link(&base, &cose, PayloadForm::Digits);
    assert!(digits.starts_with("https://acme.example/u#"));
    assert_eq!(
        digits.len(),
        "https://acme.example/u#".len() + digits_len(125)
    );
    let p = parse_link(&digits).unwrap();
    assert_eq!(p.cose, cose);
    assert_eq!(p.form, PayloadForm::Digits);
    assert_eq!(p.base, Some(base.clone()));
    assert_eq!(p.gtin14, None);

    let b64 = format_link(&base, &cose, PayloadForm::Base64Url);
    assert!(
        b64.starts_with("https://acme.example/u#h"),
        "COSE base64url starts with h: {b64}"
    );
    let p = parse_link(&b64).unwrap();
    assert_eq!(p.cose, cose);
    assert_eq!(p.form, PayloadForm::Base64Url);
}

#[test]
fn parse_accepts_what_people_paste() {
    let cose = fake_cose(40);
    let digits = encode_digits(&cose);
    // Bare digits with surrounding whitespace.
    let p = parse_link(&format!("\n  {digits}\r\n")).unwrap();
    assert_eq!((p.base, p.cose.clone()), (None, cose.clone()));
    // Upper-case scheme and host.
    let p = parse_link(&format!("HTTPS://ACME.EXAMPLE/U#{digits}")).unwrap();
    assert_eq!(p.base.unwrap().to_string(), "https://acme.example/U");
    assert_eq!(p.cose, cose);
    // GS1 Digital Link.
    let p = parse_link(&format!("https://id.example/01/04006381333931#{digits}")).unwrap();
    assert_eq!(p.gtin14.as_deref(), Some("04006381333931"));
    let p = parse_link(&format!(
        "https://id.example/x/01/96385074/10/LOT1#{digits}"
    ))
    .unwrap();
    assert_eq!(p.gtin14.as_deref(), Some("00000096385074"));
    // A date-like path is not a GTIN.
    let p = parse_link(&format!("https://id.example/2024/01/15#{digits}")).unwrap();
    assert_eq!(p.gtin14, None);
}

#[test]
fn parse_rejects_malformed_links() {
    let digits = encode_digits(&fake_cose(40));
    let cases: Vec<Case<String>> = vec![
        ("".into(), |e| matches!(e, LinkError::Empty)),
        ("   \n".into(), |e| matches!(e, LinkError::Empty)),
        ("https://acme.example/u".into(), |e| {
            matches!(e, LinkError::MissingFragment)
        }),
        ("https://acme.example/u#".into(), |e| {
            matches!(e, LinkError::EmptyFragment)
        }),
        (format!("https://acme.example/u#{digits}&x=1"), |e| {
            matches!(e, LinkError::TrailingJunk { ch: '&', .. })
        }),
        (
            format!("https://acme.example/u#{}", &digits[..digits.len() - 1]),
            |e| matches!(e, LinkError::InvalidLength { .. }),
        ),
        (format!("{} {}", &digits[..17], &digits[17..]), |e| {
            matches!(
                e,
                LinkError::InvalidDigit {
                    ch: ' ',
                    position: 18
                }
            )
        }),
        (
            format!("https://acme.example/u#{} {}", &digits[..17], &digits[17..]),
            |e| {
                matches!(
                    e,
                    LinkError::TrailingJunk {
                        ch: ' ',
                        position: 18
                    }
                )
            },
        ),
        ("https://acme.example/u#hE!x".into(), |e| {
            matches!(e, LinkError::InvalidBase64 { .. })
        }),
        ("https://acme.example/u#hEOh=".into(), |e| {
            matches!(e, LinkError::InvalidBase64 { .. })
        }),
        ("https://acme.example/u#hEOhA".into(), |e| {
            matches!(e, LinkError::InvalidBase64 { .. })
        }),
        (format!("http://acme.example/u#{digits}"), |e| {
            matches!(e, LinkError::NotHttps { .. })
        }),
        (format!("https://acme.example/u?a=1#{digits}"), |e| {
            matches!(e, LinkError::QueryNotAllowed { .. })
        }),
        (
            format!("https://id.example/01/04006381333932#{digits}"),
            |e| matches!(e, LinkError::GtinCheckDigit { .. }),
        ),
        ("hello".into(), |e| matches!(e, LinkError::NotALink { .. })),
    ];
    for (input, check) in cases {
        let err = parse_link(&input).unwrap_err();
        assert!(check(&err), "{input:?}: got {err:?}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn junk_message_says_what_is_accepted() {
    let msg = parse_link("https://a.example/#132&x=1")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("'&'") && msg.contains("0-9"), "{msg}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn digits_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let s = encode_digits(&bytes);
        prop_assert_eq!(&s, &reference_digits(&bytes));
        if bytes.is_empty() {
            prop_assert_eq!(decode_digits(&s), Err(LinkError::Empty));
        } else {
            prop_assert_eq!(decode_digits(&s).unwrap(), bytes);
        }
    }

    #[test]
    fn link_round_trip(mut bytes in proptest::collection::vec(any::<u8>(), 1..300), b64: bool) {
        bytes[0] = 0x84;
        let base = BaseUrl::parse("https://acme.example/u").unwrap();
        let form = if b64 { PayloadForm::Base64Url } else { PayloadForm::Digits };
        let p = parse_link(&format_link(&base, &bytes, form)).unwrap();
        prop_assert_eq!(p.cose, bytes);
        prop_assert_eq!(p.form, form);
    }

    #[test]
    fn random_strings_never_panic(s in "\\PC*") {
        let _ = parse_link(&s);
        let _ = decode_digits(&s);
        let _ = BaseUrl::parse(&s);
        let _ = gtin14(&s);
        let _ = gtin_check_digit_ok(&s);
    }

    #[test]
    fn digit_like_strings_never_panic(s in "[0-9 #a-z/:.&=]{0,80}") {
        let _ = parse_link(&s);
        let _ = decode_digits(&s);
    }

    #[test]
    fn mutated_links_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 1..160),
        b64: bool,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<char>(), 0u8..3), 1..6),
    ) {
        let base = BaseUrl::parse("https://acme.example/u").unwrap();
        let form = if b64 { PayloadForm::Base64Url } else { PayloadForm::Digits };
        let mut chars: Vec<char> = format_link(&base, &bytes, form).chars().collect();
        for (idx, ch, op) in edits {
            let i = idx.index(chars.len().max(1));
            match op {
                0 if i < chars.len() => chars[i] = ch,
                1 => chars.insert(i.min(chars.len()), ch),
                _ if i < chars.len() => { chars.remove(i); }
                _ => {}
            }
        }
        let s: String = chars.into_iter().collect();
        let _ = parse_link(&s);
    }

    #[test]
    fn single_digit_changes_are_caught_or_change_the_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 1..60),
        idx: prop::sample::Index,
        d in 0u8..10,
    ) {
        let mut s = encode_digits(&bytes).into_bytes();
        let i = idx.index(s.len());
        s[i] = b'0' + d;
        let s = String::from_utf8(s).unwrap();
        match decode_digits(&s) {
            Ok(out) => prop_assert_eq!(out == bytes, s == encode_digits(&bytes)),
            Err(e) => { let is_group_error = matches!(e, LinkError::ImpossibleGroup { .. }); prop_assert!(is_group_error); }
        }
    }
}
