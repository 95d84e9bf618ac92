//! The verifier site: a static page that the QR link opens and that checks the label
//! in the reader's browser.
//!
//! The signed payload rides in the link's `#fragment`, which browsers never send to
//! the server, so a static host can serve the page without learning which product was
//! scanned, and no server-side code is needed. Everything the page needs is embedded
//! in one self-contained `index.html`: the verifier JavaScript (`assets/site/`), the
//! trusted public keys with their names and periods of use, the phrase catalogue of
//! every built-in language (so the page words the declaration exactly as the label
//! and `iotlabel verify` do) and the page's own words. No third-party requests, no
//! cookies; a Content-Security-Policy with hashes of the inline script and style
//! forbids anything else. A small service worker (`sw.js`) keeps the page usable
//! offline once visited over https.
//!
//! The JavaScript is hand-written and has no build step: `assets/site/verifier.js` is
//! inlined as is and is also what `tests/site/vectors.mjs` runs under Node, so the
//! tested decoder is the deployed one.
//!
//! Output is deterministic (no dates, sorted maps): running it twice writes the same
//! bytes. Entry point: [`generate`] (or [`render`] for the files in memory).

use crate::envelope::key_id;
use crate::fsutil::{Overwrite, WriteError, WriteOptions, write_atomic_with};
use crate::keys::TrustStore;
use crate::summary::{Catalogue, CatalogueError};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

const TEMPLATE: &str = include_str!("../assets/site/index.html");
const STYLE: &str = include_str!("../assets/site/site.css");
const VERIFIER_JS: &str = include_str!("../assets/site/verifier.js");
const APP_JS: &str = include_str!("../assets/site/app.js");
const SERVICE_WORKER_JS: &str = include_str!("../assets/site/sw.js");

/// Largest logo accepted. The logo is inlined into the page every phone downloads, so
/// it must stay small; 64 KiB is plenty for an SVG or a small PNG.
pub const MAX_LOGO_BYTES: usize = 64 * 1024;

/// What to put on the page besides the keys.
#[derive(Debug, Clone, Default)]
pub struct SiteOptions {
    /// The manufacturer or brand name shown at the top of the page.
    pub brand_name: Option<String>,
    /// A logo file (PNG, JPEG or SVG), embedded as a `data:` URI.
    pub logo: Option<PathBuf>,
    /// The day the page judges support ends against. `None` (the default, and what
    /// `iotlabel site` writes) uses the reader's device clock; a fixed day is for tests
    /// and demonstrations only. It is never taken from the link, so a forged link
    /// cannot make an ended support look current.
    pub as_of: Option<crate::today::Date>,
    /// A records directory (from `iotlabel record`/`extend`/`withdraw`) to publish as
    /// `records/` beside the page, which then fetches each label's record.
    pub records: Option<PathBuf>,
    /// The languages the page offers, in order, the first being its default when the
    /// reader's browser asks for none of them (`--lang fr,de`). Empty: every built-in
    /// language, English first.
    pub langs: Vec<String>,
}

