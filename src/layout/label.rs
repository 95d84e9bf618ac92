//! Building a packaging label [`Frame`] from a template and the summary's words.
//!
//! The QR is the fixed point of every label: a shopper's phone must read it at arm's
//! length, so its module size is decided first (at least [`super::SCAN_MODULE_MM`] by
//! default, growing on larger labels) and it is never shrunk to make text fit.
//!
//! The words are then fitted around it. A template gives preferred type sizes and
//! floors (6 pt body). We walk from "every block at its preferred size" towards "every
//! block at its floor" in small steps and take the first step at which all text fits.
//! That walk is done twice: first with each paragraph held to the template's line count
//! (shrink before wrapping), then letting paragraphs wrap freely. If even the floors do
//! not fit, the error names the text, the shortfall in millimetres and the nearest size
//! that fits. Nothing is ever clipped, and the blocks are stacked, so nothing can
//! overlap.

// A failed layout is rare and reported once; boxing its error would only add noise.
#![allow(clippy::result_large_err)]

use super::font::{self, FaceRef, FontSet, MM_PER_PT};
use super::template::{Align, Area, Block, Each, Languages, LogoPlace, QrPlace, Template};
use super::text::{self, Span, WrapError};
use super::{
    Frame, Item, LabelOptions, LayoutError, ModuleSize, QrItem, QrModules, RectMm, SizeMm, TextRun,
};

/// The words and the QR of one label, already in the label's language. Usually built
/// from a decoded, verified payload by [`label()`]; exposed so tests and other tools can
/// lay out arbitrary text.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelContent {
    pub lang: String,
    pub manufacturer: String,
    pub model: String,
    /// A.1 (and how, briefly); a device without updates says so here.
    pub headline: String,
    /// A.3 short, the line under the headline: "Until at least December 2031".
    pub support: String,
    /// The small-type standards line ("Standards: ETSI EN 303 645"), or empty.
    pub standards: String,
    /// (label, text) for A.2, A.3, B.1, B.2, B.3.
    pub statements: Vec<(String, String)>,
    /// The NTIA element of each statement ("A.2" …), in the same order.
    pub statement_elements: Vec<String>,
    pub title: String,
    pub declaration: String,
    pub scan: String,
    pub more: String,
    /// The details URL in short form, e.g. `acme.example/u`.
    pub url: String,
    pub qr: QrModules,
    /// The same label's words in further languages (`--lang en,fr`), set after or
    /// beside these as the template's [`Languages`](super::template::Languages) says.
    /// Their product, URL and QR are this content's.
    pub more_langs: Vec<LabelContent>,
}

impl LabelContent {
    /// The label's words from a summary (rendered from the decoded signed payload), the
    /// QR matrix of the signed link, and the details URL in short form.
    pub fn from_summary(summary: &crate::summary::Summary, qr: QrModules, short_url: &str) -> Self {
        LabelContent {
            lang: summary.lang.clone(),
            manufacturer: summary.manufacturer.clone(),
            model: summary.model.clone(),
            headline: summary.headline.clone(),
            support: summary.support.clone(),
            standards: summary.standards.clone(),
            statements: summary
                .statements
                .iter()
                .map(|s| (s.label.clone(), s.text.clone()))
                .collect(),
            statement_elements: summary
                .statements
                .iter()
                .map(|s| s.element.id().to_string())
                .collect(),
            title: summary.ui.title.clone(),
            declaration: summary.ui.declaration.clone(),
            scan: summary.ui.scan.clone(),
            more: summary.ui.more.clone(),
            url: short_url.to_string(),
            qr,
            more_langs: Vec::new(),
        }
    }

    /// One label in several languages: the first summary's words first, then the
    /// others' (see [`LabelContent::more_langs`]).
    pub fn from_summaries(
        summaries: &[crate::summary::Summary],
        qr: QrModules,
        short_url: &str,
    ) -> Option<Self> {
        let (first, rest) = summaries.split_first()?;
        let mut c = Self::from_summary(first, qr, short_url);
        c.more_langs = rest
            .iter()
            .map(|s| {
                Self::from_summary(
                    s,
                    QrModules {
                        width: 0,
                        dark: Vec::new(),
                    },
                    short_url,
                )
            })
            .collect();
        Some(c)
    }

    /// This content and the further languages', in order.
    pub fn languages(&self) -> impl Iterator<Item = &LabelContent> {
        std::iter::once(self).chain(self.more_langs.iter())
    }

    /// The frame's title (document metadata, not drawn): "Security updates — Acme T1".
    pub fn frame_title(&self) -> String {
        format!("{} — {} {}", self.title, self.manufacturer, self.model)
    }
}

