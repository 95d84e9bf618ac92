//! The command-line interface: argument definitions and the glue from each
//! subcommand to the library.
//!
//! Every subcommand lives in its own file with an `Args` struct (clap derive) and a
//! `run` function. `run` does no work of its own beyond reading inputs, calling the
//! library stage(s) and printing results, so anything the CLI does a Rust program can
//! do by calling the same library functions.

mod completions;
mod declaration;
mod decode;
mod keys;
mod label;
pub mod nfc;
mod qr;
mod record;
mod sheet;
mod sign;
mod site;
mod stocks;
mod templates;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Signed security-update declarations for IoT devices: payloads, QR codes, NFC tags
/// and print-ready packaging labels.
#[derive(Debug, Parser)]
#[command(name = "iotlabel", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The signed input every artwork command takes, and how to sign it when it is a
/// declaration (see [`crate::source`]).
#[derive(Debug, Clone, Args)]
pub struct SignedInput {
    /// A declaration (.toml/.json, needs --key), a link, bare digits, or a file: .cose,
    /// a label image (.png/.jpg) or an NFC dump (.ndef/.bin/.hex).
    pub input: String,
    /// Private key (PKCS#8 PEM) for signing a declaration.
    #[arg(long, value_name = "KEY.pem")]
    pub key: Option<PathBuf>,
    /// Base URL of the link (overrides the declaration's link_base_url; needed for .cose
    /// and bare digits).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Make a GS1 Digital Link (…/01/<GTIN-14>#…) with the base URL as resolver.
    #[arg(long)]
    pub gs1: bool,
}

impl SignedInput {
    /// The source options these flags describe (date rules as for a new label).
    pub fn options(&self) -> crate::source::SourceOptions {
        crate::source::SourceOptions {
            key: self.key.clone(),
            base_url: self.base_url.clone(),
            gs1: self.gs1,
            check: None,
        }
    }
    /// Reads (and if needed signs) the input and decodes its payload.
    /// Prints the input's warnings (a readable private key, the demo key) on stderr.
    pub fn resolve(&self) -> Result<crate::source::Signed, crate::source::SourceError> {
        let signed = crate::source::resolve(&self.input, &self.options())?;
        signed.envelope.print_warnings();
        Ok(signed)
    }
}

/// How an artwork command (`label`, `qr`, `nfc`, `sheet`) checks a signed input it did
/// not sign itself before printing it (see [`crate::verify::check_for_artwork`]).
#[derive(Debug, Clone, Args, Default)]
pub struct ArtworkTrust {
    /// Trusted public keys to verify a signed input (link, digits, .cose, image, NFC
    /// dump) against before making artwork: .pem files, directories, keyset .toml
    /// (repeatable). Not needed for a declaration signed in this run.
    #[arg(long, value_name = "FILE|DIR")]
    pub trust: Vec<PathBuf>,
    /// Make artwork from a signed input that is not verified (unknown signer, or no
    /// --trust). A bad signature is refused even so.
    #[arg(long)]
    pub unverified: bool,
}

impl ArtworkTrust {
    /// The policy these flags describe (loads the trust store, if any was given).
    pub fn policy(&self) -> Result<crate::verify::ArtworkPolicy, crate::keys::KeyError> {
        let trust = if self.trust.is_empty() {
            None
        } else {
            Some(crate::keys::TrustStore::load(&self.trust)?)
        };
        Ok(crate::verify::ArtworkPolicy {
            trust,
            unverified: self.unverified,
        })
    }

    /// Resolves a signed input and checks it before artwork is made; warns on standard
    /// error when it goes through unverified.
    pub fn resolve(&self, input: &SignedInput) -> miette::Result<crate::source::Signed> {
        let policy = self.policy()?;
        let env = crate::source::load(&input.input, &input.options())?;
        if let crate::verify::ArtworkCheck::Unverified(why) = policy.check(&env)? {
            eprintln!(
                "warning: {}: UNVERIFIED ({why}); making artwork because --unverified was given",
                env.input
            );
        }
        let signed = env.decode()?;
        signed.envelope.print_warnings();
        Ok(signed)
    }
}

/// The QR options of `label` and `sheet`: the module size and the error-correction
/// level (the same rules as [`crate::artwork`]).
#[derive(Debug, Clone, Args)]
pub struct QrOptions {
    /// Exact QR module size, e.g. 0.5mm (default: the template's, at least 0.42 mm,
    /// growing on larger labels). Below 0.42 mm phones may not read it at arm's length
    /// (a warning); below 0.25 mm it needs --force.
    #[arg(long, value_name = "LENGTH", value_parser = crate::qr::parse_length_mm, conflicts_with = "qr_size")]
    pub module: Option<f64>,
    /// The QR's outer size including its quiet zone, e.g. 30mm; the module size is
    /// derived from it and the same rules apply.
    #[arg(long, value_name = "LENGTH", value_parser = crate::qr::parse_length_mm)]
    pub qr_size: Option<f64>,
    /// Error-correction level [default: M, or L where the label does not fit at M].
    #[arg(long, value_enum, ignore_case = true)]
    pub ec: Option<crate::qr::EcLevel>,
}

