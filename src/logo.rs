//! A brand logo for labels (`iotlabel label --logo brand.svg`): read once, checked, and
//! shared by every label and backend that draws it.
//!
//! Entry point: [`Logo::load`] (or [`Logo::from_bytes`] for bytes already in memory).
//! The format is recognised from the bytes, not the file name:
//!
//! - **PNG and JPEG** are decoded completely when loaded (with size limits), so that a
//!   truncated or damaged file is refused here with its name, not half-drawn later by a
//!   backend. The original bytes are kept: the PDF embeds them as an image, the SVG as a
//!   `data:` URI.
//! - **SVG** is parsed with usvg with no access to anything outside the file (a
//!   reference to another file is dropped, only `data:` images inside it are kept) and
//!   with the embedded label fonts for any text. What is kept is usvg's *normalised*
//!   SVG: shapes only (text already turned into outlines, styles resolved, no scripts
//!   or external references), so the SVG output, the PNG preview and the PDF all draw
//!   the same vectors, whatever fonts the machine has.
//!
//! The logo's intrinsic size (pixels for a raster image; the SVG's `width`/`height`, or
//! its `viewBox` when it has none) gives its aspect ratio; the layout fits it into the
//! template's logo region at that ratio ([`crate::layout`]), never stretched.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::fsutil::{self, Input, ReadError};

/// Largest raster logo accepted, in pixels per side. A 50 mm wide logo at 1200 dpi is
/// about 2400 pixels; ten thousand is a photo or a mistake.
pub const MAX_SIDE_PX: u32 = 10_000;

/// What a logo file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoFormat {
    Png,
    Jpeg,
    Svg,
}

impl LogoFormat {
    /// The MIME type (for `data:` URIs).
    pub fn mime(self) -> &'static str {
        match self {
            LogoFormat::Png => "image/png",
            LogoFormat::Jpeg => "image/jpeg",
            LogoFormat::Svg => "image/svg+xml",
        }
    }

    fn name(self) -> &'static str {
        match self {
            LogoFormat::Png => "PNG",
            LogoFormat::Jpeg => "JPEG",
            LogoFormat::Svg => "SVG",
        }
    }

    /// Recognises the format from the first bytes (an SVG is text that has an `<svg`
    /// element near its start).
    fn sniff(bytes: &[u8]) -> Option<LogoFormat> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some(LogoFormat::Png);
        }
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some(LogoFormat::Jpeg);
        }
        let head = &bytes[..bytes.len().min(4096)];
        let text = match std::str::from_utf8(head) {
            Ok(t) => t,
            // The 4 KiB cut may split a character.
            Err(e) if e.error_len().is_none() => {
                std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or("")
            }
            Err(_) => return None,
        };
        let t = text.trim_start_matches('\u{feff}').trim_start();
        (t.starts_with('<') && t.contains("<svg")).then_some(LogoFormat::Svg)
    }
}

/// Why a logo file was refused.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LogoError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Read(#[from] ReadError),
    #[error("{path}: not a logo image ({found}); a logo is a PNG, JPEG or SVG file")]
    #[diagnostic(help("export the logo as SVG (vectors, best for print) or as PNG"))]
    NotAnImage { path: String, found: String },
    #[error("{path}: the {format} image cannot be decoded: {reason}")]
    #[diagnostic(help("the file is damaged or incomplete; export the logo again (SVG or PNG)"))]
    Damaged {
        path: String,
        format: &'static str,
        reason: String,
    },
    #[error(
        "{path}: the image is {width}×{height} pixels; a logo may have at most {MAX_SIDE_PX} pixels a side"
    )]
    #[diagnostic(help(
        "a logo 50 mm wide needs about 2400 pixels even at 1200 dpi; export it smaller, or as SVG"
    ))]
    TooLarge {
        path: String,
        width: u32,
        height: u32,
    },
    #[error("{path}: the SVG cannot be read: {reason}")]
    #[diagnostic(help("check that the file is a complete SVG document (open it in a browser)"))]
    Svg { path: String, reason: String },
    #[error("{path}: the logo has no size: {reason}")]
    #[diagnostic(help("give the SVG a viewBox (or width and height) that encloses the drawing"))]
    NoSize { path: String, reason: String },
    #[error("{path}: the SVG draws nothing")]
    #[diagnostic(help(
        "a logo that references other files is not supported: embed images in the SVG, and convert text to outlines or keep it as text"
    ))]
    Empty { path: String },
}

