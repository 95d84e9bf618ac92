//! `sign`, `verify` and `inspect`: the signed payload and its link.

use crate::declaration::{CheckOptions, YearMonth};
use crate::keys::TrustStore;
use crate::source::{self, SourceOptions};
use crate::verify::{self, EXIT_MALFORMED, Verdict, hex};
use clap::Args;
use miette::{IntoDiagnostic, Result};
use std::path::PathBuf;
use std::process::ExitCode;

/// Sign a declaration: prints the link for the QR code, or writes it / the raw COSE bytes.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The declaration (.toml or .json).
    pub declaration: PathBuf,
    /// Private key (PKCS#8 PEM).
    #[arg(long, value_name = "KEY.pem")]
    pub key: PathBuf,
    /// Base URL of the verifier page (overrides product.link_base_url).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Make a GS1 Digital Link (…/01/<GTIN-14>#…) with the base URL as resolver.
    #[arg(long)]
    pub gs1: bool,
    /// Output: `.cose` writes the raw COSE_Sign1 bytes, anything else the link text.
    /// Default: the link on standard output.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Judge support-end dates as of this month (YYYY-MM) instead of today.
    #[arg(long, value_name = "YYYY-MM")]
    pub as_of: Option<YearMonth>,
    /// Replace an existing output file of another kind (never an input or a private key).
    #[arg(long)]
    pub force: bool,
}

pub fn sign(a: SignArgs) -> Result<ExitCode> {
    let opts = SourceOptions {
        key: Some(a.key.clone()),
        base_url: a.base_url.clone(),
        gs1: a.gs1,
        check: Some(CheckOptions {
            today: a.as_of.unwrap_or_else(YearMonth::now),
            new_label: true,
        }),
    };
    let input = a.declaration.display().to_string();
    let raw = a
        .out
        .as_ref()
        .is_some_and(|o| o.extension().is_some_and(|e| e == "cose"));
    let kind = if raw {
        crate::fsutil::Kind::Cose
    } else {
        crate::fsutil::Kind::Link
    };
    if let Some(out) = &a.out {
        // Before reading: an output that is the declaration or the key is refused by
        // the write guard too, but checking first fails before any work.
        for input in [a.declaration.as_path(), a.key.as_path()] {
            crate::fsutil::note_input(input);
        }
        crate::fsutil::check_target(out, &crate::fsutil::WriteOptions::output(kind, a.force))?;
    }
    let env = source::load(&input, &opts)?;
    env.print_warnings();
    match (&a.out, raw) {
        (Some(out), true) => {
            crate::fsutil::write_output(out, kind, a.force, &env.cose)?;
            eprintln!(
                "wrote {} ({} bytes COSE_Sign1, key id {})",
                out.display(),
                env.cose.len(),
                hex(&env.opened.kid)
            );
        }
        (Some(out), false) => {
            let link = env.link()?;
            crate::fsutil::write_output(out, kind, a.force, format!("{link}\n").as_bytes())?;
            eprintln!(
                "wrote {} ({} bytes signed, {} characters of link)",
                out.display(),
                env.cose.len(),
                link.len()
            );
        }
        (None, _) => println!("{}", env.link()?),
    }
    Ok(ExitCode::SUCCESS)
}

/// Verify a signed label: link, digits, .cose, image of a label, or NFC dump.
///
/// Exit status: 0 valid signature from a trusted key; 1 bad signature (altered or
/// damaged); 3 unknown key; 4 malformed input; 5 signed by a trusted key that is not
/// bound to the label's manufacturer; 6 valid but the link's host is not one of the
/// key's base URLs; 2 usage or file errors. Today's support state (`--as-of`) never
/// changes the exit status.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A link, bare digits, or a file (.cose, .png/.jpg, .ndef/.bin/.hex, .txt).
    pub input: String,
    /// Trusted public keys: .pem files, directories of them, or keyset .toml (repeatable).
    #[arg(long, required = true, value_name = "FILE|DIR")]
    pub trust: Vec<PathBuf>,
    /// Language of the summary.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Judge the support end as of this day (YYYY-MM-DD) instead of today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<crate::today::Date>,
    /// A records directory (as written by `iotlabel record`/`extend`/`withdraw`, or the
    /// `records/` folder of a site): show the label's record, its status and facts.
    #[arg(long, value_name = "DIR")]
    pub records: Option<PathBuf>,
}

