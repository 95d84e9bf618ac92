//! NFC: NDEF messages and Type 2 tag images round-trip through our parser and through an
//! independent one (Python `ndeflib`), fit exactly up to each tag's capacity, and the
//! parser never panics on hostile bytes.

use base64::Engine;
use iotlabel::nfc::{
    NfcContent, NfcError, TagType, hex_dump, ndef_message, needed_bytes, parse, parse_any,
    parse_hex, tag_image, user_area,
};
use proptest::prelude::*;
use std::path::Path;
use std::process::Command;

/// Deterministic stand-in for a ~120-byte COSE_Sign1 (the bytes are opaque to NFC).
fn fake_cose(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// The link as the QR carries it, with the COSE bytes base64url-encoded in the fragment.
fn link_for(cose: &[u8]) -> String {
    format!(
        "https://updates.example.com/d#{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(cose)
    )
}

/// A URI of the form `https://` + `n` ASCII characters.
fn uri_with_rest(n: usize) -> String {
    format!("https://{}", "a".repeat(n))
}

/// A message of exactly `n` bytes (n >= 6), built from a URI record and, where the URI
/// alone cannot hit `n` (the short/long record jump), a COSE record.
fn message_of_len(n: usize) -> Vec<u8> {
    for rest in 0..n {
        let m = ndef_message(&uri_with_rest(rest), None).unwrap();
        if m.len() == n {
            return m;
        }
    }
    for c in 0..n {
        let m = ndef_message("https://a", Some(&fake_cose(c))).unwrap();
        if m.len() == n {
            return m;
        }
    }
    panic!("no message of {n} bytes");
}

#[test]
fn message_round_trips_uri_and_cose() {
    let cose = fake_cose(120);
    let link = link_for(&cose);
    for with_cose in [false, true] {
        let msg = ndef_message(&link, with_cose.then_some(cose.as_slice())).unwrap();
        let got = parse(&msg).unwrap();
        assert_eq!(
            got,
            NfcContent {
                uri: Some(link.clone()),
                cose: with_cose.then(|| cose.clone())
            }
        );
    }
}

#[test]
fn uri_record_uses_https_prefix_code_and_flags() {
    let msg = ndef_message("https://example.com/x", None).unwrap();
    // MB|ME|SR + TNF 1, type length 1, payload length, "U", code 0x04, rest.
    assert_eq!(&msg[..5], &[0xD1, 0x01, 1 + 13, b'U', 0x04]);
    assert_eq!(&msg[5..], b"example.com/x");

    let two = ndef_message("https://example.com/x", Some(&[1, 2, 3])).unwrap();
    assert_eq!(two[0], 0x91, "first record: MB|SR, TNF 1, no ME");
    let second = &two[msg.len()..];
    assert_eq!(second[0], 0x52, "second record: ME|SR, TNF 2");
    assert_eq!(second[1] as usize, iotlabel::nfc::COSE_MIME_TYPE.len());
    assert_eq!(second[2], 3);
}

#[test]
fn every_uri_prefix_code_round_trips() {
    for uri in [
        "http://www.a",
        "https://www.a",
        "http://a",
        "tel:+1",
        "mailto:x@y",
        "urn:nfc:x",
        "urn:epc:raw:1",
        "custom:thing",
        "HTTPS://UPPER",
    ] {
        let got = parse(&ndef_message(uri, None).unwrap()).unwrap();
        assert_eq!(got.uri.as_deref(), Some(uri));
    }
}

#[test]
fn empty_uri_is_rejected() {
    assert_eq!(ndef_message("", None), Err(NfcError::EmptyUri));
}

#[test]
fn tag_images_for_each_tag_type() {
    // The capability-container bytes are the NXP NTAG213/215/216 datasheet's
    // (E1 10 size 00, size = data area / 8). A signed link does not fit an NTAG213, so
    // that tag gets a shorter link that does: every tag's CC byte is asserted.
    for (tag, cc, cose_len) in [
        (TagType::Ntag213, 0x12, 60),
        (TagType::Ntag215, 0x3E, 120),
        (TagType::Ntag216, 0x6D, 120),
    ] {
        let cose = fake_cose(cose_len);
        let link = link_for(&cose);
        let msg = ndef_message(&link, None).unwrap();
        let img = tag_image(&msg, tag).unwrap_or_else(|e| panic!("{tag}: {e}"));
        assert_eq!(img.len(), 16 + tag.user_memory());
        assert_eq!(usize::from(cc) * 8, tag.ndef_capacity());
        assert_eq!(&img[12..16], &[0xE1, 0x10, cc, 0x00]);
        // BCC0 = CT ^ UID0..2, BCC1 = UID3..6 (NTAG21x datasheet).
        assert_eq!(img[3], 0x88 ^ img[0] ^ img[1] ^ img[2]);
        assert_eq!(img[8], img[4] ^ img[5] ^ img[6] ^ img[7]);
        assert_eq!(&img[16..], user_area(&msg, tag).unwrap().as_slice());
        assert_eq!(parse(&img).unwrap().uri.as_deref(), Some(link.as_str()));
        // A dump taken from page 4 on parses the same.
        assert_eq!(
            parse(&img[16..]).unwrap().uri.as_deref(),
            Some(link.as_str())
        );
    }
}

#[test]
fn signed_link_does_not_fit_ntag213_and_says_which_tag_does() {
    let cose = fake_cose(120);
    let msg = ndef_message(&link_for(&cose), Some(&cose)).unwrap();
    let err = tag_image(&msg, TagType::Ntag213).unwrap_err();
    let needed = needed_bytes(msg.len());
    assert_eq!(
        err,
        NfcError::TooLarge {
            needed,
            available: 144,
            tag: TagType::Ntag213,
            smallest_fitting: Some(TagType::Ntag215)
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "the NDEF message needs {needed} bytes of tag memory but an NTAG213 has 144; \
             the smallest tag that fits is NTAG215 (496 bytes)"
        )
    );
}

#[test]
fn capacity_boundary_for_each_tag() {
    // (tag, largest message that fits = capacity - TLV header - terminator, next tag up)
    let cases = [
        (TagType::Ntag213, 144 - 2 - 1, Some(TagType::Ntag215)),
        (TagType::Ntag215, 496 - 4 - 1, Some(TagType::Ntag216)),
        (TagType::Ntag216, 872 - 4 - 1, None),
    ];
    for (tag, max, next) in cases {
        let fits = message_of_len(max);
        let img = tag_image(&fits, tag).unwrap();
        assert_eq!(img.len(), 16 + tag.user_memory());
        // The terminator is the last byte of the CC's data area; padding follows up to
        // the end of user memory.
        assert_eq!(img[16 + tag.ndef_capacity() - 1], 0xFE, "{tag}");
        assert!(
            img[16 + tag.ndef_capacity()..].iter().all(|&b| b == 0),
            "{tag}"
        );
        assert!(parse(&img).unwrap().uri.is_some());

        let over = message_of_len(max + 1);
        let err = tag_image(&over, tag).unwrap_err();
        assert_eq!(
            err,
            NfcError::TooLarge {
                needed: tag.ndef_capacity() + 1,
                available: tag.ndef_capacity(),
                tag,
                smallest_fitting: next,
            },
            "{tag}"
        );
        let text = err.to_string();
        assert!(
            text.contains(&format!("needs {} bytes", tag.ndef_capacity() + 1)),
            "{text}"
        );
        assert!(
            text.contains(&format!("{tag} has {}", tag.ndef_capacity())),
            "{text}"
        );
        match next {
            Some(n) => assert!(text.contains(&format!("{n} ({} bytes)", n.ndef_capacity()))),
            None => assert!(text.contains("no NTAG21x is large enough"), "{text}"),
        }
        assert_eq!(user_area(&over, tag).unwrap_err(), err);
    }
}

#[test]
fn tlv_length_switches_to_three_bytes_at_255() {
    let m254 = message_of_len(254);
    let area = user_area(&m254, TagType::Ntag215).unwrap();
    assert_eq!(&area[..2], &[0x03, 254]);
    assert_eq!(&area[2..256], m254.as_slice());
    assert_eq!(area[256], 0xFE);
    assert_eq!(needed_bytes(254), 257);

    let m255 = message_of_len(255);
    let area = user_area(&m255, TagType::Ntag215).unwrap();
    assert_eq!(&area[..4], &[0x03, 0xFF, 0x00, 0xFF]);
    assert_eq!(&area[4..259], m255.as_slice());
    assert_eq!(area[259], 0xFE);
    assert_eq!(needed_bytes(255), 260);
    for m in [m254, m255] {
        let img = tag_image(&m, TagType::Ntag215).unwrap();
        assert!(parse(&img).unwrap().uri.is_some());
    }
}

#[test]
fn record_switches_to_long_form_above_255_payload_bytes() {
    // URI payload = 1 prefix byte + rest.
    let short = ndef_message(&uri_with_rest(254), None).unwrap();
    assert_eq!(short[0], 0xD1, "SR set");
    assert_eq!(short[2], 255);
    assert_eq!(short.len(), 3 + 1 + 255);

    let long = ndef_message(&uri_with_rest(255), None).unwrap();
    assert_eq!(long[0], 0xC1, "SR clear");
    assert_eq!(&long[2..6], &[0, 0, 1, 0]);
    assert_eq!(long.len(), 6 + 1 + 256);
    assert_eq!(parse(&short).unwrap().uri, Some(uri_with_rest(254)));
    assert_eq!(parse(&long).unwrap().uri, Some(uri_with_rest(255)));

    let cose_short = ndef_message("https://a", Some(&fake_cose(255))).unwrap();
    let cose_long = ndef_message("https://a", Some(&fake_cose(256))).unwrap();
    assert_eq!(cose_short[6] & 0x10, 0x10);
    assert_eq!(cose_long[6] & 0x10, 0);
    assert_eq!(parse(&cose_long).unwrap().cose, Some(fake_cose(256)));
}

#[test]
fn hex_dump_reads_back() {
    let cose = fake_cose(120);
    let msg = ndef_message(&link_for(&cose), Some(&cose)).unwrap();
    let img = tag_image(&msg, TagType::Ntag215).unwrap();
    let text = hex_dump(&img);
    assert_eq!(
        text.lines().filter(|l| l.starts_with("page")).count(),
        img.len() / 4
    );
    assert!(
        text.contains("page   3: e1 10 3e 00 | capability container"),
        "{text}"
    );
    assert!(text.contains("NDEF TLV at byte 16"), "{text}");
    assert_eq!(parse_hex(&text).unwrap(), img);
    assert_eq!(parse_any(text.as_bytes()).unwrap().cose, Some(cose));
    // Plain hex, with or without spaces, is accepted too.
    assert_eq!(
        parse_hex("d1 01 02\n5504 61").unwrap(),
        vec![0xD1, 1, 2, 0x55, 4, 0x61]
    );
    assert!(matches!(
        parse_hex("page 1: zz"),
        Err(NfcError::InvalidHex { line: 1, .. })
    ));
    assert!(matches!(
        parse_hex("# only a comment\n"),
        Err(NfcError::InvalidHex { .. })
    ));
}

#[test]
fn malformed_input_gives_typed_errors() {
    let good = ndef_message("https://a.b", None).unwrap(); // d1 01 05 55 04 61 2e 62
    let with = |i: usize, b: u8| {
        let mut m = good.clone();
        m[i] = b;
        m
    };
    assert_eq!(parse(&[]), Err(NfcError::EmptyInput));
    assert!(matches!(
        parse(&good[..4]),
        Err(NfcError::LengthBeyondBuffer { .. })
    ));
    assert!(matches!(parse(&good[..2]), Err(NfcError::Truncated { .. })));
    assert_eq!(parse(&with(0, 0xF1)), Err(NfcError::Chunked { offset: 0 }));
    assert_eq!(
        parse(&with(0, 0xD7)),
        Err(NfcError::UnknownTnf { offset: 0, tnf: 7 })
    );
    assert_eq!(
        parse(&with(0, 0xD6)),
        Err(NfcError::UnknownTnf { offset: 0, tnf: 6 })
    );
    assert_eq!(
        parse(&with(0, 0x91)),
        Err(NfcError::MissingMessageEnd { offset: 8 })
    );
    assert_eq!(
        parse(&with(4, 0x24)),
        Err(NfcError::UnknownUriPrefix {
            offset: 0,
            code: 0x24
        })
    );
    assert_eq!(
        parse(&with(5, 0xFF)),
        Err(NfcError::UriNotUtf8 { offset: 0 })
    );
    assert_eq!(
        parse(&with(2, 0)),
        Err(NfcError::EmptyUriRecord { offset: 0 })
    );
    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(
        parse(&trailing),
        Err(NfcError::TrailingBytes {
            offset: 8,
            count: 1
        })
    );
    let mut two_uris = with(0, 0x91);
    two_uris.extend_from_slice(&with(0, 0x51));
    assert!(matches!(parse(&two_uris), Err(NfcError::Duplicate { .. })));
    let mut second_mb = with(0, 0x91);
    second_mb.extend_from_slice(&good);
    assert_eq!(
        parse(&second_mb),
        Err(NfcError::MessageBegin {
            offset: 8,
            first: false
        })
    );

    // TLV layer.
    assert_eq!(
        parse(&[0x03, 0x20, 0xD1]),
        Err(NfcError::TlvPastEnd {
            offset: 0,
            tlv: 3,
            declared: 32,
            available: 1
        })
    );
    assert!(matches!(
        parse(&[0x03, 0xFF, 0x01]),
        Err(NfcError::Truncated { .. })
    ));
    assert_eq!(
        parse(&[0x03, 0x00, 0xFE]),
        Err(NfcError::EmptyMessage { offset: 0 })
    );
    assert_eq!(parse(&[0x00, 0x00, 0xFE]), Err(NfcError::NoNdefMessage));
    assert_eq!(
        parse(&[0x01, 0x01, 0x00, 0x42]),
        Err(NfcError::UnknownTlv {
            offset: 3,
            tlv: 0x42
        })
    );
    assert_eq!(
        parse(&[0x42]),
        Err(NfcError::UnrecognizedFormat { first: 0x42 })
    );
    // Lock/memory control and NULL TLVs before the NDEF TLV are skipped.
    let mut area = vec![
        0x00,
        0x01,
        0x03,
        0xA0,
        0x10,
        0x44,
        0x02,
        0x00,
        0x03,
        good.len() as u8,
    ];
    area.extend_from_slice(&good);
    area.push(0xFE);
    assert_eq!(parse(&area).unwrap().uri.as_deref(), Some("https://a.b"));

    // Image layer.
    let mut img = tag_image(&good, TagType::Ntag213).unwrap();
    img[13] = 0x20;
    assert_eq!(
        parse(&img),
        Err(NfcError::UnsupportedCcVersion { version: 0x20 })
    );
    let mut img = tag_image(&good, TagType::Ntag213).unwrap();
    img[14] = 0x01; // CC says 8 bytes of data area: the NDEF TLV runs past it.
    assert!(matches!(
        parse(&img),
        Err(NfcError::TlvPastEnd { offset: 16, .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Independent parser: Python ndeflib.

fn run_python_check(args: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_ndef.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run python3 ({e}); install Python 3 and `pip install ndeflib`")
        });
    assert!(
        out.status.success(),
        "check_ndef.py {args:?} failed (status {:?}); if ndeflib is missing, `pip install \
         ndeflib`\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ndeflib_reads_our_messages_and_images() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let cose = fake_cose(120);
    let link = link_for(&cose);
    std::fs::write(p("sig.cose"), &cose).unwrap();

    let uri_only = ndef_message(&link, None).unwrap();
    std::fs::write(p("uri.ndef"), &uri_only).unwrap();
    run_python_check(&[&p("uri.ndef"), &link]);

    let both = ndef_message(&link, Some(&cose)).unwrap();
    std::fs::write(p("both.ndef"), &both).unwrap();
    run_python_check(&[&p("both.ndef"), &link, &p("sig.cose")]);

    let img = tag_image(&both, TagType::Ntag215).unwrap();
    std::fs::write(p("both.bin"), &img).unwrap();
    run_python_check(&["--image", &p("both.bin"), &link, &p("sig.cose")]);

    // Long record forms: a 300-byte COSE record and a 300-byte URI, 3-byte TLV length.
    let big_cose = fake_cose(300);
    let long_link = link_for(&big_cose);
    std::fs::write(p("big.cose"), &big_cose).unwrap();
    let long = ndef_message(&long_link, Some(&big_cose)).unwrap();
    std::fs::write(p("long.ndef"), &long).unwrap();
    run_python_check(&[&p("long.ndef"), &long_link, &p("big.cose")]);
    let img = tag_image(&long, TagType::Ntag216).unwrap();
    std::fs::write(p("long.bin"), &img).unwrap();
    run_python_check(&["--image", &p("long.bin"), &long_link, &p("big.cose")]);
}

#[test]
fn every_uri_prefix_code_matches_ndeflib() {
    // ndeflib decodes each message (strict mode) to the same URI and re-encodes it to
    // the same bytes, so the prefix code we chose is the one the NFC Forum URI record
    // type definition gives (ndeflib picks the longest matching prefix too).
    let dir = tempfile::tempdir().unwrap();
    let uris = [
        "http://www.a",
        "https://www.a",
        "http://a",
        "https://a",
        "tel:+1",
        "mailto:x@y",
        "ftp://ftp.a",
        "sftp://a",
        "urn:nfc:x",
        "urn:epc:raw:1",
        "urn:epc:id:1",
        "urn:x",
        "file:///x",
        "sip:a@b",
        "custom:thing",
        "HTTPS://UPPER",
    ];
    for (i, uri) in uris.iter().enumerate() {
        let f = dir.path().join(format!("u{i}.ndef"));
        std::fs::write(&f, ndef_message(uri, None).unwrap()).unwrap();
        run_python_check(&[&f.to_string_lossy(), uri]);
    }
}

#[test]
fn python_check_rejects_a_wrong_uri() {
    // Guards against a checker that always passes.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m.ndef");
    std::fs::write(&f, ndef_message("https://example.com/a", None).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_ndef.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&f)
        .arg("https://example.com/b")
        .output()
        .expect("python3 must be installed (and `pip install ndeflib`)");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------------
// The parser is fed hostile bytes: it must answer Ok or a typed error, never panic.

fn valid_samples() -> Vec<Vec<u8>> {
    let cose = fake_cose(120);
    let msg = ndef_message(&link_for(&cose), Some(&cose)).unwrap();
    let long = ndef_message(&link_for(&fake_cose(300)), Some(&fake_cose(300))).unwrap();
    vec![
        msg.clone(),
        tag_image(&msg, TagType::Ntag215).unwrap(),
        user_area(&msg, TagType::Ntag215).unwrap(),
        long.clone(),
        tag_image(&long, TagType::Ntag216).unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse(&bytes);
        let _ = parse_any(&bytes);
        let _ = hex_dump(&bytes);
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let _ = parse_hex(&text);
        let _ = parse_any(text.as_bytes());
    }

    #[test]
    fn mutated_valid_data_never_panics(
        which in 0usize..5,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = valid_samples().swap_remove(which);
        for (i, b) in edits {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        let _ = parse(&bytes);
        let _ = parse_any(&bytes);
        let _ = parse_hex(&hex_dump(&bytes));
    }

    #[test]
    fn any_uri_and_cose_round_trip(
        rest in "[a-zA-Z0-9/._~#-]{1,400}",
        cose in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..400)),
    ) {
        let uri = format!("https://{rest}");
        let msg = ndef_message(&uri, cose.as_deref()).unwrap();
        let got = parse(&msg).unwrap();
        prop_assert_eq!(got.uri.as_deref(), Some(uri.as_str()));
        prop_assert_eq!(got.cose, cose);
        if let Ok(img) = tag_image(&msg, TagType::Ntag216) {
            prop_assert_eq!(parse(&img).unwrap().uri, Some(uri.clone()));
            prop_assert_eq!(parse_hex(&hex_dump(&img)).unwrap(), img);
        }
    }
}

/// The template declaration signed with a fixed test key: a real COSE_Sign1 of the
/// size the tool produces.
fn template_cose() -> Vec<u8> {
    use iotlabel::declaration::{self, CheckOptions, Format};
    let d = declaration::parse_str(
        declaration::TEMPLATE,
        Format::Toml,
        "template",
        &CheckOptions::lenient(),
    )
    .unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    iotlabel::source::sign_declaration(&d, &key)
}

fn iotlabel_cmd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_iotlabel"))
}

#[test]
fn cli_writes_each_format_and_reads_its_own_dumps_back() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let pem = iotlabel::keys::private_key_pem(&key).unwrap();
    std::fs::write(p("key.pem"), pem.as_bytes()).unwrap();
    std::fs::write(p("decl.toml"), iotlabel::declaration::TEMPLATE).unwrap();
    let cose = template_cose();
    std::fs::write(p("sig.cose"), &cose).unwrap();
    let base = iotlabel::link::BaseUrl::parse("https://example.com/v").unwrap();
    let link = iotlabel::link::format_link(&base, &cose, iotlabel::link::PayloadForm::Base64Url);

    let run = |args: &[&std::ffi::OsStr]| {
        let out = iotlabel_cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let decl = p("decl.toml");
    let keyp = p("key.pem");
    for name in ["t.ndef", "t.bin", "t.hex"] {
        let out = p(name);
        let msg = run(&[
            "nfc".as_ref(),
            decl.as_os_str(),
            "--key".as_ref(),
            keyp.as_os_str(),
            "--with-cose".as_ref(),
            "-o".as_ref(),
            out.as_os_str(),
        ]);
        assert!(msg.contains("of 496 bytes on an NTAG215"), "{msg}");
        let got = iotlabel::nfc::parse_any(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(
            got,
            NfcContent {
                uri: Some(link.clone()),
                cose: Some(cose.clone())
            },
            "{name}"
        );
    }
    // The independent parser agrees.
    run_python_check(&[
        &p("t.ndef").to_string_lossy(),
        &link,
        &p("sig.cose").to_string_lossy(),
    ]);
    run_python_check(&[
        "--image",
        &p("t.bin").to_string_lossy(),
        &link,
        &p("sig.cose").to_string_lossy(),
    ]);
    // An NFC dump is itself an input: re-encoding the image gives the same message.
    let again = p("again.ndef");
    run(&[
        "nfc".as_ref(),
        p("t.bin").as_os_str(),
        "--unverified".as_ref(),
        "--with-cose".as_ref(),
        "-o".as_ref(),
        again.as_os_str(),
    ]);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(p("t.ndef")).unwrap()
    );

    // Too large for an NTAG213: exit code 2, the numbers, nothing written.
    let small = p("small.bin");
    let out = iotlabel_cmd()
        .args(["nfc".as_ref(), p("sig.cose").as_os_str()])
        .args([
            "--unverified",
            "--base-url",
            "https://example.com/v",
            "--tag",
            "ntag213",
            "-o",
        ])
        .arg(&small)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // miette wraps long lines; compare with the wrapping undone.
    let err: String = String::from_utf8_lossy(&out.stderr)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(err.contains("but an NTAG213 has 144"), "{err}");
    assert!(
        err.contains("the smallest tag that fits is NTAG215 (496 bytes)"),
        "{err}"
    );
    assert!(!small.exists());
}

fn nfc_doc() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/nfc.md")).unwrap()
}

/// docs/nfc.md shows a sample: the template declaration signed with a fixed test key,
/// in a link and on an NTAG215. Every number, table row and dump line shown there is
/// compared with what the code produces, so the page fails CI when it drifts. (This
/// replaces the `#[ignore]`d `print_docs_sample`, which printed the numbers for a
/// person to copy and asserted nothing.)
#[test]
fn docs_nfc_sample_matches_the_code() {
    let doc = nfc_doc();
    // The prose wraps lines: compare against the text with runs of whitespace joined.
    let flat = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    let cose = template_cose();
    let base = iotlabel::link::BaseUrl::parse("https://example.com/v").unwrap();
    let link = iotlabel::link::format_link(&base, &cose, iotlabel::link::PayloadForm::Base64Url);
    let msg = ndef_message(&link, None).unwrap();
    let with = ndef_message(&link, Some(&cose)).unwrap();
    let mut want = vec![format!(
        "signed: {} COSE bytes; link base `https://example.com/v`",
        cose.len()
    )];

    // The "what the sample needs" table.
    for (name, m) in [("link only", &msg), ("link + COSE record", &with)] {
        let mut row = format!("| {name} | {} B | {} B |", m.len(), needed_bytes(m.len()));
        for tag in TagType::ALL {
            match tag_image(m, tag) {
                Ok(_) => {
                    let left = tag.ndef_capacity() - needed_bytes(m.len());
                    row += &format!(" yes ({left} B left) |");
                }
                Err(NfcError::TooLarge { .. }) => row += " no |",
                Err(e) => panic!("{tag}: {e}"),
            }
        }
        want.push(row);
    }
    // The capacity table.
    for tag in TagType::ALL {
        let name = tag.to_string();
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("docs/nfc.md lacks the {name} row"));
        let img = tag_image(&ndef_message("https://a", None).unwrap(), tag).unwrap();
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert!(
            cells[2].starts_with(&format!("{} B", tag.user_memory())),
            "{row}"
        );
        assert_eq!(cells[3], format!("`{:02X}`", img[14]), "{row}");
        assert_eq!(cells[4], format!("{} B", tag.ndef_capacity()), "{row}");
        let largest = tag.ndef_capacity() - if tag.ndef_capacity() > 256 { 5 } else { 3 };
        assert!(tag_image(&message_of_len(largest), tag).is_ok());
        assert!(tag_image(&message_of_len(largest + 1), tag).is_err());
        assert_eq!(cells[5], format!("{largest} B"), "{row}");
    }

    // The dump: every line shown (the rest is elided with "…") is a line of the real
    // dump, in order, and the elisions hide only lines.
    let img = tag_image(&msg, TagType::Ntag215).unwrap();
    let dump = hex_dump(&img);
    let block_start = doc
        .find("```\n# iotlabel NFC dump")
        .expect("docs/nfc.md lacks the dump");
    let block = &doc[block_start + 4..];
    let block = &block[..block.find("```").unwrap()];
    let real: Vec<&str> = dump.lines().collect();
    let mut at = 0;
    for line in block.lines().filter(|l| *l != "…") {
        let pos = real[at..]
            .iter()
            .position(|r| r.trim_end() == line.trim_end())
            .unwrap_or_else(|| {
                panic!("docs/nfc.md dump line {line:?} is not in the real dump:\n{dump}")
            });
        at += pos + 1;
    }

    // The byte table: single bytes and short ranges hold exactly the bytes shown.
    let table_start = doc.find("| byte(s) | value | meaning |").unwrap();
    for row in doc[table_start..].lines().skip(2) {
        if !row.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (a, b) = match cells[1].split_once('–') {
            Some((a, b)) => (a.parse::<usize>().unwrap(), b.parse::<usize>().unwrap()),
            None => {
                let a = cells[1].parse::<usize>().unwrap();
                (a, a)
            }
        };
        let shown: Vec<&str> = cells[2].trim_matches('`').split(' ').collect();
        let bytes: Vec<String> = img[a..=b].iter().map(|x| format!("{x:02x}")).collect();
        if shown.last() == Some(&"…") {
            let n = shown.len() - 1;
            assert_eq!(&bytes[..n], &shown[..n], "{row}");
        } else if shown.len() == 1 && b > a {
            assert!(bytes.iter().all(|x| x == shown[0]), "{row}");
        } else {
            assert_eq!(bytes, shown, "{row}");
        }
    }
    let fragment = link.split_once('#').unwrap().1;
    let rest = link.strip_prefix("https://").unwrap();
    want.extend([
        format!(
            "| 17 | `{:02x}` | TLV length {} (one byte: < 255) |",
            msg.len(),
            msg.len()
        ),
        format!(
            "| 20 | `{:02x}` | payload length {} (short record) |",
            msg[2], msg[2]
        ),
        format!(
            "| 23–{} | `65 78 61 …` | `example.com/v#{}…` ({} ASCII bytes; `#` is byte {}) |",
            22 + rest.len(),
            &fragment[..8],
            rest.len(),
            23 + rest.find('#').unwrap()
        ),
        format!("terminator TLV at byte {}", 18 + msg.len()),
        format!("| {} | `fe` | terminator TLV |", 18 + msg.len()),
        format!(
            "| {}–{} | `00` | padding to the end of user memory |",
            19 + msg.len(),
            img.len() - 1
        ),
        format!(
            "`91` (payload length {}), the 40 bytes of `application/cose; \
             cose-type=\"cose-sign1\"`, then the {} COSE bytes. The message is then {} bytes, \
             so the TLV length switches to the 3-byte form `03 ff {:02x} {:02x}`.",
            cose.len(),
            cose.len(),
            with.len(),
            with.len() >> 8,
            with.len() & 0xFF
        ),
    ]);
    for w in want {
        assert!(flat.contains(&w), "docs/nfc.md should say: {w}");
    }
}