/// Why the site could not be generated.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SiteError {
    #[error("cannot read logo {path}: {source}")]
    LogoRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "logo {path} is {size} bytes; the limit is {max} bytes because every phone downloads it"
    )]
    #[diagnostic(help("use a smaller image (an SVG or a PNG of about 200×80 pixels)"))]
    LogoTooLarge {
        path: PathBuf,
        size: usize,
        max: usize,
    },
    #[error("logo {path} is not a PNG, JPEG or SVG image ({detail})")]
    #[diagnostic(help("accepted: .png, .jpg/.jpeg, .svg files whose contents match"))]
    LogoType { path: PathBuf, detail: String },
    #[error("the brand name is empty or has control characters")]
    #[diagnostic(help("pass a plain name, e.g. --brand-name \"Nordlicht Home\""))]
    BrandName,
    #[error(transparent)]
    #[diagnostic(transparent)]
    Catalogue(#[from] CatalogueError),
    #[error("the page strings are invalid: {0}")]
    UiStrings(String),
    #[error("{path} exists and is not a directory")]
    NotADirectory { path: PathBuf },
    #[error("cannot create directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read records directory {path}: {source}")]
    RecordsRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("record {path} cannot be published: {why}")]
    #[diagnostic(help(
        "records are written by `iotlabel record`, `extend` and `withdraw`, and must be signed by a key this site trusts for the label's manufacturer"
    ))]
    Record { path: PathBuf, why: String },
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// One file of the site: its name relative to the output directory and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Renders the site into memory: `index.html`, `keys.json` and `sw.js`.
pub fn render(trust: &TrustStore, options: &SiteOptions) -> Result<Vec<SiteFile>, SiteError> {
    let keys = keys_json(trust);
    let catalogues = page_catalogues(options)?;
    let mut data = page_data(&keys, &catalogues);
    if let Some(d) = options.as_of {
        data["as_of"] = json!(d.to_string());
    }
    let records = match &options.records {
        Some(dir) => {
            data["records"] = json!(true);
            record_files(dir, trust)?
        }
        None => Vec::new(),
    };
    let noscript = noscript_html(&catalogues);
    let brand = brand_html(options)?;

    // Inline JSON must not close its <script> element: escape '<' (JSON allows \u003c).
    let data_text = serde_json::to_string(&data)
        .map_err(|e| SiteError::UiStrings(e.to_string()))?
        .replace('<', "\\u003c");
    let csp = format!(
        "default-src 'none'; script-src {} {}; style-src {}; img-src data:; worker-src 'self'; \
         connect-src 'self'; base-uri 'none'; form-action 'none'",
        csp_hash(VERIFIER_JS),
        csp_hash(APP_JS),
        csp_hash(STYLE)
    );
    let title = match &options.brand_name {
        Some(b) => format!("{} · Security updates", escape_html(b)),
        None => "Security updates".to_string(),
    };
    let index = fill_template(
        TEMPLATE,
        &[
            ("CSP", &csp),
            ("TITLE", &title),
            ("STYLE", STYLE),
            ("BRAND", &brand),
            ("NOSCRIPT", &noscript),
            ("DATA", &data_text),
            ("VERIFIER", VERIFIER_JS),
            ("APP", APP_JS),
        ],
    );
    let mut keys_text = serde_json::to_string_pretty(&json!({ "keys": keys }))
        .map_err(|e| SiteError::UiStrings(e.to_string()))?;
    keys_text.push('\n');
    let mut files = vec![
        SiteFile {
            name: "index.html".into(),
            bytes: index.into_bytes(),
        },
        SiteFile {
            name: "keys.json".into(),
            bytes: keys_text.into_bytes(),
        },
        SiteFile {
            name: "sw.js".into(),
            bytes: SERVICE_WORKER_JS.as_bytes().to_vec(),
        },
    ];
    files.extend(records);
    Ok(files)
}

