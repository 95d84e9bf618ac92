//! What a sheet job adds for the operator at the press, beyond the labels themselves: a
//! proof page of cell outlines and numbers, a slug line in the margin, a feed offset,
//! and a small per-label serial.
//!
//! Why here and not in the label layout: none of these is part of a label's design.
//! The slug and proof belong to the sheet; the offset corrects one printer's feed; the
//! serial is placed in a free corner of a finished label [`Frame`] without moving
//! anything in it, so a label with a serial is the same label plus one small text run.
//! Everything is positioned in millimetres here and drawn by the PDF backend like any
//! other frame.

use super::stock::Geometry;
use crate::layout::font::{self, MM_PER_PT, Weight};
use crate::layout::{Frame, Item, RectMm, TextRun};

/// Largest feed offset accepted on either axis: a printer's feed error is a few
/// millimetres; more than this is a wrong stock or a wrong tray, not a nudge.
pub const MAX_OFFSET_MM: f64 = 5.0;
/// Type size of the serial printed on a label.
pub const SERIAL_PT: f64 = 5.0;
/// Type size of the slug line and the proof page's cell numbers.
pub const SLUG_PT: f64 = 6.0;
/// Nothing of the slug comes closer than this to the paper edge (the same printable
/// margin the crop marks keep).
const EDGE_MM: f64 = super::impose::PRINTABLE_MARGIN_MM;
/// Clearance around the serial and the slug.
const GAP_MM: f64 = 0.5;

/// Operator aids for a job; the default adds nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperatorOptions {
    /// Write a JSON job report here (`--report`).
    pub report: Option<std::path::PathBuf>,
    /// Print a one-line job/page/date/stock note in the sheet margin (`--slug`).
    pub slug: bool,
    /// The job's date for the slug and the report (`YYYY-MM-DD`); the caller decides
    /// it (the command line uses today's date), so identical input gives identical
    /// output.
    pub date: Option<String>,
    /// Print a first page with only the cell outlines and numbers (`--proof`).
    pub proof: bool,
    /// Move everything on the page by this much (x right, y down), in mm.
    pub offset_mm: (f64, f64),
    /// Number labels from this serial on (`--serial-start`); a row's own `serial`
    /// column wins.
    pub serial_start: Option<u64>,
}

/// A text run of `text` at `size_pt`, its advance box's left edge at `x`, its top at
/// `top` (all mm).
pub fn text_run(text: &str, weight: Weight, size_pt: f64, x: f64, top: f64) -> Option<TextRun> {
    let face = font::face(weight)?;
    let em = size_pt * MM_PER_PT;
    let (ascent, descent) = (face.ascent_em * em, face.descent_em * em);
    let width = face.width_mm(text, size_pt);
    Some(TextRun {
        x_mm: x,
        baseline_mm: top + ascent,
        weight,
        font: face.clone(),
        size_pt,
        text: text.to_string(),
        width_mm: width,
        ascent_mm: ascent,
        descent_mm: descent,
        region: RectMm::new(x, top, width, ascent + descent),
        accent: false,
        para: 0,
    })
}

/// The geometry moved by `offset` (everything drawn from it moves with it).
pub fn offset_geometry(g: &Geometry, (dx, dy): (f64, f64)) -> Geometry {
    let mut g = g.clone();
    g.left_margin_mm += dx;
    g.top_margin_mm += dy;
    g
}

/// Checks a feed offset.
pub fn check_offset((dx, dy): (f64, f64)) -> Result<(), String> {
    for (axis, v) in [("X", dx), ("Y", dy)] {
        if !v.is_finite() || v.abs() > MAX_OFFSET_MM {
            return Err(format!(
                "--offset {axis} = {v} mm is outside ±{MAX_OFFSET_MM} mm; an offset corrects a printer's feed by a few millimetres"
            ));
        }
    }
    Ok(())
}

/// Parses `--offset X,Y` (each a length such as `1.5mm`, `-0.5mm` or `0.02in`; a bare
/// number is millimetres).
pub fn parse_offset(s: &str) -> Result<(f64, f64), String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let [x, y] = parts.as_slice() else {
        return Err(format!(
            "{s:?} is not X,Y (two lengths separated by a comma, e.g. 1.5mm,-0.5mm)"
        ));
    };
    let one = |v: &str| -> Result<f64, String> {
        if let Ok(n) = v.parse::<f64>() {
            return Ok(n);
        }
        let (neg, rest) = match v.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, v),
        };
        crate::qr::parse_length_mm(rest)
            .map(|n| if neg { -n } else { n })
            .map_err(|e| format!("{v:?} in --offset: {e}"))
    };
    let off = (one(x)?, one(y)?);
    check_offset(off)?;
    Ok(off)
}

