//! Fuzz targets, one per parser of untrusted input, that run on stable Rust with no
//! extra tools: digits, link, COSE, payload, NDEF message, tag image, batch row and
//! declaration.
//!
//! Each target starts from real seeds (the test vectors, the samples, our own NFC
//! output) and feeds the parser mutations of them — bit flips, random bytes, insertions,
//! deletions, duplicated and spliced ranges, truncation — from a fixed-seed generator,
//! so every run is reproducible. A target fails on a panic, and where the parser has a
//! property beyond "no panic" it checks that too (digits and payloads round-trip). A
//! failure prints the target, the iteration and the input in hex.
//!
//! `cargo test --test fuzz` runs a short pass of every target (a few thousand inputs
//! each). For a long run, say how long each target runs and, optionally, from which
//! seed:
//!
//! ```text
//! IOTLABEL_FUZZ_SECS=600 cargo test --release --test fuzz -- --test-threads 1 --nocapture
//! IOTLABEL_FUZZ_SEED=7 IOTLABEL_FUZZ_SECS=60 cargo test --release --test fuzz cose
//! ```
//!
//! Each target prints how many inputs it ran, and how many the parser accepted.

use iotlabel::declaration::{self, CheckOptions, Format};
use iotlabel::{envelope, link, nfc, payload};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::time::{Duration, Instant};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A small fixed-seed generator (xorshift64*): reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// One to four mutations of a seed.
fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], interesting: &[u8]) -> Vec<u8> {
    let mut b = seeds[rng.below(seeds.len())].clone();
    for _ in 0..=rng.below(4) {
        let n = b.len();
        match rng.below(8) {
            0 if n > 0 => {
                let i = rng.below(n);
                b[i] ^= 1 << rng.below(8);
            }
            1 if n > 0 => {
                let i = rng.below(n);
                b[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(n + 1);
                b.insert(i, interesting[rng.below(interesting.len())]);
            }
            3 if n > 0 => {
                let i = rng.below(n);
                let len = 1 + rng.below((n - i).min(16));
                b.drain(i..i + len);
            }
            4 if n > 0 => {
                // Duplicate a range in place (length lies, repeated records, …).
                let i = rng.below(n);
                let len = 1 + rng.below((n - i).min(32));
                let copy = b[i..i + len].to_vec();
                let at = rng.below(b.len() + 1);
                b.splice(at..at, copy);
            }
            5 => {
                // Splice in part of another seed.
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let i = rng.below(other.len());
                    let len = 1 + rng.below((other.len() - i).min(64));
                    let at = rng.below(b.len() + 1);
                    b.splice(at..at, other[i..i + len].iter().copied());
                }
            }
            6 if n > 0 => b.truncate(rng.below(n)),
            _ if n > 0 => {
                // A boundary value where a length or count might be.
                let i = rng.below(n);
                b[i] = [0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x7f, 0x80, 0xff][rng.below(10)];
            }
            _ => b.push(rng.next() as u8),
        }
    }
    b
}

/// Inputs per target in the default short pass (batch rows go through files and
/// signing, so fewer).
fn short_pass(name: &str) -> u64 {
    if name == "batch-row" { 600 } else { 3000 }
}

/// Runs a target: a short fixed pass by default, `IOTLABEL_FUZZ_SECS` seconds if set.
fn fuzz(name: &str, seeds: Vec<Vec<u8>>, interesting: &[u8], target: impl Fn(&[u8]) -> bool) {
    assert!(!seeds.is_empty(), "{name}: no seeds");
    let secs: Option<u64> = std::env::var("IOTLABEL_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok());
    let seed: u64 = std::env::var("IOTLABEL_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x1071_AB31);
    let mut rng = Rng(seed
        ^ name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }));
    let start = Instant::now();
    let deadline = secs.map(Duration::from_secs);
    let (mut runs, mut accepted) = (0u64, 0u64);
    // Quiet the default panic message: a panic is reported below with its input.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failure = None;
    loop {
        match deadline {
            Some(d) if start.elapsed() >= d => break,
            None if runs >= short_pass(name) => break,
            _ => {}
        }
        // Every seed as it is first, then mutations.
        let input = if (runs as usize) < seeds.len() {
            seeds[runs as usize].clone()
        } else {
            mutate(&mut rng, &seeds, interesting)
        };
        match std::panic::catch_unwind(AssertUnwindSafe(|| target(&input))) {
            Ok(ok) => accepted += u64::from(ok),
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failure = Some((runs, input, msg));
                break;
            }
        }
        runs += 1;
    }
    std::panic::set_hook(hook);
    if let Some((i, input, msg)) = failure {
        let hex: String = input.iter().map(|b| format!("{b:02x}")).collect();
        panic!("fuzz target {name}: input {i} failed: {msg}\ninput (hex): {hex}");
    }
    eprintln!(
        "fuzz {name}: {runs} inputs in {:.1} s, {accepted} accepted",
        start.elapsed().as_secs_f64()
    );
}