/// A key that is equal for two contents exactly when `template` lays them out the same:
/// the template, the language, the QR's width (a layout never looks at the modules) and
/// the text of every paragraph the template's blocks print. Words a template does not
/// show (the compact label has no model name, say) do not split the key, so callers
/// that lay out many labels, such as print-shop sheets, can cache layouts by it. Only
/// [`Frame::title`](super::Frame), which is metadata, may differ between contents with
/// one key; see [`LabelContent::frame_title`].
pub fn layout_key(content: &LabelContent, template: &Template) -> String {
    let mut key = format!("{}\u{1f}{}", template.name, content.qr.width);
    for c in content.languages() {
        key.push('\u{1f}');
        key.push_str(&c.lang);
        for b in &template.blocks {
            let items: Vec<Option<&(String, String)>> = match b.each {
                Some(Each::Statement) => b.statements(c).map(Some).collect(),
                None => vec![None],
            };
            for stmt in items {
                key.push('\u{1e}');
                key.push_str(&fill_pattern(&b.text, c, stmt));
            }
        }
    }
    key
}

/// What a label is made from: the summary rendered from the decoded signed payload, the
/// QR symbol of the signed link, and the details URL in short form (`acme.example/u`).
#[derive(Debug, Clone, Copy)]
pub struct LabelInput<'a> {
    pub summary: &'a crate::summary::Summary,
    pub qr: &'a crate::qr::QrSymbol,
    pub short_url: &'a str,
}

/// Lays out a packaging label with `template` at `size` (the template's default if
/// `None`) and default options. The words come only from `input.summary`, so the
/// printed text and the QR cannot disagree.
pub fn label(
    input: &LabelInput<'_>,
    template: &Template,
    size: Option<SizeMm>,
) -> Result<Frame, LayoutError> {
    let content = LabelContent::from_summary(
        input.summary,
        QrModules::from_symbol(input.qr),
        input.short_url,
    );
    label_from_content(&content, template, size)
}

/// Steps between preferred and floor type sizes in the fitting search.
const STEPS: usize = 10;
/// Clearance between a drawn outline and the QR's quiet zone.
const QR_CLEARANCE_MM: f64 = 0.1;
/// Thickness of separating rules.
const RULE_MM: f64 = 0.15;

/// Lays out a label from `content` with `template` at `size` (the template's default if
/// `None`) and default options.
pub fn label_from_content(
    content: &LabelContent,
    template: &Template,
    size: Option<SizeMm>,
) -> Result<Frame, LayoutError> {
    label_with(content, template, size, &LabelOptions::default())
}

/// Lays out a label (entry point): the QR first, at its module size (see
/// [`LabelOptions::module`]), never shrunk for text; then the words in the space that
/// remains, shrinking to their floors and wrapping. When even that fails, the error
/// names the nearest larger size that fits.
pub fn label_with(
    content: &LabelContent,
    template: &Template,
    size: Option<SizeMm>,
    opts: &LabelOptions,
) -> Result<Frame, LayoutError> {
    let size = size.unwrap_or_else(|| template.default_size());
    if opts.logo.is_some() && template.logo.is_none() {
        return Err(LayoutError::NoLogoRegion {
            template: template.name.clone(),
            with_logo: Template::names_with_logo(),
        });
    }
    let mut result = fit(content, template, size, opts);
    let grow = |f: f64| match template.qr.place {
        QrPlace::BottomLeft | QrPlace::Top => SizeMm {
            width_mm: size.width_mm,
            height_mm: (size.height_mm * f).ceil(),
        },
        QrPlace::Left => SizeMm {
            width_mm: (size.width_mm * f).ceil(),
            height_mm: size.height_mm,
        },
    };
    // The nearest size that works: grow the dimension the text flows in; for a QR that
    // does not fit, grow both.
    let steps = (1..=40).map(|i| 1.0 + 0.025 * f64::from(i));
    match &mut result {
        Err(LayoutError::DoesNotFit { suggestion, .. }) => {
            *suggestion = steps
                .map(grow)
                .find(|s| fit(content, template, *s, opts).is_ok());
        }
        Err(LayoutError::QrDoesNotFit {
            suggestion,
            needed_mm,
            available_mm,
            ..
        }) => {
            // Start from the growth the QR itself needs, then make room for the words.
            let start = (*needed_mm / available_mm.max(1.0)).max(1.0);
            *suggestion = steps
                .map(|f| f * start)
                .map(|f| SizeMm {
                    width_mm: (size.width_mm * f).ceil(),
                    height_mm: (size.height_mm * f).ceil(),
                })
                .find(|s| fit(content, template, *s, opts).is_ok());
        }
        _ => {}
    }
    result
}

fn fit(
    content: &LabelContent,
    template: &Template,
    size: SizeMm,
    opts: &LabelOptions,
) -> Result<Frame, LayoutError> {
    let ctx = Ctx::new(content, template, size, opts)?;
    let qr = ctx.place_qr()?;
    let mut last_fail = None;
    for free_wrap in [false, true] {
        for step in 0..=STEPS {
            let t = step as f64 / STEPS as f64;
            match ctx.attempt(&qr, t, free_wrap) {
                Ok(frame) => return Ok(frame),
                Err(f) => last_fail = Some(f),
            }
        }
    }
    Err(match last_fail {
        Some(Fail::Text {
            what,
            reason,
            over_mm,
        }) => LayoutError::DoesNotFit {
            template: template.name.clone(),
            size,
            what,
            reason,
            over_mm,
            min_pt: template
                .blocks
                .iter()
                .map(|b| b.min_pt)
                .fold(f64::INFINITY, f64::min),
            suggestion: None,
        },
        None => LayoutError::TooSmall {
            template: template.name.clone(),
            size,
            min: template.default_size(),
        },
    })
}