/// The boxes in a frame that a serial may not touch: every text run, the QR with its
/// quiet zone, every fill, a logo, and the outline's stroke.
fn occupied(frame: &Frame) -> Vec<RectMm> {
    frame
        .items
        .iter()
        .flat_map(|i| match i {
            Item::Text(t) => vec![t.ink_box()],
            Item::Qr(q) => vec![q.rect()],
            Item::Fill(r) => vec![*r],
            Item::Image { rect, .. } => vec![*rect],
            Item::Outline {
                rect, stroke_mm, ..
            } => {
                // The four sides of the stroke band.
                let h = stroke_mm / 2.0;
                vec![
                    RectMm::new(rect.x - h, rect.y - h, rect.w + 2.0 * h, 2.0 * h),
                    RectMm::new(rect.x - h, rect.bottom() - h, rect.w + 2.0 * h, 2.0 * h),
                    RectMm::new(rect.x - h, rect.y - h, 2.0 * h, rect.h + 2.0 * h),
                    RectMm::new(rect.right() - h, rect.y - h, 2.0 * h, rect.h + 2.0 * h),
                ]
            }
        })
        .collect()
}

/// Places `serial` in a free corner of a finished label: inside the safe area (and
/// inside a drawn outline), clear of every text run, the QR's quiet zone and rules.
/// Tries bottom right, bottom left, top right, top left. `None` when no corner has room.
pub fn place_serial(frame: &Frame, serial: &str, safe_mm: f64) -> Option<TextRun> {
    let probe = text_run(serial, Weight::Regular, SERIAL_PT, 0.0, 0.0)?;
    let (w, h) = (probe.width_mm, probe.ascent_mm + probe.descent_mm);
    let taken = occupied(frame);
    let inset = safe_mm
        + frame
            .items
            .iter()
            .find_map(|i| match i {
                Item::Outline { stroke_mm, .. } => Some(stroke_mm + GAP_MM),
                _ => None,
            })
            .unwrap_or(0.0);
    let (l, t) = (inset, inset);
    let (r, b) = (frame.width_mm - inset - w, frame.height_mm - inset - h);
    if r < l || b < t {
        return None;
    }
    [(r, b), (l, b), (r, t), (l, t)]
        .into_iter()
        .find_map(|(x, y)| {
            let bx = RectMm::new(x - GAP_MM, y - GAP_MM, w + 2.0 * GAP_MM, h + 2.0 * GAP_MM);
            let outline_band = |o: &RectMm| o.w <= 1.0 || o.h <= 1.0;
            let clear = taken.iter().all(|o| {
                // The outline's own sides are thin bands; the inset already keeps inside them.
                (outline_band(o)
                    && frame
                        .items
                        .iter()
                        .any(|i| matches!(i, Item::Outline { .. })))
                    || !bx.overlaps(o, 0.0)
            });
            clear.then(|| text_run(serial, Weight::Regular, SERIAL_PT, x, y))?
        })
}

/// The slug line's text.
pub fn slug_text(job_name: &str, page: usize, pages: usize, date: &str, stock: &str) -> String {
    format!("iotlabel · {job_name} · page {page} of {pages} · {date} · {stock}")
}

