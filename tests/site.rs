//! The verifier site: generation, the page's JavaScript against the Rust
//! implementation, and the generated page loaded in headless Chromium.
//!
//! - `node` (≥ 20, for WebCrypto Ed25519) runs `tests/site/vectors.mjs`, which loads
//!   `assets/site/verifier.js` (the file inlined into the page) and checks it against
//!   `tests/vectors/*.json` and against vectors generated here whose expected verdict,
//!   declaration and summaries (in every language) come from the Rust library: every
//!   sample, every single-digit change of a link and every single-bit flip of a COSE
//!   envelope. The JavaScript is a second implementation, so it must agree on all of them.
//! - `chromium` (Debian's package; `$CHROMIUM` overrides the path) loads the generated
//!   `index.html` with `--dump-dom` and the tests read the verdict and sentences from
//!   the DOM.
//!
//! Both tools are required: a missing one fails the test with a message saying what to
//! install, rather than skipping silently.

use iotlabel::declaration::{self, CheckOptions};
use iotlabel::keys::{self, TrustStore};
use iotlabel::link::{self, BaseUrl, PayloadForm};
use iotlabel::payload::Facts;
use iotlabel::site::{self, SiteOptions};
use iotlabel::source::{self, SourceOptions};
use iotlabel::summary::{Catalogue, Element, summarize};
use iotlabel::verify::{self, hex};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const BASE: &str = "https://verify.example/v";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn demo_trust() -> TrustStore {
    TrustStore::load(&[root().join("samples/trust")]).expect("samples/trust loads")
}

fn demo_key() -> ed25519_dalek::SigningKey {
    keys::load_signing_key(&root().join("samples/keys/demo.pem")).expect("demo key loads")
}

/// Every sample declaration, signed with the demo key: (file stem, COSE bytes).
fn signed_samples() -> Vec<(String, Vec<u8>)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml" || x == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no samples found");
    let key = demo_key();
    paths
        .iter()
        .map(|p| {
            let d = declaration::load(p, &CheckOptions::lenient())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, source::sign_declaration(&d, &key))
        })
        .collect()
}

fn digits_link(cose: &[u8]) -> String {
    link::format_link(&BaseUrl::parse(BASE).unwrap(), cose, PayloadForm::Digits)
}

/// What the Rust implementation says about an input, in the vectors' terms (the same
/// rules as `iotlabel verify`): the verdict and, when shown, the facts.
fn rust_verdict(input: &str, trust: &TrustStore) -> (&'static str, Option<Facts>) {
    let env = match source::load(input, &SourceOptions::default()) {
        Ok(env) => env,
        Err(e) if e.is_malformed() => return ("malformed", None),
        Err(e) => panic!("unexpected error for {input}: {e}"),
    };
    let v = verify::verify(env, trust);
    match v.facts {
        Some(Err(_)) => ("malformed", None),
        Some(Ok(f)) => (
            if v.verdict == verify::Verdict::Valid {
                "valid"
            } else {
                "unknown-key"
            },
            Some(f),
        ),
        None => ("bad-signature", None),
    }
}

/// Same for raw COSE bytes (no link): parsed with the library's envelope reader.
fn rust_verdict_bytes(cose: &[u8], trust: &TrustStore) -> (&'static str, Option<Facts>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.cose");
    std::fs::write(&path, cose).unwrap();
    rust_verdict(path.to_str().unwrap(), trust)
}

/// A vector in the tests/vectors format, with the expectations computed by Rust.
fn vector(
    description: String,
    link: Option<&str>,
    cose: Option<&[u8]>,
    trust: &TrustStore,
    verdict: (&str, Option<Facts>),
) -> Value {
    let (expected, facts) = verdict;
    let pem = trust
        .keys
        .iter()
        .map(|k| keys::public_key_pem(&k.key))
        .collect::<Vec<_>>();
    let mut v = json!({
        "description": description,
        "expected": expected,
        "trusted_public_keys_pem": pem,
    });
    if let Some(l) = link {
        v["link"] = json!(l);
    }
    if let Some(c) = cose {
        v["cose_hex"] = json!(hex(c));
    }
    if let Some(f) = facts {
        v["declaration"] = serde_json::to_value(f.to_declaration()).unwrap();
        let mut summaries = serde_json::Map::new();
        for lang in Catalogue::languages() {
            let s = summarize(&f, &Catalogue::built_in(lang).unwrap()).unwrap();
            summaries.insert(
                lang.to_string(),
                json!({
                    "headline": s.headline,
                    "support": s.support,
                    "statements": s.statements.iter().map(|st| st.text.clone()).collect::<Vec<_>>(),
                    "standards": s.standards,
                }),
            );
        }
        v["summaries"] = Value::Object(summaries);
        v["today"] = json!(today_expectations(&f));
    }
    v
}

