//! The label layout model: a [`Frame`] of positioned items in millimetres, computed once
//! and drawn by small backends (`crate::render::{pdf, svg, png}`).
//!
//! Why one model: a packaging designer gets the same label as PDF, SVG or PNG, and the
//! three must never disagree about where a line breaks or how big the QR is. So all
//! measuring, shrinking and wrapping happens here, while the frame is built, with the
//! metrics of the embedded fonts ([`font`]); the backends only draw what they are given
//! (the same split typst makes between its `Frame` and its exporters).
//!
//! Entry points: [`qr_artwork`] for QR-only artwork of an exact physical size, and
//! [`label()`] for a packaging label from a template ([`template`]). A brand logo
//! ([`crate::logo`], [`LabelOptions::logo`]) is placed here too, in the template's logo
//! region, before the words are fitted around it; the frame holds it in an `Arc`, so
//! the frame stays self-contained.

pub mod font;
mod label;
mod qr_symbol;
pub mod template;
mod text;
pub mod typo;

pub use font::{FaceRef, FontError, FontSet, UserFonts, Weight};
pub use label::{LabelContent, LabelInput, label, label_from_content, label_with, layout_key};
pub use qr_symbol::qr_artwork;

pub use template::{Template, TemplateError};

/// The smallest QR module a label uses by default, in mm. Chosen by measurement: in a
/// simulated shop photo (a phone at about 30 cm, 15° turn, blur, uneven light, JPEG),
/// 0.40 mm modules decoded in about a third of photos and 0.42 mm in 11–12 of 12 (GS1's
/// retail minimum is 0.396 mm). docs/qr.md has the table.
pub const SCAN_MODULE_MM: f64 = 0.42;
/// The largest module a label's QR grows to on its own on a large label.
pub const MAX_AUTO_MODULE_MM: f64 = 0.6;
/// Below this no label is made without `force` (phones fail even close up).
pub const HARD_MIN_MODULE_MM: f64 = 0.25;
/// On label stock, nothing essential (text, dark QR modules, a drawn outline) comes
/// closer than this to a die or cut line: cutting registration on sheet and roll
/// stock is about ±1 mm.
pub const SAFE_AREA_MM: f64 = 1.5;

/// A brand colour in CMYK percentages (0–100 each), for the headline and rules
/// (`--color 0,100,100,0`). The QR and the body text stay 100 % K on white.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cmyk {
    pub c: u8,
    pub m: u8,
    pub y: u8,
    pub k: u8,
}

impl Cmyk {
    /// An sRGB approximation for screen formats (SVG, PNG): the naive conversion, as
    /// a proof; print uses the CMYK values themselves.
    pub fn to_rgb(self) -> (u8, u8, u8) {
        let f = |v: u8| 1.0 - f64::from(v.min(100)) / 100.0;
        let k = f(self.k);
        let ch = |v: u8| (255.0 * f(v) * k).round() as u8;
        (ch(self.c), ch(self.m), ch(self.y))
    }
}

impl std::str::FromStr for Cmyk {
    type Err = String;
    /// `C,M,Y,K` in percent, e.g. `0,100,100,0` (an optional `cmyk(…)` around it).
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let inner = t
            .strip_prefix("cmyk(")
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or(t);
        let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
        let bad = || {
            format!(
                "invalid colour {s:?}: expected C,M,Y,K in percent (0 to 100 each), e.g. 0,100,100,0"
            )
        };
        if parts.len() != 4 {
            return Err(bad());
        }
        let v: Vec<u8> = parts
            .iter()
            .map(|p| {
                p.trim_end_matches('%')
                    .parse::<u8>()
                    .ok()
                    .filter(|v| *v <= 100)
            })
            .collect::<Option<_>>()
            .ok_or_else(bad)?;
        Ok(Cmyk {
            c: v[0],
            m: v[1],
            y: v[2],
            k: v[3],
        })
    }
}