fn vectors() -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(root().join("tests/vectors"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for f in files {
        out.push(serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap());
    }
    out
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn field_bytes(name: &str) -> Vec<Vec<u8>> {
    vectors()
        .iter()
        .filter_map(|v| v[name].as_str().map(unhex))
        .collect()
}

fn links() -> Vec<Vec<u8>> {
    vectors()
        .iter()
        .filter_map(|v| v["link"].as_str().map(|s| s.as_bytes().to_vec()))
        .collect()
}

const CBOR_BYTES: &[u8] = &[
    0x00, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x38, 0x40, 0x58, 0x5f, 0x60, 0x78, 0x7f, 0x80, 0x84,
    0x98, 0x9f, 0xa0, 0xa1, 0xbf, 0xc0, 0xd2, 0xf4, 0xf5, 0xf6, 0xf9, 0xfb, 0xff,
];
const TEXT_BYTES: &[u8] = b"0123456789#/:.%?@[]-_~ \n\t\x00\xe2\x80\xae\xff";

#[test]
fn fuzz_digits() {
    let seeds = links()
        .into_iter()
        .map(|l| {
            let s = String::from_utf8(l).unwrap();
            s.rsplit('#').next().unwrap_or("").as_bytes().to_vec()
        })
        .collect();
    fuzz("digits", seeds, b"0123456789 9a", |b| {
        let s = String::from_utf8_lossy(b);
        match link::decode_digits(&s) {
            Ok(bytes) => {
                // Decoding is the inverse of encoding on every accepted string.
                assert_eq!(link::encode_digits(&bytes), s, "digits round trip");
                true
            }
            Err(_) => false,
        }
    });
}

#[test]
fn fuzz_link() {
    fuzz("link", links(), TEXT_BYTES, |b| {
        link::parse_link(&String::from_utf8_lossy(b)).is_ok()
    });
}

#[test]
fn fuzz_cose() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]).verifying_key();
    fuzz(
        "cose",
        field_bytes("cose_hex"),
        CBOR_BYTES,
        |b| match envelope::open(b) {
            Ok(o) => {
                let _ = o.verify(&key);
                let _ = o.to_be_signed();
                true
            }
            Err(_) => false,
        },
    );
}

#[test]
fn fuzz_payload() {
    fuzz(
        "payload",
        field_bytes("payload_hex"),
        CBOR_BYTES,
        |b| match payload::decode(b) {
            Ok(f) => {
                // Deterministic encoding: an accepted payload re-encodes to the same bytes.
                assert_eq!(payload::encode(&f), b, "payload round trip");
                let _ = iotlabel::summary::summarize(
                    &f,
                    &iotlabel::summary::Catalogue::built_in("en").unwrap(),
                );
                true
            }
            Err(_) => false,
        },
    );
}

/// NDEF messages from our writer: with and without the COSE record.
fn ndef_seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for v in vectors() {
        let (Some(cose), Some(l)) = (v["cose_hex"].as_str(), v["link"].as_str()) else {
            continue;
        };
        let cose = unhex(cose);
        let base = l.split('#').next().unwrap();
        let Ok(base) = link::BaseUrl::parse(base) else {
            continue;
        };
        let uri = link::format_link(&base, &cose, link::PayloadForm::Base64Url);
        if let Ok(m) = nfc::ndef_message(&uri, Some(&cose)) {
            out.push(m);
        }
        if let Ok(m) = nfc::ndef_message(&uri, None) {
            out.push(m);
        }
    }
    out
}

#[test]
fn fuzz_ndef() {
    fuzz(
        "ndef",
        ndef_seeds(),
        &[
            0x00, 0x01, 0x02, 0x10, 0x11, 0x51, 0x91, 0xd1, 0xff, b'U', b'T',
        ],
        |b| nfc::parse(b).is_ok(),
    );
}

#[test]
fn fuzz_tag_image() {
    let mut seeds: Vec<Vec<u8>> = ndef_seeds()
        .iter()
        .filter_map(|m| nfc::tag_image(m, nfc::TagType::Ntag216).ok())
        .collect();
    let hex: Vec<Vec<u8>> = seeds
        .iter()
        .take(2)
        .map(|i| nfc::hex_dump(i).into_bytes())
        .collect();
    seeds.extend(hex);
    fuzz(
        "tag-image",
        seeds,
        &[0x00, 0x03, 0xe1, 0xfe, 0xff, 0x10, 0x6d],
        |b| nfc::parse_any(b).is_ok(),
    );
}