enum Fail {
    Text {
        what: String,
        reason: String,
        over_mm: f64,
    },
}

/// A template block as set on this label: in which language, and in which column
/// when the languages stand side by side.
struct SetBlock {
    block: Block,
    /// Index into the content's languages (0 = the first).
    lang: usize,
    /// Hyphenation patterns of that language.
    hyphenation: Option<hypher::Lang>,
    /// The column (= language) of a `columns` label's main area; `None`: full width.
    column: Option<usize>,
    /// Every language's words in one paragraph, separated by " / " (the side area's
    /// short lines beside the QR: "Scan to verify / Scanner pour vérifier").
    joined: bool,
}

/// The template's blocks for `langs` languages: in the main area a run of consecutive
/// language blocks is repeated for each language, each repeat starting with a rule
/// (or, with [`Languages::Columns`], goes to one column per language); in the side
/// area beside the QR, where a few short lines must fit the QR's height, a language
/// block is one paragraph with every language's words. Blocks without words of the
/// language are set once.
fn expand_blocks(template: &Template, langs: &[&LabelContent]) -> Vec<SetBlock> {
    let set = |b: &Block, lang: usize, column: Option<usize>| SetBlock {
        block: b.clone(),
        lang,
        hyphenation: langs
            .get(lang)
            .and_then(|c| super::typo::hyphenation_lang(&c.lang)),
        column,
        joined: false,
    };
    let mut out = Vec::new();
    for area in [Area::Main, Area::Side] {
        let blocks: Vec<&Block> = template.blocks.iter().filter(|b| b.area == area).collect();
        let columns =
            langs.len() > 1 && area == Area::Main && template.languages == Languages::Columns;
        let mut i = 0;
        while i < blocks.len() {
            if !blocks[i].is_language() {
                out.push(set(blocks[i], 0, None));
                i += 1;
                continue;
            }
            if area == Area::Side && blocks[i].each.is_none() {
                out.push(SetBlock {
                    joined: langs.len() > 1,
                    ..set(blocks[i], 0, None)
                });
                i += 1;
                continue;
            }
            let run_end = (i..blocks.len())
                .find(|&j| !blocks[j].is_language())
                .unwrap_or(blocks.len());
            for lang in 0..langs.len() {
                for (k, b) in blocks[i..run_end].iter().enumerate() {
                    let mut b = (*b).clone();
                    if lang > 0 && k == 0 && area == Area::Main && !columns {
                        b.rule_before = true;
                        b.space_before_mm = b.space_before_mm.max(2.4);
                    }
                    out.push(set(&b, lang, columns.then_some(lang)));
                }
            }
            i = run_end;
        }
    }
    out
}

/// A paragraph ready for wrapping: its spans and a short name for error messages.
struct Para {
    spans: Vec<Span>,
    name: String,
}

/// What the words get once the logo is placed.
enum Flow {
    /// This part of the area (a band under the logo, or a column beside it).
    Rest(RectMm),
    /// The whole area, with a logo in a top corner to flow around.
    Float(Float),
}

/// A logo in a top corner of a text area. A paragraph that starts above `clear_y` is
/// set either in the narrower column `beside` the logo or, when that ends lower (or
/// does not fit), under the logo at full width: whichever ends higher. Either way no
/// line can touch the logo.
#[derive(Debug, Clone, Copy)]
struct Float {
    beside: RectMm,
    /// Where the logo and its gap end (absolute y).
    clear_y: f64,
}

struct Ctx<'a> {
    template: &'a Template,
    content: &'a LabelContent,
    size: SizeMm,
    opts: &'a LabelOptions,
    /// Scale of type, margins and QR relative to the template's default size.
    k: f64,
    /// Text margin from the label's edge.
    margin: f64,
    /// The drawn outline's rectangle (stroke centred on it), when there is one.
    outline: Option<RectMm>,
    /// Inset from the edge that the QR's quiet zone keeps: clear of a drawn outline.
    qr_edge: f64,
    /// The blocks as set: the template's, with the language blocks repeated for each
    /// language of a label in several languages (see [`expand_blocks`]).
    blocks: Vec<SetBlock>,
    /// Paragraphs per set block.
    paras: Vec<Vec<Para>>,
    /// Ascent and descent (em) per block: the largest of the faces its text is set in,
    /// so a line of CJK (taller than DejaVu Sans) keeps clear of its neighbours.
    metrics: Vec<(f64, f64)>,
    /// The faces per weight, in order of preference.
    fonts: FontSet,
}