/// The brand colour of the headline and rules (`--color`): CMYK process values, or a
/// named spot colour (a Pantone or house ink) with the CMYK values as its alternate
/// (`--color "PANTONE 286 C=100,66,0,2"`). The PDF paints a spot colour as a
/// `Separation` colour space of that name, so the press prints it with its own ink;
/// SVG, PNG and proofs use the alternate. The QR and the body text stay 100 % K.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accent {
    pub cmyk: Cmyk,
    /// The spot colour's name (the colorant), when it is one.
    pub spot: Option<String>,
}

impl Accent {
    /// The sRGB approximation of the process (or alternate) values.
    pub fn to_rgb(&self) -> (u8, u8, u8) {
        self.cmyk.to_rgb()
    }
}

impl From<Cmyk> for Accent {
    fn from(cmyk: Cmyk) -> Self {
        Accent { cmyk, spot: None }
    }
}

/// Colorant names a spot colour may not take: the process inks and the special names
/// of PDF's `Separation` (`All`, `None`), and the cut line's `CutContour`.
const RESERVED_COLORANTS: [&str; 7] = [
    "Cyan",
    "Magenta",
    "Yellow",
    "Black",
    "All",
    "None",
    "CutContour",
];

impl std::str::FromStr for Accent {
    type Err = String;
    /// `C,M,Y,K` (process colour) or `NAME=C,M,Y,K` (a spot colour with its CMYK
    /// alternate), e.g. `PANTONE 286 C=100,66,0,2`.
    fn from_str(s: &str) -> Result<Self, String> {
        let Some((name, values)) = s.rsplit_once('=') else {
            return Ok(s.parse::<Cmyk>()?.into());
        };
        let name = name.trim();
        let cmyk: Cmyk = values.parse().map_err(|e: String| {
            format!("{e}; a spot colour is NAME=C,M,Y,K, e.g. \"PANTONE 286 C=100,66,0,2\"")
        })?;
        if name.is_empty()
            || name.len() > 63
            || !name.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        {
            return Err(format!(
                "invalid spot colour name {name:?}: use 1 to 63 printable ASCII characters, as the ink is named in the swatch book (e.g. PANTONE 286 C)"
            ));
        }
        if let Some(r) = RESERVED_COLORANTS
            .iter()
            .find(|r| r.eq_ignore_ascii_case(name))
        {
            return Err(format!(
                "{r:?} is not a spot colour name: it names a process ink or a special colorant; leave out the name for a process colour (C,M,Y,K)"
            ));
        }
        Ok(Accent {
            cmyk,
            spot: Some(name.to_string()),
        })
    }
}

/// How big the QR's modules are.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ModuleSize {
    /// The template's module (at least [`SCAN_MODULE_MM`]), growing with the label
    /// up to the template's maximum.
    #[default]
    Auto,
    /// Exactly this module size in mm (`--module`).
    Module(f64),
    /// The symbol's outer side including its quiet zone, in mm (`--qr-size`).
    Outer(f64),
}

/// How to lay out a label beyond the template and size.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelOptions {
    pub module: ModuleSize,
    /// Inset from the label's edge that essential content keeps clear of (die-cut
    /// stock: [`SAFE_AREA_MM`]; a single label: 0, the template's margins apply).
    pub safe_mm: f64,
    /// Draw the label's outline (inside the safe area).
    pub outline: bool,
    /// A white ground under the whole label (so a QR on kraft or coloured board keeps a
    /// white quiet zone).
    pub background: bool,
    /// Device resolution (PNG pixels, printer dots) in dots per inch: the QR's modules
    /// and position land on whole dots. `None` for vector output.
    pub dpi: Option<f64>,
    /// Brand colour of the headline and rules (`None`: black).
    pub accent: Option<Accent>,
    /// A brand logo, placed in the template's logo region (`None`: the region takes no
    /// space).
    pub logo: Option<std::sync::Arc<crate::logo::Logo>>,
    /// The user's own faces (`--font`), tried before the built-in ones
    /// ([`FontSet::new`]); `None`: DejaVu Sans, then the CJK fallback.
    pub fonts: Option<UserFonts>,
}

