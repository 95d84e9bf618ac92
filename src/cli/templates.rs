//! `iotlabel templates`: lists the label templates with their default sizes, and which
//! take a logo.

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
    let with_logo: Vec<String> = all
        .iter()
        .filter_map(|t| {
            t.logo
                .as_ref()
                .map(|l| format!("{} (up to {}×{} mm)", t.name, l.width_mm, l.height_mm))
        })
        .collect();
    if !with_logo.is_empty() {
        println!("A brand logo (--logo) fits in: {}.", with_logo.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
