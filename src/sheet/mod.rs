//! Label sheets for print shops: a batch of products (CSV/JSONL) imposed onto real
//! label stock (Avery sheets, thermal rolls) as print-ready PDF.
//!
//! Why it is built the way it is:
//! - **Safety first.** Every row is read, validated, signed and laid out before the
//!   first page is written, and all problems are reported at once with row number and
//!   field. Files appear only when complete (`crate::fsutil`).
//! - **One layout model.** Each label is the very [`Frame`] the single-label command
//!   makes; the sheet only places frames into cells ([`impose`]).
//! - **Fast and bounded.** Signing, QR encoding and layout run in parallel (rayon) on
//!   chunks of pages while the previous chunk is drawn; nothing holds all labels at once.
//!   Layouts are cached by [`crate::layout::layout_key`] (labels that print the same
//!   words share a layout and only the QR matrix is swapped, which the layout does not
//!   depend on beyond its width).
//!   Identical input gives byte-identical output.
//!
//! Entry point: [`run`] with a [`SheetJob`].

pub mod batch;
pub mod impose;
pub mod operator;
pub mod progress;
pub mod report;
pub mod stock;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

pub use batch::{Prepared, RowProblem};
pub use impose::Marks;
pub use operator::OperatorOptions;
pub use report::JobReport;
pub use stock::{Geometry, Stock, StockError, StockKind};

use crate::artwork::EcChoice;
use crate::declaration::CheckOptions;
use crate::layout::{
    Frame, Item, LabelContent, LabelOptions, LayoutError, ModuleSize, QrModules, SizeMm, Template,
    TemplateError,
};
use crate::link::{self, PayloadForm};
use crate::qr::EcLevel;
use crate::render::RenderError;
use crate::render::pdf::{Ink, PdfWriter};
use crate::render::press::{CutShape, PdfStandard};
use crate::render::zpl::PrinterDpi;
use crate::summary::{Catalogue, CatalogueError, summarize};

/// Labels laid out per parallel chunk: enough to keep both cores busy, small enough
/// that memory does not grow with the job.
const CHUNK_LABELS: usize = 600;
/// Most distinct layouts kept for reuse (each is a few KB).
const LAYOUT_CACHE: usize = 4096;
/// Most labels in one output file. A PDF is assembled in memory until it is finished
/// (about 2 KB a label, and more while it is being written), so a bigger job must be
/// split with `--pages-per-file`, which keeps memory flat for any quantity.
pub const MAX_LABELS_PER_FILE: usize = 50_000;

/// Everything a sheet job needs.
#[derive(Debug, Clone)]
pub struct SheetJob {
    pub batch: PathBuf,
    pub stock: Stock,
    /// Private key for rows that are declarations.
    pub key: Option<PathBuf>,
    pub base_url: Option<String>,
    /// Default template and language (rows may override).
    pub template: String,
    pub lang: String,
    /// 1-based cell on the first sheet where printing starts.
    pub start_at: usize,
    pub marks: Marks,
    /// Split the output into files of this many pages (`out-001.pdf`, …).
    pub pages_per_file: Option<usize>,
    /// Skip bad rows (and write a report) instead of refusing the job.
    pub keep_going: bool,
    pub ink: Ink,
    pub output: PathBuf,
    /// How rows that are already signed (links, .cose) are checked before printing.
    pub signed_inputs: crate::verify::ArtworkPolicy,
    /// Write the first product record of every label this job signs (`--records`),
    /// after the sheets are in place.
    pub records: Option<crate::record::BatchRecords>,
    /// Replace existing output files of another kind (never an input or a private key),
    /// and allow QR modules below 0.25 mm.
    pub force: bool,
    /// QR module size (`--module`, `--qr-size`; default: the template's, at least the
    /// scan floor).
    pub module: ModuleSize,
    /// Error-correction level (default: M, or L where a cell cannot hold M).
    pub ec: EcChoice,
    /// Draw each label's outline: `None` follows the stock (off on die-cut stock).
    pub outline: Option<bool>,
    /// Let `cose`/`declaration` cells name files outside the batch file's directory.
    pub allow_paths_outside: bool,
    /// The COSE algorithm id of rows signed now.
    pub alg: crate::envelope::Alg,
    /// Job report, slug, proof page, feed offset and serials.
    pub operator: OperatorOptions,
    /// Press output: PDF standard, cut path, thermal printer resolution.
    pub press: PressOptions,
    /// Brand colour of the headline and rules (`--color`).
    pub color: Option<crate::layout::Accent>,
    /// A brand logo for every label (`--logo`), read once for the whole job.
    pub logo: Option<PathBuf>,
    /// The user's faces (`--font`, loaded with [`crate::artwork::load_user_fonts`]).
    pub fonts: Option<crate::layout::UserFonts>,
}

/// How the output is finished for a press, a cutter or a thermal printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PressOptions {
    /// PDF/X-4, PDF/A-2b or plain PDF.
    pub pdf_standard: PdfStandard,
    /// Add the stock's die line as a `CutContour` spot colour on a "Cut" layer.
    pub cut_path: bool,
    /// ZPL output (`-o x.zpl`): the printer's resolution.
    pub printer_dpi: PrinterDpi,
}

/// Does the job write ZPL (its output ends in `.zpl`) rather than PDF?
pub fn writes_zpl(output: &Path) -> bool {
    output
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("zpl"))
}

impl SheetJob {
    /// A job with the command line's defaults (the `compact` template in English from the
    /// first cell, 100 % K, no marks, no key, nothing forced); set the rest with struct
    /// update syntax: `SheetJob { key: Some(k), ..SheetJob::new(batch, stock, out) }`.
    pub fn new(batch: PathBuf, stock: Stock, output: PathBuf) -> SheetJob {
        SheetJob {
            batch,
            stock,
            key: None,
            base_url: None,
            template: "compact".into(),
            lang: "en".into(),
            start_at: 1,
            marks: Marks::default(),
            pages_per_file: None,
            keep_going: false,
            ink: Ink::Cmyk,
            output,
            signed_inputs: Default::default(),
            records: None,
            force: false,
            module: ModuleSize::Auto,
            ec: EcChoice::Auto,
            outline: None,
            allow_paths_outside: false,
            alg: Default::default(),
            operator: OperatorOptions::default(),
            press: PressOptions::default(),
            color: None,
            logo: None,
            fonts: None,
        }
    }
}