fn fill_pattern(pattern: &str, c: &LabelContent, stmt: Option<&(String, String)>) -> String {
    let mut s = pattern
        .replace("{manufacturer}", &c.manufacturer)
        .replace("{model}", &c.model)
        .replace("{headline}", &c.headline)
        .replace("{support}", &c.support)
        .replace("{standards}", &c.standards)
        .replace("{url}", &c.url)
        .replace("{lang}", &c.lang)
        .replace("{ui.title}", &c.title)
        .replace("{ui.declaration}", &c.declaration)
        .replace("{ui.scan}", &c.scan)
        .replace("{ui.more}", &c.more);
    if let Some((label, text)) = stmt {
        s = s.replace("{label}", label).replace("{text}", text);
    }
    s
}

/// A block's pattern filled with one language's words and typeset by its rules. The
/// pattern is split into weighted spans first and filled inside each span, so `**`
/// in the data can never switch weights.
fn block_spans(b: &Block, content: &LabelContent, stmt: Option<&(String, String)>) -> Vec<Span> {
    text::parse_markup(&b.text)
        .into_iter()
        .map(|(weight, pat)| Span {
            weight,
            text: super::typo::typeset(&fill_pattern(&pat, content, stmt), &content.lang),
        })
        .filter(|s| !s.text.trim().is_empty())
        .collect()
}

fn short(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 48 {
        format!("\"{}…\"", s.chars().take(45).collect::<String>())
    } else {
        format!("\"{s}\"")
    }
}

impl<'a> Ctx<'a> {
    fn new(
        content: &'a LabelContent,
        template: &'a Template,
        size: SizeMm,
        opts: &'a LabelOptions,
    ) -> Result<Self, LayoutError> {
        let k = (size.width_mm / template.width_mm)
            .min(size.height_mm / template.height_mm)
            .clamp(0.5, 3.0);
        let safe = opts.safe_mm.max(0.0);
        let stroke = template.stroke_mm;
        // A drawn outline sits inside the safe area, and everything else inside it.
        let outline_inset = safe.max(stroke / 2.0);
        let inside = if opts.outline {
            outline_inset + stroke / 2.0
        } else {
            safe
        };
        let margin = (template.margin_mm * k)
            .clamp(1.0, template.margin_mm * 2.0)
            .max(inside + if opts.outline { 0.5 } else { 0.0 });
        let outline = opts.outline.then(|| {
            RectMm::new(
                outline_inset,
                outline_inset,
                size.width_mm - 2.0 * outline_inset,
                size.height_mm - 2.0 * outline_inset,
            )
        });
        let qr_edge = if opts.outline {
            inside + QR_CLEARANCE_MM
        } else {
            0.0
        };
        if size.width_mm < 4.0 * margin || size.height_mm < 4.0 * margin {
            return Err(LayoutError::TooSmall {
                template: template.name.clone(),
                size,
                min: template.default_size(),
            });
        }
        let fonts = FontSet::new(opts.fonts.as_ref()).ok_or_else(|| LayoutError::MissingGlyph {
            ch: char::REPLACEMENT_CHARACTER,
            text: "the built-in fonts (they do not load: a corrupted build)".into(),
        })?;
        let langs: Vec<&LabelContent> = content.languages().collect();
        let blocks = expand_blocks(template, &langs);
        let mut paras = Vec::new();
        let mut metrics = Vec::new();
        for sb in &blocks {
            let (b, content) = (&sb.block, langs[sb.lang]);
            let mut used: Vec<FaceRef> = Vec::new();
            let items: Vec<Option<&(String, String)>> = match b.each {
                Some(Each::Statement) => b.statements(content).map(Some).collect(),
                None => vec![None],
            };
            let mut ps = Vec::new();
            for stmt in items {
                let mut spans = block_spans(b, content, stmt);
                // A joined block: the other languages follow, each after a " / " that
                // stays with the word after it.
                for other in langs.iter().skip(1).filter(|_| sb.joined) {
                    let mut more = block_spans(b, other, None);
                    if let (Some(first), false) = (more.first_mut(), spans.is_empty()) {
                        first.text = format!("/{}{}", super::typo::NBSP, first.text.trim_start());
                    }
                    spans.extend(more);
                }
                for s in &spans {
                    let runs = font::segment(fonts.chain(s.weight), &s.text).map_err(|ch| {
                        LayoutError::MissingGlyph {
                            ch,
                            text: s.text.trim().to_string(),
                        }
                    })?;
                    for (face, _) in runs {
                        if !used.contains(&face) {
                            used.push(face);
                        }
                    }
                }
                let name = short(&spans.iter().map(|s| s.text.as_str()).collect::<String>());
                if !spans.is_empty() {
                    ps.push(Para { spans, name });
                }
            }
            paras.push(ps);
            if used.is_empty() {
                used.extend(fonts.chain(font::Weight::Regular).first().cloned());
            }
            metrics.push(used.iter().fold((0.0f64, 0.0f64), |(a, d), f| {
                (a.max(f.ascent_em), d.max(f.descent_em))
            }));
        }
        Ok(Ctx {
            template,
            content,
            size,
            opts,
            k,
            margin,
            outline,
            qr_edge,
            blocks,
            paras,
            metrics,
            fonts,
        })
    }

