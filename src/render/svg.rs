//! SVG backend: draws a [`Frame`] as an SVG document of exact physical size.
//!
//! The document is sized in millimetres (`width="50mm"`) with a viewBox in millimetres,
//! so one user unit is one millimetre and a designer's tool places it at true size.
//! Text stays text (`font-family="DejaVu Sans"`, explicit position, size and weight) so
//! it is searchable and editable; a run set in another face (a user's `--font`, the CJK
//! fallback) names that face's family on its `<tspan>`. With
//! [`SvgOptions::outline_text`] each run becomes a path of glyph outlines from the
//! run's own face, which reproduces exactly on machines without those fonts. The QR is
//! a single path tracing the outline of the dark modules (see [`qr_path`]), which keeps
//! a version-8 symbol far below 4 KB. A logo is
//! an `<image>` with a `data:` URI (PNG, JPEG) or the logo's normalised SVG inline as a
//! nested `<svg>`, so the file stays one self-contained document.

use std::fmt::Write as _;

use crate::layout::font::{FAMILY, MM_PER_PT};
use crate::layout::{Frame, Item, QrItem, QrModules, RectMm, TextRun, Weight};
use crate::logo::Logo;

/// Options for [`render`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SvgOptions {
    /// Draw text as glyph outlines instead of `<text>` elements.
    pub outline_text: bool,
}

