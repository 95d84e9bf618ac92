//! Attacks on the parsers of untrusted bytes: random and mutated input to the digit
//! decoder, the link parser, the COSE parser and the payload decoder must give typed
//! errors (or a valid result), never a panic.

use iotlabel::{envelope, link, payload};
use proptest::prelude::*;

fn valid_cose() -> Vec<u8> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/valid-thermostat.json"
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let hex = v["cose_hex"].as_str().unwrap();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn exercise(bytes: &[u8]) {
    if let Ok(o) = envelope::open(bytes) {
        let _ = payload::decode(&o.payload);
    }
    let _ = payload::decode(bytes);
    let digits = link::encode_digits(bytes);
    assert_eq!(
        link::decode_digits(&digits).ok().as_deref(),
        if bytes.is_empty() { None } else { Some(bytes) }
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        exercise(&bytes);
    }

    #[test]
    fn mutated_envelopes_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
        let mut b = valid_cose();
        for (i, v) in &edits {
            let at = i.index(b.len());
            b[at] = *v;
        }
        exercise(&b);
        let n = cut.index(b.len());
        exercise(&b[..n]);
    }

    #[test]
    fn random_text_never_panics_the_link_parser(s in "\\PC{0,400}") {
        let _ = link::parse_link(&s);
        let _ = iotlabel::source::load(&s, &Default::default());
    }

    #[test]
    fn digit_strings_never_panic(s in "[0-9]{0,400}") {
        let _ = link::decode_digits(&s);
        let _ = link::parse_link(&format!("https://a.example/v#{s}"));
    }
}