/// Today's verdict on a spread of days around the support end (before, the last month,
/// the month before it, after), in every language, with and without an extension.
fn today_expectations(f: &Facts) -> Vec<Value> {
    use iotlabel::declaration::{SupportEnd, YearMonth};
    use iotlabel::today::{Date, assess};
    let mut days: Vec<Date> = ["2020-01-01", "2026-11-29", "2031-12-31", "2045-06-15"]
        .iter()
        .map(|d| d.parse().unwrap())
        .collect();
    let mut extensions = vec![None];
    if let Some(SupportEnd::Until(end)) = f.support_end {
        for delta in [-13i32, -12, -2, -1, 0, 1] {
            let ym = YearMonth::from_index((end.index() as i32 + delta) as u32).unwrap();
            days.push(Date {
                year: ym.year,
                month: ym.month,
                day: 15,
            });
        }
        extensions.push(YearMonth::from_index(end.index() + 30));
        extensions.push(YearMonth::from_index(end.index() - 3));
    }
    let mut out = Vec::new();
    for lang in Catalogue::languages() {
        let c = Catalogue::built_in(lang).unwrap();
        for day in &days {
            for ext in &extensions {
                let t = assess(f, *day, *ext, &c).unwrap();
                out.push(json!({
                    "lang": lang,
                    "as_of": day.to_string(),
                    "extended_to": ext.map(|e| e.to_string()),
                    "expected": t,
                }));
            }
        }
    }
    out
}

fn generate_site(dir: &Path) {
    site::generate(
        &demo_trust(),
        &SiteOptions {
            brand_name: Some("Verify Example".into()),
            logo: None,
            as_of: None,
            records: None,
            langs: Vec::new(),
        },
        dir,
    )
    .unwrap();
}

#[test]
fn site_is_written_idempotently_and_world_readable() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let first = site::generate(&demo_trust(), &SiteOptions::default(), &out).unwrap();
    let bytes: Vec<Vec<u8>> = first.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let second = site::generate(&demo_trust(), &SiteOptions::default(), &out).unwrap();
    assert_eq!(first, second);
    for (p, b) in second.iter().zip(&bytes) {
        assert_eq!(
            &std::fs::read(p).unwrap(),
            b,
            "{} changed on a rerun",
            p.display()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(
                mode,
                0o644,
                "{} must be readable by the web server",
                p.display()
            );
        }
    }
    // The page carries the trusted key, its key id, and no external resources.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let k = &demo_trust().keys[0];
    assert!(html.contains(&hex(&k.kid)) && html.contains(&hex(k.key.as_bytes())));
    for bad in [
        "src=\"http",
        "href=\"http",
        "@import",
        "url(http",
        "document.cookie",
        "localStorage",
    ] {
        assert!(!html.contains(bad), "page contains {bad}");
    }
    let keys_json: Value =
        serde_json::from_slice(&std::fs::read(out.join("keys.json")).unwrap()).unwrap();
    assert_eq!(keys_json["keys"][0]["kid"], json!(hex(&k.kid)));
}

