//! Independent implementations check our output: Python (cbor2 + cryptography) and
//! pycose verify every test vector, and OpenSSL reads our keys and makes keys we can sign with.

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

/// pycose, the common Python COSE library, verifies every -8 vector with its own
/// COSE_Sign1 code (and still refuses -19, the reason -8 is the default).
#[test]
fn pycose_verifies_every_default_alg_vector() {
    let out = Command::new("python3")
        .arg(root().join("tests/python/verify_pycose.py"))
        .arg(root().join("tests/vectors"))
        .output()
        .expect("python3 must be installed (see .ci/setup)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pycose disagreed (needs `pip install pycose`):\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("valid-thermostat.json: alg -8: verifies"),
        "{text}"
    );
    assert!(
        text.contains("bad-signature-sig-bit.json: alg -8: fails"),
        "{text}"
    );
    let checked: usize = text
        .lines()
        .find_map(|l| l.strip_suffix(" vectors checked with pycose"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(checked >= 10, "{text}");
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