pub fn verify(a: VerifyArgs) -> Result<ExitCode> {
    let trust = TrustStore::load(&a.trust)?;
    let catalogue = crate::summary::Catalogue::built_in(&a.lang)?;
    let env = match source::load(&a.input, &SourceOptions::default()) {
        Ok(env) => env,
        Err(e) if e.is_malformed() => {
            if a.json {
                println!(
                    "{}",
                    serde_json::json!({"input": a.input, "verdict": "malformed", "error": e.to_string()})
                );
            } else {
                eprintln!("{:?}", miette::Report::new(e));
                eprintln!("verdict: MALFORMED — this is not an intact iotlabel payload");
            }
            return Ok(ExitCode::from(EXIT_MALFORMED));
        }
        Err(e) => return Err(e.into()),
    };
    let v = verify::verify(env, &trust);
    let facts = match &v.facts {
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => {
            // Signed by a trusted key but unreadable by this version (e.g. a newer format).
            let msg = format!(
                "signature is {:?} but the payload cannot be read: {e}",
                v.verdict
            );
            if a.json {
                println!(
                    "{}",
                    serde_json::json!({"input": a.input, "verdict": "malformed", "error": msg})
                );
            } else {
                eprintln!("error: {msg}");
            }
            return Ok(ExitCode::from(EXIT_MALFORMED));
        }
        None => None,
    };
    let summary = facts
        .map(|f| crate::summary::summarize(f, &catalogue))
        .transpose()?;
    // The record is read only for a label whose facts are shown, and used only when it
    // verifies with the same trust store for the label's manufacturer.
    let record = match (&a.records, facts) {
        (Some(dir), Some(f)) => {
            let bytes = crate::record::read(dir, &v.envelope.cose)?;
            Some(verify::verify_record(
                bytes.as_deref(),
                &v.envelope.cose,
                &f.manufacturer,
                &trust,
            ))
        }
        _ => None,
    };
    let extended_to = record
        .as_ref()
        .and_then(|r| r.record.as_ref())
        .and_then(|r| r.extended_to());
    let as_of = a.as_of.unwrap_or_else(crate::today::Date::today_utc);
    let today = facts
        .map(|f| crate::today::assess(f, as_of, extended_to, &catalogue))
        .transpose()?;
    let record_json = record
        .as_ref()
        .map(|c| record_json(c, &v.envelope.cose, &catalogue));
    let kid = hex(&v.envelope.opened.kid);
    if a.json {
        let out = serde_json::json!({
            "input": a.input,
            "verdict": v.verdict,
            "key_id": kid,
            "signer": v.signer.as_ref().map(|s| s.name.clone()),
            "signer_manufacturers": v.signer.as_ref().map(|s| s.manufacturers.clone()),
            "host": v.host.as_ref().map(|h| h.host.clone()),
            "host_expected": v.host.as_ref().map(|h| h.expected.clone()),
            "host_foreign": v.host.as_ref().map(|h| h.foreign),
            "algorithm": v.envelope.opened.alg,
            "declaration": facts.map(|f| f.to_declaration()),
            "summary": summary,
            "today": today,
            "record": record_json,
            "cose_bytes": v.envelope.cose.len(),
        });
        println!("{}", serde_json::to_string_pretty(&out).into_diagnostic()?);
    } else {
        if let Some(s) = &summary {
            let heading = if v.verdict == Verdict::Valid {
                ""
            } else {
                "UNVERIFIED — "
            };
            println!("{heading}{} {}", s.manufacturer, s.model);
            if let Some(t) = &today {
                println!("  {} (as of {})", t.text, t.as_of);
            }
            println!("  {}", s.headline);
            for st in &s.statements {
                println!("  {}: {}", st.label, st.text);
            }
        }
        println!("key id: {kid}");
        if let Some(c) = &record {
            print_record(c, &v.envelope.cose, &catalogue);
        }
        if let Some(h) = &v.host {
            if h.foreign {
                println!(
                    "link host: {} — WARNING: not one of the signer's addresses ({})",
                    h.host,
                    h.expected.join(", ")
                );
            } else {
                println!("link host: {}", h.host);
            }
        }
        match (&v.verdict, &v.signer) {
            (Verdict::Valid, Some(k)) => println!(
                "verdict: VALID — signed by {} ({})",
                k.name,
                k.source.display()
            ),
            (Verdict::UnknownKey, _) => println!(
                "verdict: UNKNOWN KEY — no trusted key has id {kid}; the content above is not vouched for"
            ),
            (Verdict::OtherParty, Some(k)) => println!(
                "verdict: SIGNED BY ANOTHER PARTY — {} is trusted only for {}, not for {:?}; the content above is not vouched for",
                k.name,
                k.manufacturers.join(", "),
                facts.map(|f| f.manufacturer.as_str()).unwrap_or("")
            ),
            (Verdict::ForeignHost, Some(k)) => println!(
                "verdict: FOREIGN HOST — signed by {}, but the link points to {} instead of the maker's own address; the label may have been copied",
                k.name,
                v.host.as_ref().map(|h| h.host.as_str()).unwrap_or("")
            ),
            _ => println!(
                "verdict: BAD SIGNATURE — the payload was altered or damaged; do not rely on it"
            ),
        }
    }
    Ok(ExitCode::from(v.verdict.exit_code()))
}

