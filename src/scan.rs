//! Reading QR codes back from images: a scan of a label, a phone photo of a box, a
//! render of our own artwork.
//!
//! Verification must work from the artefact people actually have, which is often a
//! picture. Decoding uses rxing (the Rust port of ZXing), which in our spike read
//! low-resolution and rotated renders that rqrr missed. We ask for QR codes only, with
//! `TryHarder` and `AlsoInverted` (terminal previews and some packaging print light
//! modules on dark).
//!
//! Several codes (a photo of a label sheet): rxing's multi-symbol reader sits behind a
//! cargo feature we do not enable, so after each hit we paint the found symbol white
//! and look again, up to [`MAX_CODES`] times; [`Scan::capped`] says when the limit cut
//! the search short, so that callers can say so instead of dropping codes silently.
//!
//! Decoding is bounded before any pixel is decoded: an image may be at most
//! [`MAX_DECODE_SIDE`] pixels a side and the decoder may allocate at most
//! [`MAX_DECODE_BYTES`] (a small PNG can claim 20,000 × 20,000 pixels). Very large photos are scaled down first,
//! and a failed image is retried at half size, because the finder-pattern search works
//! best when a module is a few pixels, not dozens — and then at double size, because a
//! blurred module of only about three pixels is too few.
//!
//! The entry points are [`decode_image_bytes`] (PNG/JPEG file contents) and
//! [`decode_luma`] (an 8-bit grayscale buffer).

use rxing::{BarcodeFormat, DecodeHints, Exceptions, RXingResult};
use std::collections::HashSet;

/// The most symbols looked for in one image.
pub const MAX_CODES: usize = 64;
/// Images whose longer side exceeds this are scaled down before detection.
pub const MAX_SIDE: u32 = 3000;

/// The longest image side decoded, in pixels (a 48-megapixel phone photo is 8,000).
pub const MAX_DECODE_SIDE: u32 = 10_000;
/// The most memory the image decoder may allocate, in bytes.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// The codes found in an image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scan {
    /// The text of every code found, in the order found, without duplicates.
    pub texts: Vec<String>,
    /// The search stopped at [`MAX_CODES`] codes: the image may hold more.
    pub capped: bool,
}

/// Why no text came out of an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// The image was read but holds no QR code that could be decoded.
    #[error(
        "no QR code found in the image; use a sharper, evenly lit picture in which the code \
         fills a good part of the frame, with its light border (quiet zone) visible"
    )]
    NoCode,
    /// The bytes are not a PNG or JPEG we can read, or the buffer is inconsistent.
    #[error("cannot read the image: {0} (PNG and JPEG are accepted)")]
    Image(String),
    /// The image is larger than the decode limits.
    #[error(
        "the image is {width}×{height} pixels; at most {MAX_DECODE_SIDE} pixels a side (and {} MiB of decoded pixels) are read — scale it down",
        MAX_DECODE_BYTES / (1024 * 1024)
    )]
    TooLarge { width: u32, height: u32 },
}

/// Decodes every QR code in a PNG or JPEG file's contents (see [`scan_image_bytes`]).
pub fn decode_image_bytes(bytes: &[u8]) -> Result<Vec<String>, ScanError> {
    Ok(scan_image_bytes(bytes)?.texts)
}

/// Decodes every QR code in a PNG or JPEG file's contents, within the decode limits
/// (entry point).
pub fn scan_image_bytes(bytes: &[u8]) -> Result<Scan, ScanError> {
    let format = image::guess_format(bytes).map_err(|e| ScanError::Image(e.to_string()))?;
    if !matches!(format, image::ImageFormat::Png | image::ImageFormat::Jpeg) {
        return Err(ScanError::Image(format!(
            "{format:?} images are not supported"
        )));
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| ScanError::Image(e.to_string()))?;
    // Width × height × 4 bytes (RGBA, the widest we convert from) as well as the sides.
    if width.max(height) > MAX_DECODE_SIDE
        || u64::from(width) * u64::from(height) * 4 > MAX_DECODE_BYTES
    {
        return Err(ScanError::TooLarge { width, height });
    }
    reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => ScanError::TooLarge { width, height },
        e => ScanError::Image(e.to_string()),
    })?;
    let gray = img.to_luma8();
    drop(img);
    let (w, h) = gray.dimensions();
    scan_luma(w, h, gray.as_raw())
}

/// Decodes every QR code in an 8-bit grayscale image (row-major, `width × height`
/// bytes). Texts are returned in the order found, without duplicates.
pub fn decode_luma(width: u32, height: u32, luma: &[u8]) -> Result<Vec<String>, ScanError> {
    Ok(scan_luma(width, height, luma)?.texts)
}