#[test]
fn cli_site_flags_and_logo_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let logo = dir.path().join("logo.svg");
    std::fs::write(
        &logo,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_iotlabel");
    let ok = Command::new(bin)
        .args(["site", "--trust"])
        .arg(root().join("samples/trust"))
        .args(["--brand-name", "Nordlicht Home", "--logo"])
        .arg(&logo)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("data:image/svg+xml;base64,") && html.contains("Nordlicht Home"));

    let fake = dir.path().join("logo.png");
    std::fs::write(&fake, "not an image").unwrap();
    let bad = Command::new(bin)
        .args(["site", "--trust"])
        .arg(root().join("samples/trust"))
        .arg("--logo")
        .arg(&fake)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("logo.png") && err.contains("PNG, JPEG or SVG"),
        "{err}"
    );

    // --lang: the page offers these languages, the first as its default.
    let two = dir.path().join("two");
    let ok = Command::new(bin)
        .args(["site", "--lang", "fr,de", "--trust"])
        .arg(root().join("samples/trust"))
        .arg("-o")
        .arg(&two)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let html = std::fs::read_to_string(two.join("index.html")).unwrap();
    assert!(html.contains(
        r#""languages":[{"code":"fr","name":"Français"},{"code":"de","name":"Deutsch"}]"#
    ));
    assert!(!html.contains(r#""code":"en""#));
    let ns = &html[html.find("<noscript>").unwrap()..];
    assert!(ns.starts_with("<noscript><p lang=\"fr\">"), "{}", &ns[..60]);
    let bad = Command::new(bin)
        .args(["site", "--lang", "fr,xx", "--trust"])
        .arg(root().join("samples/trust"))
        .arg("-o")
        .arg(dir.path().join("bad"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        !bad.status.success() && err.contains("\"xx\"") && err.contains("available"),
        "{err}"
    );
}

fn node() -> String {
    let node = std::env::var("NODE").unwrap_or_else(|_| "node".into());
    match Command::new(&node).arg("--version").output() {
        Ok(o) if o.status.success() => node,
        _ => panic!(
            "`{node}` not found: the verifier page's JavaScript is tested with Node.js 20 or newer \
             (WebCrypto Ed25519). Install it (Debian: apt-get install nodejs) or set NODE=/path/to/node."
        ),
    }
}

#[test]
fn page_javascript_agrees_with_rust_on_every_vector() {
    let dir = tempfile::tempdir().unwrap();
    let site_dir = dir.path().join("site");
    generate_site(&site_dir);
    let trust = demo_trust();
    let vec_dir = dir.path().join("vectors");
    std::fs::create_dir(&vec_dir).unwrap();

    // Every sample, in digit and base64url form.
    let samples = signed_samples();
    let mut all = Vec::new();
    for (name, cose) in &samples {
        let l = digits_link(cose);
        all.push(vector(
            format!("sample {name} (digits)"),
            Some(&l),
            Some(cose),
            &trust,
            rust_verdict(&l, &trust),
        ));
        let b = link::format_link(&BaseUrl::parse(BASE).unwrap(), cose, PayloadForm::Base64Url);
        all.push(vector(
            format!("sample {name} (base64url)"),
            Some(&b),
            Some(cose),
            &trust,
            rust_verdict(&b, &trust),
        ));
    }
    std::fs::write(
        vec_dir.join("samples.json"),
        serde_json::to_vec(&all).unwrap(),
    )
    .unwrap();

    // Signed by a key the store does not hold: made with keys::generate, as an attacker would.
    let kdir = tempfile::tempdir().unwrap();
    let (sk, pk) = (
        kdir.path().join("other.pem"),
        kdir.path().join("other.pub.pem"),
    );
    keys::generate(&sk, &pk).unwrap();
    let other = keys::load_signing_key(&sk).unwrap();
    let d = declaration::load(
        &root().join("samples/thermostat.toml"),
        &CheckOptions::lenient(),
    )
    .unwrap();
    let foreign = digits_link(&source::sign_declaration(&d, &other));
    let v = rust_verdict(&foreign, &trust);
    assert_eq!(v.0, "unknown-key");
    std::fs::write(
        vec_dir.join("unknown.json"),
        serde_json::to_vec(&[vector(
            "foreign key".into(),
            Some(&foreign),
            None,
            &trust,
            v,
        )])
        .unwrap(),
    )
    .unwrap();

    // Every single-digit change of one link, and every single-bit flip of its COSE bytes.
    let (_, cose) = samples
        .iter()
        .find(|(n, _)| n == "thermostat")
        .expect("thermostat sample");
    let l = digits_link(cose);
    let at = l.find('#').unwrap() + 1;
    let mut digit_changes = Vec::new();
    for i in at..l.len() {
        let mut b = l.clone().into_bytes();
        b[i] = b'0' + (b[i] - b'0' + 1) % 10;
        let changed = String::from_utf8(b).unwrap();
        digit_changes.push(vector(
            format!("digit {} changed", i - at + 1),
            Some(&changed),
            None,
            &trust,
            rust_verdict(&changed, &trust),
        ));
    }
    std::fs::write(
        vec_dir.join("digit-changes.json"),
        serde_json::to_vec(&digit_changes).unwrap(),
    )
    .unwrap();
    let mut bit_flips = Vec::new();
    for bit in 0..cose.len() * 8 {
        let mut c = cose.clone();
        c[bit / 8] ^= 0x80 >> (bit % 8);
        bit_flips.push(vector(
            format!("bit {bit} flipped"),
            None,
            Some(&c),
            &trust,
            rust_verdict_bytes(&c, &trust),
        ));
    }
    std::fs::write(
        vec_dir.join("bit-flips.json"),
        serde_json::to_vec(&bit_flips).unwrap(),
    )
    .unwrap();

    let out = Command::new(node())
        .arg(root().join("tests/site/vectors.mjs"))
        .arg("--quiet")
        .arg("--site")
        .arg(&site_dir)
        .arg(root().join("tests/vectors"))
        .arg(&vec_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the page's verifier disagrees with the Rust implementation:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tally = stdout.lines().last().unwrap_or_default();
    eprintln!("node: {tally}");
    assert!(
        tally.ends_with("vectors passed") && !tally.starts_with("0/"),
        "{stdout}"
    );
}

// ---------------------------------------------------------------- headless browser

fn chromium() -> String {
    let candidates = std::env::var("CHROMIUM")
        .map(|c| vec![c])
        .unwrap_or_else(|_| {
            vec![
                "/usr/bin/chromium".into(),
                "chromium".into(),
                "chromium-browser".into(),
            ]
        });
    for c in &candidates {
        if Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return c.clone();
        }
    }
    panic!(
        "Chromium not found (tried {candidates:?}): the generated page is tested in a headless browser. \
         Install it (Debian: apt-get install chromium) or set CHROMIUM=/path/to/chromium."
    );
}

/// Loads `url` headless and returns the DOM after the page's scripts ran.
fn dump_dom(url: &str, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--virtual-time-budget=5000")
        .args(extra)
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        dom.contains("data-state=\"done\""),
        "the page did not finish checking:\n{dom}"
    );
    dom
}

/// The value of `data-verdict` on the #verdict element.
fn verdict_of(dom: &str) -> String {
    let at = dom.find("id=\"verdict\"").expect("#verdict in the DOM");
    let rest = &dom[at..];
    let v = rest.find("data-verdict=\"").expect("data-verdict") + "data-verdict=\"".len();
    rest[v..v + rest[v..].find('"').unwrap()].to_string()
}

fn text_in_dom(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\u{a0}', "&nbsp;")
}

fn page_url(site: &Path, query: &str, fragment: &str) -> String {
    format!(
        "file://{}{query}#{fragment}",
        site.join("index.html").display()
    )
}

fn fragment(l: &str) -> &str {
    &l[l.find('#').unwrap() + 1..]
}

#[test]
fn browser_shows_verified_summary_for_a_valid_link() {
    let dir = tempfile::tempdir().unwrap();
    generate_site(dir.path());
    let trust = demo_trust();
    for (name, cose) in signed_samples()
        .iter()
        .filter(|(n, _)| n == "thermostat" || n == "smart-bulb")
    {
        let l = digits_link(cose);
        let dom = dump_dom(
            &page_url(dir.path(), "", fragment(&l)),
            &["--accept-lang=en-US"],
        );
        assert_eq!(verdict_of(&dom), "valid", "{name}");
        assert!(
            dom.contains(&format!("Signed by {}", trust.keys[0].name)),
            "{name}: signer not named"
        );
        let (_, facts) = rust_verdict(&l, &trust);
        let s = summarize(&facts.unwrap(), &Catalogue::built_in("en").unwrap()).unwrap();
        assert!(
            dom.contains(&text_in_dom(&s.headline)),
            "{name}: headline {:?} missing",
            s.headline
        );
        for st in &s.statements {
            // Today's line stands for the support end; the A.3 statement that would
            // repeat it is shown only for a device without updates.
            let shown = st.element != Element::A3 || s.no_updates;
            assert_eq!(
                dom.contains(&text_in_dom(&st.text)),
                shown,
                "{name}: statement {:?} shown: {}",
                st.text,
                !shown
            );
        }
        assert!(
            !dom.contains(&text_in_dom(&s.support)) || s.no_updates,
            "{name}: printed support line repeated"
        );
        assert!(dom.contains(&text_in_dom(&format!("{} {}", s.manufacturer, s.model))));
        assert!(
            dom.contains("id=\"unverified\" class=\"unverified\" hidden"),
            "{name}: a valid label must not say unverified"
        );
    }
}

#[test]
fn browser_flags_a_changed_digit_as_invalid() {
    let dir = tempfile::tempdir().unwrap();
    generate_site(dir.path());
    let samples = signed_samples();
    let (_, cose) = samples.iter().find(|(n, _)| n == "thermostat").unwrap();
    let l = digits_link(cose);
    let frag = fragment(&l);
    // Change the last digit of the first full group (a group that stays in range).
    let mut b = frag.as_bytes().to_vec();
    b[16] = if b[16] == b'0' { b'1' } else { b[16] - 1 };
    let changed = String::from_utf8(b).unwrap();
    let dom = dump_dom(&page_url(dir.path(), "", &changed), &[]);
    let v = verdict_of(&dom);
    assert!(v == "bad-signature" || v == "malformed", "verdict {v}");
    assert_eq!(
        v,
        rust_verdict(&format!("{BASE}#{changed}"), &demo_trust()).0,
        "browser and Rust disagree"
    );
    assert!(dom.contains("Invalid or damaged"));
    assert!(
        dom.contains("id=\"declaration\" hidden"),
        "facts of a damaged label must not be shown"
    );
}

#[test]
fn browser_reports_an_unknown_key() {
    let dir = tempfile::tempdir().unwrap();
    generate_site(dir.path());
    let kdir = tempfile::tempdir().unwrap();
    let (sk, pk) = (
        kdir.path().join("other.pem"),
        kdir.path().join("other.pub.pem"),
    );
    let kid = keys::generate(&sk, &pk).unwrap();
    let d = declaration::load(
        &root().join("samples/thermostat.toml"),
        &CheckOptions::lenient(),
    )
    .unwrap();
    let l = digits_link(&source::sign_declaration(
        &d,
        &keys::load_signing_key(&sk).unwrap(),
    ));
    let dom = dump_dom(&page_url(dir.path(), "", fragment(&l)), &[]);
    assert_eq!(verdict_of(&dom), "unknown-key");
    assert!(dom.contains(&hex(&kid)), "the unknown key id is shown");
    assert!(dom.contains("Not verified: do not rely on these facts."));
    assert!(
        !dom.contains("id=\"unverified\" class=\"unverified\" hidden"),
        "the unverified warning must be visible"
    );
}

#[test]
fn browser_speaks_french_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    generate_site(dir.path());
    let samples = signed_samples();
    let (_, cose) = samples.iter().find(|(n, _)| n == "thermostat").unwrap();
    let l = digits_link(cose);
    let (_, facts) = rust_verdict(&l, &demo_trust());
    let s = summarize(&facts.unwrap(), &Catalogue::built_in("fr").unwrap()).unwrap();
    // Forced by the URL (what the language switcher writes), in an English browser; and
    // chosen from the browser's languages without a query.
    for (query, flags) in [
        ("?lang=fr", &["--accept-lang=en-US"][..]),
        ("", &["--lang=fr", "--accept-lang=fr-FR,fr"][..]),
    ] {
        let dom = dump_dom(&page_url(dir.path(), query, fragment(&l)), flags);
        assert_eq!(verdict_of(&dom), "valid");
        assert!(
            dom.contains("<html lang=\"fr\">"),
            "{query:?}: page language is not fr"
        );
        assert!(dom.contains("Vérifié"), "{query:?}: verdict not in French");
        assert!(dom.contains(&text_in_dom(&s.headline)));
        for st in s.statements.iter().filter(|st| st.element != Element::A3) {
            assert!(
                dom.contains(&text_in_dom(&st.text)),
                "{query:?}: French statement {:?} missing",
                st.text
            );
        }
    }
}

