//! `iotlabel label`: a print-ready packaging label (PDF, SVG or PNG) from a declaration
//! (signed on the fly with `--key`) or from an already signed link / `.cose` file.
//!
//! The words on the label come only from the summary of the *decoded* signed payload
//! ([`crate::source::Signed::summary`]), and the QR carries that same payload, so the
//! two cannot disagree. Making the label is one library call,
//! [`crate::artwork::make_label`]; drawing is [`crate::render::render`] for the format
//! the output extension names.

use crate::artwork::{LabelSpec, SizeChoice};
use crate::layout::{LabelOptions, Template};
use crate::render::press::PdfStandard;
use crate::render::zpl::PrinterDpi;
use crate::render::{self, Format, RenderOptions, pdf::Ink};
use clap::Args;
use miette::Result;
use std::path::PathBuf;
use std::process::ExitCode;

/// Make a packaging label. The format follows the extension of -o (.pdf, .svg, .png,
/// .zpl).
#[derive(Debug, Args)]
pub struct LabelArgs {
    #[command(flatten)]
    pub source: super::SignedInput,
    #[command(flatten)]
    pub trust: super::ArtworkTrust,
    /// Output file: .pdf (print), .svg (artwork), .png (preview) or .zpl (thermal
    /// label printer, ZPL II).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,
    /// Label template: a name (`iotlabel templates` lists them) or a template file
    /// (`./mine.toml`, format in docs/labels.md).
    #[arg(long, short = 't', default_value = "panel", value_name = "NAME|FILE")]
    pub template: String,
    /// Label size WIDTHxHEIGHT with a unit (50x70mm, 5x7cm, 2x3in), or `auto`. Without
    /// it the template's fixed default size is used (the same for every product and
    /// language); `auto` grows the default to the nearest size that fits.
    #[arg(long, value_name = "WxH|auto")]
    pub size: Option<SizeChoice>,
    #[command(flatten)]
    pub qr: super::QrOptions,
    /// Language of the label text (`iotlabel summary --help` lists them), or several
    /// separated by commas (`en,fr`): one label in all of them, one after the other or
    /// side by side as the template says.
    #[arg(long, default_value = "en", value_name = "LANG")]
    pub lang: String,
    /// PNG: resolution in dots per inch; QR modules land on whole pixels.
    #[arg(long, default_value_t = 300.0, value_name = "DPI")]
    pub dpi: f64,
    /// PDF: RGB black instead of 100 % K CMYK.
    #[arg(long)]
    pub rgb: bool,
    /// PDF: follow a standard: x4 (PDF/X-4 for the press: output intent FOGRA39,
    /// TrimBox/BleedBox, black overprints) or a2b (PDF/A-2b for archive copies).
    #[arg(long, value_name = "x4|a2b")]
    pub pdf_standard: Option<PdfStandard>,
    /// PDF: add the label's cut line as a CutContour spot colour on a layer named "Cut"
    /// (for die cutters and print-and-cut plotters).
    #[arg(long)]
    pub cut_path: bool,
    /// ZPL: the printer's resolution; QR modules land on whole printer dots.
    #[arg(long, default_value = "203", value_name = "203|300|600")]
    pub printer_dpi: PrinterDpi,
    /// The brand's typeface: a regular font file and optionally a bold one (.ttf, .otf,
    /// or the first face of a .ttc). Characters it lacks fall back to DejaVu Sans and
    /// the bundled CJK font; its licence flags must allow embedding.
    #[arg(long, value_name = "REGULAR[,BOLD]", value_parser = crate::artwork::parse_font_arg)]
    pub font: Option<(PathBuf, Option<PathBuf>)>,
    /// SVG: draw text as glyph outlines (exact on machines without DejaVu Sans).
    #[arg(long)]
    pub outline_text: bool,
    /// Brand colour of the headline and rules, as C,M,Y,K percentages (e.g.
    /// 0,100,100,0), or a spot colour NAME=C,M,Y,K (e.g. "PANTONE 286 C=100,66,0,2":
    /// a Separation in the PDF, the CMYK values as its alternate). The QR and the body
    /// text stay 100 % K.
    #[arg(long, value_name = "[NAME=]C,M,Y,K")]
    pub color: Option<crate::layout::Accent>,
    /// Brand logo (PNG, JPEG or SVG), drawn at its own aspect ratio in the template's
    /// logo region; the words flow around it.
    #[arg(long, value_name = "FILE")]
    pub logo: Option<PathBuf>,
    /// Leave out the white ground under the label (the QR's quiet zone then takes the
    /// colour of whatever it is printed on).
    #[arg(long)]
    pub no_background: bool,
    /// Draw the label's outline (the default for templates that have one).
    #[arg(long, overrides_with = "no_outline")]
    pub outline: bool,
    /// Leave out the label's outline.
    #[arg(long)]
    pub no_outline: bool,
    /// Replace an existing output file of another kind (never an input or a private
    /// key), and allow QR modules below 0.25 mm.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: LabelArgs) -> Result<ExitCode> {
    let format = Format::from_path(&a.out)?;
    if !(a.dpi.is_finite() && a.dpi >= 36.0 && a.dpi <= 2400.0) {
        miette::bail!(
            "--dpi {} is out of range; use 36 to 2400 (300 for print proofs)",
            a.dpi
        );
    }
    if format != Format::Pdf && (a.pdf_standard.is_some() || a.cut_path) {
        miette::bail!(
            help = "write a .pdf, or leave out --pdf-standard and --cut-path",
            "--pdf-standard and --cut-path apply to PDF output, not to {}",
            a.out.display()
        );
    }
    let template = Template::resolve(&a.template)?;
    let fonts = match &a.font {
        Some((regular, bold)) => Some(crate::artwork::load_user_fonts(regular, bold.as_deref())?),
        None => None,
    };
    let logo = a.logo.as_deref().map(crate::logo::Logo::load).transpose()?;
    let signed = a.trust.resolve(&a.source)?;
    let out_opts = crate::fsutil::WriteOptions::output(format.file_kind(), a.force);
    crate::fsutil::check_target(&a.out, &out_opts)?;
    let outline = if a.no_outline {
        false
    } else {
        a.outline || template.outline
    };
    let spec = LabelSpec {
        size: a.size.unwrap_or_default(),
        lang: a.lang.clone(),
        ec: a.qr.ec_choice(),
        layout: LabelOptions {
            module: a.qr.module_size(),
            safe_mm: 0.0,
            outline,
            background: !a.no_background,
            dpi: match format {
                Format::Png => Some(a.dpi),
                Format::Zpl => Some(a.printer_dpi.layout_dpi()),
                _ => None,
            },
            accent: a.color.clone().or_else(|| template.accent()),
            logo,
            fonts,
        },
        force: a.force,
        template,
    };
    let made = crate::artwork::make_label(&signed, &spec)?;
    for n in &made.notes {
        eprintln!("{n}");
    }
    let render_opts = RenderOptions {
        ink: if a.rgb { Ink::Rgb } else { Ink::Cmyk },
        outline_text: a.outline_text,
        dpi: a.dpi,
        pdf_standard: a.pdf_standard.unwrap_or_default(),
        cut_path: a.cut_path,
        printer_dpi: a.printer_dpi,
    };
    let frame = &made.frame;
    let bytes = render::render(frame, format, &render_opts)?;
    crate::fsutil::write_atomic_with(&a.out, out_opts, |w| w.write_all(&bytes))?;
    let (lo, hi) = frame.texts().fold((f64::INFINITY, 0.0f64), |(lo, hi), t| {
        (lo.min(t.size_pt), hi.max(t.size_pt))
    });
    let module = frame.qrs().next().map(|q| q.module_mm).unwrap_or(0.0);
    eprintln!(
        "wrote {} ({} bytes): {} label {}, {}, text {lo:.1}–{hi:.1} pt, QR version {}-{} with {module:.3} mm modules",
        a.out.display(),
        bytes.len(),
        spec.template.name,
        made.size,
        spec.lang,
        made.symbol.version,
        made.symbol.ec,
    );
    Ok(ExitCode::SUCCESS)
}
