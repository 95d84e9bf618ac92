//! `iotlabel label`: a print-ready packaging label (PDF, SVG or PNG) from a declaration
//! (signed on the fly with `--key`) or from an already signed link / `.cose` file.
//!
//! The words on the label come only from the summary of the *decoded* signed payload
//! ([`crate::source::Signed::summary`]), and the QR carries that same payload, so the
//! two cannot disagree. Layout is [`crate::layout::label`]; drawing is
//! [`crate::render::render`] for the format the output extension names.

use crate::layout::{self, LabelInput, SizeMm, Template};
use crate::qr::{self, EcLevel};
use crate::render::{self, Format, RenderOptions, pdf::Ink};
use clap::Args;
use miette::{IntoDiagnostic, Result, WrapErr};
use std::path::PathBuf;
use std::process::ExitCode;

/// Make a packaging label. The format follows the extension of -o (.pdf, .svg, .png).
#[derive(Debug, Args)]
pub struct LabelArgs {
    #[command(flatten)]
    pub source: super::SignedInput,
    #[command(flatten)]
    pub trust: super::ArtworkTrust,
    /// Output file: .pdf (print), .svg (artwork) or .png (preview).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,
    /// Label template (`iotlabel templates` lists them).
    #[arg(long, short = 't', default_value = "panel", value_name = "NAME")]
    pub template: String,
    /// Label size WIDTHxHEIGHT with a unit: 50x70mm, 5x7cm, 2x3in. Without it the
    /// template's default size is used, grown to the smallest size that fits when the
    /// text (in some languages) needs more room; with it, text that does not fit is an
    /// error.
    #[arg(long, value_name = "WxH")]
    pub size: Option<SizeMm>,
    /// Language of the label text (en, fr, de, es).
    #[arg(long, default_value = "en", value_name = "LANG")]
    pub lang: String,
    /// PNG: resolution in dots per inch.
    #[arg(long, default_value_t = 300.0, value_name = "DPI")]
    pub dpi: f64,
    /// PDF: RGB black instead of 100 % K CMYK.
    #[arg(long)]
    pub rgb: bool,
    /// SVG: draw text as glyph outlines (exact on machines without DejaVu Sans).
    #[arg(long)]
    pub outline_text: bool,
}

pub fn run(a: LabelArgs) -> Result<ExitCode> {
    let format = Format::from_path(&a.out)?;
    if !(a.dpi.is_finite() && a.dpi >= 36.0 && a.dpi <= 2400.0) {
        miette::bail!(
            "--dpi {} is out of range; use 36 to 2400 (300 for print proofs)",
            a.dpi
        );
    }
    let template = Template::by_name(&a.template)?;
    let signed = a.trust.resolve(&a.source)?;
    let link = signed.link()?;
    let summary = signed.summary(&a.lang)?;
    let short_url = signed.short_url().unwrap_or_else(|| {
        link.split_once("://")
            .map_or(link.as_str(), |(_, r)| r)
            .split('#')
            .next()
            .unwrap_or("")
            .to_string()
    });
    let symbol = qr::encode(&link, EcLevel::M, None)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot encode the link from {}", a.source.input))?;
    let input = LabelInput {
        summary: &summary,
        qr: &symbol,
        short_url: &short_url,
    };
    let frame = match layout::label(&input, &template, a.size) {
        // No size asked for: grow the default to the nearest size that fits and say so.
        Err(layout::LayoutError::DoesNotFit {
            suggestion: Some(fits),
            ..
        }) if a.size.is_none() => {
            eprintln!(
                "note: the text does not fit the default {} size; using {fits} (give --size to choose)",
                template.name
            );
            layout::label(&input, &template, Some(fits))?
        }
        other => other?,
    };
    let render_opts = RenderOptions {
        ink: if a.rgb { Ink::Rgb } else { Ink::Cmyk },
        outline_text: a.outline_text,
        dpi: a.dpi,
    };
    let bytes = render::render(&frame, format, &render_opts)?;
    crate::fsutil::write_atomic(&a.out, &bytes).into_diagnostic()?;
    let (lo, hi) = frame.texts().fold((f64::INFINITY, 0.0f64), |(lo, hi), t| {
        (lo.min(t.size_pt), hi.max(t.size_pt))
    });
    let module = frame.qrs().next().map(|q| q.module_mm).unwrap_or(0.0);
    eprintln!(
        "wrote {} ({} bytes): {} label {}x{} mm, {}, text {lo:.1}–{hi:.1} pt, QR version {} with {module:.3} mm modules",
        a.out.display(),
        bytes.len(),
        template.name,
        frame.width_mm,
        frame.height_mm,
        summary.lang,
        symbol.version,
    );
    Ok(ExitCode::SUCCESS)
}