impl QrOptions {
    /// The module size policy these flags describe.
    pub fn module_size(&self) -> crate::layout::ModuleSize {
        match (self.module, self.qr_size) {
            (Some(m), _) => crate::layout::ModuleSize::Module(m),
            (None, Some(s)) => crate::layout::ModuleSize::Outer(s),
            (None, None) => crate::layout::ModuleSize::Auto,
        }
    }
    /// The error-correction choice these flags describe.
    pub fn ec_choice(&self) -> crate::artwork::EcChoice {
        self.ec.map_or(
            crate::artwork::EcChoice::Auto,
            crate::artwork::EcChoice::Level,
        )
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented template declaration.
    Init(declaration::InitArgs),
    /// Check declarations (format, consistency, compliance profiles).
    Validate(declaration::ValidateArgs),
    /// Print the plain-language summary of a declaration or signed payload.
    Summary(declaration::SummaryArgs),
    /// Print the JSON Schema of the declaration format.
    Schema(declaration::SchemaArgs),
    /// Generate an Ed25519 signing key pair.
    Keygen(keys::KeygenArgs),
    /// Sign a declaration and print its link.
    Sign(sign::SignArgs),
    /// Verify a signed label (link, digits, .cose, image, NFC dump).
    Verify(sign::VerifyArgs),
    /// Write the signed product record of a label (the page's second layer).
    Record(record::RecordArgs),
    /// Extend a label's security-update support to a later month (a new record).
    Extend(record::ExtendArgs),
    /// Withdraw a label, or mark it superseded by a newer one (a new record).
    Withdraw(record::WithdrawArgs),
    /// Show every stage of a signed payload.
    Inspect(sign::InspectArgs),
    /// Make a packaging label (PDF, SVG or PNG) with the summary beside the QR.
    Label(label::LabelArgs),
    /// List the label templates and their default sizes.
    Templates(templates::TemplatesArgs),
    /// Make QR artwork (SVG, PDF, PNG or a terminal preview) for a signed link.
    Qr(qr::QrArgs),
    /// Print the text of every QR code in an image.
    Decode(decode::DecodeArgs),
    /// Print a CSV/JSONL batch of labels onto sheets or rolls of label stock.
    Sheet(sheet::SheetArgs),
    /// List the label stocks with their geometry.
    Stocks(stocks::StocksArgs),
    /// Write an NFC tag: NDEF message, NTAG memory image or hex dump.
    Nfc(nfc::NfcArgs),
    /// Write the static verifier site that the QR link opens.
    Site(site::SiteArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
}

/// Runs a parsed command line and returns the process exit code. Errors are printed
/// as miette reports on standard error.
pub fn main(cli: Cli) -> ExitCode {
    let result: miette::Result<ExitCode> = match cli.command {
        Command::Init(a) => declaration::init(a),
        Command::Validate(a) => declaration::validate(a),
        Command::Summary(a) => declaration::summary(a),
        Command::Schema(a) => declaration::schema(a),
        Command::Keygen(a) => keys::keygen(a),
        Command::Sign(a) => sign::sign(a),
        Command::Verify(a) => sign::verify(a),
        Command::Inspect(a) => sign::inspect(a),
        Command::Record(a) => record::record(a),
        Command::Extend(a) => record::extend(a),
        Command::Withdraw(a) => record::withdraw(a),
        Command::Completions(a) => completions::completions(a),
        Command::Nfc(a) => nfc::run(a),
        Command::Sheet(a) => sheet::run(a),
        Command::Stocks(a) => stocks::run(a),
        Command::Qr(a) => qr::run(a),
        Command::Decode(a) => decode::run(a),
        Command::Site(a) => site::run(a),
        Command::Label(a) => label::run(a),
        Command::Templates(a) => templates::run(a),
    };
    match result {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

/// The smallest QR version for a link at each error-correction level (for `inspect`).
pub fn qr_versions(link: &str) -> Vec<(String, Option<u8>)> {
    use crate::qr::EcLevel;
    [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H]
        .into_iter()
        .map(|ec| (ec.to_string(), crate::qr::min_version(link, ec).ok()))
        .collect()
}