impl Default for LabelOptions {
    fn default() -> Self {
        LabelOptions {
            module: ModuleSize::Auto,
            safe_mm: 0.0,
            outline: true,
            background: true,
            dpi: None,
            accent: None,
            logo: None,
            fonts: None,
        }
    }
}

/// A rectangle in millimetres, origin top-left, y down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RectMm {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl RectMm {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Self {
        RectMm { x, y, w, h }
    }
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    /// Whether `other` lies inside `self` (with `eps` mm tolerance for float rounding).
    pub fn contains(&self, other: &RectMm, eps: f64) -> bool {
        other.x >= self.x - eps
            && other.y >= self.y - eps
            && other.right() <= self.right() + eps
            && other.bottom() <= self.bottom() + eps
    }
    /// The outline of this rectangle with corners rounded to `radius` (clamped to half
    /// the short side), as path segments: what the PDF backend draws and the press
    /// pass writes as the cut path, from one definition.
    pub fn rounded_outline(&self, radius: f64) -> Vec<PathSeg> {
        let (x, y, w, h) = (self.x, self.y, self.w, self.h);
        let rad = radius.clamp(0.0, w.min(h) / 2.0);
        if rad <= 0.0 {
            return vec![PathSeg::Rect(x, y, w, h)];
        }
        // Cubic approximation of a quarter circle.
        let k = rad * 0.552_284_8;
        vec![
            PathSeg::Move(x + rad, y),
            PathSeg::Line(x + w - rad, y),
            PathSeg::Cubic([x + w - rad + k, y, x + w, y + rad - k, x + w, y + rad]),
            PathSeg::Line(x + w, y + h - rad),
            PathSeg::Cubic([
                x + w,
                y + h - rad + k,
                x + w - rad + k,
                y + h,
                x + w - rad,
                y + h,
            ]),
            PathSeg::Line(x + rad, y + h),
            PathSeg::Cubic([x + rad - k, y + h, x, y + h - rad + k, x, y + h - rad]),
            PathSeg::Line(x, y + rad),
            PathSeg::Cubic([x, y + rad - k, x + rad - k, y, x + rad, y]),
            PathSeg::Close,
        ]
    }

    /// Whether the interiors of two rectangles overlap by more than `eps` mm.
    pub fn overlaps(&self, other: &RectMm, eps: f64) -> bool {
        self.x + eps < other.right()
            && other.x + eps < self.right()
            && self.y + eps < other.bottom()
            && other.y + eps < self.bottom()
    }
}

/// One segment of a path in millimetres ([`RectMm::rounded_outline`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PathSeg {
    /// A whole plain rectangle: x, y, width, height.
    Rect(f64, f64, f64, f64),
    Move(f64, f64),
    Line(f64, f64),
    /// Two control points and the end point: `[x1, y1, x2, y2, x, y]`.
    Cubic([f64; 6]),
    Close,
}

/// A physical size in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeMm {
    pub width_mm: f64,
    pub height_mm: f64,
}

impl std::fmt::Display for SizeMm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}mm", fmt_mm(self.width_mm), fmt_mm(self.height_mm))
    }
}

fn fmt_mm(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Why a size string like `50x70mm` was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "invalid size {input:?}: {reason}; expected WIDTHxHEIGHT with a unit, e.g. 50x70mm, 5x7cm or 2x3in"
)]
pub struct SizeError {
    pub input: String,
    pub reason: String,
}

impl std::str::FromStr for SizeMm {
    type Err = SizeError;

