//! `iotlabel nfc`: write the NFC tag contents for a signed declaration.
//!
//! Resolves the input like every artwork command ([`crate::source::resolve`]), builds the
//! link with the payload in base64url, and writes it as a bare NDEF message, a full
//! NTAG21x memory image or a readable hex dump ([`crate::nfc`]).

use crate::nfc::{self, TagType};
use clap::{Args, ValueEnum};
use miette::{IntoDiagnostic, Result, WrapErr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NfcFormat {
    /// The bare NDEF message (the binary that nfcpy, ndeftool and NDEF libraries read).
    Ndef,
    /// The NTAG memory image from page 0 (for libnfc, Proxmark3 and similar tools).
    Tag,
    /// A readable dump of the tag image, one 4-byte page per line.
    Hex,
}

impl NfcFormat {
    /// The format an output file name implies: `.ndef`, `.bin`, `.hex`/`.txt`.
    fn from_extension(path: &Path) -> Option<NfcFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "ndef" => Some(NfcFormat::Ndef),
            "bin" => Some(NfcFormat::Tag),
            "hex" | "txt" => Some(NfcFormat::Hex),
            _ => None,
        }
    }
}

/// Write an NFC tag's contents: an NDEF URI record with the signed link (optionally also
/// the raw COSE bytes), as an NDEF message, a tag memory image or a hex dump.
#[derive(Debug, Args)]
pub struct NfcArgs {
    #[command(flatten)]
    pub source: super::SignedInput,
    #[command(flatten)]
    pub trust: super::ArtworkTrust,
    /// Tag model; decides the capacity and the capability container.
    #[arg(long, value_enum, default_value_t = TagType::Ntag215)]
    pub tag: TagType,
    /// Output format [default: from the extension of -o: .ndef → ndef, .bin → tag,
    /// .hex/.txt → hex]
    #[arg(long, value_enum)]
    pub format: Option<NfcFormat>,
    /// Add a second record (application/cose; cose-type="cose-sign1") with the raw COSE
    /// bytes, for verifier apps; costs about as many bytes again.
    #[arg(long)]
    pub with_cose: bool,
    /// Output file (replaced atomically).
    #[arg(
        short = 'o',
        long = "out",
        visible_alias = "output",
        value_name = "FILE"
    )]
    pub output: PathBuf,
    /// Replace an existing output file of another kind (never an input or a private key).
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: NfcArgs) -> Result<ExitCode> {
    let format = match a.format.or_else(|| NfcFormat::from_extension(&a.output)) {
        Some(f) => f,
        None => miette::bail!(miette::diagnostic!(
            help = "name the file .ndef, .bin or .hex, or pass --format ndef|tag|hex",
            "cannot tell the output format from {}",
            a.output.display()
        )),
    };
    let signed = a.trust.resolve(&a.source)?;
    let link = signed.nfc_link()?;
    let cose = a.with_cose.then(|| signed.cose());
    let message = nfc::ndef_message(&link, cose)
        .into_diagnostic()
        .wrap_err_with(|| format!("{}: cannot build the NDEF message", a.source.input))?;
    // Check the fit for every format: an .ndef that no tag of this model can hold is
    // as useless as an image.
    let image = nfc::tag_image(&message, a.tag).map_err(miette::Report::new)?;
    let bytes = match format {
        NfcFormat::Ndef => message.clone(),
        NfcFormat::Tag => image,
        NfcFormat::Hex => nfc::hex_dump(&image).into_bytes(),
    };
    crate::fsutil::write_output(&a.output, crate::fsutil::Kind::Nfc, a.force, &bytes)?;

    let needed = nfc::needed_bytes(message.len());
    let capacity = a.tag.ndef_capacity();
    eprintln!("link ({} characters): {link}", link.len());
    eprintln!(
        "wrote {} ({}, {} bytes): NDEF message {} bytes ({} record{}), uses {needed} of \
         {capacity} bytes on an {} ({} left)",
        a.output.display(),
        format
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default(),
        bytes.len(),
        message.len(),
        if a.with_cose { 2 } else { 1 },
        if a.with_cose { "s" } else { "" },
        a.tag,
        capacity - needed,
    );
    Ok(ExitCode::SUCCESS)
}