/// The record part of `verify --json`: the check, and the record's fields when valid.
fn record_json(
    c: &verify::RecordCheck,
    label: &[u8],
    catalogue: &crate::summary::Catalogue,
) -> serde_json::Value {
    serde_json::json!({
        "address": crate::record::address(label),
        "verdict": c.verdict,
        "error": c.error,
        "signer": c.signer.as_ref().map(|s| s.name.clone()),
        "record": c.record.as_ref().map(|r| r.to_json()),
        "text": record_text(c, catalogue).ok(),
    })
}

/// The status line of a record in the catalogue's language.
fn record_text(
    c: &verify::RecordCheck,
    catalogue: &crate::summary::Catalogue,
) -> std::result::Result<String, crate::summary::CatalogueError> {
    use crate::record::Status;
    let words = |m| crate::today::month_in_words(m, catalogue);
    let Some(r) = &c.record else {
        return Ok(catalogue.get("record.unchecked")?.to_string());
    };
    let issued = words(r.issued)?;
    Ok(match &r.status {
        Status::Current => catalogue
            .get("record.current")?
            .replace("{issued}", &issued),
        Status::Extended { until } => catalogue
            .get("record.extended")?
            .replace("{date}", &words(*until)?)
            .replace("{issued}", &issued),
        Status::Withdrawn { reason } => catalogue
            .get("record.withdrawn")?
            .replace(
                "{reason}",
                catalogue.get(&format!("record.reason.{}", reason.name()))?,
            )
            .replace("{issued}", &issued),
        Status::Superseded { reason, .. } => catalogue
            .get("record.superseded")?
            .replace(
                "{reason}",
                catalogue.get(&format!("record.reason.{}", reason.name()))?,
            )
            .replace("{issued}", &issued),
    })
}