/// A loaded, checked logo. Cheap to share: a layout holds it in an `Arc`.
pub struct Logo {
    name: String,
    format: LogoFormat,
    /// PNG/JPEG: the file's bytes; SVG: the normalised SVG document (UTF-8).
    data: Arc<Vec<u8>>,
    width: f64,
    height: f64,
    /// The PDF backend's own parse of the normalised SVG (krilla-svg reads its own usvg
    /// version), made on first use and kept for every later label.
    pdf_tree: OnceLock<Option<Arc<usvg_krilla::Tree>>>,
}

impl std::fmt::Debug for Logo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logo")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("bytes", &self.data.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// Two logos are equal when they draw the same thing (same format, size and data).
impl PartialEq for Logo {
    fn eq(&self, other: &Self) -> bool {
        self.format == other.format
            && self.width == other.width
            && self.height == other.height
            && self.data == other.data
    }
}

impl Logo {
    /// Reads and checks a logo file (entry point). Errors name the file and what is
    /// accepted.
    pub fn load(path: &Path) -> Result<Arc<Logo>, LogoError> {
        let bytes = fsutil::read_input(path, Input::Image)?;
        Logo::from_bytes(&path.display().to_string(), bytes).map(Arc::new)
    }

    /// Checks a logo already in memory; `name` is used in messages (a file name).
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<Logo, LogoError> {
        let path = name.to_string();
        let Some(format) = LogoFormat::sniff(&bytes) else {
            return Err(LogoError::NotAnImage {
                path,
                found: describe(&bytes),
            });
        };
        let (data, width, height) = match format {
            LogoFormat::Png | LogoFormat::Jpeg => {
                let (w, h) = check_raster(&path, format, &bytes)?;
                (bytes, f64::from(w), f64::from(h))
            }
            LogoFormat::Svg => {
                let (svg, w, h) = normalise_svg(&path, &bytes)?;
                (svg.into_bytes(), w, h)
            }
        };
        Ok(Logo {
            name: path,
            format,
            data: Arc::new(data),
            width,
            height,
            pdf_tree: OnceLock::new(),
        })
    }

    /// The file name it was loaded from.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn format(&self) -> LogoFormat {
        self.format
    }

    /// Intrinsic size: pixels (PNG, JPEG) or SVG user units.
    pub fn size(&self) -> (f64, f64) {
        (self.width, self.height)
    }

    /// Width over height.
    pub fn aspect(&self) -> f64 {
        self.width / self.height
    }

    /// PNG/JPEG: the file's bytes. SVG: the normalised SVG document.
    pub fn data(&self) -> &Arc<Vec<u8>> {
        &self.data
    }

    /// The normalised SVG document, for an SVG logo.
    pub fn svg_text(&self) -> Option<&str> {
        match self.format {
            LogoFormat::Svg => std::str::from_utf8(&self.data).ok(),
            _ => None,
        }
    }

    /// The SVG as krilla-svg's usvg reads it (parsed once). `None` for a raster logo,
    /// or if that parser refuses what the newer one wrote (then the PDF has no logo:
    /// never seen with usvg's own output, and the tests draw every kind of logo).
    pub(crate) fn pdf_tree(&self) -> Option<Arc<usvg_krilla::Tree>> {
        self.pdf_tree
            .get_or_init(|| {
                let text = self.svg_text()?;
                usvg_krilla::Tree::from_str(text, &usvg_krilla::Options::default())
                    .ok()
                    .map(Arc::new)
            })
            .clone()
    }
}

/// A few words about what a file that is not an image seems to be.
fn describe(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "the file is empty".into();
    }
    let known: &[(&[u8], &str)] = &[
        (b"%PDF", "it is a PDF"),
        (b"GIF8", "it is a GIF"),
        (b"RIFF", "it is a RIFF file (WebP?)"),
        (b"II*\0", "it is a TIFF"),
        (b"MM\0*", "it is a TIFF"),
        (b"\x1f\x8b", "it is gzip-compressed (SVGZ?)"),
        (b"PK", "it is a ZIP archive"),
    ];
    if let Some((_, what)) = known.iter().find(|(m, _)| bytes.starts_with(m)) {
        return (*what).to_string();
    }
    if std::str::from_utf8(&bytes[..bytes.len().min(512)]).is_ok() {
        "it is text without an <svg> element".into()
    } else {
        "its first bytes are not a PNG, JPEG or SVG signature".into()
    }
}