/// Where a slug line goes: the top of its box in the bottom margin (or else the top
/// margin), below the labels and their crop marks and [`EDGE_MM`] from the paper edge.
/// `marks_mm` is how far crop marks reach out from the grid (0 without marks).
pub fn slug_top(g: &Geometry, marks_mm: f64) -> Result<f64, String> {
    let probe = text_run("Xg", Weight::Regular, SLUG_PT, 0.0, 0.0)
        .ok_or_else(|| "the label font is missing".to_string())?;
    let h = probe.ascent_mm + probe.descent_mm;
    let cells = g.cells();
    let grid_top = cells.iter().map(|c| c.y).fold(f64::INFINITY, f64::min);
    let grid_bottom = cells.iter().map(|c| c.bottom()).fold(0.0, f64::max);
    let below = grid_bottom + marks_mm + GAP_MM;
    if below + h <= g.page_height_mm - EDGE_MM {
        return Ok(below
            .max(g.page_height_mm - EDGE_MM - h - 2.0)
            .min(g.page_height_mm - EDGE_MM - h));
    }
    let above = grid_top - marks_mm - GAP_MM - h;
    if above >= EDGE_MM {
        return Ok(above.clamp(EDGE_MM, EDGE_MM + 2.0));
    }
    Err(format!(
        "--slug needs a {:.1} mm band in the top or bottom margin, outside the labels{} and {EDGE_MM} mm from the paper edge; the margins here are {:.1} mm (top) and {:.1} mm (bottom)",
        h + GAP_MM,
        if marks_mm > 0.0 {
            " and crop marks"
        } else {
            ""
        },
        grid_top,
        g.page_height_mm - grid_bottom
    ))
}

/// A frame of the whole page holding the slug line at `top`, starting at the grid's
/// left edge (or the printable edge).
pub fn slug_frame(g: &Geometry, text: &str, top: f64, lang: &str) -> Frame {
    let x = g.cells().first().map_or(EDGE_MM, |c| c.x.max(EDGE_MM));
    Frame {
        width_mm: g.page_width_mm,
        height_mm: g.page_height_mm,
        title: String::new(),
        lang: lang.to_string(),
        background: false,
        accent: None,
        items: text_run(text, Weight::Regular, SLUG_PT, x, top)
            .map(Item::Text)
            .into_iter()
            .collect(),
    }
}

/// The proof page: every cell's outline (on the die or cut line) and its number
/// (1 = top left, row by row, the numbering `--start-at` uses), centred in the cell.
pub fn proof_frame(g: &Geometry, lang: &str) -> Frame {
    let mut items = Vec::new();
    for (i, c) in g.cells().iter().enumerate() {
        items.push(Item::Outline {
            rect: *c,
            radius_mm: g.corner_radius_mm,
            stroke_mm: 0.1,
        });
        let n = (i + 1).to_string();
        if let Some(probe) = text_run(&n, Weight::Bold, SLUG_PT * 2.0, 0.0, 0.0) {
            let h = probe.ascent_mm + probe.descent_mm;
            let x = c.x + (c.w - probe.width_mm) / 2.0;
            let y = c.y + (c.h - h) / 2.0;
            if let Some(run) = text_run(&n, Weight::Bold, SLUG_PT * 2.0, x, y) {
                items.push(Item::Text(run));
            }
        }
    }
    Frame {
        width_mm: g.page_width_mm,
        height_mm: g.page_height_mm,
        title: String::new(),
        lang: lang.to_string(),
        background: false,
        accent: None,
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::Stock;

    #[test]
    fn offsets_parse_in_any_unit_and_are_bounded() {
        assert_eq!(parse_offset("1.5mm,-0.5mm").unwrap(), (1.5, -0.5));
        assert_eq!(parse_offset("2, 0").unwrap(), (2.0, 0.0));
        let (x, y) = parse_offset("0.1in,-1mm").unwrap();
        assert!((x - 2.54).abs() < 1e-9 && (y + 1.0).abs() < 1e-9);
        assert!(parse_offset("6mm,0").unwrap_err().contains("±5 mm"));
        assert!(parse_offset("1mm").unwrap_err().contains("X,Y"));
    }

    #[test]
    fn slug_sits_in_the_printable_margin_outside_the_labels() {
        for id in ["avery-5160", "avery-l7160", "a4-3x8", "a4-2x6-gutter"] {
            let g = Stock::by_id(id).unwrap().geometry(0.0);
            let top = slug_top(&g, 0.0).unwrap();
            let f = slug_frame(&g, &slug_text("b.csv", 1, 2, "2026-11-29", id), top, "en");
            let run = f.texts().next().unwrap().ink_box();
            assert!(run.y >= EDGE_MM - 1e-9 && run.bottom() <= g.page_height_mm - EDGE_MM + 1e-9);
            assert!(g.cells().iter().all(|c| !c.overlaps(&run, 0.0)), "{id}");
        }
        // A gapless grid with crop marks has no band left for the slug.
        let g = Stock::by_id("a4-3x8").unwrap().geometry(0.0);
        assert!(slug_top(&g, 6.0).unwrap_err().contains("crop marks"));
    }
}