/// [`decode_luma`], saying whether the search stopped at [`MAX_CODES`].
pub fn scan_luma(width: u32, height: u32, luma: &[u8]) -> Result<Scan, ScanError> {
    let expected = (width as usize).checked_mul(height as usize);
    if width == 0 || height == 0 || expected != Some(luma.len()) {
        return Err(ScanError::Image(format!(
            "a {width}×{height} grayscale image needs {} bytes, got {}",
            expected.map_or("too many".to_string(), |n| n.to_string()),
            luma.len()
        )));
    }
    let mut img = Gray {
        w: width,
        h: height,
        px: luma.to_vec(),
    };
    if width.max(height) > MAX_SIDE {
        img = img.scaled(MAX_SIDE as f32 / width.max(height) as f32);
    }
    let found = find_all(img.clone());
    if !found.texts.is_empty() {
        return Ok(found);
    }
    if img.w.min(img.h) >= 200 {
        let found = find_all(img.scaled(0.5));
        if !found.texts.is_empty() {
            return Ok(found);
        }
    }
    // A blurred photo or 300 dpi scan of a small label can have modules of about three
    // pixels: too few for the binariser once blur and JPEG have smeared the edges.
    // Enlarging with a sharp (Catmull-Rom) filter restores enough contrast per module.
    if img.w.max(img.h) <= MAX_SIDE / 2 {
        let found = find_all(img.resized(2.0, image::imageops::FilterType::CatmullRom));
        if !found.texts.is_empty() {
            return Ok(found);
        }
    }
    Err(ScanError::NoCode)
}

#[derive(Clone)]
struct Gray {
    w: u32,
    h: u32,
    px: Vec<u8>,
}

impl Gray {
    /// Area-averaging downscale via the `image` crate.
    fn scaled(&self, factor: f32) -> Gray {
        self.resized(factor, image::imageops::FilterType::Triangle)
    }

    /// Resizes by `factor` with the given filter.
    fn resized(&self, factor: f32, filter: image::imageops::FilterType) -> Gray {
        let w = ((self.w as f32 * factor).round() as u32).max(1);
        let h = ((self.h as f32 * factor).round() as u32).max(1);
        match image::GrayImage::from_raw(self.w, self.h, self.px.clone()) {
            Some(src) => {
                let dst = image::imageops::resize(&src, w, h, filter);
                Gray {
                    w,
                    h,
                    px: dst.into_raw(),
                }
            }
            None => self.clone(),
        }
    }

    /// Paints the area of a found symbol white so the next pass finds the others.
    fn blank(&mut self, result: &RXingResult) {
        let mut pts: Vec<(f32, f32)> = result.getPoints().iter().map(|p| (p.x, p.y)).collect();
        if pts.len() == 3 {
            // Finder centres (bottom-left, top-left, top-right): complete the square.
            let (a, b, c) = (pts[0], pts[1], pts[2]);
            pts.push((a.0 + c.0 - b.0, a.1 + c.1 - b.1));
        }
        if pts.is_empty() {
            return;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for (x, y) in pts {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        // Points may be finder centres, 3.5 modules inside the edge: widen generously,
        // but by less than two quiet zones so that a neighbour is not hidden.
        let margin = 0.2 * (x1 - x0).max(y1 - y0) + 2.0;
        let clamp = |v: f32, max: u32| v.max(0.0).min(max as f32) as u32;
        let (x0, x1) = (clamp(x0 - margin, self.w), clamp(x1 + margin, self.w));
        let (y0, y1) = (clamp(y0 - margin, self.h), clamp(y1 + margin, self.h));
        for y in y0..y1 {
            let row = y as usize * self.w as usize;
            if let Some(span) = self.px.get_mut(row + x0 as usize..row + x1 as usize) {
                span.fill(255);
            }
        }
    }
}

fn find_all(mut img: Gray) -> Scan {
    let mut scan = Scan::default();
    let mut seen = HashSet::new();
    for i in 0..=MAX_CODES {
        let Ok(result) = detect_one(&img) else { break };
        if i == MAX_CODES {
            scan.capped = true; // one more code is there: say so rather than drop it
            break;
        }
        if seen.insert(result.getText().to_string()) {
            scan.texts.push(result.getText().to_string());
        }
        let before = img.px.clone();
        img.blank(&result);
        if img.px == before {
            break; // nothing masked: stop rather than find the same symbol forever
        }
    }
    scan
}

fn detect_one(img: &Gray) -> Result<RXingResult, Exceptions> {
    let mut hints = DecodeHints {
        TryHarder: Some(true),
        AlsoInverted: Some(true),
        ..DecodeHints::default()
    };
    // rxing is a port of a large C++/Java code base; a panic deep inside it on a
    // hostile image must become "not found", not a crash of the verifier.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rxing::helpers::detect_in_luma_slice_with_hints(
            &img.px,
            img.w,
            img.h,
            Some(BarcodeFormat::QR_CODE),
            &mut hints,
        )
    }))
    .unwrap_or(Err(Exceptions::NOT_FOUND))
}
