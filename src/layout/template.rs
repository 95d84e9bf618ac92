//! Label templates as data: one TOML file each in `assets/templates/`, compiled in.
//!
//! A template names its default size, margins, frame, where the QR goes and how big it
//! may be, and a list of text blocks. A block's `text` is a small pattern over the
//! summary's words (`{headline}`, `{support}`, `{url}`, `{ui.more}` …, `**bold**`), so a
//! new template or a reworded line is a data change, not a code change. Fitting rules
//! (shrink to `min_pt`, then wrap, else a clear error) live in the layout code and apply
//! to every template alike.

use serde::Deserialize;

/// The shipped templates, in the order `iotlabel templates` lists them.
const SOURCES: &[(&str, &str)] = &[
    ("panel", include_str!("../../assets/templates/panel.toml")),
    (
        "compact",
        include_str!("../../assets/templates/compact.toml"),
    ),
    ("strip", include_str!("../../assets/templates/strip.toml")),
    ("square", include_str!("../../assets/templates/square.toml")),
];

/// Smallest body text we ever set, in points (legibility floor for packaging).
pub const MIN_BODY_PT: f64 = 6.0;

/// A label template (see the files in `assets/templates/`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub name: String,
    /// One line for `iotlabel templates`.
    pub description: String,
    /// Default size in mm.
    pub width_mm: f64,
    pub height_mm: f64,
    /// Text margin inside the frame edge at the default size.
    pub margin_mm: f64,
    /// Frame outline: stroke width and corner radius.
    pub stroke_mm: f64,
    pub radius_mm: f64,
    /// Baseline-to-baseline distance as a multiple of the font size.
    #[serde(default = "default_line_height")]
    pub line_height: f64,
    pub qr: QrSpec,
    /// Draw the label's outline on a single label by default (sheets on die-cut stock
    /// leave it out unless asked).
    #[serde(default = "yes")]
    pub outline: bool,
    /// Vertical alignment of the text areas.
    #[serde(default)]
    pub main_align: Align,
    #[serde(default)]
    pub side_align: Align,
    /// How a label in several languages (`--lang en,fr`) sets them: one after the
    /// other (`stack`) or side by side (`columns`). See [`Languages`].
    #[serde(default)]
    pub languages: Languages,
    /// Where a brand logo goes (`--logo`); a template without it takes no logo. Without
    /// a logo the region takes no space.
    #[serde(default)]
    pub logo: Option<LogoSpec>,
    #[serde(rename = "block")]
    pub blocks: Vec<Block>,
}

/// How the words of several languages share a label. Blocks that show words of the
/// language (`{headline}`, `{support}`, `{standards}`, `{ui.…}`, statements) are set
/// once per language; blocks that do not (`{manufacturer}`, `{model}`, `{url}`) once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Languages {
    /// Each run of language blocks repeated for every language, one after the other,
    /// with a thin rule between languages in the main area.
    #[default]
    Stack,
    /// The main area's language blocks side by side, one column per language, under
    /// the blocks that come before them (the side area stacks).
    Columns,
}

fn default_line_height() -> f64 {
    1.2
}

fn yes() -> bool {
    true
}

fn scan_module() -> f64 {
    super::SCAN_MODULE_MM
}

fn max_module() -> f64 {
    super::MAX_AUTO_MODULE_MM
}

/// Where the QR goes and how big it is. The QR is placed first, at its module size,
/// and never shrunk for text: the words are laid out in the space that remains.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrSpec {
    pub place: QrPlace,
    /// Module size at the template's default size (at least the scan floor,
    /// [`super::SCAN_MODULE_MM`]). On a larger label the module grows in proportion, up
    /// to `max_module_mm`.
    #[serde(default = "scan_module")]
    pub module_mm: f64,
    /// Largest module the QR grows to on a large label.
    #[serde(default = "max_module")]
    pub max_module_mm: f64,
    pub quiet_zone: u32,
    /// Space between the QR's quiet zone and text.
    pub gap_mm: f64,
    /// Draw a thin rule between the main text and the QR band (`bottom-left` only).
    #[serde(default)]
    pub rule_above: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QrPlace {
    /// QR in the bottom-left corner; `main` text above it, `side` text to its right.
    BottomLeft,
    /// QR at the left edge, vertically centred; `main` text to its right.
    Left,
    /// QR at the top, horizontally centred; `main` text below it (square labels).
    Top,
}

/// The logo region: the largest box the logo may fill, and where it sits in the main
/// text area. The logo is fitted inside the box at its own aspect ratio (never
/// stretched) and the words keep `gap_mm` clear of it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogoSpec {
    pub place: LogoPlace,
    /// The largest box, in mm at the template's default size (scaled with the label,
    /// like the margins).
    pub width_mm: f64,
    pub height_mm: f64,
    /// Space between the logo and the words.
    #[serde(default = "default_logo_gap")]
    pub gap_mm: f64,
}