    /// Parses `50x70mm`, `50 x 70 mm`, `5x7cm`, `2x3in`, `2.5x1in` (`×` works too).
    /// A unit is required: a bare `50x70` is ambiguous between a European and an
    /// American designer.
    fn from_str(input: &str) -> Result<Self, SizeError> {
        let err = |reason: &str| SizeError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase();
        let (num, factor) = if let Some(n) = s.strip_suffix("mm") {
            (n, 1.0)
        } else if let Some(n) = s.strip_suffix("cm") {
            (n, 10.0)
        } else if let Some(n) = s.strip_suffix("in") {
            (n, 25.4)
        } else {
            return Err(err("missing unit (mm, cm or in)"));
        };
        let (w, h) = num
            .split_once('x')
            .or_else(|| num.split_once('×'))
            .ok_or_else(|| err("missing 'x' between width and height"))?;
        let parse = |v: &str, what: &str| -> Result<f64, SizeError> {
            let n: f64 = v
                .parse()
                .map_err(|_| err(&format!("{what} {v:?} is not a number")))?;
            if !n.is_finite() || n <= 0.0 {
                return Err(err(&format!("{what} must be greater than zero")));
            }
            let mm = n * factor;
            if mm > 2000.0 {
                return Err(err(&format!(
                    "{what} of {} mm is larger than any label (max 2000 mm)",
                    fmt_mm(mm)
                )));
            }
            Ok(mm)
        };
        Ok(SizeMm {
            width_mm: parse(w, "width")?,
            height_mm: parse(h, "height")?,
        })
    }
}

/// A laid-out label or QR artwork: everything a backend needs, in millimetres, origin
/// top-left. All items are black on a white page, except the accent (headline and
/// rules) and a logo.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub width_mm: f64,
    pub height_mm: f64,
    /// Document title for backends that record one (PDF metadata, SVG `<title>`).
    pub title: String,
    /// BCP 47 language of the text (PDF `/Lang`, SVG `xml:lang`).
    pub lang: String,
    /// Paint the frame white before the items (see [`LabelOptions::background`]).
    pub background: bool,
    /// The colour of accent text runs and of rules ([`Item::Fill`]); `None`: black.
    pub accent: Option<Accent>,
    pub items: Vec<Item>,
}

impl Frame {
    /// The frame's own rectangle.
    pub fn bounds(&self) -> RectMm {
        RectMm::new(0.0, 0.0, self.width_mm, self.height_mm)
    }

    /// Every text run in drawing order.
    pub fn texts(&self) -> impl Iterator<Item = &TextRun> {
        self.items.iter().filter_map(|i| match i {
            Item::Text(t) => Some(t),
            _ => None,
        })
    }

    /// The QR items (a label has exactly one).
    pub fn qrs(&self) -> impl Iterator<Item = &QrItem> {
        self.items.iter().filter_map(|i| match i {
            Item::Qr(q) => Some(q),
            _ => None,
        })
    }
}

/// One positioned thing to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A single line of text in one font and size.
    Text(TextRun),
    /// A filled black rectangle (rules are thin ones).
    Fill(RectMm),
    /// A stroked (optionally rounded) rectangle outline; the stroke is centred on `rect`.
    Outline {
        rect: RectMm,
        radius_mm: f64,
        stroke_mm: f64,
    },
    /// A QR symbol.
    Qr(QrItem),
    /// A logo drawn into `rect`, which has the logo's own aspect ratio.
    Image {
        rect: RectMm,
        logo: std::sync::Arc<crate::logo::Logo>,
    },
}

/// One line of text, already measured.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    /// Left edge of the first glyph's advance box.
    pub x_mm: f64,
    /// Baseline position.
    pub baseline_mm: f64,
    /// The weight the text was written in (the SVG's `font-weight`); the face may be
    /// a regular one standing in (a user font without bold, the CJK fallback).
    pub weight: Weight,
    /// The face the run was measured with, and must be drawn with.
    pub font: FaceRef,
    pub size_pt: f64,
    pub text: String,
    /// Shaped advance width of `text` (same shaper as the PDF backend).
    pub width_mm: f64,
    /// Font ascent and descent at this size; the run occupies
    /// `baseline - ascent .. baseline + descent` vertically.
    pub ascent_mm: f64,
    pub descent_mm: f64,
    /// The region the run was laid into; the run never leaves it.
    pub region: RectMm,
    /// Drawn in the frame's accent colour (the headline), when it has one.
    pub accent: bool,
    /// The paragraph the run belongs to (numbered from 0 in the frame): the SVG
    /// backend sets a paragraph as one `<text>` with a `<tspan>` per run, so a designer
    /// edits it as one piece of text.
    pub para: usize,
}

