//! Imposition: placing finished label frames into the cells of a stock's pages, plus
//! crop marks, and writing the pages in order.
//!
//! The sheet never lays out text: each label is the [`Frame`] the label layout made, and
//! this module only decides *where* it goes (cell, page, file). Crop marks are the one
//! thing drawn here, because they belong to the sheet, not to any label.

use krilla::color::{cmyk, rgb};
use krilla::geom::PathBuilder;
use krilla::paint::{Paint, Stroke};
use krilla::surface::Surface;

use super::stock::Geometry;
use crate::layout::{Frame, RectMm};
use crate::render::pdf::{self, Ink, PT_PER_MM};

/// Crop-mark line width: 0.1 mm (about 0.28 pt), the usual hairline for trim marks.
pub const MARK_STROKE_MM: f64 = 0.1;
/// Gap between the trim (plus bleed) and the start of a mark, so a slightly off cut
/// never shows a mark on the label.
pub const MARK_OFFSET_MM: f64 = 1.0;
/// Longest crop mark.
pub const MARK_LENGTH_MM: f64 = 5.0;
/// Shortest crop mark worth drawing.
pub const MARK_MIN_LENGTH_MM: f64 = 1.0;
/// Nothing is drawn closer than this to the paper edge: office and digital presses
/// cannot print there (most leave 4–5 mm unprinted), so a mark there would be lost.
pub const PRINTABLE_MARGIN_MM: f64 = 4.0;

/// Crop marks and bleed settings for a job.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Marks {
    pub crop_marks: bool,
    pub bleed_mm: f64,
    /// Leave out each label's printed outline: on die-cut stock the cut is the edge,
    /// and a printed border would show any misregistration between print and cut.
    pub no_outline: bool,
}

/// Draws one page: each `(cell index, frame)` at its cell, then the crop marks.
pub fn draw_page(
    surface: &mut Surface<'_>,
    geometry: &Geometry,
    labels: &[(usize, &Frame)],
    marks: Marks,
    fonts: &pdf::PdfFonts,
    ink: Ink,
) {
    for (cell, frame) in labels {
        let r = geometry.cell(*cell);
        pdf::draw_frame(surface, frame, (r.x, r.y), fonts, ink);
    }
    if marks.crop_marks {
        draw_crop_marks(surface, geometry, marks.bleed_mm, ink);
    }
}

/// The crop-mark segments of a page in mm, as `((x0, y0), (x1, y1))`. Marks sit in the
/// page margin outside the whole label grid, one per cut line (every label edge), so a
/// guillotine cut along each line frees every label; they start `bleed + 1 mm` away
/// from the grid, never enter a label cell, and stay [`PRINTABLE_MARGIN_MM`] away from
/// the paper edge (a margin too narrow for that gets no marks).
pub fn crop_mark_segments(g: &Geometry, bleed_mm: f64) -> Vec<((f64, f64), (f64, f64))> {
    let cells = g.cells();
    let Some(first) = cells.first() else {
        return Vec::new();
    };
    let mut grid = *first;
    for c in &cells {
        let (r, b) = (grid.right().max(c.right()), grid.bottom().max(c.bottom()));
        grid = RectMm::new(grid.x.min(c.x), grid.y.min(c.y), 0.0, 0.0);
        grid.w = r - grid.x;
        grid.h = b - grid.y;
    }
    let mut xs: Vec<f64> = cells.iter().flat_map(|c| [c.x, c.right()]).collect();
    let mut ys: Vec<f64> = cells.iter().flat_map(|c| [c.y, c.bottom()]).collect();
    for v in [&mut xs, &mut ys] {
        v.sort_by(f64::total_cmp);
        v.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
    }
    let off = bleed_mm + MARK_OFFSET_MM;
    let mut segs = Vec::new();
    // Room in each margin: from the printable edge to the grid minus the offset.
    let edge = PRINTABLE_MARGIN_MM;
    let top = (grid.y - off - edge).min(MARK_LENGTH_MM);
    let bottom = (g.page_height_mm - grid.bottom() - off - edge).min(MARK_LENGTH_MM);
    let left = (grid.x - off - edge).min(MARK_LENGTH_MM);
    let right = (g.page_width_mm - grid.right() - off - edge).min(MARK_LENGTH_MM);
    let printable_x = |x: f64| x >= edge - 1e-6 && x <= g.page_width_mm - edge + 1e-6;
    let printable_y = |y: f64| y >= edge - 1e-6 && y <= g.page_height_mm - edge + 1e-6;
    for &x in xs.iter().filter(|x| printable_x(**x)) {
        if top >= MARK_MIN_LENGTH_MM {
            segs.push(((x, grid.y - off - top), (x, grid.y - off)));
        }
        if bottom >= MARK_MIN_LENGTH_MM {
            segs.push(((x, grid.bottom() + off), (x, grid.bottom() + off + bottom)));
        }
    }
    for &y in ys.iter().filter(|y| printable_y(**y)) {
        if left >= MARK_MIN_LENGTH_MM {
            segs.push(((grid.x - off - left, y), (grid.x - off, y)));
        }
        if right >= MARK_MIN_LENGTH_MM {
            segs.push(((grid.right() + off, y), (grid.right() + off + right, y)));
        }
    }
    segs
}

