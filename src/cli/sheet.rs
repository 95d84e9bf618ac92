//! `sheet`: a CSV/JSONL batch imposed onto label stock as print-ready PDF.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use miette::Result;

use crate::render::pdf::Ink;
use crate::sheet::{self, Marks, Progress, SheetJob, Stock};

/// Print a batch of labels (CSV or JSONL) onto sheets or rolls of label stock.
#[derive(Debug, Args)]
pub struct SheetArgs {
    /// The batch: .csv or .jsonl, one product per row (docs/stocks.md).
    pub batch: PathBuf,
    /// Stock id from `iotlabel stocks` (or from --stock-file).
    #[arg(long, value_name = "ID")]
    pub stock: Option<String>,
    /// A stock file in the catalogue's format (docs/stocks.md); with one stock in it,
    /// --stock may be left out.
    #[arg(long, value_name = "FILE")]
    pub stock_file: Option<PathBuf>,
    /// Private key (PKCS#8 PEM) for rows that are declarations.
    #[arg(long, value_name = "KEY.pem")]
    pub key: Option<PathBuf>,
    /// Base URL of the verifier page (overrides product.link_base_url; needed for .cose rows).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Label template: a name or a template file (rows may override with a `template`
    /// column naming a shipped template or the file template's `name`).
    #[arg(long, default_value = "compact")]
    pub template: String,
    /// Language of the label text (rows may override with a `lang` column).
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// First cell to use on the first sheet (1 = top left, row by row), for partly used sheets.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub start_at: usize,
    /// Draw crop marks in the sheet margin (plain sheets that are cut after printing).
    #[arg(long)]
    pub crop_marks: bool,
    /// Leave out each label's printed outline (the default on die-cut stock, where a
    /// printed border shows any misregistration between print and cut).
    #[arg(long, conflicts_with = "outline")]
    pub no_outline: bool,
    /// Draw each label's outline, inside the 1.5 mm safe area (e.g. for proofs on
    /// die-cut stock).
    #[arg(long)]
    pub outline: bool,
    #[command(flatten)]
    pub qr: super::QrOptions,
    /// Brand colour of the headline and rules, as C,M,Y,K percentages (e.g.
    /// 0,100,100,0), or a spot colour NAME=C,M,Y,K (e.g. "PANTONE 286 C=100,66,0,2":
    /// a Separation in the PDF, the CMYK values as its alternate). The QR and the body
    /// text stay 100 % K.
    #[arg(long, value_name = "[NAME=]C,M,Y,K")]
    pub color: Option<crate::layout::Accent>,
    /// Brand logo on every label (PNG, JPEG or SVG), in the template's logo region;
    /// read once for the whole job.
    #[arg(long, value_name = "FILE")]
    pub logo: Option<std::path::PathBuf>,
    /// The brand's typeface: a regular font file and optionally a bold one (.ttf, .otf,
    /// or the first face of a .ttc). Characters it lacks fall back to DejaVu Sans and
    /// the bundled CJK font; its licence flags must allow embedding.
    #[arg(long, value_name = "REGULAR[,BOLD]", value_parser = crate::artwork::parse_font_arg)]
    pub font: Option<(PathBuf, Option<PathBuf>)>,
    /// Bleed beyond the cut line, e.g. 2mm (needs --crop-marks).
    #[arg(long, value_name = "LENGTH", value_parser = parse_length)]
    pub bleed: Option<f64>,
    /// Split the output into files of N pages: OUT-001.pdf, OUT-002.pdf, …
    #[arg(long, value_name = "N")]
    pub pages_per_file: Option<usize>,
    /// Skip bad rows instead of refusing the job; writes OUT.skipped.txt.
    #[arg(long)]
    pub keep_going: bool,
    /// RGB black instead of 100 % K (office printers, screen proofs).
    #[arg(long)]
    pub rgb: bool,
    /// Let `cose` and `declaration` cells name files outside the batch file's directory
    /// (by default they are paths relative to it and may not leave it).
    #[arg(long)]
    pub allow_paths_outside: bool,
    /// COSE algorithm id for rows signed now: eddsa (-8, the default) or ed25519 (-19).
    #[arg(long, value_enum, default_value = "eddsa")]
    pub alg: crate::envelope::Alg,
    /// PDF: follow a standard: x4 (PDF/X-4 for the press) or a2b (PDF/A-2b, archive).
    #[arg(long, value_name = "x4|a2b")]
    pub pdf_standard: Option<crate::render::press::PdfStandard>,
    /// PDF: add the stock's die line as a CutContour spot colour on a layer named "Cut".
    #[arg(long)]
    pub cut_path: bool,
    /// ZPL (-o OUT.zpl, roll stocks): the printer's resolution.
    #[arg(long, default_value = "203", value_name = "203|300|600")]
    pub printer_dpi: crate::render::zpl::PrinterDpi,
    /// Output: OUT.pdf, or OUT.zpl for a thermal label printer (roll stocks).
    #[arg(long, short = 'o', value_name = "OUT.pdf|OUT.zpl")]
    pub out: PathBuf,
    #[command(flatten)]
    pub trust: super::ArtworkTrust,
    /// Also write the first product record of every label this job signs into DIR
    /// (as `iotlabel record` does), after the sheets are in place.
    #[arg(long, value_name = "DIR")]
    pub records: Option<PathBuf>,
    /// The month those records are issued (YYYY-MM); default: this month (UTC).
    #[arg(long, value_name = "YYYY-MM", requires = "records")]
    pub issued: Option<crate::declaration::YearMonth>,
    /// Replace existing output files of another kind (never an input or a private key).
    #[arg(long)]
    pub force: bool,
    /// Write a JSON job report: stock, templates, labels per product and language,
    /// pages, files with their SHA-256, key ids, serials, skipped rows.
    #[arg(long, value_name = "JOB.json")]
    pub report: Option<PathBuf>,
    /// Print a one-line job/page/date/stock note in the sheet margin, outside the labels.
    #[arg(long)]
    pub slug: bool,
    /// Date for the slug and the report, YYYY-MM-DD [default: today, UTC].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub date: Option<String>,
    /// Add a first page that prints only the cell outlines and numbers, for alignment.
    #[arg(long)]
    pub proof: bool,
    /// Move everything by X,Y for a printer's feed error, e.g. 1mm,-0.5mm (at most ±5 mm).
    #[arg(long, value_name = "X,Y", value_parser = parse_offset, allow_hyphen_values = true)]
    pub offset: Option<(f64, f64)>,
    /// Number every label from N (printed small; a row's `serial` column wins).
    #[arg(long, value_name = "N")]
    pub serial_start: Option<u64>,
    /// No progress bar or progress lines, and no summary (warnings still show).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

fn parse_offset(s: &str) -> std::result::Result<(f64, f64), String> {
    crate::sheet::operator::parse_offset(s)
}

fn parse_date(s: &str) -> std::result::Result<String, String> {
    let b = s.trim().as_bytes();
    let ok = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    let month: u32 = s.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(0);
    let day: u32 = s.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(0);
    if ok && (1..=12).contains(&month) && (1..=31).contains(&day) {
        Ok(s.trim().to_string())
    } else {
        Err(format!("{s:?} is not a date YYYY-MM-DD"))
    }
}

/// Today's date in UTC from the system clock (the one clock read, at the edge).
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = crate::declaration::civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A rate as a whole number per second with thousands separators (`6,126/s`).
pub fn rate(per_sec: f64) -> String {
    let n = if per_sec.is_finite() && per_sec > 0.0 {
        per_sec.round() as u64
    } else {
        0
    };
    format!("{}/s", crate::sheet::progress::thousands(n))
}

fn parse_length(s: &str) -> std::result::Result<f64, String> {
    crate::qr::parse_length_mm(s).map_err(|e| e.to_string())
}

/// A progress bar on standard error when it is a terminal (otherwise the job prints a
/// line per 10 %, [`sheet::progress::TenPercent`]).
struct Bar(Option<indicatif::ProgressBar>);

impl Progress for Bar {
    fn phase(&self, name: &str, total: Option<u64>) {
        if let Some(b) = &self.0 {
            match total {
                Some(t) => {
                    b.set_length(t);
                    b.set_style(
                        indicatif::ProgressStyle::with_template(
                            "{msg:>14} [{bar:40}] {pos}/{len} ({rate}, {eta})",
                        )
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                        .with_key(
                            "rate",
                            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                                let _ = w.write_str(&rate(s.per_sec()));
                            },
                        )
                        .progress_chars("=> "),
                    );
                }
                None => b.set_style(
                    indicatif::ProgressStyle::with_template("{msg:>14} {pos} rows")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                ),
            }
            b.set_message(name.to_string());
            b.set_position(0);
        }
    }
    fn done(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.set_position(n);
        }
    }
    fn note(&self, text: &str) {
        match &self.0 {
            Some(b) => b.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }
}