    /// Where the QR goes on this label: the template's place, except that a QR meant
    /// to sit left of the words goes on top when the label is portrait (a 4 × 6 in roll
    /// label), so that the words do not float in a narrow column beside it.
    fn place(&self) -> QrPlace {
        match self.template.qr.place {
            QrPlace::Left if self.size.height_mm >= self.size.width_mm => QrPlace::Top,
            p => p,
        }
    }

    /// Places the QR: its module size first (the policy in [`LabelOptions::module`],
    /// on whole device dots when there is a device resolution), then its position.
    fn place_qr(&self) -> Result<QrItem, LayoutError> {
        let q = &self.template.qr;
        let (w, h) = (self.size.width_mm, self.size.height_mm);
        let total = (self.content.qr.width + 2 * q.quiet_zone as usize) as f64;
        let qz_modules = f64::from(q.quiet_zone);
        let safe = self.opts.safe_mm.max(0.0);
        // The largest square the placement allows. The quiet zone may reach the edge
        // (or the outline's inner side); the dark modules must stay in the safe area.
        let edge = self.qr_edge;
        let place = self.place();
        let available = match place {
            QrPlace::Left => h - 2.0 * edge,
            QrPlace::BottomLeft | QrPlace::Top => (w - 2.0 * edge).min(h - 2.0 * edge),
        };
        // Does a module size fit: the square within the space, and the dark modules
        // (inside the quiet zone) at least `safe` from every edge?
        let margin = self.margin;
        let fits = |m: f64| {
            let side = m * total;
            let qz = m * qz_modules;
            let inset = (margin - qz).max(edge);
            let centred = match place {
                QrPlace::Left => (h - side) / 2.0,
                QrPlace::Top => (w - side) / 2.0,
                QrPlace::BottomLeft => inset,
            };
            side <= available + 1e-9 && centred.min(inset) + qz >= safe - 1e-9
        };
        let (wanted, floor) = match self.opts.module {
            ModuleSize::Auto => {
                let floor = q.module_mm.max(super::SCAN_MODULE_MM);
                // Grow with the label, up to the template's largest module or half the
                // label's short side, whichever is bigger.
                let cap = q.max_module_mm.max(0.5 * w.min(h) / total).max(floor);
                let grown = (q.module_mm * self.k).clamp(floor, cap);
                // Grow only into space the QR has; never below the floor.
                let room = (available / total).max(floor);
                (grown.min(room), floor)
            }
            ModuleSize::Module(m) => (m, m),
            ModuleSize::Outer(side) => (side / total, side / total),
        };
        let module = match self.opts.dpi {
            Some(dpi) if dpi.is_finite() && dpi > 0.0 => {
                let dot = 25.4 / dpi;
                let up = (wanted / dot - 1e-6).ceil().max(1.0) * dot;
                let down = (wanted / dot + 1e-6).floor().max(1.0) * dot;
                // Whole dots, never below the floor: the nearer of the two when both
                // hold the floor and fit, else up (or down when up does not fit).
                let down_ok = down + 1e-9 >= floor && fits(down);
                if down_ok && (!fits(up) || wanted - down < up - wanted) {
                    down
                } else {
                    up
                }
            }
            _ => wanted,
        };
        if !fits(module) {
            return Err(LayoutError::QrDoesNotFit {
                template: self.template.name.clone(),
                size: self.size,
                modules: total as usize,
                min_module_mm: (module * 1000.0).round() / 1000.0,
                needed_mm: module * total,
                available_mm: available,
                suggestion: None,
            });
        }
        let side = module * total;
        let qz = module * qz_modules;
        // Line the dark modules up with the text margin where the quiet zone allows.
        let inset = (self.margin - qz).max(edge);
        let (mut x, mut y) = match place {
            QrPlace::Left => (inset, (h - side) / 2.0),
            QrPlace::BottomLeft => (inset, h - inset - side),
            QrPlace::Top => ((w - side) / 2.0, inset),
        };
        if let Some(dpi) = self.opts.dpi.filter(|d| d.is_finite() && *d > 0.0) {
            let dot = 25.4 / dpi;
            x = (x / dot).round() * dot;
            y = (y / dot).round() * dot;
        }
        Ok(QrItem {
            x_mm: x,
            y_mm: y,
            module_mm: module,
            quiet_zone: q.quiet_zone,
            modules: self.content.qr.clone(),
        })
    }