#[test]
fn browser_puts_no_updates_first() {
    let dir = tempfile::tempdir().unwrap();
    generate_site(dir.path());
    let trust = demo_trust();
    let found = signed_samples().into_iter().find(|(_, c)| {
        rust_verdict(&digits_link(c), &trust)
            .1
            .is_some_and(|f| !f.security_updates)
    });
    let Some((name, cose)) = found else {
        panic!("no sample declares a device without security updates");
    };
    let dom = dump_dom(
        &page_url(dir.path(), "", fragment(&digits_link(&cose))),
        &["--accept-lang=en"],
    );
    assert_eq!(verdict_of(&dom), "valid", "{name}");
    // Today's line is the first thing on the page and says it; the headline that
    // would repeat it is hidden, and the A.3 statement says what it means.
    let today = dom
        .find("data-state=\"no-updates\">No security updates<")
        .expect("today's line says no security updates");
    let statements = dom.find("id=\"statements\"").unwrap();
    assert!(
        today < statements,
        "the no-updates line comes before the details"
    );
    assert!(
        dom.contains("data-no-updates=\"true\" hidden")
            || dom.contains("hidden=\"\" data-no-updates=\"true\""),
        "headline not hidden"
    );
    assert_eq!(dom.matches(">No security updates<").count(), 1, "said once");
    assert!(dom.contains("Security flaws found later will not be fixed"));
}

