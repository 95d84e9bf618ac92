//! The second layer and the trust around it, through the library and the real binary:
//! product-record test vectors (tests/vectors/records/*.json, also checked by the page's
//! JavaScript and by the independent Python checker), `record`/`extend`/`withdraw`,
//! `verify --as-of` and `--records`, keys bound to manufacturers and base URLs, and the
//! artwork commands' refusal to print unverified signed inputs.
//!
//! To regenerate the record vectors after a deliberate format change:
//! `IOTLABEL_BLESS=1 cargo test --test records`.

use assert_cmd::Command;
use ed25519_dalek::SigningKey;
use iotlabel::declaration::YearMonth;
use iotlabel::keys::{self, TrustStore};
use iotlabel::record::{self, Reason, Record, Status};
use iotlabel::verify::{self, RecordVerdict, hex};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn iotlabel() -> Command {
    let mut c = Command::cargo_bin("iotlabel").unwrap();
    c.current_dir(root());
    c
}

/// Standard error with miette's line wrapping and frame undone, for substring checks.
fn flat(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .map(|l| l.trim_start_matches([' ', '│', '×']).trim_end())
        .collect::<Vec<_>>()
        .join(" ")
}

fn key(label: &str) -> SigningKey {
    use sha2::Digest;
    let seed: [u8; 32] = sha2::Sha256::digest(label.as_bytes()).into();
    SigningKey::from_bytes(&seed)
}

const MAKER: &str = "Acme Climate";

fn ym(year: u16, month: u8) -> YearMonth {
    YearMonth { year, month }
}

/// The label the vectors' records are about: the committed thermostat vector's bytes.
fn label_cose() -> Vec<u8> {
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/vectors/valid-thermostat.json")).unwrap(),
    )
    .unwrap();
    let h = v["cose_hex"].as_str().unwrap();
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

fn base_record(label: &[u8]) -> Record {
    let mut notes = BTreeMap::new();
    notes.insert(
        "end_of_support.note".to_string(),
        "Local control keeps working without the cloud service.".to_string(),
    );
    notes.insert(
        "updates.cost_note".to_string(),
        "Updates are free; the optional cloud plan costs 2 EUR a month.".to_string(),
    );
    Record {
        label_hash: record::label_hash(label),
        manufacturer: MAKER.into(),
        seq: 1,
        issued: ym(2026, 11),
        status: Status::Current,
        details_url: Some("https://acme.example/thermo-t1".into()),
        vulnerability_contact: Some("mailto:security@acme.example".into()),
        firmware_version: Some("1.4.2".into()),
        hardware_version: None,
        notes,
    }
}

/// Hand-built CBOR for malformed records: (key, already-encoded value) in the given order.
fn raw_map(items: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut e = minicbor::Encoder::new(&mut buf);
    e.map(items.len() as u64).unwrap();
    for (k, v) in items {
        e.u64(*k).unwrap();
        e.writer_mut().extend_from_slice(v);
    }
    buf
}

fn cbor<T: minicbor::Encode<()>>(v: T) -> Vec<u8> {
    minicbor::to_vec(v).unwrap()
}

fn bstr(b: &[u8]) -> Vec<u8> {
    let mut buf = Vec::new();
    minicbor::Encoder::new(&mut buf).bytes(b).unwrap();
    buf
}

fn keys_json(keys: &[(&SigningKey, &[&str])]) -> Value {
    json!(
        keys.iter()
            .map(|(k, makers)| json!({
                "public_key_pem": keys::public_key_pem(&k.verifying_key()),
                "manufacturers": makers,
            }))
            .collect::<Vec<_>>()
    )
}

