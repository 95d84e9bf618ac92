//! `keygen`: make an Ed25519 signing key pair.

use clap::Args;
use miette::Result;
use std::path::PathBuf;
use std::process::ExitCode;

/// Generate an Ed25519 key pair: private key (PKCS#8 PEM, mode 0600) and public key.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Private key file to create (never overwritten).
    #[arg(long, short = 'o', value_name = "KEY.pem")]
    pub out: PathBuf,
    /// Public key file (default: KEY.pub.pem beside the private key).
    #[arg(long = "pub", value_name = "FILE")]
    pub public: Option<PathBuf>,
}

pub fn keygen(a: KeygenArgs) -> Result<ExitCode> {
    let public = a
        .public
        .unwrap_or_else(|| crate::keys::default_public_path(&a.out));
    let kid = crate::keys::generate(&a.out, &public)?;
    eprintln!(
        "private key: {} (mode 0600; keep it secret, back it up)",
        a.out.display()
    );
    eprintln!("public key:  {} (give this to verifiers)", public.display());
    println!("key id: {}", crate::verify::hex(&kid));
    Ok(ExitCode::SUCCESS)
}