    fn attempt(&self, qr: &QrItem, t: f64, free_wrap: bool) -> Result<Frame, Fail> {
        let tpl = self.template;
        let (w, h, m) = (self.size.width_mm, self.size.height_mm, self.margin);
        let qr = qr.clone();
        let qr_rect = qr.rect();
        let qz = qr.module_mm * f64::from(qr.quiet_zone);
        let gap = tpl.qr.gap_mm * self.k;
        let mut items = Vec::new();
        if let Some(rect) = self.outline {
            items.push(Item::Outline {
                rect,
                radius_mm: tpl.radius_mm * self.k.min(1.5),
                stroke_mm: tpl.stroke_mm,
            });
        }
        let (main, side) = match self.place() {
            QrPlace::Left => {
                // Text starts at the QR's dark modules plus the gap, or the quiet zone's
                // edge, whichever is further: the quiet zone stays clear of text.
                let x = qr_rect.right() + gap;
                (RectMm::new(x, m, w - m - x, h - 2.0 * m), None)
            }
            QrPlace::Top => {
                let y = qr_rect.bottom() + gap;
                (RectMm::new(m, y, w - 2.0 * m, h - m - y), None)
            }
            QrPlace::BottomLeft => {
                // Band separation: a rule halfway between the main text and the quiet zone.
                let sep = (2.4 * self.k).max(1.2);
                let main = RectMm::new(m, m, w - 2.0 * m, qr_rect.y - sep - m);
                if tpl.qr.rule_above {
                    items.push(Item::Fill(RectMm::new(
                        m,
                        qr_rect.y - sep / 2.0 - RULE_MM / 2.0,
                        w - 2.0 * m,
                        RULE_MM,
                    )));
                }
                let x = qr_rect.right() + gap;
                let side = RectMm::new(x, qr_rect.y + qz, w - m - x, qr.side_mm() - 2.0 * qz);
                (main, Some(side))
            }
        };
        // Words under a QR that moved to the top start right under it.
        let mut main_align = if self.place() != tpl.qr.place {
            Align::Top
        } else {
            tpl.main_align
        };
        let (main, float) = match self.place_logo(main, main_align) {
            Some((logo, flow)) => {
                items.push(logo);
                match flow {
                    Flow::Rest(rest) => (rest, None),
                    Flow::Float(f) => {
                        // Words flow around a logo in a top corner from the top down.
                        main_align = Align::Top;
                        (main, Some(f))
                    }
                }
            }
            None => (main, None),
        };
        for (area, rect, align) in [
            (Area::Main, Some(main), main_align),
            (Area::Side, side, tpl.side_align),
        ] {
            let blocks: Vec<(usize, &Block)> = self
                .blocks
                .iter()
                .enumerate()
                .filter(|(_, b)| b.block.area == area)
                .map(|(i, b)| (i, &b.block))
                .collect();
            if blocks.is_empty() {
                continue;
            }
            let Some(rect) = rect else {
                return Err(Fail::Text {
                    what: "the template".into(),
                    reason: "it has side text but its QR placement leaves no side area".into(),
                    over_mm: 0.0,
                });
            };
            if rect.w <= 0.0 || rect.h <= 0.0 {
                return Err(Fail::Text {
                    what: short(
                        &blocks
                            .first()
                            .map(|(i, _)| self.para_names(*i))
                            .unwrap_or_default(),
                    ),
                    reason: if self.opts.logo.is_some() && area == Area::Main {
                        "no room is left beside the QR and the logo".into()
                    } else {
                        "no room is left beside the QR".into()
                    },
                    over_mm: -rect.w.min(rect.h),
                });
            }
            let float = float.filter(|_| area == Area::Main);
            if blocks.iter().any(|(i, _)| self.blocks[*i].column.is_some()) {
                self.columns(&blocks, rect, float, t, free_wrap, &mut items)?;
            } else {
                self.stack(&blocks, rect, align, float, t, free_wrap, &mut items)?;
            }
        }
        items.push(Item::Qr(qr));
        Ok(Frame {
            width_mm: w,
            height_mm: h,
            title: self.content.frame_title(),
            lang: self.content.lang.clone(),
            background: self.opts.background,
            accent: self.opts.accent.clone(),
            items,
        })
    }