/// What a finished job did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SheetReport {
    pub files: Vec<PathBuf>,
    pub rows: usize,
    pub labels: usize,
    pub pages: usize,
    pub skipped_rows: usize,
    pub skipped_report: Option<PathBuf>,
    /// Distinct label layouts computed.
    pub layouts: usize,
    /// Product records written (`--records`).
    pub records: usize,
    /// Rows printed at error-correction level L because M did not fit the cell.
    pub ec_lowered_rows: usize,
    /// What was printed, for the operator (also written by `--report`).
    pub job: JobReport,
}

/// Progress callbacks (the CLI shows a bar on a terminal; tests pass [`NoProgress`]).
pub trait Progress: Sync {
    /// A new phase with its total units (rows or labels).
    fn phase(&self, name: &str, total: Option<u64>);
    /// Units done so far in the current phase.
    fn done(&self, n: u64);
    /// Something the operator should read (a warning about the key, a note).
    fn note(&self, text: &str) {
        eprintln!("{text}");
    }
}

/// Progress that shows nothing.
pub struct NoProgress;
impl Progress for NoProgress {
    fn phase(&self, _: &str, _: Option<u64>) {}
    fn done(&self, _: u64) {}
}

/// Why a sheet job failed. Nothing is written when it does.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SheetError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Records(#[from] crate::record::PublishError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Stock(#[from] StockError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Language(#[from] CatalogueError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Batch(#[from] batch::BatchError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Key(#[from] crate::keys::KeyError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Logo(#[from] crate::logo::LogoError),
    /// `--logo` with a template that has no place for it.
    #[error(transparent)]
    #[diagnostic(transparent)]
    NoLogoRegion(Box<LayoutError>),
    #[error(
        "the {template} template does not fit the {width:.1}×{height:.1} mm labels of stock {stock}: {reason}"
    )]
    #[diagnostic(help(
        "stocks that hold a {template} label with a QR phones read at arm's length: {}; or choose another template (iotlabel templates)",
        if fits_on.is_empty() { "none in the catalogue".to_string() } else { fits_on.join(", ") }
    ))]
    DoesNotFit {
        /// Catalogue stocks on which this template fits with the same options.
        fits_on: Vec<String>,
        template: String,
        stock: String,
        width: f64,
        height: f64,
        reason: Box<LayoutError>,
    },
    #[error(
        "{} of {rows} rows in {batch} cannot be printed; nothing was written:\n{}",
        bad_rows,
        batch::list_problems(problems)
    )]
    #[diagnostic(help(
        "fix the rows listed, or pass --keep-going to skip them and get a report of what was skipped"
    ))]
    Rows {
        batch: String,
        rows: usize,
        bad_rows: usize,
        problems: Vec<RowProblem>,
    },
    #[error("{batch} has no printable rows")]
    Empty { batch: String },
    #[error(
        "--start-at {start_at} is outside the sheet: stock {stock} has {per_page} labels per page"
    )]
    #[diagnostic(help("positions count from 1 at the top left, row by row"))]
    StartAt {
        start_at: usize,
        stock: String,
        per_page: usize,
    },
    #[error("{0}")]
    #[diagnostic(help(
        "crop marks and bleed are for plain sheets that are cut after printing (docs/stocks.md)"
    ))]
    Marks(String),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Write(#[from] crate::fsutil::WriteError),
    #[error("--pages-per-file must be at least 1")]
    PagesPerFile,
    /// A slug, offset or serial the stock has no room for.
    #[error("{0}")]
    #[diagnostic(help(
        "see docs/stocks.md (\"For the operator\") for where the slug and serial go"
    ))]
    Operator(String),
    #[error("{labels} labels would go into one file; the limit is {max} labels per file")]
    #[diagnostic(help(
        "split the output with --pages-per-file {pages} (or fewer), which keeps memory flat for any quantity"
    ))]
    TooManyLabels {
        labels: usize,
        max: usize,
        pages: usize,
    },
    /// A label that passed validation could not be made (a bug, not bad input).
    #[error("a label could not be made: {0}")]
    Label(String),
    #[error(
        "ZPL is for thermal label printers, which print from a roll; {stock} is a {kind} stock"
    )]
    #[diagnostic(help(
        "choose a roll or continuous stock (`iotlabel stocks`), or write a .pdf for sheets"
    ))]
    ZplNeedsRoll { stock: String, kind: String },
    #[error("{what} applies to PDF output, not to ZPL")]
    #[diagnostic(help("leave it out, or write a .pdf"))]
    NotForZpl { what: String },
}

/// The files a job writes: `out.pdf`, or `out-001.pdf`, `out-002.pdf`, … when split.
pub fn output_name(output: &Path, index: usize, split: bool) -> PathBuf {
    if !split {
        return output.to_path_buf();
    }
    let stem = output
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("sheets");
    let ext = output.extension().and_then(|s| s.to_str()).unwrap_or("pdf");
    output.with_file_name(format!("{stem}-{:03}.{ext}", index + 1))
}

/// The skipped-rows report path for an output.
pub fn skipped_report_path(output: &Path) -> PathBuf {
    let mut s = output.as_os_str().to_owned();
    s.push(".skipped.txt");
    PathBuf::from(s)
}

