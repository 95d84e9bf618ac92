//! `iotlabel templates`: lists the label templates with their default sizes.

use crate::layout::Template;
use clap::Args;
use miette::Result;
use std::process::ExitCode;

/// List the label templates, their default sizes and what each is for.
#[derive(Debug, Args)]
pub struct TemplatesArgs {}

pub fn run(_: TemplatesArgs) -> Result<ExitCode> {
    let all = Template::all()?;
    let width = all.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for t in &all {
        println!(
            "{:width$}  {:>9}  {}",
            t.name,
            t.default_size().to_string(),
            t.description
        );
    }
    println!(
        "\nAny template takes --size WxH (e.g. 50x70mm, 2x3in); text shrinks to 6 pt, then wraps."
    );
    Ok(ExitCode::SUCCESS)
}
