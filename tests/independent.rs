//! Independent implementations check our output: Python (cbor2 + cryptography) verifies
//! every test vector, and OpenSSL reads our keys and makes keys we can sign with.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn python_cbor2_and_cryptography_verify_every_vector() {
    let out = Command::new("python3")
        .arg(root().join("tests/python/verify_vectors.py"))
        .arg(root().join("tests/vectors"))
        .output()
        .expect("python3 must be installed (see .ci/run)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "independent Python verifier disagreed (needs `pip install cbor2 cryptography`):\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.lines().filter(|l| l.starts_with("ok")).count() >= 18,
        "{text}"
    );
}

/// Every shipped sample's payload, decoded key by key (0–18) by the Python decoder that
/// reads only docs/payload.md and docs/declaration.md, equals what the sample file says
/// (read by Python's own TOML/JSON readers) on every field the payload carries.
#[test]
fn python_decodes_every_sample_payload_to_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<serde_json::Value> = std::fs::read_dir(root().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml" || x == "json"))
        .map(|p| {
            let d =
                iotlabel::declaration::load(&p, &iotlabel::declaration::CheckOptions::lenient())
                    .unwrap();
            let payload =
                iotlabel::payload::encode(&iotlabel::payload::Facts::from_declaration(&d));
            serde_json::json!({"sample": p, "payload_hex": iotlabel::verify::hex(&payload)})
        })
        .collect();
    assert!(cases.len() >= 6);
    let run = |cases: &[serde_json::Value]| {
        let f = dir.path().join("cases.json");
        std::fs::write(&f, serde_json::to_string(cases).unwrap()).unwrap();
        Command::new("python3")
            .arg(root().join("tests/python/payload_decode.py"))
            .arg(&f)
            .output()
            .expect("python3 must be installed (see .ci/setup)")
    };
    let out = run(&cases);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the independent payload decoder disagrees (needs `pip install cbor2`):\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("ok")).count(),
        cases.len(),
        "{text}"
    );
    // The checker can fail: give the first sample the second one's payload.
    let mut swapped = cases.clone();
    swapped[0]["payload_hex"] = cases[1]["payload_hex"].clone();
    let out = run(&swapped[..1]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl must be installed")
}

#[test]
fn openssl_reads_our_keys_and_we_sign_with_openssl_keys() {
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.pem");
    let ours_pub = dir.path().join("ours.pub.pem");
    let kid = iotlabel::keys::generate(&ours, &ours_pub).unwrap();
    let o = openssl(&["pkey", "-in", ours.to_str().unwrap(), "-pubout"]);
    assert!(
        o.status.success(),
        "openssl pkey refused our private key: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        std::fs::read_to_string(&ours_pub).unwrap(),
        "same public key"
    );

    let theirs = dir.path().join("theirs.pem");
    let o = openssl(&[
        "genpkey",
        "-algorithm",
        "ed25519",
        "-out",
        theirs.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let key = iotlabel::keys::load_signing_key(&theirs).unwrap();
    let cose = iotlabel::envelope::sign(b"\xa0", &key);
    let pub_pem = openssl(&["pkey", "-in", theirs.to_str().unwrap(), "-pubout"]).stdout;
    let vk =
        iotlabel::keys::parse_public_pem(&String::from_utf8(pub_pem).unwrap(), &theirs).unwrap();
    assert!(iotlabel::envelope::open(&cose).unwrap().verify(&vk));
    assert_ne!(iotlabel::envelope::key_id(&vk), kid);
}
