//! End-to-end tests of the signing commands through the real binary: every sample
//! round-trips declaration → sign → verify, exit codes distinguish the verdicts, key
//! rotation keeps old labels valid, and files are never clobbered.

mod common;
use common::samples;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn iotlabel() -> Command {
    let mut c = Command::cargo_bin("iotlabel").unwrap();
    c.current_dir(root());
    c
}

fn sign(decl: &Path, key: &str) -> String {
    let out = iotlabel()
        .args(["sign", decl.to_str().unwrap(), "--key", key])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn verify_json(input: &str, trust: &[&str]) -> (i32, serde_json::Value) {
    let mut c = iotlabel();
    c.args(["verify", input, "--json"]);
    for t in trust {
        c.args(["--trust", t]);
    }
    let out = c.output().unwrap();
    // A crash or a usage error prints no JSON: that is a failure of the test, never a
    // verdict that merely "is not valid".
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("verify {input} was killed by a signal"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "verify {input} --json printed no JSON ({e}); exit {code}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(v["input"], input, "the JSON names its input");
    (code, v)
}

/// What `verify --json` must say for `input`, decided by the library the binary wraps:
/// (exit code, verdict). Unreadable envelopes are "malformed" (4); a readable one gets
/// the trust store's verdict and its exit code; a payload that a trusted signature
/// covers but this version cannot read is "malformed" too.
fn expected_verdict(input: &str) -> (i32, String) {
    use iotlabel::source::{self, SourceOptions};
    let trust = iotlabel::keys::TrustStore::load(&[root().join("samples/trust")]).unwrap();
    match source::load(input, &SourceOptions::default()) {
        Err(e) => {
            assert!(e.is_malformed(), "{input}: not a verdict but {e}");
            (4, "malformed".into())
        }
        Ok(env) => {
            let v = iotlabel::verify::verify(env, &trust);
            if matches!(v.facts, Some(Err(_))) {
                return (4, "malformed".into());
            }
            let name = serde_json::to_value(v.verdict).unwrap();
            (
                i32::from(v.verdict.exit_code()),
                name.as_str().unwrap().to_string(),
            )
        }
    }
}

#[test]
fn every_sample_round_trips_through_sign_and_verify() {
    for decl in samples() {
        let link = sign(&decl, "samples/keys/demo.pem");
        assert!(link.starts_with("https://"), "{link}");
        let (code, v) = verify_json(&link, &["samples/trust"]);
        assert_eq!(code, 0, "{}: {v}", decl.display());
        assert_eq!(v["verdict"], "valid");
        assert_eq!(
            v["signer"],
            "iotlabel demo key (samples only, not a real manufacturer)"
        );
        // The decoded declaration equals the source on every field the payload carries.
        let original =
            iotlabel::declaration::load(&decl, &iotlabel::declaration::CheckOptions::lenient())
                .unwrap();
        let expected = iotlabel::payload::Facts::from_declaration(&original).to_declaration();
        assert_eq!(
            v["declaration"],
            serde_json::to_value(&expected).unwrap(),
            "{}",
            decl.display()
        );
        assert_eq!(
            v["declaration"]["product"]["manufacturer"],
            original.product.manufacturer.as_str()
        );
    }
}

#[test]
fn exit_codes_distinguish_valid_bad_unknown_and_malformed() {
    let link = sign(
        &root().join("samples/thermostat.toml"),
        "samples/keys/demo.pem",
    );
    assert_eq!(verify_json(&link, &["samples/trust"]).0, 0);

    // One digit changed in the middle of the payload.
    let (base, digits) = link.split_once('#').unwrap();
    let mut d: Vec<u8> = digits.bytes().collect();
    let i = d.len() / 2;
    d[i] = if d[i] == b'1' { b'2' } else { b'1' };
    let tampered = format!("{base}#{}", String::from_utf8(d).unwrap());
    let (code, v) = verify_json(&tampered, &["samples/trust"]);
    let want = expected_verdict(&tampered);
    assert_ne!(want.1, "valid");
    assert_eq!(
        (code, v["verdict"].as_str().unwrap().to_string()),
        want,
        "{v}"
    );

    // The last byte of the envelope is signature: changing it leaves a well-formed
    // envelope from a trusted key whose signature fails, exactly "bad-signature", 1.
    let mut cose = iotlabel::source::decode_signed(&link)
        .unwrap()
        .cose()
        .to_vec();
    *cose.last_mut().unwrap() ^= 0x01;
    let base_url = iotlabel::link::BaseUrl::parse(base).unwrap();
    let forged = iotlabel::link::format_link(&base_url, &cose, iotlabel::link::PayloadForm::Digits);
    let (code, v) = verify_json(&forged, &["samples/trust"]);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (1, Some("bad-signature")),
        "{v}"
    );

    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.pem");
    iotlabel::keys::generate(&other, &dir.path().join("other.pub.pem")).unwrap();
    let foreign = sign(
        &root().join("samples/thermostat.toml"),
        other.to_str().unwrap(),
    );
    let (code, v) = verify_json(&foreign, &["samples/trust"]);
    assert_eq!((code, v["verdict"].as_str()), (3, Some("unknown-key")));

    let (code, v) = verify_json("https://nordlicht.example/v#12345", &["samples/trust"]);
    assert_eq!((code, v["verdict"].as_str()), (4, Some("malformed")));
}

#[test]
fn every_payload_bit_flip_in_a_link_fails() {
    // Through the binary for a sample of positions; the library test covers every bit.
    let link = sign(&root().join("samples/tv.toml"), "samples/keys/demo.pem");
    let signed = iotlabel::source::decode_signed(&link).unwrap();
    let cose = signed.cose().to_vec();
    let base = iotlabel::link::BaseUrl::parse(link.split('#').next().unwrap()).unwrap();
    // The Ed25519 signature is the envelope's last 64 bytes (a bstr of length 64).
    let sig_start = cose.len() - 64;
    assert_eq!(&cose[sig_start - 2..sig_start], &[0x58, 0x40]);
    let mut seen = std::collections::BTreeSet::new();
    for bit in (0..cose.len() * 8).step_by(97) {
        let mut c = cose.clone();
        c[bit / 8] ^= 1 << (bit % 8);
        let l = iotlabel::link::format_link(&base, &c, iotlabel::link::PayloadForm::Digits);
        let (code, v) = verify_json(&l, &["samples/trust"]);
        let got = (code, v["verdict"].as_str().unwrap_or("").to_string());
        assert_eq!(got, expected_verdict(&l), "bit {bit}: {v}");
        assert_ne!(got.1, "valid", "bit {bit}");
        if bit / 8 >= sig_start {
            assert_eq!(got, (1, "bad-signature".to_string()), "signature bit {bit}");
        }
        seen.insert(got.1);
    }
    // The sampled positions reach both the structure and the signature.
    assert!(
        seen.contains("bad-signature") && seen.contains("malformed"),
        "{seen:?}"
    );
}

#[test]
fn key_rotation_keeps_old_labels_valid() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("2026.pem"), dir.path().join("2027.pem"));
    iotlabel::keys::generate(&old, &dir.path().join("2026.pub.pem")).unwrap();
    iotlabel::keys::generate(&new, &dir.path().join("2027.pub.pem")).unwrap();
    std::fs::write(
        dir.path().join("keyset.toml"),
        "[[key]]\nname = \"Acme 2026 (retired)\"\nfile = \"2026.pub.pem\"\nvalid_until = \"2026-12\"\n\n[[key]]\nname = \"Acme 2027\"\nfile = \"2027.pub.pem\"\nvalid_from = \"2027-01\"\n",
    )
    .unwrap();
    let keyset = dir.path().join("keyset.toml");
    let old_label = sign(&root().join("samples/camera.toml"), old.to_str().unwrap());
    let new_label = sign(&root().join("samples/camera.toml"), new.to_str().unwrap());
    let (c1, v1) = verify_json(&old_label, &[keyset.to_str().unwrap()]);
    let (c2, v2) = verify_json(&new_label, &[keyset.to_str().unwrap()]);
    assert_eq!(
        (c1, v1["signer"].as_str()),
        (0, Some("Acme 2026 (retired)"))
    );
    assert_eq!((c2, v2["signer"].as_str()), (0, Some("Acme 2027")));
}

