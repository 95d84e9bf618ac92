//! `init`, `validate`, `summary` and `schema`: working with declarations.

use crate::declaration::{self, CheckOptions, ReadError, YearMonth};
use crate::payload::Facts;
use crate::summary::{Catalogue, summarize};
use clap::Args;
use miette::{IntoDiagnostic, Result};
use std::path::PathBuf;
use std::process::ExitCode;

/// Write a commented template declaration.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write it (default: print to standard output). Never overwrites.
    pub file: Option<PathBuf>,
}

pub fn init(a: InitArgs) -> Result<ExitCode> {
    match a.file {
        None => print!("{}", declaration::TEMPLATE),
        Some(path) => {
            let opts = crate::fsutil::WriteOptions {
                overwrite: crate::fsutil::Overwrite::Refuse,
                ..Default::default()
            };
            crate::fsutil::write_atomic_with(&path, opts, |w| {
                w.write_all(declaration::TEMPLATE.as_bytes())
            })?;
            eprintln!(
                "wrote {} — edit it, then run `iotlabel validate {}`",
                path.display(),
                path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Check declarations: format, consistency and (optionally) a regulatory profile.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Declaration files (.toml or .json).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Also apply a compliance profile (repeatable): eu-cra, uk-psti, us-ctm.
    #[arg(long = "profile", value_name = "P")]
    pub profiles: Vec<String>,
    /// Machine-readable output (one JSON array; see docs/declaration.md).
    #[arg(long)]
    pub json: bool,
    /// Judge support-end dates as of this month (YYYY-MM) instead of today.
    #[arg(long, value_name = "YYYY-MM")]
    pub as_of: Option<YearMonth>,
}

/// Loads, checks and applies profiles; the problems in one list.
fn validate_one(
    path: &std::path::Path,
    profiles: &[crate::profile::Profile],
    opts: &CheckOptions,
) -> Result<Vec<(String, String)>, ReadError> {
    let d = declaration::load(path, opts)?;
    let problems: Vec<_> = profiles.iter().flat_map(|p| p.apply(&d)).collect();
    if problems.is_empty() {
        // Valid: say which fields never reach the label, so nobody is surprised.
        return Ok(crate::record::record_only_fields(&d));
    }
    // Re-read to attach lines and the source text to profile problems.
    let text = crate::fsutil::read_input_text(path, crate::fsutil::Input::Declaration)
        .map_err(|e| ReadError::file(path, e))?;
    let format =
        declaration::Format::from_path(path).unwrap_or_else(|| declaration::Format::sniff(&text));
    Err(declaration::with_problems(
        &text,
        format,
        &path.display().to_string(),
        problems,
    ))
}

pub fn validate(a: ValidateArgs) -> Result<ExitCode> {
    let profiles = a
        .profiles
        .iter()
        .map(|p| crate::profile::load(p))
        .collect::<Result<Vec<_>, _>>()?;
    let opts = CheckOptions {
        today: a.as_of.unwrap_or_else(YearMonth::now),
        new_label: true,
    };
    let mut all_ok = true;
    let mut json = Vec::new();
    for f in &a.files {
        let r = validate_one(f, &profiles, &opts);
        all_ok &= r.is_ok();
        if a.json {
            let (problems, error) = match &r {
                Ok(_) => (Vec::new(), None),
                Err(e @ ReadError::Invalid { .. }) => (e.problems().to_vec(), None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            json.push(serde_json::json!({
                "file": f.display().to_string(),
                "valid": r.is_ok(),
                "profiles": a.profiles,
                "problems": problems,
                "error": error,
                "record_only": r.as_ref().map(|fields| fields
                    .iter()
                    .map(|(f, v)| serde_json::json!({"field": f, "value": v}))
                    .collect::<Vec<_>>()).unwrap_or_default(),
            }));
        } else {
            match r {
                Ok(fields) => {
                    let prof = if a.profiles.is_empty() {
                        String::new()
                    } else {
                        format!(" (profiles: {})", a.profiles.join(", "))
                    };
                    println!("{}: valid{prof}", f.display());
                    if !fields.is_empty() {
                        println!(
                            "  not printed on the label; published only in its product record (`iotlabel record`):"
                        );
                        for (field, _) in &fields {
                            println!("    {field}");
                        }
                    }
                }
                Err(e) => eprintln!("{:?}", miette::Report::new(e)),
            }
        }
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&json).into_diagnostic()?);
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Print the plain-language summary a consumer would read.
///
/// The first line (and the `trust` field of `--json`) says how far the words can be
/// trusted: `declaration` (an unsigned declaration file), `unchecked` (a signed input
/// whose signature was not checked: pass --trust), or with --trust the verdict
/// (`valid`, `unknown-key`; a `bad-signature` input is refused, exit 1).
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// A declaration file, or a signed input (link, digits, .cose, image, NFC dump).
    pub input: String,
    /// Language of the summary, or several separated by commas (`en,fr`): one summary
    /// per language, in that order.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Output JSON instead of text (an array when several languages are asked for).
    #[arg(long)]
    pub json: bool,
    /// Check a signed input against these trusted keys (.pem files, directories,
    /// keyset .toml; repeatable), as `verify` does.
    #[arg(long, value_name = "FILE|DIR")]
    pub trust: Vec<std::path::PathBuf>,
}

pub fn summary(a: SummaryArgs) -> Result<ExitCode> {
    use crate::untrusted::escape;
    let catalogues = Catalogue::for_langs(&a.lang)?;
    let path = std::path::Path::new(&a.input);
    let (facts, trust) = if path.is_file() && declaration::Format::from_path(path).is_some() {
        (
            Facts::from_declaration(&declaration::load(path, &CheckOptions::lenient())?),
            "declaration",
        )
    } else if a.trust.is_empty() {
        (crate::source::decode_signed(&a.input)?.facts, "unchecked")
    } else {
        let store = crate::keys::TrustStore::load(&a.trust)?;
        let env = crate::source::load(&a.input, &Default::default())?;
        let v = crate::verify::verify(env, &store);
        match (v.verdict, v.facts) {
            (crate::verify::Verdict::BadSignature, _) | (_, None) => {
                if a.json {
                    println!(
                        "{}",
                        serde_json::json!({"trust": "bad-signature", "summary": null})
                    );
                } else {
                    println!(
                        "trust: BAD SIGNATURE — the payload was altered or damaged; no summary is shown"
                    );
                }
                return Ok(ExitCode::from(1));
            }
            (verdict, Some(f)) => (
                f.into_diagnostic()?,
                match verdict {
                    crate::verify::Verdict::Valid => "valid",
                    _ => "unknown-key",
                },
            ),
        }
    };
    let summaries = catalogues
        .iter()
        .map(|c| summarize(&facts, c))
        .collect::<Result<Vec<_>, _>>()?;
    if a.json {
        let mut all = Vec::new();
        for s in &summaries {
            let mut v = serde_json::to_value(s).into_diagnostic()?;
            if let Some(o) = v.as_object_mut() {
                o.insert("trust".into(), trust.into());
            }
            all.push(v);
        }
        let v = match <[_; 1]>::try_from(all) {
            Ok([one]) => one,
            Err(all) => serde_json::Value::Array(all),
        };
        println!("{}", serde_json::to_string_pretty(&v).into_diagnostic()?);
    } else {
        // The trust line comes first, on standard output, before any text from the input.
        println!(
            "trust: {}",
            match trust {
                "declaration" => "unsigned declaration (the manufacturer's own file)",
                "valid" => "VALID signature from a trusted key",
                "unknown-key" => "UNVERIFIED — signed by a key you do not trust",
                _ =>
                    "UNVERIFIED — signature not checked; pass --trust KEYS (or use `iotlabel verify`)",
            }
        );
        for (i, s) in summaries.iter().enumerate() {
            if i > 0 {
                println!();
            }
            println!("{} · {}", escape(&s.manufacturer), escape(&s.model));
            println!("{}", escape(&s.headline));
            for st in &s.statements {
                println!("  {}: {}", escape(&st.label), escape(&st.text));
            }
            if !s.standards.is_empty() {
                println!("  {}", escape(&s.standards));
            }
            println!("({})", escape(&s.ui.declaration));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Print the JSON Schema of the declaration format.
#[derive(Debug, Args)]
pub struct SchemaArgs {}

pub fn schema(_: SchemaArgs) -> Result<ExitCode> {
    println!(
        "{}",
        serde_json::to_string_pretty(&declaration::json_schema()).into_diagnostic()?
    );
    Ok(ExitCode::SUCCESS)
}