/// The records to publish: every file named like a record address (16 hex digits,
/// optionally `.N` for a kept earlier record), each checked to be a record signed by a
/// key this site trusts for its manufacturer, in name order; and, from the labels kept
/// beside them (`<address>.label`, checked the same way), `records/products.json`: the
/// product list the page shows when opened without a label.
fn record_files(dir: &Path, trust: &TrustStore) -> Result<Vec<SiteFile>, SiteError> {
    let read_err = |source| SiteError::RecordsRead {
        path: dir.to_path_buf(),
        source,
    };
    let all: Vec<String> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    let mut names: Vec<String> = all.iter().filter(|n| is_record_name(n)).cloned().collect();
    names.sort();
    let mut labels: Vec<String> = all
        .iter()
        .filter(|n| {
            n.strip_suffix(".label")
                .is_some_and(|a| a.len() == 16 && is_record_name(a))
        })
        .cloned()
        .collect();
    labels.sort();
    let mut out = Vec::with_capacity(names.len() + 1);
    let mut products = Vec::new();
    for name in labels {
        let path = dir.join(&name);
        let bad = |why: String| SiteError::Record {
            path: path.clone(),
            why,
        };
        let cose = crate::fsutil::read_input(&path, crate::fsutil::Input::Signed)
            .map_err(|e| bad(e.to_string()))?;
        if crate::record::address(&cose) != name[..16] {
            return Err(bad("its file name is not its address".into()));
        }
        let opened = crate::envelope::open(&cose).map_err(|e| bad(e.to_string()))?;
        let facts = crate::payload::decode(&opened.payload).map_err(|e| bad(e.to_string()))?;
        let trusted = trust
            .by_kid(&opened.kid)
            .any(|k| opened.verify(&k.key) && k.may_sign_for(&facts.manufacturer));
        if !trusted {
            return Err(bad(format!(
                "the label is not signed by a key this site trusts for {:?}",
                facts.manufacturer
            )));
        }
        products.push(json!({
            "address": &name[..16],
            "manufacturer": facts.manufacturer,
            "model": facts.model,
            "gtin": facts.gtin,
            "label": URL_SAFE_NO_PAD.encode(&cose),
        }));
    }
    if !products.is_empty() {
        let mut text = serde_json::to_string_pretty(&json!({ "products": products }))
            .map_err(|e| SiteError::UiStrings(e.to_string()))?;
        text.push('\n');
        out.push(SiteFile {
            name: "records/products.json".into(),
            bytes: text.into_bytes(),
        });
    }
    for name in names {
        let path = dir.join(&name);
        let bad = |why: String| SiteError::Record {
            path: path.clone(),
            why,
        };
        let bytes = crate::fsutil::read_input(&path, crate::fsutil::Input::Signed)
            .map_err(|e| bad(e.to_string()))?;
        if bytes.len() > crate::record::MAX_RECORD_BYTES {
            return Err(bad(format!("{} bytes is over the limit", bytes.len())));
        }
        let opened = crate::envelope::open(&bytes).map_err(|e| bad(e.to_string()))?;
        let record = crate::record::decode(&opened.payload).map_err(|e| bad(e.to_string()))?;
        if crate::verify::hex(&record.label_hash[..crate::record::ADDRESS_BYTES]) != name[..16] {
            return Err(bad(
                "its file name is not the address of the label it names".into(),
            ));
        }
        let signer = trust
            .by_kid(&opened.kid)
            .find(|k| opened.verify(&k.key))
            .ok_or_else(|| bad("it is not signed by a key this site trusts".into()))?;
        if !signer.may_sign_for(&record.manufacturer) {
            return Err(bad(format!(
                "{} is not trusted for {:?}",
                signer.name, record.manufacturer
            )));
        }
        out.push(SiteFile {
            name: format!("records/{name}"),
            bytes,
        });
    }
    Ok(out)
}

/// `0123456789abcdef` or `0123456789abcdef.3`.
fn is_record_name(n: &str) -> bool {
    let (addr, seq) = n.split_once('.').unwrap_or((n, ""));
    addr.len() == 2 * crate::record::ADDRESS_BYTES
        && addr
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && (seq.is_empty() || (seq.len() <= 9 && seq.bytes().all(|b| b.is_ascii_digit())))
}