fn print_record(c: &verify::RecordCheck, label: &[u8], catalogue: &crate::summary::Catalogue) {
    let addr = crate::record::address(label);
    match (&c.record, c.verdict) {
        (Some(r), _) => {
            println!(
                "record {addr} (no. {}, signed by {}): {}",
                r.seq,
                c.signer.as_ref().map(|s| s.name.as_str()).unwrap_or("?"),
                record_text(c, catalogue).unwrap_or_default()
            );
            for (k, v) in [
                ("details", &r.details_url),
                ("vulnerability contact", &r.vulnerability_contact),
                ("firmware", &r.firmware_version),
                ("hardware", &r.hardware_version),
            ] {
                if let Some(v) = v {
                    println!("  {k}: {}", escape(v));
                }
            }
            for (k, v) in &r.notes {
                println!("  note ({k}): {}", escape(v));
            }
        }
        (None, verify::RecordVerdict::Missing) => println!(
            "record {addr}: none found — {}",
            record_text(c, catalogue).unwrap_or_default()
        ),
        (None, verdict) => println!(
            "record {addr}: IGNORED ({}) — {}; {}",
            serde_json::to_value(verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            c.error.as_deref().unwrap_or(""),
            record_text(c, catalogue).unwrap_or_default()
        ),
    }
}

/// Terminal output escapes control characters in untrusted text.
fn escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Show every stage of a signed payload: CBOR, COSE headers, sizes, digits, QR versions.
#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub source: super::SignedInput,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub fn inspect(a: InspectArgs) -> Result<ExitCode> {
    let opts = SourceOptions {
        check: Some(CheckOptions::lenient()),
        ..a.source.options()
    };
    let env = source::load(&a.source.input, &opts)?;
    let o = &env.opened;
    let facts = crate::payload::decode(&o.payload);
    let link = env.link().ok();
    let digits = crate::link::encode_digits(&env.cose);
    let qr: Vec<(String, Option<u8>)> = match &link {
        Some(l) => crate::cli::qr_versions(l),
        None => Vec::new(),
    };
    if a.json {
        let out = serde_json::json!({
            "input_kind": env.kind,
            "cose_bytes": env.cose.len(),
            "cose_hex": hex(&env.cose),
            "protected_hex": hex(&o.protected_bytes()),
            "algorithm": o.alg,
            "key_id": hex(&o.kid),
            "payload_bytes": o.payload.len(),
            "payload_hex": hex(&o.payload),
            "payload_diagnostic": minicbor::display(&o.payload).to_string(),
            "declaration": facts.as_ref().ok().map(|f| f.to_declaration()),
            "payload_error": facts.as_ref().err().map(|e| e.to_string()),
            "signature_hex": hex(o.signature()),
            "digits": digits.len(),
            "link": link,
            "link_chars": link.as_ref().map(|l| l.len()),
            "qr_versions": qr.iter().map(|(ec, v)| serde_json::json!({"ec": ec, "version": v})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out).into_diagnostic()?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "input:            {:?} ({})",
        a.source.input,
        serde_json::to_value(env.kind)
            .into_diagnostic()?
            .as_str()
            .unwrap_or("")
    );
    println!(
        "COSE_Sign1:       {} bytes{}",
        env.cose.len(),
        if o.tagged { " (tagged)" } else { " (untagged)" }
    );
    println!(
        "  protected:      {} = {}",
        hex(&o.protected_bytes()),
        minicbor::display(&o.protected_bytes())
    );
    println!(
        "  algorithm:      {} ({})",
        o.alg,
        if o.alg == crate::envelope::ALG_ED25519 {
            "Ed25519"
        } else {
            "EdDSA"
        }
    );
    println!("  key id:         {}", hex(&o.kid));
    println!("  payload:        {} bytes", o.payload.len());
    println!("  signature:      {} bytes", o.signature().len());
    println!("payload (CBOR):   {}", hex(&o.payload));
    println!("  diagnostic:     {}", minicbor::display(&o.payload));
    match &facts {
        Ok(f) => println!(
            "  decoded:        {}",
            serde_json::to_string(&f.to_declaration()).into_diagnostic()?
        ),
        Err(e) => println!("  decoded:        ERROR: {e}"),
    }
    println!(
        "digits:           {} ({} digits for {} bytes)",
        truncate(&digits, 60),
        digits.len(),
        env.cose.len()
    );
    match &link {
        Some(l) => println!(
            "link:             {} ({} characters)",
            truncate(l, 80),
            l.len()
        ),
        None => println!("link:             (no base URL; pass --base-url)"),
    }
    for (ec, v) in &qr {
        match v {
            Some(v) => println!(
                "QR at EC {ec}:       version {v} ({0}×{0} modules)",
                17 + 4 * u32::from(*v)
            ),
            None => println!("QR at EC {ec}:       does not fit"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}
