//! ZPL II backend for thermal label printers (Zebra and compatibles): one
//! `^XA … ^XZ` block per label, with `^PQ` for the number of copies.
//!
//! Like the other backends it only draws what the layout decided. The frame must have
//! been laid out for the printer's dot grid (`LabelOptions::dpi` =
//! [`PrinterDpi::layout_dpi`]), so that every QR module is a whole number of dots and
//! the symbol starts on a dot; [`render`] refuses a frame whose QR is not on the grid
//! rather than rounding it (a module of 2.4 dots prints as runs of 2 and 3 dots).
//!
//! Choices, and why:
//! - **QR as an exact bitmap (`^GFA`), not `^BQ`.** `^BQ` makes the printer encode the
//!   link again with its own segmentation, mask and version choice, so the printed
//!   symbol is not the one we planned and measured (size, module count, EC level), and
//!   renderers disagree on `^BQ`'s mixed-mode fields. The bitmap is the layout's own
//!   module matrix, each module `n × n` dots, so it is exactly the symbol the PDF, SVG
//!   and PNG show.
//! - **Text as graphics.** The printer's scalable font `^A0` has other metrics than the
//!   label font (DejaVu Sans), so the same words would take another width and could
//!   leave the space the layout measured for them. The text, rules and outline are
//!   therefore rasterised at the printer's resolution (the PNG backend's renderer,
//!   thresholded to black and white) and sent as one `^GFA` graphic: line breaks,
//!   sizes and positions are exactly the layout's.
//! - Bitmaps use ZPL's ASCII compression (repeat counts `G`–`z`, `,` and `!` for the
//!   rest of a row, `:` for a repeated row), which every ZPL II printer reads.

use super::RenderError;
use super::png::{PngOptions, render_luma};
use crate::layout::{Frame, Item, QrItem};

/// Printer resolutions. Thermal heads are specified in dots per millimetre; "203 dpi"
/// is 8 dots/mm (203.2 dpi), "300 dpi" 12 dots/mm, "600 dpi" 24 dots/mm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrinterDpi {
    #[default]
    Dpi203,
    Dpi300,
    Dpi600,
}

impl PrinterDpi {
    /// Dots per millimetre of the print head.
    pub fn dots_per_mm(self) -> u32 {
        match self {
            PrinterDpi::Dpi203 => 8,
            PrinterDpi::Dpi300 => 12,
            PrinterDpi::Dpi600 => 24,
        }
    }
    /// The exact resolution to lay out for (`LabelOptions::dpi`).
    pub fn layout_dpi(self) -> f64 {
        f64::from(self.dots_per_mm()) * 25.4
    }
    /// The nominal value (203, 300, 600).
    pub fn nominal(self) -> u32 {
        match self {
            PrinterDpi::Dpi203 => 203,
            PrinterDpi::Dpi300 => 300,
            PrinterDpi::Dpi600 => 600,
        }
    }
}

impl std::str::FromStr for PrinterDpi {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "203" | "200" => Ok(PrinterDpi::Dpi203),
            "300" => Ok(PrinterDpi::Dpi300),
            "600" => Ok(PrinterDpi::Dpi600),
            _ => Err(format!(
                "printer resolution {s:?} is not one of 203, 300 or 600 (dpi)"
            )),
        }
    }
}

impl std::fmt::Display for PrinterDpi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} dpi", self.nominal())
    }
}

/// A 1-bit image, row-major, `true` = black dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    pub dots: Vec<bool>,
}

impl Bitmap {
    fn get(&self, x: u32, y: u32) -> bool {
        self.dots
            .get((y * self.width + x) as usize)
            .copied()
            .unwrap_or(false)
    }
}

/// Whole dots for `mm` at `dpmm`, or `None` if it is not within 1/1000 dot of one.
fn whole_dots(mm: f64, dpmm: u32) -> Option<u32> {
    let d = mm * f64::from(dpmm);
    let r = d.round();
    ((d - r).abs() < 1e-3 && r >= 0.0).then_some(r as u32)
}

/// Where a QR lands on the dot grid: top-left of the first module and dots per module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrDots {
    pub x: u32,
    pub y: u32,
    pub module: u32,
}

/// The QR's placement in dots, or an error if the layout did not put it on the grid.
pub fn qr_dots(q: &QrItem, dpi: PrinterDpi) -> Result<QrDots, RenderError> {
    let dpmm = dpi.dots_per_mm();
    let qz = f64::from(q.quiet_zone) * q.module_mm;
    let off_grid = || {
        RenderError::Zpl(format!(
            "the QR ({:.4} mm modules at {:.3}, {:.3} mm) is not on the {dpi} dot grid; lay the label out for the printer's resolution",
            q.module_mm, q.x_mm, q.y_mm
        ))
    };
    let module = whole_dots(q.module_mm, dpmm)
        .filter(|m| *m >= 1)
        .ok_or_else(off_grid)?;
    let x = whole_dots(q.x_mm + qz, dpmm).ok_or_else(off_grid)?;
    let y = whole_dots(q.y_mm + qz, dpmm).ok_or_else(off_grid)?;
    Ok(QrDots { x, y, module })
}