fn default_logo_gap() -> f64 {
    1.0
}

/// Where the logo sits in the main text area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogoPlace {
    /// In the top-left corner; the words beside it flow around it.
    TopLeft,
    /// In the top-right corner; the words beside it flow around it.
    TopRight,
    /// Centred above the words.
    Top,
    /// A column at the left of the words.
    Left,
    /// A column at the right of the words.
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Align {
    #[default]
    Top,
    Center,
    Bottom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    #[default]
    Main,
    Side,
}

/// One text block: a paragraph, or one paragraph per statement (`each = "statement"`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Block {
    #[serde(default)]
    pub area: Area,
    /// Pattern: `{manufacturer} {model} {headline} {support} {standards} {url} {lang}
    /// {ui.title} {ui.declaration} {ui.scan} {ui.more}`, and for `each = "statement"`
    /// also `{label} {text}`. `**…**` is bold.
    pub text: String,
    #[serde(default)]
    pub each: Option<Each>,
    /// Preferred size at the default label size, and the floor it may shrink to.
    pub size_pt: f64,
    pub min_pt: f64,
    /// Lines a paragraph may take before we shrink further; past `min_pt` it may wrap
    /// to any number of lines.
    #[serde(default = "one")]
    pub max_lines: usize,
    /// Space above the block (mm at the default size).
    #[serde(default)]
    pub space_before_mm: f64,
    /// Space between repeated paragraphs (`each`).
    #[serde(default)]
    pub para_gap_mm: f64,
    /// Draw a thin rule in the middle of `space_before_mm`.
    #[serde(default)]
    pub rule_before: bool,
    /// Set in the brand colour (`--color`). Default: blocks that show `{headline}`.
    #[serde(default)]
    pub accent: Option<bool>,
    /// With `each = "statement"`: only the statements of these NTIA elements ("A.2",
    /// "A.3", "B.1", "B.2", "B.3"), in the summary's order. Default: all of them.
    #[serde(default)]
    pub elements: Option<Vec<String>>,
}

impl Block {
    /// Whether the block shows words of the label's language (and so is set once per
    /// language on a label in several languages).
    pub fn is_language(&self) -> bool {
        self.each.is_some()
            || [
                "{headline}",
                "{support}",
                "{standards}",
                "{lang}",
                "{ui.",
                "{label}",
                "{text}",
            ]
            .iter()
            .any(|f| self.text.contains(f))
    }

    /// Whether the block is set in the brand colour.
    pub fn is_accent(&self) -> bool {
        self.accent
            .unwrap_or_else(|| self.text.contains("{headline}"))
    }

    /// The statements this block prints, in order.
    pub(crate) fn statements<'c>(
        &self,
        content: &'c super::LabelContent,
    ) -> impl Iterator<Item = &'c (String, String)> + 'c {
        let only = self.elements.clone();
        content
            .statements
            .iter()
            .zip(
                content
                    .statement_elements
                    .iter()
                    .map(Some)
                    .chain(std::iter::repeat(None)),
            )
            .filter(move |(_, e)| {
                only.as_ref()
                    .is_none_or(|o| e.is_some_and(|e| o.contains(e)))
            })
            .map(|(s, _)| s)
    }
}

/// The NTIA elements a statement block may name.
const ELEMENTS: [&str; 5] = ["A.2", "A.3", "B.1", "B.2", "B.3"];

fn one() -> usize {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Each {
    Statement,
}

/// A template name that is not shipped, or a template file that is malformed.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum TemplateError {
    #[error("unknown template {name:?}; available: {available}")]
    #[diagnostic(help("run `iotlabel templates` to see them with their default sizes"))]
    Unknown { name: String, available: String },
    #[error("template {name} is malformed: {reason}")]
    #[diagnostic(help(
        "the template format is in docs/labels.md; `iotlabel templates` lists the shipped ones, whose files in assets/templates/ are complete examples"
    ))]
    Invalid { name: String, reason: String },
    /// The template file could not be read (missing, a directory, too large, not UTF-8).
    #[error("{0}")]
    File(String),
}

impl Template {
    /// Every shipped template.
    pub fn all() -> Result<Vec<Template>, TemplateError> {
        SOURCES.iter().map(|(name, src)| parse(name, src)).collect()
    }

