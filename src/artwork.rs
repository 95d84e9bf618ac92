//! Making one label: the single library call behind `iotlabel label`, each cell of a
//! `sheet`, and any Rust program (signed input → QR symbol → layout).
//!
//! Why one function: the policies that make a label scannable in a shop — the module
//! size floor, the error-correction fallback, the fixed default size — must be the same
//! wherever a label is made, so they live here and nowhere else.
//!
//! - **Module size.** The QR's module is decided before the words
//!   ([`crate::layout::LabelOptions::module`]). A module below
//!   [`SCAN_MODULE_MM`](crate::layout::SCAN_MODULE_MM) is allowed with a warning (phones
//!   may not read it at arm's length); below
//!   [`HARD_MIN_MODULE_MM`](crate::layout::HARD_MIN_MODULE_MM) only with `force`.
//! - **Error correction.** With [`EcChoice::Auto`] the symbol is encoded at level M and,
//!   when the label does not fit at M, at level L (a smaller symbol at the same module
//!   size) — a lower level is preferred to a smaller module, which phones cannot read.
//!   An explicit level is kept or refused.
//! - **Size.** [`SizeChoice::Default`] is the template's fixed size, the same for every
//!   product and language (one dieline per product range); [`SizeChoice::Auto`] grows
//!   it to the nearest size that fits; [`SizeChoice::Exact`] is strict.
//!
//! Entry point: [`make_label`].

use crate::layout::{
    self, Frame, HARD_MIN_MODULE_MM, LabelContent, LabelOptions, LayoutError, ModuleSize,
    QrModules, SCAN_MODULE_MM, SizeMm, Template,
};
use crate::qr::{self, EcLevel, QrSymbol};
use crate::source::{Signed, SourceError};

/// Which error-correction level to encode the QR with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EcChoice {
    /// M, or L when the label does not fit at M.
    #[default]
    Auto,
    /// Exactly this level.
    Level(EcLevel),
}

impl EcChoice {
    /// The levels to try, in order.
    pub fn candidates(self) -> Vec<EcLevel> {
        match self {
            EcChoice::Auto => vec![EcLevel::M, EcLevel::L],
            EcChoice::Level(l) => vec![l],
        }
    }
}

/// Which size to lay the label out at.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum SizeChoice {
    /// The template's fixed default size.
    #[default]
    Default,
    /// The template's default, grown to the nearest size that fits (`--size auto`).
    Auto,
    /// Exactly this size.
    Exact(SizeMm),
}

impl std::str::FromStr for SizeChoice {
    type Err = layout::SizeError;
    /// `auto`, or a size such as `50x70mm`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(SizeChoice::Auto);
        }
        s.parse().map(SizeChoice::Exact)
    }
}

/// Everything that decides how a label is made, beyond the signed input.
#[derive(Debug, Clone)]
pub struct LabelSpec {
    pub template: Template,
    pub size: SizeChoice,
    /// Language of the words (a catalogue code such as `en`), or several separated by
    /// commas (`en,fr`): one label in all of them, as the template's `languages` says.
    pub lang: String,
    pub ec: EcChoice,
    pub layout: LabelOptions,
    /// Allow a module below [`HARD_MIN_MODULE_MM`].
    pub force: bool,
}

/// A laid-out label, with what was decided on the way.
#[derive(Debug, Clone)]
pub struct MadeLabel {
    pub frame: Frame,
    pub symbol: QrSymbol,
    /// The size used (the default, grown, or the one asked for).
    pub size: SizeMm,
    /// Things the user should read: a module below the scan floor, a lowered EC
    /// level, a grown size.
    pub notes: Vec<String>,
}

