//! The `iotlabel` command: parses arguments and hands them to the library.
use clap::Parser;

fn main() -> std::process::ExitCode {
    iotlabel::cli::quiet_on_broken_pipe();
    let cli = iotlabel::cli::Cli::parse();
    iotlabel::cli::main(cli)
}