fn sample_texts() -> Vec<(Vec<u8>, Format)> {
    let mut out = Vec::new();
    for f in std::fs::read_dir(root().join("samples")).unwrap() {
        let p = f.unwrap().path();
        if let Some(fmt) = Format::from_path(&p) {
            out.push((std::fs::read(&p).unwrap(), fmt));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn fuzz_declaration() {
    let samples = sample_texts();
    let seeds: Vec<Vec<u8>> = samples.iter().map(|(b, _)| b.clone()).collect();
    fuzz("declaration", seeds, TEXT_BYTES, |b| {
        let text = String::from_utf8_lossy(b);
        let fmt = Format::sniff(&text);
        match declaration::parse_str(&text, fmt, "fuzz", &CheckOptions::lenient()) {
            Ok(_) => true,
            Err(e) => {
                // Rendering the error (snippets, labels) must not panic either.
                let _ = format!("{:?}", miette::Report::new(e));
                false
            }
        }
    });
}

#[test]
fn fuzz_batch_row() {
    use iotlabel::sheet::batch::{self, BatchOptions};
    let dir = tempfile::tempdir().unwrap();
    let sample = root().join("samples");
    for f in ["thermostat.toml", "camera.toml"] {
        std::fs::copy(sample.join(f), dir.path().join(f)).unwrap();
    }
    let link = String::from_utf8(links()[0].clone()).unwrap();
    let seeds: Vec<Vec<u8>> = vec![
        b"declaration,quantity,lang\nthermostat.toml,6,en\ncamera.toml,3,de\n".to_vec(),
        format!("link,quantity\n{link},2\n").into_bytes(),
        b"product.manufacturer,product.model,updates.security_updates,notification.channels\nAcme,M1,false,none\n".to_vec(),
        format!("{{\"link\": \"{link}\", \"quantity\": 2}}\n").into_bytes(),
        b"{\"product\": {\"manufacturer\": \"A\", \"model\": \"M\"}, \"updates\": {\"security_updates\": false}, \"notification\": {\"channels\": [\"none\"]}}\n".to_vec(),
    ];
    let opts = BatchOptions {
        key: Some(ed25519_dalek::SigningKey::from_bytes(&[5; 32])),
        base_url: Some("https://v.example/t".into()),
        check: CheckOptions::lenient(),
        templates: vec!["compact".into()],
        langs: vec!["en".into(), "de".into()],
        allow_paths_outside: false,
        alg: Default::default(),
        signed_inputs: iotlabel::verify::ArtworkPolicy {
            trust: None,
            unverified: true,
        },
        records_issued: None,
    };
    let csv = dir.path().join("b.csv");
    let jsonl = dir.path().join("b.jsonl");
    fuzz("batch-row", seeds, b",;\"\n{}:[]0123456789", |b| {
        let path = if b.first() == Some(&b'{') {
            &jsonl
        } else {
            &csv
        };
        std::fs::write(path, b).unwrap();
        match batch::prepare(path, &opts, &|_| {}) {
            Ok(o) => o.problems.is_empty(),
            Err(_) => false,
        }
    });
}

/// A brand logo (`--logo`): PNG, JPEG or SVG bytes, decoded or refused with a typed error.
#[test]
fn fuzz_logo() {
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_fn(12, 6, |x, y| {
        image::Rgba([(x * 20) as u8, (y * 40) as u8, 90, 255])
    })
    .write_to(&mut png, image::ImageFormat::Png)
    .unwrap();
    let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 30 10"><rect width="30" height="10" rx="2" fill="#0a4"/><circle cx="5" cy="5" r="3" fill="#fff"/><text x="10" y="8" font-size="7">Acme</text></svg>"##;
    fuzz(
        "logo",
        vec![png.into_inner(), svg.to_vec()],
        b"<>=\"/ \x00\x89PNGIHDRIDAT",
        |b| iotlabel::logo::Logo::from_bytes("fuzz", b.to_vec()).is_ok(),
    );
}

/// A brand font (`--font`): TrueType/OpenType bytes, loaded or refused with a typed error.
#[test]
fn fuzz_font() {
    let seeds: Vec<Vec<u8>> = std::fs::read_dir(root().join("tests/fonts"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ttf"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    fuzz(
        "font",
        seeds,
        &[
            0x00, 0x01, 0xff, b'O', b'S', b'/', b'2', b'c', b'm', b'a', b'p',
        ],
        |b| iotlabel::layout::font::load_user_face("fuzz.ttf", b.to_vec()).is_ok(),
    );
}

/// Found by `fuzz_font`: fonts whose layout tables made the shaper's table parser
/// overflow, and whose cmap format 14 subtable tripped the font parser's assertion
/// (panics in builds with overflow checks). They are refused, not a crash.
#[test]
fn fonts_with_malformed_tables_are_refused() {
    for name in ["malformed-layout-tables.ttf", "malformed-cmap.ttf"] {
        let bytes = std::fs::read(root().join("tests/fonts").join(name)).unwrap();
        let Err(e) = iotlabel::layout::font::load_user_face(name, bytes) else {
            panic!("{name} was accepted");
        };
        assert!(
            e.to_string().contains(name) && e.to_string().contains("malformed"),
            "{e}"
        );
    }
}