/// Why a label could not be made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ArtworkError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Layout(Box<LayoutError>),
    #[error("cannot encode the link as a QR code: {0}")]
    Qr(#[from] qr::QrError),
    #[error(
        "a QR module of {module_mm:.3} mm is below {HARD_MIN_MODULE_MM} mm; phones fail to read it even close up"
    )]
    #[diagnostic(help(
        "use --module {SCAN_MODULE_MM}mm or larger (or --force to print it anyway)"
    ))]
    ModuleTooSmall { module_mm: f64 },
    #[error("{what} must be a positive length, not {value}")]
    BadLength { what: &'static str, value: f64 },
    #[error(transparent)]
    #[diagnostic(transparent)]
    FontFile(#[from] crate::fsutil::ReadError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Font(#[from] layout::FontError),
}

impl From<LayoutError> for ArtworkError {
    fn from(e: LayoutError) -> Self {
        ArtworkError::Layout(Box::new(e))
    }
}

/// Reads and checks the user's faces for `--font REGULAR[,BOLD]` (see
/// [`layout::font::load_user_face`]): both files through [`crate::fsutil::read_input`],
/// every error naming its file. Without a bold file the regular face sets bold text.
pub fn load_user_fonts(
    regular: &std::path::Path,
    bold: Option<&std::path::Path>,
) -> Result<layout::UserFonts, ArtworkError> {
    let load = |path: &std::path::Path| -> Result<layout::FaceRef, ArtworkError> {
        let bytes = crate::fsutil::read_input(path, crate::fsutil::Input::Font)?;
        Ok(layout::font::load_user_face(
            &path.display().to_string(),
            bytes,
        )?)
    };
    Ok(layout::UserFonts {
        regular: load(regular)?,
        bold: bold.map(load).transpose()?,
    })
}

/// Parses the value of `--font`: `REGULAR` or `REGULAR,BOLD` (two paths separated by a
/// comma; a path that contains a comma cannot be given).
pub fn parse_font_arg(
    value: &str,
) -> Result<(std::path::PathBuf, Option<std::path::PathBuf>), String> {
    let parts: Vec<&str> = value.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [r] if !r.is_empty() => Ok((r.into(), None)),
        [r, b] if !r.is_empty() && !b.is_empty() => Ok((r.into(), Some(b.into()))),
        _ => Err(format!(
            "--font {value:?}: expected REGULAR or REGULAR,BOLD (one or two font files separated by a comma), e.g. Brand-Regular.ttf,Brand-Bold.ttf"
        )),
    }
}

/// Checks an explicit module size (or outer size, for a symbol of `modules` modules
/// with its quiet zone) against the scan rules: a warning below the scan floor, an
/// error below the hard floor unless `force`.
pub fn check_module(
    module: ModuleSize,
    modules_with_quiet_zone: usize,
    force: bool,
) -> Result<Option<String>, ArtworkError> {
    let (mm, what) = match module {
        ModuleSize::Auto => return Ok(None),
        ModuleSize::Module(m) => (m, "--module"),
        ModuleSize::Outer(side) => (side / modules_with_quiet_zone as f64, "--qr-size"),
    };
    let raw = match module {
        ModuleSize::Outer(side) => side,
        _ => mm,
    };
    if !raw.is_finite() || raw <= 0.0 {
        return Err(ArtworkError::BadLength { what, value: raw });
    }
    if mm + 1e-9 < HARD_MIN_MODULE_MM && !force {
        return Err(ArtworkError::ModuleTooSmall { module_mm: mm });
    }
    Ok((mm + 1e-9 < SCAN_MODULE_MM).then(|| {
        format!(
            "warning: QR modules of {mm:.3} mm are below {SCAN_MODULE_MM} mm; phones may not read the label at arm's length"
        )
    }))
}