// ---------------------------------------------------------------- today, trust, records

/// A site judged as of a fixed day (the device clock in real use), optionally with a
/// trust store other than the samples' and with records.
fn generate_site_as_of(dir: &Path, day: &str, trust: &TrustStore, records: Option<&Path>) {
    site::generate(
        trust,
        &SiteOptions {
            brand_name: None,
            logo: None,
            as_of: Some(day.parse().unwrap()),
            records: records.map(Path::to_path_buf),
            langs: Vec::new(),
        },
        dir,
    )
    .unwrap();
}

fn sample_cose(name: &str) -> Vec<u8> {
    signed_samples()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("sample {name}"))
        .1
}

/// The value of attribute `attr` on the element with `id`.
fn attr_of(dom: &str, id: &str, attr: &str) -> String {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("#{id} in the DOM"));
    let start = dom[..at].rfind('<').unwrap();
    let tag = &dom[start..start + dom[start..].find('>').unwrap()];
    let key = format!("{attr}=\"");
    match tag.find(&key) {
        Some(v) => {
            let v = v + key.len();
            tag[v..v + tag[v..].find('"').unwrap()].to_string()
        }
        None => String::new(),
    }
}

fn is_hidden(dom: &str, id: &str) -> bool {
    let at = dom.find(&format!("id=\"{id}\"")).unwrap();
    let start = dom[..at].rfind('<').unwrap();
    let tag = &dom[start..start + dom[start..].find('>').unwrap()];
    tag.split_whitespace()
        .any(|w| w == "hidden" || w == "hidden=\"\"")
}

