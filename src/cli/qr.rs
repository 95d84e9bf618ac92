//! `iotlabel qr`: QR-only artwork (SVG, PDF, PNG or a terminal preview) for a signed link.
//!
//! Resolves the input like every artwork command ([`crate::source::resolve`]), encodes
//! the digit link ([`crate::qr::encode`]), checks the size against the print rules
//! ([`crate::qr::plan_size`]), lays out a QR-only frame ([`crate::layout`]) and draws it
//! with the backend the output extension names ([`crate::render`]).

use crate::layout::{QrModules, qr_artwork_from_modules, snap_module_to_pixels};
use crate::qr::{self, EcLevel, PrintRules, Size};
use crate::render::{self, Format, RenderOptions, pdf::Ink};
use clap::Args;
use miette::{IntoDiagnostic, Result, WrapErr};
use std::path::PathBuf;
use std::process::ExitCode;

/// Module size used when neither --size nor --module is given: the labels' scan floor
/// ([`crate::layout::SCAN_MODULE_MM`], what a phone reads at arm's length), above the
/// GS1 retail minimum (0.396 mm).
pub const DEFAULT_MODULE_MM: f64 = crate::layout::SCAN_MODULE_MM;

/// Make QR artwork for a signed declaration. The format follows the extension of -o
/// (.svg, .pdf, .png), or `-o -` for a terminal preview.
#[derive(Debug, Args)]
// `--version N` is the QR version here, so the subcommand has no `--version` flag of its own.
#[command(disable_version_flag = true)]
pub struct QrArgs {
    #[command(flatten)]
    pub source: super::SignedInput,
    #[command(flatten)]
    pub trust: super::ArtworkTrust,
    /// Output file (.svg, .pdf or .png), or `-` for a preview on the terminal.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,
    /// Overall size of the symbol INCLUDING its quiet zone, e.g. 25mm, 2.5cm, 1in.
    #[arg(long, value_name = "LENGTH", value_parser = qr::parse_length_mm, conflicts_with = "module")]
    pub size: Option<f64>,
    /// Size of one module, e.g. 0.5mm [default: 0.42mm when --size is not given].
    #[arg(long, value_name = "LENGTH", value_parser = qr::parse_length_mm)]
    pub module: Option<f64>,
    /// Error-correction level.
    #[arg(long, value_enum, ignore_case = true, default_value_t = EcLevel::M)]
    pub ec: EcLevel,
    /// Use this QR version (1-40) instead of the smallest that fits.
    #[arg(long = "version", value_name = "N", value_parser = clap::value_parser!(u8).range(1..=40))]
    pub qr_version: Option<u8>,
    /// Light border in modules on each side (below 4 needs --force).
    #[arg(long, value_name = "MODULES", default_value_t = 4)]
    pub quiet_zone: u32,
    /// Retail packaging: raise the minimum module size to the GS1 point-of-sale 0.396 mm.
    #[arg(long)]
    pub retail: bool,
    /// Write the artwork even if it breaks the print rules, and replace an existing output
    /// file of another kind (never an input or a private key).
    #[arg(long)]
    pub force: bool,
    /// PDF: RGB black instead of 100 % K CMYK.
    #[arg(long)]
    pub rgb: bool,
    /// PNG: resolution in dots per inch (modules are snapped to whole pixels).
    #[arg(long, value_name = "DPI", default_value_t = 600.0)]
    pub dpi: f64,
    /// PNG: pixels per module (sets the resolution from the module size).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub px_per_module: Option<u32>,
    /// Also print a terminal preview.
    #[arg(long)]
    pub show: bool,
}

pub fn run(a: QrArgs) -> Result<ExitCode> {
    let signed = a.trust.resolve(&a.source)?;
    let link = signed.link()?;
    let symbol = qr::encode(&link, a.ec, a.qr_version)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot encode the link from {}", a.source.input))?;
    let rules = PrintRules {
        min_module_mm: if a.retail {
            PrintRules::RETAIL_MIN_MODULE_MM
        } else {
            PrintRules::PHONE_MIN_MODULE_MM
        },
        quiet_zone: a.quiet_zone,
        force: a.force,
    };
    let size = match (a.size, a.module) {
        (Some(total), _) => Size::Total(total),
        (None, Some(module)) => Size::Module(module),
        (None, None) => Size::Module(DEFAULT_MODULE_MM),
    };
    let mut plan = qr::plan_size(&symbol, size, &rules).into_diagnostic()?;

    let preview = a.out.as_os_str() == "-";
    if preview || a.show {
        print!("{}", symbol.to_terminal(a.quiet_zone as usize));
    }
    if preview {
        eprintln!("{plan}");
        return Ok(ExitCode::SUCCESS);
    }

    let format = Format::from_path(&a.out)?;
    let mut dpi = a.dpi;
    if !(dpi.is_finite() && dpi > 0.0) {
        miette::bail!("--dpi must be a positive number, got {}", a.dpi);
    }
    if format == Format::Png {
        // Whole pixels per module keep the edges crisp; report the snapped size.
        let px = match a.px_per_module {
            Some(px) => px,
            None => {
                let (mut px, mm) = snap_module_to_pixels(plan.module_mm, dpi);
                if mm + 1e-9 < rules.min_module_mm {
                    px += 1; // rounding must not push the module below the floor
                }
                px
            }
        };
        if a.px_per_module.is_some() {
            dpi = f64::from(px) * 25.4 / plan.module_mm;
        } else {
            plan = qr::plan_size(&symbol, Size::Module(f64::from(px) * 25.4 / dpi), &rules)
                .into_diagnostic()?;
        }
    }
    let frame = qr_artwork_from_modules(
        QrModules::from_symbol(&symbol),
        plan.module_mm,
        plan.quiet_zone,
    );
    let render_opts = RenderOptions {
        ink: if a.rgb { Ink::Rgb } else { Ink::Cmyk },
        outline_text: false,
        dpi,
        ..RenderOptions::default()
    };
    let bytes = render::render(&frame, format, &render_opts)?;
    crate::fsutil::write_output(&a.out, format.file_kind(), a.force, &bytes)?;
    eprintln!("wrote {} ({} bytes): {plan}", a.out.display(), bytes.len());
    Ok(ExitCode::SUCCESS)
}
