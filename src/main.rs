//! The `iotlabel` command: parses arguments and hands them to the library.
use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = iotlabel::cli::Cli::parse();
    iotlabel::cli::main(cli)
}
