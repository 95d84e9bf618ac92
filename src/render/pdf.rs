//! PDF backend (krilla): draws [`Frame`]s onto PDF pages.
//!
//! Fonts are embedded once per document and subset by krilla: each face a text run
//! names ([`crate::layout::TextRun::font`]: DejaVu Sans, the CJK fallback, a user's
//! font) is loaded into krilla the first time a page uses it ([`PdfFonts`]). Text stays real text
//! (extractable, searchable), and black is 100 % K in DeviceCMYK by default because a
//! print shop would otherwise separate "RGB black" into a muddy four-colour black
//! ([`Ink::Rgb`] is there for office printers and screen proofs). Output is
//! deterministic: a fixed creation date and no random ids, so identical input gives
//! identical bytes. A logo is a PNG/JPEG image or, for an SVG, vectors drawn by
//! krilla-svg; either is written once per document however many labels show it.
//!
//! The drawing is split from the document so that sheet imposition can put many frames
//! on one page: [`PdfWriter`] owns the document and the fonts, and
//! [`draw_frame`] draws one frame at an offset onto any krilla surface. All geometry is
//! emitted in millimetres under one scale transform per frame.

use krilla::Document;
use krilla::SerializeSettings;
use krilla::color::{cmyk, rgb, separation};
use krilla::configure::{Archival, ConfigurationBuilder, PdfVersion, Validator};
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::graphic::Graphic;
use krilla::icc::ICCProfile;
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Paint, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla_svg::{SurfaceExt, SvgSettings};

use super::RenderError;
use super::press::{self, CutShape, PdfStandard};
use std::cell::RefCell;
use std::collections::HashMap;

use crate::layout::font::{self, Face, FaceId, FontData, MM_PER_PT};
use crate::layout::{Frame, Item, PathSeg, QrItem, RectMm, Weight};
use crate::logo::{Logo, LogoFormat};

/// Points per millimetre.
pub const PT_PER_MM: f64 = 72.0 / 25.4;

/// How black is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ink {
    /// 100 % K in DeviceCMYK: one plate, crisp small text (default for print).
    #[default]
    Cmyk,
    /// RGB 0/0/0 (office printers, screen proofs).
    Rgb,
}

impl Ink {
    fn paint(self) -> Paint {
        match self {
            Ink::Cmyk => cmyk::Color::new(0, 0, 0, 255).into(),
            Ink::Rgb => rgb::Color::new(0, 0, 0).into(),
        }
    }
    fn fill(self) -> Fill {
        Fill {
            paint: self.paint(),
            ..Fill::default()
        }
    }
    /// The brand colour: CMYK as given, or a spot colour as a `Separation` colour space
    /// named after the ink with the CMYK values as its alternate; RGB from the screen
    /// approximation.
    fn accent(self, a: &crate::layout::Accent) -> Fill {
        let c = a.cmyk;
        let pct = |v: u8| (u16::from(v.min(100)) * 255 / 100) as u8;
        let process = cmyk::Color::new(pct(c.c), pct(c.m), pct(c.y), pct(c.k));
        let paint: Paint = match (self, &a.spot) {
            (Ink::Cmyk, None) => process.into(),
            (Ink::Cmyk, Some(name)) => {
                let space = separation::SeparationSpace::new(
                    separation::SeparationColorant::Custom(name.clone()),
                    process.into(),
                );
                krilla::color::Color::from(separation::Color::new(255, space)).into()
            }
            (Ink::Rgb, _) => {
                let (r, g, b) = c.to_rgb();
                rgb::Color::new(r, g, b).into()
            }
        };
        Fill {
            paint,
            ..Fill::default()
        }
    }
    /// Paper white in the same colour space (CMYK 0/0/0/0 knocks out what is below).
    fn white(self) -> Fill {
        let paint: Paint = match self {
            Ink::Cmyk => cmyk::Color::new(0, 0, 0, 0).into(),
            Ink::Rgb => rgb::Color::new(255, 255, 255).into(),
        };
        Fill {
            paint,
            ..Fill::default()
        }
    }
}