    /// The shipped template called `name`.
    pub fn by_name(name: &str) -> Result<Template, TemplateError> {
        match SOURCES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
        {
            Some((n, src)) => parse(n, src),
            None => Err(TemplateError::Unknown {
                name: name.to_string(),
                available: SOURCES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// A user's template file (`--template ./mine.toml`), read and checked exactly as
    /// the shipped ones are. Errors name the file, the field and the line.
    pub fn from_file(path: &std::path::Path) -> Result<Template, TemplateError> {
        let text = crate::fsutil::read_input_text(path, crate::fsutil::Input::Config)
            .map_err(|e| TemplateError::File(e.to_string()))?;
        parse(&path.display().to_string(), &text)
    }

    /// A shipped template by name, or a template file when `name_or_path` looks like a
    /// path (it has a `/` or ends in `.toml`).
    pub fn resolve(name_or_path: &str) -> Result<Template, TemplateError> {
        let looks_like_path = name_or_path.contains('/')
            || name_or_path.contains('\\')
            || name_or_path.to_ascii_lowercase().ends_with(".toml");
        if looks_like_path {
            Template::from_file(std::path::Path::new(name_or_path))
        } else {
            Template::by_name(name_or_path)
        }
    }

    /// Names of the shipped templates.
    pub fn names() -> Vec<&'static str> {
        SOURCES.iter().map(|(n, _)| *n).collect()
    }

    /// Names of the shipped templates that have a logo region.
    pub fn names_with_logo() -> Vec<String> {
        Template::all()
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t.logo.is_some())
            .map(|t| t.name)
            .collect()
    }

    /// The default size.
    pub fn default_size(&self) -> super::SizeMm {
        super::SizeMm {
            width_mm: self.width_mm,
            height_mm: self.height_mm,
        }
    }
}

fn parse(name: &str, src: &str) -> Result<Template, TemplateError> {
    let invalid = |reason: String| TemplateError::Invalid {
        name: name.to_string(),
        reason,
    };
    let t: Template = toml::from_str(src).map_err(|e| invalid(e.to_string()))?;
    let q = &t.qr;
    let positive = [
        t.width_mm,
        t.height_mm,
        t.margin_mm,
        t.stroke_mm,
        t.line_height,
        q.module_mm,
        q.max_module_mm,
    ];
    if positive.iter().any(|v| !v.is_finite() || *v <= 0.0) {
        return Err(invalid(
            "sizes, margins, stroke, line height and QR sizes must be positive".into(),
        ));
    }
    // DejaVu Sans' ascent + descent is 1.164 em: tighter leading would let lines touch.
    if t.line_height < 1.17 {
        return Err(invalid(format!(
            "line_height {} is below 1.17; lines would touch",
            t.line_height
        )));
    }
    if q.module_mm < super::SCAN_MODULE_MM - 1e-9
        || q.module_mm > q.max_module_mm
        || q.quiet_zone < 4
    {
        return Err(invalid(format!(
            "QR needs {} mm ≤ module_mm ≤ max_module_mm and a quiet zone of at least 4",
            super::SCAN_MODULE_MM
        )));
    }
    if let Some(l) = &t.logo
        && !([l.width_mm, l.height_mm]
            .iter()
            .all(|v| v.is_finite() && *v > 0.0)
            && l.gap_mm.is_finite()
            && l.gap_mm >= 0.0
            && l.width_mm <= t.width_mm
            && l.height_mm <= t.height_mm)
    {
        return Err(invalid(format!(
            "[logo] needs width_mm and height_mm greater than 0 and at most the label's {} × {} mm, and gap_mm of 0 or more",
            t.width_mm, t.height_mm
        )));
    }
    if t.name.trim().is_empty() || t.blocks.is_empty() {
        return Err(invalid(
            "`name` must not be empty and a template needs at least one [[block]]".into(),
        ));
    }
    for b in &t.blocks {
        if let Some(unknown) = b
            .elements
            .iter()
            .flatten()
            .find(|e| !ELEMENTS.contains(&e.as_str()))
        {
            return Err(invalid(format!(
                "block {:?}: `elements` has {unknown:?}; expected some of {}",
                b.text,
                ELEMENTS.join(", ")
            )));
        }
        if b.elements.is_some() && b.each.is_none() {
            return Err(invalid(format!(
                "block {:?}: `elements` needs `each = \"statement\"`",
                b.text
            )));
        }
        if b.min_pt < MIN_BODY_PT || b.size_pt < b.min_pt || b.max_lines == 0 {
            return Err(invalid(format!(
                "block {:?}: need {MIN_BODY_PT} pt ≤ min_pt ≤ size_pt and max_lines ≥ 1",
                b.text
            )));
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_templates_parse_with_legible_minimums() {
        let all = Template::all().unwrap();
        assert_eq!(
            all.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            Template::names()
        );
        for t in all {
            assert!(t.blocks.iter().all(|b| b.min_pt >= MIN_BODY_PT));
            assert!(t.qr.module_mm >= crate::layout::SCAN_MODULE_MM && t.qr.quiet_zone >= 4);
        }
    }

    #[test]
    fn unknown_template_lists_the_choices() {
        let e = Template::by_name("poster").unwrap_err();
        assert!(
            e.to_string().contains("panel, compact, strip, square"),
            "{e}"
        );
    }
}
