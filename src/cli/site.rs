//! `site`: write the static verifier page that the QR link opens.

use clap::Args;
use miette::Result;
use std::path::PathBuf;
use std::process::ExitCode;

/// Write the verifier site (index.html with the trusted keys and its languages).
#[derive(Debug, Args)]
pub struct SiteArgs {
    /// Trusted public keys: .pem files, keyset .toml files or directories (repeatable).
    #[arg(long, value_name = "KEYS", required = true, num_args = 1..)]
    pub trust: Vec<PathBuf>,
    /// Brand or manufacturer name shown at the top of the page.
    #[arg(long, value_name = "NAME")]
    pub brand_name: Option<String>,
    /// Logo shown at the top of the page (PNG, JPEG or SVG, at most 64 KiB).
    #[arg(long, value_name = "FILE")]
    pub logo: Option<PathBuf>,
    /// Records directory to publish as `records/` beside the page (written by `iotlabel
    /// record`, `extend` and `withdraw`); the page then shows each label's record.
    #[arg(long, value_name = "DIR")]
    pub records: Option<PathBuf>,
    /// Languages the page offers, separated by commas, the first being its default when
    /// the reader's browser asks for none of them (`--lang fr,de`). Default: every
    /// built-in language, English first.
    #[arg(long, value_name = "LANGS", value_delimiter = ',')]
    pub lang: Vec<String>,
    /// Output directory (created if missing; files in it are replaced).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(a: SiteArgs) -> Result<ExitCode> {
    let trust = crate::keys::TrustStore::load(&a.trust)?;
    let options = crate::site::SiteOptions {
        brand_name: a.brand_name,
        logo: a.logo,
        as_of: None,
        records: a.records,
        langs: a.lang,
    };
    let written = crate::site::generate(&trust, &options, &a.out)?;
    for p in &written {
        println!("{}", p.display());
    }
    eprintln!(
        "verifier site for {} trusted key(s) written to {}; host it at the link's base URL",
        trust.keys.len(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