/// Formats a length with at most 3 decimals (1 µm), trimming zeros.
pub(crate) fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders `frame` as a standalone SVG document.
pub fn render(frame: &Frame, opts: &SvgOptions) -> String {
    let (w, h) = (num(frame.width_mm), num(frame.height_mm));
    let mut s = String::with_capacity(4096);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}" xml:lang="{}">"#,
        escape(&frame.lang)
    );
    let _ = write!(s, "<title>{}</title>", escape(&frame.title));
    if frame.background {
        let _ = write!(s, r##"<rect width="{w}" height="{h}" fill="#fff"/>"##);
    }
    let mut text_open = false;
    // The paragraph whose `<text>` is open, if any.
    let mut para_open: Option<usize> = None;
    for item in &frame.items {
        let is_text = matches!(item, Item::Text(_)) && !opts.outline_text;
        let para = match item {
            Item::Text(run) if is_text => Some(run.para),
            _ => None,
        };
        if para_open.is_some() && para != para_open {
            s.push_str("</text>");
            para_open = None;
        }
        if is_text && !text_open {
            let _ = write!(s, r##"<g font-family="{FAMILY}" fill="#000">"##);
            text_open = true;
        } else if !is_text && text_open {
            s.push_str("</g>");
            text_open = false;
        }
        match item {
            Item::Text(run) if opts.outline_text => {
                let _ = write!(
                    s,
                    r##"<path fill="#000" aria-label="{}" d="{}"/>"##,
                    escape(&run.text),
                    outline_path(run)
                );
            }
            Item::Text(run) => {
                // One `<text>` per paragraph, one `<tspan>` per line or weight change,
                // so a designer edits a paragraph as one piece of text.
                if para_open.is_none() {
                    let _ = write!(s, r#"<text font-size="{}">"#, num(run.size_pt * MM_PER_PT));
                    para_open = Some(run.para);
                }
                let weight = if run.weight == Weight::Bold {
                    r#" font-weight="bold""#
                } else {
                    ""
                };
                let family = if run.font.family() == FAMILY {
                    String::new()
                } else {
                    format!(r#" font-family="{}""#, css_family(run.font.family()))
                };
                let colour = match frame.accent.as_ref().filter(|_| run.accent) {
                    Some(c) => {
                        let (r, g, b) = c.to_rgb();
                        format!(r##" fill="#{r:02x}{g:02x}{b:02x}""##)
                    }
                    None => String::new(),
                };
                let _ = write!(
                    s,
                    r#"<tspan x="{}" y="{}"{family}{weight}{colour}>{}</tspan>"#,
                    num(run.x_mm),
                    num(run.baseline_mm),
                    escape(&run.text)
                );
            }
            Item::Fill(r) => {
                let colour = match &frame.accent {
                    Some(c) => {
                        let (r, g, b) = c.to_rgb();
                        format!(r##" fill="#{r:02x}{g:02x}{b:02x}""##)
                    }
                    None => String::new(),
                };
                let _ = write!(
                    s,
                    r#"<rect x="{}" y="{}" width="{}" height="{}"{colour}/>"#,
                    num(r.x),
                    num(r.y),
                    num(r.w),
                    num(r.h)
                );
            }
            Item::Outline {
                rect: r,
                radius_mm,
                stroke_mm,
            } => {
                let _ = write!(
                    s,
                    r##"<rect x="{}" y="{}" width="{}" height="{}" rx="{}" fill="none" stroke="#000" stroke-width="{}"/>"##,
                    num(r.x),
                    num(r.y),
                    num(r.w),
                    num(r.h),
                    num(*radius_mm),
                    num(*stroke_mm)
                );
            }
            Item::Qr(q) => s.push_str(&qr_element(q)),
            Item::Image { rect, logo } => s.push_str(&logo_element(rect, logo)),
        }
    }
    if para_open.is_some() {
        s.push_str("</text>");
    }
    if text_open {
        s.push_str("</g>");
    }
    s.push_str("</svg>\n");
    s
}

/// A family name as a CSS `font-family` value inside an attribute: bare when it is
/// plain words, else quoted.
fn css_family(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        && !name.starts_with(|c: char| c.is_ascii_digit())
    {
        name.to_string()
    } else {
        let quoted: String = name.chars().filter(|c| !matches!(c, '\'' | '\\')).collect();
        format!("'{}'", escape(&quoted))
    }
}

/// The logo in `r`: a PNG or JPEG as an `<image>` with the file in a `data:` URI, an
/// SVG inline as a nested `<svg>` (its normalised shapes, so a designer can edit them,
/// with ids prefixed `logo-`). Both keep the aspect ratio (`xMidYMid meet`).
fn logo_element(r: &RectMm, logo: &Logo) -> String {
    use base64::Engine as _;
    let place = format!(
        r#"x="{}" y="{}" width="{}" height="{}" preserveAspectRatio="xMidYMid meet""#,
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h)
    );
    match logo.svg_text() {
        Some(svg) => {
            // usvg's writer starts with its own `<svg …>` (numbers and namespaces only) and
            // ends with `</svg>`: keep what is between, under our own element.
            let (root, inner) = match svg.find('>') {
                Some(i) if !svg[..i].ends_with('/') => (
                    &svg[..i],
                    svg[i + 1..].trim_end().strip_suffix("</svg>").unwrap_or(""),
                ),
                _ => (svg, ""),
            };
            let xlink = if root.contains("xmlns:xlink") {
                r#" xmlns:xlink="http://www.w3.org/1999/xlink""#
            } else {
                ""
            };
            let (w, h) = logo.size();
            format!(
                r#"<svg {place} viewBox="0 0 {} {}"{xlink}>{inner}</svg>"#,
                num(w),
                num(h)
            )
        }
        None => format!(
            r#"<image {place} xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="data:{};base64,{}"/>"#,
            logo.format().mime(),
            base64::engine::general_purpose::STANDARD.encode(logo.data().as_slice())
        ),
    }
}

/// The QR as one `<path>` in module units, placed with a transform. `crispEdges` keeps
/// rasterisers from anti-aliasing module edges into grey seams.
fn qr_element(q: &QrItem) -> String {
    let qz = f64::from(q.quiet_zone);
    format!(
        r#"<path shape-rendering="crispEdges" transform="matrix({m} 0 0 {m} {x} {y})" d="{d}"/>"#,
        m = num(q.module_mm),
        x = num(q.x_mm + qz * q.module_mm),
        y = num(q.y_mm + qz * q.module_mm),
        d = qr_path(&q.modules)
    )
}

/// Path data (module units, origin at the symbol's top-left dark-module corner) for
/// the union of the dark modules, as closed outlines using only relative `h`/`v`
/// steps.
///
/// Why outlines and not one rectangle per run: a rectangle costs ~12 characters, an
/// outline corner 2–3, and neighbouring modules share edges. Outer contours run
/// clockwise and holes anticlockwise, so the default nonzero fill rule paints exactly
/// the dark modules. (Hand-rolled: the QR crates we use emit one rectangle per module.)
pub fn qr_path(m: &QrModules) -> String {
    let n = m.width;
    let dark = |x: isize, y: isize| x >= 0 && y >= 0 && m.is_dark(x as usize, y as usize);
    // Directed boundary edges keyed by their start vertex; vertices are (x, y) corners
    // on an (n+1)² grid. Each dark cell contributes the sides it shares with light.
    let idx = |x: usize, y: usize| y * (n + 1) + x;
    let mut out_edges: Vec<Vec<(usize, usize)>> = vec![Vec::new(); (n + 1) * (n + 1)];
    let mut count = 0usize;
    for y in 0..n {
        for x in 0..n {
            let (xi, yi) = (x as isize, y as isize);
            if !dark(xi, yi) {
                continue;
            }
            if !dark(xi, yi - 1) {
                out_edges[idx(x, y)].push((x + 1, y));
                count += 1;
            }
            if !dark(xi + 1, yi) {
                out_edges[idx(x + 1, y)].push((x + 1, y + 1));
                count += 1;
            }
            if !dark(xi, yi + 1) {
                out_edges[idx(x + 1, y + 1)].push((x, y + 1));
                count += 1;
            }
            if !dark(xi - 1, yi) {
                out_edges[idx(x, y + 1)].push((x, y));
                count += 1;
            }
        }
    }
    let mut d = String::with_capacity(count * 3);
    let mut pen = (0isize, 0isize); // start of the previous subpath (where `z` leaves us)
    for sy in 0..=n {
        for sx in 0..=n {
            while let Some(first) = out_edges[idx(sx, sy)].pop() {
                // Walk one closed loop, collecting its vertices.
                let mut pts = vec![(sx, sy)];
                let mut cur = first;
                while cur != (sx, sy) {
                    pts.push(cur);
                    let next = out_edges[idx(cur.0, cur.1)].pop();
                    match next {
                        Some(next) => cur = next,
                        None => break, // cannot happen for a closed boundary; stop safely
                    }
                }
                // Keep only the corners; the walk starts at the loop's first vertex in
                // scan order, which is always a corner (top row, leftmost).
                let len = pts.len();
                let corners: Vec<(isize, isize)> = (0..len)
                    .filter(|&i| {
                        let prev = pts[(i + len - 1) % len];
                        let next = pts[(i + 1) % len];
                        !(prev.0 == next.0 || prev.1 == next.1)
                    })
                    .map(|i| (pts[i].0 as isize, pts[i].1 as isize))
                    .collect();
                let Some(&start) = corners.first() else {
                    continue;
                };
                // Each step is written relative or absolute, whichever is shorter
                // (coordinates are small integers, so "H3" often beats "h-12").
                let rel = if start.1 - pen.1 < 0 {
                    format!("m{}{}", start.0 - pen.0, start.1 - pen.1)
                } else {
                    format!("m{} {}", start.0 - pen.0, start.1 - pen.1)
                };
                let abs = format!("M{} {}", start.0, start.1);
                d.push_str(if abs.len() < rel.len() { &abs } else { &rel });
                pen = start;
                let mut pos = start;
                for &c in &corners[1..] {
                    let (rel, abs) = if c.1 == pos.1 {
                        (format!("h{}", c.0 - pos.0), format!("H{}", c.0))
                    } else {
                        (format!("v{}", c.1 - pos.1), format!("V{}", c.1))
                    };
                    d.push_str(if abs.len() < rel.len() { &abs } else { &rel });
                    pos = c;
                }
                d.push('z');
            }
        }
    }
    if d.starts_with('m') {
        d.replace_range(0..1, "M");
    }
    d
}

/// Glyph outlines of one text run, in the run's face, as path data in frame
/// millimetres.
fn outline_path(run: &TextRun) -> String {
    let face = &run.font;
    let scale = run.size_pt * MM_PER_PT / face.upem;
    let mut builder = PathSink {
        d: String::new(),
        ox: run.x_mm,
        oy: run.baseline_mm,
        scale,
    };
    let mut pen = 0i64;
    for g in face.shape(&run.text) {
        builder.ox = run.x_mm + (pen + i64::from(g.x_offset)) as f64 * scale;
        builder.oy = run.baseline_mm - f64::from(g.y_offset) * scale;
        let _ = face
            .ttf()
            .outline_glyph(ttf_parser::GlyphId(g.glyph_id), &mut builder);
        pen += i64::from(g.x_advance);
    }
    builder.d
}

struct PathSink {
    d: String,
    ox: f64,
    oy: f64,
    scale: f64,
}

impl PathSink {
    fn pt(&self, x: f32, y: f32) -> (String, String) {
        (
            num(self.ox + f64::from(x) * self.scale),
            num(self.oy - f64::from(y) * self.scale),
        )
    }
}

impl ttf_parser::OutlineBuilder for PathSink {
    fn move_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.pt(x, y);
        let _ = write!(self.d, "M{x} {y}");
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.pt(x, y);
        let _ = write!(self.d, "L{x} {y}");
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (x1, y1) = self.pt(x1, y1);
        let (x, y) = self.pt(x, y);
        let _ = write!(self.d, "Q{x1} {y1} {x} {y}");
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (x1, y1) = self.pt(x1, y1);
        let (x2, y2) = self.pt(x2, y2);
        let (x, y) = self.pt(x, y);
        let _ = write!(self.d, "C{x1} {y1} {x2} {y2} {x} {y}");
    }
    fn close(&mut self) {
        self.d.push('Z');
    }
}
