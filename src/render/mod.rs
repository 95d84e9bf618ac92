//! Output backends for a [`crate::layout::Frame`]: PDF ([`pdf`], krilla, with press
//! finishing in [`press`]), SVG ([`svg`]), PNG ([`png`], resvg from the SVG) and ZPL II
//! for thermal label printers ([`zpl`]).
//!
//! Each backend only draws: positions, line breaks and sizes were all decided when the
//! frame was built, so the formats cannot disagree. [`render`] picks the backend
//! from an output format (usually the output file's extension).

pub mod pdf;
pub mod png;
pub mod press;
pub mod svg;
pub mod zpl;

use std::path::Path;

use crate::layout::Frame;

/// Why a frame could not be rendered.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum RenderError {
    #[error("the embedded font could not be loaded")]
    Font,
    #[error("the PDF writer cannot read the font {font}, so its text was not drawn")]
    #[diagnostic(help("try another version of the font (a .ttf or .otf)"))]
    FontUnusable { font: String },
    #[error("page size {width_mm} × {height_mm} mm is not a valid PDF page")]
    PageSize { width_mm: f64, height_mm: f64 },
    #[error("PDF writer failed: {0}")]
    Pdf(String),
    #[error("PDF/X-4 and PDF/A-2b files are CMYK; RGB black cannot be used with them")]
    #[diagnostic(help("leave out --rgb, or leave out --pdf-standard"))]
    RgbWithStandard,
    #[error("a cut path is for the press and the cutter, not for a PDF/A archive copy")]
    #[diagnostic(help("use --pdf-standard x4 with --cut-path, or leave out --cut-path"))]
    CutPathArchive,
    #[error("PNG rendering failed: {0}")]
    Png(String),
    #[error("ZPL output failed: {0}")]
    Zpl(String),
    #[error("unknown output format {ext:?} for {path}; use .pdf, .svg, .png or .zpl")]
    #[diagnostic(help("the output format follows the file extension of -o"))]
    UnknownFormat { path: String, ext: String },
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Svg,
    Png,
    /// ZPL II for thermal label printers.
    Zpl,
}

impl Format {
    /// The kind of file this format writes (for the output guard in [`crate::fsutil`]).
    pub fn file_kind(self) -> crate::fsutil::Kind {
        match self {
            Format::Pdf => crate::fsutil::Kind::Pdf,
            Format::Svg => crate::fsutil::Kind::Svg,
            Format::Png => crate::fsutil::Kind::Png,
            Format::Zpl => crate::fsutil::Kind::Zpl,
        }
    }

    /// The format named by a file's extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Format, RenderError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "pdf" => Ok(Format::Pdf),
            "svg" => Ok(Format::Svg),
            "png" => Ok(Format::Png),
            "zpl" => Ok(Format::Zpl),
            _ => Err(RenderError::UnknownFormat {
                path: path.display().to_string(),
                ext,
            }),
        }
    }
}

/// Options for every backend; each uses the fields that concern it.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// PDF: CMYK (default) or RGB black.
    pub ink: pdf::Ink,
    /// SVG: glyph outlines instead of text.
    pub outline_text: bool,
    /// PNG: resolution.
    pub dpi: f64,
    /// PDF: the standard the file follows.
    pub pdf_standard: press::PdfStandard,
    /// PDF: add the die line as a `CutContour` layer.
    pub cut_path: bool,
    /// ZPL: the printer's resolution (the frame must be laid out for it).
    pub printer_dpi: zpl::PrinterDpi,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            ink: pdf::Ink::Cmyk,
            outline_text: false,
            dpi: 300.0,
            pdf_standard: press::PdfStandard::None,
            cut_path: false,
            printer_dpi: zpl::PrinterDpi::Dpi203,
        }
    }
}

/// Renders `frame` in `format` and returns the file's bytes.
pub fn render(frame: &Frame, format: Format, opts: &RenderOptions) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Pdf => pdf::single_page(
            frame,
            &pdf::PdfOptions {
                ink: opts.ink,
                title: None,
                lang: None,
                standard: opts.pdf_standard,
                cut_path: opts.cut_path,
            },
        ),
        Format::Svg => Ok(svg::render(
            frame,
            &svg::SvgOptions {
                outline_text: opts.outline_text,
            },
        )
        .into_bytes()),
        Format::Png => Ok(png::render(frame, &png::PngOptions { dpi: opts.dpi })?.bytes),
        Format::Zpl => zpl::render([(frame, 1)], opts.printer_dpi),
    }
}