/// Shared, read-only state for laying out labels.
struct Labeler {
    templates: Vec<Template>,
    /// Per language entry of the job (a single language, or the job's list such as
    /// `en,fr` for labels in several languages), its catalogues in order.
    catalogues: Vec<Vec<Catalogue>>,
    /// The stock's label size (on continuous tape: the tape width and the job
    /// template's length, which each row's own template replaces).
    size: SizeMm,
    /// Continuous tape: each label is its own template's length, grown until its words
    /// fit (the tape is cut after each label, so a label can be any length).
    continuous: bool,
    /// Layout options for every cell: the safe area, outline, module size.
    opts: LabelOptions,
    ec: EcChoice,
    force: bool,
    /// Layouts (and layouts that do not fit) by [`crate::layout::layout_key`].
    cache: Mutex<HashMap<String, Result<Arc<Frame>, String>>>,
    /// Warnings met while laying out (a module below the scan floor), each once.
    notes: Mutex<Vec<String>>,
    /// Rows printed at a lower error-correction level than M.
    lowered: std::sync::atomic::AtomicUsize,
}

impl Labeler {
    /// A fresh labeller with the same templates, languages and options (and an empty
    /// cache), for probing another stock.
    fn probe_copy(&self) -> Labeler {
        Labeler {
            templates: self.templates.clone(),
            catalogues: self.catalogues.clone(),
            size: self.size,
            continuous: self.continuous,
            opts: self.opts.clone(),
            ec: self.ec,
            force: self.force,
            cache: Mutex::new(HashMap::new()),
            notes: Mutex::new(Vec::new()),
            lowered: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The label words and QR of a prepared row at an error-correction level. With
    /// `modules == false` the QR matrix is left empty (only its width, which is all
    /// the layout depends on, is computed): the cheap form used to check every row
    /// before writing.
    fn content(&self, p: &Prepared, level: EcLevel, modules: bool) -> Result<LabelContent, String> {
        let text = link::format_link(&p.base, &p.cose, PayloadForm::Digits);
        let opened = crate::envelope::open(&p.cose)
            .map_err(|e| format!("malformed signed envelope: {e}"))?;
        let facts = crate::payload::decode(&opened.payload)
            .map_err(|e| format!("malformed payload: {e}"))?;
        let summaries = self
            .catalogues
            .get(p.lang)
            .ok_or("unknown language")?
            .iter()
            .map(|c| summarize(&facts, c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let qr = if modules {
            let symbol = crate::qr::encode(&text, level, None).map_err(|e| e.to_string())?;
            QrModules::from_symbol(&symbol)
        } else {
            let version = crate::qr::min_version(&text, level).map_err(|e| e.to_string())?;
            QrModules {
                width: 17 + 4 * usize::from(version),
                dark: Vec::new(),
            }
        };
        let quiet = self
            .templates
            .get(p.template)
            .map_or(4, |t| t.qr.quiet_zone as usize);
        if let Some(w) =
            crate::artwork::check_module(self.opts.module, qr.width + 2 * quiet, self.force)
                .map_err(|e| e.to_string())?
            && let Ok(mut notes) = self.notes.lock()
            && !notes.contains(&w)
        {
            notes.push(w);
        }
        LabelContent::from_summaries(&summaries, qr, &p.base.short())
            .ok_or_else(|| "no language".to_string())
    }

    /// Lays out `content` with template `t` in this stock's label: at the stock's label
    /// size, or, on continuous tape, at the tape width and the template's own length,
    /// grown in 5 % steps (up to three times) until the words fit.
    #[allow(clippy::result_large_err)] // the layout's own error type, passed on unchanged
    fn fit(&self, content: &LabelContent, t: &Template) -> Result<Frame, LayoutError> {
        if !self.continuous {
            return crate::layout::label_with(content, t, Some(self.size), &self.opts)
                .map_err(without_size_hint);
        }
        let first = SizeMm {
            width_mm: self.size.width_mm,
            height_mm: t.height_mm,
        };
        let err = match crate::layout::label_with(content, t, Some(first), &self.opts) {
            Ok(f) => return Ok(f),
            Err(e) => e,
        };
        if matches!(
            err,
            LayoutError::DoesNotFit { .. } | LayoutError::QrDoesNotFit { .. }
        ) {
            for i in 1..=40 {
                let size = SizeMm {
                    width_mm: first.width_mm,
                    height_mm: (first.height_mm * (1.0 + 0.05 * f64::from(i))).ceil(),
                };
                if let Ok(f) = crate::layout::label_with(content, t, Some(size), &self.opts) {
                    return Ok(f);
                }
            }
        }
        Err(without_size_hint(err))
    }

    /// The layout for `content`, from the cache or freshly made (and cached, whether it
    /// fits or not).
    fn layout(&self, template: usize, content: &LabelContent) -> Result<Arc<Frame>, String> {
        let t = self.templates.get(template).ok_or("unknown template")?;
        let key = crate::layout::layout_key(content, t);
        if let Some(f) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return f;
        }
        let frame = self
            .fit(content, t)
            .map(Arc::new)
            .map_err(|e| e.to_string());
        if let Ok(mut c) = self.cache.lock()
            && c.len() < LAYOUT_CACHE
        {
            c.insert(key, frame.clone());
        }
        frame
    }

    /// The layout and content of a row at the first error-correction level that fits
    /// (see [`crate::artwork`]).
    fn pick(&self, p: &Prepared, modules: bool) -> Result<(Arc<Frame>, LabelContent), String> {
        let mut first_err = None;
        let levels = self.ec.candidates();
        let last = levels.len() - 1;
        for (i, level) in levels.into_iter().enumerate() {
            // Decide the level on the cheap form (the layout depends only on the QR's
            // width), so that the full QR matrix is encoded once, at the level used.
            let content = self.content(p, level, modules && i == last)?;
            match self.layout(p.template, &content) {
                Ok(f) => {
                    if i > 0 && !modules {
                        self.lowered
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    let content = if modules && i != last {
                        self.content(p, level, true)?
                    } else {
                        content
                    };
                    return Ok((f, content));
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.unwrap_or_else(|| "no error-correction level to try".into()))
    }

    /// The frame for a prepared row: the (cached) layout of its words with this row's
    /// QR matrix swapped in.
    fn frame(&self, p: &Prepared) -> Result<Frame, String> {
        let (layout, content) = self.pick(p, true)?;
        let mut frame = (*layout).clone();
        // A cached layout may come from another product with the same printed words.
        frame.title = content.frame_title();
        let mut swapped = false;
        for item in &mut frame.items {
            if let Item::Qr(q) = item
                && q.modules.width == content.qr.width
            {
                q.modules = content.qr.clone();
                swapped = true;
            }
        }
        if !swapped {
            return Err("the layout has no QR of the expected size".into());
        }
        Ok(frame)
    }
}

/// How far crop marks reach out from the label grid (0 without marks).
fn marks_reach(job: &SheetJob) -> f64 {
    if job.marks.crop_marks {
        job.marks.bleed_mm + impose::MARK_OFFSET_MM + impose::MARK_LENGTH_MM
    } else {
        0.0
    }
}

/// A layout error without its "it fits at --size …" hint: `sheet` has no `--size` (the
/// stock decides the size), so the sheet's own help names stocks and templates instead.
fn without_size_hint(mut e: LayoutError) -> LayoutError {
    match &mut e {
        LayoutError::DoesNotFit { suggestion, .. }
        | LayoutError::QrDoesNotFit { suggestion, .. } => *suggestion = None,
        _ => {}
    }
    e
}

/// Runs a sheet job: validate everything, then write the pages.
pub fn run(job: &SheetJob, progress: &dyn Progress) -> Result<SheetReport, SheetError> {
    job.stock.validate()?;
    if job.pages_per_file == Some(0) {
        return Err(SheetError::PagesPerFile);
    }
    let zpl = writes_zpl(&job.output);
    if zpl {
        check_zpl(job)?;
    }
    // Templates and languages rows may name; the job's defaults first.
    let default_template = Template::resolve(&job.template)?;
    let mut templates = vec![default_template.clone()];
    templates.extend(
        Template::all()?
            .into_iter()
            .filter(|t| t.name != default_template.name),
    );
    // The job's language (or list, `en,fr`) first; a row may name it or any single
    // built-in language.
    let default_cats = Catalogue::for_langs(&job.lang)?;
    let single = (default_cats.len() == 1).then(|| default_cats[0].lang.clone());
    let mut langs = vec![job.lang.clone()];
    let mut catalogues = vec![default_cats];
    for l in Catalogue::languages() {
        if single.as_deref() != Some(l) {
            langs.push(l.to_string());
            catalogues.push(vec![Catalogue::built_in(l)?]);
        }
    }

    let geometry = job.stock.geometry(default_template.height_mm);
    let per_page = geometry.per_page();
    if job.start_at == 0 || job.start_at > per_page {
        return Err(SheetError::StartAt {
            start_at: job.start_at,
            stock: job.stock.id.clone(),
            per_page,
        });
    }
    if let Some(warning) = check_marks(job, &geometry)? {
        progress.note(&warning);
    }
    operator::check_offset(job.operator.offset_mm).map_err(SheetError::Operator)?;
    if job.operator.slug {
        operator::slug_top(&geometry, marks_reach(job)).map_err(SheetError::Operator)?;
    }
    check_outputs(job)?;
    // The logo is read and checked once; every label shares it.
    let logo = match &job.logo {
        Some(path) => {
            if default_template.logo.is_none() {
                return Err(SheetError::NoLogoRegion(Box::new(
                    LayoutError::NoLogoRegion {
                        template: default_template.name.clone(),
                        with_logo: Template::names_with_logo(),
                    },
                )));
            }
            Some(crate::logo::Logo::load(path)?)
        }
        None => None,
    };
    let size = SizeMm {
        width_mm: geometry.label_width_mm,
        height_mm: geometry.label_height_mm,
    };
    let outline = if job.marks.no_outline {
        false
    } else {
        job.outline.unwrap_or(!job.stock.die_cut)
    };
    let labeler = Labeler {
        templates,
        catalogues,
        size,
        continuous: job.stock.kind == StockKind::Continuous,
        opts: LabelOptions {
            module: job.module,
            safe_mm: crate::layout::SAFE_AREA_MM,
            outline,
            background: true,
            // A thermal printer prints whole dots: lay the QR out on its dot grid.
            dpi: zpl.then(|| job.press.printer_dpi.layout_dpi()),
            accent: job.color.clone().or_else(|| default_template.accent()),
            logo,
            fonts: job.fonts.clone(),
        },
        ec: job.ec,
        force: job.force,
        cache: Mutex::new(HashMap::new()),
        notes: Mutex::new(Vec::new()),
        lowered: std::sync::atomic::AtomicUsize::new(0),
    };

    // One layout attempt before any work: does the template fit this stock at all?
    probe_fit(&labeler, &default_template, job)?;

    let key = match &job.key {
        Some(p) => {
            let key = crate::keys::load_signing_key(p)?;
            if let Some(w) = crate::keys::key_warning(p, &key) {
                progress.note(&w);
            }
            Some(key)
        }
        None => None,
    };
    let record_key = key.clone();
    let opts = batch::BatchOptions {
        key,
        base_url: job.base_url.clone(),
        check: CheckOptions::default(),
        signed_inputs: job.signed_inputs.clone(),
        records_issued: job.records.as_ref().map(|r| r.issued),
        templates: labeler.templates.iter().map(|t| t.name.clone()).collect(),
        langs,
        allow_paths_outside: job.allow_paths_outside,
        alg: job.alg,
    };
    progress.phase("checking rows", None);
    let outcome = batch::prepare(&job.batch, &opts, &|n| progress.done(n as u64))?;
    let mut problems = outcome.problems;
    let mut bad_rows = outcome.bad_rows;
    let total_rows = outcome.rows.len() + bad_rows;

    // Lay out every row once (through the cache) so that a label that does not fit is a
    // row problem now, not a failure half-way through writing.
    progress.phase("laying out", Some(outcome.rows.len() as u64));
    // The widest running serial any label could get, to check that it has room.
    let widest_running = job.operator.serial_start.map(|s| {
        let all: u64 = outcome.rows.iter().map(|p| u64::from(p.quantity)).sum();
        s.saturating_add(all.saturating_sub(1)).to_string()
    });
    let checked: Vec<Result<(), String>> = outcome
        .rows
        .par_iter()
        .map(|p| {
            let (layout, _) = labeler.pick(p, false)?;
            let widest = match (&p.serial, &widest_running) {
                (Some(s), _) if p.quantity > 1 => Some(format!("{s}-{}", p.quantity)),
                (Some(s), _) => Some(s.clone()),
                (None, w) => w.clone(),
            };
            match widest {
                Some(w) if operator::place_serial(&layout, &w, labeler.opts.safe_mm).is_none() => {
                    Err(format!(
                        "no free corner of the label has room for the serial {w:?} at {} pt",
                        operator::SERIAL_PT
                    ))
                }
                _ => Ok(()),
            }
        })
        .collect();
    let mut rows = Vec::with_capacity(outcome.rows.len());
    for (p, r) in outcome.rows.into_iter().zip(checked) {
        match r {
            Ok(()) => rows.push(p),
            Err(message) => {
                bad_rows += 1;
                problems.push(RowProblem {
                    row: p.row,
                    line: p.line,
                    field: if message.contains("serial") {
                        "serial".into()
                    } else {
                        "template".into()
                    },
                    message,
                });
            }
        }
    }
    problems.sort_by_key(|p| p.row);
    for n in labeler.notes.lock().map(|n| n.clone()).unwrap_or_default() {
        progress.note(&n);
    }
    let lowered = labeler.lowered.load(std::sync::atomic::Ordering::Relaxed);
    if lowered > 0 {
        progress.note(&format!(
            "note: {lowered} of {} rows use error correction L, so that their QR keeps its module size in the {:.1}×{:.1} mm labels of {} (pass --ec M to refuse instead)",
            rows.len(),
            size.width_mm,
            size.height_mm,
            job.stock.id
        ));
    }

    let batch_name = job.batch.display().to_string();
    let mut report = SheetReport {
        rows: total_rows,
        skipped_rows: bad_rows,
        ec_lowered_rows: lowered,
        ..SheetReport::default()
    };
    if !problems.is_empty() && !job.keep_going {
        return Err(SheetError::Rows {
            batch: batch_name,
            rows: total_rows,
            bad_rows,
            problems,
        });
    }
    if rows.is_empty() {
        return Err(SheetError::Empty { batch: batch_name });
    }
    let labels: usize = rows.iter().map(|p| p.quantity as usize).sum();
    check_file_size(job, &geometry, labels)?;
    report.labels = labels;
    report.layouts = labeler.cache.lock().map(|c| c.len()).unwrap_or(0);
    report.job = JobReport {
        iotlabel_report: report::REPORT_VERSION,
        batch: batch_name.clone(),
        date: job.operator.date.clone(),
        stock: report::StockUsed {
            id: job.stock.id.clone(),
            name: job.stock.name.clone(),
            label_width_mm: geometry.label_width_mm,
            label_height_mm: geometry.label_height_mm,
            labels_per_page: per_page,
        },
        rows: total_rows,
        labels,
        proof_page: job.operator.proof,
        offset_mm: [job.operator.offset_mm.0, job.operator.offset_mm.1],
        skipped_rows: bad_rows,
        skipped: problems.clone(),
        ..JobReport::default()
    };
    let template_names: Vec<String> = labeler.templates.iter().map(|t| t.name.clone()).collect();
    report::tally(&rows, &template_names, &opts.langs, &mut report.job);
    // Every file of the job is staged and moved into place together at the end: a
    // failure leaves the previous outputs as they were, never a mix of old and new.
    let mut files = crate::fsutil::FileSet::new();
    let report_path = skipped_report_path(&job.output);
    if problems.is_empty() {
        // A report from an earlier run would describe rows this run printed.
        files.remove_stale(&report_path, crate::fsutil::Kind::Report);
    } else {
        let mut text = format!("{bad_rows} of {total_rows} rows in {batch_name} were skipped:\n");
        for p in &problems {
            text.push_str(&format!("{p}\n"));
        }
        files.add_bytes(&report_path, report_opts(job), text.as_bytes())?;
        report.skipped_report = Some(report_path);
    }
    if zpl {
        write_zpl(job, &labeler, &rows, progress, &mut report, &mut files)?;
    } else {
        write_pages(
            job,
            &geometry,
            &labeler,
            &rows,
            labels,
            progress,
            &mut report,
            &mut files,
        )?;
    }
    if job.pages_per_file.is_some() {
        remove_stale_parts(job, report.files.len(), &mut files);
    }
    report.job.pages = report.pages;
    if let Some(path) = &job.operator.report {
        // One line, starting `{"iotlabel_report":`, which is how the file guard knows
        // it for a report of ours (`jq . job.json` shows it indented).
        let mut text = serde_json::to_string(&report.job)
            .map_err(|e| SheetError::Label(format!("the job report: {e}")))?;
        text.push('\n');
        files.add_bytes(path, report_opts(job), text.as_bytes())?;
    }
    files.commit()?;
    if let (Some(out), Some(key)) = (&job.records, &record_key) {
        // One record per distinct label; a label printed on several rows is one record.
        let mut done = std::collections::HashSet::new();
        for r in rows.iter() {
            if let Some(rec) = &r.record
                && done.insert(rec.label_hash)
            {
                crate::record::write(&out.dir, &r.cose, rec, key)?;
                report.records += 1;
            }
        }
    }
    Ok(report)
}

fn pdf_opts(job: &SheetJob) -> crate::fsutil::WriteOptions {
    let kind = if writes_zpl(&job.output) {
        crate::fsutil::Kind::Zpl
    } else {
        crate::fsutil::Kind::Pdf
    };
    crate::fsutil::WriteOptions::output(kind, job.force)
}

/// ZPL goes to roll printers, one label after the other: refuses sheet stock and the
/// options that only mean something on a PDF page.
fn check_zpl(job: &SheetJob) -> Result<(), SheetError> {
    if job.stock.kind == StockKind::Sheet {
        return Err(SheetError::ZplNeedsRoll {
            stock: job.stock.id.clone(),
            kind: "sheet".into(),
        });
    }
    let refuse = |what: &str| {
        Err(SheetError::NotForZpl {
            what: what.to_string(),
        })
    };
    if job.press.pdf_standard != PdfStandard::None {
        return refuse("--pdf-standard");
    }
    if job.press.cut_path {
        return refuse("--cut-path");
    }
    if job.marks.crop_marks {
        return refuse("--crop-marks");
    }
    if job.pages_per_file.is_some() {
        return refuse("--pages-per-file");
    }
    if job.ink == Ink::Rgb {
        return refuse("--rgb");
    }
    Ok(())
}

/// Writes the rows as ZPL: one `^XA … ^XZ` block per row, in row order, printing the
/// row's quantity with `^PQ`.
fn write_zpl(
    job: &SheetJob,
    labeler: &Labeler,
    rows: &[Prepared],
    progress: &dyn Progress,
    report: &mut SheetReport,
    files: &mut crate::fsutil::FileSet,
) -> Result<(), SheetError> {
    progress.phase("writing", Some(rows.len() as u64));
    let frames: Result<Vec<Frame>, String> = rows.par_iter().map(|p| labeler.frame(p)).collect();
    let frames = frames.map_err(|e| {
        SheetError::Label(format!("laying out a label failed after validation: {e}"))
    })?;
    let bytes = crate::render::zpl::render(
        frames.iter().zip(rows).map(|(f, p)| (f, p.quantity)),
        job.press.printer_dpi,
    )?;
    progress.done(rows.len() as u64);
    files.add_bytes(&job.output, pdf_opts(job), &bytes)?;
    report.files.push(job.output.clone());
    report.pages = report.labels;
    Ok(())
}

fn report_opts(job: &SheetJob) -> crate::fsutil::WriteOptions {
    crate::fsutil::WriteOptions::output(crate::fsutil::Kind::Report, job.force)
}

/// Checks every output location before any work: the batch and key are inputs (never
/// overwritten), and the first output file and the report must be writable.
fn check_outputs(job: &SheetJob) -> Result<(), SheetError> {
    crate::fsutil::note_input(&job.batch);
    if let Some(k) = &job.key {
        crate::fsutil::note_input(k);
    }
    let first = output_name(&job.output, 0, job.pages_per_file.is_some());
    crate::fsutil::check_target(&first, &pdf_opts(job))?;
    crate::fsutil::check_target(&skipped_report_path(&job.output), &report_opts(job))?;
    if let Some(r) = &job.operator.report {
        crate::fsutil::check_target(r, &report_opts(job))?;
    }
    Ok(())
}

/// Refuses a single file with more labels than [`MAX_LABELS_PER_FILE`].
fn check_file_size(job: &SheetJob, g: &Geometry, labels: usize) -> Result<(), SheetError> {
    let per_page = g.per_page().max(1);
    let pages = (job.start_at - 1 + labels).div_ceil(per_page);
    let per_file = job.pages_per_file.unwrap_or(usize::MAX).min(pages) * per_page;
    if per_file > MAX_LABELS_PER_FILE {
        return Err(SheetError::TooManyLabels {
            labels: per_file.min(labels),
            max: MAX_LABELS_PER_FILE,
            pages: MAX_LABELS_PER_FILE / per_page,
        });
    }
    Ok(())
}

/// Split files of an earlier, longer run (`OUT-007.pdf` when this run wrote six) are
/// removed with the commit, so the directory holds exactly this job's files.
fn remove_stale_parts(job: &SheetJob, written: usize, files: &mut crate::fsutil::FileSet) {
    let mut index = written;
    loop {
        let path = output_name(&job.output, index, true);
        if !path.exists() {
            break;
        }
        files.remove_stale(&path, crate::fsutil::Kind::Pdf);
        index += 1;
    }
}

/// Checks crop marks and bleed against the stock; returns a warning for marks on
/// die-cut sheets (harmless, but nothing there is cut along them).
fn check_marks(job: &SheetJob, g: &Geometry) -> Result<Option<String>, SheetError> {
    let b = job.marks.bleed_mm;
    if !b.is_finite() || !(0.0..=10.0).contains(&b) {
        return Err(SheetError::Marks(format!(
            "--bleed {b} mm is outside 0 to 10 mm"
        )));
    }
    if b > 0.0 && !job.marks.crop_marks {
        return Err(SheetError::Marks("--bleed needs --crop-marks: bleed only makes sense where the sheet is cut along the marks".into()));
    }
    if job.marks.crop_marks && job.stock.kind != StockKind::Sheet {
        return Err(SheetError::Marks(format!(
            "stock {} is a roll: its labels are die-cut, so there is nothing to mark for cutting",
            job.stock.id
        )));
    }
    if b > 0.0 {
        let gap_x = g.horizontal_pitch_mm - g.label_width_mm;
        let gap_y = g.vertical_pitch_mm - g.label_height_mm;
        let tight =
            (g.columns > 1 && gap_x + 1e-6 < 2.0 * b) || (g.rows > 1 && gap_y + 1e-6 < 2.0 * b);
        let margin = g.left_margin_mm.min(g.top_margin_mm);
        if tight || margin + 1e-6 < b {
            return Err(SheetError::Marks(format!(
                "--bleed {b} mm does not fit stock {}: bleed needs gaps of at least {} mm between labels and margins of {b} mm (gaps are {gap_x:.2} × {gap_y:.2} mm)",
                job.stock.id,
                2.0 * b
            )));
        }
    }
    if job.marks.crop_marks && impose::crop_mark_segments(g, b).is_empty() {
        let need =
            impose::PRINTABLE_MARGIN_MM + impose::MARK_OFFSET_MM + b + impose::MARK_MIN_LENGTH_MM;
        return Err(SheetError::Marks(format!(
            "stock {} has no page margin wide enough for crop marks: a mark starts {:.1} mm from the labels (1 mm plus the bleed), must stay {} mm from the paper edge, where office and digital printers cannot print, and is at least {} mm long, so a margin needs {need:.1} mm (this stock's are {:.2} mm left and {:.2} mm top)",
            job.stock.id,
            impose::MARK_OFFSET_MM + b,
            impose::PRINTABLE_MARGIN_MM,
            impose::MARK_MIN_LENGTH_MM,
            g.left_margin_mm,
            g.top_margin_mm,
        )));
    }
    if job.marks.crop_marks && job.stock.die_cut {
        return Ok(Some(format!(
            "warning: stock {} is die-cut: its labels are already cut, so the crop marks only show where the die lines are (use them for checking alignment, not for cutting)",
            job.stock.id
        )));
    }
    Ok(None)
}

/// Lays out a typical label (the shipped declaration template, signed with a throwaway
/// key) to see whether the template can fit the stock's label at all.
#[allow(clippy::result_large_err)] // one probe per job; the error is reported once
fn probe_fit(labeler: &Labeler, template: &Template, job: &SheetJob) -> Result<(), SheetError> {
    let text = include_str!("../../assets/declaration-template.toml");
    let Ok(d) = crate::declaration::parse_str(
        text,
        crate::declaration::Format::Toml,
        "template",
        &CheckOptions::lenient(),
    ) else {
        return Ok(()); // no probe possible; every row is still laid out before writing
    };
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let cose = crate::source::sign_declaration(&d, &key);
    let Ok(base) = link::BaseUrl::parse(
        d.product
            .link_base_url
            .as_deref()
            .unwrap_or("https://example.com/v"),
    ) else {
        return Ok(());
    };
    let p = Prepared {
        row: 0,
        line: 0,
        cose,
        base,
        quantity: 1,
        template: 0,
        lang: 0,
        serial: None,
        record: None,
    };
    let fits = |l: &Labeler| -> Result<(), LayoutError> {
        let mut first = None;
        for level in l.ec.candidates() {
            let Ok(content) = l.content(&p, level, true) else {
                return Ok(());
            };
            match l.fit(&content, template) {
                Ok(_) => return Ok(()),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        first.map_or(Ok(()), Err)
    };
    fits(labeler).map_err(|source| {
        let fits_on = Stock::catalogue()
            .unwrap_or_default()
            .into_iter()
            .filter(|s| {
                let g = s.geometry(template.height_mm);
                let other = Labeler {
                    size: SizeMm {
                        width_mm: g.label_width_mm,
                        height_mm: g.label_height_mm,
                    },
                    continuous: s.kind == StockKind::Continuous,
                    ..labeler.probe_copy()
                };
                fits(&other).is_ok()
            })
            .map(|s| s.id)
            .collect();
        SheetError::DoesNotFit {
            fits_on,
            template: template.name.clone(),
            stock: job.stock.id.clone(),
            width: labeler.size.width_mm,
            height: labeler.size.height_mm,
            reason: Box::new(source),
        }
    })
}

/// One chunk of laid-out labels: distinct frames and where each label goes.
struct Chunk {
    frames: Vec<Frame>,
    placed: Vec<Placed>,
}

/// One label of a chunk.
struct Placed {
    /// Position in the job (page × labels per page + cell).
    pos: usize,
    /// Index into the chunk's frames.
    frame: usize,
    /// Index into the job's rows, and which copy of the row this is.
    row: usize,
    copy: u32,
}

/// The serial printed on a label: the row's own (with `-N` per copy when the row has a
/// quantity), else the running number from `--serial-start`.
fn serial_for(job: &SheetJob, p: &Prepared, copy: u32, label_index: usize) -> Option<String> {
    match (&p.serial, job.operator.serial_start) {
        (Some(s), _) if p.quantity > 1 => Some(format!("{s}-{}", copy + 1)),
        (Some(s), _) => Some(s.clone()),
        (None, Some(start)) => Some(start.saturating_add(label_index as u64).to_string()),
        (None, None) => None,
    }
}

/// The stock's die line on one page: every cell, with the stock's corner radius.
pub fn die_line(g: &Geometry) -> Vec<CutShape> {
    g.cells()
        .into_iter()
        .map(|rect| CutShape {
            rect,
            radius_mm: g.corner_radius_mm,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn write_pages(
    job: &SheetJob,
    g: &Geometry,
    labeler: &Labeler,
    rows: &[Prepared],
    labels: usize,
    progress: &dyn Progress,
    report: &mut SheetReport,
    files: &mut crate::fsutil::FileSet,
) -> Result<(), SheetError> {
    let per_page = g.per_page();
    let first = job.start_at - 1;
    let total_positions = first + labels;
    let pages = total_positions.div_ceil(per_page);
    let split = job.pages_per_file.is_some();
    let pages_per_file = job.pages_per_file.unwrap_or(usize::MAX);
    // Chunks are whole pages so a chunk never straddles a page.
    let chunk_pages = (CHUNK_LABELS / per_page).max(1);
    progress.phase("writing", Some(labels as u64));
    report.pages = pages;

    // Expansion of rows by quantity, walked lazily chunk by chunk.
    let mut cursor = (0usize, 0u32); // (row index, copies already placed)
    let mut next_chunk = |page0: usize| -> Vec<(usize, usize, u32)> {
        let end = ((page0 + chunk_pages) * per_page).min(total_positions);
        let mut out = Vec::new();
        let mut pos = (page0 * per_page).max(first);
        while pos < end && cursor.0 < rows.len() {
            let q = rows.get(cursor.0).map(|r| r.quantity).unwrap_or(0);
            if cursor.1 < q {
                out.push((pos, cursor.0, cursor.1));
                cursor.1 += 1;
                pos += 1;
            } else {
                cursor = (cursor.0 + 1, 0);
            }
        }
        out
    };

    let make_chunk = |items: Vec<(usize, usize, u32)>| -> Result<Chunk, String> {
        // Distinct rows in this chunk, in order of first appearance.
        let mut index: HashMap<usize, usize> = HashMap::new();
        let mut distinct = Vec::new();
        for (_, r, _) in &items {
            index.entry(*r).or_insert_with(|| {
                distinct.push(*r);
                distinct.len() - 1
            });
        }
        let frames: Result<Vec<Frame>, String> = distinct
            .par_iter()
            .map(|r| {
                rows.get(*r)
                    .ok_or_else(|| "row index".to_string())
                    .and_then(|p| labeler.frame(p))
            })
            .collect();
        let placed = items
            .into_iter()
            .map(|(pos, r, copy)| Placed {
                pos,
                frame: index.get(&r).copied().unwrap_or(0),
                row: r,
                copy,
            })
            .collect();
        Ok(Chunk {
            frames: frames?,
            placed,
        })
    };

    let title = format!("iotlabel sheets — {}", job.stock.id);
    // Everything is drawn on the geometry moved by the feed offset.
    let dg = operator::offset_geometry(g, job.operator.offset_mm);
    let slug_top = if job.operator.slug {
        Some(operator::slug_top(&dg, marks_reach(job)).map_err(SheetError::Operator)?)
    } else {
        None
    };
    let job_name = job.batch.file_name().map_or_else(
        || job.batch.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut serials: Vec<report::RowSerials> = Vec::new();
    let mut done = 0u64;
    let mut file_index = 0usize;
    let mut writer: Option<(PdfWriter, usize)> = None; // writer and pages in it
    let finish = |w: PdfWriter,
                  idx: usize,
                  report: &mut SheetReport,
                  files: &mut crate::fsutil::FileSet|
     -> Result<(), SheetError> {
        let bytes = w.finish()?;
        let path = output_name(&job.output, idx, split);
        report.job.files.push(report::FileHash::of(&path, &bytes));
        files.add_bytes(&path, pdf_opts(job), &bytes)?;
        report.files.push(path);
        Ok(())
    };

    // Pipeline: a producer thread lays out chunk n+1 (in parallel) while this thread
    // draws chunk n, so the serial PDF writer and the parallel layout overlap.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(usize, Chunk), String>>(1);
    let result = std::thread::scope(|scope| -> Result<(), SheetError> {
        scope.spawn(move || {
            let mut page0 = 0;
            while page0 < pages {
                let items = next_chunk(page0);
                let msg = make_chunk(items).map(|c| (page0, c));
                let failed = msg.is_err();
                if tx.send(msg).is_err() || failed {
                    return;
                }
                page0 += chunk_pages;
            }
        });
        for msg in rx {
            let (page0, chunk) = msg.map_err(|e| {
                SheetError::Label(format!("laying out a label failed after validation: {e}"))
            })?;
            let last_page = (page0 + chunk_pages).min(pages);
            let mut placed = chunk.placed.iter().peekable();
            for page in page0..last_page {
                let mut on_page: Vec<(usize, &Frame)> = Vec::new();
                let mut extras: Vec<(f64, f64, Frame)> = Vec::new();
                while let Some(pl) = placed.peek() {
                    if pl.pos / per_page != page {
                        break;
                    }
                    if let Some(f) = chunk.frames.get(pl.frame) {
                        let cell = pl.pos % per_page;
                        on_page.push((cell, f));
                        let serial = rows
                            .get(pl.row)
                            .and_then(|p| serial_for(job, p, pl.copy, pl.pos - first));
                        if let Some(serial) = serial {
                            let run = operator::place_serial(f, &serial, labeler.opts.safe_mm)
                                .ok_or_else(|| {
                                    SheetError::Label(format!("no room for serial {serial}"))
                                })?;
                            let batch_row = rows.get(pl.row).map_or(0, |p| p.row);
                            match serials.last_mut().filter(|r| r.row == batch_row) {
                                Some(rs) => rs.serials.push(serial),
                                None => serials.push(report::RowSerials {
                                    row: batch_row,
                                    serials: vec![serial],
                                }),
                            }
                            let r = dg.cell(cell);
                            extras.push((
                                r.x,
                                r.y,
                                Frame {
                                    width_mm: f.width_mm,
                                    height_mm: f.height_mm,
                                    title: String::new(),
                                    lang: f.lang.clone(),
                                    background: false,
                                    accent: None,
                                    items: vec![Item::Text(run)],
                                },
                            ));
                        }
                    }
                    placed.next();
                }
                let (w, count) = match writer.take() {
                    Some(w) => w,
                    None => (
                        PdfWriter::with_standard(
                            &title,
                            &job.lang,
                            job.ink,
                            job.press.pdf_standard,
                        )?,
                        0,
                    ),
                };
                let mut w = w;
                let marks = job.marks;
                // On continuous tape the page is the label, whatever length it grew to.
                let (page_w, page_h) = match on_page.first() {
                    Some((_, f)) if labeler.continuous => (f.width_mm, f.height_mm),
                    _ => (g.page_width_mm, g.page_height_mm),
                };
                if let Some(top) = slug_top {
                    let text = operator::slug_text(
                        &job_name,
                        page + 1,
                        pages,
                        job.operator.date.as_deref().unwrap_or("undated"),
                        &job.stock.id,
                    );
                    extras.push((0.0, 0.0, operator::slug_frame(&dg, &text, top, &job.lang)));
                }
                if file_index == 0 && count == 0 && page == 0 && job.operator.proof {
                    let proof = operator::proof_frame(&dg, &job.lang);
                    w.page(page_w, page_h, |surface, fonts, ink| {
                        crate::render::pdf::draw_frame(surface, &proof, (0.0, 0.0), fonts, ink);
                    })?;
                }
                w.page(page_w, page_h, |surface, fonts, ink| {
                    impose::draw_page(surface, &dg, &on_page, marks, fonts, ink);
                    for (x, y, f) in &extras {
                        crate::render::pdf::draw_frame(surface, f, (*x, *y), fonts, ink);
                    }
                })?;
                if job.press.cut_path {
                    w.set_cuts(die_line(g));
                }
                done += on_page.len() as u64;
                if count + 1 >= pages_per_file {
                    finish(w, file_index, report, files)?;
                    file_index += 1;
                } else {
                    writer = Some((w, count + 1));
                }
                progress.done(done);
            }
        }
        if let Some((w, _)) = writer.take() {
            finish(w, file_index, report, files)?;
        }
        Ok(())
    });
    report.job.serials = serials;
    result
}