/// Document-level options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PdfOptions {
    pub ink: Ink,
    /// Document title; defaults to the (first) frame's title.
    pub title: Option<String>,
    /// Document language; defaults to the (first) frame's language.
    pub lang: Option<String>,
    /// PDF/X-4 for the press, PDF/A-2b for archive copies, or plain PDF.
    pub standard: PdfStandard,
    /// Add the label's die line (its edge) as a `CutContour` spot colour on a "Cut"
    /// layer ([`press`]).
    pub cut_path: bool,
}

/// The faces of one document, each loaded into krilla once (keyed by
/// [`Face::id`]), however many of its labels draw with it: a sheet of thousands of
/// labels parses its fonts once, and krilla embeds each one once, subset to the glyphs
/// used.
pub struct PdfFonts {
    loaded: RefCell<HashMap<FaceId, Font>>,
    /// A face krilla could not read (its runs are not drawn; `finish` fails).
    failed: RefCell<Option<String>>,
}

impl PdfFonts {
    /// A cache holding the two DejaVu Sans weights (so a corrupted build fails here,
    /// not in the middle of a page).
    pub fn new() -> Result<Self, RenderError> {
        let fonts = PdfFonts {
            loaded: RefCell::new(HashMap::new()),
            failed: RefCell::new(None),
        };
        for w in [Weight::Regular, Weight::Bold] {
            let face = font::face(w).ok_or(RenderError::Font)?;
            fonts.get(face).ok_or(RenderError::Font)?;
        }
        Ok(fonts)
    }

    /// The krilla font for `face`, loaded on first use.
    pub fn get(&self, face: &Face) -> Option<Font> {
        if let Some(f) = self.loaded.borrow().get(&face.id()) {
            return Some(f.clone());
        }
        let data: krilla::Data = match face.data() {
            FontData::Static(bytes) => (*bytes).into(),
            FontData::Shared(bytes) => bytes.clone().into(),
        };
        let Some(f) = Font::new(data, face.index()) else {
            self.failed
                .borrow_mut()
                .get_or_insert_with(|| format!("{} ({})", face.family(), face.origin()));
            return None;
        };
        self.loaded.borrow_mut().insert(face.id(), f.clone());
        Some(f)
    }
}

/// A PDF document being written: pages are added one at a time and serialised when
/// [`finish`](PdfWriter::finish) is called.
pub struct PdfWriter {
    doc: Document,
    fonts: PdfFonts,
    ink: Ink,
    standard: PdfStandard,
    title: String,
    /// Die-cut shapes per page (empty: none).
    cuts: Vec<Vec<CutShape>>,
}

/// The fixed creation date written into every document (determinism: identical input,
/// identical bytes).
fn fixed_date() -> DateTime {
    DateTime::new(2026).month(1).day(1)
}

impl PdfWriter {
    /// Starts a document with metadata (title, language, creator, fixed date).
    pub fn new(title: &str, lang: &str, ink: Ink) -> Result<Self, RenderError> {
        Self::with_standard(title, lang, ink, PdfStandard::None)
    }

