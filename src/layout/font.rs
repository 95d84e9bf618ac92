//! The label fonts (DejaVu Sans regular and bold, embedded in the binary) and text
//! measurement.
//!
//! Text is measured here with the very shaper krilla uses to draw it (rustybuzz over the
//! same font files), so a line that the layout says is 31.2 mm wide is 31.2 mm wide in the
//! PDF. resvg shapes with harfrust, a port of the same HarfBuzz algorithm, so SVG and PNG
//! output agrees to within rounding. The fonts are compiled in so that a label looks the
//! same on every machine and no system font lookup can substitute another face.

use std::sync::OnceLock;

/// DejaVu Sans Book (see `fonts/LICENSE-DejaVu.txt`: free to embed and redistribute).
pub static REGULAR_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
pub static BOLD_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");
/// The family name both files declare; the SVG backend names it in `font-family`.
pub const FAMILY: &str = "DejaVu Sans";

/// Millimetres per typographic point.
pub const MM_PER_PT: f64 = 25.4 / 72.0;

/// The two weights a label uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weight {
    Regular,
    Bold,
}

impl Weight {
    /// The embedded font file for this weight.
    pub fn ttf(self) -> &'static [u8] {
        match self {
            Weight::Regular => REGULAR_TTF,
            Weight::Bold => BOLD_TTF,
        }
    }
}

/// One shaped glyph, in font units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShapedGlyph {
    pub glyph_id: u16,
    pub x_advance: i32,
    pub x_offset: i32,
    pub y_offset: i32,
}

/// A parsed face, kept for the life of the process.
pub struct Face {
    face: rustybuzz::Face<'static>,
    /// Units per em.
    pub upem: f64,
    /// Typographic ascender and descender (positive, in em) from `hhea`; they bound
    /// every glyph the label uses, so a run's box is `baseline - ascent .. baseline + descent`.
    pub ascent_em: f64,
    pub descent_em: f64,
}

static FACES: OnceLock<Option<[Face; 2]>> = OnceLock::new();

fn parse(weight: Weight) -> Option<Face> {
    let face = rustybuzz::Face::from_slice(weight.ttf(), 0)?;
    let upem = f64::from(face.units_per_em());
    let ascent_em = f64::from(face.ascender()) / upem;
    let descent_em = -f64::from(face.descender()) / upem;
    Some(Face {
        face,
        upem,
        ascent_em,
        descent_em,
    })
}

/// The face for `weight`. The font files are compiled in and known good; a unit test
/// proves they parse, so `None` here could only mean a corrupted build.
pub fn face(weight: Weight) -> Option<&'static Face> {
    let faces = FACES.get_or_init(|| Some([parse(Weight::Regular)?, parse(Weight::Bold)?]));
    let faces = faces.as_ref()?;
    Some(match weight {
        Weight::Regular => &faces[0],
        Weight::Bold => &faces[1],
    })
}

impl Face {
    /// Shapes `text` as one left-to-right run with the font's default features (kerning
    /// and ligatures), exactly as `krilla::surface::Surface::draw_text` does.
    pub fn shape(&self, text: &str) -> Vec<ShapedGlyph> {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let out = rustybuzz::shape(&self.face, &[], buffer);
        out.glyph_infos()
            .iter()
            .zip(out.glyph_positions())
            .map(|(info, pos)| ShapedGlyph {
                glyph_id: u16::try_from(info.glyph_id).unwrap_or(0),
                x_advance: pos.x_advance,
                x_offset: pos.x_offset,
                y_offset: pos.y_offset,
            })
            .collect()
    }

    /// Width of `text` set at `size_pt`, in millimetres.
    pub fn width_mm(&self, text: &str, size_pt: f64) -> f64 {
        let units: i64 = self
            .shape(text)
            .iter()
            .map(|g| i64::from(g.x_advance))
            .sum();
        units as f64 / self.upem * size_pt * MM_PER_PT
    }

    /// Whether every character of `text` has a glyph in this face (no `.notdef` boxes).
    pub fn covers(&self, text: &str) -> bool {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .all(|c| self.face.glyph_index(c).is_some())
    }

    /// The underlying ttf-parser face (for glyph outlines).
    pub fn ttf(&self) -> &ttf_parser::Face<'static> {
        &self.face
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_parse_and_cover_label_languages() {
        for w in [Weight::Regular, Weight::Bold] {
            let f = face(w).expect("embedded font parses");
            assert!(f.covers("Sicherheitsupdates bis 12/2030 · é ß ñ ü ç à « » – ’"));
            assert!(f.ascent_em > 0.7 && f.descent_em > 0.1);
        }
    }

    #[test]
    fn bold_is_wider_and_width_scales_with_size() {
        let r = face(Weight::Regular).unwrap();
        let b = face(Weight::Bold).unwrap();
        let w8 = r.width_mm("Security updates", 8.0);
        assert!((r.width_mm("Security updates", 16.0) - 2.0 * w8).abs() < 1e-9);
        assert!(b.width_mm("Security updates", 8.0) > w8);
    }

    #[test]
    fn kerning_is_applied() {
        // "AV" kerns in DejaVu Sans: shaped width is less than the sum of the parts.
        let r = face(Weight::Regular).unwrap();
        assert!(r.width_mm("AV", 10.0) < r.width_mm("A", 10.0) + r.width_mm("V", 10.0));
    }
}
