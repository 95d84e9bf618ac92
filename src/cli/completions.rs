//! `completions`: shell completion scripts.

use clap::{Args, CommandFactory};
use clap_complete::Shell;
use miette::Result;
use std::io::Write;
use std::process::ExitCode;

/// Print a shell completion script (e.g. `iotlabel completions bash > /etc/bash_completion.d/iotlabel`).
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: Shell,
}

pub fn completions(a: CompletionsArgs) -> Result<ExitCode> {
    // clap_complete::generate panics on a broken pipe (`| head`), so render into memory
    // and write once, treating a closed pipe as success.
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut super::Cli::command(), "iotlabel", &mut buf);
    match std::io::stdout().write_all(&buf) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(miette::miette!("cannot write completions: {e}"))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}