    /// Starts a document that follows `standard`. PDF/X-4 and PDF/A-2b are CMYK
    /// documents for a coated-paper output condition, so RGB ink is refused with them.
    pub fn with_standard(
        title: &str,
        lang: &str,
        ink: Ink,
        standard: PdfStandard,
    ) -> Result<Self, RenderError> {
        if standard != PdfStandard::None && ink == Ink::Rgb {
            return Err(RenderError::RgbWithStandard);
        }
        let mut settings = SerializeSettings::default();
        match standard {
            PdfStandard::None => {}
            PdfStandard::X4 => {
                // PDF/X-4 is PDF 1.6; its XMP is written in the finishing pass.
                settings.configuration = ConfigurationBuilder::new()
                    .with_version(PdfVersion::Pdf16)
                    .finish()
                    .map_err(|e| RenderError::Pdf(format!("{e:?}")))?;
                settings.xmp_metadata = false;
                // PDF/X-4 takes RGB (a logo's colours) only device-independent: krilla
                // then tags it sRGB. CMYK stays DeviceCMYK, the output intent's space.
                settings.no_device_cs = true;
            }
            PdfStandard::A2b => {
                settings.configuration = ConfigurationBuilder::new()
                    .set_validator(Validator::A(Archival::A2_B))
                    .finish()
                    .map_err(|e| RenderError::Pdf(format!("{e:?}")))?;
                settings.cmyk_profile = ICCProfile::new(press::ISO_COATED_V2);
            }
        }
        let mut doc = Document::new_with(settings);
        doc.set_metadata(
            Metadata::new()
                .title(title.to_string())
                .language(lang.to_string())
                .creator(format!("iotlabel {}", env!("CARGO_PKG_VERSION")))
                .creation_date(fixed_date()),
        );
        Ok(PdfWriter {
            doc,
            fonts: PdfFonts::new()?,
            ink,
            standard,
            title: title.to_string(),
            cuts: Vec::new(),
        })
    }

    /// The fonts this document embeds (pass them to [`draw_frame`]).
    pub fn fonts(&self) -> &PdfFonts {
        &self.fonts
    }

    pub fn ink(&self) -> Ink {
        self.ink
    }