impl TextRun {
    /// The box the run's glyphs occupy (advance width × font ascent+descent).
    pub fn ink_box(&self) -> RectMm {
        RectMm::new(
            self.x_mm,
            self.baseline_mm - self.ascent_mm,
            self.width_mm,
            self.ascent_mm + self.descent_mm,
        )
    }
}

/// A QR symbol placed on the frame: `x_mm, y_mm` is the outer corner of the quiet zone.
#[derive(Debug, Clone, PartialEq)]
pub struct QrItem {
    pub x_mm: f64,
    pub y_mm: f64,
    pub module_mm: f64,
    /// Light modules around the symbol, on each side.
    pub quiet_zone: u32,
    pub modules: QrModules,
}

impl QrItem {
    /// Side of the whole square including the quiet zone.
    pub fn side_mm(&self) -> f64 {
        self.module_mm * (self.modules.width + 2 * self.quiet_zone as usize) as f64
    }
    /// The square including the quiet zone: nothing else may be drawn inside it.
    pub fn rect(&self) -> RectMm {
        RectMm::new(self.x_mm, self.y_mm, self.side_mm(), self.side_mm())
    }
}

/// A QR module matrix (row-major, `true` = dark), copied out of the symbol so a frame
/// owns everything it draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrModules {
    pub width: usize,
    pub dark: Vec<bool>,
}

impl QrModules {
    /// Whether module (x, y) is dark; out of range is light.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width
            && y < self.width
            && self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// Horizontal runs of dark modules as `(y, x0, len)`: what the PDF and SVG backends
    /// draw (see [`crate::qr::dark_runs`]).
    pub fn runs(&self) -> Vec<(usize, usize, usize)> {
        crate::qr::dark_runs(self.width, &self.dark).collect()
    }
}

/// Why a label could not be laid out. Never "clipped": if it does not fit, we say what
/// and by how much.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum LayoutError {
    /// Text does not fit even at the minimum legible size with wrapping.
    #[error("{what} does not fit on a {size} {template} label: {reason} (over by {over_mm:.1} mm even at {min_pt} pt){}",
        suggestion.map(|s| format!("; it fits at --size {s}")).unwrap_or_default())]
    #[diagnostic(help(
        "choose a larger --size, or a template with less text (iotlabel templates)"
    ))]
    DoesNotFit {
        template: String,
        size: SizeMm,
        what: String,
        reason: String,
        over_mm: f64,
        min_pt: f64,
        /// The nearest larger size (same width, or same height for QR-left templates)
        /// at which the label fits, if one within twice the size does.
        suggestion: Option<SizeMm>,
    },
    /// The QR cannot be placed at its module size.
    #[error(
        "the QR does not fit on a {size} {template} label: {modules} modules (with the quiet zone) at {min_module_mm} mm need {needed_mm:.1} mm, only {available_mm:.1} mm available{}",
        suggestion.map(|s| format!("; it fits at --size {s}")).unwrap_or_default()
    )]
    #[diagnostic(help(
        "choose a larger --size, or a lower --ec level (a smaller symbol); the QR is never shrunk below the module size that phones read at arm's length"
    ))]
    QrDoesNotFit {
        template: String,
        size: SizeMm,
        modules: usize,
        min_module_mm: f64,
        needed_mm: f64,
        available_mm: f64,
        suggestion: Option<SizeMm>,
    },
    /// No label font has a character: not the user's (`--font`), not DejaVu Sans, not
    /// the bundled CJK subset.
    #[error("no label font has a glyph for U+{:04X} ({ch}) in {text:?}", u32::from(*ch))]
    #[diagnostic(help(
        "bring a font that has it: --font REGULAR.ttf[,BOLD.ttf]; the built-in fonts cover Latin, Greek, Cyrillic and common Chinese, Japanese and Korean characters (docs/labels.md, \"Fonts\")"
    ))]
    MissingGlyph { ch: char, text: String },
    /// A logo was given for a template that has no place for one.
    #[error("the {template} template has no logo region, so it cannot take --logo")]
    #[diagnostic(help("{}", if with_logo.is_empty() {
        "add a [logo] table to the template (docs/labels.md)".to_string()
    } else {
        format!("use a template with a logo region ({}), or add a [logo] table to the template (docs/labels.md)", with_logo.join(", "))
    }))]
    NoLogoRegion {
        template: String,
        /// Shipped templates that have one.
        with_logo: Vec<String>,
    },
    /// The size is degenerate or absurd.
    #[error("label size {size} is too small for the {template} template (minimum {min})")]
    TooSmall {
        template: String,
        size: SizeMm,
        min: SizeMm,
    },
}