/// The QR's dark modules as a bitmap, `module × module` dots each (no quiet zone).
pub fn qr_bitmap(q: &QrItem, module: u32) -> Bitmap {
    let n = q.modules.width as u32;
    let side = n * module;
    let mut dots = vec![false; (side * side) as usize];
    for (y, x0, len) in q.modules.runs() {
        let (y, x0, len) = (y as u32, x0 as u32, len as u32);
        for dy in 0..module {
            let row = (y * module + dy) * side;
            let start = (row + x0 * module) as usize;
            let end = (row + (x0 + len) * module) as usize;
            if let Some(s) = dots.get_mut(start..end) {
                s.fill(true);
            }
        }
    }
    Bitmap {
        width: side,
        height: side,
        dots,
    }
}

/// Everything but the QR (text, rules, outline), rasterised at the printer's
/// resolution and thresholded at 50 %; cropped to its black dots, with their offset.
fn graphics_bitmap(
    frame: &Frame,
    dpi: PrinterDpi,
) -> Result<Option<(u32, u32, Bitmap)>, RenderError> {
    let mut rest = frame.clone();
    rest.items.retain(|i| !matches!(i, Item::Qr(_)));
    rest.background = false;
    // One ink: an accent colour prints black (a 50 % threshold could drop a light one).
    rest.accent = None;
    if rest.items.is_empty() {
        return Ok(None);
    }
    let luma = render_luma(
        &rest,
        &PngOptions {
            dpi: dpi.layout_dpi(),
        },
    )?;
    let (w, h) = (luma.width(), luma.height());
    let dark = |x: u32, y: u32| luma.get_pixel(x, y).0[0] < 128;
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0u32, 0u32);
    for y in 0..h {
        for x in 0..w {
            if dark(x, y) {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
        }
    }
    if x0 == u32::MAX {
        return Ok(None);
    }
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let mut dots = Vec::with_capacity((bw * bh) as usize);
    for y in y0..=y1 {
        for x in x0..=x1 {
            dots.push(dark(x, y));
        }
    }
    Ok(Some((
        x0,
        y0,
        Bitmap {
            width: bw,
            height: bh,
            dots,
        },
    )))
}

/// ZPL's ASCII compression of `n` repeats of a hex digit: a count made of `g`–`z`
/// (20–400 in steps of 20) and `G`–`Y` (1–19), then the digit.
fn repeat_code(mut n: usize, digit: char, out: &mut String) {
    if n == 1 {
        out.push(digit);
        return;
    }
    while n > 0 {
        let chunk = n.min(419);
        let (high, low) = (chunk / 20, chunk % 20);
        if high > 0 {
            out.push((b'g' + (high as u8 - 1)) as char);
        }
        if low > 0 {
            out.push((b'G' + (low as u8 - 1)) as char);
        }
        out.push(digit);
        n -= chunk;
    }
}

/// `^GFA` field data for `bmp` with ASCII compression: `(total bytes, bytes per row,
/// data)`.
pub fn gfa_data(bmp: &Bitmap) -> (usize, usize, String) {
    let row_bytes = bmp.width.div_ceil(8) as usize;
    let mut out = String::new();
    let mut prev: Option<String> = None;
    for y in 0..bmp.height {
        let mut hex = String::with_capacity(row_bytes * 2);
        for b in 0..row_bytes {
            let mut byte = 0u8;
            for bit in 0..8 {
                let x = (b * 8 + bit) as u32;
                if x < bmp.width && bmp.get(x, y) {
                    byte |= 0x80 >> bit;
                }
            }
            hex.push_str(&format!("{byte:02X}"));
        }
        if prev.as_deref() == Some(hex.as_str()) {
            out.push(':');
            continue;
        }
        out.push_str(&compress_row(&hex));
        prev = Some(hex);
    }
    (row_bytes * bmp.height as usize, row_bytes, out)
}

fn compress_row(hex: &str) -> String {
    let trimmed = hex.trim_end_matches('0');
    if trimmed.is_empty() {
        return ",".into();
    }
    let mut out = String::new();
    let chars: Vec<char> = trimmed.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        repeat_code(j - i, c, &mut out);
        i = j;
    }
    if trimmed.len() < hex.len() {
        out.push(',');
    }
    out
}