    /// Adds a page of `width_mm × height_mm` and lets `draw` paint it. The surface's
    /// units are points, origin top-left; [`draw_frame`] takes millimetre offsets.
    pub fn page(
        &mut self,
        width_mm: f64,
        height_mm: f64,
        draw: impl FnOnce(&mut Surface<'_>, &PdfFonts, Ink),
    ) -> Result<(), RenderError> {
        let (w, h) = (
            (width_mm * PT_PER_MM) as f32,
            (height_mm * PT_PER_MM) as f32,
        );
        let page_size = || RenderError::PageSize {
            width_mm,
            height_mm,
        };
        // The page is the trimmed sheet or label: TrimBox = BleedBox = MediaBox, which
        // a press workflow (and PDF/X) needs stated on every page.
        let whole = Rect::from_xywh(0.0, 0.0, w, h).ok_or_else(page_size)?;
        let settings = PageSettings::from_wh(w, h)
            .ok_or_else(page_size)?
            .with_trim_box(Some(whole))
            .with_bleed_box(Some(whole));
        self.cuts.push(Vec::new());
        let mut page = self.doc.start_page_with(settings);
        let mut surface = page.surface();
        draw(&mut surface, &self.fonts, self.ink);
        surface.finish();
        page.finish();
        Ok(())
    }

    /// Sets the die-cut shapes of the page added last (drawn as the `CutContour` layer
    /// when the document is finished).
    pub fn set_cuts(&mut self, shapes: Vec<CutShape>) {
        if let Some(last) = self.cuts.last_mut() {
            *last = shapes;
        }
    }

    /// Adds one page exactly the size of `frame` with the frame on it.
    pub fn frame_page(&mut self, frame: &Frame) -> Result<(), RenderError> {
        self.page(frame.width_mm, frame.height_mm, |s, fonts, ink| {
            draw_frame(s, frame, (0.0, 0.0), fonts, ink)
        })
    }

    /// Serialises the document.
    pub fn finish(self) -> Result<Vec<u8>, RenderError> {
        if let Some(font) = self.fonts.failed.borrow_mut().take() {
            return Err(RenderError::FontUnusable { font });
        }
        let bytes = self
            .doc
            .finish()
            .map_err(|e| RenderError::Pdf(format!("{e:?}")))?;
        let creator = format!("iotlabel {}", env!("CARGO_PKG_VERSION"));
        press::finish(
            &bytes,
            self.standard,
            &self.cuts,
            &press::DocFacts {
                title: &self.title,
                creator: &creator,
            },
        )
    }
}

/// One frame as a one-page PDF of exactly the frame's size.
pub fn single_page(frame: &Frame, opts: &PdfOptions) -> Result<Vec<u8>, RenderError> {
    let title = opts.title.clone().unwrap_or_else(|| frame.title.clone());
    let lang = opts.lang.clone().unwrap_or_else(|| frame.lang.clone());
    let mut w = PdfWriter::with_standard(&title, &lang, opts.ink, opts.standard)?;
    w.frame_page(frame)?;
    if opts.cut_path {
        w.set_cuts(vec![label_cut(frame)]);
    }
    w.finish()
}

/// A single label's die line: its edge, with the corner radius of its printed outline
/// if it has one.
pub fn label_cut(frame: &Frame) -> CutShape {
    let radius_mm = frame
        .items
        .iter()
        .find_map(|i| match i {
            Item::Outline { radius_mm, .. } => Some(*radius_mm),
            _ => None,
        })
        .unwrap_or(0.0);
    CutShape {
        rect: frame.bounds(),
        radius_mm,
    }
}

fn rect(r: &RectMm) -> Option<Rect> {
    Rect::from_xywh(r.x as f32, r.y as f32, r.w as f32, r.h as f32)
}

/// Draws `frame` with its top-left corner at `origin_mm` (millimetres from the page's
/// top-left). Does no layout: every position comes from the frame. Cheap enough to call
/// thousands of times per document (one transform, one path per QR, one text object per
/// run).
pub fn draw_frame(
    surface: &mut Surface<'_>,
    frame: &Frame,
    origin_mm: (f64, f64),
    fonts: &PdfFonts,
    ink: Ink,
) {
    let s = PT_PER_MM as f32;
    surface.push_transform(&Transform::from_row(
        s,
        0.0,
        0.0,
        s,
        (origin_mm.0 * PT_PER_MM) as f32,
        (origin_mm.1 * PT_PER_MM) as f32,
    ));
    surface.set_stroke(None);
    // The white ground: a QR on kraft or coloured board keeps a white quiet zone.
    if frame.background
        && let Some(r) = rect(&frame.bounds())
        && let Some(path) = {
            let mut pb = PathBuilder::new();
            pb.push_rect(r);
            pb.finish()
        }
    {
        surface.set_fill(Some(ink.white()));
        surface.draw_path(&path);
    }
    surface.set_fill(Some(ink.fill()));
    // Rectangles (rules, fills) go into one path.
    let mut fills = PathBuilder::new();
    let mut any_fill = false;
    for item in &frame.items {
        if let Item::Fill(r) = item
            && let Some(r) = rect(r)
        {
            fills.push_rect(r);
            any_fill = true;
        }
    }
    if any_fill && let Some(path) = fills.finish() {
        if let Some(c) = &frame.accent {
            surface.set_fill(Some(ink.accent(c)));
        }
        surface.draw_path(&path);
        surface.set_fill(Some(ink.fill()));
    }
    for item in &frame.items {
        match item {
            Item::Text(run) => {
                // A face krilla cannot read fails the document in `finish`.
                let Some(font) = fonts.get(&run.font) else {
                    continue;
                };
                let accent = frame.accent.as_ref().filter(|_| run.accent);
                if let Some(c) = accent {
                    surface.set_fill(Some(ink.accent(c)));
                }
                surface.draw_text(
                    Point::from_xy(run.x_mm as f32, run.baseline_mm as f32),
                    font,
                    (run.size_pt * MM_PER_PT) as f32,
                    &run.text,
                    false,
                    TextDirection::Auto,
                );
                if accent.is_some() {
                    surface.set_fill(Some(ink.fill()));
                }
            }
            Item::Outline {
                rect: r,
                radius_mm,
                stroke_mm,
            } => {
                if let Some(path) = rounded_rect(r, *radius_mm) {
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: ink.paint(),
                        width: *stroke_mm as f32,
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                    surface.set_stroke(None);
                    surface.set_fill(Some(ink.fill()));
                }
            }
            Item::Qr(q) => draw_qr(surface, q, ink),
            Item::Image { rect, logo } => draw_logo(surface, rect, logo),
            Item::Fill(_) => {}
        }
    }
    surface.pop();
}

/// The logo in `r` (which has its aspect ratio). PNG and JPEG become an image (krilla
/// writes an image once however many labels show it); an SVG stays vectors, drawn as
/// one reusable graphic at the logo's own size and scaled into place, so a sheet of
/// labels also holds its paths once.
fn draw_logo(surface: &mut Surface<'_>, r: &RectMm, logo: &Logo) {
    let (lw, lh) = logo.size();
    let (Some(size), true) = (Size::from_wh(r.w as f32, r.h as f32), lw > 0.0 && lh > 0.0) else {
        return;
    };
    surface.push_transform(&Transform::from_translate(r.x as f32, r.y as f32));
    match logo.format() {
        LogoFormat::Png | LogoFormat::Jpeg => {
            let data = logo.data().clone().into();
            let image = if logo.format() == LogoFormat::Png {
                Image::from_png(data, false)
            } else {
                Image::from_jpeg(data, false)
            };
            // Checked when the logo was loaded, so this does not fail.
            if let Ok(image) = image {
                surface.draw_image(image, size);
            }
        }
        LogoFormat::Svg => {
            if let Some(tree) = logo.pdf_tree()
                && let Some(own) = Size::from_wh(tree.size().width(), tree.size().height())
            {
                let mut builder = surface.stream_builder();
                let mut inner = builder.surface();
                let settings = SvgSettings {
                    embed_text: false,
                    ..SvgSettings::default()
                };
                inner.draw_svg(&tree, own, settings);
                inner.finish();
                let stream = builder.finish();
                surface.push_transform(&Transform::from_scale(
                    size.width() / own.width(),
                    size.height() / own.height(),
                ));
                surface.draw_graphic(Graphic::new(stream, false));
                surface.pop();
            }
        }
    }
    surface.pop();
}

/// The QR as one stroked path: each run of dark modules is a line one module wide
/// along the middle of its row, with butt caps, so the stroke covers exactly the run's
/// modules. A stroke of a single path is painted as one area, so touching runs show no
/// seams. Written as `x y m x y l` per run this is about half the content of a
/// rectangle per run (`m l l l h`), which halves the page content that must be
/// compressed: most of the cost of a sheet of 30 labels.
fn draw_qr(surface: &mut Surface<'_>, q: &QrItem, ink: Ink) {
    let m = q.module_mm as f32;
    let qz = q.quiet_zone as f32 * m;
    let mut pb = PathBuilder::new();
    // Lines run along y + 0.5; the half module goes into the transform so that the
    // path holds only whole numbers (shorter to write than `34.5`).
    for (y, x0, len) in q.modules.runs() {
        pb.move_to(x0 as f32, y as f32);
        pb.line_to((x0 + len) as f32, y as f32);
    }
    let Some(path) = pb.finish() else { return };
    surface.push_transform(&Transform::from_row(
        m,
        0.0,
        0.0,
        m,
        q.x_mm as f32 + qz,
        q.y_mm as f32 + qz + 0.5 * m,
    ));
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: ink.paint(),
        width: 1.0,
        line_cap: krilla::paint::LineCap::Butt,
        ..Stroke::default()
    }));
    surface.draw_path(&path);
    surface.set_stroke(None);
    surface.set_fill(Some(ink.fill()));
    surface.pop();
}

fn rounded_rect(r: &RectMm, radius: f64) -> Option<krilla::geom::Path> {
    let mut pb = PathBuilder::new();
    for seg in r.rounded_outline(radius) {
        let f = |v: f64| v as f32;
        match seg {
            PathSeg::Rect(x, y, w, h) => pb.push_rect(Rect::from_xywh(f(x), f(y), f(w), f(h))?),
            PathSeg::Move(x, y) => pb.move_to(f(x), f(y)),
            PathSeg::Line(x, y) => pb.line_to(f(x), f(y)),
            PathSeg::Cubic([x1, y1, x2, y2, x, y]) => {
                pb.cubic_to(f(x1), f(y1), f(x2), f(y2), f(x), f(y))
            }
            PathSeg::Close => pb.close(),
        }
    }
    pb.finish()
}
