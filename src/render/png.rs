//! PNG backend: rasterises the frame's SVG with resvg at a chosen resolution.
//!
//! Going through the SVG (rather than drawing pixels ourselves) means the PNG is the
//! SVG, pixel for pixel: one drawing path to keep right, not two. resvg gets only the
//! faces the frame's runs name (the embedded fonts and any user font the frame uses),
//! so a preview never depends on the fonts installed on the machine.
//! The output is 8-bit greyscale (labels are black on white, and a PNG is always on
//! white), or RGB when the label has colour (a logo, a brand colour), with its resolution in the `pHYs` chunk so that layout tools place it at its
//! real size.

use std::sync::{Arc, Mutex, OnceLock};

use resvg::{tiny_skia, usvg};

use super::RenderError;
use super::svg::{self, SvgOptions};
use crate::layout::Frame;
use crate::layout::font::{self, FAMILY, FaceId, FontData};

/// Options for [`render`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PngOptions {
    /// Resolution in dots per inch (300 for print proofs, 150 for screen previews).
    pub dpi: f64,
}

impl Default for PngOptions {
    fn default() -> Self {
        PngOptions { dpi: 300.0 }
    }
}

/// An encoded PNG and its pixel size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Png {
    pub bytes: Vec<u8>,
    pub width_px: u32,
    pub height_px: u32,
}

/// Largest image we render (pixels per side); beyond that the dpi or size is a mistake.
const MAX_SIDE_PX: f64 = 20_000.0;

fn source(data: &FontData) -> usvg::fontdb::Source {
    usvg::fontdb::Source::Binary(match data {
        FontData::Static(bytes) => Arc::new(*bytes),
        FontData::Shared(bytes) => bytes.clone(),
    })
}

/// The built-in faces: DejaVu Sans (both weights) and the CJK fallback.
fn builtin_fontdb() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        let faces = [
            font::face(crate::layout::Weight::Regular),
            font::face(crate::layout::Weight::Bold),
            font::cjk(),
        ];
        for f in faces.into_iter().flatten() {
            db.load_font_source(source(f.data()));
        }
        db.set_sans_serif_family(FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// The faces `frame` draws with: the built-in ones plus any user faces its runs name.
/// Databases with user faces are kept for the last few sets (a batch of labels draws
/// with the same font set).
fn fontdb(frame: &Frame) -> Arc<usvg::fontdb::Database> {
    let mut user: Vec<&font::FaceRef> = Vec::new();
    for t in frame.texts() {
        if !t.font.is_builtin() && !user.iter().any(|f| f.id() == t.font.id()) {
            user.push(&t.font);
        }
    }
    if user.is_empty() {
        return builtin_fontdb();
    }
    let key: Vec<FaceId> = user.iter().map(|f| f.id()).collect();
    static CACHE: Mutex<Vec<(Vec<FaceId>, Arc<usvg::fontdb::Database>)>> = Mutex::new(Vec::new());
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, db)) = cache.iter().find(|(k, _)| *k == key) {
        return db.clone();
    }
    let mut db = (*builtin_fontdb()).clone();
    for f in user {
        db.load_font_source(source(f.data()));
    }
    let db = Arc::new(db);
    if cache.len() >= 4 {
        cache.remove(0);
    }
    cache.push((key, db.clone()));
    db
}

/// Pixel size of a frame at `dpi`: each side rounded to whole pixels. QR-only artwork
/// made with [`crate::layout::snap_module_to_pixels`] comes out exact.
pub fn pixel_size(frame: &Frame, dpi: f64) -> (f64, f64) {
    (
        (frame.width_mm * dpi / 25.4).round(),
        (frame.height_mm * dpi / 25.4).round(),
    )
}

/// Renders `frame` to a PNG at `opts.dpi`: greyscale, or RGB when the frame has colour
/// (a logo or a brand colour).
pub fn render(frame: &Frame, opts: &PngOptions) -> Result<Png, RenderError> {
    let colour = frame.accent.is_some()
        || frame
            .items
            .iter()
            .any(|i| matches!(i, crate::layout::Item::Image { .. }));
    let pixmap = render_pixmap(frame, opts)?;
    let (w, h) = (pixmap.width(), pixmap.height());
    let (color, pixels) = if colour {
        // Opaque white background: premultiplied RGBA is plain RGBA.
        let rgb: Vec<u8> = pixmap
            .data()
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        (png::ColorType::Rgb, rgb)
    } else {
        (png::ColorType::Grayscale, luma_of(&pixmap))
    };
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, w, h);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        // pHYs: layout tools place the image at its real size (300 dpi = 11,811 px/m).
        let ppm = (opts.dpi / 0.0254).round() as u32;
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: png::Unit::Meter,
        }));
        let err = |e: png::EncodingError| RenderError::Png(e.to_string());
        let mut writer = encoder.write_header().map_err(err)?;
        writer.write_image_data(&pixels).map_err(err)?;
        writer.finish().map_err(err)?;
    }
    Ok(Png {
        bytes,
        width_px: w,
        height_px: h,
    })
}

/// Renders `frame` to an in-memory greyscale image (for previews and scan tests).
pub fn render_luma(frame: &Frame, opts: &PngOptions) -> Result<image::GrayImage, RenderError> {
    let pixmap = render_pixmap(frame, opts)?;
    image::GrayImage::from_raw(pixmap.width(), pixmap.height(), luma_of(&pixmap))
        .ok_or_else(|| RenderError::Png("image buffer size mismatch".into()))
}

/// The luminance of an opaque pixmap (any channel of black on white is its luminance;
/// the average keeps anti-aliased grey and colour sensible).
fn luma_of(pixmap: &tiny_skia::Pixmap) -> Vec<u8> {
    pixmap
        .data()
        .chunks_exact(4)
        .map(|p| ((u16::from(p[0]) + u16::from(p[1]) + u16::from(p[2])) / 3) as u8)
        .collect()
}

/// Renders `frame` through its SVG onto an opaque white pixmap.
fn render_pixmap(frame: &Frame, opts: &PngOptions) -> Result<tiny_skia::Pixmap, RenderError> {
    let dpi = opts.dpi;
    if !dpi.is_finite() || dpi <= 0.0 {
        return Err(RenderError::Png(format!(
            "dpi must be a positive number, not {dpi}"
        )));
    }
    let (wpx, hpx) = pixel_size(frame, dpi);
    if wpx < 1.0 || hpx < 1.0 || wpx > MAX_SIDE_PX || hpx > MAX_SIDE_PX {
        return Err(RenderError::Png(format!(
            "{wpx}×{hpx} px at {dpi} dpi is outside 1..{MAX_SIDE_PX} px per side; choose another --dpi"
        )));
    }
    let svg_text = svg::render(frame, &SvgOptions::default());
    let mut opt = usvg::Options {
        font_family: FAMILY.to_string(),
        ..usvg::Options::default()
    };
    opt.fontdb = fontdb(frame);
    let tree =
        usvg::Tree::from_str(&svg_text, &opt).map_err(|e| RenderError::Png(e.to_string()))?;
    let (wpx, hpx) = (wpx as u32, hpx as u32);
    let mut pixmap = tiny_skia::Pixmap::new(wpx, hpx)
        .ok_or_else(|| RenderError::Png("cannot allocate the image".into()))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let size = tree.size();
    let transform =
        tiny_skia::Transform::from_scale(wpx as f32 / size.width(), hpx as f32 / size.height());
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    Ok(pixmap)
}