fn draw_crop_marks(surface: &mut Surface<'_>, g: &Geometry, bleed_mm: f64, ink: Ink) {
    let segs = crop_mark_segments(g, bleed_mm);
    if segs.is_empty() {
        return;
    }
    let mut pb = PathBuilder::new();
    let pt = |v: f64| (v * PT_PER_MM) as f32;
    for ((x0, y0), (x1, y1)) in segs {
        pb.move_to(pt(x0), pt(y0));
        pb.line_to(pt(x1), pt(y1));
    }
    let Some(path) = pb.finish() else { return };
    // Registration black (100 % of every plate) so the marks appear on each separation.
    let paint: Paint = match ink {
        Ink::Cmyk => cmyk::Color::new(255, 255, 255, 255).into(),
        Ink::Rgb => rgb::Color::new(0, 0, 0).into(),
    };
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint,
        width: pt(MARK_STROKE_MM),
        ..Stroke::default()
    }));
    surface.draw_path(&path);
    surface.set_stroke(None);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::stock::Stock;

    #[test]
    fn crop_marks_stay_outside_every_cell() {
        for (id, bleed) in [
            ("a4-3x8", 2.0),
            ("a4-2x6-gutter", 3.0),
            ("letter-3x10", 0.0),
            ("avery-5160", 2.0),
            ("avery-l7651", 2.0),
        ] {
            let g = Stock::by_id(id).unwrap().geometry(0.0);
            let segs = crop_mark_segments(&g, bleed);
            assert!(!segs.is_empty(), "{id}");
            for ((x0, y0), (x1, y1)) in segs {
                let seg = RectMm::new(x0.min(x1), y0.min(y1), (x1 - x0).abs(), (y1 - y0).abs());
                for c in g.cells() {
                    // Closed-interval test: the mark may not even touch the cell plus bleed.
                    let (l, t, r, b) = (
                        c.x - bleed,
                        c.y - bleed,
                        c.right() + bleed,
                        c.bottom() + bleed,
                    );
                    let touches = seg.x <= r && seg.right() >= l && seg.y <= b && seg.bottom() >= t;
                    assert!(!touches, "{id}: {seg:?} touches {c:?}");
                }
                // Every mark lies within the printable area, 4 mm from each edge.
                let e = PRINTABLE_MARGIN_MM - 1e-6;
                assert!(
                    seg.x >= e
                        && seg.y >= e
                        && seg.right() <= g.page_width_mm - e
                        && seg.bottom() <= g.page_height_mm - e,
                    "{id}: {seg:?} is within {PRINTABLE_MARGIN_MM} mm of the paper edge"
                );
            }
        }
    }
}
