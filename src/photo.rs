//! A model of a shopper's phone photo of a label, for checking printed QR sizes.
//!
//! A clean render always decodes; what matters is whether a phone held at arm's length
//! in a shop reads the printed label. This module turns a render of the print (8-bit
//! grey, at the resolution the phone's camera sees the package) into such a photo:
//!
//! - **Distance**: a 12 MP phone camera at about 30 cm resolves about 9.6 pixels per
//!   millimetre of package ([`SHOP_PX_PER_MM`]); render the print at that resolution.
//! - **Angle**: the box is turned 15° in the picture and tilted away (one side appears
//!   about 8 % shorter than the other: a perspective transform).
//! - **Focus and motion**: a Gaussian blur of 1.5 pixels (about 0.16 mm on the box),
//!   chosen so that the model reproduces what real decoders did on real-looking
//!   photos: 0.40 mm modules decode only some of the time, 0.42 mm nearly always.
//! - **Light**: uneven shop lighting (a gradient from 55 % to 100 % across the frame),
//!   greyish paper and ink, and sensor noise.
//! - **Compression**: JPEG at quality 60.
//!
//! The model is deterministic (a fixed noise seed per photo), so tests and the
//! benchmark that measures the smallest module that decodes give the same answer on
//! every machine. Entry point: [`shop_photo`].

use image::GrayImage;

/// Pixels per millimetre of package that a 12 MP phone camera sees at about 30 cm.
pub const SHOP_PX_PER_MM: f64 = 9.6;

/// The resolution to render a label at for [`shop_photo`], in dots per inch.
pub const SHOP_DPI: f64 = SHOP_PX_PER_MM * 25.4;

/// Settings of one simulated photo (see the module docs for what each models).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhotoModel {
    /// In-plane turn of the package, degrees.
    pub turn_deg: f64,
    /// How much shorter the far side looks than the near side (0.08 = 8 %).
    pub tilt: f64,
    /// Gaussian blur sigma in pixels.
    pub blur_px: f32,
    /// Darkest corner of the lighting gradient, as a share of full light.
    pub dim: f64,
    /// Noise amplitude in grey levels (±).
    pub noise: u8,
    pub jpeg_quality: u8,
    /// Noise seed (each photo of a series differs).
    pub seed: u64,
}

impl Default for PhotoModel {
    fn default() -> Self {
        PhotoModel {
            turn_deg: 15.0,
            tilt: 0.08,
            blur_px: 1.5,
            dim: 0.55,
            noise: 12,
            jpeg_quality: 60,
            seed: 0x9e37_79b9_7f4a_7c15,
        }
    }
}

/// Why a photo could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("the image buffer does not match its size")]
    Buffer,
    #[error("JPEG encoding failed: {0}")]
    Jpeg(String),
}

/// Turns a render of the print (grey, at [`SHOP_DPI`]) into a simulated phone photo,
/// returned as JPEG bytes (entry point).
pub fn shop_photo(print: &GrayImage, model: &PhotoModel) -> Result<Vec<u8>, PhotoError> {
    let (w, h) = (f64::from(print.width()), f64::from(print.height()));
    // The photo frames the package with some of the shelf around it.
    let margin = (0.25 * w.max(h)).round();
    let (cw, ch) = ((w + 2.0 * margin) as u32, (h + 2.0 * margin) as u32);
    let (cx, cy) = (f64::from(cw) / 2.0, f64::from(ch) / 2.0);
    let (sin, cos) = model.turn_deg.to_radians().sin_cos();
    let src = |x: f64, y: f64| -> f64 {
        if x < 0.0 || y < 0.0 || x >= w - 1.0 || y >= h - 1.0 {
            return 120.0; // the shelf behind the package
        }
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let p = |xx: f64, yy: f64| f64::from(print.get_pixel(xx as u32, yy as u32).0[0]);
        p(x0, y0) * (1.0 - fx) * (1.0 - fy)
            + p(x0 + 1.0, y0) * fx * (1.0 - fy)
            + p(x0, y0 + 1.0) * (1.0 - fx) * fy
            + p(x0 + 1.0, y0 + 1.0) * fx * fy
    };
    let mut photo = GrayImage::new(cw, ch);
    for py in 0..ch {
        for px in 0..cw {
            // Inverse mapping: undo the turn, then the tilt (the right side is farther
            // away and looks shorter), to find the point of the print seen here.
            let (dx, dy) = (f64::from(px) - cx, f64::from(py) - cy);
            let (rx, ry) = (cos * dx + sin * dy, -sin * dx + cos * dy);
            let u = (rx / w + 0.5).clamp(-1.0, 2.0);
            let scale = 1.0 - model.tilt * u;
            let (x, y) = (rx + w / 2.0, ry / scale + h / 2.0);
            // Greyish paper (~235) and ink (~35).
            let v = 35.0 + src(x, y) * (200.0 / 255.0);
            photo.put_pixel(px, py, image::Luma([v.clamp(0.0, 255.0) as u8]));
        }
    }
    let mut photo = image::imageops::blur(&photo, model.blur_px);
    let mut state = model.seed | 1;
    for (px, py, p) in photo.enumerate_pixels_mut() {
        // Light falls off towards one corner.
        let t = (f64::from(px) / f64::from(cw) + f64::from(py) / f64::from(ch)) / 2.0;
        let light = 1.0 - (1.0 - model.dim) * t;
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let span = 2 * u64::from(model.noise) + 1;
        let noise = (state % span) as f64 - f64::from(model.noise);
        p.0[0] = (f64::from(p.0[0]) * light + noise).clamp(0.0, 255.0) as u8;
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, model.jpeg_quality)
        .encode_image(&photo)
        .map_err(|e| PhotoError::Jpeg(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_is_a_larger_darker_jpeg_and_deterministic() {
        let print = GrayImage::from_pixel(100, 60, image::Luma([255]));
        let a = shop_photo(&print, &PhotoModel::default()).unwrap();
        let b = shop_photo(&print, &PhotoModel::default()).unwrap();
        assert_eq!(a, b);
        let img = image::load_from_memory(&a).unwrap().to_luma8();
        assert_eq!(img.dimensions(), (150, 110));
        // Paper is never pure white in a photo, and the far corner is darker.
        let near = img.get_pixel(75, 55).0[0];
        assert!(near < 245, "{near}");
    }
}
