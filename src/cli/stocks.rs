//! `stocks`: the label stock catalogue with its geometry.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use miette::{IntoDiagnostic, Result};

use crate::sheet::Stock;

/// List the label stocks (sheets and rolls) with their exact geometry.
#[derive(Debug, Args)]
pub struct StocksArgs {
    /// Machine-readable output (all fields, millimetres).
    #[arg(long)]
    pub json: bool,
    /// Check and list a user stock file instead of the built-in catalogue.
    #[arg(long, value_name = "FILE")]
    pub stock_file: Option<PathBuf>,
}

pub fn run(a: StocksArgs) -> Result<ExitCode> {
    let stocks = match &a.stock_file {
        Some(f) => Stock::all_from_file(f)?,
        None => Stock::catalogue()?,
    };
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&stocks).into_diagnostic()?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let w = stocks.iter().map(|s| s.id.len()).max().unwrap_or(0);
    for s in &stocks {
        println!("{:w$}  {}", s.id, s.name);
        println!("{:w$}  {}", "", s.describe());
    }
    Ok(ExitCode::SUCCESS)
}
