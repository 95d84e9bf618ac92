//! `iotlabel decode`: print the raw text of every QR code in an image.
//!
//! A diagnostic for "what does this label actually hold?", without any signature check
//! (use `verify` for that). Decoding is [`crate::scan::decode_image_bytes`].

use crate::scan;
use clap::Args;
use miette::Result;
use std::path::PathBuf;
use std::process::ExitCode;

/// Print the text of every QR code in a PNG or JPEG image, one per line.
///
/// Exit status: 0 when at least one code was found, 2 when none was (or the file
/// could not be read).
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The image: a scan, a photo or a render of a label (.png or .jpg).
    pub image: PathBuf,
}

pub fn run(a: DecodeArgs) -> Result<ExitCode> {
    let bytes = crate::fsutil::read_input(&a.image, crate::fsutil::Input::Image)?;
    match scan::decode_image_bytes(&bytes) {
        Ok(texts) => {
            for t in texts {
                println!("{t}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(miette::miette!("{}: {e}", a.image.display())),
    }
}
