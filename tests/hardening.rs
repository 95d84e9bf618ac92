//! Regression tests for the hardening issue: each test is named after what it guards
//! and runs the real command line (or library call) on crafted input.

use assert_cmd::Command;
use ed25519_dalek::SigningKey;
use iotlabel::envelope;
use iotlabel::link::{self, BaseUrl, PayloadForm};
use std::path::{Path, PathBuf};
use std::process::Stdio;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn iotlabel() -> Command {
    let mut c = Command::cargo_bin("iotlabel").unwrap();
    c.current_dir(root());
    c
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = iotlabel().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn demo_link() -> String {
    let (code, out, err) = run(&[
        "sign",
        "samples/thermostat.toml",
        "--key",
        "samples/keys/demo.pem",
    ]);
    assert_eq!(code, Some(0), "{err}");
    out.trim().to_string()
}

/// A validly signed link whose payload is arbitrary CBOR bytes.
fn link_for_payload(payload: &[u8]) -> String {
    let key = SigningKey::from_bytes(&[42; 32]);
    let cose = envelope::sign(payload, &key);
    link::format_link(
        &BaseUrl::parse("https://v.example/t").unwrap(),
        &cose,
        PayloadForm::Digits,
    )
}

/// The payload map {0: 1, 1: manufacturer, 2: "M", 4: false} in deterministic CBOR.
fn payload_with_manufacturer(m: &str) -> Vec<u8> {
    let mut p = vec![0xa4, 0x00, 0x01, 0x01];
    assert!(m.len() < 24);
    p.push(0x60 | m.len() as u8);
    p.extend_from_slice(m.as_bytes());
    p.extend_from_slice(&[0x02, 0x61, b'M', 0x04, 0xf4]);
    p
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

// ---------------------------------------------------------------- item 18

#[test]
fn signing_emits_alg_eddsa_by_default_and_ed25519_on_request() {
    let alg = |extra: &[&str]| {
        let mut args = vec![
            "inspect",
            "samples/thermostat.toml",
            "--key",
            "samples/keys/demo.pem",
            "--json",
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&args);
        assert_eq!(code, Some(0), "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (v["algorithm"].as_i64().unwrap(), v["protected_hex"].clone())
    };
    assert_eq!(alg(&[]).0, -8);
    let (a19, prot) = alg(&["--alg", "ed25519"]);
    assert_eq!(a19, -19);
    assert!(prot.as_str().unwrap().starts_with("a20132"), "{prot}");
    // A -19 link verifies as well.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("l.txt");
    let (code, _, err) = run(&[
        "sign",
        "samples/thermostat.toml",
        "--key",
        "samples/keys/demo.pem",
        "--alg",
        "ed25519",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let l = std::fs::read_to_string(&out).unwrap();
    let (code, _, err) = run(&["verify", l.trim(), "--trust", "samples/trust"]);
    assert_eq!(code, Some(0), "{err}");
}

// ---------------------------------------------------------------- item 19

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let link = demo_link();
    for args in [
        vec!["verify", link.as_str(), "--trust", "samples/trust"],
        vec!["completions", "bash"],
        vec!["schema"],
        vec!["inspect", link.as_str()],
        vec!["summary", "samples/thermostat.toml"],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("iotlabel"))
            .args(&args)
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away before anything is written
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

// ---------------------------------------------------------------- item 9

#[test]
fn untrusted_text_is_escaped_on_the_terminal_and_the_verdict_comes_first() {
    // A validly signed payload (unknown key) whose name retitles the terminal and
    // paints a fake verdict: inspect shows it escaped.
    let evil = "\u{1b}]0;x\u{7}\u{1b}[32mOK";
    let l = link_for_payload(&payload_with_manufacturer(evil));
    let (code, out, _) = run(&["inspect", &l]);
    assert_eq!(code, Some(0));
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("\\u{001b}]0;x\\u{0007}"), "{out}");
    // The payload decoder refuses the name, naming the field and the code point.
    assert!(
        out.contains("manufacturer (1)") && out.contains("U+001B"),
        "{out}"
    );

    // verify: the verdict line is the first line, before any text from the payload.
    let (code, out, _) = run(&["verify", &demo_link(), "--trust", "samples/trust"]);
    assert_eq!(code, Some(0));
    assert!(
        out.lines().next().unwrap().starts_with("verdict: VALID"),
        "{out}"
    );

    // A malformed input: the verdict first, and the input escaped in the reason.
    let (code, _, err) = run(&[
        "verify",
        "https://a.example/\u{1b}]0;x\u{7}#12",
        "--trust",
        "samples/trust",
    ]);
    assert_eq!(code, Some(4), "{err}");
    assert!(err.starts_with("verdict: MALFORMED"), "{err}");
    assert!(
        !err.contains('\u{1b}') && err.contains("\\u{001b}"),
        "{err:?}"
    );

    // decode: QR text with control characters is escaped.
    let dir = tempfile::tempdir().unwrap();
    let code = qrcode::QrCode::new(b"https://a.example/\x1b[2J#1".as_slice()).unwrap();
    let w = code.width();
    let scale = 8;
    let quiet = 4;
    let size = ((w + 2 * quiet) * scale) as u32;
    let colors = code.to_colors();
    let img = image::GrayImage::from_fn(size, size, |x, y| {
        let (mx, my) = (x as usize / scale, y as usize / scale);
        let dark = mx >= quiet
            && my >= quiet
            && mx < w + quiet
            && my < w + quiet
            && colors[(my - quiet) * w + (mx - quiet)] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    let png = dir.path().join("qr.png");
    img.save(&png).unwrap();
    let (code, out, err) = run(&["decode", png.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "https://a.example/\\u{001b}[2J#1\n");
}

// ---------------------------------------------------------------- item 10

#[test]
fn names_with_bidi_invisible_or_separator_characters_are_refused_with_field_and_code_point() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("samples/thermostat.toml")).unwrap();
    for (c, code) in [
        ('\u{202e}', "U+202E"),
        ('\u{200b}', "U+200B"),
        ('\u{2028}', "U+2028"),
    ] {
        let bad = text.replacen("manufacturer = \"", &format!("manufacturer = \"{c}"), 1);
        let p = write(dir.path(), "d.toml", &bad);
        let (status, _, err) = run(&["validate", p.to_str().unwrap()]);
        assert_eq!(status, Some(1), "{err}");
        assert!(
            err.contains("product.manufacturer") && err.contains(code),
            "{err}"
        );
        assert!(
            !err.contains(c),
            "the snippet shows a stand-in, not the character: {err}"
        );
    }
    // The payload decoder applies the same rule to a validly signed name.
    let l = link_for_payload(&payload_with_manufacturer("\u{202e}HbmG"));
    let (status, out, _) = run(&["verify", &l, "--trust", "samples/trust", "--json"]);
    assert_eq!(status, Some(4), "{out}");
    assert!(
        out.contains("manufacturer (1)") && out.contains("U+202E"),
        "{out}"
    );
    let (status, out, _) = run(&["summary", &l, "--json"]);
    assert_eq!(status, Some(2), "{out}");
}

// ---------------------------------------------------------------- item 11

#[test]
fn private_key_content_never_appears_in_error_output() {
    let dir = tempfile::tempdir().unwrap();
    let pem = std::fs::read_to_string(root().join("samples/keys/demo.pem")).unwrap();
    let secret_line = pem.lines().nth(1).unwrap().to_string();
    let key = write(dir.path(), "key.pem", &pem);
    let (status, out, err) = run(&["validate", key.to_str().unwrap()]);
    assert_eq!(status, Some(1));
    assert!(
        !err.contains(&secret_line) && !out.contains(&secret_line),
        "{err}"
    );
    assert!(err.contains("PEM private"), "{err}");
    // Given where a signed input belongs.
    let (status, out, err) = run(&["verify", key.to_str().unwrap(), "--trust", "samples/trust"]);
    assert_eq!(status, Some(4), "{err}");
    assert!(!err.contains("MC4C") && !out.contains("MC4C"), "{err}");
    assert!(err.contains("PEM private key"), "{err}");
    // A keyset with key material and a syntax error: line and column, no quoted text.
    let keyset = write(
        dir.path(),
        "keys.toml",
        &format!("[[keys]]\nname = \"x\"\npem = \"\"\"\n{pem}\"\"\"\n= broken\n"),
    );
    let (_, out, err) = run(&["verify", &demo_link(), "--trust", keyset.to_str().unwrap()]);
    assert!(
        !err.contains(&secret_line) && !out.contains(&secret_line),
        "{err}"
    );
    assert!(err.contains("line "), "{err}");
}

// ---------------------------------------------------------------- item 16

#[test]
fn long_source_lines_are_cut_and_problem_lists_capped() {
    let dir = tempfile::tempdir().unwrap();
    // One line of 1,000,000 characters with a syntax error at its end.
    let text = format!(
        "{{\"product\": {{\"manufacturer\": \"{}\", \"model\": 1}}, \"updates\": 5 x",
        "x".repeat(1_000_000)
    );
    let p = write(dir.path(), "long.json", &text);
    let (status, _, err) = run(&["validate", p.to_str().unwrap()]);
    assert_eq!(status, Some(1));
    assert!(err.len() < 4000, "{} bytes of error output", err.len());
    assert!(err.contains("column 1000060"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // 30 unknown keys: 20 are shown, the rest counted.
    let toml = std::fs::read_to_string(root().join("samples/thermostat.toml")).unwrap();
    let extra: String = (0..30).map(|i| format!("junk{i} = 1\n")).collect();
    let toml = format!("{extra}{toml}");
    let p = write(dir.path(), "many.toml", &toml);
    let (status, _, err) = run(&["validate", p.to_str().unwrap()]);
    assert_eq!(status, Some(1));
    assert!(err.contains("30 problems"), "{err}");
    assert!(err.contains("and 10 more problems not shown"), "{err}");
    assert!(!err.contains("junk29"), "{err}");
}

// ---------------------------------------------------------------- items 21, 23, 24

#[test]
fn an_empty_declaration_lists_its_problems() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "empty.toml", "");
    let (status, _, err) = run(&["validate", p.to_str().unwrap()]);
    assert_eq!(status, Some(1));
    assert!(err.contains("2 problems"), "{err}");
    assert!(err.contains("missing required field `product`"), "{err}");
    assert!(err.contains("missing required field `updates`"), "{err}");
}

#[test]
fn duplicate_json_keys_are_refused_with_their_position() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "dup.json",
        "{\"product\": {\"manufacturer\": \"A\",\n \"manufacturer\": \"B\", \"model\": \"m\"},\n \"updates\": {\"security_updates\": false}}",
    );
    let (status, _, err) = run(&["validate", p.to_str().unwrap()]);
    assert_eq!(status, Some(1));
    assert!(
        err.contains("duplicate key \"manufacturer\"") && err.contains("line 2"),
        "{err}"
    );
}

#[test]
fn encrypted_keys_huge_numbers_and_unprintable_names_get_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    // An encrypted PKCS#8 key (made by openssl).
    let plain = dir.path().join("plain.pem");
    let enc = dir.path().join("enc.pem");
    let ok = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(&plain)
        .status()
        .unwrap()
        .success()
        && std::process::Command::new("openssl")
            .args(["pkcs8", "-topk8", "-passout", "pass:x", "-in"])
            .arg(&plain)
            .arg("-out")
            .arg(&enc)
            .status()
            .unwrap()
            .success();
    assert!(ok, "openssl must be installed");
    let (status, _, err) = run(&[
        "sign",
        "samples/thermostat.toml",
        "--key",
        enc.to_str().unwrap(),
    ]);
    assert_eq!(status, Some(2));
    assert!(
        err.contains("encrypted private key") && err.contains("openssl pkey"),
        "{err}"
    );

    let text = std::fs::read_to_string(root().join("samples/thermostat.toml")).unwrap();
    let big = text.replacen(
        "[product]\n",
        "[product]\ngtin = 123456789012345678901234567890\n",
        1,
    );
    let big = big.replacen("gtin = \"", "# gtin = \"", 1);
    let p = write(dir.path(), "big.toml", &big);
    let (_, _, err) = run(&["validate", p.to_str().unwrap()]);
    assert!(
        err.contains("123456789012345678901234567890 (too large)"),
        "{err}"
    );

    let bell = text.replacen("model = \"", "model = \"\\u0007", 1);
    let p = write(dir.path(), "bell.toml", &bell);
    let (_, _, err) = run(&["validate", p.to_str().unwrap()]);
    assert!(
        err.contains("product.model") && err.contains("U+0007"),
        "{err}"
    );
}

// ---------------------------------------------------------------- item 26

#[test]
fn summary_states_trust_on_stdout_and_in_json() {
    let link = demo_link();
    let (_, out, _) = run(&["summary", &link]);
    assert!(out.starts_with("trust: UNVERIFIED"), "{out}");
    let (_, out, _) = run(&["summary", &link, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["trust"], "unchecked");
    let (code, out, _) = run(&["summary", &link, "--json", "--trust", "samples/trust"]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["trust"], "valid");
    let (_, out, _) = run(&["summary", "samples/thermostat.toml", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["trust"], "declaration");
    // A forged (bad-signature) link is refused with the verdict.
    let mut digits: Vec<u8> = link.split('#').nth(1).unwrap().bytes().collect();
    let last = digits.len() - 2;
    digits[last] = if digits[last] == b'0' { b'1' } else { b'0' };
    let forged = format!(
        "{}#{}",
        link.split('#').next().unwrap(),
        String::from_utf8(digits).unwrap()
    );
    let (code, out, _) = run(&["summary", &forged, "--trust", "samples/trust"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.starts_with("trust: BAD SIGNATURE"), "{out}");
}

// ---------------------------------------------------------------- item 17

#[test]
fn links_longer_than_any_label_are_refused() {
    let long = format!("https://a.example/v#{}", "1".repeat(link::MAX_LINK_BYTES));
    assert!(matches!(
        link::parse_link(&long),
        Err(link::LinkError::TooLong { .. })
    ));
    let (code, _, err) = run(&["verify", &long, "--trust", "samples/trust"]);
    assert_eq!(code, Some(4), "{err}");
    assert!(err.contains("at most 8192 bytes"), "{err}");
}

// ---------------------------------------------------------------- item 6

/// One short NDEF record: flags MB/ME as given, SR, a TNF, a type and a payload.
fn record(mb: bool, me: bool, tnf: u8, typ: &[u8], payload: &[u8]) -> Vec<u8> {
    let flags = (if mb { 0x80 } else { 0 }) | (if me { 0x40 } else { 0 }) | 0x10 | tnf;
    assert!(payload.len() < 256);
    [
        vec![flags, typ.len() as u8, payload.len() as u8],
        typ.to_vec(),
        payload.to_vec(),
    ]
    .concat()
}

fn uri_payload(link: &str) -> Vec<u8> {
    [
        vec![0x04],
        link.strip_prefix("https://").unwrap().as_bytes().to_vec(),
    ]
    .concat()
}

#[test]
fn nfc_verifies_the_record_a_phone_opens_and_reports_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&[
        "sign",
        "samples/smart-bulb.toml",
        "--key",
        "samples/keys/demo.pem",
    ]);
    assert_eq!(code, Some(0), "{err}");
    // NFC links carry base64url; the digits form is a valid link as well, but too long
    // for a short record: use the base64url form from a real tag.
    let (code, _, err) = run(&[
        "nfc",
        "samples/smart-bulb.toml",
        "--key",
        "samples/keys/demo.pem",
        "--format",
        "ndef",
        "-o",
        dir.path().join("real.ndef").to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}: {out}");
    let real =
        iotlabel::nfc::parse_any(&std::fs::read(dir.path().join("real.ndef")).unwrap()).unwrap();
    let genuine = real.uri.unwrap();
    let evil = "https://evil.example/x";
    let verify = |name: &str, msg: Vec<u8>| {
        let p = dir.path().join(name);
        std::fs::write(&p, msg).unwrap();
        run(&["verify", p.to_str().unwrap(), "--trust", "samples/trust"])
    };

    // An attacker's Smart Poster first, the genuine link second: not valid.
    let sp = record(true, true, 1, b"U", &uri_payload(evil));
    let msg = [
        record(true, false, 1, b"Sp", &sp),
        record(false, true, 1, b"U", &uri_payload(&genuine)),
    ]
    .concat();
    let (code, out, err) = verify("sp.ndef", msg);
    assert_eq!(code, Some(4), "{out}{err}");

    // A text record first (a phone does not open the link behind it): not valid.
    let msg = [
        record(true, false, 1, b"T", b"\x02enHello"),
        record(false, true, 1, b"U", &uri_payload(&genuine)),
    ]
    .concat();
    let (code, out, err) = verify("text-first.ndef", msg);
    assert_eq!(code, Some(4), "{out}{err}");
    assert!(err.contains("first record"), "{err}");

    // The genuine link first and a text record after it: valid, and the text is reported.
    let msg = [
        record(true, false, 1, b"U", &uri_payload(&genuine)),
        record(false, true, 1, b"T", b"\x02enHello"),
    ]
    .concat();
    let (code, out, err) = verify("text-after.ndef", msg);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(
            "warning: the tag holds other records besides the link: record 2: a text record"
        ),
        "{out}"
    );
}

// ---------------------------------------------------------------- item 7

fn qr_image(texts: &[&str]) -> image::GrayImage {
    let scale = 5;
    let quiet = 6;
    let codes: Vec<qrcode::QrCode> = texts
        .iter()
        .map(|t| qrcode::QrCode::new(t.as_bytes()).unwrap())
        .collect();
    let cell = codes.iter().map(|c| c.width()).max().unwrap() + 2 * quiet;
    let (w, h) = ((cell * codes.len() * scale) as u32, (cell * scale) as u32);
    image::GrayImage::from_fn(w, h, |x, y| {
        let (mx, my) = (x as usize / scale, y as usize / scale);
        let c = &codes[mx / cell];
        let (cx, cy) = (mx % cell, my);
        let n = c.width();
        let dark = cx >= quiet
            && cy >= quiet
            && cx < n + quiet
            && cy < n + quiet
            && c[(cx - quiet, cy - quiet)] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    })
}

#[test]
fn images_with_several_codes_report_every_code() {
    let dir = tempfile::tempdir().unwrap();
    let ours = demo_link();
    let png = dir.path().join("two.png");
    qr_image(&[&ours, "https://shop.example/promo"])
        .save(&png)
        .unwrap();
    let (code, out, err) = run(&["decode", png.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    let (code, out, err) = run(&["verify", png.to_str().unwrap(), "--trust", "samples/trust"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("warning: the image also holds 1 QR code that is not an iotlabel link: https://shop.example/promo"),
        "{out}"
    );

    let (_, other, _) = run(&[
        "sign",
        "samples/smart-bulb.toml",
        "--key",
        "samples/keys/demo.pem",
    ]);
    let png = dir.path().join("ours-twice.png");
    qr_image(&[&ours, other.trim()]).save(&png).unwrap();
    let (code, out, err) = run(&[
        "verify",
        png.to_str().unwrap(),
        "--trust",
        "samples/trust",
        "--json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("the image holds 2 iotlabel links"),
        "{out}"
    );
}

// ---------------------------------------------------------------- item 14

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
    let body = [kind, data].concat();
    [
        (data.len() as u32).to_be_bytes().to_vec(),
        body.clone(),
        crc32(&body).to_be_bytes().to_vec(),
    ]
    .concat()
}

#[test]
fn images_claiming_huge_dimensions_are_refused_before_decoding() {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let png = [
        b"\x89PNG\r\n\x1a\n".to_vec(),
        chunk(b"IHDR", &ihdr),
        chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
        chunk(b"IEND", b""),
    ]
    .concat();
    assert_eq!(
        iotlabel::scan::scan_image_bytes(&png),
        Err(iotlabel::scan::ScanError::TooLarge {
            width: 20_000,
            height: 20_000
        })
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.png");
    std::fs::write(&p, &png).unwrap();
    let (code, _, err) = run(&["verify", p.to_str().unwrap(), "--trust", "samples/trust"]);
    assert_eq!(code, Some(4), "{err}");
    assert!(err.contains("20000×20000"), "{err}");
}

// ---------------------------------------------------------------- item 12

#[test]
fn batch_cells_read_only_path_columns_and_only_inside_the_batch_directory() {
    use iotlabel::sheet::batch::{self, BatchOptions};
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("batch");
    std::fs::create_dir(&inner).unwrap();
    let secret = "root:x:0:0:SECRET-CONTENT";
    std::fs::write(dir.path().join("outside.txt"), secret).unwrap();
    std::fs::write(inner.join("inside.txt"), secret).unwrap();
    let outside = dir.path().join("outside.txt");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, inner.join("link.cose")).unwrap();
    let csv = inner.join("b.csv");
    std::fs::write(
        &csv,
        format!(
            "link,cose,quantity\n{},,1\n,{},1\n,../outside.txt,1\n,link.cose,1\n,inside.txt,1\n",
            outside.display(),
            outside.display()
        ),
    )
    .unwrap();
    let opts = |allow| BatchOptions {
        key: None,
        base_url: Some("https://v.example/t".into()),
        check: Default::default(),
        templates: vec!["compact".into()],
        langs: vec!["en".into()],
        allow_paths_outside: allow,
        alg: Default::default(),
        signed_inputs: iotlabel::verify::ArtworkPolicy {
            trust: None,
            unverified: true,
        },
        records_issued: None,
    };
    let out = batch::prepare(&csv, &opts(false), &|_| {}).unwrap();
    let msgs: Vec<String> = out
        .problems
        .iter()
        .map(|p| format!("{} {}: {}", p.row, p.field, p.message))
        .collect();
    let all = msgs.join("\n");
    assert!(!all.contains("SECRET"), "{all}");
    assert_eq!(out.problems.len(), 5, "{all}");
    assert!(msgs[0].starts_with("1 link: not a link"), "{all}");
    for m in &msgs[1..4] {
        assert!(m.contains("outside the batch file's directory"), "{all}");
    }
    assert!(
        msgs[4].starts_with("5 cose: malformed signed envelope"),
        "{all}"
    );
    // With --allow-paths-outside the file is read, and still not echoed.
    let out = batch::prepare(&csv, &opts(true), &|_| {}).unwrap();
    let all: String = out
        .problems
        .iter()
        .map(|p| p.message.clone() + "\n")
        .collect();
    assert!(!all.contains("SECRET"), "{all}");
    assert!(
        all.matches("malformed signed envelope").count() >= 3,
        "{all}"
    );
}

// ---------------------------------------------------------------- item 16 (batches)

#[test]
fn a_batch_with_many_bad_rows_lists_twenty_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("link,quantity\n");
    for i in 0..30 {
        csv.push_str(&format!("not-a-link-{i},1\n"));
    }
    let batch = write(dir.path(), "b.csv", &csv);
    let out = dir.path().join("out.pdf");
    let (code, _, err) = run(&[
        "sheet",
        batch.to_str().unwrap(),
        "--stock",
        "avery-5160",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("30 of 30 rows"), "{err}");
    assert!(
        err.contains("not-a-link-19") && !err.contains("not-a-link-20"),
        "{err}"
    );
    assert!(err.contains("and 10 more problems not shown"), "{err}");
}