pub fn run(a: SheetArgs) -> Result<ExitCode> {
    let stock = match (&a.stock_file, &a.stock) {
        (Some(file), id) => Stock::from_file(file, id.as_deref())?,
        (None, Some(id)) => Stock::by_id(id)?,
        (None, None) => {
            return Err(miette::miette!(
                help = "run `iotlabel stocks` to list them",
                "choose a stock with --stock ID or --stock-file FILE"
            ));
        }
    };
    let fonts = match &a.font {
        Some((regular, bold)) => Some(crate::artwork::load_user_fonts(regular, bold.as_deref())?),
        None => None,
    };
    let job = SheetJob {
        fonts,
        batch: a.batch,
        stock,
        key: a.key,
        base_url: a.base_url,
        template: a.template,
        lang: a.lang,
        start_at: a.start_at,
        marks: Marks {
            crop_marks: a.crop_marks,
            bleed_mm: a.bleed.unwrap_or(0.0),
            no_outline: a.no_outline,
        },
        pages_per_file: a.pages_per_file,
        keep_going: a.keep_going,
        ink: if a.rgb { Ink::Rgb } else { Ink::Cmyk },
        output: a.out,
        signed_inputs: a.trust.policy()?,
        records: a.records.map(|dir| crate::record::BatchRecords {
            dir,
            issued: a.issued.unwrap_or_else(crate::declaration::YearMonth::now),
        }),
        force: a.force,
        module: a.qr.module_size(),
        ec: a.qr.ec_choice(),
        outline: if a.outline { Some(true) } else { None },
        allow_paths_outside: a.allow_paths_outside,
        alg: a.alg,
        press: sheet::PressOptions {
            pdf_standard: a.pdf_standard.unwrap_or_default(),
            cut_path: a.cut_path,
            printer_dpi: a.printer_dpi,
        },
        color: a.color,
        logo: a.logo,
        operator: sheet::OperatorOptions {
            report: a.report,
            slug: a.slug,
            date: Some(a.date.unwrap_or_else(today)),
            proof: a.proof,
            offset_mm: a.offset.unwrap_or((0.0, 0.0)),
            serial_start: a.serial_start,
        },
    };
    let result = if a.quiet {
        sheet::run(&job, &sheet::progress::Quiet)
    } else if std::io::stderr().is_terminal() {
        // Drawn at most 10 times a second; cleared (not redrawn) when the job ends.
        let bar = Bar(Some(indicatif::ProgressBar::with_draw_target(
            None,
            indicatif::ProgressDrawTarget::stderr_with_hz(10),
        )));
        let r = sheet::run(&job, &bar);
        if let Some(b) = &bar.0 {
            b.finish_and_clear();
        }
        r
    } else {
        sheet::run(&job, &sheet::progress::TenPercent::new(std::io::stderr()))
    };
    let report = result?;
    if a.quiet {
        return Ok(ExitCode::SUCCESS);
    }
    let files: Vec<String> = report
        .files
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    eprintln!(
        "wrote {} label{} on {} page{} of {} to {}",
        report.labels,
        if report.labels == 1 { "" } else { "s" },
        report.pages,
        if report.pages == 1 { "" } else { "s" },
        job.stock.id,
        files.join(", ")
    );
    if let Some(r) = &job.records {
        eprintln!(
            "wrote {} product record{} to {}",
            report.records,
            if report.records == 1 { "" } else { "s" },
            r.dir.display()
        );
    }
    if let Some(p) = &report.skipped_report {
        eprintln!(
            "skipped {} of {} rows; see {}",
            report.skipped_rows,
            report.rows,
            p.display()
        );
    }
    eprintln!("{}", report.job.summary());
    if let Some(p) = &job.operator.report {
        eprintln!("job report: {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}