    /// Places the logo (when there is one) in the main text area `main`: fitted into
    /// the template's box at its own aspect ratio, scaled with the label. Returns the
    /// image item and what the words get: the rest of the area (a band above, a column
    /// beside), or the whole area with a corner to flow around.
    fn place_logo(&self, main: RectMm, align: Align) -> Option<(Item, Flow)> {
        let logo = self.opts.logo.as_ref()?;
        let spec = self.template.logo.as_ref()?;
        let (lw, lh) = logo.size();
        if !(lw > 0.0 && lh > 0.0 && main.w > 0.0 && main.h > 0.0) {
            return None;
        }
        let gap = spec.gap_mm * self.k;
        let (bw, bh) = (
            (spec.width_mm * self.k).min(main.w),
            (spec.height_mm * self.k).min(main.h),
        );
        let scale = (bw / lw).min(bh / lh);
        let (w, h) = (lw * scale, lh * scale);
        // A column's logo follows the words' vertical alignment.
        let column_y = match align {
            Align::Top => main.y,
            Align::Center => main.y + (main.h - h) / 2.0,
            Align::Bottom => main.bottom() - h,
        };
        let (rect, flow) = match spec.place {
            LogoPlace::Top => (
                RectMm::new(main.x + (main.w - w) / 2.0, main.y, w, h),
                Flow::Rest(RectMm::new(
                    main.x,
                    main.y + h + gap,
                    main.w,
                    main.h - h - gap,
                )),
            ),
            LogoPlace::Left => (
                RectMm::new(main.x, column_y, w, h),
                Flow::Rest(RectMm::new(
                    main.x + w + gap,
                    main.y,
                    main.w - w - gap,
                    main.h,
                )),
            ),
            LogoPlace::Right => (
                RectMm::new(main.right() - w, column_y, w, h),
                Flow::Rest(RectMm::new(main.x, main.y, main.w - w - gap, main.h)),
            ),
            LogoPlace::TopLeft => (
                RectMm::new(main.x, main.y, w, h),
                Flow::Float(Float {
                    beside: RectMm::new(main.x + w + gap, main.y, main.w - w - gap, main.h),
                    clear_y: main.y + h + gap,
                }),
            ),
            LogoPlace::TopRight => (
                RectMm::new(main.right() - w, main.y, w, h),
                Flow::Float(Float {
                    beside: RectMm::new(main.x, main.y, main.w - w - gap, main.h),
                    clear_y: main.y + h + gap,
                }),
            ),
        };
        Some((
            Item::Image {
                rect,
                logo: logo.clone(),
            },
            flow,
        ))
    }

    fn para_names(&self, block: usize) -> String {
        self.paras
            .get(block)
            .and_then(|p| p.first())
            .map(|p| p.name.clone())
            .unwrap_or_default()
    }

    /// Stacks the blocks of one area top to bottom inside `rect`, then aligns the stack.
    /// With a logo in a top corner (`float`, area aligned to the top), paragraphs that
    /// start beside it are set beside it or under it (see [`Float`]).
    #[allow(clippy::too_many_arguments)]
    fn stack(
        &self,
        blocks: &[(usize, &Block)],
        rect: RectMm,
        align: Align,
        float: Option<Float>,
        t: f64,
        free_wrap: bool,
        items: &mut Vec<Item>,
    ) -> Result<f64, Fail> {
        let lh_factor = self.template.line_height;
        let mut runs: Vec<TextRun> = Vec::new();
        // (y relative to rect.y, x, width) of each rule.
        let mut rules: Vec<(f64, f64, f64)> = Vec::new();
        // The column a paragraph starting at `y` (relative) may use beside the logo.
        let beside_at = |y: f64| float.filter(|f| rect.y + y < f.clear_y - 1e-9);
        let mut cursor = 0.0; // bottom of the last line's box, relative to rect.y
        let mut first = true;
        let mut first_over: Option<String> = None;
        for (bi, block) in blocks {
            let pref = block.size_pt * self.k;
            let size = (pref + (block.min_pt - pref) * t).max(block.min_pt);
            let scale = size / block.size_pt;
            let (ascent_em, descent_em) = self.metrics.get(*bi).copied().unwrap_or((0.0, 0.0));
            let ascent = ascent_em * size * MM_PER_PT;
            let descent = descent_em * size * MM_PER_PT;
            let lh = lh_factor * size * MM_PER_PT;
            let paras = self.paras.get(*bi).map(Vec::as_slice).unwrap_or(&[]);
            if paras.is_empty() {
                continue;
            }
            if !first {
                let space = block.space_before_mm * scale;
                if block.rule_before {
                    let y = cursor + space / 2.0;
                    let col = beside_at(y).map_or(rect, |f| f.beside);
                    rules.push((y, col.x, col.w));
                }
                cursor += space;
            }
            for (pi, para) in paras.iter().enumerate() {
                if pi > 0 {
                    cursor += block.para_gap_mm * scale;
                }
                let max_lines = if free_wrap {
                    None
                } else {
                    Some(block.max_lines)
                };
                let hyphenation = self.blocks.get(*bi).and_then(|b| b.hyphenation);
                let wrap_in = |width: f64| {
                    text::wrap(
                        &para.spans,
                        size,
                        width,
                        max_lines,
                        hyphenation,
                        &self.fonts,
                    )
                    .map_err(|e| match e {
                        WrapError::WordTooWide { word, over_mm } => Fail::Text {
                            what: para.name.clone(),
                            reason: format!(
                                "the word {word:?} is wider than its {width:.1} mm column"
                            ),
                            over_mm,
                        },
                        WrapError::TooManyLines { lines } => Fail::Text {
                            what: para.name.clone(),
                            reason: format!(
                                "it needs {lines} lines, the template allows {}",
                                block.max_lines
                            ),
                            over_mm: 0.0,
                        },
                    })
                };
                let height = |n: usize| ascent + descent + n.saturating_sub(1) as f64 * lh;
                let (col, lines) = match beside_at(cursor) {
                    None => (rect, wrap_in(rect.w)?),
                    Some(f) => {
                        // Beside the logo, or under it at full width: whichever ends
                        // higher (beside when equal).
                        let under = (f.clear_y - rect.y).max(cursor);
                        let full = wrap_in(rect.w);
                        let beside = if f.beside.w > 0.0 {
                            wrap_in(f.beside.w).ok()
                        } else {
                            None
                        };
                        match (beside, full) {
                            (Some(b), Ok(w))
                                if cursor + height(b.len()) > under + height(w.len()) + 1e-9 =>
                            {
                                cursor = under;
                                (rect, w)
                            }
                            (Some(b), _) => (f.beside, b),
                            (None, full) => {
                                cursor = under;
                                (rect, full?)
                            }
                        }
                    }
                };
                for (li, line) in lines.iter().enumerate() {
                    let baseline = if li == 0 {
                        cursor + ascent
                    } else {
                        cursor - descent + lh
                    };
                    for piece in &line.pieces {
                        runs.push(TextRun {
                            para: bi * 1000 + pi,
                            accent: block.is_accent(),
                            x_mm: col.x + piece.dx_mm,
                            baseline_mm: baseline,
                            weight: piece.weight,
                            font: piece.face.clone(),
                            size_pt: size,
                            text: piece.text.clone(),
                            width_mm: piece.width_mm,
                            ascent_mm: ascent,
                            descent_mm: descent,
                            region: col,
                        });
                    }
                    cursor = baseline + descent;
                }
                // Keep stacking past the bottom so the error reports the whole shortfall.
                if cursor > rect.h + 1e-9 && first_over.is_none() {
                    first_over = Some(para.name.clone());
                }
            }
            first = false;
        }
        if let Some(what) = first_over {
            return Err(Fail::Text {
                what,
                reason: format!(
                    "the text from here on runs past the bottom of its {:.1} mm high area",
                    rect.h
                ),
                over_mm: cursor - rect.h,
            });
        }
        let offset = match align {
            Align::Top => 0.0,
            Align::Center => (rect.h - cursor) / 2.0,
            Align::Bottom => rect.h - cursor,
        };
        for (y, x, w) in rules {
            items.push(Item::Fill(RectMm::new(
                x,
                rect.y + offset + y - RULE_MM / 2.0,
                w,
                RULE_MM,
            )));
        }
        for mut r in runs {
            r.baseline_mm += rect.y + offset;
            items.push(Item::Text(r));
        }
        Ok(cursor)
    }