#[test]
fn cose_output_verifies_and_keygen_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let cose = dir.path().join("t.cose");
    iotlabel()
        .args([
            "sign",
            "samples/thermostat.toml",
            "--key",
            "samples/keys/demo.pem",
            "-o",
            cose.to_str().unwrap(),
        ])
        .assert()
        .success();
    let (code, v) = verify_json(cose.to_str().unwrap(), &["samples/trust"]);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("valid")));

    let key = dir.path().join("k.pem");
    std::fs::write(&key, "precious").unwrap();
    iotlabel()
        .args(["keygen", "--out", key.to_str().unwrap()])
        .assert()
        .failure();
    assert_eq!(std::fs::read_to_string(&key).unwrap(), "precious");
    // The private key never appears on standard output or error.
    let fresh = dir.path().join("fresh.pem");
    let out = iotlabel()
        .args(["keygen", "--out", fresh.to_str().unwrap()])
        .output()
        .unwrap();
    let secret = std::fs::read_to_string(&fresh).unwrap();
    let body: String = secret.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(&body)
            && !String::from_utf8_lossy(&out.stderr).contains(&body)
    );
}

#[test]
fn validate_json_reports_every_problem_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.toml");
    std::fs::write(
        &f,
        "[product]\nmanufacturer = \"A\"\nmodle = \"B\"\n\n[updates]\nsecurity_updates = true\ndelivery = \"automatically\"\n\n[support]\nend = \"2030-13\"\n",
    )
    .unwrap();
    let out = iotlabel()
        .args(["validate", f.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = v[0]["problems"].as_array().unwrap();
    let fields: Vec<&str> = problems
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    for expected in [
        "product.modle",
        "product.model",
        "updates.delivery",
        "support.end",
    ] {
        assert!(fields.contains(&expected), "{expected} not in {fields:?}");
    }
    let typo = problems
        .iter()
        .find(|p| p["field"] == "product.modle")
        .unwrap();
    assert_eq!(typo["line"], 3);
    assert!(
        typo["expected"]
            .as_str()
            .unwrap()
            .contains("did you mean `model`")
    );
    let delivery = problems
        .iter()
        .find(|p| p["field"] == "updates.delivery")
        .unwrap();
    assert!(
        delivery["expected"]
            .as_str()
            .unwrap()
            .contains("\"automatic\"")
    );
}

#[test]
fn samples_validate_and_summaries_render_in_every_language() {
    let mut args = vec!["validate".to_string()];
    args.extend(samples().iter().map(|p| p.display().to_string()));
    iotlabel().args(&args).assert().success();
    for lang in iotlabel::summary::Catalogue::languages() {
        let out = iotlabel()
            .args([
                "summary",
                "samples/smart-bulb.toml",
                "--lang",
                lang,
                "--json",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["no_updates"], true);
        assert_eq!(v["lang"], lang);
    }
    let out = iotlabel().args(["schema"]).output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema["properties"]["updates"].is_object());
}

#[test]
fn verify_reads_a_degraded_photo_of_a_printed_label() {
    // The compact label for a real signed sample, rendered at 300 dpi, rotated 3°,
    // blurred, noisy and saved as JPEG: `verify` must still find, decode and accept it.
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("label.png");
    iotlabel()
        .args([
            "label",
            "samples/camera.toml",
            "--key",
            "samples/keys/demo.pem",
            "--template",
            "compact",
            "--dpi",
            "300",
            "-o",
        ])
        .arg(&png)
        .assert()
        .success();
    let (code, v) = verify_json(png.to_str().unwrap(), &["samples/trust"]);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (0, Some("valid")),
        "clean PNG: {v}"
    );

    let img = image::open(&png).unwrap().to_luma8();
    let jpeg = common::degrade_to_jpeg(img.width(), img.height(), img.as_raw(), 3.0, 80);
    let photo = dir.path().join("photo.jpg");
    std::fs::write(&photo, jpeg).unwrap();
    let (code, v) = verify_json(photo.to_str().unwrap(), &["samples/trust"]);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (0, Some("valid")),
        "degraded JPEG: {v}"
    );
    assert_eq!(v["declaration"]["product"]["model"], "Cam 2 Pro");
}