#[test]
fn browser_says_todays_verdict_in_every_language() {
    use iotlabel::today::{State, assess};
    let trust = demo_trust();
    let cose = sample_cose("thermostat"); // support until 12/2031
    let l = digits_link(&cose);
    let (_, facts) = rust_verdict(&l, &trust);
    let facts = facts.unwrap();
    for (day, state, good) in [
        ("2026-11-29", State::Supported, "true"),
        ("2031-10-02", State::Supported, "true"),
        ("2032-03-01", State::Ended, "false"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        generate_site_as_of(dir.path(), day, &trust, None);
        for lang in Catalogue::languages() {
            let c = Catalogue::built_in(lang).unwrap();
            let want = assess(&facts, day.parse().unwrap(), None, &c).unwrap();
            assert_eq!(want.state, state);
            let dom = dump_dom(
                &page_url(dir.path(), &format!("?lang={lang}"), fragment(&l)),
                &[],
            );
            assert_eq!(verdict_of(&dom), "valid", "{day} {lang}");
            assert!(
                dom.contains(&text_in_dom(&want.text)),
                "{day} {lang}: {:?} missing",
                want.text
            );
            let st = serde_json::to_value(state).unwrap();
            assert_eq!(attr_of(&dom, "today", "data-state"), st.as_str().unwrap());
            // Support ended: the trust line is never green or ticked.
            assert_eq!(attr_of(&dom, "verdict", "data-good"), good, "{day} {lang}");
            // The answer comes before the trust verdict, and before the printed facts.
            let (a, v, d) = (
                dom.find("id=\"answer\"").unwrap(),
                dom.find("id=\"verdict\"").unwrap(),
                dom.find("id=\"declaration\"").unwrap(),
            );
            assert!(a < v && v < d, "{day} {lang}: order answer, verdict, facts");
        }
    }
    // Month words, as the issue asks: "ended in June 2025"-style sentences.
    let en = Catalogue::built_in("en").unwrap();
    let t = assess(&facts, "2032-03-01".parse().unwrap(), None, &en).unwrap();
    assert_eq!(t.text, "Security updates ended in December 2031");
    let t = assess(&facts, "2031-10-02".parse().unwrap(), None, &en).unwrap();
    assert_eq!(
        t.text,
        "Security updates until at least December 2031: they end in 2 months"
    );
}

#[test]
fn browser_no_updates_is_never_under_a_green_tick() {
    let dir = tempfile::tempdir().unwrap();
    let trust = demo_trust();
    generate_site_as_of(dir.path(), "2026-11-29", &trust, None);
    let found = signed_samples().into_iter().find(|(_, c)| {
        rust_verdict(&digits_link(c), &trust)
            .1
            .is_some_and(|f| !f.security_updates)
    });
    let (_, cose) = found.expect("a no-updates sample");
    for lang in Catalogue::languages() {
        let dom = dump_dom(
            &page_url(
                dir.path(),
                &format!("?lang={lang}"),
                fragment(&digits_link(&cose)),
            ),
            &[],
        );
        assert_eq!(verdict_of(&dom), "valid");
        assert_eq!(attr_of(&dom, "today", "data-state"), "no-updates");
        assert_eq!(attr_of(&dom, "verdict", "data-good"), "false", "{lang}");
        let none = Catalogue::built_in(lang)
            .unwrap()
            .get("today.none")
            .unwrap()
            .to_string();
        let first = dom.find(&text_in_dom(&none)).expect("no-updates answer");
        assert!(first < dom.find("id=\"verdict\"").unwrap(), "{lang}");
    }
}

#[test]
fn browser_hides_an_unknown_or_unbound_signers_facts_until_asked() {
    // An unknown key: facts hidden behind a greyed control.
    let dir = tempfile::tempdir().unwrap();
    generate_site_as_of(dir.path(), "2026-11-29", &demo_trust(), None);
    let kdir = tempfile::tempdir().unwrap();
    let (sk, pk) = (kdir.path().join("o.pem"), kdir.path().join("o.pub.pem"));
    keys::generate(&sk, &pk).unwrap();
    let d = declaration::load(
        &root().join("samples/thermostat.toml"),
        &CheckOptions::lenient(),
    )
    .unwrap();
    let foreign = digits_link(&source::sign_declaration(
        &d,
        &keys::load_signing_key(&sk).unwrap(),
    ));
    let dom = dump_dom(&page_url(dir.path(), "?lang=en", fragment(&foreign)), &[]);
    assert_eq!(verdict_of(&dom), "unknown-key");
    assert!(is_hidden(&dom, "answer") && is_hidden(&dom, "declaration"));
    assert!(!is_hidden(&dom, "reveal-box"));
    assert!(dom.contains("Show the unverified text"));

    // A trusted key bound to another manufacturer: "signed by another party".
    let bound = kdir.path().join("bound.toml");
    std::fs::write(
        &bound,
        format!(
            "[[key]]\nname = \"Glimmer key\"\nfile = \"{}\"\nmanufacturers = [\"Glimmer Lighting Co.\"]\n",
            root().join("samples/trust/demo.pub.pem").display()
        ),
    )
    .unwrap();
    let trust = TrustStore::load(&[bound]).unwrap();
    let dir2 = tempfile::tempdir().unwrap();
    generate_site_as_of(dir2.path(), "2026-11-29", &trust, None);
    let l = digits_link(&sample_cose("thermostat"));
    let dom = dump_dom(&page_url(dir2.path(), "?lang=en", fragment(&l)), &[]);
    assert_eq!(verdict_of(&dom), "other-party");
    assert!(dom.contains("Signed by another party"));
    assert!(dom.contains("Glimmer key") && dom.contains("Nordlicht Home GmbH"));
    assert!(is_hidden(&dom, "answer") && is_hidden(&dom, "declaration"));
    assert!(!is_hidden(&dom, "reveal-box"));
    // The same in Rust: exit-code verdict 5.
    let (v, _) = {
        let env = source::load(&l, &SourceOptions::default()).unwrap();
        let v = verify::verify(env, &trust);
        (v.verdict, v.facts)
    };
    assert_eq!(v, verify::Verdict::OtherParty);
    assert_eq!(v.exit_code(), 5);
}

#[test]
fn page_has_a_noscript_message_in_every_language() {
    let dir = tempfile::tempdir().unwrap();
    generate_site(dir.path());
    let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    let ns = &html[html.find("<noscript>").unwrap()..html.find("</noscript>").unwrap()];
    for lang in Catalogue::languages() {
        let c = Catalogue::built_in(lang).unwrap();
        let text = c.get("page.noscript").unwrap();
        assert!(
            ns.contains(&format!("<p lang=\"{lang}\">"))
                && ns.contains(&text.replace('\'', "&#39;")),
            "{lang}"
        );
    }
}

/// A minimal static HTTP server for the records tests (the page fetches its records
/// from its own origin, which `file://` cannot give): serves `root` under `/v/`, and
/// `index.html` for `/v`, `/v/` and `/v/01/<GTIN>`. Runs until the test process ends.
fn serve(root: PathBuf) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let root = root.clone();
            std::thread::spawn(move || {
                let mut line = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                        break;
                    }
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                let path = path.split(['?', '#']).next().unwrap_or("").to_string();
                let file = match path.as_str() {
                    "/v" | "/v/" => Some(root.join("index.html")),
                    p if p.starts_with("/v/01/") => Some(root.join("index.html")),
                    p if p.starts_with("/v/")
                        && !p.contains("..")
                        && p[3..]
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"./_-".contains(&b)) =>
                    {
                        Some(root.join(&p[3..]))
                    }
                    _ => None,
                };
                let resp = match file.and_then(|f| std::fs::read(f).ok()) {
                    Some(body) => {
                        let ty = if path.ends_with(".js") {
                            "text/javascript"
                        } else if path.contains("/records/") {
                            "application/cose"
                        } else {
                            "text/html; charset=utf-8"
                        };
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: {ty}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend(body);
                        r
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = stream.write_all(&resp);
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

#[test]
fn browser_shows_the_labels_record_extended_withdrawn_missing_or_untrusted() {
    use iotlabel::declaration::YearMonth;
    use iotlabel::record::{self, Reason, Record, Status};
    let trust = demo_trust();
    let key = demo_key();
    let d = declaration::load(
        &root().join("samples/thermostat.toml"),
        &CheckOptions::lenient(),
    )
    .unwrap();
    let ym = |y, m| YearMonth { year: y, month: m };
    let cose = sample_cose("thermostat");
    let l = digits_link(&cose);
    let (_, facts) = rust_verdict(&l, &trust);
    let facts = facts.unwrap();
    let first = Record::new(&cose, "Nordlicht Home GmbH", Some(&d), ym(2026, 11));

    for (case, status) in [
        (
            "extended",
            Some(Status::Extended {
                until: ym(2033, 12),
            }),
        ),
        (
            "withdrawn",
            Some(Status::Withdrawn {
                reason: Reason::Safety,
            }),
        ),
        ("missing", None),
        ("untrusted", Some(Status::Extended { until: ym(2035, 1) })),
    ] {
        let work = tempfile::tempdir().unwrap();
        let recs = work.path().join("records");
        let site_dir = work.path().join("site");
        let rec = status.map(|s| first.next(ym(2027, 3), s));
        // A site that publishes records; the untrusted case has none of its own.
        std::fs::create_dir_all(&recs).unwrap();
        if let Some(r) = rec.as_ref().filter(|_| case != "untrusted") {
            record::write(&recs, &cose, r, &key).unwrap();
        }
        generate_site_as_of(&site_dir, "2032-03-01", &trust, Some(&recs));
        if case == "untrusted" {
            // Planted on the host: signed by a key the site does not trust.
            let other = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
            record::write(
                &site_dir.join("records"),
                &cose,
                rec.as_ref().unwrap(),
                &other,
            )
            .unwrap();
        }
        let origin = serve(site_dir.clone());
        for lang in Catalogue::languages() {
            if case != "extended" && case != "withdrawn" && lang != "en" {
                continue;
            }
            let c = Catalogue::built_in(lang).unwrap();
            let url = format!("{origin}/v?lang={lang}#{}", fragment(&l));
            let dom = dump_dom(&url, &[]);
            assert_eq!(verdict_of(&dom), "valid", "{case} {lang}");
            let words = |m| iotlabel::today::month_in_words(m, &c).unwrap();
            match case {
                "extended" => {
                    let want = c
                        .get("record.extended")
                        .unwrap()
                        .replace("{date}", &words(ym(2033, 12)))
                        .replace("{issued}", &words(ym(2027, 3)));
                    assert!(dom.contains(&text_in_dom(&want)), "{lang}: {want}");
                    assert_eq!(attr_of(&dom, "record-status", "data-status"), "extended");
                    // Today's verdict follows the extension: supported, not ended.
                    let t = iotlabel::today::assess(
                        &facts,
                        "2032-03-01".parse().unwrap(),
                        Some(ym(2033, 12)),
                        &c,
                    )
                    .unwrap();
                    assert!(t.extended);
                    assert!(dom.contains(&text_in_dom(&t.text)), "{lang}: {}", t.text);
                    assert_eq!(attr_of(&dom, "today", "data-state"), "supported");
                    assert!(dom.contains("href=\"https://nordlicht.example/security/therma-t3\""));
                    assert!(dom.contains("href=\"mailto:security@nordlicht.example\""));
                    assert!(dom.contains(
                        "Local heating control keeps working without the cloud service."
                    ));
                }
                "withdrawn" => {
                    let want = c
                        .get("record.withdrawn")
                        .unwrap()
                        .replace("{reason}", c.get("record.reason.safety").unwrap())
                        .replace("{issued}", &words(ym(2027, 3)));
                    assert!(dom.contains(&text_in_dom(&want)), "{lang}: {want}");
                    assert_eq!(attr_of(&dom, "record-status", "data-status"), "withdrawn");
                    assert_eq!(attr_of(&dom, "today", "data-state"), "ended");
                }
                "missing" => {
                    assert!(dom.contains("Could not check for later changes."));
                    assert_eq!(attr_of(&dom, "record-status", "data-record"), "missing");
                    assert_eq!(attr_of(&dom, "today", "data-state"), "ended");
                }
                _ => {
                    assert!(dom.contains("Could not check for later changes."));
                    assert!(dom.contains("found but ignored"));
                    assert_eq!(attr_of(&dom, "record-status", "data-record"), "ignored");
                    // The forged extension changed nothing.
                    assert_eq!(attr_of(&dom, "today", "data-state"), "ended");
                }
            }
        }
    }
}

#[test]
fn browser_refuses_to_show_a_verdict_inside_a_frame() {
    let work = tempfile::tempdir().unwrap();
    let site_dir = work.path().join("site");
    generate_site(&site_dir);
    let l = digits_link(&sample_cose("thermostat"));
    // Same origin, so the framing page can read the framed page's state for the test.
    std::fs::write(
        site_dir.join("frame.html"),
        format!(
            "<!doctype html><body data-state=\"loading\"><iframe src=\"/v/#{}\"></iframe><script>\
             setTimeout(() => {{ const b = frames[0].document.body; document.body.dataset.inner = b.dataset.state; \
             document.body.dataset.innerText = b.textContent.trim().slice(0, 200); document.body.dataset.state = 'done'; }}, 2000);\
             </script></body>",
            fragment(&l)
        ),
    )
    .unwrap();
    let origin = serve(site_dir);
    let dom = dump_dom(&format!("{origin}/v/frame.html"), &[]);
    assert!(dom.contains("data-inner=\"framed\""), "{dom}");
    assert!(dom.contains("open it directly"), "{dom}");
    assert!(!dom.contains("data-inner-text=\"Verified"), "{dom}");
}

#[test]
fn service_worker_caches_only_the_verifier_page_in_its_own_folder() {
    let sw = root().join("assets/site/sw.js");
    let script = format!(
        "const listeners = {{}};\
         globalThis.self = {{ location: {{ href: 'https://maker.example/v/sw.js', origin: 'https://maker.example' }}, addEventListener: (k, f) => {{ listeners[k] = f; }} }};\
         eval(require('fs').readFileSync({:?}, 'utf8') + ';globalThis.isVerifierPage = isVerifierPage; globalThis.SCOPE = SCOPE;');\
         const ok = (u) => isVerifierPage(new URL(u));\
         const out = {{ scope: SCOPE, page: ok('https://maker.example/v/'), index: ok('https://maker.example/v/index.html'),\
           gs1: ok('https://maker.example/v/01/04006381333931'), other: ok('https://maker.example/v/blog.html'),\
           outside: ok('https://maker.example/shop/'), record: ok('https://maker.example/v/records/0123456789abcdef'),\
           foreign: ok('https://evil.example/v/'), events: Object.keys(listeners).sort() }};\
         console.log(JSON.stringify(out));",
        sw.display().to_string()
    );
    let out = Command::new(node()).arg("-e").arg(script).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        json!({"scope": "/v/", "page": true, "index": true, "gs1": true, "other": false,
               "outside": false, "record": false, "foreign": false,
               "events": ["activate", "fetch", "install"]})
    );
    // The page registers it from its own directory with that directory as the scope.
    let app = std::fs::read_to_string(root().join("assets/site/app.js")).unwrap();
    assert!(app.contains("register(`${dir}sw.js`, { scope: dir })"));
}

#[test]
fn browser_without_a_label_explains_and_lists_the_published_products() {
    use iotlabel::declaration::YearMonth;
    use iotlabel::record::{self, Record};
    let work = tempfile::tempdir().unwrap();
    let recs = work.path().join("records");
    let key = demo_key();
    let samples = signed_samples();
    for name in ["thermostat", "camera"] {
        let cose = &samples.iter().find(|(n, _)| n == name).unwrap().1;
        let f = source::decode_signed(&digits_link(cose)).unwrap().facts;
        let r = Record::new(
            cose,
            &f.manufacturer,
            None,
            YearMonth {
                year: 2026,
                month: 11,
            },
        );
        record::write(&recs, cose, &r, &key).unwrap();
    }
    let site_dir = work.path().join("site");
    generate_site_as_of(&site_dir, "2026-11-29", &demo_trust(), Some(&recs));
    let products: Value =
        serde_json::from_slice(&std::fs::read(site_dir.join("records/products.json")).unwrap())
            .unwrap();
    assert_eq!(products["products"].as_array().unwrap().len(), 2);
    let origin = serve(site_dir);
    let dom = dump_dom(&format!("{origin}/v?lang=en"), &[]);
    assert_eq!(verdict_of(&dom), "none");
    assert!(
        dom.contains("Scan the QR code on the box with your phone"),
        "{dom}"
    );
    assert!(!is_hidden(&dom, "products"));
    assert!(dom.contains("Products from this manufacturer"));
    assert!(dom.contains("Nordlicht Home GmbH Therma T3"));
    // Each entry opens the same view as scanning its label.
    let label = products["products"][0]["label"].as_str().unwrap();
    assert!(dom.contains(&format!("href=\"#{label}\"")));
    let dom = dump_dom(&format!("{origin}/v/?lang=en#{label}"), &[]);
    assert_eq!(verdict_of(&dom), "valid");
    assert!(is_hidden(&dom, "products"));
    assert_eq!(attr_of(&dom, "record-status", "data-status"), "current");
}