fn trust_from(v: &Value) -> TrustStore {
    let dir = tempfile::tempdir().unwrap();
    let mut set = String::new();
    for (i, k) in v["trusted_keys"].as_array().unwrap().iter().enumerate() {
        let f = dir.path().join(format!("k{i}.pub.pem"));
        std::fs::write(&f, k["public_key_pem"].as_str().unwrap()).unwrap();
        let makers: Vec<String> = k["manufacturers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| format!("{m}"))
            .collect();
        set.push_str(&format!(
            "[[key]]\nname = \"key {i}\"\nfile = \"k{i}.pub.pem\"\nmanufacturers = [{}]\n",
            makers.join(", ")
        ));
    }
    let p = dir.path().join("keys.toml");
    std::fs::write(&p, set).unwrap();
    TrustStore::load(&[p]).unwrap()
}

fn generate() -> Vec<(String, Value)> {
    let label = label_cose();
    let a = key("iotlabel test vector key A");
    let other = key("iotlabel test vector key B");
    let base = base_record(&label);
    let trusted_a = keys_json(&[(&a, &[MAKER])]);
    let mut out = Vec::new();
    let mut push = |name: &str,
                    description: &str,
                    record_cose: Option<Vec<u8>>,
                    trusted: &Value,
                    expected: &str,
                    rec: Option<&Record>| {
        out.push((
            name.to_string(),
            json!({
                "description": description,
                "label_cose_hex": hex(&label),
                "label_manufacturer": MAKER,
                "address": record::address(&label),
                "record_cose_hex": record_cose.as_deref().map(hex),
                "record_payload_hex": record_cose.as_deref()
                    .and_then(|c| iotlabel::envelope::open(c).ok())
                    .map(|o| hex(&o.payload)),
                "trusted_keys": trusted,
                "expected": expected,
                "record": rec.map(Record::to_json),
            }),
        ));
    };
    let sign = |r: &Record, k: &SigningKey| iotlabel::envelope::sign(&record::encode(r), k);

    push(
        "valid-current",
        "first record: nothing new, with the declaration's contacts and notes",
        Some(sign(&base, &a)),
        &trusted_a,
        "valid",
        Some(&base),
    );
    let ext = base.next(
        ym(2027, 3),
        Status::Extended {
            until: ym(2033, 12),
        },
    );
    push(
        "valid-extended",
        "support extended to 2033-12, announced 2027-03",
        Some(sign(&ext, &a)),
        &trusted_a,
        "valid",
        Some(&ext),
    );
    let wd = ext.next(
        ym(2028, 1),
        Status::Withdrawn {
            reason: Reason::Safety,
        },
    );
    push(
        "valid-withdrawn",
        "withdrawn for a safety problem",
        Some(sign(&wd, &a)),
        &trusted_a,
        "valid",
        Some(&wd),
    );
    let sup = base.next(
        ym(2029, 6),
        Status::Superseded {
            reason: Reason::Replaced,
            by: Some(record::label_hash(b"a newer label")),
        },
    );
    push(
        "valid-superseded",
        "superseded by a newer label (its SHA-256)",
        Some(sign(&sup, &a)),
        &trusted_a,
        "valid",
        Some(&sup),
    );
    push(
        "missing",
        "no record published (or offline)",
        None,
        &trusted_a,
        "missing",
        None,
    );
    push(
        "unknown-key",
        "a genuine-looking record signed by a key nobody trusts",
        Some(sign(&ext, &other)),
        &trusted_a,
        "unknown-key",
        None,
    );
    let mut bad = sign(&ext, &a);
    let n = bad.len();
    bad[n - 1] ^= 1;
    push(
        "bad-signature",
        "the last signature bit flipped",
        Some(bad),
        &trusted_a,
        "bad-signature",
        None,
    );
    push(
        "other-party",
        "signed by a trusted key that is bound to another manufacturer",
        Some(sign(&ext, &other)),
        &keys_json(&[(&a, &[MAKER]), (&other, &["Other Maker Ltd"])]),
        "other-party",
        None,
    );
    let mut wrong = ext.clone();
    wrong.label_hash = record::label_hash(b"another label");
    push(
        "wrong-label",
        "a valid record about another label, copied to this label's address",
        Some(sign(&wrong, &a)),
        &trusted_a,
        "wrong-label",
        None,
    );
    let fields = |order: &[u64]| -> Vec<u8> {
        let all: BTreeMap<u64, Vec<u8>> = [
            (0, cbor(1u64)),
            (1, bstr(&record::label_hash(&label))),
            (2, cbor(MAKER)),
            (3, cbor(2u64)),
            (4, cbor(u64::from(ym(2027, 3).index()))),
            (5, cbor(1u64)),
            (6, cbor(u64::from(ym(2033, 12).index()))),
        ]
        .into_iter()
        .collect();
        raw_map(
            &order
                .iter()
                .map(|k| (*k, all[k].clone()))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        fields(&[0, 1, 2, 3, 4, 5, 6]),
        record::encode(&Record {
            details_url: None,
            vulnerability_contact: None,
            firmware_version: None,
            notes: BTreeMap::new(),
            ..ext.clone()
        })
    );
    push(
        "malformed-key-order",
        "signed, but map keys 5 and 4 swapped (not deterministic)",
        Some(iotlabel::envelope::sign(
            &fields(&[0, 1, 2, 3, 5, 4, 6]),
            &a,
        )),
        &trusted_a,
        "malformed",
        None,
    );
    push(
        "malformed-status-fields",
        "signed, status current (0) but an extension month (6) given",
        Some(iotlabel::envelope::sign(
            &raw_map(&[
                (0, cbor(1u64)),
                (1, bstr(&record::label_hash(&label))),
                (2, cbor(MAKER)),
                (3, cbor(1u64)),
                (4, cbor(u64::from(ym(2026, 11).index()))),
                (5, cbor(0u64)),
                (6, cbor(u64::from(ym(2033, 12).index()))),
            ]),
            &a,
        )),
        &trusted_a,
        "malformed",
        None,
    );
    let mut http = base.clone();
    http.details_url = Some("http://acme.example/thermo-t1".into());
    push(
        "malformed-http-url",
        "signed, but the details URL is http://, which the page must never link",
        Some(iotlabel::envelope::sign(&record::encode(&http), &a)),
        &trusted_a,
        "malformed",
        None,
    );
    let mut mailto = base.clone();
    mailto.details_url = Some("mailto:info@acme.example".into());
    push(
        "malformed-mailto-details",
        "signed, but the details URL is mailto: (only the contact may be)",
        Some(iotlabel::envelope::sign(&record::encode(&mailto), &a)),
        &trusted_a,
        "malformed",
        None,
    );
    let label_payload = iotlabel::envelope::open(&label).unwrap().payload;
    push(
        "malformed-label-as-record",
        "a label's payload signed by the same key is not a record",
        Some(iotlabel::envelope::sign(&label_payload, &a)),
        &trusted_a,
        "malformed",
        None,
    );
    out
}

fn verdict_name(v: RecordVerdict) -> String {
    serde_json::to_value(v)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn record_vectors_are_current_and_verify_as_expected() {
    let dir = root().join("tests/vectors/records");
    let bless = std::env::var_os("IOTLABEL_BLESS").is_some();
    if bless {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let vectors = generate();
    for (name, v) in &vectors {
        let path = dir.join(format!("{name}.json"));
        let text = serde_json::to_string_pretty(v).unwrap() + "\n";
        if bless {
            std::fs::write(&path, &text).unwrap();
        } else {
            let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|_| {
                panic!(
                    "{} missing; run IOTLABEL_BLESS=1 cargo test --test records",
                    path.display()
                )
            });
            assert_eq!(
                on_disk, text,
                "{name}.json differs from what the code generates"
            );
        }
        let trust = trust_from(v);
        let rec: Option<Vec<u8>> = v["record_cose_hex"].as_str().map(|h| {
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                .collect()
        });
        let c = verify::verify_record(rec.as_deref(), &label_cose(), MAKER, &trust);
        assert_eq!(
            verdict_name(c.verdict),
            v["expected"],
            "{name}: {:?}",
            c.error
        );
        assert_eq!(
            c.record.map(|r| r.to_json()),
            Some(v["record"].clone()).filter(|r| !r.is_null()),
            "{name}"
        );
    }
    assert!(vectors.len() >= 14);
}

/// Runs an independent checker over the record vectors; it must pass every one.
fn check_with(what: &str, mut cmd: std::process::Command, missing: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{missing}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{what}:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.trim_end().ends_with(&format!(
            "{n}/{n} record vectors passed",
            n = generate().len()
        )),
        "{stdout}"
    );
}

#[test]
fn record_vectors_agree_with_the_page_and_the_python_checker() {
    let dir = root().join("tests/vectors/records");
    let node = std::env::var("NODE").unwrap_or_else(|_| "node".into());
    let mut page = std::process::Command::new(&node);
    page.arg(root().join("tests/site/records.mjs")).arg(&dir);
    check_with(
        "page's JavaScript",
        page,
        &format!("`{node}` (Node.js 20+) is needed for the page's tests"),
    );
    let mut python = std::process::Command::new("python3");
    python
        .arg(root().join("tests/python/verify_records.py"))
        .arg(&dir);
    check_with(
        "Python checker",
        python,
        "python3 with cbor2 and cryptography (.ci/setup installs them)",
    );
}

// ---------------------------------------------------------------- the binary

fn sign_sample(name: &str) -> String {
    let out = iotlabel()
        .args([
            "sign",
            &format!("samples/{name}.toml"),
            "--key",
            "samples/keys/demo.pem",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn verify_json(args: &[&str]) -> (i32, Value) {
    let out = iotlabel()
        .arg("verify")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("no JSON: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), v)
}

#[test]
fn verify_as_of_says_todays_verdict_and_keeps_the_signature_exit_code() {
    let link = sign_sample("thermostat"); // until 12/2031
    let (code, v) = verify_json(&[&link, "--trust", "samples/trust", "--as-of", "2032-03-01"]);
    assert_eq!(
        code, 0,
        "support ended does not change the signature verdict"
    );
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["today"]["state"], "ended");
    assert_eq!(v["today"]["as_of"], "2032-03-01");
    assert_eq!(v["today"]["support_end"], "2031-12");
    assert_eq!(v["today"]["months_left"], -3);
    assert_eq!(
        v["today"]["text"],
        "Security updates ended in December 2031"
    );
    assert_eq!(v["host"], "nordlicht.example");
    assert_eq!(v["host_foreign"], false);

    let (_, v) = verify_json(&[
        &link,
        "--trust",
        "samples/trust",
        "--as-of",
        "2026-11-29",
        "--lang",
        "de",
    ]);
    assert_eq!(v["today"]["state"], "supported");
    assert_eq!(v["today"]["months_left"], 61);
    assert_eq!(
        v["today"]["text"],
        "Sicherheitsupdates mindestens bis Dezember 2031: noch etwa 5 Jahre"
    );

    let text = iotlabel()
        .args([
            "verify",
            &link,
            "--trust",
            "samples/trust",
            "--as-of",
            "2031-12-31",
        ])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&text.stdout);
    assert!(
        s.contains(
            "Security updates until at least December 2031: they end this month (as of 2031-12-31)"
        ),
        "{s}"
    );
    assert!(s.contains("link host: nordlicht.example"), "{s}");

    let bulb = sign_sample("smart-bulb");
    let (code, v) = verify_json(&[&bulb, "--trust", "samples/trust", "--as-of", "2026-11-29"]);
    assert_eq!(
        (code, v["today"]["state"].as_str()),
        (0, Some("no-updates"))
    );

    let bad = iotlabel()
        .args([
            "verify",
            &link,
            "--trust",
            "samples/trust",
            "--as-of",
            "2031-02-30",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(flat(&bad.stderr).contains("has no day 30"));
}

#[test]
fn keys_are_bound_to_makers_and_base_urls() {
    let dir = tempfile::tempdir().unwrap();
    let pem = root().join("samples/trust/demo.pub.pem");
    let set = |makers: &str, urls: &str| {
        let p = dir
            .path()
            .join(format!("k{}.toml", makers.len() + urls.len()));
        std::fs::write(
            &p,
            format!(
                "[[key]]\nname = \"Glimmer key\"\nfile = \"{}\"\nmanufacturers = [{makers}]\n{urls}",
                pem.display()
            ),
        )
        .unwrap();
        p.display().to_string()
    };
    let link = sign_sample("thermostat");
    // A key trusted for another maker: "signed by another party", exit 5.
    let other = set("\"Glimmer Lighting Co.\"", "");
    let (code, v) = verify_json(&[&link, "--trust", &other]);
    assert_eq!((code, v["verdict"].as_str()), (5, Some("other-party")));
    assert_eq!(v["signer_manufacturers"], json!(["Glimmer Lighting Co."]));
    // Bound to the maker, with base URLs: the genuine host is valid, another host is
    // "foreign-host", exit 6, and the text output warns.
    let bound = set(
        "\"Nordlicht Home GmbH\"",
        "base_urls = [\"https://nordlicht.example/v\"]\n",
    );
    let (code, v) = verify_json(&[&link, "--trust", &bound]);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("valid")));
    let digits = &link[link.find('#').unwrap()..];
    let evil = format!("https://evil.example/v{digits}");
    let (code, v) = verify_json(&[&evil, "--trust", &bound]);
    assert_eq!((code, v["verdict"].as_str()), (6, Some("foreign-host")));
    assert_eq!(v["host"], "evil.example");
    assert_eq!(v["host_expected"], json!(["https://nordlicht.example/v"]));
    let out = iotlabel()
        .args(["verify", &evil, "--trust", &bound])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("link host: evil.example — WARNING"), "{s}");
    assert!(s.contains("verdict: FOREIGN HOST"), "{s}");
    // A bad base URL in a keyset is refused with the field named.
    let broken = set("\"Nordlicht Home GmbH\"", "base_urls = [\"ftp://x\"]\n");
    let out = iotlabel()
        .args(["verify", &link, "--trust", &broken])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(flat(&out.stderr).contains("key[0].base_urls[0]"));
}

#[test]
fn artwork_commands_verify_signed_inputs_they_did_not_sign() {
    let dir = tempfile::tempdir().unwrap();
    let link = sign_sample("thermostat");
    let run = |args: &[&str]| iotlabel().args(args).output().unwrap();
    let out = |n: &str| dir.path().join(n).display().to_string();
    // No --trust: refused, nothing written.
    let o = run(&["qr", &link, "-o", &out("a.svg")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(flat(&o.stderr).contains("without --trust"));
    assert!(!dir.path().join("a.svg").exists());
    // Verified against the trust store: made.
    for cmd in ["qr", "label"] {
        let f = out(&format!("{cmd}.svg"));
        let o = run(&[cmd, &link, "--trust", "samples/trust", "-o", &f]);
        assert!(
            o.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = run(&[
        "nfc",
        &link,
        "--trust",
        "samples/trust",
        "-o",
        &out("t.ndef"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // An unknown signer: refused, unless --unverified (with a warning).
    let k = key("someone else");
    let kp = dir.path().join("other.pem");
    std::fs::write(&kp, keys::private_key_pem(&k).unwrap().as_bytes()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&kp, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let o = iotlabel()
        .args(["sign", "samples/thermostat.toml", "--key"])
        .arg(&kp)
        .output()
        .unwrap();
    let foreign = String::from_utf8(o.stdout).unwrap().trim().to_string();
    let o = run(&[
        "label",
        &foreign,
        "--trust",
        "samples/trust",
        "-o",
        &out("f.svg"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(flat(&o.stderr).contains("which no trusted key has"));
    let o = run(&[
        "label",
        &foreign,
        "--trust",
        "samples/trust",
        "--unverified",
        "-o",
        &out("f.svg"),
    ]);
    assert!(o.status.success());
    assert!(flat(&o.stderr).contains("UNVERIFIED"));
    // A bad signature: refused even with --unverified.
    let mut cose = iotlabel::source::decode_signed(&link)
        .unwrap()
        .envelope
        .cose;
    let n = cose.len();
    cose[n - 1] ^= 1;
    let bad = dir.path().join("bad.cose");
    std::fs::write(&bad, &cose).unwrap();
    let o = run(&[
        "qr",
        bad.to_str().unwrap(),
        "--base-url",
        "https://nordlicht.example/v",
        "--trust",
        "samples/trust",
        "--unverified",
        "-o",
        &out("bad.svg"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(flat(&o.stderr).contains("the signature does not verify"));
    assert!(!dir.path().join("bad.svg").exists());
    // A declaration signed in this run needs neither flag.
    let o = run(&[
        "qr",
        "samples/thermostat.toml",
        "--key",
        "samples/keys/demo.pem",
        "-o",
        &out("d.svg"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn record_extend_withdraw_and_verify_records() {
    let dir = tempfile::tempdir().unwrap();
    let recs = dir.path().join("records");
    let r = recs.to_str().unwrap();
    let link = sign_sample("thermostat");
    let ok = |args: &[&str]| {
        let o = iotlabel().args(args).output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let signer = ["--key", "samples/keys/demo.pem", "-o", r];
    // `record` from the declaration addresses the same label `sign` printed.
    let path = ok(&[
        &["record", "samples/thermostat.toml", "--issued", "2026-11"][..],
        &signer[..],
    ]
    .concat());
    let addr = record::address(
        &iotlabel::source::decode_signed(&link)
            .unwrap()
            .envelope
            .cose,
    );
    assert_eq!(path.trim(), recs.join(&addr).display().to_string());
    let (code, v) = verify_json(&[
        &link,
        "--trust",
        "samples/trust",
        "--records",
        r,
        "--as-of",
        "2032-03-01",
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["record"]["verdict"], "valid");
    assert_eq!(v["record"]["record"]["status"], "current");
    assert_eq!(
        v["record"]["record"]["vulnerability_contact"],
        "mailto:security@nordlicht.example"
    );
    assert_eq!(v["record"]["record"]["firmware_version"], "3.2.0");
    assert_eq!(v["today"]["state"], "ended");

    ok(&[
        &["extend", &link, "--until", "2033-12", "--issued", "2027-03"][..],
        &signer[..],
    ]
    .concat());
    let (_, v) = verify_json(&[
        &link,
        "--trust",
        "samples/trust",
        "--records",
        r,
        "--as-of",
        "2032-03-01",
    ]);
    assert_eq!(v["record"]["record"]["status"], "extended");
    assert_eq!(v["record"]["record"]["seq"], 2);
    assert_eq!(
        v["record"]["text"],
        "Support extended to December 2033, announced March 2027."
    );
    assert_eq!(v["today"]["state"], "supported");
    assert_eq!(v["today"]["extended"], true);
    assert_eq!(v["today"]["support_end"], "2033-12");
    assert!(
        recs.join(format!("{addr}.1")).exists(),
        "the first record is kept beside"
    );

    // An extension only moves the end later.
    let o = iotlabel()
        .args([&["extend", &link, "--until", "2032-06"][..], &signer[..]].concat())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(flat(&o.stderr).contains("2032-06 is not after"));

    ok(&[
        &[
            "withdraw",
            &link,
            "--reason",
            "security-issue",
            "--issued",
            "2028-01",
        ][..],
        &signer[..],
    ]
    .concat());
    let out = ok(&[
        "verify",
        &link,
        "--trust",
        "samples/trust",
        "--records",
        r,
        "--as-of",
        "2028-02-01",
    ]);
    assert!(out.contains("Withdrawn by the manufacturer in January 2028: a security flaw that updates will not fix."), "{out}");

    // A record signed by a key not trusted for the maker is ignored and reported.
    let bound = dir.path().join("bound.toml");
    std::fs::write(
        &bound,
        format!(
            "[[key]]\nname = \"labels\"\nfile = \"{}\"\nmanufacturers = [\"Nordlicht Home GmbH\"]\n",
            root().join("samples/trust/demo.pub.pem").display()
        ),
    )
    .unwrap();
    let planted = dir.path().join("planted");
    std::fs::create_dir(&planted).unwrap();
    let cose = iotlabel::source::decode_signed(&link)
        .unwrap()
        .envelope
        .cose;
    let forged = base_record(&cose);
    let forged = Record {
        manufacturer: "Nordlicht Home GmbH".into(),
        status: Status::Extended { until: ym(2040, 1) },
        ..forged
    };
    record::write(&planted, &cose, &forged, &key("intruder")).unwrap();
    let (code, v) = verify_json(&[
        &link,
        "--trust",
        bound.to_str().unwrap(),
        "--records",
        planted.to_str().unwrap(),
        "--as-of",
        "2032-03-01",
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["record"]["verdict"], "unknown-key");
    assert_eq!(v["record"]["record"], Value::Null);
    assert_eq!(
        v["today"]["state"], "ended",
        "the forged extension is ignored"
    );
    // Missing: "could not check".
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (_, v) = verify_json(&[
        &link,
        "--trust",
        "samples/trust",
        "--records",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(v["record"]["verdict"], "missing");
    assert_eq!(v["record"]["text"], "Could not check for later changes.");

    // `site --records` publishes them beside the page.
    let site = dir.path().join("site");
    ok(&[
        "site",
        "--trust",
        "samples/trust",
        "--records",
        r,
        "-o",
        site.to_str().unwrap(),
    ]);
    assert!(site.join("records").join(&addr).exists());
    assert!(site.join("records").join(format!("{addr}.2")).exists());
    let o = iotlabel()
        .args([
            "site",
            "--trust",
            bound.to_str().unwrap(),
            "--records",
            planted.to_str().unwrap(),
            "-o",
        ])
        .arg(dir.path().join("site2"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "a site never publishes a record it cannot verify"
    );
    assert!(flat(&o.stderr).contains("not signed by a key this site trusts"));
}

#[test]
fn validate_lists_the_fields_that_go_only_to_the_record() {
    let o = iotlabel()
        .args(["validate", "samples/thermostat.toml", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let fields: Vec<&str> = v[0]["record_only"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "product.details_url",
            "product.vulnerability_contact",
            "product.firmware_version",
            "product.hardware_version",
            "end_of_support.note",
            "support.note",
            "updates.note",
        ]
    );
    let o = iotlabel()
        .args(["validate", "samples/thermostat.toml"])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("not printed on the label; published only in its product record"),
        "{s}"
    );
    assert!(s.contains("    updates.note\n"), "{s}");
}

#[test]
fn sheet_writes_the_records_of_a_whole_batch() {
    let dir = tempfile::tempdir().unwrap();
    let recs = dir.path().join("records");
    let o = iotlabel()
        .args([
            "sheet",
            "samples/batch.csv",
            "--stock",
            "avery-5160",
            "--key",
            "samples/keys/demo.pem",
            "--records",
            recs.to_str().unwrap(),
            "--issued",
            "2026-11",
            "-o",
        ])
        .arg(dir.path().join("s.pdf"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", flat(&o.stderr));
    assert!(
        flat(&o.stderr).contains("wrote 6 product records"),
        "{}",
        flat(&o.stderr)
    );
    // The thermostat's record is the one `record` would write for the label `sign` prints.
    let link = sign_sample("thermostat");
    let (_, v) = verify_json(&[
        &link,
        "--trust",
        "samples/trust",
        "--records",
        recs.to_str().unwrap(),
    ]);
    assert_eq!(v["record"]["verdict"], "valid");
    assert_eq!(v["record"]["record"]["issued"], "2026-11");
    assert_eq!(
        v["record"]["record"]["details_url"],
        "https://nordlicht.example/security/therma-t3"
    );
    let labels = std::fs::read_dir(&recs)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".label")
        })
        .count();
    assert_eq!(labels, 6);
}

#[test]
fn a_record_made_from_the_declaration_addresses_the_label_signed_with_the_same_alg() {
    // A label signed with `--alg ed25519` (-19) and its record made from the declaration
    // with the same option land at the same address as a record made from the label.
    let dir = tempfile::tempdir().unwrap();
    let out = iotlabel()
        .args([
            "sign",
            "samples/thermostat.toml",
            "--key",
            "samples/keys/demo.pem",
            "--alg",
            "ed25519",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let link = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let names = |input: &str, extra: &[&str], sub: &str| -> Vec<String> {
        let d = dir.path().join(sub);
        let o = iotlabel()
            .args(["record", input, "--key", "samples/keys/demo.pem", "-o"])
            .arg(&d)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let mut v: Vec<String> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let from_label = names(&link, &[], "a");
    let from_declaration = names("samples/thermostat.toml", &["--alg", "ed25519"], "b");
    assert!(!from_label.is_empty());
    assert_eq!(from_label, from_declaration);
    let default_alg = names("samples/thermostat.toml", &[], "c");
    assert_ne!(from_label, default_alg, "-8 signs a different label");
}