/// Lays out one label's content trying each EC level of `ec` in turn (see the module
/// docs). `encode(level)` makes the QR modules for a level; returns the frame and the
/// level used. Used by [`make_label`] and by sheets, which cache layouts.
pub fn lay_out<F>(
    template: &Template,
    size: SizeChoice,
    opts: &LabelOptions,
    ec: EcChoice,
    mut content: F,
) -> Result<(Frame, EcLevel, SizeMm), ArtworkError>
where
    F: FnMut(EcLevel) -> Result<LabelContent, ArtworkError>,
{
    let levels = ec.candidates();
    let mut first_err = None;
    for (i, level) in levels.iter().enumerate() {
        let c = content(*level)?;
        let base = match size {
            SizeChoice::Exact(s) => s,
            _ => template.default_size(),
        };
        match layout::label_with(&c, template, Some(base), opts) {
            Ok(frame) => return Ok((frame, *level, base)),
            Err(e) => {
                let last = i + 1 == levels.len();
                if last && size == SizeChoice::Auto {
                    // Grow the size at the first (preferred) level's suggestion.
                    let suggestion = match first_err.as_ref().unwrap_or(&e) {
                        LayoutError::DoesNotFit { suggestion, .. }
                        | LayoutError::QrDoesNotFit { suggestion, .. } => *suggestion,
                        _ => None,
                    };
                    if let Some(s) = suggestion {
                        let c = content(levels[0])?;
                        let frame = layout::label_with(&c, template, Some(s), opts)?;
                        return Ok((frame, levels[0], s));
                    }
                }
                if last {
                    return Err(first_err.unwrap_or(e).into());
                }
                first_err.get_or_insert(e);
            }
        }
    }
    Err(LayoutError::TooSmall {
        template: template.name.clone(),
        size: template.default_size(),
        min: template.default_size(),
    }
    .into())
}

/// Makes one label from a signed input (entry point): encodes the link, lays out the
/// words of the decoded payload in `spec.lang` around the QR, and reports what it
/// decided.
pub fn make_label(signed: &Signed, spec: &LabelSpec) -> Result<MadeLabel, ArtworkError> {
    let link = signed.link()?;
    let summaries = crate::summary::Catalogue::for_langs(&spec.lang)
        .map_err(SourceError::from)?
        .iter()
        .map(|c| crate::summary::summarize(&signed.facts, c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(SourceError::from)?;
    let short_url = signed.short_url().unwrap_or_else(|| {
        link.split_once("://")
            .map_or(link.as_str(), |(_, r)| r)
            .split('#')
            .next()
            .unwrap_or("")
            .to_string()
    });
    let mut notes = Vec::new();
    let mut symbols: Vec<QrSymbol> = Vec::new();
    let (frame, level, size) =
        lay_out(&spec.template, spec.size, &spec.layout, spec.ec, |level| {
            let symbol = qr::encode(&link, level, None)?;
            let total = symbol.width + 2 * spec.template.qr.quiet_zone as usize;
            if let Some(w) = check_module(spec.layout.module, total, spec.force)?
                && !notes.contains(&w)
            {
                notes.push(w);
            }
            let content = LabelContent::from_summaries(
                &summaries,
                QrModules::from_symbol(&symbol),
                &short_url,
            )
            // `for_langs` never gives an empty list; say so plainly if it ever did.
            .ok_or_else(|| {
                SourceError::from(crate::summary::CatalogueError::UnknownLanguage {
                    lang: spec.lang.clone(),
                    available: crate::summary::Catalogue::languages().join(", "),
                })
            })?;
            symbols.push(symbol);
            Ok(content)
        })?;
    let symbol = symbols
        .into_iter()
        .rev()
        .find(|s| s.ec == level)
        .ok_or_else(|| ArtworkError::Qr(qr::QrError::Encoder("no symbol was encoded".into())))?;
    if spec.ec == EcChoice::Auto && level != EcLevel::M {
        notes.push(format!(
            "note: error correction {level} (version {}) so that the QR keeps its module size on a {} label; pass --ec M and a larger --size for more damage tolerance",
            symbol.version, size
        ));
    }
    if spec.size == SizeChoice::Auto && size != spec.template.default_size() {
        notes.push(format!(
            "note: the text does not fit the default {} size {}; using {size}",
            spec.template.name,
            spec.template.default_size()
        ));
    }
    Ok(MadeLabel {
        frame,
        symbol,
        size,
        notes,
    })
}