/// Writes the verifier site into `out_dir` (created if missing) and returns the paths
/// written (entry point). Each file is replaced atomically, so a half-written page is
/// never served; rerunning with the same inputs writes identical bytes.
pub fn generate(
    trust: &TrustStore,
    options: &SiteOptions,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, SiteError> {
    let files = render(trust, options)?;
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(SiteError::NotADirectory {
            path: out_dir.to_path_buf(),
        });
    }
    std::fs::create_dir_all(out_dir).map_err(|source| SiteError::CreateDir {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::with_capacity(files.len());
    for f in files {
        let path = out_dir.join(&f.name);
        if let Some(parent) = path.parent().filter(|p| *p != out_dir) {
            std::fs::create_dir_all(parent).map_err(|source| SiteError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        // World-readable: a web server must be able to serve them.
        let opts = WriteOptions {
            overwrite: Overwrite::Replace,
            mode: Some(0o644),
            // Records (binary COSE) are not sniffed as site files: no kind rule.
            kind: (!f.name.starts_with("records/")).then_some(crate::fsutil::Kind::Site),
            force: false,
        };
        write_atomic_with(&path, opts, |w| w.write_all(&f.bytes))?;
        written.push(path);
    }
    Ok(written)
}

/// The trusted keys as the page and `keys.json` show them.
fn keys_json(trust: &TrustStore) -> Vec<Value> {
    trust
        .keys
        .iter()
        .map(|k| {
            let raw = k.key.as_bytes();
            json!({
                "name": k.name,
                "kid": crate::verify::hex(&key_id(&k.key)),
                "public_key_hex": crate::verify::hex(raw),
                "public_key_b64url": URL_SAFE_NO_PAD.encode(raw),
                "valid_from": k.valid_from.map(|m| m.to_string()),
                "valid_until": k.valid_until.map(|m| m.to_string()),
                "manufacturers": k.manufacturers,
                "base_urls": k.base_urls.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The catalogues the page offers, in order: the ones asked for (`--lang de,fr`, the
/// first being the page's default), or every built-in one with English first.
fn page_catalogues(options: &SiteOptions) -> Result<Vec<Catalogue>, SiteError> {
    if options.langs.is_empty() {
        let mut all = Catalogue::languages();
        all.sort_by_key(|l| (*l != "en", l.to_string()));
        return Ok(Catalogue::for_codes(all)?);
    }
    Ok(Catalogue::for_codes(
        options.langs.iter().map(String::as_str),
    )?)
}

/// A catalogue's `[page]` table: the page's own words, keyed without the prefix.
fn page_strings(c: &Catalogue) -> Map<String, Value> {
    c.phrases()
        .iter()
        .filter_map(|(k, v)| {
            Some((
                k.strip_prefix("page.")?.to_string(),
                Value::String(v.clone()),
            ))
        })
        .collect()
}

/// The JSON block the page reads: keys, languages (the first is the default),
/// catalogues and page strings.
fn page_data(keys: &[Value], catalogues: &[Catalogue]) -> Value {
    let mut languages = Vec::new();
    let mut phrases = Map::new();
    let mut ui = Map::new();
    for c in catalogues {
        languages.push(json!({ "code": c.lang, "name": c.name }));
        // The page strings travel once, under "ui".
        let flat: Map<String, Value> = c
            .phrases()
            .iter()
            .filter(|(k, _)| !k.starts_with("page."))
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        phrases.insert(c.lang.clone(), Value::Object(flat));
        ui.insert(c.lang.clone(), Value::Object(page_strings(c)));
    }
    json!({
        "format": 1,
        "keys": keys,
        "languages": languages,
        "phrases": phrases,
        "ui": ui,
    })
}

/// The `<noscript>` text: what the page needs, in every language it offers (in its
/// order), since without JavaScript the page cannot pick one.
fn noscript_html(catalogues: &[Catalogue]) -> String {
    let mut out = String::new();
    for c in catalogues {
        if let Ok(text) = c.get("page.noscript") {
            out.push_str(&format!(
                "<p lang=\"{}\">{}</p>",
                escape_html(&c.lang),
                escape_html(text)
            ));
        }
    }
    out
}

/// The header: logo and brand name, or nothing.
fn brand_html(options: &SiteOptions) -> Result<String, SiteError> {
    let mut out = String::new();
    let name = match &options.brand_name {
        Some(n) if n.trim().is_empty() || n.chars().any(char::is_control) => {
            return Err(SiteError::BrandName);
        }
        Some(n) => Some(escape_html(n.trim())),
        None => None,
    };
    if let Some(path) = &options.logo {
        let uri = logo_data_uri(path)?;
        let alt = name.clone().unwrap_or_default();
        out.push_str(&format!("<img src=\"{uri}\" alt=\"{alt}\">"));
    }
    if let Some(n) = name {
        out.push_str(&format!("<span>{n}</span>"));
    }
    Ok(out)
}

/// Reads and checks a logo, returning a `data:` URI. The type is taken from the
/// file's contents, not its name, so a mislabelled file is caught here and not as a
/// broken image on the page.
fn logo_data_uri(path: &Path) -> Result<String, SiteError> {
    let bytes = crate::fsutil::read_input(path, crate::fsutil::Input::Image).map_err(|e| {
        SiteError::LogoRead {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        }
    })?;
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(SiteError::LogoTooLarge {
            path: path.to_path_buf(),
            size: bytes.len(),
            max: MAX_LOGO_BYTES,
        });
    }
    let bad = |detail: &str| SiteError::LogoType {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    };
    let mime = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else {
        let text = std::str::from_utf8(&bytes).map_err(|_| bad("unrecognised binary data"))?;
        let head = text.trim_start_matches('\u{feff}').trim_start();
        let looks_svg =
            (head.starts_with("<svg") || head.starts_with("<?xml") || head.starts_with("<!--"))
                && text.contains("<svg");
        if !looks_svg {
            return Err(bad("text that is not an SVG document"));
        }
        "image/svg+xml"
    };
    Ok(format!("data:{mime};base64,{}", STANDARD.encode(&bytes)))
}

/// `'sha256-…'` for a Content-Security-Policy that allows exactly this inline block.
fn csp_hash(text: &str) -> String {
    use sha2::Digest;
    format!(
        "'sha256-{}'",
        STANDARD.encode(sha2::Sha256::digest(text.as_bytes()))
    )
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces `{{NAME}}` placeholders in one pass; inserted text is not scanned again
/// (the JavaScript may itself contain braces).
fn fill_template(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + vars.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => match vars.iter().find(|(k, _)| *k == &after[..end]) {
                Some((_, v)) => {
                    out.push_str(v);
                    rest = &after[end + 2..];
                }
                None => {
                    out.push_str("{{");
                    rest = after;
                }
            },
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn store() -> TrustStore {
        let mut t = TrustStore::default();
        t.add(
            "Acme 2026",
            SigningKey::from_bytes(&[3; 32]).verifying_key(),
        );
        t
    }

    #[test]
    fn page_is_self_contained_and_deterministic() {
        let opts = SiteOptions {
            brand_name: Some("Acme <Home>".into()),
            logo: None,
            as_of: None,
            records: None,
            langs: Vec::new(),
        };
        let a = render(&store(), &opts).unwrap();
        let b = render(&store(), &opts).unwrap();
        assert_eq!(a, b);
        let html = String::from_utf8(a[0].bytes.clone()).unwrap();
        assert!(!html.contains("{{"), "unfilled placeholder");
        assert!(html.contains("Acme &lt;Home&gt;"));
        assert!(
            !html.contains("http://") && !html.contains("src=\"http"),
            "no external requests"
        );
        // Every language's catalogue is embedded.
        for l in Catalogue::languages() {
            assert!(html.contains(&format!("\"code\":\"{l}\"")), "{l} missing");
        }
        // The CSP hashes match the inlined blocks.
        assert!(
            html.contains(&csp_hash(VERIFIER_JS))
                && html.contains(&csp_hash(APP_JS))
                && html.contains(&csp_hash(STYLE))
        );
        assert!(html.contains(&format!("<script>{VERIFIER_JS}</script>")));
    }

    #[test]
    fn the_page_offers_every_language_english_first_or_the_ones_asked_for() {
        // (That every catalogue has every page string is the catalogue test's job.)
        let all = page_catalogues(&SiteOptions::default()).unwrap();
        assert_eq!(all[0].lang, "en");
        assert_eq!(all.len(), Catalogue::languages().len());
        let asked = SiteOptions {
            langs: vec!["fr-CA".into(), "de".into(), "fr".into()],
            ..SiteOptions::default()
        };
        let some = page_catalogues(&asked).unwrap();
        assert_eq!(
            some.iter().map(|c| c.lang.as_str()).collect::<Vec<_>>(),
            ["fr", "de"]
        );
        let data = page_data(&[], &some);
        assert_eq!(data["languages"][0]["code"], "fr");
        assert!(data["ui"]["fr"]["noscript"].is_string() && data["ui"].get("en").is_none());
        assert!(noscript_html(&some).starts_with("<p lang=\"fr\">"));
        let bad = SiteOptions {
            langs: vec!["xx".into()],
            ..SiteOptions::default()
        };
        assert!(matches!(
            page_catalogues(&bad),
            Err(SiteError::Catalogue(CatalogueError::UnknownLanguage { .. }))
        ));
    }

    #[test]
    fn logos_are_checked_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let svg = dir.path().join("l.svg");
        std::fs::write(&svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
        assert!(
            logo_data_uri(&svg)
                .unwrap()
                .starts_with("data:image/svg+xml;base64,")
        );
        let fake = dir.path().join("l.png");
        std::fs::write(&fake, "hello").unwrap();
        assert!(matches!(
            logo_data_uri(&fake),
            Err(SiteError::LogoType { .. })
        ));
        let big = dir.path().join("big.png");
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.resize(MAX_LOGO_BYTES + 1, 0);
        std::fs::write(&big, bytes).unwrap();
        assert!(matches!(
            logo_data_uri(&big),
            Err(SiteError::LogoTooLarge { .. })
        ));
    }

    #[test]
    fn template_fill_does_not_rescan_inserted_text() {
        assert_eq!(
            fill_template("a{{X}}b{{Y}}", &[("X", "{{Y}}"), ("Y", "z")]),
            "a{{Y}}bz"
        );
        assert_eq!(fill_template("{{unknown}}", &[]), "{{unknown}}");
    }
}