/// Decodes a PNG or JPEG completely (size-limited) and returns its pixel size.
fn check_raster(path: &str, format: LogoFormat, bytes: &[u8]) -> Result<(u32, u32), LogoError> {
    let damaged = |reason: String| LogoError::Damaged {
        path: path.to_string(),
        format: format.name(),
        reason,
    };
    let img_format = match format {
        LogoFormat::Png => image::ImageFormat::Png,
        _ => image::ImageFormat::Jpeg,
    };
    let reader = || image::ImageReader::with_format(std::io::Cursor::new(bytes), img_format);
    let (w, h) = reader()
        .into_dimensions()
        .map_err(|e| damaged(e.to_string()))?;
    if w > MAX_SIDE_PX || h > MAX_SIDE_PX {
        return Err(LogoError::TooLarge {
            path: path.to_string(),
            width: w,
            height: h,
        });
    }
    if w == 0 || h == 0 {
        return Err(LogoError::NoSize {
            path: path.to_string(),
            reason: format!("{w}×{h} pixels"),
        });
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE_PX);
    limits.max_image_height = Some(MAX_SIDE_PX);
    limits.max_alloc = Some(1 << 30);
    let mut full = reader();
    full.limits(limits);
    // Decode every pixel: a truncated file fails here, not in a backend.
    full.decode().map_err(|e| damaged(e.to_string()))?;
    Ok((w, h))
}

/// Parses an SVG without outside access and returns usvg's normalised SVG and its size.
fn normalise_svg(path: &str, bytes: &[u8]) -> Result<(String, f64, f64), LogoError> {
    use resvg::usvg;
    let svg_err = |reason: String| LogoError::Svg {
        path: path.to_string(),
        reason,
    };
    let mut fonts = usvg::fontdb::Database::new();
    fonts.load_font_data(crate::layout::font::REGULAR_TTF.to_vec());
    fonts.load_font_data(crate::layout::font::BOLD_TTF.to_vec());
    fonts.set_sans_serif_family(crate::layout::font::FAMILY);
    fonts.set_serif_family(crate::layout::font::FAMILY);
    let opts = usvg::Options {
        resources_dir: None,
        font_family: crate::layout::font::FAMILY.to_string(),
        fontdb: Arc::new(fonts),
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
            // Never read another file: a logo is one self-contained file.
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_data(bytes, &opts).map_err(|e| svg_err(e.to_string()))?;
    let size = tree.size();
    let (w, h) = (f64::from(size.width()), f64::from(size.height()));
    if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0) {
        return Err(LogoError::NoSize {
            path: path.to_string(),
            reason: format!("{w}×{h}"),
        });
    }
    // Aspect ratios beyond 1:100 are not logos (and would round to a line).
    if w / h > 100.0 || h / w > 100.0 {
        return Err(LogoError::NoSize {
            path: path.to_string(),
            reason: format!("{w}×{h} is a line, not a logo"),
        });
    }
    if !tree.root().has_children() {
        return Err(LogoError::Empty {
            path: path.to_string(),
        });
    }
    let text = tree.to_string(&usvg::WriteOptions {
        id_prefix: Some("logo-".into()),
        indent: usvg::Indent::None,
        ..usvg::WriteOptions::default()
    });
    Ok((text, w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_from_the_bytes() {
        assert_eq!(
            LogoFormat::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(LogoFormat::Png)
        );
        assert_eq!(
            LogoFormat::sniff(b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<svg xmlns=\"x\"/>"),
            Some(LogoFormat::Svg)
        );
        assert_eq!(LogoFormat::sniff(b"%PDF-1.7"), None);
        assert_eq!(LogoFormat::sniff(b"hello <svg"), None);
    }

    #[test]
    fn an_svg_keeps_its_aspect_and_loses_outside_references() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 40 10">
            <rect width="40" height="10" fill="#c00"/>
            <image href="/etc/passwd" width="10" height="10"/>
            <text x="2" y="8" font-size="6">ACME</text></svg>"##;
        let logo = Logo::from_bytes("a.svg", svg.as_bytes().to_vec()).unwrap();
        assert_eq!(logo.size(), (40.0, 10.0));
        let text = logo.svg_text().unwrap();
        assert!(
            !text.contains("passwd") && !text.contains("<text"),
            "{text}"
        );
        assert!(text.contains("<path"), "{text}");
        assert!(logo.pdf_tree().is_some());
    }

    #[test]
    fn refusals_name_the_file_and_the_formats() {
        let e = Logo::from_bytes("notes.txt", b"just words".to_vec()).unwrap_err();
        assert!(e.to_string().contains("notes.txt"), "{e}");
        assert!(e.to_string().contains("PNG, JPEG or SVG"), "{e}");
        let e = Logo::from_bytes(
            "e.svg",
            br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"></svg>"#.to_vec(),
        )
        .unwrap_err();
        assert!(matches!(e, LogoError::Empty { .. }), "{e}");
    }
}