/// [`qr_artwork`] over a bare module matrix.
pub fn qr_artwork_from_modules(modules: QrModules, module_mm: f64, quiet_zone: u32) -> Frame {
    let qr = QrItem {
        x_mm: 0.0,
        y_mm: 0.0,
        module_mm,
        quiet_zone,
        modules,
    };
    let side = qr.side_mm();
    Frame {
        width_mm: side,
        height_mm: side,
        title: "QR code".into(),
        lang: "en".into(),
        background: true,
        accent: None,
        items: vec![Item::Qr(qr)],
    }
}

/// The module size to use for QR-only raster artwork so that every module covers a whole
/// number of pixels at `dpi` (crisp edges, no grey seams): `round(module_mm·dpi/25.4)`
/// pixels, at least one. Returns `(pixels per module, effective module size in mm)`;
/// report the effective size, since it differs slightly from the one asked for.
pub fn snap_module_to_pixels(module_mm: f64, dpi: f64) -> (u32, f64) {
    let px = (module_mm * dpi / 25.4).round().clamp(1.0, 10_000.0);
    (px as u32, px * 25.4 / dpi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_mm_cm_and_inches() {
        let s: SizeMm = "50x70mm".parse().unwrap();
        assert_eq!((s.width_mm, s.height_mm), (50.0, 70.0));
        let s: SizeMm = "2 x 3 in".parse().unwrap();
        assert!((s.width_mm - 50.8).abs() < 1e-9 && (s.height_mm - 76.2).abs() < 1e-9);
        let s: SizeMm = "4×2.5CM".parse().unwrap();
        assert_eq!((s.width_mm, s.height_mm), (40.0, 25.0));
        for bad in [
            "50x70", "50mm", "ax70mm", "0x70mm", "-5x7mm", "50x70pt", "", "x mm", "1e9x1mm",
            "NaNx1mm",
        ] {
            let e = bad.parse::<SizeMm>().unwrap_err();
            assert!(
                e.to_string().contains("expected WIDTHxHEIGHT"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let dark = vec![true, true, false, true, false, false, false, true, true];
        let m = QrModules { width: 3, dark };
        assert_eq!(m.runs(), vec![(0, 0, 2), (1, 0, 1), (2, 1, 2)]);
    }

    #[test]
    fn qr_artwork_has_exact_size() {
        let m = QrModules {
            width: 21,
            dark: vec![false; 441],
        };
        let f = qr_artwork_from_modules(m, 0.5, 4);
        assert!((f.width_mm - 14.5).abs() < 1e-9 && (f.height_mm - 14.5).abs() < 1e-9);
    }

    #[test]
    fn module_snapping_lands_on_whole_pixels() {
        let (px, mm) = snap_module_to_pixels(0.33, 300.0);
        assert_eq!(px, 4);
        assert!((mm - 4.0 * 25.4 / 300.0).abs() < 1e-12);
        assert_eq!(snap_module_to_pixels(0.01, 72.0).0, 1);
    }
}