/// One label as a `^XA … ^XZ` block printing `copies` copies.
pub fn label_block(frame: &Frame, dpi: PrinterDpi, copies: u32) -> Result<String, RenderError> {
    let dpmm = dpi.dots_per_mm();
    let dots = |mm: f64| (mm * f64::from(dpmm)).round().max(1.0) as u32;
    let mut z = String::new();
    z.push_str("^XA\n");
    z.push_str(&format!(
        "^FX iotlabel {} {:.1}x{:.1} mm at {dpi}^FS\n",
        frame.title.replace(['^', '~'], " "),
        frame.width_mm,
        frame.height_mm
    ));
    z.push_str(&format!(
        "^PW{}\n^LL{}\n^LH0,0\n^PON\n^FWN\n",
        dots(frame.width_mm),
        dots(frame.height_mm)
    ));
    if let Some((x, y, bmp)) = graphics_bitmap(frame, dpi)? {
        let (total, row, data) = gfa_data(&bmp);
        z.push_str(&format!("^FO{x},{y}^GFA,{total},{total},{row},{data}^FS\n"));
    }
    for q in frame.qrs() {
        let at = qr_dots(q, dpi)?;
        let bmp = qr_bitmap(q, at.module);
        let (total, row, data) = gfa_data(&bmp);
        z.push_str(&format!(
            "^FO{},{}^GFA,{total},{total},{row},{data}^FS\n",
            at.x, at.y
        ));
    }
    z.push_str(&format!("^PQ{copies},0,1,Y\n^XZ\n"));
    Ok(z)
}

/// Labels in order, each with its number of copies, as one ZPL file.
pub fn render<'a>(
    labels: impl IntoIterator<Item = (&'a Frame, u32)>,
    dpi: PrinterDpi,
) -> Result<Vec<u8>, RenderError> {
    let mut out = String::new();
    for (frame, copies) in labels {
        out.push_str(&label_block(frame, dpi, copies)?);
    }
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expands ZPL ASCII-compressed `^GFA` data back to hex rows (the inverse of
    /// [`gfa_data`]), to round-trip the encoder.
    fn expand(data: &str, row_bytes: usize) -> Vec<String> {
        let width = row_bytes * 2;
        let mut rows: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut count = 0usize;
        for c in data.chars() {
            match c {
                'G'..='Y' => count += (c as u8 - b'G' + 1) as usize,
                'g'..='z' => count += (c as u8 - b'g' + 1) as usize * 20,
                ',' => {
                    while cur.len() < width {
                        cur.push('0');
                    }
                }
                '!' => {
                    while cur.len() < width {
                        cur.push('1');
                    }
                }
                ':' => {
                    rows.push(rows.last().cloned().unwrap_or_default());
                    continue;
                }
                _ => {
                    for _ in 0..count.max(1) {
                        cur.push(c);
                    }
                    count = 0;
                }
            }
            if cur.len() >= width {
                rows.push(std::mem::take(&mut cur));
            }
        }
        rows
    }

    #[test]
    fn compression_round_trips() {
        for width in [1u32, 7, 8, 9, 83, 160, 333, 800, 1700] {
            let height = 5;
            let dots: Vec<bool> = (0..width * height)
                .map(|i| {
                    let (x, y) = (i % width, i / width);
                    (y == 1 || y == 2) && x % 7 < 3 || y == 4 && x > width / 3
                })
                .collect();
            let bmp = Bitmap {
                width,
                height,
                dots,
            };
            let (total, row, data) = gfa_data(&bmp);
            assert_eq!(total, row * height as usize);
            let rows = expand(&data, row);
            assert_eq!(rows.len(), height as usize, "width {width}: {data}");
            for y in 0..height {
                for x in 0..width {
                    let byte =
                        u8::from_str_radix(&rows[y as usize][(x / 8 * 2) as usize..][..2], 16)
                            .unwrap();
                    let bit = byte & (0x80 >> (x % 8)) != 0;
                    assert_eq!(bit, bmp.get(x, y), "width {width} at {x},{y}");
                }
            }
        }
    }

    #[test]
    fn repeat_codes() {
        let mut s = String::new();
        repeat_code(1, 'F', &mut s);
        assert_eq!(s, "F");
        s.clear();
        repeat_code(2, 'F', &mut s);
        assert_eq!(s, "HF");
        s.clear();
        repeat_code(19, 'F', &mut s);
        assert_eq!(s, "YF");
        s.clear();
        repeat_code(20, 'F', &mut s);
        assert_eq!(s, "gF");
        s.clear();
        repeat_code(47, 'F', &mut s);
        assert_eq!(s, "hMF");
        s.clear();
        repeat_code(500, 'F', &mut s);
        assert_eq!(s, "zYFjGF");
    }

    #[test]
    fn dpi_parse() {
        assert_eq!("300".parse::<PrinterDpi>(), Ok(PrinterDpi::Dpi300));
        assert_eq!(PrinterDpi::Dpi203.layout_dpi(), 203.2);
        assert!("150".parse::<PrinterDpi>().unwrap_err().contains("203"));
    }
}