#[test]
fn verify_reads_nfc_dumps() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["ndef", "bin", "hex"] {
        let out = dir.path().join(format!("tag.{ext}"));
        iotlabel()
            .args([
                "nfc",
                "samples/thermostat.toml",
                "--key",
                "samples/keys/demo.pem",
                "-o",
            ])
            .arg(&out)
            .assert()
            .success();
        let (code, v) = verify_json(out.to_str().unwrap(), &["samples/trust"]);
        assert_eq!(
            (code, v["verdict"].as_str()),
            (0, Some("valid")),
            "{ext}: {v}"
        );
    }
}

#[test]
fn the_sample_batch_fills_one_avery_5160_sheet() {
    // samples/batch.csv is what the README's tour runs: six products in four languages.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sheets.pdf");
    let o = iotlabel()
        .args([
            "sheet",
            "samples/batch.csv",
            "--stock",
            "avery-5160",
            "--key",
            "samples/keys/demo.pem",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("30 labels on 1 page"));
    let text = std::process::Command::new("pdftotext")
        .arg(&out)
        .arg("-")
        .output()
        .expect("pdftotext (.ci/setup installs poppler)");
    // Lines joined: a headline may wrap anywhere on a 1-inch label.
    let text = String::from_utf8_lossy(&text.stdout)
        .replace(['\u{a0}', '\u{202f}'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for words in [
        "No security updates",
        "Mises à jour de sécurité",
        "Sicherheitsupdates",
        "Actualizaciones de",
    ] {
        assert!(text.contains(words), "{words:?} missing from the sheet");
    }
}