    /// The main area of a label whose languages stand side by side: the blocks before
    /// the first language block across the full width at the top, one column per
    /// language below them (a thin rule between columns), and any other block across
    /// the full width at the bottom.
    fn columns(
        &self,
        blocks: &[(usize, &Block)],
        rect: RectMm,
        float: Option<Float>,
        t: f64,
        free_wrap: bool,
        items: &mut Vec<Item>,
    ) -> Result<(), Fail> {
        let column = |i: usize| self.blocks[i].column;
        let first = blocks
            .iter()
            .position(|(i, _)| column(*i).is_some())
            .unwrap_or(0);
        let (head, rest) = blocks.split_at(first);
        let tail: Vec<(usize, &Block)> = rest
            .iter()
            .filter(|(i, _)| column(*i).is_none())
            .copied()
            .collect();
        let gap = (2.0 * self.k).max(1.2);
        let mut top = if head.is_empty() {
            0.0
        } else {
            self.stack(head, rect, Align::Top, float, t, free_wrap, items)? + gap / 2.0
        };
        // The columns start under a logo in a top corner.
        if let Some(f) = float {
            top = top.max(f.clear_y - rect.y);
        }
        let bottom = if tail.is_empty() {
            0.0
        } else {
            self.stack(&tail, rect, Align::Bottom, None, t, free_wrap, items)? + gap / 2.0
        };
        let n = rest
            .iter()
            .filter_map(|(i, _)| column(*i))
            .max()
            .map_or(1, |m| m + 1);
        let width = (rect.w - gap * (n - 1) as f64) / n as f64;
        let height = rect.h - top - bottom;
        if height <= 0.0 || width <= 0.0 {
            return Err(Fail::Text {
                what: short(&self.para_names(rest.first().map_or(0, |(i, _)| *i))),
                reason: "no room is left for the language columns".into(),
                over_mm: -height.min(width),
            });
        }
        let mut tallest = 0.0f64;
        for c in 0..n {
            let col: Vec<(usize, &Block)> = rest
                .iter()
                .filter(|(i, _)| column(*i) == Some(c))
                .copied()
                .collect();
            let r = RectMm::new(
                rect.x + c as f64 * (width + gap),
                rect.y + top,
                width,
                height,
            );
            tallest = tallest.max(self.stack(&col, r, Align::Top, None, t, free_wrap, items)?);
        }
        for c in 1..n {
            let x = rect.x + c as f64 * (width + gap) - gap / 2.0 - RULE_MM / 2.0;
            items.push(Item::Fill(RectMm::new(x, rect.y + top, RULE_MM, tallest)));
        }
        Ok(())
    }
}
